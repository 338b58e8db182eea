//! A reproducible generator of realistic Kubernetes audit logs (docs/performance.md), shared by
//! `benches/scan.rs` and `examples/gen-audit-log.rs`.
//!
//! [`generate`] writes JSON lines the way a busy cluster's API server writes them: `audit.k8s.io/v1`
//! events with the API server's key order, and `&`, `<`, `>` inside strings escaped as `\u0026`,
//! `\u003c`, `\u003e`, as Go's `encoding/json` does. The mix, by share of lines (seed 42):
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
//! | 0.85 % | pod creates; 0.6 % scheduler `pods/binding` creates |
//! | 0.3 % | `pods/exec` and `pods/eviction` creates |
//!
//! Pod creates come from controllers (ReplicaSet, DaemonSet, StatefulSet, Job) and from people
//! (`kubectl run`, `kubectl apply` with its `last-applied-configuration`), at level `Metadata`,
//! `Request` or `RequestResponse` (whose `managedFields` make them 3–15 KB). A third are preceded,
//! a few lines earlier, by their `RequestReceived` stage; a few are rejected (403) or dry runs.
//! Their images come from a fixed set of workloads, each known to be allowed or not by
//! `testdata/allow.yaml`, so [`GenStats::findings`] says how many findings the tool must report.
//! Lines are 0.5–15 KB.
//!
//! The output depends only on the seed and the size: a hand-written splitmix64 makes every choice,
//! and the clock is simulated from 2026-03-02T00:00:00Z.
//!
//! This file holds the driver and the event envelope; `gen/cluster.rs` the simulated cluster and
//! the mix, `gen/traffic.rs` the everyday requests, `gen/pods.rs` pod creates, and
//! `gen/lifecycle.rs` what happens to pods afterwards.

#[path = "gen/cluster.rs"]
mod cluster;
#[path = "gen/lifecycle.rs"]
mod lifecycle;
#[path = "gen/pods.rs"]
mod pods;
#[path = "gen/traffic.rs"]
mod traffic;

use std::fmt::Write as _;
use std::io;

use cluster::{Actor, Cluster, Kind, MIX, Owner, Pod, WORKLOADS};

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
}

/// Writes at least `size_bytes` of audit log for `seed` to `out` (it stops after the request
/// that crosses the size, so it writes at most a few tens of KB more).
pub fn generate(seed: u64, size_bytes: u64, out: &mut impl io::Write) -> io::Result<GenStats> {
    let cluster = Cluster::new(seed);
    let mut g = Gen::new(seed, &cluster);
    while g.stats.bytes + g.out.len() as u64 + g.deferred_len() < size_bytes {
        g.request();
        g.tick();
        if g.out.len() >= 1 << 16 {
            g.flush(out)?;
        }
    }
    while !g.deferred.is_empty() {
        g.tick();
    }
    g.flush(out)?;
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
    stats: GenStats,
}

/// How many pods the generator remembers.
const POD_RING: usize = 1024;

impl<'c> Gen<'c> {
    fn new(seed: u64, c: &'c Cluster) -> Self {
        let mut g = Gen {
            rng: Rng(seed),
            c,
            now: START,
            line: String::with_capacity(1 << 14),
            out: String::with_capacity(1 << 17),
            deferred: Vec::new(),
            pods: Vec::with_capacity(POD_RING),
            next_pod: 0,
            unbound: Vec::new(),
            rv: 4_812_030,
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
        self.now += self.rng.range(100, 5000);
        let total: u64 = MIX.iter().map(|m| m.1).sum();
        let mut roll = self.rng.below(total);
        let kind = MIX
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

    fn flush(&mut self, out: &mut impl io::Write) -> io::Result<()> {
        out.write_all(self.out.as_bytes())?;
        self.stats.bytes += self.out.len() as u64;
        self.out.clear();
        Ok(())
    }

    // ---- writing ------------------------------------------------------------------------------

    /// Appends string pieces to the line.
    fn s(&mut self, parts: &[&str]) {
        for part in parts {
            self.line.push_str(part);
        }
    }

    /// Appends a number.
    fn n(&mut self, n: u64) {
        write!(self.line, "{n}").expect("writing to a String cannot fail");
    }

    /// Appends a timestamp: RFC 3339 UTC with microseconds, or whole seconds.
    fn time(&mut self, micros: u64, fraction: bool) {
        let secs = i64::try_from(micros / 1_000_000).expect("a simulated clock fits an i64");
        let t = jiff::civil::datetime(1970, 1, 1, 0, 0, 0, 0)
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .expect("the simulated clock stays within jiff's years");
        write!(
            self.line,
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
            write!(self.line, ".{:06}", micros % 1_000_000).expect("writing to a String");
        }
        self.line.push('Z');
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
        let name = match w.owner {
            Owner::ReplicaSet(hash) => format!("{}-{hash}-{}", w.app, self.rng.suffix(5)),
            Owner::DaemonSet => format!("{}-{}", w.app, self.rng.suffix(5)),
            Owner::StatefulSet => format!("{}-{}", w.app, self.rng.below(3)),
            Owner::Job => format!("{}-{}-{}", w.app, self.now / 60_000_000, self.rng.suffix(5)),
            Owner::Run | Owner::Apply => format!("{}-{}", w.app, self.rng.suffix(4)),
        };
        let node = self.rng.index(self.c.nodes.len());
        Pod {
            workload,
            name,
            uid: self.rng.uuid(),
            node,
            ip: format!("10.244.{}.{}", node + 1, self.rng.range(2, 254)),
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
