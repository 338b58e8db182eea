//! Container image references, parsed and normalized the way container runtimes resolve them
//! (see docs/allowlist.md, Image references; after Go's `github.com/distribution/reference` v0.6.0
//! and `go-digest` v1.0.0).
//!
//! `nginx` and `docker.io/library/nginx:latest` name the same image; the allowlist and the
//! findings compare images only in this normalized form. The grammar is the one of
//! distribution/reference (`regexp.go`), and normalization is `ParseNormalizedNamed`:
//!
//! * split off `@digest`; the tag is the part after the last `:` that follows the last `/`;
//! * the first `/`-component is a registry if it contains `.` or `:`, is `localhost`, or has an
//!   uppercase letter; otherwise the registry is the default one (`docker.io` unless
//!   `--default-registry` says otherwise), and on `docker.io` a single-component path gets
//!   `library/`; `index.docker.io` is `docker.io`;
//! * no tag and no digest means tag `latest`.
//!
//! [`ImageRef::parse`] follows `ParseNormalizedNamed` step by step, so it accepts the same strings
//! and yields the same name, tag and digest:
//!
//! 1. a bare 64-hex-digit string is an image ID, not a name ([`ParseError::HexIdentifier`]);
//! 2. the registry is split off the whole string (tag and digest included), as above;
//! 3. the path up to the first `:` must be lowercase (Go's `strings.ToLower`, so Unicode counts);
//! 4. `registry/path[:tag][@digest]` must match the grammar, else it is
//!    [`ParseError::Uppercase`] if lowercasing would make it match, [`ParseError::Format`] if not;
//! 5. the path (the name without the registry `anchoredNameRegexp` finds) is at most 255 bytes;
//! 6. the digest passes go-digest's `Validate` with the algorithms every runtime links in:
//!    `sha256`, `sha384`, `sha512`, each with exactly 64, 96 or 128 lowercase hex digits.
//!
//! Where this differs from Go, on purpose: the default registry is configurable (and `library/`
//! is only added on `docker.io`); a name without tag or digest gets tag `latest` (Go's
//! `TagNameOnly`); a tag next to a digest is kept (Go's `ParseDockerRef` would drop it); and the
//! empty string is [`ParseError::Empty`] (Go's `ParseNormalizedNamed` calls it a format error).
//!
//! Parsing never panics; an invalid string is a [`ParseError`], which callers turn into "never
//! allowed".
//!
//! A log names the same few hundred images over and over, and the grammar match (a regex with
//! captures) was a seventh of the CPU time of a pod line, so each thread remembers the results
//! of its last few thousand parses ([`ImageRef::parse`] is a pure function of its two
//! arguments; the memo is an optimisation only).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// How many parse results a thread remembers before it starts over.
const MEMO_MAX: usize = 4096;

/// The results of this thread's recent parses, for one default registry.
#[derive(Default)]
struct Memo {
    /// The default registry the results were parsed with.
    registry: String,
    /// Image string → result.
    parsed: HashMap<Box<str>, Result<ImageRef, ParseError>>,
}

thread_local! {
    /// This thread's [`Memo`].
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

/// The registry unqualified names resolve to unless `--default-registry` says otherwise.
pub const DOCKER_HUB: &str = "docker.io";
/// The old name of Docker Hub's registry, normalized to [`DOCKER_HUB`].
const LEGACY_DOCKER_HUB: &str = "index.docker.io";
/// The one registry name without `.` or `:` that is still a registry.
const LOCALHOST: &str = "localhost";
/// The path prefix Docker Hub gives official single-component images.
const OFFICIAL_PREFIX: &str = "library/";
/// The tag a reference without tag or digest gets (Go's `defaultTag`).
const DEFAULT_TAG: &str = "latest";
/// distribution/reference's `RepositoryNameTotalLengthMax`: the longest path, in bytes. Since
/// v0.6.0 it counts the path only, not the registry in front of it.
const PATH_LENGTH_MAX: usize = 255;

/// `domainAndPort` of `regexp.go`: a DNS-like name, an IPv4 address or a bracketed IPv6 address
/// (no zone), then an optional port. ASCII classes only, as in Go.
fn domain_and_port() -> String {
    let component = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    let domain_name = format!("{component}(?:\\.{component})*");
    let ipv6 = r"\[(?:[a-fA-F0-9:]+)\]";
    format!("(?:{domain_name}|{ipv6})(?::[0-9]+)?")
}

/// The anchored reference grammar, `name [":" tag] ["@" digest]` (`ReferenceRegexp`). Groups:
/// 1 the name, 2 the registry inside it (where `anchoredNameRegexp` would put it), 3 the tag,
/// 4 the digest. Both engines prefer the leftmost-first match, so the groups agree with Go's.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    let path_component = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
    let remote_name = format!("{path_component}(?:/{path_component})*");
    let tag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    let digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
    let domain = domain_and_port();
    let re = format!("^((?:({domain})/)?{remote_name})(?::({tag}))?(?:@({digest}))?$");
    // The pattern is a constant assembled above; it is covered by every test in this module.
    #[expect(
        clippy::unwrap_used,
        reason = "constant pattern, exercised by the unit tests"
    )]
    Regex::new(&re).unwrap()
});

