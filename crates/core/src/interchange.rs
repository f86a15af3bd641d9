//! Snapshots in and out of Apple's own format: export any snapshot as a Finder/iTunes backup
//! folder, import such a folder (from `~/Library/Application Support/MobileSync/Backup/<UDID>` or
//! written by `idevicebackup2`) as a snapshot, and restore a snapshot onto the device through
//! mobilebackup2's Restore.
//!
//! A snapshot *is* the device's Finder folder (the host's Info.plist included), so export is a
//! restore of the snapshot into `<target>/<UDID>` and import snapshots the folder as it is,
//! after checking that it is a complete backup: a damaged folder is refused and nothing is written.

use std::path::{Path, PathBuf};

use keepsake_device::{is_plain_udid, BackupEvent, DirFolder, Mobilebackup2, RestoreOptions};
use keepsake_mobilesync::{BackupFolder, EntryKind};
use serde::Serialize;

use crate::apple_form::AppleView;
use crate::context::Context;
use crate::error::{CoreError, Result};
use crate::jobs::DeviceJob;
use crate::location::{find_snapshot, Location, Unlock};
use crate::secrets::{SecretKind, Secrets};

/// A snapshot written out as a Finder backup folder.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    /// `<target>/<UDID>`: what Finder, iTunes and `idevicebackup2` read.
    pub folder: PathBuf,
    pub files: u64,
    pub bytes: u64,
}

/// Writes snapshot `snapshot` as a Finder backup folder `<target>/<UDID>`, which must not exist
/// yet or be empty: every file byte for byte as the device sent it. An encrypted device's
/// snapshot kept decrypted needs its backup password for that: `backup_password`, else the one
/// this computer remembers. `progress` hears the bytes written so far and the bytes to write.
pub fn export(
    location: &Location,
    unlock: &Unlock,
    snapshot: i64,
    target: &Path,
    backup_password: Option<&str>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Exported> {
    let repo = location.open_with(unlock)?;
    let info = find_snapshot(&repo, snapshot)?;
    export_repo(&repo, &info, target, backup_password, progress)
}

/// [`export`] of an open repository's snapshot `info`.
fn export_repo(
    repo: &keepsake_store::Repository,
    info: &keepsake_store::SnapshotInfo,
    target: &Path,
    backup_password: Option<&str>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Exported> {
    let snapshot = info.id;
    // The device name comes from the device (or an imported folder): it names one folder.
    if !is_plain_udid(&info.device) {
        return Err(CoreError::NotABackup {
            snapshot,
            detail: format!("its device is named {:?}, which is not a UDID", info.device),
        });
    }
    let folder = target.join(&info.device);
    if folder.exists()
        && std::fs::read_dir(&folder)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(CoreError::ExportTargetNotEmpty { folder });
    }
    let view = AppleView::open_remembered(repo, snapshot, backup_password)?;
    let written = view.restore_into(repo, &folder, progress)?;
    Ok(Exported {
        folder,
        files: written.files,
        bytes: written.bytes,
    })
}

/// A Finder backup folder taken in as a snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub udid: String,
    pub snapshot: keepsake_store::SnapshotInfo,
    pub files: u64,
    /// When the import set the location up: its recovery key, to show the person once.
    pub recovery_key: Option<String>,
}

/// The largest Info, Manifest or Status.plist taken from a folder: real ones are kilobytes
/// (Info.plist with every app's icon, a few megabytes).
const MAX_FOLDER_PLIST: u64 = 16 << 20;

