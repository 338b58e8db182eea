//! Falco rules files as allowlists: what Falco's loader would make of them, and errors that point
//! at the node at fault.

use crate::allow::{AllowError, Allowlist};
use crate::image::ImageRef;

/// Reads `files` (name, text) in order; `falco` keeps the repositories literal.
fn read(files: &[(&str, &str)], falco: bool) -> Result<Allowlist, AllowError> {
    Allowlist::parse_all(files, "docker.io", falco)
}

/// The literal repositories of `files`, read for `--falco`.
fn literals(files: &[(&str, &str)]) -> Vec<String> {
    read(files, true)
        .unwrap_or_else(|e| panic!("{e}"))
        .literals()
        .iter()
        .map(str::to_owned)
        .collect()
}

/// The error of reading `files` for `--falco`, as displayed.
fn error(files: &[(&str, &str)]) -> String {
    match read(files, true) {
        Ok(list) => panic!("accepted: {:?}", list.literals().iter().collect::<Vec<_>>()),
        Err(e) => e.to_string(),
    }
}

/// The overrides Falco's own k8s_audit tests use (its `allow_*_container` rules).
const ALLOW_NGINX: &str = "- macro: allowed_k8s_containers\n  condition: (ka.req.pod.containers.image.repository in (nginx))\n";
const ALLOW_APACHE: &str = "- macro: allowed_k8s_containers\n  condition: (ka.req.pod.containers.image.repository in (apache))\n";

/// The shape of the k8s audit rules Falco ships, where the macro allows everything.
const UPSTREAM: &str = "\
- required_engine_version: 15
- required_plugin_versions:
    - name: k8saudit
      version: 0.18.0
- macro: k8s_audit_always_true
  condition: (jevt.rawtime exists)
