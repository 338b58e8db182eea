//! Tests of [`super::for_each_event`]: the shapes a line can take, and damaged lines.

use super::*;
use crate::testing::pod_create;

/// The (verb, user) of every event in `json`, and what else was seen.
fn events(json: &str) -> Result<(Vec<String>, usize, usize), LineError> {
    let mut out = Vec::new();
    let seen = for_each_event(json.as_bytes(), &mut |ev| {
        let user = ev.user.get().and_then(|u| u.username.get()).unwrap_or("-");
        out.push(format!("{}:{user}", ev.verb.get().unwrap_or("-")));
    })?;
    Ok((out, seen.truncated, seen.failed.len()))
}

const EV: &str =
    r#"{"kind":"Event","verb":"create","user":{"username":"u"},"objectRef":{"resource":"pods"}}"#;

fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

#[test]
fn eks_shapes() {
    let prefixed = format!("2026-03-01T10:00:00.000Z {EV}");
    assert_eq!(events(&prefixed), Ok((vec!["create:u".into()], 0, 0)));
    let cloudwatch = format!(
        r#"{{"messageType":"DATA_MESSAGE","logGroup":"/aws/eks/c/cluster","logEvents":[{{"id":"1","timestamp":1,"message":{}}},{{"id":"2","message":{}}}]}}"#,
        quoted(EV),
        quoted(r#"{"kind":"Event","verb":"create","requestObject":{"spec":{"cont[Truncated...]"#)
    );
    assert_eq!(events(&cloudwatch), Ok((vec!["create:u".into()], 1, 0)));
    let events_key = format!(r#"{{"events":[{{"message":{}}}]}}"#, quoted(EV));
    assert_eq!(events(&events_key), Ok((vec!["create:u".into()], 0, 0)));
}

#[test]
fn aks_shapes() {
    let record = |log: &str, category: &str| {
        format!(r#"{{"category":"{category}","operationName":"x","properties":{{"log":{log}}}}}"#)
    };
    let as_string = record(&quoted(EV), "kube-audit");
    assert_eq!(events(&as_string), Ok((vec!["create:u".into()], 0, 0)));
    let as_object = record(EV, "kube-audit-admin");
    assert_eq!(events(&as_object), Ok((vec!["create:u".into()], 0, 0)));
    let other = record(
        &quoted("I0301 10:00:00 apiserver started"),
        "kube-apiserver",
    );
    assert_eq!(events(&other), Ok((vec![], 0, 0)));
    let batch = format!(
        r#"{{"records":[{as_string},{other},{}]}}"#,
        record(&quoted("not json"), "kube-audit")
    );
    assert_eq!(events(&batch), Ok((vec!["create:u".into()], 0, 1)));
}

#[test]
fn gke_entries_map_onto_events() {
    let entry = r#"{"insertId":"i1","operation":{"id":"op-1","first":true,"last":true},"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"dev@example.com"},"methodName":"io.k8s.core.v1.pods.create","resourceName":"core/v1/namespaces/ns1/pods/web-1","requestMetadata":{"callerIp":"10.0.0.5","callerSuppliedUserAgent":"kubectl/v1.29"},"request":{"kind":"Pod","spec":{"containers":[{"name":"a","image":"evil"}]}},"status":{"code":7}},"timestamp":"2026-03-01T10:00:00Z"}"#;
    let mut seen = Vec::new();
    for_each_event(entry.as_bytes(), &mut |ev| {
        let object = ev.object_ref.get().expect("objectRef");
        seen.push((
            ev.verb.get().map(str::to_owned),
            ev.audit_id.get().map(str::to_owned),
            object.namespace.get().map(str::to_owned),
            object.name.get().map(str::to_owned),
            object.resource.get().map(str::to_owned),
            ev.grpc_code,
            ev.timestamp.get().map(str::to_owned),
        ));
    })
    .expect("a GKE entry");
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        seen,
        [(
            s("create"),
            s("op-1"),
            s("ns1"),
            s("web-1"),
            s("pods"),
            Some(7),
            s("2026-03-01T10:00:00Z")
        )]
    );
    // Another API group is not read: nothing this tool judges or follows lives there.
    let other_group = entry.replace("io.k8s.core.v1.pods.create", "io.k8s.rbac.v1.roles.create");
    assert_eq!(events(&other_group), Err(LineError::NotAnEvent));
}

/// Every event's user and images, with the failures and repairs the line reported.
#[derive(Debug, Default)]
struct Read {
    /// `user:image,image` per event.
    events: Vec<String>,
    /// Messages of the unreadable parts.
    failed: Vec<String>,
    /// Notes on repaired damage.
    repaired: Vec<String>,
}

fn read(bytes: &[u8]) -> Result<Read, LineError> {
    let mut out = Read::default();
    let seen = for_each_event(bytes, &mut |ev| {
        let user = ev.user.get().and_then(|u| u.username.get()).unwrap_or("-");
        let images: Vec<&str> = ev
            .request_object
            .object()
            .and_then(|o| o.spec.get())
            .and_then(|s| s.containers.get())
            .unwrap_or(&[])
            .iter()
            .map(|c| c.get().and_then(|c| c.image.get()).unwrap_or("?"))
            .collect();
        out.events.push(format!("{user}:{}", images.join(",")));
    })?;
    out.failed = seen.failed.iter().map(ToString::to_string).collect();
    out.repaired = seen.repaired;
    Ok(out)
}

/// A pod create by `user` with one container running `image` (both JSON string contents).
fn create_by(user: &str, image: &str) -> String {
    (pod_create().api_server().user(user).namespace("d"))
        .image(image)
        .line()
}

#[test]
fn lone_surrogates_are_read_as_go_reads_them() {
    // A client's patch body is logged verbatim; Go decodes `\ud800` to U+FFFD, serde_json
    // refuses it. The event must not be lost.
    for (user, want) in [
        (r"eve\ud800", "eve\u{fffd}"),
        (r"eve\udfff", "eve\u{fffd}"),
        (r"eve\ud800\u0041", "eve\u{fffd}A"),
        (r"eve\ud83d\ude00", "eve\u{1f600}"),
    ] {
        let got = read(create_by(user, "evil").as_bytes()).expect("read");
        assert_eq!(got.events, [format!("{want}:evil")], "{user}");
        assert!(got.failed.is_empty() && got.repaired.is_empty(), "{got:?}");
    }
    let got = read(create_by("u", r"evil\udc00").as_bytes()).expect("read");
    assert_eq!(got.events, ["u:evil\u{fffd}"]);
}

#[test]
fn nesting_deeper_than_serde_allows_does_not_hide_an_event() {
    // A JSON patch (logged verbatim) whose second op carries a value nested 5000 levels deep.
    let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    let line = format!(
        r#"{{"kind":"Event","verb":"patch","user":{{"username":"u"}},"objectRef":{{"resource":"pods"}},"requestObject":[{{"op":"replace","path":"/spec/containers/0/image","value":"evil"}},{{"op":"add","path":"/metadata/annotations/x","value":{deep}}}]}}"#
    );
    let mut patches = 0;
    let seen = for_each_event(line.as_bytes(), &mut |ev| {
        if let crate::event::Body::Patch(ops) = &ev.request_object {
            patches += ops.len();
        }
    })
    .expect("read");
    assert_eq!((seen.events, patches), (1, 2));
    // Deep nesting as the whole line is still only garbage, and costs no stack.
    let line = "[".repeat(1_000_000);
    assert!(matches!(read(line.as_bytes()), Err(LineError::Json(_))));
}

#[test]
fn raw_control_characters_in_strings_are_escaped_and_reported() {
    let line = create_by("eve\r\u{1b}[2J", "evil\ttab");
    let got = read(line.as_bytes()).expect("read");
    assert_eq!(got.events, ["eve\r\u{1b}[2J:evil\ttab"]);
    assert_eq!(
        got.repaired,
        ["3 raw control characters inside strings (not valid JSON) were read as escapes"]
    );
}

#[test]
fn an_event_appended_to_a_cut_one_is_read() {
    // The writer died mid-line; after the restart the next event went onto the same line.
    let whole = create_by("first", "nginx");
    let cut = &whole[..whole.find("\"requestObject").expect("has body") + 20];
    let line = format!("{cut}{}", create_by("second", "evil"));
    let got = read(line.as_bytes()).expect("read");
    assert_eq!(got.events, ["second:evil"]);
    assert_eq!(
        got.failed,
        [format!(
            "bytes 1-{} of the line: not valid JSON: expected `:`; 1 event elsewhere on the line was read",
            cut.len()
        )]
    );
    // The same through a hole of NUL bytes, as a crash leaves.
    let line = format!(
        "{cut}{}{}\n",
        "\0".repeat(4096),
        create_by("second", "evil")
    );
    let got = read(line.as_bytes()).expect("read");
    assert_eq!(got.events, ["second:evil"]);
    assert_eq!(got.failed.len(), 1, "{got:?}");
    assert!(
        got.failed[0].starts_with(&format!(
            "bytes 1-{} of the line: not valid JSON: control character",
            cut.len()
        )),
        "{got:?}"
    );
    assert!(
        got.failed[0].ends_with("1 event elsewhere on the line was read (4096 NUL bytes on the line: a hole left by a crash?)"),
        "{got:?}"
    );
    assert!(got.repaired.is_empty(), "something was lost: {got:?}");
}

#[test]
fn events_joined_on_one_line_are_all_read() {
    let line = format!(
        "{}\r{}{}",
        create_by("a", "nginx"),
        create_by("b", "evil"),
        create_by("c", "x")
    );
    let got = read(line.as_bytes()).expect("read");
    assert_eq!(got.events, ["a:nginx", "b:evil", "c:x"]);
    assert!(got.failed.is_empty());
    assert_eq!(
        got.repaired,
        ["3 JSON values on one line (a lost newline, or a lone `\\r` between them); all were read"]
    );
    // A good event followed by garbage keeps the event and reports the garbage.
    let line = format!("{} trailing garbage", create_by("a", "evil"));
    let got = read(line.as_bytes()).expect("read");
    assert_eq!(got.events, ["a:evil"]);
    assert_eq!(got.failed.len(), 1);
    // Leading NULs before an event.
    let line = format!("\0\0\0{}", create_by("a", "evil"));
    let got = read(line.as_bytes()).expect("read");
    assert_eq!(got.events, ["a:evil"]);
    assert_eq!(
        got.repaired,
        ["3 NUL bytes (a hole left by a crash?) around 1 event, which was read"]
    );
}

#[test]
fn lines_that_hold_no_event_keep_their_plain_errors() {
    for (line, want) in [
        (
            &b"\0\0\0\0"[..],
            "4 NUL bytes and nothing else: a hole left in the file by a crash, or by a truncation while it was being read",
        ),
        (
            b"{\"kind\":\"Event\",\"verb\":\"cr",
            "not valid JSON: EOF while parsing a string, at column 26 (the line ends early: cut short?)",
        ),
        (
            b"{\"a\":1} x",
            "not valid JSON: trailing characters, at column 9",
        ),
        (
            b"\x7fELF\x02\x01\x01\0\0\0",
            "not valid JSON: expected value, at column 1",
        ),
        (b"\r", "not a JSON object"),
    ] {
        let got = read(line).map(|r| r.events).map_err(|e| e.to_string());
        assert_eq!(
            got,
            Err(want.to_owned()),
            "{}",
            String::from_utf8_lossy(line)
        );
    }
}

/// Any JSON value, up to a small size.
fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        prop_oneof![
            Just("pods"),
            Just("create"),
            Just("Event"),
            Just("kind"),
            Just("image"),
            Just("containers"),
            Just("spec")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        let keys = prop_oneof![
            any::<String>(),
            "(kind|verb|objectRef|resource|subresource|requestObject|spec|containers|initContainers|image|items|records|properties|log|logEvents|message|protoPayload|request|op|path|value|user|username|auditID|stage)"
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((keys, inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

    /// No bytes make the parser panic; whatever it says is an event or an error.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
        let _ = for_each_event(&bytes, &mut |_| {});
    }

    /// Nor does any JSON value, whole, cut anywhere, joined, or sprinkled with NULs and `\r`.
    #[test]
    fn arbitrary_json_never_panics(
        value in json_value(),
        cut in proptest::prelude::any::<proptest::sample::Index>(),
        noise in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::prop_oneof![proptest::prelude::Just(0u8), proptest::prelude::Just(b'\r'), proptest::prelude::Just(0xff), proptest::prelude::Just(b'"'), proptest::prelude::Just(b'\\')]), 0..4),
    ) {
        let text = value.to_string();
        let mut calls = 0;
        let whole = for_each_event(text.as_bytes(), &mut |_| calls += 1);
        if let Ok(seen) = &whole {
            proptest::prop_assert_eq!(seen.events, calls);
        }
        let bytes = text.as_bytes();
        let _ = for_each_event(&bytes[..cut.index(bytes.len() + 1)], &mut |_| {});
        let mut noisy = bytes.to_vec();
        for (at, b) in noise {
            noisy.insert(at.index(noisy.len() + 1), b);
        }
        let _ = for_each_event(&noisy, &mut |_| {});
        let event = create_by("u", "nginx");
        let wrapped = format!(r#"{{"kind":"Event","verb":"create","objectRef":{{"resource":"pods"}},"requestObject":{text},"x":{text}}}"#);
        for line in [wrapped.clone(), format!("{event}{text}{event}"), format!("{text}\0{event}")] {
            let mut n = 0;
            let seen = for_each_event(line.as_bytes(), &mut |_| n += 1);
            proptest::prop_assert!(seen.is_ok(), "{line}: {seen:?}");
            proptest::prop_assert!(n >= 1, "{line}");
        }
    }
}

/// Everything [`for_each_event`] (or its serde_json-only twin) says about `bytes`: each event as
/// read, in order, then what was seen or the error.
fn outcome(bytes: &[u8], parse: fn(&[u8], &mut Callback<'_>) -> Result<Seen, LineError>) -> String {
    let mut events = Vec::new();
    let result = parse(bytes, &mut |ev| events.push(format!("{ev:?}")));
    format!("{events:#?}\n{result:?}")
}

/// [`outcome`] of both parsers, on a thread with room for the deepest nesting either allows in
/// a debug build.
fn both(bytes: &[u8]) -> (String, String) {
    let bytes = bytes.to_vec();
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            (
                outcome(&bytes, for_each_event),
                outcome(&bytes, for_each_event_serde_json),
            )
        })
        .expect("a thread")
        .join()
        .expect("no panic")
}

/// A piece of JSON text for a value's place, valid or not: values of every type, strings with
/// every kind of escape (surrogate pairs, lone surrogates, short or bad escapes, raw control
/// characters, multi-byte characters), numbers of every shape (out of range, leading zeros,
/// cut exponents), nesting around serde_json's depth limit, misspelt literals.
fn fragment() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let piece = prop_oneof![
        "[a-z:/._@-]{0,8}",
        Just(r"\u00e9".to_owned()),
        Just(r"\ud83d\ude00".to_owned()),
        Just(r"\ud800".to_owned()),
        Just(r"\udc00x".to_owned()),
        Just(r"\ud800\u0041".to_owned()),
        Just(r"\u12".to_owned()),
        Just(r"\U0041".to_owned()),
        Just(r"\x41".to_owned()),
        Just(r#"\/\b\f\n\r\t\\\""#.to_owned()),
        Just("\u{1}".to_owned()),
        Just("\t".to_owned()),
        Just("\u{7f}".to_owned()),
        Just("é€😀".to_owned()),
        Just("\u{2028}".to_owned()),
    ];
    let string = proptest::collection::vec(piece, 0..4).prop_map(|p| format!("\"{}\"", p.concat()));
    let number = prop_oneof![
        "-?(0|[1-9][0-9]{0,22}|0[0-9]{1,3})(\\.[0-9]{0,20})?([eE][+-]?[0-9]{0,4})?",
        Just("1e400".to_owned()),
        Just("-1e400".to_owned()),
        Just("1e-400".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("-9223372036854775808".to_owned()),
        Just("-9223372036854775809".to_owned()),
        Just("-0".to_owned()),
        Just("-0.0e-0".to_owned()),
        Just(".5".to_owned()),
        Just("+1".to_owned()),
        Just("1.".to_owned()),
        Just("0x1f".to_owned()),
        Just("NaN".to_owned()),
        Just("Infinity".to_owned()),
    ];
    let literal = prop_oneof![
        Just("true"),
        Just("false"),
        Just("null"),
        Just("tru"),
        Just("nul"),
        Just("True"),
        Just("nulll"),
    ]
    .prop_map(str::to_owned);
    let nested = (
        0usize..4,
        prop_oneof![110usize..140, 0usize..4],
        prop_oneof![Just(0usize), 0usize..3],
    )
        .prop_map(|(shape, depth, missing)| {
            let (open, close) = match shape {
                0 => ("[", "]"),
                1 => (r#"{"a":"#, "}"),
                2 => (r#"[{"a":"#, "}]"),
                _ => (r#"{"containers":["#, "]}"),
            };
            format!(
                "{}1{}",
                open.repeat(depth),
                close.repeat(depth.saturating_sub(missing))
            )
        });
    let value = json_value().prop_map(|v| v.to_string());
    let leaf = prop_oneof![string, number, literal, nested, value];
    leaf.prop_recursive(3, 24, 4, |inner| {
        let key = prop_oneof![
            "\"[a-z]{0,3}\"",
            Just(r#""image""#.to_owned()),
            Just(r#""name""#.to_owned()),
            Just(r#""im\u0061ge""#.to_owned()),
            Just(r#""controller""#.to_owned()),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| format!("[{}]", v.join(","))),
            proptest::collection::vec((key, inner), 0..4).prop_map(|kv| {
                let fields: Vec<String> = kv.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

/// A pod request as the API server logs it, with fragments in the places the structs read (the
/// user, an image, a status code, an owner reference's `controller`, a patch op's value) and in
/// places they skip (managed fields, the response's status), a key given twice or not, and
/// wrapped as a line, a batch or a cloud export.
fn hostile_event() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    (
        proptest::collection::vec(fragment(), 8),
        0usize..6,
        0usize..5,
        40usize..70,
    )
        .prop_map(|(f, duplicate, shape, lists)| {
            // One key given twice, the first time with a fragment for its value.
            let dup = |n: usize, k: &str| {
                if duplicate == n {
                    format!("{k}:{},", f[7])
                } else {
                    String::new()
                }
            };
            let event = format!(
                r#"{{"kind":"Event","level":"RequestResponse","auditID":"a-1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/d/pods",{}"verb":"create","user":{{"username":{},"groups":["system:authenticated"]}},"sourceIPs":["10.0.0.1"],"objectRef":{{"resource":"pods","namespace":"d",{}"apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":{}}},"requestObject":{{"kind":"Pod","metadata":{{"name":"p","managedFields":{}}},"spec":{{"containers":[{{"name":"c",{}"image":{}}}]}}}},"responseObject":{{"kind":"Pod","metadata":{{"name":"p","uid":"u-1","ownerReferences":[{{"kind":"ReplicaSet","name":"r","uid":"u-0","controller":{}}}]}},"status":{}}},"requestReceivedTimestamp":"2026-01-01T00:00:00.000000Z","stageTimestamp":"2026-01-01T00:00:00.100000Z","annotations":{{{}"authorization.k8s.io/decision":"allow"}}}}"#,
                dup(0, r#""verb""#),
                f[0],
                dup(1, r#""resource""#),
                f[1],
                f[2],
                dup(2, r#""image""#),
                f[3],
                f[4],
                f[5],
                dup(3, r#""audit.k8s.io/truncated""#),
            );
            let patch = format!(
                r#"{{"kind":"Event","verb":"patch","objectRef":{{"resource":"pods","name":"p"}},"requestObject":[{{"op":"replace","path":"/spec/containers/0/image","value":{}}},{{"op":"add","path":{},"value":"x"}}]}}"#,
                f[6], f[0]
            );
            match shape {
                0 => event,
                1 => format!(r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{event},{patch}]}}"#),
                2 => format!("[{patch}, {event}]"),
                3 => format!(
                    "{}{event}{}",
                    r#"{"kind":"EventList","items":["#.repeat(lists),
                    "]}".repeat(lists)
                ),
                _ => format!(
                    r#"{{"records":[{{"category":"kube-audit","properties":{{"log":{}}}}},{{"category":"kube-audit","properties":{{"log":{event}}}}}]}}"#,
                    serde_json::to_string(&event).unwrap_or_default()
                ),
            }
        })
}

/// Damage done to a line: cut at a byte, a byte inserted (a NUL, invalid UTF-8, a lone
/// continuation byte, structure, whitespace JSON does not allow), a byte removed.
fn damage() -> impl proptest::strategy::Strategy<Value = (proptest::sample::Index, u8, u8)> {
    use proptest::prelude::*;
    let byte = prop_oneof![
        Just(0u8),
        Just(0xff),
        Just(0xc3),
        Just(0x80),
        Just(0xed),
        Just(b'"'),
        Just(b'\\'),
        Just(b'{'),
        Just(b'}'),
        Just(b'['),
        Just(b','),
        Just(b':'),
        Just(b' '),
        Just(b'\t'),
        Just(b'\r'),
        Just(b'\n'),
        Just(0x0b),
        Just(0x0c),
        Just(0x1f),
        any::<u8>(),
    ];
    (any::<proptest::sample::Index>(), 0u8..3, byte)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

    /// sonic-rs, which reads lines first, changes nothing: over pod requests carrying hostile
    /// values, wrapped in every batch shape, spaced with every kind of whitespace and damaged
    /// in every way, every event read, every error and every note on damage are the ones
    /// serde_json alone gives.
    #[test]
    fn sonic_rs_reads_what_serde_json_reads(
        event in hostile_event(),
        spaces in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::prop_oneof![proptest::prelude::Just(" "), proptest::prelude::Just("\t"), proptest::prelude::Just("\r\n"), proptest::prelude::Just("\u{a0}"), proptest::prelude::Just("\u{c}")]), 0..3),
        damages in proptest::collection::vec(damage(), 0..3),
    ) {
        let mut bytes = event.into_bytes();
        for (at, space) in spaces {
            // Between tokens only where a structural byte is next: elsewhere it lands in a string.
            let at = at.index(bytes.len());
            if matches!(bytes[at], b'{' | b'}' | b'[' | b']' | b',' | b':') {
                bytes.splice(at..at, space.bytes());
            }
        }
        let (got, reference) = both(&bytes);
        proptest::prop_assert_eq!(got, reference);
        for (at, how, byte) in damages {
            let at = at.index(bytes.len() + 1);
            match how {
                0 => bytes.truncate(at),
                1 => bytes.insert(at, byte),
                _ => {
                    if at < bytes.len() {
                        bytes.remove(at);
                    }
                }
            }
            let (got, reference) = both(&bytes);
            proptest::prop_assert_eq!(got, reference, "{}", String::from_utf8_lossy(&bytes));
        }
    }

    /// The same over any JSON value as a line, and inside an event's bodies.
    #[test]
    fn sonic_rs_reads_any_value_as_serde_json_does(value in fragment()) {
        let wrapped = format!(r#"{{"kind":"Event","verb":"create","objectRef":{{"resource":"pods"}},"requestObject":{value},"responseObject":{value},"x":{value}}}"#);
        for line in [value, wrapped] {
            let (got, reference) = both(line.as_bytes());
            proptest::prop_assert_eq!(got, reference, "{}", line);
        }
    }
}
