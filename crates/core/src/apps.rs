//! What a snapshot holds, named as people know it: apps by their names and icons (from the
//! Info.plist a backup keeps, as Finder does), and the phone's own data by kind (Photos,
//! Messages, Contacts…) rather than by `HomeDomain/Library/SMS`.
//!
//! Everything here comes from the device or a disk: names are text to show, never paths, and an
//! icon is shown only as the PNG it claims to be.

use std::collections::BTreeMap;

use base64::Engine as _;
use keepsake_device::apps::InstalledApp;
use keepsake_mobilesync::{EntryKind, InfoPlist, ManifestEntry, ManifestPlist};
use plist::{Dictionary, Value};
use serde::Serialize;

/// Info.plist's `Applications` and `Installed Applications` for these apps, as Finder writes
/// them (`ApplicationSINF`, `iTunesMetadata`, `PlaceholderIcon`), plus the name under the icon,
/// which store metadata lacks for apps not from the App Store.
pub fn info_plist_applications(apps: &[InstalledApp]) -> (Dictionary, Vec<String>) {
    let mut all = Dictionary::new();
    for app in apps {
        let mut d = Dictionary::new();
        if let Some(sinf) = &app.sinf {
            d.insert("ApplicationSINF".into(), Value::Data(sinf.clone()));
        }
        if let Some(meta) = &app.itunes_metadata {
            d.insert("iTunesMetadata".into(), Value::Data(meta.clone()));
        }
        if let Some(icon) = &app.icon_png {
            d.insert("PlaceholderIcon".into(), Value::Data(icon.clone()));
        }
        if let Some(name) = &app.display_name {
            d.insert("CFBundleDisplayName".into(), name.as_str().into());
        }
        all.insert(app.bundle_id.clone(), Value::Dictionary(d));
    }
    (all, apps.iter().map(|a| a.bundle_id.clone()).collect())
}

/// An app as a snapshot knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppSummary {
    pub bundle_id: String,
    /// Its name on the phone; the bundle id when the snapshot does not say.
    pub name: String,
    pub version: Option<String>,
    /// Its icon as a `data:image/png;base64,…` URL, when the snapshot keeps one.
    pub icon: Option<String>,
    /// Its domains: its own, its extensions' (`AppDomainPlugin-`) and its groups'.
    pub domains: Vec<String>,
    pub files: u64,
    pub bytes: u64,
}

/// What a snapshot says of one app: its name, version and icon (a data URL), each when known.
#[derive(Debug, Clone, Default)]
struct Facts {
    name: Option<String>,
    version: Option<String>,
    icon: Option<String>,
}

/// Names, versions and icons by bundle id, from Info.plist (Finder's and Keepsake's backups)
/// and Manifest.plist (the device's list, without names).
fn facts(info: Option<&InfoPlist>, manifest: &ManifestPlist) -> BTreeMap<String, Facts> {
    let mut out: BTreeMap<String, Facts> = BTreeMap::new();
    for (id, v) in &manifest.applications {
        let version = v
            .as_dictionary()
            .and_then(|d| {
                d.get("CFBundleShortVersionString")
                    .or(d.get("CFBundleVersion"))
            })
            .and_then(Value::as_string)
            .map(str::to_owned);
        out.entry(id.clone()).or_default().version = version;
    }
    for (id, v) in info
        .and_then(|i| i.applications.as_ref())
        .into_iter()
        .flatten()
    {
        let Some(d) = v.as_dictionary() else { continue };
        let store: Option<Dictionary> = d
            .get("iTunesMetadata")
            .and_then(Value::as_data)
            .and_then(|b| plist::from_bytes(b).ok());
        let name = store
            .as_ref()
            .and_then(|m| m.get("itemName"))
            .or(d.get("CFBundleDisplayName"))
            .and_then(Value::as_string)
            .map(|s| s.chars().take(120).collect::<String>())
            .filter(|s| !s.trim().is_empty());
        let version = store
            .as_ref()
            .and_then(|m| m.get("bundleShortVersionString"))
            .and_then(Value::as_string)
            .map(str::to_owned);
        let icon = d
            .get("PlaceholderIcon")
            .and_then(Value::as_data)
            .filter(|png| {
                png.len() <= keepsake_device::apps::MAX_ICON
                    && png.starts_with(b"\x89PNG\r\n\x1a\n")
            })
            .map(|png| {
                format!(
                    "data:image/png;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(png)
                )
            });
        let entry = out.entry(id.clone()).or_default();
        entry.name = name.or(entry.name.take());
        entry.version = entry.version.take().or(version);
        entry.icon = icon;
    }
    out
}

