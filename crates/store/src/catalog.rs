//! The SQLite catalog: devices, snapshots, file versions, chunks and packs.
//!
//! File versions are stored once per change, not once per snapshot: an entry is visible in every
//! snapshot of its device whose sequence number lies in `[from_seq, to_seq)` (`to_seq` NULL = still
//! in the newest). So a snapshot with nothing changed costs one row, whatever the file count.
//!
//! Paths and device names are sealed (AEAD) when the repository is encrypted, with a keyed hash
//! beside them for lookups. Sizes, times and modes stay in clear: they are needed for the
//! unchanged-file test and space accounting, and reveal the shape of a backup but not its content.
//!
//! A small file shares one chunk with others (see `SMALL_FILE` in `commands::backup`): its
//! `content` is that chunk and `part` says where in it the file lies; NULL means whole chunks.
//!
//! Reference counts kept at commit time make space accounting cheap: `refs` counts entries using a
//! chunk, `live_refs` those still in a newest snapshot; `totals` holds the stored bytes of chunks
//! with `refs > 0` and with `live_refs > 0`, updated as chunks cross zero.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use keepsake_i18n::say;
use rusqlite::{Connection, OpenFlags};

use crate::crypto::Crypto;
use crate::error::{Error, Result};

pub(crate) const CATALOG_FILE: &str = "catalog.db";
/// Schema version this build writes and the newest it reads (`PRAGMA user_version`).
/// Version 2 added `entries.part` (small files stored as slices of a shared chunk); version 3
/// seals paths deterministically under their lookup key (see [`Crypto::seal_path`]); version 4
/// seals the rows of `entries` and `snapshots` ([`Crypto::row_seal`], [`seal_rows`]); version 5
/// adds `marks` (pins and notes, [`crate::commands::marks`]; [`add_marks`]).
pub(crate) const SCHEMA_VERSION: u32 = 5;
/// The version [`seal_rows`] brings a catalog to.
const ROWS_VERSION: u32 = 4;
/// The version [`seal_paths_again`] brings a catalog to.
const PATHS_VERSION: u32 = 3;
/// The version a catalog reaches without the key (see [`migrate`]); the rest needs it
/// ([`seal_paths_again`]).
const KEYLESS_VERSION: u32 = 2;

