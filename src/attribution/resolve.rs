//! The resolver: who is behind one pod finding, answered from every workload write of the run.
//!
//! [`Records`] holds the writes in time order (then input order), indexed by uid and by kind,
//! namespace and name, so the answer does not depend on the order the inputs were given in.
//! [`resolve`] then walks a pod's controller owner reference up the objects the run saw
//! written, and at the top object finds the request that set the image:
//!
//! 1. no controller owner: `direct`, the pod's own request;
//! 2. an owner whose controller is not the pod's requester: `direct`, with a note that the pod
//!    claims an owner it was not made by;
//! 3. otherwise the owner's writes are found by uid, else by kind, namespace and name, at or
//!    before the pod's time; the walk goes up while one of the object's writes that names an
//!    owner was made by that owner's controller (the latest such write names the owner);
//! 4. at the top, the initiator is the latest request by a non-controller identity, at or before
//!    the pod's time, whose template images include one of the pod's disallowed images; when
//!    there is none, the objects below the top are asked the same, top down (an image patched
//!    into a ReplicaSet directly), with a note saying where it was set;
//! 5. otherwise `unresolved`, with the chain as far as it got and a note saying why and what
//!    audit-policy change would resolve it ([`Unresolved`]).
//!
//! A write without a time can never be placed before a pod, so it is never used; at equal times
//! the later one in input order wins. The walk is bounded: controller identities exist only for
//! real parent kinds, so a chain of forged owner references ends within two links. See
//! docs/attribution.md.

mod index;

use std::sync::Arc;

use super::identity::{self, Child};
use super::{Attribution, How, OwnerRef, PodRequest, Requester, WorkloadKind, WorkloadRecord};

pub use index::Records;
use index::{Seen, Setters};

/// The most owner links followed above a pod; real chains have at most two.
const MAX_LINKS: usize = 4;

/// One workload object the walk stands on.
#[derive(Debug, Clone, Copy)]
struct Object<'a> {
    /// Its kind.
    kind: WorkloadKind,
    /// Its namespace: the pod's (owners are always in their child's namespace).
    namespace: Option<&'a str>,
    /// Its name, from the owner reference.
    name: &'a str,
    /// Its uid: the owner reference's, else the one its writes show.
    uid: Option<&'a str>,
}

/// Why a pod finding is `unresolved`: each is the start of the note, which goes on to say what
/// would resolve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unresolved {
    /// An owner has no write in the logs at or before the pod's time.
    OwnerNotLogged,
    /// An owner's writes were logged without their bodies (level `Metadata`).
    OwnerWithoutSpec,
    /// The top object was found, but no request by a person or pipeline set the image.
    NoRequestSetImage,
}

impl Unresolved {
    /// Every reason, in a fixed order.
    pub const ALL: [Unresolved; 3] = [
        Unresolved::OwnerNotLogged,
        Unresolved::OwnerWithoutSpec,
        Unresolved::NoRequestSetImage,
    ];

    /// The reason, as the note starts.
    pub fn reason(self) -> &'static str {
        match self {
            Unresolved::OwnerNotLogged => "owner not in the logs",
            Unresolved::OwnerWithoutSpec => "owner logged without its spec (Metadata level)",
            Unresolved::NoRequestSetImage => "no request set the image",
        }
    }

    /// The reason a note gives, if it is an unresolved one.
    pub fn of(note: &str) -> Option<Unresolved> {
        Unresolved::ALL
            .into_iter()
            .find(|reason| note.starts_with(reason.reason()))
    }

    /// The whole note: the reason, then the fix, for an owner of `kind`.
    pub fn note(self, kind: WorkloadKind) -> String {
        let reason = self.reason();
        let resources = policy_resources(kind);
        match self {
            Unresolved::OwnerNotLogged => format!(
                "{reason}; include the logs from when it was written, and log {resources} at \
                 level Request or higher"
            ),
            Unresolved::OwnerWithoutSpec => {
                format!("{reason}; log {resources} at level Request or higher")
            }
            Unresolved::NoRequestSetImage => format!(
                "{reason}; include older logs, or look for a mutating webhook that sets images"
            ),
        }
    }
}

/// The resources an audit policy must log for an owner of `kind` and those above it.
fn policy_resources(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::ReplicaSet => "replicasets and deployments",
        WorkloadKind::Job => "jobs and cronjobs",
        WorkloadKind::Deployment => "deployments",
        WorkloadKind::CronJob => "cronjobs",
        WorkloadKind::StatefulSet => "statefulsets",
        WorkloadKind::DaemonSet => "daemonsets",
        WorkloadKind::ReplicationController => "replicationcontrollers",
    }
}

/// The answer for a request that put the image there itself: an image change, an ephemeral
/// container, a workload request, or a pod made without a controller; `note` says more, if
/// anything.
pub fn direct(requester: Requester, note: Option<String>) -> Attribution {
    Attribution {
        how: How::Direct,
        chain: Vec::new(),
        initiator: Some(requester),
        note,
    }
}

