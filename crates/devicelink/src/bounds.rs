//! How big a plist becomes once parsed, found before it is parsed. A binary plist may refer to
//! one object from many places (a string from millions of array slots, an array from inside
//! another, nested a few times over): a few kilobytes on the wire, gigabytes of values once
//! the parser has expanded every reference. The `plist` crate expands them all, and its reader
//! holds eight bytes per reference before it yields anything, so the bounds are checked here
//! on the bytes themselves, without allocating in proportion to what they claim.

use crate::error::{Error, Result};

/// The most values (each string, number, array, dictionary key and value) a plist from a peer
/// may parse into: a DeviceLink request naming every file of a large backup has a few hundred
/// thousand strings at the very most.
pub const MAX_PLIST_ITEMS: u64 = 256 * 1024;
/// The most string and data bytes a plist from a peer may parse into.
pub const MAX_PLIST_BYTES: u64 = crate::MAX_MESSAGE_LEN as u64;

/// Checks that `bytes` (binary, XML or text plist) parses into at most [`MAX_PLIST_ITEMS`]
/// values and [`MAX_PLIST_BYTES`] bytes of strings and data. Says nothing about whether it
/// parses at all: that is the parser's to say.
pub fn check_plist_bounds(bytes: &[u8]) -> Result<()> {
    if bytes.starts_with(b"bplist00") {
        return binary(bytes, MAX_PLIST_ITEMS, MAX_PLIST_BYTES);
    }
    // XML and OpenStep text hold no references: every value takes one or two of these bytes
    // (`<true/>`, `<string>…</string>`), and no string is longer than the text.
    let marks = bytes.iter().filter(|b| b"<,;=(){}".contains(b)).count() as u64;
    if marks > MAX_PLIST_ITEMS * 2 {
        return Err(too_large(marks / 2, bytes.len() as u64));
    }
    Ok(())
}

fn too_large(items: u64, bytes: u64) -> Error {
    Error::PlistTooLarge { items, bytes }
}

/// What one object of a binary plist is, read from its marker.
enum Object {
    /// Strings and data (their byte length), numbers, dates, booleans, UIDs (0).
    Leaf(u64),
    /// Arrays, sets and dictionaries: where their `count` references start.
    Collection { refs: usize, count: u64 },
}

struct Binary<'a> {
    bytes: &'a [u8],
    ref_size: usize,
    offset_size: usize,
    objects: usize,
    table: usize,
}

fn malformed(detail: &str) -> Error {
    Error::Plist(format!("binary plist: {detail}"))
}

impl Binary<'_> {
    fn uint(&self, at: usize, size: usize) -> Result<u64> {
        let b = self
            .bytes
            .get(
                at..at
                    .checked_add(size)
                    .ok_or_else(|| malformed("offset overflow"))?,
            )
            .ok_or_else(|| malformed("reads past its end"))?;
        Ok(b.iter().fold(0u64, |n, &x| (n << 8) | u64::from(x)))
    }

    fn reference(&self, at: usize) -> Result<usize> {
        let r = self.uint(at, self.ref_size)?;
        usize::try_from(r)
            .ok()
            .filter(|&r| r < self.objects)
            .ok_or_else(|| malformed("a reference to no object"))
    }

    fn object(&self, index: usize) -> Result<Object> {
        let at = self.uint(self.table + index * self.offset_size, self.offset_size)?;
        let at = usize::try_from(at)
            .ok()
            .filter(|&a| a < self.table)
            .ok_or_else(|| malformed("an object past the offset table"))?;
        let marker = self.bytes[at];
        let (kind, info) = (marker >> 4, marker & 0x0f);
        // The length of strings, data and collections; 0xf: an integer object follows.
        let length = || -> Result<(u64, usize)> {
            if info != 0x0f {
                return Ok((u64::from(info), at + 1));
            }
            let int = *self
                .bytes
                .get(at + 1)
                .ok_or_else(|| malformed("cut short"))?;
            if int >> 4 != 0x1 || int & 0x0f > 3 {
                return Err(malformed("a length that is not an integer"));
            }
            let size = 1usize << (int & 0x0f);
            Ok((self.uint(at + 2, size)?, at + 2 + size))
        };
        Ok(match kind {
            0x4 | 0x5 => Object::Leaf(length()?.0),
            0x6 => Object::Leaf(length()?.0.saturating_mul(2)),
            0xa | 0xc => {
                let (count, refs) = length()?;
                Object::Collection { refs, count }
            }
            0xd => {
                let (count, refs) = length()?;
                Object::Collection {
                    refs,
                    count: count.saturating_mul(2),
                }
            }
            _ => Object::Leaf(0),
        })
    }
}

