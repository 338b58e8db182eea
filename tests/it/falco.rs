//! Falco parity (`--falco`, Falco rules files as allowlists, the `falco` and `falco-json` formats,
//! see docs/falco.md): Falco's own test matrix on our
//! equivalent capture, the quirks Falco has, rules files with lists and `append`, and the alert
//! formats pinned byte for byte. Expected lines were worked out by hand from the fixtures (see
//! `testdata/README.md`, "Falco parity fixtures"); the nanosecond times were computed
//! independently of this tool.

use std::process::Output;

use crate::report::strings;
use crate::util::{cmd, code, json, parse_lines, run, stderr, stdout};

const CAPTURE: &str = "testdata/falco-capture-nginx.json";
const QUIET: &str = "testdata/exec-attach-get.jsonl";
const EVENTS: &str = "testdata/falco-parity-events.jsonl";
const APACHE: &str = "testdata/falco-rules-allow-apache.yaml";
const NGINX: &str = "testdata/falco-rules-allow-nginx.yaml";
const LISTS: &str = "testdata/falco-rules-lists.yaml";
const UPSTREAM: &str = "testdata/falco-rules-upstream.yaml";
const OVERRIDE: &str = "testdata/falco-rules-override.yaml";

/// The alert for the capture, as Falco prints it with `time_format_iso_8601: true`.
const CAPTURE_ALERT: &str = "2018-10-25T14:09:49.761315000+0000: Warning Pod started with container not in allowed list (user=system:serviceaccount:kube-system:replicaset-controller pod=nginx-deployment-78f5d695bd-nxqz5 ns=default images=(nginx))\n";

