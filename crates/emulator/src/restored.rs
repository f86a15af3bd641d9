//! A restored backup's content on disk, under `devices/<UDID>/backup/`: `restored-<id>/` holds
//! the file bodies and `index.plist`, and `restored.plist` names the folder the phone now holds.

use std::fs;
use std::path::{Path, PathBuf};

use keepsake_mobilesync::MbFile;
use keepsake_phone_content::{is_encrypted_only, FileEntry, FileKey};
use plist::{Dictionary, Value};

use crate::backup_state::{BackupStateError, Result};
use crate::error::Error;
use crate::state_dir;

/// Names the current folder; written last, so a crash mid-restore leaves the old content.
const POINTER: &str = "restored.plist";
const INDEX: &str = "index.plist";
const PREFIX: &str = "restored-";

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BackupStateError + '_ {
    move |source| {
        BackupStateError::Emulator(Error::State {
            path: path.to_owned(),
            source,
        })
    }
}

/// A restore in progress: files land in a fresh folder that nothing names until
/// [`Staging::commit`]; dropped uncommitted, the folder goes.
pub(crate) struct Staging {
    folder: PathBuf,
    name: String,
    index: Vec<Value>,
    committed: bool,
}

impl Staging {
    pub(crate) fn new(backup_dir: &Path) -> Result<Staging> {
        let name = format!("{PREFIX}{}", state_dir::random_uuid());
        let folder = backup_dir.join(&name);
        fs::create_dir_all(&folder).map_err(io_error(&folder))?;
        Ok(Staging {
            folder,
            name,
            index: Vec::new(),
            committed: false,
        })
    }

    /// Keeps one received file; its name on disk is its place in the index, never the host's.
    pub(crate) fn add(
        &mut self,
        domain: &str,
        path: &str,
        mb: &MbFile,
        bytes: &[u8],
    ) -> Result<()> {
        let body = self.index.len().to_string();
        let file = self.folder.join(&body);
        fs::write(&file, bytes).map_err(io_error(&file))?;
        // A class the keybag lacks could not be encrypted in the next backup: fall back to 3.
        let class = u8::try_from(mb.protection_class)
            .ok()
            .filter(|c| (1..=11).contains(c))
            .unwrap_or(3);
        let mode = if mb.mode == 0 { 0o100644 } else { mb.mode };
        let mut d = Dictionary::new();
        d.insert("Domain".into(), domain.into());
        d.insert("RelativePath".into(), path.into());
        d.insert("Body".into(), body.into());
        d.insert("Size".into(), (bytes.len() as u64).into());
        d.insert("Mode".into(), u64::from(mode).into());
        d.insert("LastModified".into(), mb.last_modified.into());
        d.insert("ProtectionClass".into(), u64::from(class).into());
        d.insert(
            "EncryptedOnly".into(),
            is_encrypted_only(domain, path).into(),
        );
        self.index.push(Value::Dictionary(d));
        Ok(())
    }

    /// Writes the index, then points `restored.plist` at the folder. Returns the folder's name
    /// and the phone's files, read from disk when asked for.
    pub(crate) fn commit(mut self, backup_dir: &Path) -> Result<(String, Vec<FileEntry>)> {
        let index = Value::Array(std::mem::take(&mut self.index));
        let mut out = Vec::new();
        index.to_writer_binary(&mut out).map_err(Error::from)?;
        state_dir::write_atomic(&self.folder.join(INDEX), &out)?;
        let mut pointer = Dictionary::new();
        pointer.insert("Folder".into(), self.name.clone().into());
        let mut out = Vec::new();
        plist::to_writer_xml(&mut out, &Value::Dictionary(pointer)).map_err(Error::from)?;
        state_dir::write_atomic(&backup_dir.join(POINTER), &out)?;
        self.committed = true;
        let files = entries(&self.folder, &index)?;
        Ok((self.name.clone(), files))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            if let Err(e) = fs::remove_dir_all(&self.folder) {
                tracing::warn!(folder = %self.folder.display(), error = %e, "leftover restore");
            }
        }
    }
}

/// The restored content `restored.plist` names (its folder's name and files); `None` if the
/// device was never restored. Folders of earlier restores, or half-written ones, are removed.
pub(crate) fn load(backup_dir: &Path) -> Result<Option<(String, Vec<FileEntry>)>> {
    let Some(bytes) = state_dir::read_optional(&backup_dir.join(POINTER))? else {
        remove_others(backup_dir, None);
        return Ok(None);
    };
    let value = Value::from_reader(std::io::Cursor::new(bytes)).map_err(Error::from)?;
    let name = value
        .as_dictionary()
        .and_then(|d| d.get("Folder"))
        .and_then(Value::as_string)
        .filter(|n| n.starts_with(PREFIX) && !n.contains(['/', '\\']) && !n.contains(".."))
        .ok_or(BackupStateError::Malformed(POINTER))?
        .to_owned();
    let folder = backup_dir.join(&name);
    let index = state_dir::read_optional(&folder.join(INDEX))?
        .ok_or(BackupStateError::Malformed(POINTER))?;
    let index = Value::from_reader(std::io::Cursor::new(index)).map_err(Error::from)?;
    let files = entries(&folder, &index)?;
    remove_others(backup_dir, Some(&name));
    Ok(Some((name, files)))
}

fn entries(folder: &Path, index: &Value) -> Result<Vec<FileEntry>> {
    let malformed = || BackupStateError::Malformed("the restored index");
    let mut files = Vec::new();
    for item in index.as_array().ok_or_else(malformed)? {
        let d = item.as_dictionary().ok_or_else(malformed)?;
        let text = |k: &str| d.get(k).and_then(Value::as_string).ok_or_else(malformed);
        let int = |k: &str| {
            d.get(k)
                .and_then(Value::as_signed_integer)
                .ok_or_else(malformed)
        };
        let body = text("Body")?;
        if !body.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let key = FileKey::new(text("Domain")?, text("RelativePath")?);
        let size = u64::try_from(int("Size")?).map_err(|_| malformed())?;
        let mut f = FileEntry::on_disk(key, folder.join(body), size);
        f.mode = u32::try_from(int("Mode")?).map_err(|_| malformed())?;
        f.mtime = int("LastModified")?;
        f.protection_class = u8::try_from(int("ProtectionClass")?).map_err(|_| malformed())?;
        f.encrypted_only = d
            .get("EncryptedOnly")
            .and_then(Value::as_boolean)
            .ok_or_else(malformed)?;
        files.push(f);
    }
    Ok(files)
}

/// Removes the `restored-*` folders other than `keep`: earlier restores, or ones a crash left.
pub(crate) fn remove_others(backup_dir: &Path, keep: Option<&str>) {
    let Ok(dir) = fs::read_dir(backup_dir) else {
        return;
    };
    for item in dir.flatten() {
        let name = item.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(PREFIX) && Some(name.as_ref()) != keep {
            if let Err(e) = fs::remove_dir_all(item.path()) {
                tracing::warn!(folder = %item.path().display(), error = %e, "old restore kept");
            }
        }
    }
}
