//! Copying a repository to its remote: packs first, then the catalog, then HEAD.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

use keepsake_store::{CatalogCopy, PackReader, Repository, SnapshotMark};
use tokio::task::JoinSet;

use crate::bucket::{Bucket, Put};
use crate::error::{Error, Result};
use crate::head::{self, Head, CONFIG, FORMAT, HEAD, PACKS};

/// Packs in flight at once: enough to fill a link with a round trip of 100 ms, few enough that
/// a home uplink is not shared between many slow uploads (at most 4 × 32 MiB in memory).
const IN_FLIGHT: usize = 4;
/// Commits tried before giving up to other writers.
const COMMIT_ATTEMPTS: usize = 5;

/// A repository's state, frozen for a push: a consistent copy of its catalog (taken under the
/// repository's reader lock, so gc cannot delete a pack it names until the push ends) and the
/// way to read its packs. Made without async, so the push itself holds no repository handle.
pub struct Prepared {
    id: String,
    config: Vec<u8>,
    catalog: PathBuf,
    snapshots: Vec<SnapshotMark>,
    next_seqs: BTreeMap<i64, i64>,
    pack_names: Vec<(String, u64)>,
    packs: PackReader,
    _dir: tempfile::TempDir,
}

impl Prepared {
    pub fn new(repo: &Repository) -> Result<Prepared> {
        let dir = tempfile::Builder::new()
            .prefix("keepsake-offsite-")
            .tempdir()
            .map_err(|source| Error::Local {
                path: std::env::temp_dir(),
                source,
            })?;
        let catalog = dir.path().join("catalog.db");
        repo.export_catalog(&catalog)?;
        let copy = CatalogCopy::open(&catalog)?;
        let (snapshots, next_seqs, pack_names) =
            (copy.snapshots()?, copy.next_seqs()?, copy.packs()?);
        drop(copy);
        let config_path = repo.path().join(CONFIG);
        let config = std::fs::read(&config_path).map_err(|source| Error::Local {
            path: config_path,
            source,
        })?;
        Ok(Prepared {
            id: repo.config().id.clone(),
            config,
            catalog,
            snapshots,
            next_seqs,
            pack_names,
            packs: repo.pack_reader()?,
            _dir: dir,
        })
    }

    pub fn repository_id(&self) -> &str {
        &self.id
    }
}

/// How far a push is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub bytes_sent: u64,
    /// What this push has to send: the packs the remote lacks, the catalog.
    pub bytes_total: u64,
    pub packs_sent: u64,
    pub packs_total: u64,
}

/// What a push did.
#[derive(Debug, Clone, PartialEq)]
pub struct Pushed {
    pub generation: u64,
    /// The remote already had this very catalog: nothing was written.
    pub up_to_date: bool,
    pub packs_sent: u64,
    /// Packs the remote already had (sent earlier, by a cut push or another writer).
    pub packs_kept: u64,
    pub bytes_sent: u64,
    pub seconds: f64,
}

