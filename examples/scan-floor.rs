//! The least time any scan of a log can take with the JSON parsers this crate can use, measured
//! side by side with `wc -l` on the same warm file (docs/performance.md, The floor).
//!
//! ```text
//! cargo run --release --example scan-floor -- /tmp/falco-pod-scan-bench/audit-1024m-seed42-wf10.log
//! cargo run --release --example scan-floor -- --threads 2 --rounds 9 --tool target/release/falco-pod-scan FILE
//! ```
//!
//! Whatever else a scan does, it must find every line's end (one pass over every byte), and it
//! must read in full every line that can hold a pod request or a workload write: checked as JSON,
//! because a line that is not valid JSON is read another way and reported (docs/hostile-input.md).
//! This program times just those two steps, on all the run's threads, in newline-aligned blocks
//! of 4 MiB, as the scan does:
//!
//! * **newlines**: the newline pass ([`line_end`], which also looks for a second event start in
//!   each line) over the whole file;
//! * **skip**: each parser's cheapest complete check of the lines the scan's triage sends to the
//!   parser (chosen before the timing, untimed): deserializing them as `IgnoredAny`, which
//!   validates every byte and builds nothing, with serde_json and with sonic-rs.
//!
//! The floor is newlines + the faster skip. A scan that parses fewer lines would lose findings; a
//! scan that checks less of them would read a damaged line as if it were whole. Each step is
//! given as wall time and as CPU time divided by the threads (what the step would take were its
//! work spread perfectly over them: a lower bound that holds on a loaded machine too); `wc -l` is
//! one thread. The file is read into memory once (untimed); `wc -l FILE` runs once per round,
//! between the passes, and so does `--tool BIN` if given (`BIN FILE --allow ALLOW --format jsonl
//! --quiet --threads N`, as `scripts/bench.sh` runs it; `--allow` defaults to
//! `testdata/allow.yaml`), so that the scan is seen next to its floor.

use std::io::{self, Write};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use falco_pod_scan::internals::{Triage, line_end, triage};
use rayon::prelude::*;
use serde::de::IgnoredAny;

/// How to call this example.
const USAGE: &str = "usage: scan-floor [--threads N] [--rounds N] [--tool BIN [--allow FILE]] FILE
   (defaults: --threads 2 --rounds 7, no tool, --allow testdata/allow.yaml)";

/// The allowlist the tool is run with unless `--allow` says otherwise, as in `scripts/bench.sh`.
const ALLOW: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/allow.yaml");

/// The size of a block of lines, as the scan cuts a mapped file.
const BLOCK: usize = 4 << 20;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "scan-floor: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The options.
struct Args {
    /// Worker threads.
    threads: usize,
    /// Rounds of every measurement.
    rounds: usize,
    /// The log.
    file: String,
    /// A falco-pod-scan binary to time next to the floor.
    tool: Option<String>,
    /// The allowlist it is run with.
    allow: String,
}

/// Parses the arguments.
fn args() -> Result<Args, String> {
    let (mut threads, mut rounds, mut file, mut tool) = (2, 7, None, None);
    let mut allow = ALLOW.to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{name} needs a positive number"))
        };
        match arg.as_str() {
            "--threads" => threads = number("--threads")?,
            "--rounds" => rounds = number("--rounds")?,
            "--tool" => tool = Some(args.next().ok_or("--tool needs a path")?),
            "--allow" => allow = args.next().ok_or("--allow needs a path")?,
            _ if file.is_none() && !arg.starts_with('-') => file = Some(arg),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    let file = file.ok_or("no FILE given")?;
    Ok(Args {
        threads,
        rounds,
        file,
        tool,
        allow,
    })
}

/// Measures, prints the table.
fn run() -> Result<(), String> {
    let args = args()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .map_err(|e| e.to_string())?;
    let bytes = std::fs::read(&args.file).map_err(|e| format!("{}: {e}", args.file))?;
    let blocks = blocks(&bytes);
    let parsed: Vec<Vec<&[u8]>> = pool.install(|| {
        blocks
            .par_iter()
            .map(|b| {
                lines(b)
                    .filter(|l| matches!(triage(l), Triage::Parse | Triage::Workload))
                    .collect()
            })
            .collect()
    });
    let (count, size) = parsed
        .iter()
        .flatten()
        .fold((0, 0), |(n, s), l| (n + 1, s + l.len()));

    let threads = args.threads.to_string();
    // Wall and CPU seconds of every step, round by round.
    let mut times: [Vec<(f64, f64)>; 5] = Default::default();
    for _ in 0..args.rounds {
        times[0].push(command("wc", &["-l", &args.file])?);
        if let Some(tool) = &args.tool {
            let options = ["--allow", &args.allow, "--format", "jsonl", "--quiet"];
            let threads = ["--threads", &threads];
            let command_line: Vec<&str> = [args.file.as_str()]
                .into_iter()
                .chain(options)
                .chain(threads)
                .collect();
            times[4].push(command(tool, &command_line)?);
        }
        times[1].push(timed(|| {
            pool.install(|| blocks.par_iter().map(|b| lines(b).count()).sum::<usize>())
        })?);
        times[2].push(timed(|| {
            pool.install(|| skip(&parsed, |l| serde_json::from_slice::<IgnoredAny>(l).is_ok()))
        })?);
        times[3].push(timed(|| {
            pool.install(|| skip(&parsed, |l| sonic_rs::from_slice::<IgnoredAny>(l).is_ok()))
        })?);
    }
    let threads = f64::from(u32::try_from(args.threads).map_err(|e| e.to_string())?);
    // Wall time, and CPU time shared by the threads that did the work (`wc -l` has one).
    let [wc, newlines, serde, sonic, scan] = times.map(|t| {
        (
            median(t.iter().map(|t| t.0)),
            median(t.iter().map(|t| t.1)) / threads,
        )
    });
    let wc = (wc.0, wc.1 * threads);
    let faster = if serde.0 <= sonic.0 { serde } else { sonic };
    let floor = (newlines.0 + faster.0, newlines.1 + faster.1);
    let mut rows = vec![
        ("`wc -l` (one thread)", wc),
        ("newlines", newlines),
        ("skip, serde_json", serde),
        ("skip, sonic-rs", sonic),
        ("floor: newlines + the faster skip", floor),
    ];
    if args.tool.is_some() {
        rows.push(("the tool", scan));
    }
    let heading = format!(
        "{}: {} MiB, {count} lines to parse ({} MiB), {} threads, median of {} rounds",
        args.file,
        bytes.len() >> 20,
        size >> 20,
        args.threads,
        args.rounds
    );
    table(&mut io::stdout().lock(), &heading, &rows).map_err(|e| e.to_string())
}

