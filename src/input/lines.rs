//! Cutting a byte stream into blocks of whole lines, through a bounded buffer.
//!
//! Used for standard input, `--no-mmap`, gzip and zstd, and files that cannot be mapped. Each
//! block holds about `block_size` bytes and ends after a newline (or at the end of the input), so
//! blocks can be scanned independently like the chunks of a mapped file.
//!
//! Memory is bounded whatever the input: a line longer than a block makes its block longer, up
//! to `max_line` bytes; a longer line is read through a small buffer and dropped, and reported as
//! a [`Piece::Oversized`] so that the scanner can say which line it could not look at. (Lines of
//! at most `max_line` bytes are always kept; one that is longer only by less than a block and the
//! small buffer may be kept too.)
//!
//! A read error (a damaged archive, a failing disk) first yields the complete lines read before
//! it, then the error as a [`ReadFailure`] saying how many bytes of an incomplete last line were
//! dropped. After that the iterator ends.

use std::io::{self, Read};

/// The size of the buffer an oversized line is read through.
const SKIP_BUFFER: usize = 64 << 10;

/// What [`LineBlocks`] yields.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    /// Whole lines; only the last piece of an input may end without a newline.
    Lines(Vec<u8>),
    /// One line longer than the limit, read and dropped.
    Oversized {
        /// Its length, with its newline if it has one.
        bytes: u64,
        /// It ended with a newline (else it ended the input).
        newline: bool,
    },
}

impl Piece {
    /// How many input bytes this piece covers.
    pub fn input_bytes(&self) -> u64 {
        match self {
            Piece::Lines(bytes) => bytes.len() as u64,
            Piece::Oversized { bytes, .. } => *bytes,
        }
    }
}

/// The read error that ended a stream.
#[derive(Debug)]
pub struct ReadFailure {
    /// What went wrong.
    pub error: io::Error,
    /// Bytes of an incomplete line read before the error and dropped.
    pub partial: u64,
}

/// An iterator over blocks of whole lines read from `R`.
pub struct LineBlocks<R> {
    /// The source.
    reader: R,
    /// The partial line left over after the last block's final newline.
    carry: Vec<u8>,
    /// The target block size.
    block_size: usize,
    /// The longest line kept in memory.
    max_line: usize,
    /// The reader reported end of input.
    eof: bool,
    /// A read error to report after the lines read before it.
    failure: Option<ReadFailure>,
    /// Nothing more will be read.
    done: bool,
}

impl<R: Read> LineBlocks<R> {
    /// Blocks of about `block_size` bytes (at least 1) from `reader`, dropping lines longer than
    /// `max_line` bytes.
    pub fn new(reader: R, block_size: usize, max_line: usize) -> Self {
        LineBlocks {
            reader,
            carry: Vec::new(),
            block_size: block_size.max(1),
            max_line,
            eof: false,
            failure: None,
            done: false,
        }
    }

    /// Reads until `buf` holds `want` bytes or the input ends. On an error, what was read before
    /// it stays in `buf`.
    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> io::Result<()> {
        let missing = want.saturating_sub(buf.len());
        buf.reserve(missing);
        let got = (&mut self.reader).take(missing as u64).read_to_end(buf)?;
        if got < missing {
            self.eof = true;
        }
        Ok(())
    }

    /// After a read error: yields the complete lines in `buf` now and the error next time.
    fn fail(&mut self, mut buf: Vec<u8>, error: io::Error) -> Result<Piece, ReadFailure> {
        let lines_end = memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1);
        let partial = (buf.len() - lines_end) as u64;
        buf.truncate(lines_end);
        let failure = ReadFailure { error, partial };
        if buf.is_empty() {
            self.done = true;
            Err(failure)
        } else {
            self.failure = Some(failure);
            Ok(Piece::Lines(buf))
        }
    }

    /// Reads and drops the rest of a line of which `bytes` have been read, through a small buffer.
    fn skip_line(&mut self, mut bytes: u64) -> Result<Piece, ReadFailure> {
        let mut scratch = vec![0; SKIP_BUFFER];
        loop {
            let n = match self.reader.read(&mut scratch) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(Piece::Oversized {
                        bytes,
                        newline: false,
                    });
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    self.done = true;
                    return Err(ReadFailure {
                        error,
                        partial: bytes,
                    });
                }
            };
            if let Some(i) = memchr::memchr(b'\n', &scratch[..n]) {
                self.carry = scratch[i + 1..n].to_vec();
                return Ok(Piece::Oversized {
                    bytes: bytes + i as u64 + 1,
                    newline: true,
                });
            }
            bytes += n as u64;
        }
    }
}

