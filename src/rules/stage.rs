//! Request identity: one finding per API request, whatever the number of its logged stages, and
//! whatever the number of inputs that logged it.
//!
//! A request can be logged at several stages under one `auditID`. The `ResponseComplete` event
//! is the one that counts; a request with none (its completion was not logged, or it panicked)
//! counts through its latest stage. Events without an `auditID` are requests of their own.
//!
//! An `auditID` alone does not make a request: clients choose their own (the `Audit-ID` header),
//! hand-written and replayed logs reuse them, and an attacker can reuse the ID of an innocent
//! request. Events belong to one request when they share the `auditID`, the verb, and the
//! `objectRef`'s resource, subresource and namespace, and their object names do not conflict
//! (equal, or one of them has none). Read in input order, an event joins the first request it
//! belongs to, else it starts a new one, and that is counted as a collision. A request completes
//! once, so a second `ResponseComplete` never joins a request that already has one: neither can
//! hide the other.
//!
//! The same event found again (a log and its compressed copy, overlapping archives) is one
//! event: the first occurrence stands, and the others are counted as duplicates.
//!
//! Workers wrap each pod-request event in a [`Candidate`], its finding, if any, held compactly
//! ([`Held`]); after the whole run is read, [`select_all`] picks the candidates that stand for
//! their requests, in input order, and only theirs become owned findings ([`keep`]). The same
//! choice ([`choose`]) merges saved reports. See docs/events.md (Stages).

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use ahash::{AHasher, RandomState};

use std::sync::Arc;

use rayon::prelude::*;

use crate::attribution::{Attribution, How, OwnerRef, Requester, shared};
use crate::event::AuditEvent;
use crate::finding::Finding;
use crate::suggest::Accepted;

use super::Mode;

/// The stages of one request, in the order they are logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// A stage name this tool does not know, or none.
    Other,
    /// `RequestReceived`.
    RequestReceived,
    /// `ResponseStarted`.
    ResponseStarted,
    /// `Panic`: the request failed inside the server.
    Panic,
    /// `ResponseComplete`.
    ResponseComplete,
}

impl Stage {
    /// From the `stage` field.
    pub(crate) fn of(stage: Option<&str>) -> Stage {
        match stage {
            Some("RequestReceived") => Stage::RequestReceived,
            Some("ResponseStarted") => Stage::ResponseStarted,
            Some("Panic") => Stage::Panic,
            Some("ResponseComplete") => Stage::ResponseComplete,
            _ => Stage::Other,
        }
    }
}

/// What an event says about the request it belongs to, beyond its `auditID` and stage. Held for
/// every pod-request event until the run ends, so the fields that recur from event to event
/// (verb, resource, subresource, namespace) are shared strings ([`shared()`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RequestRef {
    /// `verb`.
    pub verb: Option<Arc<str>>,
    /// `objectRef.resource`.
    pub resource: Option<Arc<str>>,
    /// `objectRef.subresource`.
    pub subresource: Option<Arc<str>>,
    /// `objectRef.namespace`.
    pub namespace: Option<Arc<str>>,
    /// The object's name: `objectRef.name`, else the request object's, else the response
    /// object's.
    pub name: Option<Box<str>>,
    /// When this stage was logged (`stageTimestamp`, else `requestReceivedTimestamp`, else
    /// `timestamp`): with the rest, what tells one logged event from another.
    pub time: Option<Box<str>>,
}

impl RequestRef {
    /// Reads the request's identity from `ev`.
    fn of(ev: &AuditEvent<'_>) -> RequestRef {
        let own = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(Box::from);
        let share = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(shared);
        let object = ev.object_ref.get();
        let name = object
            .and_then(|o| o.name.get())
            .filter(|n| !n.is_empty())
            .or_else(|| ev.request_meta().and_then(|m| m.name.get()))
            .filter(|n| !n.is_empty())
            .or_else(|| ev.response_meta().and_then(|m| m.name.get()));
        RequestRef {
            verb: share(ev.verb.get()),
            resource: share(object.and_then(|o| o.resource.get())),
            subresource: share(object.and_then(|o| o.subresource.get())),
            namespace: share(object.and_then(|o| o.namespace.get())),
            name: own(name),
            time: own(ev
                .stage_timestamp
                .get()
                .or_else(|| ev.request_received_timestamp.get())
                .or_else(|| ev.timestamp.get())),
        }
    }
}

/// One event that is a pod request, kept until the stages of its request are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The event's line (block-relative and 0-based in a worker, absolute and 1-based after the
    /// merge, [`Candidate::place`]).
    pub line: u64,
    /// The event's 0-based index in the batch it came in (an array, an `EventList`, …), `None`
    /// for an event on its own.
    pub item: Option<u64>,
    /// `auditID`, which groups the stages of one request.
    pub audit_id: Option<Box<str>>,
    /// This event's stage.
    pub stage: Stage,
    /// The rest of what identifies its request (and this event), for events with an `auditID`.
    pub request: Option<Box<RequestRef>>,
    /// The finding, if this event alone would be one, held compactly until the candidate is
    /// kept ([`Held`]).
    pub held: Option<Held>,
    /// The accepted request, when repositories are collected and whether this event stands for
    /// its request is not known yet (see [`crate::suggest`]).
    pub accepted: Option<Box<Accepted>>,
    /// The controller owner reference a pod create's object claims, when the finding's
    /// attribution follows it after the scan (this tool's rules only).
    pub owner: Option<Box<OwnerRef>>,
    /// The request's verb, when the finding's attribution (its own request) is left out until
    /// the candidate is kept: every other field of it repeats the finding's own ([`keep`]).
    pub deferred: Option<Deferred>,
}

