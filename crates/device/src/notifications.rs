//! The device's notification proxy: Darwin notifications the device relays to the host. A backup
//! watches `com.apple.LocalAuthentication.ui.presented`/`.dismissed` to tell the person, at once,
//! to enter their passcode on the device (iOS 16.1 and later ask on every backup).

use crate::Step;
use idevice::notification_proxy::NotificationProxyClient;
use tokio::sync::mpsc;

use crate::error::{DeviceError, Result};
use crate::usbmux::{Attachment, PairRecord, Usbmuxd};

pub const PASSCODE_PRESENTED: &str = "com.apple.LocalAuthentication.ui.presented";
pub const PASSCODE_DISMISSED: &str = "com.apple.LocalAuthentication.ui.dismissed";
const SERVICE: &str = "com.apple.mobile.notification_proxy";

/// Observes `names` on the device; each relayed notification's name arrives on the channel, which
/// closes when the device ends the connection or the receiver is dropped.
pub async fn observe(
    usbmuxd: &Usbmuxd,
    device: &Attachment,
    record: &PairRecord,
    names: &[&str],
) -> Result<mpsc::Receiver<String>> {
    let idevice = usbmuxd
        .start_service(
            device,
            record,
            SERVICE,
            false,
            Step::StartingNotificationProxy,
        )
        .await?;
    let mut proxy = NotificationProxyClient::new(idevice);
    proxy
        .observe_notifications(names)
        .await
        .map_err(|source| DeviceError::Protocol {
            device: device.udid.clone(),
            what: Step::ObservingNotifications,
            source,
        })?;
    let (tx, rx) = mpsc::channel(16);
    let udid = device.udid.clone();
    tokio::spawn(async move {
        loop {
            match proxy.receive_notification().await {
                Ok(name) => {
                    if tx.send(name).await.is_err() {
                        return;
                    }
                }
                Err(e) => {
                    tracing::debug!(udid, error = %e, "notification proxy closed");
                    return;
                }
            }
        }
    });
    Ok(rx)
}
