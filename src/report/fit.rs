//! Fitting text into a width: eliding a value in the middle, sharing a terminal's width between
//! table columns, and wrapping a line of prose (the summary and messages on stderr, [`wrap`]).
//!
//! A column either keeps its width (short, fixed-shape values such as a time or an outcome) or
//! can be narrowed: first to its *soft* width, in the order the caller gives (the least important
//! column first), then, if that is not enough, all together down to their *hard* width, the
//! widest first. A value wider than its column is elided in the middle ([`elide`]), never broken
//! across lines, so a row keeps its height and every shown piece of a value is a real piece of it.
//!
//! Widths are display columns (`unicode-width`), so wide characters count as two. Text reaching
//! here has been escaped already: eliding only removes characters, so it can never make an escape
//! sequence out of harmless text.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The mark put where a value was cut.
pub const ELLIPSIS: char = '…';

/// The display width of `s`.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` display columns by taking characters from its start and putting one
/// `…` in their place: for a path, whose file name and line are at the end.
pub fn elide_start(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        used += w;
        tail.push(c);
    }
    std::iter::once(ELLIPSIS)
        .chain(tail.into_iter().rev())
        .collect()
}

/// `s` cut to at most `max` display columns by taking characters out of its middle and putting
/// one `…` in their place. The end keeps a little more than the start: an image's tag, a pod's
/// generated suffix, a service account's name and a file's name and line are all at the end.
pub fn elide(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let budget = max - 1;
    let head_budget = budget * 2 / 5;
    let mut head = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > head_budget {
            break;
        }
        used += w;
        head.push(c);
    }
    let tail_budget = budget - used;
    let mut tail: Vec<char> = Vec::new();
    let mut tail_used = 0;
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if tail_used + w > tail_budget {
            break;
        }
        tail_used += w;
        tail.push(c);
    }
    head.push(ELLIPSIS);
    head.extend(tail.iter().rev());
    head
}

/// How much deeper than its own indent the continuation lines of a wrapped line are: enough to
/// tell them from the next line of the same level.
pub const HANG: usize = 4;

/// `line` wrapped at spaces into lines of at most `width` display columns (for any `width` of
/// 16 or more), for a terminal: the first keeps the line's own indent, the others hang
/// [`HANG`] columns deeper. A word never breaks (a path, an image, a `file:line`): one too wide
/// for a line of its own is shortened in the middle with `…` ([`elide`]), as the table
/// shortens its values.
pub fn wrap(line: &str, max: usize) -> Vec<String> {
    if width(line) <= max {
        return vec![line.to_owned()];
    }
    let body = line.trim_start_matches(' ');
    // Deep indents give way on a narrow terminal, so that a word keeps some room.
    let indent = (line.len() - body.len()).min(max / 4);
    let hang = (indent + HANG).min(max / 4);
    let room = max.saturating_sub(hang).max(1);
    let words: Vec<String> = body.split(' ').map(|word| elide(word, room)).collect();
    let body = words.join(" ");
    let first = " ".repeat(indent);
    let rest = " ".repeat(hang);
    let options = textwrap::Options::new(max)
        .initial_indent(&first)
        .subsequent_indent(&rest)
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit);
    textwrap::wrap(&body, options)
        .into_iter()
        .map(std::borrow::Cow::into_owned)
        .collect()
}

/// Writes `line` and a newline: wrapped to `width` ([`wrap`]) on a terminal, whole without one
/// (in a pipe or a file, where a program may read it).
pub fn write_wrapped(
    line: &str,
    width: Option<u16>,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    match width {
        Some(width) => {
            for part in wrap(line, usize::from(width)) {
                writeln!(out, "{part}")?;
            }
            Ok(())
        }
        None => writeln!(out, "{line}"),
    }
}

/// How a column may be narrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Give {
    /// Never: the column is as wide as its widest value.
    Fixed,
    /// Down to `soft` before any column goes below its own soft width, then down to `hard`.
    Down {
        /// The width that still shows most of a value.
        soft: usize,
        /// The narrowest the column may be.
        hard: usize,
    },
}

/// One column to fit: the width its widest value (or header line) needs, and how it may give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// The widest value or header line.
    pub natural: usize,
    /// How it may be narrowed.
    pub give: Give,
    /// The narrowest its header allows (header words are never elided).
    pub header: usize,
}

