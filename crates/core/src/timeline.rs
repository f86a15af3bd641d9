//! A device's snapshots along time, as the app's timeline and `keepsake timeline` show them:
//! each with its pin and what deleting it alone would free, and pinning one. Looking never
//! creates a repository; a device whose location has none has an empty timeline.

use std::path::{Path, PathBuf};

use keepsake_mobilesync::BackupPlist;
use keepsake_store::SnapshotInfo;
use serde::Serialize;

use crate::dirs::AppDirs;
use crate::error::{CoreError, Result};
use crate::location::{find_snapshot, Location, Unlock};
use crate::pins::{pin, pins, unpin};
use crate::settings;

/// A snapshot on the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    #[serde(flatten)]
    pub snapshot: SnapshotInfo,
    /// Kept forever: the cleaning policy never deletes it.
    pub pinned: bool,
    /// Stored bytes deleting this snapshot alone would free.
    pub frees_bytes: u64,
    /// What the person wrote of it ("before the iOS update").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// An encrypted device's snapshot taken without its backup password: it keeps Apple's
    /// ciphertext, and `convert` would make it cost what an unencrypted one does. Looked at
    /// (one chunk read per snapshot) only for one device's timeline: `None` elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_as_sent: Option<bool>,
}

/// Where `udid`'s snapshots are: its own location (else the default) for a device set up here;
/// for one known only by its backups (a lost phone, one backed up by another computer), the
/// first known location holding its snapshots. `None` when there is none.
pub fn device_location(dirs: &AppDirs, udid: &str) -> Result<Option<Location>> {
    let settings = settings::load(dirs)?;
    if let Some(own) = settings.device(udid).and_then(|d| settings.location_of(d)) {
        return Ok(Some(Location::new(own)));
    }
    for path in &settings.preferences.locations {
        let location = Location::new(path);
        // only what this computer can open without asking
        let Ok(Some(repo)) = location.open_if_any(&Unlock::new()) else {
            continue;
        };
        let snapshots = keepsake_store::commands::list::snapshots(&repo)?;
        if snapshots.iter().any(|s| s.device == udid) {
            return Ok(Some(location));
        }
    }
    Ok(None)
}

/// "Open backups on a disk": opens the location at `path` (with the key this computer
/// remembers, else with `unlock`'s secrets, after which this computer remembers it), adds it to
/// the known locations, and lists the devices with snapshots there.
pub fn open_backups(dirs: &AppDirs, path: &Path, unlock: &Unlock) -> Result<Vec<DeviceBackups>> {
    let location = Location::new(path);
    let repo = location.open_with(unlock)?;
    drop(repo);
    let entries = snapshots_at(&location, unlock, None)?;
    let devices = devices_in(&location, unlock, &entries)?;
    settings::add_location(dirs, location.root())?;
    tracing::info!(location = %location.root().display(), devices = devices.len(), "backups opened");
    Ok(devices)
}

/// A device's backups at one location.
#[derive(Debug, Clone, Serialize)]
pub struct BackupsAt {
    pub location: PathBuf,
    #[serde(flatten)]
    pub device: DeviceBackups,
}

/// What the known locations hold: every device with snapshots there, and the locations this
/// computer cannot open without a secret (opened from another computer's disk, say).
#[derive(Debug, Clone, Default, Serialize)]
pub struct AllBackups {
    pub devices: Vec<BackupsAt>,
    pub locked: Vec<PathBuf>,
}

/// Every device with snapshots at a known location, in sight or not.
pub fn all_backups(dirs: &AppDirs) -> Result<AllBackups> {
    let settings = settings::load(dirs)?;
    let mut out = AllBackups::default();
    for path in &settings.preferences.locations {
        let location = Location::new(path);
        if !location.has_repository() {
            continue;
        }
        let unlock = Unlock::new();
        let entries = match snapshots_at(&location, &unlock, None) {
            Ok(e) => e,
            Err(CoreError::StoreLocked { .. }) => {
                out.locked.push(location.root().to_path_buf());
                continue;
            }
            Err(e) => {
                tracing::warn!(location = %location.root().display(), error = %e, "backups not listed");
                continue;
            }
        };
        for device in devices_in(&location, &unlock, &entries)? {
            out.devices.push(BackupsAt {
                location: location.root().to_path_buf(),
                device,
            });
        }
    }
    Ok(out)
}

/// The device's location; a clear error when it has none yet.
pub fn location_of(dirs: &AppDirs, udid: &str) -> Result<Location> {
    device_location(dirs, udid)?.ok_or_else(|| CoreError::NoLocation {
        device: udid.to_owned(),
    })
}

/// Every snapshot at `location` (of `udid` only, when given), oldest first, with its pin and
/// what deleting it would free: one pass over the catalog.
pub fn snapshots_at(
    location: &Location,
    unlock: &Unlock,
    udid: Option<&str>,
) -> Result<Vec<TimelineEntry>> {
    entries_at(location, unlock, udid, false)
}

