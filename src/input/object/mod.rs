//! Object-store paths: `s3://BUCKET/KEY`, `gs://BUCKET/KEY`, `az://CONTAINER/KEY` and
//! `https://HOST/PATH` (docs/object-storage.md).
//!
//! This part is in every build: it recognises a `PATH` argument as a URI ([`Uri::recognise`]) and
//! turns it into inputs. Reading needs the `object-store` feature (on by default): [`store`]
//! builds a client per bucket from the environment the way each cloud's SDK reads it, tells an
//! object from a prefix and lists a prefix; [`reader`] streams an object's bytes into a blocking
//! [`Read`](std::io::Read) through a bounded buffer, with several range requests in flight;
//! [`error`] says what a failure means and what to do about it, per cloud. The client and the
//! reader run on a small tokio runtime that only this module knows about, started when the
//! first URI is met; nothing async leaves it. A build without the feature still recognises URIs, so that
//! each fails alone with an error that names it and the feature instead of being looked up as a
//! local file.
//!
//! An input that is a URI is named by it: findings, the summary and errors say `s3://…`. The
//! objects under a prefix are named by the prefix's scheme and bucket followed by their key.

#[cfg(feature = "object-store")]
mod error;
#[cfg(feature = "object-store")]
mod reader;
#[cfg(feature = "object-store")]
mod store;

use super::{Input, Origin};

/// Which kind of store a URI names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Amazon S3 or an S3-compatible store (`s3://`).
    S3,
    /// Google Cloud Storage (`gs://`).
    Gcs,
    /// Azure Blob Storage (`az://`).
    Azure,
    /// A plain web server (`https://`, or `http://` when asked for by name).
    Http {
        /// `https`, not `http`.
        tls: bool,
    },
}

impl Scheme {
    /// The URI scheme, without `://`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::S3 => "s3",
            Scheme::Gcs => "gs",
            Scheme::Azure => "az",
            Scheme::Http { tls: true } => "https",
            Scheme::Http { tls: false } => "http",
        }
    }
}

/// A parsed object-store URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    /// The URI as written, which names the input.
    pub text: String,
    /// The kind of store.
    pub scheme: Scheme,
    /// The bucket or container; for `https://`, the host and port.
    pub bucket: String,
    /// The key (for `https://`, the path without its leading `/`, still percent-encoded); empty
    /// for a whole bucket. A key ending in `/` names a prefix.
    pub key: String,
}

impl Uri {
    /// Reads `arg` as an object-store URI: `None` if it does not start with a scheme this tool
    /// reads (so it is a local path), an error if it does but is not usable.
    pub fn recognise(arg: &str) -> Option<Result<Uri, String>> {
        let (scheme, rest) = arg.split_once("://")?;
        let scheme = match scheme {
            "s3" => Scheme::S3,
            "gs" => Scheme::Gcs,
            "az" => Scheme::Azure,
            "https" => Scheme::Http { tls: true },
            "http" => Scheme::Http { tls: false },
            _ => return None,
        };
        Some(Uri::parse(arg, scheme, rest))
    }

    /// The parts of a URI after its `scheme://`.
    fn parse(arg: &str, scheme: Scheme, rest: &str) -> Result<Uri, String> {
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            let what = match scheme {
                Scheme::Azure => "container",
                Scheme::Http { .. } => "host",
                Scheme::S3 | Scheme::Gcs => "bucket",
            };
            return Err(format!(
                "names no {what}; write {}://{}/KEY",
                scheme.as_str(),
                what.to_uppercase()
            ));
        }
        if matches!(scheme, Scheme::Http { .. }) && (key.contains('?') || key.contains('#')) {
            return Err(
                "a URL with a query string or a fragment (such as a pre-signed URL) is \
                        not supported: the object is read with range requests on its path \
                        alone. Download it (`curl -o audit.log 'URL'`) and scan the file"
                    .to_owned(),
            );
        }
        Ok(Uri {
            text: arg.to_owned(),
            scheme,
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        })
    }

    /// Does it name a prefix to list, not one object (a whole bucket, or a key ending in `/`)?
    #[cfg_attr(
        not(feature = "object-store"),
        allow(dead_code, reason = "only a store lists")
    )]
    pub fn is_prefix(&self) -> bool {
        self.key.is_empty() || self.key.ends_with('/')
    }

    /// The URI of the object `key` in the same bucket (or on the same host).
    #[cfg_attr(
        not(feature = "object-store"),
        allow(dead_code, reason = "only a store lists")
    )]
    pub fn with_key(&self, key: &str) -> Uri {
        Uri {
            text: format!("{}://{}/{key}", self.scheme.as_str(), self.bucket),
            scheme: self.scheme,
            bucket: self.bucket.clone(),
            key: key.to_owned(),
        }
    }
}

/// One object to read: its URI, and what a listing or a `HEAD` said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// Where it is.
    pub uri: Uri,
    /// Its size in bytes.
    pub size: u64,
    /// Its entity tag, when the store gives one: every range request asks for this version, so
    /// an object replaced while it is read is an error, not a mix of two versions.
    pub etag: Option<String>,
}

