//! Debian's libimobiledevice tools (1.3.0) against the virtual iPhone, through its usbmuxd socket.
//! A missing tool fails the test: run `scripts/setup.sh`.

use std::path::Path;
use std::process::{Command, Output};

use keepsake_emulator::{Config, TrustPrompt, VirtualIphone};
use plist::Value;

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

/// Runs a tool pointed at the emulator; `USBMUXD_SOCKET_ADDRESS` is the only link between them.
fn run(phone_address: &str, name: &str, args: &[&str]) -> Output {
    let out = tool(name)
        .args(args)
        .env("USBMUXD_SOCKET_ADDRESS", phone_address)
        .output()
        .expect("tool runs");
    eprintln!(
        "$ {name} {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn all_output(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn start(dir: &Path, count: usize) -> VirtualIphone {
    VirtualIphone::start(Config::new(dir, count)).expect("emulator starts")
}

/// `ideviceinfo -x` prints the values as an XML plist.
fn info_value(phone: &VirtualIphone, args: &[&str]) -> Value {
    let out = run(&phone.usbmuxd_socket_address(), "ideviceinfo", args);
    assert!(
        out.status.success(),
        "ideviceinfo {args:?} failed: {}",
        all_output(&out)
    );
    Value::from_reader_xml(out.stdout.as_slice()).expect("ideviceinfo -x prints a plist")
}

fn info_plist(phone: &VirtualIphone, args: &[&str]) -> plist::Dictionary {
    info_value(phone, args)
        .into_dictionary()
        .expect("a dictionary")
}

#[test]
fn idevice_id_lists_every_virtual_device() {
    let dir = tempfile::tempdir().unwrap();
    let phone = start(dir.path(), 3);
    let out = run(&phone.usbmuxd_socket_address(), "idevice_id", &["-l"]);
    assert!(out.status.success());
    let mut listed: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    let mut expected: Vec<String> = phone
        .devices()
        .iter()
        .map(|d| d.udid().to_owned())
        .collect();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);
}

#[test]
fn detached_device_disappears_from_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let phone = start(dir.path(), 2);
    let gone = phone.devices()[0].udid().to_owned();
    phone.detach(&gone).unwrap();
    let out = run(&phone.usbmuxd_socket_address(), "idevice_id", &["-l"]);
    assert_eq!(stdout(&out).trim(), phone.devices()[1].udid());
}

