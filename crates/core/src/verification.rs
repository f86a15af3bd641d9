//! Verifying a location: every snapshot it holds read back and checked (the store's `check`:
//! the catalog, every chunk, every pack), the result kept in the history of each device backed
//! up there, so the app can say when its backups were last found intact. Automatic: after each
//! backup, what it wrote and a share of the rest ([`verify_after_backup`]); weekly, all of it
//! ([`verify_due`], which the agent runs).

use std::path::PathBuf;

use keepsake_store::commands::check::{self, CheckReport, Scope};
use serde::Serialize;

use crate::context::Context;
use crate::error::{CoreError, Result};
use crate::history::{update_history, Verified};
use crate::location::{Location, Unlock};

/// What a verification found, as the person is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub location: PathBuf,
    /// Unix seconds.
    pub at: i64,
    pub ok: bool,
    /// Only a sample was read: what the backup before wrote, and a share of the rest.
    pub sampled: bool,
    pub chunks_checked: u64,
    pub bytes_checked: u64,
    /// What is wrong, in words: catalog and pack problems, damaged chunks.
    pub problems: Vec<String>,
    /// Files that cannot be restored whole, with the snapshots that hold them.
    pub affected: Vec<check::AffectedFile>,
    /// The devices with snapshots there (their history records this verification).
    pub devices: Vec<String>,
}

