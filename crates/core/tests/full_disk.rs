//! A backup location that fills up during a backup of the virtual iPhone: the backup fails with
//! an error that says so, the earlier snapshot stays intact (restored and compared with the
//! phone), and once there is room again the next backup succeeds. The location is a real 160 MiB
//! tmpfs, mounted in a private mount namespace (`unshare -m`, root) so nothing leaks even if the
//! test dies. Needs the OS credential store (scripts/with-keyring.sh).

use keepsake_core::{back_up, BackupOptions, BackupProgress, Location, BACKUPS_FOLDER};
use keepsake_emulator::{Config, VirtualIphone};
use keepsake_store::commands::{check, list, restore};

const DIR_ENV: &str = "KEEPSAKE_CORE_FULL_DISK_DIR";

/// Writes zeros into `path` until the disk has no room left.
fn fill(path: &std::path::Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 1 << 20];
    while f.write_all(&block).is_ok() {}
    let small = [0u8; 4096];
    while f.write_all(&small).is_ok() {}
    let _ = f.sync_all();
}

#[test]
#[ignore = "run inside a private mount namespace by a_location_that_fills_up_keeps_its_snapshots"]
fn full_disk_child() {
    let Ok(disk) = std::env::var(DIR_ENV) else {
        return;
    };
    let disk = std::path::PathBuf::from(disk);
    let work = tempfile::tempdir().unwrap(); // outside the small disk
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut config = Config::new(work.path().join("phone"), 1);
    config.devices[0].backup.content.target_bytes = 5 << 20;
    let phone = VirtualIphone::start(config).unwrap();
    let ctx = keepsake_testkit::context_for(&phone, work.path().join("config"));
    let device = phone.devices()[0].clone();
    let day0 = device.backup().phone().unwrap();
    let options = BackupOptions::new(&disk);
    let first = runtime
        .block_on(back_up(&ctx, None, &options, |_| {}))
        .unwrap();

    // during the next backup another program fills the disk (the device checked the free space
    // before it started sending, as real ones do, so only this makes a backup run out of room)
    device.backup().live_one_day().unwrap();
    let filler = disk.join("someone else's file");
    let mut filled = false;
    let err = runtime
        .block_on(back_up(&ctx, None, &options, |p| {
            if !filled && matches!(p, BackupProgress::Transferring { .. }) {
                filled = true;
                fill(&filler);
            }
        }))
        .unwrap_err();
    assert!(filled);
    println!("the full disk said: {err}");
    let text = err.to_string();
    assert!(
        text.contains("full") || text.contains("space"),
        "the error says the disk is full: {text}"
    );

    // the first snapshot is whole: the repository checks out and restores to the phone's day 0
    let repo = Location::new(&disk).open(None).unwrap();
    let snaps = list::snapshots(&repo).unwrap();
    assert_eq!(
        snaps.iter().map(|s| s.id).collect::<Vec<_>>(),
        [first.snapshot.id]
    );
    let report = check::check(&repo, &mut |_| {}).unwrap();
    assert!(report.is_ok(), "{report:#?}");
    let out = work.path().join("restored");
    restore::restore(&repo, first.snapshot.id, &out, None, &mut |_, _| {}).unwrap();
    keepsake_testkit::backup_matches(&out, &day0, None).unwrap();
    drop(repo);

    // room is made again: the next backup completes and is the phone as it is now
    std::fs::remove_file(&filler).unwrap();
    let day1 = device.backup().phone().unwrap();
    let second = runtime
        .block_on(back_up(&ctx, None, &options, |_| {}))
        .unwrap();
    let repo = Location::new(&disk).open(None).unwrap();
    let out = work.path().join("restored-after");
    restore::restore(&repo, second.snapshot.id, &out, None, &mut |_, _| {}).unwrap();
    keepsake_testkit::backup_matches(&out, &day1, None).unwrap();
    assert!(disk.join(BACKUPS_FOLDER).is_dir());
    phone.stop();
    println!("full disk child finished");
}

#[test]
fn a_location_that_fills_up_keeps_its_snapshots() {
    keepsake_testkit::require_secret_service();
    let stdout = keepsake_testkit::in_small_tmpfs(
        "full_disk_child",
        DIR_ENV,
        "160m",
        "full disk child finished",
    );
    println!("{stdout}");
}
