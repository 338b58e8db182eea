//! Telling one multi-line JSON document from JSON lines, for a whole input or, with bounded
//! memory, for a stream.
//!
//! An input is one document when its first non-blank line opens a JSON value (`{` or `[`) that
//! does not close on that line, and everything from that line on is one JSON value; otherwise it
//! is JSON lines. [`layout`] decides that for an input held whole (a mapped file is parsed in
//! place). A stream has to be held to be parsed, so [`read_document`] reads on from a first line
//! that [`might_be_document`] only while the bytes so far can still be one document, and never
//! past [`ScanOptions::max_buffered`]: JSON lines whose first line happens to be broken are
//! recognised at the first syntax error and handed back as line blocks; a real document larger
//! than the limit is reported, not held.

use std::io::Read;

use serde::de::IgnoredAny;

use super::ScanOptions;
use crate::input::chunk;
use crate::input::lines::{LineBlocks, Piece, ReadFailure};
use crate::input::sniff::{self, BOM};
use crate::stats::InputFormat;

/// The shape of an input's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    /// One JSON value per line.
    Lines,
    /// One JSON document starting at this byte offset and 0-based line, over many lines.
    Document { start: usize, line: u64 },
}

impl Layout {
    /// How the summary names this layout of `bytes`.
    pub(super) fn format(self, bytes: &[u8]) -> InputFormat {
        match self {
            Layout::Document { .. } => InputFormat::Document,
            Layout::Lines if bytes.is_empty() => InputFormat::Empty,
            Layout::Lines => InputFormat::JsonLines,
        }
    }
}

/// Does `line` (a first non-blank line) open a JSON value that does not close on it?
fn opens_unclosed_value(line: &[u8]) -> bool {
    matches!(line.first(), Some(b'{' | b'[')) && serde_json::from_slice::<IgnoredAny>(line).is_err()
}

/// The layout of `body`, an input held whole (without its BOM): one document if its first
/// non-blank line opens a value that does not close on it, and everything from there on is one
/// JSON value.
pub(super) fn layout(body: &[u8]) -> Layout {
    let Some((start, first_line)) = sniff::first_line(body, usize::MAX) else {
        return Layout::Lines;
    };
    let rest = &body[start..];
    // A single line is JSON lines whatever it holds (and is not parsed twice to learn that).
    if first_line.len() == rest.len() || !opens_unclosed_value(first_line) {
        return Layout::Lines;
    }
    if serde_json::from_slice::<IgnoredAny>(rest).is_ok() {
        let line = memchr::memchr_iter(b'\n', &body[..start]).count() as u64;
        return Layout::Document { start, line };
    }
    Layout::Lines
}

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
    sniff::first_line(body, usize::MAX).is_some_and(|(_, line)| opens_unclosed_value(line))
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
pub(super) fn read_document<R: Read>(
    first: Vec<u8>,
    blocks: &mut LineBlocks<R>,
    opts: &ScanOptions,
) -> Prefix {
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
                    return Prefix::TooLarge(all.len() as u64 + oversized.input_bytes());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_eq!(layout(b""), Layout::Lines);
        assert_eq!(layout(b"{\"a\":1}\n{\"a\":2}\n"), Layout::Lines);
        assert_eq!(
            layout(b"\n\n{\n  \"a\": 1\n}\n"),
            Layout::Document { start: 2, line: 2 }
        );
        assert_eq!(layout(b"[\n1,\n2]"), Layout::Document { start: 0, line: 0 });
        assert_eq!(layout(b"{\"a\":\n1}\n{\"b\":2}\n"), Layout::Lines);
        assert_eq!(layout(b"garbage\n{\"a\":1}"), Layout::Lines);
    }

    #[test]
    fn a_stream_might_be_a_document_when_its_first_line_opens_an_unclosed_value() {
        assert!(might_be_document(b"\xEF\xBB\xBF\r\n {\n"));
        assert!(might_be_document(b"[\n1,"));
        assert!(might_be_document(b"{\"a\":"));
        assert!(!might_be_document(b"{\"a\":1}\n{\n"));
        assert!(!might_be_document(b"garbage {\n"));
        assert!(!might_be_document(b" \n\t"));
    }

    #[test]
    fn still_one_document_until_a_syntax_error_or_a_second_value() {
        assert!(still_one_document(b"\xEF\xBB\xBF {\"a\":[1,"));
        assert!(still_one_document(b"{\"a\":1}\n \n"));
        assert!(still_one_document(b""));
        assert!(!still_one_document(b"{\"a\":1}\n{"));
        assert!(!still_one_document(b"{\"a\" 1"));
    }
}
