//! The index the resolver reads: every workload write of a run in time order, and for each
//! object its writes, with what the walk asks of them worked out once when the index is built.
//!
//! The resolver asks, for one object and one pod's time, only about the object's writes at or
//! before that time (a prefix of the object's writes, which are in time order): the latest one;
//! the latest one that a controller wrote naming the object's owner; whether any names an owner,
//! was logged with its body, or without it; and, newest first, the writes by a person or pipeline
//! that set template images. Each object's list keeps, for every write in it, the place of the
//! latest such link and of the latest such setter at or before it, so a question costs a binary
//! search for the pod's time and then only the writes that can be its answer, however many
//! writes the object has. Building the index is one sort and one pass over the writes.

use std::collections::HashMap;

use ahash::RandomState;
use jiff::Timestamp;

use super::super::identity::{self, Child};
use super::super::{OwnerRef, WorkloadKind, WorkloadRecord};
use super::Object;

/// No place in a [`Run`]: the value of an `Entry` field or a `Run` field that found nothing.
const NONE: u32 = u32::MAX;

/// Every workload write of a run, in time order, indexed for the resolver. It borrows the
/// writes: the index adds a few words per write, never a copy of one.
#[derive(Debug, Default)]
pub struct Records<'r> {
    /// The writes that have a time, sorted by time, then by input position.
    writes: Vec<&'r WorkloadRecord>,
    /// Each object's writes by kind and uid.
    by_uid: HashMap<(WorkloadKind, &'r str), Run, RandomState>,
    /// Each object's writes by kind, namespace and name.
    by_name: HashMap<(WorkloadKind, &'r str, &'r str), Names, RandomState>,
}

/// The writes of one kind, namespace and name.
#[derive(Debug, Default)]
struct Names {
    /// All of them.
    all: Run,
    /// Those that show no uid (a patch logged at level `Request`, a create's request body).
    uidless: Run,
}

/// One object's writes, in time order, with the answers to the walk's questions for every
/// prefix.
#[derive(Debug)]
struct Run {
    /// One per write, in time order.
    entries: Vec<Entry>,
    /// The place of the first write that names a controller owner, or [`NONE`].
    first_named: u32,
    /// The place of the first write logged with its body, or [`NONE`].
    first_readable: u32,
    /// The place of the first write logged without its body, or [`NONE`].
    first_unreadable: u32,
}

/// One write in a [`Run`].
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Its index in [`Records::writes`].
    write: u32,
    /// The place in the run of the latest write at or before this one that names an owner of a
    /// kind attribution follows and was written by that owner's controller, or [`NONE`].
    last_link: u32,
    /// The place in the run of the latest write at or before this one that a person or pipeline
    /// (not a controller) made and that set template images, or [`NONE`].
    last_setter: u32,
}

impl Default for Run {
    fn default() -> Run {
        Run {
            entries: Vec::new(),
            first_named: NONE,
            first_readable: NONE,
            first_unreadable: NONE,
        }
    }
}

impl Run {
    /// Appends the write at `index` (later in time than every write already in the run).
    fn push(&mut self, index: usize, record: &WorkloadRecord) {
        let place = self.entries.len() as u32;
        let previous = self.entries.last();
        let last_link = if links(record) {
            place
        } else {
            previous.map_or(NONE, |e| e.last_link)
        };
        let last_setter = if sets_images(record) {
            place
        } else {
            previous.map_or(NONE, |e| e.last_setter)
        };
        self.entries.push(Entry {
            write: u32::try_from(index).expect("fewer than 4 billion workload writes"),
            last_link,
            last_setter,
        });
        let first = |field: &mut u32, holds: bool| {
            if holds && *field == NONE {
                *field = place;
            }
        };
        first(&mut self.first_named, record.owner.is_some());
        first(&mut self.first_readable, record.images.is_some());
        first(&mut self.first_unreadable, record.images.is_none());
    }
}

