//! Scanning a run's inputs: several streams read at once, results in input order.
//!
//! A compressed input is decoded by one thread, and decoding is most of its cost, so a directory
//! of rotated archives read one after another keeps one core busy. Here up to
//! [`in_flight`] inputs (one per worker thread, by default) are read at once, in input order:
//!
//! * each is opened and read by a **reader** thread of its own ([`stream::read`]), which hands
//!   its blocks of whole lines to this module's **coordinator** through one channel, each block
//!   against a permit of the input's pool: its share of [`DEPTH_PER_THREAD`] × threads among
//!   the inputs actually read at once (a lone input gets all of it), at least
//!   [`DEPTH_PER_THREAD`] ([`depth`]);
//! * the coordinator, on the calling thread, spawns a rayon task per block (into the pool the
//!   run was started in) and merges the results of each input in its own order
//!   ([`stream::Merger`]); the task gives the permit back once its block is scanned;
//! * a mapped file is handed back whole and scanned by the coordinator in parallel chunks, as
//!   before, while the other inputs' readers go on decoding.
//!
//! The rayon workers never wait on a channel: only the reader threads block (on their input and
//! on permits), and the coordinator, when it has nothing to do, first runs pending rayon tasks
//! itself (`rayon::yield_now`) and only then waits for a message — so one worker thread is
//! enough. Each input's result is kept until the run ends, as it was when inputs were read one
//! after another, and the results are joined in input order, so the output does not depend on
//! which input finished first: it is that of one input at a time, on one thread.
//!
//! Memory: at most [`in_flight`] inputs are open; each holds at most its permits' blocks (about
//! `block_size` each; a block is longer only when one line is, up to `max_buffered`) plus the one
//! its reader is filling, and its decoder's state ([`crate::input::decode`]). With T threads and
//! N inputs in flight that is at most max(2T, 2N) + N blocks for the run. A stream held whole
//! as a document takes the run's single document permit, so at most one is held at a time.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use super::stream::{self, End, Merger, PieceResult, StreamScan};
use super::{ScanOptions, Scanned, scan_source};
#[cfg(test)]
use crate::input::Stream;
use crate::input::lines::{Piece, ReadFailure};
use crate::input::{Opened, Source};
use crate::progress::{Counter, StreamProgress};
use crate::rules::Policy;
#[cfg(test)]
use crate::stats::InputFormat;

/// Blocks per worker thread that one input may have read ahead of the scan.
pub const DEPTH_PER_THREAD: usize = 2;

/// How many inputs are read at once under `opts`, in the current rayon pool: `opts`'
/// `inputs_in_flight`, or one per worker thread.
pub fn in_flight(opts: &ScanOptions) -> usize {
    match opts.inputs_in_flight {
        0 => rayon::current_num_threads(),
        n => n,
    }
    .max(1)
}

/// How many blocks each input may have read ahead of the scan when a run of `inputs` inputs
/// reads up to `in_flight` of them at once on `threads` worker threads: its share of
/// [`DEPTH_PER_THREAD`] per thread among the inputs read at once, and at least that many.
///
/// The share is taken among the inputs that can be in flight, not the slots: one archive alone
/// on two threads may read four blocks ahead, not two. With two its decoder, the thread the
/// whole input waits on, stalled for a permit whenever the scan of a block was late (a worker
/// woken late, or busy with another program), and the wall time suffered.
pub fn depth(threads: usize, in_flight: usize, inputs: usize) -> usize {
    (DEPTH_PER_THREAD * threads)
        .div_ceil(in_flight.min(inputs).max(1))
        .max(DEPTH_PER_THREAD)
}

/// One input to scan: its name, its size when known (for the progress bar), and how to open it
/// (called on its reader thread: opening standard input or a FIFO can wait for a writer).
pub struct Job<'a> {
    /// How findings and messages name it.
    pub name: String,
    /// Its size in bytes, when known before it is read.
    pub size: Option<u64>,
    /// Opens it.
    pub open: Box<dyn FnOnce() -> anyhow::Result<Opened> + Send + 'a>,
}

