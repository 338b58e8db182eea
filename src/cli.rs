//! The command line, as plain clap data. The doc comments are the `--help` text.
//!
//! Nothing here does I/O or validation beyond what clap does itself (and the time bounds of
//! `--since`/`--until`, parsed by clap so that a bad one is a usage error like any other). The
//! `config` module turns a [`Cli`] into the checked, compiled configuration the scanner uses, and
//! maps these value enums to the types of the modules below it, which never see this one.

use std::path::PathBuf;

use clap::{Parser, ValueEnum, ValueHint};
use jiff::Timestamp;

use crate::filter::parse_bound;
pub use crate::finding::{Action, Outcome, Reason};
use crate::shard::{Shard, parse_shard};

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

Narrowing an incident, gating CI on pods actually created in the last day, and seeding an allowlist from a known-good week:
  falco-pod-scan audit/ --allow allow.yaml --summary --since 2026-03-02 --namespace 'prod-*'
  falco-pod-scan audit/ --allow allow.yaml --since 24h --outcome created
  falco-pod-scan audit-week-10.log.gz --suggest-allowlist > allow.yaml

Many clusters, a shard per process or machine (clusters.txt: one directory per cluster), merged:
  falco-pod-scan --allow allow.yaml --files-from clusters.txt --shard 0/2 --format json -o 0.json
  falco-pod-scan --allow allow.yaml --files-from clusters.txt --shard 1/2 --format json -o 1.json
  falco-pod-scan --merge 0.json 1.json

Exit status: 0 no findings, 1 findings (0 with --exit-zero), 2 error (an error wins over findings).";

/// The four ways to run the tool.
const USAGE: &str = "\
falco-pod-scan [OPTIONS] --allow <FILE> <PATH>...
       falco-pod-scan [OPTIONS] --suggest-allowlist <PATH>...
       falco-pod-scan [OPTIONS] --merge <REPORT>...
       falco-pod-scan --generate <bash|zsh|fish|elvish|powershell|man|json-schema>";

/// Find pods that ran container images outside an allowlist, in Kubernetes audit logs.
///
/// Falco's "Create Disallowed Pod" rule, offline: scans API-server audit logs (JSON lines, webhook
/// EventLists, pretty-printed events) on all cores and reports every pod request whose images are
/// not allowed — who, where, when, which image, and whether the API server let it through.
#[derive(Debug, Parser)]
#[command(
    name = "falco-pod-scan",
    version,
    after_help = AFTER_HELP,
    max_term_width = 100,
    override_usage = USAGE
)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent command-line flags, each one clap bool"
)]
pub struct Cli {
    /// Audit log files or directories to scan; `-` reads standard input; `s3://`, `gs://`,
    /// `az://` and `https://` URIs read an object, or every object under a prefix. With
    /// --merge, the reports to merge. Optional with --files-from.
    #[arg(value_name = "PATH", required_unless_present_any = ["generate", "files_from"])]
    pub paths: Vec<PathBuf>,

