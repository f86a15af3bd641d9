//! `keepsake offsite …`: a repository's copy on an S3-compatible bucket — sent there, listed,
//! restored from on any computer, and collected.
//!
//! The bucket's access key comes from `--access-key` or `$KEEPSAKE_S3_ACCESS_KEY`; its secret,
//! like every secret, from `$KEEPSAKE_S3_SECRET`, `--secret-file FILE` or the terminal, never
//! from the command line. The repository's password is the store's (`$KEEPSAKE_PASSWORD`,
//! `--password-file`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use keepsake_i18n::{tr, Messages};
use keepsake_offsite::{Bucket, Credentials, Limits, Prepared, Remote};
use keepsake_store::commands::list;
use keepsake_store::Repository;
use serde::Serialize;

use crate::emit;
use crate::secret_args::{self, SecretName};

const ACCESS_KEY_ENV: &str = "KEEPSAKE_S3_ACCESS_KEY";

pub const S3_SECRET: SecretName = SecretName {
    env: "KEEPSAKE_S3_SECRET",
    flag: "--secret-file",
    what: "secret-s3-secret",
};

/// A repository's copy on an S3-compatible bucket.
#[derive(Debug, Args)]
pub struct OffsiteArgs {
    /// The bucket's access key (default: $KEEPSAKE_S3_ACCESS_KEY).
    #[arg(long, global = true, value_name = "KEY")]
    access_key: Option<String>,
    /// Read the access key's secret from this file (first line; - for stdin) instead of
    /// $KEEPSAKE_S3_SECRET.
    #[arg(long, global = true, value_name = "FILE")]
    secret_file: Option<PathBuf>,
    /// Read the repository password from this file (first line) instead of $KEEPSAKE_PASSWORD.
    #[arg(long, global = true, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// At most this many kilobytes a second, up and down.
    #[arg(long, global = true, value_name = "KB")]
    bandwidth: Option<u32>,
    #[command(subcommand)]
    command: OffsiteCommand,
}

#[derive(Debug, Subcommand)]
enum OffsiteCommand {
    /// Send a repository's new packs and its catalog to the bucket (only what it lacks).
    #[command(after_help = crate::EXIT_CODES)]
    Push {
        repo: PathBuf,
        /// s3://host/bucket/prefix, or s3+http://host:port/bucket/prefix without HTTPS.
        #[arg(long, value_name = "ADDRESS")]
        to: String,
    },
    /// The repository copies the bucket holds.
    #[command(after_help = crate::EXIT_CODES)]
    List { address: String },
    /// The snapshots of a copy, read from the bucket.
    #[command(after_help = crate::EXIT_CODES)]
    Snapshots { address: String, repository: String },
    /// Restore a snapshot (or one file or folder of it) from the bucket into a folder.
    #[command(after_help = crate::EXIT_CODES)]
    Restore {
        address: String,
        repository: String,
        snapshot: i64,
        target: PathBuf,
        /// Only this file or folder of the snapshot.
        #[arg(long)]
        path: Option<String>,
    },
    /// Delete from a copy what its last catalogs do not need.
    #[command(after_help = crate::EXIT_CODES)]
    Gc {
        address: String,
        repository: String,
        /// Catalog generations kept (readers that fetched one still find its packs).
        #[arg(long, default_value_t = 3)]
        keep: u64,
        /// Only objects written this many hours before the copy's last commit go.
        #[arg(long, default_value_t = 48)]
        grace_hours: u64,
    },
}

