//! The store's pack files and the blobs in them: header, footer, the (sealed) index, and each
//! chunk's blob (sealed, codec byte, zstd or raw payload), read as check, gc and restore read
//! them. The first byte picks: a pack of a clear repository, a pack of an encrypted one (fixed
//! key), or one blob alone (raw length u32 LE, chunk id, then the stored bytes).
//!
//! Invariants: a chunk is only ever returned with its recorded length and its id; the chunks
//! read from a pack, written into a new pack, read back the same.

#![no_main]

use keepsake_store::fuzzing;
use libfuzzer_sys::fuzz_target;

fn pack(bytes: &[u8], encrypted: bool) {
    let (_, Some(chunks)) = fuzzing::read_pack(bytes, encrypted) else {
        return;
    };
    let mut good = Vec::new();
    for chunk in &chunks {
        if let Ok(data) = &chunk.data {
            assert_eq!(data.len(), chunk.raw_len as usize);
            assert_eq!(fuzzing::chunk_id(encrypted, data), chunk.id);
            good.push(data.as_slice());
        }
    }
    let written = fuzzing::write_pack(&good, encrypted).expect("a pack writes");
    let (header, again) = fuzzing::read_pack(&written, encrypted);
    assert_eq!(header, None);
    let again = again.expect("a written pack's index reads");
    assert_eq!(again.len(), good.len());
    for (chunk, data) in again.iter().zip(&good) {
        assert_eq!(chunk.data.as_deref(), Ok(*data));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => pack(rest, false),
        1 => pack(rest, true),
        _ => {
            if rest.len() < 36 {
                return;
            }
            let raw_len = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes"));
            let id: [u8; 32] = rest[4..36].try_into().expect("32 bytes");
            for encrypted in [false, true] {
                if let Ok(chunk) = fuzzing::decode_blob(encrypted, &id, raw_len, &rest[36..]) {
                    assert_eq!(chunk.len(), raw_len as usize);
                    assert_eq!(fuzzing::chunk_id(encrypted, &chunk), id);
                }
            }
        }
    }
});
