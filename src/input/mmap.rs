//! Memory-mapping a file: the crate's only `unsafe` (SPEC §10, STYLE habit 4), and the guard
//! that keeps a file truncated while mapped from killing the process.
//!
//! A map lets every core read the file at memory bandwidth with no copy. Its hazard is a file
//! that shrinks while mapped: reading a page past the new end raises `SIGBUS`, whose default
//! action kills the process — losing every finding read so far. Audit logs do shrink under
//! their readers: `logrotate` with `copytruncate` truncates the live `audit.log` in place, and
//! people truncate files by hand. Three ways to live with that were weighed:
//! * reading every file with buffered I/O: safe, but the scan would cost a copy of every byte;
//! * mapping only files that look quiescent (old modification time) and reading the others:
//!   still a crash when a quiescent file is truncated, which is exactly what an attacker
//!   cleaning up, or a rotation, does;
//! * **a `SIGBUS` handler** (chosen): every map is registered in a fixed table; on `SIGBUS` at an
//!   address inside a registered map, the handler maps anonymous zero pages over the rest of that
//!   map (`MAP_FIXED`), marks the map, and returns, so the read that faulted sees zeros and the
//!   scan goes on. Zeros are NUL bytes, which the scanner skips and reports; after the scan,
//!   [`Map::lost`] tells the caller the file was cut, and by how much, so the input ends with an
//!   error and its findings so far are kept. A `SIGBUS` anywhere else (or if the zero pages
//!   cannot be mapped) restores the previous action and returns, so the fault repeats and takes
//!   its ordinary course (Rust's own handler for a stack overflow, or the default: a crash).
//!
//! The handler does only what is safe in a signal handler: atomic loads and stores on a static
//! table, `mmap` (a bare system call on Linux and macOS) and `sigaction`. If the handler cannot
//! be installed, or the table is full, [`map`] fails and the caller reads the file through the
//! buffered path instead: no file is ever mapped unguarded. (On platforms other than Unix there
//! is no `SIGBUS`; Windows refuses to truncate a mapped file.)

#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::ops::Deref;

use memmap2::{Advice, Mmap};

/// A file mapped read-only, guarded against truncation.
pub struct Map {
    /// The mapping (dropped after the guard is released, see [`Drop`]).
    pages: Mmap,
    /// The file, to tell its size after a truncation.
    #[cfg_attr(not(unix), allow(dead_code))]
    file: File,
    /// This map's entry in the guard's table.
    #[cfg(unix)]
    slot: &'static guard::Slot,
}

impl Map {
    /// If part of the file was lost while it was mapped (the file shrank and a page past its new
    /// end was read): the size mapped, and the size the file has now.
    pub fn lost(&self) -> Option<(u64, u64)> {
        #[cfg(unix)]
        if self.slot.was_hit() {
            let now = self.file.metadata().map_or(0, |m| m.len());
            return Some((self.pages.len() as u64, now));
        }
        None
    }
}

impl Deref for Map {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.pages
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        // Released before the fields drop, so the address range is unregistered before `munmap`
        // gives it back to the system for reuse.
        #[cfg(unix)]
        guard::release(self.slot);
    }
}

/// Maps `file` read-only, guarded, and tells the kernel it will be read sequentially. Fails when
/// the file cannot be mapped (empty, special, a file system without maps) or guarded.
pub fn map(file: &File) -> io::Result<Map> {
    let file = file.try_clone()?;
    // SAFETY: the map is read-only and private to this process, and no `&mut` into it is ever
    // made. The remaining hazard is another process truncating the file while it is mapped:
    // reading a lost page raises SIGBUS. The guard registered below turns that into zero pages
    // and a mark on the map (see the module docs), and it is registered before any byte of the
    // map is read; if it cannot be, the map is dropped unread.
    let map = unsafe { Mmap::map(&file)? };
    #[cfg(unix)]
    let slot = guard::register(map.as_ptr() as usize, map.len()).ok_or_else(|| {
        io::Error::other("cannot guard the memory map against truncation; reading instead")
    })?;
    // Advice is a hint: failing to give it changes nothing but speed.
    let _ = map.advise(Advice::Sequential);
    Ok(Map {
        pages: map,
        file,
        #[cfg(unix)]
        slot,
    })
}

/// The `SIGBUS` guard: a static table of mapped ranges, and the handler that reads it.
#[cfg(unix)]
mod guard {
    use std::ffi::{c_int, c_void};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// One guarded map: its address range, and whether a page of it was lost.
    pub struct Slot {
        /// Taken by a live map.
        used: AtomicBool,
        /// First byte of the map; 0 while the slot is free.
        start: AtomicUsize,
        /// One past its last byte.
        end: AtomicUsize,
        /// The handler replaced lost pages of it with zeros.
        hit: AtomicBool,
    }

    impl Slot {
        /// A free slot.
        const fn new() -> Slot {
            Slot {
                used: AtomicBool::new(false),
                start: AtomicUsize::new(0),
                end: AtomicUsize::new(0),
                hit: AtomicBool::new(false),
            }
        }

