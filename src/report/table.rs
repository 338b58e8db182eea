//! `--format table`, the tables for people: one row per finding, or per disallowed image
//! (`--summary`, rows built by `by_image.rs`); every log string escaped.
//!
//! Finding columns: TIME, NAMESPACE, POD, USER, ACTION/OUTCOME, DISALLOWED IMAGES, SOURCE. Image
//! columns: IMAGE (with `→ reference` below when normalizing changed it), FINDINGS, OUTCOMES,
//! NAMESPACES, USERS, FIRST/LAST SEEN (one line when they are equal). With a width (stdout is a
//! terminal) a table wraps to fit it; without one (a pipe, a file) rows are never wrapped, so
//! `grep` sees whole rows.
//!
//! Colour, when on: disallowed images in red; outcomes red when the pod was created (the image
//! ran, or could have), green when refused or a dry run, yellow when unknown.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ColumnConstraint, ContentArrangement, Table};

use super::Style;
use super::by_image::ImageRow;
use crate::escape::escape;
use crate::finding::{Finding, Outcome, Reason};

/// Shown for a missing field.
const MISSING: &str = "-";

/// Writes the findings as a table (nothing at all when there are none).
pub fn write_findings(findings: &[Finding], style: Style, out: &mut impl Write) -> io::Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    let mut table = new_table(style);
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
    keep_width(&mut table, &[0, 1, 4]);
    writeln!(out, "{table}")
}

/// Writes one row per disallowed image (nothing at all when there are none).
pub fn write_images(rows: &[ImageRow<'_>], style: Style, out: &mut impl Write) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut table = new_table(style);
    table.set_header([
        "IMAGE",
        "FINDINGS",
        "OUTCOMES",
        "NAMESPACES",
        "USERS",
        "FIRST/LAST SEEN",
    ]);
    for r in rows {
        table.add_row(image_row(r, style.color));
    }
    keep_width(&mut table, &[1, 5]);
    writeln!(out, "{table}")
}

/// A table in the house style, coloured and wrapped as `style` says.
fn new_table(style: Style) -> Table {
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
    table
}

/// Keeps these columns as wide as their content when wrapping.
fn keep_width(table: &mut Table, columns: &[usize]) {
    for &index in columns {
        if let Some(column) = table.column_mut(index) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
}

/// The colour of an outcome: red when the pod got the image, green when it did not, yellow when
/// it is not known.
fn outcome_color(outcome: Outcome) -> Color {
    match outcome {
        Outcome::Created => Color::Red,
        Outcome::Rejected | Outcome::DryRun => Color::Green,
        Outcome::Unknown => Color::Yellow,
    }
}

/// One image row's cells.
fn image_row(r: &ImageRow<'_>, color: bool) -> Vec<Cell> {
    let lines = |items: &mut dyn Iterator<Item = &str>| {
        let items: Vec<_> = items.map(escape).collect();
        Cell::new(if items.is_empty() {
            MISSING.to_owned()
        } else {
            items.join("\n")
        })
    };
    let image = match (r.image, r.reference) {
        (None, _) => "<unknown>".to_owned(),
        (Some(image), Some(reference)) if image != reference => {
            format!("{}\n→ {reference}", escape(image))
        }
        (Some(image), Some(_)) => escape(image).into_owned(),
        (Some(image), None) => format!("{}\n(not a valid reference)", escape(image)),
    };
    let seen = match (r.first_seen, r.last_seen) {
        (Some(first), Some(last)) if first != last => {
            format!("{}\n{}", escape(first), escape(last))
        }
        (Some(first), _) => escape(first).into_owned(),
        (None, _) => MISSING.to_owned(),
    };
    let outcomes = lines(&mut r.outcomes.describe().split(", "));
    let (image, outcomes) = if color {
        let worst = if r.outcomes.created > 0 {
            Outcome::Created
        } else if r.outcomes.unknown > 0 {
            Outcome::Unknown
        } else {
            Outcome::Rejected
        };
        (
            Cell::new(image).fg(Color::Red),
            outcomes.fg(outcome_color(worst)),
        )
    } else {
        (Cell::new(image), outcomes)
    };
    vec![
        image,
        Cell::new(r.count),
        outcomes,
        lines(&mut r.namespaces.iter().copied()),
        lines(&mut r.users.iter().copied()),
        Cell::new(seen),
    ]
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
        (outcome.fg(outcome_color(f.outcome)), images.fg(Color::Red))
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
