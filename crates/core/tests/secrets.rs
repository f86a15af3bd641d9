//! The OS credential store for real: Secret Service over D-Bus (GNOME Keyring), as
//! `scripts/with-keyring.sh` provides it to the test run.

use keepsake_core::{SecretKind, Secrets};
use keepsake_testkit::require_secret_service;

#[test]
fn a_remembered_backup_password_comes_back_and_can_be_forgotten() {
    require_secret_service();
    let udid = format!("TEST-{}", std::process::id());
    let s = Secrets;
    assert_eq!(s.recall(SecretKind::BackupPassword, &udid).unwrap(), None);
    s.remember(
        SecretKind::BackupPassword,
        &udid,
        "correct horse battery staple",
    )
    .unwrap();
    assert_eq!(
        s.recall(SecretKind::BackupPassword, &udid)
            .unwrap()
            .as_deref(),
        Some("correct horse battery staple")
    );
    // a different kind for the same owner is a different secret
    assert_eq!(s.recall(SecretKind::StoreKey, &udid).unwrap(), None);
    s.remember(SecretKind::BackupPassword, &udid, "changed")
        .unwrap();
    assert_eq!(
        s.recall(SecretKind::BackupPassword, &udid)
            .unwrap()
            .as_deref(),
        Some("changed")
    );
    s.forget(SecretKind::BackupPassword, &udid).unwrap();
    assert_eq!(s.recall(SecretKind::BackupPassword, &udid).unwrap(), None);
    s.forget(SecretKind::BackupPassword, &udid).unwrap();
}

#[test]
fn the_secret_is_in_the_os_store_where_other_tools_see_it() {
    require_secret_service();
    let owner = format!("STORE-{}", std::process::id());
    Secrets
        .remember(SecretKind::StoreKey, &owner, "k3y")
        .unwrap();
    let out = std::process::Command::new("secret-tool")
        .args([
            "search",
            "--all",
            "service",
            keepsake_core::secrets::SERVICE,
        ])
        .output()
        .expect("secret-tool is missing: run scripts/setup.sh");
    let listing = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(listing.contains(&format!("store-key/{owner}")), "{listing}");
    Secrets.forget(SecretKind::StoreKey, &owner).unwrap();
}
