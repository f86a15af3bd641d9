//! Wi-Fi: each virtual device's lockdownd also answers plain TCP on port 62078 of a loopback
//! address of its own (its address on the "network"), services started there get real TCP ports
//! on that address, and each device announces itself over mDNS as `_apple-mobdev2._tcp` once a
//! host has turned its Wi-Fi connections on, named `<MAC>@<IPv6 link-local>` as iPhones name
//! themselves (the MAC a private one by default), with the TXT records of current iOS.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keepsake_devicelink::mobdev2;
use mdns_sd::{ServiceDaemon, ServiceInfo};

use crate::device::VirtualDevice;
use crate::error::{Error, Result};
use crate::lockdown;
use crate::lockdown::codec::LOCKDOWN_PORT;
use crate::lockdown::server::Link;
use crate::services::PendingService;

pub use keepsake_devicelink::mobdev2::SERVICE_TYPE;

/// A service port opened over Wi-Fi waits this long for the host's connection, then closes.
const SERVICE_PORT_WAIT: Duration = Duration::from_secs(60);

/// Whether the virtual devices are on the (loopback) network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wifi {
    /// USB only.
    #[default]
    Off,
    /// lockdownd on TCP, not advertised: for tests that connect to [`VirtualDevice::wifi_address`]
    /// directly, without touching multicast.
    Unadvertised,
    /// lockdownd on TCP, and announced over mDNS while a paired host has turned Wi-Fi
    /// connections on.
    Advertised,
}

/// Where a device is reached over Wi-Fi: lockdownd on port 62078 of a loopback address of its
/// own, as each phone has its own address on a network. The address is
/// `127.<pid>.<pid>.<device id>` so that emulators running side by side do not collide; where
/// that cannot be bound (macOS only routes 127.0.0.1), any free port of 127.0.0.1.
pub(crate) fn listen(device: Arc<VirtualDevice>) -> Result<SocketAddr> {
    let pid = std::process::id();
    let own = Ipv4Addr::new(127, (pid >> 8) as u8, pid as u8, device.device_id as u8);
    let std_listener = std::net::TcpListener::bind((own, LOCKDOWN_PORT))
        .or_else(|_| std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))?;
    std_listener.set_nonblocking(true)?;
    let address = std_listener.local_addr()?;
    let listener = tokio::net::TcpListener::from_std(std_listener)?;
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, peer)) => {
                    tracing::debug!(udid = device.udid(), %peer, "lockdown connection over Wi-Fi");
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(lockdown::server::serve(
                        device.clone(),
                        Box::new(stream),
                        Link::Wifi,
                    ));
                }
                Err(e) => tracing::warn!(error = %e, "Wi-Fi lockdown accept failed"),
            }
        }
    });
    Ok(address)
}

/// A service StartService started in a Wi-Fi session: a TCP port on the device's address that
/// takes one connection, as real devices open one port per StartService.
pub(crate) fn open_service_port(
    device: &Arc<VirtualDevice>,
    pending: PendingService,
) -> std::io::Result<u16> {
    let ip = device
        .wifi_address()
        .map_or(IpAddr::from([127, 0, 0, 1]), |a| a.ip());
    let std_listener = std::net::TcpListener::bind((ip, 0))?;
    std_listener.set_nonblocking(true)?;
    let port = std_listener.local_addr()?.port();
    let listener = tokio::net::TcpListener::from_std(std_listener)?;
    let device = device.clone();
    tokio::spawn(async move {
        match tokio::time::timeout(SERVICE_PORT_WAIT, listener.accept()).await {
            Ok(Ok((stream, _))) => {
                let _ = stream.set_nodelay(true);
                pending.serve(device, Box::new(stream)).await;
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "Wi-Fi service accept failed"),
            Err(_) => tracing::info!(
                service = pending.service.name(),
                "nobody connected to the service port; closed"
            ),
        }
    });
    Ok(port)
}

/// The mDNS instance name: `<mac>@<IPv6 link-local>`, the link-local address formed from the MAC
/// (EUI-64) as on the phone's Wi-Fi interface. Hosts match the MAC to the pair record.
pub fn instance_name(mac: &str) -> String {
    format!("{mac}@{}", link_local(mac))
}

fn link_local(mac: &str) -> Ipv6Addr {
    let b: Vec<u8> = mac
        .split(':')
        .filter_map(|x| u8::from_str_radix(x, 16).ok())
        .collect();
    let b: [u8; 6] = b.try_into().unwrap_or_default();
    Ipv6Addr::from([
        0xfe,
        0x80,
        0,
        0,
        0,
        0,
        0,
        0,
        b[0] ^ 0x02,
        b[1],
        b[2],
        0xff,
        0xfe,
        b[3],
        b[4],
        b[5],
    ])
}