/// The bundle id a domain belongs to among `known`: `AppDomain-<id>`, `AppDomainPlugin-<id>.<ext>`
/// or `AppDomainGroup-group.<id>[.<more>]`. An unknown app's own domain still names it.
fn owner<'a>(domain: &'a str, known: &'a BTreeMap<String, impl Sized>) -> Option<String> {
    if let Some(id) = domain.strip_prefix("AppDomain-") {
        return Some(id.to_owned());
    }
    let candidate = domain.strip_prefix("AppDomainPlugin-").or_else(|| {
        domain
            .strip_prefix("AppDomainGroup-")
            .map(|g| g.strip_prefix("group.").unwrap_or(g))
    })?;
    // The longest known id the domain is, or starts with followed by a dot.
    known
        .keys()
        .filter(|id| {
            candidate == id.as_str()
                || (candidate.starts_with(id.as_str())
                    && candidate.as_bytes().get(id.len()) == Some(&b'.'))
        })
        .max_by_key(|id| id.len())
        .cloned()
        .or_else(|| {
            domain
                .starts_with("AppDomainPlugin-")
                .then(|| candidate.to_owned())
        })
}

/// The snapshot's apps with their names, icons and what they hold, largest first. Group domains
/// no known app owns are left to the domain list.
pub fn apps(
    entries: &[ManifestEntry],
    info: Option<&InfoPlist>,
    manifest: &ManifestPlist,
) -> Vec<AppSummary> {
    let known = facts(info, manifest);
    let mut by: BTreeMap<String, AppSummary> = BTreeMap::new();
    let mut owners: BTreeMap<&str, Option<String>> = BTreeMap::new();
    for e in entries {
        let owner = owners
            .entry(e.domain.as_str())
            .or_insert_with(|| owner(&e.domain, &known))
            .clone();
        let Some(id) = owner else { continue };
        let app = by.entry(id.clone()).or_insert_with(|| {
            let Facts {
                name,
                version,
                icon,
            } = known.get(&id).cloned().unwrap_or_default();
            AppSummary {
                name: name.unwrap_or_else(|| id.clone()),
                bundle_id: id,
                version,
                icon,
                domains: Vec::new(),
                files: 0,
                bytes: 0,
            }
        });
        if !app.domains.contains(&e.domain) {
            app.domains.push(e.domain.clone());
        }
        if e.kind == EntryKind::File {
            app.files += 1;
            app.bytes += e.file.size.unwrap_or(0);
        }
    }
    let mut out: Vec<AppSummary> = by.into_values().collect();
    for a in &mut out {
        a.domains.sort();
    }
    out.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    out
}

/// The phone's own data, as people name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Photos,
    Messages,
    Contacts,
    Calls,
    Notes,
    Calendars,
    VoiceMemos,
    Safari,
    Health,
    Passwords,
    Settings,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Photos,
        Kind::Messages,
        Kind::Contacts,
        Kind::Calls,
        Kind::Notes,
        Kind::Calendars,
        Kind::VoiceMemos,
        Kind::Safari,
        Kind::Health,
        Kind::Passwords,
        Kind::Settings,
    ];

    /// Where iOS keeps this kind: (domain, folder inside it; "" for the whole domain).
    pub fn places(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Kind::Photos => &[("CameraRollDomain", "Media/DCIM")],
            Kind::Messages => &[
                ("HomeDomain", "Library/SMS"),
                ("MediaDomain", "Library/SMS/Attachments"),
            ],
            Kind::Contacts => &[("HomeDomain", "Library/AddressBook")],
            Kind::Calls => &[("HomeDomain", "Library/CallHistoryDB")],
            Kind::Notes => &[
                ("AppDomainGroup-group.com.apple.notes", ""),
                ("HomeDomain", "Library/Notes"),
            ],
            Kind::Calendars => &[("HomeDomain", "Library/Calendar")],
            Kind::VoiceMemos => &[
                ("MediaDomain", "Media/Recordings"),
                ("AppDomainGroup-group.com.apple.VoiceMemos.shared", ""),
            ],
            Kind::Safari => &[("HomeDomain", "Library/Safari")],
            Kind::Health => &[("HealthDomain", "")],
            Kind::Passwords => &[("KeychainDomain", "")],
            Kind::Settings => &[
                ("HomeDomain", "Library/Preferences"),
                ("SystemPreferencesDomain", ""),
                ("ManagedPreferencesDomain", ""),
            ],
        }
    }

    fn holds(self, e: &ManifestEntry) -> Option<usize> {
        self.places().iter().position(|(domain, folder)| {
            e.domain == *domain
                && (folder.is_empty()
                    || e.relative_path == *folder
                    || (e.relative_path.starts_with(folder)
                        && e.relative_path.as_bytes().get(folder.len()) == Some(&b'/')))
        })
    }
}

/// A place a kind lives in, with what it holds there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindPlace {
    pub domain: String,
    pub folder: String,
    pub files: u64,
    pub bytes: u64,
}

/// A kind of data the snapshot holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindSummary {
    pub kind: Kind,
    /// Only the places that hold files, in the order iOS's main one comes first.
    pub places: Vec<KindPlace>,
    pub files: u64,
    pub bytes: u64,
}

