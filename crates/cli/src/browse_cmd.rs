//! `keepsake browse|extract|diff|export|import|restore`: a snapshot as the phone's files, and
//! snapshots in and out of Apple's Finder format.

use std::path::{Path, PathBuf};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use keepsake_core::browse::{diff, SnapshotBrowser};
use keepsake_core::{interchange, Context, Location, Secret, Unlock};
use keepsake_i18n::{tr, Messages};

use crate::store_cmd::utc_time;
use crate::{emit, secret_args};

/// Where the snapshots are, and how to open them.
#[derive(Debug, Args)]
pub struct Where {
    /// The location holding the snapshots (default: the default location in `keepsake locations`).
    #[arg(long, env = "KEEPSAKE_LOCATION")]
    location: Option<PathBuf>,
    #[command(flatten)]
    secrets: secret_args::OpeningSecrets,
}

impl Where {
    fn unlock(&self, ctx: &Context) -> anyhow::Result<Unlock> {
        self.secrets.unlock(ctx)
    }

    fn backup_password(&self, ctx: &Context) -> anyhow::Result<Option<Secret>> {
        self.secrets.backup_password(ctx.messages())
    }

    fn location(&self, ctx: &Context) -> anyhow::Result<Location> {
        Ok(Location::new(location_or_default(
            ctx,
            self.location.as_deref(),
        )?))
    }

    fn open(&self, ctx: &Context, snapshot: i64) -> anyhow::Result<SnapshotBrowser> {
        let password = self.backup_password(ctx)?;
        Ok(SnapshotBrowser::open(
            &self.location(ctx)?,
            &self.unlock(ctx)?,
            snapshot,
            password.as_ref().map(Secret::expose),
        )?)
    }
}

/// `given`, else the default location from `keepsake locations`.
pub(crate) fn location_or_default(ctx: &Context, given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(l) = given {
        return Ok(keepsake_core::location::root_of(l));
    }
    // the default location's disk may be mounted at another path today
    if let Err(e) = keepsake_core::disks::follow_moved_disks(ctx) {
        tracing::warn!(error = %e, "known locations not looked for on the disks");
    }
    keepsake_core::settings::load(ctx.dirs())?
        .preferences
        .default_location
        .ok_or_else(|| anyhow::anyhow!(tr!(ctx.messages(), "browse-no-location")))
}

#[derive(Debug, Args)]
pub struct BrowseArgs {
    /// The snapshot's id (see `keepsake timeline`).
    snapshot: i64,
    /// A domain (`HomeDomain`, `CameraRollDomain`, `AppDomain-<bundle id>`…); without it, the
    /// domains and apps with their sizes.
    domain: Option<String>,
    /// A folder inside the domain.
    #[arg(default_value = "")]
    folder: String,
    /// Find files whose path contains this text (any domain; case ignored).
    #[arg(long, conflicts_with = "domain")]
    search: Option<String>,
    #[command(flatten)]
    at: Where,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    snapshot: i64,
    domain: String,
    /// A file or folder inside the domain (default: all of it).
    #[arg(default_value = "")]
    path: String,
    /// The folder to extract into; files land in `<to>/<domain>/<path>`.
    #[arg(long)]
    to: PathBuf,
    #[command(flatten)]
    at: Where,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older snapshot's id.
    older: i64,
    /// The newer snapshot's id.
    newer: i64,
    #[command(flatten)]
    at: Where,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    snapshot: i64,
    /// The folder to write `<UDID>/` into (what Finder, iTunes and idevicebackup2 read).
    to: PathBuf,
    #[command(flatten)]
    at: Where,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The device (UDID or name) whose snapshots to convert.
    device: String,
    /// The location holding them (default: the device's own location).
    #[arg(long, env = "KEEPSAKE_LOCATION")]
    location: Option<PathBuf>,
    #[command(flatten)]
    secrets: secret_args::OpeningSecrets,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A Finder/iTunes backup folder: `…/MobileSync/Backup/<UDID>`, or what idevicebackup2 wrote.
    folder: PathBuf,
    #[command(flatten)]
    at: Where,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    snapshot: i64,
    /// The device to restore onto, by UDID or name (default: the snapshot's own device,
    /// connected). Another device (a new phone) keeps its identity and takes the snapshot's
    /// apps, data and settings, replacing its own: that needs --yes.
    #[arg(long)]
    device: Option<String>,
    /// Restore onto a device other than the snapshot's own, replacing what it holds.
    #[arg(long, short = 'y')]
    yes: bool,
    #[command(flatten)]
    at: Where,
}

