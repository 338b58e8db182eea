//! Parsing one line or document into the audit events it holds (SPEC §3 items 1–3 and 5).
//!
//! A line may hold one `Event`, an `EventList`, a JSON array of events, or a cloud export's
//! wrapper around them ([`super::cloud`]). [`for_each_event`] unwraps all of these and calls back
//! once per event, so callers never see the container shapes.
//!
//! The fast path deserializes borrowed structs straight from the bytes. What it rejects but Go's
//! `encoding/json` (used by the API server and the container runtimes) accepts goes through a
//! slow path: duplicate keys (the last one wins, as in Go) and invalid UTF-8 (replaced by U+FFFD,
//! as in Go). So a line crafted to parse differently here than in Kubernetes is judged as
//! Kubernetes saw it.

use serde::Deserialize;
use serde_json::Value;

use super::cloud::{self, AksLog, TRUNCATED_SUFFIX};
use super::{AuditEvent, LineError, List, Obj};

/// What one line or document held.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Audit events found (each passed to the callback).
    pub events: usize,
    /// Events cut short by the exporter (CloudWatch's `[Truncated...]`), counted, not parsed.
    pub truncated: usize,
    /// Wrapped events that could not be read (an AKS `properties.log` that is not JSON, …).
    pub failed: Vec<LineError>,
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
    }

    /// Adds the outcome of parsing a nested item.
    fn add_result(&mut self, result: Result<Seen, LineError>) {
        match result {
            Ok(seen) => self.add(seen),
            Err(e) => self.failed.push(e),
        }
    }
}

/// The callback that receives each event.
type Callback<'f> = dyn FnMut(&AuditEvent<'_>) + 'f;

/// Parses one line or document and calls `f` for every audit event in it.
pub fn for_each_event(bytes: &[u8], f: &mut Callback<'_>) -> Result<Seen, LineError> {
    let Some(&first) = bytes.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Err(LineError::NotAnObject);
    };
    if first != b'{' && first != b'[' {
        if let Some(event) = cloud::strip_timestamp(bytes) {
            return message(event, f);
        }
        return match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => Err(LineError::NotAnObject),
            Err(e) => Err(json_error(&e)),
        };
    }
    let fast = if first == b'{' {
        serde_json::from_slice::<AuditEvent<'_>>(bytes).map(|ev| visit(ev, f))
    } else {
        serde_json::from_slice::<Vec<Obj<AuditEvent<'_>>>>(bytes).map(|evs| visit_array(evs, f))
    };
    match fast {
        Ok(seen) => seen,
        Err(fast_err) => slow_path(bytes, f).unwrap_or_else(|| Err(json_error(&fast_err))),
    }
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
    LineError::Json(format!("{message}, at {at}"))
}

/// The fallback for duplicate keys and invalid UTF-8: a lossy UTF-8 decode into an owned
/// [`Value`] (which keeps the last of duplicate keys, like Go), then the same borrowed structs
/// over it. `None` when even that fails, so the caller reports the fast path's error.
fn slow_path(bytes: &[u8], f: &mut Callback<'_>) -> Option<Result<Seen, LineError>> {
    let text = String::from_utf8_lossy(bytes);
    let value: Value = serde_json::from_str(&text).ok()?;
    match &value {
        Value::Object(_) => AuditEvent::deserialize(&value).ok().map(|ev| visit(ev, f)),
        Value::Array(_) => Vec::<Obj<AuditEvent<'_>>>::deserialize(&value)
            .ok()
            .map(|evs| visit_array(evs, f)),
        _ => Some(Err(LineError::NotAnObject)),
    }
}

/// An event carried as JSON text (a CloudWatch message, an AKS `properties.log`, the rest of an
/// EKS `TIMESTAMP {event}` line).
fn message(text: &[u8], f: &mut Callback<'_>) -> Result<Seen, LineError> {
    if text.trim_ascii_end().ends_with(TRUNCATED_SUFFIX.as_bytes()) {
        return Ok(Seen {
            truncated: 1,
            ..Seen::default()
        });
    }
    for_each_event(text, f)
}

/// Visits one top-level object: an event, or whatever shape wraps events.
fn visit(mut ev: AuditEvent<'_>, f: &mut Callback<'_>) -> Result<Seen, LineError> {
    if ev.is_event() {
        f(&ev);
        return Ok(Seen::one());
    }
    if ev.is_list() {
        return Ok(visit_items(std::mem::take(&mut ev.items), f));
    }
    if let List::Items(records) = std::mem::take(&mut ev.records) {
        let mut seen = Seen::default();
        for record in records.into_iter().filter_map(|r| match r {
            Obj::Map(r) => Some(r),
            _ => None,
        }) {
            seen.add_result(visit_record(record, f));
        }
        return Ok(seen);
    }
    if matches!(ev.properties, Obj::Map(_)) {
        return visit_record(ev, f);
    }
    for list in [
        std::mem::take(&mut ev.log_events),
        std::mem::take(&mut ev.events),
    ] {
        if let List::Items(messages) = list {
            let mut seen = Seen::default();
            for m in &messages {
                match m.get().and_then(|m| m.message.get()) {
                    Some(text) => seen.add_result(message(text.as_bytes(), f)),
                    None => seen.failed.push(LineError::NotAnEvent),
                }
            }
            return Ok(seen);
        }
    }
    if let Some(gke) = cloud::from_gke(&mut ev) {
        f(&gke);
        return Ok(Seen::one());
    }
    Err(LineError::NotAnEvent)
}

