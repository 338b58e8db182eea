//! The output formats for findings: the table (a snapshot at a fixed width, never wrapped without
//! a terminal), the JSON document with every key, JSON lines, and CSV (RFC 4180, formulas defused),
//! each showing who is behind a finding as the hand-worked attribution cases say.

use std::path::PathBuf;
use std::time::Duration;

use falco_pod_scan::{
    Allowlist, Format, Mode, Options, Policy, Report, ScanOptions, Scope, Style, View, scan,
    write_report,
};
use serde_json::Value;

use crate::util::{
    ALLOW, ATTRIBUTION, Event, MIXED, SAMPLE, code, json, json_as, parse_lines, root, run, stderr,
    stdout,
};

/// Renders the findings of `paths` as a table through the library, at a fixed width.
fn table(paths: &[&str], width: Option<u16>) -> String {
    let policy = Policy {
        allowlist: Allowlist::load(&root().join(ALLOW), "docker.io").expect("allowlist"),
        default_registry: "docker.io".to_owned(),
        mode: Mode::Default,
        workloads: false,
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
            base: Some(cwd),
        },
        hostname: String::new(),
        started: None,
    };
    write_report(&report, &options, &mut out).expect("write to a Vec");
    String::from_utf8(out).expect("UTF-8")
}

/// The widths a table is checked at: a classic terminal, two common ones and a wide screen.
const WIDTHS: [u16; 4] = [80, 100, 120, 200];

/// Asserts that every line of `text` is at most `width` columns wide.
fn assert_fits(text: &str, width: u16) {
    for line in text.lines() {
        let columns = unicode_width::UnicodeWidthStr::width(line);
        assert!(
            columns <= usize::from(width),
            "{columns} > {width}: {line}\n{text}"
        );
    }
}

#[test]
fn table_fits_each_width_and_keeps_every_row_short() {
    for width in WIDTHS {
        for paths in [&[SAMPLE][..], &ATTRIBUTION] {
            let text = table(paths, Some(width));
            assert_fits(&text, width);
            // Each row is at most as tall as its tallest cell: the USER cell of a pod that a
            // person created as someone else through a controller's name has three lines.
            let rows = text.lines().filter(|l| l.starts_with("│ 20")).count();
            let findings = if paths.len() == 1 { 5 } else { 26 };
            assert_eq!(rows, findings, "{width}: one row per finding\n{text}");
            assert!(
                text.lines().count() <= 5 + 3 * findings,
                "{width}: {} lines\n{text}",
                text.lines().count()
            );
            assert!(
                !text.contains(&root().display().to_string()),
                "relative paths"
            );
        }
    }
}

#[test]
fn table_snapshots_at_80_100_120_and_200_columns() {
    for width in WIDTHS {
        insta::assert_snapshot!(format!("sample_{width}"), table(&[SAMPLE], Some(width)));
        insta::assert_snapshot!(
            format!("attribution_{width}"),
            table(
                &[
                    "testdata/attribution/deployment-chain.log",
                    "testdata/attribution/forged-owner.log",
                    "testdata/attribution/missing-owner.log",
                ],
                Some(width)
            )
        );
    }
}

#[test]
fn below_a_readable_table_each_finding_is_a_block() {
    let text = table(&[SAMPLE], Some(40));
    assert_fits(&text, 40);
    assert_eq!(text.matches(" of 5\n").count(), 5, "{text}");
    insta::assert_snapshot!("sample_40", text);
}

#[test]
fn absolute_paths_are_shown_relative_to_the_current_directory() {
    let absolute = root().join(SAMPLE);
    let text = table(&[absolute.to_str().expect("UTF-8")], Some(200));
    assert!(text.contains(&format!(" {SAMPLE}:32 ")), "{text}");
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
        "item",
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
    assert_eq!(header.len(), 33);
    assert_eq!(&header[0], "file");
    assert_eq!(&header[18], "containers");
    assert_eq!(&header[19], "kind");
    assert_eq!(&header[21], "attribution_how");
    assert_eq!(&header[32], "attribution_note");
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

/// The hand-worked attribution cases (`testdata/attribution/expected/*.json`) that run without
/// `--workloads`: their command line and expected findings.
fn attribution_cases() -> Vec<(Vec<String>, Vec<Value>)> {
    let dir = root().join("testdata/attribution/expected");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the expected directory")
        .map(|e| e.expect("an entry").path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("read");
            let case: Value = serde_json::from_str(&text).expect("JSON");
            let args: Vec<String> = case["args"]
                .as_array()
                .expect("args")
                .iter()
                .map(|a| a.as_str().expect("a string").to_owned())
                .collect();
            let findings = case["findings"].as_array().expect("findings").clone();
            (args, findings)
        })
        .filter(|(args, _)| !args.iter().any(|a| a == "--workloads"))
        .collect()
}