- list: k8s_audit_stages
  items: [\"ResponseComplete\"]
- macro: allowed_k8s_containers
  condition: (k8s_audit_always_true)
- rule: Create Disallowed Pod
  condition: kevt and pod and kcreate and not allowed_k8s_containers
  output: Pod started (user=%ka.user.name)
  priority: WARNING
  source: k8s_audit
  tags: [k8s]
";

#[test]
fn falcos_own_override_files() {
    assert_eq!(literals(&[("allow_nginx.yaml", ALLOW_NGINX)]), ["nginx"]);
    assert_eq!(literals(&[("allow_apache.yaml", ALLOW_APACHE)]), ["apache"]);
}

#[test]
fn lists_are_expanded_and_append_adds() {
    let rules = "\
- list: base_images
  items: [docker.io/library/nginx, \"quay.io/acme/api\"]
- list: my_images
  items: [base_images, registry.k8s.io/pause]
- list: my_images
  append: true
  items: [ghcr.io/acme/tool]
- list: later
  items: [busybox]
- list: later
  override:
    items: append
  items: [alpine]
- macro: allowed_k8s_containers
  condition: >
    ka.req.pod.containers.image.repository in (my_images, later, 'gcr.io/x y')
";
    assert_eq!(
        literals(&[("rules.yaml", rules)]),
        [
            "docker.io/library/nginx",
            "quay.io/acme/api",
            "registry.k8s.io/pause",
            "ghcr.io/acme/tool",
            "busybox",
            "alpine",
            "gcr.io/x y",
        ]
    );
}

#[test]
fn later_definitions_replace_and_files_are_read_in_order() {
    // The upstream file alone allows everything, which this tool cannot express: refused with a
    // hint. A later file overriding the macro, or a list it uses, wins.
    let err = error(&[("k8s_audit_rules.yaml", UPSTREAM)]);
    assert!(err.starts_with("k8s_audit_rules.yaml:10:14: the condition of macro `allowed_k8s_containers` is not understood at column 2: expected the field `ka.req.pod.containers.image.repository`: `(k8s_audit_always_true)`"), "{err}");
    assert!(
        err.contains("Falco's default, which allows every image"),
        "{err}"
    );
    let overrides = "\
- list: approved
  items: [nginx]
- macro: allowed_k8s_containers
  condition: ka.req.pod.containers.image.repository in (approved)
";
    let replaced = "- list: approved\n  items: [apache]\n";
    assert_eq!(
        literals(&[
            ("k8s_audit_rules.yaml", UPSTREAM),
            ("overrides.yaml", overrides)
        ]),
        ["nginx"]
    );
    assert_eq!(
        literals(&[
            ("k8s_audit_rules.yaml", UPSTREAM),
            ("overrides.yaml", overrides),
            ("replaced.yaml", replaced),
        ]),
        ["apache"]
    );
    // A list defined after the macro is still substituted (no order between lists and conditions).
    let after = "- macro: allowed_k8s_containers\n  condition: ka.req.pod.containers.image.repository in (approved)\n- list: approved\n  items: [redis]\n";
    assert_eq!(literals(&[("after.yaml", after)]), ["redis"]);
    // Several YAML documents in one file.
    let docs = "- list: a\n  items: [x]\n---\n- macro: allowed_k8s_containers\n  condition: ka.req.pod.containers.image.repository in (a, y)\n";
    assert_eq!(literals(&[("docs.yaml", docs)]), ["x", "y"]);
}

#[test]
fn nested_lists_expand_one_level_like_falco() {
    // c -> b -> a: Falco expands one level when compiling lists, so `c` holds the name `a`, and
    // the condition gets the literal string `a` (list `a` was substituted before `c` was).
    let rules = "\
- list: a
  items: [x]
- list: b
  items: [a]
- list: c
  items: [b]
- macro: allowed_k8s_containers
  condition: ka.req.pod.containers.image.repository in (b, c)
";
    assert_eq!(literals(&[("nested.yaml", rules)]), ["x", "a"]);
}

#[test]
fn macro_appends_concatenate_conditions() {
    let appended = format!(
        "{ALLOW_NGINX}- macro: allowed_k8s_containers\n  append: true\n  condition: or ka.req.pod.containers.image.repository in (apache)\n"
    );
    let err = error(&[("appended.yaml", &appended)]);
    assert!(
        err.starts_with("appended.yaml:2:14: the condition of macro `allowed_k8s_containers` with 1 appended condition(s) is not understood at column 53: unexpected text: only a single `… in (…)` check is understood: `(ka.req.pod.containers.image.repository in (nginx)) or ka.req.pod.containers.image.repository in (apache)`"),
        "{err}"
    );
    // Appending to a macro that only grows a redundant pair of parentheses is fine.
    let wrapped = "- macro: allowed_k8s_containers\n  condition: (ka.req.pod.containers.image.repository in (a)\n- macro: allowed_k8s_containers\n  override:\n    condition: append\n  condition: )\n";
    assert_eq!(literals(&[("wrapped.yaml", wrapped)]), ["a"]);
}

#[test]
fn other_conditions_are_refused_saying_what_is_understood() {
    for (condition, column) in [
        ("ka.req.pod.containers.image.tag in (nginx)", 1),
        ("not ka.req.pod.containers.image.repository in (nginx)", 1),
        (
            "ka.req.pod.containers.image.repository in (nginx) and ka.target.namespace=x",
            51,
        ),
        (
            "ka.req.pod.containers.image.repository intersects (nginx)",
            40,
        ),
        ("my_other_macro", 1),
    ] {
        let text = format!("- macro: allowed_k8s_containers\n  condition: {condition}\n");
        let err = error(&[("r.yaml", &text)]);
        assert!(err.starts_with(&format!("r.yaml:2:14: the condition of macro `allowed_k8s_containers` is not understood at column {column}: ")), "{err}");
        assert!(err.contains(&format!(": `{condition}` (")), "{err}");
        assert!(err.contains("(understood: `ka.req.pod.containers.image.repository in (REPO, …)` or `= REPO` (also `ka.req.container.image.repository`, and `ka.req.container.image` for whole images), optionally in parentheses, where a REPO may be a `- list:` name)"), "{err}");
    }
}

#[test]
fn shape_errors_point_at_the_node() {
    let cases = [
        (
            "- list: l\n  append: true\n  items: [x]\n",
            "r.yaml:1:3: `append` to a list that is not defined before: `l`",
        ),
        (
            "- list: l\n  items: x\n",
            "r.yaml:2:10: a list needs `items:`, a sequence: `l`",
        ),
        (
            "- list: l\n",
            "r.yaml:1:3: a list needs `items:`, a sequence: `l`",
        ),
        (
            "- list: l\n  items:\n    - a\n    - [b]\n",
            "r.yaml:4:7: a list item must be a scalar: `l`",
        ),
        (
            "- list: \"a b\"\n  items: []\n",
            "r.yaml:1:9: invalid list name: `a b`",
        ),
        (
            "- list: l\n  items: []\n  append: maybe\n",
            "r.yaml:3:11: `append` must be true or false",
        ),
        (
            "- list: l\n  items: []\n  override: {items: prepend}\n",
            "r.yaml:3:13: invalid override operation for `items`: `prepend`; allowed values are append and replace",
        ),
        (
            "- list: l\n  items: []\n  append: true\n  override: {items: append}\n",
            "r.yaml:1:3: `override` and `append: true` cannot be used together",
        ),
        (
            "- macro: allowed_k8s_containers\n",
            "r.yaml:1:3: a macro needs a `condition`: `allowed_k8s_containers`",
        ),
        (
            "- macro: 9lives\n  condition: x\n",
            "r.yaml:1:10: invalid macro name: `9lives`",
        ),
        (
            "- macro: m\n  append: yes\n  condition: x\n",
            "r.yaml:1:3: `append` to a macro that is not defined before: `m`",
        ),
        (
            "- rule: r\n- just a string\n",
            "r.yaml:2:3: each item of a Falco rules file must be a mapping (`- list: …`, `- macro: …`, `- rule: …`)",
        ),
        (
            "- rule: r\n---\nkey: value\n",
            "r.yaml:3:1: a Falco rules file is a list of `rule`, `macro` and `list` items",
        ),
        (
            "- rule: r\n- list: [unclosed\n",
            "r.yaml:3:1: did not find expected ',' or ']'",
        ),
    ];
    for (text, want) in cases {
        let err = error(&[("r.yaml", text)]);
        assert!(err.starts_with(want), "{text:?}\n got: {err}\nwant: {want}");
    }
    // Rules, unknown items and `required_*` items are not this tool's business.
    let ignored = format!("- rule: anything\n  whatever: [1]\n- exception: x\n- ~\n{ALLOW_NGINX}");
    assert_eq!(literals(&[("r.yaml", &ignored)]), ["nginx"]);
}

#[test]
fn default_mode_compiles_the_repositories_as_patterns() {
    let rules = "- list: imgs\n  items: [nginx, 'ghcr.io/acme/']\n- macro: allowed_k8s_containers\n  condition: ka.req.pod.containers.image.repository in (imgs)\n";
    let list = read(&[("r.yaml", rules)], false).expect("valid");
    let image = |s: &str| ImageRef::parse(s, "docker.io").expect("valid image");
    assert_eq!(list.allows(&image("nginx:1.25"), None), Some("nginx"));
    assert_eq!(
        list.allows(&image("ghcr.io/acme/x/y"), None),
        Some("ghcr.io/acme/")
    );
    assert_eq!(list.allows(&image("redis"), None), None);
    assert_eq!(list.len(), 2);
    // A repository that is no valid pattern is a warning in the default mode, located at the
    // list item it came from, and the rest of the file is read; `--falco` compares it literally
    // and does not mind.
    let bad = "- list: imgs\n  items:\n    - nginx\n    - registry.k8s.io\n- macro: allowed_k8s_containers\n  condition: ka.req.pod.containers.image.repository in (imgs)\n";
    let list = read(&[("r.yaml", bad)], false).expect("read with a warning");
    assert_eq!(list.len(), 1);
    assert_eq!(list.allows(&image("nginx"), None), Some("nginx"));
    assert_eq!(list.warnings().len(), 1, "{:?}", list.warnings());
    assert!(
        list.warnings()[0].starts_with("r.yaml:4:7: a registry needs a `/` after it"),
        "{:?}",
        list.warnings()
    );
    assert!(list.warnings()[0].contains("--falco"));
    let list = read(&[("r.yaml", bad)], true).expect("literals");
    assert!(list.literals().contains("registry.k8s.io"));
    assert!(!list.literals().contains("registry.k8s.io/"));
    assert_eq!((list.len(), list.is_empty()), (2, false));
    assert!(list.warnings().is_empty());
    // From the condition itself: the only item names nothing, so nothing is allowed.
    let inline = "- macro: allowed_k8s_containers\n  condition: ka.req.pod.containers.image.repository in (localhost)\n";
    let list = read(&[("r.yaml", inline)], false).expect("read with warnings");
    assert!(list.is_empty());
    let warnings = list.warnings();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].starts_with("r.yaml:2:14: a registry needs a `/` after it")
            && warnings[0].contains("`localhost/`"),
        "{warnings:?}"
    );
    assert!(warnings[1].contains("allows no image"), "{warnings:?}");
    let inline = "- macro: allowed_k8s_containers\n  condition: ka.req.pod.containers.image.repository in (nginx*)\n";
    let list = read(&[("r.yaml", inline)], false).expect("read with a warning");
    assert!(
        list.warnings()[0].starts_with("r.yaml:2:14: a glob repository without `/`"),
        "{:?}",
        list.warnings()
    );
}

