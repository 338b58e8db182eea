//! Managed-cloud exports of audit events (docs/inputs.md, Managed-cloud exports): EKS
//! (CloudWatch Logs), AKS (diagnostic settings) and GKE (Cloud Logging).
//!
//! Each wraps or rewrites the API server's event differently:
//! * **EKS**: CloudWatch exports write `TIMESTAMP {event}` lines, or objects whose
//!   `logEvents[].message` (or `events[].message`) hold the event as a JSON string. CloudWatch cuts
//!   messages over 256 KB and appends `[Truncated...]`: such a message is counted, not parsed.
//! * **AKS**: records (`{"records":[…]}` batches, or one record) of category `kube-audit` or
//!   `kube-audit-admin` carry the event in `properties.log`, as a JSON string or an object; records
//!   of other categories (API server logs, …) are not audit events and are passed over.
//! * **GKE**: a Cloud Logging `LogEntry` whose `protoPayload` describes the request in Google's
//!   terms. [`from_gke`] maps it onto an [`AuditEvent`], so the verdict never knows the difference.
//!   What has no counterpart stays absent: there is no HTTP status (the outcome comes from the
//!   gRPC `status.code`), no stage (GKE logs completed requests), no impersonation field.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::lenient::nested;
use super::{AuditEvent, Body, Int, List, Obj, ObjectRef, ResponseObject, Str, User};

/// What CloudWatch appends to a message it cut short.
pub const TRUNCATED_SUFFIX: &str = "[Truncated...]";

/// An AKS record's `properties`.
#[derive(Debug, Default, Deserialize)]
pub struct AksProperties<'a> {
    /// The audit event, as a JSON string or an object.
    #[serde(borrow, default)]
    pub log: AksLog<'a>,
}