/// Whether `record` names an owner of a kind attribution follows and was written by that owner's
/// controller: a link the walk trusts.
fn links(record: &WorkloadRecord) -> bool {
    record.owner.as_ref().is_some_and(|owner| {
        WorkloadKind::from_kind(&owner.kind).is_some_and(|parent| {
            let writer = record.requester.user.as_deref();
            identity::is_controller_for(Child::Workload(record.kind), parent, writer)
        })
    })
}

/// Whether `record` was made by a person or pipeline and set template images: a request that
/// may be a pod's initiator.
fn sets_images(record: &WorkloadRecord) -> bool {
    !identity::is_controller(record.requester.user.as_deref())
        && record
            .images
            .as_ref()
            .is_some_and(|images| !images.is_empty())
}

impl<'r> Records<'r> {
    /// Indexes the run's writes, given in any order. Writes without a time are left out: they
    /// are never at or before a pod.
    pub fn new(records: impl IntoIterator<Item = &'r WorkloadRecord>) -> Records<'r> {
        let mut writes: Vec<&'r WorkloadRecord> =
            records.into_iter().filter(|r| r.at.is_some()).collect();
        writes.sort_by_key(|r| (r.at, r.position));
        // At most one object per write: no table grows while it is filled.
        let objects = writes.len();
        let mut by_uid: HashMap<_, Run, _> =
            HashMap::with_capacity_and_hasher(objects, RandomState::new());
        let mut by_name: HashMap<_, Names, _> =
            HashMap::with_capacity_and_hasher(objects, RandomState::new());
        for (index, &record) in writes.iter().enumerate() {
            if let Some(uid) = &record.uid {
                let key = (record.kind, &**uid);
                by_uid.entry(key).or_default().push(index, record);
            }
            if let (Some(namespace), Some(name)) = (&record.namespace, &record.name) {
                let key = (record.kind, &**namespace, &**name);
                let names = by_name.entry(key).or_default();
                names.all.push(index, record);
                if record.uid.is_none() {
                    names.uidless.push(index, record);
                }
            }
        }
        Records {
            writes,
            by_uid,
            by_name,
        }
    }

    /// How many writes are kept (those with a time).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.writes.len()
    }

    /// Whether no write is kept.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// How many writes are at or before `at`: exactly those with an index below it. Nothing is
    /// at or before an unknown time.
    pub(super) fn cutoff(&self, at: Option<Timestamp>) -> usize {
        at.map_or(0, |at| self.writes.partition_point(|r| r.at <= Some(at)))
    }

    /// The writes of `object` by kind and uid below `cut`.
    fn by_uid<'a>(&'a self, object: &Object<'a>, cut: usize) -> Seen<'a, 'r> {
        let run = object
            .uid
            .and_then(|uid| self.by_uid.get(&(object.kind, uid)));
        self.seen(run, cut)
    }

    /// The writes of `object` by kind, namespace and name below `cut` where the object's uid or
    /// the write's is unknown: all of them when the object's uid is unknown, else those without
    /// one.
    fn by_name<'a>(&'a self, object: &Object<'a>, cut: usize) -> Seen<'a, 'r> {
        let names = object
            .namespace
            .and_then(|namespace| self.by_name.get(&(object.kind, namespace, object.name)));
        let run = names.map(|names| match object.uid {
            None => &names.all,
            Some(_) => &names.uidless,
        });
        self.seen(run, cut)
    }

    /// The prefix of `run` below `cut`.
    fn seen<'a>(&'a self, run: Option<&'a Run>, cut: usize) -> Seen<'a, 'r> {
        let len = run.map_or(0, |run| {
            run.entries.partition_point(|e| (e.write as usize) < cut)
        });
        Seen {
            records: self,
            run,
            len,
        }
    }

    /// The writes the walk reads an object's owner from: by uid, else by kind, namespace and
    /// name.
    pub(super) fn link<'a>(&'a self, object: &Object<'a>, cut: usize) -> Seen<'a, 'r> {
        let by_uid = self.by_uid(object, cut);
        if by_uid.is_empty() {
            self.by_name(object, cut)
        } else {
            by_uid
        }
    }

    /// Every write below `cut` that belongs to an object: equal uids, or, where either uid is
    /// unknown, equal kind, namespace and name. The two parts are disjoint: the first holds
    /// writes with the object's uid, the second writes without one (or, when the object's uid is
    /// unknown, the first is empty).
    pub(super) fn belonging<'a>(&'a self, object: &Object<'a>, cut: usize) -> [Seen<'a, 'r>; 2] {
        [self.by_uid(object, cut), self.by_name(object, cut)]
    }
}

