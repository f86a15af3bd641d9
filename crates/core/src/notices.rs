//! What Keepsake tells the person outside its window: a backup finished or failed, a phone
//! waiting for its passcode, a cleaning waiting for approval, a mass deletion, no backup for
//! days, a backup disk missing. Each names the screen that answers it, which the app opens when
//! the notification is clicked.
//!
//! The reminders (the last four) are due from the settings and the history alone, for every
//! device set up here, in sight or not: a phone left in a drawer is the one that needs them.
//! Each is sent once for what it is about (a cleaning question, a warning) or at most once a day
//! (no backup for days, the disk missing); what was sent is remembered in `notices.json`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use keepsake_i18n::{tr, Messages};
use serde::{Deserialize, Serialize};

use crate::dirs::AppDirs;
use crate::error::Result;
use crate::history::history;
use crate::settings::{self, Schedule};
use crate::settings_files::{lock_config, read_json, write_atomically};

/// What was sent when, by [`Notice::key`].
const SENT_FILE: &str = "notices.json";
/// A daily reminder comes again after this long, not sooner.
const REMIND_EVERY: i64 = 24 * 3600;
/// What is remembered of sent reminders, at most (the oldest go first).
const MAX_SENT: usize = 500;

/// The screen a notice opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "screen", rename_all = "snake_case")]
pub enum Screen {
    /// The device's page: its progress, its questions and its last result.
    Device { udid: String },
    /// The device's snapshots along time.
    Timeline { udid: String },
    /// The device's settings (its location, say).
    Settings { udid: String },
}

/// One thing to tell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    BackupFinished {
        udid: String,
        device: String,
    },
    BackupFailed {
        udid: String,
        device: String,
        error: String,
    },
    /// iOS 16.1 and later ask for the passcode on the phone before a backup starts.
    PasscodeWanted {
        udid: String,
        device: String,
    },
    CleaningWaiting {
        udid: String,
        device: String,
        snapshots: usize,
        frees_bytes: u64,
        asked_at: i64,
    },
    MassDeletion {
        udid: String,
        device: String,
        at: i64,
    },
    NoRecentBackup {
        udid: String,
        device: String,
        days: i64,
    },
    LocationMissing {
        udid: String,
        device: String,
        location: PathBuf,
    },
}

impl Notice {
    pub fn udid(&self) -> &str {
        match self {
            Notice::BackupFinished { udid, .. }
            | Notice::BackupFailed { udid, .. }
            | Notice::PasscodeWanted { udid, .. }
            | Notice::CleaningWaiting { udid, .. }
            | Notice::MassDeletion { udid, .. }
            | Notice::NoRecentBackup { udid, .. }
            | Notice::LocationMissing { udid, .. } => udid,
        }
    }

    /// The screen that answers it.
    pub fn screen(&self) -> Screen {
        let udid = self.udid().to_owned();
        match self {
            Notice::MassDeletion { .. } => Screen::Timeline { udid },
            Notice::LocationMissing { .. } => Screen::Settings { udid },
            _ => Screen::Device { udid },
        }
    }

    /// Its headline, in the person's language.
    pub fn title(&self, m: &Messages) -> String {
        match self {
            Notice::BackupFinished { .. } => tr!(m, "backup-finished-title"),
            Notice::BackupFailed { device, .. } => {
                tr!(m, "backup-failed-title", device = device.as_str())
            }
            Notice::PasscodeWanted { device, .. } => {
                tr!(m, "passcode-wanted-title", device = device.as_str())
            }
            Notice::CleaningWaiting { .. } => tr!(m, "cleaning-waiting-title"),
            Notice::MassDeletion { device, .. } => {
                tr!(m, "mass-deletion-title", device = device.as_str())
            }
            Notice::NoRecentBackup { device, days, .. } => {
                tr!(
                    m,
                    "no-recent-backup-title",
                    device = device.as_str(),
                    days = *days
                )
            }
            Notice::LocationMissing { .. } => tr!(m, "location-missing-title"),
        }
    }

    /// What to do about it, in the person's language.
    pub fn body(&self, m: &Messages) -> String {
        match self {
            Notice::BackupFinished { device, .. } => {
                tr!(m, "backup-finished-body", device = device.as_str())
            }
            Notice::BackupFailed { error, .. } => error.clone(),
            Notice::PasscodeWanted { device, .. } => {
                tr!(m, "passcode-wanted-body", device = device.as_str())
            }
            Notice::CleaningWaiting {
                device,
                snapshots,
                frees_bytes,
                ..
            } => tr!(
                m,
                "cleaning-waiting-body",
                device = device.as_str(),
                snapshots = *snapshots,
                size = m.bytes(*frees_bytes)
            ),
            Notice::MassDeletion { .. } => tr!(m, "mass-deletion-body"),
            Notice::NoRecentBackup { device, .. } => {
                tr!(m, "no-recent-backup-body", device = device.as_str())
            }
            Notice::LocationMissing {
                device, location, ..
            } => tr!(
                m,
                "location-missing-body",
                device = device.as_str(),
                location = location.display().to_string()
            ),
        }
    }

