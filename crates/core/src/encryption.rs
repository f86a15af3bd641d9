//! Apple's backup encryption, which the device applies: whether it is on, turning it on or off,
//! changing its password, and remembering the password in the OS credential store.

use keepsake_device::{will_encrypt, Mobilebackup2};
use keepsake_i18n::say;
use serde::Serialize;

use crate::context::Context;
use crate::error::{CoreError, Result};
use crate::pairing::connect;
use crate::secrets::{SecretKind, Secrets};
use keepsake_store::Secret;

/// What to do with a device's backup encryption.
#[derive(Debug, Clone)]
pub enum EncryptionChange {
    /// Turn it on with a new password.
    On { new: Secret },
    /// Turn it off; the device asks for the current password.
    Off { old: Secret },
    /// Change the password.
    Change { old: Secret, new: Secret },
}

/// A device's backup encryption as it stands.
#[derive(Debug, Clone, Serialize)]
pub struct EncryptionState {
    pub udid: String,
    pub device: String,
    pub encrypted: bool,
    /// Whether this computer remembers the password (in the OS credential store).
    pub password_remembered: bool,
}

/// Reads whether the device encrypts its backups.
pub async fn encryption_status(ctx: &Context, wanted: Option<&str>) -> Result<EncryptionState> {
    let (device, name, record) = connect(ctx, wanted).await?;
    let mux = ctx.usbmuxd();
    let encrypted = will_encrypt(mux, &device, &record).await?;
    let password_remembered = Secrets
        .recall(SecretKind::BackupPassword, &device.udid)
        .unwrap_or(None)
        .is_some();
    Ok(EncryptionState {
        udid: device.udid,
        device: name,
        encrypted,
        password_remembered,
    })
}

/// Applies `change` on the device; with `remember`, the new password is kept in the OS credential
/// store (and forgotten when encryption is turned off).
pub async fn change_encryption(
    ctx: &Context,
    wanted: Option<&str>,
    change: &EncryptionChange,
    remember: bool,
) -> Result<EncryptionState> {
    let (device, name, record) = connect(ctx, wanted).await?;
    let mux = ctx.usbmuxd();
    let (old, new) = match change {
        EncryptionChange::On { new } => (None, Some(new.expose())),
        EncryptionChange::Off { old } => (Some(old.expose()), None),
        EncryptionChange::Change { old, new } => (Some(old.expose()), Some(new.expose())),
    };
    if new.is_some_and(str::is_empty) {
        return Err(CoreError::Store(say("core-empty-backup-password", &[])));
    }
    let mut mb = Mobilebackup2::open(mux, &device, &record).await?;
    mb.change_password(old, new).await?;
    match new {
        Some(new) if remember => Secrets.remember(SecretKind::BackupPassword, &device.udid, new)?,
        // an old remembered password is wrong from now on
        _ => Secrets.forget(SecretKind::BackupPassword, &device.udid)?,
    }
    let encrypted = will_encrypt(mux, &device, &record).await?;
    Ok(EncryptionState {
        udid: device.udid,
        device: name,
        encrypted,
        password_remembered: new.is_some() && remember,
    })
}
