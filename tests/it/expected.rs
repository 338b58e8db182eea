//! Every fixture against the findings worked out by hand for `testdata/allow.yaml`
//! (`testdata/expected/<fixture>.findings.json`, described in `testdata/README.md`), and the
//! lines that are not audit events, counted with their locations. The findings are compared as
//! raw JSON values, so a key missing from the output or from an expected file fails too.

use serde_json::Value;

use crate::report::strings;
use crate::util::{ALLOW, code, fixture, json, json_as, root, run, stderr};

/// The fixtures that have an expected-findings file for `allow.yaml`.
pub const FIXTURES: &[&str] = &[
    "sample-audit.log",
    "pod-subresources.jsonl",
    "request-stages.jsonl",
    "pod-requests-mixed.jsonl",
    "event-lists.jsonl",
    "pretty-printed-event.json",
    "crlf-bom.jsonl",
    "garbage-lines.jsonl",
];

/// The expected findings of fixture `name`, from `testdata/expected/<stem>.findings.json` (the
/// `file` keys of a finding and of its initiator are implied).
fn expected(name: &str) -> Value {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let path = root()
        .join("testdata/expected")
        .join(format!("{stem}.findings.json"));
    let text = std::fs::read_to_string(&path).expect("expected file exists");
    serde_json::from_str(&text).expect("expected file is JSON")
}

/// The `findings` array of a raw JSON document.
fn raw_findings(doc: &Value) -> &[Value] {
    doc["findings"].as_array().expect("findings is an array")
}

/// Compares findings one by one, naming the line of the first difference.
fn assert_findings(name: &str, got: &[Value], want: &[Value]) {
    let file = fixture(name).display().to_string();
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let mut g = g.clone();
        let g_file = g.as_object_mut().and_then(|o| o.remove("file"));
        assert_eq!(
            g_file,
            Some(Value::String(file.clone())),
            "{name} finding {i}: file"
        );
        // Every fixture is one input: an initiator found in it was read from the same file.
        if let Some(initiator) = g["attribution"]["initiator"].as_object_mut() {
            assert_eq!(
                initiator.remove("file"),
                Some(Value::String(file.clone())),
                "{name} finding {i}: initiator file"
            );
        }
        assert_eq!(&g, w, "{name} finding {i} (line {})", w["line"]);
    }
    let lines = |v: &[Value]| v.iter().map(|f| f["line"].clone()).collect::<Vec<_>>();
    assert_eq!(lines(got), lines(want), "{name}: finding lines");
}

#[test]
fn every_fixture_gives_the_hand_derived_findings() {
    for name in FIXTURES {
        let path = fixture(name);
        let (doc, out) = json_as::<Value>(&[path.to_str().expect("utf-8 path"), "--allow", ALLOW]);
        let want = expected(name);
        let want = want.as_array().expect("expected is an array");
        assert_findings(name, raw_findings(&doc), want);
        assert_eq!(
            code(&out),
            i32::from(!want.is_empty()),
            "{name}: exit status"
        );
    }
}

#[test]
fn falco_nginx_capture_with_apache_and_nginx_allowlists() {
    let want = expected("nginx-create.json");
    for (allow, want) in want.as_object().expect("keyed by allowlist") {
        let allow = format!("testdata/{allow}");
        let (doc, out) = json_as::<Value>(&["testdata/nginx-create.json", "--allow", &allow]);
        let want = want.as_array().expect("array");
        assert_findings("nginx-create.json", raw_findings(&doc), want);
        assert_eq!(code(&out), i32::from(!want.is_empty()));
    }
    // The fields Falco's alert shows, spelled out (our capture's pod name differs from Falco's).
    let (doc, _) = json(&[
        "testdata/nginx-create.json",
        "--allow",
        "testdata/allow-apache.yaml",
    ]);
    let f = &doc.findings[0];
    assert_eq!(f.pod.as_deref(), Some("nginx-deployment-7c79c4bf97-vqtwc"));
    assert_eq!(
        f.user.as_deref(),
        Some("system:serviceaccount:kube-system:replicaset-controller")
    );
    assert_eq!(f.disallowed_images, strings(&["nginx"]));
}

#[test]
fn garbage_lines_are_counted_with_locations() {
    let (doc, _) = json(&["testdata/garbage-lines.jsonl", "--allow", ALLOW]);
    let summary = &doc.summary;
    assert_eq!(summary.skipped, 6);
    let at: Vec<String> = summary
        .skipped_at
        .iter()
        .map(|s| format!("{}:{}", s.file, s.line))
        .collect();
    assert_eq!(
        at,
        ["3", "4", "5", "6", "7"].map(|l| format!("testdata/garbage-lines.jsonl:{l}"))
    );
    assert_eq!(summary.lines, 11);
    // The text summary names them too.
    let out = run(&["testdata/garbage-lines.jsonl", "--allow", ALLOW]);
    let err = stderr(&out);
    assert!(
        err.contains("skipped 6 lines that are not audit events"),
        "{err}"
    );
    assert!(
        err.contains("testdata/garbage-lines.jsonl:3 (not valid JSON"),
        "{err}"
    );
    assert!(err.contains("… and 1 more"), "{err}");
}
