//! The one error type of the allowlist, and the details a check leaves before its position is
//! known.
//!
//! Every error names the file, the 1-based line and column, and the offending pattern or key:
//!
//! ```text
//! allow.yaml:3:5: a glob repository without `/` can match no image (repositories are
//! `registry/path`): `nginx*` (did you mean `docker.io/library/nginx*`?)
//! ```
//!
//! The pattern comes from the file, which may hold anything: it is shown through
//! [`crate::escape::escape`], so an error message cannot drive the terminal.

use std::fmt;

use crate::escape::escape;

/// A bad allowlist, shown as ``FILE:LINE:COLUMN: message: `pattern` (hint)``.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct AllowError {
    /// The file name (or other origin) given to [`Allowlist::parse`](super::Allowlist::parse).
    pub(super) origin: String,
    /// 1-based line and column; `None` only for the rare errors yaml_serde cannot place.
    pub(super) location: Option<(usize, usize)>,
    /// What is wrong.
    pub(super) message: String,
    /// The offending pattern or key, as written.
    pub(super) pattern: Option<String>,
    /// What was probably meant, or how to fix it.
    pub(super) hint: Option<String>,
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
pub(super) struct Problem {
    /// What is wrong.
    pub(super) message: String,
    /// The offending pattern or key, as written.
    pub(super) pattern: Option<String>,
    /// What was probably meant, or how to fix it.
    pub(super) hint: Option<String>,
}

impl Problem {
    /// A problem with `pattern`.
    pub(super) fn new(message: impl Into<String>, pattern: &str) -> Problem {
        Problem {
            message: message.into(),
            pattern: Some(pattern.to_owned()),
            hint: None,
        }
    }

    /// A problem with no pattern to show.
    pub(super) fn bare(message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            pattern: None,
            hint: None,
        }
    }

    /// Adds a hint.
    pub(super) fn hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::allow::tests::parse;

    #[test]
    fn error_accessors() {
        let err = parse("images:\n  - ok.io/a\n  - 'ghcr.io/[x'\n").expect_err("invalid");
        assert_eq!(
            (err.line(), err.column(), err.pattern()),
            (Some(3), Some(5), Some("ghcr.io/[x"))
        );
    }
}
