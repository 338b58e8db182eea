//! `--format falco-json`: Falco's JSON alert, one per line, as falcosidekick and other Falco
//! consumers read it.
//!
//! The alert is one line of nlohmann's compact `dump()` of an object whose keys are sorted:
//! `hostname`, `output` (the text line of `--format falco`, unescaped), `output_fields`
//! (`evt.time` as integer nanoseconds, `ka.req.pod.containers.image` as an array, the three
//! names; `null` for what cannot be extracted), `priority` `Warning`, `rule`, `source`
//! `k8s_audit`, `tags` `["k8s"]` and `time` (`2018-10-25T14:09:49.761315000Z`). serde_json's
//! compact output escapes exactly as nlohmann does (`\n`, `\t`, …, other control characters as
//! `\u00XX`, everything else raw UTF-8), so the line is byte for byte Falco's.
//!
//! `hostname` is given by the caller: the configuration resolves it once, as Falco does, from
//! `FALCO_HOSTNAME`, else `FALCO_GRPC_HOSTNAME`, else the machine's host name.

use std::io::{self, Write};

use serde::Serialize;

use super::falco::{Fields, PRIORITY};
use crate::falco::time::Nanos;
use crate::finding::Finding;

/// The rule's name.
const RULE: &str = "Create Disallowed Pod";
/// The rule's event source.
const SOURCE: &str = "k8s_audit";
/// The rule's tags.
const TAGS: [&str; 1] = ["k8s"];

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

/// Writes one Falco JSON alert per line, with `hostname` as the host name.
pub fn write(findings: &[Finding], hostname: &str, out: &mut impl Write) -> io::Result<()> {
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