#[test]
fn engine_v4_conditions_allow_repositories_or_exact_images() {
    let image = |s: &str| ImageRef::parse(s, "docker.io").expect("valid image");
    let rules =
        "- macro: allowed_k8s_containers\n  condition: (ka.req.container.image.repository=nginx)\n";
    let list = read(&[("r.yaml", rules)], false).expect("understood");
    assert!(list.allows(&image("nginx:1.25"), None).is_some());
    assert!(list.allows(&image("apache"), None).is_none());
    assert!(
        read(&[("r.yaml", rules)], true)
            .expect("literals")
            .literals()
            .contains("nginx")
    );
    // A whole image: `apache` is `apache:latest`, not every tag of it.
    let rules = "- macro: allowed_k8s_containers\n  condition: (ka.req.container.image=apache)\n";
    let list = read(&[("r.yaml", rules)], false).expect("understood");
    assert!(list.allows(&image("apache"), None).is_some());
    assert!(
        list.allows(&image("docker.io/library/apache:latest"), None)
            .is_some()
    );
    assert!(list.allows(&image("apache:2.4"), None).is_none());
    assert!(list.allows(&image("nginx"), None).is_none());
    let rules = "- list: web\n  items: [nginx, 'httpd:2.4']\n- macro: allowed_k8s_containers\n  condition: ka.req.container.image in (web)\n";
    let list = read(&[("r.yaml", rules)], false).expect("understood");
    assert!(list.allows(&image("httpd:2.4"), None).is_some());
    assert!(list.allows(&image("httpd:2.5"), None).is_none());
    assert!(list.allows(&image("nginx:latest"), None).is_some());
}

