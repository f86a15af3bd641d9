//! The devices in sight with what Keepsake knows of them (settings confirmed, last backup), and
//! the watch that tells the UI when that list changes.

use std::time::Duration;

use keepsake_core::schedule::{self, PendingCleaning};
use keepsake_core::{preferences, AppDirs, AppInfo, DeviceSummary};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

use crate::error::{blocking, UiResult};
use crate::AppState;

/// One device as the Devices view shows it.
#[derive(Debug, Serialize)]
pub struct DeviceView {
    #[serde(flatten)]
    pub device: DeviceSummary,
    /// Its settings were reviewed (the wizard ran); until then a backup opens the wizard.
    pub confirmed: bool,
    pub last_success: Option<i64>,
    pub last_error: Option<String>,
    /// When its next automatic backup is due (unix seconds; at or before now: as soon as it is
    /// reachable). `None`: automatic backups are off, or its settings are not confirmed yet.
    pub next_backup: Option<i64>,
    /// Its backup location is a disk or folder that is not there now: backups wait for it.
    pub location_missing: Option<std::path::PathBuf>,
    /// Retention asks before deleting: the question waiting for an answer.
    pub cleaning: Option<PendingCleaning>,
    pub backing_up: bool,
}

/// What the UI shows at start and after every device change.
#[derive(Debug, Serialize)]
pub struct Overview {
    pub app: AppInfo,
    pub devices: Vec<DeviceView>,
    pub usbmuxd_problem: Option<String>,
}

/// Async: discovery talks to usbmuxd and devices, which must never block the main thread.
#[tauri::command]
pub async fn overview(app: AppHandle) -> UiResult<Overview> {
    // Wi-Fi devices arrive later through the watch; the first paint must not wait for them.
    let mut found = keepsake_core::device_overview(None).await;
    let state = app.state::<AppState>();
    let on_wifi = state.watched_besides(&found.devices);
    found.devices.extend(on_wifi);
    let running = state.running_backups();
    let (settings, history) = blocking(|| {
        let dirs = AppDirs::from_env()?;
        Ok((preferences::load(&dirs)?, schedule::history(&dirs)?))
    })
    .await?;
    let now = schedule::unix_now();
    let devices = found
        .devices
        .into_iter()
        .map(|device| {
            let h = history
                .devices
                .get(&device.udid)
                .cloned()
                .unwrap_or_default();
            let own = settings.device(&device.udid);
            DeviceView {
                confirmed: own.is_some_and(|d| d.confirmed),
                next_backup: own.and_then(|d| schedule::next_backup(d, &h, now)),
                location_missing: own
                    .and_then(|d| settings.location_of(d))
                    .filter(|l| !l.is_dir()),
                last_success: h.last_success,
                last_error: h.last_error,
                cleaning: h.pending_cleaning,
                backing_up: running.contains(&device.udid),
                device,
            }
        })
        .collect();
    Ok(Overview {
        app: keepsake_core::app_info(),
        devices,
        usbmuxd_problem: found.usbmuxd_problem,
    })
}

/// Follows the device list for the app's lifetime and emits `devices` with each change; when
/// usbmuxd is away it tries again every few seconds.
pub fn watch(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        loop {
            match keepsake_core::watch_devices().await {
                Ok(mut changes) => {
                    while let Some(change) = changes.recv().await {
                        app.state::<AppState>().watched_change(&change);
                        let _ = app.emit("devices", &change);
                    }
                }
                Err(e) => tracing::debug!(error = %e, "device watch unavailable"),
            }
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
    });
}
