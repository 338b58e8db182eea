//! Test support in one place: the policies and audit-event lines unit tests are built from.
//!
//! [`policy`] and [`policy_of`] start a [`PolicyBuilder`] (this tool's rules, the scope that
//! admits everything, `docker.io` as the default registry) that a test changes only where it
//! matters. [`pod_create`] starts an [`EventLine`]: one audit event as a JSON line, with its
//! fields in the order the API server writes them, so the scan's fast path sees what it sees in
//! real logs. Values are spliced in as written, not escaped: strings are JSON string contents (a
//! test can write `\u0041` or a lone surrogate), and [`EventLine::spec`], [`EventLine::body`] and
//! [`EventLine::extra`] take raw JSON.

use std::fmt::Write as _;

use crate::allow::Allowlist;
use crate::filter::{Filter, Scope};
use crate::rules::{Mode, Policy};

/// A [`Policy`] under construction.
#[derive(Debug, Clone)]
pub(crate) struct PolicyBuilder {
    /// The allowlist file's text.
    allowlist: String,
    /// `--default-registry`.
    registry: String,
    /// Whose rules apply.
    mode: Mode,
    /// `--workloads`.
    workloads: bool,
    /// The scope.
    scope: Scope,
}

/// A policy with the allowlist `yaml` (any form the allowlist file takes).
pub(crate) fn policy(yaml: &str) -> PolicyBuilder {
    PolicyBuilder {
        allowlist: yaml.to_owned(),
        registry: "docker.io".to_owned(),
        mode: Mode::Default,
        workloads: false,
        scope: Scope::default(),
    }
}

/// A policy whose allowlist is the bare list `patterns`, each written as a JSON string (so any
/// text is one pattern, as Falco's literal repositories are).
pub(crate) fn policy_of(patterns: &[&str]) -> PolicyBuilder {
    policy(&serde_json::to_string(patterns).expect("a JSON list is YAML"))
}

impl PolicyBuilder {
    /// Falco's rules instead of this tool's.
    pub(crate) fn falco(self) -> Self {
        self.mode(Mode::Falco)
    }

    /// Workload requests judged by their pod templates too (`--workloads`).
    pub(crate) fn workloads(mut self) -> Self {
        self.workloads = true;
        self
    }

    /// Whose rules apply.
    pub(crate) fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The registry unqualified images resolve to.
    pub(crate) fn registry(mut self, registry: &str) -> Self {
        registry.clone_into(&mut self.registry);
        self
    }

    /// The `--since`/`--until`/`--namespace`/`--user` filter.
    pub(crate) fn filter(mut self, filter: Filter) -> Self {
        self.scope.filter = filter;
        self
    }

    /// Collect the accepted requests (`--suggest-allowlist`).
    pub(crate) fn collect_accepted(mut self) -> Self {
        self.scope.collect_accepted = true;
        self
    }

    /// The policy; panics when the allowlist is not valid.
    pub(crate) fn build(self) -> Policy {
        Policy {
            allowlist: Allowlist::parse(&self.allowlist, "test.yaml", &self.registry)
                .expect("valid allowlist"),
            default_registry: self.registry,
            mode: self.mode,
            workloads: self.workloads,
            scope: self.scope,
        }
    }
}

/// One audit event under construction, written as a JSON line by [`EventLine::line`].
#[derive(Debug, Clone, Default)]
pub(crate) struct EventLine {
    /// Write `apiVersion` and `level` as the API server does.
    api_server: bool,
    /// `auditID`.
    audit_id: Option<String>,
    /// `stage`.
    stage: Option<String>,
    /// `requestURI`.
    request_uri: Option<String>,
    /// `verb`.
    verb: String,
    /// `user.username`.
    user: Option<String>,
    /// `objectRef.resource`.
    resource: String,
    /// `objectRef.namespace`.
    namespace: Option<String>,
    /// `objectRef.name`.
    name: Option<String>,
    /// `objectRef.subresource`.
    subresource: Option<String>,
    /// `responseStatus.code`.
    status: Option<u16>,
    /// `requestObject.metadata.generateName`.
    generate_name: Option<String>,
    /// The images of `requestObject.spec.containers`, one container each.
    images: Vec<String>,
    /// `requestObject.spec`, raw, instead of one built from the images.
    spec: Option<String>,
    /// `requestObject`, raw, instead of one built from the spec.
    body: Option<String>,
    /// `stageTimestamp`.
    stage_timestamp: Option<String>,
    /// Raw text spliced in before the closing brace (`,"key":value…`).
    extra: String,
}

/// A `create` of `pods`, with nothing else set: no stage, no audit ID and no request body until
/// the test adds them.
pub(crate) fn pod_create() -> EventLine {
    EventLine {
        verb: "create".to_owned(),
        resource: "pods".to_owned(),
        ..EventLine::default()
    }
}

/// Sets an optional string field.
fn set(field: &mut Option<String>, value: &str) {
    *field = Some(value.to_owned());
}

impl EventLine {
    /// Writes `apiVersion` and `level` (`Request`), as the API server does.
    pub(crate) fn api_server(mut self) -> Self {
        self.api_server = true;
        self
    }

    /// `auditID`.
    pub(crate) fn audit_id(mut self, id: &str) -> Self {
        set(&mut self.audit_id, id);
        self
    }

    /// `stage`.
    pub(crate) fn stage(mut self, stage: &str) -> Self {
        set(&mut self.stage, stage);
        self
    }

