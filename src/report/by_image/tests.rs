//! Rows per image: grouping, sorting, first/last seen by parsed time, outcomes, `<unknown>`.

use super::*;
use crate::finding::{Action, ContainerKind, ContainerVerdict, ObjectKind};
use crate::report::sample::{REPLICASET_CONTROLLER, owner_chain, pod, request, resolved};

fn finding(
    images: &[(&str, Option<&str>)],
    ns: &str,
    user: &str,
    time: &str,
    o: Outcome,
) -> Finding {
    let containers: Vec<ContainerVerdict> = images
        .iter()
        .map(|&(image, reference)| ContainerVerdict {
            name: Some("c".to_owned()),
            kind: ContainerKind::Container,
            image: Some(image.to_owned()),
            reference: reference.map(str::to_owned),
            allowed: false,
        })
        .collect();
    Finding {
        file: "a.log".to_owned(),
        line: 1,
        item: None,
        audit_id: None,
        time: Some(time.to_owned()),
        stage: None,
        action: Action::Create,
        namespace: Some(ns.to_owned()),
        pod: None,
        generate_name: None,
        user: Some(user.to_owned()),
        impersonated_user: None,
        source_ips: None,
        user_agent: None,
        status_code: None,
        outcome: o,
        reason: if images.is_empty() {
            Reason::ImagesUnknown
        } else {
            Reason::DisallowedImage
        },
        images: Some(images.iter().map(|(i, _)| (*i).to_owned()).collect()),
        disallowed_images: images.iter().map(|(i, _)| (*i).to_owned()).collect(),
        containers: Some(containers),
        kind: ObjectKind::Pod,
        name: None,
        attribution: None,
    }
}

const XMRIG: (&str, Option<&str>) = ("xmrig/xmrig", Some("docker.io/xmrig/xmrig:latest"));
const XMRIG_FULL: (&str, Option<&str>) = (
    "docker.io/xmrig/xmrig:latest",
    Some("docker.io/xmrig/xmrig:latest"),
);
const ALPINE: (&str, Option<&str>) = ("alpine:3.19", Some("docker.io/library/alpine:3.19"));
const BAD: (&str, Option<&str>) = ("Bad Ref", None);

#[test]
fn one_row_per_image_as_written_sorted_by_reference() {
    let findings = [
        finding(
            &[XMRIG, BAD],
            "default",
            "bot",
            "2026-03-02T08:40:00Z",
            Outcome::Created,
        ),
        finding(
            &[ALPINE],
            "ops",
            "alice",
            "2026-03-02T08:50:00Z",
            Outcome::Created,
        ),
        finding(
            &[XMRIG_FULL],
            "kube-system",
            "bot",
            "2026-03-02T08:41:00Z",
            Outcome::Rejected,
        ),
        finding(&[], "ml", "bob", "2026-03-02T08:45:00Z", Outcome::Unknown),
        finding(
            &[XMRIG],
            "kube-system",
            "bot",
            "2026-03-02T09:10:00+01:00",
            Outcome::Rejected,
        ),
    ];
    let rows = rows(&findings);
    let images: Vec<_> = rows.iter().map(|r| r.image).collect();
    assert_eq!(
        images,
        [
            Some("alpine:3.19"),
            Some("docker.io/xmrig/xmrig:latest"),
            Some("xmrig/xmrig"),
            Some("Bad Ref"),
            None
        ]
    );
    let xmrig = &rows[2];
    assert_eq!(xmrig.count, 2);
    assert_eq!(
        xmrig.namespaces.iter().copied().collect::<Vec<_>>(),
        ["default", "kube-system"]
    );
    assert_eq!(xmrig.users.iter().copied().collect::<Vec<_>>(), ["bot"]);
    assert_eq!(
        xmrig.first_seen,
        Some("2026-03-02T09:10:00+01:00"),
        "08:10 UTC, earlier than 08:40 UTC"
    );
    assert_eq!(xmrig.last_seen, Some("2026-03-02T08:40:00Z"));
    assert_eq!(xmrig.outcomes.describe(), "created 1, rejected 1");
    assert_eq!(rows[3].reference, None);
    assert_eq!(rows[4].reason, Reason::ImagesUnknown);
    assert_eq!(rows[4].outcomes.unknown, 1);
}

