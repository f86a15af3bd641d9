//! Crash and power-cut campaigns: a real process is faulted at its N-th change to the disk.
//!
//! The parent runs an operation in a child process (this test binary again, one `#[ignore]`d
//! test as the child's body) once to count its changes, then again for each seeded point N:
//! the child counts every change the store reports ([`keepsake_store::probe`]) and every one
//! SQLite makes ([`crate::vfs`]), and at the N-th, before making it, writes where it landed
//! (phase, operation, file) to a log and
//! - [`Fault::Kill`]: SIGKILLs itself. The page cache survives: every write made is kept.
//! - [`Fault::PowerCut`]: first throws away every change not yet durable, as a power cut would:
//!   bytes written to a file since its last fsync, creations, renames and deletions in a folder
//!   since that folder's last fsync, SQLite's writes since each file's last sync (see
//!   [`crate::vfs`]); then SIGKILLs itself.
//!
//! Other threads are held: a change reported after the fault never starts, one in progress is
//! finished before the cut ([`keepsake_store::probe::quiesce`]).
//!
//! Campaigns are seeded and print their seed; `KEEPSAKE_CAMPAIGN_SEED` replays one,
//! `KEEPSAKE_CAMPAIGN_POINT` replays a single fault point, `KEEPSAKE_CAMPAIGN_FAULTS` sets how
//! many points per operation.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use keepsake_store::probe::{self, Op};

const AT_ENV: &str = "KEEPSAKE_FAULT_AT";
const MODE_ENV: &str = "KEEPSAKE_FAULT_MODE";
const LOG_ENV: &str = "KEEPSAKE_FAULT_LOG";

/// What happens at the fault point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// SIGKILL.
    Kill,
    /// What is not durable is lost, then SIGKILL.
    PowerCut,
    /// The disk is full from here on: every change that takes space fails with ENOSPC
    /// (SQLITE_FULL), deletions and syncs still work.
    DiskFull,
    /// The disk is gone from here on (unplugged): every change fails with EIO (SQLITE_IOERR).
    DiskFailing,
}

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Fault::Kill => "kill",
            Fault::PowerCut => "cut",
            Fault::DiskFull => "full",
            Fault::DiskFailing => "failing",
        }
    }

    fn from_name(name: &str) -> Fault {
        match name {
            "cut" => Fault::PowerCut,
            "full" => Fault::DiskFull,
            "failing" => Fault::DiskFailing,
            _ => Fault::Kill,
        }
    }

    /// Whether the process goes on after the fault (with failing changes).
    pub fn is_error(self) -> bool {
        matches!(self, Fault::DiskFull | Fault::DiskFailing)
    }
}

/// A change's kind, for deciding which ones a full disk refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Takes {
    /// Creates, writes, new folders: refused by a full disk.
    Space,
    /// Syncs, renames, deletions: a full disk still makes them.
    Nothing,
}

/// Where a fault landed, as the faulted process recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landing {
    /// The change it came before (1 = the first).
    pub point: u64,
    pub phase: String,
    /// The change it came before, and its file.
    pub op: String,
    pub path: String,
}

impl std::fmt::Display for Landing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "before change {} ({}: {} {})",
            self.point, self.phase, self.op, self.path
        )
    }
}

/// How a child run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Killed, or its power cut, there.
    Faulted(Landing),
    /// Its changes failed from there on, and the operation gave up with this error.
    Failed { landing: Landing, error: String },
    /// Its changes failed from there on, yet the operation succeeded.
    Shrugged { landing: Landing },
    /// It ran to its end, after this many changes.
    Completed { changes: u64 },
}

struct Armed {
    at: Option<u64>,
    fault: Fault,
    log: PathBuf,
}

static ARMED: OnceLock<Armed> = OnceLock::new();
static COUNT: AtomicU64 = AtomicU64::new(0);
static FAULTED: AtomicBool = AtomicBool::new(false);
/// An error fault has begun: the disk is full or gone from now on.
static FAILING: AtomicBool = AtomicBool::new(false);
static TRACKER: Mutex<Option<Tracker>> = Mutex::new(None);

