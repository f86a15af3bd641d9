//! AES-256-CBC (zero IV) as backups encrypt file contents and Manifest.db, over `io::Read` and
//! `io::Write`, so multi-gigabyte videos stream through a fixed buffer instead of memory.
//! Readers suit pulling from a file or generator; writers suit pushing into a sink (the
//! snapshot store's `cat`, a network stream).

use std::io::{self, Read, Write};

use aes::cipher::inout::InOutBuf;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use aes::Aes256;

use crate::crypto::Key;
use crate::error::{Error, Result};

const BLOCK: usize = 16;
/// Plaintext or ciphertext read from the inner reader per refill.
const CHUNK: usize = 64 * 1024;

type CbcEncryptor = cbc::Encryptor<Aes256>;
type CbcDecryptor = cbc::Decryptor<Aes256>;

/// Appends to `out` the whole blocks of `pending` followed by `input`, keeping the incomplete
/// tail in `pending`; returns where the appended blocks start. Input is copied once.
fn append_whole_blocks(pending: &mut Vec<u8>, mut input: &[u8], out: &mut Vec<u8>) -> usize {
    let start = out.len();
    if !pending.is_empty() {
        let take = (BLOCK - pending.len()).min(input.len());
        pending.extend_from_slice(&input[..take]);
        input = &input[take..];
        if pending.len() < BLOCK {
            return start;
        }
        out.append(pending);
    }
    let whole = input.len() - input.len() % BLOCK;
    out.extend_from_slice(&input[..whole]);
    pending.extend_from_slice(&input[whole..]);
    start
}

/// Encryption state: plaintext in, ciphertext out, PKCS#7 padding at the end.
struct EncryptCore {
    cipher: CbcEncryptor,
    /// Plaintext of an incomplete block, waiting for more input.
    pending: Vec<u8>,
    plaintext_len: u64,
}

impl EncryptCore {
    fn new(key: &Key) -> Self {
        EncryptCore {
            cipher: CbcEncryptor::new(key.as_bytes().into(), &[0u8; BLOCK].into()),
            pending: Vec::with_capacity(BLOCK),
            plaintext_len: 0,
        }
    }

    fn update(&mut self, input: &[u8], out: &mut Vec<u8>) {
        self.plaintext_len += input.len() as u64;
        let start = append_whole_blocks(&mut self.pending, input, out);
        self.encrypt_from(start, out);
    }

    /// PKCS#7 always adds 1..=16 bytes: a whole block when the plaintext is aligned.
    fn finish(&mut self, out: &mut Vec<u8>) {
        let pad = BLOCK - self.pending.len();
        let start = out.len();
        out.append(&mut self.pending);
        out.resize(start + BLOCK, pad as u8);
        self.encrypt_from(start, out);
    }

    fn encrypt_from(&mut self, start: usize, out: &mut [u8]) {
        let (blocks, _) = InOutBuf::from(&mut out[start..]).into_chunks();
        self.cipher.encrypt_blocks_inout_mut(blocks);
    }
}

/// Decryption state: ciphertext in, plaintext out, the last block withheld until the end
/// decides how much of it is data (the rule is on [`DecryptingReader`]).
struct DecryptCore {
    cipher: CbcDecryptor,
    recorded_size: Option<u64>,
    /// Ciphertext of an incomplete block, waiting for more input.
    pending: Vec<u8>,
    /// The newest decrypted block, withheld until we know whether it is the last.
    held: Option<[u8; BLOCK]>,
    ciphertext_len: u64,
}

impl DecryptCore {
    fn new(key: &Key, recorded_size: Option<u64>) -> Self {
        DecryptCore {
            cipher: CbcDecryptor::new(key.as_bytes().into(), &[0u8; BLOCK].into()),
            recorded_size,
            pending: Vec::with_capacity(BLOCK),
            held: None,
            ciphertext_len: 0,
        }
    }

