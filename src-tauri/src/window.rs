//! The window's life: closing it keeps Keepsake in the tray (Show / Quit), and the native
//! folder picker.

use std::path::PathBuf;

use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime, WindowEvent};
use tauri_plugin_dialog::DialogExt;

const SHOW: &str = "show";
const QUIT: &str = "quit";

/// Puts Keepsake in the tray. With a tray, closing the window only hides it.
pub fn tray<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, SHOW, "Show Keepsake", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, QUIT, "Quit Keepsake", true, None::<&str>)?;
    let mut builder = TrayIconBuilder::with_id("keepsake")
        .tooltip("Keepsake")
        .menu(&Menu::with_items(app, &[&show, &quit])?)
        .on_menu_event(|app, event| menu_action(app, event.id().as_ref()));
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

/// What a tray menu item does.
fn menu_action<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        SHOW => show_main(app),
        QUIT => app.exit(0),
        _ => {}
    }
}

/// Closing the window hides it: backups running from it go on, and the tray brings it back.
pub fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event {
        if window.app_handle().tray_by_id("keepsake").is_some() {
            let _ = window.hide();
            api.prevent_close();
        }
    }
}

/// Asks for a folder with the system's picker; `None` when the person cancels. Async with a
/// callback: a blocking picker on the main thread would freeze the window (see TAURI-NOTES).
#[tauri::command]
pub async fn pick_folder(app: AppHandle, title: String) -> Option<PathBuf> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(title)
        .pick_folder(move |picked| {
            let _ = tx.send(picked.and_then(|p| p.into_path().ok()));
        });
    rx.await.ok().flatten()
}

/// Whether Keepsake starts (hidden, in the tray) when the person logs in.
#[tauri::command]
pub fn autostart_enabled(app: AppHandle) -> bool {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch().is_enabled().unwrap_or(false)
}

/// Turns starting at login on or off; returns whether it is on now.
#[tauri::command]
pub fn set_autostart(app: AppHandle, on: bool) -> Result<bool, crate::error::UiError> {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    let changed = if on {
        launcher.enable()
    } else {
        launcher.disable()
    };
    changed.map_err(|e| crate::error::UiError {
        message: keepsake_i18n::say("app-autostart-failed", &[("error", &e)]),
        kind: None,
    })?;
    Ok(launcher.is_enabled().unwrap_or(on))
}

/// Tells `notice` in a desktop notification (fire and forget: without a notification service
/// nothing shows). A click on it opens the screen that answers it (see [`on_notification_click`]).
pub fn tell<R: Runtime>(app: &AppHandle<R>, notice: &keepsake_core::notices::Notice) {
    use tauri_plugin_notification::NotificationExt;
    let ctx = app.state::<keepsake_core::Context>();
    let messages = ctx.messages();
    let shown = app
        .notification()
        .builder()
        .title(notice.title(messages))
        .body(notice.body(messages))
        .extra(SCREEN, notice.screen())
        .show();
    if let Err(e) = shown {
        tracing::debug!(error = %e, "no desktop notification");
    }
}

/// A desktop notification of something that opens no screen (a restore's end).
pub fn notify<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    use tauri_plugin_notification::NotificationExt;
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::debug!(error = %e, "no desktop notification");
    }
}

/// The notification's payload naming the screen a click opens.
const SCREEN: &str = "screen";

/// A click on one of Keepsake's notifications brings the window back (from the tray) and has
/// the UI open the screen it names (`open-screen`, a [`keepsake_core::notices::Screen`]).
pub fn on_notification_click<R: Runtime>(app: &AppHandle<R>) {
    use tauri::Emitter;
    use tauri_plugin_notification::NotificationExt;
    let handle = app.clone();
    let _ = app.notification().on_action(move |performed| {
        if performed.action_id() != "tap" {
            return;
        }
        let Some(screen) = performed
            .notification()
            .and_then(|n| n.extra().get(SCREEN))
            .cloned()
        else {
            return;
        };
        tracing::info!(?screen, "notification clicked");
        show_main(&handle);
        let _ = handle.emit("open-screen", screen);
    });
}

/// Shows the main window and brings it to the front.
fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Whether the person is looking at the window: a prompt shown in it needs no notification.
pub fn in_sight<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window("main").is_some_and(|w| {
        w.is_visible().unwrap_or(false)
            && !w.is_minimized().unwrap_or(false)
            && w.is_focused().unwrap_or(false)
    })
}

/// "Save as file": writes the recovery key of `location` into `folder` as a small text file
/// the person keeps apart from the disk; returns its path. An existing file is never replaced.
#[tauri::command]
pub async fn save_recovery_key(
    folder: PathBuf,
    location: PathBuf,
    key: keepsake_core::Secret,
) -> crate::error::UiResult<PathBuf> {
    crate::error::blocking(move || {
        let path = folder.join("Keepsake recovery key.txt");
        let text = zeroize::Zeroizing::new(format!(
            "Keepsake recovery key\n\nLocation: {}\nKey: {}\n\nIt opens the snapshots at that \
             location on any computer. Keep it apart from the disk.\n",
            location.display(),
            key.expose()
        ));
        use std::io::Write;
        let mut file = std::fs::File::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| keepsake_core::CoreError::Io {
                path: path.clone(),
                source,
            })?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|source| keepsake_core::CoreError::Io {
                path: path.clone(),
                source,
            })?;
        Ok(path)
    })
    .await
}
