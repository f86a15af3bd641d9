//! DeviceLink, the message layer under mobilebackup2: both ends' messages as types, the raw
//! file-stream framing, and the limits and codes they share; and the Wi-Fi announcement's auth
//! tags ([`mobdev2`]), the other thing both ends compute alike. Not for I/O or mobilebackup2
//! logic.
//!
//! Everything a peer sends is untrusted: every parser checks lengths against the limits here
//! before a caller allocates anything, and answers a malformed input with an [`Error`].

mod bounds;
mod error;
mod fields;
mod from_device;
mod from_host;
pub mod mobdev2;
mod names;
mod stream;

pub use bounds::{check_plist_bounds, MAX_PLIST_BYTES, MAX_PLIST_ITEMS};
pub use error::{Error, Result};
pub use fields::describe;
pub use from_device::{outcome, DeviceMessage};
pub use from_host::{HostMessage, StatusResponse};
pub use stream::{
    decode_message, encode_data_block, encode_error_block, encode_file_names, encode_message,
    encode_name, parse_block_header, parse_message_len, parse_name, parse_name_len, Block,
    BATCH_END, FILE_END,
};

/// The DeviceLink version the device offers and the host accepts. libimobiledevice refuses a
/// major above its own, and the Debian 1.3.0 build is patched to 400 (what iOS 14+ sends).
pub const VERSION_MAJOR: u64 = 400;
pub const VERSION_MINOR: u64 = 0;

/// The placeholder both ends put where a message has no string (or no payload).
pub const EMPTY_PARAMETER: &str = "___EmptyParameterString___";

/// The largest DeviceLink message body: real ones are kilobytes (a multi-status dict of a large
/// backup is the biggest), so a larger length prefix is a broken or hostile peer.
pub const MAX_MESSAGE_LEN: u32 = 16 * 1024 * 1024;
/// The longest file name in a raw stream (libimobiledevice's limit too).
pub const MAX_NAME_LEN: u32 = 4096;
/// The largest length field of a raw block (its code byte and data): peers send 32 KiB blocks,
/// so anything past a few MiB is hostile or desynchronised.
pub const MAX_BLOCK_LEN: u32 = 8 * 1024 * 1024;
/// Data bytes per block when either end sends a file: BackupAgent2 is killed for memory (jetsam)
/// on much larger frames.
pub const UPLOAD_BLOCK: usize = 32 * 1024;

/// The code byte after every block length in a raw file stream.
pub mod code {
    /// The file is complete (a block with no data).
    pub const SUCCESS: u8 = 0x00;
    /// The sender could not read the file; an error message follows.
    pub const ERROR_LOCAL: u8 = 0x06;
    /// The device could not send the file; an error message follows.
    pub const ERROR_REMOTE: u8 = 0x0b;
    pub const FILE_DATA: u8 = 0x0c;
}

/// Status codes in `DLMessageStatusResponse` and per-file errors of a multi-status: negative
/// errno-like values, as both reference clients map them.
pub mod status {
    pub const OK: i64 = 0;
    /// Any failure the codes below do not name.
    pub const UNSPECIFIED: i64 = -1;
    /// ENOENT.
    pub const NO_SUCH_FILE: i64 = -6;
    /// EEXIST.
    pub const EXISTS: i64 = -7;
    /// ENOTDIR.
    pub const NOT_A_DIRECTORY: i64 = -8;
    /// EISDIR.
    pub const IS_A_DIRECTORY: i64 = -9;
    /// ELOOP.
    pub const SYMLINK_LOOP: i64 = -10;
    /// EIO.
    pub const IO: i64 = -11;
    /// Some files of a request failed; the payload maps each to its own code.
    pub const MULTI_STATUS: i64 = -13;
    /// ENOSPC.
    pub const NO_SPACE: i64 = -15;
}
