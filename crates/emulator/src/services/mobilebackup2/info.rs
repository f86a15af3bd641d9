//! Info and List: what the host holds of a backup, downloaded and summarised (Info) or listed
//! file by file as CSV (List); Restore reads the host's backup the same way.

use keepsake_mobilesync::{decrypt_manifest_db, ManifestDb, ManifestPlist, StatusPlist};
use plist::Dictionary;

use super::{error_code, parse_plist, source_identifier, Done, Failure, Outcome, Refusal, Session};
use crate::error::Result;

impl Session {
    /// The plists (and Manifest.db when `with_db`) of the host's backup in folder `source`;
    /// what is missing or unreadable is `None`.
    pub(super) async fn host_snapshot(
        &mut self,
        source: &str,
        with_db: bool,
    ) -> Result<HostSnapshot> {
        let mut names = vec![
            format!("{source}/Status.plist"),
            format!("{source}/Manifest.plist"),
        ];
        if with_db {
            names.push(format!("{source}/Manifest.db"));
        }
        let mut got = self.download(&names, 0.0).await?;
        Ok(HostSnapshot {
            status: got.get(&names[0]).and_then(|b| parse_plist(b)),
            manifest: got.get(&names[1]).and_then(|b| parse_plist(b)),
            db: names.get(2).and_then(|n| got.remove(n)),
        })
    }

    /// Info: a summary of the host's last backup of this device.
    pub(super) async fn info(&mut self, request: &Dictionary) -> Outcome<Done> {
        let source = source_identifier(request, self.device.udid())?;
        let snapshot = self.host_snapshot(&source, false).await?;
        let (Some(manifest), Some(status)) = (snapshot.manifest, snapshot.status) else {
            return Err(Failure::Refused(Refusal::new(
                error_code::NO_SUCH_FILE,
                "No backup found",
            )));
        };
        let l = &manifest.lockdown;
        let content = format!(
            "Device Name: {}\nProduct Type: {}\nProduct Version: {}\nBuild Version: {}\nSerial Number: {}\nUnique Identifier: {}\nBackup UUID: {}\nSnapshot State: {}\nFull Backup: {}\nEncrypted: {}\n",
            l.device_name,
            l.product_type,
            l.product_version,
            l.build_version,
            l.serial_number,
            l.unique_device_id,
            status.uuid,
            status.snapshot_state,
            status.is_full_backup,
            manifest.is_encrypted,
        );
        Ok(Done {
            content: Some(content),
        })
    }

    /// List: the files of the host's last backup, as CSV.
    pub(super) async fn list(&mut self, request: &Dictionary) -> Outcome<Done> {
        let source = source_identifier(request, self.device.udid())?;
        let snapshot = self.host_snapshot(&source, true).await?;
        let (Some(manifest), Some(db)) = (snapshot.manifest, snapshot.db.as_deref()) else {
            return Err(Failure::Refused(Refusal::new(
                error_code::NO_SUCH_FILE,
                "No backup found",
            )));
        };
        let db = if manifest.is_encrypted {
            let enc = self.backup().encryption();
            match (enc, manifest.manifest_key()) {
                (Some(enc), Ok(Some(key))) => decrypt_manifest_db(&enc.keys, &key, db).ok(),
                _ => None,
            }
        } else {
            ManifestDb::from_bytes(db).ok()
        };
        let Some(db) = db else {
            return Err(Failure::Refused(Refusal::new(
                error_code::BACKUP_PROPERTIES,
                "Error reading backup properties",
            )));
        };
        let mut content =
            String::from("\"FileID\",\"Domain\",\"RelativePath\",\"Flags\",\"Size\"\n");
        for e in db.entries()? {
            content.push_str(&format!(
                "\"{}\",\"{}\",\"{}\",{},{}\n",
                e.file_id,
                csv_escape(&e.domain),
                csv_escape(&e.relative_path),
                e.kind.flags(),
                e.file.size.unwrap_or(0)
            ));
        }
        Ok(Done {
            content: Some(content),
        })
    }
}

fn csv_escape(s: &str) -> String {
    s.replace('"', "\"\"")
}
/// What the host holds of one backup, as downloaded.
pub(super) struct HostSnapshot {
    pub(super) status: Option<StatusPlist>,
    pub(super) manifest: Option<ManifestPlist>,
    pub(super) db: Option<Vec<u8>>,
}