    /// The allowlist: YAML with `images:` / `namespaces:`, a bare list of patterns, or a Falco
    /// rules file. Repeat to combine several files, read in order. Optional with
    /// --suggest-allowlist.
    #[arg(
        long,
        value_name = "FILE",
        value_hint = ValueHint::FilePath,
        required_unless_present_any = ["suggest_allowlist", "generate", "merge"],
        help_heading = "Policy"
    )]
    pub allow: Vec<PathBuf>,

    /// Falco parity mode: exactly the alerts Falco's `Create Disallowed Pod` raises, in Falco's
    /// format unless --format says otherwise.
    #[arg(long, help_heading = "Policy")]
    pub falco: bool,

    /// Also judge writes of workload objects (Deployments, ReplicaSets, StatefulSets, DaemonSets,
    /// Jobs, CronJobs, ReplicationControllers) by the images of their pod templates, whatever
    /// the API server answered: actions workload-create and workload-change. Not with --falco
    /// or --suggest-allowlist.
    #[arg(long, help_heading = "Policy")]
    pub workloads: bool,

    /// Registry that unqualified image names resolve to (`nginx` = HOST/library/nginx on
    /// docker.io, HOST/nginx elsewhere): a host name, with an optional `:PORT`.
    #[arg(
        long,
        value_name = "HOST",
        value_hint = ValueHint::Other,
        default_value = "docker.io",
        value_parser = parse_registry,
        help_heading = "Policy"
    )]
    pub default_registry: String,

    /// Keep requests logged at or after TIME: RFC 3339 (`2026-03-02T08:00:00Z`, any offset), a
    /// date (`2026-03-02`, midnight UTC), or a duration before now (`24h`, `7d`, `1h30m`).
    #[arg(
        long,
        value_name = "TIME",
        value_parser = parse_bound,
        value_hint = ValueHint::Other,
        help_heading = "Filters"
    )]
    pub since: Option<Timestamp>,

    /// Keep requests logged before TIME (exclusive); same forms as --since.
    #[arg(
        long,
        value_name = "TIME",
        value_parser = parse_bound,
        value_hint = ValueHint::Other,
        help_heading = "Filters"
    )]
    pub until: Option<Timestamp>,

    /// Keep requests in a namespace matching GLOB (`*`, `?`, `[…]`, `{a,b}`); repeat for any of
    /// several.
    #[arg(long, value_name = "GLOB", value_hint = ValueHint::Other, help_heading = "Filters")]
    pub namespace: Vec<String>,

    /// Keep requests whose user, impersonated user or initiator (the person behind a
    /// controller's pod) matches GLOB
    /// (`system:serviceaccount:ci:*`); repeat for any of several.
    #[arg(long, value_name = "GLOB", value_hint = ValueHint::Other, help_heading = "Filters")]
    pub user: Vec<String>,

    /// Keep findings whose outcome is WHAT: `created` (the API server answered 2xx), `rejected`,
    /// `dry-run`, `unknown` (no status logged); repeat for any of several. A CI gate that fails
    /// only on pods that were actually created: `--outcome created`.
    #[arg(long, value_enum, value_name = "WHAT", help_heading = "Filters")]
    pub outcome: Vec<Outcome>,

    /// Keep findings with this reason: `disallowed-image`, or `images-unknown` (the request's
    /// images could not be read); repeat for both.
    #[arg(long, value_enum, value_name = "WHY", help_heading = "Filters")]
    pub reason: Vec<Reason>,

    /// Keep findings made by this action: `create`, `apply-create`, `image-change`,
    /// `ephemeral`, `workload-create`, `workload-change`; repeat for any of several.
    #[arg(long, value_enum, value_name = "HOW", help_heading = "Filters")]
    pub action: Vec<Action>,

    /// Output format of the findings (stdout) [default: table; falco with --falco].
    #[arg(long, value_enum, help_heading = "Output")]
    pub format: Option<Format>,

    /// One row per disallowed image instead of one per finding: how often, where, by whom, when,
    /// with what outcome (table, json, jsonl or csv).
    #[arg(long, help_heading = "Output", conflicts_with = "suggest_allowlist")]
    pub summary: bool,

    /// Print an allowlist (YAML) of every repository in the pod requests the API server accepted,
    /// with counts and first/last seen as comments: seed an allowlist from a known-good period.
    /// With --format json, the same as one JSON document.
    #[arg(long, help_heading = "Output", conflicts_with = "falco")]
    pub suggest_allowlist: bool,

    /// Write the report to FILE instead of stdout, in full or not at all (a temporary file in
    /// the same directory, renamed into place when complete; an object-store URI such as
    /// `s3://BUCKET/KEY` is written with one put); `-` is stdout.
    #[arg(long, short, value_name = "FILE|URI", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Exit 0 when there are findings (for job runners that retry a failed run); errors still
    /// exit 2.
    #[arg(long, help_heading = "Output")]
    pub exit_zero: bool,

    /// Do not print the summary on stderr (nor a progress bar, unless --progress always).
    #[arg(long, short, help_heading = "Output")]
    pub quiet: bool,

    /// When to colour the table; with `auto`, only a terminal, and never when `NO_COLOR` is set
    /// (`always` colours even then).
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value_t = When::Auto,
        help_heading = "Output"
    )]
    pub color: When,

    /// When to draw a progress bar on stderr; with `auto`, only for large inputs, on a terminal,
    /// when stdout is not a pipe and `CI` is not set.
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value_t = When::Auto,
        help_heading = "Output"
    )]
    pub progress: When,

    /// Treat a line that is not an audit event as an error (exit status 2).
    #[arg(long, help_heading = "Input")]
    pub strict: bool,

    /// Read files with buffered I/O instead of memory-mapping them.
    #[arg(long, help_heading = "Input")]
    pub no_mmap: bool,

    /// Worker threads, 1 to 1024 [default: all cores].
    #[arg(
        long,
        short = 'j',
        value_name = "N",
        value_parser = parse_threads,
        value_hint = ValueHint::Other,
        help_heading = "Input"
    )]
    pub threads: Option<usize>,

    /// Also read the paths listed in FILE (`-`: standard input), one per line, after the PATH
    /// arguments; blank lines and `#` comments are ignored.
    #[arg(
        long,
        value_name = "FILE",
        value_hint = ValueHint::FilePath,
        help_heading = "Sharding"
    )]
    pub files_from: Option<PathBuf>,

    /// Read only shard K of N: the inputs at positions K, K+N, K+2N… among the PATH arguments
    /// then the --files-from lines, counted before directories are walked. List one directory
    /// per cluster and shard by cluster.
    #[arg(
        long,
        value_name = "K/N",
        value_parser = parse_shard,
        value_hint = ValueHint::Other,
        help_heading = "Sharding"
    )]
    pub shard: Option<Shard>,

    /// Merge reports written with --format json or jsonl (the PATHs) into one, in any --format,
    /// as if one run had read all their inputs: findings in the order of the reports, one per
    /// request, the summaries added up, filters and exit status applied again.
    #[arg(
        long,
        help_heading = "Sharding",
        conflicts_with_all = [
            "allow", "falco", "workloads", "default_registry", "suggest_allowlist", "strict",
            "no_mmap", "threads", "shard",
        ]
    )]
    pub merge: bool,

    /// Print shell completions or the man page (generated from these options), or the JSON
    /// schema of the json and jsonl outputs, and exit.
    #[arg(
        long,
        value_enum,
        value_name = "WHAT",
        exclusive = true,
        help_heading = "Shell integration"
    )]
    pub generate: Option<Generate>,
}

