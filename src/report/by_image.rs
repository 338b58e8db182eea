//! The per-image view (`--summary`): one row per disallowed image instead of one per finding.
//! This file is the row model only; the table, JSON, JSON lines and CSV formats render it.
//!
//! An incident responder's first question is usually not "which requests" but "which images, and
//! how far did they get". Each row is one image **as written** in the log (`xmrig/xmrig` and
//! `docker.io/xmrig/xmrig:latest` are two rows, side by side, because they are sorted by their
//! normalized reference), with how many findings name it, the namespaces and users involved, when
//! it was first and last seen, and what the API server did (the outcomes). Findings whose images
//! are unknown share one row, `<unknown>`, so nothing in the findings disappears from the summary.
//!
//! The users are the requesters, mostly controllers for pods; who put the image in is the
//! **initiator** attribution found behind each finding (docs/attribution.md). Each row counts its
//! findings per initiator user (`bob@example.com: 4`), and counts apart the `unresolved` ones,
//! whose initiator the logs do not show, so a responder sees both who to ask and how much is
//! still unexplained. A finding without attribution (Falco parity mode), or whose initiator has
//! no user name, counts in neither.
//!
//! First and last seen compare parsed times (any RFC 3339 offset) and show the time as written;
//! a finding whose time does not parse counts everywhere but there. Rows are sorted by reference,
//! then image as written; invalid references follow, then `<unknown>`.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::Serialize;

use crate::attribution::How;
use crate::filter::parse_time;
use crate::finding::{Finding, Outcome, Reason};

/// One disallowed image and what is known about its findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ImageRow<'a> {
    /// The image as written; `null` for the findings whose images are unknown.
    pub image: Option<&'a str>,
    /// Its normalized reference; `null` when it is not a valid reference (or unknown).
    pub reference: Option<&'a str>,
    /// `disallowed-image`, or `images-unknown` for the `<unknown>` row.
    pub reason: Reason,
    /// Findings that name it.
    pub count: u64,
    /// Their namespaces, sorted.
    pub namespaces: BTreeSet<&'a str>,
    /// Their users, sorted.
    pub users: BTreeSet<&'a str>,
    /// The earliest time, as written.
    pub first_seen: Option<&'a str>,
    /// The latest time, as written.
    pub last_seen: Option<&'a str>,
    /// Findings per outcome.
    pub outcomes: Outcomes,
    /// Findings per initiator user (the person or pipeline behind them), sorted by user.
    pub initiators: BTreeMap<&'a str, u64>,
    /// Findings whose initiator could not be found (attribution `unresolved`).
    pub unresolved: u64,
    /// The earliest and latest parsed times, for comparisons.
    #[serde(skip)]
    span: Option<(Timestamp, Timestamp)>,
}

/// Findings per outcome; every key always present.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Outcomes {
    /// 2xx: the pod was created or changed.
    pub created: u64,
    /// 4xx/5xx: refused.
    pub rejected: u64,
    /// A dry run: nothing persisted.
    pub dry_run: u64,
    /// No status logged.
    pub unknown: u64,
}

impl Outcomes {
    /// Counts one outcome.
    fn count(&mut self, outcome: Outcome) {
        *match outcome {
            Outcome::Created => &mut self.created,
            Outcome::Rejected => &mut self.rejected,
            Outcome::DryRun => &mut self.dry_run,
            Outcome::Unknown => &mut self.unknown,
        } += 1;
    }

    /// The non-zero counts, `created 2, rejected 1`.
    pub fn describe(&self) -> String {
        [
            (Outcome::Created, self.created),
            (Outcome::Rejected, self.rejected),
            (Outcome::DryRun, self.dry_run),
            (Outcome::Unknown, self.unknown),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(o, n)| format!("{} {n}", o.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
    }
}

impl<'a> ImageRow<'a> {
    /// An empty row for `image`.
    fn new(image: Option<&'a str>, reference: Option<&'a str>, reason: Reason) -> Self {
        ImageRow {
            image,
            reference,
            reason,
            count: 0,
            namespaces: BTreeSet::new(),
            users: BTreeSet::new(),
            first_seen: None,
            last_seen: None,
            outcomes: Outcomes::default(),
            initiators: BTreeMap::new(),
            unresolved: 0,
            span: None,
        }
    }

    /// Counts one finding.
    fn count(&mut self, f: &'a Finding) {
        self.count += 1;
        self.namespaces.extend(f.namespace.as_deref());
        self.users.extend(f.user.as_deref());
        self.outcomes.count(f.outcome);
        if let Some(a) = &f.attribution {
            if a.how == How::Unresolved {
                self.unresolved += 1;
            } else if let Some(user) = a.initiator.as_ref().and_then(|i| i.user.as_deref()) {
                *self.initiators.entry(user).or_default() += 1;
            }
        }
        let Some((text, t)) = f.time.as_deref().and_then(|s| Some((s, parse_time(s)?))) else {
            return;
        };
        let (first, last) = self.span.get_or_insert((t, t));
        if t < *first || self.first_seen.is_none() {
            *first = t;
            self.first_seen = Some(text);
        }
        if t > *last || self.last_seen.is_none() {
            *last = t;
            self.last_seen = Some(text);
        }
    }
}

/// The rows for `findings`, sorted (see the module docs).
pub fn rows(findings: &[Finding]) -> Vec<ImageRow<'_>> {
    let mut rows: BTreeMap<(u8, Option<&str>, Option<&str>), ImageRow<'_>> = BTreeMap::new();
    for f in findings {
        if f.disallowed_images.is_empty() {
            rows.entry((2, None, None))
                .or_insert_with(|| ImageRow::new(None, None, Reason::ImagesUnknown))
                .count(f);
            continue;
        }
        for image in &f.disallowed_images {
            let reference = f
                .containers
                .iter()
                .flatten()
                .find(|c| c.image.as_ref() == Some(image))
                .and_then(|c| c.reference.as_deref());
            let rank = u8::from(reference.is_none());
            rows.entry((rank, reference, Some(image.as_str())))
                .or_insert_with(|| ImageRow::new(Some(image), reference, Reason::DisallowedImage))
                .count(f);
        }
    }
    rows.into_values().collect()
}

#[cfg(test)]
mod tests;
