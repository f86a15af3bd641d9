//! What the person chose: each device's backup settings and the app's preferences (the default
//! location and the known locations), kept as one JSON file in the app config dir.
//!
//! Every change is a locked read-modify-write ([`update`]), so the app, its agent and the CLI
//! can change settings at the same time without losing each other's edits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dirs::AppDirs;
use crate::error::{CoreError, Result};
use crate::location::{root_of, Location};
use crate::settings_files::{lock_config, read_json, write_atomically};

/// The settings file, in the app config dir.
pub const SETTINGS_FILE: &str = "settings.json";

/// How long a snapshot is kept at least before automatic deletion may remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RetentionAge {
    #[serde(rename = "1w")]
    OneWeek,
    #[serde(rename = "2w")]
    TwoWeeks,
    #[default]
    #[serde(rename = "1m")]
    OneMonth,
    #[serde(rename = "3m")]
    ThreeMonths,
    #[serde(rename = "6m")]
    SixMonths,
    #[serde(rename = "1y")]
    OneYear,
}

const DAY: i64 = 86_400;

impl RetentionAge {
    pub const ALL: [RetentionAge; 6] = [
        RetentionAge::OneWeek,
        RetentionAge::TwoWeeks,
        RetentionAge::OneMonth,
        RetentionAge::ThreeMonths,
        RetentionAge::SixMonths,
        RetentionAge::OneYear,
    ];

    /// The age in seconds; months count 30 days and a year 365, which is what "1 month" means
    /// to a person choosing how long to keep things.
    pub fn seconds(self) -> i64 {
        DAY * match self {
            RetentionAge::OneWeek => 7,
            RetentionAge::TwoWeeks => 14,
            RetentionAge::OneMonth => 30,
            RetentionAge::ThreeMonths => 91,
            RetentionAge::SixMonths => 182,
            RetentionAge::OneYear => 365,
        }
    }

    /// The short form the CLI takes and the file stores: `1w`, `2w`, `1m`, `3m`, `6m`, `1y`.
    pub fn code(self) -> &'static str {
        match self {
            RetentionAge::OneWeek => "1w",
            RetentionAge::TwoWeeks => "2w",
            RetentionAge::OneMonth => "1m",
            RetentionAge::ThreeMonths => "3m",
            RetentionAge::SixMonths => "6m",
            RetentionAge::OneYear => "1y",
        }
    }
}

impl std::fmt::Display for RetentionAge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RetentionAge::OneWeek => "1 week",
            RetentionAge::TwoWeeks => "2 weeks",
            RetentionAge::OneMonth => "1 month",
            RetentionAge::ThreeMonths => "3 months",
            RetentionAge::SixMonths => "6 months",
            RetentionAge::OneYear => "1 year",
        })
    }
}

impl std::str::FromStr for RetentionAge {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        RetentionAge::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| format!("{s:?} is not a retention age: use 1w, 2w, 1m, 3m, 6m or 1y"))
    }
}

/// How often automatic backups run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    #[default]
    Daily,
    Weekly,
}

impl std::str::FromStr for Schedule {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "daily" => Ok(Schedule::Daily),
            "weekly" => Ok(Schedule::Weekly),
            _ => Err(format!("{s:?} is not a schedule: use daily or weekly")),
        }
    }
}

impl Schedule {
    /// Calendar days (UTC) between two automatic backups.
    pub fn days(self) -> i64 {
        match self {
            Schedule::Daily => 1,
            Schedule::Weekly => 7,
        }
    }
}

