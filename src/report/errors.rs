//! Error lines on stderr: `falco-pod-scan: error: MESSAGE`, one per error, escaped, since a
//! message may quote a file name or a line from the log.

use std::io::{self, Write};

use crate::escape::escape;

/// Writes one error line per message, escaped.
pub fn write(errors: &[String], out: &mut impl Write) -> io::Result<()> {
    for e in errors {
        writeln!(out, "falco-pod-scan: error: {}", escape(e))?;
    }
    Ok(())
}
