//! `--format jsonl`: one compact JSON object per line, a finding or (with `--summary`) an image
//! row, with the same keys as in the `json` document; the stats summary goes to stderr.

use std::io::{self, Write};

use serde::Serialize;

/// Writes one compact JSON object per item, each on its own line.
pub fn write<T: Serialize>(items: &[T], out: &mut impl Write) -> io::Result<()> {
    for item in items {
        serde_json::to_writer(&mut *out, item)?;
        writeln!(out)?;
    }
    Ok(())
}
