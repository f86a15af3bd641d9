//! The `keepsake-virtual-iphone` command: starts phones, prints the variable line clients need,
//! and serves them until it is stopped.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn binary_prints_the_usbmuxd_address_that_real_clients_use() {
    assert!(
        Command::new("sh")
            .args(["-c", "command -v idevice_id"])
            .output()
            .unwrap()
            .status
            .success(),
        "idevice_id (libimobiledevice-utils) is not installed: run scripts/setup.sh"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_keepsake-virtual-iphone"))
        .args(["--devices", "2", "--state-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a first line").unwrap();
    let address = first
        .strip_prefix("USBMUXD_SOCKET_ADDRESS=")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    // Then one comment line per phone, starting with its UDID.
    let udids: Vec<String> = lines
        .take(2)
        .map(|l| {
            l.unwrap()
                .trim_start_matches("# ")
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();

    let out = Command::new("idevice_id")
        .arg("-l")
        .env("USBMUXD_SOCKET_ADDRESS", address)
        .output()
        .unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    let mut listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    listed.sort();
    let mut expected = udids.clone();
    expected.sort();
    assert_eq!(listed, expected);
    // The state dir now holds both phones' keys, so a restart is the same phones.
    for udid in &udids {
        assert!(dir
            .path()
            .join("devices")
            .join(udid)
            .join("device_key.pem")
            .is_file());
    }
}
