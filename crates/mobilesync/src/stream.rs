//! AES-256-CBC (zero IV) over `io::Read`, the way backups encrypt file contents and Manifest.db,
//! so multi-gigabyte videos stream through a fixed buffer instead of being held in memory.

use std::io::{self, Read};

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

/// Bytes produced by a refill, handed out to `read` calls until used up.
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

    fn reset(&mut self) {
        self.buf.clear();
        self.pos = 0;
    }
}

/// A reader that produces its output a chunk at a time.
trait Refill {
    fn ready(&mut self) -> &mut Ready;
    fn done(&self) -> bool;
    fn refill(&mut self) -> io::Result<()>;
}

fn read_via_refill(reader: &mut impl Refill, out: &mut [u8]) -> io::Result<usize> {
    while reader.ready().is_empty() {
        if reader.done() || out.is_empty() {
            return Ok(0);
        }
        reader.refill()?;
    }
    Ok(reader.ready().take_into(out))
}

/// Reads `len` bytes or up to end of stream; returns how many were read.
fn read_up_to(inner: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match inner.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Device side: reads plaintext from `inner` and yields `AES-256-CBC(key, IV 0, PKCS#7(plaintext))`,
/// the blob a backup stores for a regular file.
pub struct EncryptingReader<R> {
    inner: R,
    cipher: CbcEncryptor,
    ready: Ready,
    plaintext_len: u64,
    done: bool,
}

impl<R: Read> EncryptingReader<R> {
    pub fn new(key: &Key, inner: R) -> Self {
        EncryptingReader {
            inner,
            cipher: CbcEncryptor::new(key.as_bytes().into(), &[0u8; BLOCK].into()),
            ready: Ready::default(),
            plaintext_len: 0,
            done: false,
        }
    }

    /// Plaintext bytes consumed so far; after end of stream, the size to record in MBFile.
    pub fn plaintext_len(&self) -> u64 {
        self.plaintext_len
    }

    fn refill(&mut self) -> io::Result<()> {
        self.ready.reset();
        let buf = &mut self.ready.buf;
        buf.resize(CHUNK, 0);
        let n = read_up_to(&mut self.inner, buf)?;
        self.plaintext_len += n as u64;
        if n < CHUNK {
            // End of plaintext: PKCS#7 always adds 1..=16 bytes, a whole block when aligned.
            let pad = BLOCK - n % BLOCK;
            buf.truncate(n);
            buf.resize(n + pad, pad as u8);
            self.done = true;
        }
        let (blocks, tail) = InOutBuf::from(buf.as_mut_slice()).into_chunks();
        debug_assert!(tail.is_empty());
        self.cipher.encrypt_blocks_inout_mut(blocks);
        Ok(())
    }
}

impl<R: Read> Refill for EncryptingReader<R> {
    fn ready(&mut self) -> &mut Ready {
        &mut self.ready
    }
    fn done(&self) -> bool {
        self.done
    }
    fn refill(&mut self) -> io::Result<()> {
        EncryptingReader::refill(self)
    }
}

impl<R: Read> Read for EncryptingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_via_refill(self, out)
    }
}

/// Host side: reads a blob from `inner` and yields its plaintext, trimming the tail.
///
/// Readers in the wild disagree on the tail (MOBILESYNC-NOTES §3.5), and live SQLite files are
/// routinely stored with a stale `Size`. The rule here: a recorded size that falls inside the
/// last block wins (it is exactly what the device claims); otherwise valid PKCS#7 padding is
/// stripped; anything else is an error rather than guessed-at output.
pub struct DecryptingReader<R> {
    inner: R,
    cipher: CbcDecryptor,
    recorded_size: Option<u64>,
    ready: Ready,
    /// Ciphertext bytes of an incomplete block carried to the next refill.
    partial: Vec<u8>,
    /// The newest decrypted block, withheld until we know whether it is the last.
    held: Option<[u8; BLOCK]>,
    ciphertext_len: u64,
    done: bool,
}

impl<R: Read> DecryptingReader<R> {
    /// `recorded_size` is MBFile's `Size` when known; `None` relies on the padding alone.
    pub fn new(key: &Key, inner: R, recorded_size: Option<u64>) -> Self {
        DecryptingReader {
            inner,
            cipher: CbcDecryptor::new(key.as_bytes().into(), &[0u8; BLOCK].into()),
            recorded_size,
            ready: Ready::default(),
            partial: Vec::with_capacity(BLOCK),
            held: None,
            ciphertext_len: 0,
            done: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.ready.reset();
        let mut buf = std::mem::take(&mut self.ready.buf);
        buf.extend_from_slice(&self.partial);
        let start = buf.len();
        buf.resize(start + CHUNK, 0);
        let n = read_up_to(&mut self.inner, &mut buf[start..])?;
        self.ciphertext_len += n as u64;
        buf.truncate(start + n);
        let whole = buf.len() - buf.len() % BLOCK;
        self.partial.clear();
        self.partial.extend_from_slice(&buf[whole..]);
        buf.truncate(whole);

        let (blocks, _) = InOutBuf::from(buf.as_mut_slice()).into_chunks();
        self.cipher.decrypt_blocks_inout_mut(blocks);

        // When new blocks arrived: release the previously held block, hold back the newest.
        let mut out = Vec::with_capacity(buf.len() + BLOCK);
        if let Some(last) = buf.len().checked_sub(BLOCK) {
            out.extend(self.held.take().iter().flatten());
            out.extend_from_slice(&buf[..last]);
            self.held = Some(buf[last..].try_into().expect("one block"));
        }
        if n == 0 {
            self.finish(&mut out)?;
        }
        self.ready.buf = out;
        Ok(())
    }

    /// At end of stream: decide how much of the held last block is plaintext.
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<()> {
        self.done = true;
        let total = self.ciphertext_len;
        if !self.partial.is_empty() {
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

impl<R: Read> Refill for DecryptingReader<R> {
    fn ready(&mut self) -> &mut Ready {
        &mut self.ready
    }
    fn done(&self) -> bool {
        self.done
    }
    fn refill(&mut self) -> io::Result<()> {
        DecryptingReader::refill(self)
    }
}

impl<R: Read> Read for DecryptingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_via_refill(self, out)
    }
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
    let mut out = Vec::with_capacity(plaintext.len() + BLOCK);
    EncryptingReader::new(key, plaintext)
        .read_to_end(&mut out)
        .expect("reading from a slice cannot fail");
    out
}

/// Whole-buffer decryption, for Manifest.db and other small blobs.
pub fn decrypt_bytes(key: &Key, ciphertext: &[u8], recorded_size: Option<u64>) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(ciphertext.len());
    DecryptingReader::new(key, ciphertext, recorded_size).read_to_end(&mut out)?;
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
