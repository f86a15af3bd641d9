//! Store measurements on generated phone-like data (a benchmark, not a test: it asserts nothing
//! and prints a table). Run with
//!
//! ```text
//! cargo bench -p keepsake-store --bench store_bench            # 256 MB set
//! KEEPSAKE_BENCH_MB=1024 cargo bench -p keepsake-store --bench store_bench
//! KEEPSAKE_BENCH_PRIMITIVES=1 cargo bench -p keepsake-store --bench store_bench   # CPU per GB
//! ```
//!
//! The set: incompressible photos (70 %), a 50 MB SQLite database with 4 KiB pages plus a few
//! smaller ones, and thousands of small plist-like files. Steps: first snapshot, unchanged
//! snapshot, "a day of use" (5 % of photos replaced, 15 pages changed in each database), the same
//! 15-page change alone on the 50 MB database, full restore, check, forget of all but the newest
//! snapshot plus gc (default threshold, then repacking everything). Sources are files on disk, read through the page cache. Set
//! `KEEPSAKE_BENCH_DIR=/dev/shm` to measure the store without the disk.

use std::path::{Path, PathBuf};
use std::time::Instant;

use keepsake_store::commands::{check, folder, forget, gc, restore, stats};
use keepsake_store::{InitOptions, Repository};

fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn sqlite_db(len: usize, seed: u64) -> Vec<u8> {
    let page = 4096;
    let mut db = Vec::with_capacity(len);
    let mut p = 0u64;
    while db.len() < len {
        // Rows: half random-ish, half repetitive text, like a real table page.
        db.extend_from_slice(&noise(seed * 1_000_003 + p, page / 2));
        db.extend(std::iter::repeat_n(b'm', page / 2));
        p += 1;
    }
    db.truncate(len / page * page);
    db[..16].copy_from_slice(b"SQLite format 3\0");
    db[16..18].copy_from_slice(&4096u16.to_be_bytes());
    db
}

fn touch_pages(db: &mut [u8], count: usize, seed: u64) {
    let pages = db.len() / 4096;
    for i in 0..count {
        let page = 1 + (i * 7919 + seed as usize * 31) % (pages - 1);
        let at = page * 4096 + 200;
        db[at..at + 100].copy_from_slice(&noise(seed * 100 + i as u64, 100));
    }
}

struct Set {
    root: PathBuf,
    photos: Vec<PathBuf>,
    dbs: Vec<PathBuf>,
    bytes: u64,
}

fn generate(root: &Path, total_mb: u64) -> Set {
    let total = total_mb * 1024 * 1024;
    let mut set = Set {
        root: root.to_path_buf(),
        photos: Vec::new(),
        dbs: Vec::new(),
        bytes: 0,
    };
    let write = |set: &mut Set, rel: String, data: &[u8]| -> PathBuf {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        set.bytes += data.len() as u64;
        p
    };
    for (i, mb) in [50usize, 8, 4, 2].iter().enumerate() {
        let p = write(
            &mut set,
            format!("HomeDomain/db{i}.sqlite"),
            &sqlite_db(mb << 20, i as u64),
        );
        set.dbs.push(p);
    }
    let small_budget = total / 20;
    let mut i = 0u64;
    while set.bytes < 64 * 1024 * 1024 + small_budget && i < 20_000 {
        let mut plist =
            format!("<?xml version=\"1.0\"?><plist><dict><key>id</key><integer>{i}</integer>")
                .into_bytes();
        plist.extend_from_slice(&noise(i, 200 + (i as usize * 37) % 3000));
        write(
            &mut set,
            format!("AppDomain-{}/Library/Preferences/{i}.plist", i % 40),
            &plist,
        );
        i += 1;
    }
    let mut n = 0u64;
    while set.bytes < total {
        let len = 1_500_000 + (n as usize * 104_729) % 3_000_000;
        let p = write(
            &mut set,
            format!("CameraRollDomain/Media/DCIM/100APPLE/IMG_{n:04}.HEIC"),
            &noise(1_000 + n, len),
        );
        set.photos.push(p);
        n += 1;
    }
    set
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().into_string().unwrap();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if e.file_type().unwrap().is_dir() {
            walk(&e.path(), &rel, out);
        } else {
            out.push((rel, e.path()));
        }
    }
}

