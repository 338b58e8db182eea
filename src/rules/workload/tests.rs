//! Which events become workload records, and what a record holds.

use super::*;
use crate::event::for_each_event;
use crate::testing::{EventLine, pod_create};

/// The records of every event in `line`.
fn records(line: &str) -> Vec<WorkloadRecord> {
    let mut out = Vec::new();
    for_each_event(line.as_bytes(), &mut |ev| {
        out.extend(record(ev, 7, "docker.io").map(|s| s.record));
    })
    .expect("a valid event");
    out
}

/// A record's images as strings.
fn images(r: &WorkloadRecord) -> Option<Vec<&str>> {
    r.images
        .as_deref()
        .map(|i| i.iter().map(|s| &**s).collect())
}

/// A successful write of `resource` by `verb` with request body `body`.
fn write(resource: &str, verb: &str, body: &str) -> EventLine {
    pod_create()
        .api_server()
        .audit_id("w1")
        .complete()
        .verb(verb)
        .resource(resource)
        .namespace("ns")
        .name("web")
        .user("alice")
        .status(200)
        .time("2026-03-02T10:02:11+01:00")
        .body(body)
}

const DEPLOYMENT: &str = r#"{"kind":"Deployment","metadata":{"name":"web","namespace":"ns"},"spec":{"template":{"spec":{"initContainers":[{"name":"i","image":"busybox"}],"containers":[{"name":"a","image":"nginx:1"},{"name":"b","image":"Bad Image"}]}}}}"#;

#[test]
fn a_deployment_create_is_recorded_with_its_template_images() {
    let got = records(
        &write("deployments", "create", DEPLOYMENT)
            .status(201)
            .line(),
    );
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.kind, WorkloadKind::Deployment);
    assert_eq!(r.namespace.as_deref(), Some("ns"));
    assert_eq!(r.name.as_deref(), Some("web"));
    assert_eq!(r.uid, None);
    assert_eq!(r.owner, None);
    assert_eq!(
        images(r),
        Some(vec![
            "docker.io/library/nginx:1",
            "Bad Image",
            "docker.io/library/busybox:latest",
        ])
    );
    assert_eq!(r.requester.user.as_deref(), Some("alice"));
    assert_eq!(r.requester.verb.as_deref(), Some("create"));
    assert_eq!(r.requester.audit_id.as_deref(), Some("w1"));
    assert_eq!(
        r.requester.time.as_deref(),
        Some("2026-03-02T10:02:11+01:00")
    );
    assert_eq!(r.position.line, 7);
    assert_eq!(
        r.at,
        Some("2026-03-02T09:02:11Z".parse().expect("a valid time"))
    );
    assert_eq!(r.position.line, 7);
}