/// A progress bar in bytes, `what` (a message) naming what it does.
fn bar(m: &Messages, len: u64, what: &str) -> ProgressBar {
    let what = m.format(what, None);
    let left = tr!(m, "progress-time-left", time = "{eta}");
    ProgressBar::new(len).with_style(
        ProgressStyle::with_template(&format!(
            "{what:12} [{{bar:30}}] {{bytes}}/{{total_bytes}} {{bytes_per_sec}} {left}"
        ))
        .expect("the template is valid")
        .progress_chars("=> "),
    )
}

pub fn browse(ctx: &Context, args: &BrowseArgs, json: bool) -> anyhow::Result<()> {
    let m = ctx.messages();
    let b = args.at.open(ctx, args.snapshot)?;
    let info = b.snapshot().clone();
    if let Some(text) = &args.search {
        let found = b.search(text);
        return emit(json, &found, |out| {
            for f in &found {
                writeln!(out, "{:>10}  {}/{}", m.bytes(f.bytes), f.domain, f.path)?;
            }
            writeln!(
                out,
                "{}",
                tr!(
                    m,
                    "browse-search-found",
                    count = found.len(),
                    text = format!("{text:?}")
                )
            )
        });
    }
    match &args.domain {
        None => {
            let domains = b.domains();
            // an app's domains by the app's name on the phone, with the domain to browse it by
            let names: std::collections::BTreeMap<String, String> = b
                .apps()
                .into_iter()
                .flat_map(|a| a.domains.into_iter().map(move |d| (d, a.name.clone())))
                .collect();
            emit(json, &domains, |out| {
                let header = if b.is_encrypted() {
                    "browse-snapshot-encrypted"
                } else {
                    "browse-snapshot"
                };
                writeln!(
                    out,
                    "{}",
                    tr!(
                        m,
                        header,
                        snapshot = info.id,
                        device = info.device.as_str(),
                        time = utc_time(info.time)
                    )
                )?;
                for d in &domains {
                    let row = tr!(
                        m,
                        "browse-domain",
                        size = format!("{:>10}", m.bytes(d.bytes)),
                        files = format!("{:>12}", tr!(m, "common-files", count = d.files)),
                        domain = match names.get(&d.domain) {
                            Some(name) => format!("{name} ({})", d.domain),
                            None => d.domain.clone(),
                        }
                    );
                    writeln!(out, "{row}")?;
                }
                Ok(())
            })
        }
        Some(domain) => {
            let items = b.list(domain, &args.folder)?;
            emit(json, &items, |out| {
                for i in &items {
                    let name = Path::new(&i.path)
                        .file_name()
                        .map_or(i.path.clone(), |n| n.to_string_lossy().into_owned());
                    let slash = if i.is_dir { "/" } else { "" };
                    writeln!(
                        out,
                        "{:>10}  {}  {name}{slash}",
                        m.bytes(i.bytes),
                        utc_time(i.modified)
                    )?;
                }
                Ok(())
            })
        }
    }
}

pub fn extract(ctx: &Context, args: &ExtractArgs, json: bool) -> anyhow::Result<()> {
    let m = ctx.messages();
    let b = args.at.open(ctx, args.snapshot)?;
    let total: u64 = b
        .search("")
        .iter()
        .filter(|f| f.domain == args.domain)
        .filter(|f| {
            let p = args.path.trim_matches('/');
            p.is_empty() || f.path == p || f.path.starts_with(&format!("{p}/"))
        })
        .map(|f| f.bytes)
        .sum();
    let progress = bar(m, total, "extract-progress");
    let summary = b.extract(&args.domain, &args.path, &args.to, &mut |n| {
        progress.set_position(n)
    });
    progress.finish_and_clear();
    let summary = summary?;
    emit(json, &summary, |out| {
        writeln!(
            out,
            "{}",
            tr!(
                m,
                "extract-done",
                count = summary.files,
                size = m.bytes(summary.bytes),
                folder = args.to.join(&args.domain).display().to_string()
            )
        )
    })
}

