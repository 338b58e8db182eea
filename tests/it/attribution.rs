//! Attribution on the hand-worked logs of `testdata/attribution/`: every case gives the findings
//! and the attribution its expected file holds (compared as that directory's README says), in
//! JSON and JSON lines, alone and all logs in one run (with `--workloads` too, where each
//! finding must be the one the run of its own case gives). The submodules check the same in CSV and
//! the table ([`views`]), that the answer does not depend on how the logs arrive
//! ([`stability`]), and the answer at scale against the benchmark generator's own record of who
//! is behind each pod ([`truth`]).

mod stability;
mod truth;
mod views;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{ALLOW, code, parse, root, run, stderr, stdout};

/// The directory of the hand-worked logs.
const DIR: &str = "testdata/attribution";

/// The keys an expected finding holds: all compared exactly, but `attribution`.
const FINDING_KEYS: [&str; 9] = [
    "file",
    "line",
    "action",
    "kind",
    "name",
    "pod",
    "user",
    "disallowed_images",
    "attribution",
];

/// The keys an expected initiator holds; the output's initiator has more.
const INITIATOR_KEYS: [&str; 7] = [
    "user",
    "impersonated_user",
    "verb",
    "time",
    "audit_id",
    "file",
    "line",
];

/// One `expected/<case>.json`.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file's stem.
    pub name: String,
    /// The command line after the program name, without `--format`.
    pub args: Vec<String>,
    /// The expected findings, in output order.
    pub findings: Vec<Value>,
}

impl Case {
    /// The arguments as `&str`, with `extra` after them.
    pub fn args_with<'a>(&'a self, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        args.extend(extra);
        args
    }

    /// Whether the case needs `--workloads`, which judges workload requests themselves.
    pub fn judges_workloads(&self) -> bool {
        self.args.iter().any(|a| a == "--workloads")
    }
}

/// Every expected file, by name, each checked for the shape the README gives.
pub fn cases() -> Vec<Case> {
    let dir = root().join(DIR).join("expected");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the expected directory")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let cases: Vec<Case> = paths.iter().map(|p| read_case(p)).collect();
    assert!(cases.len() >= 10, "every case has an expected file");
    cases
}

/// Reads one expected file and checks its shape, so that a misspelt key cannot make a check
/// vacuous.
fn read_case(path: &Path) -> Case {
    let name = path
        .file_stem()
        .expect("a stem")
        .to_string_lossy()
        .into_owned();
    let text = std::fs::read_to_string(path).expect("readable");
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
        k.sort();
        k
    };
    let sorted = |k: &[&str]| -> Vec<String> {
        let mut k: Vec<String> = k.iter().map(|s| (*s).to_owned()).collect();
        k.sort();
        k
    };
    assert_eq!(keys(&doc), sorted(&["args", "findings"]), "{name}");
    let args = doc["args"].as_array().expect("args is an array");
    let args: Vec<String> = args
        .iter()
        .map(|a| a.as_str().expect("args are strings").to_owned())
        .collect();
    let findings = doc["findings"].as_array().expect("findings").clone();
    assert!(!findings.is_empty(), "{name}: every case has a finding");
    for (i, f) in findings.iter().enumerate() {
        assert_eq!(keys(f), sorted(&FINDING_KEYS), "{name} finding {i}");
        let a = &f["attribution"];
        assert_eq!(
            keys(a),
            sorted(&["how", "chain", "initiator", "note"]),
            "{name} finding {i}"
        );
        if !a["initiator"].is_null() {
            assert_eq!(keys(&a["initiator"]), sorted(&INITIATOR_KEYS), "{name} {i}");
        }
    }
    Case {
        name,
        args,
        findings,
    }
}

