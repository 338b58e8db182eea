//! `--format junit`: a JUnit XML test report, the file GitLab (`artifacts:reports:junit`),
//! Jenkins (`junit`) and GitHub test-report actions read.
//!
//! One `<testsuite>` named `falco-pod-scan`, shaped as the Ant JUnit schema that these tools
//! follow asks (`properties`, the test cases, `system-out`, `system-err`; `name`, `timestamp`
//! without a zone, `hostname`, `tests`, `failures`, `errors`, `time`):
//!
//! * one failing test case per finding, named by what the finding is about so that the name is
//!   the same from one run to the next: `Pod shop/web-1 create` (kind, namespace/name, action),
//!   in the class `falco-pod-scan.NAMESPACE`; its `<failure>` has the reason as `type`, a message
//!   listing the disallowed images and the `file:line`, and the details (outcome, user, who is
//!   behind it, time, audit ID) as its text;
//! * one test case with an `<error>` per error: an input that could not be read (`input error
//!   N`), or an error of the run as a whole (`run error N`), its kind as `type` (`not-found`,
//!   `strict-violation`, the kinds of the JSON summary);
//! * when there are neither, one passing test case, so an empty report is still a report.
//!
//! quick-xml writes the document and escapes markup. XML 1.0 has no way to write most control
//! characters, even escaped, so every string from a log goes through the crate's `escape` first
//! (control, bidi and invisible characters shown as `\u{…}`), and the two noncharacters XML also
//! refuses are shown the same way.

use std::borrow::Cow;
use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::Report;
use crate::attribution::How;
use crate::escape::escape;
use crate::finding::Finding;

/// The test suite's name, and the prefix of every class name.
const SUITE: &str = "falco-pod-scan";

/// `s` as XML 1.0 can carry it: control, bidi and invisible characters, and U+FFFE and U+FFFF,
/// written as `\u{…}` (markup is quick-xml's to escape).
fn text(s: &str) -> Cow<'_, str> {
    let escaped = escape(s);
    if !escaped.contains(['\u{fffe}', '\u{ffff}']) {
        return escaped;
    }
    Cow::Owned(
        escaped
            .replace('\u{fffe}', "\\u{fffe}")
            .replace('\u{ffff}', "\\u{ffff}"),
    )
}

/// An optional field as text, `-` when missing.
fn field(s: Option<&str>) -> Cow<'_, str> {
    text(s.unwrap_or("-"))
}

/// What the suite says about the run besides its test cases.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    /// The host name the report names (`localhost` when unknown).
    pub hostname: &'a str,
    /// When the run started, UTC, `YYYY-MM-DDTHH:MM:SS`.
    pub timestamp: &'a str,
}

/// Writes the report as one JUnit `<testsuite>`.
pub fn write(report: &Report<'_>, run: Run<'_>, out: &mut impl Write) -> io::Result<()> {
    let findings = report.findings;
    let errors = report.errors;
    let tests = (findings.len() + errors.len()).max(1);
    let mut xml = Writer::new_with_indent(&mut *out, b' ', 2);
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let hostname = if run.hostname.trim().is_empty() {
        Cow::Borrowed("localhost")
    } else {
        text(run.hostname)
    };
    xml.create_element("testsuite")
        .with_attributes([
            ("name", SUITE),
            ("timestamp", run.timestamp),
            ("hostname", &hostname),
            ("tests", &tests.to_string()),
            ("failures", &findings.len().to_string()),
            ("errors", &errors.len().to_string()),
            ("skipped", "0"),
            ("time", &format!("{:.3}", report.elapsed.as_secs_f64())),
        ])
        .write_inner_content(|xml| {
            properties(report, xml)?;
            for f in findings {
                testcase(f, xml)?;
            }
            let (mut inputs, mut runs) = (0, 0);
            for error in errors {
                let (kind, of_run) = report.stats.kind_of(error).unwrap_or(("error", false));
                let (name, class) = if of_run {
                    runs += 1;
                    (format!("run error {runs}"), format!("{SUITE}.run"))
                } else {
                    inputs += 1;
                    (format!("input error {inputs}"), format!("{SUITE}.inputs"))
                };
                xml.create_element("testcase")
                    .with_attributes([
                        ("name", name.as_str()),
                        ("classname", &class),
                        ("time", "0"),
                    ])
                    .write_inner_content(|xml| {
                        xml.create_element("error")
                            .with_attributes([("type", kind), ("message", &text(error))])
                            .write_text_content(BytesText::new(&text(error)))?;
                        Ok(())
                    })?;
            }
            if findings.is_empty() && errors.is_empty() {
                xml.create_element("testcase")
                    .with_attributes([
                        ("name", "no disallowed pod images"),
                        ("classname", SUITE),
                        ("time", "0"),
                    ])
                    .write_empty()?;
            }
            xml.create_element("system-out")
                .write_text_content(BytesText::new(&headline(report)))?;
            xml.create_element("system-err")
                .write_text_content(BytesText::new(""))?;
            Ok(())
        })?;
    writeln!(out)
}

