//! The workload objects the audit-log generator keeps alive (Deployments and their ReplicaSets,
//! DaemonSets, StatefulSets, CronJobs and their Jobs, the CI's Jobs), what the log holds of their
//! writes, and what attribution must conclude about each pod-create finding: the truth sidecar.
//!
//! # The truth sidecar
//!
//! With `--truth FILE` (`gen-audit-log`), one JSON object per line for each pod-create request
//! that `falco-pod-scan --allow testdata/allow.yaml` must report, in the order the generator made
//! them, keys in this order:
//!
//! ```json
//! {"audit_id":"…","namespace":"shop","pod":"web-7d9f8c6b5-x2k4q","reason":"disallowed-image",
//!  "disallowed_images":["docker.io/acmecorp/api:1.9.0-debug"],"how":"owner-chain",
//!  "chain":["ReplicaSet/api-7d9f8c6b5","Deployment/api"],
//!  "initiator":{"user":"alice@example.com","audit_id":"…","time":"2026-03-02T00:41:07.123456Z"},
//!  "note":null}
//! ```
//!
//! * `audit_id` is the pod create's: match findings by it. `pod` is the name the generator gave
//!   the pod (a finding shows `null` when only the server's response names it and that was not
//!   logged). `reason` is `disallowed-image` or `images-unknown` (a `Metadata`-level create, whose
//!   `disallowed_images` is empty).
//! * `how` is `direct` (no owner reference visible in the request, or a forged one), `owner-chain`
//!   or `unresolved`. `chain` lists the owners followed, child first, as `Kind/name`; when the
//!   chain breaks it ends with the object whose record is missing or bodiless.
//! * `initiator` is the request behind the pod: for `direct` the pod create itself, for
//!   `owner-chain` the latest request by a person or pipeline, logged with its body, at or before
//!   the pod, that set one of the disallowed images in the top object's template; `null` when
//!   unresolved. `time` is that request's `stageTimestamp`.
//! * `note` is `null`, or for a forged owner `claims Kind/name but was created by USER`, or why
//!   it is unresolved: `owner not in the logs`, `owner logged without its spec (Metadata level)`
//!   or `no request set the image`. Compare it by prefix: the tool may add advice after it.
//!
//! The generator keeps the cases unambiguous: the writes of a workload in `payments` are all
//! logged at `Metadata` level, those elsewhere all with their bodies, and every write is at least
//! 30 ms away from any pod create, so "at or before the pod" never hinges on latency.

use super::catalog::{Owner, WORKLOADS};
use super::{Actor, Rng};

/// An object whose writes the log may hold.
pub(super) struct Object {
    /// `Deployment`, `ReplicaSet`, `DaemonSet`, `StatefulSet`, `CronJob` or `Job`.
    pub(super) kind: &'static str,
    pub(super) name: String,
    pub(super) uid: String,
    /// The latest write in the log: `Some(true)` logged with its body, `Some(false)` at
    /// `Metadata` level; `None` when it was last written before the log starts.
    pub(super) logged: Option<bool>,
    /// Its template's image change (container, image) from the workload's own images.
    pub(super) set: Option<(&'static str, &'static str)>,
    /// Requests by people or pipelines, logged with their body, that set template images.
    pub(super) setters: Vec<Setter>,
}

impl Object {
    /// An object last written before the log starts.
    pub(super) fn unlogged(kind: &'static str, name: String, rng: &mut Rng) -> Self {
        Object {
            kind,
            name,
            uid: rng.uuid(),
            logged: None,
            set: None,
            setters: Vec::new(),
        }
    }

