//! A test-only SQLite VFS that can cut the power.
//!
//! [`install`] registers, as the default VFS of the process, a thin wrapper around SQLite's own
//! `unix` VFS. Every call is forwarded to it; on the way the wrapper
//!
//! - tells a callback about each file operation SQLite is about to make ([`VfsOp`]), before it is
//!   made, so a test can stop the world at any chosen point, and
//! - keeps, for every file SQLite opened by name, what that file would hold after a power cut, so
//!   that [`power_cut`] can put every such file back in that state. The test then kills its own
//!   process (SIGKILL: nothing runs after it, as nothing runs after a power cut) and another
//!   process opens the database, as the program would after a reboot.
//!
//! Because the wrapper is the default VFS of the whole process and a cut is followed by the
//! process's death, a test runs each scenario in a child process (the test binary run again on
//! one ignored test) and checks the files from the parent, which never installs the wrapper.
//!
//! # The model
//!
//! State is kept per path, for the files opened through the wrapper with a name (temporary files,
//! opened without one or to be deleted on close, pass through untracked).
//!
//! - **Content.** What a file held at its last `xSync` is durable; everything written since is
//!   not. A file that existed when the wrapper first saw it counts as synced then. Before each
//!   `xWrite` and `xTruncate` the wrapper keeps the durable bytes about to be overwritten or cut
//!   off (each byte once between two syncs: the oldest copy is the durable one), and `xSync`
//!   forgets them and takes the file's size as its durable size. A cut writes the kept bytes back
//!   and truncates the file to its durable size.
//! - **Directory entries.** A file that existed when first opened is named durably. A file that
//!   `xOpen` created is not, until its folder is synced. The unix VFS syncs the folder itself on
//!   the first `xSync` of a journal or WAL it opened with `SQLITE_OPEN_CREATE` (its `DIRSYNC`
//!   flag), and on an `xDelete` asked to (`syncDir`); for every other file (the main database)
//!   whoever syncs the folder says so with [`dir_synced`], as Keepsake's own code syncs the
//!   repository folder after creating `catalog.db`. A folder sync makes every entry of that
//!   folder durable, as `fsync(2)` of a directory does: the files created in it and the files
//!   deleted from it. A cut deletes the files whose entry is not durable.
//! - **Deletions.** An `xDelete` without `syncDir` can be undone by a cut: the wrapper keeps the
//!   file's durable content (its bytes with the kept bytes put back, cut to its durable size) and
//!   a cut writes it back. A file whose entry never was durable comes back as nothing.
//! - **Shared memory.** A cut deletes the `-shm` file of every database the wrapper opened: a
//!   reboot loses the WAL index, and the next opener rebuilds it from the WAL.
//! - **After the cut** nothing reaches the disk again: every later write, truncation, sync,
//!   deletion and creating open fails with `SQLITE_IOERR` (`SQLITE_CANTOPEN` for an open) without
//!   touching the disk, so whatever runs between the cut and the process's death changes nothing.
//!
//! # Limits
//!
//! - Byte-granular and all-or-nothing: a cut keeps exactly the synced bytes and loses every
//!   unsynced one. A real disk may keep any part of an unsynced write, tear a sector in two, or
//!   persist writes out of order; this model never does (no torn sectors, no partial or
//!   reordered writes), so it finds the code that trusts unsynced data, not the code that
//!   trusts a sector to be written whole.
//! - `fsync` and `fdatasync` are the same here: a sync makes the size durable too (it does for
//!   appended data on Linux).
//! - Only what goes through the VFS is seen: files written with `std::fs`, the `-shm` mapping,
//!   and the extension of a file by `SQLITE_FCNTL_SIZE_HINT` (only past its end) are not
//!   modelled or reported. Folders themselves are taken as durable.
//! - One process, one cut: the state is the process's, and the wrapper refuses to write once a
//!   cut was taken.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

use std::collections::{BTreeMap, HashMap};
use std::ffi::{c_char, c_int, c_void, CStr, OsStr, OsString};
use std::fs::{self, OpenOptions};
use std::ops::Range;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{LazyLock, Mutex, MutexGuard, Once, PoisonError};

use rusqlite::ffi;

/// A file operation SQLite is about to make, reported before it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VfsOp {
    /// `xOpen` is about to create a file that does not exist.
    Create,
    /// `xWrite` is about to write bytes.
    Write,
    /// `xTruncate` is about to change the file's size.
    Truncate,
    /// `xSync` is about to make the file's content durable.
    Sync,
    /// `xDelete` is about to delete the file.
    Delete,
}

/// Registers the wrapper as the default VFS of this process (idempotent; later calls only
/// replace the callback). Call before opening any connection.
///
/// `on_op` is called before every operation SQLite makes on a file it named, with the file's
/// path, and without any lock of the wrapper held: it may call [`power_cut`] and then kill the
/// process (`libc::kill(libc::getpid(), libc::SIGKILL)`). An error it returns is the
/// operation's (ENOSPC becomes `SQLITE_FULL`), which then leaves the disk alone. If it
/// returns after a cut, the
/// operation fails with `SQLITE_IOERR` and leaves the disk alone. A panic in it aborts the
/// process (it runs inside SQLite's C frames).
pub fn install(on_op: fn(VfsOp, &Path) -> std::io::Result<()>) {
    *CALLBACK.lock().unwrap_or_else(PoisonError::into_inner) = Some(on_op);
    INSTALLED.call_once(register);
}

/// Everything SQLite wrote since the last sync of each file is thrown away, as a power cut
/// would: every file the wrapper saw is put back in its durable state (see the module's doc),
/// with `std::fs`, not through SQLite. A file whose directory entry never became durable is
/// deleted, a file deleted since its entry became durable comes back with its durable content,
/// every other file gets its overwritten durable bytes back and is cut to its durable size; then
/// the `-shm` file of every database goes.
///
/// From then on the wrapper writes nothing: every later write, truncation, sync, deletion or
/// creating open from SQLite fails with `SQLITE_IOERR` (`SQLITE_CANTOPEN`) without touching the
/// disk. Meant to be followed by the process's death; calling it again does nothing. Safe to call
/// from inside the callback given to [`install`].
pub fn power_cut() {
    let mut files = files();
    if CUT.swap(true, Ordering::SeqCst) {
        return;
    }
    let count = files.len();
    let mut databases = Vec::new();
    for (path, state) in files.drain() {
        if state.main_db {
            databases.push(path.clone());
        }
        if let Err(e) = state.revert(&path) {
            tracing::error!(path = %path.display(), "power cut: could not revert the file: {e}");
        }
    }
    for db in databases {
        let mut shm = OsString::from(db.as_os_str());
        shm.push("-shm");
        if let Err(e) = remove_if_there(Path::new(&shm)) {
            tracing::error!(path = %db.display(), "power cut: could not delete the -shm: {e}");
        }
    }
    tracing::info!(
        files = count,
        "power cut: every file is back to its durable state"
    );
}

/// Tells the VFS that folder `dir` was fsynced by someone else (our own code syncs the
/// repository folder after creating catalog.db): files created in it become durable entries.
///
/// Files deleted from it are then gone for good, as a directory's fsync makes its deletions
/// durable too. Does nothing after a [`power_cut`].
pub fn dir_synced(dir: &Path) {
    let mut files = files();
    if !CUT.load(Ordering::SeqCst) {
        sync_dir(&mut files, dir);
    }
}

