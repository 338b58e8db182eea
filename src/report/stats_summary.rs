//! The stats summary of a run: what was read, what was found, what was skipped, and what to do
//! about it. Text on stderr for people, or the `summary` object inside the JSON document. (Not to
//! be confused with `--summary`, the per-image view of `by_image.rs`.)

use std::collections::BTreeMap;
use std::io::{self, Write};

use schemars::JsonSchema;
use serde::Serialize;

use super::Report;
use crate::attribution::{How, Unresolved};
use crate::escape::escape;
use crate::filter::FilterStats;
use crate::finding::{Finding, ObjectKind, Outcome, Reason};
use crate::input::sniff::Compression;
use crate::stats::{Content, Skip, Stats};

/// The run summary: what was read, what was found, what went wrong, how long it took. The
/// `summary` object of `--format json` (docs/output.md, The summary).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Summary")]
pub struct StatsSummaryJson<'a> {
    /// The scan counters.
    #[serde(flatten)]
    stats: &'a Stats,
    /// Findings reported (after the filters).
    findings: usize,
    /// Findings per reason.
    findings_by_reason: ByReason,
    /// Findings per way they were attributed (all zero in Falco parity mode, which does not
    /// attribute).
    findings_by_attribution: ByAttribution,
    /// What `--since`/`--until`/`--namespace`/`--user` (and the other filters) did to the
    /// findings.
    filters: FilterStats,
    /// Every error of the run, in words, as printed on stderr; the run's exit status is 2 when
    /// there is one.
    errors: &'a [String],
    /// Wall-clock time of the scan, in seconds.
    elapsed_seconds: f64,
    /// Bytes read per second of wall-clock time.
    bytes_per_second: f64,
}

impl<'a> StatsSummaryJson<'a> {
    /// Builds the summary object for `report`.
    pub fn new(report: &Report<'a>) -> Self {
        StatsSummaryJson {
            stats: report.stats,
            findings: report.findings.len(),
            findings_by_reason: by_reason(report.findings),
            findings_by_attribution: by_how(report.findings),
            filters: report.filtered,
            errors: report.errors,
            elapsed_seconds: report.elapsed.as_secs_f64(),
            bytes_per_second: throughput(report),
        }
    }
}

/// Findings counted per reason; every key is always present.
#[derive(Debug, Default, Serialize, JsonSchema)]
struct ByReason {
    /// Findings with an image that is not allowed (or not a valid reference).
    #[serde(rename = "disallowed-image")]
    disallowed_image: usize,
    /// Findings whose images cannot be determined.
    #[serde(rename = "images-unknown")]
    images_unknown: usize,
}

/// Findings counted per way they were attributed; every key is always present.
#[derive(Debug, Default, Serialize, JsonSchema)]
struct ByAttribution {
    /// Attributed to the request itself.
    direct: usize,
    /// Attributed through the owner chain of a controller-made pod.
    #[serde(rename = "owner-chain")]
    owner_chain: usize,
    /// Attribution could not be resolved from the logs read.
    unresolved: usize,
}

/// Findings counted per reason.
fn by_reason(findings: &[Finding]) -> ByReason {
    let mut counts = ByReason::default();
    for f in findings {
        match f.reason {
            Reason::DisallowedImage => counts.disallowed_image += 1,
            Reason::ImagesUnknown => counts.images_unknown += 1,
        }
    }
    counts
}

/// Findings counted per way they were attributed.
fn by_how(findings: &[Finding]) -> ByAttribution {
    let mut counts = ByAttribution::default();
    for a in findings.iter().filter_map(|f| f.attribution.as_ref()) {
        match a.how {
            How::Direct => counts.direct += 1,
            How::OwnerChain => counts.owner_chain += 1,
            How::Unresolved => counts.unresolved += 1,
        }
    }
    counts
}

/// The attribution lines of the text summary: the findings counted by how they were attributed,
/// then each distinct reason some are unresolved, with what would resolve them. Nothing when no
/// finding is attributed (none, or Falco parity mode).
fn attribution_lines(findings: &[Finding]) -> Vec<String> {
    let attributed = findings.iter().filter(|f| f.attribution.is_some()).count();
    if attributed == 0 {
        return Vec::new();
    }
    let counts = by_how(findings);
    let mut lines = vec![format!(
        "attributed: {} through an owner chain, {} to the request itself, {} unresolved",
        counts.owner_chain, counts.direct, counts.unresolved,
    )];
    let mut notes: BTreeMap<(usize, &str), u64> = BTreeMap::new();
    for a in findings.iter().filter_map(|f| f.attribution.as_ref()) {
        if a.how != How::Unresolved {
            continue;
        }
        let note = a.note.as_deref().unwrap_or("");
        let order = Unresolved::of(note)
            .and_then(|reason| Unresolved::ALL.iter().position(|r| *r == reason))
            .unwrap_or(Unresolved::ALL.len());
        *notes.entry((order, note)).or_default() += 1;
    }
    for ((_, note), n) in notes {
        lines.push(format!("  {} unresolved: {}", n, escape(note)));
    }
    lines
}

