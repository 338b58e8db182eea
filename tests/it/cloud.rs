//! Cloud exports: EKS (CloudWatch), AKS (diagnostic settings) and GKE (Cloud Logging) exports give
//! the same findings as the API server's own log lines they carry.

use crate::report::{Report, strings};
use crate::util::{ALLOW, code, json, stderr};

/// (line, action, reason, outcome, user, disallowed images) of one finding.
type Row = (u64, String, String, String, String, Vec<String>);

/// The rows of every finding in `file`, and the whole document.
fn scan(file: &str) -> (Vec<Row>, Report) {
    let (doc, out) = json(&[file, "--allow", ALLOW]);
    assert!(code(&out) < 2, "{}", stderr(&out));
    let rows = doc
        .findings
        .iter()
        .map(|f| {
            (
                f.line,
                f.action.clone(),
                f.reason.clone(),
                f.outcome.clone(),
                f.user.clone().unwrap_or_else(|| "null".to_owned()),
                f.disallowed_images.clone(),
            )
        })
        .collect();
    (rows, doc)
}

/// A row for the expectations.
fn row(line: u64, action: &str, reason: &str, outcome: &str, user: &str, images: &[&str]) -> Row {
    let images = images.iter().map(|i| (*i).to_owned()).collect();
    (
        line,
        action.into(),
        reason.into(),
        outcome.into(),
        user.into(),
        images,
    )
}

const MINER: &str = "system:serviceaccount:ci:deploy-bot";

#[test]
fn eks_timestamp_lines_and_cloudwatch_exports() {
    let (rows, doc) = scan("testdata/eks-export.log");
    assert_eq!(
        rows,
        [
            row(
                2,
                "create",
                "disallowed-image",
                "created",
                MINER,
                &["xmrig/xmrig:latest"]
            ),
            row(
                4,
                "create",
                "disallowed-image",
                "created",
                "alice@example.com",
                &["docker.io/library/alpine:3.19"]
            ),
            row(
                5,
                "create",
                "disallowed-image",
                "created",
                "system:serviceaccount:kube-system:statefulset-controller",
                &["redis:7.2.4-alpine", "bitnami/redis-exporter:1.58.0"]
            ),
        ]
    );
    // The CloudWatch message ending in [Truncated...] is counted, not parsed.
    let summary = &doc.summary;
    assert_eq!(summary.skipped, 1, "{summary:?}");
    let why = &summary.skipped_at[0].why;
    assert!(why.contains("[Truncated...]"), "{why}");
    assert_eq!(summary.skipped_at[0].line, 4);
}

#[test]
fn aks_records_with_log_as_string_or_object() {
    let (rows, doc) = scan("testdata/aks-export.jsonl");
    assert_eq!(
        rows,
        [
            row(
                1,
                "create",
                "disallowed-image",
                "rejected",
                "frank@example.com",
                &["ubuntu:22.04"]
            ),
            row(
                1,
                "create",
                "disallowed-image",
                "created",
                "system:serviceaccount:kube-system:statefulset-controller",
                &["redis:7.2.4-alpine", "bitnami/redis-exporter:1.58.0"]
            ),
            row(
                2,
                "create",
                "disallowed-image",
                "created",
                MINER,
                &["xmrig/xmrig:latest"]
            ),
        ]
    );
    assert_eq!(
        doc.summary.skipped, 0,
        "a kube-apiserver record is not an error: {:?}",
        doc.summary
    );
    let (rows, _) = scan("testdata/aks-export-pretty.json");
    assert_eq!(
        rows,
        [row(
            1,
            "create",
            "disallowed-image",
            "created",
            "alice@example.com",
            &["docker.io/library/alpine:3.19"]
        )]
    );
}

#[test]
fn gke_log_entries_map_onto_findings() {
    let (rows, doc) = scan("testdata/gke-export.jsonl");
    assert_eq!(
        rows,
        [
            row(
                1,
                "create",
                "disallowed-image",
                "created",
                MINER,
                &["xmrig/xmrig:latest"]
            ),
            row(
                3,
                "image-change",
                "disallowed-image",
                "created",
                "mallory@example.com",
                &["xmrig/xmrig:6.21.0"]
            ),
            row(
                4,
                "ephemeral",
                "disallowed-image",
                "created",
                "alice@example.com",
                &["busybox:latest"]
            ),
            // gRPC status 7 (PERMISSION_DENIED): the attempt, refused.
            row(
                5,
                "create",
                "disallowed-image",
                "rejected",
                "alice@example.com",
                &["docker.io/library/alpine:3.19"]
            ),
        ]
    );
    let first = &doc.findings[0];
    assert_eq!(first.namespace.as_deref(), Some("default"));
    assert_eq!(first.pod.as_deref(), Some("kworker-sync"));
    assert_eq!(first.status_code, None, "GKE logs no HTTP status");
    assert_eq!(first.stage, None, "GKE logs no stage");
    assert_eq!(first.source_ips, Some(strings(&["198.51.100.77"])));
    assert!(first.audit_id.is_some() && first.time.is_some());
}

/// GKE names workload writes by their API group (`io.k8s.apps.v1.deployments.create`): they are
/// read like the API server's own lines, so a controller's pod is attributed through them, and
/// `--workloads` judges them.
#[test]
fn gke_workload_writes_attribute_controller_pods() {
    let file = "testdata/gke-deployment-chain.jsonl";
    let (doc, out) = json(&[file, "--allow", ALLOW]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(doc.findings.len(), 1);
    let f = &doc.findings[0];
    assert_eq!(f.line, 3);
    assert_eq!(f.pod.as_deref(), Some("web-7d9f8c6b5-x2k4p"));
    let a = f.attribution.as_ref().expect("attributed");
    assert_eq!(a.how, "owner-chain");
    assert_eq!(
        a.chain,
        strings(&["ReplicaSet/web-7d9f8c6b5", "Deployment/web"])
    );
    let initiator = a.initiator.as_ref().expect("an initiator");
    assert_eq!(initiator.user.as_deref(), Some("alice@example.com"));
    assert_eq!(initiator.verb.as_deref(), Some("create"));
    assert_eq!(initiator.line, 1);
    assert_eq!(
        initiator.audit_id.as_deref(),
        Some("3e1f0a52-9c7b-4d8e-a6f1-2b3c4d5e6f70")
    );
    assert_eq!(doc.summary.skipped, 0, "every line is an audit event");

    let (doc, _) = json(&[file, "--allow", ALLOW, "--workloads"]);
    let got: Vec<(u64, &str, &str, Option<&str>)> = doc
        .findings
        .iter()
        .map(|f| {
            (
                f.line,
                f.action.as_str(),
                f.kind.as_str(),
                f.name.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "workload-create", "Deployment", Some("web")),
            (2, "workload-create", "ReplicaSet", Some("web-7d9f8c6b5")),
            (3, "create", "Pod", Some("web-7d9f8c6b5-x2k4p")),
        ]
    );
}
