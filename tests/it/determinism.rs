//! The output depends on the input bytes only: every output view is byte-for-byte the same for any
//! thread count and whether the input is memory-mapped or read.

use crate::expected::FIXTURES;
use crate::util::{ALLOW, code, fixture, run, stderr};

/// One run's standard output, which must not be an error.
fn output(args: &[&str]) -> Vec<u8> {
    let out = run(args);
    assert!(code(&out) < 2, "{args:?}: {}", stderr(&out));
    out.stdout
}

#[test]
fn every_view_is_byte_identical_for_any_thread_count_and_read_path() {
    let paths: Vec<String> = FIXTURES
        .iter()
        .map(|f| fixture(f).display().to_string())
        .collect();
    let mut inputs: Vec<&str> = paths.iter().map(String::as_str).collect();
    inputs.extend(["--allow", ALLOW, "--quiet"]);
    for view in [
        &["--format", "jsonl"][..],
        &["--format", "csv"],
        &["--format", "table"],
        &["--summary"],
        &["--summary", "--format", "csv"],
        &["--suggest-allowlist"],
    ] {
        let base = output(&[&inputs[..], view, &["--threads", "1"]].concat());
        assert!(base.len() > 1000, "{view:?}: a real output");
        for extra in [
            &["--threads", "2"][..],
            &["--threads", "4"],
            &["--threads", "7"],
            &["--no-mmap"],
            &["--no-mmap", "--threads", "1"],
        ] {
            let got = output(&[&inputs[..], view, extra].concat());
            assert!(
                got == base,
                "{view:?} with {extra:?} differs from one thread"
            );
        }
    }
}
