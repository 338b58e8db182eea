//! `--suggest-allowlist`: a suggestion fed back as `--allow` allows every accepted request, and it
//! marks what the current allowlist does not allow.

use std::path::Path;

use serde_json::Value;

use crate::util::{ALLOW, MIXED, SAMPLE, code, json, run, stderr, stdout};

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
    doc.findings
        .into_iter()
        .filter(|f| f.reason == "disallowed-image")
        .map(|f| (f.outcome, f.disallowed_images))
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
    // and one accepted image that is not a valid reference, which nothing can allow.
    let (allow, text) = suggest(dir.path(), MIXED, &[]);
    assert!(
        text.contains("#   Acme/Billing-API:1.0  (1 request"),
        "{text}"
    );
    for (outcome, images) in disallowed(MIXED, &allow) {
        assert!(
            outcome != "created" || images == ["Acme/Billing-API:1.0"],
            "{outcome} {images:?}"
        );
    }
}

#[test]
fn a_suggestion_marks_what_the_current_allowlist_does_not_allow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, text) = suggest(dir.path(), MIXED, &["--allow", ALLOW]);
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
