//! The prefilter's triage, literal search and one-pass line end, case by case and by property.

use super::*;

#[test]
fn canonical_prefixes_are_built_from_the_event_start() {
    let want: [&[u8]; 2] = [
        br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","#,
        br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","#,
    ];
    assert_eq!(CANONICAL_PREFIXES, want);
    assert_eq!(EVENT_START[EVENT_START_E], b'E');
    assert_eq!(EVENT_START_E, 9);
}

#[test]
fn finds_literal_and_escaped_pods() {
    for hit in [
        "a pods b",
        r"x\u0070ods",
        r"po\u0064s",
        r"\u006Fx",
        r"\u0073",
    ] {
        assert!(has_hit(hit.as_bytes()), "{hit}");
    }
    for miss in [
        r"\u0026 \u0041 nothing",
        r"trailing \u00",
        r"\u007",
        "",
        "pod s",
    ] {
        assert!(!has_hit(miss.as_bytes()), "{miss}");
    }
    assert_eq!(next_escape(br"ab\u0026\u0070", 0), 8);
    assert_eq!(next_escape(br"ab\u0070", 3), NONE);
}

#[test]
fn workload_resources_are_the_seven_kinds() {
    use crate::attribution::WorkloadKind;
    for kind in WorkloadKind::ALL {
        assert_eq!(Resource::of(kind.resource().as_bytes()), Resource::Workload);
    }
    for other in ["pods", "deployment", "jobs ", "configmaps", ""] {
        let want = if other == "pods" {
            Resource::Pods
        } else {
            Resource::Other
        };
        assert_eq!(Resource::of(other.as_bytes()), want, "{other}");
    }
}

