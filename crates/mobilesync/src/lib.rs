//! Apple's iOS backup format ("MobileSync" folders), both directions.
//!
//! What it is for: reading and writing the bytes of a backup as Finder, iTunes and
//! idevicebackup2 leave it: `Info.plist`, `Status.plist`, `Manifest.plist`, `Manifest.db` with its
//! `MBFile` archives, file IDs and the `xx/<fileID>` layout, and the encryption: the keybag,
//! class keys, per-file keys, Manifest.db's key. The device side (the virtual iPhone) generates a
//! keybag and encrypts; the host side (backup engine, export) unlocks with the password and
//! decrypts, streaming large files.
//!
//! What it is not for: talking to a device (no usbmux, lockdown or mobilebackup2 here), storing
//! snapshots, or deciding where backups live. Functions take the bytes, readers and paths the
//! caller gives; only [`BackupFolder`] and [`BackupWriter`] touch a folder, and only the one named.
//! Pre-iOS 10 `Manifest.mbdb` backups are not supported.
//!
//! Everything read from a backup is untrusted: lengths are bounds-checked, sizes and iteration
//! counts capped, and malformed input is an [`Error`] naming what was wrong, never a panic.
//!
//! ```no_run
//! # fn main() -> keepsake_mobilesync::Result<()> {
//! use std::io::Read;
//! use keepsake_mobilesync::BackupFolder;
//!
//! let backup = BackupFolder::open("/path/to/Backup/00008030-001A2B3C4D5E6F70")?;
//! let keys = if backup.manifest.is_encrypted { Some(backup.unlock("password")?) } else { None };
//! for entry in backup.manifest_db(keys.as_ref())?.entries()? {
//!     if entry.kind == keepsake_mobilesync::EntryKind::File {
//!         let mut contents = Vec::new();
//!         backup.open_file(&entry, keys.as_ref())?.read_to_end(&mut contents)?;
//!     }
//! }
//! # Ok(()) }
//! ```

mod crypto;
mod encryption;
mod error;
mod file_id;
mod folder;
mod keybag;
mod manifest_db;
mod mbfile;
mod plists;
mod stream;

pub use crypto::{Key, WrappedKey, KEY_LEN, WRAPPED_KEY_LEN};
pub use encryption::{
    decrypt_file, decrypt_file_into, decrypt_manifest_db, encrypt_file, encrypt_manifest_db,
    BackupEncryption, MANIFEST_DB_CLASS,
};
pub use error::{Error, Result};
pub use file_id::{blob_path, file_id};
pub use folder::{BackupFolder, BackupWriter, FileContents, MANIFEST_DB};
pub use keybag::{
    ClassEntry, ClassKeys, KdfParams, Keybag, PasswordKey, KEYBAG_TYPE_BACKUP, MAX_KEYBAG_LEN,
    WRAP_DEVICE, WRAP_PASSCODE,
};
pub use manifest_db::{EntryKind, ManifestDb, ManifestEntry, MAX_MANIFEST_DB_LEN, SQLITE_MAGIC};
pub use mbfile::{MbFile, MAX_MBFILE_LEN, MODE_DIRECTORY, MODE_FILE, MODE_SYMLINK};
pub use plists::{
    BackupPlist, InfoPlist, Lockdown, ManifestPlist, StatusPlist, MAX_PLIST_LEN, SNAPSHOT_FINISHED,
};
pub use stream::{
    decrypt_bytes, encrypt_bytes, DecryptingReader, DecryptingWriter, EncryptingReader,
    EncryptingWriter,
};
