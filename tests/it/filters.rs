//! `--since`, `--until`, `--namespace` and `--user`: they narrow the findings, say how many they
//! left out, refuse bad values, and keep findings with no readable time. `--user` matches the
//! requester or the initiator behind a finding; for `--suggest-allowlist`, which reads requests
//! before any attribution, only the requester.

use crate::util::{ALLOW, ATTRIBUTION, Event, SAMPLE, code, json, run, stderr, stdout};

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

/// The `file:line` of each finding of the attribution logs that `--user glob` keeps, with the
/// common directory left out, and how many were left out.
fn kept_for_user(glob: &str) -> (Vec<String>, u64) {
    let (doc, out) = json(&[&ATTRIBUTION[..], &["--allow", ALLOW, "--user", glob]].concat());
    assert_ne!(code(&out), 2, "{}", stderr(&out));
    let kept = doc
        .findings
        .iter()
        .map(|f| {
            let file = f.file.trim_start_matches("testdata/attribution/");
            format!("{file}:{}", f.line)
        })
        .collect();
    (kept, doc.summary.filters.excluded)
}

#[test]
fn a_user_glob_matches_the_requester_or_the_initiator() {
    // 26 findings in all: 4 + 4 behind bob, 3 CronJob pods, 5 other chains, 2 forged, 3 missing
    // owners, 2 without spec, 2 from a webhook, 1 in the reversed files.
    let (all, excluded) = kept_for_user("*");
    assert_eq!((all.len(), excluded), (26, 0));
    // Bob set the image every replicaset-controller (or controller manager) pod ran.
    assert_eq!(
        kept_for_user("bob@example.com"),
        (
            vec![
                "deployment-chain.log:7".to_owned(),
                "deployment-chain.log:10".to_owned(),
                "deployment-chain.log:14".to_owned(),
                "deployment-chain.log:17".to_owned(),
                "kube-controller-manager.log:7".to_owned(),
                "kube-controller-manager.log:10".to_owned(),
                "kube-controller-manager.log:14".to_owned(),
                "kube-controller-manager.log:17".to_owned(),
            ],
            18
        )
    );
    // The pipeline's CronJob, not grace's Job made from it by hand.
    assert_eq!(
        kept_for_user("system:serviceaccount:ci:*").0,
        ["cronjob-chain.log:3", "cronjob-chain.log:7"]
    );
    assert_eq!(kept_for_user("grace@*").0, ["cronjob-chain.log:5"]);
    assert_eq!(
        kept_for_user("*:argocd-application-controller").0,
        ["other-chains.log:4"]
    );
    // The requester still counts: the pods replicaset-controller made, attributed or not, and
    // the forged pod that impersonated it.
    let (controller, _) = kept_for_user("system:serviceaccount:kube-system:replicaset-controller");
    assert_eq!(
        controller,
        [
            "deployment-chain.log:7",
            "deployment-chain.log:10",
            "deployment-chain.log:14",
            "deployment-chain.log:17",
            "forged-owner.log:5",
            "metadata-owner.log:3",
            "metadata-owner.log:6",
            "missing-owner.log:1",
            "missing-owner.log:3",
            "missing-owner.log:4",
            "no-request-set-image.log:3",
            "no-request-set-image.log:4",
            "other-chains.log:10",
            "reverse-order/a.log:1",
        ]
    );
}

