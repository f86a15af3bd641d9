//! Devices on the local network. An iPhone whose host turned on Wi-Fi connections ("Show this
//! iPhone when on Wi-Fi") announces `_apple-mobdev2._tcp` over mDNS, named `<MAC>@<IPv6
//! link-local>`. The MAC is no way to recognise it: with "Private Wi-Fi Address" (iOS 14 and
//! later, on by default) it is a random one per network. Current iOS adds TXT records, an
//! `identifier` and an auth tag per host ([`keepsake_devicelink::mobdev2`]), by which a host
//! tells an announcement that may be for it; then a lockdown session with each pair record
//! that may fit tells which phone it is, the phone proving it with its key
//! ([`crate::session`]). Nothing the announcement or a plaintext answer says is believed.

use crate::Step;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use keepsake_devicelink::mobdev2::{self, Announcement};
use mdns_sd::{ServiceDaemon, ServiceEvent};
use tokio::sync::mpsc;

use crate::error::DeviceError;
use crate::identity::DeviceIdentity;
use crate::usbmux::{Attachment, Link, Usbmuxd};

pub use keepsake_devicelink::mobdev2::SERVICE_TYPE;

/// The most pairings tried against one announcement: a host has a pairing per phone, not
/// hundreds, and an announcement that matches no tag is not tried at all.
const MAX_TRIES: usize = 16;
/// How long one phone may take to open a session before the next pairing is tried.
const SESSION_TIMEOUT: Duration = Duration::from_secs(10);

/// One device's announcement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WifiSighting {
    /// The instance name (`<MAC>@<address>`), which keys the announcement.
    pub instance: String,
    /// The MAC in the name, lower-case: the phone's own only when it does not use a private
    /// address, so a hint, never an identity.
    pub mac: Option<String>,
    pub addresses: Vec<IpAddr>,
    pub port: u16,
    /// Its TXT records: for which hosts it may be.
    pub announcement: Announcement,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WifiEvent {
    Seen(WifiSighting),
    Gone { instance: String },
}

/// The MAC in an instance's full name (`aa:bb:cc:dd:ee:ff@fe80::1._apple-mobdev2._tcp.local.`),
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

fn instance_of(fullname: &str) -> String {
    fullname
        .strip_suffix(SERVICE_TYPE)
        .map(|i| i.trim_end_matches('.'))
        .unwrap_or(fullname)
        .to_owned()
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
                        let records = info.txt_properties.iter().map(|p| (p.key(), p.val_str()));
                        WifiEvent::Seen(WifiSighting {
                            instance: instance_of(&info.fullname),
                            mac: mac_from_instance(&info.fullname),
                            addresses: info.addresses.iter().map(|a| a.to_ip_addr()).collect(),
                            port: info.port,
                            announcement: mobdev2::read_announcement(records),
                        })
                    }
                    ServiceEvent::ServiceRemoved(_, fullname) => WifiEvent::Gone {
                        instance: instance_of(&fullname),
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

/// The devices announcing themselves on the network within `wait` (one each, by instance).
pub async fn browse_for(wait: Duration) -> Result<Vec<WifiSighting>, mdns_sd::Error> {
    let (browser, mut events) = WifiBrowser::start()?;
    let mut seen: BTreeMap<String, WifiSighting> = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
        match event {
            WifiEvent::Seen(s) => {
                seen.insert(s.instance.clone(), s);
            }
            WifiEvent::Gone { instance } => {
                seen.remove(&instance);
            }
        }
    }
    drop(browser);
    Ok(seen.into_values().collect())
}

/// A phone this computer is paired with, to look for on the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub udid: String,
    /// Its Wi-Fi MAC when known: phones without a private address announce it, so the
    /// pairing whose MAC the name carries is tried first.
    pub mac: Option<String>,
}

