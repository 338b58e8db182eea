//! Which requests count as accepted, how their images become repositories, and that the
//! repositories, used as patterns, allow every image they came from.

use super::*;
use crate::allow::Allowlist;
use crate::event::for_each_event;
use crate::filter::{Filter, Scope, parse_bound};
use crate::finding::Mode;

const DIGEST: &str = "sha256:48aded24573da1e8b8df982f868c452f570d82a1aa8ba2f04a7089dbca714023";

fn policy(allow: &str, filter: Filter) -> Policy {
    Policy {
        allowlist: Allowlist::parse(allow, "a.yaml", "docker.io").expect("valid allowlist"),
        default_registry: "docker.io".to_owned(),
        mode: Mode::Default,
        scope: Scope {
            filter,
            collect_accepted: true,
        },
    }
}

/// A pod create of `images` in `ns` at `time`, answered `code`; `extra` is spliced in.
fn create(images: &[&str], code: u16, time: &str, extra: &str) -> String {
    let containers: Vec<String> = images
        .iter()
        .enumerate()
        .map(|(i, image)| format!(r#"{{"name":"c{i}","image":"{image}"}}"#))
        .collect();
    format!(
        r#"{{"kind":"Event","stage":"ResponseComplete","verb":"create","requestURI":"/api/v1/namespaces/shop/pods{extra}","user":{{"username":"alice"}},"objectRef":{{"resource":"pods","namespace":"shop"}},"responseStatus":{{"code":{code}}},"requestObject":{{"spec":{{"containers":[{}]}}}},"stageTimestamp":"{time}"}}"#,
        containers.join(",")
    )
}

/// The accepted requests among `lines`, summed.
fn collect(lines: &[String], policy: &Policy) -> Repositories {
    let mut out = Repositories::default();
    for line in lines {
        for_each_event(line.as_bytes(), &mut |ev| {
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
        create(&["nginx"], 201, T1, ""),
        create(&["evil"], 403, T1, ""),
        create(&["drydock"], 201, T1, "?dryRun=All"),
        create(&["pending"], 0, T1, "").replace(r#""responseStatus":{"code":0},"#, ""),
    ];
    let r = collect(&lines, &p);
    assert_eq!(r.requests, 1);
    assert_eq!(
        r.repositories.keys().collect::<Vec<_>>(),
        ["docker.io/library/nginx"]
    );
}

#[test]
fn repositories_are_normalized_once_per_request_with_times() {
    let p = policy("[nginx]", Filter::default());
    let pinned = format!("nginx@{DIGEST}");
    let tagged_pinned = format!("busybox:1.36@{DIGEST}");
    let lines = [
        create(&["nginx:1.25", &pinned, "bitnami/redis:7"], 201, T1, ""),
        create(
            &[
                "reg.io:5000/team/app:1.0",
                "localhost:5000/a",
                &tagged_pinned,
            ],
            200,
            T2,
            "",
        ),
        create(
            &["index.docker.io/library/nginx", "Acme/API:1"],
            201,
            T2,
            "",
        ),
    ];
    let r = collect(&lines, &p);
    let repos: Vec<_> = r.repositories.keys().map(String::as_str).collect();
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
    let nginx = &r.repositories["docker.io/library/nginx"];
    assert_eq!((nginx.requests, nginx.not_allowed), (2, 0));
    assert_eq!(nginx.namespaces.iter().collect::<Vec<_>>(), ["shop"]);
    assert_eq!(nginx.first, Some(T1.parse().expect("time")));
    assert_eq!(nginx.last, Some(T2.parse().expect("time")));
    assert_eq!(r.repositories["docker.io/bitnami/redis"].not_allowed, 1);
    assert_eq!(r.invalid.keys().collect::<Vec<_>>(), ["Acme/API:1"]);
    assert_eq!(r.requests, 3);
}

#[test]
fn images_that_were_not_logged_are_counted_not_guessed() {
    let p = policy("[]", Filter::default());
    let metadata = r#"{"kind":"Event","stage":"ResponseComplete","verb":"create","objectRef":{"resource":"pods","namespace":"ml"},"responseStatus":{"code":201}}"#;
    let labels_only = r#"{"kind":"Event","stage":"ResponseComplete","verb":"patch","objectRef":{"resource":"pods","namespace":"ml","name":"p"},"responseStatus":{"code":200},"requestObject":{"metadata":{"labels":{"a":"b"}}}}"#;
    let no_image = r#"{"kind":"Event","stage":"ResponseComplete","verb":"create","objectRef":{"resource":"pods"},"responseStatus":{"code":201},"requestObject":{"spec":{"containers":[{"name":"a"},{"name":"b","image":"nginx"}]}}}"#;
    let r = collect(
        &[
            metadata.to_owned(),
            labels_only.to_owned(),
            no_image.to_owned(),
        ],
        &p,
    );
    assert_eq!(r.requests, 2, "a label patch sets no image");
    assert_eq!(r.unknown_images, 2);
    assert_eq!(r.repositories.len(), 1);
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
            create(&["early"], 201, T1, ""),
            create(&["late"], 201, T2, ""),
        ],
        &p,
    );
    let repos: Vec<_> = r.repositories.keys().collect();
    assert_eq!(repos, ["docker.io/library/late"]);
    let other_ns = Filter::new(None, None, &["kube-*".to_owned()], &[]).expect("filter");
    assert_eq!(
        collect(&[create(&["x"], 201, T1, "")], &policy("[]", other_ns)).requests,
        0
    );
}

#[test]
fn sums_do_not_depend_on_the_order_of_blocks() {
    let p = policy("[]", Filter::default());
    let lines: Vec<String> = (0..12)
        .map(|i| {
            let time = format!("2026-03-0{}T0{}:00:00Z", 1 + i % 7, i % 10);
            create(&[&format!("app{}", i % 4), "nginx"], 201, &time, "")
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
