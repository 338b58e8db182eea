//! What a finding is: the owned record of a pod request whose images are not all allowed, as
//! every output format shows it (see docs/output.md).
//!
//! This is the output model only. The rules (the `rules` module) decide which events are findings;
//! both build them through [`FindingBuilder`], the one place that reads an event's fields into a
//! finding, so every mode's findings come out the same way. Strings are copied only here, so an
//! allowed request costs no allocation beyond its image parse.

use clap::ValueEnum;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::attribution::{Attribution, How, Requester, WorkloadKind};
pub use crate::event::ContainerKind;
use crate::event::{AuditEvent, Str};
use crate::filter::Subject;

/// The ways a request can put an image into a pod, or into a workload's pod template (see
/// docs/events.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// `create` on `pods`.
    Create,
    /// Server-side apply (`patch` on `pods`) that created the pod (status 201).
    ApplyCreate,
    /// `patch` or `update` on `pods` whose body sets container images.
    ImageChange,
    /// `update` or `patch` on `pods/ephemeralcontainers` (`kubectl debug`).
    Ephemeral,
    /// `create` of a workload object (or a server-side apply that created it, status 201),
    /// judged by its pod template (`--workloads`).
    WorkloadCreate,
    /// `patch` or `update` of a workload object whose body sets template images
    /// (`--workloads`).
    WorkloadChange,
}

impl Action {
    /// The name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::ApplyCreate => "apply-create",
            Action::ImageChange => "image-change",
            Action::Ephemeral => "ephemeral",
            Action::WorkloadCreate => "workload-create",
            Action::WorkloadChange => "workload-change",
        }
    }
}

/// A pod request whose images are not all allowed. Every key is always serialized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// The input the chosen event came from (`-` for stdin).
    pub file: String,
    /// The 1-based line where the chosen event's object starts (inside a multi-line document
    /// too).
    pub line: u64,
    /// The chosen event's 0-based index in the batch that holds it (an `EventList`, an array, AKS
    /// `records`, CloudWatch `logEvents`); `null` for an event on its own.
    #[serde(default)]
    pub item: Option<u64>,
    /// `auditID`.
    pub audit_id: Option<String>,
    /// `stageTimestamp`, else `requestReceivedTimestamp`, else `timestamp`, as written.
    pub time: Option<String>,
    /// The chosen event's stage.
    pub stage: Option<String>,
    /// How the request put the image into a pod.
    pub action: Action,
    /// `objectRef.namespace`, else `requestObject.metadata.namespace`.
    pub namespace: Option<String>,
    /// The pod's name, from the response when the server generated it; `null` for a workload
    /// request.
    pub pod: Option<String>,
    /// `requestObject.metadata.generateName`.
    pub generate_name: Option<String>,
    /// `user.username`.
    pub user: Option<String>,
    /// `impersonatedUser.username`.
    pub impersonated_user: Option<String>,
    /// `sourceIPs`, as logged.
    pub source_ips: Option<Vec<String>>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// `responseStatus.code`.
    pub status_code: Option<i64>,
    /// What the API server did with the request.
    pub outcome: Outcome,
    /// Why this is a finding.
    pub reason: Reason,
    /// Every image of the request as written, containers then init then ephemeral; `null` when
    /// the request body (the pod spec) was not logged.
    pub images: Option<Vec<String>>,
    /// The images that are not allowed, as written, in order, without repeats.
    pub disallowed_images: Vec<String>,
    /// Every container with its verdict; `null` when the pod spec was not logged.
    pub containers: Option<Vec<ContainerVerdict>>,
    /// The kind of object the request is about: `Pod`, or a workload kind.
    pub kind: ObjectKind,
    /// The object's name (for a pod, the same as `pod`).
    pub name: Option<String>,
    /// Who is behind the request (docs/attribution.md); `null` in Falco parity mode.
    pub attribution: Option<Attribution>,
}

/// The kind of object a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A pod.
    Pod,
    /// A workload object, whose pod template a request wrote.
    Workload(WorkloadKind),
}

