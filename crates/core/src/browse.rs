//! Browsing a snapshot as the phone's files: by domain and app, by folder, by search, and
//! extracting files or folders to disk — decrypted with the device's backup password when the
//! backup is encrypted. A snapshot holds the device's backup as Finder keeps it (hashed blobs
//! plus Manifest.db), so browsing reads Manifest.db out of the store and each file's blob on
//! demand: nothing else is restored to disk.
//!
//! Paths in Manifest.db come from the device and are untrusted: extraction never writes outside
//! the folder it was given.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use keepsake_mobilesync::{BackupFolder, ClassKeys, EntryKind, ManifestDb, ManifestEntry};
use keepsake_store::{durable, Repository, SnapshotInfo};
use serde::Serialize;

use crate::apple_form::AppleView;
use crate::error::{CoreError, Result};
use crate::location::{find_snapshot, Location, Unlock};
use crate::secrets::{SecretKind, Secrets};

/// The files Finder keeps next to the blobs; browsing needs them from the store.
const FOLDER_FILES: [&str; 4] = [
    "Manifest.plist",
    "Manifest.db",
    "Status.plist",
    "Info.plist",
];

/// One domain of a snapshot: a system area (`CameraRollDomain`, `HomeDomain`…) or an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainSummary {
    pub domain: String,
    /// The app's bundle id for app domains (`AppDomain-`, `AppDomainGroup-`, `AppDomainPlugin-`).
    pub app: Option<String>,
    pub files: u64,
    /// Logical bytes: the files' own sizes.
    pub bytes: u64,
}

/// A file or folder in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrowseEntry {
    pub domain: String,
    /// Path inside the domain.
    pub path: String,
    pub is_dir: bool,
    /// For folders: the bytes of every file under them.
    pub bytes: u64,
    /// Unix seconds, as the device recorded it.
    pub modified: i64,
}

/// What a search found: the first files, and how many in all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Found {
    pub found: Vec<BrowseEntry>,
    pub total: u64,
}

/// What an extraction wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExtractSummary {
    pub files: u64,
    pub bytes: u64,
}

/// An open snapshot, ready to browse.
pub struct SnapshotBrowser {
    repo: Repository,
    snapshot: SnapshotInfo,
    /// The snapshot's files as the device sent them (some may be kept decrypted).
    view: AppleView,
    _plists: tempfile::TempDir,
    folder: BackupFolder,
    keys: Option<ClassKeys>,
    entries: Vec<ManifestEntry>,
}

/// The app a domain belongs to, if it is an app's.
pub fn app_of(domain: &str) -> Option<&str> {
    ["AppDomain-", "AppDomainGroup-", "AppDomainPlugin-"]
        .iter()
        .find_map(|p| domain.strip_prefix(p))
}

