//! A restore over mobilebackup2 makes the virtual iPhone take the backup's content and
//! encryption, keeping its own identity, across restarts; a failed restore changes nothing.

mod mb2_host;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use keepsake_emulator::backup_state::Fault;
use keepsake_emulator::VirtualDevice;
use keepsake_phone_content::{FileKey, Phone};
use mb2_host::{assert_backup_matches, error_code, open_device, profile, request, Host};
use plist::Value;

/// Everything a phone's file is: where, bytes, and the metadata a backup records.
type Digest = Vec<(FileKey, Vec<u8>, u32, i64, u8, bool)>;

fn digest<'a>(files: impl Iterator<Item = &'a keepsake_phone_content::FileEntry>) -> Digest {
    files
        .map(|f| {
            (
                f.key.clone(),
                f.read_all(),
                f.mode,
                f.mtime,
                f.protection_class,
                f.encrypted_only,
            )
        })
        .collect()
}

/// Devices `i` of the catalog, each with its own state folder under `dir`.
fn device(dir: &Path, i: usize) -> Arc<VirtualDevice> {
    open_device(&dir.join(format!("state-{i}")), profile(i))
}

/// Backs `device` up into `root/<UDID>/`, encrypted with `password` (turned on if need be).
async fn back_up(device: &Arc<VirtualDevice>, root: &Path, password: Option<&str>) -> Phone {
    let udid = device.udid().to_owned();
    std::fs::create_dir_all(root.join(&udid)).unwrap();
    let mut host = Host::connect(device.clone(), root).await;
    if let Some(pw) = password.filter(|_| !device.backup().will_encrypt()) {
        let reply = host
            .request(request(
                "ChangePassword",
                &udid,
                &[("NewPassword", pw.into())],
            ))
            .await;
        assert_eq!(error_code(&reply), 0, "{reply:?}");
    }
    let reply = host.request(request("Backup", &udid, &[])).await;
    assert_eq!(error_code(&reply), 0, "{reply:?}");
    host.disconnect().await.unwrap();
    let phone = device.backup().phone().unwrap();
    assert_backup_matches(&root.join(&udid), &phone, password);
    phone
}

/// Restores `root/<source>/` onto `target` as Finder does onto a new phone; the ErrorCode.
async fn restore(
    target: &Arc<VirtualDevice>,
    root: &Path,
    source: &str,
    password: Option<&str>,
) -> u64 {
    let mut options = plist::Dictionary::new();
    if let Some(pw) = password {
        options.insert("Password".into(), pw.into());
    }
    let mut req = request(
        "Restore",
        target.udid(),
        &[("Options", Value::Dictionary(options))],
    );
    req.insert("SourceIdentifier".into(), source.into());
    let mut host = Host::connect(target.clone(), root).await;
    let code = error_code(&host.request(req).await);
    host.disconnect().await.unwrap();
    code
}

