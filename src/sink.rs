//! Where the report goes: standard output, or `--output FILE|URI` (docs/usage.md).
//!
//! A [`Sink`] is opened before the run starts, so a destination that cannot be written fails in
//! a second, not after an hour of scanning; the report is written into it, and
//! [`Sink::finish`] makes it visible all at once:
//! * standard output is written through as usual (a reader that went away is not an error);
//! * a file is written under a temporary name in the same directory, flushed to disk (`fsync`),
//!   and renamed over the destination only when complete. A run that fails, is killed or is
//!   retried never leaves half a report under the real name: readers see the old file or the
//!   new one. If the process is killed, the temporary file (`.NAME.falco-pod-scan.*.tmp`) stays
//!   behind; `--merge` passes over such leftovers when it walks a directory;
//! * an object-store URI (`s3://`, `gs://`, `az://`, `https://`, as [`Uri::recognise`] reads
//!   them) is held in memory and written with a single put when finished, which an object store
//!   makes visible all at once too (a report holds the findings, not the logs, so it is small).
//!   The store is first contacted then, so a missing credential or bucket fails after the scan.
//!   A build without the `object-store` feature refuses such a destination when it is opened.
//!
//! Nothing here formats a report; the `report` module writes into the sink through
//! [`std::io::Write`].

use std::fs::File;
use std::io::{self, BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;

use crate::input::object::Uri;

/// Where `--output` (or its absence) sends the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Standard output (no `--output`, or `--output -`).
    Stdout,
    /// A file, replaced atomically.
    File(PathBuf),
    /// An object in a store, written with one put.
    Object(Uri),
}

impl Destination {
    /// The destination an `--output` value names: `-` is standard output, an object-store URI
    /// an object (the URIs a `PATH` can be), anything else a file path. A URI that cannot be
    /// used, or that names a prefix rather than an object, is an error.
    pub fn from_arg(arg: &Path) -> anyhow::Result<Destination> {
        if arg.as_os_str() == "-" {
            return Ok(Destination::Stdout);
        }
        match arg.to_str().and_then(Uri::recognise) {
            None => Ok(Destination::File(arg.to_path_buf())),
            Some(Err(e)) => anyhow::bail!("--output {}: {e}", arg.display()),
            Some(Ok(uri)) if uri.is_prefix() => anyhow::bail!(
                "--output {}: names a prefix (a folder), not an object; name the report to write \
                 (`{}report.json`)",
                uri.text,
                if uri.key.is_empty() {
                    format!("{}/", uri.text.trim_end_matches('/'))
                } else {
                    uri.text.clone()
                }
            ),
            Some(Ok(uri)) => Ok(Destination::Object(uri)),
        }
    }
}

/// An open destination; write the report into it, then [`finish`](Sink::finish) it.
#[derive(Debug)]
pub struct Sink(Kind);

/// The ways a report is delivered.
#[derive(Debug)]
enum Kind {
    /// Standard output, buffered. Not its lock, which would tie the sink to the thread that
    /// opened it: the report is written on one of the run's threads ([`crate::run`]), and
    /// standard output is locked once per buffer written.
    Stdout(BufWriter<Stdout>),
    /// A temporary file that becomes the destination when finished.
    File(AtomicFile),
    /// A report held in memory until it is put whole.
    #[cfg(feature = "object-store")]
    Object {
        /// Where it goes.
        uri: Uri,
        /// The report so far.
        report: Vec<u8>,
    },
}

impl Sink {
    /// Opens `destination`: creates the temporary file next to a file destination (so a
    /// directory that cannot be written fails now); an object is only put when finished.
    pub fn open(destination: &Destination) -> anyhow::Result<Sink> {
        match destination {
            Destination::Stdout => Ok(Sink(Kind::Stdout(BufWriter::new(io::stdout())))),
            Destination::File(path) => AtomicFile::create(path).map(|f| Sink(Kind::File(f))),
            #[cfg(feature = "object-store")]
            Destination::Object(uri) => Ok(Sink(Kind::Object {
                uri: uri.clone(),
                report: Vec::new(),
            })),
            #[cfg(not(feature = "object-store"))]
            Destination::Object(uri) => anyhow::bail!(
                "--output {}: this build of falco-pod-scan cannot write to {}:// URIs: it was \
                 built without the `object-store` feature. Write the report to a file \
                 (--output FILE) and copy it, or build with the default features",
                uri.text,
                uri.scheme.as_str()
            ),
        }
    }

