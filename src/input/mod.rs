//! Turning the `PATH` arguments into byte sources (docs/inputs.md).
//!
//! [`expand`] resolves the arguments into a list of inputs: files as given, directories walked
//! recursively in sorted path order (so rotated `audit-2026-03-01T10-00-00.000.log` files come in
//! time order, before the live `audit.log`), `-` for standard input, and object-store URIs
//! (`s3://`, `gs://`, `az://`, `https://`: one object, or a prefix listed in the same order as a
//! directory; [`object`]). `open` picks how to read each one, by content, never by name
//! ([`sniff`]):
//! * a plain file is memory-mapped when possible (the fast path: the whole file as one `&[u8]`,
//!   scanned in parallel chunks);
//! * gzip and zstd (files or standard input) are decoded on the fly ([`decode`]);
//! * standard input, `--no-mmap`, files that cannot be mapped and objects are read as a stream of
//!   line blocks through a bounded buffer ([`lines`]).
//!
//! The first bytes of every input are read plainly and looked at for a magic number before
//! anything else: a compressed file is never mapped. They are then put back in front of the
//! stream, so nothing is lost from a pipe.
//!
//! Hostile and broken paths fail alone, each with an error naming the path, and the others are
//! still scanned: a dangling symbolic link says where it points; a directory that cannot be read
//! is an input that fails; character devices, sockets and block devices are refused before they
//! are opened (`/dev/zero` would be a line that never ends; opening some devices has side
//! effects). FIFOs are read as streams (`<(zcat audit.log.gz)`). A regular file is read up to its
//! size when opened, whichever way it is read: a live log that grows while it is scanned is
//! scanned as it was; one that shrinks (truncated under the reader) ends with an error after the
//! findings read before the cut (`mmap.rs` explains the memory-mapped case).

pub mod chunk;
pub mod decode;
pub mod lines;
pub(crate) mod mmap;
pub mod object;
pub mod sniff;

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use decode::Meter;
use sniff::{Compression, MAGIC_LEN};

/// One thing to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// How findings and messages name it: the path or URI as given or found, or `-`.
    pub name: String,
    /// Where its bytes come from.
    pub origin: Origin,
    /// Why it cannot be read, found while walking a directory or resolving a URI (opening it
    /// fails with this).
    pub problem: Option<String>,
}

impl Input {
    /// An input for a file path.
    pub fn file(path: PathBuf) -> Input {
        Input {
            name: path.display().to_string(),
            origin: Origin::File(path),
            problem: None,
        }
    }

    /// The local file, if it is one.
    pub fn path(&self) -> Option<&Path> {
        match &self.origin {
            Origin::File(path) => Some(path),
            Origin::Stdin | Origin::Object(_) | Origin::Unresolved => None,
        }
    }

    /// Its size in bytes, when known before it is read (for the progress bar).
    pub fn size(&self) -> Option<u64> {
        match &self.origin {
            Origin::File(path) => std::fs::metadata(path).ok().map(|m| m.len()),
            Origin::Object(object) => Some(object.size),
            Origin::Stdin | Origin::Unresolved => None,
        }
    }
}

/// Where an input's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Standard input (`-`).
    Stdin,
    /// A local file (or FIFO).
    File(PathBuf),
    /// An object in an object store.
    Object(object::Object),
    /// An object-store URI that could not be resolved; the input's problem says why.
    Unresolved,
}

/// The bytes of a whole input.
pub(crate) enum Source {
    /// A memory-mapped file.
    Mapped(mmap::Map),
    /// Bytes in memory (an empty file, or a document read from a stream).
    Owned(Vec<u8>),
}

impl Source {
    /// After the scan: an error naming the input if part of it was lost while it was read (the
    /// file was truncated under the map, or a page of it could not be read; the lost bytes read
    /// as NULs).
    pub(crate) fn lost(&self, name: &str) -> Option<anyhow::Error> {
        let Source::Mapped(map) = self else {
            return None;
        };
        let (mapped, now) = map.lost()?;
        if now >= mapped {
            return Some(anyhow::anyhow!(
                "{name}: part of the file could not be read while it was being scanned (a read \
                 error, or the file was cut and written again); the bytes from there on read as \
                 NUL bytes and were skipped, the findings before them are reported. Check the \
                 disk, and scan the file again"
            ));
        }
        Some(anyhow::anyhow!(
            "{name}: the file was truncated while it was being scanned (from {mapped} to {now} \
             bytes: a rotation with `copytruncate`, or by hand); the bytes past the cut read as \
             NUL bytes and were skipped, the findings before the cut are reported. Scan the \
             rotated copy to see the rest"
        ))
    }
}

