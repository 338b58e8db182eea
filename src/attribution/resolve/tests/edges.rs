//! Hand-worked histories at the edges: input order, shared controller identity, uids, times,
//! forged cycles, images no request set, owners of kinds that are not followed.

use super::cases::deployment_history;
use super::*;
use WorkloadKind::{CronJob, Deployment, Job, ReplicaSet};

#[test]
fn writes_across_two_inputs_in_reverse_time_order() {
    // The newer file is given first; the Deployment's create is in an older archive given second.
    let writes = vec![
        write(ReplicaSet, "web-6b7f9c")
            .uid("r1")
            .owner("Deployment", "web", Some("d1"))
            .images(&[EVIL])
            .by(&sa("deployment-controller"))
            .at("09:00:01")
            .line(0, 3)
            .done(),
        write(Deployment, "web")
            .uid("d1")
            .images(&[EVIL])
            .at("08:00:00")
            .line(1, 50)
            .done(),
    ];
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("09:00:02"));
    let chain = ["ReplicaSet/web-6b7f9c", "Deployment/web"];
    assert_chain(&resolved(&pod, &writes), &chain, "alice@example.com", 1, 50);
}

#[test]
fn the_controller_manager_stands_for_every_controller() {
    let writes = deployment_history(KUBE_CONTROLLER_MANAGER);
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let of_rs = pod(Some(rs), KUBE_CONTROLLER_MANAGER, Some("09:00:02"));
    let chain = ["ReplicaSet/web-6b7f9c", "Deployment/web"];
    assert_chain(
        &resolved(&of_rs, &writes),
        &chain,
        "alice@example.com",
        0,
        10,
    );

    let writes = vec![
        write(CronJob, "nightly")
            .uid("c1")
            .images(&[EVIL])
            .at("01:00:00")
            .line(0, 1)
            .done(),
        // The controller manager's own template write is not a person's.
        write(CronJob, "nightly")
            .uid("c1")
            .images(&[EVIL])
            .by(KUBE_CONTROLLER_MANAGER)
            .at("01:30:00")
            .line(0, 2)
            .done(),
        write(Job, "nightly-2900")
            .uid("j1")
            .owner("CronJob", "nightly", Some("c1"))
            .images(&[EVIL])
            .by(KUBE_CONTROLLER_MANAGER)
            .at("02:00:00")
            .line(0, 3)
            .done(),
    ];
    let job = owner("Job", "nightly-2900", Some("j1"));
    let of_job = pod(Some(job), KUBE_CONTROLLER_MANAGER, Some("02:00:01"));
    let chain = ["Job/nightly-2900", "CronJob/nightly"];
    assert_chain(
        &resolved(&of_job, &writes),
        &chain,
        "alice@example.com",
        0,
        1,
    );
}

#[test]
fn a_known_uid_beats_the_name_and_excludes_other_incarnations() {
    let writes = vec![
        // An earlier Deployment/web, deleted since: another uid.
        write(Deployment, "web")
            .uid("d-old")
            .images(&[EVIL])
            .by("eve@example.com")
            .at("08:45:00")
            .line(0, 1)
            .done(),
        // Today's, created at level Request: no uid logged, found by its name.
        write(Deployment, "web")
            .images(&[EVIL])
            .at("08:30:00")
            .line(0, 2)
            .done(),
        write(ReplicaSet, "web-1")
            .uid("r1")
            .owner("Deployment", "web", Some("d-new"))
            .images(&[EVIL])
            .by(&sa("deployment-controller"))
            .at("09:00:00")
            .line(0, 3)
            .done(),
        // A write under the ReplicaSet's name without uid, naming another owner: the uid
        // match wins.
        write(ReplicaSet, "web-1")
            .owner("Deployment", "other", None)
            .by(&sa("deployment-controller"))
            .at("09:00:30")
            .line(0, 4)
            .done(),
    ];
    let rs = owner("ReplicaSet", "web-1", Some("r1"));
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("09:01:00"));
    let chain = ["ReplicaSet/web-1", "Deployment/web"];
    assert_chain(&resolved(&pod, &writes), &chain, "alice@example.com", 0, 2);
}