/// One device's backup settings. The device itself holds whether its backups are encrypted;
/// here is only whether this computer remembers the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceSettings {
    pub udid: String,
    /// The name and model it had when last seen.
    pub name: String,
    pub model: String,
    pub remember_password: bool,
    /// Where its snapshots go; `None` follows the default location.
    pub location: Option<PathBuf>,
    /// Keep older snapshots; off keeps only the newest backup.
    pub snapshots: bool,
    /// Delete old snapshots when they take more than half the newest backup's size.
    pub auto_delete: bool,
    /// Never delete a snapshot younger than this.
    pub retention: RetentionAge,
    /// Ask before deleting (a cleaning request) instead of deleting.
    pub ask_first: bool,
    pub auto_backup: bool,
    pub schedule: Schedule,
    /// Automatic backups only within this time of the (local) day, e.g. 20:00-06:00.
    pub window: Option<crate::days::BackupWindow>,
    /// Back up over Wi-Fi too: the phone is told (over the cable) to announce itself on the
    /// network for this computer, as Finder's "Show this iPhone when on Wi-Fi" does.
    pub wifi: bool,
    /// The person has seen and accepted these settings; a device's first backup waits for it.
    pub confirmed: bool,
    /// A move of its snapshots to `location` that has not yet removed the old copies from
    /// here (interrupted): the next move finishes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<PathBuf>,
    /// A copy of its snapshots on an S3-compatible bucket, sent after each backup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offsite: Option<OffsiteCopy>,
}

impl Default for DeviceSettings {
    fn default() -> Self {
        DeviceSettings {
            udid: String::new(),
            name: String::new(),
            model: String::new(),
            remember_password: false,
            location: None,
            snapshots: true,
            auto_delete: true,
            retention: RetentionAge::default(),
            ask_first: true,
            auto_backup: true,
            schedule: Schedule::default(),
            window: None,
            wifi: true,
            confirmed: false,
            moved_from: None,
            offsite: None,
        }
    }
}

impl DeviceSettings {
    /// A device seen for the first time: the defaults, not yet confirmed.
    pub fn new(udid: &str, name: &str, model: &str) -> Self {
        DeviceSettings {
            udid: udid.to_owned(),
            name: name.to_owned(),
            model: model.to_owned(),
            ..DeviceSettings::default()
        }
    }

    /// The name to show: the last known one, else the UDID.
    pub fn display_name(&self) -> &str {
        if self.name.is_empty() {
            &self.udid
        } else {
            &self.name
        }
    }
}

/// Where a device's snapshots are copied offsite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsiteCopy {
    /// `s3://host/bucket/prefix`, or `s3+http://host:port/bucket/prefix` without HTTPS.
    pub address: String,
    pub access_key: String,
    /// At most this many kilobytes a second; `None`: as fast as the network goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_kb: Option<u32>,
}

impl OffsiteCopy {
    /// A copy to `address` with `access_key`, the address checked and written the one way
    /// (`s3://host/bucket/prefix`), so one remote has one name and one remembered secret.
    pub fn new(address: &str, access_key: &str, bandwidth_kb: Option<u32>) -> Result<OffsiteCopy> {
        let remote = keepsake_offsite::Remote::parse(address.trim())?;
        let access_key = access_key.trim();
        if access_key.is_empty() || access_key.chars().any(char::is_whitespace) {
            return Err(CoreError::Store(keepsake_i18n::say(
                "core-offsite-bad-access-key",
                &[],
            )));
        }
        Ok(OffsiteCopy {
            address: remote.to_string(),
            access_key: access_key.to_owned(),
            bandwidth_kb: bandwidth_kb.filter(|&kb| kb > 0),
        })
    }

    pub fn remote(&self) -> Result<keepsake_offsite::Remote> {
        Ok(keepsake_offsite::Remote::parse(&self.address)?)
    }

    /// The remote as people read it: its address.
    pub fn name(&self) -> &str {
        &self.address
    }

    /// Whose secret it is, in the credential store: the access key at this remote.
    pub(crate) fn secret_owner(&self) -> String {
        format!("{}@{}", self.access_key, self.address)
    }
}

