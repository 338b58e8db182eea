//! Turning the `PATH` arguments into byte sources (SPEC §2, §3).
//!
//! [`expand`] resolves the arguments into a list of inputs: files as given, directories walked
//! recursively in sorted path order (so rotated `audit-2026-03-01T10-00-00.000.log` files come in
//! time order, before the live `audit.log`), `-` for standard input. [`open`] picks how to read
//! each one, by content, never by name ([`sniff`]):
//! * a plain file is memory-mapped when possible (the fast path: the whole file as one `&[u8]`,
//!   scanned in parallel chunks);
//! * gzip and zstd (files or standard input) are decoded on the fly ([`decode`]);
//! * standard input, `--no-mmap` and files that cannot be mapped are read as a stream of line
//!   blocks through a bounded buffer ([`stream`]).
//!
//! The first bytes of a stream are peeked for a magic number and then put back in front of it,
//! so nothing is lost from a pipe.

pub mod chunk;
pub mod decode;
mod mmap;
pub mod sniff;
pub mod stream;

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
    /// How findings and messages name it: the path as given or found, or `-`.
    pub name: String,
    /// The file, or `None` for standard input.
    pub path: Option<PathBuf>,
}

/// The bytes of a whole input.
pub enum Source {
    /// A memory-mapped file.
    Mapped(memmap2::Mmap),
    /// Bytes in memory (an empty file, or a document read from a stream).
    Owned(Vec<u8>),
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
pub enum Opened {
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
/// symlinks to files), recursively, sorted by path. Problems with one path are returned beside
/// the inputs, so the others are still scanned.
pub fn expand(paths: &[PathBuf]) -> (Vec<Input>, Vec<anyhow::Error>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input {
                name: "-".to_owned(),
                path: None,
            });
        } else if path.is_dir() {
            walk(path, &mut inputs, &mut errors);
        } else {
            inputs.push(file_input(path.clone()));
        }
    }
    (inputs, errors)
}

/// An input for a file path.
fn file_input(path: PathBuf) -> Input {
    Input {
        name: path.display().to_string(),
        path: Some(path),
    }
}

/// Adds the files under `dir`, sorted, to `inputs`.
fn walk(dir: &Path, inputs: &mut Vec<Input>, errors: &mut Vec<anyhow::Error>) {
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        match entry {
            Ok(entry) if entry.file_type().is_dir() => {}
            Ok(entry) => {
                let is_file = entry.file_type().is_file()
                    || (entry.path_is_symlink() && entry.path().is_file());
                if is_file {
                    inputs.push(file_input(entry.into_path()));
                }
            }
            Err(e) => {
                let at = e.path().unwrap_or(dir).display().to_string();
                errors.push(
                    anyhow::Error::new(e).context(format!("{at}: cannot read directory entry")),
                );
            }
        }
    }
}

/// Opens an input: a memory map when `mmap` is set and the file is uncompressed and allows it,
/// else a stream (decoded if it starts with a gzip or zstd magic number).
pub fn open(input: &Input, mmap: bool) -> anyhow::Result<Opened> {
    let Some(path) = &input.path else {
        let stream = sniffed(io::stdin(), None)
            .with_context(|| format!("{}: cannot read standard input", input.name))?;
        return Ok(Opened::Stream(stream));
    };
    let file = File::open(path).with_context(|| format!("{}: cannot open", input.name))?;
    let meta = file
        .metadata()
        .with_context(|| format!("{}: cannot read metadata", input.name))?;
    if meta.is_dir() {
        anyhow::bail!("{}: is a directory", input.name);
    }
    let len = meta.is_file().then_some(meta.len());
    if mmap && meta.is_file() {
        if meta.len() == 0 {
            return Ok(Opened::Whole(Source::Owned(Vec::new())));
        }
        // A compressed file is decoded sequentially from the file instead: mapping it would only
        // add it to the resident pages. (Mapping does not move the file's read position.)
        if let Ok(map) = mmap::map(&file)
            && Compression::detect(&map).is_none()
        {
            return Ok(Opened::Whole(Source::Mapped(map)));
        }
    }
    let stream = sniffed(file, len).with_context(|| format!("{}: cannot read", input.name))?;
    Ok(Opened::Stream(stream))
}

/// Peeks at the first bytes of `reader` for a magic number, puts them back in front, and
/// decodes what follows if they name a compression. `len` is the size of a regular file.
fn sniffed<R: Read + Send + 'static>(mut reader: R, len: Option<u64>) -> io::Result<Stream> {
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
            .map(|i| match &i.path {
                Some(p) => p
                    .strip_prefix(dir.path())
                    .expect("under dir")
                    .display()
                    .to_string(),
                None => i.name.clone(),
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
            .filter_map(|i| i.path.as_ref()?.file_name()?.to_str().map(str::to_owned))
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
            let input = file_input(path);
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
    fn a_missing_file_is_an_error_naming_it() {
        let input = file_input(PathBuf::from("/no/such/audit.log"));
        let err = open(&input, true).err().expect("missing file");
        assert!(format!("{err:#}").starts_with("/no/such/audit.log: cannot open"));
    }
}
