//! Parsing one line or document into the audit events it holds (docs/inputs.md).
//!
//! A line may hold one `Event`, an `EventList`, a JSON array of events, or a cloud export's
//! wrapper around them ([`super::cloud`]). [`for_each_event`] unwraps all of these and calls back
//! once per event, so callers never see the container shapes.
//!
//! The fast path deserializes borrowed structs straight from the bytes: with sonic-rs, which reads
//! the fields the structs keep faster than serde_json (docs/performance.md, Parsing), then, for
//! whatever sonic-rs refuses, with serde_json, whose errors are the ones reported. sonic-rs is
//! only trusted where it agrees with serde_json: a line with an incomplete `\u` escape, or one
//! nested past a bound while it is read ([`super::lenient`]), goes to serde_json, and a property
//! test compares the two over hostile lines. What serde_json rejects goes
//! through a slow path ([`super::salvage`]): first what Go's `encoding/json` (used by the API
//! server and the container runtimes) accepts — duplicate keys (the last one wins, as in Go),
//! invalid UTF-8 and lone surrogate escapes (replaced by U+FFFD, as in Go), nesting deeper than
//! serde_json's limit — so a line crafted to parse differently here than in Kubernetes is judged
//! as Kubernetes saw it; then damage (a cut event with the next one appended, a hole of NUL
//! bytes, two events on one line), where every event that can still be read is read and the
//! damage is reported ([`Seen::failed`], [`Seen::repaired`]).

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use super::cloud::{self, AksLog, TRUNCATED_SUFFIX};
use super::lenient::bounded;
use super::salvage::{self, Part};
use super::{AuditEvent, LineError, List, Obj};

/// What one line or document held.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Audit events found (each passed to the callback).
    pub events: usize,
    /// Events cut short by the exporter (CloudWatch's `[Truncated...]`), counted, not parsed.
    pub truncated: usize,
    /// Wrapped events that could not be read (an AKS `properties.log` that is not JSON, …), and
    /// damaged stretches of a line whose other events were read ([`LineError::Damaged`]).
    pub failed: Vec<LineError>,
    /// How a damaged line was read without losing anything (two events joined on one line, NUL
    /// bytes around an event, raw control characters in strings), for the summary.
    pub repaired: Vec<String>,
    /// The events came from a batch (an array, an `EventList`, AKS `records`, CloudWatch
    /// `logEvents`).
    pub batch: bool,
    /// For each event of a batch, in callback order, the index of the batch item it came from
    /// (items that hold no event, such as a record of another category, are counted too).
    pub items: Vec<usize>,
}

impl Seen {
    /// One event.
    fn one() -> Seen {
        Seen {
            events: 1,
            ..Seen::default()
        }
    }

    /// Adds what a nested item held.
    fn add(&mut self, other: Seen) {
        self.events += other.events;
        self.truncated += other.truncated;
        self.failed.extend(other.failed);
        self.repaired.extend(other.repaired);
        self.batch |= other.batch;
        self.items.extend(other.items);
    }

    /// Adds what item `index` of a batch held: its events are that item's, whatever nests
    /// inside it.
    fn add_item(&mut self, index: usize, result: Result<Seen, LineError>) {
        match result {
            Ok(mut inner) => {
                inner.items = vec![index; inner.events];
                self.add(inner);
            }
            Err(e) => self.failed.push(e),
        }
    }
}

/// The callback that receives each event.
type Callback<'f> = dyn FnMut(&AuditEvent<'_>) + 'f;

/// Which parser reads valid JSON first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parser {
    /// sonic-rs, then serde_json for whatever sonic-rs refuses.
    Sonic,
    /// serde_json only: the reference the first must agree with.
    #[cfg(test)]
    SerdeJson,
}

/// The callback, and the parser that feeds it.
struct Cx<'c, 'f> {
    /// Receives each event.
    f: &'c mut Callback<'f>,
    /// Reads valid JSON first.
    parser: Parser,
}

