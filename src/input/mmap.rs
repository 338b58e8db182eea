//! Memory-mapping a file: the crate's only `unsafe`, and the guard that keeps a file truncated
//! while mapped from killing the process.
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
//! * **a `SIGBUS` handler** (chosen): every map is registered in a fixed table; on a `SIGBUS`
//!   the kernel raised for a page it could not provide (`si_code` `BUS_ADRERR` or `BUS_OBJERR`)
//!   at an address inside a registered map, the handler maps anonymous zero pages over the rest
//!   of that map (`MAP_FIXED`), marks the map, and returns, so the read that faulted sees zeros
//!   and the scan goes on. Zeros are NUL bytes, which the scanner skips and reports.
//!
//! After the scan, [`Map::lost`] tells the caller whether the file was cut, and by how much, so
//! the input ends with an error and its findings so far are kept. It also compares the file's
//! size now with the size mapped: a file cut inside the map's last page raises no `SIGBUS` (the
//! kernel fills the rest of that page with zeros), so only the size tells.
//!
//! Every other `SIGBUS` goes to the action that was there before ours, as if the guard were not
//! installed: a handler is called (with the signal's own `siginfo` if it asked for one), an
//! ignored signal stays ignored (but a fault cannot be ignored: the kernel kills the process when
//! it repeats), and under the default action the guard restores it and raises the signal again,
//! so that a fault kills the process at once and a signal sent with `kill` is not swallowed. (A
//! previous handler runs with the guard's signal mask, not its own.) In a Rust program the action before ours is the runtime's own handler, which reports a
//! stack overflow and otherwise resets the action to the default and returns: so a first `SIGBUS`
//! sent with `kill` is survived, as it is without the guard, and later maps are refused (the
//! guard is no longer the action) and read instead.
//!
//! The handler does only what is safe in a signal handler: atomic loads and stores on a static
//! table, `mmap` (a bare system call on Linux and macOS), `sigaction`, `raise`, and the previous
//! handler. If the handler cannot be installed, or is no longer the process's `SIGBUS` action, or
//! the table is full, [`map`] fails and the caller reads the file through the buffered path
//! instead: no file is mapped unguarded. (On platforms other than Unix there is no `SIGBUS`;
//! Windows refuses to truncate a mapped file.)
//!
//! This module is private to the crate: the only way to a map is `input::open`, which reads the
//! first bytes of a file before mapping it, so compressed files are never mapped.

#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::ops::Deref;

use memmap2::{Advice, Mmap};

/// A file mapped read-only, guarded against truncation.
pub(crate) struct Map {
    /// The mapping (dropped after the guard is released, see [`Drop`]).
    pages: Mmap,
    /// The file, to tell its size after the scan.
    file: File,
    /// This map's entry in the guard's table.
    #[cfg(unix)]
    slot: &'static guard::Slot,
}

