//! A folder of 100,000 small files: the second snapshot, with nothing changed, must not read
//! any of them. Proved by effect: after the first snapshot every file's bytes are replaced by
//! others of the same size with the modification time put back, so a snapshot that read them
//! would store the new bytes; it must still hold the old ones, and report nothing read.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use keepsake_store::commands::folder::add_folder;

const FILES: usize = 100_000;
const PER_FOLDER: usize = 500;

fn content(i: usize, generation: u8) -> Vec<u8> {
    format!("<plist><key>file</key><integer>{i:06}</integer><gen>{generation}</gen></plist>")
        .into_bytes()
}

fn path_of(root: &Path, i: usize) -> std::path::PathBuf {
    root.join(format!(
        "AppDomain-{:03}/Library/{i:06}.plist",
        i / PER_FOLDER
    ))
}

#[test]
fn an_unchanged_folder_of_100k_files_is_snapshotted_without_reading_a_file() {
    // In memory where there is a tmpfs: the test is about the store, and creating 100,000
    // files on a disk that has just deleted as many (an earlier run) is slow on ext4.
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let phone = dir.path().join("phone");
    for i in 0..FILES {
        let p = path_of(&phone, i);
        if i % PER_FOLDER == 0 {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        }
        std::fs::write(p, content(i, 1)).unwrap();
    }
    let repo = init_encrypted(&dir.path().join("repo"));

    let t = Instant::now();
    let first = add_folder(&repo, &phone, "phone", &mut |_, _| {}).unwrap();
    let first_time = t.elapsed();
    assert_eq!(first.snapshot.files, FILES as u64);
    assert_eq!(first.files_read, FILES as u64);

    // Same size, same modification time, other bytes: only reading would notice.
    for i in 0..FILES {
        let p = path_of(&phone, i);
        let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
        std::io::Write::write_all(&mut &f, &content(i, 2)).unwrap();
        f.set_modified(mtime).unwrap();
    }

    let t = Instant::now();
    let second = add_folder(&repo, &phone, "phone", &mut |_, _| {}).unwrap();
    let second_time = t.elapsed();
    eprintln!("100,000 files: first snapshot {first_time:?}, unchanged one {second_time:?}");
    assert_eq!(
        (second.files_read, second.bytes_read, second.files_unchanged),
        (0, 0, FILES as u64)
    );
    assert_eq!(second.snapshot.files, FILES as u64);
    assert_eq!(second.snapshot.added_bytes, 0);
    for i in [0, 12_345, FILES - 1] {
        let rel = path_of(Path::new(""), i);
        assert_eq!(
            cat(&repo, second.snapshot.id, rel.to_str().unwrap()),
            content(i, 1),
            "the unchanged snapshot holds what the first one read"
        );
    }
    // A walk and one catalog query, not 100,000 reads: well under the first snapshot's time.
    assert!(
        second_time < first_time.max(Duration::from_secs(2)),
        "unchanged {second_time:?}, first {first_time:?}"
    );
}