/// A counting semaphore: a pool of permits, each given back when dropped.
#[derive(Debug)]
pub struct Permits {
    /// Permits free, and whether the pool is closed (no more are handed out).
    state: Mutex<(usize, bool)>,
    /// Signalled when a permit comes back or the pool closes.
    changed: Condvar,
}

/// One permit of a [`Permits`] pool, given back when dropped.
#[derive(Debug)]
pub struct Permit(Arc<Permits>);

impl Permits {
    /// A pool of `n` permits.
    pub fn new(n: usize) -> Arc<Permits> {
        Arc::new(Permits {
            state: Mutex::new((n, false)),
            changed: Condvar::new(),
        })
    }

    /// Waits for a permit; `None` once the pool is closed.
    pub fn acquire(self: &Arc<Self>) -> Option<Permit> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            match *state {
                (_, true) => return None,
                (0, false) => {
                    state = self
                        .changed
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                (ref mut free, false) => {
                    *free -= 1;
                    return Some(Permit(Arc::clone(self)));
                }
            }
        }
    }

    /// Hands out no more permits: whoever waits for one gets `None`.
    pub fn close(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).1 = true;
        self.changed.notify_all();
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.0
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .0 += 1;
        self.0.changed.notify_one();
    }
}

/// What the readers and the scanning tasks tell the coordinator.
enum Msg {
    /// Input `.0` opened as a whole (mapped) file, or could not be opened.
    Opened(usize, anyhow::Result<Opened>),
    /// Input `.0` is a stream: what it was found to be compressed with, and its meter.
    Streaming(usize, Scanned),
    /// Piece `.1` of input `.0`, read under the permit.
    Piece(usize, usize, Piece, Permit),
    /// The result of piece `.1` of input `.0` (`None` if its scan panicked).
    Scanned(usize, usize, Option<PieceResult>),
    /// Input `.0`'s reader is done: how it ended, and the bytes it added to the progress bar.
    End(usize, Option<End>, u64),
}

/// A whole input this large or larger is let go on a thread of its own (see [`release`]).
const RELEASE_APART: usize = 64 << 20;

/// Lets go of a scanned input's bytes. Unmapping a large file is not free: the kernel takes down
/// every page of the map (18 ms for the 1 GiB benchmark log on a quiet machine, 50 to 85 ms under
/// load), and on this thread that would sit between the end of the scan and the report. A map of
/// `apart` bytes or more is therefore dropped on a short-lived thread of its own, on the core the
/// scan no longer needs, while the run selects and writes its findings; the handle of that
/// thread is returned. A smaller map or bytes read into memory are dropped here, as is a map
/// whose thread cannot be started. Nothing reads the bytes after the scan (whether part of the
/// file was lost under the map is checked before), and a process that exits first takes the map
/// down at exit as it always does.
fn release(source: Source, apart: usize) -> Option<std::thread::JoinHandle<()>> {
    if source.len() < apart || !matches!(source, Source::Mapped(_)) {
        return None;
    }
    // On failure the closure, and the map with it, is dropped right here.
    std::thread::Builder::new()
        .name("falco-pod-scan-unmap".to_owned())
        .spawn(move || drop(source))
        .ok()
}

/// Where an input is.
enum Slot {
    /// Not opened yet.
    Waiting,
    /// Being read as a stream.
    Streaming(Box<Streaming>),
    /// Scanned.
    Done(Box<Scanned>),
}

/// A stream being read.
struct Streaming {
    /// What is known of it so far (compression, meter).
    info: Scanned,
    /// Its results, in order.
    merger: Merger,
    /// How its reading ended, once it has: the pieces handed on and the read error.
    end: Option<(usize, Option<ReadFailure>)>,
}