const SCHEMA: &str = "
CREATE TABLE devices(
    id INTEGER PRIMARY KEY,
    name_key BLOB NOT NULL UNIQUE,
    name BLOB NOT NULL,
    next_seq INTEGER NOT NULL DEFAULT 1,
    live_files INTEGER NOT NULL DEFAULT 0,
    live_bytes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE snapshots(
    id INTEGER PRIMARY KEY,
    device INTEGER NOT NULL REFERENCES devices(id),
    seq INTEGER NOT NULL,
    time INTEGER NOT NULL,
    files INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    added_bytes INTEGER NOT NULL,
    seal BLOB,
    UNIQUE(device, seq)
);
CREATE TABLE packs(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL
);
CREATE TABLE chunks(
    id INTEGER PRIMARY KEY,
    hash BLOB NOT NULL UNIQUE,
    pack INTEGER NOT NULL REFERENCES packs(id),
    offset INTEGER NOT NULL,
    stored_len INTEGER NOT NULL,
    raw_len INTEGER NOT NULL,
    refs INTEGER NOT NULL DEFAULT 0,
    live_refs INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX chunks_pack ON chunks(pack);
CREATE TABLE entries(
    id INTEGER PRIMARY KEY,
    device INTEGER NOT NULL REFERENCES devices(id),
    path_key BLOB NOT NULL,
    path BLOB NOT NULL,
    size INTEGER NOT NULL,
    mode INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    content BLOB NOT NULL,
    from_seq INTEGER NOT NULL,
    to_seq INTEGER,
    part INTEGER,
    seal BLOB
);
CREATE UNIQUE INDEX entries_live ON entries(device, path_key) WHERE to_seq IS NULL;
CREATE INDEX entries_from ON entries(device, from_seq);
CREATE INDEX entries_to ON entries(device, to_seq);
CREATE TABLE totals(
    id INTEGER PRIMARY KEY CHECK (id = 1),
    referenced_stored INTEGER NOT NULL,
    live_stored INTEGER NOT NULL
);
INSERT INTO totals VALUES (1, 0, 0);
";

/// Maps a SQLite failure to an error naming the repository.
pub(crate) trait CatalogResult<T> {
    fn cat(self, repo: &Path) -> Result<T>;
}

impl<T> CatalogResult<T> for rusqlite::Result<T> {
    fn cat(self, repo: &Path) -> Result<T> {
        self.map_err(|source| match &source {
            rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::DiskFull => {
                Error::CatalogFull {
                    repo: repo.to_path_buf(),
                    action: source.to_string(),
                }
            }
            _ => Error::Catalog {
                repo: repo.to_path_buf(),
                source,
            },
        })
    }
}

/// Starts reading the catalog and its log into the page cache, in the background, so the queries
/// after a password's key derivation (a tenth of a second of one core) find it there: a cold
/// restore spent 50-100 ms in random catalog reads before its first pack read. A hint, nothing
/// more: errors are ignored, and at most [`PREFETCH_LIMIT`] bytes of each file are asked for.
pub(crate) fn prefetch(repo: &Path) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let files = [
            repo.join(CATALOG_FILE),
            repo.join(format!("{CATALOG_FILE}-wal")),
        ];
        let spawned = std::thread::Builder::new()
            .name("catalog-prefetch".into())
            .spawn(move || {
                for path in files {
                    let Ok(file) = std::fs::File::open(&path) else {
                        continue;
                    };
                    let len = file.metadata().map_or(0, |m| m.len()).min(PREFETCH_LIMIT);
                    // SAFETY: a valid open descriptor; the call only reads it.
                    unsafe {
                        libc::posix_fadvise(
                            file.as_raw_fd(),
                            0,
                            len as libc::off_t,
                            libc::POSIX_FADV_WILLNEED,
                        )
                    };
                }
            });
        if let Err(e) = spawned {
            tracing::debug!(error = %e, "catalog prefetch not started");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = repo;
}

/// See [`prefetch`]: a catalog larger than this is only partly read ahead.
const PREFETCH_LIMIT: u64 = 64 << 20;

/// Opens (creating when `create`) the catalog with the durability settings the store relies on.
pub(crate) fn open(repo: &Path, create: bool) -> Result<Connection> {
    let path = repo.join(CATALOG_FILE);
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    } else if !path.exists() {
        return Err(Error::BadConfig {
            repo: repo.to_path_buf(),
            reason: say("store-reason-catalog-missing", &[("file", &CATALOG_FILE)]),
        });
    }
    let mut conn = Connection::open_with_flags(&path, flags).cat(repo)?;
    // WAL: readers keep working while a backup writes. synchronous=FULL: a commit that returned
    // survives power loss, which is the whole promise of a snapshot.
    conn.pragma_update(None, "journal_mode", "WAL").cat(repo)?;
    conn.pragma_update(None, "synchronous", "FULL").cat(repo)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .cat(repo)?;
    // The log is emptied after every commit and at the last close: see `checkpoint_after_commit`.
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .cat(repo)?;
    if version > SCHEMA_VERSION {
        return Err(Error::NewerFormat {
            repo: repo.to_path_buf(),
            what: "store-what-catalog",
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version == 0 {
        if !create {
            return Err(Error::BadConfig {
                repo: repo.to_path_buf(),
                reason: say("store-reason-catalog-no-schema", &[("file", &CATALOG_FILE)]),
            });
        }
        let tx = conn.unchecked_transaction().cat(repo)?;
        tx.execute_batch(SCHEMA).cat(repo)?;
        tx.execute_batch(MARKS_TABLE).cat(repo)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .cat(repo)?;
        tx.commit().cat(repo)?;
        checkpoint_after_commit(&conn);
    } else if version < KEYLESS_VERSION {
        migrate(&mut conn, repo)?;
        checkpoint_after_commit(&conn);
    }
    Ok(conn)
}

/// Brings an older catalog up to [`KEYLESS_VERSION`] in one transaction. Version 1 data is valid
/// version 2 data: it only lacks the `part` column (NULL = whole chunks).
fn migrate(conn: &mut Connection, repo: &Path) -> Result<()> {
    crate::probe::set_phase("catalog migration: version 2");
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .cat(repo)?;
    // Read again under the write lock: another process may have migrated it meanwhile.
    let version: u32 = tx
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .cat(repo)?;
    if version == 1 {
        tx.execute_batch("ALTER TABLE entries ADD COLUMN part INTEGER")
            .cat(repo)?;
        tx.pragma_update(None, "user_version", KEYLESS_VERSION)
            .cat(repo)?;
        tracing::info!(repo = %repo.display(), from = version, to = KEYLESS_VERSION, "catalog migrated");
    }
    tx.commit().cat(repo)
}

/// Paths re-sealed per statement batch while upgrading (memory stays flat).
const RESEAL_BATCH: i64 = 10_000;

/// Brings a version 2 catalog to version 3 with the key: its paths, sealed with a random nonce
/// and a tag (40 bytes a file), are sealed again deterministically under their lookup key
/// ([`Crypto::seal_path`]), in one transaction, then the freed space is given back (VACUUM).
/// A path that does not open is left as it was: it stays unreadable, as it was, and `check`
/// names it. Clear repositories store paths as they are in both versions.
pub(crate) fn seal_paths_again(conn: &mut Connection, crypto: &Crypto, repo: &Path) -> Result<()> {
    let version = |c: &Connection| -> Result<u32> {
        c.pragma_query_value(None, "user_version", |r| r.get(0))
            .cat(repo)
    };
    if version(conn)? >= PATHS_VERSION {
        return Ok(());
    }
    crate::probe::set_phase("catalog migration: version 3 (paths sealed again)");
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .cat(repo)?;
    // Read again under the write lock: another process may have done it meanwhile.
    if version(&tx)? >= PATHS_VERSION {
        return tx.commit().cat(repo);
    }
    let (mut sealed, mut unreadable) = (0u64, 0u64);
    if crypto.is_encrypted() {
        let mut select = tx
            .prepare("SELECT id, path_key, path FROM entries WHERE id > ?1 ORDER BY id LIMIT ?2")
            .cat(repo)?;
        let mut update = tx
            .prepare("UPDATE entries SET path = ?2 WHERE id = ?1")
            .cat(repo)?;
        let mut after = 0i64;
        loop {
            let rows = select
                .query_map((after, RESEAL_BATCH), |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                    ))
                })
                .cat(repo)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .cat(repo)?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            for (id, key, old) in rows {
                match crypto.open_name("path", &old) {
                    Some(path) => {
                        update
                            .execute((id, crypto.seal_path(&key, &path)))
                            .cat(repo)?;
                        sealed += 1;
                    }
                    None => unreadable += 1,
                }
            }
        }
    }
    tx.pragma_update(None, "user_version", PATHS_VERSION)
        .cat(repo)?;
    tx.commit().cat(repo)?;
    if unreadable > 0 {
        tracing::warn!(repo = %repo.display(), unreadable, "file names that did not decrypt were left as they were");
    }
    tracing::info!(repo = %repo.display(), sealed, to = PATHS_VERSION, "catalog paths sealed again");
    if sealed > 0 {
        // Each row shrank by 40 bytes.
        compact_if_sparse(conn, repo);
    }
    Ok(())
}

/// Row seals committed per batch while upgrading (memory stays flat).
const SEAL_BATCH: i64 = 10_000;

/// The seal of an `entries` row: every value but `to_seq` (which changes when a later snapshot
/// replaces the version, and which the snapshots' counts check) and `path` (sealed itself).
#[allow(clippy::too_many_arguments)]
pub(crate) fn entry_seal(
    crypto: &Crypto,
    device: i64,
    path_key: &[u8],
    size: i64,
    mode: i64,
    mtime_ns: i64,
    inode: i64,
    content: &[u8],
    from_seq: i64,
    part: Option<i64>,
) -> Vec<u8> {
    use crate::crypto::RowField::{Bytes, Int, Null};
    crypto.row_seal(
        "entries",
        &[
            Int(device),
            Bytes(path_key),
            Int(size),
            Int(mode),
            Int(mtime_ns),
            Int(inode),
            Bytes(content),
            Int(from_seq),
            part.map_or(Null, Int),
        ],
    )
}

/// A `snapshots` row as sealed: its id, `[device, seq, time, files, bytes, added_bytes]` and
/// its seal (none before version 4).
pub(crate) struct SnapshotRow {
    pub id: i64,
    pub values: [i64; 6],
    pub seal: Option<Vec<u8>>,
}

/// Every `snapshots` row (the `seal` column must exist).
pub(crate) fn snapshot_rows(conn: &Connection, repo: &Path) -> Result<Vec<SnapshotRow>> {
    conn.prepare(
        "SELECT id, device, seq, time, files, bytes, added_bytes, seal FROM snapshots ORDER BY id",
    )
    .cat(repo)?
    .query_map([], |r| {
        Ok(SnapshotRow {
            id: r.get(0)?,
            values: [
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ],
            seal: r.get(7)?,
        })
    })
    .cat(repo)?
    .collect::<rusqlite::Result<_>>()
    .cat(repo)
}

/// The seal of a `snapshots` row (all of it: nothing in it changes).
pub(crate) fn snapshot_seal(crypto: &Crypto, values: [i64; 6]) -> Vec<u8> {
    let fields = values.map(crate::crypto::RowField::Int);
    crypto.row_seal("snapshots", &fields)
}

/// Brings a version 3 catalog to version 4 with the key: every row of `entries` and
/// `snapshots` gets its seal, in one transaction.
pub(crate) fn seal_rows(conn: &mut Connection, crypto: &Crypto, repo: &Path) -> Result<()> {
    let version = |c: &Connection| -> Result<u32> {
        c.pragma_query_value(None, "user_version", |r| r.get(0))
            .cat(repo)
    };
    if version(conn)? >= ROWS_VERSION {
        return Ok(());
    }
    crate::probe::set_phase("catalog migration: version 4 (row seals)");
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .cat(repo)?;
    if version(&tx)? >= ROWS_VERSION {
        return tx.commit().cat(repo);
    }
    tx.execute_batch(
        "ALTER TABLE entries ADD COLUMN seal BLOB; ALTER TABLE snapshots ADD COLUMN seal BLOB;",
    )
    .cat(repo)?;
    let mut rows_sealed = 0u64;
    {
        let mut select = tx
            .prepare(
                "SELECT id, device, path_key, size, mode, mtime_ns, inode, content, from_seq, part
                 FROM entries WHERE id > ?1 ORDER BY id LIMIT ?2",
            )
            .cat(repo)?;
        let mut update = tx
            .prepare("UPDATE entries SET seal = ?2 WHERE id = ?1")
            .cat(repo)?;
        let mut after = 0i64;
        loop {
            let rows = select
                .query_map((after, SEAL_BATCH), |r| {
                    let key: Vec<u8> = r.get(2)?;
                    let content: Vec<u8> = r.get(7)?;
                    Ok((
                        r.get::<_, i64>(0)?,
                        entry_seal(
                            crypto,
                            r.get(1)?,
                            &key,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            &content,
                            r.get(8)?,
                            r.get(9)?,
                        ),
                    ))
                })
                .cat(repo)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .cat(repo)?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            for (id, seal) in rows {
                update.execute((id, seal)).cat(repo)?;
                rows_sealed += 1;
            }
        }
        let snapshots = snapshot_rows(&tx, repo)?;
        for SnapshotRow { id, values, .. } in snapshots {
            tx.execute(
                "UPDATE snapshots SET seal = ?2 WHERE id = ?1",
                (id, snapshot_seal(crypto, values)),
            )
            .cat(repo)?;
            rows_sealed += 1;
        }
    }
    tx.pragma_update(None, "user_version", ROWS_VERSION)
        .cat(repo)?;
    tx.commit().cat(repo)?;
    checkpoint_after_commit(conn);
    tracing::info!(repo = %repo.display(), rows_sealed, to = ROWS_VERSION, "catalog rows sealed");
    Ok(())
}

/// The `marks` table.
const MARKS_TABLE: &str = "CREATE TABLE IF NOT EXISTS marks(
    snapshot INTEGER PRIMARY KEY REFERENCES snapshots(id),
    pinned INTEGER NOT NULL,
    note BLOB,
    seal BLOB NOT NULL
)";

