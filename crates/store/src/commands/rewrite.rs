//! Rewriting file versions already committed: the same files, kept in another form.
//!
//! A file version is one row shared by every snapshot in its `[from_seq, to_seq)` interval.
//! [`Rewriter::replace`] gives a version new content and mode (its path, interval and size stay),
//! so every snapshot that sees it sees the new bytes; [`Rewriter::add`] inserts a version into
//! snapshots that lacked the path. New data goes into new packs, as a snapshot's does; nothing
//! is visible until [`Rewriter::commit`] records everything in one catalog transaction (the
//! reference counts, the snapshots' and the device's totals, each row's seal), so a crash leaves
//! the old state or the new one. The old chunks stay in their packs until
//! [`crate::commands::gc`] reclaims them.
//!
//! The caller decides what the new bytes are: Keepsake's core uses it to keep an encrypted
//! device's files, stored as the device sent them, as their exact decryption instead.

use keepsake_i18n::say;
use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::catalog::{decode_content, CatalogResult, RefDeltas};
use crate::commands::backup::{Change, FileData, FileMeta, SnapshotWriter};
use crate::error::{Error, Result};
use crate::repository::Repository;

/// One version of a file: what the snapshots whose sequence number lies in
/// `[from_seq, to_seq)` hold at `path` (`to_seq` `None`: up to the newest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileVersion {
    /// The version's row, what [`Rewriter::replace`] is told.
    pub id: i64,
    pub path: String,
    pub size: u64,
    pub meta: FileMeta,
    pub from_seq: i64,
    pub to_seq: Option<i64>,
}

impl FileVersion {
    /// Whether the snapshot of sequence number `seq` sees this version.
    pub fn visible_in(&self, seq: i64) -> bool {
        self.from_seq <= seq && self.to_seq.is_none_or(|to| seq < to)
    }
}

/// What a rewrite changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RewriteSummary {
    pub versions_replaced: u64,
    pub versions_added: u64,
    /// Bytes read from the new contents.
    pub bytes_read: u64,
    /// Stored (compressed, sealed) bytes of the chunks the new contents added.
    pub bytes_stored: u64,
}

/// Versions being rewritten. Commit with [`Rewriter::commit`]; drop to abandon (nothing
/// changes).
pub struct Rewriter<'r> {
    inner: SnapshotWriter<'r>,
    device: String,
    device_id: i64,
    replaced: Vec<(FileVersion, Change)>,
    added: Vec<(String, i64, Option<i64>, Change)>,
}

impl Repository {
    /// Starts rewriting `device`'s file versions. Holds the repository's writer lock (no backup
    /// runs meanwhile) until committed or dropped.
    pub fn begin_rewrite(&self, device: &str) -> Result<Rewriter<'_>> {
        let inner = self.begin_snapshot(device)?;
        crate::probe::set_phase("rewrite: writing");
        let device_id = inner.device_id().ok_or_else(|| {
            Error::InvalidInput(say("store-invalid-no-snapshot-of", &[("device", &device)]))
        })?;
        Ok(Rewriter {
            inner,
            device: device.to_owned(),
            device_id,
            replaced: Vec::new(),
            added: Vec::new(),
        })
    }
}

