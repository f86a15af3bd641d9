//! Keeping an encrypted device's files as their exact decryption while they stream in
//! (`docs/encrypted-dedup.md`, [`crate::apple_form`]).
//!
//! The device sends its files before the Manifest.db that holds their keys. So, file by file:
//! - a file the previous snapshot had is decrypted at once with the key it had then, when its
//!   first block decrypts to what it was (a file keeps its key while it is changed in place,
//!   and a SQLite database keeps its first 16 bytes): the changed databases, where a day's
//!   cost is, stream straight through;
//! - a photo or video (by the extension of its path on the device) is kept as sent: it neither
//!   compresses nor deduplicates, so decrypting it would gain nothing;
//! - anything else (a new file, a file whose key or start changed, Manifest.db) is set aside
//!   as sent, in the location's `tmp/` folder, and decrypted once Manifest.db has come; what
//!   is set aside is Apple's ciphertext, which the disk may see.
//!
//! At the end every guess is checked against the new Manifest.db before anything is committed.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read};
use std::path::PathBuf;

use keepsake_mobilesync::{
    exact_cbc, Direction, ExactCbcReader, Key, ManifestPlist, MAX_MANIFEST_DB_LEN,
};
use keepsake_store::{FileMeta, Repository, Secret, SnapshotWriter};

use crate::apple_form::{
    class_keys_for, file_id_of, kept_decrypted, open_exact_manifest_db, AppleView, FileKeys, Forms,
    CLASS_KEYS_PATH, MANIFEST_DB,
};

/// Where set-aside files go, below the location's `tmp/`; left over only by a crash, and
/// removed by the next backup into the location.
const SPOOL_PREFIX: &str = "keepsake-spool-";

/// The largest Manifest.db decrypted in memory to read its keys (a phone with a million files has
/// a few hundred MB): a larger one keeps the backup as sent, so that no device can make the host
/// hold gigabytes.
const MAX_DECRYPTED_MANIFEST_DB: u64 = 512 << 20;

/// Removes what crashed backups set aside in `repo`'s `tmp/`; called with the writer lock held.
pub(crate) fn remove_leftovers(repo: &Repository) {
    let tmp = repo.path().join("tmp");
    for entry in std::fs::read_dir(&tmp).into_iter().flatten().flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(SPOOL_PREFIX)
        {
            tracing::info!(path = %entry.path().display(), "removing what a crashed backup set aside");
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Extensions of the files a phone keeps its photos, videos and sounds in.
const MEDIA: [&str; 16] = [
    "heic", "heif", "jpg", "jpeg", "png", "gif", "dng", "webp", "mov", "mp4", "m4v", "3gp", "m4a",
    "mp3", "aac", "caf",
];

/// Whether the device's path names a photo, a video or a sound.
pub fn is_media(device_path: &str) -> bool {
    let name = device_path.rsplit('/').next().unwrap_or(device_path);
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| MEDIA.iter().any(|m| m.eq_ignore_ascii_case(ext)))
}

fn to_io(e: keepsake_store::Error) -> io::Error {
    io::Error::other(e.to_string())
}

/// What to do with a file as it starts.
enum Plan {
    Sent,
    /// Decrypt with this key if the first block decrypts to this.
    Guess(Key, [u8; 16]),
    SetAside,
}

/// An encrypted device's backup being kept decrypted, with its password.
pub(crate) struct Decrypting<'v> {
    password: Secret,
    base: Option<&'v AppleView>,
    spool: tempfile::TempDir,
    /// Files set aside, by snapshot path.
    set_aside: BTreeMap<String, PathBuf>,
    /// Files decrypted with the key their previous version had, by snapshot path.
    guessed: BTreeMap<String, Key>,
    next: u64,
}

impl<'v> Decrypting<'v> {
    /// Starts, with the previous snapshot `base` (and its keys, when the password opened them).
    pub(crate) fn new(
        repo: &Repository,
        password: Secret,
        base: Option<&'v AppleView>,
    ) -> io::Result<Self> {
        let tmp = repo.path().join("tmp");
        let spool = tempfile::Builder::new()
            .prefix(SPOOL_PREFIX)
            .tempdir_in(&tmp)?;
        Ok(Decrypting {
            password,
            base,
            spool,
            set_aside: BTreeMap::new(),
            guessed: BTreeMap::new(),
            next: 0,
        })
    }

