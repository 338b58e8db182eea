//! Falco's alert formats, text and JSON, pinned byte for byte.

use serde_json::{Value, json};

use super::*;
use crate::event::for_each_event;
use crate::report::falco_json;
use crate::rules::{Mode, Verdict};
use crate::testing::policy_of;

/// The findings of `events` under a bare-list allowlist of `literals`, in `mode`.
fn findings(events: &[Value], literals: &[&str], mode: Mode) -> Vec<Finding> {
    let policy = policy_of(literals).mode(mode).build();
    let mut out = Vec::new();
    for event in events {
        let bytes = serde_json::to_vec(event).expect("serializable");
        let parsed = for_each_event(&bytes, &mut |ev| {
            out.extend(policy.consider(ev).and_then(Verdict::into_finding));
        });
        assert!(parsed.is_ok(), "{parsed:?}");
    }
    out
}

/// Falco's `create_nginx_pod_unprivileged.json`, trimmed.
fn capture() -> Value {
    json!({
        "kind": "Event",
        "auditID": "7c8b2603-6a87-4764-b166-49dd7fa46f4c",
        "stage": "ResponseComplete",
        "verb": "create",
        "user": {"username": "system:serviceaccount:kube-system:replicaset-controller"},
        "objectRef": {"resource": "pods", "namespace": "default", "apiVersion": "v1"},
        "responseStatus": {"code": 201},
        "requestObject": {"kind": "Pod", "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}},
        "responseObject": {"kind": "Pod", "metadata": {"name": "nginx-deployment-78f5d695bd-nxqz5"}},
        "requestReceivedTimestamp": "2018-10-25T14:09:49.750328Z",
        "stageTimestamp": "2018-10-25T14:09:49.761315Z"
    })
}

/// A create with several images, and one without any field Falco could print.
fn others() -> Vec<Value> {
    let mut several = capture();
    several["auditID"] = json!("a2");
    several["stageTimestamp"] = json!("2026-03-02T08:15:00.5+01:00");
    several["user"]["username"] = json!("alice@example.com");
    several["objectRef"]["namespace"] = json!("shop");
    several["responseObject"]["metadata"]["name"] = json!("web-1");
    several["requestObject"]["spec"]["containers"] = json!([
        {"name": "a", "image": "nginx:1.25"},
        {"name": "b", "image": "evil/miner:1"},
        {"name": "c", "image": "evil/miner:1"},
    ]);
    let mut bare = capture();
    bare["auditID"] = json!("a3");
    bare["stageTimestamp"] = json!("2026-03-02T08:15:00Z");
    for key in ["user", "requestObject", "responseObject"] {
        bare.as_object_mut().expect("object").remove(key);
    }
    bare["objectRef"]
        .as_object_mut()
        .expect("object")
        .remove("namespace");
    vec![several, bare]
}

fn text(findings: &[Finding]) -> String {
    let mut out = Vec::new();
    write(findings, &mut out).expect("write to a Vec");
    String::from_utf8(out).expect("UTF-8")
}

fn json_lines(findings: &[Finding]) -> String {
    let mut out = Vec::new();
    falco_json::write(findings, "falco-host", &mut out).expect("write to a Vec");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn the_falco_capture_byte_for_byte() {
    let f = findings(&[capture()], &["apache"], Mode::Falco);
    assert_eq!(
        text(&f),
        "2018-10-25T14:09:49.761315000+0000: Warning Pod started with container not in allowed list (user=system:serviceaccount:kube-system:replicaset-controller pod=nginx-deployment-78f5d695bd-nxqz5 ns=default images=(nginx))\n"
    );
    assert_eq!(
        json_lines(&f),
        concat!(
            r#"{"hostname":"falco-host","output":"2018-10-25T14:09:49.761315000+0000: Warning Pod started with container not in allowed list (user=system:serviceaccount:kube-system:replicaset-controller pod=nginx-deployment-78f5d695bd-nxqz5 ns=default images=(nginx))","#,
            r#""output_fields":{"evt.time":1540476589761315000,"ka.req.pod.containers.image":["nginx"],"ka.resp.name":"nginx-deployment-78f5d695bd-nxqz5","ka.target.namespace":"default","ka.user.name":"system:serviceaccount:kube-system:replicaset-controller"},"#,
            r#""priority":"Warning","rule":"Create Disallowed Pod","source":"k8s_audit","tags":["k8s"],"time":"2018-10-25T14:09:49.761315000Z"}"#,
            "\n"
        )
    );
}

#[test]
fn several_images_and_missing_fields_byte_for_byte() {
    let f = findings(&others(), &["nginx"], Mode::Falco);
    assert_eq!(
        text(&f),
        concat!(
            "2026-03-02T07:15:00.500000000+0000: Warning Pod started with container not in allowed list (user=alice@example.com pod=web-1 ns=shop images=(nginx:1.25,evil/miner:1,evil/miner:1))\n",
            "2026-03-02T08:15:00.000000000+0000: Warning Pod started with container not in allowed list (user=<NA> pod=<NA> ns=<NA> images=<NA>)\n",
        )
    );
    assert_eq!(
        json_lines(&f),
        concat!(
            r#"{"hostname":"falco-host","output":"2026-03-02T07:15:00.500000000+0000: Warning Pod started with container not in allowed list (user=alice@example.com pod=web-1 ns=shop images=(nginx:1.25,evil/miner:1,evil/miner:1))","output_fields":{"evt.time":1772435700500000000,"ka.req.pod.containers.image":["nginx:1.25","evil/miner:1","evil/miner:1"],"ka.resp.name":"web-1","ka.target.namespace":"shop","ka.user.name":"alice@example.com"},"priority":"Warning","rule":"Create Disallowed Pod","source":"k8s_audit","tags":["k8s"],"time":"2026-03-02T07:15:00.500000000Z"}"#,
            "\n",
            r#"{"hostname":"falco-host","output":"2026-03-02T08:15:00.000000000+0000: Warning Pod started with container not in allowed list (user=<NA> pod=<NA> ns=<NA> images=<NA>)","output_fields":{"evt.time":1772439300000000000,"ka.req.pod.containers.image":null,"ka.resp.name":null,"ka.target.namespace":null,"ka.user.name":null},"priority":"Warning","rule":"Create Disallowed Pod","source":"k8s_audit","tags":["k8s"],"time":"2026-03-02T08:15:00.000000000Z"}"#,
            "\n",
        )
    );
}

#[test]
fn control_characters_are_escaped_in_text_and_kept_in_json() {
    let mut event = capture();
    event["responseObject"]["metadata"]["name"] = json!("pwn\n2018-10-25T00:00:00Z: Fake\u{1b}[2J");
    event["user"]["username"] = json!("émile\u{202e}");
    let f = findings(&[event], &[], Mode::Falco);
    assert_eq!(
        text(&f),
        "2018-10-25T14:09:49.761315000+0000: Warning Pod started with container not in allowed list (user=émile\\u{202e} pod=pwn\\u{a}2018-10-25T00:00:00Z: Fake\\u{1b}[2J ns=default images=(nginx))\n"
    );
    let line = json_lines(&f);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains(
            "(user=émile\u{202e} pod=pwn\\n2018-10-25T00:00:00Z: Fake\\u001b[2J ns=default"
        ),
        "{line}"
    );
    assert!(
        line.contains(r#""ka.resp.name":"pwn\n2018-10-25T00:00:00Z: Fake\u001b[2J""#),
        "{line}"
    );
}

#[test]
fn default_mode_findings_render_too() {
    // The default mode takes the pod name from the request when the response has none, the time
    // from requestReceivedTimestamp, and shows every image; a time that does not parse is <NA>.
    let mut event = capture();
    event["stage"] = json!("RequestReceived");
    event
        .as_object_mut()
        .expect("object")
        .remove("responseObject");
    event
        .as_object_mut()
        .expect("object")
        .remove("stageTimestamp");
    event["requestObject"]["metadata"] = json!({"name": "asked-for"});
    event["requestObject"]["spec"]["initContainers"] = json!([{"name": "i", "image": "busybox"}]);
    let mut untimed = event.clone();
    untimed["requestReceivedTimestamp"] = json!("not a time");
    let f = findings(&[event, untimed], &[], Mode::Default);
    assert_eq!(
        text(&f),
        concat!(
            "2018-10-25T14:09:49.750328000+0000: Warning Pod started with container not in allowed list (user=system:serviceaccount:kube-system:replicaset-controller pod=asked-for ns=default images=(nginx,busybox))\n",
            "<NA>: Warning Pod started with container not in allowed list (user=system:serviceaccount:kube-system:replicaset-controller pod=asked-for ns=default images=(nginx,busybox))\n",
        )
    );
    let lines = json_lines(&f);
    let second: Value =
        serde_json::from_str(lines.lines().nth(1).expect("two lines")).expect("JSON");
    assert_eq!(second["time"], Value::Null);
    assert_eq!(second["output_fields"]["evt.time"], Value::Null);
    assert_eq!(
        second["output_fields"]["ka.req.pod.containers.image"],
        json!(["nginx", "busybox"])
    );
}