    /// Completes the report, given how writing it went: standard output is flushed (a closed
    /// pipe is not an error); a file is flushed to disk and renamed into place, or removed if
    /// writing failed.
    pub fn finish(self, written: io::Result<()>) -> anyhow::Result<()> {
        match self.0 {
            Kind::Stdout(mut out) => match written.and_then(|()| out.flush()) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to standard output"),
            },
            Kind::File(file) => file.commit(written),
            #[cfg(feature = "object-store")]
            Kind::Object { uri, report } => {
                let shown = &uri.text;
                written.with_context(|| format!("--output {shown}: cannot write the report"))?;
                crate::input::object::put(&uri, report)
                    .with_context(|| format!("--output {shown}: cannot put the report"))
            }
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.0 {
            Kind::Stdout(out) => out.write(buf),
            Kind::File(file) => file.out.write(buf),
            #[cfg(feature = "object-store")]
            Kind::Object { report, .. } => report.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.0 {
            Kind::Stdout(out) => out.write_all(buf),
            Kind::File(file) => file.out.write_all(buf),
            #[cfg(feature = "object-store")]
            Kind::Object { report, .. } => report.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.0 {
            Kind::Stdout(out) => out.flush(),
            Kind::File(file) => file.out.flush(),
            #[cfg(feature = "object-store")]
            Kind::Object { .. } => Ok(()),
        }
    }
}

/// A file written under a temporary name and renamed over its destination when complete. Dropped
/// before [`commit`](AtomicFile::commit), it removes the temporary file.
#[derive(Debug)]
struct AtomicFile {
    /// The destination.
    target: PathBuf,
    /// The temporary file, in the destination's directory (a rename within one file system is
    /// atomic; across file systems it is not possible at all).
    temp: PathBuf,
    /// The temporary file, buffered.
    out: BufWriter<File>,
    /// Renamed into place: nothing to clean up.
    committed: bool,
}

/// Tells the temporary names of one process apart.
static TEMPORARIES: AtomicU64 = AtomicU64::new(0);

/// The marker in the name of every temporary report file.
pub const TEMP_MARKER: &str = ".falco-pod-scan.";

/// Is `name` (a file name) one of the temporary files a report is written under?
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.')
        && name.contains(TEMP_MARKER)
        && Path::new(name).extension().is_some_and(|e| e == "tmp")
}

impl AtomicFile {
    /// Creates the temporary file next to `target`.
    fn create(target: &Path) -> anyhow::Result<AtomicFile> {
        let shown = target.display();
        if target.is_dir() {
            anyhow::bail!("--output {shown}: is a directory; name the report file to write");
        }
        let Some(name) = target.file_name() else {
            anyhow::bail!("--output {shown}: names no file; name the report file to write");
        };
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let n = TEMPORARIES.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let temp = dir.join(format!(
            ".{}{TEMP_MARKER}{}-{nanos}-{n}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&temp)
            .with_context(|| {
                format!(
                    "--output {shown}: cannot create a file in {} to write the report to",
                    dir.display()
                )
            })?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            temp,
            out: BufWriter::new(file),
            committed: false,
        })
    }