/// Checks one output finding against an expected one: the identifying keys, `how` and `chain`
/// exactly; the initiator's expected keys exactly (the output has more); the note `null` when
/// expected `null`, else containing the expected text.
pub fn assert_finding(what: &str, got: &Value, want: &Value) {
    let at = format!("{what}, finding at line {}", want["line"]);
    for key in FINDING_KEYS.iter().filter(|k| **k != "attribution") {
        assert_eq!(got[key], want[key], "{at}: {key}");
    }
    let (got, want) = (&got["attribution"], &want["attribution"]);
    assert!(got.is_object(), "{at}: attributed, got {got}");
    assert_eq!(got["how"], want["how"], "{at}: how");
    assert_eq!(got["chain"], want["chain"], "{at}: chain");
    match (&got["initiator"], &want["initiator"]) {
        (Value::Null, Value::Null) => {}
        (got, Value::Null) => panic!("{at}: initiator should be null, got {got}"),
        (got, want) => {
            for key in INITIATOR_KEYS {
                assert_eq!(got[key], want[key], "{at}: initiator {key}");
            }
        }
    }
    match (&got["note"], &want["note"]) {
        (Value::Null, Value::Null) => {}
        (got, Value::Null) => panic!("{at}: note should be null, got {got}"),
        (got, Value::String(want)) => {
            let got = got.as_str().unwrap_or_else(|| panic!("{at}: note {got}"));
            assert!(
                got.contains(want.as_str()),
                "{at}: note {got:?} lacks {want:?}"
            );
        }
        (_, want) => panic!("{at}: the expected note {want} is neither null nor text"),
    }
}

/// Checks a run's findings against a case's: the same number, in the same order.
pub fn assert_findings(what: &str, got: &[Value], want: &[Value]) {
    let lines = |v: &[Value]| -> Vec<String> {
        v.iter()
            .map(|f| format!("{}:{}", f["file"], f["line"]))
            .collect()
    };
    assert_eq!(lines(got), lines(want), "{what}: which findings");
    for (g, w) in got.iter().zip(want) {
        assert_finding(what, g, w);
    }
}

/// The findings of a run with `--format json`, which must find something.
fn json_findings(args: &[&str]) -> Vec<Value> {
    let out = run(&[args, &["--format", "json"]].concat());
    assert_eq!(
        code(&out),
        1,
        "{args:?}: findings, no error: {}",
        stderr(&out)
    );
    let doc: Value = parse(&out);
    doc["findings"].as_array().expect("findings").clone()
}

/// Runs a case with `--format json` and `--format jsonl`.
fn run_case(case: &Case) -> (Vec<Value>, Vec<Value>) {
    let from_json = json_findings(&case.args_with(&[]));
    let lines = run(&case.args_with(&["--format", "jsonl", "--quiet"]));
    assert_eq!(code(&lines), 1, "{}: {}", case.name, stderr(&lines));
    let from_lines = stdout(&lines)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (from_json, from_lines)
}

#[test]
fn every_case_gives_its_expected_attribution_in_json_and_json_lines() {
    let cases = cases();
    assert!(
        cases.iter().any(Case::judges_workloads),
        "a case judges workloads"
    );
    for case in cases {
        let (json, lines) = run_case(&case);
        assert_findings(&format!("{} (json)", case.name), &json, &case.findings);
        assert_findings(&format!("{} (jsonl)", case.name), &lines, &case.findings);
        assert_eq!(
            json, lines,
            "{}: one finding reads the same in both",
            case.name
        );
    }
}

/// The inputs of a run of every log at once, as the shell expands the README's globs.
pub fn every_log() -> Vec<String> {
    let mut all = Vec::new();
    for dir in [DIR.to_owned(), format!("{DIR}/reverse-order")] {
        let mut logs: Vec<String> = std::fs::read_dir(root().join(&dir))
            .expect("the fixture directory")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|n| Path::new(n).extension().is_some_and(|e| e == "log"))
            .map(|n| format!("{dir}/{n}"))
            .collect();
        logs.sort();
        all.extend(logs);
    }
    all
}

