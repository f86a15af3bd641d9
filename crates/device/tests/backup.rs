//! A whole backup from the virtual iPhone through our host-side DeviceLink loop into a Finder-layout
//! folder, checked file by file against the generator, then an incremental one after a day of use.

mod common;

use keepsake_device::{BackupEvent, DirFolder, Usbmuxd};
use keepsake_emulator::{Config, VirtualIphone};

async fn back_up(
    mux: &Usbmuxd,
    udid: &str,
    root: &std::path::Path,
) -> (keepsake_device::BackupSummary, Vec<BackupEvent>) {
    let mut mb = common::open_mobilebackup2(mux, udid).await;
    let mut events = Vec::new();
    let summary = mb
        .backup(&mut DirFolder::new(root), false, |e| events.push(e))
        .await
        .unwrap();
    (summary, events)
}

fn assert_folder_matches_the_phone(root: &std::path::Path, phone: &keepsake_phone_content::Phone) {
    if let Err(e) = keepsake_testkit::backup_matches(root, phone, None) {
        panic!("{}: {e}", root.display());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn full_then_incremental_backup_into_a_finder_folder() {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path().join("phone"), 1)).unwrap();
    let mux = Usbmuxd::parse(&phone.usbmuxd_socket_address()).unwrap();
    let udid = phone.devices()[0].udid().to_owned();
    let root = dir.path().join("backups");
    std::fs::create_dir_all(&root).unwrap();

    let (first, events) = back_up(&mux, &udid, &root).await;
    let device = phone.device(&udid).unwrap();
    let content = device.backup().phone().unwrap();
    assert_folder_matches_the_phone(&root.join(&udid), &content);
    assert!(first.files_received as usize > content.backup_files(false).count());
    assert!(
        matches!(events.last(), Some(BackupEvent::Progress { percent, .. }) if *percent == 100.0)
    );

    let day = device.backup().live_one_day().unwrap();
    let (second, _) = back_up(&mux, &udid, &root).await;
    let content = device.backup().phone().unwrap();
    assert_folder_matches_the_phone(&root.join(&udid), &content);
    // the check itself notices a damaged file
    let sms = keepsake_mobilesync::file_id("HomeDomain", "Library/SMS/sms.db");
    let blob = root.join(&udid).join(&sms[..2]).join(&sms);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    let err = keepsake_testkit::backup_matches(&root.join(&udid), &content, None).unwrap_err();
    assert!(err.contains("Library/SMS/sms.db differs"), "{err}");
    // only what changed travels: far fewer files than the first time
    let changed = day.added.len() + day.changed.len();
    assert!(
        second.files_received < first.files_received / 2,
        "{second:?} vs {first:?} ({changed} changed)"
    );
    assert!(second.files_removed > 0);
    phone.stop();
}
