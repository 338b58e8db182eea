//! `--suggest-allowlist`: the accepted repositories as an allowlist file (the `images:` form).
//!
//! Each repository is written in normalized form (`docker.io/library/nginx`,
//! `reg.io:5000/team/app`), which as a pattern means "this repository, any tag or digest" and
//! normalizes to itself, so the file allows every valid image it was made from, whatever
//! `--default-registry` said then. The
//! patterns are sorted, so repositories of one registry stand together under a `# REGISTRY`
//! comment, and each carries its request count and first/last seen as a comment. With an
//! allowlist given (`--allow`), a repository the current allowlist does not (always) allow is
//! marked, which is the list of what a review has to look at.
//!
//! Images that are not valid references can never be allowed; they are listed in comments,
//! escaped, so that a newline in an image cannot write a line of YAML. Normalized repositories
//! hold only `[a-z0-9._/:-]` (and a registry host as written), so they need no quoting.

use std::io::{self, Write};

use crate::escape::escape;
use crate::suggest::{Repositories, Usage};

/// Comments start at this column when the patterns are shorter.
const COMMENT_COLUMN: usize = 40;

/// Writes the suggested allowlist.
pub fn write(r: &Repositories, compare: bool, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "# Suggested by falco-pod-scan {}: every repository in the pod requests the API server",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(
        out,
        "# accepted (outcome created): {}{}.",
        requests(r.requests, "request"),
        span(&r.span).map(|s| format!(", {s}")).unwrap_or_default()
    )?;
    writeln!(
        out,
        "# Accepted is not approved: review every line before using this file with --allow."
    )?;
    if r.by_repository.is_empty() {
        writeln!(out, "images: []")?;
    } else {
        writeln!(out, "images:")?;
    }
    let width = r
        .by_repository
        .keys()
        .map(|k| k.len() + 4)
        .max()
        .unwrap_or(0)
        .min(COMMENT_COLUMN);
    let mut registry = None;
    for (repository, usage) in &r.by_repository {
        let host = repository.split('/').next().unwrap_or(repository);
        if registry != Some(host) {
            writeln!(out, "  # {host}")?;
            registry = Some(host);
        }
        let item = format!("  - {}", pattern(repository));
        writeln!(out, "{item:width$}  # {}", note(usage, compare))?;
    }
    write_left_out(r, out)
}

/// One repository (or invalid image) of the JSON form.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub(super) struct UsageJson<'a> {
    /// The normalized repository, or the invalid image as written.
    repository: &'a str,
    /// Accepted requests that used it.
    requests: u64,
    /// Of those, requests whose image the given allowlist does not allow (`null` without one).
    not_allowed: Option<u64>,
    /// The earliest readable time, RFC 3339.
    first_seen: Option<String>,
    /// The latest readable time, RFC 3339.
    last_seen: Option<String>,
    /// The namespaces of those requests, sorted.
    namespaces: &'a std::collections::BTreeSet<String>,
}

/// The JSON form of the suggestion, `--suggest-allowlist --format json`.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub(super) struct SuggestionJson<'a> {
    /// The patterns an allowlist's `images:` would list, sorted.
    images: Vec<&'a str>,
    /// Each repository with its use.
    repositories: Vec<UsageJson<'a>>,
    /// Images that are not valid references, which no pattern can allow.
    invalid: Vec<UsageJson<'a>>,
    /// Accepted pod requests counted.
    requests: u64,
    /// Of those, requests with an image that could not be determined.
    unknown_images: u64,
}

/// Writes the suggestion as one JSON document (`--suggest-allowlist --format json`): the
/// `images` to allow, and each repository's requests, times and namespaces.
pub fn write_json<'a>(r: &'a Repositories, compare: bool, out: &mut impl Write) -> io::Result<()> {
    let usage = |(name, u): (&'a String, &'a Usage)| UsageJson {
        repository: name,
        requests: u.requests,
        not_allowed: compare.then_some(u.not_allowed),
        first_seen: u.first.map(|t| t.to_string()),
        last_seen: u.last.map(|t| t.to_string()),
        namespaces: &u.namespaces,
    };
    let doc = SuggestionJson {
        images: r.by_repository.keys().map(String::as_str).collect(),
        repositories: r.by_repository.iter().map(usage).collect(),
        invalid: r.invalid.iter().map(usage).collect(),
        requests: r.requests,
        unknown_images: r.unknown_images,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// A repository as a pattern that matches exactly it: glob characters (`[` and `]` of an IPv6
/// registry, `[::1]:5000/app`) escaped with a backslash, and then single-quoted for YAML unless
/// it is a plain scalar.
fn pattern(repository: &str) -> String {
    let mut glob = String::with_capacity(repository.len());
    for c in repository.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            glob.push('\\');
        }
        glob.push(c);
    }
    let plain = glob.starts_with(|c: char| c.is_ascii_alphanumeric())
        && glob
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':'));
    if plain {
        glob
    } else {
        format!("'{}'", glob.replace('\'', "''"))
    }
}

/// What the allowlist cannot cover: invalid references, requests whose images were not logged.
fn write_left_out(r: &Repositories, out: &mut impl Write) -> io::Result<()> {
    if !r.invalid.is_empty() {
        writeln!(
            out,
            "# Not valid image references, which no allowlist can allow \
             (see docs/allowlist.md, \"Image references\"):"
        )?;
        for (image, usage) in &r.invalid {
            writeln!(out, "#   {}  ({})", escape(image), note(usage, false))?;
        }
    }
    if r.unknown_images > 0 {
        writeln!(
            out,
            "# {} had images that were not logged (audit level Metadata, truncated bodies): \
             not covered.",
            requests(r.unknown_images, "accepted request")
        )?;
    }
    Ok(())
}

