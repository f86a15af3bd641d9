//! `keepsake backup` and `keepsake timeline` against the virtual iPhone. The new snapshot store's
//! key goes to the OS credential store: run through scripts/with-keyring.sh (scripts/test.sh does).

use std::process::Output;

use keepsake_emulator::{Config, VirtualIphone};
use keepsake_testkit::{require_secret_service, Cli};

fn keepsake(phone: &VirtualIphone, home: &std::path::Path, args: &[&str]) -> Output {
    keepsake_env(phone, home, args, &[])
}

#[test]
fn backup_then_timeline_shows_the_snapshot_and_its_cost() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path().join("phone"), 1)).unwrap();
    let location = dir.path().join("Backup Disk");
    std::fs::create_dir_all(&location).unwrap();
    let loc = location.to_str().unwrap();

    let out = keepsake(
        &phone,
        dir.path(),
        &["backup", "--yes", "--json", "--location", loc],
    );
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
