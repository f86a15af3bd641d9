//! The virtual backup folder a device backs up into: reads fall through to the device's newest
//! snapshot, writes stream straight into a new snapshot, removes and moves are recorded, and
//! nothing becomes visible until the device reports success and the snapshot is committed.
//! No copy of the backup is ever made on disk.
//!
//! The snapshot writer (SQLite, compression, packing) runs on a thread of its own; the DeviceLink
//! loop talks to it over channels, so file data flows through without being gathered first.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

use keepsake_device::BackupFolder;
use keepsake_mobilesync::{BackupPlist, InfoPlist, ManifestPlist, StatusPlist};
use keepsake_store::{FileMeta, Repository, Secret, SnapshotInfo};

use crate::apple_form::{self, AppleView, Forms};
use crate::decrypting::Decrypting;

/// The plists at the top of a backup that say what it is: each one this backup writes is
/// kept aside and checked before the snapshot is committed.
const CHECKED_PLISTS: [&str; 3] = ["Status.plist", "Manifest.plist", "Info.plist"];
/// No top-level plist of a real backup comes near this (Manifest.plist, with every app, is
/// the largest: hundreds of KB).
const MAX_CHECKED_PLIST: usize = 16 << 20;
/// File data goes to the writer in pieces of at most this much: its queue then holds a few
/// MiB whatever block sizes the device chooses (DeviceLink allows 8 MiB a block).
const MAX_PIECE: usize = 256 << 10;
/// Blocks go to the writer in batches of about this much: a phone sends 32-64 KiB blocks, and
/// waking the writer thread for each costs more than the bytes (a phone on USB 2 trickles, so
/// the writer would sleep and wake again for every block).
const BATCH: usize = 1 << 20;
/// Batches queued for the writer, at most: a few MiB whatever the device sends.
const QUEUED_BATCHES: usize = 3;
/// Blocks the writer is done with, kept for the next reads: enough for the batches in flight
/// (of 32 KiB blocks, as phones send them), so a backup reads into the same memory throughout.
const SPARE_BLOCKS: usize = (QUEUED_BATCHES + 2) * BATCH / (32 << 10);
/// A block buffer larger than this is not kept (the spares stay a few MiB).
const MAX_SPARE_BLOCK: usize = 64 << 10;

type Reply<T> = Sender<io::Result<T>>;

enum Command {
    Open {
        path: String,
        reply: Reply<Option<Vec<u8>>>,
    },
    Put {
        path: String,
        /// The file's path on the device, as it says (a hint, never a path here).
        device_path: Option<String>,
        data: Receiver<Block>,
        /// Where the writer returns the blocks it is done with.
        spent: SyncSender<Vec<u8>>,
        reply: Reply<()>,
    },
    Remove {
        path: String,
        reply: Reply<()>,
    },
    Move {
        from: String,
        to: String,
        keep_source: bool,
        reply: Reply<()>,
    },
    List {
        path: String,
        reply: Reply<Vec<(String, bool, u64, i64)>>,
    },
    Commit {
        /// The Manifest.plist this backup wrote (its keybag opens its files).
        manifest_plist: Option<Vec<u8>>,
        reply: Reply<(SnapshotInfo, Option<String>)>,
    },
}

/// What the DeviceLink loop hands the writer for the file being streamed.
enum Block {
    /// The next blocks of the file, in order.
    Data(Vec<Vec<u8>>),
    /// The device gave up on this file: it must not enter the snapshot.
    Abort,
}

/// The file being streamed to the writer: where its data goes, and where its result comes back.
type FileInFlight = (SyncSender<Block>, Receiver<io::Result<()>>);

/// A backup in progress into a repository, seen by the device as its backup folder.
pub struct StoreFolder {
    udid: String,
    repo_path: PathBuf,
    commands: Option<Sender<Command>>,
    worker: Option<JoinHandle<()>>,
    writing: Option<FileInFlight>,
    /// Blocks of the file being written not yet handed to the writer, and their bytes.
    pending: (Vec<Vec<u8>>, usize),
    /// Blocks the writer is done with ([`BackupFolder::block_buffer`] hands them out again).
    spares: (SyncSender<Vec<u8>>, Receiver<Vec<u8>>),
    /// The checked plist being written, and its bytes so far.
    capturing: Option<(String, Vec<u8>)>,
    /// The checked plists this backup wrote, by name.
    plists: BTreeMap<String, Vec<u8>>,
}

