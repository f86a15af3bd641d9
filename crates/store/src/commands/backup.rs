//! Writing a snapshot: "the device's previous snapshot plus these changes", as one transaction.
//!
//! Data goes into new packs as it streams in (sealed and packed on a second thread, see
//! `packer`); each pack is synced and atomically renamed when closed; only once all are durable
//! does one SQLite transaction record the packs, chunks, file versions and the snapshot row. Until that commit nothing is visible, so dropping the writer or crashing leaves
//! every earlier snapshot exactly as it was. Packs that reached the disk without a commit are
//! adopted by the next writer (their chunks are reused), half-written ones deleted.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::sync::Arc;

use keepsake_i18n::say;
use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::backend::orphans;
use crate::catalog::{decode_content, encode_content, CatalogResult, Part, RefDeltas};
use crate::chunker::{split, split_slice, ChunkClass};
use crate::crypto::ChunkId;
use crate::error::{Error, Result};
use crate::pack::read_index;
use crate::packer::Packer;
use crate::read::SnapshotInfo;
use crate::repository::Repository;

/// What the store keeps about a file besides its bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FileMeta {
    /// Unix permission bits and type (`st_mode`).
    pub mode: u32,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// Inode on the source, so a folder import can recognise unchanged files without reading them.
    pub inode: u64,
}

/// A file as the base snapshot holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseFile {
    pub size: u64,
    pub meta: FileMeta,
}

/// Counters of one writer's work so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WriteStats {
    pub files_written: u64,
    pub files_removed: u64,
    /// Bytes read from the sources.
    pub bytes_read: u64,
    pub chunks_new: u64,
    pub chunks_reused: u64,
    /// Stored (compressed, sealed) bytes of new chunks.
    pub bytes_stored: u64,
}

/// Files of at most this many bytes share chunks ("groups") instead of having one each: a chunk
/// costs about 200 bytes of catalog rows and pack index whatever its size, as much as a small
/// plist itself, and small files compress better together (their headers repeat).
pub(crate) const SMALL_FILE: usize = 16 * 1024;
/// A group holds at most this many bytes: large enough to spread a chunk's cost over dozens of
/// files, small enough that reading one file decrypts little else. No larger than the size the
/// packer starts probing at, so a group is always compressed: its files' repeated headers are
/// most of the gain, and a probe of its start can miss them.
pub(crate) const GROUP_TARGET: usize = 128 * 1024;
const _: () = assert!(GROUP_TARGET <= crate::pack::PROBE_ABOVE);

pub(crate) enum Change {
    Put {
        size: u64,
        meta: FileMeta,
        content: Vec<ChunkRef>,
        /// Set for a small file: where it lies in its group (`content` is that one chunk).
        part: Option<Part>,
    },
    Remove,
}

#[derive(Clone, Copy)]
pub(crate) enum ChunkRef {
    Stored(i64),
    Pending(usize),
    /// A group of small files, by its number in [`SnapshotWriter::groups`] (known once stored).
    Group(usize),
}

/// Small files waiting to be stored together as one chunk.
#[derive(Default)]
struct OpenGroup {
    bytes: Vec<u8>,
    /// How the groups stored so far were stored, by group number.
    stored: Vec<ChunkRef>,
}

/// A file version's row as it is about to be written: its chunks' rows known.
pub(crate) struct NewRow {
    pub size: u64,
    pub meta: FileMeta,
    /// The chunks' rows, in order.
    pub ids: Vec<i64>,
    /// `ids` as the catalog keeps them.
    pub content: Vec<u8>,
    pub part: Option<i64>,
}

impl NewRow {
    /// The row's seal, for `device`'s path of lookup key `key`, from sequence `from_seq` on.
    pub(crate) fn seal(
        &self,
        crypto: &crate::crypto::Crypto,
        device: i64,
        key: &[u8],
        from_seq: i64,
    ) -> Vec<u8> {
        crate::catalog::entry_seal(
            crypto,
            device,
            key,
            self.size as i64,
            i64::from(self.meta.mode),
            self.meta.mtime_ns,
            self.meta.inode as i64,
            &self.content,
            from_seq,
            self.part,
        )
    }
}