/// Checks that `folder` is one complete device backup: the plists readable, the backup
/// finished, and (unencrypted backups) every file Manifest.db lists present with its size.
/// Returns the device's UDID.
pub fn check_backup_folder(folder: &Path) -> Result<String> {
    // Keepsake's own records of a snapshot come from Keepsake, never from a folder.
    let reserved = folder.join(crate::apple_form::RESERVED_DIR);
    if reserved.symlink_metadata().is_ok() {
        return Err(CoreError::NotABackupFolder {
            folder: folder.to_path_buf(),
            detail: format!(
                "it holds {}, which no device backup has",
                crate::apple_form::RESERVED_DIR
            ),
        });
    }
    let bad = |detail: String| CoreError::NotABackupFolder {
        folder: folder.to_path_buf(),
        detail,
    };
    // A folder is as untrusted as a device: a plist of a few kilobytes may parse into
    // gigabytes (shared references), so each is measured before it is parsed.
    for name in ["Info.plist", "Manifest.plist", "Status.plist"] {
        let path = folder.join(name);
        let bytes = match std::fs::metadata(&path) {
            Ok(m) if m.len() > MAX_FOLDER_PLIST => {
                return Err(bad(format!(
                    "{name} is {} bytes, too large for a plist",
                    m.len()
                )))
            }
            Ok(_) => std::fs::read(&path).map_err(|source| CoreError::Io {
                path: path.clone(),
                source,
            })?,
            Err(_) => continue,
        };
        keepsake_device::backup::check_plist_bounds(&bytes)
            .map_err(|e| bad(format!("{name}: {e}")))?;
    }
    let backup = BackupFolder::open(folder).map_err(|e| bad(e.to_string()))?;
    match &backup.status {
        Some(s) if s.is_finished() => {}
        Some(_) => return Err(bad("the backup did not finish (Status.plist)".into())),
        None => {
            return Err(bad(
                "Status.plist is missing: the backup did not finish".into()
            ))
        }
    }
    let udid = Some(backup.manifest.lockdown.unique_device_id.clone())
        .filter(|u| !u.is_empty())
        .or_else(|| folder.file_name().map(|n| n.to_string_lossy().into_owned()))
        .ok_or_else(|| bad("it does not say which device it is".into()))?;
    if !is_plain_udid(&udid) {
        return Err(bad(format!(
            "its device is named {udid:?}, which is not a UDID"
        )));
    }
    if backup.manifest.is_encrypted {
        // Without the password only the blobs' presence can be checked; Manifest.db itself is
        // ciphertext and is checked when the snapshot is browsed.
        if !folder.join(keepsake_mobilesync::MANIFEST_DB).is_file() {
            return Err(bad("Manifest.db is missing".into()));
        }
        return Ok(udid);
    }
    let db = backup.manifest_db(None).map_err(|e| bad(e.to_string()))?;
    for entry in db.entries().map_err(|e| bad(e.to_string()))? {
        if entry.kind != EntryKind::File {
            continue;
        }
        let path = backup.blob_path(&entry).map_err(|e| bad(e.to_string()))?;
        let expected = entry.file.size.unwrap_or(0);
        match std::fs::metadata(&path) {
            Ok(m) if m.len() == expected => {}
            Ok(m) => {
                return Err(bad(format!(
                    "{}/{} is {} bytes, Manifest.db says {expected}",
                    entry.domain,
                    entry.relative_path,
                    m.len()
                )))
            }
            Err(_) if expected == 0 => {}
            Err(e) => {
                return Err(bad(format!(
                    "{}/{} ({}): {e}",
                    entry.domain,
                    entry.relative_path,
                    path.display()
                )))
            }
        }
    }
    Ok(udid)
}

