//! `--format json`: one pretty-printed document holding the rows and the stats summary.
//!
//! Findings serialize with the stable finding field names of docs/output.md, every key present
//! (`null` when unknown): `{"findings":[…],"summary":{…}}`. The per-image view (`--summary`) writes
//! `{"images":[…],"summary":{…}}`. serde_json escapes control characters, so the output is valid
//! JSON for any input.

use std::io::{self, Write};

use serde::Serialize;

use super::by_image::ImageRow;
use super::{Report, StatsSummaryJson};
use crate::finding::Finding;

/// The `--format json` document of findings.
#[derive(Serialize)]
struct Findings<'a> {
    /// Every finding.
    findings: &'a [Finding],
    /// The stats summary object.
    summary: StatsSummaryJson<'a>,
}

/// The `--summary --format json` document.
#[derive(Serialize)]
struct Images<'a> {
    /// One object per image.
    images: &'a [ImageRow<'a>],
    /// The stats summary object, as with the findings.
    summary: StatsSummaryJson<'a>,
}

/// Writes `{"findings":[…],"summary":{…}}` and a newline.
pub fn write_findings(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    let doc = Findings {
        findings: report.findings,
        summary: StatsSummaryJson::new(report),
    };
    write_pretty(&doc, out)
}

/// Writes `{"images":[…],"summary":{…}}` and a newline.
pub fn write_images(
    report: &Report<'_>,
    rows: &[ImageRow<'_>],
    out: &mut impl Write,
) -> io::Result<()> {
    let doc = Images {
        images: rows,
        summary: StatsSummaryJson::new(report),
    };
    write_pretty(&doc, out)
}

/// Writes `doc` pretty-printed, and a newline.
fn write_pretty(doc: &impl Serialize, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, doc)?;
    writeln!(out)
}
