//! Devices on the local network: iPhones with "Show this iPhone when on Wi-Fi" announce the
//! `_apple-mobdev2._tcp` service over mDNS, named `<Wi-Fi MAC>@<IPv6 link-local>`. The MAC is
//! how an announcement is matched to a device we have seen (and paired) before.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use mdns_sd::{ServiceDaemon, ServiceEvent};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::identity::DeviceIdentity;
use crate::usbmux::{Attachment, Link, Usbmuxd};

/// The mDNS service type a device advertises for Wi-Fi sync.
pub const SERVICE_TYPE: &str = "_apple-mobdev2._tcp.local.";

/// One device's announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WifiSighting {
    /// Lower-case `aa:bb:cc:dd:ee:ff`.
    pub mac: String,
    pub addresses: Vec<IpAddr>,
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WifiEvent {
    Seen(WifiSighting),
    Gone { mac: String },
}

/// The Wi-Fi MAC in an instance's full name (`aa:bb:cc:dd:ee:ff@fe80::1._apple-mobdev2._tcp.local.`),
/// or `None` for a name that does not carry one.
pub fn mac_from_instance(fullname: &str) -> Option<String> {
    let (mac, _) = fullname.split_once('@')?;
    let bytes: Vec<&str> = mac.split(':').collect();
    let valid = bytes.len() == 6
        && bytes
            .iter()
            .all(|b| b.len() == 2 && b.chars().all(|c| c.is_ascii_hexdigit()));
    valid.then(|| mac.to_ascii_lowercase())
}

/// Browses the network for devices until the receiver is dropped.
pub struct WifiBrowser {
    daemon: ServiceDaemon,
}

impl WifiBrowser {
    /// Starts browsing on every interface. Fails only if no multicast socket can be opened.
    pub fn start() -> Result<(Self, mpsc::Receiver<WifiEvent>), mdns_sd::Error> {
        let daemon = ServiceDaemon::new()?;
        let events = daemon.browse(SERVICE_TYPE)?;
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(async move {
            while let Ok(event) = events.recv_async().await {
                let out = match event {
                    ServiceEvent::ServiceResolved(info) => {
                        match mac_from_instance(&info.fullname) {
                            Some(mac) => WifiEvent::Seen(WifiSighting {
                                mac,
                                addresses: info.addresses.iter().map(|a| a.to_ip_addr()).collect(),
                                port: info.port,
                            }),
                            None => continue,
                        }
                    }
                    ServiceEvent::ServiceRemoved(_, fullname) => match mac_from_instance(&fullname)
                    {
                        Some(mac) => WifiEvent::Gone { mac },
                        None => continue,
                    },
                    _ => continue,
                };
                if tx.send(out).await.is_err() {
                    break;
                }
            }
        });
        Ok((WifiBrowser { daemon }, rx))
    }
}

/// The devices announcing themselves on the network within `wait` (one each, by MAC).
pub async fn browse_for(wait: Duration) -> Result<Vec<WifiSighting>, mdns_sd::Error> {
    let (browser, mut events) = WifiBrowser::start()?;
    let mut seen: BTreeMap<String, WifiSighting> = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
        match event {
            WifiEvent::Seen(s) => {
                seen.insert(s.mac.clone(), s);
            }
            WifiEvent::Gone { mac } => {
                seen.remove(&mac);
            }
        }
    }
    drop(browser);
    Ok(seen.into_values().collect())
}

/// Connects to the lockdownd a sighting announces (IPv4 addresses first, then IPv6) and asks
/// who the device is: its attachment for a direct (Wi-Fi) connection, and its identity.
pub async fn resolve(
    usbmuxd: &Usbmuxd,
    sighting: &WifiSighting,
) -> crate::Result<(Attachment, DeviceIdentity)> {
    let mut addresses = sighting.addresses.clone();
    addresses.sort_by_key(|a| a.is_ipv6());
    let mut last = None;
    for ip in addresses {
        let mut attachment = Attachment {
            udid: sighting.mac.clone(),
            mux_id: 0,
            link: Link::Direct(SocketAddr::new(ip, sighting.port)),
        };
        match usbmuxd.identity(&attachment).await {
            Ok(identity) => {
                attachment.udid = identity.udid.clone();
                return Ok((attachment, identity));
            }
            Err(e) => {
                tracing::debug!(%ip, error = %e, "device not reachable at this address");
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| crate::DeviceError::Malformed {
        device: sighting.mac.clone(),
        what: "its Wi-Fi announcement",
        detail: "no address to reach it at".into(),
    }))
}

impl Drop for WifiBrowser {
    fn drop(&mut self) {
        // The daemon thread would otherwise outlive us; its status reply is not needed.
        let _ = self.daemon.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mac_comes_from_the_instance_name() {
        assert_eq!(
            mac_from_instance(
                "AA:bb:cc:00:11:22@fe80::aabb:ccff:fe00:1122._apple-mobdev2._tcp.local."
            )
            .as_deref(),
            Some("aa:bb:cc:00:11:22")
        );
        assert_eq!(
            mac_from_instance("printer._apple-mobdev2._tcp.local."),
            None
        );
        assert_eq!(mac_from_instance("zz:bb:cc:00:11:22@x"), None);
        assert_eq!(mac_from_instance("aa:bb:cc:00:11@x"), None);
    }
}
