//! What Falco parity mode (`--falco`) compares image repositories with: literal strings.
//!
//! Falco's overridden `allowed_k8s_containers` macro is
//! `ka.req.pod.containers.image.repository in (L)`: an image is allowed when its repository, as
//! Falco cuts it from the image (at the first `:`, then at the first `@`), equals one of L byte
//! for byte. Nothing is normalized and nothing is a glob. L is the allowlist's global patterns
//! exactly as written (`images:` or a bare list), then the allowed repositories of the Falco
//! rules files, in order. `namespaces:` patterns have no place in it: Falco's macro has no
//! namespaces. See docs/falco.md.

use std::collections::HashSet;

/// The literal repositories of Falco parity mode, in the order they were read.
#[derive(Debug, Clone, Default)]
pub struct FalcoLiterals {
    /// Every literal, in order, repeats included.
    list: Vec<String>,
    /// `list`, for lookups.
    set: HashSet<String>,
}

impl FalcoLiterals {
    /// The set of `literals`, kept in their order.
    pub(super) fn new(literals: Vec<String>) -> FalcoLiterals {
        FalcoLiterals {
            set: literals.iter().cloned().collect(),
            list: literals,
        }
    }

    /// Is `repository` one of the literals, byte for byte (Falco's `in`)?
    pub fn contains(&self, repository: &str) -> bool {
        self.set.contains(repository)
    }

    /// The literals in order: the global patterns as written, then the rules files'
    /// repositories.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(String::as_str)
    }
}
