//! Backup: the plan of what the device sends (incremental against the host's previous
//! snapshot, as BackupAgent2 is) and the Manifest.db, Manifest.plist and Status.plist it ends with.
//!
//! The device downloads the host's previous Status.plist, Manifest.plist and Manifest.db, uploads
//! only the files that differ from them, removes the ones that are gone, then uploads the new
//! Manifest.db, Manifest.plist and Status.plist (`SnapshotState: finished`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use keepsake_devicelink::{self as devicelink, DeviceMessage};
use keepsake_mobilesync::{
    blob_path, decrypt_manifest_db, encrypt_file, encrypt_manifest_db, file_id, BackupEncryption,
    BackupPlist, EncryptingReader, EntryKind, Lockdown, ManifestDb, ManifestEntry, ManifestPlist,
    MbFile, StatusPlist, WrappedKey, MODE_DIRECTORY, WRAPPED_KEY_LEN,
};
use keepsake_phone_content::{FileEntry, Phone};
use plist::{Dictionary, Value};

use super::streaming::Upload;
use super::{
    error_code, parse_plist, percent, Done, Failure, Outcome, Refusal, Session, BATCH_BYTES,
    BATCH_FILES,
};
use crate::backup_state::Fault;
use crate::error::{Error, Result};

/// Headroom the device wants beyond what it will upload.
const SPACE_MARGIN: u64 = 128 * 1024 * 1024;

impl Session {
    pub(super) async fn backup_run(&mut self, request: &Dictionary) -> Outcome<Done> {
        let force_full = request
            .get("Options")
            .and_then(Value::as_dictionary)
            .and_then(|o| o.get("ForceFullBackup"))
            .and_then(Value::as_boolean)
            .unwrap_or(false);
        self.passcode().await?;
        if let Some(fault) = &self.fault {
            tracing::info!(udid = self.device.udid(), ?fault, "backup with a fault");
        }
        let udid = self.device.udid().to_owned();
        let phone = self.backup().phone()?;
        let encryption = self.backup().encryption();
        let previous = if force_full {
            None
        } else {
            self.previous_backup(&udid, encryption.as_ref()).await?
        };
        let plan = Plan::new(&phone, encryption.is_some(), previous.as_ref());
        tracing::info!(
            udid,
            full = previous.is_none(),
            upload = plan.uploads.len(),
            unchanged = plan.unchanged.len(),
            remove = plan.removed.len(),
            bytes = plan.upload_bytes,
            "backup plan"
        );

        let free = self.request(&DeviceMessage::GetFreeDiskSpace).await?;
        let free_bytes = free.payload.as_ref().and_then(Value::as_unsigned_integer);
        if let Some(free_bytes) = free_bytes.filter(|_| free.is_ok()) {
            let needed = plan.upload_bytes + SPACE_MARGIN;
            if free_bytes < needed {
                return Err(Failure::Refused(Refusal::new(
                    error_code::INSUFFICIENT_SPACE,
                    format!(
                        "Insufficient free disk space on drive to backup: {needed} bytes needed, {free_bytes} available"
                    ),
                )));
            }
        }

        // The host writes blobs into `<UDID>/<xx>/`; it needs the folders first.
        let buckets: BTreeSet<String> = plan
            .uploads
            .iter()
            .map(|(f, _)| file_id(&f.key.domain, &f.key.path)[..2].to_owned())
            .collect();
        for bucket in buckets {
            let status = self
                .request(&DeviceMessage::CreateDirectory {
                    path: format!("{udid}/{bucket}"),
                })
                .await?;
            // EEXIST is fine: the bucket is there from an earlier backup.
            if !status.is_ok() && status.code != devicelink::status::EXISTS {
                return Err(Failure::Fatal(Error::protocol(format!(
                    "host could not create {udid}/{bucket}: {}",
                    status.code
                ))));
            }
        }

        let mut entries: Vec<ManifestEntry> = plan.unchanged.clone();
        let mut done_bytes = 0u64;
        let total = plan.upload_bytes.max(1);
        let mut batch = Vec::new();
        let mut batch_bytes = 0u64;
        let mut batch_start = 0u64;
        for (file, kept_key) in &plan.uploads {
            let (upload, entry) = upload_of(
                &udid,
                file,
                encryption.as_ref(),
                kept_key.as_ref(),
                self.fault.as_ref(),
            )?;
            entries.push(entry);
            batch_bytes += file.size();
            batch.push(upload);
            if batch.len() >= BATCH_FILES || batch_bytes >= BATCH_BYTES {
                let progress = percent(batch_start, total);
                done_bytes += batch_bytes;
                self.upload(std::mem::take(&mut batch), progress, plan.upload_bytes)
                    .await?;
                batch_start = done_bytes;
                batch_bytes = 0;
            }
        }
        if !batch.is_empty() {
            let progress = percent(batch_start, total);
            self.upload(batch, progress, plan.upload_bytes).await?;
        }

        if !plan.removed.is_empty() {
            let paths: Vec<String> = plan
                .removed
                .iter()
                .map(|id| format!("{udid}/{}/{id}", &id[..2]))
                .collect();
            let status = self
                .request(&DeviceMessage::RemoveItems {
                    paths,
                    progress: Some(100.0),
                })
                .await?;
            if !status.is_ok() && status.code != devicelink::status::NO_SUCH_FILE {
                tracing::warn!(code = status.code, "host could not remove stale files");
            }
        }

        if let Some(Fault::ErrorCode(code, description)) = &self.fault {
            return Err(Failure::Refused(Refusal::new(*code, description.clone())));
        }

        let uuid = previous
            .as_ref()
            .map(|p| p.status.uuid.clone())
            .filter(|u| !u.is_empty())
            .unwrap_or_else(crate::state_dir::random_uuid);
        let mut finals = self.final_files(
            &udid,
            &phone,
            entries,
            encryption.as_ref(),
            uuid,
            previous.is_none(),
        )?;
        if let Some(Fault::FinalFile { name, bytes }) = self.fault.clone() {
            tracing::info!(
                udid,
                name,
                len = bytes.len(),
                "fault: a final file replaced"
            );
            let backup_path = format!("{udid}/{name}");
            finals.retain(|f| f.backup_path != backup_path);
            finals.push(Upload {
                device_path: format!("/var/mobile/Library/Backup/{name}"),
                backup_path,
                body: Box::new(std::io::Cursor::new(bytes)),
            });
        }
        self.upload(finals, 100.0, 0).await?;
        Ok(Done::default())
    }

