//! Attribution through the whole scan: random histories ([`super::history`]) laid out in any
//! order across several inputs, plain, gzip or zstd, mapped or streamed, in chunks and blocks of
//! any size, on any number of threads, give the same workload records and the same attributed
//! findings as one input in time order read on one thread.
//!
//! Every line has its own time, so the answer cannot depend on input order; every finding, and
//! every initiator, must name the input and line its event was put at.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::history::{Step, every_answer, history, step};
use super::*;
use crate::attribution::Position;

/// How an input is stored.
#[derive(Debug, Clone, Copy)]
enum Packing {
    Plain,
    Gzip,
    Zstd,
}

/// `bytes` packed.
fn pack(packing: Packing, bytes: &[u8]) -> Vec<u8> {
    match packing {
        Packing::Plain => bytes.to_vec(),
        Packing::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(bytes).expect("in memory");
            enc.finish().expect("in memory")
        }
        Packing::Zstd => zstd::encode_all(bytes, 1).expect("in memory"),
    }
}

/// A layout: the lines of each input, by the input's name.
type Layout = BTreeMap<(String, u64), String>;

/// What must not depend on the layout: the attributed findings and the workload records, by
/// audit ID, with every place (input, line) cleared after checking it against the layout.
type Answer = (BTreeMap<String, Finding>, BTreeMap<String, WorkloadRecord>);

/// The audit ID `layout` put at `file`:`line`.
fn id_at<'l>(layout: &'l Layout, file: &str, line: u64) -> Option<&'l str> {
    layout.get(&(file.to_owned(), line)).map(String::as_str)
}

/// A run's answer, each place checked against `layout`.
fn answer(run: Scan, layout: &Layout) -> Answer {
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    let mut findings = BTreeMap::new();
    for mut f in run.findings {
        let id = f.audit_id.clone().expect("every step has an audit ID");
        assert_eq!(id_at(layout, &f.file, f.line), Some(id.as_str()), "{f:?}");
        (f.file, f.line) = (String::new(), 0);
        let attribution = f.attribution.as_mut().expect("attributed");
        if let Some(initiator) = attribution.initiator.as_mut() {
            let at = id_at(layout, &initiator.file, initiator.line);
            assert_eq!(at, initiator.audit_id.as_deref(), "initiator of {id}");
            (initiator.file, initiator.line) = (String::new(), 0);
        }
        assert!(findings.insert(id, f).is_none(), "one finding per request");
    }
    let mut records = BTreeMap::new();
    for mut r in run.workloads {
        let id = r
            .requester
            .audit_id
            .as_deref()
            .expect("every step has an audit ID")
            .to_owned();
        let (file, line) = (&r.requester.file, r.position.line);
        assert_eq!(id_at(layout, file, line), Some(id.as_str()), "{r:?}");
        r.requester.file = "".into();
        r.position = Position::default();
        assert!(records.insert(id, r).is_none(), "one record per request");
    }
    (findings, records)
}

/// The oracle: the history as one plain input, in time order, mapped and scanned on one thread
/// in one chunk.
fn oracle(dir: &Path, lines: &[String]) -> Answer {
    let path = dir.join("oracle.log");
    std::fs::write(&path, lines.concat()).expect("write");
    let name = path.display().to_string();
    let layout: Layout = (lines.iter().enumerate())
        .map(|(i, l)| ((name.clone(), i as u64 + 1), audit_id(l)))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let run = pool.install(|| scan(&[path], &policy(), &ScanOptions::default()));
    answer(run, &layout)
}

/// The `auditID` of a line.
fn audit_id(line: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(line).expect("an event");
    value["auditID"].as_str().expect("an audit ID").to_owned()
}

/// One way of laying out and reading a history.
#[derive(Debug, Clone)]
struct Arrangement {
    /// A permutation of the lines, by a sort key each.
    keys: Vec<u32>,
    /// Where the permuted lines are cut into inputs (sorted; repeats make empty inputs).
    cuts: Vec<usize>,
    /// How each input is stored.
    packings: Vec<Packing>,
    /// Which way the inputs are given: as written, or reversed (newest first).
    reversed: bool,
    /// Map the plain inputs, or stream them.
    mmap: bool,
    /// Chunk size of mapped inputs, and block size of streamed ones.
    chunk: usize,
    /// Threads.
    threads: usize,
}

