//! The prefilter: which lines can possibly hold a pod request, or a workload write (a `create`,
//! `update` or `patch` without subresource of one of the seven workload resources, which
//! attribution remembers in default mode, and which `--workloads` also judges). Neither test
//! reads the API server's answer, so a refused, dry-run, unanswered or `Metadata`-level workload
//! write is a workload line like a successful one: with `--workloads` each of them can be a
//! finding.
//!
//! Parsing JSON is an order of magnitude slower than reading memory, so only lines that pass
//! [`triage`] are parsed. The filter must be a *necessary* condition — false positives cost time,
//! false negatives lose findings. It has two halves.
//!
//! **Structural, for lines the API server wrote** (they start with
//! `{"kind":"Event","apiVersion":"audit.k8s.io/v1…",` and end with `}`). The field order is fixed
//! by the API server's encoder, and every field before `objectRef` is a string, a list of strings,
//! or a user (whose `extra` map holds only lists of strings). A string cannot contain an
//! unescaped `"`, so the first `,"verb":"` is the verb and the first `,"objectRef":{` after it is
//! the object reference — whatever a client put into its user agent, name or request URI. Reading
//! just those two (a few hundred bytes at the start of the line; the object reference through
//! serde, so escapes are decoded) decides whether the line can be a pod request, without looking
//! at the request body. Kubelet `pods/status` patches, scheduler bindings and watches — most of
//! the lines that mention pods — stop here. A workload resource with a mutating verb and no
//! subresource is a [`Triage::Workload`] line. A verb that is not a plain lowercase word (an escape,
//! a broken line) falls through to the literal half, and so does a line the structural half would
//! pass over that holds a second `{"kind":"Event"`: damage (a writer died mid-line and the next
//! event was appended to the cut one), where the first verb says nothing about the second event.
//! The scan looks for that second event start while it looks for the line's end ([`line_end`]),
//! in the same pass; a separate search of every line had cost about a tenth of the scan. For
//! workload writes the literal half then reads the line only from that second start on: the
//! structural half has read the first event, and every other event starts there or later. That
//! matters because every `events` create holds a core `Event` object, which starts like an audit
//! event (a few percent of a log's lines).
//!
//! **Literal, for every other line** (other encoders, sorted keys, spaces, cloud exports):
//! * every pod request names the resource `pods` (`"resource":"pods"`, GKE's
//!   `io.k8s.core.v1.pods.create`, or a nested, string-escaped copy of either in a cloud export).
//!   In JSON the only way to write those letters without the literal `pods` is a `\u` escape of
//!   one of them (`\u0070`, `\u006f`, `\u0064`, `\u0073`, any hex case), so a line is a *hit* if it
//!   contains `pods` or such an escape. A double-escaped `\\u0070` still contains `\u0070`;
//! * a hit line is a candidate if it also contains one of the verbs of the requests that count
//!   (docs/events.md) — `create`, `patch`, `update` (also GKE's method suffixes) — or contains
//!   any `\u` escape at all (which could spell the verb);
//! * a line without a `pods` hit is a workload candidate if it names a workload resource —
//!   contains `sets` (`replicasets`, `statefulsets`, `daemonsets`), `deployments`, `jobs`
//!   (`jobs`, `cronjobs`) or `replicationcontrollers`, or an escape `\u006X` or `\u007X` (the
//!   range of the lowercase letters) — and passes the same verb test.
//!
//! The scan's tests check by property test that the filtered scan finds exactly what parsing
//! every line finds, over all these shapes with random escapes.

use std::sync::LazyLock;

use memchr::memmem::Finder;
use regex::bytes::Regex;
use serde::Deserialize;

use crate::event::{EVENT_START, ObjectRef};

/// The resource every pod request names.
static PODS: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"pods"));
/// The start of a JSON `\u` escape of an ASCII character.
const ESCAPE: &[u8] = b"\\u00";
/// Every workload resource name contains one of these literals (`sets`: `replicasets`,
/// `statefulsets`, `daemonsets`; `jobs`: `jobs`, `cronjobs`), and a name written with escapes
/// holds a `\u006X` or `\u007X` escape (the range of the lowercase letters, any hex case). One
/// regex of literals, so that the line is searched once for all of them at once.
static WORKLOADS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"sets|jobs|deployments|replicationcontrollers|\\u00[67]").expect("a valid regex")
});
/// Any `\u` escape.
static ANY_ESCAPE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\\u"));
/// The verbs of the requests that count (pod creates, and the patches and updates that change
/// a pod's images).
static VERBS: LazyLock<[Finder<'static>; 3]> = LazyLock::new(|| {
    [
        Finder::new(b"create"),
        Finder::new(b"patch"),
        Finder::new(b"update"),
    ]
});

