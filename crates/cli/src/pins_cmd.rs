//! `keepsake pin` and `keepsake unpin`: keep a snapshot forever ("before the iOS update"), out
//! of reach of automatic deletion, or let it go again.

use std::path::PathBuf;

use clap::Args;
use keepsake_core::{pins, Location};
use keepsake_i18n::tr;

use crate::browse_cmd::location_or_default;
use crate::emit;

/// Where the snapshot is, and how to open its store.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The location holding it (default: the default location).
    #[arg(long, env = "KEEPSAKE_LOCATION")]
    location: Option<PathBuf>,
    /// Read the snapshot store's password from FILE's first line (`-`: standard input); else
    /// $KEEPSAKE_STORE_PASSWORD (default: the key kept in this computer's credential store).
    #[arg(long = "store-password-file", value_name = "FILE")]
    store_password: Option<std::path::PathBuf>,
}

impl StoreArgs {
    fn open(&self, ctx: &keepsake_core::Context) -> anyhow::Result<keepsake_store::Repository> {
        let location = Location::new(location_or_default(ctx, self.location.as_deref())?);
        if !location.has_repository() {
            return Err(keepsake_core::CoreError::NoBackups {
                location: location.root().to_path_buf(),
            }
            .into());
        }
        let password = crate::secret_args::optional(
            ctx.messages(),
            &crate::secret_args::STORE_PASSWORD,
            self.store_password.as_deref(),
        )?;
        Ok(location.open(password.as_ref().map(|s| s.expose()))?)
    }
}

#[derive(Debug, Args)]
pub struct PinArgs {
    /// The snapshot's id (see `keepsake timeline`).
    snapshot: i64,
    /// Why it is kept, e.g. "before iOS 19".
    #[arg(long)]
    note: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn pin(ctx: &keepsake_core::Context, args: &PinArgs, json: bool) -> anyhow::Result<()> {
    let repo = args.store.open(ctx)?;
    let pin = pins::pin(&repo, args.snapshot, args.note.as_deref())?;
    emit(json, &pin, |out| {
        writeln!(
            out,
            "{}",
            tr!(ctx.messages(), "pins-pinned", snapshot = pin.snapshot)
        )
    })
}

#[derive(Debug, Args)]
pub struct UnpinArgs {
    /// The snapshot's id.
    snapshot: i64,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn unpin(ctx: &keepsake_core::Context, args: &UnpinArgs, json: bool) -> anyhow::Result<()> {
    let repo = args.store.open(ctx)?;
    let was = pins::unpin(&repo, args.snapshot)?;
    // A snapshot kept after a mass deletion: the person says the photos may go.
    keepsake_core::history::mass_deletion_answered(ctx.dirs(), &repo.config().id, args.snapshot)?;
    emit(
        json,
        &serde_json::json!({ "snapshot": args.snapshot, "was_pinned": was }),
        |out| {
            let id = if was {
                "pins-unpinned"
            } else {
                "pins-not-pinned"
            };
            writeln!(out, "{}", tr!(ctx.messages(), id, snapshot = args.snapshot))
        },
    )
}

#[derive(Debug, Args)]
pub struct NoteArgs {
    /// The snapshot's id (see `keepsake timeline`).
    snapshot: i64,
    /// What to note ("the day before the trip"); left out, the note is cleared.
    text: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

/// `keepsake note SNAPSHOT [TEXT]`: a note on any snapshot, pinned or not, kept in the store.
pub fn note(ctx: &keepsake_core::Context, args: &NoteArgs, json: bool) -> anyhow::Result<()> {
    let repo = args.store.open(ctx)?;
    pins::set_note(&repo, args.snapshot, args.text.as_deref())?;
    emit(
        json,
        &serde_json::json!({ "snapshot": args.snapshot, "note": args.text }),
        |out| {
            let m = ctx.messages();
            let said = match &args.text {
                Some(t) => tr!(
                    m,
                    "pins-note-set",
                    snapshot = args.snapshot,
                    note = t.as_str()
                ),
                None => tr!(m, "pins-note-cleared", snapshot = args.snapshot),
            };
            writeln!(out, "{said}")
        },
    )
}
