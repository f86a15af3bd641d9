//! Restoring a snapshot (or part of it) into a folder, and `cat` of one file, streaming chunk by
//! chunk so memory stays flat whatever the file size.
//!
//! Snapshot paths are untrusted here: a damaged or hostile catalog must not make restore write
//! outside the target folder, so every path is re-validated and no symlink is followed on the way.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use keepsake_i18n::say;
use serde::Serialize;

use crate::backend::Backend;
use crate::commands::backup::check_path;
use crate::crypto::Crypto;
use crate::error::{ChunkFault, Error, Result};
use crate::pack::read_blob;
use crate::read::{self, ChunkLoc, EntryRow, SnapshotRow};
use crate::repository::Repository;

/// What a restore wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RestoreSummary {
    pub files: u64,
    pub bytes: u64,
    /// Chunks read from the packs and decrypted: a chunk shared by small files restored one
    /// after another counts once.
    pub chunks_read: u64,
}

/// A change of a file's bytes on their way out of the store (a file kept decrypted given back
/// as its device sent it, say): bytes in, bytes out, whatever is held back given by `finish`.
pub trait Transform: Send {
    fn update(&mut self, input: &[u8], out: &mut Vec<u8>);
    fn finish(&mut self, out: &mut Vec<u8>);
}

/// Which files of a restore are transformed, and how, by their path in the snapshot.
pub type Transforms<'a> = &'a (dyn Fn(&str) -> Option<Box<dyn Transform>> + Sync);

/// Writes one file of a snapshot to `out`; returns its size.
pub fn cat(repo: &Repository, snapshot: i64, path: &str, out: &mut dyn Write) -> Result<u64> {
    let snap = read::snapshot(repo, snapshot)?;
    let entry = read::entry(repo, &snap, path)?;
    read::copy_entry(repo, &snap, &entry, out, &mut |_| {})
}

/// One file of a snapshot as a reader, chunk by chunk (each verified before any of it is
/// given); a failure is an [`std::io::Error`] holding the store's [`Error`].
pub fn open_file<'r>(repo: &'r Repository, snapshot: i64, path: &str) -> Result<FileReader<'r>> {
    let snap = read::snapshot(repo, snapshot)?;
    let entry = read::entry(repo, &snap, path)?;
    Ok(FileReader {
        repo,
        snap,
        entry,
        next: 0,
        chunk: Vec::new(),
        range: 0..0,
    })
}

/// See [`open_file`].
pub struct FileReader<'r> {
    repo: &'r Repository,
    snap: SnapshotRow,
    entry: EntryRow,
    /// The next chunk to read, by its place in the file.
    next: usize,
    chunk: Vec<u8>,
    /// What of `chunk` is still to give.
    range: std::ops::Range<usize>,
}

impl std::io::Read for FileReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.range.is_empty() {
            let Some(&chunk) = self.entry.content.get(self.next) else {
                return Ok(0);
            };
            self.next += 1;
            let repo = self.repo;
            let opened = read::chunk_loc(repo, chunk).and_then(|loc| {
                let blob = read_blob(repo.backend.as_ref(), &loc.pack, loc.offset, loc.stored_len);
                let (data, range) = read::open_chunk(repo, &self.snap, &self.entry, &loc, blob)?;
                let range = read::part_range(&repo.root, self.snap.info.id, &self.entry, range)?;
                Ok((data, range))
            });
            let (data, range) = opened.map_err(std::io::Error::other)?;
            self.chunk = data;
            self.range = range;
        }
        let n = buf.len().min(self.range.len());
        buf[..n].copy_from_slice(&self.chunk[self.range.start..self.range.start + n]);
        self.range.start += n;
        Ok(n)
    }
}

