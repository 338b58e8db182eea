//! A reproducible generator of realistic Kubernetes audit logs (docs/performance.md), shared by
//! `benches/scan.rs` and `examples/gen-audit-log.rs`.
//!
//! [`generate`] writes JSON lines the way a busy cluster's API server writes them: `audit.k8s.io/v1`
//! events with the API server's key order, and `&`, `<`, `>` inside strings escaped as `\u0026`,
//! `\u003c`, `\u003e`, as Go's `encoding/json` does. The default mix, by share of lines:
//!
//! | lines | what |
//! |---|---|
//! | 38 % | node and leader-election lease `get`/`update` |
//! | 14 % | `get` of configmaps, secrets, pods, service accounts |
//! | 10 % | kubelet `pods/status` patches (container statuses with image strings) |
//! | 9 %  | watches and lists (`\u0026` in `requestURI`), about 30 % of them on pods |
//! | 8 %  | `events` creates, 40 % with the body (`involvedObject` a Pod) |
//! | 6 %  | `tokenreviews`; 4 % `subjectaccessreviews` (some asking about `create pods`) |
//! | 4 %  | endpoint slice updates; 4 % service account token creates |
//! | 1 %  | kubelet `nodes/status` patches (node images; `"pods":"110"` in the capacity) |
//! | 0.8 % | pod creates; 0.6 % scheduler `pods/binding` creates |
//! | 0.5 % | workload writes: Deployments, ReplicaSets, DaemonSets, StatefulSets, CronJobs, Jobs |
//! | 0.2 % | `pods/exec` and `pods/eviction` creates |
//!
//! Pods come from controller chains and from people. Deployments roll out through ReplicaSets
//! named `<deployment>-<pod-template-hash>` (pods `<replicaset>-<5 chars>`), CronJobs spawn Jobs,
//! DaemonSets and StatefulSets make their own pods, and the CI pipeline creates Jobs; a person or
//! pipeline changes templates with `kubectl set image` (a strategic-merge patch of the template's
//! containers), `kubectl rollout restart` (a patch of the template annotation
//! `kubectl.kubernetes.io/restartedAt`) or server-side apply, and the controllers, as
//! `system:serviceaccount:kube-system:<controller>` or, for every third seed,
//! `system:kube-controller-manager`, write the ReplicaSets and Jobs with `ownerReferences`
//! (`controller: true`, uids) and scale them. The workloads were created before the log starts,
//! so until someone changes them in the log their owners are not in it; writes in `payments` are
//! logged at `Metadata` level only. People also create pods with `kubectl run` and `kubectl
//! apply` (with its `last-applied-configuration`), and now and then one that claims, with a forged
//! owner reference, to belong to a ReplicaSet.
//!
//! Every request is logged at `Metadata`, `Request` or `RequestResponse` (whose `managedFields`
//! make pods 3–15 KB); a third are preceded, a few lines later, by their `RequestReceived` stage;
//! a few pod creates are rejected (403) or dry runs. Images come from a fixed catalogue, each
//! known to be allowed or not by `testdata/allow.yaml`, so [`GenStats::findings`] says how many
//! findings the tool must report, and the truth sidecar what attribution must conclude about each
//! (its format is in `gen/owners.rs`). `GenOptions::workload_factor` multiplies the share of pod
//! and workload traffic at the same size; `GenOptions::workload_writes` stops that traffic after
//! so many workload writes, so the log can grow without them. Lines are 0.5–15 KB.
//!
//! The output depends only on the options: a hand-written splitmix64 makes every choice, and the
//! clock is simulated from 2026-03-02T00:00:00Z.
//!
//! This file holds the driver and the event envelope; `gen/cluster.rs` the simulated cluster and
//! the mix, `gen/catalog.rs` the workloads and images, `gen/traffic.rs` the everyday requests,
//! `gen/pods.rs` pod creates, `gen/lifecycle.rs` what happens to pods afterwards,
//! `gen/rollout.rs`, `gen/objects.rs` and `gen/writes.rs` workload writes, and `gen/owners.rs`
//! the workload objects' state and the truth.

