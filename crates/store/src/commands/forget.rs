//! Deleting snapshots. Only the catalog changes, in one transaction: file versions no remaining
//! snapshot can see are dropped and their chunks' reference counts lowered. The bytes stay in the
//! packs until [`crate::commands::gc`] reclaims them, so a crash at any point loses nothing.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::catalog::{decode_content, CatalogResult, RefDeltas};
use crate::error::{Error, Result};
use crate::repository::Repository;

/// What forgetting did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ForgetSummary {
    pub snapshots: u64,
    /// File versions no remaining snapshot holds.
    pub file_versions_dropped: u64,
}

/// Deletes the snapshots `ids` (all or nothing). Forgetting a device's newest snapshot makes the
/// one before it the base of the device's next backup.
pub fn forget(repo: &Repository, ids: &[i64]) -> Result<ForgetSummary> {
    crate::probe::set_phase("forget");
    let _lock = crate::lock::writer(&repo.root)?;
    let root = &repo.root;
    // Immediate: the catalog's write lock from the first statement, so a pin set a moment
    // before is seen and one set after waits for this transaction.
    let tx =
        rusqlite::Transaction::new_unchecked(&repo.conn, rusqlite::TransactionBehavior::Immediate)
            .cat(root)?;
    // device -> forgotten seqs
    let mut by_device: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for &id in ids.iter().collect::<BTreeSet<_>>() {
        // A damaged mark counts as a pin too.
        if crate::commands::marks::pinned_in(&tx, repo, id)? {
            return Err(Error::SnapshotPinned {
                repo: root.clone(),
                snapshot: id,
            });
        }
        tx.execute("DELETE FROM marks WHERE snapshot = ?1", [id])
            .cat(root)?;
        let row: Option<(i64, i64)> = tx
            .query_row(
                "DELETE FROM snapshots WHERE id = ?1 RETURNING device, seq",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .cat(root)?;
        let (device, seq) = row.ok_or_else(|| Error::SnapshotNotFound {
            repo: root.clone(),
            snapshot: id,
        })?;
        by_device.entry(device).or_default().insert(seq);
    }

    let mut deltas = RefDeltas::default();
    let mut dropped = 0u64;
    for (device, seqs) in &by_device {
        // Candidates: every version a forgotten snapshot could see.
        let mut candidates: BTreeMap<i64, (i64, Option<i64>, Vec<i64>)> = BTreeMap::new();
        {
            let mut visible = tx
                .prepare_cached(
                    "SELECT id, from_seq, to_seq, content FROM entries
                     WHERE device = ?1 AND from_seq <= ?2 AND (to_seq IS NULL OR to_seq > ?2)",
                )
                .cat(root)?;
            for &seq in seqs {
                let rows = visible
                    .query_map((device, seq), |r| {
                        let content: Vec<u8> = r.get(3)?;
                        Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, content))
                    })
                    .cat(root)?;
                for row in rows {
                    let (id, from, to, content) = row.cat(root)?;
                    candidates.insert(id, (from, to, decode_content(&content)));
                }
            }
        }
        {
            let mut still_seen = tx
                .prepare_cached(
                    "SELECT EXISTS(SELECT 1 FROM snapshots WHERE device = ?1 AND seq >= ?2
                                   AND (?3 IS NULL OR seq < ?3))",
                )
                .cat(root)?;
            let mut delete = tx
                .prepare_cached("DELETE FROM entries WHERE id = ?1")
                .cat(root)?;
            for (id, (from, to, content)) in &candidates {
                let seen: bool = still_seen
                    .query_row((device, from, to), |r| r.get(0))
                    .cat(root)?;
                if !seen {
                    delete.execute([id]).cat(root)?;
                    deltas.add(content, -1, if to.is_none() { -1 } else { 0 });
                    dropped += 1;
                }
            }
        }
        // If the newest snapshot went, the versions the new newest sees become live again.
        let newest: Option<i64> = tx
            .query_row(
                "SELECT MAX(seq) FROM snapshots WHERE device = ?1",
                [device],
                |r| r.get(0),
            )
            .cat(root)?;
        if let Some(newest) = newest {
            let mut reopen = tx
                .prepare_cached(
                    "UPDATE entries SET to_seq = NULL
                     WHERE device = ?1 AND to_seq IS NOT NULL AND to_seq > ?2 AND from_seq <= ?2
                     RETURNING content",
                )
                .cat(root)?;
            let rows = reopen
                .query_map((device, newest), |r| r.get::<_, Vec<u8>>(0))
                .cat(root)?;
            for content in rows {
                deltas.add(&decode_content(&content.cat(root)?), 0, 1);
            }
        }
        tx.execute(
            "UPDATE devices SET
                live_files = (SELECT COUNT(*) FROM entries WHERE device = ?1 AND to_seq IS NULL),
                live_bytes = (SELECT COALESCE(SUM(size), 0) FROM entries WHERE device = ?1 AND to_seq IS NULL)
             WHERE id = ?1",
            [device],
        )
        .cat(root)?;
    }
    deltas.apply(&tx, root)?;
    tx.commit().cat(root)?;
    crate::catalog::checkpoint_after_commit(&repo.conn);
    let summary = ForgetSummary {
        snapshots: by_device.values().map(|s| s.len() as u64).sum(),
        file_versions_dropped: dropped,
    };
    tracing::info!(repo = %root.display(), ?summary, "snapshots forgotten");
    Ok(summary)
}
