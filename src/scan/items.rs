//! Where the items of a batch start inside a multi-line document (a pretty-printed JSON array,
//! `EventList`, AKS `records` or CloudWatch `logEvents`), so that each finding from it names the
//! line its own object starts on, not the document's first line.
//!
//! The parse that reads the events keeps no positions; this walks the document's structure once
//! more (strings and escapes skipped, no values built), only for documents that held a batch.

/// The keys whose array values hold a batch's items.
const BATCH_KEYS: [&[u8]; 4] = [b"items", b"records", b"logEvents", b"events"];

/// The byte offsets where the items of `doc`'s batch start: the elements of a top-level array,
/// or of the first top-level `items`, `records`, `logEvents` or `events` array of a top-level
/// object. Empty when `doc` is neither.
pub fn item_offsets(doc: &[u8]) -> Vec<usize> {
    let Some(start) = doc.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Vec::new();
    };
    match doc[start] {
        b'[' => elements(doc, start),
        b'{' => batch_in_object(doc, start).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The elements of the array opening at `open`.
fn elements(doc: &[u8], open: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = open + 1;
    loop {
        at = skip_blank(doc, at);
        match doc.get(at) {
            None | Some(b']') => return out,
            Some(b',') => at += 1,
            Some(_) => {
                out.push(at);
                match skip_value(doc, at) {
                    Some(end) => at = end,
                    None => return out,
                }
            }
        }
    }
}

/// The elements of the first batch array among the members of the object opening at `open`.
fn batch_in_object(doc: &[u8], open: usize) -> Option<Vec<usize>> {
    let mut at = open + 1;
    loop {
        at = skip_blank(doc, at);
        match doc.get(at)? {
            b',' => at += 1,
            b'"' => {
                let key_end = skip_string(doc, at)?;
                let key = &doc[at + 1..key_end - 1];
                at = skip_blank(doc, key_end);
                if doc.get(at) != Some(&b':') {
                    return None;
                }
                at = skip_blank(doc, at + 1);
                if BATCH_KEYS.contains(&key) && doc.get(at) == Some(&b'[') {
                    return Some(elements(doc, at));
                }
                at = skip_value(doc, at)?;
            }
            // The end of the object, or not JSON.
            _ => return None,
        }
    }
}

/// The first byte at or after `at` that is not JSON whitespace.
fn skip_blank(doc: &[u8], mut at: usize) -> usize {
    while doc.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// The end (exclusive) of the string starting at `at` (its opening quote).
fn skip_string(doc: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    while i < doc.len() {
        match doc[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The end (exclusive) of the value starting at `at`.
fn skip_value(doc: &[u8], at: usize) -> Option<usize> {
    match doc.get(at)? {
        b'"' => skip_string(doc, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            while i < doc.len() {
                match doc[i] {
                    b'"' => {
                        i = skip_string(doc, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let len = doc[at..]
                .iter()
                .position(|&b| matches!(b, b',' | b']' | b'}') || b.is_ascii_whitespace())
                .unwrap_or(doc.len() - at);
            Some(at + len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 0-based line of each item.
    fn lines(doc: &str) -> Vec<usize> {
        item_offsets(doc.as_bytes())
            .into_iter()
            .map(|at| doc[..at].matches('\n').count())
            .collect()
    }

    #[test]
    fn items_of_arrays_and_lists_are_found_on_their_lines() {
        let array = "[\n  {\"a\": \"]}\\\"\"},\n  {\n    \"b\": [1, {}]\n  },\n  7\n]\n";
        assert_eq!(lines(array), [1, 2, 5]);
        let list = "{\n  \"kind\": \"EventList\",\n  \"metadata\": {\"items\": 1},\n  \"items\": [\n    {\"kind\": \"Event\"},\n\n    {\"kind\": \"Event\"}\n  ]\n}\n";
        assert_eq!(lines(list), [4, 6]);
        let aks = "{\"records\": [\n{\"x\": 1},\n{\"x\": 2}]}";
        assert_eq!(lines(aks), [1, 2]);
        assert_eq!(
            lines("{\"kind\": \"Event\", \"verb\": \"create\"}"),
            Vec::<usize>::new()
        );
        assert_eq!(lines("  \"text\""), Vec::<usize>::new());
        assert_eq!(lines("[\n{\"cut\": "), [1]);
    }
}
