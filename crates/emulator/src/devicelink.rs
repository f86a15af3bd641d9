//! DeviceLink, the message layer mobilebackup2 runs on: typed messages in both directions, and
//! the raw file streams that travel between them on the same connection.
//!
//! Pure functions over plists and bytes; the service does the I/O. Every length read from the host
//! is checked against a bound before anything is allocated.

use plist::{Dictionary, Value};

use crate::error::{Error, Result};

/// DeviceLink version the device offers. libimobiledevice refuses a major above its own, and the
/// Debian 1.3.0 build is patched to 400 (what iOS 14+ sends).
pub const VERSION_MAJOR: u64 = 400;
pub const VERSION_MINOR: u64 = 0;

/// Placeholder clients put where a message has no string parameter.
pub const EMPTY_PARAMETER: &str = "___EmptyParameterString___";

/// Host messages are requests and status responses; a directory listing or a multi-status dict
/// of a large backup is the biggest, far below this.
pub const MAX_MESSAGE: u32 = 16 * 1024 * 1024;
/// libimobiledevice refuses longer file names in raw streams; so do we.
pub const MAX_NAME: u32 = 4096;
/// Hosts send 32 KiB blocks; a block claiming more than this is hostile or desynchronised.
pub const MAX_BLOCK: u32 = 8 * 1024 * 1024;
/// Devices send files in blocks of this size: larger frames got BackupAgent2 killed by jetsam.
pub const UPLOAD_BLOCK: usize = 32 * 1024;

/// The code byte after every block length in a raw file stream.
pub mod code {
    pub const SUCCESS: u8 = 0x00;
    pub const ERROR_LOCAL: u8 = 0x06;
    pub const ERROR_REMOTE: u8 = 0x0b;
    pub const FILE_DATA: u8 = 0x0c;
}

/// Status codes hosts put in `DLMessageStatusResponse` (errno mapped the way both clients do).
pub mod status {
    pub const OK: i64 = 0;
    pub const NO_SUCH_FILE: i64 = -6;
    pub const MULTI_STATUS: i64 = -13;
}

/// A message from the host.
#[derive(Debug, Clone, PartialEq)]
pub enum HostMessage {
    /// `["DLMessageVersionExchange", "DLVersionsOk", major]`.
    VersionsOk { major: u64 },
    /// `["DLMessageProcessMessage", {MessageName, ...}]`: a request.
    ProcessMessage(Dictionary),
    /// `["DLMessageStatusResponse", code, description, payload]`: the answer to a device request.
    StatusResponse(StatusResponse),
    /// `["DLMessageDisconnect", reason]`.
    Disconnect,
    /// Anything else that is a DL array: kept so the device can log it and carry on.
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusResponse {
    pub code: i64,
    pub description: Option<String>,
    pub payload: Value,
}

impl StatusResponse {
    pub fn is_ok(&self) -> bool {
        self.code == status::OK
    }
}

/// Negative status codes travel as 64-bit two's complement in an unsigned integer.
fn signed(value: &Value) -> Option<i64> {
    let int = value.as_signed_integer().or_else(|| {
        value
            .as_unsigned_integer()
            .map(|u| i64::from_ne_bytes(u.to_ne_bytes()))
    })?;
    Some(int)
}

impl HostMessage {
    pub fn parse(value: &Value) -> Result<HostMessage> {
        let items = value
            .as_array()
            .ok_or_else(|| Error::protocol("DeviceLink message is not an array"))?;
        let name = items
            .first()
            .and_then(Value::as_string)
            .ok_or_else(|| Error::protocol("DeviceLink message does not start with its name"))?;
        let arg = |i: usize| items.get(i);
        match name {
            "DLMessageVersionExchange" => {
                if arg(1).and_then(Value::as_string) != Some("DLVersionsOk") {
                    return Err(Error::protocol("host refused the DeviceLink version"));
                }
                let major = arg(2)
                    .and_then(Value::as_unsigned_integer)
                    .ok_or_else(|| Error::protocol("DLVersionsOk without a major version"))?;
                Ok(HostMessage::VersionsOk { major })
            }
            "DLMessageProcessMessage" => {
                let dict = arg(1).and_then(Value::as_dictionary).ok_or_else(|| {
                    Error::protocol("DLMessageProcessMessage without a dictionary")
                })?;
                Ok(HostMessage::ProcessMessage(dict.clone()))
            }
            "DLMessageStatusResponse" => {
                let code = arg(1)
                    .and_then(signed)
                    .ok_or_else(|| Error::protocol("status response without an integer code"))?;
                let description = arg(2)
                    .and_then(Value::as_string)
                    .filter(|s| *s != EMPTY_PARAMETER)
                    .map(str::to_owned);
                let payload = arg(3)
                    .cloned()
                    .unwrap_or_else(|| Value::Dictionary(Dictionary::new()));
                Ok(HostMessage::StatusResponse(StatusResponse {
                    code,
                    description,
                    payload,
                }))
            }
            "DLMessageDisconnect" => Ok(HostMessage::Disconnect),
            other => Ok(HostMessage::Other(other.to_owned())),
        }
    }
}

/// A message from the device.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceMessage {
    VersionExchange {
        major: u64,
        minor: u64,
    },
    DeviceReady,
    /// The end of an operation (`MessageName: Response`) and the Hello answer.
    ProcessMessage(Dictionary),
    /// Asks the host for files of its backup folder; it answers with a raw stream per file.
    DownloadFiles {
        paths: Vec<String>,
        progress: f64,
    },
    /// Announces a raw stream of files for the host to store. libimobiledevice 1.3.0 ignores the
    /// message unless it has 4 elements; it reads index 3 as the byte total for its bar.
    UploadFiles {
        progress: f64,
        total_bytes: u64,
    },
    RemoveItems {
        paths: Vec<String>,
        progress: f64,
    },
    CreateDirectory {
        path: String,
    },
    /// The only DL message whose name lacks `Message`.
    ContentsOfDirectory {
        path: String,
    },
    GetFreeDiskSpace,
}

