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
use std::path::Path;

use comfy_table::Color;

use super::Style;
use super::by_image::ImageRow;
use super::fit::Give;
use crate::attribution::How;
use crate::escape::escape;
use crate::finding::{Finding, ObjectKind, Outcome, Reason};
use grid::{Column, Fitted, Text};

mod grid;

/// Shown for a missing field.
const MISSING: &str = "-";

/// The narrowest a narrowable column gets: fewer columns would say nothing.
const HARD: usize = 14;

/// How a finding table is cut to fit a width, from the roomiest: which columns it has and
/// which values are stacked in two lines instead of one.
#[derive(Debug, Clone, Copy)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent choices of one table layout"
)]
struct Shape {
    /// A STAGE column.
    stage: bool,
    /// How the time is shown.
    time: TimeForm,
    /// NAMESPACE and POD stacked in one column.
    stack: bool,
    /// Action and outcome on two lines.
    split_action: bool,
    /// A SOURCE column.
    source: bool,
}

/// The shapes of the finding table, from the roomiest. Every one shows each value whole; the
/// last two, the most compact, are the ones narrowed (values elided) when none fits whole.
const SHAPES: [Shape; 6] = [
    Shape {
        stage: true,
        time: TimeForm::Written,
        stack: false,
        split_action: false,
        source: true,
    },
    Shape {
        stage: false,
        time: TimeForm::Written,
        stack: false,
        split_action: false,
        source: true,
    },
    Shape {
        stage: false,
        time: TimeForm::Seconds,
        stack: false,
        split_action: false,
        source: true,
    },
    Shape {
        stage: false,
        time: TimeForm::TwoLines,
        stack: false,
        split_action: true,
        source: true,
    },
    Shape {
        stage: false,
        time: TimeForm::TwoLines,
        stack: true,
        split_action: true,
        source: true,
    },
    Shape {
        stage: false,
        time: TimeForm::TwoLines,
        stack: true,
        split_action: true,
        source: false,
    },
];

/// The shapes that may be narrowed, from the first choice.
const NARROWABLE: [usize; 2] = [4, 5];

/// The shape drawn without a width (a pipe, a file): every value whole, one line each.
const UNFITTED: usize = 1;

/// How a time is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeForm {
    /// As written in the log.
    Written,
    /// Without fractions of a second.
    Seconds,
    /// Without fractions of a second, the date above the time of day.
    TwoLines,
}

impl TimeForm {
    /// `time` in this form. A time that is not RFC 3339 is shown as written.
    fn show(self, time: &str) -> String {
        if self == TimeForm::Written {
            return time.to_owned();
        }
        let seconds = without_fraction(time);
        match (self, seconds.split_once('T')) {
            (TimeForm::TwoLines, Some((date, clock))) => format!("{date}\n{clock}"),
            _ => seconds,
        }
    }
}

/// An RFC 3339 time without its fraction of a second (`…:58.976051Z` → `…:58Z`); anything else
/// unchanged.
fn without_fraction(time: &str) -> String {
    let Some(t) = time.find('T') else {
        return time.to_owned();
    };
    let Some(dot) = time[t..].find('.').map(|d| t + d) else {
        return time.to_owned();
    };
    let digits = time[dot + 1..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    if digits == 0 {
        return time.to_owned();
    }
    format!("{}{}", &time[..dot], &time[dot + 1 + digits..])
}

/// Writes the findings as a table fitted to the style's width, or one block per finding when no
/// table fits (nothing at all when there are none).
pub fn write_findings(findings: &[Finding], style: &Style, out: &mut impl Write) -> io::Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    if style.color {
        grid::force_color();
    }
    let shapes: Vec<Vec<Column>> = SHAPES
        .iter()
        .map(|&shape| finding_columns(findings, shape, style))
        .collect();
    draw(&shapes, &NARROWABLE, UNFITTED, "Finding", style, out)
}

