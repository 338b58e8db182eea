//! `--generate`: shell completions and the man page, made from the command-line definition the
//! caller passes in (a [`clap::Command`]), so they never drift from `--help`. This module does not
//! know the command line itself.
//!
//! Both generators are dependencies behind the default-on cargo feature `generate`; a build
//! without it answers `--generate` with an error instead.

use std::io::{self, Write};

/// What `--generate` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generated {
    /// Bash completions.
    Bash,
    /// Zsh completions.
    Zsh,
    /// Fish completions.
    Fish,
    /// Elvish completions.
    Elvish,
    /// PowerShell completions.
    PowerShell,
    /// The man page (roff).
    Man,
}

/// Writes completions for a shell, or the man page (roff), for `command`.
#[cfg(feature = "generate")]
pub fn write_generated(
    what: Generated,
    mut command: clap::Command,
    out: &mut impl Write,
) -> io::Result<()> {
    use clap_complete::Shell;

    let shell = match what {
        Generated::Bash => Shell::Bash,
        Generated::Zsh => Shell::Zsh,
        Generated::Fish => Shell::Fish,
        Generated::Elvish => Shell::Elvish,
        Generated::PowerShell => Shell::PowerShell,
        Generated::Man => return clap_mangen::Man::new(command).render(out),
    };
    let name = command.get_name().to_owned();
    clap_complete::generate(shell, &mut command, name, out);
    Ok(())
}

/// Refuses: this build has no generators.
#[cfg(not(feature = "generate"))]
pub fn write_generated(
    what: Generated,
    _command: clap::Command,
    _out: &mut impl Write,
) -> io::Result<()> {
    Err(io::Error::other(format!(
        "--generate {what:?}: this build has no generators (built without the `generate` feature)"
    )))
}

#[cfg(all(test, feature = "generate"))]
mod tests {
    use super::*;

    #[test]
    fn every_target_generates_something_that_names_the_command() {
        let command = clap::Command::new("some-tool").arg(clap::arg!(--"some-option"));
        for what in [
            Generated::Bash,
            Generated::Zsh,
            Generated::Fish,
            Generated::Elvish,
            Generated::PowerShell,
            Generated::Man,
        ] {
            let mut out = Vec::new();
            write_generated(what, command.clone(), &mut out).expect("generates");
            // roff writes a hyphen as `\-`.
            let text = String::from_utf8(out).expect("UTF-8").replace("\\-", "-");
            assert!(text.contains("some-tool"), "{what:?}");
            assert!(text.contains("some-option"), "{what:?}");
        }
    }
}
