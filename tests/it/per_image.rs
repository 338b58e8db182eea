//! `--summary`, the per-image view: one row per disallowed image, the same rows in every format,
//! with who put each image in.

use std::collections::BTreeMap;

use crate::report::PerImage;
use crate::util::{ALLOW, ATTRIBUTION, SAMPLE, code, json_as, run, stderr, stdout};

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
    assert_eq!(
        xmrig.initiators,
        BTreeMap::from([("system:serviceaccount:ci:deploy-bot".to_owned(), 1)]),
        "a pod made without an owner: its requester put the image in"
    );
    // The nightly backup's Job was logged without its spec: who set its image is not known.
    assert_eq!(doc.images[2].initiators, BTreeMap::new());
    assert_eq!(doc.images[2].unresolved, 1);
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

/// An image row's initiators with their counts, and its unresolved count.
type Initiators<'a> = (Vec<(&'a str, u64)>, u64);

#[test]
fn summary_counts_who_put_each_image_in() {
    let (doc, out) =
        json_as::<PerImage>(&[&ATTRIBUTION[..], &["--allow", ALLOW, "--summary"]].concat());
    assert_eq!(code(&out), 1);
    // Worked out from the fixtures' stories: each pod's initiator, or unresolved.
    let ci = "system:serviceaccount:ci:gitlab-deployer";
    let argo = "system:serviceaccount:argocd:argocd-application-controller";
    let want: BTreeMap<&str, Initiators<'_>> = [
        // Bob's `set image`, followed by four pods in each of two namespaces.
        (
            "bobsrepo/nginx-custom:1.25-debug",
            (vec![("bob@example.com", 8)], 0),
        ),
        // The CI pipeline's CronJob made two Jobs; grace made one from it by hand.
        (
            "registry.gitlab.com/acme/reporting/report-gen:2.3",
            (vec![("grace@example.com", 1), (ci, 2)], 0),
        ),
        ("mongo:7.0", (vec![("erin@example.com", 1)], 0)),
        ("flyway/flyway:10.8", (vec![("erin@example.com", 1)], 0)),
        ("fluent/fluent-bit:3.0.4", (vec![(argo, 1)], 0)),
        ("php:5.6-apache", (vec![("frank@example.com", 1)], 0)),
        ("redis:7.2.4", (vec![("frank@example.com", 1)], 0)),
        // Mallory's own pods, whatever owner they claim.
        ("xmrig/xmrig:6.21.0", (vec![("mallory@example.com", 2)], 0)),
        (
            "ghcr.io/judy-fork/checkout:2.0-hotfix",
            (vec![("judy@example.com", 1)], 0),
        ),
        // Owners missing, logged without their spec, or an image no request set.
        ("ghcr.io/acme-payments/api:3.1", (vec![], 1)),
        ("ghcr.io/acme-payments/worker:1.9", (vec![], 1)),
        ("ghcr.io/acme-payments/ledger:0.9", (vec![], 1)),
        ("pytorch/pytorch:2.2.0-cuda12.1-cudnn8-runtime", (vec![], 1)),
        (
            "docker.elastic.co/elasticsearch/elasticsearch:8.12.2",
            (vec![], 1),
        ),
        ("mirror.example.net/library/nginx:1.25", (vec![], 2)),
    ]
    .into_iter()
    .collect();
    let got: BTreeMap<&str, Initiators<'_>> = doc
        .images
        .iter()
        .map(|r| {
            let initiators = r.initiators.iter().map(|(u, n)| (u.as_str(), *n)).collect();
            (
                r.image.as_deref().expect("every image is known"),
                (initiators, r.unresolved),
            )
        })
        .collect();
    assert_eq!(got, want);
    for r in &doc.images {
        assert_eq!(
            r.initiators.values().sum::<u64>() + r.unresolved,
            r.count,
            "every finding is counted once: {r:?}"
        );
    }
    let bob = doc
        .images
        .iter()
        .find(|r| r.image.as_deref() == Some("bobsrepo/nginx-custom:1.25-debug"))
        .expect("bob's image");
    assert_eq!(
        bob.users,
        [
            "system:kube-controller-manager",
            "system:serviceaccount:kube-system:replicaset-controller"
        ],
        "the requesters are still the controllers"
    );
}

#[test]
fn summary_table_and_csv_show_the_initiators() {
    let args = [&ATTRIBUTION[..], &["--allow", ALLOW, "--summary"]].concat();
    let table = stdout(&run(&args));
    assert!(table.contains("INITIATORS"), "{table}");
    let row = |image: &str| {
        table
            .lines()
            .find(|l| l.contains(image))
            .unwrap_or_else(|| panic!("no row for {image}:\n{table}"))
            .to_owned()
    };
    assert!(
        row("bobsrepo/nginx-custom:1.25-debug").contains("bob@example.com (8)"),
        "{table}"
    );
    assert!(
        row("mirror.example.net/library/nginx:1.25").contains("<unresolved> (2)"),
        "{table}"
    );

    let csv = stdout(&run(&[&args[..], &["--format", "csv"]].concat()));
    let mut reader = ::csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().expect("a header").clone();
    assert_eq!(
        header.iter().skip(12).collect::<Vec<_>>(),
        ["initiators", "unresolved"],
        "after the columns there were"
    );
    let rows: Vec<::csv::StringRecord> = reader.records().map(|r| r.expect("a record")).collect();
    let cells = |image: &str| {
        let r = rows.iter().find(|r| &r[0] == image).expect("a row");
        (r[12].to_owned(), r[13].to_owned())
    };
    assert_eq!(
        cells("registry.gitlab.com/acme/reporting/report-gen:2.3"),
        (
            "grace@example.com=1 system:serviceaccount:ci:gitlab-deployer=2".to_owned(),
            "0".to_owned()
        )
    );
    assert_eq!(
        cells("mirror.example.net/library/nginx:1.25"),
        (String::new(), "2".to_owned())
    );
}
