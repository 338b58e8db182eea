//! Falco's alert formats (SPEC §9 `falco`, `falco-json`), so that pipelines built for Falco —
//! falcosidekick, log shippers, SIEM parsers — take this tool's findings unchanged.
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
//! one cannot be extracted, so it is `<NA>` too. The JSON alert is one line of nlohmann's compact
//! `dump()` of an object whose keys are sorted: `hostname`, `output` (the text line),
//! `output_fields` (`evt.time` as integer nanoseconds, `ka.req.pod.containers.image` as an array,
//! the three names; `null` for what cannot be extracted), `priority` `Warning`, `rule`, `source`
//! `k8s_audit`, `tags` `["k8s"]` and `time` (`2018-10-25T14:09:49.761315000Z`). serde_json's
//! compact output escapes exactly as nlohmann does (`\n`, `\t`, …, other control characters as
//! `\u00XX`, everything else raw UTF-8), so the line is byte for byte Falco's.
//!
//! The time is the finding's `time`, read as Falco reads `stageTimestamp` ([`parse_rfc3339`]);
//! in the default mode that may be another timestamp, or none that parses (then `<NA>` and
//! `null`). The text line escapes control and bidi characters like the table does (a newline in a
//! pod name must not forge a second alert line); the JSON `output` keeps them raw, escaped only
//! as JSON, as Falco's does.
//!
//! `hostname` is Falco's: the `FALCO_HOSTNAME` environment variable, else `FALCO_GRPC_HOSTNAME`,
//! else the machine's host name ([`hostname`]).

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

use crate::escape::escape;
use crate::falco::time::{Nanos, parse_rfc3339};
use crate::finding::Finding;

/// The rule's name.
const RULE: &str = "Create Disallowed Pod";
/// The rule's priority, as Falco prints `WARNING`.
const PRIORITY: &str = "Warning";
/// The rule's event source.
const SOURCE: &str = "k8s_audit";
/// The rule's tags.
const TAGS: [&str; 1] = ["k8s"];
/// What Falco prints for a field it cannot extract.
const NA: &str = "<NA>";

/// The values of one alert, as Falco's output fields.
struct Fields<'f> {
    /// `evt.time`.
    time: Option<Nanos>,
    /// `ka.user.name`.
    user: Option<&'f str>,
    /// `ka.resp.name`.
    pod: Option<&'f str>,
    /// `ka.target.namespace`.
    namespace: Option<&'f str>,
    /// `ka.req.pod.containers.image` (never empty: Falco cannot extract an empty list).
    images: Option<&'f [String]>,
}

impl<'f> Fields<'f> {
    /// The fields of a finding.
    fn of(f: &'f Finding) -> Self {
        Fields {
            time: f.time.as_deref().and_then(parse_rfc3339),
            user: f.user.as_deref(),
            pod: f.pod.as_deref(),
            namespace: f.namespace.as_deref(),
            images: f.images.as_deref().filter(|images| !images.is_empty()),
        }
    }

    /// The alert line, each value passed through `show`.
    fn line(&self, show: &dyn Fn(&str) -> String) -> String {
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

/// Falco's JSON alert; fields in sorted order, as nlohmann's `std::map` writes them.
#[derive(Serialize)]
struct Alert<'f> {
    /// Falco's host name.
    hostname: &'f str,
    /// The text line.
    output: String,
    /// The rule's output fields plus `evt.time`.
    output_fields: OutputFields<'f>,
    /// `Warning`.
    priority: &'static str,
    /// `Create Disallowed Pod`.
    rule: &'static str,
    /// `k8s_audit`.
    source: &'static str,
    /// `["k8s"]`.
    tags: [&'static str; 1],
    /// The event time, `…nnnnnnnnnZ`.
    time: Option<String>,
}

/// `output_fields`, keys in sorted order.
#[derive(Serialize)]
struct OutputFields<'f> {
    /// Integer nanoseconds.
    #[serde(rename = "evt.time")]
    time: Option<i64>,
    /// The images, as an array.
    #[serde(rename = "ka.req.pod.containers.image")]
    images: Option<&'f [String]>,
    /// The pod's name from the response.
    #[serde(rename = "ka.resp.name")]
    pod: Option<&'f str>,
    /// `objectRef.namespace`.
    #[serde(rename = "ka.target.namespace")]
    namespace: Option<&'f str>,
    /// `user.username`.
    #[serde(rename = "ka.user.name")]
    user: Option<&'f str>,
}

/// Writes one Falco text line per finding.
pub fn write_text(findings: &[Finding], out: &mut impl Write) -> io::Result<()> {
    for f in findings {
        writeln!(out, "{}", Fields::of(f).line(&|s| escape(s).into_owned()))?;
    }
    Ok(())
}

/// Writes one Falco JSON alert per line, with `hostname` as the host name.
pub fn write_json(findings: &[Finding], hostname: &str, out: &mut impl Write) -> io::Result<()> {
    for f in findings {
        let fields = Fields::of(f);
        let alert = Alert {
            hostname,
            output: fields.line(&str::to_owned),
            output_fields: OutputFields {
                time: fields.time.map(Nanos::as_i64),
                images: fields.images,
                pod: fields.pod,
                namespace: fields.namespace,
                user: fields.user,
            },
            priority: PRIORITY,
            rule: RULE,
            source: SOURCE,
            tags: TAGS,
            time: fields.time.map(|t| t.json_time().to_string()),
        };
        serde_json::to_writer(&mut *out, &alert)?;
        writeln!(out)?;
    }
    Ok(())
}

/// The host name Falco would put in its alerts: `FALCO_HOSTNAME` (even empty, as in Falco), else
/// `FALCO_GRPC_HOSTNAME`, else the kernel's host name (what `gethostname` returns), else
/// `/etc/hostname`, else `localhost`.
pub fn hostname() -> String {
    for var in ["FALCO_HOSTNAME", "FALCO_GRPC_HOSTNAME"] {
        if let Some(name) = std::env::var_os(var) {
            return name.to_string_lossy().into_owned();
        }
    }
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .map(|name| name.trim().to_owned())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

#[cfg(test)]
mod tests;
