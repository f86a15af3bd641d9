//! `keepsake backup` and `keepsake timeline` against the virtual iPhone. The new snapshot store's
//! key goes to the OS credential store: run through scripts/with-keyring.sh (scripts/test.sh does).

use std::process::Output;

use keepsake_emulator::{Config, VirtualIphone};
use keepsake_testkit::{require_secret_service, Cli};

fn keepsake(phone: &VirtualIphone, home: &std::path::Path, args: &[&str]) -> Output {
    keepsake_env(phone, home, args, &[])
}

/// A virtual iPhone and an empty "Backup Disk" folder, in a temporary folder.
fn phone_and_disk() -> (tempfile::TempDir, VirtualIphone, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path().join("phone"), 1)).unwrap();
    let location = dir.path().join("Backup Disk");
    std::fs::create_dir_all(&location).unwrap();
    (dir, phone, location)
}

/// `keepsake backup --yes --json --location LOC`, which must succeed; its report.
fn first_backup(phone: &VirtualIphone, home: &std::path::Path, loc: &str) -> serde_json::Value {
    let out = keepsake(
        phone,
        home,
        &["backup", "--yes", "--json", "--location", loc],
    );
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn backup_then_timeline_shows_the_snapshot_and_its_cost() {
    require_secret_service();
    let (dir, phone, location) = phone_and_disk();
    let loc = location.to_str().unwrap();

    let report = first_backup(&phone, dir.path(), loc);
    assert_eq!(report["udid"], phone.devices()[0].udid());
    assert_eq!(report["snapshot"]["seq"], 1);
    assert!(report["snapshot"]["added_bytes"].as_u64().unwrap() > 0);

    let out = keepsake(&phone, dir.path(), &["timeline", "--location", loc]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(phone.devices()[0].udid()), "{text}");
    assert!(
        text.contains("#1") && text.contains("this backup cost"),
        "{text}"
    );

    // the repository a backup made opens for `keepsake store check` with this computer's key
    let repo = location.join("Keepsake.Backups");
    let out = keepsake(
        &phone,
        dir.path(),
        &["store", "check", repo.to_str().unwrap(), "--json"],
    );
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["chunks_checked"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(report["pack_problems"], serde_json::json!([]), "{report}");
    let out = keepsake(&phone, dir.path(), &["verify", "--location", loc]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("read back intact"),
        "{out:?}"
    );

    // a location that is not there is an error that says so, and nothing is created
    let missing = dir.path().join("unplugged");
    let out = keepsake(
        &phone,
        dir.path(),
        &["backup", "--yes", "--location", missing.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not there"),
        "{out:?}"
    );
    assert!(!missing.exists());

    // the history has the backup, and the attempt on the missing disk with why
    let out = keepsake(&phone, dir.path(), &["--json", "history"]);
    assert!(out.status.success(), "{out:?}");
    let events: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["skipped", "backed_up"], "{events}");
    assert_eq!(events[0]["reason"], "location_missing", "{events}");
    assert_eq!(events[1]["snapshot"], 1, "{events}");
    assert!(events[1]["added_bytes"].as_u64().unwrap() > 0, "{events}");
    assert_eq!(events[1]["udid"], phone.devices()[0].udid());
    let out = keepsake(&phone, dir.path(), &["history"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("backed up: snapshot 1") && text.contains("the backup disk was not there"),
        "{text}"
    );
    phone.stop();
}

fn keepsake_env(
    phone: &VirtualIphone,
    home: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut cli = Cli::new(env!("CARGO_BIN_EXE_keepsake"))
        .home(home)
        .phone(phone);
    for (k, v) in env {
        cli = cli.env(k, v);
    }
    cli.run(args)
}

#[test]
fn encryption_on_change_off_with_the_password_remembered_and_a_wrong_one_refused() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path().join("phone"), 1)).unwrap();
    let udid = phone.devices()[0].udid().to_owned();
    let json = |out: Output| -> serde_json::Value {
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let status = json(keepsake_env(
        &phone,
        dir.path(),
        &["encryption", "status", "--json"],
        &[],
    ));
    assert_eq!(status["encrypted"], false);

    let on = json(keepsake_env(
        &phone,
        dir.path(),
        &["encryption", "on", "--remember", "--json"],
        &[("KEEPSAKE_NEW_BACKUP_PASSWORD", "first secret")],
    ));
    assert_eq!(on["encrypted"], true);
    assert_eq!(on["password_remembered"], true);
    assert!(
        phone.devices()[0].backup().will_encrypt(),
        "the device itself encrypts now"
    );
    assert_eq!(
        keepsake_core::Secrets
            .recall(keepsake_core::SecretKind::BackupPassword, &udid)
            .unwrap()
            .as_deref(),
        Some("first secret")
    );

    let wrong = keepsake_env(
        &phone,
        dir.path(),
        &["encryption", "change"],
        &[
            ("KEEPSAKE_BACKUP_PASSWORD", "not it"),
            ("KEEPSAKE_NEW_BACKUP_PASSWORD", "x"),
        ],
    );
    assert_eq!(wrong.status.code(), Some(1), "{wrong:?}");
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("backup password is wrong"),
        "{wrong:?}"
    );
    assert!(phone.devices()[0].backup().will_encrypt());

    let off = json(keepsake_env(
        &phone,
        dir.path(),
        &["encryption", "off", "--json"],
        &[("KEEPSAKE_BACKUP_PASSWORD", "first secret")],
    ));
    assert_eq!(off["encrypted"], false);
    assert_eq!(
        keepsake_core::Secrets
            .recall(keepsake_core::SecretKind::BackupPassword, &udid)
            .unwrap(),
        None
    );
    phone.stop();
}

