//! Small files stored together in shared chunks ("groups"): they read back whole through every
//! path, cost few chunks, are freed only when no file uses their group, and damage or a bad
//! slice is reported, never read as wrong bytes.

mod common;

use std::path::Path;

use common::*;
use keepsake_store::commands::{check, forget, gc, list, restore, stats};
use keepsake_store::{Error, Repository};

/// A plist-like small file: a shared header, then bytes of its own.
fn small(i: u64) -> Vec<u8> {
    let mut data = b"<?xml version=\"1.0\"?><plist version=\"1.0\"><dict>".to_vec();
    data.extend(noise(i, 500 + (i as usize * 37) % 3000));
    data
}

fn catalog(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("catalog.db")).unwrap()
}

fn chunk_count(dir: &Path) -> i64 {
    catalog(dir)
        .query_row("SELECT count(*) FROM chunks", [], |r| r.get(0))
        .unwrap()
}

/// The chunks that hold small files.
fn group_chunks(dir: &Path) -> Vec<Vec<u8>> {
    let conn = catalog(dir);
    let mut stmt = conn
        .prepare("SELECT DISTINCT content FROM entries WHERE part IS NOT NULL ORDER BY content")
        .unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

fn chunk_exists(dir: &Path, content: &[u8]) -> bool {
    let id = i64::from_le_bytes(content.try_into().unwrap());
    catalog(dir)
        .query_row("SELECT count(*) FROM chunks WHERE id = ?1", [id], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
        == 1
}

/// Commits a first snapshot of `count` small files named by `name`; returns its id.
fn small_snapshot(repo: &Repository, count: u64, name: impl Fn(u64) -> String) -> i64 {
    let mut w = repo.begin_snapshot("phone").unwrap();
    for i in 0..count {
        w.put_file(&name(i), meta(1), &small(i)[..]).unwrap();
    }
    w.commit().unwrap().id
}

/// Checks the whole repository: catalog, reference counts, every chunk.
fn check_ok(repo: &Repository) {
    let report = check::check(repo, &mut |_| {}).unwrap();
    assert!(report.is_ok(), "{report:#?}");
}

fn restore_all(repo: &Repository, snapshot: i64, out: &Path) -> restore::RestoreSummary {
    restore::restore(repo, snapshot, out, None, &mut |_, _| {}).unwrap()
}

#[test]
fn small_files_round_trip_through_cat_restore_and_list() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let mut files: Vec<(String, Vec<u8>)> = (0..200)
        .map(|i| (format!("Library/Preferences/{i:03}.plist"), small(i)))
        .collect();
    files.push(("empty".into(), Vec::new()));
    files.push(("one".into(), b"x".to_vec()));
    files.push(("media/photo.HEIC".into(), noise(7, 300_000)));
    let mut w = repo.begin_snapshot("phone").unwrap();
    for (i, (path, data)) in files.iter().enumerate() {
        if i % 2 == 0 {
            w.put_file(path, meta(1), &data[..]).unwrap();
        } else {
            w.put_bytes(path, meta(1), data).unwrap();
        }
    }
    let snap = w.commit().unwrap();
    assert_eq!(snap.files, files.len() as u64);

    for (path, data) in &files {
        assert_eq!(&cat(&repo, snap.id, path), data, "{path}");
    }
    let listed = list::files(&repo, snap.id).unwrap();
    assert_eq!(listed.len(), files.len());
    for f in &listed {
        let (_, data) = files.iter().find(|(p, _)| *p == f.path).unwrap();
        assert_eq!(f.size, data.len() as u64);
    }
    let out = tempfile::tempdir().unwrap();
    let summary = restore_all(&repo, snap.id, out.path());
    assert_eq!(summary.files, files.len() as u64);
    for (path, data) in &files {
        assert_eq!(
            &std::fs::read(out.path().join(path)).unwrap(),
            data,
            "{path}"
        );
    }
    check_ok(&repo);
}

#[test]
fn many_small_files_share_few_chunks_and_a_restore_decrypts_each_group_once() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let mut w = repo.begin_snapshot("phone").unwrap();
    let mut total = 0;
    for i in 0..1000 {
        let data = small(i);
        total += data.len();
        w.put_file(&format!("{:02x}/{i:04}", i % 16), meta(1), &data[..])
            .unwrap();
    }
    let snap = w.commit().unwrap();
    // About 2 MB of small files: groups of up to 128 KiB make about 16 chunks, not 1,000.
    let chunks = chunk_count(dir.path());
    let groups = group_chunks(dir.path()).len() as i64;
    assert_eq!(chunks, groups, "every chunk is a group");
    assert!(
        (total / (128 * 1024)..=total / (120 * 1024) + 1).contains(&(chunks as usize)),
        "{chunks} chunks for {total} bytes"
    );

    let out = tempfile::tempdir().unwrap();
    let summary = restore_all(&repo, snap.id, out.path());
    assert_eq!(summary.files, 1000);
    assert_eq!(summary.bytes, total as u64);
    // Files were put across folders, not in path order: the restore still takes each group's
    // files together, so each group is read and decrypted once.
    assert_eq!(summary.chunks_read, chunks as u64, "{summary:?}");
    for i in (0..1000).step_by(97) {
        let got = std::fs::read(out.path().join(format!("{:02x}/{i:04}", i % 16))).unwrap();
        assert_eq!(got, small(i));
    }
}

