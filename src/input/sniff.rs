//! Recognising an input by its first bytes, never by its name.
//!
//! Two cheap looks at the start of an input decide how it is read:
//! * [`Compression::detect`]: the magic number of a gzip (`1f 8b`), zstd (`28 b5 2f fd`), xz
//!   (`fd 37 7a 58 5a 00`) or bzip2 (`42 5a 68`, `BZh`, then the block size digit) stream,
//!   looked at before anything is decoded;
//! * [`is_legacy`]: whether the first non-blank line of the (decoded) text is the API server's
//!   `legacy` audit format, which is refused because it never holds request bodies. Only the
//!   head of that line is looked at ([`first_line_head`]).
//!
//! Both look at a few bytes only, so they cost nothing on inputs of any size. [`first_line`] is
//! the one definition of an input's first line, which the scan's layout detection (one JSON
//! document over many lines, or JSON lines) also reads.

use serde::{Deserialize, Serialize};

/// The UTF-8 byte order mark, skipped at the start of an input.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How many bytes [`Compression::detect`] needs to decide.
pub const MAGIC_LEN: usize = 6;

/// A compressed container that is decoded while it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// gzip (RFC 1952), one member or several concatenated (`audit-*.log.gz`).
    Gzip,
    /// Zstandard, one frame or several.
    Zstd,
    /// xz (the `.xz` container of LZMA2), one stream or several concatenated.
    Xz,
    /// bzip2, one stream or several concatenated.
    Bzip2,
}

impl Compression {
    /// Every compression, in the order the summary lists them.
    pub const ALL: [Compression; 4] = [
        Compression::Gzip,
        Compression::Zstd,
        Compression::Xz,
        Compression::Bzip2,
    ];

    /// The compression whose magic number `head` starts with, if any.
    pub fn detect(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Some(Compression::Xz)
        } else if head.starts_with(b"BZh") && matches!(head.get(3), Some(b'1'..=b'9')) {
            // `BZh` and the block size, `1` to `9` (hundreds of kB).
            Some(Compression::Bzip2)
        } else {
            None
        }
    }

    /// Its name in messages and the summary.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Xz => "xz",
            Compression::Bzip2 => "bzip2",
        }
    }

    /// The command that checks an archive of this kind, for error messages.
    pub fn test_command(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip -t",
            Compression::Zstd => "zstd -t",
            Compression::Xz => "xz -t",
            Compression::Bzip2 => "bzip2 -t",
        }
    }
}

/// How much of the first line [`first_line_head`] returns: enough for any RFC 3339 timestamp and
/// the `AUDIT:` mark after it.
const HEAD_LEN: usize = 128;

/// The first line of `text` that holds something other than whitespace: the offset of its first
/// such byte, and the line from there to its `\n` (excluded) or the end of `text`, looking at
/// most `limit` bytes past that offset. A BOM is content here: callers strip it first.
pub fn first_line(text: &[u8], limit: usize) -> Option<(usize, &[u8])> {
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &text[start..text.len().min(start.saturating_add(limit))];
    Some((
        start,
        memchr::memchr(b'\n', head).map_or(head, |end| &head[..end]),
    ))
}

/// The start (at most 128 bytes) of the first line of `text` (after a BOM) that holds
/// something other than whitespace, without leading whitespace or its line end. Cheap whatever
/// the input: it never looks further than the blank lines and the head.
pub fn first_line_head(text: &[u8]) -> Option<&[u8]> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    first_line(text, HEAD_LEN).map(|(_, head)| head)
}

/// Does `text`, the start of an input, begin with a line in the `legacy` format ([`is_legacy`])?
pub fn starts_legacy(text: &[u8]) -> bool {
    first_line_head(text).is_some_and(is_legacy)
}

/// Is `head` (the start of a line) written in the API server's `legacy` audit format
/// (`2026-03-01T10:00:00.123456789Z AUDIT: id="…" stage="…" …`)? A timestamp without spaces,
/// then ` AUDIT: id="`: JSON never starts that way.
pub fn is_legacy(head: &[u8]) -> bool {
    const MARK: &[u8] = b" AUDIT: id=\"";
    let Some(at) = memchr::memmem::find(head, MARK) else {
        return false;
    };
    let stamp = &head[..at];
    // RFC 3339 timestamps start with a digit (the year) and contain no spaces.
    stamp.first().is_some_and(u8::is_ascii_digit) && !stamp.iter().any(u8::is_ascii_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers() {
        let cases: &[(&[u8], Option<Compression>)] = &[
            (b"\x1f\x8b\x08\x00", Some(Compression::Gzip)),
            (b"\x1f\x8b", Some(Compression::Gzip)),
            (b"\x28\xb5\x2f\xfd\x04", Some(Compression::Zstd)),
            // A skippable zstd frame or a truncated magic is not zstd.
            (b"\x50\x2a\x4d\x18", None),
            (b"\x28\xb5\x2f", None),
            (b"\x1f", None),
            (b"", None),
            (b"{\"kind\":\"Event\"", None),
            (b"\xEF\xBB\xBF\x1f\x8b", None),
            (b"BZh91AY&SY", Some(Compression::Bzip2)),
            (b"BZh1", Some(Compression::Bzip2)),
            // Not a block size: text that happens to start with `BZh`.
            (b"BZh0", None),
            (b"BZhello", None),
            (b"BZh", None),
            (b"\xfd7zXZ\x00\x00\x04", Some(Compression::Xz)),
            (b"\xfd7zXZ", None),
            (b"\xfd7zXZ\x01", None),
        ];
        for (head, want) in cases {
            assert_eq!(Compression::detect(head), *want, "{head:x?}");
        }
    }

    #[test]
    fn first_non_blank_line() {
        assert_eq!(first_line_head(b""), None);
        assert_eq!(first_line_head(b"\n \r\n\t\n"), None);
        assert_eq!(
            first_line_head(b"\xEF\xBB\xBF\r\n  {\"a\":1}\r\nx"),
            Some(&b"{\"a\":1}\r"[..])
        );
        assert_eq!(first_line_head(b"abc"), Some(&b"abc"[..]));
        let long = "x".repeat(1000);
        assert_eq!(
            first_line_head(long.as_bytes()).map(<[u8]>::len),
            Some(HEAD_LEN)
        );
    }

    #[test]
    fn legacy_lines() {
        let legacy = br#"2026-03-01T10:00:00.123456789Z AUDIT: id="5f0e1b6a-1b7c-4c9e-9f3a-0a1b2c3d4e5f" stage="ResponseComplete" ip="10.0.0.5" method="create" user="alice" groups="\"system:authenticated\"" as="<self>" asgroups="<lookup>" user-agent="kubectl/v1.29.2" namespace="default" uri="/api/v1/namespaces/default/pods" response="201""#;
        assert!(is_legacy(legacy));
        assert!(is_legacy(b"2017-05-05T15:57:36.012Z AUDIT: id=\"x\""));
        for not in [
            &br#"{"kind":"Event","message":"2026-03-01T10:00:00Z AUDIT: id=\"x\""}"#[..],
            b"I0301 10:00:00.000000 1 audit.go:1] AUDIT: id=\"x\"",
            b"AUDIT: id=\"x\"",
            b"2026-03-01T10:00:00Z {\"kind\":\"Event\"}",
            b"",
        ] {
            assert!(!is_legacy(not), "{}", String::from_utf8_lossy(not));
        }
    }
}