/// Brings a version 4 catalog to version 5: an empty `marks` table (pins kept beside the store
/// by older versions are moved in by their owner, `keepsake_core::pins`).
pub(crate) fn add_marks(conn: &mut Connection, repo: &Path) -> Result<()> {
    let version = |c: &Connection| -> Result<u32> {
        c.pragma_query_value(None, "user_version", |r| r.get(0))
            .cat(repo)
    };
    if version(conn)? >= SCHEMA_VERSION {
        return Ok(());
    }
    crate::probe::set_phase("catalog migration: version 5 (marks)");
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .cat(repo)?;
    if version(&tx)? == ROWS_VERSION {
        tx.execute_batch(MARKS_TABLE).cat(repo)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .cat(repo)?;
        tracing::info!(repo = %repo.display(), to = SCHEMA_VERSION, "catalog migrated");
    }
    tx.commit().cat(repo)?;
    checkpoint_after_commit(conn);
    Ok(())
}

/// Rewrites the catalog without its free pages (VACUUM) when more than a tenth of it is free,
/// then moves the write-ahead log into it whatever its size: after deleting snapshots and
/// collecting their garbage, or an upgrade (rare, heavy work, after which the space is wanted
/// back). Best effort: the catalog is complete either way, only larger.
pub(crate) fn compact_if_sparse(conn: &Connection, repo: &Path) {
    let pages = |pragma: &str| -> i64 {
        conn.pragma_query_value(None, pragma, |r| r.get(0))
            .unwrap_or(0)
    };
    let (free, total) = (pages("freelist_count"), pages("page_count"));
    if free * 10 > total {
        match conn.execute_batch("VACUUM") {
            Ok(()) => tracing::debug!(repo = %repo.display(), free, total, "catalog compacted"),
            Err(e) => tracing::debug!(error = %e, "catalog not compacted"),
        }
    }
    checkpoint(conn);
}

