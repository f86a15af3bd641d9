//! The bytes on the connection: each message is a u32 big-endian length and a plist; between a
//! DownloadFiles or UploadFiles message and its status, files travel as a raw stream instead:
//!
//! ```text
//! file   = name (u32 length, UTF-8 bytes), then blocks until a success or error block
//! block  = u32 length (code byte + data), code byte, data
//! batch  = file*, then a u32 0 where the next name would be
//! ```
//!
//! UploadFiles gives each file two names (the on-device path, then the backup-relative one).

use plist::Value;

use crate::error::{Error, Result};
use crate::{code, MAX_BLOCK_LEN, MAX_MESSAGE_LEN, MAX_NAME_LEN};

/// Validates a message's 4-byte length prefix and returns the body length that follows it.
pub fn parse_message_len(prefix: [u8; 4]) -> Result<usize> {
    match u32::from_be_bytes(prefix) {
        len @ 1..=MAX_MESSAGE_LEN => Ok(len as usize),
        len => Err(Error::MessageLength { len: len.into() }),
    }
}

/// A message body, binary or XML (hosts may send either), refused before parsing if it would
/// parse into more than [`crate::check_plist_bounds`] allows.
pub fn decode_message(body: &[u8]) -> Result<Value> {
    if body.is_empty() || body.len() > MAX_MESSAGE_LEN as usize {
        return Err(Error::MessageLength {
            len: body.len() as u64,
        });
    }
    crate::check_plist_bounds(body)?;
    Value::from_reader(std::io::Cursor::new(body)).map_err(|e| Error::Plist(e.to_string()))
}

/// A message as the wire carries it: length prefix and binary plist.
pub fn encode_message(value: &Value) -> Result<Vec<u8>> {
    let mut out = vec![0; 4];
    value
        .to_writer_binary(&mut out)
        .map_err(|e| Error::Plist(e.to_string()))?;
    let len = out.len() - 4;
    if len > MAX_MESSAGE_LEN as usize {
        return Err(Error::MessageLength { len: len as u64 });
    }
    out[..4].copy_from_slice(&(len as u32).to_be_bytes());
    Ok(out)
}

/// The 4-byte length that starts every name in a raw stream: `None` for the 0 that ends a batch.
pub fn parse_name_len(prefix: [u8; 4]) -> Result<Option<usize>> {
    match u32::from_be_bytes(prefix) {
        0 => Ok(None),
        len @ 1..=MAX_NAME_LEN => Ok(Some(len as usize)),
        len => Err(Error::NameLength { len: len.into() }),
    }
}

/// A name in a raw stream: UTF-8, no NUL, within [`MAX_NAME_LEN`].
pub fn parse_name(bytes: &[u8]) -> Result<String> {
    if bytes.len() > MAX_NAME_LEN as usize {
        return Err(Error::NameLength {
            len: bytes.len() as u64,
        });
    }
    let name = std::str::from_utf8(bytes).map_err(|_| Error::NameNotUtf8)?;
    if name.contains('\0') {
        return Err(Error::NameHasNul);
    }
    Ok(name.to_owned())
}

/// What a 5-byte block header (`u32 n+1`, code) announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// `n` bytes of file data follow.
    Data(usize),
    /// The file is complete.
    Success,
    /// The sender could not read the file; an `len`-byte message follows. `remote` is the
    /// device's code for it ([`code::ERROR_REMOTE`]), otherwise [`code::ERROR_LOCAL`].
    Error { remote: bool, len: usize },
}

pub fn parse_block_header(header: [u8; 5]) -> Result<Block> {
    let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    if len == 0 {
        return Err(Error::EmptyBlock);
    }
    if len > MAX_BLOCK_LEN {
        return Err(Error::BlockLength { len: len.into() });
    }
    let n = (len - 1) as usize;
    match header[4] {
        code::FILE_DATA => Ok(Block::Data(n)),
        code::SUCCESS if n == 0 => Ok(Block::Success),
        code::ERROR_LOCAL => Ok(Block::Error {
            remote: false,
            len: n,
        }),
        code::ERROR_REMOTE => Ok(Block::Error {
            remote: true,
            len: n,
        }),
        other => Err(Error::BlockCode {
            code: other,
            len: n,
        }),
    }
}

/// The end of one file.
pub const FILE_END: [u8; 5] = [0, 0, 0, 1, code::SUCCESS];
/// The end of a batch of files (a zero-length name).
pub const BATCH_END: [u8; 4] = [0, 0, 0, 0];

fn push_len(out: &mut Vec<u8>, len: usize) {
    // Callers keep names within MAX_NAME_LEN and blocks within MAX_BLOCK_LEN, far below u32::MAX.
    debug_assert!(u32::try_from(len).is_ok(), "a raw stream length of {len}");
    out.extend_from_slice(&(len as u32).to_be_bytes());
}

/// One name of a raw stream, length-prefixed. The caller keeps it within [`MAX_NAME_LEN`].
pub fn encode_name(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + name.len());
    push_len(&mut out, name.len());
    out.extend_from_slice(name.as_bytes());
    out
}

/// Starts one file of an upload: the on-device path (informational), then the backup-relative
/// name, in one buffer so it goes out in one write.
pub fn encode_file_names(device_path: &str, backup_path: &str) -> Vec<u8> {
    let mut out = encode_name(device_path);
    out.extend_from_slice(&encode_name(backup_path));
    out
}

fn encode_block(code: u8, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + data.len());
    push_len(&mut out, data.len() + 1);
    out.push(code);
    out.extend_from_slice(data);
    out
}

/// One data block, header and bytes in one buffer, so it goes out in one write. The caller
/// sends at most [`crate::UPLOAD_BLOCK`] bytes a block.
pub fn encode_data_block(data: &[u8]) -> Vec<u8> {
    encode_block(code::FILE_DATA, data)
}

/// An error block in place of (the rest of) a file's data: `remote` as the device sends it,
/// otherwise as the host does for a file it cannot read.
pub fn encode_error_block(remote: bool, message: &str) -> Vec<u8> {
    let code = if remote {
        code::ERROR_REMOTE
    } else {
        code::ERROR_LOCAL
    };
    encode_block(code, message.as_bytes())
}
