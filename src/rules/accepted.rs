//! Which requests the API server accepted, for `--suggest-allowlist` (docs/usage.md).
//!
//! A request counts when the API server accepted it: outcome `created` (a 2xx status, not a dry
//! run), any way a pod gets an image that this tool's rule selects, in scope of the filters. Its
//! images are normalized and handed to [`crate::suggest`] as repositories, with whether the
//! current allowlist allows each; images that are not valid references go over as written.

use crate::event::{AuditEvent, Semantics, request};
use crate::filter::Admission;
use crate::finding::{self, Outcome};
use crate::image::ImageRef;
use crate::suggest::{Accepted, Image};

use super::Policy;
use super::default::{pod_action, semantics};

/// The accepted request `ev` stands for, if it is one: a pod request with outcome `created` in
/// the policy's scope. `None` for everything else (and for an image change that sets no image).
pub fn accepted(ev: &AuditEvent<'_>, policy: &Policy) -> Option<Accepted> {
    let semantics = semantics(pod_action(ev)?);
    if Outcome::of(ev.request_uri.get(), ev.status_code(), ev.grpc_code) != Outcome::Created {
        return None;
    }
    let subject = finding::subject(ev);
    if policy.scope.filter.admit(subject) == Admission::Out {
        return None;
    }
    let requested = if ev.is_truncated() {
        None
    } else {
        request::requested(&ev.request_object, semantics)
    };
    let Some(requested) = requested else {
        // A change whose body was not logged is not known to set an image; a create is.
        return (semantics == Semantics::Create)
            .then(|| Accepted::new(subject.time, subject.namespace, Vec::new(), true));
    };
    let mut images: Vec<Image> = Vec::new();
    for image in requested
        .containers
        .iter()
        .filter_map(|c| c.image.as_deref())
    {
        let image = match ImageRef::parse(image, &policy.default_registry) {
            Ok(r) => Image::Valid {
                allowed: policy.allowlist.allows(&r, subject.namespace).is_some(),
                repository: r.repository().to_owned(),
            },
            Err(_) => Image::Invalid(image.to_owned()),
        };
        image.add_to(&mut images);
    }
    let unknown = !requested.complete
        || requested.containers.iter().any(|c| c.image.is_none())
        || (images.is_empty() && semantics == Semantics::Create);
    if images.is_empty() && !unknown {
        return None;
    }
    Some(Accepted::new(
        subject.time,
        subject.namespace,
        images,
        unknown,
    ))
}