/// Without a credential store (a server, a headless agent) Keepsake never makes a repository
/// nothing could reopen: a first backup needs a store password; the recovery key it shows, the
/// password and `locations recovery-key` all open the location afterwards.
#[test]
fn headless_backups_need_a_store_password_and_the_recovery_key_opens_them() {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path().join("phone"), 1)).unwrap();
    let location = dir.path().join("Server Disk");
    std::fs::create_dir_all(&location).unwrap();
    let loc = location.to_str().unwrap();
    // no Secret Service answers on this bus
    let headless = Cli::new(env!("CARGO_BIN_EXE_keepsake"))
        .home(dir.path())
        .phone(&phone)
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");

    let out = headless.run(&["backup", "--yes", "--location", loc]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no credential store")
            && err.contains("$KEEPSAKE_STORE_PASSWORD or --store-password-file FILE"),
        "{err}"
    );
    assert!(
        !location.join("Keepsake.Backups").exists(),
        "nothing was created"
    );

    let with_password = headless
        .clone()
        .env("KEEPSAKE_STORE_PASSWORD", "server secret");
    let report = with_password.json(&["backup", "--yes", "--location", loc]);
    let key = report["recovery_key"]
        .as_str()
        .expect("the recovery key is shown")
        .to_owned();
    assert_eq!(key.len(), 39, "{key}");

    // nothing remembered here: the timeline needs one of the secrets
    let out = headless.run(&["timeline", "--location", loc]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--recovery-key-file"),
        "{out:?}"
    );
    let listed = with_password.json(&["timeline", "--location", loc]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let typed = key.to_lowercase().replace('-', " ");
    // the key in a file, as a person keeps it (first line only)
    let key_file = dir.path().join("recovery key.txt");
    std::fs::write(&key_file, format!("{typed}\nnotes after it\n")).unwrap();
    let by_key = headless.json(&[
        "timeline",
        "--location",
        loc,
        "--recovery-key-file",
        key_file.to_str().unwrap(),
    ]);
    assert_eq!(by_key, listed);
    let shown = with_password.json(&["locations", "recovery-key", loc]);
    assert_eq!(shown["recovery_key"], key.as_str());
    let out = headless
        .clone()
        .env("KEEPSAKE_RECOVERY_KEY", "not it")
        .run(&["timeline", "--location", loc]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Nothing was changed"),
        "{out:?}"
    );

    // the key slots: the recovery key and the password; a new password replaces the old one
    let kinds = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["kind"]["unlocked_by"].as_str().unwrap().to_owned())
            .collect()
    };
    let slots = with_password.json(&["locations", "keys", loc]);
    assert_eq!(kinds(&slots), ["recovery_key", "password"], "{slots}");
    let old = slots[1]["id"].as_str().unwrap().to_owned();
    let slots = with_password
        .clone()
        .env("KEEPSAKE_NEW_STORE_PASSWORD", "a better secret")
        .json(&["locations", "add-password", loc]);
    assert_eq!(kinds(&slots), ["recovery_key", "password", "password"]);
    let renewed = headless
        .clone()
        .env("KEEPSAKE_STORE_PASSWORD", "a better secret");
    let slots = renewed.json(&["locations", "remove-key", loc, &old]);
    assert_eq!(kinds(&slots), ["recovery_key", "password"]);
    assert_eq!(renewed.json(&["timeline", "--location", loc]), listed);
    let out = with_password.run(&["timeline", "--location", loc]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the old password no longer opens it: {out:?}"
    );
    phone.stop();
}

/// `keepsake convert`: an encrypted phone's snapshot taken without its password is kept
/// decrypted once the password is given; without it the command says what it needs.
#[test]
fn convert_keeps_snapshots_taken_without_the_password_decrypted_once_it_is_given() {
    require_secret_service();
    let (dir, phone, location) = phone_and_disk();
    let udid = phone.devices()[0].udid().to_owned();
    phone.devices()[0]
        .backup()
        .enable_encryption("phone secret")
        .unwrap();
    let loc = location.to_str().unwrap();
    let report = first_backup(&phone, dir.path(), loc);
    assert_eq!(report["kept_as_sent"], "the backup password is not at hand");

    let locked = keepsake(&phone, dir.path(), &["convert", &udid, "--location", loc]);
    assert_eq!(locked.status.code(), Some(1), "{locked:?}");
    assert!(
        String::from_utf8_lossy(&locked.stderr).contains("Give the backup password"),
        "{locked:?}"
    );
    let wrong = keepsake_env(
        &phone,
        dir.path(),
        &["convert", &udid, "--location", loc],
        &[("KEEPSAKE_BACKUP_PASSWORD", "not it")],
    );
    assert_eq!(wrong.status.code(), Some(1), "{wrong:?}");
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("wrong backup password"),
        "{wrong:?}"
    );

    let out = keepsake_env(
        &phone,
        dir.path(),
        &["convert", &udid, "--location", loc, "--json"],
        &[("KEEPSAKE_BACKUP_PASSWORD", "phone secret")],
    );
    assert!(out.status.success(), "{out:?}");
    let converted: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        converted["versions_converted"].as_u64().unwrap() > 0,
        "{converted}"
    );
    assert_eq!(converted["snapshots_opened"], 1, "{converted}");

    let again = keepsake_env(
        &phone,
        dir.path(),
        &["convert", &udid, "--location", loc],
        &[("KEEPSAKE_BACKUP_PASSWORD", "phone secret")],
    );
    assert!(again.status.success(), "{again:?}");
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("Nothing to convert"),
        "{again:?}"
    );
    // the converted snapshot still checks out whole
    let out = keepsake(&phone, dir.path(), &["verify", "--location", loc]);
    assert!(out.status.success(), "{out:?}");
    phone.stop();
}
