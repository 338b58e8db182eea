//! Object-store read throughput (docs/object-storage.md): the whole binary scanning an audit log
//! through moto's S3 server on this machine, next to the same bytes from the local disk.
//!
//! The log is made by the project's generator (`benches/common/gen.rs`, 128 MiB, seed 1), and
//! written to a temporary directory and to the bucket, plain and gzip-compressed. Each way of
//! reading is run [`RUNS`] times, and the median wall time counts (process start included: a
//! few milliseconds). Printed as a Markdown table with the machine, the commit and the date,
//! ready for the docs.
//!
//! moto is a Python server: what it serves per second is far below what S3 serves to a machine
//! in the same region, so the ratio is a floor for the client's overhead, not a forecast for a
//! cloud. Not a criterion bench: a handful of runs of a few seconds each say what is needed.
//!
//!     cargo bench --bench object_store
//!
//! needs `pip install 'moto[server]'` (as the tests do).

// The table on stdout is what this benchmark is for.
#![expect(clippy::print_stdout, reason = "the report is the output")]

#[path = "common/gen.rs"]
mod generator;
// Only the server that accepts any credentials is used here.
#[allow(dead_code, reason = "the tests use the rest")]
#[path = "../tests/it/object_store/moto.rs"]
mod moto;

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use object_store::{ObjectStoreExt, PutPayload};

use generator::GenOptions;
use moto::{BUCKET, Moto};

/// Size of the generated log.
const LOG_BYTES: u64 = 128 << 20;
/// Seed of the generated log.
const SEED: u64 = 1;
/// Runs of each way of reading; the median counts.
const RUNS: usize = 5;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut log = Vec::new();
    let stats = generator::generate(&GenOptions::new(SEED, LOG_BYTES), &mut log, None)
        .expect("writing to a Vec cannot fail");
    let gz = gzip(&log);
    let moto = moto::open();
    let files = [("audit.log", log), ("audit.log.gz", gz)];
    for (name, bytes) in &files {
        std::fs::write(dir.path().join(name), bytes).expect("write");
        upload(moto, name, bytes.clone());
    }
    println!("{}", machine());
    println!("log: {stats}; gzip: {} bytes\n", files[1].1.len());
    println!(
        "| input | read from | median of {RUNS} | MiB/s (of the stored bytes) | throughput ÷ local disk |"
    );
    println!("|---|---|---|---|---|");
    for (name, bytes) in &files {
        let path = dir.path().join(name).display().to_string();
        let uri = format!("s3://{BUCKET}/{name}");
        // A few hundred MiB at most: exact in an f64.
        let stored =
            f64::from(u32::try_from(bytes.len()).expect("under 4 GiB")) / f64::from(1 << 20);
        let disk = median(&[], &[&path]);
        let streamed = median(&[], &["--no-mmap", &path]);
        let store = median(&moto.env(), &[&uri]);
        let rows = [
            ("local disk", disk),
            ("local disk, --no-mmap", streamed),
            ("moto S3 server", store),
        ];
        for (from, took) in rows {
            let ratio = took.as_secs_f64() / disk.as_secs_f64();
            println!(
                "| {name} | {from} | {:.2} s | {:.0} | {:.2} |",
                took.as_secs_f64(),
                stored / took.as_secs_f64(),
                1.0 / ratio
            );
        }
    }
}

/// `bytes` gzip-compressed at the default level.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory")
}

/// Puts `bytes` into the bucket as `name`.
fn upload(moto: &Moto, name: &str, bytes: Vec<u8>) {
    let store = AmazonS3Builder::new()
        .with_endpoint(&moto.endpoint)
        .with_allow_http(true)
        .with_region(&moto.region)
        .with_bucket_name(BUCKET)
        .with_access_key_id(&moto.key)
        .with_secret_access_key(&moto.secret)
        .build()
        .expect("an S3 client");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(store.put(&Key::from(name), PutPayload::from(bytes)))
        .expect("upload to the test server");
}

/// The median wall time of [`RUNS`] scans with `args`, in the environment `env`.
fn median(env: &[(&str, String)], args: &[&str]) -> Duration {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let out = Command::new(env!("CARGO_BIN_EXE_falco-pod-scan"))
                .env_clear()
                .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
                .current_dir(root)
                .args([
                    "--allow",
                    "testdata/allow.yaml",
                    "--format",
                    "json",
                    "--quiet",
                ])
                .args(args)
                .output()
                .expect("the binary runs");
            let took = started.elapsed();
            assert!(
                out.status.code() == Some(1),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            took
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

/// The machine, the commit and the date, for the table's caption.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let run = |cmd: &str, args: &[&str]| {
        Command::new(cmd)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    format!(
        "machine: {cpu}, {cores} cores; commit {}; {}",
        run("git", &["rev-parse", "--short", "HEAD"]),
        run("date", &["-u", "+%Y-%m-%d"])
    )
}
