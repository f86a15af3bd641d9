//! The agent inside the app: while Keepsake runs (its window open or only its tray icon), each
//! device with automatic backups on is backed up once per scheduled day when it is reachable,
//! by the core's scheduler ([`keepsake_core::Agent`]: the same decisions as `keepsake agent`).
//!
//! A pass runs a few seconds after start, a few seconds after a device appears (a phone plugged
//! in is backed up without waiting for the next round), and every five minutes. Its backups show
//! in the Devices view as "Back up now"'s do (`backup-progress` events, Cancel), and each ends
//! with an `agent-backup` event.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use keepsake_core::agent::{reachable_of, DeviceTurn, Reachable, Turn};
use keepsake_core::{Agent, BackupOptions, BackupRunner, CleaningOutcome, Context, Repositories};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::Notify;

use crate::AppState;

/// How often the agent looks when nothing happens.
const EVERY: Duration = Duration::from_secs(5 * 60);
/// After the start or a device appearing, discovery gets this long to settle before a pass.
const SETTLE: Duration = Duration::from_secs(3);

/// What the Devices view hears when an automatic backup ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentBackup {
    pub udid: String,
    pub failed: bool,
    /// A sentence for the device's row.
    pub message: String,
}

/// The devices the app sees, backed up through [`crate::backup::run_unless_running`].
struct AppRunner {
    app: AppHandle,
    ctx: Context,
}

impl BackupRunner for AppRunner {
    async fn reachable(&self) -> Vec<Reachable> {
        let mut found = keepsake_core::device_overview(&self.ctx, None).await;
        // Phones on Wi-Fi only are known from the live watch (mDNS), not from usbmuxd.
        let on_wifi = self.app.state::<AppState>().watched_besides(&found.devices);
        found.devices.extend(on_wifi);
        reachable_of(found.devices)
    }

    async fn back_up(&self, udid: &str, location: &Path) -> keepsake_core::Result<()> {
        let name = keepsake_core::settings::load(self.ctx.dirs())?
            .device(udid)
            .map_or_else(|| udid.to_owned(), |d| d.display_name().to_owned());
        if self.app.state::<AppState>().is_held(udid) {
            // Its first-backup wizard is open: that backup is the person's. Refused as one
            // already running is: the agent looks again at its next pass.
            tracing::debug!(%udid, "automatic backup left to the open wizard");
            return Err(keepsake_core::CoreError::AlreadyBackingUp { device: name });
        }
        // As given: the agent records the backup and runs the cleaning policy itself.
        let options = BackupOptions::new(location);
        crate::backup::run_unless_running(&self.app, &self.ctx, udid, &name, options)
            .await
            .map(|_| ())
    }

    async fn copy_offsite(
        &self,
        ctx: &Context,
        device: &keepsake_core::DeviceSettings,
        location: &Path,
    ) -> keepsake_core::Result<keepsake_core::offsite::OffsiteReport> {
        crate::offsite::for_agent(&self.app, ctx, device, location).await
    }
}

/// The row's sentence for a pass's turn; `None` for turns in which no backup ran.
pub fn agent_backup(turn: &DeviceTurn) -> Option<AgentBackup> {
    use keepsake_i18n::say;
    let device = ("device", &turn.name as &dyn std::fmt::Display);
    let (failed, message) = match &turn.turn {
        Turn::BackedUp { cleaning } => {
            let message = match cleaning {
                CleaningOutcome::Asked { .. } => say("app-agent-backed-up-asks", &[device]),
                CleaningOutcome::Deleted {
                    snapshots,
                    freed_bytes,
                } => {
                    let freed = keepsake_i18n::process().bytes(*freed_bytes);
                    say(
                        "app-agent-backed-up-cleaned",
                        &[device, ("count", &snapshots.len()), ("freed", &freed)],
                    )
                }
                _ => say("app-agent-backed-up", &[device]),
            };
            (false, message)
        }
        Turn::CleaningFailed { error } => (
            false,
            say("app-agent-cleaning-failed", &[device, ("error", error)]),
        ),
        Turn::Failed { error } => (true, say("app-agent-failed", &[device, ("error", error)])),
        _ => return None,
    };
    Some(AgentBackup {
        udid: turn.udid.clone(),
        failed,
        message,
    })
}

/// Tells the reminders that are due (no backup for days, a disk missing, a cleaning or a mass
/// deletion waiting for the person), each once (see [`keepsake_core::notices`]).
pub fn tell_reminders(app: &AppHandle, ctx: &Context) {
    match keepsake_core::notices::due_reminders(ctx.dirs(), ctx.now()) {
        Ok(due) => {
            for notice in &due {
                crate::window::tell(app, notice);
            }
        }
        Err(e) => tracing::warn!(error = %e, "reminders not looked at"),
    }
}

/// Starts the agent for the app's lifetime.
pub fn start(app: AppHandle, wake: Arc<Notify>) {
    tauri::async_runtime::spawn(async move {
        let ctx = app.state::<Context>().inner().clone();
        let agent = Agent {
            ctx: &ctx,
            runner: AppRunner {
                app: app.clone(),
                ctx: ctx.clone(),
            },
            store: Repositories::default(),
        };
        tokio::time::sleep(SETTLE).await;
        loop {
            match agent.pass().await {
                Ok(turns) => {
                    for event in turns.iter().filter_map(agent_backup) {
                        let _ = app.emit("agent-backup", event);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "automatic backups: the pass failed"),
            }
            tell_reminders(&app, &ctx);
            tokio::select! {
                () = tokio::time::sleep(EVERY) => {}
                () = wake.notified() => tokio::time::sleep(SETTLE).await,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(turn: Turn) -> DeviceTurn {
        DeviceTurn {
            udid: "U1".into(),
            name: "Ada's iPhone".into(),
            turn,
            offsite: None,
        }
    }

    #[test]
    fn only_turns_that_ran_a_backup_reach_the_row() {
        for quiet in [
            Turn::NotDue,
            Turn::NotReachable,
            Turn::AutoBackupOff,
            Turn::NotConfirmed,
            Turn::AlreadyRunning,
            Turn::BackingOff { until: 5 },
            Turn::OutsideWindow { opens: 5 },
        ] {
            assert_eq!(agent_backup(&turn(quiet.clone())), None, "{quiet:?}");
        }
        let done = agent_backup(&turn(Turn::BackedUp {
            cleaning: CleaningOutcome::Kept,
        }))
        .unwrap();
        assert!(!done.failed);
        assert_eq!(done.message, "Backed up Ada's iPhone automatically.");
        let failed = agent_backup(&turn(Turn::Failed {
            error: "the device went away".into(),
        }))
        .unwrap();
        assert!(failed.failed);
        assert!(failed.message.contains("the device went away"));
        assert!(failed.message.contains("tries again"));
    }
}
