//! The virtual iPhone on Wi-Fi: advertised over mDNS as `_apple-mobdev2._tcp`, the way a real
//! device is, and browsed here by an mdns-sd browser in the same process. The advert carries the
//! loopback address, which mdns-sd announces only on the loopback interface (enabled by default),
//! so this passes on a machine with no multicast network at all and fails, never skips, where
//! loopback multicast does not work. The lockdownd behind the advert is tested in `protocol.rs`.

use std::time::{Duration, Instant};

use keepsake_emulator::{wifi, Config, VirtualIphone, Wifi};
use mdns_sd::{ServiceDaemon, ServiceEvent};

#[test]
fn each_device_is_advertised_as_apple_mobdev2_named_by_its_wifi_mac() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path(), 2).with_unique_identities();
    config.wifi = Wifi::Advertised;
    let phone = VirtualIphone::start(config).unwrap();
    let mut expected: Vec<(String, std::net::SocketAddr)> = phone
        .devices()
        .iter()
        .map(|d| {
            (
                wifi::instance_name(&d.profile.wifi_address),
                d.wifi_address().expect("on Wi-Fi"),
            )
        })
        .collect();
    expected.sort();

    let browser = ServiceDaemon::new().unwrap();
    let events = browser.browse(wifi::SERVICE_TYPE).unwrap();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.len() < expected.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(event) = events.recv_timeout(left) else {
            break;
        };
        if let ServiceEvent::ServiceResolved(info) = event {
            let instance = info
                .fullname
                .strip_suffix(&format!(".{}", wifi::SERVICE_TYPE))
                .unwrap()
                .to_owned();
            for a in info.addresses.iter().map(|a| a.to_ip_addr()) {
                let entry = (instance.clone(), std::net::SocketAddr::new(a, info.port));
                if expected.contains(&entry) && !seen.contains(&entry) {
                    seen.push(entry);
                }
            }
        }
    }
    seen.sort();
    let _ = browser.shutdown();
    assert_eq!(
        seen,
        expected,
        "every device resolved to its lockdownd address; interfaces: {:?}",
        interfaces()
    );
    let (mac, rest) = seen[0].0.split_once('@').unwrap();
    assert_eq!(mac, phone.devices()[0].profile.wifi_address.to_lowercase());
    assert!(rest.starts_with("fe80::"), "{rest}");
    phone.stop();
}

/// What the machine offers, for the failure message.
fn interfaces() -> String {
    std::fs::read_to_string("/proc/net/dev").unwrap_or_default()
}
