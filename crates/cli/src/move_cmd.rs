//! `keepsake move DEVICE LOCATION [--keep-old]`: a device's snapshots go to another location
//! (copied, verified, and only then deleted from the old one), which becomes its location.

use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use keepsake_core::moving::{move_device, MoveProgress};
use keepsake_core::settings;
use keepsake_i18n::tr;

use crate::emit;

#[derive(Debug, Args)]
pub struct MoveArgs {
    /// The device (UDID or name).
    device: String,
    /// Its new location: a folder or a disk.
    location: PathBuf,
    /// Copy: leave the snapshots at the old location too.
    #[arg(long)]
    keep_old: bool,
    /// Read the old location's store password from FILE's first line (`-`: standard input);
    /// else $KEEPSAKE_STORE_PASSWORD (default: the key this computer remembers).
    #[arg(long = "store-password-file", value_name = "FILE")]
    store_password: Option<std::path::PathBuf>,
    /// Read the new location's store password, if it has one, from FILE; else
    /// $KEEPSAKE_NEW_STORE_PASSWORD (default: a key this computer keeps).
    #[arg(long = "new-store-password-file", value_name = "FILE")]
    new_store_password: Option<std::path::PathBuf>,
}

pub fn run(ctx: &keepsake_core::Context, args: &MoveArgs, json: bool) -> anyhow::Result<()> {
    let m = ctx.messages();
    let dirs = ctx.dirs();
    let settings = settings::load(dirs)?;
    let udid = settings
        .find_device(&args.device)
        .map_or_else(|| args.device.clone(), |d| d.udid.clone());
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{msg:24} [{bar:30}] {pos}/{len} {prefix}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    use crate::secret_args::{optional, NEW_LOCATION_PASSWORD, STORE_PASSWORD};
    let old = optional(m, &STORE_PASSWORD, args.store_password.as_deref())?;
    let new = optional(
        m,
        &NEW_LOCATION_PASSWORD,
        args.new_store_password.as_deref(),
    )?;
    let report = move_device(
        ctx,
        &udid,
        &args.location,
        args.keep_old,
        (
            old.as_ref().map(|s| s.expose()),
            new.as_ref().map(|s| s.expose()),
        ),
        |p| match p {
            MoveProgress::Copying {
                index,
                total,
                bytes_copied,
            } => {
                bar.set_message(tr!(m, "move-copying"));
                bar.set_length(total as u64);
                bar.set_position(index as u64);
                bar.set_prefix(m.bytes(bytes_copied));
            }
            MoveProgress::Verifying => bar.set_message(tr!(m, "move-verifying")),
            MoveProgress::RemovingOld => bar.set_message(tr!(m, "move-removing")),
        },
    );
    bar.finish_and_clear();
    let report = report?;
    emit(json, &report, |out| {
        let id = if report.kept_old {
            "move-copied"
        } else {
            "move-moved"
        };
        writeln!(
            out,
            "{}",
            tr!(
                m,
                id,
                count = report.snapshots.len(),
                device = report.udid.as_str(),
                location = report.to.display().to_string(),
                size = m.bytes(report.bytes_copied)
            )
        )
    })
}
