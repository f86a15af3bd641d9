//! Reclaiming the space of forgotten data.
//!
//! Packs whose chunks are all unreferenced are deleted outright (packs group chunks of one kind
//! and one backup, so this is the common case and costs no data copying). Packs that are mostly
//! garbage are repacked: their live chunks, verified, are copied into new packs, made durable,
//! and one catalog transaction moves the chunks over; only then are the old packs deleted. A crash
//! before the commit leaves new packs the next writer adopts; after it, old packs nobody refers
//! to, which the next run deletes.

use keepsake_i18n::say;
use serde::Serialize;

use crate::catalog::CatalogResult;
use crate::chunker::ChunkClass;
use crate::error::{Error, Result};
use crate::pack::{decode_blob, read_blob, PackWriter};
use crate::repository::Repository;

/// How eagerly to repack.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GcOptions {
    /// Repack a pack once this fraction of its bytes is garbage (0.0 to 1.0).
    pub repack_garbage_fraction: f64,
}

impl Default for GcOptions {
    /// Packs that are mostly garbage: repacking copies the live rest, so a pack only a little
    /// garbage costs more to copy than its garbage is worth.
    fn default() -> Self {
        GcOptions {
            repack_garbage_fraction: 0.5,
        }
    }
}

/// What gc did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GcSummary {
    pub packs_deleted: u64,
    pub packs_repacked: u64,
    pub chunks_dropped: u64,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

struct PackUsage {
    id: i64,
    name: String,
    size: u64,
    live_bytes: u64,
}

/// Turns the shared reader lock exclusive for gc's lifetime, back to shared after.
struct ExclusiveReaders<'a>(&'a Repository);

impl Drop for ExclusiveReaders<'_> {
    fn drop(&mut self) {
        if let Err(e) = crate::lock::downgrade(&self.0.root, &self.0.readers_lock) {
            tracing::warn!(error = %e, "could not return to a shared lock");
        }
    }
}

/// Deletes and repacks packs holding unreferenced chunks.
pub fn gc(repo: &Repository, options: &GcOptions) -> Result<GcSummary> {
    crate::probe::set_phase("gc: deleting unused packs");
    if !(0.0..=1.0).contains(&options.repack_garbage_fraction) {
        return Err(Error::InvalidInput(say(
            "store-invalid-garbage-fraction",
            &[],
        )));
    }
    let root = &repo.root;
    let _writer = crate::lock::writer(root)?;
    crate::lock::upgrade(root, &repo.readers_lock)?;
    let _exclusive = ExclusiveReaders(repo);
    crate::commands::backup::recover_leftovers(repo)?;

    let usage = pack_usage(repo)?;
    let mut summary = GcSummary {
        bytes_before: usage.iter().map(|p| p.size).sum(),
        ..GcSummary::default()
    };
    let (dead, live): (Vec<_>, Vec<_>) = usage.into_iter().partition(|p| p.live_bytes == 0);
    let to_repack: Vec<PackUsage> = live
        .into_iter()
        .filter(|p| {
            let garbage = p.size.saturating_sub(p.live_bytes) as f64;
            garbage > 0.0 && garbage >= options.repack_garbage_fraction * p.size as f64
        })
        .collect();

    if !dead.is_empty() || !to_repack.is_empty() {
        repo.backend.unsettle()?;
    }
    // Fully dead packs: catalog first, files after.
    if !dead.is_empty() {
        let tx = repo.conn.unchecked_transaction().cat(root)?;
        for p in &dead {
            summary.chunks_dropped += tx
                .execute("DELETE FROM chunks WHERE pack = ?1", [p.id])
                .cat(root)? as u64;
            tx.execute("DELETE FROM packs WHERE id = ?1", [p.id])
                .cat(root)?;
        }
        tx.commit().cat(root)?;
        for p in &dead {
            repo.backend.remove_pack(&p.name)?;
        }
        summary.packs_deleted = dead.len() as u64;
    }

    if !to_repack.is_empty() {
        summary.chunks_dropped += repack(repo, &to_repack)?;
        summary.packs_repacked = to_repack.len() as u64;
    }
    repo.backend.settle()?;
    // The catalog rows of what was deleted leave free pages: given back too.
    crate::catalog::compact_if_sparse(&repo.conn, &repo.root);
    summary.bytes_after = pack_usage(repo)?.iter().map(|p| p.size).sum();
    tracing::info!(repo = %root.display(), ?summary, "garbage collected");
    Ok(summary)
}

