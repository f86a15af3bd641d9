//! A deterministic, plausible iPhone: what its backup contains, and how that changes day by day.
//!
//! The virtual iPhone serves this content over mobilebackup2; the snapshot store's tests and
//! benchmarks and the end-to-end tests use it directly to know what a backup must contain. The
//! same seed always gives the same bytes. Large media are never held in memory: their bodies are
//! regenerated from a seed when read. This crate knows nothing of protocols or backup folders.

mod databases;
mod random;

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::sync::Arc;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use random::RandomReader;

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

/// Who the device says it is (lockdownd's values), derived from the seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub udid: String,
    pub device_name: String,
    pub device_class: &'static str,
    pub product_type: &'static str,
    pub marketing_name: &'static str,
    pub product_version: &'static str,
    pub build_version: &'static str,
    pub serial_number: String,
    pub unique_chip_id: u64,
    pub wifi_address: String,
}

/// (ProductType, marketing name, class, chip id, iOS version, build). One is older than iOS
/// 16.1, so a device that does not ask for its passcode is among them.
const MODELS: &[(&str, &str, &str, u32, &str, &str)] = &[
    (
        "iPhone14,5",
        "iPhone 13",
        "iPhone",
        0x8110,
        "17.5.1",
        "21F90",
    ),
    (
        "iPhone15,2",
        "iPhone 14 Pro",
        "iPhone",
        0x8120,
        "18.1",
        "22B83",
    ),
    (
        "iPhone16,1",
        "iPhone 15 Pro",
        "iPhone",
        0x8130,
        "18.3.2",
        "22D82",
    ),
    (
        "iPad13,18",
        "iPad (10th generation)",
        "iPad",
        0x8101,
        "17.6",
        "21G80",
    ),
    (
        "iPhone12,8",
        "iPhone SE (2nd generation)",
        "iPhone",
        0x8030,
        "16.0",
        "20A362",
    ),
];
const OWNERS: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Barbara",
    "Radia",
    "Hedy",
    "Katherine",
    "Linus",
];

impl Identity {
    pub fn from_seed(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1DE7_1717);
        let &(product_type, marketing_name, device_class, chip, version, build) =
            MODELS.choose(&mut rng).expect("models");
        let owner = OWNERS.choose(&mut rng).expect("owners");
        let ecid: u64 = rng.random_range(1u64 << 40..1u64 << 52);
        let mac: [u8; 6] = rng.random();
        Self {
            udid: format!("{chip:08X}-{ecid:016X}"),
            device_name: format!("{owner}'s {device_class}"),
            device_class,
            product_type,
            marketing_name,
            product_version: version,
            build_version: build,
            serial_number: (0..10)
                .map(|_| {
                    *b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
                        .choose(&mut rng)
                        .expect("alphabet") as char
                })
                .collect(),
            unique_chip_id: ecid,
            wifi_address: mac
                .iter()
                .enumerate()
                // a locally administered unicast address, as iOS's private Wi-Fi addresses are
                .map(|(i, b)| format!("{:02x}", if i == 0 { (b & 0xfc) | 0x02 } else { *b }))
                .collect::<Vec<_>>()
                .join(":"),
        }
    }
}

/// An installed app, as installation_proxy lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub bundle_id: &'static str,
    pub name: &'static str,
    pub version: &'static str,
}

/// Fictional third-party apps: the first five are installed on day 0, the rest arrive one a day.
const APPS: &[(&str, &str, &str)] = &[
    ("com.acme.notes", "Acme Notes", "4.2.1"),
    ("com.fieldguide.birds", "Field Guide: Birds", "2.0"),
    ("net.tinyfit.tracker", "TinyFit", "7.3"),
    ("io.paperplane.mail", "Paperplane Mail", "1.9.4"),
    ("com.moonlight.podcasts", "Moonlight Podcasts", "3.1"),
    ("com.stackcooks.recipes", "Stack Cooks", "5.0.2"),
    ("org.starmap.sky", "Starmap", "2.4"),
    ("com.pocketbank.app", "Pocket Bank", "11.2"),
    ("com.wordly.daily", "Wordly", "1.0.7"),
    ("io.trailhead.maps", "Trailhead", "3.3"),
];
const INITIAL_APPS: usize = 5;