/// The rest of a canonical event start after [`EVENT_START`], for `audit.k8s.io/v1`.
const V1_TAIL: &[u8] = br#","apiVersion":"audit.k8s.io/v1","#;
/// The same for `audit.k8s.io/v1beta1`.
const V1BETA1_TAIL: &[u8] = br#","apiVersion":"audit.k8s.io/v1beta1","#;
/// How the API server's encoder starts an event line (`audit.k8s.io/v1` and `v1beta1`).
pub(super) const CANONICAL_PREFIXES: [&[u8]; 2] = [
    &concat::<{ EVENT_START.len() + V1_TAIL.len() }>(EVENT_START, V1_TAIL),
    &concat::<{ EVENT_START.len() + V1BETA1_TAIL.len() }>(EVENT_START, V1BETA1_TAIL),
];
/// The search for [`EVENT_START`]: a second one in a line means damage.
static EVENT_START_FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(EVENT_START));
/// The verb key in a canonical line.
static VERB_KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(br#","verb":""#));
/// The object reference key in a canonical line.
static OBJECT_REF_KEY: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(br#","objectRef":{"#));

/// What to do with a line the hit search marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Triage {
    /// It may be a pod request: parse it in full.
    Parse,
    /// It cannot be a pod request, but may be a workload write: parse it in full when workload
    /// writes are gathered (default mode, where `--workloads` also judges them), else treat it
    /// as [`Triage::Check`].
    Workload,
    /// It can be neither: only check that it is an audit event.
    Check,
}

/// Decides whether a line needs a full parse: the structural test for lines the API server
/// wrote, else the literal test (a hit, then a verb or an escape).
pub fn triage(line: &[u8]) -> Triage {
    triage_split(line, || second_event(line))
}

/// Where an audit event starts inside `line` after its first byte, if one does. (The search
/// [`line_end`] does in the newline pass, as a search of its own.)
fn second_event(line: &[u8]) -> Option<usize> {
    EVENT_START_FINDER
        .find(line.get(1..).unwrap_or_default())
        .map(|i| i + 1)
}

/// [`triage`] for a line whose search for a second event start was done while finding its end
/// ([`line_end`]): `joined` is where the first one after its first byte starts, if any.
pub fn triage_joined(line: &[u8], joined: Option<usize>) -> Triage {
    triage_split(line, || joined)
}

/// [`triage`], asking `joined` where a second event starts inside the line only when the
/// answer matters.
fn triage_split(line: &[u8], joined: impl FnOnce() -> Option<usize>) -> Triage {
    let first = match canonical(line) {
        Some(Triage::Parse) => return Triage::Parse,
        Some(first) => first,
        None => return literal(line),
    };
    // The structural test reads the first event of the line only; a second one starts where a
    // writer died mid-line and the next event was appended.
    let Some(at) = joined() else {
        return first;
    };
    if pods_literal(line) == Triage::Parse {
        return Triage::Parse;
    }
    // The first event is no workload write unless the structural test said so, and every
    // other event of the line starts at or after `at`: only that part can hold one. (A core
    // `Event` object in an `events` create starts like an audit event too; its request body
    // need not be searched again for workload names.)
    if first == Triage::Workload || workload_literal(&line[at..]) == Triage::Workload {
        Triage::Workload
    } else {
        Triage::Check
    }
}

/// Where the `E` of [`EVENT_START`] sits in it.
const EVENT_START_E: usize = position(EVENT_START, b'E');

/// Finds the end of the line that starts at `start` in `block` (the index of its `\n`, or the
/// block's length), and where an audit event first starts inside it after its first byte, as an
/// offset in the line (see [`triage_joined`]).
///
/// One pass for both: the newline search also stops at every `E`, the rarest byte of
/// `{"kind":"Event"` in audit JSON, and looks back nine bytes for the rest of it; once one is
/// found, a plain newline search finishes the line. A separate search of each line for the event
/// start cost twice as much CPU (measured on the generated log: +69 ms per GiB on one core with
/// memchr's `memmem`, +32 ms this way, over a bare newline search of 124 ms).
pub fn line_end(block: &[u8], start: usize) -> (usize, Option<usize>) {
    // An event starting at `start + 1` or later has its `E` at `start + 10` or later.
    let head = (start + EVENT_START_E + 1).min(block.len());
    if let Some(i) = memchr::memchr(b'\n', &block[start..head]) {
        return (start + i, None);
    }
    for i in memchr::memchr2_iter(b'\n', b'E', &block[head..]) {
        let at = head + i;
        if block[at] == b'\n' {
            return (at, None);
        }
        if block[at - EVENT_START_E..].starts_with(EVENT_START) {
            let end = memchr::memchr(b'\n', &block[at..]).map_or(block.len(), |j| at + j);
            return (end, Some(at - EVENT_START_E - start));
        }
    }
    (block.len(), None)
}

/// `a` then `b`, built at compile time; `N` is their total length.
const fn concat<const N: usize>(a: &[u8], b: &[u8]) -> [u8; N] {
    assert!(a.len() + b.len() == N, "N is the total length");
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < a.len() { a[i] } else { b[i - a.len()] };
        i += 1;
    }
    out
}

