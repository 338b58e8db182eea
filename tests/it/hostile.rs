//! Hostile and broken input: never crash, never lose a finding, never hurt the
//! terminal. Audit logs are evidence; they arrive truncated, rotated under the reader,
//! hand-edited and partly written by attackers.
//!
//! `testdata/damaged-lines.jsonl` holds, between good pod creates, one of each kind of damage (see
//! `testdata/README.md`); the other inputs are made here at run time.

use std::io::Write;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::report::{Location, Report};
use crate::util::{
    ALLOW, Event, cmd, code, json, parse, parse_lines, run, run_stdin, stderr, stdout, wait_at_most,
};

const DAMAGED: &str = "testdata/damaged-lines.jsonl";

/// The pods of the findings in `DAMAGED`, in order: every good line's, and those of the events
/// that damaged lines still hold.
const DAMAGED_PODS: [&str; 15] = [
    "before",
    "wrongtypes-containers",
    "wrongtypes-image",
    "wrongtypes-spec",
    "dupkeys",
    "deep",
    "badutf8",
    "afterhole",
    "cr1",
    "cr2",
    "esc\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2Jred\u{202e}live",
    "surrogate",
    "appended",
    "a,\"b\"\nc=cmd|calc",
    "after",
];

/// The `pod` of every finding.
fn pods(doc: &Report) -> Vec<String> {
    doc.findings
        .iter()
        .map(|f| f.pod.clone().unwrap_or_else(|| "<null>".to_owned()))
        .collect()
}

/// The `line`s of a summary location list.
fn lines_of(list: &[Location]) -> Vec<u64> {
    list.iter().map(|s| s.line).collect()
}

/// A canonical pod create by mallory, for `pod` running `image`; `extra` goes into the pod's
/// metadata (a JSON fragment starting with `,`, or empty).
fn create(pod: &str, image: &str, extra: &str) -> String {
    Event::create(pod).image(image).metadata(extra).line()
}