/// Moves the write-ahead log into the catalog and empties it after every commit, so that at
/// rest the catalog is one file. A log left at rest is fragile: SQLite drops a log frame whose
/// checksum fails *and every frame after it*, so one flipped bit there silently loses the last
/// commits (the flip campaign, `tests/bit_flips.rs`, found it: each such flip lost the newest
/// snapshots and nothing said so). In the catalog file itself a flip is seen by
/// `integrity_check` and `check`'s row checks. Costs a checkpoint's fsyncs per commit. Best
/// effort: with a reader in the middle of a transaction it does what it can, and the next
/// commit or the last close finishes.
pub(crate) fn checkpoint_after_commit(conn: &Connection) {
    checkpoint(conn);
}

/// Moves the write-ahead log into the catalog and empties it (see [`checkpoint_after_commit`]).
fn checkpoint(conn: &Connection) {
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
        tracing::debug!(error = %e, "catalog checkpoint deferred");
    }
}

/// A file's content as stored in `entries.content`: chunk row ids, 8 bytes LE each.
pub(crate) fn encode_content(chunks: &[i64]) -> Vec<u8> {
    chunks.iter().flat_map(|c| c.to_le_bytes()).collect()
}

pub(crate) fn decode_content(blob: &[u8]) -> Vec<i64> {
    blob.chunks_exact(8)
        .map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect()
}

