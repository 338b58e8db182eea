//! The envelope of workload writes: the audit level a namespace's policy logs them at, the time
//! fence around them, their stages, and the bookkeeping of what the log holds of each object.
//!
//! A workload's writes are logged at `Metadata` level in `payments` (its audit policy keeps
//! bodies out of the log there) and with their bodies elsewhere, `RequestResponse` or `Request`.
//! Each write starts 30 ms after the last request and is followed by 30 ms more, so no pod create
//! is ever within a write's latency of it.

use super::catalog::{Owner, WORKLOADS, Workload};
use super::owners::{Live, Setter};
use super::pods::Level;
use super::{Actor, Gen};

/// What the event lines of one workload write share.
pub(super) struct Write<'a> {
    pub(super) level: Level,
    pub(super) id: String,
    pub(super) uri: String,
    pub(super) verb: &'static str,
    pub(super) who: &'a Actor,
    /// `objectRef.resource`.
    pub(super) resource: &'static str,
    pub(super) namespace: &'static str,
    /// `objectRef.name`: on a create, the API server fills it in from the body once it has read
    /// it, so the `RequestReceived` stage has none.
    pub(super) name: Option<String>,
    pub(super) code: u64,
    pub(super) received: u64,
    pub(super) done: u64,
    /// The request and response bodies, ready to paste.
    pub(super) request: String,
    pub(super) response: String,
}

impl Gen<'_> {
    /// A controller-made workload, by pod weight, whose owner passes `keep`.
    pub(super) fn pick_owned(&mut self, keep: impl Fn(Owner) -> bool) -> Option<usize> {
        let total: u64 = WORKLOADS
            .iter()
            .filter(|w| keep(w.owner))
            .map(|w| w.weight)
            .sum();
        if total == 0 {
            return None;
        }
        let mut roll = self.rng.below(total);
        WORKLOADS.iter().position(|w| {
            if !keep(w.owner) {
                return false;
            }
            let hit = roll < w.weight;
            roll = roll.saturating_sub(w.weight);
            hit
        })
    }

    /// The live state of workload `wi`.
    pub(super) fn live_mut(&mut self, wi: usize) -> &mut Live {
        self.live[wi]
            .as_mut()
            .expect("a controller-made workload has live state")
    }

    /// Records a person's or pipeline's write of the top object of `wi`, which set `images`.
    pub(super) fn logged(&mut self, wi: usize, k: &Write<'_>, images: &[&'static str]) {
        let body = k.level != Level::Metadata;
        let mut time = String::new();
        super::write_time(&mut time, k.done, true);
        let top = &mut self.live_mut(wi).top;
        top.logged = Some(body);
        if body && !images.is_empty() {
            top.setters.push(Setter {
                images: images.to_vec(),
                user: k.who.name.clone(),
                audit_id: k.id.clone(),
                time,
            });
        }
    }

    /// A write's shared fields at the namespace's audit level, fenced in time from pod creates.
    pub(super) fn write_for<'a>(
        &mut self,
        w: &Workload,
        who: &'a Actor,
        verb: &'static str,
        resource: &'static str,
        name: Option<String>,
    ) -> Write<'a> {
        let level = if w.namespace == "payments" {
            Level::Metadata
        } else if self.rng.percent(60) {
            Level::RequestResponse
        } else {
            Level::Request
        };
        let received = self.now + 30_000;
        let done = received + self.rng.range(2_000, 20_000);
        self.now = done + 30_000;
        let group = if resource == "jobs" || resource == "cronjobs" {
            "batch"
        } else {
            "apps"
        };
        Write {
            level,
            id: self.rng.uuid(),
            uri: collection(group, w.namespace, resource),
            verb,
            who,
            resource,
            namespace: w.namespace,
            name,
            code: if verb == "create" { 201 } else { 200 },
            received,
            done,
            request: String::new(),
            response: String::new(),
        }
    }

    /// Writes what `f` writes, into a string of its own.
    pub(super) fn capture(&mut self, f: impl FnOnce(&mut Self)) -> String {
        let saved = std::mem::take(&mut self.line);
        f(self);
        std::mem::replace(&mut self.line, saved)
    }

    /// Writes a workload write: its `ResponseComplete` event, and sometimes first its
    /// `RequestReceived`.
    pub(super) fn write_workload(&mut self, k: &Write<'_>) {
        self.stats.workload_writes += 1;
        let later = if self.rng.percent(33) {
            self.workload_event(k, "RequestReceived");
            self.emit();
            Some(self.rng.range(1, 4) as u32)
        } else {
            None
        };
        self.workload_event(k, "ResponseComplete");
        match later {
            Some(requests) => self.defer(requests),
            None => self.emit(),
        }
    }

    /// One stage of a workload write (without the newline).
    fn workload_event(&mut self, k: &Write<'_>, stage: &str) {
        let group = if k.resource == "jobs" || k.resource == "cronjobs" {
            "batch"
        } else {
            "apps"
        };
        self.head(k.level.as_str(), &k.id, stage, &k.uri, k.verb, k.who);
        let name = k
            .name
            .as_deref()
            .filter(|_| k.verb != "create" || stage != "RequestReceived");
        self.object_ref(k.resource, Some(k.namespace), name, group);
        self.end_ref(None);
        if stage == "RequestReceived" {
            self.s(&[r#","requestReceivedTimestamp":""#]);
            self.time(k.received, true);
            self.s(&[r#"","stageTimestamp":""#]);
            self.time(k.received, true);
            self.s(&["\"}"]);
            return;
        }
        self.status(k.code);
        if !k.request.is_empty() {
            self.s(&[r#","requestObject":"#, &k.request]);
        }
        if k.level == Level::RequestResponse && !k.response.is_empty() {
            self.s(&[r#","responseObject":"#, &k.response]);
        }
        self.tail(k.received, k.done, k.who, "");
    }
}

/// `/apis/GROUP/v1/namespaces/NS/RESOURCE`.
pub(super) fn collection(group: &str, ns: &str, resource: &str) -> String {
    format!("/apis/{group}/v1/namespaces/{ns}/{resource}")
}
