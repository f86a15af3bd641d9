//! The device rows the app shows: each device in sight with what Keepsake knows of it (settings
//! confirmed, last backup and its error, the next automatic one, a missing location, a cleaning
//! question waiting), from the settings and the history.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Serialize;

use crate::agent::next_backup;
use crate::context::Context;
use crate::devices::DeviceSummary;
use crate::error::Result;
use crate::history::{history, PendingCleaning};
use crate::settings;

/// One device as the Devices view shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceRow {
    #[serde(flatten)]
    pub device: DeviceSummary,
    /// Its settings were reviewed (the wizard ran); until then a backup opens the wizard.
    pub confirmed: bool,
    /// How often its automatic backups run, once set up (the timeline's gaps are measured
    /// against it).
    pub schedule: Option<crate::settings::Schedule>,
    pub last_success: Option<i64>,
    pub last_error: Option<String>,
    /// When its next automatic backup is due (unix seconds; at or before now: as soon as it is
    /// reachable). `None`: automatic backups are off, or its settings are not confirmed yet.
    pub next_backup: Option<i64>,
    /// Its backup location is a disk or folder that is not there now: backups wait for it.
    pub location_missing: Option<PathBuf>,
    /// The cleaning policy asks before deleting: the question waiting for an answer.
    pub cleaning: Option<PendingCleaning>,
    /// Its last backup let a large share of photos or attachments go: the snapshot before is
    /// kept until the person says they may go.
    pub mass_deletion: Option<crate::deletions::MassDeletionWarning>,
    /// A backup of it is running (`running` names them).
    pub backing_up: bool,
    /// The last time its snapshots were read back (after a backup, or weekly whole).
    pub last_verification: Option<crate::history::Verified>,
    /// Its copy offsite, when it has one.
    pub offsite: Option<crate::offsite::OffsiteRow>,
}

/// The rows of `devices`, at the context's time; `running` are the UDIDs being backed up.
pub fn device_rows(
    ctx: &Context,
    devices: Vec<DeviceSummary>,
    running: &BTreeSet<String>,
) -> Result<Vec<DeviceRow>> {
    let settings = settings::load(ctx.dirs())?;
    let history = history(ctx.dirs())?;
    let now = ctx.now();
    Ok(devices
        .into_iter()
        .map(|device| {
            let h = history
                .devices
                .get(&device.udid)
                .cloned()
                .unwrap_or_default();
            let own = settings.device(&device.udid);
            DeviceRow {
                confirmed: own.is_some_and(|d| d.confirmed),
                schedule: own.filter(|d| d.confirmed).map(|d| d.schedule),
                next_backup: own.and_then(|d| next_backup(d, &h, now, ctx.time_zone())),
                location_missing: own
                    .and_then(|d| settings.location_of(d))
                    .filter(|l| !l.is_dir()),
                offsite: own.and_then(|d| crate::offsite::row(d, &h)),
                last_success: h.last_success,
                last_error: h.last_error,
                cleaning: h.pending_cleaning,
                mass_deletion: h.mass_deletion,
                last_verification: h.last_verification,
                backing_up: running.contains(&device.udid),
                device,
            }
        })
        .collect())
}
