//! Falco's selection and verdict, case by case, each traced to the plugin or libsinsp behaviour
//! it reproduces.

use serde_json::{Value, json};

use super::*;
use crate::event::for_each_event;
use crate::testing::policy_of;

/// Falco's `create_nginx_pod_unprivileged.json`, trimmed to the fields that matter.
fn base() -> Value {
    json!({
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "RequestResponse",
        "auditID": "7c8b2603-6a87-4764-b166-49dd7fa46f4c",
        "stage": "ResponseComplete",
        "requestURI": "/api/v1/namespaces/default/pods",
        "verb": "create",
        "user": {"username": "system:serviceaccount:kube-system:replicaset-controller"},
        "sourceIPs": ["::1"],
        "objectRef": {"resource": "pods", "namespace": "default", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 201},
        "requestObject": {
            "kind": "Pod",
            "metadata": {"generateName": "nginx-deployment-78f5d695bd-"},
            "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}
        },
        "responseObject": {
            "kind": "Pod",
            "metadata": {"name": "nginx-deployment-78f5d695bd-nxqz5", "namespace": "default"}
        },
        "requestReceivedTimestamp": "2018-10-25T14:09:49.750328Z",
        "stageTimestamp": "2018-10-25T14:09:49.761315Z"
    })
}

/// The verdict on `event` under `literals`.
#[expect(clippy::option_option, reason = "the shape of `consider`")]
fn verdict(event: &Value, literals: &[&str]) -> Option<Option<Finding>> {
    let policy = policy_of(literals).falco().build();
    let bytes = serde_json::to_vec(event).expect("serializable");
    let mut out = Vec::new();
    let parsed = for_each_event(&bytes, &mut |ev| {
        out.push(consider(ev, &policy).map(Verdict::into_finding));
    });
    assert!(parsed.is_ok(), "{parsed:?}");
    assert_eq!(out.len(), 1, "one event");
    out.pop().expect("one verdict")
}

/// `base()` changed by `edit`.
fn with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut v = base();
    edit(&mut v);
    v
}

/// Removes `key` from the object at `v`.
fn remove(v: &mut Value, key: &str) {
    v.as_object_mut().expect("an object").remove(key);
}

#[test]
fn falcos_own_test_matrix() {
    // falco_k8s_audit_tests.yaml: apache only -> one alert, nginx allowed -> none.
    let f = verdict(&base(), &["apache"])
        .expect("selected")
        .expect("an alert");
    assert_eq!(f.reason, Reason::DisallowedImage);
    assert_eq!(f.images.as_deref(), Some(&["nginx".to_owned()][..]));
    assert_eq!(f.disallowed_images, ["nginx"]);
    assert_eq!(f.pod.as_deref(), Some("nginx-deployment-78f5d695bd-nxqz5"));
    assert_eq!(f.namespace.as_deref(), Some("default"));
    assert_eq!(
        f.user.as_deref(),
        Some("system:serviceaccount:kube-system:replicaset-controller")
    );
    assert_eq!(f.time.as_deref(), Some("2018-10-25T14:09:49.761315Z"));
    assert_eq!(f.outcome, Outcome::Created);
    assert_eq!(verdict(&base(), &["nginx"]), Some(None));
}

#[test]
fn only_response_complete_pod_creates_with_an_audit_id() {
    let not_selected = [
        with(|v| v["stage"] = json!("ResponseStarted")),
        with(|v| v["stage"] = json!("RequestReceived")),
        with(|v| v["stage"] = json!("Panic")),
        with(|v| remove(v, "auditID")),
        with(|v| v["auditID"] = Value::Null),
        with(|v| v["verb"] = json!("patch")),
        with(|v| v["verb"] = json!("get")),
        with(|v| v["objectRef"]["resource"] = json!("deployments")),
        with(|v| remove(v, "objectRef")),
        // The key exists: Falco's `not ka.target.subresource exists` is false, even for "".
        with(|v| v["objectRef"]["subresource"] = json!("")),
        with(|v| v["objectRef"]["subresource"] = json!("exec")),
        with(|v| v["objectRef"]["subresource"] = json!("attach")),
        with(|v| v["objectRef"]["subresource"] = json!(7)),
    ];
    for event in &not_selected {
        assert_eq!(verdict(event, &[]), None, "{event}");
    }
    // Any type of auditID, even empty, is an auditID.
    for id in [json!(""), json!(7)] {
        let event = with(|v| v["auditID"] = id);
        assert!(verdict(&event, &[]).is_some_and(|f| f.is_some()), "{event}");
    }
}

#[test]
fn the_plugin_drops_events_without_a_go_parsable_stage_timestamp() {
    for ts in [
        Value::Null,
        json!(1_540_476_589),
        json!("2018-10-25 14:09:49Z"),
        json!("2018-10-25T14:09:49.761315"),
        json!("yesterday"),
    ] {
        let event = with(|v| v["stageTimestamp"] = ts.clone());
        assert_eq!(verdict(&event, &[]), None, "{ts}");
    }
    let event = with(|v| remove(v, "stageTimestamp"));
    assert_eq!(verdict(&event, &[]), None);
    // requestReceivedTimestamp is never a substitute.
    let event = with(|v| {
        remove(v, "stageTimestamp");
        v["timestamp"] = json!("2018-10-25T14:09:49Z");
    });
    assert_eq!(verdict(&event, &[]), None);
}