/// Which of `candidates` the announcement is, proven: for each pairing the announcement may
/// be for (its tags say so, or it has none), a lockdown session at its address with the
/// phone's certificate and key checked ([`crate::session`]), then its identity read inside
/// that session. The attachment (a direct link) and identity of the first that opens.
///
/// An announcement none of them opens is `NotTheDevice` when something there failed to prove
/// it is one of them (an impostor), else `Malformed` (a phone paired with another computer).
pub async fn resolve(
    usbmuxd: &Usbmuxd,
    sighting: &WifiSighting,
    candidates: &[Candidate],
) -> crate::Result<(Attachment, DeviceIdentity)> {
    let mut tries = Vec::new();
    for c in candidates {
        let Some(record) = usbmuxd.pair_record(&c.udid).await? else {
            continue;
        };
        if !sighting.announcement.may_be_for(&record.0.host_id) {
            continue;
        }
        let hinted = sighting.mac.is_some()
            && [c.mac.as_deref(), Some(record.0.wifi_mac_address.as_str())]
                .into_iter()
                .flatten()
                .any(|m| Some(m.to_ascii_lowercase()) == sighting.mac);
        tries.push((!hinted, c.udid.clone(), record));
    }
    tries.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    tries.dedup_by(|a, b| a.1 == b.1);
    tries.truncate(MAX_TRIES);
    let mut addresses = sighting.addresses.clone();
    addresses.sort_by_key(|a| a.is_ipv6());
    let mut refused = None;
    for (_, udid, record) in tries {
        for ip in &addresses {
            let attachment = Attachment {
                udid: udid.clone(),
                mux_id: 0,
                link: Link::Direct(SocketAddr::new(*ip, sighting.port)),
            };
            let opened = tokio::time::timeout(SESSION_TIMEOUT, async {
                let mut lockdown = usbmuxd.session(&attachment, &record).await?;
                let values = lockdown.get_value(None, None).await.map_err(|source| {
                    DeviceError::Protocol {
                        device: udid.clone(),
                        what: Step::Request("GetValue"),
                        source,
                    }
                })?;
                match values {
                    plist::Value::Dictionary(d) => DeviceIdentity::from_lockdown_values(&udid, &d),
                    other => Err(DeviceError::Malformed {
                        device: udid.clone(),
                        what: Step::Request("GetValue"),
                        detail: format!(
                            "{} instead of a dictionary",
                            keepsake_devicelink::describe(&other)
                        ),
                    }),
                }
            })
            .await;
            match opened {
                Ok(Ok(identity)) => return Ok((attachment, identity)),
                Ok(Err(e @ DeviceError::NotTheDevice { .. })) => {
                    tracing::warn!(instance = sighting.instance, error = %e, "an announcement failed to prove it is a paired phone");
                    refused = Some(e);
                    break;
                }
                Ok(Err(DeviceError::Protocol {
                    source: idevice::IdeviceError::InvalidHostID,
                    ..
                })) => {
                    tracing::debug!(instance = sighting.instance, udid, "not this pairing");
                    break;
                }
                Ok(Err(e)) => {
                    tracing::debug!(%ip, udid, error = %e, "no session at this address");
                }
                Err(_) => tracing::debug!(%ip, udid, "no session within the time limit"),
            }
        }
    }
    Err(refused.unwrap_or_else(|| DeviceError::Malformed {
        device: sighting.instance.clone(),
        what: Step::WifiAnnouncement,
        detail: "it is no phone this computer is paired with".into(),
    }))
}

/// The lockdown domain of Wi-Fi connections and its key, what Finder's "Show this iPhone when
/// on Wi-Fi" sets. Each computer sets its own: the phone keeps it with the pairing.
const WIRELESS_LOCKDOWN: &str = "com.apple.mobile.wireless_lockdown";
const ENABLE_WIFI_CONNECTIONS: &str = "EnableWifiConnections";

/// Makes the phone announce itself on the network for this computer (`enabled`), or stop,
/// through a session with its pair record (pairing first is the caller's business). Returns
/// whether it changed anything; the value is read back, so `Ok` means the phone holds it.
pub async fn set_wifi_connections(
    usbmuxd: &Usbmuxd,
    device: &Attachment,
    enabled: bool,
) -> crate::Result<bool> {
    let Some(record) = usbmuxd.pair_record(&device.udid).await? else {
        return Err(DeviceError::Malformed {
            device: device.udid.clone(),
            what: Step::TurningOnWifi,
            detail: "this computer is not paired with it".into(),
        });
    };
    let failed = |source| DeviceError::Protocol {
        device: device.udid.clone(),
        what: Step::WifiSetting,
        source,
    };
    let work = async {
        let mut lockdown = usbmuxd.session(device, &record).await?;
        let read = |v: plist::Value| v.as_boolean().unwrap_or(false);
        let now = lockdown
            .get_value(Some(ENABLE_WIFI_CONNECTIONS), Some(WIRELESS_LOCKDOWN))
            .await
            .map(read)
            // a phone never set up for Wi-Fi may not have the value at all
            .unwrap_or(false);
        if now == enabled {
            return Ok(false);
        }
        lockdown
            .set_value(
                ENABLE_WIFI_CONNECTIONS,
                enabled.into(),
                Some(WIRELESS_LOCKDOWN),
            )
            .await
            .map_err(failed)?;
        let after = lockdown
            .get_value(Some(ENABLE_WIFI_CONNECTIONS), Some(WIRELESS_LOCKDOWN))
            .await
            .map(read)
            .map_err(failed)?;
        if after != enabled {
            return Err(DeviceError::Malformed {
                device: device.udid.clone(),
                what: Step::WifiSetting,
                detail: format!("it kept {after} when asked for {enabled}"),
            });
        }
        tracing::info!(
            device = device.udid,
            enabled,
            "Wi-Fi connections set on the phone"
        );
        Ok(true)
    };
    tokio::time::timeout(SESSION_TIMEOUT, work)
        .await
        .unwrap_or_else(|_| {
            Err(DeviceError::Timeout {
                device: device.udid.clone(),
                what: Step::WifiSetting,
                seconds: SESSION_TIMEOUT.as_secs(),
            })
        })
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
    fn the_mac_and_instance_come_from_the_full_name() {
        let full = "AA:bb:cc:00:11:22@fe80::aabb:ccff:fe00:1122._apple-mobdev2._tcp.local.";
        assert_eq!(
            mac_from_instance(full).as_deref(),
            Some("aa:bb:cc:00:11:22")
        );
        assert_eq!(
            instance_of(full),
            "AA:bb:cc:00:11:22@fe80::aabb:ccff:fe00:1122"
        );
        assert_eq!(
            mac_from_instance("printer._apple-mobdev2._tcp.local."),
            None
        );
        assert_eq!(mac_from_instance("zz:bb:cc:00:11:22@x"), None);
        assert_eq!(mac_from_instance("aa:bb:cc:00:11@x"), None);
    }
}