/// A file's bytes for [`SnapshotWriter::cut_from`].
pub(crate) enum FileData<'a> {
    Read(&'a mut dyn Read),
    Bytes(&'a [u8]),
}

/// A snapshot being written. Commit it with [`SnapshotWriter::commit`]; drop it to abandon.
pub struct SnapshotWriter<'r> {
    repo: &'r Repository,
    _writer_lock: File,
    device: String,
    device_id: Option<i64>,
    base: Option<i64>,
    time: Option<i64>,
    changes: BTreeMap<String, Change>,
    /// New chunks handed to the packer, by id: a chunk repeated within the snapshot is stored once.
    pending_index: HashMap<ChunkId, usize>,
    groups: OpenGroup,
    packer: Packer,
    stats: WriteStats,
    /// Set when the disk filled up: then this writer's packs are deleted rather than kept for
    /// reuse, since keeping them would leave the disk full for the next attempt.
    disk_full: bool,
}

impl Repository {
    /// Starts the next snapshot of `device`, based on its newest one. Refused while another
    /// writer (in this or another process) holds the repository.
    pub fn begin_snapshot(&self, device: &str) -> Result<SnapshotWriter<'_>> {
        crate::probe::set_phase("snapshot: writing");
        if device.is_empty() {
            return Err(Error::InvalidInput(say("store-invalid-empty-device", &[])));
        }
        let lock = crate::lock::writer(&self.root)?;
        recover_leftovers(self)?;
        let key = self.crypto.name_key("device", device);
        let device_id: Option<i64> = self
            .conn
            .query_row("SELECT id FROM devices WHERE name_key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .cat(&self.root)?;
        let base = match device_id {
            Some(d) => self
                .conn
                .query_row(
                    "SELECT id FROM snapshots WHERE device = ?1 ORDER BY seq DESC LIMIT 1",
                    [d],
                    |r| r.get(0),
                )
                .optional()
                .cat(&self.root)?,
            None => None,
        };
        tracing::debug!(repo = %self.root.display(), ?base, "snapshot started");
        Ok(SnapshotWriter {
            repo: self,
            _writer_lock: lock,
            device: device.to_string(),
            device_id,
            base,
            time: None,
            changes: BTreeMap::new(),
            pending_index: HashMap::new(),
            groups: OpenGroup::default(),
            packer: Packer::start(
                self.crypto.clone(),
                Arc::clone(&self.backend),
                self.config.chunking.clone(),
            )?,
            stats: WriteStats::default(),
            disk_full: false,
        })
    }
}

/// Deletes half-written packs and adopts whole ones the catalog does not know (a writer that
/// crashed or was dropped after closing them), so their chunks are reused instead of re-sent.
/// Only after an interrupted write: otherwise there is nothing to find, and listing every pack
/// would be most of an unchanged backup's time.
pub(crate) fn recover_leftovers(repo: &Repository) -> Result<()> {
    crate::probe::set_phase("recovering an interrupted write");
    if !repo.backend.unsettled()? {
        return Ok(());
    }
    let partials = repo.backend.clean_partials()?;
    let known: HashSet<String> = {
        let mut stmt = repo
            .conn
            .prepare("SELECT name FROM packs")
            .cat(&repo.root)?;
        let names = stmt
            .query_map([], |r| r.get(0))
            .cat(&repo.root)?
            .collect::<rusqlite::Result<_>>()
            .cat(&repo.root)?;
        names
    };
    let orphans = orphans(repo.backend.list_packs()?, &known);
    let (mut adopted, mut removed) = (0, 0);
    for name in orphans {
        let Some((size, entries)) = read_index(repo.backend.as_ref(), &repo.crypto, &name) else {
            // Unreadable and referenced by nothing committed: it can only be garbage.
            repo.backend.remove_pack(&name)?;
            removed += 1;
            continue;
        };
        let tx = repo.conn.unchecked_transaction().cat(&repo.root)?;
        tx.execute(
            "INSERT INTO packs(name, size) VALUES (?1, ?2)",
            (&name, size),
        )
        .cat(&repo.root)?;
        let pack = tx.last_insert_rowid();
        for e in entries {
            tx.execute(
                "INSERT OR IGNORE INTO chunks(hash, pack, offset, stored_len, raw_len)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                (&e.id[..], pack, e.offset, e.stored_len, e.raw_len),
            )
            .cat(&repo.root)?;
        }
        tx.commit().cat(&repo.root)?;
        crate::catalog::checkpoint_after_commit(&repo.conn);
        adopted += 1;
    }
    repo.backend.settle()?;
    if partials + adopted + removed > 0 {
        tracing::info!(
            repo = %repo.root.display(),
            partials, adopted, removed,
            "recovered leftovers of an interrupted write"
        );
    }
    Ok(())
}

