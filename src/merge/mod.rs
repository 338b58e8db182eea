//! Saved reports → one report: the reduce step of a sharded scan (`--merge`, docs/sharding.md).
//!
//! Each shard of a sharded scan writes its report with `--format json` (findings and summary)
//! or `jsonl` (findings only). The merge reads them back ([`read`]) and gives the report one run
//! over all their inputs would have given, in any format:
//!
//! * findings in the order of the reports, then of each report;
//! * one finding per request across reports, chosen the way a scan chooses one per request
//!   ([`crate::rules::stage`]): a `ResponseComplete` event stands for its request, else the
//!   latest stage; an `auditID` reused by another pod is another request. The same event found
//!   in two reports (overlapping inputs scanned twice) is one finding, the first;
//! * the filters (`--since`, `--namespace`, …) applied again, after that choice, as in a scan;
//! * the summaries added up: inputs, bytes, lines, events, skipped lines (the first locations
//!   kept), errors, the time the runs took, and what their filters left out. The finding counts
//!   are those of the merged findings.
//!
//! A JSON-lines report has no summary: its findings are merged, but what its run read (and any
//! error it met) is not known, and a note says so. Shards of one scan must be of one kind of
//! report for the summary to mean anything; their findings merge either way.
//!
//! The choice of one finding per request can only see findings, not the allowed events beside
//! them: a request logged in two reports whose completed stage was allowed and whose earlier
//! stage was a finding stays a finding. Sharding by cluster keeps every stage of a request in one
//! shard, where the scan already chose.

pub mod read;

use std::path::PathBuf;
use std::time::Duration;

use crate::filter::{Admission, Filter, FilterStats};
use crate::finding::{Action, Finding, ObjectKind};
use crate::input::{self, Input};
use crate::rules::stage::{Identity, Stage, choose, hash_finding, same_finding};
use crate::sink::is_temporary;
use crate::stats::{RunError, RunErrorKind, Stats};

pub use read::Saved;

/// The merged report.
#[derive(Debug, Default)]
pub struct Merged {
    /// The findings, one per request, filtered, in report order.
    pub findings: Vec<Finding>,
    /// The reports' counters added up.
    pub stats: Stats,
    /// The reports' errors, then the merge's own (a report that could not be read), which
    /// `stats.run_errors` also holds with their kinds.
    pub errors: Vec<String>,
    /// The time the reports' runs took, added up.
    pub elapsed: Duration,
    /// What the reports' filters and the merge's left out.
    pub filtered: FilterStats,
    /// What the merge could not count, for people (not errors).
    pub notes: Vec<String>,
}

/// Reads the reports `paths` name (files, `-`, directories walked in sorted order) and merges
/// them. A path that is not a report, or a directory without any, is an error naming it; the
/// other reports are still merged.
pub fn merge_paths(paths: &[PathBuf], filter: &Filter) -> Merged {
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let walked = path.is_dir();
        let (inputs, problems) = input::expand(std::slice::from_ref(path));
        errors.extend(
            problems
                .iter()
                .map(|e| RunError::new(RunErrorKind::Unreadable, format!("{e:#}"))),
        );
        // The temporary file of a report whose writer was killed is not a report.
        let inputs: Vec<Input> = inputs
            .into_iter()
            .filter(|i| !walked || !i.path().is_some_and(is_leftover))
            .collect();
        if inputs.is_empty() && problems.is_empty() {
            errors.push(RunError::new(
                RunErrorKind::EmptyDirectory,
                format!("{}: no report in this directory", path.display()),
            ));
        }
        for input in &inputs {
            match read::read(input) {
                Ok(report) => reports.push(report),
                Err(e) => errors.push(RunError::new(
                    RunErrorKind::UnreadableReport,
                    format!("{e:#}"),
                )),
            }
        }
    }
    merge(reports, filter, errors)
}

/// Is `path` the temporary file of an unfinished `--output`?
fn is_leftover(path: &std::path::Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(is_temporary)
}