/// Why an image string is not a valid reference. The messages are Go's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The string is empty.
    #[error("repository name must have at least one component")]
    Empty,
    /// The repository path has uppercase letters.
    #[error("repository name must be lowercase")]
    Uppercase,
    /// The repository path (the name without its registry) is longer than 255 bytes.
    #[error("repository name must not be more than 255 characters")]
    TooLong,
    /// A bare 64-hex-digit string is an image ID, not a name.
    #[error("cannot specify 64-byte hexadecimal strings")]
    HexIdentifier,
    /// Anything else the grammar rejects.
    #[error("invalid reference format")]
    Format,
    /// The digest algorithm is well-formed but not `sha256`, `sha384` or `sha512`.
    #[error("unsupported digest algorithm")]
    DigestUnsupported,
    /// The digest has the wrong number of hex digits for its algorithm.
    #[error("invalid checksum digest length")]
    DigestInvalidLength,
    /// The digest has an uppercase algorithm or uppercase hex digits.
    #[error("invalid checksum digest format")]
    DigestInvalidFormat,
}

/// The syntactic parts of a reference or allowlist pattern, before any normalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts<'a> {
    /// Everything before the tag and digest: `[registry/]path`.
    pub name: &'a str,
    /// The text after the `:` that follows the last `/`, if any.
    pub tag: Option<&'a str>,
    /// The text after the first `@`, if any.
    pub digest: Option<&'a str>,
}

/// Splits `REPO[:TAG][@DIGEST]` without validating anything: the digest is what follows the
/// first `@`, the tag what follows the last `:` after the last `/` of the rest.
pub fn split(s: &str) -> Parts<'_> {
    let (rest, digest) = match s.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (s, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_slash..].rfind(':') {
        Some(i) => Parts {
            name: &rest[..last_slash + i],
            tag: Some(&rest[last_slash + i + 1..]),
            digest,
        },
        None => Parts {
            name: rest,
            tag: None,
            digest,
        },
    }
}

/// Adds the default registry (and `library/` on Docker Hub) to a repository name, as
/// `splitDockerDomain` does. Does not validate; `name` has no tag or digest.
pub fn normalize_name(name: &str, default_registry: &str) -> String {
    let (domain, remainder) = split_domain(name, default_registry);
    let prefix = official_prefix(domain, remainder);
    let mut out = String::with_capacity(domain.len() + 1 + prefix.len() + remainder.len());
    out.push_str(domain);
    out.push('/');
    out.push_str(prefix);
    out.push_str(remainder);
    out
}

/// Splits off the registry (`splitDockerDomain`): the first `/`-component is one if it contains
/// `.` or `:`, is `localhost`, or has an uppercase letter; otherwise it is `default_registry`.
fn split_domain<'a>(name: &'a str, default_registry: &'a str) -> (&'a str, &'a str) {
    let (domain, remainder) = match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':']) || first == LOCALHOST || has_uppercase(first) =>
        {
            (first, rest)
        }
        _ => (default_registry, name),
    };
    if domain == LEGACY_DOCKER_HUB {
        (DOCKER_HUB, remainder)
    } else {
        (domain, remainder)
    }
}

/// `library/` for a single-component path on Docker Hub, else nothing.
fn official_prefix(domain: &str, remainder: &str) -> &'static str {
    if domain == DOCKER_HUB && !remainder.contains('/') {
        OFFICIAL_PREFIX
    } else {
        ""
    }
}

