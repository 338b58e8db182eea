//! Writes a realistic, reproducible Kubernetes audit log to standard output, for
//! measuring the scan (docs/performance.md).
//!
//! ```text
//! cargo run --release --example gen-audit-log -- --seed 42 --size-mb 1024 > /tmp/audit-1g.log
//! cargo run --release --example gen-audit-log -- --workload-factor 10 --truth /tmp/truth.jsonl > /tmp/audit.log
//! cargo run --release --example gen-audit-log -- --size-mb 4096 --workload-writes 2000 > /tmp/audit-4g.log
//! ```
//!
//! The same options always give the same bytes. What was written (lines, bytes, pod-create events,
//! the findings `falco-pod-scan --allow testdata/allow.yaml` must report, workload writes, and pod
//! creates by owner kind) goes to standard error. `--workload-factor F` multiplies the share of pod
//! and workload traffic (pod creates, bindings, rollouts, scaling, Jobs) at the same size;
//! `--workload-writes N` stops that traffic once N workload writes are written (the rest of the
//! log is everyday requests, so a larger size adds neither workload writes nor findings);
//! `--truth FILE` writes what attribution must conclude about each finding, one JSON object per
//! line (the format is documented in `benches/common/gen/owners.rs`). The generator itself is
//! `benches/common/gen.rs`, shared with the benches.

#[path = "../benches/common/gen.rs"]
mod generator;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use generator::GenOptions;

/// How to call this example.
const USAGE: &str =
    "usage: gen-audit-log [--seed N] [--size-mb N] [--workload-factor F] [--workload-writes N]
                     [--truth FILE]
   (defaults: --seed 42 --size-mb 100 --workload-factor 1, no limit on workload writes)";

/// The options.
struct Args {
    seed: u64,
    size_mb: u64,
    workload_factor: f64,
    workload_writes: Option<u64>,
    truth: Option<String>,
}

/// Parses the options (also `--seed=N`); `Err` holds the message to print.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        seed: 42,
        size_mb: 100,
        workload_factor: 1.0,
        workload_writes: None,
        truth: None,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        if matches!(flag.as_str(), "-h" | "--help") {
            return Err(USAGE.to_owned());
        }
        if !matches!(
            flag.as_str(),
            "--seed" | "--size-mb" | "--workload-factor" | "--workload-writes" | "--truth"
        ) {
            return Err(format!("unknown argument `{flag}`\n{USAGE}"));
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"))?;
        let bad = |e: &dyn std::fmt::Display| format!("`{flag} {value}`: {e}\n{USAGE}");
        match flag.as_str() {
            "--seed" => parsed.seed = value.parse().map_err(|e| bad(&e))?,
            "--size-mb" => parsed.size_mb = value.parse().map_err(|e| bad(&e))?,
            "--workload-factor" => {
                let factor: f64 = value.parse().map_err(|e| bad(&e))?;
                if !(factor.is_finite() && factor >= 0.0) {
                    return Err(bad(&"not a factor of 0 or more"));
                }
                parsed.workload_factor = factor;
            }
            "--workload-writes" => {
                parsed.workload_writes = Some(value.parse().map_err(|e| bad(&e))?);
            }
            _ => parsed.truth = Some(value),
        }
    }
    Ok(parsed)
}

/// Generates the log (and the truth sidecar, when asked for).
fn run(args: &Args) -> io::Result<generator::GenStats> {
    let opts = GenOptions {
        workload_factor: args.workload_factor,
        workload_writes: args.workload_writes,
        ..GenOptions::new(args.seed, args.size_mb << 20)
    };
    let mut truth = match &args.truth {
        Some(path) => Some(BufWriter::new(File::create(path).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot create {path}: {e}"))
        })?)),
        None => None,
    };
    let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    let sink = truth.as_mut().map(|t| t as &mut dyn Write);
    let stats = generator::generate(&opts, &mut out, sink)?;
    out.flush()?;
    if let Some(truth) = truth.as_mut() {
        truth.flush()?;
    }
    Ok(stats)
}

fn main() -> ExitCode {
    let mut stderr = io::stderr().lock();
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            // Nothing more can be done if standard error is gone.
            let _ = writeln!(stderr, "{message}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(stats) => {
            let _ = writeln!(stderr, "seed {}: {stats}", args.seed);
            ExitCode::SUCCESS
        }
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(stderr, "gen-audit-log: cannot write the log: {e}");
            ExitCode::from(2)
        }
    }
}
