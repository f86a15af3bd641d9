//! Backups of the virtual iPhone straight into the snapshot store, as `keepsake backup` runs them.
//! Needs the OS credential store (a new repository's key is kept there): run through
//! scripts/with-keyring.sh, as scripts/test.sh does.

use std::path::Path;

use keepsake_core::{back_up, BackupOptions, BackupProgress, CoreError, Location, BACKUPS_FOLDER};
use keepsake_emulator::{Config, VirtualIphone};
use keepsake_store::commands::{list, restore};
use keepsake_testkit::{context_for, require_secret_service, Bench};

fn bench() -> Bench {
    Bench::start()
}

fn bench_with(wifi: keepsake_emulator::Wifi) -> Bench {
    Bench::with(1, |config| {
        if wifi == keepsake_emulator::Wifi::Advertised {
            // other tests' phones may be announcing the catalog's names on the network meanwhile
            *config = config.clone().with_unique_identities();
        }
        config.wifi = wifi;
    })
}

fn assert_snapshot_is_the_phone(
    location: &Path,
    udid: &str,
    snapshot: i64,
    phone: &keepsake_phone_content::Phone,
    out: &Path,
) {
    keepsake_testkit::assert_snapshot_is_the_phone(
        &Location::new(location),
        udid,
        snapshot,
        phone,
        out,
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_backups_become_two_snapshots_and_the_second_costs_little() {
    require_secret_service();
    let Bench {
        dir,
        phone,
        ctx,
        location,
        options,
    } = bench();
    let device = phone.devices()[0].clone();
    let day0 = device.backup().phone().unwrap();

    let mut steps = Vec::new();
    let first = back_up(&ctx, None, &options, |p| steps.push(p))
        .await
        .unwrap();
    assert_eq!(first.udid, device.udid());
    assert!(steps
        .iter()
        .any(|s| matches!(s, BackupProgress::Started { .. })));
    assert!(steps
        .iter()
        .any(|s| matches!(s, BackupProgress::Transferring { .. })));
    assert!(Location::new(&location).has_repository());

    device.backup().live_one_day().unwrap();
    let day1 = device.backup().phone().unwrap();
    let second = back_up(&ctx, None, &options, |_| {}).await.unwrap();
    assert!(
        second.files_received < first.files_received / 2,
        "{} vs {}",
        second.files_received,
        first.files_received
    );
    assert!(
        second.snapshot.added_bytes * 4 < first.snapshot.added_bytes,
        "{:?} vs {:?}",
        second.snapshot,
        first.snapshot
    );

    let repo = Location::new(&location).open(None).unwrap();
    let snaps = list::snapshots(&repo).unwrap();
    assert_eq!(snaps.len(), 2);
    drop(repo);
    assert_snapshot_is_the_phone(
        &location,
        device.udid(),
        first.snapshot.id,
        &day0,
        &dir.path().join("restore0"),
    );
    assert_snapshot_is_the_phone(
        &location,
        device.udid(),
        second.snapshot.id,
        &day1,
        &dir.path().join("restore1"),
    );
    phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_location_is_reported_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("unplugged-disk");
    let err = Location::new(&gone)
        .open_or_create("test computer", &keepsake_core::Unlock::new(), Some("pw"))
        .unwrap_err();
    assert!(err.to_string().contains("is not there"), "{err}");
    assert!(!gone.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_passcode_prompt_is_announced_and_a_device_that_gives_up_is_a_clear_failure() {
    require_secret_service();
    use keepsake_emulator::backup_state::PasscodePrompt;
    use std::time::Duration;
    let Bench {
        dir: _dir,
        phone,
        ctx,
        location,
        options,
    } = bench();
    let device = phone.devices()[0].clone();

    // the person types the passcode a moment after the prompt appears
    device.backup().set_passcode(Some(PasscodePrompt {
        enter_after: Some(Duration::from_millis(1500)),
        timeout: Duration::from_secs(60),
    }));
    let mut steps = Vec::new();
    back_up(&ctx, None, &options, |p| steps.push(p))
        .await
        .unwrap();
    let asked = steps
        .iter()
        .position(|s| matches!(s, BackupProgress::EnterPasscode { .. }));
    let moved = steps
        .iter()
        .position(|s| matches!(s, BackupProgress::Transferring { .. }));
    assert!(asked.is_some() && asked < moved, "{steps:?}");

    // nobody types it: the device gives up (208) and the backup fails without a snapshot
    device.backup().set_passcode(Some(PasscodePrompt {
        enter_after: None,
        timeout: Duration::from_secs(2),
    }));
    let err = back_up(&ctx, None, &options, |_| {}).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("locked or its passcode was not entered"),
        "{err}"
    );
    let repo = Location::new(&location).open(None).unwrap();
    assert_eq!(
        list::snapshots(&repo).unwrap().len(),
        1,
        "the failed backup committed nothing"
    );
    phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_cut_off_mid_file_commits_nothing_and_the_next_one_succeeds() {
    require_secret_service();
    use keepsake_emulator::backup_state::Fault;
    let Bench {
        dir,
        phone,
        ctx,
        location,
        options,
    } = bench();
    let device = phone.devices()[0].clone();
    let count = || snapshot_count(&location);

    back_up(&ctx, None, &options, |_| {}).await.unwrap();
    assert_eq!(count(), 1);
    device.backup().live_one_day().unwrap();
    let day1 = device.backup().phone().unwrap();

    // the cable goes 1000 bytes into the first file: an error, and no snapshot
    device.backup().set_fault(Some(Fault::DropAfterBytes(1000)));
    let err = back_up(&ctx, None, &options, |_| {}).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains(device.udid()), "{text}");
    assert!(
        text.contains("the connection to the device was lost"),
        "{text}"
    );
    assert_eq!(count(), 1, "the interrupted backup committed nothing");

    // plugged in again: the next backup completes and is the phone as it is now, byte for byte
    // (the file cut short in the abandoned attempt does not leak into it)
    device.backup().set_fault(None);
    let report = back_up(&ctx, None, &options, |_| {}).await.unwrap();
    assert_eq!(count(), 2);
    assert_snapshot_is_the_phone(
        &location,
        device.udid(),
        report.snapshot.id,
        &day1,
        &dir.path().join("restored"),
    );
    phone.stop();
}

fn snapshot_count(location: &Path) -> usize {
    let repo = Location::new(location).open(None).unwrap();
    list::snapshots(&repo).unwrap().len()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_backup_commits_nothing_and_the_next_one_succeeds() {
    require_secret_service();
    let Bench {
        dir,
        phone,
        ctx,
        location,
        options,
    } = bench();
    let device = phone.devices()[0].clone();
    back_up(&ctx, None, &options, |_| {}).await.unwrap();
    device.backup().live_one_day().unwrap();
    let day1 = device.backup().phone().unwrap();

    // the person presses Cancel as soon as the first file has arrived
    let cancel = options.cancel.clone();
    let mut transferred = 0;
    let err = back_up(&ctx, None, &options, |p| {
        if matches!(p, BackupProgress::Transferring { .. }) {
            transferred += 1;
            cancel.cancel();
        }
    })
    .await
    .unwrap_err();
    assert!(transferred >= 1);
    assert!(matches!(err, CoreError::Cancelled { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&device.profile.name), "{text}");
    assert!(text.contains("nothing was saved"), "{text}");
    assert_eq!(
        snapshot_count(&location),
        1,
        "a cancelled backup commits nothing"
    );

    // the next backup (a fresh Cancel) is the phone as it is now
    let options = BackupOptions::new(&location);
    let report = back_up(&ctx, None, &options, |_| {}).await.unwrap();
    assert_eq!(snapshot_count(&location), 2);
    assert_snapshot_is_the_phone(
        &location,
        device.udid(),
        report.snapshot.id,
        &day1,
        &dir.path().join("restored"),
    );
    phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_backup_of_a_device_is_refused_while_the_first_runs() {
    require_secret_service();
    use keepsake_emulator::backup_state::PasscodePrompt;
    use std::time::Duration;
    let Bench {
        dir: _dir,
        phone,
        ctx,
        location,
        options,
    } = bench();
    let device = phone.devices()[0].clone();
    // the first backup waits on the phone's passcode prompt, long enough to try a second one
    device.backup().set_passcode(Some(PasscodePrompt {
        enter_after: None,
        timeout: Duration::from_secs(60),
    }));
    let (asked_tx, mut asked) = tokio::sync::mpsc::unbounded_channel();
    let first = {
        let (ctx, options) = (ctx.clone(), options.clone());
        tokio::spawn(async move {
            back_up(&ctx, None, &options, move |p| {
                if matches!(p, BackupProgress::EnterPasscode { .. }) {
                    let _ = asked_tx.send(());
                }
            })
            .await
        })
    };
    asked
        .recv()
        .await
        .expect("the first backup asks for the passcode");

    let err = back_up(&ctx, None, &BackupOptions::new(&location), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, CoreError::AlreadyBackingUp { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!(
            "{} is already being backed up",
            device.profile.name
        )),
        "{err}"
    );

    device.backup().enter_passcode();
    first.await.unwrap().unwrap();
    assert_eq!(snapshot_count(&location), 1, "only the first backup ran");
    phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_location_short_of_space_is_refused_before_the_device_sends_anything() {
    require_secret_service();
    let Bench {
        dir: _dir,
        phone,
        ctx,
        location,
        options,
    } = bench();
    let device = phone.devices()[0].clone();
    // a phone holding a petabyte of data: no disk here can take its first backup
    device
        .set_value(
            Some("com.apple.disk_usage"),
            "TotalDataCapacity",
            plist::Value::Integer(1_000_000_000_000_000u64.into()),
        )
        .unwrap();
    device
        .set_value(
            Some("com.apple.disk_usage"),
            "TotalDataAvailable",
            plist::Value::Integer(0u64.into()),
        )
        .unwrap();
    let mut transferred = false;
    let err = back_up(&ctx, None, &options, |p| {
        transferred |= matches!(p, BackupProgress::Transferring { .. })
    })
    .await
    .unwrap_err();
    assert!(matches!(err, CoreError::NotEnoughSpace { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&device.profile.name), "{text}");
    assert!(text.contains("choose another backup location"), "{text}");
    assert!(!transferred, "refused before any data moved");
    assert_eq!(snapshot_count(&location), 0);

    // told to go ahead anyway, it does
    let mut options = options;
    options.ignore_free_space = true;
    back_up(&ctx, None, &options, |_| {}).await.unwrap();
    assert_eq!(snapshot_count(&location), 1);
    phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_on_wifi_only_is_found_by_its_pairing_and_backed_up_over_tcp() {
    require_secret_service();
    let Bench {
        dir,
        phone,
        ctx,
        location,
        options,
    } = bench_with(keepsake_emulator::Wifi::Advertised);
    let device = phone.devices()[0].clone();

    // the first backup is over the cable (pairing needs it; it also turns on the phone's
    // Wi-Fi connections), then the cable goes
    assert!(device.wifi_hosts().is_empty(), "not on the network yet");
    let first = back_up(&ctx, None, &options, |_| {}).await.unwrap();
    assert_eq!(first.link, keepsake_device::Link::Usb);
    assert_eq!(device.wifi_hosts().len(), 1, "Wi-Fi turned on for us");
    // a private Wi-Fi address: the announcement's MAC is not the phone's own
    assert_ne!(device.network_mac(), device.profile.wifi_address);
    phone.detach(device.udid()).unwrap();
    device.backup().live_one_day().unwrap();
    let day1 = device.backup().phone().unwrap();

    // without Wi-Fi it is simply not there
    let mut usb_only = BackupOptions::new(&location);
    usb_only.wifi = false;
    let err = back_up(&ctx, Some(device.udid()), &usb_only, |_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, CoreError::NoSuchDevice { .. }), "{err:?}");

    let second = back_up(&ctx, Some(device.udid()), &options, |_| {})
        .await
        .unwrap();
    let wifi = device.wifi_address().expect("the phone listens on Wi-Fi");
    assert_eq!(second.link, keepsake_device::Link::Direct(wifi));
    assert!(
        second.files_received < first.files_received,
        "incremental over Wi-Fi too"
    );
    assert_snapshot_is_the_phone(
        &location,
        device.udid(),
        second.snapshot.id,
        &day1,
        &dir.path().join("restored"),
    );
    phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_encrypted_device_backs_up_into_the_store_and_decrypts_with_its_password() {
    require_secret_service();
    let Bench {
        dir,
        phone,
        ctx,
        location,
        options,
    } = bench();
    let device = phone.devices()[0].clone();
    device.backup().enable_encryption("correct horse").unwrap();
    let day0 = device.backup().phone().unwrap();
    let report = back_up(&ctx, None, &options, |_| {}).await.unwrap();

    let out = dir.path().join("restored");
    let repo = Location::new(&location).open(None).unwrap();
    restore::restore(&repo, report.snapshot.id, &out, None, &mut |_, _| {}).unwrap();
    let folder = keepsake_mobilesync::BackupFolder::open(&out).unwrap();
    assert!(
        folder.manifest.is_encrypted,
        "the snapshot holds the device's encrypted backup"
    );
    keepsake_testkit::backup_matches(&out, &day0, Some("correct horse"))
        .unwrap_or_else(|e| panic!("{e}"));
    // the encrypted-only domains (keychain, health) came across too
    assert!(day0.backup_files(true).count() > day0.backup_files(false).count());
    assert!(
        keepsake_testkit::backup_matches(&out, &day0, Some("wrong password")).is_err(),
        "a wrong password does not read it"
    );
    phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_the_device_cannot_finish_keeps_its_previous_version_and_is_reported() {
    require_secret_service();
    use keepsake_emulator::backup_state::Fault;
    let Bench {
        dir: _dir,
        phone,
        ctx,
        location,
        options,
    } = bench();
    let device = phone.devices()[0].clone();
    let first = back_up(&ctx, None, &options, |_| {}).await.unwrap();
    assert!(first.files_failed.is_empty());
    device.backup().live_one_day().unwrap();

    device.backup().set_fault(Some(Fault::UnreadableFile));
    let second = back_up(&ctx, None, &options, |_| {}).await.unwrap();
    assert_eq!(second.files_failed.len(), 1, "{:?}", second.files_failed);
    let failed = second.files_failed[0]
        .strip_prefix(&format!("{}/", device.udid()))
        .expect("a path in the device's folder");

    let repo = Location::new(&location).open(None).unwrap();
    let read = |snapshot: i64| {
        let mut out = Vec::new();
        match restore::cat(&repo, snapshot, failed, &mut out) {
            Ok(_) => Some(out),
            Err(keepsake_store::Error::FileNotFound { .. }) => None,
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(
        read(second.snapshot.id),
        read(first.snapshot.id),
        "the half-sent file did not replace the previous version"
    );
    drop(repo);
    phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn what_a_cut_off_first_backup_stored_is_reused_by_the_next_attempt() {
    require_secret_service();
    use keepsake_emulator::backup_state::Fault;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("phone"), 1);
    config.devices[0].backup.content.target_bytes = 24 << 20;
    let phone = VirtualIphone::start(config).unwrap();
    let ctx = context_for(&phone, dir.path().join("config"));
    let location = dir.path().join("disk");
    std::fs::create_dir_all(&location).unwrap();
    let options = BackupOptions::new(&location);
    let device = phone.devices()[0].clone();
    let total = device.backup().phone().unwrap().total_size();

    // the cable goes three quarters of the way through the very first backup
    device
        .backup()
        .set_fault(Some(Fault::DropAfterBytes(total / 4 * 3)));
    back_up(&ctx, None, &options, |_| {}).await.unwrap_err();
    assert_eq!(snapshot_count(&location), 0);

    // the device sends everything again, but what was already stored is not stored twice
    device.backup().set_fault(None);
    let report = back_up(&ctx, None, &options, |_| {}).await.unwrap();
    assert!(report.bytes_received >= total / 4 * 3);
    assert!(
        report.snapshot.added_bytes < total / 2,
        "the retry added {} of {total}",
        report.snapshot.added_bytes
    );
    phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_asked_for_by_the_person_follows_the_devices_settings() {
    require_secret_service();
    use keepsake_core::SettingsCheck;
    let Bench {
        dir: _dir,
        phone,
        ctx,
        location,
        ..
    } = bench();
    let device = phone.devices()[0].clone();
    keepsake_core::settings::add_location(ctx.dirs(), &location).unwrap();
    let mut options = BackupOptions::new(&location);
    options.location = None; // the device's location: here the default one
    options.settings = SettingsCheck::RequireConfirmed;

    // a first backup waits for its settings to be confirmed, and nothing is transferred
    let mut transferred = false;
    let err = back_up(&ctx, None, &options, |p| {
        transferred |= matches!(p, BackupProgress::Transferring { .. })
    })
    .await
    .unwrap_err();
    assert!(
        matches!(err, CoreError::SettingsNotConfirmed { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("keepsake settings"), "{err}");
    assert!(!transferred);
    assert!(!location.join(BACKUPS_FOLDER).exists());

    // accepted as they are (`--yes`): it goes to the default location, counts as the day's
    // backup in the history, and the cleaning policy runs after it
    options.settings = SettingsCheck::ConfirmAsTheyAre;
    let report = back_up(&ctx, None, &options, |_| {}).await.unwrap();
    assert_eq!(report.repository, location.join(BACKUPS_FOLDER));
    assert!(
        matches!(report.cleaning, Some(keepsake_core::CleaningOutcome::Kept)),
        "{:?}",
        report.cleaning
    );
    let history = keepsake_core::history::history(ctx.dirs()).unwrap();
    let entry = &history.devices[device.udid()];
    assert!(entry.last_success.is_some(), "{entry:?}");

    // from now on the settings are confirmed: the next one just runs
    options.settings = SettingsCheck::RequireConfirmed;
    back_up(&ctx, None, &options, |_| {}).await.unwrap();
    assert_eq!(snapshot_count(&location), 2);
    phone.stop();
}

/// A phone that stops sending in the middle of a backup, without closing (out of Wi-Fi range,
/// frozen): the backup ends after the silence limit with an error naming the device, nothing is
/// committed, the device's job is free again, and the next backup completes. Over the cable and
/// over Wi-Fi.
#[tokio::test(flavor = "multi_thread")]
async fn a_silent_phone_ends_the_backup_and_frees_the_device() {
    use keepsake_emulator::backup_state::Fault;
    require_secret_service();
    let Bench {
        dir: _dir,
        phone,
        ctx,
        location,
        mut options,
    } = bench_with(keepsake_emulator::Wifi::Advertised);
    let device = phone.devices()[0].clone();
    let count = || snapshot_count(&location);
    back_up(&ctx, None, &options, |_| {}).await.unwrap();
    options.silence = keepsake_device::SilenceLimits {
        preparing: std::time::Duration::from_secs(30),
        transferring: std::time::Duration::from_secs(2),
    };

    for link in ["USB", "Wi-Fi"] {
        if link == "Wi-Fi" {
            phone.detach(device.udid()).unwrap();
        }
        device.backup().live_one_day().unwrap();
        device
            .backup()
            .set_fault(Some(Fault::StallAfterBytes(1000)));
        let before = count();
        let started = std::time::Instant::now();
        let err = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            back_up(&ctx, Some(device.udid()), &options, |_| {}),
        )
        .await
        .unwrap_or_else(|_| panic!("{link}: the backup hung on a silent phone"))
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(device.udid())
                && text.contains("stopped answering")
                && text.contains("2 s"),
            "{link}: {text}"
        );
        assert!(
            started.elapsed() >= std::time::Duration::from_secs(2),
            "{link}: waited the limit"
        );
        assert_eq!(
            count(),
            before,
            "{link}: the stalled backup committed nothing"
        );
        // the device's job was let go: the next backup runs and completes
        device.backup().set_fault(None);
        let report = back_up(&ctx, Some(device.udid()), &options, |_| {})
            .await
            .unwrap_or_else(|e| panic!("{link}: the next backup failed: {e}"));
        assert_eq!(count(), before + 1, "{link}");
        if link == "Wi-Fi" {
            assert!(
                matches!(report.link, keepsake_device::Link::Direct(_)),
                "{:?}",
                report.link
            );
        }
    }
    phone.stop();
}

/// Each backup reads back what it wrote (and a share of the rest) at once; the agent's weekly
/// pass reads a location whole, once a week.
#[tokio::test(flavor = "multi_thread")]
async fn a_backup_is_read_back_at_once_and_its_location_whole_weekly() {
    require_secret_service();
    let b = bench();
    let clock = keepsake_core::ManualClock::new(1_800_000_000);
    let ctx = keepsake_testkit::context_at(&b.phone, b.dir.path().join("config"), clock.clone());
    let options = BackupOptions {
        settings: keepsake_core::SettingsCheck::ConfirmAsTheyAre,
        ..b.options.clone()
    };
    let report = back_up(&ctx, None, &options, |_| {}).await.unwrap();
    let v = report.verification.expect("read back after the backup");
    assert!(v.ok && v.sampled, "{v:?}");
    assert!(v.chunks_checked > 0);
    assert_eq!(v.devices, std::slice::from_ref(&report.udid));
    let history = keepsake_core::history::history(ctx.dirs()).unwrap();
    let h = &history.devices[&report.udid];
    let last = h.last_verification.as_ref().unwrap();
    assert!(
        last.ok && last.sampled && last.summary.contains("sample"),
        "{last:?}"
    );
    assert!(h.last_full_verification.is_none());

    // The weekly pass: due now (never read whole), then not for a week.
    keepsake_core::settings::update(ctx.dirs(), |s| {
        s.device_mut(&report.udid, "", "").location = Some(b.location.clone());
        Ok(())
    })
    .unwrap();
    let done = keepsake_core::verification::verify_due(&ctx).unwrap();
    assert_eq!(done.len(), 1);
    let full = done[0].as_ref().unwrap();
    assert!(full.ok && !full.sampled && full.chunks_checked >= v.chunks_checked);
    clock.advance(6 * 86_400);
    assert!(keepsake_core::verification::verify_due(&ctx)
        .unwrap()
        .is_empty());
    clock.advance(86_400);
    let again = keepsake_core::verification::verify_due(&ctx).unwrap();
    assert_eq!(again.len(), 1);
    let history = keepsake_core::history::history(ctx.dirs()).unwrap();
    let h = &history.devices[&report.udid];
    assert_eq!(
        h.last_full_verification.as_ref().unwrap().at,
        1_800_000_000 + 7 * 86_400
    );
    assert!(!h.last_verification.as_ref().unwrap().sampled);
}

/// A machine posing as a paired phone (its UDID, the certificate its host made for it, which is
/// no secret, but a key of its own) is refused at the first session: nothing of the snapshots is
/// served to it, nothing it sends is saved.
#[tokio::test(flavor = "multi_thread")]
async fn an_impostor_of_a_paired_phone_is_refused_and_nothing_is_saved() {
    require_secret_service();
    let b = bench();
    let first = back_up(&b.ctx, None, &b.options, |_| {}).await.unwrap();
    let repo = Location::new(&b.location).open(None).unwrap();
    let packs_before = keepsake_testkit::packs_in_catalog(repo.path());
    drop(repo);
    let udid = first.udid.clone();
    // The phone goes; something else answers with its identity and its pairings.
    let Bench {
        dir,
        phone,
        location,
        options,
        ..
    } = b;
    drop(phone);
    let mut config = Config::new(dir.path().join("phone"), 1);
    config.devices[0].impostor = true;
    let impostor = VirtualIphone::start(config).unwrap();
    assert_eq!(impostor.devices()[0].udid(), udid);
    let ctx = context_for(&impostor, dir.path().join("config"));
    let err = back_up(&ctx, None, &options, |_| {}).await.unwrap_err();
    let said = err.to_string();
    assert!(said.contains(&format!("this is not {udid}")), "{said}");
    assert!(
        said.contains("Nothing was sent to it or saved from it"),
        "{said}"
    );

    let repo = Location::new(&location).open(None).unwrap();
    let snapshots = list::snapshots(&repo).unwrap();
    assert_eq!(snapshots.len(), 1, "nothing saved: {snapshots:?}");
    assert_eq!(
        keepsake_testkit::packs_in_catalog(repo.path()),
        packs_before
    );
    // The device's job lock is free again: the real phone backs up at once.
    drop(impostor);
    let phone = VirtualIphone::start(Config::new(dir.path().join("phone"), 1)).unwrap();
    let ctx = context_for(&phone, dir.path().join("config"));
    let second = back_up(&ctx, None, &options, |_| {}).await.unwrap();
    assert_eq!(second.udid, udid);
}

/// The same on Wi-Fi, where anyone on the network can answer with a paired phone's UDID and MAC.
#[tokio::test(flavor = "multi_thread")]
async fn an_impostor_on_wifi_is_refused_and_nothing_is_saved() {
    require_secret_service();
    let Bench {
        dir,
        phone,
        ctx,
        location,
        options,
    } = bench_with(keepsake_emulator::Wifi::Advertised);
    let first = back_up(&ctx, None, &options, |_| {}).await.unwrap();
    let mut profile = phone.devices()[0].profile.clone();
    drop(phone);
    profile.impostor = true;
    let mut config = Config::new(dir.path().join("phone"), 1);
    config.devices = vec![profile];
    config.wifi = keepsake_emulator::Wifi::Advertised;
    let impostor = VirtualIphone::start(config).unwrap();
    impostor.detach(&first.udid).unwrap();
    let ctx = context_for(&impostor, dir.path().join("config"));
    let err = back_up(&ctx, Some(&first.udid), &options, |_| {})
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("this is not {}", first.udid)),
        "{err}"
    );
    let repo = Location::new(&location).open(None).unwrap();
    assert_eq!(list::snapshots(&repo).unwrap().len(), 1);
    impostor.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_that_lets_most_photos_go_keeps_the_snapshot_before_until_unpinned() {
    require_secret_service();
    let Bench {
        dir: _dir,
        phone,
        ctx,
        location,
        mut options,
    } = bench();
    let device = phone.devices()[0].clone();
    // Encrypted, with the password at hand: the store keeps Manifest.db decrypted.
    device.backup().enable_encryption("correct horse").unwrap();
    options.backup_password = Some(keepsake_core::Secret::new("correct horse"));
    let photos = || device.backup().phone().unwrap().camera_roll().len() as u64;
    back_up(&ctx, None, &options, |_| {}).await.unwrap();
    // An ordinary day deletes a photo or two: nothing to say.
    device.backup().live_one_day().unwrap();
    let before = photos();
    assert!(before >= 20, "a camera roll to clear: {before}");
    let ordinary = back_up(&ctx, None, &options, |_| {}).await.unwrap();
    assert_eq!(ordinary.mass_deletion, None);

    device.backup().live_one_day_clearing_photos(80).unwrap();
    let report = back_up(&ctx, None, &options, |_| {}).await.unwrap();
    let warning = report.mass_deletion.clone().expect("most photos went");
    assert_eq!(warning.kept, ordinary.snapshot.id);
    assert_eq!(warning.snapshot, report.snapshot.id);
    assert_eq!(warning.found.len(), 1, "{warning:?}");
    let photos_gone = &warning.found[0];
    assert_eq!(photos_gone.kind, keepsake_core::deletions::Kept::Photos);
    assert_eq!(photos_gone.before.files, before);
    assert_eq!(photos_gone.removed.files, before * 80 / 100);
    // Kept forever, saying why, and remembered for the app.
    let at = Location::new(&location);
    let timeline =
        keepsake_core::timeline::timeline_at(&at, &keepsake_core::Unlock::new(), device.udid())
            .unwrap();
    let kept = timeline
        .iter()
        .find(|e| e.snapshot.id == warning.kept)
        .unwrap();
    assert!(kept.pinned);
    assert!(
        kept.note
            .as_deref()
            .unwrap_or_default()
            .starts_with("Kept: the backup after it no longer had"),
        "{:?}",
        kept.note
    );
    let history = keepsake_core::history::history(ctx.dirs()).unwrap();
    assert_eq!(
        history.devices[device.udid()].mass_deletion.as_ref(),
        Some(&warning)
    );

    // The person says the photos may go (`keepsake unpin`): no longer kept, the warning
    // answered; another repository's snapshot of the same id answers nothing.
    let repo = at.open(None).unwrap();
    assert!(keepsake_core::pins::unpin(&repo, warning.kept).unwrap());
    let dirs = ctx.dirs();
    assert!(
        !keepsake_core::history::mass_deletion_answered(dirs, "another", warning.kept).unwrap()
    );
    assert!(
        keepsake_core::history::mass_deletion_answered(dirs, &repo.config().id, warning.kept)
            .unwrap()
    );
    let history = keepsake_core::history::history(dirs).unwrap();
    assert_eq!(history.devices[device.udid()].mass_deletion, None);
    phone.stop();
}
