//! The allowlist (SPEC §6): which images may run, everywhere or only in some namespaces.
//!
//! # File forms
//!
//! * **Full form**: a mapping with `images:` (a list of patterns allowed in every namespace) and
//!   optionally `namespaces:` (a mapping from a namespace glob to a list of patterns allowed only
//!   where the pod's namespace matches). Any other top-level key is an error, so that a typo such as
//!   `image:` cannot silently allow nothing.
//! * **Bare list** of patterns, which is the same as `images:` alone.
//! * An empty file, an empty list, `images: []` or an `images:` with no value is an empty
//!   allowlist: every image is disallowed.
//! * A **Falco rules file** (SPEC §6 form 3): a list of `rule`/`macro`/`list` items, whose
//!   `macro: allowed_k8s_containers` condition `ka.req.pod.containers.image.repository in (…)`
//!   names the allowed repositories, lists expanded (`falco_rules.rs`, `condition.rs`). In the
//!   default mode each repository is then a pattern like any other; in Falco parity mode
//!   (`--falco`) they are only literal strings, as Falco compares them, and are not checked as
//!   patterns.
//!
//! Several files can be given ([`Allowlist::load_all`]): their patterns add up, and Falco rules
//! files among them are read together, in order, the way Falco loads several rules files (a later
//! file can append to or replace a list or the macro of an earlier one).
//!
//! [`Allowlist::literal_patterns`] gives what `--falco` compares image repositories with: the
//! global patterns as written (form 1's `images`, form 2's items), then the rules files'
//! repositories. `namespaces:` patterns have no place there: Falco's macro has no namespaces.
//!
//! # Patterns
//!
//! A pattern is `REPO[:TAG][@DIGEST]`, split like an image ([`image::split`]). Unless REPO's first
//! `/`-component holds a glob character (`*?[{`), REPO is normalized like an image (default
//! registry, `library/` on Docker Hub; never a default tag). A REPO ending in `/` means "anything
//! below": it becomes `REPO**`. Then:
//!
//! * REPO is a glob over the image's normalized repository, TAG a glob over its tag, and DIGEST is
//!   compared exactly;
//! * a part the pattern leaves out matches anything; a part the pattern has but the image lacks
//!   does not match (`nginx:1.25*` does not allow `nginx@sha256:…`, which has no tag; `nginx:latest`
//!   allows `nginx`, whose implied tag is `latest`);
//! * globs are globset globs built with `literal_separator(true)`: `*` and `?` stay inside one
//!   `/`-component, `**` crosses them, `{a,b}` and `[…]` work, `.` is literal and a backslash
//!   escapes the next character.
//!
//! A pattern that can match no valid image is refused rather than kept as dead weight: a glob REPO
//! without `/` (`nginx*`, `*`; only `**` alone is fine, it matches everything), a glob-free REPO or
//! TAG that is not a valid reference part, a malformed digest, whitespace. So is a registry written
//! without its `/` (`registry.k8s.io`, `reg.io:5000`), which would name the Docker Hub image
//! `docker.io/library/registry.k8s.io` and so silently allow nothing from that registry.
//!
//! # Verdict
//!
//! An image is allowed when it matches a pattern under `images`, or under a `namespaces` key (a
//! glob over the pod's namespace) that matches the pod's namespace; with the namespace unknown,
//! only `images` apply. [`Allowlist::allows`] names the first such pattern, global ones first,
//! each list in file order. All globs are compiled once, by [`Allowlist::parse`].
//!
//! # Errors and their positions
//!
//! Every error names the file, the 1-based line and column, and the offending pattern or key:
//!
//! ```text
//! allow.yaml:3:5: a glob repository without `/` can match no image (repositories are
//! `registry/path`): `nginx*` (did you mean `docker.io/library/nginx*`?)
//! ```
//!
//! Positions come from yaml_serde itself, not from searching the text: the file is read through
//! [`DeserializeSeed`]s whose visitors validate and compile each pattern and namespace key
//! *while it is being deserialized*. An error a visitor returns is
//! stamped by yaml_serde with the position of the YAML node being visited (its `fix_mark`), and
//! `yaml_serde::Error::location` hands that position back. The structured details (message,
//! pattern, hint) travel beside the error in `Ctx`, because yaml_serde keeps only a string.
//! Syntax and shape errors (wrong type, bad indentation) carry libyaml's or serde's own message.

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use serde::de::{self, DeserializeSeed, Deserializer as _, MapAccess, SeqAccess, Visitor};

