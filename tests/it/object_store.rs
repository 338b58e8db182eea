//! Object-store inputs against real servers started here: moto's S3 server (`moto.rs`),
//! Azurite's blob service and Python's plain web server. The same bytes are put in a temporary directory and in the store,
//! and the scan of the URIs must equal the scan of the files (the whole JSON report, with the
//! URI prefix read as the directory: findings, summary counts, inputs, errors; and the exit
//! status). Failures of one URI (no bucket, no key, refused or missing credentials, no
//! permission) are exit 2 with a message naming it, and the other inputs are still scanned.

pub mod moto;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use ::object_store::aws::{AmazonS3, AmazonS3Builder};
use ::object_store::path::Path as Key;
use ::object_store::{ObjectStoreExt, PutPayload};
use tempfile::TempDir;

use crate::report::Report;
use crate::util::{ALLOW, ATTRIBUTION, MIXED, SAMPLE, cmd, code, parse, root, stderr};
use moto::{BUCKET, Moto};

/// A fixture's bytes.
fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(root().join(name)).expect("fixture")
}

/// `bytes` as one gzip member.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory")
}

/// A client of the server's bucket, to put fixtures there.
fn client(moto: &Moto) -> AmazonS3 {
    AmazonS3Builder::new()
        .with_endpoint(&moto.endpoint)
        .with_allow_http(true)
        .with_region(&moto.region)
        .with_bucket_name(BUCKET)
        .with_access_key_id(&moto.key)
        .with_secret_access_key(&moto.secret)
        .build()
        .expect("an S3 client")
}

/// The same files in a temporary directory and under a prefix of the bucket.
struct Copies {
    /// The directory.
    dir: TempDir,
    /// `s3://logs/CASE/`.
    prefix: String,
}

impl Copies {
    /// Writes `files` (relative names and contents) under a new directory; `prefix` is where
    /// the same files are in a store.
    fn local(prefix: String, files: &[(&str, Vec<u8>)]) -> Copies {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, bytes) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, bytes).expect("write");
        }
        Copies { dir, prefix }
    }

    /// Writes `files` (relative names and contents) under a new directory and under `case/` in
    /// the bucket, uploaded in reverse order so that a listing has to sort them.
    fn place(moto: &Moto, case: &str, files: &[(&str, Vec<u8>)]) -> Copies {
        let copies = Copies::local(format!("s3://{BUCKET}/{case}/"), files);
        let store = client(moto);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        for (name, bytes) in files.iter().rev() {
            let key = Key::from(format!("{case}/{name}"));
            runtime
                .block_on(store.put(&key, PutPayload::from(bytes.clone())))
                .unwrap_or_else(|e| panic!("cannot upload {key} to the test server: {e}"));
        }
        copies
    }

    /// The URI of `name`.
    fn uri(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The local path of `name`.
    fn path(&self, name: &str) -> String {
        format!("{}/{name}", self.dir.path().display())
    }
}

/// Runs a scan with `--format json` in the environment `env`.
fn scan(env: &[(&str, String)], args: &[String]) -> Output {
    cmd()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args(["--allow", ALLOW, "--format", "json", "--quiet"])
        .args(args)
        .output()
        .expect("the binary runs")
}

/// A report with its timings zeroed, for comparing two runs.
fn timeless(mut report: Report) -> Report {
    report.summary.elapsed_seconds = 0.0;
    report.summary.bytes_per_second = 0.0;
    report
}

/// Checks that scanning `remote` (through the store) gives the report of scanning `local`, the
/// store's prefix read as the directory, and the same exit status; returns the report.
fn same_as_disk(
    env: &[(&str, String)],
    copies: &Copies,
    remote: &[String],
    local: &[String],
) -> Report {
    let from_store = scan(env, remote);
    let from_disk = scan(&[], local);
    assert_eq!(
        code(&from_store),
        code(&from_disk),
        "exit status; store: {}, disk: {}",
        stderr(&from_store),
        stderr(&from_disk)
    );
    let dir = format!("{}/", copies.dir.path().display());
    let text = String::from_utf8(from_store.stdout.clone()).expect("UTF-8");
    let renamed = text.replace(&copies.prefix, &dir);
    let from_store: Report = serde_json::from_str(&renamed)
        .unwrap_or_else(|e| panic!("{e}: {text}; {}", stderr(&from_store)));
    let from_disk = timeless(parse(&from_disk));
    assert_eq!(timeless(from_store), from_disk);
    from_disk
}

