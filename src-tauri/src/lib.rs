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
mod offsite;
mod settings;
mod snapshots;
mod window;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use keepsake_core::Cancel;
use tauri::Manager;
use tokio::sync::watch;

/// How a backup running in this app ended, for those who waited on it.
pub(crate) type Outcome = Result<keepsake_core::BackupReport, error::UiError>;

/// A backup or restore running in this app.
struct Running {
    cancel: Cancel,
    /// A backup's outcome once it ends (`None` inside until then); restores publish none.
    outcome: Option<watch::Receiver<Option<Outcome>>>,
}

/// What [`AppState::claim_backup`] found.
pub(crate) enum Claimed {
    /// The caller runs the backup: its Cancel, and where its outcome goes when it ends.
    Mine {
        cancel: Cancel,
        outcome: watch::Sender<Option<Outcome>>,
    },
    /// A backup of the device already runs (the agent's, say): its outcome, when it ends.
    Running(watch::Receiver<Option<Outcome>>),
    /// A restore holds the device.
    Busy,
}

/// What the shell keeps between commands.
#[derive(Default)]
pub struct AppState {
    /// The running backups and restores, by UDID: their Cancel buttons.
    backups: Mutex<BTreeMap<String, Running>>,
    /// The snapshot open in the browser.
    snapshot: Mutex<Option<snapshots::OpenSnapshot>>,
    /// Devices as the live watch last reported them, by UDID: the only source of phones seen
    /// on Wi-Fi alone (the start-up overview lists cabled devices only, to paint at once).
    watched: Mutex<BTreeMap<String, keepsake_core::DeviceSummary>>,
    /// Wakes the agent early: a device appeared.
    agent_wake: Arc<tokio::sync::Notify>,
    /// Devices whose first-backup wizard is open, until when: the agent leaves them to the
    /// person's first backup (it would otherwise start one the moment the wizard saves the
    /// settings, while the person still reads the recovery key, and the wizard's own backup
    /// would then be a second one). Forgotten after [`HOLD`], should a window close mid-way.
    held: Mutex<BTreeMap<String, std::time::Instant>>,
}

/// How long a first-backup wizard keeps the agent away from its device.
const HOLD: std::time::Duration = std::time::Duration::from_secs(15 * 60);

impl AppState {
    /// Registers a restore onto `udid`; `None` when a backup or restore of it already runs in
    /// this app.
    fn claim(&self, udid: &str) -> Option<Cancel> {
        let mut backups = self.backups.lock().unwrap_or_else(|e| e.into_inner());
        if backups.contains_key(udid) {
            return None;
        }
        let cancel = Cancel::new();
        let running = Running {
            cancel: cancel.clone(),
            outcome: None,
        };
        backups.insert(udid.to_owned(), running);
        Some(cancel)
    }

    /// Registers a backup of `udid`, or hands over the one already running, so that "Back up
    /// now" pressed while the agent backs the device up (the first backup after the wizard,
    /// which the agent may start the moment the settings are saved) waits for that backup
    /// instead of failing.
    fn claim_backup(&self, udid: &str) -> Claimed {
        let mut backups = self.backups.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(running) = backups.get(udid) {
            return running
                .outcome
                .clone()
                .map_or(Claimed::Busy, Claimed::Running);
        }
        let cancel = Cancel::new();
        let (outcome, ends) = watch::channel(None);
        let running = Running {
            cancel: cancel.clone(),
            outcome: Some(ends),
        };
        backups.insert(udid.to_owned(), running);
        Claimed::Mine { cancel, outcome }
    }

    /// Holds (or lets go of) the agent's automatic backups of `udid` while its wizard is open.
    fn hold(&self, udid: &str, hold: bool) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if hold {
            held.insert(udid.to_owned(), std::time::Instant::now() + HOLD);
        } else {
            held.remove(udid);
        }
    }

    /// Whether the agent should leave `udid` alone: its wizard opened less than [`HOLD`] ago.
    fn is_held(&self, udid: &str) -> bool {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.get(udid)
            .is_some_and(|until| *until > std::time::Instant::now())
    }

    fn release(&self, udid: &str) {
        self.backups
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(udid);
    }

    fn cancel(&self, udid: &str) -> bool {
        let backups = self.backups.lock().unwrap_or_else(|e| e.into_inner());
        backups.get(udid).map(|r| r.cancel.cancel()).is_some()
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
        .manage(offsite::Copying::default())
        .manage(ctx)
        .setup(|app| {
            devices::watch(app.handle().clone());
            window::on_notification_click(app.handle());
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
            devices::language,
            backup::back_up,
            backup::cancel_backup,
            backup::hold_automatic_backups,
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
            offsite::set_offsite,
            offsite::remove_offsite,
            offsite::copy_offsite_now,
            snapshots::timeline,
            snapshots::device_history,
            snapshots::device_space,
            snapshots::snapshot_domains,
            snapshots::snapshot_contents,
            snapshots::search_snapshot,
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
        let Claimed::Mine { cancel, outcome } = state.claim_backup("U1") else {
            panic!("nothing runs yet: the first caller runs it");
        };
        let Claimed::Running(mut ends) = state.claim_backup("U1") else {
            panic!("a second backup of U1 waits for the running one");
        };
        assert!(
            state.claim("U1").is_none(),
            "no restore onto a device being backed up"
        );
        assert!(
            matches!(state.claim_backup("U2"), Claimed::Mine { .. }),
            "another device may back up meanwhile"
        );
        assert!(state.cancel("U1"));
        assert!(cancel.is_cancelled());
        let cancelled = keepsake_core::CoreError::Cancelled {
            device: "Ada's iPhone".into(),
        };
        outcome.send_replace(Some(Err(error::UiError::from(&cancelled))));
        state.release("U1");
        let seen = ends
            .borrow_and_update()
            .clone()
            .expect("the outcome was published");
        assert_eq!(seen.unwrap_err().kind, Some("cancelled"));
        assert!(!state.cancel("U1"));
        assert_eq!(state.running_backups(), BTreeSet::from(["U2".to_owned()]));
    }

    #[test]
    fn a_wizard_holds_the_agent_off_its_device_until_it_lets_go_or_the_hold_expires() {
        let state = AppState::default();
        assert!(!state.is_held("U1"));
        state.hold("U1", true);
        assert!(state.is_held("U1"));
        assert!(!state.is_held("U2"));
        state.hold("U1", false);
        assert!(!state.is_held("U1"));
        // a window closed mid-wizard: the hold runs out
        state.hold("U1", true);
        let until = state.held.lock().unwrap()["U1"];
        assert!(until >= std::time::Instant::now() + HOLD - std::time::Duration::from_secs(60));
        state
            .held
            .lock()
            .unwrap()
            .insert("U1".into(), std::time::Instant::now());
        assert!(
            !state.is_held("U1"),
            "a hold whose time has come holds nothing"
        );
    }

    #[test]
    fn a_backup_asked_for_during_a_restore_is_refused_not_queued() {
        let state = AppState::default();
        let _restore = state.claim("U1").unwrap();
        assert!(matches!(state.claim_backup("U1"), Claimed::Busy));
        state.release("U1");
        assert!(matches!(state.claim_backup("U1"), Claimed::Mine { .. }));
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