/// In a child: arms the fault its parent asked for (or only counts changes), installing the
/// store's hook and the SQLite VFS. False when this process is not a campaign's child.
pub fn arm_from_env() -> bool {
    let Some(log) = std::env::var_os(LOG_ENV) else {
        return false;
    };
    let at = std::env::var(AT_ENV).ok().and_then(|v| v.parse().ok());
    let fault = Fault::from_name(&std::env::var(MODE_ENV).unwrap_or_default());
    let armed = ARMED.get_or_init(|| Armed {
        at,
        fault,
        log: PathBuf::from(log),
    });
    if armed.fault == Fault::PowerCut {
        *TRACKER.lock().unwrap() = Some(Tracker::default());
    }
    probe::set_hook(|e| {
        let takes = match e.op {
            Op::Create | Op::Write { .. } | Op::CreateDir => Takes::Space,
            _ => Takes::Nothing,
        };
        on_change(op_name(e.op), e.path, e.to, Some(e.op), takes)
    });
    crate::vfs::install(|op, path| {
        use crate::vfs::VfsOp;
        let (name, takes) = match op {
            VfsOp::Create => ("sqlite create", Takes::Space),
            VfsOp::Write => ("sqlite write", Takes::Space),
            VfsOp::Truncate => ("sqlite truncate", Takes::Nothing),
            VfsOp::Sync => ("sqlite sync", Takes::Nothing),
            VfsOp::Delete => ("sqlite delete", Takes::Nothing),
        };
        on_change(name, path, None, None, takes)
    });
    true
}

/// In a child that ran to its end: records how many changes it made.
pub fn finish() {
    end(&format!("completed {}", COUNT.load(Ordering::SeqCst)));
}

/// In a child whose operation failed: records its error (after a disk fault, the error the
/// person would see).
pub fn failed(error: &str) {
    end(&format!("failed {}", error.replace('\n', "\\n")));
}

fn end(line: &str) {
    if let Some(armed) = ARMED.get() {
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&armed.log)
            .expect("opening the fault log");
        std::io::Write::write_all(&mut log, format!("{line}\n").as_bytes())
            .expect("writing the fault log");
    }
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Create => "create",
        Op::Write { .. } => "write",
        Op::SyncFile => "fsync",
        Op::SyncDir => "fsync folder",
        Op::SyncAll => "syncfs",
        Op::Rename => "rename",
        Op::Remove => "delete",
        Op::CreateDir => "mkdir",
    }
}

fn on_change(
    name: &str,
    path: &Path,
    to: Option<&Path>,
    op: Option<Op>,
    takes: Takes,
) -> std::io::Result<()> {
    if FAULTED.load(Ordering::SeqCst) {
        // The process is being faulted by another thread: this change never starts.
        loop {
            std::thread::park();
        }
    }
    let Some(armed) = ARMED.get() else {
        return Ok(());
    };
    let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
    let landing = || {
        format!(
            "fault {n}\t{}\t{name}\t{}\n",
            probe::phase(),
            path.display()
        )
    };
    if armed.fault.is_error() && armed.at.is_some_and(|at| n >= at) {
        let refused = match armed.fault {
            Fault::DiskFull => takes == Takes::Space,
            _ => true,
        };
        if !refused {
            return Ok(());
        }
        if !FAILING.swap(true, Ordering::SeqCst) {
            std::fs::write(&armed.log, landing()).expect("writing the fault log");
        }
        return Err(match armed.fault {
            Fault::DiskFull => std::io::Error::from_raw_os_error(libc::ENOSPC),
            _ => std::io::Error::from_raw_os_error(libc::EIO),
        });
    }
    if armed.at == Some(n) {
        FAULTED.store(true, Ordering::SeqCst);
        let landing = landing();
        // Changes in progress on other threads end before the cut; none starts after.
        let _quiet = probe::quiesce();
        if armed.fault == Fault::PowerCut {
            if let Some(tracker) = TRACKER.lock().unwrap().take() {
                tracker.cut();
            }
            crate::vfs::power_cut();
        }
        std::fs::write(&armed.log, landing).expect("writing the fault log");
        // SAFETY: sending a signal to this very process; it does not return.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
        unreachable!("SIGKILL returned");
    }
    if let Some(op) = op {
        if let Some(tracker) = TRACKER.lock().unwrap().as_mut() {
            tracker.observe(op, path, to);
        }
    }
    Ok(())
}

