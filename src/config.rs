//! Turning the command line into a checked, compiled configuration: the second of two layers of
//! arguments, above the plain clap data of [`crate::cli`].
//!
//! Everything that can fail before the scan fails here — an unreadable or invalid allowlist, a
//! bad filter, options that do not go together — so the scan itself only meets problems with its
//! inputs. Nothing below this module sees [`Cli`]: the command line's value enums are mapped to
//! the report's own types here. The questions to the terminal and the environment (colour, table
//! width, whether a progress bar may be drawn, the host name of Falco's JSON alerts) are answered
//! here too, once, so that writing the report never looks at the environment.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::CommandFactory;

use crate::allow::Allowlist;
use crate::cli::{self, Cli, When};
use crate::filter::{Filter, Scope};
use crate::progress::Draw;
use crate::report::{self, Format, Generated, Style, View};
use crate::rules::{Mode, Policy};
use crate::scan::ScanOptions;

/// Narrower terminals get unwrapped rows rather than one character per line.
const MIN_TABLE_WIDTH: u16 = 60;

/// What a run does: scan, or print something generated from the command-line definition.
#[derive(Debug)]
pub enum Task {
    /// Scan the inputs and report.
    Scan(Box<Config>),
    /// `--generate`: completions or the man page.
    Generate {
        /// What to print.
        what: Generated,
        /// The command-line definition to print it for.
        command: Box<clap::Command>,
    },
}

impl Task {
    /// Validates `cli` into a task.
    pub fn from_cli(cli: Cli) -> anyhow::Result<Task> {
        match cli.generate {
            Some(what) => Ok(Task::Generate {
                what: generated(what),
                command: Box::new(Cli::command()),
            }),
            None => Config::from_cli(cli).map(|c| Task::Scan(Box::new(c))),
        }
    }
}

/// The resolved configuration of a scan.
#[derive(Debug)]
pub struct Config {
    /// The inputs, as given.
    pub paths: Vec<PathBuf>,
    /// The allowlist, registry default, rules and scope.
    pub policy: Policy,
    /// What to write on stdout, and how.
    pub output: report::Options,
    /// No stats summary on stderr.
    pub quiet: bool,
    /// A skipped line is an error.
    pub strict: bool,
    /// Whether (and how) to draw a progress bar; `None` never.
    pub progress: Option<Draw>,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// How to read inputs.
    pub scan: ScanOptions,
}

impl Config {
    /// Validates `cli` and loads the allowlist; `--falco` picks Falco's rules (docs/falco.md)
    /// and, unless `--format` says otherwise, Falco's text format.
    pub fn from_cli(cli: Cli) -> anyhow::Result<Config> {
        let falco = cli.falco;
        let format = match cli.format {
            Some(format) => self::format(format),
            None if falco => Format::Falco,
            None => Format::Table,
        };
        let view = view(&cli, format)?;
        check_workloads(&cli)?;
        let filter = Filter::new(cli.since, cli.until, &cli.namespace, &cli.user)?;
        let allowlist = Allowlist::load_all(&cli.allow, &cli.default_registry, falco)?;
        Ok(Config {
            policy: Policy {
                allowlist,
                default_registry: cli.default_registry,
                mode: if falco { Mode::Falco } else { Mode::Default },
                workloads: cli.workloads,
                scope: Scope {
                    filter,
                    collect_accepted: matches!(view, View::SuggestedAllowlist { .. }),
                },
            },
            output: report::Options {
                view,
                format,
                style: style(cli.color),
                // Read only when an alert will carry it.
                hostname: if format == Format::FalcoJson {
                    falco_hostname()
                } else {
                    String::new()
                },
            },
            quiet: cli.quiet,
            strict: cli.strict,
            progress: progress(cli.progress, cli.quiet),
            threads: cli.threads.unwrap_or(0),
            scan: ScanOptions {
                mmap: !cli.no_mmap,
                ..ScanOptions::default()
            },
            paths: cli.paths,
        })
    }
}

/// The report asked for; `--summary` has no Falco form.
fn view(cli: &Cli, format: Format) -> anyhow::Result<View> {
    if cli.suggest_allowlist {
        return Ok(View::SuggestedAllowlist {
            compare: !cli.allow.is_empty(),
        });
    }
    if !cli.summary {
        return Ok(View::Findings);
    }
    if matches!(format, Format::Falco | Format::FalcoJson) {
        anyhow::bail!(
            "--summary has no Falco form: use --format table, json, jsonl or csv (--falco still \
             picks Falco's rules)"
        );
    }
    Ok(View::ByImage)
}

/// `--workloads` judges workload requests with this tool's rules, into findings: Falco's rule
/// has no such thing, and the suggested allowlist is read from pod requests only.
fn check_workloads(cli: &Cli) -> anyhow::Result<()> {
    if !cli.workloads {
        return Ok(());
    }
    if cli.falco {
        anyhow::bail!(
            "--workloads cannot be used with --falco: Falco's `Create Disallowed Pod` judges pod \
             creates only, and parity mode reproduces exactly that (drop --falco to judge \
             workload templates with this tool's rules)"
        );
    }
    if cli.suggest_allowlist {
        anyhow::bail!(
            "--workloads cannot be used with --suggest-allowlist: the suggestion is read from \
             the pod requests the API server accepted, and workload templates would not change \
             it (drop --workloads)"
        );
    }
    Ok(())
}

