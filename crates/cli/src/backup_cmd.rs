//! `keepsake backup` and `keepsake timeline`: back a device up into a location's snapshots, and
//! show those snapshots along time with what each one cost.

use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use keepsake_core::cleaning::CleaningOutcome;
use keepsake_core::{BackupOptions, BackupProgress, Location, SettingsCheck};

use crate::store_cmd::{human_bytes, utc_time};
use crate::{emit, secret_args};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The device's UDID or name; may be left out when only one device is connected.
    device: Option<String>,
    /// Where the snapshots go: a folder or a disk; they live in its `Keepsake.Backups` folder
    /// (default: the device's location in `keepsake settings`, else the default location).
    #[arg(long, env = "KEEPSAKE_LOCATION")]
    location: Option<PathBuf>,
    /// Accept the device's backup settings as they are if they were never confirmed (a first
    /// backup otherwise asks you to review them with `keepsake settings`).
    #[arg(long, short = 'y')]
    yes: bool,
    /// Ask the device for everything, not only what changed since the last backup.
    #[arg(long)]
    full: bool,
    /// Read the snapshot store's password from FILE's first line (`-`: standard input); else
    /// $KEEPSAKE_STORE_PASSWORD (default: a key this computer keeps in its credential store).
    #[arg(long = "store-password-file", value_name = "FILE")]
    store_password: Option<PathBuf>,
    /// Start even if the location seems short of free space for this backup.
    #[arg(long)]
    ignore_space: bool,
    /// Read the location's recovery key from FILE; else $KEEPSAKE_RECOVERY_KEY: on a computer that
    /// does not remember the snapshots' key.
    #[arg(long = "recovery-key-file", value_name = "FILE")]
    recovery_key: Option<PathBuf>,
    /// Read an encrypted device's backup password from FILE's first line (`-`: standard
    /// input); else $KEEPSAKE_BACKUP_PASSWORD (default: the remembered one). With it the
    /// snapshots keep the files decrypted under the location's own encryption, and cost what
    /// an unencrypted device's do.
    #[arg(long = "backup-password-file", value_name = "FILE")]
    backup_password: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// The location whose snapshots to show (default: the default location).
    #[arg(long, env = "KEEPSAKE_LOCATION")]
    location: Option<PathBuf>,
    #[command(flatten)]
    secrets: secret_args::OpeningSecrets,
}

/// One thread drives the connection and runs the backup: with a pool, each burst from the
/// device woke a worker in its poll, which then woke the thread blocked on the backup.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