use crate::escape::escape;
use crate::image::{self, DOCKER_HUB, ImageRef};

mod condition;
mod falco_rules;
mod file;

use falco_rules::Rules;

/// The characters that make a pattern part a glob (and keep REPO from being normalized).
const GLOB_CHARS: [char; 4] = ['*', '?', '[', '{'];

/// The first keys of the items of a Falco rules file (SPEC §6 form 3).
const FALCO_KEYS: [&str; 5] = [
    "rule",
    "macro",
    "list",
    "required_engine_version",
    "required_plugin_versions",
];

/// A compiled allowlist: global patterns, and patterns scoped to namespace globs.
#[derive(Debug, Clone)]
pub struct Allowlist {
    /// The patterns under `images:` (or of a bare list), allowed in every namespace.
    global: Scope,
    /// The `namespaces:` keys, one glob per entry of `namespaces`, in file order.
    namespace_globs: GlobSet,
    /// The patterns of each `namespaces:` key, in the order of `namespace_globs`.
    namespaces: Vec<Scope>,
    /// What Falco parity mode compares repositories with: the global patterns as written, then
    /// the repositories of Falco rules files, in order.
    literals: Vec<String>,
    /// `literals`, for lookups.
    literal_set: HashSet<String>,
    /// How many of `literals` are not also compiled patterns (rules files read for `--falco`).
    uncompiled: usize,
}

/// One list of patterns, with their REPO globs compiled into a single set.
#[derive(Debug, Clone)]
struct Scope {
    /// The REPO glob of every pattern, indexed like `patterns`.
    repos: GlobSet,
    /// The patterns in file order.
    patterns: Vec<Pattern>,
}

/// The parts of a pattern checked after its REPO glob matched.
#[derive(Debug, Clone)]
struct Pattern {
    /// The pattern exactly as written in the file.
    text: String,
    /// The TAG glob; `None` allows any tag, and no tag at all.
    tag: Option<GlobMatcher>,
    /// The exact digest; `None` allows any digest, and no digest at all.
    digest: Option<String>,
}

/// A pattern whose REPO glob is not yet part of a [`GlobSet`].
#[derive(Debug)]
struct Compiled {
    /// The glob over the normalized repository.
    repo: Glob,
    /// Everything else.
    pattern: Pattern,
}

/// What a file holds once read and checked, before the glob sets are built.
#[derive(Debug, Default)]
struct Parsed {
    /// The global patterns.
    global: Vec<Compiled>,
    /// Each namespace glob with its patterns, in file order.
    namespaces: Vec<(Glob, Vec<Compiled>)>,
}

impl Allowlist {
    /// Reads and compiles `path`; errors name the file, line, column and the offending pattern.
    pub fn load(path: &Path, default_registry: &str) -> anyhow::Result<Allowlist> {
        Self::load_all(&[path.to_path_buf()], default_registry, false)
    }