    /// What it is about, for sending it once: `None` for notices of an event (sent as it
    /// happens), a key for reminders. Daily reminders carry the day they were sent for in
    /// [`remember_sent`] instead.
    fn key(&self) -> Option<String> {
        Some(match self {
            Notice::CleaningWaiting { udid, asked_at, .. } => format!("cleaning:{udid}:{asked_at}"),
            Notice::MassDeletion { udid, at, .. } => format!("mass-deletion:{udid}:{at}"),
            Notice::NoRecentBackup { udid, .. } => format!("no-backup:{udid}"),
            Notice::LocationMissing { udid, .. } => format!("location:{udid}"),
            _ => return None,
        })
    }

    fn daily(&self) -> bool {
        matches!(
            self,
            Notice::NoRecentBackup { .. } | Notice::LocationMissing { .. }
        )
    }
}

/// How many days without a backup a device of this schedule may go before a reminder.
pub fn overdue_after_days(schedule: Schedule) -> i64 {
    match schedule {
        Schedule::Daily => 3,
        Schedule::Weekly => 10,
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Sent {
    /// Key → when it was last sent (unix seconds).
    #[serde(default)]
    sent: BTreeMap<String, i64>,
}

/// Every reminder that is due at `now`, for the devices set up here; unsent ones only, each
/// remembered as sent once returned.
pub fn due_reminders(dirs: &AppDirs, now: i64) -> Result<Vec<Notice>> {
    let settings = settings::load(dirs)?;
    let history = history(dirs)?;
    let mut candidates = Vec::new();
    for device in settings.devices.values().filter(|d| d.confirmed) {
        let h = history
            .devices
            .get(&device.udid)
            .cloned()
            .unwrap_or_default();
        let (udid, name) = (device.udid.clone(), device.display_name().to_owned());
        if let Some(c) = &h.pending_cleaning {
            candidates.push(Notice::CleaningWaiting {
                udid: udid.clone(),
                device: name.clone(),
                snapshots: c.request.snapshots.len(),
                frees_bytes: c.request.frees_bytes,
                asked_at: c.asked_at,
            });
        }
        if let Some(w) = &h.mass_deletion {
            candidates.push(Notice::MassDeletion {
                udid: udid.clone(),
                device: name.clone(),
                at: w.at,
            });
        }
        if !device.auto_backup {
            continue;
        }
        let location = settings.location_of(device);
        if let Some(missing) = location.filter(|l| !l.is_dir()) {
            candidates.push(Notice::LocationMissing {
                udid: udid.clone(),
                device: name.clone(),
                location: missing,
            });
        }
        // Since the last backup, or since the first attempt for one never backed up here.
        if let Some(since) = h.last_success.or(h.last_attempt) {
            let days = (now - since) / 86_400;
            if days >= overdue_after_days(device.schedule) {
                candidates.push(Notice::NoRecentBackup {
                    udid,
                    device: name,
                    days,
                });
            }
        }
    }
    if candidates.is_empty() {
        return Ok(candidates);
    }
    let _lock = lock_config(dirs.config_dir(), "notices.lock")?;
    let path = dirs.config_dir().join(SENT_FILE);
    let mut sent: Sent = read_json(&path)?;
    let due: Vec<Notice> = candidates
        .into_iter()
        .filter(|n| {
            let key = n.key().expect("reminders have keys");
            match sent.sent.get(&key) {
                None => true,
                Some(&at) => n.daily() && now - at >= REMIND_EVERY,
            }
        })
        .collect();
    if !due.is_empty() {
        for n in &due {
            sent.sent.insert(n.key().expect("reminders have keys"), now);
        }
        while sent.sent.len() > MAX_SENT {
            let oldest = sent
                .sent
                .iter()
                .min_by_key(|(_, at)| **at)
                .map(|(k, _)| k.clone())
                .expect("not empty");
            sent.sent.remove(&oldest);
        }
        write_atomically(&path, &serde_json::to_vec_pretty(&sent)?)?;
    }
    Ok(due)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{update_history, PendingCleaning};
    use crate::settings::{DeviceSettings, Settings};

    const DAY: i64 = 86_400;

    fn set_up(dirs: &AppDirs, location: PathBuf, schedule: Schedule) {
        settings::update(dirs, |s: &mut Settings| {
            let mut d = DeviceSettings::new("U1", "Ada's iPhone", "iPhone15,2");
            d.confirmed = true;
            d.auto_backup = true;
            d.schedule = schedule;
            d.location = Some(location);
            s.devices.insert(d.udid.clone(), d);
            Ok(())
        })
        .unwrap();
    }

    fn kinds(n: &[Notice]) -> Vec<&'static str> {
        n.iter()
            .map(|n| match n {
                Notice::NoRecentBackup { .. } => "no-backup",
                Notice::LocationMissing { .. } => "location",
                Notice::CleaningWaiting { .. } => "cleaning",
                Notice::MassDeletion { .. } => "mass-deletion",
                _ => "other",
            })
            .collect()
    }

    #[test]
    fn a_device_not_backed_up_for_days_is_reminded_once_a_day() {
        let tmp = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(tmp.path().join("config"));
        let disk = tmp.path().join("disk");
        std::fs::create_dir(&disk).unwrap();
        set_up(&dirs, disk, Schedule::Daily);
        let t0 = 1_800_000_000;
        update_history(&dirs, |h| {
            h.devices.entry("U1".into()).or_default().last_success = Some(t0);
        })
        .unwrap();
        assert!(due_reminders(&dirs, t0 + 2 * DAY).unwrap().is_empty());
        let due = due_reminders(&dirs, t0 + 3 * DAY).unwrap();
        assert_eq!(kinds(&due), ["no-backup"]);
        let en = Messages::new(keepsake_i18n::Language::English);
        assert_eq!(due[0].title(&en), "No backup of Ada's iPhone for 3 days");
        let fr = Messages::new(keepsake_i18n::Language::French);
        assert_eq!(
            due[0].title(&fr),
            "Aucune sauvegarde de Ada's iPhone depuis 3 jours"
        );
        assert_eq!(due[0].screen(), Screen::Device { udid: "U1".into() });
        // the same day: not again; a day later: again
        assert!(due_reminders(&dirs, t0 + 3 * DAY + 3600)
            .unwrap()
            .is_empty());
        let again = due_reminders(&dirs, t0 + 4 * DAY).unwrap();
        assert!(matches!(
            again[..],
            [Notice::NoRecentBackup { days: 4, .. }]
        ));
    }

    #[test]
    fn a_weekly_device_waits_longer_and_a_missing_disk_opens_settings() {
        let tmp = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(tmp.path().join("config"));
        set_up(&dirs, tmp.path().join("unplugged"), Schedule::Weekly);
        let t0 = 1_800_000_000;
        update_history(&dirs, |h| {
            h.devices.entry("U1".into()).or_default().last_success = Some(t0);
        })
        .unwrap();
        let due = due_reminders(&dirs, t0 + 9 * DAY + 13 * 3600).unwrap();
        assert_eq!(kinds(&due), ["location"]);
        assert_eq!(due[0].screen(), Screen::Settings { udid: "U1".into() });
        let en = Messages::new(keepsake_i18n::Language::English);
        assert!(
            due[0].body(&en).contains("unplugged"),
            "{}",
            due[0].body(&en)
        );
        assert_eq!(
            kinds(&due_reminders(&dirs, t0 + 10 * DAY).unwrap()),
            ["no-backup"],
            "the disk was reminded less than a day ago"
        );
    }

    #[test]
    fn a_cleaning_question_is_told_once_and_a_new_one_again() {
        let tmp = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(tmp.path().join("config"));
        let disk = tmp.path().join("disk");
        std::fs::create_dir(&disk).unwrap();
        set_up(&dirs, disk.clone(), Schedule::Daily);
        let t0 = 1_800_000_000;
        let ask = |at: i64| {
            update_history(&dirs, |h| {
                let d = h.devices.entry("U1".into()).or_default();
                d.last_success = Some(at);
                d.pending_cleaning = Some(PendingCleaning {
                    location: disk.clone(),
                    asked_at: at,
                    request: crate::CleaningRequest {
                        reason: crate::cleaning_policy::CleaningReason::OverBudget,
                        snapshots: vec![],
                        frees_bytes: 5_000_000,
                        overhead_bytes: 0,
                        budget_bytes: 0,
                    },
                });
            })
            .unwrap()
        };
        ask(t0);
        let due = due_reminders(&dirs, t0 + 60).unwrap();
        assert_eq!(kinds(&due), ["cleaning"]);
        let en = Messages::new(keepsake_i18n::Language::English);
        assert_eq!(
            due[0].body(&en),
            "Keepsake asks before deleting 0 old snapshots of Ada's iPhone, which would free 4.8 MiB."
        );
        assert!(due_reminders(&dirs, t0 + 5 * 3600).unwrap().is_empty());
        ask(t0 + DAY);
        assert_eq!(
            kinds(&due_reminders(&dirs, t0 + DAY + 60).unwrap()),
            ["cleaning"]
        );
    }
}
