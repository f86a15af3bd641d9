//! A snapshot writer's packing pipeline. The caller's thread reads, chunks, hashes and looks
//! chunks up; a packing thread compresses, seals and appends the new ones to packs; a syncing
//! thread makes closed packs durable and visible. On two cores reading and sealing overlap, and
//! no fsync stalls either of them. Every pack is durable before [`Packer::finish`] returns,
//! which is what lets the catalog commit point at it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use keepsake_i18n::say;

use crate::backend::{Backend, PackSink};
use crate::chunker::ChunkClass;
use crate::config::ChunkingParams;
use crate::crypto::{ChunkId, Crypto};
use crate::error::{Error, Result};
use crate::pack::{BlobEncoder, FinishedPack, PackWriter};

/// Batches queued for the packing thread. With [`BATCH_BYTES`] and `cdc_max` this bounds the
/// memory in flight.
const QUEUE: usize = 8;
/// Small chunks travel in batches of about this many bytes (or [`BATCH_JOBS`] jobs): one
/// thread hand-off per small file cost more than packing the file.
const BATCH_BYTES: usize = 1 << 20;
const BATCH_JOBS: usize = 256;
/// Closed packs waiting for their fsync.
const SYNC_QUEUE: usize = 4;

/// A new chunk's place, known once the packing thread has appended it.
pub(crate) struct PlacedChunk {
    pub id: ChunkId,
    pub pack: Arc<str>,
    pub offset: u64,
    pub stored_len: u32,
    pub raw_len: u32,
}

/// What the packing thread did: chunks in the order they were handed in, the packs it made
/// durable and visible, and the error that stopped it, if any.
#[derive(Default)]
pub(crate) struct PackerOutcome {
    pub chunks: Vec<PlacedChunk>,
    pub packs: Vec<FinishedPack>,
    pub error: Option<Error>,
}

enum Job {
    Chunk {
        class: ChunkClass,
        id: ChunkId,
        /// The chunk, [`crate::pack::frame`]d.
        framed: Vec<u8>,
    },
    FileEnd,
    /// Close the open packs: the snapshot is about to commit. Without it (the writer was
    /// dropped) open packs are discarded.
    Finish,
}

/// The caller's end of the pipeline.
pub(crate) struct Packer {
    running: Option<(SyncSender<Vec<Job>>, JoinHandle<PackerOutcome>)>,
    batch: Vec<Job>,
    batch_bytes: usize,
    outcome: Option<PackerOutcome>,
    sent: usize,
    stored: Arc<AtomicU64>,
}

impl Packer {
    pub(crate) fn start(
        crypto: Crypto,
        backend: Arc<dyn Backend>,
        params: ChunkingParams,
    ) -> Result<Packer> {
        let (tx, rx) = sync_channel(QUEUE);
        let stored = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&stored);
        let thread = std::thread::Builder::new()
            .name("keepsake-pack".into())
            .spawn(move || pack_loop(&rx, &crypto, backend, &params, &counter))
            .map_err(Error::io("", "store-action-starting-packing-thread"))?;
        Ok(Packer {
            running: Some((tx, thread)),
            batch: Vec::new(),
            batch_bytes: 0,
            outcome: None,
            sent: 0,
            stored,
        })
    }

    /// Queues a new chunk, [`crate::pack::frame`]d; returns its index in
    /// [`PackerOutcome::chunks`].
    pub(crate) fn store(
        &mut self,
        class: ChunkClass,
        id: ChunkId,
        framed: Vec<u8>,
    ) -> Result<usize> {
        self.batch_bytes += framed.len();
        self.queue(Job::Chunk { class, id, framed })?;
        self.sent += 1;
        Ok(self.sent - 1)
    }

    /// Marks the end of a file (media packs may close there).
    pub(crate) fn end_file(&mut self) -> Result<()> {
        self.queue(Job::FileEnd)
    }

    fn queue(&mut self, job: Job) -> Result<()> {
        self.batch.push(job);
        if self.batch_bytes >= BATCH_BYTES || self.batch.len() >= BATCH_JOBS {
            self.batch_bytes = 0;
            let batch = std::mem::take(&mut self.batch);
            self.send(batch)?;
        }
        Ok(())
    }

    /// Stored bytes of the chunks packed so far.
    pub(crate) fn stored_bytes(&self) -> u64 {
        self.stored.load(Ordering::Relaxed)
    }

    fn send(&mut self, batch: Vec<Job>) -> Result<()> {
        let sent = match &self.running {
            Some((tx, _)) => tx.send(batch).is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The packing thread stopped: it failed (or finished before).
        let outcome = self.stop(false);
        Err(outcome
            .error
            .take()
            .unwrap_or_else(|| Error::InvalidInput(say("store-invalid-writer-finished", &[]))))
    }

    /// Closes the open packs and waits until every pack is durable and visible.
    pub(crate) fn finish(&mut self) -> &mut PackerOutcome {
        self.stop(true)
    }

    /// Stops the threads (discarding open packs unless `close`) and returns what they did.
    pub(crate) fn stop(&mut self, close: bool) -> &mut PackerOutcome {
        if let Some((tx, thread)) = self.running.take() {
            // Chunks handed in are packed either way: closed packs of an abandoned writer are
            // adopted by the next one.
            let mut batch = std::mem::take(&mut self.batch);
            if close {
                batch.push(Job::Finish);
            }
            if !batch.is_empty() {
                let _ = tx.send(batch);
            }
            drop(tx);
            let outcome = thread.join().unwrap_or_else(|_| PackerOutcome {
                error: Some(Error::InvalidInput(say(
                    "store-invalid-packing-thread-panicked",
                    &[],
                ))),
                ..PackerOutcome::default()
            });
            self.outcome = Some(outcome);
        }
        self.outcome.get_or_insert_with(PackerOutcome::default)
    }
}

