//! Encrypting and decrypting one backup item at a time: the operations the emulator (device
//! side) and the backup engine (host side) need between the keybag and the bytes on the wire.

use std::io::{Read, Write};

use crate::crypto::{Key, WrappedKey};
use crate::error::{Error, Result};
use crate::keybag::{ClassKeys, KdfParams, Keybag, PasswordKey};
use crate::manifest_db::ManifestDb;
use crate::mbfile::MbFile;
use crate::stream::{
    decrypt_bytes, encrypt_bytes, DecryptingReader, DecryptingWriter, EncryptingReader,
};

/// Manifest.db is always wrapped with class 4 (NSFileProtectionNone) on real devices.
pub const MANIFEST_DB_CLASS: u32 = 4;

/// A backup's encryption state: the keybag stored in Manifest.plist and its unlocked class keys.
/// A device keeps this for the backup's lifetime, so incrementals reuse the class keys.
#[derive(Debug, Clone)]
pub struct BackupEncryption {
    pub keybag: Keybag,
    pub keys: ClassKeys,
}

impl BackupEncryption {
    /// Device side: a fresh keybag for `password` ([`KdfParams::DEVICE`] for real-device cost).
    pub fn generate(password: &str, params: KdfParams) -> Result<BackupEncryption> {
        let (keybag, keys) = Keybag::generate(password, params)?;
        Ok(BackupEncryption { keybag, keys })
    }

    /// Host side: unlocks a keybag read from Manifest.plist.
    pub fn unlock(keybag: Keybag, password: &str) -> Result<BackupEncryption> {
        let keys = keybag.unlock(password)?;
        Ok(BackupEncryption { keybag, keys })
    }

    /// Unlocks with a saved [`PasswordKey`] (from [`Keybag::derive_password_key`]) instead of
    /// the password, skipping the seconds-long derivation: how a device or host restores its
    /// encryption state from disk.
    pub fn unlock_with_key(keybag: Keybag, key: &PasswordKey) -> Result<BackupEncryption> {
        let keys = keybag.unlock_with_key(key)?;
        Ok(BackupEncryption { keybag, keys })
    }

    /// ChangePassword: re-wraps the same class keys, so files already stored stay readable.
    pub fn change_password(&mut self, new_password: &str, params: KdfParams) -> Result<()> {
        self.keybag.set_password(&self.keys, new_password, params)
    }
}

/// Device side: encrypts one file's contents with a fresh key of `class`. Returns the
/// `EncryptionKey` for its MBFile and a reader yielding the blob; after the reader is drained,
/// its `plaintext_len` is the `Size` to record.
pub fn encrypt_file<R: Read>(
    keys: &ClassKeys,
    class: u32,
    plaintext: R,
) -> Result<(WrappedKey, EncryptingReader<R>)> {
    let (key, wrapped) = keys.new_file_key(class)?;
    Ok((wrapped, EncryptingReader::new(&key, plaintext)))
}

/// The key of one file, unwrapped from its MBFile `EncryptionKey`.
fn file_key(keys: &ClassKeys, file: &MbFile) -> Result<Key> {
    let wrapped = file
        .encryption_key
        .as_ref()
        .ok_or_else(|| Error::mbfile(format!("{:?} has no EncryptionKey", file.relative_path)))?;
    keys.unwrap(wrapped)
}

/// Host side: a reader yielding the plaintext of a file's blob, trimmed per its MBFile `Size`.
pub fn decrypt_file<R: Read>(
    keys: &ClassKeys,
    file: &MbFile,
    blob: R,
) -> Result<DecryptingReader<R>> {
    Ok(DecryptingReader::new(
        &file_key(keys, file)?,
        blob,
        file.size,
    ))
}

/// Host side, push form of [`decrypt_file`]: write the blob into the returned writer, then call
/// `finish`; the plaintext goes to `out`.
pub fn decrypt_file_into<W: Write>(
    keys: &ClassKeys,
    file: &MbFile,
    out: W,
) -> Result<DecryptingWriter<W>> {
    Ok(DecryptingWriter::new(
        &file_key(keys, file)?,
        out,
        file.size,
    ))
}

/// Device side: Manifest.db as stored in an encrypted backup, and the `ManifestKey` for
/// Manifest.plist.
pub fn encrypt_manifest_db(keys: &ClassKeys, db: &mut ManifestDb) -> Result<(WrappedKey, Vec<u8>)> {
    let (key, wrapped) = keys.new_file_key(MANIFEST_DB_CLASS)?;
    Ok((wrapped, encrypt_bytes(&key, &db.to_bytes()?)))
}

/// Host side: opens an encrypted Manifest.db with the `ManifestKey` from Manifest.plist.
pub fn decrypt_manifest_db(
    keys: &ClassKeys,
    manifest_key: &WrappedKey,
    ciphertext: &[u8],
) -> Result<ManifestDb> {
    let key = keys.unwrap(manifest_key)?;
    ManifestDb::from_bytes(&decrypt_bytes(&key, ciphertext, None)?)
}
