//! The verdict on one pod request, and the finding it becomes (SPEC §4.4, §7).
//!
//! [`judge`] reads a borrowed [`AuditEvent`] that [`AuditEvent::pod_action`] selected, checks every
//! image against the [`Allowlist`], and returns an owned [`Finding`] only when something is not
//! allowed. It copies strings only then, so allowed requests cost no allocation beyond the image
//! parse.

use serde::Serialize;

use crate::allow::Allowlist;
pub use crate::event::ContainerKind;
use crate::event::{Action, AuditEvent, Requested, Semantics, Str, request};
use crate::filter::{Scope, Subject};
use crate::image::ImageRef;

/// Everything that decides a verdict: the allowlist, how unqualified images resolve, and whose
/// rules apply.
#[derive(Debug)]
pub struct Policy {
    /// The compiled allowlist.
    pub allowlist: Allowlist,
    /// The registry unqualified names resolve to (`--default-registry`).
    pub default_registry: String,
    /// This tool's rules (SPEC §4) or Falco's (§8).
    pub mode: Mode,
    /// Which requests are reported (`--since`, `--namespace`, …) and whether accepted ones are
    /// collected (`--suggest-allowlist`).
    pub scope: Scope,
}

/// Whose rules select and judge events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// SPEC §4: pod creates and the other ways a pod gets an image, normalized images, globs.
    #[default]
    Default,
    /// SPEC §8 (`--falco`): exactly Falco's *Create Disallowed Pod*.
    Falco,
}

impl Policy {
    /// The verdict on one event: `None` when the rules do not consider it at all, `Some(None)`
    /// when it is a pod request whose images are allowed, `Some(Some(finding))` otherwise.
    pub fn consider(&self, ev: &AuditEvent<'_>) -> Option<Option<Finding>> {
        match self.mode {
            Mode::Default => ev.pod_action().and_then(|action| judge(ev, action, self)),
            Mode::Falco => crate::falco::consider(ev, self),
        }
    }
}

/// A pod request whose images are not all allowed (§7). Every key is always serialized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The input the chosen event came from (`-` for stdin).
    pub file: String,
    /// The 1-based line of the chosen event (the first line of a multi-line document).
    pub line: u64,
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
    /// The pod's name, from the response when the server generated it.
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
}

/// One container of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContainerVerdict {
    /// The container's name.
    pub name: Option<String>,
    /// Which list it came from.
    pub kind: ContainerKind,
    /// The image as written; `null` when the container has no string `image`.
    pub image: Option<String>,
    /// The normalized reference (§5); `null` when the image is missing or invalid.
    pub reference: Option<String>,
    /// Whether the allowlist allows it.
    pub allowed: bool,
}

/// What the API server did with the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
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

/// Judges one pod request: `None` when the rules do not consider it (an image change whose body
/// sets no image, or was not logged), `Some(None)` when every image is allowed.
pub fn judge(ev: &AuditEvent<'_>, action: Action, policy: &Policy) -> Option<Option<Finding>> {
    let namespace = namespace(ev);
    let requested = if ev.is_truncated() {
        None
    } else {
        request::requested(&ev.request_object, action.semantics())
    };
    if action.semantics() == Semantics::Change
        && requested
            .as_ref()
            .is_none_or(|r| r.containers.is_empty() && r.complete)
    {
        // Not an image change: no body logged, or a body that touches no image.
        return None;
    }
    let complete = requested.as_ref().is_some_and(|r| r.complete);
    let verdicts = requested.map(|r| verdicts(&r.containers, namespace, policy));
    let list = verdicts.as_deref().unwrap_or_default();
    let disallowed = disallowed_images(list);
    let reason = if !disallowed.is_empty() {
        Reason::DisallowedImage
    } else if !complete || list.is_empty() {
        Reason::ImagesUnknown
    } else {
        return Some(None);
    };
    Some(Some(finding(
        ev, action, namespace, reason, verdicts, disallowed,
    )))
}

