//! A backup folder on disk as Finder, iTunes and idevicebackup2 lay it out: reading one (host
//! side, export, tests) and writing one (export, tests, fixtures).

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use plist::Data;

use crate::encryption::{
    decrypt_file, decrypt_manifest_db, encrypt_file, encrypt_manifest_db, BackupEncryption,
};
use crate::error::{Error, Result};
use crate::file_id::{blob_path, file_id};
use crate::keybag::ClassKeys;
use crate::manifest_db::{EntryKind, ManifestDb, ManifestEntry, MAX_MANIFEST_DB_LEN, SQLITE_MAGIC};
use crate::mbfile::MbFile;
use crate::plists::{BackupPlist, InfoPlist, ManifestPlist, StatusPlist};
use crate::stream::DecryptingReader;

pub const MANIFEST_DB: &str = "Manifest.db";

fn read_limited(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(Error::io(path))?;
    let size = file.metadata().map_err(Error::io(path))?.len();
    if size > limit {
        return Err(Error::TooLarge { what, size, limit });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(Error::io(path))?;
    Ok(bytes)
}

fn read_plist<T: BackupPlist>(root: &Path) -> Result<Option<T>> {
    let path = root.join(T::FILE_NAME);
    match fs::metadata(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path)(e)),
        Ok(_) => {}
    }
    let bytes = read_limited(&path, crate::plists::MAX_PLIST_LEN as u64, T::FILE_NAME)?;
    T::from_bytes(&bytes).map(Some)
}

/// An existing backup folder (`…/MobileSync/Backup/<UDID>/`), opened for reading.
#[derive(Debug)]
pub struct BackupFolder {
    root: PathBuf,
    pub manifest: ManifestPlist,
    /// `None` when the folder has no Status.plist (an interrupted first backup).
    pub status: Option<StatusPlist>,
    /// `None` when the folder has no Info.plist.
    pub info: Option<InfoPlist>,
}

/// The contents of one file of a backup, decrypted when the backup is encrypted.
pub enum FileContents {
    Plain(File),
    Decrypted(Box<DecryptingReader<File>>),
    /// An empty file an encrypted backup recorded without a key (and maybe without a blob).
    Empty,
}

impl Read for FileContents {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            FileContents::Empty => Ok(0),
            FileContents::Plain(f) => f.read(buf),
            FileContents::Decrypted(r) => r.read(buf),
        }
    }
}

