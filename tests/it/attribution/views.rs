//! The hand-worked attribution in the other views: CSV's flat columns read back into the shape
//! of an expected finding and compared the same way, and the table's USER cell, which shows the
//! initiator and `via` the top of the chain, the claim of a forged owner, or where an unresolved
//! chain broke (docs/output.md, the table).

use serde_json::{Map, Value, json};

use super::{Case, assert_findings, cases, every_log};
use crate::util::{ALLOW, code, run, stderr, stdout};

/// Runs a case with `extra` options; it must find something.
fn output(case: &Case, extra: &[&str]) -> String {
    let out = run(&case.args_with(extra));
    assert_eq!(code(&out), 1, "{}: {}", case.name, stderr(&out));
    stdout(&out)
}

/// A CSV field as JSON: an empty field is `null`.
fn text_or_null(field: &str) -> Value {
    if field.is_empty() {
        Value::Null
    } else {
        Value::String(field.to_owned())
    }
}

/// A number field as JSON.
fn number(field: &str) -> Value {
    json!(field.parse::<u64>().expect("a number"))
}

/// An `attribution_chain` field split into its elements: `>` separates them unless a backslash
/// escapes it, and `\\` is a backslash.
fn chain(field: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut element = String::new();
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => element.extend(chars.next()),
            '>' => out.push(std::mem::take(&mut element).trim().to_owned()),
            c => element.push(c),
        }
    }
    if !field.is_empty() {
        out.push(element.trim().to_owned());
    }
    out
}

/// The CSV output read back into findings shaped like the expected ones.
fn from_csv(text: &str) -> Vec<Value> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("a header").clone();
    reader
        .records()
        .map(|row| {
            let row = row.expect("a record");
            let field = |name: &str| {
                let i = header.iter().position(|h| h == name);
                &row[i.unwrap_or_else(|| panic!("no column {name}"))]
            };
            let images: Vec<&str> = field("disallowed_images").split_whitespace().collect();
            let initiator = if field("initiator_line").is_empty() {
                Value::Null
            } else {
                let mut i = Map::new();
                for key in [
                    "user",
                    "impersonated_user",
                    "verb",
                    "time",
                    "audit_id",
                    "file",
                ] {
                    i.insert(
                        key.to_owned(),
                        text_or_null(field(&format!("initiator_{key}"))),
                    );
                }
                i.insert("line".to_owned(), number(field("initiator_line")));
                Value::Object(i)
            };
            json!({
                "file": field("file"),
                "line": number(field("line")),
                "action": field("action"),
                "kind": field("kind"),
                "name": text_or_null(field("name")),
                "pod": text_or_null(field("pod")),
                "user": text_or_null(field("user")),
                "disallowed_images": images,
                "attribution": {
                    "how": field("attribution_how"),
                    "chain": chain(field("attribution_chain")),
                    "initiator": initiator,
                    "note": text_or_null(field("attribution_note")),
                },
            })
        })
        .collect()
}

#[test]
fn csv_columns_read_back_give_the_expected_attribution() {
    for case in cases() {
        let text = output(&case, &["--format", "csv", "--quiet"]);
        assert_findings(
            &format!("{} (csv)", case.name),
            &from_csv(&text),
            &case.findings,
        );
    }
    let mut args: Vec<String> = every_log();
    args.extend(["--allow", ALLOW, "--format", "csv", "--quiet"].map(str::to_owned));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let all = from_csv(&stdout(&run(&args)));
    let mut want: Vec<Value> = cases()
        .into_iter()
        .filter(|c| !c.judges_workloads())
        .flat_map(|c| c.findings)
        .collect();
    let logs = every_log();
    let order = |f: &Value| {
        let file = f["file"].as_str().expect("file");
        (logs.iter().position(|l| l == file), f["line"].as_u64())
    };
    want.sort_by_key(order);
    assert_findings("every log at once (csv)", &all, &want);
}

/// One table row: its SOURCE, POD and the lines of its USER cell.
#[derive(Debug)]
struct Row {
    source: String,
    pod: String,
    user: Vec<String>,
}

