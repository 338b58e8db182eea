//! The ways a pod gets an image without a `create` — server-side apply,
//! image changes by merge patch, JSON patch or update, and `kubectl debug`'s ephemeral
//! containers — and the near misses that must not be findings.

use crate::report::{Finding, strings};
use crate::util::{ALLOW, code, json, run, stderr, stdout};

/// Scans `testdata/image-changes.jsonl` with the fixtures' allowlist.
fn scan() -> Vec<Finding> {
    let (doc, out) = json(&["testdata/image-changes.jsonl", "--allow", ALLOW]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    doc.findings
}

/// (line, action, reason, outcome, pod, disallowed images) of one finding.
fn summary(f: &Finding) -> (u64, String, String, String, String, Vec<String>) {
    (
        f.line,
        f.action.clone(),
        f.reason.clone(),
        f.outcome.clone(),
        f.pod.clone().unwrap_or_else(|| "null".to_owned()),
        f.disallowed_images.clone(),
    )
}

#[test]
fn every_shape_as_the_api_server_logs_it() {
    let got: Vec<_> = scan().iter().map(summary).collect();
    let row = |line: u64, action: &str, reason: &str, outcome: &str, pod: &str, images: &[&str]| {
        let images = images.iter().map(|i| (*i).to_owned()).collect();
        (
            line,
            action.to_owned(),
            reason.to_owned(),
            outcome.to_owned(),
            pod.to_owned(),
            images,
        )
    };
    let want = vec![
        // kubectl apply --server-side of a new pod: a patch answered 201.
        row(
            1,
            "apply-create",
            "disallowed-image",
            "created",
            "toolbox",
            &["docker.io/kalilinux/kali-rolling:latest"],
        ),
        // Line 2: the same for an allowed pod. Line 3: apply to an existing pod (200).
        row(
            3,
            "image-change",
            "disallowed-image",
            "created",
            "web-ssa",
            &["docker.io/library/httpd:2.4"],
        ),
        // kubectl set image: a strategic merge patch naming only the changed container.
        row(
            4,
            "image-change",
            "disallowed-image",
            "created",
            "web-7d4b9c8f6-x2x9k",
            &["xmrig/xmrig:6.21.0"],
        ),
        // kubectl patch --type=json replacing /spec/containers/0/image.
        row(
            5,
            "image-change",
            "disallowed-image",
            "created",
            "api-0",
            &["ghcr.io/evil/api:latest"],
        ),
        // A JSON patch adding a whole container; the server refused it, the attempt still shows.
        row(
            6,
            "image-change",
            "disallowed-image",
            "rejected",
            "api-0",
            &["alpine:3.19"],
        ),
        // kubectl debug: a patch on pods/ephemeralcontainers.
        row(
            7,
            "ephemeral",
            "disallowed-image",
            "created",
            "api-0",
            &["busybox:latest"],
        ),
        // Line 8: the pre-1.22 EphemeralContainers update with an allowed image.
        // A Metadata-level ephemeral-container request is judged like a create.
        row(9, "ephemeral", "images-unknown", "created", "api-2", &[]),
        // update (PUT) of the whole pod: only the envoy image is not allowed.
        row(
            10,
            "image-change",
            "disallowed-image",
            "created",
            "batch-worker",
            &["envoyproxy/envoy:v1.29.1"],
        ),
        // A JSON patch copying a staged value onto an image path: the image cannot be seen.
        row(
            11,
            "image-change",
            "images-unknown",
            "created",
            "api-0",
            &[],
        ),
    ];
    // Lines 12-17 are near misses: a label-only patch, a kubelet pods/status patch whose status
    // names a miner image, a Metadata-level patch, a resources-only patch, and allowed changes.
    assert_eq!(got, want);
}

#[test]
fn patch_findings_list_only_the_images_the_request_sets() {
    let all = scan();
    let at = |line: u64| {
        all.iter()
            .find(|f| f.line == line)
            .unwrap_or_else(|| panic!("a finding at line {line}"))
    };
    let set_image = at(4);
    assert_eq!(set_image.images, Some(strings(&["xmrig/xmrig:6.21.0"])));
    assert_eq!(set_image.container(0).name.as_deref(), Some("web"));
    assert_eq!(set_image.user.as_deref(), Some("mallory@example.com"));
    let json_patch = at(5);
    assert_eq!(json_patch.container(0).kind, "container");
    assert_eq!(
        json_patch.container(0).name,
        None,
        "a JSON patch names an index, not a container"
    );
    let debug = at(7);
    assert_eq!(debug.container(0).kind, "ephemeral");
    assert_eq!(debug.container(0).name.as_deref(), Some("debugger-7xk2p"));
    assert_eq!(at(9).images, None);
}

#[test]
fn the_table_shows_the_action() {
    let table = stdout(&run(&["testdata/image-changes.jsonl", "--allow", ALLOW]));
    for action in [
        "apply-create/created",
        "image-change/created",
        "image-change/rejected",
        "ephemeral/created",
    ] {
        assert!(table.contains(action), "{action} missing:\n{table}");
    }
}
