//! `--format json`: one pretty-printed document holding the rows and the stats summary.
//!
//! Findings serialize with the stable finding field names of docs/output.md, every key present
//! (`null` when unknown): `{"findings":[…],"summary":{…}}`. The per-image view (`--summary`) writes
//! `{"images":[…],"summary":{…}}`. serde_json escapes control characters, so the output is valid
//! JSON for any input.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Serializer;
use serde_json::ser::{Formatter, PrettyFormatter};

use super::by_image::ImageRow;
use super::{Report, StatsSummaryJson, parallel};
#[cfg(test)]
use crate::finding::Finding;

/// The `--format json` document of findings as one value: the bytes [`write_findings`] writes
/// are this, pretty-printed (what the tests compare with).
#[cfg(test)]
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

/// Writes `{"findings":[…],"summary":{…}}` and a newline: the bytes `serde_json` writes for
/// that document pretty-printed whole (the tests compare them), with the findings serialised on
/// the run's threads ([`super::parallel`]), each as pretty-printed at its depth in the document.
pub fn write_findings(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"{\n  \"findings\": [")?;
    parallel::write_rows(report.findings, out, |index, finding, buffer| {
        buffer.extend_from_slice(if index == 0 { b"\n    " } else { b",\n    " });
        finding.serialize(&mut Serializer::with_formatter(buffer, nested(2)))?;
        Ok(())
    })?;
    let close = if report.findings.is_empty() {
        "]"
    } else {
        "\n  ]"
    };
    write!(out, "{close},\n  \"summary\": ")?;
    let summary = StatsSummaryJson::new(report);
    summary.serialize(&mut Serializer::with_formatter(&mut *out, nested(1)))?;
    out.write_all(b"\n}\n")
}

/// The pretty printer of a value `depth` arrays or objects deep in a document: it indents the
/// value's lines as the printer of the whole document would.
fn nested(depth: usize) -> PrettyFormatter<'static> {
    let mut formatter = PrettyFormatter::new();
    for _ in 0..depth {
        // Writes `[` into nothing, and indents what follows one step deeper.
        formatter
            .begin_array(&mut io::sink())
            .expect("writing into nothing succeeds");
    }
    formatter
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::attribution::How;
    use crate::report::sample;
    use crate::stats::Stats;

    /// The document `serde_json` writes for `findings` pretty-printed whole, and the one
    /// [`write_findings`] writes on a pool of `threads`.
    fn both(findings: &[Finding], threads: usize) -> (String, String) {
        let stats = Stats::default();
        let report = Report {
            findings,
            stats: &stats,
            errors: &[],
            elapsed: std::time::Duration::ZERO,
            filtered: crate::filter::FilterStats::default(),
            accepted: None,
        };
        let mut whole = Vec::new();
        let doc = Findings {
            findings,
            summary: StatsSummaryJson::new(&report),
        };
        write_pretty(&doc, &mut whole).expect("in memory");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let mut parts = Vec::new();
        pool.install(|| write_findings(&report, &mut parts))
            .expect("in memory");
        let text = |bytes| String::from_utf8(bytes).expect("UTF-8");
        (text(whole), text(parts))
    }

    /// A finding whose strings are `text`, attributed directly or along an owner chain, with
    /// some fields unknown: empty and full lists, `null`s and escapes at every depth.
    fn finding(text: &str, chained: bool, unknown: bool) -> Finding {
        let mut f = if chained {
            sample::owner_chain(text, sample::request(text, 7))
        } else {
            sample::pod(text, text)
        };
        if unknown {
            f.images = None;
            f.containers = None;
            f.source_ips = Some(Vec::new());
            f.audit_id = None;
        }
        if let Some(a) = f.attribution.as_mut().filter(|a| a.how == How::OwnerChain) {
            a.note = Some(text.to_owned());
        }
        f
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Serialised in pieces on any number of threads, the document is the bytes of the
        /// whole document serialised at once.
        #[test]
        fn findings_in_pieces_are_the_whole_document(
            rows in proptest::collection::vec((".{0,12}", any::<bool>(), any::<bool>()), 0..80),
            threads in 1usize..5,
        ) {
            let findings: Vec<Finding> =
                rows.iter().map(|(text, chained, unknown)| finding(text, *chained, *unknown)).collect();
            let (whole, parts) = both(&findings, threads);
            prop_assert_eq!(parts, whole);
        }
    }

    #[test]
    fn more_findings_than_one_batch_are_the_whole_document() {
        let findings: Vec<Finding> = (0..2500)
            .map(|i| finding(&format!("pod-{i}\u{7}\"é"), i % 3 == 0, i % 5 == 0))
            .collect();
        for threads in [1, 2, 3] {
            let (whole, parts) = both(&findings, threads);
            assert!(parts == whole, "{threads} threads");
        }
        let (whole, parts) = both(&[], 2);
        assert_eq!(parts, whole);
        assert!(parts.starts_with("{\n  \"findings\": [],\n  \"summary\": {\n    \""));
    }
}
