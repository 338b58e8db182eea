//! Running the binary the way a user would, but reproducibly: cleared environment, project root
//! as working directory, output captured.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use crate::report::{Finding, Report};

/// The allowlist every fixture is scanned with (its findings are in `testdata/expected/`).
pub const ALLOW: &str = "testdata/allow.yaml";

/// The README's sample log: one morning on a small cluster in which a CI token leaked.
pub const SAMPLE: &str = "testdata/sample-audit.log";

/// 28 pod creates, one per case of the finding rules (20 findings with [`ALLOW`]).
pub const MIXED: &str = "testdata/pod-requests-mixed.jsonl";

/// Every attribution log but the one that needs `--workloads`, in the order a shell glob gives
/// them; their README tells each story and says they scan together (26 findings with [`ALLOW`]).
pub const ATTRIBUTION: [&str; 10] = [
    "testdata/attribution/cronjob-chain.log",
    "testdata/attribution/deployment-chain.log",
    "testdata/attribution/forged-owner.log",
    "testdata/attribution/kube-controller-manager.log",
    "testdata/attribution/metadata-owner.log",
    "testdata/attribution/missing-owner.log",
    "testdata/attribution/no-request-set-image.log",
    "testdata/attribution/other-chains.log",
    "testdata/attribution/reverse-order/a.log",
    "testdata/attribution/reverse-order/b.log",
];

/// The project root, where `testdata/` is.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture's path relative to the project root.
pub fn fixture(name: &str) -> PathBuf {
    Path::new("testdata").join(name)
}

/// The binary with an empty environment, run from the project root.
pub fn cmd() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_falco-pod-scan"));
    cmd.env_clear().current_dir(root()).stdin(Stdio::null());
    cmd
}

/// Runs with `args` and returns the output.
pub fn run(args: &[&str]) -> Output {
    cmd().args(args).output().expect("the binary runs")
}

/// Runs with `input` written to standard input (from another thread, so a large input cannot
/// deadlock against a full stdout pipe).
pub fn run_stdin(args: &[&str], input: Vec<u8>) -> Output {
    let mut child = cmd()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("output");
    writer.join().expect("writer").expect("write to stdin");
    out
}

/// Waits for `child`, killing it (and failing) after `limit`.
pub fn wait_at_most(mut child: Child, limit: Duration) -> Output {
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// The exit code (panics on a signal).
pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

/// Stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

/// Stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

/// A run's standard output as one JSON document of type `T` (panics with stderr if it is not).
pub fn parse<T: DeserializeOwned>(out: &Output) -> T {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON document of the expected shape ({e}); stderr: {}",
            stderr(out)
        )
    })
}

/// Runs with `--format json` and returns the output as a `T`.
pub fn json_as<T: DeserializeOwned>(args: &[&str]) -> (T, Output) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = run(&all);
    (parse(&out), out)
}

/// Runs with `--format json` and returns the findings document.
pub fn json(args: &[&str]) -> (Report, Output) {
    json_as(args)
}

/// Each line of JSON lines output as a finding.
pub fn parse_lines(text: &str) -> Vec<Finding> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The findings of one run as JSON lines, for byte comparison (the run must not be an error).
pub fn jsonl(args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--format", "jsonl", "--quiet"]);
    let out = run(&all);
    assert!(code(&out) < 2, "{}", stderr(&out));
    stdout(&out)
}

/// A test-only builder for one audit-event line: by default a pod create that the API server
/// accepted (`ResponseComplete`, 201), by `mallory@example.com` in `default`, logged at level
/// `Request`, with `auditID` the pod's name. Strings go into the JSON as written, unescaped, so a
/// test can put JSON escapes (or damage) in them.
#[derive(Debug, Clone)]
pub struct Event {
    /// The pod's name, also its `auditID`.
    pod: String,
    /// The pod's namespace.
    namespace: String,
    /// The requesting user.
    user: String,
    /// `userAgent`.
    user_agent: String,
    /// The containers' images, in order.
    images: Vec<String>,
    /// JSON members appended to the pod's `metadata` (starting with `,`), or empty.
    metadata: String,
    /// `stageTimestamp`, or `None` to leave it out.
    time: Option<String>,
}

impl Event {
    /// A pod create of `pod`, with no container until [`Event::image`] adds one.
    pub fn create(pod: &str) -> Self {
        Event {
            pod: pod.to_owned(),
            namespace: "default".to_owned(),
            user: "mallory@example.com".to_owned(),
            user_agent: "kubectl/v1.29.2".to_owned(),
            images: Vec::new(),
            metadata: String::new(),
            time: Some("2026-03-09T10:00:00.000000Z".to_owned()),
        }
    }

    /// Adds a container running `image`.
    pub fn image(mut self, image: &str) -> Self {
        self.images.push(image.to_owned());
        self
    }

    /// Sets the pod's namespace.
    pub fn namespace(mut self, namespace: &str) -> Self {
        namespace.clone_into(&mut self.namespace);
        self
    }

    /// Sets the `userAgent`.
    pub fn user_agent(mut self, agent: &str) -> Self {
        agent.clone_into(&mut self.user_agent);
        self
    }

    /// Appends JSON members (a fragment starting with `,`) to the pod's `metadata`.
    pub fn metadata(mut self, members: &str) -> Self {
        self.metadata.push_str(members);
        self
    }

    /// Leaves out `stageTimestamp`, so the event has no readable time.
    pub fn without_time(mut self) -> Self {
        self.time = None;
        self
    }

    /// The event as one line of JSON, without the newline.
    pub fn line(&self) -> String {
        let Event {
            pod,
            namespace,
            user,
            user_agent,
            metadata,
            ..
        } = self;
        let containers: Vec<String> = self
            .images
            .iter()
            .enumerate()
            .map(|(i, image)| {
                let name = if i == 0 {
                    "c".to_owned()
                } else {
                    format!("c{i}")
                };
                format!(r#"{{"name":"{name}","image":"{image}"}}"#)
            })
            .collect();
        let containers = containers.join(",");
        let time = self
            .time
            .as_ref()
            .map_or(String::new(), |t| format!(r#","stageTimestamp":"{t}""#));
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"{pod}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{namespace}/pods","verb":"create","user":{{"username":"{user}"}},"sourceIPs":["198.51.100.23"],"userAgent":"{user_agent}","objectRef":{{"resource":"pods","namespace":"{namespace}","name":"{pod}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":201}},"requestObject":{{"kind":"Pod","apiVersion":"v1","metadata":{{"name":"{pod}"{metadata}}},"spec":{{"containers":[{containers}]}}}}{time}}}"#
        )
    }
}