    /// The host's previous backup of this device, if it is complete and readable with the
    /// device's current keys; `None` makes the backup full.
    async fn previous_backup(
        &mut self,
        udid: &str,
        encryption: Option<&BackupEncryption>,
    ) -> Result<Option<Previous>> {
        let status_path = format!("{udid}/Status.plist");
        let got = self
            .download(std::slice::from_ref(&status_path), 0.0)
            .await?;
        let Some(status) = got
            .get(&status_path)
            .and_then(|b| parse_plist::<StatusPlist>(b))
        else {
            return Ok(None);
        };
        if !status.is_finished() {
            tracing::info!("previous backup was interrupted: full backup");
            return Ok(None);
        }
        let names = [
            format!("{udid}/Manifest.plist"),
            format!("{udid}/Manifest.db"),
        ];
        let mut got = self.download(&names, 0.0).await?;
        let (Some(manifest), Some(db)) = (got.remove(&names[0]), got.remove(&names[1])) else {
            return Ok(None);
        };
        let Some(manifest) = parse_plist::<ManifestPlist>(&manifest) else {
            return Ok(None);
        };
        let db = match (manifest.is_encrypted, encryption) {
            (false, None) => ManifestDb::from_bytes(&db).ok(),
            (true, Some(enc)) => {
                let same_keybag = manifest
                    .keybag()
                    .ok()
                    .is_some_and(|kb| kb.uuid == enc.keybag.uuid);
                match manifest.manifest_key() {
                    Ok(Some(key)) if same_keybag => decrypt_manifest_db(&enc.keys, &key, &db).ok(),
                    _ => None,
                }
            }
            // Encryption was turned on or off since: every file must be sent again.
            _ => None,
        };
        let Some(db) = db else {
            tracing::info!("previous Manifest.db unusable: full backup");
            return Ok(None);
        };
        let entries = match db.entries() {
            Ok(e) => e,
            Err(e) => {
                tracing::info!(error = %e, "previous Manifest.db unreadable: full backup");
                return Ok(None);
            }
        };
        Ok(Some(Previous { status, entries }))
    }

