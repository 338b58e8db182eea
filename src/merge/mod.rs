//! Saved reports → one report: the reduce step of a sharded scan (`--merge`, docs/sharding.md).
//!
//! Each shard of a sharded scan writes its report with `--format json` (findings and summary)
//! or `jsonl` (findings only). The merge reads them back ([`read`]) and gives the report one run
//! over all their inputs would have given, in any format:
//!
//! * findings in the order of the reports, then of each report;
//! * one finding per request across reports, chosen the way a scan chooses one per request
//!   ([`crate::rules::stage`]): a `ResponseComplete` event stands for its request, else the
//!   latest stage. The same event found in two reports (overlapping inputs scanned twice) is
//!   one finding, the first (an event logged twice within one report's inputs stays two, as
//!   that run reported it);
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

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::filter::{Admission, Filter, FilterStats};
use crate::finding::Finding;
use crate::input::{self, Input};
use crate::rules::stage::{Stage, chosen_by};
use crate::sink::is_temporary;
use crate::stats::Stats;

pub use read::Saved;

/// The merged report.
#[derive(Debug, Default)]
pub struct Merged {
    /// The findings, one per request, filtered, in report order.
    pub findings: Vec<Finding>,
    /// The reports' counters added up.
    pub stats: Stats,
    /// The reports' errors, then the merge's own (a report that could not be read).
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
        errors.extend(problems.iter().map(|e| format!("{e:#}")));
        // The temporary file of a report whose writer was killed is not a report.
        let inputs: Vec<Input> = inputs
            .into_iter()
            .filter(|i| !walked || !i.path().is_some_and(is_leftover))
            .collect();
        if inputs.is_empty() && problems.is_empty() {
            errors.push(format!("{}: no report in this directory", path.display()));
        }
        for input in &inputs {
            match read::read(input) {
                Ok(report) => reports.push(report),
                Err(e) => errors.push(format!("{e:#}")),
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

/// Merges `reports`, in order, with the errors met reading the others.
pub fn merge(reports: Vec<Saved>, filter: &Filter, errors: Vec<String>) -> Merged {
    let mut merged = Merged::default();
    let mut seconds = 0.0;
    let mut kept_without_time = 0;
    let mut without_summary = Vec::new();
    let mut findings = Vec::new();
    for (index, report) in reports.into_iter().enumerate() {
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
        findings.extend(report.findings.into_iter().map(|f| (index, f)));
    }
    merged.errors.extend(errors);
    merged.elapsed = Duration::try_from_secs_f64(seconds).unwrap_or_default();
    let (findings, repeats) = one_per_request(findings);
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

/// Keeps one finding per request, in order: the same event found again in a later report is
/// left out (and counted), then the stage that stands for each request is chosen as a scan
/// chooses it. Each finding comes with the index of its report: within one report the scan has
/// already chosen, and an event logged twice there was reported twice by it, so it stays so.
fn one_per_request(findings: Vec<(usize, Finding)>) -> (Vec<Finding>, usize) {
    let mut unique: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut by_id: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    let mut repeats = 0;
    for (report, f) in findings {
        if let Some(id) = audit_id(&f) {
            let seen = by_id.entry(id.to_owned()).or_default();
            if seen
                .iter()
                .any(|&(other, i)| other != report && same_event(&unique[i], &f))
            {
                repeats += 1;
                continue;
            }
            seen.push((report, unique.len()));
        }
        unique.push(f);
    }
    let chosen = chosen_by(&unique, |f| (audit_id(f), Stage::of(f.stage.as_deref())));
    let kept = unique
        .into_iter()
        .zip(chosen)
        .filter_map(|(f, chosen)| chosen.then_some(f))
        .collect();
    (kept, repeats)
}

/// A finding's `auditID`, when it has one (an empty one is none, as in a scan).
fn audit_id(f: &Finding) -> Option<&str> {
    f.audit_id.as_deref().filter(|id| !id.is_empty())
}

/// Are `a` and `b` the same logged event, found in two places? Everything read from the event is
/// equal; where it was found, and what attribution made of it in each run, may differ.
fn same_event(a: &Finding, b: &Finding) -> bool {
    let Finding {
        file: _,
        line: _,
        attribution: _,
        audit_id,
        time,
        stage,
        action,
        namespace,
        pod,
        generate_name,
        user,
        impersonated_user,
        source_ips,
        user_agent,
        status_code,
        outcome,
        reason,
        images,
        disallowed_images,
        containers,
        kind,
        name,
    } = a;
    *audit_id == b.audit_id
        && *time == b.time
        && *stage == b.stage
        && *action == b.action
        && *namespace == b.namespace
        && *pod == b.pod
        && *generate_name == b.generate_name
        && *user == b.user
        && *impersonated_user == b.impersonated_user
        && *source_ips == b.source_ips
        && *user_agent == b.user_agent
        && *status_code == b.status_code
        && *outcome == b.outcome
        && *reason == b.reason
        && *images == b.images
        && *disallowed_images == b.disallowed_images
        && *containers == b.containers
        && *kind == b.kind
        && *name == b.name
}

/// What people should know about the merge that is neither a finding nor an error.
fn notes(without_summary: &[String], repeats: usize) -> Vec<String> {
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
            "{what} found again in a later report (the same event: the reports' inputs overlap) \
             and reported once, where first found"
        ));
    }
    notes
}

#[cfg(test)]
mod tests;
