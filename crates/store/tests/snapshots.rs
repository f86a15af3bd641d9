//! Writing, reading and restoring snapshots on a real repository: the format, dedup, encryption,
//! incremental commits, abandonment and locking.

mod common;

use common::*;
use keepsake_store::commands::{list, restore};
use keepsake_store::{Error, InitOptions, KeySource, Repository};

#[test]
fn restoring_a_folder_takes_whole_path_components_and_reports_its_total_first() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("Media/DCIM/IMG_0001.HEIC", noise(3, 200_000)),
        ("Media/info.plist", b"<plist/>".to_vec()),
        ("MediaX/other", noise(4, 5_000)),
        ("Media.plist", b"<plist>top</plist>".to_vec()),
    ];
    let mut w = repo.begin_snapshot("00008030-TEST").unwrap();
    for (path, data) in &files {
        w.put_file(path, meta(1_700_000_000), &data[..]).unwrap();
    }
    let snap = w.commit().unwrap();
    for only in ["Media", "Media/"] {
        let out = tempfile::tempdir().unwrap();
        let mut calls = Vec::new();
        let summary = restore::restore(&repo, snap.id, out.path(), Some(only), &mut |d, t| {
            calls.push((d, t))
        })
        .unwrap();
        let total = 200_000 + 8;
        assert_eq!((summary.files, summary.bytes), (2, total), "{only}");
        assert_eq!(calls.first(), Some(&(0, total)), "{only}");
        assert_eq!(calls.last(), Some(&(total, total)), "{only}");
        assert!(calls
            .windows(2)
            .all(|w| w[0].0 <= w[1].0 && w[0].1 == w[1].1));
        assert!(out.path().join("Media/DCIM/IMG_0001.HEIC").is_file());
        assert!(!out.path().join("MediaX").exists());
        assert!(!out.path().join("Media.plist").exists());
    }
}

#[test]
fn snapshot_round_trips_small_sqlite_and_media_files() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("Info.plist", b"<plist>device</plist>".to_vec()),
        ("empty", Vec::new()),
        ("3d/3d0d7e5f", sqlite_db(4096, 40, 1)),
        ("Media/DCIM/IMG_0001.HEIC", noise(7, 300_000)),
    ];
    let mut w = repo.begin_snapshot("00008030-TEST").unwrap();
    assert_eq!(w.base(), None);
    for (path, data) in &files {
        assert_eq!(
            w.put_file(path, meta(1_700_000_000), &data[..]).unwrap(),
            data.len() as u64
        );
    }
    let snap = w.commit().unwrap();
    assert_eq!((snap.seq, snap.files), (1, 4));
    assert_eq!(
        snap.bytes,
        files.iter().map(|(_, d)| d.len() as u64).sum::<u64>()
    );

    let listed = list::files(&repo, snap.id).unwrap();
    let names: Vec<_> = listed.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        names,
        [
            "3d/3d0d7e5f",
            "Info.plist",
            "Media/DCIM/IMG_0001.HEIC",
            "empty"
        ]
    );
    for (path, data) in &files {
        assert_eq!(&cat(&repo, snap.id, path), data, "{path}");
    }

    let out = tempfile::tempdir().unwrap();
    let summary = restore::restore(&repo, snap.id, out.path(), None, &mut |_, _| {}).unwrap();
    assert_eq!(summary.files, 4);
    for (path, data) in &files {
        assert_eq!(
            &std::fs::read(out.path().join(path)).unwrap(),
            data,
            "{path}"
        );
    }
    let mtime = std::fs::metadata(out.path().join("Info.plist"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(
        mtime
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
        1_700_000_000
    );

    // Restoring again over the first restore replaces every file (stale content included) and
    // leaves nothing else behind: no temporary names, no probe.
    std::fs::write(
        out.path().join("Info.plist"),
        b"stale, longer than the snapshot's file",
    )
    .unwrap();
    let again = restore::restore(&repo, snap.id, out.path(), None, &mut |_, _| {}).unwrap();
    assert_eq!(again.files, 4);
    for (path, data) in &files {
        assert_eq!(
            &std::fs::read(out.path().join(path)).unwrap(),
            data,
            "{path}"
        );
    }
    let mut left = Vec::new();
    let mut dirs = vec![out.path().to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                dirs.push(e.path());
            } else {
                left.push(
                    e.path()
                        .strip_prefix(out.path())
                        .unwrap()
                        .display()
                        .to_string(),
                );
            }
        }
    }
    left.sort();
    assert_eq!(
        left,
        [
            "3d/3d0d7e5f",
            "Info.plist",
            "Media/DCIM/IMG_0001.HEIC",
            "empty"
        ]
    );
}

