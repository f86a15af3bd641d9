//! One backup of one device, start to finish: find and pair it, open its location's snapshot
//! repository, run mobilebackup2 into a virtual backup folder over the store, and commit the new
//! snapshot only when the device reports success.

use keepsake_i18n::say;
use std::path::{Path, PathBuf};
use std::time::Instant;

use keepsake_device::{
    data_in_use, ensure_paired, pairing::TRUST_PROMPT_TIMEOUT, BackupEvent, Mobilebackup2,
    PairStep, Usbmuxd,
};
use keepsake_store::{Secret, SlotKind, SnapshotInfo};
use serde::Serialize;

use crate::cleaning::{self, CleaningOutcome, Repositories, SnapshotStore};
use crate::context::Context;
use crate::error::{CoreError, Result};
use crate::history::record_backup;
use crate::jobs::{Cancel, DeviceJob};
use crate::location::{Location, Unlock};
use crate::pairing::{choose, find_devices};
use crate::secrets::{SecretKind, Secrets};
use crate::settings::{self, DeviceSettings};
use crate::sizes::human_bytes;
use crate::store_folder::StoreFolder;

/// How long listing the apps and their icons may take before the backup goes on without them.
const APPS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// What to back up, and where.
#[derive(Debug, Clone)]
pub struct BackupOptions {
    /// A folder or a disk's root; the repository lives in `<location>/Keepsake.Backups`.
    /// `None`: the device's location from its settings (else the default location).
    pub location: Option<PathBuf>,
    /// Whether the device's settings are checked (and the backup recorded in its history and
    /// followed by its cleaning policy).
    pub settings: SettingsCheck,
    /// Ask the device for everything, not only what changed.
    pub full: bool,
    /// A password for the snapshots: one more key slot of a new repository (required where
    /// there is no credential store), and tried on an existing one this computer does not
    /// remember the key of. A new repository always gets this computer's key and a recovery key.
    pub store_password: Option<Secret>,
    /// What else opens an existing repository this computer does not remember the key of (a
    /// backup password, the recovery key).
    pub unlock: Unlock,
    /// Start even when the location seems short of space for this backup.
    pub ignore_free_space: bool,
    /// Look for the device on Wi-Fi when no cable connects it.
    pub wifi: bool,
    /// Cancels the backup from elsewhere (a button, Ctrl-C): nothing is committed.
    pub cancel: Cancel,
    /// How long the device may stay silent before the backup is given up (nothing committed).
    pub silence: keepsake_device::SilenceLimits,
    /// The device's backup password, when given (else the one this computer remembers): with
    /// it an encrypted device's files are kept decrypted under the location's own encryption,
    /// and cost what an unencrypted device's do.
    pub backup_password: Option<Secret>,
}

impl BackupOptions {
    /// An incremental backup into `location`'s snapshots, with the key this computer remembers.
    pub fn new(location: impl Into<PathBuf>) -> Self {
        BackupOptions {
            location: Some(location.into()),
            settings: SettingsCheck::AsGiven,
            full: false,
            store_password: None,
            unlock: Unlock::new(),
            ignore_free_space: false,
            wifi: true,
            cancel: Cancel::new(),
            silence: keepsake_device::SilenceLimits::default(),
            backup_password: None,
        }
    }
}

/// How a backup treats the device's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SettingsCheck {
    /// Back up with the options as given; nothing recorded (the agent records its own runs).
    #[default]
    AsGiven,
    /// A backup the person asked for: the device's settings must have been confirmed (its first
    /// backup waits for the wizard, or `keepsake settings --confirm`).
    RequireConfirmed,
    /// The same, confirming the settings as they are first (`keepsake backup --yes`).
    ConfirmAsTheyAre,
}

/// Kept free beyond a backup's own estimate: a disk filled to the last byte helps nobody.
const SPACE_RESERVE: u64 = 64 << 20;