/// Bytes per second, 0 when no time was measured.
#[expect(
    clippy::cast_precision_loss,
    reason = "a rate for people; 52 bits are plenty"
)]
fn throughput(report: &Report<'_>) -> f64 {
    let secs = report.elapsed.as_secs_f64();
    if secs > 0.0 {
        report.stats.bytes as f64 / secs
    } else {
        0.0
    }
}

/// Bytes per second as an integer, for [`human_bytes`].
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "non-negative and far below u64::MAX"
)]
fn rate(report: &Report<'_>) -> u64 {
    throughput(report) as u64
}

/// `n thing` or `n things`.
fn plural(n: impl Into<u64>, thing: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("{n} {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// A byte count for people.
#[expect(clippy::cast_precision_loss, reason = "one decimal is shown")]
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// How many workload request events were judged (`--workloads`), after the pod request events;
/// nothing when there were none, as without the flag.
fn workload_requests(s: &Stats) -> String {
    if s.workload_requests == 0 {
        return String::new();
    }
    format!(
        " and {}",
        plural(s.workload_requests, "workload request event")
    )
}

/// Writes the summary for people, one fact per line.
pub fn write_text(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    let s = report.stats;
    if let Some(accepted) = report.accepted {
        writeln!(
            out,
            "falco-pod-scan: suggested {} from {} the API server accepted, among {}",
            plural(accepted.by_repository.len() as u64, "repository pattern"),
            plural(accepted.requests, "pod request"),
            plural(s.pod_requests, "pod request event"),
        )?;
    } else {
        let counts = by_reason(report.findings);
        writeln!(
            out,
            "falco-pod-scan: {} ({} disallowed-image, {} images-unknown) among {}{}",
            plural(report.findings.len() as u64, "finding"),
            counts.disallowed_image,
            counts.images_unknown,
            plural(s.pod_requests, "pod request event"),
            workload_requests(s),
        )?;
        for line in attribution_lines(report.findings) {
            writeln!(out, "  {line}")?;
        }
    }
    writeln!(
        out,
        "  read {}{}, {}, {} in {:.2} s ({}/s); parsed {}, {}",
        plural(s.files, "input"),
        compressed_note(s),
        human_bytes(s.bytes),
        plural(s.lines, "line"),
        report.elapsed.as_secs_f64(),
        human_bytes(rate(report)),
        plural(s.parsed, "line"),
        plural(s.events, "audit event"),
    )?;
    if s.skipped > 0 {
        let what = if s.skipped == 1 {
            "1 line that is not an audit event".to_owned()
        } else {
            format!("{} lines that are not audit events", s.skipped)
        };
        writeln!(out, "  skipped {what}:")?;
        for at in locations(&s.skipped_at, s.skipped) {
            writeln!(out, "    {at}")?;
        }
    }
    if let Some(line) = ignored_line(s) {
        writeln!(out, "  {line}")?;
    }
    if let Some(line) = identity_line(s) {
        writeln!(out, "  {line}")?;
    }
    for line in damage_lines(s) {
        writeln!(out, "  {line}")?;
    }
    if report.accepted.is_some() {
        // The findings of a suggestion run (against an empty or a compared allowlist) are not
        // what it reports.
        return Ok(());
    }
    if let Some(note) = filter_note(report.filtered) {
        writeln!(out, "  {note}")?;
    }
    for hint in unknown_hints(report.findings) {
        writeln!(out, "  hint: {hint}")?;
    }
    Ok(())
}

/// What the filters did, or `None` when they left nothing out and kept nothing untimed.
fn filter_note(f: FilterStats) -> Option<String> {
    let mut parts = Vec::new();
    if f.excluded > 0 {
        parts.push(format!(
            "the filters left out {}",
            plural(f.excluded, "finding")
        ));
    }
    if f.kept_without_time > 0 {
        let (what, verb) = if f.kept_without_time == 1 {
            ("1 finding has".to_owned(), "it was")
        } else {
            (
                format!("{} findings have", f.kept_without_time),
                "they were",
            )
        };
        parts.push(format!(
            "{what} no readable time, so --since/--until cannot place {}: {verb} kept",
            if f.kept_without_time == 1 {
                "it"
            } else {
                "them"
            }
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The files met in directories that held no audit event, once: how many, of what kinds, the
/// first few names. `None` when there were none.
fn ignored_line(s: &Stats) -> Option<String> {
    let ignored: Vec<_> = s.inputs.iter().filter(|i| i.ignored).collect();
    if ignored.is_empty() {
        return None;
    }
    let names: Vec<String> = ignored
        .iter()
        .take(3)
        .map(|i| escape(&i.file).into_owned())
        .collect();
    let more = ignored.len() - names.len();
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Some(format!(
        "ignored {} with no audit event in them ({}): {}{more}",
        plural(ignored.len() as u64, "file"),
        Content::tally(ignored.iter().filter_map(|i| i.content)),
        names.join(", ")
    ))
}

/// What request identity found: events read twice, `auditID`s reused by different requests.
/// `None` when neither happened.
fn identity_line(s: &Stats) -> Option<String> {
    let mut parts = Vec::new();
    if s.duplicate_events > 0 {
        let what = match s.duplicate_events {
            1 => "1 event was".to_owned(),
            n => format!("{n} events were"),
        };
        parts.push(format!(
            "{what} found again (another input holds the same events) and counted once"
        ));
    }
    if s.audit_id_collisions > 0 {
        let what = match s.audit_id_collisions {
            1 => "1 request shares".to_owned(),
            n => format!("{n} requests share"),
        };
        parts.push(format!(
            "{what} an auditID with an earlier, different request (another pod, namespace or \
             verb), each judged on its own"
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// One line each for what was repaired, truncated or not read at all; nothing when all was
/// read whole. The errors themselves follow the summary.
fn damage_lines(s: &Stats) -> Vec<String> {
    let mut lines = Vec::new();
    if s.repaired > 0 {
        let at: Vec<String> = s
            .repaired_at
            .iter()
            .map(|r| format!("{}:{}", escape(&r.file), r.line))
            .collect();
        let more = s.repaired.saturating_sub(at.len() as u64);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        lines.push(format!(
            "repaired {} (damaged, but every event in them was read): {}{more}",
            plural(s.repaired, "line"),
            at.join(", ")
        ));
    }
    for (what, inputs, why) in [
        (
            "truncated",
            s.truncated().collect::<Vec<_>>(),
            "read only up to the damage or the cut; the findings before it are reported",
        ),
        ("unreadable", s.unreadable().collect(), "not scanned"),
    ] {
        if inputs.is_empty() {
            continue;
        }
        let names: Vec<String> = inputs
            .iter()
            .take(3)
            .map(|i| escape(&i.file).into_owned())
            .collect();
        let more = inputs.len().saturating_sub(names.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        lines.push(format!(
            "{what}: {} {why} ({}{more}; see the errors below)",
            plural(inputs.len() as u64, "input"),
            names.join(", ")
        ));
    }
    lines
}

/// One hint per cause of the `images-unknown` findings: the spec was not logged
/// ([`unknown_hint`]), it had no containers, or a container had no image.
fn unknown_hints(findings: &[Finding]) -> Vec<String> {
    let mut hints: Vec<String> = unknown_hint(findings).into_iter().collect();
    let unknown = || {
        findings
            .iter()
            .filter(|f| f.reason == Reason::ImagesUnknown)
    };
    let no_containers = unknown()
        .filter(|f| f.containers.as_ref().is_some_and(Vec::is_empty))
        .count();
    if no_containers > 0 {
        let what = if no_containers == 1 {
            "1 request was".to_owned()
        } else {
            format!("{no_containers} requests were")
        };
        hints.push(format!(
            "{what} logged with a spec that lists no container, so nothing shows what it would \
             run; a valid pod has at least one, so look at who sent it (a hand-made request, a \
             probe, or an audit policy that omits the spec's fields)"
        ));
    }
    let no_image = unknown()
        .filter(|f| {
            f.containers
                .as_ref()
                .is_some_and(|cs| cs.iter().any(|c| c.image.is_none()))
        })
        .count();
    if no_image > 0 {
        let what = if no_image == 1 {
            "1 request has".to_owned()
        } else {
            format!("{no_image} requests have")
        };
        hints.push(format!(
            "{what} a container without a string `image` (see `containers` in --format json): \
             the API server refuses such a pod, or a mutating webhook fills the image in later, \
             where this log cannot see it"
        ));
    }
    hints
}

/// What to do about `images-unknown` findings whose pod spec was not logged: raise the audit
/// level of the resources they are about (pods; with `--workloads`, workload resources too),
/// unless the API server refused the request before reading its body (then no level would show
/// the images). `None` when there are none.
fn unknown_hint(findings: &[Finding]) -> Option<String> {
    let not_logged = || {
        findings
            .iter()
            .filter(|f| f.reason == Reason::ImagesUnknown && f.images.is_none())
    };
    let total = not_logged().count();
    if total == 0 {
        return None;
    }
    let refused = not_logged()
        .filter(|f| f.outcome == Outcome::Rejected)
        .count();
    let mut resources: Vec<&str> = Vec::new();
    for f in not_logged() {
        let resource = match f.kind {
            ObjectKind::Pod => "pods",
            ObjectKind::Workload(kind) => kind.resource(),
        };
        if !resources.contains(&resource) {
            resources.push(resource);
        }
    }
    let requests = if resources == ["pods"] {
        "pod request"
    } else {
        "request"
    };
    let (what, verb) = if total == 1 {
        (format!("1 {requests}"), "was")
    } else {
        (format!("{total} {requests}s"), "were")
    };
    let refused = if refused > 0 {
        format!(" ({refused} of them refused before the body was read)")
    } else {
        String::new()
    };
    let resources = match resources.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => resources.concat(),
    };
    Some(format!(
        "{what} {verb} logged without the pod spec{refused}; log {resources} at level Request or \
         higher in the audit policy to see their images"
    ))
}

/// ` (1 gzip, 2 zstd, 12.0 MiB compressed)` when some inputs were compressed, else nothing: the
/// byte count after it is what they decompressed to.
fn compressed_note(s: &Stats) -> String {
    let kinds: Vec<String> = Compression::ALL
        .into_iter()
        .filter_map(|c| {
            let n = s.inputs.iter().filter(|i| i.compression == Some(c)).count();
            (n > 0).then(|| format!("{n} {}", c.as_str()))
        })
        .collect();
    if kinds.is_empty() {
        String::new()
    } else {
        format!(
            " ({}, {} compressed)",
            kinds.join(", "),
            human_bytes(s.compressed_bytes)
        )
    }
}

/// `a.log:3 (why)` for each kept location, then `… and N more`.
fn locations(at: &[Skip], total: u64) -> Vec<String> {
    let mut lines: Vec<String> = at
        .iter()
        .map(|s| format!("{}:{} ({})", escape(&s.file), s.line, escape(&s.why)))
        .collect();
    let more = total.saturating_sub(at.len() as u64);
    if more > 0 {
        lines.push(format!("… and {more} more"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
        assert_eq!(plural(1u64, "line"), "1 line");
        assert_eq!(plural(2u64, "line"), "2 lines");
    }

    #[test]
    fn compressed_inputs_are_noted_by_kind() {
        let input = |compression| crate::stats::InputStats {
            compression,
            ..crate::stats::InputStats::new("x")
        };
        let mut s = Stats::default();
        s.inputs.push(input(None));
        assert_eq!(compressed_note(&s), "");
        s.inputs.push(input(Some(Compression::Zstd)));
        s.inputs.push(input(Some(Compression::Gzip)));
        s.inputs.push(input(Some(Compression::Gzip)));
        s.compressed_bytes = 3 << 20;
        assert_eq!(compressed_note(&s), " (2 gzip, 1 zstd, 3.0 MiB compressed)");
    }

    #[test]
    fn locations_are_escaped_and_counted() {
        let at = [Skip {
            file: "a\u{1b}.log".into(),
            line: 3,
            why: "not valid JSON".into(),
        }];
        assert_eq!(
            locations(&at, 4),
            ["a\\u{1b}.log:3 (not valid JSON)", "… and 3 more"]
        );
    }

    #[test]
    fn events_read_twice_and_reused_ids_are_said_in_number() {
        let mut s = Stats::default();
        assert_eq!(identity_line(&s), None);
        s.duplicate_events = 1;
        assert_eq!(
            identity_line(&s).as_deref(),
            Some("1 event was found again (another input holds the same events) and counted once")
        );
        s.duplicate_events = 3;
        s.audit_id_collisions = 2;
        let line = identity_line(&s).expect("a line");
        assert!(line.starts_with("3 events were found again"), "{line}");
        assert!(line.contains("; 2 requests share an auditID"), "{line}");
    }
}
