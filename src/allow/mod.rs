//! The allowlist: which images may run, everywhere or only in some namespaces. The file and
//! pattern rules for users are in docs/allowlist.md.
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
//! * A **Falco rules file**: a list of `rule`/`macro`/`list` items, whose
//!   `macro: allowed_k8s_containers` condition `ka.req.pod.containers.image.repository in (…)`
//!   names the allowed repositories, lists expanded. In the default mode each repository is then
//!   a pattern like any other; in Falco parity mode (`--falco`) they are only literal strings, as
//!   Falco compares them, and are not checked as patterns.
//!
//! Several files can be given ([`Allowlist::load_all`]): their patterns add up, and Falco rules
//! files among them are read together, in order, the way Falco loads several rules files (a later
//! file can append to or replace a list or the macro of an earlier one).
//!
//! # Verdict
//!
//! An image is allowed when it matches a pattern under `images`, or under a `namespaces` key (a
//! glob over the pod's namespace) that matches the pod's namespace; with the namespace unknown,
//! only `images` apply. [`Allowlist::allows`] names the first such pattern, global ones first,
//! each list in file order. All globs are compiled once, when the allowlist is loaded.
//! `--falco` does not use this verdict: it compares repositories with [`FalcoLiterals`].
//!
//! # Where things are, by reason to change
//!
//! * This file: the compiled model ([`Allowlist`]) and the verdict.
//! * `pattern.rs`: one pattern's text to globs: normalization, and refusals with hints.
//! * Loading, file to model, with positions: `load.rs` (the entry points, several files),
//!   `file.rs` (the bytes on disk), `schema.rs` (the full form and the bare list),
//!   `falco_rules.rs` and `condition.rs` (Falco rules files), `position.rs` (the line and column
//!   of a YAML node or error).
//! * `error.rs`: [`AllowError`], the one error type, and the details it is built from.
//! * `literals.rs`: [`FalcoLiterals`], what Falco parity mode compares with.

use globset::{GlobMatcher, GlobSet, GlobSetBuilder};

use crate::image::ImageRef;

mod condition;
mod error;
mod falco_rules;
mod file;
mod literals;
mod load;
mod pattern;
mod position;
mod schema;

pub use error::AllowError;
pub use literals::FalcoLiterals;

use pattern::Compiled;

/// A compiled allowlist: global patterns, and patterns scoped to namespace globs.
#[derive(Debug, Clone)]
pub struct Allowlist {
    /// The patterns under `images:` (or of a bare list), allowed in every namespace.
    global: PatternSet,
    /// The `namespaces:` keys, one glob per entry of `namespaces`, in file order.
    namespace_globs: GlobSet,
    /// The patterns of each `namespaces:` key, in the order of `namespace_globs`.
    namespaces: Vec<PatternSet>,
    /// What Falco parity mode compares repositories with.
    falco: FalcoLiterals,
    /// How many of `falco` are not also compiled patterns (rules files read for `--falco`).
    uncompiled: usize,
    /// What the files do that is probably not meant, for people (not errors).
    warnings: Vec<String>,
}

/// One list of patterns (`images:`, or one `namespaces:` key's), with their REPO globs compiled
/// into a single set.
#[derive(Debug, Clone)]
struct PatternSet {
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

impl Allowlist {
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
            .find_map(|set| set.find(image))
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

    /// What the files do that is probably not meant: an allowlist that allows no image, an
    /// item of a Falco rules file that names no image once normalized.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The literal repositories Falco parity mode compares with.
    pub fn literals(&self) -> &FalcoLiterals {
        &self.falco
    }
}

impl PatternSet {
    /// Compiles the REPO globs of `compiled` into one set.
    fn build(compiled: Vec<Compiled>) -> Result<PatternSet, globset::Error> {
        let mut repos = GlobSetBuilder::new();
        let mut patterns = Vec::with_capacity(compiled.len());
        for Compiled { repo, pattern } in compiled {
            repos.add(repo);
            patterns.push(pattern);
        }
        Ok(PatternSet {
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

#[cfg(test)]
mod tests;