#[path = "gen/catalog.rs"]
mod catalog;
#[path = "gen/cluster.rs"]
mod cluster;
#[path = "gen/lifecycle.rs"]
mod lifecycle;
#[path = "gen/objects.rs"]
mod objects;
#[path = "gen/owners.rs"]
mod owners;
#[path = "gen/pods.rs"]
mod pods;
#[path = "gen/rollout.rs"]
mod rollout;
#[path = "gen/traffic.rs"]
mod traffic;
#[path = "gen/writes.rs"]
mod writes;

use std::fmt::{self, Write as _};
use std::io;

use catalog::{Owner, WORKLOADS};
use cluster::{Actor, Cluster, Kind, MIX, Pod};
use owners::Live;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct GenOptions {
    /// Every choice follows from it.
    pub seed: u64,
    /// Write at least this many bytes (at most a few tens of KB more).
    pub size_bytes: u64,
    /// How much more pod and workload traffic (pod creates, bindings, rollouts, scaling, Jobs)
    /// than the default mix, at the same total size: 10 gives ten times the share of lines.
    pub workload_factor: f64,
    /// Once this many workload writes are written, the pod and workload traffic stops and the
    /// log goes on with everyday requests only, so a larger size adds input but neither workload
    /// writes nor findings. `None`: no limit.
    pub workload_writes: Option<u64>,
}

impl GenOptions {
    /// The default mix for `seed` and `size_bytes`.
    pub fn new(seed: u64, size_bytes: u64) -> Self {
        GenOptions {
            seed,
            size_bytes,
            workload_factor: 1.0,
            workload_writes: None,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenStats {
    /// Lines written, each ending with a newline.
    pub lines: u64,
    /// Lines that are pod creates (`create` on `pods`, no subresource), every stage counted: what
    /// the tool's summary calls `pod_requests`.
    pub pod_creates: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Findings `falco-pod-scan --allow testdata/allow.yaml` must report: one per pod-create
    /// request whose `ResponseComplete` event shows a disallowed image or no request body.
    pub findings: u64,
    /// Successful creates, updates and patches of workload objects (Deployments, ReplicaSets,
    /// DaemonSets, StatefulSets, CronJobs, Jobs), without subresource: one per request.
    pub workload_writes: u64,
    /// Pod-create requests by the kind their controller owner reference names: ReplicaSet,
    /// DaemonSet, StatefulSet, Job, a forged ReplicaSet, none.
    pub pods_by_owner: [u64; 6],
}

impl fmt::Display for GenStats {
    /// `N lines, B bytes, P pod-create events, F expected findings (testdata/allow.yaml); W
    /// workload writes; pods by owner: …` — `scripts/bench.sh` shows it as it is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [rs, ds, ss, job, forged, none] = self.pods_by_owner;
        write!(
            f,
            "{} lines, {} bytes, {} pod-create events, {} expected findings (testdata/allow.yaml); \
             {} workload writes; pods by owner: {rs} ReplicaSet, {ds} DaemonSet, {ss} StatefulSet, \
             {job} Job, {forged} forged, {none} none",
            self.lines, self.bytes, self.pod_creates, self.findings, self.workload_writes
        )
    }
}

/// Writes at least `opts.size_bytes` of audit log to `out`, and with `truth` what attribution
/// must conclude about each pod-create finding (the sidecar format is in `gen/owners.rs`).
pub fn generate(
    opts: &GenOptions,
    out: &mut impl io::Write,
    truth: Option<&mut dyn io::Write>,
) -> io::Result<GenStats> {
    let cluster = Cluster::new(opts.seed);
    let mut truth = truth;
    let mut g = Gen::new(opts, &cluster, truth.is_some());
    while g.stats.bytes + g.out.len() as u64 + g.deferred_len() < opts.size_bytes {
        g.request();
        g.tick();
        if g.out.len() >= 1 << 16 {
            g.flush(out, &mut truth)?;
        }
    }
    while !g.deferred.is_empty() {
        g.tick();
    }
    g.flush(out, &mut truth)?;
    Ok(g.stats)
}

/// 2026-03-02T00:00:00Z in microseconds since the epoch.
const START: u64 = 1_772_409_600_000_000;
/// The build string in every control-plane user agent.
const K8S: &str = "v1.29.2 (linux/amd64) kubernetes/4b8e819";

/// splitmix64: tiny, fast, and good enough to make choices.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is far below anything that matters here).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` / 100.
    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// An index into a slice of length `len`.
    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A random version-4 UUID.
    fn uuid(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            (b >> 48) & 0x3fff | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }

    /// `n` characters of the alphabet Kubernetes uses for generated name suffixes.
    fn suffix(&mut self, n: usize) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..n)
            .map(|_| char::from(ALPHABET[self.index(ALPHABET.len())]))
            .collect()
    }

    /// `n` lowercase hex digits.
    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.index(16)]))
            .collect()
    }
}

