//! The scan's invariants: chunked and streamed scans equal the sequential oracle, for any chunk
//! size, block size and thread count, down to the attributed findings; documents are scanned as
//! one; line numbers are right. Attribution across inputs is in [`attribution`]; several inputs
//! read at once against one at a time in [`inputs`].

mod attribution;
mod history;
mod inputs;

use std::fmt::Write as _;

use proptest::prelude::*;

use super::*;
use crate::testing::{self, pod_create};
use history::{Step, line as chain};

/// The policy every scan here runs under.
fn policy() -> Policy {
    testing::policy("[nginx, registry.k8s.io/]").build()
}

/// The same policy, judging workload requests too (`--workloads`).
fn workloads_policy() -> Policy {
    testing::policy("[nginx, registry.k8s.io/]")
        .workloads()
        .build()
}

/// A pod create event line for `image` with the given stage and audit ID, as the API server
/// writes it.
fn pod(id: &str, stage: &str, image: &str) -> String {
    (pod_create().api_server().audit_id(id).stage(stage))
        .namespace("ns")
        .status(201)
        .image(image)
        .line()
}

/// A successful write of the workload `resource` by `verb`, with request body `body`, as the API
/// server writes it.
fn workload(id: &str, stage: &str, resource: &str, verb: &str, body: &str) -> String {
    (pod_create().api_server().audit_id(id).stage(stage))
        .verb(verb)
        .resource(resource)
        .namespace("ns")
        .name("web")
        .user("alice")
        .status(200)
        .time("2026-03-01T10:00:00Z")
        .body(body)
        .line()
}

/// A Deployment whose template runs `image`.
fn deployment(image: &str) -> String {
    format!(
        r#"{{"kind":"Deployment","metadata":{{"name":"web","ownerReferences":[{{"kind":"X","name":"x","controller":true}}]}},"spec":{{"template":{{"spec":{{"containers":[{{"name":"c","image":"{image}"}}]}}}}}}}}"#
    )
}