/// A collection being counted: its references, the next one, and what its children hold.
struct Frame {
    index: usize,
    refs: usize,
    count: u64,
    next: u64,
    items: u64,
    bytes: u64,
}

fn binary(bytes: &[u8], max_items: u64, max_bytes: u64) -> Result<()> {
    let trailer = bytes
        .len()
        .checked_sub(32)
        .filter(|&t| t >= 8)
        .ok_or_else(|| malformed("no trailer"))?;
    let t = &bytes[trailer..];
    let (offset_size, ref_size) = (usize::from(t[6]), usize::from(t[7]));
    if !matches!(offset_size, 1..=8) || !matches!(ref_size, 1..=8) {
        return Err(malformed("offset or reference size out of range"));
    }
    let word = |at: usize| u64::from_be_bytes(t[at..at + 8].try_into().expect("8 bytes"));
    let (objects, root, table) = (word(8), word(16), word(24));
    // Every object is reachable in a plist a peer means: more objects than values allowed
    // cannot parse into few enough.
    if objects > max_items {
        return Err(too_large(objects, 0));
    }
    let objects = objects as usize;
    let table = usize::try_from(table)
        .ok()
        .filter(|&t| t >= 8 && t.saturating_add(objects * offset_size) <= trailer)
        .ok_or_else(|| malformed("offset table out of place"))?;
    let plist = Binary {
        bytes,
        ref_size,
        offset_size,
        objects,
        table,
    };
    let root = usize::try_from(root)
        .ok()
        .filter(|&r| r < objects)
        .ok_or_else(|| malformed("no root object"))?;

    let mut count = Counter {
        plist,
        max_items,
        max_bytes,
        items: vec![UNSEEN; objects],
        sizes: vec![0; objects],
        stack: Vec::new(),
    };
    count.visit(root)?;
    while let Some(top) = count.stack.last_mut() {
        if top.next == top.count {
            let done = count.stack.pop().expect("just seen");
            count.items[done.index] = done.items as u32;
            count.sizes[done.index] = done.bytes as u32;
            count.add_to_top(done.items, done.bytes)?;
            continue;
        }
        let at = top.refs + (top.next as usize) * count.plist.ref_size;
        top.next += 1;
        let child = count.plist.reference(at)?;
        if let Some((n, b)) = count.visit(child)? {
            count.add_to_top(n, b)?;
        }
    }
    Ok(())
}

/// Per object, once counted: the values and bytes it parses into (u32: both are bounded far
/// below that). [`OPEN`]: being counted, so a reference to it is a cycle.
const UNSEEN: u32 = u32::MAX;
const OPEN: u32 = u32::MAX - 1;

struct Counter<'a> {
    plist: Binary<'a>,
    max_items: u64,
    max_bytes: u64,
    items: Vec<u32>,
    sizes: Vec<u32>,
    stack: Vec<Frame>,
}

