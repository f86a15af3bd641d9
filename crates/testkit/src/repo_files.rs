//! What a repository's folder holds, read straight from the disk and the catalog (not through
//! the store), for tests that check what an interrupted write left behind.

use std::collections::BTreeSet;
use std::path::Path;

/// The names of the packs in `<repo>/packs/*/`.
pub fn packs_on_disk(repo: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for dir in std::fs::read_dir(repo.join("packs")).expect("the packs folder") {
        let dir = dir.expect("a pack folder").path();
        if dir.is_dir() {
            for f in std::fs::read_dir(dir).expect("a pack folder") {
                let p = f.expect("a pack").path();
                names.insert(p.file_stem().unwrap().to_string_lossy().into_owned());
            }
        }
    }
    names
}

/// The names of the packs the catalog knows.
pub fn packs_in_catalog(repo: &Path) -> BTreeSet<String> {
    let conn = rusqlite::Connection::open(repo.join("catalog.db")).expect("the catalog opens");
    let mut stmt = conn
        .prepare("SELECT name FROM packs")
        .expect("the packs table");
    let names = stmt
        .query_map([], |r| r.get(0))
        .expect("the packs table")
        .collect::<rusqlite::Result<_>>()
        .expect("pack names");
    names
}

/// Deterministic incompressible bytes.
pub fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Small packs and chunks, so a few hundred KiB exercise pack rollover and content-defined
/// chunking.
pub fn small_chunking() -> keepsake_store::ChunkingParams {
    keepsake_store::ChunkingParams {
        small_file_limit: 8 * 1024,
        sqlite_group: 16 * 1024,
        cdc_min: 4 * 1024,
        cdc_avg: 16 * 1024,
        cdc_max: 64 * 1024,
        pack_target: 256 * 1024,
    }
}

/// `n` snapshots of device `U1` in `repo`, each one small file `f` that differs from day to day;
/// their infos, oldest first.
pub fn daily_snapshots(
    repo: &keepsake_store::Repository,
    n: usize,
) -> Vec<keepsake_store::SnapshotInfo> {
    (0..n)
        .map(|day| {
            let mut w = repo.begin_snapshot("U1").unwrap();
            let meta = keepsake_store::FileMeta {
                mode: 0o100644,
                mtime_ns: 0,
                inode: 0,
            };
            w.put_file("f", meta, format!("day {day}").as_bytes())
                .unwrap();
            w.commit().unwrap()
        })
        .collect()
}