#[test]
fn an_owner_reference_without_uid_is_found_by_name() {
    let mut writes = deployment_history(&sa("deployment-controller"));
    writes[1].owner = Some(Box::new(owner("Deployment", "web", None)));
    let rs = owner("ReplicaSet", "web-6b7f9c", None);
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("09:00:02"));
    let chain = ["ReplicaSet/web-6b7f9c", "Deployment/web"];
    assert_chain(&resolved(&pod, &writes), &chain, "alice@example.com", 0, 10);
}

#[test]
fn a_write_without_a_time_is_never_at_or_before() {
    let mut writes = vec![
        write(Deployment, "web")
            .uid("d1")
            .images(&[NGINX])
            .at("08:00:00")
            .line(0, 1)
            .done(),
        write(Deployment, "web")
            .uid("d1")
            .images(&[EVIL])
            .by("bob@example.com")
            .line(0, 2)
            .done(),
    ];
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let pod = pod(
        Some(rs.clone()),
        &sa("replicaset-controller"),
        Some("09:00:00"),
    );
    writes.push(
        write(ReplicaSet, "web-6b7f9c")
            .uid("r1")
            .owner("Deployment", "web", Some("d1"))
            .images(&[EVIL])
            .by(&sa("deployment-controller"))
            .at("08:59:00")
            .line(0, 3)
            .done(),
    );
    assert_unresolved(
        &resolved(&pod, &writes),
        &["ReplicaSet/web-6b7f9c", "Deployment/web"],
        Unresolved::NoRequestSetImage,
        Deployment,
    );
    // A pod without a time finds no owner.
    let timeless = self::pod(Some(rs), &sa("replicaset-controller"), None);
    assert_unresolved(
        &resolved(&timeless, &writes),
        &["ReplicaSet/web-6b7f9c"],
        Unresolved::OwnerNotLogged,
        ReplicaSet,
    );
}

#[test]
fn at_equal_times_the_later_in_input_order_wins() {
    // The same instant, written with two offsets; a write at the pod's own time counts.
    let set = |user: &str, time: &str, input: usize, line: u64| {
        write(WorkloadKind::StatefulSet, "db")
            .uid("s1")
            .images(&[EVIL])
            .by(user)
            .at_exactly(time)
            .line(input, line)
            .done()
    };
    let writes = vec![
        set("bob@example.com", "2026-03-02T10:00:00+01:00", 1, 2),
        set("alice@example.com", "2026-03-02T09:00:00Z", 1, 1),
        set("carol@example.com", "2026-03-02T09:00:00Z", 0, 9),
        set("dave@example.com", "2026-03-02T09:00:00.000000001Z", 0, 1),
    ];
    let sts = owner("StatefulSet", "db", Some("s1"));
    let pod = pod(Some(sts), &sa("statefulset-controller"), Some("09:00:00"));
    let answer = resolved(&pod, &writes);
    assert_chain(&answer, &["StatefulSet/db"], "bob@example.com", 1, 2);
}