    /// Flushes the report to disk and renames it into place; or, when `written` failed, removes
    /// it and says why.
    fn commit(mut self, written: io::Result<()>) -> anyhow::Result<()> {
        let shown = self.target.display().to_string();
        written
            .and_then(|()| self.out.flush())
            .and_then(|()| self.out.get_ref().sync_all())
            .with_context(|| format!("--output {shown}: cannot write the report"))?;
        std::fs::rename(&self.temp, &self.target)
            .with_context(|| format!("--output {shown}: cannot put the report in place"))?;
        self.committed = true;
        // The rename itself is durable once the directory is flushed too; a file system that
        // cannot flush a directory (or open one) still has the complete file in place.
        if let Some(dir) = self.target.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: the file may already be gone, and a leftover is named as one.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_by_form() {
        let d = |s: &str| Destination::from_arg(Path::new(s)).expect("a destination");
        assert_eq!(d("-"), Destination::Stdout);
        assert_eq!(d("out.json"), Destination::File("out.json".into()));
        assert_eq!(d("./-"), Destination::File("./-".into()));
        assert_eq!(d("dir/a:b.json"), Destination::File("dir/a:b.json".into()));
        for uri in [
            "s3://bucket/results/shard-0.json",
            "gs://b/k",
            "az://container/k",
            "https://example.com/x",
        ] {
            let Destination::Object(object) = d(uri) else {
                panic!("{uri} is an object");
            };
            assert_eq!(object.text, uri);
        }
        // Not a scheme an object store is read through: a (strange) local path.
        for file in ["://x", "ftp://x/y", "a/s3://x"] {
            assert_eq!(d(file), Destination::File(file.into()), "{file}");
        }
        for (prefix, hint) in [
            ("s3://bucket/results/", "s3://bucket/results/report.json"),
            ("s3://bucket", "s3://bucket/report.json"),
        ] {
            let e = Destination::from_arg(Path::new(prefix)).expect_err("a prefix");
            let e = format!("{e:#}");
            assert!(e.contains("names a prefix") && e.contains(hint), "{e}");
        }
        let e = Destination::from_arg(Path::new("s3:///key")).expect_err("no bucket");
        assert!(
            format!("{e:#}").starts_with("--output s3:///key: names no bucket"),
            "{e:#}"
        );
    }

    #[test]
    fn a_file_appears_only_when_complete() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("report.json");
        std::fs::write(&target, "old").expect("write");
        let mut sink = Sink::open(&Destination::File(target.clone())).expect("opens");
        sink.write_all(b"new report").expect("write");
        // Until finished, readers see the old report, and one temporary file beside it.
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "old");
        let names = |dir: &Path| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .expect("list")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let before = names(dir.path());
        assert_eq!(before.len(), 2, "{before:?}");
        assert!(is_temporary(&before[0]), "{before:?}");
        sink.finish(Ok(())).expect("finishes");
        assert_eq!(
            std::fs::read_to_string(&target).expect("read"),
            "new report"
        );
        assert_eq!(names(dir.path()), ["report.json"]);
    }

    #[test]
    fn a_failed_report_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("report.json");
        std::fs::write(&target, "old").expect("write");
        let mut sink = Sink::open(&Destination::File(target.clone())).expect("opens");
        sink.write_all(b"half a rep").expect("write");
        let failed = io::Error::other("the scan stopped");
        let e = sink.finish(Err(failed)).expect_err("fails");
        assert!(format!("{e:#}").contains("the scan stopped"), "{e:#}");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "old");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
        // Dropped without finishing (an error elsewhere in the run): cleaned up too.
        let sink = Sink::open(&Destination::File(dir.path().join("new.json"))).expect("opens");
        drop(sink);
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    }

    #[test]
    fn unwritable_destinations_fail_at_open() {
        let dir = tempfile::tempdir().expect("temp dir");
        let e = Sink::open(&Destination::File(dir.path().to_path_buf())).expect_err("a dir");
        assert!(format!("{e:#}").contains("is a directory"), "{e:#}");
        let missing = dir.path().join("no/such/dir/report.json");
        let e = Sink::open(&Destination::File(missing)).expect_err("no dir");
        assert!(
            format!("{e:#}").contains("cannot create a file in"),
            "{e:#}"
        );
    }

    #[test]
    fn temporary_names_are_recognised() {
        assert!(is_temporary(".shard-0.json.falco-pod-scan.123-456-0.tmp"));
        assert!(!is_temporary("shard-0.json"));
        assert!(!is_temporary(".hidden.json"));
        assert!(!is_temporary("x.falco-pod-scan.1.tmp"));
    }
}
