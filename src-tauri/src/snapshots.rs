//! A device's snapshots along time, and browsing one: domains, folders, files, extraction.
//!
//! The open snapshot is kept between calls: opening an encrypted one unlocks the device's keybag,
//! which takes seconds, and walking folders must not pay that each click.

use std::path::{Path, PathBuf};

use keepsake_core::browse::{
    self, BrowseEntry, DomainDiff, DomainSummary, ExtractSummary, SnapshotBrowser,
};
use keepsake_core::timeline::{self, location_of, AllBackups, DeviceBackups, TimelineEntry};
use keepsake_core::{Context, Secret};
use tauri::{AppHandle, Manager, State};

use crate::error::{blocking, UiResult};
use crate::AppState;

/// The snapshot open in the browser.
pub struct OpenSnapshot {
    udid: String,
    id: i64,
    browser: SnapshotBrowser,
}

/// The device's snapshots, oldest first, with their pins and what deleting each would free.
#[tauri::command]
pub async fn timeline(ctx: State<'_, Context>, udid: String) -> UiResult<Vec<TimelineEntry>> {
    let dirs = ctx.dirs().clone();
    blocking(move || timeline::device_timeline(&dirs, &udid)).await
}

/// What happened to the device's backups, newest first: backups, failures, skipped days.
#[tauri::command]
pub async fn device_history(
    ctx: State<'_, Context>,
    udid: String,
) -> UiResult<Vec<keepsake_core::history::Event>> {
    let dirs = ctx.dirs().clone();
    blocking(move || {
        Ok(keepsake_core::history::events(&dirs, Some(&udid))?
            .into_iter()
            .map(|(_, e)| e)
            .collect())
    })
    .await
}

/// The device's space where its snapshots are, for the space chart; `None` when it has none.
#[tauri::command]
pub async fn device_space(
    ctx: State<'_, Context>,
    udid: String,
) -> UiResult<Option<keepsake_core::space::DeviceSpace>> {
    let (dirs, now) = (ctx.dirs().clone(), ctx.now());
    blocking(move || keepsake_core::space::device_space(&dirs, &udid, now)).await
}

/// Every device with snapshots at a known location, in sight or not, and the locations this
/// computer cannot open without a backup password or the recovery key.
#[tauri::command]
pub async fn all_backups(ctx: State<'_, Context>) -> UiResult<AllBackups> {
    let ctx = ctx.inner().clone();
    blocking(move || {
        if let Err(e) = keepsake_core::disks::follow_moved_disks(&ctx) {
            tracing::warn!(error = %e, "known locations not looked for on the disks");
        }
        timeline::all_backups(ctx.dirs())
    })
    .await
}

/// "Open backups on a disk": opens the location at `path` (with `secret`, a backup password or
/// the recovery key, when this computer does not remember its key; it does from then on),
/// adds it to the known locations, and lists the devices with snapshots there.
#[tauri::command]
pub async fn open_backups(
    ctx: State<'_, Context>,
    path: PathBuf,
    secret: Option<Secret>,
) -> UiResult<Vec<DeviceBackups>> {
    let ctx = ctx.inner().clone();
    blocking(move || {
        let unlock = ctx
            .unlock()
            .with(secret.as_ref().map(|s| s.expose().trim()));
        timeline::open_backups(ctx.dirs(), &path, &unlock)
    })
    .await
}

/// The recovery key of the location at `path`, read back from its slot (this computer must be
/// able to open the location); `None` for a location stored in clear.
#[tauri::command]
pub async fn location_recovery_key(
    ctx: State<'_, Context>,
    path: PathBuf,
) -> UiResult<Option<String>> {
    let ctx = ctx.inner().clone();
    blocking(move || {
        let repo = keepsake_core::Location::new(&path).open_with(&ctx.unlock())?;
        Ok(repo.recovery_key()?.map(|k| k.as_str().to_owned()))
    })
    .await
}

/// A `verify-progress` event: bytes read back so far of the location's total.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyProgress {
    pub location: PathBuf,
    pub bytes: u64,
    pub total: u64,
}

