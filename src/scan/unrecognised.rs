//! Inputs that hold no audit event: a run must never come out clean because it read the wrong
//! thing (docs/inputs.md, "Nothing recognised").
//!
//! After an input is scanned, [`judge`] looks at what it held:
//! * bytes but not one audit event, in an input named on the command line (or standard input):
//!   an error for that input, saying what it looks like (YAML, JSON of another kind, text,
//!   binary, an archive of a kind not read) from its first bytes ([`Head`]);
//! * the same in a file met while walking a directory (the `_expectations/` YAML next to a
//!   directory of logs): the file is **ignored**, listed once in the summary, and its lines are
//!   not counted as skipped;
//! * no bytes at all: fine, for a file (a log just rotated) as for standard input. A pipeline
//!   whose first command failed is caught by the shell (`set -o pipefail`), not by guessing here.
//!
//! [`check_run`] then refuses a run that found no file in a directory it was given, or read no
//! audit event at all from inputs that had bytes. Nothing here prints.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::input::{Input, Origin};
use crate::stats::{Content, ErrorKind, InputStats, RunError, RunErrorKind, Stats};

use super::InputScan;

/// How many first bytes of an input are kept to tell what it looks like.
pub const HEAD_LEN: usize = 512;

/// The first bytes of an input, as they were read (after decompression).
#[derive(Debug, Clone, Default)]
pub struct Head(Arc<Mutex<Vec<u8>>>);

impl Head {
    /// Keeps the first bytes of `bytes`.
    pub fn keep(&self, bytes: &[u8]) {
        let mut head = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let room = HEAD_LEN.saturating_sub(head.len());
        head.extend_from_slice(&bytes[..room.min(bytes.len())]);
    }

    /// A reader that passes `inner` through, keeping its first bytes here.
    pub fn tap(&self, inner: Box<dyn Read + Send>) -> Box<dyn Read + Send> {
        Box::new(Tap {
            inner,
            head: self.clone(),
        })
    }

    /// The bytes kept.
    fn bytes(&self) -> Vec<u8> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A reader that keeps the first bytes it passes on.
struct Tap {
    /// The reader.
    inner: Box<dyn Read + Send>,
    /// Where the first bytes go.
    head: Head,
}

impl Read for Tap {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.head.keep(&buf[..n]);
        Ok(n)
    }
}

/// Is `input` one the command line names (a `PATH` argument, or standard input), rather than a
/// file met while walking a directory or listing a prefix?
pub fn is_named(input: &Input, paths: &[PathBuf]) -> bool {
    input.origin == Origin::Stdin || paths.iter().any(|p| p.as_os_str() == input.name.as_str())
}

/// Judges one scanned input by what it held; returns the error it is, if it is one. The input's
/// entry (the last of `scan.stats.inputs`) says so too.
pub fn judge(named: bool, head: &Head, scan: &mut InputScan) -> Option<String> {
    let stats = &mut scan.stats;
    let events = stats.events;
    let entry = stats.inputs.last_mut()?;
    if entry.error.is_some() || !entry.was_read() {
        return None;
    }
    if entry.bytes == 0 {
        return None;
    }
    if events > 0 || !scan.candidates.is_empty() || !scan.workloads.is_empty() {
        return None;
    }
    let head = head.bytes();
    let (content, looks) = describe(&head);
    entry.content = Some(content);
    // Its lines are not audit events: one entry says so, not one skipped line each.
    stats.skipped = 0;
    stats.skipped_at.clear();
    let entry = stats.inputs.last_mut()?;
    if !named {
        entry.ignored = true;
        return None;
    }
    let message = format!(
        "{}: not an audit log: {looks}, and not one audit event is in its {} ({}); it was not \
         scanned for findings",
        entry.file,
        plural(entry.bytes, "byte"),
        plural(entry.lines, "line"),
    );
    entry.error = Some(message.clone());
    entry.error_kind = Some(ErrorKind::NoAuditEvents);
    Some(message)
}

