//! `keepsake settings` and `keepsake locations`: each device's backup settings, and the places
//! backups go (with their free space, and whether they are there).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use keepsake_core::history::{self, DeviceHistory};
use keepsake_core::settings::{self, LocationStatus};
use keepsake_core::{human_bytes, CoreError, DeviceSettings, RetentionAge, Settings};
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
            match &shown.preferences.default_location {
                Some(p) => writeln!(out, "Default location: {}", p.display())?,
                None => writeln!(
                    out,
                    "No default location yet: add one with `keepsake locations add <folder>`."
                )?,
            }
            if shown.devices.is_empty() {
                writeln!(
                    out,
                    "No devices yet: connect one and run `keepsake settings <device>`."
                )?;
            }
            for d in &shown.devices {
                writeln!(out)?;
                print_device(out, d)?;
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
                Ok(Some(_)) if on => format!("{name} now shows itself on Wi-Fi to this computer."),
                Ok(Some(_)) => format!("{name} no longer shows itself on Wi-Fi to this computer."),
                Ok(None) => format!(
                    "{name} is not connected: this is set on it at its next backup by cable."
                ),
                Err(e) => format!("{e}. It is set on {name} at its next backup by cable."),
            },
        );
    }
    let history = history::history(dirs)?;
    let shown = view(&settings, &history, &settings.devices[&udid]);
    emit(json, &shown, |out| {
        print_device(out, &shown)?;
        if let Some(note) = &wifi_note {
            writeln!(out, "{note}")?;
        }
        Ok(())
    })
}

