//! The output side of issue 8: CSV (RFC 4180, defused formulas), identical output for any thread
//! count, colour in both tables, the progress bar (on a pseudo-terminal from `script`, and only
//! there), completions and the man page, and the groups of `--help`.

use std::path::Path;
use std::process::Command;

use crate::util::{cmd, code, root, run, stderr, stdout};

const ALLOW: &str = "testdata/allow.yaml";
const SAMPLE: &str = "testdata/sample-audit.log";
const CASES: &str = "testdata/pod-requests-mixed.jsonl";

#[test]
fn csv_is_rfc_4180_with_one_row_per_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("agents.log");
    let line = std::fs::read_to_string(root().join("testdata/nginx-create.json")).expect("read");
    let hostile = line.trim().replacen(
        r#""userAgent":""#,
        r#""userAgent":"=HYPERLINK(\"x\"), \"quoted\"\nnext line ,"#,
        1,
    );
    std::fs::write(&log, format!("{hostile}\n")).expect("write");
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
    let agent = "'=HYPERLINK(\"x\"), \"quoted\"\nnext line ,kube-controller-manager/";
    assert!(
        field("user_agent").starts_with(agent),
        "defused, quoted, whole"
    );
    assert_eq!(field("disallowed_images"), "nginx");
    assert_eq!(field("containers"), "container:nginx=nginx");
    assert_eq!(field("status_code"), "201");

    let sample = stdout(&run(&[SAMPLE, "--allow", ALLOW, "--format", "csv"]));
    assert_eq!(
        csv::Reader::from_reader(sample.as_bytes())
            .records()
            .count(),
        5
    );
}

#[test]
fn outputs_are_identical_for_any_thread_count() {
    for view in [
        &["--summary"][..],
        &["--format", "csv"],
        &["--suggest-allowlist"],
    ] {
        let at = |threads: &str| {
            let args = [&[SAMPLE, CASES, "--allow", ALLOW, "-j", threads][..], view].concat();
            run(&args).stdout
        };
        assert_eq!(at("1"), at("4"), "{view:?}");
    }
}

#[test]
fn colour_marks_disallowed_images_and_outcomes_in_both_tables() {
    for view in [&[][..], &["--summary"]] {
        let out = run(&[
            &[SAMPLE, CASES, "--allow", ALLOW, "--color", "always"][..],
            view,
        ]
        .concat());
        let text = stdout(&out);
        let red = "\u{1b}[38;5;9m";
        let green = "\u{1b}[38;5;10m";
        let miner = text
            .lines()
            .find(|l| l.contains("xmrig/xmrig:latest"))
            .expect("row");
        assert!(
            miner.contains(&format!("{red} xmrig/xmrig:latest")),
            "{view:?}: {text:?}"
        );
        assert!(text.contains(green), "a refused request is green: {text:?}");
        let plain = stdout(&run(&[&[SAMPLE, "--allow", ALLOW][..], view].concat()));
        assert!(!plain.contains('\u{1b}'));
    }
}

#[test]
fn completions_and_the_man_page_need_no_other_option() {
    for (what, needle) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef falco-pod-scan"),
        ("fish", "complete -c falco-pod-scan"),
        ("elvish", "falco-pod-scan"),
        ("powershell", "Register-ArgumentCompleter"),
        ("man", ".TH falco-pod-scan 1"),
    ] {
        let out = run(&["--generate", what]);
        assert_eq!(code(&out), 0, "{what}: {}", stderr(&out));
        assert!(stdout(&out).contains(needle), "{what}");
        assert!(stdout(&out).contains("suggest"), "{what} knows the options");
    }
    assert_eq!(
        code(&run(&["--generate", "bash", SAMPLE])),
        2,
        "nothing else with it"
    );
    assert_eq!(code(&run(&["--generate", "tcsh"])), 2);
}

