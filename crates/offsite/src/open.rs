//! Reading a remote copy on a computer that may never have seen it: its repositories, and one
//! of them opened with its packs read from the bucket as they are needed.

use std::io;
use std::path::Path;
use std::sync::Arc;

use keepsake_store::{Backend, KeySource, PackSink, Repository};

use crate::bucket::Bucket;
use crate::error::{Error, Result};
use crate::head::{self, Head, CONFIG, PACKS};

/// A repository copy the bucket holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRepository {
    pub id: String,
    pub head: Head,
}

/// Every repository copy under the remote's prefix.
pub async fn repositories(bucket: &Bucket) -> Result<Vec<RemoteRepository>> {
    let root = match bucket.remote().prefix.as_str() {
        "" => String::new(),
        prefix => format!("{prefix}/"),
    };
    let mut out = Vec::new();
    for id in bucket.list(&root).await? {
        if !plausible_id(&id) {
            continue;
        }
        if let Some((head, _)) = head::read(bucket, &id).await? {
            out.push(RemoteRepository { id, head });
        }
    }
    Ok(out)
}

/// Repository ids are made by the store (hex or UUID-like); anything else under the prefix is
/// someone else's and is not read.
fn plausible_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The names of the packs repository `id`'s copy holds.
pub async fn packs(bucket: &Bucket, id: &str) -> Result<std::collections::BTreeSet<String>> {
    Ok(bucket
        .list(&bucket.key(id, PACKS))
        .await?
        .into_iter()
        .filter_map(|n| n.strip_suffix(".pack").map(str::to_owned))
        .collect())
}

/// Downloads repository `id`'s config and current catalog into `into` (a folder of the app's
/// cache, empty or a previous download), checked against HEAD. Packs stay in the bucket.
pub async fn fetch(bucket: &Bucket, id: &str, into: &Path) -> Result<Head> {
    let no_copy = || Error::NoCopy {
        remote: bucket.name().to_owned(),
        repository: id.to_owned(),
    };
    if !plausible_id(id) {
        return Err(no_copy());
    }
    let (head, _) = head::read(bucket, id).await?.ok_or_else(no_copy)?;
    let damaged = |what: &str, detail: String| Error::Damaged {
        remote: bucket.name().to_owned(),
        what: format!("{id}/{what}"),
        detail,
    };
    let catalog_key = Head::catalog_key(head.generation);
    let (catalog, _) = bucket
        .get(&bucket.key(id, &catalog_key))
        .await?
        .ok_or_else(|| damaged(&catalog_key, "HEAD names it, but it is not there".into()))?;
    if blake3::hash(&catalog).to_hex().as_str() != head.catalog_blake3 {
        return Err(damaged(
            &catalog_key,
            "its content is not what HEAD says".into(),
        ));
    }
    let (config, _) = bucket
        .get(&bucket.key(id, CONFIG))
        .await?
        .ok_or_else(|| damaged(CONFIG, "it is not there".into()))?;
    let local = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Local { path, source }
    };
    std::fs::create_dir_all(into).map_err(local(into))?;
    keepsake_store::Repository::replace_downloaded(into, &config, &catalog)?;
    Ok(head)
}

/// Opens the repository downloaded into `into` by [`fetch`], reading its packs from `bucket`.
/// It is read-only: a restore and a browse work, a backup into it is refused.
pub fn open(bucket: &Bucket, id: &str, into: &Path, key: &KeySource) -> Result<Repository> {
    let backend = RemoteBackend::new(bucket.fresh(), id)?;
    Ok(Repository::open_with_backend(into, key, Arc::new(backend))?)
}

/// Packs read from the bucket, by range. Blocking (the store's reads are): requests run on a
/// small runtime of its own, so it may be used from any thread, async or not.
struct RemoteBackend {
    bucket: Bucket,
    id: String,
    runtime: Runtime,
}

/// A runtime that may be dropped anywhere (inside another runtime too).
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl RemoteBackend {
    fn new(bucket: Bucket, id: &str) -> Result<RemoteBackend> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("keepsake-offsite")
            .enable_all()
            .build()
            .map_err(|source| Error::Local {
                path: "tokio runtime".into(),
                source,
            })?;
        Ok(RemoteBackend {
            bucket,
            id: id.to_owned(),
            runtime: Runtime(Some(runtime)),
        })
    }

    fn run<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = Result<T>> + Send + 'static,
    ) -> io::Result<T> {
        let (tx, rx) = std::sync::mpsc::channel();
        let rt = self
            .runtime
            .0
            .as_ref()
            .expect("the runtime lives as long as the backend");
        rt.spawn(async move {
            let _ = tx.send(work.await);
        });
        rx.recv()
            .map_err(|_| io::Error::other("the offsite reader stopped"))?
            .map_err(io::Error::other)
    }

    fn pack_key(&self, name: &str) -> io::Result<String> {
        if !name.chars().all(|c| c.is_ascii_hexdigit()) || name.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{name:?} is not the name of a pack"),
            ));
        }
        Ok(self.bucket.key(&self.id, &format!("{PACKS}{name}.pack")))
    }

    fn read_only(&self) -> keepsake_store::Error {
        keepsake_store::Error::InvalidInput(keepsake_i18n::say(
            "offsite-read-only",
            &[("remote", &self.bucket.name())],
        ))
    }
}

impl Backend for RemoteBackend {
    fn create_pack(&self, _name: &str) -> keepsake_store::Result<Box<dyn PackSink>> {
        Err(self.read_only())
    }

    fn read_at(&self, name: &str, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let key = self.pack_key(name)?;
        let bucket = self.bucket.clone();
        let bytes = self.run(async move { bucket.get_range(&key, offset, len).await })?;
        match bytes {
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("pack {name}"),
            )),
            Some(b) if b.len() < len => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("pack {name} is shorter than {} bytes", offset + len as u64),
            )),
            Some(b) => Ok(b),
        }
    }

    fn pack_len(&self, name: &str) -> io::Result<u64> {
        let key = self.pack_key(name)?;
        let bucket = self.bucket.clone();
        self.run(async move { bucket.len(&key).await })?
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("pack {name}")))
    }

    fn remove_pack(&self, _name: &str) -> keepsake_store::Result<()> {
        Err(self.read_only())
    }

    fn list_packs(&self) -> keepsake_store::Result<Vec<String>> {
        let dir = self.bucket.key(&self.id, PACKS);
        let bucket = self.bucket.clone();
        let names = self
            .run(async move { bucket.list(&dir).await })
            .map_err(|e| keepsake_store::Error::InvalidInput(e.to_string()))?;
        Ok(names
            .into_iter()
            .filter_map(|n| n.strip_suffix(".pack").map(str::to_owned))
            .collect())
    }

    fn clean_partials(&self) -> keepsake_store::Result<usize> {
        Ok(0)
    }

    fn unsettled(&self) -> keepsake_store::Result<bool> {
        // a remote copy only ever holds committed packs
        Ok(false)
    }
}