#[test]
fn only_successful_writes_without_subresource_of_the_seven_kinds_count() {
    let body = r#"{"spec":{"replicas":3}}"#;
    assert_eq!(
        records(&write("deployments", "patch", body).line()).len(),
        1
    );
    for line in [
        write("deployments", "patch", body).status(422).line(),
        write("deployments", "patch", body)
            .subresource("scale")
            .line(),
        write("deployments", "get", body).line(),
        write("deployments", "delete", body).line(),
        write("services", "create", body).line(),
        write("pods", "create", body).line(),
        write("deployments", "create", body)
            .uri("/apis/apps/v1/namespaces/ns/deployments?dryRun=All")
            .line(),
        // No status logged: not known to have succeeded (a `RequestReceived` stage).
        write("deployments", "patch", body)
            .stage("RequestReceived")
            .line()
            .replace(r#","responseStatus":{"code":200}"#, ""),
    ] {
        assert_eq!(records(&line), [], "{line}");
    }
    for resource in [
        "replicasets",
        "deployments",
        "statefulsets",
        "daemonsets",
        "jobs",
        "cronjobs",
        "replicationcontrollers",
    ] {
        assert_eq!(
            records(&write(resource, "update", body).line()).len(),
            1,
            "{resource}"
        );
    }
}

#[test]
fn a_write_that_sets_no_image_has_an_empty_list_and_one_without_a_body_none() {
    let scale = records(&write("deployments", "patch", r#"{"spec":{"replicas":3}}"#).line());
    assert_eq!(images(&scale[0]), Some(vec![]));
    let metadata = write("deployments", "patch", "null").line();
    assert_eq!(records(&metadata)[0].images, None);
    let truncated = write("deployments", "update", DEPLOYMENT)
        .extra(r#","annotations":{"audit.k8s.io/truncated":"true"}"#)
        .line();
    assert_eq!(records(&truncated)[0].images, None);
}

#[test]
fn patches_set_images_at_the_template_or_the_job_template() {
    let json_patch =
        r#"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"evil:1"}]"#;
    let got = records(&write("daemonsets", "patch", json_patch).line());
    assert_eq!(images(&got[0]), Some(vec!["docker.io/library/evil:1"]));
    let cron = r#"{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"ghcr.io/x/y:2"}]}}}}}}"#;
    let got = records(&write("cronjobs", "patch", cron).line());
    assert_eq!(images(&got[0]), Some(vec!["ghcr.io/x/y:2"]));
    // A CronJob's template is the job template's; `spec.template` means nothing there.
    let got = records(&write("cronjobs", "patch", DEPLOYMENT).line());
    assert_eq!(images(&got[0]), Some(vec![]));
}

#[test]
fn identity_and_owner_come_from_the_response_then_the_request_then_the_object_reference() {
    let owned = r#"{"metadata":{"name":"web-6b7f9c","uid":"req-uid","ownerReferences":[{"kind":"Other","name":"x","uid":"o0"},{"kind":"Deployment","name":"web","uid":"d1","controller":true}]}}"#;
    let response = r#","responseObject":{"kind":"ReplicaSet","metadata":{"name":"web-6b7f9c","namespace":"ns","uid":"rs1"}}"#;
    let got = records(&write("replicasets", "create", owned).extra(response).line());
    let r = &got[0];
    assert_eq!(r.kind, WorkloadKind::ReplicaSet);
    assert_eq!(r.name.as_deref(), Some("web-6b7f9c"));
    assert_eq!(r.uid.as_deref(), Some("rs1"));
    assert_eq!(
        r.owner.as_deref(),
        Some(&OwnerRef {
            kind: "Deployment".to_owned(),
            name: "web".to_owned(),
            uid: Some("d1".to_owned()),
        })
    );
    let got = records(&write("replicasets", "create", owned).line());
    assert_eq!(got[0].uid.as_deref(), Some("req-uid"));
    let by_ref = write("replicasets", "patch", "{}")
        .line()
        .replace(r#""name":"web""#, r#""name":"web","uid":"ref-uid""#);
    let got = records(&by_ref);
    assert_eq!(got[0].uid.as_deref(), Some("ref-uid"));
    assert_eq!(got[0].name.as_deref(), Some("web"));
    assert_eq!(got[0].owner, None);
}

#[test]
fn a_pod_request_claims_its_controller_owner() {
    let body = r#"{"kind":"Pod","metadata":{"ownerReferences":[{"kind":"ReplicaSet","name":"web-1","controller":true}]},"spec":{"containers":[{"image":"x"}]}}"#;
    let line = pod_create().status(201).body(body).line();
    let mut owners = Vec::new();
    for_each_event(line.as_bytes(), &mut |ev| owners.push(pod_owner(ev))).expect("a valid event");
    assert_eq!(
        owners,
        [Some(OwnerRef {
            kind: "ReplicaSet".to_owned(),
            name: "web-1".to_owned(),
            uid: None,
        })]
    );
}

#[test]
fn one_record_per_request() {
    let staged = |id: &str, stage: Stage, line: u64| Staged {
        record: {
            let mut r = records(&write("deployments", "patch", "{}").audit_id(id).line()).remove(0);
            r.position.line = line;
            r
        },
        stage,
    };
    let got = select(vec![
        staged("a", Stage::Panic, 1),
        staged("a", Stage::ResponseComplete, 2),
        staged("b", Stage::Panic, 3),
        staged("b", Stage::Other, 4),
        staged("", Stage::Other, 5),
        staged("", Stage::Other, 6),
    ]);
    let lines: Vec<u64> = got.iter().map(|r| r.position.line).collect();
    assert_eq!(lines, [2, 3, 5, 6]);
}

/// A write can take effect before the API server logs its response, so its instant is when it
/// was received; the requester still shows the event's time.
#[test]
fn a_write_stands_at_the_time_it_was_received() {
    let line = write("jobs", "create", DEPLOYMENT)
        .time("2026-03-02T09:15:00.969023Z")
        .extra(r#","requestReceivedTimestamp":"2026-03-02T09:15:00.960020Z""#)
        .line();
    let got = records(&line);
    assert_eq!(
        got[0].at,
        Some("2026-03-02T09:15:00.960020Z".parse().expect("a valid time"))
    );
    assert_eq!(
        got[0].requester.time.as_deref(),
        Some("2026-03-02T09:15:00.969023Z")
    );
}