fn strings(paths: &[String]) -> Value {
    Value::Array(paths.iter().map(|p| Value::String(p.clone())).collect())
}

fn empty_dict() -> Value {
    Value::Dictionary(Dictionary::new())
}

impl DeviceMessage {
    pub fn name(&self) -> &'static str {
        match self {
            DeviceMessage::VersionExchange { .. } => "DLMessageVersionExchange",
            DeviceMessage::DeviceReady => "DLMessageDeviceReady",
            DeviceMessage::ProcessMessage(_) => "DLMessageProcessMessage",
            DeviceMessage::DownloadFiles { .. } => "DLMessageDownloadFiles",
            DeviceMessage::UploadFiles { .. } => "DLMessageUploadFiles",
            DeviceMessage::RemoveItems { .. } => "DLMessageRemoveItems",
            DeviceMessage::CreateDirectory { .. } => "DLMessageCreateDirectory",
            DeviceMessage::ContentsOfDirectory { .. } => "DLContentsOfDirectory",
            DeviceMessage::GetFreeDiskSpace => "DLMessageGetFreeDiskSpace",
        }
    }

    /// The plist array as sent, element positions exactly as both clients index them.
    pub fn to_value(&self) -> Value {
        let mut items = vec![Value::String(self.name().into())];
        match self {
            DeviceMessage::VersionExchange { major, minor } => {
                items.push((*major).into());
                items.push((*minor).into());
            }
            DeviceMessage::DeviceReady | DeviceMessage::GetFreeDiskSpace => {}
            DeviceMessage::ProcessMessage(dict) => items.push(Value::Dictionary(dict.clone())),
            DeviceMessage::DownloadFiles { paths, progress } => {
                items.push(strings(paths));
                items.push(empty_dict());
                items.push(Value::Real(*progress));
            }
            DeviceMessage::UploadFiles {
                progress,
                total_bytes,
            } => {
                items.push(empty_dict());
                items.push(Value::Real(*progress));
                items.push((*total_bytes).into());
            }
            DeviceMessage::RemoveItems { paths, progress } => {
                items.push(strings(paths));
                items.push(empty_dict());
                items.push(Value::Real(*progress));
            }
            DeviceMessage::CreateDirectory { path }
            | DeviceMessage::ContentsOfDirectory { path } => {
                items.push(Value::String(path.clone()));
            }
        }
        Value::Array(items)
    }

    /// `{MessageName: Response, ErrorCode, ErrorDescription?}`, what ends every operation.
    /// ErrorCode must be an integer: libimobiledevice ignores any other type.
    pub fn response(error_code: u64, description: Option<&str>) -> DeviceMessage {
        let mut d = Dictionary::new();
        d.insert("MessageName".into(), "Response".into());
        d.insert("ErrorCode".into(), error_code.into());
        if let Some(text) = description {
            d.insert("ErrorDescription".into(), text.into());
        }
        DeviceMessage::ProcessMessage(d)
    }
}

