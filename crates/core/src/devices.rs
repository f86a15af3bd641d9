//! The device list as people see it: every iPhone and iPad in reach, how it is connected, and
//! what stands between it and a backup (trust, usbmuxd, a device that does not answer).

use std::collections::BTreeMap;

use std::time::Duration;

use keepsake_device::wifi::{Candidate, WifiEvent, WifiSighting};
use keepsake_device::{DeviceList, DeviceState, MuxEvent, SeenDevice};
use keepsake_i18n::say;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::context::Context;

/// How a device is reachable right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Connection {
    Usb,
    Wifi,
}

/// One iPhone or iPad, as the device list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceSummary {
    pub udid: String,
    pub name: String,
    pub model: String,
    pub ios_version: String,
    pub connections: Vec<Connection>,
    pub paired: bool,
    /// `ready`, `not_trusted`, `not_responding`, `no_usbmuxd` or `wifi_only`.
    pub state: &'static str,
    /// What the person can do about the state, when there is something to do.
    pub advice: Option<String>,
}

/// Everything the device list shows, including why it may be incomplete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceOverview {
    pub devices: Vec<DeviceSummary>,
    /// Set when usbmuxd cannot be reached: USB devices cannot be listed until it is fixed.
    pub usbmuxd_problem: Option<String>,
}

impl From<&SeenDevice> for DeviceSummary {
    fn from(d: &SeenDevice) -> Self {
        let id = d.identity.as_ref();
        let name = id
            .map(|i| i.name.clone())
            .unwrap_or_else(|| say("device-unknown-name", &[]));
        let (state, advice) = match &d.state {
            DeviceState::Ready => ("ready", None),
            DeviceState::NotTrusted => (
                "not_trusted",
                Some(say("device-advice-trust", &[("device", &name)])),
            ),
            DeviceState::NotResponding(why) => ("not_responding", Some(why.clone())),
            DeviceState::NoUsbmuxd => ("no_usbmuxd", Some(say("device-advice-no-usbmuxd", &[]))),
            DeviceState::WifiOnly => ("wifi_only", None),
        };
        let mut connections = Vec::new();
        if d.usb {
            connections.push(Connection::Usb);
        }
        if d.wifi {
            connections.push(Connection::Wifi);
        }
        DeviceSummary {
            udid: d.udid.clone(),
            name,
            model: id.map(|i| i.product_type.clone()).unwrap_or_default(),
            ios_version: id.map(|i| i.product_version.clone()).unwrap_or_default(),
            connections,
            paired: d.paired,
            state,
            advice,
        }
    }
}

/// The devices in reach now: the context's usbmuxd's, Apple devices on the USB bus that
/// usbmuxd does not list, and with `wifi` those that announce themselves on the network within
/// that time.
pub async fn device_overview(ctx: &Context, wifi: Option<Duration>) -> DeviceOverview {
    let mut list = DeviceList::default();
    let mut usbmuxd_problem = None;
    let mux = ctx.usbmuxd();
    match DeviceList::scan(mux).await {
        Ok(scanned) => list = scanned,
        Err(e) => usbmuxd_problem = Some(e.to_string()),
    }
    match tokio::task::spawn_blocking(keepsake_device::usb::scan).await {
        Ok(Ok(on_bus)) => list.set_usb_bus(on_bus),
        Ok(Err(e)) => tracing::debug!(error = %e, "USB bus not readable; relying on usbmuxd alone"),
        Err(e) => tracing::warn!(error = %e, "USB scan did not finish"),
    }
    if let Some(wait) = wifi {
        match keepsake_device::wifi::browse_for(wait).await {
            Ok(sightings) => {
                for s in sightings {
                    name_wifi_sighting(ctx, &mut list, &s).await;
                    list.apply_wifi(&WifiEvent::Seen(s));
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot look for devices on Wi-Fi"),
        }
    }
    DeviceOverview {
        devices: list.devices().iter().map(DeviceSummary::from).collect(),
        usbmuxd_problem,
    }
}

/// Makes sure the list can name a device announced on Wi-Fi: an announcement not proven yet
/// is tried with the pairings it may be for (see [`keepsake_device::wifi::resolve`]). One that
/// is no phone of ours is left unnamed, and so not listed.
async fn name_wifi_sighting(ctx: &Context, list: &mut DeviceList, sighting: &WifiSighting) {
    if list.knows_instance(&sighting.instance) {
        return;
    }
    let candidates = wifi_candidates(ctx, list);
    match keepsake_device::wifi::resolve(ctx.usbmuxd(), sighting, &candidates).await {
        Ok((attachment, identity)) => {
            list.name_sighting(&sighting.instance, &attachment.udid);
            list.remember(identity, true);
        }
        Err(e) => {
            tracing::debug!(instance = sighting.instance, error = %e, "an announcement on Wi-Fi is no phone of ours")
        }
    }
}

/// The phones to look for on Wi-Fi: every device with settings here that is not kept to the
/// cable (Wi-Fi backups off), and the devices the list has seen, with their MACs as hints for
/// phones that announce their own.
pub(crate) fn wifi_candidates(ctx: &Context, list: &DeviceList) -> Vec<Candidate> {
    let settings = match crate::settings::load(ctx.dirs()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "settings unreadable; looking on Wi-Fi for the devices in sight only");
            Default::default()
        }
    };
    let mut out: BTreeMap<String, Candidate> = BTreeMap::new();
    for (udid, d) in &settings.devices {
        if d.wifi {
            out.insert(
                udid.clone(),
                Candidate {
                    udid: udid.clone(),
                    mac: None,
                },
            );
        }
    }
    for id in list.identities() {
        if settings.device(&id.udid).is_some_and(|d| !d.wifi) {
            continue;
        }
        out.insert(
            id.udid.clone(),
            Candidate {
                udid: id.udid.clone(),
                mac: id.wifi_address.clone(),
            },
        );
    }
    out.into_values().collect()
}

