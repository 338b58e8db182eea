//! The scan pipeline: inputs → blocks of lines → candidate pod requests → findings (and, in
//! default mode, the workload records attribution reads).
//!
//! For each input, in argument order:
//! 1. detect the layout (`document.rs`): JSON lines, or one JSON document spread over many lines;
//!    the API server's `legacy` text format is refused;
//! 2. JSON lines from a mapped file are split into newline-aligned chunks
//!    ([`crate::input::chunk`]) that rayon scans in parallel ([`block::scan_lines`]); streamed
//!    input (standard input, `--no-mmap`, gzip, zstd) is cut into blocks by a reader thread and
//!    scanned the same way as blocks arrive ([`stream`]);
//! 3. the per-chunk results are merged in input order, shifting each chunk's line numbers by the
//!    newline count of the chunks before it (a prefix sum, no second pass); chunks are handed to
//!    the workers in order and each result is merged as soon as the ones before it are
//!    ([`Ordered`]), so an input's result is never held twice, as blocks and as their merge;
//! 4. [`unrecognised`] judges an input that held no audit event: an error when the command line
//!    names it, ignored once when a directory walk met it;
//!
//! and finally [`record::select`] keeps one workload record per request,
//! [`rules::stage::chosen`] and [`rules::stage::keep`] one finding per request (its last stage,
//! see docs/events.md; the same event read from two inputs once), the scope filter (`--since`,
//! `--namespace`, …; [`crate::filter`]) the findings the run asked about, and only those are
//! attributed (`in_scope`).
//! Nothing here prints; errors with one input are collected (each naming the input and how far it
//! was read) and the others are still scanned. Workers report the bytes they have scanned through
//! a [`Counter`] (one atomic add per chunk), which only [`crate::progress`] reads.

pub mod block;
mod document;
pub mod inputs;
mod items;
pub mod prefilter;
pub mod stream;
mod unrecognised;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use rayon::prelude::*;

use crate::attribution::{OwnerRef, PodRequest, Records, WorkloadRecord, resolve};
use crate::filter::parse_time;
use crate::filter::{Admission, Filter, FilterStats};
use crate::finding::Finding;
use crate::input::decode::Meter;
use crate::input::sniff::{self, BOM, Compression};
use crate::input::{self, Input, Opened, Source};
use crate::progress::Counter;
use crate::rules::stage::{Kept, Pending};
use crate::rules::workload::{self as record, Staged};
use crate::rules::{self, Candidate, Policy};
use crate::stats::{ErrorKind, InputFormat, InputStats, RunError, RunErrorKind, Stats};
use crate::suggest::Repositories;

use block::BlockResult;
use document::Layout;
use unrecognised::Head;

/// How to read and split the inputs.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Memory-map files (else stream them).
    pub mmap: bool,
    /// Target size of a parallel chunk of a mapped file.
    pub chunk_size: usize,
    /// Target size of a block read from a stream.
    pub block_size: usize,
    /// The most a stream may hold in memory for one line, or for one multi-line document.
    /// Mapped files have no such limit.
    pub max_buffered: usize,
    /// Where to count scanned bytes for a progress bar, if one is drawn.
    pub progress: Option<Counter>,
    /// How many inputs are read at once (each stream by a reader thread of its own, its
    /// blocks scanned by the workers); 0: one per worker thread ([`inputs::in_flight`]).
    pub inputs_in_flight: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            mmap: true,
            chunk_size: 4 << 20,
            block_size: 1 << 20,
            max_buffered: 256 << 20,
            progress: None,
            inputs_in_flight: 0,
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
    /// The accepted pod requests in scope, when the policy collects them.
    pub accepted: Repositories,
    /// What the scope filter left out.
    pub filtered: FilterStats,
    /// One record per successful workload write, in input order, from all inputs (default mode;
    /// not scoped by the filter: an owner can be written before `--since`).
    pub workloads: Vec<WorkloadRecord>,
}