#[test]
fn help_groups_the_options() {
    let help = stdout(&run(&["--help"]));
    let heading = |h: &str| {
        help.find(&format!("\n{h}:\n"))
            .unwrap_or_else(|| panic!("{h}:\n{help}"))
    };
    let order: Vec<usize> = [
        "Options",
        "Policy",
        "Filters",
        "Output",
        "Input",
        "Shell integration",
    ]
    .map(heading)
    .into();
    assert!(order.is_sorted(), "{help}");
    let filters = &help[heading("Filters")..heading("Output")];
    for option in ["--since", "--until", "--namespace", "--user"] {
        assert!(filters.contains(option), "{option} under Filters");
    }
    let output = &help[heading("Output")..heading("Input")];
    for option in [
        "--summary",
        "--suggest-allowlist",
        "--progress",
        "--color",
        "--format",
    ] {
        assert!(output.contains(option), "{option} under Output");
    }
}

/// A log just over the 64 MiB from which `--progress auto` draws (the sample, repeated).
fn large_log(dir: &Path) -> String {
    let sample = std::fs::read(root().join(SAMPLE)).expect("read");
    let mut body = Vec::with_capacity(66 << 20);
    while body.len() < 65 << 20 {
        body.extend_from_slice(&sample);
    }
    let path = dir.join("large.log");
    std::fs::write(&path, body).expect("write");
    path.to_str().expect("utf-8").to_owned()
}

/// What a pseudo-terminal shows for `shell` (run by `script`, so stdout and stderr are a tty).
fn on_terminal(shell: &str, env: &[(&str, &str)]) -> String {
    let mut c = Command::new("script");
    c.args(["-qec", shell, "/dev/null"])
        .current_dir(root())
        .env_clear()
        .env("TERM", "xterm");
    c.envs(env.iter().copied());
    let out = c.output().expect("script runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_progress_bar_shows_on_a_terminal_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let large = large_log(dir.path());
    let bin = env!("CARGO_BIN_EXE_falco-pod-scan");
    // A second input that arrives after a second makes every scan outlast the bar's delay,
    // however fast the machine: `/dev/stdin` is a pipe, of size 0, so the total stays known.
    let slow = format!("(sleep 1; cat {SAMPLE}) | {bin} --allow {ALLOW} --format jsonl");
    let bar = "scanning [";
    let shown = on_terminal(&format!("{slow} {large} /dev/stdin > /dev/null"), &[]);
    assert!(
        shown.contains(bar) && shown.contains("MiB/s") && shown.contains("/65.0"),
        "{shown:?}"
    );
    assert!(shown.contains("falco-pod-scan: "), "the summary follows");
    let stdin = on_terminal(&format!("{slow} - > /dev/null"), &[]);
    assert!(
        stdin.contains("scanning ") && stdin.contains("KiB"),
        "no size, a counter: {stdin:?}"
    );
    for (what, shell, env) in [
        (
            "a small input",
            format!("{slow} {SAMPLE} /dev/stdin > /dev/null"),
            &[][..],
        ),
        (
            "stdout piped",
            format!("{slow} {large} /dev/stdin | cat > /dev/null"),
            &[],
        ),
        (
            "--quiet",
            format!("{slow} {large} /dev/stdin --quiet > /dev/null"),
            &[],
        ),
        (
            "never",
            format!("{slow} {large} /dev/stdin --progress never > /dev/null"),
            &[],
        ),
        (
            "CI",
            format!("{slow} {large} /dev/stdin > /dev/null"),
            &[("CI", "true")],
        ),
    ] {
        let text = on_terminal(&shell, env);
        assert!(!text.contains("scanning"), "{what}: {text:?}");
    }
}

#[test]
fn progress_always_draws_once_even_into_a_pipe() {
    let bar = "scanning [";
    // Never onto stdout, and at least once however short the scan.
    let forced = cmd()
        .args([
            SAMPLE,
            "--allow",
            ALLOW,
            "--format",
            "jsonl",
            "--progress",
            "always",
        ])
        .output()
        .expect("runs");
    assert!(stderr(&forced).contains(bar), "{}", stderr(&forced));
    assert!(!stdout(&forced).contains(bar));
}
