//! The Keepsake desktop shell: Tauri commands in, events out, nothing else.
//!
//! Everything a CLI user would also need lives in `keepsake-core`; this crate only translates
//! between the web UI and the core.

use keepsake_core::{AppInfo, DeviceOverview};
use serde::Serialize;

/// What the UI shows at start: who we are and which devices are in sight.
#[derive(Debug, Serialize)]
pub struct Overview {
    pub app: AppInfo,
    #[serde(flatten)]
    pub devices: DeviceOverview,
}

/// The start-up overview, computed by the core. Async: discovery talks to usbmuxd and devices,
/// which must never block the window's main thread.
#[tauri::command]
async fn overview() -> Overview {
    Overview {
        app: keepsake_core::app_info(),
        // Wi-Fi devices arrive later through the watch; the first paint must not wait for them.
        devices: keepsake_core::device_overview(None).await,
    }
}

/// Starts the desktop app and blocks until it exits.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![overview])
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("the Keepsake window could not be started");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overview_serialises_as_the_ui_expects() {
        let o = Overview {
            app: keepsake_core::app_info(),
            devices: DeviceOverview {
                devices: vec![],
                usbmuxd_problem: Some("cannot reach usbmuxd".into()),
            },
        };
        let v = serde_json::to_value(o).unwrap();
        assert_eq!(v["app"]["name"], "Keepsake");
        assert!(v["devices"].is_array());
        assert_eq!(v["usbmuxd_problem"], "cannot reach usbmuxd");
    }
}
