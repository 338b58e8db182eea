//! Attribution does not depend on how the logs arrive: the hand-worked logs, joined into one log
//! or cut into rotated files given in any order, plain, gzip or zstd, on standard input or
//! mapped or read, scanned on one thread or two, give every finding the attribution of the run of
//! its own case. Findings are matched by audit ID; their `file` and `line`, and the initiator's,
//! must name the place the event was put.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::Output;

use proptest::prelude::*;
use serde_json::Value;

use super::{every_log, separate_runs};
use crate::util::{ALLOW, code, parse, root, run, run_stdin, stderr};

/// One line of the hand-worked logs.
#[derive(Debug, Clone)]
struct Line {
    /// The line with its newline.
    text: String,
    /// Its `auditID`.
    audit_id: String,
    /// Its `stageTimestamp`.
    time: String,
}

/// Every line of every log, in the order of [`every_log`].
fn lines() -> Vec<Line> {
    let mut out = Vec::new();
    for log in every_log() {
        let text = std::fs::read_to_string(root().join(&log)).expect("readable");
        for line in text.lines() {
            let event: Value = serde_json::from_str(line).expect("one event per line");
            let field = |key: &str| event[key].as_str().expect(key).to_owned();
            out.push(Line {
                text: format!("{line}\n"),
                audit_id: field("auditID"),
                time: field("stageTimestamp"),
            });
        }
    }
    out
}

/// A finding without where it and its initiator were read, keyed by its audit ID.
fn placeless(finding: &Value) -> (String, Value) {
    let mut f = finding.clone();
    let object = f.as_object_mut().expect("an object");
    object.remove("file");
    object.remove("line");
    if let Some(initiator) = f["attribution"]["initiator"].as_object_mut() {
        initiator.remove("file");
        initiator.remove("line");
    }
    let id = finding["audit_id"]
        .as_str()
        .expect("an audit ID")
        .to_owned();
    (id, f)
}

/// Every finding of the runs of each case alone, placeless, by audit ID: what every arrangement
/// must give.
fn reference() -> BTreeMap<String, Value> {
    separate_runs()
        .into_values()
        .map(|(alone, _)| placeless(&alone))
        .collect()
}

/// How the lines were laid out: which audit ID is at each line of each input, by the name the
/// output gives the input.
#[derive(Debug, Default)]
struct Layout(BTreeMap<(String, u64), String>);

impl Layout {
    /// Records `lines` as the content of input `name`.
    fn add(&mut self, name: &str, lines: &[Line]) {
        for (i, line) in lines.iter().enumerate() {
            self.0
                .insert((name.to_owned(), i as u64 + 1), line.audit_id.clone());
        }
    }

    /// The audit ID at a `file` and `line` of an output object.
    fn at(&self, place: &Value) -> Option<&String> {
        let file = place["file"].as_str()?.to_owned();
        self.0.get(&(file, place["line"].as_u64()?))
    }
}

/// How one input's bytes are stored.
#[derive(Debug, Clone, Copy)]
enum Packing {
    Plain,
    Gzip,
    Zstd,
}

impl Packing {
    /// `bytes` packed.
    fn pack(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Packing::Plain => bytes.to_vec(),
            Packing::Gzip => {
                let mut enc =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                enc.write_all(bytes).expect("in memory");
                enc.finish().expect("in memory")
            }
            Packing::Zstd => zstd::encode_all(bytes, 1).expect("in memory"),
        }
    }

    /// A file name suffix as rotation tools give it.
    fn suffix(self) -> &'static str {
        match self {
            Packing::Plain => "",
            Packing::Gzip => ".gz",
            Packing::Zstd => ".zst",
        }
    }
}

/// The bytes of `lines`.
fn join(lines: &[Line]) -> Vec<u8> {
    lines.iter().flat_map(|l| l.text.bytes()).collect()
}

