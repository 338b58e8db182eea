//! Which inputs a run reads: the `PATH` arguments, then the entries of a `--files-from` list, and
//! with `--shard K/N` only those at positions `i` with `i mod N == K` (docs/sharding.md).
//!
//! Positions count the inputs as given, **before** directories (and object-store prefixes) are
//! expanded: a list of one directory or prefix per cluster shards by cluster, which is what keeps
//! attribution and one finding per request true in every shard. Every shard of the same list
//! agrees on the positions, so the `N` shards of a list together read each of its entries
//! exactly once, whatever runs them (a Kubernetes Indexed Job, GNU parallel, a shell loop).
//!
//! A list has one path or URI per line; blank lines and lines whose first non-blank character is
//! `#` are comments; a line is taken without its line end and without the blanks around it.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context;

/// One shard of `count`: the inputs at positions `i` with `i % count == index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// `K`, from 0 to `count - 1`.
    pub index: usize,
    /// `N`, at least 1.
    pub count: usize,
}

impl Shard {
    /// Does this shard read the input at `position` (0-based)?
    pub fn keeps(self, position: usize) -> bool {
        position % self.count == self.index
    }

    /// The items at this shard's positions, in order.
    pub fn select<T>(self, items: Vec<T>) -> Vec<T> {
        items
            .into_iter()
            .enumerate()
            .filter(|&(i, _)| self.keeps(i))
            .map(|(_, item)| item)
            .collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `K/N` with `0 <= K < N`, both decimal numbers.
    fn from_str(s: &str) -> Result<Shard, String> {
        let hint = "expected K/N with 0 <= K < N, such as 0/4 for the first of four shards (in a \
                    Kubernetes Indexed Job: --shard $(JOB_COMPLETION_INDEX)/N, N its completions)";
        let number = |part: &str| -> Option<usize> {
            (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse().ok())
                .flatten()
        };
        let Some((k, n)) = s.split_once('/') else {
            return Err(format!("{s:?} is not K/N: {hint}"));
        };
        let (Some(index), Some(count)) = (number(k), number(n)) else {
            return Err(format!("{s:?} is not two whole numbers K/N: {hint}"));
        };
        if count == 0 {
            return Err(format!("{s:?} has no shards (N is 0): {hint}"));
        }
        if index >= count {
            return Err(format!(
                "{s:?}: shard {index} does not exist among {count} (they are numbered 0 to {}): \
                 {hint}",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }
}

/// Parses a `--shard` value (for clap).
pub fn parse_shard(s: &str) -> Result<Shard, String> {
    s.parse()
}

/// Reads the `--files-from` list `arg` (`-` for standard input): its entries, in order.
pub fn read_list(arg: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut bytes = Vec::new();
    if arg.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("--files-from -: cannot read the list from standard input")?;
    } else {
        bytes = std::fs::read(arg)
            .with_context(|| format!("--files-from {}: cannot read the list", arg.display()))?;
    }
    Ok(entries(&bytes))
}

/// The entries of a list: one per line, without the line end and the blanks around it, leaving
/// out blank lines and `#` comments.
pub fn entries(list: &[u8]) -> Vec<PathBuf> {
    list.split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|line| !line.is_empty() && !line.starts_with(b"#"))
        .map(path_from_bytes)
        .collect()
}

/// A path from the bytes of a list line (any bytes on Unix, where paths are bytes).
#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

/// A path from the bytes of a list line (UTF-8 elsewhere; anything else replaced).
#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_as_k_of_n() {
        assert_eq!("0/1".parse(), Ok(Shard { index: 0, count: 1 }));
        assert_eq!("3/4".parse(), Ok(Shard { index: 3, count: 4 }));
        assert_eq!(
            "12/100".parse::<Shard>().map(|s| s.to_string()),
            Ok("12/100".to_owned())
        );
        for bad in [
            "", "1", "4/4", "5/4", "0/0", "-1/4", "1/-4", "a/4", "1/b", "1/4/2", " 1/4", "1 /4",
            "+1/4", "1.0/4", "0x1/4", "/4", "1/",
        ] {
            let e = bad.parse::<Shard>().expect_err(bad);
            assert!(e.contains("K/N"), "{bad}: {e}");
        }
        let e = "4/4".parse::<Shard>().expect_err("out of range");
        assert!(e.contains("numbered 0 to 3"), "{e}");
    }

    #[test]
    fn every_position_belongs_to_exactly_one_shard() {
        for count in 1..=7 {
            for position in 0..30 {
                let owners = (0..count)
                    .filter(|&index| Shard { index, count }.keeps(position))
                    .count();
                assert_eq!(owners, 1, "position {position} of {count} shards");
            }
        }
        let shard = Shard { index: 1, count: 3 };
        assert_eq!(shard.select((0..10).collect()), [1, 4, 7]);
        assert_eq!(
            Shard { index: 4, count: 5 }.select(vec!["a", "b"]),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn lists_skip_blanks_and_comments_and_trim_line_ends() {
        let list = b"# clusters, one prefix each\n\
                     s3://audit/prod-eu/\r\n\
                     \n   \n\
                     \t/var/log/k8s/staging \n\
                     # s3://audit/retired/\n\
                     a#b.log\n\
                     -\n\
                     last-without-newline";
        let got: Vec<String> = entries(list)
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(
            got,
            [
                "s3://audit/prod-eu/",
                "/var/log/k8s/staging",
                "a#b.log",
                "-",
                "last-without-newline"
            ]
        );
        assert!(entries(b"").is_empty());
        assert!(entries(b"\n# nothing\n").is_empty());
    }
}
