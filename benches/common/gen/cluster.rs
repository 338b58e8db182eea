//! The simulated cluster of the audit-log generator: its nodes, users, controllers and
//! components, and the request mix.

use super::catalog::{Owner, Workload};
use super::{K8S, Rng};

/// Who made a request: the fields of an event that say so, ready to paste.
pub(super) struct Actor {
    /// `user.username`.
    pub(super) name: String,
    /// The `user` object.
    pub(super) user: String,
    /// The first `sourceIPs` entry.
    pub(super) ip: String,
    /// `userAgent`.
    pub(super) user_agent: String,
    /// `authorization.k8s.io/reason`, JSON-escaped.
    pub(super) reason: String,
}

impl Actor {
    /// A service account bound to the cluster role of the same name.
    fn service_account(rng: &mut Rng, (ns, name, ip, ua): ServiceAccount) -> Self {
        Actor::bound_service_account(rng, ns, name, ip, ua, name)
    }

    /// A service account bound to the cluster role `role` by a binding of the same name.
    fn bound_service_account(
        rng: &mut Rng,
        ns: &str,
        name: &str,
        ip: &str,
        ua: &str,
        role: &str,
    ) -> Self {
        Actor {
            name: format!("system:serviceaccount:{ns}:{name}"),
            user: format!(
                r#"{{"username":"system:serviceaccount:{ns}:{name}","uid":"{}","groups":["system:serviceaccounts","system:serviceaccounts:{ns}","system:authenticated"]}}"#,
                rng.uuid()
            ),
            ip: ip.to_owned(),
            user_agent: ua.to_owned(),
            reason: format!(
                r#"RBAC: allowed by ClusterRoleBinding \"{role}\" of ClusterRole \"{role}\" to ServiceAccount \"{name}/{ns}\""#
            ),
        }
    }

    /// A kube-controller-manager controller: its own service account, or with `shared` (a
    /// controller manager run without `--use-service-account-credentials`) the manager's
    /// identity, `system:kube-controller-manager`.
    fn controller(rng: &mut Rng, name: &str, shared: bool) -> Self {
        if shared {
            return Actor::component("kube-controller-manager", name);
        }
        let ua = format!("kube-controller-manager/{K8S}/system:serviceaccount:kube-system:{name}");
        let role = format!("system:controller:{name}");
        Actor::bound_service_account(rng, "kube-system", name, "10.0.0.10", &ua, &role)
    }

