//! Reading what can be read from a line that is not one valid JSON value (docs/hostile-input.md).
//!
//! Audit logs are evidence, and evidence arrives damaged: a writer killed mid-line and restarted
//! appends the next event to the cut one; a crash leaves a hole of NUL bytes where unflushed data
//! should be; a hand edit or a log shipper leaves a raw control character in a string; a client's
//! patch body, which the API server logs verbatim, holds a lone UTF-16 surrogate escape or
//! nesting deeper than serde_json accepts. None of these may cost a finding. The fast path in
//! [`super::for_each_event`] only takes valid JSON; what it refuses comes here, in two steps:
//!
//! 1. **[`repair`]: read the text as Go does.** The API server and the container runtime decode
//!    with Go's `encoding/json`, which reads what serde_json refuses: invalid UTF-8 becomes U+FFFD,
//!    a lone surrogate escape (`\ud800`) becomes `\ufffd`, and nesting is allowed to 10 000 levels
//!    (serde_json stops at 128; no field this tool reads is deeper than [`MAX_DEPTH`], so deeper
//!    values are read as `null`). Raw control characters inside strings, which Go refuses too,
//!    are escaped, and the line is reported as repaired. The caller then parses one value into a
//!    `serde_json::Value`, which keeps the last of duplicate keys, as Go does.
//! 2. **[`parts`]: split the line into values and damage.** A line that is still not one value may
//!    hold several (two events joined by a lone `\r` or by nothing) and stretches of damage (a cut
//!    event, a run of NUL bytes). A JSON value is taken whole; anything else is damage up to the
//!    next place an event can start: after a NUL byte, or at `{"kind":"Event"`, which in valid
//!    JSON appears only where an event starts (inside a string its quotes would be escaped). The
//!    caller reads each value like a line of its own and reports each stretch of damage with its
//!    byte range.
//!
//! Both steps are linear in the line, except that a failed value is searched again from the next
//! restart point inside it; the total of those searches is bounded ([`parts`]), so a crafted line
//! cannot make the scan quadratic.

use std::ops::Range;

use serde::de::IgnoredAny;

/// Values nested deeper than this are read as `null` by [`repair`]. The deepest field this tool
/// reads (an image in an AKS record's event, inside a batch) is about a dozen levels down; the
/// limit stays well below serde_json's 128.
pub const MAX_DEPTH: usize = 100;

// Where an event written by the API server starts: a restart point after damage.
use super::EVENT_START;

/// A line's text as Go's decoder would read it.
#[derive(Debug)]
pub struct Repaired {
    /// Valid UTF-8, with the rewrites of [`repair`].
    pub text: String,
    /// Raw control characters inside strings that were escaped (not valid JSON, even for Go).
    pub controls: usize,
}

