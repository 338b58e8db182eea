//! JSON output (SPEC §7, §9): a document with findings and summary, or one finding per line.
//!
//! Findings serialize with the stable §7 field names, every key present (`null` when unknown).
//! serde_json escapes control characters, so the output is valid JSON for any input.

use std::io::{self, Write};

use serde::Serialize;

use super::{Report, SummaryJson};
use crate::finding::Finding;

/// The `--format json` document.
#[derive(Serialize)]
struct Document<'a> {
    /// Every finding.
    findings: &'a [Finding],
    /// The summary object.
    summary: SummaryJson<'a>,
}

/// Writes `{"findings":[…],"summary":{…}}` and a newline.
pub fn write_document(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    let doc = Document {
        findings: report.findings,
        summary: SummaryJson::new(report),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Writes one finding per line.
pub fn write_lines(findings: &[Finding], out: &mut impl Write) -> io::Result<()> {
    for f in findings {
        serde_json::to_writer(&mut *out, f)?;
        writeln!(out)?;
    }
    Ok(())
}