// ---------------------------------------------------------------------------------------------
// The durability model
// ---------------------------------------------------------------------------------------------

/// The name of the wrapper among the process's VFSes.
const VFS_NAME: &CStr = c"keepsake-powercut";

/// What [`install`] is given.
type Callback = fn(VfsOp, &Path) -> std::io::Result<()>;
/// The callback given to [`install`].
static CALLBACK: Mutex<Option<Callback>> = Mutex::new(None);
/// Registration happens once per process.
static INSTALLED: Once = Once::new();
/// The `unix` VFS the wrapper forwards to; set before the wrapper is registered.
static REAL_VFS: AtomicPtr<ffi::sqlite3_vfs> = AtomicPtr::new(ptr::null_mut());
/// Set by [`power_cut`]: from then on nothing is written.
static CUT: AtomicBool = AtomicBool::new(false);
/// What every tracked path would hold after a power cut.
static FILES: LazyLock<Mutex<HashMap<PathBuf, FileState>>> = LazyLock::new(Default::default);

/// The locked state of every tracked path.
type Files = MutexGuard<'static, HashMap<PathBuf, FileState>>;

fn files() -> Files {
    FILES.lock().unwrap_or_else(PoisonError::into_inner)
}

fn cut() -> bool {
    CUT.load(Ordering::SeqCst)
}

/// Calls the callback, holding no lock; an error it returns becomes the operation's SQLite
/// error (ENOSPC a full disk, anything else an I/O error of the operation's kind).
fn report(op: VfsOp, path: &Path) -> Result<(), c_int> {
    let callback = *CALLBACK.lock().unwrap_or_else(PoisonError::into_inner);
    tracing::trace!(?op, path = %path.display(), "vfs");
    let Some(callback) = callback else {
        return Ok(());
    };
    callback(op, path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ENOSPC) {
            return ffi::SQLITE_FULL;
        }
        match op {
            VfsOp::Create => ffi::SQLITE_CANTOPEN,
            VfsOp::Write => ffi::SQLITE_IOERR_WRITE,
            VfsOp::Truncate => ffi::SQLITE_IOERR_TRUNCATE,
            VfsOp::Sync => ffi::SQLITE_IOERR_FSYNC,
            VfsOp::Delete => ffi::SQLITE_IOERR_DELETE,
        }
    })
}

/// What an operation that changes the disk does before it does: reports `op` on `path` (holding
/// no lock), then locks the files. `Err` is the code to fail with: the callback's, or
/// `SQLITE_IOERR` once the power is cut (looked at under the lock, so a cut the callback made is
/// seen).
fn report_then_lock(op: VfsOp, path: &Path) -> Result<Files, c_int> {
    report(op, path)?;
    let files = files();
    if cut() {
        return Err(ffi::SQLITE_IOERR);
    }
    Ok(files)
}

/// The durable bytes of a file that writes and truncations since its last sync overwrote or cut
/// off: disjoint ranges, by offset. Each byte is kept once, the first time it is about to change
/// (the oldest copy is the durable one), so putting them back in any order restores the file.
#[derive(Debug, Default)]
struct Undo(BTreeMap<u64, Vec<u8>>);

impl Undo {
    /// The parts of `start..end` that no kept range covers yet.
    fn gaps(&self, start: u64, end: u64) -> Vec<(u64, u64)> {
        let mut gaps = Vec::new();
        if start >= end {
            return gaps;
        }
        let mut at = start;
        if let Some((&s, bytes)) = self.0.range(..start).next_back() {
            at = at.max(s + bytes.len() as u64);
        }
        for (&s, bytes) in self.0.range(start..end) {
            if s > at {
                gaps.push((at, s));
            }
            at = at.max(s + bytes.len() as u64);
        }
        if at < end {
            gaps.push((at, end));
        }
        gaps
    }

    /// Keeps `bytes`, the durable content at `start` (a gap returned by [`Undo::gaps`]).
    fn keep(&mut self, start: u64, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.0.insert(start, bytes);
        }
    }
}

/// What a path's durable directory entry names.
#[derive(Debug)]
enum Entry {
    /// Nothing: the file was created and its folder not synced since.
    Absent,
    /// The file the path names now.
    Current,
    /// A file deleted since (not durably): its durable content.
    Old(Vec<u8>),
}

/// One tracked path.
#[derive(Debug)]
struct FileState {
    entry: Entry,
    /// Whether the path names a file now (false after a deletion).
    exists: bool,
    /// The size of the file the path names now, at its last sync.
    durable_size: u64,
    /// That file's durable bytes changed since its last sync.
    undo: Undo,
    /// Opened as a main database: its `-shm` goes at a cut.
    main_db: bool,
}

impl FileState {
    fn new(entry: Entry, durable_size: u64) -> FileState {
        FileState {
            entry,
            exists: true,
            durable_size,
            undo: Undo::default(),
            main_db: false,
        }
    }

    /// The durable content of the file the path names now, given the bytes it holds.
    fn durable_content(&self, mut bytes: Vec<u8>) -> Vec<u8> {
        let size = usize::try_from(self.durable_size).expect("a file that fits in memory");
        bytes.resize(size, 0);
        for (&start, kept) in &self.undo.0 {
            // Kept ranges lie below the durable size (they are cut to it when kept).
            let start = (start as usize).min(size);
            let end = (start + kept.len()).min(size);
            bytes[start..end].copy_from_slice(&kept[..end - start]);
        }
        bytes
    }

    /// Puts `path` back in its durable state, with `std::fs`.
    fn revert(&self, path: &Path) -> std::io::Result<()> {
        match &self.entry {
            Entry::Absent => remove_if_there(path),
            Entry::Old(bytes) => fs::write(path, bytes),
            Entry::Current => {
                let file = OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(path)?;
                for (&start, kept) in &self.undo.0 {
                    file.write_all_at(kept, start)?;
                }
                file.set_len(self.durable_size)
            }
        }
    }
}

fn remove_if_there(path: &Path) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Folder `dir` was synced: every entry in it is durable, deletions included.
fn sync_dir(files: &mut HashMap<PathBuf, FileState>, dir: &Path) {
    let canonical = fs::canonicalize(dir).ok();
    files.retain(|path, state| {
        let parent = path.parent();
        if parent != Some(dir) && (canonical.is_none() || parent != canonical.as_deref()) {
            return true;
        }
        if !state.exists {
            return false;
        }
        state.entry = Entry::Current;
        true
    });
}

/// The state of `path`, which a handle of ours has open: a path the model lost track of (only
/// when something outside SQLite removed it) is taken as durable as it is now.
fn state_for<'a>(
    files: &'a mut HashMap<PathBuf, FileState>,
    path: &Path,
    size: u64,
) -> &'a mut FileState {
    if !files.contains_key(path) {
        tracing::warn!(path = %path.display(), "vfs: an open file the model did not know");
        files.insert(path.to_owned(), FileState::new(Entry::Current, size));
    }
    files.get_mut(path).expect("just inserted")
}

// ---------------------------------------------------------------------------------------------
// The wrapper's files
// ---------------------------------------------------------------------------------------------

