//! The store's on-disk formats parsed from bytes exactly as the store parses them from files,
//! for the fuzz targets in `fuzz/` (and their seed generator). Not an API: nothing else calls it.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::backend::{Backend, PackSink};
use crate::chunker::ChunkClass;
use crate::config::RepoConfig;
use crate::crypto::{Crypto, MasterKey};
use crate::error::{ChunkFault, Result};
use crate::pack::{self, PackWriter};

/// The master key of the fuzzed encrypted repository (any fixed key will do).
const KEY: [u8; 32] = [7; 32];

/// The pack's name: the index is sealed under it.
const PACK: &str = "0123456789abcdef0123456789abcdef";

fn crypto(encrypted: bool) -> Crypto {
    if encrypted {
        Crypto::keyed(&MasterKey::from_bytes(&KEY).expect("32 bytes"))
    } else {
        Crypto::clear()
    }
}

/// A repository config file's text, read as [`RepoConfig::load`] reads `config.json`.
pub fn config(text: &str) -> Result<RepoConfig> {
    RepoConfig::parse(Path::new("fuzzed repository"), text)
}

/// A chunk's id in the clear (`false`) or the fixed-key encrypted repository.
pub fn chunk_id(encrypted: bool, data: &[u8]) -> [u8; 32] {
    crypto(encrypted).chunk_id(data)
}

/// One chunk of a pack, as the pack's own index lists it, and what reading it gave.
#[derive(Debug)]
pub struct PackedChunk {
    pub id: [u8; 32],
    pub offset: u64,
    pub stored_len: u32,
    pub raw_len: u32,
    pub data: std::result::Result<Vec<u8>, ChunkFault>,
}

/// What the store reads of a pack file: whether its header is a pack's (`Some(why)` if not),
/// then its index (`None`: damaged, or sealed with another key) and every chunk it lists, read
/// and verified as a restore reads them.
pub fn read_pack(bytes: &[u8], encrypted: bool) -> (Option<String>, Option<Vec<PackedChunk>>) {
    let backend = MemoryBackend::default();
    backend.packs().insert(PACK.to_owned(), bytes.to_vec());
    let crypto = crypto(encrypted);
    let header = pack::check_header(&backend, PACK);
    let Some((_, entries)) = pack::read_index(&backend, &crypto, PACK) else {
        return (header, None);
    };
    let chunks = entries
        .into_iter()
        .map(|e| PackedChunk {
            data: pack::read_blob(&backend, PACK, e.offset, e.stored_len)
                .and_then(|blob| pack::decode_blob(&crypto, &e.id, e.raw_len, &blob)),
            id: e.id,
            offset: e.offset,
            stored_len: e.stored_len,
            raw_len: e.raw_len,
        })
        .collect();
    (header, Some(chunks))
}

/// One stored blob (codec byte and payload, sealed when encrypted) decoded as the chunk `id` of
/// `raw_len` bytes.
pub fn decode_blob(
    encrypted: bool,
    id: &[u8; 32],
    raw_len: u32,
    stored: &[u8],
) -> std::result::Result<Vec<u8>, ChunkFault> {
    pack::decode_blob(&crypto(encrypted), id, raw_len, stored)
}

/// The pack file the store writes for `chunks` (compressed where that shrinks them), as
/// [`read_pack`] reads it.
pub fn write_pack(chunks: &[&[u8]], encrypted: bool) -> Result<Vec<u8>> {
    let backend = MemoryBackend::default();
    let crypto = crypto(encrypted);
    // Under the name `read_pack` reads it by: the index is sealed under the pack's name.
    let mut writer = PackWriter::create_named(&backend, ChunkClass::Small, PACK.to_owned())?;
    let mut encoder = pack::BlobEncoder::new();
    for chunk in chunks {
        let id = crypto.chunk_id(chunk);
        let blob = encoder.encode_framed(&crypto, &id, pack::frame(&crypto, chunk));
        let raw_len = u32::try_from(chunk.len()).expect("fuzzed chunks are small");
        writer.append(id, &blob, raw_len)?;
    }
    writer.finish(&crypto)?;
    let bytes = backend
        .packs()
        .remove(PACK)
        .expect("the pack was committed");
    Ok(bytes)
}

/// Packs in memory.
#[derive(Default)]
struct MemoryBackend {
    packs: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl MemoryBackend {
    fn packs(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<u8>>> {
        self.packs.lock().unwrap_or_else(|p| p.into_inner())
    }
}

struct MemorySink {
    name: String,
    bytes: Vec<u8>,
    packs: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl Write for MemorySink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl PackSink for MemorySink {
    fn commit(self: Box<Self>) -> Result<()> {
        let mut packs = self.packs.lock().unwrap_or_else(|p| p.into_inner());
        packs.insert(self.name, self.bytes);
        Ok(())
    }
}

impl Backend for MemoryBackend {
    fn create_pack(&self, name: &str) -> Result<Box<dyn PackSink>> {
        Ok(Box::new(MemorySink {
            name: name.to_owned(),
            bytes: Vec::new(),
            packs: Arc::clone(&self.packs),
        }))
    }
    fn read_at(&self, name: &str, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let packs = self.packs();
        let bytes = packs.get(name).ok_or(io::ErrorKind::NotFound)?;
        let start = usize::try_from(offset).map_err(|_| io::ErrorKind::UnexpectedEof)?;
        let end = start.checked_add(len).ok_or(io::ErrorKind::UnexpectedEof)?;
        bytes
            .get(start..end)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| io::ErrorKind::UnexpectedEof.into())
    }
    fn pack_len(&self, name: &str) -> io::Result<u64> {
        let packs = self.packs();
        let bytes = packs.get(name).ok_or(io::ErrorKind::NotFound)?;
        Ok(bytes.len() as u64)
    }
    fn remove_pack(&self, name: &str) -> Result<()> {
        self.packs().remove(name);
        Ok(())
    }
    fn list_packs(&self) -> Result<Vec<String>> {
        Ok(self.packs().keys().cloned().collect())
    }
    fn clean_partials(&self) -> Result<usize> {
        Ok(0)
    }
}
