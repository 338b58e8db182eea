//! Reading a stream (standard input, `--no-mmap`, gzip, zstd, xz, bzip2, objects) into blocks
//! of whole lines, and putting the blocks' results back in order.
//!
//! A stream is read by a **reader** thread of its own ([`read`]): it decodes the input and cuts
//! it into blocks of whole lines ([`LineBlocks`]), and hands each block on (to
//! [`super::inputs`], which has the rayon workers scan it with [`block::scan_lines`], exactly as
//! they scan the chunks of a mapped file). Blocks are handed on only against a permit of the
//! input's bounded pool, given back when the block has been scanned, so a reader never runs more
//! than a few blocks ahead of the workers. A [`Merger`] puts the results back in input order as
//! they finish, shifting line numbers by the newlines before each block, and keeps only what a
//! mapped scan keeps.
//!
//! So memory is a few blocks plus the pod-request candidates, whatever the input's size. Two
//! things would need a whole input in memory, and both are capped at
//! [`ScanOptions::max_buffered`] (256 MiB): a single line (a longer one is read past and reported
//! as an error for its input) and a multi-line JSON document (it has to be parsed
//! whole; a longer one is refused with an error). Of the streams read at once, only one at a time
//! may hold a document (the run's document permit). Mapped files have neither limit.
//!
//! A read error — a truncated or corrupt archive, a failing disk — ends the input: the complete
//! lines before it are scanned and their findings kept, and the error names the input, where the
//! damage is and the line reached.

use std::sync::Arc;

use super::document::{Prefix, might_be_document, read_document};
use super::inputs::{Permit, Permits};
use super::{Chunking, InOrder, InputScan, ScanOptions, absorb, legacy_error, scan_body};
use crate::input::Stream;
use crate::input::decode::DecodeError;
use crate::input::lines::{LineBlocks, Piece, ReadFailure};
use crate::input::sniff::{self, BOM};
use crate::rules::Policy;
use crate::stats::{InputFormat, Stats};

use super::block::{self, BlockResult};

/// The result of scanning one stream.
#[derive(Debug)]
pub struct StreamScan {
    /// Candidates and counters, as for a mapped input.
    pub scan: InputScan,
    /// The layout of the decoded content.
    pub format: InputFormat,
    /// What went wrong, each naming the input; the scan holds what was read before.
    pub errors: Vec<anyhow::Error>,
}

impl StreamScan {
    /// A stream with nothing in it.
    pub(super) fn empty() -> Self {
        StreamScan {
            scan: InputScan {
                stats: Stats {
                    files: 1,
                    ..Stats::default()
                },
                ..InputScan::default()
            },
            format: InputFormat::Empty,
            errors: Vec::new(),
        }
    }
}

/// Scans one stream: JSON lines in parallel blocks as they are read, or a multi-line document
/// (held whole, up to the limit) like a file. The `legacy` format is refused. (A run scans its
/// streams together, [`super::inputs`]; this is one stream alone, for the tests.)
#[cfg(test)]
pub fn scan_stream(name: &str, stream: Stream, policy: &Policy, opts: &ScanOptions) -> StreamScan {
    super::inputs::scan_stream(name, stream, policy, opts)
}

/// How a stream's reading ended, after the pieces it handed on.
pub(super) enum End {
    /// JSON lines: this many pieces were handed on; the read error that ended the input, if
    /// any.
    Lines {
        /// Pieces handed on.
        pieces: usize,
        /// The read error that ended the input.
        failure: Option<ReadFailure>,
    },
    /// The whole stream, held to be scanned like a file (a multi-line document, or a short
    /// stream that began like one), with the read error that ended it and the document permit
    /// that allowed holding it.
    Whole(Vec<u8>, Option<ReadFailure>, Option<Permit>),
    /// Nothing to scan: the result is already known (an empty stream, the legacy format, a
    /// document over the limit, a read error before the first line).
    Done(Box<StreamScan>),
}