impl Rewriter<'_> {
    /// Every version of the device's files, by path then interval.
    pub fn versions(&self) -> Result<Vec<FileVersion>> {
        let repo = self.inner.repo();
        let mut stmt = repo
            .conn
            .prepare(
                "SELECT id, path_key, path, size, mode, mtime_ns, inode, from_seq, to_seq
                 FROM entries WHERE device = ?1",
            )
            .cat(&repo.root)?;
        let rows = stmt
            .query_map([self.device_id], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    FileVersion {
                        id: r.get(0)?,
                        path: String::new(),
                        size: r.get(3)?,
                        meta: FileMeta {
                            mode: r.get(4)?,
                            mtime_ns: r.get(5)?,
                            inode: r.get::<_, i64>(6)? as u64,
                        },
                        from_seq: r.get(7)?,
                        to_seq: r.get(8)?,
                    },
                ))
            })
            .cat(&repo.root)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .cat(&repo.root)?;
        let mut out = rows
            .into_iter()
            .map(|(key, sealed, mut v)| {
                v.path = crate::read::open_path(repo, &key, &sealed)?;
                Ok(v)
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| (&a.path, a.from_seq).cmp(&(&b.path, b.from_seq)));
        Ok(out)
    }

    /// Gives `version` the bytes `data` yields (read to its end) and `mode`: they must be as
    /// many bytes as the version has (its size is part of every snapshot's totals).
    pub fn replace(
        &mut self,
        version: &FileVersion,
        mode: u32,
        data: &mut dyn std::io::Read,
    ) -> Result<()> {
        let meta = FileMeta {
            mode,
            ..version.meta
        };
        let change = self
            .inner
            .cut_from(&version.path, meta, FileData::Read(data))?;
        let Change::Put { size, .. } = &change else {
            unreachable!("cut makes a put")
        };
        if *size != version.size {
            return Err(Error::InvalidInput(say(
                "store-invalid-size-changes",
                &[
                    ("path", &version.path),
                    ("device", &self.device),
                    ("before", &version.size),
                    ("after", &size),
                ],
            )));
        }
        self.replaced.push((version.clone(), change));
        Ok(())
    }

    /// Adds `path` with `data` to the snapshots of sequence numbers in `[from_seq, to_seq)`
    /// (`None`: up to the newest and on into the next backup), none of which may hold it yet.
    pub fn add(
        &mut self,
        path: &str,
        from_seq: i64,
        to_seq: Option<i64>,
        meta: FileMeta,
        data: &[u8],
    ) -> Result<()> {
        if to_seq.is_some_and(|to| to <= from_seq) {
            return Err(Error::InvalidInput(say(
                "store-invalid-empty-interval",
                &[
                    ("path", &path),
                    ("from", &from_seq),
                    ("to", &format!("{to_seq:?}")),
                ],
            )));
        }
        let change = self.inner.cut_from(path, meta, FileData::Bytes(data))?;
        self.added.push((path.to_owned(), from_seq, to_seq, change));
        Ok(())
    }

    /// How many versions wait to be committed.
    pub fn pending(&self) -> usize {
        self.replaced.len() + self.added.len()
    }

    /// Makes the data durable, then every change visible in one catalog transaction.
    pub fn commit(mut self) -> Result<RewriteSummary> {
        crate::probe::set_phase("rewrite: committing");
        let result = self.commit_inner();
        if result.is_ok() {
            self.inner.committed();
        }
        result
    }

    fn commit_inner(&mut self) -> Result<RewriteSummary> {
        let repo = self.inner.repo();
        let root = &repo.root;
        let device = self.device_id;
        self.inner.make_durable()?;
        let tx = repo.conn.unchecked_transaction().cat(root)?;
        let chunk_rows = self.inner.record_packs(&tx)?;
        let mut deltas = RefDeltas::default();
        for (version, change) in &self.replaced {
            let row = self
                .inner
                .row(change, &chunk_rows)
                .expect("a replacement is a put");
            let key = repo.crypto.name_key("path", &version.path);
            let old: Option<(Vec<u8>, i64, Option<i64>, i64)> = tx
                .query_row(
                    "SELECT content, from_seq, to_seq, size FROM entries
                     WHERE id = ?1 AND device = ?2 AND path_key = ?3",
                    (version.id, device, &key),
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
                .cat(root)?;
            let Some((old_content, from_seq, to_seq, old_size)) = old else {
                return Err(Error::InvalidInput(say(
                    "store-invalid-version-gone",
                    &[
                        ("path", &version.path),
                        ("device", &self.device),
                        ("version", &version.id),
                    ],
                )));
            };
            if (from_seq, to_seq, old_size as u64) != (version.from_seq, version.to_seq, row.size) {
                return Err(Error::InvalidInput(say(
                    "store-invalid-version-changed",
                    &[
                        ("path", &version.path),
                        ("device", &self.device),
                        ("version", &version.id),
                    ],
                )));
            }
            let live = i64::from(to_seq.is_none());
            deltas.add(&decode_content(&old_content), -1, -live);
            deltas.add(&row.ids, 1, live);
            let seal = row.seal(&repo.crypto, device, &key, from_seq);
            tx.execute(
                "UPDATE entries SET mode = ?2, content = ?3, part = ?4, seal = ?5 WHERE id = ?1",
                rusqlite::params![version.id, row.meta.mode, row.content, row.part, seal],
            )
            .cat(root)?;
        }
        for (path, from_seq, to_seq, change) in &self.added {
            let row = self
                .inner
                .row(change, &chunk_rows)
                .expect("an addition is a put");
            let key = repo.crypto.name_key("path", path);
            let overlapping: bool = tx
                .query_row(
                    "SELECT EXISTS(SELECT 1 FROM entries WHERE device = ?1 AND path_key = ?2
                       AND (?4 IS NULL OR from_seq < ?4) AND (to_seq IS NULL OR to_seq > ?3))",
                    (device, &key, from_seq, to_seq),
                    |r| r.get(0),
                )
                .cat(root)?;
            if overlapping {
                return Err(Error::InvalidInput(say(
                    "store-invalid-already-there",
                    &[
                        ("path", &path),
                        ("device", &self.device),
                        ("from", &from_seq),
                        ("to", &format!("{to_seq:?}")),
                    ],
                )));
            }
            let live = i64::from(to_seq.is_none());
            deltas.add(&row.ids, 1, live);
            let seal = row.seal(&repo.crypto, device, &key, *from_seq);
            tx.execute(
                "INSERT INTO entries(device, path_key, path, size, mode, mtime_ns, inode, content, from_seq, to_seq, part, seal)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                rusqlite::params![
                    device,
                    key,
                    repo.crypto.seal_path(&key, path),
                    row.size as i64,
                    row.meta.mode,
                    row.meta.mtime_ns,
                    row.meta.inode as i64,
                    row.content,
                    from_seq,
                    to_seq,
                    row.part,
                    seal,
                ],
            )
            .cat(root)?;
            // Every snapshot that sees it counts one more file.
            let touched: Vec<(i64, [i64; 6])> = {
                let mut stmt = tx
                    .prepare_cached(
                        "SELECT id, seq, time, files, bytes, added_bytes FROM snapshots
                         WHERE device = ?1 AND seq >= ?2 AND (?3 IS NULL OR seq < ?3)",
                    )
                    .cat(root)?;
                let rows = stmt
                    .query_map((device, from_seq, to_seq), |r| {
                        Ok((
                            r.get(0)?,
                            [
                                device,
                                r.get(1)?,
                                r.get(2)?,
                                r.get::<_, i64>(3)? + 1,
                                r.get::<_, i64>(4)? + row.size as i64,
                                r.get(5)?,
                            ],
                        ))
                    })
                    .cat(root)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .cat(root)?;
                rows
            };
            for (id, values) in touched {
                let seal = crate::catalog::snapshot_seal(&repo.crypto, values);
                tx.execute(
                    "UPDATE snapshots SET files = ?2, bytes = ?3, seal = ?4 WHERE id = ?1",
                    (id, values[3], values[4], seal),
                )
                .cat(root)?;
            }
            if live == 1 {
                tx.execute(
                    "UPDATE devices SET live_files = live_files + 1, live_bytes = live_bytes + ?2
                     WHERE id = ?1",
                    (device, row.size as i64),
                )
                .cat(root)?;
            }
        }
        deltas.apply(&tx, root)?;
        tx.commit().cat(root)?;
        let stats = self.inner.stats();
        let summary = RewriteSummary {
            versions_replaced: self.replaced.len() as u64,
            versions_added: self.added.len() as u64,
            bytes_read: stats.bytes_read,
            bytes_stored: stats.bytes_stored,
        };
        tracing::info!(repo = %root.display(), ?summary, "file versions rewritten");
        Ok(summary)
    }
}

impl std::fmt::Debug for Rewriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rewriter")
            .field("device_id", &self.device_id)
            .field("replaced", &self.replaced.len())
            .field("added", &self.added.len())
            .finish_non_exhaustive()
    }
}
