//! The command line as a user meets it: exit statuses, errors that name what to fix, `--help`,
//! `--strict`, `--quiet`, the text summary, broken pipes, and shell completions and the man page.

use std::io::Read;
use std::process::Stdio;

use crate::util::{ALLOW, Event, SAMPLE, cmd, code, run, stderr, stdout};

#[test]
fn exit_status_is_0_clean_1_findings() {
    let clean = run(&["testdata/nginx-create.json", "--allow", ALLOW]);
    assert_eq!(code(&clean), 0, "{}", stderr(&clean));
    assert_eq!(stdout(&clean), "", "no findings, no table");
    assert!(stderr(&clean).contains("0 findings"));
    let dirty = run(&[SAMPLE, "--allow", ALLOW]);
    assert_eq!(code(&dirty), 1, "{}", stderr(&dirty));
}

#[test]
fn an_unreadable_path_is_exit_2_but_the_others_are_still_scanned() {
    let out = run(&["testdata/no-such.log", SAMPLE, "--allow", ALLOW]);
    assert_eq!(code(&out), 2, "an error wins over findings");
    let err = stderr(&out);
    assert!(
        err.contains("error: testdata/no-such.log: cannot open"),
        "{err}"
    );
    assert!(
        stdout(&out).contains("xmrig/xmrig:latest"),
        "findings still printed"
    );
}

#[test]
fn usage_errors_are_exit_2() {
    assert_eq!(code(&run(&[SAMPLE])), 2, "--allow is required");
    assert_eq!(code(&run(&["--allow", ALLOW])), 2, "a path is required");
    assert_eq!(code(&run(&["x", "--allow", ALLOW, "--format", "xml"])), 2);
    assert_eq!(code(&run(&["x", "--allow", ALLOW, "--bogus"])), 2);
}

#[test]
fn help_explains_the_allowlist_and_shows_an_example() {
    let out = run(&["--help"]);
    assert_eq!(code(&out), 0);
    let help = stdout(&out);
    for needle in [
        "--allow <FILE>",
        "Allowlist",
        "REPO[:TAG][@DIGEST]",
        "Example:",
        "Exit status",
        "NO_COLOR",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
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

#[test]
fn strict_makes_skipped_lines_an_error() {
    let out = run(&["testdata/garbage-lines.jsonl", "--allow", ALLOW, "--strict"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains(
            "--strict: 6 lines are not audit events (first: testdata/garbage-lines.jsonl:3"
        ),
        "{err}"
    );
    assert!(
        stdout(&out).contains("redis:7.2.4"),
        "findings are still reported"
    );
    let clean_input = run(&[
        "testdata/pod-requests-mixed.jsonl",
        "--allow",
        ALLOW,
        "--strict",
    ]);
    assert_eq!(code(&clean_input), 1);
}

#[test]
fn quiet_silences_the_summary_but_not_errors() {
    let out = run(&[SAMPLE, "--allow", ALLOW, "--quiet"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stderr(&out), "");
    let out = run(&["testdata/missing.log", "--allow", ALLOW, "--quiet"]);
    assert!(stderr(&out).contains("missing.log"));
}

#[test]
fn the_summary_says_what_was_read_and_hints_at_the_audit_level() {
    let err = stderr(&run(&[SAMPLE, "--allow", ALLOW]));
    assert!(
        err.contains("5 findings (3 disallowed-image, 2 images-unknown)"),
        "{err}"
    );
    assert!(err.contains("58 lines"), "{err}");
    assert!(err.contains("level Request"), "{err}");
}

#[test]
fn a_broken_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("big.log");
    let body: String = (0..20_000)
        .map(|i| Event::create(&format!("web-{i}")).image("nginx").line() + "\n")
        .collect();
    std::fs::write(&log, body).expect("write");
    let mut child = cmd()
        .args([
            log.to_str().expect("utf-8"),
            "--allow",
            "testdata/allow-apache.yaml",
            "--format",
            "jsonl",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 64];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("some output");
    // Dropping our end closes the pipe while the tool still has megabytes to write.
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings, not an error: {}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("error"), "{}", stderr(&out));
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
