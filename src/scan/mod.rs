//! The scan pipeline: inputs → blocks of lines → candidate pod requests → findings.
//!
//! For each input, in argument order:
//! 1. detect the layout (SPEC §3): JSON lines, or one JSON document spread over many lines;
//! 2. JSON lines from a mapped file are split into newline-aligned chunks
//!    ([`crate::input::chunk`]) that rayon scans in parallel ([`block::scan_lines`]); streamed
//!    input is cut into blocks by a reader thread and scanned the same way as blocks arrive;
//! 3. the per-chunk results are merged in input order, shifting each chunk's line numbers by the
//!    newline count of the chunks before it (a prefix sum, no second pass);
//!
//! and finally [`select::select`] keeps one finding per request (§4.3). Nothing here prints;
//! errors with one input are collected and the others are still scanned.

pub mod block;
pub mod prefilter;
pub mod select;

use std::io::Read;
use std::path::PathBuf;
use std::sync::mpsc;

use rayon::prelude::*;
use serde::de::IgnoredAny;

use crate::finding::{Finding, Policy};
use crate::input::{self, Input, Opened, stream::LineBlocks};
use crate::stats::Stats;

use block::{BlockResult, Candidate};

/// The UTF-8 byte order mark, skipped at the start of an input.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How to read and split the inputs.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Memory-map files (else stream them).
    pub mmap: bool,
    /// Target size of a parallel chunk of a mapped file.
    pub chunk_size: usize,
    /// Target size of a block read from a stream.
    pub block_size: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            mmap: true,
            chunk_size: 4 << 20,
            block_size: 4 << 20,
        }
    }
}

/// The result of a whole run.
#[derive(Debug, Default)]
pub struct Scan {
    /// One per request, in input order.
    pub findings: Vec<Finding>,
    /// What was read.
    pub stats: Stats,
    /// Inputs that could not be read (fully); each message names the input.
    pub errors: Vec<String>,
}

/// The pod requests and counters of one input.
#[derive(Debug, Default)]
pub struct InputScan {
    /// Candidates with absolute line numbers and the input's name filled in.
    pub candidates: Vec<Candidate>,
    /// Counters, with absolute skip locations.
    pub stats: Stats,
}

/// Scans every path (files, directories, `-`) and selects the findings.
pub fn scan(paths: &[PathBuf], policy: &Policy, opts: &ScanOptions) -> Scan {
    let (inputs, errors) = input::expand(paths);
    let mut scan = Scan {
        errors: errors.iter().map(|e| format!("{e:#}")).collect(),
        ..Scan::default()
    };
    let mut candidates = Vec::new();
    for input in &inputs {
        let (result, error) = scan_input(input, policy, opts);
        candidates.extend(result.candidates);
        scan.stats += result.stats;
        if let Some(e) = error {
            scan.errors.push(format!("{e:#}"));
        }
    }
    scan.findings = select::select(candidates);
    scan
}

/// Scans one input; an error still returns what was read before it.
fn scan_input(
    input: &Input,
    policy: &Policy,
    opts: &ScanOptions,
) -> (InputScan, Option<anyhow::Error>) {
    let opened = match input::open(input, opts.mmap) {
        Ok(opened) => opened,
        Err(e) => return (InputScan::default(), Some(e)),
    };
    match opened {
        Opened::Whole(source) => (
            scan_bytes(&input.name, &source, policy, Some(opts.chunk_size)),
            None,
        ),
        Opened::Stream(reader) => scan_stream(&input.name, reader, policy, opts),
    }
}

/// The shape of an input's content (SPEC §3 items 1–3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// One JSON value per line.
    Lines,
    /// One JSON document starting at this byte offset and 0-based line, over many lines.
    Document { start: usize, line: u64 },
}

/// Tells a multi-line document from JSON lines: the first non-blank line is not valid JSON on
/// its own, but everything from there on is one JSON value.
fn layout(body: &[u8]) -> Layout {
    let Some(start) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Layout::Lines;
    };
    if !matches!(body[start], b'{' | b'[') {
        return Layout::Lines;
    }
    let rest = &body[start..];
    let first_line = memchr::memchr(b'\n', rest).map_or(rest, |i| &rest[..i]);
    if first_line.len() == rest.len() || serde_json::from_slice::<IgnoredAny>(first_line).is_ok() {
        return Layout::Lines;
    }
    if serde_json::from_slice::<IgnoredAny>(rest).is_ok() {
        let line = memchr::memchr_iter(b'\n', &body[..start]).count() as u64;
        return Layout::Document { start, line };
    }
    Layout::Lines
}

/// Scans a whole input held in memory. `chunk_size` `None` is the sequential path (one block),
/// the oracle the parallel path is tested against.
pub fn scan_bytes(
    name: &str,
    bytes: &[u8],
    policy: &Policy,
    chunk_size: Option<usize>,
) -> InputScan {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let blocks = match layout(body) {
        Layout::Document { start, line } => {
            let mut doc = block::scan_document(&body[start..], line, policy);
            doc.newlines = memchr::memchr_iter(b'\n', body).count() as u64;
            doc.stats.lines = doc.newlines + u64::from(body.last().is_some_and(|&b| b != b'\n'));
            vec![doc]
        }
        Layout::Lines => match chunk_size {
            None => vec![block::scan_lines(body, policy)],
            Some(size) => input::chunk::split(body, size)
                .into_par_iter()
                .map(|range| block::scan_lines(&body[range], policy))
                .collect(),
        },
    };
    let mut scan = merge(name, blocks, 0);
    scan.stats.files = 1;
    scan.stats.bytes = bytes.len() as u64;
    scan
}

