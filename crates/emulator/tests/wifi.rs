//! The virtual iPhone on Wi-Fi: announced over mDNS as `_apple-mobdev2._tcp` the way a current
//! iPhone is — only once a host it is paired with has turned Wi-Fi connections on, under a
//! private MAC, with `identifier` and an `authTag` per such host — and browsed here by an mdns-sd
//! browser in the same process. The advert carries the loopback address, which mdns-sd announces
//! only on the loopback interface (enabled by default), so this passes on a machine with no
//! multicast network at all and fails, never skips, where loopback multicast does not work. The
//! lockdownd behind the advert is tested in `protocol.rs`, the host's discovery in the core crate.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use keepsake_devicelink::mobdev2;
use keepsake_emulator::lockdown::codec::HostPairRecord;
use keepsake_emulator::{wifi, Config, VirtualDevice, VirtualIphone, Wifi};
use mdns_sd::{ServiceDaemon, ServiceEvent};

const HOST: &str = "5A1B2C3D-0000-4000-8000-00000000CAFE";

fn trust(device: &VirtualDevice, host_id: &str) {
    device
        .add_pairing(HostPairRecord {
            host_id: host_id.into(),
            system_buid: "BUID".into(),
            device_certificate: Vec::new(),
            host_certificate: Vec::new(),
            root_certificate: Vec::new(),
        })
        .unwrap();
}

/// One announcement as a browser resolves it.
#[derive(Debug, Clone)]
struct Seen {
    instance: String,
    address: std::net::SocketAddr,
    txt: HashMap<String, String>,
}

/// The announcements of `instances` seen within `wait` (resolved ones, by instance name).
fn browse(events: &mdns_sd::Receiver<ServiceEvent>, wait: Duration) -> HashMap<String, Seen> {
    let mut seen = HashMap::new();
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(event) = events.recv_timeout(left) else {
            return seen;
        };
        match event {
            ServiceEvent::ServiceResolved(info) => {
                let instance = info
                    .fullname
                    .strip_suffix(&format!(".{}", wifi::SERVICE_TYPE))
                    .unwrap()
                    .to_owned();
                let txt: HashMap<String, String> = info
                    .txt_properties
                    .iter()
                    .map(|p| (p.key().to_owned(), p.val_str().to_owned()))
                    .collect();
                for a in info.addresses.iter().map(|a| a.to_ip_addr()) {
                    seen.insert(
                        instance.clone(),
                        Seen {
                            instance: instance.clone(),
                            address: std::net::SocketAddr::new(a, info.port),
                            txt: txt.clone(),
                        },
                    );
                }
            }
            ServiceEvent::ServiceRemoved(_, fullname) => {
                let instance = fullname.trim_end_matches(&format!(".{}", wifi::SERVICE_TYPE));
                seen.remove(instance);
            }
            _ => {}
        }
    }
}

#[test]
fn a_phone_announces_itself_once_a_host_turns_wifi_on_under_a_private_mac_with_its_tag() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path(), 2).with_unique_identities();
    config.wifi = Wifi::Advertised;
    // the second is an older phone: its real MAC on the network, no TXT records
    config.devices[1].private_wifi_address = false;
    config.devices[1].auth_tags = false;
    let phone = VirtualIphone::start(config).unwrap();
    let [modern, older] = [phone.devices()[0].clone(), phone.devices()[1].clone()];

    let browser = ServiceDaemon::new().unwrap();
    let events = browser.browse(wifi::SERVICE_TYPE).unwrap();
    let ours = |seen: &HashMap<String, Seen>| {
        seen.values()
            .filter(|s| [modern.wifi_address(), older.wifi_address()].contains(&Some(s.address)))
            .cloned()
            .collect::<Vec<_>>()
    };
    // Paired, but nobody turned Wi-Fi connections on: silence.
    trust(&modern, HOST);
    trust(&older, HOST);
    let before = browse(&events, Duration::from_secs(3));
    assert!(ours(&before).is_empty(), "announced too early: {before:?}");

    modern.set_wifi_connections(HOST, true).unwrap();
    older.set_wifi_connections(HOST, true).unwrap();
    let seen = browse(&events, Duration::from_secs(5));
    let seen = ours(&seen);
    assert_eq!(
        seen.len(),
        2,
        "both announced: {seen:?}; interfaces: {}",
        interfaces()
    );

    let m = seen
        .iter()
        .find(|s| Some(s.address) == modern.wifi_address())
        .unwrap();
    let (mac, rest) = m.instance.split_once('@').unwrap();
    assert_eq!(mac, modern.network_mac());
    assert_ne!(mac, modern.profile.wifi_address, "a private address");
    let first = u8::from_str_radix(&mac[..2], 16).unwrap();
    assert_eq!(first & 0x03, 0x02, "locally administered, unicast: {mac}");
    assert!(rest.starts_with("fe80::"), "{rest}");
    let records = m.txt.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let announcement = mobdev2::read_announcement(records);
    assert_eq!(
        announcement.identifier.as_deref(),
        Some(modern.network_identifier())
    );
    assert!(announcement.may_be_for(HOST), "{:?}", m.txt);
    assert!(!announcement.may_be_for("another computer"));

    let o = seen
        .iter()
        .find(|s| Some(s.address) == older.wifi_address())
        .unwrap();
    assert_eq!(
        o.instance,
        wifi::instance_name(&older.profile.wifi_address),
        "the real MAC"
    );
    assert!(o.txt.is_empty(), "{:?}", o.txt);

    // Turned off again: the announcement is withdrawn.
    modern.set_wifi_connections(HOST, false).unwrap();
    let after = browse(&events, Duration::from_secs(3));
    assert!(
        ours(&after)
            .iter()
            .all(|s| Some(s.address) != modern.wifi_address()),
        "{after:?}"
    );
    let _ = browser.shutdown();
    phone.stop();
}

/// What the machine offers, for the failure message.
fn interfaces() -> String {
    std::fs::read_to_string("/proc/net/dev").unwrap_or_default()
}