/// Is `s` exactly 64 lowercase hex digits (`anchoredIdentifierRegexp`), an image ID?
fn is_identifier(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// One character lowercased as Go's `unicode.ToLower` does (simple case mapping).
fn go_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    // The one character whose full lowercase mapping (Rust's) differs from its simple one (Go's).
    if c == '\u{130}' {
        return 'i';
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Does Go's `strings.ToLower` change `s`?
fn has_uppercase(s: &str) -> bool {
    s.chars().any(|c| go_lower(c) != c)
}

/// Go `Parse`'s error for a string the grammar rejects: [`ParseError::Uppercase`] if the
/// lowercased string would match, [`ParseError::Format`] otherwise.
fn mismatch_error(s: &str) -> ParseError {
    if has_uppercase(s) && REFERENCE.is_match(&s.chars().map(go_lower).collect::<String>()) {
        ParseError::Uppercase
    } else {
        ParseError::Format
    }
}

/// go-digest's `Digest.Validate` on a digest the grammar accepted, with the algorithms that every
/// runtime links in.
fn validate_digest(digest: &str) -> Result<(), ParseError> {
    let (algorithm, hex) = digest.split_once(':').unwrap_or((digest, ""));
    let len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        // go-digest's own grammar wants a lowercase algorithm before it says "unsupported".
        _ if algorithm.bytes().any(|b| b.is_ascii_uppercase()) => {
            return Err(ParseError::DigestInvalidFormat);
        }
        _ => return Err(ParseError::DigestUnsupported),
    };
    if hex.len() != len {
        return Err(ParseError::DigestInvalidLength);
    }
    if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(ParseError::DigestInvalidFormat);
    }
    Ok(())
}

/// A valid, normalized image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// `registry/path`, e.g. `docker.io/library/nginx`.
    repository: String,
    /// The tag; `latest` when the image names neither tag nor digest.
    tag: Option<String>,
    /// `algorithm:hex`, when pinned.
    digest: Option<String>,
}

impl ImageRef {
    /// Parses and normalizes `s` (`ParseNormalizedNamed` plus the implied `latest` tag); the
    /// steps and their errors are listed in the module docs. Remembered per thread (module docs).
    pub fn parse(s: &str, default_registry: &str) -> Result<ImageRef, ParseError> {
        MEMO.with_borrow_mut(|memo| {
            if memo.registry != default_registry {
                default_registry.clone_into(&mut memo.registry);
                memo.parsed.clear();
            }
            if let Some(result) = memo.parsed.get(s) {
                return result.clone();
            }
            let result = ImageRef::parse_uncached(s, default_registry);
            if memo.parsed.len() >= MEMO_MAX {
                memo.parsed.clear();
            }
            memo.parsed.insert(s.into(), result.clone());
            result
        })
    }

    /// [`ImageRef::parse`], without the memo.
    fn parse_uncached(s: &str, default_registry: &str) -> Result<ImageRef, ParseError> {
        if s.is_empty() {
            return Err(ParseError::Empty);
        }
        if is_identifier(s) {
            return Err(ParseError::HexIdentifier);
        }
        let (domain, remainder) = split_domain(s, default_registry);
        let remote = remainder
            .split_once(':')
            .map_or(remainder, |(remote, _)| remote);
        if has_uppercase(remote) {
            return Err(ParseError::Uppercase);
        }
        let prefix = official_prefix(domain, remainder);
        let full = format!("{domain}/{prefix}{remainder}");
        let caps = REFERENCE
            .captures(&full)
            .ok_or_else(|| mismatch_error(&full))?;
        let name = caps.get(1).map_or("", |m| m.as_str());
        let registry = caps.get(2).map_or(0, |m| m.len() + 1);
        if name.len().saturating_sub(registry) > PATH_LENGTH_MAX {
            return Err(ParseError::TooLong);
        }
        let digest = caps.get(4).map(|m| m.as_str());
        if let Some(digest) = digest {
            validate_digest(digest)?;
        }
        let tag = match (caps.get(3), digest) {
            (Some(t), _) => Some(t.as_str()),
            (None, None) => Some(DEFAULT_TAG),
            (None, Some(_)) => None,
        };
        Ok(ImageRef {
            repository: name.to_owned(),
            tag: tag.map(str::to_owned),
            digest: digest.map(str::to_owned),
        })
    }

    /// `registry/path`, e.g. `docker.io/library/nginx`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag (`latest` when neither tag nor digest was given; `None` for a digest alone).
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest, `algorithm:hex`.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }
}

/// The full normalized form: `repository[:tag][@digest]`.
impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
