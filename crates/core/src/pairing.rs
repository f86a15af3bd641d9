//! "Trust this computer": finding the device the person means and pairing with it.

use keepsake_device::{
    ensure_paired, pairing::TRUST_PROMPT_TIMEOUT, Attachment, DeviceError, DeviceList, PairStep,
};
use keepsake_i18n::say;
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
    let list = find_devices(ctx, wanted, true).await?;
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
/// the phones this computer is paired with that announce themselves on the network, each
/// proven by a session with its pair record (reached directly over Wi-Fi). When the one wanted
/// is not found but something on the network failed to prove it is that phone, that is the
/// error: "this is not <device>".
pub(crate) async fn find_devices(
    ctx: &Context,
    wanted: Option<&str>,
    wifi: bool,
) -> Result<DeviceList> {
    let mux = ctx.usbmuxd();
    let mut list = DeviceList::scan(mux).await?;
    let found = |list: &DeviceList| match wanted {
        Some(w) => list.devices().iter().any(|d| is_named(list, &d.udid, w)),
        None => !list.devices().is_empty(),
    };
    if found(&list) || !wifi {
        return Ok(list);
    }
    let sightings = match keepsake_device::wifi::browse_for(WIFI_BROWSE).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot look for devices on Wi-Fi");
            return Ok(list);
        }
    };
    let mut candidates = crate::devices::wifi_candidates(ctx, &list);
    let new_udid = |w: &&str| {
        keepsake_device::backup::is_plain_udid(w) && !candidates.iter().any(|c| c.udid == *w)
    };
    if let Some(w) = wanted.filter(new_udid) {
        // a UDID asked for by name of its own: tried if this computer is paired with it
        candidates.push(keepsake_device::wifi::Candidate {
            udid: w.to_owned(),
            mac: None,
        });
    }
    let mut impostors = Vec::new();
    for sighting in sightings {
        match keepsake_device::wifi::resolve(mux, &sighting, &candidates).await {
            Ok((attachment, identity)) => {
                tracing::info!(udid = attachment.udid, link = ?attachment.link, "found on Wi-Fi");
                list.name_sighting(&sighting.instance, &attachment.udid);
                list.add_direct(attachment, identity, true);
            }
            Err(e @ DeviceError::NotTheDevice { .. }) => impostors.push(e),
            Err(e) => {
                tracing::debug!(instance = sighting.instance, error = %e, "not a phone of ours")
            }
        }
    }
    if let Some(w) = wanted.filter(|_| !found(&list)) {
        let posed_as_it = impostors.into_iter().find(|e| {
            let DeviceError::NotTheDevice { device } = e else {
                return false;
            };
            device.eq_ignore_ascii_case(w)
                || crate::settings::load(ctx.dirs())
                    .ok()
                    .and_then(|s| s.device(device).map(|d| d.name.eq_ignore_ascii_case(w)))
                    .unwrap_or(false)
        });
        if let Some(e) = posed_as_it {
            return Err(e.into());
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
    let list = find_devices(ctx, wanted, true).await?;
    let (device, name) = choose(&list, wanted)?;
    ensure_paired(mux, &device, &ctx.host()?, TRUST_PROMPT_TIMEOUT, |_| {}).await?;
    let record = mux
        .pair_record(&device.udid)
        .await?
        .ok_or_else(|| CoreError::Store(say("core-pair-record-vanished", &[("device", &name)])))?;
    Ok((device, name, record))
}