impl ObjectKind {
    /// The kind as Kubernetes writes it (`Pod`, `Deployment`).
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Pod => "Pod",
            ObjectKind::Workload(kind) => kind.as_str(),
        }
    }
}

impl Serialize for ObjectKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// `Pod` or one of the workload kinds, as a string.
impl JsonSchema for ObjectKind {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ObjectKind".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let kinds: Vec<&str> = std::iter::once("Pod")
            .chain(WorkloadKind::ALL.iter().map(|k| k.as_str()))
            .collect();
        json_schema!({
            "description": "The kind of object the request is about: Pod, or a workload kind.",
            "type": "string",
            "enum": kinds,
        })
    }
}

/// Read back from a saved report (`--merge`): `Pod`, or a workload kind as Kubernetes writes it.
impl<'de> Deserialize<'de> for ObjectKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let kind = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        if kind == "Pod" {
            return Ok(ObjectKind::Pod);
        }
        WorkloadKind::from_kind(&kind)
            .map(ObjectKind::Workload)
            .ok_or_else(|| {
                serde::de::Error::custom(format_args!(
                    "unknown kind `{kind}`: expected Pod or a workload kind"
                ))
            })
    }
}

/// One container of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ContainerVerdict {
    /// The container's name.
    pub name: Option<String>,
    /// Which list it came from.
    pub kind: ContainerKind,
    /// The image as written; `null` when the container has no string `image`.
    pub image: Option<String>,
    /// The normalized reference (docs/allowlist.md); `null` when the image is missing or invalid.
    pub reference: Option<String>,
    /// Whether the allowlist allows it.
    pub allowed: bool,
}

/// What the API server did with the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A 2xx status.
    Created,
    /// A 4xx or 5xx status.
    Rejected,
    /// `dryRun` in the request URI: nothing was persisted.
    DryRun,
    /// No status logged (or a 1xx/3xx one).
    Unknown,
}

impl Outcome {
    /// From the request URI and the status code (GKE: the gRPC code, 0 = OK).
    pub(crate) fn of(request_uri: Option<&str>, code: Option<i64>, grpc: Option<i64>) -> Outcome {
        if request_uri.is_some_and(|uri| uri.contains("dryRun")) {
            return Outcome::DryRun;
        }
        if let Some(grpc) = grpc {
            return if grpc == 0 {
                Outcome::Created
            } else {
                Outcome::Rejected
            };
        }
        match code {
            Some(200..=299) => Outcome::Created,
            Some(400..=599) => Outcome::Rejected,
            _ => Outcome::Unknown,
        }
    }

    /// The name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Rejected => "rejected",
            Outcome::DryRun => "dry-run",
            Outcome::Unknown => "unknown",
        }
    }
}

/// Why a request is a finding.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// At least one image is not allowed (or is not a valid reference).
    DisallowedImage,
    /// The images cannot be determined (no request body, a container without an image, …).
    ImagesUnknown,
}

impl Reason {
    /// The name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::DisallowedImage => "disallowed-image",
            Reason::ImagesUnknown => "images-unknown",
        }
    }
}

/// What a rule concluded about the images of one request.
#[derive(Debug)]
pub struct Judgement {
    /// Why the request is a finding.
    pub reason: Reason,
    /// Every image as the rule read it; `None` when the rule could not read them.
    pub images: Option<Vec<String>>,
    /// The images that are not allowed, as written, in order, without repeats.
    pub disallowed_images: Vec<String>,
    /// Every container with its verdict; `None` when the pod spec was not logged.
    pub containers: Option<Vec<ContainerVerdict>>,
}

