//! Hand-worked histories: each names who must be found, and why.

use super::*;
use WorkloadKind::{
    CronJob, DaemonSet, Deployment, Job, ReplicaSet, ReplicationController, StatefulSet,
};

/// alice creates Deployment/web with the image; `rs_writer` (the deployment controller, unless
/// forged) creates its ReplicaSet.
pub(super) fn deployment_history(rs_writer: &str) -> Vec<WorkloadRecord> {
    vec![
        write(Deployment, "web")
            .uid("d1")
            .images(&[EVIL])
            .at("09:00:00")
            .line(0, 10)
            .done(),
        write(ReplicaSet, "web-6b7f9c")
            .uid("r1")
            .owner("Deployment", "web", Some("d1"))
            .images(&[EVIL])
            .by(rs_writer)
            .at("09:00:01")
            .line(0, 11)
            .done(),
    ]
}

#[test]
fn deployment_replicaset_pod() {
    let writes = deployment_history(&sa("deployment-controller"));
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("09:00:02"));
    let answer = resolved(&pod, &writes);
    assert_chain(
        &answer,
        &["ReplicaSet/web-6b7f9c", "Deployment/web"],
        "alice@example.com",
        0,
        10,
    );
}

/// A pod logged without its spec has unknown images: the latest person who set the top
/// object's template images is behind it.
#[test]
fn a_pod_whose_images_are_unknown_goes_to_the_latest_image_setter() {
    let writes = deployment_history(&sa("deployment-controller"));
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let mut pod = pod(Some(rs), &sa("replicaset-controller"), Some("09:00:02"));
    pod.disallowed.clear();
    let answer = resolved(&pod, &writes);
    assert_chain(
        &answer,
        &["ReplicaSet/web-6b7f9c", "Deployment/web"],
        "alice@example.com",
        0,
        10,
    );
}

#[test]
fn cronjob_job_pod() {
    let writes = vec![
        write(CronJob, "nightly")
            .uid("c1")
            .images(&["docker.io/library/busybox:1", EVIL])
            .by("ci@example.com")
            .at("01:00:00")
            .line(0, 3)
            .done(),
        write(Job, "nightly-2900")
            .uid("j1")
            .owner("CronJob", "nightly", Some("c1"))
            .images(&["docker.io/library/busybox:1", EVIL])
            .by(&sa("cronjob-controller"))
            .at("02:00:00")
            .line(0, 40)
            .done(),
    ];
    let job = owner("Job", "nightly-2900", Some("j1"));
    let pod = pod(Some(job), &sa("job-controller"), Some("02:00:01"));
    let answer = resolved(&pod, &writes);
    assert_chain(
        &answer,
        &["Job/nightly-2900", "CronJob/nightly"],
        "ci@example.com",
        0,
        3,
    );
}

#[test]
fn one_level_owners_resolve_to_who_created_them() {
    let kinds = [
        (StatefulSet, "statefulset-controller"),
        (DaemonSet, "daemon-set-controller"),
        (ReplicationController, "replication-controller"),
        (Job, "job-controller"),
        (ReplicaSet, "replicaset-controller"),
    ];
    for (kind, controller) in kinds {
        let writes = vec![
            write(kind, "db")
                .uid("u1")
                .images(&[EVIL])
                .by("bob@example.com")
                .at("08:00:00")
                .line(0, 5)
                .done(),
        ];
        let pod = pod(
            Some(owner(kind.as_str(), "db", Some("u1"))),
            &sa(controller),
            Some("08:00:05"),
        );
        let label = format!("{}/db", kind.as_str());
        assert_chain(&resolved(&pod, &writes), &[&label], "bob@example.com", 0, 5);
    }
}

#[test]
fn a_pod_without_a_controller_owner_is_direct() {
    let pod = pod(None, "bob@example.com", Some("08:00:00"));
    let answer = resolved(&pod, &[]);
    assert_eq!(answer, direct(pod.requester.clone(), None));
    assert_eq!(answer.how, How::Direct);
    assert!(answer.chain.is_empty());
}

#[test]
fn a_forged_owner_reference_is_direct_with_a_note() {
    let writes = deployment_history(&sa("deployment-controller"));
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    for user in ["bob@example.com", &sa("job-controller")] {
        let pod = pod(Some(rs.clone()), user, Some("09:30:00"));
        let answer = resolved(&pod, &writes);
        assert_eq!(answer.how, How::Direct);
        assert!(answer.chain.is_empty());
        assert_eq!(answer.initiator.as_ref(), Some(&pod.requester));
        let note = format!("claims ReplicaSet/web-6b7f9c but was created by {user}");
        assert_eq!(answer.note, Some(note));
    }
    let mut anonymous = pod(Some(rs), "x", Some("09:30:00"));
    anonymous.requester.user = None;
    let note = resolved(&anonymous, &writes).note;
    let expected = "claims ReplicaSet/web-6b7f9c but was created by an unknown user";
    assert_eq!(note.as_deref(), Some(expected));
}

