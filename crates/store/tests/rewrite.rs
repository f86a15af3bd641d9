//! Rewriting committed file versions: new content for every snapshot that shares a version, a
//! version added to snapshots that lacked it, all in one commit, the old bytes freed by gc, the
//! catalog's accounting agreeing with a full recount.

mod common;

use common::*;
use keepsake_store::commands::rewrite::FileVersion;
use keepsake_store::commands::{check, gc, list, restore, stats};
use keepsake_store::{Error, Repository};

/// A stand-in for "kept another way": every byte inverted, same size.
fn inverted(data: &[u8]) -> Vec<u8> {
    data.iter().map(|b| !b).collect()
}

/// Three snapshots: `db` changes on day 2, `photo` is the same all along.
fn three_days(repo: &Repository) -> [i64; 3] {
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("db", meta(1), &noise(1, 200_000)[..]).unwrap();
    w.put_file("photo", meta(1), &noise(2, 300_000)[..])
        .unwrap();
    w.put_file("small", meta(1), &b"a small plist"[..]).unwrap();
    let a = w.commit().unwrap().id;
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("db", meta(2), &noise(11, 200_000)[..]).unwrap();
    let b = w.commit().unwrap().id;
    let c = repo.begin_snapshot("phone").unwrap().commit().unwrap().id;
    [a, b, c]
}

fn version<'v>(versions: &'v [FileVersion], path: &str, from_seq: i64) -> &'v FileVersion {
    versions
        .iter()
        .find(|v| v.path == path && v.from_seq == from_seq)
        .unwrap_or_else(|| panic!("{path} from {from_seq} in {versions:#?}"))
}

#[test]
fn a_replaced_version_changes_in_every_snapshot_that_shares_it_and_gc_frees_the_old() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let [a, b, c] = three_days(&repo);
    let before = stats::stats(&repo).unwrap();

    let mut rw = repo.begin_rewrite("phone").unwrap();
    let versions = rw.versions().unwrap();
    assert_eq!(versions.len(), 4, "{versions:#?}");
    let photo = version(&versions, "photo", 1).clone();
    assert_eq!((photo.to_seq, photo.size), (None, 300_000));
    let old_db = version(&versions, "db", 1).clone();
    assert_eq!(old_db.to_seq, Some(2));
    let small = version(&versions, "small", 1).clone();
    for (v, data) in [
        (&photo, noise(2, 300_000)),
        (&old_db, noise(1, 200_000)),
        (&small, b"a small plist".to_vec()),
    ] {
        let new = inverted(&data);
        rw.replace(v, v.meta.mode | 1 << 24, &mut &new[..]).unwrap();
    }
    // Nothing visible before the commit.
    assert_eq!(cat(&repo, a, "photo"), noise(2, 300_000));
    let summary = rw.commit().unwrap();
    assert_eq!(summary.versions_replaced, 3);

    for s in [a, b, c] {
        assert_eq!(cat(&repo, s, "photo"), inverted(&noise(2, 300_000)), "{s}");
        assert_eq!(cat(&repo, s, "small"), inverted(b"a small plist"), "{s}");
    }
    assert_eq!(cat(&repo, a, "db"), inverted(&noise(1, 200_000)));
    assert_eq!(cat(&repo, b, "db"), noise(11, 200_000), "another version");
    let files = list::files(&repo, c).unwrap();
    let mode = |p: &str| files.iter().find(|f| f.path == p).unwrap().mode;
    assert_eq!(mode("photo"), 0o100644 | 1 << 24);
    assert_eq!(mode("db"), 0o100644, "the new db was not replaced");
    // Sizes, counts and seals stay right: a full recount agrees.
    let report = check::check(&repo, &mut |_| {}).unwrap();
    assert!(report.is_ok(), "{report:#?}");
    let listed: Vec<_> = list::snapshots(&repo).unwrap();
    assert_eq!(
        listed.iter().map(|s| s.files).collect::<Vec<_>>(),
        [3, 3, 3]
    );

    // The old photo and the old db are garbage now; gc frees them.
    let after = stats::stats(&repo).unwrap();
    assert!(
        after.unreferenced_bytes >= 490_000,
        "{before:#?} -> {after:#?}"
    );
    let g = gc::gc(&repo, &gc::GcOptions::default()).unwrap();
    assert!(g.bytes_before - g.bytes_after >= 480_000, "{g:?}");
    assert_eq!(cat(&repo, a, "photo"), inverted(&noise(2, 300_000)));
    assert!(check::check(&repo, &mut |_| {}).unwrap().is_ok());
    drop(repo);
    // And it all reads the same after reopening.
    let repo = open(dir.path());
    assert_eq!(cat(&repo, b, "photo"), inverted(&noise(2, 300_000)));
}

