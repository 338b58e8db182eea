//! Reading an allowlist file: what `--allow` names must be a short UTF-8 text file.
//!
//! The allowlist decides what is reported, so a file that cannot be read in full is an error,
//! never a shorter allowlist: a directory, a device or a socket is refused before it is opened
//! (`--allow /dev/zero` would otherwise fill the memory), a file over [`MAX_LEN`] is refused, and
//! text that is not UTF-8 is an error naming the line and column of the first bad byte. A FIFO
//! is read (`--allow <(kubectl get cm allow -o jsonpath=…)`), within the same limit.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::Context as _;

use super::position::line_column;

/// The largest allowlist read: real ones are a few kilobytes.
pub const MAX_LEN: u64 = 16 << 20;

/// The text of the allowlist at `path`.
pub fn read(path: &Path) -> anyhow::Result<String> {
    let name = path.display();
    let context = || format!("cannot read the allowlist {name}");
    let meta = std::fs::metadata(path).with_context(context)?;
    if let Some(what) = not_a_file(&meta) {
        return Err(anyhow::anyhow!("it is {what}, not a YAML file")).with_context(context);
    }
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|file| file.take(MAX_LEN + 1).read_to_end(&mut bytes))
        .with_context(context)?;
    if bytes.len() as u64 > MAX_LEN {
        anyhow::bail!(
            "{name}: the allowlist is larger than {} MiB; an allowlist is a short YAML list of \
             image patterns",
            MAX_LEN >> 20
        );
    }
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        // Everything before the first bad byte is valid UTF-8, so nothing is replaced here.
        let (line, column) = line_column(&String::from_utf8_lossy(&bytes[..at]), at);
        let hint = if bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff") {
            " (it looks like UTF-16: save it as UTF-8)"
        } else {
            ""
        };
        anyhow::anyhow!(
            "{name}:{line}:{column}: not valid UTF-8 (byte 0x{:02x}); an allowlist is a UTF-8 \
             text file{hint}",
            bytes.get(at).copied().unwrap_or(0)
        )
    })
}

/// What `meta` is, when it is something other than a file or a FIFO.
fn not_a_file(meta: &std::fs::Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() {
            return Some("a character device");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_bytes(bytes: &[u8]) -> Result<String, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("allow.yaml");
        std::fs::write(&path, bytes).expect("write");
        read(&path).map_err(|e| format!("{e:#}").replace(&path.display().to_string(), "allow.yaml"))
    }

    #[test]
    fn invalid_utf8_names_line_and_column() {
        assert_eq!(
            read_bytes(b"images:\n  - ngi\xffnx\n"),
            Err(
                "allow.yaml:2:8: not valid UTF-8 (byte 0xff); an allowlist is a UTF-8 text file"
                    .into()
            )
        );
        assert_eq!(
            read_bytes(b"- \xc3\xbcn\n- \xc3\xa9\x80").map_err(|e| e[..14].to_owned()),
            Err("allow.yaml:2:4".into())
        );
        let utf16: Vec<u8> = "\u{feff}- nginx\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(
            read_bytes(&utf16),
            Err("allow.yaml:1:1: not valid UTF-8 (byte 0xff); an allowlist is a UTF-8 text file (it looks like UTF-16: save it as UTF-8)".into())
        );
        assert_eq!(read_bytes(b"- nginx\n"), Ok("- nginx\n".into()));
    }

    #[test]
    fn oversized_files_are_refused() {
        let big = vec![b'#'; usize::try_from(MAX_LEN).expect("fits") + 1];
        let err = read_bytes(&big).expect_err("too big");
        assert!(
            err.starts_with("allow.yaml: the allowlist is larger than 16 MiB"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_directories_are_refused() {
        for (path, what) in [("/dev/zero", "a character device"), ("/", "a directory")] {
            let err = read(Path::new(path)).expect_err("refused");
            assert_eq!(
                format!("{err:#}"),
                format!("cannot read the allowlist {path}: it is {what}, not a YAML file")
            );
        }
    }
}
