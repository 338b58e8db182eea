//! The simulated cluster of the audit-log generator: its nodes, users and components, the
//! workloads whose pods are created (with their verdict under `testdata/allow.yaml`), and the
//! request mix.

use super::{K8S, Rng};

/// Who made a request: the fields of an event that say so, ready to paste.
pub(super) struct Actor {
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

    /// A kube-controller-manager controller's service account.
    fn controller(rng: &mut Rng, name: &str) -> Self {
        let ua = format!("kube-controller-manager/{K8S}/system:serviceaccount:kube-system:{name}");
        let role = format!("system:controller:{name}");
        Actor::bound_service_account(rng, "kube-system", name, "10.0.0.10", &ua, &role)
    }

    /// A user (person or component) authorized by `reason`.
    fn user(name: &str, groups: &str, ip: &str, ua: &str, reason: &str) -> Self {
        Actor {
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

/// Who owns a workload's pods, which decides how they are created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    /// A Deployment's ReplicaSet, with its pod-template hash.
    ReplicaSet(&'static str),
    /// A DaemonSet.
    DaemonSet,
    /// A StatefulSet (named pods `app-0`, `app-1`, …).
    StatefulSet,
    /// A CronJob's Job.
    Job,
    /// `kubectl run`.
    Run,
    /// `kubectl apply -f pod.yaml`.
    Apply,
}

/// A source of pods; `allowed` is the verdict of `testdata/allow.yaml` on all its images.
pub(super) struct Workload {
    pub(super) namespace: &'static str,
    pub(super) app: &'static str,
    pub(super) owner: Owner,
    /// `spec.containers`: name and image.
    pub(super) containers: &'static [(&'static str, &'static str)],
    /// `spec.initContainers`: name and image.
    pub(super) init: &'static [(&'static str, &'static str)],
    pub(super) allowed: bool,
    /// Environment variables per container: what makes a pod body long.
    pub(super) env: usize,
    /// Relative frequency of its pod creates.
    pub(super) weight: u64,
}

/// Shorthand for the table below.
#[allow(clippy::too_many_arguments, clippy::fn_params_excessive_bools)]
const fn workload(
    namespace: &'static str,
    app: &'static str,
    owner: Owner,
    containers: &'static [(&'static str, &'static str)],
    init: &'static [(&'static str, &'static str)],
    allowed: bool,
    env: usize,
    weight: u64,
) -> Workload {
    Workload {
        namespace,
        app,
        owner,
        containers,
        init,
        allowed,
        env,
        weight,
    }
}

/// The workloads whose pods are created, and whether `testdata/allow.yaml` allows all their
/// images (the verdicts are checked against the tool: `GenStats::findings`).
#[rustfmt::skip]
pub(super) const WORKLOADS: &[Workload] = &[
    // namespace, app, owner, containers, init containers, allowed, env vars, weight
    workload("shop", "web", Owner::ReplicaSet("6d4cf56db6"), &[("web", "nginx:1.25.4"), ("metrics", "ghcr.io/acme/nginx-exporter:1.1.0")], &[], true, 6, 14),
    workload("shop", "api", Owner::ReplicaSet("7c9f8d5b4"), &[("api", "ghcr.io/acme/api:1.8.0")], &[("migrate", "ghcr.io/acme/api:1.8.0")], true, 12, 14),
    workload("shop", "cart", Owner::ReplicaSet("5f7b9c6d8"), &[("cart", "ghcr.io/acme/cart:3.2.0")], &[("wait-db", "busybox:1.36.1")], true, 12, 10),
    workload("payments", "ledger", Owner::ReplicaSet("84d6c9f7b5"), &[("ledger", "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/ledger:2024.03.1")], &[], false, 28, 6),
    workload("kube-system", "coredns", Owner::ReplicaSet("5dd5756b68"), &[("coredns", "registry.k8s.io/coredns/coredns:v1.11.1")], &[], true, 0, 3),
    workload("kube-system", "cilium", Owner::DaemonSet, &[("cilium-agent", "quay.io/cilium/cilium:v1.15.1@sha256:351d6685dc6f6ffbcd5451043167cfa8842c6decf80d8c8e426a417c73fb56d4")], &[("mount-cgroup", "quay.io/cilium/cilium:v1.15.1"), ("clean-cilium-state", "quay.io/cilium/cilium:v1.15.1")], true, 6, 3),
    workload("kube-system", "kube-proxy", Owner::DaemonSet, &[("kube-proxy", "registry.k8s.io/kube-proxy:v1.29.2")], &[], true, 1, 3),
    workload("monitoring", "node-exporter", Owner::DaemonSet, &[("node-exporter", "quay.io/prometheus/node-exporter@sha256:48aded24573da1e8b8df982f868c452f570d82a1aa8ba2f04a7089dbca714023")], &[], true, 0, 3),
    workload("monitoring", "prometheus", Owner::StatefulSet, &[("prometheus", "quay.io/prometheus/prometheus:v2.50.1"), ("config-reloader", "quay.io/prometheus-operator/prometheus-config-reloader:v0.72.0")], &[], false, 3, 2),
    workload("backup", "nightly-backup", Owner::Job, &[("pg-dump", "docker.io/bitnami/postgresql:16.2.0")], &[], false, 8, 3),
    workload("team-blue", "frontend", Owner::ReplicaSet("69b8f7c4d9"), &[("frontend", "ghcr.io/acme-team/blue/frontend:0.9.2")], &[], true, 10, 8),
    workload("team-red", "worker", Owner::ReplicaSet("7f6d5c4b8a"), &[("worker", "ghcr.io/acme-team/red/worker:2.0.0-rc.1"), ("log-shipper", "ghcr.io/acme/log-shipper:0.4.2")], &[], true, 10, 6),
    workload("staging", "frontend-canary", Owner::ReplicaSet("b7c9d8f6c"), &[("frontend", "ghcr.io/acme-team/blue/frontend:1.0.0-canary")], &[], false, 10, 1),
    workload("ingress-nginx", "ingress-nginx-controller", Owner::ReplicaSet("6b9c7d8f5"), &[("controller", "registry.k8s.io/ingress-nginx/controller:v1.10.0@sha256:42b3f0e5d0846876b1791cd3afeb5f1cbbe4259d6f35651dcc1b5c980925379c")], &[], true, 4, 2),
    workload("platform", "registry-mirror", Owner::ReplicaSet("55c8b9d7f6"), &[("mirror", "registry.acme.internal:5000/platform/registry-mirror:2.8.3")], &[], true, 4, 3),
    workload("ci", "image-build", Owner::Job, &[("kaniko", "gcr.io/kaniko-project/executor:v1.21.0")], &[("clone", "alpine/git:2.43.0")], false, 6, 4),
    workload("data", "redis", Owner::StatefulSet, &[("redis", "docker.io/bitnami/redis:7.2.4-debian-12-r9")], &[], false, 10, 2),
    workload("default", "debug", Owner::Run, &[("debug", "busybox")], &[], false, 0, 2),
    workload("ml-jobs", "train-resnet50", Owner::Apply, &[("train", "nvcr.io/nvidia/pytorch:24.02-py3")], &[], false, 6, 1),
    workload("default", "kworker-sync", Owner::Apply, &[("kworker", "docker.io/xmrig/xmrig:6.21.0")], &[], false, 0, 1),
    workload("default", "nginx-test", Owner::Run, &[("nginx-test", "nginx")], &[], true, 0, 1),
];

/// Environment variables: name, the rest of the entry, and the key its `managedFields` entry
/// names (`value`, or the kind of `valueFrom`).
#[rustfmt::skip]
pub(super) const ENV: &[(&str, &str, &str)] = &[
    ("LOG_LEVEL", r#""value":"info""#, "value"),
    ("PORT", r#""value":"8080""#, "value"),
    ("POD_NAME", r#""valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}"#, "fieldRef"),
    ("POD_NAMESPACE", r#""valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}"#, "fieldRef"),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", r#""value":"http://otel-collector.monitoring.svc:4317""#, "value"),
    ("OTEL_SERVICE_NAME", r#""value":"acme-service""#, "value"),
    ("DATABASE_URL", r#""value":"postgres://app@db.data.svc:5432/app?sslmode=require\u0026connect_timeout=5""#, "value"),
    ("DATABASE_PASSWORD", r#""valueFrom":{"secretKeyRef":{"name":"db-credentials","key":"password"}}"#, "secretKeyRef"),
    ("REDIS_ADDR", r#""value":"redis-master.data.svc.cluster.local:6379""#, "value"),
    ("FEATURE_FLAGS", r#""value":"checkout-v2,fast-search""#, "value"),
    ("GOMEMLIMIT", r#""valueFrom":{"resourceFieldRef":{"resource":"limits.memory","divisor":"0"}}"#, "resourceFieldRef"),
    ("GOMAXPROCS", r#""value":"2""#, "value"),
    ("AWS_REGION", r#""value":"us-east-1""#, "value"),
    ("KAFKA_BROKERS", r#""value":"kafka-0.kafka-headless.data.svc:9092,kafka-1.kafka-headless.data.svc:9092,kafka-2.kafka-headless.data.svc:9092""#, "value"),
    ("API_TOKEN", r#""valueFrom":{"secretKeyRef":{"name":"api-token","key":"token","optional":false}}"#, "secretKeyRef"),
    ("SENTRY_DSN", r#""value":"https://3f2c9a0d5b7e4e1f8a6c2d9b0e4f7a1c@sentry.acme.internal/12""#, "value"),
];

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
}

/// How often each kind of request is made (relative weights).
pub(super) const MIX: &[(Kind, u64)] = &[
    (Kind::NodeLease, 250),
    (Kind::LeaderLease, 110),
    (Kind::Watch, 70),
    (Kind::List, 15),
    (Kind::PodStatus, 95),
    (Kind::NodeStatus, 12),
    (Kind::Event, 80),
    (Kind::TokenReview, 55),
    (Kind::AccessReview, 40),
    (Kind::Get, 130),
    (Kind::SaToken, 35),
    (Kind::EndpointSlice, 40),
    (Kind::PodCreate, 6),
    (Kind::Binding, 6),
    (Kind::Exec, 1),
    (Kind::Eviction, 1),
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
    /// Creators of pods, by owner: ReplicaSet, DaemonSet, StatefulSet, Job controllers.
    pub(super) controllers: [Actor; 4],
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
    /// Owner (ReplicaSet, DaemonSet, …) UID per workload.
    pub(super) owner_uids: Vec<String>,
}

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
        Cluster {
            nodes,
            controllers: [
                "replicaset-controller",
                "daemon-set-controller",
                "statefulset-controller",
                "job-controller",
            ]
            .map(|name| Actor::controller(rng, name)),
            people: Cluster::people(rng),
            leaders,
            watchers,
            scheduler: Actor::component("kube-scheduler", "scheduler"),
            endpointslice: Actor::controller(rng, "endpointslice-controller"),
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
            owner_uids: WORKLOADS.iter().map(|_| rng.uuid()).collect(),
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
            Owner::ReplicaSet(_) => &self.controllers[0],
            Owner::DaemonSet => &self.controllers[1],
            Owner::StatefulSet => &self.controllers[2],
            Owner::Job => &self.controllers[3],
            Owner::Run | Owner::Apply => &self.people[rng.index(self.people.len())],
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
}
