//! The agent: back up each device with automatic backups on once per scheduled day when it is
//! reachable, retry failures with backoff, and follow each backup with the device's cleaning
//! policy (with "ask first", the question waits for the app or `keepsake clean`).
//!
//! Time comes from the [`Context`]'s clock and backups from a [`BackupRunner`], so tests run
//! sixty days in a second. Days are the person's local days, in the context's time zone and
//! the device's backup window ([`crate::days`]). What follows a backup is
//! [`crate::backup::after_backup`], the same for every backup.

use std::future::Future;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::backup::{after_backup, AfterBackup};
use crate::cleaning::{CleaningOutcome, SnapshotStore};
use crate::context::Context;
use crate::days::Days;
use crate::error::{CoreError, Result};
use crate::history::{history, DeviceHistory, Reason};
use crate::settings::{self, DeviceSettings};
use jiff::tz::TimeZone;

#[cfg(test)]
const DAY: i64 = 86_400;
pub use crate::history::{retry_delay, RETRY_FIRST, RETRY_MAX};

/// A device the agent can reach now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reachable {
    pub udid: String,
    pub name: String,
    pub model: String,
}

/// What runs backups for the agent: the real devices ([`LiveRunner`]) or a test's fake.
pub trait BackupRunner {
    /// The devices that can be backed up now (paired, on USB or Wi-Fi).
    fn reachable(&self) -> impl Future<Output = Vec<Reachable>>;
    /// Backs `udid` up into `location`; one backup of a device at a time is the runner's to
    /// enforce (`back_up` holds a `DeviceJob`), and a refusal is `CoreError::AlreadyBackingUp`.
    fn back_up(&self, udid: &str, location: &Path) -> impl Future<Output = Result<()>>;
    /// Copies `location` to `device`'s offsite remote (only what the remote lacks). By default
    /// the real copy, opened with this computer's key, without progress.
    fn copy_offsite<'a>(
        &'a self,
        ctx: &'a Context,
        device: &'a DeviceSettings,
        location: &'a Path,
    ) -> impl Future<Output = Result<crate::offsite::OffsiteReport>> + 'a {
        async move { crate::offsite::send(ctx, device, location, &ctx.unlock(), |_| {}).await }
    }
}

/// Why the agent did or did not back a device up in a pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "turn")]
pub enum Turn {
    AutoBackupOff,
    /// Its first backup waits for its settings to be confirmed.
    NotConfirmed,
    /// Already backed up on this scheduled day.
    NotDue,
    /// Outside the device's backup window; it opens then.
    OutsideWindow {
        opens: i64,
    },
    /// The last attempt failed; the next waits until then.
    BackingOff {
        until: i64,
    },
    NotReachable,
    NoLocation,
    /// Its location is not there (an unplugged disk): the backup waits for it.
    LocationMissing {
        location: PathBuf,
    },
    /// Another backup of it is running (the CLI, the app).
    AlreadyRunning,
    BackedUp {
        cleaning: CleaningOutcome,
    },
    /// Backed up, but applying the cleaning policy failed.
    CleaningFailed {
        error: String,
    },
    Failed {
        error: String,
    },
}

/// One device in one pass.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceTurn {
    pub udid: String,
    pub name: String,
    #[serde(flatten)]
    pub turn: Turn,
    /// Its offsite copy, when one was tried in this pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offsite: Option<OffsiteTurn>,
}

/// An offsite copy tried in a pass: after each new backup, and again with backoff until it
/// catches up (an unreachable remote is waited for).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum OffsiteTurn {
    Copied {
        report: crate::offsite::OffsiteReport,
    },
    Waiting {
        remote: String,
        reason: crate::offsite::OffsiteReason,
        error: String,
    },
}

/// The device's backup days in time zone `tz`.
fn days_of<'a>(device: &DeviceSettings, tz: &'a TimeZone) -> Days<'a> {
    Days {
        tz,
        window: device.window,
    }
}