/// Copies `prepared` to `bucket`: the packs the remote lacks (each written only if absent: a
/// pack is named by its content), the catalog as `catalogs/<generation>.db`, then HEAD with a
/// compare-and-swap on the ETag read at the start. A reader never sees a catalog whose packs
/// are missing; a cut push resumes where it stopped; of two writers, one commits and the other
/// starts its commit again from the new HEAD.
///
/// `now` (Unix seconds) is written in HEAD for people to read; nothing depends on it.
pub async fn push(
    bucket: &Bucket,
    prepared: &Prepared,
    now: i64,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Pushed> {
    let started = Instant::now();
    let id = prepared.id.as_str();
    let catalog = std::fs::read(&prepared.catalog).map_err(|source| Error::Local {
        path: prepared.catalog.clone(),
        source,
    })?;
    let digest = blake3::hash(&catalog).to_hex().to_string();
    let (snapshots, next_seqs, packs) = (
        &prepared.snapshots,
        &prepared.next_seqs,
        &prepared.pack_names,
    );
    let report = |generation: u64, up_to_date: bool, state: &Progress| Pushed {
        generation,
        up_to_date,
        packs_sent: state.packs_sent,
        packs_kept: packs.len() as u64 - state.packs_sent,
        bytes_sent: state.bytes_sent,
        seconds: started.elapsed().as_secs_f64(),
    };

    let current = head::read(bucket, id).await?;
    if let Some((head, _)) = &current {
        refuse_diverged(bucket, id, head, next_seqs, snapshots)?;
        if head.catalog_blake3 == digest {
            return Ok(report(head.generation, true, &Progress::default()));
        }
    }

    // The config first: a copy is useless without its key slots.
    let config_key = bucket.key(id, CONFIG);
    match bucket.get(&config_key).await? {
        Some((bytes, _)) if bytes == prepared.config => {}
        Some((_, etag)) => {
            // new key slots (a recovery key added): replaced only if unchanged since read
            if bucket
                .put_over(&config_key, prepared.config.clone(), etag.as_deref())
                .await?
                == Put::Refused
            {
                return Err(Error::Busy {
                    remote: bucket.name().to_owned(),
                });
            }
        }
        None => {
            bucket.put_new(&config_key, prepared.config.clone()).await?;
        }
    }

    let there: BTreeSet<String> = bucket
        .list(&bucket.key(id, PACKS))
        .await?
        .into_iter()
        .filter_map(|n| n.strip_suffix(".pack").map(str::to_owned))
        .collect();
    let missing: Vec<(String, u64)> = packs
        .iter()
        .filter(|(name, _)| !there.contains(name))
        .cloned()
        .collect();
    let mut state = Progress {
        bytes_sent: 0,
        bytes_total: missing.iter().map(|(_, size)| size).sum::<u64>() + catalog.len() as u64,
        packs_sent: 0,
        packs_total: missing.len() as u64,
    };
    progress(state);
    // On a failure no new upload starts, and those in flight finish: whatever reached the
    // bucket is kept for the next push.
    let mut uploads = JoinSet::new();
    let mut failure = None;
    for (name, _) in &missing {
        while uploads.len() >= IN_FLIGHT && failure.is_none() {
            failure = finished(&mut uploads, &mut state, progress).await.err();
        }
        if failure.is_some() {
            break;
        }
        let bytes = match prepared.packs.read(name) {
            Ok(bytes) => bytes,
            Err(e) => {
                failure = Some(e.into());
                break;
            }
        };
        let key = bucket.key(id, &format!("{PACKS}{name}.pack"));
        let bucket = bucket.clone();
        uploads.spawn(async move {
            let len = bytes.len() as u64;
            // Refused: the same content is already there (a cut push, another writer).
            bucket.put_new(&key, bytes).await.map(|_| len)
        });
    }
    while !uploads.is_empty() {
        if let Err(e) = finished(&mut uploads, &mut state, progress).await {
            failure.get_or_insert(e);
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }

    let mut current = current;
    // A catalog already at `generation` while HEAD is older was left by a writer that stopped
    // between its catalog and its HEAD (or is about to write HEAD): the next number is taken.
    let mut generation = 0;
    for _ in 0..COMMIT_ATTEMPTS {
        let etag = current.as_ref().and_then(|(_, etag)| etag.clone());
        let after = current.as_ref().map_or(0, |(head, _)| head.generation);
        generation = (generation + 1).max(after + 1);
        let catalog_key = bucket.key(id, &Head::catalog_key(generation));
        if bucket.put_new(&catalog_key, catalog.clone()).await? == Put::Written {
            let head = Head {
                format: FORMAT,
                generation,
                catalog_blake3: digest.clone(),
                catalog_len: catalog.len() as u64,
                snapshots: snapshots.clone(),
                packs: packs.len() as u64,
                written: now,
            };
            let bytes = serde_json::to_vec_pretty(&head).expect("HEAD serialises");
            let head_key = bucket.key(id, HEAD);
            if bucket.put_over(&head_key, bytes, etag.as_deref()).await? == Put::Written {
                state.bytes_sent += catalog.len() as u64;
                progress(state);
                tracing::info!(
                    remote = bucket.name(),
                    repository = id,
                    generation,
                    packs = state.packs_sent,
                    bytes = state.bytes_sent,
                    "offsite copy committed"
                );
                return Ok(report(generation, false, &state));
            }
            // Another writer moved HEAD: this catalog is not named; the next gc removes it.
            tracing::info!(
                remote = bucket.name(),
                generation,
                "HEAD moved meanwhile; again"
            );
        }
        current = head::read(bucket, id).await?;
        if let Some((head, _)) = &current {
            refuse_diverged(bucket, id, head, next_seqs, snapshots)?;
            if head.catalog_blake3 == digest {
                // the other writer committed this very catalog
                return Ok(report(head.generation, true, &state));
            }
        }
    }
    Err(Error::Busy {
        remote: bucket.name().to_owned(),
    })
}

async fn finished(
    uploads: &mut JoinSet<Result<u64>>,
    state: &mut Progress,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<()> {
    if let Some(done) = uploads.join_next().await {
        let len = done.expect("an upload task does not panic")?;
        state.bytes_sent += len;
        state.packs_sent += 1;
        progress(*state);
    }
    Ok(())
}

/// Refuses to replace a remote catalog that holds a snapshot this repository never made: the
/// remote was written from a diverged copy of the disk, and replacing it would drop that
/// snapshot. A snapshot forgotten here is fine (its device's seq went past it).
fn refuse_diverged(
    bucket: &Bucket,
    id: &str,
    head: &Head,
    next_seqs: &BTreeMap<i64, i64>,
    ours: &[SnapshotMark],
) -> Result<()> {
    let mine: BTreeMap<(i64, i64), &SnapshotMark> =
        ours.iter().map(|m| ((m.device, m.seq), m)).collect();
    let foreign =
        head.snapshots
            .iter()
            .any(|theirs| match mine.get(&(theirs.device, theirs.seq)) {
                Some(m) => *m != theirs,
                None => next_seqs
                    .get(&theirs.device)
                    .is_none_or(|&next| theirs.seq >= next),
            });
    if foreign {
        return Err(Error::Diverged {
            remote: bucket.name().to_owned(),
            repository: id.to_owned(),
        });
    }
    Ok(())
}
