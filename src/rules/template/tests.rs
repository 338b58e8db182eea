//! The workload-template rule, case by case: which workload requests it selects, how it reads
//! their templates, and what the finding names.

use super::*;
use crate::attribution::How;
use crate::event::for_each_event;
use crate::finding::{Finding, ObjectKind, Outcome, Reason};
use crate::testing::{EventLine, pod_create, policy};

/// The allowlist of these tests: `nginx` and anything under `ghcr.io/acme/`.
fn allowing() -> Policy {
    policy("[nginx, ghcr.io/acme/]").workloads().build()
}

/// What the rule makes of the single event in `json`: `None` when it does not consider it.
fn verdict(json: &str, policy: &Policy) -> Option<Verdict> {
    let mut out = None;
    for_each_event(json.as_bytes(), &mut |ev| out = Some(consider(ev, policy)))
        .expect("a valid event");
    out.expect("one event")
}

/// The finding the rule makes of `json`, which it must consider and find.
fn finding(json: &str) -> Finding {
    verdict(json, &allowing())
        .expect("considered")
        .into_finding()
        .expect("a finding")
}

/// The rule's selection of `json`'s single event.
fn action(json: &str) -> Option<(Action, WorkloadKind)> {
    let mut out = None;
    for_each_event(json.as_bytes(), &mut |ev| out = workload_action(ev)).expect("a valid event");
    out
}

/// A completed request on `resource` by `verb` with request body `body`, answered `code`.
fn write(resource: &str, verb: &str, code: u16, body: &str) -> EventLine {
    pod_create()
        .api_server()
        .audit_id("w1")
        .complete()
        .verb(verb)
        .resource(resource)
        .namespace("shop")
        .name("web")
        .user("alice@example.com")
        .status(code)
        .time("2026-03-02T10:02:11Z")
        .body(body)
}

