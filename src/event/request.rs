//! What a request asks for: its body, and the container images the body sets (docs/events.md).
//!
//! A pod request's `requestObject` takes three shapes:
//! * a Pod (`create`, `update`, server-side apply), or the old `EphemeralContainers` object that
//!   `kubectl debug` sent before Kubernetes 1.22 (images at the top level);
//! * a strategic-merge or JSON merge patch, which looks like a partial Pod
//!   (`{"spec":{"containers":[{"name":"c","image":"x"}]}}`, what `kubectl set image` sends);
//! * a JSON patch, an array of operations (`kubectl patch --type=json`).
//!
//! A workload request (a Deployment, a CronJob, …) takes the same three shapes around the pod
//! template, which sits at `spec.template.spec` (`spec.jobTemplate.spec.template.spec` in a
//! CronJob): [`requested_at`] reads the same shapes at the pod spec's place ([`SpecAt`]), so a
//! JSON patch path is `/spec/template/spec/containers/N/image` instead of
//! `/spec/containers/N/image`. A template holds `containers` and `initContainers` only.
//!
//! [`requested`] turns any of them into the list of containers whose image the request sets. For
//! pod-creating requests every container must name its image ([`Semantics::Create`]); a patch only
//! mentions the containers it changes ([`Semantics::Change`]), so entries without `image` are
//! simply not image changes. A JSON patch that copies or moves a value onto an image path sets an
//! image this tool cannot see, which makes the list incomplete — an attacker could stage the
//! image string in an annotation and copy it.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::lenient::nested;
use super::{Container, List, Obj, PodObject, PodSpec, Str, TemplateSpec};

/// A `requestObject`.
#[derive(Debug, Default)]
#[expect(
    clippy::large_enum_variant,
    reason = "held in place inside the event it belongs to; boxing would allocate for every body"
)]
pub enum Body<'a> {
    /// Not logged (level `Metadata`), or `null`.
    #[default]
    Absent,
    /// An object: a Pod, a partial Pod (merge patch), or an `EphemeralContainers` object.
    Object(PodObject<'a>),
    /// A JSON patch.
    Patch(Vec<Obj<PatchOp<'a>>>),
    /// Anything else.
    Other,
}

impl<'a> Body<'a> {
    /// The object, if the body is one.
    pub fn object(&self) -> Option<&PodObject<'a>> {
        match self {
            Body::Object(o) => Some(o),
            _ => None,
        }
    }
}

/// One JSON patch operation (RFC 6902).
#[derive(Debug, Default, serde::Deserialize)]
pub struct PatchOp<'a> {
    /// `add`, `replace`, `copy`, `move`, `remove`, `test`.
    #[serde(borrow, default)]
    pub op: Str<'a>,
    /// A JSON pointer.
    #[serde(borrow, default)]
    pub path: Str<'a>,
    /// The value of `add`, `replace` and `test`.
    #[serde(borrow, default)]
    pub value: PatchValue<'a>,
}

