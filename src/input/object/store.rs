//! Clients, listing and errors of object stores, on the module's own tokio runtime.
//!
//! One client per bucket (or per web origin) is built the first time a URI names it, from the
//! environment the way each cloud's SDK reads it (`object_store`'s `from_env` builders:
//! `AWS_*`, `GOOGLE_*`, `AZURE_*`), and kept for the rest of the run. The runtime has two worker
//! threads and is started only when a URI is met; every call into it from the rest of the crate
//! is a blocking one ([`resolve`]) or a blocking reader ([`open`]).
//!
//! A URI without a trailing `/` is asked for as an object first (`HEAD`); if there is none, it
//! is listed as a prefix, like a path that is a directory (except over `https://`, where only a
//! URI ending in `/` is listed, by WebDAV). A listing is sorted by key, compared
//! segment by segment between the `/`s: the order in which a directory holding the same names
//! is walked, so a prefix copied from a log directory is read in the same order as the
//! directory.
//!
//! Errors say what to do, per cloud ([`super::error`]); the caller names the URI.

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

use super::error::{describe, describe_read, nothing_there};
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
    if let Some(store) = stores.lock().map_err(|_| poisoned())?.get(&key) {
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
    let built = built.map_err(|e| format!("cannot set up the client: {}", describe(uri, &e)))?;
    stores
        .lock()
        .map_err(|_| poisoned())?
        .insert(key, Arc::clone(&built));
    Ok(built)
}

/// The (unlikely) error of a client cache left poisoned by a panic.
fn poisoned() -> String {
    "the object-store clients are unusable after an earlier failure".to_owned()
}

/// The key of `uri` as a store path (a prefix's trailing `/` dropped).
fn path(uri: &Uri) -> Result<Path, String> {
    let parsed = match uri.scheme {
        Scheme::Http { .. } => Path::from_url_path(&uri.key),
        Scheme::S3 | Scheme::Gcs | Scheme::Azure => Path::parse(&uri.key),
    };
    parsed.map_err(|e| {
        format!(
            "this key cannot be read through the object-store client ({e}): keys with empty \
             segments (`//`), `.` or `..` are not supported. Copy the object to a local file \
             and scan that"
        )
    })
}

/// The objects `uri` names: the object itself, or everything under it as a prefix, in key
/// order. The error says what went wrong and what to do (the caller names `uri`).
pub(super) fn resolve(uri: &Uri) -> Result<Vec<Object>, String> {
    let runtime = runtime()?;
    let store = store(uri)?;
    let location = path(uri)?;
    if !uri.is_prefix() {
        match runtime.block_on(store.head(&location)) {
            Ok(meta) => return Ok(vec![object(uri, &uri.key, &meta)]),
            // A plain web server lists nothing: a missing page is just missing.
            Err(e @ object_store::Error::NotFound { .. })
                if matches!(uri.scheme, Scheme::Http { .. }) =>
            {
                return Err(describe(uri, &e));
            }
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
    Ok(without_folder_markers(objects))
}

/// Drops the empty objects that stand for folders (`logs/` made by a console's "create
/// folder", which the client lists as `logs`): a directory holds no such file. In key order a
/// folder comes right before what is in it.
fn without_folder_markers(objects: Vec<Object>) -> Vec<Object> {
    let mut kept: Vec<Object> = Vec::with_capacity(objects.len());
    for object in objects {
        if let Some(last) = kept.last()
            && last.size == 0
            && object
                .uri
                .key
                .strip_prefix(last.uri.key.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
        {
            kept.pop();
        }
        kept.push(object);
    }
    kept
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

/// Opens `object` for reading: a blocking reader of its bytes, fetched in the background, one of
/// `in_flight` objects read at once ([`Plan::shared`]).
pub(super) fn open(
    object: &Object,
    in_flight: usize,
) -> anyhow::Result<Box<dyn std::io::Read + Send>> {
    let name = &object.uri.text;
    let runtime = runtime().map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let store = store(&object.uri).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let location = path(&object.uri).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let uri = object.uri.clone();
    let explain = move |e: &object_store::Error| describe_read(&uri, e);
    Ok(Box::new(reader::ObjectReader::start(
        runtime.handle(),
        store,
        location,
        object,
        Plan::shared(in_flight),
        explain,
    )))
}

/// Writes `bytes` as the object `uri` names, in one put: the store makes it visible whole or not
/// at all (a report written with `--output`). The error says what went wrong and what to do (the
/// caller names `uri`).
pub(super) fn put(uri: &Uri, bytes: Vec<u8>) -> Result<(), String> {
    let runtime = runtime()?;
    let store = store(uri)?;
    let location = path(uri)?;
    runtime
        .block_on(store.put(&location, bytes.into()))
        .map(|_| ())
        .map_err(|e| describe(uri, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_folder_markers_are_dropped_and_empty_files_kept() {
        let prefix = Uri::recognise("s3://logs/")
            .expect("a URI")
            .expect("usable");
        let listed = |entries: &[(&str, u64)]| -> Vec<Object> {
            entries
                .iter()
                .map(|(key, size)| Object {
                    uri: prefix.with_key(key),
                    size: *size,
                    etag: None,
                })
                .collect()
        };
        let kept = without_folder_markers(listed(&[
            ("a", 0),
            ("a/b", 0),
            ("a/b/audit.log", 10),
            ("a/empty.log", 0),
            ("a/full", 5),
            ("a/full/x.log", 3),
            ("ab", 0),
        ]));
        let keys: Vec<&str> = kept.iter().map(|o| o.uri.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "a/b/audit.log",
                "a/empty.log",
                "a/full",
                "a/full/x.log",
                "ab"
            ]
        );
    }
}
