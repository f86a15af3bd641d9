//! `keepsake pin` and `keepsake unpin`: keep a snapshot forever ("before the iOS update"), out
//! of reach of automatic deletion, or let it go again.

use std::path::PathBuf;

use clap::Args;
use keepsake_core::cleaning;
use keepsake_core::preferences;

use crate::emit;

#[derive(Debug, Args)]
pub struct PinArgs {
    /// The snapshot's id (see `keepsake timeline`).
    snapshot: i64,
    /// The location holding it (default: the default location).
    #[arg(long, env = "KEEPSAKE_LOCATION")]
    location: Option<PathBuf>,
    /// Why it is kept, e.g. "before iOS 19".
    #[arg(long)]
    note: Option<String>,
    /// The snapshot store's password (default: the key kept in this computer's credential store).
    #[arg(long, env = "KEEPSAKE_STORE_PASSWORD", hide_env_values = true)]
    store_password: Option<String>,
}

fn location(dirs: &keepsake_core::AppDirs, given: &Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match given {
        Some(l) => Ok(preferences::location_root(l)),
        None => preferences::load(dirs)?
            .preferences
            .default_location
            .ok_or_else(|| anyhow::anyhow!("no default location: say which with --location")),
    }
}

pub fn pin(args: &PinArgs, json: bool) -> anyhow::Result<()> {
    let dirs = keepsake_core::AppDirs::from_env()?;
    let location = location(&dirs, &args.location)?;
    let repo = keepsake_core::backup::open_repository(&location, args.store_password.as_deref())?;
    let pin = cleaning::pin(&repo, args.snapshot, args.note.as_deref())?;
    emit(json, &pin, |out| {
        writeln!(
            out,
            "Snapshot {} is pinned: automatic deletion never removes it.",
            pin.snapshot
        )
    })
}

#[derive(Debug, Args)]
pub struct UnpinArgs {
    /// The snapshot's id.
    snapshot: i64,
    /// The location holding it (default: the default location).
    #[arg(long, env = "KEEPSAKE_LOCATION")]
    location: Option<PathBuf>,
}

pub fn unpin(args: &UnpinArgs, json: bool) -> anyhow::Result<()> {
    let dirs = keepsake_core::AppDirs::from_env()?;
    let location = location(&dirs, &args.location)?;
    let repo_path = location.join(keepsake_core::backup::BACKUPS_FOLDER);
    let was = cleaning::unpin(&repo_path, args.snapshot)?;
    emit(
        json,
        &serde_json::json!({ "snapshot": args.snapshot, "was_pinned": was }),
        |out| {
            if was {
                writeln!(out, "Snapshot {} is no longer pinned.", args.snapshot)
            } else {
                writeln!(out, "Snapshot {} was not pinned.", args.snapshot)
            }
        },
    )
}
