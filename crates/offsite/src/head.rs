//! HEAD: the one object that says which catalog is the remote copy's current state.

use keepsake_store::SnapshotMark;
use serde::{Deserialize, Serialize};

use crate::bucket::Bucket;
use crate::error::{Error, Result};

/// The object key of HEAD, of the config, and the folders of catalogs and packs, under a
/// repository's folder.
pub(crate) const HEAD: &str = "HEAD";
pub(crate) const CONFIG: &str = "keepsake-repo.json";
pub(crate) const CATALOGS: &str = "catalogs/";
pub(crate) const PACKS: &str = "packs/";

/// HEAD's content. Written last, with a compare-and-swap on its ETag: it only ever names a
/// catalog whose packs are all in the bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub format: u32,
    /// Counts commits: the catalog of generation `n` is `catalogs/<n>.db`.
    pub generation: u64,
    /// BLAKE3 of the catalog's bytes: an unchanged repository is not uploaded again, and a
    /// catalog read back is checked against it.
    pub catalog_blake3: String,
    pub catalog_len: u64,
    /// Every snapshot in that catalog: how a diverged writer is recognised (a device's seqs
    /// are never reused, even after a forget).
    pub snapshots: Vec<SnapshotMark>,
    pub packs: u64,
    /// Unix seconds of the commit, by the writer's clock (shown, never trusted).
    pub written: i64,
}

pub(crate) const FORMAT: u32 = 1;

impl Head {
    pub(crate) fn catalog_key(generation: u64) -> String {
        format!("{CATALOGS}{generation}.db")
    }
}

/// HEAD of repository `id` and its ETag, or `None` when the bucket has no copy of it.
pub(crate) async fn read(bucket: &Bucket, id: &str) -> Result<Option<(Head, Option<String>)>> {
    let Some((bytes, etag)) = bucket.get(&bucket.key(id, HEAD)).await? else {
        return Ok(None);
    };
    let damaged = |detail: String| Error::Damaged {
        remote: bucket.name().to_owned(),
        what: format!("{id}/{HEAD}"),
        detail,
    };
    let head: Head = serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
    if head.format > FORMAT {
        return Err(damaged(format!(
            "format {} is newer than this Keepsake's {FORMAT}; update Keepsake",
            head.format
        )));
    }
    Ok(Some((head, etag)))
}