/// Arrangements of `n` lines.
fn arrangements(n: usize) -> impl Strategy<Value = Arrangement> {
    let packing = prop_oneof![
        Just(Packing::Plain),
        Just(Packing::Gzip),
        Just(Packing::Zstd)
    ];
    (
        proptest::collection::vec(any::<u32>(), n),
        proptest::collection::vec((0..=n, packing), 0..4),
        (any::<bool>(), any::<bool>(), 1usize..3000, 1usize..5),
    )
        .prop_map(|(keys, cuts, (reversed, mmap, chunk, threads))| {
            let mut cuts = cuts;
            cuts.sort_unstable_by_key(|c| c.0);
            let packings = cuts.iter().map(|c| c.1).chain([Packing::Plain]).collect();
            Arrangement {
                keys,
                cuts: cuts.iter().map(|c| c.0).collect(),
                packings,
                reversed,
                mmap,
                chunk,
                threads,
            }
        })
}

/// Lays `lines` out in `dir` as `a` says and scans them.
fn arranged(dir: &Path, lines: &[String], a: &Arrangement) -> Answer {
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|&i| (a.keys[i], i));
    let mut bounds = vec![0];
    bounds.extend(&a.cuts);
    bounds.push(lines.len());
    let mut layout = Layout::new();
    let mut paths: Vec<PathBuf> = Vec::new();
    for (n, (w, &packing)) in bounds.windows(2).zip(&a.packings).enumerate() {
        let part: Vec<&String> = order[w[0]..w[1]].iter().map(|&i| &lines[i]).collect();
        let path = dir.join(format!("part-{n}.log"));
        let bytes: Vec<u8> = part.iter().flat_map(|l| l.bytes()).collect();
        std::fs::write(&path, pack(packing, &bytes)).expect("write");
        let name = path.display().to_string();
        for (i, l) in part.iter().enumerate() {
            layout.insert((name.clone(), i as u64 + 1), audit_id(l));
        }
        paths.push(path);
    }
    if a.reversed {
        paths.reverse();
    }
    let opts = ScanOptions {
        mmap: a.mmap,
        chunk_size: a.chunk,
        block_size: a.chunk,
        ..ScanOptions::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads)
        .build()
        .expect("pool");
    let run = pool.install(|| scan(&paths, &policy(), &opts));
    answer(run, &layout)
}

/// Histories and arrangements of them.
fn cases() -> impl Strategy<Value = (Vec<Step>, Arrangement)> {
    proptest::collection::vec(step(), 1..40)
        .prop_flat_map(|steps| (Just(steps.clone()), arrangements(steps.len())))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn attribution_does_not_depend_on_layout_compression_chunking_or_threads(
        (steps, arrangement) in cases(),
    ) {
        let lines = history(&steps);
        let dir = tempfile::tempdir().expect("temp dir");
        let want = oracle(dir.path(), &lines);
        let got = arranged(dir.path(), &lines, &arrangement);
        prop_assert_eq!(got, want);
    }
}

/// A finding's attribution in one line: how, the chain, the initiator's audit ID and the note's
/// reason.
fn summary(f: &Finding) -> String {
    let a = f.attribution.as_ref().expect("attributed");
    let by = a.initiator.as_ref().and_then(|i| i.audit_id.as_deref());
    let note = a.note.as_deref().map(|n| n.split(';').next().unwrap_or(n));
    format!(
        "{} [{}] {} {}",
        a.how.as_str(),
        a.chain.join(" "),
        by.unwrap_or("-"),
        note.unwrap_or("-")
    )
}

/// The histories reach every answer, so the property above is not vacuous: a fixed history, in
/// time order, attributed as worked out by hand.
#[test]
fn a_fixed_history_reaches_every_answer() {
    let lines = history(&every_answer());
    let dir = tempfile::tempdir().expect("temp dir");
    let (findings, records) = oracle(dir.path(), &lines);
    assert_eq!(records.len(), 9);
    let got: BTreeMap<&str, String> = findings
        .iter()
        .map(|(id, f)| (id.as_str(), summary(f)))
        .collect();
    let forged = "claims ReplicaSet/app-0 but was created by mallory@example.com";
    let want: BTreeMap<&str, String> = [
        ("h2", "owner-chain [ReplicaSet/app-0 Deployment/app] h0 -"),
        (
            "h3",
            "unresolved [ReplicaSet/app-0 Deployment/app] - no request set the image",
        ),
        ("h8", "owner-chain [ReplicaSet/app-1 Deployment/app] h4 -"),
        ("h9", &format!("direct [] h9 {forged}")),
        (
            "h10",
            "unresolved [ReplicaSet/app-2] - owner not in the logs",
        ),
        (
            "h12",
            "unresolved [ReplicaSet/app-2] - owner logged without its spec (Metadata level)",
        ),
        ("h13", "direct [] h13 -"),
        ("h16", "owner-chain [Job/rep-0 CronJob/rep] h14 -"),
    ]
    .into_iter()
    .map(|(id, s)| (id, s.to_owned()))
    .collect();
    assert_eq!(got, want);
}

