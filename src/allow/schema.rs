//! The allowlist's own file forms, the full form (`images:`, `namespaces:`) and the bare list,
//! read into checked, compiled patterns.
//!
//! The file is read through [`DeserializeSeed`]s whose visitors validate and compile each
//! pattern and namespace key *while it is being deserialized*. An error a visitor returns is
//! stamped by yaml_serde with the position of the YAML node being visited (its `fix_mark`), and
//! [`AllowError::from_yaml`] reads that position back. The structured details (message,
//! pattern, hint) travel beside the error in `Ctx`, because yaml_serde keeps only a string.
//! Syntax and shape errors (wrong type, bad indentation) carry libyaml's or serde's own message.

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;

use globset::Glob;
use serde::de::{self, DeserializeSeed, Deserializer as _, MapAccess, SeqAccess, Visitor};

use super::AllowError;
use super::error::Problem;
use super::falco_rules::FALCO_KEYS;
use super::pattern::{Compiled, build_glob, compile_pattern};
use super::position::Reject;

/// What a file holds once read and checked, before the glob sets are built.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    /// The global patterns.
    pub(super) global: Vec<Compiled>,
    /// Each namespace glob with its patterns, in file order.
    pub(super) namespaces: Vec<(Glob, Vec<Compiled>)>,
}

/// Shared by the seeds of one parse: the options patterns need, and the slot where a visitor
/// leaves the details of the error it returns (yaml_serde keeps only the message string).
struct Ctx<'a> {
    /// The registry unqualified names resolve to (`--default-registry`).
    default_registry: &'a str,
    /// The details of the last error a visitor returned.
    problem: Cell<Option<Problem>>,
}

impl Ctx<'_> {
    /// Records `problem` and returns the error that makes yaml_serde attach the current position.
    fn fail<E: de::Error>(&self, problem: Problem) -> E {
        let err = E::custom(&problem.message);
        self.problem.set(Some(problem));
        err
    }
}

/// Reads a file of the full form or a bare list into checked, compiled patterns.
pub(super) fn parse_patterns(
    text: &str,
    origin: &str,
    default_registry: &str,
) -> Result<Parsed, AllowError> {
    let ctx = Ctx {
        default_registry,
        problem: Cell::new(None),
    };
    read_document(text, &ctx)
        .map_err(|err| AllowError::from_yaml(origin, text, &err, ctx.problem.take()))
}

/// Reads the single YAML document of `text`. No document at all is an empty allowlist; a second
/// document is an error placed at its first node.
fn read_document(text: &str, ctx: &Ctx<'_>) -> Result<Parsed, serde_yaml::Error> {
    // Never iterate this to the end: after a syntax error it yields failed documents forever.
    let mut documents = serde_yaml::Deserializer::from_str(text);
    let Some(first) = documents.next() else {
        return Ok(Parsed::default());
    };
    let parsed = FileSeed(ctx).deserialize(first)?;
    let Some(second) = documents.next() else {
        return Ok(parsed);
    };
    // Any node fails to deserialize with `Reject`; the error carries the node's position.
    ctx.problem.set(Some(
        Problem::bare("the file holds more than one YAML document").hint(
            "an allowlist is a single document; merge the lists or remove the `---` separator",
        ),
    ));
    match second.deserialize_any(Reject) {
        Err(err) => Err(err),
        Ok(()) => Err(de::Error::custom(
            "the file holds more than one YAML document",
        )),
    }
}

/// Reads the whole document: a full-form mapping, a bare list, or nothing.
#[derive(Clone, Copy)]
struct FileSeed<'c, 'a>(&'c Ctx<'a>);

