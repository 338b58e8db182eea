//! Everything the tool writes: findings on stdout, the stats summary and errors on stderr.
//!
//! Renderers take `&mut impl Write`, so tests render into a `Vec<u8>` and `main` decides where
//! bytes go. This module tree is the only place allowed to format output for people (the progress
//! bar, a live view rather than a report, is drawn by the `progress` module). It knows nothing of
//! the command line: [`Options`] say what to write, resolved beforehand (the host name of
//! `falco-json` included), so writing never looks at the environment.
//!
//! A run shows one [`View`]: the findings, one row per disallowed image (`--summary`, rows built
//! by [`by_image`]), or a suggested allowlist (`--suggest-allowlist`). Each [`Format`] is one file
//! (`table`, `json`, `jsonl`, `csv`, `falco`, `falco_json`, `junit`, `markdown`; `fit` is how a
//! table fits a terminal); [`write()`] is the one place that
//! picks the file for a view and a format. The formats and their fields are described in
//! docs/output.md.

pub mod by_image;
mod csv;
mod errors;
mod falco;
mod falco_json;
mod fit;
mod generate;
mod json;
mod jsonl;
mod junit;
mod markdown;
mod parallel;
#[cfg(test)]
mod sample;
mod schema;
mod stats_summary;
mod suggested_allowlist;
mod table;

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use crate::filter::FilterStats;
use crate::finding::Finding;
use crate::stats::Stats;
use crate::suggest::Repositories;

pub use generate::{Generated, write_generated};
pub use stats_summary::StatsSummaryJson;

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
    SuggestedAllowlist {
        /// An allowlist was given to compare with.
        compare: bool,
    },
}

/// The output formats of findings and image rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A table for people; the stats summary goes to stderr.
    Table,
    /// One JSON document with the stats summary inside.
    Json,
    /// One JSON object per line; the stats summary goes to stderr.
    Jsonl,
    /// RFC 4180 CSV with a header row; the stats summary goes to stderr.
    Csv,
    /// Falco's text alert line.
    Falco,
    /// Falco's JSON alert, one per line.
    FalcoJson,
    /// A JUnit XML test report: a failing test case per finding.
    Junit,
    /// A GitHub-flavoured Markdown table and a summary line.
    Markdown,
}

/// How to draw for a terminal.
#[derive(Debug, Clone, Default)]
pub struct Style {
    /// Use colour.
    pub color: bool,
    /// Fit the table to this width (or draw one block per finding when no table fits); `None`
    /// draws every value whole, one row per line.
    pub width: Option<u16>,
    /// The directory the table's source paths are shown relative to (the current directory).
    pub base: Option<PathBuf>,
}

/// What to write and how, all decided before the scan.
#[derive(Debug, Clone)]
pub struct Options {
    /// Findings, one row per image, or a suggested allowlist.
    pub view: View,
    /// The format of findings and image rows (the suggested allowlist is always YAML).
    pub format: Format,
    /// Colour and width of the table.
    pub style: Style,
    /// The host name that `falco-json` alerts and JUnit reports carry (empty with other
    /// formats).
    pub hostname: String,
    /// When the run started: the JUnit report's timestamp.
    pub started: Option<jiff::Timestamp>,
}

impl Options {
    /// Does the output on stdout carry the stats summary itself (so stderr gets none)?
    pub fn has_inline_stats_summary(&self) -> bool {
        self.format == Format::Json && !matches!(self.view, View::SuggestedAllowlist { .. })
    }
}

/// Writes the report's view in the format `options` say.
pub fn write(report: &Report<'_>, options: &Options, out: &mut impl Write) -> io::Result<()> {
    match options.view {
        View::Findings => write_findings(report, options, out),
        View::ByImage => write_by_image(report, options, out),
        View::SuggestedAllowlist { compare } => match (report.accepted, options.format) {
            (Some(accepted), Format::Json) => {
                suggested_allowlist::write_json(accepted, compare, out)
            }
            (Some(accepted), _) => suggested_allowlist::write(accepted, compare, out),
            (None, _) => Ok(()),
        },
    }
}

/// Writes the findings (and, for `json`, the stats summary).
fn write_findings(report: &Report<'_>, options: &Options, out: &mut impl Write) -> io::Result<()> {
    let findings = report.findings;
    match options.format {
        Format::Table => table::write_findings(findings, &options.style, out),
        Format::Json => json::write_findings(report, out),
        Format::Jsonl => jsonl::write(findings, out),
        Format::Csv => csv::write_findings(findings, out),
        Format::Falco => falco::write(findings, out),
        Format::FalcoJson => falco_json::write(findings, &options.hostname, out),
        Format::Junit => {
            let timestamp = options.started.map_or_else(
                || "1970-01-01T00:00:00".to_owned(),
                |t| t.strftime("%Y-%m-%dT%H:%M:%S").to_string(),
            );
            let run = junit::Run {
                hostname: &options.hostname,
                timestamp: &timestamp,
            };
            junit::write(report, run, out)
        }
        Format::Markdown => markdown::write(report, out),
    }
}

/// Writes one row per disallowed image (and, for `json`, the stats summary).
fn write_by_image(report: &Report<'_>, options: &Options, out: &mut impl Write) -> io::Result<()> {
    let rows = by_image::rows(report.findings);
    match options.format {
        Format::Json => json::write_images(report, &rows, out),
        Format::Jsonl => jsonl::write(&rows, out),
        Format::Csv => csv::write_images(&rows, out),
        // The configuration refuses the formats without a per-image form before the scan.
        Format::Table | Format::Falco | Format::FalcoJson | Format::Junit | Format::Markdown => {
            table::write_images(&rows, &options.style, out)
        }
    }
}

/// Writes the stats summary for people (stderr), fitted to `width` (stderr's terminal).
pub fn write_stats_summary(
    report: &Report<'_>,
    width: Option<u16>,
    out: &mut impl Write,
) -> io::Result<()> {
    stats_summary::write_text(report, width, out)
}

/// Writes one error line per message, escaped, fitted to `width` (stderr's terminal, when it is
/// known).
pub fn write_errors(errors: &[String], width: Option<u16>, out: &mut impl Write) -> io::Result<()> {
    errors::write(errors, width, out)
}

/// Writes one note line per message, escaped: what a run could not count, which is no error.
pub fn write_notes(notes: &[String], width: Option<u16>, out: &mut impl Write) -> io::Result<()> {
    errors::write_notes(notes, width, out)
}

/// Writes one `warning:` line per message, escaped: what the configuration does that is
/// probably not meant (an allowlist that allows nothing, an item that names nothing).
pub fn write_warnings(
    warnings: &[String],
    width: Option<u16>,
    out: &mut impl Write,
) -> io::Result<()> {
    errors::write_warnings(warnings, width, out)
}
