//! Inputs: one log gives the same findings however it arrives — plain, gzip (several members),
//! zstd, on standard input, with `--no-mmap`, or split across a directory of rotated files — and
//! several paths are reported in argument order. Damage keeps the findings before it; the `legacy`
//! text format is refused. Compressed inputs other than the committed two-member sample are made
//! here at run time.

use std::io::Write;
use std::path::Path;
use std::process::Output;

use crate::report::{Finding, Input, Report};
use crate::util::{
    ALLOW, MIXED, SAMPLE, code, fixture, json, jsonl, parse, parse_lines, root, run, run_stdin,
    stderr, stdout,
};

/// The log every way of arriving is checked with.
const LOG: &str = MIXED;

/// The fixture's bytes.
fn log() -> Vec<u8> {
    std::fs::read(root().join(LOG)).expect("fixture")
}

/// `parts` gzip-compressed, one member each, concatenated (as `audit-*.log.gz` are).
fn gzip(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(part).expect("in memory");
        out.extend(enc.finish().expect("in memory"));
    }
    out
}

/// `bytes` zstd-compressed.
fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).expect("in memory")
}

/// `bytes` cut into two pieces at a line boundary near the middle.
fn halves(bytes: &[u8]) -> (&[u8], &[u8]) {
    let mid = bytes[bytes.len() / 2..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| bytes.len() / 2 + i + 1);
    bytes.split_at(mid)
}

/// Writes `bytes` to `name` in `dir` and returns the path as a string.
fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
    std::fs::write(&path, bytes).expect("write");
    path.to_str().expect("utf-8 path").to_owned()
}

/// Runs with `input` piped to standard input and `--format json`.
fn json_stdin(args: &[&str], input: Vec<u8>) -> (Report, Output) {
    let out = run_stdin(&[args, &["--format", "json"]].concat(), input);
    (parse(&out), out)
}

/// The findings with `file` blanked, to compare runs of one log that arrives by different paths.
/// (The initiator's `file` too.)
fn without_file(doc: &Report) -> Vec<Finding> {
    doc.findings
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f.file = String::new();
            if let Some(initiator) = f.attribution.as_mut().and_then(|a| a.initiator.as_mut()) {
                initiator.file = String::new();
            }
            f
        })
        .collect()
}

/// The findings with `file` and `line` blanked, to compare a log with the same log in pieces.
/// (The initiator's too.)
fn without_file_and_line(doc: &Report) -> Vec<Finding> {
    without_file(doc)
        .into_iter()
        .map(|mut f| {
            f.line = 0;
            if let Some(initiator) = f.attribution.as_mut().and_then(|a| a.initiator.as_mut()) {
                initiator.line = 0;
            }
            f
        })
        .collect()
}

/// The one entry of the summary's `inputs`.
fn only_input(doc: &Report) -> &Input {
    let inputs = &doc.summary.inputs;
    assert_eq!(inputs.len(), 1, "{inputs:?}");
    &inputs[0]
}