/// The §7 `namespace`: `objectRef.namespace`, else `requestObject.metadata.namespace`.
pub(crate) fn namespace<'e>(ev: &'e AuditEvent<'_>) -> Option<&'e str> {
    ev.object_ref
        .get()
        .and_then(|o| o.namespace.get())
        .or_else(|| {
            ev.request_object
                .object()
                .and_then(|r| r.metadata.get())
                .and_then(|m| m.namespace.get())
        })
}

/// The §7 `time`: `stageTimestamp`, else `requestReceivedTimestamp`, else `timestamp`.
pub(crate) fn time<'e>(ev: &'e AuditEvent<'_>) -> Option<&'e str> {
    ev.stage_timestamp
        .get()
        .or_else(|| ev.request_received_timestamp.get())
        .or_else(|| ev.timestamp.get())
}

/// What the scope filter reads of an event (the fields its finding would have).
pub(crate) fn subject<'e>(ev: &'e AuditEvent<'_>) -> Subject<'e> {
    Subject {
        time: time(ev),
        namespace: namespace(ev),
        user: ev.user.get().and_then(|u| u.username.get()),
        impersonated_user: ev.impersonated_user.get().and_then(|u| u.username.get()),
    }
}

impl Finding {
    /// What the scope filter reads of this finding.
    pub fn subject(&self) -> Subject<'_> {
        Subject {
            time: self.time.as_deref(),
            namespace: self.namespace.as_deref(),
            user: self.user.as_deref(),
            impersonated_user: self.impersonated_user.as_deref(),
        }
    }
}

/// Builds the owned finding.
fn finding(
    ev: &AuditEvent<'_>,
    action: Action,
    namespace: Option<&str>,
    reason: Reason,
    containers: Option<Vec<ContainerVerdict>>,
    disallowed_images: Vec<String>,
) -> Finding {
    let request_meta = ev.request_object.object().and_then(|r| r.metadata.get());
    let response_name = ev
        .response_object
        .get()
        .filter(|r| r.kind.is("Pod"))
        .and_then(|r| r.metadata.get())
        .and_then(|m| m.name.get());
    let pod = response_name
        .or_else(|| request_meta.and_then(|m| m.name.get()))
        .or_else(|| ev.object_ref.get().and_then(|o| o.name.get()));
    let time = time(ev);
    let status_code = ev.status_code();
    Finding {
        file: String::new(),
        line: 0,
        audit_id: ev.audit_id.to_owned_string(),
        time: time.map(str::to_owned),
        stage: ev.stage.to_owned_string(),
        action,
        namespace: namespace.map(str::to_owned),
        pod: pod.map(str::to_owned),
        generate_name: request_meta.and_then(|m| m.generate_name.to_owned_string()),
        user: ev.user.get().and_then(|u| u.username.to_owned_string()),
        impersonated_user: ev
            .impersonated_user
            .get()
            .and_then(|u| u.username.to_owned_string()),
        source_ips: ev
            .source_ips
            .get()
            .map(|ips| ips.iter().filter_map(Str::to_owned_string).collect()),
        user_agent: ev.user_agent.to_owned_string(),
        status_code,
        outcome: Outcome::of(ev.request_uri.get(), status_code, ev.grpc_code),
        reason,
        images: containers
            .as_ref()
            .map(|list| list.iter().filter_map(|c| c.image.clone()).collect()),
        disallowed_images,
        containers,
    }
}