/// The pod requests and counters of one input.
#[derive(Debug, Default)]
pub struct InputScan {
    /// Candidates with absolute line numbers and the input's name filled in.
    pub candidates: Vec<Candidate>,
    /// Counters, with absolute skip locations.
    pub stats: Stats,
    /// Accepted requests counted as they were read (see [`crate::suggest`]).
    pub accepted: Repositories,
    /// Workload writes (every stage) with absolute lines and the input's name filled in; the
    /// input's index is filled in by [`scan`].
    pub workloads: Vec<Staged>,
}

/// Scans every path (files, directories, `-`), selects the findings and applies the scope
/// filter.
pub fn scan(paths: &[PathBuf], policy: &Policy, opts: &ScanOptions) -> Scan {
    let (inputs, errors) = input::expand(paths);
    let mut scan = Scan {
        errors: errors.iter().map(|e| format!("{e:#}")).collect(),
        ..Scan::default()
    };
    // Walking a directory failed without naming a file in it: no input's entry can say so.
    scan.stats.run_errors = scan
        .errors
        .iter()
        .map(|e| RunError::new(RunErrorKind::Unreadable, e.clone()))
        .collect();
    let sizes: Vec<Option<u64>> = inputs.iter().map(Input::size).collect();
    if let Some(progress) = &opts.progress {
        progress.set_total(sizes.iter().copied().sum());
    }
    // Up to `in_flight` inputs are read at once; their results come back in input order.
    let in_flight = inputs::in_flight(opts);
    let heads: Vec<Head> = inputs.iter().map(|_| Head::default()).collect();
    let jobs = inputs
        .iter()
        .zip(&sizes)
        .zip(&heads)
        .map(|((input, &size), head)| inputs::Job {
            name: input.name.clone(),
            size,
            open: Box::new(move || kept(input::open_shared(input, opts.mmap, in_flight), head)),
        })
        .collect();
    let results = inputs::scan_all(jobs, policy, opts);
    let mut candidates = Vec::new();
    let mut workloads = Vec::new();
    for (index, ((input, scanned), head)) in inputs.iter().zip(results).zip(&heads).enumerate() {
        let (mut result, mut errors) = summarize(&input.name, scanned);
        let named = unrecognised::is_named(input, paths);
        errors.extend(unrecognised::judge(named, head, &mut result));
        for s in &mut result.workloads {
            s.record.position.input = index;
        }
        gather(&mut candidates, result.candidates);
        gather(&mut workloads, result.workloads);
        scan.accepted += result.accepted;
        scan.stats += result.stats;
        scan.errors.extend(errors);
    }
    // Held to the end of the run: without slack.
    candidates.shrink_to_fit();
    workloads.shrink_to_fit();
    let unrecognised = unrecognised::check_run(paths, &inputs, &mut scan.stats);
    scan.errors.extend(unrecognised);
    // One candidate per request is kept first, then only the kept findings are attributed.
    // The workload records and the candidates are chosen from, and the records indexed while
    // the candidates are kept, on two threads: neither side reads the other's.
    let (selected, (chosen, identities)) = rayon::join(
        || record::select(workloads),
        || rules::stage::chosen(&candidates, policy.mode),
    );
    scan.workloads = selected;
    let (records, (kept, accepted)) = rayon::join(
        || Records::new(&scan.workloads),
        || rules::stage::keep(candidates, &chosen),
    );
    drop(chosen);
    scan.stats.duplicate_events += identities.duplicates;
    scan.stats.audit_id_collisions += identities.collisions;
    for a in accepted {
        scan.accepted.add(a);
    }
    let filter = &policy.scope.filter;
    (scan.findings, _) = in_scope(kept, &records, filter, &mut scan.filtered);
    scan
}