/// The report's format for a `--format` value.
fn format(format: cli::Format) -> Format {
    match format {
        cli::Format::Table => Format::Table,
        cli::Format::Json => Format::Json,
        cli::Format::Jsonl => Format::Jsonl,
        cli::Format::Csv => Format::Csv,
        cli::Format::Falco => Format::Falco,
        cli::Format::FalcoJson => Format::FalcoJson,
    }
}

/// What to generate for a `--generate` value.
fn generated(what: cli::Generate) -> Generated {
    match what {
        cli::Generate::Bash => Generated::Bash,
        cli::Generate::Zsh => Generated::Zsh,
        cli::Generate::Fish => Generated::Fish,
        cli::Generate::Elvish => Generated::Elvish,
        cli::Generate::PowerShell => Generated::PowerShell,
        cli::Generate::Man => Generated::Man,
    }
}

/// Colour and width of the table: colour on a terminal unless `NO_COLOR` says otherwise (an
/// explicit `--color always` wins, as no-color.org asks), the terminal's width.
fn style(color: When) -> Style {
    let stdout_is_tty = std::io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match color {
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
    Style { color, width }
}

/// Whether a progress bar may be drawn. `auto` needs someone watching: stderr a terminal, stdout
/// not a pipe or socket (a pager or another program reads it; a file is fine), no `--quiet`, and
/// not in CI (`CI` set, as every CI service sets it).
fn progress(when: When, quiet: bool) -> Option<Draw> {
    match when {
        When::Never => None,
        When::Always => Some(Draw::Always),
        When::Auto => {
            let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
            let watched = std::io::stderr().is_terminal() && !stdout_is_pipe();
            (watched && !quiet && !ci).then_some(Draw::Auto)
        }
    }
}

/// The host name Falco would put in its alerts: `FALCO_HOSTNAME` (even empty, as in Falco), else
/// `FALCO_GRPC_HOSTNAME`, else the kernel's host name (what `gethostname` returns), else
/// `/etc/hostname`, else `localhost`.
fn falco_hostname() -> String {
    for var in ["FALCO_HOSTNAME", "FALCO_GRPC_HOSTNAME"] {
        if let Some(name) = std::env::var_os(var) {
            return name.to_string_lossy().into_owned();
        }
    }
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .map(|name| name.trim().to_owned())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Is stdout a pipe or a socket?
#[cfg(unix)]
fn stdout_is_pipe() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else {
        return false;
    };
    std::fs::File::from(fd).metadata().is_ok_and(|m| {
        let kind = m.file_type();
        kind.is_fifo() || kind.is_socket()
    })
}

/// Is stdout a pipe or a socket? Elsewhere than Unix: is it not a terminal?
#[cfg(not(unix))]
fn stdout_is_pipe() -> bool {
    !std::io::stdout().is_terminal()
}

#[cfg(test)]
mod tests {
    use clap::{Parser, ValueEnum};

    use super::*;

    /// A configuration for these arguments after a log and the sample allowlist.
    fn config(args: &[&str]) -> Config {
        let base = ["falco-pod-scan", "a.log", "--allow", "testdata/allow.yaml"];
        let cli = Cli::try_parse_from(base.iter().chain(args)).expect("valid command line");
        Config::from_cli(cli).expect("valid configuration")
    }

    #[test]
    fn every_value_enum_maps_to_the_variant_of_the_same_name() {
        for &f in cli::Format::value_variants() {
            assert_eq!(format!("{f:?}"), format!("{:?}", format(f)));
        }
        for &g in cli::Generate::value_variants() {
            assert_eq!(format!("{g:?}"), format!("{:?}", generated(g)));
        }
    }

    #[test]
    fn falco_picks_falco_text_unless_a_format_is_given() {
        assert_eq!(config(&[]).output.format, Format::Table);
        assert_eq!(config(&["--falco"]).output.format, Format::Falco);
        let csv = config(&["--falco", "--format", "csv"]);
        assert_eq!(csv.output.format, Format::Csv);
        assert_eq!(csv.policy.mode, Mode::Falco);
    }

    #[test]
    fn workloads_go_with_this_tools_rules_and_findings_only() {
        let on = config(&["--workloads"]);
        assert!(on.policy.workloads);
        assert_eq!(on.policy.mode, Mode::Default);
        assert!(!config(&[]).policy.workloads);
        let refused = |args: &[&str]| {
            let base = ["falco-pod-scan", "a.log", "--allow", "testdata/allow.yaml"];
            let cli = Cli::try_parse_from(base.iter().chain(args)).expect("valid command line");
            format!("{:#}", Config::from_cli(cli).expect_err("refused"))
        };
        let falco = refused(&["--workloads", "--falco"]);
        assert!(
            falco.contains("--workloads cannot be used with --falco"),
            "{falco}"
        );
        let suggest = refused(&["--workloads", "--suggest-allowlist"]);
        assert!(
            suggest.contains("--workloads cannot be used with --suggest-allowlist"),
            "{suggest}"
        );
    }

    #[test]
    fn the_host_name_is_looked_up_only_for_falco_json() {
        assert_eq!(config(&["--format", "falco"]).output.hostname, "");
        let json = config(&["--format", "falco-json"]);
        assert_eq!(json.output.hostname, falco_hostname());
    }

    #[test]
    fn generate_carries_the_command_line_definition() {
        let cli = Cli::try_parse_from(["falco-pod-scan", "--generate", "man"]).expect("valid");
        let task = Task::from_cli(cli).expect("a task");
        assert!(
            matches!(&task, Task::Generate { what: Generated::Man, command }
                if command.get_name() == "falco-pod-scan"),
            "{task:?}"
        );
    }
}
