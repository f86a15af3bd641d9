//! Browsing snapshots, and snapshots in and out of Apple's format, against the virtual iPhone and
//! Debian's idevicebackup2. Needs the OS credential store (scripts/with-keyring.sh).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use keepsake_core::browse::{diff, SnapshotBrowser};
use keepsake_core::interchange::{export, import, restore_to_device};
use keepsake_core::{
    back_up, BackupOptions, Context, CoreError, Location, SecretKind, Secrets, Unlock,
};
use keepsake_emulator::{VirtualDevice, VirtualIphone};
use std::sync::Arc;

struct Bench {
    dir: tempfile::TempDir,
    phone: VirtualIphone,
    device: Arc<VirtualDevice>,
    ctx: Context,
    location: Location,
    options: BackupOptions,
}

/// A virtual iPhone (the `index`-th of a catalog of `count`: tests that remember passwords use
/// devices no other test does) and an empty location.
fn bench(count: usize, index: usize) -> Bench {
    keepsake_testkit::require_secret_service();
    let kit = keepsake_testkit::Bench::with(count, |config| {
        for d in &mut config.devices {
            d.backup.content.target_bytes = 3 << 20;
        }
    });
    Bench {
        device: kit.device(index),
        location: kit.location(),
        options: kit.options,
        ctx: kit.ctx,
        phone: kit.phone,
        dir: kit.dir,
    }
}