#[test]
fn csv_spreads_attribution_over_flat_columns_as_the_worked_cases_say() {
    let cases = attribution_cases();
    assert!(cases.len() >= 9, "every case but the workloads one");
    for (args, findings) in cases {
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        all.extend(["--format", "csv", "--quiet"]);
        let text = stdout(&run(&all));
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader.headers().expect("header").clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a record")).collect();
        assert_eq!(rows.len(), findings.len(), "{args:?}");
        let column = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("no column {name}"))
        };
        for (row, want) in rows.iter().zip(&findings) {
            let field = |name: &str| &row[column(name)];
            let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
            let at = format!("{}:{}", want["file"], want["line"]);
            assert_eq!(field("file"), text(&want["file"]), "{at}");
            assert_eq!(field("line"), want["line"].to_string(), "{at}");
            for key in ["kind", "name", "pod", "user"] {
                assert_eq!(field(key), text(&want[key]), "{at} {key}");
            }
            let a = &want["attribution"];
            assert_eq!(field("attribution_how"), text(&a["how"]), "{at}");
            let chain: Vec<String> = a["chain"]
                .as_array()
                .expect("chain")
                .iter()
                .map(text)
                .collect();
            assert_eq!(field("attribution_chain"), chain.join(" > "), "{at}");
            let i = &a["initiator"];
            for key in [
                "user",
                "impersonated_user",
                "verb",
                "time",
                "audit_id",
                "file",
            ] {
                assert_eq!(
                    field(&format!("initiator_{key}")),
                    text(&i[key]),
                    "{at} {key}"
                );
            }
            let line = if i.is_null() {
                String::new()
            } else {
                i["line"].to_string()
            };
            assert_eq!(field("initiator_line"), line, "{at}");
            match a["note"].as_str() {
                None => assert_eq!(field("attribution_note"), "", "{at}"),
                Some(note) => assert!(field("attribution_note").contains(note), "{at}"),
            }
        }
    }
}

/// The table row whose SOURCE is `source`, and the lines beneath it up to the next row.
fn table_row<'t>(table: &'t str, source: &str) -> Vec<&'t str> {
    let lines: Vec<&str> = table.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains(&format!(" {source} ")))
        .unwrap_or_else(|| panic!("no row from {source}:\n{table}"));
    let mut row = vec![lines[start]];
    // A row's further lines have an empty TIME cell.
    row.extend(
        lines[start + 1..]
            .iter()
            .take_while(|l| l.starts_with("│  ")),
    );
    row
}

/// The text of the USER column (the fourth) on each line of `row`.
fn user_column(row: &[&str]) -> Vec<String> {
    row.iter()
        .map(|l| {
            l.split(['│', '┆'])
                .nth(4)
                .expect("a USER cell")
                .trim()
                .to_owned()
        })
        .filter(|cell| !cell.is_empty())
        .collect()
}

#[test]
fn the_table_shows_who_is_behind_each_pod_and_how_it_was_found() {
    let table = table(&ATTRIBUTION, None);
    let controller = "system:serviceaccount:kube-system:replicaset-controller";
    for (source, user) in [
        // The person who set the image, via the top of the chain; the controller is left out.
        (
            "deployment-chain.log:7",
            &["bob@example.com", "via Deployment/web"][..],
        ),
        (
            "deployment-chain.log:17",
            &["bob@example.com", "via Deployment/web"],
        ),
        (
            "kube-controller-manager.log:10",
            &["bob@example.com", "via Deployment/web"],
        ),
        (
            "cronjob-chain.log:3",
            &[
                "system:serviceaccount:ci:gitlab-deployer",
                "via CronJob/report",
            ],
        ),
        (
            "cronjob-chain.log:5",
            &["grace@example.com", "via Job/report-manual"],
        ),
        (
            "other-chains.log:8",
            &["frank@example.com", "via ReplicationController/legacy-api"],
        ),
        (
            "reverse-order/a.log:1",
            &["judy@example.com", "via Deployment/checkout"],
        ),
        // The requester of a pod that claims an owner it was not made by, and the claim.
        (
            "forged-owner.log:4",
            &["mallory@example.com", "claims ReplicaSet/web-5b7d9c6f48"],
        ),
        (
            "forged-owner.log:5",
            &[
                "mallory@example.com",
                &format!("(as {controller})"),
                "claims ReplicaSet/web-5b7d9c6f48",
            ],
        ),
        // The controller, and the object where the chain broke (the last one followed).
        (
            "missing-owner.log:3",
            &[controller, "unresolved at Deployment/worker"],
        ),
        (
            "metadata-owner.log:6",
            &[controller, "unresolved at Deployment/indexer"],
        ),
        (
            "no-request-set-image.log:4",
            &[controller, "unresolved at Deployment/storefront-ui"],
        ),
    ] {
        let row = table_row(&table, &format!("testdata/attribution/{source}"));
        assert_eq!(user_column(&row), user, "{source}");
    }
}