pub fn diff_cmd(ctx: &Context, args: &DiffArgs, json: bool) -> anyhow::Result<()> {
    let m = ctx.messages();
    let older = args.at.open(ctx, args.older)?;
    let newer = args.at.open(ctx, args.newer)?;
    let changes = diff(&older, &newer);
    emit(json, &changes, |out| {
        if changes.is_empty() {
            writeln!(
                out,
                "{}",
                tr!(m, "diff-none", older = args.older, newer = args.newer)
            )?;
        }
        for d in &changes {
            let mut parts = Vec::new();
            for (n, what, bytes) in [
                (d.added.len(), "diff-added", d.bytes_added),
                (d.removed.len(), "diff-removed", d.bytes_removed),
                (d.changed.len(), "diff-changed", d.bytes_changed),
            ] {
                if n > 0 {
                    parts.push(tr!(m, what, count = n, size = m.bytes(bytes)));
                }
            }
            writeln!(
                out,
                "{}",
                tr!(
                    m,
                    "diff-domain",
                    domain = d.app.as_deref().unwrap_or(&d.domain),
                    changes = parts.join(", ")
                )
            )?;
        }
        Ok(())
    })
}

pub fn export(ctx: &Context, args: &ExportArgs, json: bool) -> anyhow::Result<()> {
    let m = ctx.messages();
    let progress = bar(m, 0, "export-progress");
    let password = args.at.backup_password(ctx)?;
    let exported = interchange::export(
        &args.at.location(ctx)?,
        &args.at.unlock(ctx)?,
        args.snapshot,
        &args.to,
        password.as_ref().map(Secret::expose),
        &mut |done, total| {
            progress.set_length(total);
            progress.set_position(done);
        },
    );
    progress.finish_and_clear();
    let exported = exported?;
    emit(json, &exported, |out| {
        writeln!(
            out,
            "{}",
            tr!(
                m,
                "export-done",
                snapshot = args.snapshot,
                count = exported.files,
                size = m.bytes(exported.bytes),
                folder = exported.folder.display().to_string()
            )
        )
    })
}

/// `keepsake convert`: an encrypted device's snapshots taken without its backup password kept
/// as their exact decryption, so they cost what an unencrypted backup costs.
pub fn convert(ctx: &Context, args: &ConvertArgs, json: bool) -> anyhow::Result<()> {
    let m = ctx.messages();
    let settings = keepsake_core::settings::load(ctx.dirs())?;
    let udid = settings
        .find_device(&args.device)
        .map_or_else(|| args.device.clone(), |d| d.udid.clone());
    let location = match &args.location {
        Some(l) => Location::new(keepsake_core::location::root_of(l)),
        None => keepsake_core::timeline::location_of(ctx.dirs(), &udid)?,
    };
    let repo = location.open_with(&args.secrets.unlock(ctx)?)?;
    let password = args.secrets.backup_password(m)?;
    let progress = bar(m, 0, "convert-progress");
    let converted = keepsake_core::converting::convert(
        &repo,
        &udid,
        password.as_ref().map(Secret::expose),
        &mut |done, total| {
            progress.set_length(total);
            progress.set_position(done);
        },
    );
    progress.finish_and_clear();
    let converted = converted?;
    emit(json, &converted, |out| {
        let root = location.root().display().to_string();
        if converted.versions_converted == 0 {
            writeln!(
                out,
                "{}",
                tr!(
                    m,
                    "convert-nothing",
                    device = udid.as_str(),
                    count = converted.snapshots,
                    location = root.as_str()
                )
            )?;
        } else {
            writeln!(
                out,
                "{}",
                tr!(
                    m,
                    "convert-done",
                    files = converted.versions_converted,
                    size = m.bytes(converted.bytes_converted),
                    device = udid.as_str(),
                    snapshots = converted.snapshots_opened,
                    location = root.as_str(),
                    after = m.bytes(converted.stored_after),
                    before = m.bytes(converted.stored_before)
                )
            )?;
        }
        for (why, count) in &converted.left_as_sent {
            let line = tr!(
                m,
                "convert-left-as-sent",
                count = *count,
                why = why.to_string()
            );
            writeln!(out, "  {line}")?;
        }
        if converted.snapshots_opened < converted.snapshots {
            let line = tr!(
                m,
                "convert-not-opened",
                count = converted.snapshots - converted.snapshots_opened
            );
            writeln!(out, "  {line}")?;
        }
        Ok(())
    })
}

