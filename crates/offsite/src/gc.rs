//! Collecting a remote copy's garbage: catalogs of old generations, and packs no kept catalog
//! names (left by forgotten snapshots, or by a push that never committed).

use std::collections::BTreeSet;
use std::time::Duration;

use keepsake_store::CatalogCopy;

use crate::bucket::Bucket;
use crate::error::{Error, Result};
use crate::head::{self, Head, CATALOGS, PACKS};

/// What a gc removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Collected {
    pub catalogs_deleted: u64,
    pub packs_deleted: u64,
    pub bytes_freed: u64,
}

/// Deletes from repository `id`'s copy the catalogs older than the last `keep` generations
/// (a reader that fetched one of those still finds its packs), and the packs none of them
/// names. Only what the server wrote more than `grace` before HEAD's last write goes: a pack
/// uploaded by a push still on its way to its commit is younger than that, and a push never
/// takes that long between its packs and its HEAD. Times are the server's, never this
/// computer's clock.
pub async fn gc(bucket: &Bucket, id: &str, keep: u64, grace: Duration) -> Result<Collected> {
    let no_copy = || Error::NoCopy {
        remote: bucket.name().to_owned(),
        repository: id.to_owned(),
    };
    let (head, _) = head::read(bucket, id).await?.ok_or_else(no_copy)?;
    let now = bucket
        .modified(&bucket.key(id, head::HEAD))
        .await?
        .ok_or_else(no_copy)?;
    let old_enough = |modified: Option<i64>| {
        modified.is_some_and(|m| m.saturating_add(grace.as_secs() as i64) <= now)
    };
    let keep_from = head.generation.saturating_sub(keep.max(1) - 1);
    let dir = tempfile::tempdir().map_err(|source| Error::Local {
        path: std::env::temp_dir(),
        source,
    })?;
    let mut named = BTreeSet::new();
    let mut collected = Collected::default();
    for listed in bucket.list_detailed(&bucket.key(id, CATALOGS)).await? {
        let Some(generation) = listed
            .name
            .strip_suffix(".db")
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        // Kept: the last `keep` generations, and any above HEAD (a commit on its way).
        if generation >= keep_from {
            let key = bucket.key(id, &Head::catalog_key(generation));
            let Some((bytes, _)) = bucket.get(&key).await? else {
                continue;
            };
            let path = dir.path().join(&listed.name);
            std::fs::write(&path, &bytes).map_err(|source| Error::Local {
                path: path.clone(),
                source,
            })?;
            let copy = CatalogCopy::open(&path).map_err(|e| Error::Damaged {
                remote: bucket.name().to_owned(),
                what: format!("{id}/{CATALOGS}{}", listed.name),
                detail: e.to_string(),
            })?;
            named.extend(copy.packs()?.into_iter().map(|(name, _)| name));
        } else if old_enough(listed.modified) {
            // older than the kept ones, or a commit that lost its race long ago
            bucket
                .delete(&bucket.key(id, &format!("{CATALOGS}{}", listed.name)))
                .await?;
            collected.catalogs_deleted += 1;
            collected.bytes_freed += listed.len;
        }
    }
    for listed in bucket.list_detailed(&bucket.key(id, PACKS)).await? {
        let Some(name) = listed.name.strip_suffix(".pack") else {
            continue;
        };
        if !named.contains(name) && old_enough(listed.modified) {
            bucket
                .delete(&bucket.key(id, &format!("{PACKS}{}", listed.name)))
                .await?;
            collected.packs_deleted += 1;
            collected.bytes_freed += listed.len;
        }
    }
    tracing::info!(
        remote = bucket.name(),
        repository = id,
        catalogs = collected.catalogs_deleted,
        packs = collected.packs_deleted,
        bytes = collected.bytes_freed,
        "offsite copy collected"
    );
    Ok(collected)
}
