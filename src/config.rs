//! Turning the command line into a checked, compiled configuration (STYLE habit 2).
//!
//! Everything that can fail before the scan fails here — an unreadable or invalid allowlist, a
//! thread pool that cannot start — so the scan itself only meets problems with its inputs.
//! Nothing below this module sees [`Cli`].

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::allow::Allowlist;
use crate::cli::{Cli, Format, When};
use crate::finding::{Mode, Policy};
use crate::report::Style;
use crate::scan::ScanOptions;

/// Narrower terminals get unwrapped rows rather than one character per line.
const MIN_TABLE_WIDTH: u16 = 60;

/// The resolved configuration of a run.
#[derive(Debug)]
pub struct Config {
    /// The inputs, as given.
    pub paths: Vec<PathBuf>,
    /// The allowlist and registry default.
    pub policy: Policy,
    /// The findings format.
    pub format: Format,
    /// No summary on stderr.
    pub quiet: bool,
    /// A skipped line is an error.
    pub strict: bool,
    /// Colour and width of the table.
    pub style: Style,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// How to read inputs.
    pub scan: ScanOptions,
}

impl Config {
    /// Validates `cli` and loads the allowlist; `--falco` picks Falco's rules (SPEC §8) and, unless
    /// `--format` says otherwise, Falco's text format.
    pub fn from_cli(cli: Cli) -> anyhow::Result<Config> {
        let falco = cli.falco;
        let allowlist = Allowlist::load_all(&cli.allow, &cli.default_registry, falco)?;
        let stdout_is_tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match cli.color {
            When::Always => true,
            When::Never => false,
            When::Auto => stdout_is_tty && !no_color,
        };
        // A pseudo-terminal may report no size (0 columns); wrapping to that would be useless.
        let width = if stdout_is_tty {
            comfy_table::Table::new()
                .width()
                .filter(|&w| w >= MIN_TABLE_WIDTH)
        } else {
            None
        };
        Ok(Config {
            paths: cli.paths,
            policy: Policy {
                allowlist,
                default_registry: cli.default_registry,
                mode: if falco { Mode::Falco } else { Mode::Default },
            },
            format: cli
                .format
                .unwrap_or(if falco { Format::Falco } else { Format::Table }),
            quiet: cli.quiet,
            strict: cli.strict,
            style: Style { color, width },
            threads: cli.threads.unwrap_or(0),
            scan: ScanOptions {
                mmap: !cli.no_mmap,
                ..ScanOptions::default()
            },
        })
    }
}
