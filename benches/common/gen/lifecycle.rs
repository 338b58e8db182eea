//! What happens to pods after the audit-log generator creates them: scheduler bindings, kubelet
//! pod and node status patches, events, exec and eviction.

use super::cluster::CTL_REPLICASET;
use super::{Actor, Gen, Pod, WORKLOADS};

impl<'c> Gen<'c> {
    /// The scheduler binds a pod created earlier (or, with none waiting, a node renews its lease).
    pub(super) fn binding(&mut self) {
        let Some(pod) = self.unbound.pop() else {
            self.node_lease();
            return;
        };
        let c = self.c;
        let w = &WORKLOADS[pod.workload];
        let who = &c.scheduler;
        let uri = format!(
            "/api/v1/namespaces/{}/pods/{}/binding",
            w.namespace, pod.name
        );
        let (id, uid) = (self.rng.uuid(), self.rng.uuid());
        self.head("Request", &id, "ResponseComplete", &uri, "create", who);
        self.object_ref("pods", Some(w.namespace), Some(&pod.name), "");
        self.end_ref(Some("binding"));
        self.status(201);
        self.s(&[
            r#","requestObject":{"kind":"Binding","apiVersion":"v1","metadata":{"name":""#,
            &pod.name,
            r#"","namespace":""#,
            w.namespace,
            r#"","uid":""#,
            &uid,
            r#"","creationTimestamp":null},"target":{"kind":"Node","name":""#,
            &c.nodes[pod.node].name,
            r#""}}"#,
        ]);
        let done = self.now + self.latency();
        self.tail(self.now, done, who, "");
        self.emit();
    }

    /// `kubectl exec`: logged when the stream starts and again when it ends.
    pub(super) fn exec(&mut self) {
        let c = self.c;
        let pod = self.some_pod();
        let w = &WORKLOADS[pod.workload];
        let who = &c.people[self.rng.index(2)];
        let container = w.containers[0].0;
        let uri = format!(
            r"/api/v1/namespaces/{}/pods/{}/exec?command=sh\u0026command=-c\u0026command=ps+aux\u0026container={container}\u0026stderr=true\u0026stdout=true",
            w.namespace, pod.name
        );
        let id = self.rng.uuid();
        let started = self.now + self.latency();
        for (stage, done) in [
            ("ResponseStarted", started),
            (
                "ResponseComplete",
                started + self.rng.range(200_000, 9_000_000),
            ),
        ] {
            self.head("Request", &id, stage, &uri, "create", who);
            self.object_ref("pods", Some(w.namespace), Some(&pod.name), "");
            self.end_ref(Some("exec"));
            self.status(101);
            self.tail(self.now, done, who, "");
            self.emit();
        }
    }

    /// `kubectl drain` or the cluster autoscaler evicts a pod.
    pub(super) fn eviction(&mut self) {
        let c = self.c;
        let pod = self.some_pod();
        let w = &WORKLOADS[pod.workload];
        let who = if self.rng.percent(50) {
            &c.people[0]
        } else {
            &c.autoscaler
        };
        let uri = format!(
            "/api/v1/namespaces/{}/pods/{}/eviction",
            w.namespace, pod.name
        );
        let id = self.rng.uuid();
        self.head(
            "RequestResponse",
            &id,
            "ResponseComplete",
            &uri,
            "create",
            who,
        );
        self.object_ref("pods", Some(w.namespace), Some(&pod.name), "");
        self.end_ref(Some("eviction"));
        self.status(201);
        self.s(&[
            r#","requestObject":{"kind":"Eviction","apiVersion":"policy/v1","metadata":{"name":""#,
            &pod.name,
            r#"","namespace":""#,
            w.namespace,
            r#"","creationTimestamp":null},"deleteOptions":{}},"responseObject":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201}"#,
        ]);
        let done = self.now + self.latency();
        self.tail(self.now, done, who, "");
        self.emit();
    }

