//! One allowlist pattern, from its text to globs: normalization, and refusals with hints.
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
//! `docker.io/library/registry.k8s.io` and so silently allow nothing from that registry. Each
//! refusal is a [`Problem`] with a hint; the loader adds where the pattern was written.

use globset::{Glob, GlobBuilder, GlobMatcher};

use crate::image::{self, DOCKER_HUB, ImageRef};

use super::Pattern;
use super::error::Problem;

/// The characters that make a pattern part a glob (and keep REPO from being normalized).
const GLOB_CHARS: [char; 4] = ['*', '?', '[', '{'];

/// A pattern whose REPO glob is not yet part of a [`globset::GlobSet`].
#[derive(Debug)]
pub(super) struct Compiled {
    /// The glob over the normalized repository.
    pub(super) repo: Glob,
    /// Everything else.
    pub(super) pattern: Pattern,
}

/// Builds a glob with the allowlist's explicit semantics: `*` and `?` do not cross `/`, `**`
/// does, and a backslash escapes on every platform.
pub(super) fn build_glob(source: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(source)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
}

/// Checks and compiles one pattern, `REPO[:TAG][@DIGEST]`.
pub(super) fn compile_pattern(text: &str, default_registry: &str) -> Result<Compiled, Problem> {
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
