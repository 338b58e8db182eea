//! `--merge` on the real binary: a saved report shown again in any format is what the scan
//! printed; the exit status, the errors and the filters are those of the run it stands for; what
//! is not a report is named. (That the merge of a sharded scan equals one run is
//! `shard::contract`; the merge's rules one by one are unit-tested in `src/merge/tests.rs`.)

use std::path::Path;

use serde_json::Value;

use crate::util::{ALLOW, ATTRIBUTION, MIXED, SAMPLE, code, run, run_stdin, stderr, stdout};

/// Scans `args` with `--format json` into `dir/name`, returning its path as text.
fn save(dir: &Path, name: &str, args: &[&str]) -> String {
    let path = dir.join(name).display().to_string();
    let mut all = args.to_vec();
    all.extend(["--allow", ALLOW, "--format", "json", "-q", "-o", &path]);
    let out = run(&all);
    assert!(code(&out) < 2, "{}", stderr(&out));
    path
}

/// The stats summary on stderr without the time it took (which differs between two runs).
fn timeless(text: &str) -> String {
    let time = regex::Regex::new(r" in \d+\.\d+ s \([^)]*/s\)").expect("a valid regex");
    time.replace_all(text, " in … s").into_owned()
}

/// A JSON report without the fields that measure time.
fn timeless_json(text: &str) -> Value {
    let mut doc: Value = serde_json::from_str(text).expect("JSON");
    let summary = doc["summary"].as_object_mut().expect("a summary");
    summary.remove("elapsed_seconds");
    summary.remove("bytes_per_second");
    doc
}

#[test]
fn a_saved_report_shown_again_is_what_the_scan_printed_in_every_format() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut inputs = vec![SAMPLE, MIXED];
    inputs.extend(ATTRIBUTION);
    let saved = save(dir.path(), "saved.json", &inputs);
    let views: [&[&str]; 9] = [
        &["--format", "table"],
        &["--format", "csv"],
        &["--format", "jsonl"],
        &["--format", "falco"],
        &["--format", "falco-json"],
        &["--summary"],
        &["--summary", "--format", "csv"],
        &["--summary", "--format", "jsonl"],
        &["--namespace", "shop", "--user", "*@example.com"],
    ];
    for view in views {
        let mut scan_args = inputs.clone();
        scan_args.extend(["--allow", ALLOW]);
        scan_args.extend(view);
        let scan = run(&scan_args);
        let mut merge_args = vec!["--merge", saved.as_str()];
        merge_args.extend(view);
        let merged = run(&merge_args);
        assert_eq!(code(&merged), code(&scan), "{view:?}");
        assert_eq!(stdout(&merged), stdout(&scan), "{view:?}");
        assert_eq!(
            timeless(&stderr(&merged)),
            timeless(&stderr(&scan)),
            "{view:?}"
        );
    }
    for view in [
        &["--format", "json"][..],
        &["--format", "json", "--summary"],
    ] {
        let mut scan_args = inputs.clone();
        scan_args.extend(["--allow", ALLOW]);
        scan_args.extend(view);
        let mut merge_args = vec!["--merge", saved.as_str()];
        merge_args.extend(view);
        assert_eq!(
            timeless_json(&stdout(&run(&merge_args))),
            timeless_json(&stdout(&run(&scan_args))),
            "{view:?}"
        );
    }
}

