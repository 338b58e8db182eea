//! The engine files hold what docs/sharding.md says of them: the Indexed Job shards the
//! ConfigMap's list one cluster per index, with the failure policy, the exit status and the
//! output the walk-through explains; the merge Job merges exactly the scan's reports, in index
//! order; the container build file makes the binary the image's entry point. And the Jobs'
//! command lines work: each index's arguments, with only the object-store locations swapped for
//! local ones, run the real binary to a report, and the merge Job's arguments merge them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::report::Report;
use crate::util::{MIXED, SAMPLE, code, root, run, stderr};

/// The index placeholder Kubernetes expands in an Indexed Job's arguments.
const INDEX: &str = "$(JOB_COMPLETION_INDEX)";

/// One document of a manifest file: the parts of a ConfigMap or a Job these checks read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Object {
    kind: String,
    metadata: Metadata,
    #[serde(default)]
    data: BTreeMap<String, String>,
    spec: Option<JobSpec>,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobSpec {
    completion_mode: Option<String>,
    completions: Option<u64>,
    parallelism: Option<u64>,
    backoff_limit_per_index: Option<u64>,
    pod_failure_policy: Option<PodFailurePolicy>,
    template: PodTemplate,
}

#[derive(Debug, Deserialize)]
struct PodFailurePolicy {
    rules: Vec<Rule>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    action: String,
    on_exit_codes: Option<OnExitCodes>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OnExitCodes {
    container_name: Option<String>,
    operator: String,
    values: Vec<i64>,
}

#[derive(Debug, Deserialize)]
struct PodTemplate {
    spec: PodSpec,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PodSpec {
    restart_policy: String,
    containers: Vec<Container>,
    #[serde(default)]
    volumes: Vec<Volume>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Container {
    name: String,
    image: String,
    #[serde(default)]
    command: Vec<String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    volume_mounts: Vec<VolumeMount>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VolumeMount {
    name: String,
    mount_path: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Volume {
    name: String,
    config_map: Option<NameRef>,
}

#[derive(Debug, Deserialize)]
struct NameRef {
    name: String,
}

/// The documents of a manifest under `deploy/kubernetes/`.
fn manifest(name: &str) -> Vec<Object> {
    let text =
        std::fs::read_to_string(root().join("deploy/kubernetes").join(name)).expect("the manifest");
    serde_yaml::Deserializer::from_str(&text)
        .map(|doc| Object::deserialize(doc).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

/// The one Job of a manifest, and its one container.
fn job(objects: &[Object]) -> (&JobSpec, &Container) {
    let jobs: Vec<&Object> = objects.iter().filter(|o| o.kind == "Job").collect();
    assert_eq!(jobs.len(), 1, "one Job");
    let spec = jobs[0].spec.as_ref().expect("a Job has a spec");
    let [container] = &spec.template.spec.containers[..] else {
        panic!("one container");
    };
    (spec, container)
}

/// The value of option `name` in `args` (`--name VALUE` or `--name=VALUE`), if given.
fn option<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    let prefix = format!("{name}=");
    args.iter().enumerate().find_map(|(i, a)| {
        if a == name {
            args.get(i + 1).map(String::as_str)
        } else {
            a.strip_prefix(&prefix)
        }
    })
}

/// `args` with the value of option `name` replaced by `value`.
fn with_option(args: &[String], name: &str, value: &str) -> Vec<String> {
    let mut out = args.to_vec();
    let i = out.iter().position(|a| a == name).expect("the option");
    value.clone_into(&mut out[i + 1]);
    out
}

/// The entries of a `--files-from` list: its non-blank lines that are not `#` comments.
fn entries(list: &str) -> Vec<&str> {
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The ConfigMap file a container reads at `path`: (ConfigMap name, key).
fn configmap_file<'a>(spec: &'a PodSpec, c: &Container, path: &'a str) -> (&'a str, &'a str) {
    for mount in &c.volume_mounts {
        let Some(key) = path.strip_prefix(&format!("{}/", mount.mount_path)) else {
            continue;
        };
        let volume = spec
            .volumes
            .iter()
            .find(|v| v.name == mount.name)
            .expect("mounted");
        let map = volume.config_map.as_ref().expect("a ConfigMap volume");
        return (map.name.as_str(), key);
    }
    panic!("{path} is not in a mounted volume");
}

#[test]
fn the_indexed_job_shards_the_list_one_cluster_per_index() {
    let objects = manifest("scan-job.yaml");
    let (spec, scan) = job(&objects);
    assert_eq!(spec.completion_mode.as_deref(), Some("Indexed"));
    let shard = option(&scan.args, "--shard").expect("--shard");
    let (index, n) = shard.split_once('/').expect("K/N");
    assert_eq!(index, INDEX, "each index reads its own shard");
    let n: u64 = n.parse().expect("N is a number");
    assert_eq!(spec.completions, Some(n), "one index per shard");
    assert_eq!(
        spec.parallelism,
        Some(n),
        "every shard at once, as the walk-through says"
    );
    // The list comes from the ConfigMap in the same file, one cluster per index.
    let pod = &spec.template.spec;
    let files_from = option(&scan.args, "--files-from").expect("--files-from");
    let (map_name, key) = configmap_file(pod, scan, files_from);
    let map = objects
        .iter()
        .find(|o| o.kind == "ConfigMap" && o.metadata.name == map_name)
        .expect("the ConfigMap is in the file");
    let clusters = entries(&map.data[key]);
    assert_eq!(clusters.len() as u64, n, "{clusters:?}");
    assert!(
        clusters.iter().all(|c| c.ends_with('/')),
        "prefixes: {clusters:?}"
    );
    let allow = option(&scan.args, "--allow").expect("--allow");
    assert_eq!(configmap_file(pod, scan, allow).0, map_name);
    // Findings do not fail a shard; each index writes its own report, in a format --merge reads.
    assert!(scan.args.iter().any(|a| a == "--exit-zero"));
    let output = option(&scan.args, "--output").expect("--output");
    assert!(output.contains(INDEX), "{output}");
    assert!(matches!(
        option(&scan.args, "--format"),
        Some("json" | "jsonl")
    ));
    // The image's entry point is the binary: the arguments are the whole command line.
    assert!(scan.command.is_empty());
}

#[test]
fn an_error_fails_its_index_without_a_retry() {
    let objects = manifest("scan-job.yaml");
    let (spec, scan) = job(&objects);
    assert!(
        spec.backoff_limit_per_index.is_some_and(|n| n > 0),
        "crashes are retried"
    );
    assert_eq!(spec.template.spec.restart_policy, "Never");
    let rules = &spec
        .pod_failure_policy
        .as_ref()
        .expect("a pod failure policy")
        .rules;
    let on_error = rules
        .iter()
        .find(|r| r.action == "FailIndex")
        .expect("a FailIndex rule");
    let codes = on_error.on_exit_codes.as_ref().expect("on exit codes");
    assert_eq!(codes.operator, "In");
    assert_eq!(
        codes.values,
        [2],
        "exit status 2 is an error; 1 cannot happen with --exit-zero"
    );
    assert_eq!(codes.container_name.as_deref(), Some(scan.name.as_str()));
}

#[test]
fn the_merge_job_merges_every_index_in_order() {
    let (scan_objects, merge_objects) = (manifest("scan-job.yaml"), manifest("merge-job.yaml"));
    let ((spec, scan), (_, merge)) = (job(&scan_objects), job(&merge_objects));
    let n = spec.completions.expect("completions");
    let output = option(&scan.args, "--output").expect("--output");
    assert_eq!(merge.image, scan.image, "one image for both steps");
    assert_eq!(merge.args.first().map(String::as_str), Some("--merge"));
    let reports: Vec<&str> = merge.args[1..]
        .iter()
        .take_while(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    let expected: Vec<String> = (0..n)
        .map(|k| output.replace(INDEX, &k.to_string()))
        .collect();
    assert_eq!(
        reports, expected,
        "each shard's report, named, in index order"
    );
    assert!(option(&merge.args, "--output").is_some_and(|o| !expected.iter().any(|e| e == o)));
}

#[test]
fn the_jobs_command_lines_run() {
    let (scan_objects, merge_objects) = (manifest("scan-job.yaml"), manifest("merge-job.yaml"));
    let ((spec, scan), (_, merge)) = (job(&scan_objects), job(&merge_objects));
    let dir = tempfile::tempdir().expect("temp dir");
    // The ConfigMap's files where the container would see them, but local.
    let config = dir.path().join("config");
    std::fs::create_dir(&config).expect("mkdir");
    let map = scan_objects
        .iter()
        .find(|o| o.kind == "ConfigMap")
        .expect("a ConfigMap");
    for (key, text) in &map.data {
        std::fs::write(config.join(key), text).expect("write");
    }
    let mount = &scan.volume_mounts[0].mount_path;
    let local = |arg: &String| arg.replace(mount.as_str(), &config.display().to_string());
    let mut args: Vec<String> = scan.args.iter().map(local).collect();
    // Local logs instead of the bucket's prefixes, local reports instead of objects.
    let list = dir.path().join("local-clusters.txt");
    std::fs::write(&list, format!("{SAMPLE}\n{MIXED}\n")).expect("write");
    args = with_option(&args, "--files-from", &list.display().to_string());
    let report = |k: u64| {
        dir.path()
            .join(format!("shard-{k}.json"))
            .display()
            .to_string()
    };
    let n = spec.completions.expect("completions");
    for k in 0..n {
        let these: Vec<String> = with_option(&args, "--output", &report(k))
            .iter()
            .map(|a| a.replace(INDEX, &k.to_string()))
            .collect();
        let these: Vec<&str> = these.iter().map(String::as_str).collect();
        let out = run(&these);
        assert_eq!(code(&out), 0, "index {k}: {}", stderr(&out));
        let saved: Report =
            serde_json::from_slice(&std::fs::read(report(k)).expect("written")).expect("a report");
        assert_eq!(saved.summary.inputs.len(), usize::from(k < 2), "index {k}");
    }
    let merged = dir.path().join("merged.json").display().to_string();
    let mut args: Vec<String> = vec!["--merge".to_owned()];
    args.extend((0..n).map(report));
    let rest: Vec<String> = merge.args.iter().skip(1 + n as usize).cloned().collect();
    args.extend(with_option(&rest, "--output", &merged));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let merged: Report =
        serde_json::from_slice(&std::fs::read(&merged).expect("written")).expect("a report");
    assert_eq!(merged.summary.files, 2);
    assert!(!merged.findings.is_empty());
}

#[test]
fn the_walkthrough_shows_the_job_as_it_is() {
    let doc = std::fs::read_to_string(root().join("docs/sharding.md")).expect("the page");
    let marker = "<!-- excerpt: deploy/kubernetes/scan-job.yaml -->\n```yaml\n";
    let start = doc.find(marker).expect("the excerpt") + marker.len();
    let excerpt = &doc[start..start + doc[start..].find("```").expect("its end")];
    let manifest = std::fs::read_to_string(root().join("deploy/kubernetes/scan-job.yaml"))
        .expect("the manifest");
    // Every line of the excerpt is in the manifest, in the same order and indentation.
    let mut lines = manifest.lines();
    for line in excerpt.lines() {
        assert!(
            lines.any(|l| l == line),
            "docs/sharding.md shows `{line}`, which the manifest does not have there"
        );
    }
}

#[test]
fn the_image_runs_the_binary_built_at_the_crates_rust_version() {
    let file = std::fs::read_to_string(root().join("deploy/Containerfile")).expect("the file");
    let lines: Vec<&str> = file
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    let stages: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("FROM "))
        .copied()
        .collect();
    assert_eq!(stages.len(), 2, "a builder stage and the image: {stages:?}");
    assert!(
        stages[1].contains("distroless/static") || stages[1].trim() == "FROM scratch",
        "a static image: {}",
        stages[1]
    );
    assert!(lines.contains(&r#"ENTRYPOINT ["/falco-pod-scan"]"#));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("cargo build --release --locked"))
    );
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let rust_version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .expect("rust-version")
        .trim_matches('"');
    assert!(
        lines.contains(&format!("ARG RUST_VERSION={rust_version}").as_str()),
        "the builder uses the crate's rust-version, {rust_version}"
    );
    // What the build copies exists.
    for line in lines
        .iter()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from"))
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        for source in &words[1..words.len() - 1] {
            assert!(Path::new(root()).join(source).exists(), "{source}");
        }
    }
}