fn to_io(e: keepsake_store::Error) -> io::Error {
    io::Error::other(e.to_string())
}

impl StoreFolder {
    /// Starts the next snapshot of `udid`, dated `time` (unix seconds, by the clock the history
    /// and the cleaning policy read), on the writer thread, which takes the repository. Fails
    /// at once if another backup is writing to it.
    ///
    /// With the device's backup password, an encrypted device's files are kept as their exact
    /// decryption where the store encrypts at rest (see [`crate::apple_form`]), so that they
    /// deduplicate like an unencrypted device's.
    pub fn begin_with(
        repo: Repository,
        udid: &str,
        time: i64,
        password: Option<Secret>,
    ) -> keepsake_store::Result<StoreFolder> {
        let (tx, rx) = mpsc::channel();
        let (ready_tx, ready_rx) = mpsc::channel();
        let repo_path = repo.path().to_path_buf();
        let device = udid.to_owned();
        let worker = std::thread::Builder::new()
            .name("snapshot-writer".into())
            .spawn(move || serve(&repo, &device, time, password, rx, ready_tx))
            .expect("spawning a thread");
        ready_rx.recv().unwrap_or_else(|_| {
            Err(keepsake_store::Error::InvalidInput(
                "the snapshot writer stopped".into(),
            ))
        })?;
        Ok(StoreFolder {
            udid: udid.to_owned(),
            repo_path,
            commands: Some(tx),
            worker: Some(worker),
            writing: None,
            pending: (Vec::new(), 0),
            spares: mpsc::sync_channel(SPARE_BLOCKS),
            capturing: None,
            plists: BTreeMap::new(),
        })
    }

