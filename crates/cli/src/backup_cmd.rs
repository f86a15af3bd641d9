//! `keepsake backup` and `keepsake timeline`: back a device up into a location's snapshots, and
//! show those snapshots along time with what each one cost.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use keepsake_core::{BackupOptions, BackupProgress};

use crate::emit;
use crate::store_cmd::{human_bytes, utc_time};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The device's UDID or name; may be left out when only one device is connected.
    device: Option<String>,
    /// Where the snapshots go: a folder or a disk; they live in its `Keepsake.Backups` folder.
    #[arg(long, env = "KEEPSAKE_LOCATION")]
    location: PathBuf,
    /// Ask the device for everything, not only what changed since the last backup.
    #[arg(long)]
    full: bool,
    /// The snapshot store's password (default: a key this computer keeps in its credential store).
    #[arg(long, env = "KEEPSAKE_STORE_PASSWORD", hide_env_values = true)]
    store_password: Option<String>,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// The location whose snapshots to show.
    #[arg(long, env = "KEEPSAKE_LOCATION")]
    location: PathBuf,
    /// The snapshot store's password (default: the key kept in this computer's credential store).
    #[arg(long, env = "KEEPSAKE_STORE_PASSWORD", hide_env_values = true)]
    store_password: Option<String>,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

pub fn backup(args: &BackupArgs, json: bool) -> anyhow::Result<()> {
    let dirs = keepsake_core::AppDirs::from_env()?;
    let options = BackupOptions {
        location: args.location.clone(),
        full: args.full,
        store_password: args.store_password.clone(),
    };
    let bar = ProgressBar::new(100).with_style(
        ProgressStyle::with_template("{msg:24} [{bar:30}] {pos:>3}% {prefix} eta {eta}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message("Connecting");
    let started = Instant::now();
    let report = runtime()?.block_on(keepsake_core::back_up(
        &dirs,
        args.device.as_deref(),
        &options,
        |p| match p {
            BackupProgress::WaitingForTrust { device } => {
                bar.println(format!("Waiting for you to tap Trust on {device}…"))
            }
            BackupProgress::WaitingForUnlock { device } => {
                bar.println(format!("{device} is locked: unlock it with its passcode…"))
            }
            BackupProgress::EnterPasscode { device } => bar.println(format!(
                "Enter your passcode on {device} to let the backup start…"
            )),
            BackupProgress::PasscodeDone { .. } => {}
            BackupProgress::Started { device, .. } => {
                bar.set_message(format!("Backing up {device}"))
            }
            BackupProgress::Transferring {
                percent,
                bytes_received,
                files_received,
            } => {
                let rate = bytes_received as f64 / started.elapsed().as_secs_f64().max(0.001);
                bar.set_prefix(format!(
                    "{} in {files_received} files, {}/s",
                    human_bytes(bytes_received),
                    human_bytes(rate as u64)
                ));
                bar.set_position(percent.clamp(0.0, 100.0) as u64);
            }
            BackupProgress::Saving => bar.set_message("Saving the snapshot"),
        },
    ));
    bar.finish_and_clear();
    let report = report?;
    emit(json, &report, |out| {
        writeln!(
            out,
            "Backed up {} in {:.1} s: snapshot {} ({} received in {} files, {} removed); it added {} to {}.",
            report.device,
            report.seconds,
            report.snapshot.seq,
            human_bytes(report.bytes_received),
            report.files_received,
            report.files_removed,
            human_bytes(report.snapshot.added_bytes),
            report.repository.display()
        )
    })
}

pub fn timeline(args: &TimelineArgs, json: bool) -> anyhow::Result<()> {
    let repo =
        keepsake_core::backup::open_repository(&args.location, args.store_password.as_deref())?;
    let snapshots = keepsake_store::commands::list::snapshots(&repo)?;
    emit(json, &snapshots, |out| {
        if snapshots.is_empty() {
            writeln!(out, "No snapshots yet in {}.", repo.path().display())?;
        }
        let mut device = None;
        for s in &snapshots {
            if device != Some(&s.device) {
                writeln!(out, "{}", s.device)?;
                device = Some(&s.device);
            }
            writeln!(
                out,
                "  #{:<3} {}  {:>10} in {:>6} files   this backup cost {:>10}",
                s.seq,
                utc_time(s.time),
                human_bytes(s.bytes),
                s.files,
                human_bytes(s.added_bytes)
            )?;
        }
        Ok(())
    })
}
