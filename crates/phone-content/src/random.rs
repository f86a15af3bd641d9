//! Incompressible file bodies (photos, videos, attachments) produced on demand from a seed.
//!
//! A camera roll of many gigabytes is never held in memory: a body is `(seed, length, header)`
//! and its bytes are regenerated whenever someone reads it.

use std::io::{self, Read};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator always fills whole blocks so that the byte stream does not depend on how the
/// caller sizes its reads (a partially used RNG word would otherwise be dropped).
const BLOCK: usize = 4096;

/// Streams `header` followed by seeded random bytes, `len` bytes in all.
pub struct RandomReader {
    rng: ChaCha8Rng,
    header: &'static [u8],
    len: u64,
    pos: u64,
    block: Box<[u8; BLOCK]>,
    block_pos: usize,
}

impl RandomReader {
    pub fn new(seed: u64, len: u64, header: &'static [u8]) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            header,
            len,
            pos: 0,
            block: Box::new([0; BLOCK]),
            block_pos: BLOCK,
        }
    }
}

impl Read for RandomReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let remaining = self.len - self.pos;
        let want = (buf.len() as u64).min(remaining) as usize;
        let mut done = 0;
        while done < want {
            let n = if (self.pos as usize) < self.header.len() {
                let from = &self.header[self.pos as usize..];
                let n = from.len().min(want - done);
                buf[done..done + n].copy_from_slice(&from[..n]);
                n
            } else {
                if self.block_pos == BLOCK {
                    self.rng.fill_bytes(&mut self.block[..]);
                    self.block_pos = 0;
                }
                let n = (BLOCK - self.block_pos).min(want - done);
                buf[done..done + n]
                    .copy_from_slice(&self.block[self.block_pos..self.block_pos + n]);
                self.block_pos += n;
                n
            };
            done += n;
            self.pos += n as u64;
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_with_chunks(chunk: usize) -> Vec<u8> {
        let mut r = RandomReader::new(7, 10_000, b"HEADER");
        let mut out = Vec::new();
        let mut buf = vec![0; chunk];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        out
    }

    #[test]
    fn stream_is_the_same_whatever_the_read_size() {
        let whole = read_with_chunks(1 << 16);
        assert_eq!(whole.len(), 10_000);
        assert!(whole.starts_with(b"HEADER"));
        for chunk in [1, 3, 100, 4095, 4097] {
            assert_eq!(read_with_chunks(chunk), whole, "chunk size {chunk}");
        }
    }

    #[test]
    fn different_seeds_give_different_bytes() {
        let mut a = vec![0; 512];
        let mut b = vec![0; 512];
        RandomReader::new(1, 512, b"").read_exact(&mut a).unwrap();
        RandomReader::new(2, 512, b"").read_exact(&mut b).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn a_header_longer_than_the_body_is_cut_to_the_length() {
        let mut out = Vec::new();
        RandomReader::new(1, 3, b"ABCDEF")
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"ABC");
    }
}