    /// The path inside the snapshot: the device's folder is the snapshot's root.
    fn inner(&self, path: &Path) -> io::Result<String> {
        let rest = path.strip_prefix(&self.udid).map_err(|_| {
            io::Error::new(
                io::ErrorKind::PermissionDenied,
                "outside the device's folder",
            )
        })?;
        let rest = rest.to_string_lossy().into_owned();
        if apple_form::is_reserved(&rest) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "Keepsake's own record of the snapshot, which no device may touch",
            ));
        }
        Ok(rest)
    }

    fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> io::Result<T> {
        let (reply, answer) = mpsc::channel();
        self.commands
            .as_ref()
            .ok_or_else(|| io::Error::other("the backup is over"))?
            .send(make(reply))
            .map_err(|_| io::Error::other("the snapshot writer stopped"))?;
        answer
            .recv()
            .map_err(|_| io::Error::other("the snapshot writer stopped"))?
    }

    /// Makes the backup a snapshot: only called once the device reported success, and refused
    /// (nothing committed) when the plists the device sent do not say it finished a backup.
    /// Also says why an encrypted device's files were kept as sent, if they were.
    pub fn commit(mut self) -> io::Result<(SnapshotInfo, Option<String>)> {
        if let Err(why) = self.check_plists() {
            self.shut_down();
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} {why}; nothing was saved, and the earlier snapshots are as they were",
                    self.udid
                ),
            ));
        }
        let manifest_plist = self.plists.get("Manifest.plist").cloned();
        let info = self.ask(|reply| Command::Commit {
            manifest_plist,
            reply,
        });
        self.shut_down();
        info
    }

    /// Status.plist (written by this backup, finished), Manifest.plist and Info.plist (when
    /// written) parse as what they are.
    fn check_plists(&self) -> Result<(), String> {
        fn parses<T: BackupPlist>(bytes: &[u8]) -> Result<T, String> {
            keepsake_device::backup::check_plist_bounds(bytes).map_err(|e| e.to_string())?;
            T::from_bytes(bytes).map_err(|e| e.to_string())
        }
        let sent = |name: &str, e: String| format!("sent a {name} that is not one ({e})");
        let status = self
            .plists
            .get("Status.plist")
            .ok_or("reported success without sending its Status.plist")?;
        let status = parses::<StatusPlist>(status).map_err(|e| sent("Status.plist", e))?;
        if !status.is_finished() {
            return Err(format!(
                "sent a Status.plist that says the backup is {:?}, not finished",
                status.snapshot_state
            ));
        }
        if let Some(bytes) = self.plists.get("Manifest.plist") {
            parses::<ManifestPlist>(bytes).map_err(|e| sent("Manifest.plist", e))?;
        }
        if let Some(bytes) = self.plists.get("Info.plist") {
            parses::<InfoPlist>(bytes).map_err(|e| sent("Info.plist", e))?;
        }
        Ok(())
    }

    /// Whether `inner` (a path inside the snapshot) is one of [`CHECKED_PLISTS`].
    fn checked(inner: &str) -> bool {
        CHECKED_PLISTS.contains(&inner)
    }

    /// Writes a host-side file (Info.plist) into the snapshot.
    pub fn put_bytes(&mut self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        self.create(path)?;
        self.write(bytes)?;
        self.finish()
    }

    fn shut_down(&mut self) {
        self.writing = None;
        self.commands = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

impl Drop for StoreFolder {
    /// Without a commit the snapshot is abandoned: the previous snapshots stay as they were, and
    /// the chunks already written are kept for the next attempt to reuse.
    fn drop(&mut self) {
        self.shut_down();
    }
}

fn serve(
    repo: &Repository,
    device: &str,
    time: i64,
    password: Option<Secret>,
    commands: Receiver<Command>,
    ready: Sender<keepsake_store::Result<()>>,
) {
    let mut writer = match repo.begin_snapshot(device) {
        Ok(w) => w,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    writer.set_time(time);
    crate::decrypting::remove_leftovers(repo);
    let base = writer.base();
    let mut current: BTreeSet<String> = match writer.base_paths() {
        Ok(p) => p
            .into_iter()
            .filter(|p| !apple_form::is_reserved(p))
            .collect(),
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    // The device asks for files of the previous snapshot as it sent them; with the password,
    // its keys also decrypt what this backup sends.
    let base_view = base.and_then(|b| open_base(repo, b, device, password.as_ref()));
    let mut forms = base_view
        .as_ref()
        .map_or_else(Forms::default, |v| v.forms().clone());
    let mut decrypting = match password {
        Some(p) if repo.is_encrypted() => match Decrypting::new(repo, p, base_view.as_ref()) {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::warn!(device, error = %e, "files are kept as sent: no room to set them aside");
                None
            }
        },
        _ => None,
    };
    // files written by this backup; they can be read back only through the writer's own view
    let mut written: BTreeSet<String> = BTreeSet::new();
    let _ = ready.send(Ok(()));
    let now_ns = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64)
    };
    let meta = || FileMeta {
        mode: 0o100644,
        mtime_ns: now_ns(),
        inode: 0,
    };
    let read_base = |path: &str| -> io::Result<Option<Vec<u8>>> {
        match &base_view {
            Some(view) => view
                .read(repo, path)
                .map_err(|e| io::Error::other(e.to_string())),
            None => Ok(None),
        }
    };
    for command in commands {
        match command {
            Command::Open { path, reply } => {
                let r = if written.contains(&path) {
                    Err(io::Error::other(
                        "a file written during this backup cannot be read back yet",
                    ))
                } else if current.contains(&path) {
                    read_base(&path)
                } else {
                    Ok(None)
                };
                let _ = reply.send(r);
            }
            Command::Put {
                path,
                device_path,
                data,
                spent,
                reply,
            } => {
                let reader = ChannelReader::new(data, spent);
                let r = match decrypting.as_mut() {
                    Some(d) => d.put(
                        repo,
                        &mut writer,
                        &path,
                        device_path.as_deref(),
                        meta(),
                        reader,
                    ),
                    None => writer
                        .put_file(&path, meta(), reader)
                        .map(|_| false)
                        .map_err(to_io),
                };
                let r = r.map(|exact| {
                    forms.set(&path, exact);
                    current.insert(path.clone());
                    written.insert(path);
                });
                let _ = reply.send(r);
            }
            Command::Remove { path, reply } => {
                let doomed: Vec<String> = current
                    .iter()
                    .filter(|p| {
                        **p == path || path.is_empty() || p.starts_with(&format!("{path}/"))
                    })
                    .cloned()
                    .collect();
                let mut r = Ok(());
                for p in doomed {
                    if let Err(e) = writer.remove(&p) {
                        r = Err(to_io(e));
                        break;
                    }
                    if let Some(d) = decrypting.as_mut() {
                        d.forget(&p);
                    }
                    forms.set(&p, false);
                    current.remove(&p);
                    written.remove(&p);
                }
                let _ = reply.send(r);
            }
            Command::Move {
                from,
                to,
                keep_source,
                reply,
            } => {
                // Devices move only small files (Status/Manifest staging), so a copy is fine.
                let r = (|| {
                    if written.contains(&from) {
                        return Err(io::Error::other(
                            "moving a file written during this backup is not supported",
                        ));
                    }
                    let bytes = read_base(&from)?
                        .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
                    writer.put_file(&to, meta(), &bytes[..]).map_err(to_io)?;
                    if let Some(d) = decrypting.as_mut() {
                        d.forget(&to);
                    }
                    forms.set(&to, false);
                    current.insert(to.clone());
                    written.insert(to.clone());
                    if !keep_source {
                        writer.remove(&from).map_err(to_io)?;
                        forms.set(&from, false);
                        current.remove(&from);
                    }
                    Ok(())
                })();
                let _ = reply.send(r);
            }
            Command::List { path, reply } => {
                let prefix = if path.is_empty() {
                    String::new()
                } else {
                    format!("{path}/")
                };
                let mut seen = BTreeSet::new();
                let mut out = Vec::new();
                for p in current.iter().filter(|p| p.starts_with(&prefix)) {
                    let rest = &p[prefix.len()..];
                    let (name, is_dir) = match rest.split_once('/') {
                        Some((dir, _)) => (dir, true),
                        None => (rest, false),
                    };
                    if seen.insert(name.to_owned()) {
                        let size = if is_dir {
                            0
                        } else {
                            writer.base_file(p).ok().flatten().map_or(0, |f| f.size)
                        };
                        out.push((name.to_owned(), is_dir, size, 0));
                    }
                }
                let _ = reply.send(Ok(out));
            }
            Command::Commit {
                manifest_plist,
                reply,
            } => {
                let manifest = manifest_plist
                    .as_deref()
                    .and_then(|b| ManifestPlist::from_bytes(b).ok());
                let encrypted = manifest.as_ref().is_some_and(|m| m.is_encrypted);
                let r = (|| {
                    let mut kept_as_sent = (encrypted && !repo.is_encrypted())
                        .then(|| keepsake_i18n::say("kept-as-sent-plain-location", &[]));
                    if let Some(d) = decrypting.take() {
                        let decrypted =
                            d.finish(&mut writer, &mut forms, manifest.as_ref(), meta(), device)?;
                        if encrypted && !decrypted {
                            kept_as_sent =
                                Some(keepsake_i18n::say("kept-as-sent-wrong-password", &[]));
                        }
                    } else if encrypted && kept_as_sent.is_none() {
                        kept_as_sent = Some(keepsake_i18n::say("kept-as-sent-no-password", &[]));
                    }
                    Ok((writer.commit().map_err(to_io)?, kept_as_sent))
                })();
                let _ = reply.send(r);
                return;
            }
        }
    }
    tracing::info!(
        device,
        "backup abandoned before it finished; nothing was committed"
    );
}

