//! Issue 8, the forensics and CI features (SPEC §2, §9): `--summary`, `--suggest-allowlist` and
//! its round trip, the filters and `--default-registry` here; CSV, colour, the progress bar under a
//! pseudo-terminal, completions, the man page and `--help` in [`output`].

mod output;

use std::path::Path;

use serde_json::Value;

use crate::util::{code, json, run, stderr, stdout};

const ALLOW: &str = "testdata/allow.yaml";
const SAMPLE: &str = "testdata/sample-audit.log";
const CASES: &str = "testdata/pod-requests-mixed.jsonl";

/// The `images` rows of a `--summary --format json` document, as `(image, count)`.
fn summary_rows(doc: &Value) -> Vec<(Option<&str>, u64)> {
    doc["images"]
        .as_array()
        .expect("images is an array")
        .iter()
        .map(|r| (r["image"].as_str(), r["count"].as_u64().expect("count")))
        .collect()
}

#[test]
fn summary_is_one_row_per_disallowed_image() {
    let (doc, out) = json(&[SAMPLE, "--allow", ALLOW, "--summary"]);
    assert_eq!(code(&out), 1, "findings still mean exit 1");
    assert_eq!(
        summary_rows(&doc),
        [
            (Some("docker.io/library/alpine:3.19"), 1),
            (Some("xmrig/xmrig:latest"), 1),
            (Some("public.ecr.aws/aws-cli/aws-cli:2.15.30"), 1),
            (None, 2),
        ]
    );
    let xmrig = &doc["images"][1];
    assert_eq!(xmrig["reference"], "docker.io/xmrig/xmrig:latest");
    assert_eq!(xmrig["namespaces"], serde_json::json!(["default"]));
    assert_eq!(
        xmrig["users"],
        serde_json::json!(["system:serviceaccount:ci:deploy-bot"])
    );
    assert_eq!(xmrig["first_seen"], "2026-03-02T09:12:05.327634Z");
    assert_eq!(xmrig["outcomes"]["created"], 1);
    assert_eq!(doc["images"][3]["outcomes"]["rejected"], 1);
    assert_eq!(doc["summary"]["findings"], 5);
}

#[test]
fn summary_table_jsonl_and_csv_have_the_same_rows() {
    let table = stdout(&run(&[SAMPLE, "--allow", ALLOW, "--summary"]));
    let mut rows = table
        .lines()
        .skip_while(|l| !l.contains("xmrig/xmrig:latest"));
    let row = rows.next().expect("a row for the miner");
    assert!(
        row.contains("created 1") && row.contains("deploy-bot"),
        "{row}"
    );
    let normalized = rows.next().expect("a second line");
    assert!(
        normalized.contains("→ docker.io/xmrig/xmrig:latest"),
        "{table}"
    );
    assert!(
        table.contains("FIRST/LAST SEEN") && table.contains("<unknown>"),
        "{table}"
    );

    let lines = stdout(&run(&[
        SAMPLE,
        "--allow",
        ALLOW,
        "--summary",
        "--format",
        "jsonl",
    ]));
    assert_eq!(lines.lines().count(), 4);
    let csv = stdout(&run(&[
        SAMPLE,
        "--allow",
        ALLOW,
        "--summary",
        "--format",
        "csv",
    ]));
    assert!(csv.starts_with("image,reference,reason,count,"), "{csv}");
    assert_eq!(csv.lines().count(), 5);

    let falco = run(&[SAMPLE, "--allow", ALLOW, "--summary", "--format", "falco"]);
    assert_eq!(code(&falco), 2);
    assert!(stderr(&falco).contains("--summary has no Falco form"));
}

/// Writes the suggestion for `log` into `dir` and returns its path and text.
fn suggest(dir: &Path, log: &str, extra: &[&str]) -> (String, String) {
    let out = run(&[&[log, "--suggest-allowlist"][..], extra].concat());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("suggested"), "{}", stderr(&out));
    let path = dir.join("suggested.yaml");
    std::fs::write(&path, stdout(&out)).expect("write");
    (path.to_str().expect("utf-8").to_owned(), stdout(&out))
}