    /// Reads and compiles several files, in order (see the module docs). With `falco` (Falco
    /// parity mode), the repositories of Falco rules files are kept as literal strings only.
    pub fn load_all(
        paths: &[PathBuf],
        default_registry: &str,
        falco: bool,
    ) -> anyhow::Result<Allowlist> {
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let text = file::read(path)?;
            files.push((path.display().to_string(), text));
        }
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(o, t)| (o.as_str(), t.as_str()))
            .collect();
        Ok(Self::parse_all(&files, default_registry, falco)?)
    }

    /// Same as [`Allowlist::load`] from text; `origin` is the name used in error messages.
    pub fn parse(
        text: &str,
        origin: &str,
        default_registry: &str,
    ) -> Result<Allowlist, AllowError> {
        Self::parse_all(&[(origin, text)], default_registry, false)
    }

    /// Same as [`Allowlist::load_all`] from `(origin, text)` pairs.
    pub fn parse_all(
        files: &[(&str, &str)],
        default_registry: &str,
        falco: bool,
    ) -> Result<Allowlist, AllowError> {
        let mut parsed = Parsed::default();
        let mut literals = Vec::new();
        let mut rules = Rules::default();
        for &(origin, text) in files {
            if falco_rules::is_rules_file(text) {
                rules.read(origin, text)?;
                continue;
            }
            let one = parse_patterns(text, origin, default_registry)?;
            literals.extend(one.global.iter().map(|c| c.pattern.text.clone()));
            parsed.global.extend(one.global);
            parsed.namespaces.extend(one.namespaces);
        }
        let mut uncompiled = 0;
        if !rules.is_empty() {
            for repository in rules.allowed_repositories()? {
                if falco {
                    uncompiled += 1;
                } else {
                    let compiled =
                        compile_pattern(&repository.text, default_registry).map_err(|p| {
                            rules.error(
                                &repository.place,
                                &p.message,
                                p.pattern.as_deref(),
                                p.hint.as_deref(),
                            )
                        })?;
                    parsed.global.push(compiled);
                }
                literals.push(repository.text);
            }
        }
        let origin = files.first().map_or("", |&(origin, _)| origin);
        Self::build(parsed, literals, uncompiled).map_err(|err| AllowError {
            origin: origin.to_owned(),
            location: None,
            message: format!("cannot compile the allowlist: {err}"),
            pattern: None,
            hint: None,
        })
    }

    /// Builds the glob sets of every scope.
    fn build(
        parsed: Parsed,
        literals: Vec<String>,
        uncompiled: usize,
    ) -> Result<Allowlist, globset::Error> {
        let global = Scope::build(parsed.global)?;
        let mut globs = GlobSetBuilder::new();
        let mut namespaces = Vec::with_capacity(parsed.namespaces.len());
        for (glob, patterns) in parsed.namespaces {
            globs.add(glob);
            namespaces.push(Scope::build(patterns)?);
        }
        Ok(Allowlist {
            global,
            namespace_globs: globs.build()?,
            namespaces,
            literal_set: literals.iter().cloned().collect(),
            literals,
            uncompiled,
        })
    }

    /// Is `image` allowed for a pod in `namespace` (`None` = unknown namespace: only the global
    /// `images` apply)? Returns the pattern (as written in the file) that allowed it, global
    /// patterns first, then those of matching namespace keys, each in file order.
    pub fn allows(&self, image: &ImageRef, namespace: Option<&str>) -> Option<&str> {
        if let Some(found) = self.global.find(image) {
            return Some(found);
        }
        let namespace = namespace?;
        self.namespace_globs
            .matches(namespace)
            .into_iter()
            .filter_map(|i| self.namespaces.get(i))
            .find_map(|scope| scope.find(image))
    }

    /// Number of patterns (global plus per-namespace, plus the literal-only repositories of
    /// rules files read for `--falco`), for the summary.
    pub fn len(&self) -> usize {
        self.global.patterns.len()
            + self
                .namespaces
                .iter()
                .map(|s| s.patterns.len())
                .sum::<usize>()
            + self.uncompiled
    }

    /// Whether the allowlist has no pattern at all (everything is disallowed).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The literal repositories of Falco parity mode (SPEC §8), in order: the global patterns
    /// exactly as written, then the repositories of Falco rules files.
    pub fn literal_patterns(&self) -> impl Iterator<Item = &str> {
        self.literals.iter().map(String::as_str)
    }

    /// Is `repository` one of the [`literal_patterns`](Allowlist::literal_patterns), byte for
    /// byte (Falco's `in`)?
    pub fn has_literal(&self, repository: &str) -> bool {
        self.literal_set.contains(repository)
    }
}

impl Scope {
    /// Compiles the REPO globs of `compiled` into one set.
    fn build(compiled: Vec<Compiled>) -> Result<Scope, globset::Error> {
        let mut repos = GlobSetBuilder::new();
        let mut patterns = Vec::with_capacity(compiled.len());
        for Compiled { repo, pattern } in compiled {
            repos.add(repo);
            patterns.push(pattern);
        }
        Ok(Scope {
            repos: repos.build()?,
            patterns,
        })
    }

    /// The first pattern, in file order, that allows `image`.
    fn find(&self, image: &ImageRef) -> Option<&str> {
        // `GlobSet::matches` returns indices in ascending order, i.e. file order.
        self.repos
            .matches(image.repository())
            .into_iter()
            .filter_map(|i| self.patterns.get(i))
            .find(|p| p.accepts(image))
            .map(|p| p.text.as_str())
    }
}

