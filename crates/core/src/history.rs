//! What happened to each device's backups: the last success, the last attempt and its error,
//! the failures since (the agent's backoff) and a cleaning question waiting for its answer.
//! Kept in `backups.json` beside the settings; every backup, whoever started it (the agent, the
//! CLI, the app), is recorded here, so a manual backup counts as that day's.
//!
//! Each device also keeps its recent [`Event`]s (at most [`MAX_EVENTS`], oldest dropped first):
//! its backups, failures and cancellations, and the days the agent found it due but could not
//! back it up, with the reason (not connected, the location missing), one a reason a day.

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
    /// What happened, oldest first, at most [`MAX_EVENTS`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    /// A backup let a large share of photos or attachments go: the snapshot before it is kept
    /// until the person says they may go (by no longer keeping it forever).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mass_deletion: Option<crate::deletions::MassDeletionWarning>,
    /// Where its offsite copy is at, when it has one ([`crate::offsite`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offsite: Option<OffsiteState>,
}

/// Events kept per device: a year of daily backups and the odd skipped day, a few dozen KB.
pub const MAX_EVENTS: usize = 400;

/// One thing that happened to a device's backups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Unix seconds.
    pub at: i64,
    #[serde(flatten)]
    pub what: EventKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A backup was saved as a snapshot.
    BackedUp {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        snapshot: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        added_bytes: Option<u64>,
    },
    /// A backup started and failed.
    Failed { reason: Reason, error: String },
    /// A backup was stopped before it finished (nothing of it was kept).
    Cancelled,
    /// The device was due a backup, and it could not start.
    Skipped { reason: Reason },
    /// Its snapshots were copied to its offsite remote.
    CopiedOffsite { remote: String, bytes_sent: u64 },
    /// A copy to its offsite remote did not happen (recorded when the reason is new).
    OffsiteFailed {
        remote: String,
        reason: OffsiteReason,
        error: String,
    },
}

/// Why a backup failed or did not happen, in kinds the app can explain and count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Neither on the cable nor on Wi-Fi.
    NotConnected,
    /// The device was locked, or its passcode (iOS 16.1+ asks for it) was not entered in time.
    PasscodeNotEntered,
    /// The backup location (a disk) was not there.
    LocationMissing,
    /// The device has no backup location yet (its settings wait for the person).
    NoLocation,
    NotEnoughSpace,
    /// The backup password was wrong or missing.
    Password,
    /// The connection to the device was lost or it stopped answering.
    ConnectionLost,
    /// Anything else: the error says what.
    Error,
}

impl Reason {
    /// The kind of `error`, for the history.
    pub fn of(error: &CoreError) -> Reason {
        use keepsake_device::DeviceError as D;
        match error {
            CoreError::NoDevice | CoreError::NoSuchDevice { .. } => Reason::NotConnected,
            CoreError::LocationMissing { .. } => Reason::LocationMissing,
            CoreError::NoLocation { .. } => Reason::NoLocation,
            CoreError::NotEnoughSpace { .. } => Reason::NotEnoughSpace,
            CoreError::BackupLocked { .. } | CoreError::WrongBackupPassword { .. } => {
                Reason::Password
            }
            CoreError::Device(d) => match d {
                D::BackupFailed { code: 105, .. } => Reason::NotEnoughSpace,
                D::BackupFailed { code: 207, .. } => Reason::Password,
                D::BackupFailed { code: 208, .. } => Reason::PasscodeNotEntered,
                D::ConnectionLost { .. } | D::Silent { .. } | D::Timeout { .. } => {
                    Reason::ConnectionLost
                }
                _ => Reason::Error,
            },
            _ => Reason::Error,
        }
    }
}

impl DeviceHistory {
    pub(crate) fn push(&mut self, event: Event) {
        self.events.push(event);
        if self.events.len() > MAX_EVENTS {
            let extra = self.events.len() - MAX_EVENTS;
            self.events.drain(..extra);
        }
    }
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

/// Why an offsite copy did not happen, in kinds the app can explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsiteReason {
    /// The server could not be reached (offline, a network share or VPN down): it waits for it.
    Unreachable,
    /// The keys are wrong or lack the rights.
    Refused,
    /// Writes are refused while reads work: a full quota, a failing server.
    Full,
    /// The bucket's copy has snapshots this computer never made (another computer wrote to it
    /// from a copy of the disk): nothing was changed.
    Diverged,
    /// This computer does not remember the access key's secret.
    NoSecret,
    Error,
}

