//! Counters of a scan, merged with `+=` from independent chunks (SPEC §9 "Summary").
//!
//! Workers fill a [`Stats`] for their chunk with chunk-relative line numbers; the merge in
//! [`crate::scan`] turns those into absolute `file:line` locations. Only the first
//! [`MAX_LOCATIONS`] skipped lines keep their location, so memory stays bounded however broken the
//! input is; the count is always exact. Each scanned input adds one [`InputStats`] entry (what it
//! was, how much of it was read), so the summary can say where the bytes came from.

use std::ops::AddAssign;

use serde::Serialize;

use crate::input::sniff::Compression;

/// How many skipped-line locations the summary keeps.
pub const MAX_LOCATIONS: usize = 5;

/// What a scan saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Inputs scanned (files and standard input).
    pub files: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Compressed bytes read, from gzip and zstd inputs.
    pub compressed_bytes: u64,
    /// Lines read (as `wc -l` counts them, plus a last line without a newline).
    pub lines: u64,
    /// Lines (or documents) parsed as JSON: those that could hold a pod request, and those whose
    /// shape the cheap check could not confirm.
    pub parsed: u64,
    /// Audit events found in the parsed lines.
    pub events: u64,
    /// Events that are pod requests (§4), every stage counted.
    pub pod_requests: u64,
    /// Lines that are not audit events: invalid JSON, not an object, not an event.
    pub skipped: u64,
    /// Where the first skipped lines are.
    pub skipped_at: Vec<Skip>,
    /// One entry per input, in scan order (empty inside a worker).
    pub inputs: Vec<InputStats>,
}

/// What one input was and how much of it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputStats {
    /// The input's name (`-` for standard input).
    pub file: String,
    /// The layout of its (decompressed) content; `null` when it could not be opened.
    pub format: Option<InputFormat>,
    /// `gzip`, `zstd`, or `null` for an uncompressed input.
    pub compression: Option<Compression>,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Compressed bytes read, for a compressed input.
    pub compressed_bytes: Option<u64>,
    /// Lines scanned.
    pub lines: u64,
    /// Why it was not (fully) read, or `null`.
    pub error: Option<String>,
}

/// The layout of an input's content (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// One skipped line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    /// The input's name (empty inside a worker, filled in by the merge).
    pub file: String,
    /// 1-based line (0-based and chunk-relative inside a worker).
    pub line: u64,
    /// Why it was skipped.
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

    /// Turns chunk-relative 0-based skip lines into absolute locations in `file`.
    pub fn locate(&mut self, file: &str, first_line: u64) {
        for skip in &mut self.skipped_at {
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
        self.skipped += other.skipped;
        let room = MAX_LOCATIONS.saturating_sub(self.skipped_at.len());
        self.skipped_at
            .extend(other.skipped_at.into_iter().take(room));
        self.inputs.extend(other.inputs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