/// Appends `part` to `all`, moving the first part rather than copying it: one input's vectors
/// become the run's, and no second copy of them is ever held.
fn gather<T>(all: &mut Vec<T>, mut part: Vec<T>) {
    if all.is_empty() {
        *all = part;
    } else {
        all.append(&mut part);
    }
}

/// The kept findings the scope filter admits, attributed, in input order, and how many pod
/// creates were resolved. Without `--user` a finding is admitted or not whatever its initiator,
/// so the filter goes first and only the findings it admits are resolved; `--user` matches the
/// initiator too, so then every kept finding is resolved before the filter.
fn in_scope(
    mut kept: Kept,
    records: &Records<'_>,
    filter: &Filter,
    filtered: &mut FilterStats,
) -> (Vec<Finding>, usize) {
    let mut admit = |f: &Finding| match filter.admit(f.subject()) {
        Admission::In => true,
        Admission::Untimed => {
            filtered.kept_without_time += 1;
            true
        }
        Admission::Out => {
            filtered.excluded += 1;
            false
        }
    };
    if filter.reads_initiator() {
        let (mut findings, resolved) = attribute(kept, records);
        findings.retain(|f| admit(f));
        (findings, resolved)
    } else {
        kept.retain(&mut admit);
        attribute(kept, records)
    }
}

/// The findings of `kept`, in order, each pod create whose finding claims a controller
/// owner resolved by following its owner chain over the workload writes of the whole run
/// (docs/attribution.md), and how many were resolved. Every other finding keeps the attribution
/// its rule gave it: its own request, or none in Falco parity mode. The scan calls it on the
/// findings it keeps only (one per request, in scope), never on those choosing dropped.
///
/// On the run's threads when there are many: a resolution takes microseconds, so fewer than
/// [`BATCH`] are done on one thread and at least that many per task otherwise. Each finding is
/// attributed where it stands in the vector `keep` made, which becomes the run's: nothing is
/// moved or gathered again.
fn attribute(kept: Kept, records: &Records<'_>) -> (Vec<Finding>, usize) {
    attribute_in_tasks(kept, records, BATCH)
}

/// [`attribute`], with at least `batch` findings to a task.
fn attribute_in_tasks(kept: Kept, records: &Records<'_>, batch: usize) -> (Vec<Finding>, usize) {
    let Kept {
        mut findings,
        pending,
    } = kept;
    let resolved = pending.iter().filter(|p| p.owner.is_some()).count();
    findings
        .par_iter_mut()
        .zip(pending)
        .with_min_len(batch)
        .for_each(|(finding, pending)| attribute_one(finding, pending, records));
    (findings, resolved)
}

/// How many findings [`attribute`] hands each task at least.
const BATCH: usize = 256;

/// Resolves one pod create's finding (see [`attribute`]); a finding that claims no owner keeps
/// its attribution.
fn attribute_one(finding: &mut Finding, pending: Pending, records: &Records<'_>) {
    let Pending { owner, deferred } = pending;
    let Some(owner) = owner.as_deref() else {
        if let Some(deferred) = deferred {
            deferred.restore(finding);
        }
        return;
    };
    let disallowed = disallowed_references(finding);
    let attribution = if let Some(deferred) = deferred {
        // Its own request, left out while it was held: made only if it is the answer.
        let f: &Finding = finding;
        let pod = pod_request(f, owner, f.user.as_deref(), &disallowed);
        resolve(&pod, records, || deferred.requester(f))
    } else {
        let Some(requester) = finding
            .attribution
            .as_ref()
            .and_then(|a| a.initiator.as_ref())
        else {
            return;
        };
        let pod = pod_request(finding, owner, requester.user.as_deref(), &disallowed);
        resolve(&pod, records, || requester.clone())
    };
    finding.attribution = Some(attribution);
}

