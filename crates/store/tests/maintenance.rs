//! Space accounting, forget, gc and check on real repositories, including damaged packs.

mod common;

use common::*;
use keepsake_store::commands::{check, forget, gc, list, stats};
use keepsake_store::{Error, Repository};

/// Three snapshots of a phone: a first backup, a day with a replaced photo, a day with a new
/// one. Returns the snapshot ids.
fn three_days(repo: &Repository) -> [i64; 3] {
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("Info.plist", meta(1), &b"<plist/>"[..]).unwrap();
    w.put_file("IMG_1.HEIC", meta(1), &noise(1, 300_000)[..])
        .unwrap();
    w.put_file("IMG_2.HEIC", meta(1), &noise(2, 300_000)[..])
        .unwrap();
    let a = w.commit().unwrap().id;
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("IMG_2.HEIC", meta(2), &noise(22, 300_000)[..])
        .unwrap();
    let b = w.commit().unwrap().id;
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("IMG_3.HEIC", meta(3), &noise(3, 300_000)[..])
        .unwrap();
    let c = w.commit().unwrap().id;
    [a, b, c]
}

#[test]
fn space_accounting_tracks_newest_overhead_and_what_each_snapshot_frees() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let [a, b, c] = three_days(&repo);
    let s = stats::stats(&repo).unwrap();

    // Newest holds IMG_1, the new IMG_2 and IMG_3 (~900 KB, incompressible); only snapshot a
    // holds the old IMG_2 (~300 KB).
    assert!(
        (900_000..960_000).contains(&s.newest_stored_bytes),
        "{s:#?}"
    );
    assert!(
        (300_000..320_000).contains(&s.snapshot_overhead_bytes),
        "{s:#?}"
    );
    assert_eq!(s.devices.len(), 1);
    assert_eq!(
        (s.devices[0].files, s.devices[0].newest_snapshot),
        (4, Some(c))
    );
    let frees: Vec<(i64, u64)> = s
        .snapshots
        .iter()
        .map(|x| (x.info.id, x.frees_bytes))
        .collect();
    assert_eq!(frees[0].0, a);
    assert!((300_000..320_000).contains(&frees[0].1), "{frees:?}");
    assert_eq!(frees[1], (b, 0), "b's files all live on in c");
    assert!(
        (300_000..320_000).contains(&frees[2].1),
        "c alone holds IMG_3: {frees:?}"
    );
    // The accounting agrees with a full recount.
    assert!(check::check(&repo, &mut |_| {}).unwrap().is_ok());
}

#[test]
fn forget_then_gc_reclaims_space_and_keeps_the_rest_readable() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let [a, b, c] = three_days(&repo);
    let before = stats::stats(&repo).unwrap();

    let summary = forget::forget(&repo, &[a]).unwrap();
    assert_eq!(summary.snapshots, 1);
    assert_eq!(
        summary.file_versions_dropped, 1,
        "only the old IMG_2 is unseen now"
    );
    let after_forget = stats::stats(&repo).unwrap();
    assert_eq!(after_forget.snapshot_overhead_bytes, 0);
    assert_eq!(after_forget.newest_stored_bytes, before.newest_stored_bytes);
    assert!(after_forget.unreferenced_bytes >= 300_000);

    let g = gc::gc(&repo, &gc::GcOptions::default()).unwrap();
    assert!(g.packs_deleted + g.packs_repacked > 0, "{g:?}");
    assert!(g.bytes_before - g.bytes_after >= 290_000, "{g:?}");
    assert!(dir_size(&dir.path().join("packs")) <= g.bytes_after);

    assert_eq!(
        list::snapshots(&repo)
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        [b, c]
    );
    assert_eq!(cat(&repo, b, "IMG_1.HEIC"), noise(1, 300_000));
    assert_eq!(cat(&repo, c, "IMG_2.HEIC"), noise(22, 300_000));
    assert_eq!(cat(&repo, c, "IMG_3.HEIC"), noise(3, 300_000));
    let report = check::check(&repo, &mut |_| {}).unwrap();
    assert!(report.is_ok(), "{report:#?}");
    assert!(matches!(
        forget::forget(&repo, &[a]),
        Err(Error::SnapshotNotFound { snapshot, .. }) if snapshot == a
    ));
}

