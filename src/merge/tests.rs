//! The merge against the scan it stands in for: logs scanned in one run, and the same logs
//! scanned in parts whose reports (written by the real report module) are read back and merged,
//! give the same findings, summary and filter counts. Then what is not a report, and how each
//! kind of non-report is named.

use std::path::{Path, PathBuf};
use std::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::filter::parse_bound;
use crate::report::{self, Format, Options, Report, Style, View};
use crate::scan::{self, Scan, ScanOptions};
use crate::testing::{self, pod_create};

/// A pod create in `ns` by `user` at minute `minute`, stage `stage`, running `image`.
fn pod(id: &str, stage: &str, ns: &str, minute: u32, image: &str) -> String {
    (pod_create().api_server().audit_id(id).stage(stage))
        .namespace(ns)
        .name(id)
        .user("alice")
        .status(201)
        .time(&format!("2026-03-01T10:{minute:02}:00Z"))
        .image(image)
        .line()
}

/// Writes each log (name, lines) into `dir`, returning their paths in order.
fn write_logs(dir: &Path, logs: &[(&str, Vec<String>)]) -> Vec<PathBuf> {
    logs.iter()
        .map(|(name, lines)| {
            let path = dir.join(name);
            std::fs::write(&path, lines.join("\n") + "\n").expect("write the log");
            path
        })
        .collect()
}

/// Scans `paths` in one run, as the binary does, under `filter`.
fn scan_with(paths: &[PathBuf], filter: Filter) -> Scan {
    let policy = testing::policy("[nginx]").filter(filter).build();
    scan::scan(paths, &policy, &ScanOptions::default())
}

/// A scan's report as `format` writes it, read back.
fn saved(name: &str, scan: &Scan, format: Format) -> Saved {
    let report = Report {
        findings: &scan.findings,
        stats: &scan.stats,
        errors: &scan.errors,
        elapsed: Duration::from_millis(250),
        filtered: scan.filtered,
        accepted: None,
    };
    let options = Options {
        view: View::Findings,
        format,
        style: Style::default(),
        started: None,
        hostname: String::new(),
    };
    let mut out = Vec::new();
    report::write(&report, &options, &mut out).expect("written to memory");
    read::parse(name, &out).expect("a report")
}

/// A filter from its four options (empty strings: none).
fn filter(since: &str, until: &str, namespaces: &[&str]) -> Filter {
    let bound = |s: &str| (!s.is_empty()).then(|| parse_bound(s).expect("a bound"));
    let ns: Vec<String> = namespaces.iter().map(|s| (*s).to_owned()).collect();
    Filter::new(bound(since), bound(until), &ns, &[]).expect("a filter")
}

/// Two clusters' logs: the first with a request logged at two stages and one without audit ID,
/// the second with an allowed request and one cut off before completion.
fn clusters(dir: &Path) -> Vec<PathBuf> {
    let nobody = pod_create()
        .api_server()
        .stage("ResponseComplete")
        .namespace("dev")
        .status(201)
        .image("xmrig/xmrig")
        .line();
    write_logs(
        dir,
        &[
            (
                "a.log",
                vec![
                    pod("a1", "RequestReceived", "shop", 1, "redis"),
                    pod("a2", "ResponseComplete", "dev", 2, "nginx"),
                    "not an event".to_owned(),
                    pod("a1", "ResponseComplete", "shop", 3, "redis"),
                    nobody,
                ],
            ),
            (
                "b.log",
                vec![
                    pod("b1", "ResponseComplete", "shop", 4, "busybox"),
                    pod("b2", "RequestReceived", "prod", 5, "alpine"),
                    pod("b3", "ResponseComplete", "prod", 6, "nginx"),
                ],
            ),
        ],
    )
}

/// The findings as `file:line` locations, the way the comparisons show them.
fn located(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| format!("{}:{}", f.file, f.line))
        .collect()
}

