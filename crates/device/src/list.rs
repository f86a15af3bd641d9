//! One list of devices out of everything that sees them: usbmuxd (USB or network), the USB bus,
//! and Wi-Fi announcements. Pure bookkeeping, fed by events, so it is tested without devices.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::error::Result;
use crate::identity::DeviceIdentity;
use crate::usb::UsbSighting;
use crate::usbmux::{Attachment, Link, MuxEvent, Usbmuxd};
use crate::wifi::{WifiEvent, WifiSighting};

/// What the person can do with a device right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum DeviceState {
    /// Reachable and this computer is trusted.
    Ready,
    /// Reachable, but the computer is not trusted yet: unlock the device and tap Trust.
    NotTrusted,
    /// usbmuxd lists it but it did not answer; the detail says what happened.
    NotResponding(String),
    /// On the USB bus, but usbmuxd does not list it (not running, or not allowed to use it).
    NoUsbmuxd,
    /// Known from before and announced on Wi-Fi, not reachable through usbmuxd.
    WifiOnly,
}

/// A device as the device list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeenDevice {
    pub udid: String,
    pub identity: Option<DeviceIdentity>,
    pub usb: bool,
    pub wifi: bool,
    pub paired: bool,
    pub state: DeviceState,
}

/// The bookkeeping behind the device list.
#[derive(Debug, Default, Clone)]
pub struct DeviceList {
    attachments: BTreeMap<u32, Attachment>,
    /// Identities are kept after a device leaves, to recognise it on Wi-Fi later.
    identities: BTreeMap<String, DeviceIdentity>,
    unresponsive: BTreeMap<String, String>,
    paired: BTreeSet<String>,
    /// Announcements on the network now, by instance name.
    wifi: BTreeMap<String, WifiSighting>,
    /// Which phone each announcement proved to be (see [`crate::wifi::resolve`]).
    wifi_udids: BTreeMap<String, String>,
    usb_bus: Vec<UsbSighting>,
}

impl DeviceList {
    /// Everything usbmuxd knows now: attachments, each device's identity and pair record.
    pub async fn scan(usbmuxd: &Usbmuxd) -> Result<DeviceList> {
        let mut list = DeviceList::default();
        for a in usbmuxd.devices().await? {
            list.apply(&MuxEvent::Attached(a));
        }
        list.refresh(usbmuxd).await?;
        Ok(list)
    }

    /// Reads identity and trust for attached devices not asked yet. Unreachable usbmuxd is an
    /// error; a device that does not answer is marked as such and the others still work.
    pub async fn refresh(&mut self, usbmuxd: &Usbmuxd) -> Result<()> {
        let mut asked = BTreeSet::new();
        let mut attachments: Vec<Attachment> = self.attachments.values().cloned().collect();
        // USB first: faster and it does not depend on the network
        attachments.sort_by_key(|a| a.link != Link::Usb);
        for a in attachments {
            if !asked.insert(a.udid.clone()) || self.identities.contains_key(&a.udid) {
                continue;
            }
            match usbmuxd.identity(&a).await {
                Ok(id) => {
                    self.unresponsive.remove(&a.udid);
                    self.identities.insert(a.udid.clone(), id);
                }
                Err(e) => {
                    tracing::warn!(udid = a.udid, error = %e, "device did not say who it is");
                    self.unresponsive.insert(a.udid.clone(), e.to_string());
                }
            }
            if usbmuxd.has_pair_record(&a.udid).await? {
                self.paired.insert(a.udid.clone());
            } else {
                self.paired.remove(&a.udid);
            }
        }
        Ok(())
    }

    pub fn apply(&mut self, event: &MuxEvent) {
        match event {
            MuxEvent::Attached(a) => {
                self.attachments.insert(a.mux_id, a.clone());
            }
            MuxEvent::Detached { mux_id } => {
                self.attachments.remove(mux_id);
            }
            MuxEvent::Lost(_) => self.attachments.clear(),
        }
    }

    pub fn apply_wifi(&mut self, event: &WifiEvent) {
        match event {
            WifiEvent::Seen(s) => {
                self.wifi.insert(s.instance.clone(), s.clone());
            }
            WifiEvent::Gone { instance } => {
                self.wifi.remove(instance);
            }
        }
    }

    /// Replaces what the USB bus shows.
    pub fn set_usb_bus(&mut self, devices: Vec<UsbSighting>) {
        self.usb_bus = devices;
    }

