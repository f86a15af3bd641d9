//! Manifest.db, the SQLite index of a backup: one `Files` row per file, directory and symlink,
//! with the schema real backups have. Held in memory and exchanged as bytes, because in an
//! encrypted backup the file on disk is ciphertext and the plaintext should never touch disk.

use std::collections::BTreeMap;
use std::io::Read;

use rusqlite::{params, Connection, MAIN_DB};

use crate::error::{Error, Result};
use crate::file_id::file_id;
use crate::mbfile::MbFile;

/// The schema of real backups (iOS 10+), including the indexes readers' queries rely on.
const SCHEMA: &str = "
CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);
CREATE INDEX FilesDomainIdx ON Files(domain);
CREATE INDEX FilesRelativePathIdx ON Files(relativePath);
CREATE INDEX FilesFlagsIdx ON Files(flags);
CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);
";

/// Every SQLite database starts with these 16 bytes.
pub const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// A Manifest.db larger than this is not believable (real ones are tens of MB).
pub const MAX_MANIFEST_DB_LEN: u64 = 2 << 30;

/// The `flags` column: what kind of entry a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A regular file (flags 1): the only kind with a blob on disk.
    File,
    /// A directory (flags 2).
    Directory,
    /// A symbolic link (flags 4); its target is in `MbFile::target`.
    Symlink,
}

impl EntryKind {
    pub fn flags(self) -> i64 {
        match self {
            EntryKind::File => 1,
            EntryKind::Directory => 2,
            EntryKind::Symlink => 4,
        }
    }

    pub fn from_flags(flags: i64) -> Option<EntryKind> {
        match flags {
            1 => Some(EntryKind::File),
            2 => Some(EntryKind::Directory),
            4 => Some(EntryKind::Symlink),
            _ => None,
        }
    }
}

/// One row of `Files`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    pub file_id: String,
    pub domain: String,
    pub relative_path: String,
    pub kind: EntryKind,
    pub file: MbFile,
}

impl ManifestEntry {
    /// An entry whose file ID and relative path are derived from `domain` and `file`.
    /// Directories and symlinks without a `Size` get 0, as devices record them: iOSbackup
    /// fails on an MBFile without one.
    pub fn new(domain: impl Into<String>, kind: EntryKind, mut file: MbFile) -> ManifestEntry {
        if kind != EntryKind::File {
            file.size.get_or_insert(0);
        }
        let domain = domain.into();
        ManifestEntry {
            file_id: file_id(&domain, &file.relative_path),
            relative_path: file.relative_path.clone(),
            domain,
            kind,
            file,
        }
    }
}

/// An open Manifest.db, in memory.
pub struct ManifestDb {
    conn: Connection,
}

impl std::fmt::Debug for ManifestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManifestDb").finish_non_exhaustive()
    }
}

impl ManifestDb {
    /// An empty database with the real schema.
    pub fn new() -> Result<ManifestDb> {
        let conn = Connection::open_in_memory()?;
        // page_size must be set before the first table exists to take effect.
        conn.execute_batch("PRAGMA page_size = 4096; PRAGMA user_version = 2;")?;
        conn.execute_batch(SCHEMA)?;
        Ok(ManifestDb { conn })
    }