/// The generator's state: the clock, the pods, the line being written and the lines written.
struct Gen<'c> {
    rng: Rng,
    c: &'c Cluster,
    /// Simulated time, µs since the epoch.
    now: u64,
    /// The line being built.
    line: String,
    /// Finished lines not yet flushed.
    out: String,
    /// Lines to write after some more requests: (requests to wait, line).
    deferred: Vec<(u32, String)>,
    /// Recently created pods (a ring).
    pods: Vec<Pod>,
    next_pod: usize,
    /// Created pods the scheduler has not bound yet.
    unbound: Vec<Pod>,
    /// The cluster's resourceVersion counter.
    rv: u64,
    /// The request mix, its weights scaled by the workload factor.
    mix: Vec<(Kind, u64)>,
    /// The workload writes after which the pod and workload traffic stops, until it has.
    stop_after: Option<u64>,
    /// Each workload's objects (`None` for pods people create).
    live: Vec<Option<Live>>,
    /// Truth sidecar lines not yet flushed, when asked for.
    truth: Option<String>,
    stats: GenStats,
}

/// How many pods the generator remembers.
const POD_RING: usize = 1024;

impl<'c> Gen<'c> {
    fn new(opts: &GenOptions, c: &'c Cluster, truth: bool) -> Self {
        let mut rng = Rng(opts.seed);
        let live = (0..WORKLOADS.len())
            .map(|i| Live::initial(i, START, &mut rng))
            .collect();
        let mix = MIX
            .iter()
            .map(|&(kind, weight)| {
                let factor = if kind.scaled() {
                    opts.workload_factor
                } else {
                    1.0
                };
                (kind, scale_weight(weight, factor))
            })
            .collect();
        let mut g = Gen {
            rng,
            c,
            now: START,
            line: String::with_capacity(1 << 14),
            out: String::with_capacity(1 << 17),
            deferred: Vec::new(),
            pods: Vec::with_capacity(POD_RING),
            next_pod: 0,
            unbound: Vec::new(),
            rv: 4_812_030,
            mix,
            stop_after: opts.workload_writes,
            live,
            truth: truth.then(String::new),
            stats: GenStats::default(),
        };
        for _ in 0..POD_RING / 2 {
            let w = g.pick_workload();
            let pod = g.new_pod(w);
            g.remember(pod);
        }
        g
    }

    // ---- the mix ------------------------------------------------------------------------------

    /// Makes one API request: one line, sometimes two.
    fn request(&mut self) {
        if self
            .stop_after
            .is_some_and(|limit| self.stats.workload_writes >= limit)
        {
            self.stop_after = None;
            for (kind, weight) in &mut self.mix {
                if kind.scaled() {
                    *weight = 0;
                }
            }
        }
        self.now += self.rng.range(100, 5000);
        let total: u64 = self.mix.iter().map(|m| m.1).sum();
        let mut roll = self.rng.below(total);
        let kind = self
            .mix
            .iter()
            .find(|(_, weight)| {
                let hit = roll < *weight;
                roll = roll.saturating_sub(*weight);
                hit
            })
            .map_or(Kind::NodeLease, |m| m.0);
        match kind {
            Kind::NodeLease => self.node_lease(),
            Kind::LeaderLease => self.leader_lease(),
            Kind::Watch => self.watch(),
            Kind::List => self.list(),
            Kind::PodStatus => self.pod_status(),
            Kind::NodeStatus => self.node_status(),
            Kind::Event => self.event(),
            Kind::TokenReview => self.token_review(),
            Kind::AccessReview => self.access_review(),
            Kind::Get => self.get(),
            Kind::SaToken => self.sa_token(),
            Kind::EndpointSlice => self.endpoint_slice(),
            Kind::PodCreate => self.pod_create(),
            Kind::Binding => self.binding(),
            Kind::Exec => self.exec(),
            Kind::Eviction => self.eviction(),
            Kind::Rollout => self.rollout(),
            Kind::Scale => self.scale(),
            Kind::CronSpawn => self.cron_spawn(),
            Kind::JobCreate => self.job_create(),
        }
    }

