//! Bounded pools of byte buffers, reused along the snapshot pipeline.
//!
//! A fresh multi-megabyte buffer comes from the kernel as untouched pages (glibc maps large
//! allocations and unmaps them when freed), and faulting in and zeroing a photo's worth of pages
//! costs more CPU than reading the photo. The stages hand their finished buffers back here
//! instead; a pool keeps at most `limit` bytes, so memory stays flat.

use std::sync::Mutex;

/// Buffers smaller than this are left to the allocator (its heap reuses them without the kernel).
const POOLED_FROM: usize = 128 * 1024;

pub(crate) struct BufferPool {
    /// Spare buffers (empty, with capacity) and the sum of their capacities.
    spare: Mutex<(Vec<Vec<u8>>, usize)>,
    limit: usize,
}

impl BufferPool {
    pub(crate) const fn new(limit: usize) -> BufferPool {
        BufferPool {
            spare: Mutex::new((Vec::new(), 0)),
            limit,
        }
    }

    /// An empty buffer with room for at least `len` bytes: the smallest spare one that is large
    /// enough (and not twice too large), else the largest smaller one grown, else a new one.
    /// Small buffers come from the heap cheaply and are not pooled.
    pub(crate) fn take(&self, len: usize) -> Vec<u8> {
        if len < POOLED_FROM {
            return Vec::with_capacity(len);
        }
        let reused = {
            let mut spare = self.spare.lock().unwrap_or_else(|p| p.into_inner());
            let (bufs, held) = &mut *spare;
            // Not one more than twice the size: its pages are all resident, and buffers in
            // flight would otherwise drift to the largest file's size.
            let fits = bufs
                .iter()
                .enumerate()
                .filter(|(_, b)| b.capacity() >= len && b.capacity() / 2 <= len)
                .min_by_key(|(_, b)| b.capacity())
                .map(|(i, _)| i);
            let smaller = || {
                bufs.iter()
                    .enumerate()
                    .filter(|(_, b)| b.capacity() < len)
                    .max_by_key(|(_, b)| b.capacity())
                    .map(|(i, _)| i)
            };
            fits.or_else(smaller).map(|i| {
                let buf = bufs.swap_remove(i);
                *held -= buf.capacity();
                buf
            })
        };
        match reused {
            Some(mut buf) => {
                buf.reserve(len);
                buf
            }
            None => Vec::with_capacity(len),
        }
    }

    /// Takes back a buffer that is no longer needed (dropped if small or the pool is full).
    pub(crate) fn give(&self, mut buf: Vec<u8>) {
        buf.clear();
        let mut spare = self.spare.lock().unwrap_or_else(|p| p.into_inner());
        if buf.capacity() >= POOLED_FROM && spare.1 + buf.capacity() <= self.limit {
            spare.1 += buf.capacity();
            spare.0.push(buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_and_the_pool_stays_within_its_limit() {
        const K: usize = POOLED_FROM;
        let pool = BufferPool::new(3 * K);
        let a = pool.take(K);
        let a_ptr = a.as_ptr();
        pool.give(a);
        // A large-enough spare buffer is handed out again, empty.
        let b = pool.take(K);
        assert_eq!((b.as_ptr(), b.len()), (a_ptr, 0));
        pool.give(b);
        pool.give(Vec::with_capacity(2 * K));
        // Over the limit: dropped, not kept; small ones are never kept.
        pool.give(Vec::with_capacity(K));
        pool.give(Vec::with_capacity(100));
        {
            let spare = pool.spare.lock().unwrap();
            assert_eq!((spare.0.len(), spare.1), (2, 3 * K));
        }
        // The smallest that fits is chosen; small requests get a small new buffer.
        assert_eq!(pool.take(K + 1).capacity(), 2 * K);
        assert!(pool.take(100).capacity() < K);
        // A spare buffer too small is grown rather than passed over.
        let c = pool.take(10 * K);
        assert!(c.capacity() >= 10 * K);
        assert_eq!(pool.spare.lock().unwrap().1, 0);
        // One more than twice too large is not handed out (its pages are all resident).
        let pool = BufferPool::new(10 * K);
        pool.give(Vec::with_capacity(4 * K));
        assert!(pool.take(K).capacity() < 4 * K);
        assert_eq!(pool.spare.lock().unwrap().1, 4 * K);
    }
}
