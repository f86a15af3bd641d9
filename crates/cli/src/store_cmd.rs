//! `keepsake store …`: the snapshot repository from the command line, for power users, imports
//! and benchmarks. `add` snapshots a folder incrementally: files whose size, modification time,
//! inode and mode match the previous snapshot are kept without being read.
//!
//! Encrypted repositories take their password from `KEEPSAKE_PASSWORD` or `--password-file`,
//! or, when created with `init --keyring`, their random key from the OS credential store.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use keepsake_i18n::{tr, Messages};
use keepsake_store::commands::folder::{self, FolderSummary};
use keepsake_store::commands::{check, forget, gc, list, restore, stats};
use keepsake_store::{
    ChunkingParams, InitOptions, KdfParams, KeySource, KeyStorage, RepoConfig, Repository,
};
use serde::Serialize;

use crate::emit;

const PASSWORD_ENV: &str = "KEEPSAKE_PASSWORD";

/// Work with a snapshot repository folder.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Read the repository password from this file (first line) instead of $KEEPSAKE_PASSWORD.
    #[arg(long, global = true, value_name = "FILE")]
    password_file: Option<PathBuf>,

    #[command(subcommand)]
    command: StoreCommand,
}

#[derive(Debug, Subcommand)]
enum StoreCommand {
    /// Create a repository (encrypted with the password unless --no-encryption).
    #[command(after_help = crate::EXIT_CODES)]
    Init {
        repo: PathBuf,
        /// Store data and names in clear.
        #[arg(long, conflicts_with = "keyring")]
        no_encryption: bool,
        /// Encrypt with a random key kept in the OS credential store (Secret Service, macOS
        /// Keychain, Windows Credential Manager) instead of a password: nothing to type, but
        /// only this user on this computer can open the repository.
        #[arg(long)]
        keyring: bool,
        /// Cheap key derivation, for tests only.
        #[arg(long, hide = true)]
        insecure_test_kdf: bool,
    },
    /// Snapshot a folder; unchanged files are recognised without reading them.
    #[command(after_help = crate::EXIT_CODES)]
    Add {
        repo: PathBuf,
        folder: PathBuf,
        /// The device the snapshot belongs to (default: the folder's name).
        #[arg(long, value_name = "ID")]
        device: Option<String>,
    },
    /// List the snapshots.
    #[command(after_help = crate::EXIT_CODES)]
    Snapshots { repo: PathBuf },
    /// List the files of a snapshot.
    #[command(after_help = crate::EXIT_CODES)]
    Ls { repo: PathBuf, snapshot: i64 },
    /// Write one file of a snapshot to stdout.
    #[command(after_help = crate::EXIT_CODES)]
    Cat {
        repo: PathBuf,
        snapshot: i64,
        path: String,
    },
    /// Restore a snapshot (or one file or folder of it) into a folder.
    #[command(after_help = crate::EXIT_CODES)]
    Restore {
        repo: PathBuf,
        snapshot: i64,
        target: PathBuf,
        /// Only this file or folder of the snapshot.
        #[arg(long)]
        path: Option<String>,
    },
    /// Delete snapshots (their space is reclaimed by `gc`).
    #[command(after_help = crate::EXIT_CODES)]
    Forget {
        repo: PathBuf,
        #[arg(required = true)]
        snapshots: Vec<i64>,
    },
    /// Reclaim the space of forgotten data.
    #[command(after_help = crate::EXIT_CODES)]
    Gc { repo: PathBuf },
    /// Verify the catalog and every stored chunk; exits 1 if anything is damaged.
    #[command(after_help = crate::EXIT_CODES)]
    Check { repo: PathBuf },
    /// Show space use: the newest backups, snapshot overhead, what each snapshot would free.
    #[command(after_help = crate::EXIT_CODES)]
    Stats { repo: PathBuf },
}

