//! Any bytes as a block of JSON lines: the literal prefilter never drops a line that the full
//! parse would turn into a pod request, a workload request (`--workloads`) or a workload record.
//! Scanning with it gives the same requests, findings and workload records as parsing every
//! non-blank line in full, in both modes and with or without `--workloads`; and the line end it
//! finds in one pass agrees with its separate search for a second event on the line.
//!
//! The skipped-line count is not compared: a line that starts like an audit event and ends with
//! `}` but cannot hold a pod request is counted as an event without being parsed, so damage
//! inside it (`{"kind":"Event",}`) is only seen by the full parse.
#![no_main]

use std::sync::LazyLock;

use falco_pod_scan::internals::{self as scan, BlockResult};
use falco_pod_scan::{Allowlist, Mode, Policy, Scope};
use libfuzzer_sys::fuzz_target;

/// An allowlist that allows some images, so that both verdicts occur.
const ALLOW: &str = "[nginx, registry.k8s.io/]";

/// The policies to scan with: the default rules, the default rules judging workload requests
/// too (`--workloads`), and Falco's.
static POLICIES: LazyLock<[Policy; 3]> = LazyLock::new(|| {
    [
        policy(Mode::Default, false),
        policy(Mode::Default, true),
        policy(Mode::Falco, false),
    ]
});

/// A policy with [`ALLOW`] in `mode`, judging workload requests when `workloads`.
fn policy(mode: Mode, workloads: bool) -> Policy {
    Policy {
        allowlist: Allowlist::parse(ALLOW, "fuzz.yaml", "docker.io").expect("a valid allowlist"),
        default_registry: "docker.io".to_owned(),
        mode,
        workloads,
        scope: Scope::default(),
    }
}

/// The oracle: the pod requests and workload records of every non-blank line parsed in full,
/// none passed over by the prefilter.
fn unfiltered(bytes: &[u8], policy: &Policy) -> BlockResult {
    let mut out = BlockResult::default();
    for (line_no, line) in (0u64..).zip(bytes.split(|&b| b == b'\n')) {
        if !line.trim_ascii().is_empty() {
            let one = scan::scan_document(line, line_no, policy);
            out.candidates.extend(one.candidates);
            out.workloads.extend(one.workloads);
        }
    }
    out
}

fuzz_target!(|bytes: &[u8]| {
    let mut start = 0;
    while start < bytes.len() {
        let (end, joined) = scan::line_end(bytes, start);
        let line = &bytes[start..end];
        assert_eq!(
            scan::triage(line),
            scan::triage_joined(line, joined),
            "the one-pass search for a second event disagrees with the separate one"
        );
        start = end + 1;
    }
    for policy in POLICIES.iter() {
        let filtered = scan::scan_lines(bytes, policy);
        let full = unfiltered(bytes, policy);
        assert_eq!(filtered.candidates, full.candidates, "a request was dropped");
        assert_eq!(filtered.workloads, full.workloads, "a workload write was dropped");
        assert_eq!(
            scan::select(filtered.candidates),
            scan::select(full.candidates),
            "a finding was dropped"
        );
    }
});
