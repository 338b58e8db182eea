//! falco-pod-scan: Falco's *Create Disallowed Pod* rule, offline, over Kubernetes audit logs.
//!
//! The pipeline, one way from input to report:
//!
//! 1. [`cli`] parses arguments; [`config`] validates them and compiles the [`allow`]list.
//! 2. [`input`] turns paths into byte sources: memory maps, or streams of line blocks.
//! 3. [`scan`](mod@scan) splits each source into newline-aligned chunks and scans them on all
//!    cores; a literal prefilter ([`scan::prefilter`]) picks the few lines that can hold a pod
//!    request.
//! 4. [`event`] parses those lines into borrowed views of the audit fields that matter.
//! 5. [`rules`] judge each pod request: every image, normalized by [`image`], against the
//!    allowlist; what is not allowed becomes an owned [`finding::Finding`].
//! 6. [`rules::stage`] keeps one finding per API request (its `ResponseComplete` stage), in
//!    input order, whatever the number of threads; the [`filter`] (`--since`, `--namespace`, …)
//!    keeps those the run asks about. With `--suggest-allowlist`, [`suggest`] counts the
//!    repositories of the requests the API server accepted instead.
//! 7. [`report`] writes findings (or one row per image, or the suggested allowlist) into a
//!    [`sink`] (stdout, or a file replaced atomically with `--output`) and the summary of the
//!    [`stats`] to stderr. Nothing else prints; [`progress`] draws a bar on stderr while the scan
//!    runs, fed by the workers through an atomic counter.
//!
//! Beyond one machine, a run reads one [`shard`] of its inputs (`--files-from`, `--shard K/N`),
//! and [`merge`](mod@merge) is the reduce step: saved reports back into the one report a single
//! run would have written, through the same filter and the same report.
//!
//! See `ARCHITECTURE.md` for the reasons behind this shape, and the pages under `docs/` for the
//! behaviour (`docs/usage.md` for the command line and the exit status).

// The crate docs are the engineers' map of the private modules, built with
// `--document-private-items`; their links to those modules are meant.
#![allow(rustdoc::private_intra_doc_links)]

mod allow;
// Attribution is built in parts (records, resolver, the scan's gathering, the outputs); until the
// scan and the report use it, its items are unused.
mod attribution;
mod cli;
mod config;
mod escape;
mod event;
mod falco;
mod filter;
mod finding;
mod image;
mod input;
mod merge;
mod progress;
mod report;
mod rules;
mod scan;
mod shard;
mod sink;
mod stats;
mod suggest;
#[cfg(test)]
mod testing;

// The library's surface: what the binary, the integration tests and the benchmarks use. Modules
// stay private, so an item nothing reaches is reported as dead code.
pub use allow::{AllowError, Allowlist};
pub use cli::Cli;
pub use config::{Config, Delivery, MergeConfig, Task};
pub use filter::Scope;
pub use finding::{Action, Finding};
pub use image::ImageRef;
pub use report::{Format, Options, Report, Style, View, write_errors};
pub use rules::{Mode, Policy};
pub use scan::{InputScan, ScanOptions, scan};

/// The scan's inner parts, for the benchmarks and fuzz targets that measure or check them one by
/// one: the literal prefilter, the block worker, event parsing and the repair of damaged lines.
/// Not a stable interface; the command line is.
#[doc(hidden)]
pub mod internals {
    pub use crate::event::{for_each_event, salvage};
    pub use crate::rules::{Candidate, pod_action, select};
    pub use crate::scan::block::{BlockResult, scan_document, scan_lines};
    pub use crate::scan::prefilter::{Triage, line_end, triage, triage_joined};
    pub use crate::scan::scan_bytes;
}

/// Writes a report in the configured format (`report` in the pipeline above).
pub use report::write as write_report;

use std::io::{self, BufWriter, Write};
use std::time::Instant;

use anyhow::Context;

use progress::Progress;
use sink::Sink;

/// How a run ended; [`ExitStatus::code`] is the process's exit status. (A finding's own outcome,
/// what the API server did with the request, is [`finding::Outcome`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// No findings.
    Clean,
    /// At least one finding.
    Findings,
    /// Something could not be read or checked (wins over findings).
    Failed,
}

impl ExitStatus {
    /// The exit status: 0, 1 or 2.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Clean => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Failed => 2,
        }
    }
}

/// A task carried out: how it ended, and what it produced, still held.
///
/// A scan's findings, records and counters, and its worker threads, are freed when this is
/// dropped; a process about to exit need not free them ([`Finished::leave`]).
pub struct Finished {
    /// How the run ended.
    pub status: ExitStatus,
    /// What the run produced and still owns (held only to be dropped, or left).
    _held: Option<Box<dyn std::any::Any>>,
}

impl Finished {
    /// A task that holds nothing once done.
    fn bare(status: ExitStatus) -> Finished {
        Finished {
            status,
            _held: None,
        }
    }

    /// The exit status, leaving what the run holds unfreed, for a process that exits next. The
    /// system takes back a process's memory and threads at exit in one go, while freeing a scan
    /// value by value (every finding's strings, every workload record) and stopping its worker
    /// threads took 16 to 38 ms on the 1 GiB benchmark log under load, between the last byte of
    /// the report and the exit. Leaving them is safe: nothing held has work to do when dropped
    /// (the report is flushed, its file renamed into place, the errors printed).
    pub fn leave(self) -> ExitStatus {
        let status = self.status;
        std::mem::forget(self);
        status
    }
}