#[test]
fn shards_merged_equal_one_run_in_json_and_json_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = clusters(dir.path());
    let whole = scan_with(&paths, Filter::default());
    let a = dir.path().join("a.log").display().to_string();
    let b = dir.path().join("b.log").display().to_string();
    // Worked out from the logs: a1 by its completion, the request without audit ID, b1, and b2,
    // whose completion was not logged. a2 and b3 run nginx, which is allowed.
    assert_eq!(
        located(&whole.findings),
        [
            format!("{a}:4"),
            format!("{a}:5"),
            format!("{b}:1"),
            format!("{b}:2")
        ]
    );
    for format in [Format::Json, Format::Jsonl] {
        let parts: Vec<Saved> = paths
            .iter()
            .map(|p| {
                saved(
                    "part",
                    &scan_with(std::slice::from_ref(p), Filter::default()),
                    format,
                )
            })
            .collect();
        let merged = merge(parts, &Filter::default(), Vec::new());
        assert_eq!(merged.findings, whole.findings, "{format:?}");
        assert!(merged.errors.is_empty());
        if format == Format::Json {
            assert_eq!(merged.stats, whole.stats);
            assert_eq!(
                merged.elapsed,
                Duration::from_millis(500),
                "the runs' times added"
            );
            assert!(merged.notes.is_empty(), "{:?}", merged.notes);
        } else {
            assert_eq!(merged.stats, Stats::default(), "JSON lines carry no counts");
            assert_eq!(merged.notes.len(), 1);
            assert!(merged.notes[0].starts_with("2 reports (part, …) are JSON lines"));
        }
    }
}

#[test]
fn filters_count_the_same_whether_the_shards_or_the_merge_apply_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut paths = clusters(dir.path());
    // A third log with a finding whose time cannot be read.
    paths.extend(write_logs(
        dir.path(),
        &[(
            "c.log",
            vec![
                (pod_create()
                    .api_server()
                    .audit_id("c1")
                    .stage("ResponseComplete"))
                .namespace("shop")
                .status(201)
                .image("xmrig/xmrig")
                .line(),
            ],
        )],
    ));
    let window = || filter("2026-03-01T10:02:00Z", "2026-03-01T10:05:00Z", &[]);
    let whole = scan_with(&paths, window());
    // a1 (10:03) and b1 (10:04) are inside; the untimed c1 is kept; the request without audit ID
    // (no time either) is kept too; b2 (10:05) is out.
    assert_eq!(whole.findings.len(), 4);
    assert_eq!(whole.filtered.excluded, 1);
    assert_eq!(whole.filtered.kept_without_time, 2);
    let report_of = |p: &PathBuf, f: Filter| {
        saved("part", &scan_with(std::slice::from_ref(p), f), Format::Json)
    };
    // The shards filter, the merge does not.
    let filtered: Vec<Saved> = paths.iter().map(|p| report_of(p, window())).collect();
    let merged = merge(filtered.clone(), &Filter::default(), Vec::new());
    assert_eq!(merged.findings, whole.findings);
    assert_eq!(merged.filtered, whole.filtered);
    // The merge filters, the shards do not.
    let unfiltered: Vec<Saved> = paths
        .iter()
        .map(|p| report_of(p, Filter::default()))
        .collect();
    let merged = merge(unfiltered, &window(), Vec::new());
    assert_eq!(merged.findings, whole.findings);
    assert_eq!(merged.filtered, whole.filtered);
    // Both: each finding is judged twice, but counted once.
    let merged = merge(filtered, &window(), Vec::new());
    assert_eq!(merged.findings, whole.findings);
    assert_eq!(merged.filtered, whole.filtered);
    // A namespace filter on the merge narrows further, and counts what it left out.
    let shop = filter("", "", &["shop"]);
    let merged = merge(
        paths.iter().map(|p| report_of(p, window())).collect(),
        &shop,
        Vec::new(),
    );
    let namespaces: Vec<_> = merged
        .findings
        .iter()
        .map(|f| f.namespace.as_deref())
        .collect();
    assert_eq!(namespaces, [Some("shop"), Some("shop"), Some("shop")]);
    assert_eq!(merged.filtered.excluded, 1 + 1);
}