/// Merges `reports`, in order, with the errors met reading the others (errors of the merge run:
/// in its `errors`, and with their kinds among its `run_errors`).
pub fn merge(reports: Vec<Saved>, filter: &Filter, errors: Vec<RunError>) -> Merged {
    let mut merged = Merged::default();
    let mut seconds = 0.0;
    let mut kept_without_time = 0;
    let mut without_summary = Vec::new();
    let mut findings = Vec::new();
    for report in reports {
        match report.summary {
            Some(summary) => {
                merged.stats += summary.stats;
                merged.errors.extend(summary.errors);
                merged.filtered.excluded += summary.filters.excluded;
                kept_without_time += summary.filters.kept_without_time;
                seconds += summary.elapsed_seconds.max(0.0);
            }
            None => without_summary.push(report.name),
        }
        findings.extend(report.findings);
    }
    merged
        .errors
        .extend(errors.iter().map(|e| e.message.clone()));
    merged.stats.run_errors.extend(errors);
    merged.elapsed = Duration::try_from_secs_f64(seconds).unwrap_or_default();
    let (findings, repeats) = one_per_request(findings);
    merged.stats.duplicate_events += repeats;
    let mut own = FilterStats::default();
    merged.findings = findings
        .into_iter()
        .filter(|f| match filter.admit(f.subject()) {
            Admission::In => true,
            Admission::Untimed => {
                own.kept_without_time += 1;
                true
            }
            Admission::Out => {
                own.excluded += 1;
                false
            }
        })
        .collect();
    merged.filtered.excluded += own.excluded;
    // With a time bound of its own, the merge has judged every finding it keeps (a report's
    // count would count them again); without one, the reports' counts stand.
    merged.filtered.kept_without_time = if filter.has_time_bound() {
        own.kept_without_time
    } else {
        kept_without_time
    };
    merged.notes = notes(&without_summary, repeats);
    merged
}

/// Keeps one finding per request, in order, chosen as a scan chooses ([`choose`]): the same
/// event found again (in a later report, or twice in one) is left out and counted, then the
/// stage that stands for each request is kept.
fn one_per_request(findings: Vec<Finding>) -> (Vec<Finding>, u64) {
    let (chosen, identities) = choose(&findings, identity, same_finding, hash_finding);
    let kept = findings
        .into_iter()
        .zip(chosen)
        .filter_map(|(f, chosen)| chosen.then_some(f))
        .collect();
    (kept, identities.duplicates)
}

/// What a saved finding tells of its request: the verb only where its action names it (an
/// image change may be a `patch` or an `update`), the resource from its kind.
fn identity(f: &Finding) -> Identity<'_> {
    let verb = match f.action {
        Action::Create | Action::WorkloadCreate => Some("create"),
        Action::ApplyCreate => Some("patch"),
        Action::ImageChange | Action::Ephemeral | Action::WorkloadChange => None,
    };
    Identity {
        audit_id: f.audit_id.as_deref().filter(|id| !id.is_empty()),
        stage: Stage::of(f.stage.as_deref()),
        verb,
        resource: Some(match f.kind {
            ObjectKind::Pod => "pods",
            ObjectKind::Workload(kind) => kind.resource(),
        }),
        subresource: (f.action == Action::Ephemeral).then_some("ephemeralcontainers"),
        namespace: f.namespace.as_deref(),
        name: f.name.as_deref(),
    }
}

/// What people should know about the merge that is neither a finding nor an error.
fn notes(without_summary: &[String], repeats: u64) -> Vec<String> {
    let mut notes = Vec::new();
    match without_summary {
        [] => {}
        [only] => notes.push(format!(
            "{only} is a JSON-lines report, which has no summary: its findings are merged, but \
             what its run read, and any error it met, are not counted (write reports with \
             --format json to merge their summaries too)"
        )),
        [first, ..] => notes.push(format!(
            "{} reports ({first}, …) are JSON lines, which have no summary: their findings are \
             merged, but what their runs read, and any error they met, are not counted (write \
             reports with --format json to merge their summaries too)",
            without_summary.len()
        )),
    }
    if repeats > 0 {
        let what = if repeats == 1 {
            "1 finding was".to_owned()
        } else {
            format!("{repeats} findings were")
        };
        notes.push(format!(
            "{what} found again (the same event: the reports' inputs overlap) \
             and reported once, where first found"
        ));
    }
    notes
}

#[cfg(test)]
mod tests;
