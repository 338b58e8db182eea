//! The file forms: shape and YAML errors with their line and column, hostile YAML, and property
//! tests that no input panics the loader.

use crate::allow::tests::{check_errors, image, parse};

/// Each bad file and its full message.
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
    // Falco rules files (more in falco_rules/tests.rs).
    (
        "images:\n  - macro: allowed_k8s_containers\n    condition: x\n",
        "allow.yaml:2:5: a Falco rules item inside an allowlist of patterns: `- macro: …` (a Falco rules file is a top-level list of `- list:` and `- macro:` items; or list the allowed image patterns)",
    ),
    (
        "- required_engine_version: 10\n- rule: x\n",
        "allow.yaml: no `- macro: allowed_k8s_containers` in the Falco rules file (override it: `- macro: allowed_k8s_containers` with `condition: ka.req.pod.containers.image.repository in (…)`)",
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
fn errors_name_file_line_column_and_key() {
    check_errors(ERRORS);
}

#[test]
fn hostile_yaml_is_an_error_not_a_crash() {
    // libyaml reads the whole document first (its time grows with the square of the depth,
    // hence 10k levels, not more); the schema then refuses the second level.
    let deep = format!("images: {}", "[".repeat(10_000));
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