/// A way of giving the log: its name, its run, and its compression and compressed size.
type Case<'a> = (&'a str, (Report, Output), Option<(&'a str, usize)>);

#[test]
fn one_log_gives_the_same_findings_however_it_arrives() {
    let bytes = log();
    let (want, out) = json(&[LOG, "--allow", ALLOW]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let want_findings = without_file(&want);
    assert_eq!(want_findings.len(), 20);
    assert_eq!(only_input(&want).format.as_deref(), Some("json-lines"));
    assert_eq!(only_input(&want).compression, None);

    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = halves(&bytes);
    let gz = gzip(&[a, b]);
    let zst = zstd(&bytes);
    // Names that lie: detection is by content only.
    let gz_path = write(dir.path(), "audit.log", &gz);
    let zst_path = write(dir.path(), "audit.json.gz", &zst);
    let cases: Vec<Case> = vec![
        (
            "gzip file",
            json(&[&gz_path, "--allow", ALLOW]),
            Some(("gzip", gz.len())),
        ),
        (
            "gzip file, --no-mmap",
            json(&[&gz_path, "--allow", ALLOW, "--no-mmap"]),
            Some(("gzip", gz.len())),
        ),
        (
            "zstd file",
            json(&[&zst_path, "--allow", ALLOW]),
            Some(("zstd", zst.len())),
        ),
        (
            "--no-mmap",
            json(&[LOG, "--allow", ALLOW, "--no-mmap"]),
            None,
        ),
        (
            "stdin",
            json_stdin(&["-", "--allow", ALLOW], bytes.clone()),
            None,
        ),
        (
            "gzip on stdin",
            json_stdin(&["-", "--allow", ALLOW, "--threads", "1"], gz.clone()),
            Some(("gzip", gz.len())),
        ),
        (
            "zstd on stdin",
            json_stdin(&["-", "--allow", ALLOW], zst.clone()),
            Some(("zstd", zst.len())),
        ),
    ];
    for (what, (doc, out), compressed) in cases {
        assert_eq!(code(&out), 1, "{what}: {}", stderr(&out));
        assert_eq!(without_file(&doc), want_findings, "{what}");
        let input = only_input(&doc);
        assert_eq!(
            input.bytes,
            bytes.len() as u64,
            "{what}: decompressed bytes"
        );
        assert_eq!(input.lines, 28, "{what}");
        assert_eq!(input.format.as_deref(), Some("json-lines"), "{what}");
        assert_eq!(input.error, None, "{what}");
        let kind = compressed.map(|(k, _)| k.to_owned());
        let len = compressed.map(|(_, n)| n as u64);
        assert_eq!(input.compression, kind, "{what}");
        assert_eq!(input.compressed_bytes, len, "{what}");
        assert_eq!(doc.summary.compressed_bytes, len.unwrap_or(0), "{what}");
        let file = &input.file;
        assert!(
            doc.findings.iter().all(|f| &f.file == file),
            "{what}: findings name {file}"
        );
    }
}

#[test]
fn rotated_files_in_a_directory_are_read_oldest_first_and_reassemble_the_log() {
    let bytes = log();
    let text = std::str::from_utf8(&bytes).expect("UTF-8");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let (first, rest) = lines.split_at(10);
    let (second, third) = rest.split_at(9);
    let dir = tempfile::tempdir().expect("tempdir");
    // The API server's rotation names (`--audit-log-maxbackup`, `--audit-log-compress`): the
    // timestamp sorts them by age, and the live file (`audit.log`) sorts after them.
    let parts = [
        ("audit-2026-03-02T09-59-59.123.log.gz", first, true),
        ("audit-2026-03-02T11-00-00.000.log", second, false),
        ("audit.log", third, false),
    ];
    let mut offsets = std::collections::HashMap::new();
    let mut at = 0;
    for (name, part, compress) in parts {
        let part = part.concat();
        let content = if compress {
            let (a, b) = halves(part.as_bytes());
            gzip(&[a, b])
        } else {
            part.clone().into_bytes()
        };
        let path = write(dir.path(), &format!("kube/{name}"), &content);
        offsets.insert(path, at);
        at += part.lines().count() as u64;
    }
    // Written newest first, to show that order comes from the names, not the directory.
    let dir_arg = dir.path().join("kube");
    let (doc, out) = json(&[dir_arg.to_str().expect("utf-8"), "--allow", ALLOW]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let (want, _) = json(&[LOG, "--allow", ALLOW]);
    assert_eq!(without_file_and_line(&doc), without_file_and_line(&want));
    // Each finding's file:line is its line in the original log.
    let located: Vec<u64> = doc
        .findings
        .iter()
        .map(|f| offsets[&f.file] + f.line)
        .collect();
    let original: Vec<u64> = want.findings.iter().map(|f| f.line).collect();
    assert_eq!(located, original);
    let inputs: Vec<(&str, &str)> = doc
        .summary
        .inputs
        .iter()
        .map(|i| {
            let name = i.file.rsplit('/').next().expect("name");
            (name, i.compression.as_deref().unwrap_or("none"))
        })
        .collect();
    assert_eq!(
        inputs,
        [
            ("audit-2026-03-02T09-59-59.123.log.gz", "gzip"),
            ("audit-2026-03-02T11-00-00.000.log", "none"),
            ("audit.log", "none")
        ]
    );
}

#[test]
fn a_truncated_gzip_is_an_error_after_the_findings_before_the_damage() {
    // Enough distinct lines that half of the archive holds many complete ones.
    let bytes = log();
    let text = std::str::from_utf8(&bytes).expect("UTF-8");
    let big: String = (0..40)
        .map(|i| text.replace("\"auditID\":\"", &format!("\"auditID\":\"{i}-")))
        .collect();
    let mut gz = gzip(&[big.as_bytes()]);
    gz.truncate(gz.len() / 2);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "audit-2026-03-02T10-00-00.000.log.gz", &gz);
    let (doc, out) = json(&[&path, LOG, "--allow", ALLOW]);
    assert_eq!(code(&out), 2, "an error wins over findings");
    let input = &doc.summary.inputs[0];
    let reached = input.lines;
    assert!(reached > 28 && reached < 40 * 28, "{reached} lines reached");
    let err = stderr(&out);
    for part in [
        format!("error: {path}: the gzip data ends early (truncated) at compressed byte "),
        format!(" of {}, after ", gz.len()),
        format!("the findings in the {reached} complete lines before it are reported"),
        "`gzip -t` checks the archive".to_owned(),
    ] {
        assert!(err.contains(&part), "{part:?} not in:\n{err}");
    }
    assert_eq!(
        input.error.as_deref().map(|e| e.contains("ends early")),
        Some(true)
    );
    // The findings are exactly those of the complete lines before the damage…
    let prefix: String = big
        .split_inclusive('\n')
        .take(usize::try_from(reached).expect("small"))
        .collect();
    let prefix_path = write(dir.path(), "prefix.log", prefix.as_bytes());
    let (want, _) = json(&[&prefix_path, "--allow", ALLOW]);
    let got: Vec<Finding> = without_file(&doc)
        .into_iter()
        .zip(&doc.findings)
        .filter(|(_, f)| f.file == path)
        .map(|(g, _)| g)
        .collect();
    assert!(!got.is_empty());
    assert_eq!(got, without_file(&want));
    // …and the next input was still scanned.
    assert_eq!(doc.findings.iter().filter(|f| f.file == LOG).count(), 20);
}

/// `bytes` xz-compressed, as `xz -c` writes it.
fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 6);
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory")
}