/// Reads `stream` (named `name`) on the calling thread, a reader thread of its own: hands each
/// piece of JSON lines, in order, to `hand_on` (which returns `false` when nobody takes pieces
/// any more), and says how the reading ended. A stream that may be one multi-line document is
/// held whole, at most up to the limit, and only under a permit of `documents`.
pub(super) fn read(
    name: &str,
    stream: Stream,
    opts: &ScanOptions,
    documents: &Arc<Permits>,
    mut hand_on: impl FnMut(Piece) -> bool,
) -> End {
    let mut blocks = LineBlocks::new(stream.reader, opts.block_size, opts.max_buffered);
    let first = match blocks.next() {
        None => return End::Done(Box::new(StreamScan::empty())),
        Some(Err(failure)) => {
            let mut result = StreamScan::empty();
            result.format = InputFormat::JsonLines;
            result.scan.stats.bytes = failure.partial;
            result.errors.push(read_error(name, &failure, 0, 0));
            return End::Done(Box::new(result));
        }
        Some(Ok(first)) => first,
    };
    let mut held = None;
    let prefix = match first {
        Piece::Lines(first) if sniff::starts_legacy(&first) => {
            return End::Done(Box::new(StreamScan {
                scan: InputScan::default(),
                format: InputFormat::Legacy,
                errors: vec![legacy_error(name)],
            }));
        }
        Piece::Lines(first) if might_be_document(&first) => {
            held = documents.acquire();
            match read_document(first, &mut blocks, opts) {
                Prefix::Lines(pieces) => pieces,
                Prefix::Whole(all, failure) => return End::Whole(all, failure, held),
                Prefix::TooLarge(bytes) => {
                    return End::Done(Box::new(too_large(name, bytes, opts)));
                }
            }
        }
        first => vec![first],
    };
    let mut pieces = 0;
    let mut prefix_left = prefix.len();
    for piece in prefix.into_iter().map(Ok).chain(blocks) {
        match piece {
            Ok(piece) => {
                if !hand_on(piece) {
                    break;
                }
                pieces += 1;
            }
            Err(failure) => {
                return End::Lines {
                    pieces,
                    failure: Some(failure),
                };
            }
        }
        // The held prefix of a stream that was not one document has been handed on.
        prefix_left = prefix_left.saturating_sub(1);
        if prefix_left == 0 {
            held = None;
        }
    }
    drop(held);
    End::Lines {
        pieces,
        failure: None,
    }
}

/// Scans a stream held whole (a document, or a short stream that began like one).
pub(super) fn scan_whole_stream(
    name: &str,
    all: &[u8],
    failure: Option<ReadFailure>,
    policy: &Policy,
    opts: &ScanOptions,
) -> StreamScan {
    let chunking = Chunking::Parallel(opts.chunk_size, None);
    let (mut scan, layout) = scan_body(name, all, policy, chunking);
    let mut errors = Vec::new();
    if let Some(failure) = failure {
        let (bytes, lines) = (scan.stats.bytes, scan.stats.lines);
        scan.stats.bytes += failure.partial;
        errors.push(read_error(name, &failure, bytes, lines));
    }
    StreamScan {
        scan,
        format: layout.format(all),
        errors,
    }
}

/// A document too large to hold: nothing is scanned.
fn too_large(name: &str, bytes: u64, opts: &ScanOptions) -> StreamScan {
    let mut result = StreamScan::empty();
    result.format = InputFormat::Document;
    result.scan.stats.bytes = bytes;
    result.errors.push(anyhow::anyhow!(
        "{name}: starts a multi-line JSON document that is still open after {} (read \
         {bytes} bytes); a document read from a stream (standard input, --no-mmap, gzip or \
         zstd) is held in memory to be parsed, and that is limited to {}, so it was not \
         scanned. Decompress it to a file and scan that without --no-mmap, or turn it into JSON \
         lines first (for an EventList: `jq -c '.items[]'`)",
        size(opts.max_buffered),
        size(opts.max_buffered),
    ));
    result
}

/// `256 MiB`, or a byte count when not a whole number of MiB.
fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// What a worker returns for one piece.
pub(super) struct PieceResult {
    /// Input bytes the piece covered.
    bytes: u64,
    /// Its candidates and counters.
    block: BlockResult,
    /// It was a line too long to scan.
    oversized: bool,
}

/// Scans one piece; the first piece of a stream may start with a BOM.
pub(super) fn scan_piece(seq: usize, piece: Piece, policy: &Policy) -> PieceResult {
    match piece {
        Piece::Lines(lines) => {
            let body = if seq == 0 {
                lines.strip_prefix(BOM).unwrap_or(&lines)
            } else {
                &lines
            };
            PieceResult {
                bytes: lines.len() as u64,
                block: block::scan_lines(body, policy),
                oversized: false,
            }
        }
        Piece::Oversized { bytes, newline } => {
            let mut block = BlockResult {
                newlines: u64::from(newline),
                ..BlockResult::default()
            };
            block.stats.lines = 1;
            PieceResult {
                bytes,
                block,
                oversized: true,
            }
        }
    }
}