#[test]
fn repository_opens_from_its_folder_alone_and_hides_names_and_content() {
    let dir = tempfile::tempdir().unwrap();
    {
        let repo = init_encrypted(dir.path());
        let mut w = repo.begin_snapshot("phone").unwrap();
        w.put_file(
            "Library/SMS/secret-name.db",
            meta(1),
            &b"top secret message body"[..],
        )
        .unwrap();
        w.commit().unwrap();
    }
    // "Another machine": nothing but the folder and the password.
    let repo = open(dir.path());
    let snaps = list::snapshots(&repo).unwrap();
    assert_eq!(snaps.len(), 1);
    assert_eq!(snaps[0].device, "phone");
    assert_eq!(
        cat(&repo, snaps[0].id, "Library/SMS/secret-name.db"),
        b"top secret message body"
    );
    drop(repo);

    for file in walk(dir.path()) {
        let bytes = std::fs::read(&file).unwrap();
        for secret in [
            &b"secret-name"[..],
            b"top secret",
            b"phone",
            PASSWORD.as_bytes(),
        ] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret),
                "{} holds {:?} in clear",
                file.display(),
                String::from_utf8_lossy(secret)
            );
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn wrong_or_missing_password_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    drop(init_encrypted(dir.path()));
    match Repository::open(dir.path(), &KeySource::password("wrong")) {
        Err(e @ Error::WrongPassword { .. }) => {
            assert!(e.to_string().contains("wrong password"), "{e}");
            assert!(e.to_string().contains(&dir.path().display().to_string()));
        }
        other => panic!("expected WrongPassword, got {other:?}"),
    }
    assert!(matches!(
        Repository::open(dir.path(), &KeySource::None),
        Err(Error::KeyRequired { .. })
    ));
    assert!(matches!(
        Repository::open(&dir.path().join("nowhere"), &KeySource::None),
        Err(Error::NotARepository { .. })
    ));
    assert!(matches!(
        Repository::init(dir.path(), &encrypted_options()),
        Err(Error::AlreadyExists { .. })
    ));
}

#[test]
fn newer_repository_format_asks_for_an_update() {
    let dir = tempfile::tempdir().unwrap();
    drop(init_encrypted(dir.path()));
    let cfg = dir.path().join("keepsake-repo.json");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let current = format!("\"version\": {}", keepsake_store::FORMAT_VERSION);
    assert!(text.contains(&current), "{text}");
    std::fs::write(&cfg, text.replace(&current, "\"version\": 99")).unwrap();
    match Repository::open(dir.path(), &KeySource::password(PASSWORD)) {
        Err(e @ Error::NewerFormat { found: 99, .. }) => {
            assert!(e.to_string().contains("update Keepsake"), "{e}")
        }
        other => panic!("expected NewerFormat, got {other:?}"),
    }
}

