//! Everything the tool writes: findings on stdout, the summary and errors on stderr (SPEC §9).
//!
//! Renderers take `&mut impl Write`, so tests render into a `Vec<u8>` and `main` decides where
//! bytes go. This module tree is the only place allowed to format output for people (the progress
//! bar, a live view rather than a report, is drawn by [`crate::progress`]).
//!
//! A run shows one [`View`]: the findings (in any [`Format`]), one row per disallowed image
//! (`--summary`, [`by_image`]), or a suggested allowlist (`--suggest-allowlist`,
//! `report/allowlist.rs`).

mod allowlist;
pub mod by_image;
mod csv;
mod falco;
mod generate;
mod json;
mod summary;
mod table;

use std::io::{self, Write};
use std::time::Duration;

use crate::cli::Format;
use crate::escape::escape;
use crate::filter::FilterStats;
use crate::finding::Finding;
use crate::stats::Stats;
use crate::suggest::Repositories;

pub use generate::write_generated;
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
    /// What the scope filter left out.
    pub filtered: FilterStats,
    /// The accepted requests, when the run suggests an allowlist.
    pub accepted: Option<&'a Repositories>,
}

/// What a run shows on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// One row per finding.
    Findings,
    /// One row per disallowed image (`--summary`).
    ByImage,
    /// An allowlist of the accepted repositories (`--suggest-allowlist`); with `compare`, each
    /// says whether the allowlist given already allows it.
    Allowlist {
        /// An allowlist was given to compare with.
        compare: bool,
    },
}

/// How to draw for a terminal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Use colour.
    pub color: bool,
    /// Wrap the table to this width; `None` never wraps.
    pub width: Option<u16>,
}

/// Writes the report's `view` in `format` (the suggested allowlist is always YAML).
pub fn write(
    report: &Report<'_>,
    view: View,
    format: Format,
    style: &Style,
    out: &mut impl Write,
) -> io::Result<()> {
    match view {
        View::Findings => write_findings(report, format, style, out),
        View::ByImage => by_image::write(report, format, style, out),
        View::Allowlist { compare } => match report.accepted {
            Some(accepted) => allowlist::write(accepted, compare, out),
            None => Ok(()),
        },
    }
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
        Format::Csv => csv::write_findings(report.findings, out),
        Format::Falco => falco::write_text(report.findings, out),
        Format::FalcoJson => falco::write_json(report.findings, &falco::hostname(), out),
    }
}

/// Does this output carry the summary itself (so stderr gets none)?
pub fn has_inline_summary(view: View, format: Format) -> bool {
    format == Format::Json && !matches!(view, View::Allowlist { .. })
}

/// Writes the summary for people.
pub fn write_summary(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    summary::write_text(report, out)
}

/// Writes one error line per message, escaped.
pub fn write_errors(errors: &[String], out: &mut impl Write) -> io::Result<()> {
    for e in errors {
        writeln!(out, "falco-pod-scan: error: {}", escape(e))?;
    }
    Ok(())
}
