//! `keepsake settings` and `keepsake locations`: each device's backup settings, and the places
//! backups go (with their free space, and whether they are there).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use keepsake_core::history::{self, DeviceHistory};
use keepsake_core::settings::{self, LocationStatus};
use keepsake_core::{CoreError, DeviceSettings, RetentionAge, Settings};
use keepsake_i18n::{tr, Messages};
use serde::Serialize;

use crate::emit;
use crate::store_cmd::utc_time;

/// `--window`: a time of day, or `any`.
#[derive(Debug, Clone, Copy)]
struct Window(Option<keepsake_core::days::BackupWindow>);

fn window(s: &str) -> Result<Window, String> {
    match s {
        "any" | "off" | "none" => Ok(Window(None)),
        _ => s.parse().map(|w| Window(Some(w))),
    }
}

fn on_off(s: &str) -> Result<bool, String> {
    match s {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => Err(format!("{s:?}: say on or off")),
    }
}

#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// The device (UDID or name); without it, every known device's settings and the preferences.
    device: Option<String>,
    /// Where its snapshots go (a folder or a disk); `default` follows the default location.
    #[arg(long, requires = "device")]
    location: Option<PathBuf>,
    /// Keep older snapshots (off: only the newest backup is kept).
    #[arg(long, requires = "device", value_parser = on_off, value_name = "on|off")]
    snapshots: Option<bool>,
    /// Delete old snapshots when they take more than half the newest backup's size.
    #[arg(long, requires = "device", value_parser = on_off, value_name = "on|off")]
    auto_delete: Option<bool>,
    /// Never delete a snapshot younger than this: 1w, 2w, 1m, 3m, 6m or 1y.
    #[arg(long, requires = "device", value_name = "AGE")]
    retention: Option<RetentionAge>,
    /// Ask before deleting old snapshots (see `keepsake clean`).
    #[arg(long, requires = "device", value_parser = on_off, value_name = "on|off")]
    ask_first: Option<bool>,
    /// Back it up automatically once a day when it is in reach (`keepsake agent`).
    #[arg(long, requires = "device", value_parser = on_off, value_name = "on|off")]
    auto_backup: Option<bool>,
    /// How often automatic backups run: daily or weekly.
    #[arg(long, requires = "device", value_name = "daily|weekly")]
    schedule: Option<keepsake_core::Schedule>,
    /// Automatic backups only within this time of the day (local time), e.g. 20:00-06:00 for
    /// at night; `any` for any time.
    #[arg(long, requires = "device", value_name = "HH:MM-HH:MM|any", value_parser = window)]
    window: Option<Window>,
    /// Back it up over Wi-Fi too (on: the phone is told over the cable to show itself on the
    /// network for this computer, now if it is connected, else at its next backup by cable).
    #[arg(long, requires = "device", value_parser = on_off, value_name = "on|off")]
    wifi: Option<bool>,
    /// Remember its backup password in this computer's credential store (off forgets it).
    #[arg(long, requires = "device", value_parser = on_off, value_name = "on|off")]
    remember_password: Option<bool>,
    /// Accept these settings: a device's first backup waits for it.
    #[arg(long, requires = "device")]
    confirm: bool,
    /// Copy its snapshots after each backup to this S3-compatible bucket:
    /// s3://host/bucket/prefix (s3+http://host:port/bucket/prefix without HTTPS); `off` stops.
    /// The access key's secret is read from $KEEPSAKE_S3_SECRET, --offsite-secret-file or the
    /// terminal, and kept in this computer's credential store.
    #[arg(long, requires = "device", value_name = "ADDRESS|off")]
    offsite: Option<String>,
    /// The bucket's access key (default: $KEEPSAKE_S3_ACCESS_KEY).
    #[arg(long, requires = "offsite", value_name = "KEY")]
    offsite_access_key: Option<String>,
    /// Read the access key's secret from this file (first line; - for stdin).
    #[arg(long, requires = "offsite", value_name = "FILE")]
    offsite_secret_file: Option<PathBuf>,
    /// At most this many kilobytes a second for its offsite copy.
    #[arg(long, requires = "offsite", value_name = "KB")]
    offsite_bandwidth: Option<u32>,
}