/// What a power cut would undo among the store's own changes (SQLite's are the VFS's).
#[derive(Default)]
struct Tracker {
    /// Files written since their last fsync, and their durable length then.
    dirty: HashMap<PathBuf, u64>,
    /// Changes to folders not yet made durable, oldest first: (folder, how to undo).
    pending: Vec<(PathBuf, Undo)>,
}

enum Undo {
    Created(PathBuf),
    Renamed {
        from: PathBuf,
        to: PathBuf,
        replaced: Option<Vec<u8>>,
    },
    Removed {
        path: PathBuf,
        bytes: Option<Vec<u8>>,
    },
    DirCreated(PathBuf),
}

fn parent(p: &Path) -> PathBuf {
    p.parent().map(Path::to_path_buf).unwrap_or_default()
}

impl Tracker {
    fn observe(&mut self, op: Op, path: &Path, to: Option<&Path>) {
        match op {
            Op::Create => {
                self.dirty.insert(path.to_path_buf(), 0);
                self.pending
                    .push((parent(path), Undo::Created(path.to_path_buf())));
            }
            Op::Write { .. } => {
                let len = std::fs::metadata(path).map_or(0, |m| m.len());
                self.dirty.entry(path.to_path_buf()).or_insert(len);
            }
            Op::SyncFile => {
                self.dirty.remove(path);
            }
            Op::SyncDir => {
                self.pending.retain(|(dir, _)| dir != path);
                crate::vfs::dir_synced(path);
            }
            Op::SyncAll => {
                // The whole file system; what the store touches outside `path` is its own.
                self.pending.retain(|(dir, _)| !dir.starts_with(path));
                self.dirty.retain(|file, _| !file.starts_with(path));
            }
            Op::Rename => {
                let to = to.expect("a rename has a target");
                let replaced = std::fs::read(to).ok();
                if let Some(len) = self.dirty.remove(path) {
                    self.dirty.insert(to.to_path_buf(), len);
                }
                self.pending.push((
                    parent(to),
                    Undo::Renamed {
                        from: path.to_path_buf(),
                        to: to.to_path_buf(),
                        replaced,
                    },
                ));
            }
            Op::Remove => {
                let mut bytes = std::fs::read(path).ok();
                if let (Some(b), Some(&len)) = (bytes.as_mut(), self.dirty.get(path)) {
                    b.truncate(len as usize);
                }
                self.dirty.remove(path);
                self.pending.push((
                    parent(path),
                    Undo::Removed {
                        path: path.to_path_buf(),
                        bytes,
                    },
                ));
            }
            Op::CreateDir => self
                .pending
                .push((parent(path), Undo::DirCreated(path.to_path_buf()))),
        }
    }

    /// Leaves on disk what a power cut now would: unsynced bytes lost, unsynced folder changes
    /// undone, newest first.
    fn cut(self) {
        for (path, len) in &self.dirty {
            if let Ok(f) = std::fs::OpenOptions::new().write(true).open(path) {
                let _ = f.set_len(*len);
            }
        }
        for (_, undo) in self.pending.into_iter().rev() {
            match undo {
                Undo::Created(p) => {
                    let _ = std::fs::remove_file(p);
                }
                Undo::Renamed { from, to, replaced } => {
                    if to.exists() {
                        let _ = std::fs::rename(&to, &from);
                    }
                    if let Some(bytes) = replaced {
                        let _ = std::fs::write(&to, bytes);
                    }
                }
                Undo::Removed { path, bytes } => {
                    if let Some(bytes) = bytes {
                        let _ = std::fs::write(path, bytes);
                    }
                }
                Undo::DirCreated(p) => {
                    let _ = std::fs::remove_dir_all(p);
                }
            }
        }
    }
}