/// Puts piece results back in input order as they arrive.
pub(super) struct Merger {
    /// The input's name, for locations.
    file: Arc<str>,
    /// Results that arrived before their turn.
    order: InOrder<PieceResult>,
    /// What has been merged.
    scan: InputScan,
    /// Newlines before the next piece (0-based line of its first line).
    line_base: u64,
    /// Bytes covered by the merged pieces.
    bytes: u64,
    /// Lines too long to scan: how many, and the first one's line.
    oversized: (u64, u64),
    /// A piece's scan panicked (a bug): the input's result is not to be trusted.
    panicked: bool,
}

impl Merger {
    /// An empty merge for input `name`.
    pub(super) fn new(name: &str) -> Self {
        Merger {
            file: Arc::from(name),
            order: InOrder::default(),
            scan: InputScan::default(),
            line_base: 0,
            bytes: 0,
            oversized: (0, 0),
            panicked: false,
        }
    }

    /// How many pieces have been merged.
    pub(super) fn merged(&self) -> usize {
        self.order.taken()
    }

    /// Takes the result of piece `seq` (`None` if its scan panicked) and merges every result
    /// whose turn has come.
    pub(super) fn push(&mut self, seq: usize, result: Option<PieceResult>) {
        let result = result.unwrap_or_else(|| {
            self.panicked = true;
            PieceResult {
                bytes: 0,
                block: BlockResult::default(),
                oversized: false,
            }
        });
        self.order.insert(seq, result);
        while let Some(result) = self.order.pop_next() {
            self.absorb(result);
        }
    }

    /// Merges the next piece's result.
    fn absorb(&mut self, result: PieceResult) {
        if result.oversized {
            if self.oversized.0 == 0 {
                self.oversized.1 = self.line_base + 1;
            }
            self.oversized.0 += 1;
        }
        self.line_base += absorb(&mut self.scan, &self.file, result.block, self.line_base);
        self.bytes += result.bytes;
    }

    /// The input's scan, with its errors; `read` is the read error that ended it.
    pub(super) fn finish(mut self, read: Option<ReadFailure>) -> StreamScan {
        debug_assert!(!self.order.is_waiting(), "every piece arrived");
        let name = &*self.file;
        if self.panicked {
            let mut result = StreamScan::empty();
            result.format = InputFormat::JsonLines;
            result.errors.push(anyhow::anyhow!(
                "{name}: the scan failed (a thread panicked)"
            ));
            return result;
        }
        self.scan.stats.files = 1;
        self.scan.stats.bytes = self.bytes;
        let mut errors = Vec::new();
        if self.oversized.0 > 0 {
            errors.push(oversized_error(name, self.oversized));
        }
        if let Some(failure) = read {
            errors.push(read_error(
                name,
                &failure,
                self.bytes,
                self.scan.stats.lines,
            ));
            self.scan.stats.bytes += failure.partial;
        }
        StreamScan {
            scan: self.scan,
            format: InputFormat::JsonLines,
            errors,
        }
    }
}

/// Lines that were too long to hold in memory, and what to do about them.
fn oversized_error(name: &str, (count, first): (u64, u64)) -> anyhow::Error {
    let what = if count == 1 {
        format!("line {first} is")
    } else {
        format!("{count} lines (the first is line {first}) are")
    };
    anyhow::anyhow!(
        "{name}: {what} longer than a line read from a stream (standard input, --no-mmap, gzip \
         or zstd) may be in memory, so it was not scanned. Decompress the input to a file and \
         scan that without --no-mmap: mapped files have no line limit"
    )
}

/// A read error that says how far the input was read (`bytes` and `lines` delivered before it)
/// and what to do.
fn read_error(name: &str, failure: &ReadFailure, bytes: u64, lines: u64) -> anyhow::Error {
    let error = &failure.error;
    let reached = if lines == 0 {
        "no complete line came before it".to_owned()
    } else {
        format!("the findings in the {lines} complete lines before it are reported")
    };
    let rest = if failure.partial > 0 {
        format!(
            "; the incomplete line after them ({} bytes) and the rest of the input were not \
             scanned",
            failure.partial
        )
    } else {
        "; the rest of the input was not scanned".to_owned()
    };
    let decoded = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<DecodeError>());
    match decoded {
        // A decoding error already says where, in compressed and decompressed bytes.
        Some(decode) if decode.advice().is_empty() => {
            anyhow::anyhow!("{name}: {error}; {reached}{rest}")
        }
        Some(decode) => anyhow::anyhow!("{name}: {error}; {reached}{rest}. {}", decode.advice()),
        None => anyhow::anyhow!("{name}: read error after {bytes} bytes: {error}; {reached}{rest}"),
    }
}

#[cfg(test)]
mod tests;
