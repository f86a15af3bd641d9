//! Pack files: many chunks appended into one file, so a backup of 100,000 small files makes a
//! handful of files on disk, and deleting old data deletes whole files.
//!
//! Layout: `KSPACK\0\x01`, then the blobs back to back, then an index blob, then a 20-byte footer
//! (index offset u64 LE, index length u32 LE, `KSINDEX1`). A blob is the chunk sealed (AEAD, its id
//! as associated data) when the repository is encrypted; inside, one codec byte (0 raw, 1 zstd)
//! and the payload. The index (id, offset, stored length, raw length per blob, sealed too) lets a
//! pack that reached the disk but not the catalog be adopted by the next writer.

use crate::backend::{Backend, PackSink};
use crate::chunker::ChunkClass;
use crate::crypto::{ChunkId, Crypto};
use crate::error::{ChunkFault, Error, Result};

const PACK_MAGIC: &[u8; 8] = b"KSPACK\0\x01";
const FOOTER_MAGIC: &[u8; 8] = b"KSINDEX1";
const FOOTER_LEN: u64 = 20;
const INDEX_ENTRY_LEN: usize = 48;
const CODEC_RAW: u8 = 0;
const CODEC_ZSTD: u8 = 1;
/// zstd's fastest regular level. On a backup's SQLite pages and small files, level 3 stored
/// 0.1 % less (487.3 against 487.7 MiB of a 512 MiB phone) for a tenth more of the whole
/// backup's CPU (usb2_cpu.sh: 2.9 against 2.6 CPU s).
const ZSTD_LEVEL: i32 = 1;

/// One chunk's place in a pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PackEntry {
    pub id: ChunkId,
    pub offset: u64,
    pub stored_len: u32,
    pub raw_len: u32,
}

/// A pack written, synced and renamed into place (but maybe not yet in the catalog).
#[derive(Debug)]
pub(crate) struct FinishedPack {
    pub name: String,
    pub size: u64,
}

fn blob_ad(id: &ChunkId) -> Vec<u8> {
    [b"keepsake chunk ".as_slice(), id].concat()
}

fn index_ad(name: &str) -> Vec<u8> {
    [b"keepsake pack index ".as_slice(), name.as_bytes()].concat()
}

/// Compresses (when it shrinks) and seals chunks, reusing one zstd context.
pub(crate) struct BlobEncoder {
    zstd: Option<zstd::bulk::Compressor<'static>>,
}

/// Chunks above this size are first probed: photos and videos are already compressed, and
/// compressing a megabyte only to throw the result away costs more than the rest of the pipeline.
pub(crate) const PROBE_ABOVE: usize = 128 * 1024;
const PROBE_LEN: usize = 32 * 1024;

impl BlobEncoder {
    pub(crate) fn new() -> BlobEncoder {
        // Without a context (out of memory) chunks are simply stored raw.
        BlobEncoder {
            zstd: zstd::bulk::Compressor::new(ZSTD_LEVEL).ok(),
        }
    }

    /// Whether compressing `raw` is worth trying: a large chunk whose start does not shrink is
    /// taken for compressed media.
    fn worth_compressing(&mut self, raw: &[u8]) -> bool {
        let Some(zstd) = self.zstd.as_mut() else {
            return false;
        };
        if raw.len() <= PROBE_ABOVE {
            return true;
        }
        zstd.compress(&raw[..PROBE_LEN])
            .is_ok_and(|probe| probe.len() * 100 < PROBE_LEN * 97)
    }

    /// The blob to store for a chunk, given [`frame`]d: codec byte and payload, sealed.
    /// Incompressible data (photos, videos) is sealed where it lies, without another copy.
    pub(crate) fn encode_framed(
        &mut self,
        crypto: &Crypto,
        id: &ChunkId,
        mut framed: Vec<u8>,
    ) -> Vec<u8> {
        let head = crypto.headroom();
        if self.worth_compressing(&framed[head + 1..]) {
            return self.encode_unprobed(crypto, id, &framed[head + 1..]);
        }
        framed[head] = CODEC_RAW;
        crypto.seal_in_place(&blob_ad(id), framed)
    }

