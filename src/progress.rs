//! The progress bar: indicatif on stderr, by bytes across all inputs, with throughput
//! and time left.
//!
//! The scan must not slow down for it, so the workers never touch the bar: they add the bytes of
//! each chunk they finish (a 4 MiB chunk, or a block of a stream) to a [`Counter`], one relaxed
//! atomic add, no lock. A single ticker thread owned by [`Progress`] reads the counter ten times a
//! second and moves the bar; indicatif's own lock is only ever taken by that thread. For a
//! compressed input the counter follows the compressed bytes the decoder consumed, so the bar
//! measures bytes on disk, as its total does. Standard input has no known size: the bar becomes
//! a counter of bytes and throughput.
//!
//! Drawing here is the one exception to "only `report/` writes": a progress bar is a live view
//! of the scan, not a report of its result, and it goes through indicatif's draw target (on
//! stderr, rate-limited), never through `print!`. It is cleared before the report is written,
//! so it never interleaves with findings or the summary.
//!
//! Whether to draw at all is decided by the configuration (`--progress`, `--quiet`, terminals,
//! `CI`); with [`Draw::Auto`] the bar appears only for an input of at least [`LARGE`] bytes (or
//! of unknown size) whose scan has already taken [`DELAY`], so quick scans never flash one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::input::decode::Meter;
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs smaller than this never get a bar in [`Draw::Auto`].
pub const LARGE: u64 = 64 << 20;

/// How long a scan runs before [`Draw::Auto`] shows a bar.
pub const DELAY: Duration = Duration::from_millis(300);

/// How often the ticker moves the bar.
const TICK: Duration = Duration::from_millis(100);

/// The counter's total before the inputs are listed.
const UNSET: u64 = u64::MAX;
/// The counter's total when some input has no known size.
const UNKNOWN: u64 = u64::MAX - 1;

/// Bytes scanned so far, and in all, shared by the workers and the ticker.
#[derive(Debug, Clone)]
pub struct Counter(Arc<Shared>);

/// The atomics behind a [`Counter`].
#[derive(Debug)]
struct Shared {
    /// Bytes done.
    done: AtomicU64,
    /// Bytes in all, [`UNKNOWN`], or [`UNSET`] before the inputs are listed.
    total: AtomicU64,
}

impl Default for Counter {
    fn default() -> Self {
        Counter(Arc::new(Shared {
            done: AtomicU64::new(0),
            total: AtomicU64::new(UNSET),
        }))
    }
}

impl Counter {
    /// Adds `bytes` done (a worker finished a chunk).
    pub fn add(&self, bytes: u64) {
        self.0.done.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Sets the bytes done (a stream's reader, or the end of an input).
    pub fn set(&self, bytes: u64) {
        self.0.done.store(bytes, Ordering::Relaxed);
    }

    /// Bytes done so far.
    pub fn done(&self) -> u64 {
        self.0.done.load(Ordering::Relaxed)
    }

    /// Sets the total; `None` when some input (standard input) has no known size.
    pub fn set_total(&self, total: Option<u64>) {
        self.0
            .total
            .store(total.unwrap_or(UNKNOWN), Ordering::Relaxed);
    }

    /// The total: `None` before the inputs are listed, `Some(None)` when it cannot be known.
    #[expect(
        clippy::option_option,
        reason = "two distinct absences: not listed yet, and a size that cannot be known"
    )]
    pub fn total(&self) -> Option<Option<u64>> {
        match self.0.total.load(Ordering::Relaxed) {
            UNSET => None,
            UNKNOWN => Some(None),
            total => Some(Some(total)),
        }
    }
}

/// Progress through one stream, kept by its reader thread: the input bytes handed to the
/// workers, or for a compressed input the compressed bytes the decoder consumed (the bar counts
/// bytes on disk, as its total does). It adds to the run's counter what it has not added yet, so
/// several streams read at once each add their own part.
#[derive(Debug)]
pub struct StreamProgress {
    /// The run's counter.
    counter: Counter,
    /// The decoder's meter, for a compressed input.
    meter: Option<Arc<Meter>>,
    /// Bytes handed to the workers so far.
    fed: u64,
    /// Bytes added to the counter so far.
    reported: u64,
}

impl StreamProgress {
    /// Starts counting an input.
    pub fn new(counter: Counter, meter: Option<Arc<Meter>>) -> Self {
        StreamProgress {
            counter,
            meter,
            fed: 0,
            reported: 0,
        }
    }

    /// Counts a piece of `bytes` input bytes handed to the workers.
    pub fn fed(&mut self, bytes: u64) {
        self.fed += bytes;
        let read = self.meter.as_ref().map_or(self.fed, |m| m.consumed());
        if read > self.reported {
            self.counter.add(read - self.reported);
            self.reported = read;
        }
    }

    /// The bytes this input has added to the counter.
    pub fn reported(&self) -> u64 {
        self.reported
    }
}

/// When to draw, once it is decided that a bar may be drawn at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Draw {
    /// Only for a large input, after [`DELAY`], on a terminal.
    Auto,
    /// From the start, whatever the size, even when stderr is not a terminal.
    Always,
}

/// A running progress bar: the counter to feed, and the thread that draws it.
#[derive(Debug)]
pub struct Progress {
    /// What the workers add to.
    counter: Counter,
    /// Dropping or sending on it stops the ticker.
    stop: mpsc::Sender<()>,
    /// The ticker.
    ticker: JoinHandle<()>,
}

impl Progress {
    /// Starts the ticker; nothing is drawn until [`Draw`] says so.
    pub fn start(draw: Draw) -> Progress {
        let counter = Counter::default();
        let (stop, stopped) = mpsc::channel();
        let shared = counter.clone();
        let ticker = std::thread::spawn(move || tick(&shared, draw, &stopped));
        Progress {
            counter,
            stop,
            ticker,
        }
    }