/// Materialises `snapshot` into `target` (created if missing). `only` limits it to one file or
/// one folder of the snapshot. `progress` is told the bytes written so far and the bytes to
/// write (first with none written, once the files are known).
pub fn restore(
    repo: &Repository,
    snapshot: i64,
    target: &Path,
    only: Option<&str>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RestoreSummary> {
    restore_transformed(repo, snapshot, target, only, None, None, progress)
}

/// [`restore`], the files `leave_out` says yes to left out, and each file `transforms` names
/// passed through its transform on the way.
pub fn restore_transformed(
    repo: &Repository,
    snapshot: i64,
    target: &Path,
    only: Option<&str>,
    leave_out: Option<&dyn Fn(&str) -> bool>,
    transforms: Option<Transforms<'_>>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RestoreSummary> {
    let snap = read::snapshot(repo, snapshot)?;
    repo.backend.refresh();
    let mut entries: Vec<EntryRow> = match only {
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
    if let Some(leave_out) = leave_out {
        entries.retain(|e| !leave_out(&e.path));
    }
    // Small files sharing a chunk are restored together, in the order they lie in it, so each
    // chunk is read and decrypted once whatever order they were backed up in; the other files
    // follow in path order.
    entries.sort_by_key(|e| {
        e.part.map_or((1, 0, 0), |p| {
            (0, e.content.first().copied().unwrap_or(0), p.offset)
        })
    });
    fs::create_dir_all(target)
        .map_err(Error::io(target, "store-action-creating-restore-folder"))?;
    let unnamed = unnamed_files_work(target);
    // Where every chunk lies, looked up first: the catalog connection belongs to this thread.
    // A small file whose chunk the file before it used too reads nothing: it is cut from the
    // chunk already decrypted.
    let locs = read::chunk_locs(repo, entries.iter().flat_map(|e| e.content.iter().copied()))?;
    let mut plan: Vec<Vec<&ChunkLoc>> = Vec::with_capacity(entries.len());
    let mut previous: Option<&[i64]> = None;
    for e in &entries {
        let shared = e.part.is_some() && previous == Some(&e.content[..]);
        previous = e.part.map(|_| &e.content[..]);
        plan.push(match shared {
            true => Vec::new(),
            // chunk_locs found every one or failed
            false => e.content.iter().map(|c| &locs[c]).collect(),
        });
    }
    let total = entries.iter().map(|e| e.size).sum();
    tracing::debug!(
        files = entries.len(),
        chunks = locs.len(),
        "restore planned"
    );
    progress(0, total);
    // One thread reads the packs in order (waiting on the disk), this one makes the folders (and
    // decrypts the chunks small files share), and [`WRITERS`] decrypt, create and write the
    // files, each file on the least busy one (creating files is most of the kernel's work): the
    // disk, the cryptography and the file system all overlap.
    let (blobs_tx, blobs_rx) = sync_channel::<Vec<Fetched>>(FETCH_QUEUE);
    let opener = Opener {
        crypto: &repo.crypto,
        root: &repo.root,
        snapshot: snap.info.id,
        transforms,
    };
    let opener = &opener;
    // Work handed to each writer and not done yet, in bytes (a file's creation counted as
    // FILE_COST): each file goes to the writer with the least, so a large file keeps one
    // writer busy while the others take the next files, instead of turns that wait on it.
    let backlogs: Vec<AtomicU64> = (0..WRITERS).map(|_| AtomicU64::new(0)).collect();
    let summary = std::thread::scope(|scope| {
        let plan = &plan;
        let backend = repo.backend.as_ref();
        scope.spawn(move || fetch(backend, plan, &blobs_tx));
        let backlogs = &backlogs;
        let (writers, threads): (Vec<_>, Vec<_>) = backlogs
            .iter()
            .map(|backlog| {
                let (tx, rx) = sync_channel::<ToDisk>(QUEUE);
                (
                    tx,
                    scope.spawn(move || write_files(&rx, opener, unnamed, backlog)),
                )
            })
            .unzip();
        let mut summary = RestoreSummary::default();
        let mut blobs = blobs_rx.iter().flatten();
        let mut made_dirs = HashSet::new();
        // The chunk of the small files being restored, decrypted once for all of them.
        let mut group: Option<(Arc<Vec<u8>>, std::ops::Range<usize>)> = None;
        let mut read = || -> Result<()> {
            for (entry, locs) in entries.iter().zip(plan) {
                let chosen = (0..WRITERS)
                    .min_by_key(|&w| backlogs[w].load(Ordering::Relaxed))
                    .expect("there are writers");
                let (tx, backlog) = (&writers[chosen], &backlogs[chosen]);
                let dest = safe_destination(&snap, target, &entry.path, &mut made_dirs)?;
                send(tx, backlog, ToDisk::File(entry, dest))?;
                let mut next_blob = || {
                    summary.chunks_read += 1;
                    blobs.next().unwrap_or_else(|| {
                        Err(ChunkFault::Read(say(
                            "store-invalid-pack-reader-stopped",
                            &[],
                        )))
                    })
                };
                if let Some(part) = entry.part {
                    let (data, range) = match (&locs[..], group.take()) {
                        ([loc], _) => {
                            let (data, range) = opener.open(entry, loc, next_blob())?;
                            (Arc::new(data), range)
                        }
                        ([], Some(shared)) => shared,
                        _ => return Err(read::bad_part(opener.root, opener.snapshot, entry, part)),
                    };
                    let slice =
                        read::part_range(opener.root, opener.snapshot, entry, range.clone())?;
                    let len = slice.len() as u64;
                    summary.bytes += len;
                    send(tx, backlog, ToDisk::Slice(Arc::clone(&data), slice))?;
                    progress(summary.bytes, total);
                    group = Some((data, range));
                } else {
                    group = None;
                    for loc in locs {
                        let blob = next_blob();
                        let len = u64::from(loc.raw_len);
                        summary.bytes += len;
                        send(tx, backlog, ToDisk::Blob(loc, blob))?;
                        progress(summary.bytes, total);
                    }
                }
                send(tx, backlog, ToDisk::Done)?;
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
            let result = thread.join().unwrap_or_else(|_| {
                Err(Error::InvalidInput(say(
                    "store-invalid-restore-writer-panicked",
                    &[],
                )))
            });
            write_result = write_result.and(result);
        }
        // When a writer failed, the reader only saw it stop: its error is the cause.
        write_result.and(read_result).map(|()| summary)
    })?;
    // Once it says it is done, a power cut keeps every restored file.
    crate::durable::sync_filesystem(target).map_err(Error::io(
        target,
        "store-action-making-restored-files-durable",
    ))?;
    tracing::info!(repo = %repo.root.display(), snapshot, files = summary.files, "restored");
    Ok(summary)
}

/// Threads creating, filling and naming restored files (and decrypting their chunks). More than
/// the cores: each spends much of its time in the kernel creating files, and on two cores four
/// restored the 1 GB set in 3.0-3.4 s (median 3.19 s) where two took 3.45-3.52 s.
const WRITERS: usize = 4;

/// A blob as read from its pack, or why it could not be.
type Fetched = std::result::Result<Vec<u8>, ChunkFault>;

/// Batches of blobs read ahead: at most this many, of about [`FETCH_BATCH`] bytes each (or one
/// chunk, up to `cdc_max`), are in memory besides the ones being written.
const FETCH_QUEUE: usize = 8;
const FETCH_BATCH: usize = 1 << 20;

/// The pack reader: reads every planned blob in restore order, ahead of the decryption.
fn fetch(backend: &dyn Backend, plan: &[Vec<&ChunkLoc>], out: &SyncSender<Vec<Fetched>>) {
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

/// What creating, naming and dating a file weighs against writing bytes, for spreading files
/// over the writers: about what writing 64 KiB costs.
const FILE_COST: u64 = 64 << 10;

/// What the restoring thread hands a writing one, in order.
enum ToDisk<'e> {
    /// The next file begins, to be placed at this path (its folder exists).
    File(&'e EntryRow, PathBuf),
    /// The next block of its bytes, as read from its pack: decrypted and verified by the writer
    /// (so the writers share the decryption).
    Blob(&'e ChunkLoc, Fetched),
    /// All its bytes, verified: a slice of a chunk shared by small files.
    Slice(Arc<Vec<u8>>, std::ops::Range<usize>),
    /// It is complete: set its time and mode, give it its name.
    Done,
}

impl ToDisk<'_> {
    /// The work it gives a writer, as counted in the writer's backlog: its bytes, and
    /// [`FILE_COST`] for creating, naming and dating a file, counted with its last item (the
    /// restoring thread only picks a writer between files, when that item is sent too).
    fn weight(&self) -> u64 {
        match self {
            ToDisk::File(..) => 0,
            ToDisk::Blob(loc, _) => u64::from(loc.raw_len),
            ToDisk::Slice(_, range) => range.len() as u64,
            ToDisk::Done => FILE_COST,
        }
    }
}

/// Hands `item` to a writer, adding it to that writer's backlog (which the writer takes it off
/// once done).
fn send<'e>(tx: &SyncSender<ToDisk<'e>>, backlog: &AtomicU64, item: ToDisk<'e>) -> Result<()> {
    backlog.fetch_add(item.weight(), Ordering::Relaxed);
    tx.send(item)
        .map_err(|_| Error::InvalidInput(say("store-invalid-restore-writer-stopped", &[])))
}

/// What a writer needs to decrypt and verify chunks (not the repository: its catalog
/// connection stays on the restoring thread).
struct Opener<'r> {
    crypto: &'r Crypto,
    root: &'r Path,
    snapshot: i64,
    transforms: Option<Transforms<'r>>,
}

impl Opener<'_> {
    fn open(
        &self,
        entry: &EntryRow,
        loc: &ChunkLoc,
        blob: Fetched,
    ) -> Result<(Vec<u8>, std::ops::Range<usize>)> {
        read::open_chunk_with(self.crypto, self.root, self.snapshot, entry, loc, blob)
    }
}

/// A file being restored: written unnamed (or under a temporary name) until it is complete.
struct Restoring<'e> {
    entry: &'e EntryRow,
    dest: PathBuf,
    file: fs::File,
    /// The temporary name it is written under, or `None` for an unnamed file.
    partial: Option<PathBuf>,
    /// What its bytes go through, and the buffer they come out in.
    transform: Option<(Box<dyn Transform>, Vec<u8>)>,
}