/// Carries out a task: a scan ([`run`]), a merge ([`run_merge`]), or `--generate`.
pub fn execute(task: &Task) -> anyhow::Result<Finished> {
    match task {
        Task::Scan(config) => run(config),
        Task::Merge(config) => run_merge(config).map(Finished::bare),
        Task::Generate { what, command } => {
            let mut out = BufWriter::new(io::stdout().lock());
            let written = report::write_generated(*what, (**command).clone(), &mut out)
                .and_then(|()| out.flush());
            match written {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
                other => other.context("cannot write to standard output")?,
            }
            Ok(Finished::bare(ExitStatus::Clean))
        }
    }
}

/// Scans the configured inputs and writes the report.
pub fn run(config: &Config) -> anyhow::Result<Finished> {
    let started = Instant::now();
    // Before the scan: a destination that cannot be written fails now, not after it.
    let sink = Sink::open(&config.delivery.destination)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .context("cannot start the worker threads")?;
    let progress = config.progress.map(Progress::start);
    let opts = scan::ScanOptions {
        progress: progress.as_ref().map(Progress::counter),
        ..config.scan.clone()
    };
    let mut scan = pool.install(|| scan::scan(&config.paths, &config.policy, &opts));
    if let Some(progress) = progress {
        progress.finish();
    }
    let mut errors = std::mem::take(&mut scan.errors);
    if config.strict && scan.stats.skipped > 0 {
        let strict = strict_error(&scan.stats);
        errors.push(strict.message.clone());
        scan.stats.run_errors.push(strict);
    }
    let report = Report {
        findings: &scan.findings,
        stats: &scan.stats,
        errors: &errors,
        elapsed: started.elapsed(),
        filtered: scan.filtered,
        accepted: matches!(config.delivery.output.view, View::SuggestedAllowlist { .. })
            .then_some(&scan.accepted),
    };
    let notes = Notes {
        warnings: config.policy.allowlist.warnings(),
        notes: &[],
    };
    // On the run's threads: the report serialises its rows on them (`report::parallel`).
    let status = pool.install(|| deliver(&report, &config.delivery, sink, &notes))?;
    Ok(Finished {
        status,
        _held: Some(Box::new((scan, errors, pool))),
    })
}

/// What a run tells people beside its report, its summary and its errors.
struct Notes<'a> {
    /// What the configuration does that is probably not meant: printed even with `--quiet`.
    warnings: &'a [String],
    /// What the run could not count but is not an error.
    notes: &'a [String],
}

/// Merges saved reports (`--merge`) and writes the one report a single run would have written.
pub fn run_merge(config: &MergeConfig) -> anyhow::Result<ExitStatus> {
    let sink = Sink::open(&config.delivery.destination)?;
    let merged = merge::merge_paths(&config.paths, &config.filter);
    let report = Report {
        findings: &merged.findings,
        stats: &merged.stats,
        errors: &merged.errors,
        elapsed: merged.elapsed,
        filtered: merged.filtered,
        accepted: None,
    };
    let notes = Notes {
        warnings: &[],
        notes: &merged.notes,
    };
    deliver(&report, &config.delivery, sink, &notes)
}

/// Writes `report` into `sink` and finishes it, then the summary, `notes` and errors on stderr;
/// returns how the run ended.
fn deliver(
    report: &Report<'_>,
    delivery: &Delivery,
    mut sink: Sink,
    notes: &Notes<'_>,
) -> anyhow::Result<ExitStatus> {
    let written = report::write(report, &delivery.output, &mut sink);
    sink.finish(written)?;
    let mut err = io::stderr().lock();
    let width = delivery.stderr_width;
    if !delivery.quiet {
        if !delivery.output.has_inline_stats_summary() {
            report::write_stats_summary(report, width, &mut err)?;
        }
        report::write_notes(notes.notes, width, &mut err)?;
    }
    report::write_warnings(notes.warnings, width, &mut err)?;
    report::write_errors(report.errors, width, &mut err)?;
    Ok(if !report.errors.is_empty() {
        ExitStatus::Failed
    } else if report.findings.is_empty() || report.accepted.is_some() || delivery.exit_zero {
        // A suggested allowlist is the result itself; its scan has no allowlist to break.
        ExitStatus::Clean
    } else {
        ExitStatus::Findings
    })
}

/// The `--strict` error: how many lines were not events, and the first of them. An error of the
/// run, not of an input: the lines may be in any of them.
fn strict_error(stats: &stats::Stats) -> stats::RunError {
    let first = stats
        .skipped_at
        .first()
        .map(|s| format!(" (first: {}:{}: {})", s.file, s.line, s.why))
        .unwrap_or_default();
    let what = match stats.skipped {
        1 => "1 line is not an audit event".to_owned(),
        n => format!("{n} lines are not audit events"),
    };
    stats::RunError::new(
        stats::RunErrorKind::StrictViolation,
        format!(
            "--strict: {what}{first}; fix or remove them, or run without --strict to skip them"
        ),
    )
}

/// Is a broken pipe anywhere in this error's chain (the reader of stdout went away)?
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|io| io.kind() == io::ErrorKind::BrokenPipe)
}
