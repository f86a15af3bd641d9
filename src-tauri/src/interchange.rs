//! A snapshot out of Keepsake: exported as a Finder backup folder, or restored onto its device.
//! Both report progress as `transfer-progress` events.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use keepsake_core::interchange::{self, Exported, Imported, RestoredToDevice};
use keepsake_core::timeline::location_of;
use keepsake_core::{Context, CoreError, Secret};
use keepsake_i18n::tr;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

use crate::error::{blocking, UiResult};
use crate::AppState;

/// A `transfer-progress` event.
#[derive(Debug, Clone, Serialize)]
pub struct TransferProgress {
    pub udid: String,
    pub snapshot: i64,
    /// "export", "import", "restore" or "convert".
    pub step: &'static str,
    /// Bytes written so far (export).
    pub bytes: Option<u64>,
    /// The device's percentage (restore).
    pub percent: Option<f64>,
}

/// Emits at most ten events a second: a folder of small files reports each one.
struct Throttle(Option<Instant>);

impl Throttle {
    fn ready(&mut self) -> bool {
        let now = Instant::now();
        if self
            .0
            .is_some_and(|last| now.duration_since(last) < Duration::from_millis(100))
        {
            return false;
        }
        self.0 = Some(now);
        true
    }
}

/// What hands bytes done to the page as `transfer-progress` events of `step`, ten a second.
fn byte_progress(
    app: &AppHandle,
    udid: &str,
    snapshot: i64,
    step: &'static str,
) -> impl FnMut(u64, u64) {
    let (app, udid) = (app.clone(), udid.to_owned());
    let mut throttle = Throttle(None);
    move |bytes, _| {
        if throttle.ready() {
            let _ = app.emit(
                "transfer-progress",
                TransferProgress {
                    udid: udid.clone(),
                    snapshot,
                    step,
                    bytes: Some(bytes),
                    percent: None,
                },
            );
        }
    }
}

/// Writes snapshot `id` of `udid` as a Finder backup folder `<target>/<UDID>` (which must not
/// exist or be empty): what Finder, iTunes and `idevicebackup2` restore from.
#[tauri::command]
pub async fn export_snapshot(
    app: AppHandle,
    udid: String,
    id: i64,
    target: PathBuf,
) -> UiResult<Exported> {
    let ctx = app.state::<Context>().inner().clone();
    blocking(move || {
        let location = location_of(ctx.dirs(), &udid)?;
        interchange::export(
            &location,
            &ctx.unlock(),
            id,
            &target,
            None,
            &mut byte_progress(&app, &udid, id, "export"),
        )
    })
    .await
}

/// Keeps `udid`'s snapshots taken without its backup password decrypted in the store, so they
/// cost what unencrypted ones do (`keepsake convert`): with `password`, else the one this
/// computer remembers, else the keys a later snapshot keeps. Progress as `transfer-progress`
/// events of step "convert" (bytes converted so far).
#[tauri::command]
pub async fn convert_snapshots(
    app: AppHandle,
    udid: String,
    password: Option<String>,
) -> UiResult<keepsake_core::converting::Converted> {
    let ctx = app.state::<Context>().inner().clone();
    let password = password.map(Secret::new);
    blocking(move || {
        let repo = location_of(ctx.dirs(), &udid)?.open_with(&ctx.unlock())?;
        keepsake_core::converting::convert(
            &repo,
            &udid,
            password.as_ref().map(Secret::expose),
            &mut byte_progress(&app, &udid, 0, "convert"),
        )
    })
    .await
}

/// "Add a Finder backup": takes the Finder (or idevicebackup2) backup folder `folder` in as the
/// next snapshot of its device at `location`, after the same checks as `keepsake import` (a
/// complete, finished backup). Progress as `transfer-progress` events of step "import".
#[tauri::command]
pub async fn import_backup(
    app: AppHandle,
    folder: PathBuf,
    location: PathBuf,
) -> UiResult<Imported> {
    let ctx = app.state::<Context>().inner().clone();
    blocking(move || {
        let location = keepsake_core::Location::new(&location);
        let imported = interchange::import(
            &ctx,
            &location,
            &ctx.unlock(),
            &folder,
            &mut byte_progress(&app, "", 0, "import"),
        )?;
        keepsake_core::settings::add_location(ctx.dirs(), location.root())?;
        Ok(imported)
    })
    .await
}

/// Restores snapshot `id` of `udid` onto `onto` (another trusted device in sight: a new phone,
/// which keeps its identity and takes the snapshot's content; the UI has named both devices and
/// asked), else onto `udid` itself; the device must be connected, and everything on it is
/// replaced. `password`: the backup password of an encrypted snapshot this computer does not
/// remember. No backup of the target runs meanwhile.
#[tauri::command]
pub async fn restore_snapshot(
    app: AppHandle,
    udid: String,
    id: i64,
    password: Option<Secret>,
    onto: Option<String>,
) -> UiResult<RestoredToDevice> {
    let ctx = app.state::<Context>().inner().clone();
    let location = {
        let (dirs, udid) = (ctx.dirs().clone(), udid.clone());
        blocking(move || location_of(&dirs, &udid)).await?
    };
    let target = onto
        .filter(|o| !o.is_empty())
        .unwrap_or_else(|| udid.clone());
    let state = app.state::<AppState>();
    let Some(_cancel) = state.claim(&target) else {
        return Err(CoreError::AlreadyBackingUp { device: target }.into());
    };
    let password = password.filter(|p| !p.is_empty());
    let (emitter, device) = (app.clone(), udid.clone());
    let unlock = ctx.unlock().with(password.as_ref().map(Secret::expose));
    let result = interchange::restore_to_device(
        &ctx,
        &location,
        &unlock,
        id,
        Some(&target),
        target != udid,
        password.as_ref().map(Secret::expose),
        move |percent| {
            let _ = emitter.emit(
                "transfer-progress",
                TransferProgress {
                    udid: device.clone(),
                    snapshot: id,
                    step: "restore",
                    bytes: None,
                    percent: Some(percent),
                },
            );
        },
    )
    .await;
    state.release(&target);
    let m = app.state::<Context>().inner().clone();
    let m = m.messages();
    match &result {
        Ok(done) => crate::window::notify(
            &app,
            &tr!(m, "restore-finished-title"),
            &tr!(m, "restore-finished-body", device = done.device.as_str()),
        ),
        Err(e) if !matches!(e, CoreError::BackupLocked { .. }) => {
            crate::window::notify(&app, &tr!(m, "restore-failed-title"), &e.to_string())
        }
        Err(_) => {}
    }
    Ok(result?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_sent_at_most_ten_times_a_second() {
        let mut t = Throttle(None);
        assert!(t.ready(), "the first one goes");
        assert!(!t.ready(), "one right after does not");
        t.0 = Some(Instant::now() - Duration::from_millis(150));
        assert!(t.ready());
    }
}