    /// Compresses when it shrinks, stores raw otherwise; compressed into and encrypted in one
    /// buffer.
    fn encode_unprobed(&mut self, crypto: &Crypto, id: &ChunkId, raw: &[u8]) -> Vec<u8> {
        let head = crypto.headroom();
        let mut buf = Vec::with_capacity(head + 1 + raw.len() + 16);
        buf.resize(head + 1, 0);
        let mut compressed = false;
        if let Some(zstd) = self.zstd.as_mut() {
            buf.resize(head + 1 + raw.len(), 0);
            // A payload that does not fit in the raw size does not shrink: stored raw.
            if let Ok(n) = zstd.compress_to_buffer(raw, &mut buf[head + 1..]) {
                buf.truncate(head + 1 + n);
                compressed = n < raw.len();
            }
        }
        if compressed {
            buf[head] = CODEC_ZSTD;
        } else {
            buf.truncate(head + 1);
            buf[head] = CODEC_RAW;
            buf.extend_from_slice(raw);
        }
        crypto.seal_in_place(&blob_ad(id), buf)
    }
}

/// A chunk copied into the buffer its blob will be built in: room for the nonce and the codec
/// byte before it, for the tag after it.
pub(crate) fn frame(crypto: &Crypto, raw: &[u8]) -> Vec<u8> {
    let head = crypto.headroom();
    let mut buf = Vec::with_capacity(head + 1 + raw.len() + 16);
    buf.resize(head + 1, 0);
    buf.extend_from_slice(raw);
    buf
}

/// One-off [`BlobEncoder::encode_framed`].
#[cfg(test)]
pub(crate) fn encode_blob(crypto: &Crypto, id: &ChunkId, raw: &[u8]) -> Vec<u8> {
    BlobEncoder::new().encode_framed(crypto, id, frame(crypto, raw))
}

/// How much of a decoded chunk is checked against its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verify {
    /// Always re-hash the plain text (check, gc: they vouch for the repository as a whole).
    Rehash,
    /// In an encrypted repository, trust the AEAD tag: the id is the blob's associated data, so
    /// only the key holder could have sealed these bytes under it. Plain ones are re-hashed.
    Authenticated,
}

/// Opens, decompresses and verifies one chunk: bad data is an error, never returned.
pub(crate) fn decode_blob(
    crypto: &Crypto,
    id: &ChunkId,
    raw_len: u32,
    stored: &[u8],
) -> std::result::Result<Vec<u8>, ChunkFault> {
    let (mut data, range) =
        decode_blob_owned(crypto, id, raw_len, stored.to_vec(), Verify::Rehash)?;
    data.truncate(range.end);
    data.drain(..range.start);
    Ok(data)
}

/// [`decode_blob`] of a blob read into its own buffer: decrypted in place, and a chunk stored
/// raw is returned in that same buffer (with where it lies in it), not copied out.
pub(crate) fn decode_blob_owned(
    crypto: &Crypto,
    id: &ChunkId,
    raw_len: u32,
    mut stored: Vec<u8>,
    verify: Verify,
) -> std::result::Result<(Vec<u8>, std::ops::Range<usize>), ChunkFault> {
    let plain = crypto
        .open_in_place(&blob_ad(id), &mut stored)
        .ok_or(ChunkFault::Authentication)?;
    if plain.is_empty() {
        return Err(ChunkFault::Decompression);
    }
    let payload = plain.start + 1..plain.end;
    let (data, range) = match stored[plain.start] {
        CODEC_RAW => (stored, payload),
        CODEC_ZSTD => {
            let data = decompress(&stored[payload], raw_len as usize)?;
            let len = data.len();
            (data, 0..len)
        }
        _ => return Err(ChunkFault::Decompression),
    };
    let chunk = &data[range.clone()];
    let rehash = verify == Verify::Rehash || !crypto.is_encrypted();
    if chunk.len() != raw_len as usize || (rehash && crypto.chunk_id(chunk) != *id) {
        return Err(ChunkFault::HashMismatch);
    }
    Ok((data, range))
}

thread_local! {
    /// One zstd context a thread: making one costs more than decompressing a small chunk.
    static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// A zstd payload decompressed, into at most `capacity` bytes.
fn decompress(payload: &[u8], capacity: usize) -> std::result::Result<Vec<u8>, ChunkFault> {
    DECOMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = zstd::bulk::Decompressor::new().ok();
        }
        match cell.as_mut() {
            Some(d) => d.decompress(payload, capacity),
            None => zstd::bulk::decompress(payload, capacity),
        }
        .map_err(|_| ChunkFault::Decompression)
    })
}