#[test]
fn forgetting_the_newest_makes_the_previous_one_the_base_again() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let [_, b, c] = three_days(&repo);
    forget::forget(&repo, &[c]).unwrap();
    let mut w = repo.begin_snapshot("phone").unwrap();
    assert_eq!(w.base(), Some(b));
    assert!(w.base_file("IMG_3.HEIC").unwrap().is_none());
    assert!(w.base_file("IMG_2.HEIC").unwrap().is_some());
    w.put_file("new.txt", meta(9), &b"after"[..]).unwrap();
    let d = w.commit().unwrap();
    assert_eq!(d.files, 4);
    let names: Vec<_> = list::files(&repo, d.id)
        .unwrap()
        .into_iter()
        .map(|f| f.path)
        .collect();
    assert_eq!(names, ["IMG_1.HEIC", "IMG_2.HEIC", "Info.plist", "new.txt"]);
    let report = check::check(&repo, &mut |_| {}).unwrap();
    assert!(report.is_ok(), "{report:#?}");
    let s = stats::stats(&repo).unwrap();
    assert_eq!(s.devices[0].files, 4);
}

#[test]
fn gc_is_refused_while_another_process_has_the_repository_open() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let reader = open(dir.path());
    assert!(matches!(
        gc::gc(&repo, &gc::GcOptions::default()),
        Err(Error::Locked { .. })
    ));
    drop(reader);
    gc::gc(&repo, &gc::GcOptions::default()).unwrap();
    // The lock went back to shared: others can open again.
    drop(open(dir.path()));
}

fn only_pack_holding(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut packs = Vec::new();
    for sub in std::fs::read_dir(dir.join("packs")).unwrap() {
        for f in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            packs.push(f.unwrap().path());
        }
    }
    packs
}

#[test]
fn check_names_the_files_and_snapshots_a_damaged_pack_affects() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("Media/movie.MOV", meta(1), &noise(5, 200_000)[..])
        .unwrap();
    let a = w.commit().unwrap().id;
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("notes.txt", meta(2), &b"unrelated"[..]).unwrap();
    let b = w.commit().unwrap().id;
    assert!(check::check(&repo, &mut |_| {}).unwrap().is_ok());

    // Flip one bit in the middle of the media pack.
    let packs = only_pack_holding(dir.path());
    let media = packs
        .iter()
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(media).unwrap();
    bytes[100_000] ^= 0x10;
    std::fs::write(media, &bytes).unwrap();

    let report = check::check(&repo, &mut |_| {}).unwrap();
    assert!(!report.is_ok());
    assert_eq!(report.damaged_chunks.len(), 1, "{report:#?}");
    assert!(
        report.damaged_chunks[0].fault.contains("authentication"),
        "{report:#?}"
    );
    assert_eq!(report.affected_files.len(), 1);
    assert_eq!(report.affected_files[0].path, "Media/movie.MOV");
    assert_eq!(report.affected_files[0].snapshots, [a, b]);
    // Reading it is an error naming the file, never wrong bytes.
    match keepsake_store::commands::restore::cat(&repo, b, "Media/movie.MOV", &mut Vec::new()) {
        Err(e @ Error::DamagedChunk { .. }) => {
            assert!(e.to_string().contains("Media/movie.MOV"), "{e}")
        }
        other => panic!("expected DamagedChunk, got {other:?}"),
    }
    assert_eq!(cat(&repo, b, "notes.txt"), b"unrelated");
    // A restore stops there, leaving neither the damaged file nor a part of it.
    let out = tempfile::tempdir().unwrap();
    match keepsake_store::commands::restore::restore(&repo, b, out.path(), None, &mut |_, _| {}) {
        Err(Error::DamagedChunk { path, .. }) => assert_eq!(path, "Media/movie.MOV"),
        other => panic!("expected DamagedChunk, got {other:?}"),
    }
    assert_eq!(
        std::fs::read_dir(out.path().join("Media")).unwrap().count(),
        0
    );

    // Truncation and a missing pack are reported too.
    std::fs::write(media, &bytes[..50_000]).unwrap();
    let report = check::check(&repo, &mut |_| {}).unwrap();
    assert!(
        report
            .damaged_chunks
            .iter()
            .any(|d| d.fault.contains("truncated")),
        "{report:#?}"
    );
    std::fs::remove_file(media).unwrap();
    let report = check::check(&repo, &mut |_| {}).unwrap();
    assert!(
        report
            .damaged_chunks
            .iter()
            .all(|d| d.fault.contains("missing")),
        "{report:#?}"
    );
    assert_eq!(report.affected_files[0].path, "Media/movie.MOV");
}

