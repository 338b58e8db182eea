//! The JSON output as typed structs, so the tests read findings and summaries by field instead of
//! indexing `serde_json::Value` by string. Every struct rejects keys it does not know
//! (`deny_unknown_fields`): a key added to the output fails the tests until it is added here, and
//! a misspelt field fails to compile. The field docs are those of docs/output.md; tests that pin
//! the raw shape (key order, every key present) read `serde_json::Value` on purpose.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The `--format json` document.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Every finding, in output order.
    pub findings: Vec<Finding>,
    /// What was read and found.
    pub summary: Summary,
}

/// One finding: a pod request with an image outside the allowlist, or whose images are unknown.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// The input, as given on the command line (`-` for standard input).
    pub file: String,
    /// The 1-based line the event's object starts on (inside a multi-line document too).
    pub line: u64,
    /// The 0-based index of the event in its batch (EventList, array, …), `None` on its own.
    pub item: Option<u64>,
    /// `auditID`.
    pub audit_id: Option<String>,
    /// The event's time, RFC 3339 in UTC.
    pub time: Option<String>,
    /// `stage`.
    pub stage: Option<String>,
    /// How the request gives the pod an image: `create`, `apply-create`, `image-change`, `ephemeral`,
    /// `workload-create`, `workload-change`.
    pub action: String,
    /// The pod's namespace.
    pub namespace: Option<String>,
    /// The pod's name.
    pub pod: Option<String>,
    /// `metadata.generateName` of the request.
    pub generate_name: Option<String>,
    /// The user who made the request.
    pub user: Option<String>,
    /// The user impersonated, if any.
    pub impersonated_user: Option<String>,
    /// `sourceIPs`.
    pub source_ips: Option<Vec<String>>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// The HTTP status of the response.
    pub status_code: Option<i64>,
    /// `created`, `rejected`, `dry-run` or `unknown`.
    pub outcome: String,
    /// `disallowed-image` or `images-unknown`.
    pub reason: String,
    /// Every image of the request as written, without repeats; `None` when unknown.
    pub images: Option<Vec<String>>,
    /// The images not allowed, as written, without repeats.
    pub disallowed_images: Vec<String>,
    /// Every container with its verdict; `None` when unknown.
    pub containers: Option<Vec<Container>>,
    /// The kind of object the request is about: `Pod`, or a workload kind.
    pub kind: String,
    /// The object's name.
    pub name: Option<String>,
    /// Who is behind the request; `None` in Falco parity mode.
    pub attribution: Option<Attribution>,
}

/// Who is behind a finding.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribution {
    /// `direct`, `owner-chain` or `unresolved`.
    pub how: String,
    /// The objects followed, child first (`ReplicaSet/web-6b7f9c`).
    pub chain: Vec<String>,
    /// The request behind it; `None` when unresolved.
    pub initiator: Option<Initiator>,
    /// Why it is unresolved, or a pod that claims an owner it was not made by.
    pub note: Option<String>,
}

/// The request a finding is attributed to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Initiator {
    /// `user.username`.
    pub user: Option<String>,
    /// `impersonatedUser.username`.
    pub impersonated_user: Option<String>,
    /// `sourceIPs`.
    pub source_ips: Option<Vec<String>>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// `create`, `patch` or `update`.
    pub verb: Option<String>,
    /// The request's time, as written.
    pub time: Option<String>,
    /// `auditID`.
    pub audit_id: Option<String>,
    /// The input it was read from.
    pub file: String,
    /// The 1-based line of its event.
    pub line: u64,
}

/// One container of a finding and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Container {
    /// The container's name (`None` for a JSON patch, which names an index).
    pub name: Option<String>,
    /// `container`, `init` or `ephemeral`.
    pub kind: String,
    /// The image as written.
    pub image: Option<String>,
    /// The normalized reference, `None` when the image is not a valid reference.
    pub reference: Option<String>,
    /// Whether the allowlist allows it.
    pub allowed: bool,
}

