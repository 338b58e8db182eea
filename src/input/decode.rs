//! Decoding gzip, zstd, xz and bzip2 while reading, through bounded buffers (docs/inputs.md,
//! Compression).
//!
//! A compressed input is never decompressed into memory: [`decoder_for_reader`] wraps the
//! compressed file or pipe, read through one bounded buffer, in a streaming decoder whose output
//! the scanner cuts into line blocks. (Compressed files are not memory-mapped: decoding is
//! sequential, so a map would only add the whole file to the process's resident pages.) Memory
//! is the decoder's state plus one read buffer: gzip's window is 32 KiB; zstd's window and xz's
//! dictionary are what the archive was made with (a few MiB at the usual levels: 8 MiB for
//! `xz -6`, 64 MiB for `xz -9`), refused over [`WINDOW_LIMIT`]; bzip2 holds one block of at most
//! 900 kB, about 3.6 MiB with its tables.
//!
//! Two counters make errors say how far the input got: a [`Meter`] counts the compressed bytes
//! the decoder has consumed (exact, because it sits under the decoder as its `BufRead`), and the
//! decoder itself counts the bytes it produced. A damaged stream ends in an `io::Error` whose
//! message carries both offsets; the scanner adds the input's name and the line it reached.

use std::io::{self, BufRead, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::sniff::Compression;

/// Size of the read buffer under a decoder reading a file or a pipe.
const READ_BUFFER: usize = 256 << 10;

/// The most memory a zstd window or an xz dictionary may take: archives made to need more are
/// refused with advice, so that one input cannot take the machine's memory.
pub const WINDOW_LIMIT: u64 = 128 << 20;

/// Shared progress of a compressed source: read by the scanner after (or while) the decoder
/// runs on another thread.
#[derive(Debug, Default)]
pub struct Meter {
    /// Compressed bytes consumed by the decoder.
    consumed: AtomicU64,
    /// The compressed source itself failed to read (an I/O error, not damaged data).
    source_failed: AtomicBool,
}

impl Meter {
    /// Compressed bytes consumed so far.
    pub fn consumed(&self) -> u64 {
        self.consumed.load(Ordering::Relaxed)
    }
}

/// A `BufRead` that counts what its consumer consumes into a [`Meter`].
struct Metered<R> {
    /// The compressed source.
    inner: R,
    /// Where the count goes.
    meter: Arc<Meter>,
}

impl<R: BufRead> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Metered<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self.inner.fill_buf() {
            Ok(buf) => Ok(buf),
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.meter.source_failed.store(true, Ordering::Relaxed);
                }
                Err(e)
            }
        }
    }

    fn consume(&mut self, amount: usize) {
        self.meter
            .consumed
            .fetch_add(amount as u64, Ordering::Relaxed);
        self.inner.consume(amount);
    }
}

/// The decompressed bytes of a compressed source; errors say where the damage is.
pub struct Decoded {
    /// The decoder.
    inner: Box<dyn Read + Send>,
    /// Which kind of stream it decodes.
    compression: Compression,
    /// The compressed bytes consumed.
    meter: Arc<Meter>,
    /// The compressed size, when known (a file).
    compressed_len: Option<u64>,
    /// Decompressed bytes produced so far.
    produced: u64,
}

impl Decoded {
    /// Explains a decoder error: what kind of damage, at which compressed and decompressed
    /// offsets, and what to do about it.
    fn explain(&self, e: &io::Error) -> io::Error {
        let kind = self.compression.as_str();
        let at = match self.compressed_len {
            Some(len) => format!("compressed byte {} of {len}", self.meter.consumed()),
            None => format!("compressed byte {}", self.meter.consumed()),
        };
        let check = format!(
            "`{}` checks the archive; if the file was cut short while being copied or rotated, \
             copy it again",
            self.compression.test_command()
        );
        let (what, advice) = if self.meter.source_failed.load(Ordering::Relaxed) {
            (
                format!("cannot read the {kind} data at {at}"),
                String::new(),
            )
        } else if e.kind() == io::ErrorKind::UnexpectedEof {
            (
                format!("the {kind} data ends early (truncated) at {at}"),
                check,
            )
        } else if self.compression == Compression::Zstd && e.to_string().contains("too much memory")
        {
            (
                format!(
                    "the zstd data at {at} needs a decoding window larger than the 128 MiB this \
                     tool allows, to keep its memory bounded (it was compressed with --long=28 or \
                     more)"
                ),
                "decompress it with `zstd -d --long=31` and scan the result (or pipe \
                 `zstd -dc --long=31 FILE` into `falco-pod-scan -`)"
                    .to_owned(),
            )
        } else if self.compression == Compression::Xz && is_memory_limit(e) {
            (
                format!(
                    "the xz data at {at} needs a dictionary larger than the 128 MiB this tool \
                     allows, to keep its memory bounded (it was compressed with a custom \
                     dictionary size)"
                ),
                "decompress it with `xz -d` and scan the result".to_owned(),
            )
        } else {
            (format!("the {kind} data is corrupt at {at}"), check)
        };
        io::Error::new(
            e.kind(),
            DecodeError {
                message: format!("{what}, after {} decompressed bytes: {e}", self.produced),
                advice,
            },
        )
    }
}