/// The app's own preferences.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    /// Where devices without a location of their own back up.
    pub default_location: Option<PathBuf>,
    /// Every location the person added, present or not.
    pub locations: Vec<PathBuf>,
    /// The repository each location held when last seen, by repository id: a location is known
    /// by it, so a disk mounted at another path is followed there ([`relocate_known`]).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub repositories: BTreeMap<String, PathBuf>,
}

/// Everything in the settings file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub preferences: Preferences,
    /// By UDID.
    pub devices: BTreeMap<String, DeviceSettings>,
}

impl Settings {
    pub fn device(&self, udid: &str) -> Option<&DeviceSettings> {
        self.devices.get(udid)
    }

    /// The device's settings, made with the defaults (unconfirmed) if it is new; its last known
    /// name and model are updated when given.
    pub fn device_mut(&mut self, udid: &str, name: &str, model: &str) -> &mut DeviceSettings {
        let device = self
            .devices
            .entry(udid.to_owned())
            .or_insert_with(|| DeviceSettings::new(udid, name, model));
        if !name.is_empty() {
            device.name = name.to_owned();
        }
        if !model.is_empty() {
            device.model = model.to_owned();
        }
        device
    }

    /// The known device `wanted` names: its UDID, or its last known name.
    pub fn find_device(&self, wanted: &str) -> Option<&DeviceSettings> {
        self.devices.get(wanted).or_else(|| {
            let mut named = self.devices.values().filter(|d| d.name == wanted);
            match (named.next(), named.next()) {
                (Some(d), None) => Some(d),
                _ => None,
            }
        })
    }

    /// Where `device` backs up: its own location, else the default one.
    pub fn location_of(&self, device: &DeviceSettings) -> Option<PathBuf> {
        device
            .location
            .clone()
            .or_else(|| self.preferences.default_location.clone())
    }

    /// Adds a location to the known ones (once); the first one added becomes the default.
    pub fn add_location(&mut self, path: &Path) -> PathBuf {
        let path = root_of(path);
        if !self.preferences.locations.contains(&path) {
            self.preferences.locations.push(path.clone());
        }
        if self.preferences.default_location.is_none() {
            self.preferences.default_location = Some(path.clone());
        }
        path
    }
}

/// A known location found at another path: the disk holding its repository was mounted elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moved {
    pub repository: String,
    pub from: PathBuf,
    pub to: PathBuf,
}

