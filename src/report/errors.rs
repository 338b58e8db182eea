//! Error lines on stderr: `falco-pod-scan: error: MESSAGE`, one per error, escaped, since a
//! message may quote a file name or a line from the log; and note lines, `falco-pod-scan: note:
//! MESSAGE`, for what a run could not count but is not an error.

use std::io::{self, Write};

use crate::escape::escape;

/// Writes one error line per message, escaped.
pub fn write(errors: &[String], out: &mut impl Write) -> io::Result<()> {
    for e in errors {
        writeln!(out, "falco-pod-scan: error: {}", escape(e))?;
    }
    Ok(())
}

/// Writes one note line per message, escaped.
pub fn write_notes(notes: &[String], out: &mut impl Write) -> io::Result<()> {
    for n in notes {
        writeln!(out, "falco-pod-scan: note: {}", escape(n))?;
    }
    Ok(())
}

/// Writes one warning line per message, escaped.
pub fn write_warnings(warnings: &[String], out: &mut impl Write) -> io::Result<()> {
    for w in warnings {
        writeln!(out, "falco-pod-scan: warning: {}", escape(w))?;
    }
    Ok(())
}
