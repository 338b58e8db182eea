//! `--format jsonl`: one compact JSON object per line, a finding or (with `--summary`) an image
//! row, with the same keys as in the `json` document; the stats summary goes to stderr. The rows
//! are serialised on the run's threads ([`super::parallel`]).

use std::io::{self, Write};

use serde::Serialize;

use super::parallel;

/// Writes one compact JSON object per item, each on its own line.
pub fn write<T: Serialize + Sync>(items: &[T], out: &mut impl Write) -> io::Result<()> {
    parallel::write_rows(items, out, |_, item, buffer| {
        serde_json::to_writer(&mut *buffer, item)?;
        buffer.push(b'\n');
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;
    use crate::report::sample;

    #[test]
    fn findings_in_pieces_are_one_compact_object_per_line() {
        let findings: Vec<Finding> = (0..2500)
            .map(|i| sample::pod(&format!("pod-{i}\n\u{1b}"), "alice"))
            .collect();
        let mut one_by_one = Vec::new();
        for f in &findings {
            serde_json::to_writer(&mut one_by_one, f).expect("in memory");
            one_by_one.push(b'\n');
        }
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let mut out = Vec::new();
            pool.install(|| write(&findings, &mut out))
                .expect("in memory");
            assert!(out == one_by_one, "{threads} threads");
        }
    }
}
