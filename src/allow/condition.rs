//! The condition of Falco's `allowed_k8s_containers` macro, read the way Falco reads it, for
//! Falco rules files used as allowlists.
//!
//! Falco does not parse list names: before parsing a condition it *substitutes* every list into
//! the text ([`expand_list`], a port of `resolve_list` in Falco's rule compiler): a
//! list's name, standing between blanks, `(`, `)`, `,`, `=` or the ends of the text, is replaced
//! by its items joined with `", "`, an item holding a space being wrapped in `"…"`. The result is
//! parsed by libsinsp's filter grammar; [`parse`] implements the one shape this tool
//! understands, with that grammar's tokens:
//!
//! ```text
//! ( "(" )* ka.req.pod.containers.image.repository in ( VALUE ( "," VALUE )* )? ")" ( ")" )*
//! ```
//!
//! where blanks (space, tab, `\b`, `\r`, `\n`) may stand between tokens and a VALUE is a bare
//! string (no blank, parenthesis, quote, `=` or `,`) or a `"…"` / `'…'` string with libsinsp's
//! escapes (`\\`, `\"` or `\'` matching the quote, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, and `\ `
//! which Falco reads as a backslash). Anything else — `or`, `and`, `not`, another field, another
//! operator, a macro name — is refused: this tool cannot evaluate it, and guessing would change
//! which pods are allowed.

/// The one field this tool understands in the macro.
pub const FIELD: &str = "ka.req.pod.containers.image.repository";

/// The characters around a list name that make it a name (Falco's `blanks + "(),="`).
const DELIMS: &[u8] = b" \t\n\r(),=";
/// The blanks Falco swallows around a substituted list name.
const BLANKS: &[u8] = b" \t\n\r";

/// Why a condition is not understood, and where (a byte offset into the parsed text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CondError {
    /// Byte offset of the problem in the condition as parsed (lists expanded).
    pub at: usize,
    /// What was expected or found.
    pub message: String,
}

/// Falco's `quote_item`: an item with a space, not already quoted, is wrapped in `"`.
fn quote_item(item: &str) -> String {
    if item.contains(' ') && !item.starts_with(['"', '\'']) {
        format!("\"{item}\"")
    } else {
        item.to_owned()
    }
}

/// The byte offset of `needle` in `hay` at or after `from`.
fn find_from(hay: &str, needle: &str, from: usize) -> Option<usize> {
    let rest = hay.as_bytes().get(from..)?;
    memchr::memmem::find(rest, needle.as_bytes()).map(|i| from + i)
}

/// Substitutes list `name` (with `items`) into `cond` wherever it stands as a name; returns
/// whether it did. A port of Falco's `resolve_list`, quirks included (it also rewrites inside
/// quoted strings, as Falco does).
pub fn expand_list(cond: &mut String, name: &str, items: &[String]) -> bool {
    if name.is_empty() {
        return false;
    }
    let mut used = false;
    let mut found = find_from(cond, name, 0);
    while let Some(mut start) = found {
        let bytes = cond.as_bytes();
        let mut end = start + name.len();
        let delimited = (start == 0 || DELIMS.contains(&bytes[start - 1]))
            && (end >= bytes.len() || DELIMS.contains(&bytes[end]));
        if delimited {
            while start > 0 && BLANKS.contains(&bytes[start - 1]) {
                start -= 1;
            }
            while end < bytes.len() && BLANKS.contains(&bytes[end]) {
                end += 1;
            }
            let sub = items
                .iter()
                .map(|item| quote_item(item))
                .collect::<Vec<_>>()
                .join(", ");
            if sub.is_empty() {
                if start > 0 && bytes[start - 1] == b',' {
                    start -= 1;
                } else if end < bytes.len() && bytes[end] == b',' {
                    end += 1;
                }
            }
            let mut expanded = String::with_capacity(cond.len() + sub.len() + 2);
            if start > 0 {
                expanded.push_str(&cond[..start]);
                expanded.push(' ');
            }
            expanded.push_str(&sub);
            expanded.push(' ');
            expanded.push_str(&cond[end..]);
            *cond = expanded;
            start += sub.len() + 1;
            used = true;
        }
        found = find_from(cond, name, start + 1);
    }
    used
}

/// A cursor over a condition.
struct Parser<'a> {
    /// The condition.
    text: &'a str,
    /// The next byte to read.
    at: usize,
}

