//! DeviceLink's framing as the host reads it from a device: a message (big-endian length, then
//! a plist body), and the raw file stream of an UploadFiles batch (two length-prefixed names,
//! then blocks of data ending with a success or an error block, until a zero length).
//!
//! Invariants: every length accepted is within its limit; a decoded message re-encodes to bytes
//! that decode again to the same encoding (a fixed point); every name, block header and error
//! block accepted is exactly what the encoders write for it.

#![no_main]

use keepsake_devicelink::{self as dl, Block};
use libfuzzer_sys::fuzz_target;

fn take<'a>(input: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if input.len() < n {
        return None;
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Some(head)
}

fn take_array<const N: usize>(input: &mut &[u8]) -> Option<[u8; N]> {
    take(input, N).map(|b| b.try_into().expect("N bytes"))
}

fn message(mut input: &[u8]) {
    let Some(prefix) = take_array::<4>(&mut input) else {
        return;
    };
    let Ok(len) = dl::parse_message_len(prefix) else {
        return;
    };
    assert!((1..=dl::MAX_MESSAGE_LEN as usize).contains(&len));
    let body = &input[..len.min(input.len())];
    let Ok(value) = dl::decode_message(body) else {
        return;
    };
    let Ok(framed) = dl::encode_message(&value) else {
        return;
    };
    let prefix: [u8; 4] = framed[..4].try_into().expect("4 bytes");
    assert_eq!(dl::parse_message_len(prefix), Ok(framed.len() - 4));
    let again = dl::decode_message(&framed[4..]).expect("an encoded message decodes");
    let reframed = dl::encode_message(&again).expect("a decoded message encodes");
    assert_eq!(
        reframed, framed,
        "encode(decode(encode(m))) differs from encode(m)"
    );
}

/// One name of the stream; `None` at the batch's end or on an error.
fn name(input: &mut &[u8]) -> Option<String> {
    let prefix = take_array::<4>(input)?;
    let len = dl::parse_name_len(prefix).ok()??;
    assert!((1..=dl::MAX_NAME_LEN as usize).contains(&len));
    let raw = take(input, len)?;
    let name = dl::parse_name(raw).ok()?;
    assert!(!name.contains('\0'));
    assert_eq!(dl::encode_name(&name), [&prefix[..], raw].concat());
    Some(name)
}

fn upload_stream(mut input: &[u8]) {
    while name(&mut input).is_some() && name(&mut input).is_some() {
        loop {
            let Some(header) = take_array::<5>(&mut input) else {
                return;
            };
            let Ok(block) = dl::parse_block_header(header) else {
                return;
            };
            match block {
                Block::Data(n) => {
                    assert!(n < dl::MAX_BLOCK_LEN as usize);
                    let Some(data) = take(&mut input, n) else {
                        return;
                    };
                    assert_eq!(dl::encode_data_block(data), [&header[..], data].concat());
                }
                Block::Success => {
                    assert_eq!(header, dl::FILE_END);
                    break;
                }
                Block::Error { remote, len } => {
                    let Some(message) = take(&mut input, len) else {
                        return;
                    };
                    if let Ok(text) = std::str::from_utf8(message) {
                        let encoded = dl::encode_error_block(remote, text);
                        assert_eq!(encoded, [&header[..], message].concat());
                    }
                    break;
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    message(data);
    upload_stream(data);
});