#[test]
fn damaged_lines_are_counted_and_every_finding_around_them_is_kept() {
    let bytes = std::fs::read(crate::util::root().join(DAMAGED)).expect("fixture");
    let ways: Vec<(&str, (Report, Output))> = vec![
        ("mapped", json(&[DAMAGED, "--allow", ALLOW])),
        ("--no-mmap", json(&[DAMAGED, "--allow", ALLOW, "--no-mmap"])),
        (
            "one thread",
            json(&[DAMAGED, "--allow", ALLOW, "--threads", "1"]),
        ),
        ("stdin", {
            let out = run_stdin(&["-", "--allow", ALLOW, "--format", "json"], bytes.clone());
            (parse(&out), out)
        }),
    ];
    for (how, (doc, out)) in &ways {
        assert_eq!(code(out), 1, "{how}: {}", stderr(out));
        assert_eq!(pods(doc), DAMAGED_PODS, "{how}");
        let summary = &doc.summary;
        assert_eq!(summary.lines, 25, "{how}");
        assert_eq!(summary.skipped, 11, "{how}: {summary:?}");
        assert_eq!(lines_of(&summary.skipped_at), [2, 3, 4, 5, 6], "{how}");
        assert_eq!(summary.repaired, 2, "{how}: {summary:?}");
        assert_eq!(lines_of(&summary.repaired_at), [16, 19], "{how}");
    }
    // However the file is read, the findings are the same, byte for byte.
    for (how, (doc, _)) in &ways[1..3] {
        assert_eq!(ways[0].1.0.findings, doc.findings, "{how}");
    }

    // The skipped lines after the fifth, and why: blank out lines 2-7 (keeping the numbering).
    let mut blanked: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    for line in &mut blanked[1..7] {
        *line = b"";
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("later.jsonl");
    std::fs::write(&path, blanked.join(&b'\n')).expect("write");
    let (doc, _) = json(&[path.to_str().expect("utf-8"), "--allow", ALLOW]);
    let skipped = &doc.summary.skipped_at;
    assert_eq!(lines_of(skipped), [14, 15, 21, 22, 25]);
    let why: Vec<&str> = skipped.iter().map(|s| s.why.as_str()).collect();
    let starts = [
        "bytes 1-300 of the line: not valid JSON: expected value; 1 event elsewhere on the line was read (4096 NUL bytes on the line",
        "512 NUL bytes and nothing else: a hole left in the file by a crash",
        "bytes 1-400 of the line: not valid JSON: ",
        "not valid JSON: expected value, at column 1",
        "not valid JSON: EOF while parsing a string, at column ",
    ];
    for (got, want) in why.iter().zip(starts) {
        assert!(
            got.starts_with(want),
            "{got:?} does not start with {want:?}"
        );
    }
    assert!(
        why[4].ends_with("(the line ends early: cut short?)"),
        "{}",
        why[4]
    );
}

#[test]
fn strict_refuses_damaged_lines_but_still_reports_their_findings() {
    let out = run(&[DAMAGED, "--allow", ALLOW, "--strict", "--format", "jsonl"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), DAMAGED_PODS.len());
}

#[test]
fn a_100_mb_line_is_read_like_any_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.log");
    let big = "x".repeat(100 << 20);
    let body = format!(
        "{}\n{}\n{}\n",
        create("before", "evil/before:1", ""),
        create(
            "huge",
            "evil/huge:1",
            &format!(r#","annotations":{{"big":"{big}"}}"#)
        ),
        create("after", "evil/after:1", ""),
    );
    drop(big);
    std::fs::write(&path, body).expect("write");
    let path = path.to_str().expect("utf-8");
    for extra in [&[][..], &["--no-mmap"]] {
        let started = Instant::now();
        let mut args = vec![path, "--allow", ALLOW];
        args.extend(extra);
        let (doc, out) = json(&args);
        assert_eq!(code(&out), 1, "{extra:?}: {}", stderr(&out));
        assert_eq!(pods(&doc), ["before", "huge", "after"], "{extra:?}");
        assert_eq!(doc.summary.skipped, 0);
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{extra:?}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_binary_file_is_skipped_line_by_line_and_the_events_in_it_are_kept() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect()
    };
    let mut bytes = noise(1 << 20);
    bytes.push(b'\n');
    bytes.extend(create("inside", "evil/inside:1", "").as_bytes());
    bytes.push(b'\n');
    bytes.extend(noise(1 << 20));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("binary.log");
    std::fs::write(&path, &bytes).expect("write");
    let (doc, out) = json(&[path.to_str().expect("utf-8"), "--allow", ALLOW]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(pods(&doc), ["inside"]);
    let summary = &doc.summary;
    assert!(summary.skipped > 1000, "{summary:?}");
    assert_eq!(summary.skipped_at.len(), 5);
}

#[cfg(unix)]
#[test]
fn special_files_and_broken_paths_fail_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).expect("mkdir");
    std::fs::copy(crate::util::root().join(DAMAGED), logs.join("a.log")).expect("copy");
    std::os::unix::fs::symlink("/nonexistent/audit.log", logs.join("b.log")).expect("symlink");
    let dangling = dir.path().join("gone.log");
    std::os::unix::fs::symlink("rotated-away.log", &dangling).expect("symlink");
    let child = cmd()
        .args(["/dev/zero", logs.to_str().expect("utf-8")])
        .arg(&dangling)
        .args(["/dev/null", "--allow", ALLOW, "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let out = wait_at_most(child, Duration::from_secs(60));
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let doc: Report = parse(&out);
    assert_eq!(pods(&doc), DAMAGED_PODS, "the readable file is scanned");
    let err = stderr(&out);
    for want in [
        "error: /dev/zero: is a character device, not a log file, so it was not opened".to_owned(),
        format!(
            "error: {}: cannot open: it is a symbolic link to /nonexistent/audit.log, which does not exist",
            logs.join("b.log").display()
        ),
        format!(
            "error: {}: cannot open: it is a symbolic link to rotated-away.log, which does not exist",
            dangling.display()
        ),
        "error: /dev/null: is a character device".to_owned(),
    ] {
        assert!(err.contains(&want), "{want}\nnot in:\n{err}");
    }
    let inputs = &doc.summary.inputs;
    let unreadable: Vec<&str> = inputs
        .iter()
        .filter(|i| i.format.is_none())
        .map(|i| i.file.as_str())
        .collect();
    assert_eq!(unreadable.len(), 4, "{inputs:?}");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_read_as_a_stream() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("audit.pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this system
    }
    let bytes = std::fs::read(crate::util::root().join(DAMAGED)).expect("fixture");
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, bytes))
    };
    let child = cmd()
        .arg(&fifo)
        .args(["--allow", ALLOW, "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let out = wait_at_most(child, Duration::from_secs(60));
    writer.join().expect("writer").expect("written");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc: Report = parse(&out);
    assert_eq!(pods(&doc), DAMAGED_PODS);
}

/// Runs the binary as the unprivileged user `nobody` when this test runs as root (for whom
/// permissions do not apply), through `setpriv`; `None` when that is not possible.
#[cfg(unix)]
fn run_unprivileged(args: &[&str]) -> Option<Output> {
    let bin = env!("CARGO_BIN_EXE_falco-pod-scan");
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", bin])
        .args(args)
        .env_clear()
        .current_dir(crate::util::root())
        .stdin(Stdio::null())
        .output()
        .ok()?;
    // setpriv itself failed (not allowed here), or the binary is not reachable for `nobody`.
    (out.status.code() != Some(127) && out.status.code() != Some(126) && !out.stdout.is_empty())
        .then_some(out)
}

#[cfg(unix)]
#[test]
fn an_unreadable_directory_or_file_is_an_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).expect("mkdir");
    std::fs::write(locked.join("x.log"), b"").expect("write");
    let secret = dir.path().join("secret.log");
    std::fs::copy(crate::util::root().join(DAMAGED), &secret).expect("copy");
    for path in [&locked, &secret] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    }
    let args = [
        dir.path().to_str().expect("utf-8"),
        DAMAGED,
        "--allow",
        ALLOW,
        "--format",
        "jsonl",
    ];
    let as_root = std::fs::read_dir(&locked).is_ok();
    let out = if as_root {
        run_unprivileged(&args)
    } else {
        Some(run(&args))
    };
    for path in [&locked, &secret] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let Some(out) = out else {
        return; // root, and no way to drop privileges here
    };
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    for want in [
        format!(
            "error: {}: cannot read the directory: Permission denied",
            locked.display()
        ),
        format!(
            "error: {}: cannot open: Permission denied",
            secret.display()
        ),
    ] {
        assert!(err.contains(&want), "{want}\nnot in:\n{err}");
    }
    assert_eq!(stdout(&out).lines().count(), DAMAGED_PODS.len());
}