    fn plan(&self, repo: &Repository, path: &str, device_path: Option<&str>) -> Plan {
        if path == MANIFEST_DB {
            return Plan::SetAside;
        }
        let Some(id) = file_id_of(path) else {
            return Plan::Sent;
        };
        if device_path.is_some_and(is_media) {
            return Plan::Sent;
        }
        let guess = self.base.and_then(|base| {
            let key = base.keys()?.of_file_id(id).ok()??;
            let first = base.first_block(repo, path, &key)?;
            Some(Plan::Guess(key, first))
        });
        guess.unwrap_or(Plan::SetAside)
    }

    /// Forgets what this backup did with `path` before (sent again, removed or replaced).
    pub(crate) fn forget(&mut self, path: &str) {
        self.guessed.remove(path);
        if let Some(file) = self.set_aside.remove(path) {
            let _ = std::fs::remove_file(file);
        }
    }

    /// Stores (or sets aside) `path` as `data` brings it; returns whether it is kept as its
    /// exact decryption.
    pub(crate) fn put(
        &mut self,
        repo: &Repository,
        writer: &mut SnapshotWriter<'_>,
        path: &str,
        device_path: Option<&str>,
        meta: FileMeta,
        mut data: impl Read,
    ) -> io::Result<bool> {
        self.forget(path);
        match self.plan(repo, path, device_path) {
            Plan::Sent => {
                writer.put_file(path, meta, data).map_err(to_io)?;
                Ok(false)
            }
            Plan::Guess(key, expected) => {
                let mut first = [0u8; 16];
                let n = read_up_to(&mut data, &mut first)?;
                let head = io::Cursor::new(first[..n].to_vec()).chain(data);
                if n == first.len() && exact_cbc(&key, Direction::Decrypt, &first) == expected {
                    let plain = ExactCbcReader::new(&key, Direction::Decrypt, head);
                    writer
                        .put_file(path, kept_decrypted(meta), plain)
                        .map_err(to_io)?;
                    self.guessed.insert(path.to_owned(), key);
                    Ok(true)
                } else {
                    self.set_aside(path, head)?;
                    Ok(false)
                }
            }
            Plan::SetAside => {
                self.set_aside(path, data)?;
                Ok(false)
            }
        }
    }

    fn set_aside(&mut self, path: &str, mut data: impl Read) -> io::Result<()> {
        self.next += 1;
        let file = self.spool.path().join(self.next.to_string());
        let copied = File::create(&file).and_then(|f| {
            let mut out = BufWriter::new(f);
            io::copy(&mut data, &mut out)?;
            out.into_inner().map_err(|e| e.into_error())?.sync_data()
        });
        if let Err(e) = copied {
            let _ = std::fs::remove_file(&file);
            return Err(e);
        }
        self.set_aside.insert(path.to_owned(), file);
        Ok(())
    }

