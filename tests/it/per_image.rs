//! `--summary`, the per-image view: one row per disallowed image, the same rows in every format.

use crate::report::PerImage;
use crate::util::{ALLOW, SAMPLE, code, json_as, run, stderr, stdout};

/// The rows of a `--summary --format json` document, as `(image, count)`.
fn summary_rows(doc: &PerImage) -> Vec<(Option<&str>, u64)> {
    doc.images
        .iter()
        .map(|r| (r.image.as_deref(), r.count))
        .collect()
}

#[test]
fn summary_is_one_row_per_disallowed_image() {
    let (doc, out) = json_as::<PerImage>(&[SAMPLE, "--allow", ALLOW, "--summary"]);
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
    let xmrig = &doc.images[1];
    assert_eq!(
        xmrig.reference.as_deref(),
        Some("docker.io/xmrig/xmrig:latest")
    );
    assert_eq!(xmrig.namespaces, ["default"]);
    assert_eq!(xmrig.users, ["system:serviceaccount:ci:deploy-bot"]);
    assert_eq!(
        xmrig.first_seen.as_deref(),
        Some("2026-03-02T09:12:05.327634Z")
    );
    assert_eq!(xmrig.outcomes["created"], 1);
    assert_eq!(doc.images[3].outcomes["rejected"], 1);
    assert_eq!(doc.summary.findings, 5);
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
