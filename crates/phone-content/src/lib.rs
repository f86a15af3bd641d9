//! A deterministic, plausible iPhone: what its backup contains, and how that changes day by day.
//!
//! The virtual iPhone serves this content over mobilebackup2; the snapshot store's tests and
//! benchmarks and the end-to-end tests use it directly to know what a backup must contain. The
//! same seed always gives the same bytes. Large media are never held in memory: their bodies are
//! regenerated from a seed when read. This crate knows nothing of protocols or backup folders.
//!
//! The phone is its [`Identity`] (`identity`), its file tree and what fills it (`files`), and
//! the days of use that change it (`days`).

mod databases;
mod days;
mod files;
mod identity;
mod random;

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use days::DayOfUse;
pub use files::{is_encrypted_only, App, FileEntry, FileKey};
pub use identity::Identity;
pub use random::RandomReader;

use files::{apps_among, next_photo_among, CALLS_DB, CONTACTS_DB, INITIAL_APPS, SMS_DB};

/// Unix time of the generated phone's "now" on day 0 (a Tuesday in June 2025); day N is N days on.
pub const DAY0: i64 = 1_749_549_600;
const DAY: i64 = 86_400;

/// A failure inside the generator itself (its SQL or plists): a bug, not bad input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("generating a database failed: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("generating a property list failed: {0}")]
    Plist(#[from] plist::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneSpec {
    /// Everything (identity, files, days of use) follows from the seed.
    pub seed: u64,
    /// About how many bytes the phone's backup holds on day 0 (camera roll included).
    pub target_bytes: u64,
}

/// The phone on a given day: its identity, apps and files.
#[derive(Debug, Clone)]
pub struct Phone {
    pub spec: PhoneSpec,
    pub identity: Identity,
    day: u32,
    files: BTreeMap<FileKey, FileEntry>,
    apps: Vec<App>,
    next_photo: u32,
    next_app: usize,
    photo_size: u64,
    /// Built from given files (a restored backup) rather than generated: days of use change
    /// only what they find and skip databases they cannot read.
    restored: bool,
}

impl Phone {
    /// The phone on day 0.
    pub fn generate(spec: PhoneSpec) -> Result<Phone> {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let target = spec.target_bytes.max(1 << 20);
        let mut phone = Phone {
            identity: Identity::from_seed(spec.seed),
            spec,
            day: 0,
            files: BTreeMap::new(),
            apps: Vec::new(),
            next_photo: 1,
            next_app: 0,
            photo_size: photo_size(target),
            restored: false,
        };
        let now = phone.now();

        // About 10% of the phone is its databases, a little is settings, the rest the camera roll.
        let db_budget = target / 10;
        let sms = databases::sms(&mut rng, (db_budget / 2 / 180).max(20) as u32, now)?;
        phone.put_db(SMS_DB, sms, 4);
        let contacts = databases::contacts(&mut rng, (db_budget / 10 / 200).max(10) as u32)?;
        phone.put_db(CONTACTS_DB, contacts, 3);
        let calls = databases::call_history(&mut rng, (db_budget / 10 / 60).max(10) as u32, now)?;
        phone.put_db(CALLS_DB, calls, 3);
        phone.put_settings(&mut rng)?;
        phone.put_encrypted_only(&mut rng)?;
        for _ in 0..INITIAL_APPS {
            phone.install_next_app(&mut rng, db_budget / 20)?;
        }
        while phone.total_size() < target {
            phone.take_photo(&mut rng);
        }
        phone.put_photo_library()?;
        Ok(phone)
    }

    /// A phone holding exactly `files` (a restored backup's), on day 0. `spec` still drives its
    /// days of use; the apps are the catalog apps whose data is among the files.
    pub fn from_files(
        spec: PhoneSpec,
        identity: Identity,
        files: impl IntoIterator<Item = FileEntry>,
    ) -> Phone {
        let files: BTreeMap<FileKey, FileEntry> =
            files.into_iter().map(|f| (f.key.clone(), f)).collect();
        let (apps, next_app) = apps_among(files.keys());
        Phone {
            next_photo: next_photo_among(files.keys()),
            photo_size: photo_size(spec.target_bytes.max(1 << 20)),
            spec,
            identity,
            day: 0,
            files,
            apps,
            next_app,
            restored: true,
        }
    }

    /// Whether the phone was built by [`Phone::from_files`].
    pub fn is_restored(&self) -> bool {
        self.restored
    }

    /// Which day this is (0 = as generated).
    pub fn day(&self) -> u32 {
        self.day
    }

    /// The phone's clock (Unix seconds) on this day.
    pub fn now(&self) -> i64 {
        DAY0 + self.day as i64 * DAY
    }

    pub fn apps(&self) -> &[App] {
        &self.apps
    }
}