/// Snapshot paths are relative, `/`-separated, without `.`/`..`/empty parts: the same rule
/// restore enforces, checked here too so bad paths never get in.
pub(crate) fn check_path(path: &str) -> std::result::Result<(), String> {
    if path.is_empty() || path.starts_with('/') || path.contains('\0') || path.contains('\\') {
        return Err(say(
            "store-invalid-path-not-relative",
            &[("path", &format!("{path:?}"))],
        ));
    }
    if path
        .split('/')
        .any(|p| p.is_empty() || p == "." || p == "..")
    {
        return Err(say(
            "store-invalid-path-component",
            &[("path", &format!("{path:?}"))],
        ));
    }
    Ok(())
}

impl SnapshotWriter<'_> {
    /// The snapshot this one builds on (the device's newest), if any.
    pub fn base(&self) -> Option<i64> {
        self.base
    }

    /// Work done so far.
    pub fn stats(&self) -> WriteStats {
        WriteStats {
            bytes_stored: self.packer.stored_bytes(),
            ..self.stats
        }
    }

    /// Records the snapshot as taken at `unix_secs` instead of now (imports of old backups).
    pub fn set_time(&mut self, unix_secs: i64) {
        self.time = Some(unix_secs);
    }

    /// How the base snapshot holds `path`, without reading any file data.
    pub fn base_file(&self, path: &str) -> Result<Option<BaseFile>> {
        let Some(device) = self.device_id else {
            return Ok(None);
        };
        let key = self.repo.crypto.name_key("path", path);
        let mut stmt = self
            .repo
            .conn
            .prepare_cached(
                "SELECT size, mode, mtime_ns, inode FROM entries
                 WHERE device = ?1 AND path_key = ?2 AND to_seq IS NULL",
            )
            .cat(&self.repo.root)?;
        stmt.query_row((device, key), |r| {
            Ok(BaseFile {
                size: r.get(0)?,
                meta: FileMeta {
                    mode: r.get(1)?,
                    mtime_ns: r.get(2)?,
                    inode: r.get(3)?,
                },
            })
        })
        .optional()
        .cat(&self.repo.root)
    }

    /// The whole base snapshot's metadata in one query, by keyed path hash (see
    /// [`crate::crypto::Crypto::name_key`]): how a folder import tells unchanged files apart
    /// without a query, or a decryption, per file.
    pub(crate) fn base_index(&self) -> Result<HashMap<Vec<u8>, BaseFile>> {
        let Some(device) = self.device_id else {
            return Ok(HashMap::new());
        };
        let mut stmt = self
            .repo
            .conn
            .prepare(
                "SELECT path_key, size, mode, mtime_ns, inode FROM entries
                 WHERE device = ?1 AND to_seq IS NULL",
            )
            .cat(&self.repo.root)?;
        let rows = stmt
            .query_map([device], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    BaseFile {
                        size: r.get(1)?,
                        meta: FileMeta {
                            mode: r.get(2)?,
                            mtime_ns: r.get(3)?,
                            inode: r.get(4)?,
                        },
                    },
                ))
            })
            .cat(&self.repo.root)?;
        rows.collect::<rusqlite::Result<_>>().cat(&self.repo.root)
    }

    /// [`SnapshotWriter::remove`] for a base file known by its keyed path hash.
    pub(crate) fn remove_by_key(&mut self, key: &[u8]) -> Result<bool> {
        let Some(device) = self.device_id else {
            return Ok(false);
        };
        let sealed: Option<Vec<u8>> = self
            .repo
            .conn
            .query_row(
                "SELECT path FROM entries WHERE device = ?1 AND path_key = ?2 AND to_seq IS NULL",
                (device, key),
                |r| r.get(0),
            )
            .optional()
            .cat(&self.repo.root)?;
        match sealed {
            Some(sealed) => {
                let path = crate::read::open_path(self.repo, key, &sealed)?;
                self.remove(&path)
            }
            None => Ok(false),
        }
    }

    /// Every path of the base snapshot.
    pub fn base_paths(&self) -> Result<Vec<String>> {
        let Some(device) = self.device_id else {
            return Ok(Vec::new());
        };
        let mut stmt = self
            .repo
            .conn
            .prepare("SELECT path_key, path FROM entries WHERE device = ?1 AND to_seq IS NULL")
            .cat(&self.repo.root)?;
        let sealed = stmt
            .query_map([device], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .cat(&self.repo.root)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .cat(&self.repo.root)?;
        sealed
            .iter()
            .map(|(key, s)| crate::read::open_path(self.repo, key, s))
            .collect()
    }

    /// Adds or replaces `path` with the bytes `data` yields (read to its end); returns its size.
    pub fn put_file(&mut self, path: &str, meta: FileMeta, data: impl Read) -> Result<u64> {
        let result = self.put_file_inner(path, meta, data);
        result.map_err(|e| self.classify(e))
    }

    /// Turns an out-of-space failure into [`Error::DiskFull`] and remembers it.
    fn classify(&mut self, e: Error) -> Error {
        if e.is_disk_full() {
            self.disk_full = true;
            Error::DiskFull {
                repo: self.repo.root.clone(),
            }
        } else {
            e
        }
    }

    /// [`SnapshotWriter::put_file`] of bytes already in memory (cut without copying them).
    pub fn put_bytes(&mut self, path: &str, meta: FileMeta, data: &[u8]) -> Result<u64> {
        let params = &self.repo.config.chunking;
        let result = self.put_chunks(path, meta, |sink| split_slice(params, data, sink));
        result.map_err(|e| self.classify(e))
    }

    fn put_file_inner(&mut self, path: &str, meta: FileMeta, data: impl Read) -> Result<u64> {
        let params = &self.repo.config.chunking;
        self.put_chunks(path, meta, |sink| split(params, path, data, sink))
    }

    /// Records `path` with the chunks `cut` hands over.
    fn put_chunks(
        &mut self,
        path: &str,
        meta: FileMeta,
        cut: impl FnOnce(&mut dyn FnMut(ChunkClass, &[u8]) -> Result<()>) -> Result<u64>,
    ) -> Result<u64> {
        let change = self.cut(path, meta, cut)?;
        let Change::Put { size, .. } = change else {
            unreachable!("cut makes a put")
        };
        self.changes.insert(path.to_string(), change);
        Ok(size)
    }

    /// Stores the chunks `cut` hands over for `path`, and says how the file is made of them.
    pub(crate) fn cut(
        &mut self,
        path: &str,
        meta: FileMeta,
        cut: impl FnOnce(&mut dyn FnMut(ChunkClass, &[u8]) -> Result<()>) -> Result<u64>,
    ) -> Result<Change> {
        check_path(path).map_err(Error::InvalidInput)?;
        let mut content = Vec::new();
        let mut part = None;
        let size = cut(&mut |class, chunk| {
            // A small file comes as one chunk of its own class; empty files keep their own
            // (empty, shared) chunk.
            if class == ChunkClass::Small && !chunk.is_empty() && chunk.len() <= SMALL_FILE {
                if self.groups.bytes.len() + chunk.len() > GROUP_TARGET {
                    self.store_group()?;
                }
                let offset = self.groups.bytes.len() as u32;
                self.groups.bytes.extend_from_slice(chunk);
                part = Some(Part {
                    offset,
                    len: chunk.len() as u32,
                });
                content.push(ChunkRef::Group(self.groups.stored.len()));
            } else {
                content.push(self.store_chunk(class, chunk)?);
            }
            Ok(())
        })?;
        self.packer.end_file()?;
        self.stats.files_written += 1;
        self.stats.bytes_read += size;
        Ok(Change::Put {
            size,
            meta,
            content,
            part,
        })
    }

    /// [`SnapshotWriter::cut`] of a file read from `data`, or of bytes in memory.
    pub(crate) fn cut_from(
        &mut self,
        path: &str,
        meta: FileMeta,
        data: FileData<'_>,
    ) -> Result<Change> {
        let params = self.repo.config.chunking.clone();
        let result = match data {
            FileData::Read(read) => self.cut(path, meta, |sink| split(&params, path, read, sink)),
            FileData::Bytes(bytes) => {
                self.cut(path, meta, |sink| split_slice(&params, bytes, sink))
            }
        };
        result.map_err(|e| self.classify(e))
    }

    /// Stores the open group of small files as one ordinary chunk.
    fn store_group(&mut self) -> Result<()> {
        if self.groups.bytes.is_empty() {
            return Ok(());
        }
        let bytes = std::mem::take(&mut self.groups.bytes);
        let stored = self.store_chunk(ChunkClass::Small, &bytes);
        // On failure the group stays open, still matching its files' slices.
        self.groups.bytes = bytes;
        self.groups.stored.push(stored?);
        tracing::trace!(
            bytes = self.groups.bytes.len(),
            "small files stored as one chunk"
        );
        self.groups.bytes.clear();
        Ok(())
    }

    /// Removes `path` from the new snapshot; returns whether it was there.
    pub fn remove(&mut self, path: &str) -> Result<bool> {
        let in_base = self.base_file(path)?.is_some();
        let was_put = matches!(self.changes.get(path), Some(Change::Put { .. }));
        if in_base {
            self.changes.insert(path.to_string(), Change::Remove);
        } else {
            self.changes.remove(path);
        }
        if in_base || was_put {
            self.stats.files_removed += 1;
        }
        Ok(in_base || was_put)
    }

    fn store_chunk(&mut self, class: ChunkClass, data: &[u8]) -> Result<ChunkRef> {
        let repo = self.repo;
        let id = repo.crypto.chunk_id(data);
        if let Some(&i) = self.pending_index.get(&id) {
            self.stats.chunks_reused += 1;
            return Ok(ChunkRef::Pending(i));
        }
        let known: Option<i64> = repo
            .conn
            .prepare_cached("SELECT id FROM chunks WHERE hash = ?1")
            .and_then(|mut s| s.query_row([&id[..]], |r| r.get(0)).optional())
            .cat(&repo.root)?;
        if let Some(row) = known {
            self.stats.chunks_reused += 1;
            return Ok(ChunkRef::Stored(row));
        }
        let index = self
            .packer
            .store(class, id, crate::pack::frame(&repo.crypto, data))?;
        self.pending_index.insert(id, index);
        self.stats.chunks_new += 1;
        Ok(ChunkRef::Pending(index))
    }

    /// Stores the last group and makes every pack durable and visible: before the catalog may
    /// point at them.
    pub(crate) fn make_durable(&mut self) -> Result<()> {
        self.store_group()?;
        let packed = self.packer.finish();
        match packed.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Records the new packs and chunks in `tx` (after [`SnapshotWriter::make_durable`]); returns
    /// the new chunks' rows, in the order they were handed to the packer.
    pub(crate) fn record_packs(&mut self, tx: &rusqlite::Transaction<'_>) -> Result<Vec<i64>> {
        let root = &self.repo.root;
        let packed = &*self.packer.finish();
        let mut pack_ids = HashMap::new();
        for p in &packed.packs {
            tx.execute(
                "INSERT INTO packs(name, size) VALUES (?1, ?2)",
                (&p.name, p.size),
            )
            .cat(root)?;
            pack_ids.insert(p.name.as_str(), tx.last_insert_rowid());
        }
        let mut chunk_rows = Vec::with_capacity(packed.chunks.len());
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO chunks(hash, pack, offset, stored_len, raw_len) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .cat(root)?;
            for c in &packed.chunks {
                insert
                    .execute((
                        &c.id[..],
                        pack_ids[&*c.pack],
                        c.offset,
                        c.stored_len,
                        c.raw_len,
                    ))
                    .cat(root)?;
                chunk_rows.push(tx.last_insert_rowid());
            }
        }
        Ok(chunk_rows)
    }

    /// The row `change` makes, once the new chunks have their rows (`None` for a removal).
    pub(crate) fn row(&self, change: &Change, chunk_rows: &[i64]) -> Option<NewRow> {
        let Change::Put {
            size,
            meta,
            content,
            part,
        } = change
        else {
            return None;
        };
        let ids: Vec<i64> = content
            .iter()
            .map(|&c| chunk_row(c, &self.groups.stored, chunk_rows))
            .collect();
        Some(NewRow {
            size: *size,
            meta: *meta,
            content: encode_content(&ids),
            ids,
            part: part.map(Part::encode),
        })
    }

    /// After the catalog transaction committed: the packs belong to the catalog now, not to
    /// the leftovers.
    pub(crate) fn committed(&mut self) {
        crate::catalog::checkpoint_after_commit(&self.repo.conn);
        if !std::mem::take(&mut self.packer.finish().packs).is_empty() {
            if let Err(e) = self.repo.backend.settle() {
                // The commit is safe; the next writer merely searches for leftovers.
                tracing::warn!(error = %e, "could not mark the packs settled");
            }
        }
    }

    pub(crate) fn device_id(&self) -> Option<i64> {
        self.device_id
    }

    /// Makes the data durable, then the snapshot visible in one catalog transaction.
    pub fn commit(mut self) -> Result<SnapshotInfo> {
        let result = self.commit_inner();
        result.map_err(|e| self.classify(e))
    }

    fn commit_inner(&mut self) -> Result<SnapshotInfo> {
        crate::probe::set_phase("snapshot: committing");
        let repo = self.repo;
        let root = &repo.root;
        self.make_durable()?;
        let tx = repo.conn.unchecked_transaction().cat(root)?;
        let device = match self.device_id {
            Some(d) => d,
            None => {
                tx.execute(
                    "INSERT INTO devices(name_key, name) VALUES (?1, ?2)",
                    (
                        repo.crypto.name_key("device", &self.device),
                        repo.crypto.seal_name("device", &self.device),
                    ),
                )
                .cat(root)?;
                tx.last_insert_rowid()
            }
        };
        let (seq, mut files, mut bytes): (i64, i64, i64) = tx
            .query_row(
                "SELECT next_seq, live_files, live_bytes FROM devices WHERE id = ?1",
                [device],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .cat(root)?;

        let chunk_rows = self.record_packs(&tx)?;

        let mut deltas = RefDeltas::default();
        {
            let mut end = tx
                .prepare_cached(
                    "UPDATE entries SET to_seq = ?3 WHERE device = ?1 AND path_key = ?2 AND to_seq IS NULL
                     RETURNING size, content",
                )
                .cat(root)?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO entries(device, path_key, path, size, mode, mtime_ns, inode, content, from_seq, part, seal)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .cat(root)?;
            for (path, change) in &self.changes {
                let key = repo.crypto.name_key("path", path);
                let ended: Option<(i64, Vec<u8>)> = end
                    .query_row((device, &key, seq), |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .cat(root)?;
                if let Some((size, content)) = ended {
                    files -= 1;
                    bytes -= size;
                    deltas.add(&decode_content(&content), 0, -1);
                }
                if let Some(row) = self.row(change, &chunk_rows) {
                    deltas.add(&row.ids, 1, 1);
                    let seal = row.seal(&repo.crypto, device, &key, seq);
                    let NewRow {
                        size,
                        meta,
                        content,
                        part,
                        ..
                    } = row;
                    insert
                        .execute(rusqlite::params![
                            device,
                            key,
                            repo.crypto.seal_path(&key, path),
                            size as i64,
                            meta.mode,
                            meta.mtime_ns,
                            meta.inode as i64,
                            content,
                            seq,
                            part,
                            seal,
                        ])
                        .cat(root)?;
                    files += 1;
                    bytes += size as i64;
                }
            }
        }
        deltas.apply(&tx, root)?;
        let time = self.time.unwrap_or_else(now_secs);
        let added_bytes = self.packer.stored_bytes();
        let seal = crate::catalog::snapshot_seal(
            &repo.crypto,
            [device, seq, time, files, bytes, added_bytes as i64],
        );
        tx.execute(
            "INSERT INTO snapshots(device, seq, time, files, bytes, added_bytes, seal) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            (device, seq, time, files, bytes, added_bytes as i64, seal),
        )
        .cat(root)?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "UPDATE devices SET next_seq = ?2, live_files = ?3, live_bytes = ?4 WHERE id = ?1",
            (device, seq + 1, files, bytes),
        )
        .cat(root)?;
        tx.commit().cat(root)?;
        self.committed();
        tracing::info!(
            repo = %root.display(), snapshot = id, seq, files,
            new_bytes = added_bytes, "snapshot committed"
        );
        Ok(SnapshotInfo {
            id,
            device: self.device.clone(),
            seq,
            time,
            files: files as u64,
            bytes: bytes as u64,
            added_bytes,
        })
    }
}

impl<'r> SnapshotWriter<'r> {
    pub(crate) fn repo(&self) -> &'r Repository {
        self.repo
    }
}

