//! The allowlist as the command line sees it: a bad allowlist is exit 2 naming file, line, column
//! and pattern (escaped for the terminal), and `--default-registry` decides what unqualified names
//! mean.

use std::process::Stdio;
use std::time::Duration;

use crate::util::{ALLOW, SAMPLE, cmd, code, json, run, stderr, stdout, wait_at_most};

#[test]
fn bad_allowlists_are_exit_2_with_file_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: &[(&[u8], &str)] = &[
        (
            b"images:\n  - registry.k8s.io/\n  - nginx*\n",
            "allow.yaml:3:5: a glob repository without `/` can match no image",
        ),
        (
            b"images: [nginx\n",
            "allow.yaml:2:1: did not find expected ','",
        ),
        (
            b"images: nginx\n",
            "allow.yaml:1:9: images: invalid type: string",
        ),
        (
            b"image:\n  - nginx\n",
            "allow.yaml:1:1: unknown key: `image`",
        ),
        (
            b"images:\n  - 'ghcr.io/[a'\n",
            "allow.yaml:2:5: invalid glob",
        ),
        (b"images:\n  - ''\n", "allow.yaml:2:5: empty pattern"),
        (b"- nginx\n-\n", "allow.yaml:2:2: empty list item"),
        (
            b"- nginx*\n",
            "allow.yaml:1:3: a glob repository without `/` can match no image",
        ),
        (
            b"images:\n  - ngi\xffnx\n",
            "allow.yaml:2:8: not valid UTF-8 (byte 0xff)",
        ),
        (
            b"images:\n  - \"\x1b]52;c;ZXZpbA==\x07\"\n",
            "allow.yaml:2:6: control characters are not allowed",
        ),
    ];
    for (text, want) in cases {
        let path = dir.path().join("allow.yaml");
        std::fs::write(&path, text).expect("write");
        let out = run(&[SAMPLE, "--allow", path.to_str().expect("utf-8")]);
        let err = stderr(&out).replace(&format!("{}/", dir.path().display()), "");
        assert_eq!(code(&out), 2, "{want}: {err}");
        assert!(
            err.starts_with(&format!("falco-pod-scan: error: {want}")),
            "{want}: {err}"
        );
        assert!(
            !err.contains('\u{1b}') && !err.contains('\u{7}'),
            "escaped: {err:?}"
        );
        assert_eq!(stdout(&out), "", "nothing scanned with a bad allowlist");
    }
    let child = cmd()
        .args([SAMPLE, "--allow", "/dev/zero"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let out = wait_at_most(child, Duration::from_secs(30));
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("cannot read the allowlist /dev/zero: it is a character device"),
        "{}",
        stderr(&out)
    );
    let missing = run(&[SAMPLE, "--allow", "testdata/nope.yaml"]);
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("cannot read the allowlist testdata/nope.yaml"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn default_registry_resolves_unqualified_names() {
    let (doc, _) = json(&[
        SAMPLE,
        "--allow",
        ALLOW,
        "--default-registry",
        "mirror.example",
    ]);
    let miner = doc
        .findings
        .iter()
        .find(|f| f.pod.as_deref() == Some("kworker-sync"))
        .expect("the miner");
    assert_eq!(
        miner.container(0).reference.as_deref(),
        Some("mirror.example/xmrig/xmrig:latest")
    );
    let out = run(&[
        SAMPLE,
        "--suggest-allowlist",
        "--default-registry",
        "mirror.example",
    ]);
    assert!(
        stdout(&out).contains("  - mirror.example/nginx "),
        "{}",
        stdout(&out)
    );
}

/// An allowlist that allows nothing is valid, and says so: every pod request will be a finding.
#[test]
fn an_empty_allowlist_warns_that_everything_is_disallowed() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in [
        ("empty.yaml", ""),
        ("comments.yaml", "# to be filled in\n"),
        ("images.yaml", "images:\n"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let path = path.display().to_string();
        let out = run(&[SAMPLE, "--allow", &path, "--quiet"]);
        assert_eq!(code(&out), 1, "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("warning: {path}: the allowlist allows no image")),
            "{name}: {err}"
        );
    }
    let out = run(&[SAMPLE, "--allow", ALLOW]);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}