impl Restoring<'_> {
    /// Deletes what was written (an unnamed file disappears when it is closed).
    fn discard(self) {
        drop(self.file);
        if let Some(partial) = self.partial {
            let _ = fs::remove_file(partial);
        }
    }

    /// The name errors give the file.
    fn shown(&self) -> &Path {
        self.partial.as_deref().unwrap_or(&self.dest)
    }
}

/// A writing thread: creates each file unnamed where the file system allows it (so a restore
/// that fails or is killed never leaves a half file, under its name or any other), fills it,
/// then gives it its name.
fn write_files(
    rx: &Receiver<ToDisk<'_>>,
    opener: &Opener,
    unnamed: bool,
    backlog: &AtomicU64,
) -> Result<()> {
    let mut current: Option<Restoring> = None;
    for item in rx {
        let done = item.weight();
        match item {
            ToDisk::File(entry, dest) => {
                let mut file = begin_file(entry, dest, unnamed)?;
                file.transform = opener
                    .transforms
                    .and_then(|t| t(&entry.path))
                    .map(|t| (t, Vec::new()));
                current = Some(file);
            }
            ToDisk::Blob(loc, blob) => {
                let file = current.as_mut().expect("data follows a file");
                let (data, range) = match opener.open(file.entry, loc, blob) {
                    Ok(chunk) => chunk,
                    Err(e) => {
                        current.take().expect("a file").discard();
                        return Err(e);
                    }
                };
                write_block(&mut current, &data[range])?;
            }
            ToDisk::Slice(data, range) => write_block(&mut current, &data[range])?,
            ToDisk::Done => finish_file(current.take().expect("done follows a file"))?,
        }
        backlog.fetch_sub(done, Ordering::Relaxed);
    }
    if let Some(file) = current.take() {
        file.discard();
    }
    Ok(())
}

