//! Whole-folder round trips: write a small backup with `BackupWriter`, read it back with
//! `BackupFolder`, and compare every byte.

use std::fs;
use std::io::Read;

use keepsake_mobilesync::{
    BackupEncryption, BackupFolder, BackupPlist, BackupWriter, EntryKind, Error, InfoPlist,
    KdfParams, Lockdown, ManifestPlist, MbFile, StatusPlist, MODE_DIRECTORY, MODE_FILE,
    MODE_SYMLINK, SQLITE_MAGIC,
};

const FAST: KdfParams = KdfParams {
    iterations: 10,
    dp_iterations: 100,
};

fn manifest() -> ManifestPlist {
    ManifestPlist {
        was_passcode_set: true,
        ..ManifestPlist::new(Lockdown {
            device_name: "Test iPhone".into(),
            product_type: "iPhone15,2".into(),
            product_version: "17.0".into(),
            serial_number: "F2LTEST".into(),
            unique_device_id: "00008030-001A2B3C4D5E6F70".into(),
            build_version: "21A329".into(),
            other: Default::default(),
        })
    }
}

fn status() -> StatusPlist {
    StatusPlist::finished("01234567-89AB-CDEF-0123-456789ABCDEF", true)
}

/// Deterministic contents covering the tail cases: empty, sub-block, aligned, multi-chunk.
fn files() -> Vec<(&'static str, &'static str, u32, Vec<u8>)> {
    let big: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    vec![
        ("HomeDomain", "Library/SMS/sms.db", 3, vec![7u8; 4096]),
        (
            "HomeDomain",
            "Library/Preferences/empty.plist",
            4,
            Vec::new(),
        ),
        (
            "CameraRollDomain",
            "Media/DCIM/100APPLE/IMG_0001.HEIC",
            3,
            big,
        ),
        (
            "AppDomain-com.example.notes",
            "Documents/note.txt",
            1,
            b"hello, backup".to_vec(),
        ),
        ("KeychainDomain", "keychain-backup.plist", 4, vec![0x10; 17]),
    ]
}

fn write_backup(root: &std::path::Path, encryption: Option<BackupEncryption>) {
    let mut writer = BackupWriter::create(root, encryption).unwrap();
    writer.add_directory(
        "HomeDomain",
        MbFile {
            relative_path: "Library".into(),
            mode: MODE_DIRECTORY,
            ..MbFile::default()
        },
    );
    writer.add_symlink(
        "HomeDomain",
        MbFile {
            relative_path: "Library/Link".into(),
            mode: MODE_SYMLINK,
            target: Some("/var/mobile/Library".into()),
            ..MbFile::default()
        },
    );
    for (domain, path, class, contents) in files() {
        let meta = MbFile {
            relative_path: path.into(),
            mode: MODE_FILE,
            protection_class: class,
            user_id: 501,
            group_id: 501,
            last_modified: 1_700_000_000,
            ..MbFile::default()
        };
        writer.add_file(domain, meta, contents.as_slice()).unwrap();
    }
    let info = InfoPlist::for_device(&manifest().lockdown, "5E0C1A2B-HOST");
    writer.finish(manifest(), &status(), &info).unwrap();
}

/// A freshly written sample backup in a temporary folder, encrypted with `password` if given.
fn sample_backup(password: Option<&str>) -> (tempfile::TempDir, BackupFolder) {
    let dir = tempfile::tempdir().unwrap();
    let encryption = password.map(|pw| BackupEncryption::generate(pw, FAST).unwrap());
    write_backup(dir.path(), encryption);
    let backup = BackupFolder::open(dir.path()).unwrap();
    (dir, backup)
}

fn read_all(
    backup: &BackupFolder,
    keys: Option<&keepsake_mobilesync::ClassKeys>,
) -> Vec<(String, String, Vec<u8>)> {
    let db = backup.manifest_db(keys).unwrap();
    let mut out = Vec::new();
    for entry in db.entries().unwrap() {
        if entry.kind == EntryKind::File {
            let mut contents = Vec::new();
            backup
                .open_file(&entry, keys)
                .unwrap()
                .read_to_end(&mut contents)
                .unwrap();
            assert_eq!(entry.file.size, Some(contents.len() as u64));
            out.push((entry.domain, entry.relative_path, contents));
        }
    }
    out.sort();
    out
}

/// Byte equality, reporting names and lengths rather than dumping megabytes on failure.
fn assert_same_files(got: &[(String, String, Vec<u8>)], want: &[(String, String, Vec<u8>)]) {
    let summary = |v: &[(String, String, Vec<u8>)]| -> Vec<String> {
        v.iter()
            .map(|(d, p, c)| format!("{d}/{p} ({} bytes)", c.len()))
            .collect()
    };
    assert_eq!(summary(got), summary(want));
    for ((d, p, got), (_, _, want)) in got.iter().zip(want) {
        assert!(got == want, "{d}/{p}: contents differ");
    }
}

