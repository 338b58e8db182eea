//! `--since`, `--until`, `--namespace` and `--user`: they narrow the findings, say how many they
//! left out, refuse bad values, and keep findings with no readable time.

use crate::util::{ALLOW, Event, SAMPLE, code, json, run, stderr};

/// The `(namespace, pod)` of each finding of a run with `filters`.
fn found(filters: &[&str]) -> Vec<(String, String)> {
    let (doc, out) = json(&[&[SAMPLE, "--allow", ALLOW][..], filters].concat());
    assert_ne!(code(&out), 2, "{}", stderr(&out));
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    doc.findings
        .iter()
        .map(|f| (text(&f.namespace), text(&f.pod)))
        .collect()
}

#[test]
fn filters_narrow_findings_by_time_namespace_and_user() {
    let pods = |filters: &[&str]| -> Vec<String> {
        found(filters).into_iter().map(|(_, pod)| pod).collect()
    };
    assert_eq!(found(&[]).len(), 5);
    // since inclusive (09:12:05.327634Z is the miner), until exclusive (09:15:00.968554Z).
    assert_eq!(
        pods(&[
            "--since",
            "2026-03-02T09:12:05.327634Z",
            "--until",
            "2026-03-02T09:15:00.968554Z"
        ]),
        ["kworker-sync"]
    );
    assert_eq!(
        pods(&["--since", "2026-03-02T10:12:05+01:00"]).len(),
        4,
        "offsets"
    );
    assert_eq!(
        pods(&["--until", "2026-03-02"]).len(),
        0,
        "a date is midnight UTC"
    );
    assert_eq!(pods(&["--since", "2026-03-02"]).len(), 5);
    assert_eq!(
        found(&["--namespace", "ml-*", "--namespace", "backup"]),
        [
            (
                "backup".to_owned(),
                "nightly-backup-29540715-7ntnc".to_owned()
            ),
            ("ml-jobs".to_owned(), "train-resnet50-7".to_owned())
        ]
    );
    assert_eq!(
        pods(&[
            "--user",
            "system:serviceaccount:ci:*",
            "--namespace",
            "default"
        ]),
        ["kworker-sync"]
    );
    let out = run(&[SAMPLE, "--allow", ALLOW, "--user", "alice@*"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("the filters left out 4 findings"),
        "{}",
        stderr(&out)
    );
    let (doc, _) = json(&[SAMPLE, "--allow", ALLOW, "--user", "nobody"]);
    assert_eq!(doc.summary.filters.excluded, 5);
    assert_eq!(
        code(&run(&[SAMPLE, "--allow", ALLOW, "--user", "nobody"])),
        0
    );
}

#[test]
fn bad_filters_are_usage_errors_and_untimed_findings_are_kept() {
    for (args, message) in [
        (&["--since", "yesterday"][..], "neither an RFC 3339 time"),
        (&["--since", "2026-03-02T08:00:00"], "has no offset"),
        (
            &["--since", "2026-03-03", "--until", "2026-03-02"],
            "is not before",
        ),
        (&["--namespace", "[x"], "not a valid glob"),
    ] {
        let out = run(&[&[SAMPLE, "--allow", ALLOW][..], args].concat());
        assert_eq!(code(&out), 2, "{args:?}");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("untimed.log");
    let untimed = Event::create("untimed")
        .namespace("x")
        .image("evil")
        .without_time();
    std::fs::write(&log, untimed.line()).expect("write");
    let out = run(&[
        log.to_str().expect("utf-8"),
        "--allow",
        ALLOW,
        "--since",
        "2026-03-02",
    ]);
    assert_eq!(
        code(&out),
        1,
        "kept: nothing shows it is outside the window"
    );
    assert!(
        stderr(&out).contains("1 finding has no readable time"),
        "{}",
        stderr(&out)
    );
}