#[test]
fn a_suggested_allowlist_filters_requests_by_their_requester_only() {
    let log = "testdata/attribution/deployment-chain.log";
    let suggest = |glob: &str| {
        let out = run(&[log, "--suggest-allowlist", "--user", glob]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        stdout(&out)
    };
    // Bob patched the Deployment; he requested no pod, so no accepted pod request is his.
    assert!(suggest("bob@example.com").contains("images: []"));
    let controller = suggest("*:replicaset-controller");
    assert!(
        controller.contains("- docker.io/bobsrepo/nginx-custom ")
            && controller.contains("- docker.io/library/nginx "),
        "{controller}"
    );
}

/// A pod create of `pod` running `image`, answered with `code` (`None`: not logged), dry run or
/// not.
fn outcome_event(pod: &str, image: &str, code: Option<u16>, dry_run: bool) -> String {
    let line = Event::create(pod).image(image).line();
    let line = match code {
        Some(code) => line.replace(r#""code":201"#, &format!(r#""code":{code}"#)),
        None => line.replace(r#","responseStatus":{"metadata":{},"code":201}"#, ""),
    };
    if dry_run {
        line.replace("/pods\"", "/pods?dryRun=All\"")
    } else {
        line
    }
}

/// `--outcome`, `--reason` and `--action` keep the findings with those values, so a gate can fail
/// only on pods that were actually created.
#[test]
fn outcome_reason_and_action_narrow_what_a_gate_fails_on() {
    let log = [
        outcome_event("made", "xmrig/xmrig", Some(201), false),
        outcome_event("refused", "xmrig/xmrig", Some(403), false),
        outcome_event("tried", "xmrig/xmrig", Some(201), true),
        outcome_event("unlogged", "xmrig/xmrig", None, false),
        Event::create("blind").line(),
    ]
    .join("\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.log");
    std::fs::write(&path, log + "\n").expect("write");
    let path = path.display().to_string();
    let pods = |filters: &[&str]| -> (Vec<String>, i32) {
        let (doc, out) = json(&[&[path.as_str(), "--allow", ALLOW][..], filters].concat());
        let pods = doc
            .findings
            .iter()
            .map(|f| f.pod.clone().unwrap_or_default())
            .collect();
        (pods, code(&out))
    };
    assert_eq!(
        pods(&[]).0,
        ["made", "refused", "tried", "unlogged", "blind"]
    );
    assert_eq!(
        pods(&["--outcome", "created"]),
        (vec!["made".to_owned(), "blind".to_owned()], 1)
    );
    assert_eq!(
        pods(&["--outcome", "rejected", "--outcome", "dry-run"]).0,
        ["refused", "tried"]
    );
    assert_eq!(pods(&["--outcome", "unknown"]).0, ["unlogged"]);
    assert_eq!(pods(&["--reason", "images-unknown"]).0, ["blind"]);
    assert_eq!(
        pods(&["--outcome", "created", "--reason", "disallowed-image"]).0,
        ["made"]
    );
    assert_eq!(
        pods(&["--action", "image-change"]),
        (vec![], 0),
        "nothing left: clean"
    );
    assert_eq!(pods(&["--action", "create"]).0.len(), 5);
    assert_eq!(
        code(&run(&[&path, "--allow", ALLOW, "--outcome", "maybe"])),
        2
    );
}

/// `--since 24h` is a duration before now.
#[test]
fn since_takes_a_duration_before_now() {
    let now = jiff::Timestamp::now();
    let at = |ago: i64| (now - jiff::SignedDuration::from_hours(ago)).to_string();
    let event = |pod: &str, time: &str| {
        Event::create(pod)
            .image("xmrig/xmrig")
            .line()
            .replace("2026-03-09T10:00:00.000000Z", time)
    };
    let log = format!("{}\n{}\n", event("old", &at(48)), event("new", &at(1)));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.log");
    std::fs::write(&path, log).expect("write");
    let path = path.display().to_string();
    let (doc, out) = json(&[&path, "--allow", ALLOW, "--since", "24h"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let pods: Vec<_> = doc.findings.iter().map(|f| f.pod.as_deref()).collect();
    assert_eq!(pods, [Some("new")]);
    let (doc, _) = json(&[&path, "--allow", ALLOW, "--since", "3d", "--until", "2h"]);
    let pods: Vec<_> = doc.findings.iter().map(|f| f.pod.as_deref()).collect();
    assert_eq!(pods, [Some("old")]);
    assert_eq!(code(&run(&[&path, "--allow", ALLOW, "--since", "24x"])), 2);
}