/// Scans `jobs`, up to [`in_flight`] at once, in the current rayon pool; one result per job, in
/// order.
pub fn scan_all(jobs: Vec<Job<'_>>, policy: &Policy, opts: &ScanOptions) -> Vec<Scanned> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let mut run = Run {
        names: jobs.iter().map(|j| j.name.clone()).collect(),
        sizes: jobs.iter().map(|j| j.size).collect(),
        slots: jobs.iter().map(|_| Slot::Waiting).collect(),
        policy,
        opts,
        tx,
        pools: Vec::new(),
        documents: Permits::new(1),
        open: 0,
        done: 0,
    };
    let limit = in_flight(opts);
    let depth = depth(rayon::current_num_threads(), limit, run.slots.len());
    std::thread::scope(|threads| {
        rayon::in_place_scope(|tasks| {
            let mut jobs = jobs.into_iter().enumerate();
            while run.done < run.slots.len() {
                while run.open < limit
                    && let Some((index, job)) = jobs.next()
                {
                    run.start(threads, index, job, depth);
                }
                let Some(msg) = next(&rx) else { break };
                run.take(msg, tasks);
            }
            run.close();
        });
    });
    std::mem::take(&mut run.slots)
        .into_iter()
        .map(|slot| match slot {
            Slot::Done(scanned) => *scanned,
            Slot::Waiting | Slot::Streaming(_) => {
                Scanned::failed(anyhow::anyhow!("the scan failed (a thread panicked)"))
            }
        })
        .collect()
}

/// The coordinator's state.
struct Run<'a> {
    /// The inputs' names.
    names: Vec<String>,
    /// The inputs' sizes, when known.
    sizes: Vec<Option<u64>>,
    /// Where each input is.
    slots: Vec<Slot>,
    /// The run's policy.
    policy: &'a Policy,
    /// The run's options.
    opts: &'a ScanOptions,
    /// Where readers and tasks send their messages.
    tx: mpsc::Sender<Msg>,
    /// The permit pools of the inputs started.
    pools: Vec<Arc<Permits>>,
    /// The run's one permit to hold a document.
    documents: Arc<Permits>,
    /// Inputs started and not done.
    open: usize,
    /// Inputs done.
    done: usize,
}

impl<'a> Run<'a> {
    /// Starts input `index`: a reader thread of its own opens and reads it, with `depth`
    /// permits for the blocks it reads ahead.
    fn start<'scope, 'env>(
        &mut self,
        threads: &'scope std::thread::Scope<'scope, 'env>,
        index: usize,
        job: Job<'env>,
        depth: usize,
    ) where
        'a: 'env,
    {
        let permits = Permits::new(depth);
        self.pools.push(Arc::clone(&permits));
        let documents = Arc::clone(&self.documents);
        let tx = self.tx.clone();
        let opts = self.opts;
        threads.spawn(move || {
            let read = AssertUnwindSafe(|| {
                reader(index, job, opts, &permits, &documents, &tx);
            });
            if catch_unwind(read).is_err() {
                let _ = tx.send(Msg::End(index, None, 0));
            }
        });
        self.open += 1;
    }

    /// Acts on one message; spawns a scanning task on `tasks` for a piece.
    fn take<'scope>(&mut self, msg: Msg, tasks: &rayon::Scope<'scope>)
    where
        'a: 'scope,
    {
        let index = match msg {
            Msg::Opened(index, opened) => {
                let scanned = match opened {
                    Err(e) => Scanned::failed(e),
                    Ok(Opened::Whole(source)) => {
                        let scanned =
                            scan_source(&self.names[index], &source, self.policy, self.opts);
                        release(source, RELEASE_APART);
                        scanned
                    }
                    Ok(Opened::Stream(_)) => unreachable!("readers keep streams"),
                };
                self.slots[index] = Slot::Done(Box::new(scanned));
                index
            }
            Msg::Streaming(index, info) => {
                self.slots[index] = Slot::Streaming(Box::new(Streaming {
                    info,
                    merger: Merger::new(&self.names[index]),
                    end: None,
                }));
                return;
            }
            Msg::Piece(index, seq, piece, permit) => {
                let (tx, policy) = (self.tx.clone(), self.policy);
                tasks.spawn(move |_| {
                    let scan = AssertUnwindSafe(|| stream::scan_piece(seq, piece, policy));
                    let result = catch_unwind(scan).ok();
                    drop(permit);
                    let _ = tx.send(Msg::Scanned(index, seq, result));
                });
                return;
            }
            Msg::Scanned(index, seq, result) => {
                if let Slot::Streaming(streaming) = &mut self.slots[index] {
                    streaming.merger.push(seq, result);
                }
                index
            }
            Msg::End(index, end, bytes) => {
                let slot = &mut self.slots[index];
                end_of(slot, &self.names[index], end, bytes, self.policy, self.opts);
                index
            }
        };
        if complete(&mut self.slots[index]) {
            if let (Some(progress), Slot::Done(scanned)) = (&self.opts.progress, &self.slots[index])
            {
                top_up(progress, self.sizes[index], scanned);
            }
            self.open -= 1;
            self.done += 1;
        }
    }

    /// Hands out no more permits, so that no reader waits for one forever.
    fn close(&self) {
        for pool in &self.pools {
            pool.close();
        }
        self.documents.close();
    }
}