/// Runs one `keepsake store` subcommand.
pub fn run(m: &Messages, args: &StoreArgs, json: bool) -> anyhow::Result<()> {
    let key = |repo: &Path| key_source(m, args.password_file.as_deref(), repo);
    match &args.command {
        StoreCommand::Init {
            repo,
            no_encryption,
            keyring,
            insecure_test_kdf,
        } => {
            let mut options = if *no_encryption {
                InitOptions::unencrypted()
            } else if *keyring {
                // the account names the repository; the config records it for `open`
                let account = std::path::absolute(repo)
                    .with_context(|| tr!(m, "store-locating", path = repo.display().to_string()))?;
                InitOptions {
                    key: KeySource::keyring(KEYRING_SERVICE, account.to_string_lossy()),
                    kdf: KdfParams::recommended(),
                    chunking: ChunkingParams::default(),
                    cipher: Default::default(),
                }
            } else {
                match key(repo)? {
                    KeySource::None => {
                        bail!(tr!(m, "store-init-needs-password", env = PASSWORD_ENV))
                    }
                    source => InitOptions {
                        key: source,
                        kdf: KdfParams::recommended(),
                        chunking: ChunkingParams::default(),
                        cipher: Default::default(),
                    },
                }
            };
            if *insecure_test_kdf {
                options.kdf = KdfParams::insecure_for_tests();
            }
            let r = Repository::init(repo, &options)?;
            #[derive(Serialize)]
            struct Created<'a> {
                repo: &'a Path,
                encrypted: bool,
            }
            let created = Created {
                repo,
                encrypted: r.is_encrypted(),
            };
            emit(json, &created, |out| {
                let id = if created.encrypted {
                    "store-created-encrypted"
                } else {
                    "store-created-unencrypted"
                };
                writeln!(out, "{}", tr!(m, id, repo = repo.display().to_string()))
            })
        }
        StoreCommand::Add {
            repo,
            folder,
            device,
        } => {
            let key = key(repo)?;
            // The folder's cold walk waits on the disk while the password's key derivation
            // keeps a core busy and the snapshot's base is loaded: done side by side.
            let scan = folder::start_scan(folder);
            let r = Repository::open(repo, &key)?;
            let device = match device {
                Some(d) => d.clone(),
                None => default_device(m, folder)?,
            };
            let summary = add_folder(m, &r, scan, &device)?;
            emit(json, &summary, |out| {
                writeln!(
                    out,
                    "{}",
                    tr!(
                        m,
                        "store-added",
                        snapshot = summary.snapshot.id,
                        device = summary.snapshot.device.as_str(),
                        files = summary.snapshot.files,
                        read = summary.files_read,
                        unchanged = summary.files_unchanged,
                        removed = summary.files_removed,
                        size = m.bytes(summary.bytes_read),
                        added = m.bytes(summary.snapshot.added_bytes)
                    )
                )
            })
        }
        StoreCommand::Snapshots { repo } => {
            let r = Repository::open(repo, &key(repo)?)?;
            let snaps = list::snapshots(&r)?;
            emit(json, &snaps, |out| {
                if snaps.is_empty() {
                    writeln!(out, "{}", tr!(m, "store-no-snapshots"))?;
                }
                for s in &snaps {
                    writeln!(
                        out,
                        "{:>5}  {}  #{:<4} {}  {:>14}  {:>10}  (+{})",
                        s.id,
                        s.device,
                        s.seq,
                        utc_time(s.time),
                        tr!(m, "common-files", count = s.files),
                        m.bytes(s.bytes),
                        m.bytes(s.added_bytes)
                    )?;
                }
                Ok(())
            })
        }
        StoreCommand::Ls { repo, snapshot } => {
            let r = Repository::open(repo, &key(repo)?)?;
            let files = list::files(&r, *snapshot)?;
            emit(json, &files, |out| {
                for f in &files {
                    writeln!(out, "{:o}  {:>12}  {}", f.mode, f.size, f.path)?;
                }
                Ok(())
            })
        }
        StoreCommand::Cat {
            repo,
            snapshot,
            path,
        } => {
            let r = Repository::open(repo, &key(repo)?)?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            restore::cat(&r, *snapshot, path, &mut out)?;
            out.flush()?;
            Ok(())
        }
        StoreCommand::Restore {
            repo,
            snapshot,
            target,
            path,
        } => {
            let r = Repository::open(repo, &key(repo)?)?;
            restore_to(
                m,
                &r,
                *snapshot,
                target,
                path.as_deref(),
                json,
                "store-restored",
            )
        }
        StoreCommand::Forget { repo, snapshots } => {
            let r = Repository::open(repo, &key(repo)?)?;
            let summary = forget::forget(&r, snapshots)?;
            emit(json, &summary, |out| {
                writeln!(out, "{}", tr!(m, "store-forgot", count = summary.snapshots))
            })
        }
        StoreCommand::Gc { repo } => {
            let r = Repository::open(repo, &key(repo)?)?;
            let summary = gc::gc(&r, &gc::GcOptions::default())?;
            emit(json, &summary, |out| {
                writeln!(
                    out,
                    "{}",
                    tr!(
                        m,
                        "store-gc",
                        size = m.bytes(summary.bytes_before.saturating_sub(summary.bytes_after)),
                        deleted = summary.packs_deleted,
                        repacked = summary.packs_repacked,
                        total = m.bytes(summary.bytes_after)
                    )
                )
            })
        }
        StoreCommand::Check { repo } => {
            let r = Repository::open(repo, &key(repo)?)?;
            let total = stats::stats(&r)?.pack_bytes;
            let bar = bytes_bar(m, total, "store-check-progress");
            let report = check::check(&r, &mut |n| bar.inc(n))?;
            bar.finish_and_clear();
            emit(json, &report, |out| {
                writeln!(
                    out,
                    "{}",
                    tr!(
                        m,
                        "store-checked",
                        count = report.chunks_checked,
                        size = m.bytes(report.bytes_checked)
                    )
                )?;
                for p in &report.catalog_problems {
                    writeln!(
                        out,
                        "{}",
                        tr!(m, "store-catalog-problem", problem = p.to_string())
                    )?;
                }
                for d in &report.damaged_chunks {
                    writeln!(
                        out,
                        "{}",
                        tr!(
                            m,
                            "store-damaged-chunk",
                            chunk = d.chunk.to_string(),
                            pack = d.pack.to_string(),
                            fault = d.fault.to_string()
                        )
                    )?;
                }
                for f in &report.affected_files {
                    let ids: Vec<String> = f.snapshots.iter().map(|s| s.to_string()).collect();
                    writeln!(
                        out,
                        "{}",
                        tr!(
                            m,
                            "store-unrestorable",
                            path = f.path.as_str(),
                            device = f.device.as_str(),
                            count = f.snapshots.len(),
                            snapshots = ids.join(", ")
                        )
                    )?;
                }
                Ok(())
            })?;
            if !report.is_ok() {
                bail!(tr!(
                    m,
                    "store-damaged",
                    repo = repo.display().to_string(),
                    chunks = report.damaged_chunks.len(),
                    problems = report.catalog_problems.len()
                ));
            }
            Ok(())
        }
        StoreCommand::Stats { repo } => {
            let r = Repository::open(repo, &key(repo)?)?;
            let s = stats::stats(&r)?;
            emit(json, &s, |out| {
                let rows = [
                    (
                        "store-stats-repository",
                        tr!(
                            m,
                            "store-stats-packs",
                            size = m.bytes(s.pack_bytes),
                            count = s.packs
                        ),
                    ),
                    (
                        "store-stats-newest",
                        tr!(
                            m,
                            "store-stats-stored",
                            size = m.bytes(s.newest_stored_bytes)
                        ),
                    ),
                    ("store-stats-overhead", m.bytes(s.snapshot_overhead_bytes)),
                    ("store-stats-reclaimable", m.bytes(s.unreferenced_bytes)),
                ];
                // the labels padded to the longest one in this language
                let labels: Vec<String> = rows.iter().map(|(l, _)| m.format(l, None)).collect();
                let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 1;
                for (label, (_, value)) in labels.iter().zip(&rows) {
                    writeln!(out, "{label:<width$}{value}")?;
                }
                for d in &s.devices {
                    writeln!(
                        out,
                        "{}",
                        tr!(
                            m,
                            "store-stats-device",
                            device = d.device.as_str(),
                            count = d.files,
                            size = m.bytes(d.bytes)
                        )
                    )?;
                }
                for x in &s.snapshots {
                    let line = tr!(
                        m,
                        "store-stats-snapshot",
                        id = format!("{:>5}", x.info.id),
                        device = x.info.device.as_str(),
                        seq = x.info.seq,
                        size = m.bytes(x.frees_bytes)
                    );
                    writeln!(out, "  {line}")?;
                }
                Ok(())
            })
        }
    }
}