/// The kinds of data the snapshot holds files of, in [`Kind::ALL`]'s order. A file under a place
/// of two kinds (message attachments are also media) counts for the first.
pub fn kinds(entries: &[ManifestEntry]) -> Vec<KindSummary> {
    let mut tally: BTreeMap<(Kind, usize), (u64, u64)> = BTreeMap::new();
    for e in entries.iter().filter(|e| e.kind == EntryKind::File) {
        if let Some((kind, place)) = Kind::ALL.iter().find_map(|k| k.holds(e).map(|p| (*k, p))) {
            let t = tally.entry((kind, place)).or_default();
            t.0 += 1;
            t.1 += e.file.size.unwrap_or(0);
        }
    }
    Kind::ALL
        .iter()
        .filter_map(|&kind| {
            let places: Vec<KindPlace> = kind
                .places()
                .iter()
                .enumerate()
                .filter_map(|(i, (domain, folder))| {
                    tally.get(&(kind, i)).map(|&(files, bytes)| KindPlace {
                        domain: (*domain).to_owned(),
                        folder: (*folder).to_owned(),
                        files,
                        bytes,
                    })
                })
                .collect();
            (!places.is_empty()).then(|| KindSummary {
                kind,
                files: places.iter().map(|p| p.files).sum(),
                bytes: places.iter().map(|p| p.bytes).sum(),
                places,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepsake_mobilesync::MbFile;

    fn file(domain: &str, path: &str, size: u64) -> ManifestEntry {
        ManifestEntry::new(
            domain,
            EntryKind::File,
            MbFile {
                relative_path: path.into(),
                size: Some(size),
                ..MbFile::default()
            },
        )
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\nrest";

    fn info_with(apps: &[InstalledApp]) -> InfoPlist {
        let (all, ids) = info_plist_applications(apps);
        InfoPlist {
            applications: Some(all),
            installed_applications: Some(ids),
            ..InfoPlist::default()
        }
    }

    #[test]
    fn apps_are_named_by_store_metadata_then_display_name_with_their_domains() {
        let mut meta = Vec::new();
        let mut m = Dictionary::new();
        m.insert("itemName".into(), "Acme Notes".into());
        m.insert("bundleShortVersionString".into(), "2.1".into());
        plist::to_writer_xml(&mut meta, &Value::Dictionary(m)).unwrap();
        let info = info_with(&[
            InstalledApp {
                bundle_id: "com.acme.notes".into(),
                display_name: Some("Notes!".into()),
                itunes_metadata: Some(meta),
                icon_png: Some(PNG.to_vec()),
                ..Default::default()
            },
            InstalledApp {
                bundle_id: "com.acme.chat".into(),
                display_name: Some("Chat".into()),
                // not a PNG: never shown
                icon_png: Some(b"<svg onload=x>".to_vec()),
                ..Default::default()
            },
        ]);
        let manifest = ManifestPlist::new(Default::default());
        let entries = vec![
            file("AppDomain-com.acme.notes", "Documents/a.txt", 100),
            file("AppDomainPlugin-com.acme.notes.widget", "Library/w", 10),
            file("AppDomainGroup-group.com.acme.notes.shared", "x", 1),
            file("AppDomain-com.acme.chat", "Documents/b", 5),
            file("AppDomain-com.gone.app", "Documents/c", 1),
            file("AppDomainGroup-group.com.other", "y", 1),
            file("HomeDomain", "Library/SMS/sms.db", 1000),
        ];
        let apps = apps(&entries, Some(&info), &manifest);
        let names: Vec<&str> = apps.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Acme Notes", "Chat", "com.gone.app"]);
        let notes = &apps[0];
        assert_eq!(notes.version.as_deref(), Some("2.1"));
        assert_eq!((notes.files, notes.bytes), (3, 111));
        assert_eq!(
            notes.domains,
            [
                "AppDomain-com.acme.notes",
                "AppDomainGroup-group.com.acme.notes.shared",
                "AppDomainPlugin-com.acme.notes.widget"
            ]
        );
        assert!(notes
            .icon
            .as_deref()
            .unwrap()
            .starts_with("data:image/png;base64,iVBORw0KGg"));
        assert_eq!(apps[1].icon, None);
        assert_eq!(apps[2].icon, None);
    }

    #[test]
    fn kinds_count_their_places_and_skip_what_is_absent() {
        let entries = vec![
            file(
                "CameraRollDomain",
                "Media/DCIM/100APPLE/IMG_0001.HEIC",
                3000,
            ),
            file(
                "CameraRollDomain",
                "Media/DCIM/100APPLE/IMG_0002.HEIC",
                2000,
            ),
            file("CameraRollDomain", "Media/DCIMX/not-a-photo", 1),
            file("HomeDomain", "Library/SMS/sms.db", 500),
            file("MediaDomain", "Library/SMS/Attachments/ab/x.jpg", 70),
            file("HomeDomain", "Library/AddressBook/AddressBook.sqlitedb", 40),
        ];
        let kinds = kinds(&entries);
        let got: Vec<(Kind, u64, u64, usize)> = kinds
            .iter()
            .map(|k| (k.kind, k.files, k.bytes, k.places.len()))
            .collect();
        assert_eq!(
            got,
            [
                (Kind::Photos, 2, 5000, 1),
                (Kind::Messages, 2, 570, 2),
                (Kind::Contacts, 1, 40, 1)
            ]
        );
        assert_eq!(kinds[1].places[1].folder, "Library/SMS/Attachments");
    }
}
