//! OS advisory locks (flock / LockFileEx through `fs4`): the kernel drops them when the process
//! dies, so a crash never leaves a stale lock behind, unlike a lock file whose presence is the lock.
//!
//! Two locks per repository: `locks/writer`, held exclusively by whoever changes the catalog (a
//! snapshot writer, forget, gc), so concurrent writers are refused; and `locks/readers`, held
//! shared by every open repository and exclusively by gc while it deletes packs a reader could be
//! reading.

use std::fs::{File, OpenOptions};
use std::path::Path;

use crate::error::{Error, Result};

const LOCK_DIR: &str = "locks";

fn lock_file(repo: &Path, name: &str) -> Result<File> {
    let dir = repo.join(LOCK_DIR);
    std::fs::create_dir_all(&dir).map_err(Error::io(&dir, "store-action-creating-lock-folder"))?;
    let path = dir.join(name);
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(Error::io(&path, "store-action-opening-lock"))
}

fn refused(repo: &Path, what: &'static str) -> impl FnOnce(fs4::TryLockError) -> Error {
    let repo = repo.to_path_buf();
    move |e| match e {
        fs4::TryLockError::WouldBlock => Error::Locked { repo, what },
        fs4::TryLockError::Error(source) => Error::Io {
            path: repo,
            action: "store-action-locking-repository",
            source,
        },
    }
}

/// The single-writer lock; released when the returned file is dropped (or the process dies).
pub(crate) fn writer(repo: &Path) -> Result<File> {
    let f = lock_file(repo, "writer")?;
    fs4::FileExt::try_lock(&f).map_err(refused(repo, "store-lock-writer"))?;
    Ok(f)
}

/// A shared lock every open repository holds.
pub(crate) fn reader(repo: &Path) -> Result<File> {
    let f = lock_file(repo, "readers")?;
    fs4::FileExt::try_lock_shared(&f).map_err(refused(repo, "store-lock-gc"))?;
    Ok(f)
}

/// The lock of the repository's key slots, held while one process rereads and rewrites the
/// config; waits for another one's change (they take milliseconds).
pub(crate) fn keys(repo: &Path) -> Result<File> {
    let f = lock_file(repo, "keys")?;
    fs4::FileExt::lock(&f).map_err(Error::io(repo, "store-action-locking-key-slots"))?;
    Ok(f)
}

/// Turns this handle's shared reader lock exclusive, or refuses if anyone else has it open.
///
/// Linux converts a flock by dropping the lock held and then asking for the new one, so a
/// refused conversion has lost the shared lock; left so, another process's gc could later
/// delete packs under this handle. The shared lock is therefore taken again before refusing.
/// That cannot wait long: callers hold the writer lock, and only a writer ever holds the
/// readers' lock exclusively.
pub(crate) fn upgrade(repo: &Path, readers: &File) -> Result<()> {
    match fs4::FileExt::try_lock(readers) {
        Ok(()) => Ok(()),
        Err(e) => {
            fs4::FileExt::lock_shared(readers)
                .map_err(Error::io(repo, "store-action-taking-shared-lock-again"))?;
            Err(refused(repo, "store-lock-open-elsewhere")(e))
        }
    }
}

/// Back to shared after [`upgrade`].
pub(crate) fn downgrade(repo: &Path, readers: &File) -> Result<()> {
    fs4::FileExt::lock_shared(readers).map_err(Error::io(repo, "store-action-locking-repository"))
}
