//! The Keepsake desktop shell: Tauri commands in, events out, nothing else.
//!
//! Everything a CLI user would also need lives in `keepsake-core`; this crate only translates
//! between the web UI and the core. Commands are async (or hand work to blocking threads) so the
//! window's main thread never waits for a device or a disk.

mod agent;
mod backup;
mod devices;
mod error;
mod interchange;
mod settings;
mod snapshots;
mod window;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use keepsake_core::Cancel;
use tauri::Manager;

/// What the shell keeps between commands.
#[derive(Default)]
pub struct AppState {
    /// The running backups, by UDID: their Cancel buttons.
    backups: Mutex<BTreeMap<String, Cancel>>,
    /// The snapshot open in the browser.
    snapshot: Mutex<Option<snapshots::OpenSnapshot>>,
    /// Devices as the live watch last reported them, by UDID: the only source of phones seen
    /// on Wi-Fi alone (the start-up overview lists cabled devices only, to paint at once).
    watched: Mutex<BTreeMap<String, keepsake_core::DeviceSummary>>,
    /// Wakes the agent early: a device appeared.
    agent_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// Registers a backup of `udid`; `None` when one is already running from this window.
    fn claim(&self, udid: &str) -> Option<Cancel> {
        let mut backups = self.backups.lock().unwrap_or_else(|e| e.into_inner());
        if backups.contains_key(udid) {
            return None;
        }
        let cancel = Cancel::new();
        backups.insert(udid.to_owned(), cancel.clone());
        Some(cancel)
    }

    fn release(&self, udid: &str) {
        self.backups
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(udid);
    }

    fn cancel(&self, udid: &str) -> bool {
        let backups = self.backups.lock().unwrap_or_else(|e| e.into_inner());
        backups.get(udid).map(Cancel::cancel).is_some()
    }

