//! The crash and power-cut campaigns: every operation that changes a location or the settings
//! runs in a child process (this binary again) that is SIGKILLed, or has its power cut, at its
//! N-th change to the disk, for seeded N (see `keepsake_testkit::faults`). After each fault:
//! - the location opens and passes check, and what it holds is what it held before the
//!   operation or what the whole operation makes (nothing half done; a committed snapshot never
//!   lost; the interrupted one absent, or complete);
//! - the same operation then runs to its end, and the result is the one an unfaulted run makes,
//!   with no pack left that the catalog does not know and nothing left in `tmp/`.
//!
//! The test command runs a short slice (`FAULTS` points per operation and fault); the bench
//! script (`scripts/bench-campaigns.sh`) runs the full campaign. Each campaign prints its seed
//! and where every fault landed; `KEEPSAKE_CAMPAIGN_SEED=<seed> KEEPSAKE_CAMPAIGN_POINT=<n>`
//! replays one fault.
//!
//! The backup from the virtual iPhone needs the OS credential store (run through
//! scripts/with-keyring.sh, as scripts/test.sh does).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use keepsake_core::{back_up, AppDirs, BackupOptions, Location};
use keepsake_emulator::{Config, VirtualIphone};
use keepsake_store::commands::{check, folder, forget, gc, list};
use keepsake_store::{InitOptions, KdfParams, KeySource, Repository, SlotKind};
use keepsake_testkit::faults::{self, copy_tree, Campaign, Fault, Outcome};
use keepsake_testkit::{noise, packs_in_catalog, packs_on_disk, small_chunking};

const DIR_ENV: &str = "KEEPSAKE_CAMPAIGN_DIR";
/// The phase of the changes a child makes once its operation returned.
const AFTER: &str = "after the operation returned";
/// Fault points per operation and kind of fault in the test command.
const FAULTS: usize = 3;
const PASSWORD: &str = "correct horse battery staple";
const NEW_PASSWORD: &str = "a second password for the snapshots";

// ---- the operations ---------------------------------------------------------------------

/// Whether a state (now, before, after) is one an operation may be left in between its commits.
type Midway = fn(&str, &str, &str) -> Result<(), String>;

/// One operation of the campaign.
struct Operation {
    name: &'static str,
    /// The `#[ignore]`d test that runs it as a child.
    child: &'static str,
    /// Builds the state the operation starts from, in an empty folder.
    prepare: fn(&Path),
    /// Runs the operation to its end in this process (after a fault: the next run).
    run: fn(&Path) -> Result<(), String>,
    /// What the state is, as a comparable text (opening whatever it needs to).
    state: fn(&Path) -> Result<String, String>,
    /// Whether the repository at `<dir>/repo` (or the location) must hold no unknown pack.
    repo: Option<fn(&Path) -> PathBuf>,
    /// For an operation made of several commits: whether a state between `before` and `after`
    /// is one it may be left in (else only those two are).
    midway: Option<Midway>,
    /// Whether it can be run again once made (a move cannot: the device has moved).
    again: bool,
}

fn work_dir() -> Option<PathBuf> {
    std::env::var_os(DIR_ENV).map(PathBuf::from)
}

fn key() -> KeySource {
    KeySource::password(PASSWORD)
}

fn init(dir: &Path, key: KeySource) -> Repository {
    Repository::init(
        dir,
        &InitOptions {
            key,
            kdf: KdfParams::insecure_for_tests(),
            chunking: small_chunking(),
            cipher: Default::default(),
        },
    )
    .unwrap()
}

fn open(dir: &Path) -> Result<Repository, String> {
    Repository::open(dir, &key()).map_err(|e| e.to_string())
}

/// A phone-like folder on day `day`: a database that changes a little, photos that come and go.
fn phone_folder(dir: &Path, day: u64) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("DCIM")).unwrap();
    std::fs::create_dir_all(dir.join("Library/SMS")).unwrap();
    let mut db = noise(7, 200_000);
    db[..16].copy_from_slice(b"SQLite format 3\0");
    db[100_000..100_000 + 8].copy_from_slice(&day.to_le_bytes());
    std::fs::write(dir.join("Library/SMS/sms.db"), db).unwrap();
    for photo in day..day + 3 {
        std::fs::write(
            dir.join(format!("DCIM/IMG_{photo:04}.HEIC")),
            noise(100 + photo, 150_000),
        )
        .unwrap();
    }
    std::fs::write(dir.join("notes.txt"), format!("day {day}")).unwrap();
}

