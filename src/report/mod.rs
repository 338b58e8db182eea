//! Everything the tool writes: findings on stdout, the summary and errors on stderr (SPEC §9).
//!
//! Renderers take `&mut impl Write`, so tests render into a `Vec<u8>` and `main` decides where
//! bytes go. This module tree is the only place allowed to format output for people.

mod falco;
mod json;
pub mod sanitize;
mod summary;
mod table;

use std::io::{self, Write};
use std::time::Duration;

use crate::cli::Format;
use crate::finding::Finding;
use crate::stats::Stats;

pub use summary::SummaryJson;

/// Everything a run produced.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The findings, in input order.
    pub findings: &'a [Finding],
    /// What was read.
    pub stats: &'a Stats,
    /// Inputs that could not be read, and other non-fatal errors.
    pub errors: &'a [String],
    /// How long the scan took.
    pub elapsed: Duration,
}

/// How to draw for a terminal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Use colour.
    pub color: bool,
    /// Wrap the table to this width; `None` never wraps.
    pub width: Option<u16>,
}

/// Writes the findings (and, for `json`, the summary) in `format`. `falco-json` reads the host
/// name from the environment as Falco does (`FALCO_HOSTNAME`, …).
pub fn write_findings(
    report: &Report<'_>,
    format: Format,
    style: &Style,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::write(report.findings, *style, out),
        Format::Json => json::write_document(report, out),
        Format::Jsonl => json::write_lines(report.findings, out),
        Format::Falco => falco::write_text(report.findings, out),
        Format::FalcoJson => falco::write_json(report.findings, &falco::hostname(), out),
    }
}

/// Does `format` carry the summary itself (so stderr gets none)?
pub fn has_inline_summary(format: Format) -> bool {
    format == Format::Json
}

/// Writes the summary for people.
pub fn write_summary(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    summary::write_text(report, out)
}

/// Writes one error line per message, escaped.
pub fn write_errors(errors: &[String], out: &mut impl Write) -> io::Result<()> {
    for e in errors {
        writeln!(out, "falco-pod-scan: error: {}", sanitize::escape(e))?;
    }
    Ok(())
}
