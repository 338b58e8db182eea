//! The README's options table stays true to `--help`: every long option the binary accepts has a
//! row, and every row names an option the binary accepts.
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

/// The long options the README's options table names in its first column. The table is the
/// first one under `## Usage` whose header row is `| option | meaning |`.
fn readme_options() -> BTreeSet<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let usage = readme
        .split("\n## ")
        .find(|section| section.starts_with("Usage\n"))
        .expect("the README has a `## Usage` section");
    let rows = usage
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
    assert!(
        !options.is_empty(),
        "the README's options table lists options"
    );
    options
}

/// Every option of `--help` is in the README's table, and the table lists no other.
#[test]
fn readme_table_matches_help() {
    let help = help_options();
    let readme = readme_options();
    assert!(
        help.contains("--allow") && help.contains("--threads"),
        "{help:?}"
    );
    let missing: Vec<_> = help.difference(&readme).collect();
    let unknown: Vec<_> = readme.difference(&help).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "README.md's options table is out of date with --help: \
         missing {missing:?}, not in --help {unknown:?}"
    );
}

/// The parser finds short-and-long, long-only and value-taking options, and nothing in prose.
#[test]
fn long_names_are_parsed() {
    assert_eq!(long_name("threads <N>"), Some("--threads".into()));
    assert_eq!(long_name("no-mmap"), Some("--no-mmap".into()));
    assert_eq!(long_name("-"), None);
    assert_eq!(long_name(" x"), None);
}