#[test]
fn plain_gzip_and_zstd_objects_scan_like_the_same_files_on_disk() {
    let moto = moto::open();
    let sample = fixture(SAMPLE);
    let files = [
        ("sample.log", sample.clone()),
        ("sample.log.gz", gzip(&sample)),
        (
            "archive.zst",
            zstd::encode_all(&sample[..], 3).expect("in memory"),
        ),
        ("mixed.jsonl", fixture(MIXED)),
    ];
    let copies = Copies::place(moto, "formats", &files);
    let names = files.map(|(name, _)| name);
    let report = same_as_disk(
        &moto.env(),
        &copies,
        &names.map(|n| copies.uri(n)),
        &names.map(|n| copies.path(n)),
    );
    // Not a vacuous match: findings from every input, each decoded as its content says.
    let compression: Vec<Option<&str>> = report
        .summary
        .inputs
        .iter()
        .map(|i| i.compression.as_deref())
        .collect();
    assert_eq!(compression, [None, Some("gzip"), Some("zstd"), None]);
    // The compressed copies hold the plain sample's requests again: they are found once, where
    // first read, and every pod-request event of the copies is counted as read again.
    for name in ["sample.log", "mixed.jsonl"] {
        assert!(
            report.findings.iter().any(|f| f.file == copies.path(name)),
            "findings from {name}"
        );
    }
    let sample_only = same_as_disk(
        &moto.env(),
        &copies,
        &[copies.uri("sample.log")],
        &[copies.path("sample.log")],
    );
    assert_eq!(
        report.summary.duplicate_events,
        2 * sample_only.summary.pod_requests,
        "both copies decoded whole"
    );
}

#[test]
fn a_prefix_is_listed_in_the_order_its_directory_is_walked() {
    let moto = moto::open();
    // `a/b.log` before `a-b.log`: a directory walk (and this listing) compares names segment
    // by segment, where a plain string sort would put `-` before `/`.
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("rotated/a-b.log", fixture(ATTRIBUTION[0])),
        ("rotated/a/b.log", fixture(ATTRIBUTION[1])),
    ];
    let names = [
        "rotated/audit-2026-03-01T00-00-00.000.log.gz",
        "rotated/audit-2026-03-02T00-00-00.000.log",
        "rotated/reverse-order/a.log",
        "rotated/reverse-order/b.log",
        "rotated/z/audit.log",
    ];
    for (i, (name, log)) in names.iter().zip(&ATTRIBUTION[2..]).enumerate() {
        let bytes = fixture(log);
        files.push((name, if i == 0 { gzip(&bytes) } else { bytes }));
    }
    let copies = Copies::place(moto, "listing", &files);
    let local = copies.path("rotated");
    for remote in [copies.uri("rotated/"), copies.uri("rotated")] {
        let report = same_as_disk(
            &moto.env(),
            &copies,
            &[remote],
            std::slice::from_ref(&local),
        );
        let order: Vec<&str> = report
            .summary
            .inputs
            .iter()
            .map(|i| {
                i.file
                    .strip_prefix(&format!("{}/", copies.dir.path().display()))
                    .expect("under the dir")
            })
            .collect();
        assert_eq!(
            order,
            [
                "rotated/a/b.log",
                "rotated/a-b.log",
                names[0],
                names[1],
                names[2],
                names[3],
                names[4]
            ]
        );
    }
}

#[test]
fn an_object_of_many_parts_is_read_in_order() {
    let moto = moto::open();
    // Over 20 MiB: three range requests of 8 MiB, in flight together.
    let mixed = fixture(MIXED);
    let big = mixed.repeat((20 << 20) / mixed.len() + 1);
    let copies = Copies::place(moto, "large", &[("big.log", big.clone())]);
    let report = same_as_disk(
        &moto.env(),
        &copies,
        &[copies.uri("big.log")],
        &[copies.path("big.log")],
    );
    assert_eq!(report.summary.bytes, big.len() as u64);
    assert!(!report.findings.is_empty());
}

#[test]
fn several_objects_read_at_once_report_as_one_at_a_time() {
    let moto = moto::open();
    // Rotated logs whose pods are owned by workloads written in earlier files: attribution
    // across inputs depends on their order, whichever object is fetched first.
    let files: Vec<(String, Vec<u8>)> = ATTRIBUTION
        .iter()
        .enumerate()
        .map(|(i, log)| {
            let bytes = fixture(log);
            match i % 3 {
                0 => (format!("rotated/audit-{i:02}.log.gz"), gzip(&bytes)),
                1 => (
                    format!("rotated/audit-{i:02}.log.zst"),
                    zstd::encode_all(&bytes[..], 3).expect("in memory"),
                ),
                _ => (format!("rotated/audit-{i:02}.log"), bytes),
            }
        })
        .collect();
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let copies = Copies::place(moto, "at-once", &files);
    let at_once = [
        copies.uri("rotated/"),
        "--threads".to_owned(),
        "4".to_owned(),
    ];
    let one_by_one = [
        copies.path("rotated"),
        "--threads".to_owned(),
        "1".to_owned(),
    ];
    let report = same_as_disk(&moto.env(), &copies, &at_once, &one_by_one);
    assert_eq!(report.summary.inputs.len(), ATTRIBUTION.len());
    assert!(!report.findings.is_empty());
}