/// The credential store service under which `init --keyring` keeps repository keys.
const KEYRING_SERVICE: &str = "keepsake-store";

/// How to unlock `repo`: the password given, else its key in the OS credential store when it
/// was created with one.
pub(crate) fn key_source(
    m: &Messages,
    password_file: Option<&Path>,
    repo: &Path,
) -> anyhow::Result<KeySource> {
    if let Some(file) = password_file {
        let text = std::fs::read_to_string(file).with_context(|| {
            tr!(
                m,
                "store-reading-password-file",
                path = file.display().to_string()
            )
        })?;
        let line = text.lines().next().unwrap_or("");
        return Ok(KeySource::password(line));
    }
    Ok(match std::env::var(PASSWORD_ENV) {
        Ok(p) if !p.is_empty() => KeySource::password(p),
        // where the key is comes from the repository's config
        _ if RepoConfig::load(repo).is_ok_and(|c| {
            c.encryption
                .is_some_and(|e| matches!(e.key, KeyStorage::Keyring { .. }))
        }) =>
        {
            KeySource::keyring("", "")
        }
        // a repository Keepsake's backups made: this computer's slot, kept in the credential
        // store under the repository's id (as the app and `keepsake backup` keep it)
        _ => match RepoConfig::load(repo) {
            Ok(c) if c.encryption.is_some() => {
                match keepsake_core::Secrets.recall(keepsake_core::SecretKind::StoreKey, &c.id) {
                    Ok(Some(key)) => KeySource::password(key.as_str()),
                    _ => KeySource::None,
                }
            }
            _ => KeySource::None,
        },
    })
}

