//! Every way a store operation can fail, each message naming the repository (and the snapshot and
//! file when known) and what the user can do about it.
//!
//! The messages are Fluent's (`crates/i18n/locales/*/store.ftl`, ids `store-…`), told in the
//! process's language ([`keepsake_i18n::say`]); the `&'static str` fragments some variants carry
//! (an [`Error::Io`]'s action, a [`Error::Locked`]'s holder…) are message ids too.

use std::path::PathBuf;

use keepsake_i18n::say;

/// Result of a store operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A store failure a user can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder of the repository could not be read or written.
    #[error("{}", say("store-io", &[("path", &.path.display()), ("action", &say(action, &[])), ("error", &.source)]))]
    Io {
        path: PathBuf,
        /// What was being done: a message id (`store-action-…`), told in the process's language.
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// The data handed to a snapshot writer could not be read.
    #[error("{}", say("store-source", &[("path", &.path), ("error", &.source)]))]
    Source {
        path: String,
        #[source]
        source: std::io::Error,
    },

    /// The folder holds no repository.
    #[error("{}", say("store-not-a-repository", &[("repo", &.repo.display())]))]
    NotARepository { repo: PathBuf },

    /// `init` on a folder that already holds a repository.
    #[error("{}", say("store-already-exists", &[("repo", &.repo.display())]))]
    AlreadyExists { repo: PathBuf },

    /// The repository (or its catalog) was written by a newer Keepsake.
    #[error("{}", say("store-newer-format", &[("repo", &.repo.display()), ("what", &say(what, &[])), ("found", &.found), ("supported", &.supported)]))]
    NewerFormat {
        repo: PathBuf,
        /// What is newer: a message id (`store-what-…`).
        what: &'static str,
        found: u32,
        supported: u32,
    },

    /// The configuration file cannot be understood.
    #[error("{}", say("store-bad-config", &[("repo", &.repo.display()), ("reason", &.reason)]))]
    BadConfig { repo: PathBuf, reason: String },

    /// The password does not unlock the repository's key.
    #[error("{}", say("store-wrong-password", &[("repo", &.repo.display())]))]
    WrongPassword { repo: PathBuf },

    /// The repository is encrypted and no key source was given, or the wrong kind.
    #[error("{}", say("store-key-required", &[("repo", &.repo.display()), ("expected", &say(expected, &[]))]))]
    KeyRequired {
        repo: PathBuf,
        /// The key source it needs: a message id (`store-expected-…`).
        expected: &'static str,
    },

    /// The OS credential store holds no key for the repository.
    #[error("{}", say("store-key-not-found", &[("repo", &.repo.display()), ("service", &format!("{:?}", .service)), ("account", &format!("{:?}", .account))]))]
    KeyNotFound {
        repo: PathBuf,
        service: String,
        account: String,
    },

    /// The OS credential store's entry holds a key, but not this repository's.
    #[error("{}", say("store-wrong-key", &[("repo", &.repo.display()), ("service", &format!("{:?}", .service)), ("account", &format!("{:?}", .account))]))]
    WrongKey {
        repo: PathBuf,
        service: String,
        account: String,
    },

    /// `init` found the credential store's entry already taken.
    #[error("{}", say("store-credential-taken", &[("service", &format!("{:?}", .service)), ("account", &format!("{:?}", .account))]))]
    CredentialTaken { service: String, account: String },

    /// The OS credential store could not be used.
    #[error("{}", say("store-credential-store", &[("repo", &.repo.display()), ("reason", &.reason)]))]
    CredentialStore { repo: PathBuf, reason: String },

    /// The disk holding the repository ran out of space during a write.
    #[error("{}", say("store-disk-full", &[("repo", &.repo.display())]))]
    DiskFull { repo: PathBuf },

    /// The disk holding the repository ran out of space while its catalog changed (the change
    /// was rolled back).
    #[error("{}", say("store-catalog-full", &[("repo", &.repo.display()), ("action", &.action)]))]
    CatalogFull { repo: PathBuf, action: String },

    /// Another process holds the lock this operation needs.
    #[error("{}", say("store-locked", &[("repo", &.repo.display()), ("what", &say(what, &[]))]))]
    Locked {
        repo: PathBuf,
        /// Who holds the lock: a message id (`store-lock-…`).
        what: &'static str,
    },

    /// The SQLite catalog failed.
    #[error("{}", say("store-catalog", &[("repo", &.repo.display()), ("error", &.source)]))]
    Catalog {
        repo: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    /// The catalog holds something this build cannot make sense of.
    #[error("{}", say("store-damaged-catalog", &[("repo", &.repo.display()), ("reason", &.reason)]))]
    DamagedCatalog { repo: PathBuf, reason: String },

    /// No snapshot with that id.
    #[error("{}", say("store-snapshot-not-found", &[("repo", &.repo.display()), ("snapshot", &.snapshot)]))]
    SnapshotNotFound { repo: PathBuf, snapshot: i64 },

    /// A pinned snapshot is kept until it is unpinned.
    #[error("{}", say("store-snapshot-pinned", &[("repo", &.repo.display()), ("snapshot", &.snapshot)]))]
    SnapshotPinned { repo: PathBuf, snapshot: i64 },

    /// The snapshot has no such file.
    #[error("{}", say("store-file-not-found", &[("repo", &.repo.display()), ("snapshot", &.snapshot), ("path", &format!("{:?}", .path))]))]
    FileNotFound {
        repo: PathBuf,
        snapshot: i64,
        path: String,
    },

    /// Stored data failed its integrity checks: it is never returned as if it were good.
    #[error("{}", say("store-chunk-unreadable", &[("repo", &.repo.display()), ("path", &format!("{:?}", .path)), ("snapshot", &.snapshot), ("chunk", &.chunk), ("fault", &.fault)]))]
    DamagedChunk {
        repo: PathBuf,
        snapshot: i64,
        path: String,
        chunk: String,
        fault: ChunkFault,
    },

    /// A path in a snapshot would land outside the restore folder.
    #[error("{}", say("store-unsafe-path", &[("snapshot", &.snapshot), ("path", &format!("{:?}", .path)), ("target", &.target.display())]))]
    UnsafePath {
        snapshot: i64,
        path: String,
        target: PathBuf,
    },

    /// A caller passed something the store cannot accept.
    #[error("{0}")]
    InvalidInput(String),
}

/// Why one stored chunk could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkFault {
    #[error("{}", say("store-fault-missing-pack", &[("pack", &.0)]))]
    MissingPack(String),
    #[error("{}", say("store-fault-truncated", &[("pack", &.0)]))]
    Truncated(String),
    #[error("{}", say("store-fault-authentication", &[]))]
    Authentication,
    #[error("{}", say("store-fault-decompression", &[]))]
    Decompression,
    #[error("{}", say("store-fault-hash-mismatch", &[]))]
    HashMismatch,
    #[error("{}", say("store-fault-read", &[("error", &.0)]))]
    Read(String),
}

