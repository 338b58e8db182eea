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
    /// The JSON schema of the `json` and `jsonl` outputs.
    JsonSchema,
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
        Generated::JsonSchema => return out.write_all(super::schema::generate().as_bytes()),
        Generated::Bash => Shell::Bash,
        Generated::Zsh => Shell::Zsh,
        Generated::Fish => Shell::Fish,
        Generated::Elvish => Shell::Elvish,
        Generated::PowerShell => Shell::PowerShell,
        Generated::Man => return man(command, out),
    };
    let name = command.get_name().to_owned();
    clap_complete::generate(shell, &mut command, name, out);
    Ok(())
}

/// What the exit status means, for the man page's EXIT STATUS section.
#[cfg(feature = "generate")]
const EXIT_STATUS: [(&str, &str); 3] = [
    ("0", "No findings."),
    (
        "1",
        "Findings (0 with --exit-zero). An error wins over findings.",
    ),
    (
        "2",
        "An error: an unreadable input, a bad allowlist or option, a --strict violation. The \
         findings read before it are still written. A closed standard output is not an error. \
         The JSON summary gives each error a kind: an input's in its error_kind, the run's in \
         run_errors.",
    ),
];

/// The environment variables read, for the man page's ENVIRONMENT section.
#[cfg(feature = "generate")]
const ENVIRONMENT: [(&str, &str); 4] = [
    (
        "NO_COLOR",
        "When set and not empty, --color auto does not colour the table; --color always still \
         does.",
    ),
    (
        "CI",
        "When set and not empty, --progress auto draws no progress bar (every CI service sets \
         it).",
    ),
    (
        "FALCO_HOSTNAME, FALCO_GRPC_HOSTNAME",
        "The host name that falco-json alerts and JUnit reports carry, as in Falco: \
         FALCO_HOSTNAME even when empty, else FALCO_GRPC_HOSTNAME, else the kernel's host name.",
    ),
    (
        "Cloud credentials",
        "s3://, gs:// and az:// inputs take credentials from each cloud's usual variables \
         (docs/object-storage.md).",
    ),
];

/// The man page: clap_mangen's sections, the text after the options as NOTES (clap_mangen
/// would call it EXTRA), then EXIT STATUS and ENVIRONMENT, then the version.
#[cfg(feature = "generate")]
fn man(command: clap::Command, out: &mut impl Write) -> io::Result<()> {
    use roff::{Roff, bold, roman};

    // The sections clap_mangen renders only when there is something to put in them.
    let has_version = command.get_version().is_some() || command.get_long_version().is_some();
    let has_notes = command.get_after_help().is_some() || command.get_after_long_help().is_some();
    let man = clap_mangen::Man::new(command);
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    if has_notes {
        let mut extra = Vec::new();
        man.render_extra_section(&mut extra)?;
        let extra = String::from_utf8_lossy(&extra).replacen(".SH EXTRA", ".SH NOTES", 1);
        out.write_all(extra.as_bytes())?;
    }
    let mut roff = Roff::new();
    for (title, items) in [
        ("EXIT STATUS", &EXIT_STATUS[..]),
        ("ENVIRONMENT", &ENVIRONMENT[..]),
    ] {
        roff.control("SH", [title]);
        for (name, meaning) in items {
            roff.control("TP", []);
            roff.text([bold(*name)]);
            roff.text([roman(*meaning)]);
        }
    }
    roff.to_writer(out)?;
    if has_version {
        man.render_version_section(out)?;
    }
    Ok(())
}

/// Refuses: this build has no generators, but the JSON schema, which needs none.
#[cfg(not(feature = "generate"))]
pub fn write_generated(
    what: Generated,
    _command: clap::Command,
    out: &mut impl Write,
) -> io::Result<()> {
    if what == Generated::JsonSchema {
        return out.write_all(super::schema::generate().as_bytes());
    }
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

    #[test]
    fn the_json_schema_is_generated_whatever_the_command() {
        let mut out = Vec::new();
        write_generated(Generated::JsonSchema, clap::Command::new("x"), &mut out)
            .expect("generates");
        let schema: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        assert_eq!(schema["$id"], "urn:falco-pod-scan:report:v1");
    }

    #[test]
    fn the_man_page_has_exit_status_and_environment_and_no_extra() {
        let command = clap::Command::new("some-tool")
            .arg(clap::arg!(--"some-option"))
            .after_help("Examples: some-tool --some-option");
        let mut out = Vec::new();
        write_generated(Generated::Man, command, &mut out).expect("generates");
        let text = String::from_utf8(out).expect("UTF-8");
        assert!(text.contains(".SH \"EXIT STATUS\""), "{text}");
        assert!(text.contains(".SH ENVIRONMENT"), "{text}");
        assert!(text.contains(".SH NOTES"), "{text}");
        assert!(!text.contains("EXTRA"), "{text}");
        for name in ["NO_COLOR", "CI", "FALCO_HOSTNAME"] {
            assert!(text.contains(name), "{name}");
        }
    }
}
