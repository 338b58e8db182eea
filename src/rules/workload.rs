//! Workload records: what attribution remembers of each successful write of a workload object.
//!
//! [`record`] turns one audit event into a [`WorkloadRecord`] when it is a successful (2xx, not a
//! dry run) `create`, `update` or `patch`, without subresource, of one of the seven workload
//! resources ([`WorkloadKind`]): the requests the workload-template rule judges (the `template`
//! module), successful ones only. The object's identity comes from the response object's
//! metadata, else the request object's, else `objectRef`; its controller owner from the response
//! object, else the request object; the template images from the request body, read as pod
//! requests are read (a full object, a merge or strategic-merge patch, a server-side apply body,
//! a JSON patch), at the template's place ([`crate::event::SpecAt`]).
//!
//! The scan's workers call it on the lines they parse, in default mode only; [`select`] keeps
//! one record per API request, as for pod requests (docs/events.md, Stages).

use std::sync::Arc;

use crate::attribution::{
    OwnerRef, Position, WorkloadKind, WorkloadRecord, Writer, shared, shared_list,
};
use crate::event::{AuditEvent, Body, Meta, Semantics, Str, request};
use crate::filter::parse_time;
use crate::finding::{self, Outcome};
use crate::image::ImageRef;

use super::stage::{Stage, chosen_by};
use super::template::{object_name, spec_at, workload_action};

/// A record with the stage of the event it was read from, until the run's requests are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staged {
    /// The record.
    pub record: WorkloadRecord,
    /// The stage of its event.
    pub stage: Stage,
}

/// The record of `ev`, read at (block-relative or absolute) `line`, if it is a successful write
/// of a workload object. Images are normalized against `default_registry`. The requester's
/// `file` and the position's `input` are left for the scan to fill in.
pub fn record(ev: &AuditEvent<'_>, line: u64, default_registry: &str) -> Option<Staged> {
    let (_, kind) = workload_action(ev)?;
    if Outcome::of(ev.request_uri.get(), ev.status_code(), ev.grpc_code) != Outcome::Created {
        return None;
    }
    let object_ref = ev.object_ref.get()?;
    let response = ev.response_meta();
    let request = ev.request_meta();
    Some(Staged {
        record: WorkloadRecord {
            kind,
            namespace: object_ref
                .namespace
                .get()
                .or_else(|| response.and_then(|m| m.namespace.get()))
                .or_else(|| request.and_then(|m| m.namespace.get()))
                .map(shared),
            name: object_name(ev).map(shared),
            uid: (response.and_then(|m| m.uid.get()))
                .or_else(|| request.and_then(|m| m.uid.get()))
                .or_else(|| object_ref.uid.get())
                .map(shared),
            owner: response
                .and_then(controller_owner)
                .or_else(|| request.and_then(controller_owner))
                .map(Box::new),
            images: template_images(ev, kind, default_registry),
            requester: writer(ev),
            at: written_at(ev),
            position: Position {
                input: 0,
                line,
                item: 0,
            },
        },
        stage: Stage::of(ev.stage.get()),
    })
}

/// Who made the write `ev` (the `file` is left empty for the scan to fill in): the strings that
/// recur from write to write shared, the event's own (time, audit ID) boxed.
fn writer(ev: &AuditEvent<'_>) -> Writer {
    let own = |s: Option<&str>| s.map(Box::from);
    Writer {
        user: ev.user.get().and_then(|u| u.username.get()).map(shared),
        impersonated_user: (ev.impersonated_user.get())
            .and_then(|u| u.username.get())
            .map(shared),
        source_ips: (ev.source_ips.get()).map(|ips| shared_list(ips.iter().filter_map(Str::get))),
        user_agent: ev.user_agent.get().map(shared),
        verb: ev.verb.get().map(shared),
        time: own(finding::time(ev)),
        audit_id: own(ev.audit_id.get()),
        file: shared(""),
    }
}

/// When a write can first have taken effect, as an instant: `requestReceivedTimestamp`, else
/// the event's time. A controller acts on an object as soon as it is stored, which can be before
/// the API server logs the response to its write (the `ResponseComplete` stage's
/// `stageTimestamp`), so a pod made from a fresh Job can carry an earlier time than the Job's
/// logged completion; the time the write was asked for is never after the pod.
fn written_at(ev: &AuditEvent<'_>) -> Option<jiff::Timestamp> {
    ev.request_received_timestamp
        .get()
        .and_then(parse_time)
        .or_else(|| finding::time(ev).and_then(parse_time))
}

/// The controller owner reference in `meta` (the entry with `controller: true`), owned; `None`
/// when there is none or it names no kind or name.
pub fn controller_owner(meta: &Meta<'_>) -> Option<OwnerRef> {
    let owner = meta.controller()?;
    Some(OwnerRef {
        kind: owner.kind.to_owned_string()?,
        name: owner.name.to_owned_string()?,
        uid: owner.uid.to_owned_string(),
    })
}

/// The controller owner reference a pod request's object claims (what attribution follows).
pub fn pod_owner(ev: &AuditEvent<'_>) -> Option<OwnerRef> {
    ev.request_meta().and_then(controller_owner)
}

/// The template images a workload request sets, normalized and shared, in template order: `None`
/// when its body was not logged or was cut by the API server.
fn template_images(
    ev: &AuditEvent<'_>,
    kind: WorkloadKind,
    default_registry: &str,
) -> Option<Box<[Arc<str>]>> {
    if ev.is_truncated() || matches!(ev.request_object, Body::Absent) {
        return None;
    }
    let requested = request::requested_at(&ev.request_object, Semantics::Change, spec_at(kind))?;
    Some(
        requested
            .containers
            .iter()
            .filter_map(|c| c.image.as_deref())
            .map(|image| shared(&normalize(image, default_registry)))
            .collect(),
    )
}

/// An image in the normalized form findings and allowlists compare (`docker.io/library/nginx:1`);
/// one that is not a valid reference is kept as written.
pub fn normalize(image: &str, default_registry: &str) -> String {
    ImageRef::parse(image, default_registry).map_or_else(|_| image.to_owned(), |r| r.to_string())
}

/// Keeps the records that stand for their requests (one per `auditID`: its `ResponseComplete`
/// event, else its latest stage), in input order.
pub fn select(staged: Vec<Staged>) -> Vec<WorkloadRecord> {
    let chosen = chosen_by(&staged, |s| {
        let id = s.record.requester.audit_id.as_deref();
        (id.filter(|id| !id.is_empty()), s.stage)
    });
    // Collected where the staged records were (the standard library reuses the allocation),
    // then without slack: the records are held to the end of the run.
    let mut chosen = chosen.into_iter();
    let mut kept: Vec<WorkloadRecord> = staged
        .into_iter()
        .filter_map(|s| chosen.next().unwrap_or(false).then_some(s.record))
        .collect();
    kept.shrink_to_fit();
    kept
}

#[cfg(test)]
mod tests;
