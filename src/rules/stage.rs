//! Request identity: one finding per API request, whatever the number of its logged stages.
//!
//! A request can be logged at several stages under one `auditID`. The `ResponseComplete` event
//! is the one that counts; a request with none (its completion was not logged, or it panicked)
//! counts through its latest stage. Events without an `auditID` are requests of their own.
//!
//! Clients can choose their own audit ID (the `Audit-ID` header), so an attacker can reuse the ID
//! of an innocent request. Every `ResponseComplete` event is therefore reported on its own: a
//! request completes once, so two completions under one ID are two requests, and neither can hide
//! the other. See docs/events.md (Stages).
//!
//! Workers wrap each pod-request event in a [`Candidate`]; after the whole run is read,
//! [`select_all`] picks the candidates that stand for their requests, in input order.

use std::collections::HashMap;

use crate::attribution::OwnerRef;
use crate::event::AuditEvent;
use crate::finding::Finding;
use crate::suggest::Accepted;

/// The stages of one request, in the order they are logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// A stage name this tool does not know, or none.
    Other,
    /// `RequestReceived`.
    RequestReceived,
    /// `ResponseStarted`.
    ResponseStarted,
    /// `Panic`: the request failed inside the server.
    Panic,
    /// `ResponseComplete`.
    ResponseComplete,
}

impl Stage {
    /// From the `stage` field.
    pub(crate) fn of(stage: Option<&str>) -> Stage {
        match stage {
            Some("RequestReceived") => Stage::RequestReceived,
            Some("ResponseStarted") => Stage::ResponseStarted,
            Some("Panic") => Stage::Panic,
            Some("ResponseComplete") => Stage::ResponseComplete,
            _ => Stage::Other,
        }
    }
}

/// One event that is a pod request, kept until the stages of its request are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The event's line (block-relative and 0-based in a worker, absolute and 1-based after the
    /// merge).
    pub line: u64,
    /// `auditID`, which groups the stages of one request.
    pub audit_id: Option<Box<str>>,
    /// This event's stage.
    pub stage: Stage,
    /// The finding, if this event alone would be one.
    pub finding: Option<Box<Finding>>,
    /// The accepted request, when repositories are collected and whether this event stands for
    /// its request is not known yet (see [`crate::suggest`]).
    pub accepted: Option<Box<Accepted>>,
    /// The controller owner reference a pod create's object claims, when the finding's
    /// attribution follows it after the scan (this tool's rules only).
    pub owner: Option<Box<OwnerRef>>,
}

impl Candidate {
    /// Wraps the pod-request event `ev`, read at `line`, with its verdict.
    pub fn new(ev: &AuditEvent<'_>, line: u64, finding: Option<Finding>) -> Candidate {
        Candidate {
            line,
            audit_id: ev.audit_id.get().filter(|id| !id.is_empty()).map(Box::from),
            stage: Stage::of(ev.stage.get()),
            finding: finding.map(Box::new),
            accepted: None,
            owner: None,
        }
    }

    /// Does this event stand for its request whatever else is logged: a `ResponseComplete`, or
    /// an event without `auditID`? (Any other stage counts only if nothing later completes its
    /// request.)
    pub fn stands_alone(&self) -> bool {
        self.stage == Stage::ResponseComplete || self.audit_id.is_none()
    }
}

/// What is known about the stages of one `auditID`.
#[derive(Default)]
struct Group {
    /// A `ResponseComplete` event was seen.
    completed: bool,
    /// The index of the latest other stage: highest stage, then latest in the input.
    latest: Option<(Stage, usize)>,
}

/// Picks the events that stand for their requests and returns their findings, in input order.
pub fn select(candidates: Vec<Candidate>) -> Vec<Finding> {
    select_all(candidates).0
}

/// [`select`], also returning the accepted requests the chosen events carry, in input order.
pub fn select_all(candidates: Vec<Candidate>) -> (Vec<Finding>, Vec<Accepted>) {
    let chosen = chosen(&candidates);
    let mut findings = Vec::new();
    let mut accepted = Vec::new();
    for (c, chosen) in candidates.into_iter().zip(chosen) {
        if chosen {
            findings.extend(c.finding.map(|f| *f));
            accepted.extend(c.accepted.map(|a| *a));
        }
    }
    (findings, accepted)
}