/// Runs `test` of the executable `exe` as a campaign's child, with `env`, faulted at `at` (or
/// counting its changes when `None`).
pub fn run_child(
    exe: &Path,
    test: &str,
    env: &[(&str, OsString)],
    at: Option<(Fault, u64)>,
) -> Outcome {
    let log = tempfile::NamedTempFile::new().expect("a fault log");
    let mut cmd = Command::new(exe);
    cmd.args([
        test,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(LOG_ENV, log.path())
    .env_remove(AT_ENV)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some((fault, point)) = at {
        cmd.env(AT_ENV, point.to_string())
            .env(MODE_ENV, fault.name());
    }
    let out = cmd.output().expect("running the campaign's child");
    let text = std::fs::read_to_string(log.path()).unwrap_or_default();
    let show = || {
        format!(
            "{test} ({:?}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let mut landing = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("fault ") {
            let mut fields = rest.splitn(4, '\t');
            let mut next = || fields.next().unwrap_or_default().to_string();
            landing = Some(Landing {
                point: next().parse().expect("a fault point"),
                phase: next(),
                op: next(),
                path: next(),
            });
        } else if let Some(n) = line.strip_prefix("completed ") {
            assert!(
                out.status.success() && String::from_utf8_lossy(&out.stdout).contains("1 passed"),
                "completed but failed: {}",
                show()
            );
            return match landing {
                Some(landing) => Outcome::Shrugged { landing },
                None => Outcome::Completed {
                    changes: n.parse().expect("a count"),
                },
            };
        } else if let Some(error) = line.strip_prefix("failed ") {
            let landing = landing
                .take()
                .unwrap_or_else(|| panic!("failed with no fault ({error}): {}", show()));
            return Outcome::Failed {
                landing,
                error: error.replace("\\n", "\n"),
            };
        }
    }
    match landing {
        Some(landing) => Outcome::Faulted(landing),
        None => panic!("neither completed nor faulted: {}", show()),
    }
}

/// A seeded campaign's plan: how many faults, where.
#[derive(Debug, Clone)]
pub struct Campaign {
    pub seed: u64,
    pub faults: usize,
    /// A single point to replay (`KEEPSAKE_CAMPAIGN_POINT`).
    pub only: Option<u64>,
}

impl Campaign {
    /// From `KEEPSAKE_CAMPAIGN_SEED` / `_FAULTS` / `_POINT`, else a fresh seed and `faults`.
    pub fn from_env(faults: usize) -> Campaign {
        let var = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
        let seed = var("KEEPSAKE_CAMPAIGN_SEED").unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
        Campaign {
            seed,
            faults: var("KEEPSAKE_CAMPAIGN_FAULTS").map_or(faults, |n| n as usize),
            only: var("KEEPSAKE_CAMPAIGN_POINT"),
        }
    }

    /// The fault points for an operation of `changes` changes: distinct, seeded, ascending,
    /// always including the first and the last change when there is room.
    pub fn points(&self, salt: &str, changes: u64) -> Vec<u64> {
        if let Some(p) = self.only {
            return vec![p];
        }
        let mut x = self.seed
            ^ salt.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
            });
        let mut next = move || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let want = self.faults.min(changes as usize);
        let mut points = std::collections::BTreeSet::new();
        if want >= 2 {
            points.insert(1);
            points.insert(changes);
        }
        while points.len() < want {
            points.insert(1 + next() % changes);
        }
        points.into_iter().collect()
    }
}

/// Copies a folder tree (files with their times, folders, symlinks), for a fresh start before
/// each fault.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("creating a copy's folder");
    for entry in std::fs::read_dir(from).expect("listing a folder to copy") {
        let entry = entry.expect("listing a folder to copy");
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().expect("a file's type");
        if kind.is_dir() {
            copy_tree(&src, &dst);
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else {
            std::fs::copy(&src, &dst).expect("copying a file");
            // The same times, so a copy snapshots as its original does.
            let modified = entry.metadata().and_then(|m| m.modified()).expect("a time");
            std::fs::File::options()
                .write(true)
                .open(&dst)
                .and_then(|f| f.set_modified(modified))
                .expect("setting a copy's time");
        }
    }
}
