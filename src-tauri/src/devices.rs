//! The devices in sight with what Keepsake knows of them (settings confirmed, last backup), and
//! the watch that tells the UI when that list changes.

use std::time::Duration;

use keepsake_core::overview::{device_rows, DeviceRow};
use keepsake_core::{AppInfo, Context};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

use crate::error::{blocking, UiResult};
use crate::AppState;

/// What the UI shows at start and after every device change.
#[derive(Debug, Serialize)]
pub struct Overview {
    pub app: AppInfo,
    pub devices: Vec<DeviceRow>,
    pub usbmuxd_problem: Option<String>,
}

/// The language the person reads (`en`, `fr`): the OS's, as core chose it for notifications, so
/// the window and the notifications speak the same.
#[tauri::command]
pub fn language(ctx: tauri::State<'_, keepsake_core::Context>) -> &'static str {
    ctx.messages().language().tag()
}

/// Async: discovery talks to usbmuxd and devices, which must never block the main thread.
#[tauri::command]
pub async fn overview(app: AppHandle) -> UiResult<Overview> {
    let ctx = app.state::<Context>().inner().clone();
    // Wi-Fi devices arrive later through the watch; the first paint must not wait for them.
    let mut found = keepsake_core::device_overview(&ctx, None).await;
    let state = app.state::<AppState>();
    let on_wifi = state.watched_besides(&found.devices);
    found.devices.extend(on_wifi);
    let running = state.running_backups();
    let devices = blocking(move || device_rows(&ctx, found.devices, &running)).await?;
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
        let ctx = app.state::<Context>().inner().clone();
        loop {
            match keepsake_core::watch_devices(&ctx).await {
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