/// A decoding error: where the compressed data went wrong, and what the user can do.
#[derive(Debug)]
pub struct DecodeError {
    /// What went wrong and where.
    message: String,
    /// What to do about it (may be empty).
    advice: String,
}

impl DecodeError {
    /// What to do about it, if anything is known (empty otherwise).
    pub fn advice(&self) -> &str {
        &self.advice
    }

    /// The advice carried by an `io::Error` from a [`Decoded`] reader, if any.
    #[cfg(test)]
    pub fn advice_of(e: &io::Error) -> &str {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<DecodeError>())
            .map_or("", DecodeError::advice)
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {}

impl Read for Decoded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.produced += n as u64;
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => Err(self.explain(&e)),
        }
    }
}

/// A decoder for `compression` over `source`, whose total size is `compressed_len` when known.
/// The returned [`Meter`] counts the compressed bytes consumed.
pub fn decoder<R>(
    compression: Compression,
    source: R,
    compressed_len: Option<u64>,
) -> io::Result<(Decoded, Arc<Meter>)>
where
    R: BufRead + Send + 'static,
{
    let meter = Arc::new(Meter::default());
    let metered = Metered {
        inner: source,
        meter: Arc::clone(&meter),
    };
    let inner: Box<dyn Read + Send> = match compression {
        // Rotated logs are concatenated members; a plain GzDecoder would stop after the first.
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(metered)),
        // Reads every frame, skipping skippable ones; refuses windows over 128 MiB.
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(metered)?),
        // Every concatenated stream (as `xz -dc` reads them), checking each block's check.
        Compression::Xz => {
            let stream = liblzma::stream::Stream::new_stream_decoder(
                WINDOW_LIMIT,
                liblzma::stream::CONCATENATED,
            )
            .map_err(io::Error::other)?;
            Box::new(liblzma::bufread::XzDecoder::new_stream(metered, stream))
        }
        // Every concatenated stream, as `bzip2 -dc` reads them (`pbzip2` writes several).
        Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(metered)),
    };
    let decoded = Decoded {
        inner,
        compression,
        meter: Arc::clone(&meter),
        compressed_len,
        produced: 0,
    };
    Ok((decoded, meter))
}

/// Did liblzma refuse to go on because the archive needs more memory than allowed?
fn is_memory_limit(e: &io::Error) -> bool {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<liblzma::stream::Error>())
        .is_some_and(|e| matches!(e, liblzma::stream::Error::MemLimit))
}

