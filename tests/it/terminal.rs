//! What reaches a terminal besides the findings: colour (only when asked for or on a terminal,
//! never with `NO_COLOR`), the table fitted to the terminal's width with who is behind each pod
//! kept in its row, and the progress bar (on a pseudo-terminal from `script`, and only there).

use std::path::Path;
use std::process::Command;

use crate::util::{ALLOW, ATTRIBUTION, MIXED, SAMPLE, cmd, root, run, stderr, stdout};

/// What a pseudo-terminal shows for `shell`, run by `script` (util-linux) so that stdout and stderr
/// are a terminal, with only `TERM` and `env` set.
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
fn colour_marks_disallowed_images_and_outcomes_in_both_tables_only_when_asked() {
    let red = "\u{1b}[38;5;9m";
    let green = "\u{1b}[38;5;10m";
    let logs = [SAMPLE, MIXED, "--allow", ALLOW];
    for view in [&[][..], &["--summary"]] {
        let text = stdout(&run(&[&logs[..], &["--color", "always"], view].concat()));
        let miner = text
            .lines()
            .find(|l| l.contains("xmrig/xmrig:latest"))
            .expect("row");
        assert!(
            miner.contains(&format!("{red} xmrig/xmrig:latest")),
            "{view:?}: {text:?}"
        );
        assert!(text.contains(green), "a refused request is green: {text:?}");
        for flag in [&["--color", "never"][..], &["--color", "auto"], &[]] {
            let plain = stdout(&run(&[&logs[..], flag, view].concat()));
            assert!(
                plain.contains("xmrig/xmrig:latest") && !plain.contains('\u{1b}'),
                "no colour in a pipe with {flag:?} {view:?}"
            );
        }
    }
}

#[test]
fn no_color_is_honoured_on_a_terminal() {
    let bin = env!("CARGO_BIN_EXE_falco-pod-scan");
    let command = format!("{bin} {SAMPLE} --allow {ALLOW} --quiet");
    assert!(
        on_terminal(&command, &[]).contains("\u{1b}["),
        "colour on a terminal"
    );
    let plain = on_terminal(&command, &[("NO_COLOR", "1")]);
    assert!(
        plain.contains("xmrig/xmrig:latest") && !plain.contains("\u{1b}["),
        "{plain}"
    );
}

#[test]
fn color_always_wins_over_no_color() {
    let red = "\u{1b}[38;5;9m";
    let bin = env!("CARGO_BIN_EXE_falco-pod-scan");
    let command = format!("{bin} {SAMPLE} --allow {ALLOW} --quiet --color always");
    let shown = on_terminal(&command, &[("NO_COLOR", "1")]);
    assert!(
        shown.contains(&format!("{red} xmrig/xmrig:latest")),
        "{shown:?}"
    );
    let piped = cmd()
        .args([SAMPLE, "--allow", ALLOW, "--color", "always"])
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    assert!(stdout(&piped).contains(red), "{}", stdout(&piped));
    let blocks = on_terminal(&format!("stty cols 40; {command}"), &[("NO_COLOR", "1")]);
    assert!(
        blocks.contains(&format!("{red}xmrig/xmrig:latest")),
        "{blocks:?}"
    );
}

