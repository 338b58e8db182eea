//! The verdicts: which events are pod requests (or, with `--workloads`, workload requests), and
//! which of those are findings.
//!
//! [`Policy`] holds everything a verdict depends on, and [`Policy::consider`] is the one place
//! that picks whose rules apply: this tool's ([`default`]: pod creates and the other ways a pod
//! gets an image, normalized images, glob patterns; see docs/events.md) or Falco's ([`falco`]:
//! exactly *Create Disallowed Pod*; see docs/falco.md). With `--workloads`, this tool's rules
//! also judge writes of workload objects by their pod templates ([`template`]). The rules read
//! borrowed events and build findings through [`crate::finding::FindingBuilder`]; [`stage`] then
//! keeps one finding per API request. With `--suggest-allowlist`, [`accepted()`] picks the pod
//! requests the API server accepted.
//!
//! Data flows one way: the rules use `event`, `image`, `allow`, `finding` and the Falco helpers
//! in `falco`, and none of those know about the rules, the way a search dispatches over matchers
//! that never import it back.

pub mod accepted;
pub mod default;
pub mod falco;
pub mod stage;
pub mod template;
pub mod workload;

use crate::allow::Allowlist;
use crate::event::AuditEvent;
use crate::filter::Scope;
use crate::finding::Finding;

pub use accepted::accepted;
pub use default::pod_action;
pub use stage::{Candidate, select};

/// Everything that decides a verdict: the allowlist, how unqualified images resolve, and whose
/// rules apply.
#[derive(Debug)]
pub struct Policy {
    /// The compiled allowlist.
    pub allowlist: Allowlist,
    /// The registry unqualified names resolve to (`--default-registry`).
    pub default_registry: String,
    /// This tool's rules or Falco's.
    pub mode: Mode,
    /// `--workloads`: this tool's rules also judge writes of workload objects by their pod
    /// templates. Falco's rules have no such thing (the command line refuses the pair).
    pub workloads: bool,
    /// Which requests are reported (`--since`, `--namespace`, …) and whether accepted ones are
    /// collected (`--suggest-allowlist`).
    pub scope: Scope,
}

/// Whose rules select and judge events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Pod creates and the other ways a pod gets an image, normalized images, globs.
    #[default]
    Default,
    /// `--falco`: exactly Falco's *Create Disallowed Pod*.
    Falco,
}

/// What a rule makes of a request it considers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "made once per pod request and moved at once into a candidate, which boxes it"
)]
pub enum Verdict {
    /// Every image is allowed.
    Allowed,
    /// Something is not allowed (or cannot be shown to be): the finding.
    Disallowed(Finding),
}

impl Verdict {
    /// The finding, if the request is one.
    pub fn into_finding(self) -> Option<Finding> {
        match self {
            Verdict::Allowed => None,
            Verdict::Disallowed(finding) => Some(finding),
        }
    }
}

impl Policy {
    /// The verdict on one event: `None` when the rules do not consider it at all.
    pub fn consider(&self, ev: &AuditEvent<'_>) -> Option<Verdict> {
        match self.mode {
            Mode::Default if self.workloads => {
                default::consider(ev, self).or_else(|| template::consider(ev, self))
            }
            Mode::Default => default::consider(ev, self),
            Mode::Falco => falco::consider(ev, self),
        }
    }

    /// Is `ev`, which [`Policy::consider`] considered, a workload request rather than a pod
    /// request?
    pub fn is_workload_request(&self, ev: &AuditEvent<'_>) -> bool {
        self.mode == Mode::Default && self.workloads && template::workload_action(ev).is_some()
    }
}
