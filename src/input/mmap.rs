//! Memory-mapping a file: the crate's only `unsafe` (SPEC §10, STYLE habit 4).
//!
//! A map lets every core read the file at memory bandwidth with no copy. The price is the
//! contract below; when the map cannot be made (an empty file, a special file, a file system
//! that does not support it) the caller falls back to buffered reading.

#![allow(unsafe_code)]

use std::fs::File;
use std::io;

use memmap2::{Advice, Mmap};

/// Maps `file` read-only and tells the kernel it will be read sequentially.
pub fn map(file: &File) -> io::Result<Mmap> {
    // SAFETY: the map is read-only and private to this process, and we never create a `&mut`
    // into it. The remaining hazard is another process truncating the file while it is mapped:
    // reading the lost pages raises SIGBUS. Audit logs are append-only (the API server's
    // rotation renames the file and starts a new one), so a file is truncated only by hand; the
    // scanner takes the buffered path (`--no-mmap`) where that is a risk.
    let map = unsafe { Mmap::map(file)? };
    // Advice is a hint: failing to give it changes nothing but speed.
    let _ = map.advise(Advice::Sequential);
    Ok(map)
}