/// `bytes` bzip2-compressed, as `bzip2 -c` writes it.
fn bzip2(bytes: &[u8]) -> Vec<u8> {
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory")
}

#[test]
fn xz_and_bzip2_archives_give_the_findings_of_the_plain_log() {
    let bytes = log();
    let (want, _) = json(&[LOG, "--allow", ALLOW]);
    let want = without_file(&want);
    assert_eq!(want.len(), 20);
    let dir = tempfile::tempdir().expect("tempdir");
    for (kind, packed) in [("xz", xz(&bytes)), ("bzip2", bzip2(&bytes))] {
        // Named like a plain log: recognised by content.
        let path = write(dir.path(), &format!("{kind}/audit.log"), &packed);
        for extra in [&[][..], &["--no-mmap"]] {
            let (doc, out) = json(&[&[path.as_str(), "--allow", ALLOW], extra].concat());
            assert_eq!(code(&out), 1, "{kind}: {}", stderr(&out));
            assert_eq!(without_file(&doc), want, "{kind}");
            let input = only_input(&doc);
            assert_eq!(input.compression.as_deref(), Some(kind));
            assert_eq!(input.compressed_bytes, Some(packed.len() as u64), "{kind}");
            assert_eq!(input.bytes, bytes.len() as u64, "{kind}");
        }
        // On standard input too.
        let (doc, out) = json_stdin(&["-", "--allow", ALLOW], packed.clone());
        assert_eq!(code(&out), 1, "{kind}: {}", stderr(&out));
        assert_eq!(without_file(&doc), want, "{kind} on standard input");
        // Cut short: the findings before the damage, then the archive's error.
        let cut = &packed[..packed.len() * 3 / 4];
        let cut_path = write(dir.path(), &format!("{kind}/cut.log"), cut);
        let (doc, out) = json(&[&cut_path, "--allow", ALLOW]);
        assert_eq!(code(&out), 2, "{kind}: {}", stderr(&out));
        let err = stderr(&out);
        for part in [
            format!(
                "error: {cut_path}: the {kind} data ends early (truncated) at compressed byte "
            ),
            format!(" of {}, after ", cut.len()),
            format!("`{kind} -t` checks the archive"),
        ] {
            assert!(err.contains(&part), "{part:?} not in:\n{err}");
        }
        let got = without_file(&doc);
        assert!(
            want.starts_with(&got),
            "{kind}: only findings before the cut"
        );
    }
}