impl OffsiteReason {
    pub fn of(error: &CoreError) -> OffsiteReason {
        use keepsake_offsite::Error as E;
        match error {
            CoreError::Offsite(e) => match e {
                E::Unreachable { .. } | E::Busy { .. } => OffsiteReason::Unreachable,
                E::Refused { .. } => OffsiteReason::Refused,
                E::WriteRefused { .. } => OffsiteReason::Full,
                E::Diverged { .. } => OffsiteReason::Diverged,
                _ => OffsiteReason::Error,
            },
            CoreError::OffsiteNoSecret { .. } | CoreError::CredentialStore(_) => {
                OffsiteReason::NoSecret
            }
            _ => OffsiteReason::Error,
        }
    }
}

/// What a device's offsite copy is at, in its history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OffsiteState {
    /// The remote this is about: a copy to another address starts over.
    pub remote: String,
    /// When the last copy was made, and the backup it holds (the device's `last_success`).
    pub last_copied: Option<i64>,
    pub covers: Option<i64>,
    pub generation: Option<u64>,
    pub last_attempt: Option<i64>,
    /// Failed attempts since the last copy (the agent's backoff).
    pub failures: u32,
    /// What the copy waits for since the last attempt failed.
    pub waiting: Option<OffsiteWaiting>,
}

/// Why the offsite copy is behind, and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsiteWaiting {
    pub reason: OffsiteReason,
    pub error: String,
}

/// The first retry waits this long; each next one three times longer, up to [`RETRY_MAX`].
pub const RETRY_FIRST: i64 = 10 * 60;
pub const RETRY_MAX: i64 = 6 * 3600;