fn restored_folders(state: &Path, udid: &str) -> Vec<PathBuf> {
    let dir = state.join("devices").join(udid).join("backup");
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with("restored-")
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_restored_from_another_keeps_its_identity_and_backs_up_the_restored_content() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("backups");
    let a = device(dir.path(), 0);
    let b = device(dir.path(), 1);
    let (a_udid, b_udid) = (a.udid().to_owned(), b.udid().to_owned());
    let b_identity = b.backup().phone().unwrap().identity;
    let a_phone = back_up(&a, &root, None).await;

    assert_eq!(restore(&b, &root, &a_udid, None).await, 0);
    let report = b.backup().last_restore().unwrap();
    assert_eq!(report.files, a_phone.backup_files(false).count());
    assert!(report.missing.is_empty() && report.corrupt.is_empty());
    assert_eq!(b.udid(), b_udid);
    let b_phone = b.backup().phone().unwrap();
    assert_eq!(
        b_phone.identity, b_identity,
        "the device keeps its own identity"
    );
    assert_eq!(
        digest(b_phone.files()),
        digest(a_phone.backup_files(false)),
        "an unencrypted backup brings no keychain"
    );
    assert!(!b.backup().will_encrypt());

    // B's next backup is A's content, under B's UDID.
    let backed_up = back_up(&b, &root, None).await;
    assert_eq!(backed_up.identity.udid, b_identity.udid);
    assert_backup_matches(&root.join(&b_udid), &a_phone, None);

    // A restarted emulator still holds the restored content, and lives days on it.
    drop(b);
    let b = device(dir.path(), 1);
    assert_eq!(b.udid(), b_udid);
    assert_eq!(
        digest(b.backup().phone().unwrap().files()),
        digest(a_phone.backup_files(false))
    );
    let day = b.backup().live_one_day().unwrap();
    assert!(!day.added.is_empty());
    let lived = b.backup().phone().unwrap();
    assert!(lived.file("HomeDomain", "Library/SMS/sms.db").is_some());
    drop(b);
    let b = device(dir.path(), 1);
    assert_eq!(
        digest(b.backup().phone().unwrap().files()),
        digest(lived.files()),
        "the day is replayed on the restored content, not on the generated one"
    );
    back_up(&b, &root, None).await;
    assert_eq!(
        restored_folders(&dir.path().join("state-1"), &b_udid).len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restoring_an_encrypted_backup_turns_encryption_on_and_an_unencrypted_one_off() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("backups");
    let a = device(dir.path(), 0);
    let b = device(dir.path(), 1);
    let c = device(dir.path(), 2);
    let a_phone = back_up(&a, &root, Some("P")).await;
    let c_phone = back_up(&c, &root, None).await;
    assert!(!b.backup().will_encrypt());

    assert_eq!(restore(&b, &root, a.udid(), Some("wrong")).await, 207);
    assert_eq!(restore(&b, &root, a.udid(), Some("P")).await, 0);
    assert!(b.backup().will_encrypt());
    let b_phone = b.backup().phone().unwrap();
    assert_eq!(digest(b_phone.files()), digest(a_phone.files()));
    assert!(b_phone
        .files()
        .any(|f| f.encrypted_only && f.key.domain == "KeychainDomain"));
    back_up(&b, &root, Some("P")).await;
    assert_backup_matches(&root.join(b.udid()), &a_phone, Some("P"));

    // An unencrypted backup turns encryption off, and the keychain goes with it.
    assert_eq!(restore(&b, &root, c.udid(), None).await, 0);
    assert!(!b.backup().will_encrypt());
    let b_phone = b.backup().phone().unwrap();
    assert_eq!(digest(b_phone.files()), digest(c_phone.backup_files(false)));
    assert!(b_phone.files().all(|f| !f.encrypted_only));
    drop(b);
    assert!(!device(dir.path(), 1).backup().will_encrypt());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_restore_leaves_the_phone_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("backups");
    let a = device(dir.path(), 0);
    let b = device(dir.path(), 1);
    let a_udid = a.udid().to_owned();
    back_up(&a, &root, None).await;
    let before = digest(b.backup().phone().unwrap().files());

    // The host fails the request after sending every file.
    b.backup()
        .set_fault(Some(Fault::ErrorCode(205, "Injected failure".into())));
    assert_eq!(restore(&b, &root, &a_udid, None).await, 205);
    b.backup().set_fault(None);
    assert_eq!(digest(b.backup().phone().unwrap().files()), before);

    // One blob of the backup is lost.
    let folder = root.join(&a_udid);
    let blob = std::fs::read_dir(&folder)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten())
        .next()
        .unwrap()
        .path();
    std::fs::remove_file(blob).unwrap();
    assert_eq!(restore(&b, &root, &a_udid, None).await, 205);
    assert_eq!(b.backup().last_restore().unwrap().missing.len(), 1);
    assert_eq!(digest(b.backup().phone().unwrap().files()), before);
    assert!(restored_folders(&dir.path().join("state-1"), b.udid()).is_empty());
    drop(b);
    assert_eq!(
        digest(device(dir.path(), 1).backup().phone().unwrap().files()),
        before
    );
}
