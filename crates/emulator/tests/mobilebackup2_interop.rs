//! Debian's `idevicebackup2` (libimobiledevice 1.3.0) backs up the virtual iPhone through its
//! usbmuxd socket: full, incremental after a day of use, encrypted (decrypted here with
//! keepsake-mobilesync from the password), ChangePassword, the passcode step, info and list, and
//! a backup over Wi-Fi (`-n`).
//! A missing tool fails the test: run `scripts/setup.sh`.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

mod mb2_host;

use keepsake_emulator::backup_state::PasscodePrompt;
use keepsake_emulator::{Config, VirtualIphone};
use keepsake_mobilesync::BackupFolder;
use mb2_host::{assert_backup_matches, TEST_KDF};

fn tool(name: &str) -> Command {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "`{name}` is not installed (Debian package libimobiledevice-utils): run scripts/setup.sh"
    );
    Command::new(name)
}

/// Runs a tool against the emulator and returns everything it printed.
fn run(phone: &VirtualIphone, name: &str, args: &[&str]) -> (Output, String) {
    let out = tool(name)
        .args(args)
        .env("USBMUXD_SOCKET_ADDRESS", phone.usbmuxd_socket_address())
        .output()
        .expect("tool runs");
    // idevicebackup2 redraws its progress bar with carriage returns.
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .replace('\r', "\n");
    let shown: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('['))
        .collect();
    eprintln!("$ {name} {}\n{}", args.join(" "), shown.join("\n"));
    (out, text)
}

/// One phone with small content and cheap keybags.
fn config(state: &Path, passcode: Option<PasscodePrompt>) -> Config {
    let mut config = Config::new(state, 1);
    let backup = &mut config.devices[0].backup;
    backup.content.target_bytes = 2 << 20;
    backup.kdf = TEST_KDF;
    backup.passcode = passcode;
    config
}

/// Starts the phone and pairs it with this host.
fn start(state: &Path, passcode: Option<PasscodePrompt>) -> (VirtualIphone, String) {
    let phone = VirtualIphone::start(config(state, passcode)).expect("emulator starts");
    let udid = phone.devices()[0].udid().to_owned();
    let (out, text) = run(&phone, "idevicepair", &["-u", &udid, "pair"]);
    assert!(out.status.success(), "{text}");
    (phone, udid)
}

