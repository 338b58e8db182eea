//! The everyday traffic of the audit-log generator: leases, watches and lists, gets, token and
//! access reviews, service account tokens, endpoint slices.

use super::cluster::{KUBELET, LEADER_LEASES, WATCHES};
use super::{Actor, Gen, Pod, WORKLOADS};

impl Gen<'_> {
    pub(super) fn node_lease(&mut self) {
        let c = self.c;
        let node = &c.nodes[self.rng.index(c.nodes.len())];
        let verb = if self.rng.percent(97) {
            "update"
        } else {
            "get"
        };
        let id = self.rng.uuid();
        let uri = format!(
            "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{}?timeout=10s",
            node.name
        );
        self.head(
            "Metadata",
            &id,
            "ResponseComplete",
            &uri,
            verb,
            &node.kubelet,
        );
        self.object_ref(
            "leases",
            Some("kube-node-lease"),
            Some(&node.name),
            "coordination.k8s.io",
        );
        self.end_ref(None);
        self.status(200);
        let done = self.now + self.latency();
        self.tail(self.now, done, &node.kubelet, "");
        self.emit();
    }

    pub(super) fn leader_lease(&mut self) {
        let c = self.c;
        let (ns, lease, holder) = LEADER_LEASES[self.rng.index(LEADER_LEASES.len())];
        let who = &c.leaders[holder];
        let verb = if self.rng.percent(50) {
            "update"
        } else {
            "get"
        };
        let id = self.rng.uuid();
        let uri = format!("/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{lease}?timeout=5s");
        self.head("Metadata", &id, "ResponseComplete", &uri, verb, who);
        self.object_ref("leases", Some(ns), Some(lease), "coordination.k8s.io");
        self.end_ref(None);
        self.status(200);
        let done = self.now + self.latency();
        self.tail(self.now, done, who, "");
        self.emit();
    }

    /// The collection path of a resource: `/api/v1[/namespaces/NS]/RES` or `/apis/G/V/…`.
    fn collection(group: &str, version: &str, ns: Option<&str>, resource: &str) -> String {
        let mut path = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        if let Some(ns) = ns {
            path.push_str("/namespaces/");
            path.push_str(ns);
        }
        path.push('/');
        path.push_str(resource);
        path
    }

    pub(super) fn watch(&mut self) {
        let c = self.c;
        let (watcher, ns, group, version, resource, selector) =
            WATCHES[self.rng.index(WATCHES.len())];
        let node = self.rng.index(c.nodes.len());
        let who = if watcher == KUBELET {
            &c.nodes[node].kubelet
        } else {
            &c.watchers[watcher]
        };
        let selector = if selector.ends_with("%3D") {
            format!(r"{selector}{}\u0026", c.nodes[node].name)
        } else {
            selector.to_owned()
        };
        let timeout = self.rng.range(300, 599);
        let uri = format!(
            r"{}?allowWatchBookmarks=true\u0026{selector}resourceVersion={}\u0026timeout={}m{}s\u0026timeoutSeconds={timeout}\u0026watch=true",
            Self::collection(group, version, ns, resource),
            self.rv - self.rng.below(50_000),
            timeout / 60,
            timeout % 60,
        );
        let id = self.rng.uuid();
        let (stage, received, code) = if self.rng.percent(50) {
            ("ResponseStarted", self.now, 200)
        } else {
            ("ResponseComplete", self.now - timeout * 1_000_000, 200)
        };
        self.head("Metadata", &id, stage, &uri, "watch", who);
        self.object_ref(resource, ns, None, group);
        self.end_ref(None);
        self.status(code);
        let done = self.now + self.rng.range(200, 2000);
        self.tail(received, done, who, "");
        self.emit();
    }

    pub(super) fn list(&mut self) {
        let c = self.c;
        let pod = self.some_pod();
        let w = &WORKLOADS[pod.workload];
        let (who, uri, resource, ns) = match self.rng.below(4) {
            0 => (
                &c.watchers[5],
                format!(
                    r"/api/v1/namespaces/{}/pods?labelSelector=app%3D{}\u0026limit=500",
                    w.namespace, w.app
                ),
                "pods",
                Some(w.namespace),
            ),
            1 => (
                &c.people[self.rng.index(3)],
                format!("/api/v1/namespaces/{}/pods?limit=500", w.namespace),
                "pods",
                Some(w.namespace),
            ),
            2 => (
                &c.watchers[4],
                r"/api/v1/nodes?limit=500\u0026resourceVersion=0".to_owned(),
                "nodes",
                None,
            ),
            _ => (
                &c.watchers[0],
                r"/api/v1/secrets?limit=500\u0026resourceVersion=0".to_owned(),
                "secrets",
                None,
            ),
        };
        let id = self.rng.uuid();
        self.head("Metadata", &id, "ResponseComplete", &uri, "list", who);
        self.object_ref(resource, ns, None, "");
        self.end_ref(None);
        self.status(200);
        let done = self.now + self.latency() * 4;
        self.tail(self.now, done, who, "");
        self.emit();
    }

    pub(super) fn get(&mut self) {
        let c = self.c;
        let pod = self.some_pod();
        let w = &WORKLOADS[pod.workload];
        let kubelet = &c.nodes[pod.node].kubelet;
        let (resource, name, who): (&str, String, &Actor) = match self.rng.below(10) {
            0..=3 => ("configmaps", "kube-root-ca.crt".to_owned(), kubelet),
            4 => ("configmaps", format!("{}-config", w.app), kubelet),
            5 | 6 => ("secrets", format!("{}-tls", w.app), kubelet),
            7 => ("serviceaccounts", w.app.to_owned(), kubelet),
            _ => ("pods", pod.name.clone(), kubelet),
        };
        let uri = format!("/api/v1/namespaces/{}/{resource}/{name}", w.namespace);
        let id = self.rng.uuid();
        self.head("Metadata", &id, "ResponseComplete", &uri, "get", who);
        self.object_ref(resource, Some(w.namespace), Some(&name), "");
        self.end_ref(None);
        self.status(200);
        let done = self.now + self.latency();
        self.tail(self.now, done, who, "");
        self.emit();
    }

    pub(super) fn sa_token(&mut self) {
        let c = self.c;
        let pod = self.some_pod();
        let w = &WORKLOADS[pod.workload];
        let who = &c.nodes[pod.node].kubelet;
        let uri = format!(
            "/api/v1/namespaces/{}/serviceaccounts/{}/token",
            w.namespace, w.app
        );
        let id = self.rng.uuid();
        self.head("Metadata", &id, "ResponseComplete", &uri, "create", who);
        self.object_ref("serviceaccounts", Some(w.namespace), Some(w.app), "");
        self.end_ref(Some("token"));
        self.status(201);
        let done = self.now + self.latency();
        self.tail(self.now, done, who, "");
        self.emit();
    }

    pub(super) fn token_review(&mut self) {
        let c = self.c;
        let who = if self.rng.percent(60) {
            &c.metrics_server
        } else {
            &c.nodes[self.rng.index(c.nodes.len())].kubelet
        };
        let id = self.rng.uuid();
        self.head(
            "Metadata",
            &id,
            "ResponseComplete",
            "/apis/authentication.k8s.io/v1/tokenreviews",
            "create",
            who,
        );
        self.object_ref("tokenreviews", None, None, "authentication.k8s.io");
        self.end_ref(None);
        self.status(201);
        let done = self.now + self.latency();
        self.tail(self.now, done, who, "");
        self.emit();
    }

    pub(super) fn access_review(&mut self) {
        let c = self.c;
        let pod = self.some_pod();
        let w = &WORKLOADS[pod.workload];
        let node = &c.nodes[pod.node];
        let (who, attributes, subject) = match self.rng.below(10) {
            0..=4 => (
                &node.kubelet,
                format!(
                    r#"{{"verb":"get","version":"v1","resource":"nodes","subresource":"metrics","name":"{}"}}"#,
                    node.name
                ),
                r#""user":"system:serviceaccount:monitoring:prometheus","groups":["system:serviceaccounts","system:serviceaccounts:monitoring","system:authenticated"]"#,
            ),
            5..=7 => (
                &c.metrics_server,
                format!(
                    r#"{{"namespace":"{}","verb":"list","group":"metrics.k8s.io","version":"v1beta1","resource":"pods"}}"#,
                    w.namespace
                ),
                r#""user":"system:serviceaccount:kube-system:horizontal-pod-autoscaler","groups":["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"]"#,
            ),
            _ => (
                &c.watchers[5],
                format!(
                    r#"{{"namespace":"{}","verb":"create","version":"v1","resource":"pods"}}"#,
                    w.namespace
                ),
                r#""user":"system:serviceaccount:ci:deploy-bot","groups":["system:serviceaccounts","system:serviceaccounts:ci","system:authenticated"]"#,
            ),
        };
        let level = if self.rng.percent(60) {
            "Request"
        } else {
            "Metadata"
        };
        let id = self.rng.uuid();
        self.head(
            level,
            &id,
            "ResponseComplete",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews?timeout=10s",
            "create",
            who,
        );
        self.object_ref("subjectaccessreviews", None, None, "authorization.k8s.io");
        self.end_ref(None);
        self.status(201);
        if level == "Request" {
            let uid = self.rng.uuid();
            self.s(&[
                r#","requestObject":{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"resourceAttributes":"#,
                &attributes,
                ",",
                subject,
                r#","uid":""#,
                &uid,
                r#""},"status":{"allowed":false}}"#,
            ]);
        }
        let done = self.now + self.latency();
        self.tail(self.now, done, who, "");
        self.emit();
    }

    pub(super) fn endpoint_slice(&mut self) {
        let c = self.c;
        let pod = self.some_pod();
        let w = &WORKLOADS[pod.workload];
        let who = &c.endpointslice;
        let slice = format!("{}-{}", w.app, self.rng.suffix(5));
        let uri = format!(
            "/apis/discovery.k8s.io/v1/namespaces/{}/endpointslices/{slice}",
            w.namespace
        );
        let level = if self.rng.percent(30) {
            "Request"
        } else {
            "Metadata"
        };
        let id = self.rng.uuid();
        self.head(level, &id, "ResponseComplete", &uri, "update", who);
        self.object_ref(
            "endpointslices",
            Some(w.namespace),
            Some(&slice),
            "discovery.k8s.io",
        );
        self.end_ref(None);
        self.status(200);
        if level == "Request" {
            self.endpoint_slice_body(&pod, &slice);
        }
        let done = self.now + self.latency();
        self.tail(self.now, done, who, "");
        self.emit();
    }

    fn endpoint_slice_body(&mut self, pod: &Pod, slice: &str) {
        let c = self.c;
        let w = &WORKLOADS[pod.workload];
        let (owner_uid, rv) = (self.rng.uuid(), self.next_rv());
        self.s(&[
            r#","requestObject":{"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","metadata":{"name":""#,
            slice,
            r#"","generateName":""#,
            w.app,
            r#"-","namespace":""#,
            w.namespace,
            r#"","resourceVersion":""#,
        ]);
        self.n(rv);
        self.s(&[
            r#"","labels":{"endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io","kubernetes.io/service-name":""#,
            w.app,
            r#""},"ownerReferences":[{"apiVersion":"v1","kind":"Service","name":""#,
            w.app,
            r#"","uid":""#,
            &owner_uid,
            r#"","controller":true,"blockOwnerDeletion":true}]},"addressType":"IPv4","endpoints":["#,
        ]);
        for i in 0..self.rng.range(1, 4) {
            let other = if i == 0 { pod.clone() } else { self.some_pod() };
            if i > 0 {
                self.line.push(',');
            }
            self.s(&[
                r#"{"addresses":[""#,
                &other.ip,
                r#""],"conditions":{"ready":true,"serving":true,"terminating":false},"targetRef":{"kind":"Pod","namespace":""#,
                w.namespace,
                r#"","name":""#,
                &other.name,
                r#"","uid":""#,
                &other.uid,
                r#""},"nodeName":""#,
                &c.nodes[other.node].name,
                r#""}"#,
            ]);
        }
        self.s(&[r#"],"ports":[{"name":"http","protocol":"TCP","port":8080}]}"#]);
    }
}
