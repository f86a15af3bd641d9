//! Verifying a repository: the catalog's integrity and bookkeeping, then every chunk read back,
//! decrypted, decompressed and hashed. A damaged chunk is reported with every snapshot and file
//! it affects, so the user knows exactly what cannot be restored.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::catalog::{decode_content, CatalogResult, Part};
use crate::crypto::{hex, ChunkId};
use crate::error::{ChunkFault, Result};
use crate::pack::{decode_blob, read_blob};
use crate::read;
use crate::repository::Repository;

/// What `check` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub chunks_checked: u64,
    pub bytes_checked: u64,
    /// Problems in the catalog itself (SQLite integrity, reference counts, dangling ids).
    pub catalog_problems: Vec<String>,
    pub damaged_chunks: Vec<DamagedChunk>,
    /// Files that cannot be restored because of a damaged chunk.
    pub affected_files: Vec<AffectedFile>,
}

impl CheckReport {
    /// Whether everything verified.
    pub fn is_ok(&self) -> bool {
        self.catalog_problems.is_empty() && self.damaged_chunks.is_empty()
    }
}

/// A chunk that failed verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DamagedChunk {
    /// The first 8 bytes of its id, hex.
    pub chunk: String,
    pub pack: String,
    pub fault: String,
}

/// A file version that holds a damaged chunk, and the snapshots that contain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AffectedFile {
    pub device: String,
    pub path: String,
    pub snapshots: Vec<i64>,
}

const MAX_LISTED: usize = 50;

struct EntryRecord {
    device: i64,
    from: i64,
    to: Option<i64>,
    sealed_path: Vec<u8>,
    path_key: Vec<u8>,
    content: Vec<i64>,
    size: u64,
    part: Option<Part>,
}

struct ChunkRecord {
    id: i64,
    hash: Vec<u8>,
    pack: String,
    offset: u64,
    stored: u32,
    raw: u32,
    refs: i64,
    live_refs: i64,
}