/// Runs with `args` and `FALCO_HOSTNAME=falco-test-host`.
fn run_on_host(args: &[&str]) -> Output {
    cmd()
        .env("FALCO_HOSTNAME", "falco-test-host")
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn falcos_own_test_expectation() {
    // falco_k8s_audit_tests.yaml: create_disallowed_pod / create_allowed_pod.
    let apache = run(&[CAPTURE, "--allow", APACHE, "--falco"]);
    assert_eq!(code(&apache), 1, "{}", stderr(&apache));
    assert_eq!(stdout(&apache), CAPTURE_ALERT);
    let nginx = run(&[CAPTURE, "--allow", NGINX, "--falco"]);
    assert_eq!(code(&nginx), 0, "{}", stderr(&nginx));
    assert_eq!(stdout(&nginx), "");
    // exec_pod.json, attach_pod.json, create_nginx_pod_unsensitive_mount.json: never an alert.
    for allow in [APACHE, NGINX, LISTS] {
        let quiet = run(&[QUIET, "--allow", allow, "--falco"]);
        assert_eq!(code(&quiet), 0, "{allow}: {}", stderr(&quiet));
        assert_eq!(stdout(&quiet), "", "{allow}");
    }
}

#[test]
fn falco_text_for_a_rules_file_with_lists_and_append() {
    // Lines 2 (one disallowed image among three), 7 (Metadata level: nothing to extract) and 13
    // (refused by RBAC). Not: 1 and 6 (allowed; `reg:5000/app:1` is Falco's `reg`), 3 (not
    // ResponseComplete), 4 (`subresource: ""` exists), 5 (only an init container is unknown),
    // 8 (no auditID), 9 (no stageTimestamp), 10–12 (exec, attach, get).
    let out = run(&[EVENTS, "--allow", LISTS, "--falco"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        concat!(
            "2026-03-04T09:12:33.418207000+0000: Warning Pod started with container not in allowed list (user=alice@example.com pod=debug-shell ns=default images=(nginx:1.25,evil/miner:6.21,evil/miner:6.21))\n",
            "2026-03-04T09:20:05.741003000+0000: Warning Pod started with container not in allowed list (user=bob@example.com pod=<NA> ns=ml-jobs images=<NA>)\n",
            "2026-03-04T09:26:30.901517000+0000: Warning Pod started with container not in allowed list (user=system:serviceaccount:ci:deploy-bot pod=<NA> ns=kube-system images=<NA>)\n",
        )
    );
    assert!(
        stderr(&out).contains(
            "3 findings (1 disallowed-image, 2 images-unknown) among 6 pod request events"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn falco_json_byte_for_byte() {
    let out = run_on_host(&[
        EVENTS,
        "--allow",
        UPSTREAM,
        "--allow",
        OVERRIDE,
        "--falco",
        "--format",
        "falco-json",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        concat!(
            r#"{"hostname":"falco-test-host","output":"2026-03-04T09:16:40.261942000+0000: Warning Pod started with container not in allowed list (user=bob@example.com pod=app-1 ns=team-a images=(reg:5000/app:1))","output_fields":{"evt.time":1772615800261942000,"ka.req.pod.containers.image":["reg:5000/app:1"],"ka.resp.name":"app-1","ka.target.namespace":"team-a","ka.user.name":"bob@example.com"},"priority":"Warning","rule":"Create Disallowed Pod","source":"k8s_audit","tags":["k8s"],"time":"2026-03-04T09:16:40.261942000Z"}"#,
            "\n",
            r#"{"hostname":"falco-test-host","output":"2026-03-04T09:20:05.741003000+0000: Warning Pod started with container not in allowed list (user=bob@example.com pod=<NA> ns=ml-jobs images=<NA>)","output_fields":{"evt.time":1772616005741003000,"ka.req.pod.containers.image":null,"ka.resp.name":null,"ka.target.namespace":"ml-jobs","ka.user.name":"bob@example.com"},"priority":"Warning","rule":"Create Disallowed Pod","source":"k8s_audit","tags":["k8s"],"time":"2026-03-04T09:20:05.741003000Z"}"#,
            "\n",
            r#"{"hostname":"falco-test-host","output":"2026-03-04T09:26:30.901517000+0000: Warning Pod started with container not in allowed list (user=system:serviceaccount:ci:deploy-bot pod=<NA> ns=kube-system images=<NA>)","output_fields":{"evt.time":1772616390901517000,"ka.req.pod.containers.image":null,"ka.resp.name":null,"ka.target.namespace":"kube-system","ka.user.name":"system:serviceaccount:ci:deploy-bot"},"priority":"Warning","rule":"Create Disallowed Pod","source":"k8s_audit","tags":["k8s"],"time":"2026-03-04T09:26:30.901517000Z"}"#,
            "\n",
        )
    );
    // The capture, with an image list of one.
    let out = run_on_host(&[
        CAPTURE,
        "--allow",
        APACHE,
        "--falco",
        "--format",
        "falco-json",
    ]);
    assert_eq!(
        stdout(&out),
        concat!(
            r#"{"hostname":"falco-test-host","output":"2018-10-25T14:09:49.761315000+0000: Warning Pod started with container not in allowed list (user=system:serviceaccount:kube-system:replicaset-controller pod=nginx-deployment-78f5d695bd-nxqz5 ns=default images=(nginx))","output_fields":{"evt.time":1540476589761315000,"ka.req.pod.containers.image":["nginx"],"ka.resp.name":"nginx-deployment-78f5d695bd-nxqz5","ka.target.namespace":"default","ka.user.name":"system:serviceaccount:kube-system:replicaset-controller"},"priority":"Warning","rule":"Create Disallowed Pod","source":"k8s_audit","tags":["k8s"],"time":"2018-10-25T14:09:49.761315000Z"}"#,
            "\n"
        )
    );
}

#[test]
fn hostname_comes_from_falcos_variables() {
    let host = |vars: &[(&str, &str)]| -> String {
        let mut c = cmd();
        for (k, v) in vars {
            c.env(k, v);
        }
        let out = c
            .args([
                CAPTURE,
                "--allow",
                APACHE,
                "--falco",
                "--format",
                "falco-json",
            ])
            .output()
            .expect("the binary runs");
        let alert: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
        alert["hostname"].as_str().expect("a string").to_owned()
    };
    assert_eq!(
        host(&[("FALCO_HOSTNAME", "a"), ("FALCO_GRPC_HOSTNAME", "b")]),
        "a"
    );
    assert_eq!(host(&[("FALCO_GRPC_HOSTNAME", "b")]), "b");
    assert!(!host(&[]).is_empty(), "the machine's host name");
}

#[test]
fn falco_formats_work_in_the_default_mode() {
    // Default mode: every selected pod request, the pod name falling back to the request, the
    // time to requestReceivedTimestamp, all images. Line 3 is its request's only (RequestReceived)
    // stage; line 9 has no stageTimestamp.
    let out = run(&[EVENTS, "--allow", LISTS, "--format", "falco"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 9, "{text}");
    for line in [
        "2026-03-04T09:13:00.000100000+0000: Warning Pod started with container not in allowed list (user=alice@example.com pod=kworker ns=default images=(xmrig/xmrig:latest))",
        "2026-03-04T09:14:10.520311000+0000: Warning Pod started with container not in allowed list (user=alice@example.com pod=kworker-2 ns=default images=(xmrig/xmrig:latest))",
        "2026-03-04T09:15:00.021000000+0000: Warning Pod started with container not in allowed list (user=system:serviceaccount:kube-system:job-controller pod=backup-28511040-7qx9z ns=ops images=(registry.k8s.io/pause:3.9,public.ecr.aws/aws-cli/aws-cli:2.15.0))",
        "2026-03-04T09:20:05.741003000+0000: Warning Pod started with container not in allowed list (user=bob@example.com pod=train-resnet50-7 ns=ml-jobs images=<NA>)",
        "2026-03-04T09:22:00.000000000+0000: Warning Pod started with container not in allowed list (user=alice@example.com pod=no-time ns=default images=(xmrig/xmrig:latest))",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
    }
    let out = run(&[EVENTS, "--allow", LISTS, "--format", "falco-json", "-q"]);
    let alerts: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON alert per line"))
        .collect();
    assert_eq!(alerts.len(), 9);
    assert!(
        alerts
            .iter()
            .all(|a| a["rule"] == "Create Disallowed Pod" && a["source"] == "k8s_audit")
    );
}

#[test]
fn falco_mode_keeps_its_own_format_unless_told_otherwise() {
    let (doc, _) = json(&[CAPTURE, "--allow", APACHE, "--falco"]);
    let finding = &doc.findings[0];
    assert_eq!(
        finding.pod.as_deref(),
        Some("nginx-deployment-78f5d695bd-nxqz5")
    );
    assert_eq!(finding.images, Some(strings(&["nginx"])));
    assert_eq!(finding.stage.as_deref(), Some("ResponseComplete"));
    // An `images:` allowlist works too: its `images` patterns are literal repositories for Falco.
    let literal = run(&[CAPTURE, "--allow", "testdata/allow-nginx.yaml", "--falco"]);
    assert_eq!(code(&literal), 0, "{}", stderr(&literal));
    let dir = tempfile::tempdir().expect("tempdir");
    let normalized = dir.path().join("allow.yaml");
    std::fs::write(&normalized, "images: [docker.io/library/nginx]\n").expect("write");
    let out = run(&[
        CAPTURE,
        "--allow",
        normalized.to_str().expect("UTF-8"),
        "--falco",
    ]);
    assert_eq!(
        stdout(&out),
        CAPTURE_ALERT,
        "Falco compares `nginx`, not its normalized form"
    );
    // The default mode normalizes: the same allowlist allows the capture.
    let out = run(&[CAPTURE, "--allow", normalized.to_str().expect("UTF-8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn several_allow_files_combine_in_order() {
    // The upstream file alone: its macro allows every image, which is refused with a hint.
    let alone = run(&[EVENTS, "--allow", UPSTREAM, "--falco"]);
    assert_eq!(code(&alone), 2);
    let err = stderr(&alone);
    assert!(
        err.contains("testdata/falco-rules-upstream.yaml:19:14: the condition of macro `allowed_k8s_containers` is not understood at column 2"),
        "{err}"
    );
    assert!(
        err.contains("override `allowed_k8s_containers` in a later --allow file"),
        "{err}"
    );
    assert_eq!(stdout(&alone), "");
    // With the override (see falco_json_byte_for_byte): three alerts; the other way round the
    // upstream macro comes last and wins again.
    let both = run(&[EVENTS, "--allow", UPSTREAM, "--allow", OVERRIDE, "--falco"]);
    assert_eq!(stdout(&both).lines().count(), 3, "{}", stderr(&both));
    let reversed = run(&[EVENTS, "--allow", OVERRIDE, "--allow", UPSTREAM, "--falco"]);
    assert_eq!(code(&reversed), 2);
    assert!(
        stderr(&reversed)
            .contains("`append` to a list that is not defined before: `trusted_images`"),
        "{}",
        stderr(&reversed)
    );
}

#[test]
fn rules_files_in_the_default_mode_are_patterns() {
    // registry.k8s.io/pause, nginx, httpd, reg, quay.io/cilium/cilium as allowlist patterns: `nginx`
    // allows nginx:1.25.4; `reg` is docker.io/library/reg, so `reg:5000/app:1` is not allowed.
    let out = run(&[EVENTS, "--allow", LISTS, "--format", "jsonl", "-q"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let lines: Vec<u64> = parse_lines(&stdout(&out)).iter().map(|f| f.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 9, 13]);
}

#[test]
fn a_condition_that_is_not_understood_is_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "- macro: allowed_k8s_containers\n  condition: ka.req.pod.containers.image.repository in (nginx) or ka.target.namespace=kube-system\n",
    )
    .expect("write");
    let out = run(&[
        CAPTURE,
        "--allow",
        rules.to_str().expect("UTF-8"),
        "--falco",
    ]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("rules.yaml:2:14: the condition of macro `allowed_k8s_containers` is not understood at column 51: unexpected text: only a single `… in (…)` check is understood"), "{err}");
    assert!(
        err.contains("understood: `ka.req.pod.containers.image.repository in (REPO, …)`"),
        "{err}"
    );
    assert_eq!(stdout(&out), "");
}

/// Falco's engine-v4 test rules write the allowlist with the older `ka.req.container.*` fields;
/// they are understood in both modes, with the same verdicts on Falco's own capture.
#[test]
fn falcos_engine_v4_rules_files_are_understood() {
    for falco in [true, false] {
        let mode: &[&str] = if falco { &["--falco"] } else { &[] };
        let apache = run(&[
            &[
                CAPTURE,
                "--allow",
                "testdata/falco-rules-v4-allow-apache.yaml",
            ],
            mode,
        ]
        .concat());
        assert_eq!(code(&apache), 1, "{}", stderr(&apache));
        let nginx = run(&[
            &[
                CAPTURE,
                "--allow",
                "testdata/falco-rules-v4-allow-nginx.yaml",
            ],
            mode,
        ]
        .concat());
        assert_eq!(code(&nginx), 0, "{}", stderr(&nginx));
    }
}

/// An item Falco accepts but that names nothing once normalized (`localhost`, which Falco's
/// repository gives for `localhost:5000/app`) is a warning in the default mode, and the rest of
/// the file still allows what it allows.
#[test]
fn an_item_that_names_nothing_is_a_warning_not_a_refusal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "- list: allowed\n  items: [nginx, localhost]\n- macro: allowed_k8s_containers\n  condition: (ka.req.pod.containers.image.repository in (allowed))\n",
    )
    .expect("write");
    let rules = rules.display().to_string();
    let out = run(&[CAPTURE, "--allow", &rules]);
    assert_eq!(code(&out), 0, "nginx is still allowed: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "warning: {rules}:2:18: a registry needs a `/` after it"
        )) && err.contains("`localhost/`"),
        "{err}"
    );
    let out = run(&[CAPTURE, "--allow", &rules, "--falco"]);
    assert_eq!(code(&out), 0);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}