/// Parses one line or document and calls `f` for every audit event in it.
pub fn for_each_event(bytes: &[u8], f: &mut Callback<'_>) -> Result<Seen, LineError> {
    each_event(
        bytes,
        &mut Cx {
            f,
            parser: Parser::Sonic,
        },
    )
}

/// [`for_each_event`] with serde_json alone, as it was before sonic-rs read lines first.
#[cfg(test)]
fn for_each_event_serde_json(bytes: &[u8], f: &mut Callback<'_>) -> Result<Seen, LineError> {
    each_event(
        bytes,
        &mut Cx {
            f,
            parser: Parser::SerdeJson,
        },
    )
}

/// [`for_each_event`], with the parser to use.
fn each_event(bytes: &[u8], cx: &mut Cx<'_, '_>) -> Result<Seen, LineError> {
    let Some(&first) = bytes.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Err(LineError::NotAnObject);
    };
    if first != b'{' && first != b'[' {
        if let Some(event) = cloud::strip_timestamp(bytes) {
            return message(event, cx);
        }
        if bytes.iter().all(|&b| b == 0 || b.is_ascii_whitespace()) {
            return Err(nul_hole(bytes));
        }
    }
    match fast_path(bytes, first, cx) {
        Ok(seen) => seen,
        Err(fast_err) => salvage(bytes, cx).unwrap_or_else(|| Err(json_error(&fast_err))),
    }
}

