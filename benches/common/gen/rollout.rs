//! Workload writes, as the audit-log generator writes them: people and pipelines changing a
//! template (`kubectl set image`, `kubectl rollout restart`, server-side apply), the controllers
//! carrying it out (a Deployment's new ReplicaSet, a CronJob's Jobs, scaling), and the CI's own
//! Jobs. Every write keeps `Gen::live` and the truth's setters up to date.
//!
//! A workload's writes are logged at `Metadata` level in `payments` (its audit policy keeps
//! bodies out of the log there) and with their bodies elsewhere, `RequestResponse` or `Request`.
//! Each write is fenced by 30 ms of simulated time from the pod creates around it.

use super::Gen;
use super::catalog::{Owner, SET_IMAGES, WORKLOADS, Workload};
use super::cluster::{CTL_CRONJOB, CTL_DEPLOYMENT};
use super::owners::Object;
use super::pods::Level;
use super::writes::collection;

/// A workload object to write out in full.
pub(super) struct Shape<'a> {
    /// Index into `WORKLOADS`.
    pub(super) wi: usize,
    pub(super) kind: &'static str,
    pub(super) name: &'a str,
    /// The stored object's uid and generation; `None` as a client sends it.
    pub(super) stored: Option<(&'a str, u64)>,
    /// Its controller owner: kind, name, uid.
    pub(super) owner: Option<(&'static str, &'a str, &'a str)>,
    /// A ReplicaSet's pod-template hash.
    pub(super) hash: Option<&'a str>,
    /// The template's image change.
    pub(super) set: Option<(&'static str, &'static str)>,
    /// The template's `kubectl.kubernetes.io/restartedAt`.
    pub(super) restarted: Option<&'a str>,
    pub(super) replicas: u64,
    /// `deployment.kubernetes.io/revision`, and the stored object's generation.
    pub(super) revision: u64,
}

/// What a person or pipeline does to a workload's template.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    SetImage,
    Restart,
    Apply,
}

