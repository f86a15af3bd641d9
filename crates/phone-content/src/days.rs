//! Days of use: how the phone changes from one day to the next (photos taken and deleted,
//! messages, calls, apps installed and removed), and the list of what changed.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::databases;
use crate::files::{FileKey, CALLS_DB, CONTACTS_DB, DCIM, SMS_DB};
use crate::{Phone, Result};

/// What one day of use changed, by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayOfUse {
    pub added: Vec<FileKey>,
    pub changed: Vec<FileKey>,
    pub removed: Vec<FileKey>,
    pub app_installed: Option<String>,
    pub app_removed: Option<String>,
}

impl Phone {
    /// A day of use: photos taken and deleted, messages, calls and contacts, app data changed,
    /// one app installed and one removed. Returns what changed.
    pub fn live_one_day(&mut self) -> Result<DayOfUse> {
        self.live_day(None)
    }

    /// A day of use on which the person also deletes `percent` % of the camera roll at once (a
    /// full phone, a mistaken "select all"): what a backup should warn about before it lets the
    /// photos go. Which ones follows from the seed and the day, as everything else does.
    pub fn live_one_day_clearing_photos(&mut self, percent: u8) -> Result<DayOfUse> {
        self.live_day(Some(percent.min(100)))
    }

    fn live_day(&mut self, clear_photos: Option<u8>) -> Result<DayOfUse> {
        // cheap: bodies are shared or regenerated, so this copies no file content
        let before = self.files.clone();
        self.day += 1;
        let now = self.now();
        let mut rng = ChaCha8Rng::seed_from_u64(
            self.spec.seed ^ (self.day as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let mut day = DayOfUse::default();

        for _ in 0..rng.random_range(3..9) {
            self.take_photo(&mut rng);
        }
        let photos = self.camera_roll();
        for _ in 0..rng.random_range(1..3).min(photos.len()) {
            let victim = photos.choose(&mut rng).expect("not empty");
            self.files.remove(victim);
        }
        self.put_photo_library()?;

        if let Some(sms) = self.db_day(SMS_DB, |db| databases::sms_day(db, &mut rng, now))? {
            self.put_db(SMS_DB, sms, 4);
        }
        let calls = self.db_day(CALLS_DB, |db| {
            databases::call_history_day(db, &mut rng, now)
        })?;
        if let Some(calls) = calls {
            self.put_db(CALLS_DB, calls, 3);
        }
        if rng.random_bool(0.5) {
            let contacts = self.db_day(CONTACTS_DB, |db| databases::contacts_day(db, &mut rng))?;
            if let Some(contacts) = contacts {
                self.put_db(CONTACTS_DB, contacts, 3);
            }
        }

        // apps: the oldest one goes, a new one comes, the others are used
        if self.apps.len() > 1 {
            let gone = self.apps.remove(0);
            let domain = format!("AppDomain-{}", gone.bundle_id);
            let group = format!("AppDomainGroup-group.{}", gone.bundle_id);
            self.files
                .retain(|k, _| k.domain != domain && k.domain != group);
            day.app_removed = Some(gone.bundle_id.to_string());
        }
        let per_app = self.spec.target_bytes.max(1 << 20) / 200;
        if let Some(app) = self.install_next_app(&mut rng, per_app)? {
            day.app_installed = Some(app.to_string());
        }
        for app in self.apps.clone() {
            let domain = format!("AppDomain-{}", app.bundle_id);
            let key = (domain.as_str(), "Documents/store.sqlite");
            if let Some(changed) = self.db_day(key, |db| databases::app_store_day(db, &mut rng))? {
                self.put_bytes(FileKey::new(key.0, key.1), changed, 3, false);
            }
        }
        self.put_settings(&mut rng)?;
        if let Some(percent) = clear_photos {
            // Its own stream: a clearing leaves the rest of the day as it would have been.
            let mut rng = ChaCha8Rng::seed_from_u64(
                self.spec.seed ^ (self.day as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F),
            );
            self.clear_photos(&mut rng, percent)?;
        }

        for (k, f) in &self.files {
            match before.get(k) {
                None => day.added.push(k.clone()),
                Some(old) if !old.same_content(f) || old.mtime != f.mtime => {
                    day.changed.push(k.clone())
                }
                Some(_) => {}
            }
        }
        day.removed = before
            .keys()
            .filter(|k| !self.files.contains_key(*k))
            .cloned()
            .collect();
        tracing::debug!(
            day = self.day,
            added = day.added.len(),
            changed = day.changed.len(),
            removed = day.removed.len(),
            "a day of use"
        );
        Ok(day)
    }

    /// The camera roll's photos and videos (`CameraRollDomain`, `Media/DCIM/`).
    pub fn camera_roll(&self) -> Vec<FileKey> {
        self.files
            .keys()
            .filter(|k| k.domain == "CameraRollDomain" && k.path.starts_with(DCIM))
            .cloned()
            .collect()
    }

    /// Deletes `percent` % of the camera roll's photos and videos (rounded down), chosen by
    /// `rng`, and rewrites the photo library without them.
    fn clear_photos(&mut self, rng: &mut ChaCha8Rng, percent: u8) -> Result<()> {
        let photos = self.camera_roll();
        let doomed = photos.len() * usize::from(percent) / 100;
        for victim in photos.choose_multiple(rng, doomed) {
            self.files.remove(victim);
        }
        self.put_photo_library()
    }

    /// A database's day of use: `None` if the phone lacks it or, on a restored phone, if it is
    /// not a database the generator knows how to change (another phone's, or damaged).
    fn db_day<E: Into<crate::Error> + std::fmt::Display>(
        &self,
        (domain, path): (&str, &str),
        change: impl FnOnce(&[u8]) -> std::result::Result<Vec<u8>, E>,
    ) -> Result<Option<Vec<u8>>> {
        let Some(file) = self.files.get(&FileKey::new(domain, path)) else {
            return Ok(None);
        };
        match change(&file.bytes()) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if self.restored => {
                tracing::warn!(domain, path, error = %e, "a restored database left as it is");
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::files::PHOTOS_DB;
    use crate::tests::{digest, small};

    #[test]
    fn a_clearing_deletes_that_share_of_the_camera_roll_and_leaves_the_rest_of_the_day() {
        let dcim = Phone::camera_roll;
        let start = small(6);
        let mut usual = start.clone();
        usual.live_one_day().unwrap();
        let mut cleared = start.clone();
        let day = cleared.live_one_day_clearing_photos(60).unwrap();
        let (kept, had) = (dcim(&cleared), dcim(&usual));
        assert!(had.len() >= 5, "a camera roll to clear: {}", had.len());
        assert_eq!(kept.len(), had.len() - had.len() * 60 / 100);
        assert!(kept.iter().all(|k| had.contains(k)), "only deletions");
        // What was there the day before and went is listed as removed (a photo taken and
        // cleared the same day was never in a backup).
        let before = dcim(&start);
        for k in had.iter().filter(|k| !kept.contains(k)) {
            assert_eq!(day.removed.contains(k), before.contains(k), "{k:?}");
        }
        // Everything else is the usual day's.
        let others = |p: &Phone| -> Vec<(FileKey, u64, Vec<u8>)> {
            digest(p)
                .into_iter()
                .filter(|(k, _, _)| k.domain != "CameraRollDomain")
                .collect()
        };
        assert_eq!(others(&cleared), others(&usual));
        // Replayed, the same photos go.
        let mut again = start.clone();
        again.live_one_day_clearing_photos(60).unwrap();
        assert_eq!(digest(&again), digest(&cleared));
    }

    #[test]
    fn a_day_of_use_adds_deletes_and_changes_what_a_phone_would() {
        let mut p = small(6);
        let before = digest(&p);
        let day = p.live_one_day().unwrap();
        assert_eq!(p.day(), 1);
        assert!(
            day.added.iter().any(|k| k.path.starts_with(DCIM)),
            "new photos: {:?}",
            day.added
        );
        assert!(
            day.removed.iter().any(|k| k.path.starts_with(DCIM)),
            "deleted photos: {:?}",
            day.removed
        );
        assert!(day.changed.contains(&FileKey::new(SMS_DB.0, SMS_DB.1)));
        assert!(day
            .changed
            .contains(&FileKey::new(PHOTOS_DB.0, PHOTOS_DB.1)));
        assert_eq!(day.app_removed.as_deref(), Some("com.acme.notes"));
        assert_eq!(day.app_installed.as_deref(), Some("com.stackcooks.recipes"));
        assert!(day
            .removed
            .iter()
            .any(|k| k.domain == "AppDomain-com.acme.notes"));
        assert!(day
            .added
            .iter()
            .any(|k| k.domain == "AppDomain-com.stackcooks.recipes"));
        // everything not listed is byte-identical
        let after: BTreeMap<FileKey, Vec<u8>> =
            p.files().map(|f| (f.key.clone(), f.read_all())).collect();
        for (k, _, bytes) in &before {
            if !day.changed.contains(k) && !day.removed.contains(k) {
                assert_eq!(&after[k], bytes, "{k:?} changed without being listed");
            }
        }
        // and days are deterministic too
        let mut again = small(6);
        assert_eq!(again.live_one_day().unwrap(), day);
    }

    #[test]
    fn unchanged_files_keep_their_mtime_across_days() {
        let mut p = small(8);
        let prefs = p
            .file("HomeDomain", "Library/Preferences/.GlobalPreferences.plist")
            .unwrap()
            .mtime;
        p.live_one_day().unwrap();
        assert_eq!(
            p.file("HomeDomain", "Library/Preferences/.GlobalPreferences.plist")
                .unwrap()
                .mtime,
            prefs
        );
        assert!(p.file(SMS_DB.0, SMS_DB.1).unwrap().mtime > prefs);
    }
}
