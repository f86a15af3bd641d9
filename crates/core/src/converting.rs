//! Converting an encrypted device's older snapshots, kept as the device sent them, into the
//! form that costs what an unencrypted backup costs (issue 18, `docs/encrypted-dedup.md`).
//!
//! A snapshot taken without the backup password keeps Apple's ciphertext: it neither
//! deduplicates nor compresses. Once the password is at hand (given, remembered, or the device's
//! class keys already kept by a later snapshot), each file version kept as sent is replaced by
//! its exact decryption, in place: the same path, interval and size, so every snapshot sharing
//! the version sees it, and every reader still gives Apple's bytes back exactly
//! ([`crate::apple_form::AppleView`]). A version is converted only when every snapshot that
//! sees it gives it one and the same key (a file kept across days keeps its key); photos and
//! videos stay as sent (they cost the same either way). Snapshots that lacked the device's
//! class keys get them, so they open with the store's key alone, like every other.
//!
//! Crash-safe: the work is committed in batches, each one catalog transaction
//! ([`keepsake_store::commands::rewrite`]); a crash loses at most the batch under way, which
//! the next run does again. Then gc frees the ciphertext no snapshot uses any more.

use keepsake_i18n::say;
use std::collections::{BTreeMap, HashMap};
use std::io::BufReader;

use keepsake_mobilesync::{ClassKeys, Direction, ExactCbcReader, Key};
use keepsake_store::commands::rewrite::FileVersion;
use keepsake_store::commands::{gc, list, restore};
use keepsake_store::{FileMeta, Repository, SnapshotInfo};
use serde::Serialize;

use crate::apple_form::{
    cat_limited, class_keys_for, file_id_of, manifest_db_of, manifest_plist, FileKeys, Forms,
    CLASS_KEYS_PATH, KEPT_DECRYPTED, MANIFEST_DB,
};
use crate::decrypting::is_media;
use crate::error::{CoreError, Result};

/// Bytes of new contents per committed batch: a crash costs at most this much work again.
const BATCH_BYTES: u64 = 1 << 30;

/// What a conversion did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Converted {
    pub device: String,
    /// The device's snapshots.
    pub snapshots: u64,
    /// Its snapshots whose files could be converted (encrypted, their keys at hand).
    pub snapshots_opened: u64,
    /// File versions now kept as their exact decryption, and their bytes.
    pub versions_converted: u64,
    pub bytes_converted: u64,
    /// Versions still kept as sent, and why (photos and videos; no key; …), by reason.
    pub left_as_sent: BTreeMap<String, u64>,
    /// The location's stored bytes before and after (gc included).
    pub stored_before: u64,
    pub stored_after: u64,
}

