//! `keepsake history [DEVICE]`: what happened to each device's backups, newest first: the
//! backups, failures and cancellations, and the days a device was due and could not be backed
//! up, with why.

use clap::Args;
use keepsake_core::history::{Event, EventKind, Reason};
use keepsake_i18n::{tr, Messages};
use serde::Serialize;

use crate::emit;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The device's UDID or name (default: every device).
    device: Option<String>,
    /// At most this many events, newest first.
    #[arg(long, default_value_t = 50)]
    limit: usize,
}

#[derive(Serialize)]
struct Line {
    udid: String,
    device: String,
    #[serde(flatten)]
    event: Event,
}

/// What `reason` means, in words.
fn reason_text(m: &Messages, reason: Reason) -> String {
    let id = match reason {
        Reason::NotConnected => "history-reason-not-connected",
        Reason::PasscodeNotEntered => "history-reason-passcode",
        Reason::LocationMissing => "history-reason-location-missing",
        Reason::NoLocation => "history-reason-no-location",
        Reason::NotEnoughSpace => "history-reason-space",
        Reason::Password => "history-reason-password",
        Reason::ConnectionLost => "history-reason-connection-lost",
        Reason::Error => "history-reason-error",
    };
    m.format(id, None)
}

pub fn run(ctx: &keepsake_core::Context, args: &HistoryArgs, json: bool) -> anyhow::Result<()> {
    let m = ctx.messages();
    let settings = keepsake_core::settings::load(ctx.dirs())?;
    let udid = match &args.device {
        None => None,
        Some(wanted) => Some(
            settings
                .devices
                .values()
                .find(|d| d.udid == *wanted || d.display_name() == wanted)
                .map(|d| d.udid.clone())
                .ok_or_else(|| keepsake_core::CoreError::NoSuchDevice {
                    wanted: wanted.clone(),
                    available: settings
                        .devices
                        .values()
                        .map(|d| d.display_name().to_owned())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?,
        ),
    };
    let lines: Vec<Line> = keepsake_core::history::events(ctx.dirs(), udid.as_deref())?
        .into_iter()
        .take(args.limit)
        .map(|(udid, event)| Line {
            device: settings
                .devices
                .get(&udid)
                .map_or(udid.as_str(), |d| d.display_name())
                .to_owned(),
            udid,
            event,
        })
        .collect();
    emit(json, &lines, |out| {
        if lines.is_empty() {
            return writeln!(out, "{}", tr!(m, "history-empty"));
        }
        for l in &lines {
            let when = keepsake_core::days::local_time(ctx.time_zone(), l.event.at);
            let what = match &l.event.what {
                EventKind::BackedUp {
                    snapshot,
                    added_bytes,
                } => match (snapshot, added_bytes) {
                    (None, None) => tr!(m, "history-backed-up"),
                    (Some(id), None) => tr!(m, "history-backed-up-snapshot", snapshot = *id),
                    (Some(id), Some(b)) => tr!(
                        m,
                        "history-backed-up-snapshot-added",
                        snapshot = *id,
                        size = m.bytes(*b)
                    ),
                    (None, Some(b)) => tr!(m, "history-backed-up-added", size = m.bytes(*b)),
                },
                EventKind::Failed { error, .. } => {
                    tr!(m, "history-failed", error = error.to_string())
                }
                EventKind::Cancelled => tr!(m, "history-cancelled"),
                EventKind::Skipped { reason } => {
                    tr!(m, "history-skipped", reason = reason_text(m, *reason))
                }
                EventKind::CopiedOffsite { remote, bytes_sent } => tr!(
                    m,
                    "history-copied-offsite",
                    remote = remote.as_str(),
                    size = m.bytes(*bytes_sent)
                ),
                EventKind::OffsiteFailed { error, .. } => {
                    tr!(m, "history-offsite-failed", error = error.as_str())
                }
            };
            writeln!(out, "{when}  {}  {what}", l.device)?;
        }
        Ok(())
    })
}