impl SnapshotBrowser {
    /// Opens snapshot `snapshot` of the repository at `location`. An encrypted backup needs the
    /// device's backup password: `backup_password`, else the one this computer remembers for the
    /// device; without either it cannot be browsed, and the error says so.
    pub fn open(
        location: &Location,
        unlock: &Unlock,
        snapshot: i64,
        backup_password: Option<&str>,
    ) -> Result<SnapshotBrowser> {
        let repo = location.open_with(unlock)?;
        let info = find_snapshot(&repo, snapshot)?;
        let remembered = || -> Result<Option<String>> {
            match backup_password {
                Some(p) => Ok(Some(p.to_owned())),
                None => Secrets.recall(SecretKind::BackupPassword, &info.device),
            }
        };
        let view = AppleView::open_remembered(&repo, snapshot, backup_password)?;
        if !view.complete() {
            return Err(CoreError::BackupLocked {
                device: info.device.clone(),
            });
        }
        let plists = tempfile::tempdir().map_err(|source| CoreError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
        for name in FOLDER_FILES {
            let path = plists.path().join(name);
            let mut out = std::fs::File::create(&path).map_err(|source| CoreError::Io {
                path: path.clone(),
                source,
            })?;
            if view.cat_if_present(&repo, name, &mut out)?.is_none() {
                drop(out);
                let _ = std::fs::remove_file(&path);
            }
        }
        let folder = BackupFolder::open(plists.path()).map_err(|e| CoreError::NotABackup {
            snapshot,
            detail: e.to_string(),
        })?;
        let known = view.keys().map(|k| k.class_keys().clone());
        let keys = if let Some(known) = known {
            Some(known)
        } else if folder.manifest.is_encrypted {
            let password = remembered()?.ok_or_else(|| CoreError::BackupLocked {
                device: info.device.clone(),
            })?;
            Some(folder.unlock(&password).map_err(|e| match e {
                keepsake_mobilesync::Error::WrongPassword => CoreError::WrongBackupPassword {
                    device: info.device.clone(),
                },
                other => CoreError::NotABackup {
                    snapshot,
                    detail: other.to_string(),
                },
            })?)
        } else {
            None
        };
        let entries = folder
            .manifest_db(keys.as_ref())
            .and_then(|db: ManifestDb| db.entries())
            .map_err(|e| CoreError::NotABackup {
                snapshot,
                detail: e.to_string(),
            })?;
        Ok(SnapshotBrowser {
            repo,
            snapshot: info,
            view,
            _plists: plists,
            folder,
            keys,
            entries,
        })
    }

    pub fn snapshot(&self) -> &SnapshotInfo {
        &self.snapshot
    }

    pub fn is_encrypted(&self) -> bool {
        self.folder.manifest.is_encrypted
    }

    /// Every entry of the backup (files, folders, links) as Manifest.db lists them.
    pub fn entries(&self) -> &[ManifestEntry] {
        &self.entries
    }

    /// The domains with their files and bytes, apps' domains named by app, largest first.
    pub fn domains(&self) -> Vec<DomainSummary> {
        let mut by: BTreeMap<&str, DomainSummary> = BTreeMap::new();
        for e in &self.entries {
            let d = by.entry(&e.domain).or_insert_with(|| DomainSummary {
                domain: e.domain.clone(),
                app: app_of(&e.domain).map(str::to_owned),
                files: 0,
                bytes: 0,
            });
            if e.kind == EntryKind::File {
                d.files += 1;
                d.bytes += e.file.size.unwrap_or(0);
            }
        }
        let mut out: Vec<DomainSummary> = by.into_values().collect();
        out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.domain.cmp(&b.domain)));
        out
    }

    /// Its apps, by name and icon, with what they hold (see [`crate::apps::apps`]).
    pub fn apps(&self) -> Vec<crate::apps::AppSummary> {
        crate::apps::apps(
            &self.entries,
            self.folder.info.as_ref(),
            &self.folder.manifest,
        )
    }

    /// The phone's own data by kind: Photos, Messages, Contacts… (see [`crate::apps::kinds`]).
    pub fn kinds(&self) -> Vec<crate::apps::KindSummary> {
        crate::apps::kinds(&self.entries)
    }

    /// What `folder` of `domain` holds ("" for its top): files and sub-folders, with sizes.
    pub fn list(&self, domain: &str, folder: &str) -> Result<Vec<BrowseEntry>> {
        let folder = folder.trim_matches('/');
        if !self.entries.iter().any(|e| e.domain == domain) {
            return Err(CoreError::NotInSnapshot {
                what: domain.to_owned(),
                snapshot: self.snapshot.id,
            });
        }
        let prefix = if folder.is_empty() {
            String::new()
        } else {
            format!("{folder}/")
        };
        let mut out: BTreeMap<String, BrowseEntry> = BTreeMap::new();
        for e in self.in_domain(domain) {
            let Some(rest) = e.relative_path.strip_prefix(&prefix) else {
                continue;
            };
            if rest.is_empty() {
                continue;
            }
            let (name, below) = match rest.split_once('/') {
                Some((dir, _)) => (dir, true),
                None => (rest, e.kind == EntryKind::Directory),
            };
            let item = out.entry(name.to_owned()).or_insert_with(|| BrowseEntry {
                domain: domain.to_owned(),
                path: format!("{prefix}{name}"),
                is_dir: below,
                bytes: 0,
                modified: e.file.last_modified,
            });
            item.is_dir |= below;
            item.modified = item.modified.max(e.file.last_modified);
            if e.kind == EntryKind::File {
                item.bytes += e.file.size.unwrap_or(0);
            }
        }
        let mut items: Vec<BrowseEntry> = out.into_values().collect();
        items.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then_with(|| a.path.cmp(&b.path)));
        Ok(items)
    }

    /// Files whose domain-qualified path (`HomeDomain/Library/SMS/sms.db`) contains `text`,
    /// ignoring case.
    pub fn search(&self, text: &str) -> Vec<BrowseEntry> {
        self.search_at_most(text, usize::MAX).found
    }

    /// The first `limit` files [`SnapshotBrowser::search`] finds, and how many it found in all;
    /// an app's name matches every file of the app.
    pub fn search_at_most(&self, text: &str, limit: usize) -> Found {
        let needle = text.trim().to_lowercase();
        let named: std::collections::BTreeSet<String> = self
            .apps()
            .into_iter()
            .filter(|a| !needle.is_empty() && a.name.to_lowercase().contains(&needle))
            .flat_map(|a| a.domains)
            .collect();
        let mut found = Found::default();
        for e in self.entries.iter().filter(|e| e.kind == EntryKind::File) {
            let hit = named.contains(&e.domain)
                || format!("{}/{}", e.domain, e.relative_path)
                    .to_lowercase()
                    .contains(&needle);
            if !hit {
                continue;
            }
            found.total += 1;
            if found.found.len() < limit {
                found.found.push(BrowseEntry {
                    domain: e.domain.clone(),
                    path: e.relative_path.clone(),
                    is_dir: false,
                    bytes: e.file.size.unwrap_or(0),
                    modified: e.file.last_modified,
                });
            }
        }
        found
    }

    fn in_domain<'a>(&'a self, domain: &'a str) -> impl Iterator<Item = &'a ManifestEntry> + 'a {
        self.entries.iter().filter(move |e| e.domain == domain)
    }

    /// Writes one file, decrypted, to `out`; returns its size.
    pub fn read_file(&self, domain: &str, path: &str, out: &mut dyn Write) -> Result<u64> {
        let entry = self
            .in_domain(domain)
            .find(|e| e.relative_path == path && e.kind == EntryKind::File)
            .ok_or_else(|| CoreError::NotInSnapshot {
                what: format!("{domain}/{path}"),
                snapshot: self.snapshot.id,
            })?;
        self.copy_entry(entry, out)
    }

    fn copy_entry(&self, entry: &ManifestEntry, out: &mut dyn Write) -> Result<u64> {
        let blob = format!("{}/{}", &entry.file_id[..2], entry.file_id);
        let cat = |w: &mut dyn Write| self.view.cat_if_present(&self.repo, &blob, w);
        let missing_ok = |found: Option<u64>| match found {
            Some(n) => Ok(n),
            // Encrypted backups record empty files without a blob.
            None if entry.file.size == Some(0) => Ok(0),
            None => Err(CoreError::NotInSnapshot {
                what: format!("{}/{}", entry.domain, entry.relative_path),
                snapshot: self.snapshot.id,
            }),
        };
        match (&self.keys, entry.file.encryption_key.is_some()) {
            (Some(keys), true) => {
                let mut counting = Counting {
                    inner: out,
                    bytes: 0,
                };
                let mut writer =
                    keepsake_mobilesync::decrypt_file_into(keys, &entry.file, &mut counting)
                        .map_err(|e| self.bad_file(entry, e))?;
                if cat(&mut writer)?.is_none() {
                    return missing_ok(None);
                }
                writer.finish().map_err(|e| self.bad_file(entry, e))?;
                Ok(counting.bytes)
            }
            _ => missing_ok(cat(out)?),
        }
    }

    fn bad_file(&self, entry: &ManifestEntry, e: keepsake_mobilesync::Error) -> CoreError {
        CoreError::NotABackup {
            snapshot: self.snapshot.id,
            detail: format!("{}/{}: {e}", entry.domain, entry.relative_path),
        }
    }

    /// Extracts a file or a whole folder (`path` "" for the whole domain) of `domain` into
    /// `target/<domain>/<path>`, decrypted. `progress` hears the bytes written so far.
    pub fn extract(
        &self,
        domain: &str,
        path: &str,
        target: &Path,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ExtractSummary> {
        let path = path.trim_matches('/');
        let prefix = format!("{path}/");
        let chosen: Vec<&ManifestEntry> = self
            .in_domain(domain)
            .filter(|e| e.kind == EntryKind::File)
            .filter(|e| {
                path.is_empty() || e.relative_path == path || e.relative_path.starts_with(&prefix)
            })
            .collect();
        if chosen.is_empty() {
            return Err(CoreError::NotInSnapshot {
                what: format!("{domain}/{path}"),
                snapshot: self.snapshot.id,
            });
        }
        let mut summary = ExtractSummary::default();
        for entry in chosen {
            let dest =
                safe_join(target, &[&entry.domain, &entry.relative_path]).ok_or_else(|| {
                    CoreError::NotABackup {
                        snapshot: self.snapshot.id,
                        detail: format!(
                            "{}/{} is not a plain path; it was not extracted",
                            entry.domain, entry.relative_path
                        ),
                    }
                })?;
            let io = |source| CoreError::Io {
                path: dest.clone(),
                source,
            };
            if let Some(dir) = dest.parent() {
                durable::create_dir_all(dir).map_err(io)?;
            }
            let partial = dest.with_extension("keepsake-partial");
            let mut file = NotingErrors {
                inner: durable::Reported::new(durable::create(&partial).map_err(io)?, &partial),
                error: None,
            };
            // A failed write is named by the file being written (not the snapshot's blob).
            let written = self
                .copy_entry(entry, &mut file)
                .map_err(|e| file.error.take().map_or(e, io));
            let finished = written.and_then(|n| {
                durable::sync_file(&file.inner.file, &partial).map_err(io)?;
                durable::rename(&partial, &dest).map_err(io)?;
                Ok(n)
            });
            match finished {
                Ok(n) => {
                    summary.files += 1;
                    summary.bytes += n;
                    progress(summary.bytes);
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&partial);
                    return Err(e);
                }
            }
        }
        // Once it says it is done, a power cut keeps every extracted file.
        durable::sync_filesystem(target).map_err(|source| CoreError::Io {
            path: target.to_owned(),
            source,
        })?;
        Ok(summary)
    }
}

