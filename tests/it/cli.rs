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

/// `--threads` is 1 to 1024: a usage error otherwise, at once (not thousands of threads).
#[test]
fn threads_out_of_range_are_refused_at_once() {
    for n in ["0", "1025", "100000", "lots"] {
        let started = std::time::Instant::now();
        let out = run(&[SAMPLE, "--allow", ALLOW, "-j", n]);
        assert_eq!(code(&out), 2, "-j {n}");
        assert!(stderr(&out).contains("--threads"), "{}", stderr(&out));
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }
    assert_eq!(code(&run(&[SAMPLE, "--allow", ALLOW, "-j", "1024"])), 1);
}

/// `--default-registry` takes a host, and says which one when given a URL or a path.
#[test]
fn a_default_registry_that_is_no_host_is_refused_with_a_hint() {
    for (value, says) in [
        ("", "is empty"),
        ("https://mirror.corp", "did you mean `mirror.corp`?"),
        ("mirror.corp/", "did you mean `mirror.corp`?"),
    ] {
        let out = run(&[SAMPLE, "--allow", ALLOW, "--default-registry", value]);
        assert_eq!(code(&out), 2, "{value:?}");
        assert!(stderr(&out).contains(says), "{value:?}: {}", stderr(&out));
    }
    let out = run(&[
        SAMPLE,
        "--allow",
        ALLOW,
        "--default-registry",
        "mirror.corp:5000",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
}

/// `--falco --summary` shows the per-image table (Falco has no per-image form).
#[test]
fn falco_with_summary_prints_the_per_image_table() {
    let out = run(&[SAMPLE, "--allow", ALLOW, "--falco", "--summary"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stdout(&out).contains("IMAGE"), "{}", stdout(&out));
    let out = run(&[
        SAMPLE,
        "--allow",
        ALLOW,
        "--falco",
        "--summary",
        "--format",
        "falco",
    ]);
    assert_eq!(code(&out), 2);
}

/// The summary counts every audit event (the API server's own lines are recognised without a
/// parse), and says "1 line", not "1 lines".
#[test]
fn the_summary_counts_events_and_speaks_in_the_singular() {
    let lease = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete","verb":"update","objectRef":{"resource":"leases"}}"#;
    let log = format!("{lease}\n{lease}\n{lease}\nnot json\n");
    let out = crate::util::run_stdin(&["-", "--allow", ALLOW], log.into_bytes());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("3 audit events"), "{err}");
    assert!(err.contains("1 line that is not an audit event"), "{err}");
    let out = crate::util::run_stdin(
        &["-", "--allow", ALLOW, "--strict"],
        format!("{lease}\nnot json\n").into_bytes(),
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--strict: 1 line is not an audit event"),
        "{}",
        stderr(&out)
    );
}

/// The hint under `images-unknown` findings names every cause it saw.
#[test]
fn the_images_unknown_hint_explains_each_cause() {
    let base = Event::create("p").image("nginx").line();
    let no_body = base.replace(
        r#","requestObject":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}"#,
        "",
    );
    let no_containers = Event::create("q").line();
    let no_image = Event::create("r")
        .image("nginx")
        .line()
        .replace(r#","image":"nginx""#, "");
    assert_ne!(no_body, base);
    assert_ne!(no_image, Event::create("r").image("nginx").line());
    let log = format!("{no_body}\n{no_containers}\n{no_image}\n");
    let out = crate::util::run_stdin(&["-", "--allow", ALLOW], log.into_bytes());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    let hints: Vec<_> = err.lines().filter(|l| l.contains("hint:")).collect();
    assert_eq!(hints.len(), 3, "{err}");
    assert!(hints[0].contains("without the pod spec"), "{err}");
    assert!(hints[1].contains("lists no container"), "{err}");
    assert!(
        hints[2].contains("container without a string `image`"),
        "{err}"
    );
}