/// A finding while its candidate waits to be chosen: what the event says, in one allocation
/// sized to it, and apart from it where the event was found and its attribution.
///
/// Most candidates are never kept (the other stages of a request, the same event read again),
/// and every candidate is held until the whole run is read, so the owned `Finding` (a
/// 664-byte record and a dozen strings, each its own allocation) is made only for the kept
/// ones. The encoding is postcard's, of the finding itself with `file`, `line`, `item` and
/// `attribution` emptied: exactly what [`same_finding`] compares, so two findings are the same
/// logged event when their bytes are equal, and the bytes are what is hashed to find them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The finding without its place and attribution, encoded.
    event: Box<[u8]>,
    /// The input it was read from, once the scan's merge has placed it.
    file: Option<Arc<str>>,
    /// Its attribution, unless it is none or left out ([`Deferred`]).
    attribution: Option<Box<Attribution>>,
}

impl Held {
    /// Holds `finding`; its place is set again when it is made ([`Held::finding`]).
    pub fn new(mut finding: Finding) -> Held {
        let attribution = finding.attribution.take().map(Box::new);
        finding.file = String::new();
        finding.line = 0;
        finding.item = None;
        thread_local! {
            /// Where a worker encodes, so that each held finding is one allocation of its size.
            static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        let event = SCRATCH.with_borrow_mut(|scratch| {
            scratch.clear();
            let encoded = postcard::to_extend(&finding, std::mem::take(scratch))
                .expect("a finding encodes: it has no map or sequence of unknown length");
            let event = Box::from(encoded.as_slice());
            // Kept for the next one, unless an unusual finding made it large.
            if encoded.capacity() <= 1 << 16 {
                *scratch = encoded;
            }
            event
        });
        Held {
            event,
            file: None,
            attribution,
        }
    }

    /// The owned finding, read at `line` (item `item`) of its input.
    pub fn finding(self, line: u64, item: Option<u64>) -> Finding {
        let mut finding: Finding =
            postcard::from_bytes(&self.event).expect("a finding decodes as it was encoded");
        self.file
            .as_deref()
            .unwrap_or_default()
            .clone_into(&mut finding.file);
        finding.line = line;
        finding.item = item;
        finding.attribution = self.attribution.map(|a| *a);
        finding
    }
}

/// What a finding's attribution holds beyond the finding's own fields, while it is left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deferred {
    /// The request's verb.
    verb: Option<Arc<str>>,
}

impl Deferred {
    /// Takes the attribution out of `finding` when it is its own request (`direct`, nothing
    /// more) and its initiator holds no more than the finding and the verb: it is made again
    /// when the candidate is kept.
    fn take(finding: &mut Finding) -> Option<Deferred> {
        let attribution = finding.attribution.as_ref()?;
        let Attribution {
            how,
            chain,
            initiator: Some(initiator),
            note,
        } = attribution
        else {
            return None;
        };
        // What `attribution` would make again, compared where it stands rather than copied.
        let Requester {
            user,
            impersonated_user,
            source_ips,
            user_agent,
            verb,
            time,
            audit_id,
            file,
            line,
        } = initiator;
        let own = *how == How::Direct
            && chain.is_empty()
            && note.is_none()
            && *user == finding.user
            && *impersonated_user == finding.impersonated_user
            && *source_ips == finding.source_ips
            && *user_agent == finding.user_agent
            && *time == finding.time
            && *audit_id == finding.audit_id
            && *file == finding.file
            && *line == finding.line;
        if !own {
            return None;
        }
        let deferred = Deferred {
            verb: verb.as_deref().map(shared),
        };
        finding.attribution = None;
        Some(deferred)
    }

    /// The request of `finding`, as its own initiator.
    pub(crate) fn requester(&self, finding: &Finding) -> Requester {
        Requester {
            user: finding.user.clone(),
            impersonated_user: finding.impersonated_user.clone(),
            source_ips: finding.source_ips.clone(),
            user_agent: finding.user_agent.clone(),
            verb: self.verb.as_deref().map(str::to_owned),
            time: finding.time.clone(),
            audit_id: finding.audit_id.clone(),
            file: finding.file.clone(),
            line: finding.line,
        }
    }

    /// Puts the attribution to its own request back into `finding`.
    pub(crate) fn restore(&self, finding: &mut Finding) {
        finding.attribution = Some(Attribution {
            how: How::Direct,
            chain: Vec::new(),
            initiator: Some(self.requester(finding)),
            note: None,
        });
    }
}

impl Candidate {
    /// Wraps the pod-request event `ev`, read at `line`, with its verdict, the finding held
    /// compactly ([`Held`]). A finding attributed to its own request has that attribution left
    /// out until the candidate is kept ([`Deferred`]): most candidates are not.
    pub fn new(ev: &AuditEvent<'_>, line: u64, finding: Option<Finding>) -> Candidate {
        let audit_id: Option<Box<str>> =
            ev.audit_id.get().filter(|id| !id.is_empty()).map(Box::from);
        let mut deferred = None;
        let held = finding.map(|mut f| {
            deferred = Deferred::take(&mut f);
            Held::new(f)
        });
        Candidate {
            line,
            item: None,
            request: audit_id.is_some().then(|| Box::new(RequestRef::of(ev))),
            audit_id,
            stage: Stage::of(ev.stage.get()),
            held,
            accepted: None,
            owner: None,
            deferred,
        }
    }

    /// Places a worker's candidate in its input: its line made absolute (1-based) from
    /// `base`, the 0-based line its block starts at, and its finding's input named `file`.
    pub fn place(&mut self, file: &Arc<str>, base: u64) {
        self.line += base + 1;
        let Some(held) = &mut self.held else {
            return;
        };
        held.file = Some(Arc::clone(file));
        // A finding that is not left out starts out attributed to its own request.
        if let Some(initiator) = held.attribution.as_mut().and_then(|a| a.initiator.as_mut()) {
            file.as_ref().clone_into(&mut initiator.file);
            initiator.line = self.line;
        }
    }

