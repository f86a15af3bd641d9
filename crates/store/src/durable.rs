//! The file operations the store and Keepsake's settings make, each reported to [`crate::probe`]
//! first, and the durability rules they follow.
//!
//! What survives a power cut is what was made durable: a file's bytes by an fsync of the file,
//! its name (creation, rename, deletion) by an fsync of its folder. The store relies on these
//! orderings, and the power-cut campaign (`crates/core/tests/crash_campaign.rs`) checks them by
//! throwing away everything else at each cut:
//! - a pack is written under `tmp/`, fsynced, renamed into `packs/<x>/`, and that folder fsynced
//!   (its creation too, through `packs/`) before the catalog that names it commits;
//! - the `packs-settled` mark is removed and `<repo>` fsynced before the first pack of a write
//!   appears, so a cut mid-write always leaves the leftovers searched for;
//! - a small file (the repository config, settings, pins) is written whole to a temporary name,
//!   fsynced, renamed over the old one, and its folder fsynced: old or new, never half, and the
//!   new one kept once the write returned;
//! - the catalog is SQLite in WAL mode with `synchronous=FULL`: a commit that returned survives
//!   (NORMAL would lose the last ones at a cut; the campaign fails with it).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::probe::{self, Op};

/// Creates a file, or empties the one there, reported.
pub fn create(path: &Path) -> io::Result<File> {
    let _in_flight = probe::report(Op::Create, path, None)?;
    File::create(path)
}

/// Creates a new file (failing if one is there), reported.
pub fn create_new(path: &Path) -> io::Result<File> {
    let _in_flight = probe::report(Op::Create, path, None)?;
    OpenOptions::new().write(true).create_new(true).open(path)
}

/// Makes `file`'s bytes durable.
pub fn sync_file(file: &File, path: &Path) -> io::Result<()> {
    let _in_flight = probe::report(Op::SyncFile, path, None)?;
    file.sync_all()
}

/// Makes the creations, renames and deletions inside `dir` durable (a no-op where folders
/// cannot be synced).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    let _in_flight = probe::report(Op::SyncDir, dir, None)?;
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    Ok(())
}

/// Makes everything written on the file system holding `dir` durable, files and folders: one
/// call where a restore of many files would otherwise fsync each (Linux's `syncfs`; elsewhere
/// `dir` itself is synced, and the files' own data reaches the disk in the OS's time).
pub fn sync_filesystem(dir: &Path) -> io::Result<()> {
    let _in_flight = probe::report(Op::SyncAll, dir, None)?;
    let folder = File::open(dir)?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: `folder` is an open descriptor for the duration of the call.
        if unsafe { libc::syncfs(folder.as_raw_fd()) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    #[cfg(not(target_os = "linux"))]
    folder.sync_all()?;
    Ok(())
}

/// Renames `from` to `to`, replacing `to`; durable once `to`'s folder is synced.
pub fn rename(from: &Path, to: &Path) -> io::Result<()> {
    let _in_flight = probe::report(Op::Rename, from, Some(to))?;
    fs::rename(from, to)
}

/// Deletes a file; durable once its folder is synced.
pub fn remove_file(path: &Path) -> io::Result<()> {
    let _in_flight = probe::report(Op::Remove, path, None)?;
    fs::remove_file(path)
}

/// Creates `dir` and any missing parents, each one made durable in its own parent.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_all(parent)?;
    }
    let made = {
        let _in_flight = probe::report(Op::CreateDir, dir, None)?;
        fs::create_dir(dir)
    };
    match made {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => return Ok(()),
        r => r?,
    }
    match dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => sync_dir(parent),
        None => Ok(()),
    }
}

/// Writes `bytes` to `path` so that a crash or a power cut leaves the old file or the new one,
/// never half, and the new one for good once this returns. The folder must exist.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(
        ".{name}.{}-{}.tmp",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = Reported::new(create_new(&tmp)?, &tmp);
        f.write_all(bytes)?;
        sync_file(&f.file, &tmp)?;
        drop(f);
        rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A file whose writes are reported (each call of `write`, as the buffer above it flushes).
pub struct Reported {
    pub file: File,
    path: PathBuf,
}

impl Reported {
    pub fn new(file: File, path: &Path) -> Reported {
        Reported {
            file,
            path: path.to_path_buf(),
        }
    }
}

impl Write for Reported {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _in_flight = probe::report(Op::Write { len: buf.len() }, &self.path, None)?;
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        write_atomically(&path, b"old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        let missing = dir.path().join("no/such/folder/x.json");
        assert!(write_atomically(&missing, b"x").is_err());
    }

    #[test]
    fn folders_are_created_with_their_parents() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        create_dir_all(&deep).unwrap();
        create_dir_all(&deep).unwrap();
        assert!(deep.is_dir());
    }
}