/// The errors of a whole run that belong to no one input: a directory given on the command
/// line that holds no file (an entry of its own in `stats.inputs`), or inputs with bytes of which
/// not one held an audit event (in `stats.run_errors`, with its kind).
pub fn check_run(paths: &[PathBuf], inputs: &[Input], stats: &mut Stats) -> Vec<String> {
    let mut errors = Vec::new();
    for dir in paths.iter().filter(|p| p.is_dir()) {
        if !inputs.iter().any(|i| Path::new(&i.name).starts_with(dir)) {
            let message = format!(
                "{}: the directory holds no file to scan; nothing was read from it",
                dir.display()
            );
            stats.inputs.push(InputStats {
                error: Some(message.clone()),
                error_kind: Some(ErrorKind::EmptyDirectory),
                ..InputStats::new(&dir.display().to_string())
            });
            errors.push(message);
        }
    }
    let failed = stats.inputs.iter().any(|i| i.error.is_some());
    let ignored: Vec<&InputStats> = stats.inputs.iter().filter(|i| i.ignored).collect();
    if stats.events == 0 && !failed && stats.bytes > 0 && !ignored.is_empty() {
        let message = format!(
            "not one audit event in {} read: {} ignored as holding none ({}); is this the \
             directory of the audit logs?",
            plural(stats.inputs.len() as u64, "input"),
            plural(ignored.len() as u64, "file"),
            Content::tally(ignored.iter().filter_map(|i| i.content)),
        );
        stats
            .run_errors
            .push(RunError::new(RunErrorKind::NoAuditEvents, message.clone()));
        errors.push(message);
    }
    errors
}

/// What bytes that hold no audit event look like, as a kind and as words for people (quoting
/// the first line when it is text).
pub fn describe(head: &[u8]) -> (Content, String) {
    if let Some(nested) = nested_compression(head) {
        return (
            Content::Archive,
            format!(
                "once decompressed it is {nested} again (compressed twice): decompress the outer \
                 layer first and scan the result"
            ),
        );
    }
    if let Some(archive) = archive(head) {
        return (
            Content::Archive,
            format!("it is {archive}, which this tool does not read (unpack it first)"),
        );
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if is_binary(text) {
        return (
            Content::Binary,
            "it is binary data (NUL bytes or bytes that are not text)".to_owned(),
        );
    }
    let first = first_line(text);
    let quoted = quote(first);
    match first.first() {
        Some(b'[') if is_section_header(first) => (
            Content::Text,
            format!("it is TOML or INI text, not JSON and not audit events (it starts {quoted})"),
        ),
        Some(b'{' | b'[') if looks_like_core_events(text) => (
            Content::Json,
            format!(
                "it is JSON: Kubernetes Events, not audit events (what `kubectl get events` or \
                 an event exporter writes; it starts {quoted})"
            ),
        ),
        Some(b'{' | b'[') => (
            Content::Json,
            format!("it is JSON, but not audit events (it starts {quoted})"),
        ),
        _ if looks_like_yaml(text) => (
            Content::Yaml,
            format!("it looks like YAML (it starts {quoted}); an allowlist belongs after --allow"),
        ),
        _ => (Content::Text, format!("it is text that starts {quoted}")),
    }
}

/// Is `line` a TOML or INI section header (`[package]`, `[[bin]]`, `[dependencies.serde]`,
/// `[core]  # comment`) rather than the start of a JSON array? A JSON array's first element
/// is a value: a string, number, object, array or `true`/`false`/`null`, never a bare name.
fn is_section_header(line: &[u8]) -> bool {
    let (open, close): (&[u8], &[u8]) = if line.starts_with(b"[[") {
        (b"[[", b"]]")
    } else {
        (b"[", b"]")
    };
    let rest = &line[open.len()..];
    let Some(end) = memchr::memmem::find(rest, close) else {
        return false;
    };
    let name = rest[..end].trim_ascii();
    let after = rest[end + close.len()..].trim_ascii();
    let name_ok = name
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"_-. ".contains(b));
    let literal = matches!(name, b"true" | b"false" | b"null");
    name_ok && !literal && (after.is_empty() || after.starts_with(b"#") || after.starts_with(b";"))
}