/// Makes the phone's Wi-Fi connections for this computer what its settings say (Wi-Fi backups
/// on or off), over a link the device is on now; `None` when it is not connected (it is done
/// at its next backup). Returns whether the phone changed.
pub async fn apply_wifi_setting(ctx: &Context, udid: &str) -> crate::Result<Option<bool>> {
    let wanted = crate::settings::wifi_backups(ctx.dirs(), udid)?;
    let list = DeviceList::scan(ctx.usbmuxd()).await?;
    let Some(attachment) = list.attachments(udid).into_iter().next() else {
        return Ok(None);
    };
    if !ctx.usbmuxd().has_pair_record(udid).await? {
        return Ok(None);
    }
    let changed =
        keepsake_device::wifi::set_wifi_connections(ctx.usbmuxd(), &attachment, wanted).await?;
    Ok(Some(changed))
}

/// A change in the device list, as it happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "event", content = "device")]
pub enum DeviceChange {
    Appeared(DeviceSummary),
    /// Same device, new state or connections.
    Changed(DeviceSummary),
    Gone(DeviceSummary),
    /// usbmuxd stopped answering; the watch is over.
    UsbmuxdLost(String),
}

/// Follows every source of devices as things happen — usbmuxd's attach/detach events, Apple
/// devices arriving on or leaving the USB bus (libusb hot-plug), and announcements on Wi-Fi
/// (mDNS) — and reports how the device list changes. The devices present at the start arrive
/// first as `Appeared`. No polling.
pub async fn watch_devices(
    ctx: &Context,
) -> Result<mpsc::Receiver<DeviceChange>, keepsake_device::DeviceError> {
    let mux = ctx.usbmuxd().clone();
    let mut events = mux.watch().await?;
    let mut wifi = match keepsake_device::wifi::WifiBrowser::start() {
        Ok((browser, rx)) => Some((browser, rx)),
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch for devices on Wi-Fi");
            None
        }
    };
    let mut usb = match tokio::task::spawn_blocking(keepsake_device::usb::watch).await {
        Ok(Ok(watch)) => watch,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "USB hot-plug not available; relying on usbmuxd alone");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "starting the USB watch");
            None
        }
    };
    let on_bus = tokio::task::spawn_blocking(keepsake_device::usb::scan).await;
    let (tx, rx) = mpsc::channel(64);
    let ctx = ctx.clone();
    tokio::spawn(async move {
        let mut list = DeviceList::default();
        if let Ok(Ok(on_bus)) = on_bus {
            list.set_usb_bus(on_bus);
        }
        let mut shown: BTreeMap<String, DeviceSummary> = BTreeMap::new();
        loop {
            tokio::select! {
                event = events.recv() => {
                    let Some(event) = event else { return };
                    if let MuxEvent::Lost(why) = &event {
                        let _ = tx.send(DeviceChange::UsbmuxdLost(why.clone())).await;
                        return;
                    }
                    list.apply(&event);
                    if let Err(e) = list.refresh(&mux).await {
                        let _ = tx.send(DeviceChange::UsbmuxdLost(e.to_string())).await;
                        return;
                    }
                }
                Some(event) = next(&mut wifi) => {
                    if let WifiEvent::Seen(s) = &event {
                        name_wifi_sighting(&ctx, &mut list, s).await;
                    }
                    list.apply_wifi(&event);
                }
                Some(bus) = next(&mut usb) => list.set_usb_bus(bus),
            }
            let now: BTreeMap<String, DeviceSummary> = list
                .devices()
                .iter()
                .map(|d| (d.udid.clone(), DeviceSummary::from(d)))
                .collect();
            for change in diff(&shown, &now) {
                if tx.send(change).await.is_err() {
                    return;
                }
            }
            shown = now;
        }
    });
    Ok(rx)
}

