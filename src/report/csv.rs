//! `--format csv`: RFC 4180, a header row, one row per finding (or per image with `--summary`,
//! rows built by `by_image.rs`).
//!
//! The columns are the finding keys of docs/output.md, in that order. Lists are joined by single
//! spaces (`source_ips`, `images`, `disallowed_images`); `containers`, a list of objects, becomes
//! `KIND:NAME=IMAGE` items (`container:web=nginx:1.25 init:setup=aws-cli`), `-` standing for a
//! missing name or image. A `null` is an empty field. The `csv` crate quotes a field exactly when
//! RFC 4180 needs it (a comma, a quote, a line break) and ends records with `\r\n`.
//!
//! `attribution`, an object, becomes flat columns after `kind` and `name`: `attribution_how`,
//! `attribution_chain`, the initiator's fields as `initiator_*`, and `attribution_note`; all empty
//! when the finding has no attribution (Falco parity mode), the initiator's when it has none
//! (`unresolved`). The chain's `Kind/name` elements are joined by ` > `, child first
//! (`ReplicaSet/web-6b7f9c > Deployment/web`); an element's own `\` and `>` are written `\\` and
//! `\>` (names come from owner references, which a request can fill with anything), so every bare
//! `>` is a separator.
//!
//! Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula, and user agents and
//! images come from whoever sends requests to the API server. Such a cell from the log is
//! written with a leading `'` (OWASP's advice against CSV injection), which spreadsheets hide;
//! JSON output is the exact one.

use std::borrow::Cow;
use std::io::{self, Write};

use super::by_image::ImageRow;
use crate::attribution::{Attribution, Requester};
use crate::finding::{ContainerKind, Finding};

/// Columns of the findings CSV.
const FINDING_COLUMNS: usize = 33;

/// The header of the findings CSV: the finding keys, in the order of the JSON output, with
/// `attribution` spread over flat columns.
const FINDING_HEADER: [&str; FINDING_COLUMNS] = [
    "file",
    "line",
    "audit_id",
    "time",
    "stage",
    "action",
    "namespace",
    "pod",
    "generate_name",
    "user",
    "impersonated_user",
    "source_ips",
    "user_agent",
    "status_code",
    "outcome",
    "reason",
    "images",
    "disallowed_images",
    "containers",
    "kind",
    "name",
    "attribution_how",
    "attribution_chain",
    "initiator_user",
    "initiator_impersonated_user",
    "initiator_source_ips",
    "initiator_user_agent",
    "initiator_verb",
    "initiator_time",
    "initiator_audit_id",
    "initiator_file",
    "initiator_line",
    "attribution_note",
];

/// The header of the `--summary` CSV.
const IMAGE_HEADER: [&str; 14] = [
    "image",
    "reference",
    "reason",
    "count",
    "namespaces",
    "users",
    "first_seen",
    "last_seen",
    "created",
    "rejected",
    "dry_run",
    "unknown",
    "initiators",
    "unresolved",
];

/// Writes the header and one record per finding.
pub fn write_findings(findings: &[Finding], out: &mut impl Write) -> io::Result<()> {
    let mut w = writer(out);
    w.write_record(FINDING_HEADER).map_err(io_error)?;
    for f in findings {
        w.write_record(finding_record(f).iter().map(|c| c.as_bytes()))
            .map_err(io_error)?;
    }
    w.flush()
}

/// A list joined by spaces as one cell; empty for `None`.
fn joined(list: Option<&Vec<String>>) -> Cow<'static, str> {
    list.map_or(Cow::Borrowed(""), |l| {
        cell(&l.join(" ")).into_owned().into()
    })
}

/// One finding's fields, in header order.
fn finding_record(f: &Finding) -> Vec<Cow<'_, str>> {
    let containers = f.containers.as_ref().map(|list| {
        list.iter()
            .map(|c| {
                let kind = match c.kind {
                    ContainerKind::Container => "container",
                    ContainerKind::Init => "init",
                    ContainerKind::Ephemeral => "ephemeral",
                };
                let name = c.name.as_deref().unwrap_or("-");
                let image = c.image.as_deref().unwrap_or("-");
                format!("{kind}:{name}={image}")
            })
            .collect::<Vec<_>>()
    });
    let mut record = Vec::with_capacity(FINDING_COLUMNS);
    record.extend([
        cell(&f.file),
        f.line.to_string().into(),
        cell_or_empty(f.audit_id.as_deref()),
        cell_or_empty(f.time.as_deref()),
        cell_or_empty(f.stage.as_deref()),
        f.action.as_str().into(),
        cell_or_empty(f.namespace.as_deref()),
        cell_or_empty(f.pod.as_deref()),
        cell_or_empty(f.generate_name.as_deref()),
        cell_or_empty(f.user.as_deref()),
        cell_or_empty(f.impersonated_user.as_deref()),
        joined(f.source_ips.as_ref()),
        cell_or_empty(f.user_agent.as_deref()),
        f.status_code
            .map_or(String::new(), |c| c.to_string())
            .into(),
        f.outcome.as_str().into(),
        f.reason.as_str().into(),
        joined(f.images.as_ref()),
        joined(Some(&f.disallowed_images)),
        joined(containers.as_ref()),
        f.kind.as_str().into(),
        cell_or_empty(f.name.as_deref()),
    ]);
    record.extend(attribution_record(f.attribution.as_ref()));
    record
}