impl BackupFolder {
    /// Reads the folder's plists. Manifest.plist is required; the others are optional.
    pub fn open(root: impl Into<PathBuf>) -> Result<BackupFolder> {
        let root = root.into();
        let manifest = read_plist::<ManifestPlist>(&root)?.ok_or_else(|| Error::Io {
            path: root.join(ManifestPlist::FILE_NAME),
            source: io::ErrorKind::NotFound.into(),
        })?;
        Ok(BackupFolder {
            status: read_plist(&root)?,
            info: read_plist(&root)?,
            manifest,
            root,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Derives the password key and unwraps the class keys; [`Error::WrongPassword`] if the
    /// password is wrong. Costs the keybag's full key derivation (seconds on real backups).
    pub fn unlock(&self, password: &str) -> Result<ClassKeys> {
        self.manifest.keybag()?.unlock(password)
    }

    /// Opens Manifest.db, decrypting it when it is not plaintext SQLite. `IsEncrypted` alone is
    /// not trusted: iOS 10.0–10.1 encrypted files but left Manifest.db in the clear.
    pub fn manifest_db(&self, keys: Option<&ClassKeys>) -> Result<ManifestDb> {
        let path = self.root.join(MANIFEST_DB);
        // Ciphertext adds at most one block of padding.
        let bytes = read_limited(&path, MAX_MANIFEST_DB_LEN + 16, MANIFEST_DB)?;
        if bytes.starts_with(SQLITE_MAGIC) {
            return ManifestDb::from_bytes(&bytes);
        }
        let keys = keys.ok_or(Error::PasswordRequired)?;
        let manifest_key = self
            .manifest
            .manifest_key()?
            .ok_or(Error::MissingKeybagField("ManifestKey (in Manifest.plist)"))?;
        decrypt_manifest_db(keys, &manifest_key, &bytes)
    }

    /// Where the blob of `entry` is stored.
    pub fn blob_path(&self, entry: &ManifestEntry) -> Result<PathBuf> {
        Ok(self.root.join(blob_path(&entry.file_id)?))
    }

    /// The plaintext of a regular file. Encrypted backups need `keys`. A file whose blob is
    /// missing (partial backups list such files) is an [`Error::Io`] of kind `NotFound`.
    pub fn open_file(
        &self,
        entry: &ManifestEntry,
        keys: Option<&ClassKeys>,
    ) -> Result<FileContents> {
        if entry.kind != EntryKind::File {
            return Err(Error::MalformedManifestRow {
                file_id: entry.file_id.clone(),
                reason: format!("{:?} has no contents to read", entry.kind),
            });
        }
        if self.manifest.is_encrypted
            && entry.file.encryption_key.is_none()
            && entry.file.size == Some(0)
        {
            return Ok(FileContents::Empty);
        }
        let path = self.blob_path(entry)?;
        let file = File::open(&path).map_err(Error::io(&path))?;
        // A decrypted backup may still carry EncryptionKey, so the manifest's claim decides.
        if !self.manifest.is_encrypted {
            return Ok(FileContents::Plain(file));
        }
        let keys = keys.ok_or(Error::PasswordRequired)?;
        let reader = decrypt_file(keys, &entry.file, file)?;
        Ok(FileContents::Decrypted(Box::new(reader)))
    }
}

/// Writes a new backup folder: blobs as files are added, then Manifest.db and the plists.
pub struct BackupWriter {
    root: PathBuf,
    encryption: Option<BackupEncryption>,
    entries: Vec<ManifestEntry>,
}

impl BackupWriter {
    /// Starts a backup in `root` (created if missing), encrypted when `encryption` is given.
    pub fn create(
        root: impl Into<PathBuf>,
        encryption: Option<BackupEncryption>,
    ) -> Result<BackupWriter> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(Error::io(&root))?;
        Ok(BackupWriter {
            root,
            encryption,
            entries: Vec::new(),
        })
    }

    /// Records a directory (rows only; directories have no blob).
    pub fn add_directory(&mut self, domain: &str, file: MbFile) {
        self.entries
            .push(ManifestEntry::new(domain, EntryKind::Directory, file));
    }

    /// Records a symbolic link; its target goes in `file.target`.
    pub fn add_symlink(&mut self, domain: &str, file: MbFile) {
        self.entries
            .push(ManifestEntry::new(domain, EntryKind::Symlink, file));
    }

    /// Writes a regular file's blob (encrypted with a fresh key of `file.protection_class`
    /// when the backup is encrypted) and records it. `Size` is set from the bytes read.
    pub fn add_file(
        &mut self,
        domain: &str,
        mut file: MbFile,
        contents: impl Read,
    ) -> Result<&ManifestEntry> {
        let path = self.create_blob_path(domain, &file)?;
        let mut out = BufWriter::new(File::create(&path).map_err(Error::io(&path))?);
        let size = match &self.encryption {
            Some(enc) => {
                let (wrapped, mut reader) =
                    encrypt_file(&enc.keys, file.protection_class, contents)?;
                io::copy(&mut reader, &mut out).map_err(Error::io(&path))?;
                file.encryption_key = Some(wrapped);
                reader.plaintext_len()
            }
            None => {
                file.encryption_key = None;
                let mut contents = contents;
                io::copy(&mut contents, &mut out).map_err(Error::io(&path))?
            }
        };
        out.flush().map_err(Error::io(&path))?;
        file.size = Some(size);
        self.entries
            .push(ManifestEntry::new(domain, EntryKind::File, file));
        Ok(self.entries.last().expect("just pushed"))
    }

    /// Records a file whose blob is already in stored form (ciphertext when the backup is
    /// encrypted) with its MBFile as recorded, e.g. when exporting a snapshot kept as the device
    /// sent it. The blob is copied byte for byte.
    pub fn add_stored_file(
        &mut self,
        domain: &str,
        file: MbFile,
        mut blob: impl Read,
    ) -> Result<&ManifestEntry> {
        let path = self.create_blob_path(domain, &file)?;
        let mut out = BufWriter::new(File::create(&path).map_err(Error::io(&path))?);
        io::copy(&mut blob, &mut out).map_err(Error::io(&path))?;
        out.flush().map_err(Error::io(&path))?;
        self.entries
            .push(ManifestEntry::new(domain, EntryKind::File, file));
        Ok(self.entries.last().expect("just pushed"))
    }

    /// `<root>/xx/<fileID>` for a new blob, its folder created.
    fn create_blob_path(&self, domain: &str, file: &MbFile) -> Result<PathBuf> {
        let relative = blob_path(&file_id(domain, &file.relative_path))?;
        let path = self.root.join(relative);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(Error::io(dir))?;
        }
        Ok(path)
    }

    /// Writes Manifest.db (encrypted, with `ManifestKey`, when the backup is), Manifest.plist,
    /// Status.plist and Info.plist. The keybag and `IsEncrypted` in `manifest` are filled in
    /// here; everything else is the caller's. Returns the Manifest.plist written.
    pub fn finish(
        self,
        mut manifest: ManifestPlist,
        status: &StatusPlist,
        info: &InfoPlist,
    ) -> Result<ManifestPlist> {
        let mut db = ManifestDb::new()?;
        db.insert(&self.entries)?;
        let db_bytes = match &self.encryption {
            Some(enc) => {
                let (wrapped, ciphertext) = encrypt_manifest_db(&enc.keys, &mut db)?;
                manifest.is_encrypted = true;
                manifest.manifest_key = Some(Data::new(wrapped.to_bytes().to_vec()));
                manifest.backup_key_bag = Some(Data::new(enc.keybag.to_bytes()));
                ciphertext
            }
            None => {
                manifest.is_encrypted = false;
                manifest.manifest_key = None;
                db.to_bytes()?
            }
        };
        let write = |name: &str, bytes: &[u8]| {
            let path = self.root.join(name);
            fs::write(&path, bytes).map_err(Error::io(path))
        };
        write(MANIFEST_DB, &db_bytes)?;
        write(ManifestPlist::FILE_NAME, &manifest.to_binary()?)?;
        write(StatusPlist::FILE_NAME, &status.to_binary()?)?;
        write(InfoPlist::FILE_NAME, &info.to_xml()?)?;
        tracing::debug!(root = %self.root.display(), entries = self.entries.len(), "backup folder written");
        Ok(manifest)
    }
}
