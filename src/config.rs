//! Turning the command line into a checked, compiled configuration: the second of two layers of
//! arguments, above the plain clap data of [`crate::cli`].
//!
//! Everything that can fail before the scan fails here — an unreadable or invalid allowlist, a
//! bad filter, options that do not go together — so the scan itself only meets problems with its
//! inputs. Nothing below this module sees [`Cli`]: the command line's value enums are mapped to
//! the report's own types here. The questions to the terminal and the environment (colour, table
//! width, whether a progress bar may be drawn, the host name of Falco's JSON alerts) are answered
//! here too, once, so that writing the report never looks at the environment.
//!
//! The inputs are resolved here as well: the `PATH` arguments, then the `--files-from` list,
//! then the `--shard` selection ([`crate::shard`]). A scan and a merge deliver their report the
//! same way ([`Delivery`]: format, destination, summary, exit status).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::allow::Allowlist;
use crate::cli::{self, Cli, When};
use crate::filter::{Filter, Kinds, Scope};
use crate::progress::Draw;
use crate::report::{self, Format, Generated, Style, View};
use crate::rules::{Mode, Policy};
use crate::scan::ScanOptions;
use crate::shard;
use crate::sink::Destination;

/// What a run does: scan, merge saved reports, or print something generated from the
/// command-line definition.
#[derive(Debug)]
pub enum Task {
    /// Scan the inputs and report.
    Scan(Box<Config>),
    /// Merge reports saved by earlier runs into one (`--merge`).
    Merge(Box<MergeConfig>),
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
            None if cli.merge => MergeConfig::from_cli(&cli).map(|c| Task::Merge(Box::new(c))),
            None => Config::from_cli(cli).map(|c| Task::Scan(Box::new(c))),
        }
    }
}

/// The resolved configuration of a scan.
#[derive(Debug)]
pub struct Config {
    /// The inputs this run reads, as given (before directories are walked): the `PATH`
    /// arguments and the `--files-from` entries, only this shard's with `--shard`.
    pub paths: Vec<PathBuf>,
    /// The allowlist, registry default, rules and scope.
    pub policy: Policy,
    /// What to write, where, and how the run ends.
    pub delivery: Delivery,
    /// A skipped line is an error.
    pub strict: bool,
    /// Whether (and how) to draw a progress bar; `None` never.
    pub progress: Option<Draw>,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// How to read inputs.
    pub scan: ScanOptions,
}

/// The resolved configuration of a merge of saved reports (`--merge`).
#[derive(Debug)]
pub struct MergeConfig {
    /// The reports, as given (files, directories of them, `-`).
    pub paths: Vec<PathBuf>,
    /// The filter applied again to the merged findings.
    pub filter: Filter,
    /// What to write, where, and how the run ends.
    pub delivery: Delivery,
}

/// What a run writes, where it goes, and how the run ends: the same for a scan and a merge.
#[derive(Debug)]
pub struct Delivery {
    /// What to write, and how.
    pub output: report::Options,
    /// Standard output, a file, or an object-store URI (`--output`).
    pub destination: Destination,
    /// No stats summary on stderr.
    pub quiet: bool,
    /// Findings do not make the exit status 1 (`--exit-zero`).
    pub exit_zero: bool,
    /// The width of the terminal stderr is, which the summary and the messages are wrapped to;
    /// `None` when stderr is not a terminal (each is one line, for a program to read).
    pub stderr_width: Option<u16>,
}

