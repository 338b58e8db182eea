//! `--format markdown`: a GitHub-flavoured Markdown table of the findings, what a CI job appends
//! to `$GITHUB_STEP_SUMMARY` (or a merge-request comment), followed by a one-line summary.
//!
//! The columns are the table's (TIME, NAMESPACE, POD, USER, ACTION/OUTCOME, DISALLOWED IMAGES,
//! SOURCE), with who is behind a finding as the table shows it. Every cell is text from the log,
//! so every cell is escaped: control, bidi and invisible characters (a newline among them) become
//! `\u{…}` as on a terminal, and each character Markdown or GitHub would read as syntax (`|`,
//! backticks, `*`, `_`, `[`, `]`, `<`, `>`, `&`, `~`, `$`, `\`) gets a backslash, which
//! CommonMark allows before any punctuation. The cell's own lines are joined with `<br>`, the
//! only HTML written.
//!
//! A run that failed (exit status 2: an input that could not be read, or held no audit event, a
//! `--strict` violation) says so: never the sentence of a clean run, and its errors follow under
//! a heading of their own, the first [`ERRORS_SHOWN`] of them, each escaped like a cell.

use std::io::{self, Write};

use super::Report;
use super::junit::headline;
use super::table;
use crate::escape::escape;
use crate::finding::{Finding, Reason};

/// How many errors are listed; the rest are counted.
const ERRORS_SHOWN: usize = 20;

/// The characters that get a backslash in a cell.
const SYNTAX: &[char] = &['\\', '`', '*', '_', '[', ']', '<', '>', '&', '|', '~', '$'];

/// `s`, escaped (see the module docs).
pub fn cell(s: &str) -> String {
    syntax(&escape(s))
}

/// `s` (escaped for a terminal already) with a backslash before each Markdown syntax character.
fn syntax(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if SYNTAX.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Lines, each escaped, joined with `<br>`.
fn lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    lines.into_iter().map(cell).collect::<Vec<_>>().join("<br>")
}