/// `properties.log`.
#[derive(Debug, Default)]
pub enum AksLog<'a> {
    /// Missing or null.
    #[default]
    Absent,
    /// The event as JSON text.
    Text(Cow<'a, str>),
    /// The event as an object.
    Event(Box<AuditEvent<'a>>),
    /// Anything else.
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for AksLog<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Visitor for [`AksLog`].
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = AksLog<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON string or object")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<AksLog<'a>, E> {
                Ok(AksLog::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AksLog<'a>, E> {
                Ok(AksLog::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<AksLog<'a>, E> {
                Ok(AksLog::Text(Cow::Owned(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<AksLog<'a>, A::Error> {
                nested(|| {
                    AuditEvent::deserialize(MapAccessDeserializer::new(map))
                        .map(|ev| AksLog::Event(Box::new(ev)))
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AksLog<'a>, A::Error> {
                nested(|| {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(AksLog::Other)
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<AksLog<'a>, E> {
                Ok(AksLog::Absent)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<AksLog<'a>, E> {
                Ok(AksLog::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<AksLog<'a>, E> {
                Ok(AksLog::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<AksLog<'a>, E> {
                Ok(AksLog::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<AksLog<'a>, E> {
                Ok(AksLog::Other)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Is this AKS record category one that carries audit events?
pub fn is_audit_category(category: &str) -> bool {
    matches!(category, "kube-audit" | "kube-audit-admin")
}

/// One CloudWatch log event.
#[derive(Debug, Default, Deserialize)]
pub struct CloudWatchEvent<'a> {
    /// The audit event as JSON text.
    #[serde(borrow, default)]
    pub message: Str<'a>,
}

/// GKE's `protoPayload` (a `google.cloud.audit.AuditLog`), the fields that map onto an event.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GkePayload<'a> {
    /// `io.k8s.core.v1.pods.create` and the like.
    #[serde(borrow, default)]
    pub method_name: Str<'a>,
    /// `core/v1/namespaces/NS/pods/NAME`.
    #[serde(borrow, default)]
    pub resource_name: Str<'a>,
    /// Who.
    #[serde(borrow, default)]
    pub authentication_info: Obj<GkeAuthentication<'a>>,
    /// From where.
    #[serde(borrow, default)]
    pub request_metadata: Obj<GkeRequestMetadata<'a>>,
    /// The request body (a Pod, a patch, …).
    #[serde(borrow, default)]
    pub request: Body<'a>,
    /// The response body.
    #[serde(borrow, default)]
    pub response: Obj<ResponseObject<'a>>,
    /// The gRPC status; code 0 is OK.
    #[serde(default)]
    pub status: Obj<GkeStatus>,
}

/// `protoPayload.authenticationInfo`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GkeAuthentication<'a> {
    /// The user.
    #[serde(borrow, default)]
    pub principal_email: Str<'a>,
}

/// `protoPayload.requestMetadata`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GkeRequestMetadata<'a> {
    /// The client address.
    #[serde(borrow, default)]
    pub caller_ip: Str<'a>,
    /// The client's user agent.
    #[serde(borrow, default)]
    pub caller_supplied_user_agent: Str<'a>,
}

/// `protoPayload.status`.
#[derive(Debug, Default, Deserialize)]
pub struct GkeStatus {
    /// The gRPC code.
    #[serde(default)]
    pub code: Int,
}

/// A `LogEntry`'s `operation`: its `id` is the API server's audit ID.
#[derive(Debug, Default, Deserialize)]
pub struct Operation<'a> {
    /// The audit ID.
    #[serde(borrow, default)]
    pub id: Str<'a>,
}

/// Maps a GKE log entry onto an audit event. `entry` is the top-level object holding
/// `protoPayload`, `timestamp` and `operation`; its payload is moved out.
pub fn from_gke<'a>(entry: &mut AuditEvent<'a>) -> Option<AuditEvent<'a>> {
    let Obj::Map(payload) = std::mem::take(&mut entry.proto_payload) else {
        return None;
    };
    let method = payload.method_name.get()?;
    let (resource, subresource, verb) = split_method(method)?;
    let (namespace, name) = payload
        .resource_name
        .get()
        .map_or((None, None), |n| split_resource_name(n, resource));
    let owned = |s: Option<&str>| s.map_or(Str::Absent, |s| Str::Text(Cow::Owned(s.to_owned())));
    let audit_id = match std::mem::take(&mut entry.operation) {
        Obj::Map(op) if op.id.get().is_some() => op.id,
        _ => std::mem::take(&mut entry.insert_id),
    };
    let meta = payload.request_metadata.get();
    Some(AuditEvent {
        kind: Str::Text(Cow::Borrowed("Event")),
        audit_id,
        verb: owned(Some(verb)),
        user: match payload.authentication_info {
            Obj::Map(auth) => Obj::Map(User {
                username: auth.principal_email,
            }),
            _ => Obj::Absent,
        },
        source_ips: meta
            .and_then(|m| m.caller_ip.get())
            .map_or(List::Absent, |ip| List::Items(vec![owned(Some(ip))])),
        user_agent: owned(meta.and_then(|m| m.caller_supplied_user_agent.get())),
        object_ref: Obj::Map(ObjectRef {
            resource: owned(Some(resource)),
            namespace: owned(namespace),
            name: owned(name),
            subresource: owned(subresource),
            uid: Str::Absent,
        }),
        request_object: payload.request,
        response_object: payload.response,
        timestamp: std::mem::take(&mut entry.timestamp),
        grpc_code: Some(payload.status.get().and_then(|s| s.code.0).unwrap_or(0)),
        ..AuditEvent::default()
    })
}

/// `io.k8s.core.v1.pods.ephemeralcontainers.patch` → (`pods`, `ephemeralcontainers`, `patch`);
/// `io.k8s.apps.v1.deployments.create` → (`deployments`, none, `create`). Only the API groups
/// of pods and of the workloads that own them are mapped (core, `apps`, `batch`): a resource of
/// another group that happens to be called `pods` is not a pod.
fn split_method(method: &str) -> Option<(&str, Option<&str>, &str)> {
    let rest = method.strip_prefix("io.k8s.")?;
    let (group, rest) = rest.split_once('.')?;
    if !matches!(group, "core" | "apps" | "batch") {
        return None;
    }
    let (_version, rest) = rest.split_once('.')?;
    let mut parts: Vec<&str> = rest.split('.').collect();
    let verb = parts.pop()?;
    match parts.as_slice() {
        [resource] => Some((resource, None, verb)),
        [resource, subresource] => Some((resource, Some(subresource), verb)),
        _ => None,
    }
}

/// `core/v1/namespaces/NS/pods/NAME[/SUB]` → (namespace, name), for the `resource` the method
/// names (`apps/v1/namespaces/NS/deployments/NAME` for `deployments`).
fn split_resource_name<'n>(name: &'n str, resource: &str) -> (Option<&'n str>, Option<&'n str>) {
    let parts: Vec<&str> = name.split('/').collect();
    let namespace = parts
        .iter()
        .position(|p| *p == "namespaces")
        .and_then(|i| parts.get(i + 1).copied());
    let object = parts
        .iter()
        .position(|p| *p == resource)
        .and_then(|i| parts.get(i + 1).copied());
    (namespace, object)
}

/// Splits an EKS `TIMESTAMP {event}` line into the event text, when it has that shape: a first
/// token that starts with a digit and contains no `{`, then a space and a `{`.
pub fn strip_timestamp(line: &[u8]) -> Option<&[u8]> {
    let line = line.trim_ascii_start();
    if !line.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let space = memchr::memchr(b' ', line)?;
    if line[..space].contains(&b'{') {
        return None;
    }
    let rest = line[space..].trim_ascii_start();
    rest.starts_with(b"{").then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gke_methods_and_resource_names() {
        assert_eq!(
            split_method("io.k8s.core.v1.pods.create"),
            Some(("pods", None, "create"))
        );
        assert_eq!(
            split_method("io.k8s.core.v1.pods.ephemeralcontainers.patch"),
            Some(("pods", Some("ephemeralcontainers"), "patch"))
        );
        assert_eq!(
            split_method("io.k8s.apps.v1.deployments.create"),
            Some(("deployments", None, "create"))
        );
        assert_eq!(
            split_method("io.k8s.batch.v1.cronjobs.patch"),
            Some(("cronjobs", None, "patch"))
        );
        assert_eq!(
            split_method("io.k8s.apps.v1.deployments.scale.update"),
            Some(("deployments", Some("scale"), "update"))
        );
        assert_eq!(split_method("io.k8s.metrics.v1beta1.pods.create"), None);
        assert_eq!(split_method("io.k8s.core.v1"), None);
        assert_eq!(split_method("io.k8s.core.v1.pods"), None);
        assert_eq!(
            split_resource_name("core/v1/namespaces/ns1/pods/web-1", "pods"),
            (Some("ns1"), Some("web-1"))
        );
        assert_eq!(
            split_resource_name("core/v1/namespaces/ns1/pods", "pods"),
            (Some("ns1"), None)
        );
        assert_eq!(
            split_resource_name("apps/v1/namespaces/shop/deployments/web", "deployments"),
            (Some("shop"), Some("web"))
        );
    }

    #[test]
    fn eks_timestamp_prefix() {
        assert_eq!(
            strip_timestamp(b"2026-03-01T10:00:00.000Z {\"a\":1}"),
            Some(&b"{\"a\":1}"[..])
        );
        assert_eq!(
            strip_timestamp(b"1714000000000 {\"a\":1}"),
            Some(&b"{\"a\":1}"[..])
        );
        assert_eq!(strip_timestamp(b"{\"a\":1}"), None);
        assert_eq!(strip_timestamp(b"2026-03-01 AUDIT: id=\"x\""), None);
        assert_eq!(strip_timestamp(b"12{ {"), None);
    }
}
