//! What a backup writes into: the [`BackupFolder`] trait, the gate every device-named path
//! passes, and the plain Finder-layout directory that implements it.

use crate::Step;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use keepsake_devicelink as dl;

use crate::error::{DeviceError, Result};

/// Where a backup's files go: a folder laid out as Finder's `<root>/<UDID>/...`, real or virtual.
/// Paths are relative to the root and already validated (no `..`, no absolute paths).
pub trait BackupFolder: Send {
    /// A file's content, or `None` when it does not exist.
    fn open(&mut self, path: &Path) -> io::Result<Option<Box<dyn Read + Send + '_>>>;
    /// Starts (or replaces) a file; its data follows through `write`, then `finish`.
    fn create(&mut self, path: &Path) -> io::Result<()>;
    /// [`create`](Self::create) of a file the device uploads, with the path it has on the
    /// device: informational only (its extension says whether it is a photo, say), never a path
    /// on this host.
    fn create_from(&mut self, path: &Path, device_path: &str) -> io::Result<()> {
        let _ = device_path;
        self.create(path)
    }
    fn write(&mut self, data: &[u8]) -> io::Result<()>;
    /// [`BackupFolder::write`] of a block the caller is done with: a folder that keeps blocks
    /// (the store's, which hands them to its writer thread) takes it without a copy.
    fn write_owned(&mut self, data: Vec<u8>) -> io::Result<()> {
        self.write(&data)
    }
    /// A buffer to read the next block into, then hand back through
    /// [`BackupFolder::write_owned`]. A folder that keeps blocks recycles those its writer is
    /// done with, so that a backup does not take fresh memory (which the kernel must zero) for
    /// every block.
    fn block_buffer(&mut self) -> Vec<u8> {
        Vec::new()
    }
    fn finish(&mut self) -> io::Result<()>;
    /// Drops the file being written (the device could not send all of it): whatever the folder
    /// held at that path before stays as it was.
    fn abort(&mut self) -> io::Result<()>;
    fn create_dir(&mut self, path: &Path) -> io::Result<()>;
    /// Entries of a directory: (name, is_dir, size, mtime Unix seconds).
    fn list(&mut self, path: &Path) -> io::Result<Vec<(String, bool, u64, i64)>>;
    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes a file or a whole directory; a missing path is not an error.
    fn remove(&mut self, path: &Path) -> io::Result<()>;
    fn copy(&mut self, from: &Path, to: &Path) -> io::Result<()>;
    /// Bytes free where the backup is stored.
    fn free_space(&mut self) -> io::Result<u64>;
}

/// A UDID as devices have them: letters, digits and dashes, nothing that could name a path.
pub fn is_plain_udid(udid: &str) -> bool {
    !udid.is_empty()
        && udid.len() <= 64
        && udid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Checks a path the device names: relative, inside `<udid>/`, no `.`/`..`, bounded. This is the
/// one gate between the device and the host's files.
pub fn checked_path(udid: &str, raw: &str) -> Result<PathBuf> {
    let refuse = |why: &str| refused_path(udid, raw, why);
    if raw.is_empty()
        || raw.len() > dl::MAX_NAME_LEN as usize
        || raw.contains('\0')
        || raw.contains('\\')
    {
        return Err(refuse("is empty, too long or has forbidden characters"));
    }
    let path = Path::new(raw);
    let mut components = path.components();
    match components.next() {
        Some(Component::Normal(first)) if first == udid => {}
        _ => return Err(refuse("is not inside the device's folder")),
    }
    if !components.all(|c| matches!(c, Component::Normal(_)))
        || raw
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(refuse("climbs out of its folder or is not a plain path"));
    }
    Ok(path.to_path_buf())
}

/// [`checked_path`] for a file the device writes, reads, moves or copies: below `<udid>/`,
/// never the device's folder itself (which a plain folder would replace by a file, or a move
/// wipe whole).
pub fn checked_file_path(udid: &str, raw: &str) -> Result<PathBuf> {
    let path = checked_path(udid, raw)?;
    if path.components().count() < 2 {
        return Err(refused_path(
            udid,
            raw,
            "is the device's folder, not a file in it",
        ));
    }
    Ok(path)
}