/// [`snapshots_at`] for one device's timeline: with whether each snapshot is kept as sent.
pub fn timeline_at(location: &Location, unlock: &Unlock, udid: &str) -> Result<Vec<TimelineEntry>> {
    entries_at(location, unlock, Some(udid), true)
}

fn entries_at(
    location: &Location,
    unlock: &Unlock,
    udid: Option<&str>,
    look_inside: bool,
) -> Result<Vec<TimelineEntry>> {
    let Some(repo) = location.open_if_any(unlock)? else {
        return Ok(vec![]);
    };
    let stats = keepsake_store::commands::stats::stats(&repo)?;
    let pins = pins(&repo)?;
    let notes: std::collections::BTreeMap<i64, String> =
        keepsake_store::commands::marks::marks(&repo)?
            .into_iter()
            .filter_map(|m| Some((m.snapshot, m.note?)))
            .collect();
    Ok(stats
        .snapshots
        .into_iter()
        .filter(|s| udid.is_none_or(|u| s.info.device == u))
        .map(|s| TimelineEntry {
            pinned: pins.iter().any(|p| p.holds(&s.info)),
            frees_bytes: s.frees_bytes,
            note: notes.get(&s.info.id).cloned(),
            kept_as_sent: look_inside.then(|| {
                crate::converting::kept_as_sent(&repo, s.info.id).unwrap_or_else(|e| {
                    tracing::warn!(snapshot = s.info.id, error = %e, "could not tell how it is kept");
                    false
                })
            }),
            snapshot: s.info,
        })
        .collect())
}

/// A device with snapshots at a location, whether it is in sight or not (the phone in hand, a
/// lost one, an old one): who it was at its newest backup, and when that was.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceBackups {
    pub udid: String,
    /// Its name and model in its newest snapshot's Info.plist (empty when it has none, as a
    /// snapshot made by `keepsake store add` may not).
    pub name: String,
    pub model: String,
    pub snapshots: usize,
    /// The newest snapshot's id and time (unix seconds).
    pub newest: i64,
    pub last_backup: i64,
}

/// Every device with snapshots in `entries` (a location's timeline), by newest backup first.
pub fn devices_in(
    location: &Location,
    unlock: &Unlock,
    entries: &[TimelineEntry],
) -> Result<Vec<DeviceBackups>> {
    let mut devices: Vec<DeviceBackups> = Vec::new();
    for e in entries {
        match devices.iter_mut().find(|d| d.udid == e.snapshot.device) {
            Some(d) => {
                d.snapshots += 1;
                if (e.snapshot.time, e.snapshot.id) >= (d.last_backup, d.newest) {
                    d.newest = e.snapshot.id;
                    d.last_backup = e.snapshot.time;
                }
            }
            None => devices.push(DeviceBackups {
                udid: e.snapshot.device.clone(),
                name: String::new(),
                model: String::new(),
                snapshots: 1,
                newest: e.snapshot.id,
                last_backup: e.snapshot.time,
            }),
        }
    }
    if devices.is_empty() {
        return Ok(devices);
    }
    let repo = location.open_with(unlock)?;
    for d in &mut devices {
        let mut info = Vec::new();
        let read = keepsake_store::commands::restore::cat(&repo, d.newest, "Info.plist", &mut info);
        if read.is_ok() {
            if let Ok(plist) = keepsake_mobilesync::InfoPlist::from_bytes(&info) {
                d.name = plist.device_name.or(plist.display_name).unwrap_or_default();
                d.model = plist.product_type.unwrap_or_default();
            }
        }
    }
    devices.sort_by_key(|d| std::cmp::Reverse(d.last_backup));
    Ok(devices)
}

/// `udid`'s snapshots at its location, oldest first; none before its first backup.
pub fn device_timeline(dirs: &AppDirs, udid: &str) -> Result<Vec<TimelineEntry>> {
    match device_location(dirs, udid)? {
        Some(location) => timeline_at(&location, &Unlock::new(), udid),
        None => Ok(vec![]),
    }
}

/// Keeps snapshot `id` of `udid` forever (the cleaning policy never deletes it), or no longer.
/// The snapshot must be the device's own. A pending cleaning question that listed it can no
/// longer delete it: answering skips what was pinned since.
pub fn set_pinned(dirs: &AppDirs, udid: &str, id: i64, pinned: bool) -> Result<bool> {
    let location = location_of(dirs, udid)?;
    let repo = location
        .open_if_any(&Unlock::new())?
        .ok_or_else(|| CoreError::NoLocation {
            device: udid.to_owned(),
        })?;
    let snapshot = find_snapshot(&repo, id)?;
    if snapshot.device != udid {
        return Err(CoreError::NoSuchSnapshot {
            snapshot: id,
            repository: repo.path().to_path_buf(),
        });
    }
    if pinned {
        pin(&repo, id, None)?;
    } else {
        unpin(&repo, id)?;
        // A snapshot kept after a mass deletion: the person says the photos may go.
        crate::history::mass_deletion_answered(dirs, &repo.config().id, id)?;
    }
    Ok(pinned)
}