impl Pattern {
    /// Whether the TAG and DIGEST parts allow `image` (whose repository already matched).
    fn accepts(&self, image: &ImageRef) -> bool {
        let tag_ok = match (&self.tag, image.tag()) {
            (None, _) => true,
            (Some(glob), Some(tag)) => glob.is_match(tag),
            (Some(_), None) => false,
        };
        let digest_ok = match (&self.digest, image.digest()) {
            (None, _) => true,
            (Some(want), Some(have)) => want == have,
            (Some(_), None) => false,
        };
        tag_ok && digest_ok
    }
}

/// A bad allowlist, shown as ``FILE:LINE:COLUMN: message: `pattern` (hint)``.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct AllowError {
    /// The file name (or other origin) given to [`Allowlist::parse`].
    origin: String,
    /// 1-based line and column; `None` only for the rare errors yaml_serde cannot place.
    location: Option<(usize, usize)>,
    /// What is wrong.
    message: String,
    /// The offending pattern or key, as written.
    pattern: Option<String>,
    /// What was probably meant, or how to fix it.
    hint: Option<String>,
}

impl AllowError {
    /// The 1-based line of the error, when known.
    pub fn line(&self) -> Option<usize> {
        self.location.map(|(line, _)| line)
    }

    /// The 1-based column of the error, when known.
    pub fn column(&self) -> Option<usize> {
        self.location.map(|(_, column)| column)
    }

    /// The offending pattern or key, as written, when the error is about one.
    pub fn pattern(&self) -> Option<&str> {
        self.pattern.as_deref()
    }