/// Takes the Finder backup folder `folder` in as the next snapshot of its device in the
/// location's repository, after [`check_backup_folder`]. `progress` hears bytes read and total.
pub fn import(
    ctx: &Context,
    location: &Location,
    unlock: &Unlock,
    folder: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Imported> {
    let udid = check_backup_folder(folder)?;
    let (repo, recovery_key) = location.open_or_create(ctx.host_name(), unlock, None)?;
    let summary = keepsake_store::commands::folder::add_folder(&repo, folder, &udid, progress)?;
    Ok(Imported {
        udid,
        recovery_key: recovery_key.map(|k| k.as_str().to_owned()),
        files: summary.snapshot.files,
        snapshot: summary.snapshot,
    })
}

/// What a restore onto the device did.
#[derive(Debug, Clone, Serialize)]
pub struct RestoredToDevice {
    pub udid: String,
    pub device: String,
    pub snapshot: i64,
    /// Files in the restored backup.
    pub files: u64,
}

/// Restores snapshot `snapshot` onto the device `wanted` names (the snapshot's own device when
/// omitted). Another device (a new phone set up from the old one's backup) takes it only with
/// `onto_another`: everything on it is replaced, and the error without it names both devices.
/// The device keeps its own identity and takes the backup's content and encryption. An
/// encrypted backup needs its password: `backup_password`, else the remembered one. The
/// snapshot is written to a temporary Finder folder next to the repository first (the device
/// asks for files in its own order), after checking there is room for it, and removed after.
#[allow(clippy::too_many_arguments)]
pub async fn restore_to_device(
    ctx: &Context,
    location: &Location,
    unlock: &Unlock,
    snapshot: i64,
    wanted: Option<&str>,
    onto_another: bool,
    backup_password: Option<&str>,
    mut on_progress: impl FnMut(f64) + Send,
) -> Result<RestoredToDevice> {
    let repo = location.open_with(unlock)?;
    let info = find_snapshot(&repo, snapshot)?;
    let source_udid = info.device.clone();
    if !is_plain_udid(&source_udid) {
        return Err(CoreError::NotABackup {
            snapshot,
            detail: format!("its device is named {source_udid:?}, which is not a UDID"),
        });
    }
    let (device, name, record) =
        crate::pairing::connect(ctx, Some(wanted.unwrap_or(&source_udid))).await?;
    if device.udid != source_udid && !onto_another {
        let source = crate::settings::load(ctx.dirs())?
            .device(&source_udid)
            .map_or_else(|| source_udid.clone(), |d| d.display_name().to_owned());
        return Err(CoreError::RestoreOntoAnother {
            snapshot,
            from: source,
            onto: name,
        });
    }
    let _job = DeviceJob::claim(ctx.dirs(), &device.udid, &name)?;
    crate::backup::check_free_space(&location.repository_path(), &name, Some(info.bytes))?;
    let staging = tempfile::Builder::new()
        .prefix(".keepsake-restore-")
        .tempdir_in(location.repository_path())
        .map_err(|source| CoreError::Io {
            path: location.repository_path(),
            source,
        })?;
    let exported = export_repo(
        &repo,
        &info,
        staging.path(),
        backup_password,
        &mut |_, _| {},
    )?;
    drop(repo);
    let folder = BackupFolder::open(&exported.folder).map_err(|e| CoreError::NotABackup {
        snapshot,
        detail: e.to_string(),
    })?;
    let password = if folder.manifest.is_encrypted {
        Some(match backup_password {
            Some(p) => p.to_owned(),
            None => Secrets
                .recall(SecretKind::BackupPassword, &source_udid)?
                .ok_or_else(|| CoreError::BackupLocked {
                    device: source_udid.clone(),
                })?,
        })
    } else {
        None
    };
    let mut mb = Mobilebackup2::open(ctx.usbmuxd(), &device, &record).await?;
    let mut dir = DirFolder::new(staging.path());
    let options = RestoreOptions {
        password,
        system_files: true,
        reboot: false,
        source: Some(source_udid.clone()),
    };
    mb.restore(&mut dir, &options, |e| match e {
        BackupEvent::Progress { percent, .. } => on_progress(percent),
    })
    .await?;
    tracing::info!(
        snapshot,
        from = source_udid,
        onto = device.udid,
        "snapshot restored onto the device"
    );
    Ok(RestoredToDevice {
        udid: device.udid,
        device: name,
        snapshot,
        files: exported.files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_udids_name_a_folder() {
        assert!(is_plain_udid("00008120-001A2B3C9E3779B9"));
        assert!(is_plain_udid("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"));
        for bad in ["", "..", "../../etc", "a/b", "a\\b", "x\0", &"A".repeat(65)] {
            assert!(!is_plain_udid(bad), "{bad:?}");
        }
    }

    /// `bplist00` whose root is an array of `count` references to one string: a few bytes a
    /// reference on the disk, a whole string each once parsed.
    fn shared_string_bomb(count: u64) -> Vec<u8> {
        let mut out = b"bplist00".to_vec();
        let offsets = [out.len() as u64, 0];
        out.push(0xaf);
        out.push(0x13);
        out.extend_from_slice(&count.to_be_bytes());
        out.extend(std::iter::repeat_n(1u8, count as usize));
        let string_at = out.len() as u64;
        out.push(0x58); // an 8-byte ASCII string
        out.extend_from_slice(b"XXXXXXXX");
        let table = out.len() as u64;
        for o in [offsets[0], string_at] {
            out.extend_from_slice(&o.to_be_bytes());
        }
        out.extend_from_slice(&[0; 6]);
        out.push(8);
        out.push(1);
        out.extend_from_slice(&2u64.to_be_bytes());
        out.extend_from_slice(&0u64.to_be_bytes());
        out.extend_from_slice(&table.to_be_bytes());
        out
    }

    #[test]
    fn a_folder_plist_that_expands_to_gigabytes_is_refused_before_it_is_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("00008120-001A2B3C9E3779B9");
        std::fs::create_dir_all(&folder).unwrap();
        // 8 MB on the disk, 8 million strings once parsed
        std::fs::write(folder.join("Manifest.plist"), shared_string_bomb(8_000_000)).unwrap();
        let err = check_backup_folder(&folder).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("Manifest.plist"), "{text}");
        assert!(text.contains("at least 8000000 items"), "{text}");
    }

    #[test]
    fn a_folder_holding_keepsakes_own_records_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("00008120-001A2B3C9E3779B9");
        std::fs::create_dir_all(folder.join(".keepsake")).unwrap();
        std::fs::write(folder.join(".keepsake/class-keys"), [0u8; 36]).unwrap();
        let err = check_backup_folder(&folder).unwrap_err();
        assert!(err.to_string().contains("holds .keepsake"), "{err}");
    }

    #[test]
    fn a_folder_naming_its_device_with_a_path_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("backup");
        std::fs::create_dir_all(&folder).unwrap();
        let lockdown = keepsake_mobilesync::Lockdown {
            unique_device_id: "../../escape".into(),
            ..Default::default()
        };
        let manifest = keepsake_mobilesync::ManifestPlist::new(lockdown);
        std::fs::write(
            folder.join("Manifest.plist"),
            keepsake_mobilesync::BackupPlist::to_xml(&manifest).unwrap(),
        )
        .unwrap();
        let status = keepsake_mobilesync::StatusPlist::finished("X", true);
        std::fs::write(
            folder.join("Status.plist"),
            keepsake_mobilesync::BackupPlist::to_xml(&status).unwrap(),
        )
        .unwrap();
        let err = check_backup_folder(&folder).unwrap_err();
        assert!(err.to_string().contains("not a UDID"), "{err}");
    }
}