/// The most worker threads `--threads` accepts: far more than any machine's cores, far fewer
/// than would exhaust memory or the process limit.
pub const MAX_THREADS: usize = 1024;

/// `--threads N`: 1 to [`MAX_THREADS`].
fn parse_threads(text: &str) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number of threads (1 to {MAX_THREADS})"))?;
    if (1..=MAX_THREADS).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "{n} threads: give 1 to {MAX_THREADS} (leave --threads out to use one per core)"
        ))
    }
}

/// `--default-registry HOST`: a registry host as an image reference names it (`mirror.corp`,
/// `registry.local:5000`, `localhost`), not a URL or a path.
fn parse_registry(text: &str) -> Result<String, String> {
    let hint = |why: &str, fix: Option<String>| {
        let fix = fix.map_or_else(String::new, |f| format!("; did you mean `{f}`?"));
        Err(format!("`{text}` {why}{fix}"))
    };
    if text.is_empty() {
        return hint("is empty: give a registry host, such as docker.io", None);
    }
    if let Some((scheme, rest)) = text.split_once("://") {
        let fix = rest.trim_end_matches('/');
        return hint(
            &format!("is a URL: give the host alone, without `{scheme}://`"),
            (!fix.is_empty() && !fix.contains('/')).then(|| fix.to_owned()),
        );
    }
    if text.contains('/') {
        let host = text.trim_end_matches('/');
        return hint(
            "has a `/`: give the registry host alone (a path below it is not a registry)",
            (!host.is_empty() && !host.contains('/')).then(|| host.to_owned()),
        );
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (text, None),
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if !host.split('.').all(label_ok) {
        return hint(
            "is not a host name (letters, digits, `-` and `.`, with an optional `:PORT`)",
            None,
        );
    }
    if port.is_some_and(|p| p.parse::<u16>().map_or(true, |p| p == 0)) {
        return hint("has a port that is not a number from 1 to 65535", None);
    }
    Ok(text.to_owned())
}

/// Output formats, described in docs/output.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people; the summary goes to stderr.
    Table,
    /// One JSON document: `{"findings":[…],"summary":{…}}`.
    Json,
    /// One finding per line, all written when the input ends (a request's last stage may come
    /// later); the summary goes to stderr.
    Jsonl,
    /// RFC 4180 CSV with a header row, lists joined by spaces; the summary goes to stderr.
    Csv,
    /// Falco's text alert line: `TIME: Warning Pod started with container not in allowed list (…)`.
    Falco,
    /// Falco's JSON alert, one per line, as falcosidekick and other Falco consumers read it.
    FalcoJson,
    /// JUnit XML for CI test reports (GitLab, Jenkins): a failing test case per finding.
    Junit,
    /// A GitHub-flavoured Markdown table (for `$GITHUB_STEP_SUMMARY`) and a summary line.
    Markdown,
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

/// What `--generate` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Generate {
    /// Bash completions (source it, or install into bash-completion's directory).
    Bash,
    /// Zsh completions (`_falco-pod-scan`, for a directory in `$fpath`).
    Zsh,
    /// Fish completions (`falco-pod-scan.fish`).
    Fish,
    /// Elvish completions.
    Elvish,
    /// PowerShell completions.
    #[value(name = "powershell")]
    PowerShell,
    /// The man page (roff), `falco-pod-scan.1`.
    Man,
    /// The JSON schema of the `json` and `jsonl` outputs (docs/schema/report-v1.json).
    JsonSchema,
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
        assert!(!cli.workloads);
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

    #[test]
    fn threads_are_one_to_a_thousand_and_twenty_four() {
        let threads = |n: &str| {
            Cli::try_parse_from(["falco-pod-scan", "a.log", "--allow", "x", "-j", n])
                .map(|c| c.threads)
                .map_err(|e| e.to_string())
        };
        assert_eq!(threads("1"), Ok(Some(1)));
        assert_eq!(threads("1024"), Ok(Some(1024)));
        for bad in ["0", "1025", "100000", "-3", "many", ""] {
            assert!(threads(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn default_registry_is_a_host_with_an_optional_port() {
        for good in [
            "docker.io",
            "mirror.corp",
            "registry.local:5000",
            "localhost",
            "10.0.0.1:443",
        ] {
            assert_eq!(parse_registry(good).as_deref(), Ok(good));
        }
        let refused = |text: &str| parse_registry(text).expect_err(text);
        assert!(refused("").contains("empty"));
        let e = refused("https://mirror.corp");
        assert!(
            e.contains("is a URL") && e.contains("`mirror.corp`?"),
            "{e}"
        );
        let e = refused("mirror.corp/");
        assert!(
            e.contains("has a `/`") && e.contains("`mirror.corp`?"),
            "{e}"
        );
        assert!(refused("mirror.corp/team").contains("has a `/`"));
        assert!(refused("mirror corp").contains("not a host name"));
        assert!(refused("mirror.corp:0").contains("port"));
        assert!(refused("mirror.corp:http").contains("port"));
        assert!(refused("-mirror").contains("not a host name"));
    }
}
