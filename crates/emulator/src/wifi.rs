//! Wi-Fi: each virtual device's lockdownd also answers plain TCP on port 62078 of a loopback
//! address of its own (its address on the "network"), services started there get real TCP ports
//! on that address, and the devices are advertised over mDNS as `_apple-mobdev2._tcp`, named
//! `<Wi-Fi MAC>@<IPv6 link-local>` as iPhones name themselves.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use mdns_sd::{ServiceDaemon, ServiceInfo};

use crate::device::VirtualDevice;
use crate::error::{Error, Result};
use crate::lockdown;
use crate::lockdown::codec::LOCKDOWN_PORT;
use crate::lockdown::server::Link;
use crate::services::PendingService;

/// The mDNS service type iPhones advertise for Wi-Fi sync.
pub const SERVICE_TYPE: &str = "_apple-mobdev2._tcp.local.";

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
    /// lockdownd on TCP and advertised over mDNS.
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

/// The mDNS responder announcing every device on Wi-Fi until stopped.
pub(crate) struct Advertiser {
    daemon: ServiceDaemon,
    names: Vec<String>,
}

impl Advertiser {
    pub(crate) fn start(devices: &[Arc<VirtualDevice>]) -> Result<Self> {
        let mdns = |e: mdns_sd::Error| Error::Io(std::io::Error::other(format!("mDNS: {e}")));
        let daemon = ServiceDaemon::new().map_err(mdns)?;
        let mut names = Vec::new();
        for d in devices {
            let Some(address) = d.wifi_address() else {
                continue;
            };
            let info = ServiceInfo::new(
                SERVICE_TYPE,
                &instance_name(&d.profile.wifi_address),
                &host_name(&d.profile.name),
                address.ip(),
                address.port(),
                HashMap::<String, String>::new(),
            )
            .map_err(mdns)?;
            names.push(info.get_fullname().to_owned());
            daemon.register(info).map_err(mdns)?;
            tracing::info!(udid = d.udid(), %address, "advertised over mDNS");
        }
        Ok(Advertiser { daemon, names })
    }

    /// Says goodbye on the network (the adverts are withdrawn), then stops the responder.
    pub(crate) fn stop(&self) {
        for name in &self.names {
            if let Ok(done) = self.daemon.unregister(name) {
                let _ = done.recv_timeout(Duration::from_secs(1));
            }
        }
        if let Ok(done) = self.daemon.shutdown() {
            let _ = done.recv_timeout(Duration::from_secs(1));
        }
    }
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