impl Deref for Source {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Source::Mapped(m) => m,
            Source::Owned(v) => v,
        }
    }
}

/// An opened input.
pub(crate) enum Opened {
    /// All of it, addressable at once (an uncompressed file).
    Whole(Source),
    /// A reader to consume in blocks.
    Stream(Stream),
}

/// An input read front to back: its decoded bytes, and what they were decoded from.
pub struct Stream {
    /// The (decompressed) bytes.
    pub reader: Box<dyn Read + Send>,
    /// The compression the input was found to have, if any.
    pub compression: Option<Compression>,
    /// Counts the compressed bytes consumed, for a compressed input.
    pub meter: Option<Arc<Meter>>,
}

impl Stream {
    /// An uncompressed stream.
    pub fn plain(reader: Box<dyn Read + Send>) -> Stream {
        Stream {
            reader,
            compression: None,
            meter: None,
        }
    }
}

/// Resolves the `PATH` arguments, in order. Directories contribute their regular files (and
/// symlinks to files), recursively, sorted by path; FIFOs, sockets, devices and symlinks to
/// directories inside them are passed over. Object-store URIs contribute their object, or the
/// objects under them as a prefix ([`object::expand`]). What cannot be read in a directory (a
/// subdirectory without permission, a dangling symlink) becomes an input with a
/// [`problem`](Input::problem), in its place, so that it is reported like any unreadable path
/// and the others are still scanned. The errors returned beside the inputs are the rare problems
/// that belong to no path.
pub fn expand(paths: &[PathBuf]) -> (Vec<Input>, Vec<anyhow::Error>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input {
                name: "-".to_owned(),
                origin: Origin::Stdin,
                problem: None,
            });
        } else if let Some((arg, uri)) = path
            .to_str()
            .and_then(|arg| Some((arg, object::Uri::recognise(arg)?)))
        {
            object::expand(arg, uri, &mut inputs);
        } else if path.is_dir() {
            walk(path, &mut inputs, &mut errors);
        } else {
            inputs.push(Input::file(path.clone()));
        }
    }
    (inputs, errors)
}

/// An input that will fail with `problem`.
fn problem_input(path: &Path, problem: String) -> Input {
    Input {
        problem: Some(problem),
        ..Input::file(path.to_path_buf())
    }
}

/// Adds the files under `dir`, sorted, to `inputs`.
fn walk(dir: &Path, inputs: &mut Vec<Input>, errors: &mut Vec<anyhow::Error>) {
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        match entry {
            Ok(entry) if entry.file_type().is_dir() => {}
            Ok(entry) if entry.file_type().is_file() => inputs.push(Input::file(entry.into_path())),
            Ok(entry) if entry.path_is_symlink() => match std::fs::metadata(entry.path()) {
                Ok(target) if target.is_file() => inputs.push(Input::file(entry.into_path())),
                Ok(_) => {}
                Err(e) => inputs.push(problem_input(entry.path(), broken_link(entry.path(), &e))),
            },
            Ok(_) => {}
            Err(e) => match e.path() {
                Some(at) => {
                    let why = e
                        .io_error()
                        .map_or_else(|| e.to_string(), ToString::to_string);
                    inputs.push(problem_input(
                        at,
                        format!("cannot read the directory: {why}"),
                    ));
                }
                None => errors
                    .push(anyhow::Error::new(e).context(format!("{}: cannot walk", dir.display()))),
            },
        }
    }
}

/// Why a symbolic link cannot be followed: where it points, and what is wrong there.
fn broken_link(path: &Path, e: &io::Error) -> String {
    match std::fs::read_link(path) {
        Ok(target) if e.kind() == io::ErrorKind::NotFound => format!(
            "cannot open: it is a symbolic link to {}, which does not exist",
            target.display()
        ),
        Ok(target) => format!(
            "cannot open: it is a symbolic link to {}, which cannot be read: {e}",
            target.display()
        ),
        Err(_) => format!("cannot open: {e}"),
    }
}