#[test]
fn impersonating_a_controller_does_not_make_one() {
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let mut pod = pod(Some(rs), "mallory@example.com", Some("09:30:00"));
    pod.requester.impersonated_user = Some(sa("replicaset-controller"));
    assert_eq!(resolved(&pod, &[]).how, How::Direct);
}

#[test]
fn a_replicaset_forging_its_deployment_is_the_top() {
    let mut writes = deployment_history(&sa("deployment-controller"));
    writes.push(
        write(ReplicaSet, "web-evil")
            .uid("r9")
            .owner("Deployment", "web", Some("d1"))
            .images(&[EVIL])
            .by("mallory@example.com")
            .at("09:10:00")
            .line(1, 7)
            .done(),
    );
    let rs = owner("ReplicaSet", "web-evil", Some("r9"));
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("09:10:01"));
    let answer = resolved(&pod, &writes);
    assert_chain(
        &answer,
        &["ReplicaSet/web-evil"],
        "mallory@example.com",
        1,
        7,
    );
}

#[test]
fn an_owner_of_a_kind_not_followed_is_direct_with_a_note() {
    let kubelet_node = owner("Node", "node-1", Some("n1"));
    let pod = pod(Some(kubelet_node), "system:node:node-1", Some("09:00:00"));
    let answer = resolved(&pod, &[]);
    assert_eq!(answer.how, How::Direct);
    assert_eq!(answer.initiator.as_ref(), Some(&pod.requester));
    let note = "owned by Node/node-1, a kind attribution does not follow";
    assert_eq!(answer.note.as_deref(), Some(note));
}

/// alice creates Deployment/web with nginx; bob sets the image (a Request-level patch: no uid);
/// carol restarts the rollout later. Each change makes a new ReplicaSet.
fn set_image_then_restart() -> Vec<WorkloadRecord> {
    let dc = sa("deployment-controller");
    let rs = |name: &str, uid: &str, images: &[&str], clock: &str, line: u64| {
        write(ReplicaSet, name)
            .uid(uid)
            .owner("Deployment", "web", Some("d1"))
            .images(images)
            .by(&dc)
            .at(clock)
            .line(0, line)
            .done()
    };
    vec![
        write(Deployment, "web")
            .uid("d1")
            .images(&[NGINX])
            .at("08:00:00")
            .line(0, 1)
            .done(),
        rs("web-1", "r1", &[NGINX], "08:00:01", 2),
        write(Deployment, "web")
            .images(&[EVIL])
            .by("bob@example.com")
            .at("10:00:00")
            .line(0, 20)
            .done(),
        rs("web-2", "r2", &[EVIL], "10:00:01", 21),
        write(Deployment, "web")
            .uid("d1")
            .by("carol@example.com")
            .at("11:00:00")
            .line(0, 30)
            .done(),
        rs("web-3", "r3", &[EVIL], "11:00:01", 31),
    ]
}

#[test]
fn set_image_is_attributed_to_who_set_it_not_who_restarted() {
    let rs = owner("ReplicaSet", "web-3", Some("r3"));
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("11:00:02"));
    let answer = resolved(&pod, &set_image_then_restart());
    assert_chain(
        &answer,
        &["ReplicaSet/web-3", "Deployment/web"],
        "bob@example.com",
        0,
        20,
    );
}

#[test]
fn the_latest_setter_at_or_before_the_pod_wins() {
    let set = |user: &str, clock: &str, line: u64| {
        write(Deployment, "web")
            .uid("d1")
            .images(&[EVIL])
            .by(user)
            .at(clock)
            .line(0, line)
            .done()
    };
    let mut writes = vec![
        set("alice@example.com", "09:00:00", 1),
        set("bob@example.com", "09:30:00", 2),
        set("dave@example.com", "10:00:00", 3),
    ];
    writes.extend(
        ["09:15:00", "09:45:00"]
            .iter()
            .zip(4..)
            .map(|(clock, line)| {
                write(ReplicaSet, "web-1")
                    .uid("r1")
                    .owner("Deployment", "web", Some("d1"))
                    .images(&[EVIL])
                    .by(&sa("deployment-controller"))
                    .at(clock)
                    .line(0, line)
                    .done()
            }),
    );
    let rs = owner("ReplicaSet", "web-1", Some("r1"));
    let early = pod(
        Some(rs.clone()),
        &sa("replicaset-controller"),
        Some("09:15:00"),
    );
    let late = pod(Some(rs), &sa("replicaset-controller"), Some("09:45:00"));
    let chain = ["ReplicaSet/web-1", "Deployment/web"];
    assert_chain(
        &resolved(&early, &writes),
        &chain,
        "alice@example.com",
        0,
        1,
    );
    assert_chain(&resolved(&late, &writes), &chain, "bob@example.com", 0, 2);
}

