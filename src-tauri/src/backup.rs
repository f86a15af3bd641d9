//! "Back up now" and its Cancel: one backup per device, progress as `backup-progress` events;
//! the core records it and runs the device's cleaning policy, as after the agent's backups.

use keepsake_core::notices::Notice;
use keepsake_core::{
    BackupOptions, BackupProgress, BackupReport, CleaningOutcome, Context, CoreError, Repositories,
    SettingsCheck,
};
use keepsake_store::SnapshotInfo;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::watch;

use crate::error::{blocking, UiError, UiResult};
use crate::{AppState, Claimed, Outcome};

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
/// ends. While a backup of the device already runs in this app (the agent may start the first
/// backup the moment the wizard saves the settings), this waits for that one and reports it.
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
    // the person's backup starts: their wizard, if it held the agent off, is done
    app.state::<AppState>().hold(&udid, false);
    let report = match app.state::<AppState>().claim_backup(&udid) {
        Claimed::Mine { cancel, outcome } => {
            run(&app, &ctx, &udid, &name, options, cancel, outcome).await?
        }
        Claimed::Running(ends) => ends_of(ends).await?,
        Claimed::Busy => return Err(CoreError::AlreadyBackingUp { device: name }.into()),
    };
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

/// The outcome of a backup another caller runs, once it ends.
async fn ends_of(mut ends: watch::Receiver<Option<Outcome>>) -> Outcome {
    match ends.wait_for(Option::is_some).await {
        Ok(outcome) => outcome
            .clone()
            .unwrap_or_else(|| Err(UiError::internal("no outcome"))),
        // its runner went away without an outcome (it panicked)
        Err(e) => Err(UiError::internal(e)),
    }
}

/// A backup of `udid` with `options` for the agent: refused (`AlreadyBackingUp`, which the agent
/// takes as "already running") while one runs in this app.
pub(crate) async fn run_unless_running(
    app: &AppHandle,
    ctx: &Context,
    udid: &str,
    name: &str,
    options: BackupOptions,
) -> keepsake_core::Result<BackupReport> {
    match app.state::<AppState>().claim_backup(udid) {
        Claimed::Mine { cancel, outcome } => {
            run(app, ctx, udid, name, options, cancel, outcome).await
        }
        Claimed::Running(_) | Claimed::Busy => Err(CoreError::AlreadyBackingUp {
            device: name.to_owned(),
        }),
    }
}

/// One claimed backup of `udid` with `options` (its Cancel button works): progress as
/// `backup-progress` events, its outcome to whoever waits on it, a desktop notification at the
/// end. "Back up now" and the agent both back up through here, and through the core's one
/// backup operation.
async fn run(
    app: &AppHandle,
    ctx: &Context,
    udid: &str,
    name: &str,
    mut options: BackupOptions,
    cancel: keepsake_core::Cancel,
    outcome: watch::Sender<Option<Outcome>>,
) -> keepsake_core::Result<BackupReport> {
    let state = app.state::<AppState>();
    state.close_snapshot();
    options.cancel = cancel;
    let (emitter, id) = (app.clone(), udid.to_owned());
    let mut passcode_told = false;
    let result = keepsake_core::back_up(ctx, Some(udid), &options, move |progress| {
        // The phone waits for its passcode: said in the window, and outside it when the window
        // is in the tray or behind others (once a backup).
        if let BackupProgress::EnterPasscode { device, .. } = &progress {
            if !passcode_told && !crate::window::in_sight(&emitter) {
                passcode_told = true;
                crate::window::tell(
                    &emitter,
                    &Notice::PasscodeWanted {
                        udid: id.clone(),
                        device: device.clone(),
                    },
                );
            }
        }
        let _ = emitter.emit(
            "backup-progress",
            ProgressEvent {
                udid: id.clone(),
                progress,
            },
        );
    })
    .await;
    outcome.send_replace(Some(
        result.as_ref().map(Clone::clone).map_err(UiError::from),
    ));
    state.release(udid);
    let notice = match &result {
        Ok(report) => Some(Notice::BackupFinished {
            udid: udid.to_owned(),
            device: report.device.clone(),
        }),
        Err(CoreError::Cancelled { .. }) => None,
        Err(e) => Some(Notice::BackupFailed {
            udid: udid.to_owned(),
            device: name.to_owned(),
            error: e.to_string(),
        }),
    };
    if let Some(notice) = notice {
        crate::window::tell(app, &notice);
    }
    // A cleaning question or a mass-deletion warning this backup left is told now.
    crate::agent::tell_reminders(app, ctx);
    // The person's backup goes offsite now (the agent's: in its own pass, after the backup).
    if let (Ok(report), SettingsCheck::RequireConfirmed) = (&result, &options.settings) {
        crate::offsite::after_backup(app, ctx, udid, &report.repository);
    }
    result
}

/// While `udid`'s first-backup wizard is open (`hold`), the agent does not back it up: the
/// first backup is the one the wizard starts. "Back up now" lets go too.
#[tauri::command]
pub fn hold_automatic_backups(app: AppHandle, udid: String, hold: bool) {
    app.state::<AppState>().hold(&udid, hold);
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