    fn update(&mut self, input: &[u8], out: &mut Vec<u8>) {
        self.ciphertext_len += input.len() as u64;
        if self.pending.len() + input.len() < BLOCK {
            self.pending.extend_from_slice(input);
            return;
        }
        // Release the previously held block, then hold back the newest one.
        out.extend(self.held.take().iter().flatten());
        let start = append_whole_blocks(&mut self.pending, input, out);
        let (blocks, _) = InOutBuf::from(&mut out[start..]).into_chunks();
        self.cipher.decrypt_blocks_inout_mut(blocks);
        let last = out.len() - BLOCK;
        self.held = Some(out[last..].try_into().expect("one block"));
        out.truncate(last);
    }

    /// At end of stream: decide how much of the held last block is plaintext.
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let total = self.ciphertext_len;
        if !self.pending.is_empty() {
            return Err(Error::NotBlockAligned { len: total });
        }
        let Some(last) = self.held.take() else {
            // An empty blob: only an empty file may be stored that way.
            return match self.recorded_size {
                None | Some(0) => Ok(()),
                Some(size) => Err(Error::BadPadding(format!(
                    "blob is empty but the recorded size is {size}"
                ))),
            };
        };
        let before_last = total - BLOCK as u64;
        let keep = match (self.recorded_size, pkcs7_len(&last)) {
            (Some(size), _) if (before_last..=total).contains(&size) => size - before_last,
            (size, Some(pad)) => {
                if let Some(size) = size {
                    tracing::debug!(
                        recorded = size,
                        actual = total - pad as u64,
                        "recorded size is stale; trusting the padding"
                    );
                }
                (BLOCK - pad) as u64
            }
            (Some(size), None) => {
                return Err(Error::BadPadding(format!(
                    "no valid PKCS#7 padding and the recorded size {size} does not fit a {total}-byte blob"
                )))
            }
            (None, None) => {
                return Err(Error::BadPadding(
                    "no valid PKCS#7 padding and no recorded size".into(),
                ))
            }
        };
        out.extend_from_slice(&last[..keep as usize]);
        Ok(())
    }
}

/// Output produced by a core, handed out to `read` calls until used up.
#[derive(Default)]
struct Ready {
    buf: Vec<u8>,
    pos: usize,
}

impl Ready {
    fn take_into(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }
}

/// What the reader and writer adapters need of a core.
trait Core {
    fn update(&mut self, input: &[u8], out: &mut Vec<u8>);
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<()>;
}

impl Core for EncryptCore {
    fn update(&mut self, input: &[u8], out: &mut Vec<u8>) {
        EncryptCore::update(self, input, out);
    }
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<()> {
        EncryptCore::finish(self, out);
        Ok(())
    }
}

impl Core for DecryptCore {
    fn update(&mut self, input: &[u8], out: &mut Vec<u8>) {
        DecryptCore::update(self, input, out);
    }
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<()> {
        DecryptCore::finish(self, out)
    }
}

/// Pulls input from `inner` a chunk at a time through a core.
struct CoreReader<C, R> {
    core: C,
    inner: R,
    input: Vec<u8>,
    ready: Ready,
    done: bool,
}

impl<C: Core, R: Read> CoreReader<C, R> {
    fn new(core: C, inner: R) -> Self {
        CoreReader {
            core,
            inner,
            input: vec![0; CHUNK],
            ready: Ready::default(),
            done: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.ready.buf.clear();
        self.ready.pos = 0;
        let n = loop {
            match self.inner.read(&mut self.input) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        if n == 0 {
            self.done = true;
            self.core.finish(&mut self.ready.buf)?;
        } else {
            self.core.update(&self.input[..n], &mut self.ready.buf);
        }
        Ok(())
    }
}

impl<C: Core, R: Read> Read for CoreReader<C, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.ready.is_empty() {
            if self.done || out.is_empty() {
                return Ok(0);
            }
            self.refill()?;
        }
        Ok(self.ready.take_into(out))
    }
}

/// Pushes output of a core into `inner`.
struct CoreWriter<C, W> {
    core: C,
    inner: W,
    scratch: Vec<u8>,
}

