//! Rows serialised on the run's threads and written in order: the `jsonl` and `json` findings.
//!
//! Serialising is most of what writing a report of thousands of findings costs (a 1 GiB log's
//! 2,700 findings are 3.5 MB of `jsonl`), and it is the last thing a run does. So the rows are
//! cut into pieces of [`PIECE`] rows, which rayon serialises at once (on the current pool: the
//! run's threads, as many as `--threads` says) into byte buffers of their own; the buffers are
//! then written out in row order, each with one `write_all`. Every piece is the bytes the rows
//! alone give, and the pieces are written in order, so the output is the same bytes for any
//! number of threads; the tests check that against serialising row after row.
//!
//! [`BATCH`] rows are serialised before their bytes are written, and the buffers are reused from
//! batch to batch, so a report of any size holds at most one batch of it in memory.

use std::io::{self, Write};

use rayon::prelude::*;

/// Rows one task serialises into one buffer.
const PIECE: usize = 64;

/// The most a buffer is grown by at once, from its first row's size: a piece of 64 findings is
/// about 85 KB of `jsonl`, 160 KB pretty-printed.
const RESERVED: usize = 256 << 10;

/// Rows serialised before they are written: the most of a report held in memory at once (about
/// 1.3 MB of `jsonl` findings, 2.5 MB of pretty-printed ones).
const BATCH: usize = 16 * PIECE;

/// Writes every row of `rows` into `out`, in order, as `one` serialises it: `one(index, row,
/// buffer)` appends the bytes of the row at `index` to `buffer`.
pub fn write_rows<T, F>(rows: &[T], out: &mut impl Write, one: F) -> io::Result<()>
where
    T: Sync,
    F: Fn(usize, &T, &mut Vec<u8>) -> io::Result<()> + Sync,
{
    write_rows_in(rows, out, PIECE, BATCH, one)
}

/// [`write_rows`], with `piece` rows to a buffer and `batch` rows (a multiple of `piece`)
/// serialised before they are written.
fn write_rows_in<T, F>(
    rows: &[T],
    out: &mut impl Write,
    piece: usize,
    batch: usize,
    one: F,
) -> io::Result<()>
where
    T: Sync,
    F: Fn(usize, &T, &mut Vec<u8>) -> io::Result<()> + Sync,
{
    let mut buffers: Vec<Vec<u8>> = Vec::new();
    for (b, rows) in rows.chunks(batch).enumerate() {
        let pieces = rows.len().div_ceil(piece);
        buffers.resize_with(buffers.len().max(pieces), Vec::new);
        let first = b * batch;
        buffers[..pieces]
            .par_iter_mut()
            .zip(rows.par_chunks(piece))
            .enumerate()
            .try_for_each(|(p, (buffer, rows))| {
                buffer.clear();
                let start = first + p * piece;
                let Some((head, rest)) = rows.split_first() else {
                    return Ok(());
                };
                one(start, head, buffer)?;
                // Room for the rest at the first row's size, rather than doubling up to it (but
                // no more than [`RESERVED`] at once, whatever an unusual first row's size).
                buffer.reserve((buffer.len() * rest.len()).min(RESERVED));
                (rest.iter().enumerate()).try_for_each(|(i, row)| one(start + 1 + i, row, buffer))
            })?;
        for buffer in &buffers[..pieces] {
            out.write_all(buffer)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A row's bytes: its index and value, so a row out of place or written twice shows.
    fn row(index: usize, value: &String, out: &mut Vec<u8>) -> io::Result<()> {
        writeln!(out, "{index}:{value}")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any number of threads, pieces and batches of any size: the bytes of the rows one
        /// after the other.
        #[test]
        fn rows_in_parallel_are_the_rows_in_order(
            rows in proptest::collection::vec("[a-z]{0,6}", 0..300),
            threads in 1usize..5,
            piece in 1usize..20,
            pieces in 1usize..6,
        ) {
            let mut sequential = Vec::new();
            for (i, r) in rows.iter().enumerate() {
                row(i, r, &mut sequential).expect("in memory");
            }
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            let mut parallel = Vec::new();
            pool.install(|| write_rows_in(&rows, &mut parallel, piece, piece * pieces, row))
                .expect("in memory");
            prop_assert_eq!(parallel, sequential);
        }
    }

    #[test]
    fn a_failing_row_fails_the_write() {
        let rows = vec![(); 200];
        let fail = |i: usize, (): &(), _: &mut Vec<u8>| {
            if i == 150 {
                Err(io::Error::other("row 150"))
            } else {
                Ok(())
            }
        };
        let e = write_rows(&rows, &mut Vec::new(), fail).expect_err("a row failed");
        assert_eq!(e.to_string(), "row 150");
    }
}