/// A writer that remembers its first error, so that a failed copy can say which file it was
/// writing.
struct NotingErrors<W> {
    inner: W,
    error: Option<std::io::Error>,
}

impl<W: Write> Write for NotingErrors<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf).inspect_err(|e| {
            self.error
                .get_or_insert_with(|| std::io::Error::new(e.kind(), e.to_string()));
        })
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// `root` joined with device-supplied parts, or `None` if any part could leave `root`
/// (absolute, `..`, empty components, NUL).
fn safe_join(root: &Path, parts: &[&str]) -> Option<PathBuf> {
    let mut out = root.to_path_buf();
    for part in parts {
        if part.is_empty() || part.contains('\0') || part.contains('\\') {
            return None;
        }
        for c in Path::new(part).components() {
            match c {
                Component::Normal(n) => out.push(n),
                _ => return None,
            }
        }
        if part
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return None;
        }
    }
    Some(out)
}

struct Counting<'a> {
    inner: &'a mut dyn Write,
    bytes: u64,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn at<'a>(out: &'a mut BTreeMap<String, DomainDiff>, domain: &str) -> &'a mut DomainDiff {
    out.entry(domain.to_owned()).or_insert_with(|| DomainDiff {
        domain: domain.to_owned(),
        app: app_of(domain).map(str::to_owned),
        ..Default::default()
    })
}