/// The flat attribution fields (`attribution_how` to `attribution_note`), in header order; all
/// empty without attribution, the initiator's without an initiator.
fn attribution_record(a: Option<&Attribution>) -> [Cow<'_, str>; 12] {
    let Some(a) = a else {
        return Default::default();
    };
    let [
        user,
        impersonated,
        ips,
        agent,
        verb,
        time,
        audit_id,
        file,
        line,
    ] = a
        .initiator
        .as_ref()
        .map(initiator_record)
        .unwrap_or_default();
    [
        a.how.as_str().into(),
        chain(&a.chain).into(),
        user,
        impersonated,
        ips,
        agent,
        verb,
        time,
        audit_id,
        file,
        line,
        cell_or_empty(a.note.as_deref()),
    ]
}

/// The `initiator_*` fields, in header order.
fn initiator_record(i: &Requester) -> [Cow<'_, str>; 9] {
    [
        cell_or_empty(i.user.as_deref()),
        cell_or_empty(i.impersonated_user.as_deref()),
        joined(i.source_ips.as_ref()),
        cell_or_empty(i.user_agent.as_deref()),
        cell_or_empty(i.verb.as_deref()),
        cell_or_empty(i.time.as_deref()),
        cell_or_empty(i.audit_id.as_deref()),
        cell(&i.file),
        i.line.to_string().into(),
    ]
}

/// An owner chain as one cell: the elements joined by ` > `, each with `\` and `>` escaped by a
/// backslash, so that every bare `>` separates two elements.
fn chain(chain: &[String]) -> String {
    let escaped: Vec<String> = chain
        .iter()
        .map(|element| element.replace('\\', "\\\\").replace('>', "\\>"))
        .collect();
    cell(&escaped.join(" > ")).into_owned()
}

/// Writes the header and one record per image row.
pub fn write_images(rows: &[ImageRow<'_>], out: &mut impl Write) -> io::Result<()> {
    let mut w = writer(out);
    w.write_record(IMAGE_HEADER).map_err(io_error)?;
    for r in rows {
        let set = |s: &std::collections::BTreeSet<&str>| {
            cell(&s.iter().copied().collect::<Vec<_>>().join(" ")).into_owned()
        };
        w.write_record([
            cell(r.image.unwrap_or("")).into_owned(),
            r.reference.unwrap_or("").to_owned(),
            r.reason.as_str().to_owned(),
            r.count.to_string(),
            set(&r.namespaces),
            set(&r.users),
            r.first_seen
                .map(|s| cell(s).into_owned())
                .unwrap_or_default(),
            r.last_seen
                .map(|s| cell(s).into_owned())
                .unwrap_or_default(),
            r.outcomes.created.to_string(),
            r.outcomes.rejected.to_string(),
            r.outcomes.dry_run.to_string(),
            r.outcomes.unknown.to_string(),
            cell(
                &r.initiators
                    .iter()
                    .map(|(user, n)| format!("{user}={n}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
            .into_owned(),
            r.unresolved.to_string(),
        ])
        .map_err(io_error)?;
    }
    w.flush()
}

/// An RFC 4180 writer: `\r\n` after each record.
fn writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out)
}

/// The I/O error inside a CSV error, kept as is so that a broken pipe is still one.
fn io_error(e: csv::Error) -> io::Error {
    let message = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        _ => io::Error::other(message),
    }
}

/// [`cell`], or an empty field for `None`.
fn cell_or_empty(s: Option<&str>) -> Cow<'_, str> {
    cell(s.unwrap_or(""))
}

/// A field from the log, with a `'` in front when a spreadsheet would run it as a formula.
fn cell(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests;