impl Error {
    /// Whether the storage ran out of space.
    pub(crate) fn is_disk_full(&self) -> bool {
        match self {
            Error::DiskFull { .. } | Error::CatalogFull { .. } => true,
            Error::Io { source, .. } => source.kind() == std::io::ErrorKind::StorageFull,
            Error::Catalog {
                source: rusqlite::Error::SqliteFailure(e, _),
                ..
            } => e.code == rusqlite::ErrorCode::DiskFull,
            _ => false,
        }
    }

    /// An [`Error::Io`] maker; `action` is a message id (`store-action-…`).
    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io {
            path,
            action,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    /// Every `"store-…"` literal in the crate's sources: the message ids it tells.
    fn ids_in(dir: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                ids_in(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split("\"store-").skip(1) {
                    let end = piece
                        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
                        .unwrap_or(piece.len());
                    if end > 0 && piece[end..].starts_with('"') {
                        out.insert(format!("store-{}", &piece[..end]));
                    }
                }
            }
        }
    }

    #[test]
    fn every_message_the_store_tells_is_in_its_catalog_and_every_one_there_is_told() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = BTreeSet::new();
        ids_in(&root.join("src"), &mut used);
        assert!(used.len() > 50, "{used:?}");
        let catalog = std::fs::read_to_string(root.join("../i18n/locales/en/store.ftl")).unwrap();
        let listed: BTreeSet<String> = catalog
            .lines()
            .filter_map(|l| l.split_once(" = ").map(|(id, _)| id))
            .filter(|id| id.starts_with("store-"))
            .map(str::to_owned)
            .collect();
        let unknown: Vec<_> = used.difference(&listed).collect();
        let unused: Vec<_> = listed.difference(&used).collect();
        assert!(unknown.is_empty(), "not in store.ftl: {unknown:?}");
        assert!(unused.is_empty(), "in store.ftl, never told: {unused:?}");
    }
}