impl Config {
    /// Validates `cli`, reads the `--files-from` list and loads the allowlist; `--falco` picks
    /// Falco's rules (docs/falco.md) and, unless `--format` says otherwise, Falco's text format.
    pub fn from_cli(cli: Cli) -> anyhow::Result<Config> {
        let falco = cli.falco;
        let format = match cli.format {
            Some(format) => self::format(format),
            // Falco has no per-image view; its rules still apply.
            None if falco && !cli.summary => Format::Falco,
            None => Format::Table,
        };
        let view = view(&cli, format)?;
        check_workloads(&cli)?;
        let filter = filter(&cli)?;
        let paths = inputs(&cli)?;
        let allowlist = Allowlist::load_all(&cli.allow, &cli.default_registry, falco)?;
        let delivery = delivery(&cli, view, format)?;
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
            delivery,
            strict: cli.strict,
            progress: progress(cli.progress, cli.quiet),
            threads: cli.threads.unwrap_or(0),
            scan: ScanOptions {
                mmap: !cli.no_mmap,
                ..ScanOptions::default()
            },
            paths,
        })
    }
}

impl MergeConfig {
    /// Validates `cli` for `--merge` and reads the `--files-from` list of reports.
    pub fn from_cli(cli: &Cli) -> anyhow::Result<MergeConfig> {
        let format = cli.format.map_or(Format::Table, self::format);
        let view = view(cli, format)?;
        let filter = filter(cli)?;
        let paths = inputs(cli)?;
        let delivery = delivery(cli, view, format)?;
        Ok(MergeConfig {
            paths,
            filter,
            delivery,
        })
    }
}

/// The scope filter of a run or a merge: the time window, the globs, and the kinds of finding
/// kept, by the names the outputs give them.
fn filter(cli: &Cli) -> anyhow::Result<Filter> {
    let kinds = Kinds {
        outcomes: names(&cli.outcome),
        reasons: names(&cli.reason),
        actions: names(&cli.action),
    };
    Ok(Filter::new(cli.since, cli.until, &cli.namespace, &cli.user)?.with_kinds(kinds))
}

/// The names clap gives `values` (`dry-run`, `apply-create`): the names the outputs use.
fn names<T: clap::ValueEnum>(values: &[T]) -> Vec<String> {
    values
        .iter()
        .filter_map(clap::ValueEnum::to_possible_value)
        .map(|v| v.get_name().to_owned())
        .collect()
}

/// The inputs of a run: the `PATH` arguments, then the entries of the `--files-from` list, then
/// only this shard's. Standard input can be read once: as an input or as the list.
fn inputs(cli: &Cli) -> anyhow::Result<Vec<PathBuf>> {
    let mut paths = cli.paths.clone();
    if let Some(list) = &cli.files_from {
        let entries = shard::read_list(list)?;
        if entries.is_empty() && paths.is_empty() {
            anyhow::bail!(
                "--files-from {}: the list names no input (only blank lines and # comments), and                  no PATH was given",
                list.display()
            );
        }
        paths.extend(entries);
    }
    let stdin = Path::new("-");
    let readers = paths.iter().filter(|p| *p == stdin).count()
        + usize::from(cli.files_from.as_deref() == Some(stdin));
    if readers > 1 {
        anyhow::bail!(
            "standard input (`-`) is named {readers} times among the inputs and the --files-from              list, but it can be read only once"
        );
    }
    Ok(match cli.shard {
        Some(shard) => shard.select(paths),
        None => paths,
    })
}

/// Where and how the report is delivered. Colour and the terminal's width are for a report
/// written to a terminal: a report written to `--output` has neither, unless `--color always`.
fn delivery(cli: &Cli, view: View, format: Format) -> anyhow::Result<Delivery> {
    let destination = match cli.output.as_deref() {
        Some(arg) => Destination::from_arg(arg)?,
        None => Destination::Stdout,
    };
    let style = if destination == Destination::Stdout {
        style(cli.color)
    } else {
        Style {
            color: cli.color == When::Always,
            width: None,
            base: None,
        }
    };
    Ok(Delivery {
        output: report::Options {
            view,
            format,
            style,
            // Read only when an alert or a test report will carry it.
            hostname: if matches!(format, Format::FalcoJson | Format::Junit) {
                falco_hostname()
            } else {
                String::new()
            },
            started: Some(jiff::Timestamp::now()),
        },
        destination,
        quiet: cli.quiet,
        exit_zero: cli.exit_zero,
        stderr_width: stderr_width(),
    })
}