fn on(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

fn print_device(out: &mut dyn Write, v: &DeviceView) -> std::io::Result<()> {
    let d = &v.settings;
    let model = if d.model.is_empty() {
        String::new()
    } else {
        format!(", {}", d.model)
    };
    writeln!(out, "{} ({}{model})", d.display_name(), d.udid)?;
    let location = match (&v.effective_location, v.location_present) {
        (None, _) => "none (add one with `keepsake locations add <folder>`)".to_owned(),
        (Some(p), Some(false)) => format!("{} (not there: an unplugged disk?)", p.display()),
        (Some(p), _) if d.location.is_none() => format!("{} (the default)", p.display()),
        (Some(p), _) => p.display().to_string(),
    };
    writeln!(out, "  Location:           {location}")?;
    writeln!(out, "  Snapshots:          {}", on(d.snapshots))?;
    let deletion = if d.auto_delete {
        format!(
            "on, keeping every snapshot at least {}, {}",
            d.retention,
            if d.ask_first {
                "asking first"
            } else {
                "without asking"
            }
        )
    } else {
        "off".to_owned()
    };
    writeln!(out, "  Automatic deletion: {deletion}")?;
    let schedule = match d.schedule {
        keepsake_core::Schedule::Daily => "daily",
        keepsake_core::Schedule::Weekly => "weekly",
    };
    let automatic = match (d.auto_backup, d.window) {
        (false, _) => "off".to_owned(),
        (true, None) => schedule.to_owned(),
        (true, Some(w)) => {
            let (start, end) = w.times();
            format!("{schedule}, between {start} and {end} (local time)")
        }
    };
    writeln!(out, "  Automatic backups:  {automatic}")?;
    let password = match (d.remember_password, v.password_in_credential_store) {
        (_, Some(true)) => "remembered in this computer's credential store",
        (true, Some(false)) => "to be remembered when next given",
        (false, Some(false)) => "not remembered",
        (true, None) => "to be remembered (the credential store cannot be reached)",
        (false, None) => "not remembered (the credential store cannot be reached)",
    };
    writeln!(out, "  Password:           {password}")?;
    writeln!(
        out,
        "  Over Wi-Fi:         {}",
        if d.wifi {
            "yes, when on the same network"
        } else {
            "no, by cable only"
        }
    )?;
    if d.confirmed {
        writeln!(out, "  Settings:           confirmed")?;
    } else {
        writeln!(
            out,
            "  Settings:           not confirmed yet: `keepsake settings {} --confirm` accepts them",
            d.udid
        )?;
    }
    let h = &v.history;
    match h.last_success {
        Some(t) => writeln!(out, "  Last backup:        {}", utc_time(t))?,
        None => writeln!(out, "  Last backup:        never")?,
    }
    if let Some(e) = &h.last_error {
        writeln!(
            out,
            "  Last attempt:       failed ({} in a row): {e}",
            h.failures
        )?;
    }
    if let Some(p) = &h.pending_cleaning {
        writeln!(
            out,
            "  Waiting for you:    delete {} old snapshot(s) to free {}? (`keepsake clean`)",
            p.request.snapshots.len(),
            human_bytes(p.request.frees_bytes)
        )?;
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
        for m in &moved {
            writeln!(
                out,
                "{} is now mounted at {}: Keepsake follows it there.",
                m.from.display(),
                m.to.display()
            )?;
        }
        print_locations(out, &list)?;
        for d in &elsewhere {
            writeln!(
                out,
                "\nBackups from another computer are on {}: `keepsake timeline --location {}` \
                 shows them (with a backup password or --recovery-key), `keepsake locations add \
                 {}` adds them.",
                d.root.display(),
                d.root.display(),
                d.root.display()
            )?;
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
    let password = crate::secret_args::optional(&crate::secret_args::STORE_PASSWORD, password)?;
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
    emit(json, &shown, |out| match &key {
        Some(key) => writeln!(
            out,
            "{} is set up for backups. Its recovery key opens these snapshots on any computer, \
             for example if this one is lost. Write it down or print it, and keep it apart from \
             the disk:\n\n    {}\n",
            root.display(),
            key.as_str()
        ),
        None => writeln!(
            out,
            "{} is set up already (`keepsake locations recovery-key` shows its recovery key).",
            root.display()
        ),
    })
}

fn recovery_key(
    ctx: &keepsake_core::Context,
    path: &Path,
    secret: Option<&Path>,
    json: bool,
) -> anyhow::Result<()> {
    let location = keepsake_core::Location::new(path);
    let repo = location.open_with(&any_secret(ctx, secret)?)?;
    let Some(key) = repo.recovery_key()? else {
        anyhow::bail!(
            "{} is not encrypted: it needs no recovery key",
            location.root().display()
        );
    };
    let shown = serde_json::json!({
        "location": location.root(),
        "recovery_key": key.as_str(),
    });
    emit(json, &shown, |out| {
        writeln!(
            out,
            "The recovery key of {}:\n\n    {}\n\nIt opens these snapshots on any computer. Keep it \
             apart from the disk.",
            location.root().display(),
            key.as_str()
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
    let slots: Vec<serde_json::Value> = repo
        .key_slots()
        .into_iter()
        .map(|s| serde_json::json!({ "id": s.id, "opened_by": s.kind.to_string(), "kind": s.kind }))
        .collect();
    emit(json, &slots, |out| {
        writeln!(
            out,
            "What opens the snapshots at {}:",
            location.root().display()
        )?;
        for s in &slots {
            writeln!(
                out,
                "  {}  {}",
                s["id"].as_str().unwrap_or_default(),
                s["opened_by"].as_str().unwrap_or_default()
            )?;
        }
        Ok(())
    })
}

fn print_locations(out: &mut dyn Write, list: &[LocationStatus]) -> std::io::Result<()> {
    if list.is_empty() {
        writeln!(
            out,
            "No locations yet: add a folder or a disk with `keepsake locations add <path>`."
        )?;
    }
    for l in list {
        let mark = if l.is_default { "*" } else { " " };
        let space = match (l.present, l.free_bytes, l.total_bytes) {
            (false, ..) => "missing (an unplugged disk?)".to_owned(),
            (true, Some(free), Some(total)) => {
                format!("{} free of {}", human_bytes(free), human_bytes(total))
            }
            (true, ..) => "present".to_owned(),
        };
        let devices = match l.devices.len() {
            0 => String::new(),
            1 => ", 1 device".to_owned(),
            n => format!(", {n} devices"),
        };
        writeln!(out, "{mark} {}  {space}{devices}", l.path.display())?;
    }
    Ok(())
}