/// Checks, before opening it, that `path` names something that can be read as a log: it exists
/// (a dangling link says where it points), and it is not a directory, a device or a socket.
fn check_kind(path: &Path, name: &str) -> anyhow::Result<()> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if path.is_symlink() => anyhow::bail!("{name}: {}", broken_link(path, &e)),
        Err(e) => return Err(e).with_context(|| format!("{name}: cannot open")),
    };
    let kind = meta.file_type();
    if kind.is_dir() {
        anyhow::bail!("{name}: is a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let what = if kind.is_char_device() {
            Some("a character device")
        } else if kind.is_block_device() {
            Some("a block device")
        } else if kind.is_socket() {
            Some("a socket")
        } else {
            None
        };
        if let Some(what) = what {
            anyhow::bail!(
                "{name}: is {what}, not a log file, so it was not opened (a device such as \
                 /dev/zero never ends). To scan what a device or a command produces, pipe it \
                 into `falco-pod-scan -`"
            );
        }
    }
    Ok(())
}

/// Opens an input: a memory map when `mmap` is set and the file is uncompressed and allows it,
/// else a stream (decoded if it starts with the magic number of a compression).
pub(crate) fn open(input: &Input, mmap: bool) -> anyhow::Result<Opened> {
    open_shared(input, mmap, 1)
}

/// [`open`], for a run that reads `in_flight` inputs at once: an object then fetches its parts
/// with a share of the memory one object alone would use ([`object::open`]).
pub(crate) fn open_shared(input: &Input, mmap: bool, in_flight: usize) -> anyhow::Result<Opened> {
    if let Some(problem) = &input.problem {
        anyhow::bail!("{}: {problem}", input.name);
    }
    let path = match &input.origin {
        Origin::File(path) => path,
        Origin::Stdin => {
            let stream = sniffed(io::stdin(), None)
                .with_context(|| format!("{}: cannot read standard input", input.name))?;
            return Ok(Opened::Stream(stream));
        }
        Origin::Object(object) => {
            let reader = object::open(object, in_flight)?;
            let stream = sniffed(reader, Some(object.size))
                .with_context(|| format!("{}: cannot read", input.name))?;
            return Ok(Opened::Stream(stream));
        }
        Origin::Unresolved => anyhow::bail!("{}: cannot be read", input.name),
    };
    check_kind(path, &input.name)?;
    let file = File::open(path).with_context(|| format!("{}: cannot open", input.name))?;
    let meta = file
        .metadata()
        .with_context(|| format!("{}: cannot read metadata", input.name))?;
    if meta.is_dir() {
        anyhow::bail!("{}: is a directory", input.name);
    }
    if !meta.is_file() {
        // A FIFO (or whatever replaced the path since it was checked): a stream of unknown size.
        let stream = sniffed(file, None).with_context(|| format!("{}: cannot read", input.name))?;
        return Ok(Opened::Stream(stream));
    }
    let len = meta.len();
    let mut head = Vec::with_capacity(MAGIC_LEN);
    if mmap {
        if len == 0 {
            return Ok(Opened::Whole(Source::Owned(Vec::new())));
        }
        // The first bytes, read plainly: a compressed file is decoded sequentially from the file
        // and never mapped (a map would only add it to the resident pages). Mapping does not
        // move the file's read position, nor depend on it.
        (&file)
            .take(MAGIC_LEN as u64)
            .read_to_end(&mut head)
            .with_context(|| format!("{}: cannot read", input.name))?;
        if Compression::detect(&head).is_none()
            && let Ok(map) = mmap::map(&file)
        {
            return Ok(Opened::Whole(Source::Mapped(map)));
        }
    }
    let whole = io::Cursor::new(head).chain(file);
    let stream = sniffed(SizedAtOpen::new(whole, len), Some(len))
        .with_context(|| format!("{}: cannot read", input.name))?;
    Ok(Opened::Stream(stream))
}