/// Verifies every snapshot at `location` (opened with this computer's key, else `unlock`'s
/// secrets). `progress` is told the bytes read so far and the total to read. Reading only:
/// nothing at the location changes.
pub fn verify(
    ctx: &Context,
    location: &Location,
    unlock: &Unlock,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Verification> {
    let repo = location.open_with(unlock)?;
    verify_repo(ctx, location, &repo, Scope::All, progress)
}

/// Share of the older chunks a verification after a backup reads too (on top of everything the
/// backup wrote): 2% a backup, so a month of daily backups reads about half of it between the
/// weekly full verifications.
pub const SAMPLE_PERMILLE: u32 = 20;

/// How often the agent verifies a location whole.
pub const FULL_EVERY_SECONDS: i64 = 7 * 86_400;

/// After a backup: reads back what it wrote (every file version that began in `snapshot`) and
/// a random share of the rest ([`SAMPLE_PERMILLE`]), and checks the whole catalog.
pub fn verify_after_backup(
    ctx: &Context,
    location: &Location,
    unlock: &Unlock,
    snapshot: i64,
) -> Result<Verification> {
    let repo = location.open_with(unlock)?;
    let scope = Scope::Sample {
        snapshot,
        permille: SAMPLE_PERMILLE,
        seed: ctx.now() as u64,
    };
    verify_repo(ctx, location, &repo, scope, &mut |_, _| {})
}

/// The locations of `devices` that were not verified whole for [`FULL_EVERY_SECONDS`] (or
/// ever), and are present: each verified now, one after the other. A location this computer
/// cannot open without a password is left for the person's "Verify". Returns what was done.
pub fn verify_due(ctx: &Context) -> Result<Vec<Result<Verification>>> {
    let settings = crate::settings::load(ctx.dirs())?;
    let history = crate::history::history(ctx.dirs())?;
    let now = ctx.now();
    let mut due: Vec<PathBuf> = Vec::new();
    for device in settings.devices.values() {
        let Some(location) = settings.location_of(device) else {
            continue;
        };
        let h = history.devices.get(&device.udid);
        // Only devices with a backup there: a location with nothing to verify waits.
        if h.and_then(|h| h.last_success).is_none() || !location.is_dir() {
            continue;
        }
        let last = h.and_then(|h| h.last_full_verification.as_ref().map(|v| v.at));
        if last.is_none_or(|at| now - at >= FULL_EVERY_SECONDS) && !due.contains(&location) {
            due.push(location);
        }
    }
    Ok(due
        .into_iter()
        .map(|location| {
            let location = Location::new(location);
            let result = verify(ctx, &location, &Unlock::new(), &mut |_, _| {});
            if let Err(e) = &result {
                tracing::warn!(location = %location.root().display(), error = %e, "weekly verification not made");
            }
            result
        })
        .collect())
}

fn verify_repo(
    ctx: &Context,
    location: &Location,
    repo: &keepsake_store::Repository,
    scope: Scope,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Verification> {
    let total = match scope {
        Scope::All => keepsake_store::commands::stats::stats(repo)
            .map(|s| s.newest_stored_bytes + s.snapshot_overhead_bytes)
            .unwrap_or(0),
        Scope::Sample { .. } => 0,
    };
    let mut done = 0u64;
    let report: CheckReport = check::check_scope(repo, scope, &mut |n| {
        done += n;
        progress(done, total.max(done));
    })
    .map_err(|e| CoreError::Store(e.to_string()))?;
    let devices: Vec<String> = keepsake_store::commands::list::snapshots(repo)
        .map(|s| {
            let mut d: Vec<String> = s.into_iter().map(|s| s.device).collect();
            d.sort();
            d.dedup();
            d
        })
        .unwrap_or_default();
    let mut problems: Vec<String> = report
        .catalog_problems
        .iter()
        .chain(&report.pack_problems)
        .cloned()
        .collect();
    problems.extend(
        report
            .damaged_chunks
            .iter()
            .map(|c| format!("chunk {} in pack {}: {}", c.chunk, c.pack, c.fault)),
    );
    let verification = Verification {
        location: location.root().to_owned(),
        at: ctx.now(),
        ok: report.is_ok(),
        sampled: report.sampled,
        chunks_checked: report.chunks_checked,
        bytes_checked: report.bytes_checked,
        problems,
        affected: report.affected_files.clone(),
        devices,
    };
    if verification.ok {
        tracing::info!(location = %verification.location.display(), chunks = verification.chunks_checked, sampled = verification.sampled, "verified: intact");
    } else {
        tracing::warn!(location = %verification.location.display(), problems = verification.problems.len(), "verified: damage found");
    }
    let verified = Verified {
        at: verification.at,
        ok: verification.ok,
        summary: summary(&verification),
        sampled: verification.sampled,
    };
    update_history(ctx.dirs(), |h| {
        for udid in &verification.devices {
            let d = h.devices.entry(udid.clone()).or_default();
            d.last_verification = Some(verified.clone());
            if !verified.sampled {
                d.last_full_verification = Some(verified.clone());
            }
        }
    })?;
    Ok(verification)
}

/// One sentence for the history and the device's row, in the process's language.
pub fn summary(v: &Verification) -> String {
    use keepsake_i18n::say;
    let location = v.location.display();
    let bytes = keepsake_i18n::process().bytes(v.bytes_checked);
    if v.ok && v.sampled {
        say(
            "verify-summary-sampled",
            &[("bytes", &bytes), ("location", &location)],
        )
    } else if v.ok {
        say(
            "verify-summary-all",
            &[("bytes", &bytes), ("location", &location)],
        )
    } else if v.affected.is_empty() {
        say(
            "verify-summary-problems",
            &[("count", &v.problems.len()), ("location", &location)],
        )
    } else {
        let mut files: Vec<&str> = v.affected.iter().take(3).map(|f| f.path.as_str()).collect();
        if v.affected.len() > 3 {
            files.push("…");
        }
        say(
            "verify-summary-damaged",
            &[
                ("count", &v.affected.len()),
                ("location", &location),
                ("files", &files.join(", ")),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dirs::AppDirs;
    use keepsake_device::Usbmuxd;
    use keepsake_store::FileMeta;

    #[test]
    fn a_location_verifies_intact_then_names_the_file_a_damaged_pack_holds() {
        let dir = tempfile::tempdir().unwrap();
        let usbmuxd = Usbmuxd::parse("127.0.0.1:1").unwrap();
        let ctx = Context::new(
            AppDirs::at(dir.path().join("config")),
            usbmuxd,
            crate::ManualClock::new(1_800_000_000),
        );
        let disk = dir.path().join("disk");
        std::fs::create_dir_all(&disk).unwrap();
        let location = Location::new(&disk);
        let (repo, _key) = location.create("test computer", Some("pw")).unwrap();
        let id = repo.config().id.clone();
        let mut w = repo.begin_snapshot("U1").unwrap();
        let meta = FileMeta {
            mode: 0o100644,
            mtime_ns: 1,
            inode: 0,
        };
        let photo: Vec<u8> = (0..200_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        w.put_file("CameraRollDomain/Media/DCIM/IMG_1.HEIC", meta, &photo[..])
            .unwrap();
        w.commit().unwrap();
        drop(repo);
        let unlock = Unlock::new().with(Some("pw"));
        let mut seen = Vec::new();
        let v = verify(&ctx, &location, &unlock, &mut |b, t| seen.push((b, t))).unwrap();
        assert!(v.ok, "{v:?}");
        assert_eq!(v.devices, ["U1"]);
        assert!(
            seen.last()
                .is_some_and(|(b, t)| b == t && *b == v.bytes_checked),
            "{seen:?}"
        );
        let h = crate::history::history(ctx.dirs()).unwrap();
        let last = h.devices["U1"].last_verification.clone().unwrap();
        assert!(last.ok && last.at == 1_800_000_000, "{last:?}");

        // a byte of the photo's pack changes on the disk
        let packs = location.repository_path().join("packs");
        let mut biggest = (PathBuf::new(), 0);
        for sub in std::fs::read_dir(&packs).unwrap().flatten() {
            for f in std::fs::read_dir(sub.path()).unwrap().flatten() {
                let len = f.metadata().unwrap().len();
                if len > biggest.1 {
                    biggest = (f.path(), len);
                }
            }
        }
        let mut bytes = std::fs::read(&biggest.0).unwrap();
        bytes[1000] ^= 0x40;
        std::fs::write(&biggest.0, &bytes).unwrap();
        let v = verify(&ctx, &location, &unlock, &mut |_, _| {}).unwrap();
        assert!(!v.ok);
        assert_eq!(v.affected.len(), 1, "{v:?}");
        assert_eq!(v.affected[0].path, "CameraRollDomain/Media/DCIM/IMG_1.HEIC");
        let said = summary(&v);
        assert!(
            said.contains("IMG_1.HEIC") && said.contains("cannot be restored whole"),
            "{said}"
        );
        let h = crate::history::history(ctx.dirs()).unwrap();
        assert!(!h.devices["U1"].last_verification.as_ref().unwrap().ok);
        let _ = crate::secrets::Secrets.forget(crate::secrets::SecretKind::StoreKey, &id);
    }
}