impl Counter<'_> {
    /// What `index` parses into if it is a leaf or counted already; otherwise its frame opens.
    fn visit(&mut self, index: usize) -> Result<Option<(u64, u64)>> {
        match self.items[index] {
            OPEN => return Err(malformed("an object that contains itself")),
            UNSEEN => {}
            n => return Ok(Some((u64::from(n), u64::from(self.sizes[index])))),
        }
        match self.plist.object(index)? {
            Object::Leaf(len) => {
                if len > self.max_bytes {
                    return Err(too_large(1, len));
                }
                self.items[index] = 1;
                self.sizes[index] = len as u32;
                Ok(Some((1, len)))
            }
            Object::Collection { refs, count } => {
                if count > self.max_items {
                    return Err(too_large(count, 0));
                }
                self.items[index] = OPEN;
                self.stack.push(Frame {
                    index,
                    refs,
                    count,
                    next: 0,
                    items: 1,
                    bytes: 0,
                });
                Ok(None)
            }
        }
    }

    /// Adds a child's count to the collection being counted (none: it was the root).
    fn add_to_top(&mut self, items: u64, bytes: u64) -> Result<()> {
        let Some(top) = self.stack.last_mut() else {
            return Ok(());
        };
        top.items += items;
        top.bytes += bytes;
        if top.items > self.max_items || top.bytes > self.max_bytes {
            return Err(too_large(top.items, top.bytes));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plist::Value;

    fn binary_of(value: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        value.to_writer_binary(&mut out).unwrap();
        out
    }

    #[test]
    fn ordinary_plists_pass_in_both_formats() {
        let paths: Vec<Value> = (0..10_000)
            .map(|i| Value::from(format!("UDID/{:02x}/{i:040x}", i % 256)))
            .collect();
        let message = Value::Array(vec!["DLMessageRemoveItems".into(), Value::Array(paths)]);
        check_plist_bounds(&binary_of(&message)).unwrap();
        let mut xml = Vec::new();
        message.to_writer_xml(&mut xml).unwrap();
        check_plist_bounds(&xml).unwrap();
        // shared values a writer deduplicates are counted as often as they are used
        let same = Value::Array(vec![Value::from("x"); 1000]);
        check_plist_bounds(&binary_of(&same)).unwrap();
    }

    /// `[s, s, …]` with `count` one-byte references to one string of `len` bytes.
    fn shared(count: usize, len: usize) -> Vec<u8> {
        let mut out = b"bplist00".to_vec();
        let array_at = out.len();
        out.push(0xaf);
        out.push(0x13);
        out.extend_from_slice(&(count as u64).to_be_bytes());
        out.extend(std::iter::repeat_n(1u8, count));
        let string_at = out.len();
        out.push(0x5f);
        out.push(0x11);
        out.extend_from_slice(&(len as u16).to_be_bytes());
        out.extend(std::iter::repeat_n(b'a', len));
        let table = out.len();
        out.extend_from_slice(&(array_at as u64).to_be_bytes());
        out.extend_from_slice(&(string_at as u64).to_be_bytes());
        out.extend_from_slice(&[0, 0, 0, 0, 0, 0, 8, 1]);
        out.extend_from_slice(&2u64.to_be_bytes());
        out.extend_from_slice(&0u64.to_be_bytes());
        out.extend_from_slice(&(table as u64).to_be_bytes());
        out
    }

    #[test]
    fn a_string_shared_by_millions_of_slots_is_too_large() {
        let ok = shared(1000, 60);
        let parsed = Value::from_reader(std::io::Cursor::new(&ok)).unwrap();
        assert_eq!(
            parsed.as_array().unwrap().len(),
            1000,
            "the plist is what it says"
        );
        check_plist_bounds(&ok).unwrap();
        let err = check_plist_bounds(&shared(4 << 20, 60)).unwrap_err();
        assert!(matches!(err, Error::PlistTooLarge { .. }), "{err}");
        // few slots, but each a large string: too many bytes
        let err = check_plist_bounds(&shared(200_000, 4000)).unwrap_err();
        assert!(err.to_string().contains("bytes"), "{err}");
    }

    #[test]
    fn nested_sharing_and_cycles_are_caught_without_expanding() {
        // object i is an array of 16 references to object i+1; the last is a string
        let depth = 12;
        let mut out = b"bplist00".to_vec();
        let mut offsets = Vec::new();
        for i in 0..depth {
            offsets.push(out.len() as u64);
            out.push(0xaf);
            out.push(0x10);
            out.push(16);
            out.extend(std::iter::repeat_n(i as u8 + 1, 16));
        }
        offsets.push(out.len() as u64);
        out.extend_from_slice(b"\x51a");
        let table = out.len() as u64;
        for o in &offsets {
            out.extend_from_slice(&o.to_be_bytes());
        }
        out.extend_from_slice(&[0, 0, 0, 0, 0, 0, 8, 1]);
        out.extend_from_slice(&(offsets.len() as u64).to_be_bytes());
        out.extend_from_slice(&0u64.to_be_bytes());
        out.extend_from_slice(&table.to_be_bytes());
        // 16^12 strings once parsed
        let err = check_plist_bounds(&out).unwrap_err();
        assert!(matches!(err, Error::PlistTooLarge { .. }), "{err}");

        // an array that refers to itself
        let mut cyc = b"bplist00".to_vec();
        cyc.extend_from_slice(&[0xa1, 0]);
        cyc.extend_from_slice(&8u64.to_be_bytes());
        cyc.extend_from_slice(&[0, 0, 0, 0, 0, 0, 8, 1]);
        cyc.extend_from_slice(&1u64.to_be_bytes());
        cyc.extend_from_slice(&0u64.to_be_bytes());
        cyc.extend_from_slice(&10u64.to_be_bytes());
        assert!(check_plist_bounds(&cyc).is_err());
    }

    #[test]
    fn text_plists_with_millions_of_values_are_too_large() {
        let mut xml = b"<plist><array>".to_vec();
        for _ in 0..600_000 {
            xml.extend_from_slice(b"<true/>");
        }
        xml.extend_from_slice(b"</array></plist>");
        assert!(check_plist_bounds(&xml).is_err());
        assert!(check_plist_bounds(b"(a,b,c)").is_ok());
    }
}