    /// The counter the scan adds to.
    pub fn counter(&self) -> Counter {
        self.counter.clone()
    }

    /// Stops the ticker and clears the bar from the terminal.
    pub fn finish(self) {
        // The ticker ends when the channel closes, whether or not the send arrives.
        let _ = self.stop.send(());
        // A panicking ticker only loses the bar.
        let _ = self.ticker.join();
    }
}

/// The ticker thread: shows the bar when due, moves it, clears it when told to stop. With
/// [`Draw::Always`] the bar is drawn at least once, at the end of a scan shorter than a tick.
fn tick(counter: &Counter, draw: Draw, stopped: &mpsc::Receiver<()>) {
    let started = Instant::now();
    let mut bar: Option<ProgressBar> = None;
    loop {
        // A message, or the sender dropped, stops the ticker.
        let stop = !matches!(stopped.recv_timeout(TICK), Err(RecvTimeoutError::Timeout));
        if let Some(total) = counter.total() {
            let elapsed = started.elapsed();
            let last_chance = stop && draw == Draw::Always;
            let done = counter.done();
            let message = rate(done, total, elapsed);
            if let Some(bar) = &bar {
                bar.set_message(message);
                bar.set_position(done);
            } else if last_chance || !stop && due(draw, total, elapsed) {
                bar = Some(new_bar(draw, total, done, message));
            }
        }
        if stop {
            break;
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}

/// Is it time to show the bar?
fn due(draw: Draw, total: Option<u64>, elapsed: Duration) -> bool {
    match draw {
        Draw::Always => true,
        Draw::Auto => elapsed >= DELAY && total.is_none_or(|t| t >= LARGE),
    }
}

/// `(2.6 GiB/s, 3s left)`: the average rate since the scan started, which is steadier than
/// indicatif's recent-steps estimate (and right from the first draw of a bar shown late).
fn rate(done: u64, total: Option<u64>, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 || done == 0 {
        return String::new();
    }
    #[expect(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a rate for people"
    )]
    let per_sec = (done as f64 / secs) as u64;
    match total {
        Some(total) if per_sec > 0 => {
            let left = total.saturating_sub(done) / per_sec;
            format!("({}/s, {} left)", HumanBytes(per_sec), short_duration(left))
        }
        _ => format!("({}/s)", HumanBytes(per_sec)),
    }
}

/// `secs` in at most two units, `7s`, `3m 05s`, `2h 10m`, `3d 4h`: the rate line stays short
/// enough for the bar to fit an 80-column terminal.
fn short_duration(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {:02}s", secs / 60, secs % 60),
        3600..86_400 => format!("{}h {:02}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d {}h", secs / 86_400, secs % 86_400 / 3600),
    }
}

/// A bar with the total, or a byte counter without one, at `done`, drawn to stderr. The bar
/// takes the width the rest of the line leaves on the terminal, so the line fits it (at 80
/// columns the rest is at most about 65).
fn new_bar(draw: Draw, total: Option<u64>, done: u64, message: String) -> ProgressBar {
    let template = if total.is_some() {
        "scanning [{wide_bar}] {bytes}/{total_bytes} {msg}"
    } else {
        "scanning {spinner} {bytes} {msg}"
    };
    // Set up hidden, so that the first frame drawn already shows where the scan is.
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
    // The templates are constants; should one ever fail to parse, the default style is kept.
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar.set_position(done);
    bar.set_draw_target(match draw {
        Draw::Auto => ProgressDrawTarget::stderr_with_hz(10),
        // `stderr()` hides itself when stderr is not a terminal; `always` means always.
        Draw::Always => {
            ProgressDrawTarget::term_like_with_hz(Box::new(console::Term::buffered_stderr()), 10)
        }
    });
    bar.tick();
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counter_adds_sets_and_knows_its_total() {
        let c = Counter::default();
        assert_eq!(c.total(), None, "not listed yet");
        c.set_total(Some(10));
        c.add(3);
        c.clone().add(4);
        assert_eq!((c.done(), c.total()), (7, Some(Some(10))));
        c.set(10);
        assert_eq!(c.done(), 10);
        c.set_total(None);
        assert_eq!(c.total(), Some(None), "standard input has no size");
    }

    #[test]
    fn auto_waits_for_a_large_input_and_a_moment() {
        let late = DELAY + TICK;
        assert!(!due(Draw::Auto, Some(LARGE), Duration::ZERO));
        assert!(!due(Draw::Auto, Some(LARGE - 1), late));
        assert!(due(Draw::Auto, Some(LARGE), late));
        assert!(due(Draw::Auto, None, late), "standard input may be large");
        assert!(due(Draw::Always, Some(1), Duration::ZERO));
    }

    #[test]
    fn the_rate_is_the_average_since_the_start() {
        let second = Duration::from_secs(1);
        assert_eq!(rate(0, Some(10), second), "");
        assert_eq!(
            rate(512 << 20, Some(1536 << 20), 2 * second),
            "(256.00 MiB/s, 4s left)"
        );
        assert_eq!(rate(1 << 30, None, second), "(1.00 GiB/s)");
    }

    #[test]
    fn durations_are_short() {
        assert_eq!(short_duration(0), "0s");
        assert_eq!(short_duration(59), "59s");
        assert_eq!(short_duration(185), "3m 05s");
        assert_eq!(short_duration(3600 * 2 + 600), "2h 10m");
        assert_eq!(short_duration(86_400 * 3 + 3600 * 4 + 59), "3d 4h");
    }

    #[test]
    fn finish_stops_the_ticker() {
        let p = Progress::start(Draw::Auto);
        p.counter().add(5);
        p.finish();
    }
}
