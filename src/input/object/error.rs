//! What an object-store failure means to the user, and what to do about it, per cloud.
//!
//! `object_store` reports a refused `HEAD` as its own kind (not found, permission denied,
//! unauthenticated) but wraps a failed listing in a generic error around the response; the
//! status line and the store's XML error code say more than the kind, so both are read
//! ([`classify`]). Messages leave the URI out: the caller puts it in front, once.

use super::{Scheme, Uri};

/// What kind of failure an `object_store` error is, as far as a user can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure {
    /// The bucket or container does not exist.
    NoBucket,
    /// No such object (or bucket, when the store does not say which).
    NotFound,
    /// No credentials could be found or fetched.
    NoCredentials,
    /// The credentials were refused (unknown key, wrong secret, expired token).
    Refused,
    /// The credentials are valid but may not read this.
    Denied,
    /// Anything else (network, server, configuration).
    Other,
}

/// Error codes in store responses that say the credentials themselves were refused.
const REFUSED_CODES: [&str; 7] = [
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "ExpiredToken",
    "InvalidToken",
    "AuthenticationFailed",
    "InvalidAuthenticationInfo",
    "401 Unauthorized",
];

/// Requests that fetch credentials rather than data: the EC2 instance metadata service (IMDSv2
/// token and role), the GCE metadata server, Azure's managed identity endpoint.
const CREDENTIAL_SOURCES: [&str; 4] = [
    "/latest/api/token",
    "/latest/meta-data/",
    "computeMetadata/",
    "/metadata/identity/",
];

/// Error codes that say the request was understood and not allowed.
const DENIED_CODES: [&str; 4] = [
    "AccessDenied",
    "AuthorizationPermissionMismatch",
    "AuthorizationFailure",
    "403 Forbidden",
];

/// Classifies an error by its kind and by the status and error code in its text.
pub(super) fn classify(e: &object_store::Error) -> Failure {
    use object_store::Error as E;
    let text = chain(e);
    let has = |codes: &[&str]| codes.iter().any(|code| text.contains(code));
    if has(&["NoSuchBucket", "ContainerNotFound"]) {
        Failure::NoBucket
    } else if matches!(e, E::Unauthenticated { .. }) || has(&REFUSED_CODES) {
        Failure::Refused
    } else if has(&CREDENTIAL_SOURCES) || text.to_lowercase().contains("credential") {
        // Whatever the metadata service answered, the store itself was not asked yet.
        Failure::NoCredentials
    } else if matches!(e, E::PermissionDenied { .. }) || has(&DENIED_CODES) {
        Failure::Denied
    } else if matches!(e, E::NotFound { .. }) || text.contains("404 Not Found") {
        Failure::NotFound
    } else {
        Failure::Other
    }
}

/// An `object_store` error as a message saying what went wrong and what to do (without the
/// URI, which the caller puts in front).
pub(super) fn describe(uri: &Uri, e: &object_store::Error) -> String {
    let (what, advice) = match classify(e) {
        Failure::NoBucket if uri.scheme == Scheme::Azure => {
            ("no such container", not_found_advice(uri))
        }
        Failure::NoBucket => ("no such bucket", not_found_advice(uri)),
        Failure::NotFound => (
            "not found (no such bucket or object, or the bucket is in another account or \
             region)",
            not_found_advice(uri),
        ),
        Failure::NoCredentials => ("no usable credentials were found", credentials_advice(uri)),
        Failure::Refused => ("the credentials were refused", credentials_advice(uri)),
        Failure::Denied => ("access denied", denied_advice(uri)),
        Failure::Other => ("the request failed", String::new()),
    };
    let advice = if advice.is_empty() {
        String::new()
    } else {
        format!(". {advice}")
    };
    format!("{what}: {}{advice}", summarise(&chain(e)))
}

/// What went wrong while reading an object (the scanner adds its name and how far it got).
pub(super) fn describe_read(uri: &Uri, e: &object_store::Error) -> String {
    if let object_store::Error::Precondition { .. } = e {
        return "the object was replaced while it was being read (its entity tag changed); \
                the findings before that point are reported. Scan it again"
            .to_owned();
    }
    describe(uri, e)
}

/// An error and its causes, each said once: "error sending request" alone does not tell a
/// refused connection from an unknown host.
fn chain(e: &object_store::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let said = c.to_string();
        if !text.contains(&said) {
            text = format!("{text}: {said}");
        }
        cause = c.source();
    }
    text
}