/// Builds the one kind of [`Finding`] there is, from the event it is about.
///
/// [`FindingBuilder::new`] reads every field this tool's way (docs/output.md); a rule that reads
/// some of them its own way (Falco reads `namespace`, `pod` and `user` from one place each, and
/// ignores gRPC codes) says so with the setters before [`FindingBuilder::build`]. Nothing is
/// copied until `build`.
#[derive(Debug)]
pub struct FindingBuilder<'e, 'a> {
    /// The event the finding is about.
    ev: &'e AuditEvent<'a>,
    /// How the request put the image into a pod.
    action: Action,
    /// The finding's `namespace`.
    namespace: Option<&'e str>,
    /// The finding's `pod`.
    pod: Option<&'e str>,
    /// The finding's `kind`.
    kind: ObjectKind,
    /// The finding's `name`: the pod's, or the workload's.
    name: Option<&'e str>,
    /// The finding's `user`.
    user: Option<&'e str>,
    /// The finding's `outcome`.
    outcome: Outcome,
    /// Whether the finding is attributed to the request itself (this tool's rules), or not at
    /// all (Falco's).
    direct: bool,
}

impl<'e, 'a> FindingBuilder<'e, 'a> {
    /// A finding about `ev`, which put an image into a pod by `action`, with every field read
    /// this tool's way.
    pub fn new(ev: &'e AuditEvent<'a>, action: Action) -> Self {
        let response_name = ev
            .response_object
            .get()
            .filter(|r| r.kind.is("Pod"))
            .and_then(|r| r.metadata.get())
            .and_then(|m| m.name.get());
        let pod = response_name
            .or_else(|| ev.request_meta().and_then(|m| m.name.get()))
            .or_else(|| ev.object_ref.get().and_then(|o| o.name.get()));
        FindingBuilder {
            ev,
            action,
            namespace: namespace(ev),
            pod,
            kind: ObjectKind::Pod,
            name: pod,
            user: ev.user.get().and_then(|u| u.username.get()),
            outcome: Outcome::of(ev.request_uri.get(), ev.status_code(), ev.grpc_code),
            direct: false,
        }
    }

    /// Attributes the finding to the request itself (`how: direct`); the scan may later follow
    /// a pod's owner chain instead. Without this the finding has no attribution, as in Falco
    /// parity mode.
    #[must_use]
    pub fn attributed(mut self) -> Self {
        self.direct = true;
        self
    }

    /// Sets the `namespace`.
    #[must_use]
    pub fn namespace(mut self, namespace: Option<&'e str>) -> Self {
        self.namespace = namespace;
        self
    }

    /// Sets the `pod`, and the `name`, which for a pod is the same.
    #[must_use]
    pub fn pod(mut self, pod: Option<&'e str>) -> Self {
        self.pod = pod;
        self.name = pod;
        self
    }

    /// Makes the finding about the workload object `kind` named `name` rather than a pod: `kind`
    /// and `name` name the workload, and `pod` is `null`.
    #[must_use]
    pub fn workload(mut self, kind: WorkloadKind, name: Option<&'e str>) -> Self {
        self.kind = ObjectKind::Workload(kind);
        self.name = name;
        self.pod = None;
        self
    }

    /// Sets the `user`.
    #[must_use]
    pub fn user(mut self, user: Option<&'e str>) -> Self {
        self.user = user;
        self
    }

    /// Sets the `outcome`.
    #[must_use]
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// The owned finding, with what the rule concluded. `file` and `line` are left for the scan
    /// to fill in.
    pub fn build(self, judgement: Judgement) -> Finding {
        let ev = self.ev;
        Finding {
            file: String::new(),
            line: 0,
            item: None,
            audit_id: ev.audit_id.to_owned_string(),
            time: time(ev).map(str::to_owned),
            stage: ev.stage.to_owned_string(),
            action: self.action,
            namespace: self.namespace.map(str::to_owned),
            pod: self.pod.map(str::to_owned),
            generate_name: ev
                .request_meta()
                .and_then(|m| m.generate_name.to_owned_string()),
            user: self.user.map(str::to_owned),
            impersonated_user: impersonated_user(ev),
            source_ips: source_ips(ev),
            user_agent: ev.user_agent.to_owned_string(),
            status_code: ev.status_code(),
            outcome: self.outcome,
            reason: judgement.reason,
            images: judgement.images,
            disallowed_images: judgement.disallowed_images,
            containers: judgement.containers,
            kind: self.kind,
            name: self.name.map(str::to_owned),
            attribution: self.direct.then(|| Attribution {
                how: How::Direct,
                chain: Vec::new(),
                initiator: Some(requester(ev, 0)),
                note: None,
            }),
        }
    }
}

