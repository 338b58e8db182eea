//! This tool's rule: which events put an image into a pod, and whether every image is allowed.
//!
//! [`pod_action`] selects the events: pod creates, server-side applies that created a pod, image
//! changes and ephemeral containers (docs/events.md). [`consider`] reads the images the request
//! body sets, normalizes each one, checks it against the allowlist in the request's namespace,
//! and builds a finding only when something is not allowed. A request whose images cannot be
//! determined (no body logged, a container without an image, no containers) is a finding with
//! reason `images-unknown`: it cannot be shown to be allowed. [`judge`] is that reading and
//! judging, for a pod's spec or (with `--workloads`, in the `template` rule) a workload's pod
//! template.

use crate::event::{AuditEvent, Requested, Semantics, SpecAt, request};
use crate::finding::{self, Action, ContainerVerdict, FindingBuilder, Judgement, Reason};
use crate::image::ImageRef;

use super::{Policy, Verdict};

/// How `ev` can put an image into a pod, if it can. An image change is only a candidate here:
/// whether its body sets an image decides later.
pub fn pod_action(ev: &AuditEvent<'_>) -> Option<Action> {
    let object = ev.object_ref.get()?;
    if !object.resource.is("pods") {
        return None;
    }
    let subresource = object.subresource.get().unwrap_or("");
    match (ev.verb.get()?, subresource) {
        ("create", "") => Some(Action::Create),
        ("patch", "") if ev.status_code() == Some(201) => Some(Action::ApplyCreate),
        ("patch" | "update", "") => Some(Action::ImageChange),
        ("patch" | "update", "ephemeralcontainers") => Some(Action::Ephemeral),
        _ => None,
    }
}

/// How the request body of `action` is read: creates must name every image, changes only some.
pub fn semantics(action: Action) -> Semantics {
    match action {
        Action::Create | Action::ApplyCreate | Action::Ephemeral | Action::WorkloadCreate => {
            Semantics::Create
        }
        Action::ImageChange | Action::WorkloadChange => Semantics::Change,
    }
}

/// The verdict on one event: `None` when it does not put an image into a pod (or is an image
/// change whose body sets no image, or was not logged).
pub fn consider(ev: &AuditEvent<'_>, policy: &Policy) -> Option<Verdict> {
    let action = pod_action(ev)?;
    judge(
        ev,
        action,
        SpecAt::Pod,
        policy,
        FindingBuilder::new(ev, action),
    )
}

/// The verdict on the images `ev`'s request body sets in the pod spec at `at` (a pod's, or a
/// workload's template), read as `action` reads them; `finding` names what the finding is
/// about. `None` when a change sets no image or its body was not logged: it is not considered.
pub(super) fn judge(
    ev: &AuditEvent<'_>,
    action: Action,
    at: SpecAt,
    policy: &Policy,
    finding: FindingBuilder<'_, '_>,
) -> Option<Verdict> {
    let namespace = finding::namespace(ev);
    let semantics = semantics(action);
    let requested = if ev.is_truncated() {
        None
    } else {
        request::requested_at(&ev.request_object, semantics, at)
    };
    if semantics == Semantics::Change
        && requested
            .as_ref()
            .is_none_or(|r| r.containers.is_empty() && r.complete)
    {
        // Not an image change: no body logged, or a body that touches no image.
        return None;
    }
    let complete = requested.as_ref().is_some_and(|r| r.complete);
    let containers = requested.map(|r| verdicts(&r.containers, namespace, policy));
    let list = containers.as_deref().unwrap_or_default();
    let disallowed_images = disallowed_images(list);
    let reason = if !disallowed_images.is_empty() {
        Reason::DisallowedImage
    } else if !complete || list.is_empty() {
        Reason::ImagesUnknown
    } else {
        return Some(Verdict::Allowed);
    };
    let images = containers
        .as_ref()
        .map(|list| list.iter().filter_map(|c| c.image.clone()).collect());
    let judgement = Judgement {
        reason,
        images,
        disallowed_images,
        containers,
    };
    Some(Verdict::Disallowed(finding.attributed().build(judgement)))
}

/// Judges every requested container, in request order.
fn verdicts(
    requested: &[Requested<'_>],
    namespace: Option<&str>,
    policy: &Policy,
) -> Vec<ContainerVerdict> {
    requested
        .iter()
        .map(|c| {
            let image = c.image.as_deref();
            let parsed = image.and_then(|i| ImageRef::parse(i, &policy.default_registry).ok());
            let allowed = parsed
                .as_ref()
                .is_some_and(|r| policy.allowlist.allows(r, namespace).is_some());
            ContainerVerdict {
                name: c.name.as_deref().map(str::to_owned),
                kind: c.kind,
                image: image.map(str::to_owned),
                reference: parsed.map(|r| r.to_string()),
                allowed,
            }
        })
        .collect()
}

/// The images that are present and not allowed, in order, without repeats.
fn disallowed_images(containers: &[ContainerVerdict]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in containers.iter().filter(|c| !c.allowed) {
        if let Some(image) = &c.image
            && !out.contains(image)
        {
            out.push(image.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests;