/// One device's settings as shown.
#[derive(Debug, Serialize)]
struct DeviceView {
    #[serde(flatten)]
    settings: DeviceSettings,
    /// Where it backs up now (its own location, else the default).
    effective_location: Option<PathBuf>,
    location_present: Option<bool>,
    /// Whether this computer's credential store holds its backup password now (`None`: the
    /// credential store cannot be reached).
    password_in_credential_store: Option<bool>,
    history: DeviceHistory,
}

#[derive(Debug, Serialize)]
struct SettingsView {
    preferences: keepsake_core::Preferences,
    devices: Vec<DeviceView>,
}

fn view(settings: &Settings, history: &history::History, d: &DeviceSettings) -> DeviceView {
    let effective_location = settings.location_of(d);
    DeviceView {
        location_present: effective_location.as_ref().map(|p| p.is_dir()),
        password_in_credential_store: keepsake_core::Secrets
            .recall(keepsake_core::SecretKind::BackupPassword, &d.udid)
            .ok()
            .map(|p| p.is_some()),
        effective_location,
        history: history.devices.get(&d.udid).cloned().unwrap_or_default(),
        settings: d.clone(),
    }
}

/// The UDID, name and model of the device `wanted` names: a known one, else one connected now,
/// else (for a device to set up before it is plugged in) anything shaped like a UDID.
fn resolve(
    ctx: &keepsake_core::Context,
    settings: &Settings,
    wanted: &str,
) -> anyhow::Result<(String, String, String)> {
    if let Some(d) = settings.find_device(wanted) {
        return Ok((d.udid.clone(), String::new(), String::new()));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let overview = runtime.block_on(keepsake_core::device_overview(ctx, None));
    if let Some(d) = overview
        .devices
        .iter()
        .find(|d| d.udid == wanted || d.name == wanted)
    {
        return Ok((d.udid.clone(), d.name.clone(), d.model.clone()));
    }
    let udid_like = wanted.len() >= 24 && wanted.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    if udid_like {
        return Ok((wanted.to_owned(), String::new(), String::new()));
    }
    let mut available: Vec<String> = settings
        .devices
        .values()
        .map(|d| d.display_name().to_owned())
        .collect();
    available.extend(overview.devices.iter().map(|d| d.name.clone()));
    Err(CoreError::NoSuchDevice {
        wanted: wanted.to_owned(),
        available: if available.is_empty() {
            "none".to_owned()
        } else {
            available.join(", ")
        },
    }
    .into())
}

pub fn settings(
    ctx: &keepsake_core::Context,
    args: &SettingsArgs,
    json: bool,
) -> anyhow::Result<()> {
    let m = ctx.messages();
    let dirs = ctx.dirs();
    let Some(wanted) = &args.device else {
        let settings = settings::load(dirs)?;
        let history = history::history(dirs)?;
        let shown = SettingsView {
            preferences: settings.preferences.clone(),
            devices: settings
                .devices
                .values()
                .map(|d| view(&settings, &history, d))
                .collect(),
        };
        return emit(json, &shown, |out| {
            let default = match &shown.preferences.default_location {
                Some(p) => tr!(
                    m,
                    "settings-default-location",
                    location = p.display().to_string()
                ),
                None => tr!(m, "settings-no-default-location"),
            };
            writeln!(out, "{default}")?;
            if shown.devices.is_empty() {
                writeln!(out, "{}", tr!(m, "settings-no-devices"))?;
            }
            for d in &shown.devices {
                writeln!(out)?;
                print_device(m, out, d)?;
            }
            Ok(())
        });
    };
    let (udid, name, model) = resolve(ctx, &settings::load(dirs)?, wanted)?;
    if args.remember_password == Some(false) {
        keepsake_core::Secrets.forget(keepsake_core::SecretKind::BackupPassword, &udid)?;
    }
    let location = match &args.location {
        Some(p) if p.as_os_str() == "default" => Some(None),
        Some(p) => Some(Some(keepsake_core::location::root_of(p))),
        None => None,
    };
    // The offsite copy is set first: a wrong address or a credential store out of reach
    // changes nothing.
    let offsite = match args.offsite.as_deref() {
        None => None,
        Some("off" | "none") => Some(None),
        Some(address) => {
            let access = match &args.offsite_access_key {
                Some(k) => k.clone(),
                None => std::env::var("KEEPSAKE_S3_ACCESS_KEY").map_err(|_| {
                    anyhow::anyhow!(tr!(
                        m,
                        "offsite-needs-access-key",
                        env = "KEEPSAKE_S3_ACCESS_KEY"
                    ))
                })?,
            };
            let copy =
                keepsake_core::offsite::OffsiteCopy::new(address, &access, args.offsite_bandwidth)?;
            let secret = crate::secret_args::required(
                m,
                &crate::offsite_cmd::S3_SECRET,
                args.offsite_secret_file.as_deref(),
                false,
            )?;
            Some(Some((copy, secret)))
        }
    };
    if let Some(change) = &offsite {
        settings::update(dirs, |s| {
            s.device_mut(&udid, &name, &model);
            Ok(())
        })?;
        match change {
            // the remote is asked now: refused keys or a wrong address are said here
            Some((c, secret)) => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(keepsake_core::offsite::configure(
                    ctx,
                    &udid,
                    &c.address,
                    &c.access_key,
                    Some(secret.expose()),
                    c.bandwidth_kb,
                ))?;
            }
            None => {
                keepsake_core::offsite::set_offsite(ctx, &udid, None, None)?;
            }
        }
    }
    let settings = settings::update(dirs, |s| {
        if let Some(Some(p)) = &location {
            s.add_location(p);
        }
        let d = s.device_mut(&udid, &name, &model);
        if let Some(l) = location {
            d.location = l;
        }
        if let Some(v) = args.snapshots {
            d.snapshots = v;
        }
        if let Some(v) = args.auto_delete {
            d.auto_delete = v;
        }
        if let Some(v) = args.retention {
            d.retention = v;
        }
        if let Some(v) = args.ask_first {
            d.ask_first = v;
        }
        if let Some(v) = args.auto_backup {
            d.auto_backup = v;
        }
        if let Some(v) = args.schedule {
            d.schedule = v;
        }
        if let Some(v) = args.wifi {
            d.wifi = v;
        }
        if let Some(Window(v)) = args.window {
            d.window = v;
        }
        if let Some(v) = args.remember_password {
            d.remember_password = v;
        }
        if args.confirm {
            d.confirmed = true;
        }
        Ok(s.clone())
    })?;
    let mut wifi_note = None;
    if let Some(on) = args.wifi {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let name = settings.devices[&udid].display_name().to_owned();
        wifi_note = Some(
            match runtime.block_on(keepsake_core::apply_wifi_setting(ctx, &udid)) {
                Ok(Some(_)) if on => tr!(m, "settings-wifi-shown", device = name),
                Ok(Some(_)) => tr!(m, "settings-wifi-hidden", device = name),
                Ok(None) => tr!(m, "settings-wifi-later", device = name),
                Err(e) => tr!(
                    m,
                    "settings-wifi-failed",
                    error = e.to_string(),
                    device = name
                ),
            },
        );
    }
    let history = history::history(dirs)?;
    let shown = view(&settings, &history, &settings.devices[&udid]);
    emit(json, &shown, |out| {
        print_device(m, out, &shown)?;
        if let Some(note) = &wifi_note {
            writeln!(out, "{note}")?;
        }
        Ok(())
    })
}