/// Where `byte` first occurs in `bytes`, at compile time (a compile error if it does not).
const fn position(bytes: &[u8], byte: u8) -> usize {
    let mut i = 0;
    while bytes[i] != byte {
        i += 1;
    }
    i
}

/// The literal test: a hit, then a verb or an escape.
fn literal(line: &[u8]) -> Triage {
    match pods_literal(line) {
        Triage::Check => workload_literal(line),
        triage => triage,
    }
}

/// The literal test for pod requests: [`Triage::Parse`] or [`Triage::Check`].
fn pods_literal(line: &[u8]) -> Triage {
    if has_hit(line) && is_candidate(line) {
        Triage::Parse
    } else {
        Triage::Check
    }
}

/// The literal test for workload writes: [`Triage::Workload`] or [`Triage::Check`].
fn workload_literal(line: &[u8]) -> Triage {
    if has_workload_hit(line) && is_candidate(line) {
        Triage::Workload
    } else {
        Triage::Check
    }
}

/// Does the line name a workload resource, literally or through an escape of a lowercase
/// letter?
fn has_workload_hit(line: &[u8]) -> bool {
    WORKLOADS.is_match(line)
}

/// Does the line mention `pods`, literally or through an escape of one of its letters?
fn has_hit(line: &[u8]) -> bool {
    PODS.find(line).is_some() || next_escape(line, 0) != NONE
}

/// The structural decision for a line the API server wrote; `None` when the line does not have
/// that exact shape.
fn canonical(line: &[u8]) -> Option<Triage> {
    let line = line.trim_ascii_end();
    if !CANONICAL_PREFIXES.iter().any(|p| line.starts_with(p)) || !line.ends_with(b"}") {
        return None;
    }
    let verb_at = VERB_KEY.find(line)? + VERB_KEY.needle().len();
    let verb_len = memchr::memchr(b'"', &line[verb_at..])?;
    let verb = &line[verb_at..verb_at + verb_len];
    let mutating = match verb {
        b"create" => false,
        b"patch" | b"update" => true,
        // A verb is a lowercase word; anything else (an escape, a broken line) gets the full test.
        v if v.is_empty() || !v.iter().all(u8::is_ascii_lowercase) => return None,
        _ => return Some(Triage::Check),
    };
    let Some(at) = OBJECT_REF_KEY.find(&line[verb_at..]) else {
        // No object reference at all: a non-resource request.
        return Some(Triage::Check);
    };
    let start = verb_at + at + OBJECT_REF_KEY.needle().len() - 1;
    let (resource, subresource) = if let Some(fields) = flat_object_ref(&line[start..]) {
        fields
    } else {
        let mut de = serde_json::Deserializer::from_slice(&line[start..]);
        let object = ObjectRef::deserialize(&mut de).ok()?;
        let resource = Resource::of(object.resource.get().unwrap_or("").as_bytes());
        let subresource = object.subresource.get().unwrap_or("");
        (resource, Subresource::of(subresource.as_bytes()))
    };
    Some(match (resource, subresource) {
        (Resource::Pods, Subresource::None) => Triage::Parse,
        (Resource::Pods, Subresource::EphemeralContainers) if mutating => Triage::Parse,
        (Resource::Workload, Subresource::None) => Triage::Workload,
        _ => Triage::Check,
    })
}

/// The resources that matter to the triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resource {
    /// Pods, for either rule ([`names_pods`]).
    Pods,
    /// One of the seven workload resources, exactly.
    Workload,
    /// Anything else, or none.
    Other,
}

impl Resource {
    /// From the raw value. (The workload names are matched as bytes, which costs next to
    /// nothing on the many lines that update or patch other resources; a test checks them
    /// against [`crate::attribution::WorkloadKind`].)
    fn of(value: &[u8]) -> Resource {
        match value {
            b"replicasets"
            | b"deployments"
            | b"statefulsets"
            | b"daemonsets"
            | b"jobs"
            | b"cronjobs"
            | b"replicationcontrollers" => Resource::Workload,
            _ if names_pods(value) => Resource::Pods,
            _ => Resource::Other,
        }
    }
}