/// The disallowed-image findings of `log` with `allow`, as `(outcome, images)`.
fn disallowed(log: &str, allow: &str) -> Vec<(String, Vec<String>)> {
    let (doc, _) = json(&[log, "--allow", allow]);
    crate::util::findings(&doc)
        .iter()
        .filter(|f| f["reason"] == "disallowed-image")
        .map(|f| {
            let images = f["disallowed_images"].as_array().expect("array");
            let images = images.iter().map(|i| i.as_str().expect("str").to_owned());
            (
                f["outcome"].as_str().expect("str").to_owned(),
                images.collect(),
            )
        })
        .collect()
}

#[test]
fn a_suggested_allowlist_fed_back_allows_every_accepted_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (allow, text) = suggest(dir.path(), SAMPLE, &[]);
    let parsed: Value = serde_yaml::from_str(&text).expect("the suggestion is YAML");
    assert!(
        parsed["images"].as_array().is_some_and(|a| a.len() == 6),
        "{text}"
    );
    assert!(
        text.contains("  # docker.io\n  - docker.io/library/alpine "),
        "{text}"
    );
    assert!(
        text.contains("- docker.io/library/nginx         # 2 requests in shop, "),
        "{text}"
    );
    assert_eq!(disallowed(SAMPLE, &allow), [], "{text}");

    // The mixed pod requests also hold requests the API server refused or only dry-ran, which stay findings,
    // and one accepted image that is not a valid reference, which nothing can allow (§5).
    let (allow, text) = suggest(dir.path(), CASES, &[]);
    assert!(
        text.contains("#   Acme/Billing-API:1.0  (1 request"),
        "{text}"
    );
    for (outcome, images) in disallowed(CASES, &allow) {
        assert!(
            outcome != "created" || images == ["Acme/Billing-API:1.0"],
            "{outcome} {images:?}"
        );
    }
}

#[test]
fn a_suggestion_marks_what_the_current_allowlist_does_not_allow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, text) = suggest(dir.path(), CASES, &["--allow", ALLOW]);
    let marked = |repo: &str| {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("  - {repo} ")))
            .unwrap_or_else(|| panic!("{repo} in\n{text}"));
        line.contains("not allowed by --allow")
    };
    assert!(marked("docker.io/library/postgres"));
    assert!(!marked("docker.io/library/nginx"));
    let (_, since) = suggest(dir.path(), SAMPLE, &["--since", "2026-03-02T09:10:00Z"]);
    assert!(
        !since.contains("nginx") && since.contains("xmrig"),
        "{since}"
    );
    let falco = run(&[SAMPLE, "--suggest-allowlist", "--falco"]);
    assert_eq!(
        code(&falco),
        2,
        "Falco's literal repositories are not suggested"
    );
}

/// The `(namespace, pod)` of each finding of a run with `filters`.
fn found(filters: &[&str]) -> Vec<(String, String)> {
    let (doc, out) = json(&[&[SAMPLE, "--allow", ALLOW][..], filters].concat());
    assert_ne!(code(&out), 2, "{}", stderr(&out));
    crate::util::findings(&doc)
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("-").to_owned();
            (s("namespace"), s("pod"))
        })
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
    assert_eq!(doc["summary"]["filters"]["excluded"], 5);
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
    std::fs::write(
        &log,
        r#"{"kind":"Event","verb":"create","objectRef":{"resource":"pods","namespace":"x"},"requestObject":{"spec":{"containers":[{"name":"a","image":"evil"}]}}}"#,
    )
    .expect("write");
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

#[test]
fn default_registry_resolves_unqualified_names() {
    let (doc, _) = json(&[
        SAMPLE,
        "--allow",
        ALLOW,
        "--default-registry",
        "mirror.example",
    ]);
    let miner = crate::util::findings(&doc)
        .iter()
        .find(|f| f["pod"] == "kworker-sync")
        .expect("the miner");
    assert_eq!(
        miner["containers"][0]["reference"],
        "mirror.example/xmrig/xmrig:latest"
    );
    let out = run(&[
        SAMPLE,
        "--suggest-allowlist",
        "--default-registry",
        "mirror.example",
    ]);
    assert!(
        stdout(&out).contains("  - mirror.example/nginx "),
        "{}",
        stdout(&out)
    );
}
