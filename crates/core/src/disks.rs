//! Disks in sight and the backups on them. A location is known by its repository's id, not by
//! its path: a backup disk mounted at another path (another port, another computer's mount
//! point, a renamed volume) is found in the folders disks mount in ([`Context::disk_roots`])
//! and the settings follow it there ([`follow_moved_disks`]). The app offers the disks holding
//! `Keepsake.Backups` it does not know yet ([`disks_with_backups`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::context::Context;
use crate::error::Result;
use crate::location::Location;
use crate::settings::{self, Moved};

/// How many entries of one mount folder are looked at: a mount folder holds a few disks, and a
/// root given by mistake (`/`) must not turn into a walk of the whole system.
const MAX_ENTRIES: usize = 256;

/// A folder on a disk in sight that holds Keepsake backups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundBackups {
    /// The location: the folder that holds `Keepsake.Backups`.
    pub root: PathBuf,
    /// Its repository's id.
    pub repository: String,
    /// The settings already know this repository (at this path or, before a move, another).
    pub known: bool,
}

/// Every location on the disks in sight: each mount folder itself and the folders in it (one
/// level: `/media/ada/Passport`, `/Volumes/Backup`), in path order.
pub fn disks_with_backups(ctx: &Context) -> Result<Vec<FoundBackups>> {
    let settings = settings::load(ctx.dirs())?;
    let known = |id: &str| {
        settings.preferences.repositories.contains_key(id)
            || settings
                .location_paths()
                .iter()
                .any(|p| Location::new(p).repository_id().as_deref() == Some(id))
    };
    Ok(scan(ctx.disk_roots())
        .into_iter()
        .map(|(root, repository)| FoundBackups {
            known: known(&repository),
            root,
            repository,
        })
        .collect())
}

/// Follows known locations whose disk is now mounted at another path (see
/// [`settings::relocate_known`]), looking for them on the disks in sight only when one is not
/// where it was. Returns what moved.
pub fn follow_moved_disks(ctx: &Context) -> Result<Vec<Moved>> {
    let settings = settings::load(ctx.dirs())?;
    let lost = settings
        .preferences
        .repositories
        .iter()
        .any(|(id, path)| Location::new(path).repository_id().as_deref() != Some(id.as_str()));
    let found: BTreeMap<String, PathBuf> = if lost {
        scan(ctx.disk_roots())
            .into_iter()
            .map(|(root, id)| (id, root))
            .collect()
    } else {
        BTreeMap::new()
    };
    settings::relocate_known(ctx.dirs(), &found)
}