    /// A user (person or component) authorized by `reason`.
    fn user(name: &str, groups: &str, ip: &str, ua: &str, reason: &str) -> Self {
        Actor {
            name: name.to_owned(),
            user: format!(r#"{{"username":"{name}","groups":[{groups}]}}"#),
            ip: ip.to_owned(),
            user_agent: ua.to_owned(),
            reason: reason.to_owned(),
        }
    }

    /// A control-plane component authenticated by its own certificate.
    fn component(name: &str, agent: &str) -> Self {
        let reason = format!(
            r#"RBAC: allowed by ClusterRoleBinding \"system:{name}\" of ClusterRole \"system:{name}\" to User \"system:{name}\""#
        );
        Actor::user(
            &format!("system:{name}"),
            r#""system:authenticated""#,
            "10.0.0.10",
            &format!("{name}/{K8S}/{agent}"),
            &reason,
        )
    }
}

/// A service account: namespace, name, client IP, user agent.
type ServiceAccount = (&'static str, &'static str, &'static str, &'static str);

/// A worker node and its kubelet.
pub(super) struct Node {
    pub(super) name: String,
    pub(super) kubelet: Actor,
}

/// Leader-election leases: namespace, lease name, index into `Cluster::leaders`.
pub(super) const LEADER_LEASES: &[(&str, &str, usize)] = &[
    ("kube-system", "kube-controller-manager", 0),
    ("kube-system", "kube-scheduler", 1),
    ("kube-system", "cilium-operator-resource-lock", 2),
    ("cert-manager", "cert-manager-controller", 3),
    ("ingress-nginx", "ingress-nginx-leader", 4),
    ("kube-system", "external-attacher-leader-ebs-csi-aws-com", 5),
];

/// Who watches what: index into `Cluster::watchers` (`KUBELET`: a random node's kubelet),
/// namespace, API group, version, resource, and a selector (URL-encoded and ending in `\u0026`;
/// one ending in `%3D` gets the node name).
pub(super) type WatchTarget = (
    usize,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// The watcher index that stands for a kubelet.
pub(super) const KUBELET: usize = usize::MAX;

/// The watches of a busy cluster.
#[rustfmt::skip]
pub(super) const WATCHES: &[WatchTarget] = &[
    (KUBELET, None, "", "v1", "pods", "fieldSelector=spec.nodeName%3D"),
    (KUBELET, None, "", "v1", "services", ""),
    (KUBELET, Some("kube-system"), "", "v1", "configmaps", r"fieldSelector=metadata.name%3Dkube-proxy\u0026"),
    (1, None, "", "v1", "pods", r"fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed\u0026"),
    (0, None, "", "v1", "pods", ""),
    (0, None, "apps", "v1", "replicasets", ""),
    (0, None, "discovery.k8s.io", "v1", "endpointslices", ""),
    (0, None, "", "v1", "nodes", ""),
    (2, None, "cilium.io", "v2", "ciliumendpoints", ""),
    (2, None, "", "v1", "namespaces", ""),
    (2, None, "discovery.k8s.io", "v1", "endpointslices", r"labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service.kubernetes.io%2Fservice-proxy-name\u0026"),
    (3, None, "", "v1", "services", ""),
    (3, None, "discovery.k8s.io", "v1", "endpointslices", ""),
    (4, Some("shop"), "", "v1", "pods", ""),
    (4, Some("shop"), "", "v1", "endpoints", ""),
    (5, None, "", "v1", "secrets", r"labelSelector=owner%3Dhelm\u0026"),
];

/// The kinds of request the generator makes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    NodeLease,
    LeaderLease,
    Watch,
    List,
    PodStatus,
    NodeStatus,
    Event,
    TokenReview,
    AccessReview,
    Get,
    SaToken,
    EndpointSlice,
    PodCreate,
    Binding,
    Exec,
    Eviction,
    /// A person or pipeline changes a workload's template; its controller rolls it out.
    Rollout,
    /// The deployment controller scales a ReplicaSet.
    Scale,
    /// The cronjob controller starts a CronJob's Job.
    CronSpawn,
    /// The CI pipeline creates a Job.
    JobCreate,
}

impl Kind {
    /// Whether the kind is pod or workload traffic, which the workload factor scales.
    pub(super) fn scaled(self) -> bool {
        matches!(
            self,
            Kind::PodCreate
                | Kind::Binding
                | Kind::Rollout
                | Kind::Scale
                | Kind::CronSpawn
                | Kind::JobCreate
        )
    }
}

/// How often each kind of request is made (relative weights, in tenths).
pub(super) const MIX: &[(Kind, u64)] = &[
    (Kind::NodeLease, 2500),
    (Kind::LeaderLease, 1100),
    (Kind::Watch, 700),
    (Kind::List, 150),
    (Kind::PodStatus, 950),
    (Kind::NodeStatus, 120),
    (Kind::Event, 800),
    (Kind::TokenReview, 550),
    (Kind::AccessReview, 400),
    (Kind::Get, 1300),
    (Kind::SaToken, 350),
    (Kind::EndpointSlice, 400),
    (Kind::PodCreate, 60),
    (Kind::Binding, 60),
    (Kind::Exec, 10),
    (Kind::Eviction, 10),
    (Kind::Rollout, 10),
    (Kind::Scale, 8),
    (Kind::CronSpawn, 3),
    (Kind::JobCreate, 3),
];

/// The holders of `LEADER_LEASES` after the two control-plane ones.
const LEADER_ACCOUNTS: [ServiceAccount; 4] = [
    (
        "kube-system",
        "cilium-operator",
        "10.0.1.14",
        "cilium-operator-generic/v1.15.1 (linux/amd64) kubernetes/$Format",
    ),
    (
        "cert-manager",
        "cert-manager",
        "10.244.3.17",
        "cert-manager-controller/v1.14.4 (linux/amd64) cert-manager/leader-election",
    ),
    (
        "ingress-nginx",
        "ingress-nginx",
        "10.244.7.5",
        "nginx-ingress-controller/v1.10.0 (linux/amd64) ingress-nginx/71f78d49f0a496c31d4c19f095469f3f23900f8a",
    ),
    (
        "kube-system",
        "ebs-csi-controller-sa",
        "10.244.2.9",
        "csi-attacher/v4.5.0 (linux/amd64) kubernetes/$Format",
    ),
];

/// The `WATCHES` watchers after the two control-plane ones.
const WATCHER_ACCOUNTS: [ServiceAccount; 4] = [
    (
        "kube-system",
        "cilium",
        "10.0.1.23",
        "cilium-agent/v1.15.1 (linux/amd64) kubernetes/$Format",
    ),
    (
        "kube-system",
        "coredns",
        "10.244.1.3",
        "coredns/v1.11.1 (linux/amd64) kubernetes/$Format",
    ),
    (
        "monitoring",
        "prometheus",
        "10.244.5.12",
        "Prometheus/2.50.1",
    ),
    (
        "argocd",
        "argocd-application-controller",
        "10.244.6.8",
        "argocd-application-controller/v2.10.4 (linux/amd64) kubernetes/$Format",
    ),
];

/// The cluster: nodes, users, and the owners of the workloads. Fixed for a seed.
pub(super) struct Cluster {
    pub(super) nodes: Vec<Node>,
    /// The controllers, indexed by the `CTL_*` constants.
    pub(super) controllers: [Actor; 6],
    /// People and CI: alice (SRE), bob (data), the CI deploy bot.
    pub(super) people: [Actor; 3],
    /// The holders of `LEADER_LEASES`.
    pub(super) leaders: Vec<Actor>,
    /// Watchers by `WATCHES` index: kube-controller-manager, kube-scheduler, cilium, coredns,
    /// prometheus, argocd.
    pub(super) watchers: Vec<Actor>,
    pub(super) scheduler: Actor,
    pub(super) endpointslice: Actor,
    pub(super) metrics_server: Actor,
    pub(super) autoscaler: Actor,
}

/// `Cluster::controllers`: the ReplicaSet controller.
pub(super) const CTL_REPLICASET: usize = 0;
/// `Cluster::controllers`: the DaemonSet controller.
pub(super) const CTL_DAEMONSET: usize = 1;
/// `Cluster::controllers`: the StatefulSet controller.
pub(super) const CTL_STATEFULSET: usize = 2;
/// `Cluster::controllers`: the Job controller.
pub(super) const CTL_JOB: usize = 3;
/// `Cluster::controllers`: the Deployment controller.
pub(super) const CTL_DEPLOYMENT: usize = 4;
/// `Cluster::controllers`: the CronJob controller.
pub(super) const CTL_CRONJOB: usize = 5;

impl Cluster {
    pub(super) fn new(seed: u64) -> Self {
        let rng = &mut Rng(seed ^ 0xC1);
        let nodes = (1..=48)
            .map(|n| Node {
                name: format!("worker-{n}"),
                kubelet: Actor::user(
                    &format!("system:node:worker-{n}"),
                    r#""system:nodes","system:authenticated""#,
                    &format!("10.0.1.{}", 10 + n),
                    &format!("kubelet/{K8S}"),
                    "",
                ),
            })
            .collect();
        let mut leaders = vec![
            Actor::component("kube-controller-manager", "leader-election"),
            Actor::component("kube-scheduler", "leader-election"),
        ];
        leaders.extend(LEADER_ACCOUNTS.map(|sa| Actor::service_account(rng, sa)));
        let mut watchers = vec![
            Actor::component("kube-controller-manager", "shared-informers"),
            Actor::component("kube-scheduler", "scheduler"),
        ];
        watchers.extend(WATCHER_ACCOUNTS.map(|sa| Actor::service_account(rng, sa)));
        // Every third seed, the controller manager runs without its own service accounts.
        let shared = seed % 3 == 2;
        Cluster {
            nodes,
            controllers: [
                "replicaset-controller",
                "daemon-set-controller",
                "statefulset-controller",
                "job-controller",
                "deployment-controller",
                "cronjob-controller",
            ]
            .map(|name| Actor::controller(rng, name, shared)),
            people: Cluster::people(rng),
            leaders,
            watchers,
            scheduler: Actor::component("kube-scheduler", "scheduler"),
            endpointslice: Actor::controller(rng, "endpointslice-controller", shared),
            metrics_server: Actor::service_account(
                rng,
                (
                    "kube-system",
                    "metrics-server",
                    "10.244.1.7",
                    "metrics-server/v0.7.0 (linux/amd64) kubernetes/$Format",
                ),
            ),
            autoscaler: Actor::service_account(
                rng,
                (
                    "kube-system",
                    "cluster-autoscaler",
                    "10.244.2.4",
                    "cluster-autoscaler/v1.29.0 (linux/amd64) kubernetes/$Format",
                ),
            ),
        }
    }