impl Settings {
    /// Every location a path in the settings names: the known ones, the default, the devices'.
    pub fn location_paths(&self) -> Vec<PathBuf> {
        let mut paths = self.preferences.locations.clone();
        let others = self.preferences.default_location.iter().cloned();
        let devices = self.devices.values().filter_map(|d| d.location.clone());
        for p in others.chain(devices) {
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
        paths
    }

    /// Points every use of the location at `from` (the list, the default, each device) at `to`.
    fn relocate(&mut self, from: &Path, to: &Path) {
        let mut locations = Vec::new();
        for p in self.preferences.locations.drain(..) {
            let p = if p == from { to.to_owned() } else { p };
            if !locations.contains(&p) {
                locations.push(p);
            }
        }
        self.preferences.locations = locations;
        if self.preferences.default_location.as_deref() == Some(from) {
            self.preferences.default_location = Some(to.to_owned());
        }
        for d in self.devices.values_mut() {
            if d.location.as_deref() == Some(from) {
                d.location = Some(to.to_owned());
            }
        }
    }
}

/// Keeps locations known by their repository: records the repository each known location
/// holds now, and a known repository that is no longer at its path but at another known path
/// or in `found` (repository id → folder, from the disks in sight) is followed there: the list,
/// the default and every device using it point at the new path. Nothing moves to a path whose
/// repository is another one; a disk that is simply unplugged stays known where it was.
pub fn relocate_known(dirs: &AppDirs, found: &BTreeMap<String, PathBuf>) -> Result<Vec<Moved>> {
    let now_at = |settings: &Settings| -> BTreeMap<String, PathBuf> {
        let mut at = BTreeMap::new();
        for path in settings.location_paths() {
            if let Some(id) = Location::new(&path).repository_id() {
                at.entry(id).or_insert(path);
            }
        }
        at
    };
    let plan = |settings: &Settings, at: &BTreeMap<String, PathBuf>| -> Vec<Moved> {
        let mut moves = Vec::new();
        for (id, from) in &settings.preferences.repositories {
            if Location::new(from).repository_id().as_deref() == Some(id.as_str()) {
                continue;
            }
            if let Some(to) = at.get(id).or_else(|| found.get(id)) {
                if to != from {
                    moves.push(Moved {
                        repository: id.clone(),
                        from: from.clone(),
                        to: to.clone(),
                    });
                }
            }
        }
        moves
    };
    // Look first without the lock: most calls find nothing to change and write nothing.
    let settings = load(dirs)?;
    let at = now_at(&settings);
    let unrecorded = at
        .iter()
        .any(|(id, p)| settings.preferences.repositories.get(id) != Some(p));
    if !unrecorded && plan(&settings, &at).is_empty() {
        return Ok(Vec::new());
    }
    update(dirs, |s| {
        let moves = plan(s, &now_at(s));
        for m in &moves {
            tracing::info!(repository = %m.repository, from = %m.from.display(), to = %m.to.display(), "a location's disk is mounted at another path: following it");
            s.relocate(&m.from, &m.to);
        }
        for (id, path) in now_at(s) {
            s.preferences.repositories.insert(id, path);
        }
        Ok(moves)
    })
}

fn settings_path(dirs: &AppDirs) -> PathBuf {
    dirs.config_dir().join(SETTINGS_FILE)
}

/// The settings as saved; the defaults when nothing was saved yet.
pub fn load(dirs: &AppDirs) -> Result<Settings> {
    read_json(&settings_path(dirs))
}

/// Changes the settings under a lock held across read and write: concurrent changes by the app,
/// the agent and the CLI all land. Nothing is written when `change` fails.
pub fn update<T>(dirs: &AppDirs, change: impl FnOnce(&mut Settings) -> Result<T>) -> Result<T> {
    let _lock = lock_config(dirs.config_dir(), "settings.lock")?;
    let path = settings_path(dirs);
    let mut settings: Settings = read_json(&path)?;
    let out = change(&mut settings)?;
    write_atomically(&path, &serde_json::to_vec_pretty(&settings)?)?;
    Ok(out)
}

/// Whether `udid` is backed up over Wi-Fi too: its setting, else the default for a device
/// not set up yet.
pub fn wifi_backups(dirs: &AppDirs, udid: &str) -> Result<bool> {
    Ok(load(dirs)?
        .device(udid)
        .map_or(DeviceSettings::default().wifi, |d| d.wifi))
}

/// The settings a backup of `udid` runs with. A device whose settings were never confirmed (its
/// first backup) is refused, so nothing is backed up before the person chose where and how.
pub fn confirmed_settings(dirs: &AppDirs, udid: &str, name: &str) -> Result<DeviceSettings> {
    let settings = load(dirs)?;
    match settings.device(udid) {
        Some(device) if device.confirmed => Ok(device.clone()),
        found => Err(CoreError::SettingsNotConfirmed {
            device: found.map_or(name, |d| d.display_name()).to_owned(),
            udid: udid.to_owned(),
        }),
    }
}

/// Accepts `udid`'s settings as they are (the defaults for a new device): what the wizard's last
/// step and `keepsake backup --yes` do before a first backup.
pub fn confirm(dirs: &AppDirs, udid: &str, name: &str, model: &str) -> Result<DeviceSettings> {
    update(dirs, |s| {
        let device = s.device_mut(udid, name, model);
        device.confirmed = true;
        Ok(device.clone())
    })
}

/// Where a backup of `udid` goes: its location, else the default one. A location that is not
/// there (an unplugged disk) is an error, never replaced by another.
pub fn backup_location(dirs: &AppDirs, udid: &str, name: &str) -> Result<PathBuf> {
    let settings = load(dirs)?;
    let fallback = DeviceSettings::new(udid, name, "");
    let device = settings.device(udid).unwrap_or(&fallback);
    let location = settings
        .location_of(device)
        .ok_or_else(|| CoreError::NoLocation {
            device: device.display_name().to_owned(),
        })?;
    if !location.is_dir() {
        return Err(CoreError::LocationMissing { location });
    }
    Ok(location)
}

/// A known location as the locations list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocationStatus {
    pub path: PathBuf,
    pub is_default: bool,
    /// The folder is there (a disk that is unplugged is not).
    pub present: bool,
    /// Free and total bytes of its volume, when present.
    pub free_bytes: Option<u64>,
    pub total_bytes: Option<u64>,
    /// It already holds a snapshot repository (`Keepsake.Backups`).
    pub has_backups: bool,
    /// UDIDs of the devices that back up there (including through the default).
    pub devices: Vec<String>,
}

