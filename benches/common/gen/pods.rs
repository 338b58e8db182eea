//! Pod creates, as the audit-log generator writes them: the request and response bodies with
//! `managedFields`, the stages, and the outcome (created, dry run, forbidden).

use super::catalog::{ENV, Workload, allowed};
use super::owners::Truth;
use super::{Actor, Gen, Owner, Pod, WORKLOADS};

/// The audit level a request is logged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    Metadata,
    Request,
    RequestResponse,
}

impl Level {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }
}

/// What the API server did with a pod create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created,
    DryRun,
    Forbidden,
}

/// Everything about one pod create that its lines share.
struct Create<'a> {
    w: &'a Workload,
    pod: Pod,
    who: &'a Actor,
    level: Level,
    outcome: Outcome,
    id: String,
    uri: String,
    received: u64,
    done: u64,
}

impl Gen<'_> {
    /// One pod create: its `ResponseComplete` event, and sometimes first its `RequestReceived`.
    pub(super) fn pod_create(&mut self) {
        let c = self.c;
        let workload = self.pick_workload();
        let w = &WORKLOADS[workload];
        let pod = self.new_pod(workload);
        let who = c.creator(w, &mut self.rng);
        let level = match self.rng.below(100) {
            0..=54 => Level::RequestResponse,
            55..=84 => Level::Request,
            _ => Level::Metadata,
        };
        let outcome = match (w.owner, self.rng.below(100)) {
            (Owner::Apply, 0..=9) => Outcome::DryRun,
            (_, 0..=3) => Outcome::Forbidden,
            _ => Outcome::Created,
        };
        let uri = match (w.owner, outcome) {
            (Owner::Run, _) => format!(
                "/api/v1/namespaces/{}/pods?fieldManager=kubectl-run",
                w.namespace
            ),
            (Owner::Forged(_), _) => format!(
                "/api/v1/namespaces/{}/pods?fieldManager=kubectl-create",
                w.namespace
            ),
            (Owner::Apply, Outcome::DryRun) => format!(
                r"/api/v1/namespaces/{}/pods?dryRun=All\u0026fieldManager=kubectl-client-side-apply\u0026fieldValidation=Strict",
                w.namespace
            ),
            (Owner::Apply, _) => format!(
                r"/api/v1/namespaces/{}/pods?fieldManager=kubectl-client-side-apply\u0026fieldValidation=Strict",
                w.namespace
            ),
            _ => format!("/api/v1/namespaces/{}/pods", w.namespace),
        };
        let received = self.now;
        let create = Create {
            w,
            who,
            level,
            outcome,
            id: self.rng.uuid(),
            uri,
            received,
            done: received + self.rng.range(3000, 25_000),
            pod,
        };
        self.count_pod(&create);
        let later = if self.rng.percent(33) {
            self.create_event(&create, "RequestReceived");
            self.emit();
            Some(self.rng.range(1, 4) as u32)
        } else {
            None
        };
        self.create_event(&create, "ResponseComplete");
        match later {
            Some(requests) => self.defer(requests),
            None => self.emit(),
        }
        if outcome == Outcome::Created {
            self.unbound.push(create.pod.clone());
            self.remember(create.pod);
        }
    }

    /// Writes one stage of a pod create (without the newline).
    fn create_event(&mut self, k: &Create<'_>, stage: &str) {
        self.stats.pod_creates += 1;
        let named = !generated(k.w.owner);
        self.head(k.level.as_str(), &k.id, stage, &k.uri, "create", k.who);
        self.object_ref(
            "pods",
            Some(k.w.namespace),
            named.then_some(k.pod.name.as_str()),
            "",
        );
        self.end_ref(None);
        if stage == "RequestReceived" {
            self.s(&[r#","requestReceivedTimestamp":""#]);
            self.time(k.received, true);
            self.s(&[r#"","stageTimestamp":""#]);
            self.time(k.received, true);
            self.s(&["\"}"]);
            return;
        }
        let message = forbidden_message(k);
        match &message {
            Some(m) => self.s(&[
                r#","responseStatus":{"metadata":{},"status":"Failure","message":""#,
                m,
                r#"","reason":"Forbidden","details":{"name":""#,
                &k.pod.name,
                r#"","kind":"pods"},"code":403}"#,
            ]),
            None => self.status(201),
        }
        if k.level != Level::Metadata {
            self.s(&[r#","requestObject":"#]);
            self.pod_object(k, false);
        }
        if k.level == Level::RequestResponse {
            self.s(&[r#","responseObject":"#]);
            match &message {
                Some(m) => self.s(&[
                    r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":""#,
                    m,
                    r#"","reason":"Forbidden","details":{"name":""#,
                    &k.pod.name,
                    r#"","kind":"pods"},"code":403}"#,
                ]),
                None => self.pod_object(k, true),
            }
        }
        let extra = if message.is_some() {
            ""
        } else {
            r#","pod-security.kubernetes.io/enforce-policy":"privileged:latest""#
        };
        self.tail(k.received, k.done, k.who, extra);
    }

    /// Counts a pod create in the stats and, when it is a finding, writes its truth.
    fn count_pod(&mut self, k: &Create<'_>) {
        let slot = match (k.w.owner, k.pod.owner.as_ref().map(|o| o.0)) {
            (Owner::Forged(_), _) => 4,
            (_, Some("ReplicaSet")) => 0,
            (_, Some("DaemonSet")) => 1,
            (_, Some("StatefulSet")) => 2,
            (_, Some(_)) => 3,
            (_, None) => 5,
        };
        self.stats.pods_by_owner[slot] += 1;
        let mut disallowed: Vec<&str> = Vec::new();
        if k.level != Level::Metadata {
            for (name, image) in k.w.init.iter().chain(k.w.containers) {
                let image = k.pod.image(name, image);
                if !allowed(image) && !disallowed.contains(&image) {
                    disallowed.push(image);
                }
            }
        }
        if k.level != Level::Metadata && disallowed.is_empty() {
            return;
        }
        self.stats.findings += 1;
        if self.truth.is_none() {
            return;
        }
        let mut time = String::new();
        super::write_time(&mut time, k.done, true);
        let truth = match (k.level, k.w.owner, &k.pod.owner) {
            (Level::Metadata, ..) | (_, _, None) => Truth::direct(k.who, &k.id, time, None),
            (_, Owner::Forged(_), Some((kind, name, _))) => {
                let note = format!("claims {kind}/{name} but was created by {}", k.who.name);
                Truth::direct(k.who, &k.id, time, Some(note))
            }
            _ => match &self.live[k.pod.workload] {
                Some(live) => Truth::chain(live, &disallowed),
                None => Truth::direct(k.who, &k.id, time, None),
            },
        };
        if let Some(out) = self.truth.as_mut() {
            truth.write(out, &k.id, k.w.namespace, &k.pod.name, &disallowed);
        }
    }

    /// The labels of a pod of `k.w`.
    fn labels(k: &Create<'_>) -> Vec<(&'static str, String)> {
        let w = k.w;
        let (owner, uid) = k
            .pod
            .owner
            .as_ref()
            .map_or((String::new(), String::new()), |o| {
                (o.1.clone(), o.2.clone())
            });
        match w.owner {
            Owner::ReplicaSet(_) | Owner::Forged(_) => vec![
                ("app", w.app.to_owned()),
                (
                    "pod-template-hash",
                    owner.rsplit('-').next().unwrap_or_default().to_owned(),
                ),
            ],
            Owner::DaemonSet => vec![
                ("controller-revision-hash", "6f5b8d9c47".to_owned()),
                ("k8s-app", w.app.to_owned()),
                ("pod-template-generation", "3".to_owned()),
            ],
            Owner::StatefulSet => vec![
                ("app", w.app.to_owned()),
                (
                    "apps.kubernetes.io/pod-index",
                    k.pod.name.rsplit('-').next().unwrap_or("0").to_owned(),
                ),
                ("controller-revision-hash", format!("{}-7d9c8b6f5", w.app)),
                ("statefulset.kubernetes.io/pod-name", k.pod.name.clone()),
            ],
            Owner::CronJob | Owner::Job => vec![
                ("batch.kubernetes.io/controller-uid", uid.clone()),
                ("batch.kubernetes.io/job-name", owner.clone()),
                ("controller-uid", uid),
                ("job-name", owner),
            ],
            Owner::Run => vec![("run", k.pod.name.clone())],
            Owner::Apply => vec![("app", w.app.to_owned())],
        }
    }

    /// The pod as the client sent it (`response` false) or as the server stored it.
    fn pod_object(&mut self, k: &Create<'_>, response: bool) {
        let w = k.w;
        let labels = Self::labels(k);
        self.s(&[r#"{"kind":"Pod","apiVersion":"v1","metadata":{"#]);
        let generated = generated(w.owner);
        if response || !generated {
            self.s(&[r#""name":""#, &k.pod.name, r#"","#]);
        }
        if generated {
            let prefix = k.pod.name.rsplit_once('-').map_or("", |p| p.0);
            self.s(&[r#""generateName":""#, prefix, r#"-","#]);
        }
        self.s(&[r#""namespace":""#, w.namespace, "\""]);
        if response {
            let rv = self.next_rv();
            self.s(&[r#","uid":""#, &k.pod.uid, r#"","resourceVersion":""#]);
            self.n(rv);
            self.s(&[r#"","creationTimestamp":""#]);
            self.time(k.done, false);
            self.line.push('"');
        } else {
            self.s(&[r#","creationTimestamp":null"#]);
        }
        self.s(&[r#","labels":{"#]);
        for (i, (key, value)) in labels.iter().enumerate() {
            self.s(&[
                if i == 0 { "\"" } else { ",\"" },
                key,
                r#"":""#,
                value,
                "\"",
            ]);
        }
        self.line.push('}');
        if w.owner == Owner::Apply {
            self.last_applied(k);
        }
        self.owner_refs(k);
        if response {
            self.managed_fields(k, &labels);
        }
        self.s(&[r#"},"spec":"#]);
        self.spec(k, response);
        if response {
            self.s(&[r#","status":{"phase":"Pending","qosClass":"Burstable"}}"#]);
        } else {
            self.s(&[r#","status":{}}"#]);
        }
    }

    fn owner_refs(&mut self, k: &Create<'_>) {
        if let Some((kind, name, uid)) = &k.pod.owner {
            self.owner_reference(kind, name, uid);
        }
    }

    /// `kubectl apply`'s annotation: the whole manifest again, as an escaped JSON string.
    fn last_applied(&mut self, k: &Create<'_>) {
        let (container, image) = k.w.containers[0];
        self.s(&[
            r#","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\""#,
            k.w.app,
            r#"\"},\"name\":\""#,
            &k.pod.name,
            r#"\",\"namespace\":\""#,
            k.w.namespace,
            r#"\"},\"spec\":{\"containers\":[{\"args\":[\"--threads=4\",\"--donate-level=0\"],\"image\":\""#,
            image,
            r#"\",\"name\":\""#,
            container,
            r#"\",\"resources\":{\"limits\":{\"cpu\":\"2\",\"memory\":\"1Gi\"}}}]}}\n"}"#,
        ]);
    }

    fn spec(&mut self, k: &Create<'_>, response: bool) {
        let w = k.w;
        let token = format!("kube-api-access-{}", &k.pod.uid[..5]);
        self.s(&[
            r#"{"volumes":[{"name":"config","configMap":{"name":""#,
            w.app,
            r#"-config","defaultMode":420}}"#,
        ]);
        if response {
            self.s(&[
                r#",{"name":""#,
                &token,
                r#"","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}"#,
            ]);
        }
        self.line.push(']');
        for (key, list, init) in [
            ("initContainers", w.init, true),
            ("containers", w.containers, false),
        ] {
            if list.is_empty() {
                continue;
            }
            self.s(&[",\"", key, "\":["]);
            for (i, (name, image)) in list.iter().enumerate() {
                if i > 0 {
                    self.line.push(',');
                }
                let image = k.pod.image(name, image);
                self.container(w, name, image, init, response.then_some(token.as_str()));
            }
            self.line.push(']');
        }
        let restart = match w.owner {
            Owner::CronJob | Owner::Job => "OnFailure",
            Owner::Forged(_) | Owner::Run | Owner::Apply => "Never",
            _ => "Always",
        };
        self.s(&[
            r#","restartPolicy":""#,
            restart,
            r#"","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":""#,
            w.app,
            r#"","serviceAccount":""#,
            w.app,
            r#"","securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},"schedulerName":"default-scheduler""#,
        ]);
        if response {
            self.s(&[r#","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority""#]);
        }
        self.line.push('}');
    }

    /// One container; `token` (the service account volume) is set in the server's copy.
    pub(super) fn container(
        &mut self,
        w: &Workload,
        name: &str,
        image: &str,
        init: bool,
        token: Option<&str>,
    ) {
        self.s(&[r#"{"name":""#, name, r#"","image":""#, image, "\""]);
        if !init {
            self.s(&[r#","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}]"#]);
        }
        if w.env > 0 {
            self.s(&[r#","env":["#]);
            for i in 0..w.env {
                let (var, rest, _) = ENV[i % ENV.len()];
                let sep = if i == 0 { "" } else { "," };
                if i < ENV.len() {
                    self.s(&[sep, r#"{"name":""#, var, r#"","#, rest, "}"]);
                } else {
                    self.s(&[sep, r#"{"name":""#, var, "_"]);
                    self.n(i as u64);
                    self.s(&[r#"","#, rest, "}"]);
                }
            }
            self.line.push(']');
        }
        self.s(&[r#","resources":{"limits":{"cpu":"500m","memory":"512Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},"volumeMounts":[{"name":"config","readOnly":true,"mountPath":"/etc/"#, w.app, "\"}"]);
        if let Some(token) = token {
            self.s(&[
                r#",{"name":""#,
                token,
                r#"","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}"#,
            ]);
        }
        self.line.push(']');
        if !init {
            self.s(&[r#","livenessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"initialDelaySeconds":10,"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},"readinessProbe":{"httpGet":{"path":"/readyz","port":8080,"scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":5,"successThreshold":1,"failureThreshold":3}"#]);
        }
        self.s(&[r#","terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent","securityContext":{"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true,"allowPrivilegeEscalation":false}}"#]);
    }

    /// The server-side-apply bookkeeping the server adds to the stored pod.
    fn managed_fields(&mut self, k: &Create<'_>, labels: &[(&'static str, String)]) {
        let w = k.w;
        let manager = match w.owner {
            Owner::Run => "kubectl-run",
            Owner::Apply => "kubectl-client-side-apply",
            Owner::Forged(_) => "kubectl-create",
            _ => "kube-controller-manager",
        };
        self.s(&[
            r#","managedFields":[{"manager":""#,
            manager,
            r#"","operation":"Update","apiVersion":"v1","time":""#,
        ]);
        self.time(k.done, false);
        self.s(&[r#"","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"#]);
        if w.owner == Owner::Apply {
            self.s(&[r#""f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"#]);
        }
        if generated(w.owner) {
            self.s(&[r#""f:generateName":{},"#]);
        }
        self.s(&[r#""f:labels":{".":{}"#]);
        for (key, _) in labels {
            self.s(&[r#","f:"#, key, r#"":{}"#]);
        }
        self.line.push('}');
        if let Some((_, _, uid)) = &k.pod.owner {
            self.s(&[
                r#","f:ownerReferences":{".":{},"k:{\"uid\":\""#,
                uid,
                r#"\"}":{}}"#,
            ]);
        }
        self.s(&[r#"},"f:spec":{"#]);
        for (key, list, init) in [
            ("f:containers", w.containers, false),
            ("f:initContainers", w.init, true),
        ] {
            if list.is_empty() {
                continue;
            }
            self.s(&["\"", key, "\":{"]);
            for (i, (name, _)) in list.iter().enumerate() {
                self.s(&[
                    if i == 0 { "" } else { "," },
                    r#""k:{\"name\":\""#,
                    name,
                    r#"\"}":{".":{}"#,
                ]);
                self.managed_container(w, init);
                self.line.push('}');
            }
            self.s(&["},"]);
        }
        self.s(&[r#""f:dnsPolicy":{},"f:enableServiceLinks":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{".":{},"f:runAsNonRoot":{},"f:seccompProfile":{".":{},"f:type":{}}},"f:serviceAccount":{},"f:serviceAccountName":{},"f:terminationGracePeriodSeconds":{},"f:volumes":{".":{},"k:{\"name\":\"config\"}":{".":{},"f:configMap":{".":{},"f:defaultMode":{},"f:name":{}},"f:name":{}}}}}}]"#]);
    }

    /// The `managedFields` entry of one container.
    fn managed_container(&mut self, w: &Workload, init: bool) {
        if w.env > 0 {
            self.s(&[r#","f:env":{".":{}"#]);
            for i in 0..w.env {
                let (var, _, kind) = ENV[i % ENV.len()];
                self.s(&[r#","k:{\"name\":\""#, var]);
                if i >= ENV.len() {
                    self.line.push('_');
                    self.n(i as u64);
                }
                if kind == "value" {
                    self.s(&[r#"\"}":{".":{},"f:name":{},"f:value":{}}"#]);
                } else {
                    self.s(&[
                        r#"\"}":{".":{},"f:name":{},"f:valueFrom":{".":{},"f:"#,
                        kind,
                        r#"":{}}}"#,
                    ]);
                }
            }
            self.line.push('}');
        }
        self.s(&[r#","f:image":{},"f:imagePullPolicy":{}"#]);
        if !init {
            self.s(&[r#","f:livenessProbe":{".":{},"f:failureThreshold":{},"f:httpGet":{".":{},"f:path":{},"f:port":{},"f:scheme":{}},"f:initialDelaySeconds":{},"f:periodSeconds":{},"f:successThreshold":{},"f:timeoutSeconds":{}},"f:ports":{".":{},"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:name":{},"f:protocol":{}}},"f:readinessProbe":{".":{},"f:failureThreshold":{},"f:httpGet":{".":{},"f:path":{},"f:port":{},"f:scheme":{}},"f:periodSeconds":{},"f:successThreshold":{},"f:timeoutSeconds":{}}"#]);
        }
        self.s(&[r#","f:name":{},"f:resources":{".":{},"f:limits":{".":{},"f:cpu":{},"f:memory":{}},"f:requests":{".":{},"f:cpu":{},"f:memory":{}}},"f:securityContext":{".":{},"f:allowPrivilegeEscalation":{},"f:capabilities":{".":{},"f:drop":{}},"f:readOnlyRootFilesystem":{}},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{},"f:volumeMounts":{".":{},"k:{\"mountPath\":\"/etc/"#, w.app, r#"\"}":{".":{},"f:mountPath":{},"f:name":{},"f:readOnly":{}}}"#]);
    }
}

/// The reason a rejected create gives.
fn forbidden_message(k: &Create<'_>) -> Option<String> {
    if k.outcome != Outcome::Forbidden {
        return None;
    }
    Some(match k.w.owner {
        Owner::Forged(_) | Owner::Run | Owner::Apply => format!(
            r#"pods \"{}\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"{}\" must not set securityContext.privileged=true)"#,
            k.pod.name, k.w.containers[0].0
        ),
        _ => format!(
            r#"pods \"{}\" is forbidden: exceeded quota: compute-resources, requested: limits.cpu=500m, used: limits.cpu=16, limited: limits.cpu=16"#,
            k.pod.name
        ),
    })
}

/// Whether a controller makes the pods with `generateName` (StatefulSets name theirs).
fn generated(owner: Owner) -> bool {
    owner.is_controller() && owner != Owner::StatefulSet
}
