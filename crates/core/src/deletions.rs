//! What a backup let go: an incremental backup keeps only what the phone still has, so photos
//! or messages deleted on the phone (a full phone, a mistaken "select all", a phone handed on)
//! leave the newest snapshot. The snapshot before still holds them; this module finds when a
//! large share went at once, so the person is told plainly and that snapshot is kept.
//!
//! [`mass_deletions`] compares two snapshots' Manifest.db entries (no I/O);
//! [`check_backup`] makes that comparison after a backup and keeps the snapshot before.

use std::collections::HashMap;

use keepsake_mobilesync::{
    strip_padding, EntryKind, ManifestDb, ManifestEntry, MAX_MANIFEST_DB_LEN, SQLITE_MAGIC,
};
use keepsake_store::Repository;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};

/// What people keep that a backup may drop en masse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kept {
    /// The camera roll's photos and videos (`CameraRollDomain`, `Media/DCIM/`).
    Photos,
    /// What came in messages: photos, videos and files (`MediaDomain`,
    /// `Library/SMS/Attachments/`).
    MessageAttachments,
}

impl Kept {
    fn of(entry: &ManifestEntry) -> Option<Kept> {
        if entry.kind != EntryKind::File {
            return None;
        }
        let path = entry.relative_path.as_str();
        match entry.domain.as_str() {
            "CameraRollDomain" if path.starts_with("Media/DCIM/") => Some(Kept::Photos),
            "MediaDomain" if path.starts_with("Library/SMS/Attachments/") => {
                Some(Kept::MessageAttachments)
            }
            _ => None,
        }
    }
}

/// Files and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub files: u64,
    pub bytes: u64,
}

/// A large share of one kind gone between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MassDeletion {
    pub kind: Kept,
    /// What the older snapshot held.
    pub before: Count,
    /// What of that the newer one no longer holds (new files do not make up for it).
    pub removed: Count,
}

impl MassDeletion {
    /// The share removed, in percent of the files held before.
    pub fn percent(&self) -> u64 {
        (self.removed.files * 100)
            .checked_div(self.before.files)
            .unwrap_or(0)
    }
}

/// A share of the files at least this large (in percent) removed at once is a mass deletion...
pub const SHARE_PERCENT: u64 = 20;
/// ...as is this many bytes, whatever the share.
pub const BYTES: u64 = 1_000_000_000;
/// Below this many files, a share means little: deleting 2 of 5 photos is tidying up.
pub const MIN_FILES: u64 = 10;

/// The kinds of which `newer` lost a large share of what `older` held: at least
/// [`SHARE_PERCENT`] % of the files (of at least [`MIN_FILES`]), or [`BYTES`] bytes.
pub fn mass_deletions(older: &[ManifestEntry], newer: &[ManifestEntry]) -> Vec<MassDeletion> {
    let still: std::collections::HashSet<&str> = newer
        .iter()
        .filter(|e| Kept::of(e).is_some())
        .map(|e| e.file_id.as_str())
        .collect();
    let mut by_kind: HashMap<Kept, (Count, Count)> = HashMap::new();
    for entry in older {
        let Some(kind) = Kept::of(entry) else {
            continue;
        };
        let size = entry.file.size.unwrap_or(0);
        let (before, removed) = by_kind.entry(kind).or_default();
        before.files += 1;
        before.bytes += size;
        if !still.contains(entry.file_id.as_str()) {
            removed.files += 1;
            removed.bytes += size;
        }
    }
    let mut found: Vec<MassDeletion> = by_kind
        .into_iter()
        .filter(|(_, (before, removed))| {
            removed.bytes >= BYTES
                || (removed.files >= MIN_FILES
                    && removed.files * 100 >= before.files * SHARE_PERCENT)
        })
        .map(|(kind, (before, removed))| MassDeletion {
            kind,
            before,
            removed,
        })
        .collect();
    found.sort_by_key(|m| m.kind);
    found
}

