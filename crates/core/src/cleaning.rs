//! Carrying the cleaning policy out on a location's repository: what each of a device's
//! snapshots costs and whether it is pinned, deleting snapshots (forget, then gc reclaims the
//! space), the policy's run after each backup and the answer to its "ask first" question.
//! [`crate::cleaning_policy`] decides; this module gathers the facts and acts.

use keepsake_i18n::say;
use std::path::{Path, PathBuf};

use keepsake_store::Repository;
use serde::{Deserialize, Serialize};

use crate::cleaning_policy::{
    decide, CleaningPolicy, CleaningReason, CleaningRequest, Decision, SnapshotFacts, Space,
};
use crate::dirs::AppDirs;
use crate::error::{CoreError, Result};
use crate::history::{history, update_history, PendingCleaning};
use crate::location::{Location, Unlock, BACKUPS_FOLDER};
use crate::pins::pins;
use crate::settings::DeviceSettings;

/// A device's snapshots in one repository, as the policy needs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSnapshots {
    pub udid: String,
    /// Oldest first.
    pub snapshots: Vec<SnapshotFacts>,
    pub space: Space,
    /// False when the repository holds other devices too: the device's share of the space is
    /// then estimated (see [`device_snapshots`]).
    pub space_exact: bool,
}

/// The snapshots of `udid` in `repo`, with what each frees and the device's space.
///
/// The store accounts space per repository. With one device in it that is the device's; with
/// several, the device's original is its share of the repository's (by logical size) and its
/// overhead is the sum of what each of its older snapshots alone frees: a lower bound, so the
/// policy never deletes more than it should.
pub fn device_snapshots(repo: &Repository, udid: &str) -> Result<DeviceSnapshots> {
    let stats = keepsake_store::commands::stats::stats(repo)?;
    let pins = pins(repo)?;
    let mut mine: Vec<_> = stats
        .snapshots
        .iter()
        .filter(|s| s.info.device == udid)
        .collect();
    mine.sort_by_key(|s| (s.info.time, s.info.seq));
    let snapshots: Vec<SnapshotFacts> = mine
        .iter()
        .map(|s| SnapshotFacts {
            id: s.info.id,
            time: s.info.time,
            bytes: s.info.bytes,
            frees_bytes: s.frees_bytes,
            pinned: pins.iter().any(|p| p.holds(&s.info)),
        })
        .collect();
    let alone = stats.snapshots.iter().all(|s| s.info.device == udid);
    let space = if alone {
        Space {
            newest_bytes: stats.newest_stored_bytes,
            overhead_bytes: stats.snapshot_overhead_bytes,
        }
    } else {
        let logical: u64 = stats.devices.iter().map(|d| d.bytes).sum();
        let own = stats
            .devices
            .iter()
            .find(|d| d.device == udid)
            .map_or(0, |d| d.bytes);
        let share = if logical == 0 {
            0
        } else {
            (u128::from(stats.newest_stored_bytes) * u128::from(own) / u128::from(logical)) as u64
        };
        Space {
            newest_bytes: share,
            overhead_bytes: snapshots
                .split_last()
                .map_or(0, |(_, older)| older.iter().map(|s| s.frees_bytes).sum()),
        }
    };
    Ok(DeviceSnapshots {
        udid: udid.to_owned(),
        snapshots,
        space,
        space_exact: alone,
    })
}

/// Where snapshots are kept, as cleaning sees it: the real repositories, or a fake in tests.
pub trait SnapshotStore {
    /// The device's snapshots at `location`.
    fn snapshots(&self, location: &Path, udid: &str) -> Result<DeviceSnapshots>;
    /// Deletes snapshots (the catalog forgets them; the space comes back with `reclaim`).
    fn delete(&self, location: &Path, ids: &[i64]) -> Result<()>;
    /// Gives back the space of deleted snapshots; returns the bytes freed.
    fn reclaim(&self, location: &Path) -> Result<u64>;
}

impl<S: SnapshotStore + ?Sized> SnapshotStore for &S {
    fn snapshots(&self, location: &Path, udid: &str) -> Result<DeviceSnapshots> {
        (**self).snapshots(location, udid)
    }
    fn delete(&self, location: &Path, ids: &[i64]) -> Result<()> {
        (**self).delete(location, ids)
    }
    fn reclaim(&self, location: &Path) -> Result<u64> {
        (**self).reclaim(location)
    }
}

