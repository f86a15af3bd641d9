//! Restoring a snapshot (or part of it) into a folder, and `cat` of one file, streaming chunk by
//! chunk so memory stays flat whatever the file size.
//!
//! Snapshot paths are untrusted here: a damaged or hostile catalog must not make restore write
//! outside the target folder, so every path is re-validated and no symlink is followed on the way.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use serde::Serialize;

use crate::backend::Backend;
use crate::commands::backup::check_path;
use crate::error::{ChunkFault, Error, Result};
use crate::pack::read_blob;
use crate::read::{self, ChunkLoc, EntryRow, SnapshotRow};
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
    // Where every chunk lies, looked up first: the catalog connection belongs to this thread.
    let plan = entries
        .iter()
        .map(|e| {
            e.content
                .iter()
                .map(|&c| read::chunk_loc(repo, c))
                .collect()
        })
        .collect::<Result<Vec<Vec<ChunkLoc>>>>()?;
    // One thread reads the packs in order (waiting on the disk), this one decrypts, verifies and
    // makes the folders, and [`WRITERS`] create and write the files, in turns (creating files is
    // most of the kernel's work): the disk, the cryptography and the file system all overlap.
    let (blobs_tx, blobs_rx) = sync_channel::<Vec<Fetched>>(FETCH_QUEUE);
    let summary = std::thread::scope(|scope| {
        let plan = &plan;
        let backend = repo.backend.as_ref();
        scope.spawn(move || fetch(backend, plan, &blobs_tx));
        let (writers, threads): (Vec<_>, Vec<_>) = (0..WRITERS)
            .map(|_| {
                let (tx, rx) = sync_channel::<ToDisk>(QUEUE);
                (tx, scope.spawn(move || write_files(&rx)))
            })
            .unzip();
        let mut summary = RestoreSummary::default();
        let mut blobs = blobs_rx.iter().flatten();
        let mut made_dirs = HashSet::new();
        let mut read = || -> Result<()> {
            for (i, (entry, locs)) in entries.iter().zip(plan).enumerate() {
                let tx = &writers[i % WRITERS];
                let dest = safe_destination(&snap, target, &entry.path, &mut made_dirs)?;
                send(tx, ToDisk::File(entry, dest))?;
                for loc in locs {
                    let blob = blobs
                        .next()
                        .unwrap_or_else(|| Err(ChunkFault::Read("the pack reader stopped".into())));
                    let (data, range) = match read::open_chunk(repo, &snap, entry, loc, blob) {
                        Ok(chunk) => chunk,
                        Err(e) => {
                            let _ = tx.send(ToDisk::Abandon);
                            return Err(e);
                        }
                    };
                    let len = range.len() as u64;
                    summary.bytes += len;
                    send(tx, ToDisk::Data(data, range))?;
                    progress(len);
                }
                send(tx, ToDisk::Done)?;
                summary.files += 1;
            }
            Ok(())
        };
        let read_result = read();
        drop(writers);
        // Stops the pack reader if it is still ahead.
        drop(blobs);
        drop(blobs_rx);
        let mut write_result = Ok(());
        for thread in threads {
            let result = thread
                .join()
                .unwrap_or_else(|_| Err(Error::InvalidInput("a restore writer panicked".into())));
            write_result = write_result.and(result);
        }
        // When a writer failed, the reader only saw it stop: its error is the cause.
        write_result.and(read_result).map(|()| summary)
    })?;
    tracing::info!(repo = %repo.root.display(), snapshot, files = summary.files, "restored");
    Ok(summary)
}

/// Threads creating and writing restored files.
const WRITERS: usize = 2;

/// A blob as read from its pack, or why it could not be.
type Fetched = std::result::Result<Vec<u8>, ChunkFault>;

/// Batches of blobs read ahead: at most this many, of about [`FETCH_BATCH`] bytes each (or one
/// chunk, up to `cdc_max`), are in memory besides the ones being written.
const FETCH_QUEUE: usize = 8;
const FETCH_BATCH: usize = 1 << 20;