        /// Were pages of this map lost?
        pub fn was_hit(&self) -> bool {
            self.hit.load(Ordering::Acquire)
        }
    }

    /// How many maps can be guarded at once (the scan holds one at a time).
    const SLOTS: usize = 64;

    /// The guarded maps.
    static TABLE: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];

    /// The system's page size.
    static PAGE: AtomicUsize = AtomicUsize::new(0);

    /// The `SIGBUS` action before ours, restored for faults that are not ours.
    static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();

    /// Whether the handler is installed.
    static INSTALLED: OnceLock<bool> = OnceLock::new();

    /// Guards the `len` bytes at `start`; `None` if the handler cannot be installed or the table
    /// is full.
    pub fn register(start: usize, len: usize) -> Option<&'static Slot> {
        if start == 0 || !*INSTALLED.get_or_init(install) {
            return None;
        }
        let slot = TABLE.iter().find(|slot| {
            slot.used
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        })?;
        slot.hit.store(false, Ordering::Relaxed);
        slot.end.store(start.saturating_add(len), Ordering::Release);
        slot.start.store(start, Ordering::Release);
        Some(slot)
    }

    /// Frees a slot; its map must not be read afterwards.
    pub fn release(slot: &Slot) {
        slot.start.store(0, Ordering::Release);
        slot.end.store(0, Ordering::Release);
        slot.used.store(false, Ordering::Release);
    }

    /// Installs the handler, keeping the previous action; `false` if that fails.
    fn install() -> bool {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        let Ok(page) = usize::try_from(page) else {
            return false;
        };
        if page == 0 {
            return false;
        }
        PAGE.store(page, Ordering::Relaxed);
        // SAFETY: `sigaction` structs are plain data, valid when zeroed; the calls get valid
        // pointers to them, and the handler has the signature SA_SIGINFO requires.
        unsafe {
            let mut previous: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, std::ptr::null(), &raw mut previous) != 0 {
                return false;
            }
            let _ = PREVIOUS.set(previous);
            let mut action: libc::sigaction = std::mem::zeroed();
            let handler: extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) = on_sigbus;
            action.sa_sigaction = handler as libc::sighandler_t;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&raw mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &raw const action, std::ptr::null_mut()) == 0
        }
    }

    /// The handler: zero pages over the rest of a guarded map, else the previous action.
    extern "C" fn on_sigbus(_signal: c_int, info: *mut libc::siginfo_t, _context: *mut c_void) {
        // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
        let addr = unsafe { (*info).si_addr() } as usize;
        let page = PAGE.load(Ordering::Relaxed).max(1);
        for slot in &TABLE {
            let start = slot.start.load(Ordering::Acquire);
            let end = slot.end.load(Ordering::Acquire);
            if start == 0 || !(start..end).contains(&addr) {
                continue;
            }
            let from = addr - addr % page;
            let to = end.div_ceil(page).saturating_mul(page);
            // SAFETY: [from, to) lies within the map's own pages (the map starts on a page
            // boundary and covers `end` rounded up to a page); replacing them with private
            // zero pages changes what the map reads, never memory anything else owns.
            let zeros = unsafe {
                libc::mmap(
                    from as *mut c_void,
                    to - from,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if zeros != libc::MAP_FAILED {
                slot.hit.store(true, Ordering::Release);
                return;
            }
            break;
        }
        // Not ours, or not fixable: the previous action takes the repeated fault.
        // SAFETY: restoring a disposition read from the kernel (or the default) is always valid.
        unsafe {
            match PREVIOUS.get() {
                Some(previous) => {
                    libc::sigaction(libc::SIGBUS, previous, std::ptr::null_mut());
                }
                None => {
                    libc::signal(libc::SIGBUS, libc::SIG_DFL);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::io::Write;

    #[cfg(unix)]
    #[test]
    fn a_file_truncated_while_mapped_reads_as_zeros_and_is_marked() {
        let mut file = tempfile::tempfile().expect("temp file");
        // SAFETY: sysconf has no preconditions.
        let page =
            usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).expect("page size");
        let bytes: Vec<u8> = (0..page * 8).map(|i| b'a' + (i % 26) as u8).collect();
        file.write_all(&bytes).expect("write");
        let map = map(&file).expect("maps");
        assert_eq!(map.lost(), None);
        file.set_len(page as u64 + 10).expect("truncate");
        // Without the guard this read kills the test process with SIGBUS.
        let tail_sum: u64 = map[page * 2..].iter().map(|&b| u64::from(b)).sum();
        assert_eq!(tail_sum, 0, "lost pages read as zeros");
        assert_eq!(&map[..10], &bytes[..10], "pages before the cut are intact");
        assert_eq!(map.lost(), Some((bytes.len() as u64, page as u64 + 10)));
    }

    #[test]
    fn slots_are_reused() {
        let mut file = tempfile::tempfile().expect("temp file");
        file.write_all(b"x\n").expect("write");
        for _ in 0..200 {
            let map = map(&file).expect("maps");
            assert_eq!(&map[..], b"x\n");
        }
    }
}
