//! The command line, as plain clap data. The doc comments are the `--help` text.
//!
//! Nothing here does I/O or validation beyond what clap does itself; [`crate::config`] turns a
//! [`Cli`] into the checked, compiled [`crate::config::Config`] the scanner uses.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// The help text after the options: the allowlist syntax in two lines, and an example.
const AFTER_HELP: &str = "\
Allowlist (--allow FILE, YAML): `images: [PATTERN…]` plus optional `namespaces: {NS-GLOB: [PATTERN…]}`, or a bare list.
PATTERN is REPO[:TAG][@DIGEST], normalized like an image (nginx = docker.io/library/nginx); `*` stays within one path level, `**` crosses levels, a trailing `/` allows everything below.
A Falco rules file works too: its `macro: allowed_k8s_containers` with `condition: ka.req.pod.containers.image.repository in (…)`, lists expanded.

--falco reproduces Falco's `Create Disallowed Pod` exactly (ResponseComplete creates, spec.containers only, repositories compared as literal strings, Falco's quirks kept) and prints Falco's alert lines.

Example:
  falco-pod-scan /var/log/kubernetes/audit.log --allow allow.yaml
  with allow.yaml:
    images: [registry.k8s.io/, nginx, ghcr.io/acme/**:v*]
    namespaces:
      kube-system: [quay.io/cilium/]

Exit status: 0 no findings, 1 findings, 2 error (an error wins over findings).";

/// Find pods that ran container images outside an allowlist, in Kubernetes audit logs.
///
/// Falco's "Create Disallowed Pod" rule, offline: scans API-server audit logs (JSON lines, webhook
/// EventLists, pretty-printed events) on all cores and reports every pod request whose images are
/// not allowed — who, where, when, which image, and whether the API server let it through.
#[derive(Debug, Parser)]
#[command(name = "falco-pod-scan", version, after_help = AFTER_HELP, max_term_width = 100)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent command-line flags, each one clap bool"
)]
pub struct Cli {
    /// Audit log files or directories to scan; `-` reads standard input.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// The allowlist: YAML with `images:` / `namespaces:`, a bare list of patterns, or a Falco
    /// rules file. Repeat to combine several files, read in order.
    #[arg(long, value_name = "FILE", required = true, help_heading = "Policy")]
    pub allow: Vec<PathBuf>,

    /// Falco parity mode: exactly the alerts Falco's `Create Disallowed Pod` raises, in Falco's
    /// format unless --format says otherwise.
    #[arg(long, help_heading = "Policy")]
    pub falco: bool,

    /// Registry that unqualified image names resolve to.
    #[arg(
        long,
        value_name = "HOST",
        default_value = "docker.io",
        help_heading = "Policy"
    )]
    pub default_registry: String,

    /// Output format of the findings (stdout) [default: table; falco with --falco].
    #[arg(long, value_enum, help_heading = "Output")]
    pub format: Option<Format>,

    /// Do not print the summary on stderr.
    #[arg(long, short, help_heading = "Output")]
    pub quiet: bool,

    /// When to colour the table; `NO_COLOR` set in the environment means never.
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value_t = When::Auto,
        help_heading = "Output"
    )]
    pub color: When,

    /// Treat a line that is not an audit event as an error (exit status 2).
    #[arg(long, help_heading = "Input")]
    pub strict: bool,

    /// Read files with buffered I/O instead of memory-mapping them.
    #[arg(long, help_heading = "Input")]
    pub no_mmap: bool,

    /// Worker threads [default: all cores].
    #[arg(long, short = 'j', value_name = "N", help_heading = "Input")]
    pub threads: Option<usize>,
}

/// Output formats (SPEC §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people; the summary goes to stderr.
    Table,
    /// One JSON document: `{"findings":[…],"summary":{…}}`.
    Json,
    /// One finding per line, streamed; the summary goes to stderr.
    Jsonl,
    /// Falco's text alert line: `TIME: Warning Pod started with container not in allowed list (…)`.
    Falco,
    /// Falco's JSON alert, one per line, as falcosidekick and other Falco consumers read it.
    FalcoJson,
}

/// A yes/no/detect switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum When {
    /// Decide from the terminal and the environment.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn allow_is_required() {
        assert!(Cli::try_parse_from(["falco-pod-scan", "a.log"]).is_err());
        let cli = Cli::try_parse_from(["falco-pod-scan", "a.log", "--allow", "x.yaml"])
            .expect("valid command line");
        assert_eq!(cli.format, None);
        assert!(!cli.falco);
        assert_eq!(cli.default_registry, "docker.io");
    }

    #[test]
    fn allow_repeats_and_falco_formats_parse() {
        let cli = Cli::try_parse_from([
            "falco-pod-scan",
            "a.log",
            "--allow",
            "rules.yaml",
            "--allow",
            "overrides.yaml",
            "--falco",
            "--format",
            "falco-json",
        ])
        .expect("valid command line");
        assert_eq!(
            cli.allow,
            [PathBuf::from("rules.yaml"), PathBuf::from("overrides.yaml")]
        );
        assert!(cli.falco);
        assert_eq!(cli.format, Some(Format::FalcoJson));
        let cli = Cli::try_parse_from([
            "falco-pod-scan",
            "a.log",
            "--allow",
            "x",
            "--format",
            "falco",
        ])
        .expect("valid command line");
        assert_eq!(cli.format, Some(Format::Falco));
    }
}
