//! The repositories of accepted pod requests, for `--suggest-allowlist` (docs/usage.md).
//!
//! Which requests count is a rule (`accepted` in the `rules` module): the API server accepted
//! them, any way a pod gets an image, in scope of the filters, judged through the event that
//! stands for its request. This module counts what that rule hands over. Images are counted per
//! normalized **repository**, so what is kept grows with the number of distinct repositories,
//! not with the log: a worker adds each request to its block's [`Repositories`] as it reads it,
//! and the blocks are summed with `+=`. Only a request whose stage decides later (an event with
//! an `auditID` that is not `ResponseComplete`, which is rare: a GKE entry, a request whose
//! completion was not logged) rides along with its candidate as an [`Accepted`] until the stage
//! selection has picked it.
//!
//! Images that are not valid references are counted apart: no pattern ever allows them, so none
//! can be suggested for them. Requests whose images were not logged are counted too. The sums do
//! not depend on the order of blocks, so the suggestion is the same for any `--threads`.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::AddAssign;

use jiff::Timestamp;

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
pub enum Image {
    /// A valid reference's normalized repository, and whether the allowlist allows the image.
    Valid {
        /// The normalized repository.
        repository: String,
        /// Whether the allowlist allows the image.
        allowed: bool,
    },
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
    pub by_repository: BTreeMap<String, Usage>,
    /// Images that are not valid references, as written.
    pub invalid: BTreeMap<String, Usage>,
}

impl Accepted {
    /// An accepted request logged at `time` (as written; unreadable times are dropped) in
    /// `namespace`, with its `images` (each repository once, see [`Image::add_to`]) and whether
    /// some image could not be determined.
    pub fn new(
        time: Option<&str>,
        namespace: Option<&str>,
        images: Vec<Image>,
        unknown: bool,
    ) -> Accepted {
        Accepted {
            time: time.and_then(crate::filter::parse_time),
            namespace: namespace.map(str::to_owned),
            images,
            unknown,
        }
    }
}

impl Image {
    /// Adds this image to a request's list once per repository; a repository is not allowed in
    /// the request if any of its images is not.
    pub fn add_to(self, images: &mut Vec<Image>) {
        let same = images.iter_mut().find(|i| i.key() == self.key());
        match (same, self) {
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
                } => (self.by_repository.entry(repository).or_default(), allowed),
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
        for (repository, usage) in other.by_repository {
            *self.by_repository.entry(repository).or_default() += usage;
        }
        for (image, usage) in other.invalid {
            *self.invalid.entry(image).or_default() += usage;
        }
    }
}

#[cfg(test)]
mod tests;
