//! Audit events: borrowed views of the few fields a finding needs, and the parse of one line or
//! document into them: an event, an `EventList`, an array of events, a cloud export
//! (docs/inputs.md). Which events count is for the rules to say, not the parser.
//!
//! The structs mirror `audit.k8s.io/v1` `Event` but declare only what the verdict and the finding
//! read; serde skips everything else (managed fields, statuses, volumes) without allocating.
//! Strings borrow from the input unless JSON escapes force a copy. Every field is lenient
//! ([`lenient`]): a wrong type never loses the event, it only makes that field unknown.
//!
//! [`for_each_event`] accepts a single `Event`, an `EventList` (webhook batches) or a JSON array of
//! events. It has a slow path for what the fast borrowed parse rejects but Go's `encoding/json`
//! (which the API server and the container runtime use) accepts: duplicate keys (last one wins, as
//! in Go), invalid UTF-8 and lone surrogates (replaced by U+FFFD, as in Go), deep nesting; and
//! it reads the events that damaged lines still hold ([`salvage`]).

pub mod cloud;
pub mod lenient;
mod parse;
pub mod request;
pub mod salvage;

use serde::Deserialize;

use cloud::{AksProperties, CloudWatchEvent, GkePayload, Operation};

pub use lenient::{Bool, Int, List, Obj, Str};
pub use parse::{Seen, for_each_event};
pub use request::{Body, ContainerKind, Requested, Semantics, SpecAt};

/// How every event the API server writes starts: its encoder puts `kind` first. The prefilter
/// recognises the API server's lines by it (and a second event joined to a cut line), and
/// [`salvage`] restarts at it after damage.
pub(crate) const EVENT_START: &[u8] = br#"{"kind":"Event""#;

/// One audit event, borrowed from the line (or document) it was parsed from.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent<'a> {
    /// `Event` (or `EventList` for a batch).
    #[serde(borrow, default)]
    pub kind: Str<'a>,
    /// `audit.k8s.io/v1` (or `v1beta1`); a Kubernetes core Event has `v1` or `events.k8s.io/v1`.
    #[serde(borrow, default)]
    pub api_version: Str<'a>,
    /// `Metadata`, `Request` or `RequestResponse`.
    #[serde(borrow, default)]
    pub level: Str<'a>,
    /// Shared by all stages of one API request.
    #[serde(borrow, default, rename = "auditID")]
    pub audit_id: Str<'a>,
    /// `RequestReceived`, `ResponseStarted`, `ResponseComplete` or `Panic`.
    #[serde(borrow, default)]
    pub stage: Str<'a>,
    /// The request path with its query (`?dryRun=All` shows a dry run).
    #[serde(borrow, default, rename = "requestURI")]
    pub request_uri: Str<'a>,
    /// `create`, `patch`, `update`, …
    #[serde(borrow, default)]
    pub verb: Str<'a>,
    /// The authenticated user.
    #[serde(borrow, default)]
    pub user: Obj<User<'a>>,
    /// The user the request impersonated, if any.
    #[serde(borrow, default)]
    pub impersonated_user: Obj<User<'a>>,
    /// Client addresses, as logged.
    #[serde(borrow, default, rename = "sourceIPs")]
    pub source_ips: List<Str<'a>>,
    /// The client's user agent.
    #[serde(borrow, default)]
    pub user_agent: Str<'a>,
    /// What the request was about.
    #[serde(borrow, default)]
    pub object_ref: Obj<ObjectRef<'a>>,
    /// The HTTP outcome.
    #[serde(default)]
    pub response_status: Obj<ResponseStatus>,
    /// What the client sent (logged at level `Request` and above): a Pod, a patch, …
    #[serde(borrow, default)]
    pub request_object: Body<'a>,
    /// What the server answered (level `RequestResponse`).
    #[serde(borrow, default)]
    pub response_object: Obj<ResponseObject<'a>>,
    /// When the API server received the request.
    #[serde(borrow, default)]
    pub request_received_timestamp: Str<'a>,
    /// When this stage was logged.
    #[serde(borrow, default)]
    pub stage_timestamp: Str<'a>,
    /// Old (`v1beta1`) event time.
    #[serde(borrow, default)]
    pub timestamp: Str<'a>,
    /// Audit annotations; only `audit.k8s.io/truncated` is read.
    #[serde(borrow, default)]
    pub annotations: Obj<Annotations<'a>>,
    /// The events of an `EventList`.
    #[serde(borrow, default)]
    pub items: List<Obj<AuditEvent<'a>>>,
    /// AKS: the records of a diagnostic-settings batch (each read with this same struct).
    #[serde(borrow, default)]
    pub records: List<Obj<AuditEvent<'a>>>,
    /// AKS: a record's category (`kube-audit`, …).
    #[serde(borrow, default)]
    pub category: Str<'a>,
    /// AKS: a record's properties, holding the event in `log`.
    #[serde(borrow, default)]
    pub properties: Obj<AksProperties<'a>>,
    /// EKS: CloudWatch Logs export events, each holding an event as a JSON string.
    #[serde(borrow, default, rename = "logEvents")]
    pub log_events: List<Obj<CloudWatchEvent<'a>>>,
    /// EKS: the same under the name some exporters use.
    #[serde(borrow, default)]
    pub events: List<Obj<CloudWatchEvent<'a>>>,
    /// GKE: the Cloud Logging audit payload.
    #[serde(borrow, default, rename = "protoPayload")]
    pub proto_payload: Obj<GkePayload<'a>>,
    /// GKE: the operation, whose `id` is the audit ID.
    #[serde(borrow, default)]
    pub operation: Obj<Operation<'a>>,
    /// GKE: the log entry's ID, the audit ID when there is no operation.
    #[serde(borrow, default, rename = "insertId")]
    pub insert_id: Str<'a>,
    /// GKE: the gRPC status code (0 = OK), which replaces `responseStatus` there.
    #[serde(skip)]
    pub grpc_code: Option<i64>,
}

