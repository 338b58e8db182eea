//! Strings that many workload records hold alike, held once.
//!
//! The same user, user agent, source addresses, namespace, object names, images and input name
//! recur in thousands of workload writes, and attribution keeps every write of a run to its end.
//! [`shared`] hands out one `Arc<str>` per distinct string (and [`shared_list`] one list per
//! distinct list of them), so a record holds a pointer where it held a copy. Each thread keeps
//! its own set, so the workers that read the records never wait on one another; a string read on
//! two threads is held twice, no more. A set stops growing at [`MAX_KEPT`] strings, so a log of
//! strings that never repeat costs what copies would, plus that bound.
//!
//! `Arc<str>` rather than an interner's integer keys: the resolver and the outputs read the
//! strings where they stand (`&str`), with no table to ask and no lock to take.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

/// The most strings (and lists) one thread's set holds.
const MAX_KEPT: usize = 1 << 16;

thread_local! {
    /// The strings handed out on this thread.
    static STRINGS: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
    /// The lists handed out on this thread.
    static LISTS: RefCell<HashSet<Arc<[Arc<str>]>>> = RefCell::new(HashSet::new());
}

/// `s`, shared with every record that holds the same string.
pub fn shared(s: &str) -> Arc<str> {
    STRINGS.with_borrow_mut(|set| {
        if let Some(found) = set.get(s) {
            return Arc::clone(found);
        }
        let new: Arc<str> = Arc::from(s);
        if set.len() < MAX_KEPT {
            set.insert(Arc::clone(&new));
        }
        new
    })
}

/// The list of `items`, each shared, and the list itself shared with every record that holds
/// the same list.
pub fn shared_list<'s>(items: impl IntoIterator<Item = &'s str>) -> Arc<[Arc<str>]> {
    let items: Vec<Arc<str>> = items.into_iter().map(shared).collect();
    LISTS.with_borrow_mut(|set| {
        if let Some(found) = set.get(items.as_slice()) {
            return Arc::clone(found);
        }
        let new: Arc<[Arc<str>]> = Arc::from(items);
        if set.len() < MAX_KEPT {
            set.insert(Arc::clone(&new));
        }
        new
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_and_lists_are_one_allocation() {
        let (a, b) = (shared("alice"), shared(&String::from("alice")));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &shared("bob")));
        let (x, y) = (
            shared_list(["10.0.0.1", "10.0.0.2"]),
            shared_list(["10.0.0.1", "10.0.0.2"]),
        );
        assert!(Arc::ptr_eq(&x, &y));
        assert!(Arc::ptr_eq(&x[0], &shared("10.0.0.1")));
        assert_eq!(&*shared_list(["10.0.0.2"])[0], "10.0.0.2");
    }
}