#[test]
fn patterns_and_rules_files_combine() {
    let list = read(
        &[
            (
                "allow.yaml",
                "images: [redis]\nnamespaces: {kube-system: [quay.io/cilium/]}\n",
            ),
            ("rules.yaml", ALLOW_NGINX),
        ],
        true,
    )
    .expect("valid");
    assert_eq!(
        list.literals().iter().collect::<Vec<_>>(),
        ["redis", "nginx"]
    );
    assert!(list.literals().contains("redis") && list.literals().contains("nginx"));
    assert!(
        !list.literals().contains("quay.io/cilium/"),
        "namespaces have no place in Falco's macro"
    );
    // A bare list that merely contains a mapping is not a rules file.
    let err = read(&[("allow.yaml", "- nginx: latest\n")], true)
        .expect_err("a mapping")
        .to_string();
    assert!(
        err.contains("expected an image pattern, found a mapping"),
        "{err}"
    );
    // A rules file without the macro.
    let err = error(&[("rules.yaml", "- list: l\n  items: [nginx]\n")]);
    assert_eq!(
        err,
        "rules.yaml: no `- macro: allowed_k8s_containers` in the Falco rules file (override it: `- macro: allowed_k8s_containers` with `condition: ka.req.pod.containers.image.repository in (…)`)"
    );
}