/// What the resolver reads of `finding`, a pod create by `user` that claims `owner`.
fn pod_request<'a>(
    finding: &'a Finding,
    owner: &'a OwnerRef,
    user: Option<&'a str>,
    disallowed: &'a [String],
) -> PodRequest<'a> {
    PodRequest {
        namespace: finding.namespace.as_deref(),
        owner: Some(owner),
        user,
        at: finding.time.as_deref().and_then(parse_time),
        disallowed,
    }
}

/// A finding's disallowed images in the normalized form workload records hold (an invalid
/// reference as written), in order.
fn disallowed_references(finding: &Finding) -> Vec<String> {
    let Some(containers) = &finding.containers else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for c in containers.iter().filter(|c| !c.allowed) {
        if let Some(reference) = c.reference.clone().or_else(|| c.image.clone())
            && !out.contains(&reference)
        {
            out.push(reference);
        }
    }
    out
}

/// What scanning one input gave, before it is summed up with the others.
#[derive(Debug, Default)]
pub struct Scanned {
    /// Candidates and counters.
    scan: InputScan,
    /// What went wrong, each naming the input; the scan holds what was read before.
    errors: Vec<anyhow::Error>,
    /// The layout found (`None` when the input could not be opened).
    format: Option<InputFormat>,
    /// The compression found, for a stream.
    compression: Option<Compression>,
    /// The compressed bytes consumed, for a compressed stream.
    meter: Option<Arc<Meter>>,
    /// The bytes its scan added to the progress counter as it went.
    reported: u64,
}

impl Scanned {
    /// An input that could not be opened (or read at all).
    fn failed(error: anyhow::Error) -> Scanned {
        Scanned {
            errors: vec![error],
            ..Scanned::default()
        }
    }

    /// A stream's result, with what was known of it when it was opened.
    fn streamed(self, streamed: stream::StreamScan) -> Scanned {
        Scanned {
            scan: streamed.scan,
            errors: streamed.errors,
            format: Some(streamed.format),
            ..self
        }
    }
}

/// Sums up one input: its result's stats carry the input's [`InputStats`] entry; the errors are
/// messages that name the input.
fn summarize(name: &str, scanned: Scanned) -> (InputScan, Vec<String>) {
    let Scanned {
        mut scan,
        errors,
        format,
        compression,
        meter,
        reported: _,
    } = scanned;
    let mut entry = InputStats::new(name);
    entry.error_kind = errors.first().map(|e| ErrorKind::of(e, format));
    let errors: Vec<String> = errors.iter().map(|e| format!("{e:#}")).collect();
    let compressed_bytes = meter.map(|m| m.consumed());
    entry.format = format;
    entry.compression = compression;
    entry.bytes = scan.stats.bytes;
    entry.compressed_bytes = compressed_bytes;
    entry.lines = scan.stats.lines;
    entry.error = (!errors.is_empty()).then(|| errors.join("; "));
    scan.stats.compressed_bytes = compressed_bytes.unwrap_or(0);
    scan.stats.inputs.push(entry);
    (scan, errors)
}

/// Scans an input opened as `opened` alone, on the current pool (as a run scans each of its
/// inputs), keeping its first bytes in `head`: an error still returns what was read before it.
#[cfg(test)]
fn scan_open_input(
    name: &str,
    opened: anyhow::Result<Opened>,
    policy: &Policy,
    opts: &ScanOptions,
    head: &Head,
) -> (InputScan, Vec<String>) {
    let job = inputs::Job {
        name: name.to_owned(),
        size: None,
        open: Box::new(move || kept(opened, head)),
    };
    let scanned = inputs::scan_all(vec![job], policy, opts)
        .pop()
        .unwrap_or_default();
    summarize(name, scanned)
}

/// Scans a file held whole (mapped), then checks that none of it was lost while it was read.
fn scan_source(name: &str, source: &Source, policy: &Policy, opts: &ScanOptions) -> Scanned {
    let (scan, format, error, reported) = scan_whole(name, source, policy, opts);
    // Only now, after the scan, can a file cut under its memory map be told.
    let lost = source.lost(name);
    Scanned {
        scan,
        errors: error.into_iter().chain(lost).collect(),
        format: Some(format),
        reported,
        ..Scanned::default()
    }
}

