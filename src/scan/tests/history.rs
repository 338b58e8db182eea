//! Histories of workload objects and their pods, as audit-event lines: a Deployment, its
//! ReplicaSets, a CronJob, its Jobs and their pods, with `set image`, restarts, writes logged
//! without their bodies, forged owners and owners never written. Every line has its own time and
//! audit ID (`h<step>`), so who is behind a pod follows from the steps before it alone.

use std::fmt::Write as _;

use proptest::prelude::*;

use crate::testing::{EventLine, pod_create};

/// The namespace of every history.
const NS: &str = "hist";

/// A service account of `kube-system`.
fn sa(name: &str) -> String {
    format!("system:serviceaccount:kube-system:{name}")
}

/// The images a history draws from; `nginx` is allowed.
const IMAGES: [&str; 3] = ["evil:1", "evil:2", "nginx:1.25"];

/// The people and pipelines a history draws from.
const PEOPLE: [&str; 3] = [
    "alice@example.com",
    "bob@example.com",
    "system:serviceaccount:ci:deployer",
];

/// One request of a history. Indices pick from [`IMAGES`] and [`PEOPLE`], and name ReplicaSets
/// `app-<n>` and Jobs `rep-<n>` (the last of each is never written).
#[derive(Debug, Clone, Copy)]
pub(super) enum Step {
    /// A person creates Deployment `app`, the uid shown (as at `RequestResponse`) or not.
    Deployment { by: usize, image: usize, uid: bool },
    /// `kubectl set image` on `app`.
    SetImage { by: usize, image: usize },
    /// `kubectl rollout restart` of `app`: sets no image.
    Restart { by: usize },
    /// A write of `app` logged without its body.
    Bodiless { by: usize },
    /// ReplicaSet `app-<rs>` for `app`, by the deployment controller or forged by a person, with
    /// or without its body.
    ReplicaSet {
        rs: usize,
        image: usize,
        forged: bool,
        bodiless: bool,
    },
    /// A pod of `app-<rs>`, by the ReplicaSet controller or forged by a person.
    Pod {
        rs: usize,
        image: usize,
        forged: bool,
    },
    /// A person's pod without an owner.
    Direct { by: usize, image: usize },
    /// A person creates CronJob `rep`.
    CronJob { by: usize, image: usize },
    /// The CronJob controller's Job `rep-<job>`.
    Job { job: usize, image: usize },
    /// A pod of `rep-<job>` by the Job controller.
    JobPod { job: usize, image: usize },
}

/// Any step.
pub(super) fn step() -> impl Strategy<Value = Step> {
    let (who, image, rs, job) = (0..PEOPLE.len(), 0..IMAGES.len(), 0usize..3, 0usize..2);
    prop_oneof![
        (who.clone(), image.clone(), any::<bool>()).prop_map(|(by, image, uid)| Step::Deployment {
            by,
            image,
            uid
        }),
        (who.clone(), image.clone()).prop_map(|(by, image)| Step::SetImage { by, image }),
        who.clone().prop_map(|by| Step::Restart { by }),
        who.clone().prop_map(|by| Step::Bodiless { by }),
        (rs.clone(), image.clone(), any::<bool>(), any::<bool>()).prop_map(
            |(rs, image, forged, bodiless)| Step::ReplicaSet {
                rs,
                image,
                forged,
                bodiless
            }
        ),
        (rs, image.clone(), any::<bool>()).prop_map(|(rs, image, forged)| Step::Pod {
            rs,
            image,
            forged
        }),
        (who.clone(), image.clone()).prop_map(|(by, image)| Step::Direct { by, image }),
        (who, image.clone()).prop_map(|(by, image)| Step::CronJob { by, image }),
        (job.clone(), image.clone()).prop_map(|(job, image)| Step::Job { job, image }),
        (job, image).prop_map(|(job, image)| Step::JobPod { job, image }),
    ]
}

