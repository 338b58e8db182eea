//! Splitting a buffer into newline-aligned chunks for parallel scanning.
//!
//! Every chunk but the last ends just after a `\n`, so a line belongs to exactly one chunk; a line
//! longer than the chunk size makes its chunk longer. The chunks cover the buffer exactly, in
//! order, without overlap. Pure and property-tested.

use std::ops::Range;

/// Splits `buf` into consecutive ranges of about `size` bytes (at least 1), each ending after a
/// newline except possibly the last.
pub fn split(buf: &[u8], size: usize) -> Vec<Range<usize>> {
    let size = size.max(1);
    let mut out = Vec::with_capacity(buf.len() / size + 1);
    let mut start = 0;
    while start < buf.len() {
        let target = start.saturating_add(size).min(buf.len());
        // The chunk ends after the first newline at or after `target - 1`.
        let end = match memchr::memchr(b'\n', &buf[target - 1..]) {
            Some(i) => target + i,
            None => buf.len(),
        };
        out.push(start..end);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        assert_eq!(split(b"", 4), Vec::<Range<usize>>::new());
        assert_eq!(split(b"ab\ncd\nef", 1), [0..3, 3..6, 6..8]);
        assert_eq!(split(b"ab\ncd\nef\n", 4), [0..6, 6..9]);
        assert_eq!(split(b"abcdefgh\nx", 2), [0..9, 9..10]);
        assert_eq!(split(b"ab\ncd\n", 100), vec![0..6]);
    }

    proptest! {
        #[test]
        fn chunks_tile_the_buffer_on_line_boundaries(
            buf in proptest::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..400),
            size in 0usize..50,
        ) {
            let chunks = split(&buf, size);
            let mut at = 0;
            for (i, c) in chunks.iter().enumerate() {
                prop_assert_eq!(c.start, at);
                prop_assert!(c.end > c.start);
                if i + 1 < chunks.len() {
                    prop_assert_eq!(buf[c.end - 1], b'\n');
                }
                at = c.end;
            }
            prop_assert_eq!(at, buf.len());
        }
    }
}