/// The writes of one object at or before a pod's time: a prefix of its [`Run`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Seen<'a, 'r> {
    /// The index.
    records: &'a Records<'r>,
    /// The object's writes, if it has any.
    run: Option<&'a Run>,
    /// How many of them are seen.
    len: usize,
}

impl<'a, 'r> Seen<'a, 'r> {
    /// Whether no write is seen.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The run and its last seen entry, if any write is seen.
    fn last(&self) -> Option<(&'a Run, Entry)> {
        let run = self.run?;
        let last = self.len.checked_sub(1)?;
        Some((run, run.entries[last]))
    }

    /// The write at `place` of the run.
    fn write(&self, run: &Run, place: u32) -> &'r WorkloadRecord {
        self.records.writes[run.entries[place as usize].write as usize]
    }

    /// The latest write seen.
    pub fn latest(&self) -> Option<&'r WorkloadRecord> {
        self.last()
            .map(|(_, last)| self.records.writes[last.write as usize])
    }

    /// The owner named by the latest write seen that a controller wrote for its owner, and the
    /// owner's kind.
    pub fn linked(&self) -> Option<(&'r OwnerRef, WorkloadKind)> {
        let (run, last) = self.last()?;
        if last.last_link == NONE {
            return None;
        }
        let owner = self.write(run, last.last_link).owner.as_deref()?;
        Some((owner, WorkloadKind::from_kind(&owner.kind)?))
    }

    /// Whether the run's first write that `first` picks is seen.
    fn holds(&self, first: impl Fn(&Run) -> u32) -> bool {
        self.run
            .is_some_and(|run| first(run) != NONE && (first(run) as usize) < self.len)
    }

    /// Whether a write seen names a controller owner.
    pub fn named(&self) -> bool {
        self.holds(|run| run.first_named)
    }

    /// Whether a write seen was logged with its body.
    pub fn readable(&self) -> bool {
        self.holds(|run| run.first_readable)
    }

    /// Whether a write seen was logged without its body.
    pub fn unreadable(&self) -> bool {
        self.holds(|run| run.first_unreadable)
    }

    /// The place of the latest write seen by a person or pipeline that set template images, if
    /// any.
    fn last_setter(&self) -> Option<u32> {
        let (_, last) = self.last()?;
        (last.last_setter != NONE).then_some(last.last_setter)
    }
}

/// The writes by a person or pipeline that set template images, among the disjoint parts of an
/// object's writes ([`Records::belonging`]), newest first.
pub(super) struct Setters<'a, 'r> {
    /// The parts, each with the place of its next setter.
    parts: [(Seen<'a, 'r>, Option<u32>); 2],
}

impl<'a, 'r> Setters<'a, 'r> {
    /// The setters among `parts`.
    pub fn new(parts: [Seen<'a, 'r>; 2]) -> Setters<'a, 'r> {
        Setters {
            parts: parts.map(|seen| (seen, seen.last_setter())),
        }
    }
}

impl<'r> Iterator for Setters<'_, 'r> {
    type Item = &'r WorkloadRecord;

    fn next(&mut self) -> Option<&'r WorkloadRecord> {
        // The part whose next setter is the later write (the parts never share one).
        let (seen, next) = self
            .parts
            .iter_mut()
            .filter_map(|(seen, next)| {
                let place = (*next)?;
                let run = seen.run?;
                Some((run.entries[place as usize].write, seen, next))
            })
            .max_by_key(|&(write, _, _)| write)
            .map(|(_, seen, next)| (*seen, next))?;
        let run = seen.run?;
        let place = (*next)?;
        *next = place
            .checked_sub(1)
            .map(|before| run.entries[before as usize].last_setter)
            .filter(|&p| p != NONE);
        Some(seen.write(run, place))
    }
}