/// Where a small file lies in the shared chunk that holds it (`entries.part`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Part {
    pub offset: u32,
    pub len: u32,
}

impl Part {
    /// `offset << 32 | len`, as stored.
    pub(crate) fn encode(self) -> i64 {
        (i64::from(self.offset) << 32) | i64::from(self.len)
    }

    pub(crate) fn decode(v: i64) -> Part {
        Part {
            offset: (v >> 32) as u32,
            len: v as u32,
        }
    }

    /// Where the slice lies in its chunk of `chunk_len` bytes, if it can be right for a file of
    /// `size` bytes stored as `chunks` chunks: one chunk, the slice inside it, as long as the
    /// file. The catalog is untrusted; readers and `check` apply this same rule.
    pub(crate) fn within(self, chunks: usize, size: u64, chunk_len: u64) -> Option<Range<u64>> {
        let start = u64::from(self.offset);
        let end = start + u64::from(self.len);
        (chunks == 1 && u64::from(self.len) == size && end <= chunk_len).then_some(start..end)
    }
}

/// Reference-count changes gathered over a transaction, applied once per chunk.
#[derive(Default)]
pub(crate) struct RefDeltas(HashMap<i64, (i64, i64)>);

impl RefDeltas {
    /// Counts one more (or less) use of each chunk of `content`, live or not.
    pub(crate) fn add(&mut self, content: &[i64], refs: i64, live: i64) {
        for &c in content {
            let d = self.0.entry(c).or_default();
            d.0 += refs;
            d.1 += live;
        }
    }