    /// `Kind/name`.
    pub(super) fn label(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// A request that set template images, as the truth names it.
pub(super) struct Setter {
    /// The images it set, as written.
    pub(super) images: Vec<&'static str>,
    pub(super) user: String,
    pub(super) audit_id: String,
    /// Its `stageTimestamp`, as written.
    pub(super) time: String,
}

/// A controller-made workload's state.
pub(super) struct Live {
    /// The top object: the Deployment, DaemonSet, StatefulSet or CronJob, or the CI's latest Job.
    pub(super) top: Object,
    /// The Deployment's current ReplicaSet or the CronJob's latest Job.
    pub(super) child: Option<Object>,
    /// The current ReplicaSet's pod-template hash.
    pub(super) hash: String,
    /// The template's `kubectl.kubernetes.io/restartedAt`, once restarted.
    pub(super) restarted: Option<String>,
    /// `deployment.kubernetes.io/revision`.
    pub(super) revision: u64,
}

impl Live {
    /// The state of workload `i` when the log starts: everything written before it.
    pub(super) fn initial(i: usize, now: u64, rng: &mut Rng) -> Option<Live> {
        let w = &WORKLOADS[i];
        let app = w.app.to_owned();
        let (top, child, hash) = match w.owner {
            Owner::ReplicaSet(hash) => (
                Object::unlogged("Deployment", app.clone(), rng),
                Some(Object::unlogged("ReplicaSet", format!("{app}-{hash}"), rng)),
                hash.to_owned(),
            ),
            Owner::DaemonSet => (Object::unlogged("DaemonSet", app, rng), None, String::new()),
            Owner::StatefulSet => (
                Object::unlogged("StatefulSet", app, rng),
                None,
                String::new(),
            ),
            Owner::CronJob => {
                let job = format!("{app}-{}", now / 60_000_000 - 30);
                (
                    Object::unlogged("CronJob", app, rng),
                    Some(Object::unlogged("Job", job, rng)),
                    String::new(),
                )
            }
            Owner::Job => {
                let job = format!("{app}-{}", rng.suffix(5));
                (Object::unlogged("Job", job, rng), None, String::new())
            }
            Owner::Forged(_) | Owner::Run | Owner::Apply => return None,
        };
        Some(Live {
            top,
            child,
            hash,
            restarted: None,
            revision: 3,
        })
    }

    /// The object that owns the pods.
    pub(super) fn pod_owner(&self) -> &Object {
        self.child.as_ref().unwrap_or(&self.top)
    }
}

/// What attribution must conclude about one finding.
pub(super) struct Truth {
    pub(super) how: &'static str,
    pub(super) chain: Vec<String>,
    /// User, audit ID and time of the initiator.
    pub(super) initiator: Option<(String, String, String)>,
    pub(super) note: Option<String>,
}

impl Truth {
    /// The pod create itself is the initiator.
    pub(super) fn direct(who: &Actor, id: &str, time: String, note: Option<String>) -> Self {
        Truth {
            how: "direct",
            chain: Vec::new(),
            initiator: Some((who.name.clone(), id.to_owned(), time)),
            note,
        }
    }

    /// Follows a controller-made pod's owners in `live`, as attribution should.
    pub(super) fn chain(live: &Live, disallowed: &[&str]) -> Self {
        let mut chain = Vec::new();
        for object in live.child.iter().chain([&live.top]) {
            chain.push(object.label());
            let broken = match object.logged {
                None => "owner not in the logs",
                Some(false) => "owner logged without its spec (Metadata level)",
                Some(true) => continue,
            };
            return Truth::unresolved(chain, broken);
        }
        let setter = live
            .top
            .setters
            .iter()
            .rev()
            .find(|s| s.images.iter().any(|i| disallowed.contains(i)));
        match setter {
            Some(s) => Truth {
                how: "owner-chain",
                chain,
                initiator: Some((s.user.clone(), s.audit_id.clone(), s.time.clone())),
                note: None,
            },
            None => Truth::unresolved(chain, "no request set the image"),
        }
    }

    fn unresolved(chain: Vec<String>, note: &str) -> Self {
        Truth {
            how: "unresolved",
            chain,
            initiator: None,
            note: Some(note.to_owned()),
        }
    }

    /// Appends the sidecar line (see the module docs) to `out`.
    pub(super) fn write(&self, out: &mut String, id: &str, ns: &str, pod: &str, images: &[&str]) {
        use std::fmt::Write as _;
        let reason = if images.is_empty() {
            "images-unknown"
        } else {
            "disallowed-image"
        };
        let list = |items: &mut dyn Iterator<Item = &str>| {
            let quoted: Vec<String> = items.map(|s| format!("\"{s}\"")).collect();
            format!("[{}]", quoted.join(","))
        };
        let initiator = match &self.initiator {
            Some((user, audit_id, time)) => {
                format!(r#"{{"user":"{user}","audit_id":"{audit_id}","time":"{time}"}}"#)
            }
            None => "null".to_owned(),
        };
        let note = self
            .note
            .as_ref()
            .map_or_else(|| "null".to_owned(), |n| format!("\"{n}\""));
        writeln!(
            out,
            r#"{{"audit_id":"{id}","namespace":"{ns}","pod":"{pod}","reason":"{reason}","disallowed_images":{},"how":"{}","chain":{},"initiator":{initiator},"note":{note}}}"#,
            list(&mut images.iter().copied()),
            self.how,
            list(&mut self.chain.iter().map(String::as_str)),
        )
        .expect("writing to a String cannot fail");
    }
}