impl Drop for Packer {
    fn drop(&mut self) {
        // Never leave a thread writing into the repository after its writer is gone.
        self.stop(false);
    }
}

fn pack_loop(
    jobs: &Receiver<Vec<Job>>,
    crypto: &Crypto,
    backend: Arc<dyn Backend>,
    params: &ChunkingParams,
    stored: &AtomicU64,
) -> PackerOutcome {
    let (sync_tx, sync_rx) = sync_channel::<(Box<dyn PackSink>, FinishedPack)>(SYNC_QUEUE);
    let syncer = std::thread::Builder::new()
        .name("keepsake-sync".into())
        .spawn(move || sync_loop(&sync_rx));
    let syncer = match syncer {
        Ok(s) => s,
        Err(e) => {
            return PackerOutcome {
                error: Some(Error::io("", "store-action-starting-pack-syncing-thread")(
                    e,
                )),
                ..PackerOutcome::default()
            }
        }
    };
    let mut packing = Packing {
        crypto,
        backend: backend.as_ref(),
        params,
        stored,
        encoder: BlobEncoder::new(),
        open: [None, None, None],
        chunks: Vec::new(),
        sync: sync_tx,
    };
    let error = packing.run(jobs).err();
    let chunks = std::mem::take(&mut packing.chunks);
    // Open packs (abandoned or failed) delete themselves; closed ones are synced first.
    drop(packing);
    let (packs, sync_error) = syncer.join().unwrap_or_else(|_| {
        (
            Vec::new(),
            Some(Error::InvalidInput(say(
                "store-invalid-syncing-thread-panicked",
                &[],
            ))),
        )
    });
    // A failed fsync also stops the packing thread; the fsync's error is the one to report.
    let error = sync_error.or(error);
    PackerOutcome {
        chunks,
        packs,
        error,
    }
}

struct Packing<'a> {
    crypto: &'a Crypto,
    backend: &'a dyn Backend,
    params: &'a ChunkingParams,
    stored: &'a AtomicU64,
    encoder: BlobEncoder,
    open: [Option<(PackWriter, Arc<str>)>; 3],
    chunks: Vec<PlacedChunk>,
    sync: SyncSender<(Box<dyn PackSink>, FinishedPack)>,
}

impl Packing<'_> {
    fn run(&mut self, batches: &Receiver<Vec<Job>>) -> Result<()> {
        for job in batches.iter().flatten() {
            match job {
                Job::Chunk { class, id, framed } => self.append(class, id, framed)?,
                Job::FileEnd => {
                    // Media packs end at a file boundary once they are an eighth full, so a
                    // pack holds one or two photos or videos: deleting those frees the whole
                    // pack instead of scattering garbage that only a costly repack reclaims.
                    let media = ChunkClass::Media.index();
                    let target = self.params.pack_target / 8;
                    if self.open[media]
                        .as_ref()
                        .is_some_and(|(p, _)| p.len() >= target)
                    {
                        self.close(media)?;
                    }
                }
                Job::Finish => {
                    for slot in 0..self.open.len() {
                        self.close(slot)?;
                    }
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    fn append(&mut self, class: ChunkClass, id: ChunkId, framed: Vec<u8>) -> Result<()> {
        let raw_len = framed.len() - self.crypto.headroom() - 1;
        let blob = self.encoder.encode_framed(self.crypto, &id, framed);
        let slot = &mut self.open[class.index()];
        if slot.is_none() {
            let pack = PackWriter::create(self.backend, class)?;
            let name: Arc<str> = Arc::from(pack.name());
            *slot = Some((pack, name));
        }
        let (pack, name) = slot.as_mut().expect("just opened");
        let raw_len = u32::try_from(raw_len).expect("chunks are far below 4 GiB");
        let offset = pack.append(id, &blob, raw_len)?;
        self.chunks.push(PlacedChunk {
            id,
            pack: Arc::clone(name),
            offset,
            stored_len: u32::try_from(blob.len()).expect("chunks are far below 4 GiB"),
            raw_len,
        });
        self.stored.fetch_add(blob.len() as u64, Ordering::Relaxed);
        if pack.len() >= self.params.pack_target {
            self.close(class.index())?;
        }
        Ok(())
    }

    /// Writes the pack's index and hands it to the syncing thread.
    fn close(&mut self, slot: usize) -> Result<()> {
        let Some((pack, _)) = self.open[slot].take() else {
            return Ok(());
        };
        let closed = pack.close(self.crypto)?;
        self.sync.send(closed).map_err(|_| {
            // The syncing thread stopped on an error; it is reported when it is joined.
            Error::InvalidInput(say("store-invalid-syncing-thread-stopped", &[]))
        })
    }
}

/// Commits (fsync, rename, folder fsync) each closed pack; stops at the first failure.
fn sync_loop(
    packs: &Receiver<(Box<dyn PackSink>, FinishedPack)>,
) -> (Vec<FinishedPack>, Option<Error>) {
    let mut done = Vec::new();
    for (sink, pack) in packs {
        if let Err(e) = sink.commit() {
            return (done, Some(e));
        }
        done.push(pack);
    }
    (done, None)
}