/// `opened`, keeping its first bytes in `head`: a mapped file's now, a stream's as they are
/// read.
fn kept(mut opened: anyhow::Result<Opened>, head: &Head) -> anyhow::Result<Opened> {
    match &mut opened {
        Ok(Opened::Whole(source)) => head.keep(source),
        Ok(Opened::Stream(stream)) => {
            let reader = std::mem::replace(&mut stream.reader, Box::new(std::io::empty()));
            stream.reader = head.tap(reader);
        }
        Err(_) => {}
    }
    opened
}

/// Scans an uncompressed input held whole (a mapped file), unless it is in the `legacy` format;
/// also says how many bytes it added to the progress counter.
fn scan_whole(
    name: &str,
    bytes: &[u8],
    policy: &Policy,
    opts: &ScanOptions,
) -> (InputScan, InputFormat, Option<anyhow::Error>, u64) {
    if sniff::starts_legacy(bytes) {
        return (
            InputScan::default(),
            InputFormat::Legacy,
            Some(legacy_error(name)),
            0,
        );
    }
    let chunking = Chunking::Parallel(opts.chunk_size, opts.progress.as_ref());
    let (scan, layout) = scan_body(name, bytes, policy, chunking);
    // The chunks of JSON lines count their bytes as they are scanned (not a BOM); a document
    // counts nothing.
    let reported = match (layout, &opts.progress) {
        (Layout::Lines, Some(_)) => bytes.strip_prefix(BOM).unwrap_or(bytes).len() as u64,
        _ => 0,
    };
    (scan, layout.format(bytes), None, reported)
}

/// Why an input in the `legacy` format is refused, and what to do instead.
fn legacy_error(name: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{name}: this is the API server's `legacy` audit log format (`… AUDIT: id=\"…\" …` \
         lines), which does not record request bodies, so pod images cannot be checked; it was \
         not scanned. Run the API server with --audit-log-format=json (the default) and scan \
         the JSON logs it writes"
    )
}

/// How [`scan_body`] splits JSON lines.
#[derive(Debug, Clone, Copy)]
enum Chunking<'a> {
    /// One block, scanned on this thread: the oracle the parallel path is tested against.
    Sequential,
    /// Chunks of about this size, scanned in parallel, each adding its size to the counter.
    Parallel(usize, Option<&'a Counter>),
}

/// Scans a whole input held in memory. `chunk_size` `None` is the sequential path (one block),
/// the oracle the parallel path is tested against.
pub fn scan_bytes(
    name: &str,
    bytes: &[u8],
    policy: &Policy,
    chunk_size: Option<usize>,
) -> InputScan {
    let chunking = chunk_size.map_or(Chunking::Sequential, |size| Chunking::Parallel(size, None));
    scan_body(name, bytes, policy, chunking).0
}

/// [`scan_bytes`], also telling the layout it found.
fn scan_body(
    name: &str,
    bytes: &[u8],
    policy: &Policy,
    chunking: Chunking<'_>,
) -> (InputScan, Layout) {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let layout = document::layout(body);
    let mut scan = match layout {
        Layout::Document { start, line } => {
            let mut doc = block::scan_document(&body[start..], line, policy);
            doc.newlines = memchr::memchr_iter(b'\n', body).count() as u64;
            doc.stats.lines = doc.newlines + u64::from(body.last().is_some_and(|&b| b != b'\n'));
            merge(name, vec![doc], 0)
        }
        Layout::Lines => match chunking {
            Chunking::Sequential => merge(name, vec![block::scan_lines(body, policy)], 0),
            Chunking::Parallel(size, progress) => {
                // Chunks are handed out in order and merged as soon as their turn comes, so
                // only the results waiting for an earlier chunk are held besides the input's.
                let ordered = Mutex::new(Ordered::new(name));
                let chunks = input::chunk::split(body, size).into_iter().enumerate();
                chunks.par_bridge().for_each(|(seq, range)| {
                    let len = range.len() as u64;
                    let result = block::scan_lines(&body[range], policy);
                    if let Some(progress) = progress {
                        progress.add(len);
                    }
                    let mut ordered = ordered.lock().unwrap_or_else(PoisonError::into_inner);
                    ordered.push(seq, result);
                });
                let ordered = ordered.into_inner().unwrap_or_else(PoisonError::into_inner);
                debug_assert!(!ordered.order.is_waiting(), "every chunk was merged");
                ordered.scan
            }
        },
    };
    scan.stats.files = 1;
    scan.stats.bytes = bytes.len() as u64;
    (scan, layout)
}