/// Whether `device` is due a backup at `now` (days in `tz`), given its history; `None` when it
/// is.
pub fn waiting_reason(
    device: &DeviceSettings,
    history: &DeviceHistory,
    now: i64,
    tz: &TimeZone,
) -> Option<Turn> {
    if !device.auto_backup {
        return Some(Turn::AutoBackupOff);
    }
    if !device.confirmed {
        return Some(Turn::NotConfirmed);
    }
    let days = days_of(device, tz);
    if let Some(last) = history.last_success {
        if days.day_of(now) - days.day_of(last) < device.schedule.days() {
            return Some(Turn::NotDue);
        }
    }
    if history.failures > 0 {
        let until = history.last_attempt.unwrap_or(0) + retry_delay(history.failures);
        if now < until {
            return Some(Turn::BackingOff { until });
        }
    }
    if !days.in_window(now) {
        return Some(Turn::OutsideWindow {
            opens: days.next_open(now),
        });
    }
    None
}

/// When `device`'s next automatic backup is due: the start of its next scheduled local day
/// (or window) after the last success, or later while a failure backs off or the window is
/// closed. `None` when automatic backups are off or its settings wait for confirmation. A time
/// at or before `now` means "as soon as it is reachable"; [`waiting_reason`] says `None`
/// exactly from this time on.
pub fn next_backup(
    device: &DeviceSettings,
    history: &DeviceHistory,
    now: i64,
    tz: &TimeZone,
) -> Option<i64> {
    if !device.auto_backup || !device.confirmed {
        return None;
    }
    let days = days_of(device, tz);
    let mut due = history.last_success.map_or(now, |last| {
        days.start_of(days.day_of(last) + device.schedule.days())
    });
    if history.failures > 0 {
        due = due.max(history.last_attempt.unwrap_or(0) + retry_delay(history.failures));
    }
    if due > now || !days.in_window(now) {
        due = days.next_open(due.max(now));
    }
    Some(due)
}

/// The agent: one [`Agent::pass`] looks at every known device and backs up those that are due.
pub struct Agent<'a, R, S> {
    pub ctx: &'a Context,
    pub runner: R,
    pub store: S,
}

