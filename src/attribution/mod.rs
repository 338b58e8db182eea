//! Who is behind a pod: the person or pipeline that put an image into the workload whose
//! controller made the pod (docs/attribution.md).
//!
//! Controllers create most pods, so a pod create's requester is usually
//! `system:serviceaccount:kube-system:replicaset-controller`. Attribution follows the pod's
//! controller owner reference up through the workload objects the same run saw written
//! (ReplicaSet → Deployment, Job → CronJob, …), and at the top object finds the latest request by
//! a person or pipeline, at or before the pod's time, that set one of the pod's disallowed images
//! in the object's template.
//!
//! The data flows one way:
//! * the scan's workers turn each successful write of a workload object into a
//!   [`WorkloadRecord`] (one per API request, like pod requests), in input order;
//! * after the scan, the resolver answers for one pod finding from all records of the run, in
//!   time order, so an owner written in an earlier file, a later file or an older rotated archive
//!   is found alike.
//!
//! Memory grows with the number of workload writes, never with the input size. A record holds
//! what resolution and the initiator need, and the strings that recur from write to write (users,
//! user agents, addresses, namespaces, names, images, the input's name) are shared, not copied
//! ([`shared()`]); an initiator's owned [`Requester`] is made only for the findings that name it.

mod identity;
mod resolve;
mod shared;

pub use resolve::{Records, Unresolved, resolve};
pub use shared::{shared, shared_list};

use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The workload kinds whose writes are remembered: the owners a pod, or another workload, can
/// have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkloadKind {
    /// `apps/v1` ReplicaSet (a Deployment's revision, or stand-alone).
    ReplicaSet,
    /// `apps/v1` Deployment.
    Deployment,
    /// `apps/v1` StatefulSet.
    StatefulSet,
    /// `apps/v1` DaemonSet.
    DaemonSet,
    /// `batch/v1` Job.
    Job,
    /// `batch/v1` CronJob.
    CronJob,
    /// `v1` ReplicationController.
    ReplicationController,
}

impl WorkloadKind {
    /// Every kind, in a fixed order.
    pub const ALL: [WorkloadKind; 7] = [
        WorkloadKind::ReplicaSet,
        WorkloadKind::Deployment,
        WorkloadKind::StatefulSet,
        WorkloadKind::DaemonSet,
        WorkloadKind::Job,
        WorkloadKind::CronJob,
        WorkloadKind::ReplicationController,
    ];

    /// The kind an `objectRef.resource` names (`deployments` → Deployment).
    pub fn from_resource(resource: &str) -> Option<WorkloadKind> {
        WorkloadKind::ALL
            .into_iter()
            .find(|kind| kind.resource() == resource)
    }

    /// The kind an owner reference's `kind` names (`Deployment`).
    pub fn from_kind(kind: &str) -> Option<WorkloadKind> {
        WorkloadKind::ALL.into_iter().find(|k| k.as_str() == kind)
    }

    /// The API resource (`deployments`).
    pub fn resource(self) -> &'static str {
        match self {
            WorkloadKind::ReplicaSet => "replicasets",
            WorkloadKind::Deployment => "deployments",
            WorkloadKind::StatefulSet => "statefulsets",
            WorkloadKind::DaemonSet => "daemonsets",
            WorkloadKind::Job => "jobs",
            WorkloadKind::CronJob => "cronjobs",
            WorkloadKind::ReplicationController => "replicationcontrollers",
        }
    }

    /// The kind as Kubernetes writes it (`Deployment`).
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
            WorkloadKind::ReplicationController => "ReplicationController",
        }
    }
}

/// An object's controller owner reference (`metadata.ownerReferences[]` with
/// `controller: true`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerRef {
    /// `kind`, as written (`ReplicaSet`); a kind outside [`WorkloadKind`] is kept, and never
    /// followed.
    pub kind: String,
    /// `name`.
    pub name: String,
    /// `uid`, when written.
    pub uid: Option<String>,
}

impl OwnerRef {
    /// `Kind/name`, as a chain shows it.
    pub fn label(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// Who made a request, from where, when, and where it was logged: a finding's initiator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Requester {
    /// `user.username`.
    pub user: Option<String>,
    /// `impersonatedUser.username`.
    pub impersonated_user: Option<String>,
    /// `sourceIPs`, as logged.
    pub source_ips: Option<Vec<String>>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// The request's verb (`create`, `patch`, `update`).
    pub verb: Option<String>,
    /// The event's time, as written (`stageTimestamp`, else `requestReceivedTimestamp`, else
    /// `timestamp`).
    pub time: Option<String>,
    /// `auditID`.
    pub audit_id: Option<String>,
    /// The input it was read from (`-` for standard input).
    pub file: String,
    /// The 1-based line where its event starts.
    pub line: u64,
}

/// Where a record stands in the run's input order: which input, then which line, then which item
/// of a batch. At equal times the later one in this order wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    /// The input's index among all inputs of the run, in the order they are read.
    pub input: usize,
    /// The 1-based line.
    pub line: u64,
    /// The index inside a batch that shares one line (0 otherwise).
    pub item: usize,
}