/// Every known location (and any a device uses that is not in the list), with its free space
/// and whether it is there. A missing location is listed as missing, never replaced.
pub fn locations(dirs: &AppDirs) -> Result<Vec<LocationStatus>> {
    let settings = load(dirs)?;
    let mut paths = settings.preferences.locations.clone();
    for d in settings.devices.values() {
        if let Some(p) = settings.location_of(d) {
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
    }
    Ok(paths
        .into_iter()
        .map(|path| {
            let present = path.is_dir();
            LocationStatus {
                is_default: settings.preferences.default_location.as_ref() == Some(&path),
                free_bytes: present.then(|| fs4::available_space(&path).ok()).flatten(),
                total_bytes: present.then(|| fs4::total_space(&path).ok()).flatten(),
                has_backups: Location::new(&path).has_repository(),
                devices: settings
                    .devices
                    .values()
                    .filter(|d| settings.location_of(d).as_ref() == Some(&path))
                    .map(|d| d.udid.clone())
                    .collect(),
                present,
                path,
            }
        })
        .collect())
}

/// Adds a location (it must be there now); the first one becomes the default.
pub fn add_location(dirs: &AppDirs, path: &Path) -> Result<PathBuf> {
    let root = root_of(path);
    if !root.is_dir() {
        return Err(CoreError::LocationMissing { location: root });
    }
    let added = update(dirs, |s| Ok(s.add_location(&root)))?;
    // a known location's disk added at its new path is that location, not another one
    relocate_known(dirs, &BTreeMap::new())?;
    Ok(added)
}

/// Sets a location up before its first backup (the app's wizard, `keepsake locations set-up`):
/// a location without backups gets its repository now (this computer's key, a recovery key,
/// and `password` when given), and its recovery key is returned, to be shown once. `None` when
/// the location holds backups already (its recovery key can be shown again from them).
pub fn set_up_location(
    dirs: &AppDirs,
    computer: &str,
    path: &Path,
    password: Option<&str>,
) -> Result<Option<zeroize::Zeroizing<String>>> {
    let location = Location::new(path);
    if location.has_repository() {
        return Ok(None);
    }
    let (_repo, key) = location.create(computer, password.filter(|p| !p.is_empty()))?;
    relocate_known(dirs, &BTreeMap::new())?;
    tracing::info!(location = %location.root().display(), "location set up");
    Ok(Some(key))
}

/// Makes a location the default, adding it to the known ones if needed.
pub fn set_default_location(dirs: &AppDirs, path: &Path) -> Result<PathBuf> {
    let root = root_of(path);
    update(dirs, |s| {
        let root = s.add_location(&root);
        s.preferences.default_location = Some(root.clone());
        Ok(root)
    })
}

/// Forgets a location (its snapshots stay on the disk). Refused while a device backs up there.
pub fn remove_location(dirs: &AppDirs, path: &Path) -> Result<()> {
    let root = root_of(path);
    update(dirs, |s| {
        let users: Vec<String> = s
            .devices
            .values()
            .filter(|d| d.location.as_ref() == Some(&root))
            .map(|d| d.display_name().to_owned())
            .collect();
        if !users.is_empty() {
            return Err(CoreError::LocationInUse {
                location: root.clone(),
                devices: users.join(", "),
            });
        }
        let before = s.preferences.locations.len();
        s.preferences.locations.retain(|p| *p != root);
        if s.preferences.locations.len() == before {
            return Err(CoreError::UnknownLocation {
                location: root.clone(),
            });
        }
        if s.preferences.default_location.as_ref() == Some(&root) {
            s.preferences.default_location = s.preferences.locations.first().cloned();
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::BACKUPS_FOLDER;

    fn dirs() -> (tempfile::TempDir, AppDirs) {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(dir.path().join("config"));
        (dir, dirs)
    }

    #[test]
    fn a_new_device_gets_the_defaults_unconfirmed() {
        let d = DeviceSettings::new("U1", "Ada's iPhone", "iPhone14,2");
        assert!(d.snapshots && d.auto_delete && d.ask_first && d.auto_backup);
        assert_eq!(d.retention, RetentionAge::OneMonth);
        assert_eq!(d.schedule, Schedule::Daily);
        assert!(!d.confirmed && !d.remember_password && d.location.is_none());
    }

    #[test]
    fn settings_survive_a_round_trip_and_old_files_fill_in_defaults() {
        let (_dir, dirs) = dirs();
        assert_eq!(load(&dirs).unwrap(), Settings::default());
        update(&dirs, |s| {
            let d = s.device_mut("U1", "Ada's iPhone", "iPhone14,2");
            d.retention = RetentionAge::OneWeek;
            d.confirmed = true;
            Ok(())
        })
        .unwrap();
        let loaded = load(&dirs).unwrap();
        assert_eq!(
            loaded.device("U1").unwrap().retention,
            RetentionAge::OneWeek
        );
        assert!(loaded.find_device("Ada's iPhone").unwrap().confirmed);

        // a file from an older Keepsake with fewer fields
        std::fs::write(
            dirs.config_dir().join(SETTINGS_FILE),
            br#"{"devices":{"U2":{"udid":"U2","retention":"6m"}}}"#,
        )
        .unwrap();
        let d = load(&dirs).unwrap().devices["U2"].clone();
        assert_eq!(d.retention, RetentionAge::SixMonths);
        assert!(d.ask_first && d.auto_backup && !d.confirmed);
    }

    #[test]
    fn a_damaged_settings_file_is_reported_and_left_alone() {
        let (_dir, dirs) = dirs();
        std::fs::create_dir_all(dirs.config_dir()).unwrap();
        let path = dirs.config_dir().join(SETTINGS_FILE);
        std::fs::write(&path, b"{oops").unwrap();
        assert!(matches!(
            load(&dirs),
            Err(CoreError::CorruptSettings { .. })
        ));
        assert!(update(&dirs, |_| Ok(())).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"{oops");
    }

    #[test]
    fn a_first_backup_waits_for_confirmed_settings() {
        let (_dir, dirs) = dirs();
        let err = confirmed_settings(&dirs, "U1", "Ada's iPhone").unwrap_err();
        assert!(matches!(err, CoreError::SettingsNotConfirmed { .. }));
        assert!(
            err.to_string().contains("keepsake settings U1 --confirm"),
            "{err}"
        );
        update(&dirs, |s| {
            s.device_mut("U1", "Ada's iPhone", "");
            Ok(())
        })
        .unwrap();
        assert!(confirmed_settings(&dirs, "U1", "x").is_err());
        assert!(confirm(&dirs, "U1", "", "").unwrap().confirmed);
        assert_eq!(
            confirmed_settings(&dirs, "U1", "x").unwrap().name,
            "Ada's iPhone"
        );
    }

    #[test]
    fn a_backup_goes_to_the_devices_location_else_the_default_and_never_elsewhere() {
        let (dir, dirs) = dirs();
        assert!(matches!(
            backup_location(&dirs, "U1", "Ada"),
            Err(CoreError::NoLocation { .. })
        ));
        let (disk, own) = (dir.path().join("disk"), dir.path().join("own"));
        std::fs::create_dir_all(&disk).unwrap();
        std::fs::create_dir_all(&own).unwrap();
        add_location(&dirs, &disk).unwrap();
        assert_eq!(backup_location(&dirs, "U1", "Ada").unwrap(), disk);
        update(&dirs, |s| {
            s.device_mut("U1", "Ada", "").location = Some(own.clone());
            Ok(())
        })
        .unwrap();
        assert_eq!(backup_location(&dirs, "U1", "Ada").unwrap(), own);
        std::fs::remove_dir(&own).unwrap();
        assert!(matches!(
            backup_location(&dirs, "U1", "Ada"),
            Err(CoreError::LocationMissing { location }) if location == own
        ));
    }

    #[test]
    fn retention_ages_parse_from_their_codes_only() {
        for r in RetentionAge::ALL {
            assert_eq!(r.code().parse::<RetentionAge>().unwrap(), r);
        }
        assert!("5d".parse::<RetentionAge>().is_err());
        assert_eq!(RetentionAge::OneMonth.seconds(), 30 * DAY);
        assert_eq!(RetentionAge::OneMonth.to_string(), "1 month");
    }

    #[test]
    fn locations_are_listed_with_space_and_a_missing_one_as_missing() {
        let (dir, dirs) = dirs();
        let disk = dir.path().join("Disk");
        std::fs::create_dir_all(disk.join(BACKUPS_FOLDER)).unwrap();
        // naming the Keepsake.Backups folder means the disk
        assert_eq!(
            add_location(&dirs, &disk.join(BACKUPS_FOLDER)).unwrap(),
            disk
        );
        let other = dir.path().join("Other");
        std::fs::create_dir_all(&other).unwrap();
        add_location(&dirs, &other).unwrap();
        assert!(matches!(
            add_location(&dirs, &dir.path().join("nope")),
            Err(CoreError::LocationMissing { .. })
        ));
        update(&dirs, |s| {
            s.device_mut("U1", "Ada", "").location = Some(other.clone());
            Ok(())
        })
        .unwrap();
        std::fs::remove_dir(&other).unwrap(); // unplugged

        let list = locations(&dirs).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].path, disk);
        assert!(list[0].is_default && list[0].present);
        assert!(list[0].free_bytes.unwrap() > 0);
        assert_eq!(list[1].path, other);
        assert!(!list[1].present && list[1].free_bytes.is_none());
        assert_eq!(list[1].devices, vec!["U1".to_owned()]);

        assert!(matches!(
            remove_location(&dirs, &other),
            Err(CoreError::LocationInUse { .. })
        ));
        set_default_location(&dirs, &other).unwrap();
        remove_location(&dirs, &disk).unwrap();
        let list = locations(&dirs).unwrap();
        assert_eq!(list.len(), 1);
        assert!(list[0].is_default);
    }

    #[test]
    fn concurrent_updates_all_land() {
        let (_dir, dirs) = dirs();
        std::thread::scope(|s| {
            for i in 0..8 {
                let dirs = dirs.clone();
                s.spawn(move || {
                    update(&dirs, |st| {
                        st.device_mut(&format!("U{i}"), "", "");
                        Ok(())
                    })
                    .unwrap()
                });
            }
        });
        assert_eq!(load(&dirs).unwrap().devices.len(), 8);
    }
}