fn expected() -> Vec<(String, String, Vec<u8>)> {
    let mut v: Vec<_> = files()
        .into_iter()
        .map(|(d, p, _, c)| (d.to_string(), p.to_string(), c))
        .collect();
    v.sort();
    v
}

#[test]
fn encrypted_backup_reads_back_byte_equal_with_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let encryption = BackupEncryption::generate("correct horse", FAST).unwrap();
    write_backup(dir.path(), Some(encryption));

    let backup = BackupFolder::open(dir.path()).unwrap();
    assert!(backup.manifest.is_encrypted);
    assert!(backup.status.as_ref().unwrap().is_finished());
    let info = backup.info.as_ref().unwrap();
    assert_eq!(
        info.unique_identifier.as_deref(),
        Some("00008030-001A2B3C4D5E6F70")
    );
    assert_eq!(backup.manifest.lockdown.device_name, "Test iPhone");
    assert_eq!(backup.manifest.manifest_key().unwrap().unwrap().class, 4);
    let raw_db = fs::read(dir.path().join("Manifest.db")).unwrap();
    assert!(
        !raw_db.starts_with(SQLITE_MAGIC),
        "Manifest.db must be ciphertext"
    );
    assert_eq!(raw_db.len() % 16, 0);

    let keys = backup.unlock("correct horse").unwrap();
    assert_same_files(&read_all(&backup, Some(&keys)), &expected());

    let db = backup.manifest_db(Some(&keys)).unwrap();
    let link = db.get("HomeDomain", "Library/Link").unwrap().unwrap();
    assert_eq!(link.kind, EntryKind::Symlink);
    assert_eq!(link.file.target.as_deref(), Some("/var/mobile/Library"));
    let sms = db.get("HomeDomain", "Library/SMS/sms.db").unwrap().unwrap();
    assert_eq!(sms.file.encryption_key.as_ref().unwrap().class, 3);
    // The push form, as a store's `cat` into a writer would use it.
    let mut into = keepsake_mobilesync::decrypt_file_into(&keys, &sms.file, Vec::new()).unwrap();
    std::io::copy(
        &mut fs::File::open(backup.blob_path(&sms).unwrap()).unwrap(),
        &mut into,
    )
    .unwrap();
    assert_eq!(into.finish().unwrap(), vec![7u8; 4096]);
    // Blobs are ciphertext, PKCS#7-padded: an aligned 4096-byte file gains a whole block.
    let blob = fs::read(backup.blob_path(&sms).unwrap()).unwrap();
    assert_eq!(blob.len(), 4096 + 16);
    assert_ne!(&blob[..16], &[7u8; 16]);
    assert!(dir
        .path()
        .join("3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28")
        .is_file());
}

#[test]
fn wrong_password_is_refused_before_any_output() {
    let (_dir, backup) = sample_backup(Some("right"));
    assert!(matches!(backup.unlock("wrong"), Err(Error::WrongPassword)));
    assert!(matches!(
        backup.manifest_db(None),
        Err(Error::PasswordRequired)
    ));
}

#[test]
fn keys_of_another_backup_do_not_decrypt_this_one() {
    let dir = tempfile::tempdir().unwrap();
    write_backup(
        dir.path(),
        Some(BackupEncryption::generate("pw", FAST).unwrap()),
    );
    let other = BackupEncryption::generate("pw", FAST).unwrap();
    let backup = BackupFolder::open(dir.path()).unwrap();
    assert!(matches!(
        backup.manifest_db(Some(&other.keys)),
        Err(Error::CorruptWrappedKey { class: 4 })
    ));
}

#[test]
fn changed_password_still_opens_files_encrypted_before_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut encryption = BackupEncryption::generate("old", FAST).unwrap();
    let keys_before = encryption.keys.clone();
    write_backup(dir.path(), Some(encryption.clone()));
    encryption.change_password("new", FAST).unwrap();
    // ChangePassword only rewrites BackupKeyBag in Manifest.plist.
    let path = dir.path().join("Manifest.plist");
    let mut manifest = ManifestPlist::from_bytes(&fs::read(&path).unwrap()).unwrap();
    manifest.backup_key_bag = Some(encryption.keybag.to_bytes().into());
    fs::write(&path, manifest.to_binary().unwrap()).unwrap();

    let backup = BackupFolder::open(dir.path()).unwrap();
    assert!(matches!(backup.unlock("old"), Err(Error::WrongPassword)));
    let keys = backup.unlock("new").unwrap();
    assert_eq!(keys, keys_before);
    assert_same_files(&read_all(&backup, Some(&keys)), &expected());
}