/// One successful (2xx) create, update or patch, without subresource, of a workload object: what
/// attribution needs of it. Kept from the first input to the last, so it is kept small: strings
/// that recur from write to write are shared ([`shared()`]), and the rest are boxed to their length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadRecord {
    /// The object's kind.
    pub kind: WorkloadKind,
    /// Its namespace (`objectRef.namespace`, else the object's metadata).
    pub namespace: Option<Arc<str>>,
    /// Its name (response object's metadata, else the request object's, else `objectRef.name`).
    pub name: Option<Arc<str>>,
    /// Its uid (response object's metadata, else the request object's, else `objectRef.uid`).
    pub uid: Option<Arc<str>>,
    /// Its controller owner reference (response object, else request object).
    pub owner: Option<Box<OwnerRef>>,
    /// The template images the request sets, as normalized references
    /// (`docker.io/library/nginx:1`), in template order; an image that is not a valid reference
    /// is kept as written. `None` when the request's body was not logged (level `Metadata`) or
    /// was cut by the API server; an empty list when the body sets no image (a scale, a label
    /// change, a restart).
    pub images: Option<Box<[Arc<str>]>>,
    /// Who wrote it; the line of its event is [`Position::line`].
    pub requester: Writer,
    /// The event's time as an instant; `None` when it has none or it does not parse.
    pub at: Option<Timestamp>,
    /// Where it stands in input order.
    pub position: Position,
}

/// Who made a workload write, from where, when, and in which input: a [`Requester`] as a record
/// keeps it until it is needed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Writer {
    /// `user.username`.
    pub user: Option<Arc<str>>,
    /// `impersonatedUser.username`.
    pub impersonated_user: Option<Arc<str>>,
    /// `sourceIPs`, as logged.
    pub source_ips: Option<Arc<[Arc<str>]>>,
    /// `userAgent`.
    pub user_agent: Option<Arc<str>>,
    /// The request's verb.
    pub verb: Option<Arc<str>>,
    /// The event's time, as written.
    pub time: Option<Box<str>>,
    /// `auditID`.
    pub audit_id: Option<Box<str>>,
    /// The input it was read from (`-` for standard input).
    pub file: Arc<str>,
}

impl Writer {
    /// The same, from an owned requester (its `line` aside).
    pub fn of(requester: &Requester) -> Writer {
        let shared_opt = |s: &Option<String>| s.as_deref().map(shared);
        Writer {
            user: shared_opt(&requester.user),
            impersonated_user: shared_opt(&requester.impersonated_user),
            source_ips: (requester.source_ips.as_ref())
                .map(|ips| shared_list(ips.iter().map(String::as_str))),
            user_agent: shared_opt(&requester.user_agent),
            verb: shared_opt(&requester.verb),
            time: requester.time.as_deref().map(Box::from),
            audit_id: requester.audit_id.as_deref().map(Box::from),
            file: shared(&requester.file),
        }
    }
}

impl WorkloadRecord {
    /// Who made this write, owned, as a finding names its initiator.
    pub fn initiator(&self) -> Requester {
        let w = &self.requester;
        let owned = |s: &Option<Arc<str>>| s.as_deref().map(str::to_owned);
        Requester {
            user: owned(&w.user),
            impersonated_user: owned(&w.impersonated_user),
            source_ips: (w.source_ips.as_ref())
                .map(|ips| ips.iter().map(ToString::to_string).collect()),
            user_agent: owned(&w.user_agent),
            verb: owned(&w.verb),
            time: w.time.as_deref().map(str::to_owned),
            audit_id: w.audit_id.as_deref().map(str::to_owned),
            file: w.file.to_string(),
            line: self.position.line,
        }
    }
}

/// How a finding was attributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum How {
    /// The requester put the image there itself: a pod made without a controller owner, a pod
    /// that claims an owner it was not made by, an image change, an ephemeral container, a
    /// workload request.
    Direct,
    /// Followed the owner chain to the request that set the image.
    OwnerChain,
    /// The chain broke, or no request in the logs set the image; `note` says why.
    Unresolved,
}

impl How {
    /// As written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            How::Direct => "direct",
            How::OwnerChain => "owner-chain",
            How::Unresolved => "unresolved",
        }
    }
}

/// Who is behind a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Attribution {
    /// How it was found.
    pub how: How,
    /// The objects followed, child first (`ReplicaSet/web-6b7f9c`, `Deployment/web`).
    pub chain: Vec<String>,
    /// The person or pipeline: the request itself for `direct`, the request that set the image
    /// for `owner-chain`, none for `unresolved`.
    pub initiator: Option<Requester>,
    /// Why it is unresolved and what audit-policy change would resolve it, or a masquerade worth
    /// seeing (a pod that claims an owner it was not made by).
    pub note: Option<String>,
}

/// What the resolver needs of one pod request.
#[derive(Debug, Clone, Copy)]
pub struct PodRequest<'a> {
    /// The pod's namespace.
    pub namespace: Option<&'a str>,
    /// The controller owner reference in the request object, if any.
    pub owner: Option<&'a OwnerRef>,
    /// The pod request's own user (`user.username`), which a controller-made pod names. The
    /// request itself, its initiator when the answer is `direct`, is handed to [`resolve()`]
    /// apart, to be made only then.
    pub user: Option<&'a str>,
    /// The pod request's time as an instant.
    pub at: Option<Timestamp>,
    /// The finding's disallowed images, normalized as [`WorkloadRecord::images`] are.
    pub disallowed: &'a [String],
}
