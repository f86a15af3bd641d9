//! Trust between this computer and a device: reuse usbmuxd's pair record when there is one,
//! otherwise ask the device to pair (it shows "Trust This Computer?") and save the record.

use crate::Step;
use std::time::Duration;

use idevice::IdeviceError;

use crate::error::{DeviceError, Result};
use crate::usbmux::{Attachment, PairRecord, Usbmuxd};

/// How long we wait for someone to answer the Trust prompt before giving up.
pub const TRUST_PROMPT_TIMEOUT: Duration = Duration::from_secs(120);
const RETRY_EVERY: Duration = Duration::from_millis(700);

/// What pairing is waiting for, for the UI to show at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairStep {
    /// The device shows the Trust prompt: "Tap Trust on <device>".
    WaitingForTrust,
    /// The device is locked: "Unlock <device> with its passcode".
    WaitingForUnlock,
}

/// Who this computer is to devices: a stable host id (a UUID kept in the app's settings) and a
/// name shown on the device.
#[derive(Debug, Clone)]
pub struct Host {
    pub host_id: String,
    pub host_name: String,
}

/// Makes sure `device` trusts this computer, pairing if needed. Returns `true` when a new pairing
/// was made. `on_step` is called when pairing waits for the person; it may be called repeatedly.
pub async fn ensure_paired(
    usbmuxd: &Usbmuxd,
    device: &Attachment,
    host: &Host,
    timeout: Duration,
    mut on_step: impl FnMut(PairStep),
) -> Result<bool> {
    if let Some(record) = usbmuxd.pair_record(&device.udid).await? {
        match start_session(usbmuxd, device, &record).await {
            Ok(()) => return Ok(false),
            Err(DeviceError::Protocol {
                source: IdeviceError::InvalidHostID,
                ..
            }) => {
                tracing::info!(
                    udid = device.udid,
                    "the device forgot this computer; pairing again"
                );
            }
            Err(e) => return Err(e),
        }
    }
    let buid = usbmuxd.buid().await?;
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let mut lockdown = usbmuxd.lockdown(device).await?;
        match lockdown
            .pair_once(host.host_id.clone(), buid.clone(), Some(&host.host_name))
            .await
        {
            Ok(mut record) => {
                record.udid = Some(device.udid.clone());
                usbmuxd.save_pair_record(&device.udid, record).await?;
                tracing::info!(udid = device.udid, "paired");
                return Ok(true);
            }
            Err(IdeviceError::PairingDialogResponsePending) => on_step(PairStep::WaitingForTrust),
            Err(IdeviceError::PasswordProtected) => on_step(PairStep::WaitingForUnlock),
            Err(IdeviceError::UserDeniedPairing) => {
                return Err(DeviceError::TrustRefused {
                    device: device.udid.clone(),
                })
            }
            Err(source) => {
                return Err(DeviceError::Protocol {
                    device: device.udid.clone(),
                    what: Step::Pairing,
                    source,
                })
            }
        }
        if tokio::time::Instant::now() + RETRY_EVERY > deadline {
            return Err(DeviceError::TrustTimeout {
                device: device.udid.clone(),
                seconds: timeout.as_secs(),
            });
        }
        tokio::time::sleep(RETRY_EVERY).await;
    }
}

/// Opens (and closes) a TLS session with the record: the proof that the device still trusts it.
async fn start_session(usbmuxd: &Usbmuxd, device: &Attachment, record: &PairRecord) -> Result<()> {
    let lockdown = usbmuxd.lockdown(device).await?;
    crate::session::start_lockdown_session(lockdown, device, record).await?;
    Ok(())
}