/// How one domain changed between two snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DomainDiff {
    pub domain: String,
    pub app: Option<String>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    pub bytes_added: u64,
    pub bytes_removed: u64,
    /// Size of the changed files in the newer snapshot.
    pub bytes_changed: u64,
}

/// What changed from snapshot `older` to `newer`, per domain (only domains with changes). A
/// file changed when its size, modification time or (encrypted backups) its key differs: the
/// device rewrites those with every change, so no file data is read.
pub fn diff(older: &SnapshotBrowser, newer: &SnapshotBrowser) -> Vec<DomainDiff> {
    let index = |b: &SnapshotBrowser| -> BTreeMap<(String, String), ManifestEntry> {
        b.entries
            .iter()
            .filter(|e| e.kind == EntryKind::File)
            .map(|e| ((e.domain.clone(), e.relative_path.clone()), e.clone()))
            .collect()
    };
    let (old, new) = (index(older), index(newer));
    let mut out: BTreeMap<String, DomainDiff> = BTreeMap::new();
    for ((domain, path), e) in &new {
        let size = e.file.size.unwrap_or(0);
        match old.get(&(domain.clone(), path.clone())) {
            None => {
                let d = at(&mut out, domain);
                d.added.push(path.clone());
                d.bytes_added += size;
            }
            Some(o)
                if o.file.size != e.file.size
                    || o.file.last_modified != e.file.last_modified
                    || o.file.encryption_key != e.file.encryption_key =>
            {
                let d = at(&mut out, domain);
                d.changed.push(path.clone());
                d.bytes_changed += size;
            }
            Some(_) => {}
        }
    }
    for ((domain, path), e) in &old {
        if !new.contains_key(&(domain.clone(), path.clone())) {
            let d = at(&mut out, domain);
            d.removed.push(path.clone());
            d.bytes_removed += e.file.size.unwrap_or(0);
        }
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_paths_cannot_leave_the_extraction_folder() {
        let root = Path::new("/tmp/out");
        assert_eq!(
            safe_join(root, &["HomeDomain", "Library/SMS/sms.db"]),
            Some(PathBuf::from("/tmp/out/HomeDomain/Library/SMS/sms.db"))
        );
        for bad in [
            "../x",
            "/etc/passwd",
            "a/../../x",
            "a//b",
            "./a",
            "a\0b",
            "a\\..\\b",
            "",
        ] {
            assert_eq!(safe_join(root, &["HomeDomain", bad]), None, "{bad:?}");
        }
        assert_eq!(safe_join(root, &["..", "x"]), None);
    }

    #[test]
    fn app_domains_are_named_by_their_app() {
        assert_eq!(
            app_of("AppDomain-com.example.notes"),
            Some("com.example.notes")
        );
        assert_eq!(
            app_of("AppDomainGroup-group.com.example"),
            Some("group.com.example")
        );
        assert_eq!(app_of("CameraRollDomain"), None);
    }
}
