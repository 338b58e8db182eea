//! Counters of a scan, merged with `+=` from independent chunks; the report's stats summary
//! (docs/output.md) shows them.
//!
//! Workers fill a [`Stats`] for their chunk with chunk-relative line numbers; the scan's ordered
//! merge turns those into absolute `file:line` locations ([`Stats::locate`]). Only the first
//! [`MAX_LOCATIONS`] skipped lines keep their location, so memory stays bounded however broken the
//! input is; the count is always exact. Each scanned input adds one [`InputStats`] entry (what it
//! was, how much of it was read), so the summary can say where the bytes came from.

use std::ops::AddAssign;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::input::sniff::Compression;

/// How many skipped-line locations the summary keeps.
pub const MAX_LOCATIONS: usize = 5;

/// What a scan saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Stats {
    /// Inputs scanned (files and standard input).
    pub files: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Compressed bytes read, from the compressed inputs (gzip, zstd, xz, bzip2).
    pub compressed_bytes: u64,
    /// Lines read (as `wc -l` counts them, plus a last line without a newline).
    pub lines: u64,
    /// Lines (or documents) parsed as JSON: those that could hold a pod request (or, in default
    /// mode, a workload write), and those whose shape the cheap check could not confirm.
    pub parsed: u64,
    /// Audit events found in the parsed lines.
    pub events: u64,
    /// Events that are pod requests (docs/events.md), every stage counted.
    pub pod_requests: u64,
    /// Events that are workload requests judged by their pod templates (`--workloads`), every
    /// stage counted.
    pub workload_requests: u64,
    /// Events that are successful writes of workload objects (default mode), every stage
    /// counted. Not in the summary (yet).
    #[serde(skip)]
    pub workload_writes: u64,
    /// Events left out because the same event was read before: a log and its compressed copy,
    /// overlapping archives (docs/events.md, Stages).
    #[serde(default)]
    pub duplicate_events: u64,
    /// Requests that share an `auditID` with an earlier, different request (another pod,
    /// namespace or verb): reused IDs, as hand-written and replayed logs have.
    #[serde(default)]
    pub audit_id_collisions: u64,
    /// Lines that are not audit events: invalid JSON, not an object, not an event.
    pub skipped: u64,
    /// Where the first skipped lines are.
    pub skipped_at: Vec<Skip>,
    /// Damaged lines whose events were all read anyway (two events joined on one line, NUL
    /// bytes around an event, raw control characters in strings).
    pub repaired: u64,
    /// Where the first repaired lines are, and what was wrong with them.
    pub repaired_at: Vec<Skip>,
    /// One entry per input, in scan order.
    // (Empty inside a worker: the scan adds each input's entry after its chunks.)
    pub inputs: Vec<InputStats>,
    /// The errors of the run as a whole, which no one input has: a `--strict` violation, not
    /// one audit event in any input. An error with one input is in that input's entry instead
    /// (`error`, `error_kind`).
    #[serde(default)]
    pub run_errors: Vec<RunError>,
}

/// An error of the whole run rather than of one input; its message is among the run's
/// `errors` too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RunError {
    /// What kind of error it is, for programs.
    pub kind: RunErrorKind,
    /// What went wrong, in words (the line printed on stderr).
    pub message: String,
}

impl RunErrorKind {
    /// Its name in the JSON summary and the JUnit report.
    pub fn as_str(self) -> &'static str {
        match self {
            RunErrorKind::StrictViolation => "strict-violation",
            RunErrorKind::NoAuditEvents => "no-audit-events",
            RunErrorKind::Unreadable => "unreadable",
            RunErrorKind::UnreadableReport => "unreadable-report",
            RunErrorKind::EmptyDirectory => "empty-directory",
        }
    }
}

impl RunError {
    /// An error of kind `kind` that says `message`.
    pub fn new(kind: RunErrorKind, message: String) -> RunError {
        RunError { kind, message }
    }
}