/// `user` and `impersonatedUser`.
#[derive(Debug, Default, Deserialize)]
pub struct User<'a> {
    /// The user name.
    #[serde(borrow, default)]
    pub username: Str<'a>,
}

/// `objectRef`.
#[derive(Debug, Default, Deserialize)]
pub struct ObjectRef<'a> {
    /// The resource, e.g. `pods`.
    #[serde(borrow, default)]
    pub resource: Str<'a>,
    /// The namespace.
    #[serde(borrow, default)]
    pub namespace: Str<'a>,
    /// The object's name (absent on creates with `generateName`).
    #[serde(borrow, default)]
    pub name: Str<'a>,
    /// `binding`, `exec`, `status`, `ephemeralcontainers`, …
    #[serde(borrow, default)]
    pub subresource: Str<'a>,
    /// The object's uid, when the API server knew it.
    #[serde(borrow, default)]
    pub uid: Str<'a>,
}

/// `responseStatus`.
#[derive(Debug, Default, Deserialize)]
pub struct ResponseStatus {
    /// The HTTP status code.
    #[serde(default)]
    pub code: Int,
}

/// `requestObject` read as a Pod (or a merge patch of one, or an `EphemeralContainers` object),
/// or as a workload object (a Deployment, a CronJob, …, or a patch of one), whose pod template
/// sits under `spec`.
#[derive(Debug, Default, Deserialize)]
pub struct PodObject<'a> {
    /// The top-level list of the pre-1.22 `EphemeralContainers` object.
    #[serde(borrow, default, rename = "ephemeralContainers")]
    pub ephemeral_containers: List<Obj<Container<'a>>>,
    /// `Pod` for a create.
    #[serde(borrow, default)]
    pub kind: Str<'a>,
    /// Name, namespace, generateName.
    #[serde(borrow, default)]
    pub metadata: Obj<Meta<'a>>,
    /// The containers.
    #[serde(borrow, default)]
    pub spec: Obj<PodSpec<'a>>,
}

/// `responseObject`: its kind and metadata.
#[derive(Debug, Default, Deserialize)]
pub struct ResponseObject<'a> {
    /// `Pod` when the create succeeded, `Status` when it failed.
    #[serde(borrow, default)]
    pub kind: Str<'a>,
    /// Holds the name the server generated.
    #[serde(borrow, default)]
    pub metadata: Obj<Meta<'a>>,
}