/// A file opened through the wrapper: SQLite's `sqlite3_file` first, then our bookkeeping, then
/// (at [`REAL_OFFSET`]) the real VFS's file.
#[repr(C)]
struct WrapFile {
    base: ffi::sqlite3_file,
    /// The tracked path; `None` for the files that pass through untracked.
    path: Option<PathBuf>,
    /// The unix VFS will sync the folder on this handle's next `xSync` (its `DIRSYNC` flag).
    dirsync: bool,
}

/// Where the real file starts in the memory SQLite gives us (szOsFile bytes, 8-aligned, as
/// `sqlite3_malloc` aligns): past our header, at a multiple of 16.
const REAL_OFFSET: usize = size_of::<WrapFile>().next_multiple_of(16);
const _: () = assert!(
    align_of::<WrapFile>() <= 8,
    "SQLite aligns files to 8 bytes"
);

/// Our part of `file` and the real file after it.
///
/// # Safety
/// `file` is a file SQLite opened through [`vfs_open`], not yet closed.
unsafe fn parts<'a>(file: *mut ffi::sqlite3_file) -> (&'a mut WrapFile, *mut ffi::sqlite3_file) {
    // SAFETY: `vfs_open` wrote a `WrapFile` at `file` and the real file REAL_OFFSET bytes after,
    // inside the szOsFile bytes SQLite allocated; SQLite makes one call on a file at a time.
    unsafe {
        (
            &mut *file.cast::<WrapFile>(),
            file.cast::<u8>().add(REAL_OFFSET).cast(),
        )
    }
}

/// Calls the real file's `$method` with `$args`, or gives `$missing` if it has none.
macro_rules! forward {
    ($real:expr, $method:ident, $missing:expr $(, $arg:expr)*) => {{
        let real: *mut ffi::sqlite3_file = $real;
        // SAFETY: `real` is the real VFS's file, opened by its xOpen with a non-null pMethods
        // (else SQLite would not call us on it), and called as SQLite called us, with the
        // arguments SQLite gave.
        match unsafe { (*(*real).pMethods).$method } {
            // SAFETY: as above.
            Some(method) => unsafe { method(real $(, $arg)*) },
            None => $missing,
        }
    }};
}

/// Calls the real VFS's `$method` with `$args`, or gives `$missing` if it has none.
macro_rules! forward_vfs {
    ($method:ident, $missing:expr $(, $arg:expr)*) => {{
        let real = REAL_VFS.load(Ordering::Acquire);
        // SAFETY: `real` is the registered `unix` VFS (set before the wrapper was registered, so
        // before SQLite could call us), which lives as long as the process; the arguments are
        // the ones SQLite gave us.
        match unsafe { (*real).$method } {
            // SAFETY: as above.
            Some(method) => unsafe { method(real $(, $arg)*) },
            None => $missing,
        }
    }};
}

/// The real file's size.
///
/// # Safety
/// `real` is the real file of a file open through the wrapper.
unsafe fn file_size(real: *mut ffi::sqlite3_file) -> Result<u64, c_int> {
    let mut size: ffi::sqlite3_int64 = 0;
    let rc = forward!(real, xFileSize, ffi::SQLITE_IOERR, &mut size);
    if rc == ffi::SQLITE_OK {
        Ok(size.max(0) as u64)
    } else {
        Err(rc)
    }
}

/// Keeps the durable bytes of `start..end` not kept yet, read from the real file (of `size`
/// bytes).
///
/// # Safety
/// `real` is the real file of a file open through the wrapper.
unsafe fn keep_durable(
    real: *mut ffi::sqlite3_file,
    undo: &mut Undo,
    start: u64,
    end: u64,
    size: u64,
) -> Result<(), c_int> {
    const CHUNK: usize = 1 << 20;
    for (a, b) in undo.gaps(start, end) {
        let mut bytes = vec![0u8; (b - a) as usize];
        let readable = b.min(size).saturating_sub(a) as usize;
        if readable < bytes.len() {
            // Only a truncation removes durable bytes, and it keeps them first.
            tracing::warn!("vfs: durable bytes past the end of the file; taken as zeros");
        }
        let mut done = 0;
        while done < readable {
            let n = (readable - done).min(CHUNK);
            let rc = forward!(
                real,
                xRead,
                ffi::SQLITE_IOERR,
                bytes[done..].as_mut_ptr().cast::<c_void>(),
                n as c_int,
                (a + done as u64) as ffi::sqlite3_int64
            );
            if rc != ffi::SQLITE_OK {
                return Err(rc);
            }
            done += n;
        }
        undo.keep(a, bytes);
    }
    Ok(())
}

unsafe extern "C" fn io_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite calls xClose on a file `vfs_open` set up.
    let (wrap, real) = unsafe { parts(file) };
    drop(wrap.path.take());
    forward!(real, xClose, ffi::SQLITE_OK)
}

unsafe extern "C" fn io_read(
    file: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (_, real) = unsafe { parts(file) };
    forward!(real, xRead, ffi::SQLITE_IOERR, buf, amount, offset)
}

/// What the first step of a tracked write, truncation or sync gives: the file's path and the
/// locked state of every tracked file.
type Begun<'a> = (&'a Path, Files);

/// The first step of a write, truncation or sync (`op`) of a file whose tracked path is `path`.
///
/// An untracked file's operation is made at once with `untracked`, unless the power was cut;
/// a tracked one is reported and the files are locked ([`report_then_lock`]). `Err` is the code
/// to return at once: the untracked operation's, or the failure of the tracked one.
fn begin(
    path: Option<&Path>,
    op: VfsOp,
    untracked: impl FnOnce() -> c_int,
) -> Result<Begun<'_>, c_int> {
    let Some(path) = path else {
        if cut() {
            return Err(ffi::SQLITE_IOERR);
        }
        return Err(untracked());
    };
    Ok((path, report_then_lock(op, path)?))
}

/// The real file's size and the state of its tracked path.
///
/// # Safety
/// `real` is the real file of the file open through the wrapper at `path`.
unsafe fn tracked_state<'a>(
    files: &'a mut HashMap<PathBuf, FileState>,
    path: &Path,
    real: *mut ffi::sqlite3_file,
) -> Result<(&'a mut FileState, u64), c_int> {
    // SAFETY: as the caller promises.
    let size = unsafe { file_size(real) }?;
    Ok((state_for(files, path, size), size))
}

/// A write or truncation (`op`, which `make` makes on the real file) that overwrites or cuts
/// off the bytes of `range`: the durable ones among them are kept first, and `make` runs with
/// the files locked. `Err` is the code to return at once.
///
/// # Safety
/// `real` is the real file of the file open through the wrapper whose tracked path is `path`.
unsafe fn change(
    path: Option<&Path>,
    real: *mut ffi::sqlite3_file,
    op: VfsOp,
    range: Range<u64>,
    make: impl Fn() -> c_int,
) -> Result<c_int, c_int> {
    let (path, mut files) = begin(path, op, &make)?;
    // SAFETY: as the caller promises.
    let (state, size) = unsafe { tracked_state(&mut files, path, real) }?;
    let end = range.end.min(state.durable_size);
    // SAFETY: as above.
    unsafe { keep_durable(real, &mut state.undo, range.start, end, size) }?;
    Ok(make())
}

