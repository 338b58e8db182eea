//! The resolver on hand-worked histories, one per case a responder must be able to trust, plus
//! property tests that the answer does not depend on the order the writes are given in, and that
//! the indexed resolver answers as a plain one without an index (`reference`).

mod cases;
mod edges;
mod prop;
mod reference;

use jiff::Timestamp;

use super::*;
use crate::attribution::identity::KUBE_CONTROLLER_MANAGER;
use crate::attribution::{Position, Writer};

/// The disallowed image of every case, normalized.
const EVIL: &str = "docker.io/evil/miner:1";
/// An allowed image, normalized.
const NGINX: &str = "docker.io/library/nginx:1.27";
/// The namespace of every case.
const NS: &str = "shop";

/// A controller's own service account.
fn sa(name: &str) -> String {
    format!("system:serviceaccount:kube-system:{name}")
}

/// `2026-03-02T<clock>Z` as an instant.
fn at(clock: &str) -> Timestamp {
    format!("2026-03-02T{clock}Z")
        .parse()
        .expect("a valid time")
}

/// A request by `user` at `time`, logged at `line` of input `input`.
fn requester(user: Option<&str>, time: Option<&str>, input: usize, line: u64) -> Requester {
    Requester {
        user: user.map(str::to_owned),
        impersonated_user: None,
        source_ips: Some(vec!["203.0.113.9".to_owned()]),
        user_agent: Some("kubectl/v1.30.1".to_owned()),
        verb: Some("patch".to_owned()),
        time: time.map(str::to_owned),
        audit_id: Some(format!("audit-{input}-{line}")),
        file: format!("audit-{input}.log"),
        line,
    }
}

/// An owner reference.
fn owner(kind: &str, name: &str, uid: Option<&str>) -> OwnerRef {
    OwnerRef {
        kind: kind.to_owned(),
        name: name.to_owned(),
        uid: uid.map(str::to_owned),
    }
}

/// A workload write being built: by `alice@example.com`, in [`NS`], without uid, owner, image
/// or time, at line 1 of input 0 until told otherwise.
struct Write(WorkloadRecord);

/// Starts a write of `kind`/`name`.
fn write(kind: WorkloadKind, name: &str) -> Write {
    Write(WorkloadRecord {
        kind,
        namespace: Some(NS.into()),
        name: Some(name.into()),
        uid: None,
        owner: None,
        images: Some(Box::new([])),
        requester: Writer::of(&requester(Some("alice@example.com"), None, 0, 1)),
        at: None,
        position: Position {
            input: 0,
            line: 1,
            item: 0,
        },
    })
}

impl Write {
    /// The object's uid.
    fn uid(mut self, uid: &str) -> Write {
        self.0.uid = Some(uid.into());
        self
    }

    /// Its controller owner reference.
    fn owner(mut self, kind: &str, name: &str, uid: Option<&str>) -> Write {
        self.0.owner = Some(Box::new(owner(kind, name, uid)));
        self
    }

    /// The template images the request sets.
    fn images(mut self, images: &[&str]) -> Write {
        self.0.images = Some(images.iter().map(|&i| i.into()).collect());
        self
    }

    /// Logged without its body (level `Metadata`).
    fn metadata(mut self) -> Write {
        self.0.images = None;
        self
    }

    /// Who wrote it.
    fn by(mut self, user: &str) -> Write {
        self.0.requester.user = Some(user.into());
        self
    }

    /// When, as `2026-03-02T<clock>Z`.
    fn at(mut self, clock: &str) -> Write {
        self.0.at = Some(at(clock));
        self.0.requester.time = Some(format!("2026-03-02T{clock}Z").into());
        self
    }

    /// When, as a whole RFC 3339 time.
    fn at_exactly(mut self, time: &str) -> Write {
        self.0.at = Some(time.parse().expect("a valid time"));
        self.0.requester.time = Some(time.into());
        self
    }

    /// Where: `line` of input `input`.
    fn line(mut self, input: usize, line: u64) -> Write {
        self.0.position = Position {
            input,
            line,
            item: 0,
        };
        self.0.requester.file = format!("audit-{input}.log").into();
        self.0.requester.audit_id = Some(format!("audit-{input}-{line}").into());
        self
    }

    /// The record.
    fn done(self) -> WorkloadRecord {
        self.0
    }
}

/// A pod create, owned or not, by `user` at `clock`, whose disallowed image is [`EVIL`].
#[derive(Debug)]
struct Pod {
    /// Its controller owner reference.
    owner: Option<OwnerRef>,
    /// Its request.
    requester: Requester,
    /// Its time.
    at: Option<Timestamp>,
    /// Its disallowed images.
    disallowed: Vec<String>,
}

/// A pod owned by `owner`, created by `user` at `clock` (no time when `None`).
fn pod(owner: Option<OwnerRef>, user: &str, clock: Option<&str>) -> Pod {
    let time = clock.map(|clock| format!("2026-03-02T{clock}Z"));
    Pod {
        owner,
        requester: requester(Some(user), time.as_deref(), 9, 900),
        at: clock.map(at),
        disallowed: vec![EVIL.to_owned()],
    }
}

/// The resolver's answer for `pod` over `records`.
fn answer(pod: &Pod, records: &Records) -> Attribution {
    let request = PodRequest {
        namespace: Some(NS),
        owner: pod.owner.as_ref(),
        user: pod.requester.user.as_deref(),
        at: pod.at,
        disallowed: &pod.disallowed,
    };
    resolve(&request, records, || pod.requester.clone())
}

/// The answer over `writes`, checked to be the same for the writes given in reverse.
fn resolved(pod: &Pod, writes: &[WorkloadRecord]) -> Attribution {
    let forward = answer(pod, &Records::new(writes));
    assert_eq!(forward, answer(pod, &Records::new(writes.iter().rev())));
    forward
}

/// Asserts an `owner-chain` answer with this chain and an initiator `user` logged at `line` of
/// input `input`.
#[track_caller]
fn assert_chain(answer: &Attribution, chain: &[&str], user: &str, input: usize, line: u64) {
    assert_eq!(answer.how, How::OwnerChain, "{answer:?}");
    assert_eq!(answer.chain, chain);
    let initiator = answer.initiator.as_ref().expect("an initiator");
    assert_eq!(initiator.user.as_deref(), Some(user));
    assert_eq!(
        (initiator.file.as_str(), initiator.line),
        (format!("audit-{input}.log").as_str(), line)
    );
    assert_eq!(answer.note, None);
}

/// Asserts an `unresolved` answer with this chain and note.
#[track_caller]
fn assert_unresolved(answer: &Attribution, chain: &[&str], reason: Unresolved, kind: WorkloadKind) {
    assert_eq!(answer.how, How::Unresolved, "{answer:?}");
    assert_eq!(answer.chain, chain);
    assert_eq!(answer.initiator, None);
    assert_eq!(answer.note.as_deref(), Some(reason.note(kind).as_str()));
}