/// Reads one blob from its pack, classifying I/O failures as chunk faults.
pub(crate) fn read_blob(
    backend: &dyn Backend,
    pack: &str,
    offset: u64,
    stored_len: u32,
) -> std::result::Result<Vec<u8>, ChunkFault> {
    backend
        .read_at(pack, offset, stored_len as usize)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ChunkFault::MissingPack(pack.to_string()),
            std::io::ErrorKind::UnexpectedEof => ChunkFault::Truncated(pack.to_string()),
            _ => ChunkFault::Read(e.to_string()),
        })
}

/// A pack being filled with chunks of one class.
pub(crate) struct PackWriter {
    name: String,
    sink: Box<dyn PackSink>,
    len: u64,
    entries: Vec<PackEntry>,
}

impl PackWriter {
    pub(crate) fn create(backend: &dyn Backend, class: ChunkClass) -> Result<PackWriter> {
        PackWriter::create_named(backend, class, crate::crypto::random_hex(16))
    }

    /// [`PackWriter::create`] under a name chosen by the caller (the fuzz targets' seeds).
    pub(crate) fn create_named(
        backend: &dyn Backend,
        class: ChunkClass,
        name: String,
    ) -> Result<PackWriter> {
        let mut sink = backend.create_pack(&name)?;
        sink.write_all(PACK_MAGIC)
            .map_err(Error::io(&name, "store-action-writing-pack"))?;
        tracing::trace!(pack = %name, ?class, "pack started");
        Ok(PackWriter {
            name,
            sink,
            len: PACK_MAGIC.len() as u64,
            entries: Vec::new(),
        })
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Appends a sealed blob; returns its offset.
    pub(crate) fn append(&mut self, id: ChunkId, blob: &[u8], raw_len: u32) -> Result<u64> {
        let offset = self.len;
        self.sink
            .write_all(blob)
            .map_err(Error::io(&self.name, "store-action-writing-pack"))?;
        self.len += blob.len() as u64;
        self.entries.push(PackEntry {
            id,
            offset,
            stored_len: u32::try_from(blob.len()).expect("chunks are far below 4 GiB"),
            raw_len,
        });
        Ok(offset)
    }

    /// Writes the index and footer, then makes the pack durable and visible.
    pub(crate) fn finish(self, crypto: &Crypto) -> Result<FinishedPack> {
        let (sink, done) = self.close(crypto)?;
        sink.commit()?;
        Ok(done)
    }

    /// Writes the index and footer; the pack is complete but neither durable nor visible until
    /// the returned sink is committed (which a snapshot writer does off its hot path).
    pub(crate) fn close(mut self, crypto: &Crypto) -> Result<(Box<dyn PackSink>, FinishedPack)> {
        let mut index = Vec::with_capacity(self.entries.len() * INDEX_ENTRY_LEN);
        for e in &self.entries {
            index.extend_from_slice(&e.id);
            index.extend_from_slice(&e.offset.to_le_bytes());
            index.extend_from_slice(&e.stored_len.to_le_bytes());
            index.extend_from_slice(&e.raw_len.to_le_bytes());
        }
        let index = crypto.seal(&index_ad(&self.name), &index);
        let mut footer = Vec::with_capacity(FOOTER_LEN as usize);
        footer.extend_from_slice(&self.len.to_le_bytes());
        footer.extend_from_slice(&(index.len() as u32).to_le_bytes());
        footer.extend_from_slice(FOOTER_MAGIC);
        let io = Error::io(&self.name, "store-action-writing-pack");
        self.sink
            .write_all(&index)
            .and_then(|()| self.sink.write_all(&footer))
            .map_err(io)?;
        let size = self.len + index.len() as u64 + FOOTER_LEN;
        Ok((
            self.sink,
            FinishedPack {
                name: self.name,
                size,
            },
        ))
    }
}

/// What is wrong with a pack's header, if anything (it is not read otherwise: blobs are found
/// by offset).
pub(crate) fn check_header(backend: &dyn Backend, name: &str) -> Option<String> {
    match backend.read_at(name, 0, PACK_MAGIC.len()) {
        Ok(head) if head == PACK_MAGIC => None,
        Ok(_) => Some("its header is not a Keepsake pack's".into()),
        Err(e) => Some(format!("its header cannot be read ({e})")),
    }
}

/// Reads a pack's own index; `None` if the pack is damaged or was sealed with another key.
pub(crate) fn read_index(
    backend: &dyn Backend,
    crypto: &Crypto,
    name: &str,
) -> Option<(u64, Vec<PackEntry>)> {
    let size = backend.pack_len(name).ok()?;
    if size < PACK_MAGIC.len() as u64 + FOOTER_LEN {
        return None;
    }
    let footer = backend
        .read_at(name, size - FOOTER_LEN, FOOTER_LEN as usize)
        .ok()?;
    if &footer[12..] != FOOTER_MAGIC {
        return None;
    }
    let index_offset = u64::from_le_bytes(footer[..8].try_into().ok()?);
    let index_len = u32::from_le_bytes(footer[8..12].try_into().ok()?) as usize;
    // Checked: a damaged footer can claim any offset, and the sum overflowed (a panic in debug
    // builds, a wrapped comparison in release).
    if index_offset.checked_add(index_len as u64 + FOOTER_LEN) != Some(size) {
        return None;
    }
    let sealed = backend.read_at(name, index_offset, index_len).ok()?;
    let index = crypto.open(&index_ad(name), &sealed)?;
    if index.len() % INDEX_ENTRY_LEN != 0 {
        return None;
    }
    let entries = index
        .chunks_exact(INDEX_ENTRY_LEN)
        .map(|e| PackEntry {
            id: e[..32].try_into().expect("32 bytes"),
            offset: u64::from_le_bytes(e[32..40].try_into().expect("8 bytes")),
            stored_len: u32::from_le_bytes(e[40..44].try_into().expect("4 bytes")),
            raw_len: u32::from_le_bytes(e[44..48].try_into().expect("4 bytes")),
        })
        .collect();
    Some((size, entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::LocalBackend;
    use crate::crypto::MasterKey;

    #[test]
    fn blob_round_trips_compressed_and_raw() {
        let c = Crypto::keyed(&MasterKey::random());
        let text = vec![b'a'; 10_000];
        let id = c.chunk_id(&text);
        let blob = encode_blob(&c, &id, &text);
        assert!(
            blob.len() < 1000,
            "text should compress, got {}",
            blob.len()
        );
        assert_eq!(decode_blob(&c, &id, 10_000, &blob).unwrap(), text);

        // Incompressible, and large enough to take the probe path: stored raw.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let noise: Vec<u8> = (0..300_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect();
        let id = c.chunk_id(&noise);
        let blob = encode_blob(&c, &id, &noise);
        assert_eq!(blob.len(), noise.len() + 1 + crate::crypto::SEAL_OVERHEAD);
        assert_eq!(decode_blob(&c, &id, 300_000, &blob).unwrap(), noise);

        // A large chunk whose start compresses passes the probe and is compressed.
        let mut mixed = vec![b'z'; 200_000];
        mixed.extend_from_slice(&noise[..100_000]);
        let id = c.chunk_id(&mixed);
        let blob = encode_blob(&c, &id, &mixed);
        assert!(blob.len() < 150_000, "got {}", blob.len());
        assert_eq!(decode_blob(&c, &id, 300_000, &blob).unwrap(), mixed);
    }

    #[test]
    fn blob_under_another_id_or_key_is_refused() {
        let c = Crypto::keyed(&MasterKey::random());
        let (a, b) = (b"first".to_vec(), b"second".to_vec());
        let blob = encode_blob(&c, &c.chunk_id(&a), &a);
        assert_eq!(
            decode_blob(&c, &c.chunk_id(&b), 5, &blob),
            Err(ChunkFault::Authentication)
        );
        let other = Crypto::keyed(&MasterKey::random());
        assert_eq!(
            decode_blob(&other, &c.chunk_id(&a), 5, &blob),
            Err(ChunkFault::Authentication)
        );
        let clear = Crypto::clear();
        let mut blob = encode_blob(&clear, &clear.chunk_id(&a), &a);
        *blob.last_mut().unwrap() ^= 1;
        assert_eq!(
            decode_blob(&clear, &clear.chunk_id(&a), 5, &blob),
            Err(ChunkFault::HashMismatch)
        );
    }

    #[test]
    fn restore_trusts_the_tag_only_when_sealed() {
        let (a, b) = (b"first".to_vec(), b"other".to_vec());
        // A blob sealed under the wrong id (a writer bug, or the key holder): only a re-hash sees it.
        let c = Crypto::keyed(&MasterKey::random());
        let wrong = encode_blob(&c, &c.chunk_id(&b), &a);
        let decode = |verify| decode_blob_owned(&c, &c.chunk_id(&b), 5, wrong.clone(), verify);
        assert_eq!(decode(Verify::Rehash), Err(ChunkFault::HashMismatch));
        let (data, range) = decode(Verify::Authenticated).unwrap();
        assert_eq!(&data[range], a.as_slice());
        // Without a tag, the hash is the only check: always made.
        let clear = Crypto::clear();
        let blob = encode_blob(&clear, &clear.chunk_id(&b), &a);
        assert_eq!(
            decode_blob_owned(&clear, &clear.chunk_id(&b), 5, blob, Verify::Authenticated),
            Err(ChunkFault::HashMismatch)
        );
    }

    #[test]
    fn finished_pack_index_lists_every_blob() {
        let dir = tempfile::tempdir().unwrap();
        LocalBackend::create_layout(dir.path()).unwrap();
        let backend = LocalBackend::new(dir.path());
        let c = Crypto::keyed(&MasterKey::random());
        let mut w = PackWriter::create(&backend, ChunkClass::Small).unwrap();
        let mut expect = Vec::new();
        for i in 0..5u8 {
            let data = vec![i; 100 + i as usize];
            let id = c.chunk_id(&data);
            let blob = encode_blob(&c, &id, &data);
            let off = w.append(id, &blob, data.len() as u32).unwrap();
            expect.push((id, off, blob.len() as u32, data));
        }
        let done = w.finish(&c).unwrap();
        assert_eq!(backend.list_packs().unwrap(), vec![done.name.clone()]);
        let (size, entries) = read_index(&backend, &c, &done.name).unwrap();
        assert_eq!(size, done.size);
        assert_eq!(entries.len(), expect.len());
        for (entry, (id, off, len, data)) in entries.iter().zip(expect) {
            assert_eq!((entry.id, entry.offset, entry.stored_len), (id, off, len));
            let blob = read_blob(&backend, &done.name, off, len).unwrap();
            assert_eq!(
                decode_blob(&c, &id, data.len() as u32, &blob).unwrap(),
                data
            );
        }
        // Another key cannot read the index.
        assert!(read_index(&backend, &Crypto::keyed(&MasterKey::random()), &done.name).is_none());
    }

    #[test]
    fn footer_claiming_an_index_past_the_end_of_the_address_space_is_damage() {
        use std::io::Write as _;
        // Found by fuzz/fuzz_targets/store_pack: the pack's header, then a footer whose index
        // offset and length are all ones (the index offset plus its length overflowed).
        let mut pack = PACK_MAGIC.to_vec();
        pack.extend_from_slice(&[0xff; 12]);
        pack.extend_from_slice(FOOTER_MAGIC);
        let dir = tempfile::tempdir().unwrap();
        LocalBackend::create_layout(dir.path()).unwrap();
        let backend = LocalBackend::new(dir.path());
        let mut sink = backend.create_pack("00ff00ff00ff00ff").unwrap();
        sink.write_all(&pack).unwrap();
        sink.commit().unwrap();
        for crypto in [Crypto::clear(), Crypto::keyed(&MasterKey::random())] {
            assert!(read_index(&backend, &crypto, "00ff00ff00ff00ff").is_none());
        }
    }

    #[test]
    fn abandoned_pack_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        LocalBackend::create_layout(dir.path()).unwrap();
        let backend = LocalBackend::new(dir.path());
        let mut w = PackWriter::create(&backend, ChunkClass::Media).unwrap();
        w.append([1; 32], b"blob", 4).unwrap();
        drop(w);
        assert!(backend.list_packs().unwrap().is_empty());
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }
}
