//! mobilebackup2 driven over an in-memory pipe by a host that keeps its folder the way
//! idevicebackup2 does: handshake, Hello, full and incremental backups checked byte for byte
//! against the generated phone, encryption and ChangePassword, the passcode step, Info and List,
//! and hostile hosts.

mod mb2_host;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use keepsake_emulator::backup_state::{Fault, PasscodeEvent, PasscodePrompt};
use keepsake_mobilesync::{file_id, BackupFolder};
use mb2_host::{assert_backup_matches, error_code, open_device, profile, request, setup, Host};
use plist::Value;

fn uploaded_names(host: &Host) -> BTreeSet<String> {
    host.seen("DLMessageUploadFiles")
        .iter()
        .flat_map(|s| s.files.iter().map(|(n, _)| n.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_negotiates_2_1_as_a_real_and_refuses_unknown_versions() {
    let dir = tempfile::tempdir().unwrap();
    let device = open_device(&dir.path().join("state"), profile(0));
    let mut host = Host::connect(device, dir.path()).await;
    let reply = host.hello(&[2.0, 2.1]).await;
    assert_eq!(reply["MessageName"].as_string(), Some("Response"));
    assert_eq!(reply["ErrorCode"], Value::Integer(0u64.into()));
    assert_eq!(reply["ProtocolVersion"], Value::Real(2.1));
    let reply = host.hello(&[3.0]).await;
    assert_eq!(error_code(&reply), 1);
    host.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_then_incremental_backup_sends_only_what_changed() {
    let (_dir, device, udid, root) = setup(profile(0));

    let mut host = Host::connect(device.clone(), &root).await;
    host.hello(&[2.0, 2.1]).await;
    let reply = host.request(request("Backup", &udid, &[])).await;
    assert_eq!(error_code(&reply), 0, "{reply:?}");
    let phone = device.backup().phone().unwrap();
    assert_backup_matches(&root.join(&udid), &phone, None);

    // What idevicebackup2 and pymobiledevice3 need of the messages themselves.
    assert_eq!(host.seen("DLMessageGetFreeDiskSpace").len(), 1);
    let downloads = host.seen("DLMessageDownloadFiles");
    assert_eq!(
        downloads[0].message[1].as_array().unwrap()[0].as_string(),
        Some(format!("{udid}/Status.plist").as_str())
    );
    let uploads = host.seen("DLMessageUploadFiles");
    let mut last = -1.0;
    for u in &uploads {
        assert_eq!(u.message.len(), 4);
        let progress = u.message[2]
            .as_real()
            .expect("progress is a real at index 2");
        assert!(
            (0.0..=100.0).contains(&progress) && progress >= last,
            "{progress}"
        );
        last = progress;
    }
    let full_uploads = uploaded_names(&host);
    let files = phone.backup_files(false).count();
    assert_eq!(full_uploads.len(), files + 3);
    for f in ["Manifest.db", "Manifest.plist", "Status.plist"] {
        assert!(full_uploads.contains(&format!("{udid}/{f}")));
    }
    let first_status = BackupFolder::open(root.join(&udid))
        .unwrap()
        .status
        .unwrap();
    assert!(first_status.is_full_backup);
    host.disconnect().await.unwrap();

    // A day of use, then the host asks again: only changes cross the wire.
    let day = device.backup().live_one_day().unwrap();
    assert!(!day.removed.is_empty() && !day.changed.is_empty());
    let mut host = Host::connect(device.clone(), &root).await;
    let reply = host.request(request("Backup", &udid, &[])).await;
    assert_eq!(error_code(&reply), 0, "{reply:?}");
    let phone = device.backup().phone().unwrap();
    assert_backup_matches(&root.join(&udid), &phone, None);

    let expected: BTreeSet<String> = day
        .added
        .iter()
        .chain(&day.changed)
        .filter(|k| {
            phone
                .file(&k.domain, &k.path)
                .is_some_and(|f| !f.encrypted_only)
        })
        .map(|k| {
            let id = file_id(&k.domain, &k.path);
            format!("{udid}/{}/{id}", &id[..2])
        })
        .chain(
            ["Manifest.db", "Manifest.plist", "Status.plist"]
                .iter()
                .map(|f| format!("{udid}/{f}")),
        )
        .collect();
    assert_eq!(uploaded_names(&host), expected);
    let removed: BTreeSet<String> = host
        .seen("DLMessageRemoveItems")
        .iter()
        .flat_map(|s| s.message[1].as_array().unwrap().clone())
        .map(|v| v.as_string().unwrap().to_owned())
        .collect();
    let expected_removed: BTreeSet<String> = day
        .removed
        .iter()
        .map(|k| {
            let id = file_id(&k.domain, &k.path);
            format!("{udid}/{}/{id}", &id[..2])
        })
        .collect();
    assert_eq!(removed, expected_removed);
    for r in &removed {
        assert!(!root.join(r).exists(), "{r} was not removed");
    }
    let status = BackupFolder::open(root.join(&udid))
        .unwrap()
        .status
        .unwrap();
    assert!(!status.is_full_backup);
    assert_eq!(status.uuid, first_status.uuid);
    host.disconnect().await.unwrap();

    // ForceFullBackup sends everything again.
    let mut host = Host::connect(device.clone(), &root).await;
    let mut options = plist::Dictionary::new();
    options.insert("ForceFullBackup".into(), true.into());
    let reply = host
        .request(request(
            "Backup",
            &udid,
            &[("Options", Value::Dictionary(options))],
        ))
        .await;
    assert_eq!(error_code(&reply), 0);
    assert_eq!(
        uploaded_names(&host).len(),
        phone.backup_files(false).count() + 3
    );
    host.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cleared_camera_roll_leaves_the_next_backup_and_stays_cleared_after_a_restart() {
    let (dir, device, udid, root) = setup(profile(0));
    let photos = |device: &keepsake_emulator::VirtualDevice| -> BTreeSet<String> {
        device
            .backup()
            .phone()
            .unwrap()
            .camera_roll()
            .into_iter()
            .map(|k| k.path)
            .collect()
    };
    let mut host = Host::connect(device.clone(), &root).await;
    let reply = host.request(request("Backup", &udid, &[])).await;
    assert_eq!(error_code(&reply), 0, "{reply:?}");
    host.disconnect().await.unwrap();
    let before = photos(&device);

    let day = device.backup().live_one_day_clearing_photos(80).unwrap();
    let after = photos(&device);
    // The usual day takes at most 8 photos; then four in five of them all go.
    assert!(
        after.len() * 5 <= before.len() + 8 + 4,
        "{} of {}",
        after.len(),
        before.len()
    );
    let removed = day
        .removed
        .iter()
        .filter(|k| k.path.starts_with("Media/DCIM/"))
        .count();
    assert!(
        removed * 2 > before.len(),
        "{removed} of {} listed as removed",
        before.len()
    );
    let mut host = Host::connect(device.clone(), &root).await;
    let reply = host.request(request("Backup", &udid, &[])).await;
    assert_eq!(error_code(&reply), 0, "{reply:?}");
    host.disconnect().await.unwrap();
    assert_backup_matches(&root.join(&udid), &device.backup().phone().unwrap(), None);

    // Restarted, the phone replays its days, the clearing among them.
    drop(device);
    let device = open_device(&dir.path().join("state"), profile(0));
    assert_eq!(photos(&device), after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encryption_on_change_and_off_persist_and_encrypted_backups_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let device = open_device(&state, profile(1));
    let udid = device.udid().to_owned();
    let root = dir.path().join("backups");
    std::fs::create_dir_all(root.join(&udid)).unwrap();
    let pw = |k: &str, v: &str| (k.to_owned(), Value::from(v));
    let change = |pairs: &[(String, Value)]| {
        let extra: Vec<(&str, Value)> =
            pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        request("ChangePassword", &udid, &extra)
    };

    let mut host = Host::connect(device.clone(), &root).await;
    let reply = host.request(change(&[pw("NewPassword", "first")])).await;
    assert_eq!(error_code(&reply), 0, "{reply:?}");
    assert!(device.backup().will_encrypt());
    let reply = host.request(request("Backup", &udid, &[])).await;
    assert_eq!(error_code(&reply), 0, "{reply:?}");
    let phone = device.backup().phone().unwrap();
    assert!(phone.backup_files(true).any(|f| f.encrypted_only));
    assert_backup_matches(&root.join(&udid), &phone, Some("first"));
    let keys_of = |password: &str| -> std::collections::BTreeMap<String, Vec<u8>> {
        let folder = BackupFolder::open(root.join(&udid)).unwrap();
        let keys = folder.unlock(password).unwrap();
        let db = folder.manifest_db(Some(&keys)).unwrap();
        db.entries()
            .unwrap()
            .into_iter()
            .filter_map(|e| Some((e.file_id, e.file.encryption_key?.to_bytes().to_vec())))
            .collect()
    };
    let first_keys = keys_of("first");

    let reply = host
        .request(change(&[
            pw("OldPassword", "wrong"),
            pw("NewPassword", "second"),
        ]))
        .await;
    assert_eq!(error_code(&reply), 207);
    assert!(reply["ErrorDescription"]
        .as_string()
        .unwrap()
        .contains("207"));
    let reply = host
        .request(change(&[
            pw("OldPassword", "first"),
            pw("NewPassword", "second"),
        ]))
        .await;
    assert_eq!(error_code(&reply), 0, "{reply:?}");
    host.disconnect().await.unwrap();
    drop(device);

    // A restarted phone still encrypts, with the same class keys: the incremental after it
    // reuses the previous snapshot and the new keybag opens every file.
    let device = open_device(&state, profile(1));
    assert!(device.backup().will_encrypt());
    device.backup().live_one_day().unwrap();
    let mut host = Host::connect(device.clone(), &root).await;
    let reply = host.request(request("Backup", &udid, &[])).await;
    assert_eq!(error_code(&reply), 0, "{reply:?}");
    let phone = device.backup().phone().unwrap();
    assert!(uploaded_names(&host).len() < phone.backup_files(true).count() / 2);
    assert_backup_matches(&root.join(&udid), &phone, Some("second"));
    // As on a phone, a file modified in place keeps its key (the class keys survive the
    // password change); a new file gets a key of its own.
    let second_keys = keys_of("second");
    let sent: BTreeSet<String> = uploaded_names(&host)
        .iter()
        .filter_map(|n| n.rsplit('/').next().map(str::to_owned))
        .collect();
    let (mut kept, mut new) = (0, 0);
    for id in &sent {
        match (first_keys.get(id), second_keys.get(id)) {
            (Some(before), Some(after)) => {
                assert_eq!(before, after, "{id} was re-keyed");
                kept += 1;
            }
            (None, Some(_)) => new += 1,
            _ => {}
        }
    }
    assert!(kept > 0 && new > 0, "modified {kept}, new {new}");
    let old = BackupFolder::open(root.join(&udid)).unwrap();
    assert!(old.unlock("first").is_err());

    let reply = host.request(change(&[pw("OldPassword", "first")])).await;
    assert_eq!(error_code(&reply), 207);
    assert!(device.backup().will_encrypt());
    let reply = host.request(change(&[pw("OldPassword", "second")])).await;
    assert_eq!(error_code(&reply), 0);
    assert!(!device.backup().will_encrypt());
    let reply = host.request(change(&[pw("OldPassword", "second")])).await;
    assert_eq!(error_code(&reply), 207, "encryption is already off");
    host.disconnect().await.unwrap();
    assert!(!open_device(&state, profile(1)).backup().will_encrypt());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passcode_step_waits_for_the_user_and_fails_with_208_when_nobody_types_it() {
    let mut p = profile(2);
    // Nobody ever types it: the prompt gives up at once.
    p.backup.passcode = Some(PasscodePrompt {
        enter_after: None,
        timeout: Duration::ZERO,
    });
    let (_dir, device, udid, root) = setup(p);
    let mut events = device.backup().passcode_events();
    let mut notifications = device.notifications();

    let mut host = Host::connect(device.clone(), &root).await;
    let reply = host.request(request("Backup", &udid, &[])).await;
    assert_eq!(error_code(&reply), 208);
    assert!(reply["ErrorDescription"]
        .as_string()
        .unwrap()
        .contains("Device locked"));
    assert!(
        host.seen.len() == 1,
        "nothing is transferred before the passcode"
    );
    assert_eq!(events.recv().await.unwrap(), PasscodeEvent::Presented);
    assert_eq!(events.recv().await.unwrap(), PasscodeEvent::Dismissed);
    // Hosts see the prompt through notification_proxy, as on iOS 16.1+.
    assert_eq!(
        notifications.recv().await.unwrap(),
        "com.apple.LocalAuthentication.ui.presented"
    );
    assert_eq!(
        notifications.recv().await.unwrap(),
        "com.apple.LocalAuthentication.ui.dismissed"
    );

    // The user types it when the prompt shows up.
    device.backup().set_passcode(Some(PasscodePrompt {
        enter_after: None,
        timeout: Duration::from_secs(3600),
    }));
    let typer = {
        let device = device.clone();
        let mut events = device.backup().passcode_events();
        tokio::spawn(async move {
            assert_eq!(events.recv().await.unwrap(), PasscodeEvent::Presented);
            device.backup().enter_passcode();
        })
    };
    let reply = host.request(request("Backup", &udid, &[])).await;
    assert_eq!(error_code(&reply), 0, "{reply:?}");
    typer.await.unwrap();
    host.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_and_list_describe_the_hosts_last_backup() {
    let (_dir, device, udid, root) = setup(profile(3));
    let mut host = Host::connect(device.clone(), &root).await;

    let reply = host.request(request("Info", &udid, &[])).await;
    assert_eq!(error_code(&reply), 4, "no backup yet: {reply:?}");
    assert_eq!(
        error_code(&host.request(request("Backup", &udid, &[])).await),
        0
    );

    let reply = host.request(request("Info", &udid, &[])).await;
    assert_eq!(error_code(&reply), 0);
    let info = reply["Content"].as_string().unwrap();
    assert!(info.contains(&device.profile.name), "{info}");
    assert!(info.contains("Snapshot State: finished"), "{info}");

    let reply = host.request(request("List", &udid, &[])).await;
    assert_eq!(error_code(&reply), 0);
    let list = reply["Content"].as_string().unwrap();
    let phone = device.backup().phone().unwrap();
    // One row per file (flags 1) besides the folders' rows, after the header.
    let file_rows = list.lines().filter(|l| l.contains("\",1,")).count();
    assert_eq!(file_rows, phone.backup_files(false).count());
    assert!(list.starts_with("\"FileID\",\"Domain\",\"RelativePath\",\"Flags\",\"Size\"\n"));
    assert!(
        list.contains("\"HomeDomain\",\"Library/SMS\",2,0"),
        "{list}"
    );
    assert!(list.contains("Library/SMS/sms.db"));

    let reply = host
        .request(request(
            "List",
            &udid,
            &[("SourceIdentifier", "../../etc".into())],
        ))
        .await;
    assert_ne!(error_code(&reply), 0);
    host.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_download_streams_end_the_session_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let device = open_device(&dir.path().join("state"), profile(0));
    let udid = device.udid().to_owned();

    // A file the device did not ask for.
    let mut host = Host::connect(device.clone(), dir.path()).await;
    host.process(request("Backup", &udid, &[])).await;
    let v = host.recv_array().await;
    assert_eq!(v[0].as_string(), Some("DLMessageDownloadFiles"));
    let name = "../../../../etc/passwd";
    host.send_raw(&(name.len() as u32).to_be_bytes()).await;
    host.send_raw(name.as_bytes()).await;
    let err = host.task.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("not requested"), "{err}");

    // An absurd block length.
    let mut host = Host::connect(device.clone(), dir.path()).await;
    host.process(request("Backup", &udid, &[])).await;
    host.recv_array().await;
    let name = format!("{udid}/Status.plist");
    host.send_raw(&(name.len() as u32).to_be_bytes()).await;
    host.send_raw(name.as_bytes()).await;
    host.send_raw(&[0xff, 0xff, 0xff, 0xf0, 0x0c]).await;
    let err = host.task.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("raw block"), "{err}");

    // A name longer than any path.
    let mut host = Host::connect(device, dir.path()).await;
    host.process(request("Backup", &udid, &[])).await;
    host.recv_array().await;
    host.send_raw(&100_000u32.to_be_bytes()).await;
    let err = host.task.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("file name"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_checks_every_file_the_host_sends_back() {
    let (_dir, device, udid, root) = setup(profile(1));
    let mut host = Host::connect(device.clone(), &root).await;
    let pw = [("NewPassword", Value::from("pw"))];
    assert_eq!(
        error_code(&host.request(request("ChangePassword", &udid, &pw)).await),
        0
    );
    assert_eq!(
        error_code(&host.request(request("Backup", &udid, &[])).await),
        0
    );
    let phone = device.backup().phone().unwrap();
    let files = phone.backup_files(true).count();
    let restore = |password: &str| {
        let mut options = plist::Dictionary::new();
        options.insert("Password".into(), password.into());
        request("Restore", &udid, &[("Options", Value::Dictionary(options))])
    };

    let reply = host.request(restore("nope")).await;
    assert_eq!(error_code(&reply), 207);
    let reply = host.request(restore("pw")).await;
    assert_eq!(error_code(&reply), 0, "{reply:?}");
    let report = device.backup().last_restore().unwrap();
    assert_eq!(
        (report.files, report.matching),
        (files, files),
        "{report:?}"
    );
    let downloads = host.seen("DLMessageDownloadFiles");
    assert!(downloads.iter().all(|d| d.message[3].as_real().is_some()));

    // The host's copy of a photo is damaged, and another blob is lost.
    let entries = BackupFolder::open(root.join(&udid))
        .unwrap()
        .manifest_db(Some(
            &BackupFolder::open(root.join(&udid))
                .unwrap()
                .unlock("pw")
                .unwrap(),
        ))
        .unwrap()
        .entries()
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == keepsake_mobilesync::EntryKind::File)
        .collect::<Vec<_>>();
    let blob = |i: usize| {
        let id = &entries[i].file_id;
        root.join(&udid).join(&id[..2]).join(id)
    };
    let mut damaged = std::fs::read(blob(0)).unwrap();
    damaged[0] ^= 0xff;
    std::fs::write(blob(0), damaged).unwrap();
    let reply = host.request(restore("pw")).await;
    assert_eq!(error_code(&reply), 0);
    let report = device.backup().last_restore().unwrap();
    assert_eq!(report.matching, files - 1);
    assert_eq!(
        report.differing,
        vec![(entries[0].domain.clone(), entries[0].relative_path.clone())]
    );
    std::fs::remove_file(blob(1)).unwrap();
    let reply = host.request(restore("pw")).await;
    assert_eq!(error_code(&reply), 205);
    assert_eq!(device.backup().last_restore().unwrap().missing.len(), 1);
    host.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bandwidth_cap_paces_a_backup_that_still_completes() {
    let (_dir, device, udid, root) = setup(profile(0));
    let cap = 2 << 20;
    device.backup().set_fault(Some(Fault::BandwidthCap(cap)));
    let mut host = Host::connect(device.clone(), &root).await;
    let start = Instant::now();
    let reply = host.request(request("Backup", &udid, &[])).await;
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(error_code(&reply), 0, "{reply:?}");
    assert_backup_matches(&root.join(&udid), &device.backup().phone().unwrap(), None);
    let sent: u64 = host
        .seen("DLMessageUploadFiles")
        .iter()
        .flat_map(|s| s.files.iter().map(|(_, n)| n))
        .sum();
    let at_cap = sent as f64 / cap as f64;
    assert!(
        at_cap > 0.5 && elapsed >= at_cap * 0.95,
        "{sent} bytes in {elapsed:.2} s, under a cap of {cap} B/s"
    );
    assert!(
        elapsed < at_cap * 4.0 + 10.0,
        "paced far below the cap: {elapsed:.2} s"
    );
    host.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_plist_fault_sends_a_message_no_parser_reads_then_hangs_up() {
    let (_dir, device, udid, root) = setup(profile(1));
    device.backup().set_fault(Some(Fault::InvalidPlist));
    for name in ["Backup", "Restore", "Info", "List"] {
        let mut host = Host::connect(device.clone(), &root).await;
        host.process(request(name, &udid, &[])).await;
        let body = host.recv_frame().await;
        assert!(body.starts_with(b"bplist00"), "{name}: {body:?}");
        assert!(
            Value::from_reader(std::io::Cursor::new(&body)).is_err(),
            "{name}: the message must not parse"
        );
        host.task
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("{name}: a hang-up on purpose, not a failure: {e}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_code_and_absurd_message_faults_hit_info_list_and_restore_too() {
    let (_dir, device, udid, root) = setup(profile(2));
    let mut host = Host::connect(device.clone(), &root).await;
    let reply = host.request(request("Backup", &udid, &[])).await;
    assert_eq!(error_code(&reply), 0, "{reply:?}");

    device
        .backup()
        .set_fault(Some(Fault::ErrorCode(205, "Injected failure".into())));
    for name in ["Info", "List", "Restore"] {
        let reply = host.request(request(name, &udid, &[])).await;
        assert_eq!(error_code(&reply), 205, "{name}: {reply:?}");
        assert_eq!(
            reply["ErrorDescription"].as_string(),
            Some("Injected failure")
        );
    }
    assert_eq!(
        device.backup().last_restore().unwrap().missing.len(),
        0,
        "the restore received every file before failing"
    );
    host.disconnect().await.unwrap();

    device.backup().set_fault(Some(Fault::AbsurdMessage));
    for name in ["Info", "List", "Restore"] {
        let mut host = Host::connect(device.clone(), &root).await;
        host.process(request(name, &udid, &[])).await;
        assert_eq!(host.read_exact(4).await, 0xFFFF_FFF0u32.to_be_bytes());
        host.task.await.unwrap().unwrap();
    }

    device.backup().set_fault(None);
    let mut host = Host::connect(device, &root).await;
    let reply = host.request(request("Info", &udid, &[])).await;
    assert_eq!(error_code(&reply), 0, "cleared: {reply:?}");
    host.disconnect().await.unwrap();
}
