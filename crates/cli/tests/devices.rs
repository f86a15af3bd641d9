//! `keepsake devices` against the virtual iPhone's usbmuxd.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use keepsake_emulator::{Config, VirtualIphone};
use keepsake_testkit::Cli;

fn keepsake() -> Command {
    Cli::new(env!("CARGO_BIN_EXE_keepsake")).command::<&str>(&[])
}

#[test]
fn lists_the_virtual_devices_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path(), 2)).unwrap();
    // cable only: other tests' virtual iPhones may be announcing themselves on Wi-Fi
    let out = keepsake()
        .args(["devices", "--json", "--wifi", "0"])
        .env("USBMUXD_SOCKET_ADDRESS", phone.usbmuxd_socket_address())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let devices = v["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2, "{v:#}");
    for d in devices {
        let udid = d["udid"].as_str().unwrap();
        assert!(
            phone.device(udid).is_ok(),
            "{udid} is not one of the virtual devices"
        );
        assert_eq!(d["connections"], serde_json::json!(["usb"]));
        assert_eq!(d["state"], "not_trusted");
        assert!(d["advice"].as_str().unwrap().contains("tap Trust"));
    }
    assert!(v["usbmuxd_problem"].is_null());
    phone.stop();
}

#[test]
fn watch_prints_devices_as_they_come_and_go() {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path(), 1)).unwrap();
    let udid = phone.devices()[0].udid().to_owned();
    let mut child = keepsake()
        .args(["devices", "--watch", "--json"])
        .env("USBMUXD_SOCKET_ADDRESS", phone.usbmuxd_socket_address())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // only this test's phone: others may be announcing themselves on Wi-Fi meanwhile
    let mut next = || -> serde_json::Value {
        loop {
            let v: serde_json::Value =
                serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
            if v["device"]["udid"] == udid.as_str() {
                return v;
            }
        }
    };
    let first = next();
    assert_eq!(first["event"], "appeared", "{first}");
    assert_eq!(first["device"]["udid"], udid.as_str());
    phone.detach(&udid).unwrap();
    let gone = next();
    assert_eq!(gone["event"], "gone", "{gone}");
    assert_eq!(gone["device"]["udid"], udid.as_str());
    phone.attach(&udid).unwrap();
    assert_eq!(next()["event"], "appeared");
    child.kill().unwrap();
    child.wait().unwrap();
    phone.stop();
}

/// Wi-Fi as real phones do it: nothing on the network until `--wifi on` tells the phone over
/// the cable; then, off the cable, it is found by its pairing although it announces a private
/// MAC; `--wifi off` takes it off the network again.
#[test]
fn wifi_on_makes_a_paired_phone_findable_off_the_cable_despite_its_private_mac() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("phone"), 1).with_unique_identities();
    config.wifi = keepsake_emulator::Wifi::Advertised;
    let phone = VirtualIphone::start(config).unwrap();
    let device = phone.devices()[0].clone();
    let udid = device.udid().to_owned();
    let run = |args: &[&str]| {
        let out = keepsake()
            .args(args)
            .env("USBMUXD_SOCKET_ADDRESS", phone.usbmuxd_socket_address())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    run(&["pair"]);
    assert!(device.wifi_hosts().is_empty(), "paired, not on Wi-Fi yet");
    let said = run(&["settings", &udid, "--wifi", "on"]);
    assert!(said.contains("now shows itself on Wi-Fi"), "{said}");
    assert!(said.contains("Over Wi-Fi:         yes"), "{said}");
    assert_eq!(
        device.wifi_hosts().len(),
        1,
        "set on the phone over the cable"
    );
    assert_ne!(device.network_mac(), device.profile.wifi_address);

    phone.detach(&udid).unwrap();
    let listed = |out: &str| -> Option<serde_json::Value> {
        let v: serde_json::Value = serde_json::from_str(out).unwrap();
        v["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["udid"] == udid.as_str())
            .cloned()
    };
    let out = run(&["devices", "--json", "--wifi", "3"]);
    let d = listed(&out).unwrap_or_else(|| panic!("the phone on Wi-Fi is listed: {out}"));
    assert_eq!(d["connections"], serde_json::json!(["wifi"]));
    assert_eq!(d["state"], "wifi_only");
    assert_eq!(d["name"], device.profile.name.as_str());

    phone.attach(&udid).unwrap();
    let said = run(&["settings", &udid, "--wifi", "off"]);
    assert!(said.contains("no longer shows itself"), "{said}");
    assert!(device.wifi_hosts().is_empty());
    phone.detach(&udid).unwrap();
    let out = run(&["devices", "--json", "--wifi", "3"]);
    assert!(listed(&out).is_none(), "kept to the cable: {out}");
    // off the cable, turning it on is saved and left for the next backup by cable
    let said = run(&["settings", &udid, "--wifi", "on"]);
    assert!(said.contains("is not connected"), "{said}");
    assert!(said.contains("Over Wi-Fi:         yes"), "{said}");
    assert!(device.wifi_hosts().is_empty(), "nothing reached the phone");
    phone.stop();
}

#[test]
fn pair_makes_the_device_trust_this_computer_once() {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path().join("phone"), 1)).unwrap();
    let udid = phone.devices()[0].udid().to_owned();
    let run = || {
        keepsake()
            .args(["pair", "--json"])
            .env("USBMUXD_SOCKET_ADDRESS", phone.usbmuxd_socket_address())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .output()
            .unwrap()
    };
    let out = run();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["udid"], udid.as_str());
    assert_eq!(v["newly_paired"], true);
    let host_file = dir.path().join("config/keepsake/host.json");
    let host: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&host_file).unwrap()).unwrap();
    assert_eq!(
        phone.device(&udid).unwrap().paired_hosts(),
        vec![host["host_id"].as_str().unwrap().to_owned()]
    );

    let again: serde_json::Value = serde_json::from_slice(&run().stdout).unwrap();
    assert_eq!(again["newly_paired"], false);
    phone.stop();
}

#[test]
fn pair_says_when_the_trust_prompt_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("phone"), 1);
    config.trust_prompt = keepsake_emulator::TrustPrompt::Refuse;
    let phone = VirtualIphone::start(config).unwrap();
    let out = keepsake()
        .args(["pair"])
        .env("USBMUXD_SOCKET_ADDRESS", phone.usbmuxd_socket_address())
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refused to trust this computer"),
        "{out:?}"
    );
    phone.stop();
}
