//! The generator's catalogue: the workloads whose pods are created, the images `kubectl set image`
//! moves them to, and which images `testdata/allow.yaml` allows.
//!
//! Every image string appears in one namespace only, so a verdict per string is exact; the bench
//! checks the verdicts against the tool (`GenStats::findings`).

/// Who owns a workload's pods, which decides how they are created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    /// A Deployment's ReplicaSet, with the pod-template hash of the revision running when the log
    /// starts.
    ReplicaSet(&'static str),
    /// A DaemonSet.
    DaemonSet,
    /// A StatefulSet (named pods `app-0`, `app-1`, …).
    StatefulSet,
    /// A CronJob's Jobs (`app-<scheduled minute>`).
    CronJob,
    /// Jobs that the CI pipeline creates itself (`app-<5 chars>`), with no owner.
    Job,
    /// A person's pod that claims to belong to the current ReplicaSet of the workload at this
    /// index of `WORKLOADS`: a masquerade.
    Forged(usize),
    /// `kubectl run`.
    Run,
    /// `kubectl apply -f pod.yaml`.
    Apply,
}

impl Owner {
    /// Whether a controller creates the pods (`Forged` only pretends).
    pub(super) fn is_controller(self) -> bool {
        !matches!(self, Owner::Forged(_) | Owner::Run | Owner::Apply)
    }
}

/// A source of pods, with the template its pods start from.
pub(super) struct Workload {
    pub(super) namespace: &'static str,
    pub(super) app: &'static str,
    pub(super) owner: Owner,
    /// `spec.containers`: name and image.
    pub(super) containers: &'static [(&'static str, &'static str)],
    /// `spec.initContainers`: name and image.
    pub(super) init: &'static [(&'static str, &'static str)],
    /// Environment variables per container: what makes a pod body long.
    pub(super) env: usize,
    /// Relative frequency of its pod creates.
    pub(super) weight: u64,
}

/// Shorthand for the table below.
const fn workload(
    namespace: &'static str,
    app: &'static str,
    owner: Owner,
    containers: &'static [(&'static str, &'static str)],
    init: &'static [(&'static str, &'static str)],
    env: usize,
    weight: u64,
) -> Workload {
    Workload {
        namespace,
        app,
        owner,
        containers,
        init,
        env,
        weight,
    }
}

