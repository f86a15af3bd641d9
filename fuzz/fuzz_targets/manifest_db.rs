//! Manifest.db of a Finder backup folder being imported: the bytes are the file, written into a
//! folder beside a plain Manifest.plist and read the way `keepsake import` checks and reads it
//! (`BackupFolder::open`, `manifest_db`, `entries`, each entry's blob path), then looked up by
//! domain and path as browsing does.
//!
//! Invariants: a database that opened serialises to bytes that open again with the same entries.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use keepsake_mobilesync::{
    BackupFolder, BackupPlist, Lockdown, ManifestDb, ManifestPlist, MANIFEST_DB,
};
use libfuzzer_sys::fuzz_target;

const PREFIX: &str = "keepsake-fuzz-manifest-db-";

/// The folder, made once per process: in memory (`/dev/shm`) where there is one. libFuzzer ends
/// a process without running destructors, so the folders of processes gone are removed here.
fn folder() -> &'static PathBuf {
    static FOLDER: OnceLock<PathBuf> = OnceLock::new();
    FOLDER.get_or_init(|| {
        let shm = PathBuf::from("/dev/shm");
        let base = if shm.is_dir() {
            shm
        } else {
            std::env::temp_dir()
        };
        for entry in std::fs::read_dir(&base).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let gone = name
                .strip_prefix(PREFIX)
                .is_some_and(|pid| !Path::new("/proc").join(pid).exists());
            if gone {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = base.join(format!("{PREFIX}{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let lockdown = Lockdown {
            unique_device_id: "00008110-000A1B2C3D4E5F60".into(),
            ..Lockdown::default()
        };
        let manifest = ManifestPlist::new(lockdown)
            .to_binary()
            .expect("a Manifest.plist");
        std::fs::write(dir.join(ManifestPlist::FILE_NAME), manifest).expect("writing it");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = folder();
    std::fs::write(dir.join(MANIFEST_DB), data).expect("writing Manifest.db");
    let backup = BackupFolder::open(dir).expect("the folder's plists are valid");
    let Ok(mut db) = backup.manifest_db(None) else {
        return;
    };
    let _ = db.len();
    let _ = db.properties();
    let Ok(entries) = db.entries() else {
        return;
    };
    for entry in &entries {
        let _ = backup.blob_path(entry);
        // Rows are found by file ID; a damaged database (a wrong index, another collation) may
        // answer with another row, so only that the lookup returns is checked.
        let _ = db.get(&entry.domain, &entry.relative_path);
    }
    let bytes = db.to_bytes().expect("an open database serialises");
    let again = ManifestDb::from_bytes(&bytes).expect("a serialised database opens");
    assert_eq!(again.entries().expect("its entries read again"), entries);
});