#[test]
fn flat_object_references() {
    let (none, eph, other) = (
        Subresource::None,
        Subresource::EphemeralContainers,
        Subresource::Other,
    );
    let (pods, workload, no) = (Resource::Pods, Resource::Workload, Resource::Other);
    let cases: [(&str, Option<(Resource, Subresource)>); 14] = [
        (
            r#"{"resource":"pods","namespace":"d","name":"p","apiVersion":"v1"}"#,
            Some((pods, none)),
        ),
        (
            r#"{"resource":"pods","subresource":"status"}"#,
            Some((pods, other)),
        ),
        (
            r#"{"resource":"pods","subresource":"ephemeralcontainers"}"#,
            Some((pods, eph)),
        ),
        (r#"{"resource":"events","namespace":"d"}"#, Some((no, none))),
        (r#"{"namespace":"d"}"#, Some((no, none))),
        // Falco cuts a value at its first NUL: `pods` and a NUL is pods to it.
        ("{\"resource\":\"pods\0x\"}", Some((pods, none))),
        ("{\"resource\":\"podsx\"}", Some((no, none))),
        (
            r#"{"resource":"deployments","namespace":"d","name":"w"}"#,
            Some((workload, none)),
        ),
        (
            r#"{"resource":"replicationcontrollers","subresource":"scale"}"#,
            Some((workload, other)),
        ),
        ("{\"resource\":\"jobs\0\"}", Some((no, none))),
        // Escapes, other types, duplicates and spacing go to serde.
        (r#"{"resource":"\u0070ods"}"#, None),
        (r#"{"resource":"pods","x":1}"#, None),
        (r#"{"resource":"configmaps","resource":"pods"}"#, None),
        (r#"{ "resource":"pods"}"#, None),
    ];
    for (json, want) in cases {
        assert_eq!(flat_object_ref(json.as_bytes()), want, "{json}");
    }
}

/// A canonical line with the given verb, user agent and object reference.
fn line(verb: &str, agent: &str, object: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/d/pods","verb":"{verb}","user":{{"username":"u","extra":{{"objectRef":["x"]}}}},"sourceIPs":["::1"],"userAgent":"{agent}","objectRef":{object},"requestObject":{{"objectRef":{{"resource":"configmaps"}}}}}}"#
    )
}

#[test]
fn canonical_lines_are_triaged_by_verb_and_object_reference() {
    let pods = r#"{"resource":"pods","namespace":"d","apiVersion":"v1"}"#;
    let sub = |s: &str| format!(r#"{{"resource":"pods","namespace":"d","subresource":"{s}"}}"#);
    let cases = [
        (line("create", "kubectl", pods), Triage::Parse),
        (line("patch", "kubectl", pods), Triage::Parse),
        (
            line("update", "kubectl", &sub("ephemeralcontainers")),
            Triage::Parse,
        ),
        (
            line("create", "kubectl", &sub("ephemeralcontainers")),
            Triage::Check,
        ),
        (line("patch", "kubelet", &sub("status")), Triage::Check),
        (
            line("create", "kube-scheduler", &sub("binding")),
            Triage::Check,
        ),
        (line("create", "kubectl", &sub("")), Triage::Parse),
        (line("get", "kubectl", pods), Triage::Check),
        (line("watch", "kubectl", pods), Triage::Check),
        (
            line("create", "kubectl", r#"{"resource":"events"}"#),
            Triage::Check,
        ),
        // A user agent cannot fake the object reference: its quotes are escaped.
        (
            line(
                "create",
                r#"x\",\"objectRef\":{\"resource\":\"events\"}"#,
                pods,
            ),
            Triage::Parse,
        ),
        // Escapes the literal test would miss are decoded by the structural one.
        (
            line("create", "kubectl", r#"{"resource":"\u0070ods"}"#),
            Triage::Parse,
        ),
        (line(r"cr\u0065ate", "kubectl", pods), Triage::Parse),
        // What Falco reads as `pods` (a value cut at a NUL), raw or escaped.
        (
            line("create", "kubectl", "{\"resource\":\"pods\0\"}"),
            Triage::Parse,
        ),
        (
            line("create", "kubectl", r#"{"resource":"pods\u0000x"}"#),
            Triage::Parse,
        ),
        // A broken verb (a missing quote) is not trusted to be harmless.
        (line(r#"create,"x":""#, "kubectl", pods), Triage::Parse),
        // Writes of workload objects, not their subresources, reads or deletes.
        (
            line("patch", "kubectl", r#"{"resource":"deployments"}"#),
            Triage::Workload,
        ),
        (
            line("create", "kubectl", r#"{"resource":"cronjobs","name":"c"}"#),
            Triage::Workload,
        ),
        (
            line("update", "kubectl", r#"{"resource":"j\u006fbs"}"#),
            Triage::Workload,
        ),
        (
            line(
                "patch",
                "kubectl",
                r#"{"resource":"deployments","subresource":"scale"}"#,
            ),
            Triage::Check,
        ),
        (
            line("get", "kubectl", r#"{"resource":"deployments"}"#),
            Triage::Check,
        ),
        (
            line("delete", "kubectl", r#"{"resource":"jobs"}"#),
            Triage::Check,
        ),
        (
            line("create", "kubectl", r#"{"resource":"deployment"}"#),
            Triage::Check,
        ),
    ];
    for (l, want) in cases {
        assert_eq!(triage(l.as_bytes()), want, "{l}");
    }
    // Not the API server's shape: the literal test decides.
    let sorted = r#"{"apiVersion":"audit.k8s.io/v1","kind":"Event","objectRef":{"resource":"pods","subresource":"status"},"verb":"patch"}"#;
    assert_eq!(triage(sorted.as_bytes()), Triage::Parse);
    let truncated = &line("patch", "kubelet", &sub("status"))[..200];
    assert_eq!(triage(truncated.as_bytes()), Triage::Parse);
    // A cut event with the next one appended: the first verb does not speak for the line.
    let cut = &line("get", "kubectl", pods)[..300];
    let joined = format!("{cut}{}", line("create", "kubectl", pods));
    assert_eq!(triage(joined.as_bytes()), Triage::Parse);
}

/// With `--workloads` a workload write is judged whatever the API server answered, so the
/// triage must not depend on the answer: refused, dry-run, unanswered and `Metadata`-level
/// writes are workload lines too.
#[test]
fn workload_lines_are_triaged_whatever_the_answer() {
    let deployments = r#"{"resource":"deployments","namespace":"d","name":"web"}"#;
    let answered = line("create", "kubectl", deployments);
    let body = r#","requestObject":{"objectRef":{"resource":"configmaps"}}"#;
    let variants = [
        answered.replace(body, &format!(r#","responseStatus":{{"code":201}}{body}"#)),
        answered.replace(body, &format!(r#","responseStatus":{{"code":403}}{body}"#)),
        answered.replace(
            "/api/v1/namespaces/d/pods",
            "/apis/apps/v1/namespaces/d/deployments?dryRun=All",
        ),
        answered
            .replace(body, "")
            .replace(r#""level":"Request""#, r#""level":"Metadata""#),
        line("patch", "kubectl", deployments).replace(body, r#","responseStatus":{"code":422}"#),
    ];
    for l in variants {
        assert_eq!(triage(l.as_bytes()), Triage::Workload, "{l}");
        let sorted = serde_json::from_str::<serde_json::Value>(&l)
            .expect("valid JSON")
            .to_string();
        // The literal half decides here; a line it parses as a possible pod request is judged
        // by every rule, so only `Check` would lose the write.
        assert_ne!(triage(sorted.as_bytes()), Triage::Check, "{sorted}");
    }
}

/// The reference for [`line_end`]: a newline search, then a search of the line for an event
/// starting after its first byte.
fn line_end_by_two_searches(block: &[u8], start: usize) -> (usize, Option<usize>) {
    let end = memchr::memchr(b'\n', &block[start..]).map_or(block.len(), |i| start + i);
    (end, second_event(&block[start..end]))
}

#[test]
fn line_end_finds_the_newline_and_a_second_event() {
    let ev = r#"{"kind":"Event","verb":"get"}"#;
    for (block, want) in [
        ("", (0, None)),
        ("\n", (0, None)),
        ("abc", (3, None)),
        ("ab\ncd", (2, None)),
        (ev, (ev.len(), None)),
        // The event start at the first byte is the line's own.
        (&format!("{ev}\n{ev}"), (ev.len(), None)),
        (&format!("x{ev}"), (ev.len() + 1, Some(1))),
        (&format!("{ev}{ev}\n"), (2 * ev.len(), Some(ev.len()))),
        // Cut by a newline: not an event start inside the line.
        ("x{\"kind\":\"E\nvent\"", (11, None)),
        ("x{\"kind\":\n\"Event\"", (9, None)),
        // An `E` too close to the start to end an event start after the first byte.
        ("{\"kind\":\"Event\"", (15, None)),
        ("Event\"", (6, None)),
    ] {
        assert_eq!(line_end(block.as_bytes(), 0), want, "{block:?}");
        assert_eq!(
            line_end_by_two_searches(block.as_bytes(), 0),
            want,
            "{block:?}"
        );
    }
}

proptest::proptest! {
    /// The word-at-a-time search finds the first quote or backslash, as a byte-by-byte one does,
    /// at any offset and alignment, next to any other byte.
    #[test]
    fn quote_or_backslash_is_the_first_of_either(
        bytes in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just(b'"'),
                proptest::strategy::Just(b'\\'),
                proptest::prelude::any::<u8>(),
                proptest::prelude::any::<u8>(),
                proptest::prelude::any::<u8>(),
                proptest::prelude::any::<u8>(),
                proptest::prelude::any::<u8>(),
                proptest::prelude::any::<u8>(),
            ],
            0..40,
        ),
    ) {
        for from in 0..=bytes.len() {
            let rest = &bytes[from..];
            let want = rest.iter().position(|&b| b == b'"' || b == b'\\');
            proptest::prop_assert_eq!(quote_or_backslash(rest), want);
        }
    }

    /// One pass finds what two searches find, for every line of any mix of event starts,
    /// newlines, `E`s and noise.
    #[test]
    fn line_end_equals_two_searches(
        parts in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just(EVENT_START.to_vec()),
                proptest::strategy::Just(b"\n".to_vec()),
                proptest::strategy::Just(b"E".to_vec()),
                proptest::strategy::Just(br#"{"kind":"#.to_vec()),
                proptest::collection::vec(proptest::prelude::any::<u8>(), 0..12),
            ],
            0..24,
        ),
    ) {
        let block = parts.concat();
        let mut start = 0;
        while start < block.len() {
            let got = line_end(&block, start);
            proptest::prop_assert_eq!(got, line_end_by_two_searches(&block, start));
            start = got.0 + 1;
        }
    }
}

#[test]
fn the_literal_test_tells_workload_lines() {
    for (json, want) in [
        (
            r#"{"verb":"patch","objectRef":{"resource":"deployments"}}"#,
            Triage::Workload,
        ),
        (
            r#"{"verb":"create","objectRef":{"resource":"statefulsets"}}"#,
            Triage::Workload,
        ),
        (
            r#"{"verb":"update","objectRef":{"resource":"cronjobs"}}"#,
            Triage::Workload,
        ),
        (
            r#"{"verb":"create","resource":"replicationcontrollers"}"#,
            Triage::Workload,
        ),
        (
            r#"{"verb":"create","objectRef":{"resource":"d\u0065ployments"}}"#,
            Triage::Workload,
        ),
        (
            r#"{"verb":"get","objectRef":{"resource":"deployments"}}"#,
            Triage::Check,
        ),
        (
            r#"{"verb":"create","objectRef":{"resource":"configmaps"}}"#,
            Triage::Check,
        ),
        (
            r#"{"verb":"create","objectRef":{"resource":"pods"}}"#,
            Triage::Parse,
        ),
        (
            r#"{"verb":"create","objectRef":{"resource":"jobs"},"x":"pods"}"#,
            Triage::Parse,
        ),
    ] {
        assert_eq!(literal(json.as_bytes()), want, "{json}");
    }
    for hit in [r"x\u006Ax", r"\u007a", r"\u0061", "jobs", "xsetsx"] {
        assert!(has_workload_hit(hit.as_bytes()), "{hit}");
    }
    for miss in [r"\u0041\u005f\u0026\u00", "job", "deployment", "set s"] {
        assert!(!has_workload_hit(miss.as_bytes()), "{miss}");
    }
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
