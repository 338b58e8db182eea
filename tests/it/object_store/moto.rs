//! A real S3-compatible server for the tests and the benchmark: moto in server mode (from PyPI),
//! started once per process by `moto_server.py` beside this file, on a free port of 127.0.0.1.
//!
//! The server lives as long as the process that started it: it serves until its standard input
//! closes, and the pipe is held here until exit. If it cannot be started, [`open`] and
//! [`auth`] panic with how to install it, so a missing server is a failing test, never a
//! silently skipped one.

use std::io::{BufRead, BufReader, Read, Seek};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;

use serde::Deserialize;

/// The buckets every server has.
pub const BUCKET: &str = "logs";

/// A running server and the credentials it knows.
#[derive(Debug, Deserialize)]
pub struct Moto {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The region it answers for.
    pub region: String,
    /// An access key that may do anything in S3.
    pub key: String,
    /// Its secret.
    pub secret: String,
    /// With `--auth`: a key of a user without any permission.
    pub denied_key: String,
    /// Its secret.
    pub denied_secret: String,
    /// The server process's standard input: closing it (at exit) stops the server.
    #[serde(skip)]
    stdin: Option<ChildStdin>,
    /// The server process.
    #[serde(skip)]
    child: Option<Child>,
}

impl Moto {
    /// The environment a client of this server reads: endpoint, region, credentials, plain
    /// HTTP allowed, and the EC2 metadata endpoint pointed at a closed local port so that a
    /// missing credential never sends a request off this machine.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
            ("AWS_REGION", self.region.clone()),
            ("AWS_ACCESS_KEY_ID", self.key.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret.clone()),
            ("AWS_METADATA_ENDPOINT", CLOSED_PORT.to_owned()),
        ]
    }
}

/// Where requests that must fail are sent: the discard port of the loopback address, which
/// nothing listens on here.
pub const CLOSED_PORT: &str = "http://127.0.0.1:9";

/// The server that accepts any credentials.
pub fn open() -> &'static Moto {
    static OPEN: OnceLock<Moto> = OnceLock::new();
    OPEN.get_or_init(|| start(false))
}

/// The server that checks signatures and permissions.
pub fn auth() -> &'static Moto {
    static AUTH: OnceLock<Moto> = OnceLock::new();
    AUTH.get_or_init(|| start(true))
}

/// What to do when the server cannot be started.
const INSTALL: &str = "the object-store tests need moto's S3 server: install it with \
                       `pip install 'moto[server]'` (scripts/test-tools.sh does) and make sure \
                       `python3` can import it";

/// Starts a server with the bucket [`BUCKET`]; panics, saying how to install moto, if it
/// cannot.
fn start(auth: bool) -> Moto {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/object_store/moto_server.py");
    let mut cmd = Command::new("python3");
    cmd.arg(&script).arg(BUCKET);
    if auth {
        cmd.arg("--auth");
    }
    // Its messages go to a file, read only if it fails: a pipe nobody reads could fill up and
    // stop the server.
    let mut log = tempfile::tempfile().expect("a temporary file");
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(log.try_clone().expect("a second handle"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}); {INSTALL}"));
    let mut line = String::new();
    let stdout = child.stdout.take().expect("piped");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the server's first line");
    let parsed: Result<Moto, _> = serde_json::from_str(&line);
    let Ok(mut moto) = parsed else {
        let _ = child.kill();
        let _ = child.wait();
        let mut err = String::new();
        let _ = log.rewind().and_then(|()| log.read_to_string(&mut err));
        panic!("the S3 test server did not start: {line}{err}\n{INSTALL}");
    };
    moto.stdin = child.stdin.take();
    moto.child = Some(child);
    moto
}