    /// Adds a device known from before (e.g. from the app's settings), so that it can be
    /// recognised on Wi-Fi.
    pub fn remember(&mut self, identity: DeviceIdentity, paired: bool) {
        if paired {
            self.paired.insert(identity.udid.clone());
        }
        self.identities
            .entry(identity.udid.clone())
            .or_insert(identity);
    }

    /// Adds a device reached directly over Wi-Fi (see [`crate::wifi::resolve`]).
    pub fn add_direct(&mut self, attachment: Attachment, identity: DeviceIdentity, paired: bool) {
        // Direct attachments have no usbmuxd id: they are keyed from the top of the range.
        let key = u32::MAX
            - self
                .attachments
                .keys()
                .filter(|k| **k > u32::MAX / 2)
                .count() as u32;
        if paired {
            self.paired.insert(attachment.udid.clone());
        }
        self.identities.insert(attachment.udid.clone(), identity);
        self.attachments.insert(key, attachment);
    }

    /// The ways to reach `udid`, best first: USB, then usbmuxd's network link, then direct Wi-Fi.
    pub fn attachments(&self, udid: &str) -> Vec<Attachment> {
        let mut out: Vec<Attachment> = self
            .attachments
            .values()
            .filter(|a| a.udid == udid)
            .cloned()
            .collect();
        out.sort_by_key(|a| match a.link {
            Link::Usb => 0,
            Link::Network(_) => 1,
            Link::Direct(_) => 2,
        });
        out
    }

    /// Records which phone an announcement proved to be.
    pub fn name_sighting(&mut self, instance: &str, udid: &str) {
        self.wifi_udids.insert(instance.to_owned(), udid.to_owned());
    }

    /// Whether an announcement was already proven to be a phone (so it is not asked again).
    pub fn knows_instance(&self, instance: &str) -> bool {
        self.wifi_udids.contains_key(instance)
    }

    /// Every device whose identity the list has (seen, or remembered).
    pub fn identities(&self) -> impl Iterator<Item = &DeviceIdentity> {
        self.identities.values()
    }

    pub fn identity(&self, udid: &str) -> Option<&DeviceIdentity> {
        self.identities.get(udid)
    }

    /// The devices to show, ordered by name then UDID.
    pub fn devices(&self) -> Vec<SeenDevice> {
        let mut by_udid: BTreeMap<String, SeenDevice> = BTreeMap::new();
        for a in self.attachments.values() {
            let d = by_udid
                .entry(a.udid.clone())
                .or_insert_with(|| self.blank(&a.udid));
            match a.link {
                Link::Usb => d.usb = true,
                Link::Network(_) | Link::Direct(_) => d.wifi = true,
            }
        }
        for d in by_udid.values_mut() {
            d.state = if let Some(why) = self.unresponsive.get(&d.udid) {
                DeviceState::NotResponding(why.clone())
            } else if d.paired {
                DeviceState::Ready
            } else {
                DeviceState::NotTrusted
            };
        }
        let on_wifi = self
            .wifi
            .keys()
            .filter_map(|instance| self.wifi_udids.get(instance));
        for udid in on_wifi {
            match by_udid.get_mut(udid) {
                Some(d) => d.wifi = true,
                None => {
                    let mut d = self.blank(udid);
                    d.wifi = true;
                    d.state = DeviceState::WifiOnly;
                    by_udid.insert(udid.clone(), d);
                }
            }
        }
        for s in &self.usb_bus {
            if by_udid.keys().any(|udid| s.is(udid)) {
                continue;
            }
            let udid = s
                .serial
                .clone()
                .unwrap_or_else(|| format!("usb-{}-{}", s.bus, s.address));
            let mut d = self.blank(&udid);
            d.usb = true;
            d.state = DeviceState::NoUsbmuxd;
            by_udid.insert(udid, d);
        }
        let mut out: Vec<SeenDevice> = by_udid.into_values().collect();
        out.sort_by(|a, b| {
            let name = |d: &SeenDevice| d.identity.as_ref().map(|i| i.name.clone());
            name(a).cmp(&name(b)).then_with(|| a.udid.cmp(&b.udid))
        });
        out
    }

