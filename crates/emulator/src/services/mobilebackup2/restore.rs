//! Restore: the device downloads the host's backup, checks every file it receives against the
//! snapshot's Manifest.db and the phone's own content, and then takes the backup's content and
//! encryption, keeping its own identity.

use std::io::Read;
use std::sync::Arc;

use keepsake_mobilesync::{
    decrypt_file, decrypt_manifest_db, EntryKind, ManifestDb, ManifestEntry,
};
use plist::{Dictionary, Value};

use super::{
    error_code, internal, percent, source_identifier, Done, Failure, Outcome, Refusal, Session,
    BATCH_BYTES, BATCH_FILES,
};
use crate::backup_state::{Fault, RestoreReport};

impl Session {
    /// Restore: the device downloads the host's backup, every file of it, and checks what it
    /// receives against the snapshot's Manifest.db and against the phone's content before the
    /// restore (the result is
    /// [`DeviceBackup::last_restore`](crate::backup_state::DeviceBackup::last_restore)). Every
    /// file must arrive intact for success; then the phone's content becomes the backup's files
    /// and its backup encryption the backup's (on with the same password, or off).
    pub(super) async fn restore(&mut self, request: &Dictionary) -> Outcome<Done> {
        let source = source_identifier(request, self.device.udid())?;
        let options = request.get("Options").and_then(Value::as_dictionary);
        let password = options
            .and_then(|o| o.get("Password"))
            .or_else(|| request.get("Password"))
            .and_then(Value::as_string)
            .map(str::to_owned);
        self.passcode().await?;
        let snapshot = self.host_snapshot(&source, true).await?;
        let properties = || {
            Failure::Refused(Refusal::new(
                error_code::BACKUP_PROPERTIES,
                "Error reading backup properties",
            ))
        };
        let (Some(status), Some(manifest), Some(db)) =
            (snapshot.status, snapshot.manifest, snapshot.db.as_deref())
        else {
            return Err(properties());
        };
        if !status.is_finished() {
            return Err(properties());
        }
        let keys = if manifest.is_encrypted {
            let Some(password) = password.clone() else {
                return Err(Failure::Refused(Refusal::new(
                    error_code::INVALID_PASSWORD,
                    "Invalid password (MBErrorDomain/207)",
                )));
            };
            let keybag = manifest.keybag().map_err(|_| properties())?;
            // Key derivation: seconds at real counts, so off the I/O threads.
            let unlocked = tokio::task::spawn_blocking(move || keybag.unlock(&password))
                .await
                .map_err(|e| Failure::Fatal(internal(e)))?;
            match unlocked {
                Ok(keys) => Some(keys),
                Err(keepsake_mobilesync::Error::WrongPassword) => {
                    return Err(Failure::Refused(Refusal::new(
                        error_code::INVALID_PASSWORD,
                        "Invalid password (MBErrorDomain/207)",
                    )))
                }
                Err(_) => return Err(properties()),
            }
        } else {
            None
        };
        let db = match &keys {
            Some(keys) => {
                let key = manifest
                    .manifest_key()
                    .ok()
                    .flatten()
                    .ok_or_else(properties)?;
                decrypt_manifest_db(keys, &key, db).map_err(|_| properties())?
            }
            None => ManifestDb::from_bytes(db).map_err(|_| properties())?,
        };
        let files: Vec<ManifestEntry> = db
            .entries()
            .map_err(|_| properties())?
            .into_iter()
            .filter(|e| e.kind == EntryKind::File)
            .collect();
        let phone = self.backup().phone()?;
        let mut staging = self.backup().begin_restore()?;
        let mut report = RestoreReport {
            files: files.len(),
            ..RestoreReport::default()
        };
        let total: u64 = files.iter().filter_map(|e| e.file.size).sum::<u64>().max(1);
        let mut done = 0u64;
        let mut start = 0;
        while start < files.len() {
            // Batches bounded in count and bytes: the device holds one batch in memory.
            let mut end = start;
            let mut batch_bytes = 0u64;
            while end < files.len() && end - start < BATCH_FILES && batch_bytes < BATCH_BYTES {
                batch_bytes += files[end].file.size.unwrap_or(0);
                end += 1;
            }
            let batch = &files[start..end];
            let paths: Vec<String> = batch
                .iter()
                .map(|e| format!("{source}/{}/{}", &e.file_id[..2], e.file_id))
                .collect();
            let mut got = self.download(&paths, percent(done, total)).await?;
            for (entry, path) in batch.iter().zip(&paths) {
                let key = (entry.domain.clone(), entry.relative_path.clone());
                let Some(blob) = got.remove(path) else {
                    report.missing.push(key);
                    continue;
                };
                let plain = match &keys {
                    Some(keys) => {
                        let mut out = Vec::new();
                        let read = decrypt_file(keys, &entry.file, std::io::Cursor::new(blob))
                            .map(|mut r| r.read_to_end(&mut out));
                        match read {
                            Ok(Ok(_)) => out,
                            _ => {
                                report.corrupt.push(key);
                                continue;
                            }
                        }
                    }
                    None => blob,
                };
                if entry.file.size != Some(plain.len() as u64) {
                    report.corrupt.push(key);
                    continue;
                }
                report.bytes += plain.len() as u64;
                done += plain.len() as u64;
                // Once a file is lost the restore fails: nothing more is worth keeping.
                if report.missing.is_empty() && report.corrupt.is_empty() {
                    staging.add(&entry.domain, &entry.relative_path, &entry.file, &plain)?;
                }
                match phone.file(&entry.domain, &entry.relative_path) {
                    Some(f) if f.size() == plain.len() as u64 && f.read_all() == plain => {
                        report.matching += 1
                    }
                    Some(_) => report.differing.push(key),
                    None => report.not_on_phone.push(key),
                }
            }
            start = end;
        }
        tracing::info!(
            udid = self.device.udid(),
            files = report.files,
            matching = report.matching,
            differing = report.differing.len(),
            missing = report.missing.len(),
            corrupt = report.corrupt.len(),
            "restore received"
        );
        let intact = report.missing.is_empty() && report.corrupt.is_empty();
        self.backup().set_last_restore(report);
        if !intact {
            return Err(properties());
        }
        // An injected error code fails the request after this: the phone stays as it was.
        if matches!(self.fault, Some(Fault::ErrorCode(..))) {
            return Ok(Done::default());
        }
        self.backup().finish_restore(staging)?;
        match password.filter(|_| keys.is_some()) {
            Some(password) => {
                let device = Arc::clone(&self.device);
                // A fresh keybag costs a key derivation: off the I/O threads.
                tokio::task::spawn_blocking(move || device.backup().enable_encryption(&password))
                    .await
                    .map_err(|e| Failure::Fatal(internal(e)))??;
            }
            None => self.backup().set_encryption(None)?,
        }
        tracing::info!(
            udid = self.device.udid(),
            %source,
            encrypted = keys.is_some(),
            "the phone now holds the restored backup"
        );
        Ok(Done::default())
    }
}