fn add_day(repo: &Repository, dir: &Path, day: u64) {
    let folder = dir.join("phone-files");
    phone_folder(&folder, day);
    folder::add_folder(repo, &folder, "phone", &mut |_, _| {}).unwrap();
}

/// Every snapshot, oldest first, as its device and its files (path, size, mode, time).
fn snapshots_of(repo: &Repository) -> Result<String, String> {
    snapshots_as(repo, |f| {
        format!("{} {} {:o} {}", f.path, f.size, f.mode, f.mtime_ns)
    })
}

/// Every snapshot, oldest first, as its device and `what` of each file.
fn snapshots_as(
    repo: &Repository,
    what: fn(&keepsake_store::FileInfo) -> String,
) -> Result<String, String> {
    let report = check::check(repo, &mut |_| {}).map_err(|e| e.to_string())?;
    if !report.is_ok() {
        return Err(format!("check: {report:#?}"));
    }
    let mut out = String::new();
    let mut snaps = list::snapshots(repo).map_err(|e| e.to_string())?;
    snaps.sort_by_key(|s| s.seq);
    for s in snaps {
        let files = list::files(repo, s.id).map_err(|e| e.to_string())?;
        let mut hash = std::hash::DefaultHasher::new();
        for f in &files {
            std::hash::Hash::hash(&what(f), &mut hash);
        }
        let hash = std::hash::Hasher::finish(&hash);
        out += &format!(
            "{} seq {}: {} files {hash:016x}\n",
            s.device,
            s.seq,
            files.len()
        );
    }
    Ok(out)
}

fn repo_at(dir: &Path) -> PathBuf {
    dir.join("repo")
}

fn store_state(dir: &Path) -> Result<String, String> {
    snapshots_of(&open(&repo_at(dir))?)
}

// store add: a folder becomes the next snapshot.
fn add_prepare(dir: &Path) {
    let repo = init(&repo_at(dir), key());
    add_day(&repo, dir, 1);
    add_day(&repo, dir, 2);
    phone_folder(&dir.join("phone-files"), 3);
}
fn add_run(dir: &Path) -> Result<(), String> {
    let repo = open(&repo_at(dir)).map_err(|e| e.to_string())?;
    folder::add_folder(&repo, &dir.join("phone-files"), "phone", &mut |_, _| {})
        .map_err(|e| e.to_string())?;
    Ok(())
}

// forget: the oldest snapshot goes.
fn forget_prepare(dir: &Path) {
    let repo = init(&repo_at(dir), key());
    for day in 1..=3 {
        add_day(&repo, dir, day);
    }
}
fn forget_run(dir: &Path) -> Result<(), String> {
    let repo = open(&repo_at(dir)).map_err(|e| e.to_string())?;
    let mut snaps = list::snapshots(&repo).map_err(|e| e.to_string())?;
    snaps.sort_by_key(|s| s.seq);
    // Already forgotten (a run that went through before its fault): nothing left to do.
    if snaps.len() == 3 {
        forget::forget(&repo, &[snaps[0].id]).map_err(|e| e.to_string())?;
    }
    Ok(())
}

// gc: a forgotten snapshot's packs deleted, half-used ones repacked.
fn gc_prepare(dir: &Path) {
    forget_prepare(dir);
    forget_run(dir).unwrap();
}
fn gc_run(dir: &Path) -> Result<(), String> {
    let repo = open(&repo_at(dir)).map_err(|e| e.to_string())?;
    gc::gc(
        &repo,
        &gc::GcOptions {
            repack_garbage_fraction: 0.05,
        },
    )
    .map_err(|e| e.to_string())?;
    Ok(())
}

fn gc_state(dir: &Path) -> Result<String, String> {
    let snapshots = store_state(dir)?;
    Ok(format!(
        "{snapshots}packs {}\n",
        packs_in_catalog(&repo_at(dir)).len()
    ))
}
/// Between its commits, gc has deleted some packs or repacked some: the snapshots are the same.
fn gc_midway(now: &str, before: &str, _after: &str) -> Result<(), String> {
    fn snapshots(s: &str) -> Vec<&str> {
        s.lines().filter(|l| l.contains(" seq ")).collect()
    }
    if snapshots(now) == snapshots(before) {
        Ok(())
    } else {
        Err("the snapshots changed".into())
    }
}

