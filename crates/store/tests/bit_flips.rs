//! The flip campaign: single-bit flips at random positions of a real repository (config,
//! catalog, packs), each followed by opening it and `check`. Every flip must either be reported
//! (the repository refuses to open, or check names a problem) or change nothing anything reads:
//! every snapshot then lists and restores exactly as before. The classes are printed.
//!
//! Seeded: `KEEPSAKE_FLIP_SEED` replays a campaign, `KEEPSAKE_FLIPS` sets its length (the test
//! command runs 1,000; `scripts/bench-campaigns.sh` runs more), `KEEPSAKE_FLIP_ONE=N` re-runs
//! flip N alone.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use keepsake_store::commands::{check, list};
use keepsake_store::{InitOptions, KdfParams, KeySource, NewSlot, Repository, SlotKind};

const RECOVERY: &str = "7QKD-2M9X-AAAA-BBBB-CCCC-DDDD-EEEE-FFFF";

/// SplitMix64: small, seedable, good enough to pick positions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What a reader sees: every snapshot's info and every file's metadata and bytes.
type Seen = Vec<(String, Vec<(String, u64, u32, i64, Vec<u8>)>)>;

fn read_everything(repo: &Repository) -> keepsake_store::Result<Seen> {
    let mut seen = Vec::new();
    for s in list::snapshots(repo)? {
        let mut files = Vec::new();
        for f in list::files(repo, s.id)? {
            let mut bytes = Vec::new();
            keepsake_store::commands::restore::cat(repo, s.id, &f.path, &mut bytes)?;
            files.push((f.path, f.size, f.mode, f.mtime_ns, bytes));
        }
        let info = format!(
            "#{} {} seq {} at {} files {} bytes {}",
            s.id, s.device, s.seq, s.time, s.files, s.bytes
        );
        seen.push((info, files));
    }
    Ok(seen)
}

fn build(dir: &Path) {
    let options = InitOptions {
        key: KeySource::Slots(vec![
            NewSlot::new(SlotKind::Computer { name: "a".into() }, "a".repeat(64)),
            NewSlot::new(SlotKind::RecoveryKey, RECOVERY),
        ]),
        kdf: KdfParams::insecure_for_tests(),
        chunking: small_chunking(),
        cipher: Default::default(),
    };
    let repo = Repository::init(dir, &options).unwrap();
    let mut db = sqlite_db(4096, 24, 3);
    for round in 0..3u64 {
        let mut w = repo.begin_snapshot("00008120-001A2B3C9E3779B9").unwrap();
        touch_pages(&mut db, 4096, 2, round);
        w.put_file(
            "HomeDomain/Library/SMS/sms.db",
            meta(round as i64 + 1),
            &db[..],
        )
        .unwrap();
        w.put_file(
            &format!("CameraRollDomain/Media/DCIM/IMG_{round}.HEIC"),
            meta(7),
            &noise(round, 40_000)[..],
        )
        .unwrap();
        w.put_file(
            "HomeDomain/Library/Preferences/com.apple.x.plist",
            meta(round as i64),
            format!("<plist>{round}</plist>").as_bytes(),
        )
        .unwrap();
        if round == 2 {
            w.remove("CameraRollDomain/Media/DCIM/IMG_0.HEIC").unwrap();
        }
        w.commit().unwrap();
    }
    drop(repo);
}

/// Every file of the repository with its size (the lock files are empty and never read).
fn files_of(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let len = e.metadata().unwrap().len();
                if len > 0 {
                    out.push((p, len));
                }
            }
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn kind_of(rel: &str) -> &'static str {
    if rel.starts_with("packs") {
        "pack"
    } else if rel.ends_with(".json") {
        "config"
    } else if rel.contains("-wal") {
        "catalog WAL"
    } else {
        "catalog"
    }
}

#[derive(Debug)]
enum Outcome {
    RefusedToOpen,
    CheckFailed,
    Reported,
    Unused,
    Undetected(String),
}