/// `3 requests in shop, 2026-03-02T08:14:05Z .. 2026-03-02T09:02:11Z`, and what the allowlist
/// says.
fn note(usage: &Usage, compare: bool) -> String {
    let mut note = requests(usage.requests, "request");
    if let Some(namespaces) = namespaces(usage) {
        note = format!("{note} in {namespaces}");
    }
    if let Some(span) = span(usage) {
        note = format!("{note}, {span}");
    }
    if compare && usage.not_allowed == usage.requests {
        note.push_str("; not allowed by --allow");
    } else if compare && usage.not_allowed > 0 {
        note = format!(
            "{note}; not allowed by --allow in {} of them",
            usage.not_allowed
        );
    }
    note
}

/// `shop`, or `3 namespaces (a, b, c)`, or `5 namespaces (a, b, c, …)`: where an image was used,
/// for a reviewer deciding whether it belongs under `namespaces:` instead.
fn namespaces(usage: &Usage) -> Option<String> {
    const LISTED: usize = 3;
    let names: Vec<_> = usage
        .namespaces
        .iter()
        .take(LISTED)
        .map(|n| escape(n))
        .collect();
    let more = if usage.namespaces.len() > LISTED {
        ", …"
    } else {
        ""
    };
    match usage.namespaces.len() {
        0 => None,
        1 => Some(names.join("")),
        n => Some(format!("{n} namespaces ({}{more})", names.join(", "))),
    }
}

/// First and last seen, or the one time when they are equal.
fn span(usage: &Usage) -> Option<String> {
    match (usage.first, usage.last) {
        (Some(first), Some(last)) if first == last => Some(format!("{first}")),
        (Some(first), Some(last)) => Some(format!("{first} .. {last}")),
        _ => None,
    }
}

/// `1 request`, `2 requests`.
fn requests(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allow::Allowlist;
    use crate::event::for_each_event;
    use crate::image::ImageRef;
    use crate::rules::accepted;
    use crate::testing::policy;

    /// The suggestion for one accepted create of `images`, on `registry`.
    fn suggest(images: &[&str], registry: &str) -> (String, Repositories) {
        let policy = policy("[]").registry(registry).build();
        let containers: Vec<String> = images
            .iter()
            .map(|i| format!(r#"{{"name":"c","image":{}}}"#, serde_json::json!(i)))
            .collect();
        let event = format!(
            r#"{{"kind":"Event","verb":"create","objectRef":{{"resource":"pods","namespace":"ns"}},"responseStatus":{{"code":201}},"stageTimestamp":"2026-03-02T08:00:00Z","requestObject":{{"spec":{{"containers":[{}]}}}}}}"#,
            containers.join(",")
        );
        let mut repositories = Repositories::default();
        for_each_event(event.as_bytes(), &mut |ev| {
            repositories.add(accepted(ev, &policy).expect("accepted"));
        })
        .expect("valid event");
        let mut out = Vec::new();
        write(&repositories, false, &mut out).expect("write to a Vec");
        (String::from_utf8(out).expect("UTF-8"), repositories)
    }

    #[test]
    fn the_suggestion_allows_every_valid_image_it_came_from() {
        let images = [
            "nginx",
            "nginx:1.25@sha256:48aded24573da1e8b8df982f868c452f570d82a1aa8ba2f04a7089dbca714023",
            "library/busybox",
            "docker.io/bitnami/redis:7",
            "index.docker.io/x/y",
            "reg.io:5000/team/app:1.0",
            "localhost:5000/a",
            "localhost/b:2",
            "Reg.Example/team/app",
            "quay.io/a/b/c/d:v1",
            "127.0.0.1:5000/x",
            "[::1]:5000/ipv6:tag",
            "[fe80::1%25eth0]:5000/zone",
            "Acme/API:1",
            "two\nlines\n- evil",
        ];
        for registry in ["docker.io", "registry.example:8443"] {
            let (yaml, r) = suggest(&images, registry);
            let allow = Allowlist::parse(&yaml, "s.yaml", registry).expect("suggestion parses");
            assert_eq!(allow.len(), r.by_repository.len(), "{yaml}");
            for image in images {
                match ImageRef::parse(image, registry) {
                    Ok(parsed) => assert!(
                        allow.allows(&parsed, Some("any")).is_some(),
                        "{image} on {registry} with\n{yaml}"
                    ),
                    Err(_) => assert!(r.invalid.contains_key(image), "{image}"),
                }
            }
            assert!(yaml.contains("two\\u{a}lines"), "escaped:\n{yaml}");
            assert!(!yaml.contains("\n- evil"), "{yaml}");
        }
    }

    #[test]
    fn invalid_references_point_at_the_docs_section_that_explains_them() {
        let (yaml, _) = suggest(&["Acme/API:1"], "docker.io");
        assert!(
            yaml.contains(
                "# Not valid image references, which no allowlist can allow (see \
                 docs/allowlist.md, \"Image references\"):\n#   Acme/API:1  (1 request"
            ),
            "{yaml}"
        );
        let page =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/allowlist.md"))
                .expect("docs/allowlist.md");
        assert!(page.lines().any(|line| line == "## Image references"));
    }

    #[test]
    fn patterns_match_only_their_repository() {
        assert_eq!(
            pattern("docker.io/library/nginx"),
            "docker.io/library/nginx"
        );
        assert_eq!(pattern("[::1]:5000/app"), r"'\[::1\]:5000/app'");
        let (yaml, _) = suggest(&["[::1]:5000/app"], "docker.io");
        let allow = Allowlist::parse(&yaml, "s.yaml", "docker.io").expect("parses");
        let other = ImageRef::parse("[::2]:5000/app", "docker.io").expect("valid");
        assert!(allow.allows(&other, None).is_none(), "{yaml}");
    }
}