/// A regular file read up to the size it had when opened. A live log keeps growing while it is
/// scanned: what is appended after the open is not read (the map of a mapped file has the same
/// bound). A file that shrinks under the reader (`copytruncate`, or by hand) is an error at the
/// point where its data ran out, not a silent early end.
pub struct SizedAtOpen<R> {
    /// The file.
    inner: R,
    /// Its size when opened.
    len: u64,
    /// Bytes read so far.
    read: u64,
}

impl<R: Read> SizedAtOpen<R> {
    /// Reads at most `len` bytes of `inner`, and fails if it ends before that.
    pub fn new(inner: R, len: u64) -> Self {
        SizedAtOpen {
            inner,
            len,
            read: 0,
        }
    }
}

impl<R: Read> Read for SizedAtOpen<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len - self.read;
        if left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let max = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the file was truncated while it was being read: it had {} bytes when \
                     opened and ended after {} (a rotation with `copytruncate`, or by hand)",
                    self.len, self.read
                ),
            ));
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// A reader that stays at its end once it has reached it. A terminal ends the input once for
/// each Ctrl-D and can be read again after it, so a reader that looks again after the end (the
/// peek at the first bytes stops at the end, then the stream reads on) would wait for a second
/// Ctrl-D.
pub struct Fused<R> {
    /// The source.
    inner: R,
    /// It has returned the end once.
    ended: bool,
}

impl<R> Fused<R> {
    /// `inner`, read up to its first end.
    pub fn new(inner: R) -> Self {
        Fused {
            inner,
            ended: false,
        }
    }
}

impl<R: Read> Read for Fused<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ended || buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        self.ended = n == 0;
        Ok(n)
    }
}