#[test]
fn unchanged_snapshot_adds_nothing_and_sqlite_page_changes_cost_pages() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let page = 4096;
    let mut db = sqlite_db(page, 512, 3); // 2 MiB
    let photo = noise(11, 400_000);

    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("sms.db", meta(1), &db[..]).unwrap();
    w.put_file("IMG_1.HEIC", meta(1), &photo[..]).unwrap();
    let first = w.commit().unwrap();
    assert!(
        first.added_bytes > 1_000_000,
        "half of each page compresses"
    );

    // Nothing changed: the engine hands no files at all.
    let unchanged = repo.begin_snapshot("phone").unwrap().commit().unwrap();
    assert_eq!(unchanged.added_bytes, 0);
    assert_eq!(
        (unchanged.files, unchanged.bytes),
        (first.files, first.bytes)
    );

    // Same bytes handed again (a device that re-sends everything): deduplicated to nothing.
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("sms.db", meta(2), &db[..]).unwrap();
    w.put_file("IMG_1.HEIC", meta(2), &photo[..]).unwrap();
    let resent = w.commit().unwrap();
    assert_eq!(resent.added_bytes, 0);

    // A day of messages: 15 pages rewritten. Costs about 15 page groups, not the 2 MiB file.
    touch_pages(&mut db, page, 15, 5);
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("sms.db", meta(3), &db[..]).unwrap();
    let stats = w.stats();
    let day = w.commit().unwrap();
    assert!(stats.chunks_new <= 16, "{stats:?}");
    assert!(
        day.added_bytes <= 16 * 16 * 1024,
        "added {} bytes",
        day.added_bytes
    );
    assert_eq!(cat(&repo, day.id, "sms.db"), db);
    assert_eq!(cat(&repo, day.id, "IMG_1.HEIC"), photo);
    // Older snapshots still read their own version.
    assert_ne!(cat(&repo, first.id, "sms.db"), db);
}

#[test]
fn incremental_snapshot_keeps_unchanged_files_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let mut w = repo.begin_snapshot("phone").unwrap();
    for i in 0..50 {
        w.put_file(&format!("f/{i:03}"), meta(i), &noise(i as u64, 1000)[..])
            .unwrap();
    }
    let base = w.commit().unwrap();

    let mut w = repo.begin_snapshot("phone").unwrap();
    assert_eq!(w.base(), Some(base.id));
    assert_eq!(w.base_paths().unwrap().len(), 50);
    let known = w.base_file("f/007").unwrap().unwrap();
    assert_eq!((known.size, known.meta.mtime_ns), (1000, 7_000_000_000));
    assert!(w.base_file("f/999").unwrap().is_none());
    w.put_file("f/007", meta(100), &b"changed"[..]).unwrap();
    w.put_file("new", meta(100), &b"new file"[..]).unwrap();
    assert!(w.remove("f/010").unwrap());
    assert!(!w.remove("never-existed").unwrap());
    let stats = w.stats();
    let next = w.commit().unwrap();
    // Only what was handed in was read: 7 + 8 bytes, not the 48 unchanged files.
    assert_eq!(stats.bytes_read, 15);
    assert_eq!(next.files, 50);

    let names: Vec<_> = list::files(&repo, next.id)
        .unwrap()
        .into_iter()
        .map(|f| f.path)
        .collect();
    assert!(names.contains(&"new".to_string()));
    assert!(!names.contains(&"f/010".to_string()));
    assert_eq!(cat(&repo, next.id, "f/007"), b"changed");
    assert_eq!(cat(&repo, next.id, "f/008"), noise(8, 1000));
    // The base is untouched.
    assert_eq!(cat(&repo, base.id, "f/007"), noise(7, 1000));
    assert_eq!(cat(&repo, base.id, "f/010"), noise(10, 1000));
    assert!(matches!(
        keepsake_store::commands::restore::cat(&repo, next.id, "f/010", &mut Vec::new()),
        Err(Error::FileNotFound { .. })
    ));
}

#[test]
fn devices_have_separate_histories_but_share_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let photo = noise(1, 200_000);
    let mut w = repo.begin_snapshot("iphone").unwrap();
    w.put_file("a.jpg", meta(1), &photo[..]).unwrap();
    let a = w.commit().unwrap();
    let mut w = repo.begin_snapshot("ipad").unwrap();
    assert_eq!(w.base(), None);
    w.put_file("b.jpg", meta(1), &photo[..]).unwrap();
    let b = w.commit().unwrap();
    assert_eq!((a.seq, b.seq), (1, 1));
    assert_eq!(
        b.added_bytes, 0,
        "the same photo from another device is stored once"
    );
    assert_eq!(list::latest(&repo, "ipad").unwrap().unwrap().id, b.id);
    assert_eq!(list::files(&repo, a.id).unwrap().len(), 1);
}

