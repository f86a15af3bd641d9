//! The emulator's folder on disk, so a restarted virtual iPhone is the same phone with the same
//! pairings: device keys and device-side pairings, and the host pair records usbmuxd keeps.
//!
//! Layout: `usbmuxd/SystemBUID`, `usbmuxd/lockdown/<UDID>.plist` (what `/var/lib/lockdown` holds
//! for the real daemon), `devices/<UDID>/device_key.pem`, `devices/<UDID>/pairings.plist`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(|source| Error::State {
            path: root.clone(),
            source,
        })?;
        Ok(StateDir { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn usbmuxd_dir(&self) -> PathBuf {
        self.root.join("usbmuxd")
    }

    pub fn host_pair_record(&self, udid: &str) -> PathBuf {
        self.usbmuxd_dir()
            .join("lockdown")
            .join(format!("{udid}.plist"))
    }

    pub fn device_dir(&self, udid: &str) -> PathBuf {
        self.root.join("devices").join(udid)
    }
}

/// Reads a file, `None` if it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::State {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Writes through a temporary file and a rename, so a crash never leaves half a record.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let wrap = |source| Error::State {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(wrap)?;
    }
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes).map_err(wrap)?;
    fs::rename(&tmp, path).map_err(wrap)
}

pub fn remove_optional(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(Error::State {
            path: path.to_owned(),
            source,
        }),
    }
}

/// A random UUID (version 4), uppercase as Apple's host and session ids are.
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02X}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut b = vec![0u8; len];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut b);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_uppercase_v4() {
        let u = random_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_eq!(u, u.to_uppercase());
        assert_ne!(u, random_uuid());
    }

    #[test]
    fn atomic_write_then_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b.plist");
        assert_eq!(read_optional(&p).unwrap(), None);
        write_atomic(&p, b"x").unwrap();
        assert_eq!(read_optional(&p).unwrap(), Some(b"x".to_vec()));
        assert!(remove_optional(&p).unwrap());
        assert!(!remove_optional(&p).unwrap());
    }
}