/// Peeks at the first bytes of `reader` for a magic number, puts them back in front, and
/// decodes what follows if they name a compression. `len` is the size of a regular file. The
/// stream ends at the first end `reader` reports.
fn sniffed<R: Read + Send + 'static>(reader: R, len: Option<u64>) -> io::Result<Stream> {
    let mut reader = Fused::new(reader);
    let mut head = Vec::with_capacity(MAGIC_LEN);
    (&mut reader)
        .take(MAGIC_LEN as u64)
        .read_to_end(&mut head)?;
    let compression = Compression::detect(&head);
    let whole = io::Cursor::new(head).chain(reader);
    Ok(match compression {
        None => Stream::plain(Box::new(whole)),
        Some(c) => {
            let (decoded, meter) = decode::decoder_for_reader(c, whole, len)?;
            Stream {
                reader: Box::new(decoded),
                compression: Some(c),
                meter: Some(meter),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_walked_in_sorted_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in ["b.log", "a/z.log", "a/c/d.log", "c.log"] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
            std::fs::write(&path, "{}\n").expect("write");
        }
        let (inputs, errors) = expand(&[dir.path().to_path_buf(), PathBuf::from("-")]);
        assert!(errors.is_empty());
        let names: Vec<String> = inputs
            .iter()
            .map(|i| match &i.origin {
                Origin::File(p) => p
                    .strip_prefix(dir.path())
                    .expect("under dir")
                    .display()
                    .to_string(),
                _ => i.name.clone(),
            })
            .collect();
        assert_eq!(names, ["a/c/d.log", "a/z.log", "b.log", "c.log", "-"]);
    }

    #[test]
    fn rotated_logs_sort_oldest_first_and_the_live_file_last() {
        let dir = tempfile::tempdir().expect("temp dir");
        // The API server's rotation names (lumberjack: `NAME-2006-01-02T15-04-05.000.EXT`).
        let names = [
            "audit.log",
            "audit-2026-03-02T00-00-00.000.log.gz",
            "audit-2026-03-01T23-59-59.999.log.gz",
            "audit-2026-02-28T10-00-00.000.log",
        ];
        for name in names {
            std::fs::write(dir.path().join(name), "").expect("write");
        }
        let (inputs, _) = expand(&[dir.path().to_path_buf()]);
        let got: Vec<String> = inputs
            .iter()
            .filter_map(|i| match &i.origin {
                Origin::File(p) => p.file_name()?.to_str().map(str::to_owned),
                _ => None,
            })
            .collect();
        assert_eq!(
            got,
            [
                "audit-2026-02-28T10-00-00.000.log",
                "audit-2026-03-01T23-59-59.999.log.gz",
                "audit-2026-03-02T00-00-00.000.log.gz",
                "audit.log"
            ]
        );
    }

    /// Hands out one byte per read, like a slow pipe.
    struct Trickle(Vec<u8>, usize);
    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.get(self.1), buf.first_mut()) {
                (Some(&b), Some(slot)) => {
                    *slot = b;
                    self.1 += 1;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    /// Everything a stream yields.
    fn drain(stream: Stream) -> Vec<u8> {
        let mut out = Vec::new();
        let mut reader = stream.reader;
        reader.read_to_end(&mut out).expect("readable");
        out
    }

    #[test]
    fn the_peeked_magic_is_put_back_even_from_a_slow_pipe() {
        let text = b"{\"kind\":\"Event\"}\n".to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        io::Write::write_all(&mut gz, &text).expect("in memory");
        let gz = gz.finish().expect("in memory");
        let plain = sniffed(Trickle(text.clone(), 0), None).expect("sniffed");
        assert_eq!(plain.compression, None);
        assert_eq!(drain(plain), text);
        let decoded = sniffed(Trickle(gz, 0), None).expect("sniffed");
        assert_eq!(decoded.compression, Some(Compression::Gzip));
        assert_eq!(drain(decoded), text);
        for short in [&b""[..], b"{", b"\x1f"] {
            let stream = sniffed(Trickle(short.to_vec(), 0), None).expect("sniffed");
            assert_eq!(stream.compression, None);
            assert_eq!(drain(stream), short);
        }
    }

    /// A terminal: each chunk is what one read returns, an empty one is a Ctrl-D; reading on
    /// after the chunks would wait for the user to type more.
    struct Terminal(Vec<&'static [u8]>);
    impl Read for Terminal {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            assert!(
                !self.0.is_empty(),
                "read again after the end: the user has to press Ctrl-D once more"
            );
            let chunk = self.0[0];
            let n = chunk.len().min(buf.len());
            buf[..n].copy_from_slice(&chunk[..n]);
            if n == chunk.len() {
                self.0.remove(0);
            } else {
                self.0[0] = &chunk[n..];
            }
            Ok(n)
        }
    }

    #[test]
    fn one_ctrl_d_ends_the_input_from_a_terminal() {
        // Fewer bytes than the magic-number peek wants (an empty input too): the peek meets the
        // end, and the stream must not read past it.
        for typed in [&b""[..], b"{}\n", b"{\"kind\":\"Event\"}\n"] {
            let stream = sniffed(Terminal(vec![typed, b"", b"after"]), None).expect("sniffed");
            let mut blocks = lines::LineBlocks::new(stream.reader, 1 << 20, 1 << 20);
            let read: Vec<u8> = blocks
                .by_ref()
                .map(|piece| match piece.expect("readable") {
                    lines::Piece::Lines(bytes) => bytes,
                    lines::Piece::Oversized { .. } => unreachable!("short"),
                })
                .collect::<Vec<_>>()
                .concat();
            assert_eq!(read, typed);
        }
    }

    #[test]
    fn compressed_files_are_streamed_whatever_their_name_and_plain_ones_mapped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = b"{\"kind\":\"Event\"}\n";
        let zst = zstd::encode_all(&text[..], 3).expect("in memory");
        let cases = [
            ("plain.gz", text.to_vec(), None),
            ("archive.log", zst.clone(), Some(Compression::Zstd)),
        ];
        for (name, bytes, compression) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).expect("write");
            let input = Input::file(path);
            for mmap in [true, false] {
                match open(&input, mmap).expect("opens") {
                    Opened::Whole(source) => {
                        assert!(mmap && compression.is_none(), "{name}: mapped");
                        assert_eq!(&*source, text);
                    }
                    Opened::Stream(stream) => {
                        assert!(!mmap || compression.is_some(), "{name}: streamed");
                        assert_eq!(stream.compression, compression, "{name}");
                        let meter = stream.meter.clone();
                        assert_eq!(drain(stream), text, "{name}");
                        assert_eq!(
                            meter.map(|m| m.consumed()),
                            compression.map(|_| zst.len() as u64),
                            "{name}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_file_is_read_up_to_its_size_at_open_and_a_cut_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("audit.log");
        std::fs::write(&path, b"one\ntwo\n").expect("write");
        let input = Input::file(path.clone());
        let Opened::Stream(stream) = open(&input, false).expect("opens") else {
            panic!("--no-mmap streams");
        };
        // Appended after the open: not read.
        let mut log = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        io::Write::write_all(&mut log, b"three\n").expect("append");
        assert_eq!(drain(stream), b"one\ntwo\n");
        // Cut after the open: an error where the data ran out.
        let mut sized = SizedAtOpen::new(File::open(&path).expect("open"), 14);
        let mut head = [0; 4];
        sized.read_exact(&mut head).expect("the start is there");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_len(6))
            .expect("truncate");
        let mut rest = Vec::new();
        let err = sized.read_to_end(&mut rest).expect_err("cut short");
        assert_eq!(rest, b"tw");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(
            err.to_string().starts_with(
                "the file was truncated while it was being read: it had 14 bytes when opened and ended after 6"
            ),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_sockets_are_refused_before_they_are_opened() {
        for dev in ["/dev/zero", "/dev/null", "/dev/urandom"] {
            let err = open(&Input::file(PathBuf::from(dev)), true)
                .err()
                .expect("refused");
            assert!(
                format!("{err:#}").starts_with(&format!(
                    "{dev}: is a character device, not a log file, so it was not opened"
                )),
                "{err:#}"
            );
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let sock = dir.path().join("s.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind");
        let err = open(&Input::file(sock), true).err().expect("refused");
        assert!(
            format!("{err:#}").contains(": is a socket, not a log file"),
            "{err:#}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn dangling_links_say_where_they_point_even_inside_directories() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("a.log"), "{}\n").expect("write");
        let link = dir.path().join("b.log");
        std::os::unix::fs::symlink("/nonexistent/audit.log", &link).expect("symlink");
        let want =
            "cannot open: it is a symbolic link to /nonexistent/audit.log, which does not exist";
        let err = open(&Input::file(link.clone()), true)
            .err()
            .expect("dangling");
        assert_eq!(format!("{err:#}"), format!("{}: {want}", link.display()));
        let (inputs, errors) = expand(&[dir.path().to_path_buf()]);
        assert!(errors.is_empty());
        assert_eq!(inputs.len(), 2);
        assert_eq!(inputs[0].problem, None);
        assert_eq!(inputs[1].problem.as_deref(), Some(want));
        let err = open(&inputs[1], true).err().expect("fails");
        assert_eq!(format!("{err:#}"), format!("{}: {want}", link.display()));
    }

    #[cfg(unix)]
    #[test]
    fn an_unreadable_directory_is_an_input_that_fails() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let locked = dir.path().join("locked");
        std::fs::create_dir(&locked).expect("mkdir");
        std::fs::write(locked.join("x.log"), "{}\n").expect("write");
        std::fs::write(dir.path().join("z.log"), "{}\n").expect("write");
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        if std::fs::read_dir(&locked).is_ok() {
            // Running as root: permissions do not apply. The CLI test covers what it can.
            std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
            return;
        }
        let (inputs, _) = expand(&[dir.path().to_path_buf()]);
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let names: Vec<(String, bool)> = inputs
            .iter()
            .map(|i| (i.name.clone(), i.problem.is_some()))
            .collect();
        assert_eq!(
            names,
            [
                (locked.display().to_string(), true),
                (dir.path().join("z.log").display().to_string(), false)
            ]
        );
        assert!(
            inputs[0]
                .problem
                .as_deref()
                .is_some_and(|p| p.starts_with("cannot read the directory: Permission denied")),
            "{inputs:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_read_as_a_stream() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here
        }
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, b"{\"kind\":\"Event\"}\n"))
        };
        let Opened::Stream(stream) = open(&Input::file(fifo), true).expect("opens") else {
            panic!("a FIFO cannot be mapped");
        };
        assert_eq!(drain(stream), b"{\"kind\":\"Event\"}\n");
        writer.join().expect("joins").expect("writes");
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let input = Input::file(PathBuf::from("/no/such/audit.log"));
        let err = open(&input, true).err().expect("missing file");
        assert!(format!("{err:#}").starts_with("/no/such/audit.log: cannot open"));
    }
}