#[test]
fn an_added_version_appears_in_its_snapshots_only_and_counts_in_their_totals() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let [a, b, c] = three_days(&repo);
    let seqs: Vec<i64> = list::snapshots(&repo)
        .unwrap()
        .iter()
        .map(|s| s.seq)
        .collect();
    assert_eq!(seqs, [1, 2, 3]);

    let mut rw = repo.begin_rewrite("phone").unwrap();
    rw.add("keys", 1, Some(3), meta(5), b"the keys of days 1-2")
        .unwrap();
    rw.commit().unwrap();
    assert_eq!(cat(&repo, a, "keys"), b"the keys of days 1-2");
    assert_eq!(cat(&repo, b, "keys"), b"the keys of days 1-2");
    assert!(matches!(
        restore::cat(&repo, c, "keys", &mut Vec::new()),
        Err(Error::FileNotFound { .. })
    ));
    let listed = list::snapshots(&repo).unwrap();
    assert_eq!(
        listed.iter().map(|s| s.files).collect::<Vec<_>>(),
        [4, 4, 3]
    );
    assert_eq!(listed[0].bytes, 500_013 + 20);

    // Overlapping what a snapshot holds is refused, and the refusal changes nothing.
    let mut rw = repo.begin_rewrite("phone").unwrap();
    rw.add("keys", 2, None, meta(5), b"again").unwrap();
    let err = rw.commit().unwrap_err();
    assert!(err.to_string().contains("has it already"), "{err}");
    assert_eq!(cat(&repo, b, "keys"), b"the keys of days 1-2");

    // Added to the newest and on: the next backup carries it on.
    let mut rw = repo.begin_rewrite("phone").unwrap();
    rw.add("keys", 3, None, meta(5), b"the newest keys")
        .unwrap();
    rw.commit().unwrap();
    let d = repo.begin_snapshot("phone").unwrap().commit().unwrap();
    assert_eq!(cat(&repo, d.id, "keys"), b"the newest keys");
    assert_eq!(d.files, 4);
    let report = check::check(&repo, &mut |_| {}).unwrap();
    assert!(report.is_ok(), "{report:#?}");
    let s = stats::stats(&repo).unwrap();
    assert_eq!(s.devices[0].files, 4);
}

#[test]
fn a_replacement_of_another_size_or_of_an_unknown_device_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let [a, ..] = three_days(&repo);
    assert!(matches!(
        repo.begin_rewrite("another phone"),
        Err(Error::InvalidInput(_))
    ));
    let mut rw = repo.begin_rewrite("phone").unwrap();
    let versions = rw.versions().unwrap();
    let photo = version(&versions, "photo", 1).clone();
    let err = rw
        .replace(&photo, photo.meta.mode, &mut &b"shorter"[..])
        .unwrap_err();
    assert!(err.to_string().contains("would change"), "{err}");
    drop(rw);
    assert_eq!(cat(&repo, a, "photo"), noise(2, 300_000));
    // While a rewrite holds the writer lock, no backup starts.
    let rw = repo.begin_rewrite("phone").unwrap();
    let other = open(dir.path());
    assert!(matches!(
        other.begin_snapshot("phone"),
        Err(Error::Locked { .. })
    ));
    drop(rw);
    assert!(check::check(&repo, &mut |_| {}).unwrap().is_ok());
}

#[test]
fn a_file_reads_back_chunk_by_chunk_as_cat_gives_it() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let [a, ..] = three_days(&repo);
    for path in ["db", "photo", "small"] {
        let mut read = Vec::new();
        let mut reader = restore::open_file(&repo, a, path).unwrap();
        // Small reads cross chunk boundaries.
        let mut buf = [0u8; 1000];
        loop {
            let n = reader.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            read.extend_from_slice(&buf[..n]);
        }
        assert_eq!(read, cat(&repo, a, path), "{path}");
    }
    assert!(matches!(
        restore::open_file(&repo, a, "nothing"),
        Err(Error::FileNotFound { .. })
    ));
}