/// `text` without its terminal escapes (`ESC [ parameters final-byte`: colours, erasing a line,
/// moving the cursor).
fn without_colour(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                chars.by_ref().find(|c| ('@'..='~').contains(c));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn on_a_terminal_the_table_fits_and_keeps_who_and_how_in_one_row() {
    let bin = env!("CARGO_BIN_EXE_falco-pod-scan");
    let logs = ATTRIBUTION.join(" ");
    let shown = |cols: usize| {
        let command = format!("stty cols {cols}; {bin} {logs} --allow {ALLOW} --quiet");
        without_colour(&on_terminal(&command, &[]))
    };
    for cols in [40, 80, 120] {
        let text = shown(cols);
        let expected = if cols < 80 { "Finding 1 of 26" } else { "TIME" };
        assert!(text.contains(expected), "{text}");
        for line in text.lines() {
            let line = line.trim_end_matches('\r');
            assert!(line.chars().count() <= cols, "wider than {cols}: {line}");
        }
    }
    // Wide enough for nothing to wrap: the initiator, and the top of its chain beneath it.
    let text = shown(400);
    let lines: Vec<&str> = text.lines().collect();
    let row = lines
        .iter()
        .position(|l| l.contains("deployment-chain.log:7 "))
        .expect("the row of the first pod bob is behind");
    assert!(lines[row].contains("┆ bob@example.com "), "{text}");
    assert!(lines[row + 1].contains("┆ via Deployment/web "), "{text}");
}

#[test]
fn on_a_terminal_the_summary_and_the_errors_fit_its_width() {
    let bin = env!("CARGO_BIN_EXE_falco-pod-scan");
    // Skipped and repaired lines, attribution notes, every kind of hint, files ignored in a
    // directory, a truncated archive, a missing file, a warning and a --strict error: every kind
    // of line the summary and the messages have.
    let dir = tempfile::tempdir().expect("tempdir");
    let ignored = dir.path().join("_expectations");
    std::fs::create_dir(&ignored).expect("mkdir");
    for name in ["a-rather-long-expectation-name.yaml", "b.yaml"] {
        std::fs::write(ignored.join(name), "images:\n  - nginx\n").expect("write");
    }
    let gz = std::fs::read(root().join("testdata/sample-audit-multimember.log.gz")).expect("read");
    let cut = dir.path().join("cut.log.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).expect("write");
    let inputs = [
        "testdata/garbage-lines.jsonl".to_owned(),
        "testdata/damaged-lines.jsonl".to_owned(),
        SAMPLE.to_owned(),
        ATTRIBUTION.join(" "),
        ignored.display().to_string(),
        cut.display().to_string(),
        "missing.log".to_owned(),
    ]
    .join(" ");
    let args =
        format!("{inputs} --allow testdata/allow-empty.yaml --strict --since 2026-03-02T09:12:00Z");
    for cols in [80, 120] {
        let shown = without_colour(&on_terminal(
            &format!("stty cols {cols}; {bin} {args} > /dev/null"),
            &[],
        ));
        for needle in [
            "skipped ",
            "repaired ",
            "ignored 2 files",
            "unresolved: ",
            "hint: ",
            "truncated: ",
            "warning: ",
            "error: --strict",
        ] {
            assert!(shown.contains(needle), "{cols}: no {needle:?} in\n{shown}");
        }
        for line in shown.lines() {
            let line = line.trim_end_matches('\r');
            assert!(
                unicode_width::UnicodeWidthStr::width(line) <= cols,
                "wider than {cols}: {line}\n{shown}"
            );
        }
    }
    // In a pipe each fact and each message stays one line, for programs and logs.
    let piped = cmd().args(args.split(' ')).output().expect("runs");
    let text = stderr(&piped);
    assert!(
        text.lines()
            .any(|l| l.starts_with("falco-pod-scan: error: --strict: ")
                && l.ends_with("run without --strict to skip them")),
        "{text}"
    );
    assert!(text.lines().any(|l| l.len() > 120), "{text}");
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

#[test]
fn the_progress_bar_shows_on_a_terminal_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let large = large_log(dir.path());
    let bin = env!("CARGO_BIN_EXE_falco-pod-scan");
    // A second input that arrives after a second makes every scan outlast the bar's delay,
    // however fast the machine: `/dev/stdin` is a pipe, of size 0, so the total stays known.
    let slow = format!("(sleep 1; cat {SAMPLE}) | {bin} --allow {ALLOW} --format jsonl");
    let bar = "scanning [";
    let shown = on_terminal(
        &format!("stty cols 80; {slow} {large} /dev/stdin > /dev/null"),
        &[],
    );
    assert!(
        shown.contains(bar) && shown.contains("MiB/s") && shown.contains("/65.0"),
        "{shown:?}"
    );
    // Each frame is drawn over the last after a carriage return (or a cursor move).
    for frame in without_colour(&shown).split(['\r', '\n']) {
        if frame.contains(bar) {
            let frame = frame.trim_end();
            assert!(
                frame.chars().count() <= 80,
                "{}: {frame:?}",
                frame.chars().count()
            );
        }
    }
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
