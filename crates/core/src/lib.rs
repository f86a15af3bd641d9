//! The Keepsake application, independent of any user interface.
//!
//! Both front ends (the `keepsake` CLI and the Tauri desktop shell) are thin layers over this
//! crate: it owns the devices seen, their settings, backup jobs, retention and browsing. It never
//! depends on a UI toolkit, so everything here builds and tests headless.

use serde::Serialize;

/// The running application's identity, as shown in "About" and `keepsake info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppInfo {
    pub name: &'static str,
    pub version: &'static str,
}

/// What this build of Keepsake is.
pub fn app_info() -> AppInfo {
    AppInfo {
        name: "Keepsake",
        version: env!("CARGO_PKG_VERSION"),
    }
}

/// How a device is reachable right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Connection {
    Usb,
    Wifi,
}

/// One iPhone or iPad that Keepsake has seen, as the device list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceSummary {
    pub udid: String,
    pub name: String,
    pub model: String,
    pub ios_version: String,
    pub connections: Vec<Connection>,
    pub paired: bool,
}

/// The devices currently seen. Discovery arrives with the backup-engine work; until then no
/// device is ever reported, and callers already handle the empty list.
pub fn devices() -> Vec<DeviceSummary> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_info_reports_the_crate_version() {
        let info = app_info();
        assert_eq!(info.name, "Keepsake");
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert!(!info.version.is_empty());
    }

    #[test]
    fn device_summary_serialises_connections_in_lowercase() {
        let d = DeviceSummary {
            udid: "00008110-000A1B2C3D4E5F60".into(),
            name: "Ada's iPhone".into(),
            model: "iPhone14,5".into(),
            ios_version: "17.5".into(),
            connections: vec![Connection::Usb, Connection::Wifi],
            paired: true,
        };
        let json = serde_json::to_string(&d).unwrap();
        assert!(
            json.contains("\"connections\":[\"usb\",\"wifi\"]"),
            "{json}"
        );
    }
}
