//! Moving a device's snapshots to another location: each snapshot is copied, oldest first, with
//! its time, pins and files (only what changed since the previous one is read), the copies are
//! verified (same files, sizes and modes; the new repository's data checked), and only then are
//! the old ones deleted and the device's location changed.
//!
//! The store has no copy between repositories yet, so files travel decrypted through a pipe
//! from a reader thread that owns the old repository; a store-level copy of encrypted chunks
//! would spare that work.

use keepsake_i18n::say;
use std::io::PipeWriter;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use keepsake_store::{FileInfo, FileMeta, Repository, SnapshotInfo};
use serde::Serialize;

use crate::context::Context;
use crate::error::{CoreError, Result};
use crate::location::Location;
use crate::pins::{pin, pins};
use crate::settings;

/// How a move is going.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum MoveProgress {
    /// Copying snapshot `index` (from 1) of `total`.
    Copying {
        index: usize,
        total: usize,
        bytes_copied: u64,
    },
    Verifying,
    RemovingOld,
}

/// A finished move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoveReport {
    pub udid: String,
    pub from: PathBuf,
    pub to: PathBuf,
    /// (old id, new id) of each snapshot, oldest first.
    pub snapshots: Vec<(i64, i64)>,
    pub bytes_copied: u64,
    /// The old snapshots were kept (a copy, not a move).
    pub kept_old: bool,
}

/// `udid`'s snapshots in `repo`, oldest first.
fn snapshots_of(repo: &Repository, udid: &str) -> Result<Vec<SnapshotInfo>> {
    let mut list: Vec<SnapshotInfo> = keepsake_store::commands::list::snapshots(repo)?
        .into_iter()
        .filter(|s| s.device == udid)
        .collect();
    list.sort_by_key(|s| s.seq);
    Ok(list)
}

/// A file of the old repository to stream into a pipe.
struct ReadRequest {
    snapshot: i64,
    path: String,
    into: PipeWriter,
    done: mpsc::Sender<keepsake_store::Result<u64>>,
}

/// What [`copy_snapshots`] did, and the old repository back.
pub struct Copied {
    /// (old id, new id), oldest first.
    pub pairs: Vec<(i64, i64)>,
    /// Bytes read from the old repository (unchanged files are not read again).
    pub bytes_copied: u64,
    pub source: Repository,
}

/// Copies every snapshot of `udid` from `source` into `target`, oldest first, keeping their
/// times. `target` must hold no snapshot of `udid` yet, or only copies an interrupted copy
/// made (the first ones, the same files at the same times): those are kept, the rest copied.
pub fn copy_snapshots(
    source: Repository,
    target: &Repository,
    udid: &str,
    mut progress: impl FnMut(MoveProgress),
) -> Result<Copied> {
    let snapshots = snapshots_of(&source, udid)?;
    let listings: Vec<Vec<FileInfo>> = snapshots
        .iter()
        .map(|s| keepsake_store::commands::list::files(&source, s.id).map_err(CoreError::from))
        .collect::<Result<_>>()?;
    // Copies an interrupted move made are kept: they must be the first snapshots, in order.
    let done = snapshots_of(target, udid)?;
    let mut copied = Vec::new();
    for (i, have) in done.iter().enumerate() {
        let same = snapshots.get(i).is_some_and(|s| s.time == have.time)
            && keepsake_store::commands::list::files(target, have.id)? == listings[i];
        if !same {
            return Err(CoreError::Store(say(
                "core-move-target-has-history",
                &[("location", &target.path().display()), ("device", &udid)],
            )));
        }
        copied.push((snapshots[i].id, have.id));
    }

    let (requests, serve) = mpsc::channel::<ReadRequest>();
    let reader = std::thread::Builder::new()
        .name("snapshot-reader".into())
        .spawn(move || {
            for mut r in serve {
                let result = keepsake_store::commands::restore::cat(
                    &source,
                    r.snapshot,
                    &r.path,
                    &mut r.into,
                );
                drop(r.into); // the pipe ends here for the writer
                let _ = r.done.send(result);
            }
            source
        })
        .expect("spawning a thread");

    let mut bytes_copied = 0u64;
    let result = (|| -> Result<()> {
        let resume = copied.len();
        for (index, (snap, files)) in snapshots.iter().zip(&listings).enumerate().skip(resume) {
            let mut writer = target.begin_snapshot(udid)?;
            writer.set_time(snap.time);
            let wanted: std::collections::BTreeSet<&str> =
                files.iter().map(|f| f.path.as_str()).collect();
            for old in writer.base_paths()? {
                if !wanted.contains(old.as_str()) {
                    writer.remove(&old)?;
                }
            }
            for f in files {
                let meta = FileMeta {
                    mode: f.mode,
                    mtime_ns: f.mtime_ns,
                    inode: 0,
                };
                let unchanged = writer.base_file(&f.path)?.is_some_and(|b| {
                    b.size == f.size && b.meta.mode == f.mode && b.meta.mtime_ns == f.mtime_ns
                });
                if unchanged {
                    continue;
                }
                let (from, into) = std::io::pipe().map_err(|source| CoreError::Io {
                    path: target.path().to_path_buf(),
                    source,
                })?;
                let (done, finished) = mpsc::channel();
                requests
                    .send(ReadRequest {
                        snapshot: snap.id,
                        path: f.path.clone(),
                        into,
                        done,
                    })
                    .map_err(|_| CoreError::Store("the snapshot reader stopped".into()))?;
                let put = writer.put_file(&f.path, meta, from);
                let read = finished
                    .recv()
                    .map_err(|_| CoreError::Store("the snapshot reader stopped".into()))?;
                read?;
                put?;
                bytes_copied += f.size;
                progress(MoveProgress::Copying {
                    index: index + 1,
                    total: snapshots.len(),
                    bytes_copied,
                });
            }
            let new = writer.commit()?;
            copied.push((snap.id, new.id));
        }
        Ok(())
    })();
    drop(requests);
    let source = reader
        .join()
        .map_err(|_| CoreError::Store("the snapshot reader failed".into()))?;
    result?;
    Ok(Copied {
        pairs: copied,
        bytes_copied,
        source,
    })
}

