//! The options tables of the README and of docs/usage.md stay true to `--help`: every long option
//! the binary accepts has a row, and every row names an option the binary accepts.
//!
//! Both sides are reduced to sets of long option names (`--allow`, `--threads`, …), so wording,
//! wrapping and order can change freely; only a missing or an invented option fails.

use std::collections::BTreeSet;

use crate::util::{code, root, run, stdout};

/// The long options `--help` lists. An option line starts with `-x, --name` or `--name`, indented
/// by at most six spaces; descriptions are indented further, and the text after the options is not
/// indented, so an option named in prose is not taken for a row.
fn help_options() -> BTreeSet<String> {
    let out = run(&["--help"]);
    assert_eq!(code(&out), 0, "--help exits 0");
    stdout(&out)
        .lines()
        .filter_map(|line| {
            let text = line.trim_start();
            let indent = line.len() - text.len();
            if indent == 0 || indent > 6 {
                return None;
            }
            let line = text;
            let line = match line.strip_prefix('-') {
                Some(rest) if !rest.starts_with('-') => rest.get(1..)?.strip_prefix(", ")?,
                _ => line,
            };
            long_name(line.strip_prefix("--")?)
        })
        .collect()
}

/// The option name at the start of `text` (what follows `--`), if it is one.
fn long_name(text: &str) -> Option<String> {
    let end = text
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        .unwrap_or(text.len());
    let name = &text[..end];
    (name.len() > 1 && name.as_bytes()[0].is_ascii_lowercase()).then(|| format!("--{name}"))
}

/// The long options named in the first column of the options table of `file`: the first table
/// under the `## {section}` heading whose header row is `| option | meaning |`.
fn table_options(file: &str, section: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join(file)).expect("the documentation file");
    let heading = format!("{section}\n");
    let body = text
        .split("\n## ")
        .find(|s| s.starts_with(&heading))
        .unwrap_or_else(|| panic!("{file} has a `## {section}` section"));
    let rows = body
        .lines()
        .skip_while(|line| !line.starts_with("| option |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'));
    let mut options = BTreeSet::new();
    for row in rows {
        let first = row.split('|').nth(1).expect("a table row has cells");
        for (i, _) in first.match_indices("--") {
            options.extend(long_name(&first[i + 2..]));
        }
    }
    assert!(!options.is_empty(), "{file}'s options table lists options");
    options
}

/// Fails unless the options table of `file` names exactly the options of `--help`.
fn assert_table_matches_help(file: &str, section: &str) {
    let help = help_options();
    assert!(
        help.contains("--allow") && help.contains("--threads"),
        "{help:?}"
    );
    let table = table_options(file, section);
    let missing: Vec<_> = help.difference(&table).collect();
    let unknown: Vec<_> = table.difference(&help).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "{file}'s options table is out of date with --help: \
         missing {missing:?}, not in --help {unknown:?}"
    );
}

/// Every option of `--help` is in the README's table, and the table lists no other.
#[test]
fn readme_table_matches_help() {
    assert_table_matches_help("README.md", "Usage");
}

/// The same for the full reference of the command line.
#[test]
fn usage_page_table_matches_help() {
    assert_table_matches_help("docs/usage.md", "Options");
}

/// The parser finds short-and-long, long-only and value-taking options, and nothing in prose.
#[test]
fn long_names_are_parsed() {
    assert_eq!(long_name("threads <N>"), Some("--threads".into()));
    assert_eq!(long_name("no-mmap"), Some("--no-mmap".into()));
    assert_eq!(long_name("-"), None);
    assert_eq!(long_name(" x"), None);
}

/// The part of a bash completion script that completes the value of `option`: from its `case`
/// arm to the arm's `;;`.
fn bash_arm<'s>(script: &'s str, option: &str) -> &'s str {
    let start = script
        .find(&format!("                {option})"))
        .unwrap_or_else(|| panic!("an arm for {option}"));
    let len = script[start..].find(";;").expect("the arm ends");
    &script[start..start + len]
}

#[test]
fn completions_offer_no_file_names_for_values_that_are_not_files() {
    let bash = stdout(&run(&["--generate", "bash"]));
    for option in [
        "--threads",
        "-j",
        "--since",
        "--until",
        "--shard",
        "--namespace",
    ] {
        let arm = bash_arm(&bash, option);
        assert!(!arm.contains("compgen -f"), "{option}: {arm}");
    }
    for option in ["--allow", "--files-from"] {
        assert!(bash_arm(&bash, option).contains("compgen -f"), "{option}");
    }
    let zsh = stdout(&run(&["--generate", "zsh"]));
    for spec in ["'--threads=[", "'--since=["] {
        let line = zsh
            .lines()
            .find(|l| l.contains(spec))
            .unwrap_or_else(|| panic!("{spec} in {zsh}"));
        assert!(
            !line.contains("_default") && !line.contains("_files"),
            "{line}"
        );
    }
    let fish = stdout(&run(&["--generate", "fish"]));
    for long in ["-l threads", "-l since"] {
        let line = fish
            .lines()
            .find(|l| l.contains(long))
            .unwrap_or_else(|| panic!("{long}"));
        assert!(!line.contains(" -F"), "{line}");
    }
}

#[test]
fn the_man_page_says_what_the_exit_status_and_the_environment_mean() {
    let man = stdout(&run(&["--generate", "man"]));
    assert!(man.contains(".SH \"EXIT STATUS\""), "{man}");
    assert!(man.contains(".SH ENVIRONMENT"), "{man}");
    assert!(!man.contains(".SH EXTRA"), "{man}");
    for name in ["NO_COLOR", "CI", "FALCO_HOSTNAME", "FALCO_GRPC_HOSTNAME"] {
        assert!(man.contains(name), "{name}");
    }
}

#[test]
fn help_says_when_jsonl_lines_are_written() {
    let help = stdout(&run(&["--help"]));
    let jsonl = help
        .split("\n\n")
        .find(|p| p.contains("jsonl"))
        .unwrap_or(&help);
    assert!(!help.contains("streamed"), "{jsonl}");
    assert!(help.contains("when the input ends"), "{help}");
}