/// What a running backup reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum BackupProgress {
    WaitingForTrust {
        device: String,
    },
    WaitingForUnlock {
        device: String,
    },
    Started {
        device: String,
        udid: String,
    },
    /// The device asks for its passcode: "Enter your passcode on <device>".
    EnterPasscode {
        device: String,
    },
    /// The passcode prompt went away (entered, or given up on).
    PasscodeDone {
        device: String,
    },
    /// Data is arriving. `percent` is the device's own estimate of the whole backup; the total
    /// and the time left follow from it and the rate so far, once it says anything.
    Transferring {
        percent: f64,
        bytes_received: u64,
        files_received: u64,
        bytes_expected: Option<u64>,
        bytes_per_second: f64,
        eta_seconds: Option<f64>,
    },
    Saving,
}

/// The totals and time left that a device's percentage and the rate so far imply.
fn transfer_estimate(percent: f64, bytes: u64, seconds: f64) -> (Option<u64>, f64, Option<f64>) {
    let rate = if seconds > 0.0 {
        bytes as f64 / seconds
    } else {
        0.0
    };
    if !(1.0..100.0).contains(&percent) || bytes == 0 {
        return (None, rate, (percent >= 100.0).then_some(0.0));
    }
    let total = (bytes as f64 * 100.0 / percent) as u64;
    let eta = (rate > 0.0).then(|| total.saturating_sub(bytes) as f64 / rate);
    (Some(total), rate, eta)
}

/// A finished backup.
#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    pub udid: String,
    pub device: String,
    /// How the device was reached: USB, or Wi-Fi.
    pub link: keepsake_device::Link,
    pub repository: PathBuf,
    pub snapshot: SnapshotInfo,
    pub files_received: u64,
    pub bytes_received: u64,
    pub files_removed: u64,
    /// Files the device could not send (it reported an error while sending them): the snapshot
    /// keeps their previous versions. Paths as the device named them.
    pub files_failed: Vec<String>,
    pub seconds: f64,
    /// Of those, the time the device was sending (from the backup request to its last
    /// message): what a phone on the cable waits for.
    pub transfer_seconds: f64,
    /// What the cleaning policy did after a backup made with the device's settings: deleted
    /// old snapshots, or asks first (the question is also kept for the app and `keepsake clean`).
    pub cleaning: Option<CleaningOutcome>,
    /// The cleaning policy could not run (the backup itself is saved).
    pub cleaning_error: Option<String>,
    /// When this backup set the location up: its recovery key, to show the person once (it
    /// opens these snapshots on any computer; `keepsake locations recovery-key` shows it again).
    pub recovery_key: Option<String>,
    /// What was read back after it: what it wrote and a sample of the rest. `None` when that
    /// could not run (the backup itself is saved; the reason is in the log).
    pub verification: Option<crate::verification::Verification>,
    /// Why an encrypted device's files were kept as it sent them (not decrypted under the
    /// location's encryption, see [`crate::apple_form`]): such a snapshot costs about twice.
    /// `None` for an unencrypted device, or when they were kept decrypted.
    pub kept_as_sent: Option<String>,
    /// This backup let a large share of photos or attachments go: the snapshot before it is
    /// kept forever until the person unpins it (see [`crate::deletions`]).
    pub mass_deletion: Option<crate::deletions::MassDeletionWarning>,
}

impl crate::history::BackupOutcome for BackupReport {
    fn made(&self) -> (Option<i64>, Option<u64>) {
        (Some(self.snapshot.id), Some(self.snapshot.added_bytes))
    }
}

/// What the cleaning policy made of a finished backup.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AfterBackup {
    /// `None` when the backup failed, so the policy did not run.
    pub cleaning: Option<CleaningOutcome>,
    pub cleaning_error: Option<String>,
}