#[test]
fn unencrypted_backup_round_trips_with_plain_blobs() {
    let (dir, backup) = sample_backup(None);
    assert!(!backup.manifest.is_encrypted);
    assert!(fs::read(dir.path().join("Manifest.db"))
        .unwrap()
        .starts_with(SQLITE_MAGIC));
    assert_same_files(&read_all(&backup, None), &expected());
    let blob = fs::read(
        dir.path()
            .join("3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28"),
    )
    .unwrap();
    assert_eq!(blob, vec![7u8; 4096]);
    assert!(dir.path().join("Info.plist").is_file());
    assert!(!dir.path().join("Manifest.db-wal").exists());
}

#[test]
fn hostile_file_id_in_manifest_db_cannot_escape_the_folder() {
    let (_dir, backup) = sample_backup(None);
    let mut entry = backup
        .manifest_db(None)
        .unwrap()
        .entries()
        .unwrap()
        .remove(0);
    entry.file_id = "../../../../../../etc/passwd".into();
    entry.kind = EntryKind::File;
    assert!(matches!(
        backup.open_file(&entry, None),
        Err(Error::InvalidFileId(_))
    ));
}

#[test]
fn missing_blob_is_a_not_found_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    write_backup(dir.path(), None);
    fs::remove_file(
        dir.path()
            .join("3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28"),
    )
    .unwrap();
    let backup = BackupFolder::open(dir.path()).unwrap();
    let db = backup.manifest_db(None).unwrap();
    let sms = db.get("HomeDomain", "Library/SMS/sms.db").unwrap().unwrap();
    match backup.open_file(&sms, None) {
        Err(Error::Io { path, source }) => {
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            assert!(path.ends_with("3d0d7e5fb2ce288813306e4d4636395e047a3d28"));
        }
        other => panic!("expected NotFound, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn export_copies_stored_blobs_into_a_folder_that_opens_with_the_same_password() {
    let source_dir = tempfile::tempdir().unwrap();
    write_backup(
        source_dir.path(),
        Some(BackupEncryption::generate("pw", FAST).unwrap()),
    );
    let source = BackupFolder::open(source_dir.path()).unwrap();
    let encryption = BackupEncryption::unlock(source.manifest.keybag().unwrap(), "pw").unwrap();
    let keys = encryption.keys.clone();

    let export_dir = tempfile::tempdir().unwrap();
    let mut writer = BackupWriter::create(export_dir.path(), Some(encryption)).unwrap();
    for entry in source.manifest_db(Some(&keys)).unwrap().entries().unwrap() {
        match entry.kind {
            EntryKind::File => {
                let blob = fs::File::open(source.blob_path(&entry).unwrap()).unwrap();
                writer
                    .add_stored_file(&entry.domain, entry.file, blob)
                    .unwrap();
            }
            EntryKind::Directory => writer.add_directory(&entry.domain, entry.file),
            EntryKind::Symlink => writer.add_symlink(&entry.domain, entry.file),
        }
    }
    writer
        .finish(source.manifest.clone(), &status(), &InfoPlist::default())
        .unwrap();

    let exported = BackupFolder::open(export_dir.path()).unwrap();
    let keys = exported.unlock("pw").unwrap();
    assert_same_files(&read_all(&exported, Some(&keys)), &expected());
    assert_eq!(
        exported.manifest_db(Some(&keys)).unwrap().len().unwrap(),
        source.manifest_db(Some(&keys)).unwrap().len().unwrap()
    );
}

#[test]
fn keyless_empty_file_in_an_encrypted_backup_reads_as_empty_and_other_keyless_files_fail() {
    let (_dir, backup) = sample_backup(Some("pw"));
    let keys = backup.unlock("pw").unwrap();
    let db = backup.manifest_db(Some(&keys)).unwrap();

    let mut empty = db
        .get("HomeDomain", "Library/Preferences/empty.plist")
        .unwrap()
        .unwrap();
    empty.file.encryption_key = None;
    fs::remove_file(backup.blob_path(&empty).unwrap()).unwrap();
    let mut contents = Vec::new();
    backup
        .open_file(&empty, Some(&keys))
        .unwrap()
        .read_to_end(&mut contents)
        .unwrap();
    assert!(contents.is_empty());

    let mut sms = db.get("HomeDomain", "Library/SMS/sms.db").unwrap().unwrap();
    sms.file.encryption_key = None;
    assert!(matches!(
        backup.open_file(&sms, Some(&keys)),
        Err(Error::MalformedMbFile(_))
    ));
}