#[test]
fn a_group_is_kept_while_any_file_uses_it_and_freed_when_none_does() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let a = small_snapshot(&repo, 50, |i| format!("s{i:02}"));
    let first = group_chunks(dir.path());
    assert_eq!(first.len(), 1);

    // Every file but s07 changes: its group now serves s07 alone.
    let mut w = repo.begin_snapshot("phone").unwrap();
    for i in (0..50).filter(|&i| i != 7) {
        w.put_file(&format!("s{i:02}"), meta(2), &small(100 + i)[..])
            .unwrap();
    }
    let b = w.commit().unwrap().id;
    let s = stats::stats(&repo).unwrap();
    assert_eq!(
        s.snapshots[0].frees_bytes, 0,
        "deleting a frees nothing: s07 still uses its group"
    );
    forget::forget(&repo, &[a]).unwrap();
    gc::gc(&repo, &gc::GcOptions::default()).unwrap();
    assert!(chunk_exists(dir.path(), &first[0]));
    assert_eq!(cat(&repo, b, "s07"), small(7));
    assert_eq!(cat(&repo, b, "s08"), small(108));

    // Now s07 changes too: once b is forgotten nothing uses the first group.
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("s07", meta(3), &small(999)[..]).unwrap();
    let c = w.commit().unwrap().id;
    let s = stats::stats(&repo).unwrap();
    assert!(s.snapshots[0].frees_bytes > 0, "{s:#?}");
    forget::forget(&repo, &[b]).unwrap();
    gc::gc(&repo, &gc::GcOptions::default()).unwrap();
    assert!(!chunk_exists(dir.path(), &first[0]));
    assert_eq!(cat(&repo, c, "s07"), small(999));
    assert_eq!(cat(&repo, c, "s08"), small(108));
    check_ok(&repo);
}

#[test]
fn a_file_put_twice_or_removed_after_joining_a_group_is_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("a", meta(1), &small(1)[..]).unwrap();
    w.put_file("b", meta(1), &small(2)[..]).unwrap();
    w.put_file("a", meta(1), &small(3)[..]).unwrap();
    assert!(w.remove("b").unwrap());
    w.put_file("c", meta(1), &small(4)[..]).unwrap();
    let snap = w.commit().unwrap();
    assert_eq!(snap.files, 2);
    assert_eq!(cat(&repo, snap.id, "a"), small(3));
    assert_eq!(cat(&repo, snap.id, "c"), small(4));
    // The recount of references agrees with the counters.
    check_ok(&repo);

    // An abandoned writer with an open group leaves nothing.
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("d", meta(2), &small(5)[..]).unwrap();
    drop(w);
    assert_eq!(list::snapshots(&repo).unwrap().len(), 1);
    check_ok(&repo);
}