impl Drop for Run<'_> {
    fn drop(&mut self) {
        // Also when the coordinator panicked.
        self.close();
    }
}

/// Scans one stream alone, in the current rayon pool.
#[cfg(test)]
pub fn scan_stream(name: &str, stream: Stream, policy: &Policy, opts: &ScanOptions) -> StreamScan {
    let job = Job {
        name: name.to_owned(),
        size: None,
        open: Box::new(move || Ok(Opened::Stream(stream))),
    };
    let scanned = scan_all(vec![job], policy, opts)
        .pop()
        .unwrap_or_else(|| Scanned::failed(anyhow::anyhow!("{name}: not scanned")));
    StreamScan {
        scan: scanned.scan,
        format: scanned.format.unwrap_or(InputFormat::JsonLines),
        errors: scanned.errors,
    }
}

/// The next message; while there is none, runs pending rayon tasks on this thread, and waits
/// only when there are none. `None` if every sender is gone.
fn next(rx: &mpsc::Receiver<Msg>) -> Option<Msg> {
    loop {
        match rx.try_recv() {
            Ok(msg) => return Some(msg),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) => {}
        }
        // Only the coordinator spawns tasks, so when none is pending, a message is what comes
        // next: a block from a reader, or a result from a task running on another worker.
        if rayon::yield_now() != Some(rayon::Yield::Executed) {
            return rx.recv().ok();
        }
    }
}

/// Opens and reads input `index` on this, its reader thread, telling the coordinator.
fn reader(
    index: usize,
    job: Job<'_>,
    opts: &ScanOptions,
    permits: &Arc<Permits>,
    documents: &Arc<Permits>,
    tx: &mpsc::Sender<Msg>,
) {
    let progress = opts.progress.clone();
    let stream = match (job.open)() {
        Ok(Opened::Stream(stream)) => stream,
        opened => {
            let _ = tx.send(Msg::Opened(index, opened));
            return;
        }
    };
    let info = Scanned {
        compression: stream.compression,
        meter: stream.meter.clone(),
        ..Scanned::default()
    };
    let mut tally = progress.map(|counter| StreamProgress::new(counter, stream.meter.clone()));
    if tx.send(Msg::Streaming(index, info)).is_err() {
        return;
    }
    let mut seq = 0;
    let end = stream::read(&job.name, stream, opts, documents, |piece| {
        let bytes = piece.input_bytes();
        let Some(permit) = permits.acquire() else {
            return false;
        };
        if tx.send(Msg::Piece(index, seq, piece, permit)).is_err() {
            return false;
        }
        seq += 1;
        if let Some(tally) = &mut tally {
            tally.fed(bytes);
        }
        true
    });
    let reported = tally.as_ref().map_or(0, StreamProgress::reported);
    let _ = tx.send(Msg::End(index, Some(end), reported));
}