pub fn import(ctx: &Context, args: &ImportArgs, json: bool) -> anyhow::Result<()> {
    let m = ctx.messages();
    let progress = bar(m, 0, "import-progress");
    let imported = interchange::import(
        ctx,
        &args.at.location(ctx)?,
        &args.at.unlock(ctx)?,
        &args.folder,
        &mut |done, total| {
            progress.set_length(total);
            progress.set_position(done);
        },
    );
    progress.finish_and_clear();
    let imported = imported?;
    emit(json, &imported, |out| {
        if let Some(key) = &imported.recovery_key {
            writeln!(out, "{}\n\n    {key}\n", tr!(m, "import-recovery-key"))?;
        }
        writeln!(
            out,
            "{}",
            tr!(
                m,
                "import-done",
                folder = args.folder.display().to_string(),
                snapshot = imported.snapshot.id,
                device = imported.udid.as_str(),
                count = imported.files,
                size = m.bytes(imported.snapshot.added_bytes)
            )
        )
    })
}

pub fn restore(ctx: &Context, args: &RestoreArgs, json: bool) -> anyhow::Result<()> {
    let m = ctx.messages();
    let location = args.at.location(ctx)?;
    let password = args.at.backup_password(ctx)?;
    let what = tr!(m, "restore-progress");
    let progress = ProgressBar::new(100).with_style(
        ProgressStyle::with_template(&format!("{what:12} [{{bar:30}}] {{pos:>3}}%"))
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let done = runtime.block_on(interchange::restore_to_device(
        ctx,
        &location,
        &args.at.unlock(ctx)?,
        args.snapshot,
        args.device.as_deref(),
        args.yes,
        password.as_ref().map(Secret::expose),
        |percent| progress.set_position(percent.clamp(0.0, 100.0) as u64),
    ));
    progress.finish_and_clear();
    let done = done?;
    emit(json, &done, |out| {
        writeln!(
            out,
            "{}",
            tr!(
                m,
                "restore-done",
                snapshot = done.snapshot,
                device = done.device.as_str(),
                count = done.files
            )
        )
    })
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    at: Where,
}

/// `keepsake verify`: a progress bar with bytes and time left, then what it found.
pub fn verify(ctx: &Context, args: &VerifyArgs, json: bool) -> anyhow::Result<()> {
    let m = ctx.messages();
    let location = args.at.location(ctx)?;
    let what = tr!(m, "verify-progress");
    let left = tr!(m, "progress-time-left", time = "{eta}");
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(&format!(
            "{what:12} [{{bar:30}}] {{bytes}}/{{total_bytes}} {{binary_bytes_per_sec}} {left}"
        ))
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    if json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let v = keepsake_core::verification::verify(
        ctx,
        &location,
        &args.at.unlock(ctx)?,
        &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )?;
    bar.finish_and_clear();
    emit(json, &v, |out| {
        writeln!(out, "{}", keepsake_core::verification::summary(&v))?;
        for f in &v.affected {
            let ids: Vec<String> = f.snapshots.iter().map(|s| format!("#{s}")).collect();
            let line = tr!(
                m,
                "verify-affected",
                device = f.device.as_str(),
                path = f.path.as_str(),
                snapshots = ids.join(", ")
            );
            writeln!(out, "  {line}")?;
        }
        for p in v.problems.iter().take(20) {
            writeln!(out, "  {p}")?;
        }
        Ok(())
    })?;
    if !v.ok {
        anyhow::bail!(tr!(
            m,
            "verify-damage-found",
            location = v.location.display().to_string()
        ));
    }
    Ok(())
}
