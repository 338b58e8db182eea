//! `--format table`, the tables for people: one row per finding, or per disallowed image
//! (`--summary`, rows built by `by_image.rs`); every log string escaped.
//!
//! Finding columns: TIME, NAMESPACE, POD, USER, ACTION/OUTCOME, DISALLOWED IMAGES, SOURCE. Image
//! columns: IMAGE (with `→ reference` below when normalizing changed it), FINDINGS, OUTCOMES,
//! NAMESPACES, USERS, INITIATORS, FIRST/LAST SEEN (one line when they are equal). With a width
//! (stdout is a terminal) a table wraps to fit it; without one (a pipe, a file) rows are never
//! wrapped, so `grep` sees whole rows.
//!
//! POD names the pod, or `Kind/name` for a request on a workload (`Deployment/web`). USER is who
//! is behind the finding, with how that was found on the line beneath:
//!
//! * `owner-chain`: the initiator (the person or pipeline that set the image), then
//!   `via Deployment/web`, the top of the owner chain: the controller that made the pod is not
//!   who a responder is after;
//! * `direct` with a note (a pod that claims an owner it was not made by): the requester, then
//!   `claims ReplicaSet/web-5b7d9c6f48`, so the masquerade shows;
//! * `unresolved`: the requester (a controller), then `unresolved at Deployment/worker`, the
//!   object where the chain broke (the JSON output has the whole chain and why it broke);
//! * `direct` without a note, and findings without attribution (Falco parity mode): the
//!   requester.
//!
//! A user who impersonated another shows `(as …)` beneath the name.
//!
//! Colour, when on: disallowed images in red; outcomes red when the pod was created (the image
//! ran, or could have), green when refused or a dry run, yellow when unknown.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ColumnConstraint, ContentArrangement, Table};

use super::Style;
use super::by_image::ImageRow;
use crate::attribution::How;
use crate::escape::escape;
use crate::finding::{Finding, ObjectKind, Outcome, Reason};

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
        "INITIATORS",
        "FIRST/LAST SEEN",
    ]);
    for r in rows {
        table.add_row(image_row(r, style.color));
    }
    keep_width(&mut table, &[1, 6]);
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
        Cell::new(initiators(r)),
        Cell::new(seen),
    ]
}

/// An image row's initiators, one per line with its count (`bob@example.com (2)`), then the
/// findings whose initiator was not found (`<unresolved> (1)`).
fn initiators(r: &ImageRow<'_>) -> String {
    let mut lines: Vec<String> = r
        .initiators
        .iter()
        .map(|(user, n)| format!("{} ({n})", escape(user)))
        .collect();
    if r.unresolved > 0 {
        lines.push(format!("<unresolved> ({})", r.unresolved));
    }
    if lines.is_empty() {
        MISSING.to_owned()
    } else {
        lines.join("\n")
    }
}

/// One finding's cells.
fn row(f: &Finding, color: bool) -> Vec<Cell> {
    let text = |s: &Option<String>| Cell::new(escape(s.as_deref().unwrap_or(MISSING)));
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
        Cell::new(object(f)),
        Cell::new(user(f)),
        outcome,
        images,
        Cell::new(escape(&format!("{}:{}", f.file, f.line))),
    ]
}

/// The POD cell: the pod's name, or `Kind/name` for a workload request.
fn object(f: &Finding) -> String {
    match f.kind {
        ObjectKind::Pod => escape(f.pod.as_deref().unwrap_or(MISSING)).into_owned(),
        ObjectKind::Workload(kind) => format!(
            "{}/{}",
            kind.as_str(),
            escape(f.name.as_deref().unwrap_or(MISSING))
        ),
    }
}

/// The USER cell: who is behind the finding, and beneath it how that was found (see the module
/// docs).
fn user(f: &Finding) -> String {
    let requester = || person(f.user.as_deref(), f.impersonated_user.as_deref());
    let Some(a) = &f.attribution else {
        return requester();
    };
    let chain =
        |element: Option<&String>| escape(element.map_or(MISSING, String::as_str)).into_owned();
    match (a.how, &a.initiator, &a.note) {
        (How::OwnerChain, Some(initiator), _) => format!(
            "{}\nvia {}",
            person(
                initiator.user.as_deref(),
                initiator.impersonated_user.as_deref()
            ),
            chain(a.chain.last())
        ),
        (How::Unresolved, ..) => {
            format!("{}\nunresolved at {}", requester(), chain(a.chain.last()))
        }
        (How::Direct, _, Some(note)) => format!("{}\n{}", requester(), escape(short_note(note))),
        _ => requester(),
    }
}

/// A user name, with `(as …)` beneath when it impersonated another; escaped.
fn person(user: Option<&str>, impersonated: Option<&str>) -> String {
    let user = escape(user.unwrap_or(MISSING));
    match impersonated {
        Some(as_user) => format!("{user}\n(as {})", escape(as_user)),
        None => user.into_owned(),
    }
}

/// A `direct` finding's note, shortened to what the USER cell needs: `claims ReplicaSet/x` (who
/// created the pod is the name above it), `owned by Rollout/x` (an owner of a kind attribution
/// does not follow). Any other note is shown whole. The owner's name comes from the request, so
/// the text is cut at the last occurrence of the phrase that follows it.
fn short_note(note: &str) -> &str {
    for tail in [
        " but was created by ",
        ", a kind attribution does not follow",
    ] {
        if let Some(end) = note.rfind(tail) {
            return &note[..end];
        }
    }
    note
}

#[cfg(test)]
mod tests;