#[test]
fn abandoned_writer_leaves_earlier_snapshots_intact_and_its_packs_are_reused() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("keep", meta(1), &b"committed"[..]).unwrap();
    let first = w.commit().unwrap();

    // Enough data to close several packs (256 KiB each), then give up.
    let big = noise(3, 1_500_000);
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("big.mov", meta(2), &big[..]).unwrap();
    w.remove("keep").unwrap();
    drop(w);

    assert_eq!(list::snapshots(&repo).unwrap().len(), 1);
    assert_eq!(cat(&repo, first.id, "keep"), b"committed");
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );

    // The retry finds most of the data already on disk.
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("big.mov", meta(2), &big[..]).unwrap();
    let stats = w.stats();
    let retry = w.commit().unwrap();
    assert!(stats.chunks_reused > 0, "{stats:?}");
    assert!(
        retry.added_bytes < 600_000,
        "re-stored {} bytes",
        retry.added_bytes
    );
    assert_eq!(cat(&repo, retry.id, "big.mov"), big);
}

#[test]
fn a_second_writer_is_refused_until_the_first_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let other = open(dir.path());
    let w = repo.begin_snapshot("phone").unwrap();
    match other.begin_snapshot("phone") {
        Err(e @ Error::Locked { .. }) => assert!(e.to_string().contains("in use"), "{e}"),
        other => panic!("expected Locked, got {other:?}"),
    }
    w.commit().unwrap();
    other.begin_snapshot("phone").unwrap().commit().unwrap();
    assert_eq!(list::snapshots(&repo).unwrap().len(), 2);
}

#[test]
fn a_restore_whose_catalog_lost_a_chunk_or_its_pack_says_so_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("a.plist", meta(1), &b"<plist/>"[..]).unwrap();
    w.put_file("IMG_1.HEIC", meta(1), &noise(1, 300_000)[..])
        .unwrap();
    let snap = w.commit().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("catalog.db")).unwrap();
    // Damage as a bad disk or another program would do it, past the schema's own checks.
    conn.pragma_update(None, "foreign_keys", false).unwrap();
    let restore_fails_with = |expected: &str| {
        let target = tempfile::tempdir().unwrap();
        match restore::restore(&repo, snap.id, target.path(), None, &mut |_, _| {}) {
            Err(Error::DamagedCatalog { reason, .. }) => {
                assert!(reason.contains(expected), "{reason}")
            }
            other => panic!("expected a damaged catalog, got {other:?}"),
        }
        assert_eq!(std::fs::read_dir(target.path()).unwrap().count(), 0);
    };
    conn.execute(
        "UPDATE chunks SET pack = 999 WHERE id = (SELECT max(id) FROM chunks)",
        [],
    )
    .unwrap();
    restore_fails_with("or its pack is not");
    conn.execute(
        "DELETE FROM chunks WHERE id = (SELECT max(id) FROM chunks)",
        [],
    )
    .unwrap();
    restore_fails_with("referenced but not recorded");
}

#[test]
fn bad_paths_are_refused_on_the_way_in_and_out() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(
        dir.path(),
        &InitOptions {
            chunking: small_chunking(),
            ..InitOptions::unencrypted()
        },
    )
    .unwrap();
    let mut w = repo.begin_snapshot("phone").unwrap();
    for bad in ["../escape", "/etc/passwd", "a/../../b"] {
        assert!(matches!(
            w.put_file(bad, meta(1), &b"x"[..]),
            Err(Error::InvalidInput(_))
        ));
    }
    w.put_file("victim", meta(1), &b"x"[..]).unwrap();
    let snap = w.commit().unwrap();

    // A tampered catalog (clear repository: names are stored as plain bytes). A path that
    // does not match its lookup key is refused as damage.
    let conn = rusqlite::Connection::open(dir.path().join("catalog.db")).unwrap();
    conn.execute("UPDATE entries SET path = CAST('../escaped' AS BLOB)", [])
        .unwrap();
    assert!(matches!(
        restore::restore(
            &repo,
            snap.id,
            tempfile::tempdir().unwrap().path(),
            None,
            &mut |_, _| {}
        ),
        Err(Error::DamagedCatalog { .. })
    ));
    // One that does (anyone can compute a clear repository's keys) meets the restore's own
    // check.
    let hash = blake3::hash(b"path\0../escaped");
    conn.execute("UPDATE entries SET path_key = ?1", [&hash.as_bytes()[..16]])
        .unwrap();
    drop(conn);

    let parent = tempfile::tempdir().unwrap();
    let target = parent.path().join("restore");
    match restore::restore(&repo, snap.id, &target, None, &mut |_, _| {}) {
        Err(Error::UnsafePath { path, .. }) => assert_eq!(path, "../escaped"),
        other => panic!("expected UnsafePath, got {other:?}"),
    }
    assert!(!parent.path().join("escaped").exists());
}

