//! A deliberately plain resolver, written from the rules in docs/attribution.md with no index:
//! every question filters the whole history again. The property test in `prop` holds the real
//! resolver, and its index, to its answers.

use super::*;

/// The writes at or before `at`, in time order, then input order: the history a pod sees.
fn seen(writes: &[WorkloadRecord], at: Option<Timestamp>) -> Vec<&WorkloadRecord> {
    let Some(at) = at else {
        return Vec::new();
    };
    let mut seen: Vec<&WorkloadRecord> = writes
        .iter()
        .filter(|w| w.at.is_some_and(|t| t <= at))
        .collect();
    seen.sort_by_key(|w| (w.at, w.position));
    seen
}

/// An object of the walk: kind, name, uid (namespaces are all the pod's).
#[derive(Clone, Copy)]
struct Node<'a> {
    kind: WorkloadKind,
    name: &'a str,
    uid: Option<&'a str>,
}

/// Same kind, namespace and name.
fn same_name(w: &WorkloadRecord, node: &Node, namespace: Option<&str>) -> bool {
    namespace.is_some()
        && w.kind == node.kind
        && w.namespace.as_deref() == namespace
        && w.name.as_deref() == Some(node.name)
}

/// The writes the owner is read from: those with the node's uid, else those of its name where
/// either uid is unknown.
fn link<'w>(seen: &[&'w WorkloadRecord], node: &Node, ns: Option<&str>) -> Vec<&'w WorkloadRecord> {
    let by_uid: Vec<_> = seen
        .iter()
        .copied()
        .filter(|w| node.uid.is_some() && w.kind == node.kind && w.uid.as_deref() == node.uid)
        .collect();
    if !by_uid.is_empty() {
        return by_uid;
    }
    seen.iter()
        .copied()
        .filter(|w| same_name(w, node, ns) && (node.uid.is_none() || w.uid.is_none()))
        .collect()
}

/// Every write of the node: equal uids, or, where either is unknown, equal names.
fn belonging<'w>(
    seen: &[&'w WorkloadRecord],
    node: &Node,
    ns: Option<&str>,
) -> Vec<&'w WorkloadRecord> {
    seen.iter()
        .copied()
        .filter(|w| {
            let by_uid = node.uid.is_some() && w.kind == node.kind && w.uid.as_deref() == node.uid;
            let by_name = same_name(w, node, ns) && (node.uid.is_none() || w.uid.is_none());
            by_uid || by_name
        })
        .collect()
}

/// The reference answer for `pod` in namespace [`NS`] over `writes`.
pub(super) fn answer(pod: &Pod, writes: &[WorkloadRecord]) -> Attribution {
    let direct = |note: Option<String>| Attribution {
        how: How::Direct,
        chain: Vec::new(),
        initiator: Some(pod.requester.clone()),
        note,
    };
    let unresolved = |chain: Vec<String>, note: String| Attribution {
        how: How::Unresolved,
        chain,
        initiator: None,
        note: Some(note),
    };
    let Some(owner) = &pod.owner else {
        return direct(None);
    };
    let Some(kind) = WorkloadKind::from_kind(&owner.kind) else {
        let note = format!(
            "owned by {}/{}, a kind attribution does not follow",
            owner.kind, owner.name
        );
        return direct(Some(note));
    };
    let user = pod.requester.user.as_deref();
    if !identity::is_controller_for(Child::Pod, kind, user) {
        let note = format!(
            "claims {}/{} but was created by {}",
            owner.kind,
            owner.name,
            user.unwrap_or("an unknown user")
        );
        return direct(Some(note));
    }
    let ns = Some(NS);
    let seen = seen(writes, pod.at);
    let mut chain = vec![format!("{}/{}", owner.kind, owner.name)];
    let mut node = Node {
        kind,
        name: &owner.name,
        uid: owner.uid.as_deref(),
    };
    let mut below = Vec::new();
    for _ in 0..MAX_LINKS {
        let found = link(&seen, &node, ns);
        let Some(latest) = found.last() else {
            return unresolved(chain, Unresolved::OwnerNotLogged.note(node.kind));
        };
        let here = node;
        node.uid = node.uid.or(latest.uid.as_deref());
        let trusted = found.iter().rev().find(|w| {
            w.owner.as_ref().is_some_and(|o| {
                WorkloadKind::from_kind(&o.kind).is_some_and(|parent| {
                    let by = w.requester.user.as_deref();
                    identity::is_controller_for(Child::Workload(node.kind), parent, by)
                })
            })
        });
        if let Some(w) = trusted {
            let o = w.owner.as_ref().expect("a trusted write names an owner");
            chain.push(format!("{}/{}", o.kind, o.name));
            below.push(here);
            node = Node {
                kind: WorkloadKind::from_kind(&o.kind).expect("a kind attribution follows"),
                name: &o.name,
                uid: o.uid.as_deref(),
            };
            continue;
        }
        let named = found.iter().any(|w| w.owner.is_some());
        let readable = found.iter().any(|w| w.images.is_some());
        if !named && !readable {
            return unresolved(chain, Unresolved::OwnerWithoutSpec.note(node.kind));
        }
        break;
    }
    at_top(pod, &seen, node, &below, chain)
}

/// The reference answer once the walk has stopped at `top`, with the objects `below` it.
fn at_top(
    pod: &Pod,
    seen: &[&WorkloadRecord],
    top: Node,
    below: &[Node],
    chain: Vec<String>,
) -> Attribution {
    let ns = Some(NS);
    let unresolved = |chain: Vec<String>, note: String| Attribution {
        how: How::Unresolved,
        chain,
        initiator: None,
        note: Some(note),
    };
    let setter = |node: &Node| {
        belonging(seen, node, ns).into_iter().rev().find(|w| {
            let person = !identity::is_controller(w.requester.user.as_deref());
            let sets = w.images.as_ref().is_some_and(|images| {
                if pod.disallowed.is_empty() {
                    !images.is_empty()
                } else {
                    images
                        .iter()
                        .any(|i| pod.disallowed.iter().any(|d| **d == **i))
                }
            });
            person && sets
        })
    };
    let found = |w: &WorkloadRecord, note: Option<String>, chain: Vec<String>| Attribution {
        how: How::OwnerChain,
        chain,
        initiator: Some(w.initiator()),
        note,
    };
    if let Some(w) = setter(&top) {
        return found(w, None, chain);
    }
    for node in below.iter().rev() {
        if let Some(w) = setter(node) {
            let text = format!(
                "set on {}/{} directly, not in {}/{}'s template",
                node.kind.as_str(),
                node.name,
                top.kind.as_str(),
                top.name
            );
            return found(w, Some(text), chain);
        }
    }
    let without_spec = belonging(seen, &top, ns).iter().any(|w| w.images.is_none());
    let reason = if without_spec {
        Unresolved::OwnerWithoutSpec
    } else {
        Unresolved::NoRequestSetImage
    };
    unresolved(chain, reason.note(top.kind))
}