/// Checks a JSON run against the reference: the same findings by audit ID, attributed alike, each
/// finding and initiator placed where the layout put its event.
fn assert_same(what: &str, out: &Output, layout: &Layout, want: &BTreeMap<String, Value>) {
    assert_eq!(code(out), 1, "{what}: {}", stderr(out));
    let doc: Value = parse(out);
    let findings = doc["findings"].as_array().expect("findings");
    let mut got = BTreeMap::new();
    for f in findings {
        let (id, placeless) = placeless(f);
        assert_eq!(
            layout.at(f),
            Some(&id),
            "{what}: where finding {id} was read"
        );
        let initiator = &f["attribution"]["initiator"];
        if !initiator.is_null() {
            let want = initiator["audit_id"].as_str().map(str::to_owned);
            assert_eq!(
                layout.at(initiator),
                want.as_ref(),
                "{what}: initiator of {id}"
            );
        }
        assert!(
            got.insert(id, placeless).is_none(),
            "{what}: one finding per request"
        );
    }
    assert_eq!(got.len(), want.len(), "{what}: {:?}", got.keys());
    for (id, want) in want {
        assert_eq!(got.get(id), Some(want), "{what}: finding {id}");
    }
}

/// Writes `bytes` to `name` under `dir` and returns the path as given on the command line.
fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path.to_str().expect("a UTF-8 path").to_owned()
}

/// Runs the inputs `paths` with `extra` options and `--format json`.
fn run_json(paths: &[String], extra: &[&str]) -> Output {
    let mut args: Vec<&str> = paths.iter().map(String::as_str).collect();
    args.extend(["--allow", ALLOW, "--format", "json"]);
    args.extend(extra);
    run(&args)
}

#[test]
fn one_joined_log_gives_the_same_attribution_however_it_is_read() {
    let want = reference();
    let lines = lines();
    let bytes = join(&lines);
    let dir = tempfile::tempdir().expect("temp dir");
    for packing in [Packing::Plain, Packing::Gzip, Packing::Zstd] {
        let path = write(
            dir.path(),
            &format!("joined.log{}", packing.suffix()),
            &packing.pack(&bytes),
        );
        let mut layout = Layout::default();
        layout.add(&path, &lines);
        for extra in [
            &["-j", "1"][..],
            &["-j", "2"],
            &["-j", "1", "--no-mmap"],
            &["-j", "2", "--no-mmap"],
        ] {
            let what = format!("{packing:?} with {extra:?}");
            assert_same(
                &what,
                &run_json(std::slice::from_ref(&path), extra),
                &layout,
                &want,
            );
        }
        let mut layout = Layout::default();
        layout.add("-", &lines);
        for threads in ["1", "2"] {
            let args = ["-", "--allow", ALLOW, "--format", "json", "-j", threads];
            let out = run_stdin(&args, packing.pack(&bytes));
            assert_same(
                &format!("{packing:?} on stdin, -j {threads}"),
                &out,
                &layout,
                &want,
            );
        }
    }
}

#[test]
fn rotated_files_given_newest_first_give_the_same_attribution() {
    let want = reference();
    let mut lines = lines();
    lines.sort_by(|a, b| a.time.cmp(&b.time));
    // Four files of about equal lines, oldest last: `audit.log` is the live one.
    let dir = tempfile::tempdir().expect("temp dir");
    let per = lines.len().div_ceil(4);
    let packings = [Packing::Plain, Packing::Plain, Packing::Gzip, Packing::Zstd];
    let mut layout = Layout::default();
    let mut paths = Vec::new();
    for (age, (chunk, packing)) in lines.chunks(per).rev().zip(packings).enumerate() {
        let name = match age {
            0 => "audit.log".to_owned(),
            n => format!("audit.log.{n}{}", packing.suffix()),
        };
        let path = write(dir.path(), &name, &packing.pack(&join(chunk)));
        layout.add(&path, chunk);
        paths.push(path);
    }
    assert_eq!(paths.len(), 4);
    for threads in ["1", "2"] {
        let out = run_json(&paths, &["-j", threads]);
        assert_same(&format!("rotated, -j {threads}"), &out, &layout, &want);
    }
    // The directory, walked in whatever order it gives.
    let mut layout_dir = Layout::default();
    for (path, lines) in paths.iter().zip(lines.chunks(per).rev()) {
        layout_dir.add(path, lines);
    }
    let out = run_json(&[dir.path().to_str().expect("utf-8").to_owned()], &[]);
    assert_same("the directory", &out, &layout_dir, &want);
}