/// The repositories at real locations, opened with a password or this computer's key.
#[derive(Debug, Clone, Default)]
pub struct Repositories {
    /// What opens a repository this computer does not remember the key of.
    pub unlock: Unlock,
}

impl Repositories {
    fn open(&self, location: &Path) -> Result<Repository> {
        // Opening must never create a repository just to look at it.
        Location::new(location).open_with(&self.unlock)
    }
}

impl SnapshotStore for Repositories {
    fn snapshots(&self, location: &Path, udid: &str) -> Result<DeviceSnapshots> {
        device_snapshots(&self.open(location)?, udid)
    }

    fn delete(&self, location: &Path, ids: &[i64]) -> Result<()> {
        keepsake_store::commands::forget::forget(&self.open(location)?, ids)?;
        Ok(())
    }

    fn reclaim(&self, location: &Path) -> Result<u64> {
        let summary = keepsake_store::commands::gc::gc(
            &self.open(location)?,
            &keepsake_store::commands::gc::GcOptions::default(),
        )?;
        Ok(summary.bytes_before.saturating_sub(summary.bytes_after))
    }
}

/// What cleaning did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum CleaningOutcome {
    /// Nothing to delete.
    Kept,
    Deleted {
        snapshots: Vec<i64>,
        freed_bytes: u64,
    },
    /// "Ask me first": nothing was deleted; this is the question.
    Asked {
        location: PathBuf,
        request: CleaningRequest,
    },
}

/// Applies the policy to `udid`'s snapshots at `location`: deletes what it says to delete, or
/// returns the question to ask. Over budget, snapshots go one at a time, oldest first, with the
/// space measured again after each, so no more goes than the budget needs.
pub fn clean<S: SnapshotStore>(
    store: &S,
    location: &Path,
    udid: &str,
    policy: &CleaningPolicy,
    now: i64,
) -> Result<CleaningOutcome> {
    let mut deleted = Vec::new();
    loop {
        let facts = store.snapshots(location, udid)?;
        let request = match decide(policy, &facts.snapshots, facts.space, now) {
            Decision::Keep => break,
            Decision::Ask(request) if deleted.is_empty() => {
                return Ok(CleaningOutcome::Asked {
                    location: location.to_path_buf(),
                    request,
                })
            }
            Decision::Ask(_) => break,
            Decision::Delete(request) => request,
        };
        let ids = match request.reason {
            CleaningReason::SnapshotsOff => request.ids(),
            CleaningReason::OverBudget => vec![request.snapshots[0].id],
        };
        if ids.iter().any(|id| deleted.contains(id)) {
            break; // the store did not delete it: stop rather than loop
        }
        store.delete(location, &ids)?;
        deleted.extend(ids);
    }
    if deleted.is_empty() {
        return Ok(CleaningOutcome::Kept);
    }
    let freed_bytes = store.reclaim(location)?;
    tracing::info!(udid, ?deleted, freed_bytes, "old snapshots deleted");
    Ok(CleaningOutcome::Deleted {
        snapshots: deleted,
        freed_bytes,
    })
}

/// Deletes the snapshots a person agreed to delete (a cleaning request's answer). Each must still
/// be one of the device's, not its newest, and not pinned since the question was asked.
pub fn delete_snapshots<S: SnapshotStore>(
    store: &S,
    location: &Path,
    udid: &str,
    ids: &[i64],
) -> Result<CleaningOutcome> {
    let facts = store.snapshots(location, udid)?;
    let newest = facts.snapshots.last().map(|s| s.id);
    for &id in ids {
        match facts.snapshots.iter().find(|s| s.id == id) {
            None => {
                return Err(CoreError::NoSuchSnapshot {
                    snapshot: id,
                    repository: location.join(BACKUPS_FOLDER),
                })
            }
            Some(s) if s.pinned => return Err(CoreError::SnapshotPinned { snapshot: id }),
            Some(_) if Some(id) == newest => {
                return Err(CoreError::Store(say(
                    "core-cleaning-spares-newest",
                    &[("snapshot", &id), ("device", &udid)],
                )))
            }
            Some(_) => {}
        }
    }
    if ids.is_empty() {
        return Ok(CleaningOutcome::Kept);
    }
    store.delete(location, ids)?;
    let freed_bytes = store.reclaim(location)?;
    Ok(CleaningOutcome::Deleted {
        snapshots: ids.to_vec(),
        freed_bytes,
    })
}

