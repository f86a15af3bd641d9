//! A device's space at its location, as the app's space chart draws it: what the newest
//! backup takes, what the older snapshots take beyond it, the allowance the cleaning policy
//! gives them (half the newest), and what its next cleaning would delete.

use serde::Serialize;

use crate::cleaning::device_snapshots;
use crate::cleaning_policy::{decide, CleaningPolicy, Decision};
use crate::dirs::AppDirs;
use crate::error::Result;
use crate::location::Unlock;
use crate::settings;
use crate::timeline::device_location;

/// A device's space at its location, in stored bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceSpace {
    /// What the newest snapshot takes whole.
    pub newest_bytes: u64,
    /// What only the older snapshots hold.
    pub extra_bytes: u64,
    /// The extra space allowed before the oldest snapshots are cleaned: half the newest.
    pub allowance_bytes: u64,
    /// What the next cleaning would delete, when the policy would delete anything now.
    pub next_cleaning: Option<NextCleaning>,
    /// Free space on the location's disk, when known.
    pub disk_free_bytes: Option<u64>,
    /// Another device shares the location: the numbers are its share, estimated.
    pub estimated: bool,
}

/// The snapshots a cleaning would delete now, and at least what that frees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextCleaning {
    pub snapshots: Vec<i64>,
    pub frees_bytes: u64,
}

/// `udid`'s space where its snapshots are (see [`device_location`]), with its cleaning policy
/// applied at `now`; a device not set up on this computer is never cleaned here, so it has no
/// next cleaning. `None` when it has no snapshots this computer can open.
pub fn device_space(dirs: &AppDirs, udid: &str, now: i64) -> Result<Option<DeviceSpace>> {
    let Some(location) = device_location(dirs, udid)? else {
        return Ok(None);
    };
    let Some(repo) = location.open_if_any(&Unlock::new())? else {
        return Ok(None);
    };
    let facts = device_snapshots(&repo, udid)?;
    if facts.snapshots.is_empty() {
        return Ok(None);
    }
    let settings = settings::load(dirs)?;
    let next_cleaning = settings.device(udid).filter(|d| d.confirmed).and_then(|d| {
        match decide(&CleaningPolicy::from(d), &facts.snapshots, facts.space, now) {
            Decision::Keep => None,
            Decision::Delete(r) | Decision::Ask(r) => Some(NextCleaning {
                snapshots: r.ids(),
                frees_bytes: r.frees_bytes,
            }),
        }
    });
    Ok(Some(DeviceSpace {
        newest_bytes: facts.space.newest_bytes,
        extra_bytes: facts.space.overhead_bytes,
        allowance_bytes: facts.space.budget_bytes(),
        next_cleaning,
        disk_free_bytes: fs4::available_space(location.root()).ok(),
        estimated: !facts.space_exact,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Location;
    use keepsake_store::{InitOptions, Repository};

    #[test]
    fn a_devices_space_and_what_its_next_cleaning_would_free() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(dir.path().join("config"));
        let root = dir.path().join("disk");
        std::fs::create_dir(&root).unwrap();
        let location = Location::new(&root);
        let repo =
            Repository::init(&location.repository_path(), &InitOptions::unencrypted()).unwrap();
        // Each day's one file differs: the older snapshots hold three times the newest.
        let snaps = keepsake_testkit::daily_snapshots(&repo, 4);
        drop(repo);
        settings::add_location(&dirs, &root).unwrap();
        let a_year_on = snaps[3].time + 400 * 86_400;

        // Known only by its snapshots here: the numbers, and no cleaning of someone else's.
        let space = device_space(&dirs, "U1", a_year_on).unwrap().unwrap();
        assert!(space.newest_bytes > 0);
        assert_eq!(space.allowance_bytes, space.newest_bytes / 2);
        assert!(space.extra_bytes > space.allowance_bytes, "{space:?}");
        assert_eq!(space.next_cleaning, None);
        assert!(!space.estimated);
        assert!(space.disk_free_bytes.is_some_and(|b| b > 0));

        settings::update(&dirs, |s| {
            let d = s.device_mut("U1", "Phone", "iPhone");
            (d.confirmed, d.snapshots, d.auto_delete) = (true, true, true);
            Ok(())
        })
        .unwrap();
        let next = device_space(&dirs, "U1", a_year_on)
            .unwrap()
            .unwrap()
            .next_cleaning
            .expect("over the allowance, old enough: a cleaning is due");
        assert_eq!(next.snapshots.first(), Some(&snaps[0].id), "oldest first");
        assert!(!next.snapshots.contains(&snaps[3].id), "never the newest");
        assert!(next.frees_bytes > 0);
        // Younger than the retention age: nothing may go yet.
        let today = device_space(&dirs, "U1", snaps[3].time).unwrap().unwrap();
        assert_eq!(today.next_cleaning, None);
        assert_eq!(device_space(&dirs, "U2", a_year_on).unwrap(), None);
    }
}
