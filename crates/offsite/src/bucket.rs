//! The object store as this crate uses it: whole objects, ranges, conditional writes, listings.

use std::time::Duration;

use opendal::layers::{RetryLayer, ThrottleLayer, TimeoutLayer};
use opendal::{ErrorKind, Operator};

use crate::error::{from_store, Error, Result};
use crate::remote::{Credentials, Limits, Remote};

/// A connection to a remote: cheap to clone, safe to share between tasks.
#[derive(Clone)]
pub struct Bucket {
    op: Operator,
    remote: Remote,
    name: String,
    credentials: Credentials,
    limits: Limits,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("remote", &self.name)
            .finish()
    }
}

/// How a conditional write ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Put {
    Written,
    /// The condition did not hold: the object exists (`if_absent`) or changed (`if_match`).
    Refused,
}

impl Bucket {
    /// A client for `remote`. Nothing is sent until the first request; nothing is read from the
    /// environment or from `~/.aws` (the keys are the ones given).
    pub fn connect(remote: &Remote, credentials: &Credentials, limits: Limits) -> Result<Bucket> {
        // reqwest's rustls takes the process's provider: ring, as the rest of Keepsake's TLS.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // The process's HTTP transport for opendal: reqwest over that rustls. (Set per
        // operator, parts of the S3 service still took the process's, which was none.)
        opendal::HttpTransporter::install_default(
            opendal_http_transport_reqwest::ReqwestTransport::default(),
        );
        let builder = opendal::services::S3::default()
            .endpoint(&remote.endpoint)
            .region(&remote.region)
            .bucket(&remote.bucket)
            .root("/")
            .access_key_id(&credentials.access_key)
            .secret_access_key(credentials.secret())
            .disable_config_load()
            .disable_ec2_metadata();
        let name = remote.to_string();
        let op = Operator::new(builder).map_err(|e| Error::BadAddress {
            address: name.clone(),
            why: e.to_string(),
        })?;
        let op = op.layer(
            TimeoutLayer::new()
                .with_timeout(limits.request_timeout)
                .with_io_timeout(limits.io_timeout),
        );
        let op = match limits.bandwidth {
            // a burst of one pack's worth, so a 32 MiB pack is not refused as too large
            Some(rate) => op.layer(ThrottleLayer::new(rate.max(1), 64 << 20)),
            None => op,
        };
        let op = op.layer(
            RetryLayer::new()
                .with_max_times(limits.attempts.saturating_sub(1))
                .with_min_delay(Duration::from_millis(200))
                .with_max_delay(Duration::from_secs(10))
                .with_jitter(),
        );
        Ok(Bucket {
            op,
            remote: remote.clone(),
            name,
            credentials: credentials.clone(),
            limits,
        })
    }

    /// A client of its own to the same remote (its connections belong to the runtime that
    /// uses them).
    pub(crate) fn fresh(&self) -> Bucket {
        Bucket::connect(&self.remote, &self.credentials, self.limits)
            .expect("a remote that connected once connects again")
    }

    /// The remote, as people read it (`s3://host/bucket/prefix`).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn remote(&self) -> &Remote {
        &self.remote
    }

    pub(crate) fn key(&self, id: &str, path: &str) -> String {
        self.remote.key(id, path)
    }

    fn failed(&self, writing: bool) -> impl Fn(opendal::Error) -> Error + '_ {
        move |e| from_store(&self.name, writing, e)
    }

    /// The object at `key` and its ETag, or `None` when there is none.
    pub(crate) async fn get(&self, key: &str) -> Result<Option<(Vec<u8>, Option<String>)>> {
        let meta = match self.op.stat(key).await {
            Ok(meta) => meta,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.failed(false)(e)),
        };
        let etag = meta.etag().map(str::to_owned);
        let mut read = self.op.read_with(key);
        if let Some(etag) = &etag {
            // the object read is the one stated: a writer in between is a retry, not a mix
            read = read.if_match(etag);
        }
        match read.await {
            Ok(buffer) => Ok(Some((buffer.to_vec(), etag))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.failed(false)(e)),
        }
    }

    /// Up to `len` bytes of `key` at `offset` (fewer past its end), or `None` when there is
    /// no such object.
    pub(crate) async fn get_range(
        &self,
        key: &str,
        offset: u64,
        len: usize,
    ) -> Result<Option<Vec<u8>>> {
        let end = offset + len as u64;
        match self.op.read_with(key).range(offset..end).await {
            Ok(b) => Ok(Some(b.to_vec())),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) if e.kind() == ErrorKind::RangeNotSatisfied => Ok(Some(Vec::new())),
            Err(e) => Err(self.failed(false)(e)),
        }
    }

    pub(crate) async fn len(&self, key: &str) -> Result<Option<u64>> {
        match self.op.stat(key).await {
            Ok(meta) => Ok(Some(meta.content_length())),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.failed(false)(e)),
        }
    }

    /// Writes `key` only if no object is there yet.
    pub(crate) async fn put_new(&self, key: &str, bytes: Vec<u8>) -> Result<Put> {
        self.put(key, bytes, None).await
    }

    /// Writes `key` only if it is still the object with `etag` (`None`: if it is still absent).
    pub(crate) async fn put_over(
        &self,
        key: &str,
        bytes: Vec<u8>,
        etag: Option<&str>,
    ) -> Result<Put> {
        match etag {
            Some(etag) => self.put(key, bytes, Some(etag)).await,
            None => self.put(key, bytes, None).await,
        }
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, if_match: Option<&str>) -> Result<Put> {
        let write = self.op.write_with(key, bytes);
        let write = match if_match {
            Some(etag) => write.if_match(etag),
            None => write.if_not_exists(true),
        };
        match write.await {
            Ok(_) => Ok(Put::Written),
            Err(e) if e.kind() == ErrorKind::ConditionNotMatch => Ok(Put::Refused),
            Err(e) => Err(self.failed(true)(e)),
        }
    }

    /// The names of the objects right under `dir` (a key ending in `/`), without it.
    pub(crate) async fn list(&self, dir: &str) -> Result<Vec<String>> {
        Ok(self
            .list_detailed(dir)
            .await?
            .into_iter()
            .map(|l| l.name)
            .collect())
    }

    /// [`Self::list`] with each object's size and the server's time of its last write (Unix
    /// seconds).
    pub(crate) async fn list_detailed(&self, dir: &str) -> Result<Vec<Listed>> {
        let entries = match self.op.list(dir).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.failed(false)(e)),
        };
        Ok(entries
            .into_iter()
            .filter_map(|e| {
                let name = e.path().strip_prefix(dir)?.trim_end_matches('/');
                (!name.is_empty()).then(|| Listed {
                    name: name.to_owned(),
                    len: e.metadata().content_length(),
                    modified: e
                        .metadata()
                        .last_modified()
                        .map(|t| t.into_inner().as_second()),
                })
            })
            .collect())
    }

    /// The server's time of the last write of `key` (Unix seconds).
    pub(crate) async fn modified(&self, key: &str) -> Result<Option<i64>> {
        match self.op.stat(key).await {
            Ok(meta) => Ok(meta.last_modified().map(|t| t.into_inner().as_second())),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.failed(false)(e)),
        }
    }

    pub(crate) async fn delete(&self, key: &str) -> Result<()> {
        self.op.delete(key).await.map_err(self.failed(true))
    }
}

/// An object as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listed {
    pub name: String,
    pub len: u64,
    pub modified: Option<i64>,
}
