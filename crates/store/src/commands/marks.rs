//! What a person says of a snapshot: pinned (kept forever, whatever the cleaning policy says)
//! and a note ("before the iOS update"). Kept in the catalog, so a location carries them to any
//! computer, each row sealed like the snapshot rows (a changed flag is found, not believed).
//!
//! A mark is written in one catalog write transaction (`BEGIN IMMEDIATE`), which SQLite
//! serialises with every other writer of the catalog: two computers or windows pinning at once
//! both land, and [`crate::commands::forget`] (which refuses a pinned snapshot in its own
//! transaction) can never delete a snapshot pinned a moment before. It does not take the
//! store's writer lock, so a snapshot can be pinned while a backup writes the next one.

use keepsake_i18n::say;
use rusqlite::{OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::catalog::CatalogResult;
use crate::crypto::{Crypto, RowField};
use crate::error::{Error, Result};
use crate::Repository;

/// A note longer than this is refused: a note is a line, not a document.
pub const MAX_NOTE_BYTES: usize = 1000;

/// What was said of one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mark {
    pub snapshot: i64,
    pub pinned: bool,
    pub note: Option<String>,
    /// The row did not match its seal (changed or damaged on disk): it is taken as pinned, so
    /// damage never makes a snapshot deletable, and `check` names it.
    pub damaged: bool,
}

fn seal(crypto: &Crypto, snapshot: i64, pinned: bool, note: Option<&[u8]>) -> Vec<u8> {
    crypto.row_seal(
        "marks",
        &[
            RowField::Int(snapshot),
            RowField::Int(i64::from(pinned)),
            note.map_or(RowField::Null, RowField::Bytes),
        ],
    )
}

/// Every mark of the repository, by snapshot id.
pub fn marks(repo: &Repository) -> Result<Vec<Mark>> {
    read(&repo.conn, repo, None)
}

/// The mark of snapshot `id`, if anything was said of it.
pub fn mark(repo: &Repository, id: i64) -> Result<Option<Mark>> {
    Ok(read(&repo.conn, repo, Some(id))?.pop())
}

/// Whether snapshot `id` is pinned (or its mark damaged), read through `conn` (a transaction of
/// the caller's).
pub(crate) fn pinned_in(conn: &rusqlite::Connection, repo: &Repository, id: i64) -> Result<bool> {
    Ok(read(conn, repo, Some(id))?.iter().any(|m| m.pinned))
}

fn read(conn: &rusqlite::Connection, repo: &Repository, only: Option<i64>) -> Result<Vec<Mark>> {
    let root = &repo.root;
    let mut stmt = conn
        .prepare_cached(
            "SELECT snapshot, pinned, note, seal FROM marks
             WHERE ?1 IS NULL OR snapshot = ?1 ORDER BY snapshot",
        )
        .cat(root)?;
    let rows = stmt
        .query_map([only], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<Vec<u8>>>(2)?,
                r.get::<_, Option<Vec<u8>>>(3)?,
            ))
        })
        .cat(root)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .cat(root)?;
    Ok(rows
        .into_iter()
        .map(|(snapshot, pinned, note, row_seal)| {
            let pinned_flag = pinned == 1;
            let intact = (pinned == 0 || pinned == 1)
                && row_seal.as_deref()
                    == Some(&seal(&repo.crypto, snapshot, pinned_flag, note.as_deref())[..]);
            if !intact {
                tracing::warn!(repo = %root.display(), snapshot, "a snapshot's pin or note does not match its seal: kept as pinned");
            }
            let note = note
                .filter(|_| intact)
                .and_then(|n| repo.crypto.open_name("snapshot note", &n));
            Mark {
                snapshot,
                pinned: pinned_flag || !intact,
                note,
                damaged: !intact,
            }
        })
        .collect())
}

