//! The repositories of accepted pod requests, for `--suggest-allowlist` (SPEC §2).
//!
//! A request counts when the API server accepted it: outcome `created` (a 2xx status, not a dry
//! run), any action (§4.2), in scope of the filters, judged through the event that stands for it
//! (§4.3). Its images are normalized (§5) and counted per **repository**, so what is kept grows
//! with the number of distinct repositories, not with the log: a worker adds each request to its
//! block's [`Repositories`] as it reads it, and the blocks are summed with `+=`. Only a request
//! whose stage decides later (an event with an `auditID` that is not `ResponseComplete`, which is
//! rare: a GKE entry, a request whose completion was not logged) rides along with its candidate as
//! an [`Accepted`] until the stage selection has picked it.
//!
//! Images that are not valid references are counted apart: SPEC §5 never allows them, so no
//! pattern can be suggested for them. Requests whose images were not logged are counted too.
//! The sums do not depend on the order of blocks, so the suggestion is the same for any
//! `--threads`.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::AddAssign;

use jiff::Timestamp;

use crate::event::{AuditEvent, request};
use crate::filter::Admission;
use crate::finding::{self, Outcome, Policy};
use crate::image::ImageRef;

/// One accepted request's images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// When it was logged, if the time parses.
    time: Option<Timestamp>,
    /// Its namespace.
    namespace: Option<String>,
    /// Its images, each repository once.
    images: Vec<Image>,
    /// Some image could not be determined (not logged, or a container without one).
    unknown: bool,
}

/// One image of an accepted request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Image {
    /// A valid reference's normalized repository, and whether the allowlist allows the image.
    Valid { repository: String, allowed: bool },
    /// An image string that is not a valid reference, as written.
    Invalid(String),
}

/// How often one repository (or invalid image) was used, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Accepted requests that used it.
    pub requests: u64,
    /// Of those, requests in which the current allowlist does not allow it.
    pub not_allowed: u64,
    /// The earliest readable time.
    pub first: Option<Timestamp>,
    /// The latest readable time.
    pub last: Option<Timestamp>,
    /// The namespaces of those requests (a cluster has few, so all are kept).
    pub namespaces: BTreeSet<String>,
}

/// The accepted requests of a scan (or of one block of it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repositories {
    /// Accepted pod requests counted.
    pub requests: u64,
    /// Of those, requests with an image that could not be determined.
    pub unknown_images: u64,
    /// The earliest and latest readable times of all of them.
    pub span: Usage,
    /// Normalized repositories, sorted (so grouped by registry).
    pub repositories: BTreeMap<String, Usage>,
    /// Images that are not valid references, as written.
    pub invalid: BTreeMap<String, Usage>,
}

/// The accepted request `ev` stands for, if it is one: a pod request with outcome `created` in
/// the policy's scope. `None` for everything else (and for an image change that sets no image).
pub fn accepted(ev: &AuditEvent<'_>, policy: &Policy) -> Option<Accepted> {
    let action = ev.pod_action()?;
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
        request::requested(&ev.request_object, action.semantics())
    };
    let Some(requested) = requested else {
        // A change whose body was not logged is not known to set an image; a create is.
        return (action.semantics() == request::Semantics::Create).then(|| Accepted {
            time: subject.time.and_then(crate::filter::parse_time),
            namespace: subject.namespace.map(str::to_owned),
            images: Vec::new(),
            unknown: true,
        });
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
        merge_image(&mut images, image);
    }
    let unknown = !requested.complete
        || requested.containers.iter().any(|c| c.image.is_none())
        || (images.is_empty() && action.semantics() == request::Semantics::Create);
    if images.is_empty() && !unknown {
        return None;
    }
    Some(Accepted {
        time: subject.time.and_then(crate::filter::parse_time),
        namespace: subject.namespace.map(str::to_owned),
        images,
        unknown,
    })
}

/// Adds `image` to a request's list once per repository; a repository is not allowed in the
/// request if any of its images is not.
fn merge_image(images: &mut Vec<Image>, image: Image) {
    let same = images.iter_mut().find(|i| i.key() == image.key());
    match (same, image) {
        (
            Some(Image::Valid { allowed, .. }),
            Image::Valid {
                allowed: also_allowed,
                ..
            },
        ) => *allowed &= also_allowed,
        (Some(_), _) => {}
        (None, image) => images.push(image),
    }
}

impl Image {
    /// What makes two images of one request the same: the repository, or the invalid string.
    fn key(&self) -> (bool, &str) {
        match self {
            Image::Valid { repository, .. } => (true, repository),
            Image::Invalid(image) => (false, image),
        }
    }
}

impl Usage {
    /// Counts one request at `time` in `namespace`.
    fn count(&mut self, time: Option<Timestamp>, namespace: Option<&str>, allowed: bool) {
        self.requests += 1;
        self.not_allowed += u64::from(!allowed);
        self.widen(time, time);
        if let Some(ns) = namespace
            && !self.namespaces.contains(ns)
        {
            self.namespaces.insert(ns.to_owned());
        }
    }

    /// Stretches first/last to cover `first..=last`.
    fn widen(&mut self, first: Option<Timestamp>, last: Option<Timestamp>) {
        if let Some(t) = first {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
        }
        if let Some(t) = last {
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }
}

impl AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        self.requests += other.requests;
        self.not_allowed += other.not_allowed;
        self.widen(other.first, other.last);
        self.namespaces.extend(other.namespaces);
    }
}

impl Repositories {
    /// Counts one accepted request.
    pub fn add(&mut self, accepted: Accepted) {
        self.requests += 1;
        self.unknown_images += u64::from(accepted.unknown);
        self.span.count(accepted.time, None, true);
        let ns = accepted.namespace.as_deref();
        for image in accepted.images {
            let (usage, allowed) = match image {
                Image::Valid {
                    repository,
                    allowed,
                } => (self.repositories.entry(repository).or_default(), allowed),
                Image::Invalid(image) => (self.invalid.entry(image).or_default(), false),
            };
            usage.count(accepted.time, ns, allowed);
        }
    }
}

/// Sums the accepted requests of another block (the order does not matter).
impl AddAssign for Repositories {
    fn add_assign(&mut self, other: Repositories) {
        self.requests += other.requests;
        self.unknown_images += other.unknown_images;
        self.span += other.span;
        for (repository, usage) in other.repositories {
            *self.repositories.entry(repository).or_default() += usage;
        }
        for (image, usage) in other.invalid {
            *self.invalid.entry(image).or_default() += usage;
        }
    }
}

#[cfg(test)]
mod tests;
