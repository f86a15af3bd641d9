//! Pinned snapshots ("before the iOS update"): kept forever, out of the cleaning policy's
//! reach, each with an optional note. They live in the store's catalog
//! ([`keepsake_store::commands::marks`]), so another computer opening the location sees them, a
//! pin is written in one catalog transaction (never lost to a concurrent write), and the store
//! itself refuses to delete a pinned snapshot.
//!
//! Keepsake before catalog version 5 kept pins in `keepsake-pins.json` beside the store, written
//! without a lock. Opening such a location moves them in ([`adopt_pins_file`]): each pin whose
//! snapshot (id, device and time) is still there becomes a mark, then the file is removed.
//! Crash-safe: the marks are committed before the file goes, and adopting twice changes nothing.

use keepsake_store::commands::marks;
use keepsake_store::{Repository, SnapshotInfo};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::location::find_snapshot;
use crate::settings_files::read_json;

/// The pins file older versions kept inside a repository folder.
pub const PINS_FILE: &str = "keepsake-pins.json";

/// A snapshot kept forever ("before the iOS update"): the cleaning policy never deletes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    pub snapshot: i64,
    /// The device and time of the snapshot, as the person is told.
    pub device: String,
    pub time: i64,
    #[serde(default)]
    pub note: Option<String>,
}

impl Pin {
    /// Whether this pin is on `s`.
    pub fn holds(&self, s: &SnapshotInfo) -> bool {
        self.snapshot == s.id && self.device == s.device && self.time == s.time
    }
}

#[derive(Debug, Default, Deserialize)]
struct PinsFile {
    pins: Vec<Pin>,
}

/// Moves the pins of an older version's `keepsake-pins.json` into `repo`'s catalog and removes
/// the file; returns how many were adopted. A pin whose snapshot is gone (or whose id now names
/// another snapshot) is dropped, as the old version would have ignored it.
pub fn adopt_pins_file(repo: &Repository) -> Result<usize> {
    let path = repo.path().join(PINS_FILE);
    if !path.exists() {
        return Ok(0);
    }
    let old = read_json::<PinsFile>(&path)?.pins;
    let snapshots = keepsake_store::commands::list::snapshots(repo)?;
    let mut adopted = 0;
    for p in &old {
        if snapshots.iter().any(|s| p.holds(s)) {
            let note = marks::mark(repo, p.snapshot)?
                .and_then(|m| m.note)
                .or_else(|| p.note.clone());
            marks::set_mark(repo, p.snapshot, true, note.as_deref())?;
            adopted += 1;
        }
    }
    std::fs::remove_file(&path).map_err(|source| crate::error::CoreError::Io {
        path: path.clone(),
        source,
    })?;
    tracing::info!(repo = %repo.path().display(), adopted, dropped = old.len() - adopted, "pins moved into the catalog");
    Ok(adopted)
}

/// The pinned snapshots of `repo`, oldest id first. Pins still in an older version's file are
/// moved in first (when the location cannot be written, they are read from the file).
pub fn pins(repo: &Repository) -> Result<Vec<Pin>> {
    let mut from_file = Vec::new();
    if let Err(e) = adopt_pins_file(repo) {
        tracing::warn!(repo = %repo.path().display(), error = %e, "could not move the old pins file into the catalog; reading it");
        from_file = read_json::<PinsFile>(&repo.path().join(PINS_FILE))
            .map(|f| f.pins)
            .unwrap_or_default();
    }
    let snapshots = keepsake_store::commands::list::snapshots(repo)?;
    let mut pins: Vec<Pin> = marks::marks(repo)?
        .into_iter()
        .filter(|m| m.pinned)
        .filter_map(|m| {
            let s = snapshots.iter().find(|s| s.id == m.snapshot)?;
            Some(Pin {
                snapshot: m.snapshot,
                device: s.device.clone(),
                time: s.time,
                note: m.note,
            })
        })
        .collect();
    for p in from_file {
        if !pins.iter().any(|q| q.snapshot == p.snapshot) && snapshots.iter().any(|s| p.holds(s)) {
            pins.push(p);
        }
    }
    Ok(pins)
}

/// Pins snapshot `id` of `repo`, with an optional note (`None` keeps the note it has); pinning
/// twice keeps one pin.
pub fn pin(repo: &Repository, id: i64, note: Option<&str>) -> Result<Pin> {
    adopt_pins_file(repo)?;
    let snapshot = find_snapshot(repo, id)?;
    let kept = marks::mark(repo, id)?.and_then(|m| m.note);
    let mark = marks::set_mark(repo, id, true, note.or(kept.as_deref()))?;
    Ok(Pin {
        snapshot: id,
        device: snapshot.device,
        time: snapshot.time,
        note: mark.note,
    })
}

/// Unpins snapshot `id` (its note stays); says whether it was pinned.
pub fn unpin(repo: &Repository, id: i64) -> Result<bool> {
    adopt_pins_file(repo)?;
    let Some(mark) = marks::mark(repo, id)? else {
        return Ok(false);
    };
    marks::set_mark(repo, id, false, mark.note.as_deref())?;
    Ok(mark.pinned)
}

/// Sets or clears (`None`) the note of snapshot `id`, pinned or not.
pub fn set_note(repo: &Repository, id: i64, note: Option<&str>) -> Result<()> {
    adopt_pins_file(repo)?;
    find_snapshot(repo, id)?;
    let pinned = marks::mark(repo, id)?.is_some_and(|m| m.pinned);
    marks::set_mark(repo, id, pinned, note)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepsake_store::InitOptions;

    #[test]
    fn an_older_versions_pins_file_moves_into_the_catalog_once() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(&dir.path().join("r"), &InitOptions::unencrypted()).unwrap();
        let snaps = keepsake_testkit::daily_snapshots(&repo, 2);
        let file = repo.path().join(PINS_FILE);
        let old = serde_json::json!({ "pins": [
            { "snapshot": snaps[0].id, "device": "U1", "time": snaps[0].time, "note": "before iOS 19" },
            // An id since reused by another snapshot: not this one's pin.
            { "snapshot": snaps[1].id, "device": "U1", "time": snaps[1].time - 86_400 },
        ]});
        std::fs::write(&file, serde_json::to_vec(&old).unwrap()).unwrap();
        let pins_now = pins(&repo).unwrap();
        assert_eq!(pins_now.len(), 1);
        assert_eq!(pins_now[0].snapshot, snaps[0].id);
        assert_eq!(pins_now[0].note.as_deref(), Some("before iOS 19"));
        assert!(!file.exists(), "the old file is gone once adopted");
        assert_eq!(pins(&repo).unwrap(), pins_now);
        // Unpinning keeps the note; a note alone pins nothing.
        assert!(unpin(&repo, snaps[0].id).unwrap());
        assert!(pins(&repo).unwrap().is_empty());
        let mark = marks::mark(&repo, snaps[0].id).unwrap().unwrap();
        assert_eq!(mark.note.as_deref(), Some("before iOS 19"));
        set_note(&repo, snaps[1].id, Some("the trip")).unwrap();
        assert!(pins(&repo).unwrap().is_empty());
        assert_eq!(
            pin(&repo, snaps[1].id, None).unwrap().note.as_deref(),
            Some("the trip")
        );
    }
}