impl<R: BackupRunner, S: SnapshotStore> Agent<'_, R, S> {
    /// Looks at every device once, backing up (one after another) those that are due and
    /// reachable. Devices seen for the first time are added to the settings, unconfirmed.
    pub async fn pass(&self) -> Result<Vec<DeviceTurn>> {
        let reachable = self.runner.reachable().await;
        let before = settings::load(self.ctx.dirs())?;
        let mut seen = before.clone();
        for r in &reachable {
            seen.device_mut(&r.udid, &r.name, &r.model);
        }
        let settings = if seen == before {
            before
        } else {
            settings::update(self.ctx.dirs(), |s| {
                for r in &reachable {
                    s.device_mut(&r.udid, &r.name, &r.model);
                }
                Ok(s.clone())
            })?
        };
        let mut turns = Vec::new();
        for device in settings.devices.values() {
            let turn = self.turn(&settings, device, &reachable).await?;
            tracing::debug!(udid = device.udid, ?turn, "agent");
            let offsite = self.offsite_turn(&settings, device).await?;
            turns.push(DeviceTurn {
                udid: device.udid.clone(),
                name: device.display_name().to_owned(),
                turn,
                offsite,
            });
        }
        // Then, weekly, each location read back whole (after the backups: they come first).
        crate::verification::verify_due(self.ctx)?;
        Ok(turns)
    }

    /// Copies the device's snapshots offsite when its copy is behind its newest backup and not
    /// backing off; the device need not be in reach, only its location.
    async fn offsite_turn(
        &self,
        settings: &settings::Settings,
        device: &DeviceSettings,
    ) -> Result<Option<OffsiteTurn>> {
        let history = history(self.ctx.dirs())?
            .devices
            .remove(&device.udid)
            .unwrap_or_default();
        if !crate::offsite::due(device, &history, self.ctx.now()) {
            return Ok(None);
        }
        let Some(location) = settings.location_of(device).filter(|l| l.is_dir()) else {
            return Ok(None);
        };
        let result = self.runner.copy_offsite(self.ctx, device, &location).await;
        crate::offsite::record_offsite(self.ctx, device, history.last_success, &result)?;
        Ok(Some(match result {
            Ok(report) => OffsiteTurn::Copied { report },
            Err(e) => OffsiteTurn::Waiting {
                remote: device
                    .offsite
                    .as_ref()
                    .map(|c| c.name().to_owned())
                    .unwrap_or_default(),
                reason: crate::offsite::OffsiteReason::of(&e),
                error: e.to_string(),
            },
        }))
    }

    async fn turn(
        &self,
        settings: &settings::Settings,
        device: &DeviceSettings,
        reachable: &[Reachable],
    ) -> Result<Turn> {
        let history = history(self.ctx.dirs())?
            .devices
            .remove(&device.udid)
            .unwrap_or_default();
        if let Some(wait) = waiting_reason(device, &history, self.ctx.now(), self.ctx.time_zone()) {
            return Ok(wait);
        }
        let skipped = |reason| {
            let (now, days) = (self.ctx.now(), days_of(device, self.ctx.time_zone()));
            crate::history::record_skip(self.ctx.dirs(), &device.udid, now, reason, |t| {
                days.day_of(t) == days.day_of(now)
            })
        };
        if !reachable.iter().any(|r| r.udid == device.udid) {
            skipped(Reason::NotConnected)?;
            return Ok(Turn::NotReachable);
        }
        let Some(location) = settings.location_of(device) else {
            skipped(Reason::NoLocation)?;
            return Ok(Turn::NoLocation);
        };
        if !location.is_dir() {
            skipped(Reason::LocationMissing)?;
            return Ok(Turn::LocationMissing { location });
        }
        tracing::info!(device = device.display_name(), "automatic backup");
        let result = self.runner.back_up(&device.udid, &location).await;
        let after = after_backup(self.ctx, &self.store, device, &location, &result)?;
        match result {
            Ok(()) => Ok(match after {
                AfterBackup {
                    cleaning: Some(cleaning),
                    ..
                } => Turn::BackedUp { cleaning },
                AfterBackup { cleaning_error, .. } => Turn::CleaningFailed {
                    error: cleaning_error.unwrap_or_default(),
                },
            }),
            Err(CoreError::AlreadyBackingUp { .. }) => Ok(Turn::AlreadyRunning),
            Err(CoreError::LocationMissing { location }) => Ok(Turn::LocationMissing { location }),
            Err(e) => Ok(Turn::Failed {
                error: e.to_string(),
            }),
        }
    }
}

/// The devices of a discovery that an agent may back up. A device that does not trust this
/// computer yet waits for `keepsake pair` or the app's wizard: a background agent does not make
/// the phone ask.
pub fn reachable_of(devices: Vec<crate::devices::DeviceSummary>) -> Vec<Reachable> {
    devices
        .into_iter()
        .filter(|d| d.paired && matches!(d.state, "ready" | "wifi_only"))
        .map(|d| Reachable {
            udid: d.udid,
            name: d.name,
            model: d.model,
        })
        .collect()
}

/// The real devices, backed up with [`crate::back_up`] and this computer's remembered keys.
#[derive(Debug, Clone)]
pub struct LiveRunner {
    pub ctx: Context,
    /// How long to listen for devices on Wi-Fi in each pass; `None`: only devices on a cable.
    pub wifi: Option<std::time::Duration>,
    /// Cancels the running backup (the agent is stopping): nothing of it is committed.
    pub cancel: crate::jobs::Cancel,
}

