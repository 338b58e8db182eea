//! Several inputs read at once equal one input at a time on one thread: for any mix of plain,
//! compressed (gzip, zstd, xz, bzip2) and damaged files, any number of worker threads and of inputs in flight, the run's
//! findings (attributed across inputs), counters, errors, workload records and progress total
//! are the same.

use std::io::Write as _;
use std::path::PathBuf;

use proptest::prelude::*;

use super::*;

/// How one input of a generated run is stored.
#[derive(Debug, Clone, Copy)]
pub(super) enum Stored {
    /// As is (mapped, or streamed with `--no-mmap`).
    Plain,
    /// gzip, in two members.
    Gzip,
    /// zstd.
    Zstd,
    /// gzip cut short: an error after the lines before the cut.
    TruncatedGzip,
    /// xz.
    Xz,
    /// bzip2.
    Bzip2,
}

impl Stored {
    /// Every way, for the strategy.
    const ALL: [Stored; 6] = [
        Stored::Plain,
        Stored::Gzip,
        Stored::Zstd,
        Stored::TruncatedGzip,
        Stored::Xz,
        Stored::Bzip2,
    ];

    /// `text` stored this way.
    pub(super) fn encode(self, text: &[u8]) -> Vec<u8> {
        let gzip = |parts: &[&[u8]]| {
            let mut out = Vec::new();
            for part in parts {
                let mut enc =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                enc.write_all(part).expect("in memory");
                out.extend(enc.finish().expect("in memory"));
            }
            out
        };
        match self {
            Stored::Plain => text.to_vec(),
            Stored::Gzip => {
                let (a, b) = text.split_at(text.len() / 2);
                gzip(&[a, b])
            }
            Stored::Zstd => zstd::encode_all(text, 3).expect("in memory"),
            Stored::TruncatedGzip => {
                let mut gz = gzip(&[text]);
                gz.truncate(gz.len() * 2 / 3);
                gz
            }
            Stored::Xz => {
                let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 1);
                enc.write_all(text).expect("in memory");
                enc.finish().expect("in memory")
            }
            Stored::Bzip2 => {
                let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
                enc.write_all(text).expect("in memory");
                enc.finish().expect("in memory")
            }
        }
    }
}

/// What a run gave, in a comparable form, and the progress counter's final value and total.
type Outcome = (
    Vec<Finding>,
    Stats,
    Vec<String>,
    Vec<WorkloadRecord>,
    Repositories,
    u64,
    Option<Option<u64>>,
);

/// Scans `paths` on `threads` worker threads with `in_flight` inputs at once.
fn run(paths: &[PathBuf], threads: usize, in_flight: usize, mmap: bool, block: usize) -> Outcome {
    let counter = Counter::default();
    let opts = ScanOptions {
        mmap,
        chunk_size: block,
        block_size: block,
        progress: Some(counter.clone()),
        inputs_in_flight: in_flight,
        ..ScanOptions::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    let policy = testing::policy("[nginx, registry.k8s.io/]")
        .collect_accepted()
        .build();
    let run = pool.install(|| scan(paths, &policy, &opts));
    (
        run.findings,
        run.stats,
        run.errors,
        run.workloads,
        run.accepted,
        counter.done(),
        counter.total(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn inputs_read_at_once_equal_one_at_a_time_on_one_thread(
        files in proptest::collection::vec(
            (proptest::collection::vec((0usize..64, any::<bool>()), 0..40), 0usize..6),
            1..7,
        ),
        threads in 1usize..5,
        in_flight in 0usize..6,
        mmap in any::<bool>(),
        block in 64usize..2000,
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let paths: Vec<PathBuf> = files
            .iter()
            .enumerate()
            .map(|(i, (picks, how))| {
                let path = dir.path().join(format!("audit-{i}.log"));
                std::fs::write(&path, Stored::ALL[*how].encode(&log(picks))).expect("write");
                path
            })
            .collect();
        let alone = run(&paths, 1, 1, mmap, block);
        let together = run(&paths, threads, in_flight, mmap, block);
        prop_assert_eq!(&together, &alone);
        // The bar ends at the total: every input's bytes on disk.
        let on_disk: u64 = paths
            .iter()
            .map(|p| std::fs::metadata(p).expect("stat").len())
            .sum();
        prop_assert_eq!(together.5, on_disk, "{:?}", together);
        prop_assert_eq!(together.6, Some(Some(on_disk)));
    }
}

/// A directory of rotated archives, some damaged, read with every input in flight at once on
/// one worker thread: nothing waits forever, and the result is that of one at a time.
#[test]
fn many_archives_on_one_thread_do_not_deadlock() {
    let dir = tempfile::tempdir().expect("temp dir");
    let picks: Vec<(usize, bool)> = (0..200).map(|i| (i * 7 % 64, false)).collect();
    let text = log(&picks);
    let paths: Vec<PathBuf> = (0..12)
        .map(|i| {
            let path = dir.path().join(format!("audit-{i:02}.log.gz"));
            std::fs::write(&path, Stored::ALL[i % 4].encode(&text)).expect("write");
            path
        })
        .collect();
    let alone = run(&paths, 1, 1, true, 256);
    for in_flight in [2, 12] {
        assert_eq!(run(&paths, 1, in_flight, true, 256), alone);
    }
    assert_eq!(
        alone.2.len(),
        3,
        "the three truncated archives: {:?}",
        alone.2
    );
}