#[test]
fn check_catches_reference_counts_that_disagree_with_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    three_days(&repo);
    let conn = rusqlite::Connection::open(dir.path().join("catalog.db")).unwrap();
    conn.execute("UPDATE chunks SET refs = refs + 1 WHERE id = 1", [])
        .unwrap();
    drop(conn);
    let report = check::check(&repo, &mut |_| {}).unwrap();
    assert!(!report.is_ok());
    assert!(
        report
            .catalog_problems
            .iter()
            .any(|p| p.contains("reference counts")),
        "{report:#?}"
    );
    assert!(report.damaged_chunks.is_empty());
}

#[test]
fn check_names_a_catalog_value_of_the_wrong_type_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    three_days(&repo);
    let conn = rusqlite::Connection::open(dir.path().join("catalog.db")).unwrap();
    // A changed byte on the disk can turn a stored integer into text or a blob.
    conn.execute("UPDATE entries SET size = x'00ff' WHERE id = 1", [])
        .unwrap();
    conn.execute("UPDATE chunks SET offset = 'twelve' WHERE id = 2", [])
        .unwrap();
    conn.execute("UPDATE devices SET id = id, name = 42", [])
        .unwrap();
    drop(conn);
    let report = check::check(&repo, &mut |_| {}).unwrap();
    assert!(!report.is_ok());
    for table in ["file versions: row", "chunks: row", "devices: a row"] {
        assert!(
            report
                .catalog_problems
                .iter()
                .any(|p| p.starts_with(table) && p.contains("wrong type")),
            "{table}: {report:#?}"
        );
    }
}

#[test]
fn a_deleted_photo_is_reclaimed_by_deleting_whole_packs_without_copying() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let mut w = repo.begin_snapshot("phone").unwrap();
    for i in 0..8 {
        w.put_file(
            &format!("DCIM/IMG_{i}.HEIC"),
            meta(1),
            &noise(100 + i, 150_000)[..],
        )
        .unwrap();
    }
    let first = w.commit().unwrap().id;
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.remove("DCIM/IMG_3.HEIC").unwrap();
    w.commit().unwrap();
    forget::forget(&repo, &[first]).unwrap();
    let g = gc::gc(&repo, &gc::GcOptions::default()).unwrap();
    assert_eq!(g.packs_repacked, 0, "{g:?}");
    assert!(g.packs_deleted >= 1, "{g:?}");
    assert!(g.bytes_before - g.bytes_after >= 150_000, "{g:?}");
    assert!(check::check(&repo, &mut |_| {}).unwrap().is_ok());
}

/// Every pack file under `<repo>/packs`, with the folder it lies in.
fn pack_files(repo: &std::path::Path) -> Vec<(String, std::path::PathBuf)> {
    let mut packs = Vec::new();
    for sub in std::fs::read_dir(repo.join("packs")).unwrap() {
        let sub = sub.unwrap();
        for f in std::fs::read_dir(sub.path()).unwrap() {
            packs.push((sub.file_name().into_string().unwrap(), f.unwrap().path()));
        }
    }
    packs
}