    /// Closes the snapshot open in the browser: it holds its repository, which a backup or a
    /// deletion needs for itself.
    fn close_snapshot(&self) {
        *self.snapshot.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Keeps the watch's view of the devices current.
    fn watched_change(&self, change: &keepsake_core::DeviceChange) {
        use keepsake_core::DeviceChange::*;
        let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        match change {
            Appeared(d) | Changed(d) => {
                watched.insert(d.udid.clone(), d.clone());
                // A phone just plugged in (or trusted) may be due: the agent looks now.
                self.agent_wake.notify_one();
            }
            Gone(d) => {
                watched.remove(&d.udid);
            }
            UsbmuxdLost(_) => watched.clear(),
        }
    }

    /// The watched devices that `listed` does not have (phones on Wi-Fi only).
    fn watched_besides(
        &self,
        listed: &[keepsake_core::DeviceSummary],
    ) -> Vec<keepsake_core::DeviceSummary> {
        let watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        watched
            .values()
            .filter(|d| !listed.iter().any(|l| l.udid == d.udid))
            .cloned()
            .collect()
    }

    fn running_backups(&self) -> BTreeSet<String> {
        let backups = self.backups.lock().unwrap_or_else(|e| e.into_inner());
        backups.keys().cloned().collect()
    }
}

/// The argument a start at login passes: start in the tray, without the window.
const HIDDEN: &str = "--hidden";

/// Starts the desktop app and blocks until it exits.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // What core needs from this process's environment, read once here.
    let ctx = match keepsake_core::environment::context() {
        Ok(ctx) => ctx,
        Err(e) => {
            tracing::error!(error = %e, "Keepsake cannot start");
            std::process::exit(1);
        }
    };
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![HIDDEN]),
        ))
        .manage(AppState::default())
        .manage(ctx)
        .setup(|app| {
            devices::watch(app.handle().clone());
            let wake = app.state::<AppState>().agent_wake.clone();
            agent::start(app.handle().clone(), wake);
            // Without a tray (no StatusNotifier host) closing the window quits, as usual.
            match window::tray(app.handle()) {
                Ok(()) if std::env::args().any(|a| a == HIDDEN) => {
                    if let Some(w) = app.get_webview_window("main") {
                        w.hide()?;
                    }
                }
                Ok(()) => {}
                Err(e) => tracing::warn!(error = %e, "no tray icon"),
            }
            Ok(())
        })
        .on_window_event(window::on_window_event)
        .invoke_handler(tauri::generate_handler![
            devices::overview,
            backup::back_up,
            backup::cancel_backup,
            backup::answer_cleaning,
            settings::device_settings,
            settings::save_device_settings,
            settings::locations,
            settings::add_location,
            settings::set_default_location,
            settings::remove_location,
            settings::disks_with_backups,
            settings::set_up_location,
            settings::encryption_status,
            settings::change_encryption,
            snapshots::timeline,
            snapshots::snapshot_domains,
            snapshots::snapshot_folder,
            snapshots::extract,
            snapshots::compare_snapshots,
            snapshots::set_pinned,
            snapshots::all_backups,
            snapshots::open_backups,
            snapshots::location_recovery_key,
            snapshots::verify_location,
            interchange::export_snapshot,
            interchange::convert_snapshots,
            interchange::restore_snapshot,
            interchange::import_backup,
            window::pick_folder,
            window::save_recovery_key,
            window::autostart_enabled,
            window::set_autostart,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("the Keepsake window could not be started");
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepsake_core::BackupProgress;

    #[test]
    fn one_backup_per_device_and_cancel_reaches_the_running_one() {
        let state = AppState::default();
        let cancel = state.claim("U1").unwrap();
        assert!(
            state.claim("U1").is_none(),
            "a second backup of U1 is refused"
        );
        assert!(
            state.claim("U2").is_some(),
            "another device may back up meanwhile"
        );
        assert!(state.cancel("U1"));
        assert!(cancel.is_cancelled());
        state.release("U1");
        assert!(!state.cancel("U1"));
        assert_eq!(state.running_backups(), BTreeSet::from(["U2".to_owned()]));
    }

    #[test]
    fn progress_events_carry_the_device_and_the_cores_fields() {
        let event = backup::ProgressEvent {
            udid: "U1".into(),
            progress: BackupProgress::Transferring {
                percent: 40.0,
                bytes_received: 4_000,
                files_received: 12,
                bytes_expected: Some(10_000),
                bytes_per_second: 2_000.0,
                eta_seconds: Some(3.0),
            },
        };
        let v = serde_json::to_value(event).unwrap();
        assert_eq!(v["udid"], "U1");
        assert_eq!(v["step"], "transferring");
        assert_eq!(v["bytes_received"], 4_000);
        assert_eq!(v["eta_seconds"], 3.0);
    }

    #[test]
    fn a_phone_the_watch_saw_on_wifi_only_is_listed_until_it_goes() {
        use keepsake_core::{Connection, DeviceChange, DeviceSummary};
        let phone = |udid: &str, connections: Vec<Connection>| DeviceSummary {
            udid: udid.into(),
            name: "Ada's iPhone".into(),
            model: "iPhone15,2".into(),
            ios_version: "17.5.1".into(),
            connections,
            paired: true,
            state: "wifi_only",
            advice: None,
        };
        let state = AppState::default();
        let cabled = phone("USB1", vec![Connection::Usb]);
        let wifi = phone("WIFI1", vec![Connection::Wifi]);
        state.watched_change(&DeviceChange::Appeared(cabled.clone()));
        state.watched_change(&DeviceChange::Appeared(wifi.clone()));
        // the overview already lists the cabled one: only the Wi-Fi one is added
        assert_eq!(
            state.watched_besides(std::slice::from_ref(&cabled)),
            vec![wifi.clone()]
        );
        state.watched_change(&DeviceChange::Gone(wifi));
        assert!(state.watched_besides(&[cabled]).is_empty());
    }
}