fn refused_path(udid: &str, raw: &str, why: &str) -> DeviceError {
    // A name of thousands of characters is shown by its start and its length.
    const SHOWN: usize = 200;
    let shown = if raw.len() <= SHOWN {
        format!("{raw:?}")
    } else {
        let mut end = SHOWN;
        while !raw.is_char_boundary(end) {
            end -= 1;
        }
        format!("{:?}… ({} bytes)", &raw[..end], raw.len())
    };
    DeviceError::Malformed {
        device: udid.to_owned(),
        what: Step::FilePath,
        detail: format!("{shown} {why}; nothing was written outside the device's folder"),
    }
}

/// The folder of an operation that touches no backup files (ChangePassword): every request
/// fails, as it would on an empty, read-only folder.
pub(super) struct NoFiles;

impl BackupFolder for NoFiles {
    fn open(&mut self, _: &Path) -> io::Result<Option<Box<dyn Read + Send + '_>>> {
        Ok(None)
    }
    fn create(&mut self, _: &Path) -> io::Result<()> {
        Err(io::ErrorKind::PermissionDenied.into())
    }
    fn write(&mut self, _: &[u8]) -> io::Result<()> {
        Err(io::ErrorKind::PermissionDenied.into())
    }
    fn finish(&mut self) -> io::Result<()> {
        Err(io::ErrorKind::PermissionDenied.into())
    }
    fn abort(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn create_dir(&mut self, _: &Path) -> io::Result<()> {
        Err(io::ErrorKind::PermissionDenied.into())
    }
    fn list(&mut self, _: &Path) -> io::Result<Vec<(String, bool, u64, i64)>> {
        Ok(Vec::new())
    }
    fn rename(&mut self, _: &Path, _: &Path) -> io::Result<()> {
        Err(io::ErrorKind::PermissionDenied.into())
    }
    fn remove(&mut self, _: &Path) -> io::Result<()> {
        Ok(())
    }
    fn copy(&mut self, _: &Path, _: &Path) -> io::Result<()> {
        Err(io::ErrorKind::PermissionDenied.into())
    }
    fn free_space(&mut self) -> io::Result<u64> {
        Ok(0)
    }
}

/// A plain folder in Finder's layout (`<root>/<UDID>/…`): what `idevicebackup2` writes, and what
/// an export produces.
pub struct DirFolder {
    root: PathBuf,
    writing: Option<(PathBuf, std::fs::File)>,
}

impl DirFolder {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirFolder {
            root: root.into(),
            writing: None,
        }
    }
}

impl Drop for DirFolder {
    /// A file cut short (the device went away mid-file) leaves no partial file behind.
    fn drop(&mut self) {
        if let Some((full, file)) = self.writing.take() {
            drop(file);
            let _ = std::fs::remove_file(full.with_extension("keepsake-partial"));
        }
    }
}

