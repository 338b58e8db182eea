//! Clients, listing and errors of object stores, on the module's own tokio runtime.
//!
//! One client per bucket (or per web origin) is built the first time a URI names it, from the
//! environment the way each cloud's SDK reads it (`object_store`'s `from_env` builders:
//! `AWS_*`, `GOOGLE_*`, `AZURE_*`), and kept for the rest of the run. The runtime has two worker
//! threads and is started only when a URI is met; every call into it from the rest of the crate
//! is a blocking one ([`resolve`]) or a blocking reader ([`open`]).
//!
//! A URI without a trailing `/` is asked for as an object first (`HEAD`); if there is none, it
//! is listed as a prefix, like a path that is a directory. A listing is sorted by key, compared
//! segment by segment between the `/`s: the order in which a directory holding the same names
//! is walked, so a prefix copied from a log directory is read in the same order as the
//! directory.
//!
//! Errors name the URI and say what to do, per cloud: which variables carry credentials,
//! which permission a read needs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::http::HttpBuilder;
use object_store::path::Path;
use object_store::{
    BackoffConfig, ClientOptions, ObjectMeta, ObjectStore, ObjectStoreExt, RetryConfig,
};
use tokio::runtime::Runtime;

use super::reader::{self, Plan};
use super::{Object, Scheme, Uri};

/// A client of one bucket, container or web origin.
pub(super) type Store = Arc<dyn ObjectStore>;

/// The runtime every object-store call runs on, once started.
static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The clients built so far, by scheme and bucket.
static STORES: OnceLock<Mutex<HashMap<(Scheme, String), Store>>> = OnceLock::new();

/// The runtime, started on first use: two worker threads, named for what they do.
pub(super) fn runtime() -> Result<&'static Runtime, String> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("object-store")
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the object-store client threads: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// How hard a request is retried: transient failures (a dropped connection, a 5xx, throttling)
/// are retried with backoff for up to a minute, so an unreachable endpoint fails in about a
/// minute rather than `object_store`'s default three.
fn retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: 5,
        retry_timeout: Duration::from_secs(60),
    }
}

/// The client for `uri`'s bucket, built from the environment on first use.
fn store(uri: &Uri) -> Result<Store, String> {
    let stores = STORES.get_or_init(Mutex::default);
    let key = (uri.scheme, uri.bucket.clone());
    if let Some(store) = stores.lock().map_err(|_| poisoned(uri))?.get(&key) {
        return Ok(Arc::clone(store));
    }
    let root = format!("{}://{}", uri.scheme.as_str(), uri.bucket);
    let built: object_store::Result<Store> = match uri.scheme {
        // `with_client_options` would replace what `from_env` read (`AWS_ALLOW_HTTP`, proxies).
        Scheme::S3 => AmazonS3Builder::from_env()
            .with_url(&root)
            .with_retry(retry())
            .build()
            .map(|s| Arc::new(s) as Store),
        Scheme::Gcs => GoogleCloudStorageBuilder::from_env()
            .with_url(&root)
            .with_retry(retry())
            .build()
            .map(|s| Arc::new(s) as Store),
        Scheme::Azure => MicrosoftAzureBuilder::from_env()
            .with_url(&root)
            .with_retry(retry())
            .build()
            .map(|s| Arc::new(s) as Store),
        // A plain `http://` URI was asked for by name; nothing else is sent in the clear.
        Scheme::Http { tls } => HttpBuilder::new()
            .with_url(&root)
            .with_client_options(ClientOptions::new().with_allow_http(!tls))
            .with_retry(retry())
            .build()
            .map(|s| Arc::new(s) as Store),
    };
    let built = built.map_err(|e| describe(uri, &e))?;
    stores
        .lock()
        .map_err(|_| poisoned(uri))?
        .insert(key, Arc::clone(&built));
    Ok(built)
}

/// The (unlikely) error of a client cache left poisoned by a panic.
fn poisoned(uri: &Uri) -> String {
    format!(
        "{}: the object-store clients are unusable after an earlier failure",
        uri.text
    )
}

/// The key of `uri` as a store path (a prefix's trailing `/` dropped); an error names the URI.
fn path(uri: &Uri) -> Result<Path, String> {
    let parsed = match uri.scheme {
        Scheme::Http { .. } => Path::from_url_path(&uri.key),
        Scheme::S3 | Scheme::Gcs | Scheme::Azure => Path::parse(&uri.key),
    };
    parsed.map_err(|e| {
        format!(
            "{}: this key cannot be read through the object-store client ({e}): keys with empty \
             segments (`//`), `.` or `..` are not supported. Copy the object to a local file \
             and scan that",
            uri.text
        )
    })
}