/// The count, first seen and outcomes of the single row of `f`.
fn rows_of(f: &Finding) -> (u64, Option<&str>, String) {
    let r = rows(std::slice::from_ref(f));
    (r[0].count, r[0].first_seen, r[0].outcomes.describe())
}

#[test]
fn an_unreadable_time_counts_but_does_not_place_the_image() {
    let mut f = finding(&[ALPINE], "ops", "alice", "garbage", Outcome::DryRun);
    assert_eq!(rows_of(&f), (1, None, "dry-run 1".to_owned()));
    f.time = None;
    assert_eq!(rows_of(&f).1, None);
}

#[test]
fn json_rows_have_every_key() {
    let findings = [finding(
        &[ALPINE],
        "ops",
        "alice",
        "2026-03-02T08:50:00Z",
        Outcome::Created,
    )];
    let value = serde_json::to_value(&rows(&findings)[0]).expect("serializes");
    let keys: Vec<_> = value.as_object().expect("object").keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "count",
            "first_seen",
            "image",
            "initiators",
            "last_seen",
            "namespaces",
            "outcomes",
            "reason",
            "reference",
            "unresolved",
            "users"
        ]
    );
    assert_eq!(
        value["outcomes"],
        serde_json::json!({"created": 1, "rejected": 0, "dry-run": 0, "unknown": 0})
    );
}

#[test]
fn initiators_are_counted_per_image_and_unresolved_findings_apart() {
    let bob = || request("bob@example.com", 5);
    let mut carol = request("carol@example.com", 9);
    carol.impersonated_user = Some("bob@example.com".to_owned());
    let mut unattributed = pod("falco", "dave@example.com");
    unattributed.attribution = None;
    let mut nameless = owner_chain("web-5", request("x", 5));
    if let Some(i) = nameless
        .attribution
        .as_mut()
        .and_then(|a| a.initiator.as_mut())
    {
        i.user = None;
    }
    let findings = [
        owner_chain("web-1", bob()),
        owner_chain("web-2", bob()),
        owner_chain("web-3", carol),
        resolved(
            pod("web-4", "mallory@example.com"),
            "ReplicaSet",
            "web-6f8b9d7c4d",
        ),
        resolved(pod("api-1", REPLICASET_CONTROLLER), "ReplicaSet", "api"),
        resolved(pod("api-2", REPLICASET_CONTROLLER), "ReplicaSet", "api"),
        unattributed,
        nameless,
    ];
    let rows = rows(&findings);
    assert_eq!(rows.len(), 1, "one image");
    let row = &rows[0];
    assert_eq!(row.count, 8);
    assert_eq!(
        row.initiators
            .iter()
            .map(|(u, n)| (*u, *n))
            .collect::<Vec<_>>(),
        [
            ("bob@example.com", 2),
            ("carol@example.com", 1),
            ("mallory@example.com", 1)
        ],
        "by the user who made the request, not whom it impersonated; a pod that claims an \
         owner counts for its own requester"
    );
    assert_eq!(row.unresolved, 2);
    assert_eq!(
        row.users.iter().copied().collect::<Vec<_>>(),
        [
            "dave@example.com",
            "mallory@example.com",
            REPLICASET_CONTROLLER
        ],
        "the requesters stay as they were"
    );
    let value = serde_json::to_value(row).expect("serializes");
    assert_eq!(
        value["initiators"],
        serde_json::json!({"bob@example.com": 2, "carol@example.com": 1, "mallory@example.com": 1})
    );
    assert_eq!(value["unresolved"], 2);
}
