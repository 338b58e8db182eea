//! Output formats (SPEC §9): the table (snapshot at a fixed width, escaping, colour), the JSON
//! document and JSON lines.

use std::path::PathBuf;
use std::time::Duration;

use falco_pod_scan::allow::Allowlist;
use falco_pod_scan::cli::Format;
use falco_pod_scan::filter::Scope;
use falco_pod_scan::finding::{Mode, Policy};
use falco_pod_scan::report::{self, Report, Style};
use falco_pod_scan::scan::{self, ScanOptions};
use serde_json::Value;

use crate::util::{code, findings, json, root, run, stdout};

const ALLOW: &str = "testdata/allow.yaml";

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
    let result = scan::scan(&paths, &policy, &ScanOptions::default());
    let report = Report {
        findings: &result.findings,
        stats: &result.stats,
        errors: &result.errors,
        elapsed: Duration::ZERO,
        filtered: result.filtered,
        accepted: None,
    };
    let mut out = Vec::new();
    let style = Style {
        color: false,
        width,
    };
    report::write_findings(&report, Format::Table, &style, &mut out).expect("write to a Vec");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn table_snapshot_at_fixed_width() {
    insta::assert_snapshot!(table(&["testdata/sample-audit.log"], Some(120)));
}

#[test]
fn table_rows_are_never_wrapped_without_a_terminal() {
    let t = table(&["testdata/sample-audit.log"], None);
    assert!(
        t.lines()
            .any(|l| l.contains("xmrig/xmrig:latest") && l.contains("kworker-sync")),
        "{t}"
    );
}

/// A log whose attacker-controlled strings carry terminal escapes and a bidi override.
fn hostile_log() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = std::fs::read_to_string(root().join("testdata/nginx-create.json")).expect("fixture");
    let line = line
        .replace(
            "nginx-deployment-7c79c4bf97-vqtwc",
            "pwn\\u001b]52;c;ZXZpbA==\\u0007\\u001b[2J",
        )
        .replace("\"image\":\"nginx\"", "\"image\":\"evil\\u202egnp.exe\"");
    std::fs::write(dir.path().join("hostile.log"), line).expect("write");
    dir
}

#[test]
fn table_escapes_control_and_bidi_characters() {
    let dir = hostile_log();
    let log = dir.path().join("hostile.log");
    let out = run(&[
        log.to_str().expect("utf-8"),
        "--allow",
        "testdata/allow-apache.yaml",
        "--color",
        "always",
    ]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.contains("pwn\\u{1b}]52;c;ZXZpbA==\\u{7}\\u{1b}[2J"),
        "{text}"
    );
    assert!(text.contains("evil\\u{202e}gnp.exe"), "{text}");
    assert!(!text.contains('\u{202e}') && !text.contains('\u{7}'));
    assert!(
        !text.contains("\u{1b}]") && !text.contains("\u{1b}[2J"),
        "only our own colour codes"
    );
    // JSON keeps the exact strings, escaped by JSON itself.
    let (doc, _) = json(&[
        log.to_str().expect("utf-8"),
        "--allow",
        "testdata/allow-apache.yaml",
    ]);
    assert_eq!(
        findings(&doc)[0]["pod"],
        "pwn\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J"
    );
    assert_eq!(findings(&doc)[0]["images"][0], "evil\u{202e}gnp.exe");
}

#[test]
fn colour_follows_the_flag() {
    let always = run(&[
        "testdata/sample-audit.log",
        "--allow",
        ALLOW,
        "--color",
        "always",
    ]);
    assert!(
        stdout(&always).contains("\u{1b}["),
        "colour codes with --color always"
    );
    for args in [&["--color", "never"][..], &["--color", "auto"], &[]] {
        let out = run(&[&["testdata/sample-audit.log", "--allow", ALLOW][..], args].concat());
        assert!(
            !stdout(&out).contains('\u{1b}'),
            "no colour in a pipe with {args:?}"
        );
    }
}

#[test]
fn no_color_is_honoured_on_a_terminal() {
    // `script` (util-linux, on every Debian machine) gives the tool a pseudo-terminal as stdout.
    let bin = env!("CARGO_BIN_EXE_falco-pod-scan");
    let command = format!("{bin} testdata/sample-audit.log --allow {ALLOW} --quiet");
    let on_tty = |no_color: bool| {
        let mut c = std::process::Command::new("script");
        c.args(["-qec", &command, "/dev/null"])
            .current_dir(root())
            .env_clear()
            .env("TERM", "xterm");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        String::from_utf8_lossy(&c.output().expect("script runs").stdout).into_owned()
    };
    assert!(on_tty(false).contains("\u{1b}["), "colour on a terminal");
    let plain = on_tty(true);
    assert!(
        plain.contains("xmrig/xmrig:latest") && !plain.contains("\u{1b}["),
        "{plain}"
    );
}

#[test]
fn json_document_has_every_key_and_a_summary() {
    let (doc, out) = json(&["testdata/sample-audit.log", "--allow", ALLOW]);
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
    ];
    for f in findings(&doc) {
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
    let out = run(&[
        "testdata/sample-audit.log",
        "--allow",
        ALLOW,
        "--format",
        "jsonl",
    ]);
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(
        lines[1]["disallowed_images"],
        serde_json::json!(["xmrig/xmrig:latest"])
    );
}
