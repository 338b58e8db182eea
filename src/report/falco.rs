//! `--format falco`: Falco's text alert line, so that pipelines built for Falco — falcosidekick,
//! log shippers, SIEM parsers — take this tool's findings unchanged. The alert's fields and line
//! are shared with `--format falco-json` (`falco_json.rs`), whose `output` is this line.
//!
//! Falco builds an alert (`userspace/engine/formats.cpp`) from the rule's output
//! `Pod started with container not in allowed list (user=%ka.user.name pod=%ka.resp.name
//! ns=%ka.target.namespace images=%ka.req.pod.containers.image)`, prefixed by
//! `%evt.time.iso8601: Warning` (Falco's `time_format_iso_8601: true`):
//!
//! ```text
//! 2018-10-25T14:09:49.761315000+0000: Warning Pod started with container not in allowed list (user=system:serviceaccount:kube-system:replicaset-controller pod=nginx-deployment-78f5d695bd-nxqz5 ns=default images=(nginx))
//! ```
//!
//! A field Falco cannot extract prints as `<NA>`; the image list prints as `(a,b)`, and an empty
//! one cannot be extracted, so it is `<NA>` too.
//!
//! The time is the finding's `time`, read as Falco reads `stageTimestamp` ([`parse_rfc3339`]);
//! in the default mode that may be another timestamp, or none that parses (then `<NA>`). The text
//! line escapes control and bidi characters like the table does (a newline in a pod name must not
//! forge a second alert line); the JSON alert's `output` keeps them raw, escaped only as JSON, as
//! Falco's does.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::escape::escape;
use crate::falco::time::{Nanos, parse_rfc3339};
use crate::finding::Finding;

/// The rule's priority, as Falco prints `WARNING`.
pub(super) const PRIORITY: &str = "Warning";
/// What Falco prints for a field it cannot extract.
const NA: &str = "<NA>";

/// The values of one alert, as Falco's output fields.
pub(super) struct Fields<'f> {
    /// `evt.time`.
    pub(super) time: Option<Nanos>,
    /// `ka.user.name`.
    pub(super) user: Option<&'f str>,
    /// `ka.resp.name`.
    pub(super) pod: Option<&'f str>,
    /// `ka.target.namespace`.
    pub(super) namespace: Option<&'f str>,
    /// `ka.req.pod.containers.image` (never empty: Falco cannot extract an empty list).
    pub(super) images: Option<&'f [String]>,
}

impl<'f> Fields<'f> {
    /// The fields of a finding.
    pub(super) fn of(f: &'f Finding) -> Self {
        Fields {
            time: f.time.as_deref().and_then(parse_rfc3339),
            user: f.user.as_deref(),
            pod: f.pod.as_deref(),
            namespace: f.namespace.as_deref(),
            images: f.images.as_deref().filter(|images| !images.is_empty()),
        }
    }

    /// The alert line, each value passed through `show`.
    pub(super) fn line(&self, show: &dyn Fn(&str) -> String) -> String {
        let value = |v: Option<&str>| v.map_or_else(|| NA.to_owned(), show);
        let images = self.images.map_or_else(
            || NA.to_owned(),
            |images| {
                let shown: Vec<String> = images.iter().map(|i| show(i)).collect();
                format!("({})", shown.join(","))
            },
        );
        let mut line = String::new();
        match self.time {
            Some(t) => {
                let _ = write!(line, "{}", t.iso8601());
            }
            None => line.push_str(NA),
        }
        let _ = write!(
            line,
            ": {PRIORITY} Pod started with container not in allowed list (user={} pod={} ns={} images={images})",
            value(self.user),
            value(self.pod),
            value(self.namespace),
        );
        line
    }
}

/// Writes one Falco text line per finding.
pub fn write(findings: &[Finding], out: &mut impl Write) -> io::Result<()> {
    for f in findings {
        writeln!(out, "{}", Fields::of(f).line(&|s| escape(s).into_owned()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