    /// Once the device reported success: decrypts Manifest.db with the keybag of the
    /// `manifest` this backup wrote, checks every guess against it and decrypts what was set
    /// aside, each file written with `meta`. Without the keys (the password changed
    /// elsewhere, encryption turned off), what was set aside is kept as sent. Returns whether
    /// the keys opened.
    pub(crate) fn finish(
        mut self,
        writer: &mut SnapshotWriter<'_>,
        forms: &mut Forms,
        manifest: Option<&ManifestPlist>,
        meta: FileMeta,
        device: &str,
    ) -> io::Result<bool> {
        let keys = match manifest {
            Some(m) if m.is_encrypted => self.keys_of(m, device)?,
            _ => None,
        };
        if let Some((keys, exact_db)) = &keys {
            writer
                .put_bytes(MANIFEST_DB, kept_decrypted(meta), exact_db)
                .map_err(to_io)?;
            forms.set(MANIFEST_DB, true);
            self.forget(MANIFEST_DB);
            writer
                .put_bytes(CLASS_KEYS_PATH, meta, &keys.class_keys().to_bytes())
                .map_err(to_io)?;
            for (path, guess) in std::mem::take(&mut self.guessed) {
                let id = file_id_of(&path).expect("only blobs are guessed");
                match keys.of_file_id(id) {
                    Ok(Some(real)) if real == guess => {}
                    Ok(Some(_)) => {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!(
                                "{device} gave {path} a new key after it was received; nothing \
                                 was saved: back up again"
                            ),
                        ))
                    }
                    // Unlisted: left out below with the other unlisted files.
                    Ok(None) => {}
                    // Its row is the device's and may be damaged: without a key that opens,
                    // the file could not be given back as sent, and no reader could use it.
                    Err(why) => {
                        tracing::warn!(
                            device,
                            path,
                            why,
                            "a file whose key does not open is left out"
                        );
                        writer.remove(&path).map_err(to_io)?;
                        forms.set(&path, false);
                    }
                }
            }
            // A file kept decrypted that Manifest.db no longer lists (the device sent it, or
            // kept it from an earlier day, without a row) is one no reader of the backup
            // sees, and could not be given back as sent: it is left out.
            let listed = keys.file_ids().map_err(io::Error::other)?;
            let unlisted: Vec<String> = forms
                .exact()
                .filter(|p| file_id_of(p).is_some_and(|id| !listed.contains(id)))
                .map(str::to_owned)
                .collect();
            for path in unlisted {
                tracing::warn!(device, path, "a file Manifest.db does not list is left out");
                writer.remove(&path).map_err(to_io)?;
                forms.set(&path, false);
            }
        } else if !self.guessed.is_empty() {
            tracing::warn!(
                device,
                files = self.guessed.len(),
                "the new keybag did not open: files decrypted with their earlier keys are kept so"
            );
        }
        for (path, file) in std::mem::take(&mut self.set_aside) {
            let key = match (&keys, file_id_of(&path)) {
                // a row the key of which does not open: the file is kept as sent
                (Some((keys, _)), Some(id)) => keys.of_file_id(id).unwrap_or_else(|why| {
                    tracing::warn!(device, path, why, "kept as sent: its key does not open");
                    None
                }),
                _ => None,
            };
            let sent = BufReader::with_capacity(64 << 10, File::open(&file)?);
            match key {
                Some(key) => {
                    let plain = ExactCbcReader::new(&key, Direction::Decrypt, sent);
                    writer
                        .put_file(&path, kept_decrypted(meta), plain)
                        .map_err(to_io)?;
                    forms.set(&path, true);
                }
                None => {
                    writer.put_file(&path, meta, sent).map_err(to_io)?;
                    forms.set(&path, false);
                }
            }
            let _ = std::fs::remove_file(&file);
        }
        Ok(keys.is_some())
    }

    /// The keys of the backup that `manifest` describes, and its Manifest.db's exact
    /// decryption; `None` when they do not open.
    fn keys_of(
        &self,
        manifest: &ManifestPlist,
        device: &str,
    ) -> io::Result<Option<(FileKeys, Vec<u8>)>> {
        let known = self.base.and_then(|b| b.keys()).map(FileKeys::class_keys);
        let class_keys = match class_keys_for(manifest, known, Some(self.password.expose()), device)
        {
            Ok(Some(k)) => k,
            Ok(None) => return Ok(None),
            Err(e) => {
                tracing::warn!(device, error = %e, "the new backup's keybag did not open");
                return Ok(None);
            }
        };
        let Some(file) = self.set_aside.get(MANIFEST_DB) else {
            return Ok(None);
        };
        let len = std::fs::metadata(file)?.len();
        if len > MAX_DECRYPTED_MANIFEST_DB.min(MAX_MANIFEST_DB_LEN + 16) {
            tracing::warn!(
                device,
                len,
                "Manifest.db is too large to decrypt in memory: kept as sent"
            );
            return Ok(None);
        }
        let mut sent = Vec::with_capacity(len as usize);
        File::open(file)?.take(len).read_to_end(&mut sent)?;
        let Some(wrapped) = manifest.manifest_key().ok().flatten() else {
            return Ok(None);
        };
        let Ok(manifest_key) = class_keys.unwrap(&wrapped) else {
            return Ok(None);
        };
        let exact = exact_cbc(&manifest_key, Direction::Decrypt, &sent);
        drop(sent);
        let db = match open_exact_manifest_db(&exact) {
            Ok(db) => db,
            Err(e) => {
                tracing::warn!(device, error = %e, "the new Manifest.db did not decrypt");
                return Ok(None);
            }
        };
        match FileKeys::new(manifest, db, class_keys) {
            Ok(keys) => Ok(Some((keys, exact))),
            Err(e) => {
                tracing::warn!(device, error = e, "the new Manifest.db's keys did not open");
                Ok(None)
            }
        }
    }
}

/// Reads until `buf` is full or the stream ends; returns how much was read.
fn read_up_to(data: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match data.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_videos_and_sounds_are_media_by_their_extension() {
        assert!(is_media("/var/mobile/Media/DCIM/100APPLE/IMG_0001.HEIC"));
        assert!(is_media("Media/DCIM/100APPLE/IMG_0002.mov"));
        assert!(!is_media("/var/mobile/Library/SMS/sms.db"));
        assert!(!is_media("/var/mobile/Library/heic"));
        assert!(!is_media("/var/mobile/Media/photo.heic/Info.plist"));
    }
}
