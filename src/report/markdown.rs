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

use std::io::{self, Write};

use super::Report;
use super::junit::headline;
use super::table;
use crate::escape::escape;
use crate::finding::{Finding, Reason};

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
    if findings.is_empty() {
        writeln!(out, "No disallowed pod images.")?;
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