    /// Manifest.db, Manifest.plist and Status.plist of the snapshot just made.
    fn final_files(
        &self,
        udid: &str,
        phone: &Phone,
        entries: Vec<ManifestEntry>,
        encryption: Option<&BackupEncryption>,
        uuid: String,
        full: bool,
    ) -> Outcome<Vec<Upload>> {
        let mut db = ManifestDb::new()?;
        db.insert(&entries)?;
        db.insert(&directories_of(&entries))?;
        let p = &self.device.profile;
        let mut manifest = ManifestPlist::new(Lockdown {
            build_version: p.build_version.clone(),
            device_name: p.name.clone(),
            product_type: p.product_type.clone(),
            product_version: p.product_version.clone(),
            serial_number: p.serial_number.clone(),
            unique_device_id: p.udid.clone(),
            other: Dictionary::new(),
        });
        manifest.system_domains_version = Some("24.0".into());
        manifest.was_passcode_set = true;
        for app in phone.apps() {
            let mut d = Dictionary::new();
            d.insert("CFBundleIdentifier".into(), app.bundle_id.into());
            d.insert("CFBundleVersion".into(), app.version.into());
            d.insert("ContainerContentClass".into(), "Data/Application".into());
            manifest
                .applications
                .insert(app.bundle_id.into(), Value::Dictionary(d));
        }
        let db_bytes = match encryption {
            Some(enc) => {
                let (key, ciphertext) = encrypt_manifest_db(&enc.keys, &mut db)?;
                manifest.is_encrypted = true;
                manifest.manifest_key = Some(key.to_bytes().to_vec().into());
                manifest.backup_key_bag = Some(enc.keybag.to_bytes().into());
                ciphertext
            }
            None => db.to_bytes()?,
        };
        let status = StatusPlist::finished(uuid, full);
        let item = |name: &str, bytes: Vec<u8>| Upload {
            device_path: format!("/var/mobile/Library/Backup/{name}"),
            backup_path: format!("{udid}/{name}"),
            body: Box::new(std::io::Cursor::new(bytes)),
        };
        Ok(vec![
            item("Manifest.db", db_bytes),
            item("Manifest.plist", manifest.to_binary()?),
            item("Status.plist", status.to_binary()?),
        ])
    }
}

/// The host's previous snapshot.
struct Previous {
    status: StatusPlist,
    entries: Vec<ManifestEntry>,
}

/// What a backup sends, keeps and removes.
struct Plan<'a> {
    /// Files to send, each with the key it had in the previous backup, if any: a file
    /// modified in place keeps its data-protection key, as on a phone.
    uploads: Vec<(&'a FileEntry, Option<WrappedKey>)>,
    /// Entries of the previous Manifest.db kept as they were (encryption keys included).
    unchanged: Vec<ManifestEntry>,
    /// File IDs whose blobs the host must delete.
    removed: Vec<String>,
    upload_bytes: u64,
}