/// A Deployment named `web` whose template runs `images` in its containers.
fn deployment(images: &[&str]) -> String {
    let containers: Vec<String> = images
        .iter()
        .enumerate()
        .map(|(i, image)| format!(r#"{{"name":"c{i}","image":"{image}"}}"#))
        .collect();
    format!(
        r#"{{"kind":"Deployment","metadata":{{"name":"web","namespace":"shop"}},"spec":{{"replicas":2,"template":{{"spec":{{"containers":[{}]}}}}}}}}"#,
        containers.join(",")
    )
}

#[test]
fn the_seven_workload_resources_without_subresource_are_selected() {
    for kind in WorkloadKind::ALL {
        let line = write(kind.resource(), "create", 201, "{}").line();
        assert_eq!(
            action(&line),
            Some((Action::WorkloadCreate, kind)),
            "{kind:?}"
        );
    }
    let body = "{}";
    assert_eq!(
        action(&write("deployments", "patch", 201, body).line()),
        Some((Action::WorkloadCreate, WorkloadKind::Deployment))
    );
    for (verb, code) in [
        ("patch", 200),
        ("update", 200),
        ("patch", 422),
        ("update", 409),
    ] {
        assert_eq!(
            action(&write("statefulsets", verb, code, body).line()),
            Some((Action::WorkloadChange, WorkloadKind::StatefulSet)),
            "{verb} {code}"
        );
    }
    for line in [
        write("deployments", "patch", 200, body)
            .subresource("scale")
            .line(),
        write("deployments", "update", 200, body)
            .subresource("status")
            .line(),
        write("deployments", "get", 200, body).line(),
        write("deployments", "delete", 200, body).line(),
        write("pods", "create", 201, body).line(),
        write("services", "create", 201, body).line(),
        write("controllerrevisions", "create", 201, body).line(),
    ] {
        assert_eq!(action(&line), None, "{line}");
    }
    assert_eq!(
        action(
            &write("deployments", "create", 201, body)
                .subresource("")
                .line()
        ),
        Some((Action::WorkloadCreate, WorkloadKind::Deployment))
    );
}

#[test]
fn a_create_with_a_disallowed_template_image_names_the_workload() {
    let line = write(
        "deployments",
        "create",
        201,
        &deployment(&["nginx:1.25", "evil:1"]),
    )
    .line();
    let f = finding(&line);
    assert_eq!(f.action, Action::WorkloadCreate);
    assert_eq!(f.kind, ObjectKind::Workload(WorkloadKind::Deployment));
    assert_eq!(f.name.as_deref(), Some("web"));
    assert_eq!(f.pod, None);
    assert_eq!(f.namespace.as_deref(), Some("shop"));
    assert_eq!(f.outcome, Outcome::Created);
    assert_eq!(f.reason, Reason::DisallowedImage);
    assert_eq!(
        f.images,
        Some(vec!["nginx:1.25".to_owned(), "evil:1".to_owned()])
    );
    assert_eq!(f.disallowed_images, ["evil:1"]);
    let containers = f.containers.as_deref().expect("containers");
    assert_eq!(
        containers.iter().map(|c| c.allowed).collect::<Vec<_>>(),
        [true, false]
    );
    assert_eq!(
        containers[1].reference.as_deref(),
        Some("docker.io/library/evil:1")
    );
    let attribution = f.attribution.expect("attributed");
    assert_eq!(attribution.how, How::Direct);
    assert!(attribution.chain.is_empty());
    let initiator = attribution.initiator.expect("the request itself");
    assert_eq!(initiator.user.as_deref(), Some("alice@example.com"));
    assert_eq!(initiator.verb.as_deref(), Some("create"));
    assert_eq!(attribution.note, None);
}

#[test]
fn an_allowed_template_is_no_finding() {
    let line = write(
        "deployments",
        "create",
        201,
        &deployment(&["nginx", "ghcr.io/acme/api:2"]),
    )
    .line();
    assert_eq!(verdict(&line, &allowing()), Some(Verdict::Allowed));
}

#[test]
fn init_containers_count_and_every_outcome_is_judged() {
    let body = r#"{"kind":"Job","metadata":{"name":"migrate"},"spec":{"template":{"spec":{"initContainers":[{"name":"i","image":"busybox"}],"containers":[{"name":"c","image":"nginx"}]}}}}"#;
    let rejected = write("jobs", "create", 403, body).line();
    let f = finding(&rejected);
    assert_eq!(f.outcome, Outcome::Rejected);
    assert_eq!(f.kind, ObjectKind::Workload(WorkloadKind::Job));
    assert_eq!(f.name.as_deref(), Some("migrate"));
    assert_eq!(
        f.images,
        Some(vec!["nginx".to_owned(), "busybox".to_owned()])
    );
    assert_eq!(f.disallowed_images, ["busybox"]);
    let dry_run = write("jobs", "create", 201, body)
        .uri("/apis/batch/v1/namespaces/shop/jobs?dryRun=All")
        .line();
    assert_eq!(finding(&dry_run).outcome, Outcome::DryRun);
    let unanswered = write("jobs", "create", 201, body)
        .line()
        .replace(r#","responseStatus":{"code":201}"#, "");
    assert_eq!(finding(&unanswered).outcome, Outcome::Unknown);
}

#[test]
fn a_create_without_its_body_is_images_unknown_and_a_change_without_one_is_not_considered() {
    let metadata = write("daemonsets", "create", 201, "null").line();
    let f = finding(&metadata);
    assert_eq!(f.reason, Reason::ImagesUnknown);
    assert_eq!(f.images, None);
    assert_eq!(f.containers, None);
    assert_eq!(f.name.as_deref(), Some("web"));
    assert_eq!(f.kind, ObjectKind::Workload(WorkloadKind::DaemonSet));
    let truncated = write("daemonsets", "create", 201, &deployment(&["nginx"]))
        .extra(r#","annotations":{"audit.k8s.io/truncated":"true"}"#)
        .line();
    assert_eq!(finding(&truncated).reason, Reason::ImagesUnknown);
    // As for pods: a change whose body was not logged is not known to set an image.
    for verb in ["patch", "update"] {
        let line = write("daemonsets", verb, 200, "null").line();
        assert_eq!(verdict(&line, &allowing()), None, "{verb}");
    }
    // A create without a template, or a container without an image, cannot be shown allowed.
    let no_template = write("deployments", "create", 201, r#"{"spec":{"replicas":1}}"#).line();
    assert_eq!(finding(&no_template).reason, Reason::ImagesUnknown);
    let no_image = write(
        "deployments",
        "create",
        201,
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"c"}]}}}}"#,
    )
    .line();
    let f = finding(&no_image);
    assert_eq!(f.reason, Reason::ImagesUnknown);
    assert_eq!(f.images, Some(vec![]));
}