/// Appends verified bytes to the file being restored; on failure it is discarded.
fn write_block(current: &mut Option<Restoring<'_>>, bytes: &[u8]) -> Result<()> {
    let file = current.as_mut().expect("data follows a file");
    let mut transformed = file.transform.take();
    let bytes = match &mut transformed {
        Some((t, out)) => {
            out.clear();
            t.update(bytes, out);
            &out[..]
        }
        None => bytes,
    };
    let result = write_plain(file, bytes);
    if let Some(file) = current.as_mut() {
        file.transform = transformed;
    }
    if let Err(e) = result {
        let shown = current.as_ref().expect("a file").shown().to_path_buf();
        current.take().expect("a file").discard();
        return Err(Error::io(shown, "store-action-writing-file")(e));
    }
    Ok(())
}

/// Writes `bytes` to the file as they are.
fn write_plain(file: &mut Restoring<'_>, bytes: &[u8]) -> std::io::Result<()> {
    crate::probe::report(
        crate::probe::Op::Write { len: bytes.len() },
        file.shown(),
        None,
    )
    .and_then(|_in_flight| file.file.write_all(bytes))
}

fn begin_file(entry: &EntryRow, dest: PathBuf, unnamed: bool) -> Result<Restoring<'_>> {
    if unnamed {
        let dir = dest.parent().expect("a restored file has a folder");
        let file = unnamed_file(dir).map_err(Error::io(dir, "store-action-creating-file"))?;
        return Ok(Restoring {
            entry,
            dest,
            file,
            partial: None,
            transform: None,
        });
    }
    // Written aside and renamed, so a failed restore never leaves a half file under the real
    // name.
    let partial = aside(&dest);
    let file = crate::durable::create(&partial)
        .map_err(Error::io(&partial, "store-action-creating-file"))?;
    Ok(Restoring {
        entry,
        dest,
        file,
        partial: Some(partial),
        transform: None,
    })
}