impl Parser<'_> {
    /// The bytes from the cursor on.
    fn rest(&self) -> &[u8] {
        &self.text.as_bytes()[self.at..]
    }

    /// An error at the cursor.
    fn error(&self, message: impl Into<String>) -> CondError {
        CondError {
            at: self.at,
            message: message.into(),
        }
    }

    /// Skips libsinsp's blanks (` `, `\t`, `\b`, `\r`, `\n`).
    fn blank(&mut self) {
        while matches!(
            self.rest().first(),
            Some(b' ' | b'\t' | b'\x08' | b'\r' | b'\n')
        ) {
            self.at += 1;
        }
    }

    /// Consumes `token` if the text continues with it.
    fn token(&mut self, token: &str) -> bool {
        let found = self.rest().starts_with(token.as_bytes());
        if found {
            self.at += token.len();
        }
        found
    }

    /// A field name: `[a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+`.
    fn field_name(&mut self) -> Option<&str> {
        let start = self.at;
        let mut parts = 0;
        loop {
            let rest = self.rest();
            let letters = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            if letters == 0 {
                break;
            }
            let word = rest
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
            self.at += word;
            parts += 1;
            if self.rest().first() == Some(&b'.')
                && self.rest().get(1).is_some_and(u8::is_ascii_alphabetic)
            {
                self.at += 1;
            } else {
                break;
            }
        }
        if parts >= 2 {
            Some(&self.text[start..self.at])
        } else {
            self.at = start;
            None
        }
    }

    /// A list value: a quoted string (unescaped) or a bare string; `None` when neither starts
    /// here.
    fn value(&mut self) -> Result<Option<String>, CondError> {
        if let Some(&quote @ (b'"' | b'\'')) = self.rest().first() {
            return self.quoted(quote).map(Some);
        }
        let len = self
            .rest()
            .iter()
            .take_while(|b| !b"()\"' \t\n\x0b\x0c\r=,".contains(b))
            .count();
        if len == 0 {
            return Ok(None);
        }
        let value = self.text[self.at..self.at + len].to_owned();
        self.at += len;
        Ok(Some(value))
    }

    /// A quoted string, ended by the first `quote` not preceded by a backslash (libsinsp's
    /// `lex_quoted_str`), then unescaped (`unescape_str`).
    fn quoted(&mut self, quote: u8) -> Result<String, CondError> {
        let start = self.at;
        let bytes = self.rest();
        let mut prev = b'\\';
        let mut end = None;
        for (i, &b) in bytes.iter().enumerate() {
            if b == quote && prev != b'\\' {
                end = Some(i);
                break;
            }
            prev = b;
        }
        let Some(end) = end else {
            return Err(self.error("a quoted string is not closed"));
        };
        let inner = &self.text[start + 1..start + end];
        self.at = start + end + 1;
        unescape(inner, quote).map_err(|message| CondError { at: start, message })
    }
}

/// libsinsp's `unescape_str` on the inside of a string quoted with `quote`.
fn unescape(inner: &str, quote: u8) -> Result<String, String> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(escaped) = chars.next() else {
            break;
        };
        match escaped {
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            ' ' | '\\' => out.push('\\'),
            '/' => out.push('/'),
            '"' | '\'' if escaped == char::from(quote) => out.push(escaped),
            other => return Err(format!("unsupported escape `\\{other}` in a quoted string")),
        }
    }
    Ok(out)
}

/// What the values of an understood condition are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compared {
    /// Image repositories (`….image.repository`): any tag or digest of them.
    Repository,
    /// Whole images as written (`….image`): exactly that image.
    Image,
}

/// An understood condition: what its values are, and the values, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// What the values name.
    pub compared: Compared,
    /// The values.
    pub values: Vec<String>,
}

/// The fields understood, and what their values name. Falco's engine-v4 tests write the
/// `ka.req.container.*` forms (the pod's first container, in Falco).
const FIELDS: [(&str, Compared); 4] = [
    (FIELD, Compared::Repository),
    ("ka.req.container.image.repository", Compared::Repository),
    ("ka.req.pod.containers.image", Compared::Image),
    ("ka.req.container.image", Compared::Image),
];

/// The values of a condition of the understood shape (lists already expanded), in order.
pub fn parse(cond: &str) -> Result<Condition, CondError> {
    let mut p = Parser { text: cond, at: 0 };
    let mut depth = 0;
    loop {
        p.blank();
        if !p.token("(") {
            break;
        }
        depth += 1;
    }
    let field_start = p.at;
    let Some(field) = p.field_name() else {
        return Err(p.error(format!("expected the field `{FIELD}`")));
    };
    let Some(&(_, compared)) = FIELDS.iter().find(|(name, _)| *name == field) else {
        return Err(CondError {
            at: field_start,
            message: format!(
                "the field `{field}` is not understood, only `{FIELD}` (and \
                 `ka.req.container.image.repository`, `ka.req.container.image`, \
                 `ka.req.pod.containers.image`)"
            ),
        });
    };
    if p.rest().first() == Some(&b'[') {
        return Err(p.error("a field argument (`[…]`) is not understood"));
    }
    p.blank();
    let mut values = Vec::new();
    if p.rest().starts_with(b"=") && !p.rest().starts_with(b"==") {
        p.token("=");
        p.blank();
        match p.value()? {
            Some(value) => values.push(value),
            None => return Err(p.error("expected a value after `=`")),
        }
    } else {
        if p.rest().starts_with(b"intersects") || !p.token("in") {
            return Err(p.error("expected the operator `in` or `=`"));
        }
        p.blank();
        if !p.token("(") {
            return Err(p.error("expected `(` and the allowed repositories after `in`"));
        }
        p.blank();
        if let Some(first) = p.value()? {
            values.push(first);
            p.blank();
            while p.token(",") {
                p.blank();
                match p.value()? {
                    Some(value) => values.push(value),
                    None => return Err(p.error("expected a repository after `,`")),
                }
                p.blank();
            }
        }
        if !p.token(")") {
            return Err(p.error("expected `,` or `)` in the list of repositories"));
        }
    }
    for _ in 0..depth {
        p.blank();
        if !p.token(")") {
            return Err(p.error("expected `)`: only a single `… in (…)` check is understood"));
        }
    }
    p.blank();
    if p.at != cond.len() {
        return Err(p.error("unexpected text: only a single `… in (…)` check is understood"));
    }
    Ok(Condition { compared, values })
}

#[cfg(test)]
mod tests;