/// Draws the fitted shape, the unfitted one without a width, or blocks.
fn draw(
    shapes: &[Vec<Column>],
    narrowable: &[usize],
    unfitted: usize,
    title: &str,
    style: &Style,
    out: &mut impl Write,
) -> io::Result<()> {
    let Some(width) = style.width else {
        return grid::write_table(&shapes[unfitted], None, style.color, out);
    };
    let width = usize::from(width);
    match grid::fit(shapes, narrowable, width) {
        Fitted::Table { shape, widths } => {
            grid::write_table(&shapes[shape], Some(&widths), style.color, out)
        }
        // The roomiest shape has every column, each value on its own lines.
        Fitted::Blocks => grid::write_blocks(title, &shapes[0], width, style.color, out),
    }
}

/// A narrowable column.
fn down(soft: usize, rank: u8) -> (Give, u8) {
    (Give::Down { soft, hard: HARD }, rank)
}

/// A column of cells.
fn column(
    header: &'static str,
    label: &'static str,
    (give, rank): (Give, u8),
    cells: Vec<Text>,
) -> Column {
    Column {
        header,
        label,
        give,
        rank,
        keep_end: false,
        cells,
    }
}

/// The finding table's columns in `shape`.
fn finding_columns(findings: &[Finding], shape: Shape, style: &Style) -> Vec<Column> {
    let fixed = (Give::Fixed, 0);
    let each = |cell: &dyn Fn(&Finding) -> Text| findings.iter().map(cell).collect::<Vec<_>>();
    let text = |s: &Option<String>| escape(s.as_deref().unwrap_or(MISSING)).into_owned();
    let mut columns = vec![column(
        "TIME",
        "Time",
        fixed,
        each(&|f| Text::new(&shape.time.show(&text(&f.time)))),
    )];
    if shape.stage {
        columns.push(column(
            "STAGE",
            "Stage",
            fixed,
            each(&|f| Text::new(&text(&f.stage))),
        ));
    }
    if shape.stack {
        columns.push(column(
            "NAMESPACE\nPOD",
            "Namespace/pod",
            down(16, 1),
            each(&|f| Text::new(&format!("{}\n{}", text(&f.namespace), object(f)))),
        ));
    } else {
        columns.push(column(
            "NAMESPACE",
            "Namespace",
            down(12, 1),
            each(&|f| Text::new(&text(&f.namespace))),
        ));
        columns.push(column(
            "POD",
            "Pod",
            down(16, 2),
            each(&|f| Text::new(&object(f))),
        ));
    }
    columns.push(column(
        "USER",
        "User",
        down(20, 3),
        each(&|f| Text::new(&user(f))),
    ));
    let (header, separator) = if shape.split_action {
        ("ACTION\nOUTCOME", "\n")
    } else {
        ("ACTION/OUTCOME", "/")
    };
    columns.push(column(
        header,
        "Action/outcome",
        fixed,
        each(&|f| {
            let text = format!("{}{separator}{}", f.action.as_str(), f.outcome.as_str());
            Text::new(&text).color(outcome_color(f.outcome))
        }),
    ));
    columns.push(column(
        if shape.stack {
            "DISALLOWED\nIMAGES"
        } else {
            "DISALLOWED IMAGES"
        },
        "Disallowed images",
        down(24, 4),
        each(&|f| images(f).color(Color::Red)),
    ));
    if shape.source {
        let mut source = column(
            "SOURCE",
            "Source",
            down(16, 0),
            each(&|f| Text::new(&source(f, style.base.as_deref()))),
        );
        source.keep_end = true;
        columns.push(source);
    }
    columns
}

/// The DISALLOWED IMAGES cell: one image per line, or `<unknown>`.
fn images(f: &Finding) -> Text {
    if f.reason == Reason::ImagesUnknown && f.disallowed_images.is_empty() {
        return Text::new("<unknown>");
    }
    Text {
        lines: f
            .disallowed_images
            .iter()
            .map(|i| escape(i).into_owned())
            .collect(),
        color: None,
    }
}

/// The SOURCE cell: `file:line`, the file relative to `base` when it is below it.
fn source(f: &Finding, base: Option<&Path>) -> String {
    let file = Path::new(&f.file);
    let shown = base
        .filter(|_| file.is_absolute())
        .and_then(|base| file.strip_prefix(base).ok())
        .filter(|rel| !rel.as_os_str().is_empty())
        .map_or_else(|| f.file.clone(), |rel| rel.to_string_lossy().into_owned());
    let shown = shown.strip_prefix("./").unwrap_or(&shown);
    escape(&format!("{shown}:{}", f.line)).into_owned()
}

