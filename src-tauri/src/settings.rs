//! A device's backup settings (what the first-backup wizard edits), its backup encryption, and
//! the backup locations, all through the core's settings.

use std::path::{Path, PathBuf};

use keepsake_core::disks::{self, FoundBackups};
use keepsake_core::settings::{self, LocationStatus};
use keepsake_core::{AppDirs, Context, DeviceSettings, EncryptionChange, EncryptionState, Secret};
use tauri::State;

use crate::error::{blocking, UiError, UiResult};

/// The device's saved settings, or the recommended defaults for a device seen the first time.
#[tauri::command]
pub async fn device_settings(
    ctx: State<'_, Context>,
    udid: String,
    name: String,
    model: String,
) -> UiResult<DeviceSettings> {
    let dirs = ctx.dirs().clone();
    blocking(move || {
        Ok(settings::load(&dirs)?
            .device(&udid)
            .cloned()
            .unwrap_or_else(|| DeviceSettings::new(&udid, &name, &model)))
    })
    .await
}

/// Saves the settings; `confirm` marks them reviewed, which lets the device's first backup run.
#[tauri::command]
pub async fn save_device_settings(
    ctx: State<'_, Context>,
    settings: DeviceSettings,
    confirm: bool,
) -> UiResult<DeviceSettings> {
    let dirs = ctx.dirs().clone();
    let saved = blocking(move || {
        settings::update(&dirs, |s| {
            let device = s.device_mut(&settings.udid, &settings.name, &settings.model);
            let confirmed = device.confirmed || confirm;
            // the offsite copy is set on its own (its secret goes to the credential store)
            let offsite = device.offsite.take();
            *device = DeviceSettings {
                confirmed,
                offsite,
                ..settings
            };
            Ok(device.clone())
        })
    })
    .await?;
    // Wi-Fi backups on or off is told to the phone now if it is connected (else at its next
    // backup by cable); a phone that does not answer does not undo the saved settings.
    if let Err(e) = keepsake_core::apply_wifi_setting(&ctx, &saved.udid).await {
        tracing::warn!(device = saved.udid, error = %e, "Wi-Fi connections not set on the phone");
    }
    Ok(saved)
}

/// Every known location with its free space and whether it is there; a known disk mounted at
/// another path today is followed there first.
#[tauri::command]
pub async fn locations(ctx: State<'_, Context>) -> UiResult<Vec<LocationStatus>> {
    let ctx = ctx.inner().clone();
    blocking(move || {
        if let Err(e) = disks::follow_moved_disks(&ctx) {
            tracing::warn!(error = %e, "known locations not looked for on the disks");
        }
        settings::locations(ctx.dirs())
    })
    .await
}

/// Folders on the disks in sight that hold Keepsake backups this computer does not know.
#[tauri::command]
pub async fn disks_with_backups(ctx: State<'_, Context>) -> UiResult<Vec<FoundBackups>> {
    let ctx = ctx.inner().clone();
    blocking(move || {
        Ok(disks::disks_with_backups(&ctx)?
            .into_iter()
            .filter(|d| !d.known)
            .collect())
    })
    .await
}

/// Sets up the location the wizard chose, before the first backup: a location without
/// backups gets its repository now (this computer's key, a recovery key, and `password` when
/// the person chose one), and its recovery key is returned to be shown once. `None` when the
/// location holds backups already (its recovery key is in Preferences).
#[tauri::command]
pub async fn set_up_location(
    ctx: State<'_, Context>,
    path: PathBuf,
    password: Option<Secret>,
) -> UiResult<Option<String>> {
    let ctx = ctx.inner().clone();
    blocking(move || {
        let key = settings::set_up_location(
            ctx.dirs(),
            ctx.host_name(),
            &path,
            password.as_ref().map(Secret::expose),
        )?;
        Ok(key.map(|k| k.as_str().to_owned()))
    })
    .await
}

/// Applies `change` to the known locations and returns them as they are now.
async fn change_locations<T: 'static>(
    dirs: AppDirs,
    path: PathBuf,
    change: fn(&AppDirs, &Path) -> keepsake_core::Result<T>,
) -> UiResult<Vec<LocationStatus>> {
    blocking(move || {
        change(&dirs, &path)?;
        settings::locations(&dirs)
    })
    .await
}

/// Adds a folder or disk to the known locations (the first becomes the default).
#[tauri::command]
pub async fn add_location(ctx: State<'_, Context>, path: PathBuf) -> UiResult<Vec<LocationStatus>> {
    change_locations(ctx.dirs().clone(), path, settings::add_location).await
}

/// Makes a location the default for devices without one of their own.
#[tauri::command]
pub async fn set_default_location(
    ctx: State<'_, Context>,
    path: PathBuf,
) -> UiResult<Vec<LocationStatus>> {
    change_locations(ctx.dirs().clone(), path, settings::set_default_location).await
}

/// Forgets a location (its snapshots stay on the disk); refused while a device backs up there.
#[tauri::command]
pub async fn remove_location(
    ctx: State<'_, Context>,
    path: PathBuf,
) -> UiResult<Vec<LocationStatus>> {
    change_locations(ctx.dirs().clone(), path, settings::remove_location).await
}

/// Whether the device encrypts its backups; asking may show the trust prompt on the device.
#[tauri::command]
pub async fn encryption_status(ctx: State<'_, Context>, udid: String) -> UiResult<EncryptionState> {
    Ok(keepsake_core::encryption_status(&ctx, Some(&udid)).await?)
}

/// Turns the device's backup encryption on (no `old`), off (no `new`) or changes its password;
/// the device checks `old` itself. `remember` keeps the new password in the OS credential store,
/// so snapshots open without asking (turning encryption off forgets it).
#[tauri::command]
pub async fn change_encryption(
    ctx: State<'_, Context>,
    udid: String,
    old: Option<Secret>,
    new: Option<Secret>,
    remember: bool,
) -> UiResult<EncryptionState> {
    let change = match (old, new) {
        (None, Some(new)) => EncryptionChange::On { new },
        (Some(old), None) => EncryptionChange::Off { old },
        (Some(old), Some(new)) => EncryptionChange::Change { old, new },
        (None, None) => return Err(UiError::internal("an encryption change with no password")),
    };
    Ok(keepsake_core::change_encryption(&ctx, Some(&udid), &change, remember).await?)
}
