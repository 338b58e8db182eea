//! Reading a saved report back: a `--format json` document (findings and summary) or
//! `--format jsonl` lines (findings only), told apart by content, never by name.
//!
//! Reports are read the way audit logs are ([`crate::input`]): a file, standard input (`-`), or
//! each file of a directory, gzip and zstd decoded on the fly. Whatever is not such a report — a
//! `--summary` report (rows per image, not findings), Falco alerts, a table or CSV, an audit log,
//! a report cut short — is an error that names it and says what it looks like, so a merge never
//! quietly leaves a shard out.

use std::io::Read;

use anyhow::Context;
use serde::Deserialize;
use serde_json::Value;

use crate::filter::FilterStats;
use crate::finding::Finding;
use crate::input::{self, Input, Opened};
use crate::stats::Stats;

/// One report read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    /// How messages name it (the path as given or found, or `-`).
    pub name: String,
    /// Its findings, in its order.
    pub findings: Vec<Finding>,
    /// Its summary; `None` for JSON lines, which carry none.
    pub summary: Option<SavedSummary>,
}

/// What a merge reads of a report's `summary` object. The finding counts (`findings`,
/// `findings_by_reason`, `findings_by_attribution`) and the throughput are not read: the merge
/// counts its own findings and works out its own rate.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SavedSummary {
    /// The scan counters, inputs and locations.
    #[serde(flatten)]
    pub stats: Stats,
    /// What the run's filters did.
    pub filters: FilterStats,
    /// The run's errors.
    pub errors: Vec<String>,
    /// How long the run took.
    pub elapsed_seconds: f64,
}

/// The `--format json` document of findings.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    /// Every finding.
    findings: Vec<Finding>,
    /// The run's summary.
    summary: SavedSummary,
}

/// Reads the report `input`.
pub fn read(input: &Input) -> anyhow::Result<Saved> {
    let mut bytes = Vec::new();
    match input::open(input, false)? {
        Opened::Whole(source) => bytes.extend_from_slice(&source),
        Opened::Stream(mut stream) => {
            stream
                .reader
                .read_to_end(&mut bytes)
                .with_context(|| format!("{}: cannot read", input.name))?;
        }
    }
    parse(&input.name, &bytes)
}

/// Reads the report `name` from its bytes.
pub fn parse(name: &str, bytes: &[u8]) -> anyhow::Result<Saved> {
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = text.trim_ascii();
    let saved = |findings, summary| Saved {
        name: name.to_owned(),
        findings,
        summary,
    };
    if text.is_empty() {
        // A JSON-lines report of no findings.
        return Ok(saved(Vec::new(), None));
    }
    if text.starts_with(b"{") {
        match serde_json::from_slice::<Document>(text) {
            Ok(doc) => return Ok(saved(doc.findings, Some(doc.summary))),
            Err(e) => match serde_json::from_slice::<Value>(text) {
                Ok(Value::Object(doc)) if doc.contains_key("findings") => anyhow::bail!(
                    "{name}: not a report this tool can merge: it looks like a --format json \
                     report, but {e}"
                ),
                // One JSON value over several lines that is not a report of findings.
                Ok(_) if text.contains(&b'\n') => anyhow::bail!(
                    "{name}: not a report this tool can merge (a --format json or jsonl report \
                     of findings): {}",
                    what_it_is(text, &e)
                ),
                // A document that ends too soon (its first line alone is not JSON either).
                Err(eof) if eof.is_eof() && text.contains(&b'\n') && !first_line_is_json(text) => {
                    anyhow::bail!(
                        "{name}: a JSON document cut short ({eof}): was the report written \
                         completely? (--output writes it whole or not at all)"
                    )
                }
                // One line: a JSON-lines report of one finding, or not a report at all.
                _ => {}
            },
        }
    }
    let mut findings = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Finding>(line) {
            Ok(finding) => findings.push(finding),
            Err(e) => anyhow::bail!(
                "{name}:{}: not a report this tool can merge (a --format json or jsonl report of \
                 findings): {}",
                i + 1,
                what_it_is(line, &e)
            ),
        }
    }
    Ok(saved(findings, None))
}

/// What a line that is not a finding looks like, for the error.
fn what_it_is(line: &[u8], e: &serde_json::Error) -> String {
    let Ok(value) = serde_json::from_slice::<Value>(line) else {
        return if line.starts_with(b"{") || line.starts_with(b"[") {
            format!("this line is not complete JSON ({e}); was the report cut short?")
        } else {
            "this is not JSON (a table, CSV or Falco text alerts cannot be merged: write the \
             reports with --format json or jsonl)"
                .to_owned()
        };
    };
    let Value::Object(object) = value else {
        return "this JSON is not an object (a report is a {\"findings\":…} document, or one \
                finding object per line)"
            .to_owned();
    };
    let has = |key: &str| object.contains_key(key);
    if has("images") || (has("image") && has("count")) {
        "this is a --summary report (one row per image, not the findings): write the reports \
         without --summary, and give --summary to the merge instead"
            .to_owned()
    } else if has("rule") && has("output_fields") {
        "this is a Falco alert (--format falco-json): write the reports with --format json or \
         jsonl, and give --format falco-json to the merge instead"
            .to_owned()
    } else if has("auditID") || has("verb") || (has("kind") && !has("reason")) {
        "this looks like an audit event: an audit log is scanned, not merged (drop --merge)"
            .to_owned()
    } else {
        format!("this object is not a finding ({e})")
    }
}

/// Is the first line of `text` a JSON value of its own (as every line of JSON lines is)?
fn first_line_is_json(text: &[u8]) -> bool {
    let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
    serde_json::from_slice::<serde::de::IgnoredAny>(first).is_ok()
}