pub fn backup(ctx: &keepsake_core::Context, args: &BackupArgs, json: bool) -> anyhow::Result<()> {
    let mut options = BackupOptions::new(PathBuf::new());
    options.location = args
        .location
        .as_deref()
        .map(keepsake_core::location::root_of);
    options.settings = if args.yes {
        SettingsCheck::ConfirmAsTheyAre
    } else {
        SettingsCheck::RequireConfirmed
    };
    options.full = args.full;
    options.store_password =
        secret_args::optional(&secret_args::STORE_PASSWORD, args.store_password.as_deref())?;
    options.unlock = secret_args::unlock_with(
        ctx.unlock(),
        &[(&secret_args::RECOVERY_KEY, args.recovery_key.as_deref())],
    )?;
    options.ignore_free_space = args.ignore_space;
    options.backup_password = secret_args::optional(
        &secret_args::BACKUP_PASSWORD,
        args.backup_password.as_deref(),
    )?;
    let bar = ProgressBar::new(100).with_style(
        ProgressStyle::with_template("{msg:24} [{bar:30}] {pos:>3}% {prefix}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message("Connecting");
    let runtime = runtime()?;
    // Ctrl-C cancels cleanly: nothing is committed and the earlier snapshots stay as they were.
    let cancel = options.cancel.clone();
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancel.cancel();
        }
    });
    let report = runtime.block_on(keepsake_core::back_up(
        ctx,
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
                bytes_expected,
                bytes_per_second,
                eta_seconds,
            } => {
                let of =
                    bytes_expected.map_or(String::new(), |t| format!(" of ~{}", human_bytes(t)));
                let eta = eta_seconds.map_or(String::new(), |s| format!(", {} left", duration(s)));
                bar.set_prefix(format!(
                    "{}{of} in {files_received} files, {}/s{eta}",
                    human_bytes(bytes_received),
                    human_bytes(bytes_per_second as u64)
                ));
                bar.set_position(percent.clamp(0.0, 100.0) as u64);
            }
            BackupProgress::Saving => bar.set_message("Saving the snapshot"),
        },
    ));
    bar.finish_and_clear();
    let report = report?;
    if !report.files_failed.is_empty() {
        eprintln!(
            "warning: {} could not send {} file(s); the snapshot keeps their previous versions: {}",
            report.device,
            report.files_failed.len(),
            report.files_failed.join(", ")
        );
    }
    if let Some(why) = &report.kept_as_sent {
        eprintln!(
            "note: {}'s encrypted backup was kept as the phone sent it ({why}): such snapshots \
             take about twice the space of decrypted ones. Give the backup password \
             (--backup-password-file) or let this computer remember it (`keepsake encryption \
             change --remember`) to save space.",
            report.device
        );
    }
    if let Some(error) = &report.cleaning_error {
        eprintln!("warning: the cleaning policy could not run after the backup: {error}");
    }
    if let Some(v) = report.verification.as_ref().filter(|v| !v.ok) {
        eprintln!(
            "warning: reading the snapshots back found damage: {} (`keepsake verify` reads              all of them)",
            keepsake_core::verification::summary(v)
        );
    }
    emit(json, &report, |out| {
        if let Some(key) = &report.recovery_key {
            writeln!(
                out,
                "This backup set up {}. Its recovery key opens these snapshots on any computer, \
                 for example if this one is lost. Write it down or print it, and keep it apart \
                 from the disk:\n\n    {key}\n\n(`keepsake locations recovery-key {}` shows it \
                 again on a computer that can open the snapshots.)\n",
                report.repository.display(),
                report
                    .repository
                    .parent()
                    .unwrap_or(&report.repository)
                    .display()
            )?;
        }
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
        )?;
        if let Some(v) = report.verification.as_ref().filter(|v| v.ok) {
            writeln!(
                out,
                "Read back intact: what it wrote and a sample of the rest ({}).",
                human_bytes(v.bytes_checked)
            )?;
        }
        if let Some(w) = &report.mass_deletion {
            writeln!(
                out,
                "\nWarning: {} no longer has {} that its backup before had. Snapshot {} \
                 still holds them, and is kept forever until you say they may go \
                 (`keepsake unpin {}`).\n",
                report.device,
                w.summary(),
                w.kept,
                w.kept
            )?;
        }
        match &report.cleaning {
            Some(CleaningOutcome::Deleted {
                snapshots,
                freed_bytes,
            }) => writeln!(
                out,
                "Old snapshots deleted by the cleaning policy: {snapshots:?} ({} freed).",
                human_bytes(*freed_bytes)
            ),
            Some(CleaningOutcome::Asked { .. }) => writeln!(
                out,
                "Old snapshots use more space than the policy allows: `keepsake clean` shows what would be deleted; `keepsake clean --yes` deletes it."
            ),
            _ => Ok(()),
        }
    })
}

pub fn timeline(
    ctx: &keepsake_core::Context,
    args: &TimelineArgs,
    json: bool,
) -> anyhow::Result<()> {
    let location = crate::browse_cmd::location_or_default(ctx, args.location.as_deref())?;
    // Looking never creates a repository: an empty location has an empty timeline.
    let unlock = args.secrets.unlock(ctx)?;
    let location = Location::new(&location);
    let entries = keepsake_core::timeline::snapshots_at(&location, &unlock, None)?;
    let devices = keepsake_core::timeline::devices_in(&location, &unlock, &entries)?;
    let snapshots: Vec<_> = entries.iter().map(|e| e.snapshot.clone()).collect();
    emit(json, &snapshots, |out| {
        if snapshots.is_empty() {
            writeln!(
                out,
                "No snapshots yet in {}.",
                location.repository_path().display()
            )?;
        }
        // every device with snapshots here, in sight or not, newest backup first
        for d in &devices {
            let who = match (d.name.as_str(), d.model.as_str()) {
                ("", _) => d.udid.clone(),
                (name, "") => format!("{name} ({})", d.udid),
                (name, model) => format!("{name}, {model} ({})", d.udid),
            };
            writeln!(
                out,
                "{who}: {} snapshot(s), last backup {}",
                d.snapshots,
                utc_time(d.last_backup)
            )?;
            for e in entries.iter().filter(|e| e.snapshot.device == d.udid) {
                let s = &e.snapshot;
                let kept = if e.pinned { "  kept forever" } else { "" };
                let note = e
                    .note
                    .as_ref()
                    .map(|n| format!("  \"{n}\""))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "  #{:<3} {}  {:>10} in {:>6} files   this backup cost {:>10}{kept}{note}",
                    s.seq,
                    utc_time(s.time),
                    human_bytes(s.bytes),
                    s.files,
                    human_bytes(s.added_bytes)
                )?;
            }
        }
        Ok(())
    })
}

/// `75.0` → `"1 min 15 s"`.
fn duration(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn times_left_read_like_a_person_says_them() {
        assert_eq!(duration(0.2), "0 s");
        assert_eq!(duration(75.0), "1 min 15 s");
        assert_eq!(duration(7260.0), "2 h 1 min");
    }
}