/// Bytes that must never reach a terminal from the log: ESC (ANSI and OSC sequences), BEL, C1
/// CSI, and the bidi override U+202E.
fn assert_terminal_safe(what: &str, text: &str) {
    for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\r'] {
        assert!(!text.contains(bad), "{what} holds {bad:?}:\n{text}");
    }
}

#[cfg(unix)]
#[test]
fn strings_from_the_log_are_escaped_for_the_terminal() {
    // A file whose very name is hostile: it reaches the table's SOURCE column and the summary.
    let dir = tempfile::tempdir().expect("tempdir");
    let name = dir.path().join("x\u{1b}[2J\u{202e}gol.log");
    std::fs::copy(crate::util::root().join(DAMAGED), &name).expect("copy");
    let missing = dir.path().join("m\u{1b}]0;pwned\u{7}.log");
    for format in ["table", "falco"] {
        let out = cmd()
            .arg(&name)
            .arg(&missing)
            .args(["--allow", ALLOW, "--color", "never", "--format", format])
            .output()
            .expect("runs");
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        assert_terminal_safe(&format!("{format} on stdout"), &stdout(&out));
        assert_terminal_safe(&format!("{format}: summary and errors"), &stderr(&out));
        assert!(stdout(&out).contains(r"esc\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2Jred\u{202e}live"));
        assert!(stderr(&out).contains(r"m\u{1b}]0;pwned\u{7}.log: cannot open"));
    }
    // With colour on, the only escape sequences are the table's own colours.
    let out = run(&[DAMAGED, "--allow", ALLOW, "--color", "always"]);
    let table = stdout(&out);
    for sequence in table.split('\u{1b}').skip(1) {
        assert!(
            sequence.starts_with('[')
                && sequence[1..].find('m').is_some_and(|end| sequence[1..=end]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b';' || b == b'm')),
            "a non-colour escape: {:?}",
            &sequence[..sequence.len().min(20)]
        );
    }
}