impl Map {
    /// After the scan: if part of the file was lost while it was mapped, the size mapped and the
    /// size the file has now. Part was lost if a page past the file's end was read (and read as
    /// zeros), or if the file is now shorter than the map (a cut inside the last page).
    pub(crate) fn lost(&self) -> Option<(u64, u64)> {
        let mapped = self.pages.len() as u64;
        let now = self.file.metadata().map(|m| m.len());
        #[cfg(unix)]
        if self.slot.was_hit() {
            return Some((mapped, now.unwrap_or(0)));
        }
        match now {
            Ok(now) if now < mapped => Some((mapped, now)),
            _ => None,
        }
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
pub(crate) fn map(file: &File) -> io::Result<Map> {
    let file = file.try_clone()?;
    // SAFETY: `Mmap::map` is unsafe because the bytes behind the returned slice belong to a file
    // that other processes can change while it is mapped. The map is read-only and private to
    // this process, and no `&mut` into it is ever made. What can still happen:
    // * the file shrinks (truncation): reading a page past its new end raises SIGBUS. The guard
    //   registered below turns that into zero pages and a mark on the map, and it is registered
    //   before any byte of the map is read; if it cannot be, the map is dropped unread. A cut
    //   inside the last page reads as zeros without a signal; the size check in `Map::lost`
    //   reports it. A cut that is then regrown by a writer before the scan reaches it reads the
    //   new bytes, and is not reported.
    // * another process writes into the file in place: the scan reads whatever bytes are there
    //   when it reads them, so a line may look different to the prefilter and to the parser.
    //   Rust assumes the bytes behind a `&[u8]` do not change, so this is formally undefined
    //   behaviour; in practice the scanner treats every byte as untrusted input and the result
    //   is an inconsistent but memory-safe read (the same trade ripgrep makes for its maps).
    //   Audit logs are appended to, not rewritten, and bytes appended past the mapped length are
    //   never seen.
    // * the disk fails to read a page: the kernel raises the same SIGBUS, handled the same way,
    //   and `Map::lost` reports a loss without a change of size.
    // * another library replaces our SIGBUS action after the guard installed it: a truncation
    //   then kills the process as it would without the guard. Later maps check that the guard
    //   is still the action and read the file instead when it is not; a map being read when
    //   the action is replaced is unguarded for the rest of its scan.
    // Other signals are unaffected: the guard installs nothing else, and reads stay within the
    // map, so no SIGSEGV can come from it.
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
    pub(super) struct Slot {
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
        pub(super) fn was_hit(&self) -> bool {
            self.hit.load(Ordering::Acquire)
        }
    }

    /// How many maps can be guarded at once (the scan holds one at a time).
    const SLOTS: usize = 64;

    /// The guarded maps.
    static TABLE: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];

    /// The system's page size.
    static PAGE: AtomicUsize = AtomicUsize::new(0);

    /// The `SIGBUS` action before ours, which every `SIGBUS` that is not ours is passed to.
    static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();

    /// Whether the handler was installed.
    static INSTALLED: OnceLock<bool> = OnceLock::new();

    /// Guards the `len` bytes at `start`; `None` if the handler cannot be installed, is no longer
    /// the `SIGBUS` action, or the table is full.
    pub(super) fn register(start: usize, len: usize) -> Option<&'static Slot> {
        if start == 0 || !*INSTALLED.get_or_init(install) || !in_place() {
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
    pub(super) fn release(slot: &Slot) {
        slot.start.store(0, Ordering::Release);
        slot.end.store(0, Ordering::Release);
        slot.used.store(false, Ordering::Release);
    }

    /// The handler, as `sigaction` stores it.
    fn handler() -> libc::sighandler_t {
        let handler: extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) = on_sigbus;
        handler as libc::sighandler_t
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
        // pointers to them, and the handler has the signature SA_SIGINFO requires. The previous
        // action is stored before ours is installed, so the handler always finds it.
        unsafe {
            let mut previous: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, std::ptr::null(), &raw mut previous) != 0 {
                return false;
            }
            let _ = PREVIOUS.set(previous);
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = handler();
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&raw mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &raw const action, std::ptr::null_mut()) == 0
        }
    }

    /// Is the handler still the process's `SIGBUS` action? (Another library, or a previous
    /// handler that reset the action to the default, may have replaced it.)
    fn in_place() -> bool {
        // SAFETY: as in `install`; this only reads the current action.
        unsafe {
            let mut current: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGBUS, std::ptr::null(), &raw mut current) == 0
                && current.sa_sigaction == handler()
        }
    }

    /// Did the kernel raise this `SIGBUS` because a page could not be provided (past the end of
    /// a file, or a read error)? Signals sent with `kill`, `sigqueue`, `raise` or `tgkill` carry
    /// other codes (`SI_USER`, `SI_QUEUE`, `SI_TKILL`, …), and another process cannot forge
    /// these.
    pub(super) fn is_page_fault(code: c_int) -> bool {
        code == libc::BUS_ADRERR || code == libc::BUS_OBJERR
    }

    /// What passing a `SIGBUS` that is not ours to the previous action means.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) enum Pass {
        /// Restore the default action and raise the signal again: it kills the process once
        /// the handler returns (so a signal sent with `kill` is not swallowed).
        Default,
        /// Restore "ignore" and return: a fault repeats, and the kernel kills the process for a
        /// fault it cannot deliver; anything else stays ignored.
        RestoreIgnore,
        /// Return: the signal was sent, and it was ignored before the guard.
        Ignore,
        /// Call the previous handler with the signal's `siginfo` and context.
        WithInfo,
        /// Call the previous handler with the signal number only.
        Plain,
    }

    /// How to pass a `SIGBUS` on to the `previous` action (its handler and flags); `fault` is
    /// [`is_page_fault`] of the signal.
    pub(super) fn pass(handler: libc::sighandler_t, flags: c_int, fault: bool) -> Pass {
        match handler {
            libc::SIG_DFL => Pass::Default,
            libc::SIG_IGN if fault => Pass::RestoreIgnore,
            libc::SIG_IGN => Pass::Ignore,
            _ if flags & libc::SA_SIGINFO != 0 => Pass::WithInfo,
            _ => Pass::Plain,
        }
    }

    /// Maps zero pages from `addr` to the end of the guarded map holding it, and marks that map;
    /// `false` if no guarded map holds `addr` or the pages cannot be mapped.
    fn zero_fill(addr: usize) -> bool {
        let page = PAGE.load(Ordering::Relaxed).max(1);
        let Some(slot) = TABLE.iter().find(|slot| {
            let start = slot.start.load(Ordering::Acquire);
            start != 0 && (start..slot.end.load(Ordering::Acquire)).contains(&addr)
        }) else {
            return false;
        };
        let end = slot.end.load(Ordering::Acquire);
        let from = addr - addr % page;
        let to = end.div_ceil(page).saturating_mul(page);
        // SAFETY: [from, to) lies within the map's own pages (the map starts on a page boundary
        // and covers `end` rounded up to a page); replacing them with private zero pages changes
        // what the map reads, never memory anything else owns.
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
        if zeros == libc::MAP_FAILED {
            return false;
        }
        slot.hit.store(true, Ordering::Release);
        true
    }

    /// The handler: zero pages over the rest of a guarded map for a page fault in one, else the
    /// previous action.
    extern "C" fn on_sigbus(signal: c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
        // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler (checked for null in
        // case a handler installed after ours calls this one without it).
        let fault = !info.is_null() && is_page_fault(unsafe { (*info).si_code });
        // SAFETY: as above; `si_addr` is the faulting address for the codes `is_page_fault` takes.
        if fault && zero_fill(unsafe { (*info).si_addr() } as usize) {
            return;
        }
        // Without a previous action (it is stored before the handler is installed), the default.
        let (handler, flags) = PREVIOUS
            .get()
            .map_or((libc::SIG_DFL, 0), |p| (p.sa_sigaction, p.sa_flags));
        // SAFETY: restoring a disposition, raising a signal and calling the handler the process
        // had installed (with the signature its flags declare) are what the kernel would have
        // done with this signal had the guard not been installed — except that the previous
        // handler runs with this handler's signal mask rather than its own `sa_mask`, and its
        // SA_RESETHAND and SA_NODEFER flags are not applied again.
        unsafe {
            match pass(handler, flags, fault) {
                Pass::Default => {
                    set_action(libc::SIG_DFL);
                    // Blocked while this handler runs: delivered, with the default action, when
                    // it returns.
                    libc::raise(signal);
                }
                Pass::RestoreIgnore => set_action(libc::SIG_IGN),
                Pass::Ignore => {}
                Pass::WithInfo => {
                    let handler = std::mem::transmute::<
                        libc::sighandler_t,
                        extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void),
                    >(handler);
                    handler(signal, info, context);
                }
                Pass::Plain => {
                    let handler =
                        std::mem::transmute::<libc::sighandler_t, extern "C" fn(c_int)>(handler);
                    handler(signal);
                }
            }
        }
    }

    /// Sets the `SIGBUS` action to `SIG_DFL` or `SIG_IGN`.
    fn set_action(disposition: libc::sighandler_t) {
        // SAFETY: a zeroed `sigaction` with a plain disposition is a valid action.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = disposition;
            libc::sigaction(libc::SIGBUS, &raw const action, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::io::Write;

    /// The system's page size.
    #[cfg(unix)]
    fn page() -> usize {
        // SAFETY: sysconf has no preconditions.
        usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).expect("page size")
    }

    /// A temporary file of `len` letters, and the letters.
    fn letters(len: usize) -> (File, Vec<u8>) {
        let mut file = tempfile::tempfile().expect("temp file");
        let bytes: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        file.write_all(&bytes).expect("write");
        (file, bytes)
    }

    /// Maps an 8-page file, cuts it to a page and ten bytes, and checks that the lost pages read
    /// as zeros and the map says what was lost.
    #[cfg(unix)]
    fn truncation_is_survived_and_reported() {
        let page = page();
        let (file, bytes) = letters(page * 8);
        let map = map(&file).expect("maps");
        assert_eq!(map.lost(), None);
        file.set_len(page as u64 + 10).expect("truncate");
        // Without the guard this read kills the process with SIGBUS.
        let tail_sum: u64 = map[page * 2..].iter().map(|&b| u64::from(b)).sum();
        assert_eq!(tail_sum, 0, "lost pages read as zeros");
        assert_eq!(&map[..10], &bytes[..10], "pages before the cut are intact");
        assert!(map.slot.was_hit());
        assert_eq!(map.lost(), Some((bytes.len() as u64, page as u64 + 10)));
    }

    #[cfg(unix)]
    #[test]
    fn a_file_truncated_while_mapped_reads_as_zeros_and_is_marked() {
        truncation_is_survived_and_reported();
    }

    #[cfg(unix)]
    #[test]
    fn a_cut_inside_the_last_page_raises_no_signal_but_the_size_tells() {
        let page = page();
        let (file, bytes) = letters(page * 2 + 100);
        let map = map(&file).expect("maps");
        file.set_len(page as u64 * 2 + 40).expect("truncate");
        assert_eq!(&map[..page * 2 + 40], &bytes[..page * 2 + 40]);
        assert!(
            map[page * 2 + 40..].iter().all(|&b| b == 0),
            "the kernel's zeros"
        );
        assert!(!map.slot.was_hit(), "no SIGBUS inside the last page");
        assert_eq!(map.lost(), Some((bytes.len() as u64, page as u64 * 2 + 40)));
    }

    #[test]
    fn a_file_that_grows_while_mapped_has_lost_nothing() {
        let (mut file, bytes) = letters(100);
        let map = map(&file).expect("maps");
        file.write_all(b"more").expect("append");
        assert_eq!(&map[..], &bytes[..]);
        assert_eq!(map.lost(), None);
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

    #[cfg(target_os = "linux")]
    #[test]
    fn only_page_faults_are_handled_and_every_other_sigbus_goes_to_the_previous_action() {
        use guard::{Pass, is_page_fault, pass};
        for code in [libc::BUS_ADRERR, libc::BUS_OBJERR] {
            assert!(is_page_fault(code), "{code}");
        }
        // kill, sigqueue, raise/tgkill, the kernel's own sends, and an alignment fault.
        for code in [
            libc::SI_USER,
            libc::SI_QUEUE,
            libc::SI_TKILL,
            libc::SI_KERNEL,
            1,
        ] {
            assert!(!is_page_fault(code), "{code}");
        }
        let handler = 0x1000;
        let cases = [
            (libc::SIG_DFL, 0, true, Pass::Default),
            (libc::SIG_DFL, 0, false, Pass::Default),
            (libc::SIG_IGN, 0, true, Pass::RestoreIgnore),
            (libc::SIG_IGN, 0, false, Pass::Ignore),
            (handler, libc::SA_SIGINFO, true, Pass::WithInfo),
            (
                handler,
                libc::SA_SIGINFO | libc::SA_ONSTACK,
                false,
                Pass::WithInfo,
            ),
            (handler, 0, true, Pass::Plain),
            (handler, libc::SA_RESTART, false, Pass::Plain),
        ];
        for (previous, flags, fault, want) in cases {
            assert_eq!(
                pass(previous, flags, fault),
                want,
                "{previous} {flags} {fault}"
            );
        }
    }

    /// The environment variable that makes [`sigbus_child`] run a scenario.
    #[cfg(unix)]
    const CHILD: &str = "FALCO_POD_SCAN_SIGBUS_CHILD";

    /// Runs [`sigbus_child`] in a new process of this test binary with `scenario`.
    #[cfg(unix)]
    fn run_child(scenario: &str) -> std::process::Output {
        let exe = std::env::current_exe().expect("test binary");
        std::process::Command::new(exe)
            .args([
                "input::mmap::tests::sigbus_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, scenario)
            .output()
            .expect("runs")
    }

    #[cfg(unix)]
    #[test]
    fn a_sigbus_sent_with_kill_is_not_swallowed() {
        use std::os::unix::process::ExitStatusExt;
        let out = run_child("default");
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGBUS),
            "{:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_sent_sigbus_reaches_the_previous_handler_or_stays_ignored_and_the_guard_stays() {
        for scenario in ["handler", "ignore"] {
            let out = run_child(scenario);
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "{scenario}: {:?} {said}", out.status);
            assert!(
                said.contains("1 passed"),
                "{scenario}: the child ran: {said}"
            );
        }
    }

    /// Calls of [`count_sigbus`].
    #[cfg(unix)]
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    /// A `SIGBUS` handler that counts its calls.
    #[cfg(unix)]
    extern "C" fn count_sigbus(
        _: std::ffi::c_int,
        _: *mut libc::siginfo_t,
        _: *mut std::ffi::c_void,
    ) {
        CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// In a process of its own (see [`run_child`]): sets a `SIGBUS` action, installs the guard
    /// over it by mapping a file, sends itself a `SIGBUS`, and checks what became of it. Does
    /// nothing in an ordinary test run.
    #[cfg(unix)]
    #[test]
    fn sigbus_child() {
        use std::sync::atomic::Ordering;
        let Ok(scenario) = std::env::var(CHILD) else {
            return;
        };
        // SAFETY: setting a signal's action (to the default, to ignore, or to a handler with the
        // signature SA_SIGINFO requires) and sending the process a signal, in a process that
        // exists only for this test.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = match scenario.as_str() {
                "default" => libc::SIG_DFL,
                "ignore" => libc::SIG_IGN,
                _ => {
                    action.sa_flags = libc::SA_SIGINFO;
                    let handler: extern "C" fn(_, _, _) = count_sigbus;
                    handler as libc::sighandler_t
                }
            };
            assert_eq!(
                libc::sigaction(libc::SIGBUS, &raw const action, std::ptr::null_mut()),
                0
            );
            let no_core = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &raw const no_core);
            let (file, _) = letters(10);
            let _map = map(&file).expect("maps, installing the guard");
            // Sent with `kill`: `si_code` is SI_USER.
            assert_eq!(libc::kill(libc::getpid(), libc::SIGBUS), 0);
        }
        let started = std::time::Instant::now();
        while scenario == "default" || started.elapsed().as_millis() < 200 {
            assert!(started.elapsed().as_secs() < 10, "the SIGBUS was swallowed");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let calls = usize::from(scenario == "handler");
        assert_eq!(
            CALLS.load(Ordering::SeqCst),
            calls,
            "the previous handler's calls"
        );
        // The guard is still in place: a truncation is survived and not passed on.
        truncation_is_survived_and_reported();
        assert_eq!(
            CALLS.load(Ordering::SeqCst),
            calls,
            "a fault of ours is not passed on"
        );
    }
}
