//! The table for people (SPEC §9): one row per finding, every log string escaped.
//!
//! Columns: TIME, NAMESPACE, POD, USER, ACTION/OUTCOME, DISALLOWED IMAGES, SOURCE. With a width
//! (stdout is a terminal) the table wraps to fit it; without one (a pipe, a file) rows are never
//! wrapped, so `grep` sees whole rows.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ColumnConstraint, ContentArrangement, Table};

use super::Style;
use super::sanitize::escape;
use crate::finding::{Finding, Outcome, Reason};

/// Shown for a missing field.
const MISSING: &str = "-";

/// Writes the findings as a table (nothing at all when there are none).
pub fn write(findings: &[Finding], style: Style, out: &mut impl Write) -> io::Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    match style.width {
        Some(width) => {
            table.set_width(width);
            table.set_content_arrangement(ContentArrangement::Dynamic);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table.set_header([
        "TIME",
        "NAMESPACE",
        "POD",
        "USER",
        "ACTION/OUTCOME",
        "DISALLOWED IMAGES",
        "SOURCE",
    ]);
    for f in findings {
        table.add_row(row(f, style.color));
    }
    // Short, fixed-shape columns keep their width; the free text columns share the rest.
    for index in [0, 1, 4] {
        if let Some(column) = table.column_mut(index) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    writeln!(out, "{table}")
}

/// One finding's cells.
fn row(f: &Finding, color: bool) -> Vec<Cell> {
    let text = |s: &Option<String>| Cell::new(escape(s.as_deref().unwrap_or(MISSING)));
    let mut user = escape(f.user.as_deref().unwrap_or(MISSING)).into_owned();
    if let Some(as_user) = &f.impersonated_user {
        user = format!("{user}\n(as {})", escape(as_user));
    }
    let outcome = Cell::new(format!("{}/{}", f.action.as_str(), f.outcome.as_str()));
    let images = if f.reason == Reason::ImagesUnknown && f.disallowed_images.is_empty() {
        Cell::new("<unknown>")
    } else {
        let list: Vec<_> = f.disallowed_images.iter().map(|i| escape(i)).collect();
        Cell::new(list.join("\n"))
    };
    let (outcome, images) = if color {
        let outcome = match f.outcome {
            Outcome::Created => outcome.fg(Color::Red),
            Outcome::Rejected | Outcome::DryRun => outcome.fg(Color::Green),
            Outcome::Unknown => outcome.fg(Color::Yellow),
        };
        (outcome, images.fg(Color::Red))
    } else {
        (outcome, images)
    };
    vec![
        text(&f.time),
        text(&f.namespace),
        text(&f.pod),
        Cell::new(user),
        outcome,
        images,
        Cell::new(escape(&format!("{}:{}", f.file, f.line))),
    ]
}