#[test]
fn ideviceinfo_reads_identity_without_pairing() {
    let dir = tempfile::tempdir().unwrap();
    let phone = start(dir.path(), 2);
    let device = phone.devices()[1].clone();
    let values = info_plist(&phone, &["-s", "-x", "-u", device.udid()]);
    let text = |k: &str| {
        values
            .get(k)
            .and_then(Value::as_string)
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(text("UniqueDeviceID"), device.udid());
    assert_eq!(text("ProductType"), device.profile.product_type);
    assert_eq!(text("ProductVersion"), device.profile.product_version);
    assert_eq!(text("SerialNumber"), device.profile.serial_number);
    assert_eq!(text("DeviceName"), device.profile.name);
    let key = values
        .get("DevicePublicKey")
        .and_then(Value::as_data)
        .expect("DevicePublicKey is data");
    assert!(
        key.starts_with(b"-----BEGIN RSA PUBLIC KEY-----"),
        "PKCS#1 PEM expected"
    );
    // Private values need a paired TLS session.
    assert!(!values.contains_key("InternationalMobileEquipmentIdentity"));
    assert!(
        device.paired_hosts().is_empty(),
        "reading public values must not pair"
    );
}

#[test]
fn idevicepair_pairs_and_validates_then_values_are_read_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let phone = start(dir.path(), 1);
    let addr = phone.usbmuxd_socket_address();
    let device = phone.devices()[0].clone();
    let udid = device.udid().to_owned();

    let out = run(&addr, "idevicepair", &["-u", &udid, "pair"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains(&format!("SUCCESS: Paired with device {udid}")));
    assert_eq!(device.paired_hosts().len(), 1);
    // usbmuxd kept the host's full record, private keys and escrow bag included.
    let record = std::fs::read(dir.path().join(format!("usbmuxd/lockdown/{udid}.plist"))).unwrap();
    let record = Value::from_reader(std::io::Cursor::new(record))
        .unwrap()
        .into_dictionary()
        .unwrap();
    for key in [
        "HostID",
        "SystemBUID",
        "HostPrivateKey",
        "RootPrivateKey",
        "DeviceCertificate",
        "EscrowBag",
    ] {
        assert!(record.contains_key(key), "pair record lacks {key}");
    }

    let out = run(&addr, "idevicepair", &["-u", &udid, "validate"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains(&format!("SUCCESS: Validated pairing with device {udid}")));

    // Without -s ideviceinfo starts a TLS session: session-only values prove it worked.
    let values = info_plist(&phone, &["-x", "-u", &udid]);
    assert_eq!(
        values
            .get("InternationalMobileEquipmentIdentity")
            .and_then(Value::as_string),
        Some(device.profile.imei.as_str())
    );

    let backup = info_plist(
        &phone,
        &["-x", "-u", &udid, "-q", "com.apple.mobile.backup"],
    );
    assert_eq!(
        backup.get("WillEncrypt").and_then(Value::as_boolean),
        Some(false)
    );
    let out = run(
        &addr,
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
    assert_eq!(stdout(&out).trim(), "false");
}

#[test]
fn refused_trust_dialog_fails_pairing_with_the_real_message() {
    let dir = tempfile::tempdir().unwrap();
    let phone = start(dir.path(), 1);
    let addr = phone.usbmuxd_socket_address();
    let udid = phone.devices()[0].udid().to_owned();

    phone.set_trust_prompt(&udid, TrustPrompt::Refuse).unwrap();
    let out = run(&addr, "idevicepair", &["-u", &udid, "pair"]);
    assert!(!out.status.success());
    assert!(
        all_output(&out).contains("said that the user denied the trust dialog"),
        "{}",
        all_output(&out)
    );

    phone.set_trust_prompt(&udid, TrustPrompt::Wait).unwrap();
    let out = run(&addr, "idevicepair", &["-u", &udid, "pair"]);
    assert!(!out.status.success());
    assert!(
        all_output(&out).contains("Please accept the trust dialog on the screen of device"),
        "{}",
        all_output(&out)
    );
    let out = run(&addr, "ideviceinfo", &["-u", &udid, "-k", "DeviceName"]);
    assert!(
        all_output(&out).contains("Pairing dialog response pending"),
        "{}",
        all_output(&out)
    );
    assert!(phone.devices()[0].paired_hosts().is_empty());

    // The user finally taps Trust.
    phone.set_trust_prompt(&udid, TrustPrompt::Accept).unwrap();
    let out = run(&addr, "idevicepair", &["-u", &udid, "pair"]);
    assert!(out.status.success(), "{}", all_output(&out));
}

#[test]
fn validate_of_an_unpaired_host_pairs_only_if_the_user_trusts_it() {
    // libimobiledevice's handshake pairs on the fly when it has no record, so validate on an
    // unpaired phone shows the trust dialog like pair does.
    let dir = tempfile::tempdir().unwrap();
    let phone = start(dir.path(), 1);
    let udid = phone.devices()[0].udid().to_owned();
    phone.set_trust_prompt(&udid, TrustPrompt::Refuse).unwrap();
    let out = run(
        &phone.usbmuxd_socket_address(),
        "idevicepair",
        &["-u", &udid, "validate"],
    );
    assert!(!out.status.success());
    assert!(all_output(&out).contains("denied"), "{}", all_output(&out));
    assert!(phone.devices()[0].paired_hosts().is_empty());
}

#[test]
fn unix_socket_serves_the_same_devices() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("state"), 1);
    let sock = dir.path().join("usbmuxd.sock");
    config.unix_socket = Some(sock.clone());
    let phone = VirtualIphone::start(config).unwrap();
    let out = run(&format!("UNIX:{}", sock.display()), "idevice_id", &["-l"]);
    assert_eq!(stdout(&out).trim(), phone.devices()[0].udid());
}

#[test]
fn restarted_phone_keeps_its_key_and_its_pairing() {
    let dir = tempfile::tempdir().unwrap();
    let phone = start(dir.path(), 1);
    let udid = phone.devices()[0].udid().to_owned();
    let out = run(
        &phone.usbmuxd_socket_address(),
        "idevicepair",
        &["-u", &udid, "pair"],
    );
    assert!(out.status.success());
    let key_before = info_value(&phone, &["-s", "-x", "-k", "DevicePublicKey"]);
    assert!(key_before.as_data().is_some());
    phone.stop();

    let phone = start(dir.path(), 1);
    assert_eq!(phone.devices()[0].paired_hosts().len(), 1);
    let key_after = info_value(&phone, &["-s", "-x", "-k", "DevicePublicKey"]);
    assert_eq!(key_before, key_after);
    // A TLS session with the old pair record, without pairing again.
    phone.set_trust_prompt(&udid, TrustPrompt::Refuse).unwrap();
    let out = run(
        &phone.usbmuxd_socket_address(),
        "ideviceinfo",
        &["-u", &udid, "-k", "InternationalMobileEquipmentIdentity"],
    );
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(stdout(&out).trim(), phone.devices()[0].profile.imei);
}

#[test]
fn ideviceinfo_session_works_over_tls_1_3_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path(), 1);
    config.devices[0].tls13 = true;
    let phone = VirtualIphone::start(config).unwrap();
    let device = phone.devices()[0].clone();
    let out = run(
        &phone.usbmuxd_socket_address(),
        "ideviceinfo",
        &["-k", "InternationalMobileEquipmentIdentity"],
    );
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(stdout(&out).trim(), device.profile.imei);
}