impl Gen<'_> {
    /// A person or pipeline changes a workload's template, and its controller carries it out.
    pub(super) fn rollout(&mut self) {
        let Some(wi) = self.pick_owned(|o| {
            matches!(
                o,
                Owner::ReplicaSet(_) | Owner::DaemonSet | Owner::StatefulSet | Owner::CronJob
            )
        }) else {
            return self.node_lease();
        };
        let w = &WORKLOADS[wi];
        let variants: Vec<_> = SET_IMAGES.iter().filter(|s| s.0 == wi).collect();
        let current = self.live_mut(wi).top.set;
        let roll = self.rng.below(100);
        let change = if roll < 45 && !variants.is_empty() {
            Change::SetImage
        } else if roll < 65 && w.owner != Owner::CronJob {
            Change::Restart
        } else {
            Change::Apply
        };
        let mut next = current;
        if change == Change::SetImage || (change == Change::Apply && self.rng.percent(50)) {
            let choices: Vec<_> = std::iter::once(None)
                .chain(variants.iter().map(|s| Some((s.1, s.2))))
                .filter(|&v| v != current)
                .collect();
            if !choices.is_empty() {
                next = choices[self.rng.index(choices.len())];
            }
        }
        self.template_write(wi, change, current, next);
        if next != current || change == Change::Restart {
            match w.owner {
                Owner::ReplicaSet(_) => self.new_replica_set(wi),
                _ => self.live_mut(wi).revision += 1,
            }
        }
    }

    /// The person's or pipeline's request on the top object.
    fn template_write(
        &mut self,
        wi: usize,
        change: Change,
        current: Option<(&'static str, &'static str)>,
        next: Option<(&'static str, &'static str)>,
    ) {
        let c = self.c;
        let w = &WORKLOADS[wi];
        let (who, manager) = match change {
            Change::SetImage if self.rng.percent(60) => (&c.people[2], "kubectl-set"),
            Change::SetImage => (&c.people[0], "kubectl-set"),
            Change::Restart => (&c.people[0], "kubectl-rollout"),
            Change::Apply if self.rng.percent(60) => (&c.watchers[5], "argocd-controller"),
            Change::Apply => (&c.people[0], "kubectl"),
        };
        let (kind, resource, group) = top_kind(w.owner);
        let mut k = self.write_for(w, who, "patch", resource, Some(w.app.to_owned()));
        k.uri = format!(
            "{}/{}?fieldManager={manager}",
            collection(group, w.namespace, resource),
            w.app
        );
        if change == Change::Apply {
            k.uri
                .push_str(r"\u0026fieldValidation=Strict\u0026force=true");
        }
        let mut stamp = String::new();
        super::write_time(&mut stamp, k.received, false);
        let set: Vec<(&'static str, &'static str)> = match change {
            Change::SetImage => changed(w, current, next),
            Change::Restart => Vec::new(),
            Change::Apply => template_images(w, next),
        };
        let live = self.live_mut(wi);
        if change == Change::Restart {
            live.restarted = Some(stamp.clone());
        }
        live.top.set = next;
        let (uid, revision) = (live.top.uid.clone(), live.revision);
        let restarted = live.restarted.clone();
        if k.level != Level::Metadata {
            let nested = w.owner == Owner::CronJob;
            k.request = self.capture(|g| match change {
                Change::SetImage => g.set_image_patch(w, &set, nested),
                Change::Restart => g.restart_patch(&stamp),
                Change::Apply => g.apply_manifest(wi, kind, next),
            });
            let shape = Shape {
                wi,
                kind,
                name: w.app,
                stored: Some((&uid, revision)),
                owner: None,
                hash: None,
                set: next,
                restarted: restarted.as_deref(),
                replicas: 3,
                revision,
            };
            k.response = self.capture(|g| g.object(&shape));
        }
        self.write_workload(&k);
        let images: Vec<&'static str> = set.iter().map(|s| s.1).collect();
        self.logged(wi, &k, &images);
    }

    /// The Deployment controller creates the new revision's ReplicaSet and scales the old one
    /// down.
    fn new_replica_set(&mut self, wi: usize) {
        let c = self.c;
        let w = &WORKLOADS[wi];
        let who = &c.controllers[CTL_DEPLOYMENT];
        let len = self.rng.range(9, 10) as usize;
        let hash = self.rng.suffix(len);
        let name = format!("{}-{hash}", w.app);
        let uid = self.rng.uuid();
        let old = self.live[wi].as_ref().and_then(|l| l.child.as_ref());
        let old = old.map(|o| (o.name.clone(), o.uid.clone()));
        let (top_uid, set, restarted, revision) = {
            let live = self.live[wi].as_mut().expect("a Deployment has live state");
            live.revision += 1;
            live.hash.clone_from(&hash);
            (
                live.top.uid.clone(),
                live.top.set,
                live.restarted.clone(),
                live.revision,
            )
        };
        let mut k = self.write_for(w, who, "create", "replicasets", Some(name.clone()));
        for stored in [None, Some((uid.as_str(), 1))] {
            let shape = Shape {
                wi,
                kind: "ReplicaSet",
                name: &name,
                stored,
                owner: Some(("Deployment", w.app, &top_uid)),
                hash: Some(&hash),
                set,
                restarted: restarted.as_deref(),
                replicas: 1,
                revision,
            };
            let body = self.capture(|g| g.object(&shape));
            if k.level == Level::Metadata {
                continue;
            }
            match stored {
                None => k.request = body,
                Some(_) => k.response = body,
            }
        }
        self.write_workload(&k);
        let mut rs = Object::unlogged("ReplicaSet", name, &mut self.rng);
        rs.uid = uid;
        rs.set = set;
        rs.logged = Some(k.level != Level::Metadata);
        if let Some(live) = self.live[wi].as_mut() {
            live.child = Some(rs);
        }
        if let Some((old_name, old_uid)) = old {
            self.scale_write(wi, &old_name, &old_uid, 2);
        }
    }

    /// The Deployment controller scales a Deployment's current ReplicaSet.
    pub(super) fn scale(&mut self) {
        let Some(wi) = self.pick_owned(|o| matches!(o, Owner::ReplicaSet(_))) else {
            return self.node_lease();
        };
        let Some((name, uid)) = self.live[wi]
            .as_ref()
            .and_then(|l| l.child.as_ref())
            .map(|o| (o.name.clone(), o.uid.clone()))
        else {
            return self.node_lease();
        };
        let replicas = self.rng.range(2, 6);
        let level = self.scale_write(wi, &name, &uid, replicas);
        let child = self.live[wi].as_mut().and_then(|l| l.child.as_mut());
        if let Some(child) = child.filter(|c| c.uid == uid) {
            child.logged = Some(level != Level::Metadata);
        }
    }

    /// An `update` of ReplicaSet `name` to `replicas` by the Deployment controller.
    fn scale_write(&mut self, wi: usize, name: &str, uid: &str, replicas: u64) -> Level {
        let c = self.c;
        let w = &WORKLOADS[wi];
        let who = &c.controllers[CTL_DEPLOYMENT];
        let mut k = self.write_for(w, who, "update", "replicasets", Some(name.to_owned()));
        k.uri = format!("{}/{name}", collection("apps", w.namespace, "replicasets"));
        let live = self.live[wi].as_ref().expect("a Deployment has live state");
        let top_uid = live.top.uid.clone();
        let (set, revision) = (live.top.set, live.revision);
        let restarted = live.restarted.clone();
        let hash = name.rsplit('-').next().unwrap_or_default().to_owned();
        if k.level != Level::Metadata {
            let shape = Shape {
                wi,
                kind: "ReplicaSet",
                name,
                stored: Some((uid, 2)),
                owner: Some(("Deployment", w.app, &top_uid)),
                hash: Some(&hash),
                set,
                restarted: restarted.as_deref(),
                replicas,
                revision,
            };
            k.request = self.capture(|g| g.object(&shape));
            k.response = k.request.clone();
        }
        self.write_workload(&k);
        k.level
    }

    /// The CronJob controller starts the next scheduled Job.
    pub(super) fn cron_spawn(&mut self) {
        let Some(wi) = self.pick_owned(|o| o == Owner::CronJob) else {
            return self.node_lease();
        };
        let c = self.c;
        let w = &WORKLOADS[wi];
        let who = &c.controllers[CTL_CRONJOB];
        let live = self.live[wi].as_ref().expect("a CronJob has live state");
        let minute = live
            .child
            .as_ref()
            .and_then(|j| j.name.rsplit('-').next())
            .and_then(|m| m.parse::<u64>().ok())
            .unwrap_or(0)
            + 5;
        let name = format!("{}-{minute}", w.app);
        let (top_uid, set) = (live.top.uid.clone(), live.top.set);
        let uid = self.rng.uuid();
        let mut k = self.write_for(w, who, "create", "jobs", Some(name.clone()));
        if k.level != Level::Metadata {
            for stored in [None, Some((uid.as_str(), 1))] {
                let shape = job_shape(wi, &name, stored, Some(("CronJob", w.app, &top_uid)), set);
                let body = self.capture(|g| g.object(&shape));
                match stored {
                    None => k.request = body,
                    Some(_) => k.response = body,
                }
            }
        }
        self.write_workload(&k);
        let mut job = Object::unlogged("Job", name, &mut self.rng);
        job.uid = uid;
        job.set = set;
        job.logged = Some(k.level != Level::Metadata);
        if let Some(live) = self.live[wi].as_mut() {
            live.child = Some(job);
        }
    }

    /// The CI pipeline creates a Job of its own (`kubectl apply`); its pods follow.
    pub(super) fn job_create(&mut self) {
        let Some(wi) = self.pick_owned(|o| o == Owner::Job) else {
            return self.node_lease();
        };
        let c = self.c;
        let w = &WORKLOADS[wi];
        let who = &c.people[2];
        let name = format!("{}-{}", w.app, self.rng.suffix(5));
        let uid = self.rng.uuid();
        let mut k = self.write_for(w, who, "create", "jobs", Some(name.clone()));
        k.uri
            .push_str(r"?fieldManager=kubectl-client-side-apply\u0026fieldValidation=Strict");
        if k.level != Level::Metadata {
            for stored in [None, Some((uid.as_str(), 1))] {
                let shape = job_shape(wi, &name, stored, None, None);
                let body = self.capture(|g| g.object(&shape));
                match stored {
                    None => k.request = body,
                    Some(_) => k.response = body,
                }
            }
        }
        self.write_workload(&k);
        let mut job = Object::unlogged("Job", name, &mut self.rng);
        job.uid = uid;
        if let Some(live) = self.live[wi].as_mut() {
            live.top = job;
        }
        let images = template_images(w, None)
            .iter()
            .map(|s| s.1)
            .collect::<Vec<_>>();
        self.logged(wi, &k, &images);
    }
}