/// The report of `SAMPLE` alone, to check that other inputs were still scanned.
fn sample_findings() -> Vec<crate::report::Finding> {
    timeless(parse(&scan(&[], &[SAMPLE.to_owned()]))).findings
}

/// Runs `uris` then `SAMPLE` in `env`: exit 2, the sample's findings all there; returns stderr.
fn fails_alone(env: &[(&str, String)], uris: &[&str]) -> String {
    let mut args: Vec<String> = uris.iter().map(|u| (*u).to_owned()).collect();
    args.push(SAMPLE.to_owned());
    let out = scan(env, &args);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    let report: Report = parse(&out);
    assert_eq!(
        report.findings,
        sample_findings(),
        "the good input is still scanned"
    );
    assert_eq!(report.summary.errors.len(), uris.len(), "{err}");
    err
}

/// The one line of `stderr` about `uri`.
fn error_about<'a>(stderr: &'a str, uri: &str) -> &'a str {
    let start = format!("falco-pod-scan: error: {uri}: ");
    stderr
        .lines()
        .find(|l| l.starts_with(&start))
        .unwrap_or_else(|| panic!("no error names {uri}: {stderr}"))
}

#[test]
fn a_missing_bucket_key_or_prefix_fails_alone_naming_it() {
    let moto = moto::open();
    Copies::place(moto, "present", &[("audit.log", fixture(MIXED))]);
    let [bucket, key, prefix] = [
        "s3://no-such-bucket/audit.log",
        "s3://logs/present/absent.log",
        "s3://logs/absent/",
    ];
    let err = fails_alone(&moto.env(), &[bucket, key, prefix]);
    assert!(
        error_about(&err, bucket).contains("no such bucket"),
        "{err}"
    );
    assert!(
        error_about(&err, bucket).contains("AWS_ENDPOINT_URL"),
        "{err}"
    );
    let key_line = error_about(&err, key);
    assert!(
        key_line.contains("there is no such object, nor any object under it as a prefix")
            && key_line.contains("aws s3 ls --recursive s3://logs/present/"),
        "{err}"
    );
    assert!(
        error_about(&err, prefix).contains("there is no object under this prefix"),
        "{err}"
    );
}

