//! `keepsake history [DEVICE]`: what happened to each device's backups, newest first: the
//! backups, failures and cancellations, and the days a device was due and could not be backed
//! up, with why.

use clap::Args;
use keepsake_core::history::{Event, EventKind, Reason};
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
fn reason_text(reason: Reason) -> &'static str {
    match reason {
        Reason::NotConnected => "not connected (neither on the cable nor on Wi-Fi)",
        Reason::PasscodeNotEntered => "locked, or its passcode was not entered",
        Reason::LocationMissing => "the backup disk was not there",
        Reason::NoLocation => "no backup location chosen yet",
        Reason::NotEnoughSpace => "not enough space",
        Reason::Password => "the backup password was wrong or missing",
        Reason::ConnectionLost => "the connection to the device was lost",
        Reason::Error => "an error",
    }
}

pub fn run(ctx: &keepsake_core::Context, args: &HistoryArgs, json: bool) -> anyhow::Result<()> {
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
            return writeln!(out, "No backups yet.");
        }
        for l in &lines {
            let when = keepsake_core::days::local_time(ctx.time_zone(), l.event.at);
            let what = match &l.event.what {
                EventKind::BackedUp {
                    snapshot,
                    added_bytes,
                } => {
                    let mut s = "backed up".to_owned();
                    if let Some(id) = snapshot {
                        s += &format!(": snapshot {id}");
                    }
                    if let Some(b) = added_bytes {
                        s += &format!(", {} added", keepsake_core::human_bytes(*b));
                    }
                    s
                }
                EventKind::Failed { error, .. } => format!("failed: {error}"),
                EventKind::Cancelled => "cancelled (nothing of it was kept)".to_owned(),
                EventKind::Skipped { reason } => {
                    format!("due, not backed up: {}", reason_text(*reason))
                }
            };
            writeln!(out, "{when}  {}  {what}", l.device)?;
        }
        Ok(())
    })
}
