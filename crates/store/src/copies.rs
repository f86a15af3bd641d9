//! What a copy of a repository elsewhere (an offsite bucket) needs from the store: a consistent
//! copy of the catalog, the packs as bytes from any thread, and a repository opened from a
//! downloaded config and catalog with its packs read through another [`Backend`].

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags};

use crate::backend::Backend;
use crate::catalog::{CatalogResult, CATALOG_FILE};
use crate::config::CONFIG_FILE;
use crate::crypto::KeySource;
use crate::error::{Error, Result};
use crate::repository::Repository;

impl Repository {
    /// Writes a consistent copy of the catalog to `dest`, which must not exist (`VACUUM INTO`
    /// reads in one transaction: a backup committing meanwhile is in it whole or not at all).
    pub fn export_catalog(&self, dest: &Path) -> Result<()> {
        let target = dest.to_str().ok_or_else(|| {
            Error::InvalidInput(keepsake_i18n::say(
                "store-invalid-export-path",
                &[("path", &dest.display())],
            ))
        })?;
        self.conn
            .execute("VACUUM INTO ?1", [target])
            .cat(&self.root)?;
        Ok(())
    }

    /// A reader of this repository's packs that may move to another thread. It holds a share
    /// of the readers' lock, so gc deletes none of them while it lives.
    pub fn pack_reader(&self) -> Result<PackReader> {
        let lock = self
            .readers_lock
            .try_clone()
            .map_err(Error::io(&self.root, "store-action-sharing-lock"))?;
        Ok(PackReader {
            backend: Arc::clone(&self.backend),
            root: self.root.clone(),
            _lock: lock,
        })
    }

    /// Opens the repository whose config and catalog are in `path` with its packs read from
    /// `backend` (an offsite copy's).
    pub fn open_with_backend(
        path: &Path,
        key: &KeySource,
        backend: Arc<dyn Backend>,
    ) -> Result<Repository> {
        let mut repo = Repository::open(path, key)?;
        repo.backend = backend;
        Ok(repo)
    }

    /// Makes `into` the folder of a downloaded copy: `config` and `catalog` replace what an
    /// earlier download left, and its catalog's leftover log goes first (applied to the new
    /// catalog, it would mix two states).
    pub fn replace_downloaded(into: &Path, config: &[u8], catalog: &[u8]) -> Result<()> {
        for leftover in ["-wal", "-shm"] {
            let p = into.join(format!("{CATALOG_FILE}{leftover}"));
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&p, "store-action-removing-file")(e)),
            }
        }
        let catalog_path = into.join(CATALOG_FILE);
        crate::durable::write_atomically(&catalog_path, catalog)
            .map_err(Error::io(&catalog_path, "store-action-writing-download"))?;
        let config_path = into.join(CONFIG_FILE);
        crate::durable::write_atomically(&config_path, config)
            .map_err(Error::io(&config_path, "store-action-writing-download"))?;
        Ok(())
    }
}

/// See [`Repository::pack_reader`].
pub struct PackReader {
    backend: Arc<dyn Backend>,
    root: PathBuf,
    _lock: File,
}

impl PackReader {
    /// The whole of pack `name`, as stored (encrypted when the repository is).
    pub fn read(&self, name: &str) -> Result<Vec<u8>> {
        let len = self
            .backend
            .pack_len(name)
            .map_err(Error::io(&self.root, "store-action-reading-pack"))?;
        let len = usize::try_from(len).map_err(|_| {
            Error::InvalidInput(keepsake_i18n::say(
                "store-invalid-pack-size",
                &[("pack", &name)],
            ))
        })?;
        self.backend
            .read_at(name, 0, len)
            .map_err(Error::io(&self.root, "store-action-reading-pack"))
    }
}

/// A catalog copied out by [`Repository::export_catalog`], read without the repository.
pub struct CatalogCopy {
    conn: Connection,
    path: PathBuf,
}

impl CatalogCopy {
    pub fn open(path: &Path) -> Result<CatalogCopy> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).cat(path)?;
        Ok(CatalogCopy {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Every pack it names, with its size.
    pub fn packs(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, size FROM packs ORDER BY name")
            .cat(&self.path)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .cat(&self.path)?;
        rows.map(|r| r.map(|(n, s)| (n, s.max(0) as u64)))
            .collect::<rusqlite::Result<_>>()
            .cat(&self.path)
    }

    /// Every snapshot, with a fingerprint of the versions it added: two snapshots made apart (on
    /// two copies of one disk) differ in it even when made the same second with the same
    /// counts. It never changes while the snapshot exists: forget deletes only versions no
    /// remaining snapshot sees, and a version a snapshot added is seen by it.
    pub fn snapshots(&self) -> Result<Vec<SnapshotMark>> {
        let mut changes: BTreeMap<(i64, i64), blake3::Hasher> = BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT device, from_seq, path_key, content FROM entries
                 ORDER BY device, from_seq, path_key",
            )
            .cat(&self.path)?;
        let mut rows = stmt.query([]).cat(&self.path)?;
        while let Some(row) = rows.next().cat(&self.path)? {
            let key: (i64, i64) = (row.get(0).cat(&self.path)?, row.get(1).cat(&self.path)?);
            let path: Vec<u8> = row.get(2).cat(&self.path)?;
            let content: Vec<u8> = row.get(3).cat(&self.path)?;
            let h = changes.entry(key).or_default();
            h.update(&(path.len() as u64).to_le_bytes());
            h.update(&path);
            h.update(&(content.len() as u64).to_le_bytes());
            h.update(&content);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT device, seq, time FROM snapshots ORDER BY device, seq")
            .cat(&self.path)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .cat(&self.path)?;
        rows.map(|r| {
            r.map(|(device, seq, time)| SnapshotMark {
                device,
                seq,
                time,
                changes: changes
                    .get(&(device, seq))
                    .map(|h| h.finalize().to_hex()[..32].to_owned())
                    .unwrap_or_default(),
            })
        })
        .collect::<rusqlite::Result<_>>()
        .cat(&self.path)
    }

    /// Each device's next seq: a snapshot seq below it was made here (and may be forgotten).
    pub fn next_seqs(&self) -> Result<BTreeMap<i64, i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, next_seq FROM devices")
            .cat(&self.path)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .cat(&self.path)?;
        rows.collect::<rusqlite::Result<_>>().cat(&self.path)
    }
}

/// A snapshot as a copy elsewhere tells it apart: its device's row, its seq (never reused), its
/// time, and a fingerprint of the versions it added.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SnapshotMark {
    pub device: i64,
    pub seq: i64,
    pub time: i64,
    pub changes: String,
}