unsafe extern "C" fn io_write(
    file: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (wrap, real) = unsafe { parts(file) };
    let write = || forward!(real, xWrite, ffi::SQLITE_IOERR, buf, amount, offset);
    let start = offset.max(0) as u64;
    let range = start..start + amount.max(0) as u64;
    // SAFETY: `real` is this open file's real file.
    unsafe { change(wrap.path.as_deref(), real, VfsOp::Write, range, write) }
        .unwrap_or_else(|rc| rc)
}

unsafe extern "C" fn io_truncate(file: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (wrap, real) = unsafe { parts(file) };
    let truncate = || forward!(real, xTruncate, ffi::SQLITE_IOERR, size);
    // Every durable byte from the new end on is cut off.
    let range = size.max(0) as u64..u64::MAX;
    // SAFETY: `real` is this open file's real file.
    unsafe { change(wrap.path.as_deref(), real, VfsOp::Truncate, range, truncate) }
        .unwrap_or_else(|rc| rc)
}

/// `xSync` of `wrap`, whose real file is `real`; `Err` is the code to return at once.
///
/// # Safety
/// `real` is `wrap`'s real file.
unsafe fn sync(
    wrap: &mut WrapFile,
    real: *mut ffi::sqlite3_file,
    flags: c_int,
) -> Result<c_int, c_int> {
    let real_sync = || forward!(real, xSync, ffi::SQLITE_IOERR, flags);
    let (path, mut files) = begin(wrap.path.as_deref(), VfsOp::Sync, real_sync)?;
    let rc = real_sync();
    if rc != ffi::SQLITE_OK {
        return Err(rc);
    }
    // SAFETY: as the caller promises.
    let (state, size) = unsafe { tracked_state(&mut files, path, real) }?;
    state.durable_size = size;
    state.undo = Undo::default();
    if wrap.dirsync {
        // The unix VFS has just synced the folder too (and forgets its DIRSYNC flag).
        wrap.dirsync = false;
        if let Some(dir) = path.parent() {
            sync_dir(&mut files, dir);
        }
    }
    Ok(ffi::SQLITE_OK)
}

unsafe extern "C" fn io_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (wrap, real) = unsafe { parts(file) };
    // SAFETY: `real` is this open file's real file.
    unsafe { sync(wrap, real, flags) }.unwrap_or_else(|rc| rc)
}

unsafe extern "C" fn io_file_size(
    file: *mut ffi::sqlite3_file,
    size: *mut ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (_, real) = unsafe { parts(file) };
    forward!(real, xFileSize, ffi::SQLITE_IOERR, size)
}

unsafe extern "C" fn io_lock(file: *mut ffi::sqlite3_file, lock: c_int) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (_, real) = unsafe { parts(file) };
    forward!(real, xLock, ffi::SQLITE_IOERR, lock)
}

unsafe extern "C" fn io_unlock(file: *mut ffi::sqlite3_file, lock: c_int) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (_, real) = unsafe { parts(file) };
    forward!(real, xUnlock, ffi::SQLITE_IOERR, lock)
}

unsafe extern "C" fn io_check_reserved_lock(
    file: *mut ffi::sqlite3_file,
    out: *mut c_int,
) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (_, real) = unsafe { parts(file) };
    forward!(real, xCheckReservedLock, ffi::SQLITE_IOERR, out)
}

unsafe extern "C" fn io_file_control(
    file: *mut ffi::sqlite3_file,
    op: c_int,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (_, real) = unsafe { parts(file) };
    if op == ffi::SQLITE_FCNTL_SIZE_HINT && cut() {
        // It may extend the file: nothing reaches the disk after a cut.
        return ffi::SQLITE_IOERR;
    }
    forward!(real, xFileControl, ffi::SQLITE_NOTFOUND, op, arg)
}

unsafe extern "C" fn io_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (_, real) = unsafe { parts(file) };
    forward!(real, xSectorSize, 0)
}

unsafe extern "C" fn io_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (_, real) = unsafe { parts(file) };
    forward!(real, xDeviceCharacteristics, 0)
}

unsafe extern "C" fn io_shm_map(
    file: *mut ffi::sqlite3_file,
    page: c_int,
    page_size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (_, real) = unsafe { parts(file) };
    forward!(
        real,
        xShmMap,
        ffi::SQLITE_IOERR,
        page,
        page_size,
        extend,
        out
    )
}

unsafe extern "C" fn io_shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (_, real) = unsafe { parts(file) };
    forward!(real, xShmLock, ffi::SQLITE_IOERR, offset, n, flags)
}

unsafe extern "C" fn io_shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (_, real) = unsafe { parts(file) };
    forward!(real, xShmBarrier, ())
}

unsafe extern "C" fn io_shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (_, real) = unsafe { parts(file) };
    forward!(real, xShmUnmap, ffi::SQLITE_OK, delete)
}

unsafe extern "C" fn io_fetch(
    file: *mut ffi::sqlite3_file,
    offset: ffi::sqlite3_int64,
    amount: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (_, real) = unsafe { parts(file) };
    forward!(real, xFetch, ffi::SQLITE_IOERR, offset, amount, out)
}

unsafe extern "C" fn io_unfetch(
    file: *mut ffi::sqlite3_file,
    offset: ffi::sqlite3_int64,
    p: *mut c_void,
) -> c_int {
    // SAFETY: SQLite calls io methods on files `vfs_open` set up.
    let (_, real) = unsafe { parts(file) };
    forward!(real, xUnfetch, ffi::SQLITE_OK, offset, p)
}

/// The methods of a wrapped file whose real file has methods of `version` (1 to 3).
const fn io_methods(version: c_int) -> ffi::sqlite3_io_methods {
    ffi::sqlite3_io_methods {
        iVersion: version,
        xClose: Some(io_close),
        xRead: Some(io_read),
        xWrite: Some(io_write),
        xTruncate: Some(io_truncate),
        xSync: Some(io_sync),
        xFileSize: Some(io_file_size),
        xLock: Some(io_lock),
        xUnlock: Some(io_unlock),
        xCheckReservedLock: Some(io_check_reserved_lock),
        xFileControl: Some(io_file_control),
        xSectorSize: Some(io_sector_size),
        xDeviceCharacteristics: Some(io_device_characteristics),
        xShmMap: if version >= 2 { Some(io_shm_map) } else { None },
        xShmLock: if version >= 2 {
            Some(io_shm_lock)
        } else {
            None
        },
        xShmBarrier: if version >= 2 {
            Some(io_shm_barrier)
        } else {
            None
        },
        xShmUnmap: if version >= 2 {
            Some(io_shm_unmap)
        } else {
            None
        },
        xFetch: if version >= 3 { Some(io_fetch) } else { None },
        xUnfetch: if version >= 3 { Some(io_unfetch) } else { None },
    }
}

/// Our methods, by the real file's methods' version (1 to 3).
static IO_METHODS: [ffi::sqlite3_io_methods; 3] = [io_methods(1), io_methods(2), io_methods(3)];

// ---------------------------------------------------------------------------------------------
// The wrapper VFS
// ---------------------------------------------------------------------------------------------

