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
    /// Problems in the catalog itself (SQLite integrity, reference counts, dangling ids, names
    /// that do not decrypt, row values that disagree with the chunks or the snapshots).
    pub catalog_problems: Vec<String>,
    /// Problems of the pack files themselves (header, index, footer, size), by pack.
    #[serde(default)]
    pub pack_problems: Vec<String>,
    pub damaged_chunks: Vec<DamagedChunk>,
    /// Files that cannot be restored because of a damaged chunk.
    pub affected_files: Vec<AffectedFile>,
    /// Only a sample of the chunks was read (see [`Scope::Sample`]); the catalog was checked
    /// whole.
    #[serde(default)]
    pub sampled: bool,
    /// Chunks in the repository (of which `chunks_checked` were read).
    #[serde(default)]
    pub chunks_total: u64,
}

/// Which chunks a check reads back (the catalog is always checked whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every chunk.
    All,
    /// What a backup just wrote, and a share of the rest: the chunks of every file version that
    /// began in `snapshot`, and each other chunk with a chance of `permille`/1000 (chosen by
    /// `seed`, so that successive samples cover the repository over time).
    Sample {
        snapshot: i64,
        permille: u32,
        seed: u64,
    },
}

impl CheckReport {
    /// Whether everything verified.
    pub fn is_ok(&self) -> bool {
        self.catalog_problems.is_empty()
            && self.pack_problems.is_empty()
            && self.damaged_chunks.is_empty()
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
    /// `content` as stored, for its seal.
    raw_content: Vec<u8>,
    size: u64,
    part: Option<Part>,
    raw_part: Option<i64>,
    mode: i64,
    mtime_ns: i64,
    inode: i64,
    seal: Option<Vec<u8>>,
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

/// Whether each chunk is read back, for a sample (`None`: all of them).
#[allow(clippy::type_complexity)]
fn chosen_chunks(
    repo: &Repository,
    scope: Scope,
    entries: &[EntryRecord],
) -> Result<Option<Box<dyn Fn(i64) -> bool>>> {
    let Scope::Sample {
        snapshot,
        permille,
        seed,
    } = scope
    else {
        return Ok(None);
    };
    let (device, seq): (i64, i64) = repo
        .conn
        .query_row(
            "SELECT device, seq FROM snapshots WHERE id = ?1",
            [snapshot],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .cat(&repo.root)?;
    let new: HashSet<i64> = entries
        .iter()
        .filter(|e| e.device == device && e.from == seq)
        .flat_map(|e| e.content.iter().copied())
        .collect();
    Ok(Some(Box::new(move |id| {
        new.contains(&id) || {
            // splitmix64 of the id and the seed: an even, repeatable pick
            let mut z = (id as u64 ^ seed).wrapping_add(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) % 1000 < u64::from(permille)
        }
    })))
}

/// Verifies the catalog and every chunk. `progress` is told the stored bytes of each chunk read.
pub fn check(repo: &Repository, progress: &mut dyn FnMut(u64)) -> Result<CheckReport> {
    check_scope(repo, Scope::All, progress)
}

/// Verifies the catalog and the chunks `scope` names. A catalog SQLite itself finds damaged
/// (a malformed page, a changed schema) is a problem the report names, not an error.
pub fn check_scope(
    repo: &Repository,
    scope: Scope,
    progress: &mut dyn FnMut(u64),
) -> Result<CheckReport> {
    match check_inner(repo, scope, progress) {
        Err(crate::Error::Catalog { repo: root, source }) => match catalog_damage(&source) {
            Some(what) => Ok(CheckReport {
                sampled: scope != Scope::All,
                catalog_problems: vec![format!(
                    "{}: the catalog is damaged ({what}); snapshots cannot be listed or \
                     restored whole from it: back up again to another location",
                    root.join(crate::catalog::CATALOG_FILE).display()
                )],
                ..CheckReport::default()
            }),
            None => Err(crate::Error::Catalog { repo: root, source }),
        },
        other => other,
    }
}

/// What SQLite found damaged in the catalog itself (a malformed page, a schema that no longer
/// has the store's tables and columns), or `None` for other failures (a busy or full disk).
fn catalog_damage(e: &rusqlite::Error) -> Option<String> {
    match e {
        rusqlite::Error::SqliteFailure(f, detail)
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseCorrupt
                    | rusqlite::ErrorCode::NotADatabase
                    | rusqlite::ErrorCode::Unknown
            ) =>
        {
            Some(detail.clone().unwrap_or_else(|| f.to_string()))
        }
        rusqlite::Error::SqlInputError { msg, .. } => Some(format!("its schema: {msg}")),
        rusqlite::Error::Utf8Error(..) => Some(format!("a name that is no longer text: {e}")),
        _ => None,
    }
}

fn check_inner(
    repo: &Repository,
    scope: Scope,
    progress: &mut dyn FnMut(u64),
) -> Result<CheckReport> {
    let root = &repo.root;
    let mut report = CheckReport {
        sampled: scope != Scope::All,
        ..CheckReport::default()
    };
    repo.backend.refresh();
    // One read transaction: the recount must see a single state even if a backup commits
    // meanwhile (WAL keeps this snapshot of the catalog for us).
    let _read = repo.conn.unchecked_transaction().cat(root)?;

    let integrity: String = repo
        .conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
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
                "SELECT device, from_seq, to_seq, path, content, size, part, path_key, mode, mtime_ns,
                 inode, seal FROM entries",
            )
            .cat(root)?;
        let rows = stmt
            .query_map([], |r| {
                let raw_content: Vec<u8> = r.get(4)?;
                let raw_part: Option<i64> = r.get(6)?;
                Ok(EntryRecord {
                    device: r.get(0)?,
                    from: r.get(1)?,
                    to: r.get(2)?,
                    sealed_path: r.get(3)?,
                    content: decode_content(&raw_content),
                    raw_content,
                    size: r.get(5)?,
                    part: raw_part.map(Part::decode),
                    raw_part,
                    path_key: r.get(7)?,
                    mode: r.get(8)?,
                    mtime_ns: r.get(9)?,
                    inode: r.get(10)?,
                    seal: r.get(11)?,
                })
            })
            .cat(root)?;
        for (index, row) in rows.enumerate() {
            let Some(row) = well_typed(row, "file versions", index, &mut report, root)? else {
                continue;
            };
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
        for (index, row) in rows.enumerate() {
            if let Some(row) = well_typed(row, "chunks", index, &mut report, root)? {
                chunks.push(row);
            }
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
    if let (Some(master), Some(encryption)) =
        (repo.master.as_ref(), repo.config.encryption.as_ref())
    {
        if crate::keys::slots_intact(master, encryption, &repo.config.id) == Some(false) {
            problems.push(format!(
                "{}: its key slots were changed on the disk: one of the ways to open these \
                 snapshots may no longer work (see `keepsake locations keys`, and keep the \
                 recovery key at hand)",
                root.join("keepsake-repo.json").display()
            ));
        }
    }
    let names = device_names(repo, &mut problems)?;
    rows_against_chunks_and_snapshots(repo, &entries, &chunks, &names, &mut problems)?;
    report
        .catalog_problems
        .extend(problems.into_iter().take(MAX_LISTED));
    report.pack_problems = packs_against_catalog(repo, &chunks)?
        .into_iter()
        .take(MAX_LISTED)
        .collect();

    report.chunks_total = chunks.len() as u64;
    let chosen = chosen_chunks(repo, scope, &entries)?;
    let mut damaged: HashMap<i64, (String, String, ChunkFault)> = HashMap::new();
    for c in &chunks {
        if !chosen.as_ref().is_none_or(|pick| pick(c.id)) {
            continue;
        }
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
        // (id, device, seq) of every snapshot, read without decrypting anything that may be
        // damaged too
        let snapshots: Vec<(i64, i64, i64)> = repo
            .conn
            .prepare("SELECT id, device, seq FROM snapshots")
            .cat(root)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .cat(root)?
            .collect::<rusqlite::Result<_>>()
            .cat(root)?;
        let mut affected: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
        for e in &entries {
            if !e.content.iter().any(|c| damaged.contains_key(c)) {
                continue;
            }
            let path = read::open_path(repo, &e.path_key, &e.sealed_path)
                .unwrap_or_else(|_| "(a file whose name does not decrypt)".into());
            let device = names
                .get(&e.device)
                .cloned()
                .unwrap_or_else(|| format!("device {}", e.device));
            let holders = snapshots.iter().filter(|(_, dev, seq)| {
                *dev == e.device && *seq >= e.from && e.to.is_none_or(|t| *seq < t)
            });
            for (id, _, _) in holders {
                affected
                    .entry((device.clone(), path.clone()))
                    .or_default()
                    .push(*id);
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

/// Every device's name, decrypted; one that does not decrypt is a problem (and named by its id).
/// Whether a row failed to read because a value is not of the type the catalog stores there
/// (a changed byte on the disk can make an integer a blob): a problem to name, not a reason
/// to stop checking.
fn is_type_error(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::Utf8Error(..)
    )
}

/// The row, or `None` with the problem recorded when one of its values has the wrong type.
fn well_typed<T>(
    row: rusqlite::Result<T>,
    table: &str,
    index: usize,
    report: &mut CheckReport,
    root: &std::path::Path,
) -> Result<Option<T>> {
    match row {
        Err(e) if is_type_error(&e) => {
            report.catalog_problems.push(format!(
                "{table}: row {} holds a value of the wrong type ({e}); what it recorded is \
                 left out of the other checks",
                index + 1
            ));
            Ok(None)
        }
        row => row.cat(root).map(Some),
    }
}

fn device_names(repo: &Repository, problems: &mut Vec<String>) -> Result<HashMap<i64, String>> {
    let root = &repo.root;
    let mut stmt = repo
        .conn
        .prepare("SELECT id, name FROM devices")
        .cat(root)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
        .cat(root)?;
    let mut names = HashMap::new();
    for row in rows {
        let (id, sealed) = match row {
            Err(e) if is_type_error(&e) => {
                problems.push(format!(
                    "devices: a row holds a value of the wrong type ({e})"
                ));
                continue;
            }
            row => row.cat(root)?,
        };
        match read::open_device_name(repo, &sealed) {
            Ok(name) => {
                names.insert(id, name);
            }
            Err(_) => {
                problems.push(format!("device {id}: its name does not decrypt"));
                names.insert(id, format!("device {id}"));
            }
        }
    }
    Ok(names)
}

/// Every file version's path decrypted and matched to its lookup key, its size against its
/// chunks, and every snapshot's and device's counts against the file versions they hold.
fn rows_against_chunks_and_snapshots(
    repo: &Repository,
    entries: &[EntryRecord],
    chunks: &[ChunkRecord],
    names: &HashMap<i64, String>,
    problems: &mut Vec<String>,
) -> Result<()> {
    let root = &repo.root;
    let raw: HashMap<i64, u64> = chunks.iter().map(|c| (c.id, u64::from(c.raw))).collect();
    let device = |id: i64| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("device {id}"))
    };
    let mut paths: HashMap<(i64, Vec<u8>), String> = HashMap::new();
    for e in entries {
        let path = match read::open_path(repo, &e.path_key, &e.sealed_path) {
            Ok(p) => p,
            Err(_) => {
                problems.push(format!(
                    "{}: a file name does not decrypt (versions from snapshot #{} of the device)",
                    device(e.device),
                    e.from
                ));
                continue;
            }
        };
        if e.part.is_none() {
            let stored: Option<u64> = e.content.iter().map(|c| raw.get(c).copied()).sum();
            if let Some(stored) = stored.filter(|&n| n != e.size) {
                problems.push(format!(
                    "{} {path}: its size says {} bytes, its chunks hold {stored}",
                    device(e.device),
                    e.size
                ));
            }
        }
        let seal = crate::catalog::entry_seal(
            &repo.crypto,
            e.device,
            &e.path_key,
            e.size as i64,
            e.mode,
            e.mtime_ns,
            e.inode,
            &e.raw_content,
            e.from,
            e.raw_part,
        );
        if e.seal.as_deref() != Some(seal.as_slice()) {
            problems.push(format!(
                "{} {path}: its catalog row was changed on the disk (its size, dates, mode or \
                 chunks are not what the backup wrote; versions from snapshot #{})",
                device(e.device),
                e.from
            ));
        }
        if e.to.is_some_and(|t| t <= e.from) {
            problems.push(format!(
                "{} {path}: a version that ends (#{}) before it begins (#{})",
                device(e.device),
                e.to.unwrap_or_default(),
                e.from
            ));
        }
        paths.insert((e.device, e.path_key.clone()), path);
    }
    for m in crate::commands::marks::marks(repo)? {
        if m.damaged {
            problems.push(format!(
                "snapshot {}: its pin or note was changed on the disk; it is kept as pinned \
                 (pin or unpin it again to say which)",
                m.snapshot
            ));
        }
    }
    // each snapshot holds the versions of its device that begin at or before it and end after
    let snapshots = crate::catalog::snapshot_rows(&repo.conn, root)?;
    for row in &snapshots {
        let (id, [dev, seq, _time, files, bytes, _added]) = (row.id, row.values);
        let want = crate::catalog::snapshot_seal(&repo.crypto, row.values);
        if row.seal.as_deref() != Some(want.as_slice()) {
            problems.push(format!(
                "snapshot {id} of {}: its catalog row was changed on the disk (its date, number or \
                 sizes are not what the backup wrote)",
                device(dev)
            ));
        }
        let held = entries
            .iter()
            .filter(|e| e.device == dev && e.from <= seq && e.to.is_none_or(|t| t > seq));
        let (n, total) = held.fold((0i64, 0i64), |(n, t), e| (n + 1, t + e.size as i64));
        if (n, total) != (files, bytes) {
            problems.push(format!(
                "snapshot {id} of {}: it says {files} files and {bytes} bytes, its file versions \
                 {n} and {total}",
                device(dev)
            ));
        }
    }
    let mut stmt = repo
        .conn
        .prepare("SELECT id, next_seq, live_files, live_bytes FROM devices")
        .cat(root)?;
    let devices = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .cat(root)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .cat(root)?;
    for (dev, next_seq, live_files, live_bytes) in devices {
        let live = entries.iter().filter(|e| e.device == dev && e.to.is_none());
        let (n, total) = live.fold((0i64, 0i64), |(n, t), e| (n + 1, t + e.size as i64));
        if (n, total) != (live_files, live_bytes) {
            problems.push(format!(
                "{}: it says {live_files} files and {live_bytes} bytes now, its file versions \
                 {n} and {total}",
                device(dev)
            ));
        }
        let newest = snapshots
            .iter()
            .filter(|s| s.values[0] == dev)
            .map(|s| s.values[1])
            .chain(entries.iter().filter(|e| e.device == dev).map(|e| e.from))
            .max()
            .unwrap_or(0);
        if next_seq <= newest {
            problems.push(format!(
                "{}: its next snapshot number ({next_seq}) is not after its newest ({newest})",
                device(dev)
            ));
        }
    }
    Ok(())
}

/// Every pack the catalog names, read as a pack: its header, its footer and its own index,
/// which must list exactly the chunks the catalog places in it, where the catalog says.
fn packs_against_catalog(repo: &Repository, chunks: &[ChunkRecord]) -> Result<Vec<String>> {
    let root = &repo.root;
    let mut problems = Vec::new();
    let mut stmt = repo
        .conn
        .prepare("SELECT name, size FROM packs ORDER BY name")
        .cat(root)?;
    let packs = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .cat(root)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .cat(root)?;
    let mut in_pack: HashMap<&str, Vec<&ChunkRecord>> = HashMap::new();
    for c in chunks {
        in_pack.entry(c.pack.as_str()).or_default().push(c);
    }
    for (name, size) in &packs {
        if let Some(problem) = crate::pack::check_header(repo.backend.as_ref(), name) {
            problems.push(format!("pack {name}: {problem}"));
        }
        let Some((len, index)) = crate::pack::read_index(repo.backend.as_ref(), &repo.crypto, name)
        else {
            problems.push(format!(
                "pack {name}: its footer or index is damaged (the catalog still knows its chunks)"
            ));
            continue;
        };
        if len != *size as u64 {
            problems.push(format!("pack {name}: {len} bytes, the catalog says {size}"));
        }
        let listed: HashMap<&[u8], (u64, u32, u32)> = index
            .iter()
            .map(|e| (e.id.as_slice(), (e.offset, e.stored_len, e.raw_len)))
            .collect();
        let expected = in_pack.get(name.as_str()).map_or(&[][..], Vec::as_slice);
        for c in expected {
            let want = (c.offset, c.stored, c.raw);
            match listed.get(c.hash.as_slice()) {
                Some(found) if *found == want => {}
                Some(found) => problems.push(format!(
                    "pack {name}: chunk {} is at {found:?} in the pack's index, {want:?} in the \
                     catalog",
                    hex(&c.hash[..c.hash.len().min(8)])
                )),
                None => problems.push(format!(
                    "pack {name}: its index does not list chunk {}",
                    hex(&c.hash[..c.hash.len().min(8)])
                )),
            }
        }
    }
    Ok(problems)
}
