//! Error lines on stderr: `falco-pod-scan: error: MESSAGE`, one per error, escaped, since a
//! message may quote a file name or a line from the log; warning lines for what the
//! configuration does that is probably not meant; and note lines, `falco-pod-scan: note:
//! MESSAGE`, for what a run could not count but is not an error. On a terminal of a known width
//! each is wrapped to fit it, as the summary is ([`fit::wrap`]); elsewhere each is one line.

use std::io::{self, Write};

use super::fit;
use crate::escape::escape;

/// Writes one line per message, `falco-pod-scan: LABEL: MESSAGE`, escaped, fitted to `width`.
fn write_labelled(
    label: &str,
    messages: &[String],
    width: Option<u16>,
    out: &mut impl Write,
) -> io::Result<()> {
    for m in messages {
        let line = format!("falco-pod-scan: {label}: {}", escape(m));
        fit::write_wrapped(&line, width, out)?;
    }
    Ok(())
}

/// Writes one error line per message, escaped.
pub fn write(errors: &[String], width: Option<u16>, out: &mut impl Write) -> io::Result<()> {
    write_labelled("error", errors, width, out)
}

/// Writes one note line per message, escaped.
pub fn write_notes(notes: &[String], width: Option<u16>, out: &mut impl Write) -> io::Result<()> {
    write_labelled("note", notes, width, out)
}

/// Writes one warning line per message, escaped.
pub fn write_warnings(
    warnings: &[String],
    width: Option<u16>,
    out: &mut impl Write,
) -> io::Result<()> {
    write_labelled("warning", warnings, width, out)
}