    /// Does this event stand for its request whatever else is logged: an event without
    /// `auditID`? (Any other event counts only if nothing later completes its request, and if
    /// it was not logged before.)
    pub fn stands_alone(&self) -> bool {
        self.audit_id.is_none()
    }

    /// This candidate's identity, for [`choose`].
    fn identity(&self) -> Identity<'_> {
        let request = self.request.as_deref();
        let field = |f: fn(&RequestRef) -> Option<&str>| request.and_then(f);
        Identity {
            audit_id: self.audit_id.as_deref(),
            stage: self.stage,
            verb: field(|r| r.verb.as_deref()),
            resource: field(|r| r.resource.as_deref()),
            subresource: field(|r| r.subresource.as_deref()),
            namespace: field(|r| r.namespace.as_deref()),
            name: field(|r| r.name.as_deref()),
        }
    }

    /// Feeds what [`Candidate::same_event`] compares (most of it) to `h`.
    fn hash_event(&self, h: &mut AHasher) {
        self.audit_id.hash(h);
        self.request.hash(h);
        if let Some(held) = &self.held {
            held.event.hash(h);
        }
    }

    /// Is `other` the same logged event as this one, found again?
    fn same_event(&self, other: &Candidate) -> bool {
        self.audit_id == other.audit_id
            && self.stage == other.stage
            && self.request == other.request
            && self.held.as_ref().map(|h| &h.event) == other.held.as_ref().map(|h| &h.event)
    }
}

/// What [`choose`] needs to know about one event. `verb` and `name` of two events conflict only
/// when both are known and differ; the other fields must be equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Identity<'a> {
    /// `auditID` (an empty one is none).
    pub audit_id: Option<&'a str>,
    /// The stage.
    pub stage: Stage,
    /// `verb`, when known.
    pub verb: Option<&'a str>,
    /// `objectRef.resource`.
    pub resource: Option<&'a str>,
    /// `objectRef.subresource`.
    pub subresource: Option<&'a str>,
    /// `objectRef.namespace`.
    pub namespace: Option<&'a str>,
    /// The object's name, when known.
    pub name: Option<&'a str>,
}

/// How many events [`choose`] found again, and how many `auditID`s were reused by different
/// requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Identities {
    /// Events left out because the same event was read before (another input, or the same
    /// one twice).
    pub duplicates: u64,
    /// Requests that share an `auditID` with an earlier, different request.
    pub collisions: u64,
}

/// No place: the end of a chain, or a field of a [`Request`] that found nothing.
const NONE: u32 = u32::MAX;

/// One request being gathered: places in the items, so that a request costs a few words
/// however long the strings of its identity are.
struct Request {
    /// The item of its first event, whose identity it has.
    first: u32,
    /// The first of its events that names a verb, if any.
    verb: u32,
    /// The first of its events that names the object, if any.
    name: u32,
    /// The next request under the same `auditID`, in the order they started.
    next: u32,
    /// Its `ResponseComplete` event.
    completed: u32,
    /// Its latest other stage: highest stage, then latest in the input.
    latest: Option<(Stage, u32)>,
}

impl Request {
    /// A request that starts with the event at `first`, whose identity is `id`.
    fn new(first: u32, id: &Identity<'_>) -> Request {
        Request {
            first,
            verb: if id.verb.is_some() { first } else { NONE },
            name: if id.name.is_some() { first } else { NONE },
            next: NONE,
            completed: NONE,
            latest: None,
        }
    }

    /// The request's identity: its first event's, the verb and name filled in by the first
    /// later event that had them.
    fn identity<'a>(&self, identity_at: impl Fn(u32) -> Identity<'a>) -> Identity<'a> {
        let mut id = identity_at(self.first);
        let other = |place: u32, field: fn(&Identity<'a>) -> Option<&'a str>| {
            (place != NONE && place != self.first)
                .then(|| field(&identity_at(place)))
                .flatten()
        };
        id.verb = id.verb.or_else(|| other(self.verb, |i| i.verb));
        id.name = id.name.or_else(|| other(self.name, |i| i.name));
        id
    }

    /// Does an event with identity `id` belong to this request, whose identity is `mine`?
    fn admits(&self, mine: &Identity<'_>, id: &Identity<'_>) -> bool {
        let agree = |a: Option<&str>, b: Option<&str>| a.is_none() || b.is_none() || a == b;
        agree(mine.verb, id.verb)
            && agree(mine.name, id.name)
            && mine.resource == id.resource
            && mine.subresource == id.subresource
            && mine.namespace == id.namespace
            && !(id.stage == Stage::ResponseComplete && self.completed != NONE)
    }
}

/// How many of the requests under one `auditID` an event may join is looked for among. Only a
/// log built to reuse one ID thousands of times has more; past this, an event starts a request
/// of its own (reported, never hidden), and the work per event stays bounded.
const MAX_REQUESTS_SEARCHED: usize = 256;

