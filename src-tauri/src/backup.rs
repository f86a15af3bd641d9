//! "Back up now" and its Cancel: one backup per device, progress as `backup-progress` events;
//! the core records it and runs the device's cleaning policy, as after the agent's backups.

use keepsake_core::{
    BackupOptions, BackupProgress, BackupReport, CleaningOutcome, Context, CoreError, Repositories,
    SettingsCheck,
};
use keepsake_store::SnapshotInfo;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

use crate::error::{blocking, UiResult};
use crate::AppState;

/// A `backup-progress` event: which device, and the core's progress step.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressEvent {
    pub udid: String,
    #[serde(flatten)]
    pub progress: BackupProgress,
}

/// A finished backup, as the Devices view reports it.
#[derive(Debug, Serialize)]
pub struct BackupDone {
    pub snapshot: SnapshotInfo,
    pub files_received: u64,
    pub bytes_received: u64,
    pub seconds: f64,
    /// Files the device could not send; the snapshot keeps their previous versions.
    pub files_failed: Vec<String>,
    /// What the cleaning policy did afterwards (deleted, asked, or nothing).
    pub cleaning: Option<CleaningOutcome>,
    /// The policy could not run; the backup itself is saved.
    pub cleaning_error: Option<String>,
    /// When this backup set the location up: its recovery key, shown to the person once.
    pub recovery_key: Option<String>,
    /// The repository the snapshot went into (`<location>/Keepsake.Backups`).
    pub repository: std::path::PathBuf,
}

/// Backs up `udid` with its confirmed settings into its location. Resolves when the backup
/// ends; a second call for the same device while one runs is refused.
#[tauri::command]
pub async fn back_up(app: AppHandle, udid: String) -> UiResult<BackupDone> {
    let ctx = app.state::<Context>().inner().clone();
    let name = {
        let (dirs, udid) = (ctx.dirs().clone(), udid.clone());
        blocking(move || {
            Ok(keepsake_core::settings::load(&dirs)?
                .device(&udid)
                .map_or_else(|| udid.clone(), |d| d.display_name().to_owned()))
        })
        .await?
    };
    let mut options = BackupOptions::new(std::path::PathBuf::new());
    options.location = None; // the device's own location
    options.settings = SettingsCheck::RequireConfirmed;
    let report = run(&app, &ctx, &udid, &name, options).await?;
    Ok(BackupDone {
        snapshot: report.snapshot,
        files_received: report.files_received,
        bytes_received: report.bytes_received,
        seconds: report.seconds,
        files_failed: report.files_failed,
        cleaning: report.cleaning,
        cleaning_error: report.cleaning_error,
        recovery_key: report.recovery_key,
        repository: report.repository,
    })
}

/// One backup of `udid` with `options`: claimed (one per device; its Cancel button works),
/// progress as `backup-progress` events, a desktop notification at the end. "Back up now" and
/// the agent both back up through here, and through the core's one backup operation.
pub(crate) async fn run(
    app: &AppHandle,
    ctx: &Context,
    udid: &str,
    name: &str,
    mut options: BackupOptions,
) -> keepsake_core::Result<BackupReport> {
    let state = app.state::<AppState>();
    let Some(cancel) = state.claim(udid) else {
        return Err(CoreError::AlreadyBackingUp {
            device: name.to_owned(),
        });
    };
    state.close_snapshot();
    options.cancel = cancel;
    let (emitter, id) = (app.clone(), udid.to_owned());
    let result = keepsake_core::back_up(ctx, Some(udid), &options, move |progress| {
        let _ = emitter.emit(
            "backup-progress",
            ProgressEvent {
                udid: id.clone(),
                progress,
            },
        );
    })
    .await;
    state.release(udid);
    match &result {
        Ok(report) => crate::window::notify(
            app,
            "Backup finished",
            &format!("{} is backed up.", report.device),
        ),
        Err(CoreError::Cancelled { .. }) => {}
        Err(e) => {
            crate::window::notify(app, &format!("The backup of {name} failed"), &e.to_string())
        }
    }
    result
}

/// Cancels `udid`'s running backup: nothing of it is saved. `false`: none was running.
#[tauri::command]
pub fn cancel_backup(app: AppHandle, udid: String) -> bool {
    app.state::<AppState>().cancel(&udid)
}

/// Answers the device's pending cleaning request: delete what it listed, or keep everything.
#[tauri::command]
pub async fn answer_cleaning(
    app: AppHandle,
    udid: String,
    delete: bool,
) -> UiResult<Option<CleaningOutcome>> {
    app.state::<AppState>().close_snapshot();
    let dirs = app.state::<Context>().dirs().clone();
    blocking(move || {
        keepsake_core::cleaning::answer_cleaning(&dirs, &Repositories::default(), &udid, delete)
    })
    .await
}