/// The objects `uri` names: the object itself, or everything under it as a prefix, in key
/// order. The error is a message naming `uri` and saying what to do.
pub(super) fn resolve(uri: &Uri) -> Result<Vec<Object>, String> {
    let runtime = runtime().map_err(|e| format!("{}: {e}", uri.text))?;
    let store = store(uri)?;
    let location = path(uri)?;
    if !uri.is_prefix() {
        match runtime.block_on(store.head(&location)) {
            Ok(meta) => return Ok(vec![object(uri, &uri.key, &meta)]),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(describe(uri, &e)),
        }
    }
    let prefix = (!location.as_ref().is_empty()).then_some(&location);
    let listed: Vec<ObjectMeta> = runtime
        .block_on(store.list(prefix).try_collect())
        .map_err(|e| describe(uri, &e))?;
    let mut objects: Vec<Object> = listed
        .iter()
        .map(|meta| object(uri, meta.location.as_ref(), meta))
        .collect();
    if objects.is_empty() {
        return Err(nothing_there(uri));
    }
    objects.sort_by(|a, b| a.uri.key.split('/').cmp(b.uri.key.split('/')));
    Ok(objects)
}

/// An object found under (or at) `uri`, by its key.
fn object(uri: &Uri, key: &str, meta: &ObjectMeta) -> Object {
    Object {
        uri: if key == uri.key {
            uri.clone()
        } else {
            uri.with_key(key)
        },
        size: meta.size,
        etag: meta.e_tag.clone(),
    }
}

/// Neither an object nor a prefix with objects under it.
fn nothing_there(uri: &Uri) -> String {
    let what = if uri.is_prefix() {
        "there is no object under this prefix"
    } else {
        "there is no such object, nor any object under it as a prefix"
    };
    format!(
        "{}: {what}. Check the key (keys are case-sensitive); `{}` lists what is there",
        uri.text,
        list_command(uri)
    )
}

/// The command that lists what is under a URI, in each cloud's own CLI.
fn list_command(uri: &Uri) -> String {
    let parent = match uri.key.rfind('/') {
        Some(at) => &uri.key[..=at],
        None => "",
    };
    let prefix = format!("{}://{}/{parent}", uri.scheme.as_str(), uri.bucket);
    match uri.scheme {
        Scheme::S3 => format!("aws s3 ls --recursive {prefix}"),
        Scheme::Gcs => format!("gcloud storage ls --recursive {prefix}"),
        Scheme::Azure => format!(
            "az storage blob list --container-name {} --prefix '{parent}' --output table",
            uri.bucket
        ),
        Scheme::Http { .. } => format!("curl -I {}", uri.text),
    }
}

/// Opens `object` for reading: a blocking reader of its bytes, fetched in the background.
pub(super) fn open(object: &Object) -> anyhow::Result<Box<dyn std::io::Read + Send>> {
    let runtime = runtime().map_err(|e| anyhow::anyhow!("{}: {e}", object.uri.text))?;
    let store = store(&object.uri).map_err(|e| anyhow::anyhow!(e))?;
    let location = path(&object.uri).map_err(|e| anyhow::anyhow!(e))?;
    let uri = object.uri.clone();
    let explain = move |e: &object_store::Error| describe_read(&uri, e);
    Ok(Box::new(reader::ObjectReader::start(
        runtime.handle(),
        store,
        location,
        object,
        Plan::default(),
        explain,
    )))
}

/// What went wrong while reading an object (the scanner adds its name and how far it got).
fn describe_read(uri: &Uri, e: &object_store::Error) -> String {
    if let object_store::Error::Precondition { .. } = e {
        return "the object was replaced while it was being read (its entity tag changed); \
                the findings before that point are reported. Scan it again"
            .to_owned();
    }
    let text = describe(uri, e);
    text.strip_prefix(&format!("{}: ", uri.text))
        .map(str::to_owned)
        .unwrap_or(text)
}

/// An `object_store` error as a message naming the URI and saying what to do.
pub(super) fn describe(uri: &Uri, e: &object_store::Error) -> String {
    use object_store::Error as E;
    let cause = e.to_string();
    let (what, advice) = match e {
        E::NotFound { .. } => (
            "not found (no such bucket or object, or the bucket is in another account or \
             region)",
            not_found_advice(uri),
        ),
        E::PermissionDenied { .. } => ("access denied", denied_advice(uri)),
        E::Unauthenticated { .. } => ("the credentials were refused", credentials_advice(uri)),
        _ if looks_like_missing_credentials(&cause) => {
            ("no usable credentials were found", credentials_advice(uri))
        }
        _ => ("cannot read", String::new()),
    };
    let advice = if advice.is_empty() {
        String::new()
    } else {
        format!(". {advice}")
    };
    format!("{}: {what}: {}{advice}", uri.text, one_line(&cause))
}

/// Does an error text say that credentials could not be had (as opposed to being refused)?
fn looks_like_missing_credentials(cause: &str) -> bool {
    let lower = cause.to_lowercase();
    ["credential", "metadata endpoint", "token"]
        .iter()
        .any(|word| lower.contains(word))
}