/// Adds the inputs the argument `arg`, recognised as `uri`, stands for: one object, or every
/// object under a prefix in key order. An argument that cannot be resolved (bad URI, no credentials, no such
/// bucket, access denied, no object under the prefix) becomes one input with a
/// [`problem`](Input::problem) naming it, so that it fails in its place and the others are still
/// scanned.
pub fn expand(arg: &str, uri: Result<Uri, String>, inputs: &mut Vec<Input>) {
    let problem = |problem: String| Input {
        name: arg.to_owned(),
        origin: Origin::Unresolved,
        problem: Some(problem),
    };
    let uri = match uri {
        Ok(uri) => uri,
        Err(e) => return inputs.push(problem(e)),
    };
    match resolve(&uri) {
        Ok(objects) => inputs.extend(objects.into_iter().map(|object| Input {
            name: object.uri.text.clone(),
            origin: Origin::Object(object),
            problem: None,
        })),
        Err(e) => inputs.push(problem(e)),
    }
}

/// The objects `uri` names, in key order; the error is a message naming `uri`.
#[cfg(feature = "object-store")]
fn resolve(uri: &Uri) -> Result<Vec<Object>, String> {
    store::resolve(uri)
}

/// Without the feature, every URI is an error saying so.
#[cfg(not(feature = "object-store"))]
fn resolve(uri: &Uri) -> Result<Vec<Object>, String> {
    Err(unsupported(uri))
}

/// Opens an object: a reader of its bytes, as stored (still compressed, if it is). `in_flight`
/// objects are read at once: each fetches its parts with that share of the memory one object
/// alone would use.
#[cfg(feature = "object-store")]
pub fn open(object: &Object, in_flight: usize) -> anyhow::Result<Box<dyn std::io::Read + Send>> {
    store::open(object, in_flight)
}

/// Without the feature no object is ever resolved, so none is opened.
#[cfg(not(feature = "object-store"))]
pub fn open(object: &Object, _: usize) -> anyhow::Result<Box<dyn std::io::Read + Send>> {
    anyhow::bail!("{}: {}", object.uri.text, unsupported(&object.uri))
}

/// Writes `bytes` as the object `uri` names, in one put (`--output`); the error names `uri`.
#[cfg(feature = "object-store")]
pub fn put(uri: &Uri, bytes: Vec<u8>) -> anyhow::Result<()> {
    store::put(uri, bytes).map_err(|e| anyhow::anyhow!("{}: {e}", uri.text))
}

/// The error for a URI in a build without object-store support.
#[cfg(not(feature = "object-store"))]
fn unsupported(uri: &Uri) -> String {
    format!(
        "this build of falco-pod-scan cannot read {}:// paths: it was built without the \
         `object-store` feature (`cargo build --no-default-features`). Build it with the default \
         features, or copy the object to a local file and scan that",
        uri.scheme.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_told_from_local_paths_by_their_scheme() {
        for local in [
            "audit.log",
            "-",
            "/var/log/kube/audit.log",
            "./s3://bucket/key",
            "s3:/bucket/key",
            "ftp://host/file",
            "S3://bucket/key",
        ] {
            assert_eq!(Uri::recognise(local), None, "{local}");
        }
        let uri = |arg: &str| Uri::recognise(arg).expect("a URI").expect("usable");
        let s3 = uri("s3://logs/prod/audit.log.gz");
        assert_eq!(
            (
                s3.scheme,
                s3.bucket.as_str(),
                s3.key.as_str(),
                s3.is_prefix()
            ),
            (Scheme::S3, "logs", "prod/audit.log.gz", false)
        );
        assert_eq!(s3.text, "s3://logs/prod/audit.log.gz");
        let gs = uri("gs://logs/prod/");
        assert_eq!(
            (gs.scheme, gs.key.as_str(), gs.is_prefix()),
            (Scheme::Gcs, "prod/", true)
        );
        let az = uri("az://container");
        assert_eq!(
            (az.scheme, az.key.as_str(), az.is_prefix()),
            (Scheme::Azure, "", true)
        );
        let web = uri("https://example.test:8443/exports/audit%20one.log");
        assert_eq!(
            (web.scheme, web.bucket.as_str(), web.key.as_str()),
            (
                Scheme::Http { tls: true },
                "example.test:8443",
                "exports/audit%20one.log"
            )
        );
        assert_eq!(
            uri("http://127.0.0.1:8000/a").scheme,
            Scheme::Http { tls: false }
        );
    }

    #[test]
    fn unusable_uris_say_what_is_missing() {
        let err = |arg: &str| Uri::recognise(arg).expect("a URI").expect_err("unusable");
        assert_eq!(err("s3://"), "names no bucket; write s3://BUCKET/KEY");
        assert_eq!(
            err("az:///key"),
            "names no container; write az://CONTAINER/KEY"
        );
        assert!(
            err("https://host/audit.log?X-Amz-Signature=abc")
                .contains("pre-signed URL) is not supported"),
        );
    }

    #[test]
    fn objects_under_a_prefix_are_named_by_scheme_bucket_and_key() {
        let prefix = Uri::recognise("s3://logs/prod/")
            .expect("a URI")
            .expect("usable");
        let object = prefix.with_key("prod/2026/audit.log");
        assert_eq!(object.text, "s3://logs/prod/2026/audit.log");
        assert!(!object.is_prefix());
    }

    #[cfg(not(feature = "object-store"))]
    #[test]
    fn without_the_feature_a_uri_fails_alone_naming_the_feature() {
        let mut inputs = Vec::new();
        let arg = "s3://logs/audit.log";
        expand(arg, Uri::recognise(arg).expect("a URI"), &mut inputs);
        assert_eq!(inputs.len(), 1);
        let problem = inputs[0].problem.as_deref().expect("a problem");
        assert!(
            problem.starts_with("this build of falco-pod-scan cannot read s3:// paths: it was built without the `object-store` feature"),
            "{problem}"
        );
    }
}