/// Do the first bytes look like Kubernetes core Events (kind `Event` with the fields that API
/// has and audit events do not)?
fn looks_like_core_events(text: &[u8]) -> bool {
    let has = |needle: &[u8]| memchr::memmem::find(text, needle).is_some();
    has(br#""Event""#)
        && (has(br#""involvedObject""#) || has(br#""regarding""#) || has(b"events.k8s.io/"))
}

/// The compression `head` starts with, of those the tool decodes: seen in the bytes an input
/// decoded to, it is a file compressed twice (only the outer layer is decoded).
fn nested_compression(head: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 4] = [
        (b"\x1F\x8B", "gzip"),
        (b"\x28\xB5\x2F\xFD", "zstd"),
        (b"\xFD7zXZ\x00", "xz"),
        (b"BZh", "bzip2"),
    ];
    MAGIC
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|&(_, what)| what)
}

/// The kind of archive `head` starts with, of those not read.
fn archive(head: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 5] = [
        (b"PK\x03\x04", "a zip archive"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
        (b"\x04\x22\x4D\x18", "an lz4 archive"),
        (b"\x89LZO", "an lzop archive"),
        (b"\x1F\x9D", "a compress (.Z) archive"),
    ];
    if let Some((_, what)) = MAGIC.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(what);
    }
    (head.get(257..262) == Some(b"ustar")).then_some("a tar archive")
}

/// Does `text` hold NUL bytes, or mostly bytes that are neither UTF-8 text nor whitespace?
fn is_binary(text: &[u8]) -> bool {
    if text.contains(&0) {
        return true;
    }
    let valid = match std::str::from_utf8(text) {
        Ok(s) => s,
        // The head may cut a character in two.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&text[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return true,
    };
    let controls = valid
        .chars()
        .filter(|c| c.is_control() && !c.is_whitespace())
        .count();
    controls * 10 > valid.chars().count()
}

/// The first line that is not blank, without its line end.
fn first_line(text: &[u8]) -> &[u8] {
    text.split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
}

/// Do the first lines read like YAML: a document marker, a `key:` mapping or a `- ` list, after
/// any comments?
fn looks_like_yaml(text: &[u8]) -> bool {
    let Some(line) = text
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii_end)
        .find(|l| !l.trim_ascii().is_empty() && !l.trim_ascii_start().starts_with(b"#"))
    else {
        // Only comments.
        return text.trim_ascii_start().starts_with(b"#");
    };
    if line.starts_with(b"---") || line.starts_with(b"%YAML") || line.starts_with(b"- ") {
        return true;
    }
    let key_end = line
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b"_-./\"'".contains(&b)));
    matches!(key_end, Some(i) if i > 0 && line[i] == b':'
        && line.get(i + 1).is_none_or(|&b| b == b' ' || b == b'\t'))
        || line.ends_with(b":") && !line.contains(&b' ')
}

/// The first line in backticks, cut to a readable length.
fn quote(line: &[u8]) -> String {
    const MAX: usize = 60;
    let text = String::from_utf8_lossy(line);
    let mut cut: String = text.chars().take(MAX).collect();
    if text.chars().count() > MAX {
        cut.push('…');
    }
    format!("`{cut}`")
}