/// The suite's properties: what was read.
fn properties<W: Write>(report: &Report<'_>, xml: &mut Writer<W>) -> io::Result<()> {
    let s = report.stats;
    xml.create_element("properties")
        .write_inner_content(|xml| {
            for (name, value) in [
                ("version", env!("CARGO_PKG_VERSION").to_owned()),
                ("inputs", s.files.to_string()),
                ("bytes", s.bytes.to_string()),
                ("lines", s.lines.to_string()),
                ("events", s.events.to_string()),
                ("pod_requests", s.pod_requests.to_string()),
                ("skipped_lines", s.skipped.to_string()),
            ] {
                xml.create_element("property")
                    .with_attributes([("name", name), ("value", value.as_str())])
                    .write_empty()?;
            }
            Ok(())
        })
        .map(|_| ())
}

/// `N findings among M pod request events, in F inputs`: the summary's first words.
pub fn headline(report: &Report<'_>) -> String {
    let s = report.stats;
    let n = report.findings.len();
    format!(
        "{n} finding{} among {} pod request event{}; read {} input{}, {} line{}",
        plural(n as u64),
        s.pod_requests,
        plural(s.pod_requests),
        s.files,
        plural(s.files),
        s.lines,
        plural(s.lines)
    )
}

/// `s` when `n` is not 1.
fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The stable name of a finding's test case: kind, `namespace/name`, action.
pub fn case_name(f: &Finding) -> String {
    format!(
        "{} {}/{} {}",
        f.kind.as_str(),
        field(f.namespace.as_deref()),
        field(f.name.as_deref().or(f.pod.as_deref())),
        f.action.as_str()
    )
}

/// The failure message: the disallowed images (or that they are unknown), and where.
pub fn failure_message(f: &Finding) -> String {
    let images = if f.disallowed_images.is_empty() {
        "images unknown".to_owned()
    } else {
        let list: Vec<_> = f.disallowed_images.iter().map(|i| text(i)).collect();
        format!("disallowed images: {}", list.join(", "))
    };
    format!("{images} at {}:{}", text(&f.file), f.line)
}

/// One finding's failing test case.
fn testcase<W: Write>(f: &Finding, xml: &mut Writer<W>) -> io::Result<()> {
    let class = format!("{SUITE}.{}", field(f.namespace.as_deref()));
    xml.create_element("testcase")
        .with_attributes([
            ("name", case_name(f).as_str()),
            ("classname", &class),
            ("time", "0"),
        ])
        .write_inner_content(|xml| {
            xml.create_element("failure")
                .with_attributes([
                    ("type", f.reason.as_str()),
                    ("message", &failure_message(f)),
                ])
                .write_text_content(BytesText::new(&details(f)))?;
            Ok(())
        })
        .map(|_| ())
}

/// The failure's text: every field a responder needs, one per line.
fn details(f: &Finding) -> String {
    let status = f.status_code.map_or(String::new(), |c| format!(" ({c})"));
    let mut lines = vec![
        format!("outcome: {}{status}", f.outcome.as_str()),
        format!("user: {}", field(f.user.as_deref())),
    ];
    if let Some(user) = &f.impersonated_user {
        lines.push(format!("impersonated user: {}", text(user)));
    }
    if let Some(a) = &f.attribution {
        let initiator = a
            .initiator
            .as_ref()
            .map_or(Cow::Borrowed("-"), |i| field(i.user.as_deref()));
        let top = a.chain.last().map(|c| text(c));
        lines.push(match (a.how, top) {
            (How::OwnerChain, Some(top)) => format!("initiator: {initiator} via {top}"),
            (How::Unresolved, Some(top)) => format!("initiator: unresolved at {top}"),
            _ => format!("initiator: {initiator}"),
        });
        if let Some(note) = &a.note {
            lines.push(format!("note: {}", text(note)));
        }
    }
    let images: Vec<_> = f.images.iter().flatten().map(|i| text(i)).collect();
    lines.extend([
        format!("images: {}", images.join(", ")),
        format!("time: {}", field(f.time.as_deref())),
        format!("audit ID: {}", field(f.audit_id.as_deref())),
        format!("source: {}:{}", text(&f.file), f.line),
    ]);
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::pod;

    #[test]
    fn names_are_stable_and_messages_say_what_and_where() {
        let f = pod("web-1", "alice");
        assert_eq!(case_name(&f), "Pod shop/web-1 create");
        assert_eq!(
            failure_message(&f),
            "disallowed images: xmrig/xmrig:6.21.0 at a.log:4"
        );
        let mut unknown = f.clone();
        unknown.disallowed_images.clear();
        unknown.namespace = None;
        assert_eq!(failure_message(&unknown), "images unknown at a.log:4");
        assert_eq!(case_name(&unknown), "Pod -/web-1 create");
    }

    #[test]
    fn characters_xml_cannot_carry_are_shown_escaped() {
        assert_eq!(text("a\u{1b}b\u{0}c"), "a\\u{1b}b\\u{0}c");
        assert_eq!(text("x\u{fffe}\u{ffff}"), "x\\u{fffe}\\u{ffff}");
        assert_eq!(text("<&\"'>"), "<&\"'>", "markup is the writer's to escape");
    }
}