/// For each candidate, whether its event stands for its request.
fn chosen(candidates: &[Candidate]) -> Vec<bool> {
    chosen_by(candidates, |c| (c.audit_id.as_deref(), c.stage))
}

/// For each item, whether its event stands for its request, given each one's (non-empty)
/// `auditID` and stage: the same choice for pod requests and for other requests (workload
/// writes).
pub(crate) fn chosen_by<T>(items: &[T], key: impl Fn(&T) -> (Option<&str>, Stage)) -> Vec<bool> {
    let mut groups: HashMap<&str, Group> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let (Some(id), stage) = key(item) else {
            continue;
        };
        let group = groups.entry(id).or_default();
        if stage == Stage::ResponseComplete {
            group.completed = true;
        } else if group.latest.is_none_or(|(latest, _)| stage >= latest) {
            group.latest = Some((stage, i));
        }
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match key(item) {
            (None, _) | (_, Stage::ResponseComplete) => true,
            (Some(id), _) => groups
                .get(id)
                .is_some_and(|g| !g.completed && g.latest.is_some_and(|(_, at)| at == i)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Action, ObjectKind, Outcome, Reason};

    fn finding(line: u64) -> Box<Finding> {
        Box::new(Finding {
            file: String::new(),
            line,
            audit_id: None,
            time: None,
            stage: None,
            action: Action::Create,
            namespace: None,
            pod: None,
            generate_name: None,
            user: None,
            impersonated_user: None,
            source_ips: None,
            user_agent: None,
            status_code: None,
            outcome: Outcome::Unknown,
            reason: Reason::ImagesUnknown,
            images: None,
            disallowed_images: vec![],
            containers: None,
            kind: ObjectKind::Pod,
            name: None,
            attribution: None,
        })
    }

    /// (line, audit id, stage, is a finding on its own)
    fn run(events: &[(u64, Option<&str>, Stage, bool)]) -> Vec<u64> {
        let candidates = events
            .iter()
            .map(|&(line, id, stage, bad)| Candidate {
                line,
                audit_id: id.map(Box::from),
                stage,
                finding: bad.then(|| finding(line)),
                accepted: None,
                owner: None,
            })
            .collect();
        select(candidates).iter().map(|f| f.line).collect()
    }

    use Stage::*;

    #[test]
    fn response_complete_wins_whatever_the_order() {
        assert_eq!(
            run(&[
                (1, Some("a"), RequestReceived, true),
                (5, Some("a"), ResponseComplete, true)
            ]),
            [5]
        );
        assert_eq!(
            run(&[
                (1, Some("a"), ResponseComplete, true),
                (5, Some("a"), RequestReceived, true)
            ]),
            [1]
        );
        // The request-received event alone lacks the body; the completed one is allowed.
        assert_eq!(
            run(&[
                (1, Some("a"), RequestReceived, true),
                (2, Some("a"), ResponseComplete, false)
            ]),
            Vec::<u64>::new()
        );
    }

    #[test]
    fn without_completion_the_latest_stage_counts() {
        assert_eq!(run(&[(1, Some("a"), RequestReceived, true)]), [1]);
        assert_eq!(
            run(&[
                (1, Some("a"), RequestReceived, true),
                (2, Some("a"), Panic, true)
            ]),
            [2]
        );
        assert_eq!(
            run(&[
                (1, Some("a"), RequestReceived, true),
                (2, Some("a"), RequestReceived, true)
            ]),
            [2]
        );
        assert_eq!(
            run(&[
                (1, Some("a"), Panic, false),
                (2, Some("a"), RequestReceived, true)
            ]),
            Vec::<u64>::new()
        );
    }

    #[test]
    fn requests_without_audit_id_and_reused_ids_each_count() {
        assert_eq!(
            run(&[
                (1, None, RequestReceived, true),
                (2, None, RequestReceived, true)
            ]),
            [1, 2]
        );
        assert_eq!(
            run(&[
                (1, Some("x"), ResponseComplete, false),
                (2, Some("x"), ResponseComplete, true)
            ]),
            [2]
        );
        assert_eq!(
            run(&[
                (1, Some("a"), ResponseComplete, true),
                (2, Some("b"), ResponseComplete, true)
            ]),
            [1, 2]
        );
    }
}