#[test]
fn falco_formats_name_the_requester_and_carry_no_attribution() {
    let log = "testdata/attribution/deployment-chain.log";
    let text = stdout(&run(&[log, "--allow", ALLOW, "--format", "falco"]));
    assert_eq!(text.lines().count(), 4, "{text}");
    for line in text.lines() {
        assert!(
            line.contains("(user=system:serviceaccount:kube-system:replicaset-controller pod="),
            "{line}"
        );
    }
    let json = stdout(&run(&[log, "--allow", ALLOW, "--format", "falco-json"]));
    assert_eq!(json.lines().count(), 4, "{json}");
    for text in [&text, &json] {
        assert!(
            !text.contains("bob@example.com") && !text.contains("Deployment/web"),
            "{text}"
        );
    }
}

/// Validates the JUnit report `xml` against the Ant JUnit schema with Python's `xmlschema`
/// (installed by `scripts/test-tools.sh`), failing with how to install it when it is missing.
fn assert_valid_junit(xml: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("report.xml");
    std::fs::write(&report, xml).expect("write");
    let schema = root().join("tests/it/junit/ant-junit.xsd");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, xmlschema; xmlschema.validate(sys.argv[1], sys.argv[2])",
        ])
        .arg(&report)
        .arg(&schema)
        .output()
        .expect("python3 runs");
    let why = String::from_utf8_lossy(&out.stderr);
    assert!(
        !why.contains("No module named 'xmlschema'"),
        "install the validator: python3 -m pip install 'xmlschema~=4.1'"
    );
    assert!(out.status.success(), "{why}\n{xml}");
}