/// A backup that let a large share of photos or attachments go, and the snapshot before it,
/// kept (pinned) until the person says they may go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MassDeletionWarning {
    /// Unix seconds.
    pub at: i64,
    /// The repository holding both snapshots (its id, from its config).
    pub repository: String,
    /// The new snapshot, without them.
    pub snapshot: i64,
    /// The snapshot before it, which still holds them.
    pub kept: i64,
    pub found: Vec<MassDeletion>,
}

impl MassDeletionWarning {
    /// What went, in words: "1204 of 1500 photos and videos (80 %, 3.4 GiB)".
    pub fn summary(&self) -> String {
        self.words(true)
    }

    /// [`Self::summary`], with the sizes or without them (the snapshot's note: the app shows
    /// sizes in its own units).
    fn words(&self, sizes: bool) -> String {
        use keepsake_i18n::say;
        let parts: Vec<String> = self
            .found
            .iter()
            .map(|m| {
                let kind = match m.kind {
                    Kept::Photos => "photos",
                    Kept::MessageAttachments => "attachments",
                };
                let (id, size) = if sizes {
                    let size = keepsake_i18n::process().bytes(m.removed.bytes);
                    ("mass-deletion-part-sized", size)
                } else {
                    ("mass-deletion-part", String::new())
                };
                say(
                    id,
                    &[
                        ("kind", &kind),
                        ("removed", &m.removed.files),
                        ("before", &m.before.files),
                        ("percent", &m.percent()),
                        ("size", &size),
                    ],
                )
            })
            .collect();
        match parts.as_slice() {
            [one] => one.clone(),
            [first, second] => say(
                "mass-deletion-both",
                &[("first", first), ("second", second)],
            ),
            _ => parts.join(", "),
        }
    }
}

/// The camera roll's and the attachments' entries of a snapshot, from its Manifest.db as the
/// store keeps it: `None` when it is kept encrypted as the device sent it (taken without the
/// backup password) or the snapshot has none.
fn kept_entries(repo: &Repository, snapshot: i64) -> Result<Option<Vec<ManifestEntry>>> {
    let limit = MAX_MANIFEST_DB_LEN + 16;
    let Some(bytes) = crate::apple_form::cat_limited(repo, snapshot, "Manifest.db", limit)? else {
        return Ok(None);
    };
    if !bytes.starts_with(SQLITE_MAGIC) {
        return Ok(None);
    }
    let bad = |e: keepsake_mobilesync::Error| CoreError::NotABackup {
        snapshot,
        detail: format!("Manifest.db: {e}"),
    };
    // Kept decrypted, it still ends in the padding of Apple's encryption.
    let db = ManifestDb::from_bytes(&bytes)
        .or_else(|_| ManifestDb::from_bytes(strip_padding(&bytes)))
        .map_err(bad)?;
    let mut entries = db
        .entries_under("CameraRollDomain", "Media/DCIM/")
        .map_err(bad)?;
    entries.extend(
        db.entries_under("MediaDomain", "Library/SMS/Attachments/")
            .map_err(bad)?,
    );
    Ok(Some(entries))
}