/// An error text on one line, without the response bodies some stores echo at length.
fn one_line(cause: &str) -> String {
    const MAX: usize = 400;
    let flat = cause.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

/// What to check when a bucket or object is not found.
fn not_found_advice(uri: &Uri) -> String {
    match uri.scheme {
        Scheme::S3 => format!(
            "Check the bucket name and AWS_REGION (or AWS_DEFAULT_REGION), and for an \
             S3-compatible store AWS_ENDPOINT_URL; `{}` shows what is there",
            list_command(uri)
        ),
        Scheme::Gcs | Scheme::Azure | Scheme::Http { .. } => format!(
            "Check the name; `{}` shows what is there",
            list_command(uri)
        ),
    }
}

/// Which permissions a read needs, per cloud.
fn denied_advice(uri: &Uri) -> String {
    match uri.scheme {
        Scheme::S3 => format!(
            "The credentials in use (AWS_ACCESS_KEY_ID, or the role they come from) need \
             s3:GetObject on the objects and s3:ListBucket on bucket {} (without ListBucket, S3 \
             also answers \"access denied\" for a key that does not exist). A wrong \
             AWS_SECRET_ACCESS_KEY is refused the same way",
            uri.bucket
        ),
        Scheme::Gcs => format!(
            "The service account in use needs storage.objects.get and storage.objects.list on \
             bucket {} (the role Storage Object Viewer)",
            uri.bucket
        ),
        Scheme::Azure => format!(
            "The identity in use needs the role Storage Blob Data Reader on container {}, or \
             set AZURE_STORAGE_ACCOUNT_KEY or AZURE_STORAGE_SAS_KEY",
            uri.bucket
        ),
        Scheme::Http { .. } => {
            "The server refused the request; only anonymous reads are supported over https://"
                .to_owned()
        }
    }
}

/// Where each cloud's credentials are read from.
fn credentials_advice(uri: &Uri) -> String {
    match uri.scheme {
        Scheme::S3 => "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN \
                       for temporary ones), or run where a role is available (EKS pod \
                       identity or IRSA, ECS, EC2 instance profile). Profiles in ~/.aws are not \
                       read: `eval \"$(aws configure export-credentials --format env)\"` \
                       exports a profile's credentials"
            .to_owned(),
        Scheme::Gcs => "Set GOOGLE_APPLICATION_CREDENTIALS (or GOOGLE_SERVICE_ACCOUNT) to a \
                        service account key file, or run where the metadata server provides \
                        one (GKE workload identity, a GCE instance)"
            .to_owned(),
        Scheme::Azure => "Set AZURE_STORAGE_ACCOUNT_NAME and one of AZURE_STORAGE_ACCOUNT_KEY, \
                          AZURE_STORAGE_SAS_KEY or AZURE_CLIENT_ID with AZURE_CLIENT_SECRET \
                          and AZURE_TENANT_ID, or run with a managed identity"
            .to_owned(),
        Scheme::Http { .. } => "Only anonymous reads are supported over https://".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> Uri {
        Uri::recognise(text).expect("a URI").expect("usable")
    }

    #[test]
    fn error_messages_name_the_uri_and_say_what_to_do_per_cloud() {
        let denied = object_store::Error::PermissionDenied {
            path: "audit.log".to_owned(),
            source: "403 Forbidden".into(),
        };
        let s3 = describe(&uri("s3://logs/audit.log"), &denied);
        assert!(
            s3.starts_with("s3://logs/audit.log: access denied: "),
            "{s3}"
        );
        assert!(s3.contains("s3:GetObject") && s3.contains("s3:ListBucket on bucket logs"));
        let gs = describe(&uri("gs://logs/audit.log"), &denied);
        assert!(gs.contains("storage.objects.get"), "{gs}");
        let missing = object_store::Error::Generic {
            store: "S3",
            source: "Error fetching credentials from metadata endpoint: connection refused".into(),
        };
        let s3 = describe(&uri("s3://logs/audit.log"), &missing);
        assert!(
            s3.starts_with("s3://logs/audit.log: no usable credentials were found: "),
            "{s3}"
        );
        assert!(s3.contains("Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"));
    }

    #[test]
    fn a_missing_object_says_how_to_list_its_parent() {
        assert_eq!(
            nothing_there(&uri("s3://logs/prod/audit.log")),
            "s3://logs/prod/audit.log: there is no such object, nor any object under it as a \
             prefix. Check the key (keys are case-sensitive); `aws s3 ls --recursive \
             s3://logs/prod/` lists what is there"
        );
        assert!(
            nothing_there(&uri("gs://logs/")).contains("gcloud storage ls --recursive gs://logs/")
        );
    }

    #[test]
    fn long_error_bodies_are_cut_to_one_line() {
        let long = format!("first\n  second {}", "x".repeat(1000));
        let short = one_line(&long);
        assert!(short.starts_with("first second xxx"));
        assert_eq!(short.chars().count(), 401);
    }
}
