//! The contract of a sharded scan, as a property of the real binary: for any clusters, any
//! arrangement of each cluster's files and any number of shards `N`, shards `0/N` … `N-1/N` over
//! a list of one directory per cluster, merged in shard order, give the report of one run over
//! the same clusters listed in that order — the same findings in the same order, the same exit
//! status, the same summary counts (all but the time taken) — and the findings of one run over
//! the clusters in their original order, grouped differently.
//!
//! The clusters are logs made by the benchmark generator (`benches/common/gen.rs`), heavy in
//! controller chains, so attribution crosses files within a cluster: a shard that split a
//! cluster would see owners missing. Each cluster's namespaces are renamed apart (`c2-shop`):
//! the generator gives every cluster the same workloads, and clusters that share names are the
//! one case where a run reading several clusters can link one cluster's pod to another's owner
//! (docs/sharding.md).

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::Value;

use crate::util::{ALLOW, code, run, stderr};

#[path = "../../../benches/common/gen.rs"]
#[allow(
    dead_code,
    reason = "the benches and the example use more of the generator"
)]
#[allow(
    clippy::duplicate_mod,
    reason = "the attribution tests load the generator too, privately"
)]
mod generator;

/// How many clusters the property draws from.
const CLUSTERS: usize = 4;
/// About this much log per cluster.
const SIZE: u64 = 400 << 10;

/// The clusters' logs, generated once: seed `100 + i`, pod and workload traffic thirty times the
/// default share, namespaces prefixed with `c{i}-`.
fn clusters() -> &'static [String] {
    static LOGS: OnceLock<Vec<String>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let namespaces = regex::Regex::new(r#"("namespace":"|/namespaces/)([a-z0-9][a-z0-9-]*)"#)
            .expect("a valid regex");
        (0..CLUSTERS)
            .map(|i| {
                let opts = generator::GenOptions {
                    workload_factor: 30.0,
                    ..generator::GenOptions::new(100 + i as u64, SIZE)
                };
                let mut log = Vec::new();
                generator::generate(&opts, &mut log, None).expect("in memory");
                let log = String::from_utf8(log).expect("UTF-8");
                namespaces
                    .replace_all(&log, format!("${{1}}c{i}-${{2}}"))
                    .into_owned()
            })
            .collect()
    })
}

/// One cluster of a case: which generated log, where its files are cut (per mille of its
/// lines), and whether the files are named so that the later part sorts first.
#[derive(Debug, Clone)]
struct Cluster {
    /// Index into [`clusters`].
    log: usize,
    /// Cut points, per mille of the lines.
    cuts: Vec<u16>,
    /// Name the parts so a directory walk reads them newest first.
    reversed: bool,
}

/// Writes `cluster` as a directory of files under `root`, returning the directory.
fn write_cluster(root: &Path, cluster: &Cluster) -> String {
    let dir = root.join(format!("cluster-{}", cluster.log));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let lines: Vec<&str> = clusters()[cluster.log].lines().collect();
    let mut cuts: Vec<usize> = cluster
        .cuts
        .iter()
        .map(|&c| lines.len() * usize::from(c) / 1000)
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut bounds = vec![0];
    bounds.extend(cuts);
    bounds.push(lines.len());
    let parts = bounds.len() - 1;
    for (k, pair) in bounds.windows(2).enumerate() {
        let name = if cluster.reversed { parts - 1 - k } else { k };
        let mut text = lines[pair[0]..pair[1]].join("\n");
        text.push('\n');
        std::fs::write(dir.join(format!("audit-{name}.log")), text).expect("write");
    }
    dir.display().to_string()
}

/// A run's JSON report with the two fields that measure time taken set aside.
fn timeless(out: &std::process::Output) -> Value {
    let mut doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("a JSON report ({e}): {}", stderr(out)));
    let summary = doc["summary"].as_object_mut().expect("a summary");
    summary.remove("elapsed_seconds");
    summary.remove("bytes_per_second");
    doc
}