#[test]
fn reports_merge_in_the_order_given_from_files_lists_and_standard_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = save(dir.path(), "a.json", &[SAMPLE]);
    let b = save(dir.path(), "b.json", &[MIXED]);
    let one_run = run(&[SAMPLE, MIXED, "--allow", ALLOW, "--format", "jsonl", "-q"]);
    let merged = run(&["--merge", &a, &b, "--format", "jsonl", "-q"]);
    assert_eq!(code(&merged), 1);
    assert!(
        stdout(&merged) == stdout(&one_run),
        "the order of the reports"
    );
    let reversed = run(&["--merge", &b, &a, "--format", "jsonl", "-q"]);
    let other_run = run(&[MIXED, SAMPLE, "--allow", ALLOW, "--format", "jsonl", "-q"]);
    assert!(
        stdout(&reversed) == stdout(&other_run),
        "the order of the reports"
    );
    // A report on standard input, then a list of reports (a list comes after the PATHs).
    let list = dir.path().join("reports.txt");
    std::fs::write(&list, format!("# shards\n{a}\n")).expect("write");
    let piped = run_stdin(
        &[
            "--merge",
            "--files-from",
            &list.display().to_string(),
            "-",
            "--format",
            "jsonl",
            "-q",
        ],
        std::fs::read(&b).expect("the report"),
    );
    assert_eq!(code(&piped), 1, "{}", stderr(&piped));
    assert!(stdout(&piped) == stdout(&reversed), "b then a");
    // JSON lines reports merge too, and say what they cannot count.
    let lines = dir.path().join("b.jsonl");
    let out = run(&[
        MIXED,
        "--allow",
        ALLOW,
        "--format",
        "jsonl",
        "-q",
        "-o",
        &lines.display().to_string(),
    ]);
    assert_eq!(code(&out), 1);
    let mixed = run(&[
        "--merge",
        &a,
        &lines.display().to_string(),
        "--format",
        "jsonl",
    ]);
    assert!(
        stdout(&mixed) == stdout(&merged),
        "a JSON-lines report's findings"
    );
    assert!(
        stderr(&mixed).contains("b.jsonl is a JSON-lines report, which has no summary"),
        "{}",
        stderr(&mixed)
    );
}

#[test]
fn the_exit_status_is_that_of_the_run_the_merge_stands_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    let findings = save(dir.path(), "findings.json", &[SAMPLE]);
    // A log whose only pod runs an allowed image: a clean report.
    let clean_log = dir.path().join("clean.log");
    let event = crate::util::Event::create("web").image("nginx:1.25").line();
    std::fs::write(&clean_log, event + "\n").expect("write");
    let clean = save(
        dir.path(),
        "clean.json",
        &[&clean_log.display().to_string()],
    );
    assert_eq!(code(&run(&["--merge", &clean, "-q"])), 0);
    assert_eq!(code(&run(&["--merge", &clean, &findings, "-q"])), 1);
    assert_eq!(
        code(&run(&["--merge", &clean, &findings, "-q", "--exit-zero"])),
        0
    );
    // A shard that met an error: its report carries it, and the merge is an error too.
    let path = dir.path().join("broken.json").display().to_string();
    let out = run(&[
        SAMPLE,
        "no/such.log",
        "--allow",
        ALLOW,
        "--format",
        "json",
        "-q",
        "-o",
        &path,
    ]);
    assert_eq!(code(&out), 2);
    let merged = run(&["--merge", &clean, &path, "-q", "--exit-zero"]);
    assert_eq!(code(&merged), 2);
    assert!(
        stderr(&merged).contains("error: no/such.log"),
        "{}",
        stderr(&merged)
    );
    // What is not a report is an error naming it; the reports beside it are still merged.
    let out = run(&["--merge", &findings, SAMPLE, "--format", "jsonl", "-q"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(&format!("{SAMPLE}:1: not a report this tool can merge")),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        stdout(&out).lines().count(),
        5,
        "the sample's five findings"
    );
    let out = run(&["--merge", "no/such/report.json"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("no/such/report.json"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn merge_refuses_the_options_of_a_scan() {
    for scan_only in [
        &["--allow", ALLOW][..],
        &["--falco"],
        &["--workloads"],
        &["--suggest-allowlist"],
        &["--strict"],
        &["--shard", "0/2"],
    ] {
        let mut args = vec!["--merge", "a.json"];
        args.extend(scan_only);
        let out = run(&args);
        assert_eq!(code(&out), 2, "{scan_only:?}");
        assert!(
            stderr(&out).contains("cannot be used with"),
            "{}",
            stderr(&out)
        );
    }
}
