//! One finding per API request (SPEC §4.3).
//!
//! A request can be logged at several stages under one `auditID`. The `ResponseComplete` event
//! is the one that counts; a request with none (its completion was not logged, or it panicked)
//! counts through its latest stage. Events without an `auditID` are requests of their own.
//!
//! Clients can choose their own audit ID (the `Audit-ID` header), so an attacker can reuse the ID
//! of an innocent request. Every `ResponseComplete` event is therefore reported on its own: a
//! request completes once, so two completions under one ID are two requests, and neither can hide
//! the other.

use std::collections::HashMap;

use crate::finding::Finding;
use crate::suggest::Accepted;

use super::block::{Candidate, Stage};

/// What is known about the stages of one `auditID`.
#[derive(Default)]
struct Group {
    /// A `ResponseComplete` event was seen.
    completed: bool,
    /// The index of the latest other stage: highest stage, then latest in the input.
    latest: Option<(Stage, usize)>,
}

/// Does an event stand for its request whatever else is logged: a `ResponseComplete`, or an event
/// without `auditID`? (Any other stage counts only if nothing later completes its request.)
pub fn stands_alone(stage: Stage, audit_id: Option<&str>) -> bool {
    stage == Stage::ResponseComplete || audit_id.is_none()
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
    let mut groups: HashMap<&str, Group> = HashMap::new();
    for (i, c) in candidates.iter().enumerate() {
        let Some(id) = c.audit_id.as_deref() else {
            continue;
        };
        let group = groups.entry(id).or_default();
        if c.stage == Stage::ResponseComplete {
            group.completed = true;
        } else if group.latest.is_none_or(|(stage, _)| c.stage >= stage) {
            group.latest = Some((c.stage, i));
        }
    }
    candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if stands_alone(c.stage, c.audit_id.as_deref()) {
                return true;
            }
            c.audit_id
                .as_deref()
                .and_then(|id| groups.get(id))
                .is_some_and(|g| !g.completed && g.latest.is_some_and(|(_, at)| at == i))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Action;
    use crate::finding::{Outcome, Reason};

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