impl LiveRunner {
    /// Devices on a cable, and on Wi-Fi those that answer within two seconds (as `keepsake
    /// devices` waits for them).
    pub fn new(ctx: &Context) -> Self {
        LiveRunner {
            ctx: ctx.clone(),
            wifi: Some(std::time::Duration::from_secs(2)),
            cancel: crate::jobs::Cancel::new(),
        }
    }
}

impl BackupRunner for LiveRunner {
    async fn reachable(&self) -> Vec<Reachable> {
        let overview = crate::devices::device_overview(&self.ctx, self.wifi).await;
        if let Some(problem) = &overview.usbmuxd_problem {
            tracing::debug!(problem, "usbmuxd");
        }
        reachable_of(overview.devices)
    }

    async fn back_up(&self, udid: &str, location: &Path) -> Result<()> {
        let mut options = crate::backup::BackupOptions::new(location);
        options.cancel = self.cancel.clone();
        crate::backup::back_up(&self.ctx, Some(udid), &options, |_| {})
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use super::*;
    use crate::cleaning::tests::FakeStore;
    use crate::cleaning::{answer_cleaning, apply_policy};
    use crate::cleaning_policy::CleaningReason;
    use crate::clock::{Clock, ManualClock};
    use crate::dirs::AppDirs;
    use crate::history::{record_backup, EventKind};
    use crate::settings::Schedule;

    const HOUR: i64 = 3600;
    const GB: u64 = 1_000_000_000;
    /// 2026-01-01 00:00 UTC.
    const START: i64 = 1_767_225_600;

    fn context(dirs: AppDirs, clock: &ManualClock) -> Context {
        let nowhere = keepsake_device::Usbmuxd::parse("127.0.0.1:1").unwrap();
        Context::new(dirs, nowhere, clock.clone())
    }

    /// Backs up into the fake store; unreachable or failing as the test says.
    struct FakeRunner<'a> {
        clock: ManualClock,
        store: &'a FakeStore,
        devices: Vec<Reachable>,
        unplugged: RefCell<Vec<(String, i64)>>,
        failures_left: RefCell<BTreeMap<(String, i64), u32>>,
        attempts: RefCell<Vec<(String, i64)>>,
    }

    impl BackupRunner for FakeRunner<'_> {
        async fn reachable(&self) -> Vec<Reachable> {
            let day = self.clock.now().div_euclid(DAY);
            let unplugged = self.unplugged.borrow();
            self.devices
                .iter()
                .filter(|d| !unplugged.contains(&(d.udid.clone(), day)))
                .cloned()
                .collect()
        }

