//! Attribution at scale: a log made by the benchmark generator (`benches/common/gen.rs`), heavy
//! in pod and workload traffic, against the generator's own record of who is behind each pod
//! (its truth sidecar, described in `benches/common/gen/owners.rs`). The generator tracks every
//! workload object it writes — controller chains, `set image`, restarts, forged owners, owners
//! written before the log starts or only at `Metadata` level — so the truth is not the tool's
//! answer read back.

#[path = "../../../benches/common/gen.rs"]
#[allow(
    dead_code,
    reason = "the benches and the example use more of the generator"
)]
mod generator;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::util::{ALLOW, code, parse, run, stderr};
use generator::GenOptions;

/// The generator's seeds, and the identity its controllers make pods as: their own service
/// accounts for one, the controller manager's shared identity for the other (every third seed).
const SEEDS: [(u64, &str); 2] = [
    (7, "system:serviceaccount:kube-system:replicaset-controller"),
    (2, "system:kube-controller-manager"),
];
/// About this much log per seed.
const SIZE: u64 = 4 << 20;
/// Thirty times the default share of pod and workload traffic: about a hundred findings per
/// seed, reaching every answer.
const WORKLOAD_FACTOR: f64 = 30.0;

/// The generated log and its truth, one JSON object per finding the scan must report.
fn generate(seed: u64) -> (Vec<u8>, Vec<Value>, generator::GenStats) {
    let opts = GenOptions {
        workload_factor: WORKLOAD_FACTOR,
        ..GenOptions::new(seed, SIZE)
    };
    let (mut log, mut truth) = (Vec::new(), Vec::new());
    let stats = generator::generate(&opts, &mut log, Some(&mut truth)).expect("in memory");
    let truth = String::from_utf8(truth).expect("UTF-8");
    let truth = truth
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (log, truth, stats)
}

/// The audit ID of each line of `log`, by 1-based line number.
fn audit_ids(log: &[u8]) -> Vec<Option<String>> {
    const KEY: &str = r#""auditID":""#;
    let text = std::str::from_utf8(log).expect("UTF-8");
    text.lines()
        .map(|line| {
            let start = line.find(KEY)? + KEY.len();
            let len = line[start..].find('"')?;
            Some(line[start..start + len].to_owned())
        })
        .collect()
}

/// Checks one finding against its truth entry.
fn assert_true(what: &str, f: &Value, truth: &Value, ids: &[Option<String>]) {
    let at = format!("finding {what} (line {})", f["line"]);
    assert_eq!(f["namespace"], truth["namespace"], "{at}: namespace");
    if !f["pod"].is_null() {
        assert_eq!(f["pod"], truth["pod"], "{at}: pod");
    }
    assert_eq!(f["reason"], truth["reason"], "{at}: reason");
    // The truth lists init containers first; the finding lists images in its own order.
    let sorted = |v: &Value| -> Vec<String> {
        let mut images: Vec<String> = serde_json::from_value(v.clone()).expect("a list");
        images.sort();
        images
    };
    assert_eq!(
        sorted(&f["disallowed_images"]),
        sorted(&truth["disallowed_images"]),
        "{at}: images"
    );
    let got = &f["attribution"];
    assert_eq!(got["how"], truth["how"], "{at}: how");
    assert_eq!(got["chain"], truth["chain"], "{at}: chain");
    let (initiator, want) = (&got["initiator"], &truth["initiator"]);
    if want.is_null() {
        assert!(initiator.is_null(), "{at}: initiator {initiator}");
    } else {
        for key in ["user", "audit_id", "time"] {
            assert_eq!(initiator[key], want[key], "{at}: initiator {key}");
        }
        let line = initiator["line"].as_u64().expect("a line") as usize;
        assert_eq!(
            ids[line - 1].as_deref(),
            want["audit_id"].as_str(),
            "{at}: the initiator's line holds its request"
        );
    }
    match (got["note"].as_str(), truth["note"].as_str()) {
        (None, None) => {}
        (Some(note), Some(want)) => assert!(note.starts_with(want), "{at}: note {note:?}"),
        (note, want) => panic!("{at}: note {note:?}, want {want:?}"),
    }
}

/// What a truth entry is, for the coverage check: `how`, and the note's reason.
fn case_of(truth: &Value) -> String {
    let note = truth["note"].as_str().unwrap_or("");
    let reason = if note.starts_with("claims ") {
        "forged owner"
    } else {
        note
    };
    format!("{} {reason}", truth["how"].as_str().expect("how"))
        .trim()
        .to_owned()
}

/// Scans one seed's log and checks every finding against the truth, and that the log reaches
/// every answer.
fn check_seed(seed: u64, controller: &str) {
    let (log, truth, stats) = generate(seed);
    let at = format!("seed {seed}");
    assert_eq!(
        truth.len() as u64,
        stats.findings,
        "{at}: one truth per finding"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("generated.log");
    std::fs::write(&path, &log).expect("write");
    let out = run(&[
        path.to_str().expect("UTF-8"),
        "--allow",
        ALLOW,
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1, "{at}: {}", stderr(&out));
    let doc: Value = parse(&out);
    let findings = doc["findings"].as_array().expect("findings");
    let mut want: BTreeMap<&str, &Value> = BTreeMap::new();
    for t in &truth {
        let id = t["audit_id"].as_str().expect("audit ID");
        assert!(
            want.insert(id, t).is_none(),
            "{at}: {id}: one truth per request"
        );
    }
    let ids = audit_ids(&log);
    for f in findings {
        let id = f["audit_id"].as_str().expect("audit ID");
        let truth = want
            .remove(id)
            .unwrap_or_else(|| panic!("{at}: {id}: a finding the generator did not expect"));
        assert_true(&format!("{at}: {id}"), f, truth, &ids);
    }
    assert!(want.is_empty(), "{at}: not reported: {:?}", want.keys());
    // The log reaches every answer, so the checks above are not vacuous.
    let cases: BTreeSet<String> = truth.iter().map(case_of).collect();
    let every = [
        "direct",
        "direct forged owner",
        "owner-chain",
        "unresolved no request set the image",
        "unresolved owner logged without its spec (Metadata level)",
        "unresolved owner not in the logs",
    ];
    let every: BTreeSet<String> = every.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(cases, every, "{at}: the cases the generated log reaches");
    let through = findings
        .iter()
        .filter(|f| f["attribution"]["how"] == "owner-chain")
        .any(|f| f["user"] == controller);
    assert!(through, "{at}: chains start at pods made by {controller}");
}

#[test]
fn generated_logs_are_attributed_as_their_generator_says() {
    for (seed, controller) in SEEDS {
        check_seed(seed, controller);
    }
}
