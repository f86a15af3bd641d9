//! A device's offsite copy in the app: set (the remote is asked first), removed, sent now, and
//! sent after each backup, with `offsite-progress` events while it runs and `offsite-done` when
//! it ends. What is copied and when is the core's ([`keepsake_core::offsite`]).

use std::collections::BTreeSet;
use std::future::Future;
use std::path::Path;
use std::sync::Mutex;

use keepsake_core::offsite::{OffsiteProgress, OffsiteReport};
use keepsake_core::{Context, CoreError, DeviceSettings};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

use crate::error::UiResult;

/// The devices whose copy is being sent now: one copy of a device at a time.
#[derive(Default)]
pub struct Copying(Mutex<BTreeSet<String>>);

impl Copying {
    fn claim(&self, udid: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(udid.to_owned())
    }

    fn release(&self, udid: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(udid);
    }
}

/// An `offsite-progress` event.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressEvent {
    pub udid: String,
    #[serde(flatten)]
    pub progress: OffsiteProgress,
}

/// An `offsite-done` event: the copy ended, and a sentence for the device's page.
#[derive(Debug, Clone, Serialize)]
pub struct DoneEvent {
    pub udid: String,
    pub failed: bool,
    pub message: String,
}

fn done_event(udid: &str, result: Result<&OffsiteReport, &CoreError>) -> DoneEvent {
    use keepsake_i18n::say;
    let (failed, message) = match result {
        Ok(r) if r.up_to_date => (
            false,
            say("app-offsite-up-to-date", &[("remote", &r.remote)]),
        ),
        Ok(r) => {
            let size = keepsake_i18n::process().bytes(r.bytes_sent);
            (
                false,
                say(
                    "app-offsite-copied",
                    &[("remote", &r.remote), ("size", &size)],
                ),
            )
        }
        Err(e) => (true, e.to_string()),
    };
    DoneEvent {
        udid: udid.to_owned(),
        failed,
        message,
    }
}

/// What sends `udid`'s progress to the window.
fn progress_events(app: &AppHandle, udid: &str) -> impl FnMut(OffsiteProgress) + Send {
    let (emitter, udid) = (app.clone(), udid.to_owned());
    move |progress| {
        let _ = emitter.emit(
            "offsite-progress",
            ProgressEvent {
                udid: udid.clone(),
                progress,
            },
        );
    }
}

type Copied = keepsake_core::Result<Option<OffsiteReport>>;

/// Runs `copy` of `udid` unless one is being sent (`None`), and tells the window its end.
async fn claimed(
    app: &AppHandle,
    udid: &str,
    copy: impl Future<Output = Copied>,
) -> Option<Copied> {
    let copying = app.state::<Copying>();
    if !copying.claim(udid) {
        return None;
    }
    let result = copy.await;
    copying.release(udid);
    let told = match &result {
        Ok(None) => None,
        Ok(Some(r)) => Some(Ok(r)),
        Err(e) => Some(Err(e)),
    };
    if let Some(r) = told {
        let _ = app.emit("offsite-done", done_event(udid, r));
    }
    Some(result)
}

/// The agent's copy, with the app's events; the agent records it.
pub(crate) async fn for_agent(
    app: &AppHandle,
    ctx: &Context,
    device: &DeviceSettings,
    location: &Path,
) -> keepsake_core::Result<OffsiteReport> {
    let unlock = ctx.unlock();
    let progress = progress_events(app, &device.udid);
    let send = async {
        keepsake_core::offsite::send(ctx, device, location, &unlock, progress)
            .await
            .map(Some)
    };
    match claimed(app, &device.udid, send).await {
        Some(Ok(Some(report))) => Ok(report),
        Some(Err(e)) => Err(e),
        // one is being sent already (the person's): the agent looks again at its next pass
        Some(Ok(None)) | None => Err(CoreError::Store(keepsake_i18n::say(
            "app-offsite-already-copying",
            &[("device", &device.display_name())],
        ))),
    }
}

/// After a backup "Back up now" made into `repository`: the device's copy offsite, if it has
/// one, in the background.
pub(crate) fn after_backup(app: &AppHandle, ctx: &Context, udid: &str, repository: &Path) {
    let (app, ctx, udid) = (app.clone(), ctx.clone(), udid.to_owned());
    let location = repository.parent().unwrap_or(repository).to_owned();
    tauri::async_runtime::spawn(async move {
        let unlock = ctx.unlock();
        let progress = progress_events(&app, &udid);
        let copy =
            keepsake_core::offsite::copy_after_backup(&ctx, &udid, &location, &unlock, progress);
        let _ = claimed(&app, &udid, copy).await;
    });
}

/// Sets the device's offsite copy, once the remote answers with these keys. `secret`: `None`
/// keeps the one remembered for that access key and address.
#[tauri::command]
pub async fn set_offsite(
    ctx: tauri::State<'_, Context>,
    udid: String,
    address: String,
    access_key: String,
    secret: Option<String>,
    bandwidth_kb: Option<u32>,
) -> UiResult<DeviceSettings> {
    let secret = secret.map(zeroize::Zeroizing::new);
    Ok(keepsake_core::offsite::configure(
        &ctx,
        &udid,
        &address,
        &access_key,
        secret.as_deref().map(String::as_str),
        bandwidth_kb,
    )
    .await?)
}

/// Stops copying the device offsite (what the bucket holds stays there).
#[tauri::command]
pub async fn remove_offsite(ctx: tauri::State<'_, Context>, udid: String) -> UiResult<()> {
    let ctx = ctx.inner().clone();
    crate::error::blocking(move || {
        keepsake_core::offsite::set_offsite(&ctx, &udid, None, None).map(|_| ())
    })
    .await
}

/// Sends the device's copy now. Resolves when it ends; `None` when one is being sent already.
#[tauri::command]
pub async fn copy_offsite_now(app: AppHandle, udid: String) -> UiResult<Option<OffsiteReport>> {
    let ctx = app.state::<Context>().inner().clone();
    let settings = keepsake_core::settings::load(ctx.dirs())?;
    let device = settings
        .device(&udid)
        .cloned()
        .ok_or_else(|| CoreError::NoSuchDevice {
            wanted: udid.clone(),
            available: String::new(),
        })?;
    let location = settings
        .location_of(&device)
        .ok_or_else(|| CoreError::NoLocation {
            device: device.display_name().to_owned(),
        })?;
    let unlock = ctx.unlock();
    let progress = progress_events(&app, &udid);
    let copy = keepsake_core::offsite::copy_offsite(&ctx, &device, &location, &unlock, progress);
    match claimed(&app, &udid, copy).await {
        Some(result) => Ok(result?),
        None => Ok(None),
    }
}