/// Where a file lives in the backup: its domain and its path inside the domain.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileKey {
    pub domain: String,
    pub path: String,
}

impl FileKey {
    fn new(domain: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            domain: domain.into(),
            path: path.into(),
        }
    }
}

#[derive(Debug, Clone)]
enum Body {
    Random {
        seed: u64,
        len: u64,
        header: &'static [u8],
    },
    Bytes(Arc<Vec<u8>>),
}

/// One regular file of the phone's backup.
#[derive(Debug, Clone)]
pub struct FileEntry {
    pub key: FileKey,
    /// Unix permission bits as the device reports them (regular file type included).
    pub mode: u32,
    /// Last modification, Unix seconds.
    pub mtime: i64,
    /// Data-protection class (1–4), which encrypted backups record per file.
    pub protection_class: u8,
    /// Present only in encrypted backups (keychain, health, Wi-Fi, browsing history).
    pub encrypted_only: bool,
    body: Body,
}

impl FileEntry {
    pub fn size(&self) -> u64 {
        match &self.body {
            Body::Random { len, .. } => *len,
            Body::Bytes(b) => b.len() as u64,
        }
    }

    /// The file's content as a stream; media are regenerated, never stored.
    pub fn reader(&self) -> Box<dyn Read + Send> {
        match &self.body {
            Body::Random { seed, len, header } => Box::new(RandomReader::new(*seed, *len, header)),
            Body::Bytes(b) => Box::new(Cursor::new(SharedBytes(Arc::clone(b)))),
        }
    }

    /// The whole content in memory (tests and small files).
    pub fn read_all(&self) -> Vec<u8> {
        match &self.body {
            Body::Bytes(b) => b.as_ref().clone(),
            Body::Random { .. } => {
                let mut out = Vec::with_capacity(self.size() as usize);
                self.reader()
                    .read_to_end(&mut out)
                    .expect("reading generated bytes cannot fail");
                out
            }
        }
    }

    fn same_content(&self, other: &FileEntry) -> bool {
        match (&self.body, &other.body) {
            (Body::Bytes(a), Body::Bytes(b)) => Arc::ptr_eq(a, b) || a == b,
            (
                Body::Random {
                    seed: s1,
                    len: l1,
                    header: h1,
                },
                Body::Random {
                    seed: s2,
                    len: l2,
                    header: h2,
                },
            ) => (s1, l1, h1) == (s2, l2, h2),
            _ => false,
        }
    }

    fn bytes(&self) -> &[u8] {
        match &self.body {
            Body::Bytes(b) => b,
            Body::Random { .. } => &[],
        }
    }
}

/// Lets a reader stream a shared body without copying it.
struct SharedBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// What one day of use changed, by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayOfUse {
    pub added: Vec<FileKey>,
    pub changed: Vec<FileKey>,
    pub removed: Vec<FileKey>,
    pub app_installed: Option<String>,
    pub app_removed: Option<String>,
}