/// For each item, whether its event stands for its request, given each one's identity, a test
/// for "the same logged event", and a hash of what that test compares (equal events must hash
/// equal). Items are in input order. The work is linear in the items, whatever a hostile log
/// repeats: events are found again by their hash (with keys chosen at random), and an event
/// looks at most at [`MAX_REQUESTS_SEARCHED`] requests.
///
/// It runs when every event of the run is held, so what it adds is kept to a few words per
/// event: requests and chains of places, no list per `auditID` or per hash.
pub(crate) fn choose<'a, T>(
    items: &'a [T],
    identity: impl Fn(&'a T) -> Identity<'a>,
    same_event: impl Fn(&T, &T) -> bool,
    hash_event: impl Fn(&T, &mut AHasher),
) -> (Vec<bool>, Identities) {
    let place = |i: usize| u32::try_from(i).expect("fewer than 4 billion events");
    let identity_at = |i: u32| identity(&items[i as usize]);
    let mut counts = Identities::default();
    // Sized once for the most there can be, one per item, rather than grown (and rehashed) as
    // they come: a few words per item, which the items held outweigh.
    let mut requests: Vec<Request> = Vec::with_capacity(items.len());
    // Each auditID's first and last request; the others are chained from the first.
    let mut by_id: HashMap<&'a str, (u32, u32), RandomState> =
        HashMap::with_capacity_and_hasher(items.len(), RandomState::default());
    // Each event hash's latest event; the earlier ones are chained back through `same_hash`.
    let mut seen: HashMap<u64, u32, RandomState> =
        HashMap::with_capacity_and_hasher(items.len(), RandomState::default());
    let mut same_hash: Vec<u32> = vec![NONE; items.len()];
    let keys = RandomState::new();
    let mut chosen = vec![false; items.len()];
    for (i, item) in items.iter().enumerate() {
        let id = identity(item);
        let Some(audit_id) = id.audit_id else {
            chosen[i] = true;
            continue;
        };
        let mut h = keys.build_hasher();
        id.stage.hash(&mut h);
        hash_event(item, &mut h);
        let latest = seen.entry(h.finish()).or_insert(NONE);
        let mut m = *latest;
        let mut again = false;
        while m != NONE && !again {
            again = same_event(&items[m as usize], item);
            m = same_hash[m as usize];
        }
        if again {
            counts.duplicates += 1;
            continue;
        }
        same_hash[i] = *latest;
        *latest = place(i);
        let mut joined = None;
        let mut r = by_id.get(audit_id).map_or(NONE, |&(first, _)| first);
        for _ in 0..MAX_REQUESTS_SEARCHED {
            if r == NONE {
                break;
            }
            let request = &requests[r as usize];
            if request.admits(&request.identity(identity_at), &id) {
                joined = Some(r);
                break;
            }
            r = request.next;
        }
        let r = if let Some(r) = joined {
            r
        } else {
            let new = place(requests.len());
            requests.push(Request::new(place(i), &id));
            match by_id.entry(audit_id) {
                std::collections::hash_map::Entry::Occupied(mut known) => {
                    counts.collisions += 1;
                    let last = &mut known.get_mut().1;
                    requests[*last as usize].next = new;
                    *last = new;
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert((new, new));
                }
            }
            new
        };
        let request = &mut requests[r as usize];
        if request.verb == NONE && id.verb.is_some() {
            request.verb = place(i);
        }
        if request.name == NONE && id.name.is_some() {
            request.name = place(i);
        }
        if id.stage == Stage::ResponseComplete {
            request.completed = place(i);
        } else if request.latest.is_none_or(|(latest, _)| id.stage >= latest) {
            request.latest = Some((id.stage, place(i)));
        }
    }
    for request in &requests {
        let completed = (request.completed != NONE).then_some(request.completed);
        let at = completed.or(request.latest.map(|(_, i)| i));
        if let Some(i) = at {
            chosen[i as usize] = true;
        }
    }
    (chosen, counts)
}

/// Picks the events that stand for their requests and returns their findings, in input order.
pub fn select(candidates: Vec<Candidate>) -> Vec<Finding> {
    select_all(candidates, Mode::Default).0
}

/// What [`select_all`] keeps.
pub type Selected = (Vec<Finding>, Vec<Accepted>, Identities);

/// [`select`] under `mode`, also returning the accepted requests the chosen events carry, in
/// input order, and what request identity found. Falco's rule has no request identity: every
/// event it raises an alert for is kept, as Falco would alert on it.
pub fn select_all(candidates: Vec<Candidate>, mode: Mode) -> Selected {
    let (chosen, identities) = chosen(&candidates, mode);
    let (kept, accepted) = keep(candidates, &chosen);
    let mut findings = kept.findings;
    for (finding, pending) in findings.iter_mut().zip(kept.pending) {
        if let Some(deferred) = pending.deferred {
            deferred.restore(finding);
        }
    }
    (findings, accepted, identities)
}

/// For each candidate, whether it stands for its request under `mode` (see [`select_all`]), and
/// what request identity found.
pub fn chosen(candidates: &[Candidate], mode: Mode) -> (Vec<bool>, Identities) {
    match mode {
        Mode::Default => choose(
            candidates,
            Candidate::identity,
            Candidate::same_event,
            Candidate::hash_event,
        ),
        Mode::Falco => (vec![true; candidates.len()], Identities::default()),
    }
}

/// The findings of the chosen candidates, in input order, and what attribution still needs of
/// each ([`keep`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Kept {
    /// The findings, made from their held form. Those that claim a controller owner may still
    /// lack the attribution to their own request ([`Pending::deferred`]).
    pub findings: Vec<Finding>,
    /// What attribution still needs of the finding at the same index.
    pub pending: Vec<Pending>,
}

impl Kept {
    /// Keeps the findings (and what attribution needs of them) that `admit` admits, in order.
    pub fn retain(&mut self, mut admit: impl FnMut(&Finding) -> bool) {
        let admitted: Vec<bool> = self.findings.iter().map(&mut admit).collect();
        let mut flags = admitted.iter();
        self.findings
            .retain(|_| flags.next().copied().unwrap_or(false));
        let mut flags = admitted.iter();
        self.pending
            .retain(|_| flags.next().copied().unwrap_or(false));
    }
}

/// What attribution still needs of one kept finding, beyond the finding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
    /// The controller owner reference the pod create claims, when attribution follows it.
    pub owner: Option<Box<OwnerRef>>,
    /// The attribution to its own request, left out, of a finding that claims an owner: made
    /// only when resolving its owner chain answers `direct` ([`Deferred::requester`]).
    pub deferred: Option<Deferred>,
}

