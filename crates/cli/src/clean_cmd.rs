//! `keepsake clean`: the old snapshots the cleaning policy would delete (or is asking about),
//! what deleting them frees, and with `--yes` the deletion itself.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use keepsake_core::cleaning::{self, CleaningOutcome, Repositories};
use keepsake_core::cleaning_policy::{decide, CleaningPolicy, Decision};
use keepsake_core::{history, settings, Location, BACKUPS_FOLDER};
use keepsake_core::{human_bytes, CleaningRequest, DeviceSettings};
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
    let dirs = ctx.dirs();
    let settings = settings::load(dirs)?;
    let history = history::history(dirs)?;
    let store = Repositories {
        unlock: crate::secret_args::unlock_with(
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
                anyhow::bail!(
                    "{} holds no Keepsake snapshots (no {BACKUPS_FOLDER} folder there)",
                    location.root().display()
                );
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
                        "{}: its location {} is not there (an unplugged disk?)",
                        d.display_name(),
                        l.display()
                    ),
                    _ => {}
                }
            }
        }
    }
    targets.retain(|(d, _)| only.as_ref().is_none_or(|u| *u == d.udid));
    if let (Some(wanted), true) = (&args.device, targets.is_empty()) {
        anyhow::bail!("no snapshots of {wanted} here");
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
            writeln!(out, "No snapshots to look at.")?;
        }
        for v in &views {
            print_view(out, v)?;
        }
        Ok(())
    })
}

fn print_request(out: &mut dyn Write, r: &CleaningRequest) -> std::io::Result<()> {
    for s in &r.snapshots {
        writeln!(
            out,
            "    snapshot {} of {}  {:>10}  frees {}",
            s.id,
            utc_time(s.time),
            human_bytes(s.bytes),
            human_bytes(s.frees_bytes)
        )?;
    }
    writeln!(
        out,
        "    frees at least {} (older snapshots take {}; the budget is {}, half the newest backup)",
        human_bytes(r.frees_bytes),
        human_bytes(r.overhead_bytes),
        human_bytes(r.budget_bytes)
    )
}

fn print_view(out: &mut dyn Write, v: &CleanView) -> std::io::Result<()> {
    writeln!(out, "{} at {}", v.name, v.location.display())?;
    match (&v.pending, &v.decision) {
        (Some(r), _) => {
            writeln!(out, "  Waiting for your answer: delete these?")?;
            print_request(out, r)?;
        }
        (None, Decision::Keep) => writeln!(out, "  Nothing to delete.")?,
        (None, Decision::Ask(r) | Decision::Delete(r)) => {
            writeln!(out, "  The cleaning policy would delete:")?;
            print_request(out, r)?;
        }
    }
    match &v.done {
        Some(CleaningOutcome::Deleted {
            snapshots,
            freed_bytes,
        }) => writeln!(
            out,
            "  Deleted {} snapshot(s); {} given back to the disk.",
            snapshots.len(),
            human_bytes(*freed_bytes)
        ),
        Some(_) if v.pending.is_some() => writeln!(out, "  Declined: nothing deleted."),
        Some(_) => writeln!(out, "  Nothing deleted."),
        None if v.pending.is_some() => writeln!(
            out,
            "  Run `keepsake clean --yes` to delete them, or `keepsake clean --decline` to keep them."
        ),
        None if v.decision != Decision::Keep => {
            writeln!(out, "  Run `keepsake clean --yes` to delete them.")
        }
        None => Ok(()),
    }
}
