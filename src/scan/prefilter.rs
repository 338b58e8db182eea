//! The literal prefilter: which lines can possibly hold a pod request (SPEC §10).
//!
//! Parsing JSON is an order of magnitude slower than reading memory, so only lines that pass this
//! filter are parsed. The filter must be a *necessary* condition — false positives cost time,
//! false negatives lose findings:
//!
//! * Every pod request names the resource `pods` (`"resource":"pods"`, GKE's
//!   `io.k8s.core.v1.pods.create`, or a nested, string-escaped copy of either in a cloud export).
//!   In JSON the only way to write those letters without the literal `pods` is a `\u` escape of
//!   one of them (`\u0070`, `\u006f`, `\u0064`, `\u0073`, any hex case), so a line is a *hit* if it
//!   contains `pods` or such an escape. A double-escaped `\\u0070` still contains `\u0070`.
//! * A hit line is a candidate if it also contains one of the verbs §4 selects — `create`,
//!   `patch`, `update` (also GKE's method suffixes) — or contains any `\u` escape at all (which
//!   could spell the verb).
//!
//! The hit search runs over the whole chunk with memchr's SIMD `memmem`, not line by line, so the
//! lines without `pods` — the vast majority — are touched only by the newline scan.

use std::sync::LazyLock;

use memchr::memmem::Finder;

/// The resource every pod request names.
static PODS: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"pods"));
/// The start of a JSON `\u` escape of an ASCII character.
static ESCAPE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\\u00"));
/// Any `\u` escape.
static ANY_ESCAPE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\\u"));
/// The verbs of the requests §4 selects.
static VERBS: LazyLock<[Finder<'static>; 3]> = LazyLock::new(|| {
    [
        Finder::new(b"create"),
        Finder::new(b"patch"),
        Finder::new(b"update"),
    ]
});

/// No further hit.
const NONE: usize = usize::MAX;

/// Finds, in increasing order, positions in a buffer where a pod request could be mentioned.
pub struct Prefilter<'h> {
    /// The buffer searched.
    hay: &'h [u8],
    /// The next `pods` at or after the last query position, or [`NONE`].
    pods: usize,
    /// The next escape of `p`, `o`, `d` or `s` at or after the last query position, or [`NONE`].
    escape: usize,
}

impl<'h> Prefilter<'h> {
    /// Starts a search over `hay`.
    pub fn new(hay: &'h [u8]) -> Self {
        let mut p = Prefilter {
            hay,
            pods: NONE,
            escape: NONE,
        };
        p.pods = p.find_pods(0);
        p.escape = p.find_escape(0);
        p
    }

    /// The first hit at or after `from`; `from` must not decrease between calls.
    pub fn next_hit(&mut self, from: usize) -> Option<usize> {
        if self.pods < from {
            self.pods = self.find_pods(from);
        }
        if self.escape < from {
            self.escape = self.find_escape(from);
        }
        let next = self.pods.min(self.escape);
        (next != NONE).then_some(next)
    }

    /// The next literal `pods` at or after `from`.
    fn find_pods(&self, from: usize) -> usize {
        self.hay
            .get(from..)
            .and_then(|rest| PODS.find(rest))
            .map_or(NONE, |i| from + i)
    }

    /// The next `\u00XX` escape of `p`, `o`, `d` or `s` at or after `from`.
    fn find_escape(&self, mut from: usize) -> usize {
        while let Some(i) = self.hay.get(from..).and_then(|rest| ESCAPE.find(rest)) {
            let at = from + i;
            if let Some(hex) = self.hay.get(at + 4..at + 6)
                && matches!(
                    hex.to_ascii_lowercase().as_slice(),
                    b"70" | b"6f" | b"64" | b"73"
                )
            {
                return at;
            }
            from = at + 1;
        }
        NONE
    }
}

/// Could this hit line (one that mentions `pods`) be a request §4 selects?
pub fn is_candidate(line: &[u8]) -> bool {
    VERBS.iter().any(|verb| verb.find(line).is_some()) || ANY_ESCAPE.find(line).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(s: &str) -> Vec<usize> {
        let mut p = Prefilter::new(s.as_bytes());
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(h) = p.next_hit(from) {
            out.push(h);
            from = h + 1;
        }
        out
    }

    #[test]
    fn finds_literal_and_escaped_pods() {
        assert_eq!(hits("a pods b pods"), [2, 9]);
        assert_eq!(hits(r"x\u0070ods"), [1]);
        assert_eq!(hits(r"po\u0064s \u006Fx"), [2, 10]);
        assert_eq!(hits(r"\u0026 \u0041 nothing"), Vec::<usize>::new());
        assert_eq!(hits(r"trailing \u00"), Vec::<usize>::new());
        assert_eq!(hits(""), Vec::<usize>::new());
    }

    #[test]
    fn candidates_need_a_verb_or_an_escape() {
        assert!(is_candidate(br#""verb":"create","resource":"pods""#));
        assert!(is_candidate(br#""verb":"cr\u0065ate","resource":"pods""#));
        assert!(!is_candidate(br#""verb":"watch","resource":"pods""#));
        assert!(is_candidate(br#""verb":"patch","resource":"pods""#));
        assert!(is_candidate(br#""verb":"update","resource":"pods""#));
        assert!(!is_candidate(
            br#""verb":"get","creationTimestamp":"x","resource":"pods""#
        ));
    }
}