/// The findings of a report, in a fixed order (by file and line).
fn sorted_findings(doc: &Value) -> Vec<Value> {
    let mut findings = doc["findings"].as_array().expect("findings").clone();
    findings.sort_by_key(|f| (f["file"].as_str().map(str::to_owned), f["line"].as_u64()));
    findings
}

fn cluster() -> impl Strategy<Value = (Vec<u16>, bool)> {
    (prop::collection::vec(1u16..1000, 0..3), any::<bool>())
}

proptest! {
    // Each case runs the binary N + 3 times on one to two megabytes of log.
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn merged_shards_equal_one_run(
        order in Just((0..CLUSTERS).collect::<Vec<_>>()).prop_shuffle(),
        taken in 2..=CLUSTERS,
        shapes in prop::collection::vec(cluster(), CLUSTERS),
        count in 1usize..=5,
        filter_on in 0u8..3,
    ) {
        let root = tempfile::tempdir().expect("temp dir");
        let dirs: Vec<String> = order[..taken]
            .iter()
            .zip(&shapes)
            .map(|(&log, (cuts, reversed))| {
                write_cluster(root.path(), &Cluster { log, cuts: cuts.clone(), reversed: *reversed })
            })
            .collect();
        let list = root.path().join("clusters.txt");
        std::fs::write(&list, dirs.join("\n")).expect("write the list");
        let list = list.display().to_string();
        // A namespace filter, on the shards, on the merge, or nowhere.
        let filter = ["--namespace", "c*-shop"];
        let (on_shards, on_merge): (&[&str], &[&str]) = match filter_on {
            0 => (&[], &[]),
            1 => (&filter, &[]),
            _ => (&[], &filter),
        };
        let mut reports = Vec::new();
        for index in 0..count {
            let shard = format!("{index}/{count}");
            let report = root.path().join(format!("shard-{index}.json"));
            reports.push(report.display().to_string());
            let mut args = vec!["--allow", ALLOW, "--files-from", &list, "--shard", &shard];
            args.extend(["--format", "json", "-o", reports.last().expect("pushed")]);
            args.extend(["--exit-zero", "-q"]);
            args.extend(on_shards);
            let out = run(&args);
            prop_assert_eq!(code(&out), 0, "shard {}: {}", shard, stderr(&out));
        }
        let mut args = vec!["--merge"];
        args.extend(reports.iter().map(String::as_str));
        args.extend(["--format", "json"]);
        args.extend(on_merge);
        let merged = run(&args);
        // One run over the clusters in shard order: shard 0's, then shard 1's, …
        let in_shard_order: Vec<&str> = (0..count)
            .flat_map(|k| dirs.iter().skip(k).step_by(count).map(String::as_str))
            .collect();
        let filtered: &[&str] = if filter_on == 0 { &[] } else { &filter };
        let mut args = vec!["--allow", ALLOW, "--format", "json"];
        args.extend(&in_shard_order);
        args.extend(filtered);
        let whole = run(&args);
        prop_assert!(code(&whole) < 2, "{}", stderr(&whole));
        prop_assert_eq!(code(&merged), code(&whole), "{}", stderr(&merged));
        let (merged, whole) = (timeless(&merged), timeless(&whole));
        let found = whole["findings"].as_array().expect("findings").len();
        prop_assert!(filter_on > 0 || found > 0, "every cluster has findings");
        prop_assert_eq!(&merged["findings"], &whole["findings"]);
        prop_assert_eq!(&merged["summary"], &whole["summary"]);
        // In their original order, the clusters give the same findings, grouped differently.
        let mut args = vec!["--allow", ALLOW, "--format", "json", "--files-from", &list];
        args.extend(filtered);
        let original = timeless(&run(&args));
        prop_assert_eq!(sorted_findings(&original), sorted_findings(&merged));
    }
}