/// Who made the request `ev`, read at `line` (the `file` is left empty for the scan to fill in).
pub(crate) fn requester(ev: &AuditEvent<'_>, line: u64) -> Requester {
    Requester {
        user: ev.user.get().and_then(|u| u.username.to_owned_string()),
        impersonated_user: impersonated_user(ev),
        source_ips: source_ips(ev),
        user_agent: ev.user_agent.to_owned_string(),
        verb: ev.verb.to_owned_string(),
        time: time(ev).map(str::to_owned),
        audit_id: ev.audit_id.to_owned_string(),
        file: String::new(),
        line,
    }
}

/// `requestObject.metadata`, when the body is an object that has it.
/// `impersonatedUser.username`, owned.
pub(crate) fn impersonated_user(ev: &AuditEvent<'_>) -> Option<String> {
    ev.impersonated_user
        .get()
        .and_then(|u| u.username.to_owned_string())
}

/// `sourceIPs` as logged, owned (addresses of another type left out).
pub(crate) fn source_ips(ev: &AuditEvent<'_>) -> Option<Vec<String>> {
    ev.source_ips
        .get()
        .map(|ips| ips.iter().filter_map(Str::to_owned_string).collect())
}

/// A finding's `namespace`: `objectRef.namespace`, else `requestObject.metadata.namespace`.
pub(crate) fn namespace<'e>(ev: &'e AuditEvent<'_>) -> Option<&'e str> {
    ev.object_ref
        .get()
        .and_then(|o| o.namespace.get())
        .or_else(|| ev.request_meta().and_then(|m| m.namespace.get()))
}

/// A finding's `time`: `stageTimestamp`, else `requestReceivedTimestamp`, else `timestamp`.
pub(crate) fn time<'e>(ev: &'e AuditEvent<'_>) -> Option<&'e str> {
    ev.stage_timestamp
        .get()
        .or_else(|| ev.request_received_timestamp.get())
        .or_else(|| ev.timestamp.get())
}

/// What the scope filter reads of an event (the fields its finding would have). An event judged
/// on its own has no initiator: attribution runs on findings, after the scan, so `--user` matches
/// only its requester.
pub(crate) fn subject<'e>(ev: &'e AuditEvent<'_>) -> Subject<'e> {
    Subject {
        time: time(ev),
        namespace: namespace(ev),
        user: ev.user.get().and_then(|u| u.username.get()),
        impersonated_user: ev.impersonated_user.get().and_then(|u| u.username.get()),
        initiator_user: None,
        initiator_impersonated_user: None,
        outcome: None,
        reason: None,
        action: None,
    }
}

impl Finding {
    /// What the scope filter reads of this finding: its requester and, once attributed, its
    /// initiator.
    pub fn subject(&self) -> Subject<'_> {
        let initiator = self.attribution.as_ref().and_then(|a| a.initiator.as_ref());
        Subject {
            time: self.time.as_deref(),
            namespace: self.namespace.as_deref(),
            user: self.user.as_deref(),
            impersonated_user: self.impersonated_user.as_deref(),
            initiator_user: initiator.and_then(|i| i.user.as_deref()),
            initiator_impersonated_user: initiator.and_then(|i| i.impersonated_user.as_deref()),
            outcome: Some(self.outcome.as_str()),
            reason: Some(self.reason.as_str()),
            action: Some(self.action.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes() {
        assert_eq!(
            Outcome::of(Some("/api/v1/pods?dryRun=All"), Some(201), None),
            Outcome::DryRun
        );
        assert_eq!(Outcome::of(None, Some(201), None), Outcome::Created);
        assert_eq!(Outcome::of(None, Some(403), None), Outcome::Rejected);
        assert_eq!(Outcome::of(None, Some(500), None), Outcome::Rejected);
        assert_eq!(Outcome::of(None, None, None), Outcome::Unknown);
    }
}