/// Verifies the catalog and every chunk. `progress` is told the stored bytes of each chunk read.
pub fn check(repo: &Repository, progress: &mut dyn FnMut(u64)) -> Result<CheckReport> {
    let root = &repo.root;
    let mut report = CheckReport::default();
    repo.backend.refresh();
    // One read transaction: the recount must see a single state even if a backup commits
    // meanwhile (WAL keeps this snapshot of the catalog for us).
    let _read = repo.conn.unchecked_transaction().cat(root)?;

    let integrity: String = repo
        .conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .cat(root)?;
    if integrity != "ok" {
        report.catalog_problems.push(format!("SQLite: {integrity}"));
    }

    // Recount references from the file versions and compare with the stored counters.
    let mut counted: HashMap<i64, (i64, i64)> = HashMap::new();
    let mut entries: Vec<EntryRecord> = Vec::new();
    {
        let mut stmt = repo
            .conn
            .prepare(
                "SELECT device, from_seq, to_seq, path, content, size, part, path_key FROM entries",
            )
            .cat(root)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(EntryRecord {
                    device: r.get(0)?,
                    from: r.get(1)?,
                    to: r.get(2)?,
                    sealed_path: r.get(3)?,
                    content: decode_content(&r.get::<_, Vec<u8>>(4)?),
                    size: r.get(5)?,
                    part: r.get::<_, Option<i64>>(6)?.map(Part::decode),
                    path_key: r.get(7)?,
                })
            })
            .cat(root)?;
        for row in rows {
            let row = row.cat(root)?;
            for &c in &row.content {
                let e = counted.entry(c).or_default();
                e.0 += 1;
                if row.to.is_none() {
                    e.1 += 1;
                }
            }
            entries.push(row);
        }
    }

    // Every chunk, in pack order so reads are sequential.
    let mut chunks: Vec<ChunkRecord> = Vec::new();
    {
        let mut stmt = repo
            .conn
            .prepare(
                "SELECT c.id, c.hash, p.name, c.offset, c.stored_len, c.raw_len, c.refs, c.live_refs
                 FROM chunks c JOIN packs p ON p.id = c.pack ORDER BY c.pack, c.offset",
            )
            .cat(root)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ChunkRecord {
                    id: r.get(0)?,
                    hash: r.get(1)?,
                    pack: r.get(2)?,
                    offset: r.get(3)?,
                    stored: r.get(4)?,
                    raw: r.get(5)?,
                    refs: r.get(6)?,
                    live_refs: r.get(7)?,
                })
            })
            .cat(root)?;
        for row in rows {
            chunks.push(row.cat(root)?);
        }
    }
    let known: HashSet<i64> = chunks.iter().map(|c| c.id).collect();
    let (mut referenced, mut live) = (0u64, 0u64);
    let mut problems = Vec::new();
    for c in &chunks {
        let (want_refs, want_live) = counted.get(&c.id).copied().unwrap_or_default();
        if (c.refs, c.live_refs) != (want_refs, want_live) {
            problems.push(format!(
                "chunk {}: reference counts {}/{}, file versions say {want_refs}/{want_live}",
                c.id, c.refs, c.live_refs
            ));
        }
        if want_refs > 0 {
            referenced += u64::from(c.stored);
        }
        if want_live > 0 {
            live += u64::from(c.stored);
        }
    }
    for c in counted.keys().filter(|c| !known.contains(c)) {
        problems.push(format!("chunk {c} is used by a file but not recorded"));
    }
    // A small file's slice must lie within its one chunk and match its size.
    let raw: HashMap<i64, u32> = chunks.iter().map(|c| (c.id, c.raw)).collect();
    for e in &entries {
        let Some(part) = e.part else { continue };
        let chunk_len = e.content.first().and_then(|c| raw.get(c)).copied();
        let fits = chunk_len.is_some_and(|len| {
            part.within(e.content.len(), e.size, u64::from(len))
                .is_some()
        });
        if !fits {
            let path = read::open_path(repo, &e.path_key, &e.sealed_path)
                .unwrap_or_else(|_| "(a file whose name does not decrypt)".into());
            problems.push(format!(
                "{path}: its slice ({} bytes at {}) does not fit its chunk or its size",
                part.len, part.offset
            ));
        }
    }
    let totals: (u64, u64) = repo
        .conn
        .query_row(
            "SELECT referenced_stored, live_stored FROM totals",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .cat(root)?;
    if totals != (referenced, live) {
        problems.push(format!(
            "space totals {totals:?} differ from the recount {:?}",
            (referenced, live)
        ));
    }
    report
        .catalog_problems
        .extend(problems.into_iter().take(MAX_LISTED));

    let mut damaged: HashMap<i64, (String, String, ChunkFault)> = HashMap::new();
    for c in &chunks {
        let Ok(chunk_id) = <ChunkId>::try_from(c.hash.as_slice()) else {
            report
                .catalog_problems
                .push(format!("chunk {} has a malformed id", c.id));
            continue;
        };
        let result = read_blob(repo.backend.as_ref(), &c.pack, c.offset, c.stored)
            .and_then(|blob| decode_blob(&repo.crypto, &chunk_id, c.raw, &blob));
        report.chunks_checked += 1;
        report.bytes_checked += u64::from(c.stored);
        progress(u64::from(c.stored));
        if let Err(fault) = result {
            damaged.insert(c.id, (hex(&chunk_id[..8]), c.pack.clone(), fault));
        }
    }
    let mut listed: Vec<_> = damaged.values().cloned().collect();
    listed.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    report.damaged_chunks = listed
        .into_iter()
        .map(|(chunk, pack, fault)| DamagedChunk {
            chunk,
            pack,
            fault: fault.to_string(),
        })
        .collect();

    if !damaged.is_empty() {
        let snapshots = read::all_snapshots(repo)?;
        let mut affected: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
        for e in &entries {
            if !e.content.iter().any(|c| damaged.contains_key(c)) {
                continue;
            }
            let path = read::open_path(repo, &e.path_key, &e.sealed_path)?;
            let holders = snapshots.iter().filter(|s| {
                s.device_id == e.device
                    && s.info.seq >= e.from
                    && e.to.is_none_or(|t| s.info.seq < t)
            });
            for s in holders {
                affected
                    .entry((s.info.device.clone(), path.clone()))
                    .or_default()
                    .push(s.info.id);
            }
        }
        report.affected_files = affected
            .into_iter()
            .map(|((device, path), mut snapshots)| {
                snapshots.sort_unstable();
                AffectedFile {
                    device,
                    path,
                    snapshots,
                }
            })
            .collect();
    }
    if report.is_ok() {
        tracing::info!(repo = %root.display(), chunks = report.chunks_checked, "check passed");
    } else {
        tracing::warn!(
            repo = %root.display(),
            damaged = report.damaged_chunks.len(),
            problems = report.catalog_problems.len(),
            "check found problems"
        );
    }
    Ok(report)
}
