//! Writes a realistic, reproducible Kubernetes audit log to standard output, for
//! measuring the scan (docs/performance.md).
//!
//! ```text
//! cargo run --release --example gen-audit-log -- --seed 42 --size-mb 1024 > /tmp/audit-1g.log
//! ```
//!
//! The same seed and size always give the same bytes. What was written (lines, pod creates,
//! bytes, and the findings `falco-pod-scan --allow testdata/allow.yaml` must report) goes to
//! standard error. The generator itself is `benches/common/gen.rs`, shared with the benches.

#[path = "../benches/common/gen.rs"]
mod generator;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

/// How to call this example.
const USAGE: &str =
    "usage: gen-audit-log [--seed N] [--size-mb N]   (defaults: --seed 42 --size-mb 100)";

/// The two options.
struct Args {
    seed: u64,
    size_mb: u64,
}

/// Parses `--seed N` and `--size-mb N` (also `--seed=N`); `Err` holds the message to print.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        seed: 42,
        size_mb: 100,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        let slot = match flag.as_str() {
            "--seed" => &mut parsed.seed,
            "--size-mb" => &mut parsed.size_mb,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        };
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"))?;
        *slot = value
            .parse()
            .map_err(|e| format!("`{flag} {value}`: {e}\n{USAGE}"))?;
    }
    Ok(parsed)
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
    let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    let result = generator::generate(args.seed, args.size_mb << 20, &mut out).and_then(|stats| {
        out.flush()?;
        Ok(stats)
    });
    match result {
        Ok(stats) => {
            let _ = writeln!(
                stderr,
                "seed {}: {} lines, {} bytes, {} pod-create events, {} expected findings (testdata/allow.yaml)",
                args.seed, stats.lines, stats.bytes, stats.pod_creates, stats.findings
            );
            ExitCode::SUCCESS
        }
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(stderr, "gen-audit-log: cannot write the log: {e}");
            ExitCode::from(2)
        }
    }
}
