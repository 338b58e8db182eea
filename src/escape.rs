//! Making text from logs and allowlists safe to show on a terminal.
//!
//! Pod names, images, user names and user agents come from whoever can send requests to the API
//! server, and allowlist patterns from whoever wrote the file. Printed raw, an ANSI or OSC escape
//! could rewrite the terminal (hide lines, fake output, set the clipboard), and a bidi override
//! (U+202E) could make `evil` read as `live`. [`escape`] shows every such character as a visible
//! `\u{…}` escape instead; it is the only function in the crate that does this, so a character
//! looks the same in every finding, summary and error message. JSON output needs none of this:
//! the serializer escapes control characters, and JSON consumers do not render bidi.
//!
//! This module depends on nothing else in the crate.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Is `c` a character that must not reach a terminal as is?
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'              // soft hyphen: invisible unless a line breaks there
            | '\u{061C}'              // Arabic letter mark
            | '\u{180E}'              // Mongolian vowel separator (zero width)
            | '\u{200B}'..='\u{200F}' // zero-width characters, LRM, RLM
            | '\u{2028}' | '\u{2029}' // line and paragraph separators
            | '\u{202A}'..='\u{202E}' // embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // isolates
            | '\u{206A}'..='\u{206F}' // deprecated shaping and digit controls
            | '\u{FEFF}'              // zero-width no-break space
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation marks
            | '\u{E0000}'..='\u{E007F}' // tag characters: invisible text
        )
}

/// `s` with every control, bidi and invisible formatting character written as `\u{hex}`.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls_and_bidi() {
        let cases = [
            ("nginx", "nginx"),
            ("a\u{1b}[31mred", "a\\u{1b}[31mred"),
            ("\u{1b}]52;c;ZXZpbA==\u{7}", "\\u{1b}]52;c;ZXZpbA==\\u{7}"),
            ("evil\u{202e}gnp.exe", "evil\\u{202e}gnp.exe"),
            ("line\nbreak\ttab\r", "line\\u{a}break\\u{9}tab\\u{d}"),
            ("c1\u{9b}x", "c1\\u{9b}x"),
            ("ünïcödé ok", "ünïcödé ok"),
            ("\u{2066}iso\u{2069}", "\\u{2066}iso\\u{2069}"),
            // Invisible characters that make two different names look the same.
            ("ng\u{ad}inx", "ng\\u{ad}inx"),
            ("a\u{180e}b", "a\\u{180e}b"),
            ("\u{206a}x\u{206f}", "\\u{206a}x\\u{206f}"),
            (
                "\u{fff9}a\u{fffa}b\u{fffb}",
                "\\u{fff9}a\\u{fffa}b\\u{fffb}",
            ),
            ("nginx\u{e0041}\u{e007f}", "nginx\\u{e0041}\\u{e007f}"),
            // Neighbours of those ranges are ordinary text.
            (
                "\u{ae}\u{2070}\u{fff8}\u{fffc}",
                "\u{ae}\u{2070}\u{fff8}\u{fffc}",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(escape(input), want, "{input:?}");
        }
    }
}