impl<C: Core, W: Write> CoreWriter<C, W> {
    fn new(core: C, inner: W) -> Self {
        CoreWriter {
            core,
            inner,
            scratch: Vec::new(),
        }
    }

    fn finish(mut self) -> Result<W> {
        self.scratch.clear();
        self.core.finish(&mut self.scratch)?;
        self.inner
            .write_all(&self.scratch)
            .and_then(|()| self.inner.flush())
            .map_err(Error::Stream)?;
        Ok(self.inner)
    }
}

impl<C: Core, W: Write> Write for CoreWriter<C, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.scratch.clear();
        self.core.update(buf, &mut self.scratch);
        self.inner.write_all(&self.scratch)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Device side: reads plaintext from `inner` and yields `AES-256-CBC(key, IV 0, PKCS#7(plaintext))`,
/// the blob a backup stores for a regular file.
pub struct EncryptingReader<R>(CoreReader<EncryptCore, R>);

impl<R: Read> EncryptingReader<R> {
    pub fn new(key: &Key, inner: R) -> Self {
        EncryptingReader(CoreReader::new(EncryptCore::new(key), inner))
    }

    /// Plaintext bytes consumed so far; after end of stream, the size to record in MBFile.
    pub fn plaintext_len(&self) -> u64 {
        self.0.core.plaintext_len
    }
}

impl<R: Read> Read for EncryptingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.0.read(out)
    }
}

/// Host side: reads a blob from `inner` and yields its plaintext.
///
/// Readers in the wild disagree on the tail (MOBILESYNC-NOTES §3.5), and live SQLite files are
/// routinely stored with a stale `Size`. The rule here: a recorded size that falls inside the
/// last block wins (it is exactly what the device claims); otherwise valid PKCS#7 padding is
/// stripped; anything else is an error rather than guessed-at output.
pub struct DecryptingReader<R>(CoreReader<DecryptCore, R>);

impl<R: Read> DecryptingReader<R> {
    /// `recorded_size` is MBFile's `Size` when known; `None` relies on the padding alone.
    pub fn new(key: &Key, inner: R, recorded_size: Option<u64>) -> Self {
        DecryptingReader(CoreReader::new(DecryptCore::new(key, recorded_size), inner))
    }
}

impl<R: Read> Read for DecryptingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.0.read(out)
    }
}

/// Device side, push form of [`EncryptingReader`]: plaintext written in, ciphertext written to
/// `inner`. [`finish`](Self::finish) writes the padding block; dropping without it truncates.
pub struct EncryptingWriter<W>(CoreWriter<EncryptCore, W>);

impl<W: Write> EncryptingWriter<W> {
    pub fn new(key: &Key, inner: W) -> Self {
        EncryptingWriter(CoreWriter::new(EncryptCore::new(key), inner))
    }

    /// Plaintext bytes written so far.
    pub fn plaintext_len(&self) -> u64 {
        self.0.core.plaintext_len
    }

    /// Writes the final padded block and returns the inner writer.
    pub fn finish(self) -> Result<W> {
        self.0.finish()
    }
}

impl<W: Write> Write for EncryptingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Host side, push form of [`DecryptingReader`]: ciphertext written in, plaintext written to
/// `inner`. The last block is withheld until [`finish`](Self::finish) decides how much of it is
/// data; dropping without finishing loses it.
pub struct DecryptingWriter<W>(CoreWriter<DecryptCore, W>);

impl<W: Write> DecryptingWriter<W> {
    /// `recorded_size` is MBFile's `Size` when known; `None` relies on the padding alone.
    pub fn new(key: &Key, inner: W, recorded_size: Option<u64>) -> Self {
        DecryptingWriter(CoreWriter::new(DecryptCore::new(key, recorded_size), inner))
    }

    /// Writes the trimmed last block and returns the inner writer.
    pub fn finish(self) -> Result<W> {
        self.0.finish()
    }
}