/// The pack reader: reads every planned blob in restore order, ahead of the decryption.
fn fetch(backend: &dyn Backend, plan: &[Vec<ChunkLoc>], out: &SyncSender<Vec<Fetched>>) {
    let mut batch = Vec::new();
    let mut bytes = 0;
    for loc in plan.iter().flatten() {
        batch.push(read_blob(backend, &loc.pack, loc.offset, loc.stored_len));
        bytes += loc.stored_len as usize;
        if bytes >= FETCH_BATCH {
            bytes = 0;
            if out.send(std::mem::take(&mut batch)).is_err() {
                return;
            }
        }
    }
    let _ = out.send(batch);
}

/// Restored files queued for each writing thread: at most this many chunks in flight.
const QUEUE: usize = 16;

/// What the restoring thread hands a writing one, in order.
enum ToDisk<'e> {
    /// The next file begins, to be placed at this path (its folder exists).
    File(&'e EntryRow, PathBuf),
    /// The next verified block of its bytes: a buffer and where they lie in it.
    Data(Vec<u8>, std::ops::Range<usize>),
    /// It is complete: set its time and mode, give it its name.
    Done,
    /// It could not be read: delete what was written of it.
    Abandon,
}

fn send<'e>(tx: &SyncSender<ToDisk<'e>>, item: ToDisk<'e>) -> Result<()> {
    tx.send(item)
        .map_err(|_| Error::InvalidInput("the restore writer stopped".into()))
}

/// A writing thread: creates each file aside, fills it, then gives it its name.
fn write_files(rx: &Receiver<ToDisk<'_>>) -> Result<()> {
    let mut current: Option<(&EntryRow, PathBuf, PathBuf, fs::File)> = None;
    for item in rx {
        match item {
            ToDisk::File(entry, dest) => {
                // Written aside and renamed, so a failed restore never leaves a half file under
                // the real name.
                let partial = dest.with_file_name(format!(
                    "{}.keepsake-partial",
                    dest.file_name().and_then(|n| n.to_str()).unwrap_or("file")
                ));
                let file =
                    fs::File::create(&partial).map_err(Error::io(&partial, "creating a file"))?;
                current = Some((entry, dest, partial, file));
            }
            ToDisk::Data(data, range) => {
                let (_, _, partial, file) = current.as_mut().expect("data follows a file");
                if let Err(e) = file.write_all(&data[range]) {
                    let _ = fs::remove_file(&*partial);
                    return Err(Error::io(&*partial, "writing a file")(e));
                }
            }
            ToDisk::Done => {
                let (entry, dest, partial, file) = current.take().expect("done follows a file");
                finish_file(entry, &dest, &partial, file)?;
            }
            ToDisk::Abandon => {
                if let Some((_, _, partial, file)) = current.take() {
                    drop(file);
                    let _ = fs::remove_file(&partial);
                }
            }
        }
    }
    if let Some((_, _, partial, file)) = current.take() {
        drop(file);
        let _ = fs::remove_file(&partial);
    }
    Ok(())
}

fn finish_file(entry: &EntryRow, dest: &Path, partial: &Path, file: fs::File) -> Result<()> {
    let mtime = std::time::UNIX_EPOCH
        + std::time::Duration::from_nanos(u64::try_from(entry.mtime_ns).unwrap_or(0));
    file.set_modified(mtime)
        .map_err(Error::io(partial, "setting the modification time"))?;
    #[cfg(unix)]
    if entry.mode & 0o7777 != 0 {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(entry.mode & 0o7777))
            .map_err(Error::io(partial, "setting permissions"))?;
    }
    drop(file);
    fs::rename(partial, dest).map_err(Error::io(dest, "placing a restored file"))
}

/// The on-disk path for a snapshot path, creating its folders; refuses anything that could
/// escape `target` (`..`, absolute paths, symlinked folders).
/// `made_dirs` remembers the folders already checked, so each is inspected once per restore.
fn safe_destination(
    snap: &SnapshotRow,
    target: &Path,
    path: &str,
    made_dirs: &mut HashSet<PathBuf>,
) -> Result<PathBuf> {
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
        if made_dirs.contains(&dir) {
            continue;
        }
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(unsafe_path()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                fs::create_dir(&dir).map_err(Error::io(&dir, "creating a folder"))?;
            }
            Err(e) => return Err(Error::io(&dir, "inspecting a folder")(e)),
        }
        made_dirs.insert(dir.clone());
    }
    Ok(dir.join(parts[parts.len() - 1]))
}