impl std::fmt::Debug for SnapshotWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotWriter")
            .field("repo", &self.repo.root)
            .field("base", &self.base)
            .field("changes", &self.changes.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Drop for SnapshotWriter<'_> {
    fn drop(&mut self) {
        // Open packs delete themselves; closed ones stay for the next writer to adopt.
        let packed = self.packer.stop(false);
        if self.disk_full {
            for pack in packed.packs.drain(..) {
                if let Err(e) = self.repo.backend.remove_pack(&pack.name) {
                    tracing::warn!(error = %e, "could not delete an uncommitted pack");
                }
            }
        }
        if !packed.packs.is_empty() {
            tracing::info!(
                repo = %self.repo.root.display(),
                closed_packs = packed.packs.len(),
                "snapshot abandoned before commit; earlier snapshots are untouched"
            );
        }
    }
}

/// The chunk row a reference stands for, once the new chunks have their rows.
fn chunk_row(c: ChunkRef, groups: &[ChunkRef], chunk_rows: &[i64]) -> i64 {
    match c {
        ChunkRef::Stored(row) => row,
        ChunkRef::Pending(i) => chunk_rows[i],
        // A group is stored as a plain chunk, never as another group.
        ChunkRef::Group(g) => chunk_row(groups[g], groups, chunk_rows),
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::check_path;

    #[test]
    fn snapshot_paths_must_be_plain_relative() {
        for ok in ["a", "Library/SMS/sms.db", "00/3d0d7e5f", "a b/c..d"] {
            assert!(check_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "a/../b",
            "..",
            "./a",
            "a//b",
            "a/",
            "a\\b",
            "a\0b",
        ] {
            assert!(check_path(bad).is_err(), "{bad:?}");
        }
    }
}