/// Lines in the API server's `legacy` audit format.
const LEGACY: &str = r#"2026-03-01T10:00:00.123456789Z AUDIT: id="0f9d2c61-5b1e-4a8e-9d53-1b1f0c7e4d2a" stage="RequestReceived" ip="10.0.0.5" method="create" user="alice@example.com" groups="\"system:authenticated\"" as="<self>" asgroups="<lookup>" user-agent="kubectl/v1.29.2" namespace="default" uri="/api/v1/namespaces/default/pods"
2026-03-01T10:00:00.223456789Z AUDIT: id="0f9d2c61-5b1e-4a8e-9d53-1b1f0c7e4d2a" stage="ResponseComplete" ip="10.0.0.5" method="create" user="alice@example.com" groups="\"system:authenticated\"" as="<self>" asgroups="<lookup>" user-agent="kubectl/v1.29.2" namespace="default" uri="/api/v1/namespaces/default/pods" response="201"
"#;

#[test]
fn the_legacy_format_is_refused_with_what_to_do_and_other_inputs_are_scanned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = write(dir.path(), "audit-legacy.log", LEGACY.as_bytes());
    let gz = write(
        dir.path(),
        "audit-legacy.log.gz",
        &gzip(&[format!("\n{LEGACY}").as_bytes()]),
    );
    for path in [&plain, &gz] {
        let out = run(&[path, LOG, "--allow", ALLOW, "--format", "jsonl"]);
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "error: {path}: this is the API server's `legacy` audit log format"
            )),
            "{err}"
        );
        assert!(err.contains("--audit-log-format=json"), "{err}");
        assert_eq!(
            stdout(&out).lines().count(),
            20,
            "the other input's findings"
        );
    }
    let (doc, _) = json(&[&plain, "--allow", ALLOW, "--no-mmap"]);
    assert_eq!(only_input(&doc).format.as_deref(), Some("legacy"));
    assert_eq!(doc.findings.len(), 0);
}

