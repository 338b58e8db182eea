//! The JSON schema of the `json` and `jsonl` outputs, generated from the types that are
//! serialized (schemars derives on the finding, attribution and image-row types), so it cannot
//! drift from them. It is versioned: [`VERSION`] changes when a key is removed or changes
//! meaning, never when one is added; so no object in it forbids keys it does not list, or a
//! consumer validating with it would refuse a later document of the same version.
//!
//! `docs/schema/report-v1.json` is this schema, committed so that consumers can fetch it; a test
//! fails when it differs from what the types generate (`UPDATE_SCHEMA=1 cargo test --lib schema`
//! rewrites it). The root is either `json` document, `{"findings":[…],"summary":{…}}` or, with
//! `--summary`, `{"images":[…],"summary":{…}}`, or with `--suggest-allowlist` the suggestion
//! (`#/$defs/SuggestionJson`); a `jsonl` line is a `#/$defs/Finding` (or a
//! `#/$defs/ImageRow`). The summary is typed too (`#/$defs/Summary`), from the type
//! the documents serialize, with its error kinds; docs/output.md (The summary) says the same in
//! prose.

use schemars::transform::RecursiveTransform;
use schemars::{JsonSchema, Schema, generate::SchemaSettings};
use serde_json::Value;

use super::StatsSummaryJson;
use super::by_image::ImageRow;
use super::suggested_allowlist::SuggestionJson;
use crate::finding::Finding;

/// The schema's version, in its file name and its `$id`.
pub const VERSION: u32 = 1;

/// `--format json`: the findings and the run summary.
#[derive(JsonSchema)]
#[expect(
    dead_code,
    reason = "a shape for the schema only; json.rs writes the document"
)]
struct FindingsDocument<'a> {
    /// Every finding, in input order.
    findings: Vec<Finding>,
    /// The run summary (docs/output.md, The summary).
    summary: StatsSummaryJson<'a>,
}

/// `--summary --format json`: one row per disallowed image and the run summary.
#[derive(JsonSchema)]
#[expect(
    dead_code,
    reason = "a shape for the schema only; json.rs writes the document"
)]
struct ImagesDocument<'a> {
    /// One row per disallowed image.
    images: Vec<ImageRow<'a>>,
    /// The run summary, as with the findings.
    summary: StatsSummaryJson<'a>,
}

/// What `--format json` writes.
#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "a shape for the schema only; json.rs writes the document"
)]
enum Document<'a> {
    /// The findings.
    Findings(FindingsDocument<'a>),
    /// One row per image.
    Images(ImagesDocument<'a>),
    /// `--suggest-allowlist --format json`: the suggested allowlist and each repository's use.
    Suggestion(SuggestionJson<'a>),
}

/// Makes every property of an object required: the outputs write every key, `null` when unknown
/// (schemars would let an `Option` be left out, as serde reads it).
fn every_key_required(schema: &mut Schema) {
    let Some(keys) = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().map(Value::String).collect::<Vec<_>>())
    else {
        return;
    };
    schema.insert("required".to_owned(), Value::Array(keys));
}

/// The schema, pretty-printed, with a final newline.
pub fn generate() -> String {
    let mut schema = SchemaSettings::draft2020_12()
        .with_transform(RecursiveTransform(every_key_required))
        .into_generator()
        .into_root_schema_for::<Document<'_>>();
    schema.insert(
        "$id".to_owned(),
        format!("urn:falco-pod-scan:report:v{VERSION}").into(),
    );
    schema.insert(
        "title".to_owned(),
        format!("falco-pod-scan report, version {VERSION}").into(),
    );
    schema.insert(
        "description".to_owned(),
        "What `falco-pod-scan --format json` writes (with --suggest-allowlist, a \
         `#/$defs/SuggestionJson`); a `--format jsonl` line is a `#/$defs/Finding`, or with \
         --summary a `#/$defs/ImageRow`."
            .into(),
    );
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_schema_is_the_generated_one() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("docs/schema/report-v{VERSION}.json"));
        let generated = generate();
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).expect("write the schema");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} differs from the types: rerun with UPDATE_SCHEMA=1 and commit it (and raise \
             VERSION if a key was removed or changed meaning)",
            path.display()
        );
    }

    #[test]
    fn every_finding_key_is_required() {
        let schema: Value = serde_json::from_str(&generate()).expect("JSON");
        let finding = &schema["$defs"]["Finding"];
        let required: Vec<&str> = finding["required"]
            .as_array()
            .expect("required keys")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let properties = finding["properties"].as_object().expect("properties");
        assert_eq!(required.len(), properties.len(), "{required:?}");
        assert!(required.contains(&"attribution") && required.contains(&"item"));
    }

    #[test]
    fn every_summary_key_has_a_type_and_a_description() {
        let schema: Value = serde_json::from_str(&generate()).expect("JSON");
        let defs = &schema["$defs"];
        for document in ["FindingsDocument", "ImagesDocument"] {
            assert_eq!(
                defs[document]["properties"]["summary"]["$ref"], "#/$defs/Summary",
                "{document}"
            );
        }
        let summary = &defs["Summary"];
        let properties = summary["properties"].as_object().expect("properties");
        // Every key of a written summary, of every shape: the counters, the nested objects.
        let stats = crate::stats::Stats {
            inputs: vec![crate::stats::InputStats::new("a.log")],
            ..crate::stats::Stats::default()
        };
        let report = super::super::Report {
            findings: &[],
            stats: &stats,
            errors: &[],
            elapsed: std::time::Duration::ZERO,
            filtered: crate::filter::FilterStats::default(),
            accepted: None,
        };
        let written = serde_json::to_value(StatsSummaryJson::new(&report)).expect("JSON");
        let keys = written.as_object().expect("an object");
        let required: Vec<&str> = summary["required"]
            .as_array()
            .expect("required keys")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(keys.len(), properties.len(), "{properties:?}");
        for (key, value) in keys {
            let property = &properties[key];
            assert!(required.contains(&key.as_str()), "{key} is always written");
            assert!(
                property["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{key} has no description"
            );
            let typed = property.get("type").or_else(|| property.get("$ref"));
            assert!(typed.is_some(), "{key} has no type: {property}");
            if let Some(object) = value.as_object() {
                let name = property["$ref"]
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/$defs/"))
                    .expect("a nested object is a definition");
                let nested = defs[name]["properties"].as_object().expect("properties");
                for inner in object.keys() {
                    assert!(nested.contains_key(inner), "{key}.{inner} is not described");
                }
            }
        }
        let input = defs["InputStats"]["properties"]
            .as_object()
            .expect("properties");
        for key in written["inputs"][0].as_object().expect("an entry").keys() {
            assert!(input[key].get("description").is_some(), "inputs[].{key}");
        }
    }
}