fn pack_usage(repo: &Repository) -> Result<Vec<PackUsage>> {
    let mut stmt = repo
        .conn
        .prepare(
            "SELECT p.id, p.name, p.size,
                    COALESCE(SUM(CASE WHEN c.refs > 0 THEN c.stored_len ELSE 0 END), 0)
             FROM packs p LEFT JOIN chunks c ON c.pack = p.id GROUP BY p.id",
        )
        .cat(&repo.root)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(PackUsage {
                id: r.get(0)?,
                name: r.get(1)?,
                size: r.get(2)?,
                live_bytes: r.get(3)?,
            })
        })
        .cat(&repo.root)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .cat(&repo.root);
    rows
}

struct Moved {
    chunk: i64,
    pack: String,
    offset: u64,
}

/// Copies the live chunks of `packs` into new packs and retires the old ones; returns the
/// number of dead chunks dropped.
fn repack(repo: &Repository, packs: &[PackUsage]) -> Result<u64> {
    crate::probe::set_phase("gc: repacking");
    let root = &repo.root;
    let mut moved = Vec::new();
    let mut finished = Vec::new();
    let mut retired = Vec::new();
    let mut writer: Option<PackWriter> = None;
    for p in packs {
        let mut stmt = repo
            .conn
            .prepare_cached(
                "SELECT id, hash, offset, stored_len, raw_len FROM chunks
                 WHERE pack = ?1 AND refs > 0 ORDER BY offset",
            )
            .cat(root)?;
        let chunks = stmt
            .query_map([p.id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, u64>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, u32>(4)?,
                ))
            })
            .cat(root)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .cat(root)?;
        // Verify before copying: a damaged chunk stays where `check` can report it.
        let mut blobs = Vec::with_capacity(chunks.len());
        let mut damaged = false;
        for (chunk, hash, offset, stored_len, raw_len) in chunks {
            let id: crate::crypto::ChunkId =
                hash.try_into().map_err(|_| Error::DamagedCatalog {
                    repo: root.clone(),
                    reason: say("store-reason-malformed-chunk-id", &[("chunk", &chunk)]),
                })?;
            let blob = read_blob(repo.backend.as_ref(), &p.name, offset, stored_len);
            match blob.and_then(|b| decode_blob(&repo.crypto, &id, raw_len, &b).map(|_| b)) {
                Ok(b) => blobs.push((chunk, id, b, raw_len)),
                Err(fault) => {
                    tracing::warn!(pack = %p.name, %fault, "damaged chunk: pack left as it is");
                    damaged = true;
                    break;
                }
            }
        }
        if damaged {
            continue;
        }
        for (chunk, id, blob, raw_len) in blobs {
            if writer.is_none() {
                writer = Some(PackWriter::create(
                    repo.backend.as_ref(),
                    ChunkClass::Media,
                )?);
            }
            let w = writer.as_mut().expect("just opened");
            let offset = w.append(id, &blob, raw_len)?;
            moved.push(Moved {
                chunk,
                pack: w.name().to_string(),
                offset,
            });
            if w.len() >= repo.config.chunking.pack_target {
                finished.push(writer.take().expect("open").finish(&repo.crypto)?);
            }
        }
        retired.push(p);
    }
    if let Some(w) = writer {
        finished.push(w.finish(&repo.crypto)?);
    }

    let tx = repo.conn.unchecked_transaction().cat(root)?;
    let mut pack_ids = std::collections::HashMap::new();
    for f in &finished {
        tx.execute(
            "INSERT INTO packs(name, size) VALUES (?1, ?2)",
            (&f.name, f.size),
        )
        .cat(root)?;
        pack_ids.insert(f.name.clone(), tx.last_insert_rowid());
    }
    {
        let mut update = tx
            .prepare_cached("UPDATE chunks SET pack = ?2, offset = ?3 WHERE id = ?1")
            .cat(root)?;
        for m in &moved {
            update
                .execute((m.chunk, pack_ids[&m.pack], m.offset))
                .cat(root)?;
        }
    }
    let mut dropped = 0u64;
    for p in &retired {
        // Whatever is still recorded in the old pack is garbage (live chunks have moved).
        dropped += tx
            .execute("DELETE FROM chunks WHERE pack = ?1", [p.id])
            .cat(root)? as u64;
        tx.execute("DELETE FROM packs WHERE id = ?1", [p.id])
            .cat(root)?;
    }
    tx.commit().cat(root)?;
    for p in &retired {
        repo.backend.remove_pack(&p.name)?;
    }
    Ok(dropped)
}
