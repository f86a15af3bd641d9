//! What can be wrong with a DeviceLink message or raw stream, said precisely enough to log.

use crate::{MAX_BLOCK_LEN, MAX_MESSAGE_LEN, MAX_NAME_LEN};

/// A message or frame that does not parse (or cannot be encoded within the limits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A message whose shape is wrong: `message` names it, `detail` says what was found.
    #[error("{message}: {detail}")]
    Malformed { message: String, detail: String },
    /// A message length prefix of 0 or past [`MAX_MESSAGE_LEN`].
    #[error("message length {len} is out of bounds (1 to {MAX_MESSAGE_LEN})")]
    MessageLength { len: u64 },
    /// A message body that is not a plist, or a value that cannot be written as one.
    #[error("plist: {0}")]
    Plist(String),
    /// A plist that would parse into more values or bytes than a peer may make the other end
    /// hold (see [`crate::check_plist_bounds`]); `items` and `bytes` are as far as it was
    /// counted.
    #[error(
        "a plist of at least {items} items and {bytes} bytes once parsed (at most {} items and {} bytes are accepted)",
        crate::MAX_PLIST_ITEMS,
        crate::MAX_PLIST_BYTES
    )]
    PlistTooLarge { items: u64, bytes: u64 },
    /// A file name in a raw stream longer than [`MAX_NAME_LEN`].
    #[error("file name of {len} bytes in a raw stream (max {MAX_NAME_LEN})")]
    NameLength { len: u64 },
    #[error("file name in a raw stream is not UTF-8")]
    NameNotUtf8,
    #[error("file name in a raw stream contains NUL")]
    NameHasNul,
    /// A block length field of 0: even an empty block carries its code byte.
    #[error("raw block of length 0 (a block holds at least its code byte)")]
    EmptyBlock,
    /// A block length field (code byte and data) past [`MAX_BLOCK_LEN`].
    #[error("a block of {len} bytes, more than a raw block may hold ({MAX_BLOCK_LEN})")]
    BlockLength { len: u64 },
    /// A block code this layer does not know, or a success code carrying data.
    #[error("raw block with code {code:#04x} and {len} bytes")]
    BlockCode { code: u8, len: usize },
}

impl Error {
    pub(crate) fn malformed(message: &str, detail: impl Into<String>) -> Self {
        Error::Malformed {
            message: message.to_owned(),
            detail: detail.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