#[test]
fn packs_lie_in_sixteen_folders_and_a_version_1_repository_keeps_its_256() {
    let dir = tempfile::tempdir().unwrap();
    // sealed as version 1 sealed, with XChaCha20-Poly1305
    let options = keepsake_store::InitOptions {
        cipher: keepsake_store::DataCipher::XChaCha20Poly1305,
        ..encrypted_options()
    };
    let repo = keepsake_store::Repository::init(dir.path(), &options).unwrap();
    let [a, _, c] = three_days(&repo);
    drop(repo);
    let packs = pack_files(dir.path());
    assert!(packs.len() >= 4, "{packs:?}");
    for (folder, pack) in &packs {
        let name = pack.file_name().unwrap().to_str().unwrap();
        assert_eq!(folder.len(), 1, "{pack:?}");
        assert!(name.starts_with(folder.as_str()), "{pack:?}");
    }

    // The same repository as version 1 wrote it: packs in folders of two hex digits.
    for (_, pack) in &packs {
        let name = pack.file_name().unwrap().to_str().unwrap();
        let old = dir.path().join("packs").join(&name[..2]);
        std::fs::create_dir_all(&old).unwrap();
        std::fs::rename(pack, old.join(name)).unwrap();
    }
    let config = dir.path().join("keepsake-repo.json");
    let text = std::fs::read_to_string(&config).unwrap();
    let current = format!("\"version\": {}", keepsake_store::FORMAT_VERSION);
    assert!(text.contains(&current), "{text}");
    std::fs::write(&config, text.replace(&current, "\"version\": 1")).unwrap();

    let repo = open(dir.path());
    assert_eq!(cat(&repo, a, "IMG_2.HEIC"), noise(2, 300_000));
    // It goes on in its own layout: new packs, gc and check included.
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("IMG_4.HEIC", meta(4), &noise(4, 300_000)[..])
        .unwrap();
    let d = w.commit().unwrap().id;
    forget::forget(&repo, &[a]).unwrap();
    let g = gc::gc(&repo, &gc::GcOptions::default()).unwrap();
    assert!(g.packs_deleted + g.packs_repacked > 0, "{g:?}");
    let report = check::check(&repo, &mut |_| {}).unwrap();
    assert!(report.is_ok(), "{report:#?}");
    assert_eq!(cat(&repo, c, "IMG_3.HEIC"), noise(3, 300_000));
    assert_eq!(cat(&repo, d, "IMG_4.HEIC"), noise(4, 300_000));
    for (folder, pack) in pack_files(dir.path()) {
        assert_eq!(folder.len(), 2, "{pack:?}");
    }
}

#[test]
fn a_pack_name_from_a_tampered_catalog_never_leads_out_of_the_repository() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("repo");
    let repo = init_encrypted(&dir);
    let [a, b, c] = three_days(&repo);
    // Files a hostile catalog might point at, outside the repository: `victim<pack id>.pack`
    // in the repository's parent folder (pack names are unique).
    let conn = rusqlite::Connection::open(dir.join("catalog.db")).unwrap();
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM packs")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!ids.is_empty());
    let outside: Vec<_> = ids
        .iter()
        .map(|id| parent.path().join(format!("victim{id}.pack")))
        .collect();
    for victim in &outside {
        std::fs::write(victim, b"not a pack").unwrap();
    }
    conn.execute("UPDATE packs SET name = '../../../victim' || id", [])
        .unwrap();
    drop(conn);
    let repo = {
        drop(repo);
        open(&dir)
    };

    match keepsake_store::commands::restore::cat(&repo, c, "IMG_3.HEIC", &mut Vec::new()) {
        Err(Error::DamagedChunk { .. }) => {}
        other => panic!("expected a damaged chunk, got {other:?}"),
    }
    let report = check::check(&repo, &mut |_| {}).unwrap();
    assert!(!report.is_ok(), "{report:#?}");
    forget::forget(&repo, &[a, b, c]).unwrap();
    match gc::gc(&repo, &gc::GcOptions::default()) {
        Err(Error::DamagedCatalog { reason, .. }) => {
            assert!(reason.contains("not the name of a pack"), "{reason}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    for victim in &outside {
        assert_eq!(std::fs::read(victim).unwrap(), b"not a pack");
    }
}

#[test]
fn a_file_not_named_like_a_pack_is_left_alone_by_recovery_after_an_interrupted_write() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let [_, _, c] = three_days(&repo);
    // In a folder of packs (there are 16, made as packs need them).
    std::fs::create_dir_all(dir.path().join("packs/0")).unwrap();
    let stray = dir.path().join("packs/0/notes.pack");
    std::fs::write(&stray, b"someone's notes").unwrap();
    // As after a write that was interrupted: the next writer searches the packs for leftovers.
    std::fs::remove_file(dir.path().join("packs-settled")).unwrap();
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("IMG_4.HEIC", meta(4), &noise(4, 300_000)[..])
        .unwrap();
    let d = w.commit().unwrap().id;
    assert!(dir.path().join("packs-settled").exists());
    assert_eq!(std::fs::read(&stray).unwrap(), b"someone's notes");
    assert_eq!(cat(&repo, c, "IMG_3.HEIC"), noise(3, 300_000));
    assert_eq!(cat(&repo, d, "IMG_4.HEIC"), noise(4, 300_000));
}