/// The least CPU a snapshot or a restore of incompressible data costs per GB, one core: the
/// keyed BLAKE3 id, XChaCha20-Poly1305 (seal; opening costs the same), the zstd probe of a
/// chunk's start that tells media from compressible data, and one copy.
fn primitives() {
    use chacha20poly1305::aead::{AeadInPlace, KeyInit};
    let chunk = noise(7, 1 << 20);
    let rounds = 512; // 512 MiB
    let per_gb = |name: &str, f: &mut dyn FnMut(&[u8])| {
        let t = Instant::now();
        for _ in 0..rounds {
            f(&chunk);
        }
        let secs = t.elapsed().as_secs_f64();
        let mb_s = (rounds as f64 * chunk.len() as f64 / 1e6) / secs;
        println!(
            "{name:<34} {mb_s:>9.0} MB/s  {:>6.2} s per GB",
            1000.0 / mb_s
        );
    };
    let key = [7u8; 32];
    per_gb("BLAKE3 keyed (chunk id)", &mut |c| {
        std::hint::black_box(blake3::keyed_hash(&key, c));
    });
    let cipher = chacha20poly1305::XChaCha20Poly1305::new(&key.into());
    let mut buf = chunk.clone();
    per_gb("XChaCha20-Poly1305 seal", &mut |_| {
        let tag = cipher
            .encrypt_in_place_detached(&[1u8; 24].into(), b"ad", &mut buf)
            .unwrap();
        std::hint::black_box(tag);
    });
    let mut zstd = zstd::bulk::Compressor::new(3).unwrap();
    per_gb("zstd level 3 probe (32 KiB/MiB)", &mut |c| {
        std::hint::black_box(zstd.compress(&c[..32 * 1024]).unwrap());
    });
    per_gb("copy (one memcpy)", &mut |c| {
        std::hint::black_box(c.to_vec());
    });
}

/// Snapshots the folder as `keepsake store add` does: only files whose metadata changed are read.
fn snapshot(repo: &Repository, set: &Set) -> (f64, u64, u64) {
    let start = Instant::now();
    let s = folder::add_folder(repo, &set.root, "bench-phone", &mut |_, _| {}).unwrap();
    (
        start.elapsed().as_secs_f64(),
        s.bytes_read,
        s.snapshot.added_bytes,
    )
}

fn mb(b: u64) -> f64 {
    b as f64 / 1e6
}

/// Applies "a day of use" to a generated folder: 5 % of the photos replaced, 15 pages changed in
/// each database. Returns the really new bytes.
fn day_of_use(set: &Set) -> u64 {
    let mut really_new = 0u64;
    let replace = (set.photos.len() / 20).max(1);
    for (k, p) in set.photos.iter().take(replace).enumerate() {
        let len = std::fs::metadata(p).unwrap().len() as usize;
        std::fs::write(p, noise(900_000 + k as u64, len)).unwrap();
        really_new += len as u64;
    }
    for (k, p) in set.dbs.iter().enumerate() {
        let mut db = std::fs::read(p).unwrap();
        touch_pages(&mut db, 15, 10 + k as u64);
        std::fs::write(p, &db).unwrap();
        really_new += 15 * 4096;
    }
    really_new
}

/// The photos and databases of a folder made by [`generate`].
fn rediscover(root: &Path) -> Set {
    let mut files = Vec::new();
    walk(root, "", &mut files);
    let mut set = Set {
        root: root.to_path_buf(),
        photos: Vec::new(),
        dbs: Vec::new(),
        bytes: 0,
    };
    for (rel, path) in files {
        set.bytes += std::fs::metadata(&path).unwrap().len();
        if rel.ends_with(".HEIC") {
            set.photos.push(path);
        } else if rel.ends_with(".sqlite") {
            set.dbs.push(path);
        }
    }
    set
}