/// Why a run as a whole is in error, for programs reading the JSON summary (docs/output.md).
/// The list is closed: a new kind is a new version of the report schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RunErrorKind {
    /// `--strict` was given and lines that are not audit events were read (`skipped` counts
    /// them; `skipped_at` says where the first are).
    StrictViolation,
    /// The inputs held bytes, but not one audit event among them all: every file met in the
    /// directories given was ignored as holding none (`ignored` inputs).
    NoAuditEvents,
    /// A directory given could not be walked, and the error names no file in it.
    Unreadable,
    /// `--merge`: a saved report could not be read, or is not a report of this tool.
    UnreadableReport,
    /// `--merge`: a directory given holds no report.
    EmptyDirectory,
}

/// What one input was and how much of it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InputStats {
    /// The input's name (`-` for standard input).
    pub file: String,
    /// The layout of its (decompressed) content; `null` when it could not be opened.
    pub format: Option<InputFormat>,
    /// The compression it was decoded from, `null` for an uncompressed input.
    pub compression: Option<Compression>,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Compressed bytes read, for a compressed input.
    pub compressed_bytes: Option<u64>,
    /// Lines scanned.
    pub lines: u64,
    /// Why it was not (fully) read, or `null`.
    pub error: Option<String>,
    /// What kind of error that is, for programs; `null` without one.
    #[serde(default)]
    pub error_kind: Option<ErrorKind>,
    /// What it looked like, when it held bytes but not one audit event; else `null`.
    #[serde(default)]
    pub content: Option<Content>,
    /// Met while walking a directory, it held no audit event and was passed over (not an
    /// error; its lines are not counted as skipped).
    #[serde(default)]
    pub ignored: bool,
}

impl InputStats {
    /// The entry of an input named `file` before anything is known of it.
    pub fn new(file: &str) -> InputStats {
        InputStats {
            file: file.to_owned(),
            format: None,
            compression: None,
            bytes: 0,
            compressed_bytes: None,
            lines: 0,
            error: None,
            error_kind: None,
            content: None,
            ignored: false,
        }
    }

    /// Was any of it scanned as a log (it was opened, it is not in the refused `legacy`
    /// format, and it is not something else entirely that it was refused as)?
    pub fn was_read(&self) -> bool {
        self.format.is_some_and(|f| f != InputFormat::Legacy)
            && !matches!(self.error_kind, Some(ErrorKind::NoAuditEvents))
    }
}

/// Why an input is in error, for programs reading the JSON summary (docs/output.md). The list
/// is closed: a new kind is a new version of the report schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// It does not exist (or a link points nowhere).
    NotFound,
    /// No permission to read it.
    PermissionDenied,
    /// It could not be opened or listed for another reason (a device, a missing credential or
    /// bucket, a network failure).
    Unreadable,
    /// The API server's `legacy` text format, which has no request bodies.
    LegacyFormat,
    /// It held bytes, but not one audit event (YAML, binary, …).
    NoAuditEvents,
    /// A directory given on the command line held no file.
    EmptyDirectory,
    /// It was read only in part: cut short, damaged, or a line too long to hold.
    Truncated,
}

impl ErrorKind {
    /// Its name in the JSON summary and the JUnit report.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not-found",
            ErrorKind::PermissionDenied => "permission-denied",
            ErrorKind::Unreadable => "unreadable",
            ErrorKind::LegacyFormat => "legacy-format",
            ErrorKind::NoAuditEvents => "no-audit-events",
            ErrorKind::EmptyDirectory => "empty-directory",
            ErrorKind::Truncated => "truncated",
        }
    }

    /// The kind of the error `e` met with an input whose layout is `format` (`None`: it was not
    /// opened).
    pub fn of(e: &anyhow::Error, format: Option<InputFormat>) -> ErrorKind {
        let io = e
            .chain()
            .find_map(|cause| cause.downcast_ref::<std::io::Error>());
        match (format, io.map(std::io::Error::kind)) {
            (Some(InputFormat::Legacy), _) => ErrorKind::LegacyFormat,
            (Some(_), _) => ErrorKind::Truncated,
            (None, Some(std::io::ErrorKind::NotFound)) => ErrorKind::NotFound,
            (None, Some(std::io::ErrorKind::PermissionDenied)) => ErrorKind::PermissionDenied,
            (None, _) => ErrorKind::Unreadable,
        }
    }
}