/// How the image table is cut to fit a width: FIRST/LAST SEEN as written, or to the second.
const IMAGE_SHAPES: [TimeForm; 2] = [TimeForm::Written, TimeForm::Seconds];

/// Writes one row per disallowed image, fitted like the findings (nothing at all when there are
/// none).
pub fn write_images(rows: &[ImageRow<'_>], style: &Style, out: &mut impl Write) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    if style.color {
        grid::force_color();
    }
    let shapes: Vec<Vec<Column>> = IMAGE_SHAPES
        .iter()
        .map(|&seen| image_columns(rows, seen))
        .collect();
    draw(&shapes, &[1], 0, "Image", style, out)
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

/// The image table's columns, with FIRST/LAST SEEN in the form `seen`.
fn image_columns(rows: &[ImageRow<'_>], seen: TimeForm) -> Vec<Column> {
    let fixed = (Give::Fixed, 0);
    let each = |cell: &dyn Fn(&ImageRow<'_>) -> Text| rows.iter().map(cell).collect::<Vec<_>>();
    let lines = |items: &mut dyn Iterator<Item = &str>| {
        let items: Vec<String> = items.map(|i| escape(i).into_owned()).collect();
        if items.is_empty() {
            Text::new(MISSING)
        } else {
            Text {
                lines: items,
                color: None,
            }
        }
    };
    vec![
        column("IMAGE", "Image", down(28, 4), each(&|r| image(r))),
        column(
            "FINDINGS",
            "Findings",
            fixed,
            each(&|r| Text::new(&r.count.to_string())),
        ),
        column(
            "OUTCOMES",
            "Outcomes",
            fixed,
            each(&|r| lines(&mut r.outcomes.describe().split(", ")).color(outcome_color(worst(r)))),
        ),
        column(
            "NAMESPACES",
            "Namespaces",
            down(16, 1),
            each(&|r| lines(&mut r.namespaces.iter().copied())),
        ),
        column(
            "USERS",
            "Users",
            down(20, 2),
            each(&|r| lines(&mut r.users.iter().copied())),
        ),
        column(
            "INITIATORS",
            "Initiators",
            down(20, 3),
            each(&|r| Text::new(&initiators(r))),
        ),
        column(
            "FIRST/LAST SEEN",
            "First/last seen",
            fixed,
            each(&|r| Text::new(&seen_cell(r, seen))),
        ),
    ]
}

/// The IMAGE cell: the image as written, and beneath it the reference when normalizing changed
/// it (or that it is not a valid reference); red.
fn image(r: &ImageRow<'_>) -> Text {
    let text = match (r.image, r.reference) {
        (None, _) => "<unknown>".to_owned(),
        (Some(image), Some(reference)) if image != reference => {
            format!("{}\n→ {}", escape(image), escape(reference))
        }
        (Some(image), Some(_)) => escape(image).into_owned(),
        (Some(image), None) => format!("{}\n(not a valid reference)", escape(image)),
    };
    Text::new(&text).color(Color::Red)
}

/// The FIRST/LAST SEEN cell: one line when they are equal.
fn seen_cell(r: &ImageRow<'_>, form: TimeForm) -> String {
    match (r.first_seen, r.last_seen) {
        (Some(first), Some(last)) if first != last => {
            format!(
                "{}\n{}",
                form.show(&escape(first)),
                form.show(&escape(last))
            )
        }
        (Some(first), _) => form.show(&escape(first)),
        (None, _) => MISSING.to_owned(),
    }
}

/// The outcome that colours an image row: created if any finding was, else unknown if any was,
/// else refused.
fn worst(r: &ImageRow<'_>) -> Outcome {
    if r.outcomes.created > 0 {
        Outcome::Created
    } else if r.outcomes.unknown > 0 {
        Outcome::Unknown
    } else {
        Outcome::Rejected
    }
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

/// The POD cell: the pod's name, or `Kind/name` for a workload request.
pub(super) fn object(f: &Finding) -> String {
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
pub(super) fn user(f: &Finding) -> String {
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
