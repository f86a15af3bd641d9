//! Pinned snapshots ("before the iOS update"): kept forever, out of the cleaning policy's
//! reach. Pins live in the repository folder (`keepsake-pins.json`), so another computer
//! opening the location sees them; they belong in the store's catalog once it has a place.

use std::path::Path;

use keepsake_store::{Repository, SnapshotInfo};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::location::find_snapshot;
use crate::settings_files::{read_json, write_atomically};

/// The pins file, inside a repository folder.
pub const PINS_FILE: &str = "keepsake-pins.json";

/// A snapshot kept forever ("before the iOS update"): the cleaning policy never deletes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    pub snapshot: i64,
    /// The device and time identify the snapshot beyond its id, which a repository may reuse
    /// once the snapshot is gone.
    pub device: String,
    pub time: i64,
    #[serde(default)]
    pub note: Option<String>,
}

impl Pin {
    /// Whether this pin is on `s` (same id, device and time: ids can be reused).
    pub fn holds(&self, s: &SnapshotInfo) -> bool {
        self.snapshot == s.id && self.device == s.device && self.time == s.time
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct PinsFile {
    pins: Vec<Pin>,
}

/// The pins of the repository at `repo_path` (`<location>/Keepsake.Backups`).
pub fn pins(repo_path: &Path) -> Result<Vec<Pin>> {
    Ok(read_json::<PinsFile>(&repo_path.join(PINS_FILE))?.pins)
}

fn save_pins(repo_path: &Path, pins: Vec<Pin>) -> Result<()> {
    write_atomically(
        &repo_path.join(PINS_FILE),
        &serde_json::to_vec_pretty(&PinsFile { pins })?,
    )
}

/// Pins snapshot `id` of `repo`, with an optional note; pinning twice keeps one pin.
pub fn pin(repo: &Repository, id: i64, note: Option<&str>) -> Result<Pin> {
    let snapshot = find_snapshot(repo, id)?;
    let mut all = pins(repo.path())?;
    all.retain(|p| p.snapshot != id);
    let pin = Pin {
        snapshot: id,
        device: snapshot.device,
        time: snapshot.time,
        note: note.map(str::to_owned),
    };
    all.push(pin.clone());
    save_pins(repo.path(), all)?;
    Ok(pin)
}

/// Unpins snapshot `id`; says whether it was pinned.
pub fn unpin(repo_path: &Path, id: i64) -> Result<bool> {
    let mut all = pins(repo_path)?;
    let before = all.len();
    all.retain(|p| p.snapshot != id);
    let was = all.len() != before;
    if was {
        save_pins(repo_path, all)?;
    }
    Ok(was)
}
