//! The worker: one block of whole lines in, candidate pod (and workload) requests, workload
//! records and counters out.
//!
//! A pure function over a slice: no locks, no I/O, no printing. Line numbers in
//! the result are 0-based and relative to the block; the merge makes them absolute.
//!
//! Every line is looked at, but most only at their ends:
//! * a line [`triage_joined`] marks as a possible pod request is parsed in full and judged; in
//!   default mode, so is a line it marks as a possible workload write, whose successful writes
//!   become [`Staged`] workload records and which, with `--workloads`, is judged by its pod
//!   template as well;
//! * any other line is accepted as an audit event if it is framed like one the API server writes
//!   (`{"kind":"Event",…}`), and otherwise parsed just to tell whether it is an event, so that
//!   garbage is counted, never silently dropped;
//! * blank lines are ignored.

use crate::event::{self, LineError, Seen};
use crate::finding::Action;
use crate::rules::workload::{self as record, Staged};
use crate::rules::{self, Candidate, Mode, Policy};
use crate::stats::Stats;
use crate::suggest::Repositories;

use super::prefilter::{CANONICAL_PREFIXES, Triage, line_end, triage_joined};

/// Why an event cut short by its exporter was not parsed.
const TRUNCATED: &str = "event truncated by the exporter ([Truncated...]), not parsed";

/// What a worker returns for its block.
#[derive(Debug, Default)]
pub struct BlockResult {
    /// Newlines in the block: how far the next block's line numbers are shifted.
    pub newlines: u64,
    /// Pod requests (and, with `--workloads`, workload requests), in line order.
    pub candidates: Vec<Candidate>,
    /// Workload writes, in line order (default mode only).
    pub workloads: Vec<Staged>,
    /// Counters, with block-relative skip locations.
    pub stats: Stats,
    /// Accepted requests whose events stand for their requests whatever else is logged.
    pub accepted: Repositories,
}

/// Scans a block of JSON lines.
pub fn scan_lines(block: &[u8], policy: &Policy) -> BlockResult {
    let mut out = BlockResult::default();
    let mut start = 0;
    let mut line_no = 0;
    let gather = gathers_workloads(policy);
    while start < block.len() {
        let (end, joined) = line_end(block, start);
        let line = &block[start..end];
        match triage_joined(line, joined) {
            Triage::Parse => out.parse(line, line_no, policy),
            Triage::Workload if gather => out.parse(line, line_no, policy),
            Triage::Workload | Triage::Check => out.check(line, line_no),
        }
        out.stats.lines += 1;
        line_no += 1;
        start = end + 1;
    }
    // Every line but possibly the last ended with a newline.
    out.newlines = line_no - u64::from(block.last().is_some_and(|&b| b != b'\n'));
    out
}

/// The oracle for the prefilter: every non-blank line parsed in full, nothing skipped unread.
#[cfg(test)]
pub fn scan_lines_unfiltered(block: &[u8], policy: &Policy) -> BlockResult {
    let mut out = BlockResult::default();
    for (line_no, line) in (0u64..).zip(block.split(|&b| b == b'\n')) {
        if !line.trim_ascii().is_empty() {
            out.parse(line, line_no, policy);
        }
    }
    out
}

/// Scans one JSON document (a pretty-printed event, list or array) starting at `line`.
pub fn scan_document(doc: &[u8], line: u64, policy: &Policy) -> BlockResult {
    let mut out = BlockResult::default();
    out.parse(doc, line, policy);
    // The items of a batch start on lines of their own.
    if out.candidates.iter().any(|c| c.item.is_some()) {
        let starts = super::items::item_offsets(doc);
        for c in &mut out.candidates {
            if let Some(&at) = c.item.and_then(|i| starts.get(usize::try_from(i).ok()?)) {
                c.line = line + memchr::memchr_iter(b'\n', &doc[..at]).count() as u64;
            }
        }
    }
    out
}

/// Are workload writes gathered under `policy`? Only this tool's rules attribute findings.
fn gathers_workloads(policy: &Policy) -> bool {
    policy.mode == Mode::Default
}

impl BlockResult {
    /// Parses a line that may hold pod requests (or workload writes) and judges each one.
    fn parse(&mut self, line: &[u8], line_no: u64, policy: &Policy) {
        self.stats.parsed += 1;
        let gather = gathers_workloads(policy);
        let stats = &mut self.stats;
        let candidates = &mut self.candidates;
        let workloads = &mut self.workloads;
        let accepted = &mut self.accepted;
        let first = candidates.len();
        let mut item = 0;
        let result = event::for_each_event(line, &mut |ev| {
            item += 1;
            if let Some(verdict) = policy.consider(ev) {
                if policy.is_workload_request(ev) {
                    stats.workload_requests += 1;
                } else {
                    stats.pod_requests += 1;
                }
                let finding = verdict.into_finding();
                let follows_owner = gather
                    && finding
                        .as_ref()
                        .is_some_and(|f| matches!(f.action, Action::Create | Action::ApplyCreate));
                let mut c = Candidate::new(ev, line_no, finding);
                c.item = Some(item as u64 - 1);
                if follows_owner {
                    c.owner = record::pod_owner(ev).map(Box::new);
                }
                if policy.scope.collect_accepted
                    && let Some(a) = rules::accepted(ev, policy)
                {
                    if c.stands_alone() {
                        accepted.add(a);
                    } else {
                        c.accepted = Some(Box::new(a));
                    }
                }
                candidates.push(c);
            }
            // A workload write judged by its template (`--workloads`) is still recorded.
            if gather
                && let Some(mut staged) = record::record(ev, line_no, &policy.default_registry)
            {
                stats.workload_writes += 1;
                staged.record.position.item = item - 1;
                workloads.push(staged);
            }
        });
        // The n-th event of a batch came from the batch item `seen.items[n]`.
        let items = result
            .as_ref()
            .ok()
            .filter(|seen| seen.batch)
            .map(|seen| &seen.items);
        for c in &mut self.candidates[first..] {
            c.item = items.and_then(|items| {
                let nth = usize::try_from(c.item?).ok()?;
                items.get(nth).map(|&i| i as u64)
            });
        }
        self.count(line_no, result);
    }

    /// Checks a line that cannot hold a pod request: blank, event-shaped, or parsed to see.
    fn check(&mut self, line: &[u8], line_no: u64) {
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() {
            return;
        }
        // Only the API server's own start is taken on trust: a Kubernetes core Event starts
        // `{"kind":"Event",` too, and must be parsed to be told apart.
        if CANONICAL_PREFIXES.iter().any(|p| trimmed.starts_with(p)) && trimmed.ends_with(b"}") {
            self.stats.events += 1;
            return;
        }
        self.stats.parsed += 1;
        let result = event::for_each_event(trimmed, &mut |_| {});
        self.count(line_no, result);
    }

    /// Counts what a parsed line held, and why it (or something inside it) was skipped.
    fn count(&mut self, line_no: u64, result: Result<Seen, LineError>) {
        match result {
            Ok(seen) => {
                self.stats.events += seen.events as u64;
                for _ in 0..seen.truncated {
                    self.stats.skip(line_no, TRUNCATED.to_owned());
                }
                for e in seen.failed {
                    let why = match e {
                        LineError::Damaged(why) => why,
                        e => format!("inside a wrapped event: {e}"),
                    };
                    self.stats.skip(line_no, why);
                }
                for why in seen.repaired {
                    self.stats.repair(line_no, why);
                }
            }
            Err(e) => self.stats.skip(line_no, e.to_string()),
        }
    }
}