fn backup(phone: &VirtualIphone, udid: &str, dir: &Path) -> String {
    let (out, text) = run(
        phone,
        "idevicebackup2",
        &["-u", udid, "backup", dir.to_str().unwrap()],
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Backup Successful."), "{text}");
    text
}

fn received(text: &str) -> usize {
    text.lines()
        .find_map(|l| l.strip_prefix("Received ")?.split(' ').next()?.parse().ok())
        .expect("idevicebackup2 says how many files it received")
}

/// The backup's blobs (files in its two-hex-digit folders): path -> (modification time, size).
fn blobs(root: &Path) -> std::collections::BTreeMap<String, (std::time::SystemTime, u64)> {
    let mut out = std::collections::BTreeMap::new();
    for dir in std::fs::read_dir(root).unwrap() {
        let dir = dir.unwrap();
        if !dir.file_type().unwrap().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(dir.path()).unwrap() {
            let f = f.unwrap();
            let m = f.metadata().unwrap();
            let name = format!(
                "{}/{}",
                dir.file_name().to_string_lossy(),
                f.file_name().to_string_lossy()
            );
            out.insert(name, (m.modified().unwrap(), m.len()));
        }
    }
    out
}

#[test]
fn idevicebackup2_full_then_incremental_backup_moves_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (phone, udid) = start(&dir.path().join("state"), None);
    let device = phone.device(&udid).unwrap();
    let backups = dir.path().join("backups");
    std::fs::create_dir_all(&backups).unwrap();

    let text = backup(&phone, &udid, &backups);
    assert!(text.contains("Full backup mode."), "{text}");
    let content = device.backup().phone().unwrap();
    let files = content.backup_files(false).count();
    assert_eq!(received(&text), files + 3, "every file, then the manifests");
    assert_backup_matches(&backups.join(&udid), &content, None);
    let folder = BackupFolder::open(backups.join(&udid)).unwrap();
    assert!(folder.info.is_some(), "idevicebackup2 writes Info.plist");

    let day = device.backup().live_one_day().unwrap();
    let before = blobs(&backups.join(&udid));
    let text = backup(&phone, &udid, &backups);
    assert!(text.contains("Incremental backup mode."), "{text}");
    let content = device.backup().phone().unwrap();
    // The bytes that moved: every blob written (new, or rewritten) by the incremental backup.
    let after = blobs(&backups.join(&udid));
    let moved: u64 = after
        .iter()
        .filter(|(path, stamp)| before.get(*path) != Some(stamp))
        .map(|(_, (_, size))| size)
        .sum();
    let changed_bytes: u64 = day
        .added
        .iter()
        .chain(&day.changed)
        .filter_map(|k| content.file(&k.domain, &k.path))
        .filter(|f| !f.encrypted_only)
        .map(|f| f.size())
        .sum();
    assert_eq!(
        moved, changed_bytes,
        "exactly the changed files' bytes cross"
    );
    assert!(
        moved * 2 < content.total_size(),
        "{moved} of {}",
        content.total_size()
    );
    let changed = day
        .added
        .iter()
        .chain(&day.changed)
        .filter(|k| {
            content
                .file(&k.domain, &k.path)
                .is_some_and(|f| !f.encrypted_only)
        })
        .count();
    assert_eq!(received(&text), changed + 3, "only what changed crosses");
    assert_backup_matches(&backups.join(&udid), &content, None);
    // The deleted photos' blobs are gone from the folder.
    for k in &day.removed {
        let id = keepsake_mobilesync::file_id(&k.domain, &k.path);
        assert!(!backups.join(&udid).join(&id[..2]).join(&id).exists());
    }

    // The last backup goes back onto the phone: every file arrives as it was backed up.
    let (out, text) = run(
        &phone,
        "idevicebackup2",
        &[
            "-u",
            &udid,
            "restore",
            "--system",
            "--no-reboot",
            "--skip-apps",
            backups.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Restore Successful."), "{text}");
    let report = device.backup().last_restore().unwrap();
    let files = content.backup_files(false).count();
    assert_eq!(
        (report.files, report.matching),
        (files, files),
        "{report:?}"
    );

    let (out, text) = run(
        &phone,
        "idevicebackup2",
        &["-u", &udid, "info", backups.to_str().unwrap()],
    );
    assert!(out.status.success());
    assert!(text.contains("Snapshot State: finished"), "{text}");
    let (out, text) = run(
        &phone,
        "idevicebackup2",
        &["-u", &udid, "list", backups.to_str().unwrap()],
    );
    assert!(out.status.success());
    assert!(text.contains("Library/SMS/sms.db"), "{text}");
}

#[test]
fn idevicebackup2_encryption_on_backup_changepw_and_off() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let (phone, udid) = start(&state, None);
    let backups = dir.path().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    let b = backups.to_str().unwrap();

    let (_, text) = run(
        &phone,
        "idevicebackup2",
        &["-u", &udid, "encryption", "on", "first", b],
    );
    assert!(
        text.contains("Backup encryption has been enabled successfully."),
        "{text}"
    );
    let (_, text) = run(
        &phone,
        "ideviceinfo",
        &[
            "-u",
            &udid,
            "-q",
            "com.apple.mobile.backup",
            "-k",
            "WillEncrypt",
        ],
    );
    assert_eq!(text.trim(), "true");
    backup(&phone, &udid, &backups);
    let device = phone.device(&udid).unwrap();
    let content = device.backup().phone().unwrap();
    assert_backup_matches(&backups.join(&udid), &content, Some("first"));

    let (_, text) = run(
        &phone,
        "idevicebackup2",
        &["-u", &udid, "changepw", "wrong", "second", b],
    );
    assert!(
        text.contains("ErrorCode 207: Invalid password (MBErrorDomain/207)"),
        "{text}"
    );
    let (_, text) = run(
        &phone,
        "idevicebackup2",
        &["-u", &udid, "changepw", "first", "second", b],
    );
    assert!(
        text.contains("Backup encryption password has been changed successfully."),
        "{text}"
    );

    // The phone restarts: still encrypted, under the new password, same keys.
    drop(device);
    phone.stop();
    let phone = VirtualIphone::start(config(&state, None)).unwrap();
    let text = backup(&phone, &udid, &backups);
    assert!(text.contains("Incremental backup mode."), "{text}");
    assert_eq!(received(&text), 3, "nothing changed: only the manifests");
    assert_backup_matches(&backups.join(&udid), &content, Some("second"));

    let (_, text) = run(
        &phone,
        "idevicebackup2",
        &["-u", &udid, "encryption", "off", "second", b],
    );
    assert!(
        text.contains("Backup encryption has been disabled successfully."),
        "{text}"
    );
    assert!(!phone.device(&udid).unwrap().backup().will_encrypt());
}

#[test]
fn idevicebackup2_fails_with_device_locked_when_nobody_enters_the_passcode() {
    let dir = tempfile::tempdir().unwrap();
    let prompt = PasscodePrompt {
        enter_after: None,
        timeout: Duration::ZERO,
    };
    let (phone, udid) = start(&dir.path().join("state"), Some(prompt));
    let backups = dir.path().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    let (_, text) = run(
        &phone,
        "idevicebackup2",
        &["-u", &udid, "backup", backups.to_str().unwrap()],
    );
    assert!(
        text.contains("ErrorCode 208: Device locked (MBErrorDomain/208)"),
        "{text}"
    );
    assert!(!text.contains("Backup Successful."), "{text}");
    assert!(!backups.join(&udid).join("Manifest.db").exists());
}

#[test]
fn idevicebackup2_backs_up_over_wifi_when_usbmuxd_lists_the_network_device() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir.path().join("state"), None);
    config.wifi = keepsake_emulator::Wifi::Unadvertised;
    config.usbmuxd_lists_wifi = true;
    let phone = VirtualIphone::start(config).expect("emulator starts");
    let device = phone.devices()[0].clone();
    let udid = device.udid().to_owned();
    let wifi = device.wifi_address().expect("on Wi-Fi");
    assert_eq!(
        wifi.port(),
        62078,
        "lockdownd's own port, on the phone's address"
    );

    let (out, text) = run(&phone, "idevice_id", &["-n"]);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(&udid), "the network device is listed: {text}");
    // Pairing needs the cable (over Wi-Fi lockdownd refuses it: see tests/protocol.rs).
    let (out, text) = run(&phone, "idevicepair", &["-u", &udid, "pair"]);
    assert!(out.status.success(), "{text}");

    // libimobiledevice connects to the NetworkAddress itself: lockdownd on 62078, then each
    // service on the port StartService returned, all over TCP on the phone's address.
    let backups = dir.path().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    let (out, text) = run(
        &phone,
        "idevicebackup2",
        &["-n", "-u", &udid, "backup", backups.to_str().unwrap()],
    );
    assert!(
        out.status.success() && text.contains("Backup Successful."),
        "{text}"
    );
    assert_backup_matches(
        &backups.join(&udid),
        &device.backup().phone().unwrap(),
        None,
    );
}