/// The borrowed parse of one valid JSON value: sonic-rs first (faster, and it reads the same
/// values serde_json does: a property test compares the two over hostile lines), serde_json for
/// whatever sonic-rs refuses, so that serde_json's error, and the slow path after it, decide
/// every line sonic-rs cannot read.
fn fast_path(
    bytes: &[u8],
    first: u8,
    cx: &mut Cx<'_, '_>,
) -> Result<Result<Seen, LineError>, serde_json::Error> {
    if cx.parser == Parser::Sonic && unicode_escapes_complete(bytes) {
        match first {
            b'{' => {
                if let Ok(ev) = bounded(|| sonic_rs::from_slice::<AuditEvent<'_>>(bytes)) {
                    return Ok(visit(ev, cx));
                }
            }
            b'[' => {
                if let Ok(evs) = bounded(|| sonic_rs::from_slice::<Vec<Obj<AuditEvent<'_>>>>(bytes))
                {
                    return Ok(visit_array(evs, cx));
                }
            }
            _ => {}
        }
    }
    match first {
        b'{' => serde_json::from_slice::<AuditEvent<'_>>(bytes).map(|ev| visit(ev, cx)),
        b'[' => serde_json::from_slice::<Vec<Obj<AuditEvent<'_>>>>(bytes)
            .map(|evs| visit_array(evs, cx)),
        _ => serde_json::from_slice::<IgnoredAny>(bytes).map(|_| Err(LineError::NotAnObject)),
    }
}

/// Is every `\u` in `bytes` followed by four hex digits? sonic-rs does not check that in the
/// strings it skips, and serde_json refuses the line if one is not; a false alarm (an escaped
/// backslash before a `u`) only sends the line to serde_json.
fn unicode_escapes_complete(bytes: &[u8]) -> bool {
    memchr::memmem::find_iter(bytes, br"\u").all(|at| {
        bytes
            .get(at + 2..at + 6)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    })
}

/// Why a line of nothing but NUL bytes (and blanks) is skipped.
fn nul_hole(bytes: &[u8]) -> LineError {
    let nuls = memchr::memchr_iter(0, bytes).count();
    LineError::Damaged(format!(
        "{nuls} NUL bytes and nothing else: a hole left in the file by a crash, or by a \
         truncation while it was being read"
    ))
}

/// serde_json's message, with the position said relative to the line (or document).
fn json_error(e: &serde_json::Error) -> LineError {
    let text = e.to_string();
    let message = text.rfind(" at line ").map_or(&*text, |i| &text[..i]);
    let at = if e.line() <= 1 {
        format!("column {}", e.column())
    } else {
        format!("line {} column {} of the document", e.line(), e.column())
    };
    // A line that ends inside a value was cut short: by a writer that died, or by a rotation.
    let cut = match (e.is_eof(), e.line() <= 1) {
        (false, _) => "",
        (true, true) => " (the line ends early: cut short?)",
        (true, false) => " (the document ends early: cut short?)",
    };
    LineError::Json(format!("{message}, at {at}{cut}"))
}

/// The slow path for what the fast one refused: the line read as Go would read it
/// ([`salvage::repair`]), else split into the values and the damage it holds. `None` when no
/// event can be read from it at all, so the caller reports the fast path's error.
fn salvage(bytes: &[u8], cx: &mut Cx<'_, '_>) -> Option<Result<Seen, LineError>> {
    let repaired = salvage::repair(bytes);
    if let Some(result) = from_value(&repaired.text, cx) {
        return Some(result.map(|mut seen| {
            if repaired.controls > 0 {
                seen.repaired.push(format!(
                    "{} raw control characters inside strings (not valid JSON) were read as \
                     escapes",
                    repaired.controls
                ));
            }
            seen
        }));
    }
    split(bytes, cx)
}

/// The events of one value held in `text`: parsed into an owned [`Value`] (which keeps the last of
/// duplicate keys, like Go), then read with the same structs. `None` when `text` is not one
/// value.
fn from_value(text: &str, cx: &mut Cx<'_, '_>) -> Option<Result<Seen, LineError>> {
    let value: Value = serde_json::from_str(text).ok()?;
    match &value {
        Value::Object(_) => AuditEvent::deserialize(&value).ok().map(|ev| visit(ev, cx)),
        Value::Array(_) => Vec::<Obj<AuditEvent<'_>>>::deserialize(&value)
            .ok()
            .map(|evs| visit_array(evs, cx)),
        _ => Some(Err(LineError::NotAnObject)),
    }
}

/// The events of one complete value found inside a damaged line.
fn one_value(bytes: &[u8], cx: &mut Cx<'_, '_>) -> Result<Seen, LineError> {
    let first = bytes.first().copied().unwrap_or(b' ');
    match fast_path(bytes, first, cx) {
        Ok(result) => result,
        Err(e) => {
            from_value(&salvage::repair(bytes).text, cx).unwrap_or_else(|| Err(json_error(&e)))
        }
    }
}

/// Reads every value of a line that holds several, or damage around them ([`salvage::parts`]).
/// `None` when not one event is among them.
fn split(bytes: &[u8], cx: &mut Cx<'_, '_>) -> Option<Result<Seen, LineError>> {
    let split = salvage::parts(bytes);
    let mut seen = Seen::default();
    let mut values = 0;
    let mut damage = Vec::new();
    for part in split.parts {
        match part {
            Part::Value(range) => {
                values += 1;
                match one_value(&bytes[range.clone()], cx) {
                    Ok(inner) => seen.add(inner),
                    Err(e) => damage.push((range, e.to_string())),
                }
            }
            Part::Damage { range, why } => damage.push((range, format!("not valid JSON: {why}"))),
        }
    }
    if seen.events == 0 && seen.truncated == 0 {
        return None;
    }
    let read = plural(seen.events, "event");
    let were = if seen.events == 1 { "was" } else { "were" };
    let hole = if split.nuls > 0 {
        format!(
            " ({} NUL bytes on the line: a hole left by a crash?)",
            split.nuls
        )
    } else {
        String::new()
    };
    for (range, why) in &damage {
        seen.failed.push(LineError::Damaged(format!(
            "bytes {}-{} of the line: {why}; {read} elsewhere on the line {were} read{hole}",
            range.start + 1,
            range.end
        )));
    }
    if damage.is_empty() && split.nuls > 0 {
        seen.repaired.push(format!(
            "{} NUL bytes (a hole left by a crash?) around {read}, which {were} read",
            split.nuls
        ));
    }
    if damage.is_empty() && values > 1 {
        seen.repaired.push(format!(
            "{values} JSON values on one line (a lost newline, or a lone `\\r` between them); \
             all were read"
        ));
    }
    Some(Ok(seen))
}

/// `1 event`, `2 events`.
fn plural(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// An event carried as JSON text (a CloudWatch message, an AKS `properties.log`, the rest of an
/// EKS `TIMESTAMP {event}` line).
fn message(text: &[u8], cx: &mut Cx<'_, '_>) -> Result<Seen, LineError> {
    if text.trim_ascii_end().ends_with(TRUNCATED_SUFFIX.as_bytes()) {
        return Ok(Seen {
            truncated: 1,
            ..Seen::default()
        });
    }
    each_event(text, cx)
}

/// Visits one top-level object: an event, or whatever shape wraps events.
fn visit(mut ev: AuditEvent<'_>, cx: &mut Cx<'_, '_>) -> Result<Seen, LineError> {
    if ev.is_event() {
        (cx.f)(&ev);
        return Ok(Seen::one());
    }
    if ev.is_list() {
        let mut seen = visit_items(std::mem::take(&mut ev.items), cx);
        seen.batch = true;
        return Ok(seen);
    }
    if let List::Items(records) = std::mem::take(&mut ev.records) {
        let mut seen = Seen {
            batch: true,
            ..Seen::default()
        };
        for (index, record) in records.into_iter().enumerate() {
            if let Obj::Map(record) = record {
                seen.add_item(index, visit_record(record, cx));
            }
        }
        return Ok(seen);
    }
    if matches!(ev.properties, Obj::Map(_)) {
        return visit_record(ev, cx);
    }
    for list in [
        std::mem::take(&mut ev.log_events),
        std::mem::take(&mut ev.events),
    ] {
        if let List::Items(messages) = list {
            let mut seen = Seen {
                batch: true,
                ..Seen::default()
            };
            for (index, m) in messages.iter().enumerate() {
                match m.get().and_then(|m| m.message.get()) {
                    Some(text) => seen.add_item(index, message(text.as_bytes(), cx)),
                    None => seen.failed.push(LineError::NotAnEvent),
                }
            }
            return Ok(seen);
        }
    }
    if let Some(gke) = cloud::from_gke(&mut ev) {
        (cx.f)(&gke);
        return Ok(Seen::one());
    }
    Err(LineError::NotAnEvent)
}

/// An AKS diagnostic record: the event in `properties.log`, if the category is an audit one.
fn visit_record(mut record: AuditEvent<'_>, cx: &mut Cx<'_, '_>) -> Result<Seen, LineError> {
    if record
        .category
        .get()
        .is_some_and(|c| !cloud::is_audit_category(c))
    {
        return Ok(Seen::default());
    }
    let Obj::Map(properties) = std::mem::take(&mut record.properties) else {
        return Err(LineError::NotAnEvent);
    };
    match properties.log {
        AksLog::Text(text) => message(text.as_bytes(), cx),
        AksLog::Event(ev) => visit(*ev, cx),
        AksLog::Absent | AksLog::Other => Err(LineError::NotAnEvent),
    }
}

/// Visits the elements of a top-level array; it must hold at least one event (or be empty).
fn visit_array(evs: Vec<Obj<AuditEvent<'_>>>, cx: &mut Cx<'_, '_>) -> Result<Seen, LineError> {
    let empty = evs.is_empty();
    let mut seen = visit_items(List::Items(evs), cx);
    seen.batch = true;
    if seen.events == 0 && seen.truncated == 0 && !empty {
        Err(LineError::NotAnEvent)
    } else {
        Ok(seen)
    }
}

/// Visits the elements of a list that are events, or wrap events; other elements are ignored.
fn visit_items(items: List<Obj<AuditEvent<'_>>>, cx: &mut Cx<'_, '_>) -> Seen {
    let mut seen = Seen::default();
    if let List::Items(items) = items {
        for (index, ev) in items.into_iter().enumerate() {
            if let Obj::Map(ev) = ev
                && let Ok(inner) = visit(ev, cx)
            {
                seen.add_item(index, Ok(inner));
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests;