/// The previous snapshot as the device sent it, with its keys when the password opens them.
/// A password that no longer opens it (changed elsewhere) is no reason to refuse the backup.
fn open_base(
    repo: &Repository,
    base: i64,
    device: &str,
    password: Option<&Secret>,
) -> Option<AppleView> {
    let opened = match password {
        Some(p) => AppleView::open_for_backup(repo, base, Some(p.expose())).or_else(|e| {
            tracing::warn!(device, error = %e, "the previous snapshot's keys did not open");
            AppleView::open(repo, base, None)
        }),
        None => AppleView::open(repo, base, None),
    };
    match opened {
        Ok(view) => Some(view),
        Err(e) => {
            tracing::warn!(device, error = %e, "the previous snapshot cannot be read as sent");
            None
        }
    }
}

/// Reads file data as the DeviceLink loop hands it over, until the sender is dropped. An abort
/// is a read error, so the writer drops the file.
struct ChannelReader {
    blocks: Receiver<Block>,
    spent: SyncSender<Vec<u8>>,
    /// The rest of the batch being read, its next block last.
    batch: Vec<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
}

impl ChannelReader {
    fn new(blocks: Receiver<Block>, spent: SyncSender<Vec<u8>>) -> Self {
        ChannelReader {
            blocks,
            spent,
            batch: Vec::new(),
            current: Vec::new(),
            pos: 0,
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.current.len() {
            if let Some(block) = self.batch.pop() {
                let spent = std::mem::replace(&mut self.current, block);
                if spent.capacity() <= MAX_SPARE_BLOCK {
                    // Kept while there is room; the DeviceLink loop may be gone already.
                    let _ = self.spent.try_send(spent);
                }
                self.pos = 0;
                continue;
            }
            match self.blocks.recv() {
                Ok(Block::Data(mut batch)) => {
                    batch.reverse();
                    self.batch = batch;
                }
                Ok(Block::Abort) => {
                    return Err(io::Error::other("the device could not send this file"))
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl StoreFolder {
    /// A rename or copy inside the snapshot; a checked plist it puts in place is kept aside
    /// like one the device uploads.
    fn move_file(&mut self, from: &Path, to: &Path, keep_source: bool) -> io::Result<()> {
        let (source, from, to) = (from, self.inner(from)?, self.inner(to)?);
        // Devices move only small files; the writer reads the source whole as well.
        let moved = if Self::checked(&to) {
            let mut bytes = Vec::new();
            if let Some(reader) = self.open(source)? {
                reader
                    .take(MAX_CHECKED_PLIST as u64 + 1)
                    .read_to_end(&mut bytes)?;
            }
            Some(bytes)
        } else {
            None
        };
        self.ask(|reply| Command::Move {
            from: from.clone(),
            to: to.clone(),
            keep_source,
            reply,
        })?;
        if !keep_source {
            self.plists.remove(&from);
        }
        match moved {
            Some(bytes) => {
                self.plists.insert(to, bytes);
            }
            None => {
                self.plists.remove(&to);
            }
        }
        Ok(())
    }
}

impl StoreFolder {
    /// Starts streaming a file to the writer.
    fn start_file(&mut self, path: &Path, device_path: Option<String>) -> io::Result<()> {
        if self.writing.is_some() {
            self.finish()?;
        }
        let path = self.inner(path)?;
        self.capturing = Self::checked(&path).then(|| (path.clone(), Vec::new()));
        // A few batches of slack keep the network and the compressor both busy.
        let (data_tx, data_rx) = mpsc::sync_channel(QUEUED_BATCHES);
        self.pending = (Vec::new(), 0);
        let (reply_tx, reply_rx) = mpsc::channel();
        self.commands
            .as_ref()
            .ok_or_else(|| io::Error::other("the backup is over"))?
            .send(Command::Put {
                path,
                device_path,
                data: data_rx,
                spent: self.spares.0.clone(),
                reply: reply_tx,
            })
            .map_err(|_| io::Error::other("the snapshot writer stopped"))?;
        self.writing = Some((data_tx, reply_rx));
        Ok(())
    }

    /// Hands `data` to the writer, in pieces of at most [`MAX_PIECE`], batched.
    fn write_data(&mut self, data: std::borrow::Cow<'_, [u8]>) -> io::Result<()> {
        if self.writing.is_none() {
            return Err(io::Error::other("no file is being written"));
        }
        if let Some((name, kept)) = &mut self.capturing {
            if kept.len() + data.len() > MAX_CHECKED_PLIST {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("a {name} of more than {MAX_CHECKED_PLIST} bytes is not believable"),
                ));
            }
            kept.extend_from_slice(&data);
        }
        if data.len() <= MAX_PIECE {
            return self.queue(data.into_owned());
        }
        data.chunks(MAX_PIECE)
            .try_for_each(|piece| self.queue(piece.to_vec()))
    }

    /// Adds a piece to the batch, sending the batch once it is [`BATCH`] bytes.
    fn queue(&mut self, piece: Vec<u8>) -> io::Result<()> {
        self.pending.1 += piece.len();
        self.pending.0.push(piece);
        if self.pending.1 >= BATCH {
            self.send_pending()?;
        }
        Ok(())
    }

    /// Sends the blocks not yet sent to the writer.
    fn send_pending(&mut self) -> io::Result<()> {
        let (tx, _) = self
            .writing
            .as_ref()
            .ok_or_else(|| io::Error::other("no file is being written"))?;
        let batch = std::mem::take(&mut self.pending).0;
        if batch.is_empty() || tx.send(Block::Data(batch)).is_ok() {
            return Ok(());
        }
        // The writer gave up on this file; its reply says why.
        let (_, reply) = self.writing.take().expect("checked above");
        let stopped = || io::Error::other("the snapshot writer stopped");
        Err(match reply.recv() {
            Ok(Err(e)) => e,
            _ => stopped(),
        })
    }
}

impl BackupFolder for StoreFolder {
    fn open(&mut self, path: &Path) -> io::Result<Option<Box<dyn Read + Send + '_>>> {
        let path = self.inner(path)?;
        Ok(self
            .ask(|reply| Command::Open { path, reply })?
            .map(|bytes| Box::new(io::Cursor::new(bytes)) as Box<dyn Read + Send>))
    }

    fn create(&mut self, path: &Path) -> io::Result<()> {
        self.start_file(path, None)
    }

    fn create_from(&mut self, path: &Path, device_path: &str) -> io::Result<()> {
        self.start_file(path, Some(device_path.to_owned()))
    }

    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.write_data(std::borrow::Cow::Borrowed(data))
    }

    fn write_owned(&mut self, data: Vec<u8>) -> io::Result<()> {
        self.write_data(std::borrow::Cow::Owned(data))
    }

    fn block_buffer(&mut self) -> Vec<u8> {
        self.spares.1.try_recv().unwrap_or_default()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.send_pending()?;
        let (tx, reply) = self
            .writing
            .take()
            .ok_or_else(|| io::Error::other("no file is being written"))?;
        drop(tx);
        reply
            .recv()
            .map_err(|_| io::Error::other("the snapshot writer stopped"))??;
        if let Some((name, bytes)) = self.capturing.take() {
            self.plists.insert(name, bytes);
        }
        Ok(())
    }

    fn abort(&mut self) -> io::Result<()> {
        self.capturing = None;
        self.pending = (Vec::new(), 0);
        let Some((tx, reply)) = self.writing.take() else {
            return Ok(());
        };
        let _ = tx.send(Block::Abort);
        drop(tx);
        // The writer answers with the read error; the file is simply not in the snapshot.
        match reply.recv() {
            Ok(_) => Ok(()),
            Err(_) => Err(io::Error::other("the snapshot writer stopped")),
        }
    }

    fn create_dir(&mut self, _path: &Path) -> io::Result<()> {
        // Folders exist implicitly in a snapshot, through the files in them.
        Ok(())
    }

    fn list(&mut self, path: &Path) -> io::Result<Vec<(String, bool, u64, i64)>> {
        let path = self.inner(path)?;
        self.ask(|reply| Command::List { path, reply })
    }

    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        self.move_file(from, to, false)
    }

    fn remove(&mut self, path: &Path) -> io::Result<()> {
        let path = self.inner(path)?;
        self.ask(|reply| Command::Remove {
            path: path.clone(),
            reply,
        })?;
        if path.is_empty() {
            self.plists.clear();
        } else {
            self.plists.remove(&path);
        }
        Ok(())
    }

    fn copy(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        self.move_file(from, to, true)
    }

    fn free_space(&mut self) -> io::Result<u64> {
        fs4::available_space(&self.repo_path)
    }
}