/// Joins block results in order, making lines absolute (1-based) from `first_line` (0-based).
fn merge(name: &str, blocks: Vec<BlockResult>, first_line: u64) -> InputScan {
    let mut out = InputScan::default();
    let mut base = first_line;
    for mut block in blocks {
        for mut c in block.candidates {
            c.line += base + 1;
            if let Some(f) = &mut c.finding {
                name.clone_into(&mut f.file);
                f.line = c.line;
            }
            out.candidates.push(c);
        }
        block.stats.locate(name, base + 1);
        out.stats += block.stats;
        base += block.newlines;
    }
    out
}

/// Scans a stream: a reader thread cuts blocks of whole lines into a bounded channel, rayon
/// scans them as they come, and the results are put back in order. A document (§3 item 3) is
/// read whole and scanned like a file.
fn scan_stream(
    name: &str,
    reader: Box<dyn Read + Send>,
    policy: &Policy,
    opts: &ScanOptions,
) -> (InputScan, Option<anyhow::Error>) {
    let mut blocks = LineBlocks::new(reader, opts.block_size);
    let first = match blocks.next() {
        None => return (empty_input(), None),
        Some(Err(e)) => return (empty_input(), Some(read_error(name, &e, 0))),
        Some(Ok(first)) => first,
    };
    if might_be_document(&first) {
        let mut all = first;
        for block in blocks {
            match block {
                Ok(b) => all.extend_from_slice(&b),
                Err(e) => {
                    let bytes = all.len() as u64;
                    return (
                        scan_bytes(name, &all, policy, None),
                        Some(read_error(name, &e, bytes)),
                    );
                }
            }
        }
        return (scan_bytes(name, &all, policy, None), None);
    }
    let depth = rayon::current_num_threads() * 2;
    let (tx, rx) = mpsc::sync_channel::<(usize, Vec<u8>)>(depth);
    let (mut results, read) = std::thread::scope(|s| {
        let reader = s.spawn(move || feed(first, blocks, &tx));
        let results: Vec<(usize, u64, BlockResult)> = rx
            .into_iter()
            .par_bridge()
            .map(|(seq, block)| {
                let body = if seq == 0 {
                    block.strip_prefix(BOM).unwrap_or(&block)
                } else {
                    &block
                };
                (seq, block.len() as u64, block::scan_lines(body, policy))
            })
            .collect();
        (results, reader.join())
    });
    results.sort_unstable_by_key(|r| r.0);
    let bytes = results.iter().map(|r| r.1).sum();
    let mut scan = merge(name, results.into_iter().map(|r| r.2).collect(), 0);
    scan.stats.files = 1;
    scan.stats.bytes = bytes;
    let error = match read {
        Ok(None) => None,
        Ok(Some(e)) => Some(read_error(name, &e, bytes)),
        Err(_) => Some(anyhow::anyhow!("{name}: the reader thread failed")),
    };
    (scan, error)
}

/// Sends the blocks into the channel in order; returns the read error that ended it, if any.
fn feed(
    first: Vec<u8>,
    blocks: LineBlocks<Box<dyn Read + Send>>,
    tx: &mpsc::SyncSender<(usize, Vec<u8>)>,
) -> Option<std::io::Error> {
    if tx.send((0, first)).is_err() {
        return None;
    }
    for (seq, block) in blocks.enumerate() {
        match block {
            Ok(b) => {
                if tx.send((seq + 1, b)).is_err() {
                    return None;
                }
            }
            Err(e) => return Some(e),
        }
    }
    None
}

/// An input with nothing in it still counts as scanned.
fn empty_input() -> InputScan {
    InputScan {
        stats: Stats {
            files: 1,
            ..Stats::default()
        },
        ..InputScan::default()
    }
}

/// A read error that says how far the input was read.
fn read_error(name: &str, e: &std::io::Error, bytes: u64) -> anyhow::Error {
    anyhow::anyhow!(
        "{name}: read error after {bytes} bytes: {e}; the findings before that point are reported"
    )
}

/// Could a stream starting with `block` be one multi-line document? (Its first non-blank line
/// opens a JSON value that does not close on that line.)
fn might_be_document(block: &[u8]) -> bool {
    let body = block.strip_prefix(BOM).unwrap_or(block);
    match body.iter().position(|b| !b.is_ascii_whitespace()) {
        Some(start) if matches!(body[start], b'{' | b'[') => {
            let rest = &body[start..];
            let first_line = memchr::memchr(b'\n', rest).map_or(rest, |i| &rest[..i]);
            serde_json::from_slice::<IgnoredAny>(first_line).is_err()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests;