#[test]
fn idevicenotificationproxy_observer_gets_host_and_device_posts() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let phone = start(dir.path(), 1);
    let addr = phone.usbmuxd_socket_address();
    let device = phone.devices()[0].clone();
    let out = run(&addr, "idevicepair", &["pair"]);
    assert!(out.status.success());

    tool("idevicenotificationproxy");
    // Line-buffered: the tool prints relays with stdio, which a pipe would hold back until exit.
    let mut observer = tool("stdbuf")
        .args([
            "-oL",
            "idevicenotificationproxy",
            "observe",
            "com.example.one",
            "com.example.two",
        ])
        .env("USBMUXD_SOCKET_ADDRESS", &addr)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel();
    let stdout = observer.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines_tx.send(line);
        }
    });
    // Wait until the device holds both observations (a condition, bounded so a bug cannot hang).
    let mut waited = 0;
    while device.observer_count() < 2 {
        assert!(waited < 600, "idevicenotificationproxy never observed");
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += 1;
    }
    let out = run(
        &addr,
        "idevicenotificationproxy",
        &["post", "com.example.unobserved", "com.example.two"],
    );
    assert!(out.status.success());
    device.post_notification("com.example.one");

    let mut relayed = Vec::new();
    while relayed.len() < 2 {
        let line = lines
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("observer output");
        if let Some(name) = line.strip_prefix("> ") {
            relayed.push(name.to_owned());
        }
    }
    observer.kill().unwrap();
    let _ = observer.wait();
    // The host's post and the device's travel on different connections, so their order is not
    // fixed; the unobserved name, posted before both, would be among the first two if relayed.
    relayed.sort();
    assert_eq!(relayed, ["com.example.one", "com.example.two"]);
}

#[test]
fn idevicename_sets_the_name_that_ideviceinfo_reads() {
    let dir = tempfile::tempdir().unwrap();
    let phone = start(dir.path(), 1);
    let addr = phone.usbmuxd_socket_address();
    let out = run(&addr, "idevicename", &[]);
    assert_eq!(stdout(&out).trim(), phone.devices()[0].profile.name);
    let out = run(&addr, "idevicename", &["Kitchen iPhone"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let out = run(&addr, "ideviceinfo", &["-k", "DeviceName"]);
    assert_eq!(stdout(&out).trim(), "Kitchen iPhone");
    // The phone keeps its new name across a restart.
    phone.stop();
    let phone = start(dir.path(), 1);
    let out = run(
        &phone.usbmuxd_socket_address(),
        "ideviceinfo",
        &["-s", "-k", "DeviceName"],
    );
    assert_eq!(stdout(&out).trim(), "Kitchen iPhone");
}

#[test]
fn idevicebackup2_info_plist_lists_installed_apps_with_their_icons() {
    let dir = tempfile::tempdir().unwrap();
    let phone = start(&dir.path().join("state"), 1);
    let addr = phone.usbmuxd_socket_address();
    let device = phone.devices()[0].clone();
    let backup_dir = dir.path().join("backup");
    std::fs::create_dir_all(&backup_dir).unwrap();
    assert!(run(&addr, "idevicepair", &["pair"]).status.success());

    let out = run(
        &addr,
        "idevicebackup2",
        &["backup", "--full", backup_dir.to_str().unwrap()],
    );
    assert!(
        stdout(&out).contains("Backup Successful."),
        "{}",
        all_output(&out)
    );

    let info = std::fs::read(backup_dir.join(device.udid()).join("Info.plist")).unwrap();
    let info = Value::from_reader(std::io::Cursor::new(info))
        .unwrap()
        .into_dictionary()
        .unwrap();
    let expected: Vec<String> =
        keepsake_emulator::services::installation_proxy::installed_apps(&device)
            .into_iter()
            .map(|a| a.bundle_id)
            .collect();
    assert!(!expected.is_empty());
    let installed: Vec<String> = info
        .get("Installed Applications")
        .and_then(Value::as_array)
        .expect("Installed Applications")
        .iter()
        .filter_map(Value::as_string)
        .map(str::to_owned)
        .collect();
    assert_eq!(installed, expected);
    let apps = info
        .get("Applications")
        .and_then(Value::as_dictionary)
        .expect("Applications");
    for id in &expected {
        let app = apps
            .get(id)
            .and_then(Value::as_dictionary)
            .unwrap_or_else(|| panic!("{id} missing"));
        let icon = app
            .get("PlaceholderIcon")
            .and_then(Value::as_data)
            .expect("PlaceholderIcon");
        assert!(icon.starts_with(b"\x89PNG"), "{id}: icon is a PNG");
        assert!(app.get("iTunesMetadata").and_then(Value::as_data).is_some());
    }
}