/// What follows every backup made with a device's settings, whoever started it (the person from
/// the CLI or the app, or the agent): the result goes into the history (a success is that day's
/// backup, a failure counts towards the agent's backoff), and a success is followed by the
/// device's cleaning policy. `Err` only when the history could not be written.
pub fn after_backup<T: crate::history::BackupOutcome, S: SnapshotStore>(
    ctx: &Context,
    store: &S,
    device: &DeviceSettings,
    location: &Path,
    result: &Result<T>,
) -> Result<AfterBackup> {
    let now = ctx.now();
    record_backup(ctx.dirs(), &device.udid, now, result)?;
    if result.is_err() {
        return Ok(AfterBackup::default());
    }
    let days = crate::days::Days {
        tz: ctx.time_zone(),
        window: device.window,
    };
    crate::history::drop_skips_of_day(ctx.dirs(), &device.udid, |t| {
        days.day_of(t) == days.day_of(now)
    })?;
    // a location the backup just set up becomes known by its repository
    if let Err(e) = settings::relocate_known(ctx.dirs(), &Default::default()) {
        tracing::warn!(error = %e, "the location's repository was not recorded");
    }
    Ok(
        match cleaning::apply_policy(ctx.dirs(), store, device, location, now) {
            Ok(outcome) => AfterBackup {
                cleaning: Some(outcome),
                cleaning_error: None,
            },
            Err(e) => {
                tracing::warn!(device = device.udid, error = %e, "the cleaning policy could not run");
                AfterBackup {
                    cleaning: None,
                    cleaning_error: Some(e.to_string()),
                }
            }
        },
    )
}

/// Backs up the device `wanted` names (UDID or name; may be omitted with one device connected).
/// Cancelling `options.cancel` stops it at once: nothing is committed, earlier snapshots stay.
pub async fn back_up(
    ctx: &Context,
    wanted: Option<&str>,
    options: &BackupOptions,
    on_progress: impl FnMut(BackupProgress) + Send,
) -> Result<BackupReport> {
    let device_name = std::sync::Mutex::new(None);
    let run = run_backup(ctx, wanted, options, &device_name, on_progress);
    tokio::select! {
        result = run => result,
        () = options.cancel.cancelled() => {
            let named = device_name.lock().unwrap_or_else(|e| e.into_inner()).take();
            let device = named.unwrap_or_else(|| wanted.unwrap_or("the device").to_owned());
            tracing::info!(device, "backup cancelled");
            Err(CoreError::Cancelled { device })
        }
    }
}