/// The report asked for; `--summary` has no Falco form.
fn view(cli: &Cli, format: Format) -> anyhow::Result<View> {
    if cli.suggest_allowlist {
        if !matches!(cli.format, None | Some(cli::Format::Json)) {
            anyhow::bail!(
                "--suggest-allowlist writes YAML, or JSON with --format json; no other --format"
            );
        }
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
    if matches!(format, Format::Junit | Format::Markdown) {
        anyhow::bail!(
            "--summary has no JUnit or Markdown form (their rows are findings): use --format \
             table, json, jsonl or csv"
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
        cli::Format::Junit => Format::Junit,
        cli::Format::Markdown => Format::Markdown,
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
        cli::Generate::JsonSchema => Generated::JsonSchema,
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
    // A pseudo-terminal may report no size (0 columns); fitting to that would be useless. Below
    // the narrowest readable table the report draws one block per finding.
    let width = if stdout_is_tty {
        comfy_table::Table::new().width().filter(|&w| w > 0)
    } else {
        None
    };
    Style {
        color,
        width,
        base: std::env::current_dir().ok(),
    }
}

/// The width of the terminal stderr is, or `None` when it is not one (or reports no size).
fn stderr_width() -> Option<u16> {
    let mut probe = comfy_table::Table::new();
    probe.use_stderr();
    probe.width().filter(|&w| w > 0)
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
        assert_eq!(config(&[]).delivery.output.format, Format::Table);
        assert_eq!(config(&["--falco"]).delivery.output.format, Format::Falco);
        let csv = config(&["--falco", "--format", "csv"]);
        assert_eq!(csv.delivery.output.format, Format::Csv);
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
        assert_eq!(config(&["--format", "falco"]).delivery.output.hostname, "");
        let json = config(&["--format", "falco-json"]);
        assert_eq!(json.delivery.output.hostname, falco_hostname());
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
    /// The task for a full command line (after the program name), or its error as text.
    fn task(args: &[&str]) -> Result<Task, String> {
        let cli = Cli::try_parse_from(std::iter::once(&"falco-pod-scan").chain(args))
            .map_err(|e| e.to_string())?;
        Task::from_cli(cli).map_err(|e| format!("{e:#}"))
    }

    /// The scan inputs of a full command line.
    fn scan_paths(args: &[&str]) -> Vec<String> {
        match task(args) {
            Ok(Task::Scan(config)) => config
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            other => panic!("a scan: {other:?}"),
        }
    }

    #[test]
    fn files_from_adds_its_entries_after_the_paths_and_shards_count_both() {
        let dir = tempfile::tempdir().expect("temp dir");
        let list = dir.path().join("clusters.txt");
        std::fs::write(&list, "# one per cluster\nc1/\n\nc2/\nc3/\n").expect("write");
        let list = list.to_str().expect("UTF-8");
        let allow = ["--allow", "testdata/allow.yaml"];
        let with = |extra: &[&str]| {
            let mut args = allow.to_vec();
            args.extend(["--files-from", list]);
            args.extend(extra);
            scan_paths(&args)
        };
        assert_eq!(with(&[]), ["c1/", "c2/", "c3/"]);
        assert_eq!(
            with(&["a.log", "b.log"]),
            ["a.log", "b.log", "c1/", "c2/", "c3/"]
        );
        // Positions 0..5 are a.log, b.log, c1/, c2/, c3/.
        assert_eq!(
            with(&["a.log", "b.log", "--shard", "0/2"]),
            ["a.log", "c1/", "c3/"]
        );
        assert_eq!(
            with(&["a.log", "b.log", "--shard", "1/2"]),
            ["b.log", "c2/"]
        );
        assert_eq!(with(&["--shard", "2/3"]), ["c3/"]);
        // A shard with nothing to read is an empty run, not an error.
        assert_eq!(with(&["--shard", "4/5"]), Vec::<String>::new());
    }

    #[test]
    fn input_lists_fail_by_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let empty = dir.path().join("empty.txt");
        std::fs::write(&empty, "\n# nothing yet\n").expect("write");
        let empty = empty.to_str().expect("UTF-8");
        let allow = ["--allow", "testdata/allow.yaml"];
        let err = |extra: &[&str]| {
            let mut args = allow.to_vec();
            args.extend(extra);
            task(&args).expect_err("refused")
        };
        let e = err(&["--files-from", "no/such/list.txt"]);
        assert!(
            e.contains("--files-from no/such/list.txt: cannot read the list"),
            "{e}"
        );
        let e = err(&["--files-from", empty]);
        assert!(e.contains("names no input"), "{e}");
        assert_eq!(
            scan_paths(&[
                "--allow",
                "testdata/allow.yaml",
                "a.log",
                "--files-from",
                empty
            ]),
            ["a.log"]
        );
        let e = err(&["-", "--files-from", "-"]);
        assert!(e.contains("read only once"), "{e}");
        let e = err(&["-", "-"]);
        assert!(e.contains("read only once"), "{e}");
        // Neither a PATH nor a list: clap's usage error.
        let e = err(&[]);
        assert!(e.contains("<PATH>"), "{e}");
        let e = err(&["a.log", "--shard", "1of2"]);
        assert!(e.contains("K/N"), "{e}");
    }

    #[test]
    fn output_to_a_file_has_no_terminal_styling() {
        let to_file = config(&["-o", "out/report.txt", "--exit-zero"]);
        assert_eq!(
            to_file.delivery.destination,
            Destination::File("out/report.txt".into())
        );
        assert!(to_file.delivery.exit_zero);
        assert!(!to_file.delivery.output.style.color);
        assert_eq!(to_file.delivery.output.style.width, None);
        assert!(
            config(&["-o", "r.txt", "--color", "always"])
                .delivery
                .output
                .style
                .color
        );
        let stdout = config(&["--output", "-"]);
        assert_eq!(stdout.delivery.destination, Destination::Stdout);
        assert!(!stdout.delivery.exit_zero);
        assert!(matches!(
            config(&["-o", "s3://bucket/r.json"]).delivery.destination,
            Destination::Object(uri) if uri.text == "s3://bucket/r.json"
        ));
    }

    #[test]
    fn merge_takes_report_and_output_options_only() {
        let Ok(Task::Merge(merge)) = task(&[
            "--merge",
            "a.json",
            "b.json",
            "--summary",
            "--format",
            "csv",
            "--since",
            "2026-03-01",
            "-o",
            "all.csv",
            "--exit-zero",
            "--quiet",
        ]) else {
            panic!("a merge");
        };
        assert_eq!(
            merge.paths,
            [PathBuf::from("a.json"), PathBuf::from("b.json")]
        );
        assert_eq!(merge.delivery.output.view, View::ByImage);
        assert_eq!(merge.delivery.output.format, Format::Csv);
        assert!(merge.filter.has_time_bound());
        assert!(merge.delivery.exit_zero && merge.delivery.quiet);
        assert_eq!(
            merge.delivery.destination,
            Destination::File("all.csv".into())
        );
        let Ok(Task::Merge(merge)) = task(&["--merge", "a.json"]) else {
            panic!("a merge");
        };
        assert_eq!(merge.delivery.output.format, Format::Table);
        for scan_only in [
            &["--allow", "x.yaml"][..],
            &["--falco"],
            &["--workloads"],
            &["--default-registry", "quay.io"],
            &["--suggest-allowlist"],
            &["--strict"],
            &["--no-mmap"],
            &["--threads", "2"],
            &["--shard", "0/2"],
        ] {
            let mut args = vec!["--merge", "a.json"];
            args.extend(scan_only);
            let e = task(&args).expect_err("refused");
            assert!(e.contains("cannot be used with"), "{scan_only:?}: {e}");
        }
        let e =
            task(&["--merge", "a.json", "--summary", "--format", "falco"]).expect_err("refused");
        assert!(e.contains("--summary has no Falco form"), "{e}");
    }
}