#[test]
fn a_missing_owner_is_unresolved() {
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("09:00:02"));
    assert_unresolved(
        &resolved(&pod, &[]),
        &["ReplicaSet/web-6b7f9c"],
        Unresolved::OwnerNotLogged,
        ReplicaSet,
    );
    // The Deployment above it is missing: the chain goes as far as it got.
    let writes: Vec<_> = deployment_history(&sa("deployment-controller"))
        .into_iter()
        .filter(|w| w.kind == ReplicaSet)
        .collect();
    assert_unresolved(
        &resolved(&pod, &writes),
        &["ReplicaSet/web-6b7f9c", "Deployment/web"],
        Unresolved::OwnerNotLogged,
        Deployment,
    );
}

#[test]
fn an_owner_written_only_after_the_pod_is_not_in_the_logs() {
    let writes = deployment_history(&sa("deployment-controller"));
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("08:59:59"));
    assert_unresolved(
        &resolved(&pod, &writes),
        &["ReplicaSet/web-6b7f9c"],
        Unresolved::OwnerNotLogged,
        ReplicaSet,
    );
}

#[test]
fn a_metadata_level_owner_is_unresolved() {
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("09:00:02"));
    // Everything at Metadata: the ReplicaSet's owner cannot be read.
    let writes = vec![
        write(Deployment, "web")
            .metadata()
            .at("09:00:00")
            .line(0, 10)
            .done(),
        write(ReplicaSet, "web-6b7f9c")
            .metadata()
            .by(&sa("deployment-controller"))
            .at("09:00:01")
            .line(0, 11)
            .done(),
    ];
    assert_unresolved(
        &resolved(&pod, &writes),
        &["ReplicaSet/web-6b7f9c"],
        Unresolved::OwnerWithoutSpec,
        ReplicaSet,
    );
    // Only the Deployment at Metadata: the chain reaches it, but not the image.
    let mut writes = deployment_history(&sa("deployment-controller"));
    writes[0].images = None;
    assert_unresolved(
        &resolved(&pod, &writes),
        &["ReplicaSet/web-6b7f9c", "Deployment/web"],
        Unresolved::OwnerWithoutSpec,
        Deployment,
    );
}

#[test]
fn a_metadata_level_update_after_the_create_keeps_the_link() {
    let mut writes = deployment_history(&sa("deployment-controller"));
    writes.push(
        write(ReplicaSet, "web-6b7f9c")
            .uid("r1")
            .metadata()
            .by(&sa("deployment-controller"))
            .at("09:00:05")
            .line(0, 12)
            .done(),
    );
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("09:00:06"));
    let chain = ["ReplicaSet/web-6b7f9c", "Deployment/web"];
    assert_chain(&resolved(&pod, &writes), &chain, "alice@example.com", 0, 10);
}

#[test]
fn a_pod_claiming_a_kind_that_owns_no_pods_is_a_masquerade() {
    let writes = deployment_history(&sa("deployment-controller"));
    let top = owner("Deployment", "web", Some("d1"));
    let pod = pod(Some(top), &sa("replicaset-controller"), Some("09:00:02"));
    let answer = resolved(&pod, &writes);
    assert_eq!(answer.how, How::Direct);
    let note = format!(
        "claims Deployment/web but was created by {}",
        sa("replicaset-controller")
    );
    assert_eq!(answer.note, Some(note));
}