    /// alice (SRE, cluster-admin), bob (data engineer), and the CI bot.
    fn people(rng: &mut Rng) -> [Actor; 3] {
        [
            Actor::user(
                "alice@example.com",
                r#""oidc:sre","system:authenticated""#,
                "203.0.113.45",
                "kubectl/v1.29.2 (darwin/arm64) kubernetes/4b8e819",
                r#"RBAC: allowed by ClusterRoleBinding \"sre-admin\" of ClusterRole \"cluster-admin\" to Group \"oidc:sre\""#,
            ),
            Actor::user(
                "bob@example.com",
                r#""oidc:data-eng","system:authenticated""#,
                "203.0.113.71",
                "kubectl/v1.28.4 (linux/amd64) kubernetes/bae2c62",
                r#"RBAC: allowed by RoleBinding \"data-eng-edit/ml-jobs\" of ClusterRole \"edit\" to Group \"oidc:data-eng\""#,
            ),
            Actor::service_account(
                rng,
                (
                    "ci",
                    "deploy-bot",
                    "198.51.100.77",
                    "kubectl/v1.29.1 (linux/amd64) kubernetes/bc401b9",
                ),
            ),
        ]
    }

    /// Who creates the pods of `w`.
    pub(super) fn creator(&self, w: &Workload, rng: &mut Rng) -> &Actor {
        match w.owner {
            Owner::ReplicaSet(_) => &self.controllers[CTL_REPLICASET],
            Owner::DaemonSet => &self.controllers[CTL_DAEMONSET],
            Owner::StatefulSet => &self.controllers[CTL_STATEFULSET],
            Owner::CronJob | Owner::Job => &self.controllers[CTL_JOB],
            Owner::Forged(_) | Owner::Run | Owner::Apply => {
                &self.people[rng.index(self.people.len())]
            }
        }
    }
}

/// A pod the generator has created and later refers to.
#[derive(Debug, Clone)]
pub(super) struct Pod {
    /// Index into `WORKLOADS`.
    pub(super) workload: usize,
    pub(super) name: String,
    pub(super) uid: String,
    /// Index into `Cluster::nodes`.
    pub(super) node: usize,
    pub(super) ip: String,
    /// The controller owner reference it carries: kind, name, uid.
    pub(super) owner: Option<(&'static str, String, String)>,
    /// The container whose image `kubectl set image` changed in its template, and that image.
    pub(super) set: Option<(&'static str, &'static str)>,
}

impl Pod {
    /// The image of `container` in this pod: the workload's, unless its template changed it.
    pub(super) fn image(&self, container: &str, image: &'static str) -> &'static str {
        match self.set {
            Some((name, set)) if name == container => set,
            _ => image,
        }
    }
}