/// Keeps the `chosen` candidates that are findings, in input order, each with its owned finding
/// made ([`Held::finding`]) and its attribution made again ([`Deferred`]) unless it claims an
/// owner (attribution makes it then, if the answer is its own request), and takes out the
/// accepted requests the chosen ones carry. The rest are dropped here, before anything else is
/// worked out for them (attribution, the scope filter).
///
/// They are dropped before any finding is made, and the findings are made on the worker
/// threads, in parallel, each written straight into its place in the one vector the run's
/// findings stay in: the memory the held candidates took (in each worker's allocator arena,
/// since the workers made them) is what the owned findings are made in, rather than fresh
/// memory next to it.
pub fn keep(mut candidates: Vec<Candidate>, chosen: &[bool]) -> (Kept, Vec<Accepted>) {
    /// Findings made per task at least: making one takes a microsecond or two.
    const BATCH: usize = 256;
    let mut accepted = Vec::new();
    let mut chosen = chosen.iter();
    candidates.retain_mut(|c| {
        if !chosen.next().copied().unwrap_or(false) {
            return false;
        }
        accepted.extend(c.accepted.take().map(|a| *a));
        c.request = None;
        c.held.is_some()
    });
    let pending = candidates
        .iter_mut()
        .map(|c| {
            let owner = c.owner.take();
            let deferred = if owner.is_some() {
                c.deferred.take()
            } else {
                None
            };
            Pending { owner, deferred }
        })
        .collect();
    let findings = candidates
        .into_par_iter()
        .with_min_len(BATCH)
        .map(|c| {
            let held = c.held.expect("kept candidates are findings");
            let mut finding = held.finding(c.line, c.item);
            if let Some(deferred) = c.deferred {
                deferred.restore(&mut finding);
            }
            finding
        })
        .collect();
    (Kept { findings, pending }, accepted)
}

/// For each item, whether its event stands for its request, given each one's (non-empty)
/// `auditID` and stage: one per `auditID`, its `ResponseComplete` events, else its latest
/// stage. What workload records, which carry no more than that, are chosen by.
pub(crate) fn chosen_by<T>(items: &[T], key: impl Fn(&T) -> (Option<&str>, Stage)) -> Vec<bool> {
    /// What is known about the stages of one `auditID`.
    #[derive(Default)]
    struct Group {
        /// A `ResponseComplete` event was seen.
        completed: bool,
        /// The index of the latest other stage: highest stage, then latest in the input.
        latest: Option<(Stage, usize)>,
    }
    // Sized once for the most there can be, one per item (see `choose`).
    let mut groups: HashMap<&str, Group, RandomState> =
        HashMap::with_capacity_and_hasher(items.len(), RandomState::default());
    for (i, item) in items.iter().enumerate() {
        let (Some(id), stage) = key(item) else {
            continue;
        };
        let group = groups.entry(id).or_default();
        if stage == Stage::ResponseComplete {
            group.completed = true;
        } else if group.latest.is_none_or(|(latest, _)| stage >= latest) {
            group.latest = Some((stage, i));
        }
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match key(item) {
            (None, _) | (_, Stage::ResponseComplete) => true,
            (Some(id), _) => groups
                .get(id)
                .is_some_and(|g| !g.completed && g.latest.is_some_and(|(_, at)| at == i)),
        })
        .collect()
}

/// Feeds some of what [`same_finding`] compares to `h`: enough to tell events apart, equal for
/// equal findings.
pub(crate) fn hash_finding<H: Hasher>(f: &Finding, h: &mut H) {
    f.audit_id.hash(h);
    f.time.hash(h);
    f.stage.hash(h);
    f.action.as_str().hash(h);
    f.namespace.hash(h);
    f.pod.hash(h);
    f.name.hash(h);
    f.user.hash(h);
    f.status_code.hash(h);
    f.images.hash(h);
}