/// Pins or unpins snapshot `id` and sets or clears its note (`None` clears it), in one catalog
/// transaction. Nothing pinned and no note leaves no row.
pub fn set_mark(repo: &Repository, id: i64, pinned: bool, note: Option<&str>) -> Result<Mark> {
    crate::probe::set_phase("mark");
    let root = &repo.root;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if let Some(n) = note {
        if n.len() > MAX_NOTE_BYTES {
            return Err(Error::InvalidInput(say(
                "store-invalid-note-too-long",
                &[("bytes", &n.len()), ("max", &MAX_NOTE_BYTES)],
            )));
        }
    }
    let tx = rusqlite::Transaction::new_unchecked(&repo.conn, TransactionBehavior::Immediate)
        .cat(root)?;
    let exists: Option<i64> = tx
        .query_row("SELECT id FROM snapshots WHERE id = ?1", [id], |r| r.get(0))
        .optional()
        .cat(root)?;
    if exists.is_none() {
        return Err(Error::SnapshotNotFound {
            repo: root.clone(),
            snapshot: id,
        });
    }
    if !pinned && note.is_none() {
        tx.execute("DELETE FROM marks WHERE snapshot = ?1", [id])
            .cat(root)?;
    } else {
        let sealed_note = note.map(|n| repo.crypto.seal_name("snapshot note", n));
        tx.execute(
            "INSERT INTO marks(snapshot, pinned, note, seal) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(snapshot) DO UPDATE SET pinned = ?2, note = ?3, seal = ?4",
            (
                id,
                i64::from(pinned),
                &sealed_note,
                seal(&repo.crypto, id, pinned, sealed_note.as_deref()),
            ),
        )
        .cat(root)?;
    }
    tx.commit().cat(root)?;
    crate::catalog::checkpoint_after_commit(&repo.conn);
    Ok(Mark {
        snapshot: id,
        pinned,
        note: note.map(str::to_owned),
        damaged: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FileMeta, InitOptions, KeySource};

    fn repo_with_snapshots(n: usize) -> (tempfile::TempDir, Repository, Vec<i64>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("repo");
        let options = InitOptions {
            kdf: crate::KdfParams::insecure_for_tests(),
            ..InitOptions::encrypted("pw")
        };
        let repo = Repository::init(&path, &options).unwrap();
        let ids = (0..n)
            .map(|i| {
                let mut w = repo.begin_snapshot("U1").unwrap();
                let meta = FileMeta {
                    mode: 0o100644,
                    mtime_ns: 0,
                    inode: 0,
                };
                w.put_file("f", meta, format!("day {i}").as_bytes())
                    .unwrap();
                w.commit().unwrap().id
            })
            .collect();
        (dir, repo, ids)
    }

    #[test]
    fn a_pin_and_a_note_are_kept_sealed_and_cleared_to_no_row() {
        let (_dir, repo, ids) = repo_with_snapshots(2);
        set_mark(&repo, ids[0], true, Some("  before iOS 19 ")).unwrap();
        set_mark(&repo, ids[1], false, Some("the trip")).unwrap();
        let all = marks(&repo).unwrap();
        assert_eq!(all.len(), 2);
        assert!(all[0].pinned && !all[0].damaged);
        assert_eq!(all[0].note.as_deref(), Some("before iOS 19"));
        assert!(!all[1].pinned);
        // The note is not in the catalog in clear.
        let raw: Vec<u8> = repo
            .conn
            .query_row(
                "SELECT note FROM marks WHERE snapshot = ?1",
                [ids[1]],
                |r| r.get(0),
            )
            .unwrap();
        assert!(!raw.windows(8).any(|w| w == b"the trip"));
        set_mark(&repo, ids[1], false, None).unwrap();
        assert_eq!(marks(&repo).unwrap().len(), 1);
        assert!(matches!(
            set_mark(&repo, 999, true, None),
            Err(Error::SnapshotNotFound { snapshot: 999, .. })
        ));
        assert!(matches!(
            set_mark(&repo, ids[0], true, Some(&"x".repeat(MAX_NOTE_BYTES + 1))),
            Err(Error::InvalidInput(_))
        ));
    }

    #[test]
    fn forget_refuses_a_pinned_snapshot_and_drops_the_marks_of_those_it_deletes() {
        let (_dir, repo, ids) = repo_with_snapshots(3);
        set_mark(&repo, ids[0], true, None).unwrap();
        set_mark(&repo, ids[1], false, Some("meh")).unwrap();
        let refused = crate::commands::forget::forget(&repo, &[ids[1], ids[0]]);
        assert!(matches!(
            refused,
            Err(Error::SnapshotPinned { snapshot, .. }) if snapshot == ids[0]
        ));
        // Nothing of the refused call happened.
        assert_eq!(crate::commands::list::snapshots(&repo).unwrap().len(), 3);
        crate::commands::forget::forget(&repo, &[ids[1]]).unwrap();
        assert_eq!(
            marks(&repo)
                .unwrap()
                .iter()
                .map(|m| m.snapshot)
                .collect::<Vec<_>>(),
            vec![ids[0]]
        );
    }

    #[test]
    fn a_changed_mark_row_counts_as_pinned_and_forget_keeps_its_snapshot() {
        let (_dir, repo, ids) = repo_with_snapshots(2);
        set_mark(&repo, ids[0], false, Some("a note")).unwrap();
        // Someone with the disk but not the key turns a pin off, or a bit flips.
        set_mark(&repo, ids[1], true, None).unwrap();
        repo.conn
            .execute("UPDATE marks SET pinned = 0 WHERE snapshot = ?1", [ids[1]])
            .unwrap();
        let m = mark(&repo, ids[1]).unwrap().unwrap();
        assert!(m.pinned && m.damaged);
        assert!(matches!(
            crate::commands::forget::forget(&repo, &[ids[1]]),
            Err(Error::SnapshotPinned { .. })
        ));
        assert!(!mark(&repo, ids[0]).unwrap().unwrap().damaged);
    }

    #[test]
    fn a_version_4_catalog_gains_its_marks_table_when_opened() {
        let (dir, repo, ids) = repo_with_snapshots(1);
        repo.conn
            .execute_batch("DROP TABLE marks; PRAGMA user_version = 4;")
            .unwrap();
        drop(repo);
        let path = dir.path().join("repo");
        let repo = Repository::open(&path, &KeySource::password("pw")).unwrap();
        let version: u32 = repo
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, crate::catalog::SCHEMA_VERSION);
        set_mark(&repo, ids[0], true, None).unwrap();
        assert!(mark(&repo, ids[0]).unwrap().unwrap().pinned);
    }
}