/// The useful part of an error text: the status, the request and the store's own error code
/// and message when there is a response, else the text on one line, cut short.
fn summarise(cause: &str) -> String {
    let between = |open: &str, close: &str| {
        let start = cause.find(open)? + open.len();
        let len = cause[start..].find(close)?;
        Some(cause[start..start + len].trim().to_owned())
    };
    let Some(status) = between("status code: ", ":") else {
        return one_line(cause);
    };
    // The innermost "Error performing METHOD URL in TIME" names the request.
    let request = cause
        .rfind("Error performing ")
        .map(|at| &cause[at + "Error performing ".len()..])
        .and_then(|rest| {
            rest.find(" in ")
                .map(|end| format!(" from {}", &rest[..end]))
        })
        .unwrap_or_default();
    let code = match (
        between("<Code>", "</Code>"),
        between("<Message>", "</Message>"),
    ) {
        (Some(code), Some(message)) => format!(" ({code}: {message})"),
        (Some(code), None) => format!(" ({code})"),
        (None, _) => String::new(),
    };
    one_line(&format!("{status}{request}{code}"))
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

/// Neither an object nor a prefix with objects under it.
pub(super) fn nothing_there(uri: &Uri) -> String {
    let what = if uri.is_prefix() {
        "there is no object under this prefix"
    } else {
        "there is no such object, nor any object under it as a prefix"
    };
    format!(
        "{what}. Check the key (keys are case-sensitive); `{}` lists what is there",
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
    fn errors_say_what_to_do_per_cloud() {
        let denied = object_store::Error::PermissionDenied {
            path: "audit.log".to_owned(),
            source: "403 Forbidden".into(),
        };
        let s3 = describe(&uri("s3://logs/audit.log"), &denied);
        assert!(s3.starts_with("access denied: "), "{s3}");
        assert!(s3.contains("s3:GetObject") && s3.contains("s3:ListBucket on bucket logs"));
        let gs = describe(&uri("gs://logs/audit.log"), &denied);
        assert!(gs.contains("storage.objects.get"), "{gs}");
        let az = describe(&uri("az://logs/audit.log"), &denied);
        assert!(
            az.contains("Storage Blob Data Reader on container logs"),
            "{az}"
        );
    }

    #[test]
    fn a_failed_metadata_request_means_no_credentials_whatever_it_answered() {
        for answer in ["403 Forbidden", "Connection refused (os error 111)"] {
            let e = object_store::Error::Generic {
                store: "S3",
                source: format!(
                    "Error performing PUT http://127.0.0.1:9/latest/api/token in 1s - {answer}"
                )
                .into(),
            };
            assert_eq!(classify(&e), Failure::NoCredentials, "{answer}");
            let told = describe(&uri("s3://logs/audit.log"), &e);
            assert!(
                told.starts_with("no usable credentials were found: ")
                    && told.contains("Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
                "{told}"
            );
        }
    }

    /// A listing's failure arrives as a generic error around the response.
    fn listing_failed(status: &str, code: &str) -> object_store::Error {
        object_store::Error::Generic {
            store: "S3",
            source: format!(
                "Error performing list request: Error performing GET \
                 http://127.0.0.1:9000/logs?list-type=2 in 4ms - Server returned non-2xx \
                 status code: {status}: <?xml version=\"1.0\"?><Error><Code>{code}</Code>\
                 <Message>Said the store.</Message></Error>"
            )
            .into(),
        }
    }

    #[test]
    fn a_listing_failure_is_told_by_its_status_and_code() {
        let cases = [
            ("403 Forbidden", "SignatureDoesNotMatch", Failure::Refused),
            ("403 Forbidden", "InvalidAccessKeyId", Failure::Refused),
            ("403 Forbidden", "AccessDenied", Failure::Denied),
            ("404 Not Found", "NoSuchBucket", Failure::NoBucket),
            ("500 Internal Server Error", "InternalError", Failure::Other),
        ];
        for (status, code, failure) in cases {
            let e = listing_failed(status, code);
            assert_eq!(classify(&e), failure, "{code}");
            let told = describe(&uri("s3://logs/"), &e);
            assert!(
                told.contains(&format!(
                    ": {status} from GET http://127.0.0.1:9000/logs?list-type=2 ({code}: Said \
                     the store.)"
                )),
                "{told}"
            );
        }
    }

    #[test]
    fn a_missing_object_says_how_to_list_its_parent() {
        assert_eq!(
            nothing_there(&uri("s3://logs/prod/audit.log")),
            "there is no such object, nor any object under it as a prefix. Check the key (keys \
             are case-sensitive); `aws s3 ls --recursive s3://logs/prod/` lists what is there"
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
