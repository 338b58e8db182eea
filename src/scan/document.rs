//! Telling whether a stream is one multi-line JSON document (SPEC §3 item 3), with bounded memory.
//!
//! A mapped file is checked by parsing it in place. A stream has to be held to be parsed, so
//! this reads on from a first line that opens an unclosed JSON value only while the bytes so far
//! can still be one document, and never past [`ScanOptions::max_buffered`]: JSON lines whose
//! first line happens to be broken are recognised at the first syntax error and handed back as
//! line blocks; a real document larger than the limit is reported, not held.

use serde::de::IgnoredAny;

use super::ScanOptions;
use super::stream::Blocks;
use crate::input::chunk;
use crate::input::sniff::BOM;
use crate::input::stream::{Piece, ReadFailure};

/// How a stream that might be one multi-line document turned out.
pub(super) enum Prefix {
    /// It is not one document: these pieces, then the rest of the stream, are JSON lines.
    Lines(Vec<Piece>),
    /// The whole stream (at most the limit), to scan like a file; it ended with this error.
    Whole(Vec<u8>, Option<ReadFailure>),
    /// A document still open after this many bytes, more than the limit.
    TooLarge(u64),
}

/// Could a stream starting with `block` be one multi-line document? (Its first non-blank line
/// opens a JSON value that does not close on that line.)
pub(super) fn might_be_document(block: &[u8]) -> bool {
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

/// Is `text` (the start of a stream) still possibly one JSON document? `false` once it holds a
/// syntax error, or a complete value followed by more than whitespace.
fn still_one_document(text: &[u8]) -> bool {
    let body = text.strip_prefix(BOM).unwrap_or(text);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let mut values = serde_json::Deserializer::from_slice(&body[start..]).into_iter::<IgnoredAny>();
    match values.next() {
        None => true,
        Some(Ok(_)) => body[start + values.byte_offset()..]
            .iter()
            .all(u8::is_ascii_whitespace),
        Some(Err(e)) => e.is_eof(),
    }
}

/// Reads on from `first` while the stream may be one document, holding at most the limit.
/// Checks at doubling sizes, so the parsing costs at most twice the bytes held.
pub(super) fn read_document(first: Vec<u8>, blocks: &mut Blocks, opts: &ScanOptions) -> Prefix {
    let mut all = first;
    let mut next_check = 0;
    loop {
        let over = all.len() > opts.max_buffered;
        if over || all.len() >= next_check {
            if !still_one_document(&all) {
                return Prefix::Lines(pieces(&all, opts.block_size));
            }
            if over {
                return Prefix::TooLarge(all.len() as u64);
            }
            next_check = all.len().saturating_mul(2);
        }
        match blocks.next() {
            None => return Prefix::Whole(all, None),
            Some(Err(failure)) => return Prefix::Whole(all, Some(failure)),
            Some(Ok(Piece::Lines(more))) => all.extend_from_slice(&more),
            Some(Ok(oversized @ Piece::Oversized { .. })) => {
                if still_one_document(&all) {
                    return Prefix::TooLarge(all.len() as u64 + oversized.len());
                }
                let mut lines = pieces(&all, opts.block_size);
                lines.push(oversized);
                return Prefix::Lines(lines);
            }
        }
    }
}

/// Cuts held bytes back into line blocks for the parallel scan.
fn pieces(all: &[u8], block_size: usize) -> Vec<Piece> {
    chunk::split(all, block_size)
        .into_iter()
        .map(|range| Piece::Lines(all[range].to_vec()))
        .collect()
}