/// The 4-byte length that starts every name in a raw stream: `None` for the 0 that ends a batch.
pub fn parse_name_len(prefix: [u8; 4]) -> Result<Option<usize>> {
    match u32::from_be_bytes(prefix) {
        0 => Ok(None),
        n if n > MAX_NAME => Err(Error::protocol(format!(
            "file name of {n} bytes in a raw stream (max {MAX_NAME})"
        ))),
        n => Ok(Some(n as usize)),
    }
}

/// A name in a raw stream: UTF-8, no NUL.
pub fn parse_name(bytes: &[u8]) -> Result<String> {
    let name = std::str::from_utf8(bytes)
        .map_err(|_| Error::protocol("file name in a raw stream is not UTF-8"))?;
    if name.contains('\0') {
        return Err(Error::protocol("file name in a raw stream contains NUL"));
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
    /// The sender could not read the file; an `n`-byte message follows.
    Error { remote: bool, len: usize },
}

pub fn parse_block_header(header: [u8; 5]) -> Result<Block> {
    let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    if len == 0 {
        return Err(Error::protocol("raw block of length 0"));
    }
    if len - 1 > MAX_BLOCK {
        return Err(Error::protocol(format!(
            "raw block of {} bytes (max {MAX_BLOCK})",
            len - 1
        )));
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
        other => Err(Error::protocol(format!(
            "raw block with code {other:#04x} and {n} bytes"
        ))),
    }
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    // Callers bound every length by MAX_NAME or UPLOAD_BLOCK, far below u32::MAX.
    out.extend_from_slice(&(len as u32).to_be_bytes());
}

/// Starts one file of an upload: the on-device path (informational), then the backup-relative name.
pub fn encode_file_names(device_path: &str, backup_path: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + device_path.len() + backup_path.len());
    for name in [device_path, backup_path] {
        push_len(&mut out, name.len());
        out.extend_from_slice(name.as_bytes());
    }
    out
}

/// One data block: header and bytes in one buffer, so it goes out in one write.
pub fn encode_data_block(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + data.len());
    push_len(&mut out, data.len() + 1);
    out.push(code::FILE_DATA);
    out.extend_from_slice(data);
    out
}

/// The end of one file.
pub const FILE_END: [u8; 5] = [0, 0, 0, 1, code::SUCCESS];
/// The end of a batch of files (a zero-length name).
pub const BATCH_END: [u8; 4] = [0, 0, 0, 0];

