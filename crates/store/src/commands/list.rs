//! Listing snapshots and the files of one.

use crate::error::Result;
use crate::read::{self, FileInfo, SnapshotInfo};
use crate::repository::Repository;

/// Every snapshot of every device, oldest first.
pub fn snapshots(repo: &Repository) -> Result<Vec<SnapshotInfo>> {
    Ok(read::all_snapshots(repo)?
        .into_iter()
        .map(|s| s.info)
        .collect())
}

/// The newest snapshot of `device`, if it has one.
pub fn latest(repo: &Repository, device: &str) -> Result<Option<SnapshotInfo>> {
    Ok(snapshots(repo)?
        .into_iter()
        .filter(|s| s.device == device)
        .max_by_key(|s| s.seq))
}

/// The files of one snapshot, sorted by path.
pub fn files(repo: &Repository, snapshot: i64) -> Result<Vec<FileInfo>> {
    let snap = read::snapshot(repo, snapshot)?;
    Ok(read::entries(repo, &snap)?
        .iter()
        .map(read::EntryRow::info)
        .collect())
}

/// One file of a snapshot, or `None` when the snapshot has no such file.
pub fn file(repo: &Repository, snapshot: i64, path: &str) -> Result<Option<FileInfo>> {
    let snap = read::snapshot(repo, snapshot)?;
    match read::entry(repo, &snap, path) {
        Ok(entry) => Ok(Some(entry.info())),
        Err(crate::Error::FileNotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}