        async fn back_up(&self, udid: &str, location: &Path) -> Result<()> {
            let now = self.clock.now();
            self.attempts.borrow_mut().push((udid.to_owned(), now));
            let key = (udid.to_owned(), now.div_euclid(DAY));
            if let Some(n) = self.failures_left.borrow_mut().get_mut(&key) {
                if *n > 0 {
                    *n -= 1;
                    return Err(CoreError::Store(keepsake_i18n::say(
                        "core-device-went-away",
                        &[],
                    )));
                }
            }
            self.store.add(location, udid, now, GB / 5);
            Ok(())
        }
    }

    fn phone(udid: &str) -> Reachable {
        Reachable {
            udid: udid.to_owned(),
            name: format!("{udid}'s iPhone"),
            model: "iPhone14,2".to_owned(),
        }
    }

    #[test]
    fn next_backup_is_when_the_agent_stops_waiting() {
        let mut device = DeviceSettings::new("U1", "", "");
        let success = |t: i64| DeviceHistory {
            last_success: Some(t),
            last_attempt: Some(t),
            ..Default::default()
        };
        assert_eq!(
            next_backup(&device, &success(START), START, &TimeZone::UTC),
            None,
            "unconfirmed"
        );
        device.confirmed = true;
        let failing = DeviceHistory {
            last_success: Some(START + 2 * HOUR),
            last_attempt: Some(START + 25 * HOUR),
            failures: 2,
            ..Default::default()
        };
        for schedule in [Schedule::Daily, Schedule::Weekly] {
            device.schedule = schedule;
            for h in [
                success(START + 2 * HOUR),
                success(START - 1),
                failing.clone(),
            ] {
                let next = next_backup(&device, &h, START, &TimeZone::UTC).unwrap();
                // at every hour of two weeks the agent waits exactly until `next`
                for t in (START..START + 14 * DAY).step_by(HOUR as usize / 2) {
                    assert_eq!(
                        waiting_reason(&device, &h, t, &TimeZone::UTC).is_none(),
                        t >= next,
                        "{schedule:?} {h:?} at {t}, next {next}"
                    );
                }
            }
        }
        device.schedule = Schedule::Daily;
        assert_eq!(
            next_backup(&device, &success(START + 2 * HOUR), START, &TimeZone::UTC),
            Some(START + DAY),
            "tomorrow, from midnight"
        );
        assert_eq!(
            next_backup(&device, &failing, START, &TimeZone::UTC),
            Some(START + 25 * HOUR + 1800),
            "the second failure waits 30 minutes"
        );
        assert_eq!(
            next_backup(&device, &DeviceHistory::default(), START, &TimeZone::UTC),
            Some(START),
            "never backed up: now"
        );
        device.auto_backup = false;
        assert_eq!(
            next_backup(&device, &DeviceHistory::default(), START, &TimeZone::UTC),
            None
        );
    }

    #[test]
    fn backoff_grows_three_times_up_to_six_hours() {
        let delays: Vec<i64> = (0..7).map(retry_delay).collect();
        assert_eq!(
            delays,
            vec![0, 600, 1800, 5400, 16_200, RETRY_MAX, RETRY_MAX]
        );
    }

    /// Issue 19: in UTC+9 a UTC day turns at 09:00, so a manual backup at 08:00 did not count
    /// for the person's day and the agent backed up again at 10:00. Days are local now.
    #[test]
    fn a_manual_backup_counts_for_the_local_day_and_the_window_holds_the_agent_back() {
        let tokyo = TimeZone::fixed(jiff::tz::offset(9));
        let local = |d: i8, h: i8| {
            jiff::civil::date(2026, 1, d)
                .at(h, 0, 0, 0)
                .to_zoned_datetime(tokyo.clone())
                .unwrap()
                .timestamp()
                .as_second()
        };
        let mut device = DeviceSettings::new("U1", "", "");
        device.confirmed = true;
        let done_at = |t: i64| DeviceHistory {
            last_success: Some(t),
            last_attempt: Some(t),
            ..Default::default()
        };
        let manual = done_at(local(5, 8));
        assert_eq!(
            waiting_reason(&device, &manual, local(5, 10), &tokyo),
            Some(Turn::NotDue),
            "08:00 and 10:00 are one day in Tokyo"
        );
        // (the old UTC days: 08:00 JST is the day before 10:00 JST)
        assert_ne!(local(5, 8).div_euclid(DAY), local(5, 10).div_euclid(DAY));
        assert_eq!(waiting_reason(&device, &manual, local(6, 0), &tokyo), None);
        assert_eq!(
            next_backup(&device, &manual, local(5, 10), &tokyo),
            Some(local(6, 0))
        );

        // at night only: the day's backup waits for 20:00, and one at 23:00 covers the night
        device.window = Some(crate::days::BackupWindow::NIGHT);
        assert_eq!(
            waiting_reason(&device, &manual, local(6, 10), &tokyo),
            Some(Turn::OutsideWindow {
                opens: local(6, 20)
            })
        );
        assert_eq!(
            next_backup(&device, &manual, local(6, 10), &tokyo),
            Some(local(6, 20))
        );
        assert_eq!(waiting_reason(&device, &manual, local(6, 21), &tokyo), None);
        let night = done_at(local(6, 23));
        assert_eq!(
            waiting_reason(&device, &night, local(7, 1), &tokyo),
            Some(Turn::NotDue),
            "01:00 is the same night"
        );
        assert_eq!(
            next_backup(&device, &night, local(7, 1), &tokyo),
            Some(local(7, 20))
        );
        // never backed up: due now if the window is open, else when it opens
        let never = DeviceHistory::default();
        assert_eq!(
            next_backup(&device, &never, local(7, 22), &tokyo),
            Some(local(7, 22))
        );
        assert_eq!(
            next_backup(&device, &never, local(8, 9), &tokyo),
            Some(local(8, 20))
        );
    }

    #[test]
    fn a_manual_backup_counts_as_the_days_and_failures_back_off() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(dir.path());
        let mut device = DeviceSettings::new("U1", "", "");
        device.confirmed = true;
        let at = |h: i64| START + h * HOUR;
        let h = |dirs: &AppDirs| history(dirs).unwrap().devices["U1"].clone();
        assert_eq!(
            waiting_reason(&device, &DeviceHistory::default(), at(0), &TimeZone::UTC),
            None
        );
        record_backup(&dirs, "U1", at(8), &Ok(())).unwrap();
        assert_eq!(
            waiting_reason(&device, &h(&dirs), at(23), &TimeZone::UTC),
            Some(Turn::NotDue)
        );
        assert_eq!(
            waiting_reason(&device, &h(&dirs), at(24), &TimeZone::UTC),
            None,
            "next day"
        );
        record_backup::<()>(&dirs, "U1", at(25), &Err(CoreError::NoDevice)).unwrap();
        assert_eq!(
            waiting_reason(&device, &h(&dirs), at(25), &TimeZone::UTC),
            Some(Turn::BackingOff {
                until: at(25) + RETRY_FIRST
            })
        );
        assert!(h(&dirs).last_error.unwrap().contains("no iPhone"));
        // a refused or cancelled backup is not a failure
        record_backup::<()>(
            &dirs,
            "U1",
            at(26),
            &Err(CoreError::AlreadyBackingUp { device: "x".into() }),
        )
        .unwrap();
        record_backup::<()>(
            &dirs,
            "U1",
            at(26),
            &Err(CoreError::LocationMissing {
                location: "/media/disk".into(),
            }),
        )
        .unwrap();
        assert_eq!(h(&dirs).failures, 1);
        device.schedule = Schedule::Weekly;
        record_backup(&dirs, "U1", at(27), &Ok(())).unwrap();
        assert_eq!(
            waiting_reason(&device, &h(&dirs), at(27 + 6 * 24), &TimeZone::UTC),
            Some(Turn::NotDue)
        );
        assert_eq!(
            waiting_reason(&device, &h(&dirs), at(8 * 24), &TimeZone::UTC),
            None
        );
        device.confirmed = false;
        assert_eq!(
            waiting_reason(&device, &h(&dirs), at(999), &TimeZone::UTC),
            Some(Turn::NotConfirmed)
        );
    }

    #[test]
    fn an_answer_leaves_out_what_was_pinned_since_the_question() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(dir.path());
        let location = Path::new("/disk");
        let store = FakeStore {
            shared: GB,
            newest_bytes: 20 * GB,
            ..FakeStore::default()
        };
        for day in 0..8 {
            store.add(location, "U1", START + day * 40 * DAY, 2 * GB);
        }
        let mut device = DeviceSettings::new("U1", "", "");
        device.confirmed = true;
        let now = START + 300 * DAY;
        let out = apply_policy(&dirs, &store, &device, location, now).unwrap();
        let CleaningOutcome::Asked { request, .. } = out else {
            panic!("{out:?}")
        };
        let asked = request.ids();
        assert!(asked.len() >= 2, "{asked:?}");
        store.set_pinned(location, asked[0]);
        let out = answer_cleaning(&dirs, &store, "U1", true).unwrap().unwrap();
        let CleaningOutcome::Deleted { snapshots, .. } = out else {
            panic!("{out:?}")
        };
        assert_eq!(snapshots, asked[1..].to_vec());
        assert!(store.ids(location).contains(&asked[0]));
        assert_eq!(history(&dirs).unwrap().devices["U1"].pending_cleaning, None);
        assert_eq!(answer_cleaning(&dirs, &store, "U1", true).unwrap(), None);
    }

    /// Sixty simulated days, one agent pass an hour, two phones: Ada asks before deleting,
    /// Bob lets the agent delete. Ada's phone is unplugged for three days, fails three times on
    /// day 10, and is backed up by hand one morning.
    #[tokio::test(flavor = "current_thread")]
    async fn sixty_days_of_the_agent_one_backup_a_day_with_backoff_and_retention() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(dir.path().join("config"));
        let location = dir.path().join("disk");
        std::fs::create_dir_all(&location).unwrap();
        crate::settings::add_location(&dirs, &location).unwrap();
        let clock = ManualClock::new(START);
        let ctx = context(dirs.clone(), &clock);
        let store = FakeStore {
            shared: GB / 10,
            newest_bytes: 20 * GB,
            ..FakeStore::default()
        };
        let unplugged: Vec<(String, i64)> = (20..23)
            .map(|d| ("ADA".to_owned(), START / DAY + d))
            .collect();
        let runner = FakeRunner {
            clock: clock.clone(),
            store: &store,
            devices: vec![phone("ADA"), phone("BOB"), phone("NEW")],
            unplugged: RefCell::new(unplugged),
            failures_left: RefCell::new(BTreeMap::from([(
                ("ADA".to_owned(), START / DAY + 10),
                3,
            )])),
            attempts: RefCell::new(vec![]),
        };
        let agent = Agent {
            ctx: &ctx,
            runner,
            store: &store,
        };
        settings::update(&dirs, |s| {
            for (udid, ask_first) in [("ADA", true), ("BOB", false)] {
                let d = s.device_mut(udid, "", "");
                d.ask_first = ask_first;
                d.confirmed = true;
            }
            Ok(())
        })
        .unwrap();

        let manual_day = 30;
        let answer_day = 50;
        let mut asked_days = vec![];
        for day in 0..60 {
            for hour in 0..24 {
                clock.set(START + day * DAY + hour * HOUR);
                if day == manual_day && hour == 0 {
                    // `keepsake backup` just after midnight, before the agent's first pass
                    store.add(&location, "ADA", clock.now(), GB / 5);
                    let ada = settings::load(&dirs).unwrap().devices["ADA"].clone();
                    after_backup(&ctx, &store, &ada, &location, &Ok(())).unwrap();
                }
                if day == answer_day && hour == 12 {
                    // days 0 to 50 less 3 unplugged: all Ada's backups kept while asking
                    let ada = store.snapshots(&location, "ADA").unwrap();
                    assert_eq!(ada.snapshots.len(), 48);
                    let before = store.ids(&location).len();
                    let out = answer_cleaning(&dirs, &store, "ADA", true)
                        .unwrap()
                        .unwrap();
                    assert!(matches!(out, CleaningOutcome::Deleted { .. }), "{out:?}");
                    assert!(store.ids(&location).len() < before);
                }
                let turns = agent.pass().await.unwrap();
                let ada = turns.iter().find(|t| t.udid == "ADA").unwrap();
                if let Turn::BackedUp {
                    cleaning: CleaningOutcome::Asked { request, .. },
                } = &ada.turn
                {
                    assert_eq!(request.reason, CleaningReason::OverBudget);
                    asked_days.push(day);
                }
                let new = turns.iter().find(|t| t.udid == "NEW").unwrap();
                assert_eq!(new.turn, Turn::NotConfirmed, "never backed up unconfirmed");
            }
        }

        let snapshots = store.snapshots.borrow().get(&location).cloned().unwrap();
        let attempts = agent.runner.attempts.borrow().clone();
        let days_of = |udid: &str| -> Vec<i64> {
            attempts
                .iter()
                .filter(|a| a.0 == udid)
                .map(|a| (a.1 - START) / DAY)
                .collect()
        };
        // Bob: one backup a day, each at the first pass of the day
        assert_eq!(days_of("BOB"), (0..60).collect::<Vec<_>>());
        assert!(attempts
            .iter()
            .filter(|a| a.0 == "BOB")
            .all(|a| (a.1 - START) % DAY == 0));
        // Ada: not while unplugged, not after the manual backup; day 10 tried four times:
        // 00:00 fails (wait 10 min), 01:00 fails (30 min), 02:00 fails (90 min), 03:00 waits,
        // 04:00 succeeds
        let ada_days = days_of("ADA");
        let expected: Vec<i64> = (0..60)
            .filter(|d| !(20..23).contains(d) && *d != manual_day)
            .flat_map(|d| if d == 10 { vec![d; 4] } else { vec![d] })
            .collect();
        assert_eq!(ada_days, expected);
        let day10: Vec<i64> = attempts
            .iter()
            .filter(|a| a.0 == "ADA" && (a.1 - START) / DAY == 10)
            .map(|a| (a.1 - START) % DAY / HOUR)
            .collect();
        assert_eq!(day10, vec![0, 1, 2, 4]);
        assert!(!attempts.iter().any(|a| a.0 == "NEW"));

        // Ada's history, newest first: a backup on each of the 57 days she was backed up (the
        // manual one too), day 10's three failures with their error, and one skipped day for
        // each day unplugged, though the agent looked 24 times on each.
        let events = crate::history::events(&dirs, Some("ADA")).unwrap();
        let count = |f: &dyn Fn(&EventKind) -> bool| events.iter().filter(|e| f(&e.1.what)).count();
        assert_eq!(count(&|k| matches!(k, EventKind::BackedUp { .. })), 57);
        assert_eq!(
            count(
                &|k| matches!(k, EventKind::Failed { reason: Reason::Error, error } if error.contains("went away"))
            ),
            3
        );
        let skipped: Vec<i64> = events
            .iter()
            .filter(|e| {
                e.1.what
                    == EventKind::Skipped {
                        reason: Reason::NotConnected,
                    }
            })
            .map(|e| (e.1.at - START) / DAY)
            .collect();
        assert_eq!(skipped, vec![22, 21, 20]);
        assert_eq!(events.len(), 63);
        assert!(crate::history::events(&dirs, Some("NEW"))
            .unwrap()
            .is_empty());

        // Bob: deleted automatically, never one younger than a month, budget held at the end
        let bob = store.snapshots(&location, "BOB").unwrap();
        assert!(bob.space.overhead_bytes <= bob.space.budget_bytes());
        assert!(bob.snapshots.len() < 60);
        let oldest_kept = (bob.snapshots[0].time - START) / DAY;
        assert!(
            oldest_kept <= 60 - 30,
            "a month at least is kept: {oldest_kept}"
        );

        // Ada: asked from the day her snapshots went over budget, nothing deleted until the
        // answer on day 50; asked again later
        let first_ask = *asked_days.first().expect("Ada was asked");
        assert!(first_ask < answer_day);
        assert!(snapshots.iter().filter(|s| s.1 == "ADA").count() < 57);
        let pending = history(&dirs).unwrap().devices["ADA"]
            .pending_cleaning
            .clone();
        assert!(pending.is_some(), "a request waits at the end");
        assert!(asked_days.iter().any(|d| *d > answer_day));
        // the manual backup was recorded as that day's
        let last = history(&dirs).unwrap().devices["ADA"].clone();
        assert_eq!(last.failures, 0);
    }
}