/// One arrangement: the lines in some order, cut into files, each packed some way, given in
/// some order, one of them perhaps on standard input.
#[derive(Debug, Clone)]
struct Arrangement {
    /// A permutation of the lines.
    order: Vec<usize>,
    /// Where the permuted lines are cut into files (sorted, may repeat: an empty file).
    cuts: Vec<usize>,
    /// How each file is packed.
    packings: Vec<Packing>,
    /// The order the files are given in (a permutation of the files).
    given: Vec<usize>,
    /// Which given file comes on standard input, if any.
    stdin: Option<usize>,
    /// `--threads`.
    threads: u8,
    /// `--no-mmap`.
    no_mmap: bool,
}

/// Arrangements of `n` lines into one to five files.
fn arrangements(n: usize) -> impl Strategy<Value = Arrangement> {
    let order = Just((0..n).collect::<Vec<_>>()).prop_shuffle();
    let files = (0usize..5).prop_flat_map(move |cuts| {
        (
            proptest::collection::vec(0..=n, cuts),
            proptest::collection::vec(
                prop_oneof![
                    Just(Packing::Plain),
                    Just(Packing::Gzip),
                    Just(Packing::Zstd)
                ],
                cuts + 1,
            ),
            Just((0..=cuts).collect::<Vec<_>>()).prop_shuffle(),
            proptest::option::of(0..=cuts),
        )
    });
    (order, files, 1u8..4, any::<bool>()).prop_map(
        |(order, (mut cuts, packings, given, stdin), threads, no_mmap)| {
            cuts.sort_unstable();
            Arrangement {
                order,
                cuts,
                packings,
                given,
                stdin,
                threads,
                no_mmap,
            }
        },
    )
}

/// Writes an arrangement of `lines` under `dir` and runs it.
fn run_arrangement(dir: &Path, lines: &[Line], a: &Arrangement) -> (Output, Layout) {
    let permuted: Vec<Line> = a.order.iter().map(|&i| lines[i].clone()).collect();
    let mut bounds = vec![0];
    bounds.extend(&a.cuts);
    bounds.push(permuted.len());
    let files: Vec<&[Line]> = bounds.windows(2).map(|w| &permuted[w[0]..w[1]]).collect();
    let mut layout = Layout::default();
    let mut paths = Vec::new();
    let mut stdin = None;
    for (position, &file) in a.given.iter().enumerate() {
        let packing = a.packings[file];
        let bytes = packing.pack(&join(files[file]));
        if a.stdin == Some(position) {
            layout.add("-", files[file]);
            paths.push("-".to_owned());
            stdin = Some(bytes);
        } else {
            let path = write(dir, &format!("part-{file}.log{}", packing.suffix()), &bytes);
            layout.add(&path, files[file]);
            paths.push(path);
        }
    }
    let threads = a.threads.to_string();
    let mut args: Vec<&str> = paths.iter().map(String::as_str).collect();
    args.extend(["--allow", ALLOW, "--format", "json", "-j", &threads]);
    if a.no_mmap {
        args.push("--no-mmap");
    }
    let out = match stdin {
        Some(bytes) => run_stdin(&args, bytes),
        None => run(&args),
    };
    (out, layout)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any order of the lines, cut into any files given in any order: the resolver looks owners
    /// up by time over the whole run, and every write in these logs has its own time.
    #[test]
    fn any_arrangement_of_the_lines_gives_the_same_attribution(
        a in arrangements(lines().len()),
    ) {
        let (want, lines) = REFERENCE.with(Clone::clone);
        let dir = tempfile::tempdir().expect("temp dir");
        let (out, layout) = run_arrangement(dir.path(), &lines, &a);
        assert_same(&format!("{a:?}"), &out, &layout, &want);
    }
}

thread_local! {
    /// The reference and the lines, computed once per test thread.
    static REFERENCE: (BTreeMap<String, Value>, Vec<Line>) = (reference(), lines());
}
