//! The Keepsake application, independent of any user interface.
//!
//! Both front ends (the `keepsake` CLI and the Tauri desktop shell) are thin layers over this
//! crate: it owns the devices seen, their settings, backup jobs, cleaning and browsing. It never
//! depends on a UI toolkit, so everything here builds and tests headless, and it never reads
//! the process environment: what it needs comes in a [`Context`] ([`environment`] builds one).

pub mod agent;
pub mod apple_form;
pub mod apps;
pub mod backup;
pub mod browse;
pub mod cleaning;
pub mod cleaning_policy;
pub mod clock;
pub mod context;
pub mod converting;
pub mod days;
mod decrypting;
pub mod deletions;
pub mod devices;
pub mod dirs;
pub mod disks;
pub mod encryption;
pub mod environment;
mod error;
pub mod history;
pub mod interchange;
pub mod jobs;
pub mod location;
pub mod moving;
pub mod notices;
pub mod offsite;
pub mod overview;
pub mod pairing;
pub mod pins;
pub mod secrets;
pub mod settings;
mod settings_files;
pub mod sizes;
pub mod space;
mod store_folder;
pub mod timeline;
pub mod verification;

use serde::Serialize;

pub use agent::{Agent, BackupRunner, LiveRunner};
pub use backup::{
    after_backup, back_up, AfterBackup, BackupOptions, BackupProgress, BackupReport, SettingsCheck,
};
pub use cleaning::{CleaningOutcome, Repositories, SnapshotStore};
pub use cleaning_policy::{CleaningPolicy, CleaningRequest, Decision};
pub use clock::{Clock, ManualClock, StartedClock, SystemClock};
pub use context::Context;
pub use devices::{
    apply_wifi_setting, device_overview, watch_devices, Connection, DeviceChange, DeviceOverview,
    DeviceSummary,
};
pub use dirs::AppDirs;
pub use encryption::{change_encryption, encryption_status, EncryptionChange, EncryptionState};
pub use error::{CoreError, Result};
pub use history::record_backup;
pub use jobs::{Cancel, DeviceJob};
pub use keepsake_device::PairStep;
pub use keepsake_store::Secret;
pub use location::{Location, Unlock, BACKUPS_FOLDER};
pub use pairing::{pair, Paired};
pub use pins::Pin;
pub use secrets::{SecretKind, Secrets};
pub use settings::{DeviceSettings, Preferences, RetentionAge, Schedule, Settings};
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