async fn run_backup(
    ctx: &Context,
    wanted: Option<&str>,
    options: &BackupOptions,
    device_name: &std::sync::Mutex<Option<String>>,
    on_progress: impl FnMut(BackupProgress) + Send,
) -> Result<BackupReport> {
    let started = Instant::now();
    let mux = ctx.usbmuxd();
    let list = find_devices(ctx, wanted, options.wifi).await?;
    let (device, name) = choose(&list, wanted)?;
    if matches!(device.link, keepsake_device::Link::Direct(_)) {
        tracing::info!(device = name, "backing up over Wi-Fi");
    }
    *device_name.lock().unwrap_or_else(|e| e.into_inner()) = Some(name.clone());
    let model = list
        .identity(&device.udid)
        .map(|i| i.product_type.clone())
        .unwrap_or_default();
    let settings = match options.settings {
        SettingsCheck::AsGiven => None,
        SettingsCheck::RequireConfirmed => Some(settings::confirmed_settings(
            ctx.dirs(),
            &device.udid,
            &name,
        )?),
        SettingsCheck::ConfirmAsTheyAre => {
            Some(settings::confirm(ctx.dirs(), &device.udid, &name, &model)?)
        }
    };
    let location = match &options.location {
        Some(l) => Location::new(l),
        None => {
            // the device's disk may be mounted at another path today
            if let Err(e) = crate::disks::follow_moved_disks(ctx) {
                tracing::warn!(error = %e, "known locations not looked for on the disks");
            }
            Location::new(settings::backup_location(ctx.dirs(), &device.udid, &name)?)
        }
    };
    let mut result = transfer(
        ctx,
        mux,
        &list,
        device,
        name,
        &location,
        options,
        started,
        on_progress,
    )
    .await;
    let unlock = options
        .unlock
        .clone()
        .with(options.store_password.as_ref().map(Secret::expose));
    // What it wrote is read back at once (and a share of the rest), before anything relies on it.
    if let Ok(report) = &mut result {
        match crate::verification::verify_after_backup(ctx, &location, &unlock, report.snapshot.id)
        {
            Ok(v) => report.verification = Some(v),
            Err(e) => tracing::warn!(error = %e, "the new snapshot was not read back"),
        }
        // Before the cleaning policy, which could otherwise delete the snapshot that still
        // holds what this backup let go.
        let found = location
            .open_with(&unlock)
            .and_then(|repo| crate::deletions::check_backup(&repo, report.snapshot.id, ctx.now()));
        match found {
            Ok(Some(warning)) => {
                if let Err(e) =
                    crate::history::record_mass_deletion(ctx.dirs(), &report.udid, warning.clone())
                {
                    tracing::warn!(error = %e, "the mass deletion was not recorded");
                }
                report.mass_deletion = Some(warning);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "the new snapshot was not compared with the one before")
            }
        }
    }
    // A backup the person asked for counts as the day's (the agent skips the device until
    // tomorrow), and is followed by the cleaning policy, as the agent's are.
    if let Some(settings) = &settings {
        let store = Repositories { unlock };
        match after_backup(ctx, &store, settings, location.root(), &result) {
            Ok(after) => {
                if let Ok(report) = &mut result {
                    report.cleaning = after.cleaning;
                    report.cleaning_error = after.cleaning_error;
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not record the backup in the history"),
        }
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn transfer(
    ctx: &Context,
    mux: &Usbmuxd,
    list: &keepsake_device::DeviceList,
    device: keepsake_device::Attachment,
    name: String,
    location: &Location,
    options: &BackupOptions,
    started: Instant,
    mut on_progress: impl FnMut(BackupProgress) + Send,
) -> Result<BackupReport> {
    let _job = DeviceJob::claim(ctx.dirs(), &device.udid, &name)?;
    let host = ctx.host()?;
    ensure_paired(mux, &device, &host, TRUST_PROMPT_TIMEOUT, |step| {
        on_progress(match step {
            PairStep::WaitingForTrust => BackupProgress::WaitingForTrust {
                device: name.clone(),
            },
            PairStep::WaitingForUnlock => BackupProgress::WaitingForUnlock {
                device: name.clone(),
            },
        })
    })
    .await?;
    let record = mux
        .pair_record(&device.udid)
        .await?
        .ok_or_else(|| CoreError::Store(say("core-pair-record-vanished", &[("device", &name)])))?;
    if device.link == keepsake_device::Link::Usb {
        // Wi-Fi backups on or off is set on the phone over the cable, the only time it can be
        // turned on; a phone that says no is no reason not to back it up now.
        let wifi = settings::wifi_backups(ctx.dirs(), &device.udid)?;
        if let Err(e) = keepsake_device::wifi::set_wifi_connections(mux, &device, wifi).await {
            tracing::warn!(device = name, error = %e, "Wi-Fi connections not set on the phone");
        }
    }

    // Fails fast (wrong key, another backup writing, no room) before the device starts sending.
    let repo_path = location.repository_path();
    let (mut repo, recovery_key) = location.open_or_create(
        ctx.host_name(),
        &options.unlock,
        options.store_password.as_ref().map(Secret::expose),
    )?;
    let backup_password = options.backup_password.clone().or_else(|| {
        Secrets
            .recall(SecretKind::BackupPassword, &device.udid)
            .ok()
            .flatten()
            .map(Secret::new)
    });
    if let Some(password) = &backup_password {
        keep_backup_password_slot(&mut repo, &device.udid, password.expose());
    }
    if !options.ignore_free_space {
        let previous = keepsake_store::commands::list::snapshots(&repo)
            .map_err(|e| CoreError::Store(e.to_string()))?
            .into_iter()
            .rfind(|s| s.device == device.udid);
        let needed = match previous {
            // A day's changes: twice what the last backup added is a generous guess.
            Some(last) => Some(last.added_bytes.saturating_mul(2)),
            None => match data_in_use(mux, &device, &record).await {
                Ok(used) => used,
                Err(e) => {
                    tracing::warn!(error = %e, "the device does not say how much data it holds");
                    None
                }
            },
        };
        check_free_space(&repo_path, &name, needed)?;
    }
    // One opening (one key derivation): the snapshot writer takes this handle.
    let mut folder = StoreFolder::begin_with(repo, &device.udid, ctx.now(), backup_password)
        .map_err(|e| CoreError::Store(e.to_string()))?;

    // Info.plist is the host's part of a Finder backup; written first, like idevicebackup2 does.
    if let Some(id) = list.identity(&device.udid) {
        let lockdown = keepsake_mobilesync::Lockdown {
            build_version: id.build_version.clone(),
            device_name: id.name.clone(),
            product_type: id.product_type.clone(),
            product_version: id.product_version.clone(),
            serial_number: id.serial_number.clone().unwrap_or_default(),
            unique_device_id: id.udid.clone(),
            ..Default::default()
        };
        let mut info =
            keepsake_mobilesync::InfoPlist::for_device(&lockdown, host.host_id.replace('-', ""));
        // The apps' names and icons name their data in the browser; a backup without them is
        // still a backup, so a device that does not list them is only logged.
        let listing = keepsake_device::apps::installed_apps(mux, &device, &record, true);
        match tokio::time::timeout(APPS_TIMEOUT, listing).await {
            Ok(Ok(apps)) => {
                let (all, ids) = crate::apps::info_plist_applications(&apps);
                info.applications = Some(all);
                info.installed_applications = Some(ids);
            }
            Ok(Err(e)) => tracing::warn!(device = %name, error = %e, "apps not listed"),
            Err(_) => tracing::warn!(device = %name, "apps not listed in time"),
        }
        let bytes = keepsake_mobilesync::BackupPlist::to_xml(&info)
            .map_err(|e| CoreError::Store(e.to_string()))?;
        folder
            .put_bytes(&Path::new(&device.udid).join("Info.plist"), &bytes)
            .map_err(|e| CoreError::Store(format!("{name}: writing Info.plist: {e}")))?;
    }

    on_progress(BackupProgress::Started {
        device: name.clone(),
        udid: device.udid.clone(),
    });
    let name_of_device = name.clone();
    // The passcode prompt is announced on another connection while the backup one waits.
    let mut notices = match keepsake_device::notifications::observe(
        mux,
        &device,
        &record,
        &[
            keepsake_device::notifications::PASSCODE_PRESENTED,
            keepsake_device::notifications::PASSCODE_DISMISSED,
        ],
    )
    .await
    {
        Ok(rx) => Some(rx),
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch for the passcode prompt; the backup goes on");
            None
        }
    };
    let mut mb = Mobilebackup2::open(mux, &device, &record)
        .await?
        .with_silence_limits(options.silence);
    // Progress goes out from the event itself, not through this task's select loop: a host
    // busy storing what arrives must still move the bar as each file lands.
    let on_progress = std::sync::Mutex::new(on_progress);
    let progress = |p: BackupProgress| {
        let mut f = on_progress.lock().unwrap_or_else(|e| e.into_inner());
        (*f)(p)
    };
    let transfer_started = Instant::now();
    let summary = {
        let run = mb.backup(&mut folder, options.full, |e| match e {
            BackupEvent::Progress {
                percent,
                bytes_received,
                files_received,
            } => {
                let (bytes_expected, bytes_per_second, eta_seconds) = transfer_estimate(
                    percent,
                    bytes_received,
                    transfer_started.elapsed().as_secs_f64(),
                );
                progress(BackupProgress::Transferring {
                    percent,
                    bytes_received,
                    files_received,
                    bytes_expected,
                    bytes_per_second,
                    eta_seconds,
                });
            }
        });
        tokio::pin!(run);
        loop {
            tokio::select! {
                result = &mut run => break result?,
                Some(name) = async { match notices.as_mut() { Some(rx) => rx.recv().await, None => std::future::pending().await } } => {
                    if name == keepsake_device::notifications::PASSCODE_PRESENTED {
                        progress(BackupProgress::EnterPasscode { device: name_of_device.clone() });
                    } else {
                        progress(BackupProgress::PasscodeDone { device: name_of_device.clone() });
                    }
                }
            }
        }
    };
    let transfer_seconds = transfer_started.elapsed().as_secs_f64();
    let mut on_progress = on_progress.into_inner().unwrap_or_else(|e| e.into_inner());
    on_progress(BackupProgress::Saving);
    let (snapshot, kept_as_sent) = folder.commit().map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidData {
            // the device's doing (its final plists): not a failure of the disk
            CoreError::Store(say(
                "core-backup-refused",
                &[("device", &name), ("error", &e)],
            ))
        } else {
            CoreError::Store(say(
                "core-saving-snapshot-failed",
                &[("device", &name), ("error", &e)],
            ))
        }
    })?;
    tracing::info!(
        udid = device.udid,
        snapshot = snapshot.id,
        "backup committed"
    );
    Ok(BackupReport {
        link: device.link.clone(),
        udid: device.udid,
        device: name,
        repository: repo_path,
        recovery_key: recovery_key.map(|k| k.as_str().to_owned()),
        snapshot,
        files_received: summary.files_received,
        bytes_received: summary.bytes_received,
        files_removed: summary.files_removed,
        files_failed: summary.files_failed,
        seconds: started.elapsed().as_secs_f64(),
        transfer_seconds,
        cleaning: None,
        cleaning_error: None,
        verification: None,
        mass_deletion: None,
        kept_as_sent,
    })
}