/// "Verify": reads every snapshot at the location back and checks it (nothing is changed); its
/// progress as `verify-progress` events, its result kept in the devices' history.
#[tauri::command]
pub async fn verify_location(
    app: tauri::AppHandle,
    path: PathBuf,
) -> UiResult<keepsake_core::verification::Verification> {
    use tauri::{Emitter, Manager};
    blocking(move || {
        let ctx = app.state::<Context>();
        let location = keepsake_core::Location::new(&path);
        let mut last = std::time::Instant::now();
        keepsake_core::verification::verify(&ctx, &location, &ctx.unlock(), &mut |bytes, total| {
            // at most ten events a second
            if last.elapsed() >= std::time::Duration::from_millis(100) || bytes == total {
                last = std::time::Instant::now();
                let _ = app.emit(
                    "verify-progress",
                    VerifyProgress {
                        location: location.root().to_owned(),
                        bytes,
                        total,
                    },
                );
            }
        })
    })
    .await
}

/// Keeps snapshot `id` of `udid` forever (the cleaning policy never deletes it), or no longer.
#[tauri::command]
pub async fn set_pinned(
    ctx: State<'_, Context>,
    udid: String,
    id: i64,
    pinned: bool,
) -> UiResult<bool> {
    let dirs = ctx.dirs().clone();
    blocking(move || timeline::set_pinned(&dirs, &udid, id, pinned)).await
}

/// Runs `f` on snapshot `id` of `udid`, opening it (with `password` for an encrypted backup
/// whose password this computer does not remember) unless it is the one already open.
async fn with_snapshot<T: Send + 'static>(
    app: AppHandle,
    udid: String,
    id: i64,
    password: Option<Secret>,
    f: impl FnOnce(&SnapshotBrowser) -> keepsake_core::Result<T> + Send + 'static,
) -> UiResult<T> {
    blocking(move || {
        let state = app.state::<AppState>();
        let mut open = state.snapshot.lock().unwrap_or_else(|e| e.into_inner());
        if !open.as_ref().is_some_and(|o| o.udid == udid && o.id == id) {
            *open = None;
            let ctx = app.state::<Context>();
            let location = location_of(ctx.dirs(), &udid)?;
            let password = password.filter(|p| !p.is_empty());
            // The backup password also opens the location on a computer that lost its key.
            let unlock = ctx.unlock().with(password.as_ref().map(Secret::expose));
            let browser = SnapshotBrowser::open(
                &location,
                &unlock,
                id,
                password.as_ref().map(Secret::expose),
            )?;
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
    password: Option<Secret>,
) -> UiResult<Vec<DomainSummary>> {
    with_snapshot(app, udid, snapshot, password, |b| Ok(b.domains())).await
}

/// What a snapshot holds, as the browser's first screen shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SnapshotContents {
    pub domains: Vec<DomainSummary>,
    pub apps: Vec<keepsake_core::apps::AppSummary>,
    pub kinds: Vec<keepsake_core::apps::KindSummary>,
}

/// Opens a snapshot and says what it holds: its kinds of data (Photos, Messages…), its apps by
/// name and icon, and every domain.
#[tauri::command]
pub async fn snapshot_contents(
    app: AppHandle,
    udid: String,
    snapshot: i64,
    password: Option<Secret>,
) -> UiResult<SnapshotContents> {
    with_snapshot(app, udid, snapshot, password, |b| {
        Ok(SnapshotContents {
            domains: b.domains(),
            apps: b.apps(),
            kinds: b.kinds(),
        })
    })
    .await
}

/// Files found in the open snapshot: their path or their app's name contains `text`. The first
/// [`SEARCH_LIMIT`] are listed, with how many there are in all.
#[tauri::command]
pub async fn search_snapshot(
    app: AppHandle,
    udid: String,
    snapshot: i64,
    text: String,
) -> UiResult<browse::Found> {
    with_snapshot(app, udid, snapshot, None, move |b| {
        Ok(b.search_at_most(&text, SEARCH_LIMIT))
    })
    .await
}

/// Search results listed at most: more is a longer list than anyone reads, and a slower screen.
const SEARCH_LIMIT: usize = 500;

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
    ctx: State<'_, Context>,
    udid: String,
    older: i64,
    newer: i64,
    password: Option<Secret>,
) -> UiResult<Vec<DomainDiff>> {
    let ctx = ctx.inner().clone();
    blocking(move || {
        let location = location_of(ctx.dirs(), &udid)?;
        let password = password.filter(|p| !p.is_empty());
        let unlock = ctx.unlock().with(password.as_ref().map(Secret::expose));
        let open = |id| {
            SnapshotBrowser::open(
                &location,
                &unlock,
                id,
                password.as_ref().map(Secret::expose),
            )
        };
        Ok(browse::diff(&open(older)?, &open(newer)?))
    })
    .await
}
