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
//! Device side (the emulator) and host side (backup engine, export) meet in the middle:
//!
//! ```
//! # fn main() -> keepsake_mobilesync::Result<()> {
//! use std::io::Read;
//! use keepsake_mobilesync::*;
//!
//! // Device: a keybag for the password (KdfParams::DEVICE in real use: ~1.6 s to unlock).
//! let device = BackupEncryption::generate("pw", KdfParams { iterations: 10, dp_iterations: 10 })?;
//! let (key, mut blob_reader) = encrypt_file(&device.keys, 3, &b"hello"[..])?;
//! let mut blob = Vec::new();
//! blob_reader.read_to_end(&mut blob)?;
//! let file = MbFile {
//!     relative_path: "Library/hello.txt".into(),
//!     size: Some(blob_reader.plaintext_len()),
//!     protection_class: 3,
//!     encryption_key: Some(key),
//!     ..MbFile::default()
//! };
//!
//! // Host: the keybag (from Manifest.plist) and the password give back the plaintext.
//! let keys = Keybag::parse(&device.keybag.to_bytes())?.unlock("pw")?;
//! let mut plain = Vec::new();
//! decrypt_file(&keys, &file, blob.as_slice())?.read_to_end(&mut plain)?;
//! assert_eq!(plain, b"hello");
//! # Ok(()) }
//! ```
//!
//! Whole folders: [`BackupWriter`] writes one, [`BackupFolder`] reads one
//! (`BackupFolder::open(dir)?.unlock(pw)?`, then `manifest_db`, `entries`, `open_file`).

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
    decrypt_bytes, encrypt_bytes, exact_cbc, strip_padding, DecryptingReader, DecryptingWriter,
    Direction, EncryptingReader, EncryptingWriter, ExactCbc, ExactCbcReader, ExactCbcWriter,
};
