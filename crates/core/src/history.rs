//! What happened to each device's backups: the last success, the last attempt and its error,
//! the failures since (the agent's backoff) and a cleaning question waiting for its answer.
//! Kept in `backups.json` beside the settings; every backup, whoever started it (the agent, the
//! CLI, the app), is recorded here, so a manual backup counts as that day's.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::cleaning_policy::CleaningRequest;
use crate::dirs::AppDirs;
use crate::error::{CoreError, Result};
use crate::settings_files::{lock_config, read_json, write_atomically};

/// The backup history file, in the app config dir.
pub const HISTORY_FILE: &str = "backups.json";

/// A cleaning request waiting for the person's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCleaning {
    pub location: PathBuf,
    pub asked_at: i64,
    pub request: CleaningRequest,
}

/// What happened to one device's backups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceHistory {
    pub last_success: Option<i64>,
    pub last_attempt: Option<i64>,
    /// Failed attempts since the last success.
    pub failures: u32,
    pub last_error: Option<String>,
    pub pending_cleaning: Option<PendingCleaning>,
    /// The last verification of the location holding the device's snapshots (a sample after a
    /// backup, or all of it).
    pub last_verification: Option<Verified>,
    /// The last verification of all of it (the agent makes one weekly).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_full_verification: Option<Verified>,
}

/// How a verification went, as the history keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    /// Unix seconds.
    pub at: i64,
    pub ok: bool,
    pub summary: String,
    /// Only a sample of the data was read (after a backup).
    #[serde(default)]
    pub sampled: bool,
}

/// Every device's history, by UDID.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct History {
    pub devices: BTreeMap<String, DeviceHistory>,
}

fn history_path(dirs: &AppDirs) -> PathBuf {
    dirs.config_dir().join(HISTORY_FILE)
}

/// The backup history as saved.
pub fn history(dirs: &AppDirs) -> Result<History> {
    read_json(&history_path(dirs))
}

pub(crate) fn update_history<T>(
    dirs: &AppDirs,
    change: impl FnOnce(&mut History) -> T,
) -> Result<T> {
    let _lock = lock_config(dirs.config_dir(), "backups.lock")?;
    let path = history_path(dirs);
    let mut history: History = read_json(&path)?;
    let out = change(&mut history);
    write_atomically(&path, &serde_json::to_vec_pretty(&history)?)?;
    Ok(out)
}

/// Records how a backup of `udid` that ended at `time` (unix seconds) went. Every backup path
/// calls it (agent, CLI, app): a success is that day's backup, a failure counts towards the
/// agent's backoff. A backup that never started because another one was running or its
/// location is not there (it waits for it), or that was cancelled, is not recorded.
pub fn record_backup<T>(dirs: &AppDirs, udid: &str, time: i64, result: &Result<T>) -> Result<()> {
    if matches!(
        result,
        Err(CoreError::AlreadyBackingUp { .. }
            | CoreError::Cancelled { .. }
            | CoreError::LocationMissing { .. })
    ) {
        return Ok(());
    }
    update_history(dirs, |h| {
        let d = h.devices.entry(udid.to_owned()).or_default();
        d.last_attempt = Some(time);
        match result {
            Ok(_) => {
                d.last_success = Some(time);
                d.failures = 0;
                d.last_error = None;
            }
            Err(e) => {
                d.failures += 1;
                d.last_error = Some(e.to_string());
            }
        }
    })
}