fn main() {
    // `cargo bench` passes --bench; ignore arguments.
    let total_mb: u64 = std::env::var("KEEPSAKE_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    // Data-only modes, used by benches/compare.sh to feed restic and borg the same folder.
    if let Some(dir) = std::env::var_os("KEEPSAKE_BENCH_GENERATE") {
        let set = generate(Path::new(&dir), total_mb);
        println!(
            "generated {:.0} MB in {}",
            mb(set.bytes),
            set.root.display()
        );
        return;
    }
    if let Some(dir) = std::env::var_os("KEEPSAKE_BENCH_DAY_OF_USE") {
        let new = day_of_use(&rediscover(Path::new(&dir)));
        println!("day of use: {:.1} MB really new", mb(new));
        return;
    }
    if std::env::var_os("KEEPSAKE_BENCH_PRIMITIVES").is_some() {
        primitives();
        return;
    }
    // KEEPSAKE_BENCH_DIR=/dev/shm separates the store's own cost from the disk's.
    let work = match std::env::var_os("KEEPSAKE_BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(dir).unwrap(),
        None => tempfile::tempdir().unwrap(),
    };
    let src = work.path().join("phone");
    let repo_dir = work.path().join("repo");
    let t = Instant::now();
    let set = generate(&src, total_mb);
    println!(
        "generated {:.0} MB ({} photos, {} databases) in {:.1} s",
        mb(set.bytes),
        set.photos.len(),
        set.dbs.len(),
        t.elapsed().as_secs_f64()
    );

    let repo = Repository::init(&repo_dir, &InitOptions::encrypted("bench password")).unwrap();
    println!(
        "\n{:<34} {:>9} {:>12} {:>12}",
        "step", "seconds", "MB/s", "added MB"
    );
    let note = |name: &str, value: f64| println!("{name:<34} {:>9} {:>12} {value:>12.2}", "", "");
    let row = |name: &str, secs: f64, bytes: u64, added: Option<u64>| {
        let rate = if bytes > 0 {
            format!("{:.0}", mb(bytes) / secs)
        } else {
            "-".into()
        };
        let added = added.map_or("-".into(), |a| format!("{:.2}", mb(a)));
        println!("{name:<34} {secs:>9.3} {rate:>12} {added:>12}");
    };

    let (secs, read, added) = snapshot(&repo, &set);
    row("first snapshot", secs, read, Some(added));
    let (secs, _, added) = snapshot(&repo, &set);
    row("unchanged snapshot (folder walk)", secs, 0, Some(added));
    let t = Instant::now();
    let info = repo
        .begin_snapshot("bench-phone")
        .unwrap()
        .commit()
        .unwrap();
    row(
        "unchanged snapshot (engine: no changes)",
        t.elapsed().as_secs_f64(),
        0,
        Some(info.added_bytes),
    );

    // 15 pages of the 50 MB database, alone.
    let mut db = std::fs::read(&set.dbs[0]).unwrap();
    touch_pages(&mut db, 15, 1);
    std::fs::write(&set.dbs[0], &db).unwrap();
    let (secs, read, added) = snapshot(&repo, &set);
    row("50 MB SQLite, 15 pages changed", secs, read, Some(added));

    // A day of use: 5 % of photos replaced, 15 pages in each database.
    let really_new = day_of_use(&set);
    let (secs, read, added) = snapshot(&repo, &set);
    row("day of use", secs, read, Some(added));
    note("  (really new bytes in the day)", mb(really_new));

    let newest = keepsake_store::commands::list::latest(&repo, "bench-phone")
        .unwrap()
        .unwrap();
    let out = work.path().join("restored");
    let t = Instant::now();
    let r = restore::restore(&repo, newest.id, &out, None, &mut |_, _| {}).unwrap();
    row("full restore", t.elapsed().as_secs_f64(), r.bytes, None);
    std::fs::remove_dir_all(&out).unwrap();

    let t = Instant::now();
    let report = check::check(&repo, &mut |_| {}).unwrap();
    row(
        "check (read + verify every chunk)",
        t.elapsed().as_secs_f64(),
        report.bytes_checked,
        None,
    );
    assert!(report.is_ok(), "{report:#?}");

    // Keep only the newest snapshot: what older ones held alone becomes garbage.
    let before = stats::stats(&repo).unwrap();
    let older: Vec<i64> = before
        .snapshots
        .iter()
        .rev()
        .skip(1)
        .map(|s| s.info.id)
        .collect();
    let t = Instant::now();
    forget::forget(&repo, &older).unwrap();
    let g = gc::gc(&repo, &gc::GcOptions::default()).unwrap();
    row(
        "forget all but newest + gc",
        t.elapsed().as_secs_f64(),
        0,
        None,
    );
    note("  (reclaimed MB)", mb(g.bytes_before - g.bytes_after));
    let t = Instant::now();
    let g = gc::gc(
        &repo,
        &gc::GcOptions {
            repack_garbage_fraction: 0.0,
        },
    )
    .unwrap();
    row(
        "gc repacking every partly-dead pack",
        t.elapsed().as_secs_f64(),
        0,
        None,
    );
    note("  (reclaimed MB)", mb(g.bytes_before - g.bytes_after));

    let after = stats::stats(&repo).unwrap();
    println!(
        "\nrepository: {:.1} MB packs for {:.1} MB of data; newest {:.1} MB stored, overhead {:.1} MB, reclaimable {:.1} MB",
        mb(after.pack_bytes),
        mb(set.bytes),
        mb(after.newest_stored_bytes),
        mb(after.snapshot_overhead_bytes),
        mb(after.unreferenced_bytes)
    );
}
