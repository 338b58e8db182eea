//! The stats summary of a run: what was read, what was found, what was skipped, and what to do
//! about it. Text on stderr for people, or the `summary` object inside the JSON document. (Not to
//! be confused with `--summary`, the per-image view of `by_image.rs`.)

use std::collections::BTreeMap;
use std::io::{self, Write};

use schemars::JsonSchema;
use serde::Serialize;

use super::{Report, fit};
use crate::attribution::{How, Unresolved};
use crate::escape::escape;
use crate::filter::FilterStats;
use crate::finding::{Finding, ObjectKind, Outcome, Reason};
use crate::input::sniff::Compression;
use crate::stats::{Content, ErrorKind, Skip, Stats};

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

/// Writes the summary for people, one fact per line; on a terminal of `width` columns, each
/// wrapped to fit it ([`fit::wrap`]).
pub fn write_text(report: &Report<'_>, width: Option<u16>, out: &mut impl Write) -> io::Result<()> {
    for line in text_lines(report) {
        fit::write_wrapped(&line, width, out)?;
    }
    Ok(())
}

/// The lines of the summary for people, each indented by its level, none wrapped.
fn text_lines(report: &Report<'_>) -> Vec<String> {
    let s = report.stats;
    let mut lines = Vec::new();
    if let Some(accepted) = report.accepted {
        lines.push(format!(
            "falco-pod-scan: suggested {} from {} the API server accepted, among {}",
            plural(accepted.by_repository.len() as u64, "repository pattern"),
            plural(accepted.requests, "pod request"),
            plural(s.pod_requests, "pod request event"),
        ));
    } else {
        let counts = by_reason(report.findings);
        lines.push(format!(
            "falco-pod-scan: {} ({} disallowed-image, {} images-unknown) among {}{}",
            plural(report.findings.len() as u64, "finding"),
            counts.disallowed_image,
            counts.images_unknown,
            plural(s.pod_requests, "pod request event"),
            workload_requests(s),
        ));
        lines.extend(
            attribution_lines(report.findings)
                .into_iter()
                .map(|line| format!("  {line}")),
        );
    }
    lines.push(format!(
        "  read {}{}, {}, {} in {:.2} s ({}/s); parsed {}, {}",
        plural(s.files, "input"),
        compressed_note(s),
        human_bytes(s.bytes),
        plural(s.lines, "line"),
        report.elapsed.as_secs_f64(),
        human_bytes(rate(report)),
        plural(s.parsed, "line"),
        plural(s.events, "audit event"),
    ));
    if s.skipped > 0 {
        let what = if s.skipped == 1 {
            "1 line that is not an audit event".to_owned()
        } else {
            format!("{} lines that are not audit events", s.skipped)
        };
        lines.push(format!("  skipped {what}:"));
        lines.extend(
            locations(&s.skipped_at, s.skipped)
                .into_iter()
                .map(|at| format!("    {at}")),
        );
    }
    let facts = ignored_line(s)
        .into_iter()
        .chain(identity_line(s))
        .chain(damage_lines(s));
    lines.extend(facts.map(|line| format!("  {line}")));
    if report.accepted.is_some() {
        // The findings of a suggestion run (against an empty or a compared allowlist) are not
        // what it reports.
        return lines;
    }
    lines.extend(filter_note(report.filtered).map(|note| format!("  {note}")));
    lines.extend(
        unknown_hints(report.findings)
            .into_iter()
            .map(|hint| format!("  hint: {hint}")),
    );
    lines
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
        // Only the events judged are told apart by identity, not every audit event read: say
        // which, so that the count is not read as that of the whole input.
        let kind = if s.workload_requests > 0 {
            "pod- or workload-request event"
        } else {
            "pod-request event"
        };
        let what = match s.duplicate_events {
            1 => format!("1 {kind} was"),
            n => format!("{n} {kind}s were"),
        };
        parts.push(format!(
            "{what} read again (the same event in another input, or twice in one) and counted \
             once"
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
    // An input that was read but held no audit event was not unreadable: it is said apart, by
    // what happened. One that is an archive of a kind not read (or compressed twice) could not
    // be read as a log, and stays with the unreadable ones.
    let (empty, unreadable): (Vec<_>, Vec<_>) = s.unreadable().partition(|i| {
        i.error_kind == Some(ErrorKind::NoAuditEvents) && i.content != Some(Content::Archive)
    });
    let truncated: Vec<_> = s.truncated().collect();
    for (inputs, what) in [
        (
            truncated,
            "truncated: {n} read only up to the damage or the cut; the findings before it are \
             reported",
        ),
        (empty, "{n} held no audit events"),
        (unreadable, "unreadable: {n} not scanned"),
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
            "{} ({}{more}; see the errors below)",
            what.replace("{n}", &plural(inputs.len() as u64, "input")),
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
    let refused = match (refused, total) {
        (0, _) => String::new(),
        (1, 1) => " (refused before the body was read)".to_owned(),
        (r, t) if r == t => " (all refused before the body was read)".to_owned(),
        (r, _) => format!(" ({r} of them refused before the body was read)"),
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
            Some(
                "1 pod-request event was read again (the same event in another input, or twice \
                 in one) and counted once"
            )
        );
        s.duplicate_events = 3;
        s.audit_id_collisions = 2;
        let line = identity_line(&s).expect("a line");
        assert!(
            line.starts_with("3 pod-request events were read again"),
            "{line}"
        );
        assert!(line.contains("; 2 requests share an auditID"), "{line}");
        // With workload requests judged, those are told apart by identity too.
        s.workload_requests = 4;
        let line = identity_line(&s).expect("a line");
        assert!(
            line.starts_with("3 pod- or workload-request events were read again"),
            "{line}"
        );
    }

    #[test]
    fn inputs_read_without_an_audit_event_are_not_called_unreadable() {
        use crate::stats::{InputFormat, InputStats};
        let input = |file: &str, format, kind, content| InputStats {
            format,
            error: Some(format!("{file}: an error")),
            error_kind: Some(kind),
            content,
            ..InputStats::new(file)
        };
        let s = Stats {
            inputs: vec![
                input("gone.log", None, ErrorKind::NotFound, None),
                input(
                    "Cargo.toml",
                    Some(InputFormat::JsonLines),
                    ErrorKind::NoAuditEvents,
                    Some(Content::Text),
                ),
                input(
                    "logs.zip",
                    Some(InputFormat::JsonLines),
                    ErrorKind::NoAuditEvents,
                    Some(Content::Archive),
                ),
                input(
                    "allow.yaml",
                    Some(InputFormat::JsonLines),
                    ErrorKind::NoAuditEvents,
                    Some(Content::Yaml),
                ),
            ],
            ..Stats::default()
        };
        assert_eq!(
            damage_lines(&s),
            [
                "2 inputs held no audit events (Cargo.toml, allow.yaml; see the errors below)",
                "unreadable: 2 inputs not scanned (gone.log, logs.zip; see the errors below)",
            ]
        );
    }

    /// A run with one of every kind of summary line: attribution counts and unresolved notes,
    /// compressed inputs, skipped lines in a deep directory, files ignored, events read twice and
    /// a reused audit ID, repaired lines, a truncated and an unreadable input, what the filters
    /// did, and a hint for each cause of unknown images.
    fn everything() -> (Vec<Finding>, Stats) {
        use crate::report::sample::{REPLICASET_CONTROLLER, owner_chain, pod, request, resolved};
        use crate::stats::{InputFormat, InputStats};

        let unknown = |name: &str| {
            let mut f = pod(name, "mallory@example.com");
            f.reason = Reason::ImagesUnknown;
            f.disallowed_images = Vec::new();
            f
        };
        let mut not_logged = unknown("ghost");
        not_logged.images = None;
        not_logged.containers = None;
        not_logged.outcome = Outcome::Rejected;
        let mut empty = unknown("empty");
        empty.images = Some(Vec::new());
        empty.containers = Some(Vec::new());
        let mut no_image = unknown("no-image");
        if let Some(c) = no_image.containers.as_mut().and_then(|cs| cs.first_mut()) {
            c.image = None;
        }
        let findings = vec![
            pod("web-1", "bob@example.com"),
            owner_chain("web-6f8b9d7c4d-x2x9k", request("bob@example.com", 7)),
            resolved(
                pod("web-6f8b9d7c4d-q7v2n", REPLICASET_CONTROLLER),
                "ReplicaSet",
                "web-6f8b9d7c4d",
            ),
            not_logged,
            empty,
            no_image,
        ];
        let deep = "/var/log/kubernetes/archive/cluster-production-eu-west-1/kube-apiserver-audit-2026-03-02T09-00-00.000.log";
        let skip = |line, why: &str| Skip {
            file: deep.to_owned(),
            line,
            why: why.to_owned(),
        };
        let input = |file: &str| InputStats {
            format: Some(InputFormat::JsonLines),
            ..InputStats::new(file)
        };
        let mut inputs = vec![
            InputStats {
                compression: Some(Compression::Gzip),
                ..input("audit-2026-03-01.log.gz")
            },
            input(deep),
            InputStats {
                error: Some("ends early".to_owned()),
                compression: Some(Compression::Zstd),
                ..input("logs/audit-2026-03-03.log.zst")
            },
            InputStats {
                error: Some("not found".to_owned()),
                format: None,
                ..input("logs/audit-2026-03-04.log")
            },
        ];
        for name in [
            "cronjob-chain",
            "deployment-chain",
            "forged-owner",
            "missing-owner",
        ] {
            inputs.push(InputStats {
                ignored: true,
                content: Some(Content::Yaml),
                ..input(&format!("logs/_expectations/{name}.yaml"))
            });
        }
        let stats = Stats {
            files: 8,
            bytes: 3 << 30,
            compressed_bytes: 412 << 20,
            lines: 4_204_117,
            parsed: 38_411,
            events: 4_204_000,
            pod_requests: 42,
            workload_requests: 3,
            duplicate_events: 2,
            audit_id_collisions: 1,
            skipped: 17,
            skipped_at: vec![
                skip(3, "not valid JSON: expected value, at column 1"),
                skip(
                    4,
                    "not valid JSON: EOF while parsing a string, at column 748 (the line ends \
                     early: cut short?)",
                ),
                skip(5, "not an audit event"),
            ],
            repaired: 2,
            repaired_at: vec![skip(16, "two events on one line"), skip(19, "NUL bytes")],
            inputs,
            ..Stats::default()
        };
        (findings, stats)
    }

    /// Calls `f` with the report of [`everything`].
    fn with_everything<R>(f: impl FnOnce(&Report<'_>) -> R) -> R {
        let (findings, stats) = everything();
        f(&Report {
            findings: &findings,
            stats: &stats,
            errors: &[],
            elapsed: std::time::Duration::from_millis(2_500),
            filtered: FilterStats {
                excluded: 3,
                kept_without_time: 2,
            },
            accepted: None,
        })
    }

    /// The text summary of [`everything`], fitted to `width`.
    fn summary_at(width: Option<u16>) -> String {
        let mut out = Vec::new();
        with_everything(|report| write_text(report, width, &mut out)).expect("written to memory");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn the_summary_fits_the_terminal_it_is_given() {
        let whole = summary_at(None);
        // Without a terminal each fact is one line, however long, for programs and logs.
        let facts = with_everything(text_lines);
        assert_eq!(whole.lines().count(), facts.len());
        assert!(whole.lines().any(|l| fit::width(l) > 120), "{whole}");
        for width in [40u16, 60, 80, 100, 120, 200] {
            let text = summary_at(Some(width));
            for line in text.lines() {
                assert!(
                    fit::width(line) <= usize::from(width),
                    "wider than {width}: {line}\n{text}"
                );
            }
            // Every word is still there, in order, whole or shortened in the middle.
            let words = |t: &str| t.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
            assert_eq!(words(&text).len(), words(&whole).len(), "{width}");
        }
    }

    #[test]
    fn summary_snapshots_at_80_and_120_columns() {
        insta::assert_snapshot!("summary_80", summary_at(Some(80)));
        insta::assert_snapshot!("summary_120", summary_at(Some(120)));
    }

    #[test]
    fn the_hint_counts_refused_requests_only_when_some_were_not() {
        let refused = |outcome| {
            let mut f = crate::report::sample::pod("ghost", "mallory@example.com");
            f.reason = Reason::ImagesUnknown;
            f.images = None;
            f.containers = None;
            f.outcome = outcome;
            f
        };
        let hint = |findings: &[Finding]| unknown_hint(findings).expect("a hint");
        assert!(
            hint(&[refused(Outcome::Rejected)])
                .starts_with("1 pod request was logged without the pod spec (refused before"),
        );
        let both = [refused(Outcome::Rejected), refused(Outcome::Rejected)];
        assert!(hint(&both).contains("pod spec (all refused before the body was read);"));
        let one = [refused(Outcome::Rejected), refused(Outcome::Created)];
        assert!(hint(&one).contains("pod spec (1 of them refused before the body was read);"));
        assert!(hint(&[refused(Outcome::Created)]).contains("pod spec; log pods"));
    }
}