/// Only the findings a run keeps are resolved: an earlier stage of a request that its completion
/// stands for is dropped before attribution, and so is a finding the scope filter leaves out,
/// unless `--user` (which matches the initiator) needs the answer to decide. Resolving the
/// dropped ones would change no output, so the count of resolutions is what shows it.
#[test]
fn only_kept_findings_are_resolved() {
    let rs = Step::ReplicaSet {
        rs: 0,
        image: 0,
        forged: false,
        bodiless: false,
    };
    let pod = |rs| Step::Pod {
        rs,
        image: 0,
        forged: false,
    };
    let completed = step_line(1, pod(0));
    let received = completed.replace("ResponseComplete", "RequestReceived");
    let lines = [step_line(0, rs), received, completed, step_line(2, pod(1))];
    let scanned = scan_bytes("log", lines.concat().as_bytes(), &policy(), None);
    let workloads = record::select(scanned.workloads);
    let resolved = |filter: &Filter| {
        let (chosen, _) = rules::stage::chosen(&scanned.candidates, policy().mode);
        let (kept, _) = rules::stage::keep(scanned.candidates.clone(), &chosen);
        let records = Records::new(&workloads);
        let (findings, resolved) = in_scope(kept, &records, filter, &mut FilterStats::default());
        (findings.len(), resolved)
    };
    let filter = |namespaces: &[&str], users: &[&str]| {
        let own = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        Filter::new(None, None, &own(namespaces), &own(users)).expect("a filter")
    };
    // Three pod-create events, two requests: the completion stands for the first.
    assert_eq!(scanned.candidates.len(), 3);
    assert_eq!(resolved(&Filter::default()), (2, 2));
    // Out of scope whatever the initiator: not resolved.
    assert_eq!(resolved(&filter(&["elsewhere"], &[])), (0, 0));
    // `--user` matches the initiator, so the answer is needed to decide.
    let controller = "*:replicaset-controller";
    assert_eq!(resolved(&filter(&[], &[controller])), (2, 2));
    assert_eq!(resolved(&filter(&["elsewhere"], &[controller])), (0, 2));
}

/// The line of step `i`, with its newline.
/// The history of `steps` scanned: its selected workload records, and the findings the scan
/// keeps before attribution resolves them.
fn kept_of(steps: &[Step]) -> (Vec<WorkloadRecord>, Kept) {
    let lines = history(steps);
    let scanned = scan_bytes("log", lines.concat().as_bytes(), &policy(), None);
    let workloads = record::select(scanned.workloads);
    let (chosen, _) = rules::stage::chosen(&scanned.candidates, policy().mode);
    let (kept, _) = rules::stage::keep(scanned.candidates, &chosen);
    (workloads, kept)
}

fn step_line(i: usize, s: Step) -> String {
    super::history::line(i, s) + "\n"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// The kept findings come out attributed in input order whatever the number of threads and
    /// however finely they are split between tasks: as one thread attributes them one by one.
    #[test]
    fn attribution_in_parallel_keeps_order_and_answers(
        steps in proptest::collection::vec(step(), 0..120),
        threads in 2usize..5,
        batch in 1usize..8,
    ) {
        let (workloads, kept) = kept_of(&steps);
        let records = Records::new(&workloads);
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
        let sequential = one.install(|| attribute_in_tasks(kept.clone(), &records, usize::MAX));
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        let parallel = pool.install(|| attribute_in_tasks(kept, &records, batch));
        prop_assert_eq!(parallel, sequential);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// A pod create that claims an owner is kept without the attribution to its own request,
    /// which resolving makes only when that is the answer: the same findings as when it is made
    /// first and read back as the held initiator, with or without `--user`.
    #[test]
    fn the_own_request_made_only_when_it_is_the_answer_is_the_same(
        steps in proptest::collection::vec(step(), 0..120),
        by_user in any::<bool>(),
    ) {
        let (workloads, lazy) = kept_of(&steps);
        let records = Records::new(&workloads);
        let mut eager = lazy.clone();
        for (finding, pending) in eager.findings.iter_mut().zip(&mut eager.pending) {
            if let Some(deferred) = pending.deferred.take() {
                deferred.restore(finding);
            }
        }
        let users = if by_user { vec!["*".to_owned()] } else { Vec::new() };
        let filter = Filter::new(None, None, &[], &users).expect("a filter");
        let lazy = in_scope(lazy, &records, &filter, &mut FilterStats::default());
        let eager = in_scope(eager, &records, &filter, &mut FilterStats::default());
        prop_assert_eq!(lazy, eager);
    }
}