/// The path in a file name SQLite passes (a URI's parameters follow it after a NUL).
///
/// # Safety
/// `name` is a non-null NUL-terminated string.
unsafe fn path_of(name: *const c_char) -> PathBuf {
    // SAFETY: as the caller promises.
    let bytes = unsafe { CStr::from_ptr(name) }.to_bytes();
    PathBuf::from(OsStr::from_bytes(bytes))
}

unsafe extern "C" fn vfs_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let wrap = file.cast::<WrapFile>();
    // SAFETY: SQLite gives us szOsFile (REAL_OFFSET + the real szOsFile) bytes at `file`,
    // 8-aligned, uninitialised: our header goes first, the real file at REAL_OFFSET.
    let real = unsafe {
        wrap.write(WrapFile {
            base: ffi::sqlite3_file {
                pMethods: ptr::null(),
            },
            path: None,
            dirsync: false,
        });
        file.cast::<u8>()
            .add(REAL_OFFSET)
            .cast::<ffi::sqlite3_file>()
    };
    let tracked = !name.is_null() && flags & ffi::SQLITE_OPEN_DELETEONCLOSE == 0;
    // SAFETY: a non-null name SQLite passes to xOpen is a NUL-terminated string.
    let path = tracked.then(|| unsafe { path_of(name) });
    let existed = path
        .as_deref()
        .and_then(|p| fs::metadata(p).ok())
        .map(|m| m.len());
    let creates = path.is_some() && existed.is_none() && flags & ffi::SQLITE_OPEN_CREATE != 0;
    if creates {
        if cut() {
            return ffi::SQLITE_CANTOPEN;
        }
        if let Err(rc) = report(VfsOp::Create, path.as_deref().expect("tracked")) {
            return rc;
        }
    }
    let mut files = files();
    if creates && cut() {
        return ffi::SQLITE_CANTOPEN;
    }
    let rc = forward_vfs!(xOpen, ffi::SQLITE_CANTOPEN, name, real, flags, out_flags);
    // SAFETY: the real xOpen has set up (or left alone) the real file at `real`.
    let real_methods = unsafe { (*real).pMethods };
    if real_methods.is_null() {
        // A failed open: SQLite will not close it, so ours stays null too.
        return rc;
    }
    // SAFETY: non-null methods of the real VFS, which live as long as it does.
    let version = unsafe { (*real_methods).iVersion }.clamp(1, 3);
    // SAFETY: `wrap` was written above; SQLite closes it through these methods.
    let wrap = unsafe { &mut *wrap };
    wrap.base.pMethods = &IO_METHODS[version as usize - 1];
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    if let Some(path) = path {
        let state = files.entry(path.clone()).or_insert_with(|| {
            let entry = if creates {
                Entry::Absent
            } else {
                Entry::Current
            };
            FileState::new(entry, existed.unwrap_or(0))
        });
        if !state.exists {
            // A new file where one was deleted: the entry still names what it named.
            state.exists = true;
            state.durable_size = existed.unwrap_or(0);
            state.undo = Undo::default();
        }
        state.main_db |= flags & ffi::SQLITE_OPEN_MAIN_DB != 0;
        let journal =
            ffi::SQLITE_OPEN_WAL | ffi::SQLITE_OPEN_MAIN_JOURNAL | ffi::SQLITE_OPEN_SUPER_JOURNAL;
        wrap.dirsync = flags & ffi::SQLITE_OPEN_CREATE != 0 && flags & journal != 0;
        wrap.path = Some(path);
    }
    rc
}

unsafe extern "C" fn vfs_delete(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    sync_folder: c_int,
) -> c_int {
    if name.is_null() {
        return forward_vfs!(xDelete, ffi::SQLITE_IOERR, name, sync_folder);
    }
    // SAFETY: a non-null name SQLite passes to xDelete is a NUL-terminated string.
    let path = unsafe { path_of(name) };
    let mut files = match report_then_lock(VfsOp::Delete, &path) {
        Ok(files) => files,
        Err(rc) => return rc,
    };
    let mut saved = None;
    if let Ok(meta) = fs::metadata(&path) {
        let state = files
            .entry(path.clone())
            .or_insert_with(|| FileState::new(Entry::Current, meta.len()));
        if sync_folder & 1 == 0 && matches!(state.entry, Entry::Current) && state.exists {
            match fs::read(&path) {
                Ok(bytes) => saved = Some(state.durable_content(bytes)),
                Err(e) => {
                    tracing::error!(path = %path.display(), "vfs: cannot keep the file's content: {e}");
                    return ffi::SQLITE_IOERR_DELETE;
                }
            }
        }
    }
    let rc = forward_vfs!(xDelete, ffi::SQLITE_IOERR, name, sync_folder);
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    if let Some(state) = files.get_mut(&path) {
        if let Some(saved) = saved {
            state.entry = Entry::Old(saved);
        }
        state.exists = false;
        state.durable_size = 0;
        state.undo = Undo::default();
    }
    if sync_folder & 1 != 0 {
        // The unix VFS has synced the folder after the unlink.
        if let Some(dir) = path.parent() {
            sync_dir(&mut files, dir);
        }
    }
    rc
}

unsafe extern "C" fn vfs_access(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    flags: c_int,
    out: *mut c_int,
) -> c_int {
    forward_vfs!(xAccess, ffi::SQLITE_IOERR, name, flags, out)
}

unsafe extern "C" fn vfs_full_pathname(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    n: c_int,
    out: *mut c_char,
) -> c_int {
    forward_vfs!(xFullPathname, ffi::SQLITE_CANTOPEN, name, n, out)
}

unsafe extern "C" fn vfs_dl_open(_vfs: *mut ffi::sqlite3_vfs, name: *const c_char) -> *mut c_void {
    forward_vfs!(xDlOpen, ptr::null_mut(), name)
}

unsafe extern "C" fn vfs_dl_error(_vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) {
    forward_vfs!(xDlError, (), n, out)
}

/// What `xDlSym` returns.
type DlSym = Option<unsafe extern "C" fn(*mut ffi::sqlite3_vfs, *mut c_void, *const c_char)>;

unsafe extern "C" fn vfs_dl_sym(
    _vfs: *mut ffi::sqlite3_vfs,
    handle: *mut c_void,
    symbol: *const c_char,
) -> DlSym {
    forward_vfs!(xDlSym, None, handle, symbol)
}

unsafe extern "C" fn vfs_dl_close(_vfs: *mut ffi::sqlite3_vfs, handle: *mut c_void) {
    forward_vfs!(xDlClose, (), handle)
}

unsafe extern "C" fn vfs_randomness(
    _vfs: *mut ffi::sqlite3_vfs,
    n: c_int,
    out: *mut c_char,
) -> c_int {
    forward_vfs!(xRandomness, 0, n, out)
}

unsafe extern "C" fn vfs_sleep(_vfs: *mut ffi::sqlite3_vfs, microseconds: c_int) -> c_int {
    forward_vfs!(xSleep, 0, microseconds)
}

unsafe extern "C" fn vfs_current_time(_vfs: *mut ffi::sqlite3_vfs, out: *mut f64) -> c_int {
    forward_vfs!(xCurrentTime, ffi::SQLITE_ERROR, out)
}