/// An error block in place of a file's data (what the host sends for a file it cannot read).
pub fn encode_error_block(remote: bool, message: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + message.len());
    push_len(&mut out, message.len() + 1);
    out.push(if remote {
        code::ERROR_REMOTE
    } else {
        code::ERROR_LOCAL
    });
    out.extend_from_slice(message.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_files_has_four_elements_with_the_progress_real_at_index_2() {
        let v = DeviceMessage::UploadFiles {
            progress: 42.5,
            total_bytes: 7,
        }
        .to_value();
        let a = v.as_array().unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!(a[0].as_string(), Some("DLMessageUploadFiles"));
        assert_eq!(a[2], Value::Real(42.5));
        assert_eq!(a[3].as_unsigned_integer(), Some(7));
    }

    #[test]
    fn download_and_remove_put_the_progress_real_at_index_3() {
        for m in [
            DeviceMessage::DownloadFiles {
                paths: vec!["U/Status.plist".into()],
                progress: 1.0,
            },
            DeviceMessage::RemoveItems {
                paths: vec!["U/ab/abc".into()],
                progress: 1.0,
            },
        ] {
            let v = m.to_value();
            let a = v.as_array().unwrap();
            assert_eq!(a[3], Value::Real(1.0), "{}", m.name());
            assert_eq!(a[1].as_array().unwrap().len(), 1);
        }
    }

    #[test]
    fn contents_of_directory_keeps_its_odd_name() {
        let v = DeviceMessage::ContentsOfDirectory { path: "U".into() }.to_value();
        assert_eq!(
            v.as_array().unwrap()[0].as_string(),
            Some("DLContentsOfDirectory")
        );
    }

    #[test]
    fn response_error_code_is_an_integer() {
        let DeviceMessage::ProcessMessage(d) = DeviceMessage::response(207, Some("x")) else {
            panic!()
        };
        assert_eq!(d["ErrorCode"].as_unsigned_integer(), Some(207));
        assert_eq!(d["MessageName"].as_string(), Some("Response"));
    }

    #[test]
    fn status_codes_wrapped_as_uint64_read_as_negative() {
        let v = Value::Array(vec![
            "DLMessageStatusResponse".into(),
            Value::Integer((u64::MAX - 12).into()),
            "Multi status".into(),
            Value::Dictionary(Dictionary::new()),
        ]);
        let HostMessage::StatusResponse(s) = HostMessage::parse(&v).unwrap() else {
            panic!()
        };
        assert_eq!(s.code, status::MULTI_STATUS);
        assert_eq!(s.description.as_deref(), Some("Multi status"));

        let v = Value::Array(vec![
            "DLMessageStatusResponse".into(),
            0u64.into(),
            EMPTY_PARAMETER.into(),
            123u64.into(),
        ]);
        let HostMessage::StatusResponse(s) = HostMessage::parse(&v).unwrap() else {
            panic!()
        };
        assert!(s.is_ok());
        assert_eq!(s.description, None);
        assert_eq!(s.payload.as_unsigned_integer(), Some(123));
    }

    #[test]
    fn malformed_host_messages_are_errors() {
        for v in [
            Value::from("DLMessageDisconnect"),
            Value::Array(vec![]),
            Value::Array(vec![1u64.into()]),
            Value::Array(vec!["DLMessageProcessMessage".into(), "x".into()]),
            Value::Array(vec!["DLMessageStatusResponse".into(), "x".into()]),
            Value::Array(vec![
                "DLMessageVersionExchange".into(),
                "DLVersionsRefused".into(),
            ]),
        ] {
            assert!(HostMessage::parse(&v).is_err(), "{v:?}");
        }
        let v = Value::Array(vec!["DLMessageSomethingNew".into()]);
        assert_eq!(
            HostMessage::parse(&v).unwrap(),
            HostMessage::Other("DLMessageSomethingNew".into())
        );
    }

    #[test]
    fn raw_blocks_round_trip_and_absurd_sizes_are_refused() {
        let block = encode_data_block(b"hello");
        assert_eq!(
            parse_block_header(block[..5].try_into().unwrap()).unwrap(),
            Block::Data(5)
        );
        assert_eq!(&block[5..], b"hello");
        assert_eq!(parse_block_header(FILE_END).unwrap(), Block::Success);
        let err = encode_error_block(false, "No such file");
        assert_eq!(
            parse_block_header(err[..5].try_into().unwrap()).unwrap(),
            Block::Error {
                remote: false,
                len: 12
            }
        );
        assert!(parse_block_header([0, 0, 0, 0, code::FILE_DATA]).is_err());
        assert!(parse_block_header([0xff, 0xff, 0xff, 0xff, code::FILE_DATA]).is_err());
        assert!(parse_block_header([0, 0, 0, 1, 0x42]).is_err());
        // A success code must not carry data.
        assert!(parse_block_header([0, 0, 0, 3, code::SUCCESS]).is_err());
    }

    #[test]
    fn names_are_length_prefixed_and_bounded() {
        let bytes = encode_file_names("/var/mobile/x", "U/ab/abcd");
        assert_eq!(&bytes[..4], &13u32.to_be_bytes());
        assert_eq!(
            parse_name_len(bytes[..4].try_into().unwrap()).unwrap(),
            Some(13)
        );
        assert_eq!(parse_name_len(BATCH_END).unwrap(), None);
        assert!(parse_name_len((MAX_NAME + 1).to_be_bytes()).is_err());
        assert!(parse_name(b"a\0b").is_err());
        assert!(parse_name(&[0xff, 0xfe]).is_err());
    }
}