/// The temporary name a file is written or named under before it takes `dest`'s place.
fn aside(dest: &Path) -> PathBuf {
    dest.with_file_name(format!(
        "{}.keepsake-partial",
        dest.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ))
}

fn finish_file(mut file: Restoring<'_>) -> Result<()> {
    if let Some((mut t, mut out)) = file.transform.take() {
        out.clear();
        t.finish(&mut out);
        if let Err(e) = write_plain(&mut file, &out) {
            let shown = file.shown().to_path_buf();
            file.discard();
            return Err(Error::io(shown, "store-action-writing-file")(e));
        }
    }
    let shown = file.shown().to_path_buf();
    let entry = file.entry;
    let mtime = std::time::UNIX_EPOCH
        + std::time::Duration::from_nanos(u64::try_from(entry.mtime_ns).unwrap_or(0));
    let attributes = (|| {
        file.file.set_modified(mtime)?;
        #[cfg(unix)]
        if entry.mode & 0o7777 != 0 {
            use std::os::unix::fs::PermissionsExt;
            file.file
                .set_permissions(fs::Permissions::from_mode(entry.mode & 0o7777))?;
        }
        Ok(())
    })();
    if let Err(e) = attributes {
        file.discard();
        return Err(Error::io(
            shown,
            "store-action-setting-file-time-and-permissions",
        )(e));
    }
    match &file.partial {
        Some(partial) => crate::durable::rename(partial, &file.dest)
            .map_err(Error::io(&file.dest, "store-action-placing-restored-file")),
        None => match crate::probe::report(crate::probe::Op::Create, &file.dest, None)
            .and_then(|_in_flight| name_file(&file.file, &file.dest))
        {
            Ok(()) => Ok(()),
            // Something is already there: named aside, then put in its place (as a rename
            // replaces it).
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let aside = aside(&file.dest);
                let _ = fs::remove_file(&aside);
                name_file(&file.file, &aside)
                    .and_then(|()| fs::rename(&aside, &file.dest))
                    .map_err(Error::io(&file.dest, "store-action-placing-restored-file"))
            }
            Err(e) => Err(Error::io(&file.dest, "store-action-placing-restored-file")(
                e,
            )),
        },
    }
}

/// Whether files can be created unnamed in `dir` and named afterwards (Linux's `O_TMPFILE` and
/// `linkat` through `/proc`): most Linux file systems can, FAT and network ones often not.
/// Creating a file this way costs the kernel about half of creating it aside and renaming it.
fn unnamed_files_work(dir: &Path) -> bool {
    // A name nothing in the folder has: the probe must never replace or delete a file there.
    let probe = dir.join(format!(
        ".keepsake-restore-probe-{}",
        crate::crypto::random_hex(8)
    ));
    let works = unnamed_file(dir)
        .and_then(|f| name_file(&f, &probe))
        .is_ok();
    let _ = fs::remove_file(&probe);
    works
}

#[cfg(target_os = "linux")]
fn unnamed_file(dir: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_TMPFILE)
        .open(dir)
}

#[cfg(target_os = "linux")]
fn name_file(file: &fs::File, name: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::AsRawFd;
    let source = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
    let target = CString::new(name.as_os_str().as_bytes())?;
    // SAFETY: both are valid NUL-terminated strings that outlive the call; linkat only reads
    // them.
    let done = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            source.as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn unnamed_file(_dir: &Path) -> std::io::Result<fs::File> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(not(target_os = "linux"))]
fn name_file(_file: &fs::File, _name: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
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
                fs::create_dir(&dir).map_err(Error::io(&dir, "store-action-creating-folder"))?;
            }
            Err(e) => return Err(Error::io(&dir, "store-action-inspecting-folder")(e)),
        }
        made_dirs.insert(dir.clone());
    }
    Ok(dir.join(parts[parts.len() - 1]))
}