#[test]
fn json_jsonl_and_csv_stay_valid_and_keep_the_strings_as_logged() {
    let (doc, _) = json(&[DAMAGED, "--allow", ALLOW]);
    assert_eq!(
        pods(&doc),
        DAMAGED_PODS,
        "JSON decodes to the logged strings"
    );
    let out = run(&[DAMAGED, "--allow", ALLOW, "--format", "jsonl"]);
    assert_eq!(parse_lines(&stdout(&out)), doc.findings);
    let out = run(&[DAMAGED, "--allow", ALLOW, "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = reader.headers().expect("a header row").clone();
    let pod = headers
        .iter()
        .position(|h| h == "pod")
        .expect("a pod column");
    let rows: Vec<String> = reader
        .records()
        .map(|r| r.expect("RFC 4180").get(pod).expect("cell").to_owned())
        .collect();
    assert_eq!(rows, DAMAGED_PODS);
}

#[test]
fn the_json_summary_tells_what_was_skipped_truncated_or_unreadable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cut = dir.path().join("cut.log.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..2000 {
        writeln!(gz, "{}", create(&format!("p{i}"), "evil/gz:1", "")).expect("in memory");
    }
    let mut bytes = gz.finish().expect("in memory");
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&cut, bytes).expect("write");
    let (doc, out) = json(&[
        "testdata/no-such.log",
        cut.to_str().expect("utf-8"),
        DAMAGED,
        "--allow",
        ALLOW,
    ]);
    assert_eq!(code(&out), 2);
    let summary = &doc.summary;
    let state: Vec<(bool, bool)> = summary
        .inputs
        .iter()
        .map(|i| (i.format.is_none(), i.error.is_none()))
        .collect();
    // Unreadable (no format, an error), truncated (read, with an error), whole.
    assert_eq!(state, [(true, false), (false, false), (false, true)]);
    assert_eq!(summary.errors.len(), 2);
    assert_eq!(summary.skipped, 11);
    assert_eq!(summary.repaired, 2);
    let err = stderr(&out);
    assert!(err.contains("testdata/no-such.log: cannot open"), "{err}");
    assert!(err.contains("the gzip data ends early"), "{err}");
}

#[test]
fn the_text_summary_says_in_one_line_each_what_was_repaired_truncated_or_unreadable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cut = dir.path().join("cut.log.gz");
    std::fs::write(&cut, b"\x1f\x8b\x08\x00garbage").expect("write");
    let out = run(&[
        DAMAGED,
        cut.to_str().expect("utf-8"),
        "testdata/no-such.log",
        "--allow",
        ALLOW,
    ]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    let truncated = format!(
        "  truncated: 1 input read only up to the damage or the cut; the findings before it are \
         reported ({}; see the errors below)",
        cut.display()
    );
    for want in [
        "  skipped 11 lines that are not audit events:",
        "  repaired 2 lines (damaged, but every event in them was read): \
         testdata/damaged-lines.jsonl:16, testdata/damaged-lines.jsonl:19",
        &truncated,
        "  unreadable: 1 input not scanned (testdata/no-such.log; see the errors below)",
    ] {
        assert!(err.lines().any(|l| l == want), "{want}\nnot in:\n{err}");
    }
}