#[test]
fn the_text_summary_says_what_was_decompressed_in_its_one_read_line() {
    let bytes = log();
    let dir = tempfile::tempdir().expect("tempdir");
    let gz = write(dir.path(), "a.gz", &gzip(&[&bytes]));
    let out = run(&[&gz, LOG, "--allow", ALLOW]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    let read: Vec<&str> = err
        .lines()
        .filter(|l| l.trim_start().starts_with("read "))
        .collect();
    assert_eq!(read.len(), 1, "{err}");
    assert!(read[0].contains("read 2 inputs (1 gzip, "), "{err}");
    assert!(read[0].contains("56 lines"), "{err}");
    let plain = stderr(&run(&[LOG, "--allow", ALLOW]));
    assert!(plain.contains("read 1 input, "), "{plain}");
}

#[test]
fn an_empty_file_and_empty_stdin_are_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = write(dir.path(), "empty.log", b"");
    let empty_gz = write(dir.path(), "empty.log.gz", &gzip(&[b""]));
    for args in [
        vec![empty.as_str(), "--allow", ALLOW],
        vec![empty.as_str(), "--allow", ALLOW, "--no-mmap"],
        vec![empty_gz.as_str(), "--allow", ALLOW],
    ] {
        let (doc, out) = json(&args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        assert_eq!(
            only_input(&doc).format.as_deref(),
            Some("empty"),
            "{args:?}"
        );
    }
    // A 0-byte input is fine, standard input included: a failed pipeline is the shell's to
    // report (`set -o pipefail`).
    let (doc, out) = json_stdin(&["-", "--allow", ALLOW], Vec::new());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(only_input(&doc).file, "-");
    assert_eq!(only_input(&doc).error, None);
}

#[test]
fn the_committed_rotated_sample_is_the_sample_log_in_two_gzip_members() {
    let gz =
        std::fs::read(root().join("testdata/sample-audit-multimember.log.gz")).expect("fixture");
    let members = gz.windows(3).filter(|w| w == b"\x1f\x8b\x08").count();
    assert!(members >= 2, "several members");
    let (want, _) = json(&[SAMPLE, "--allow", ALLOW]);
    let (got, out) = json(&["testdata/sample-audit-multimember.log.gz", "--allow", ALLOW]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(without_file(&got), without_file(&want));
    assert_eq!(got.findings.len(), 5);
    assert_eq!(only_input(&got).compression.as_deref(), Some("gzip"));
}

#[test]
fn standard_input_gives_the_same_findings_named_dash() {
    for name in [
        "pod-requests-mixed.jsonl",
        "pretty-printed-event.json",
        "crlf-bom.jsonl",
    ] {
        let bytes = std::fs::read(root().join(fixture(name))).expect("fixture");
        let args = ["-", "--allow", ALLOW, "--format", "jsonl", "--quiet"];
        let out = crate::util::run_stdin(&args, bytes);
        let from_file = jsonl(&[fixture(name).to_str().expect("path"), "--allow", ALLOW]);
        let renamed = from_file.replace(&format!("\"file\":\"testdata/{name}\""), "\"file\":\"-\"");
        assert_eq!(stdout(&out), renamed, "{name}");
    }
}

#[test]
fn several_paths_keep_argument_order() {
    let out = jsonl(&[
        "testdata/pretty-printed-event.json",
        "testdata/crlf-bom.jsonl",
        "testdata/pretty-printed-event.json",
        "--allow",
        ALLOW,
    ]);
    // The input given twice holds the same requests: found once, where first read.
    let files: Vec<String> = parse_lines(&out).into_iter().map(|f| f.file).collect();
    assert_eq!(
        files,
        [
            "pretty-printed-event.json",
            "crlf-bom.jsonl",
            "crlf-bom.jsonl",
        ]
        .map(|f| format!("testdata/{f}"))
    );
}

/// What Python's `pty` does for the test below: runs the binary with a terminal as its standard
/// input, types `LINE` (if any) and one Ctrl-D, and prints `exit N`, or `hung` if the binary is
/// still waiting after 20 seconds.
const ONE_CTRL_D: &str = r#"
import os, pty, select, sys, time
binary, allow, line = sys.argv[1], sys.argv[2], sys.argv[3]
pid, fd = pty.fork()
if pid == 0:
    os.execv(binary, [binary, "-", "--allow", allow, "--format", "jsonl", "--quiet"])
if line:
    os.write(fd, line.encode() + b"\n")
time.sleep(0.5)
os.write(fd, b"\x04")
deadline = time.time() + 20
while time.time() < deadline:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        print("exit", os.waitstatus_to_exitcode(status))
        sys.exit(0)
    try:
        if select.select([fd], [], [], 0.05)[0]:
            os.read(fd, 65536)
    except OSError:
        pass
os.kill(pid, 9)
print("hung")
"#;

#[test]
fn one_ctrl_d_ends_input_typed_at_a_terminal() {
    let Ok(probe) = std::process::Command::new("python3")
        .args(["-c", "import pty"])
        .output()
    else {
        panic!("this test needs python3 (with its pty module) to give the binary a terminal");
    };
    assert!(probe.status.success(), "python3 cannot import pty");
    let line = crate::util::Event::create("typed")
        .image("evil.example/miner:1")
        .line();
    assert!(line.len() < 4000, "a terminal line holds 4095 bytes");
    for (typed, want) in [("", "exit 0"), (line.as_str(), "exit 1")] {
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                ONE_CTRL_D,
                env!("CARGO_BIN_EXE_falco-pod-scan"),
                &root().join(ALLOW).display().to_string(),
                typed,
            ])
            .output()
            .expect("python3 runs");
        let said = String::from_utf8_lossy(&out.stdout);
        assert_eq!(said.trim(), want, "typed {typed:?}; {}", stderr(&out));
    }
}
