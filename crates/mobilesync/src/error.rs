//! The one error type of the crate: every variant names what was malformed or refused, so a
//! caller can tell a wrong password from a damaged backup from a bug on our side.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong reading or writing a backup.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The password does not unwrap the keybag's class keys (RFC 3394 integrity check failed).
    #[error("wrong backup password: the keybag's class keys do not unwrap with it")]
    WrongPassword,

    /// The backup is encrypted and the operation needs the unlocked class keys.
    #[error("the backup is encrypted: unlock it with its password first")]
    PasswordRequired,

    /// `BackupKeyBag` is not a well-formed TLV keybag.
    #[error("malformed keybag at byte {offset}: {reason}")]
    MalformedKeybag { offset: usize, reason: String },

    /// The keybag lacks a field needed for the requested operation.
    #[error("keybag has no {0} field")]
    MissingKeybagField(&'static str),

    /// A wrapped key (`ManifestKey`, `EncryptionKey`) does not have the 4 + 40 byte shape.
    #[error("malformed {what}: expected 44 bytes (u32 class + 40-byte wrapped key), got {len}")]
    MalformedWrappedKey { what: &'static str, len: usize },

    /// A key names a protection class the unlocked keybag has no key for.
    #[error("no class key for protection class {0}")]
    MissingClassKey(u32),

    /// A per-file or Manifest.db key fails its integrity check although the class key unwrapped.
    #[error("wrapped key for protection class {class} fails its integrity check (damaged backup)")]
    CorruptWrappedKey { class: u32 },

    /// An `MBFile` NSKeyedArchiver blob is not shaped as real backups have it.
    #[error("malformed MBFile archive: {0}")]
    MalformedMbFile(String),

    /// A row of Manifest.db is unusable.
    #[error("malformed Manifest.db row {file_id:?}: {reason}")]
    MalformedManifestRow { file_id: String, reason: String },

    /// Bytes claimed to be Manifest.db are not an SQLite database.
    #[error("Manifest.db is not an SQLite database (encrypted without a key, or damaged)")]
    NotSqlite,

    /// A file ID from the manifest is not 40 lowercase hex digits, so it cannot name a blob.
    #[error("invalid file ID {0:?}: expected 40 hex digits")]
    InvalidFileId(String),

    /// Ciphertext whose length is not a whole number of AES blocks.
    #[error("ciphertext length {len} is not a multiple of 16")]
    NotBlockAligned { len: u64 },

    /// Decrypted data whose end fits neither PKCS#7 padding nor the recorded size.
    #[error("decrypted data ends badly: {0}")]
    BadPadding(String),

    /// Something from the backup is larger than any real backup has it.
    #[error("{what} is {size} bytes, over the limit of {limit}")]
    TooLarge {
        what: &'static str,
        size: u64,
        limit: u64,
    },

    /// A key-derivation iteration count outside what devices use and readers accept.
    #[error("{what} iteration count {count} is outside 1..={max}")]
    IterationCount {
        what: &'static str,
        count: u32,
        max: u32,
    },

    /// A plist holds a date outside the years 0 to 9999: no device writes one, and the plist
    /// crate cannot handle it (its serde and XML paths panic on it).
    #[error("{what}: a date outside the years 0 to 9999")]
    PlistDate { what: &'static str },

    /// A plist could not be parsed or written.
    #[error("{what}: {source}")]
    Plist {
        what: &'static str,
        #[source]
        source: plist::Error,
    },

    /// SQLite refused Manifest.db.
    #[error("Manifest.db: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// Reading or writing a file of the backup folder failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// A stream (reader or writer the caller gave) failed.
    #[error(transparent)]
    Stream(io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn keybag(offset: usize, reason: impl Into<String>) -> Self {
        Error::MalformedKeybag {
            offset,
            reason: reason.into(),
        }
    }

    pub(crate) fn mbfile(reason: impl Into<String>) -> Self {
        Error::MalformedMbFile(reason.into())
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

/// Stream adapters report through `io::Error`; this recovers our typed error when it is inside.
impl From<io::Error> for Error {
    fn from(err: io::Error) -> Self {
        if !err.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            return Error::Stream(err);
        }
        let kind = err.kind();
        match err.into_inner().map(|inner| inner.downcast::<Error>()) {
            Some(Ok(ours)) => *ours,
            Some(Err(other)) => Error::Stream(io::Error::new(kind, other)),
            None => Error::Stream(io::Error::from(kind)),
        }
    }
}

impl From<Error> for io::Error {
    fn from(err: Error) -> Self {
        match err {
            Error::Stream(inner) => inner,
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}