fn try_flip(
    pristine: &Path,
    work: &Path,
    truth: &Seen,
    file: &Path,
    offset: u64,
    bit: u8,
) -> Outcome {
    let _ = std::fs::remove_dir_all(work);
    copy_dir(pristine, work);
    let target = work.join(file.strip_prefix(pristine).unwrap());
    let mut bytes = std::fs::read(&target).unwrap();
    bytes[offset as usize] ^= 1 << bit;
    std::fs::write(&target, &bytes).unwrap();
    let Ok(repo) = Repository::open(work, &KeySource::password(RECOVERY)) else {
        return Outcome::RefusedToOpen;
    };
    match check::check(&repo, &mut |_| {}) {
        Err(e) => {
            eprintln!("    check stopped: {e}");
            return Outcome::CheckFailed;
        }
        Ok(report) if !report.is_ok() => return Outcome::Reported,
        Ok(_) => {}
    }
    match read_everything(&repo) {
        Ok(seen) if &seen == truth => Outcome::Unused,
        Ok(seen) => {
            let what = truth
                .iter()
                .zip(&seen)
                .find(|(a, b)| a != b)
                .map(|(a, b)| {
                    if a.0 != b.0 {
                        format!("snapshot row: {} became {}", a.0, b.0)
                    } else {
                        let (x, y) = a.1.iter().zip(&b.1).find(|(x, y)| x != y).unwrap();
                        format!(
                            "{}: size {}→{} mode {:o}→{:o} mtime {}→{} bytes {}",
                            x.0,
                            x.1,
                            y.1,
                            x.2,
                            y.2,
                            x.3,
                            y.3,
                            if x.4 == y.4 { "same" } else { "differ" }
                        )
                    }
                })
                .unwrap_or_else(|| "a snapshot or file is missing".into());
            Outcome::Undetected(what)
        }
        Err(e) => Outcome::Undetected(format!("check passed, then reading failed: {e}")),
    }
}

