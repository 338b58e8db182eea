//! The bodies of workload writes, in the API server's key order: whole Deployments, ReplicaSets,
//! DaemonSets, StatefulSets, CronJobs and Jobs (as a client sends them and as the server stores
//! them), the strategic-merge patch of `kubectl set image`, the template-annotation patch of
//! `kubectl rollout restart`, and a server-side-apply manifest.

use super::Gen;
use super::catalog::{Owner, WORKLOADS, Workload};
use super::rollout::{Shape, template_images};

impl Gen<'_> {
    /// A whole workload object.
    pub(super) fn object(&mut self, k: &Shape<'_>) {
        let w = &WORKLOADS[k.wi];
        let api = if matches!(k.kind, "Job" | "CronJob") {
            "batch/v1"
        } else {
            "apps/v1"
        };
        self.s(&[
            r#"{"kind":""#,
            k.kind,
            r#"","apiVersion":""#,
            api,
            r#"","metadata":{"name":""#,
            k.name,
            r#"","namespace":""#,
            w.namespace,
            "\"",
        ]);
        if let Some((uid, generation)) = k.stored {
            let rv = self.next_rv();
            self.s(&[r#","uid":""#, uid, r#"","resourceVersion":""#]);
            self.n(rv);
            self.s(&[r#"","generation":"#]);
            self.n(generation);
            self.s(&[r#","creationTimestamp":""#]);
            self.time(self.now - 86_400_000_000, false);
            self.line.push('"');
        } else {
            self.s(&[r#","creationTimestamp":null"#]);
        }
        self.s(&[r#","labels":{"app":""#, w.app, "\""]);
        if let Some(hash) = k.hash {
            self.s(&[r#","pod-template-hash":""#, hash, "\""]);
        }
        self.line.push('}');
        if matches!(k.kind, "Deployment" | "ReplicaSet") {
            self.s(&[r#","annotations":{"deployment.kubernetes.io/revision":""#]);
            self.n(k.revision);
            self.s(&["\"}"]);
        }
        if let Some((kind, name, uid)) = k.owner {
            self.owner_reference(kind, name, uid);
        }
        self.s(&[r#"},"spec":"#]);
        self.object_spec(k, w);
        self.s(&[r#","status":{}}"#]);
    }

    /// The object's `spec`, with its pod template.
    fn object_spec(&mut self, k: &Shape<'_>, w: &Workload) {
        self.line.push('{');
        let selector = |g: &mut Self| {
            g.s(&[r#""selector":{"matchLabels":{"app":""#, w.app, "\""]);
            if let Some(hash) = k.hash {
                g.s(&[r#","pod-template-hash":""#, hash, "\""]);
            }
            g.s(&["}},"]);
        };
        match k.kind {
            "CronJob" => {
                self.s(&[r#""schedule":"*/5 * * * *","concurrencyPolicy":"Forbid","suspend":false,"jobTemplate":{"metadata":{"creationTimestamp":null},"spec":{"backoffLimit":6,"template":"#]);
                self.template(k, w);
                self.s(&[r#"}},"successfulJobsHistoryLimit":3,"failedJobsHistoryLimit":1}"#]);
                return;
            }
            "Job" => {
                self.s(&[r#""parallelism":1,"completions":1,"backoffLimit":6,"template":"#]);
                self.template(k, w);
                self.s(&[r#","completionMode":"NonIndexed","suspend":false}"#]);
                return;
            }
            "DaemonSet" => {}
            _ => {
                self.s(&[r#""replicas":"#]);
                self.n(k.replicas);
                self.line.push(',');
            }
        }
        selector(self);
        self.s(&[r#""template":"#]);
        self.template(k, w);
        match k.kind {
            "Deployment" => self.s(&[r#","strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},"revisionHistoryLimit":10,"progressDeadlineSeconds":600}"#]),
            "DaemonSet" => self.s(&[r#","updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}},"revisionHistoryLimit":10}"#]),
            "StatefulSet" => self.s(&[r#","serviceName":""#, w.app, r#"","podManagementPolicy":"OrderedReady","updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0}},"revisionHistoryLimit":10,"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Retain","whenScaled":"Retain"}}"#]),
            _ => self.line.push('}'),
        }
    }

    /// A pod template: its labels and annotations, and the pod spec.
    fn template(&mut self, k: &Shape<'_>, w: &Workload) {
        self.s(&[
            r#"{"metadata":{"creationTimestamp":null,"labels":{"app":""#,
            w.app,
            "\"",
        ]);
        if let Some(hash) = k.hash {
            self.s(&[r#","pod-template-hash":""#, hash, "\""]);
        }
        self.line.push('}');
        if let Some(at) = k.restarted {
            self.s(&[
                r#","annotations":{"kubectl.kubernetes.io/restartedAt":""#,
                at,
                "\"}",
            ]);
        }
        self.s(&[r#"},"spec":{"#]);
        let images = template_images(w, k.set);
        let (init, containers) = images.split_at(w.init.len());
        let mut first = true;
        for (key, list, is_init) in [
            ("initContainers", init, true),
            ("containers", containers, false),
        ] {
            if list.is_empty() {
                continue;
            }
            self.s(&[if first { "\"" } else { ",\"" }, key, "\":["]);
            first = false;
            for (i, (name, image)) in list.iter().enumerate() {
                if i > 0 {
                    self.line.push(',');
                }
                self.container(w, name, image, is_init, None);
            }
            self.line.push(']');
        }
        let restart = if matches!(w.owner, Owner::CronJob | Owner::Job) {
            "OnFailure"
        } else {
            "Always"
        };
        self.s(&[
            r#","restartPolicy":""#,
            restart,
            r#"","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":""#,
            w.app,
            r#"","serviceAccount":""#,
            w.app,
            r#"","securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},"schedulerName":"default-scheduler"}}"#,
        ]);
    }

    /// `kubectl set image`'s strategic-merge patch: the changed containers, and their order.
    /// `nested`: a CronJob's template, under `spec.jobTemplate.spec`.
    pub(super) fn set_image_patch(
        &mut self,
        w: &Workload,
        set: &[(&'static str, &'static str)],
        nested: bool,
    ) {
        self.s(&[r#"{"spec":{"#]);
        if nested {
            self.s(&[r#""jobTemplate":{"spec":{"#]);
        }
        self.s(&[r#""template":{"spec":{"$setElementOrder/containers":["#]);
        for (i, (name, _)) in w.containers.iter().enumerate() {
            self.s(&[if i == 0 { "" } else { "," }, r#"{"name":""#, name, r#""}"#]);
        }
        self.s(&[r#"],"containers":["#]);
        for (i, (name, image)) in set.iter().enumerate() {
            self.s(&[
                if i == 0 { "" } else { "," },
                r#"{"image":""#,
                image,
                r#"","name":""#,
                name,
                r#""}"#,
            ]);
        }
        self.s(&["]}}"]);
        if nested {
            self.s(&["}}"]);
        }
        self.s(&["}}"]);
    }

    /// `kubectl rollout restart`'s patch of the template annotation.
    pub(super) fn restart_patch(&mut self, at: &str) {
        self.s(&[
            r#"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":""#,
            at,
            r#""}}}}}"#,
        ]);
    }

    /// A server-side-apply manifest, keys sorted as the client sends them.
    pub(super) fn apply_manifest(
        &mut self,
        wi: usize,
        kind: &str,
        set: Option<(&'static str, &'static str)>,
    ) {
        let w = &WORKLOADS[wi];
        let api = if kind == "CronJob" {
            "batch/v1"
        } else {
            "apps/v1"
        };
        self.s(&[
            r#"{"apiVersion":""#,
            api,
            r#"","kind":""#,
            kind,
            r#"","metadata":{"labels":{"app":""#,
            w.app,
            r#""},"name":""#,
            w.app,
            r#"","namespace":""#,
            w.namespace,
            r#""},"spec":{"#,
        ]);
        if kind == "CronJob" {
            self.s(&[r#""jobTemplate":{"spec":{"#]);
        } else {
            self.s(&[r#""selector":{"matchLabels":{"app":""#, w.app, r#""}},"#]);
        }
        self.s(&[
            r#""template":{"metadata":{"labels":{"app":""#,
            w.app,
            r#""}},"spec":{"#,
        ]);
        let images = template_images(w, set);
        let (init, containers) = images.split_at(w.init.len());
        for (key, list) in [("containers", containers), ("initContainers", init)] {
            if list.is_empty() {
                continue;
            }
            if key == "initContainers" {
                self.line.push(',');
            }
            self.s(&["\"", key, "\":["]);
            for (i, (name, image)) in list.iter().enumerate() {
                self.s(&[
                    if i == 0 { "" } else { "," },
                    r#"{"image":""#,
                    image,
                    r#"","name":""#,
                    name,
                    r#""}"#,
                ]);
            }
            self.line.push(']');
        }
        self.s(&[r#","serviceAccountName":""#, w.app, r#""}}"#]);
        if kind == "CronJob" {
            self.s(&[r#"}},"schedule":"*/5 * * * *""#]);
        }
        self.s(&["}}"]);
    }
}