/// The backup password of an encrypted device opens the location too, so the one password the
/// person keeps opens its snapshots on any computer: a slot is added when none opens with the
/// password as it is now (a changed password adds one; the old one stays, for the older
/// snapshots it encrypted). Best effort: the backup goes on without it.
fn keep_backup_password_slot(repo: &mut keepsake_store::Repository, udid: &str, password: &str) {
    if !repo.is_encrypted() {
        return;
    }
    let this_device =
        |k: &SlotKind| matches!(k, SlotKind::BackupPassword { device } if device == udid);
    if repo.any_slot_opens(this_device, password) {
        return;
    }
    let kind = SlotKind::BackupPassword {
        device: udid.to_owned(),
    };
    let kdf = keepsake_store::keys::kdf_for(&kind);
    match repo.add_key_slot(kind, password, kdf) {
        Ok(_) => tracing::info!(udid, "the device's backup password now opens its location"),
        Err(e) => tracing::warn!(udid, error = %e, "no key slot for the backup password"),
    }
}

/// Refuses to start when the location cannot hold what the operation is expected to write.
pub(crate) fn check_free_space(repo: &Path, device: &str, needed: Option<u64>) -> Result<()> {
    let Some(needed) = needed else { return Ok(()) };
    let needed = needed.saturating_add(SPACE_RESERVE);
    let free = fs4::available_space(repo).map_err(|source| CoreError::Io {
        path: repo.to_path_buf(),
        source,
    })?;
    tracing::debug!(free, needed, "free space at the backup location");
    if free < needed {
        return Err(CoreError::NotEnoughSpace {
            device: device.to_owned(),
            location: repo.parent().unwrap_or(repo).to_path_buf(),
            free: human_bytes(free),
            needed: human_bytes(needed),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_estimate_follows_the_devices_percentage_and_the_rate() {
        let (total, rate, eta) = transfer_estimate(25.0, 100 << 20, 10.0);
        assert_eq!(total, Some(400 << 20));
        assert!((rate - 10.0 * 1048576.0).abs() < 1.0);
        assert!((eta.unwrap() - 30.0).abs() < 0.01);
        assert_eq!(transfer_estimate(0.0, 0, 0.0), (None, 0.0, None));
        assert_eq!(transfer_estimate(100.0, 5, 1.0).2, Some(0.0));
    }

    #[test]
    fn a_location_without_room_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        check_free_space(dir.path(), "Ada's iPhone", None).unwrap();
        check_free_space(dir.path(), "Ada's iPhone", Some(1)).unwrap();
        let err = check_free_space(dir.path(), "Ada's iPhone", Some(u64::MAX / 2)).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("not enough free space at"), "{text}");
        assert!(text.contains("to back up Ada's iPhone"), "{text}");
        assert!(text.contains("choose another backup location"), "{text}");
    }
}