#[test]
fn one_finding_per_request_across_reports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = write_logs(
        dir.path(),
        &[
            // An older archive and a newer one that overlap: the same completed event in both,
            // and a request whose completion only the newer one holds.
            (
                "old.log",
                vec![
                    pod("x", "ResponseComplete", "shop", 1, "redis"),
                    pod("y", "RequestReceived", "shop", 2, "redis"),
                ],
            ),
            (
                "new.log",
                vec![
                    pod("x", "ResponseComplete", "shop", 1, "redis"),
                    pod("y", "ResponseComplete", "shop", 3, "redis"),
                    // A different request that reuses the ID `x` (another namespace).
                    pod("x", "ResponseComplete", "dev", 4, "redis"),
                ],
            ),
        ],
    );
    let reports: Vec<Saved> = paths
        .iter()
        .map(|p| {
            saved(
                "r",
                &scan_with(std::slice::from_ref(p), Filter::default()),
                Format::Json,
            )
        })
        .collect();
    let merged = merge(reports, &Filter::default(), Vec::new());
    let got: Vec<_> = merged
        .findings
        .iter()
        .map(|f| {
            let file = Path::new(&f.file).file_name().expect("a file name");
            format!(
                "{}:{} {}",
                file.to_string_lossy(),
                f.line,
                f.namespace.as_deref().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(got, ["old.log:1 shop", "new.log:2 shop", "new.log:3 dev"]);
    assert_eq!(merged.notes.len(), 1, "{:?}", merged.notes);
    assert!(
        merged.notes[0].starts_with("1 finding was found again"),
        "{:?}",
        merged.notes
    );
    // Findings without an audit ID are never the same request.
    let base = merged.findings[0].clone();
    let twice = |id: Option<&str>| {
        let mut f = base.clone();
        f.audit_id = id.map(str::to_owned);
        let report = Saved {
            name: "r".into(),
            findings: vec![f],
            summary: None,
        };
        merge(vec![report.clone(), report], &Filter::default(), Vec::new())
            .findings
            .len()
    };
    assert_eq!(twice(None), 2);
    assert_eq!(twice(Some("")), 2);
    assert_eq!(twice(Some("id")), 1);
}

#[test]
fn summaries_add_up_and_errors_carry_over() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lines = vec!["garbage".to_owned(); 4];
    lines.push(pod("z", "ResponseComplete", "shop", 1, "redis"));
    let paths = write_logs(dir.path(), &[("a.log", lines.clone()), ("b.log", lines)]);
    let missing = dir.path().join("missing.log");
    let mut reports: Vec<Saved> = paths
        .iter()
        .map(|p| {
            saved(
                "r",
                &scan_with(std::slice::from_ref(p), Filter::default()),
                Format::Json,
            )
        })
        .collect();
    reports.push(saved(
        "r",
        &scan_with(std::slice::from_ref(&missing), Filter::default()),
        Format::Json,
    ));
    let all: Vec<PathBuf> = paths.iter().cloned().chain([missing]).collect();
    let whole = scan_with(&all, Filter::default());
    let merged = merge(
        reports,
        &Filter::default(),
        vec![crate::stats::RunError::new(
            crate::stats::RunErrorKind::UnreadableReport,
            "bad.json: not a report".into(),
        )],
    );
    let mut expected = whole.stats.clone();
    expected.run_errors.push(crate::stats::RunError::new(
        crate::stats::RunErrorKind::UnreadableReport,
        "bad.json: not a report".into(),
    ));
    assert_eq!(merged.stats, expected);
    assert_eq!(merged.stats.skipped, 8);
    assert_eq!(merged.stats.skipped_at.len(), crate::stats::MAX_LOCATIONS);
    // The missing log was not read: two inputs were.
    assert_eq!(merged.stats.files, 2);
    // Both logs hold the same event: the second is the first found again.
    assert_eq!(merged.findings.len(), 1);
    assert_eq!(merged.errors.len(), 2, "{:?}", merged.errors);
    assert!(
        merged.errors[0].contains("missing.log"),
        "{:?}",
        merged.errors
    );
    assert_eq!(merged.errors[1], "bad.json: not a report");
}

#[test]
fn what_is_not_a_report_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = clusters(dir.path());
    let scan = scan_with(&paths, Filter::default());
    let write = |format, view| {
        let report = Report {
            findings: &scan.findings,
            stats: &scan.stats,
            errors: &scan.errors,
            elapsed: Duration::ZERO,
            filtered: scan.filtered,
            accepted: None,
        };
        let options = Options {
            view,
            format,
            style: Style::default(),
            started: None,
            hostname: "h".to_owned(),
        };
        let mut out = Vec::new();
        report::write(&report, &options, &mut out).expect("written to memory");
        out
    };
    let refused =
        |bytes: &[u8]| format!("{:#}", read::parse("r.json", bytes).expect_err("refused"));
    let json = write(Format::Json, View::Findings);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (write(Format::Json, View::ByImage), "--summary report"),
        (write(Format::Jsonl, View::ByImage), "--summary report"),
        (write(Format::FalcoJson, View::Findings), "Falco alert"),
        (write(Format::Table, View::Findings), "is not JSON"),
        (write(Format::Csv, View::Findings), "is not JSON"),
        (write(Format::Falco, View::Findings), "is not JSON"),
        (std::fs::read(&paths[0]).expect("a log"), "audit event"),
        (json[..json.len() / 2].to_vec(), "cut short"),
        (b"[1, 2]".to_vec(), "not an object"),
        (
            br#"{"findings": 3, "summary": {}}"#.to_vec(),
            "looks like a --format json report",
        ),
        (br#"{"file": "a.log"}"#.to_vec(), "not a finding"),
    ];
    for (bytes, what) in cases {
        let e = refused(&bytes);
        assert!(e.starts_with("r.json"), "{e}");
        assert!(e.contains(what), "{what}: {e}");
    }
    // Empty, blank and BOM-led reports are reports (JSON lines of no finding, or a document).
    assert!(read::parse("r", b"").expect("empty").findings.is_empty());
    assert!(
        read::parse("r", b" \n\n")
            .expect("blank")
            .findings
            .is_empty()
    );
    let with_bom = [b"\xef\xbb\xbf".as_slice(), &json].concat();
    assert_eq!(
        read::parse("r", &with_bom).expect("bom").findings,
        scan.findings
    );
}