/// Object metadata.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta<'a> {
    /// The name.
    #[serde(borrow, default)]
    pub name: Str<'a>,
    /// The namespace.
    #[serde(borrow, default)]
    pub namespace: Str<'a>,
    /// The prefix the server completes into a name.
    #[serde(borrow, default)]
    pub generate_name: Str<'a>,
    /// The uid (the server's answer has it; a request rarely does).
    #[serde(borrow, default)]
    pub uid: Str<'a>,
    /// The objects this one belongs to; the one with `controller: true` made it.
    #[serde(borrow, default)]
    pub owner_references: List<Obj<OwnerReference<'a>>>,
}

/// One entry of `metadata.ownerReferences`.
#[derive(Debug, Default, Deserialize)]
pub struct OwnerReference<'a> {
    /// The owner's kind (`ReplicaSet`).
    #[serde(borrow, default)]
    pub kind: Str<'a>,
    /// The owner's name.
    #[serde(borrow, default)]
    pub name: Str<'a>,
    /// The owner's uid.
    #[serde(borrow, default)]
    pub uid: Str<'a>,
    /// `true` for the owner that manages this object (at most one).
    #[serde(default)]
    pub controller: Bool,
}

impl<'a> Meta<'a> {
    /// The controller owner reference: the first entry with `controller: true`.
    pub fn controller(&self) -> Option<&OwnerReference<'a>> {
        self.owner_references
            .get()?
            .iter()
            .filter_map(Obj::get)
            .find(|r| r.controller.0 == Some(true))
    }
}

/// A pod spec's three container lists.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec<'a> {
    /// `spec.containers`.
    #[serde(borrow, default)]
    pub containers: List<Obj<Container<'a>>>,
    /// `spec.initContainers`.
    #[serde(borrow, default)]
    pub init_containers: List<Obj<Container<'a>>>,
    /// `spec.ephemeralContainers`.
    #[serde(borrow, default)]
    pub ephemeral_containers: List<Obj<Container<'a>>>,
    /// A workload's pod template (Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs,
    /// ReplicationControllers); absent in a pod.
    #[serde(borrow, default)]
    pub template: Obj<Box<Template<'a>>>,
    /// A CronJob's job template; absent in a pod.
    #[serde(borrow, default)]
    pub job_template: Obj<Box<JobTemplate<'a>>>,
}

/// A pod template (`spec.template`).
#[derive(Debug, Default, Deserialize)]
pub struct Template<'a> {
    /// The template's pod spec.
    #[serde(borrow, default)]
    pub spec: Obj<TemplateSpec<'a>>,
}

/// A pod template's spec: the two container lists a template can set. (A separate type from
/// [`PodSpec`], so that no input can nest templates to any depth.)
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateSpec<'a> {
    /// `containers`.
    #[serde(borrow, default)]
    pub containers: List<Obj<Container<'a>>>,
    /// `initContainers`.
    #[serde(borrow, default)]
    pub init_containers: List<Obj<Container<'a>>>,
}

/// A CronJob's `spec.jobTemplate`.
#[derive(Debug, Default, Deserialize)]
pub struct JobTemplate<'a> {
    /// The job spec.
    #[serde(borrow, default)]
    pub spec: Obj<JobSpec<'a>>,
}

/// A job spec inside a CronJob's job template.
#[derive(Debug, Default, Deserialize)]
pub struct JobSpec<'a> {
    /// The job's pod template.
    #[serde(borrow, default)]
    pub template: Obj<Template<'a>>,
}

/// One container.
#[derive(Debug, Default, Deserialize)]
pub struct Container<'a> {
    /// The container's name.
    #[serde(borrow, default)]
    pub name: Str<'a>,
    /// The image, as written.
    #[serde(borrow, default)]
    pub image: Str<'a>,
}

/// Audit annotations.
#[derive(Debug, Default, Deserialize)]
pub struct Annotations<'a> {
    /// `"true"` when the API server dropped the request and response bodies for size.
    #[serde(borrow, default, rename = "audit.k8s.io/truncated")]
    pub truncated: Str<'a>,
}