/// Judges every requested container, in request order.
fn verdicts(
    requested: &[Requested<'_>],
    namespace: Option<&str>,
    policy: &Policy,
) -> Vec<ContainerVerdict> {
    requested
        .iter()
        .map(|c| {
            let image = c.image.as_deref();
            let parsed = image.and_then(|i| ImageRef::parse(i, &policy.default_registry).ok());
            let allowed = parsed
                .as_ref()
                .is_some_and(|r| policy.allowlist.allows(r, namespace).is_some());
            ContainerVerdict {
                name: c.name.as_deref().map(str::to_owned),
                kind: c.kind,
                image: image.map(str::to_owned),
                reference: parsed.map(|r| r.to_string()),
                allowed,
            }
        })
        .collect()
}

/// The images that are present and not allowed, in order, without repeats.
fn disallowed_images(containers: &[ContainerVerdict]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in containers.iter().filter(|c| !c.allowed) {
        if let Some(image) = &c.image
            && !out.contains(image)
        {
            out.push(image.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::for_each_event;

    fn policy(yaml: &str) -> Policy {
        Policy {
            allowlist: Allowlist::parse(yaml, "test.yaml", "docker.io").expect("valid allowlist"),
            default_registry: "docker.io".to_owned(),
            mode: Mode::Default,
            scope: Scope::default(),
        }
    }

    /// Judges the single event in `json`.
    fn verdict(json: &str, policy: &Policy) -> Option<Finding> {
        let mut out = None;
        for_each_event(json.as_bytes(), &mut |ev| {
            let action = ev.pod_action().expect("a pod create");
            out = judge(ev, action, policy).expect("a pod create is always considered");
        })
        .expect("valid event");
        out
    }

    fn create(spec: &str, extra: &str) -> String {
        format!(
            r#"{{"kind":"Event","verb":"create","auditID":"a1","stage":"ResponseComplete","objectRef":{{"resource":"pods","namespace":"ns1"}},"requestObject":{{"metadata":{{"generateName":"web-"}},"spec":{spec}}}{extra}}}"#
        )
    }

    #[test]
    fn allowed_pod_is_not_a_finding() {
        let p = policy("[nginx, quay.io/]");
        let json = create(
            r#"{"containers":[{"name":"a","image":"nginx:1.25"}],"initContainers":[{"name":"i","image":"quay.io/x/y"}]}"#,
            "",
        );
        assert_eq!(verdict(&json, &p), None);
    }

    #[test]
    fn disallowed_images_in_order_without_repeats() {
        let p = policy("[nginx]");
        let spec = r#"{"containers":[{"name":"a","image":"evil"},{"name":"b","image":"nginx"},{"name":"c","image":"evil"}],"initContainers":[{"name":"i","image":"Bad Ref"}],"ephemeralContainers":[{"name":"e","image":"busybox"}]}"#;
        let f = verdict(&create(spec, ""), &p).expect("a finding");
        assert_eq!(f.reason, Reason::DisallowedImage);
        let images = f.images.expect("images known");
        assert_eq!(images, ["evil", "nginx", "evil", "Bad Ref", "busybox"]);
        assert_eq!(f.disallowed_images, ["evil", "Bad Ref", "busybox"]);
        let containers = f.containers.expect("containers known");
        let kinds: Vec<_> = containers.iter().map(|c| c.kind).collect();
        let (main, init, eph) = (
            ContainerKind::Container,
            ContainerKind::Init,
            ContainerKind::Ephemeral,
        );
        assert_eq!(kinds, [main, main, main, init, eph]);
        assert_eq!(containers[3].reference, None);
        assert_eq!(
            containers[1].reference.as_deref(),
            Some("docker.io/library/nginx:latest")
        );
        assert!(containers[1].allowed);
    }

    #[test]
    fn undeterminable_images_are_images_unknown() {
        let p = policy("[nginx]");
        for spec in [
            r#"{"containers":[]}"#,
            r#"{"containers":[{"name":"a"}]}"#,
            r#"{"containers":[{"name":"a","image":7}]}"#,
            r#"{"containers":"x"}"#,
            r#"{"containers":["x"]}"#,
            r#"{"containers":[{"name":"a","image":"nginx"}],"initContainers":{}}"#,
            "null",
            "{}",
        ] {
            let f = verdict(&create(spec, ""), &p);
            assert_eq!(f.map(|f| f.reason), Some(Reason::ImagesUnknown), "{spec}");
        }
        let metadata_level = r#"{"kind":"Event","verb":"create","objectRef":{"resource":"pods"}}"#;
        assert_eq!(
            verdict(metadata_level, &p).map(|f| f.reason),
            Some(Reason::ImagesUnknown)
        );
        let truncated = create(
            r#"{"containers":[{"image":"nginx"}]}"#,
            r#","annotations":{"audit.k8s.io/truncated":"true"}"#,
        );
        assert_eq!(
            verdict(&truncated, &p).map(|f| f.reason),
            Some(Reason::ImagesUnknown)
        );
    }

    #[test]
    fn a_known_bad_image_outranks_an_unknown_one() {
        let p = policy("[nginx]");
        let spec = r#"{"containers":[{"name":"a"},{"name":"b","image":"evil"}]}"#;
        assert_eq!(
            verdict(&create(spec, ""), &p).map(|f| f.reason),
            Some(Reason::DisallowedImage)
        );
    }

    #[test]
    fn fields_come_from_the_documented_places() {
        let p = policy("[]");
        let extra = r#","stageTimestamp":"T2","requestReceivedTimestamp":"T1","user":{"username":"alice"},"impersonatedUser":{"username":"bob"},"sourceIPs":["10.0.0.1"],"userAgent":"kubectl","responseStatus":{"code":201},"responseObject":{"kind":"Pod","metadata":{"name":"web-x1"}},"requestURI":"/api/v1/namespaces/ns1/pods""#;
        let f = verdict(
            &create(r#"{"containers":[{"name":"a","image":"nginx"}]}"#, extra),
            &p,
        )
        .expect("finding");
        assert_eq!(f.time.as_deref(), Some("T2"));
        assert_eq!(f.pod.as_deref(), Some("web-x1"));
        assert_eq!(f.generate_name.as_deref(), Some("web-"));
        assert_eq!(f.namespace.as_deref(), Some("ns1"));
        assert_eq!(f.user.as_deref(), Some("alice"));
        assert_eq!(f.impersonated_user.as_deref(), Some("bob"));
        assert_eq!(f.source_ips, Some(vec!["10.0.0.1".to_owned()]));
        assert_eq!(f.status_code, Some(201));
        assert_eq!(f.outcome, Outcome::Created);
        assert_eq!(f.audit_id.as_deref(), Some("a1"));
    }

    #[test]
    fn image_changes_are_considered_only_when_they_set_an_image() {
        let p = policy("[nginx]");
        let judge_patch = |body: &str, level_has_body: bool| {
            let body = if level_has_body {
                format!(r#","requestObject":{body}"#)
            } else {
                String::new()
            };
            let json = format!(
                r#"{{"kind":"Event","verb":"patch","objectRef":{{"resource":"pods","name":"p"}},"responseStatus":{{"code":200}}{body}}}"#
            );
            let mut out = None;
            for_each_event(json.as_bytes(), &mut |ev| out = Some(p.consider(ev))).expect("valid");
            out.expect("one event")
        };
        assert_eq!(
            judge_patch(r#"{"metadata":{"labels":{"a":"b"}}}"#, true),
            None
        );
        assert_eq!(
            judge_patch("", false),
            None,
            "a Metadata-level patch shows no body"
        );
        assert_eq!(
            judge_patch(
                r#"{"spec":{"containers":[{"name":"c","image":"nginx:2"}]}}"#,
                true
            ),
            Some(None)
        );
        let bad = judge_patch(
            r#"[{"op":"replace","path":"/spec/containers/0/image","value":"evil"}]"#,
            true,
        );
        let bad = bad.flatten().expect("a finding");
        assert_eq!(
            (bad.action, bad.reason),
            (Action::ImageChange, Reason::DisallowedImage)
        );
        assert_eq!(bad.disallowed_images, ["evil"]);
    }

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

    #[test]
    fn namespace_specific_allows() {
        let p = policy("images: []\nnamespaces:\n  kube-system: [quay.io/cilium/]\n");
        let spec = r#"{"containers":[{"name":"a","image":"quay.io/cilium/cilium:v1"}]}"#;
        let in_ns1 = create(spec, "");
        assert!(verdict(&in_ns1, &p).is_some());
        let in_kube_system = in_ns1.replace("\"ns1\"", "\"kube-system\"");
        assert_eq!(verdict(&in_kube_system, &p), None);
    }
}