#[test]
fn directories_of_reports_are_read_in_order_without_leftovers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let logs = clusters(dir.path());
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).expect("mkdir");
    for (i, log) in logs.iter().enumerate() {
        let scan = scan_with(std::slice::from_ref(log), Filter::default());
        let report = Report {
            findings: &scan.findings,
            stats: &scan.stats,
            errors: &scan.errors,
            elapsed: Duration::ZERO,
            filtered: scan.filtered,
            accepted: None,
        };
        let options = Options {
            view: View::Findings,
            format: Format::Json,
            style: Style::default(),
            started: None,
            hostname: String::new(),
        };
        let mut out = Vec::new();
        report::write(&report, &options, &mut out).expect("written");
        std::fs::write(reports.join(format!("shard-{i}.json")), out).expect("write");
    }
    // What a killed writer leaves behind is passed over.
    std::fs::write(
        reports.join(".shard-2.json.falco-pod-scan.1-2-0.tmp"),
        "{\"findings\":[",
    )
    .expect("write");
    let merged = merge_paths(std::slice::from_ref(&reports), &Filter::default());
    assert!(merged.errors.is_empty(), "{:?}", merged.errors);
    assert_eq!(
        merged.findings,
        scan_with(&logs, Filter::default()).findings
    );
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let merged = merge_paths(&[empty, reports.join("shard-9.json")], &Filter::default());
    assert_eq!(merged.errors.len(), 2, "{:?}", merged.errors);
    assert!(merged.errors[0].ends_with("empty: no report in this directory"));
    assert!(merged.errors[1].contains("shard-9.json"));
}

/// One generated event of a cluster: (request number, stage, image, minute).
type Step = (u8, &'static str, &'static str, u32);

/// Writes each cluster's events as its own log, audit IDs unique to the cluster.
fn cluster_logs(dir: &Path, clusters: &[Vec<Step>]) -> Vec<PathBuf> {
    let logs: Vec<(String, Vec<String>)> = clusters
        .iter()
        .enumerate()
        .map(|(c, steps)| {
            let lines = steps
                .iter()
                .map(|&(req, stage, image, minute)| {
                    let ns = if req % 2 == 0 { "shop" } else { "dev" };
                    pod(&format!("c{c}-r{req}"), stage, ns, minute, image)
                })
                .collect();
            (format!("cluster-{c}.log"), lines)
        })
        .collect();
    let named: Vec<(&str, Vec<String>)> =
        logs.iter().map(|(n, l)| (n.as_str(), l.clone())).collect();
    write_logs(dir, &named)
}

fn step() -> impl Strategy<Value = Step> {
    (
        0u8..4,
        prop::sample::select(vec![
            "RequestReceived",
            "ResponseStarted",
            "ResponseComplete",
            "Panic",
        ]),
        prop::sample::select(vec!["nginx", "redis", "xmrig/xmrig"]),
        0u32..10,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Any clusters, any number of shards, shards reading clusters `i mod N`: the merge of the
    /// shards' reports (in shard order) equals one run over the clusters in that order.
    #[test]
    fn merged_shards_equal_one_run(
        clusters in prop::collection::vec(prop::collection::vec(step(), 0..6), 1..6),
        count in 1usize..5,
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = cluster_logs(dir.path(), &clusters);
        let window = filter("2026-03-01T10:02:00Z", "", &[]);
        let mut in_shard_order = Vec::new();
        let mut reports = Vec::new();
        for index in 0..count {
            let mine = crate::shard::Shard { index, count }.select(paths.clone());
            reports.push(saved("shard", &scan_with(&mine, Filter::default()), Format::Json));
            in_shard_order.extend(mine);
        }
        let whole = scan_with(&in_shard_order, window.clone());
        let merged = merge(reports, &window, Vec::new());
        prop_assert_eq!(&merged.findings, &whole.findings);
        prop_assert_eq!(&merged.stats, &whole.stats);
        prop_assert_eq!(merged.filtered, whole.filtered);
    }
}