/// Writes the findings table (or a line saying there are none) and the summary line.
pub fn write(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    let findings = report.findings;
    writeln!(out, "### falco-pod-scan")?;
    writeln!(out)?;
    let errors = report.errors;
    if findings.is_empty() && errors.is_empty() {
        writeln!(out, "No disallowed pod images.")?;
    } else if findings.is_empty() {
        writeln!(
            out,
            "**The scan failed**: no finding in what was read, but not everything was read \
             correctly (see the errors below)."
        )?;
    } else {
        writeln!(
            out,
            "| Time | Namespace | Pod | User | Action/outcome | Disallowed images | Source |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for f in findings {
            writeln!(out, "| {} |", row(f).join(" | "))?;
        }
    }
    if !errors.is_empty() {
        writeln!(out)?;
        writeln!(out, "#### Errors")?;
        writeln!(out)?;
        for error in errors.iter().take(ERRORS_SHOWN) {
            writeln!(out, "- {}", cell(error))?;
        }
        if errors.len() > ERRORS_SHOWN {
            writeln!(out, "- and {} more", errors.len() - ERRORS_SHOWN)?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{}.", cell(&headline(report)))
}

/// One finding's cells, escaped.
fn row(f: &Finding) -> [String; 7] {
    let opt = |s: &Option<String>| cell(s.as_deref().unwrap_or("-"));
    let images = if f.reason == Reason::ImagesUnknown && f.disallowed_images.is_empty() {
        cell("<unknown>")
    } else {
        lines(f.disallowed_images.iter().map(String::as_str))
    };
    // The table's cells are escaped for a terminal already; only Markdown is left to escape.
    let markdown = |text: &str| {
        text.split('\n')
            .map(syntax)
            .collect::<Vec<_>>()
            .join("<br>")
    };
    [
        opt(&f.time),
        opt(&f.namespace),
        markdown(&table::object(f)),
        markdown(&table::user(f)),
        format!("{}/{}", f.action.as_str(), f.outcome.as_str()),
        images,
        cell(&format!("{}:{}", f.file, f.line)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{owner_chain, pod, request};

    /// The Markdown of a run with `findings` and `errors`.
    fn markdown(findings: &[Finding], errors: &[String]) -> String {
        let stats = crate::stats::Stats::default();
        let report = Report {
            findings,
            stats: &stats,
            errors,
            elapsed: std::time::Duration::ZERO,
            filtered: crate::filter::FilterStats::default(),
            accepted: None,
        };
        let mut out = Vec::new();
        write(&report, &mut out).expect("write");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn a_failed_run_lists_its_errors_and_is_never_called_clean() {
        assert!(markdown(&[], &[]).contains("No disallowed pod images."));
        let errors = vec![
            "a.log: No such file or directory".to_owned(),
            "b|c.log: not an audit log: it is text that starts `<b>hi</b>`\n| row |".to_owned(),
        ];
        let text = markdown(&[], &errors);
        assert!(!text.contains("No disallowed pod images"), "{text}");
        assert!(text.contains("**The scan failed**"), "{text}");
        let listed: Vec<&str> = text
            .lines()
            .skip_while(|l| *l != "#### Errors")
            .filter(|l| l.starts_with("- "))
            .collect();
        assert_eq!(
            listed,
            [
                "- a.log: No such file or directory",
                "- b\\|c.log: not an audit log: it is text that starts \\`\\<b\\>hi\\</b\\>\\`\\\\u{a}\\| row \\|",
            ]
        );
        // With findings the table stays, and the errors follow it.
        let f = pod("web", "alice");
        let text = markdown(std::slice::from_ref(&f), &errors[..1]);
        assert!(text.contains("| Time |"), "{text}");
        assert!(
            text.contains("#### Errors\n\n- a.log: No such file or directory\n"),
            "{text}"
        );
        // A long list is cut, and says by how much.
        let many: Vec<String> = (0..25).map(|i| format!("e{i}")).collect();
        let text = markdown(&[], &many);
        assert_eq!(text.lines().filter(|l| l.starts_with("- e")).count(), 20);
        assert!(text.contains("- and 5 more\n"), "{text}");
    }

    #[test]
    fn every_syntax_character_is_escaped() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell("`rm -rf`"), "\\`rm -rf\\`");
        assert_eq!(
            cell("<img src=x onerror=alert(1)>"),
            "\\<img src=x onerror=alert(1)\\>"
        );
        assert_eq!(
            cell("**bold** _it_ ~~s~~ $x$"),
            "\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\$x\\$"
        );
        assert_eq!(cell("[x](http://e)"), "\\[x\\](http://e)");
        assert_eq!(
            cell("a\\|b"),
            "a\\\\\\|b",
            "a backslash cannot undo the next escape"
        );
        assert_eq!(cell("&lt;"), "\\&lt;", "no entity");
        assert_eq!(cell("one\ntwo\r"), "one\\\\u{a}two\\\\u{d}", "one line");
    }

    #[test]
    fn a_row_has_seven_cells_and_who_is_behind_it_on_lines_of_its_own() {
        let f = owner_chain("web-1", request("bob_the@example.com", 5));
        let cells = row(&f);
        assert_eq!(cells[3], "bob\\_the@example.com<br>via Deployment/web");
        assert_eq!(cells[4], "create/created");
        assert_eq!(cells[5], "xmrig/xmrig:6.21.0");
        assert_eq!(cells[6], "a.log:4");
        let mut hostile = pod("x|y`z", "u\n| injected | row |");
        hostile.disallowed_images = vec!["a|b".to_owned(), "c<br>".to_owned()];
        let cells = row(&hostile);
        assert_eq!(cells[2], "x\\|y\\`z");
        assert_eq!(cells[3], "u\\\\u{a}\\| injected \\| row \\|");
        assert_eq!(cells[5], "a\\|b<br>c\\<br\\>");
        for c in &cells {
            assert!(!c.contains('\n'), "{c}");
        }
    }
}
