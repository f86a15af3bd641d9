//! `keepsake backup` and `keepsake timeline`: back a device up into a location's snapshots, and
//! show those snapshots along time with what each one cost.

use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use keepsake_core::cleaning::CleaningOutcome;
use keepsake_core::{BackupOptions, BackupProgress, Location, SettingsCheck};
use keepsake_i18n::tr;

use crate::store_cmd::utc_time;
use crate::{decimal, emit, secret_args};

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
    let m = ctx.messages();
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
    options.store_password = secret_args::optional(
        m,
        &secret_args::STORE_PASSWORD,
        args.store_password.as_deref(),
    )?;
    options.unlock = secret_args::unlock_with(
        m,
        ctx.unlock(),
        &[(&secret_args::RECOVERY_KEY, args.recovery_key.as_deref())],
    )?;
    options.ignore_free_space = args.ignore_space;
    options.backup_password = secret_args::optional(
        m,
        &secret_args::BACKUP_PASSWORD,
        args.backup_password.as_deref(),
    )?;
    let bar = ProgressBar::new(100).with_style(
        ProgressStyle::with_template("{msg:24} [{bar:30}] {pos:>3}% {prefix}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(tr!(m, "backup-connecting"));
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
                bar.println(tr!(m, "backup-waiting-for-trust", device = device))
            }
            BackupProgress::WaitingForUnlock { device } => {
                bar.println(tr!(m, "backup-waiting-for-unlock", device = device))
            }
            BackupProgress::EnterPasscode { device } => {
                bar.println(tr!(m, "backup-enter-passcode", device = device))
            }
            BackupProgress::PasscodeDone { .. } => {}
            BackupProgress::Started { device, .. } => {
                bar.set_message(tr!(m, "backup-backing-up", device = device))
            }
            BackupProgress::Transferring {
                percent,
                bytes_received,
                files_received,
                bytes_expected,
                bytes_per_second,
                eta_seconds,
            } => {
                let received = match bytes_expected {
                    Some(t) => tr!(
                        m,
                        "backup-received-of",
                        received = m.bytes(bytes_received),
                        total = m.bytes(t)
                    ),
                    None => m.bytes(bytes_received),
                };
                let mut prefix = tr!(
                    m,
                    "backup-transfer",
                    received = received,
                    files = files_received,
                    speed = m.bytes(bytes_per_second as u64)
                );
                if let Some(s) = eta_seconds {
                    prefix += ", ";
                    prefix += &tr!(m, "progress-time-left", time = duration(s));
                }
                bar.set_prefix(prefix);
                bar.set_position(percent.clamp(0.0, 100.0) as u64);
            }
            BackupProgress::Saving => bar.set_message(tr!(m, "backup-saving")),
        },
    ));
    bar.finish_and_clear();
    let report = report?;
    if !report.files_failed.is_empty() {
        eprintln!(
            "{}",
            tr!(
                m,
                "backup-files-failed",
                device = report.device.as_str(),
                count = report.files_failed.len(),
                files = report.files_failed.join(", ")
            )
        );
    }
    if let Some(why) = &report.kept_as_sent {
        eprintln!(
            "{}",
            tr!(
                m,
                "backup-kept-as-sent",
                device = report.device.as_str(),
                why = why.to_string()
            )
        );
    }
    if let Some(error) = &report.cleaning_error {
        eprintln!(
            "{}",
            tr!(m, "backup-cleaning-failed", error = error.to_string())
        );
    }
    if let Some(v) = report.verification.as_ref().filter(|v| !v.ok) {
        eprintln!(
            "{}",
            tr!(
                m,
                "backup-damage-found",
                summary = keepsake_core::verification::summary(v)
            )
        );
    }
    // Then its copy offsite, if it has one: the backup is saved whatever happens to the copy
    // (a remote out of reach is tried again by the agent, or at the next backup).
    let location = report.repository.parent().unwrap_or(&report.repository);
    let bar = crate::store_cmd::bytes_bar(m, 0, "offsite-push-progress");
    let offsite = runtime.block_on(keepsake_core::offsite::copy_after_backup(
        ctx,
        &report.udid,
        location,
        &options.unlock,
        |p| {
            bar.set_length(p.bytes_total);
            bar.set_position(p.bytes_sent);
        },
    ));
    bar.finish_and_clear();
    let offsite = match offsite {
        Ok(copied) => copied.map(|c| OffsiteView {
            copied: Some(c),
            error: None,
        }),
        Err(e) => {
            eprintln!("{}", tr!(m, "backup-offsite-failed", error = e.to_string()));
            Some(OffsiteView {
                copied: None,
                error: Some(e.to_string()),
            })
        }
    };
    let out = BackupOut {
        report: &report,
        offsite: offsite.as_ref(),
    };
    emit(json, &out, |out| {
        if let Some(key) = &report.recovery_key {
            let repository = report.repository.display().to_string();
            let location = report.repository.parent().unwrap_or(&report.repository);
            writeln!(
                out,
                "{}\n\n    {key}\n\n{}\n",
                tr!(m, "backup-recovery-key", repository = repository),
                tr!(
                    m,
                    "backup-recovery-key-again",
                    location = location.display().to_string()
                )
            )?;
        }
        writeln!(
            out,
            "{}",
            tr!(
                m,
                "backup-done",
                device = report.device.as_str(),
                seconds = decimal(m, report.seconds),
                snapshot = report.snapshot.seq,
                received = m.bytes(report.bytes_received),
                files = report.files_received,
                removed = report.files_removed,
                added = m.bytes(report.snapshot.added_bytes),
                repository = report.repository.display().to_string()
            )
        )?;
        if let Some(v) = report.verification.as_ref().filter(|v| v.ok) {
            writeln!(
                out,
                "{}",
                tr!(m, "backup-read-back", size = m.bytes(v.bytes_checked))
            )?;
        }
        if let Some(w) = &report.mass_deletion {
            writeln!(
                out,
                "\n{}\n",
                tr!(
                    m,
                    "backup-mass-deletion",
                    device = report.device.as_str(),
                    what = w.summary(),
                    snapshot = w.kept
                )
            )?;
        }
        match &report.cleaning {
            Some(CleaningOutcome::Deleted {
                snapshots,
                freed_bytes,
            }) => {
                let ids: Vec<String> = snapshots.iter().map(|s| s.to_string()).collect();
                writeln!(
                    out,
                    "{}",
                    tr!(
                        m,
                        "backup-cleaned",
                        count = snapshots.len(),
                        snapshots = ids.join(", "),
                        size = m.bytes(*freed_bytes)
                    )
                )?
            }
            Some(CleaningOutcome::Asked { .. }) => {
                writeln!(out, "{}", tr!(m, "backup-cleaning-asks"))?
            }
            _ => {}
        }
        if let Some(c) = offsite.as_ref().and_then(|o| o.copied.as_ref()) {
            let line = if c.up_to_date {
                tr!(m, "offsite-up-to-date", remote = c.remote.as_str())
            } else {
                tr!(
                    m,
                    "backup-offsite-copied",
                    remote = c.remote.as_str(),
                    packs = c.packs_sent,
                    size = m.bytes(c.bytes_sent)
                )
            };
            writeln!(out, "{line}")?;
        }
        Ok(())
    })
}

