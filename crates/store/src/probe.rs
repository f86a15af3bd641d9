//! Every change the store (and Keepsake's settings, through [`crate::durable`]) makes to a disk,
//! reported to a hook before it is made, with the operation's phase. Nothing listens in the app:
//! the hook is for fault-injection tests, which kill the process or cut its power at the N-th
//! change and record where it landed (see `keepsake_testkit::faults`). Unset, a report costs one
//! atomic load.
//!
//! SQLite's own writes (the catalog and its log) do not pass through here; a test VFS reports
//! them (`keepsake_testkit::vfs`).

use std::path::Path;
use std::sync::{Mutex, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// What is about to happen to the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A new file (its name appears in its folder).
    Create,
    /// Bytes written to a file (`len` of them).
    Write { len: usize },
    /// A file's content made durable (fsync).
    SyncFile,
    /// A folder's entries made durable: creations, renames and deletions in it.
    SyncDir,
    /// Everything written on the file system holding the path made durable (`syncfs`).
    SyncAll,
    /// A file renamed to [`Event::to`] (replacing what was there).
    Rename,
    /// A file deleted.
    Remove,
    /// A folder created.
    CreateDir,
}

/// One change, reported before it is made.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub op: Op,
    pub path: &'a Path,
    /// A rename's new name.
    pub to: Option<&'a Path>,
    /// What the operation was doing (see [`set_phase`]).
    pub phase: &'static str,
}

type Hook = Box<dyn Fn(&Event) -> std::io::Result<()> + Send + Sync>;

static HOOK: OnceLock<Hook> = OnceLock::new();
static PHASE: Mutex<&'static str> = Mutex::new("");

/// Installs the process's hook; false if one was installed already (the first one stays).
/// For fault-injection tests only. An error it returns is the change's error (a full or failing
/// disk), and the change is not made.
pub fn set_hook(hook: impl Fn(&Event) -> std::io::Result<()> + Send + Sync + 'static) -> bool {
    HOOK.set(Box::new(hook)).is_ok()
}

/// Names what the process is doing from now on ("gc: repacking"), for the reports. One phase
/// for the whole process: the writes of a packing thread belong to the operation that started it.
pub fn set_phase(phase: &'static str) {
    if HOOK.get().is_some() {
        *PHASE.lock().unwrap_or_else(|p| p.into_inner()) = phase;
    }
}

/// The current phase ("" before any).
pub fn phase() -> &'static str {
    *PHASE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Held while a reported change is being made: a fault handler [`quiesce`]s before it cuts the
/// power, so that no other thread's change is half made behind its back.
static IN_FLIGHT: RwLock<()> = RwLock::new(());

/// A change in progress (see [`report`]); drop it once the change is made.
#[must_use = "hold it while the change is made"]
pub struct InFlight(#[allow(dead_code)] Option<RwLockReadGuard<'static, ()>>);

/// Reports a change about to be made, then returns a guard to hold while making it, or the
/// error the hook made up for it. Public so that the writers of Keepsake's other files
/// (settings, SQLite's test VFS) report into the same sequence.
pub fn report(op: Op, path: &Path, to: Option<&Path>) -> std::io::Result<InFlight> {
    match HOOK.get() {
        Some(hook) => {
            // The hook first, without the guard: it may quiesce (and never return).
            hook(&Event {
                op,
                path,
                to,
                phase: phase(),
            })?;
            Ok(InFlight(Some(
                IN_FLIGHT.read().unwrap_or_else(|p| p.into_inner()),
            )))
        }
        None => Ok(InFlight(None)),
    }
}

/// The guard of a change reported by other means (SQLite's test VFS, which calls its own
/// hook first): held while the change is made, as [`report`]'s.
pub fn hold() -> InFlight {
    match HOOK.get() {
        Some(_) => InFlight(Some(IN_FLIGHT.read().unwrap_or_else(|p| p.into_inner()))),
        None => InFlight(None),
    }
}

/// Waits until no reported change is in progress and holds off new ones (until dropped): for a
/// fault handler that is about to cut the power. Call it from the hook, which holds no guard.
pub fn quiesce() -> RwLockWriteGuard<'static, ()> {
    IN_FLIGHT.write().unwrap_or_else(|p| p.into_inner())
}

/// Whether a hook listens (so callers can skip work done only for reports).
pub fn listening() -> bool {
    HOOK.get().is_some()
}