    /// Counts one request off every deferred line and emits those that are due.
    fn tick(&mut self) {
        let mut i = 0;
        while i < self.deferred.len() {
            if self.deferred[i].0 == 0 {
                let (_, line) = self.deferred.swap_remove(i);
                self.out.push_str(&line);
            } else {
                self.deferred[i].0 -= 1;
                i += 1;
            }
        }
    }

    fn deferred_len(&self) -> u64 {
        self.deferred.iter().map(|d| d.1.len() as u64).sum()
    }

    fn flush(
        &mut self,
        out: &mut impl io::Write,
        truth: &mut Option<&mut dyn io::Write>,
    ) -> io::Result<()> {
        out.write_all(self.out.as_bytes())?;
        self.stats.bytes += self.out.len() as u64;
        self.out.clear();
        if let (Some(sink), Some(lines)) = (truth.as_mut(), self.truth.as_mut()) {
            sink.write_all(lines.as_bytes())?;
            lines.clear();
        }
        Ok(())
    }

    // ---- writing ------------------------------------------------------------------------------

    /// Appends string pieces to the line.
    fn s(&mut self, parts: &[&str]) {
        for part in parts {
            self.line.push_str(part);
        }
    }

    /// Appends `metadata.ownerReferences` holding one controller owner, as the controllers write
    /// it (a leading comma included).
    fn owner_reference(&mut self, kind: &str, name: &str, uid: &str) {
        let api = if matches!(kind, "Job" | "CronJob") {
            "batch/v1"
        } else {
            "apps/v1"
        };
        self.s(&[
            r#","ownerReferences":[{"apiVersion":""#,
            api,
            r#"","kind":""#,
            kind,
            r#"","name":""#,
            name,
            r#"","uid":""#,
            uid,
            r#"","controller":true,"blockOwnerDeletion":true}]"#,
        ]);
    }

    /// Appends a number.
    fn n(&mut self, n: u64) {
        write!(self.line, "{n}").expect("writing to a String cannot fail");
    }

    /// Appends a timestamp: RFC 3339 UTC with microseconds, or whole seconds.
    fn time(&mut self, micros: u64, fraction: bool) {
        write_time(&mut self.line, micros, fraction);
    }

    /// Ends the line and queues it for output.
    fn emit(&mut self) {
        self.line.push('\n');
        self.out.push_str(&self.line);
        self.line.clear();
        self.stats.lines += 1;
    }

    /// Ends the line and holds it back for `requests` more requests.
    fn defer(&mut self, requests: u32) {
        self.line.push('\n');
        self.deferred.push((requests, self.line.clone()));
        self.line.clear();
        self.stats.lines += 1;
    }

    /// Writes the event up to and including `userAgent`.
    fn head(&mut self, level: &str, id: &str, stage: &str, uri: &str, verb: &str, who: &Actor) {
        self.s(&[
            r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":""#,
            level,
            r#"","auditID":""#,
            id,
            r#"","stage":""#,
            stage,
            r#"","requestURI":""#,
            uri,
            r#"","verb":""#,
            verb,
            r#"","user":"#,
            &who.user,
            r#","sourceIPs":[""#,
            &who.ip,
            r#""],"userAgent":""#,
            &who.user_agent,
            r#"""#,
        ]);
    }

