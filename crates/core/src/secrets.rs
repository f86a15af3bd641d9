//! Passwords Keepsake may remember, kept in the OS credential store (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows), never in its own files.

use crate::error::{CoreError, Result};

/// The credential-store service name every Keepsake secret is filed under.
pub const SERVICE: &str = "app.keepsake.desktop";

/// What a secret is for; each kind is one entry per device or repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// The device's own backup password (Apple's backup encryption).
    BackupPassword,
    /// The key or password that opens a snapshot store.
    StoreKey,
    /// The secret of an access key to an offsite copy's bucket (owner: `key@address`).
    OffsiteSecret,
}

impl SecretKind {
    fn account(self, owner: &str) -> String {
        match self {
            SecretKind::BackupPassword => format!("backup-password/{owner}"),
            SecretKind::StoreKey => format!("store-key/{owner}"),
            SecretKind::OffsiteSecret => format!("offsite-secret/{owner}"),
        }
    }
}

/// The OS credential store, as Keepsake uses it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Secrets;

impl Secrets {
    fn entry(kind: SecretKind, owner: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(SERVICE, &kind.account(owner)).map_err(unavailable)
    }

    /// Remembers `secret` for `owner` (a device's UDID or a repository's id), replacing any.
    pub fn remember(&self, kind: SecretKind, owner: &str, secret: &str) -> Result<()> {
        Self::entry(kind, owner)?
            .set_password(secret)
            .map_err(unavailable)
    }

    /// The remembered secret, or `None` if there is none.
    pub fn recall(&self, kind: SecretKind, owner: &str) -> Result<Option<String>> {
        match Self::entry(kind, owner)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Whether there is a credential store to remember anything in (a server or a headless
    /// agent may have none).
    pub fn available(&self) -> bool {
        self.recall(SecretKind::StoreKey, "probe").is_ok()
    }

    /// Forgets the secret; forgetting one that is not there is not an error.
    pub fn forget(&self, kind: SecretKind, owner: &str) -> Result<()> {
        match Self::entry(kind, owner)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

fn unavailable(e: keyring::Error) -> CoreError {
    CoreError::CredentialStore(e.to_string())
}
