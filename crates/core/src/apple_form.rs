//! An encrypted device's files as the store keeps them, and Apple's bytes again (issue 18,
//! `docs/encrypted-dedup.md`).
//!
//! An encrypted device sends each file as AES-256-CBC of its plaintext under the file's own key.
//! When the backup password is at hand, the snapshot keeps such a file as its *exact
//! decryption* (plaintext and padding, [`keepsake_mobilesync::ExactCbc`]): it deduplicates page
//! by page and compresses like an unencrypted device's, sealed by the store's own encryption.
//! Which files are kept that way is a flag on each file version ([`KEPT_DECRYPTED`] in its
//! mode), so it travels with the version from snapshot to snapshot and costs nothing for the
//! files a backup does not touch; every other file is kept as the device sent it. Readers that
//! give Apple's bytes (export, restore to a device, files the device asks back) go through an
//! [`AppleView`], which encrypts the exact files again with their keys from the snapshot's own
//! Manifest.db, byte for byte what the device sent.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::sync::Mutex;

use keepsake_mobilesync::{
    exact_cbc, BackupPlist, ClassKeys, Direction, ExactCbc, ExactCbcWriter, Key, ManifestDb,
    ManifestPlist, MAX_MANIFEST_DB_LEN,
};
use keepsake_store::commands::restore::{self, Transform};
use keepsake_store::Repository;

use crate::error::{CoreError, Result};

/// The folder of a snapshot that holds Keepsake's own records about it: never a device's, never
/// exported. A device (or a Finder folder) naming anything in it is refused.
pub const RESERVED_DIR: &str = ".keepsake";
/// Set in a file version's mode (above the 16 bits of a Unix `st_mode`, which restores and
/// listings use) when it is kept as its exact decryption.
pub const KEPT_DECRYPTED: u32 = 1 << 24;

/// `meta` marked as a file kept as its exact decryption.
pub fn kept_decrypted(meta: keepsake_store::FileMeta) -> keepsake_store::FileMeta {
    keepsake_store::FileMeta {
        mode: meta.mode | KEPT_DECRYPTED,
        ..meta
    }
}

/// The device's class keys, which open every file of its backups whatever the password: kept
/// (sealed by the store's encryption, like the files they open) so that a snapshot kept
/// decrypted is given back as sent with the store's key alone, after a password change too.
pub const CLASS_KEYS_PATH: &str = ".keepsake/class-keys";
/// Manifest.db's path in a snapshot.
pub const MANIFEST_DB: &str = "Manifest.db";

/// Manifest.plist, with every app, is hundreds of KB.
const MAX_MANIFEST_PLIST_LEN: u64 = 64 << 20;

/// Whether `path` (inside a snapshot) is Keepsake's own, which no device may write or read.
pub fn is_reserved(path: &str) -> bool {
    path.strip_prefix(RESERVED_DIR)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Which files of a snapshot are kept as their exact decryption (the rest as sent): those whose
/// version carries [`KEPT_DECRYPTED`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forms {
    exact: BTreeSet<String>,
}

