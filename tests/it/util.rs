//! Running the binary the way a user would, but reproducibly: cleared environment, project root
//! as working directory, output captured.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The allowlist every fixture is scanned with (its findings are in `testdata/expected/`).
pub const ALLOW: &str = "testdata/allow.yaml";

/// The README's sample log: one morning on a small cluster in which a CI token leaked.
pub const SAMPLE: &str = "testdata/sample-audit.log";

/// 28 pod creates, one per case of the finding rules (20 findings with [`ALLOW`]).
pub const MIXED: &str = "testdata/pod-requests-mixed.jsonl";

/// The project root, where `testdata/` is.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture's path relative to the project root.
pub fn fixture(name: &str) -> PathBuf {
    Path::new("testdata").join(name)
}

/// The binary with an empty environment, run from the project root.
pub fn cmd() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_falco-pod-scan"));
    cmd.env_clear().current_dir(root()).stdin(Stdio::null());
    cmd
}

/// Runs with `args` and returns the output.
pub fn run(args: &[&str]) -> Output {
    cmd().args(args).output().expect("the binary runs")
}

/// Runs with `input` written to standard input (from another thread, so a large input cannot
/// deadlock against a full stdout pipe).
pub fn run_stdin(args: &[&str], input: Vec<u8>) -> Output {
    let mut child = cmd()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("output");
    writer.join().expect("writer").expect("write to stdin");
    out
}

/// Waits for `child`, killing it (and failing) after `limit`.
pub fn wait_at_most(mut child: Child, limit: Duration) -> Output {
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// The exit code (panics on a signal).
pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

/// Stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

/// Stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

/// Runs with `--format json` and returns the parsed document.
pub fn json(args: &[&str]) -> (Value, Output) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = run(&all);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON document ({e}); stderr: {}",
            stderr(&out)
        )
    });
    (doc, out)
}

/// The `findings` array of a JSON document.
pub fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().expect("findings is an array")
}

/// The findings of one run as JSON lines, for byte comparison (the run must not be an error).
pub fn jsonl(args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--format", "jsonl", "--quiet"]);
    let out = run(&all);
    assert!(code(&out) < 2, "{}", stderr(&out));
    stdout(&out)
}