/// Whether `snapshot` keeps an encrypted device's Manifest.db as the device sent it: taken
/// without the backup password, and worth converting. One file's first chunk is read.
pub fn kept_as_sent(repo: &Repository, snapshot: i64) -> Result<bool> {
    use std::io::Read;
    let Some(info) = list::file(repo, snapshot, MANIFEST_DB)? else {
        return Ok(false);
    };
    if info.mode & KEPT_DECRYPTED != 0 {
        return Ok(false);
    }
    let mut start = [0u8; 16];
    let mut reader = restore::open_file(repo, snapshot, MANIFEST_DB)?;
    let mut got = 0;
    while got < start.len() {
        match reader.read(&mut start[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => {
                return Err(CoreError::Store(format!(
                    "snapshot {snapshot}: Manifest.db: {e}"
                )))
            }
        }
    }
    Ok(got == start.len() && start != *keepsake_mobilesync::SQLITE_MAGIC)
}

/// What is known of one version while its snapshots are looked at.
enum Plan {
    Convert(Key),
    Leave(&'static str),
}

/// Converts `device`'s snapshots in `repo`. The class keys come from the device's snapshots
/// that keep them, else from the keybag unlocked with `password` (given, else the one this
/// computer remembers). `progress` hears bytes converted so far and bytes to convert.
pub fn convert(
    repo: &Repository,
    device: &str,
    password: Option<&str>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Converted> {
    let remembered = match password {
        Some(_) => None,
        None => {
            crate::secrets::Secrets.recall(crate::secrets::SecretKind::BackupPassword, device)?
        }
    };
    let password = password.or(remembered.as_deref());
    let mut snapshots: Vec<SnapshotInfo> = list::snapshots(repo)?
        .into_iter()
        .filter(|s| s.device == device)
        .collect();
    snapshots.sort_by_key(|s| s.seq);
    if snapshots.is_empty() {
        return Err(CoreError::Store(say(
            "core-nothing-to-convert",
            &[("location", &repo.path().display()), ("device", &device)],
        )));
    }
    let stored_before = keepsake_store::commands::stats::stats(repo)?.pack_bytes;
    let mut report = Converted {
        device: device.to_owned(),
        snapshots: snapshots.len() as u64,
        stored_before,
        ..Converted::default()
    };

    let mut rewriter = repo.begin_rewrite(device)?;
    let versions = rewriter.versions()?;
    let candidates: Vec<&FileVersion> = versions
        .iter()
        .filter(|v| v.meta.mode & KEPT_DECRYPTED == 0)
        .filter(|v| v.path == MANIFEST_DB || file_id_of(&v.path).is_some())
        .collect();

    // First the keys, newest snapshot first (a later snapshot may keep them, or the password
    // given may be the newest one: a password change keeps the class keys).
    let mut known: Vec<ClassKeys> = Vec::new();
    let mut opened: HashMap<i64, std::result::Result<(bool, ClassKeys), &'static str>> =
        HashMap::new();
    let (mut wrong_password, mut encrypted) = (false, false);
    for snap in snapshots.iter().rev() {
        let Some(manifest) = manifest_plist(repo, snap.id)? else {
            opened.insert(snap.id, Err("a snapshot without Manifest.plist sees it"));
            continue;
        };
        if !manifest.is_encrypted {
            opened.insert(snap.id, Err("an unencrypted snapshot sees it"));
            continue;
        }
        encrypted = true;
        let stored = match cat_limited(repo, snap.id, CLASS_KEYS_PATH, 64 << 10)? {
            Some(bytes) => ClassKeys::from_bytes(&bytes).ok(),
            None => None,
        };
        let has_record = stored.is_some();
        if let Some(keys) = stored {
            let own = matches!(
                class_keys_for(&manifest, Some(&keys), None, device),
                Ok(Some(_))
            );
            remember(&mut known, keys);
            if !own {
                // It records other keys than those of its keybag: it is left as it is.
                continue;
            }
        }
        let mut class_keys = known.iter().find_map(|k| {
            class_keys_for(&manifest, Some(k), None, device)
                .ok()
                .flatten()
        });
        if class_keys.is_none() {
            match class_keys_for(&manifest, None, password, device) {
                Ok(found) => class_keys = found,
                Err(CoreError::WrongBackupPassword { .. }) => wrong_password = true,
                Err(e) => {
                    tracing::warn!(device, snapshot = snap.id, error = %e, "its keybag did not open")
                }
            }
        }
        if let Some(keys) = class_keys {
            remember(&mut known, keys.clone());
            opened.insert(snap.id, Ok((has_record, keys)));
        }
    }

    if encrypted && !opened.values().any(std::result::Result::is_ok) {
        let device = device.to_owned();
        return Err(match password {
            Some(_) if wrong_password => CoreError::WrongBackupPassword { device },
            _ => CoreError::BackupLocked { device },
        });
    }

    // Then each snapshot in turn: the key it gives each version it sees.
    let mut plans: HashMap<i64, Plan> = HashMap::new();
    // Snapshots that need the class keys recorded, with them.
    let mut to_record: Vec<(&SnapshotInfo, ClassKeys)> = Vec::new();
    for snap in &snapshots {
        let seen: Vec<&&FileVersion> = candidates
            .iter()
            .filter(|v| v.visible_in(snap.seq))
            .collect();
        let leave_all = |plans: &mut HashMap<i64, Plan>, why: &'static str| {
            for v in &seen {
                plans.insert(v.id, Plan::Leave(why));
            }
        };
        let (has_record, class_keys) = match opened.remove(&snap.id) {
            Some(Ok(found)) => found,
            Some(Err(why)) => {
                leave_all(&mut plans, why);
                continue;
            }
            None => {
                leave_all(&mut plans, "its keys are not at hand");
                continue;
            }
        };
        let Some(manifest) = manifest_plist(repo, snap.id)? else {
            leave_all(&mut plans, "a snapshot without Manifest.plist sees it");
            continue;
        };
        let forms = Forms::load(repo, snap.id)?;
        let keys = match manifest_db_of(repo, snap.id, &forms, &manifest, &class_keys)
            .map_err(|e| e.to_string())
            .and_then(|db| FileKeys::new(&manifest, db, class_keys.clone()))
        {
            Ok(keys) => keys,
            Err(why) => {
                tracing::warn!(
                    device,
                    snapshot = snap.id,
                    why,
                    "its Manifest.db did not open"
                );
                leave_all(&mut plans, "its snapshot's Manifest.db does not open");
                continue;
            }
        };
        report.snapshots_opened += 1;
        if !has_record {
            to_record.push((snap, class_keys));
        }
        for v in seen {
            let plan = match plan_for(&keys, &v.path) {
                Ok(key) => Plan::Convert(key),
                Err(why) => Plan::Leave(why),
            };
            let merged = match (plans.remove(&v.id), plan) {
                (None, p) => p,
                (Some(Plan::Leave(why)), _) | (Some(Plan::Convert(_)), Plan::Leave(why)) => {
                    Plan::Leave(why)
                }
                (Some(Plan::Convert(a)), Plan::Convert(b)) if a == b => Plan::Convert(a),
                (Some(Plan::Convert(_)), Plan::Convert(_)) => {
                    Plan::Leave("its snapshots give it different keys")
                }
            };
            plans.insert(v.id, merged);
        }
    }
    // The class keys first, in the first batch: a snapshot whose files are converted opens
    // with the store's key alone from then on.
    for run in runs(&snapshots, &to_record) {
        rewriter.add(
            CLASS_KEYS_PATH,
            run.from,
            run.to,
            FileMeta {
                mode: 0o100600,
                mtime_ns: 0,
                inode: 0,
            },
            &run.keys.to_bytes(),
        )?;
    }

    let mut work: Vec<(&FileVersion, Key)> = Vec::new();
    for v in &candidates {
        match plans.remove(&v.id) {
            Some(Plan::Convert(key)) => work.push((v, key)),
            Some(Plan::Leave(why)) => *report.left_as_sent.entry(why.to_owned()).or_default() += 1,
            None => {
                *report
                    .left_as_sent
                    .entry("no snapshot sees it".to_owned())
                    .or_default() += 1
            }
        }
    }
    let total: u64 = work.iter().map(|(v, _)| v.size).sum();
    progress(0, total);
    let (mut done, mut batch) = (0u64, 0u64);
    let mut fresh: Option<HashMap<i64, FileVersion>> = None;
    for (listed, key) in work {
        // After a batch the writer lock was let go: a backup may have ended a version since.
        let version = match &fresh {
            None => listed.clone(),
            Some(now) => match now.get(&listed.id) {
                Some(v) if v == listed => v.clone(),
                _ => {
                    *report
                        .left_as_sent
                        .entry("a backup changed it meanwhile".to_owned())
                        .or_default() += 1;
                    continue;
                }
            },
        };
        let snapshot = snapshots
            .iter()
            .find(|s| version.visible_in(s.seq))
            .expect("a version with a key is seen by a snapshot");
        let sent = restore::open_file(repo, snapshot.id, &version.path)?;
        let mut exact = ExactCbcReader::new(
            &key,
            Direction::Decrypt,
            BufReader::with_capacity(64 << 10, sent),
        );
        rewriter.replace(&version, version.meta.mode | KEPT_DECRYPTED, &mut exact)?;
        report.versions_converted += 1;
        report.bytes_converted += version.size;
        done += version.size;
        batch += version.size;
        progress(done, total);
        if batch >= BATCH_BYTES {
            rewriter.commit()?;
            batch = 0;
            rewriter = repo.begin_rewrite(device)?;
            fresh = Some(
                rewriter
                    .versions()?
                    .into_iter()
                    .map(|v| (v.id, v))
                    .collect(),
            );
        }
    }
    if rewriter.pending() > 0 {
        rewriter.commit()?;
    } else {
        drop(rewriter);
    }
    gc::gc(repo, &gc::GcOptions::default())?;
    report.stored_after = keepsake_store::commands::stats::stats(repo)?.pack_bytes;
    tracing::info!(
        device,
        versions = report.versions_converted,
        bytes = report.bytes_converted,
        before = report.stored_before,
        after = report.stored_after,
        "snapshots converted"
    );
    Ok(report)
}

/// Adds `keys` to `known` unless there already.
fn remember(known: &mut Vec<ClassKeys>, keys: ClassKeys) {
    if !known.iter().any(|k| k.to_bytes() == keys.to_bytes()) {
        known.push(keys);
    }
}

/// The key a version at `path` is converted with, by the snapshot's `keys`, or why it is not.
fn plan_for(keys: &FileKeys, path: &str) -> std::result::Result<Key, &'static str> {
    if path == MANIFEST_DB {
        return keys
            .of_path(path)
            .map_err(|_| "Manifest.db's key does not open");
    }
    let id = file_id_of(path).ok_or("not a file of the backup")?;
    let entry = keys
        .entry(id)
        .map_err(|_| "its row in Manifest.db is damaged")?
        .ok_or("Manifest.db does not list it")?;
    if is_media(&entry.relative_path) {
        return Err("a photo, video or sound (it costs the same as sent)");
    }
    match keys.of_file_id(id) {
        Ok(Some(key)) => Ok(key),
        Ok(None) => Err("Manifest.db gives it no key"),
        Err(_) => Err("its key does not open"),
    }
}

/// Snapshots of sequence numbers `[from, to)` (`to` `None`: on into the next backups) that
/// need the same class keys recorded.
struct Run<'k> {
    from: i64,
    to: Option<i64>,
    keys: &'k ClassKeys,
}

/// Runs of consecutive snapshots (in the device's order) that need the same class keys
/// recorded: `[first, last + 1)`, or open-ended when the run ends with the newest snapshot.
fn runs<'k>(
    snapshots: &[SnapshotInfo],
    to_record: &'k [(&SnapshotInfo, ClassKeys)],
) -> Vec<Run<'k>> {
    let newest = snapshots.last().map(|s| s.seq);
    let position = |seq: i64| snapshots.iter().position(|s| s.seq == seq);
    // (first seq, keys, position of the last snapshot)
    let mut out: Vec<(i64, &ClassKeys, usize)> = Vec::new();
    for (snap, keys) in to_record {
        let here = position(snap.seq).expect("one of the device's snapshots");
        if let Some(last) = out.last_mut() {
            if last.2 + 1 == here && last.1.to_bytes() == keys.to_bytes() {
                last.2 = here;
                continue;
            }
        }
        out.push((snap.seq, keys, here));
    }
    out.into_iter()
        .map(|(from, keys, last)| {
            let last_seq = snapshots[last].seq;
            let to = (Some(last_seq) != newest).then_some(last_seq + 1);
            Run { from, to, keys }
        })
        .collect()
}