impl Forms {
    pub fn is_exact(&self, path: &str) -> bool {
        self.exact.contains(path)
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    pub fn len(&self) -> usize {
        self.exact.len()
    }

    pub fn exact(&self) -> impl Iterator<Item = &str> {
        self.exact.iter().map(String::as_str)
    }

    /// Records how `path` is kept now.
    pub fn set(&mut self, path: &str, exact: bool) {
        if exact {
            self.exact.insert(path.to_owned());
        } else {
            self.exact.remove(path);
        }
    }

    /// Which files of `snapshot` are kept decrypted, by the flag on their versions.
    pub fn load(repo: &Repository, snapshot: i64) -> Result<Forms> {
        let exact = keepsake_store::commands::list::files(repo, snapshot)?
            .into_iter()
            .filter(|f| f.mode & KEPT_DECRYPTED != 0)
            .map(|f| f.path)
            .collect();
        Ok(Forms { exact })
    }
}

/// A file of a snapshot, whole, or `None` when the snapshot has no such file; refused past
/// `limit` bytes.
pub(crate) fn cat_limited(
    repo: &Repository,
    snapshot: i64,
    path: &str,
    limit: u64,
) -> Result<Option<Vec<u8>>> {
    struct Bounded {
        out: Vec<u8>,
        limit: u64,
    }
    impl Write for Bounded {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.out.len() as u64 + buf.len() as u64 > self.limit {
                return Err(std::io::Error::other("larger than any such file is"));
            }
            self.out.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut bounded = Bounded {
        out: Vec::new(),
        limit,
    };
    match restore::cat(repo, snapshot, path, &mut bounded) {
        Ok(_) => Ok(Some(bounded.out)),
        Err(keepsake_store::Error::FileNotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The file id a snapshot path names (`ab/ab01…`), if it is a file's blob.
pub fn file_id_of(path: &str) -> Option<&str> {
    let (dir, id) = path.split_once('/')?;
    let plain = id.len() == 40
        && id.bytes().all(|b| b.is_ascii_hexdigit())
        && dir.len() == 2
        && id.starts_with(dir);
    plain.then_some(id)
}

/// Manifest.plist of a snapshot, parsed.
pub(crate) fn manifest_plist(repo: &Repository, snapshot: i64) -> Result<Option<ManifestPlist>> {
    let Some(bytes) = cat_limited(repo, snapshot, "Manifest.plist", MAX_MANIFEST_PLIST_LEN)? else {
        return Ok(None);
    };
    ManifestPlist::from_bytes(&bytes)
        .map(Some)
        .map_err(|e| CoreError::NotABackup {
            snapshot,
            detail: format!("Manifest.plist: {e}"),
        })
}

/// The class keys that open `manifest`'s files: `known` when they unwrap its ManifestKey (a
/// password change re-wraps the class keys, it does not change them), else the keybag unlocked
/// with `password`. `Ok(None)` without a password.
pub(crate) fn class_keys_for(
    manifest: &ManifestPlist,
    known: Option<&ClassKeys>,
    password: Option<&str>,
    device: &str,
) -> Result<Option<ClassKeys>> {
    let bad = |e: keepsake_mobilesync::Error| CoreError::Store(format!("{device}: {e}"));
    let manifest_key = manifest.manifest_key().map_err(bad)?;
    if let (Some(keys), Some(wrapped)) = (known, &manifest_key) {
        if keys.unwrap(wrapped).is_ok() {
            return Ok(Some(keys.clone()));
        }
    }
    let Some(password) = password else {
        return Ok(None);
    };
    let keybag = manifest.keybag().map_err(bad)?;
    match keybag.unlock(password) {
        Ok(keys) => Ok(Some(keys)),
        Err(keepsake_mobilesync::Error::WrongPassword) => Err(CoreError::WrongBackupPassword {
            device: device.to_owned(),
        }),
        Err(e) => Err(bad(e)),
    }
}

/// What unwraps the keys of a snapshot's files: its class keys, its ManifestKey and its
/// Manifest.db (looked up file by file: nothing is kept per file).
pub(crate) struct FileKeys {
    class_keys: ClassKeys,
    manifest_key: Key,
    db: Mutex<ManifestDb>,
}

impl FileKeys {
    pub(crate) fn new(
        manifest: &ManifestPlist,
        db: ManifestDb,
        class_keys: ClassKeys,
    ) -> std::result::Result<FileKeys, String> {
        let wrapped = manifest
            .manifest_key()
            .map_err(|e| e.to_string())?
            .ok_or("Manifest.plist has no ManifestKey")?;
        let manifest_key = class_keys.unwrap(&wrapped).map_err(|e| e.to_string())?;
        Ok(FileKeys {
            class_keys,
            manifest_key,
            db: Mutex::new(db),
        })
    }

    pub(crate) fn class_keys(&self) -> &ClassKeys {
        &self.class_keys
    }

    /// The key of the file whose blob is `file_id`, if Manifest.db gives it one.
    pub(crate) fn of_file_id(&self, file_id: &str) -> std::result::Result<Option<Key>, String> {
        let db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        let Some(entry) = db.by_file_id(file_id).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let Some(wrapped) = entry.file.encryption_key.as_ref() else {
            return Ok(None);
        };
        self.class_keys
            .unwrap(wrapped)
            .map(Some)
            .map_err(|e| format!("{file_id}: {e}"))
    }

    /// Manifest.db's row of the file whose blob is `file_id`.
    pub(crate) fn entry(
        &self,
        file_id: &str,
    ) -> std::result::Result<Option<keepsake_mobilesync::ManifestEntry>, String> {
        let db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        db.by_file_id(file_id).map_err(|e| e.to_string())
    }

    /// The file IDs Manifest.db lists.
    pub(crate) fn file_ids(
        &self,
    ) -> std::result::Result<std::collections::HashSet<String>, String> {
        let db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        db.file_ids().map_err(|e| e.to_string())
    }

    /// The key of snapshot path `path`: Manifest.db's, or a file's.
    pub(crate) fn of_path(&self, path: &str) -> std::result::Result<Key, String> {
        if path == MANIFEST_DB {
            return Ok(self.manifest_key.clone());
        }
        let id = file_id_of(path).ok_or_else(|| format!("{path} is not a file's blob"))?;
        self.of_file_id(id)?
            .ok_or_else(|| format!("Manifest.db gives {id} no key"))
    }
}

/// Opens a Manifest.db kept as its exact decryption.
pub(crate) fn open_exact_manifest_db(exact: &[u8]) -> keepsake_mobilesync::Result<ManifestDb> {
    ManifestDb::from_bytes(keepsake_mobilesync::strip_padding(exact))
}

/// The Manifest.db of `snapshot`, opened: kept as its exact decryption, or as sent.
pub(crate) fn manifest_db_of(
    repo: &Repository,
    snapshot: i64,
    forms: &Forms,
    manifest: &ManifestPlist,
    class_keys: &ClassKeys,
) -> Result<ManifestDb> {
    let damaged = |detail: String| CoreError::NotABackup { snapshot, detail };
    let bytes = cat_limited(repo, snapshot, MANIFEST_DB, MAX_MANIFEST_DB_LEN + 16)?
        .ok_or_else(|| damaged("Manifest.db is missing".into()))?;
    if forms.is_exact(MANIFEST_DB) {
        open_exact_manifest_db(&bytes)
    } else {
        let wrapped = manifest
            .manifest_key()
            .ok()
            .flatten()
            .ok_or_else(|| damaged("Manifest.plist has no ManifestKey".into()))?;
        keepsake_mobilesync::decrypt_manifest_db(class_keys, &wrapped, &bytes)
    }
    .map_err(|e| damaged(format!("Manifest.db: {e}")))
}

/// A snapshot as Apple's bytes: every file as the device sent it.
pub struct AppleView {
    snapshot: i64,
    device: String,
    forms: Forms,
    /// `None` when no file is kept decrypted, or without the backup password.
    keys: Option<FileKeys>,
}

impl AppleView {
    /// The view of `snapshot`. Files kept decrypted need the device's class keys: the ones the
    /// snapshot keeps, else the keybag unlocked with `password`; without them the view opens
    /// and reading such a file says so.
    pub fn open(repo: &Repository, snapshot: i64, password: Option<&str>) -> Result<AppleView> {
        Self::open_with(repo, snapshot, password, false)
    }

    /// [`open`](Self::open) with `given`, else (when that leaves files it cannot give as
    /// sent) with the password this computer remembers for the device.
    pub fn open_remembered(
        repo: &Repository,
        snapshot: i64,
        given: Option<&str>,
    ) -> Result<AppleView> {
        let view = Self::open(repo, snapshot, given)?;
        if view.complete() || given.is_some() {
            return Ok(view);
        }
        match crate::secrets::Secrets
            .recall(crate::secrets::SecretKind::BackupPassword, &view.device)?
        {
            Some(remembered) => Self::open(repo, snapshot, Some(&remembered)),
            None => Ok(view),
        }
    }

    /// [`open`](Self::open) for a backup on top of `snapshot`: the keys are unlocked (when the
    /// backup is encrypted and the keys or the password are at hand) even if no file is kept
    /// decrypted, to decrypt the files the device sends again.
    pub(crate) fn open_for_backup(
        repo: &Repository,
        snapshot: i64,
        password: Option<&str>,
    ) -> Result<AppleView> {
        Self::open_with(repo, snapshot, password, true)
    }

    fn open_with(
        repo: &Repository,
        snapshot: i64,
        password: Option<&str>,
        want_keys: bool,
    ) -> Result<AppleView> {
        let info = crate::location::find_snapshot(repo, snapshot)?;
        let forms = Forms::load(repo, snapshot)?;
        let mut view = AppleView {
            snapshot,
            device: info.device.clone(),
            forms,
            keys: None,
        };
        if view.forms.is_empty() && !want_keys {
            return Ok(view);
        }
        let damaged = |detail: String| CoreError::NotABackup { snapshot, detail };
        let manifest = match manifest_plist(repo, snapshot)? {
            Some(m) => m,
            None if view.forms.is_empty() => return Ok(view),
            None => {
                return Err(damaged(
                    "it keeps files decrypted but has no Manifest.plist".into(),
                ))
            }
        };
        if !manifest.is_encrypted && view.forms.is_empty() {
            return Ok(view);
        }
        let stored = match cat_limited(repo, snapshot, CLASS_KEYS_PATH, 64 << 10)? {
            Some(bytes) => Some(ClassKeys::from_bytes(&bytes).map_err(|e| {
                damaged(format!("its record of the device's keys is damaged: {e}"))
            })?),
            None => None,
        };
        let Some(class_keys) = class_keys_for(&manifest, stored.as_ref(), password, &info.device)?
        else {
            return Ok(view);
        };
        let db = manifest_db_of(repo, snapshot, &view.forms, &manifest, &class_keys)?;
        view.keys = Some(FileKeys::new(&manifest, db, class_keys).map_err(damaged)?);
        Ok(view)
    }

    pub fn forms(&self) -> &Forms {
        &self.forms
    }

    /// Whether every file can be given as sent (no file kept decrypted, or the keys at hand).
    pub fn complete(&self) -> bool {
        self.forms.is_empty() || self.keys.is_some()
    }

    fn key(&self, path: &str) -> Result<Key> {
        let keys = self.keys.as_ref().ok_or_else(|| CoreError::BackupLocked {
            device: self.device.clone(),
        })?;
        keys.of_path(path).map_err(|detail| CoreError::NotABackup {
            snapshot: self.snapshot,
            detail,
        })
    }

    /// The keys of its files, when at hand.
    pub(crate) fn keys(&self) -> Option<&FileKeys> {
        self.keys.as_ref()
    }

    /// The first 16 bytes of `path`'s plaintext, the file's key being `key`: what a file that
    /// kept its key and its start decrypts to again.
    pub(crate) fn first_block(&self, repo: &Repository, path: &str, key: &Key) -> Option<[u8; 16]> {
        struct First(Vec<u8>);
        impl Write for First {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let take = buf.len().min(16 - self.0.len());
                self.0.extend_from_slice(&buf[..take]);
                if self.0.len() == 16 {
                    // Enough: stops the read of the rest.
                    return Err(std::io::Error::other("first block read"));
                }
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut first = First(Vec::with_capacity(16));
        let _ = restore::cat(repo, self.snapshot, path, &mut first);
        let block: [u8; 16] = first.0.try_into().ok()?;
        if self.forms.is_exact(path) {
            Some(block)
        } else {
            exact_cbc(key, Direction::Decrypt, &block).try_into().ok()
        }
    }

    /// Writes `path` as the device sent it to `out`; returns its size. A reserved path is not
    /// there.
    pub fn cat(&self, repo: &Repository, path: &str, out: &mut dyn Write) -> Result<u64> {
        match self.cat_store(repo, path, out)? {
            Ok(n) => Ok(n),
            Err(e) => Err(e.into()),
        }
    }

    /// A file as the device sent it, whole; `None` when the snapshot has no such file.
    pub fn read(&self, repo: &Repository, path: &str) -> Result<Option<Vec<u8>>> {
        let mut out = Vec::new();
        Ok(self.cat_if_present(repo, path, &mut out)?.map(|_| out))
    }

    /// [`cat`](Self::cat); `None` when the snapshot has no such file.
    pub fn cat_if_present(
        &self,
        repo: &Repository,
        path: &str,
        out: &mut dyn Write,
    ) -> Result<Option<u64>> {
        match self.cat_store(repo, path, out)? {
            Ok(n) => Ok(Some(n)),
            Err(keepsake_store::Error::FileNotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// [`cat`](Self::cat), the store's own error (a missing file, say) kept apart.
    fn cat_store(
        &self,
        repo: &Repository,
        path: &str,
        out: &mut dyn Write,
    ) -> Result<keepsake_store::Result<u64>> {
        if is_reserved(path) {
            return Err(CoreError::NotInSnapshot {
                what: path.to_owned(),
                snapshot: self.snapshot,
            });
        }
        if !self.forms.is_exact(path) {
            return Ok(restore::cat(repo, self.snapshot, path, out));
        }
        let mut writer = ExactCbcWriter::new(&self.key(path)?, Direction::Encrypt, out);
        let n = match restore::cat(repo, self.snapshot, path, &mut writer) {
            Ok(n) => n,
            Err(e) => return Ok(Err(e)),
        };
        writer.finish().map_err(|e| CoreError::NotABackup {
            snapshot: self.snapshot,
            detail: format!("{path}: {e}"),
        })?;
        Ok(Ok(n))
    }

    /// Writes the snapshot out as the device's Finder folder `target`: every file as sent,
    /// Keepsake's own records left out.
    pub fn restore_into(
        &self,
        repo: &Repository,
        target: &std::path::Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<restore::RestoreSummary> {
        if !self.complete() {
            return Err(CoreError::BackupLocked {
                device: self.device.clone(),
            });
        }
        // Every exact file's key is looked up once, first: a restore cannot fail half way for
        // one. A file Manifest.db gives no key is one no reader of the backup sees (its row is
        // gone): it is left out rather than given in any other form.
        let mut keys: HashMap<&str, Key> = HashMap::with_capacity(self.forms.len());
        if let Some(file_keys) = &self.keys {
            for path in self.forms.exact() {
                match file_keys.of_path(path) {
                    Ok(key) => {
                        keys.insert(path, key);
                    }
                    Err(detail) if path == MANIFEST_DB => {
                        return Err(CoreError::NotABackup {
                            snapshot: self.snapshot,
                            detail,
                        })
                    }
                    Err(why) => {
                        tracing::warn!(
                            snapshot = self.snapshot,
                            path,
                            why,
                            "left out of the export"
                        )
                    }
                }
            }
        }
        let forms = &self.forms;
        let leave_out =
            |path: &str| is_reserved(path) || (forms.is_exact(path) && !keys.contains_key(path));
        let transforms = |path: &str| -> Option<Box<dyn Transform>> {
            let key = keys.get(path)?;
            Some(Box::new(Encrypting(ExactCbc::new(key, Direction::Encrypt))))
        };
        let summary = restore::restore_transformed(
            repo,
            self.snapshot,
            target,
            None,
            // The records are Keepsake's, not the device's: no Finder folder has them.
            Some(&leave_out),
            Some(&transforms),
            progress,
        )?;
        Ok(summary)
    }
}

/// Encrypts an exact file back into what the device sent, on its way out of a restore.
struct Encrypting(ExactCbc);

impl Transform for Encrypting {
    fn update(&mut self, input: &[u8], out: &mut Vec<u8>) {
        self.0.update(input, out);
    }
    fn finish(&mut self, out: &mut Vec<u8>) {
        self.0.finish(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_follow_what_is_set_and_removed() {
        let mut forms = Forms::default();
        forms.set("Manifest.db", true);
        forms.set("ab/ab00000000000000000000000000000000000000", true);
        forms.set("cd/cd00000000000000000000000000000000000000", true);
        forms.set("cd/cd00000000000000000000000000000000000000", false);
        assert_eq!(forms.len(), 2);
        assert_eq!(
            forms.exact().collect::<Vec<_>>(),
            ["Manifest.db", "ab/ab00000000000000000000000000000000000000"]
        );
        let meta = kept_decrypted(keepsake_store::FileMeta {
            mode: 0o100644,
            ..Default::default()
        });
        assert_eq!(meta.mode & 0o177777, 0o100644, "the Unix mode is as it was");
        assert_ne!(meta.mode & KEPT_DECRYPTED, 0);
    }

    #[test]
    fn only_a_blob_path_names_a_file_id() {
        let id = "ab".to_owned() + &"0".repeat(38);
        assert_eq!(file_id_of(&format!("ab/{id}")), Some(id.as_str()));
        assert_eq!(file_id_of(&format!("cd/{id}")), None);
        assert_eq!(file_id_of("Manifest.db"), None);
        assert_eq!(file_id_of("ab/../x"), None);
        assert!(is_reserved(".keepsake/forms") && is_reserved(".keepsake"));
        assert!(!is_reserved(".keepsakes") && !is_reserved("Manifest.db"));
    }
}