/// The table's rows: a row starts at a line with a SOURCE; the lines after it, up to the next,
/// continue its cells.
fn rows(table: &str) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for line in table.lines().filter(|l| l.starts_with('│')) {
        let cells: Vec<&str> = line.split(['│', '┆']).map(str::trim).collect();
        // An empty string before the first border, then TIME … SOURCE, then one after the last.
        assert_eq!(cells.len(), 9, "{line}");
        let (pod, user, source) = (cells[3], cells[4], cells[7]);
        if source == "SOURCE" {
            continue;
        }
        if source.is_empty() {
            let row = rows.last_mut().expect("a row before its continuation");
            row.user.extend((!user.is_empty()).then(|| user.to_owned()));
        } else {
            rows.push(Row {
                source: source.to_owned(),
                pod: pod.to_owned(),
                user: vec![user.to_owned()],
            });
        }
    }
    rows
}

/// Checks a table row against an expected finding, by the table's rules: an `owner-chain`
/// finding shows its initiator and `via` the chain's top; an `unresolved` one its requester and
/// `unresolved at` the object where the chain broke, its last; a `direct` one its requester, and
/// beneath it the gist of its note (a beginning of it), if any. A name that impersonated another
/// shows `(as …)` beneath it. (The requester of an unresolved finding, a controller, impersonates
/// no one in these logs.)
fn assert_row(what: &str, row: &Row, want: &Value) {
    let at = format!("{what}, {}", row.source);
    let text = |v: &Value| v.as_str().unwrap_or_else(|| panic!("{at}: {v}")).to_owned();
    let pod = match want["kind"].as_str() {
        Some("Pod") => text(&want["pod"]),
        _ => format!("{}/{}", text(&want["kind"]), text(&want["name"])),
    };
    assert_eq!(row.pod, pod, "{at}: POD");
    let a = &want["attribution"];
    let chain: Vec<String> = serde_json::from_value(a["chain"].clone()).expect("a chain");
    let initiator = &a["initiator"];
    let as_line = |i: &Value| i["impersonated_user"].as_str().map(|u| format!("(as {u})"));
    let mut lines: Vec<String> = Vec::new();
    match a["how"].as_str().expect("how") {
        "owner-chain" => {
            lines.push(text(&initiator["user"]));
            lines.extend(as_line(initiator));
            lines.push(format!("via {}", chain.last().expect("a top")));
        }
        "unresolved" => {
            lines.push(text(&want["user"]));
            lines.push(format!("unresolved at {}", chain.last().expect("an owner")));
        }
        _ => {
            lines.push(text(&want["user"]));
            lines.extend(as_line(initiator));
            if let Some(note) = a["note"].as_str() {
                let gist = row.user.last().expect("a line");
                assert!(
                    !gist.is_empty() && note.starts_with(gist.as_str()),
                    "{at}: {gist:?} is not the gist of {note:?}"
                );
                lines.push(gist.clone());
            }
        }
    }
    assert_eq!(row.user, lines, "{at}: USER");
}

/// Checks a table against expected findings, in order.
fn assert_table(what: &str, table: &str, want: &[Value]) {
    let rows = rows(table);
    let sources: Vec<String> = want
        .iter()
        .map(|f| format!("{}:{}", f["file"].as_str().expect("file"), f["line"]))
        .collect();
    let got: Vec<&str> = rows.iter().map(|r| r.source.as_str()).collect();
    assert_eq!(got, sources, "{what}: rows");
    for (row, want) in rows.iter().zip(want) {
        assert_row(what, row, want);
    }
}

#[test]
fn the_table_shows_the_expected_initiator_and_how_it_was_found() {
    for case in cases() {
        let table = output(&case, &["--format", "table", "--quiet"]);
        assert_table(&case.name, &table, &case.findings);
    }
}

#[test]
fn chain_fields_split_at_unescaped_separators() {
    assert_eq!(chain(""), Vec::<String>::new());
    assert_eq!(
        chain("ReplicaSet/a > Deployment/b"),
        ["ReplicaSet/a", "Deployment/b"]
    );
    assert_eq!(
        chain(r"ReplicaSet/a\>b\\ > Deployment/c"),
        [r"ReplicaSet/a>b\", "Deployment/c"]
    );
}
