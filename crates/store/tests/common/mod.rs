//! Helpers shared by the store's integration tests: real repositories in temp folders, and data
//! shaped like a phone's (SQLite databases, small plists, incompressible media).
#![allow(dead_code)]

use std::path::Path;

use keepsake_store::{FileMeta, InitOptions, KdfParams, KeySource, Repository};

pub const PASSWORD: &str = "correct horse battery staple";

pub fn encrypted_options() -> InitOptions {
    InitOptions {
        key: KeySource::password(PASSWORD),
        kdf: KdfParams::insecure_for_tests(),
        chunking: small_chunking(),
        cipher: Default::default(),
    }
}

pub fn init_encrypted(dir: &Path) -> Repository {
    Repository::init(dir, &encrypted_options()).unwrap()
}

pub fn open(dir: &Path) -> Repository {
    Repository::open(dir, &KeySource::password(PASSWORD)).unwrap()
}

pub use keepsake_testkit::{noise, small_chunking};

/// A SQLite-looking database: a valid header declaring `page_size`, pages of semi-compressible rows.
pub fn sqlite_db(page_size: usize, pages: usize, seed: u64) -> Vec<u8> {
    let mut db = Vec::with_capacity(page_size * pages);
    for p in 0..pages {
        let mut page = noise(seed + p as u64, page_size / 2);
        page.extend(std::iter::repeat_n(b'r', page_size / 2));
        db.extend_from_slice(&page);
    }
    db[..16].copy_from_slice(b"SQLite format 3\0");
    let raw = if page_size == 65536 {
        1
    } else {
        page_size as u16
    };
    db[16..18].copy_from_slice(&raw.to_be_bytes());
    db
}

/// Rewrites `count` pages spread over the database, as a day of messages would.
pub fn touch_pages(db: &mut [u8], page_size: usize, count: usize, seed: u64) {
    let pages = db.len() / page_size;
    for i in 0..count {
        let page = 1 + (i * 7919 + seed as usize) % (pages - 1);
        let fresh = noise(seed * 1000 + i as u64, 64);
        db[page * page_size + 100..page * page_size + 164].copy_from_slice(&fresh);
    }
}

pub fn meta(mtime_s: i64) -> FileMeta {
    FileMeta {
        mode: 0o100644,
        mtime_ns: mtime_s * 1_000_000_000,
        inode: 0,
    }
}

/// Reads one file of a snapshot into memory.
pub fn cat(repo: &Repository, snapshot: i64, path: &str) -> Vec<u8> {
    let mut out = Vec::new();
    keepsake_store::commands::restore::cat(repo, snapshot, path, &mut out).unwrap();
    out
}

/// Total bytes of the files under `dir`.
pub fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        total += if m.is_dir() {
            dir_size(&e.path())
        } else {
            m.len()
        };
    }
    total
}