impl Need {
    /// The width it may go down to in a pass that stops at soft widths (`soft`) or at hard ones.
    fn floor(self, soft: bool) -> usize {
        let floor = match self.give {
            Give::Fixed => self.natural,
            Give::Down { soft: s, .. } if soft => s,
            Give::Down { hard, .. } => hard,
        };
        floor.max(self.header).min(self.natural)
    }
}

/// How far a fitting may narrow columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Not at all: every value whole.
    Whole,
    /// Down to the soft widths.
    Soft,
    /// Down to the hard widths.
    Hard,
}

/// The widths of `columns` so that their sum is at most `available`, narrowing them as `pass`
/// allows: the columns listed in `order` first, each down to its soft width in turn, then (in a
/// hard pass) the widest of all, one column at a time, down to the hard widths. `None` when they
/// cannot fit.
pub fn widths(
    columns: &[Need],
    order: &[usize],
    available: usize,
    pass: Pass,
) -> Option<Vec<usize>> {
    let mut widths: Vec<usize> = columns.iter().map(|c| c.natural).collect();
    let mut excess = widths.iter().sum::<usize>().saturating_sub(available);
    if excess == 0 {
        return Some(widths);
    }
    if pass == Pass::Whole {
        return None;
    }
    for &i in order {
        let cut = excess.min(widths[i] - columns[i].floor(true));
        widths[i] -= cut;
        excess -= cut;
        if excess == 0 {
            return Some(widths);
        }
    }
    if pass == Pass::Soft {
        return None;
    }
    while excess > 0 {
        let widest = (0..columns.len())
            .filter(|&i| widths[i] > columns[i].floor(false))
            .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)))?;
        widths[widest] -= 1;
        excess -= 1;
    }
    Some(widths)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn elision_keeps_both_ends_and_marks_the_cut() {
        assert_eq!(elide("xmrig/xmrig:latest", 18), "xmrig/xmrig:latest");
        // 19 columns besides the mark: 7 (two fifths) from the start, 12 from the end.
        assert_eq!(
            elide("system:serviceaccount:kube-system:job-controller", 20),
            "system:…b-controller"
        );
        // 23 besides the mark: 9 from the start, 14 from the end.
        assert_eq!(
            elide("public.ecr.aws/aws-cli/aws-cli:2.15.30", 24),
            "public.ec…ws-cli:2.15.30"
        );
        assert_eq!(elide("abcdef", 1), "…");
        assert_eq!(elide("abcdef", 0), "");
        // Wide characters count twice: never more columns than asked for.
        // The mark and the last 15 columns.
        assert_eq!(
            elide_start("testdata/sample-audit.log:31", 16),
            "…le-audit.log:31"
        );
        assert_eq!(elide_start("a.log:1", 16), "a.log:1");
        let wide = elide("镜像镜像镜像镜像", 7);
        assert!(width(&wide) <= 7, "{wide}");
        assert!(wide.contains(ELLIPSIS));
    }

    const fn free(natural: usize, soft: usize, hard: usize) -> Need {
        Need {
            natural,
            give: Give::Down { soft, hard },
            header: 4,
        }
    }

    const fn fixed(natural: usize) -> Need {
        Need {
            natural,
            give: Give::Fixed,
            header: 4,
        }
    }

    #[test]
    fn columns_give_in_order_to_their_soft_widths_then_the_widest_first() {
        let columns = [
            fixed(10),
            free(40, 20, 12),
            free(30, 16, 12),
            free(20, 16, 12),
        ];
        // Everything fits.
        assert_eq!(
            widths(&columns, &[2, 1], 100, Pass::Whole),
            Some(vec![10, 40, 30, 20])
        );
        assert_eq!(widths(&columns, &[2, 1], 99, Pass::Whole), None);
        // Column 2 gives first, down to its soft width, then column 1.
        assert_eq!(
            widths(&columns, &[2, 1], 90, Pass::Soft),
            Some(vec![10, 40, 20, 20])
        );
        assert_eq!(
            widths(&columns, &[2, 1], 70, Pass::Soft),
            Some(vec![10, 24, 16, 20])
        );
        assert_eq!(widths(&columns, &[2, 1], 60, Pass::Soft), None);
        // Then the widest, one column at a time, down to the hard widths.
        // After the soft pass [10, 20, 16, 20] is 6 too wide: the two widest give in turn.
        assert_eq!(
            widths(&columns, &[2, 1], 60, Pass::Hard),
            Some(vec![10, 17, 16, 17])
        );
        assert_eq!(
            widths(&columns, &[2, 1], 46, Pass::Hard),
            Some(vec![10, 12, 12, 12])
        );
        assert_eq!(widths(&columns, &[2, 1], 45, Pass::Hard), None);
    }

    #[test]
    fn a_header_sets_a_floor() {
        let mut wide_header = free(30, 8, 8);
        wide_header.header = 17;
        assert_eq!(
            widths(&[wide_header], &[0], 10, Pass::Hard),
            None,
            "a header is not elided"
        );
        assert_eq!(widths(&[wide_header], &[0], 17, Pass::Soft), Some(vec![17]));
    }

    #[test]
    fn wrapped_prose_hangs_under_its_line_and_breaks_no_word() {
        let line = "  hint: 3 pod requests were logged without the pod spec; log pods at level \
                    Request or higher";
        assert_eq!(
            wrap(line, 40),
            [
                "  hint: 3 pod requests were logged",
                "      without the pod spec; log pods at",
                "      level Request or higher",
            ]
        );
        assert_eq!(wrap(line, 200), [line], "a line that fits is left alone");
        // A word wider than a line of its own is shortened in the middle; a hyphen is no place
        // to break.
        let path = "    testdata/some/very/deep/directory/of/rotated-audit-logs/kube-apiserver-audit.log:31";
        // Continuation lines hang at 8, so a word gets 32 columns: the mark, 12 (two fifths of
        // 31) from the start and 19 from the end.
        assert_eq!(
            wrap(&format!("{path} (not valid JSON)"), 40),
            [
                "    testdata/som…server-audit.log:31",
                "        (not valid JSON)"
            ]
        );
        assert_eq!(
            wrap(
                "falco-pod-scan: 3 findings (2 disallowed-image, 1 images-unknown)",
                30
            ),
            [
                "falco-pod-scan: 3 findings (2",
                "    disallowed-image, 1",
                "    images-unknown)",
            ]
        );
    }

    proptest! {
        #[test]
        fn wrapped_lines_fit_and_keep_every_word_in_order(
            indent in 0usize..9,
            words in prop::collection::vec("[a-z./:-]{1,12}|[a-z/]{30,90}|镜像{1,9}", 1..30),
            max in 16usize..200,
        ) {
            let line = format!("{}{}", " ".repeat(indent), words.join(" "));
            let lines = wrap(&line, max);
            for l in &lines {
                prop_assert!(width(l) <= max, "{} > {max}: {l:?}", width(l));
            }
            let shown: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
            prop_assert_eq!(shown.len(), words.len());
            for (shown, word) in shown.iter().zip(&words) {
                if shown != word {
                    let (head, tail) = shown.split_once(ELLIPSIS).expect("elided");
                    prop_assert!(word.starts_with(head) && word.ends_with(tail));
                }
            }
        }

        #[test]
        fn elided_text_fits_and_keeps_real_pieces(s in "\\PC{0,60}", max in 0usize..40) {
            let cut = elide(&s, max);
            prop_assert!(width(&cut) <= max);
            if width(&s) <= max {
                prop_assert_eq!(&cut, &s);
            } else if max > 0 {
                // The text itself may hold a `…`: some mark in the cut is the one put there.
                let real = cut.match_indices(ELLIPSIS).any(|(at, mark)| {
                    let (head, tail) = (&cut[..at], &cut[at + mark.len()..]);
                    s.starts_with(head)
                        && s.ends_with(tail)
                        && head.chars().count() + tail.chars().count() < s.chars().count()
                });
                prop_assert!(real, "{:?} is not a real head and tail of {:?}", cut, s);
            }
        }

        #[test]
        fn fitted_widths_fit_and_respect_every_floor(
            naturals in prop::collection::vec((1usize..80, 1usize..30, 1usize..30, any::<bool>()), 1..8),
            available in 0usize..300,
        ) {
            let columns: Vec<Need> = naturals
                .iter()
                .map(|&(natural, soft, hard, fixed)| Need {
                    natural,
                    give: if fixed { Give::Fixed } else { Give::Down { soft: soft.max(hard), hard: hard.min(soft) } },
                    header: 1,
                })
                .collect();
            let order: Vec<usize> = (0..columns.len()).collect();
            if let Some(w) = widths(&columns, &order, available, Pass::Hard) {
                prop_assert!(w.iter().sum::<usize>() <= available);
                for (w, c) in w.iter().zip(&columns) {
                    prop_assert!(*w <= c.natural && *w >= c.floor(false));
                }
            } else {
                let floors: usize = columns.iter().map(|c| c.floor(false)).sum();
                prop_assert!(floors > available);
            }
        }
    }
}
