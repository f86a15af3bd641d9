//! ChangePassword: turning backup encryption on or off and changing its password, checked
//! against the keybag the way real devices do.

use keepsake_mobilesync::BackupEncryption;
use plist::{Dictionary, Value};

use super::{error_code, internal, Done, Failure, Outcome, Refusal, Session};

/// Posted when the `com.apple.mobile.backup` lockdown domain (WillEncrypt) changes.
pub const BACKUP_DOMAIN_CHANGED: &str = "com.apple.mobile.backup.domain_changed";

impl Session {
    /// ChangePassword: NewPassword alone turns encryption on, OldPassword alone turns it off,
    /// both change the password. A wrong old password is error 207, as on real devices.
    pub(super) async fn change_password(&mut self, request: &Dictionary) -> Outcome<Done> {
        let text = |k: &str| {
            request
                .get(k)
                .and_then(Value::as_string)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let (old, new) = (text("OldPassword"), text("NewPassword"));
        if old.is_none() && new.is_none() {
            return Err(Failure::Refused(Refusal::new(
                error_code::GENERIC,
                "ChangePassword needs OldPassword or NewPassword",
            )));
        }
        self.passcode().await?;
        let device = self.device.clone();
        // Key derivation costs seconds at real iteration counts: keep it off the I/O threads.
        let outcome = tokio::task::spawn_blocking(move || -> Outcome<Done> {
            let backup = device.backup();
            let current = backup.encryption();
            let invalid = || {
                Failure::Refused(Refusal::new(
                    error_code::INVALID_PASSWORD,
                    "Invalid password (MBErrorDomain/207)",
                ))
            };
            match (current, old, new) {
                (None, None, Some(new)) => backup.enable_encryption(&new)?,
                (None, Some(_), _) | (Some(_), None, _) => return Err(invalid()),
                (None, None, None) => unreachable!("checked above"),
                (Some(mut enc), Some(old), new) => {
                    if !password_matches(&enc, &old)? {
                        return Err(invalid());
                    }
                    match new {
                        Some(new) => {
                            enc.change_password(&new, backup.options().kdf)?;
                            backup.set_encryption(Some(enc))?;
                        }
                        None => backup.set_encryption(None)?,
                    }
                }
            }
            Ok(Done::default())
        })
        .await
        .map_err(|e| Failure::Fatal(internal(e)))?;
        if outcome.is_ok() {
            // Hosts observe this to learn that WillEncrypt changed.
            self.device.post_notification(BACKUP_DOMAIN_CHANGED);
            tracing::info!(
                udid = self.device.udid(),
                encrypted = self.backup().will_encrypt(),
                "backup password changed"
            );
        }
        outcome
    }
}

/// Whether `password` unlocks the keybag to the class keys the device holds.
fn password_matches(enc: &BackupEncryption, password: &str) -> Outcome<bool> {
    match enc.keybag.unlock(password) {
        Ok(keys) => Ok(keys == enc.keys),
        Err(keepsake_mobilesync::Error::WrongPassword) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