/// The top object's kind, resource and API group for a workload's owner.
fn top_kind(owner: Owner) -> (&'static str, &'static str, &'static str) {
    match owner {
        Owner::DaemonSet => ("DaemonSet", "daemonsets", "apps"),
        Owner::StatefulSet => ("StatefulSet", "statefulsets", "apps"),
        Owner::CronJob => ("CronJob", "cronjobs", "batch"),
        Owner::Job => ("Job", "jobs", "batch"),
        _ => ("Deployment", "deployments", "apps"),
    }
}

/// A Job's shape.
fn job_shape<'a>(
    wi: usize,
    name: &'a str,
    stored: Option<(&'a str, u64)>,
    owner: Option<(&'static str, &'a str, &'a str)>,
    set: Option<(&'static str, &'static str)>,
) -> Shape<'a> {
    Shape {
        wi,
        kind: "Job",
        name,
        stored,
        owner,
        hash: None,
        set,
        restarted: None,
        replicas: 1,
        revision: 1,
    }
}

/// The template's images with `set` applied: init containers, then containers.
pub(super) fn template_images(
    w: &Workload,
    set: Option<(&'static str, &'static str)>,
) -> Vec<(&'static str, &'static str)> {
    w.init
        .iter()
        .chain(w.containers)
        .map(|&(name, image)| match set {
            Some((c, i)) if c == name => (name, i),
            _ => (name, image),
        })
        .collect()
}

/// The containers whose image differs between two template states, with the new image.
fn changed(
    w: &Workload,
    current: Option<(&'static str, &'static str)>,
    next: Option<(&'static str, &'static str)>,
) -> Vec<(&'static str, &'static str)> {
    let before = template_images(w, current);
    template_images(w, next)
        .into_iter()
        .zip(before)
        .filter(|(after, before)| after != before)
        .map(|(after, _)| after)
        .collect()
}