impl<'a> Plan<'a> {
    fn new(phone: &'a Phone, encrypted: bool, previous: Option<&Previous>) -> Plan<'a> {
        let mut before: BTreeMap<&str, &ManifestEntry> = previous
            .map(|p| p.entries.iter().map(|e| (e.file_id.as_str(), e)).collect())
            .unwrap_or_default();
        let mut plan = Plan {
            uploads: Vec::new(),
            unchanged: Vec::new(),
            removed: Vec::new(),
            upload_bytes: 0,
        };
        for file in phone.backup_files(encrypted) {
            let id = file_id(&file.key.domain, &file.key.path);
            let old = before.remove(id.as_str());
            let same = old.is_some_and(|e| {
                e.kind == EntryKind::File
                    && e.domain == file.key.domain
                    && e.relative_path == file.key.path
                    && e.file.size == Some(file.size())
                    && e.file.last_modified == file.mtime
                    && e.file.mode == file.mode
                    && e.file.protection_class == u32::from(file.protection_class)
                    && e.file.encryption_key.is_some() == encrypted
            });
            match old {
                Some(e) if same => plan.unchanged.push(e.clone()),
                _ => {
                    let kept = old
                        .filter(|e| {
                            e.kind == EntryKind::File
                                && e.file.protection_class == u32::from(file.protection_class)
                        })
                        .and_then(|e| e.file.encryption_key.clone());
                    plan.upload_bytes += file.size();
                    plan.uploads.push((file, kept));
                }
            }
        }
        plan.removed = before
            .into_values()
            .filter(|e| e.kind == EntryKind::File)
            .map(|e| e.file_id.clone())
            .collect();
        plan
    }
}

/// `wrapped` with its wrapped bytes flipped: no class key unwraps it.
fn damaged(wrapped: &WrappedKey) -> WrappedKey {
    let mut damaged = wrapped.clone();
    damaged.wrapped[WRAPPED_KEY_LEN - 1] ^= 0x5a;
    damaged
}

/// The stream to upload for `file` (encrypted, when the backup is, with the key it had before,
/// `kept_key`, else a fresh one) and its Manifest.db row. `Size` is the plaintext size, which
/// the generator knows up front.
fn upload_of(
    udid: &str,
    file: &FileEntry,
    encryption: Option<&BackupEncryption>,
    kept_key: Option<&WrappedKey>,
    fault: Option<&Fault>,
) -> Outcome<(Upload, ManifestEntry)> {
    let kept_key = kept_key.filter(|_| fault != Some(&Fault::FreshKeys));
    let id = file_id(&file.key.domain, &file.key.path);
    let blob = blob_path(&id)?;
    let mut mb = MbFile {
        relative_path: file.key.path.clone(),
        size: Some(file.size()),
        mode: file.mode,
        last_modified: file.mtime,
        last_status_change: file.mtime,
        birth: file.mtime,
        inode: inode_of(&id),
        user_id: 501,
        group_id: 501,
        protection_class: u32::from(file.protection_class),
        ..MbFile::default()
    };
    let body: Box<dyn Read + Send> = match encryption {
        Some(enc) => {
            // A key wrapped by another keybag (encryption turned off and on again) is no
            // longer this backup's: the file gets a fresh one.
            match kept_key.and_then(|w| Some((w, enc.keys.unwrap(w).ok()?))) {
                Some((wrapped, key)) => {
                    mb.encryption_key = Some(match fault {
                        Some(Fault::ListsOtherKeys) => {
                            encrypt_file(&enc.keys, mb.protection_class, std::io::empty())?.0
                        }
                        Some(Fault::DamagedKeyRows) => damaged(wrapped),
                        _ => wrapped.clone(),
                    });
                    Box::new(EncryptingReader::new(&key, file.reader()))
                }
                None => {
                    let (key, reader) =
                        encrypt_file(&enc.keys, mb.protection_class, file.reader())?;
                    mb.encryption_key = Some(match fault {
                        Some(Fault::DamagedKeyRows) => damaged(&key),
                        _ => key,
                    });
                    Box::new(reader)
                }
            }
        }
        None => file.reader(),
    };
    let upload = Upload {
        device_path: format!("/var/mobile/{}", file.key.path),
        backup_path: format!("{udid}/{}", blob.to_string_lossy()),
        body,
    };
    Ok((
        upload,
        ManifestEntry::new(file.key.domain.clone(), EntryKind::File, mb),
    ))
}

/// The directory rows real Manifest.dbs carry besides files: every domain's root (relative
/// path "") and every folder above a file, dated by their newest file.
fn directories_of(files: &[ManifestEntry]) -> Vec<ManifestEntry> {
    let mut dirs: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for f in files {
        let mut path = f.relative_path.as_str();
        loop {
            path = path.rsplit_once('/').map_or("", |(parent, _)| parent);
            let newest = dirs.entry((f.domain.as_str(), path)).or_insert(i64::MIN);
            *newest = (*newest).max(f.file.last_modified);
            if path.is_empty() {
                break;
            }
        }
    }
    dirs.into_iter()
        .map(|((domain, path), mtime)| {
            let id = file_id(domain, path);
            let dir = MbFile {
                relative_path: path.to_owned(),
                size: Some(0),
                mode: MODE_DIRECTORY,
                last_modified: mtime,
                last_status_change: mtime,
                birth: mtime,
                inode: inode_of(&id),
                user_id: 501,
                group_id: 501,
                ..MbFile::default()
            };
            ManifestEntry::new(domain, EntryKind::Directory, dir)
        })
        .collect()
}

/// A stable inode number per file, as a real filesystem would keep across backups.
fn inode_of(file_id: &str) -> u64 {
    u64::from_str_radix(&file_id[..12], 16).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_folder_above_a_file_and_each_domain_root_get_a_directory_row() {
        let file = |domain: &str, path: &str, mtime: i64| {
            let mb = MbFile {
                relative_path: path.into(),
                last_modified: mtime,
                ..MbFile::default()
            };
            ManifestEntry::new(domain, EntryKind::File, mb)
        };
        let dirs = directories_of(&[
            file("HomeDomain", "Library/SMS/sms.db", 5),
            file("HomeDomain", "Library/Preferences/a.plist", 9),
            file("CameraRollDomain", "x.heic", 1),
        ]);
        let rows: Vec<(&str, &str, i64)> = dirs
            .iter()
            .map(|d| {
                (
                    d.domain.as_str(),
                    d.relative_path.as_str(),
                    d.file.last_modified,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("CameraRollDomain", "", 1),
                ("HomeDomain", "", 9),
                ("HomeDomain", "Library", 9),
                ("HomeDomain", "Library/Preferences", 9),
                ("HomeDomain", "Library/SMS", 5),
            ]
        );
        assert!(dirs
            .iter()
            .all(|d| d.kind == EntryKind::Directory && d.file.mode == MODE_DIRECTORY));
    }
}
