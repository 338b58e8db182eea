//! Which requests count as accepted, how their images become repositories, and that the
//! repositories, used as patterns, allow every image they came from.

use super::*;
use crate::event::for_each_event;
use crate::filter::{Filter, parse_bound};
use crate::rules::{Policy, accepted};
use crate::testing::{EventLine, pod_create, policy as allowing};

const DIGEST: &str = "sha256:48aded24573da1e8b8df982f868c452f570d82a1aa8ba2f04a7089dbca714023";

/// A policy that collects accepted requests under the allowlist `allow` and `filter`.
fn policy(allow: &str, filter: Filter) -> Policy {
    allowing(allow).filter(filter).collect_accepted().build()
}

/// A completed pod create of `images` in `shop` by `alice` at `time`, with no response status.
fn shop(images: &[&str], time: &str) -> EventLine {
    pod_create()
        .complete()
        .uri("/api/v1/namespaces/shop/pods")
        .user("alice")
        .namespace("shop")
        .images(images)
        .time(time)
}

/// The accepted requests among `events`, summed.
fn collect(events: &[EventLine], policy: &Policy) -> Repositories {
    let mut out = Repositories::default();
    for event in events {
        for_each_event(event.line().as_bytes(), &mut |ev| {
            if let Some(a) = accepted(ev, policy) {
                out.add(a);
            }
        })
        .expect("valid event");
    }
    out
}

const T1: &str = "2026-03-02T08:00:00.000001Z";
const T2: &str = "2026-03-02T09:30:00+01:00";

#[test]
fn only_requests_the_server_accepted_count() {
    let p = policy("[]", Filter::default());
    let lines = [
        shop(&["nginx"], T1).status(201),
        shop(&["evil"], T1).status(403),
        shop(&["drydock"], T1)
            .status(201)
            .uri("/api/v1/namespaces/shop/pods?dryRun=All"),
        shop(&["pending"], T1),
    ];
    let r = collect(&lines, &p);
    assert_eq!(r.requests, 1);
    assert_eq!(
        r.by_repository.keys().collect::<Vec<_>>(),
        ["docker.io/library/nginx"]
    );
}

#[test]
fn repositories_are_normalized_once_per_request_with_times() {
    let p = policy("[nginx]", Filter::default());
    let pinned = format!("nginx@{DIGEST}");
    let tagged_pinned = format!("busybox:1.36@{DIGEST}");
    let lines = [
        shop(&["nginx:1.25", &pinned, "bitnami/redis:7"], T1).status(201),
        shop(
            &[
                "reg.io:5000/team/app:1.0",
                "localhost:5000/a",
                &tagged_pinned,
            ],
            T2,
        )
        .status(200),
        shop(&["index.docker.io/library/nginx", "Acme/API:1"], T2).status(201),
    ];
    let r = collect(&lines, &p);
    let repos: Vec<_> = r.by_repository.keys().map(String::as_str).collect();
    assert_eq!(
        repos,
        [
            "docker.io/bitnami/redis",
            "docker.io/library/busybox",
            "docker.io/library/nginx",
            "localhost:5000/a",
            "reg.io:5000/team/app",
        ]
    );
    let nginx = &r.by_repository["docker.io/library/nginx"];
    assert_eq!((nginx.requests, nginx.not_allowed), (2, 0));
    assert_eq!(nginx.namespaces.iter().collect::<Vec<_>>(), ["shop"]);
    assert_eq!(nginx.first, Some(T1.parse().expect("time")));
    assert_eq!(nginx.last, Some(T2.parse().expect("time")));
    assert_eq!(r.by_repository["docker.io/bitnami/redis"].not_allowed, 1);
    assert_eq!(r.invalid.keys().collect::<Vec<_>>(), ["Acme/API:1"]);
    assert_eq!(r.requests, 3);
}

#[test]
fn images_that_were_not_logged_are_counted_not_guessed() {
    let p = policy("[]", Filter::default());
    let metadata = pod_create().complete().namespace("ml").status(201);
    let labels_only = (pod_create().complete().verb("patch"))
        .namespace("ml")
        .name("p")
        .status(200)
        .body(r#"{"metadata":{"labels":{"a":"b"}}}"#);
    let no_image = (pod_create().complete().status(201))
        .spec(r#"{"containers":[{"name":"a"},{"name":"b","image":"nginx"}]}"#);
    let r = collect(&[metadata, labels_only, no_image], &p);
    assert_eq!(r.requests, 2, "a label patch sets no image");
    assert_eq!(r.unknown_images, 2);
    assert_eq!(r.by_repository.len(), 1);
}

#[test]
fn the_filter_scopes_what_is_collected() {
    let since = parse_bound("2026-03-02T08:30:00Z").expect("bound");
    let p = policy(
        "[]",
        Filter::new(Some(since), None, &[], &[]).expect("filter"),
    );
    let r = collect(
        &[
            shop(&["early"], T1).status(201),
            shop(&["late"], T2).status(201),
        ],
        &p,
    );
    let repos: Vec<_> = r.by_repository.keys().collect();
    assert_eq!(repos, ["docker.io/library/late"]);
    let other_ns = Filter::new(None, None, &["kube-*".to_owned()], &[]).expect("filter");
    assert_eq!(
        collect(&[shop(&["x"], T1).status(201)], &policy("[]", other_ns)).requests,
        0
    );
}

#[test]
fn sums_do_not_depend_on_the_order_of_blocks() {
    let p = policy("[]", Filter::default());
    let lines: Vec<EventLine> = (0..12)
        .map(|i| {
            let time = format!("2026-03-0{}T0{}:00:00Z", 1 + i % 7, i % 10);
            shop(&[&format!("app{}", i % 4), "nginx"], &time).status(201)
        })
        .collect();
    let whole = collect(&lines, &p);
    for split in [1, 5, 11] {
        let (a, b) = lines.split_at(split);
        let mut forward = collect(a, &p);
        forward += collect(b, &p);
        let mut backward = collect(b, &p);
        backward += collect(a, &p);
        assert_eq!(forward, whole);
        assert_eq!(backward, whole);
    }
}