/// The next item of an optional source (its keep-alive handle, receiver); a source that is
/// absent or has ended never yields, so the other sources go on.
async fn next<H, T>(source: &mut Option<(H, mpsc::Receiver<T>)>) -> Option<T>
where
    H: Send,
{
    match source {
        Some((_, rx)) => match rx.recv().await {
            Some(item) => Some(item),
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

fn diff(
    before: &BTreeMap<String, DeviceSummary>,
    after: &BTreeMap<String, DeviceSummary>,
) -> Vec<DeviceChange> {
    let mut changes = Vec::new();
    for (udid, d) in after {
        match before.get(udid) {
            None => changes.push(DeviceChange::Appeared(d.clone())),
            Some(old) if old != d => changes.push(DeviceChange::Changed(d.clone())),
            Some(_) => {}
        }
    }
    for (udid, d) in before {
        if !after.contains_key(udid) {
            changes.push(DeviceChange::Gone(d.clone()));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepsake_device::DeviceIdentity;

    fn seen(state: DeviceState) -> SeenDevice {
        SeenDevice {
            udid: "00008110-000A1B2C3D4E5F60".into(),
            identity: Some(DeviceIdentity {
                udid: "00008110-000A1B2C3D4E5F60".into(),
                name: "Ada's iPhone".into(),
                device_class: "iPhone".into(),
                product_type: "iPhone14,5".into(),
                product_version: "17.5.1".into(),
                build_version: "21F90".into(),
                serial_number: None,
                wifi_address: None,
                passcode_protected: true,
            }),
            usb: true,
            wifi: true,
            paired: false,
            state,
        }
    }

    #[test]
    fn summary_serialises_connections_in_lowercase_and_advises_on_trust() {
        let s = DeviceSummary::from(&seen(DeviceState::NotTrusted));
        let json = serde_json::to_string(&s).unwrap();
        assert!(
            json.contains("\"connections\":[\"usb\",\"wifi\"]"),
            "{json}"
        );
        assert_eq!(s.state, "not_trusted");
        assert!(s
            .advice
            .unwrap()
            .contains("Unlock Ada's iPhone and tap Trust"));
        assert_eq!(DeviceSummary::from(&seen(DeviceState::Ready)).advice, None);
    }

    #[test]
    fn diff_reports_appeared_changed_and_gone() {
        let a = DeviceSummary::from(&seen(DeviceState::NotTrusted));
        let ready = DeviceSummary::from(&seen(DeviceState::Ready));
        let one = |d: &DeviceSummary| BTreeMap::from([(d.udid.clone(), d.clone())]);
        assert_eq!(
            diff(&BTreeMap::new(), &one(&a)),
            vec![DeviceChange::Appeared(a.clone())]
        );
        assert_eq!(
            diff(&one(&a), &one(&ready)),
            vec![DeviceChange::Changed(ready.clone())]
        );
        assert_eq!(diff(&one(&ready), &one(&ready)), vec![]);
        assert_eq!(
            diff(&one(&ready), &BTreeMap::new()),
            vec![DeviceChange::Gone(ready)]
        );
    }
}