/// Are `a` and `b` the same logged event, found in two places? Everything read from the event is
/// equal; where it was found, and what attribution made of it in each run, may differ.
pub(crate) fn same_finding(a: &Finding, b: &Finding) -> bool {
    let Finding {
        file: _,
        line: _,
        item: _,
        attribution: _,
        audit_id,
        time,
        stage,
        action,
        namespace,
        pod,
        generate_name,
        user,
        impersonated_user,
        source_ips,
        user_agent,
        status_code,
        outcome,
        reason,
        images,
        disallowed_images,
        containers,
        kind,
        name,
    } = a;
    *audit_id == b.audit_id
        && *time == b.time
        && *stage == b.stage
        && *action == b.action
        && *namespace == b.namespace
        && *pod == b.pod
        && *generate_name == b.generate_name
        && *user == b.user
        && *impersonated_user == b.impersonated_user
        && *source_ips == b.source_ips
        && *user_agent == b.user_agent
        && *status_code == b.status_code
        && *outcome == b.outcome
        && *reason == b.reason
        && *images == b.images
        && *disallowed_images == b.disallowed_images
        && *containers == b.containers
        && *kind == b.kind
        && *name == b.name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Action, ContainerKind, ObjectKind, Outcome, Reason};

    fn finding(line: u64) -> Box<Finding> {
        Box::new(Finding {
            file: String::new(),
            line,
            item: None,
            audit_id: None,
            time: None,
            stage: None,
            action: Action::Create,
            namespace: None,
            pod: None,
            generate_name: None,
            user: None,
            impersonated_user: None,
            source_ips: None,
            user_agent: None,
            status_code: None,
            outcome: Outcome::Unknown,
            reason: Reason::ImagesUnknown,
            images: None,
            disallowed_images: vec![],
            containers: None,
            kind: ObjectKind::Pod,
            name: None,
            attribution: None,
        })
    }

    /// (line, audit id, stage, is a finding on its own)
    fn run(events: &[(u64, Option<&str>, Stage, bool)]) -> Vec<u64> {
        let candidates = events
            .iter()
            .map(|&(line, id, stage, bad)| Candidate {
                line,
                item: None,
                audit_id: id.map(Box::from),
                stage,
                request: id.map(|_| {
                    Box::new(RequestRef {
                        time: Some(line.to_string().into()),
                        ..RequestRef::default()
                    })
                }),
                held: bad.then(|| Held::new(*finding(line))),
                accepted: None,
                owner: None,
                deferred: None,
            })
            .collect();
        select(candidates).iter().map(|f| f.line).collect()
    }

    use Stage::*;

    /// A finding attributed to its own request holds no copy of that request while it waits to
    /// be chosen, and gets it back, equal to what the rule made, once it is kept.
    #[test]
    fn a_direct_initiator_is_left_out_until_kept_and_then_the_same() {
        let policy = crate::testing::policy("[nginx]").build();
        let line = (crate::testing::pod_create().api_server().audit_id("a1"))
            .complete()
            .user("alice@example.com")
            .status(201)
            .time("2026-03-01T10:00:00Z")
            .image("evil:1")
            .line();
        let mut candidates = Vec::new();
        crate::event::for_each_event(line.as_bytes(), &mut |ev| {
            let finding = policy
                .consider(ev)
                .and_then(crate::rules::Verdict::into_finding);
            let original = finding.clone().expect("a finding");
            let c = Candidate::new(ev, 2, finding);
            let held = c.held.as_ref().expect("a finding");
            assert_eq!(held.attribution, None);
            assert!(c.deferred.is_some());
            candidates.push((c, original));
        })
        .expect("an event");
        let (mut c, original) = candidates.pop().expect("one");
        // As the scan's merge places a candidate (its block starts at line 0).
        c.place(&Arc::from("in.log"), 0);
        let original = placed(original);
        let (kept, _) = keep(vec![c], &[true]);
        let kept = &kept.findings[0];
        assert_eq!(kept, &original);
        let initiator = kept.attribution.as_ref().and_then(|a| a.initiator.as_ref());
        assert_eq!(initiator.and_then(|i| i.verb.as_deref()), Some("create"));
    }

    /// `finding` as the scan's merge places it when its block starts the input `in.log` and its
    /// event is on the block's third line: the finding, and an initiator that is its own request.
    fn placed(mut finding: Finding) -> Finding {
        (finding.file, finding.line) = ("in.log".to_owned(), 3);
        if let Some(i) = finding
            .attribution
            .as_mut()
            .and_then(|a| a.initiator.as_mut())
        {
            (i.file, i.line) = ("in.log".to_owned(), 3);
        }
        finding
    }

    /// An attribution that says more than "its own request" (another requester, a note) is held
    /// as it is, placed with the finding, and comes back unchanged; a finding without one
    /// (Falco's rule) gets none back.
    #[test]
    fn any_other_attribution_is_held_as_it_is() {
        let policy = crate::testing::policy("[nginx]").build();
        let line = (crate::testing::pod_create().api_server().audit_id("a1"))
            .complete()
            .user("alice@example.com")
            .image("evil:1")
            .line();
        let mut held = Vec::new();
        crate::event::for_each_event(line.as_bytes(), &mut |ev| {
            let mut finding = policy
                .consider(ev)
                .and_then(crate::rules::Verdict::into_finding)
                .expect("a finding");
            let mut other = finding.clone();
            let initiator = other
                .attribution
                .as_mut()
                .and_then(|a| a.initiator.as_mut());
            initiator.expect("an initiator").user = Some("bob".to_owned());
            held.push((Candidate::new(ev, 2, Some(other.clone())), other));
            let attribution = finding.attribution.as_mut().expect("attributed");
            attribution.note = Some("worth a look".to_owned());
            let noted = finding.clone();
            let mut bare = finding.clone();
            bare.attribution = None;
            held.push((Candidate::new(ev, 2, Some(finding)), noted));
            held.push((Candidate::new(ev, 2, Some(bare.clone())), bare));
        })
        .expect("an event");
        for (mut c, original) in held {
            assert!(c.deferred.is_none());
            c.place(&Arc::from("in.log"), 0);
            let (kept, _) = keep(vec![c], &[true]);
            assert_eq!(kept.findings, [placed(original)]);
        }
    }

    #[test]
    fn response_complete_wins_whatever_the_order() {
        assert_eq!(
            run(&[
                (1, Some("a"), RequestReceived, true),
                (5, Some("a"), ResponseComplete, true)
            ]),
            [5]
        );
        assert_eq!(
            run(&[
                (1, Some("a"), ResponseComplete, true),
                (5, Some("a"), RequestReceived, true)
            ]),
            [1]
        );
        // The request-received event alone lacks the body; the completed one is allowed.
        assert_eq!(
            run(&[
                (1, Some("a"), RequestReceived, true),
                (2, Some("a"), ResponseComplete, false)
            ]),
            Vec::<u64>::new()
        );
    }

    #[test]
    fn without_completion_the_latest_stage_counts() {
        assert_eq!(run(&[(1, Some("a"), RequestReceived, true)]), [1]);
        assert_eq!(
            run(&[
                (1, Some("a"), RequestReceived, true),
                (2, Some("a"), Panic, true)
            ]),
            [2]
        );
        assert_eq!(
            run(&[
                (1, Some("a"), RequestReceived, true),
                (2, Some("a"), RequestReceived, true)
            ]),
            [2]
        );
        assert_eq!(
            run(&[
                (1, Some("a"), Panic, false),
                (2, Some("a"), RequestReceived, true)
            ]),
            Vec::<u64>::new()
        );
    }

    #[test]
    fn requests_without_audit_id_and_reused_ids_each_count() {
        assert_eq!(
            run(&[
                (1, None, RequestReceived, true),
                (2, None, RequestReceived, true)
            ]),
            [1, 2]
        );
        assert_eq!(
            run(&[
                (1, Some("x"), ResponseComplete, false),
                (2, Some("x"), ResponseComplete, true)
            ]),
            [2]
        );
        assert_eq!(
            run(&[
                (1, Some("a"), ResponseComplete, true),
                (2, Some("b"), ResponseComplete, true)
            ]),
            [1, 2]
        );
    }

    /// A candidate for pod `name` with `image` under `id`, at `line`, logged at `time`.
    fn pod(line: u64, id: &str, stage: Stage, name: Option<&str>, time: &str) -> Candidate {
        let mut f = finding(line);
        f.audit_id = Some(id.to_owned());
        f.pod = name.map(str::to_owned);
        f.time = Some(time.to_owned());
        Candidate {
            line,
            item: None,
            audit_id: Some(id.into()),
            stage,
            request: Some(Box::new(RequestRef {
                verb: Some("create".into()),
                resource: Some("pods".into()),
                subresource: None,
                namespace: Some("default".into()),
                name: name.map(Box::from),
                time: Some(time.into()),
            })),
            held: Some(Held::new(*f)),
            accepted: None,
            owner: None,
            deferred: None,
        }
    }

    fn lines(findings: &[Finding]) -> Vec<u64> {
        findings.iter().map(|f| f.line).collect()
    }

    #[test]
    fn a_reused_audit_id_for_another_pod_is_another_request() {
        // One ID, two pods: the evil pod's only stage is its own request's latest.
        let mut good = pod(2, "x", ResponseComplete, Some("good"), "t2");
        good.held = None;
        let (found, _, ids) = select_all(
            vec![pod(1, "x", RequestReceived, Some("evil"), "t1"), good],
            Mode::Default,
        );
        assert_eq!(lines(&found), [1]);
        assert_eq!(ids.collisions, 1);
        // A stage without a name joins the named one.
        let (found, _, ids) = select_all(
            vec![
                pod(1, "x", RequestReceived, None, "t1"),
                pod(2, "x", ResponseComplete, Some("web"), "t2"),
            ],
            Mode::Default,
        );
        assert_eq!(lines(&found), [2]);
        assert_eq!(ids.collisions, 0);
        // Another namespace, verb or subresource is another request.
        let mut other = pod(2, "x", ResponseComplete, Some("web"), "t2");
        other.request.as_mut().expect("request").namespace = Some("prod".into());
        let (found, _, ids) = select_all(
            vec![pod(1, "x", RequestReceived, Some("web"), "t1"), other],
            Mode::Default,
        );
        assert_eq!(lines(&found), [1, 2]);
        assert_eq!(ids.collisions, 1);
    }

    #[test]
    fn the_same_event_in_two_inputs_is_one_event() {
        let mut copy = pod(1, "x", ResponseComplete, Some("web"), "t2");
        copy.held.as_mut().expect("a finding").file = Some("copy.log.gz".into());
        copy.line = 9;
        let (found, _, ids) = select_all(
            vec![
                pod(1, "x", RequestReceived, Some("web"), "t1"),
                pod(2, "x", ResponseComplete, Some("web"), "t2"),
                pod(8, "x", RequestReceived, Some("web"), "t1"),
                copy,
            ],
            Mode::Default,
        );
        assert_eq!(lines(&found), [2]);
        assert_eq!(ids.duplicates, 2);
        assert_eq!(ids.collisions, 0);
        // Falco's rule alerts on every event it is shown.
        let (found, _, ids) = select_all(
            vec![
                pod(2, "x", ResponseComplete, Some("web"), "t2"),
                pod(9, "x", ResponseComplete, Some("web"), "t2"),
            ],
            Mode::Falco,
        );
        assert_eq!(lines(&found), [2, 9]);
        assert_eq!(ids, Identities::default());
    }

    #[test]
    fn a_second_completion_is_a_second_request() {
        let mut allowed = pod(1, "x", ResponseComplete, Some("web"), "t1");
        allowed.held = None;
        let (found, _, ids) = select_all(
            vec![allowed, pod(2, "x", ResponseComplete, Some("web"), "t2")],
            Mode::Default,
        );
        assert_eq!(lines(&found), [2]);
        assert_eq!(ids.collisions, 1);
    }

    /// A log built to reuse one audit ID for tens of thousands of requests (or to repeat one
    /// event as often) is chosen from in linear time, and every request still counts.
    #[test]
    fn one_id_reused_very_often_stays_linear() {
        let n = 40_000;
        let many: Vec<Candidate> = (0..n)
            .map(|i| {
                let name = format!("pod-{i}");
                pod(i, "x", ResponseComplete, Some(&name), "t")
            })
            .collect();
        let started = std::time::Instant::now();
        let (found, _, ids) = select_all(many, Mode::Default);
        assert_eq!(found.len(), 40_000);
        assert_eq!(ids.collisions, n - 1);
        let same: Vec<Candidate> = (0..n)
            .map(|i| pod(i, "x", RequestReceived, Some("p"), "t"))
            .collect();
        let (found, _, ids) = select_all(same, Mode::Default);
        assert_eq!(lines(&found), [0]);
        assert_eq!(ids.duplicates, n - 1);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
    }

    /// A candidate from small random parts: few IDs, names and times, so that requests share
    /// IDs, stages repeat and some events are equal.
    fn arbitrary() -> impl proptest::strategy::Strategy<Value = Candidate> {
        use proptest::prelude::*;
        let stage = prop::sample::select(vec![
            RequestReceived,
            ResponseStarted,
            Panic,
            ResponseComplete,
        ]);
        (
            prop::sample::select(vec!["x", "y"]),
            stage,
            prop::option::of(prop::sample::select(vec!["a", "b"])),
            prop::sample::select(vec!["t1", "t2"]),
            any::<bool>(),
        )
            .prop_map(|(id, stage, name, time, bad)| {
                let mut c = pod(0, id, stage, name, time);
                if !bad {
                    c.held = None;
                }
                c
            })
    }

    /// A finding from small random parts: few values per field, so that two findings are
    /// often equal, or differ in one field only.
    fn arbitrary_finding() -> impl proptest::strategy::Strategy<Value = Finding> {
        use crate::finding::ContainerVerdict;
        use proptest::prelude::*;
        let text = || prop::option::of(prop::sample::select(vec!["", "a", "b", "ü:1\u{0}"]));
        let owned = |s: Option<&str>| s.map(str::to_owned);
        let list = || {
            prop::option::of(prop::collection::vec(
                prop::sample::select(vec!["", "a", "b:1"]),
                0..3,
            ))
        };
        let container = (text(), any::<bool>(), text(), text()).prop_map(
            move |(name, init, image, reference)| ContainerVerdict {
                name: owned(name),
                kind: if init {
                    ContainerKind::Init
                } else {
                    ContainerKind::Container
                },
                image: owned(image),
                reference: owned(reference),
                allowed: init,
            },
        );
        let attribution = prop::option::of((text(), any::<bool>())).prop_map(move |a| {
            a.map(|(note, direct)| Attribution {
                how: if direct { How::Direct } else { How::Unresolved },
                chain: vec!["ReplicaSet/a".to_owned()],
                initiator: None,
                note: owned(note),
            })
        });
        (
            (text(), text(), text(), text(), text(), text()),
            (text(), text(), list(), text()),
            (prop::option::of(-1i64..2), any::<bool>(), list(), list()),
            (
                prop::option::of(prop::collection::vec(container, 0..3)),
                text(),
            ),
            attribution,
        )
            .prop_map(
                move |(
                    (audit_id, time, stage, namespace, pod, generate_name),
                    (user, impersonated_user, source_ips, user_agent),
                    (status_code, bodiless, images, disallowed),
                    (containers, name),
                    attribution,
                )| {
                    let strings = |l: Option<Vec<&str>>| {
                        l.map(|l| l.into_iter().map(str::to_owned).collect::<Vec<_>>())
                    };
                    Finding {
                        audit_id: owned(audit_id),
                        time: owned(time),
                        stage: owned(stage),
                        namespace: owned(namespace),
                        pod: owned(pod),
                        generate_name: owned(generate_name),
                        user: owned(user),
                        impersonated_user: owned(impersonated_user),
                        source_ips: strings(source_ips),
                        user_agent: owned(user_agent),
                        status_code,
                        reason: if bodiless {
                            Reason::ImagesUnknown
                        } else {
                            Reason::DisallowedImage
                        },
                        images: strings(images),
                        disallowed_images: strings(disallowed).unwrap_or_default(),
                        containers,
                        name: owned(name),
                        attribution,
                        ..*finding(0)
                    }
                },
            )
    }

    proptest::proptest! {
        /// A held finding is made again as it was, in the place the scan gives it; two held
        /// findings are the same event exactly when the findings are.
        #[test]
        fn a_held_finding_is_the_finding(
            a in arbitrary_finding(),
            b in arbitrary_finding(),
            line in 1u64..1000,
            item in proptest::option::of(0u64..3),
        ) {
            let placed = |f: &Finding| Finding {
                file: "in.log".to_owned(),
                line,
                item,
                ..f.clone()
            };
            let mut held = Held::new(a.clone());
            held.file = Some("in.log".into());
            let same = Held::new(b.clone()).event == held.event;
            proptest::prop_assert_eq!(held.finding(line, item), placed(&a));
            proptest::prop_assert_eq!(same, same_finding(&a, &b));
            // Where it was found and its attribution are not what the event says.
            let elsewhere = Finding { attribution: None, ..placed(&a) };
            proptest::prop_assert_eq!(&Held::new(elsewhere).event, &Held::new(a).event);
        }
    }

    proptest::proptest! {
        /// The scope filter keeps each finding with what attribution needs of it: whichever
        /// findings it drops, every one kept still has its own owner beside it.
        #[test]
        fn kept_findings_stay_beside_what_attribution_needs_of_them(
            admitted in proptest::collection::vec(proptest::prelude::any::<bool>(), 0..40),
        ) {
            let mut kept = Kept::default();
            for (line, _) in (0u64..).zip(&admitted) {
                kept.findings.push(*finding(line));
                let owner = OwnerRef {
                    kind: "ReplicaSet".to_owned(),
                    name: line.to_string(),
                    uid: None,
                };
                kept.pending.push(Pending { owner: Some(Box::new(owner)), deferred: None });
            }
            kept.retain(|f| admitted[f.line as usize]);
            let lines: Vec<u64> = kept.findings.iter().map(|f| f.line).collect();
            let expected: Vec<u64> = (0u64..).zip(&admitted).filter(|(_, a)| **a).map(|(l, _)| l).collect();
            proptest::prop_assert_eq!(&lines, &expected);
            let owners: Vec<String> = kept
                .pending
                .iter()
                .map(|p| p.owner.as_ref().map_or_else(String::new, |o| o.name.clone()))
                .collect();
            let names: Vec<String> = lines.iter().map(u64::to_string).collect();
            proptest::prop_assert_eq!(owners, names);
        }
    }

    proptest::proptest! {
        /// Reading every input twice (a log and its copy) reports what reading it once does.
        /// (Events without an `auditID` are requests of their own, each time they are read.)
        #[test]
        fn reading_everything_twice_changes_nothing(
            events in proptest::collection::vec(arbitrary(), 0..12)
        ) {
            let numbered = |events: &[Candidate], from: u64| -> Vec<Candidate> {
                events
                    .iter()
                    .cloned()
                    .zip(from..)
                    .map(|(mut c, line)| {
                        c.line = line;
                        c
                    })
                    .collect()
            };
            let once = numbered(&events, 1);
            let twice = [once.clone(), numbered(&events, 100)].concat();
            let (a, _, ids_once) = select_all(once, Mode::Default);
            let (b, _, ids_twice) = select_all(twice, Mode::Default);
            proptest::prop_assert_eq!(lines(&a), lines(&b));
            proptest::prop_assert_eq!(ids_once.collisions, ids_twice.collisions);
            let read_again = events.len() as u64;
            proptest::prop_assert_eq!(ids_twice.duplicates, ids_once.duplicates + read_again);
        }
    }
}