/// Applies `udid`'s cleaning policy after a backup at `location`; with "ask first", the
/// request waits in the history for [`answer_cleaning`]. Call after every successful backup.
pub fn apply_policy<S: SnapshotStore>(
    dirs: &AppDirs,
    store: &S,
    device: &DeviceSettings,
    location: &Path,
    now: i64,
) -> Result<CleaningOutcome> {
    let outcome = clean(
        store,
        location,
        &device.udid,
        &CleaningPolicy::from(device),
        now,
    )?;
    let pending = match &outcome {
        CleaningOutcome::Asked { location, request } => Some(PendingCleaning {
            location: location.clone(),
            asked_at: now,
            request: request.clone(),
        }),
        _ => None,
    };
    update_history(dirs, |h| {
        h.devices
            .entry(device.udid.clone())
            .or_default()
            .pending_cleaning = pending;
    })?;
    Ok(outcome)
}

/// Answers `udid`'s pending cleaning request: yes deletes what it listed, no leaves everything
/// (the next backup asks again if the snapshots still take too much). `Ok(None)`: nothing pending.
pub fn answer_cleaning<S: SnapshotStore>(
    dirs: &AppDirs,
    store: &S,
    udid: &str,
    delete: bool,
) -> Result<Option<CleaningOutcome>> {
    let Some(pending) = history(dirs)?
        .devices
        .get(udid)
        .and_then(|d| d.pending_cleaning.clone())
    else {
        return Ok(None);
    };
    let outcome = if delete {
        // What changed since the question (a snapshot pinned or deleted meanwhile) is left out.
        let now = store.snapshots(&pending.location, udid)?;
        let newest = now.snapshots.last().map(|s| s.id);
        let ids: Vec<i64> = pending
            .request
            .ids()
            .into_iter()
            .filter(|id| {
                Some(*id) != newest && now.snapshots.iter().any(|s| s.id == *id && !s.pinned)
            })
            .collect();
        delete_snapshots(store, &pending.location, udid, &ids)?
    } else {
        CleaningOutcome::Kept
    };
    update_history(dirs, |h| {
        if let Some(d) = h.devices.get_mut(udid) {
            d.pending_cleaning = None;
        }
    })?;
    Ok(Some(outcome))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use super::*;
    use crate::pins::{pin, unpin};
    use crate::settings::RetentionAge;
    use keepsake_store::SnapshotInfo;

    const GB: u64 = 1_000_000_000;
    const DAY: i64 = 86_400;

    /// A repository in memory: each snapshot holds `unique` bytes no other one shares, and each
    /// pair of neighbours shares `shared` bytes (so deleting the oldest makes the next one's
    /// share its own, as in a real repository).
    /// (id, device, time, unique bytes, pinned)
    type Held = (i64, String, i64, u64, bool);

    #[derive(Default)]
    pub(crate) struct FakeStore {
        /// location → (id, device, time, unique bytes, pinned)
        pub snapshots: RefCell<BTreeMap<PathBuf, Vec<Held>>>,
        pub shared: u64,
        pub newest_bytes: u64,
        pub reclaimable: RefCell<u64>,
    }

    impl FakeStore {
        pub fn add(&self, location: &Path, udid: &str, time: i64, unique: u64) -> i64 {
            let mut all = self.snapshots.borrow_mut();
            let next = all.values().flatten().map(|s| s.0).max().unwrap_or(0) + 1;
            all.entry(location.to_path_buf()).or_default().push((
                next,
                udid.to_owned(),
                time,
                unique,
                false,
            ));
            next
        }

        pub fn ids(&self, location: &Path) -> Vec<i64> {
            self.snapshots
                .borrow()
                .get(location)
                .map_or(vec![], |v| v.iter().map(|s| s.0).collect())
        }

        pub fn set_pinned(&self, location: &Path, id: i64) {
            for s in self.snapshots.borrow_mut().get_mut(location).unwrap() {
                if s.0 == id {
                    s.4 = true;
                }
            }
        }
    }

    impl SnapshotStore for FakeStore {
        fn snapshots(&self, location: &Path, udid: &str) -> Result<DeviceSnapshots> {
            let all = self.snapshots.borrow();
            let mine: Vec<_> = all.get(location).map_or(vec![], |v| {
                v.iter().filter(|s| s.1 == udid).cloned().collect()
            });
            let n = mine.len();
            let snapshots: Vec<SnapshotFacts> = mine
                .iter()
                .enumerate()
                .map(|(i, s)| SnapshotFacts {
                    id: s.0,
                    time: s.2,
                    bytes: self.newest_bytes,
                    // the oldest shares only with its successor; others with both neighbours
                    frees_bytes: if i + 1 == n { 0 } else { s.3 },
                    pinned: s.4,
                })
                .collect();
            let overhead = mine
                .iter()
                .take(n.saturating_sub(1))
                .map(|s| s.3 + self.shared)
                .sum();
            Ok(DeviceSnapshots {
                udid: udid.to_owned(),
                snapshots,
                space: Space {
                    newest_bytes: if n == 0 { 0 } else { self.newest_bytes },
                    overhead_bytes: overhead,
                },
                space_exact: true,
            })
        }

        fn delete(&self, location: &Path, ids: &[i64]) -> Result<()> {
            let mut all = self.snapshots.borrow_mut();
            let v = all.get_mut(location).unwrap();
            for s in v.iter().filter(|s| ids.contains(&s.0)) {
                *self.reclaimable.borrow_mut() += s.3 + self.shared;
            }
            v.retain(|s| !ids.contains(&s.0));
            Ok(())
        }

        fn reclaim(&self, _location: &Path) -> Result<u64> {
            Ok(std::mem::take(&mut *self.reclaimable.borrow_mut()))
        }
    }

    fn policy(ask_first: bool) -> CleaningPolicy {
        CleaningPolicy {
            snapshots: true,
            auto_delete: true,
            retention: RetentionAge::OneMonth,
            ask_first,
        }
    }

    #[test]
    fn over_budget_the_oldest_go_one_by_one_until_the_budget_holds() {
        let loc = Path::new("/disk");
        let store = FakeStore {
            shared: GB,
            newest_bytes: 20 * GB,
            ..FakeStore::default()
        };
        let now = 400 * DAY;
        for day in [100, 150, 200, 250, 300, 390, 400] {
            store.add(loc, "U1", day * DAY, 2 * GB);
        }
        // overhead 6 × 3 GB = 18 GB, budget 10 GB: three must go (then 9 GB)
        let out = clean(&store, loc, "U1", &policy(false), now).unwrap();
        assert_eq!(
            out,
            CleaningOutcome::Deleted {
                snapshots: vec![1, 2, 3],
                freed_bytes: 9 * GB
            }
        );
        assert_eq!(
            clean(&store, loc, "U1", &policy(false), now).unwrap(),
            CleaningOutcome::Kept
        );
    }

    #[test]
    fn ask_first_deletes_nothing_and_the_answer_deletes_what_was_asked() {
        let loc = Path::new("/disk");
        let store = FakeStore {
            shared: GB,
            newest_bytes: 20 * GB,
            ..FakeStore::default()
        };
        for day in [100, 150, 200, 250, 300, 390, 400] {
            store.add(loc, "U1", day * DAY, 2 * GB);
        }
        let CleaningOutcome::Asked { request, .. } =
            clean(&store, loc, "U1", &policy(true), 400 * DAY).unwrap()
        else {
            panic!("expected a question")
        };
        assert_eq!(store.ids(loc).len(), 7, "nothing deleted while asking");
        // by each snapshot's own share, 2 GB each: 4 must go to come under 10 GB
        assert_eq!(request.ids(), vec![1, 2, 3, 4]);
        store.set_pinned(loc, 4);
        assert!(matches!(
            delete_snapshots(&store, loc, "U1", &request.ids()),
            Err(CoreError::SnapshotPinned { snapshot: 4 })
        ));
        assert_eq!(store.ids(loc).len(), 7);
        let out = delete_snapshots(&store, loc, "U1", &[1, 2, 3]).unwrap();
        assert!(
            matches!(out, CleaningOutcome::Deleted { freed_bytes, .. } if freed_bytes == 9 * GB)
        );
        assert!(
            delete_snapshots(&store, loc, "U1", &[7]).is_err(),
            "never the newest"
        );
    }

    #[test]
    fn pins_are_kept_in_the_catalog_and_hold_off_deletion() {
        let dir = tempfile::tempdir().unwrap();
        let repo_path = dir.path().join(BACKUPS_FOLDER);
        let repo =
            Repository::init(&repo_path, &keepsake_store::InitOptions::unencrypted()).unwrap();
        let mut w = repo.begin_snapshot("U1").unwrap();
        w.put_file(
            "a",
            keepsake_store::FileMeta {
                mode: 0o100644,
                mtime_ns: 0,
                inode: 0,
            },
            &b"hello"[..],
        )
        .unwrap();
        let snap = w.commit().unwrap();
        assert!(pins(&repo).unwrap().is_empty());
        pin(&repo, snap.id, Some("before iOS 19")).unwrap();
        pin(&repo, snap.id, Some("before iOS 19")).unwrap();
        let facts = device_snapshots(&repo, "U1").unwrap();
        assert!(facts.snapshots[0].pinned && facts.space_exact);
        assert_eq!(pins(&repo).unwrap().len(), 1);
        // Another computer opening the location sees the pin and its note.
        let other = Repository::open(&repo_path, &keepsake_store::KeySource::None).unwrap();
        assert_eq!(
            pins(&other).unwrap()[0].note.as_deref(),
            Some("before iOS 19")
        );
        // The store itself keeps a pinned snapshot.
        assert!(matches!(
            keepsake_store::commands::forget::forget(&repo, &[snap.id]),
            Err(keepsake_store::Error::SnapshotPinned { .. })
        ));
        assert!(matches!(
            pin(&repo, 99, None),
            Err(CoreError::NoSuchSnapshot { .. })
        ));
        assert!(unpin(&repo, snap.id).unwrap());
        assert!(!unpin(&repo, snap.id).unwrap());
        assert!(!device_snapshots(&repo, "U1").unwrap().snapshots[0].pinned);
    }

    /// A snapshot whose files are `base` (the same every time) and `day` (new every time).
    fn real_snapshot(repo: &Repository, udid: &str, base: &[u8], day: &[u8]) -> SnapshotInfo {
        let meta = keepsake_store::FileMeta {
            mode: 0o100644,
            mtime_ns: 0,
            inode: 0,
        };
        let mut w = repo.begin_snapshot(udid).unwrap();
        w.put_file("base", meta, base).unwrap();
        w.put_file("day", meta, day).unwrap();
        w.commit().unwrap()
    }

    #[test]
    fn cleaning_a_real_repository_brings_the_overhead_under_budget_and_keeps_it_intact() {
        let dir = tempfile::tempdir().unwrap();
        let location = dir.path();
        let repo_path = location.join(BACKUPS_FOLDER);
        let repo =
            Repository::init(&repo_path, &keepsake_store::InitOptions::unencrypted()).unwrap();
        let noise = |n: usize| -> Vec<u8> { (0..n).map(|_| rand::random::<u8>()).collect() };
        let base = noise(1 << 20);
        let ids: Vec<i64> = (0..5)
            .map(|_| real_snapshot(&repo, "U1", &base, &noise(400 << 10)).id)
            .collect();
        drop(repo);
        let store = Repositories::default();
        let before = store.snapshots(location, "U1").unwrap();
        assert!(before.space.overhead_bytes > before.space.budget_bytes());

        let later = before.snapshots.last().unwrap().time + 365 * DAY;
        let out = clean(&store, location, "U1", &policy(false), later).unwrap();
        let CleaningOutcome::Deleted {
            snapshots,
            freed_bytes,
        } = out
        else {
            panic!("expected deletions, got {out:?}")
        };
        // each older snapshot holds ~400 KiB of its own; the budget (~700 KiB) keeps one
        assert_eq!(snapshots, ids[..3].to_vec());
        // what gc gave back on disk: packs still half used by kept snapshots may wait for later
        assert!(freed_bytes > 0, "{freed_bytes}");
        let after = store.snapshots(location, "U1").unwrap();
        assert!(after.space.overhead_bytes <= after.space.budget_bytes());
        assert_eq!(
            after.snapshots.iter().map(|s| s.id).collect::<Vec<_>>(),
            ids[3..].to_vec()
        );
        let repo = Location::new(location).open(None).unwrap();
        let report = keepsake_store::commands::check::check(&repo, &mut |_| {}).unwrap();
        assert!(report.catalog_problems.is_empty() && report.damaged_chunks.is_empty());
    }
}
