//! Device values a backup needs before it starts, read from lockdownd: whether backups are
//! encrypted, and how much user data the device holds.

use crate::Step;
use plist::Value;

use crate::error::{DeviceError, Result};
use crate::usbmux::{Attachment, PairRecord, Usbmuxd};

/// Whether the device encrypts its backups (lockdownd's `com.apple.mobile.backup` `WillEncrypt`).
pub async fn will_encrypt(
    usbmuxd: &Usbmuxd,
    device: &Attachment,
    record: &PairRecord,
) -> Result<bool> {
    let mut lockdown = usbmuxd.session(device, record).await?;
    let value = lockdown
        .get_value(Some("WillEncrypt"), Some("com.apple.mobile.backup"))
        .await
        .map_err(|source| DeviceError::Protocol {
            device: device.udid.clone(),
            what: Step::ReadingWillEncrypt,
            source,
        })?;
    Ok(matches!(value, Value::Boolean(true)))
}

/// How many bytes of user data the device holds (lockdownd's `com.apple.disk_usage`: data
/// capacity minus what is available): an upper bound for what a first backup stores. `None`
/// when the device does not say.
pub async fn data_in_use(
    usbmuxd: &Usbmuxd,
    device: &Attachment,
    record: &PairRecord,
) -> Result<Option<u64>> {
    let mut lockdown = usbmuxd.session(device, record).await?;
    let value = lockdown
        .get_value(None, Some("com.apple.disk_usage"))
        .await
        .map_err(|source| DeviceError::Protocol {
            device: device.udid.clone(),
            what: Step::ReadingDiskUsage,
            source,
        })?;
    let number = |k: &str| {
        value
            .as_dictionary()
            .and_then(|d| d.get(k))
            .and_then(Value::as_unsigned_integer)
    };
    Ok(
        match (
            number("TotalDataCapacity"),
            number("TotalDataAvailable").or_else(|| number("AmountDataAvailable")),
        ) {
            (Some(total), Some(free)) => Some(total.saturating_sub(free)),
            _ => None,
        },
    )
}