/// Every case's findings from runs of its own (each as JSON), keyed by `file:line`, and the
/// expected ones; the cases that judge workload requests are left out.
pub fn separate_runs() -> BTreeMap<String, (Value, Value)> {
    let mut all = BTreeMap::new();
    for case in cases().iter().filter(|c| !c.judges_workloads()) {
        let (got, _) = run_case(case);
        assert_eq!(got.len(), case.findings.len(), "{}", case.name);
        for (g, w) in got.into_iter().zip(&case.findings) {
            let key = format!("{}:{}", g["file"].as_str().expect("file"), g["line"]);
            assert!(all.insert(key, (g, w.clone())).is_none(), "{}", case.name);
        }
    }
    all
}

#[test]
fn every_log_in_one_run_gives_each_finding_the_attribution_of_its_own_run() {
    let logs = every_log();
    assert!(logs.len() >= 11, "{logs:?}");
    let mut args: Vec<&str> = logs.iter().map(String::as_str).collect();
    args.extend(["--allow", ALLOW, "--format", "json"]);
    let out = run(&args);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc: Value = parse(&out);
    let got = doc["findings"].as_array().expect("findings");
    let mut separate = separate_runs();
    // Output order is input order: file by file as given, line by line.
    let order: Vec<(usize, u64)> = got
        .iter()
        .map(|f| {
            let file = f["file"].as_str().expect("file");
            let index = logs.iter().position(|l| l == file).expect("a given log");
            (index, f["line"].as_u64().expect("line"))
        })
        .collect();
    assert!(order.is_sorted(), "{order:?}");
    for f in got {
        let key = format!("{}:{}", f["file"].as_str().expect("file"), f["line"]);
        let (alone, want) = separate
            .remove(&key)
            .unwrap_or_else(|| panic!("{key}: not a finding of its own case"));
        assert_finding("every log at once", f, &want);
        assert_eq!(f, &alone, "{key}: differs from the run of its own case");
    }
    assert!(separate.is_empty(), "missing: {:?}", separate.keys());
}

/// The inputs of a case: its arguments that are logs.
fn logs_of(case: &Case) -> Vec<&str> {
    (case.args.iter())
        .filter(|a| a.starts_with(DIR) && Path::new(a).extension().is_some_and(|e| e == "log"))
        .map(String::as_str)
        .collect()
}

#[test]
fn with_workloads_judged_every_log_in_one_run_answers_as_each_case_alone() {
    // Alone, each case's logs with `--workloads`: the people's workload writes become findings of
    // their own, beside the pods.
    let mut alone: BTreeMap<String, Value> = BTreeMap::new();
    let mut logs: Vec<&str> = Vec::new();
    let cases = cases();
    for case in &cases {
        let inputs = logs_of(case);
        assert!(!inputs.is_empty(), "{}", case.name);
        logs.extend(&inputs);
        let args = [&inputs[..], &["--allow", ALLOW, "--workloads"]].concat();
        for f in json_findings(&args) {
            let key = format!("{}:{}", f["file"].as_str().expect("file"), f["line"]);
            assert!(alone.insert(key, f).is_none(), "{}", case.name);
        }
    }
    let every = every_log();
    let mut sorted: Vec<&str> = every.iter().map(String::as_str).collect();
    logs.sort_unstable();
    sorted.sort_unstable();
    logs.dedup();
    assert_eq!(logs, sorted, "the cases hold every log");
    let every: Vec<&str> = every.iter().map(String::as_str).collect();
    let args = [&every[..], &["--allow", ALLOW, "--workloads"]].concat();
    let together = json_findings(&args);
    assert!(together.len() > 30, "{}", together.len());
    for f in together {
        let key = format!("{}:{}", f["file"].as_str().expect("file"), f["line"]);
        let want = alone
            .remove(&key)
            .unwrap_or_else(|| panic!("{key}: not found alone"));
        assert_eq!(f, want, "{key}: differs from the run of its own case");
    }
    assert!(alone.is_empty(), "missing: {:?}", alone.keys());
}