impl BackupFolder for DirFolder {
    fn open(&mut self, path: &Path) -> io::Result<Option<Box<dyn Read + Send + '_>>> {
        match std::fs::File::open(self.root.join(path)) {
            Ok(f) => Ok(Some(Box::new(f))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn create(&mut self, path: &Path) -> io::Result<()> {
        let full = self.root.join(path);
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = full.with_extension("keepsake-partial");
        self.writing = Some((full, std::fs::File::create(&tmp)?));
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        use std::io::Write;
        match &mut self.writing {
            Some((_, f)) => f.write_all(data),
            None => Err(io::Error::other("no file is being written")),
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        let (full, file) = self
            .writing
            .take()
            .ok_or_else(|| io::Error::other("no file is being written"))?;
        file.sync_all()?;
        std::fs::rename(full.with_extension("keepsake-partial"), &full)
    }

    fn abort(&mut self) -> io::Result<()> {
        match self.writing.take() {
            Some((full, file)) => {
                drop(file);
                std::fs::remove_file(full.with_extension("keepsake-partial"))
            }
            None => Ok(()),
        }
    }

    fn create_dir(&mut self, path: &Path) -> io::Result<()> {
        std::fs::create_dir_all(self.root.join(path))
    }

    fn list(&mut self, path: &Path) -> io::Result<Vec<(String, bool, u64, i64)>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.root.join(path))? {
            let entry = entry?;
            let meta = entry.metadata()?;
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs() as i64);
            out.push((
                entry.file_name().to_string_lossy().into_owned(),
                meta.is_dir(),
                meta.len(),
                mtime,
            ));
        }
        Ok(out)
    }

    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        let to = self.root.join(to);
        if to.is_dir() {
            std::fs::remove_dir_all(&to)?;
        }
        std::fs::rename(self.root.join(from), to)
    }

    fn remove(&mut self, path: &Path) -> io::Result<()> {
        let full = self.root.join(path);
        let r = if full.is_dir() {
            std::fs::remove_dir_all(&full)
        } else {
            std::fs::remove_file(&full)
        };
        match r {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn copy(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::copy(self.root.join(from), self.root.join(to)).map(|_| ())
    }

    fn free_space(&mut self) -> io::Result<u64> {
        fs4::available_space(&self.root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: &str = "00008110-000A1B2C3D4E5F60";

    #[test]
    fn device_paths_must_stay_inside_the_device_folder() {
        assert_eq!(
            checked_path(U, &format!("{U}/Status.plist")).unwrap(),
            Path::new(U).join("Status.plist")
        );
        assert!(checked_path(
            U,
            &format!("{U}/3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28")
        )
        .is_ok());
        assert!(checked_path(U, U).is_ok());
        for bad in [
            "/etc/passwd".to_owned(),
            format!("{U}/../../etc/passwd"),
            format!("{U}/./x"),
            format!("{U}//x"),
            "OTHER-DEVICE/Status.plist".to_owned(),
            "..".to_owned(),
            String::new(),
            format!("{U}/a\0b"),
            format!("{U}/a\\..\\b"),
            format!("{U}/{}", "x".repeat(5000)),
        ] {
            let err = checked_path(U, &bad).unwrap_err();
            assert!(
                err.to_string().contains("nothing was written outside"),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn a_file_path_is_below_the_device_folder_not_the_folder_itself() {
        assert!(checked_file_path(U, &format!("{U}/Status.plist")).is_ok());
        let err = checked_file_path(U, U).unwrap_err().to_string();
        assert!(
            err.contains("is the device's folder, not a file in it"),
            "{err}"
        );
        assert!(checked_file_path(U, &format!("{U}/../x")).is_err());
        // a long name is shown by its start and its length
        let long = format!("{U}/{}", "x/..".repeat(900));
        let err = checked_path(U, &long).unwrap_err().to_string();
        assert!(err.contains(&format!("… ({} bytes)", long.len())), "{err}");
        assert!(err.len() < 500, "{err}");
    }

    #[test]
    fn dir_folder_writes_atomically_and_lists() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = DirFolder::new(dir.path());
        let p = Path::new(U).join("ab/abcdef");
        f.create(&p).unwrap();
        f.write(b"hello ").unwrap();
        assert!(!dir.path().join(&p).exists(), "visible only when finished");
        f.write(b"world").unwrap();
        f.finish().unwrap();
        assert_eq!(std::fs::read(dir.path().join(&p)).unwrap(), b"hello world");
        let listing = f.list(&Path::new(U).join("ab")).unwrap();
        assert_eq!(
            listing,
            vec![("abcdef".to_owned(), false, 11, listing[0].3)]
        );
        f.remove(&p).unwrap();
        f.remove(&p).unwrap();
        assert!(f.open(&p).unwrap().is_none());
    }

    #[test]
    fn an_aborted_file_leaves_the_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = DirFolder::new(dir.path());
        let p = Path::new(U).join("ab/abcdef");
        f.create(&p).unwrap();
        f.write(b"yesterday").unwrap();
        f.finish().unwrap();
        f.create(&p).unwrap();
        f.write(b"half of tod").unwrap();
        f.abort().unwrap();
        assert_eq!(std::fs::read(dir.path().join(&p)).unwrap(), b"yesterday");
        let names: Vec<_> = f.list(&Path::new(U).join("ab")).unwrap();
        assert_eq!(names.len(), 1, "no partial file is left: {names:?}");
    }
}
