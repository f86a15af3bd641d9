//! The phone's file tree: its entries (whose large bodies are regenerated, never stored), and
//! what fills it: databases, photos, apps, settings and the domains only encrypted backups carry.

use std::borrow::Cow;
use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::sync::Arc;

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::{databases, Phone, RandomReader, Result};

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
pub(crate) const INITIAL_APPS: usize = 5;

/// The catalog apps whose data is among `files`, and the catalog index of the next to install.
pub(crate) fn apps_among<'a>(
    files: impl Iterator<Item = &'a FileKey> + Clone,
) -> (Vec<App>, usize) {
    let mut next = 0;
    let mut apps = Vec::new();
    for (i, &(bundle_id, name, version)) in APPS.iter().enumerate() {
        let domain = format!("AppDomain-{bundle_id}");
        if files.clone().any(|k| k.domain == domain) {
            apps.push(App {
                bundle_id,
                name,
                version,
            });
            next = i + 1;
        }
    }
    (apps, next)
}

/// The number after the highest `IMG_nnnn` of the camera roll, so new photos never replace one.
pub(crate) fn next_photo_among<'a>(files: impl Iterator<Item = &'a FileKey>) -> u32 {
    files
        .filter(|k| k.domain == "CameraRollDomain")
        .filter_map(|k| {
            k.path
                .rsplit('/')
                .next()?
                .strip_prefix("IMG_")?
                .split('.')
                .next()?
                .parse::<u32>()
                .ok()
        })
        .max()
        .map_or(1, |n| n.saturating_add(1))
}

/// Where a file lives in the backup: its domain and its path inside the domain.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileKey {
    pub domain: String,
    pub path: String,
}

impl FileKey {
    pub fn new(domain: impl Into<String>, path: impl Into<String>) -> Self {
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
    /// Kept on disk by whoever built the phone (a restored backup), read when asked for.
    File {
        path: Arc<PathBuf>,
        len: u64,
    },
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
    /// A file held in memory, with the defaults of a generated file (mode 0644, day 0,
    /// class 3, and encrypted-only as [`is_encrypted_only`] says); set the fields to change them.
    pub fn with_bytes(key: FileKey, bytes: Vec<u8>) -> Self {
        Self::with_body(key, Body::Bytes(Arc::new(bytes)))
    }

    /// A file whose `len` bytes stay in `path` until read; the file must outlive the entry.
    pub fn on_disk(key: FileKey, path: PathBuf, len: u64) -> Self {
        Self::with_body(
            key,
            Body::File {
                path: Arc::new(path),
                len,
            },
        )
    }

    fn with_body(key: FileKey, body: Body) -> Self {
        FileEntry {
            encrypted_only: is_encrypted_only(&key.domain, &key.path),
            key,
            mode: 0o100644,
            mtime: crate::DAY0,
            protection_class: 3,
            body,
        }
    }

    pub fn size(&self) -> u64 {
        match &self.body {
            Body::Random { len, .. } | Body::File { len, .. } => *len,
            Body::Bytes(b) => b.len() as u64,
        }
    }

    /// The file's content as a stream; media are regenerated, never stored.
    pub fn reader(&self) -> Box<dyn Read + Send> {
        match &self.body {
            Body::Random { seed, len, header } => Box::new(RandomReader::new(*seed, *len, header)),
            Body::Bytes(b) => Box::new(Cursor::new(SharedBytes(Arc::clone(b)))),
            Body::File { path, .. } => Box::new(LazyFile {
                path: Arc::clone(path),
                file: None,
            }),
        }
    }

    /// The whole content in memory (tests and small files). A file on disk that cannot be read
    /// gives what could be read, and a warning.
    pub fn read_all(&self) -> Vec<u8> {
        match &self.body {
            Body::Bytes(b) => b.as_ref().clone(),
            Body::File { path, .. } => std::fs::read(path.as_ref()).unwrap_or_else(|e| {
                tracing::warn!(path = %path.display(), error = %e, "a phone file is unreadable");
                Vec::new()
            }),
            Body::Random { .. } => {
                let mut out = Vec::with_capacity(self.size() as usize);
                self.reader()
                    .read_to_end(&mut out)
                    .expect("reading generated bytes cannot fail");
                out
            }
        }
    }

    pub(crate) fn same_content(&self, other: &FileEntry) -> bool {
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
            (Body::File { path: p1, len: l1 }, Body::File { path: p2, len: l2 }) => {
                (p1, l1) == (p2, l2)
            }
            _ => false,
        }
    }