/// After a backup wrote `snapshot` in `repo`: compares it with the device's snapshot before it,
/// and when a large share of its photos or attachments went ([`mass_deletions`]), keeps that
/// snapshot forever (pinned, with a note saying why, unless the person pinned it already) and
/// returns the warning. Nothing to compare (a first backup, a Manifest.db kept as sent) is
/// `Ok(None)`.
pub fn check_backup(
    repo: &Repository,
    snapshot: i64,
    now: i64,
) -> Result<Option<MassDeletionWarning>> {
    let all = keepsake_store::commands::list::snapshots(repo)?;
    let Some(new) = all.iter().find(|s| s.id == snapshot) else {
        return Ok(None);
    };
    let Some(previous) = all
        .iter()
        .filter(|s| s.device == new.device && s.seq < new.seq)
        .max_by_key(|s| s.seq)
    else {
        return Ok(None);
    };
    let (Some(older), Some(newer)) = (
        kept_entries(repo, previous.id)?,
        kept_entries(repo, new.id)?,
    ) else {
        return Ok(None);
    };
    let found = mass_deletions(&older, &newer);
    if found.is_empty() {
        return Ok(None);
    }
    let warning = MassDeletionWarning {
        at: now,
        repository: repo.config().id.clone(),
        snapshot,
        kept: previous.id,
        found,
    };
    let mark = keepsake_store::commands::marks::mark(repo, previous.id)?;
    if !mark.as_ref().is_some_and(|m| m.pinned) {
        // The person's own note stays.
        let note = keepsake_i18n::say("mass-deletion-pin-note", &[("what", &warning.words(false))]);
        let noted = mark.is_some_and(|m| m.note.is_some());
        crate::pins::pin(repo, previous.id, (!noted).then_some(note.as_str()))?;
    }
    tracing::warn!(
        device = new.device,
        kept = previous.id,
        what = warning.summary(),
        "a backup let a large share go; the snapshot before it is kept"
    );
    Ok(Some(warning))
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepsake_mobilesync::MbFile;

    fn file(domain: &str, path: &str, size: u64) -> ManifestEntry {
        let mb = MbFile {
            relative_path: path.to_owned(),
            size: Some(size),
            ..MbFile::default()
        };
        ManifestEntry::new(domain, EntryKind::File, mb)
    }

    fn photos(range: std::ops::Range<u32>, size: u64) -> Vec<ManifestEntry> {
        range
            .map(|n| {
                file(
                    "CameraRollDomain",
                    &format!("Media/DCIM/100APPLE/IMG_{n:04}.HEIC"),
                    size,
                )
            })
            .collect()
    }

    #[test]
    fn a_large_share_of_photos_gone_is_found_and_new_ones_do_not_hide_it() {
        let older = photos(0..100, 3_000_000);
        // 25 deleted, 30 new taken the same day: fewer missing than new, still a deletion.
        let newer: Vec<_> = photos(25..130, 3_000_000);
        let found = mass_deletions(&older, &newer);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, Kept::Photos);
        assert_eq!(
            found[0].before,
            Count {
                files: 100,
                bytes: 300_000_000
            }
        );
        assert_eq!(
            found[0].removed,
            Count {
                files: 25,
                bytes: 75_000_000
            }
        );
        assert_eq!(found[0].percent(), 25);
    }

    #[test]
    fn an_ordinary_day_of_deleting_a_few_is_not_a_mass_deletion() {
        let older = photos(0..100, 3_000_000);
        assert!(
            mass_deletions(&older, &photos(19..105, 3_000_000)).is_empty(),
            "19 %"
        );
        assert_eq!(
            mass_deletions(&older, &photos(20..105, 3_000_000)).len(),
            1,
            "20 %"
        );
        // Of a handful, a share means little.
        let few = photos(0..9, 3_000_000);
        assert!(mass_deletions(&few, &photos(5..9, 3_000_000)).is_empty());
        // Other domains, folders and files are not counted.
        let other = vec![
            file("HomeDomain", "Media/DCIM/100APPLE/IMG_0001.HEIC", 5),
            file("CameraRollDomain", "Media/PhotoData/Photos.sqlite", 5),
        ];
        assert!(mass_deletions(&other, &[]).is_empty());
    }

    #[test]
    fn a_gigabyte_gone_is_a_mass_deletion_whatever_the_share() {
        let mut older = photos(0..1000, 1_000_000);
        older.push(file(
            "CameraRollDomain",
            "Media/DCIM/100APPLE/IMG_9999.MOV",
            1_000_000_000,
        ));
        let found = mass_deletions(&older, &photos(0..1000, 1_000_000));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].removed.files, 1);
        assert_eq!(found[0].percent(), 0);
    }

    #[test]
    fn message_attachments_are_counted_apart_from_photos() {
        let older: Vec<_> = (0..40)
            .map(|n| {
                file(
                    "MediaDomain",
                    &format!("Library/SMS/Attachments/{n:02x}/IMG_{n}.jpeg"),
                    100,
                )
            })
            .chain(photos(0..40, 100))
            .collect();
        let newer = photos(0..40, 100);
        let found = mass_deletions(&older, &newer);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, Kept::MessageAttachments);
        assert_eq!(found[0].removed.files, 40);
        assert_eq!(found[0].percent(), 100);
    }
}