    /// Opens plaintext Manifest.db bytes (a file read from disk, or decrypted).
    pub fn from_bytes(bytes: &[u8]) -> Result<ManifestDb> {
        // 100 bytes: the SQLite file header, which every database has in full.
        if !bytes.starts_with(SQLITE_MAGIC) || bytes.len() < 100 {
            return Err(Error::NotSqlite);
        }
        if bytes.len() as u64 > MAX_MANIFEST_DB_LEN {
            return Err(Error::TooLarge {
                what: "Manifest.db",
                size: bytes.len() as u64,
                limit: MAX_MANIFEST_DB_LEN,
            });
        }
        let mut conn = Connection::open_in_memory()?;
        // Devices keep Manifest.db in WAL mode (header bytes 18-19 = 2), which SQLite refuses to
        // open from memory. Only the main file is ever in a backup, so reading it as a
        // rollback-journal database sees exactly the same content.
        let header = [bytes[..18].to_vec(), vec![1, 1]].concat();
        let body = &bytes[20..];
        // Not read-only: callers (the emulator's incremental backups) update the manifest.
        conn.deserialize_read_exact(MAIN_DB, header.as_slice().chain(body), bytes.len(), false)?;
        let has_files: bool = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'Files'",
            [],
            |row| row.get(0),
        )?;
        if !has_files {
            return Err(Error::MalformedManifestRow {
                file_id: String::new(),
                reason: "database has no Files table".into(),
            });
        }
        Ok(ManifestDb { conn })
    }

    /// The database as the bytes of a standalone SQLite file in rollback-journal mode, so no
    /// `-wal`/`-shm` sidecar is needed (readers decrypt exactly one file, then open it).
    pub fn to_bytes(&mut self) -> Result<Vec<u8>> {
        Ok(self.conn.serialize(MAIN_DB)?.to_vec())
    }

    /// Adds or replaces entries, in one transaction.
    pub fn insert<'a>(
        &mut self,
        entries: impl IntoIterator<Item = &'a ManifestEntry>,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO Files (fileID, domain, relativePath, flags, file)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for entry in entries {
                stmt.execute(params![
                    entry.file_id,
                    entry.domain,
                    entry.relative_path,
                    entry.kind.flags(),
                    entry.file.encode()?,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes the entry with `file_id`; returns whether there was one.
    pub fn remove(&mut self, file_id: &str) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM Files WHERE fileID = ?1", [file_id])?
            > 0)
    }

    /// Number of rows in `Files`.
    pub fn len(&self) -> Result<u64> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM Files", [], |row| row.get(0))?;
        Ok(count.unsigned_abs())
    }

    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Every entry, ordered by domain then path. A row that cannot be decoded is an error naming
    /// its file ID rather than silently skipped: a backup missing files must be noticed.
    pub fn entries(&self) -> Result<Vec<ManifestEntry>> {
        self.query(
            "SELECT fileID, domain, relativePath, flags, file FROM Files
             ORDER BY domain, relativePath",
            [],
        )
    }

    /// The entries of `domain` whose relative path starts with `prefix` (a folder's whole
    /// tree: `Media/DCIM/`), without decoding any other row.
    pub fn entries_under(&self, domain: &str, prefix: &str) -> Result<Vec<ManifestEntry>> {
        // substr, not LIKE: a path may hold % or _.
        self.query(
            "SELECT fileID, domain, relativePath, flags, file FROM Files
             WHERE domain = ?1 AND substr(relativePath, 1, length(?2)) = ?2
             ORDER BY relativePath",
            [domain, prefix],
        )
    }

    /// The entry for `relative_path` in `domain`, if present.
    pub fn get(&self, domain: &str, relative_path: &str) -> Result<Option<ManifestEntry>> {
        self.by_file_id(&file_id(domain, relative_path))
    }

    /// The row of file `file_id` (its blob's name), if any.
    pub fn by_file_id(&self, file_id: &str) -> Result<Option<ManifestEntry>> {
        Ok(self
            .query(
                "SELECT fileID, domain, relativePath, flags, file FROM Files WHERE fileID = ?1",
                [file_id],
            )?
            .pop())
    }

    /// Every row's file ID, without decoding the rows.
    pub fn file_ids(&self) -> Result<std::collections::HashSet<String>> {
        let mut stmt = self.conn.prepare("SELECT fileID FROM Files")?;
        let ids = stmt
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    fn query(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<ManifestEntry>> {
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map(params, |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<String>>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, Option<i64>>(3)?,
                row.get::<_, Option<Vec<u8>>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (file_id, domain, relative_path, flags, blob) = row?;
            let bad = |reason: String| Error::MalformedManifestRow {
                file_id: file_id.clone(),
                reason,
            };
            let kind = flags
                .and_then(EntryKind::from_flags)
                .ok_or_else(|| bad(format!("unknown flags {flags:?}")))?;
            let blob = blob.ok_or_else(|| bad("no file blob".into()))?;
            let file = MbFile::decode(&blob).map_err(|e| bad(e.to_string()))?;
            out.push(ManifestEntry {
                domain: domain.ok_or_else(|| bad("no domain".into()))?,
                relative_path: relative_path.unwrap_or_else(|| file.relative_path.clone()),
                file_id,
                kind,
                file,
            });
        }
        Ok(out)
    }

    /// Sets a row of the `Properties` table (empty in backups seen so far).
    pub fn set_property(&mut self, key: &str, value: &[u8]) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO Properties (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
        Ok(())
    }

    /// The `Properties` table.
    pub fn properties(&self) -> Result<BTreeMap<String, Vec<u8>>> {
        let mut stmt = self.conn.prepare("SELECT key, value FROM Properties")?;
        let rows = stmt.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, Option<Vec<u8>>>(1)?))
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (key, value) = row?;
            out.insert(key, value.unwrap_or_default());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mbfile::{MODE_DIRECTORY, MODE_FILE};

    fn entries() -> Vec<ManifestEntry> {
        vec![
            ManifestEntry::new(
                "HomeDomain",
                EntryKind::Directory,
                MbFile {
                    relative_path: "Library".into(),
                    mode: MODE_DIRECTORY,
                    ..MbFile::default()
                },
            ),
            ManifestEntry::new(
                "HomeDomain",
                EntryKind::File,
                MbFile {
                    relative_path: "Library/SMS/sms.db".into(),
                    size: Some(4096),
                    mode: MODE_FILE,
                    protection_class: 3,
                    ..MbFile::default()
                },
            ),
        ]
    }

    #[test]
    fn rows_round_trip_through_bytes_with_the_real_schema() {
        let mut db = ManifestDb::new().unwrap();
        db.insert(&entries()).unwrap();
        db.set_property("note", b"x").unwrap();
        let bytes = db.to_bytes().unwrap();
        assert!(bytes.starts_with(SQLITE_MAGIC));
        // Bytes 18-19: file format versions 1 = rollback journal (2 would need a -wal file).
        assert_eq!(&bytes[18..20], &[1, 1]);
        assert_eq!(u16::from_be_bytes([bytes[16], bytes[17]]), 4096);

        let reopened = ManifestDb::from_bytes(&bytes).unwrap();
        assert_eq!(reopened.entries().unwrap(), entries());
        assert_eq!(reopened.properties().unwrap()["note"], b"x");
        let sms = reopened
            .get("HomeDomain", "Library/SMS/sms.db")
            .unwrap()
            .unwrap();
        assert_eq!(sms.file_id, "3d0d7e5fb2ce288813306e4d4636395e047a3d28");

        let sql: Vec<String> = reopened
            .conn
            .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert!(sql.contains(&"CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)".to_string()));
        assert!(sql.contains(&"CREATE INDEX FilesFlagsIdx ON Files(flags)".to_string()));
        let user_version: i64 = reopened
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(user_version, 2);
    }

    #[test]
    fn entries_under_a_folder_are_that_domains_tree_only() {
        let file = |domain: &str, path: &str| {
            ManifestEntry::new(
                domain,
                EntryKind::File,
                MbFile {
                    relative_path: path.into(),
                    size: Some(1),
                    ..MbFile::default()
                },
            )
        };
        let mut db = ManifestDb::new().unwrap();
        db.insert(&[
            file("CameraRollDomain", "Media/DCIM/100APPLE/IMG_0001.HEIC"),
            file("CameraRollDomain", "Media/DCIM/101APPLE/IMG_0002.MOV"),
            file("CameraRollDomain", "Media/DCIMX/IMG_0003.HEIC"),
            file("CameraRollDomain", "Media/PhotoData/Photos.sqlite"),
            file("HomeDomain", "Media/DCIM/100APPLE/IMG_0004.HEIC"),
            file("CameraRollDomain", "Media/DC_M/IMG_0005.HEIC"),
        ])
        .unwrap();
        let paths: Vec<String> = db
            .entries_under("CameraRollDomain", "Media/DCIM/")
            .unwrap()
            .into_iter()
            .map(|e| e.relative_path)
            .collect();
        assert_eq!(
            paths,
            [
                "Media/DCIM/100APPLE/IMG_0001.HEIC",
                "Media/DCIM/101APPLE/IMG_0002.MOV"
            ]
        );
        assert!(
            db.entries_under("CameraRollDomain", "Media/DC_")
                .unwrap()
                .len()
                == 1
        );
    }

    #[test]
    fn wal_mode_database_as_real_backups_store_it_opens() {
        let mut db = ManifestDb::new().unwrap();
        db.insert(&entries()).unwrap();
        let mut bytes = db.to_bytes().unwrap();
        // Real Manifest.db files are in WAL mode: file format versions 2 in the header.
        bytes[18] = 2;
        bytes[19] = 2;
        let reopened = ManifestDb::from_bytes(&bytes).unwrap();
        assert_eq!(reopened.entries().unwrap(), entries());
    }

    #[test]
    fn directories_and_links_always_record_a_size() {
        let dir = ManifestEntry::new("HomeDomain", EntryKind::Directory, MbFile::default());
        assert_eq!(dir.file.size, Some(0));
        let file = ManifestEntry::new("HomeDomain", EntryKind::File, MbFile::default());
        assert_eq!(file.file.size, None, "a file's size is never invented");
    }

    #[test]
    fn insert_replaces_and_remove_deletes() {
        let mut db = ManifestDb::new().unwrap();
        db.insert(&entries()).unwrap();
        let mut changed = entries()[1].clone();
        changed.file.size = Some(8192);
        db.insert([&changed]).unwrap();
        assert_eq!(db.len().unwrap(), 2);
        assert_eq!(
            db.get("HomeDomain", "Library/SMS/sms.db")
                .unwrap()
                .unwrap()
                .file
                .size,
            Some(8192)
        );
        assert!(db.remove(&changed.file_id).unwrap());
        assert!(!db.remove(&changed.file_id).unwrap());
        assert_eq!(db.len().unwrap(), 1);
    }

    #[test]
    fn non_sqlite_bytes_and_bad_rows_are_refused() {
        assert!(matches!(
            ManifestDb::from_bytes(b"garbage"),
            Err(Error::NotSqlite)
        ));
        let db = ManifestDb::new().unwrap();
        db.conn
            .execute(
                "INSERT INTO Files VALUES ('abc', 'HomeDomain', 'x', 1, x'00')",
                [],
            )
            .unwrap();
        let err = db.entries().unwrap_err();
        assert!(
            matches!(&err, Error::MalformedManifestRow { file_id, .. } if file_id == "abc"),
            "{err}"
        );
        db.conn.execute("UPDATE Files SET flags = 8", []).unwrap();
        assert!(db
            .entries()
            .unwrap_err()
            .to_string()
            .contains("unknown flags"));
    }
}