// A version 1 catalog brought to the current version when opened (a clear repository: its
// paths are the same in every version).
fn migration_prepare(dir: &Path) {
    let repo = init(&repo_at(dir), KeySource::None);
    add_day(&repo, dir, 1);
    add_day(&repo, dir, 2);
    drop(repo);
    let conn = rusqlite::Connection::open(repo_at(dir).join("catalog.db")).unwrap();
    conn.execute_batch(
        "ALTER TABLE entries DROP COLUMN part; ALTER TABLE entries DROP COLUMN seal;
         ALTER TABLE snapshots DROP COLUMN seal; PRAGMA user_version = 1;",
    )
    .unwrap();
}
fn migration_run(dir: &Path) -> Result<(), String> {
    drop(Repository::open(&repo_at(dir), &KeySource::None).map_err(|e| e.to_string())?);
    Ok(())
}
/// The catalog's version (read without opening the repository, which would migrate it), and
/// once current, the snapshots.
fn migration_state(dir: &Path) -> Result<String, String> {
    let version: u32 = rusqlite::Connection::open_with_flags(
        repo_at(dir).join("catalog.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .and_then(|c| c.pragma_query_value(None, "user_version", |r| r.get(0)))
    .map_err(|e| e.to_string())?;
    if version < 5 {
        return Ok(format!("version {version}\n"));
    }
    let repo = Repository::open(&repo_at(dir), &KeySource::None).map_err(|e| e.to_string())?;
    Ok(format!("version {version}\n{}", snapshots_of(&repo)?))
}
/// Each migration is a transaction of its own: a catalog is left at any version in between.
fn migration_midway(now: &str, _before: &str, _after: &str) -> Result<(), String> {
    if ["version 2\n", "version 3\n", "version 4\n"].contains(&now) {
        Ok(())
    } else {
        Err("not a version between".into())
    }
}

/// Two snapshots of an encrypted repository.
fn migration_free_prepare(dir: &Path) {
    let repo = init(&repo_at(dir), key());
    add_day(&repo, dir, 1);
    add_day(&repo, dir, 2);
}

// key change: a second password added as a key slot.
fn key_prepare(dir: &Path) {
    let repo = init(&repo_at(dir), key());
    add_day(&repo, dir, 1);
}
fn key_run(dir: &Path) -> Result<(), String> {
    let mut repo = open(&repo_at(dir)).map_err(|e| e.to_string())?;
    let has = repo
        .key_slots()
        .iter()
        .filter(|s| s.kind == SlotKind::Password)
        .count();
    if has < 2 {
        repo.add_key_slot(
            SlotKind::Password,
            NEW_PASSWORD,
            KdfParams::insecure_for_tests(),
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}
fn key_state(dir: &Path) -> Result<String, String> {
    let repo = open(&repo_at(dir))?;
    let slots = repo.key_slots().len();
    let second = Repository::open(&repo_at(dir), &KeySource::password(NEW_PASSWORD)).is_ok();
    Ok(format!(
        "{slots} slots, the new password opens: {second}\n{}",
        snapshots_of(&repo)?
    ))
}

// restore: the newest snapshot written to a folder (an export to a Finder backup is the same).
fn restore_run(dir: &Path) -> Result<(), String> {
    let repo = open(&repo_at(dir))?;
    let newest = list::snapshots(&repo)
        .map_err(|e| e.to_string())?
        .into_iter()
        .max_by_key(|s| s.seq)
        .ok_or("no snapshot")?;
    keepsake_store::commands::restore::restore(
        &repo,
        newest.id,
        &dir.join("restored"),
        None,
        &mut |_, _| {},
    )
    .map_err(|e| e.to_string())?;
    Ok(())
}
/// The snapshots, and every file in the restore's folder with its size and a hash of its bytes.
fn restore_state(dir: &Path) -> Result<String, String> {
    Ok(store_state(dir)? + &files_in(dir, "restored")?)
}

/// Every file under `<dir>/<folder>`, with its size and a hash of its bytes, a line each.
fn files_in(dir: &Path, folder: &str) -> Result<String, String> {
    let mut files = Vec::new();
    let mut stack = vec![dir.join(folder)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.map_err(|e| e.to_string())?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).map_err(|e| e.to_string())?;
                let mut h = std::hash::DefaultHasher::new();
                std::hash::Hash::hash(&bytes, &mut h);
                files.push(format!(
                    "file {} {} {:016x}\n",
                    p.strip_prefix(dir).unwrap().display(),
                    bytes.len(),
                    std::hash::Hasher::finish(&h)
                ));
            }
        }
    }
    files.sort();
    Ok(files.concat())
}

/// A restore (or an extraction) stopped midway has written some files whole, none in part
/// (under its name or any other), and changed no snapshot.
fn restore_midway(now: &str, before: &str, after: &str) -> Result<(), String> {
    let snapshots = |s: &str| {
        s.lines()
            .filter(|l| l.contains(" seq "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    if snapshots(now) != snapshots(before) {
        return Err("the snapshots changed".into());
    }
    match now
        .lines()
        .filter(|l| l.starts_with("file "))
        .find(|l| !after.lines().any(|a| a == *l))
    {
        Some(half) => Err(format!("{half} is not a file the restore writes whole")),
        None => Ok(()),
    }
}

// settings and preferences: a location added, a device's settings changed, preferences set.
fn settings_prepare(dir: &Path) {
    let dirs = AppDirs::at(dir.join("config"));
    std::fs::create_dir_all(dir.join("disk")).unwrap();
    keepsake_core::settings::update(&dirs, |s| {
        s.device_mut("00008110-000A1B2C3D4E5F60", "Anna's iPhone", "iPhone15,2");
        Ok(())
    })
    .unwrap();
}
fn settings_run(dir: &Path) -> Result<(), String> {
    let dirs = AppDirs::at(dir.join("config"));
    let disk = dir.join("disk");
    keepsake_core::settings::update(&dirs, |s| {
        let at = s.add_location(&disk);
        let d = s.device_mut("00008110-000A1B2C3D4E5F60", "", "");
        d.location = Some(at);
        s.preferences.default_location = Some(disk.clone());
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    Ok(())
}
fn settings_state(dir: &Path) -> Result<String, String> {
    let dirs = AppDirs::at(dir.join("config"));
    let s = keepsake_core::settings::load(&dirs).map_err(|e| e.to_string())?;
    Ok(format!("{s:?}").replace(&dir.display().to_string(), "<dir>"))
}

// pins: a snapshot pinned with a note.
fn pins_prepare(dir: &Path) {
    key_prepare(dir);
}
fn pins_run(dir: &Path) -> Result<(), String> {
    let repo = open(&repo_at(dir)).map_err(|e| e.to_string())?;
    let id = list::snapshots(&repo).map_err(|e| e.to_string())?[0].id;
    keepsake_core::pins::pin(&repo, id, Some("before the trip")).map_err(|e| e.to_string())?;
    Ok(())
}
fn pins_state(dir: &Path) -> Result<String, String> {
    let pins = keepsake_core::pins::pins(&open(&repo_at(dir))?).map_err(|e| e.to_string())?;
    Ok(format!("{pins:?}"))
}

// A backup of the virtual iPhone into its location: the whole pipeline (device, mobilebackup2,
// the store-backed folder, the snapshot, history, the cleaning policy).
fn phone_context(dir: &Path) -> (VirtualIphone, keepsake_core::Context) {
    let phone = VirtualIphone::start(Config::new(dir.join("phone"), 1)).unwrap();
    let ctx = keepsake_testkit::context_for(&phone, dir.join("config"));
    (phone, ctx)
}
fn backup_once(dir: &Path) -> Result<(), String> {
    let (_phone, ctx) = phone_context(dir);
    tokio::runtime::Runtime::new()
        .map_err(|e| e.to_string())?
        .block_on(back_up(
            &ctx,
            None,
            &BackupOptions::new(dir.join("disk")),
            |_| {},
        ))
        .map_err(|e| e.to_string())?;
    Ok(())
}
fn backup_prepare(dir: &Path) {
    std::fs::create_dir_all(dir.join("disk")).unwrap();
    backup_once(dir).unwrap();
}
fn backup_state(dir: &Path) -> Result<String, String> {
    let repo = Location::new(dir.join("disk"))
        .open(None)
        .map_err(|e| e.to_string())?;
    // Each backup writes its own time into the backup's plists and Manifest.db: the names of
    // the phone's files are the state.
    snapshots_as(&repo, |f| f.path.clone())
}
fn backup_repo(dir: &Path) -> PathBuf {
    Location::new(dir.join("disk")).repository_path()
}

// convert: an encrypted phone's snapshots, taken without its password, kept decrypted in place.
fn convert_prepare(dir: &Path) {
    std::fs::create_dir_all(dir.join("disk")).unwrap();
    let (phone, ctx) = phone_context(dir);
    let device = &phone.devices()[0];
    device.backup().enable_encryption(PASSWORD).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for day in 0..2 {
        if day > 0 {
            device.backup().live_one_day().unwrap();
        }
        let report = runtime
            .block_on(back_up(
                &ctx,
                None,
                &BackupOptions::new(dir.join("disk")),
                |_| {},
            ))
            .unwrap();
        assert!(report.kept_as_sent.is_some());
    }
    phone.stop();
}
fn convert_run(dir: &Path) -> Result<(), String> {
    let repo = Location::new(dir.join("disk"))
        .open(None)
        .map_err(|e| e.to_string())?;
    let udid = list::snapshots(&repo).map_err(|e| e.to_string())?[0]
        .device
        .clone();
    let converted =
        keepsake_core::converting::convert(&repo, &udid, Some(PASSWORD), &mut |_, _| {})
            .map_err(|e| e.to_string())?;
    if converted.snapshots_opened != converted.snapshots {
        return Err(format!("not every snapshot opened: {converted:?}"));
    }
    Ok(())
}
/// Every snapshot as Apple's bytes (what an export writes): the same before, midway and after.
fn convert_state(dir: &Path) -> Result<String, String> {
    use sha2::{Digest, Sha256};
    let repo = Location::new(dir.join("disk"))
        .open(None)
        .map_err(|e| e.to_string())?;
    let report = check::check(&repo, &mut |_| {}).map_err(|e| e.to_string())?;
    if !report.is_ok() {
        return Err(format!("check: {report:#?}"));
    }
    let mut out = String::new();
    let mut snaps = list::snapshots(&repo).map_err(|e| e.to_string())?;
    snaps.sort_by_key(|s| s.seq);
    for s in snaps {
        let view = keepsake_core::apple_form::AppleView::open(&repo, s.id, Some(PASSWORD))
            .map_err(|e| e.to_string())?;
        let mut digest = Sha256::new();
        let files = list::files(&repo, s.id).map_err(|e| e.to_string())?;
        let mut count = 0;
        for f in &files {
            if keepsake_core::apple_form::is_reserved(&f.path) || f.path == "Info.plist" {
                continue;
            }
            let mut bytes = Vec::new();
            view.cat(&repo, &f.path, &mut bytes)
                .map_err(|e| format!("{}: {e}", f.path))?;
            digest.update(f.path.as_bytes());
            digest.update(Sha256::digest(&bytes));
            count += 1;
        }
        let exact = keepsake_core::apple_form::Forms::load(&repo, s.id)
            .map_err(|e| e.to_string())?
            .len();
        out += &format!(
            "seq {}: {count} files {:x}, {exact} kept decrypted\n",
            s.seq,
            digest.finalize()
        );
    }
    Ok(out)
}

// move: a device's snapshots copied to another location, verified, the old ones removed.
const MOVED: &str = "00008110-000A1B2C3D4E5F60";

fn move_context(dir: &Path) -> keepsake_core::Context {
    keepsake_core::Context::new(
        AppDirs::at(dir.join("config")),
        keepsake_device::Usbmuxd::parse("127.0.0.1:1").unwrap(),
        keepsake_core::SystemClock,
    )
}
fn move_prepare(dir: &Path) {
    let ctx = move_context(dir);
    let (a, b) = (dir.join("disk-a"), dir.join("disk-b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let (repo, _) = Location::new(&a)
        .open_or_create(ctx.host_name(), &ctx.unlock(), None)
        .unwrap();
    for day in 1..=2 {
        let folder = dir.join("phone-files");
        phone_folder(&folder, day);
        folder::add_folder(&repo, &folder, MOVED, &mut |_, _| {}).unwrap();
    }
    keepsake_core::pins::pin(&repo, list::snapshots(&repo).unwrap()[0].id, Some("kept")).unwrap();
    keepsake_core::settings::update(ctx.dirs(), |s| {
        let at = s.add_location(&a);
        s.device_mut(MOVED, "Anna's iPhone", "iPhone15,2").location = Some(at);
        Ok(())
    })
    .unwrap();
}
fn move_run(dir: &Path) -> Result<(), String> {
    keepsake_core::moving::move_device(
        &move_context(dir),
        MOVED,
        &dir.join("disk-b"),
        false,
        (None, None),
        |_| {},
    )
    .map_err(|e| e.to_string())?;
    Ok(())
}
fn move_state(dir: &Path) -> Result<String, String> {
    let mut out = String::new();
    for (name, disk) in [("A", "disk-a"), ("B", "disk-b")] {
        let location = Location::new(dir.join(disk));
        if !location
            .repository_path()
            .join("keepsake-repo.json")
            .exists()
        {
            continue;
        }
        let repo = location.open(None).map_err(|e| e.to_string())?;
        for line in snapshots_of(&repo)?.lines() {
            out += &format!("{name} {line}\n");
        }
        let pins = keepsake_core::pins::pins(&repo).map_err(|e| e.to_string())?;
        out += &format!("{name} pins {}\n", pins.len());
    }
    let settings = keepsake_core::settings::load(&AppDirs::at(dir.join("config")))
        .map_err(|e| e.to_string())?;
    let device = settings
        .device(MOVED)
        .ok_or("the device's settings are gone")?;
    let at = device.location.as_deref().map(|p| {
        if p.starts_with(dir.join("disk-b")) {
            "B"
        } else {
            "A"
        }
    });
    out += &format!("at {at:?}, unfinished: {}\n", device.moved_from.is_some());
    Ok(out)
}
/// Midway through a move, every snapshot is in A or in B, and the device points at a
/// location that holds all of them.
fn move_midway(now: &str, before: &str, _after: &str) -> Result<(), String> {
    let at_b = now.contains("at Some(\"B\")");
    for line in before.lines().filter_map(|l| l.strip_prefix("A ")) {
        if !line.contains(" seq ") {
            continue;
        }
        let (in_a, in_b) = (
            now.contains(&format!("A {line}")),
            now.contains(&format!("B {line}")),
        );
        if !(in_a || in_b) {
            return Err(format!("snapshot {line} is lost"));
        }
        if (at_b && !in_b) || (!at_b && !in_a) {
            return Err(format!("the device points where snapshot {line} is not"));
        }
    }
    Ok(())
}

/// An extraction stopped midway is a restore stopped midway, but for the file it was writing,
/// under its own name and `.keepsake-partial` (the next extraction replaces it).
fn extract_midway(now: &str, before: &str, after: &str) -> Result<(), String> {
    let whole: String = now
        .lines()
        .filter(|l| {
            !l.split(' ')
                .nth(1)
                .is_some_and(|p| p.ends_with(".keepsake-partial"))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    restore_midway(&whole, before, after)
}

// extract: a whole domain of a backup's snapshot, decrypted, to a folder (the snapshot browser).
fn extract_run(dir: &Path) -> Result<(), String> {
    let location = Location::new(dir.join("disk"));
    let repo = location.open(None).map_err(|e| e.to_string())?;
    let newest = list::snapshots(&repo)
        .map_err(|e| e.to_string())?
        .into_iter()
        .max_by_key(|s| s.seq)
        .ok_or("no snapshot")?;
    drop(repo);
    let browser = keepsake_core::browse::SnapshotBrowser::open(
        &location,
        &keepsake_core::Unlock::new(),
        newest.id,
        None,
    )
    .map_err(|e| e.to_string())?;
    browser
        .extract("HomeDomain", "", &dir.join("extracted"), &mut |_| {})
        .map_err(|e| e.to_string())?;
    Ok(())
}
fn extract_state(dir: &Path) -> Result<String, String> {
    Ok(backup_state(dir)? + &files_in(dir, "extracted")?)
}

const OPERATIONS: &[Operation] = &[
    Operation {
        name: "store add",
        child: "child_store_add",
        prepare: add_prepare,
        run: add_run,
        state: store_state,
        repo: Some(repo_at),
        midway: None,
        again: true,
    },
    Operation {
        name: "forget",
        child: "child_forget",
        prepare: forget_prepare,
        run: forget_run,
        state: store_state,
        repo: Some(repo_at),
        midway: None,
        again: true,
    },
    Operation {
        name: "gc with repacking",
        child: "child_gc",
        prepare: gc_prepare,
        run: gc_run,
        state: gc_state,
        repo: Some(repo_at),
        midway: Some(gc_midway),
        again: true,
    },
    Operation {
        name: "catalog migration from version 1",
        child: "child_migration",
        prepare: migration_prepare,
        run: migration_run,
        state: migration_state,
        repo: Some(repo_at),
        midway: Some(migration_midway),
        again: true,
    },
    Operation {
        name: "key change",
        child: "child_key_change",
        prepare: key_prepare,
        run: key_run,
        state: key_state,
        repo: Some(repo_at),
        midway: None,
        again: true,
    },
    Operation {
        name: "restore to a folder",
        child: "child_restore",
        prepare: migration_free_prepare,
        run: restore_run,
        state: restore_state,
        repo: Some(repo_at),
        midway: Some(restore_midway),
        again: true,
    },
    Operation {
        name: "extract from a snapshot",
        child: "child_extract",
        prepare: backup_prepare,
        run: extract_run,
        state: extract_state,
        repo: Some(backup_repo),
        midway: Some(extract_midway),
        again: true,
    },
    Operation {
        name: "settings",
        child: "child_settings",
        prepare: settings_prepare,
        run: settings_run,
        state: settings_state,
        repo: None,
        midway: None,
        again: true,
    },
    Operation {
        name: "pin",
        child: "child_pin",
        prepare: pins_prepare,
        run: pins_run,
        state: pins_state,
        repo: None,
        midway: None,
        again: true,
    },
    Operation {
        name: "backup of the virtual iPhone",
        child: "child_backup",
        prepare: backup_prepare,
        run: backup_once,
        state: backup_state,
        repo: Some(backup_repo),
        midway: None,
        again: true,
    },
    Operation {
        name: "convert snapshots kept as sent",
        child: "child_convert",
        prepare: convert_prepare,
        run: convert_run,
        state: convert_state,
        repo: Some(backup_repo),
        midway: None,
        again: true,
    },
    Operation {
        name: "move to another location",
        child: "child_move",
        prepare: move_prepare,
        run: move_run,
        state: move_state,
        repo: None,
        midway: Some(move_midway),
        again: false,
    },
];

fn operation(name: &str) -> &'static Operation {
    OPERATIONS.iter().find(|o| o.child == name).unwrap()
}

/// A child's body: the operation, faulted as the parent asked.
fn child(name: &str) {
    let Some(dir) = work_dir() else { return };
    assert!(faults::arm_from_env());
    keepsake_store::probe::set_phase(operation(name).name);
    match (operation(name).run)(&dir) {
        Ok(()) => {
            // Changes after the operation returned: a fault there must find it made.
            keepsake_store::probe::set_phase(AFTER);
            keepsake_store::durable::write_atomically(&dir.join("returned"), b"")
                .expect("the marker after the operation");
            faults::finish()
        }
        Err(e) => faults::failed(&e),
    }
}

macro_rules! children {
    ($($name:ident),*) => {$(
        #[test]
        #[ignore = "a campaign's child: run by the campaign tests"]
        fn $name() {
            child(stringify!($name));
        }
    )*};
}
children!(
    child_store_add,
    child_forget,
    child_gc,
    child_migration,
    child_key_change,
    child_restore,
    child_extract,
    child_settings,
    child_pin,
    child_backup,
    child_convert,
    child_move
);

// ---- the campaign -----------------------------------------------------------------------

/// Runs `op`'s campaign of `fault`s; returns where the faults landed, by phase.
fn campaign(op: &Operation, fault: Fault, plan: &Campaign) -> BTreeMap<String, usize> {
    let exe = std::env::current_exe().unwrap();
    let root = tempfile::tempdir().unwrap();
    // Every run works in the same folder (settings hold absolute paths); `base` keeps the state
    // each run starts from.
    let work = root.path().join("work");
    let base = root.path().join("base");
    std::fs::create_dir_all(&work).unwrap();
    (op.prepare)(&work);
    let before = (op.state)(&work).expect("the state before the operation reads");
    copy_tree(&work, &base);
    let kept = repository_ids(&base);
    let fresh = || {
        // Keys of repositories a run made (a move's target), not the ones it started with.
        for id in repository_ids(&work).iter().filter(|id| !kept.contains(id)) {
            let _ = keepsake_core::secrets::Secrets.forget(keepsake_core::SecretKind::StoreKey, id);
        }
        std::fs::remove_dir_all(&work).unwrap();
        copy_tree(&base, &work);
    };
    fresh();

    let env = |dir: &Path| -> Vec<(&str, OsString)> { vec![(DIR_ENV, dir.as_os_str().into())] };
    let changes = match faults::run_child(&exe, op.child, &env(&work), None) {
        Outcome::Completed { changes } => changes,
        other => panic!("{}: an unfaulted run was faulted: {other:?}", op.name),
    };
    let after = (op.state)(&work).expect("the state after the operation reads");
    assert_ne!(
        before, after,
        "{}: the operation changes something",
        op.name
    );

    let mut landed = BTreeMap::new();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for point in plan.points(op.name, changes) {
        fresh();
        let outcome = faults::run_child(&exe, op.child, &env(&work), Some((fault, point)));
        let replay = format!(
            "{} ({fault:?}): replay with KEEPSAKE_CAMPAIGN_SEED={} KEEPSAKE_CAMPAIGN_POINT={point}",
            op.name, plan.seed
        );
        let landing = match outcome {
            Outcome::Faulted(l) => l,
            Outcome::Failed { landing, error } => {
                eprintln!("  {} {fault:?} {landing}: {error}", op.name);
                // The error names the file or the location, so the person knows which disk.
                assert!(
                    error.contains(&*work.to_string_lossy()),
                    "{replay}: the error after a fault {landing} names no file: {error}"
                );
                *errors.entry(error_class(&error)).or_default() += 1;
                landing
            }
            Outcome::Shrugged { landing } => {
                eprintln!("  {} {fault:?} {landing}: succeeded all the same", op.name);
                *errors
                    .entry("none: the operation succeeded".into())
                    .or_default() += 1;
                landing
            }
            // Threads make a run's count vary a little: past its end, nothing was faulted.
            Outcome::Completed { .. } => {
                *landed.entry("(after the end)".to_string()).or_default() += 1;
                continue;
            }
        };
        if !fault.is_error() {
            eprintln!("  {} {fault:?} {landing}", op.name);
        }
        *landed.entry(landing.phase.clone()).or_default() += 1;
        let now =
            (op.state)(&work).unwrap_or_else(|e| panic!("{replay}: after a fault {landing}: {e}"));
        if landing.phase == AFTER {
            assert_eq!(
                now, after,
                "{replay}: a fault {landing} after the operation returned loses it"
            );
        }
        let midway = match op.midway {
            Some(allowed) if now != before && now != after => allowed(&now, &before, &after),
            _ if now == before || now == after => Ok(()),
            _ => Err("neither the one before nor the one after the operation".to_string()),
        };
        if let Err(e) = midway {
            panic!(
                "{replay}: after a fault {landing} the state is wrong: {e}\n--- before\n{before}\
                 \n--- after\n{after}\n--- now\n{now}"
            );
        }
        // The next run. One the fault came after is made: running it again may make it once
        // more (another snapshot), or be refused (the device has moved already).
        let made = now == after;
        if !made || op.again {
            if let Err(e) = (op.run)(&work) {
                panic!("{replay}: the next run after a fault {landing} fails: {e}");
            }
            let end =
                (op.state)(&work).unwrap_or_else(|e| panic!("{replay}: after the next run: {e}"));
            if !made {
                assert_eq!(end, after, "{replay}: the next run after a fault {landing}");
            }
        }
        if let Some(repo) = op.repo {
            let repo = repo(&work);
            assert_eq!(
                packs_on_disk(&repo),
                packs_in_catalog(&repo),
                "{replay}: no pack left unknown after a fault {landing}"
            );
            assert_eq!(
                std::fs::read_dir(repo.join("tmp")).unwrap().count(),
                0,
                "{replay}: tmp/ empty after the next run"
            );
        }
    }
    fresh();
    for id in &kept {
        let _ = keepsake_core::secrets::Secrets.forget(keepsake_core::SecretKind::StoreKey, id);
    }
    eprintln!(
        "{} ({fault:?}, seed {}): {changes} changes, faults by phase {landed:?}",
        op.name, plan.seed
    );
    if fault.is_error() {
        eprintln!("{} ({fault:?}): errors {errors:?}", op.name);
    }
    landed
}

/// The ids of the repositories under `dir` (this computer keeps their keys in the keyring,
/// which every test of the session shares: the campaign forgets them after it).
fn repository_ids(dir: &Path) -> Vec<String> {
    let mut ids = Vec::new();
    for sub in ["disk", "disk-a", "disk-b"] {
        let config = Location::new(dir.join(sub))
            .repository_path()
            .join("keepsake-repo.json");
        let Ok(text) = std::fs::read_to_string(config) else {
            continue;
        };
        let id = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["id"].as_str().map(str::to_owned));
        ids.extend(id);
    }
    ids
}

/// An error's message without its paths, to count the kinds the person sees.
fn error_class(error: &str) -> String {
    let mut class: String = error
        .split_whitespace()
        .filter(|w| !w.contains('/'))
        .collect::<Vec<_>>()
        .join(" ");
    class.truncate(90);
    class
}

fn run_campaigns(fault: Fault) {
    let plan = Campaign::from_env(FAULTS);
    eprintln!(
        "{fault:?} campaign: seed {} ({} faults per operation)",
        plan.seed, plan.faults
    );
    let only = std::env::var("KEEPSAKE_CAMPAIGN_OPERATION").ok();
    for op in OPERATIONS {
        if only
            .as_deref()
            .is_some_and(|o| o != op.name && o != op.child)
        {
            continue;
        }
        let landed = campaign(op, fault, &plan);
        assert!(landed.values().sum::<usize>() >= plan.faults.min(1));
    }
}

#[test]
fn every_operation_survives_a_kill_at_any_change() {
    keepsake_testkit::require_secret_service();
    run_campaigns(Fault::Kill);
}

#[test]
fn every_operation_survives_a_power_cut_at_any_change() {
    keepsake_testkit::require_secret_service();
    run_campaigns(Fault::PowerCut);
}

#[test]
fn every_operation_fails_cleanly_when_the_disk_fills_at_any_change() {
    keepsake_testkit::require_secret_service();
    run_campaigns(Fault::DiskFull);
}

#[test]
fn every_operation_fails_cleanly_when_the_disk_fails_at_any_change() {
    keepsake_testkit::require_secret_service();
    run_campaigns(Fault::DiskFailing);
}