impl<R: Read> Iterator for LineBlocks<R> {
    type Item = Result<Piece, ReadFailure>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(failure) = self.failure.take() {
            self.done = true;
            return Some(Err(failure));
        }
        if self.done {
            return None;
        }
        let mut buf = std::mem::take(&mut self.carry);
        let mut want = self.block_size;
        // How much of `buf` is known to hold no newline.
        let mut searched = 0;
        loop {
            if !self.eof
                && let Err(e) = self.fill(&mut buf, want)
            {
                return Some(self.fail(buf, e));
            }
            if self.eof {
                self.done = true;
                return (!buf.is_empty()).then_some(Ok(Piece::Lines(buf)));
            }
            if let Some(i) = memchr::memrchr(b'\n', &buf[searched..]) {
                self.carry = buf.split_off(searched + i + 1);
                return Some(Ok(Piece::Lines(buf)));
            }
            searched = buf.len();
            if buf.len() > self.max_line {
                let read = buf.len() as u64;
                drop(buf);
                return Some(self.skip_line(read));
            }
            // No newline yet: this line is longer than a block; read more of it.
            want = buf.len() + self.block_size;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every piece of `input`, failing the test on a read error.
    fn pieces(input: &[u8], block: usize, max_line: usize) -> Vec<Piece> {
        LineBlocks::new(input, block, max_line)
            .collect::<Result<_, _>>()
            .expect("reading a slice cannot fail")
    }

    #[test]
    fn blocks_end_on_newlines() {
        assert_eq!(
            pieces(b"ab\ncd\nefgh\ni", 4, usize::MAX),
            [
                Piece::Lines(b"ab\n".to_vec()),
                Piece::Lines(b"cd\n".to_vec()),
                Piece::Lines(b"efgh\ni".to_vec())
            ]
        );
    }

    #[test]
    fn lines_over_the_limit_are_dropped_and_reported() {
        let long = "x".repeat(100);
        let input = format!("ab\n{long}\ncd\n{long}");
        assert_eq!(
            pieces(input.as_bytes(), 4, 50),
            [
                Piece::Lines(b"ab\n".to_vec()),
                Piece::Oversized {
                    bytes: 101,
                    newline: true
                },
                Piece::Lines(b"cd\n".to_vec()),
                Piece::Oversized {
                    bytes: 100,
                    newline: false
                },
            ]
        );
    }

    /// Yields `data`, then fails.
    struct FailAfter<'a>(&'a [u8]);
    impl Read for FailAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut"));
            }
            self.0.read(buf)
        }
    }

    #[test]
    fn a_read_error_comes_after_the_complete_lines_before_it() {
        let mut blocks = LineBlocks::new(FailAfter(b"ab\ncd\nef"), 100, usize::MAX);
        assert_eq!(
            blocks.next().map(|r| r.expect("lines first")),
            Some(Piece::Lines(b"ab\ncd\n".to_vec()))
        );
        let failure = blocks.next().and_then(Result::err).expect("then the error");
        assert_eq!(failure.partial, 2);
        assert_eq!(failure.error.to_string(), "cut");
        assert!(blocks.next().is_none());
        let mut at_once = LineBlocks::new(FailAfter(b"ab"), 100, usize::MAX);
        let failure = at_once.next().and_then(Result::err).expect("error only");
        assert_eq!(failure.partial, 2);
        assert!(at_once.next().is_none());
    }

    proptest! {
        #[test]
        fn blocks_concatenate_to_the_input(
            input in proptest::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..300),
            size in 1usize..40,
        ) {
            let blocks = pieces(&input, size, usize::MAX);
            let bytes: Vec<Vec<u8>> = blocks
                .into_iter()
                .map(|p| match p {
                    Piece::Lines(b) => b,
                    Piece::Oversized { .. } => unreachable!("no limit"),
                })
                .collect();
            for b in bytes.iter().take(bytes.len().saturating_sub(1)) {
                prop_assert_eq!(b.last(), Some(&b'\n'));
            }
            prop_assert_eq!(bytes.concat(), input);
        }

        #[test]
        fn with_a_limit_every_byte_is_accounted_for(
            input in proptest::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..300),
            size in 1usize..40,
            limit in 1usize..60,
        ) {
            let blocks = pieces(&input, size, limit);
            // Each line of the input, in order: kept verbatim, or dropped with its length.
            let mut got: Vec<(bool, Vec<u8>)> = Vec::new();
            for p in &blocks {
                match p {
                    Piece::Lines(b) => got.extend(
                        b.split_inclusive(|&c| c == b'\n').map(|l| (true, l.to_vec())),
                    ),
                    Piece::Oversized { bytes, .. } => {
                        got.push((false, vec![0; usize::try_from(*bytes).expect("small")]));
                    }
                }
            }
            let lines: Vec<&[u8]> = input.split_inclusive(|&c| c == b'\n').collect();
            prop_assert_eq!(got.len(), lines.len());
            for ((kept, g), line) in got.iter().zip(&lines) {
                prop_assert_eq!(g.len(), line.len());
                let content = line.len() - usize::from(line.ends_with(b"\n"));
                if *kept {
                    prop_assert_eq!(&g[..], *line);
                    // What follows a dropped line is read through the skip buffer, so the bound on
                    // a kept line is loose by that much; what matters is that memory is bounded.
                    prop_assert!(content <= limit + 2 * size + SKIP_BUFFER);
                } else {
                    prop_assert!(content > limit);
                }
            }
        }
    }
}