#[test]
fn repositories_are_cut_at_the_first_colon_then_at_at() {
    let image =
        |image: &str| with(|v| v["requestObject"]["spec"]["containers"][0]["image"] = json!(image));
    // Falco's quirk, kept: `reg` allows anything on any registry whose name starts `reg:`.
    assert_eq!(verdict(&image("reg:5000/app:1"), &["reg"]), Some(None));
    assert!(verdict(&image("reg:5000/app:1"), &["reg:5000/app"]).is_some_and(|f| f.is_some()));
    // Literal strings: no normalization.
    assert!(verdict(&image("docker.io/library/nginx"), &["nginx"]).is_some_and(|f| f.is_some()));
    assert_eq!(verdict(&image("nginx@sha256:abc"), &["nginx"]), Some(None));
}

#[test]
fn only_spec_containers_are_looked_at() {
    let event = with(|v| {
        let spec = &mut v["requestObject"]["spec"];
        spec["initContainers"] = json!([{"name": "i", "image": "evil"}]);
        spec["ephemeralContainers"] = json!([{"name": "e", "image": "evil"}]);
    });
    assert_eq!(verdict(&event, &["nginx"]), Some(None));
}

#[test]
fn every_container_must_be_allowed() {
    let event = with(|v| {
        v["requestObject"]["spec"]["containers"] = json!([
            {"name": "a", "image": "nginx:1.25"},
            {"name": "b", "image": "evil:1"},
            {"name": "c", "image": "evil:1"},
            {"name": "d", "image": "apache"}
        ]);
    });
    let f = verdict(&event, &["nginx", "apache"])
        .expect("selected")
        .expect("an alert");
    assert_eq!(
        f.images.as_deref(),
        Some(&["nginx:1.25", "evil:1", "evil:1", "apache"].map(str::to_owned)[..])
    );
    assert_eq!(f.disallowed_images, ["evil:1"]);
    let containers = f.containers.expect("containers");
    let allowed: Vec<bool> = containers.iter().map(|c| c.allowed).collect();
    assert_eq!(allowed, [true, false, false, true]);
    assert_eq!(
        containers[0].reference.as_deref(),
        Some("docker.io/library/nginx:1.25")
    );
    assert_eq!(verdict(&event, &["nginx", "apache", "evil"]), Some(None));
}

#[test]
fn images_falco_cannot_extract_make_the_rule_fire_with_na() {
    let cases = [
        with(|v| remove(v, "requestObject")),
        with(|v| v["requestObject"]["spec"] = Value::Null),
        with(|v| v["requestObject"]["spec"]["containers"] = json!([])),
        with(|v| v["requestObject"]["spec"]["containers"] = json!("nginx")),
        with(|v| {
            v["requestObject"]["spec"]["containers"] =
                json!([{"name": "a", "image": "nginx"}, {"name": "b"}]);
        }),
        with(|v| {
            v["requestObject"]["spec"]["containers"] = json!([{"name": "a", "image": "nginx"}, 7]);
        }),
    ];
    for event in &cases {
        let f = verdict(event, &["nginx"])
            .expect("selected")
            .expect("an alert");
        assert_eq!(f.reason, Reason::ImagesUnknown, "{event}");
        assert_eq!(f.images, None, "{event}");
        assert!(f.disallowed_images.is_empty(), "{event}");
    }
}

#[test]
fn fields_are_falcos_with_no_fallbacks() {
    let event = with(|v| {
        v["responseObject"] = json!({"kind": "Status", "metadata": {}, "code": 403});
        v["requestObject"]["metadata"]["name"] = json!("asked-for");
        v["requestObject"]["metadata"]["namespace"] = json!("ns-in-body");
        remove(&mut v["objectRef"], "namespace");
        remove(v, "user");
        v["responseStatus"]["code"] = json!(403);
    });
    let f = verdict(&event, &[]).expect("selected").expect("an alert");
    assert_eq!(f.pod, None, "ka.resp.name only");
    assert_eq!(f.namespace, None, "ka.target.namespace only");
    assert_eq!(f.user, None);
    assert_eq!(f.outcome, Outcome::Rejected);
    // A Status response's name is still ka.resp.name.
    let event =
        with(|v| v["responseObject"] = json!({"kind": "Status", "metadata": {"name": "x"}}));
    let f = verdict(&event, &[]).expect("selected").expect("an alert");
    assert_eq!(f.pod.as_deref(), Some("x"));
}

#[test]
fn strings_end_at_their_first_nul_as_c_strings_do() {
    let event = with(|v| {
        v["verb"] = json!("create\u{0}ignored");
        v["stage"] = json!("ResponseComplete\u{0}");
        v["objectRef"]["resource"] = json!("pods\u{0}x");
        v["user"]["username"] = json!("bob\u{0}hidden");
        v["requestObject"]["spec"]["containers"][0]["image"] = json!("nginx\u{0}:evil");
    });
    assert_eq!(verdict(&event, &["nginx"]), Some(None));
    let f = verdict(&event, &[]).expect("selected").expect("an alert");
    assert_eq!(f.user.as_deref(), Some("bob"));
    assert_eq!(f.images.as_deref(), Some(&["nginx".to_owned()][..]));
}

#[test]
fn dry_runs_keep_their_outcome() {
    let event = with(|v| v["requestURI"] = json!("/api/v1/namespaces/default/pods?dryRun=All"));
    let f = verdict(&event, &[]).expect("selected").expect("an alert");
    assert_eq!(f.outcome, Outcome::DryRun);
}