#[test]
fn a_damaged_group_names_every_file_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let mut w = repo.begin_snapshot("phone").unwrap();
    let paths: Vec<String> = (0..30).map(|i| format!("prefs/{i:02}.plist")).collect();
    for (i, p) in paths.iter().enumerate() {
        w.put_file(p, meta(1), &noise(i as u64, 2000)[..]).unwrap();
    }
    let snap = w.commit().unwrap().id;
    assert_eq!(chunk_count(dir.path()), 1);

    let mut packs = Vec::new();
    for sub in std::fs::read_dir(dir.path().join("packs")).unwrap() {
        for f in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            packs.push(f.unwrap().path());
        }
    }
    assert_eq!(packs.len(), 1);
    let mut bytes = std::fs::read(&packs[0]).unwrap();
    bytes[30_000] ^= 0x10;
    std::fs::write(&packs[0], &bytes).unwrap();

    let report = check::check(&repo, &mut |_| {}).unwrap();
    assert_eq!(report.damaged_chunks.len(), 1, "{report:#?}");
    let named: Vec<&str> = report
        .affected_files
        .iter()
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(named, paths);
    assert!(matches!(
        restore::cat(&repo, snap, "prefs/05.plist", &mut Vec::new()),
        Err(Error::DamagedChunk { .. })
    ));
    let out = tempfile::tempdir().unwrap();
    assert!(matches!(
        restore::restore(&repo, snap, out.path(), None, &mut |_, _| {}),
        Err(Error::DamagedChunk { .. })
    ));
}

#[test]
fn a_slice_that_does_not_fit_is_an_error_not_wrong_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let snap = small_snapshot(&repo, 10, |i| format!("f{i}"));
    let conn = catalog(dir.path());
    let (id, part, size): (i64, i64, i64) = conn
        .query_row(
            "SELECT id, part, size FROM entries ORDER BY part DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let path = "f9";
    assert_eq!(part & 0xffff_ffff, size);

    let cases = [
        // Starts past the end of its chunk.
        ((1 << 20) << 32) | size,
        // Runs past the end of its chunk.
        ((part & !0xffff_ffff) + (64 << 32)) | size,
        // Claims more bytes than the file has.
        part + 1,
    ];
    for bad in cases {
        conn.execute("UPDATE entries SET part = ?2 WHERE id = ?1", (id, bad))
            .unwrap();
        let mut out = Vec::new();
        match restore::cat(&repo, snap, path, &mut out) {
            Err(Error::DamagedCatalog { reason, .. }) => assert!(reason.contains(path), "{reason}"),
            other => panic!("expected DamagedCatalog for {bad:#x}, got {other:?}"),
        }
        assert!(out.is_empty());
        let target = tempfile::tempdir().unwrap();
        assert!(matches!(
            restore::restore(&repo, snap, target.path(), None, &mut |_, _| {}),
            Err(Error::DamagedCatalog { .. })
        ));
        assert!(!target.path().join(path).exists());
        let report = check::check(&repo, &mut |_| {}).unwrap();
        assert!(
            report.catalog_problems.iter().any(|p| p.contains(path)),
            "{report:#?}"
        );
    }
    conn.execute("UPDATE entries SET part = ?2 WHERE id = ?1", (id, part))
        .unwrap();
    assert_eq!(cat(&repo, snap, path), small(9));
}

#[test]
fn a_version_1_catalog_is_migrated_and_its_snapshots_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let mut w = repo.begin_snapshot("phone").unwrap();
    // What version 1 stored: whole chunks only (a large file, an empty one).
    w.put_file("big.bin", meta(1), &noise(1, 100_000)[..])
        .unwrap();
    w.put_file("empty", meta(1), &b""[..]).unwrap();
    let old = w.commit().unwrap().id;
    drop(repo);
    // Turn the catalog back into version 1: the same tables without `entries.part` (nor the
    // row seals of version 4).
    let conn = catalog(dir.path());
    conn.execute_batch(
        "ALTER TABLE entries DROP COLUMN part; ALTER TABLE entries DROP COLUMN seal;
         ALTER TABLE snapshots DROP COLUMN seal; PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);

    let repo = open(dir.path());
    let conn = catalog(dir.path());
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 5, "migrated to the newest catalog");
    assert_eq!(cat(&repo, old, "big.bin"), noise(1, 100_000));
    assert_eq!(cat(&repo, old, "empty"), b"");
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("small", meta(2), &small(1)[..]).unwrap();
    let new = w.commit().unwrap().id;
    assert_eq!(cat(&repo, new, "small"), small(1));
    assert_eq!(cat(&repo, new, "big.bin"), noise(1, 100_000));
    check_ok(&repo);
    drop(repo);
    // Opening again finds it current.
    let repo = open(dir.path());
    assert_eq!(cat(&repo, new, "small"), small(1));
}