    /// `stage` `ResponseComplete`.
    pub(crate) fn complete(self) -> Self {
        self.stage("ResponseComplete")
    }

    /// `requestURI`.
    pub(crate) fn uri(mut self, uri: &str) -> Self {
        set(&mut self.request_uri, uri);
        self
    }

    /// `verb`.
    pub(crate) fn verb(mut self, verb: &str) -> Self {
        verb.clone_into(&mut self.verb);
        self
    }

    /// `user.username`.
    pub(crate) fn user(mut self, user: &str) -> Self {
        set(&mut self.user, user);
        self
    }

    /// `objectRef.resource`.
    pub(crate) fn resource(mut self, resource: &str) -> Self {
        resource.clone_into(&mut self.resource);
        self
    }

    /// `objectRef.namespace`.
    pub(crate) fn namespace(mut self, namespace: &str) -> Self {
        set(&mut self.namespace, namespace);
        self
    }

    /// `objectRef.name`.
    pub(crate) fn name(mut self, name: &str) -> Self {
        set(&mut self.name, name);
        self
    }

    /// `objectRef.subresource`.
    pub(crate) fn subresource(mut self, subresource: &str) -> Self {
        set(&mut self.subresource, subresource);
        self
    }

    /// `responseStatus.code`.
    pub(crate) fn status(mut self, code: u16) -> Self {
        self.status = Some(code);
        self
    }

    /// `requestObject.metadata.generateName`.
    pub(crate) fn generate_name(mut self, prefix: &str) -> Self {
        set(&mut self.generate_name, prefix);
        self
    }

    /// Adds a container running `image` to `requestObject.spec.containers`.
    pub(crate) fn image(mut self, image: &str) -> Self {
        self.images.push(image.to_owned());
        self
    }

    /// Adds a container for each of `images`.
    pub(crate) fn images(self, images: &[&str]) -> Self {
        images.iter().fold(self, |line, image| line.image(image))
    }

    /// `requestObject.spec`, raw JSON.
    pub(crate) fn spec(mut self, spec: &str) -> Self {
        set(&mut self.spec, spec);
        self
    }

    /// `requestObject`, raw JSON.
    pub(crate) fn body(mut self, body: &str) -> Self {
        set(&mut self.body, body);
        self
    }

    /// `stageTimestamp`.
    pub(crate) fn time(mut self, time: &str) -> Self {
        set(&mut self.stage_timestamp, time);
        self
    }

    /// Raw text spliced in before the closing brace, e.g. `,"userAgent":"kubectl"`.
    pub(crate) fn extra(mut self, extra: &str) -> Self {
        self.extra.push_str(extra);
        self
    }

    /// The event as one JSON line (without the newline).
    pub(crate) fn line(&self) -> String {
        let mut out = String::from(r#"{"kind":"Event""#);
        let mut field = |key: &str, value: Option<&str>| {
            if let Some(value) = value {
                write!(out, r#","{key}":"{value}""#).expect("writing to a String");
            }
        };
        if self.api_server {
            field("apiVersion", Some("audit.k8s.io/v1"));
            field("level", Some("Request"));
        }
        field("auditID", self.audit_id.as_deref());
        field("stage", self.stage.as_deref());
        field("requestURI", self.request_uri.as_deref());
        field("verb", Some(&self.verb));
        if let Some(user) = &self.user {
            write!(out, r#","user":{{"username":"{user}"}}"#).expect("writing to a String");
        }
        write!(out, r#","objectRef":{{"resource":"{}""#, self.resource).expect("writing");
        for (key, value) in [
            ("namespace", &self.namespace),
            ("name", &self.name),
            ("subresource", &self.subresource),
        ] {
            if let Some(value) = value {
                write!(out, r#","{key}":"{value}""#).expect("writing to a String");
            }
        }
        out.push('}');
        if let Some(code) = self.status {
            write!(out, r#","responseStatus":{{"code":{code}}}"#).expect("writing to a String");
        }
        if let Some(body) = self.request_object() {
            write!(out, r#","requestObject":{body}"#).expect("writing to a String");
        }
        if let Some(time) = &self.stage_timestamp {
            write!(out, r#","stageTimestamp":"{time}""#).expect("writing to a String");
        }
        out.push_str(&self.extra);
        out.push('}');
        out
    }

    /// `requestObject`: the raw body, else a Pod built from the spec or the images, else none
    /// (as at level `Metadata`).
    fn request_object(&self) -> Option<String> {
        if let Some(body) = &self.body {
            return Some(body.clone());
        }
        let spec = self.spec.clone().or_else(|| {
            (!self.images.is_empty()).then(|| {
                let containers: Vec<String> = (self.images.iter().enumerate())
                    .map(|(i, image)| format!(r#"{{"name":"c{i}","image":"{image}"}}"#))
                    .collect();
                format!(r#"{{"containers":[{}]}}"#, containers.join(","))
            })
        });
        if spec.is_none() && self.generate_name.is_none() {
            return None;
        }
        let mut body = String::from(r#"{"kind":"Pod""#);
        if let Some(prefix) = &self.generate_name {
            write!(body, r#","metadata":{{"generateName":"{prefix}"}}"#).expect("writing");
        }
        if let Some(spec) = spec {
            write!(body, r#","spec":{spec}"#).expect("writing to a String");
        }
        body.push('}');
        Some(body)
    }
}