/// The kinds of line a generated log mixes.
fn line_kinds() -> Vec<String> {
    vec![
        pod("a1", "ResponseComplete", "evil:1"),
        pod("a2", "ResponseComplete", "nginx"),
        pod("a3", "RequestReceived", "evil:2"),
        pod("a3", "ResponseComplete", "evil:2"),
        pod("a4", "RequestReceived", "nginx"),
        pod("", "Panic", "evil:3"),
        r#"{"kind":"Event","auditID":"m1","stage":"ResponseComplete","verb":"create","objectRef":{"resource":"pods","namespace":"x"}}"#.to_owned(),
        r#"{"kind":"Event","auditID":"b1","stage":"ResponseComplete","verb":"create","objectRef":{"resource":"pods","subresource":"binding"}}"#.to_owned(),
        r#"{"kind":"Event","auditID":"g1","stage":"ResponseComplete","verb":"get","objectRef":{"resource":"configmaps"}}"#.to_owned(),
        r#"{"kind":"Event","verb":"cr\u0065ate","auditID":"e1","stage":"ResponseComplete","objectRef":{"resource":"\u0070ods"},"requestObject":{"spec":{"containers":[{"image":"escaped"}]}}}"#.to_owned(),
        format!(r#"{{"kind":"EventList","items":[{},{}]}}"#, pod("l1", "ResponseComplete", "evil:4"), pod("l2", "ResponseComplete", "nginx")),
        format!("{} ", pod("long", "ResponseComplete", &"x".repeat(300))),
        "not json at all".to_owned(),
        r#"{"kind":"Event","verb":"create","objectRef":{"resource":"pods"#.to_owned(),
        r#"{"annotations":{},"kind":"Event","verb":"watch"}"#.to_owned(),
        String::new(),
        "   ".to_owned(),
        // Workload writes (from index 17 on, so the fixed-line test above is unchanged).
        workload("w1", "ResponseComplete", "deployments", "create", &deployment("evil:5")),
        workload("w2", "ResponseComplete", "cronjobs", "patch", r#"{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"evil:6"}]}}}}}}"#),
        workload("w3", "ResponseComplete", "statefulsets", "patch", r#"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"evil:7"}]"#),
        workload("w4", "Panic", "daemonsets", "update", &deployment("evil:8")),
        workload("w4", "ResponseComplete", "daemonsets", "update", &deployment("evil:8")),
        workload("w5", "ResponseComplete", "replicasets", "patch", "null"),
        workload("w6", "ResponseComplete", "deployments", "patch", r#"{"spec":{"replicas":2}}"#),
        workload("", "ResponseComplete", "jobs", "create", &deployment("evil:9")),
        workload("w7", "ResponseComplete", "deployments", "get", "null"),
        workload("w8", "ResponseComplete", "replicationcontrollers", "update", &deployment("nginx")).replace(r#""code":200"#, r#""code":409"#),
        workload("w9", "ResponseComplete", "deployments", "patch", &deployment("evil:10")).replace(r#""name":"web"}"#, r#""name":"web","subresource":"scale"}"#),
        r#"{"kind":"Event","verb":"p\u0061tch","auditID":"wa","stage":"ResponseComplete","objectRef":{"resource":"d\u0065ployments"},"responseStatus":{"code":200},"requestObject":{"spec":{"template":{"spec":{"containers":[{"image":"escaped:w"}]}}}}}"#.to_owned(),
        // Owner chains (from index 29 on), each line at its own time: who is behind a pod
        // depends on which writes came before it, and at equal times on input order.
        chain(0, Step::Deployment { by: 0, image: 0, uid: true }),
        chain(1, Step::ReplicaSet { rs: 0, image: 0, forged: false, bodiless: false }),
        chain(2, Step::Pod { rs: 0, image: 0, forged: false }),
        chain(3, Step::SetImage { by: 1, image: 1 }),
        chain(4, Step::Pod { rs: 0, image: 1, forged: false }),
        chain(5, Step::Pod { rs: 1, image: 0, forged: true }),
        chain(6, Step::ReplicaSet { rs: 1, image: 1, forged: false, bodiless: true }),
        chain(7, Step::Pod { rs: 1, image: 1, forged: false }),
        // Workload requests (from index 37 on) that are findings with `--workloads` but no
        // records: refused (at Metadata level), a dry run, not answered, escaped and refused.
        workload("w10", "ResponseComplete", "replicasets", "create", "null").replace(r#""code":200"#, r#""code":403"#),
        (pod_create().api_server().audit_id("w11").stage("ResponseComplete"))
            .verb("create")
            .resource("statefulsets")
            .uri("/apis/apps/v1/namespaces/ns/statefulsets?dryRun=All")
            .namespace("ns")
            .status(201)
            .body(&deployment("evil:11"))
            .line(),
        workload("w12", "RequestReceived", "jobs", "create", &deployment("evil:12")).replace(r#","responseStatus":{"code":200}"#, ""),
        r#"{"kind":"Event","verb":"cr\u0065ate","auditID":"wb","stage":"ResponseComplete","objectRef":{"resource":"cr\u006fnjobs","namespace":"ns"},"responseStatus":{"code":422},"requestObject":{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"image":"escaped:c"}]}}}}}}}"#.to_owned(),
    ]
}

/// Builds a log from line indices and line-end choices.
fn log(picks: &[(usize, bool)]) -> Vec<u8> {
    let kinds = line_kinds();
    let mut out = Vec::new();
    for &(i, crlf) in picks {
        out.extend_from_slice(kinds[i % kinds.len()].as_bytes());
        out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
    }
    out
}

/// The findings, attributed over the input's workload writes as a run attributes them, the
/// counters and the workload records of a scan, in a comparable form.
fn outcome(scan: InputScan) -> (Vec<Finding>, Stats, Vec<WorkloadRecord>) {
    let workloads = record::select(scan.workloads);
    let (chosen, _) = rules::stage::chosen(&scan.candidates, policy().mode);
    let (kept, _) = rules::stage::keep(scan.candidates, &chosen);
    let (findings, _) = in_scope(
        kept,
        &Records::new(&workloads),
        &Filter::default(),
        &mut FilterStats::default(),
    );
    (findings, scan.stats, workloads)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn chunked_scan_equals_sequential_scan(
        picks in proptest::collection::vec((0usize..64, any::<bool>()), 0..60),
        cut_last_newline in any::<bool>(),
        chunk in 1usize..600,
        threads in 1usize..5,
        workloads in any::<bool>(),
    ) {
        let mut bytes = log(&picks);
        if cut_last_newline {
            bytes.pop();
        }
        let policy = if workloads { workloads_policy() } else { policy() };
        let sequential = outcome(scan_bytes("t.log", &bytes, &policy, None));
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        let chunked = outcome(pool.install(|| scan_bytes("t.log", &bytes, &policy, Some(chunk))));
        prop_assert_eq!(&chunked, &sequential);
        let opts = ScanOptions { mmap: false, chunk_size: chunk, block_size: chunk, ..ScanOptions::default() };
        let reader = Box::new(std::io::Cursor::new(bytes.clone()));
        let streamed = pool.install(|| stream::scan_stream("t.log", input::Stream::plain(reader), &policy, &opts));
        prop_assert!(streamed.errors.is_empty());
        prop_assert_eq!(&outcome(streamed.scan), &sequential);
    }
}

#[test]
fn findings_carry_absolute_lines_and_stage_selection() {
    let picks: Vec<(usize, bool)> = (0..17).map(|i| (i, false)).collect();
    let bytes = log(&picks);
    let (findings, stats, workloads) = outcome(scan_bytes("t.log", &bytes, &policy(), Some(64)));
    assert_eq!(workloads, []);
    let got: Vec<(u64, Option<&str>, Vec<&str>)> = findings
        .iter()
        .map(|f| {
            (
                f.line,
                f.audit_id.as_deref(),
                f.disallowed_images.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    let long = "x".repeat(300);
    let want: Vec<(u64, Option<&str>, Vec<&str>)> = vec![
        (1, Some("a1"), vec!["evil:1"]),
        (4, Some("a3"), vec!["evil:2"]),
        // a4 (line 5) was logged only at RequestReceived, but with an allowed body.
        (6, Some(""), vec!["evil:3"]),
        (7, Some("m1"), vec![]),
        (10, Some("e1"), vec!["escaped"]),
        (11, Some("l1"), vec!["evil:4"]),
        (12, Some("long"), vec![&long]),
    ];
    assert_eq!(got, want);
    assert_eq!(stats.lines, 17);
    assert_eq!(stats.skipped, 2, "{:?}", stats.skipped_at);
    assert_eq!(stats.skipped_at[0].line, 13);
    assert_eq!(stats.skipped_at[1].line, 14);
    assert_eq!(stats.pod_requests, 11);
}

#[test]
fn pretty_document_with_bom_and_crlf_is_one_event_at_its_first_line() {
    let event = pod("p1", "ResponseComplete", "evil:9");
    let value: serde_json::Value = serde_json::from_str(&event).expect("valid JSON");
    let pretty = serde_json::to_string_pretty(&value)
        .expect("serializable")
        .replace('\n', "\r\n");
    let mut bytes = b"\xEF\xBB\xBF\r\n".to_vec();
    bytes.extend_from_slice(pretty.as_bytes());
    bytes.extend_from_slice(b"\r\n");
    let (findings, stats, _) = outcome(scan_bytes("p.json", &bytes, &policy(), Some(16)));
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].line, 2);
    assert_eq!(findings[0].disallowed_images, ["evil:9"]);
    assert_eq!(stats.skipped, 0);
    assert_eq!(
        stats.lines,
        memchr::memchr_iter(b'\n', &bytes).count() as u64
    );
}

/// Re-encodes compact JSON with some letters inside strings (keys and values) written as `\u00XX`
/// escapes, chosen by the bits of `mask`: the same JSON to a parser, different bytes to a filter.
fn escape_letters(json: &str, mut mask: u64) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string && !escaped && c.is_ascii_lowercase() {
            mask = mask.rotate_left(1);
            if mask & 1 == 1 {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
                continue;
            }
        }
        out.push(c);
        if escaped {
            escaped = false;
        } else if c == '\\' && in_string {
            escaped = true;
        } else if c == '"' {
            in_string = !in_string;
        }
    }
    out
}

/// One line of a generated log in one of the supported shapes.
fn shaped(event: &str, shape: u8, mask: u64) -> String {
    let value: serde_json::Value = serde_json::from_str(event).expect("valid JSON");
    let quoted = |s: &str| serde_json::to_string(s).expect("a string serializes");
    match shape % 7 {
        0 => event.to_owned(),
        // Sorted keys (serde_json's map), as Falco's trace files are written.
        1 => value.to_string(),
        // Spaced JSON on one line.
        2 => serde_json::to_string_pretty(&value)
            .expect("serializes")
            .replace('\n', " "),
        3 => escape_letters(event, mask),
        4 => format!(
            r#"{{"kind":"EventList","items":[{}]}}"#,
            escape_letters(event, mask)
        ),
        5 => format!("2026-03-01T10:00:00Z {}", escape_letters(event, mask)),
        _ => format!(
            r#"{{"records":[{{"category":"kube-audit","properties":{{"log":{}}}}}]}}"#,
            quoted(&escape_letters(event, mask))
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The prefilter never drops a line that the full parse would turn into a finding (a pod's,
    /// or with `--workloads` a workload's), in any supported shape, escaped or spaced.
    #[test]
    fn prefilter_drops_no_finding(
        picks in proptest::collection::vec((0usize..64, 0u8..7, any::<u64>()), 1..25),
    ) {
        let kinds = line_kinds();
        let mut bytes = Vec::new();
        for &(i, shape, mask) in &picks {
            let kind = &kinds[i % kinds.len()];
            let line = if kind.trim().is_empty() || !kind.starts_with('{') || serde_json::from_str::<serde_json::Value>(kind).is_err() {
                kind.clone()
            } else {
                shaped(kind, shape, mask)
            };
            bytes.extend_from_slice(line.as_bytes());
            bytes.push(b'\n');
        }
        for policy in [policy(), workloads_policy()] {
            let filtered = block::scan_lines(&bytes, &policy);
            let unfiltered = block::scan_lines_unfiltered(&bytes, &policy);
            let findings = |r: &BlockResult| rules::select(r.candidates.clone());
            prop_assert_eq!(findings(&filtered), findings(&unfiltered));
            prop_assert_eq!(filtered.stats.skipped, unfiltered.stats.skipped);
            prop_assert_eq!(&filtered.workloads, &unfiltered.workloads);
            prop_assert_eq!(filtered.stats.workload_writes, unfiltered.stats.workload_writes);
            prop_assert_eq!(filtered.stats.pod_requests, unfiltered.stats.pod_requests);
            prop_assert_eq!(
                filtered.stats.workload_requests,
                unfiltered.stats.workload_requests
            );
        }
    }
}

/// With `--workloads`, every workload request that sets a template image (or whose create was
/// logged without its body) is a finding, whatever its outcome, one per request; the successful
/// writes are still the records attribution reads, as without the flag.
#[test]
fn with_workloads_workload_requests_are_findings_and_still_records() {
    let kinds = line_kinds();
    let log = [&kinds[17..=28], &kinds[37..=40]].concat().join("\n");
    let found = |policy: &Policy| {
        let scan = scan_bytes("t.log", log.as_bytes(), policy, None);
        let records = record::select(scan.workloads).len();
        let findings: Vec<_> = rules::select(scan.candidates)
            .into_iter()
            .map(|f| {
                (
                    f.line,
                    f.action.as_str(),
                    f.outcome.as_str(),
                    f.disallowed_images,
                )
            })
            .collect();
        (findings, records, scan.stats.workload_requests)
    };
    let evil = |image: &str| vec![image.to_owned()];
    let (findings, records, requests) = found(&workloads_policy());
    assert_eq!(
        findings,
        [
            (1, "workload-create", "created", evil("evil:5")),
            (2, "workload-change", "created", evil("evil:6")),
            (3, "workload-change", "created", evil("evil:7")),
            // `w4` panicked (line 4), then completed.
            (5, "workload-change", "created", evil("evil:8")),
            // Lines 6 and 7 set no image; 9 is a read, 10 allowed, 11 a subresource.
            (8, "workload-create", "created", evil("evil:9")),
            (12, "workload-change", "created", evil("escaped:w")),
            (13, "workload-create", "rejected", vec![]),
            (14, "workload-create", "dry-run", evil("evil:11")),
            (15, "workload-create", "unknown", evil("evil:12")),
            (16, "workload-create", "rejected", evil("escaped:c")),
        ]
    );
    // Lines 1–3, 5, 6, 7, 8 and 12 were accepted (line 4's panic does not stand for `w4`).
    assert_eq!(records, 8);
    // Every stage of every considered request: all but the lines 6, 7, 9 and 11.
    assert_eq!(requests, 12);
    let (findings, without_flag, requests) = found(&policy());
    assert_eq!(findings, []);
    assert_eq!(without_flag, records);
    assert_eq!(requests, 0);
}

/// Workload writes become records with absolute lines, the input's name and index, one per
/// request across all inputs, in input order; Falco's rules gather none.
#[test]
fn workload_records_carry_their_input_and_line_and_one_stands_per_request() {
    let kinds = line_kinds();
    let dir = tempfile::tempdir().expect("temp dir");
    let first = dir.path().join("a.log");
    let second = dir.path().join("b.log");
    std::fs::write(
        &first,
        format!("{}\n{}\n{}\n", kinds[0], kinds[17], kinds[20]),
    )
    .expect("write");
    std::fs::write(
        &second,
        format!("{}\n\n{}\n{}\n", kinds[21], kinds[28], kinds[19]),
    )
    .expect("write");
    let paths = [first, second];
    let run = scan(&paths, &policy(), &ScanOptions::default());
    let got: Vec<_> = run
        .workloads
        .iter()
        .map(|r| {
            (
                r.position.input,
                r.position.line,
                &*r.requester.file,
                r.requester.audit_id.as_deref(),
                (r.images.iter().flatten())
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let name = |p: &std::path::Path| p.display().to_string();
    let (a, b) = (name(&paths[0]), name(&paths[1]));
    let images = |i: &[&str]| -> Vec<String> { i.iter().map(|s| (*s).to_owned()).collect() };
    assert_eq!(
        got,
        [
            (
                0,
                2,
                a.as_str(),
                Some("w1"),
                images(&["docker.io/library/evil:5"])
            ),
            // `w4` completes in the second input: its panic in the first does not stand.
            (
                1,
                1,
                b.as_str(),
                Some("w4"),
                images(&["docker.io/library/evil:8"])
            ),
            (
                1,
                3,
                b.as_str(),
                Some("wa"),
                images(&["docker.io/library/escaped:w"])
            ),
            (
                1,
                4,
                b.as_str(),
                Some("w3"),
                images(&["docker.io/library/evil:7"])
            ),
        ]
    );
    assert_eq!(run.stats.workload_writes, 5);
    let falco = testing::policy("[nginx]").falco().build();
    let run = scan(&paths, &falco, &ScanOptions::default());
    assert!(run.workloads.is_empty());
    assert_eq!(run.stats.workload_writes, 0);
}

/// Falco reads fields as C strings, so to it a resource of `pods`, a NUL character and anything
/// after is `pods`: the prefilter lets such lines through in both modes, whether the NUL is raw
/// (a damaged line, repaired) or escaped. Found by the prefilter fuzz target.
#[test]
fn prefilter_keeps_a_resource_cut_at_a_nul_character() {
    let line = |resource: &str| {
        let pods = (pod_create().api_server().audit_id("n1").complete())
            .namespace("ns")
            .status(201)
            .time("2026-03-01T10:00:00Z")
            .image("evil:1")
            .line();
        pods.replacen(
            r#""resource":"pods""#,
            &format!(r#""resource":"{resource}""#),
            1,
        )
    };
    for resource in ["pods\0", r"pods\u0000", r"pods\u0000x"] {
        let bytes = format!("{}\n", line(resource)).into_bytes();
        for policy in [policy(), testing::policy("[nginx]").falco().build()] {
            let filtered = block::scan_lines(&bytes, &policy);
            let unfiltered = block::scan_lines_unfiltered(&bytes, &policy);
            assert_eq!(filtered.candidates, unfiltered.candidates, "{resource:?}");
        }
        let falco = testing::policy("[nginx]").falco().build();
        let found = rules::select(block::scan_lines(&bytes, &falco).candidates);
        assert_eq!(
            found.len(),
            1,
            "{resource:?}: Falco counts the cut resource as pods"
        );
    }
}

/// A writer that died mid-line leaves its event cut, and the next event is appended to it: the
/// appended pod create is found wherever the cut falls, although the line starts like an
/// innocent API-server event (a `get` of a pod, which the structural triage alone would pass over).
#[test]
fn an_event_appended_to_a_cut_one_is_found_at_every_cut() {
    let innocent = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"g1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/ns/pods/web","verb":"get","user":{"username":"kubectl"},"sourceIPs":["10.0.0.1"],"userAgent":"kubectl/v1.29","objectRef":{"resource":"pods","namespace":"ns","name":"web","apiVersion":"v1"},"responseStatus":{"code":200},"stageTimestamp":"2026-03-01T10:00:00Z"}"#;
    let appended = pod("j1", "ResponseComplete", "evil:9");
    let policy = policy();
    for cut in 1..innocent.len() {
        let bytes = format!("{}{appended}\n{innocent}\n", &innocent[..cut]);
        let filtered = block::scan_lines(bytes.as_bytes(), &policy);
        let unfiltered = block::scan_lines_unfiltered(bytes.as_bytes(), &policy);
        let images = |r: &block::BlockResult| -> Vec<String> {
            rules::select(r.candidates.clone())
                .into_iter()
                .flat_map(|f| f.disallowed_images)
                .collect()
        };
        assert_eq!(images(&filtered), ["evil:9"], "cut at byte {cut}");
        assert_eq!(images(&filtered), images(&unfiltered), "cut at byte {cut}");
        assert_eq!(filtered.stats.lines, 2);
    }
}

/// The same for a workload write appended to a cut event; and an `events` create, whose core
/// `Event` body starts like an audit event, is no workload write, while a workload write whose
/// body holds such an object still is.
#[test]
fn a_workload_write_appended_to_a_cut_event_is_found_at_every_cut() {
    let innocent = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"g1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/ns/configmaps/web","verb":"get","user":{"username":"kubectl"},"sourceIPs":["10.0.0.1"],"userAgent":"kubectl/v1.29","objectRef":{"resource":"configmaps","namespace":"ns","name":"web","apiVersion":"v1"},"responseStatus":{"code":200},"stageTimestamp":"2026-03-01T10:00:00Z"}"#;
    let appended = workload(
        "j1",
        "ResponseComplete",
        "deployments",
        "patch",
        &deployment("evil:9"),
    );
    let policy = policy();
    let ids = |r: &block::BlockResult| -> Vec<Option<String>> {
        record::select(r.workloads.clone())
            .into_iter()
            .map(|w| w.requester.audit_id.map(String::from))
            .collect()
    };
    for cut in 1..innocent.len() {
        let bytes = format!("{}{appended}\n{innocent}\n", &innocent[..cut]);
        let filtered = block::scan_lines(bytes.as_bytes(), &policy);
        let unfiltered = block::scan_lines_unfiltered(bytes.as_bytes(), &policy);
        assert_eq!(ids(&filtered), [Some("j1".to_owned())], "cut at byte {cut}");
        assert_eq!(
            filtered.workloads, unfiltered.workloads,
            "cut at byte {cut}"
        );
    }
    let core_event = r#"{"kind":"Event","apiVersion":"v1","metadata":{"name":"e"},"involvedObject":{"kind":"ReplicaSet","name":"web"},"reason":"SuccessfulCreate"}"#;
    let events = workload("e1", "ResponseComplete", "events", "create", core_event);
    assert_eq!(
        prefilter::triage(events.as_bytes()),
        prefilter::Triage::Check
    );
    let body = format!(r#"{{"metadata":{{"annotations":{{"x":{core_event}}}}}}}"#);
    let holding = workload("e2", "ResponseComplete", "deployments", "patch", &body);
    assert_eq!(
        prefilter::triage(holding.as_bytes()),
        prefilter::Triage::Workload
    );
    let filtered = block::scan_lines(format!("{events}\n{holding}\n").as_bytes(), &policy);
    assert_eq!(ids(&filtered), [Some("e2".to_owned())]);
}

/// A log of `allowed` allowed pod creates between two disallowed ones, `evil/first:1` and
/// `evil/last:1`.
fn first_and_last(allowed: usize) -> String {
    let mut body = pod("first", "ResponseComplete", "evil/first:1") + "\n";
    for i in 0..allowed {
        body.push_str(&pod(&format!("a{i}"), "ResponseComplete", "nginx:1.25"));
        body.push('\n');
    }
    body + &pod("last", "ResponseComplete", "evil/last:1") + "\n"
}

/// Writes `body` to a file, opens it as a scan does (mapped, or streamed with `--no-mmap`), cuts
/// the file to `len` bytes, and only then scans what was opened: the cut falls between opening
/// and scanning, whatever the timing.
fn scan_cut(body: &str, mmap: bool, len: u64) -> (Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("live.log");
    std::fs::write(&path, body).expect("write");
    let input = Input {
        name: "live.log".to_owned(),
        ..Input::file(path.clone())
    };
    let opened = input::open(&input, mmap);
    assert!(
        matches!(opened, Ok(input::Opened::Whole(_))) == mmap,
        "mapped iff asked"
    );
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_len(len))
        .expect("truncate");
    let opts = ScanOptions {
        mmap,
        ..ScanOptions::default()
    };
    let (scan, errors) = scan_open_input(
        &input.name,
        opened,
        &policy(),
        &opts,
        &super::Head::default(),
    );
    let images = rules::select(scan.candidates)
        .into_iter()
        .flat_map(|f| f.disallowed_images)
        .collect();
    (images, errors)
}

/// What `logrotate` with `copytruncate` does to the live log while it is read.
#[test]
fn a_file_truncated_while_it_is_scanned_keeps_the_findings_read_before_the_cut() {
    let body = first_and_last(300);
    let cut = body.len() as u64 / 3;
    for (mmap, said) in [
        (true, "was truncated while it was being scanned"),
        (false, "was truncated while it was being read"),
    ] {
        let (images, errors) = scan_cut(&body, mmap, cut);
        assert_eq!(images, ["evil/first:1"], "mmap {mmap}: past the cut");
        assert_eq!(errors.len(), 1, "mmap {mmap}: {errors:?}");
        assert!(
            errors[0].starts_with("live.log: ") && errors[0].contains(said),
            "mmap {mmap}: {errors:?}"
        );
    }
}

/// A mapped file cut inside its last page raises no signal: only its size tells.
#[test]
fn a_mapped_file_cut_inside_its_last_page_is_reported_too() {
    let body = first_and_last(0);
    let (len, cut) = (body.len() as u64, body.len() as u64 - 10);
    assert!(len < 4096, "one page");
    let (images, errors) = scan_cut(&body, true, cut);
    assert_eq!(images, ["evil/first:1"]);
    assert_eq!(
        errors,
        [format!(
            "live.log: the file was truncated while it was being scanned (from {len} to {cut} \
             bytes: a rotation with `copytruncate`, or by hand); the bytes past the cut read as \
             NUL bytes and were skipped, the findings before the cut are reported. Scan the \
             rotated copy to see the rest"
        )]
    );
}

proptest! {
    /// Whatever order the items arrive in, they are taken out in their own order, each as soon
    /// as every earlier one has arrived, and nothing waits once all have.
    #[test]
    fn items_come_out_in_order_as_soon_as_they_can(
        order in Just((0..40usize).collect::<Vec<_>>()).prop_shuffle(),
    ) {
        let mut in_order = InOrder::default();
        let mut out = Vec::new();
        let mut arrived = std::collections::BTreeSet::new();
        for seq in order {
            in_order.insert(seq, seq);
            arrived.insert(seq);
            while let Some(item) = in_order.pop_next() {
                out.push(item);
            }
            let ready = (0..40).take_while(|i| arrived.contains(i)).count();
            prop_assert_eq!(in_order.taken(), ready);
            prop_assert_eq!(&out, &(0..ready).collect::<Vec<_>>());
        }
        prop_assert!(!in_order.is_waiting());
    }
}