/// `age` in words: "1 month", "2 weeks".
fn retention(m: &Messages, age: RetentionAge) -> String {
    let (id, count) = match age {
        RetentionAge::OneWeek => ("settings-retention-weeks", 1),
        RetentionAge::TwoWeeks => ("settings-retention-weeks", 2),
        RetentionAge::OneMonth => ("settings-retention-months", 1),
        RetentionAge::ThreeMonths => ("settings-retention-months", 3),
        RetentionAge::SixMonths => ("settings-retention-months", 6),
        RetentionAge::OneYear => ("settings-retention-years", 1),
    };
    tr!(m, id, count = count)
}

fn print_device(m: &Messages, out: &mut dyn Write, v: &DeviceView) -> std::io::Result<()> {
    let d = &v.settings;
    let model = if d.model.is_empty() {
        String::new()
    } else {
        format!(", {}", d.model)
    };
    writeln!(out, "{} ({}{model})", d.display_name(), d.udid)?;
    // the labels, padded to the longest one in this language so that the values line up
    const LABELS: [&str; 11] = [
        "settings-label-location",
        "settings-label-snapshots",
        "settings-label-deletion",
        "settings-label-automatic",
        "settings-label-password",
        "settings-label-wifi",
        "settings-label-settings",
        "settings-label-last-backup",
        "settings-label-last-attempt",
        "settings-label-waiting",
        "settings-label-offsite",
    ];
    let width = LABELS
        .iter()
        .map(|l| m.format(l, None).chars().count())
        .max()
        .unwrap_or(0)
        + 1;
    let mut line =
        |label: &str, value: String| writeln!(out, "  {:<width$}{value}", m.format(label, None));
    let location = match (&v.effective_location, v.location_present) {
        (None, _) => tr!(m, "settings-location-none"),
        (Some(p), Some(false)) => tr!(
            m,
            "settings-location-missing",
            location = p.display().to_string()
        ),
        (Some(p), _) if d.location.is_none() => tr!(
            m,
            "settings-location-default",
            location = p.display().to_string()
        ),
        (Some(p), _) => p.display().to_string(),
    };
    line("settings-label-location", location)?;
    let snapshots = if d.snapshots {
        "settings-snapshots-on"
    } else {
        "settings-snapshots-off"
    };
    line("settings-label-snapshots", m.format(snapshots, None))?;
    let deletion = match (d.auto_delete, d.ask_first) {
        (false, _) => tr!(m, "settings-deletion-off"),
        (true, true) => tr!(
            m,
            "settings-deletion-asking",
            retention = retention(m, d.retention)
        ),
        (true, false) => tr!(
            m,
            "settings-deletion-silent",
            retention = retention(m, d.retention)
        ),
    };
    line("settings-label-deletion", deletion)?;
    let schedule = match d.schedule {
        keepsake_core::Schedule::Daily => tr!(m, "settings-automatic-daily"),
        keepsake_core::Schedule::Weekly => tr!(m, "settings-automatic-weekly"),
    };
    let automatic = match (d.auto_backup, d.window) {
        (false, _) => tr!(m, "settings-automatic-off"),
        (true, None) => schedule,
        (true, Some(w)) => {
            let (start, end) = w.times();
            tr!(
                m,
                "settings-automatic-window",
                schedule = schedule,
                start = start,
                end = end
            )
        }
    };
    line("settings-label-automatic", automatic)?;
    let password = match (d.remember_password, v.password_in_credential_store) {
        (_, Some(true)) => "settings-password-remembered",
        (true, Some(false)) => "settings-password-to-remember",
        (false, Some(false)) => "settings-password-not-remembered",
        (true, None) => "settings-password-to-remember-unreachable",
        (false, None) => "settings-password-not-remembered-unreachable",
    };
    line("settings-label-password", m.format(password, None))?;
    let wifi = if d.wifi {
        "settings-wifi-yes"
    } else {
        "settings-wifi-no"
    };
    line("settings-label-wifi", m.format(wifi, None))?;
    let confirmed = if d.confirmed {
        tr!(m, "settings-confirmed")
    } else {
        tr!(m, "settings-not-confirmed", udid = d.udid.as_str())
    };
    line("settings-label-settings", confirmed)?;
    let h = &v.history;
    let last = match h.last_success {
        Some(t) => utc_time(t),
        None => tr!(m, "settings-never"),
    };
    line("settings-label-last-backup", last)?;
    if let Some(e) = &h.last_error {
        let failed = tr!(
            m,
            "settings-last-attempt",
            count = h.failures,
            error = e.as_str()
        );
        line("settings-label-last-attempt", failed)?;
    }
    if let Some(p) = &h.pending_cleaning {
        let waiting = tr!(
            m,
            "settings-waiting",
            count = p.request.snapshots.len(),
            size = m.bytes(p.request.frees_bytes)
        );
        line("settings-label-waiting", waiting)?;
    }
    if let Some(copy) = &d.offsite {
        let remote = copy.name();
        let state = keepsake_core::offsite::state_of(d, h);
        let value = match state {
            Some(s) if s.waiting.is_some() => tr!(
                m,
                "settings-offsite-waiting",
                remote = remote,
                error = s.waiting.as_ref().map_or("", |w| w.error.as_str())
            ),
            Some(s) if s.last_copied.is_some() => tr!(
                m,
                "settings-offsite-copied",
                remote = remote,
                time = utc_time(s.last_copied.unwrap_or_default())
            ),
            _ => tr!(m, "settings-offsite-not-yet", remote = remote),
        };
        line("settings-label-offsite", value)?;
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct LocationsArgs {
    #[command(subcommand)]
    action: Option<LocationAction>,
}

#[derive(Debug, Subcommand)]
enum LocationAction {
    /// Add a folder or a disk (its snapshots go in its `Keepsake.Backups` folder).
    Add { path: PathBuf },
    /// Set a folder or a disk up before its first backup, as the app's wizard does: its
    /// encrypted snapshots' keys (this computer's, and a recovery key, shown once), and add it.
    SetUp {
        path: PathBuf,
        /// A password of your choosing that opens its snapshots too (besides the recovery key).
        /// Read from FILE's first line (`-`: standard input); else $KEEPSAKE_STORE_PASSWORD.
        #[arg(long = "store-password-file", value_name = "FILE")]
        store_password: Option<PathBuf>,
    },
    /// Forget a location (its snapshots stay on the disk).
    Remove { path: PathBuf },
    /// Make a location the default for devices without one of their own.
    Default { path: PathBuf },
    /// Show the location's recovery key (it opens the snapshots on any computer); this computer
    /// must be able to open them. A location made before recovery keys gets one now.
    RecoveryKey {
        path: PathBuf,
        /// The snapshots' password, the backup password of a device backed up there, or the
        /// recovery key itself, when this computer does not remember the key.
        /// Read from FILE's first line (`-`: standard input); else $KEEPSAKE_STORE_PASSWORD.
        #[arg(long = "store-password-file", value_name = "FILE")]
        store_password: Option<PathBuf>,
    },
    /// List what opens the location's snapshots (its key slots): computers, the recovery key,
    /// devices' backup passwords, a password.
    Keys {
        path: PathBuf,
        /// A secret that opens it, when this computer does not remember the key.
        /// Read from FILE's first line (`-`: standard input); else $KEEPSAKE_STORE_PASSWORD.
        #[arg(long = "store-password-file", value_name = "FILE")]
        store_password: Option<PathBuf>,
    },
    /// Let a password of your choosing open the location's snapshots too.
    AddPassword {
        path: PathBuf,
        /// Read the new password from FILE's first line (`-`: standard input); else
        /// $KEEPSAKE_NEW_STORE_PASSWORD; else it is asked for, twice, at the terminal.
        #[arg(long = "new-password-file", value_name = "FILE")]
        new_password: Option<PathBuf>,
        /// A secret that opens it, when this computer does not remember the key.
        /// Read from FILE's first line (`-`: standard input); else $KEEPSAKE_STORE_PASSWORD.
        #[arg(long = "store-password-file", value_name = "FILE")]
        store_password: Option<PathBuf>,
    },
    /// Stop a key slot opening the location's snapshots (see `keys`); the last one stays.
    RemoveKey {
        path: PathBuf,
        slot: String,
        /// A secret that opens it, when this computer does not remember the key.
        /// Read from FILE's first line (`-`: standard input); else $KEEPSAKE_STORE_PASSWORD.
        #[arg(long = "store-password-file", value_name = "FILE")]
        store_password: Option<PathBuf>,
    },
}

pub fn locations(
    ctx: &keepsake_core::Context,
    args: &LocationsArgs,
    json: bool,
) -> anyhow::Result<()> {
    let m = ctx.messages();
    let dirs = ctx.dirs();
    match &args.action {
        Some(LocationAction::Add { path }) => {
            settings::add_location(dirs, path)?;
        }
        Some(LocationAction::SetUp {
            path,
            store_password,
        }) => return set_up(ctx, path, store_password.as_deref(), json),
        Some(LocationAction::Remove { path }) => settings::remove_location(dirs, path)?,
        Some(LocationAction::Default { path }) => {
            settings::set_default_location(dirs, path)?;
        }
        Some(LocationAction::RecoveryKey {
            path,
            store_password,
        }) => return recovery_key(ctx, path, store_password.as_deref(), json),
        Some(LocationAction::Keys {
            path,
            store_password,
        }) => return key_slots(ctx, path, store_password.as_deref(), json, |_| Ok(())),
        Some(LocationAction::AddPassword {
            path,
            new_password,
            store_password,
        }) => {
            let new = crate::secret_args::required(
                m,
                &crate::secret_args::NEW_STORE_PASSWORD,
                new_password.as_deref(),
                true,
            )?;
            return key_slots(ctx, path, store_password.as_deref(), json, |repo| {
                let kind = keepsake_store::SlotKind::Password;
                let kdf = keepsake_store::keys::kdf_for(&kind);
                repo.add_key_slot(kind, new.expose(), kdf).map(|_| ())
            });
        }
        Some(LocationAction::RemoveKey {
            path,
            slot,
            store_password,
        }) => {
            return key_slots(ctx, path, store_password.as_deref(), json, |repo| {
                repo.remove_key_slot(slot)
            })
        }
        None => {}
    }
    // a known disk mounted at another path today is followed there before it is listed
    let moved = keepsake_core::disks::follow_moved_disks(ctx)?;
    let list = settings::locations(dirs)?;
    let elsewhere: Vec<_> = keepsake_core::disks::disks_with_backups(ctx)?
        .into_iter()
        .filter(|d| !d.known)
        .collect();
    emit(json, &list, |out| {
        for moved in &moved {
            let said = tr!(
                m,
                "locations-moved",
                from = moved.from.display().to_string(),
                to = moved.to.display().to_string()
            );
            writeln!(out, "{said}")?;
        }
        print_locations(m, out, &list)?;
        for d in &elsewhere {
            let said = tr!(
                m,
                "locations-elsewhere",
                disk = d.root.display().to_string()
            );
            writeln!(out, "\n{said}")?;
        }
        Ok(())
    })
}

/// What opens a location here: the store password's file, else any secret in the environment
/// (the snapshots' password, the recovery key, a device's backup password).
fn any_secret(
    ctx: &keepsake_core::Context,
    file: Option<&Path>,
) -> anyhow::Result<keepsake_core::Unlock> {
    use crate::secret_args::{unlock_with, BACKUP_PASSWORD, RECOVERY_KEY, STORE_PASSWORD};
    unlock_with(
        ctx.messages(),
        ctx.unlock(),
        &[
            (&STORE_PASSWORD, file),
            (&RECOVERY_KEY, None),
            (&BACKUP_PASSWORD, None),
        ],
    )
}

/// `keepsake locations recovery-key <location>`.
fn set_up(
    ctx: &keepsake_core::Context,
    path: &Path,
    password: Option<&Path>,
    json: bool,
) -> anyhow::Result<()> {
    let m = ctx.messages();
    let password = crate::secret_args::optional(m, &crate::secret_args::STORE_PASSWORD, password)?;
    let key = settings::set_up_location(
        ctx.dirs(),
        ctx.host_name(),
        path,
        password.as_ref().map(|p| p.expose()),
    )?;
    let root = settings::add_location(ctx.dirs(), path)?;
    let shown = serde_json::json!({
        "location": root,
        "recovery_key": key.as_ref().map(|k| k.as_str()),
    });
    let location = root.display().to_string();
    emit(json, &shown, |out| match &key {
        Some(key) => writeln!(
            out,
            "{}\n\n    {}\n",
            tr!(m, "locations-set-up", location = location.as_str()),
            key.as_str()
        ),
        None => writeln!(
            out,
            "{}",
            tr!(m, "locations-set-up-already", location = location.as_str())
        ),
    })
}

fn recovery_key(
    ctx: &keepsake_core::Context,
    path: &Path,
    secret: Option<&Path>,
    json: bool,
) -> anyhow::Result<()> {
    let m = ctx.messages();
    let location = keepsake_core::Location::new(path);
    let repo = location.open_with(&any_secret(ctx, secret)?)?;
    let root = location.root().display().to_string();
    let Some(key) = repo.recovery_key()? else {
        anyhow::bail!(tr!(m, "locations-not-encrypted", location = root));
    };
    let shown = serde_json::json!({
        "location": location.root(),
        "recovery_key": key.as_str(),
    });
    emit(json, &shown, |out| {
        writeln!(
            out,
            "{}\n\n    {}\n\n{}",
            tr!(m, "locations-recovery-key", location = root.as_str()),
            key.as_str(),
            tr!(m, "locations-recovery-key-keep")
        )
    })
}

/// Opens the location, applies `change` to its key slots, and lists them.
fn key_slots(
    ctx: &keepsake_core::Context,
    path: &Path,
    secret: Option<&Path>,
    json: bool,
    change: impl FnOnce(&mut keepsake_store::Repository) -> keepsake_store::Result<()>,
) -> anyhow::Result<()> {
    let location = keepsake_core::Location::new(path);
    let mut repo = location.open_with(&any_secret(ctx, secret)?)?;
    change(&mut repo)?;
    let m = ctx.messages();
    let listed = repo.key_slots();
    let slots: Vec<serde_json::Value> = listed
        .iter()
        .map(|s| serde_json::json!({ "id": s.id, "opened_by": s.kind.to_string(), "kind": s.kind }))
        .collect();
    emit(json, &slots, |out| {
        writeln!(
            out,
            "{}",
            tr!(
                m,
                "locations-keys",
                location = location.root().display().to_string()
            )
        )?;
        for s in &listed {
            writeln!(out, "  {}  {}", s.id, opened_by(m, &s.kind))?;
        }
        Ok(())
    })
}

/// What a key slot is, in words: "the recovery key", "the computer Ada's Mac".
fn opened_by(m: &Messages, kind: &keepsake_store::SlotKind) -> String {
    use keepsake_store::SlotKind;
    match kind {
        SlotKind::Password => tr!(m, "locations-key-password"),
        SlotKind::RecoveryKey => tr!(m, "locations-key-recovery-key"),
        SlotKind::BackupPassword { device } => {
            tr!(m, "locations-key-backup-password", device = device.as_str())
        }
        SlotKind::Computer { name } => {
            tr!(m, "locations-key-computer", computer = name.as_str())
        }
    }
}

fn print_locations(
    m: &Messages,
    out: &mut dyn Write,
    list: &[LocationStatus],
) -> std::io::Result<()> {
    if list.is_empty() {
        writeln!(out, "{}", tr!(m, "locations-none"))?;
    }
    for l in list {
        let mark = if l.is_default { "*" } else { " " };
        let space = match (l.present, l.free_bytes, l.total_bytes) {
            (false, ..) => tr!(m, "locations-missing"),
            (true, Some(free), Some(total)) => tr!(
                m,
                "locations-free",
                free = m.bytes(free),
                total = m.bytes(total)
            ),
            (true, ..) => tr!(m, "locations-present"),
        };
        let devices = match l.devices.len() {
            0 => String::new(),
            n => format!(", {}", tr!(m, "locations-devices", count = n)),
        };
        writeln!(out, "{mark} {}  {space}{devices}", l.path.display())?;
    }
    Ok(())
}