/// The subresources that matter to the triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subresource {
    /// Absent or empty: the pod itself.
    None,
    /// `ephemeralcontainers` (`kubectl debug`).
    EphemeralContainers,
    /// Anything else (`status`, `binding`, `exec`, …).
    Other,
}

impl Subresource {
    /// From the raw value.
    fn of(value: &[u8]) -> Subresource {
        match value {
            b"" => Subresource::None,
            b"ephemeralcontainers" => Subresource::EphemeralContainers,
            _ => Subresource::Other,
        }
    }
}

/// Reads an object reference written as a flat object of plain strings
/// (`{"resource":"pods","namespace":"ns","name":"web","subresource":"status"}`), the way the API
/// server writes it: which resource, and which subresource? `None` as soon as anything else
/// appears (an escape, another value type, a duplicate key, a missing brace), so the caller lets
/// serde decide.
fn flat_object_ref(bytes: &[u8]) -> Option<(Resource, Subresource)> {
    let mut rest = bytes.strip_prefix(b"{")?;
    let (mut resource, mut subresource) = (None, None);
    loop {
        let (key, after) = plain_string(rest)?;
        let (value, after) = plain_string(after.strip_prefix(b":")?)?;
        match key {
            b"resource" if resource.is_none() => resource = Some(Resource::of(value)),
            b"subresource" if subresource.is_none() => subresource = Some(Subresource::of(value)),
            b"resource" | b"subresource" => return None,
            _ => {}
        }
        match after.first()? {
            b',' => rest = &after[1..],
            b'}' => break,
            _ => return None,
        }
    }
    Some((
        resource.unwrap_or(Resource::Other),
        subresource.unwrap_or(Subresource::None),
    ))
}

/// Does this `objectRef.resource` value name pods, for either rule? Falco reads its fields as C
/// strings, so a value cut at a NUL character (`pods` followed by a NUL and anything) is `pods`
/// to it; this tool's rule compares the whole value. The prefilter must let through whatever
/// either rule takes, so it takes both.
fn names_pods(value: &[u8]) -> bool {
    value.split(|&b| b == 0).next() == Some(b"pods")
}

/// A JSON string without escapes at the start of `bytes`: its content and what follows it.
fn plain_string(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let body = bytes.strip_prefix(b"\"")?;
    let end = quote_or_backslash(body)?;
    (body[end] == b'"').then(|| (&body[..end], &body[end + 1..]))
}

/// Where the first `"` or `\` of `bytes` is, looked for eight bytes at a time in a `u64`.
///
/// The strings of an object reference are a few to a few dozen bytes long, too short for
/// `memchr2`'s call and set-up to pay (docs/performance.md, Lines, triage and archives).
fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    /// A one in every byte.
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    /// The high bit of every byte.
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    /// The high bit of each zero byte of `x` set (and possibly of bytes above a zero byte, which
    /// the lowest set bit never is: the classic test for a zero byte).
    const fn zero_bytes(x: u64) -> u64 {
        x.wrapping_sub(ONES) & !x & HIGHS
    }
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let found = zero_bytes(word ^ (ONES * u64::from(b'"')))
            | zero_bytes(word ^ (ONES * u64::from(b'\\')));
        if found != 0 {
            // Little-endian: the lowest set bit is the first byte found.
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|i| at + i)
}

/// No further hit.
const NONE: usize = usize::MAX;

/// The next `\u00XX` escape of `p`, `o`, `d` or `s` in `hay` at or after `from`, or [`NONE`].
///
/// It stops at every backslash: JSON lines hold `\"` often enough that a substring search for
/// `\u00` (whose rarest bytes are still common) was slower, by about a third on lines that
/// hold escaped quotes.
fn next_escape(hay: &[u8], from: usize) -> usize {
    let rest = hay.get(from..).unwrap_or_default();
    for i in memchr::memchr_iter(b'\\', rest) {
        let at = from + i;
        if hay[at..].starts_with(ESCAPE)
            && let Some(hex) = hay.get(at + 4..at + 6)
            && matches!(
                hex.to_ascii_lowercase().as_slice(),
                b"70" | b"6f" | b"64" | b"73"
            )
        {
            return at;
        }
    }
    NONE
}

/// Could this hit line (one that mentions `pods`) be a request that counts? The literal test,
/// valid for any JSON.
fn is_candidate(line: &[u8]) -> bool {
    VERBS.iter().any(|verb| verb.find(line).is_some()) || ANY_ESCAPE.find(line).is_some()
}

#[cfg(test)]
mod tests;
