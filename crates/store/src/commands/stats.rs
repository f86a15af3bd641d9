//! Space accounting, from counters the commits keep current: no scan of the chunks.
//!
//! - "original": what the newest snapshot of each device takes (logical and stored bytes);
//! - "snapshot overhead": stored bytes that only older snapshots hold;
//! - per snapshot, what deleting it alone would free: found from the file versions only that
//!   snapshot sees (a range query over what changed around it, not over everything).

use std::collections::HashMap;

use serde::Serialize;

use crate::catalog::{decode_content, CatalogResult};
use crate::error::Result;
use crate::read::{self, SnapshotInfo, SnapshotRow};
use crate::repository::Repository;

/// The repository's space, as a user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepoStats {
    /// Bytes of all pack files (what the repository occupies, besides the catalog).
    pub pack_bytes: u64,
    pub packs: u64,
    /// Stored bytes the newest snapshots (one per device) reference: "the original backup".
    pub newest_stored_bytes: u64,
    /// Stored bytes only older snapshots reference: "snapshot overhead".
    pub snapshot_overhead_bytes: u64,
    /// Bytes no snapshot references (forgotten data, pack indexes): what `gc` can reclaim.
    pub unreferenced_bytes: u64,
    pub devices: Vec<DeviceStats>,
    pub snapshots: Vec<SnapshotStats>,
}

/// One device's newest state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceStats {
    pub device: String,
    pub newest_snapshot: Option<i64>,
    pub files: u64,
    /// Logical size of the newest snapshot.
    pub bytes: u64,
}

/// One snapshot and what deleting it alone would free.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotStats {
    #[serde(flatten)]
    pub info: SnapshotInfo,
    pub frees_bytes: u64,
}

/// Space accounting for the whole repository.
pub fn stats(repo: &Repository) -> Result<RepoStats> {
    let root = &repo.root;
    // One consistent view even if a backup commits meanwhile.
    let _read = repo.conn.unchecked_transaction().cat(root)?;
    let (referenced, live): (u64, u64) = repo
        .conn
        .query_row(
            "SELECT referenced_stored, live_stored FROM totals WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .cat(root)?;
    let (packs, pack_bytes): (u64, u64) = repo
        .conn
        .query_row(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM packs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .cat(root)?;
    let snapshots = read::all_snapshots(repo)?;
    let mut devices: Vec<DeviceStats> = Vec::new();
    {
        let mut stmt = repo
            .conn
            .prepare("SELECT id, name, live_files, live_bytes FROM devices ORDER BY id")
            .cat(root)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get(2)?,
                    r.get(3)?,
                ))
            })
            .cat(root)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .cat(root)?;
        for (id, name, files, bytes) in rows {
            devices.push(DeviceStats {
                device: read::open_device_name(repo, &name)?,
                newest_snapshot: snapshots
                    .iter()
                    .filter(|s| s.device_id == id)
                    .max_by_key(|s| s.info.seq)
                    .map(|s| s.info.id),
                files,
                bytes,
            });
        }
    }
    let mut per_snapshot = Vec::with_capacity(snapshots.len());
    for s in &snapshots {
        per_snapshot.push(SnapshotStats {
            info: s.info.clone(),
            frees_bytes: frees(repo, s, &snapshots)?,
        });
    }
    Ok(RepoStats {
        pack_bytes,
        packs,
        newest_stored_bytes: live,
        snapshot_overhead_bytes: referenced.saturating_sub(live),
        unreferenced_bytes: pack_bytes.saturating_sub(referenced),
        devices,
        snapshots: per_snapshot,
    })
}

/// Stored bytes of the chunks that only file versions seen by `snap` alone reference.
fn frees(repo: &Repository, snap: &SnapshotRow, all: &[SnapshotRow]) -> Result<u64> {
    let root = &repo.root;
    let seq = snap.info.seq;
    let same_device = all.iter().filter(|s| s.device_id == snap.device_id);
    let prev = same_device
        .clone()
        .map(|s| s.info.seq)
        .filter(|&q| q < seq)
        .max()
        .unwrap_or(0);
    let next = same_device.map(|s| s.info.seq).filter(|&q| q > seq).min();
    // Versions born after the previous snapshot and gone by the next one: only `snap` sees them.
    let mut stmt = repo
        .conn
        .prepare_cached(
            "SELECT content FROM entries
             WHERE device = ?1 AND from_seq > ?2 AND from_seq <= ?3
               AND (to_seq IS NULL OR to_seq > ?3)
               AND (?4 IS NULL OR (to_seq IS NOT NULL AND to_seq <= ?4))",
        )
        .cat(root)?;
    let mut uses: HashMap<i64, i64> = HashMap::new();
    let rows = stmt
        .query_map((snap.device_id, prev, seq, next), |r| {
            r.get::<_, Vec<u8>>(0)
        })
        .cat(root)?;
    for content in rows {
        for c in decode_content(&content.cat(root)?) {
            *uses.entry(c).or_default() += 1;
        }
    }
    let mut chunk = repo
        .conn
        .prepare_cached("SELECT refs, stored_len FROM chunks WHERE id = ?1")
        .cat(root)?;
    let mut total = 0u64;
    for (c, n) in uses {
        let (refs, stored): (i64, u64) = chunk
            .query_row([c], |r| Ok((r.get(0)?, r.get(1)?)))
            .cat(root)?;
        if refs == n {
            total += stored;
        }
    }
    Ok(total)
}