const SMS_DB: (&str, &str) = ("HomeDomain", "Library/SMS/sms.db");
const CONTACTS_DB: (&str, &str) = ("HomeDomain", "Library/AddressBook/AddressBook.sqlitedb");
const CALLS_DB: (&str, &str) = ("HomeDomain", "Library/CallHistoryDB/CallHistory.storedata");
const PHOTOS_DB: (&str, &str) = ("CameraRollDomain", "Media/PhotoData/Photos.sqlite");
const DCIM: &str = "Media/DCIM/100APPLE";
const HEIC: &[u8] = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
const MOV: &[u8] = b"\0\0\0\x14ftypqt  \0\0\0\0qt  ";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0";

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
            // a 12 MP HEIC is 1.5–4.5 MB; small test phones get proportionally small photos
            photo_size: (target / 60).clamp(16 << 10, 3 << 20),
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

    /// Which day this is (0 = as generated).
    pub fn day(&self) -> u32 {
        self.day
    }

    /// The phone's clock (Unix seconds) on this day.
    pub fn now(&self) -> i64 {
        DAY0 + self.day as i64 * DAY
    }

    /// Every file, ordered by domain then path.
    pub fn files(&self) -> impl Iterator<Item = &FileEntry> {
        self.files.values()
    }

    /// The files a backup carries: encrypted backups also carry the sensitive domains.
    pub fn backup_files(&self, encrypted: bool) -> impl Iterator<Item = &FileEntry> {
        self.files
            .values()
            .filter(move |f| encrypted || !f.encrypted_only)
    }

    pub fn file(&self, domain: &str, path: &str) -> Option<&FileEntry> {
        self.files.get(&FileKey::new(domain, path))
    }

    pub fn apps(&self) -> &[App] {
        &self.apps
    }

    /// Bytes of all files.
    pub fn total_size(&self) -> u64 {
        self.files.values().map(FileEntry::size).sum()
    }

    /// A day of use: photos taken and deleted, messages, calls and contacts, app data changed,
    /// one app installed and one removed. Returns what changed.
    pub fn live_one_day(&mut self) -> Result<DayOfUse> {
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
        let photos: Vec<FileKey> = self
            .files
            .keys()
            .filter(|k| k.domain == "CameraRollDomain" && k.path.starts_with(DCIM))
            .cloned()
            .collect();
        for _ in 0..rng.random_range(1..3).min(photos.len()) {
            let victim = photos.choose(&mut rng).expect("not empty");
            self.files.remove(victim);
        }
        self.put_photo_library()?;

        let sms = databases::sms_day(self.db(SMS_DB), &mut rng, now)?;
        self.put_db(SMS_DB, sms, 4);
        let calls = databases::call_history_day(self.db(CALLS_DB), &mut rng, now)?;
        self.put_db(CALLS_DB, calls, 3);
        if rng.random_bool(0.5) {
            let contacts = databases::contacts_day(self.db(CONTACTS_DB), &mut rng)?;
            self.put_db(CONTACTS_DB, contacts, 3);
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
            let key = (
                format!("AppDomain-{}", app.bundle_id),
                "Documents/store.sqlite".to_string(),
            );
            if let Some(db) = self.files.get(&FileKey::new(&key.0, &key.1)) {
                let changed = databases::app_store_day(db.bytes(), &mut rng)?;
                self.put_bytes(FileKey::new(key.0, key.1), changed, 3, false);
            }
        }
        self.put_settings(&mut rng)?;

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

    fn db(&self, (domain, path): (&str, &str)) -> &[u8] {
        self.files
            .get(&FileKey::new(domain, path))
            .map(FileEntry::bytes)
            .unwrap_or_default()
    }

    fn put_db(&mut self, (domain, path): (&str, &str), bytes: Vec<u8>, class: u8) {
        self.put_bytes(FileKey::new(domain, path), bytes, class, false);
    }

    /// Replaces a file's content; its mtime moves only when the bytes really changed.
    fn put_bytes(&mut self, key: FileKey, bytes: Vec<u8>, class: u8, encrypted_only: bool) {
        let now = self.now();
        if let Some(old) = self.files.get(&key) {
            if old.bytes() == bytes.as_slice() {
                return;
            }
        }
        self.files.insert(
            key.clone(),
            FileEntry {
                key,
                mode: 0o100644,
                mtime: now,
                protection_class: class,
                encrypted_only,
                body: Body::Bytes(Arc::new(bytes)),
            },
        );
    }

    fn put_random(&mut self, key: FileKey, seed: u64, len: u64, header: &'static [u8], class: u8) {
        let mtime = self.now();
        self.files.insert(
            key.clone(),
            FileEntry {
                key,
                mode: 0o100644,
                mtime,
                protection_class: class,
                encrypted_only: false,
                body: Body::Random { seed, len, header },
            },
        );
    }

    fn take_photo(&mut self, rng: &mut ChaCha8Rng) {
        let n = self.next_photo;
        self.next_photo += 1;
        let video = n.is_multiple_of(9);
        let (ext, header, len) = if video {
            ("MOV", MOV, self.photo_size * rng.random_range(4..12))
        } else {
            (
                "HEIC",
                HEIC,
                self.photo_size / 2 + rng.random_range(0..self.photo_size),
            )
        };
        let key = FileKey::new("CameraRollDomain", format!("{DCIM}/IMG_{n:04}.{ext}"));
        self.put_random(key, rng.random(), len, header, 3);
        if n.is_multiple_of(25) {
            // a photo sent in a message lands in the attachments too
            let key = FileKey::new(
                "MediaDomain",
                format!("Library/SMS/Attachments/{:02x}/IMG_{n:04}.jpeg", n % 256),
            );
            self.put_random(key, rng.random(), self.photo_size / 4, JPEG, 3);
        }
    }

    fn put_photo_library(&mut self) -> Result<()> {
        let assets: Vec<(String, i64, bool)> = self
            .files
            .values()
            .filter(|f| f.key.domain == "CameraRollDomain" && f.key.path.starts_with(DCIM))
            .map(|f| {
                let name = f
                    .key
                    .path
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                (name.clone(), f.mtime, name.ends_with(".MOV"))
            })
            .collect();
        let db = databases::photos(assets.iter().map(|(n, t, v)| databases::Asset {
            file_name: n,
            created: *t,
            video: *v,
        }))?;
        self.put_db(PHOTOS_DB, db, 3);
        Ok(())
    }

    fn install_next_app(
        &mut self,
        rng: &mut ChaCha8Rng,
        db_bytes: u64,
    ) -> Result<Option<&'static str>> {
        let Some(&(bundle_id, name, version)) = APPS.get(self.next_app) else {
            return Ok(None);
        };
        self.next_app += 1;
        self.apps.push(App {
            bundle_id,
            name,
            version,
        });
        let domain = format!("AppDomain-{bundle_id}");
        let store = databases::app_store(rng, (db_bytes / 700).max(5) as u32)?;
        self.put_bytes(
            FileKey::new(&domain, "Documents/store.sqlite"),
            store,
            3,
            false,
        );
        let prefs = plist_bytes(&[
            ("LastLaunch", plist::Value::Integer(self.now().into())),
            ("OnboardingDone", plist::Value::Boolean(true)),
            (
                "Theme",
                plist::Value::String(
                    ["light", "dark", "auto"]
                        .choose(rng)
                        .expect("themes")
                        .to_string(),
                ),
            ),
        ])?;
        self.put_bytes(
            FileKey::new(&domain, format!("Library/Preferences/{bundle_id}.plist")),
            prefs,
            3,
            false,
        );
        for i in 0..rng.random_range(1..4) {
            let key = FileKey::new(&domain, format!("Documents/attachment-{i}.jpeg"));
            self.put_random(key, rng.random(), self.photo_size / 3, JPEG, 3);
        }
        if self.next_app.is_multiple_of(3) {
            let group = format!("AppDomainGroup-group.{bundle_id}");
            let shared = plist_bytes(&[(
                "Widgets",
                plist::Value::Integer(rng.random_range(0..4i64).into()),
            )])?;
            self.put_bytes(
                FileKey::new(group, "Library/Preferences/group.plist"),
                shared,
                3,
                false,
            );
        }
        Ok(Some(bundle_id))
    }

    fn put_settings(&mut self, rng: &mut ChaCha8Rng) -> Result<()> {
        let springboard = plist_bytes(&[
            (
                "SBHomeScreenPages",
                plist::Value::Integer((self.apps.len() as i64 / 4 + 1).into()),
            ),
            ("SBLastUnlock", plist::Value::Integer(self.now().into())),
        ])?;
        self.put_bytes(
            FileKey::new(
                "HomeDomain",
                "Library/Preferences/com.apple.springboard.plist",
            ),
            springboard,
            4,
            false,
        );
        let global = plist_bytes(&[
            (
                "AppleLanguages",
                plist::Value::Array(vec!["en-US".into(), "fr-FR".into()]),
            ),
            ("AppleLocale", plist::Value::String("en_US".into())),
        ])?;
        self.put_bytes(
            FileKey::new("HomeDomain", "Library/Preferences/.GlobalPreferences.plist"),
            global,
            4,
            false,
        );
        let battery =
            plist_bytes(&[("LowPowerMode", plist::Value::Boolean(rng.random_bool(0.2)))])?;
        self.put_bytes(
            FileKey::new(
                "SystemPreferencesDomain",
                "SystemConfiguration/com.apple.power.plist",
            ),
            battery,
            4,
            false,
        );
        Ok(())
    }

    fn put_encrypted_only(&mut self, rng: &mut ChaCha8Rng) -> Result<()> {
        let keychain = plist_bytes(&[
            (
                "genp",
                plist::Value::Array(
                    (0..20)
                        .map(|_| plist::Value::Data(rng.random::<[u8; 32]>().to_vec()))
                        .collect(),
                ),
            ),
            (
                "inet",
                plist::Value::Array(
                    (0..10)
                        .map(|_| plist::Value::Data(rng.random::<[u8; 32]>().to_vec()))
                        .collect(),
                ),
            ),
        ])?;
        self.put_bytes(
            FileKey::new("KeychainDomain", "keychain-backup.plist"),
            keychain,
            4,
            true,
        );
        let health = databases::app_store(rng, 200)?;
        self.put_bytes(
            FileKey::new("HealthDomain", "Health/healthdb_secure.sqlite"),
            health,
            3,
            true,
        );
        let history = databases::app_store(rng, 100)?;
        self.put_bytes(
            FileKey::new("HomeDomain", "Library/Safari/History.db"),
            history,
            3,
            true,
        );
        let wifi = plist_bytes(&[(
            "List of known networks",
            plist::Value::Array(
                ["HomeNet", "Office-5G", "CafeFree"]
                    .iter()
                    .map(|s| plist::Value::String((*s).into()))
                    .collect(),
            ),
        )])?;
        self.put_bytes(
            FileKey::new(
                "SystemPreferencesDomain",
                "SystemConfiguration/com.apple.wifi.plist",
            ),
            wifi,
            4,
            true,
        );
        Ok(())
    }
}

fn plist_bytes(entries: &[(&str, plist::Value)]) -> Result<Vec<u8>> {
    let dict: plist::Dictionary = entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let mut out = Vec::new();
    plist::Value::Dictionary(dict).to_writer_binary(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(seed: u64) -> Phone {
        Phone::generate(PhoneSpec {
            seed,
            target_bytes: 8 << 20,
        })
        .unwrap()
    }

    fn digest(p: &Phone) -> Vec<(FileKey, u64, Vec<u8>)> {
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
    fn identity_looks_like_a_real_device() {
        let id = Identity::from_seed(11);
        assert_eq!(id.udid.len(), 25, "{}", id.udid);
        assert_eq!(&id.udid[8..9], "-");
        assert!(id.udid.chars().all(|c| c.is_ascii_hexdigit() || c == '-'));
        assert_eq!(id.wifi_address.len(), 17);
        assert!(id.device_name.ends_with(id.device_class));
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
