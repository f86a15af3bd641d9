//! The framing lockdownd and most device services share: a u32 big-endian length, then a plist.
//! Pure functions over bytes so the same code serves every service and can be fuzzed.

use plist::Value;

use crate::error::{Error, Result};

/// Lockdown and notification messages are a few KiB; a larger length is a hostile or broken peer.
pub const MAX_PLIST_FRAME: u32 = 4 * 1024 * 1024;

/// Validates the 4-byte length prefix and returns the body length that follows it.
pub fn body_len(prefix: [u8; 4], max: u32) -> Result<usize> {
    let len = u32::from_be_bytes(prefix);
    if len == 0 || len > max {
        return Err(Error::protocol(format!(
            "plist frame length {len} out of bounds (max {max})"
        )));
    }
    Ok(len as usize)
}

/// Decodes a frame body, XML or binary: hosts may send either.
pub fn decode(body: &[u8]) -> Result<Value> {
    Ok(Value::from_reader(std::io::Cursor::new(body))?)
}

/// Encodes an XML plist with its length prefix, as lockdownd answers.
pub fn encode_xml(value: &Value) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    plist::to_writer_xml(&mut body, value)?;
    prefixed(body)
}

/// Encodes a binary plist with its length prefix, as DeviceLink services answer.
pub fn encode_binary(value: &Value) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    plist::to_writer_binary(&mut body, value)?;
    prefixed(body)
}

fn prefixed(body: Vec<u8>) -> Result<Vec<u8>> {
    let len = u32::try_from(body.len()).map_err(|_| Error::protocol("plist too large to frame"))?;
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_frame_round_trips_with_big_endian_length() {
        let mut d = plist::Dictionary::new();
        d.insert("Request".into(), "QueryType".into());
        let bytes = encode_xml(&Value::Dictionary(d.clone())).unwrap();
        let len = body_len(bytes[..4].try_into().unwrap(), MAX_PLIST_FRAME).unwrap();
        assert_eq!(len, bytes.len() - 4);
        assert_eq!(decode(&bytes[4..]).unwrap(), Value::Dictionary(d));
    }

    #[test]
    fn zero_and_oversized_lengths_are_refused() {
        assert!(body_len([0, 0, 0, 0], MAX_PLIST_FRAME).is_err());
        assert!(body_len((MAX_PLIST_FRAME + 1).to_be_bytes(), MAX_PLIST_FRAME).is_err());
    }

    #[test]
    fn binary_frames_decode_too() {
        let bytes = encode_binary(&Value::from("x")).unwrap();
        assert_eq!(decode(&bytes[4..]).unwrap(), Value::from("x"));
    }
}
