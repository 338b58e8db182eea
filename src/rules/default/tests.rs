//! This tool's rule, case by case: which events it selects, how it reads their images, and the
//! fields the finding takes from the event.

use super::*;
use crate::event::{ContainerKind, for_each_event};
use crate::finding::Finding;
use crate::finding::Outcome;
use crate::testing::{EventLine, pod_create, policy};

/// The verdict on the single event in `json`, which the rule must consider.
fn verdict(json: &str, policy: &Policy) -> Option<Finding> {
    let mut out = None;
    for_each_event(json.as_bytes(), &mut |ev| {
        out = consider(ev, policy)
            .expect("a pod create is always considered")
            .into_finding();
    })
    .expect("valid event");
    out
}

/// A completed create of a `web-` pod in `ns1` whose request spec is `spec`.
fn web(spec: &str) -> EventLine {
    pod_create()
        .audit_id("a1")
        .complete()
        .namespace("ns1")
        .generate_name("web-")
        .spec(spec)
}

/// The rule's selection of `json`'s single event.
fn action(json: &str) -> Option<Action> {
    let mut out = None;
    for_each_event(json.as_bytes(), &mut |ev| out = pod_action(ev)).expect("valid event");
    out
}

#[test]
fn subresources_are_not_pod_creates() {
    for sub in ["binding", "exec", "eviction", "status", "attach"] {
        let line = pod_create().subresource(sub).line();
        assert_eq!(action(&line), None, "{sub}");
    }
    assert_eq!(
        action(&pod_create().subresource("").line()),
        Some(Action::Create)
    );
    assert_eq!(action(&pod_create().resource("deployments").line()), None);
}

#[test]
fn the_other_ways_a_pod_gets_an_image() {
    let patch = || pod_create().verb("patch").name("p");
    assert_eq!(
        action(&patch().status(201).line()),
        Some(Action::ApplyCreate)
    );
    assert_eq!(
        action(&patch().status(200).line()),
        Some(Action::ImageChange)
    );
    assert_eq!(
        action(&pod_create().verb("update").line()),
        Some(Action::ImageChange)
    );
    assert_eq!(
        action(&patch().subresource("ephemeralcontainers").line()),
        Some(Action::Ephemeral)
    );
    assert_eq!(action(&pod_create().verb("get").line()), None);
}

#[test]
fn allowed_pod_is_not_a_finding() {
    let p = policy("[nginx, quay.io/]").build();
    let json = web(
        r#"{"containers":[{"name":"a","image":"nginx:1.25"}],"initContainers":[{"name":"i","image":"quay.io/x/y"}]}"#,
    );
    assert_eq!(verdict(&json.line(), &p), None);
}

#[test]
fn disallowed_images_in_order_without_repeats() {
    let p = policy("[nginx]").build();
    let spec = r#"{"containers":[{"name":"a","image":"evil"},{"name":"b","image":"nginx"},{"name":"c","image":"evil"}],"initContainers":[{"name":"i","image":"Bad Ref"}],"ephemeralContainers":[{"name":"e","image":"busybox"}]}"#;
    let f = verdict(&web(spec).line(), &p).expect("a finding");
    assert_eq!(f.reason, Reason::DisallowedImage);
    let images = f.images.expect("images known");
    assert_eq!(images, ["evil", "nginx", "evil", "Bad Ref", "busybox"]);
    assert_eq!(f.disallowed_images, ["evil", "Bad Ref", "busybox"]);
    let containers = f.containers.expect("containers known");
    let kinds: Vec<_> = containers.iter().map(|c| c.kind).collect();
    let (main, init, eph) = (
        ContainerKind::Container,
        ContainerKind::Init,
        ContainerKind::Ephemeral,
    );
    assert_eq!(kinds, [main, main, main, init, eph]);
    assert_eq!(containers[3].reference, None);
    assert_eq!(
        containers[1].reference.as_deref(),
        Some("docker.io/library/nginx:latest")
    );
    assert!(containers[1].allowed);
}