    fn blank(&self, udid: &str) -> SeenDevice {
        SeenDevice {
            udid: udid.to_owned(),
            identity: self.identities.get(udid).cloned(),
            usb: false,
            wifi: false,
            paired: self.paired.contains(udid),
            state: DeviceState::NotTrusted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UDID: &str = "00008110-000A1B2C3D4E5F60";

    fn identity() -> DeviceIdentity {
        DeviceIdentity {
            udid: UDID.into(),
            name: "Ada's iPhone".into(),
            device_class: "iPhone".into(),
            product_type: "iPhone14,5".into(),
            product_version: "17.5.1".into(),
            build_version: "21F90".into(),
            serial_number: None,
            wifi_address: Some("02:11:22:33:44:55".into()),
            passcode_protected: true,
        }
    }

    fn attach(mux_id: u32, link: Link) -> MuxEvent {
        MuxEvent::Attached(Attachment {
            udid: UDID.into(),
            mux_id,
            link,
        })
    }

    #[test]
    fn usb_and_network_attachments_of_one_device_merge() {
        let mut list = DeviceList::default();
        list.remember(identity(), true);
        list.apply(&attach(1, Link::Usb));
        list.apply(&attach(2, Link::Network("192.0.2.7".parse().unwrap())));
        let d = list.devices();
        assert_eq!(d.len(), 1);
        assert!(d[0].usb && d[0].wifi && d[0].paired);
        assert_eq!(d[0].state, DeviceState::Ready);
        list.apply(&MuxEvent::Detached { mux_id: 1 });
        let d = list.devices();
        assert!(!d[0].usb && d[0].wifi);
        list.apply(&MuxEvent::Detached { mux_id: 2 });
        assert!(list.devices().is_empty());
    }

    fn sighting(instance: &str) -> WifiSighting {
        WifiSighting {
            instance: instance.into(),
            mac: crate::wifi::mac_from_instance(instance),
            addresses: vec![],
            port: 62078,
            announcement: Default::default(),
        }
    }

    #[test]
    fn an_announcement_is_listed_once_proven_to_be_a_phone_whatever_its_mac() {
        let mut list = DeviceList::default();
        list.remember(identity(), true);
        // a private address: nothing like the phone's own MAC
        let private = "6e:10:20:30:40:50@fe80::6c10:20ff:fe30:4050";
        list.apply_wifi(&WifiEvent::Seen(sighting(private)));
        assert!(list.devices().is_empty(), "not proven yet");
        assert!(!list.knows_instance(private));
        list.name_sighting(private, UDID);
        let d = list.devices();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].state, DeviceState::WifiOnly);
        assert_eq!(d[0].identity.as_ref().unwrap().name, "Ada's iPhone");
        list.apply_wifi(&WifiEvent::Gone {
            instance: private.into(),
        });
        assert!(list.devices().is_empty());
        // the phone's own MAC in a name proves nothing either
        list.apply_wifi(&WifiEvent::Seen(sighting(
            "02:11:22:33:44:55@fe80::11:22ff:fe33:4455",
        )));
        assert!(list.devices().is_empty());
    }

    #[test]
    fn a_device_on_the_bus_that_usbmuxd_does_not_list_is_reported() {
        let mut list = DeviceList::default();
        let on_bus = UsbSighting {
            bus: 1,
            address: 9,
            product_id: 0x12a8,
            serial: Some(UDID.replace('-', "")),
        };
        list.set_usb_bus(vec![on_bus]);
        let d = list.devices();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].state, DeviceState::NoUsbmuxd);
        // once usbmuxd lists it, it is one device, not two
        list.apply(&attach(3, Link::Usb));
        let d = list.devices();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].udid, UDID);
        assert_eq!(d[0].state, DeviceState::NotTrusted);
    }

    #[test]
    fn a_device_reached_directly_over_wifi_is_listed_and_usb_is_preferred() {
        let mut list = DeviceList::default();
        let direct = Attachment {
            udid: UDID.into(),
            mux_id: 0,
            link: Link::Direct("192.0.2.7:62078".parse().unwrap()),
        };
        list.add_direct(direct.clone(), identity(), true);
        let d = list.devices();
        assert_eq!(d.len(), 1);
        assert!(d[0].wifi && !d[0].usb && d[0].paired);
        assert_eq!(d[0].state, DeviceState::Ready);
        assert_eq!(list.attachments(UDID), vec![direct.clone()]);
        list.apply(&attach(4, Link::Usb));
        let ways = list.attachments(UDID);
        assert_eq!(ways.len(), 2);
        assert_eq!(ways[0].link, Link::Usb);
        assert_eq!(ways[1], direct);
    }

    #[test]
    fn losing_usbmuxd_forgets_its_attachments() {
        let mut list = DeviceList::default();
        list.apply(&attach(1, Link::Usb));
        list.apply(&MuxEvent::Lost("gone".into()));
        assert!(list.devices().is_empty());
    }
}
