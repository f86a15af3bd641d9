//! "Trust this computer": finding the device the person means and pairing with it.

use keepsake_device::{
    ensure_paired, pairing::TRUST_PROMPT_TIMEOUT, Attachment, DeviceList, PairStep, Usbmuxd,
};
use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::settings::AppDirs;

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
    dirs: &AppDirs,
    wanted: Option<&str>,
    mut on_step: impl FnMut(PairStep, &str),
) -> Result<Paired> {
    let host = dirs.host()?;
    let mux = Usbmuxd::from_env()?;
    let list = DeviceList::scan(&mux).await?;
    let (attachment, name) = choose(&mux, &list, wanted).await?;
    let newly_paired = ensure_paired(&mux, &attachment, &host, TRUST_PROMPT_TIMEOUT, |s| {
        on_step(s, &name)
    })
    .await?;
    Ok(Paired {
        udid: attachment.udid,
        name,
        newly_paired,
    })
}

/// The attachment of the device the person means, and its name.
pub(crate) async fn choose(
    mux: &Usbmuxd,
    list: &DeviceList,
    wanted: Option<&str>,
) -> Result<(Attachment, String)> {
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
            .find(|d| d.udid.eq_ignore_ascii_case(w) || name_of(&d.udid).eq_ignore_ascii_case(w))
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
    // prefer USB: it is faster and does not depend on the network
    let mut attachments: Vec<Attachment> = mux
        .devices()
        .await?
        .into_iter()
        .filter(|a| a.udid == udid)
        .collect();
    attachments.sort_by_key(|a| a.link != keepsake_device::Link::Usb);
    let attachment = attachments.into_iter().next().ok_or(CoreError::NoDevice)?;
    Ok((attachment, name_of(&udid)))
}
