//! Every way a store operation can fail, each message naming the repository (and the snapshot and
//! file when known) and what the user can do about it.

use std::path::PathBuf;

/// Result of a store operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A store failure a user can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder of the repository could not be read or written.
    #[error("{path}: {action}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// The data handed to a snapshot writer could not be read.
    #[error("reading {path} for the snapshot: {source}")]
    Source {
        path: String,
        #[source]
        source: std::io::Error,
    },

    /// The folder holds no repository.
    #[error("{repo} is not a Keepsake repository (no keepsake-repo.json); create one with `keepsake store init`")]
    NotARepository { repo: PathBuf },

    /// `init` on a folder that already holds a repository.
    #[error("{repo} already holds a Keepsake repository; open it instead of creating one")]
    AlreadyExists { repo: PathBuf },

    /// The repository (or its catalog) was written by a newer Keepsake.
    #[error("{repo}: the {what} has format version {found}, this Keepsake reads up to {supported}; update Keepsake to open it")]
    NewerFormat {
        repo: PathBuf,
        what: &'static str,
        found: u32,
        supported: u32,
    },

    /// The configuration file cannot be understood.
    #[error("{repo}: the repository configuration is damaged ({reason}); restore keepsake-repo.json from a copy of the disk")]
    BadConfig { repo: PathBuf, reason: String },

    /// The password does not unlock the repository's key.
    #[error("wrong password for the repository at {repo}")]
    WrongPassword { repo: PathBuf },

    /// The repository is encrypted and no key source was given, or the wrong kind.
    #[error("{repo} is encrypted with a {expected}; unlock it with that")]
    KeyRequired {
        repo: PathBuf,
        expected: &'static str,
    },

    /// The OS credential store holds no key for the repository.
    #[error("{repo}: its key is not in this computer's credential store (service {service:?}, account {account:?}); open it where it was created, or put the key back there")]
    KeyNotFound {
        repo: PathBuf,
        service: String,
        account: String,
    },

    /// The OS credential store's entry holds a key, but not this repository's.
    #[error("{repo}: the credential store's entry (service {service:?}, account {account:?}) holds another key, not this repository's")]
    WrongKey {
        repo: PathBuf,
        service: String,
        account: String,
    },

    /// `init` found the credential store's entry already taken.
    #[error("the credential store already holds an entry for service {service:?}, account {account:?}; Keepsake never replaces one (it may be another repository's only key): choose another account")]
    CredentialTaken { service: String, account: String },

    /// The OS credential store could not be used.
    #[error("{repo}: the OS credential store is unavailable ({reason}); unlock it (on Linux a Secret Service such as GNOME Keyring must be running)")]
    CredentialStore { repo: PathBuf, reason: String },

    /// The disk holding the repository ran out of space during a write.
    #[error("the disk holding {repo} is full; the snapshot was not written (earlier snapshots are intact). Free some space or move the repository, then back up again")]
    DiskFull { repo: PathBuf },

    /// The disk holding the repository ran out of space while its catalog changed (the change
    /// was rolled back).
    #[error("the disk holding {repo} is full ({action}); the change was not made and the snapshots are intact. Free some space, then try again")]
    CatalogFull { repo: PathBuf, action: String },

    /// Another process holds the lock this operation needs.
    #[error("{repo} is in use by another Keepsake process ({what}); wait for it to finish, then try again")]
    Locked { repo: PathBuf, what: &'static str },

    /// The SQLite catalog failed.
    #[error("{repo}: catalog: {source}")]
    Catalog {
        repo: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    /// The catalog holds something this build cannot make sense of.
    #[error("{repo}: the catalog is damaged ({reason}); run `keepsake store check`")]
    DamagedCatalog { repo: PathBuf, reason: String },

    /// No snapshot with that id.
    #[error("{repo}: there is no snapshot {snapshot}; `keepsake store snapshots` lists them")]
    SnapshotNotFound { repo: PathBuf, snapshot: i64 },

    /// A pinned snapshot is kept until it is unpinned.
    #[error("{repo}: snapshot {snapshot} is pinned; unpin it (`keepsake unpin {snapshot}`) to delete it")]
    SnapshotPinned { repo: PathBuf, snapshot: i64 },

    /// The snapshot has no such file.
    #[error(
        "{repo}: snapshot {snapshot} has no file {path:?}; `keepsake store ls` lists its files"
    )]
    FileNotFound {
        repo: PathBuf,
        snapshot: i64,
        path: String,
    },

    /// Stored data failed its integrity checks: it is never returned as if it were good.
    #[error("{repo}: {path:?} in snapshot {snapshot} cannot be read: chunk {chunk} is damaged ({fault}); run `keepsake store check` to see everything it affects")]
    DamagedChunk {
        repo: PathBuf,
        snapshot: i64,
        path: String,
        chunk: String,
        fault: ChunkFault,
    },

    /// A path in a snapshot would land outside the restore folder.
    #[error("snapshot {snapshot} holds the unsafe path {path:?}; it was not restored (nothing is ever written outside {target})")]
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
    #[error("its pack file {0} is missing")]
    MissingPack(String),
    #[error("its pack file {0} is truncated")]
    Truncated(String),
    #[error("it fails authentication: altered, or encrypted with another key")]
    Authentication,
    #[error("it cannot be decompressed")]
    Decompression,
    #[error("its content does not match its id")]
    HashMismatch,
    #[error("reading its pack failed: {0}")]
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