    /// A stored body (databases, settings); empty for regenerated media.
    pub(crate) fn bytes(&self) -> Cow<'_, [u8]> {
        match &self.body {
            Body::Bytes(b) => Cow::Borrowed(b.as_slice()),
            Body::Random { .. } => Cow::Borrowed(&[]),
            Body::File { .. } => Cow::Owned(self.read_all()),
        }
    }
}

/// Opens its file on the first read, so a phone of many files holds no descriptors.
struct LazyFile {
    path: Arc<PathBuf>,
    file: Option<std::fs::File>,
}

impl Read for LazyFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let file = match &mut self.file {
            Some(f) => f,
            None => self.file.insert(std::fs::File::open(self.path.as_ref())?),
        };
        file.read(buf)
    }
}

/// Files the generator puts only in encrypted backups, besides its whole sensitive domains.
const KEYCHAIN: (&str, &str) = ("KeychainDomain", "keychain-backup.plist");
const HEALTH: (&str, &str) = ("HealthDomain", "Health/healthdb_secure.sqlite");
const SAFARI_HISTORY: (&str, &str) = ("HomeDomain", "Library/Safari/History.db");
const WIFI: (&str, &str) = (
    "SystemPreferencesDomain",
    "SystemConfiguration/com.apple.wifi.plist",
);

/// Whether a real iPhone leaves this file out of unencrypted backups (keychain, health, Wi-Fi
/// networks, browsing history), as this crate's phones do.
pub fn is_encrypted_only(domain: &str, path: &str) -> bool {
    matches!(domain, "KeychainDomain" | "HealthDomain")
        || [SAFARI_HISTORY, WIFI].contains(&(domain, path))
}

/// Lets a reader stream a shared body without copying it.
struct SharedBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

pub(crate) const SMS_DB: (&str, &str) = ("HomeDomain", "Library/SMS/sms.db");
pub(crate) const CONTACTS_DB: (&str, &str) =
    ("HomeDomain", "Library/AddressBook/AddressBook.sqlitedb");
pub(crate) const CALLS_DB: (&str, &str) =
    ("HomeDomain", "Library/CallHistoryDB/CallHistory.storedata");
pub(crate) const PHOTOS_DB: (&str, &str) = ("CameraRollDomain", "Media/PhotoData/Photos.sqlite");
pub(crate) const DCIM: &str = "Media/DCIM/100APPLE";
const HEIC: &[u8] = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
const MOV: &[u8] = b"\0\0\0\x14ftypqt  \0\0\0\0qt  ";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0";

impl Phone {
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

    /// Bytes of all files.
    pub fn total_size(&self) -> u64 {
        self.files.values().map(FileEntry::size).sum()
    }

    pub(crate) fn put_db(&mut self, (domain, path): (&str, &str), bytes: Vec<u8>, class: u8) {
        self.put_bytes(FileKey::new(domain, path), bytes, class, false);
    }

    /// Replaces a file's content; its mtime moves only when the bytes really changed.
    pub(crate) fn put_bytes(
        &mut self,
        key: FileKey,
        bytes: Vec<u8>,
        class: u8,
        encrypted_only: bool,
    ) {
        let now = self.now();
        if let Some(old) = self.files.get(&key) {
            if *old.bytes() == *bytes {
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

    pub(crate) fn take_photo(&mut self, rng: &mut ChaCha8Rng) {
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

    pub(crate) fn put_photo_library(&mut self) -> Result<()> {
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

    pub(crate) fn install_next_app(
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

    pub(crate) fn put_settings(&mut self, rng: &mut ChaCha8Rng) -> Result<()> {
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

    pub(crate) fn put_encrypted_only(&mut self, rng: &mut ChaCha8Rng) -> Result<()> {
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
        self.put_bytes(FileKey::new(KEYCHAIN.0, KEYCHAIN.1), keychain, 4, true);
        let health = databases::app_store(rng, 200)?;
        self.put_bytes(FileKey::new(HEALTH.0, HEALTH.1), health, 3, true);
        let history = databases::app_store(rng, 100)?;
        self.put_bytes(
            FileKey::new(SAFARI_HISTORY.0, SAFARI_HISTORY.1),
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
        self.put_bytes(FileKey::new(WIFI.0, WIFI.1), wifi, 4, true);
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
