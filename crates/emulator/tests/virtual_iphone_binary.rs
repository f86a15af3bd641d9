//! The `keepsake-virtual-iphone` command: starts phones, prints the variable line clients need,
//! and serves them until it is stopped.

use std::io::{BufRead, BufReader, Lines, Read, Write};
use std::process::{Child, ChildStdout, Command, Stdio};

/// Starts the binary with these flags and a state dir; its stdout, line by line.
fn start(flags: &[&str], state: &std::path::Path) -> (Child, Lines<BufReader<ChildStdout>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keepsake-virtual-iphone"))
        .args(flags)
        .arg("--state-dir")
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

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
    let (mut child, mut lines) = start(&["--devices", "2"], dir.path());
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

#[test]
fn binary_encrypts_on_first_start_and_prints_each_phones_wifi_lockdownd() {
    let dir = tempfile::tempdir().unwrap();
    let flags = ["--size", "1MiB", "--seed", "3", "--encrypted", "secret"];
    let (mut child, mut lines) = start(&[&flags[..], &["--passcode", "1"]].concat(), dir.path());
    lines.next().expect("the variable line").unwrap();
    let device = lines.next().expect("a device line").unwrap();
    let udid = device[2..].split_whitespace().next().unwrap().to_owned();
    let (_, wifi) = device
        .rsplit_once(" at ")
        .unwrap_or_else(|| panic!("no Wi-Fi address in {device:?}"));
    let wifi: std::net::SocketAddr = wifi.parse().unwrap();

    // lockdownd answers on that address, plain TCP, as it would on the phone's port 62078.
    let mut s = std::net::TcpStream::connect(wifi).unwrap();
    let body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><plist version=\"1.0\"><dict><key>Request</key><string>QueryType</string></dict></plist>";
    s.write_all(&(body.len() as u32).to_be_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut len = [0u8; 4];
    s.read_exact(&mut len).unwrap();
    let mut reply = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut reply).unwrap();
    assert!(String::from_utf8_lossy(&reply).contains("com.apple.mobile.lockdown"));

    child.kill().unwrap();
    let _ = child.wait();
    let encryption = dir
        .path()
        .join(format!("devices/{udid}/backup/encryption.plist"));
    assert!(
        encryption.is_file(),
        "--encrypted is remembered in the state dir"
    );
}