/// The `summary` object of the JSON document.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Inputs read.
    pub files: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Compressed bytes read.
    pub compressed_bytes: u64,
    /// Lines read.
    pub lines: u64,
    /// Lines parsed as JSON.
    pub parsed: u64,
    /// Audit events seen.
    pub events: u64,
    /// Pod requests among them.
    pub pod_requests: u64,
    /// Workload requests judged by their pod templates (`--workloads`).
    pub workload_requests: u64,
    /// Events read again (another input holds them too) and counted once.
    pub duplicate_events: u64,
    /// Requests that share an `auditID` with an earlier, different request.
    pub audit_id_collisions: u64,
    /// Lines that are not audit events.
    pub skipped: u64,
    /// Where the first skipped lines are, and why.
    pub skipped_at: Vec<Location>,
    /// Damaged lines whose events were all read.
    pub repaired: u64,
    /// Where the first repaired lines are, and why.
    pub repaired_at: Vec<Location>,
    /// One entry per input.
    pub inputs: Vec<Input>,
    /// The errors of the run as a whole (not of one input), with their kinds.
    pub run_errors: Vec<RunError>,
    /// Number of findings.
    pub findings: u64,
    /// Findings per reason.
    pub findings_by_reason: BTreeMap<String, u64>,
    /// Findings per way they were attributed.
    pub findings_by_attribution: BTreeMap<String, u64>,
    /// What the filters did.
    pub filters: Filters,
    /// Every error of the run, in words: those of the inputs and those of the run.
    pub errors: Vec<String>,
    /// Wall-clock time of the scan.
    pub elapsed_seconds: f64,
    /// Bytes read per second.
    pub bytes_per_second: f64,
}

/// An error of the whole run.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunError {
    /// `strict-violation`, `no-audit-events`, `unreadable`, `unreadable-report`,
    /// `empty-directory`.
    pub kind: String,
    /// The error, in words: one of the summary's `errors`.
    pub message: String,
}

/// A line of an input, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// The input.
    pub file: String,
    /// The 1-based line.
    pub line: u64,
    /// Why it was skipped or repaired.
    pub why: String,
}

/// What was read from one input.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The input, as given or found in a directory.
    pub file: String,
    /// `json-lines`, `json-document`, `legacy`, `empty`, …; `None` when it could not be read.
    pub format: Option<String>,
    /// `gzip` or `zstd`.
    pub compression: Option<String>,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Compressed bytes read.
    pub compressed_bytes: Option<u64>,
    /// Lines read.
    pub lines: u64,
    /// Why the input could not be read (fully).
    pub error: Option<String>,
    /// The kind of that error, for programs: `not-found`, `no-audit-events`, `truncated`, …
    pub error_kind: Option<String>,
    /// What it looked like when it held no audit event: `yaml`, `json`, `text`, `binary`,
    /// `archive`.
    pub content: Option<String>,
    /// Met in a directory, it held no audit event and was passed over.
    pub ignored: bool,
}

/// What `--since`, `--until`, `--namespace` and `--user` did.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// Findings left out.
    pub excluded: u64,
    /// Findings kept because they have no readable time.
    pub kept_without_time: u64,
}

/// The `--summary --format json` document: the per-image view.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerImage {
    /// One row per disallowed image (and one for unknown images).
    pub images: Vec<ImageRow>,
    /// The same summary as the findings document's.
    pub summary: Summary,
}

/// One row of the per-image view.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageRow {
    /// The image as written; `None` for the row of requests whose images are unknown.
    pub image: Option<String>,
    /// Its normalized reference.
    pub reference: Option<String>,
    /// `disallowed-image` or `images-unknown`.
    pub reason: String,
    /// Findings with this image.
    pub count: u64,
    /// Their namespaces.
    pub namespaces: Vec<String>,
    /// Their users.
    pub users: Vec<String>,
    /// The earliest time.
    pub first_seen: Option<String>,
    /// The latest time.
    pub last_seen: Option<String>,
    /// Findings per outcome.
    pub outcomes: BTreeMap<String, u64>,
    /// Findings per initiator user: who put the image in.
    pub initiators: BTreeMap<String, u64>,
    /// Findings whose initiator could not be found.
    pub unresolved: u64,
}

impl Finding {
    /// The `i`th container (panics when the containers are unknown or fewer).
    pub fn container(&self, i: usize) -> &Container {
        &self.containers.as_ref().expect("the containers are known")[i]
    }
}

/// `values` as owned strings, for comparing a list field with a literal.
pub fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}