/// What an input that held no audit event looks like.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Content {
    /// YAML (an allowlist, a test expectation, a manifest).
    Yaml,
    /// JSON that is not audit events.
    Json,
    /// Other text.
    Text,
    /// Binary data.
    Binary,
    /// An archive or compression this tool does not read.
    Archive,
}

impl Content {
    /// The name used in the JSON summary and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Content::Yaml => "YAML",
            Content::Json => "JSON",
            Content::Text => "text",
            Content::Binary => "binary",
            Content::Archive => "archive",
        }
    }

    /// `12 YAML, 1 text`: how many of each kind, most common first.
    pub fn tally(kinds: impl Iterator<Item = Content>) -> String {
        let mut counts = std::collections::BTreeMap::new();
        for k in kinds {
            *counts.entry(k).or_insert(0u64) += 1;
        }
        let mut counts: Vec<(Content, u64)> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts
            .iter()
            .map(|(k, n)| format!("{n} {}", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The layout of an input's content (docs/inputs.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum InputFormat {
    /// No content at all.
    Empty,
    /// One JSON value per line (events, EventLists, arrays).
    JsonLines,
    /// One JSON document over many lines.
    Document,
    /// The API server's `legacy` text format: refused.
    Legacy,
}

/// One skipped (or repaired) line: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Skip {
    /// The input's name.
    // (Empty inside a worker, filled in by the merge: `Stats::locate`.)
    pub file: String,
    /// The 1-based line.
    // (0-based and chunk-relative inside a worker.)
    pub line: u64,
    /// Why it was skipped (or what was repaired).
    pub why: String,
}

impl Stats {
    /// Counts a skipped line, keeping its location if there is room.
    pub fn skip(&mut self, line: u64, why: String) {
        self.skipped += 1;
        if self.skipped_at.len() < MAX_LOCATIONS {
            self.skipped_at.push(Skip {
                file: String::new(),
                line,
                why,
            });
        }
    }

    /// Counts a damaged line whose events were read, keeping its location if there is room.
    pub fn repair(&mut self, line: u64, why: String) {
        self.repaired += 1;
        if self.repaired_at.len() < MAX_LOCATIONS {
            self.repaired_at.push(Skip {
                file: String::new(),
                line,
                why,
            });
        }
    }

    /// Inputs that were not scanned at all: not found, no permission, a device, an unreadable
    /// directory, a dangling link, the refused `legacy` format. Each has an error.
    pub fn unreadable(&self) -> impl Iterator<Item = &InputStats> {
        self.inputs
            .iter()
            .filter(|i| i.error.is_some() && !i.was_read())
    }

    /// Inputs scanned only in part: cut short (a damaged archive, a file truncated while it was
    /// read, a read error) or with a line too long to hold. Their findings up to the damage are
    /// reported; each has an error saying where it stopped.
    pub fn truncated(&self) -> impl Iterator<Item = &InputStats> {
        self.inputs
            .iter()
            .filter(|i| i.error.is_some() && i.was_read())
    }

    /// The kind of the error `message` (one of the run's `errors`) and whether it is the run's
    /// own: that of the run error that says it, else that of the input whose error holds it.
    pub fn kind_of(&self, message: &str) -> Option<(&'static str, bool)> {
        if let Some(run) = self.run_errors.iter().find(|r| r.message == message) {
            return Some((run.kind.as_str(), true));
        }
        self.inputs
            .iter()
            .filter(|i| i.error.as_deref().is_some_and(|e| e.contains(message)))
            .find_map(|i| i.error_kind)
            .map(|kind| (kind.as_str(), false))
    }

    /// Turns chunk-relative 0-based skip lines into absolute locations in `file`.
    pub fn locate(&mut self, file: &str, first_line: u64) {
        for skip in self.skipped_at.iter_mut().chain(&mut self.repaired_at) {
            if skip.file.is_empty() {
                file.clone_into(&mut skip.file);
                skip.line += first_line;
            }
        }
    }
}

/// Adds the counters of a later chunk; locations stay in input order.
impl AddAssign for Stats {
    fn add_assign(&mut self, other: Stats) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.compressed_bytes += other.compressed_bytes;
        self.lines += other.lines;
        self.parsed += other.parsed;
        self.events += other.events;
        self.pod_requests += other.pod_requests;
        self.workload_requests += other.workload_requests;
        self.workload_writes += other.workload_writes;
        self.duplicate_events += other.duplicate_events;
        self.audit_id_collisions += other.audit_id_collisions;
        self.skipped += other.skipped;
        let room = MAX_LOCATIONS.saturating_sub(self.skipped_at.len());
        self.skipped_at
            .extend(other.skipped_at.into_iter().take(room));
        self.repaired += other.repaired;
        let room = MAX_LOCATIONS.saturating_sub(self.repaired_at.len());
        self.repaired_at
            .extend(other.repaired_at.into_iter().take(room));
        self.inputs.extend(other.inputs);
        self.run_errors.extend(other.run_errors);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_unreadable_or_truncated_by_how_far_they_were_read() {
        let input = |file: &str, format, error: Option<&str>| InputStats {
            format,
            error: error.map(str::to_owned),
            ..InputStats::new(file)
        };
        let s = Stats {
            inputs: vec![
                input("ok.log", Some(InputFormat::JsonLines), None),
                input("missing.log", None, Some("cannot open")),
                input("legacy.log", Some(InputFormat::Legacy), Some("legacy")),
                input(
                    "cut.log.gz",
                    Some(InputFormat::JsonLines),
                    Some("ends early"),
                ),
            ],
            ..Stats::default()
        };
        let names = |it: &mut dyn Iterator<Item = &InputStats>| {
            it.map(|i| i.file.clone()).collect::<Vec<_>>()
        };
        assert_eq!(names(&mut s.unreadable()), ["missing.log", "legacy.log"]);
        assert_eq!(names(&mut s.truncated()), ["cut.log.gz"]);
    }

    #[test]
    fn merge_keeps_order_and_bounds_locations() {
        let mut a = Stats::default();
        for i in 0..3 {
            a.skip(i, "x".into());
        }
        a.locate("a.log", 1);
        let mut b = Stats::default();
        for i in 0..4 {
            b.skip(i, "y".into());
        }
        b.locate("b.log", 11);
        b.lines = 7;
        a += b;
        assert_eq!(a.skipped, 7);
        assert_eq!(a.lines, 7);
        let at: Vec<_> = a
            .skipped_at
            .iter()
            .map(|s| format!("{}:{}", s.file, s.line))
            .collect();
        assert_eq!(
            at,
            ["a.log:1", "a.log:2", "a.log:3", "b.log:11", "b.log:12"]
        );
    }

    #[test]
    fn kinds_are_named_as_serialized() {
        let name = |v: serde_json::Value| v.as_str().expect("a string").to_owned();
        for kind in [
            ErrorKind::NotFound,
            ErrorKind::PermissionDenied,
            ErrorKind::Unreadable,
            ErrorKind::LegacyFormat,
            ErrorKind::NoAuditEvents,
            ErrorKind::EmptyDirectory,
            ErrorKind::Truncated,
        ] {
            assert_eq!(kind.as_str(), name(serde_json::json!(kind)));
        }
        for kind in [
            RunErrorKind::StrictViolation,
            RunErrorKind::NoAuditEvents,
            RunErrorKind::Unreadable,
            RunErrorKind::UnreadableReport,
            RunErrorKind::EmptyDirectory,
        ] {
            assert_eq!(kind.as_str(), name(serde_json::json!(kind)));
        }
    }
}
