//! `keepsake clean`: the old snapshots the cleaning policy would delete (or is asking about),
//! what deleting them frees, and with `--yes` the deletion itself.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use keepsake_core::cleaning::{self, CleaningOutcome, Repositories};
use keepsake_core::cleaning_policy::{decide, CleaningPolicy, Decision};
use keepsake_core::{history, settings, Location, BACKUPS_FOLDER};
use keepsake_core::{CleaningRequest, DeviceSettings};
use keepsake_i18n::{tr, Messages};
use serde::Serialize;

use crate::emit;
use crate::store_cmd::utc_time;

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Only this device (UDID or name).
    device: Option<String>,
    /// Only the snapshots at this location (default: every device's own location).
    #[arg(long)]
    location: Option<PathBuf>,
    /// Delete them (answers a pending request with yes).
    #[arg(long)]
    yes: bool,
    /// Answer a pending request with no: nothing is deleted (the next backup may ask again).
    #[arg(long, conflicts_with = "yes")]
    decline: bool,
    /// Read the snapshot store's password from FILE's first line (`-`: standard input); else
    /// $KEEPSAKE_STORE_PASSWORD (default: the key kept in this computer's credential store).
    #[arg(long = "store-password-file", value_name = "FILE")]
    store_password: Option<std::path::PathBuf>,
}

/// One device at one location.
#[derive(Debug, Serialize)]
struct CleanView {
    udid: String,
    name: String,
    location: PathBuf,
    /// The request waiting for an answer, from the last backup.
    pending: Option<CleaningRequest>,
    /// What the policy says now.
    decision: Decision,
    /// What `--yes` did.
    done: Option<CleaningOutcome>,
}

pub fn clean(ctx: &keepsake_core::Context, args: &CleanArgs, json: bool) -> anyhow::Result<()> {
    let m = ctx.messages();
    let dirs = ctx.dirs();
    let settings = settings::load(dirs)?;
    let history = history::history(dirs)?;
    let store = Repositories {
        unlock: crate::secret_args::unlock_with(
            m,
            ctx.unlock(),
            &[(
                &crate::secret_args::STORE_PASSWORD,
                args.store_password.as_deref(),
            )],
        )?,
    };
    let only = args.device.as_ref().map(|wanted| {
        settings
            .find_device(wanted)
            .map_or_else(|| wanted.clone(), |d| d.udid.clone())
    });
    // (device, location): each known device at its location, or every device in --location
    let mut targets: Vec<(DeviceSettings, PathBuf)> = Vec::new();
    match &args.location {
        Some(location) => {
            let location = Location::new(location);
            if !location.has_repository() {
                anyhow::bail!(tr!(
                    m,
                    "clean-no-repository",
                    location = location.root().display().to_string(),
                    folder = BACKUPS_FOLDER
                ));
            }
            let repo = location.open_with(&store.unlock)?;
            let mut udids: Vec<String> = keepsake_store::commands::list::snapshots(&repo)?
                .into_iter()
                .map(|s| s.device)
                .collect();
            udids.sort();
            udids.dedup();
            for udid in udids {
                let device = settings
                    .device(&udid)
                    .cloned()
                    .unwrap_or_else(|| DeviceSettings::new(&udid, "", ""));
                targets.push((device, location.root().to_path_buf()));
            }
        }
        None => {
            for d in settings.devices.values() {
                match settings.location_of(d) {
                    Some(l) if Location::new(&l).has_repository() => targets.push((d.clone(), l)),
                    Some(l) if !l.is_dir() => eprintln!(
                        "{}",
                        tr!(
                            m,
                            "clean-location-missing",
                            device = d.display_name(),
                            location = l.display().to_string()
                        )
                    ),
                    _ => {}
                }
            }
        }
    }
    targets.retain(|(d, _)| only.as_ref().is_none_or(|u| *u == d.udid));
    if let (Some(wanted), true) = (&args.device, targets.is_empty()) {
        anyhow::bail!(tr!(m, "clean-no-snapshots-of", device = wanted.as_str()));
    }

    let now = ctx.now();
    let mut views = Vec::new();
    for (device, location) in targets {
        let pending = history
            .devices
            .get(&device.udid)
            .and_then(|h| h.pending_cleaning.clone())
            .filter(|p| p.location == location);
        let facts = cleaning::SnapshotStore::snapshots(&store, &location, &device.udid)?;
        let policy = CleaningPolicy::from(&device);
        let decision = decide(&policy, &facts.snapshots, facts.space, now);
        let done = match (args.yes, &pending) {
            (false, Some(_)) if args.decline => {
                cleaning::answer_cleaning(dirs, &store, &device.udid, false)?
            }
            (false, _) => None,
            (true, Some(_)) => cleaning::answer_cleaning(dirs, &store, &device.udid, true)?,
            (true, None) => {
                // --yes is the answer: act on what the policy would delete, without asking again
                let policy = CleaningPolicy {
                    ask_first: false,
                    ..policy
                };
                Some(cleaning::clean(
                    &store,
                    &location,
                    &device.udid,
                    &policy,
                    now,
                )?)
            }
        };
        views.push(CleanView {
            udid: device.udid.clone(),
            name: device.display_name().to_owned(),
            location,
            pending: pending.map(|p| p.request),
            decision,
            done,
        });
    }
    emit(json, &views, |out| {
        if views.is_empty() {
            writeln!(out, "{}", tr!(m, "clean-nothing"))?;
        }
        for v in &views {
            print_view(m, out, v)?;
        }
        Ok(())
    })
}

fn print_request(m: &Messages, out: &mut dyn Write, r: &CleaningRequest) -> std::io::Result<()> {
    for s in &r.snapshots {
        let line = tr!(
            m,
            "clean-request-snapshot",
            snapshot = s.id,
            time = utc_time(s.time),
            size = format!("{:>10}", m.bytes(s.bytes)),
            frees = m.bytes(s.frees_bytes)
        );
        writeln!(out, "    {line}")?;
    }
    let total = tr!(
        m,
        "clean-request-total",
        frees = m.bytes(r.frees_bytes),
        overhead = m.bytes(r.overhead_bytes),
        budget = m.bytes(r.budget_bytes)
    );
    writeln!(out, "    {total}")
}

fn print_view(m: &Messages, out: &mut dyn Write, v: &CleanView) -> std::io::Result<()> {
    let device = tr!(
        m,
        "clean-device",
        device = v.name.as_str(),
        location = v.location.display().to_string()
    );
    writeln!(out, "{device}")?;
    match (&v.pending, &v.decision) {
        (Some(r), _) => {
            writeln!(out, "  {}", tr!(m, "clean-waiting"))?;
            print_request(m, out, r)?;
        }
        (None, Decision::Keep) => writeln!(out, "  {}", tr!(m, "clean-nothing-to-delete"))?,
        (None, Decision::Ask(r) | Decision::Delete(r)) => {
            writeln!(out, "  {}", tr!(m, "clean-would-delete"))?;
            print_request(m, out, r)?;
        }
    }
    let done = match &v.done {
        Some(CleaningOutcome::Deleted {
            snapshots,
            freed_bytes,
        }) => tr!(
            m,
            "clean-deleted",
            count = snapshots.len(),
            size = m.bytes(*freed_bytes)
        ),
        Some(_) if v.pending.is_some() => tr!(m, "clean-declined"),
        Some(_) => tr!(m, "clean-nothing-deleted"),
        None if v.pending.is_some() => tr!(m, "clean-run-yes-or-decline"),
        None if v.decision != Decision::Keep => tr!(m, "clean-run-yes"),
        None => return Ok(()),
    };
    writeln!(out, "  {done}")
}
