//! Turning the `PATH` arguments into byte sources (SPEC §2, §3).
//!
//! [`expand`] resolves the arguments into a list of inputs: files as given, directories walked
//! recursively in sorted path order, `-` for standard input. [`open`] picks how to read each one:
//! a memory map when possible (the fast path: the whole file as one `&[u8]`, scanned in parallel
//! chunks), otherwise a stream of line blocks through a bounded buffer.

pub mod chunk;
mod mmap;
pub mod stream;

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::{Path, PathBuf};

use anyhow::Context;

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
    /// All of it, addressable at once.
    Whole(Source),
    /// A reader to consume in blocks.
    Stream(Box<dyn Read + Send>),
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

/// Opens an input: a memory map when `mmap` is set and the file allows it, else a stream.
pub fn open(input: &Input, mmap: bool) -> anyhow::Result<Opened> {
    let Some(path) = &input.path else {
        return Ok(Opened::Stream(Box::new(io::stdin())));
    };
    let file = File::open(path).with_context(|| format!("{}: cannot open", input.name))?;
    let meta = file
        .metadata()
        .with_context(|| format!("{}: cannot read metadata", input.name))?;
    if meta.is_dir() {
        anyhow::bail!("{}: is a directory", input.name);
    }
    if mmap && meta.is_file() {
        if meta.len() == 0 {
            return Ok(Opened::Whole(Source::Owned(Vec::new())));
        }
        if let Ok(map) = mmap::map(&file) {
            return Ok(Opened::Whole(Source::Mapped(map)));
        }
    }
    Ok(Opened::Stream(Box::new(file)))
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
    fn a_missing_file_is_an_error_naming_it() {
        let input = file_input(PathBuf::from("/no/such/audit.log"));
        let err = open(&input, true).err().expect("missing file");
        assert!(format!("{err:#}").starts_with("/no/such/audit.log: cannot open"));
    }
}