/// Checks that each copy lists the same files as its original, and that the new repository's
/// data reads back intact.
pub fn verify_copies(source: &Repository, target: &Repository, pairs: &[(i64, i64)]) -> Result<()> {
    let shape = |repo: &Repository, id: i64| -> Result<Vec<(String, u64, u32, i64)>> {
        Ok(keepsake_store::commands::list::files(repo, id)?
            .into_iter()
            .map(|f| (f.path, f.size, f.mode, f.mtime_ns))
            .collect())
    };
    for &(old, new) in pairs {
        if shape(source, old)? != shape(target, new)? {
            return Err(CoreError::Store(say(
                "core-move-copy-differs",
                &[("snapshot", &old)],
            )));
        }
    }
    let report = keepsake_store::commands::check::check(target, &mut |_| {})?;
    if !report.catalog_problems.is_empty() || !report.damaged_chunks.is_empty() {
        return Err(CoreError::Store(say(
            "core-move-copy-damaged",
            &[
                ("location", &target.path().display()),
                ("problems", &report.catalog_problems.len()),
                ("chunks", &report.damaged_chunks.len()),
            ],
        )));
    }
    Ok(())
}

/// Moves (or with `keep_old`, copies) `udid`'s snapshots from its current location to `to`,
/// then makes `to` its location. Nothing old is deleted before every copy is verified.
pub fn move_device(
    ctx: &Context,
    udid: &str,
    to: &Path,
    keep_old: bool,
    passwords: (Option<&str>, Option<&str>),
    mut progress: impl FnMut(MoveProgress),
) -> Result<MoveReport> {
    let to = Location::new(to).root().to_path_buf();
    let settings = settings::load(ctx.dirs())?;
    let device = settings
        .device(udid)
        .cloned()
        .ok_or_else(|| CoreError::NoSuchDevice {
            wanted: udid.to_owned(),
            available: settings
                .devices
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let from = settings
        .location_of(&device)
        .ok_or_else(|| CoreError::NoLocation {
            device: device.display_name().to_owned(),
        })?;
    if from == to {
        if let Some(old) = device.moved_from.clone() {
            let _job = crate::jobs::DeviceJob::claim(ctx.dirs(), udid, device.display_name())?;
            return finish_move(ctx, udid, &old, &to, passwords.0);
        }
        return Err(CoreError::Store(say(
            "core-move-already-there",
            &[
                ("device", &device.display_name()),
                ("location", &to.display()),
            ],
        )));
    }
    for location in [&from, &to] {
        if !location.is_dir() {
            return Err(CoreError::LocationMissing {
                location: location.clone(),
            });
        }
    }
    // The device must not be backed up while its history moves.
    let _job = crate::jobs::DeviceJob::claim(ctx.dirs(), udid, device.display_name())?;
    let source = Location::new(&from).open(passwords.0)?;
    let (target, _) =
        Location::new(&to).open_or_create(ctx.host_name(), &ctx.unlock(), passwords.1)?;
    let old_pins = pins(&source)?;
    let Copied {
        pairs,
        bytes_copied,
        source,
    } = copy_snapshots(source, &target, udid, &mut progress)?;
    progress(MoveProgress::Verifying);
    verify_copies(&source, &target, &pairs)?;
    for p in old_pins.iter().filter(|p| p.device == udid) {
        if let Some(&(_, new)) = pairs.iter().find(|(old, _)| *old == p.snapshot) {
            pin(&target, new, p.note.as_deref())?;
        }
    }
    // One settings write switches the device to its new location and records what is left to
    // remove, so that a move interrupted from here on is finished by the next one.
    let leftover = !keep_old && !pairs.is_empty();
    settings::update(ctx.dirs(), |s| {
        s.add_location(&to);
        let d = s.device_mut(udid, "", "");
        d.location = Some(to.clone());
        d.moved_from = leftover.then(|| from.clone());
        Ok(())
    })?;
    if leftover {
        progress(MoveProgress::RemovingOld);
        remove_moved(&source, udid)?;
        settings::update(ctx.dirs(), |s| {
            s.device_mut(udid, "", "").moved_from = None;
            Ok(())
        })?;
    }
    tracing::info!(udid, from = %from.display(), to = %to.display(), snapshots = pairs.len(), "device moved");
    Ok(MoveReport {
        udid: udid.to_owned(),
        from: Location::new(&from).repository_path(),
        to: Location::new(&to).repository_path(),
        snapshots: pairs,
        bytes_copied,
        kept_old: keep_old,
    })
}

/// Removes `udid`'s snapshots (all verified copies) from the location it moved away from, and
/// their pins.
fn remove_moved(source: &Repository, udid: &str) -> Result<()> {
    let old: Vec<i64> = keepsake_store::commands::list::snapshots(source)?
        .into_iter()
        .filter(|s| s.device == udid)
        .map(|s| s.id)
        .collect();
    // Their pins first: the store refuses to delete a pinned snapshot. Each has its verified
    // copy, pinned, at the new location.
    for p in pins(source)?.iter().filter(|p| p.device == udid) {
        crate::pins::unpin(source, p.snapshot)?;
    }
    keepsake_store::commands::forget::forget(source, &old)?;
    keepsake_store::commands::gc::gc(source, &keepsake_store::commands::gc::GcOptions::default())?;
    Ok(())
}

/// Finishes a move interrupted after its copies were verified and the device switched to `to`:
/// the copies are checked once more, then the old snapshots removed.
fn finish_move(
    ctx: &Context,
    udid: &str,
    old: &Path,
    to: &Path,
    password: Option<&str>,
) -> Result<MoveReport> {
    let source = Location::new(old).open(password)?;
    let target = Location::new(to).open(None)?;
    let (left, copies) = (snapshots_of(&source, udid)?, snapshots_of(&target, udid)?);
    // Every snapshot was copied, in order, before the device switched: the copies are the
    // same number, oldest first, at the same times.
    if left.len() > copies.len() || left.iter().zip(&copies).any(|(s, c)| s.time != c.time) {
        return Err(CoreError::Store(say(
            "core-move-left-uncopied",
            &[
                ("old", &old.display()),
                ("device", &udid),
                ("location", &to.display()),
            ],
        )));
    }
    let pairs: Vec<(i64, i64)> = left
        .iter()
        .zip(&copies)
        .map(|(s, c)| (s.id, c.id))
        .collect();
    if !pairs.is_empty() {
        verify_copies(&source, &target, &pairs)?;
    }
    // Also when nothing is left to forget: the interrupted part may be the gc.
    remove_moved(&source, udid)?;
    settings::update(ctx.dirs(), |s| {
        s.device_mut(udid, "", "").moved_from = None;
        Ok(())
    })?;
    tracing::info!(udid, from = %old.display(), to = %to.display(), "interrupted move finished");
    Ok(MoveReport {
        udid: udid.to_owned(),
        from: Location::new(old).repository_path(),
        to: Location::new(to).repository_path(),
        snapshots: pairs,
        bytes_copied: 0,
        kept_old: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dirs::AppDirs;

    fn ctx(dirs: &AppDirs) -> Context {
        let nowhere = keepsake_device::Usbmuxd::parse("127.0.0.1:1").unwrap();
        Context::new(dirs.clone(), nowhere, crate::clock::SystemClock)
    }
    use keepsake_store::InitOptions;

    fn snapshot(repo: &Repository, udid: &str, files: &[(&str, &[u8], i64)], time: i64) -> i64 {
        let mut w = repo.begin_snapshot(udid).unwrap();
        w.set_time(time);
        let keep: Vec<&str> = files.iter().map(|f| f.0).collect();
        for old in w.base_paths().unwrap() {
            if !keep.contains(&old.as_str()) {
                w.remove(&old).unwrap();
            }
        }
        for (path, data, mtime) in files {
            let meta = FileMeta {
                mode: 0o100644,
                mtime_ns: *mtime,
                inode: 0,
            };
            w.put_file(path, meta, *data).unwrap();
        }
        w.commit().unwrap().id
    }

    #[test]
    fn a_devices_snapshots_move_with_their_times_and_pins_and_the_old_ones_go_after() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(dir.path().join("config"));
        let (old_disk, new_disk) = (dir.path().join("old"), dir.path().join("new"));
        let old_repo = Repository::init(
            &old_disk.join(crate::location::BACKUPS_FOLDER),
            &InitOptions::unencrypted(),
        )
        .unwrap();
        Repository::init(
            &new_disk.join(crate::location::BACKUPS_FOLDER),
            &InitOptions::unencrypted(),
        )
        .unwrap();
        let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let a = snapshot(
            &old_repo,
            "U1",
            &[("photo", &big, 1), ("notes", b"v1", 1)],
            1000,
        );
        snapshot(&old_repo, "OTHER", &[("x", b"other device", 1)], 1500);
        let b = snapshot(
            &old_repo,
            "U1",
            &[("photo", &big, 1), ("notes", b"v2!", 2)],
            2000,
        );
        let c = snapshot(&old_repo, "U1", &[("notes", b"v3", 3)], 3000);
        pin(&old_repo, a, Some("before iOS 19")).unwrap();
        drop(old_repo);
        settings::add_location(&dirs, &old_disk).unwrap();
        settings::update(&dirs, |s| {
            s.device_mut("U1", "Ada", "");
            Ok(())
        })
        .unwrap();

        let mut steps = vec![];
        let report = move_device(&ctx(&dirs), "U1", &new_disk, false, (None, None), |p| {
            steps.push(p)
        })
        .unwrap();
        assert_eq!(report.snapshots.len(), 3);
        assert!(steps.contains(&MoveProgress::Verifying));
        assert!(matches!(steps.last(), Some(MoveProgress::RemovingOld)));
        // the unchanged photo was read once, not three times
        assert_eq!(report.bytes_copied, 300_000 + 2 + 3 + 2);

        let new_repo = Location::new(&new_disk).open(None).unwrap();
        let moved = keepsake_store::commands::list::snapshots(&new_repo).unwrap();
        assert_eq!(
            moved.iter().map(|s| s.time).collect::<Vec<_>>(),
            vec![1000, 2000, 3000]
        );
        let mut notes = vec![];
        keepsake_store::commands::restore::cat(&new_repo, moved[1].id, "notes", &mut notes)
            .unwrap();
        assert_eq!(notes, b"v2!");
        let mut photo = vec![];
        keepsake_store::commands::restore::cat(&new_repo, moved[1].id, "photo", &mut photo)
            .unwrap();
        assert_eq!(photo, big);
        assert!(
            keepsake_store::commands::list::files(&new_repo, moved[2].id)
                .unwrap()
                .iter()
                .all(|f| f.path == "notes")
        );
        let new_pins = pins(&new_repo).unwrap();
        assert_eq!(new_pins.len(), 1);
        assert_eq!(new_pins[0].snapshot, moved[0].id);

        // the old location keeps only the other device's snapshot
        let old_repo = Location::new(&old_disk).open(None).unwrap();
        let left = keepsake_store::commands::list::snapshots(&old_repo).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].device, "OTHER");
        assert!(pins(&old_repo).unwrap().is_empty());
        assert!(![a, b, c].contains(&left[0].id));
        assert_eq!(
            settings::load(&dirs).unwrap().devices["U1"].location,
            Some(new_disk.clone())
        );

        // moving again onto a location that has its history is refused, nothing lost
        settings::update(&dirs, |s| {
            s.device_mut("U1", "", "").location = Some(old_disk.clone());
            Ok(())
        })
        .unwrap();
        let err =
            move_device(&ctx(&dirs), "U1", &new_disk, true, (None, None), |_| {}).unwrap_err();
        assert!(err.to_string().contains("already holds snapshots"), "{err}");
    }

    #[test]
    fn a_move_to_a_missing_location_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(dir.path().join("config"));
        let old_disk = dir.path().join("old");
        std::fs::create_dir_all(&old_disk).unwrap();
        settings::add_location(&dirs, &old_disk).unwrap();
        settings::update(&dirs, |s| {
            s.device_mut("U1", "Ada", "");
            Ok(())
        })
        .unwrap();
        let err = move_device(
            &ctx(&dirs),
            "U1",
            &dir.path().join("unplugged"),
            false,
            (None, None),
            |_| {},
        )
        .unwrap_err();
        assert!(matches!(err, CoreError::LocationMissing { .. }), "{err}");
    }
}
