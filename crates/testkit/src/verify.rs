//! Checking a backup folder against the phone it came from: the one check the emulator's, the
//! host's and the app's tests all need, whoever wrote the folder (this host, a snapshot restored
//! from the store, or idevicebackup2).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use keepsake_mobilesync::{BackupFolder, EntryKind};
use keepsake_phone_content::Phone;

/// Every regular file of the Finder-layout backup in `folder` (decrypted with `password` when
/// encrypted) equals what the phone holds, and the backup has exactly the files a backup of the
/// phone carries. The error says which file differs or is missing.
pub fn backup_matches(folder: &Path, phone: &Phone, password: Option<&str>) -> Result<(), String> {
    let backup = BackupFolder::open(folder).map_err(|e| e.to_string())?;
    if !backup.status.as_ref().is_some_and(|s| s.is_finished()) {
        return Err("Status.plist is missing or not finished".into());
    }
    if backup.manifest.is_encrypted != password.is_some() {
        return Err(format!(
            "the backup is encrypted: {}",
            backup.manifest.is_encrypted
        ));
    }
    let keys = match password {
        Some(p) => Some(backup.unlock(p).map_err(|e| e.to_string())?),
        None => None,
    };
    let entries = backup
        .manifest_db(keys.as_ref())
        .and_then(|db| db.entries())
        .map_err(|e| e.to_string())?;
    let mut in_backup = BTreeSet::new();
    for e in entries.iter().filter(|e| e.kind == EntryKind::File) {
        let expected = phone
            .file(&e.domain, &e.relative_path)
            .ok_or_else(|| format!("{} {} is not on the phone", e.domain, e.relative_path))?;
        let mut got = Vec::new();
        backup
            .open_file(e, keys.as_ref())
            .map_err(|err| format!("{} {}: {err}", e.domain, e.relative_path))?
            .read_to_end(&mut got)
            .map_err(|err| format!("{} {}: {err}", e.domain, e.relative_path))?;
        if got != expected.read_all() || e.file.size != Some(expected.size()) {
            return Err(format!("{} {} differs", e.domain, e.relative_path));
        }
        in_backup.insert((e.domain.clone(), e.relative_path.clone()));
    }
    let on_phone: BTreeSet<_> = phone
        .backup_files(password.is_some())
        .map(|f| (f.key.domain.clone(), f.key.path.clone()))
        .collect();
    if in_backup != on_phone {
        let missing: Vec<_> = on_phone.difference(&in_backup).take(5).collect();
        let extra: Vec<_> = in_backup.difference(&on_phone).take(5).collect();
        return Err(format!(
            "files missing from the backup: {missing:?}; files the phone does not have: {extra:?}"
        ));
    }
    Ok(())
}