/// A JSON patch operation's value: its strings (borrowed from the input where JSON allows it)
/// and the arrays and objects around them. Numbers, booleans and `null` are all
/// [`PatchValue::Other`]: a patch sets images with strings, and no number is ever read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PatchValue<'a> {
    /// Absent, `null`, a number or a boolean.
    #[default]
    Other,
    /// A string.
    Str(Str<'a>),
    /// An array.
    Array(Vec<PatchValue<'a>>),
    /// An object's entries, in input order (a key given twice is in it twice).
    Object(Vec<(Str<'a>, PatchValue<'a>)>),
}

impl<'a> PatchValue<'a> {
    /// The value of `key`, if this is an object that has it: the last one, as Go reads a key
    /// given twice.
    pub fn get(&self, key: &str) -> Option<&PatchValue<'a>> {
        match self {
            PatchValue::Object(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.is(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PatchValue::Str(s) => s.get(),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&[PatchValue<'a>]> {
        match self {
            PatchValue::Array(items) => Some(items),
            _ => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for PatchValue<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Visitor for [`PatchValue`].
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = PatchValue<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<PatchValue<'a>, E> {
                Ok(PatchValue::Str(Str::Text(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PatchValue<'a>, E> {
                Ok(PatchValue::Str(Str::Text(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<PatchValue<'a>, E> {
                Ok(PatchValue::Str(Str::Text(Cow::Owned(v))))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PatchValue<'a>, A::Error> {
                nested(|| {
                    let mut items = Vec::new();
                    while let Some(item) = seq.next_element()? {
                        items.push(item);
                    }
                    Ok(PatchValue::Array(items))
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PatchValue<'a>, A::Error> {
                nested(|| {
                    let mut entries = Vec::new();
                    while let Some(entry) = map.next_entry()? {
                        entries.push(entry);
                    }
                    Ok(PatchValue::Object(entries))
                })
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<PatchValue<'a>, E> {
                Ok(PatchValue::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<PatchValue<'a>, E> {
                Ok(PatchValue::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<PatchValue<'a>, E> {
                Ok(PatchValue::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<PatchValue<'a>, E> {
                Ok(PatchValue::Other)
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<PatchValue<'a>, E> {
                Ok(PatchValue::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<PatchValue<'a>, E> {
                Ok(PatchValue::Other)
            }
            fn visit_none<E: de::Error>(self) -> Result<PatchValue<'a>, E> {
                Ok(PatchValue::Other)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<PatchValue<'a>, D::Error> {
                d.deserialize_any(self)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Body<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Visitor for [`Body`].
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Body<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Body<'a>, A::Error> {
                nested(|| PodObject::deserialize(MapAccessDeserializer::new(map)).map(Body::Object))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Body<'a>, A::Error> {
                nested(|| Vec::deserialize(SeqAccessDeserializer::new(seq)).map(Body::Patch))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Body<'a>, E> {
                Ok(Body::Absent)
            }
            fn visit_none<E: de::Error>(self) -> Result<Body<'a>, E> {
                Ok(Body::Absent)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Body<'a>, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Body<'a>, E> {
                Ok(Body::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Body<'a>, E> {
                Ok(Body::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Body<'a>, E> {
                Ok(Body::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Body<'a>, E> {
                Ok(Body::Other)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Body<'a>, E> {
                Ok(Body::Other)
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Body<'a>, E> {
                Ok(Body::Other)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// The container list a container was declared in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerKind {
    /// `spec.containers`.
    Container,
    /// `spec.initContainers`.
    Init,
    /// `spec.ephemeralContainers`.
    Ephemeral,
}

impl ContainerKind {
    /// From a pod spec field name.
    fn of_field(field: &str) -> Option<ContainerKind> {
        match field {
            "containers" => Some(ContainerKind::Container),
            "initContainers" => Some(ContainerKind::Init),
            "ephemeralContainers" => Some(ContainerKind::Ephemeral),
            _ => None,
        }
    }
}

/// A container whose image the request sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested<'e> {
    /// Which list it is in.
    pub kind: ContainerKind,
    /// Its name, when the request gives one.
    pub name: Option<Cow<'e, str>>,
    /// The image as written; `None` when a container that must name one does not.
    pub image: Option<Cow<'e, str>>,
}

/// The containers a request sets images for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestedImages<'e> {
    /// For objects: `containers`, then `initContainers`, then `ephemeralContainers`, each in its
    /// own order; for JSON patches: in operation order.
    pub containers: Vec<Requested<'e>>,
    /// False when some image cannot be determined (a wrong type, a container without one in a
    /// create, a JSON patch copying a value onto an image path).
    pub complete: bool,
}

/// Whether every container listed must name an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Semantics {
    /// A pod is created (or gains an ephemeral container): each listed container needs an image.
    Create,
    /// An existing pod is changed: only the containers whose `image` is set matter.
    Change,
}

/// Where the pod spec sits in a request's object: the place a request sets images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecAt {
    /// `spec`: a Pod.
    Pod,
    /// `spec.template.spec`: a Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or
    /// ReplicationController.
    Template,
    /// `spec.jobTemplate.spec.template.spec`: a CronJob.
    JobTemplate,
}

impl SpecAt {
    /// The JSON pointer tokens that lead to the pod spec.
    fn tokens(self) -> &'static [&'static str] {
        match self {
            SpecAt::Pod => &["spec"],
            SpecAt::Template => &["spec", "template", "spec"],
            SpecAt::JobTemplate => &["spec", "jobTemplate", "spec", "template", "spec"],
        }
    }

    /// The container lists a spec at this place can hold: a pod's three, a template's two (a
    /// template has no ephemeral containers; the API server refuses them there).
    fn lists(self) -> &'static [&'static str] {
        match self {
            SpecAt::Pod => &["containers", "initContainers", "ephemeralContainers"],
            SpecAt::Template | SpecAt::JobTemplate => &["containers", "initContainers"],
        }
    }

    /// The container list `field` names in a spec at this place, if it is one.
    fn list(self, field: &str) -> Option<ContainerKind> {
        ContainerKind::of_field(field).filter(|_| self.lists().contains(&field))
    }
}

/// The images `body` sets in a pod, or `None` when the body was not logged or is not an object
/// or patch.
pub fn requested<'e>(body: &'e Body<'_>, semantics: Semantics) -> Option<RequestedImages<'e>> {
    requested_at(body, semantics, SpecAt::Pod)
}

/// The images `body` sets in the pod spec at `at` (a pod's, or a workload's template), or `None`
/// when the body was not logged or is not an object or patch.
pub fn requested_at<'e>(
    body: &'e Body<'_>,
    semantics: Semantics,
    at: SpecAt,
) -> Option<RequestedImages<'e>> {
    let mut out = RequestedImages {
        containers: Vec::new(),
        complete: true,
    };
    match body {
        Body::Object(object) => {
            let found = match at {
                SpecAt::Pod => from_pod(object, semantics, &mut out),
                SpecAt::Template | SpecAt::JobTemplate => {
                    from_template(object, at, semantics, &mut out)
                }
            };
            if !found && semantics == Semantics::Create {
                return None;
            }
        }
        Body::Patch(ops) => {
            for op in ops {
                match op {
                    Obj::Map(op) => from_patch_op(op, at, &mut out),
                    _ => out.complete = false,
                }
            }
        }
        Body::Absent | Body::Other => return None,
    }
    Some(out)
}

/// The containers of a Pod (or the pre-1.22 `EphemeralContainers` object); false when it has no
/// spec.
fn from_pod<'e>(
    object: &'e PodObject<'_>,
    semantics: Semantics,
    out: &mut RequestedImages<'e>,
) -> bool {
    if let Obj::Map(spec) = &object.spec {
        from_spec(spec, semantics, out);
    } else if !matches!(object.ephemeral_containers, List::Absent) {
        // The pre-1.22 `EphemeralContainers` object keeps the list at the top level.
        from_list(
            &object.ephemeral_containers,
            ContainerKind::Ephemeral,
            semantics,
            out,
        );
    } else {
        return false;
    }
    true
}

/// The containers of a workload's pod template at `at`; false when it has none.
fn from_template<'e>(
    object: &'e PodObject<'_>,
    at: SpecAt,
    semantics: Semantics,
    out: &mut RequestedImages<'e>,
) -> bool {
    let spec = object.spec.get();
    let template = if at == SpecAt::JobTemplate {
        spec.and_then(|s| s.job_template.get())
            .and_then(|t| t.spec.get())
            .and_then(|s| s.template.get())
    } else {
        spec.and_then(|s| s.template.get()).map(AsRef::as_ref)
    };
    let Some(spec): Option<&TemplateSpec<'_>> = template.and_then(|t| t.spec.get()) else {
        return false;
    };
    from_list(&spec.containers, ContainerKind::Container, semantics, out);
    from_list(&spec.init_containers, ContainerKind::Init, semantics, out);
    true
}

/// The three container lists of a spec, in order.
fn from_spec<'e>(spec: &'e PodSpec<'_>, semantics: Semantics, out: &mut RequestedImages<'e>) {
    from_list(&spec.containers, ContainerKind::Container, semantics, out);
    from_list(&spec.init_containers, ContainerKind::Init, semantics, out);
    from_list(
        &spec.ephemeral_containers,
        ContainerKind::Ephemeral,
        semantics,
        out,
    );
}

/// One container list.
fn from_list<'e>(
    list: &'e List<Obj<Container<'_>>>,
    kind: ContainerKind,
    semantics: Semantics,
    out: &mut RequestedImages<'e>,
) {
    let items = match list {
        List::Absent => return,
        List::Other => {
            out.complete = false;
            return;
        }
        List::Items(items) => items,
    };
    for item in items {
        let Obj::Map(container) = item else {
            out.complete = false;
            continue;
        };
        let image = container.image.get();
        if semantics == Semantics::Change && container.image == Str::Absent {
            // A merge patch entry that does not touch the image (or deletes it with null).
            continue;
        }
        out.complete &= image.is_some();
        out.containers.push(Requested {
            kind,
            name: container.name.get().map(Cow::Borrowed),
            image: image.map(Cow::Borrowed),
        });
    }
}

/// One JSON patch operation.
fn from_patch_op<'e>(op: &'e PatchOp<'_>, at: SpecAt, out: &mut RequestedImages<'e>) {
    let Some(path) = op.path.get() else {
        return;
    };
    let target = Target::of(path, at);
    if target == Target::Elsewhere {
        return;
    }
    match op.op.get() {
        Some("add" | "replace") => from_value(target, &op.value, at, out),
        // The value comes from elsewhere in the pod: an image this tool cannot see.
        Some("copy" | "move") => out.complete = false,
        _ => {}
    }
}

/// Where a JSON pointer points, as far as images go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The object itself (`""`), or a step on the way to the pod spec (`/spec`,
    /// `/spec/template`, …): how many of the spec's [`SpecAt::tokens`] the pointer names. All of
    /// them is the pod spec itself.
    Toward(usize),
    /// The spec's `containers` list (or init, ephemeral).
    List(ContainerKind),
    /// `…/containers/N` or `…/containers/-`.
    Container(ContainerKind),
    /// `…/containers/N/image`.
    Image(ContainerKind),
    /// Anything else.
    Elsewhere,
}

impl Target {
    /// Classifies a JSON pointer (RFC 6901, `~1` is `/` and `~0` is `~`) for a pod spec at `at`.
    fn of(pointer: &str, at: SpecAt) -> Target {
        if pointer.is_empty() {
            return Target::Toward(0);
        }
        let Some(rest) = pointer.strip_prefix('/') else {
            return Target::Elsewhere;
        };
        let tokens: Vec<String> = rest
            .split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect();
        let spec = at.tokens();
        let depth = tokens.len().min(spec.len());
        if tokens[..depth] != spec[..depth] {
            return Target::Elsewhere;
        }
        let inside = &tokens[depth..];
        let kind = inside.first().and_then(|t| at.list(t));
        match (kind, inside.len()) {
            (_, 0) => Target::Toward(depth),
            (Some(kind), 1) => Target::List(kind),
            (Some(kind), 2) => Target::Container(kind),
            (Some(kind), 3) if inside[2] == "image" => Target::Image(kind),
            _ => Target::Elsewhere,
        }
    }
}

/// The images an `add`/`replace` value sets at `target`, for a pod spec at `at`.
fn from_value<'e>(
    target: Target,
    value: &'e PatchValue<'_>,
    at: SpecAt,
    out: &mut RequestedImages<'e>,
) {
    let spec = at.tokens();
    match target {
        Target::Toward(depth) if depth < spec.len() => {
            if let Some(inner) = value.get(spec[depth]) {
                from_value(Target::Toward(depth + 1), inner, at, out);
            }
        }
        Target::Toward(_) => {
            for &field in at.lists() {
                if let (Some(list), Some(kind)) = (value.get(field), at.list(field)) {
                    from_value(Target::List(kind), list, at, out);
                }
            }
        }
        Target::List(kind) => match value.as_array() {
            Some(items) => items
                .iter()
                .for_each(|c| from_value(Target::Container(kind), c, at, out)),
            None => out.complete = false,
        },
        Target::Container(kind) => {
            let image = value.get("image").and_then(PatchValue::as_str);
            out.complete &= image.is_some();
            out.containers.push(Requested {
                kind,
                name: value
                    .get("name")
                    .and_then(PatchValue::as_str)
                    .map(Cow::Borrowed),
                image: image.map(Cow::Borrowed),
            });
        }
        Target::Image(kind) => {
            let image = value.as_str();
            out.complete &= image.is_some();
            out.containers.push(Requested {
                kind,
                name: None,
                image: image.map(Cow::Borrowed),
            });
        }
        Target::Elsewhere => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The (kind, image) pairs and completeness of the body in `json`.
    fn images(json: &str, semantics: Semantics) -> Option<(Vec<String>, bool)> {
        let body: Body<'_> = serde_json::from_str(json).expect("valid JSON");
        requested(&body, semantics).map(|r| {
            let list = r
                .containers
                .iter()
                .map(|c| format!("{:?}:{}", c.kind, c.image.as_deref().unwrap_or("?")))
                .collect();
            (list, r.complete)
        })
    }

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn pods_and_merge_patches() {
        let pod = r#"{"kind":"Pod","spec":{"containers":[{"name":"a","image":"x"},{"name":"b"}],"initContainers":[{"image":"i"}]}}"#;
        assert_eq!(
            images(pod, Semantics::Create),
            Some((list(&["Container:x", "Container:?", "Init:i"]), false))
        );
        assert_eq!(
            images(pod, Semantics::Change),
            Some((list(&["Container:x", "Init:i"]), true))
        );
        let set_image = r#"{"spec":{"containers":[{"image":"evil","name":"c"}]}}"#;
        assert_eq!(
            images(set_image, Semantics::Change),
            Some((list(&["Container:evil"]), true))
        );
        let labels_only = r#"{"metadata":{"labels":{"a":"b"}}}"#;
        assert_eq!(images(labels_only, Semantics::Change), Some((vec![], true)));
        assert_eq!(images(labels_only, Semantics::Create), None);
        let resources_only = r#"{"spec":{"containers":[{"name":"c","resources":{}}]}}"#;
        assert_eq!(
            images(resources_only, Semantics::Change),
            Some((vec![], true))
        );
        let wrong_type = r#"{"spec":{"containers":[{"name":"c","image":7}]}}"#;
        assert_eq!(
            images(wrong_type, Semantics::Change),
            Some((list(&["Container:?"]), false))
        );
    }

    #[test]
    fn legacy_ephemeral_containers_object() {
        let body = r#"{"kind":"EphemeralContainers","ephemeralContainers":[{"name":"debugger","image":"busybox"}]}"#;
        assert_eq!(
            images(body, Semantics::Create),
            Some((list(&["Ephemeral:busybox"]), true))
        );
    }

    #[test]
    fn json_patches() {
        let replace = r#"[{"op":"replace","path":"/spec/containers/0/image","value":"evil:1"}]"#;
        assert_eq!(
            images(replace, Semantics::Change),
            Some((list(&["Container:evil:1"]), true))
        );
        let add = r#"[{"op":"add","path":"/spec/initContainers/-","value":{"name":"x","image":"evil:2"}},{"op":"add","path":"/metadata/labels/a","value":"b"}]"#;
        assert_eq!(
            images(add, Semantics::Change),
            Some((list(&["Init:evil:2"]), true))
        );
        let whole = r#"[{"op":"replace","path":"/spec/ephemeralContainers","value":[{"image":"e1"},{"image":"e2"}]},{"op":"add","path":"/spec","value":{"containers":[{"image":"c1"}]}}]"#;
        assert_eq!(
            images(whole, Semantics::Change),
            Some((
                list(&["Ephemeral:e1", "Ephemeral:e2", "Container:c1"]),
                true
            ))
        );
        let copy =
            r#"[{"op":"copy","from":"/metadata/annotations/x","path":"/spec/containers/0/image"}]"#;
        assert_eq!(images(copy, Semantics::Change), Some((vec![], false)));
        let elsewhere = r#"[{"op":"replace","path":"/metadata/labels/image","value":"x"},{"op":"remove","path":"/spec/containers/0/image"}]"#;
        assert_eq!(images(elsewhere, Semantics::Change), Some((vec![], true)));
        let escaped = r#"[{"op":"replace","path":"/spec/containers/0/image","value":7}]"#;
        assert_eq!(
            images(escaped, Semantics::Change),
            Some((list(&["Container:?"]), false))
        );
    }

    #[test]
    fn absent_and_other_bodies() {
        assert_eq!(images("null", Semantics::Create), None);
        assert_eq!(images("\"x\"", Semantics::Change), None);
        assert_eq!(images(r#"{"spec":null}"#, Semantics::Create), None);
    }

    #[test]
    fn pointers() {
        let pod = |p: &str| Target::of(p, SpecAt::Pod);
        assert_eq!(
            pod("/spec/containers/0/image"),
            Target::Image(ContainerKind::Container)
        );
        assert_eq!(
            pod("/spec/initContainers/-"),
            Target::Container(ContainerKind::Init)
        );
        assert_eq!(
            pod("/spec/ephemeralContainers"),
            Target::List(ContainerKind::Ephemeral)
        );
        assert_eq!(pod("/spec"), Target::Toward(1));
        assert_eq!(pod(""), Target::Toward(0));
        assert_eq!(pod("/metadata/name"), Target::Elsewhere);
        assert_eq!(pod("/spec/containers/0/imagePullPolicy"), Target::Elsewhere);
        assert_eq!(pod("spec"), Target::Elsewhere);
        assert_eq!(
            pod("/spec/template/spec/containers/0/image"),
            Target::Elsewhere
        );
    }

    #[test]
    fn template_pointers() {
        let t = |p: &str| Target::of(p, SpecAt::Template);
        assert_eq!(
            t("/spec/template/spec/containers/0/image"),
            Target::Image(ContainerKind::Container)
        );
        assert_eq!(
            t("/spec/template/spec/initContainers/-"),
            Target::Container(ContainerKind::Init)
        );
        assert_eq!(t("/spec/template"), Target::Toward(2));
        assert_eq!(t("/spec/template/spec"), Target::Toward(3));
        assert_eq!(t("/spec/containers/0/image"), Target::Elsewhere);
        assert_eq!(
            t("/spec/template/spec/ephemeralContainers/-"),
            Target::Elsewhere
        );
        assert_eq!(t("/spec/replicas"), Target::Elsewhere);
        let j = |p: &str| Target::of(p, SpecAt::JobTemplate);
        assert_eq!(
            j("/spec/jobTemplate/spec/template/spec/containers/1/image"),
            Target::Image(ContainerKind::Container)
        );
        assert_eq!(
            j("/spec/template/spec/containers/0/image"),
            Target::Elsewhere
        );
    }

    /// The (kind, image) pairs and completeness of the workload body in `json`.
    fn template_images(json: &str, at: SpecAt) -> Option<(Vec<String>, bool)> {
        let body: Body<'_> = serde_json::from_str(json).expect("valid JSON");
        requested_at(&body, Semantics::Change, at).map(|r| {
            let list = r
                .containers
                .iter()
                .map(|c| format!("{:?}:{}", c.kind, c.image.as_deref().unwrap_or("?")))
                .collect();
            (list, r.complete)
        })
    }

    #[test]
    fn workload_objects_and_patches() {
        let deployment = r#"{"kind":"Deployment","spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"a","image":"x"}],"initContainers":[{"image":"i"}]}}}}"#;
        assert_eq!(
            template_images(deployment, SpecAt::Template),
            Some((list(&["Container:x", "Init:i"]), true))
        );
        assert_eq!(
            template_images(deployment, SpecAt::JobTemplate),
            Some((vec![], true))
        );
        let scale = r#"{"spec":{"replicas":3}}"#;
        assert_eq!(
            template_images(scale, SpecAt::Template),
            Some((vec![], true))
        );
        let cronjob = r#"{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"image":"c"}]}}}}}}"#;
        assert_eq!(
            template_images(cronjob, SpecAt::JobTemplate),
            Some((list(&["Container:c"]), true))
        );
        let json_patch = r#"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"e1"},{"op":"add","path":"/spec/template","value":{"spec":{"initContainers":[{"image":"e2"}]}}},{"op":"replace","path":"/spec/containers/0/image","value":"no"}]"#;
        assert_eq!(
            template_images(json_patch, SpecAt::Template),
            Some((list(&["Container:e1", "Init:e2"]), true))
        );
        let ephemeral = r#"[{"op":"add","path":"/spec/template/spec","value":{"ephemeralContainers":[{"image":"e"}],"containers":[{"image":"c"}]}}]"#;
        assert_eq!(
            template_images(ephemeral, SpecAt::Template),
            Some((list(&["Container:c"]), true))
        );
        let whole = r#"[{"op":"add","path":"","value":{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"image":"w"}]}}}}}}}]"#;
        assert_eq!(
            template_images(whole, SpecAt::JobTemplate),
            Some((list(&["Container:w"]), true))
        );
        assert_eq!(template_images("null", SpecAt::Template), None);
    }
}
