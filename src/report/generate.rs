//! `--generate`: shell completions and the man page, made from the clap definition in
//! [`crate::cli`], so they never drift from `--help`.
//!
//! Both generators are dependencies behind the default-on cargo feature `generate` (STYLE habit
//! 12); a build without it answers `--generate` with an error instead.

use std::io::{self, Write};

use crate::cli::Generate;

/// Writes completions for a shell, or the man page (roff).
#[cfg(feature = "generate")]
pub fn write_generated(what: Generate, out: &mut impl Write) -> io::Result<()> {
    use clap::CommandFactory;
    use clap_complete::Shell;

    let mut command = crate::cli::Cli::command();
    let shell = match what {
        Generate::Bash => Shell::Bash,
        Generate::Zsh => Shell::Zsh,
        Generate::Fish => Shell::Fish,
        Generate::Elvish => Shell::Elvish,
        Generate::PowerShell => Shell::PowerShell,
        Generate::Man => return clap_mangen::Man::new(command).render(out),
    };
    let name = command.get_name().to_owned();
    clap_complete::generate(shell, &mut command, name, out);
    Ok(())
}

/// Refuses: this build has no generators.
#[cfg(not(feature = "generate"))]
pub fn write_generated(what: Generate, _out: &mut impl Write) -> io::Result<()> {
    Err(io::Error::other(format!(
        "--generate {what:?}: this build has no generators (built without the `generate` feature)"
    )))
}

#[cfg(all(test, feature = "generate"))]
mod tests {
    use super::*;

    #[test]
    fn every_target_generates_something_that_names_the_tool() {
        for what in [
            Generate::Bash,
            Generate::Zsh,
            Generate::Fish,
            Generate::Elvish,
            Generate::PowerShell,
            Generate::Man,
        ] {
            let mut out = Vec::new();
            write_generated(what, &mut out).expect("generates");
            // roff writes a hyphen as `\-`.
            let text = String::from_utf8(out).expect("UTF-8").replace("\\-", "-");
            assert!(text.contains("falco-pod-scan"), "{what:?}");
            assert!(text.contains("suggest-allowlist"), "{what:?}");
        }
    }
}