    /// Writes `objectRef`; `group` empty for the core API.
    fn object_ref(&mut self, resource: &str, ns: Option<&str>, name: Option<&str>, group: &str) {
        self.s(&[r#","objectRef":{"resource":""#, resource, "\""]);
        if let Some(ns) = ns {
            self.s(&[r#","namespace":""#, ns, "\""]);
        }
        if let Some(name) = name {
            self.s(&[r#","name":""#, name, "\""]);
        }
        if !group.is_empty() {
            self.s(&[r#","apiGroup":""#, group, "\""]);
        }
        self.s(&[r#","apiVersion":"v1""#]);
    }

    /// Closes `objectRef`, naming the subresource if there is one.
    fn end_ref(&mut self, subresource: Option<&str>) {
        if let Some(sub) = subresource {
            self.s(&[r#","subresource":""#, sub, "\""]);
        }
        self.line.push('}');
    }

    fn status(&mut self, code: u64) {
        self.s(&[r#","responseStatus":{"metadata":{},"code":"#]);
        self.n(code);
        self.line.push('}');
    }

    /// Writes the timestamps and the annotations and closes the event.
    fn tail(&mut self, received: u64, stage: u64, who: &Actor, extra: &str) {
        self.s(&[r#","requestReceivedTimestamp":""#]);
        self.time(received, true);
        self.s(&[r#"","stageTimestamp":""#]);
        self.time(stage, true);
        self.s(&[
            r#"","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""#,
            &who.reason,
            "\"",
            extra,
            "}}",
        ]);
    }

    /// A request latency in µs.
    fn latency(&mut self) -> u64 {
        if self.rng.percent(95) {
            self.rng.range(300, 4000)
        } else {
            self.rng.range(4000, 120_000)
        }
    }

    // ---- pods the generator knows ------------------------------------------------------------

    fn pick_workload(&mut self) -> usize {
        let total: u64 = WORKLOADS.iter().map(|w| w.weight).sum();
        let mut roll = self.rng.below(total);
        WORKLOADS
            .iter()
            .position(|w| {
                let hit = roll < w.weight;
                roll = roll.saturating_sub(w.weight);
                hit
            })
            .unwrap_or(0)
    }

    fn new_pod(&mut self, workload: usize) -> Pod {
        let w = &WORKLOADS[workload];
        let parent = match w.owner {
            Owner::Forged(victim) => self.live[victim].as_ref(),
            _ => self.live[workload].as_ref(),
        }
        .map(Live::pod_owner);
        let owner = parent.map(|o| (o.kind, o.name.clone(), o.uid.clone()));
        let set = match w.owner {
            Owner::Forged(_) => None,
            _ => parent.and_then(|o| o.set),
        };
        let name = match (&owner, w.owner) {
            (_, Owner::StatefulSet) => format!("{}-{}", w.app, self.rng.below(3)),
            (_, Owner::DaemonSet) => format!("{}-{}", w.app, self.rng.suffix(5)),
            (Some((_, parent, _)), _) => format!("{parent}-{}", self.rng.suffix(5)),
            (None, _) => format!("{}-{}", w.app, self.rng.suffix(4)),
        };
        let node = self.rng.index(self.c.nodes.len());
        Pod {
            workload,
            name,
            uid: self.rng.uuid(),
            node,
            ip: format!("10.244.{}.{}", node + 1, self.rng.range(2, 254)),
            owner,
            set,
        }
    }

    fn remember(&mut self, pod: Pod) {
        if self.pods.len() < POD_RING {
            self.pods.push(pod);
        } else {
            self.pods[self.next_pod] = pod;
            self.next_pod = (self.next_pod + 1) % POD_RING;
        }
    }

    fn some_pod(&mut self) -> Pod {
        let i = self.rng.index(self.pods.len());
        self.pods[i].clone()
    }

    fn next_rv(&mut self) -> u64 {
        self.rv += self.rng.range(1, 40);
        self.rv
    }
}

/// Appends a timestamp to `line`: RFC 3339 UTC with microseconds, or whole seconds.
fn write_time(line: &mut String, micros: u64, fraction: bool) {
    let secs = i64::try_from(micros / 1_000_000).expect("a simulated clock fits an i64");
    let t = jiff::civil::datetime(1970, 1, 1, 0, 0, 0, 0)
        .checked_add(jiff::SignedDuration::from_secs(secs))
        .expect("the simulated clock stays within jiff's years");
    write!(
        line,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
    .expect("writing to a String cannot fail");
    if fraction {
        write!(line, ".{:06}", micros % 1_000_000).expect("writing to a String");
    }
    line.push('Z');
}

/// A mix weight times `factor`, in hundredths of the table's weights, so small factors still
/// count.
#[expect(clippy::cast_sign_loss, reason = "the factor is 0 or more")]
fn scale_weight(weight: u64, factor: f64) -> u64 {
    let weight = f64::from(u32::try_from(weight).expect("mix weights are small"));
    (weight * factor.max(0.0) * 100.0).round() as u64
}
