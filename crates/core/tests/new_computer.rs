//! The bad day, headless: computer A backs up an Apple-encrypted phone twice, then A is gone (its
//! settings and its credential store's entries deleted); computer B, which has never seen the
//! disk, opens it with the phone's backup password alone, and in a second run with the recovery
//! key alone, lists the phone's snapshots while the phone is nowhere in sight, and reads the
//! newest back as the phone's backup, file for file. Wrong secrets are refused and change
//! nothing. Needs the OS credential store (scripts/with-keyring.sh).

use keepsake_core::browse::SnapshotBrowser;
use keepsake_core::interchange::restore_to_device;
use keepsake_core::{back_up, CoreError, Location, SecretKind, Secrets, Unlock};
use keepsake_store::SlotKind;
use keepsake_testkit::{backup_matches, context_for, require_secret_service, Bench};

const PASSWORD: &str = "open sesame";

fn config_bytes(location: &Location) -> Vec<u8> {
    std::fs::read(location.repository_path().join("keepsake-repo.json")).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_computer_opens_the_disk_with_the_backup_password_or_the_recovery_key() {
    require_secret_service();
    let bench = Bench::with(2, |config| {
        // their UDIDs are their own: the credential store is shared with tests running alongside
        *config = config.clone().with_unique_identities();
        for d in &mut config.devices {
            d.backup.content.target_bytes = 3 << 20;
        }
    });
    let phone = bench.device(0);
    let udid = phone.udid().to_owned();
    phone.backup().enable_encryption(PASSWORD).unwrap();
    // what the wizard's "remember the password" does on computer A
    Secrets
        .remember(SecretKind::BackupPassword, &udid, PASSWORD)
        .unwrap();

    // computer A: two backups; the first sets the location up and shows its recovery key
    let first = back_up(&bench.ctx, Some(&udid), &bench.options, |_| {})
        .await
        .unwrap();
    let recovery = first
        .recovery_key
        .clone()
        .expect("a recovery key is shown once");
    phone.backup().live_one_day().unwrap();
    let second = back_up(&bench.ctx, Some(&udid), &bench.options, |_| {})
        .await
        .unwrap();
    assert!(
        second.recovery_key.is_none(),
        "shown only when the location is set up"
    );
    let day1 = phone.backup().phone().unwrap();
    let location = bench.location();
    let repo = location.open(None).unwrap();
    let kinds: Vec<SlotKind> = repo.key_slots().into_iter().map(|s| s.kind).collect();
    let id = repo.config().id.clone();
    drop(repo);
    assert!(
        kinds.iter().any(|k| matches!(k, SlotKind::Computer { .. })),
        "{kinds:?}"
    );
    assert!(kinds.contains(&SlotKind::RecoveryKey), "{kinds:?}");
    assert!(
        kinds.contains(&SlotKind::BackupPassword {
            device: udid.clone()
        }),
        "{kinds:?}"
    );
    let config = String::from_utf8(config_bytes(&location)).unwrap();
    assert!(
        !config.contains(PASSWORD) && !config.contains(&recovery),
        "a secret in the config"
    );

    // computer A is lost: its settings and its keyring entries go
    Secrets.forget(SecretKind::StoreKey, &id).unwrap();
    Secrets.forget(SecretKind::BackupPassword, &udid).unwrap();
    std::fs::remove_dir_all(bench.ctx.dirs().config_dir()).unwrap();
    // and the phone is nowhere in sight
    bench.phone.detach(&udid).unwrap();

    for (run, secret) in [
        (1, PASSWORD.to_owned()),
        (2, recovery.to_lowercase().replace('-', " ")),
    ] {
        // computer B: settings of its own, nothing remembered
        let b = context_for(
            &bench.phone,
            bench.dir.path().join(format!("computer-b-{run}")),
        );
        let _ = Secrets.forget(SecretKind::StoreKey, &id);
        assert!(matches!(
            location.open_with(&b.unlock()).unwrap_err(),
            CoreError::StoreLocked { .. }
        ));
        let before = config_bytes(&location);
        for wrong in ["open sesame!", "0000-0000-0000-0000-0000-0000-0000-0000"] {
            let err = location
                .open_with(&b.unlock().with(Some(wrong)))
                .unwrap_err();
            assert!(matches!(err, CoreError::WrongStoreSecret { .. }), "{err:?}");
            assert!(err.to_string().contains("Nothing was changed"), "{err}");
        }
        assert_eq!(
            config_bytes(&location),
            before,
            "a wrong secret writes nothing"
        );

        let unlock = b.unlock().with(Some(&secret));
        let timeline = keepsake_core::timeline::snapshots_at(&location, &unlock, None).unwrap();
        let ids: Vec<i64> = timeline
            .iter()
            .filter(|e| e.snapshot.device == udid)
            .map(|e| e.snapshot.id)
            .collect();
        assert_eq!(ids, [first.snapshot.id, second.snapshot.id], "run {run}");
        // computer B remembers it from now on: nothing to type the next time
        location.open_with(&b.unlock()).unwrap();

        // the newest snapshot reads back as the phone's backup, decrypted with its password
        let browser =
            SnapshotBrowser::open(&location, &b.unlock(), second.snapshot.id, Some(PASSWORD))
                .unwrap();
        assert!(browser.is_encrypted());
        drop(browser);
        // exported as the phone sent it (what was kept decrypted encrypted again)
        let out = bench.dir.path().join(format!("restored-{run}"));
        keepsake_core::interchange::export(
            &location,
            &b.unlock(),
            second.snapshot.id,
            &out,
            None,
            &mut |_, _| {},
        )
        .unwrap();
        backup_matches(&out.join(&udid), &day1, Some(PASSWORD)).unwrap();
    }

    // the newest snapshot onto phone Y, a new phone: only when asked to, naming both devices
    let b = context_for(&bench.phone, bench.dir.path().join("computer-b-2"));
    let new_phone = bench.device(1);
    let unlock = b.unlock();
    let err = restore_to_device(
        &b,
        &location,
        &unlock,
        second.snapshot.id,
        Some(new_phone.udid()),
        false,
        Some(PASSWORD),
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, CoreError::RestoreOntoAnother { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains(&new_phone.profile.name), "{err}");
    assert!(
        new_phone.backup().last_restore().is_none(),
        "nothing was sent"
    );
    let done = restore_to_device(
        &b,
        &location,
        &unlock,
        second.snapshot.id,
        Some(new_phone.udid()),
        true,
        Some(PASSWORD),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(done.udid, new_phone.udid(), "Y keeps its own identity");
    let report = new_phone.backup().last_restore().unwrap();
    // every file of X's backup reached Y whole and decrypted
    let on_x: Vec<_> = day1.backup_files(true).collect();
    assert_eq!(report.files, on_x.len(), "{report:?}");
    assert_eq!(report.bytes, on_x.iter().map(|f| f.size()).sum::<u64>());
    assert!(
        report.missing.is_empty() && report.corrupt.is_empty(),
        "{report:?}"
    );
    // Y now holds X's content, byte for byte, and X's encryption; its own identity stays
    let on_y = new_phone.backup().phone().unwrap();
    assert_eq!(on_y.backup_files(true).count(), on_x.len());
    for f in &on_x {
        let got = on_y
            .file(&f.key.domain, &f.key.path)
            .unwrap_or_else(|| panic!("{} {} is not on Y", f.key.domain, f.key.path));
        assert!(
            got.read_all() == f.read_all(),
            "{} {} differs",
            f.key.domain,
            f.key.path
        );
    }
    assert!(
        new_phone.backup().will_encrypt(),
        "Y encrypts with X's backup password"
    );
    assert_ne!(new_phone.udid(), udid);
    let _ = Secrets.forget(SecretKind::StoreKey, &id);
    bench.phone.stop();
}

#[test]
fn looking_at_a_folder_without_backups_leaves_it_empty() {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::new(dir.path());
    let entries = keepsake_core::timeline::snapshots_at(&location, &Unlock::new(), None).unwrap();
    assert!(entries.is_empty());
    let err = SnapshotBrowser::open(&location, &Unlock::new(), 1, None)
        .err()
        .unwrap();
    assert!(matches!(err, CoreError::NoBackups { .. }), "{err:?}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing was written"
    );
}