/// At level `Request` a create shows no uid, so the top object's writes are found by name; a
/// later write logged without its body (a label patch by a GitOps tool whose requests the policy
/// keeps at `Metadata`) is not seen through: the readable request that set the image is still
/// the answer, at the top as in the middle of a chain.
#[test]
fn a_metadata_level_write_after_the_setter_at_the_top_is_not_seen_through() {
    let argo = "system:serviceaccount:argocd:argocd-application-controller";
    let mut writes = deployment_history(&sa("deployment-controller"));
    writes[0].uid = None;
    writes.push(
        write(Deployment, "web")
            .metadata()
            .by(argo)
            .at("09:00:05")
            .line(0, 12)
            .done(),
    );
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("09:00:06"));
    let chain = ["ReplicaSet/web-6b7f9c", "Deployment/web"];
    assert_chain(&resolved(&pod, &writes), &chain, "alice@example.com", 0, 10);
    // A stand-alone ReplicaSet, the top itself: frank's create is readable, the later write not.
    let writes = vec![
        write(ReplicaSet, "cache")
            .images(&[EVIL])
            .by("frank@example.com")
            .at("09:00:00")
            .line(0, 20)
            .done(),
        write(ReplicaSet, "cache")
            .metadata()
            .by(argo)
            .at("09:00:05")
            .line(0, 21)
            .done(),
    ];
    let rs = owner("ReplicaSet", "cache", Some("r9"));
    let pod = super::pod(Some(rs), &sa("replicaset-controller"), Some("09:00:06"));
    assert_chain(
        &resolved(&pod, &writes),
        &["ReplicaSet/cache"],
        "frank@example.com",
        0,
        20,
    );
    // Nothing readable at all is still unresolved.
    let writes: Vec<WorkloadRecord> = writes
        .into_iter()
        .map(|mut w| {
            w.images = None;
            w
        })
        .collect();
    assert_unresolved(
        &resolved(&pod, &writes),
        &["ReplicaSet/cache"],
        Unresolved::OwnerWithoutSpec,
        ReplicaSet,
    );
}

/// A person's label patch of a ReplicaSet, logged at level `RequestResponse`, shows the owner
/// reference the controller wrote in its response: it does not make the person the writer of the
/// link, and the answer is the one the same patch logged at level `Request` gives.
#[test]
fn a_later_patch_that_shows_the_owner_does_not_break_the_link() {
    let mut writes = deployment_history(&sa("deployment-controller"));
    let label = write(ReplicaSet, "web-6b7f9c")
        .uid("r1")
        .by("carol@example.com")
        .at("09:00:02")
        .line(0, 12);
    let at_request = label.done();
    let mut at_request_response = at_request.clone();
    at_request_response.owner = Some(Box::new(owner("Deployment", "web", Some("d1"))));
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("09:00:03"));
    let chain = ["ReplicaSet/web-6b7f9c", "Deployment/web"];
    for patch in [at_request, at_request_response] {
        writes.truncate(2);
        writes.push(patch);
        assert_chain(&resolved(&pod, &writes), &chain, "alice@example.com", 0, 10);
    }
}

/// Someone who patches a Deployment's ReplicaSet directly puts the image into its pods without
/// touching the Deployment: nobody set it at the top, so the ReplicaSet's setter is behind the
/// pod, with a note saying where it was set.
#[test]
fn an_image_set_on_a_replicaset_directly_is_found_below_the_top() {
    let writes = vec![
        write(Deployment, "web")
            .uid("d1")
            .images(&[NGINX])
            .at("09:00:00")
            .line(0, 10)
            .done(),
        write(ReplicaSet, "web-6b7f9c")
            .uid("r1")
            .owner("Deployment", "web", Some("d1"))
            .images(&[NGINX])
            .by(&sa("deployment-controller"))
            .at("09:00:01")
            .line(0, 11)
            .done(),
        write(ReplicaSet, "web-6b7f9c")
            .uid("r1")
            .images(&[EVIL])
            .by("mallory@example.com")
            .at("09:00:02")
            .line(0, 12)
            .done(),
    ];
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("09:00:03"));
    let answer = resolved(&pod, &writes);
    assert_eq!(answer.how, How::OwnerChain, "{answer:?}");
    assert_eq!(answer.chain, ["ReplicaSet/web-6b7f9c", "Deployment/web"]);
    let initiator = answer.initiator.as_ref().expect("an initiator");
    assert_eq!(initiator.user.as_deref(), Some("mallory@example.com"));
    assert_eq!(initiator.line, 12);
    assert_eq!(
        answer.note.as_deref(),
        Some("set on ReplicaSet/web-6b7f9c directly, not in Deployment/web's template")
    );
    // Had anyone set it in the Deployment too, the top's setter would be the answer.
    let mut both = writes.clone();
    both.push(
        write(Deployment, "web")
            .uid("d1")
            .images(&[EVIL])
            .by("bob@example.com")
            .at("09:00:02.5")
            .line(0, 13)
            .done(),
    );
    let chain = ["ReplicaSet/web-6b7f9c", "Deployment/web"];
    assert_chain(&resolved(&pod, &both), &chain, "bob@example.com", 0, 13);
}