/// `Alice’s iPhone 14 Pro` → `Alices-iPhone-14-Pro.local.`, as iOS derives its Bonjour host name.
fn host_name(device_name: &str) -> String {
    let mut out = String::new();
    for c in device_name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c.is_whitespace() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-');
    format!("{}.local.", if out.is_empty() { "iPhone" } else { out })
}

/// The mDNS responder: each device on Wi-Fi announces itself while some host it is paired with
/// has turned Wi-Fi connections on (and withdraws when none has), as iPhones do, under its
/// network MAC, with an auth tag per such host.
pub(crate) struct Advertiser {
    daemon: ServiceDaemon,
    /// Each device's announcement now (its full name), by UDID.
    announced: Arc<Mutex<BTreeMap<String, String>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

fn mdns(e: mdns_sd::Error) -> Error {
    Error::Io(std::io::Error::other(format!("mDNS: {e}")))
}

impl Advertiser {
    pub(crate) fn start(devices: &[Arc<VirtualDevice>]) -> Result<Self> {
        let daemon = ServiceDaemon::new().map_err(mdns)?;
        let announced = Arc::new(Mutex::new(BTreeMap::new()));
        let mut tasks = Vec::new();
        for d in devices {
            let Some(address) = d.wifi_address() else {
                continue;
            };
            let (d, daemon, announced) = (d.clone(), daemon.clone(), announced.clone());
            tasks.push(tokio::spawn(async move {
                let mut changes = d.announcement_changes();
                let mut current: Option<(String, Vec<(String, String)>)> = None;
                loop {
                    let wanted = announcement(&d);
                    if wanted != current {
                        if let Some((name, _)) = current.take() {
                            withdraw(&daemon, &name);
                            lock(&announced).remove(d.udid());
                        }
                        if let Some((instance, txt)) = &wanted {
                            match announce(&daemon, &d, address, instance, txt) {
                                Ok(name) => {
                                    lock(&announced).insert(d.udid().to_owned(), name);
                                }
                                Err(e) => tracing::warn!(error = %e, "mDNS announcement failed"),
                            }
                        }
                        current = wanted;
                    }
                    if changes.changed().await.is_err() {
                        return;
                    }
                }
            }));
        }
        Ok(Advertiser {
            daemon,
            announced,
            tasks,
        })
    }

    /// Says goodbye on the network (the adverts are withdrawn), then stops the responder.
    pub(crate) fn stop(&self) {
        for task in &self.tasks {
            task.abort();
        }
        for name in std::mem::take(&mut *lock(&self.announced)).into_values() {
            withdraw(&self.daemon, &name);
        }
        if let Ok(done) = self.daemon.shutdown() {
            let _ = done.recv_timeout(Duration::from_secs(1));
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the device announces now: its instance name and TXT records, or nothing when no host
/// turned Wi-Fi connections on.
fn announcement(d: &VirtualDevice) -> Option<(String, Vec<(String, String)>)> {
    let hosts = d.wifi_hosts();
    if hosts.is_empty() {
        return None;
    }
    let mut txt = Vec::new();
    if d.profile.auth_tags {
        let identifier = d.network_identifier();
        txt.push(("identifier".to_owned(), identifier.to_owned()));
        for (n, host) in hosts.iter().enumerate() {
            txt.push((
                mobdev2::tag_key(n),
                mobdev2::encode_tag(&mobdev2::auth_tag(host, identifier)),
            ));
        }
    }
    Some((instance_name(d.network_mac()), txt))
}

fn announce(
    daemon: &ServiceDaemon,
    d: &VirtualDevice,
    address: SocketAddr,
    instance: &str,
    txt: &[(String, String)],
) -> Result<String> {
    let properties: HashMap<String, String> = txt.iter().cloned().collect();
    let info = ServiceInfo::new(
        SERVICE_TYPE,
        instance,
        &host_name(&d.profile.name),
        address.ip(),
        address.port(),
        properties,
    )
    .map_err(mdns)?;
    let name = info.get_fullname().to_owned();
    daemon.register(info).map_err(mdns)?;
    tracing::info!(udid = d.udid(), %address, instance, "announced on Wi-Fi");
    Ok(name)
}

fn withdraw(daemon: &ServiceDaemon, name: &str) {
    if let Ok(done) = daemon.unregister(name) {
        let _ = done.recv_timeout(Duration::from_secs(1));
    }
    tracing::info!(name, "announcement withdrawn");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_names_carry_the_mac_and_its_link_local_address() {
        assert_eq!(
            instance_name("a4:01:02:03:04:05"),
            "a4:01:02:03:04:05@fe80::a601:2ff:fe03:405"
        );
    }

    #[test]
    fn host_names_are_the_device_name_in_dns_letters() {
        assert_eq!(
            host_name("Alice’s iPhone 14 Pro"),
            "Alices-iPhone-14-Pro.local."
        );
        assert_eq!(host_name("’’"), "iPhone.local.");
    }
}
