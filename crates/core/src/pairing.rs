//! "Trust this computer": finding the device the person means and pairing with it.

use keepsake_device::{
    ensure_paired, pairing::TRUST_PROMPT_TIMEOUT, Attachment, DeviceList, PairStep, Usbmuxd,
};
use serde::Serialize;
use std::time::Duration;

use crate::context::Context;
use crate::error::{CoreError, Result};

/// The result of `pair`.
#[derive(Debug, Clone, Serialize)]
pub struct Paired {
    pub udid: String,
    pub name: String,
    /// False when the device already trusted this computer.
    pub newly_paired: bool,
}

/// Pairs with the device `wanted` names (UDID or name; may be omitted when only one is
/// connected). `on_step` hears what pairing waits for, with the device's name.
pub async fn pair(
    ctx: &Context,
    wanted: Option<&str>,
    mut on_step: impl FnMut(PairStep, &str),
) -> Result<Paired> {
    let host = ctx.host()?;
    let mux = ctx.usbmuxd();
    let list = find_devices(mux, wanted, true).await?;
    let (attachment, name) = choose(&list, wanted)?;
    let newly_paired = ensure_paired(mux, &attachment, &host, TRUST_PROMPT_TIMEOUT, |s| {
        on_step(s, &name)
    })
    .await?;
    Ok(Paired {
        udid: attachment.udid,
        name,
        newly_paired,
    })
}

/// How long to listen for devices announcing themselves on Wi-Fi when the one asked for is not
/// connected by cable: devices answer an mDNS query within a second or two.
pub const WIFI_BROWSE: Duration = Duration::from_secs(3);

/// The devices usbmuxd sees, and when the one `wanted` is not among them and `wifi` allows,
/// those announcing themselves on the network (reached directly over Wi-Fi).
pub(crate) async fn find_devices(
    mux: &Usbmuxd,
    wanted: Option<&str>,
    wifi: bool,
) -> Result<DeviceList> {
    let mut list = DeviceList::scan(mux).await?;
    let found = match wanted {
        Some(w) => list.devices().iter().any(|d| is_named(&list, &d.udid, w)),
        None => !list.devices().is_empty(),
    };
    if found || !wifi {
        return Ok(list);
    }
    let sightings = match keepsake_device::wifi::browse_for(WIFI_BROWSE).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot look for devices on Wi-Fi");
            return Ok(list);
        }
    };
    for sighting in sightings {
        match keepsake_device::wifi::resolve(mux, &sighting).await {
            Ok((attachment, identity)) => {
                let paired = mux.has_pair_record(&attachment.udid).await?;
                tracing::info!(udid = attachment.udid, link = ?attachment.link, "found on Wi-Fi");
                list.add_direct(attachment, identity, paired);
            }
            Err(e) => {
                tracing::warn!(mac = sighting.mac, error = %e, "a device on Wi-Fi did not answer")
            }
        }
    }
    Ok(list)
}

fn is_named(list: &DeviceList, udid: &str, wanted: &str) -> bool {
    udid.eq_ignore_ascii_case(wanted)
        || list
            .identity(udid)
            .is_some_and(|i| i.name.eq_ignore_ascii_case(wanted))
}

/// The attachment of the device the person means (USB before Wi-Fi), and its name.
pub(crate) fn choose(list: &DeviceList, wanted: Option<&str>) -> Result<(Attachment, String)> {
    let devices = list.devices();
    let name_of = |udid: &str| {
        list.identity(udid)
            .map(|i| i.name.clone())
            .unwrap_or_else(|| udid.to_owned())
    };
    let available = || {
        devices
            .iter()
            .map(|d| format!("{} ({})", name_of(&d.udid), d.udid))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let udid = match wanted {
        Some(w) => devices
            .iter()
            .find(|d| is_named(list, &d.udid, w))
            .map(|d| d.udid.clone())
            .ok_or_else(|| CoreError::NoSuchDevice {
                wanted: w.to_owned(),
                available: available(),
            })?,
        None => match devices.as_slice() {
            [] => return Err(CoreError::NoDevice),
            [one] => one.udid.clone(),
            _ => {
                return Err(CoreError::WhichDevice {
                    available: available(),
                })
            }
        },
    };
    let attachment = list
        .attachments(&udid)
        .into_iter()
        .next()
        .ok_or(CoreError::NoDevice)?;
    Ok((attachment, name_of(&udid)))
}

/// The device `wanted` names, paired (waiting for Trust if need be, without reporting it), with
/// its pair record: what every operation on a device starts with.
pub(crate) async fn connect(
    ctx: &Context,
    wanted: Option<&str>,
) -> Result<(Attachment, String, keepsake_device::PairRecord)> {
    let mux = ctx.usbmuxd();
    let list = find_devices(mux, wanted, true).await?;
    let (device, name) = choose(&list, wanted)?;
    ensure_paired(mux, &device, &ctx.host()?, TRUST_PROMPT_TIMEOUT, |_| {}).await?;
    let record = mux.pair_record(&device.udid).await?.ok_or_else(|| {
        CoreError::Store(format!(
            "{name}: the pair record vanished; run `keepsake pair`"
        ))
    })?;
    Ok((device, name, record))
}