#[test]
fn changes_are_read_as_pod_patches_are_at_the_template() {
    let set_image =
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"evil:2"}]}}}}"#;
    let f = finding(&write("deployments", "patch", 200, set_image).line());
    assert_eq!(f.action, Action::WorkloadChange);
    assert_eq!(f.disallowed_images, ["evil:2"]);
    let json_patch =
        r#"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"evil:3"}]"#;
    let f = finding(&write("statefulsets", "patch", 200, json_patch).line());
    assert_eq!(f.action, Action::WorkloadChange);
    assert_eq!(f.images, Some(vec!["evil:3".to_owned()]));
    // A full object update sets every template image.
    let update = write("replicasets", "update", 200, &deployment(&["evil:4"])).line();
    assert_eq!(finding(&update).disallowed_images, ["evil:4"]);
    // An image set at the pod's place is not the template's.
    let pod_path = r#"[{"op":"replace","path":"/spec/containers/0/image","value":"evil:5"}]"#;
    let line = write("deployments", "patch", 200, pod_path).line();
    assert_eq!(verdict(&line, &allowing()), None);
    // Changes that touch no image: scale, restart, labels.
    for body in [
        r#"{"spec":{"replicas":3}}"#,
        r#"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-03-02T10:00:00Z"}}}}}"#,
        r#"[{"op":"add","path":"/metadata/labels/team","value":"a"}]"#,
    ] {
        let line = write("deployments", "patch", 200, body).line();
        assert_eq!(verdict(&line, &allowing()), None, "{body}");
    }
    // A change that sets only allowed images is considered, and allowed.
    let allowed =
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}}}"#;
    let line = write("deployments", "patch", 200, allowed).line();
    assert_eq!(verdict(&line, &allowing()), Some(Verdict::Allowed));
    // A JSON patch copying a value onto an image path sets an image that cannot be seen.
    let copy = r#"[{"op":"copy","from":"/metadata/annotations/x","path":"/spec/template/spec/containers/0/image"}]"#;
    let f = finding(&write("deployments", "patch", 200, copy).line());
    assert_eq!(f.reason, Reason::ImagesUnknown);
}

#[test]
fn a_templates_ephemeral_containers_are_not_read() {
    let body = r#"[{"op":"add","path":"/spec/template/spec/ephemeralContainers/-","value":{"name":"d","image":"evil:6"}}]"#;
    let line = write("deployments", "patch", 200, body).line();
    assert_eq!(verdict(&line, &allowing()), None);
}

#[test]
fn a_cronjob_is_read_at_its_job_template() {
    let cron = r#"{"kind":"CronJob","metadata":{"name":"report"},"spec":{"schedule":"@hourly","jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"evil:7"}]}}}}}}"#;
    let f = finding(&write("cronjobs", "create", 201, cron).line());
    assert_eq!(f.kind, ObjectKind::Workload(WorkloadKind::CronJob));
    assert_eq!(f.name.as_deref(), Some("report"));
    assert_eq!(f.disallowed_images, ["evil:7"]);
    // `spec.template` means nothing in a CronJob: a create with only that has no known image.
    let misplaced = write("cronjobs", "create", 201, &deployment(&["nginx"])).line();
    assert_eq!(finding(&misplaced).reason, Reason::ImagesUnknown);
    let json_patch = r#"[{"op":"replace","path":"/spec/jobTemplate/spec/template/spec/containers/0/image","value":"evil:8"}]"#;
    let f = finding(&write("cronjobs", "patch", 200, json_patch).line());
    assert_eq!(f.action, Action::WorkloadChange);
    assert_eq!(f.disallowed_images, ["evil:8"]);
}