/// Who is behind a pod create (`create` or `apply-create`), from every workload write of the run.
///
/// `requester` makes the pod request's own requester, whose user is `pod.user`: it is called
/// only when the answer is `direct` (the request is then its initiator), so that a caller that
/// does not hold one makes it only then, and none is copied.
pub fn resolve(
    pod: &PodRequest,
    records: &Records,
    requester: impl FnOnce() -> Requester,
) -> Attribution {
    let direct = |note: Option<String>| direct(requester(), note);
    let Some(owner) = pod.owner else {
        return direct(None);
    };
    let Some(kind) = WorkloadKind::from_kind(&owner.kind) else {
        return direct(Some(format!(
            "owned by {}, a kind attribution does not follow",
            owner.label()
        )));
    };
    let user = pod.user;
    if !identity::is_controller_for(Child::Pod, kind, user) {
        return direct(Some(format!(
            "claims {} but was created by {}",
            owner.label(),
            user.unwrap_or("an unknown user")
        )));
    }
    let cut = records.cutoff(pod.at);
    let mut chain = vec![owner.label()];
    let mut object = Object {
        kind,
        namespace: pod.namespace,
        name: &owner.name,
        uid: owner.uid.as_deref(),
    };
    // The objects below the current one, child first, for a setter who bypassed the top.
    let mut below = Vec::new();
    for _ in 0..MAX_LINKS {
        let here = object;
        match step(records, &mut object, cut) {
            Step::Up(owner) => {
                chain.push(owner.label());
                below.push(here);
            }
            Step::Top => break,
            Step::Broken(reason) => return unresolved(chain, reason.note(object.kind)),
        }
    }
    initiator(pod, records, &object, &below, cut, chain)
}

/// What the walk does at one object.
enum Step<'a> {
    /// Goes up to this owner (the object now stands on it).
    Up(&'a OwnerRef),
    /// The object is the top of the chain.
    Top,
    /// The chain breaks here.
    Broken(Unresolved),
}

/// Reads `object`'s writes and moves it up to its owner when the link is trusted: a write at or
/// before the cut that names the owner was made by that owner's controller (the latest such
/// write names the owner followed).
///
/// Any such write will do, not only the latest one that names an owner: the response to every
/// later write shows the object's owner references as they stand, so a person's label patch
/// logged at level `RequestResponse` names the owner too, although it did not set it; the same
/// patch logged at level `Request` names none. A controller only ever writes objects its owner
/// owns, so a person cannot make a link trusted, only leave it as the controller wrote it.
fn step<'a>(records: &'a Records<'_>, object: &mut Object<'a>, cut: usize) -> Step<'a> {
    let found = records.link(object, cut);
    let Some(latest) = found.latest() else {
        return Step::Broken(Unresolved::OwnerNotLogged);
    };
    object.uid = object.uid.or(latest.uid.as_deref());
    if let Some((owner, parent)) = found.linked() {
        *object = Object {
            kind: parent,
            namespace: object.namespace,
            name: &owner.name,
            uid: owner.uid.as_deref(),
        };
        return Step::Up(owner);
    }
    if !found.named() {
        // No readable write names an owner, so the object is the top, unless none of its writes
        // was logged with its body. A later write without one is not seen through, here as
        // below a link that names an owner.
        if !found.readable() {
            return Step::Broken(Unresolved::OwnerWithoutSpec);
        }
    }
    // Its owner, if it names one, was not set by that owner's controller (a forged link, or a
    // kind attribution does not follow): the object is the top.
    Step::Top
}

/// The answer at the top object: the latest request by a non-controller identity, at or before
/// the cut, that set one of the pod's disallowed images in the object's template.
///
/// When nobody set it there, the objects `below` the top (child first) are asked the same, from
/// the top down: someone who patched a Deployment's ReplicaSet directly put the image into the
/// pods without touching the Deployment, and the note says where it was set.
fn initiator(
    pod: &PodRequest,
    records: &Records,
    top: &Object,
    below: &[Object],
    cut: usize,
    chain: Vec<String>,
) -> Attribution {
    let writes = records.belonging(top, cut);
    if let Some(setter) = setter(writes, pod.disallowed) {
        return Attribution {
            how: How::OwnerChain,
            chain,
            initiator: Some(setter.initiator()),
            note: None,
        };
    }
    for object in below.iter().rev() {
        if let Some(setter) = setter(records.belonging(object, cut), pod.disallowed) {
            let note = format!(
                "set on {}/{} directly, not in {}/{}'s template",
                object.kind.as_str(),
                object.name,
                top.kind.as_str(),
                top.name
            );
            return Attribution {
                how: How::OwnerChain,
                chain,
                initiator: Some(setter.initiator()),
                note: Some(note),
            };
        }
    }
    let without_spec = writes.iter().any(Seen::unreadable);
    let reason = if without_spec {
        Unresolved::OwnerWithoutSpec
    } else {
        Unresolved::NoRequestSetImage
    };
    unresolved(chain, reason.note(top.kind))
}

/// The latest of an object's writes (both parts, [`Records::belonging`]) by a person or pipeline
/// that set one of the pod's `disallowed` images.
fn setter<'r>(parts: [Seen<'_, 'r>; 2], disallowed: &[String]) -> Option<&'r WorkloadRecord> {
    Setters::new(parts).find(|record| {
        record
            .images
            .as_ref()
            .is_some_and(|images| sets_any(images, disallowed))
    })
}

/// Whether a write whose template images are `images` set one of the pod's `disallowed` ones.
/// A pod whose images are unknown (logged without its spec) has none to look for: then any
/// write that set template images did, as the latest one decided what the pod ran.
fn sets_any(images: &[Arc<str>], disallowed: &[String]) -> bool {
    if disallowed.is_empty() {
        !images.is_empty()
    } else {
        images
            .iter()
            .any(|image| disallowed.iter().any(|d| **d == **image))
    }
}

/// An `unresolved` answer with the chain as far as it got.
fn unresolved(chain: Vec<String>, note: String) -> Attribution {
    Attribution {
        how: How::Unresolved,
        chain,
        initiator: None,
        note: Some(note),
    }
}

#[cfg(test)]
mod tests;