/// The median of `values` (NaN if there are none).
fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Writes the heading and the rows: wall time, and CPU time shared by the threads (the wall time
/// the step would take were its work spread perfectly over them), each also as a ratio to `wc
/// -l`'s wall time (the first row's).
fn table(out: &mut dyn Write, heading: &str, rows: &[(&str, (f64, f64))]) -> io::Result<()> {
    writeln!(out, "{heading}")?;
    writeln!(
        out,
        "| step | wall | / `wc -l` | CPU / threads | / `wc -l` |\n|---|---|---|---|---|"
    )?;
    let base = rows.first().map_or(f64::NAN, |r| r.1.0);
    for (name, (wall, shared)) in rows {
        writeln!(
            out,
            "| {name} | {wall:.3} s | {:.2} | {shared:.3} s | {:.2} |",
            wall / base,
            shared / base
        )?;
    }
    Ok(())
}

/// The file cut into blocks of about [`BLOCK`] bytes that end after a newline.
fn blocks(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let cut = if rest.len() <= BLOCK {
            rest.len()
        } else {
            memchr::memchr(b'\n', &rest[BLOCK..]).map_or(rest.len(), |i| BLOCK + i + 1)
        };
        let (block, tail) = rest.split_at(cut);
        out.push(block);
        rest = tail;
    }
    out
}

/// The lines of a block, found by the scan's newline pass.
fn lines(block: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    std::iter::from_fn(move || {
        (start < block.len()).then(|| {
            let (end, _) = line_end(block, start);
            let line = &block[start..end];
            start = end + 1;
            line
        })
    })
}

/// Checks every chosen line with `check`, on all threads; the number of valid lines.
fn skip(parsed: &[Vec<&[u8]>], check: impl Fn(&[u8]) -> bool + Sync) -> usize {
    parsed
        .par_iter()
        .map(|ls| ls.iter().filter(|l| check(l)).count())
        .sum()
}

/// Wall and CPU seconds `f` took, the CPU time summed over this process's threads.
fn timed<T>(f: impl FnOnce() -> T) -> Result<(f64, f64), String> {
    let (cpu, start) = (cpu_seconds()?, Instant::now());
    std::hint::black_box(f());
    Ok((start.elapsed().as_secs_f64(), cpu_seconds()? - cpu))
}

/// CPU seconds this process's threads have run: the first field of each thread's
/// `/proc/self/task/*/schedstat` (nanoseconds on a CPU). Threads that have ended are not
/// counted; the pool's threads live as long as the program.
fn cpu_seconds() -> Result<f64, String> {
    let tasks =
        std::fs::read_dir("/proc/self/task").map_err(|e| format!("/proc/self/task: {e}"))?;
    let mut ns = 0u64;
    for task in tasks.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        ns += stat
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
    }
    Ok(Duration::from_nanos(ns).as_secs_f64())
}

/// Wall and CPU seconds `program args` took (user and system time of the child, from
/// `/proc/self/stat` of this process's waited-for children, so to 10 ms); an error if it could
/// not run or was killed (exit status 1, the tool's "findings", is a success).
fn command(program: &str, args: &[&str]) -> Result<(f64, f64), String> {
    let before = children_cpu_seconds()?;
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("{program}: {e}"))?;
    let t = start.elapsed().as_secs_f64();
    let cpu = children_cpu_seconds()? - before;
    matches!(status.code(), Some(0 | 1))
        .then_some((t, cpu))
        .ok_or_else(|| format!("{program} failed: {status}"))
}

/// User and system seconds of this process's children that have been waited for: fields 16 and
/// 17 of `/proc/self/stat` (`cutime`, `cstime`), in clock ticks of 1/100 s.
fn children_cpu_seconds() -> Result<f64, String> {
    let stat =
        std::fs::read_to_string("/proc/self/stat").map_err(|e| format!("/proc/self/stat: {e}"))?;
    // The command name, field 2, is in parentheses and may hold spaces: count after it.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // After the name, field 3 is at index 0: cutime (16) and cstime (17) at 13 and 14.
    Ok(Duration::from_millis((ticks(13) + ticks(14)) * 10).as_secs_f64())
}