#[cfg(unix)]
#[test]
fn restore_does_not_follow_a_symlinked_folder_out_of_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("Library/prefs.plist", meta(1), &b"x"[..])
        .unwrap();
    let snap = w.commit().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let target = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), target.path().join("Library")).unwrap();
    assert!(matches!(
        restore::restore(&repo, snap.id, target.path(), None, &mut |_, _| {}),
        Err(Error::UnsafePath { .. })
    ));
    assert!(!outside.path().join("prefs.plist").exists());
}

#[test]
fn readers_browse_committed_snapshots_while_a_backup_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("a.txt", meta(1), &b"first"[..]).unwrap();
    let first = w.commit().unwrap();

    let reader = open(dir.path());
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("a.txt", meta(2), &noise(1, 600_000)[..])
        .unwrap();
    // Mid-backup: the reader sees exactly the committed state.
    assert_eq!(list::snapshots(&reader).unwrap().len(), 1);
    assert_eq!(cat(&reader, first.id, "a.txt"), b"first");
    let second = w.commit().unwrap();
    assert_eq!(list::snapshots(&reader).unwrap().len(), 2);
    assert_eq!(cat(&reader, second.id, "a.txt"), noise(1, 600_000));
}

#[test]
fn new_repositories_seal_with_aes_gcm_and_older_xchacha_ones_still_read_and_grow() {
    use keepsake_store::{commands::check, DataCipher, RepoConfig};
    for cipher in [DataCipher::Aes256Gcm, DataCipher::XChaCha20Poly1305] {
        let dir = tempfile::tempdir().unwrap();
        let options = InitOptions {
            cipher,
            ..encrypted_options()
        };
        let repo = Repository::init(dir.path(), &options).unwrap();
        let day1: Vec<(&str, Vec<u8>)> = vec![
            ("3d/3d0d7e5f", sqlite_db(4096, 40, 1)),
            ("Media/DCIM/IMG_0001.HEIC", noise(7, 300_000)),
        ];
        let mut w = repo.begin_snapshot("00008030-TEST").unwrap();
        for (path, data) in &day1 {
            w.put_file(path, meta(1_700_000_000), &data[..]).unwrap();
        }
        let first = w.commit().unwrap();
        drop(repo);
        let config = RepoConfig::load(dir.path()).unwrap();
        assert_eq!(config.encryption.unwrap().cipher, cipher.name());
        assert_eq!(config.version, keepsake_store::FORMAT_VERSION);

        // opened again (another opening: another nonce prefix, another AES key), it reads the
        // first day and writes a second beside it
        let repo = open(dir.path());
        let mut db = day1[0].1.clone();
        touch_pages(&mut db, 4096, 3, 9);
        let mut w = repo.begin_snapshot("00008030-TEST").unwrap();
        w.put_file("3d/3d0d7e5f", meta(1_700_000_100), &db[..])
            .unwrap();
        w.put_file(
            "Media/DCIM/IMG_0001.HEIC",
            meta(1_700_000_000),
            &day1[1].1[..],
        )
        .unwrap();
        let second = w.commit().unwrap();
        drop(repo);
        let repo = open(dir.path());
        for (path, data) in &day1 {
            assert_eq!(&cat(&repo, first.id, path), data, "{cipher:?} {path}");
        }
        assert_eq!(cat(&repo, second.id, "3d/3d0d7e5f"), db, "{cipher:?}");
        let report = check::check(&repo, &mut |_| {}).unwrap();
        assert!(report.is_ok(), "{cipher:?}: {report:?}");
        assert!(report.chunks_checked > 0);
        // no plaintext on the disk
        let needle = &day1[1].1[1000..1032];
        for pack in walk(dir.path()) {
            let bytes = std::fs::read(&pack).unwrap();
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{pack:?}"
            );
        }
    }
}