/// Joins block results in order, making lines absolute (1-based) from `first_line` (0-based).
fn merge(name: &str, blocks: Vec<BlockResult>, first_line: u64) -> InputScan {
    let mut out = InputScan::default();
    let file: Arc<str> = Arc::from(name);
    let mut base = first_line;
    for block in blocks {
        base += absorb(&mut out, &file, block, base);
    }
    out
}

/// Moves one block's results into `out`, the input's so far, making its lines absolute
/// (1-based) from `base`, the 0-based line it starts at, in input `file`; says how many
/// newlines it held.
fn absorb(out: &mut InputScan, file: &Arc<str>, mut block: BlockResult, base: u64) -> u64 {
    for mut c in block.candidates {
        c.place(file, base);
        out.candidates.push(c);
    }
    for mut s in block.workloads {
        let r = &mut s.record;
        r.position.line += base + 1;
        r.requester.file = crate::attribution::shared(file);
        out.workloads.push(s);
    }
    block.stats.locate(file, base + 1);
    out.stats += block.stats;
    out.accepted += block.accepted;
    block.newlines
}

/// Block results put back in input order as they arrive, each merged into the input's scan
/// as soon as every earlier one is.
struct Ordered {
    /// The input's name.
    file: Arc<str>,
    /// The results that arrived before their turn.
    order: InOrder<BlockResult>,
    /// The 0-based line the next block starts at.
    base: u64,
    /// What has been merged.
    scan: InputScan,
}

impl Ordered {
    /// Nothing merged yet, of input `name`.
    fn new(name: &str) -> Ordered {
        Ordered {
            file: Arc::from(name),
            order: InOrder::default(),
            base: 0,
            scan: InputScan::default(),
        }
    }

    /// Takes the result of block `seq` and merges every result whose turn has come.
    fn push(&mut self, seq: usize, result: BlockResult) {
        self.order.insert(seq, result);
        while let Some(block) = self.order.pop_next() {
            self.base += absorb(&mut self.scan, &self.file, block, self.base);
        }
    }
}

/// Items numbered 0, 1, 2, … that arrive in any order, taken out in order: the results of an
/// input's chunks or blocks, scanned by whichever worker was free.
struct InOrder<T> {
    /// The number of the next item to take out.
    next: usize,
    /// Items that arrived before their turn.
    pending: BTreeMap<usize, T>,
}

impl<T> Default for InOrder<T> {
    fn default() -> Self {
        InOrder {
            next: 0,
            pending: BTreeMap::new(),
        }
    }
}

impl<T> InOrder<T> {
    /// Holds item `seq` until its turn.
    fn insert(&mut self, seq: usize, item: T) {
        self.pending.insert(seq, item);
    }

    /// The next item, if it has arrived.
    fn pop_next(&mut self) -> Option<T> {
        let item = self.pending.remove(&self.next)?;
        self.next += 1;
        Some(item)
    }

    /// How many items have been taken out.
    fn taken(&self) -> usize {
        self.next
    }

    /// Whether an item is held that waits for an earlier one.
    fn is_waiting(&self) -> bool {
        !self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests;
