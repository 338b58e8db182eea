//! The controller identities: which user the API server logs when a built-in controller writes
//! a pod or a workload object on behalf of its owner.
//!
//! Each pair of child and owner kind has exactly one controller (pods of a ReplicaSet:
//! `replicaset-controller`; a ReplicaSet of a Deployment: `deployment-controller`; …). It runs
//! either as its own service account, `system:serviceaccount:kube-system:<name>`, or, on
//! clusters whose controller manager does not use per-controller credentials, as
//! `system:kube-controller-manager`, which then stands for every controller alike.
//!
//! The identity is the authenticated `user.username`: a person impersonating a controller is
//! still that person. A pair with no controller (a pod of a Deployment, a Deployment of a
//! ReplicaSet) has no identity, so such a link is never trusted and owner chains have at most two
//! links above a pod. See docs/attribution.md (Controller identities).

use super::WorkloadKind;

/// The user every controller runs as when the controller manager shares one identity.
pub const KUBE_CONTROLLER_MANAGER: &str = "system:kube-controller-manager";

/// What comes before a controller's name in its own service account's user name.
const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:kube-system:";

/// Every controller's name, for [`is_controller`].
const CONTROLLERS: [&str; 7] = [
    "replicaset-controller",
    "statefulset-controller",
    "daemon-set-controller",
    "job-controller",
    "replication-controller",
    "deployment-controller",
    "cronjob-controller",
];

/// The kind of object a controller writes: a pod, or a workload object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Child {
    /// A pod.
    Pod,
    /// A workload object (a ReplicaSet of a Deployment, a Job of a CronJob).
    Workload(WorkloadKind),
}

/// The name of the controller that writes a `child` owned by an `owner` of this kind, if one
/// does (`replicaset-controller` for pods of a ReplicaSet).
pub fn controller_name(child: Child, owner: WorkloadKind) -> Option<&'static str> {
    match (child, owner) {
        (Child::Pod, WorkloadKind::ReplicaSet) => Some("replicaset-controller"),
        (Child::Pod, WorkloadKind::StatefulSet) => Some("statefulset-controller"),
        (Child::Pod, WorkloadKind::DaemonSet) => Some("daemon-set-controller"),
        (Child::Pod, WorkloadKind::Job) => Some("job-controller"),
        (Child::Pod, WorkloadKind::ReplicationController) => Some("replication-controller"),
        (Child::Workload(WorkloadKind::ReplicaSet), WorkloadKind::Deployment) => {
            Some("deployment-controller")
        }
        (Child::Workload(WorkloadKind::Job), WorkloadKind::CronJob) => Some("cronjob-controller"),
        _ => None,
    }
}

/// Whether `user` is the identity of the controller that writes a `child` of an `owner` of this
/// kind: its service account, or [`KUBE_CONTROLLER_MANAGER`]. An unknown user is no controller.
pub fn is_controller_for(child: Child, owner: WorkloadKind, user: Option<&str>) -> bool {
    match (controller_name(child, owner), user) {
        (Some(name), Some(user)) => {
            user == KUBE_CONTROLLER_MANAGER || service_account_name(user) == Some(name)
        }
        _ => false,
    }
}

/// Whether `user` is any controller's identity: what "a person or pipeline" is not. An unknown
/// user is no controller.
pub fn is_controller(user: Option<&str>) -> bool {
    user.is_some_and(|user| {
        user == KUBE_CONTROLLER_MANAGER
            || service_account_name(user).is_some_and(|name| CONTROLLERS.contains(&name))
    })
}

/// The name of a `kube-system` service account (`replicaset-controller`), if `user` is one.
fn service_account_name(user: &str) -> Option<&str> {
    user.strip_prefix(SERVICE_ACCOUNT_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair with a controller, and the controller's name.
    const PAIRS: [(Child, WorkloadKind, &str); 7] = [
        (
            Child::Pod,
            WorkloadKind::ReplicaSet,
            "replicaset-controller",
        ),
        (
            Child::Pod,
            WorkloadKind::StatefulSet,
            "statefulset-controller",
        ),
        (Child::Pod, WorkloadKind::DaemonSet, "daemon-set-controller"),
        (Child::Pod, WorkloadKind::Job, "job-controller"),
        (
            Child::Pod,
            WorkloadKind::ReplicationController,
            "replication-controller",
        ),
        (
            Child::Workload(WorkloadKind::ReplicaSet),
            WorkloadKind::Deployment,
            "deployment-controller",
        ),
        (
            Child::Workload(WorkloadKind::Job),
            WorkloadKind::CronJob,
            "cronjob-controller",
        ),
    ];

    #[test]
    fn each_pair_has_its_service_account_and_the_controller_manager() {
        for (child, owner, name) in PAIRS {
            let account = format!("system:serviceaccount:kube-system:{name}");
            assert!(is_controller_for(child, owner, Some(&account)), "{account}");
            assert!(is_controller_for(
                child,
                owner,
                Some(KUBE_CONTROLLER_MANAGER)
            ));
            assert!(is_controller(Some(&account)));
        }
        assert!(is_controller(Some(KUBE_CONTROLLER_MANAGER)));
    }

    #[test]
    fn another_controller_is_not_the_one_for_the_pair() {
        for (child, owner, _) in PAIRS {
            for (_, _, other) in PAIRS.iter().filter(|(c, o, _)| (*c, *o) != (child, owner)) {
                let account = format!("system:serviceaccount:kube-system:{other}");
                assert!(
                    !is_controller_for(child, owner, Some(&account)),
                    "{account}"
                );
            }
        }
    }

    #[test]
    fn pairs_without_a_controller_have_no_identity() {
        let none = [
            (Child::Pod, WorkloadKind::Deployment),
            (Child::Pod, WorkloadKind::CronJob),
            (
                Child::Workload(WorkloadKind::Deployment),
                WorkloadKind::ReplicaSet,
            ),
            (
                Child::Workload(WorkloadKind::ReplicaSet),
                WorkloadKind::ReplicaSet,
            ),
            (Child::Workload(WorkloadKind::Job), WorkloadKind::Deployment),
        ];
        for (child, owner) in none {
            assert_eq!(controller_name(child, owner), None);
            assert!(!is_controller_for(
                child,
                owner,
                Some(KUBE_CONTROLLER_MANAGER)
            ));
        }
    }

    #[test]
    fn people_and_look_alikes_are_no_controllers() {
        let people = [
            None,
            Some("alice@example.com"),
            Some("system:serviceaccount:kube-system:default"),
            Some("system:serviceaccount:ci:replicaset-controller"),
            Some("replicaset-controller"),
            Some("system:serviceaccount:kube-system:replicaset-controller "),
            Some("system:kube-scheduler"),
            Some("system:node:node-1"),
        ];
        for user in people {
            assert!(!is_controller(user), "{user:?}");
            assert!(!is_controller_for(
                Child::Pod,
                WorkloadKind::ReplicaSet,
                user
            ));
        }
    }
}