/// A decoder over an unbuffered reader (a file or a pipe), through a bounded buffer.
pub fn decoder_for_reader<R>(
    compression: Compression,
    reader: R,
    compressed_len: Option<u64>,
) -> io::Result<(Decoded, Arc<Meter>)>
where
    R: Read + Send + 'static,
{
    decoder(
        compression,
        io::BufReader::with_capacity(READ_BUFFER, reader),
        compressed_len,
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use super::*;

    /// `text` as one gzip member.
    pub(crate) fn gzip(text: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text).expect("in memory");
        enc.finish().expect("in memory")
    }

    /// Decodes all of `compressed`, returning what came out and the error that ended it.
    fn decode_all(compression: Compression, compressed: Vec<u8>) -> (Vec<u8>, Option<io::Error>) {
        let len = compressed.len() as u64;
        let (mut dec, meter) =
            decoder(compression, io::Cursor::new(compressed), Some(len)).expect("decoder");
        let mut out = Vec::new();
        let err = dec.read_to_end(&mut out).err();
        if err.is_none() {
            assert_eq!(meter.consumed(), len, "every compressed byte consumed");
        }
        (out, err)
    }

    #[test]
    fn gzip_members_are_all_read() {
        let mut two = gzip(b"first line\nsecond ");
        two.extend(gzip(b"half\nthird line\n"));
        let (out, err) = decode_all(Compression::Gzip, two);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(out, b"first line\nsecond half\nthird line\n");
    }

    #[test]
    fn zstd_frames_are_all_read() {
        let mut two = zstd::encode_all(&b"one\n"[..], 3).expect("in memory");
        two.extend(zstd::encode_all(&b"two\n"[..], 19).expect("in memory"));
        let (out, err) = decode_all(Compression::Zstd, two);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(out, b"one\ntwo\n");
    }

    /// Text that does not compress to nothing, so a cut lands inside the data.
    fn noisy_text(lines: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..lines {
            writeln!(out, "{{\"n\":{i},\"h\":\"{:x}\"}}", i * 2_654_435_761).expect("in memory");
        }
        out
    }

    #[test]
    fn truncated_gzip_says_where_and_keeps_what_came_before() {
        let text = noisy_text(20_000);
        let mut gz = gzip(&text);
        let cut = gz.len() / 2;
        gz.truncate(cut);
        let (out, err) = decode_all(Compression::Gzip, gz);
        let err = err.expect("a truncated member is an error");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!(
                "the gzip data ends early (truncated) at compressed byte {cut} of {cut}, after {} decompressed bytes",
                out.len()
            )),
            "{msg}"
        );
        assert!(
            !out.is_empty() && text.starts_with(&out),
            "a prefix came out"
        );
    }

    #[test]
    fn xz_and_bzip2_streams_are_all_read_and_a_cut_says_where() {
        let text = noisy_text(20_000);
        let (a, b) = text.split_at(text.len() / 3);
        let xz = |part: &[u8]| {
            let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 6);
            enc.write_all(part).expect("in memory");
            enc.finish().expect("in memory")
        };
        let bz = |part: &[u8]| {
            let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            enc.write_all(part).expect("in memory");
            enc.finish().expect("in memory")
        };
        for (compression, mut two) in [
            (Compression::Xz, [xz(a), xz(b)].concat()),
            (Compression::Bzip2, [bz(a), bz(b)].concat()),
        ] {
            let kind = compression.as_str();
            assert_eq!(Compression::detect(&two), Some(compression));
            let (out, err) = decode_all(compression, two.clone());
            assert!(err.is_none(), "{kind}: {err:?}");
            assert!(out == text, "{kind}: every stream read");
            let cut = two.len() * 2 / 3;
            two.truncate(cut);
            let (out, err) = decode_all(compression, two);
            let err = err.expect("a cut stream is an error");
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{kind}: {err}");
            let msg = err.to_string();
            assert!(
                msg.starts_with(&format!(
                    "the {kind} data ends early (truncated) at compressed byte {cut} of {cut}, after {} decompressed bytes",
                    out.len()
                )),
                "{msg}"
            );
            assert!(text.starts_with(&out), "{kind}: a prefix came out");
            assert!(DecodeError::advice_of(&err).contains(&format!("`{kind} -t`")));
        }
    }

    #[test]
    fn truncated_zstd_is_an_error() {
        let text = noisy_text(20_000);
        let mut zst = zstd::encode_all(&text[..], 3).expect("in memory");
        zst.truncate(zst.len() - 10);
        let (out, err) = decode_all(Compression::Zstd, zst);
        let msg = err.expect("a truncated frame is an error").to_string();
        assert!(msg.starts_with("the zstd data "), "{msg}");
        assert!(text.starts_with(&out));
    }

    #[test]
    fn garbage_after_a_gzip_member_is_corruption_at_its_offset() {
        let mut gz = gzip(b"ok\n");
        let end = gz.len();
        gz.extend_from_slice(b"not gzip at all");
        let (out, err) = decode_all(Compression::Gzip, gz);
        assert_eq!(out, b"ok\n");
        let msg = err.expect("trailing garbage is an error").to_string();
        assert!(
            msg.starts_with("the gzip data is corrupt at compressed byte "),
            "{msg}"
        );
        let at: u64 = msg["the gzip data is corrupt at compressed byte ".len()..]
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("an offset");
        assert!(
            at >= end as u64,
            "the damage is after the first member: {msg}"
        );
    }

    #[test]
    fn a_zstd_window_over_the_limit_says_how_to_decompress_it() {
        // A frame header declaring a 2 GiB window (window descriptor 0xA8: exponent 21 + 10),
        // as `zstd --long=31` writes for input of unknown size.
        let frame = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xA8, 0, 0, 0, 0, 0, 0];
        let (_, err) = decode_all(Compression::Zstd, frame.to_vec());
        let err = err.expect("refused");
        let msg = err.to_string();
        assert!(
            msg.contains("needs a decoding window larger than the 128 MiB"),
            "{msg}"
        );
        assert!(DecodeError::advice_of(&err).contains("zstd -d --long=31"));
    }

    #[test]
    fn an_unreadable_source_is_not_called_corrupt() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let (mut dec, _) = decoder_for_reader(Compression::Gzip, Failing, None).expect("decoder");
        let err = dec.read_to_end(&mut Vec::new()).expect_err("fails");
        let msg = err.to_string();
        assert!(
            msg.starts_with("cannot read the gzip data at compressed byte 0"),
            "{msg}"
        );
        assert_eq!(
            DecodeError::advice_of(&err),
            "",
            "no archive advice for a disk error"
        );
    }
}