impl<'de> DeserializeSeed<'de> for FileSeed<'_, '_> {
    type Value = Parsed;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Parsed, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_, '_> {
    type Value = Parsed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping with `images` (and `namespaces`), or a list of image patterns")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Parsed, E> {
        Ok(Parsed::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Parsed, E> {
        Ok(Parsed::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Parsed, A::Error> {
        Ok(Parsed {
            global: read_patterns(self.0, seq)?,
            namespaces: Vec::new(),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed, A::Error> {
        let mut parsed = Parsed::default();
        let mut seen = Vec::new();
        while let Some(key) = map.next_key_seed(TopKeySeed {
            ctx: self.0,
            seen: &seen,
        })? {
            match key {
                TopKey::Images => parsed.global = map.next_value_seed(ListSeed(self.0))?,
                TopKey::Namespaces => {
                    parsed.namespaces = map.next_value_seed(NamespacesSeed(self.0))?;
                }
            }
            seen.push(key);
        }
        Ok(parsed)
    }
}

/// Reads the items of a list of patterns.
fn read_patterns<'de, A: SeqAccess<'de>>(
    ctx: &Ctx<'_>,
    mut seq: A,
) -> Result<Vec<Compiled>, A::Error> {
    let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
    while let Some(compiled) = seq.next_element_seed(PatternSeed(ctx))? {
        out.push(compiled);
    }
    Ok(out)
}

/// The keys of the full form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TopKey {
    /// `images:`, the global patterns.
    Images,
    /// `namespaces:`, the per-namespace patterns.
    Namespaces,
}

/// Reads one top-level key, refusing unknown and repeated ones.
struct TopKeySeed<'s, 'c, 'a> {
    /// The parse context.
    ctx: &'c Ctx<'a>,
    /// The keys read so far.
    seen: &'s [TopKey],
}

impl<'de> DeserializeSeed<'de> for TopKeySeed<'_, '_, '_> {
    type Value = TopKey;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<TopKey, D::Error> {
        d.deserialize_any(self)
    }
}

impl Visitor<'_> for TopKeySeed<'_, '_, '_> {
    type Value = TopKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`images` or `namespaces`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<TopKey, E> {
        let key = match v {
            "images" => TopKey::Images,
            "namespaces" => TopKey::Namespaces,
            _ => {
                return Err(self.ctx.fail(
                    Problem::new("unknown key", v)
                        .hint("the valid keys are `images` and `namespaces`"),
                ));
            }
        };
        if self.seen.contains(&key) {
            return Err(self.ctx.fail(Problem::new("duplicate key", v)));
        }
        Ok(key)
    }
}

/// Reads a list of patterns; no value (`images:` alone) is an empty list.
#[derive(Clone, Copy)]
struct ListSeed<'c, 'a>(&'c Ctx<'a>);

impl<'de> DeserializeSeed<'de> for ListSeed<'_, '_> {
    type Value = Vec<Compiled>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<Compiled>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_, '_> {
    type Value = Vec<Compiled>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of image patterns")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<Compiled>, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<Compiled>, E> {
        Ok(Vec::new())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<Compiled>, A::Error> {
        read_patterns(self.0, seq)
    }
}

/// Reads one pattern and compiles it, so that its errors get its position.
#[derive(Clone, Copy)]
struct PatternSeed<'c, 'a>(&'c Ctx<'a>);

impl<'de> DeserializeSeed<'de> for PatternSeed<'_, '_> {
    type Value = Compiled;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Compiled, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PatternSeed<'_, '_> {
    type Value = Compiled;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an image pattern string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Compiled, E> {
        compile_pattern(v, self.0.default_registry).map_err(|p| self.0.fail(p))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Compiled, E> {
        Err(self.0.fail(
            Problem::bare("empty list item, expected an image pattern")
                .hint("write a pattern after the `-`, or remove the item"),
        ))
    }

    fn visit_none<E: de::Error>(self) -> Result<Compiled, E> {
        self.visit_unit()
    }

    /// A mapping item is either a Falco rules file or `- nginx: latest` (a space after `:`).
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Compiled, A::Error> {
        let key: String = map.next_key()?.unwrap_or_default();
        let problem = if FALCO_KEYS.contains(&key.as_str()) {
            Problem::new(
                "a Falco rules item inside an allowlist of patterns",
                &format!("- {key}: …"),
            )
            .hint("a Falco rules file is a top-level list of `- list:` and `- macro:` items; or list the allowed image patterns")
        } else {
            Problem::new(
                "expected an image pattern, found a mapping",
                &format!("{key}: …"),
            )
            .hint(
                "YAML read the item as a mapping; quote the pattern, and write no space after `:`",
            )
        };
        Err(self.0.fail(problem))
    }
}

/// Reads `namespaces:`, a mapping from namespace glob to a list of patterns.
#[derive(Clone, Copy)]
struct NamespacesSeed<'c, 'a>(&'c Ctx<'a>);

impl<'de> DeserializeSeed<'de> for NamespacesSeed<'_, '_> {
    type Value = Vec<(Glob, Vec<Compiled>)>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NamespacesSeed<'_, '_> {
    type Value = Vec<(Glob, Vec<Compiled>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping from namespace globs to lists of image patterns")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        while let Some(glob) = map.next_key_seed(NamespaceKeySeed {
            ctx: self.0,
            seen: &seen,
        })? {
            let patterns = map.next_value_seed(ListSeed(self.0))?;
            seen.insert(glob.glob().to_owned());
            out.push((glob, patterns));
        }
        Ok(out)
    }
}

/// Reads one namespace key and compiles it as a glob.
struct NamespaceKeySeed<'s, 'c, 'a> {
    /// The parse context.
    ctx: &'c Ctx<'a>,
    /// The keys read so far, as written.
    seen: &'s HashSet<String>,
}

impl<'de> DeserializeSeed<'de> for NamespaceKeySeed<'_, '_, '_> {
    type Value = Glob;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Glob, D::Error> {
        d.deserialize_any(self)
    }
}

impl Visitor<'_> for NamespaceKeySeed<'_, '_, '_> {
    type Value = Glob;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a namespace glob (a string)")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Glob, E> {
        if v.is_empty() {
            return Err(self.ctx.fail(Problem::new("empty namespace key", v)));
        }
        if self.seen.contains(v) {
            return Err(self.ctx.fail(
                Problem::new("duplicate namespace key", v)
                    .hint("merge the two lists under one key"),
            ));
        }
        build_glob(v).map_err(|e| {
            self.ctx.fail(Problem::new(
                format!("invalid namespace glob ({})", e.kind()),
                v,
            ))
        })
    }
}

#[cfg(test)]
mod tests;