/// Takes in how the reading of a stream ended (`None`: its reader panicked).
fn end_of(
    slot: &mut Slot,
    name: &str,
    end: Option<End>,
    bytes: u64,
    policy: &Policy,
    opts: &ScanOptions,
) {
    let Slot::Streaming(streaming) = slot else {
        // The reader panicked before the stream was opened.
        *slot = Slot::Done(Box::new(Scanned::failed(anyhow::anyhow!(
            "{name}: the scan failed (a thread panicked)"
        ))));
        return;
    };
    streaming.info.reported = bytes;
    let result = match end {
        Some(End::Lines { pieces, failure }) => {
            streaming.end = Some((pieces, failure));
            return;
        }
        Some(End::Done(result)) => *result,
        Some(End::Whole(all, failure, held)) => {
            let result = stream::scan_whole_stream(name, &all, failure, policy, opts);
            drop(held);
            result
        }
        None => {
            let mut result = StreamScan::empty();
            result.errors.push(anyhow::anyhow!(
                "{name}: the scan failed (a thread panicked)"
            ));
            result
        }
    };
    let info = std::mem::take(&mut streaming.info);
    *slot = Slot::Done(Box::new(info.streamed(result)));
}

/// If the stream in `slot` has ended and every piece of it is merged, makes it done. Whether
/// the slot is done.
fn complete(slot: &mut Slot) -> bool {
    let Slot::Streaming(streaming) = slot else {
        return matches!(slot, Slot::Done(_));
    };
    match streaming.end {
        Some((pieces, _)) if streaming.merger.merged() >= pieces => {}
        _ => return false,
    }
    let Slot::Streaming(streaming) = std::mem::replace(slot, Slot::Waiting) else {
        unreachable!("matched above")
    };
    let Streaming {
        info, merger, end, ..
    } = *streaming;
    let failure = end.and_then(|(_, failure)| failure);
    *slot = Slot::Done(Box::new(info.streamed(merger.finish(failure))));
    true
}

/// Moves the progress bar to the end of an input of `size` bytes (its decompressed bytes when
/// the size was not known) once it is scanned, adding what its scan did not add as it went.
fn top_up(progress: &Counter, size: Option<u64>, scanned: &Scanned) {
    let end = size.unwrap_or(scanned.scan.stats.bytes);
    progress.add(end.saturating_sub(scanned.reported));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_ahead_is_shared_among_the_inputs_read_at_once() {
        // Two blocks per thread in all: on 4 threads, 8 blocks.
        assert_eq!(depth(4, 4, 1), 8, "a lone input gets all of it");
        assert_eq!(depth(4, 4, 2), 4, "two inputs half each");
        assert_eq!(depth(4, 4, 100), 2, "four in flight, a quarter each");
        assert_eq!(depth(4, 1, 100), 8, "one in flight at a time");
        assert_eq!(depth(1, 8, 8), 2, "never fewer than two");
        assert_eq!(
            depth(2, 2, 0),
            4,
            "no inputs: whatever, but no division by zero"
        );
    }

    #[test]
    fn a_large_map_is_let_go_on_a_thread_of_its_own() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("audit.log");
        std::fs::write(&path, b"{}\n").expect("writes");
        let input = crate::input::Input::file(path);
        let open = || match crate::input::open(&input, true).expect("opens") {
            Opened::Whole(source) => source,
            Opened::Stream(_) => panic!("a plain file is mapped"),
        };
        let apart = release(open(), 1).expect("a map of the size given is dropped apart");
        apart.join().expect("the map is dropped without a panic");
        assert!(
            release(open(), 4).is_none(),
            "a smaller map is dropped at once"
        );
        assert!(
            release(Source::Owned(vec![b'x'; 8]), 1).is_none(),
            "bytes in memory are dropped at once"
        );
    }

    #[test]
    fn permits_are_given_back_when_dropped_and_none_after_closing() {
        let pool = Permits::new(2);
        let a = pool.acquire().expect("a permit");
        let b = pool.acquire().expect("a second permit");
        let waiter = {
            let pool = Arc::clone(&pool);
            std::thread::spawn(move || pool.acquire().is_some())
        };
        drop(a);
        assert!(waiter.join().expect("joins"), "a freed permit is taken");
        drop(b);
        pool.close();
        assert!(pool.acquire().is_none());
    }
}