/// The wrong input never passes a gate: each of these, named on the command line, holds bytes
/// but not one audit event, and the run fails saying what it read.
#[test]
fn an_input_with_no_audit_event_is_an_error_that_says_what_it_is() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        path.display().to_string()
    };
    let garbage: Vec<u8> = (0u8..=255).cycle().take(4096).collect();
    let cases = [
        (write("garbage.bin", &garbage), "binary data"),
        (ALLOW.to_owned(), "looks like YAML"),
        (
            write("notes.txt", b"hello\nworld\n"),
            "text that starts `hello`",
        ),
        (
            write("pod.json", br#"{"apiVersion":"v1","kind":"Pod"}"#),
            "JSON, but not audit events",
        ),
        (
            write("audit.log.zip", b"PK\x03\x04rest of it"),
            "a zip archive",
        ),
    ];
    for (path, looks) in &cases {
        let (doc, out) = json(&[path, "--allow", ALLOW]);
        assert_eq!(code(&out), 2, "{path}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("error: {path}: not an audit log: it")) && err.contains(looks),
            "{path}: {err}"
        );
        assert!(doc.findings.is_empty());
        let input = &doc.summary.inputs[0];
        assert_eq!(
            input.error_kind.as_deref(),
            Some("no-audit-events"),
            "{path}"
        );
        assert_eq!(
            doc.summary.skipped, 0,
            "{path}: one error, not a skipped line each"
        );
    }
    // The same, from standard input; and the other inputs are still scanned.
    let out = run_stdin(
        &["-", SAMPLE_LOG, "--allow", ALLOW],
        b"images:\n  - nginx\n".to_vec(),
    );
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("error: -: not an audit log: it looks like YAML"));
    assert!(
        stdout(&out).contains("xmrig"),
        "the log's findings are printed"
    );
}

/// The README's sample log, for the runs that need findings beside a wrong input.
const SAMPLE_LOG: &str = "testdata/sample-audit.log";