/// A template holding one container running `image`, at `spec.template.spec`.
fn template(image: &str) -> String {
    format!(r#"{{"template":{{"spec":{{"containers":[{{"name":"c","image":"{image}"}}]}}}}}}"#)
}

/// `metadata` with a name, maybe a uid, and maybe a controller owner (kind, name, uid).
fn metadata(name: &str, uid: Option<&str>, owner: Option<(&str, &str, &str)>) -> String {
    let mut out = format!(r#"{{"name":"{name}""#);
    if let Some(uid) = uid {
        write!(out, r#","uid":"{uid}""#).expect("writing to a String");
    }
    if let Some((kind, name, uid)) = owner {
        write!(
            out,
            r#","ownerReferences":[{{"apiVersion":"apps/v1","kind":"{kind}","name":"{name}","uid":"{uid}","controller":true}}]"#
        )
        .expect("writing to a String");
    }
    out.push('}');
    out
}

/// A successful write of `resource`/`name` by `user`, with `body` (none: logged without it).
fn written(id: &str, time: &str, user: &str, verb: &str, resource: &str, name: &str) -> EventLine {
    let status = if resource == "pods" { 201 } else { 200 };
    (pod_create().api_server().audit_id(id).complete())
        .verb(verb)
        .resource(resource)
        .namespace(NS)
        .name(name)
        .user(user)
        .status(status)
        .time(time)
}

/// The event line of step `i` of a history, at its own time.
pub(super) fn line(i: usize, step: Step) -> String {
    let id = format!("h{i}");
    let time = format!("2026-03-01T10:{:02}:{:02}Z", i / 60, i % 60);
    let write = |user: &str, verb: &str, resource: &str, name: &str| {
        written(&id, &time, user, verb, resource, name)
    };
    match step {
        Step::Deployment { by, image, uid } => {
            let meta = metadata("app", uid.then_some("d-app"), None);
            let spec = template(IMAGES[image]);
            let body = format!(r#"{{"kind":"Deployment","metadata":{meta},"spec":{spec}}}"#);
            write(PEOPLE[by], "create", "deployments", "app").body(&body)
        }
        Step::SetImage { by, image } => write(PEOPLE[by], "patch", "deployments", "app")
            .body(&format!(r#"{{"spec":{}}}"#, template(IMAGES[image]))),
        Step::Restart { by } => write(PEOPLE[by], "patch", "deployments", "app").body(
            r#"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"now"}}}}}"#,
        ),
        Step::Bodiless { by } => write(PEOPLE[by], "patch", "deployments", "app"),
        Step::ReplicaSet {
            rs,
            image,
            forged,
            bodiless,
        } => {
            let user = if forged {
                PEOPLE[0].to_owned()
            } else {
                sa("deployment-controller")
            };
            let name = format!("app-{rs}");
            let line = write(&user, "create", "replicasets", &name);
            if bodiless {
                line
            } else {
                let uid = format!("rs-{rs}");
                let meta = metadata(&name, Some(&uid), Some(("Deployment", "app", "d-app")));
                let spec = template(IMAGES[image]);
                line.body(&format!(
                    r#"{{"kind":"ReplicaSet","metadata":{meta},"spec":{spec}}}"#
                ))
            }
        }
        Step::Pod { rs, image, forged } => {
            let user = if forged {
                "mallory@example.com".to_owned()
            } else {
                sa("replicaset-controller")
            };
            let (owner, uid) = (format!("app-{rs}"), format!("rs-{rs}"));
            pod_of(write(&user, "create", "pods", &format!("{owner}-{i}")), &owner, &uid, image)
        }
        Step::Direct { by, image } => {
            write(PEOPLE[by], "create", "pods", &format!("solo-{i}")).image(IMAGES[image])
        }
        Step::CronJob { by, image } => {
            let meta = metadata("rep", Some("cj-rep"), None);
            let spec = format!(r#"{{"jobTemplate":{{"spec":{}}}}}"#, template(IMAGES[image]));
            let body = format!(r#"{{"kind":"CronJob","metadata":{meta},"spec":{spec}}}"#);
            write(PEOPLE[by], "create", "cronjobs", "rep").body(&body)
        }
        Step::Job { job, image } => {
            let name = format!("rep-{job}");
            let uid = format!("job-{job}");
            let meta = metadata(&name, Some(&uid), Some(("CronJob", "rep", "cj-rep")));
            let spec = template(IMAGES[image]);
            let body = format!(r#"{{"kind":"Job","metadata":{meta},"spec":{spec}}}"#);
            write(&sa("cronjob-controller"), "create", "jobs", &name).body(&body)
        }
        Step::JobPod { job, image } => {
            let (owner, uid) = (format!("rep-{job}"), format!("job-{job}"));
            let line = write(&sa("job-controller"), "create", "pods", &format!("{owner}-{i}"));
            pod_of(line, &owner, &uid, image)
        }
    }
    .line()
}

/// `line` as a pod create whose controller owner is `owner` (a ReplicaSet or Job by uid), running
/// image `image`.
fn pod_of(line: EventLine, owner: &str, uid: &str, image: usize) -> EventLine {
    let kind = if owner.starts_with("rep-") {
        "Job"
    } else {
        "ReplicaSet"
    };
    let meta = metadata("p", None, Some((kind, owner, uid)));
    let spec = format!(
        r#"{{"containers":[{{"name":"c","image":"{}"}}]}}"#,
        IMAGES[image]
    );
    line.body(&format!(
        r#"{{"kind":"Pod","metadata":{meta},"spec":{spec}}}"#
    ))
}

/// A history's lines, each with its newline, in time order.
pub(super) fn history(steps: &[Step]) -> Vec<String> {
    steps
        .iter()
        .enumerate()
        .map(|(i, &s)| line(i, s) + "\n")
        .collect()
}

/// A history that reaches every answer, and says at which steps.
pub(super) fn every_answer() -> Vec<Step> {
    use Step::{
        Bodiless, CronJob, Deployment, Direct, Job, JobPod, Pod, ReplicaSet, Restart, SetImage,
    };
    let pod = |rs: usize, image: usize| Pod {
        rs,
        image,
        forged: false,
    };
    let replica_set = |rs: usize, image: usize, bodiless: bool| ReplicaSet {
        rs,
        image,
        forged: false,
        bodiless,
    };
    vec![
        Deployment {
            by: 0,
            image: 0,
            uid: false,
        },
        replica_set(0, 0, false),
        // 2: alice's create set evil:1.
        pod(0, 0),
        // 3: nobody set evil:2 yet.
        pod(0, 1),
        SetImage { by: 1, image: 1 },
        replica_set(1, 1, false),
        Restart { by: 2 },
        Bodiless { by: 0 },
        // 8: bob's set image, not the restart nor the write without a body.
        pod(1, 1),
        // 9: a forged owner.
        Pod {
            rs: 0,
            image: 0,
            forged: true,
        },
        // 10: a ReplicaSet not written yet; 12: written without its body.
        pod(2, 0),
        replica_set(2, 0, true),
        pod(2, 0),
        // 13: no owner.
        Direct { by: 2, image: 1 },
        CronJob { by: 2, image: 1 },
        Job { job: 0, image: 1 },
        // 16: the CI's CronJob.
        JobPod { job: 0, image: 1 },
        // An allowed image: no finding.
        pod(1, 2),
    ]
}
