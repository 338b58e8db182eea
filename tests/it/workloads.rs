//! `--workloads`: writes of workload objects judged by their pod templates, through the real
//! command line. `testdata/workload-templates.jsonl` holds one case per line (described in
//! `testdata/README.md`); its findings, worked out by hand, are in
//! `testdata/expected/workload-templates.findings.json`.

use serde_json::Value;

use crate::report::Report;
use crate::util::{ALLOW, SAMPLE, code, parse, root, run, stderr, stdout};

/// The fixture of this module.
const LOG: &str = "testdata/workload-templates.jsonl";

/// The fixture that shows what the flag adds to an attribution story.
const PROMO: &str = "testdata/attribution/workloads.log";

/// Runs with `args`, `--format json` and `--quiet`, and returns the raw document and the exit
/// code.
fn raw(args: &[&str]) -> (Value, i32) {
    let mut all = args.to_vec();
    all.extend(["--format", "json", "--quiet"]);
    let out = run(&all);
    assert!(code(&out) < 2, "{}", stderr(&out));
    let doc = serde_json::from_slice(&out.stdout).expect("one JSON document");
    (doc, code(&out))
}

/// The findings of a raw document.
fn findings(doc: &Value) -> Vec<Value> {
    doc["findings"].as_array().expect("findings").clone()
}

#[test]
fn every_case_gives_the_findings_worked_out_by_hand() {
    let path = root().join("testdata/expected/workload-templates.findings.json");
    let text = std::fs::read_to_string(path).expect("the expected file");
    let want: Vec<Value> = serde_json::from_str(&text).expect("JSON");
    let (doc, code) = raw(&[LOG, "--allow", ALLOW, "--workloads"]);
    assert_eq!(code, 1);
    let got = findings(&doc);
    let lines = |v: &[Value]| v.iter().map(|f| f["line"].clone()).collect::<Vec<_>>();
    assert_eq!(lines(&got), lines(&want));
    for (g, w) in got.iter().zip(&want) {
        let line = &w["line"];
        assert_eq!(g["file"], LOG, "line {line}");
        assert_eq!(g["attribution"]["initiator"]["file"], LOG, "line {line}");
        // Every key the expected file names; the `file` keys are implied.
        for (key, value) in w.as_object().expect("an object") {
            if key == "attribution" {
                let mut attribution = g[key].clone();
                if let Some(initiator) = attribution["initiator"].as_object_mut() {
                    initiator.remove("file");
                }
                assert_eq!(&attribution, value, "line {line}: attribution");
            } else {
                assert_eq!(&g[key], value, "line {line}: {key}");
            }
        }
    }
}

#[test]
fn without_the_flag_workload_requests_are_not_judged() {
    let (doc, code) = raw(&[LOG, "--allow", ALLOW]);
    assert_eq!(code, 0);
    assert_eq!(findings(&doc), Vec::<Value>::new());
    assert_eq!(doc["summary"]["workload_requests"], 0);
    let (doc, code) = raw(&[PROMO, "--allow", ALLOW]);
    assert_eq!((findings(&doc).len(), code), (0, 0));
}

/// The promotion story of the attribution fixtures: two Deployment writes and a CronJob create,
/// each by the person or pipeline that wrote the image; the scale, the `scale` subresource and
/// the restart set none.
#[test]
fn the_attribution_story_without_pods_is_caught_at_the_write() {
    let (doc, code) = raw(&[PROMO, "--allow", ALLOW, "--workloads"]);
    assert_eq!(code, 1);
    let got: Vec<_> = findings(&doc)
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().expect("a line"),
                f["action"].as_str().expect("an action").to_owned(),
                f["kind"].as_str().expect("a kind").to_owned(),
                f["name"].as_str().expect("a name").to_owned(),
                f["pod"].clone(),
                f["attribution"]["how"].as_str().expect("how").to_owned(),
            )
        })
        .collect();
    let row = |line, action: &str, kind: &str, name: &str| {
        let owned = |s: &str| s.to_owned();
        (
            line,
            owned(action),
            owned(kind),
            owned(name),
            Value::Null,
            owned("direct"),
        )
    };
    assert_eq!(
        got,
        [
            row(1, "workload-create", "Deployment", "banner"),
            row(5, "workload-change", "Deployment", "banner"),
            row(7, "workload-create", "CronJob", "promo-sync"),
        ]
    );
}

