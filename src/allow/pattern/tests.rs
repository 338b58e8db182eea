//! The refusals of pattern compiling, each with its full message: position, pattern and hint.

use crate::allow::tests::check_errors;

/// Each bad pattern and its full message.
const REFUSED: &[(&str, &str)] = &[
    // Empty.
    (
        "images:\n  - \"\"\n",
        "allow.yaml:2:5: empty pattern: `` (write a repository such as `registry.k8s.io/`, or remove the item)",
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
];

#[test]
fn refused_patterns_name_line_column_and_hint() {
    check_errors(REFUSED);
}