    /// Turns a yaml_serde error into ours: the position from yaml_serde, the details from the
    /// [`Problem`] a visitor left, or else yaml_serde's message without its own position suffix.
    /// libyaml's reader errors (a control character, invalid UTF-8) carry only a byte offset
    /// (`… at position 13`); their line and column are worked out from `text`.
    fn from_yaml(
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
fn line_column(text: &str, offset: usize) -> (usize, usize) {
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

impl fmt::Display for AllowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)?;
        if let Some((line, column)) = self.location {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(pattern) = &self.pattern {
            write!(f, ": `{}`", escape(pattern))?;
        }
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// What is wrong with a pattern or key, before yaml_serde says where it is.
#[derive(Debug)]
struct Problem {
    /// What is wrong.
    message: String,
    /// The offending pattern or key, as written.
    pattern: Option<String>,
    /// What was probably meant, or how to fix it.
    hint: Option<String>,
}

impl Problem {
    /// A problem with `pattern`.
    fn new(message: impl Into<String>, pattern: &str) -> Problem {
        Problem {
            message: message.into(),
            pattern: Some(pattern.to_owned()),
            hint: None,
        }
    }

    /// A problem with no pattern to show.
    fn bare(message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            pattern: None,
            hint: None,
        }
    }

    /// Adds a hint.
    fn hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }
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

/// Reads a file of form 1 or 2 into checked, compiled patterns.
fn parse_patterns(text: &str, origin: &str, default_registry: &str) -> Result<Parsed, AllowError> {
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

/// A visitor that accepts nothing (every `visit_*` keeps serde's default, an error).
struct Reject;

impl Visitor<'_> for Reject {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the end of the file")
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

/// Builds a glob with the allowlist's explicit semantics: `*` and `?` do not cross `/`, `**`
/// does, and a backslash escapes on every platform.
fn build_glob(source: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(source)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
}

/// Checks and compiles one pattern, `REPO[:TAG][@DIGEST]`.
fn compile_pattern(text: &str, default_registry: &str) -> Result<Compiled, Problem> {
    if text.is_empty() {
        return Err(Problem::new("empty pattern", text)
            .hint("write a repository such as `registry.k8s.io/`, or remove the item"));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Problem::new("a pattern cannot contain whitespace", text)
            .hint("image references have none; one pattern per list item"));
    }
    let parts = image::split(text);
    check_registry_slip(parts, text, default_registry)?;
    let repo = repo_glob(parts.name, text, default_registry)?;
    let tag = parts.tag.map(|t| tag_glob(t, text)).transpose()?;
    let digest = parts.digest.map(|d| check_digest(d, text)).transpose()?;
    Ok(Compiled {
        repo,
        pattern: Pattern {
            text: text.to_owned(),
            tag,
            digest,
        },
    })
}

/// Refuses a REPO that names a registry without the `/` after it (`registry.k8s.io`,
/// `reg.io:5000`, `localhost`): normalized like an image it would be the Docker Hub image
/// `docker.io/library/registry.k8s.io`, which is never what is meant.
fn check_registry_slip(parts: image::Parts<'_>, text: &str, registry: &str) -> Result<(), Problem> {
    let name = parts.name;
    if name.contains('/')
        || name.contains(GLOB_CHARS)
        || !(name.contains('.') || name == "localhost")
    {
        return Ok(());
    }
    let meant = match parts.tag {
        Some(port) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{name}:{port}/")
        }
        _ => format!("{name}/"),
    };
    let image = image::normalize_name(name, registry);
    Err(Problem::new(
        "a registry needs a `/` after it; without one this names an image on the default registry",
        text,
    )
    .hint(format!(
        "did you mean `{meant}` (anything under it)? write `{image}` for that image"
    )))
}

/// The glob over normalized repositories for a pattern's REPO part `name`.
fn repo_glob(name: &str, text: &str, default_registry: &str) -> Result<Glob, Problem> {
    if name.is_empty() {
        return Err(Problem::new("the pattern has no repository", text)
            .hint("a pattern is `REPO[:TAG][@DIGEST]`; `**` is every repository"));
    }
    let first = name.split_once('/').map_or(name, |(first, _)| first);
    let mut source = if first.contains(GLOB_CHARS) {
        if !name.contains('/') && name != "**" {
            return Err(unreachable_glob(name, text, default_registry));
        }
        name.to_owned()
    } else {
        check_literal_repo(name, text, default_registry)?;
        image::normalize_name(name, default_registry)
    };
    if source.ends_with('/') {
        source.push_str("**");
    }
    build_glob(&source).map_err(|e| Problem::new(format!("invalid glob ({})", e.kind()), text))
}

/// The error for a glob REPO without `/`, which no `registry/path` repository can match.
fn unreachable_glob(name: &str, text: &str, default_registry: &str) -> Problem {
    let meant = image::normalize_name(name, default_registry);
    let hint = if name.chars().all(|c| c == '*') {
        format!("did you mean `**` (every image) or `{meant}`?")
    } else {
        format!("did you mean `{meant}`?")
    };
    Problem::new(
        "a glob repository without `/` can match no image (repositories are `registry/path`)",
        text,
    )
    .hint(hint)
}

/// Refuses a glob-free REPO that no valid image could have (uppercase path, `a//b`, …). Names
/// with glob characters are not checked: the glob decides.
fn check_literal_repo(name: &str, text: &str, default_registry: &str) -> Result<(), Problem> {
    if name.contains(GLOB_CHARS) {
        return Ok(());
    }
    // A prefix such as `registry.k8s.io/` is valid when something below it can be.
    let probe = if name.ends_with('/') {
        format!("{name}x")
    } else {
        name.to_owned()
    };
    ImageRef::parse(&probe, default_registry)
        .map(drop)
        .map_err(|e| Problem::new(format!("invalid repository ({e})"), text))
}

/// Checks and compiles a pattern's TAG part.
fn tag_glob(tag: &str, text: &str) -> Result<GlobMatcher, Problem> {
    if tag.is_empty() {
        return Err(Problem::new("empty tag", text).hint("drop the `:` to allow every tag"));
    }
    if !tag.contains(GLOB_CHARS) && ImageRef::parse(&format!("a:{tag}"), DOCKER_HUB).is_err() {
        return Err(Problem::new("invalid tag", text).hint(
            "a tag is up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`",
        ));
    }
    build_glob(tag)
        .map(|glob| glob.compile_matcher())
        .map_err(|e| Problem::new(format!("invalid tag glob ({})", e.kind()), text))
}

/// Checks a pattern's DIGEST part, which is compared exactly.
fn check_digest(digest: &str, text: &str) -> Result<String, Problem> {
    if digest.is_empty() {
        return Err(Problem::new("empty digest", text)
            .hint("drop the `@`, or write the whole `sha256:…` digest"));
    }
    match ImageRef::parse(&format!("a@{digest}"), DOCKER_HUB) {
        Ok(_) => Ok(digest.to_owned()),
        Err(e) => Err(Problem::new(format!("invalid digest ({e})"), text).hint(
            "a digest is `algorithm:hex`, e.g. `sha256:` and 64 hex digits, compared exactly",
        )),
    }
}

#[cfg(test)]
mod tests;