unsafe extern "C" fn vfs_get_last_error(
    _vfs: *mut ffi::sqlite3_vfs,
    n: c_int,
    out: *mut c_char,
) -> c_int {
    forward_vfs!(xGetLastError, 0, n, out)
}

unsafe extern "C" fn vfs_current_time_int64(
    _vfs: *mut ffi::sqlite3_vfs,
    out: *mut ffi::sqlite3_int64,
) -> c_int {
    forward_vfs!(xCurrentTimeInt64, ffi::SQLITE_ERROR, out)
}

unsafe extern "C" fn vfs_set_system_call(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    call: ffi::sqlite3_syscall_ptr,
) -> c_int {
    forward_vfs!(xSetSystemCall, ffi::SQLITE_NOTFOUND, name, call)
}

unsafe extern "C" fn vfs_get_system_call(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
) -> ffi::sqlite3_syscall_ptr {
    forward_vfs!(xGetSystemCall, None, name)
}

unsafe extern "C" fn vfs_next_system_call(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
) -> *const c_char {
    forward_vfs!(xNextSystemCall, ptr::null(), name)
}

/// Ours where the real VFS has the method, none where it has not.
macro_rules! like {
    ($real:expr, $method:ident, $ours:expr) => {
        match $real.$method {
            Some(_) => Some($ours),
            None => None,
        }
    };
}

/// Finds the `unix` VFS and registers the wrapper around it as the default.
fn register() {
    // SAFETY: sqlite3_vfs_find(NULL) initialises SQLite if needed and returns the default VFS,
    // which the library keeps for the life of the process.
    let real = unsafe { ffi::sqlite3_vfs_find(ptr::null()) };
    assert!(!real.is_null(), "SQLite has a default VFS");
    // SAFETY: non-null and registered, so a valid sqlite3_vfs that nobody changes.
    let r = unsafe { &*real };
    let sz_os_file = c_int::try_from(REAL_OFFSET).expect("a small header") + r.szOsFile;
    let vfs = Box::new(ffi::sqlite3_vfs {
        iVersion: r.iVersion,
        szOsFile: sz_os_file,
        mxPathname: r.mxPathname,
        pNext: ptr::null_mut(),
        zName: VFS_NAME.as_ptr(),
        pAppData: real.cast(),
        xOpen: Some(vfs_open),
        xDelete: Some(vfs_delete),
        xAccess: Some(vfs_access),
        xFullPathname: Some(vfs_full_pathname),
        xDlOpen: like!(r, xDlOpen, vfs_dl_open),
        xDlError: like!(r, xDlError, vfs_dl_error),
        xDlSym: like!(r, xDlSym, vfs_dl_sym),
        xDlClose: like!(r, xDlClose, vfs_dl_close),
        xRandomness: like!(r, xRandomness, vfs_randomness),
        xSleep: like!(r, xSleep, vfs_sleep),
        xCurrentTime: like!(r, xCurrentTime, vfs_current_time),
        xGetLastError: like!(r, xGetLastError, vfs_get_last_error),
        xCurrentTimeInt64: like!(r, xCurrentTimeInt64, vfs_current_time_int64),
        xSetSystemCall: like!(r, xSetSystemCall, vfs_set_system_call),
        xGetSystemCall: like!(r, xGetSystemCall, vfs_get_system_call),
        xNextSystemCall: like!(r, xNextSystemCall, vfs_next_system_call),
    });
    REAL_VFS.store(real, Ordering::Release);
    // SAFETY: the wrapper is leaked, so it outlives every connection; SQLite only links it into
    // its list of VFSes. REAL_VFS is set before, so no call reaches us without it.
    let rc = unsafe { ffi::sqlite3_vfs_register(Box::into_raw(vfs), 1) };
    assert_eq!(rc, ffi::SQLITE_OK, "the wrapper VFS registers");
    tracing::debug!("vfs: {VFS_NAME:?} is the default VFS, around the unix VFS");
}

