//! Falco parity mode (SPEC §8, `--falco`): exactly the events Falco's *Create Disallowed Pod*
//! alerts on, judged exactly as Falco judges them.
//!
//! The rule is `kevt and pod and kcreate and not allowed_k8s_containers`, with the macro
//! overridden to `ka.req.pod.containers.image.repository in (L)`, L being the allowlist's
//! patterns as literal strings ([`crate::allow::Allowlist::has_literal`]). Read through the
//! k8saudit plugin's extractors (`extract.go`) and libsinsp's comparisons, an event alerts when:
//!
//! * it has a `stageTimestamp` that Go's `time.Parse(RFC3339Nano)` accepts — the plugin drops
//!   other events before any rule sees them ([`time::parse_rfc3339`]);
//! * it has an `auditID` key (the plugin extracts nothing from events without one), its `stage` is
//!   `ResponseComplete` (`kevt`), `objectRef.resource` is `pods` and the key
//!   `objectRef.subresource` is absent (`pod`: an empty string *exists*), and `verb` is `create`
//!   (`kcreate`);
//! * and `ka.req.pod.containers.image.repository in (L)` is false. That field lists, for each
//!   element of `requestObject.spec.containers` (only those: not init or ephemeral containers),
//!   the image cut at its first `:` and then at its first `@` — so `reg:5000/app:1` is `reg`.
//!   When the field cannot be extracted — no request object, `containers` missing or empty, an
//!   element without an `image` — the comparison is false and the rule fires, with
//!   `images=<NA>` in the output.
//!
//! Two more Falco details are reproduced: every string Falco compares or prints went through a C
//! string, so it ends at its first NUL character ([`c_str`]); and `ka.resp.name`,
//! `ka.target.namespace` and `ka.user.name` are read from exactly `responseObject.metadata.name`,
//! `objectRef.namespace` and `user.username`, with no fallbacks. A finding made here carries
//! those values (`pod`, `namespace`, `user`, `images`), so every output format shows Falco's
//! fields. What Falco does that this mode does not (line and event size limits, `null` read as
//! present, first-of-duplicate keys, rule ordering) is listed in the README under "Differences
//! from Falco".

pub mod time;

use crate::event::{Action, AuditEvent, Container, Obj, Str};
use crate::finding::{ContainerKind, ContainerVerdict, Finding, Outcome, Policy, Reason};
use crate::image::ImageRef;

/// The only stage `kevt` accepts (the `k8s_audit_stages` list).
const STAGE: &str = "ResponseComplete";

/// Falco's selection and verdict for one event: `None` when the rule's `kevt and pod and kcreate`
/// is false (or the plugin would have dropped the event), `Some(None)` when the images are all
/// allowed, `Some(Some(finding))` when Falco would alert.
pub fn consider(ev: &AuditEvent<'_>, policy: &Policy) -> Option<Option<Finding>> {
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
            .all(|image| policy.allowlist.has_literal(repository(image)))
    });
    Some((!allowed).then(|| finding(ev, time, images, policy)))
}

/// `s` as Falco sees it after the C string boundary: up to its first NUL.
pub fn c_str(s: &str) -> &str {
    s.find('\0').map_or(s, |end| &s[..end])
}

/// Falco's repository of an image: cut at the first `:`, then at the first `@`
/// (`strings.Split(strings.Split(image, ":")[0], "@")[0]`), then at a NUL.
pub fn repository(image: &str) -> &str {
    let end = image.find([':', '@', '\0']).unwrap_or(image.len());
    &image[..end]
}

/// Is this field, as Falco compares it, exactly `want`?
fn is(field: &Str<'_>, want: &str) -> bool {
    field.get().is_some_and(|s| c_str(s) == want)
}

/// A string field as Falco extracts it, owned.
fn field(value: &Str<'_>) -> Option<String> {
    value.get().map(|s| c_str(s).to_owned())
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
fn finding(ev: &AuditEvent<'_>, time: &str, images: Option<Vec<&str>>, policy: &Policy) -> Finding {
    let request_meta = ev.request_object.object().and_then(|r| r.metadata.get());
    let status_code = ev.status_code();
    let reason = if images.is_some() {
        Reason::DisallowedImage
    } else {
        Reason::ImagesUnknown
    };
    let mut disallowed: Vec<String> = Vec::new();
    for image in images.iter().flatten() {
        if !policy.allowlist.has_literal(repository(image))
            && !disallowed.iter().any(|d| d == image)
        {
            disallowed.push((*image).to_owned());
        }
    }
    Finding {
        file: String::new(),
        line: 0,
        audit_id: ev.audit_id.to_owned_string(),
        time: Some(time.to_owned()),
        stage: ev.stage.to_owned_string(),
        action: Action::Create,
        namespace: ev.object_ref.get().and_then(|o| field(&o.namespace)),
        pod: ev
            .response_object
            .get()
            .and_then(|r| r.metadata.get())
            .and_then(|m| field(&m.name)),
        generate_name: request_meta.and_then(|m| m.generate_name.to_owned_string()),
        user: ev.user.get().and_then(|u| field(&u.username)),
        impersonated_user: ev
            .impersonated_user
            .get()
            .and_then(|u| u.username.to_owned_string()),
        source_ips: ev
            .source_ips
            .get()
            .map(|ips| ips.iter().filter_map(Str::to_owned_string).collect()),
        user_agent: ev.user_agent.to_owned_string(),
        status_code,
        outcome: Outcome::of(ev.request_uri.get(), status_code, None),
        reason,
        images: images.map(|images| images.into_iter().map(str::to_owned).collect()),
        disallowed_images: disallowed,
        containers: containers(ev, policy),
    }
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
                allowed: image.is_some_and(|i| policy.allowlist.has_literal(repository(i))),
            }
        })
        .collect();
    Some(verdicts)
}

#[cfg(test)]
mod tests;