impl<'a> AuditEvent<'a> {
    /// The request object's metadata, when the body is an object that has it.
    pub fn request_meta(&self) -> Option<&Meta<'a>> {
        self.request_object.object()?.metadata.get()
    }

    /// The response object's metadata, when it was logged.
    pub fn response_meta(&self) -> Option<&Meta<'a>> {
        self.response_object.get()?.metadata.get()
    }

    /// Is this an audit `Event` (not an `EventList`, not some other JSON object)? Kind `Event`
    /// alone is not enough: Kubernetes core Events (`v1`, `events.k8s.io/v1`: a pod pulled, a
    /// node rebooted) share it. An audit event's `apiVersion`, when it has one, is in the
    /// `audit.k8s.io` group, and it has at least one field only audit events have (`auditID`,
    /// `stage`, `verb`, `requestURI` or `level`).
    pub fn is_event(&self) -> bool {
        match self.kind.get() {
            Some(kind) => {
                let group_ok = match &self.api_version {
                    Str::Absent => true,
                    version => version
                        .get()
                        .is_some_and(|v| v.starts_with("audit.k8s.io/")),
                };
                kind == "Event"
                    && group_ok
                    && [
                        &self.audit_id,
                        &self.stage,
                        &self.verb,
                        &self.request_uri,
                        &self.level,
                    ]
                    .iter()
                    .any(|field| **field != Str::Absent)
            }
            None => self.verb.get().is_some(),
        }
    }

    /// Is this an `EventList` (a webhook batch)?
    pub fn is_list(&self) -> bool {
        self.kind.is("EventList") || (self.kind == Str::Absent && self.items.get().is_some())
    }

    /// `responseStatus.code`.
    pub fn status_code(&self) -> Option<i64> {
        self.response_status.get().and_then(|s| s.code.0)
    }

    /// Did the API server drop the bodies for size (`audit.k8s.io/truncated`)?
    pub fn is_truncated(&self) -> bool {
        self.annotations
            .get()
            .is_some_and(|a| a.truncated.is("true"))
    }
}