impl<W: Write> Write for DecryptingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Which way an [`ExactCbc`] transform goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Encrypt,
    Decrypt,
}

/// The exact CBC transform: whole blocks through AES-256-CBC (zero IV) one way or the other,
/// no padding added or removed, a trailing partial block (never in a well-formed blob) passed
/// through as it is. It is a bijection on byte strings of every length: for any key `k` and
/// bytes `c`, encrypting the decryption of `c` gives `c` back, byte for byte. So what a device
/// sent can be kept as its decryption (padding included) and given back exactly, and a
/// decryption with a key that turns out to be the wrong one loses nothing either: re-encrypt
/// with it, decrypt with the right one.
struct ExactCore {
    cipher: ExactCipher,
    pending: Vec<u8>,
}

enum ExactCipher {
    Encrypt(CbcEncryptor),
    Decrypt(CbcDecryptor),
}

impl ExactCore {
    fn new(key: &Key, direction: Direction) -> Self {
        let (key, iv) = (key.as_bytes().into(), &[0u8; BLOCK].into());
        ExactCore {
            cipher: match direction {
                Direction::Encrypt => ExactCipher::Encrypt(CbcEncryptor::new(key, iv)),
                Direction::Decrypt => ExactCipher::Decrypt(CbcDecryptor::new(key, iv)),
            },
            pending: Vec::with_capacity(BLOCK),
        }
    }
}

impl Core for ExactCore {
    fn update(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let start = append_whole_blocks(&mut self.pending, input, out);
        let (blocks, _) = InOutBuf::from(&mut out[start..]).into_chunks();
        match &mut self.cipher {
            ExactCipher::Encrypt(c) => c.encrypt_blocks_inout_mut(blocks),
            ExactCipher::Decrypt(c) => c.decrypt_blocks_inout_mut(blocks),
        }
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<()> {
        out.append(&mut self.pending);
        Ok(())
    }
}

/// Pull form of the exact CBC transform (see [`ExactCbcWriter`] for the rule).
pub struct ExactCbcReader<R>(CoreReader<ExactCore, R>);

impl<R: Read> ExactCbcReader<R> {
    pub fn new(key: &Key, direction: Direction, inner: R) -> Self {
        ExactCbcReader(CoreReader::new(ExactCore::new(key, direction), inner))
    }
}

impl<R: Read> Read for ExactCbcReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.0.read(out)
    }
}

/// Push form of the exact CBC transform: whole blocks through AES-256-CBC (zero IV) `direction`
/// wise, no padding added or removed, a trailing partial block passed through, so that the
/// two directions undo each other byte for byte whatever the input. [`finish`](Self::finish)
/// writes the partial block, if any.
pub struct ExactCbcWriter<W>(CoreWriter<ExactCore, W>);

impl<W: Write> ExactCbcWriter<W> {
    pub fn new(key: &Key, direction: Direction, inner: W) -> Self {
        ExactCbcWriter(CoreWriter::new(ExactCore::new(key, direction), inner))
    }

    pub fn finish(self) -> Result<W> {
        self.0.finish()
    }
}

impl<W: Write> Write for ExactCbcWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Push form of the exact CBC transform into a buffer, for callers that own their output
/// (a restore writing chunk after chunk): [`update`](Self::update) appends the whole blocks,
/// [`finish`](Self::finish) the trailing partial block, if any.
pub struct ExactCbc(ExactCore);

impl ExactCbc {
    pub fn new(key: &Key, direction: Direction) -> Self {
        ExactCbc(ExactCore::new(key, direction))
    }

    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) {
        self.0.update(input, out);
    }

    pub fn finish(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.0.pending);
    }
}

/// The plaintext of an exact decryption (see [`ExactCbcWriter`]): its PKCS#7 padding removed
/// when it has valid padding, else the bytes as they are.
pub fn strip_padding(exact: &[u8]) -> &[u8] {
    if exact.len() < BLOCK || !exact.len().is_multiple_of(BLOCK) {
        return exact;
    }
    let last: &[u8; BLOCK] = exact[exact.len() - BLOCK..].try_into().expect("one block");
    match pkcs7_len(last) {
        Some(pad) => &exact[..exact.len() - pad],
        None => exact,
    }
}