#[test]
fn a_sample_after_a_backup_reads_what_it_wrote_and_a_share_of_the_rest() {
    use check::Scope;
    let dir = tempfile::tempdir().unwrap();
    let repo = init_encrypted(dir.path());
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("Media/old.MOV", meta(1), &noise(5, 200_000)[..])
        .unwrap();
    let first = w.commit().unwrap().id;
    let packs_before: Vec<_> = only_pack_holding(dir.path());
    let mut w = repo.begin_snapshot("phone").unwrap();
    w.put_file("Media/new.MOV", meta(2), &noise(6, 200_000)[..])
        .unwrap();
    let second = w.commit().unwrap().id;
    let sample = |snapshot, permille| Scope::Sample {
        snapshot,
        permille,
        seed: 7,
    };

    // Intact: the sample reads the new movie's chunks and none of the old one's.
    let report = check::check_scope(&repo, sample(second, 0), &mut |_| {}).unwrap();
    assert!(report.is_ok() && report.sampled, "{report:#?}");
    assert!(report.chunks_checked > 0 && report.chunks_checked < report.chunks_total);
    let all = check::check(&repo, &mut |_| {}).unwrap();
    assert!(!all.sampled);
    assert_eq!(all.chunks_checked, all.chunks_total);

    // Damage in what the second backup wrote: its sample finds it.
    let new_pack = only_pack_holding(dir.path())
        .into_iter()
        .filter(|p| !packs_before.contains(p))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(&new_pack).unwrap();
    bytes[100_000] ^= 0x10;
    std::fs::write(&new_pack, &bytes).unwrap();
    let report = check::check_scope(&repo, sample(second, 0), &mut |_| {}).unwrap();
    assert_eq!(report.affected_files.len(), 1, "{report:#?}");
    assert_eq!(report.affected_files[0].path, "Media/new.MOV");
    bytes[100_000] ^= 0x10;
    std::fs::write(&new_pack, &bytes).unwrap();

    // Damage in older data: a sample without a share of the rest misses it, a sample of all
    // of the rest (and the full check) finds it.
    let old_pack = packs_before
        .iter()
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(old_pack).unwrap();
    bytes[100_000] ^= 0x10;
    std::fs::write(old_pack, &bytes).unwrap();
    assert!(check::check_scope(&repo, sample(second, 0), &mut |_| {})
        .unwrap()
        .is_ok());
    let report = check::check_scope(&repo, sample(second, 1000), &mut |_| {}).unwrap();
    assert_eq!(
        report.affected_files[0].path, "Media/old.MOV",
        "{report:#?}"
    );
    assert_eq!(report.affected_files[0].snapshots, [first, second]);
    assert!(!check::check(&repo, &mut |_| {}).unwrap().is_ok());
}
