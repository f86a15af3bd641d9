//! Restoring a snapshot (or part of it) into a folder, and `cat` of one file, streaming chunk by
//! chunk so memory stays flat whatever the file size.
//!
//! Snapshot paths are untrusted here: a damaged or hostile catalog must not make restore write
//! outside the target folder, so every path is re-validated and no symlink is followed on the way.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::commands::backup::check_path;
use crate::error::{Error, Result};
use crate::read::{self, EntryRow, SnapshotRow};
use crate::repository::Repository;

/// What a restore wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RestoreSummary {
    pub files: u64,
    pub bytes: u64,
}

/// Writes one file of a snapshot to `out`; returns its size.
pub fn cat(repo: &Repository, snapshot: i64, path: &str, out: &mut dyn Write) -> Result<u64> {
    let snap = read::snapshot(repo, snapshot)?;
    let entry = read::entry(repo, &snap, path)?;
    read::copy_entry(repo, &snap, &entry, out, &mut |_| {})
}

/// Materialises `snapshot` into `target` (created if missing). `only` limits it to one file or
/// one folder of the snapshot. `progress` is told each block of bytes written.
pub fn restore(
    repo: &Repository,
    snapshot: i64,
    target: &Path,
    only: Option<&str>,
    progress: &mut dyn FnMut(u64),
) -> Result<RestoreSummary> {
    let snap = read::snapshot(repo, snapshot)?;
    repo.backend.refresh();
    let entries: Vec<EntryRow> = match only {
        Some(path) => {
            let prefix = format!("{}/", path.trim_end_matches('/'));
            let chosen: Vec<_> = read::entries(repo, &snap)?
                .into_iter()
                .filter(|e| e.path == path || e.path.starts_with(&prefix))
                .collect();
            if chosen.is_empty() {
                return Err(Error::FileNotFound {
                    repo: repo.root.clone(),
                    snapshot,
                    path: path.to_string(),
                });
            }
            chosen
        }
        None => read::entries(repo, &snap)?,
    };
    fs::create_dir_all(target).map_err(Error::io(target, "creating the restore folder"))?;
    let mut summary = RestoreSummary::default();
    for entry in &entries {
        let dest = safe_destination(&snap, target, &entry.path)?;
        summary.bytes += restore_file(repo, &snap, entry, &dest, progress)?;
        summary.files += 1;
    }
    tracing::info!(repo = %repo.root.display(), snapshot, files = summary.files, "restored");
    Ok(summary)
}

/// The on-disk path for a snapshot path, creating its folders; refuses anything that could
/// escape `target` (`..`, absolute paths, symlinked folders).
fn safe_destination(snap: &SnapshotRow, target: &Path, path: &str) -> Result<PathBuf> {
    let unsafe_path = || Error::UnsafePath {
        snapshot: snap.info.id,
        path: path.to_string(),
        target: target.to_path_buf(),
    };
    check_path(path).map_err(|_| unsafe_path())?;
    let parts: Vec<&str> = path.split('/').collect();
    let mut dir = target.to_path_buf();
    for part in &parts[..parts.len() - 1] {
        dir.push(part);
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(unsafe_path()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                fs::create_dir(&dir).map_err(Error::io(&dir, "creating a folder"))?;
            }
            Err(e) => return Err(Error::io(&dir, "inspecting a folder")(e)),
        }
    }
    Ok(dir.join(parts[parts.len() - 1]))
}

fn restore_file(
    repo: &Repository,
    snap: &SnapshotRow,
    entry: &EntryRow,
    dest: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    // Written aside and renamed, so a failed restore never leaves a half file under the real name.
    let partial = dest.with_file_name(format!(
        "{}.keepsake-partial",
        dest.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    let file = fs::File::create(&partial).map_err(Error::io(&partial, "creating a file"))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let written = match read::copy_entry(repo, snap, entry, &mut out, progress) {
        Ok(n) => n,
        Err(e) => {
            drop(out);
            let _ = fs::remove_file(&partial);
            return Err(e);
        }
    };
    let file = out
        .into_inner()
        .map_err(|e| Error::io(&partial, "writing a file")(e.into_error()))?;
    let mtime = std::time::UNIX_EPOCH
        + std::time::Duration::from_nanos(u64::try_from(entry.mtime_ns).unwrap_or(0));
    file.set_modified(mtime)
        .map_err(Error::io(&partial, "setting the modification time"))?;
    #[cfg(unix)]
    if entry.mode & 0o7777 != 0 {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(entry.mode & 0o7777))
            .map_err(Error::io(&partial, "setting permissions"))?;
    }
    drop(file);
    fs::rename(&partial, dest).map_err(Error::io(dest, "placing a restored file"))?;
    Ok(written)
}