#[test]
fn pod_findings_are_the_same_with_or_without_the_flag() {
    let inputs = [
        SAMPLE,
        "testdata/attribution/deployment-chain.log",
        "testdata/attribution/cronjob-chain.log",
        "testdata/attribution/metadata-owner.log",
        "testdata/image-changes.jsonl",
    ];
    for input in inputs {
        let (without, _) = raw(&[input, "--allow", ALLOW]);
        let (with, _) = raw(&[input, "--allow", ALLOW, "--workloads"]);
        let pods: Vec<Value> = findings(&with)
            .into_iter()
            .filter(|f| f["kind"] == "Pod")
            .collect();
        assert_eq!(pods, findings(&without), "{input}");
        assert_eq!(
            with["summary"]["pod_requests"], without["summary"]["pod_requests"],
            "{input}"
        );
    }
}

#[test]
fn the_summary_counts_workload_requests_and_names_what_to_log() {
    let out = run(&[LOG, "--allow", ALLOW, "--workloads"]);
    assert_eq!(code(&out), 1);
    let text = stderr(&out);
    // Considered: every line but the scale (2) and the Metadata-level patch (10); line 7 is the
    // CronJob create's first stage, counted as an event.
    assert!(
        text.contains(
            "6 findings (5 disallowed-image, 1 images-unknown) among 0 pod request events and 8 \
             workload request events"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "hint: 1 request was logged without the pod spec; log statefulsets at level Request \
             or higher"
        ),
        "{text}"
    );
    let out = run(&[LOG, "--allow", ALLOW, "--workloads", "--format", "json"]);
    let report: Report = parse(&out);
    assert_eq!(report.summary.workload_requests, 8);
    assert_eq!(report.summary.pod_requests, 0);
    assert_eq!(report.summary.findings_by_attribution["direct"], 6);
    // Without the flag the summary reads as before.
    let out = run(&[LOG, "--allow", ALLOW]);
    assert!(
        stderr(&out).contains(
            "0 findings (0 disallowed-image, 0 images-unknown) among 0 pod request events\n"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_per_image_summary_counts_workload_findings() {
    let (doc, code) = raw(&[LOG, "--allow", ALLOW, "--workloads", "--summary"]);
    assert_eq!(code, 1);
    let mut images: Vec<(String, String, u64)> = doc["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| {
            (
                i["image"].as_str().unwrap_or("(none)").to_owned(),
                i["reason"].as_str().expect("a reason").to_owned(),
                i["count"].as_u64().expect("a count"),
            )
        })
        .collect();
    images.sort();
    let row = |image: &str, reason: &str| (image.to_owned(), reason.to_owned(), 1);
    // Each disallowed image once, and the StatefulSet logged without its body as the one row of
    // requests whose images are unknown.
    assert_eq!(
        images,
        [
            row("(none)", "images-unknown"),
            row("alpine:3.19", "disallowed-image"),
            row("busybox", "disallowed-image"),
            row("flyway/flyway:10.8", "disallowed-image"),
            row("ghcr.io/ledger-team/api:3.1", "disallowed-image"),
            row("quay.io/ledger/node-agent:0.9", "disallowed-image"),
        ]
    );
}

#[test]
fn falco_mode_and_the_suggested_allowlist_refuse_the_flag() {
    let out = run(&[LOG, "--allow", ALLOW, "--workloads", "--falco"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--workloads cannot be used with --falco"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    let out = run(&[LOG, "--workloads", "--suggest-allowlist"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--workloads cannot be used with --suggest-allowlist"),
        "{}",
        stderr(&out)
    );
}