#[test]
fn a_server_side_apply_that_created_the_object_is_a_create() {
    let apply = write("deployments", "patch", 201, &deployment(&["evil:9"]))
        .uri("/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=kubectl")
        .line();
    let f = finding(&apply);
    assert_eq!(f.action, Action::WorkloadCreate);
    assert_eq!(f.disallowed_images, ["evil:9"]);
    // Read as a create: every container must name its image.
    let partial = r#"{"spec":{"template":{"spec":{"containers":[{"name":"c"}]}}}}"#;
    let f = finding(&write("deployments", "patch", 201, partial).line());
    assert_eq!(f.reason, Reason::ImagesUnknown);
}

#[test]
fn the_name_comes_from_the_response_then_the_request_then_the_object_reference() {
    let body = r#"{"metadata":{"generateName":"web-"},"spec":{"template":{"spec":{"containers":[{"image":"evil:10"}]}}}}"#;
    let response = r#","responseObject":{"kind":"ReplicaSet","metadata":{"name":"web-x7k2p"}}"#;
    let line = write("replicasets", "create", 201, body)
        .extra(response)
        .line()
        .replace(r#","name":"web""#, "");
    let f = finding(&line);
    assert_eq!(f.name.as_deref(), Some("web-x7k2p"));
    assert_eq!(f.generate_name.as_deref(), Some("web-"));
    assert_eq!(f.pod, None);
    let named = body.replace(r#""generateName":"web-""#, r#""name":"from-request""#);
    let f = finding(&write("replicasets", "create", 201, &named).line());
    assert_eq!(f.name.as_deref(), Some("from-request"));
    let f = finding(&write("replicasets", "create", 201, body).line());
    assert_eq!(f.name.as_deref(), Some("web"));
}

#[test]
fn only_this_tools_rules_with_the_flag_judge_workloads() {
    let line = write("deployments", "create", 201, &deployment(&["evil:11"])).line();
    let judged = |policy: &Policy| {
        let mut out = None;
        for_each_event(line.as_bytes(), &mut |ev| out = policy.consider(ev))
            .expect("a valid event");
        out.and_then(Verdict::into_finding)
    };
    let is_workload = |policy: &Policy, line: &str| {
        let mut out = None;
        for_each_event(line.as_bytes(), &mut |ev| {
            out = Some(policy.is_workload_request(ev));
        })
        .expect("a valid event");
        out.expect("one event")
    };
    assert!(is_workload(&allowing(), &line));
    assert!(!is_workload(&policy("[nginx]").build(), &line));
    assert!(!is_workload(
        &policy("[nginx]").workloads().falco().build(),
        &line
    ));
    let with_flag = judged(&allowing()).expect("a finding");
    assert_eq!(with_flag.action, Action::WorkloadCreate);
    assert!(judged(&policy("[nginx]").build()).is_none());
    assert!(
        judged(&policy("[nginx]").workloads().falco().build()).is_none(),
        "Falco's rule has no workloads"
    );
    // Pod requests are judged by the pod rule whether or not the flag is given.
    let pod = pod_create().complete().status(201).image("evil:12").line();
    let mut out = None;
    for_each_event(pod.as_bytes(), &mut |ev| out = allowing().consider(ev)).expect("a valid event");
    let f = out.and_then(Verdict::into_finding).expect("a finding");
    assert_eq!((f.action, f.kind), (Action::Create, ObjectKind::Pod));
    assert!(!is_workload(&allowing(), &pod));
}