/// Rewrites `bytes` so that serde_json reads it as Go's `encoding/json` would (see the module
/// docs). Never fails; what is not JSON stays not JSON.
pub fn repair(bytes: &[u8]) -> Repaired {
    let text = String::from_utf8_lossy(bytes);
    let src = text.as_bytes();
    let mut out = Vec::with_capacity(src.len() + 16);
    let mut controls = 0;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut i = 0;
    while let Some(&b) = src.get(i) {
        if in_string {
            match b {
                b'"' => in_string = false,
                b'\\' => {
                    i += escape(src, i, &mut out);
                    continue;
                }
                0..=0x1f => {
                    out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
                    controls += 1;
                    i += 1;
                    continue;
                }
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'{' | b'[' if depth >= MAX_DEPTH => {
                    out.extend_from_slice(b"null");
                    i = skip_value(src, i);
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        out.push(b);
        i += 1;
    }
    // Only whole UTF-8 sequences were copied and only ASCII inserted, so this cannot fail; the
    // fallback keeps that a matter of proof, not of a panic.
    let text = String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Repaired { text, controls }
}

/// Copies the escape at `src[at]` (a backslash inside a string) to `out`, a lone surrogate
/// replaced by `\ufffd`, and returns how many bytes it took.
fn escape(src: &[u8], at: usize, out: &mut Vec<u8>) -> usize {
    let Some(code) = hex_escape(src, at) else {
        // `\n`, `\"`, … (or something invalid, which the parser will report): copy two bytes.
        let end = (at + 2).min(src.len());
        out.extend_from_slice(&src[at..end]);
        return end - at;
    };
    match code {
        0xD800..=0xDBFF if hex_escape(src, at + 6).is_some_and(is_low_surrogate) => {
            out.extend_from_slice(&src[at..at + 12]);
            12
        }
        0xD800..=0xDFFF => {
            out.extend_from_slice(br"\ufffd");
            6
        }
        _ => {
            out.extend_from_slice(&src[at..at + 6]);
            6
        }
    }
}

/// Is `code` the second half of a surrogate pair?
fn is_low_surrogate(code: u16) -> bool {
    (0xDC00..=0xDFFF).contains(&code)
}

/// The code unit of a `\uXXXX` escape at `src[at]`, if there is one.
fn hex_escape(src: &[u8], at: usize) -> Option<u16> {
    let esc = src.get(at..at + 6)?;
    if esc[0] != b'\\' || esc[1] != b'u' {
        return None;
    }
    let hex = std::str::from_utf8(&esc[2..]).ok()?;
    u16::from_str_radix(hex, 16).ok()
}

/// The end of the array or object opening at `src[at]` (or of the input, if it never closes).
fn skip_value(src: &[u8], at: usize) -> usize {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut i = at;
    while let Some(&b) = src.get(i) {
        i += 1;
        match (in_string, b) {
            (true, b'\\') => i += 1,
            (_, b'"') => in_string = !in_string,
            (false, b'{' | b'[') => depth += 1,
            (false, b'}' | b']') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    src.len()
}

/// One stretch of a line, as [`parts`] splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A complete JSON array or object (not necessarily valid for serde_json: it may hold invalid
    /// UTF-8 or a lone surrogate; it is well-formed).
    Value(Range<usize>),
    /// Bytes that are no JSON value, and why.
    Damage {
        /// Where, in the line.
        range: Range<usize>,
        /// What the parser said.
        why: String,
    },
}

/// A line split into values and damage.
#[derive(Debug, Default)]
pub struct Parts {
    /// In line order; whitespace and NUL bytes between them are left out.
    pub parts: Vec<Part>,
    /// NUL bytes left out between the parts.
    pub nuls: usize,
}

/// Splits `bytes` into the JSON values and the damage it holds (see the module docs).
///
/// A failed value is searched from every restart point inside it, so the parser may look at a
/// byte more than once; once it has looked at eight times the line's length (plus 64 KiB), the
/// rest of the line is reported as damage without further search.
pub fn parts(bytes: &[u8]) -> Parts {
    let mut out = Parts::default();
    let mut budget = bytes.len().saturating_mul(8).saturating_add(64 << 10);
    let mut pos = 0;
    loop {
        while let Some(&b) = bytes.get(pos) {
            if b == 0 {
                out.nuls += 1;
            } else if !b.is_ascii_whitespace() {
                break;
            }
            pos += 1;
        }
        let Some(&first) = bytes.get(pos) else {
            return out;
        };
        let why = if matches!(first, b'{' | b'[') {
            let rest = &bytes[pos..];
            let mut values = serde_json::Deserializer::from_slice(rest).into_iter::<IgnoredAny>();
            match values.next() {
                Some(Ok(IgnoredAny)) => {
                    let end = pos + values.byte_offset();
                    out.parts.push(Part::Value(pos..end));
                    pos = end;
                    continue;
                }
                Some(Err(e)) => {
                    let looked = if e.line() == 1 {
                        e.column()
                    } else {
                        rest.len()
                    };
                    budget = budget.saturating_sub(looked.max(1));
                    without_position(&e)
                }
                None => return out,
            }
        } else {
            "not JSON".to_owned()
        };
        let next = if budget == 0 {
            bytes.len()
        } else {
            restart(bytes, pos + 1)
        };
        out.parts.push(Part::Damage {
            range: pos..next,
            why,
        });
        pos = next;
    }
}

/// The next place at or after `from` where an event can start again: a NUL byte, or
/// `{"kind":"Event"`; the end of `bytes` if there is none.
fn restart(bytes: &[u8], from: usize) -> usize {
    let Some(rest) = bytes.get(from..) else {
        return bytes.len();
    };
    let nul = memchr::memchr(0, rest);
    let event = memchr::memmem::find(rest, EVENT_START);
    let next = match (nul, event) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => rest.len(),
    };
    from + next
}

/// serde_json's message without its ` at line L column C` suffix.
pub fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(s: &[u8]) -> (String, usize) {
        let r = repair(s);
        (r.text, r.controls)
    }

    #[test]
    fn repair_reads_like_go() {
        let cases: &[(&[u8], &str, usize)] = &[
            (br#"{"a":"ok"}"#, r#"{"a":"ok"}"#, 0),
            // Invalid UTF-8 and lone surrogates become U+FFFD; pairs stay.
            (b"{\"a\":\"n\xffx\"}", "{\"a\":\"n\u{fffd}x\"}", 0),
            (br#"{"a":"\ud800x"}"#, r#"{"a":"\ufffdx"}"#, 0),
            (br#"{"a":"\udc00"}"#, r#"{"a":"\ufffd"}"#, 0),
            (br#"{"a":"\ud800\u0041"}"#, r#"{"a":"\ufffd\u0041"}"#, 0),
            (br#"{"a":"\ud83d\ude00"}"#, r#"{"a":"\ud83d\ude00"}"#, 0),
            (br#"{"a":"\\ud800"}"#, r#"{"a":"\\ud800"}"#, 0),
            // Raw control characters in strings are escaped and counted; outside, left alone.
            (
                b"{\"a\":\"x\ty\ru\0\"}",
                r#"{"a":"x\u0009y\u000du\u0000"}"#,
                3,
            ),
            (b"{\"a\":\r1}", "{\"a\":\r1}", 0),
            // Escapes and quotes do not confuse the string tracking.
            (br#"{"a":"\"{["}"#, r#"{"a":"\"{["}"#, 0),
        ];
        for (input, want, controls) in cases {
            assert_eq!(
                repaired(input),
                ((*want).to_owned(), *controls),
                "{}",
                String::from_utf8_lossy(input)
            );
            assert!(
                serde_json::from_str::<serde_json::Value>(want).is_ok(),
                "{want} parses"
            );
        }
    }

    #[test]
    fn repair_cuts_nesting_deeper_than_the_limit() {
        let deep = format!(
            r#"{{"keep":{{"x":1}},"deep":{}"[{{\"]"{},"after":2}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let text = repair(deep.as_bytes()).text;
        let value: serde_json::Value = serde_json::from_str(&text).expect("parses after repair");
        assert_eq!(value["keep"]["x"], 1);
        assert_eq!(value["after"], 2);
        let mut at = &value["deep"];
        let mut levels = 0;
        while let Some(inner) = at.get(0) {
            at = inner;
            levels += 1;
        }
        assert_eq!(levels, MAX_DEPTH - 1, "arrays below the limit are kept");
        assert!(at.is_null());
        // Never closed: cut to the end.
        let open = format!("[{}", "{\"a\":[".repeat(200));
        assert!(repair(open.as_bytes()).text.ends_with("null"));
    }

    fn split(s: &[u8]) -> Vec<String> {
        parts(s)
            .parts
            .into_iter()
            .map(|p| match p {
                Part::Value(r) => format!("value {}", String::from_utf8_lossy(&s[r])),
                Part::Damage { range, why } => format!("damage {range:?}: {why}"),
            })
            .collect()
    }

    #[test]
    fn parts_split_values_and_damage() {
        assert_eq!(
            split(b"{\"a\":1}\r{\"b\":2}"),
            ["value {\"a\":1}", "value {\"b\":2}"]
        );
        assert_eq!(split(b"[1] {}{}"), ["value [1]", "value {}", "value {}"]);
        // A writer cut mid-line, then the next event appended.
        let cut = br#"{"kind":"Event","verb":"cre{"kind":"Event","verb":"get"}"#;
        assert_eq!(
            split(cut),
            [
                "damage 0..27: expected `,` or `}`",
                r#"value {"kind":"Event","verb":"get"}"#
            ]
        );
        // A hole of NUL bytes.
        let hole = b"{\"kind\":\"Eve\0\0\0\0{\"kind\":\"Event\"}\0\0";
        let p = parts(hole);
        assert_eq!(p.nuls, 6);
        assert_eq!(
            split(hole),
            [
                "damage 0..12: control character (\\u0000-\\u001F) found while parsing a string",
                r#"value {"kind":"Event"}"#
            ]
        );
        assert_eq!(split(b"garbage"), ["damage 0..7: not JSON"]);
        assert_eq!(split(b" \0 "), Vec::<String>::new());
    }

    #[test]
    fn parts_search_is_bounded() {
        // Every restart point opens a value that fails only at the very end of the line.
        let line = format!("{}x", r#"{"kind":"Event","a":"#.repeat(20_000));
        let started = std::time::Instant::now();
        let p = parts(line.as_bytes());
        assert!(started.elapsed().as_secs() < 5, "bounded work");
        assert!(
            matches!(p.parts.last(), Some(Part::Damage { range, .. }) if range.end == line.len())
        );
    }
}
