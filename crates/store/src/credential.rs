//! A repository whose master key lives in the OS credential store (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows) instead of being wrapped by a password: the
//! desktop app's way, so nobody has to type or remember anything.
//!
//! The key is a random 32-byte secret, stored as hex under the service and account recorded in
//! the repository config. The config also records a check value derived from the key, so a
//! credential that holds some other key is a clear error, never a corrupted read.

use keepsake_i18n::say;
use zeroize::Zeroizing;

use crate::crypto::{hex, unhex, MasterKey};

/// Why the credential store could not give or take a key.
pub(crate) enum CredentialError {
    /// The store holds nothing under that service and account.
    Missing,
    /// The store holds an entry there already (`init` never overwrites one: it may be the only
    /// copy of another repository's key).
    Occupied,
    /// The store is unreachable or refused, or the entry is not a key.
    Unavailable(String),
}

fn entry(service: &str, account: &str) -> Result<keyring::Entry, CredentialError> {
    keyring::Entry::new(service, account).map_err(|e| CredentialError::Unavailable(e.to_string()))
}

/// Stores a new repository's key under `service`/`account`, refusing to replace an entry.
pub(crate) fn store_new(
    service: &str,
    account: &str,
    key: &MasterKey,
) -> Result<(), CredentialError> {
    let entry = entry(service, account)?;
    match entry.get_password() {
        Ok(_) => return Err(CredentialError::Occupied),
        Err(keyring::Error::NoEntry) => {}
        Err(e) => return Err(CredentialError::Unavailable(e.to_string())),
    }
    let text = Zeroizing::new(hex(key.bytes()));
    entry
        .set_password(&text)
        .map_err(|e| CredentialError::Unavailable(e.to_string()))
}

/// The key stored under `service`/`account`.
pub(crate) fn load(service: &str, account: &str) -> Result<MasterKey, CredentialError> {
    let text = match entry(service, account)?.get_password() {
        Ok(t) => Zeroizing::new(t),
        Err(keyring::Error::NoEntry) => return Err(CredentialError::Missing),
        Err(e) => return Err(CredentialError::Unavailable(e.to_string())),
    };
    let bytes = Zeroizing::new(unhex(text.trim()).unwrap_or_default());
    MasterKey::from_bytes(&bytes)
        .ok_or_else(|| CredentialError::Unavailable(say("store-reason-not-a-key", &[])))
}
