//! A device's snapshots along time, and browsing one: domains, folders, files, extraction.
//!
//! The open snapshot is kept between calls: opening an encrypted one unlocks the device's keybag,
//! which takes seconds, and walking folders must not pay that each click.

use std::path::{Path, PathBuf};

use keepsake_core::backup::{find_snapshot, open_repository, BACKUPS_FOLDER};
use keepsake_core::browse::{
    self, BrowseEntry, DomainDiff, DomainSummary, ExtractSummary, SnapshotBrowser,
};
use keepsake_core::cleaning;
use keepsake_core::{preferences, AppDirs, CoreError};
use keepsake_store::{Repository, SnapshotInfo};
use serde::Serialize;
use tauri::{AppHandle, Manager};

use crate::error::{blocking, UiResult};
use crate::AppState;

/// The snapshot open in the browser.
pub struct OpenSnapshot {
    udid: String,
    id: i64,
    browser: SnapshotBrowser,
}

fn device_location(dirs: &AppDirs, udid: &str) -> keepsake_core::Result<Option<PathBuf>> {
    let settings = preferences::load(dirs)?;
    Ok(settings.device(udid).and_then(|d| settings.location_of(d)))
}

/// The device's backup location; a clear error when it has none yet.
pub(crate) fn location_of(dirs: &AppDirs, udid: &str) -> keepsake_core::Result<PathBuf> {
    device_location(dirs, udid)?.ok_or_else(|| CoreError::NoLocation {
        device: udid.to_owned(),
    })
}

/// A snapshot on the timeline.
#[derive(Debug, Serialize)]
pub struct TimelineEntry {
    #[serde(flatten)]
    pub snapshot: SnapshotInfo,
    /// Kept forever: the snapshots policy never deletes it.
    pub pinned: bool,
    /// Stored bytes deleting this snapshot alone would free.
    pub frees_bytes: u64,
}

/// The device's repository at its location; `None` before its first backup (looking must
/// never create a repository).
fn device_repository(dirs: &AppDirs, udid: &str) -> keepsake_core::Result<Option<Repository>> {
    let Some(location) = device_location(dirs, udid)? else {
        return Ok(None);
    };
    if !location
        .join(BACKUPS_FOLDER)
        .join("keepsake-repo.json")
        .exists()
    {
        return Ok(None);
    }
    open_repository(&location, None).map(Some)
}

/// The device's snapshots, oldest first, with their pins and what deleting each would free.
#[tauri::command]
pub async fn timeline(udid: String) -> UiResult<Vec<TimelineEntry>> {
    blocking(move || {
        let dirs = AppDirs::from_env()?;
        let Some(repo) = device_repository(&dirs, &udid)? else {
            return Ok(vec![]);
        };
        // One pass over the catalog: each snapshot with what deleting it alone would free.
        let stats = keepsake_store::commands::stats::stats(&repo)?;
        let pins = cleaning::pins(repo.path())?;
        Ok(stats
            .snapshots
            .into_iter()
            .filter(|s| s.info.device == udid)
            .map(|s| TimelineEntry {
                pinned: pins.iter().any(|p| p.holds(&s.info)),
                frees_bytes: s.frees_bytes,
                snapshot: s.info,
            })
            .collect())
    })
    .await
}

/// Keeps snapshot `id` of `udid` forever (the snapshots policy never deletes it), or no longer.
#[tauri::command]
pub async fn set_pinned(udid: String, id: i64, pinned: bool) -> UiResult<bool> {
    blocking(move || {
        let dirs = AppDirs::from_env()?;
        let repo = device_repository(&dirs, &udid)?.ok_or_else(|| CoreError::NoLocation {
            device: udid.clone(),
        })?;
        // the snapshot must be this device's
        find_snapshot(&repo, id).and_then(|s| {
            if s.device == udid {
                Ok(())
            } else {
                Err(CoreError::NoSuchSnapshot {
                    snapshot: id,
                    repository: repo.path().to_path_buf(),
                })
            }
        })?;
        if pinned {
            cleaning::pin(&repo, id, None)?;
        } else {
            cleaning::unpin(repo.path(), id)?;
        }
        // A pending cleaning question that listed it can no longer delete it: answering skips
        // what was pinned since.
        Ok(pinned)
    })
    .await
}

/// Runs `f` on snapshot `id` of `udid`, opening it (with `password` for an encrypted backup
/// whose password this computer does not remember) unless it is the one already open.
async fn with_snapshot<T: Send + 'static>(
    app: AppHandle,
    udid: String,
    id: i64,
    password: Option<String>,
    f: impl FnOnce(&SnapshotBrowser) -> keepsake_core::Result<T> + Send + 'static,
) -> UiResult<T> {
    blocking(move || {
        let state = app.state::<AppState>();
        let mut open = state.snapshot.lock().unwrap_or_else(|e| e.into_inner());
        if !open.as_ref().is_some_and(|o| o.udid == udid && o.id == id) {
            *open = None;
            let dirs = AppDirs::from_env()?;
            let location = location_of(&dirs, &udid)?;
            let password = password.filter(|p| !p.is_empty());
            let browser = SnapshotBrowser::open(&location, None, id, password.as_deref())?;
            *open = Some(OpenSnapshot { udid, id, browser });
        }
        f(&open.as_ref().expect("opened above").browser)
    })
    .await
}

/// Opens a snapshot and lists its domains (apps and system areas) with their sizes.
#[tauri::command]
pub async fn snapshot_domains(
    app: AppHandle,
    udid: String,
    snapshot: i64,
    password: Option<String>,
) -> UiResult<Vec<DomainSummary>> {
    with_snapshot(app, udid, snapshot, password, |b| Ok(b.domains())).await
}

/// The folders and files directly inside `folder` ("" for the top) of `domain`.
#[tauri::command]
pub async fn snapshot_folder(
    app: AppHandle,
    udid: String,
    snapshot: i64,
    domain: String,
    folder: String,
) -> UiResult<Vec<BrowseEntry>> {
    with_snapshot(app, udid, snapshot, None, move |b| b.list(&domain, &folder)).await
}

/// Extracts a file or folder of the open snapshot, decrypted, into `target/<domain>/<path>`.
#[tauri::command]
pub async fn extract(
    app: AppHandle,
    udid: String,
    snapshot: i64,
    domain: String,
    path: String,
    target: PathBuf,
) -> UiResult<ExtractSummary> {
    with_snapshot(app, udid, snapshot, None, move |b| {
        b.extract(&domain, &path, Path::new(&target), &mut |_| {})
    })
    .await
}

/// What changed from snapshot `older` to `newer` of `udid`, per domain and app (no file data is
/// read). `password`: the backup password, for an encrypted device's snapshots when this
/// computer does not remember it.
#[tauri::command]
pub async fn compare_snapshots(
    udid: String,
    older: i64,
    newer: i64,
    password: Option<String>,
) -> UiResult<Vec<DomainDiff>> {
    blocking(move || {
        let dirs = AppDirs::from_env()?;
        let location = location_of(&dirs, &udid)?;
        let password = password.filter(|p| !p.is_empty());
        let open = |id| SnapshotBrowser::open(&location, None, id, password.as_deref());
        Ok(browse::diff(&open(older)?, &open(newer)?))
    })
    .await
}
