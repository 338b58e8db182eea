//! Sharded scans on the real binary: `--files-from` lists, `--shard K/N`, `--output` and
//! `--exit-zero`; the contract that the merge of the shards equals one run ([`contract`]); and
//! the Kubernetes manifests and container build file against what docs/sharding.md says
//! ([`deploy`]).

mod contract;
mod deploy;

use std::path::Path;

use crate::report::Report;
use crate::util::{
    ALLOW, ATTRIBUTION, MIXED, SAMPLE, code, json, jsonl, parse, run, run_stdin, stderr, stdout,
};

/// Writes `entries` as a `--files-from` list in `dir`, returning its path as text.
fn list(dir: &Path, name: &str, entries: &[&str]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, entries.join("\n") + "\n").expect("write the list");
    path.display().to_string()
}

#[test]
fn a_list_adds_its_paths_after_the_arguments_and_skips_blanks_and_comments() {
    let dir = tempfile::tempdir().expect("temp dir");
    let listed = list(
        dir.path(),
        "inputs.txt",
        &[
            "# the attribution logs",
            "",
            ATTRIBUTION[0],
            "   ",
            ATTRIBUTION[1],
            "# done",
        ],
    );
    let expected = jsonl(&[SAMPLE, ATTRIBUTION[0], ATTRIBUTION[1], "--allow", ALLOW]);
    assert!(!expected.is_empty());
    assert_eq!(
        jsonl(&[SAMPLE, "--files-from", &listed, "--allow", ALLOW]),
        expected
    );
    // From standard input, and with no PATH argument at all.
    let text = format!(
        "{SAMPLE}\n# a comment\n{}\r\n{}\n",
        ATTRIBUTION[0], ATTRIBUTION[1]
    );
    let out = run_stdin(
        &[
            "--files-from",
            "-",
            "--allow",
            ALLOW,
            "--format",
            "jsonl",
            "-q",
        ],
        text.into_bytes(),
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(stdout(&out), expected);
}

#[test]
fn lists_and_shards_that_cannot_be_used_are_errors() {
    let out = run(&["--files-from", "no/such/list.txt", "--allow", ALLOW]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--files-from no/such/list.txt: cannot read the list"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty(), "nothing is scanned");
    for bad in ["2/2", "1", "a/b", "-1/3", "0/0"] {
        let out = run(&[SAMPLE, "--allow", ALLOW, &format!("--shard={bad}")]);
        assert_eq!(code(&out), 2, "{bad}");
        let err = stderr(&out);
        assert!(
            err.contains("K/N") && err.contains("JOB_COMPLETION_INDEX"),
            "{bad}: {err}"
        );
    }
    let out = run(&["--allow", ALLOW]);
    assert_eq!(code(&out), 2, "no PATH and no list");
}

#[test]
fn the_shards_of_a_list_read_each_entry_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Stories that stand alone, one per entry, and one told by two files of a directory (the
    // owner written in the later file): the directory is one entry, like a cluster.
    let mut entries = vec![SAMPLE, MIXED];
    entries.extend(&ATTRIBUTION[..8]);
    entries.push("testdata/attribution/reverse-order");
    let listed = list(dir.path(), "inputs.txt", &entries);
    let (whole, _) = json(&["--files-from", &listed, "--allow", ALLOW]);
    let entry_of = |file: &str| -> String {
        let entry = entries
            .iter()
            .find(|e| file == **e || file.starts_with(&format!("{e}/")))
            .unwrap_or_else(|| panic!("{file} comes from no entry"));
        (*entry).to_owned()
    };
    let key = |f: &crate::report::Finding| (f.file.clone(), f.line);
    for count in 1..=4 {
        let mut read_entries = Vec::new();
        let mut findings = Vec::new();
        for index in 0..count {
            let shard = format!("{index}/{count}");
            let (report, out) =
                json(&["--files-from", &listed, "--shard", &shard, "--allow", ALLOW]);
            assert!(code(&out) < 2, "{}", stderr(&out));
            // Shard K reads the entries at K, K+N, …, in list order, each whole.
            let mut read: Vec<String> = report
                .summary
                .inputs
                .iter()
                .map(|i| entry_of(&i.file))
                .collect();
            read.dedup();
            let mine: Vec<String> = entries
                .iter()
                .skip(index)
                .step_by(count)
                .map(|e| (*e).to_owned())
                .collect();
            assert_eq!(read, mine, "shard {shard}");
            read_entries.extend(read);
            findings.extend(report.findings);
        }
        read_entries.sort();
        let mut all: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
        all.sort();
        assert_eq!(read_entries, all, "{count} shards");
        // Every story is whole in one shard, so together they find what one run finds, with
        // the same attribution.
        findings.sort_by_key(key);
        let mut expected = whole.findings.clone();
        expected.sort_by_key(key);
        assert_eq!(findings, expected, "{count} shards");
    }
    // More shards than entries: the last ones read nothing, cleanly.
    let (report, out) = json(&[SAMPLE, "--shard", "3/4", "--allow", ALLOW]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(report.findings.is_empty() && report.summary.inputs.is_empty());
}

#[test]
fn output_writes_the_report_to_a_file_and_nothing_to_stdout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("report.json");
    let target_s = target.display().to_string();
    let out = run(&[
        SAMPLE, "--allow", ALLOW, "--format", "json", "-o", &target_s,
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let (direct, _) = json(&[SAMPLE, "--allow", ALLOW]);
    let saved: Report =
        serde_json::from_slice(&std::fs::read(&target).expect("written")).expect("a JSON report");
    assert_eq!(saved.findings, direct.findings);
    // Only the report is left in the directory: the temporary file was renamed.
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    // A table written to a file is the table stdout gets when it is not a terminal.
    let table = dir.path().join("report.txt");
    let out = run(&[
        SAMPLE,
        "--allow",
        ALLOW,
        "--output",
        &table.display().to_string(),
        "-q",
    ]);
    assert_eq!(code(&out), 1);
    let on_stdout = run(&[SAMPLE, "--allow", ALLOW, "-q"]);
    assert_eq!(std::fs::read(&table).expect("written"), on_stdout.stdout);
}

#[test]
fn an_output_that_cannot_be_written_fails_before_the_scan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no/such/dir/report.json");
    let out = run(&[
        SAMPLE,
        "--allow",
        ALLOW,
        "-o",
        &missing.display().to_string(),
    ]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("cannot create a file in"), "{err}");
    assert!(!err.contains("findings"), "no scan summary: {err}");
    let out = run(&[SAMPLE, "--allow", ALLOW, "-o", "s3:///shard-0.json"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("names no bucket"), "{}", stderr(&out));
}

#[test]
fn exit_zero_turns_findings_into_success_but_not_errors() {
    let out = run(&[SAMPLE, "--allow", ALLOW, "--exit-zero", "-q"]);
    assert_eq!(code(&out), 0);
    assert!(!out.stdout.is_empty(), "the findings are still reported");
    let out = run(&[SAMPLE, "no/such.log", "--allow", ALLOW, "--exit-zero", "-q"]);
    assert_eq!(code(&out), 2, "an unreadable input is still an error");
    let out = run(&[SAMPLE, "--allow", "no/such/allow.yaml", "--exit-zero"]);
    assert_eq!(code(&out), 2);
    let report: Report = parse(&run(&[
        SAMPLE,
        "--allow",
        ALLOW,
        "--exit-zero",
        "--format",
        "json",
    ]));
    assert!(!report.findings.is_empty());
}

#[cfg(feature = "object-store")]
#[test]
fn reports_go_to_an_object_store_in_one_put_and_merge_back_from_it() {
    use crate::object_store::moto::{self, BUCKET};
    let server = moto::open();
    let env = server.env();
    let with_env = |args: &[&str]| {
        crate::util::cmd()
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .args(args)
            .output()
            .expect("the binary runs")
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut entries = vec![SAMPLE, MIXED];
    entries.extend(&ATTRIBUTION[..8]);
    let listed = list(dir.path(), "inputs.txt", &entries);
    let prefix = format!("s3://{BUCKET}/sharded-scan/");
    let report = |k: usize| format!("{prefix}shard-{k}.json");
    for k in 0..2 {
        let shard = format!("{k}/2");
        let out = with_env(&[
            "--allow",
            ALLOW,
            "--files-from",
            &listed,
            "--shard",
            &shard,
            "--format",
            "json",
            "-o",
            &report(k),
            "--exit-zero",
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
    // Merged from the bucket, named one by one or by their prefix, into the bucket.
    let one_run = jsonl(&["--files-from", &listed, "--allow", ALLOW]);
    let merged = with_env(&["--merge", &report(0), &report(1), "--format", "jsonl", "-q"]);
    assert_eq!(code(&merged), 1, "{}", stderr(&merged));
    let mut got: Vec<String> = stdout(&merged).lines().map(str::to_owned).collect();
    let mut expected: Vec<String> = one_run.lines().map(str::to_owned).collect();
    got.sort();
    expected.sort();
    assert!(got == expected, "the shards' findings are the one run's");
    let by_prefix = with_env(&["--merge", &prefix, "--format", "jsonl", "-q"]);
    assert!(
        stdout(&by_prefix) == stdout(&merged),
        "{}",
        stderr(&by_prefix)
    );
    let all = format!("{prefix}all/merged.json");
    let out = with_env(&[
        "--merge",
        &prefix,
        "-o",
        &all,
        "--format",
        "json",
        "--exit-zero",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let again = with_env(&["--merge", &all, "--format", "jsonl", "-q"]);
    assert!(stdout(&again) == stdout(&merged), "{}", stderr(&again));
    // A prefix is no place for a report; a bucket that does not exist fails, naming the URI.
    let out = with_env(&[SAMPLE, "--allow", ALLOW, "-o", &prefix]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("names a prefix"), "{}", stderr(&out));
    let missing = "s3://no-such-bucket/report.json";
    let out = with_env(&[SAMPLE, "--allow", ALLOW, "-o", missing, "-q"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(&format!("--output {missing}: cannot put the report")),
        "{}",
        stderr(&out)
    );
}