/// The exact transform of a whole buffer.
pub fn exact_cbc(key: &Key, direction: Direction, input: &[u8]) -> Vec<u8> {
    let mut transform = ExactCbc::new(key, direction);
    let mut out = Vec::with_capacity(input.len());
    transform.update(input, &mut out);
    transform.finish(&mut out);
    out
}

/// Length of valid PKCS#7 padding at the end of a block, if it has any.
fn pkcs7_len(block: &[u8; BLOCK]) -> Option<usize> {
    let pad = block[BLOCK - 1] as usize;
    (1..=BLOCK).contains(&pad).then_some(())?;
    block[BLOCK - pad..]
        .iter()
        .all(|&b| b as usize == pad)
        .then_some(pad)
}

/// Whole-buffer encryption, for Manifest.db and other small blobs.
pub fn encrypt_bytes(key: &Key, plaintext: &[u8]) -> Vec<u8> {
    let mut core = EncryptCore::new(key);
    let mut out = Vec::with_capacity(plaintext.len() + BLOCK);
    core.update(plaintext, &mut out);
    core.finish(&mut out);
    out
}

/// Whole-buffer decryption, for Manifest.db and other small blobs.
pub fn decrypt_bytes(key: &Key, ciphertext: &[u8], recorded_size: Option<u64>) -> Result<Vec<u8>> {
    let mut core = DecryptCore::new(key, recorded_size);
    let mut out = Vec::with_capacity(ciphertext.len());
    core.update(ciphertext, &mut out);
    core.finish(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn key() -> Key {
        Key::from_bytes([0x42; 32])
    }

    fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..len).map(|_| rng.random()).collect()
    }

    #[test]
    fn the_push_transform_in_pieces_is_the_whole_buffer_transform() {
        let data = pseudo_random(1000, 7);
        for direction in [Direction::Encrypt, Direction::Decrypt] {
            let whole = exact_cbc(&key(), direction, &data);
            let mut t = ExactCbc::new(&key(), direction);
            let mut out = Vec::new();
            for piece in data.chunks(37) {
                t.update(piece, &mut out);
            }
            t.finish(&mut out);
            assert_eq!(out, whole, "{direction:?}");
        }
    }

    #[test]
    fn padding_is_stripped_only_where_it_is_valid() {
        let plain = pseudo_random(100, 8);
        let exact = exact_cbc(&key(), Direction::Decrypt, &encrypt_bytes(&key(), &plain));
        assert_eq!(exact.len(), 112);
        assert_eq!(strip_padding(&exact), &plain[..]);
        // no valid padding, or not whole blocks: as it is
        let mut bad = exact.clone();
        *bad.last_mut().unwrap() = 0;
        assert_eq!(strip_padding(&bad), &bad[..]);
        assert_eq!(strip_padding(&plain[..15]), &plain[..15]);
    }

    /// Reads through a reader that hands out at most `step` bytes per call, to exercise refills.
    struct Trickle<R>(R, usize);
    impl<R: Read> Read for Trickle<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.1);
            self.0.read(&mut buf[..n])
        }
    }

    /// Textbook CBC over the raw block cipher, independent of the `cbc` crate.
    fn reference_cbc_pkcs7(key: &Key, plain: &[u8]) -> Vec<u8> {
        use aes::cipher::{BlockEncrypt, KeyInit};
        let cipher = Aes256::new(key.as_bytes().into());
        let pad = 16 - plain.len() % 16;
        let mut data = plain.to_vec();
        data.resize(plain.len() + pad, pad as u8);
        let mut prev = [0u8; 16];
        for block in data.chunks_exact_mut(16) {
            block.iter_mut().zip(prev).for_each(|(b, p)| *b ^= p);
            cipher.encrypt_block(block.into());
            prev.copy_from_slice(block);
        }
        data
    }

    #[test]
    fn the_exact_transform_gives_back_every_input_byte_for_byte_whatever_the_key() {
        let seed = 0x5eed_2026;
        eprintln!("seed {seed}");
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        for len in [
            0usize, 1, 15, 16, 17, 31, 32, 33, 4095, 65_536, 65_537, 200_003,
        ] {
            let blob = pseudo_random(len, rng.random());
            let right = Key::from_bytes(rng.random());
            let wrong = Key::from_bytes(rng.random());
            // kept as its decryption, given back by encrypting
            let kept = exact_cbc(&right, Direction::Decrypt, &blob);
            assert_eq!(kept.len(), len);
            assert_eq!(exact_cbc(&right, Direction::Encrypt, &kept), blob, "{len}");
            // decrypted with a wrong key: re-encrypt with it, decrypt with the right one
            let guessed = exact_cbc(&wrong, Direction::Decrypt, &blob);
            let fixed = exact_cbc(
                &right,
                Direction::Decrypt,
                &exact_cbc(&wrong, Direction::Encrypt, &guessed),
            );
            assert_eq!(fixed, kept, "{len}");
            // streaming, in odd steps, agrees with the whole-buffer form
            let mut streamed = Vec::new();
            ExactCbcReader::new(&right, Direction::Decrypt, Trickle(&blob[..], 7 + len % 13))
                .read_to_end(&mut streamed)
                .unwrap();
            assert_eq!(streamed, kept, "{len}");
            let mut w = ExactCbcWriter::new(&right, Direction::Encrypt, Vec::new());
            for piece in kept.chunks(1 + len % 977) {
                w.write_all(piece).unwrap();
            }
            assert_eq!(w.finish().unwrap(), blob, "{len}");
        }
    }

    #[test]
    fn the_exact_decryption_of_a_device_blob_is_its_plaintext_and_padding() {
        let plain = pseudo_random(1000, 3);
        let blob = encrypt_bytes(&key(), &plain);
        let kept = exact_cbc(&key(), Direction::Decrypt, &blob);
        assert_eq!(&kept[..1000], &plain[..]);
        assert_eq!(&kept[1000..], &[8u8; 8][..], "PKCS#7 kept");
    }

    #[test]
    fn encryption_matches_textbook_cbc_with_pkcs7() {
        for len in [0, 1, 15, 16, 17, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5] {
            let plain = pseudo_random(len, len as u64);
            let expected = reference_cbc_pkcs7(&key(), &plain);
            let mut reader = EncryptingReader::new(&key(), Trickle(plain.as_slice(), 1000));
            let mut got = Vec::new();
            reader.read_to_end(&mut got).unwrap();
            assert_eq!(got, expected, "len {len}");
            assert_eq!(reader.plaintext_len(), len as u64);
            assert_eq!(got.len() % 16, 0);
            assert!(got.len() > len, "PKCS#7 always adds at least one byte");
        }
    }

    #[test]
    fn decryption_round_trips_every_tail_length_with_and_without_size() {
        for len in [
            0,
            1,
            15,
            16,
            17,
            31,
            32,
            CHUNK - 1,
            CHUNK,
            CHUNK + 16,
            2 * CHUNK + 7,
        ] {
            let plain = pseudo_random(len, 99 + len as u64);
            let blob = encrypt_bytes(&key(), &plain);
            for size in [None, Some(len as u64)] {
                let mut got = Vec::new();
                DecryptingReader::new(&key(), Trickle(blob.as_slice(), 777), size)
                    .read_to_end(&mut got)
                    .unwrap();
                assert_eq!(got, plain, "len {len} size {size:?}");
            }
        }
    }

    /// Writes `data` in pieces of varying size, as network or store callbacks deliver it.
    fn write_in_pieces(w: &mut impl Write, data: &[u8], seed: u64) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut rest = data;
        while !rest.is_empty() {
            let n = rng.random_range(1..=rest.len().min(40_000));
            w.write_all(&rest[..n]).unwrap();
            rest = &rest[n..];
        }
    }

    #[test]
    fn writers_produce_what_readers_produce() {
        for len in [0, 1, 15, 16, 17, 4096, CHUNK + 3, 2 * CHUNK + 16] {
            let plain = pseudo_random(len, 1000 + len as u64);
            let mut enc = EncryptingWriter::new(&key(), Vec::new());
            write_in_pieces(&mut enc, &plain, len as u64);
            assert_eq!(enc.plaintext_len(), len as u64);
            let blob = enc.finish().unwrap();
            assert_eq!(blob, encrypt_bytes(&key(), &plain), "len {len}");

            for size in [None, Some(len as u64)] {
                let mut dec = DecryptingWriter::new(&key(), Vec::new(), size);
                write_in_pieces(&mut dec, &blob, 7 + len as u64);
                assert_eq!(dec.finish().unwrap(), plain, "len {len} size {size:?}");
            }
        }
    }

    #[test]
    fn decrypting_writer_reports_a_truncated_blob_at_finish() {
        let blob = encrypt_bytes(&key(), &pseudo_random(100, 3));
        let mut dec = DecryptingWriter::new(&key(), Vec::new(), Some(100));
        dec.write_all(&blob[..blob.len() - 5]).unwrap();
        assert!(matches!(dec.finish(), Err(Error::NotBlockAligned { .. })));
    }

    #[test]
    fn recorded_size_inside_last_block_truncates_unpadded_data() {
        // Data stored without padding (length already aligned): the size decides where it ends.
        let plain = pseudo_random(48, 5);
        let mut blob = plain.clone();
        let (blocks, _) = InOutBuf::from(blob.as_mut_slice()).into_chunks();
        CbcEncryptor::new(key().as_bytes().into(), &[0u8; 16].into())
            .encrypt_blocks_inout_mut(blocks);
        let got = decrypt_bytes(&key(), &blob, Some(40)).unwrap();
        assert_eq!(got, &plain[..40]);
    }

    #[test]
    fn stale_recorded_size_outside_last_block_defers_to_padding() {
        let plain = pseudo_random(5000, 6);
        let blob = encrypt_bytes(&key(), &plain);
        assert_eq!(decrypt_bytes(&key(), &blob, Some(4096)).unwrap(), plain);
        assert_eq!(decrypt_bytes(&key(), &blob, Some(9000)).unwrap(), plain);
    }

    #[test]
    fn unaligned_blob_is_an_error() {
        let blob = encrypt_bytes(&key(), b"hello");
        let err = decrypt_bytes(&key(), &blob[..15], None).unwrap_err();
        assert!(matches!(err, Error::NotBlockAligned { len: 15 }), "{err}");
    }

    #[test]
    fn wrong_key_without_size_is_a_padding_error_not_output() {
        let blob = encrypt_bytes(&key(), &pseudo_random(100, 7));
        // A random last block has valid padding about 1 time in 256; this key's output does not.
        let err = decrypt_bytes(&Key::from_bytes([1; 32]), &blob, None).unwrap_err();
        assert!(matches!(err, Error::BadPadding(_)), "{err}");
    }

    #[test]
    fn empty_blob_is_only_an_empty_file() {
        assert_eq!(decrypt_bytes(&key(), &[], Some(0)).unwrap(), b"");
        assert!(matches!(
            decrypt_bytes(&key(), &[], Some(3)),
            Err(Error::BadPadding(_))
        ));
    }

    #[test]
    fn pkcs7_len_accepts_only_consistent_padding() {
        let mut block = [0u8; 16];
        assert_eq!(pkcs7_len(&block), None);
        block[15] = 3;
        assert_eq!(pkcs7_len(&block), None);
        block[13..].fill(3);
        assert_eq!(pkcs7_len(&block), Some(3));
        assert_eq!(pkcs7_len(&[16; 16]), Some(16));
        assert_eq!(pkcs7_len(&[17; 16]), None);
    }
}
