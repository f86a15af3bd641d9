//! What went wrong with an offsite copy, phrased for people (what happened, what to do).

use keepsake_i18n::say;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}", say("offsite-bad-address", &[("address", .address), ("why", .why)]))]
    BadAddress { address: String, why: String },
    /// 401/403: the keys are wrong or lack the rights. Never retried.
    #[error("{}", say("offsite-refused", &[("remote", .remote), ("detail", .detail)]))]
    Refused { remote: String, detail: String },
    /// The server could not be reached, or kept failing, after every attempt.
    #[error("{}", say("offsite-unreachable", &[("remote", .remote), ("detail", .detail)]))]
    Unreachable { remote: String, detail: String },
    /// Writes keep failing while reads work: a full quota or a failing server.
    #[error("{}", say("offsite-write-refused", &[("remote", .remote), ("detail", .detail)]))]
    WriteRefused { remote: String, detail: String },
    /// The bucket holds no copy of that repository.
    #[error("{}", say("offsite-no-copy", &[("remote", .remote), ("repository", .repository)]))]
    NoCopy { remote: String, repository: String },
    /// The remote copy has snapshots this repository never had: another computer wrote to it
    /// from a diverged copy of the disk. Nothing was changed.
    #[error("{}", say("offsite-diverged", &[("remote", .remote), ("repository", .repository)]))]
    Diverged { remote: String, repository: String },
    /// Other writers kept moving HEAD while this one tried to commit.
    #[error("{}", say("offsite-busy", &[("remote", .remote)]))]
    Busy { remote: String },
    /// What the bucket holds cannot be read as Keepsake wrote it.
    #[error("{}", say("offsite-damaged", &[("remote", .remote), ("what", .what), ("detail", .detail)]))]
    Damaged {
        remote: String,
        what: String,
        detail: String,
    },
    #[error(transparent)]
    Store(#[from] keepsake_store::Error),
    #[error("{}", say("offsite-local", &[("path", &.path.display()), ("source", .source)]))]
    Local {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

/// An object store error, for `remote`, by what the person can do about it.
pub(crate) fn from_store(remote: &str, writing: bool, e: opendal::Error) -> Error {
    use opendal::ErrorKind as K;
    // the whole error (URL, operation, layers) for the log; a few words for the person
    tracing::debug!(remote, error = %e, "object store");
    let answered = answered(&e.to_string());
    let detail = short_detail(&e);
    let remote = remote.to_owned();
    match e.kind() {
        K::PermissionDenied => Error::Refused { remote, detail },
        // The S3 service maps 500/503 to Unexpected (temporary, retried): on a write, after
        // the retries, it is the bucket refusing data (SeaweedFS's full quota answers 500).
        K::Unexpected | K::RateLimited if writing && answered => {
            Error::WriteRefused { remote, detail }
        }
        _ => Error::Unreachable { remote, detail },
    }
}

/// What went wrong in a few words: the S3 error's own message (its code when it has none), or
/// the innermost cause of a failed request ("Connection refused"), at most 200 characters.
fn short_detail(e: &opendal::Error) -> String {
    let message = e.message();
    let quoted = |field: &str| {
        let start = message.find(&format!("{field}: \""))? + field.len() + 3;
        let end = message[start..].find('"')? + start;
        Some(message[start..end].to_owned()).filter(|s| !s.is_empty())
    };
    let detail = if message.starts_with("S3Error") {
        quoted("message").or_else(|| quoted("code"))
    } else {
        None
    };
    let detail = detail.unwrap_or_else(|| {
        let mut cause = std::error::Error::source(e);
        let mut innermost = None;
        while let Some(c) = cause {
            innermost = Some(c.to_string());
            cause = c.source();
        }
        innermost
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| message.to_owned())
    });
    match detail.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &detail[..at]),
        None => detail,
    }
}

/// Whether the server answered (with an error status), rather than the request never
/// arriving or its answer never coming back.
fn answered(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    let lost = [
        "sending request",
        "send http request",
        "connect",
        "timed out",
        "timeout",
        "reset",
        "broken pipe",
    ];
    !lost.iter().any(|w| d.contains(w))
}