/// (location, repository id) for every candidate folder under `roots` holding a repository.
fn scan(roots: &[PathBuf]) -> Vec<(PathBuf, String)> {
    let mut out: Vec<(PathBuf, String)> = Vec::new();
    let mut look = |candidate: &Path| {
        let location = Location::new(candidate);
        if let Some(id) = location.repository_id() {
            if !out.iter().any(|(p, _)| p == location.root()) {
                out.push((location.root().to_owned(), id));
            }
        }
    };
    for root in roots {
        look(root);
        let Ok(entries) = std::fs::read_dir(root) else {
            continue;
        };
        for entry in entries.flatten().take(MAX_ENTRIES) {
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            if entry.path().is_dir() {
                look(&entry.path());
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dirs::AppDirs;
    use crate::location::BACKUPS_FOLDER;
    use keepsake_device::Usbmuxd;
    use keepsake_store::{InitOptions, Repository};

    fn disk(path: &Path) -> String {
        std::fs::create_dir_all(path).unwrap();
        let repo =
            Repository::init(&path.join(BACKUPS_FOLDER), &InitOptions::unencrypted()).unwrap();
        repo.config().id.clone()
    }

    fn context(dir: &Path, roots: Vec<PathBuf>) -> Context {
        let usbmuxd = Usbmuxd::parse("127.0.0.1:1").unwrap();
        Context::new(
            AppDirs::at(dir.join("config")),
            usbmuxd,
            crate::ManualClock::new(0),
        )
        .with_disk_roots(roots)
    }

    #[test]
    fn a_disk_mounted_at_another_path_is_the_same_location() {
        let dir = tempfile::tempdir().unwrap();
        let media = dir.path().join("media");
        let old = media.join("Passport");
        let id = disk(&old);
        let ctx = context(dir.path(), vec![media.clone()]);
        settings::add_location(ctx.dirs(), &old).unwrap();
        settings::update(ctx.dirs(), |s| {
            s.device_mut("U1", "Ada's iPhone", "").location = Some(old.clone());
            Ok(())
        })
        .unwrap();
        let s = settings::load(ctx.dirs()).unwrap();
        assert_eq!(
            s.preferences.repositories.get(&id),
            Some(&old),
            "recorded when added"
        );

        // the same disk, mounted as "Passport1" (the old mount point left behind, empty)
        let new = media.join("Passport1");
        std::fs::rename(&old, &new).unwrap();
        std::fs::create_dir(&old).unwrap();
        let moved = follow_moved_disks(&ctx).unwrap();
        assert_eq!(
            moved,
            [Moved {
                repository: id.clone(),
                from: old.clone(),
                to: new.clone()
            }]
        );
        let s = settings::load(ctx.dirs()).unwrap();
        assert_eq!(s.preferences.locations, vec![new.clone()]);
        assert_eq!(s.preferences.default_location, Some(new.clone()));
        assert_eq!(s.devices["U1"].location, Some(new.clone()));
        assert_eq!(s.preferences.repositories.get(&id), Some(&new));
        assert!(
            follow_moved_disks(&ctx).unwrap().is_empty(),
            "nothing more to follow"
        );
        let found = disks_with_backups(&ctx).unwrap();
        assert_eq!(
            found,
            [FoundBackups {
                root: new.clone(),
                repository: id.clone(),
                known: true
            }]
        );
    }

    #[test]
    fn an_unplugged_disk_stays_where_it_was_and_another_disk_is_not_taken_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let media = dir.path().join("media");
        let ours = media.join("Backup");
        disk(&ours);
        let ctx = context(dir.path(), vec![media.clone()]);
        settings::add_location(ctx.dirs(), &ours).unwrap();

        // unplugged: nothing moves
        let aside = dir.path().join("drawer");
        std::fs::rename(&ours, &aside).unwrap();
        assert!(follow_moved_disks(&ctx).unwrap().is_empty());
        // another person's disk mounted at the same path is not ours: still nothing moves
        let theirs = disk(&ours);
        assert!(follow_moved_disks(&ctx).unwrap().is_empty());
        let s = settings::load(ctx.dirs()).unwrap();
        assert_eq!(s.preferences.locations, vec![ours.clone()]);
        // and it is offered as a disk with backups this computer does not know
        std::fs::create_dir_all(media.join("Other")).unwrap();
        let found = disks_with_backups(&ctx).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].root, ours);
        assert_eq!(found[0].repository, theirs);
        // it is at a path the settings list, so the app shows it already
        assert!(found[0].known);
        // our disk back, at another mount point: followed there, the other one left alone
        let back = media.join("Backup1");
        std::fs::rename(&aside, &back).unwrap();
        let moved = follow_moved_disks(&ctx).unwrap();
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert_eq!(
            (moved[0].from.clone(), moved[0].to.clone()),
            (ours.clone(), back.clone())
        );
        assert!(Location::new(&ours).repository_id() == Some(theirs));
    }

    #[test]
    fn adding_the_moved_disk_by_hand_replaces_the_old_path() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("mnt").join("usb");
        disk(&old);
        let ctx = context(dir.path(), Vec::new());
        settings::add_location(ctx.dirs(), &old).unwrap();
        let new = dir.path().join("elsewhere");
        std::fs::rename(&old, &new).unwrap();
        // no disk roots: only adding it at its new path tells Keepsake where it went
        assert!(follow_moved_disks(&ctx).unwrap().is_empty());
        settings::add_location(ctx.dirs(), &new).unwrap();
        let s = settings::load(ctx.dirs()).unwrap();
        assert_eq!(s.preferences.locations, vec![new.clone()]);
        assert_eq!(s.preferences.default_location, Some(new));
    }
}