/// A log of one pod create whose every logged string is hostile to XML and Markdown.
fn hostile_log(dir: &std::path::Path) -> String {
    let log = dir.join("hostile.log");
    let line = Event::create(r#"evil-]]>-<x>-&amp;-\"-'-|-`-\u001b[2J-\u0000-\ufffe-\n"#)
        .namespace("ns-|-`<b>`")
        .image(r"reg.example.com/x:1-]]><script>alert(1)</script>|`\n| a | b |")
        .line();
    std::fs::write(&log, format!("{line}\n")).expect("write");
    log.to_str().expect("UTF-8").to_owned()
}

#[test]
fn junit_is_valid_with_a_failing_case_per_finding_and_survives_hostile_strings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hostile = hostile_log(dir.path());
    for args in [
        vec![SAMPLE],
        ATTRIBUTION.to_vec(),
        vec![hostile.as_str()],
        vec![SAMPLE, "testdata/no-such-file.log"],
    ] {
        let mut all = args.clone();
        all.extend(["--allow", ALLOW, "--format", "junit", "--quiet"]);
        let out = run(&all);
        let xml = stdout(&out);
        assert_valid_junit(&xml);
        let findings = json(&[&args[..], &["--allow", ALLOW]].concat()).0.findings;
        assert_eq!(xml.matches("<failure ").count(), findings.len(), "{xml}");
        assert_eq!(
            xml.matches("<testcase ").count(),
            findings.len() + xml.matches("<error ").count(),
            "{xml}"
        );
    }
    let xml = stdout(&run(&[&hostile, "--allow", ALLOW, "--format", "junit"]));
    assert!(!xml.contains('\u{1b}') && !xml.contains('\u{0}') && !xml.contains('\u{fffe}'));
    assert!(!xml.contains("<script>") && !xml.contains("<x>"), "{xml}");
    assert!(xml.contains("\\u{1b}[2J"), "shown escaped: {xml}");
    assert!(
        xml.contains(r#"name="Pod ns-|-`&lt;b&gt;`/evil-]]&gt;-&lt;x&gt;-&amp;amp;-&quot;-&apos;-|-`-\u{1b}[2J-\u{0}-\u{fffe}-\u{a} create""#),
        "kind, namespace/name, action: {xml}"
    );
    let unreadable = run(&[
        SAMPLE,
        "testdata/no-such-file.log",
        "--allow",
        ALLOW,
        "--format",
        "junit",
    ]);
    assert_eq!(code(&unreadable), 2, "an error wins");
    assert!(stdout(&unreadable).contains(r#"errors="1""#));
}

#[test]
fn junit_without_findings_is_one_passing_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("clean.log");
    std::fs::write(
        &log,
        format!("{}\n", Event::create("web").image("nginx").line()),
    )
    .expect("write");
    let allow = dir.path().join("allow.yaml");
    std::fs::write(&allow, "images: [nginx]\n").expect("write");
    let out = run(&[
        log.to_str().expect("UTF-8"),
        "--allow",
        allow.to_str().expect("UTF-8"),
        "--format",
        "junit",
    ]);
    assert_eq!(code(&out), 0);
    let xml = stdout(&out);
    assert_valid_junit(&xml);
    assert!(
        xml.contains(r#"tests="1" failures="0" errors="0""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase name="no disallowed pod images""#),
        "{xml}"
    );
}

#[test]
fn markdown_is_one_table_row_per_finding_with_every_cell_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hostile = hostile_log(dir.path());
    let text = stdout(&run(&[
        &hostile, SAMPLE, "--allow", ALLOW, "--format", "markdown",
    ]));
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| ")).collect();
    assert_eq!(
        rows.len(),
        1 + 1 + 5,
        "header, hostile, the sample's five: {text}"
    );
    // A row splits into its seven cells at the pipes no backslash escapes.
    for row in &rows {
        let mut cells = 0;
        let mut escaped = false;
        for c in row.chars() {
            match c {
                '|' if !escaped => cells += 1,
                _ => {}
            }
            escaped = c == '\\' && !escaped;
        }
        assert_eq!(cells, 8, "seven cells: {row}");
    }
    let evil = rows[1];
    for raw in ["<b>", "<script>", "`<", "\u{1b}", "]]><"] {
        assert!(!evil.contains(raw), "{raw:?} in {evil}");
    }
    assert!(evil.contains("\\<script\\>"), "{evil}");
    assert!(text.contains("| 2026-03-02T09:12:05.327634Z | default | kworker-sync | "));
    assert!(
        text.trim_end()
            .ends_with("6 findings among 9 pod request events; read 2 inputs, 59 lines."),
        "{text}"
    );
}

/// Validates, with Python's `jsonschema` (installed by `scripts/test-tools.sh`), each output
/// against the committed schema: a `json` document against the root, each `jsonl` line against
/// the definition `def`.
fn assert_valid_json(outputs: &[(String, Option<&str>)]) {
    const CHECK: &str = r##"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
for path, kind in zip(sys.argv[2::2], sys.argv[3::2]):
    text = open(path).read()
    if kind == "-":
        jsonschema.Draft202012Validator(schema).validate(json.loads(text))
    else:
        line_schema = dict(schema)
        del line_schema["anyOf"]
        line_schema["$ref"] = "#/$defs/" + kind
        validator = jsonschema.Draft202012Validator(line_schema)
        for line in text.splitlines():
            validator.validate(json.loads(line))
"##;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = vec![root().join("docs/schema/report-v1.json")];
    let mut kinds = Vec::new();
    for (n, (text, def)) in outputs.iter().enumerate() {
        let path = dir.path().join(format!("{n}.json"));
        std::fs::write(&path, text).expect("write");
        args.push(path);
        kinds.push(def.unwrap_or("-"));
    }
    let mut command = std::process::Command::new("python3");
    command.args(["-c", CHECK]).arg(&args[0]);
    for (path, kind) in args[1..].iter().zip(&kinds) {
        command.arg(path).arg(kind);
    }
    let out = command.output().expect("python3 runs");
    let why = String::from_utf8_lossy(&out.stderr);
    assert!(
        !why.contains("No module named 'jsonschema'"),
        "install the validator: python3 -m pip install 'jsonschema~=4.26'"
    );
    assert!(out.status.success(), "{why}");
}

#[test]
fn every_json_and_jsonl_output_of_the_fixtures_validates_against_the_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hostile = hostile_log(dir.path());
    let mut runs: Vec<Vec<String>> = [
        vec![SAMPLE],
        vec![MIXED],
        ATTRIBUTION.to_vec(),
        vec![hostile.as_str()],
        vec![SAMPLE, "--falco"],
        vec!["testdata/attribution", "--workloads"],
    ]
    .iter()
    .map(|args| args.iter().map(|a| (*a).to_owned()).collect())
    .collect();
    runs.extend(attribution_cases().into_iter().map(|(args, _)| args));
    let mut outputs = Vec::new();
    for args in &runs {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        if !args.contains(&"--allow") {
            args.extend(["--allow", ALLOW]);
        }
        for (extra, def) in [
            (&["--format", "json"][..], None),
            (&["--format", "jsonl", "--quiet"], Some("Finding")),
            (&["--format", "json", "--summary"], None),
            (
                &["--format", "jsonl", "--summary", "--quiet"],
                Some("ImageRow"),
            ),
        ] {
            let text = stdout(&run(&[&args[..], extra].concat()));
            assert!(!text.is_empty() || def.is_some(), "{args:?} {extra:?}");
            outputs.push((text, def));
        }
    }
    assert_valid_json(&outputs);
}

/// Keys may be added within a version: a document of this version with a key the schema does not
/// list yet (at the root, in the summary, in a finding or an image row) still validates.
#[test]
fn a_document_with_a_key_added_later_still_validates() {
    let add = |text: &str, at: &dyn Fn(&mut Value) -> &mut Value| {
        let mut doc: Value = serde_json::from_str(text).expect("JSON");
        at(&mut doc)
            .as_object_mut()
            .expect("an object")
            .insert("added_later".to_owned(), Value::from(1));
        doc.to_string()
    };
    let findings = stdout(&run(&[SAMPLE, "--allow", ALLOW, "--format", "json"]));
    let images = stdout(&run(&[
        SAMPLE,
        "--allow",
        ALLOW,
        "--summary",
        "--format",
        "json",
    ]));
    let line = stdout(&run(&[SAMPLE, "--allow", ALLOW, "--format", "jsonl"]));
    let line = line.lines().next().expect("a finding");
    assert_valid_json(&[
        (add(&findings, &|d| d), None),
        (add(&findings, &|d| &mut d["summary"]), None),
        (add(&findings, &|d| &mut d["findings"][0]), None),
        (add(&images, &|d| d), None),
        (add(&images, &|d| &mut d["images"][0]), None),
        (add(line, &|d| d), Some("Finding")),
    ]);
}

/// `--suggest-allowlist --format json` validates against the schema, and says what the sample
/// log's accepted pod creates used: read from its lines by hand, seven creates were answered 201
/// (one of them logged at `Metadata`, its image unknown) and one 403, which does not count.
#[test]
fn suggest_allowlist_takes_format_json() {
    let out = run(&[SAMPLE, "--suggest-allowlist", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let compared = run(&[
        SAMPLE,
        "--suggest-allowlist",
        "--allow",
        ALLOW,
        "--format",
        "json",
    ]);
    let compared = stdout(&compared);
    assert_valid_json(&[(text.clone(), None), (compared.clone(), None)]);
    // Each repository: requests, first and last time, namespaces, and how many of its requests
    // the fixture allowlist does not allow (nginx by name, ghcr.io/acme/* and, in kube-system
    // only, quay.io/cilium/ are allowed).
    let want = [
        (
            "docker.io/library/alpine",
            1,
            "09:21:03.646056",
            "09:21:03.646056",
            "default",
            1,
        ),
        (
            "docker.io/library/nginx",
            2,
            "09:02:11.253417",
            "09:02:11.378295",
            "shop",
            0,
        ),
        (
            "docker.io/xmrig/xmrig",
            1,
            "09:12:05.327634",
            "09:12:05.327634",
            "default",
            1,
        ),
        (
            "ghcr.io/acme/backup-agent",
            1,
            "09:15:00.968554",
            "09:15:00.968554",
            "backup",
            0,
        ),
        (
            "public.ecr.aws/aws-cli/aws-cli",
            1,
            "09:15:00.968554",
            "09:15:00.968554",
            "backup",
            1,
        ),
        (
            "quay.io/cilium/cilium",
            1,
            "09:04:30.682845",
            "09:04:30.682845",
            "kube-system",
            0,
        ),
    ];
    for (text, compare) in [(&text, false), (&compared, true)] {
        let doc: Value = serde_json::from_str(text).expect("a JSON document");
        let images: Vec<&str> = want.iter().map(|w| w.0).collect();
        assert_eq!(doc["images"], serde_json::json!(images), "{doc}");
        assert_eq!(doc["requests"], 7, "{doc}");
        assert_eq!(doc["unknown_images"], 1, "{doc}");
        assert_eq!(doc["invalid"], serde_json::json!([]), "{doc}");
        let got = doc["repositories"].as_array().expect("repositories");
        assert_eq!(got.len(), want.len(), "{doc}");
        for (repo, (name, requests, first, last, namespace, not_allowed)) in got.iter().zip(want) {
            let at = |t: &str| format!("2026-03-02T{t}Z");
            let not_allowed = if compare {
                serde_json::json!(not_allowed)
            } else {
                Value::Null
            };
            assert_eq!(
                repo,
                &serde_json::json!({
                    "repository": name,
                    "requests": requests,
                    "not_allowed": not_allowed,
                    "first_seen": at(first),
                    "last_seen": at(last),
                    "namespaces": [namespace],
                }),
                "{doc}"
            );
        }
    }
}

#[test]
fn the_schema_types_the_summary_so_a_summary_of_the_wrong_shape_fails_validation() {
    // Each change makes a field of the summary a value of another type, or a kind outside its
    // list; an untyped summary would let every one through.
    const CHECK: &str = r#"
import copy, json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
validator = jsonschema.Draft202012Validator(schema)
validator.validate(doc)
def files(s): s["files"] = "12"
def by_reason(s): s["findings_by_reason"] = {"disallowed-image": "3", "images-unknown": 2}
def errors(s): s["errors"] = [1]
def error_kind(s): s["inputs"][0]["error_kind"] = "gone"
def skipped_at(s): s["skipped_at"] = [{"file": "a.log", "line": -1, "why": "x"}]
def missing(s): del s["elapsed_seconds"]
for change in [files, by_reason, errors, error_kind, skipped_at, missing]:
    bad = copy.deepcopy(doc)
    change(bad["summary"])
    if validator.is_valid(bad):
        sys.exit("accepted a summary with a wrong " + change.__name__)
"#;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.json");
    let text = stdout(&run(&[SAMPLE, "--allow", ALLOW, "--format", "json"]));
    std::fs::write(&path, text).expect("write");
    let out = std::process::Command::new("python3")
        .args(["-c", CHECK])
        .arg(root().join("docs/schema/report-v1.json"))
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn junit_errors_carry_their_kind_and_say_whether_an_input_or_the_run_failed() {
    let out = run(&[
        "testdata/garbage-lines.jsonl",
        "missing.log",
        "--allow",
        ALLOW,
        "--strict",
        "--format",
        "junit",
    ]);
    assert_eq!(code(&out), 2);
    let xml = stdout(&out);
    assert_valid_junit(&xml);
    assert!(
        xml.contains(r#"<testcase name="input error 1" classname="falco-pod-scan.inputs""#)
            && xml.contains(r#"<error type="not-found" message="missing.log: cannot open"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase name="run error 1" classname="falco-pod-scan.run""#)
            && xml.contains(r#"<error type="strict-violation" message="--strict: 6 lines"#),
        "{xml}"
    );
    assert!(xml.contains(r#"errors="2""#), "{xml}");
}

/// A run that failed is never reported as clean in Markdown: its errors are listed.
#[test]
fn markdown_of_a_failed_run_lists_its_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such.log").display().to_string();
    let out = run(&[&missing, "--allow", ALLOW, "--format", "markdown"]);
    assert_eq!(code(&out), 2);
    let text = stdout(&out);
    assert!(!text.contains("No disallowed pod images"), "{text}");
    assert!(text.contains("#### Errors"), "{text}");
    let listed: Vec<&str> = text.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(listed.len(), 1, "{text}");
    assert!(listed[0].contains("no-such.log"), "{text}");
}