/// How long the agent waits after `failures` failed attempts in a row (of a backup, or of an
/// offsite copy).
pub fn retry_delay(failures: u32) -> i64 {
    if failures == 0 {
        return 0;
    }
    let mut delay = RETRY_FIRST;
    for _ in 1..failures {
        delay = (delay * 3).min(RETRY_MAX);
    }
    delay
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

/// Keeps `warning` in `udid`'s history until it is answered.
pub fn record_mass_deletion(
    dirs: &AppDirs,
    udid: &str,
    warning: crate::deletions::MassDeletionWarning,
) -> Result<()> {
    update_history(dirs, |h| {
        h.devices.entry(udid.to_owned()).or_default().mass_deletion = Some(warning);
    })
}

/// The person no longer keeps snapshot `kept` of repository `repository` forever: a mass
/// deletion warning that kept it is answered (the photos may go). Returns whether one was.
pub fn mass_deletion_answered(dirs: &AppDirs, repository: &str, kept: i64) -> Result<bool> {
    update_history(dirs, |h| {
        let mut answered = false;
        for d in h.devices.values_mut() {
            if d.mass_deletion
                .as_ref()
                .is_some_and(|w| w.repository == repository && w.kept == kept)
            {
                d.mass_deletion = None;
                answered = true;
            }
        }
        answered
    })
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

/// What a saved backup made, for its history event.
pub trait BackupOutcome {
    /// The snapshot it made and the bytes that snapshot added, when known.
    fn made(&self) -> (Option<i64>, Option<u64>) {
        (None, None)
    }
}

impl BackupOutcome for () {}

/// Records how a backup of `udid` that ended at `time` (unix seconds) went. Every backup path
/// calls it (agent, CLI, app): a success is that day's backup, a failure counts towards the
/// agent's backoff. A backup that never started because another one was running is not
/// recorded; one whose location is not there (it waits for it) or that was cancelled is an
/// event only, not an attempt.
pub fn record_backup<T: BackupOutcome>(
    dirs: &AppDirs,
    udid: &str,
    time: i64,
    result: &Result<T>,
) -> Result<()> {
    if matches!(result, Err(CoreError::AlreadyBackingUp { .. })) {
        return Ok(());
    }
    update_history(dirs, |h| {
        let d = h.devices.entry(udid.to_owned()).or_default();
        let what = match result {
            Err(CoreError::Cancelled { .. }) => EventKind::Cancelled,
            Err(e @ CoreError::LocationMissing { .. }) => EventKind::Skipped {
                reason: Reason::of(e),
            },
            Ok(outcome) => {
                d.last_attempt = Some(time);
                d.last_success = Some(time);
                d.failures = 0;
                d.last_error = None;
                let (snapshot, added_bytes) = outcome.made();
                EventKind::BackedUp {
                    snapshot,
                    added_bytes,
                }
            }
            Err(e) => {
                d.last_attempt = Some(time);
                d.failures += 1;
                d.last_error = Some(e.to_string());
                EventKind::Failed {
                    reason: Reason::of(e),
                    error: e.to_string(),
                }
            }
        };
        d.push(Event { at: time, what });
    })
}

/// Records that the agent found `udid` due at `time` and could not start its backup, for
/// `reason`, unless the device's newest event already says so for the same day (`same_day`
/// tells whether an earlier time falls on the day of `time`, in the person's days).
pub fn record_skip(
    dirs: &AppDirs,
    udid: &str,
    time: i64,
    reason: Reason,
    same_day: impl Fn(i64) -> bool,
) -> Result<()> {
    let already = |d: &DeviceHistory| {
        d.events
            .last()
            .is_some_and(|e| e.what == EventKind::Skipped { reason } && same_day(e.at))
    };
    // Read first: the agent looks every few minutes, and most looks change nothing.
    if history(dirs)?.devices.get(udid).is_some_and(already) {
        return Ok(());
    }
    update_history(dirs, |h| {
        let d = h.devices.entry(udid.to_owned()).or_default();
        if !already(d) {
            d.push(Event {
                at: time,
                what: EventKind::Skipped { reason },
            });
        }
    })
}

/// After a backup of `udid` succeeded: the skips recorded earlier the same day (`same_day`) go,
/// since that day was not skipped after all.
pub(crate) fn drop_skips_of_day(
    dirs: &AppDirs,
    udid: &str,
    same_day: impl Fn(i64) -> bool,
) -> Result<()> {
    update_history(dirs, |h| {
        if let Some(d) = h.devices.get_mut(udid) {
            d.events
                .retain(|e| !(matches!(e.what, EventKind::Skipped { .. }) && same_day(e.at)));
        }
    })
}

/// The events of `udid` (every device when `None`), newest first, with the device they are of.
pub fn events(dirs: &AppDirs, udid: Option<&str>) -> Result<Vec<(String, Event)>> {
    let mut out: Vec<(String, Event)> = history(dirs)?
        .devices
        .into_iter()
        .filter(|(u, _)| udid.is_none_or(|w| w == u))
        .flat_map(|(u, d)| d.events.into_iter().map(move |e| (u.clone(), e)))
        .collect();
    // Newest first; of a device's events in the same second, the one recorded last.
    out.reverse();
    out.sort_by_key(|e| std::cmp::Reverse(e.1.at));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_say_why_and_stay_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(dir.path().join("config"));
        let cancelled: Result<()> = Err(CoreError::Cancelled {
            device: "U1".into(),
        });
        record_backup(&dirs, "U1", 10, &cancelled).unwrap();
        let d = &history(&dirs).unwrap().devices["U1"];
        assert_eq!(d.last_attempt, None, "a cancelled backup is no attempt");
        assert_eq!(d.events[0].what, EventKind::Cancelled);
        let busy: Result<()> = Err(CoreError::AlreadyBackingUp {
            device: "U1".into(),
        });
        record_backup(&dirs, "U1", 11, &busy).unwrap();
        let space: Result<()> = Err(CoreError::NotEnoughSpace {
            device: "U1".into(),
            location: "/disk".into(),
            free: "1 GB".into(),
            needed: "3 GB".into(),
        });
        record_backup(&dirs, "U1", 12, &space).unwrap();
        let events = events(&dirs, None).unwrap();
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(matches!(
            &events[0].1.what,
            EventKind::Failed { reason: Reason::NotEnoughSpace, error } if error.contains("3 GB")
        ));
        for t in 0..MAX_EVENTS as i64 + 5 {
            record_backup(&dirs, "U1", 100 + t, &Ok(())).unwrap();
        }
        let d = &history(&dirs).unwrap().devices["U1"];
        assert_eq!(d.events.len(), MAX_EVENTS);
        assert_eq!(d.events[0].at, 105, "the oldest went first");
        assert_eq!(d.last_success, Some(100 + MAX_EVENTS as i64 + 4));
    }
}
