//! Falco's rule (`--falco`): exactly the events Falco's *Create Disallowed Pod* alerts on, judged
//! exactly as Falco judges them (docs/falco.md).
//!
//! The rule is `kevt and pod and kcreate and not allowed_k8s_containers`, with the macro
//! overridden to `ka.req.pod.containers.image.repository in (L)`, L being the allowlist's
//! patterns as literal strings ([`crate::allow::FalcoLiterals`]). Read through the
//! k8saudit plugin's extractors (`extract.go`) and libsinsp's comparisons, an event alerts when:
//!
//! * it has a `stageTimestamp` that Go's `time.Parse(RFC3339Nano)` accepts — the plugin drops
//!   other events before any rule sees them ([`crate::falco::time::parse_rfc3339`]);
//! * it has an `auditID` key (the plugin extracts nothing from events without one), its `stage` is
//!   `ResponseComplete` (`kevt`), `objectRef.resource` is `pods` and the key
//!   `objectRef.subresource` is absent (`pod`: an empty string *exists*), and `verb` is `create`
//!   (`kcreate`);
//! * and `ka.req.pod.containers.image.repository in (L)` is false. That field lists, for each
//!   element of `requestObject.spec.containers` (only those: not init or ephemeral containers),
//!   the image cut at its first `:` and then at its first `@` — so `reg:5000/app:1` is `reg`
//!   ([`repository`]). When the field cannot be extracted — no request object, `containers`
//!   missing or empty, an element without an `image` — the comparison is false and the rule
//!   fires, with `images=<NA>` in the output.
//!
//! Two more Falco details are reproduced: every string Falco compares or prints went through a C
//! string, so it ends at its first NUL character ([`c_str`]); and `ka.resp.name`,
//! `ka.target.namespace` and `ka.user.name` are read from exactly `responseObject.metadata.name`,
//! `objectRef.namespace` and `user.username`, with no fallbacks. A finding made here carries
//! those values (`pod`, `namespace`, `user`, `images`), so every output format shows Falco's
//! fields. What Falco does that this mode does not (line and event size limits, `null` read as
//! present, first-of-duplicate keys, rule ordering) is listed in docs/falco.md.

use crate::event::{AuditEvent, Container, Obj, Str};
use crate::falco::{c_str, repository, time};
use crate::finding::{
    Action, ContainerKind, ContainerVerdict, Finding, FindingBuilder, Judgement, Outcome, Reason,
};
use crate::image::ImageRef;

use super::{Policy, Verdict};

/// The only stage `kevt` accepts (the `k8s_audit_stages` list).
const STAGE: &str = "ResponseComplete";

/// Falco's selection and verdict for one event: `None` when the rule's `kevt and pod and kcreate`
/// is false (or the plugin would have dropped the event); a finding when Falco would alert.
pub fn consider(ev: &AuditEvent<'_>, policy: &Policy) -> Option<Verdict> {
    let time = ev.stage_timestamp.get()?;
    time::parse_rfc3339(time)?;
    if ev.audit_id == Str::Absent || !is(&ev.stage, STAGE) || !is(&ev.verb, "create") {
        return None;
    }
    let object = ev.object_ref.get()?;
    if !is(&object.resource, "pods") || object.subresource != Str::Absent {
        return None;
    }
    let images = images(ev);
    let allowed = images.as_ref().is_some_and(|images| {
        images
            .iter()
            .all(|image| policy.allowlist.literals().contains(repository(image)))
    });
    Some(if allowed {
        Verdict::Allowed
    } else {
        Verdict::Disallowed(finding(ev, images, policy))
    })
}

/// Is this field, as Falco compares it, exactly `want`?
fn is(field: &Str<'_>, want: &str) -> bool {
    field.get().is_some_and(|s| c_str(s) == want)
}

/// A string field as Falco extracts it.
fn field<'e>(value: &'e Str<'_>) -> Option<&'e str> {
    value.get().map(c_str)
}

/// `ka.req.pod.containers.image`: the image of every element of `requestObject.spec.containers`,
/// or `None` when Falco cannot extract the field (no such list, an empty one, or an element
/// without a string `image`).
fn images<'e>(ev: &'e AuditEvent<'_>) -> Option<Vec<&'e str>> {
    let items = containers_list(ev)?;
    let images: Option<Vec<&str>> = items
        .iter()
        .map(|item| item.get().and_then(|c| c.image.get()).map(c_str))
        .collect();
    images.filter(|images| !images.is_empty())
}

/// The elements of `requestObject.spec.containers`, when the body is an object and that is an
/// array.
fn containers_list<'e, 'a>(ev: &'e AuditEvent<'a>) -> Option<&'e [Obj<Container<'a>>]> {
    ev.request_object.object()?.spec.get()?.containers.get()
}

/// The finding for an event Falco alerts on; its fields are Falco's output fields.
fn finding(ev: &AuditEvent<'_>, images: Option<Vec<&str>>, policy: &Policy) -> Finding {
    let reason = if images.is_some() {
        Reason::DisallowedImage
    } else {
        Reason::ImagesUnknown
    };
    let mut disallowed: Vec<String> = Vec::new();
    for image in images.iter().flatten() {
        if !policy.allowlist.literals().contains(repository(image))
            && !disallowed.iter().any(|d| d == image)
        {
            disallowed.push((*image).to_owned());
        }
    }
    let judgement = Judgement {
        reason,
        images: images.map(|images| images.into_iter().map(str::to_owned).collect()),
        disallowed_images: disallowed,
        containers: containers(ev, policy),
    };
    FindingBuilder::new(ev, Action::Create)
        .namespace(ev.object_ref.get().and_then(|o| field(&o.namespace)))
        .pod(
            ev.response_object
                .get()
                .and_then(|r| r.metadata.get())
                .and_then(|m| field(&m.name)),
        )
        .user(ev.user.get().and_then(|u| field(&u.username)))
        .outcome(Outcome::of(ev.request_uri.get(), ev.status_code(), None))
        .build(judgement)
}

/// Every element of `spec.containers` with Falco's verdict on it (`allowed`: its repository is
/// in L); `None` when there is no such array.
fn containers(ev: &AuditEvent<'_>, policy: &Policy) -> Option<Vec<ContainerVerdict>> {
    let items = containers_list(ev)?;
    let verdicts = items
        .iter()
        .map(|item| {
            let container = item.get();
            let image = container.and_then(|c| c.image.get()).map(c_str);
            ContainerVerdict {
                name: container.and_then(|c| c.name.to_owned_string()),
                kind: ContainerKind::Container,
                image: image.map(str::to_owned),
                reference: image
                    .and_then(|i| ImageRef::parse(i, &policy.default_registry).ok())
                    .map(|r| r.to_string()),
                allowed: image.is_some_and(|i| policy.allowlist.literals().contains(repository(i))),
            }
        })
        .collect();
    Some(verdicts)
}

#[cfg(test)]
mod tests;