/// A 12 MP HEIC is 1.5–4.5 MB; small test phones get proportionally small photos.
fn photo_size(target: u64) -> u64 {
    (target / 60).clamp(16 << 10, 3 << 20)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    pub(crate) fn small(seed: u64) -> Phone {
        Phone::generate(PhoneSpec {
            seed,
            target_bytes: 8 << 20,
        })
        .unwrap()
    }

    pub(crate) fn digest(p: &Phone) -> Vec<(FileKey, u64, Vec<u8>)> {
        p.files()
            .map(|f| (f.key.clone(), f.size(), f.read_all()))
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_phone_byte_for_byte() {
        assert_eq!(digest(&small(3)), digest(&small(3)));
        assert_eq!(small(3).identity, small(3).identity);
    }

    #[test]
    fn different_seeds_give_different_devices() {
        let (a, b) = (small(1), small(2));
        assert_ne!(a.identity.udid, b.identity.udid);
        assert_ne!(digest(&a), digest(&b));
    }

    #[test]
    fn phone_reaches_its_target_size_with_a_realistic_mix() {
        let p = Phone::generate(PhoneSpec {
            seed: 5,
            target_bytes: 20 << 20,
        })
        .unwrap();
        let total = p.total_size();
        assert!((20 << 20..24 << 20).contains(&total), "{total}");
        let domains: std::collections::BTreeSet<&str> =
            p.files().map(|f| f.key.domain.as_str()).collect();
        for d in [
            "HomeDomain",
            "CameraRollDomain",
            "KeychainDomain",
            "HealthDomain",
            "AppDomain-com.acme.notes",
        ] {
            assert!(domains.contains(d), "{d} missing from {domains:?}");
        }
        let media: u64 = p
            .files()
            .filter(|f| f.key.domain == "CameraRollDomain")
            .map(FileEntry::size)
            .sum();
        assert!(media > total / 2, "camera roll {media} of {total}");
        assert!(p
            .file("HomeDomain", "Library/SMS/sms.db")
            .unwrap()
            .read_all()
            .starts_with(b"SQLite format 3\0"));
        assert_eq!(p.apps().len(), INITIAL_APPS);
        for f in p.files().take(50) {
            let mut streamed = Vec::new();
            f.reader().read_to_end(&mut streamed).unwrap();
            assert_eq!(streamed, f.read_all(), "{:?}", f.key);
            assert_eq!(streamed.len() as u64, f.size());
        }
    }

    #[test]
    fn unencrypted_backups_leave_out_the_sensitive_domains() {
        let p = small(4);
        assert!(p
            .backup_files(false)
            .all(|f| f.key.domain != "KeychainDomain"));
        assert!(p
            .backup_files(true)
            .any(|f| f.key.domain == "KeychainDomain"));
        assert!(p.backup_files(false).count() < p.backup_files(true).count());
    }

    #[test]
    fn a_phone_from_given_files_holds_them_and_lives_days_without_regenerating() {
        let source = small(9);
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<FileEntry> = source
            .backup_files(false)
            .enumerate()
            .map(|(i, f)| {
                let path = dir.path().join(i.to_string());
                std::fs::write(&path, f.read_all()).unwrap();
                let mut e = FileEntry::on_disk(f.key.clone(), path, f.size());
                (e.mode, e.mtime, e.protection_class) = (f.mode, f.mtime, f.protection_class);
                e
            })
            .collect();
        let spec = PhoneSpec {
            seed: 10,
            target_bytes: 8 << 20,
        };
        let mut p = Phone::from_files(spec.clone(), Identity::from_seed(10), files);
        assert!(p.is_restored() && !source.is_restored());
        let want: Vec<_> = source
            .backup_files(false)
            .map(|f| (f.key.clone(), f.size(), f.read_all()))
            .collect();
        assert_eq!(digest(&p), want);
        assert!(p.files().all(|f| !f.encrypted_only));
        assert_eq!(p.apps(), source.apps());

        let day = p.live_one_day().unwrap();
        assert!(day.added.iter().any(|k| k.path.starts_with(files::DCIM)));
        assert!(day
            .added
            .iter()
            .all(|k| source.file(&k.domain, &k.path).is_none()));
        assert!(day.changed.contains(&FileKey::new(SMS_DB.0, SMS_DB.1)));

        // Databases it cannot read, or lacks, are left alone; keychain files stay encrypted-only.
        let odd = FileKey::new(SMS_DB.0, SMS_DB.1);
        let keychain = FileKey::new("KeychainDomain", "keychain-backup.plist");
        let mut bare = Phone::from_files(
            spec,
            Identity::from_seed(10),
            [
                FileEntry::with_bytes(odd.clone(), b"not a database".to_vec()),
                FileEntry::with_bytes(keychain.clone(), b"secret".to_vec()),
            ],
        );
        assert!(
            bare.file(&keychain.domain, &keychain.path)
                .unwrap()
                .encrypted_only
        );
        let day = bare.live_one_day().unwrap();
        assert!(!day.changed.contains(&odd) && !day.removed.contains(&odd));
        assert_eq!(
            bare.file(&odd.domain, &odd.path).unwrap().read_all(),
            b"not a database"
        );
        assert_eq!(
            bare.backup_files(false)
                .filter(|f| f.key == keychain)
                .count(),
            0
        );
    }
}