    /// Applies the changes, keeping `totals` in step when a chunk's counts cross zero.
    pub(crate) fn apply(self, conn: &Connection, repo: &Path) -> Result<()> {
        let mut bump = conn
            .prepare_cached(
                "UPDATE chunks SET refs = refs + ?2, live_refs = live_refs + ?3 WHERE id = ?1
                 RETURNING refs, live_refs, stored_len",
            )
            .cat(repo)?;
        let (mut referenced, mut live_total) = (0i64, 0i64);
        for (chunk, (refs, live)) in self.0 {
            if refs == 0 && live == 0 {
                continue;
            }
            let (new_refs, new_live, stored): (i64, i64, i64) = bump
                .query_row((chunk, refs, live), |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .cat(repo)?;
            referenced += crossing(new_refs - refs, new_refs, stored);
            live_total += crossing(new_live - live, new_live, stored);
        }
        if referenced != 0 || live_total != 0 {
            conn.execute(
                "UPDATE totals SET referenced_stored = referenced_stored + ?1,
                                   live_stored = live_stored + ?2 WHERE id = 1",
                (referenced, live_total),
            )
            .cat(repo)?;
        }
        Ok(())
    }
}

/// `+stored` when a count goes from zero to positive, `-stored` the other way.
fn crossing(old: i64, new: i64, stored: i64) -> i64 {
    match (old > 0, new > 0) {
        (false, true) => stored,
        (true, false) => -stored,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `crate::durable` says the store relies on: the log, and commits synced before they
    /// return (the power-cut campaign fails with synchronous=OFF).
    #[test]
    fn the_catalog_is_a_write_ahead_log_synced_at_every_commit() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(dir.path(), true).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        let synchronous: i64 = conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(
            (mode.as_str(), synchronous),
            ("wal", 2),
            "WAL, synchronous=FULL"
        );
    }

    #[test]
    fn content_round_trips() {
        let ids = vec![1, 2, i64::MAX, 42];
        assert_eq!(decode_content(&encode_content(&ids)), ids);
    }

    #[test]
    fn part_round_trips() {
        for (offset, len) in [(0, 0), (1, 2), (u32::MAX, u32::MAX), (131_072, 3_500)] {
            let p = Part { offset, len };
            assert_eq!(Part::decode(p.encode()), p);
        }
    }

    #[test]
    fn a_slice_is_accepted_only_inside_its_one_chunk_and_as_long_as_its_file() {
        let p = Part { offset: 10, len: 5 };
        assert_eq!(p.within(1, 5, 15), Some(10..15));
        assert_eq!(p.within(1, 5, 14), None, "past the chunk's end");
        assert_eq!(p.within(1, 6, 15), None, "not the file's size");
        assert_eq!(p.within(2, 5, 15), None, "a file of two chunks");
        let huge = Part {
            offset: u32::MAX,
            len: u32::MAX,
        };
        assert_eq!(
            huge.within(1, u64::from(u32::MAX), u64::MAX),
            Some(u64::from(u32::MAX)..2 * u64::from(u32::MAX))
        );
        assert_eq!(huge.within(1, u64::from(u32::MAX), 1 << 20), None);
    }

    #[test]
    fn a_catalog_mostly_free_after_deletions_is_compacted_and_a_full_one_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(dir.path(), true).unwrap();
        let free = |c: &Connection| -> i64 {
            c.pragma_query_value(None, "freelist_count", |r| r.get(0))
                .unwrap()
        };
        let pages = |c: &Connection| -> i64 {
            c.pragma_query_value(None, "page_count", |r| r.get(0))
                .unwrap()
        };
        for i in 0..5000 {
            conn.execute(
                "INSERT INTO packs(name, size) VALUES (?1, 0)",
                [format!("{i:0>60}")],
            )
            .unwrap();
        }
        let full = pages(&conn);
        compact_if_sparse(&conn, dir.path());
        assert_eq!(pages(&conn), full, "nothing free: left alone");
        conn.execute("DELETE FROM packs WHERE id > 100", [])
            .unwrap();
        assert!(free(&conn) * 10 > pages(&conn));
        compact_if_sparse(&conn, dir.path());
        assert_eq!(free(&conn), 0);
        assert!(pages(&conn) * 4 < full, "{} of {full} pages", pages(&conn));
        let left: i64 = conn
            .query_row("SELECT COUNT(*) FROM packs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 100);
        // The log is moved into the catalog whatever its size.
        conn.execute("DELETE FROM packs WHERE id > 99", []).unwrap();
        let wal = dir.path().join(format!("{CATALOG_FILE}-wal"));
        assert!(std::fs::metadata(&wal).unwrap().len() > 0);
        compact_if_sparse(&conn, dir.path());
        assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0);
    }

    #[test]
    fn newer_catalog_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path(), true).unwrap());
        let conn = Connection::open(dir.path().join(CATALOG_FILE)).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        match open(dir.path(), false) {
            Err(Error::NewerFormat {
                what: "store-what-catalog",
                found,
                ..
            }) => {
                assert_eq!(found, SCHEMA_VERSION + 1)
            }
            other => panic!("expected NewerFormat, got {other:?}"),
        }
    }
}