pub fn run(m: &Messages, args: &OffsiteArgs, json: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the network runtime")?;
    let connect = |address: &str| -> anyhow::Result<Bucket> {
        let remote = Remote::parse(address)?;
        let access = match &args.access_key {
            Some(k) => k.clone(),
            None => std::env::var(ACCESS_KEY_ENV).map_err(|_| {
                anyhow::anyhow!(tr!(m, "offsite-needs-access-key", env = ACCESS_KEY_ENV))
            })?,
        };
        let secret = secret_args::required(m, &S3_SECRET, args.secret_file.as_deref(), false)?;
        let limits = Limits {
            bandwidth: args.bandwidth.map(|kb| kb.saturating_mul(1024)),
            ..Limits::default()
        };
        Ok(Bucket::connect(
            &remote,
            &Credentials::new(access, secret.expose()),
            limits,
        )?)
    };
    match &args.command {
        OffsiteCommand::Push { repo, to } => {
            let bucket = connect(to)?;
            let key = crate::store_cmd::key_source(m, args.password_file.as_deref(), repo)?;
            let r = Repository::open(repo, &key)?;
            let prepared = Prepared::new(&r)?;
            let bar = crate::store_cmd::bytes_bar(m, 0, "offsite-push-progress");
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            let pushed =
                runtime.block_on(keepsake_offsite::push(&bucket, &prepared, now, &mut |p| {
                    bar.set_length(p.bytes_total);
                    bar.set_position(p.bytes_sent);
                }));
            bar.finish_and_clear();
            let pushed = pushed?;
            let report = PushReport {
                remote: bucket.name().to_owned(),
                repository: prepared.repository_id().to_owned(),
                generation: pushed.generation,
                up_to_date: pushed.up_to_date,
                packs_sent: pushed.packs_sent,
                packs_kept: pushed.packs_kept,
                bytes_sent: pushed.bytes_sent,
                seconds: pushed.seconds,
            };
            emit(json, &report, |out| {
                if report.up_to_date {
                    writeln!(
                        out,
                        "{}",
                        tr!(m, "offsite-up-to-date", remote = report.remote.as_str())
                    )
                } else {
                    writeln!(
                        out,
                        "{}",
                        tr!(
                            m,
                            "offsite-pushed",
                            remote = report.remote.as_str(),
                            generation = report.generation,
                            packs = report.packs_sent,
                            size = m.bytes(report.bytes_sent),
                            kept = report.packs_kept
                        )
                    )
                }
            })
        }
        OffsiteCommand::List { address } => {
            let bucket = connect(address)?;
            let found = runtime.block_on(keepsake_offsite::repositories(&bucket))?;
            let rows: Vec<ListedCopy> = found
                .iter()
                .map(|r| ListedCopy {
                    repository: r.id.clone(),
                    generation: r.head.generation,
                    snapshots: r.head.snapshots.len(),
                    packs: r.head.packs,
                    written: r.head.written,
                })
                .collect();
            emit(json, &rows, |out| {
                if rows.is_empty() {
                    return writeln!(out, "{}", tr!(m, "offsite-none", remote = bucket.name()));
                }
                for r in &rows {
                    writeln!(
                        out,
                        "{}",
                        tr!(
                            m,
                            "offsite-listed",
                            repository = r.repository.as_str(),
                            snapshots = r.snapshots,
                            generation = r.generation,
                            time = crate::store_cmd::utc_time(r.written)
                        )
                    )?;
                }
                Ok(())
            })
        }
        OffsiteCommand::Snapshots {
            address,
            repository,
        } => {
            let bucket = connect(address)?;
            let (_cache, copy) = open_copy(m, &runtime, &bucket, repository, args)?;
            let snapshots = list::snapshots(&copy)?;
            emit(json, &snapshots, |out| {
                for s in &snapshots {
                    writeln!(
                        out,
                        "{:>5}  {}  {}  {}",
                        s.id,
                        crate::store_cmd::utc_time(s.time),
                        s.device,
                        m.bytes(s.bytes)
                    )?;
                }
                Ok(())
            })
        }
        OffsiteCommand::Restore {
            address,
            repository,
            snapshot,
            target,
            path,
        } => {
            let bucket = connect(address)?;
            let (_cache, copy) = open_copy(m, &runtime, &bucket, repository, args)?;
            crate::store_cmd::restore_to(
                m,
                &copy,
                *snapshot,
                target,
                path.as_deref(),
                json,
                "offsite-restored",
            )
        }
        OffsiteCommand::Gc {
            address,
            repository,
            keep,
            grace_hours,
        } => {
            let bucket = connect(address)?;
            let grace = Duration::from_secs(grace_hours.saturating_mul(3600));
            let collected =
                runtime.block_on(keepsake_offsite::gc(&bucket, repository, *keep, grace))?;
            let report = GcReport {
                catalogs_deleted: collected.catalogs_deleted,
                packs_deleted: collected.packs_deleted,
                bytes_freed: collected.bytes_freed,
            };
            emit(json, &report, |out| {
                writeln!(
                    out,
                    "{}",
                    tr!(
                        m,
                        "offsite-collected",
                        catalogs = report.catalogs_deleted,
                        packs = report.packs_deleted,
                        size = m.bytes(report.bytes_freed)
                    )
                )
            })
        }
    }
}

/// Downloads a copy's config and catalog into a fresh folder and opens it, its packs read from
/// the bucket. The folder goes when the first value is dropped.
fn open_copy(
    m: &Messages,
    runtime: &tokio::runtime::Runtime,
    bucket: &Bucket,
    repository: &str,
    args: &OffsiteArgs,
) -> anyhow::Result<(tempfile::TempDir, Repository)> {
    let cache = tempfile::Builder::new()
        .prefix("keepsake-offsite-")
        .tempdir()
        .context("creating a temporary folder")?;
    runtime.block_on(keepsake_offsite::fetch(bucket, repository, cache.path()))?;
    let key =
        crate::store_cmd::key_source(m, args.password_file.as_deref(), Path::new(cache.path()))?;
    let copy = keepsake_offsite::open(bucket, repository, cache.path(), &key)?;
    Ok((cache, copy))
}

#[derive(Serialize)]
struct PushReport {
    remote: String,
    repository: String,
    generation: u64,
    up_to_date: bool,
    packs_sent: u64,
    packs_kept: u64,
    bytes_sent: u64,
    seconds: f64,
}

#[derive(Serialize)]
struct ListedCopy {
    repository: String,
    generation: u64,
    snapshots: usize,
    packs: u64,
    written: i64,
}

#[derive(Serialize)]
struct GcReport {
    catalogs_deleted: u64,
    packs_deleted: u64,
    bytes_freed: u64,
}