fn idevicebackup2(phone: &VirtualIphone, args: &[&str]) -> String {
    let out = Command::new("idevicebackup2")
        .args(args)
        .env("USBMUXD_SOCKET_ADDRESS", phone.usbmuxd_socket_address())
        .output()
        .expect("idevicebackup2 runs (Debian package libimobiledevice-utils: scripts/setup.sh)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "idevicebackup2 {args:?}: {text}");
    text
}

/// A backup of the bench's phone by idevicebackup2; returns the folder holding `<UDID>/`.
fn backup_with_idevicebackup2(b: &Bench) -> std::path::PathBuf {
    let theirs = b.dir.path().join("idevicebackup2");
    std::fs::create_dir_all(&theirs).unwrap();
    idevicebackup2(
        &b.phone,
        &["-u", b.device.udid(), "backup", theirs.to_str().unwrap()],
    );
    theirs
}

/// Every regular file under `root`, by relative path, with its bytes.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshots_are_browsed_by_domain_extracted_and_compared() {
    let b = bench(1, 0);
    let day0 = b.device.backup().phone().unwrap();
    let first = back_up(&b.ctx, None, &b.options, |_| {}).await.unwrap();
    let day = b.device.backup().live_one_day().unwrap();
    let day1 = b.device.backup().phone().unwrap();
    let second = back_up(&b.ctx, None, &b.options, |_| {}).await.unwrap();

    let older =
        SnapshotBrowser::open(&b.location, &Unlock::new(), first.snapshot.id, None).unwrap();
    assert!(!older.is_encrypted());
    let domains = older.domains();
    let camera = domains
        .iter()
        .find(|d| d.domain == "CameraRollDomain")
        .unwrap();
    let photos: Vec<_> = day0
        .backup_files(false)
        .filter(|f| f.key.domain == "CameraRollDomain")
        .collect();
    assert_eq!(camera.files as usize, photos.len());
    assert_eq!(camera.bytes, photos.iter().map(|f| f.size()).sum::<u64>());
    assert!(
        domains.iter().any(|d| d.app.is_some()),
        "apps' domains are named by app: {domains:?}"
    );
    let top = older.list("HomeDomain", "Library").unwrap();
    assert!(
        top.iter().any(|e| e.path == "Library/SMS" && e.is_dir),
        "{top:?}"
    );
    // apps by the names and icons the phone gave (its installation_proxy and springboard),
    // kept in the snapshot's Info.plist as Finder keeps them
    let apps = older.apps();
    for app in day0.apps() {
        let got = apps
            .iter()
            .find(|a| a.bundle_id == app.bundle_id)
            .unwrap_or_else(|| panic!("{} is not among {apps:?}", app.bundle_id));
        assert_eq!(got.name, app.name);
        assert_eq!(got.version.as_deref(), Some(app.version));
        assert!(
            got.icon
                .as_deref()
                .is_some_and(|i| i.starts_with("data:image/png;base64,iVBORw0KGg")),
            "{} has no icon",
            app.name
        );
        assert!(got
            .domains
            .contains(&format!("AppDomain-{}", app.bundle_id)));
    }
    // the phone's own data by kind, counted as Manifest.db lists it
    let kinds = older.kinds();
    let photos_kind = kinds
        .iter()
        .find(|k| k.kind == keepsake_core::apps::Kind::Photos)
        .expect("the camera roll is a kind");
    let dcim = photos
        .iter()
        .filter(|f| f.key.path.starts_with("Media/DCIM/"))
        .count();
    assert_eq!(photos_kind.files as usize, dcim);
    assert!(kinds
        .iter()
        .any(|k| k.kind == keepsake_core::apps::Kind::Messages));
    // an app's name finds its files, and the search says how many it left out
    let acme = &day0.apps()[0];
    let by_name = older.search_at_most(&acme.name.to_uppercase(), 1);
    assert_eq!(by_name.found.len(), 1);
    assert!(by_name.total >= 1);
    assert!(by_name.found[0].domain.contains(acme.bundle_id));

    let found = older.search("sms.DB");
    assert!(
        found
            .iter()
            .any(|f| f.domain == "HomeDomain" && f.path == "Library/SMS/sms.db"),
        "{found:?}"
    );

    // a folder out of the first snapshot is the phone's files of that day, byte for byte
    let out = b.dir.path().join("extracted");
    let summary = older
        .extract("HomeDomain", "Library/SMS", &out, &mut |_| {})
        .unwrap();
    assert!(summary.files >= 1);
    let sms = std::fs::read(out.join("HomeDomain/Library/SMS/sms.db")).unwrap();
    assert_eq!(
        sms,
        day0.file("HomeDomain", "Library/SMS/sms.db")
            .unwrap()
            .read_all()
    );
    assert_ne!(
        sms,
        day1.file("HomeDomain", "Library/SMS/sms.db")
            .unwrap()
            .read_all(),
        "the day of use changed the messages, and the old snapshot kept the old ones"
    );

    // what the day of use did, per domain
    let newer =
        SnapshotBrowser::open(&b.location, &Unlock::new(), second.snapshot.id, None).unwrap();
    let changes = diff(&older, &newer);
    let of = |domain: &str| changes.iter().find(|d| d.domain == domain);
    let camera = of("CameraRollDomain").expect("photos came and went");
    let mut added: Vec<_> = day
        .added
        .iter()
        .filter(|k| k.domain == "CameraRollDomain")
        .map(|k| k.path.clone())
        .collect();
    added.sort();
    let mut seen = camera.added.clone();
    seen.sort();
    assert_eq!(seen, added);
    assert_eq!(
        camera.removed.len(),
        day.removed
            .iter()
            .filter(|k| k.domain == "CameraRollDomain")
            .count()
    );
    assert!(of("HomeDomain")
        .unwrap()
        .changed
        .contains(&"Library/SMS/sms.db".to_owned()));
    b.phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_encrypted_backup_is_browsed_with_its_password_and_never_without() {
    // the third phone of the catalog: no other test remembers a password for it
    let b = bench(3, 2);
    let udid = b.device.udid().to_owned();
    Secrets.forget(SecretKind::BackupPassword, &udid).unwrap();
    b.device.backup().enable_encryption("open sesame").unwrap();
    let day0 = b.device.backup().phone().unwrap();
    let report = back_up(&b.ctx, Some(&udid), &b.options, |_| {})
        .await
        .unwrap();
    let id = report.snapshot.id;

    let err = SnapshotBrowser::open(&b.location, &Unlock::new(), id, None)
        .err()
        .expect("locked");
    assert!(matches!(err, CoreError::BackupLocked { .. }), "{err:?}");
    assert!(err.to_string().contains("cannot be browsed"), "{err}");
    let err = SnapshotBrowser::open(&b.location, &Unlock::new(), id, Some("wrong"))
        .err()
        .expect("wrong password");
    assert!(
        matches!(err, CoreError::WrongBackupPassword { .. }),
        "{err:?}"
    );

    // the remembered password opens it; files come out decrypted
    Secrets
        .remember(SecretKind::BackupPassword, &udid, "open sesame")
        .unwrap();
    let browser = SnapshotBrowser::open(&b.location, &Unlock::new(), id, None).unwrap();
    assert!(browser.is_encrypted());
    let keychain = day0
        .backup_files(true)
        .find(|f| f.encrypted_only)
        .expect("encrypted backups carry the keychain");
    let mut bytes = Vec::new();
    browser
        .read_file(&keychain.key.domain, &keychain.key.path, &mut bytes)
        .unwrap();
    assert_eq!(bytes, keychain.read_all());
    Secrets.forget(SecretKind::BackupPassword, &udid).unwrap();
    b.phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idevicebackup2_folder_imports_and_exports_identically_and_restores() {
    let b = bench(1, 0);
    let udid = b.device.udid().to_owned();
    let theirs = backup_with_idevicebackup2(&b);

    let imported = import(
        &b.ctx,
        &b.location,
        &Unlock::new(),
        &theirs.join(&udid),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(imported.udid, udid);
    let out = b.dir.path().join("export");
    let exported = export(
        &b.location,
        &Unlock::new(),
        imported.snapshot.id,
        &out,
        None,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(exported.folder, out.join(&udid));
    assert_eq!(
        tree(&exported.folder),
        tree(&theirs.join(&udid)),
        "the export is the imported folder, file for file"
    );
    // exporting over files is refused
    let err = export(
        &b.location,
        &Unlock::new(),
        imported.snapshot.id,
        &out,
        None,
        &mut |_, _| {},
    )
    .unwrap_err();
    assert!(
        matches!(err, CoreError::ExportTargetNotEmpty { .. }),
        "{err:?}"
    );

    // the exported folder restores through idevicebackup2, every file arriving intact
    let text = idevicebackup2(
        &b.phone,
        &[
            "-u",
            &udid,
            "restore",
            "--system",
            "--no-reboot",
            "--skip-apps",
            out.to_str().unwrap(),
        ],
    );
    assert!(text.contains("Restore Successful."), "{text}");
    let report = b.device.backup().last_restore().unwrap();
    assert!(report.files > 0);
    assert_eq!(report.matching, report.files, "{report:?}");

    // and a snapshot of Keepsake's own goes back onto the phone through Keepsake
    let ours = back_up(&b.ctx, None, &b.options, |_| {}).await.unwrap();
    let restored = restore_to_device(
        &b.ctx,
        &b.location,
        &Unlock::new(),
        ours.snapshot.id,
        None,
        false,
        None,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(restored.udid, udid);
    let report = b.device.backup().last_restore().unwrap();
    assert!(
        report.files > 0 && restored.files as usize > report.files,
        "{report:?} {restored:?}"
    );
    assert_eq!(report.matching, report.files, "{report:?}");
    assert!(report.missing.is_empty(), "{report:?}");
    b.phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_backup_folder_is_refused_and_nothing_is_imported() {
    let b = bench(1, 0);
    let udid = b.device.udid().to_owned();
    let theirs = backup_with_idevicebackup2(&b);
    let folder = theirs.join(&udid);
    let sms = keepsake_mobilesync::file_id("HomeDomain", "Library/SMS/sms.db");
    let blob = folder.join(&sms[..2]).join(&sms);

    // a file cut short
    let bytes = std::fs::read(&blob).unwrap();
    std::fs::write(&blob, &bytes[..bytes.len() / 2]).unwrap();
    let err = import(&b.ctx, &b.location, &Unlock::new(), &folder, &mut |_, _| {}).unwrap_err();
    assert!(matches!(err, CoreError::NotABackupFolder { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("HomeDomain/Library/SMS/sms.db"), "{text}");
    assert!(text.contains("nothing was imported"), "{text}");
    // a file gone
    std::fs::remove_file(&blob).unwrap();
    let err = import(&b.ctx, &b.location, &Unlock::new(), &folder, &mut |_, _| {}).unwrap_err();
    assert!(err.to_string().contains("sms.db"), "{err}");
    // a backup that never finished
    std::fs::write(&blob, &bytes).unwrap();
    std::fs::remove_file(folder.join("Status.plist")).unwrap();
    let err = import(&b.ctx, &b.location, &Unlock::new(), &folder, &mut |_, _| {}).unwrap_err();
    assert!(err.to_string().contains("did not finish"), "{err}");
    assert!(
        !b.location.repository_path().exists(),
        "nothing was written to the location"
    );
    b.phone.stop();
}

/// A restore never reaches a machine posing as the phone (its UDID, the certificate its host
/// made for it, a key of its own): it is refused at the first session and receives nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_restore_is_refused_to_an_impostor_of_the_phone() {
    let b = bench(1, 0);
    let ours = back_up(&b.ctx, None, &b.options, |_| {}).await.unwrap();
    let mut profile = b.device.profile.clone();
    drop(b.device);
    drop(b.phone);
    profile.impostor = true;
    let mut config = keepsake_emulator::Config::new(b.dir.path().join("phone"), 1);
    config.devices = vec![profile];
    let impostor = VirtualIphone::start(config).unwrap();
    let ctx = keepsake_testkit::context_for(&impostor, b.dir.path().join("config"));
    let err = restore_to_device(
        &ctx,
        &b.location,
        &Unlock::new(),
        ours.snapshot.id,
        None,
        false,
        None,
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("this is not {}", ours.udid)),
        "{err}"
    );
    assert!(
        impostor.devices()[0].backup().last_restore().is_none(),
        "the impostor received no backup"
    );
    impostor.stop();
}