#[test]
fn an_empty_directory_is_an_error_empty_input_is_not() {
    // Zero bytes on standard input are an empty log, as a 0-byte file is.
    let out = run_stdin(&["-", "--allow", ALLOW], Vec::new());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let dir = tempfile::tempdir().expect("tempdir");
    let empty_dir = dir.path().join("audit");
    std::fs::create_dir(&empty_dir).expect("mkdir");
    let empty_dir = empty_dir.display().to_string();
    let (doc, out) = json(&[&empty_dir, "--allow", ALLOW]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("the directory holds no file to scan"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        doc.summary.inputs[0].error_kind.as_deref(),
        Some("empty-directory")
    );
    // A log just rotated is empty, and fine.
    let empty = dir.path().join("audit.log");
    std::fs::write(&empty, b"").expect("write");
    let out = run(&[&empty.display().to_string(), "--allow", ALLOW]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// Files in a directory of logs that hold no event (Falco's trace files keep their expectations
/// as YAML beside them) are listed once as ignored, not as one skipped line per line.
#[test]
fn files_without_events_in_a_directory_are_ignored_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("traces");
    std::fs::create_dir_all(root.join("_expectations")).expect("mkdir");
    std::fs::copy(SAMPLE_LOG, root.join("sample.json")).expect("copy");
    for i in 0..3 {
        let yaml = "- macro: allowed_k8s_containers\n  condition: (ka.req.pod.containers.image.repository in (nginx))\n".repeat(40);
        std::fs::write(root.join(format!("_expectations/rules-{i}.yaml")), yaml).expect("write");
    }
    let root = root.display().to_string();
    let out = run(&[&root, "--allow", ALLOW]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("ignored 3 files with no audit event in them (3 YAML): "),
        "{err}"
    );
    assert!(!err.contains("skipped"), "{err}");
    let (doc, _) = json(&[&root, "--allow", ALLOW]);
    let ignored: Vec<_> = doc.summary.inputs.iter().filter(|i| i.ignored).collect();
    assert_eq!(ignored.len(), 3);
    assert!(
        ignored
            .iter()
            .all(|i| i.content.as_deref() == Some("yaml") && i.error.is_none())
    );
    assert_eq!(doc.summary.skipped, 0);
    // A directory of nothing but such files read nothing: that is an error.
    std::fs::remove_file(dir.path().join("traces/sample.json")).expect("rm");
    let out = run(&[&root, "--allow", ALLOW]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not one audit event in 3 inputs read: 3 files ignored"),
        "{}",
        stderr(&out)
    );
}

/// Every error of a run is in the JSON summary with a kind a program can test: an input's in
/// its entry (`error_kind`), the run's own in `run_errors`, each message also among `errors`.
fn assert_every_error_has_a_kind(doc: &Report) {
    let s = &doc.summary;
    for e in &s.errors {
        let of_input = s.inputs.iter().any(|i| {
            i.error_kind.is_some() && i.error.as_deref().is_some_and(|m| m.contains(e.as_str()))
        });
        let of_run = s.run_errors.iter().any(|r| &r.message == e);
        assert!(of_input ^ of_run, "{e:?} has no kind, or two: {s:#?}");
    }
    for r in &s.run_errors {
        assert!(s.errors.contains(&r.message), "{r:?}");
    }
}

/// The kinds of the run's own errors, in order.
fn run_error_kinds(doc: &Report) -> Vec<&str> {
    doc.summary
        .run_errors
        .iter()
        .map(|r| r.kind.as_str())
        .collect()
}

#[test]
fn errors_of_the_whole_run_have_kinds_in_the_json_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = |name: &str| dir.path().join(name).display().to_string();
    // A clean run has none.
    let (doc, out) = json(&[SAMPLE_LOG, "--allow", ALLOW]);
    assert_eq!(code(&out), 1);
    assert!(doc.summary.run_errors.is_empty() && doc.summary.errors.is_empty());

    // --strict: the skipped lines may be in any input, so the error is the run's.
    let (doc, out) = json(&[
        SAMPLE_LOG,
        "testdata/garbage-lines.jsonl",
        "--allow",
        ALLOW,
        "--strict",
    ]);
    assert_eq!(code(&out), 2);
    assert_eq!(run_error_kinds(&doc), ["strict-violation"]);
    let message = &doc.summary.run_errors[0].message;
    assert!(message.starts_with("--strict: "), "{message}");
    assert!(
        stderr(&out).contains(&format!("falco-pod-scan: error: {message}\n")),
        "the same words on stderr: {}",
        stderr(&out)
    );
    assert!(doc.summary.inputs.iter().all(|i| i.error_kind.is_none()));
    assert_every_error_has_a_kind(&doc);

    // A directory of files without one audit event among them: each is ignored, and the run
    // is in error.
    std::fs::create_dir(path("expectations")).expect("mkdir");
    std::fs::write(path("expectations/a.yaml"), "images:\n  - nginx\n").expect("write");
    std::fs::write(path("expectations/b.yaml"), "- nginx\n").expect("write");
    let (doc, out) = json(&[&path("expectations"), "--allow", ALLOW]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(run_error_kinds(&doc), ["no-audit-events"]);
    assert!(
        doc.summary
            .inputs
            .iter()
            .all(|i| i.ignored && i.error_kind.is_none())
    );
    assert_every_error_has_a_kind(&doc);

    // An empty directory and a missing file are errors of the paths named: their entries say
    // so, and the run has no error of its own.
    std::fs::create_dir(path("empty")).expect("mkdir");
    let (doc, out) = json(&[
        &path("empty"),
        &path("missing.log"),
        SAMPLE_LOG,
        "--allow",
        ALLOW,
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        doc.summary.run_errors.is_empty(),
        "{:?}",
        doc.summary.run_errors
    );
    let kinds: Vec<Option<&str>> = doc
        .summary
        .inputs
        .iter()
        .map(|i| i.error_kind.as_deref())
        .collect();
    assert!(
        kinds.contains(&Some("empty-directory")) && kinds.contains(&Some("not-found")),
        "{kinds:?}"
    );
    assert_every_error_has_a_kind(&doc);
}

#[test]
fn a_merge_keeps_the_kinds_of_the_reports_errors_and_gives_its_own_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = |name: &str| dir.path().join(name).display().to_string();
    let strict = run(&[
        "testdata/garbage-lines.jsonl",
        "--allow",
        ALLOW,
        "--strict",
        "--format",
        "json",
    ]);
    assert_eq!(code(&strict), 2);
    std::fs::write(path("strict.json"), stdout(&strict)).expect("write");
    std::fs::write(path("table.txt"), "not a report\n").expect("write");
    std::fs::create_dir(path("none")).expect("mkdir");
    let (doc, out) = json(&[
        "--merge",
        &path("strict.json"),
        &path("table.txt"),
        &path("none"),
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(
        run_error_kinds(&doc),
        ["strict-violation", "unreadable-report", "empty-directory"],
        "{:#?}",
        doc.summary
    );
    assert_every_error_has_a_kind(&doc);
}

/// A Kubernetes core Event (what `kubectl get events` or an event exporter writes) has kind
/// `Event` too; an input of nothing else holds no audit event, in whichever shape it comes.
#[test]
fn kubernetes_core_events_are_not_audit_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    };
    let v1 = r#"{"kind":"Event","apiVersion":"v1","metadata":{"name":"web.17","namespace":"default"},"involvedObject":{"kind":"Pod","namespace":"default","name":"web","apiVersion":"v1"},"reason":"Pulled","message":"Successfully pulled image \"nginx\"","source":{"component":"kubelet"},"type":"Normal"}"#;
    let events_v1 = r#"{"kind":"Event","apiVersion":"events.k8s.io/v1","metadata":{"name":"web.18"},"regarding":{"kind":"Pod","name":"web"},"reason":"Created","note":"Created container web","type":"Normal","action":"Create"}"#;
    let pretty_list = format!(
        "{{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n    {v1},\n    {v1}\n  ],\n  \"kind\": \"List\"\n}}\n"
    );
    let pretty_one = "{\n  \"apiVersion\": \"events.k8s.io/v1\",\n  \"kind\": \"Event\",\n  \"regarding\": {\"kind\": \"Pod\", \"name\": \"web\"},\n  \"reason\": \"Pulled\"\n}\n";
    let cases = [
        write("core-v1.jsonl", &format!("{v1}\n{v1}\n")),
        write("events-v1.jsonl", &format!("{events_v1}\n")),
        write("get-events.json", &pretty_list),
        write("one-event.json", pretty_one),
        write("bare.jsonl", "{\"kind\":\"Event\"}\n"),
    ];
    for path in &cases {
        let (doc, out) = json(&[path, "--allow", ALLOW]);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{path}: {err}");
        assert!(
            err.contains(&format!("error: {path}: not an audit log: it is JSON")),
            "{path}: {err}"
        );
        assert_eq!(doc.summary.events, 0, "{path}");
        assert_eq!(
            doc.summary.inputs[0].error_kind.as_deref(),
            Some("no-audit-events"),
            "{path}"
        );
    }
    for path in &cases[..4] {
        let (_, out) = json(&[path, "--allow", ALLOW]);
        assert!(
            stderr(&out).contains("Kubernetes Events"),
            "{path}: {}",
            stderr(&out)
        );
    }

    // Beside audit events, each core Event is a skipped line, never an event.
    let sample = std::fs::read_to_string(SAMPLE_LOG).expect("sample log");
    let audit: Vec<&str> = sample.lines().take(3).collect();
    let mixed = write(
        "mixed.jsonl",
        &format!(
            "{}\n{v1}\n{}\n{events_v1}\n{}\n{{\"kind\":\"Event\"}}\n",
            audit[0], audit[1], audit[2]
        ),
    );
    let (doc, out) = json(&[&mixed, "--allow", ALLOW]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(doc.summary.events, 3);
    assert_eq!(doc.summary.skipped, 3);
    let skipped: Vec<(u64, &str)> = doc
        .summary
        .skipped_at
        .iter()
        .map(|l| (l.line, l.why.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (2, "not an audit event"),
            (4, "not an audit event"),
            (6, "not an audit event")
        ]
    );
}