/// An AKS diagnostic record: the event in `properties.log`, if the category is an audit one.
fn visit_record(mut record: AuditEvent<'_>, f: &mut Callback<'_>) -> Result<Seen, LineError> {
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
        AksLog::Text(text) => message(text.as_bytes(), f),
        AksLog::Event(ev) => visit(*ev, f),
        AksLog::Absent | AksLog::Other => Err(LineError::NotAnEvent),
    }
}

/// Visits the elements of a top-level array; it must hold at least one event (or be empty).
fn visit_array(evs: Vec<Obj<AuditEvent<'_>>>, f: &mut Callback<'_>) -> Result<Seen, LineError> {
    let empty = evs.is_empty();
    let seen = visit_items(List::Items(evs), f);
    if seen.events == 0 && seen.truncated == 0 && !empty {
        Err(LineError::NotAnEvent)
    } else {
        Ok(seen)
    }
}

/// Visits the elements of a list that are events, or wrap events; other elements are ignored.
fn visit_items(items: List<Obj<AuditEvent<'_>>>, f: &mut Callback<'_>) -> Seen {
    let mut seen = Seen::default();
    if let List::Items(items) = items {
        for ev in items.into_iter().filter_map(|ev| match ev {
            Obj::Map(ev) => Some(ev),
            _ => None,
        }) {
            if let Ok(inner) = visit(ev, f) {
                seen.add(inner);
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The (verb, user) of every event in `json`, and what else was seen.
    fn events(json: &str) -> Result<(Vec<String>, usize, usize), LineError> {
        let mut out = Vec::new();
        let seen = for_each_event(json.as_bytes(), &mut |ev| {
            let user = ev.user.get().and_then(|u| u.username.get()).unwrap_or("-");
            out.push(format!("{}:{user}", ev.verb.get().unwrap_or("-")));
        })?;
        Ok((out, seen.truncated, seen.failed.len()))
    }

    const EV: &str = r#"{"kind":"Event","verb":"create","user":{"username":"u"},"objectRef":{"resource":"pods"}}"#;

    fn quoted(s: &str) -> String {
        serde_json::to_string(s).expect("a string serializes")
    }

    #[test]
    fn eks_shapes() {
        let prefixed = format!("2026-03-01T10:00:00.000Z {EV}");
        assert_eq!(events(&prefixed), Ok((vec!["create:u".into()], 0, 0)));
        let cloudwatch = format!(
            r#"{{"messageType":"DATA_MESSAGE","logGroup":"/aws/eks/c/cluster","logEvents":[{{"id":"1","timestamp":1,"message":{}}},{{"id":"2","message":{}}}]}}"#,
            quoted(EV),
            quoted(
                r#"{"kind":"Event","verb":"create","requestObject":{"spec":{"cont[Truncated...]"#
            )
        );
        assert_eq!(events(&cloudwatch), Ok((vec!["create:u".into()], 1, 0)));
        let events_key = format!(r#"{{"events":[{{"message":{}}}]}}"#, quoted(EV));
        assert_eq!(events(&events_key), Ok((vec!["create:u".into()], 0, 0)));
    }

    #[test]
    fn aks_shapes() {
        let record = |log: &str, category: &str| {
            format!(
                r#"{{"category":"{category}","operationName":"x","properties":{{"log":{log}}}}}"#
            )
        };
        let as_string = record(&quoted(EV), "kube-audit");
        assert_eq!(events(&as_string), Ok((vec!["create:u".into()], 0, 0)));
        let as_object = record(EV, "kube-audit-admin");
        assert_eq!(events(&as_object), Ok((vec!["create:u".into()], 0, 0)));
        let other = record(
            &quoted("I0301 10:00:00 apiserver started"),
            "kube-apiserver",
        );
        assert_eq!(events(&other), Ok((vec![], 0, 0)));
        let batch = format!(
            r#"{{"records":[{as_string},{other},{}]}}"#,
            record(&quoted("not json"), "kube-audit")
        );
        assert_eq!(events(&batch), Ok((vec!["create:u".into()], 0, 1)));
    }

    #[test]
    fn gke_entries_map_onto_events() {
        let entry = r#"{"insertId":"i1","operation":{"id":"op-1","first":true,"last":true},"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"dev@example.com"},"methodName":"io.k8s.core.v1.pods.create","resourceName":"core/v1/namespaces/ns1/pods/web-1","requestMetadata":{"callerIp":"10.0.0.5","callerSuppliedUserAgent":"kubectl/v1.29"},"request":{"kind":"Pod","spec":{"containers":[{"name":"a","image":"evil"}]}},"status":{"code":7}},"timestamp":"2026-03-01T10:00:00Z"}"#;
        let mut seen = Vec::new();
        for_each_event(entry.as_bytes(), &mut |ev| {
            let object = ev.object_ref.get().expect("objectRef");
            seen.push((
                ev.verb.get().map(str::to_owned),
                ev.audit_id.get().map(str::to_owned),
                object.namespace.get().map(str::to_owned),
                object.name.get().map(str::to_owned),
                ev.pod_action(),
                ev.grpc_code,
                ev.timestamp.get().map(str::to_owned),
            ));
        })
        .expect("a GKE entry");
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            seen,
            [(
                s("create"),
                s("op-1"),
                s("ns1"),
                s("web-1"),
                Some(super::super::Action::Create),
                Some(7),
                s("2026-03-01T10:00:00Z")
            )]
        );
        let not_pods = entry.replace(
            "io.k8s.core.v1.pods.create",
            "io.k8s.apps.v1.deployments.create",
        );
        assert_eq!(events(&not_pods), Err(LineError::NotAnEvent));
    }
}
