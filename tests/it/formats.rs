//! The output formats for findings: the table (a snapshot at a fixed width, never wrapped without
//! a terminal), the JSON document with every key, JSON lines, and CSV (RFC 4180, formulas defused).

use std::path::PathBuf;
use std::time::Duration;

use falco_pod_scan::{
    Allowlist, Format, Mode, Options, Policy, Report, ScanOptions, Scope, Style, View, scan,
    write_report,
};
use serde_json::Value;

use crate::util::{ALLOW, Event, SAMPLE, code, json, json_as, parse_lines, root, run, stdout};

/// Renders the findings of `paths` as a table through the library, at a fixed width.
fn table(paths: &[&str], width: Option<u16>) -> String {
    let policy = Policy {
        allowlist: Allowlist::load(&root().join(ALLOW), "docker.io").expect("allowlist"),
        default_registry: "docker.io".to_owned(),
        mode: Mode::Default,
        scope: Scope::default(),
    };
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    let cwd = std::env::current_dir().expect("cwd");
    assert_eq!(
        cwd,
        root(),
        "cargo runs integration tests from the package root"
    );
    let result = scan(&paths, &policy, &ScanOptions::default());
    let report = Report {
        findings: &result.findings,
        stats: &result.stats,
        errors: &result.errors,
        elapsed: Duration::ZERO,
        filtered: result.filtered,
        accepted: None,
    };
    let mut out = Vec::new();
    let options = Options {
        view: View::Findings,
        format: Format::Table,
        style: Style {
            color: false,
            width,
        },
        hostname: String::new(),
    };
    write_report(&report, &options, &mut out).expect("write to a Vec");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn table_snapshot_at_fixed_width() {
    insta::assert_snapshot!(table(&[SAMPLE], Some(120)));
}

#[test]
fn table_rows_are_never_wrapped_without_a_terminal() {
    let t = table(&[SAMPLE], None);
    assert!(
        t.lines()
            .any(|l| l.contains("xmrig/xmrig:latest") && l.contains("kworker-sync")),
        "{t}"
    );
}

#[test]
fn json_document_has_every_key_and_a_summary() {
    // Raw JSON on purpose: the typed report would read a missing key as `None`.
    let (doc, out) = json_as::<Value>(&[SAMPLE, "--allow", ALLOW]);
    assert_eq!(code(&out), 1);
    assert_eq!(out.stderr, b"", "the summary is inside the document");
    let keys = [
        "file",
        "line",
        "audit_id",
        "time",
        "stage",
        "action",
        "namespace",
        "pod",
        "generate_name",
        "user",
        "impersonated_user",
        "source_ips",
        "user_agent",
        "status_code",
        "outcome",
        "reason",
        "images",
        "disallowed_images",
        "containers",
        "kind",
        "name",
        "attribution",
    ];
    for f in doc["findings"].as_array().expect("findings is an array") {
        let obj = f.as_object().expect("object");
        let got: std::collections::BTreeSet<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(got, keys.into_iter().collect(), "{f}");
    }
    let summary = &doc["summary"];
    for key in [
        "files",
        "bytes",
        "lines",
        "events",
        "pod_requests",
        "skipped",
        "skipped_at",
        "findings",
        "errors",
        "elapsed_seconds",
    ] {
        assert!(summary.get(key).is_some(), "summary lacks {key}: {summary}");
    }
    assert_eq!(
        summary["findings_by_reason"],
        serde_json::json!({"disallowed-image": 3, "images-unknown": 2})
    );
    assert_eq!(summary["files"], 1);
    assert_eq!(summary["lines"], 58);
}

#[test]
fn jsonl_is_one_finding_per_line() {
    let out = run(&[SAMPLE, "--allow", ALLOW, "--format", "jsonl"]);
    let lines = parse_lines(&stdout(&out));
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[1].disallowed_images, ["xmrig/xmrig:latest"]);
    let (doc, _) = json(&[SAMPLE, "--allow", ALLOW]);
    assert_eq!(lines, doc.findings, "the same findings as the document");
}

#[test]
fn csv_is_rfc_4180_with_one_row_per_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("agents.log");
    let hostile = Event::create("web")
        .image("nginx")
        .user_agent(r#"=HYPERLINK(\"x\"), \"quoted\"\nnext line ,kubectl/v1.29.2"#);
    std::fs::write(&log, format!("{}\n", hostile.line())).expect("write");
    let out = run(&[
        log.to_str().expect("utf-8"),
        "--allow",
        "testdata/allow-apache.yaml",
        "--format",
        "csv",
    ]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.contains("\r\n"), "RFC 4180 ends records with CRLF");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    assert_eq!(header.len(), 19);
    assert_eq!(&header[0], "file");
    assert_eq!(&header[18], "containers");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a record")).collect();
    assert_eq!(rows.len(), 1);
    let field = |name: &str| &rows[0][header.iter().position(|h| h == name).expect("column")];
    assert_eq!(
        field("user_agent"),
        "'=HYPERLINK(\"x\"), \"quoted\"\nnext line ,kubectl/v1.29.2",
        "defused, quoted, whole"
    );
    assert_eq!(field("disallowed_images"), "nginx");
    assert_eq!(field("containers"), "container:c=nginx");
    assert_eq!(field("status_code"), "201");

    let sample = stdout(&run(&[SAMPLE, "--allow", ALLOW, "--format", "csv"]));
    assert_eq!(
        csv::Reader::from_reader(sample.as_bytes())
            .records()
            .count(),
        5
    );
}
