//! Reading a stream as blocks of whole lines, through a bounded buffer (SPEC §3, §10).
//!
//! Used for standard input, `--no-mmap`, and files that cannot be mapped. Each block holds about
//! `block_size` bytes and ends after a newline (or at the end of the input), so blocks can be
//! scanned independently like the chunks of a mapped file. A line longer than a block makes its
//! block longer: memory grows with the longest line, never with the input.

use std::io::{self, Read};

/// An iterator over blocks of whole lines read from `R`.
pub struct LineBlocks<R> {
    /// The source.
    reader: R,
    /// The partial line left over after the last block's final newline.
    carry: Vec<u8>,
    /// The target block size.
    block_size: usize,
    /// The reader reported end of input.
    eof: bool,
}

impl<R: Read> LineBlocks<R> {
    /// Blocks of about `block_size` bytes (at least 1) from `reader`.
    pub fn new(reader: R, block_size: usize) -> Self {
        LineBlocks {
            reader,
            carry: Vec::new(),
            block_size: block_size.max(1),
            eof: false,
        }
    }

    /// Reads until `buf` holds `want` bytes or the input ends.
    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> io::Result<()> {
        let missing = want.saturating_sub(buf.len()) as u64;
        let got = (&mut self.reader).take(missing).read_to_end(buf)?;
        if (got as u64) < missing {
            self.eof = true;
        }
        Ok(())
    }
}

impl<R: Read> Iterator for LineBlocks<R> {
    type Item = io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut buf = std::mem::take(&mut self.carry);
        let mut want = self.block_size;
        loop {
            if !self.eof
                && let Err(e) = self.fill(&mut buf, want)
            {
                return Some(Err(e));
            }
            if self.eof {
                return (!buf.is_empty()).then_some(Ok(buf));
            }
            if let Some(i) = memchr::memrchr(b'\n', &buf) {
                self.carry = buf.split_off(i + 1);
                return Some(Ok(buf));
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

    #[test]
    fn blocks_end_on_newlines() {
        let blocks: Vec<Vec<u8>> = LineBlocks::new(&b"ab\ncd\nefgh\ni"[..], 4)
            .collect::<io::Result<_>>()
            .expect("reading a slice cannot fail");
        assert_eq!(
            blocks,
            [b"ab\n".to_vec(), b"cd\n".to_vec(), b"efgh\ni".to_vec()]
        );
    }

    proptest! {
        #[test]
        fn blocks_concatenate_to_the_input(
            input in proptest::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..300),
            size in 1usize..40,
        ) {
            let blocks: Vec<Vec<u8>> = LineBlocks::new(&input[..], size)
                .collect::<io::Result<_>>()
                .expect("reading a slice cannot fail");
            for b in blocks.iter().take(blocks.len().saturating_sub(1)) {
                prop_assert_eq!(b.last(), Some(&b'\n'));
            }
            prop_assert_eq!(blocks.concat(), input);
        }
    }
}