#[test]
fn a_cycle_of_forged_owner_references_ends() {
    let kcm = KUBE_CONTROLLER_MANAGER;
    let writes = vec![
        write(ReplicaSet, "a")
            .uid("ra")
            .owner("Deployment", "d", Some("dd"))
            .images(&[EVIL])
            .by(kcm)
            .at("09:00:00")
            .line(0, 1)
            .done(),
        write(Deployment, "d")
            .uid("dd")
            .owner("ReplicaSet", "a", Some("ra"))
            .images(&[EVIL])
            .by(kcm)
            .at("09:00:01")
            .line(0, 2)
            .done(),
        write(Deployment, "d")
            .uid("dd")
            .images(&[EVIL])
            .by("mallory@example.com")
            .at("09:00:02")
            .line(0, 3)
            .done(),
        // A ReplicaSet that owns itself.
        write(ReplicaSet, "self")
            .uid("rs")
            .owner("ReplicaSet", "self", Some("rs"))
            .images(&[EVIL])
            .by(kcm)
            .at("09:00:03")
            .line(0, 4)
            .done(),
    ];
    let rs = owner("ReplicaSet", "a", Some("ra"));
    let pod_a = pod(Some(rs), kcm, Some("09:10:00"));
    let chain = ["ReplicaSet/a", "Deployment/d"];
    assert_chain(
        &resolved(&pod_a, &writes),
        &chain,
        "mallory@example.com",
        0,
        3,
    );
    let own = owner("ReplicaSet", "self", Some("rs"));
    let pod_self = pod(Some(own), kcm, Some("09:10:00"));
    assert_unresolved(
        &resolved(&pod_self, &writes),
        &["ReplicaSet/self"],
        Unresolved::NoRequestSetImage,
        ReplicaSet,
    );
}

#[test]
fn an_image_no_request_set_is_unresolved() {
    // alice's Deployment names nginx; a mutating webhook swapped the image in on the way.
    let mut writes = deployment_history(&sa("deployment-controller"));
    writes[0].images = Some(Box::new([NGINX.into()]));
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("09:00:02"));
    assert_unresolved(
        &resolved(&pod, &writes),
        &["ReplicaSet/web-6b7f9c", "Deployment/web"],
        Unresolved::NoRequestSetImage,
        Deployment,
    );
}

#[test]
fn notes_name_their_reason_and_fix() {
    assert_eq!(
        Unresolved::OwnerNotLogged.note(ReplicaSet),
        "owner not in the logs; include the logs from when it was written, and log replicasets \
         and deployments at level Request or higher"
    );
    assert_eq!(
        Unresolved::OwnerWithoutSpec.note(Job),
        "owner logged without its spec (Metadata level); log jobs and cronjobs at level Request \
         or higher"
    );
    assert_eq!(
        Unresolved::NoRequestSetImage.note(Deployment),
        "no request set the image; include older logs, or look for a mutating webhook that sets \
         images"
    );
    for reason in Unresolved::ALL {
        for kind in WorkloadKind::ALL {
            assert_eq!(Unresolved::of(&reason.note(kind)), Some(reason));
        }
    }
    assert_eq!(
        Unresolved::of("claims ReplicaSet/a but was created by bob"),
        None
    );
}

#[test]
fn records_drop_writes_without_a_time() {
    let writes = deployment_history(&sa("deployment-controller"));
    let mut timeless = writes[0].clone();
    timeless.at = None;
    let records = Records::new(writes.iter().chain([&timeless]));
    assert_eq!(records.len(), 2);
    assert!(!records.is_empty());
    assert!(Records::new(&[]).is_empty());
}

#[test]
fn an_owner_of_another_kind_above_a_workload_ends_the_chain() {
    // An operator's custom resource owns the ReplicaSet; the operator's service account wrote
    // the image, and is the initiator.
    let operator = "system:serviceaccount:argo-rollouts:argo-rollouts";
    let writes = vec![
        write(ReplicaSet, "web-6b7f9c")
            .uid("r1")
            .owner("Rollout", "web", Some("ro1"))
            .images(&[EVIL])
            .by(operator)
            .at("09:00:01")
            .line(0, 11)
            .done(),
    ];
    let rs = owner("ReplicaSet", "web-6b7f9c", Some("r1"));
    let pod = pod(Some(rs), &sa("replicaset-controller"), Some("09:00:02"));
    assert_chain(
        &resolved(&pod, &writes),
        &["ReplicaSet/web-6b7f9c"],
        operator,
        0,
        11,
    );
}