#[cfg(test)]
mod tests {
    //! Each scenario runs in a child process (this test binary again, on one ignored `child_*`
    //! test, with [`DIR_VAR`] naming its folder): the child installs the wrapper, works on a
    //! database in WAL mode and cuts the power; the parent, which never installs the wrapper,
    //! opens the database after the child died and checks what survived.

    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Output};
    use std::sync::atomic::{AtomicU8, AtomicUsize};
    use std::time::Duration;

    use rusqlite::{Connection, OpenFlags};

    use super::*;

    /// The child's folder; set only in a child.
    const DIR_VAR: &str = "KEEPSAKE_VFS_TEST_DIR";
    /// The child's scenario argument.
    const ARG_VAR: &str = "KEEPSAKE_VFS_TEST_ARG";
    const SCHEMA: &str = "CREATE TABLE t (txn INTEGER NOT NULL, k INTEGER NOT NULL, \
                          v BLOB NOT NULL, PRIMARY KEY (txn, k))";

    #[test]
    fn undo_keeps_each_durable_byte_once() {
        let mut undo = Undo::default();
        assert_eq!(undo.gaps(10, 10), []);
        assert_eq!(undo.gaps(10, 20), [(10, 20)]);
        undo.keep(10, vec![1; 10]);
        assert_eq!(undo.gaps(12, 18), []);
        assert_eq!(undo.gaps(5, 25), [(5, 10), (20, 25)]);
        undo.keep(5, vec![2; 5]);
        undo.keep(20, vec![3; 5]);
        undo.keep(30, vec![4; 5]);
        assert_eq!(undo.gaps(0, 40), [(0, 5), (25, 30), (35, 40)]);
        assert_eq!(undo.gaps(22, 33), [(25, 30)]);
        let mut state = FileState::new(Entry::Current, 32);
        state.undo = undo;
        let content = state.durable_content(vec![9; 40]);
        assert_eq!(content.len(), 32, "cut to the durable size");
        assert_eq!(&content[..5], [9; 5]);
        assert_eq!(&content[5..10], [2; 5]);
        assert_eq!(&content[10..20], [1; 10]);
        assert_eq!(&content[20..25], [3; 5]);
        assert_eq!(&content[25..30], [9; 5]);
        assert_eq!(&content[30..], [4; 2]);
    }

    // --- the children ---------------------------------------------------------------------

    /// The folder and argument of a child; `None` in the parent (the child tests then do
    /// nothing, so `cargo test -- --ignored` cannot cut the power of the test runner).
    fn child_args() -> Option<(PathBuf, String)> {
        let dir = std::env::var_os(DIR_VAR)?;
        Some((
            PathBuf::from(dir),
            std::env::var(ARG_VAR).unwrap_or_default(),
        ))
    }

    const ANY: u8 = 0;
    const WRITE: u8 = 1;
    const SYNC: u8 = 2;
    /// Whether [`count_and_cut`] counts yet.
    static ARMED: AtomicBool = AtomicBool::new(false);
    /// Which operations it counts.
    static FILTER: AtomicU8 = AtomicU8::new(ANY);
    /// The counted operation it cuts the power at (0: never).
    static CUT_AT: AtomicUsize = AtomicUsize::new(0);
    /// How many it counted.
    static SEEN: AtomicUsize = AtomicUsize::new(0);
    /// What [`record`] saw.
    static OPS: Mutex<Vec<(VfsOp, PathBuf)>> = Mutex::new(Vec::new());

    fn cut_and_die() -> ! {
        power_cut();
        // SAFETY: getpid(2) and kill(2) have no memory-safety preconditions.
        unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    /// Cuts the power at the `CUT_AT`-th operation of the `FILTER` kind once `ARMED`.
    fn count_and_cut(op: VfsOp, path: &Path) -> std::io::Result<()> {
        if !ARMED.load(Ordering::SeqCst) {
            return Ok(());
        }
        let counted = match FILTER.load(Ordering::SeqCst) {
            WRITE => op == VfsOp::Write,
            SYNC => op == VfsOp::Sync,
            _ => true,
        };
        if !counted {
            return Ok(());
        }
        let n = SEEN.fetch_add(1, Ordering::SeqCst) + 1;
        if n == CUT_AT.load(Ordering::SeqCst) {
            println!("cut at {n}: {op:?} {}", path.display());
            cut_and_die();
        }
        Ok(())
    }

    fn record(op: VfsOp, path: &Path) -> std::io::Result<()> {
        OPS.lock().unwrap().push((op, path.to_owned()));
        Ok(())
    }

    fn ignore(_: VfsOp, _: &Path) -> std::io::Result<()> {
        Ok(())
    }

    /// Opens (creates) `db` and puts it in WAL mode; with `sync_folder`, the folder is synced
    /// once the file exists, as Keepsake's code does after creating its catalog. `synchronous`
    /// is set before WAL mode, so the switch to WAL (a rollback-journal transaction writing the
    /// header) syncs as the rest does.
    fn open_wal(db: &Path, synchronous: &str, sync_folder: bool) -> Connection {
        let conn = Connection::open(db).expect("the database opens");
        if sync_folder {
            dir_synced(db.parent().expect("a folder"));
        }
        conn.execute_batch(&format!("PRAGMA synchronous={synchronous}"))
            .expect("synchronous");
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .expect("WAL mode");
        assert_eq!(mode, "wal");
        conn
    }

    fn value(txn: i64, k: i64, size: usize) -> Vec<u8> {
        vec![(txn * 31 + k) as u8; size]
    }

    /// Transaction `txn`: `rows` rows of `size` bytes; prints `committed <txn>` once it is.
    fn commit(conn: &mut Connection, txn: i64, rows: i64, size: usize) {
        let tx = conn.transaction().expect("begin");
        {
            let mut insert = tx
                .prepare("INSERT INTO t (txn, k, v) VALUES (?1, ?2, ?3)")
                .expect("insert");
            for k in 0..rows {
                insert
                    .execute(rusqlite::params![txn, k, value(txn, k, size)])
                    .expect("a row");
            }
        }
        tx.commit().expect("commit");
        println!("committed {txn}");
    }

    fn checkpoint(conn: &Connection) {
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .expect("checkpoint");
        assert_eq!(busy, 0);
    }

    #[test]
    #[ignore = "a child of reports_create_write_sync_and_delete"]
    fn child_report_ops() {
        let Some((dir, _)) = child_args() else { return };
        install(record);
        let mut conn = open_wal(&dir.join("t.db"), "FULL", true);
        conn.execute_batch(SCHEMA).unwrap();
        commit(&mut conn, 1, 10, 300);
        drop(conn);
        for (op, path) in OPS.lock().unwrap().iter() {
            println!("op {op:?} {}", path.display());
        }
    }

    /// `write:N`: cuts at the N-th write after the last commit; `sync:N` at the N-th sync.
    #[test]
    #[ignore = "a child of full_sync_keeps_commits_*"]
    fn child_full_sync() {
        let Some((dir, arg)) = child_args() else {
            return;
        };
        let (filter, n) = arg.split_once(':').expect("kind:count");
        FILTER.store(
            if filter == "sync" { SYNC } else { WRITE },
            Ordering::SeqCst,
        );
        CUT_AT.store(n.parse().expect("a count"), Ordering::SeqCst);
        install(count_and_cut);
        let mut conn = open_wal(&dir.join("t.db"), "FULL", true);
        conn.execute_batch(SCHEMA).unwrap();
        for txn in 1..=3 {
            commit(&mut conn, txn, 20, 500);
        }
        ARMED.store(true, Ordering::SeqCst);
        commit(&mut conn, 4, 300, 500);
        println!("the cut never came");
    }

    /// `dir-synced` or `dir-not-synced`: whether the folder is synced after the database is
    /// created.
    #[test]
    #[ignore = "a child of sync_off_loses_every_commit"]
    fn child_sync_off() {
        let Some((dir, arg)) = child_args() else {
            return;
        };
        install(ignore);
        let db = dir.join("t.db");
        let mut conn = open_wal(&db, "OFF", arg == "dir-synced");
        conn.execute_batch(SCHEMA).unwrap();
        for txn in 1..=3 {
            commit(&mut conn, txn, 20, 500);
        }
        checkpoint(&conn);
        commit(&mut conn, 4, 20, 500);
        println!("db bytes {}", fs::metadata(&db).unwrap().len());
        cut_and_die();
    }

    /// Rows of each transaction of [`child_cut_at_every_op`] (transaction 0 creates the table).
    const ROWS: [i64; 5] = [0, 10, 10, 60, 10];

    /// Cuts at the N-th operation of any kind (0: never; then prints how many there were).
    #[test]
    #[ignore = "a child of a_cut_anywhere_keeps_a_prefix_of_the_commits"]
    fn child_cut_at_every_op() {
        let Some((dir, arg)) = child_args() else {
            return;
        };
        CUT_AT.store(arg.parse().expect("a count"), Ordering::SeqCst);
        ARMED.store(true, Ordering::SeqCst);
        install(count_and_cut);
        let mut conn = open_wal(&dir.join("t.db"), "FULL", true);
        conn.execute_batch(SCHEMA).unwrap();
        println!("committed 0");
        for txn in 1..=4 {
            commit(&mut conn, txn, ROWS[txn as usize], 700);
            if txn == 2 {
                checkpoint(&conn);
            }
        }
        // Closing checkpoints into the database and deletes the WAL: operations too.
        drop(conn);
        println!("ops {}", SEEN.load(Ordering::SeqCst));
    }

    // --- the parents ----------------------------------------------------------------------

    /// Runs child test `child` of this binary with folder `dir` and argument `arg`.
    fn run_child(child: &str, dir: &Path, arg: &str) -> Output {
        let module = module_path!();
        let inside = module.split_once("::").map_or(module, |(_, rest)| rest);
        let name = format!("{inside}::{child}");
        let exe = std::env::current_exe().expect("the test binary's path");
        Command::new(exe)
            .args([name.as_str(), "--exact", "--ignored", "--nocapture"])
            .env(DIR_VAR, dir)
            .env(ARG_VAR, arg)
            .output()
            .expect("the child runs")
    }

    fn show(out: &Output) -> String {
        format!(
            "{}\n--- stdout\n{}--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    fn assert_killed(out: &Output) {
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGKILL),
            "the child should have cut the power and died: {}",
            show(out)
        );
    }

    /// The numbers after `prefix` on the lines of the child's output that start with it.
    fn numbers(out: &Output, prefix: &str) -> Vec<i64> {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix(prefix))
            .map(|n| n.trim().parse().expect("a number"))
            .collect()
    }

    fn default_vfs_name() -> String {
        // SAFETY: the default VFS and its name live as long as the process.
        let name = unsafe { CStr::from_ptr((*ffi::sqlite3_vfs_find(ptr::null())).zName) };
        name.to_string_lossy().into_owned()
    }

    /// Opens `db` as the program would after the reboot (plain rusqlite, the unix VFS), checks
    /// its integrity and every value, and gives the rows of each transaction; `None` when there
    /// is no table.
    fn reopen(db: &Path, size: usize) -> Option<Vec<(i64, i64)>> {
        assert_eq!(
            default_vfs_name(),
            "unix",
            "the parent never installs the VFS"
        );
        let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .expect("the database reopens");
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity_check");
        assert_eq!(check, "ok", "{}", db.display());
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 't'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        if tables == 0 {
            return None;
        }
        let mut counts: Vec<(i64, i64)> = Vec::new();
        let mut select = conn
            .prepare("SELECT txn, k, v FROM t ORDER BY txn, k")
            .unwrap();
        let mut rows = select.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let (txn, k, v): (i64, i64, Vec<u8>) = (
                row.get(0).unwrap(),
                row.get(1).unwrap(),
                row.get(2).unwrap(),
            );
            assert_eq!(v, value(txn, k, size), "row {txn}/{k}");
            match counts.last_mut() {
                Some((t, n)) if *t == txn => *n += 1,
                _ => counts.push((txn, 1)),
            }
        }
        Some(counts)
    }

    #[test]
    fn reports_create_write_sync_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let out = run_child("child_report_ops", dir.path(), "");
        assert!(out.status.success(), "{}", show(&out));
        let ops: Vec<(String, PathBuf)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("op "))
            .map(|l| {
                let (op, path) = l.split_once(' ').expect("op path");
                (op.to_owned(), PathBuf::from(path))
            })
            .collect();
        let folder = dir.path().canonicalize().unwrap();
        let db = folder.join("t.db");
        let wal = folder.join("t.db-wal");
        for file in [&db, &wal] {
            let of_file: Vec<&str> = ops
                .iter()
                .filter(|(_, p)| p == file)
                .map(|(op, _)| op.as_str())
                .collect();
            assert_eq!(of_file.first(), Some(&"Create"), "{}", show(&out));
            for op in ["Write", "Sync"] {
                assert!(
                    of_file.contains(&op),
                    "{op} {}: {}",
                    file.display(),
                    show(&out)
                );
            }
        }
        assert!(
            ops.iter().any(|(op, p)| op == "Delete" && p == &wal),
            "the last connection's close deletes the WAL: {}",
            show(&out)
        );
    }

    /// Runs [`child_full_sync`] with `arg`, which cuts the power in transaction 4, and checks
    /// that the three transactions committed before it, and only they, survive; gives the
    /// child's output.
    fn full_sync_cut(arg: &str) -> Output {
        let dir = tempfile::tempdir().unwrap();
        let out = run_child("child_full_sync", dir.path(), arg);
        assert_killed(&out);
        assert_eq!(numbers(&out, "committed "), [1, 2, 3], "{}", show(&out));
        let rows = reopen(&dir.path().join("t.db"), 500);
        assert_eq!(
            rows,
            Some(vec![(1, 20), (2, 20), (3, 20)]),
            "{}",
            show(&out)
        );
        out
    }

    #[test]
    fn full_sync_keeps_commits_across_a_cut_mid_write() {
        full_sync_cut("write:5");
    }

    /// Every frame of transaction 4, its commit frame too, is in the WAL when the power goes,
    /// but the WAL was not synced: it must be gone (it would be there if the cut did nothing).
    #[test]
    fn full_sync_keeps_commits_but_not_one_cut_before_its_sync() {
        let out = full_sync_cut("sync:1");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("cut at 1: Sync") && l.ends_with("-wal")),
            "the cut comes before the commit's sync of the WAL: {}",
            show(&out)
        );
    }

    #[test]
    fn sync_off_loses_every_commit() {
        for (arg, named) in [("dir-synced", true), ("dir-not-synced", false)] {
            let dir = tempfile::tempdir().unwrap();
            let out = run_child("child_sync_off", dir.path(), arg);
            assert_killed(&out);
            assert_eq!(numbers(&out, "committed "), [1, 2, 3, 4], "{}", show(&out));
            let before = numbers(&out, "db bytes ");
            assert!(
                before[0] > 0,
                "the checkpoint wrote the database: {}",
                show(&out)
            );
            let db = dir.path().join("t.db");
            for other in ["t.db-wal", "t.db-shm", "t.db-journal"] {
                assert!(!dir.path().join(other).exists(), "{arg}: {other} is left");
            }
            if named {
                let size = fs::metadata(&db)
                    .expect("the folder was synced: named")
                    .len();
                assert_eq!(size, 0, "{arg}: nothing of the database was ever synced");
                assert_eq!(reopen(&db, 500), None);
            } else {
                assert!(!db.exists(), "{arg}: the database's name was never synced");
            }
        }
    }

    #[test]
    fn a_cut_anywhere_keeps_a_prefix_of_the_commits() {
        let dir = tempfile::tempdir().unwrap();
        let out = run_child("child_cut_at_every_op", dir.path(), "0");
        assert!(out.status.success(), "{}", show(&out));
        let total = numbers(&out, "ops ")[0];
        assert!(
            total >= 20,
            "a workload of {total} operations: {}",
            show(&out)
        );
        let all: Vec<(i64, i64)> = ROWS
            .iter()
            .copied()
            .enumerate()
            .skip(1)
            .map(|(t, n)| (t as i64, n))
            .collect();
        assert_eq!(reopen(&dir.path().join("t.db"), 700), Some(all));
        let mut kept = Vec::new();
        for n in 1..=total {
            let dir = tempfile::tempdir().unwrap();
            let out = run_child("child_cut_at_every_op", dir.path(), &n.to_string());
            assert_killed(&out);
            let printed = numbers(&out, "committed ");
            assert_eq!(printed, (0..printed.len() as i64).collect::<Vec<_>>());
            let db = dir.path().join("t.db");
            let present: Vec<i64> = match db.exists().then(|| reopen(&db, 700)).flatten() {
                None => vec![],
                Some(rows) => {
                    for &(txn, count) in &rows {
                        assert_eq!(
                            count,
                            ROWS[txn as usize],
                            "cut {n}: transaction {txn} is whole: {}",
                            show(&out)
                        );
                    }
                    std::iter::once(0)
                        .chain(rows.iter().map(|&(t, _)| t))
                        .collect()
                }
            };
            let m = present.len();
            assert_eq!(
                present,
                (0..m as i64).collect::<Vec<_>>(),
                "cut {n}: a prefix: {}",
                show(&out)
            );
            assert!(
                m >= printed.len(),
                "cut {n}: every commit that returned survives: {}",
                show(&out)
            );
            assert!(
                m <= printed.len() + 1,
                "cut {n}: only the commit under way may too: {}",
                show(&out)
            );
            kept.push(m);
        }
        // The cuts fell everywhere: before anything was committed and after everything was.
        assert_eq!(kept.first(), Some(&0));
        assert_eq!(kept.last(), Some(&ROWS.len()));
    }
}
