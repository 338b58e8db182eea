//! Table tests for the allowlist's verdict: the documented examples, matching rules, file order,
//! namespaces, the Falco literal set; and the helpers the other allowlist tests share.

use crate::image::{DOCKER_HUB, ImageRef};

use super::{AllowError, Allowlist};

/// A valid digest, written `{D}` in the tables.
const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
/// Another valid digest, written `{D2}` in the tables.
const D2: &str = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

/// `text` parsed as `allow.yaml`, on Docker Hub.
pub(super) fn parse(text: &str) -> Result<Allowlist, AllowError> {
    Allowlist::parse(text, "allow.yaml", DOCKER_HUB)
}

/// A test image; `{D}` and `{D2}` stand for the digests above.
pub(super) fn image(s: &str) -> ImageRef {
    ImageRef::parse(&s.replace("{D}", D).replace("{D2}", D2), DOCKER_HUB)
        .unwrap_or_else(|e| panic!("test image {s:?}: {e}"))
}

/// Checks that each bad file of `table` fails with exactly its message.
pub(super) fn check_errors(table: &[(&str, &str)]) {
    let mut wrong = Vec::new();
    for (text, want) in table {
        let got = parse(text)
            .map(|list| list.len())
            .map_err(|e| e.to_string());
        if got.as_ref().err() != Some(&(*want).to_owned()) {
            wrong.push(format!("{text:?}\n   got: {got:?}\n  want: {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// One pattern (a bare list of one item), images it allows, images it does not.
const PATTERNS: &[(&str, &[&str], &[&str])] = &[
    (
        "registry.k8s.io/",
        &[
            "registry.k8s.io/pause",
            "registry.k8s.io/a/b:v1",
            "registry.k8s.io/pause@{D}",
        ],
        &[
            "registry.k8s.io.evil.io/pause",
            "k8s.gcr.io/pause",
            "registry.k8s.io",
        ],
    ),
    (
        "nginx",
        &[
            "nginx",
            "nginx:1.25",
            "nginx@{D}",
            "library/nginx:1",
            "docker.io/library/nginx:latest",
            "index.docker.io/library/nginx",
        ],
        &[
            "nginx-ingress",
            "bitnami/nginx",
            "ghcr.io/nginx",
            "quay.io/library/nginx",
        ],
    ),
    (
        "ghcr.io/acme/*",
        &["ghcr.io/acme/api:1", "ghcr.io/acme/web@{D}"],
        &[
            "ghcr.io/acme/api/sub",
            "ghcr.io/acme",
            "ghcr.io/acmex/api",
            "ghcr.io/other/api",
        ],
    ),
    (
        "gcr.io/acme-prod/**:v*",
        &[
            "gcr.io/acme-prod/a:v1",
            "gcr.io/acme-prod/a/b/c:v2.0",
            "gcr.io/acme-prod/a:v1@{D}",
        ],
        &[
            "gcr.io/acme-prod/a:1.0",
            "gcr.io/acme-prod/a",
            "gcr.io/acme-prod/a@{D}",
            "gcr.io/acme-prod:v1",
            "gcr.io/acme-dev/a:v1",
        ],
    ),
    (
        "quay.io/org/app@{D}",
        &["quay.io/org/app@{D}", "quay.io/org/app:1.0@{D}"],
        &[
            "quay.io/org/app:1.0",
            "quay.io/org/app",
            "quay.io/org/app@{D2}",
            "quay.io/org/x@{D}",
        ],
    ),
    // A tag the pattern has but the image lacks does not match; `latest` is implied.
    (
        "nginx:1.25*",
        &["nginx:1.25", "nginx:1.25.3-alpine"],
        &["nginx@{D}", "nginx:1.2", "nginx"],
    ),
    (
        "nginx:latest",
        &["nginx", "nginx:latest", "nginx:latest@{D}"],
        &["nginx@{D}", "nginx:1"],
    ),
    (
        "nginx:1.25@{D}",
        &["nginx:1.25@{D}"],
        &["nginx@{D}", "nginx:1.25", "nginx:1.26@{D}"],
    ),
    // Trailing `/` below Docker Hub users, registries with ports, `localhost`.
    (
        "bitnami/",
        &["bitnami/redis:7", "docker.io/bitnami/x/y"],
        &["redis", "bitnamix/redis"],
    ),
    (
        "localhost:5000/",
        &["localhost:5000/a", "localhost:5000/a/b:1"],
        &["localhost/a"],
    ),
    (
        "reg.io:5000/team/app:1.0",
        &["reg.io:5000/team/app:1.0"],
        &["reg.io:5000/team/app:1.1"],
    ),
    // `**` alone, `**` with a tag, `*`/`?` within one component, `.` literal.
    ("**", &["nginx", "a.io/b/c/d:e", "x@{D}"], &[]),
    (
        "**:v*",
        &["nginx:v1", "a.io/b/c:v2"],
        &["nginx", "nginx@{D}"],
    ),
    ("**/nginx", &["nginx", "ghcr.io/a/b/nginx"], &["nginx2"]),
    (
        "ghcr.io/acme/a?i",
        &["ghcr.io/acme/api"],
        &["ghcr.io/acme/a/i", "ghcr.io/acme/apii"],
    ),
    ("ghcr.io?acme/api", &[], &["ghcr.io/acme/api"]),
    (
        "ghcr.io/acme/*.svc",
        &["ghcr.io/acme/a.svc"],
        &["ghcr.io/acme/axsvc"],
    ),
    (
        "*.gcr.io/",
        &["eu.gcr.io/p/a", "us.gcr.io/p/a/b"],
        &["gcr.io/p/a", "a.b.gcr.io.x/p"],
    ),
    (
        "*/*",
        &["quay.io/a", "localhost/a"],
        &["nginx", "quay.io/a/b"],
    ),
    // `{a,b}` and `[…]`, in a normalized REPO, an unnormalized one and a TAG.
    (
        "docker.io/library/{nginx,redis}",
        &["nginx", "redis:7"],
        &["busybox"],
    ),
    (
        "{docker.io,quay.io}/library/nginx",
        &["nginx", "quay.io/library/nginx"],
        &["ghcr.io/library/nginx"],
    ),
    ("library/ngin[xy]", &["nginx", "nginy"], &["nginz"]),
    (
        "nginx:1.2[0-9]",
        &["nginx:1.25"],
        &["nginx:1.3", "nginx:1.250"],
    ),
    (
        "nginx:{1.25,1.26}-alpine",
        &["nginx:1.26-alpine"],
        &["nginx:1.27-alpine"],
    ),
    // A backslash escapes.
    ("\\*.gcr.io/", &[], &["eu.gcr.io/p/a"]),
];

#[test]
fn patterns_allow_and_disallow() {
    for (pattern, allowed, disallowed) in PATTERNS {
        let text = format!("- '{}'", pattern.replace("{D}", D));
        let list = parse(&text).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        for img in *allowed {
            let got = list.allows(&image(img), Some("default"));
            assert_eq!(
                got,
                Some(&*pattern.replace("{D}", D)),
                "{pattern} should allow {img}"
            );
        }
        for img in *disallowed {
            let got = list.allows(&image(img), Some("default"));
            assert_eq!(got, None, "{pattern} should not allow {img}");
        }
    }
}

/// The full form as documented (docs/allowlist.md), with a whole digest.
const FULL: &str = "\
images:                       # allowed in every namespace
  - registry.k8s.io/          # trailing \"/\": anything under this registry or path
  - nginx                     # = docker.io/library/nginx, any tag or digest
  - ghcr.io/acme/*            # one path level under ghcr.io/acme
  - gcr.io/acme-prod/**:v*    # any depth, tags starting with v
  - quay.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
namespaces:                   # extra images allowed only where the namespace matches
  kube-system: [quay.io/cilium/]
  \"team-*\": [ghcr.io/acme-team/**]
";

#[test]
fn namespaces() {
    let list = parse(FULL).expect("documented example");
    assert_eq!(list.len(), 7);
    let cases: &[(&str, Option<&str>, Option<&str>)] = &[
        ("nginx:1.25", None, Some("nginx")),
        ("nginx", Some("kube-system"), Some("nginx")),
        (
            "registry.k8s.io/pause:3.9",
            Some("x"),
            Some("registry.k8s.io/"),
        ),
        (
            "quay.io/cilium/cilium:v1.15",
            Some("kube-system"),
            Some("quay.io/cilium/"),
        ),
        ("quay.io/cilium/cilium:v1.15", Some("default"), None),
        ("quay.io/cilium/cilium:v1.15", Some("kube-system-2"), None),
        ("quay.io/cilium/cilium:v1.15", None, None),
        (
            "ghcr.io/acme-team/x/y:1",
            Some("team-a"),
            Some("ghcr.io/acme-team/**"),
        ),
        (
            "ghcr.io/acme-team/x",
            Some("team-"),
            Some("ghcr.io/acme-team/**"),
        ),
        ("ghcr.io/acme-team/x", Some("team"), None),
        ("ghcr.io/acme-team/x", Some("kube-system"), None),
        (
            "quay.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            None,
            Some(
                "quay.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            ),
        ),
    ];
    for (img, ns, want) in cases {
        assert_eq!(list.allows(&image(img), *ns), *want, "{img} in {ns:?}");
    }
}

#[test]
fn first_pattern_in_file_order_wins() {
    let list = parse("images: [ghcr.io/**, 'ghcr.io/a/*', '**']\nnamespaces: {'*': [nginx]}")
        .expect("valid");
    assert_eq!(list.allows(&image("ghcr.io/a/b"), None), Some("ghcr.io/**"));
    assert_eq!(list.allows(&image("nginx"), Some("ns")), Some("**"));
    let list = parse("namespaces: {'a*': [nginx:1], 'ab': [nginx]}").expect("valid");
    assert_eq!(list.allows(&image("nginx:1"), Some("ab")), Some("nginx:1"));
    assert_eq!(list.allows(&image("nginx:2"), Some("ab")), Some("nginx"));
}

#[test]
fn falco_literals_and_len() {
    let list =
        parse("images: [nginx, 'ghcr.io/a/*']\nnamespaces: {x: [redis], y: []}").expect("valid");
    assert_eq!(
        list.literals().iter().collect::<Vec<_>>(),
        ["nginx", "ghcr.io/a/*"]
    );
    assert!(list.literals().contains("ghcr.io/a/*"));
    assert!(!list.literals().contains("redis"));
    assert_eq!((list.len(), list.is_empty()), (3, false));
    // Anchors and aliases work, and `images:` without a value is an empty list.
    let list = parse("images:\nnamespaces:\n  a: &l [nginx]\n  b: *l\n  c:\n").expect("valid");
    assert_eq!(list.len(), 2);
    assert_eq!(list.allows(&image("nginx"), Some("b")), Some("nginx"));
}

#[test]
fn empty_allowlists() {
    for text in [
        "",
        "# only comments\n",
        "---\n",
        "[]",
        "~",
        "images: []",
        "images:\n",
        "{}",
    ] {
        let list = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert!(list.is_empty(), "{text:?}");
        assert_eq!(
            list.allows(&image("nginx"), Some("default")),
            None,
            "{text:?}"
        );
    }
}

#[test]
fn default_registry() {
    let list = Allowlist::parse("- nginx\n- team/", "a", "quay.io").expect("valid");
    let img = |s: &str| ImageRef::parse(s, "quay.io").expect("valid");
    assert_eq!(list.allows(&img("nginx:1"), None), Some("nginx"));
    assert_eq!(list.allows(&img("quay.io/team/x"), None), Some("team/"));
    assert_eq!(list.allows(&img("docker.io/library/nginx"), None), None);
    let err = Allowlist::parse("- nginx*", "a", "quay.io").expect_err("invalid");
    assert!(
        err.to_string()
            .ends_with("(did you mean `quay.io/nginx*`?)"),
        "{err}"
    );
}
