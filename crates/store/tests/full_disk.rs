//! A disk that fills up during a snapshot: the write fails with a clear error, earlier snapshots
//! stay intact and readable, and the next (smaller) backup succeeds. Runs on a real 3 MiB tmpfs,
//! mounted in a private mount namespace (`unshare -m`) so nothing leaks even if the test dies.

mod common;

use common::*;
use keepsake_store::commands::{check, list};
use keepsake_store::Error;

const DIR_ENV: &str = "KEEPSAKE_STORE_FULL_DISK_DIR";

#[test]
#[ignore = "run inside a private mount namespace by a_full_disk_fails_the_snapshot_cleanly"]
fn full_disk_child() {
    let Ok(dir) = std::env::var(DIR_ENV) else {
        return;
    };
    let dir = std::path::Path::new(&dir).join("repo");
    let repo = init_encrypted(&dir);
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("Library/SMS/sms.db", meta(1), &sqlite_db(4096, 100, 1)[..])
        .unwrap();
    let first = w.commit().unwrap();

    // Packing runs behind the caller, so the failure surfaces in put_file or at the latest in
    // commit; either way nothing is committed (and the writer is gone after this block).
    let err = {
        let mut w = repo.begin_snapshot("phone").unwrap();
        match w.put_file("DCIM/huge.MOV", meta(2), &noise(2, 8_000_000)[..]) {
            Err(e) => e,
            Ok(_) => w.commit().expect_err("8 MB cannot fit on a 3 MiB disk"),
        }
    };
    assert!(matches!(err, Error::DiskFull { .. }), "{err:?}");
    assert!(
        err.to_string().contains("earlier snapshots are intact"),
        "{err}"
    );

    // Earlier snapshots are intact, and the repository is consistent.
    let repo = open(&dir);
    let snaps = list::snapshots(&repo).unwrap();
    assert_eq!(snaps.iter().map(|s| s.id).collect::<Vec<_>>(), [first.id]);
    assert_eq!(
        cat(&repo, first.id, "Library/SMS/sms.db"),
        sqlite_db(4096, 100, 1)
    );
    let report = check::check(&repo, &mut |_| {}).unwrap();
    assert!(report.is_ok(), "{report:#?}");

    // The next backup cleans the leftovers and fits.
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("notes.txt", meta(3), &b"small"[..]).unwrap();
    let next = w.commit().unwrap();
    assert_eq!(next.files, 2);
    assert_eq!(std::fs::read_dir(dir.join("tmp")).unwrap().count(), 0);
}

#[test]
fn a_full_disk_fails_the_snapshot_cleanly() {
    keepsake_testkit::in_small_tmpfs("full_disk_child", DIR_ENV, "3m", "1 passed");
}
