//! The workload-template rule (`--workloads`): a write of a workload object is judged by the pod
//! template it sets, like a pod request, at the moment someone writes the image — even when the
//! pods that follow are logged without their bodies, or never made.
//!
//! [`workload_action`] selects the requests: a `create` (or a server-side apply that created the
//! object, status 201) or an `update`/`patch` without subresource on one of the seven workload
//! resources ([`WorkloadKind`]), whatever the API server answered. [`consider`] reads the images
//! the body sets in the template ([`spec_at`]: `spec.template.spec`, a CronJob's
//! `spec.jobTemplate.spec.template.spec`) and judges them with the pod rule's own reading
//! (`default::judge`): a create must name every image, a change only the ones it sets, and a
//! change that sets none is not considered. The finding names the workload ([`object_name`]),
//! has no pod, and is attributed to the request itself. See docs/events.md.
//!
//! Workload records (the `workload` module) select the same requests, successful ones only, for
//! attribution; both read them through the functions here.

use crate::attribution::WorkloadKind;
use crate::event::{AuditEvent, Meta, SpecAt};
use crate::finding::{Action, FindingBuilder};

use super::default::judge;
use super::{Policy, Verdict};

/// How `ev` writes a workload object's pod template, and which kind of object, if it does. A
/// change is only a candidate here: whether its body sets an image decides later.
pub fn workload_action(ev: &AuditEvent<'_>) -> Option<(Action, WorkloadKind)> {
    let object = ev.object_ref.get()?;
    let kind = WorkloadKind::from_resource(object.resource.get()?)?;
    if object.subresource.get().is_some_and(|s| !s.is_empty()) {
        return None;
    }
    let action = match ev.verb.get()? {
        "create" => Action::WorkloadCreate,
        "patch" if ev.status_code() == Some(201) => Action::WorkloadCreate,
        "patch" | "update" => Action::WorkloadChange,
        _ => return None,
    };
    Some((action, kind))
}

/// Where the pod spec sits in an object of `kind`: its template, or a CronJob's job template.
pub fn spec_at(kind: WorkloadKind) -> SpecAt {
    if kind == WorkloadKind::CronJob {
        SpecAt::JobTemplate
    } else {
        SpecAt::Template
    }
}

/// The name of the object `ev` writes: the response object's, else the request object's, else
/// `objectRef`'s.
pub fn object_name<'e>(ev: &'e AuditEvent<'_>) -> Option<&'e str> {
    let name = |meta: &'e Meta<'_>| meta.name.get();
    ev.response_meta()
        .and_then(name)
        .or_else(|| ev.request_meta().and_then(name))
        .or_else(|| ev.object_ref.get().and_then(|o| o.name.get()))
}

/// The verdict on one event: `None` when it does not write a workload's pod template (or is a
/// change whose body sets no image, or was not logged).
pub fn consider(ev: &AuditEvent<'_>, policy: &Policy) -> Option<Verdict> {
    let (action, kind) = workload_action(ev)?;
    let finding = FindingBuilder::new(ev, action).workload(kind, object_name(ev));
    judge(ev, action, spec_at(kind), policy, finding)
}

#[cfg(test)]
mod tests;