/// `keepsake backup --json`: the backup's report and, when the device has one, its copy
/// offsite.
#[derive(serde::Serialize)]
struct BackupOut<'a> {
    #[serde(flatten)]
    report: &'a keepsake_core::BackupReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    offsite: Option<&'a OffsiteView>,
}

#[derive(serde::Serialize)]
struct OffsiteView {
    #[serde(skip_serializing_if = "Option::is_none")]
    copied: Option<keepsake_core::offsite::OffsiteReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub fn timeline(
    ctx: &keepsake_core::Context,
    args: &TimelineArgs,
    json: bool,
) -> anyhow::Result<()> {
    let m = ctx.messages();
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
                "{}",
                tr!(
                    m,
                    "timeline-empty",
                    repository = location.repository_path().display().to_string()
                )
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
                "{}",
                tr!(
                    m,
                    "timeline-device",
                    device = who,
                    count = d.snapshots,
                    time = utc_time(d.last_backup)
                )
            )?;
            for e in entries.iter().filter(|e| e.snapshot.device == d.udid) {
                let s = &e.snapshot;
                let kept = if e.pinned {
                    format!("  {}", tr!(m, "timeline-kept-forever"))
                } else {
                    String::new()
                };
                let note = e
                    .note
                    .as_ref()
                    .map(|n| format!("  {}", tr!(m, "timeline-note", note = n.as_str())))
                    .unwrap_or_default();
                let row = tr!(
                    m,
                    "timeline-snapshot",
                    seq = format!("{:<3}", s.seq),
                    time = utc_time(s.time),
                    size = format!("{:>10}", m.bytes(s.bytes)),
                    files = format!("{:>12}", tr!(m, "common-files", count = s.files)),
                    cost = format!("{:>10}", m.bytes(s.added_bytes))
                );
                writeln!(out, "  {row}{kept}{note}")?;
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
