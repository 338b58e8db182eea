//! Where in the YAML text something is: the 1-based line and column of a node or an error.
//!
//! Positions come from yaml_serde itself, never from searching the text. Three ways lead there:
//!
//! * An error a deserializer or visitor returns is stamped by yaml_serde with the position of the
//!   node being read, and [`AllowError::from_yaml`] turns it into ours (the allowlist's own
//!   schema checks every pattern while it is read, so its errors are placed this way).
//! * libyaml's reader errors (a control character, invalid UTF-8) carry only a byte offset;
//!   [`line_column`] works the line and column out from the text.
//! * A node read earlier into a `Value` (Falco rules files), which keeps no position, is found
//!   again by [`locate`]: it walks the document along the node's path with a visitor that fails
//!   on arrival, so that yaml_serde stamps the failure with that node's position.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_yaml::Value;

use super::AllowError;
use super::error::Problem;

impl AllowError {
    /// Turns a yaml_serde error into ours: the position from yaml_serde, the details from the
    /// [`Problem`] a visitor left, or else yaml_serde's message without its own position suffix.
    /// libyaml's reader errors (a control character, invalid UTF-8) carry only a byte offset
    /// (`… at position 13`); their line and column are worked out from `text`.
    pub(super) fn from_yaml(
        origin: &str,
        text: &str,
        err: &serde_yaml::Error,
        problem: Option<Problem>,
    ) -> AllowError {
        let location = err.location();
        let shown = err.to_string();
        let offset = byte_offset(&shown);
        let (message, pattern, hint) = if let Some(p) = problem {
            (p.message, p.pattern, p.hint)
        } else if let Some((_, at)) = &offset {
            let message = shown[..*at].to_owned();
            let hint = quoting_hint(&message).map(str::to_owned);
            (message, None, hint)
        } else {
            let message = strip_position(&shown, location.as_ref());
            let hint = quoting_hint(&message).map(str::to_owned);
            (message, None, hint)
        };
        AllowError {
            origin: origin.to_owned(),
            location: match offset {
                Some((offset, _)) => Some(line_column(text, offset)),
                None => location.map(|l| (l.line(), l.column())),
            },
            message,
            pattern,
            hint,
        }
    }
}

/// A hint for the YAML errors an unquoted pattern causes: a leading `*` is an alias, `&` an
/// anchor, `[` and `{` start flow collections.
fn quoting_hint(message: &str) -> Option<&'static str> {
    if message.contains("alias") || message.contains("anchor") {
        Some("YAML reads a leading `*` as an alias; quote such patterns: `'*.gcr.io/'`")
    } else if message.contains("expected an image pattern string") {
        Some("quote the pattern if YAML reads it as something else: `'[a-z]*/app'`")
    } else {
        None
    }
}

/// The byte offset of a libyaml reader error (`… at position N`, at the end of the message), and
/// where that suffix starts.
fn byte_offset(message: &str) -> Option<(usize, usize)> {
    const SUFFIX: &str = " at position ";
    let at = message.rfind(SUFFIX)?;
    let offset = message[at + SUFFIX.len()..].parse().ok()?;
    Some((offset, at))
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        1 + before.matches('\n').count(),
        1 + before[line_start..].chars().count(),
    )
}

/// Removes the first ` at line L column C` (or ` at position N` for the very first character)
/// that yaml_serde and libyaml append to their messages, since our format puts it up front.
fn strip_position(message: &str, location: Option<&serde_yaml::Location>) -> String {
    let Some(l) = location else {
        return message.to_owned();
    };
    let position = format!(" at position {}", l.index());
    if message.contains(&position) {
        return message.replacen(&position, "", 1);
    }
    message.replacen(
        &format!(" at line {} column {}", l.line(), l.column()),
        "",
        1,
    )
}

/// A visitor that accepts nothing (every `visit_*` keeps serde's default, an error).
pub(super) struct Reject;

impl Visitor<'_> for Reject {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the end of the file")
    }
}

/// One step on the path from a document's root to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Seg {
    /// The n-th element of a sequence.
    Index(usize),
    /// The value of a mapping key.
    Key(&'static str),
}

/// The 1-based line and column of the node at `path` in document `doc` of `text`.
pub(super) fn locate(text: &str, doc: usize, path: &[Seg]) -> Option<(usize, usize)> {
    let de = serde_yaml::Deserializer::from_str(text).nth(doc)?;
    match Locate(path).deserialize(de) {
        Ok(()) => None,
        Err(e) => e.location().map(|l| (l.line(), l.column())),
    }
}

/// Walks a document along a path and fails on arrival, so that the error carries the position
/// of the node there; succeeds (no position) when the path does not exist.
#[derive(Clone, Copy)]
struct Locate<'p>(&'p [Seg]);

impl<'de> DeserializeSeed<'de> for Locate<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.0.is_empty() {
            d.deserialize_any(Reject)
        } else {
            d.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for Locate<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if let Some((Seg::Index(n), rest)) = self.0.split_first() {
            for _ in 0..*n {
                if seq.next_element::<IgnoredAny>()?.is_none() {
                    return Ok(());
                }
            }
            seq.next_element_seed(Locate(rest))?;
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let wanted = match self.0.split_first() {
            Some((Seg::Key(key), rest)) => Some((*key, rest)),
            _ => None,
        };
        while let Some(key) = map.next_key::<Value>()? {
            match wanted {
                Some((name, rest)) if key.as_str() == Some(name) => {
                    map.next_value_seed(Locate(rest))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}