/// The workloads whose pods are created. Which of their images `testdata/allow.yaml` allows is
/// [`allowed`]'s business.
#[rustfmt::skip]
pub(super) const WORKLOADS: &[Workload] = &[
    // namespace, app, owner, containers, init containers, env vars, weight
    workload("shop", "web", Owner::ReplicaSet("6d4cf56db6"), &[("web", "nginx:1.25.4"), ("metrics", "ghcr.io/acme/nginx-exporter:1.1.0")], &[], 6, 14),
    workload("shop", "api", Owner::ReplicaSet("7c9f8d5b4"), &[("api", "ghcr.io/acme/api:1.8.0")], &[("migrate", "ghcr.io/acme/api:1.8.0")], 12, 14),
    workload("shop", "cart", Owner::ReplicaSet("5f7b9c6d8"), &[("cart", "ghcr.io/acme/cart:3.2.0")], &[("wait-db", "busybox:1.36.1")], 12, 10),
    workload("payments", "ledger", Owner::ReplicaSet("84d6c9f7b5"), &[("ledger", "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/ledger:2024.03.1")], &[], 28, 6),
    workload("kube-system", "coredns", Owner::ReplicaSet("5dd5756b68"), &[("coredns", "registry.k8s.io/coredns/coredns:v1.11.1")], &[], 0, 3),
    workload("kube-system", "cilium", Owner::DaemonSet, &[("cilium-agent", "quay.io/cilium/cilium:v1.15.1@sha256:351d6685dc6f6ffbcd5451043167cfa8842c6decf80d8c8e426a417c73fb56d4")], &[("mount-cgroup", "quay.io/cilium/cilium:v1.15.1"), ("clean-cilium-state", "quay.io/cilium/cilium:v1.15.1")], 6, 3),
    workload("kube-system", "kube-proxy", Owner::DaemonSet, &[("kube-proxy", "registry.k8s.io/kube-proxy:v1.29.2")], &[], 1, 3),
    workload("monitoring", "node-exporter", Owner::DaemonSet, &[("node-exporter", "quay.io/prometheus/node-exporter@sha256:48aded24573da1e8b8df982f868c452f570d82a1aa8ba2f04a7089dbca714023")], &[], 0, 3),
    workload("monitoring", "prometheus", Owner::StatefulSet, &[("prometheus", "quay.io/prometheus/prometheus:v2.50.1"), ("config-reloader", "quay.io/prometheus-operator/prometheus-config-reloader:v0.72.0")], &[], 3, 2),
    workload("backup", "nightly-backup", Owner::CronJob, &[("pg-dump", "docker.io/bitnami/postgresql:16.2.0")], &[], 8, 3),
    workload("team-blue", "frontend", Owner::ReplicaSet("69b8f7c4d9"), &[("frontend", "ghcr.io/acme-team/blue/frontend:0.9.2")], &[], 10, 8),
    workload("team-red", "worker", Owner::ReplicaSet("7f6d5c4b8a"), &[("worker", "ghcr.io/acme-team/red/worker:2.0.0-rc.1"), ("log-shipper", "ghcr.io/acme/log-shipper:0.4.2")], &[], 10, 6),
    workload("staging", "frontend-canary", Owner::ReplicaSet("b7c9d8f6c"), &[("frontend", "ghcr.io/acme-team/blue/frontend:1.0.0-canary")], &[], 10, 1),
    workload("ingress-nginx", "ingress-nginx-controller", Owner::ReplicaSet("6b9c7d8f5"), &[("controller", "registry.k8s.io/ingress-nginx/controller:v1.10.0@sha256:42b3f0e5d0846876b1791cd3afeb5f1cbbe4259d6f35651dcc1b5c980925379c")], &[], 4, 2),
    workload("platform", "registry-mirror", Owner::ReplicaSet("55c8b9d7f6"), &[("mirror", "registry.acme.internal:5000/platform/registry-mirror:2.8.3")], &[], 4, 3),
    workload("ci", "image-build", Owner::Job, &[("kaniko", "gcr.io/kaniko-project/executor:v1.21.0")], &[("clone", "alpine/git:2.43.0")], 6, 4),
    workload("data", "redis", Owner::StatefulSet, &[("redis", "docker.io/bitnami/redis:7.2.4-debian-12-r9")], &[], 10, 2),
    workload("default", "debug", Owner::Run, &[("debug", "busybox")], &[], 0, 2),
    workload("ml-jobs", "train-resnet50", Owner::Apply, &[("train", "nvcr.io/nvidia/pytorch:24.02-py3")], &[], 6, 1),
    workload("default", "kworker-sync", Owner::Apply, &[("kworker", "docker.io/xmrig/xmrig:6.21.0")], &[], 0, 1),
    workload("default", "nginx-test", Owner::Run, &[("nginx-test", "nginx")], &[], 0, 1),
    workload("shop", "web", Owner::Forged(0), &[("web", "docker.io/xmrig/xmrig:6.21.0")], &[], 0, 1),
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

/// The images `testdata/allow.yaml` does not allow, as written (each used in one namespace only).
#[rustfmt::skip]
const DISALLOWED: &[&str] = &[
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/ledger:2024.03.1",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/ledger:2024.04.0",
    "quay.io/prometheus/prometheus:v2.50.1",
    "quay.io/prometheus/prometheus:v2.51.0",
    "quay.io/prometheus-operator/prometheus-config-reloader:v0.72.0",
    "quay.io/prometheus/node-exporter:v1.7.0",
    "docker.io/bitnami/postgresql:16.2.0",
    "docker.io/bitnami/postgresql:16.3.0",
    "ghcr.io/acme-team/blue/frontend:1.0.0-canary",
    "ghcr.io/acme-team/blue/frontend:1.0.1-canary",
    "gcr.io/kaniko-project/executor:v1.21.0",
    "alpine/git:2.43.0",
    "docker.io/bitnami/redis:7.2.4-debian-12-r9",
    "docker.io/bitnami/redis:7.2.5-debian-12-r4",
    "busybox",
    "nvcr.io/nvidia/pytorch:24.02-py3",
    "docker.io/xmrig/xmrig:6.21.0",
    "docker.io/acmecorp/api:1.9.0-debug",
    "ghcr.io/acme/tools/debug:1.0",
];

/// Whether `testdata/allow.yaml` allows `image` (in the one namespace it is used in).
pub(super) fn allowed(image: &str) -> bool {
    !DISALLOWED.contains(&image)
}

/// What `kubectl set image` sets: index into `WORKLOADS`, container, image. A workload's template
/// moves between its own images and these.
#[rustfmt::skip]
pub(super) const SET_IMAGES: &[(usize, &str, &str)] = &[
    (0, "web", "nginx:1.27.0"),
    (0, "metrics", "ghcr.io/acme/tools/debug:1.0"),
    (1, "api", "ghcr.io/acme/api:1.9.0"),
    (1, "api", "docker.io/acmecorp/api:1.9.0-debug"),
    (2, "cart", "ghcr.io/acme/cart:3.3.0"),
    (3, "ledger", "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/ledger:2024.04.0"),
    (7, "node-exporter", "quay.io/prometheus/node-exporter:v1.7.0"),
    (8, "prometheus", "quay.io/prometheus/prometheus:v2.51.0"),
    (9, "pg-dump", "docker.io/bitnami/postgresql:16.3.0"),
    (10, "frontend", "ghcr.io/acme-team/blue/frontend:0.9.3"),
    (12, "frontend", "ghcr.io/acme-team/blue/frontend:1.0.1-canary"),
    (16, "redis", "docker.io/bitnami/redis:7.2.5-debian-12-r4"),
];