/// `1 byte`, `2 bytes`.
fn plural(n: u64, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(head: &[u8]) -> Content {
        describe(head).0
    }

    #[test]
    fn content_is_told_from_the_first_bytes() {
        assert_eq!(kind(b"images:\n  - nginx\n"), Content::Yaml);
        assert_eq!(kind(b"# allowlist\n- nginx\n"), Content::Yaml);
        assert_eq!(kind(b"---\nfoo: bar\n"), Content::Yaml);
        assert_eq!(kind(b"# only a comment\n"), Content::Yaml);
        assert_eq!(
            kind(b"{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}\n"),
            Content::Json
        );
        assert_eq!(kind(b"[1, 2]"), Content::Json);
        // A Cargo.toml or an INI file starts with a `[section]` line: text, not JSON; JSON
        // arrays, even those whose first line is a lone literal, stay JSON.
        let toml = b"[package]\nname = \"demo\"\nversion = \"0.1.0\"\n";
        let (content, words) = describe(toml);
        assert_eq!(content, Content::Text);
        assert!(words.contains("TOML or INI"), "{words}");
        assert!(!words.contains("it is JSON"), "{words}");
        for header in [
            &b"[[bin]]\npath = \"x\""[..],
            b"[core] ; git\n",
            b"[dependencies.serde]",
        ] {
            assert_eq!(
                kind(header),
                Content::Text,
                "{}",
                String::from_utf8_lossy(header)
            );
        }
        for array in [
            &b"[\"a\", \"b\"]"[..],
            b"[true]",
            b"[null, 1]",
            b"[{\"kind\":\"Pod\"}]",
            b"[\n  {\"a\": 1}\n]",
            b"[[1, 2], [3]]",
            b"[]",
        ] {
            let (content, words) = describe(array);
            assert_eq!(content, Content::Json, "{}", String::from_utf8_lossy(array));
            assert!(words.starts_with("it is JSON"), "{words}");
        }
        let core = br#"{"kind":"Event","apiVersion":"v1","involvedObject":{"kind":"Pod"}}"#;
        assert!(
            describe(core)
                .1
                .contains("Kubernetes Events, not audit events")
        );
        let pretty = b"{\n  \"apiVersion\": \"events.k8s.io/v1\",\n  \"kind\": \"Event\"\n}";
        assert!(
            describe(pretty)
                .1
                .contains("Kubernetes Events, not audit events")
        );
        let pod = br#"{"apiVersion":"v1","kind":"Pod"}"#;
        assert!(!describe(pod).1.contains("Kubernetes Events"));
        assert_eq!(kind(b"hello world\nsecond line"), Content::Text);
        assert_eq!(kind(b"\x00\x01\x02garbage"), Content::Binary);
        assert_eq!(kind(&[0xff, 0xfe, 0x80, 0x81, 0x41]), Content::Binary);
        assert_eq!(kind(b"\xFD7zXZ\x00\x00"), Content::Archive);
        assert_eq!(kind(b"BZh91AY&SY"), Content::Archive);
        assert_eq!(kind(b"PK\x03\x04rest"), Content::Archive);
        // A decoded input that starts with a compression the tool reads was compressed twice.
        for twice in [&b"\x1F\x8B\x08"[..], b"\x28\xB5\x2F\xFD", b"\xFD7zXZ\x00"] {
            let (kind, words) = describe(twice);
            assert_eq!(kind, Content::Archive);
            assert!(words.contains("compressed twice"), "{words}");
        }
        let (_, words) = describe(b"PK\x03\x04rest");
        assert!(
            words.contains("a zip archive, which this tool does not read"),
            "{words}"
        );
        let (_, words) = describe(b"images:\n  - nginx\n");
        assert!(words.contains("`images:`"), "{words}");
        // A character cut in two at the end of the head is still text.
        assert_eq!(
            kind("some text é".as_bytes().split_last().expect("bytes").1),
            Content::Text
        );
    }

    #[test]
    fn long_first_lines_are_cut() {
        let (_, words) = describe(format!("{}\n", "x".repeat(500)).as_bytes());
        assert!(words.len() < 120, "{words}");
        assert!(words.contains('…'));
    }

    #[test]
    fn head_keeps_only_the_first_bytes() {
        let head = Head::default();
        let mut reader = head.tap(Box::new(io::Cursor::new(vec![b'a'; 2000])));
        let mut all = Vec::new();
        reader.read_to_end(&mut all).expect("read");
        assert_eq!(all.len(), 2000);
        assert_eq!(head.bytes().len(), HEAD_LEN);
    }
}
