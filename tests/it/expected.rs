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

/// A log and its gzipped copy (a rotated file and the archive made of it) hold the same requests:
/// each is one finding, where it was first read, and the summary counts the copies.
#[test]
fn the_same_request_in_two_inputs_is_one_finding() {
    use std::io::Write;
    let sample = root().join("testdata/sample-audit.log");
    let bytes = std::fs::read(&sample).expect("the sample");
    let dir = tempfile::tempdir().expect("tempdir");
    let gz = dir.path().join("sample-audit.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&bytes).expect("compress");
    std::fs::write(&gz, enc.finish().expect("compress")).expect("write");
    let copy = dir.path().join("copy.log");
    std::fs::write(&copy, &bytes).expect("write");
    let (one, _) = json(&["testdata/sample-audit.log", "--allow", ALLOW]);
    let gz = gz.display().to_string();
    let copy = copy.display().to_string();
    let (three, out) = json(&["testdata/sample-audit.log", &gz, &copy, "--allow", ALLOW]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(three.findings, one.findings, "each where it was first read");
    // Every event of the log that is a pod request (in either copy) was read again twice.
    assert_eq!(
        three.summary.duplicate_events,
        2 * three.summary.pod_requests / 3,
        "{:?}",
        three.summary
    );
    assert_eq!(three.summary.audit_id_collisions, 0);
    // The summary on stderr says which events those are: the pod requests of one copy (every
    // copy counted in `pod_requests`), not every audit event of the log.
    let twice = run(&["testdata/sample-audit.log", &copy, "--allow", ALLOW]);
    let said = format!(
        "{} pod-request events were read again",
        one.summary.pod_requests
    );
    assert!(stderr(&twice).contains(&said), "{}", stderr(&twice));
    assert!(
        one.summary.pod_requests < one.summary.events,
        "{:?}",
        one.summary
    );
}

/// Hand-written and replayed logs reuse audit IDs: a request for another pod under the same ID
/// is another request, and one cannot hide the other.
#[test]
fn a_reused_audit_id_for_another_pod_is_another_request() {
    use crate::util::{Event, run_stdin};
    let evil = Event::create("evil")
        .image("xmrig/xmrig")
        .line()
        .replace(r#""auditID":"evil""#, r#""auditID":"same""#)
        .replace("ResponseComplete", "RequestReceived")
        .replace(r#","responseStatus":{"metadata":{},"code":201}"#, "");
    let good = Event::create("good")
        .image("nginx")
        .line()
        .replace(r#""auditID":"good""#, r#""auditID":"same""#);
    let input = format!("{evil}\n{good}\n").into_bytes();
    let out = run_stdin(&["-", "--allow", ALLOW, "--format", "json"], input);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc: crate::report::Report = crate::util::parse(&out);
    let pods: Vec<_> = doc.findings.iter().map(|f| f.pod.as_deref()).collect();
    assert_eq!(pods, [Some("evil")]);
    assert_eq!(doc.findings[0].stage.as_deref(), Some("RequestReceived"));
    assert_eq!(doc.summary.audit_id_collisions, 1);
    assert!(
        stderr(&out).is_empty() || !stderr(&out).contains("error"),
        "{}",
        stderr(&out)
    );
}

/// A finding in a batch names its item, and in a pretty-printed batch the line its own object
/// starts on.
#[test]
fn findings_in_a_batch_name_their_item_and_line() {
    use crate::util::{Event, run_stdin};
    let a = Event::create("a").image("xmrig/xmrig").line();
    let b = Event::create("b").image("nginx").line();
    let c = Event::create("c").image("evil/miner").line();
    let list = format!(r#"{{"kind":"EventList","items":[{a},{b},{c}]}}"#);
    let out = run_stdin(
        &["-", "--allow", ALLOW, "--format", "json"],
        format!("{list}\n").into_bytes(),
    );
    let doc: crate::report::Report = crate::util::parse(&out);
    let at: Vec<_> = doc.findings.iter().map(|f| (f.line, f.item)).collect();
    assert_eq!(at, [(1, Some(0)), (1, Some(2))]);
    // The same list pretty-printed: items 0 and 2 start on lines 4 and 6.
    let pretty =
        format!("{{\n  \"kind\": \"EventList\",\n  \"items\": [\n{a},\n{b},\n{c}\n  ]\n}}\n");
    let out = run_stdin(
        &["-", "--allow", ALLOW, "--format", "json"],
        pretty.into_bytes(),
    );
    let doc: crate::report::Report = crate::util::parse(&out);
    let at: Vec<_> = doc.findings.iter().map(|f| (f.line, f.item)).collect();
    assert_eq!(at, [(4, Some(0)), (6, Some(2))]);
    // An event on its own has no item.
    let out = run_stdin(
        &["-", "--allow", ALLOW, "--format", "json"],
        format!("{a}\n").into_bytes(),
    );
    let doc: crate::report::Report = crate::util::parse(&out);
    assert_eq!(doc.findings[0].item, None);
}

/// An item index counts every item of the batch, also those that hold no event (an AKS record of
/// another category).
#[test]
fn item_indices_count_every_item_of_the_batch() {
    let (doc, out) = json(&["testdata/aks-export.jsonl", "--allow", ALLOW]);
    assert_ne!(code(&out), 2, "{}", stderr(&out));
    // Line 1 holds four records: a lease update, the pod `legacy-app`, a record of category
    // kube-apiserver, the pod `ingest-0`.
    let at: Vec<_> = doc
        .findings
        .iter()
        .filter(|f| f.line == 1)
        .map(|f| (f.pod.clone().unwrap_or_default(), f.item))
        .collect();
    assert_eq!(
        at,
        [
            ("legacy-app".to_owned(), Some(1)),
            ("ingest-0".to_owned(), Some(3))
        ]
    );
}