/// Why a line or document yielded no audit event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// Not valid JSON (the message is serde_json's, with its column).
    #[error("not valid JSON: {0}")]
    Json(String),
    /// Valid JSON, but not an object or array.
    #[error("not a JSON object")]
    NotAnObject,
    /// A JSON object or array, but no audit `Event` in it.
    #[error("not an audit event")]
    NotAnEvent,
    /// Part of a damaged line that could not be read (the message says which part, and what
    /// else on the line was read), or a line of nothing but NUL bytes.
    #[error("{0}")]
    Damaged(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects (verb, resource, images) of every event in `json`.
    fn events(json: &str) -> Result<Vec<String>, LineError> {
        let mut out = Vec::new();
        for_each_event(json.as_bytes(), &mut |ev| {
            let images: Vec<String> = ev
                .request_object
                .object()
                .and_then(|o| o.spec.get())
                .and_then(|s| s.containers.get())
                .unwrap_or(&[])
                .iter()
                .map(|c| {
                    c.get()
                        .and_then(|c| c.image.get())
                        .unwrap_or("?")
                        .to_owned()
                })
                .collect();
            let resource = ev.object_ref.get().and_then(|o| o.resource.get());
            out.push(format!(
                "{}:{}:{}",
                ev.verb.get().unwrap_or("-"),
                resource.unwrap_or("-"),
                images.join(",")
            ));
        })?;
        Ok(out)
    }

    const CREATE: &str = r#"{"kind":"Event","verb":"create","objectRef":{"resource":"pods"},"requestObject":{"spec":{"containers":[{"name":"a","image":"nginx"}]}}}"#;

    #[test]
    fn single_event_list_and_array() {
        assert_eq!(events(CREATE), Ok(vec!["create:pods:nginx".to_owned()]));
        let list = format!(
            r#"{{"kind":"EventList","items":[{CREATE},{{"kind":"Event","verb":"get"}},7]}}"#
        );
        assert_eq!(events(&list).map(|v| v.len()), Ok(2));
        let array = format!("[{CREATE}, {CREATE}]");
        assert_eq!(events(&array).map(|v| v.len()), Ok(2));
        assert_eq!(events(r#"{"kind":"EventList","items":[]}"#), Ok(vec![]));
    }

    #[test]
    fn not_events() {
        assert_eq!(
            events(r#"{"kind":"NotAnEvent"}"#),
            Err(LineError::NotAnEvent)
        );
        assert_eq!(events("[1,2]"), Err(LineError::NotAnEvent));
        assert_eq!(events(r#""just a string""#), Err(LineError::NotAnObject));
        assert_eq!(events("   "), Err(LineError::NotAnObject));
        assert!(matches!(events("hello"), Err(LineError::Json(_))));
        assert!(matches!(
            events(r#"{"kind":"Event","verb":"cre"#),
            Err(LineError::Json(_))
        ));
    }

    #[test]
    fn kubernetes_core_events_are_not_audit_events() {
        for json in [
            r#"{"kind":"Event","apiVersion":"v1","metadata":{"name":"web.1"},"involvedObject":{"kind":"Pod","name":"web"},"reason":"Pulled","message":"pulled nginx"}"#,
            r#"{"kind":"Event","apiVersion":"events.k8s.io/v1","regarding":{"kind":"Pod"},"reason":"Pulled","note":"pulled"}"#,
            r#"{"kind":"Event","apiVersion":"v1","verb":"create","objectRef":{"resource":"pods"}}"#,
            r#"{"kind":"Event","apiVersion":7,"verb":"create"}"#,
            r#"{"kind":"Event"}"#,
            r#"{"kind":"Event","reason":"Pulled"}"#,
        ] {
            assert_eq!(events(json), Err(LineError::NotAnEvent), "{json}");
        }
        for json in [
            r#"{"kind":"Event","verb":"get"}"#,
            r#"{"kind":"Event","level":"Metadata"}"#,
            r#"{"kind":"Event","auditID":"a"}"#,
            r#"{"kind":"Event","stage":"ResponseComplete"}"#,
            r#"{"kind":"Event","requestURI":"/api"}"#,
            r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"get"}"#,
            r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","level":"Request"}"#,
        ] {
            assert_eq!(events(json).map(|v| v.len()), Ok(1), "{json}");
        }
    }

    #[test]
    fn wrong_types_keep_the_event() {
        let json = r#"{"kind":"Event","verb":"create","objectRef":{"resource":"pods"},"requestObject":{"spec":{"containers":[{"image":7},"x"]}}}"#;
        assert_eq!(events(json), Ok(vec!["create:pods:?,?".to_owned()]));
        let json = r#"{"kind":"Event","verb":"create","objectRef":{"resource":"pods"},"requestObject":{"spec":null}}"#;
        assert_eq!(events(json), Ok(vec!["create:pods:".to_owned()]));
    }

    #[test]
    fn duplicate_keys_last_wins_like_go() {
        let json = r#"{"kind":"Event","verb":"create","objectRef":{"resource":"pods"},"requestObject":{"spec":{"containers":[{"image":"nginx","image":"evil"}]}}}"#;
        assert_eq!(events(json), Ok(vec!["create:pods:evil".to_owned()]));
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let mut bytes = CREATE.as_bytes().to_vec();
        let at = CREATE.find("nginx").expect("fixture has nginx") + 2;
        bytes[at] = 0xff;
        let mut images = Vec::new();
        let n = for_each_event(&bytes, &mut |ev| {
            let c = &ev
                .request_object
                .object()
                .and_then(|o| o.spec.get())
                .and_then(|s| s.containers.get())
                .expect("containers")[0];
            images.push(c.get().and_then(|c| c.image.get()).map(str::to_owned));
        });
        assert_eq!(n.map(|s| s.events), Ok(1));
        assert_eq!(images, vec![Some("ng\u{fffd}nx".to_owned())]);
    }

    #[test]
    fn escaped_strings_are_decoded() {
        let json = r#"{"kind":"Event","verb":"cr\u0065ate","objectRef":{"resource":"\u0070ods"}}"#;
        assert_eq!(events(json), Ok(vec!["create:pods:".to_owned()]));
    }
}
