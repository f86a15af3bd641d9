//! The Keepsake application, independent of any user interface.
//!
//! Both front ends (the `keepsake` CLI and the Tauri desktop shell) are thin layers over this
//! crate: it owns the devices seen, their settings, backup jobs, retention and browsing. It never
//! depends on a UI toolkit, so everything here builds and tests headless.

pub mod backup;
pub mod browse;
pub mod cleaning;
pub mod devices;
pub mod encryption;
mod error;
pub mod interchange;
pub mod jobs;
pub mod moving;
pub mod pairing;
pub mod preferences;
pub mod retention;
pub mod schedule;
pub mod secrets;
pub mod settings;
pub mod sizes;
mod store_folder;

use serde::Serialize;

pub use backup::{back_up, BackupOptions, BackupProgress, BackupReport, SettingsCheck};
pub use cleaning::{CleaningOutcome, Pin, Repositories, SnapshotStore};
pub use devices::{
    device_overview, watch_devices, Connection, DeviceChange, DeviceOverview, DeviceSummary,
};
pub use encryption::{change_encryption, encryption_status, EncryptionChange, EncryptionState};
pub use error::{CoreError, Result};
pub use jobs::{Cancel, DeviceJob};
pub use keepsake_device::PairStep;
pub use pairing::{pair, Paired};
pub use preferences::{DeviceSettings, Preferences, RetentionAge, Schedule, Settings};
pub use retention::{CleaningRequest, Decision, RetentionPolicy};
pub use schedule::{record_backup, Agent, BackupRunner, Clock, LiveRunner, SystemClock};
pub use secrets::{SecretKind, Secrets};
pub use settings::AppDirs;
pub use sizes::human_bytes;

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
}