    /// The kubelet reports a pod's container statuses (Request level: the patch is logged).
    pub(super) fn pod_status(&mut self) {
        let c = self.c;
        let pod = self.some_pod();
        let w = &WORKLOADS[pod.workload];
        let node = &c.nodes[pod.node];
        let uri = format!(
            "/api/v1/namespaces/{}/pods/{}/status",
            w.namespace, pod.name
        );
        let id = self.rng.uuid();
        self.head(
            "Request",
            &id,
            "ResponseComplete",
            &uri,
            "patch",
            &node.kubelet,
        );
        self.object_ref("pods", Some(w.namespace), Some(&pod.name), "");
        self.end_ref(Some("status"));
        self.status(200);
        self.s(&[r#","requestObject":{"metadata":{"uid":""#, &pod.uid, r#""},"status":{"$setElementOrder/conditions":[{"type":"PodReadyToStartContainers"},{"type":"Initialized"},{"type":"Ready"},{"type":"ContainersReady"},{"type":"PodScheduled"}],"conditions":[{"lastProbeTime":null,"lastTransitionTime":""#]);
        self.time(self.now - 2_000_000, false);
        let ready = if self.rng.percent(80) {
            "True"
        } else {
            "False"
        };
        self.s(&[
            r#"","status":""#,
            ready,
            r#"","type":"Ready"},{"lastProbeTime":null,"lastTransitionTime":""#,
        ]);
        self.time(self.now - 2_000_000, false);
        self.s(&[
            r#"","status":""#,
            ready,
            r#"","type":"ContainersReady"}],"containerStatuses":["#,
        ]);
        for (i, (name, image)) in w.containers.iter().enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            self.container_status(name, pod.image(name, image));
        }
        self.s(&[
            r#"],"phase":"Running","podIP":""#,
            &pod.ip,
            r#"","podIPs":[{"ip":""#,
            &pod.ip,
            r#""}],"startTime":""#,
        ]);
        self.time(self.now - 30_000_000, false);
        self.s(&[r#""}}"#]);
        let done = self.now + self.latency();
        self.tail(self.now, done, &node.kubelet, "");
        self.emit();
    }

    fn container_status(&mut self, name: &str, image: &str) {
        let (cid, digest) = (self.rng.hex(64), self.rng.hex(64));
        let repo = image.split(['@', ':']).next().unwrap_or(image);
        self.s(&[
            r#"{"containerID":"containerd://"#,
            &cid,
            r#"","image":""#,
            image,
            r#"","imageID":""#,
            repo,
            "@sha256:",
            &digest,
            r#"","lastState":{"#,
        ]);
        match self.rng.below(100) {
            0..=2 => {
                self.s(&[r#""terminated":{"exitCode":2,"reason":"Error","message":"panic: runtime error: invalid memory address or nil pointer dereference [signal SIGSEGV: segmentation violation]\ngoroutine 1 [running]:\nmain.(*Server).handle(0x0, \u003cnil\u003e)\n\t/src/server.go:88 +0x1d\n","startedAt":""#]);
                self.time(self.now - 90_000_000, false);
                self.s(&[r#"","finishedAt":""#]);
                self.time(self.now - 60_000_000, false);
                self.s(&[r#"","containerID":"containerd://"#, &cid, r#""}"#]);
            }
            3..=9 => {
                self.s(&[r#""terminated":{"exitCode":137,"reason":"OOMKilled","startedAt":""#]);
                self.time(self.now - 90_000_000, false);
                self.s(&[r#"","finishedAt":""#]);
                self.time(self.now - 60_000_000, false);
                self.s(&[r#"","containerID":"containerd://"#, &cid, r#""}"#]);
            }
            _ => {}
        }
        self.s(&[
            r#"},"name":""#,
            name,
            r#"","ready":true,"restartCount":0,"started":true,"state":{"running":{"startedAt":""#,
        ]);
        self.time(self.now - 30_000_000, false);
        self.s(&[r#""}}}"#]);
    }

    /// The kubelet's node heartbeat patch; now and then with capacity and the image list.
    pub(super) fn node_status(&mut self) {
        let c = self.c;
        let node = &c.nodes[self.rng.index(c.nodes.len())];
        let uri = format!("/api/v1/nodes/{}/status?timeout=10s", node.name);
        let id = self.rng.uuid();
        self.head(
            "Request",
            &id,
            "ResponseComplete",
            &uri,
            "patch",
            &node.kubelet,
        );
        self.object_ref("nodes", None, Some(&node.name), "");
        self.end_ref(Some("status"));
        self.status(200);
        self.s(&[r#","requestObject":{"status":{"$setElementOrder/conditions":[{"type":"MemoryPressure"},{"type":"DiskPressure"},{"type":"PIDPressure"},{"type":"Ready"}]"#]);
        if self.rng.percent(30) {
            self.s(&[r#","allocatable":{"cpu":"3920m","ephemeral-storage":"95551679124","hugepages-1Gi":"0","hugepages-2Mi":"0","memory":"15209716Ki","pods":"110"},"capacity":{"cpu":"4","ephemeral-storage":"103680160Ki","hugepages-1Gi":"0","hugepages-2Mi":"0","memory":"16146676Ki","pods":"110"}"#]);
        }
        self.s(&[r#","conditions":["#]);
        for (i, (kind, reason)) in [
            ("MemoryPressure", "KubeletHasSufficientMemory"),
            ("DiskPressure", "KubeletHasNoDiskPressure"),
            ("PIDPressure", "KubeletHasSufficientPID"),
            ("Ready", "KubeletReady"),
        ]
        .into_iter()
        .enumerate()
        {
            self.s(&[if i == 0 {
                r#"{"lastHeartbeatTime":""#
            } else {
                r#",{"lastHeartbeatTime":""#
            }]);
            self.time(self.now, false);
            self.s(&[r#"","reason":""#, reason, r#"","type":""#, kind, r#""}"#]);
        }
        self.line.push(']');
        if self.rng.percent(30) {
            self.s(&[r#","images":["#]);
            for (i, w) in WORKLOADS.iter().enumerate() {
                let (_, image) = w.containers[0];
                let repo = image.split(['@', ':']).next().unwrap_or(image);
                let digest = self.rng.hex(64);
                self.s(&[
                    if i == 0 {
                        r#"{"names":[""#
                    } else {
                        r#",{"names":[""#
                    },
                    repo,
                    "@sha256:",
                    &digest,
                    r#"",""#,
                    image,
                    r#""],"sizeBytes":"#,
                ]);
                let size = self.rng.range(5_000_000, 900_000_000);
                self.n(size);
                self.line.push('}');
            }
            self.line.push(']');
        }
        self.s(&["}}"]);
        let done = self.now + self.latency();
        self.tail(self.now, done, &node.kubelet, "");
        self.emit();
    }

    /// An event about a pod, from the kubelet, the scheduler or the ReplicaSet controller.
    pub(super) fn event(&mut self) {
        let pod = self.some_pod();
        let w = &WORKLOADS[pod.workload];
        let ev = self.pod_event(&pod);
        let name = format!("{}.{}", pod.name, self.rng.hex(16));
        let uri = format!("/api/v1/namespaces/{}/events", w.namespace);
        let level = if self.rng.percent(40) {
            "Request"
        } else {
            "Metadata"
        };
        let id = self.rng.uuid();
        self.head(level, &id, "ResponseComplete", &uri, "create", ev.who);
        self.object_ref("events", Some(w.namespace), Some(&name), "");
        self.end_ref(None);
        self.status(201);
        if level == "Request" {
            self.event_body(&pod, &name, &ev);
        }
        let done = self.now + self.latency();
        self.tail(self.now, done, ev.who, "");
        self.emit();
    }

    /// What happened to `pod`, and who says so.
    fn pod_event(&mut self, pod: &Pod) -> PodEvent<'c> {
        let c = self.c;
        let w = &WORKLOADS[pod.workload];
        let kubelet = &c.nodes[pod.node].kubelet;
        let (container, image) = w.containers[0];
        let (who, component, reason, kind, message) = match self.rng.below(20) {
            0..=2 => (
                kubelet,
                "kubelet",
                "Pulled",
                "Normal",
                format!(r#"Container image \"{image}\" already present on machine"#),
            ),
            3..=5 => (
                kubelet,
                "kubelet",
                "Created",
                "Normal",
                format!("Created container {container}"),
            ),
            6..=8 => (
                kubelet,
                "kubelet",
                "Started",
                "Normal",
                format!("Started container {container}"),
            ),
            9..=10 => (
                kubelet,
                "kubelet",
                "Killing",
                "Normal",
                format!("Stopping container {container}"),
            ),
            11..=13 => (
                kubelet,
                "kubelet",
                "Unhealthy",
                "Warning",
                format!(
                    r#"Readiness probe failed: Get \"http://{}:8080/readyz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"#,
                    pod.ip
                ),
            ),
            14 => (
                kubelet,
                "kubelet",
                "BackOff",
                "Warning",
                format!(
                    "Back-off restarting failed container {container} in pod {}_{}({})",
                    pod.name, w.namespace, pod.uid
                ),
            ),
            15..=16 => (
                &c.scheduler,
                "default-scheduler",
                "Scheduled",
                "Normal",
                format!(
                    "Successfully assigned {}/{} to {}",
                    w.namespace, pod.name, c.nodes[pod.node].name
                ),
            ),
            17..=18 => (
                &c.controllers[CTL_REPLICASET],
                "replicaset-controller",
                "SuccessfulCreate",
                "Normal",
                format!("Created pod: {}", pod.name),
            ),
            _ => (
                &c.controllers[CTL_REPLICASET],
                "replicaset-controller",
                "FailedCreate",
                "Warning",
                format!(
                    r#"Error creating: pods \"{}\" is forbidden: exceeded quota: compute-resources, requested: limits.cpu=500m, used: limits.cpu=16, limited: limits.cpu=16"#,
                    pod.name
                ),
            ),
        };
        PodEvent {
            who,
            component,
            reason,
            kind,
            message,
            container,
        }
    }

    /// The `core/v1` Event object a Request-level event logs.
    fn event_body(&mut self, pod: &Pod, name: &str, ev: &PodEvent<'_>) {
        let w = &WORKLOADS[pod.workload];
        let host = &self.c.nodes[pod.node].name;
        let rv = self.next_rv();
        self.s(&[
            r#","requestObject":{"kind":"Event","apiVersion":"v1","metadata":{"name":""#,
            name,
            r#"","namespace":""#,
            w.namespace,
            r#"","creationTimestamp":null},"involvedObject":{"kind":"Pod","namespace":""#,
            w.namespace,
            r#"","name":""#,
            &pod.name,
            r#"","uid":""#,
            &pod.uid,
            r#"","apiVersion":"v1","resourceVersion":""#,
        ]);
        self.n(rv);
        self.s(&[
            r#"","fieldPath":"spec.containers{"#,
            ev.container,
            r#"}"},"reason":""#,
            ev.reason,
            r#"","message":""#,
            &ev.message,
            r#"","source":{"component":""#,
            ev.component,
            r#"","host":""#,
            host,
            r#""},"firstTimestamp":""#,
        ]);
        self.time(self.now, false);
        self.s(&[r#"","lastTimestamp":""#]);
        self.time(self.now, false);
        self.s(&[
            r#"","count":1,"type":""#,
            ev.kind,
            r#"","eventTime":null,"reportingComponent":""#,
            ev.component,
            r#"","reportingInstance":""#,
            host,
            r#""}"#,
        ]);
    }
}

/// One Kubernetes event about a pod.
struct PodEvent<'c> {
    /// Who reports it.
    who: &'c Actor,
    /// `source.component`.
    component: &'static str,
    reason: &'static str,
    /// `Normal` or `Warning`.
    kind: &'static str,
    message: String,
    /// The container it is about.
    container: &'static str,
}