#[test]
fn refused_and_denied_credentials_fail_alone_and_say_what_to_do() {
    let moto = moto::auth();
    let copies = Copies::place(moto, "private", &[("audit.log", fixture(SAMPLE))]);
    let object = copies.uri("audit.log");
    // The right key reads it: what fails below is the credentials, not the setup.
    let allowed = scan(&moto.env(), std::slice::from_ref(&object));
    assert_eq!(code(&allowed), 1, "{}", stderr(&allowed));

    let with = |key: &str, secret: &str| {
        let mut env = moto.env();
        env.retain(|(k, _)| !k.starts_with("AWS_ACCESS") && !k.starts_with("AWS_SECRET"));
        env.push(("AWS_ACCESS_KEY_ID", key.to_owned()));
        env.push(("AWS_SECRET_ACCESS_KEY", secret.to_owned()));
        env
    };
    // A wrong secret: a listing says so; a HEAD has no body, so S3 only says 403.
    let err = fails_alone(&with(&moto.key, "wrong"), &[&object, "s3://logs/"]);
    let line = error_about(&err, "s3://logs/");
    assert!(
        line.contains("the credentials were refused: 403 Forbidden")
            && line.contains("SignatureDoesNotMatch")
            && line.contains("Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        "{err}"
    );
    let line = error_about(&err, &object);
    assert!(
        line.contains("access denied: 403 Forbidden")
            && line.contains("A wrong AWS_SECRET_ACCESS_KEY is refused the same way"),
        "{err}"
    );
    // A key nobody issued.
    let err = fails_alone(&with("AKIANOSUCHKEY0000000", "x"), &["s3://logs/"]);
    assert!(
        error_about(&err, "s3://logs/").contains("refused: 403 Forbidden from GET")
            && err.contains("InvalidAccessKeyId"),
        "{err}"
    );
    // A valid key without permission.
    let err = fails_alone(&with(&moto.denied_key, &moto.denied_secret), &[&object]);
    let line = error_about(&err, &object);
    assert!(
        line.contains("access denied")
            && line.contains("need s3:GetObject on the objects and s3:ListBucket on bucket logs"),
        "{err}"
    );
}

#[test]
fn missing_credentials_say_where_credentials_are_read_from() {
    let moto = moto::open();
    let mut env = moto.env();
    env.retain(|(k, _)| !k.starts_with("AWS_ACCESS") && !k.starts_with("AWS_SECRET"));
    let err = fails_alone(&env, &["s3://logs/anything.log"]);
    let line = error_about(&err, "s3://logs/anything.log");
    assert!(
        line.contains("no usable credentials were found")
            && line.contains("Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        "{err}"
    );
}

/// Python's web server over a directory, stopped when dropped.
struct WebServer {
    /// The server.
    child: Child,
    /// `http://127.0.0.1:PORT`.
    origin: String,
}

impl WebServer {
    /// Serves `dir` on a free port of 127.0.0.1.
    fn start(dir: &Path) -> WebServer {
        let mut child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("the server's first line");
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let port = line
            .split_whitespace()
            .skip_while(|w| *w != "port")
            .nth(1)
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        WebServer {
            child,
            origin: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn objects_from_a_plain_web_server_scan_like_the_files() {
    let sample = fixture(SAMPLE);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("sample.log"), &sample).expect("write");
    std::fs::write(dir.path().join("sample.log.gz"), gzip(&sample)).expect("write");
    let web = WebServer::start(dir.path());
    let copies = Copies {
        prefix: format!("{}/", web.origin),
        dir,
    };
    let names = ["sample.log", "sample.log.gz"];
    let report = same_as_disk(
        &[],
        &copies,
        &names.map(|n| copies.uri(n)),
        &names.map(|n| copies.path(n)),
    );
    assert!(!report.findings.is_empty());
    let missing = format!("{}/absent.log", web.origin);
    let err = fails_alone(&[], &[&missing]);
    assert!(error_about(&err, &missing).contains("not found"), "{err}");
}

/// Azurite's blob service (from npm) on a free port of 127.0.0.1, stopped when dropped.
struct Azurite {
    /// The server.
    child: Child,
    /// `http://127.0.0.1:PORT`.
    endpoint: String,
}

/// What to do when Azurite or its upload client is missing.
const AZURITE_INSTALL: &str = "the az:// test needs Azurite and Azure's Python client: install \
                               them with `npm install -g azurite` and `pip install \
                               azure-storage-blob` (scripts/test-tools.sh does)";

impl Azurite {
    /// Starts it, in memory, without telemetry (which would send requests off this machine).
    fn start() -> Azurite {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new("azurite-blob")
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args([
                "--inMemoryPersistence",
                "--disableTelemetry",
                "--skipApiVersionCheck",
            ])
            .arg("--silent")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run azurite-blob ({e}); {AZURITE_INSTALL}"));
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let listening = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|l| l.contains("listens on"));
        assert!(listening, "Azurite did not start; {AZURITE_INSTALL}");
        // Whatever it prints later is drained, so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Azurite {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Uploads the files of `copies` to container `logs`, under `case/`.
    fn upload(&self, copies: &Copies, case: &str) {
        let script = root().join("tests/it/object_store/azurite_upload.py");
        let out = Command::new("python3")
            .arg(script)
            .args([self.endpoint.as_str(), "logs"])
            .arg(copies.dir.path())
            .arg(case)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "cannot upload to Azurite: {}; {AZURITE_INSTALL}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The environment of a client of the emulator.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AZURE_STORAGE_USE_EMULATOR", "true".to_owned()),
            ("AZURITE_BLOB_STORAGE_URL", self.endpoint.clone()),
        ]
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn azure_blobs_scan_like_the_same_files_on_disk() {
    let azurite = Azurite::start();
    let sample = fixture(SAMPLE);
    let files = [
        (
            "rotated/audit-2026-03-01T00-00-00.000.log.gz",
            gzip(&sample),
        ),
        ("rotated/audit.log", fixture(MIXED)),
        (
            "rotated/sub/archive.zst",
            zstd::encode_all(&sample[..], 3).expect("in memory"),
        ),
    ];
    let copies = Copies::local("az://logs/azure/".to_owned(), &files);
    azurite.upload(&copies, "azure");
    let report = same_as_disk(
        &azurite.env(),
        &copies,
        &[copies.uri("rotated/audit.log"), copies.uri("rotated/")],
        &[copies.path("rotated/audit.log"), copies.path("rotated")],
    );
    assert_eq!(report.summary.inputs.len(), 4);
    assert!(!report.findings.is_empty());
    let err = fails_alone(&azurite.env(), &["az://no-such-container/audit.log"]);
    let line = error_about(&err, "az://no-such-container/audit.log");
    assert!(
        line.contains("no such container") && line.contains("ContainerNotFound"),
        "{err}"
    );
}
