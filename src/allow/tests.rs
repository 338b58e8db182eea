//! Table tests for the allowlist: every SPEC §6 example, matching rules, error messages with
//! their line and column, and a property test that no input panics the loader.

use super::*;

const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const D2: &str = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

fn parse(text: &str) -> Result<Allowlist, AllowError> {
    Allowlist::parse(text, "allow.yaml", DOCKER_HUB)
}

fn image(s: &str) -> ImageRef {
    ImageRef::parse(&s.replace("{D}", D).replace("{D2}", D2), DOCKER_HUB)
        .unwrap_or_else(|e| panic!("test image {s:?}: {e}"))
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

/// SPEC §6 form 1, with a whole digest.
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
    let list = parse(FULL).expect("SPEC example");
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
fn literal_patterns_and_len() {
    let list =
        parse("images: [nginx, 'ghcr.io/a/*']\nnamespaces: {x: [redis], y: []}").expect("valid");
    assert_eq!(
        list.literal_patterns().collect::<Vec<_>>(),
        ["nginx", "ghcr.io/a/*"]
    );
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

/// Each bad file and its full message; `{D}` stands for a valid digest.
const ERRORS: &[(&str, &str)] = &[
    // Unknown and duplicate keys.
    (
        "image:\n  - nginx\n",
        "allow.yaml:1:1: unknown key: `image` (the valid keys are `images` and `namespaces`)",
    ),
    (
        "images: []\nnamespace: {}\n",
        "allow.yaml:2:1: unknown key: `namespace` (the valid keys are `images` and `namespaces`)",
    ),
    (
        "images: []\nimages: [nginx]\n",
        "allow.yaml:2:1: duplicate key: `images`",
    ),
    // Wrong shapes.
    (
        "images: nginx\n",
        "allow.yaml:1:9: images: invalid type: string \"nginx\", expected a list of image patterns",
    ),
    (
        "nginx\n",
        "allow.yaml:1:1: invalid type: string \"nginx\", expected a mapping with `images` (and `namespaces`), or a list of image patterns",
    ),
    (
        "- [nginx]\n",
        "allow.yaml:1:3: .[0]: invalid type: sequence, expected an image pattern string (quote the pattern if YAML reads it as something else: `'[a-z]*/app'`)",
    ),
    (
        "namespaces: [nginx]\n",
        "allow.yaml:1:13: namespaces: invalid type: sequence, expected a mapping from namespace globs to lists of image patterns",
    ),
    (
        "namespaces:\n  kube-system: nginx\n",
        "allow.yaml:2:16: namespaces.kube-system: invalid type: string \"nginx\", expected a list of image patterns",
    ),
    // Empty and non-string items.
    (
        "images:\n  - \"\"\n",
        "allow.yaml:2:5: empty pattern: `` (write a repository such as `registry.k8s.io/`, or remove the item)",
    ),
    (
        "- nginx\n-\n",
        "allow.yaml:2:2: empty list item, expected an image pattern (write a pattern after the `-`, or remove the item)",
    ),
    (
        "- nginx\n- ~\n",
        "allow.yaml:2:3: empty list item, expected an image pattern (write a pattern after the `-`, or remove the item)",
    ),
    (
        "- 5\n",
        "allow.yaml:1:3: .[0]: invalid type: integer `5`, expected an image pattern string (quote the pattern if YAML reads it as something else: `'[a-z]*/app'`)",
    ),
    (
        "- true\n",
        "allow.yaml:1:3: .[0]: invalid type: boolean `true`, expected an image pattern string (quote the pattern if YAML reads it as something else: `'[a-z]*/app'`)",
    ),
    (
        "- nginx: latest\n",
        "allow.yaml:1:3: expected an image pattern, found a mapping: `nginx: …` (YAML read the item as a mapping; quote the pattern, and write no space after `:`)",
    ),
    (
        "- {a,b}/x\n",
        "allow.yaml:1:3: expected an image pattern, found a mapping: `a: …` (YAML read the item as a mapping; quote the pattern, and write no space after `:`)",
    ),
    // Unquoted patterns YAML reads as something else.
    (
        "- *.gcr.io/\n",
        "allow.yaml:1:4: did not find expected alphabetic or numeric character, while scanning an alias at line 1 column 3 (YAML reads a leading `*` as an alias; quote such patterns: `'*.gcr.io/'`)",
    ),
    (
        "- '**'\n- [a-z]/app\n",
        "allow.yaml:2:3: .[1]: invalid type: sequence, expected an image pattern string (quote the pattern if YAML reads it as something else: `'[a-z]*/app'`)",
    ),
    // A registry without its `/`.
    (
        "- registry.k8s.io\n",
        "allow.yaml:1:3: a registry needs a `/` after it; without one this names an image on the default registry: `registry.k8s.io` (did you mean `registry.k8s.io/` (anything under it)? write `docker.io/library/registry.k8s.io` for that image)",
    ),
    (
        "- reg.io:5000\n",
        "allow.yaml:1:3: a registry needs a `/` after it; without one this names an image on the default registry: `reg.io:5000` (did you mean `reg.io:5000/` (anything under it)? write `docker.io/library/reg.io` for that image)",
    ),
    (
        "- localhost:v1\n",
        "allow.yaml:1:3: a registry needs a `/` after it; without one this names an image on the default registry: `localhost:v1` (did you mean `localhost/` (anything under it)? write `docker.io/library/localhost` for that image)",
    ),
    // Falco rules files (more in falco_rules/tests.rs).
    (
        "images:\n  - macro: allowed_k8s_containers\n    condition: x\n",
        "allow.yaml:2:5: a Falco rules item inside an allowlist of patterns: `- macro: …` (a Falco rules file is a top-level list of `- list:` and `- macro:` items; or list the allowed image patterns)",
    ),
    (
        "- required_engine_version: 10\n- rule: x\n",
        "allow.yaml: no `- macro: allowed_k8s_containers` in the Falco rules file (override it: `- macro: allowed_k8s_containers` with `condition: ka.req.pod.containers.image.repository in (…)`)",
    ),
    // Patterns that can match nothing.
    (
        "images:\n  - registry.k8s.io/\n  - nginx*\n",
        "allow.yaml:3:5: a glob repository without `/` can match no image (repositories are `registry/path`): `nginx*` (did you mean `docker.io/library/nginx*`?)",
    ),
    (
        "- '*'\n",
        "allow.yaml:1:3: a glob repository without `/` can match no image (repositories are `registry/path`): `*` (did you mean `**` (every image) or `docker.io/library/*`?)",
    ),
    (
        "- '{nginx,redis}:1'\n",
        "allow.yaml:1:3: a glob repository without `/` can match no image (repositories are `registry/path`): `{nginx,redis}:1` (did you mean `docker.io/library/{nginx,redis}`?)",
    ),
    (
        "- ghcr.io/Acme/api\n",
        "allow.yaml:1:3: invalid repository (repository name must be lowercase): `ghcr.io/Acme/api`",
    ),
    (
        "- ghcr.io//api\n",
        "allow.yaml:1:3: invalid repository (invalid reference format): `ghcr.io//api`",
    ),
    (
        "- /\n",
        "allow.yaml:1:3: invalid repository (invalid reference format): `/`",
    ),
    (
        "- ':latest'\n",
        "allow.yaml:1:3: the pattern has no repository: `:latest` (a pattern is `REPO[:TAG][@DIGEST]`; `**` is every repository)",
    ),
    (
        "- 'nginx:'\n",
        "allow.yaml:1:3: empty tag: `nginx:` (drop the `:` to allow every tag)",
    ),
    (
        "- nginx:-x\n",
        "allow.yaml:1:3: invalid tag: `nginx:-x` (a tag is up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`)",
    ),
    (
        "- nginx@\n",
        "allow.yaml:1:3: empty digest: `nginx@` (drop the `@`, or write the whole `sha256:…` digest)",
    ),
    (
        "- quay.io/org/app@sha256:0123…\n",
        "allow.yaml:1:3: invalid digest (invalid reference format): `quay.io/org/app@sha256:0123…` (a digest is `algorithm:hex`, e.g. `sha256:` and 64 hex digits, compared exactly)",
    ),
    (
        "- nginx@sha256:0123*\n",
        "allow.yaml:1:3: invalid digest (invalid reference format): `nginx@sha256:0123*` (a digest is `algorithm:hex`, e.g. `sha256:` and 64 hex digits, compared exactly)",
    ),
    (
        "- 'nginx latest'\n",
        "allow.yaml:1:3: a pattern cannot contain whitespace: `nginx latest` (image references have none; one pattern per list item)",
    ),
    (
        "- \"nginx\\tx\"\n",
        "allow.yaml:1:3: a pattern cannot contain whitespace: `nginx\\u{9}x` (image references have none; one pattern per list item)",
    ),
    // Invalid globs, positions inside flow collections.
    (
        "images: [nginx, 'ghcr.io/acme/[a']\n",
        "allow.yaml:1:17: invalid glob (unclosed character class; missing ']'): `ghcr.io/acme/[a`",
    ),
    (
        "- 'nginx:{a,b'\n",
        "allow.yaml:1:3: invalid tag glob (unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)): `nginx:{a,b`",
    ),
    // Namespace keys.
    (
        "namespaces:\n  '': [nginx]\n",
        "allow.yaml:2:3: empty namespace key: ``",
    ),
    (
        "namespaces:\n  'team-[': [nginx]\n",
        "allow.yaml:2:3: invalid namespace glob (unclosed character class; missing ']'): `team-[`",
    ),
    (
        "namespaces:\n  a: [nginx]\n  a: [redis]\n",
        "allow.yaml:3:3: duplicate namespace key: `a` (merge the two lists under one key)",
    ),
    (
        "namespaces:\n  123: [nginx]\n",
        "allow.yaml:2:3: namespaces: invalid type: integer `123`, expected a namespace glob (a string)",
    ),
    (
        "namespaces:\n  a: [nginx*]\n",
        "allow.yaml:2:7: a glob repository without `/` can match no image (repositories are `registry/path`): `nginx*` (did you mean `docker.io/library/nginx*`?)",
    ),
    // libyaml's reader errors carry only a byte offset: the line and column are worked out.
    (
        "images:\n  - \"\u{1b}]52;c;ZXZpbA==\u{7}\"\n",
        "allow.yaml:2:6: control characters are not allowed",
    ),
    (
        "# ünïcödé\n- \"a\u{7}\"\n",
        "allow.yaml:2:5: control characters are not allowed",
    ),
    // YAML syntax, several documents.
    (
        "images: [nginx\n",
        "allow.yaml:2:1: did not find expected ',' or ']', while parsing a flow sequence at line 1 column 9",
    ),
    (
        "images:\n  - nginx\n\t- redis\n",
        "allow.yaml:3:1: found a tab character that violates indentation, while scanning a plain scalar at line 2 column 5",
    ),
    (
        "- *x\n",
        "allow.yaml:1:3: unknown anchor (YAML reads a leading `*` as an alias; quote such patterns: `'*.gcr.io/'`)",
    ),
    (
        "- nginx\n---\n- redis\n",
        "allow.yaml:3:1: the file holds more than one YAML document (an allowlist is a single document; merge the lists or remove the `---` separator)",
    ),
    (
        "- nginx\n---\n",
        "allow.yaml:3:1: the file holds more than one YAML document (an allowlist is a single document; merge the lists or remove the `---` separator)",
    ),
    // A broken second document is reported as a second document, which it is, first.
    (
        "- nginx\n---\n- [\n",
        "allow.yaml:3:1: the file holds more than one YAML document (an allowlist is a single document; merge the lists or remove the `---` separator)",
    ),
];

#[test]
fn errors_name_file_line_column_and_pattern() {
    let mut wrong = Vec::new();
    for (text, want) in ERRORS {
        let got = parse(text)
            .map(|list| list.len())
            .map_err(|e| e.to_string());
        if got.as_ref().err() != Some(&(*want).to_owned()) {
            wrong.push(format!("{text:?}\n   got: {got:?}\n  want: {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn error_accessors() {
    let err = parse("images:\n  - ok.io/a\n  - 'ghcr.io/[x'\n").expect_err("invalid");
    assert_eq!(
        (err.line(), err.column(), err.pattern()),
        (Some(3), Some(5), Some("ghcr.io/[x"))
    );
}

#[test]
fn load_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("allow.yaml");
    std::fs::write(&path, "- nginx\n- 'x*'\n").expect("write");
    let err = Allowlist::load(&path, DOCKER_HUB).expect_err("invalid");
    assert!(
        format!("{err:#}").starts_with(&format!("{}:2:3: ", path.display())),
        "{err:#}"
    );
    std::fs::write(&path, "\u{feff}images: [nginx]\n").expect("write");
    assert_eq!(
        Allowlist::load(&path, DOCKER_HUB)
            .expect("BOM is fine")
            .len(),
        1
    );
    let err = Allowlist::load(&dir.path().join("missing.yaml"), DOCKER_HUB).expect_err("missing");
    assert!(
        format!("{err:#}").starts_with("cannot read the allowlist "),
        "{err:#}"
    );
}

#[test]
fn hostile_yaml_is_an_error_not_a_crash() {
    // libyaml reads the whole document first (its time grows with the square of the depth,
    // hence 10k levels, not more); the schema then refuses the second level.
    let deep = format!("images: {}", "[".repeat(10_000));
    // Each level repeats the previous one four times: 4^20 patterns if expanded naively.
    // Each level repeats the previous one four times: 4^20 patterns if expanded naively. A
    // list in a pattern's place is a type error, so this stops at the first `*a0`.
    let bomb: String = ["namespaces:\n  a0: &a0 [ghcr.io/x/y, ghcr.io/x/z]\n".to_owned()]
        .into_iter()
        .chain((1..20).map(|i| {
            let p = i - 1;
            format!("  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}]\n")
        }))
        .collect();
    let bomb_list = format!("- &a ghcr.io/x/y\n{}", "- *a\n".repeat(1000));
    let err = parse(&deep).expect_err("refused");
    let shown = err.to_string();
    assert!(
        shown.starts_with("allow.yaml:1:10: images[0]: invalid type: sequence"),
        "{shown}"
    );
    let err = parse(&bomb).expect_err("refused");
    // Inside an alias the position is the anchored node's; the path names the alias's place.
    let shown = err.to_string();
    assert!(
        shown.starts_with("allow.yaml:2:7: namespaces.a1[0]: invalid type"),
        "{shown}"
    );
    assert_eq!(
        parse(&bomb_list)
            .expect("aliases of scalars are fine")
            .len(),
        1001
    );
}

proptest::proptest! {
    #[test]
    fn parse_never_panics(text in proptest::prelude::any::<String>()) {
        let _ = parse(&text);
    }

    #[test]
    fn parse_never_panics_on_yamlish(text in "[-:\\[\\]{}*?/ a-z\\n\"'#&!|>@,.~\\\\]{0,64}") {
        if let Ok(list) = parse(&text) {
            let _ = list.allows(&image("nginx"), Some("ns"));
        }
    }
}
