//! Findings for the report modules' unit tests: a pod create by a controller or a person, and
//! the attributions the resolver gives such a pod, asked of the resolver itself so that the notes
//! are the real ones.

use crate::attribution::{
    Attribution, How, OwnerRef, PodRequest, Records, Requester, WorkloadKind, resolve,
};
use crate::finding::{
    Action, ContainerKind, ContainerVerdict, Finding, ObjectKind, Outcome, Reason,
};

/// The replicaset-controller's service account.
pub const REPLICASET_CONTROLLER: &str = "system:serviceaccount:kube-system:replicaset-controller";

/// A pod create of `pod` in `shop` by `user`, running the disallowed `xmrig/xmrig:6.21.0`,
/// attributed to the request itself.
pub fn pod(pod: &str, user: &str) -> Finding {
    let image = "xmrig/xmrig:6.21.0".to_owned();
    let requester = request(user, 4);
    Finding {
        file: "a.log".to_owned(),
        line: 4,
        item: None,
        audit_id: Some("pod-audit-id".to_owned()),
        time: Some("2026-03-06T13:47:09Z".to_owned()),
        stage: Some("ResponseComplete".to_owned()),
        action: Action::Create,
        namespace: Some("shop".to_owned()),
        pod: Some(pod.to_owned()),
        generate_name: None,
        user: Some(user.to_owned()),
        impersonated_user: None,
        source_ips: Some(vec!["10.0.0.10".to_owned()]),
        user_agent: Some("kube-controller-manager/v1.29.2".to_owned()),
        status_code: Some(201),
        outcome: Outcome::Created,
        reason: Reason::DisallowedImage,
        images: Some(vec![image.clone()]),
        disallowed_images: vec![image.clone()],
        containers: Some(vec![ContainerVerdict {
            name: Some("c".to_owned()),
            kind: ContainerKind::Container,
            image: Some(image),
            reference: Some("docker.io/xmrig/xmrig:6.21.0".to_owned()),
            allowed: false,
        }]),
        kind: ObjectKind::Pod,
        name: Some(pod.to_owned()),
        attribution: Some(Attribution {
            how: How::Direct,
            chain: Vec::new(),
            initiator: Some(requester),
            note: None,
        }),
    }
}

/// A request by `user` at `line` of `b.log`.
pub fn request(user: &str, line: u64) -> Requester {
    Requester {
        user: Some(user.to_owned()),
        impersonated_user: None,
        source_ips: Some(vec!["203.0.113.9".to_owned(), "10.0.0.1".to_owned()]),
        user_agent: Some("kubectl/v1.30.1".to_owned()),
        verb: Some("patch".to_owned()),
        time: Some("2026-03-04T09:41:17Z".to_owned()),
        audit_id: Some("initiator-audit-id".to_owned()),
        file: "b.log".to_owned(),
        line,
    }
}

/// A pod of `Deployment/web` made by replicaset-controller, attributed along the chain to
/// `initiator`.
pub fn owner_chain(pod_name: &str, initiator: Requester) -> Finding {
    let mut f = pod(pod_name, REPLICASET_CONTROLLER);
    f.attribution = Some(Attribution {
        how: How::OwnerChain,
        chain: vec![
            "ReplicaSet/web-6f8b9d7c4d".to_owned(),
            "Deployment/web".to_owned(),
        ],
        initiator: Some(initiator),
        note: None,
    });
    f
}

/// The resolver's answer for `f`, a pod claiming the controller owner `kind`/`name`, with no
/// workload write in the logs.
pub fn resolved(mut f: Finding, kind: &str, name: &str) -> Finding {
    let owner = OwnerRef {
        kind: kind.to_owned(),
        name: name.to_owned(),
        uid: Some("owner-uid".to_owned()),
    };
    let requester = f
        .attribution
        .as_ref()
        .and_then(|a| a.initiator.clone())
        .expect("a direct finding has its request as initiator");
    let disallowed = vec!["docker.io/xmrig/xmrig:6.21.0".to_owned()];
    let pod = PodRequest {
        namespace: f.namespace.as_deref(),
        owner: Some(&owner),
        user: requester.user.as_deref(),
        at: f.time.as_deref().and_then(|t| t.parse().ok()),
        disallowed: &disallowed,
    };
    f.attribution = Some(resolve(&pod, &Records::new([]), || requester.clone()));
    f
}

/// A request on the workload `kind`/`name` (`workload-create`), by `user`.
pub fn workload(kind: WorkloadKind, name: &str, user: &str) -> Finding {
    let mut f = pod(name, user);
    f.pod = None;
    f.kind = ObjectKind::Workload(kind);
    f
}