fn default_device(m: &Messages, folder: &Path) -> anyhow::Result<String> {
    let canonical = folder
        .canonicalize()
        .with_context(|| tr!(m, "store-opening", path = folder.display().to_string()))?;
    Ok(canonical
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("folder")
        .to_string())
}

fn add_folder(
    m: &Messages,
    repo: &Repository,
    scan: folder::PendingScan,
    device: &str,
) -> anyhow::Result<FolderSummary> {
    let bar = bytes_bar(m, 0, "store-add-progress");
    let summary = folder::add_scanned(repo, scan, device, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    Ok(summary)
}

/// Restores `snapshot` of `repo` (or `path` of it) into `target` with a progress bar, then says
/// so with message `done` (its `count`, `size` and `target`).
pub(crate) fn restore_to(
    m: &Messages,
    repo: &Repository,
    snapshot: i64,
    target: &Path,
    path: Option<&str>,
    json: bool,
    done: &str,
) -> anyhow::Result<()> {
    let bar = bytes_bar(m, 0, "store-restore-progress");
    let summary = restore::restore(repo, snapshot, target, path, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    let summary = summary?;
    emit(json, &summary, |out| {
        writeln!(
            out,
            "{}",
            tr!(
                m,
                done,
                count = summary.files,
                size = m.bytes(summary.bytes),
                target = target.display().to_string()
            )
        )
    })
}

/// A byte-count progress bar on stderr (drawn only when stderr is a terminal); `what` is the
/// message that says what it does.
pub(crate) fn bytes_bar(m: &Messages, total: u64, what: &str) -> ProgressBar {
    let left = tr!(m, "progress-time-left", time = "{eta}");
    let style = ProgressStyle::with_template(&format!(
        "{{msg:10}} [{{bar:30}}] {{bytes}}/{{total_bytes}} {{bytes_per_sec}} {left}"
    ))
    .expect("the template is valid")
    .progress_chars("=> ");
    ProgressBar::new(total)
        .with_style(style)
        .with_message(m.format(what, None))
}

/// `YYYY-MM-DD HH:MM UTC` from Unix seconds (proleptic Gregorian calendar).
pub(crate) fn utc_time(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Days since 1970-01-01 to a civil date, counting in 400-year eras from 0000-03-01.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_times_print_as_utc_dates() {
        assert_eq!(utc_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_time(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_time(1_764_083_700), "2025-11-25 15:15 UTC");
        assert_eq!(utc_time(-86_400), "1969-12-31 00:00 UTC");
    }
}