#[test]
fn undeterminable_images_are_images_unknown() {
    let p = policy("[nginx]").build();
    for spec in [
        r#"{"containers":[]}"#,
        r#"{"containers":[{"name":"a"}]}"#,
        r#"{"containers":[{"name":"a","image":7}]}"#,
        r#"{"containers":"x"}"#,
        r#"{"containers":["x"]}"#,
        r#"{"containers":[{"name":"a","image":"nginx"}],"initContainers":{}}"#,
        "null",
        "{}",
    ] {
        let f = verdict(&web(spec).line(), &p);
        assert_eq!(f.map(|f| f.reason), Some(Reason::ImagesUnknown), "{spec}");
    }
    let metadata_level = pod_create().line();
    assert_eq!(
        verdict(&metadata_level, &p).map(|f| f.reason),
        Some(Reason::ImagesUnknown)
    );
    let truncated = web(r#"{"containers":[{"image":"nginx"}]}"#)
        .extra(r#","annotations":{"audit.k8s.io/truncated":"true"}"#);
    assert_eq!(
        verdict(&truncated.line(), &p).map(|f| f.reason),
        Some(Reason::ImagesUnknown)
    );
}

#[test]
fn a_known_bad_image_outranks_an_unknown_one() {
    let p = policy("[nginx]").build();
    let spec = r#"{"containers":[{"name":"a"},{"name":"b","image":"evil"}]}"#;
    assert_eq!(
        verdict(&web(spec).line(), &p).map(|f| f.reason),
        Some(Reason::DisallowedImage)
    );
}

#[test]
fn fields_come_from_the_documented_places() {
    let p = policy("[]").build();
    let json = web(r#"{"containers":[{"name":"a","image":"nginx"}]}"#)
        .time("T2")
        .user("alice")
        .status(201)
        .uri("/api/v1/namespaces/ns1/pods")
        .extra(r#","requestReceivedTimestamp":"T1","impersonatedUser":{"username":"bob"},"sourceIPs":["10.0.0.1"],"userAgent":"kubectl","responseObject":{"kind":"Pod","metadata":{"name":"web-x1"}}"#);
    let f = verdict(&json.line(), &p).expect("finding");
    assert_eq!(f.time.as_deref(), Some("T2"));
    assert_eq!(f.pod.as_deref(), Some("web-x1"));
    assert_eq!(f.generate_name.as_deref(), Some("web-"));
    assert_eq!(f.namespace.as_deref(), Some("ns1"));
    assert_eq!(f.user.as_deref(), Some("alice"));
    assert_eq!(f.impersonated_user.as_deref(), Some("bob"));
    assert_eq!(f.source_ips, Some(vec!["10.0.0.1".to_owned()]));
    assert_eq!(f.user_agent.as_deref(), Some("kubectl"));
    assert_eq!(f.status_code, Some(201));
    assert_eq!(f.outcome, Outcome::Created);
    assert_eq!(f.audit_id.as_deref(), Some("a1"));
    assert_eq!(f.stage.as_deref(), Some("ResponseComplete"));
}

#[test]
fn image_changes_are_considered_only_when_they_set_an_image() {
    let p = policy("[nginx]").build();
    let judge_patch = |body: Option<&str>| {
        let mut patch = pod_create().verb("patch").name("p").status(200);
        if let Some(body) = body {
            patch = patch.body(body);
        }
        let mut out = None;
        for_each_event(patch.line().as_bytes(), &mut |ev| {
            out = Some(p.consider(ev).map(Verdict::into_finding));
        })
        .expect("valid");
        out.expect("one event")
    };
    assert_eq!(
        judge_patch(Some(r#"{"metadata":{"labels":{"a":"b"}}}"#)),
        None
    );
    assert_eq!(
        judge_patch(None),
        None,
        "a Metadata-level patch shows no body"
    );
    assert_eq!(
        judge_patch(Some(
            r#"{"spec":{"containers":[{"name":"c","image":"nginx:2"}]}}"#
        )),
        Some(None)
    );
    let bad = judge_patch(Some(
        r#"[{"op":"replace","path":"/spec/containers/0/image","value":"evil"}]"#,
    ));
    let bad = bad.flatten().expect("a finding");
    assert_eq!(
        (bad.action, bad.reason),
        (Action::ImageChange, Reason::DisallowedImage)
    );
    assert_eq!(bad.disallowed_images, ["evil"]);
}

#[test]
fn namespace_specific_allows() {
    let p = policy("images: []\nnamespaces:\n  kube-system: [quay.io/cilium/]\n").build();
    let spec = r#"{"containers":[{"name":"a","image":"quay.io/cilium/cilium:v1"}]}"#;
    assert!(verdict(&web(spec).line(), &p).is_some());
    let in_kube_system = web(spec).namespace("kube-system");
    assert_eq!(verdict(&in_kube_system.line(), &p), None);
}