#[test]
fn every_bit_flip_is_reported_or_touches_nothing_read() {
    let dir = tempfile::tempdir().unwrap();
    let pristine = dir.path().join("pristine");
    build(&pristine);
    let truth =
        read_everything(&Repository::open(&pristine, &KeySource::password(RECOVERY)).unwrap())
            .unwrap();
    let files = files_of(&pristine);
    let total: u64 = files.iter().map(|f| f.1).sum();

    let seed: u64 = std::env::var("KEEPSAKE_FLIP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_F11B);
    let flips: u64 = std::env::var("KEEPSAKE_FLIPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let only: Option<u64> = std::env::var("KEEPSAKE_FLIP_ONE")
        .ok()
        .and_then(|s| s.parse().ok());
    eprintln!(
        "flip campaign: seed {seed}, {flips} flips over {} files, {total} bytes (replay one with \
         KEEPSAKE_FLIP_SEED={seed} KEEPSAKE_FLIP_ONE=N)",
        files.len()
    );
    let mut rng = Rng(seed);
    let mut classes: BTreeMap<(String, &'static str), u64> = BTreeMap::new();
    let mut unused: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut undetected = Vec::new();
    let work = dir.path().join("work");
    for n in 0..flips {
        // a byte of the whole repository, uniformly, and one of its bits
        let mut at = rng.below(total);
        let bit = rng.below(8) as u8;
        if only.is_some_and(|o| o != n) {
            continue;
        }
        let (file, _) = files
            .iter()
            .find(|(_, len)| {
                if at < *len {
                    true
                } else {
                    at -= len;
                    false
                }
            })
            .unwrap();
        let rel = file.strip_prefix(&pristine).unwrap().display().to_string();
        let kind = kind_of(&rel);
        let outcome = try_flip(&pristine, &work, &truth, file, at, bit);
        let class = match &outcome {
            Outcome::RefusedToOpen => "refused to open",
            Outcome::CheckFailed => "check stopped with an error",
            Outcome::Reported => "check reported it",
            Outcome::Unused => "nothing reads it",
            Outcome::Undetected(_) => "UNDETECTED",
        };
        *classes.entry((kind.to_owned(), class)).or_default() += 1;
        match outcome {
            Outcome::Unused if kind == "config" => {
                // which field: the text before the byte
                let text = std::fs::read(file).unwrap();
                let from = (at as usize).saturating_sub(40);
                let before = String::from_utf8_lossy(&text[from..at as usize]).into_owned();
                unused
                    .entry(kind)
                    .or_default()
                    .push(format!("{rel}@{at} after {before:?}"))
            }
            Outcome::Unused => unused.entry(kind).or_default().push(format!("{rel}@{at}")),
            Outcome::Undetected(what) => {
                undetected.push(format!("flip {n}: {rel} byte {at} bit {bit}: {what}"))
            }
            _ => {}
        }
    }
    for ((kind, class), count) in &classes {
        eprintln!("  {kind:12} {class:28} {count}");
    }
    for (kind, places) in &unused {
        let shown: Vec<_> = places.iter().take(8).collect();
        eprintln!(
            "  unread bytes in the {kind}: {shown:?}{}",
            if places.len() > 8 { " …" } else { "" }
        );
    }
    assert!(
        undetected.is_empty(),
        "{} flips changed what is read and nothing said so (seed {seed}):\n{}",
        undetected.len(),
        undetected.join("\n")
    );
}

/// Each kind of damage the campaign relies on, made on purpose: check names what it affects.
#[test]
fn check_names_a_changed_row_a_path_that_does_not_decrypt_and_a_broken_pack() {
    let dir = tempfile::tempdir().unwrap();
    let pristine = dir.path().join("pristine");
    build(&pristine);
    let damage = |name: &str, sql: Option<&str>, wants: &str| {
        let work = dir.path().join(name);
        copy_dir(&pristine, &work);
        if sql == Some("slot") {
            // the computer's slot (not the one opened with) changed in the config
            let path = work.join("keepsake-repo.json");
            let mut config: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let wrapped = config["encryption"]["slots"][0]["wrapped_key"]
                .as_str()
                .unwrap()
                .to_owned();
            let changed = if wrapped.starts_with('0') { "1" } else { "0" };
            config["encryption"]["slots"][0]["wrapped_key"] =
                format!("{changed}{}", &wrapped[1..]).into();
            std::fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        } else if let Some(sql) = sql {
            let conn = rusqlite::Connection::open(work.join("catalog.db")).unwrap();
            conn.execute_batch(sql).unwrap();
        } else {
            // the newest pack's footer cut off
            let packs = files_of(&work.join("packs"));
            let (pack, len) = packs.last().unwrap();
            let f = std::fs::OpenOptions::new().write(true).open(pack).unwrap();
            f.set_len(len - 3).unwrap();
        }
        let repo = Repository::open(&work, &KeySource::password(RECOVERY)).unwrap();
        let report = check::check(&repo, &mut |_| {}).unwrap();
        let said = format!("{:?} {:?}", report.catalog_problems, report.pack_problems);
        assert!(!report.is_ok() && said.contains(wants), "{name}: {said}");
    };
    damage(
        "mtime",
        Some("UPDATE entries SET mtime_ns = mtime_ns + 4 WHERE size = 98304"),
        "HomeDomain/Library/SMS/sms.db: its catalog row was changed",
    );
    damage(
        "time",
        Some("UPDATE snapshots SET time = time + 1 WHERE id = 2"),
        "snapshot 2 of 00008120-001A2B3C9E3779B9: its catalog row was changed",
    );
    damage(
        "path",
        Some("UPDATE entries SET path = CAST(x'00' || substr(path, 2) AS BLOB) WHERE id = 1"),
        "a file name does not decrypt",
    );
    damage("footer", None, "its footer or index is damaged");
    damage(
        "slot",
        Some("slot"),
        "its key slots were changed on the disk",
    );
}
