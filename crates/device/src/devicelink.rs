//! DeviceLink, the message layer under mobilebackup2, from the host's side: typed device
//! requests parsed out of plist arrays, status responses, and the raw file-stream framing.
//! Pure: no I/O here, so every parser is tested on bytes and refuses what does not fit.

use plist::{Dictionary, Value};

/// The largest DeviceLink plist we accept. Real messages are kilobytes; a bigger length prefix is
/// a broken or hostile device, not a reason to allocate gigabytes.
pub const MAX_MESSAGE_LEN: u32 = 16 << 20;
/// Longest file name in a file stream (libimobiledevice's limit too).
pub const MAX_NAME_LEN: u32 = 4096;
/// Largest data block in a file stream; devices send 32 KiB, anything past a few MiB is bogus.
pub const MAX_BLOCK_LEN: u32 = 8 << 20;

/// Block codes in a file stream.
pub const CODE_SUCCESS: u8 = 0x00;
pub const CODE_ERROR_REMOTE: u8 = 0x0b;
pub const CODE_ERROR_LOCAL: u8 = 0x06;
pub const CODE_FILE_DATA: u8 = 0x0c;

/// The placeholder DeviceLink uses for an absent string.
pub const EMPTY: &str = "___EmptyParameterString___";

/// A request the device makes of the host during an operation.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceRequest {
    DownloadFiles {
        paths: Vec<String>,
        progress: Option<f64>,
    },
    UploadFiles {
        progress: Option<f64>,
        total_bytes: Option<u64>,
    },
    GetFreeDiskSpace,
    PurgeDiskSpace {
        bytes: Option<u64>,
    },
    ContentsOfDirectory {
        path: String,
    },
    CreateDirectory {
        path: String,
    },
    MoveItems {
        moves: Vec<(String, String)>,
        progress: Option<f64>,
    },
    RemoveItems {
        paths: Vec<String>,
        progress: Option<f64>,
    },
    CopyItem {
        from: String,
        to: String,
    },
    /// The end of the operation: `ErrorCode` 0 is success.
    ProcessMessage(Dictionary),
    Disconnect,
}

/// A message that does not parse, with what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}: {detail}")]
pub struct Malformed {
    pub message: String,
    pub detail: String,
}

fn malformed(message: &str, detail: impl Into<String>) -> Malformed {
    Malformed {
        message: message.to_owned(),
        detail: detail.into(),
    }
}

fn string_at(items: &[Value], i: usize, name: &str) -> Result<String, Malformed> {
    match items.get(i) {
        Some(Value::String(s)) => Ok(s.clone()),
        other => Err(malformed(
            name,
            format!("item {i} should be a string, is {other:?}"),
        )),
    }
}

fn strings_at(items: &[Value], i: usize, name: &str) -> Result<Vec<String>, Malformed> {
    match items.get(i) {
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(malformed(name, format!("a path is {other:?}"))),
            })
            .collect(),
        other => Err(malformed(
            name,
            format!("item {i} should be a list, is {other:?}"),
        )),
    }
}

fn real_at(items: &[Value], i: usize) -> Option<f64> {
    match items.get(i) {
        Some(Value::Real(r)) if r.is_finite() => Some(*r),
        Some(Value::Integer(n)) => n.as_signed().map(|n| n as f64),
        _ => None,
    }
}

fn uint_at(items: &[Value], i: usize) -> Option<u64> {
    match items.get(i) {
        Some(Value::Integer(n)) => n.as_unsigned(),
        _ => None,
    }
}

/// Reads a device message (a plist array whose first item names it).
pub fn parse_request(value: &Value) -> Result<DeviceRequest, Malformed> {
    let items = value
        .as_array()
        .ok_or_else(|| malformed("DeviceLink message", format!("not an array: {value:?}")))?;
    let name = string_at(items, 0, "DeviceLink message")?;
    let n = name.as_str();
    Ok(match n {
        "DLMessageDownloadFiles" => DeviceRequest::DownloadFiles {
            paths: strings_at(items, 1, n)?,
            progress: real_at(items, 3),
        },
        "DLMessageUploadFiles" => DeviceRequest::UploadFiles {
            progress: real_at(items, 2),
            total_bytes: uint_at(items, 3),
        },
        "DLMessageGetFreeDiskSpace" => DeviceRequest::GetFreeDiskSpace,
        "DLMessagePurgeDiskSpace" => DeviceRequest::PurgeDiskSpace {
            bytes: uint_at(items, 1),
        },
        "DLContentsOfDirectory" => DeviceRequest::ContentsOfDirectory {
            path: string_at(items, 1, n)?,
        },
        "DLMessageCreateDirectory" => DeviceRequest::CreateDirectory {
            path: string_at(items, 1, n)?,
        },
        "DLMessageMoveItems" | "DLMessageMoveFiles" => {
            let moves = match items.get(1) {
                Some(Value::Dictionary(d)) => d
                    .iter()
                    .map(|(from, to)| match to {
                        Value::String(to) => Ok((from.clone(), to.clone())),
                        other => Err(malformed(n, format!("destination of {from} is {other:?}"))),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                other => {
                    return Err(malformed(
                        n,
                        format!("item 1 should be a dictionary, is {other:?}"),
                    ))
                }
            };
            DeviceRequest::MoveItems {
                moves,
                progress: real_at(items, 3),
            }
        }
        "DLMessageRemoveItems" | "DLMessageRemoveFiles" => DeviceRequest::RemoveItems {
            paths: strings_at(items, 1, n)?,
            progress: real_at(items, 3),
        },
        "DLMessageCopyItem" => DeviceRequest::CopyItem {
            from: string_at(items, 1, n)?,
            to: string_at(items, 2, n)?,
        },
        "DLMessageProcessMessage" => match items.get(1) {
            Some(Value::Dictionary(d)) => DeviceRequest::ProcessMessage(d.clone()),
            other => {
                return Err(malformed(
                    n,
                    format!("item 1 should be a dictionary, is {other:?}"),
                ))
            }
        },
        "DLMessageDisconnect" => DeviceRequest::Disconnect,
        other => {
            return Err(malformed(
                "DeviceLink message",
                format!("unknown message {other:?}"),
            ))
        }
    })
}

/// `["DLMessageStatusResponse", code, message, extra]`. Negative codes travel as their
/// two's-complement u64, as both reference clients send them.
pub fn status_response(code: i64, message: Option<&str>, extra: Option<Value>) -> Value {
    Value::Array(vec![
        Value::String("DLMessageStatusResponse".into()),
        Value::Integer((code as u64).into()),
        Value::String(message.unwrap_or(EMPTY).into()),
        extra.unwrap_or_else(|| Value::String(EMPTY.into())),
    ])
}

/// DeviceLink's error code for an I/O error on the host.
pub fn errno_code(e: &std::io::Error) -> i64 {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => -6,
        AlreadyExists => -7,
        NotADirectory => -8,
        IsADirectory => -9,
        StorageFull => -15,
        _ => match e.raw_os_error() {
            Some(5) => -11,  // EIO
            Some(40) => -10, // ELOOP
            _ => -1,
        },
    }
}

/// The request the host sends to start an operation; `extra` holds its own keys (`Options`,
/// `OldPassword`, …).
pub fn process_message(name: &str, udid: &str, extra: Dictionary) -> Value {
    let mut d = extra;
    d.insert("MessageName".into(), name.into());
    d.insert("TargetIdentifier".into(), udid.into());
    d.insert("SourceIdentifier".into(), udid.into());
    Value::Array(vec![
        Value::String("DLMessageProcessMessage".into()),
        Value::Dictionary(d),
    ])
}

/// The final `ErrorCode` of an operation and what the device said about it.
pub fn outcome(d: &Dictionary) -> (i64, Option<String>) {
    let code = match d.get("ErrorCode") {
        Some(Value::Integer(n)) => n
            .as_signed()
            .or_else(|| n.as_unsigned().map(|u| u as i64))
            .unwrap_or(-1),
        _ => -1,
    };
    let text = d
        .get("ErrorDescription")
        .and_then(Value::as_string)
        .map(str::to_owned);
    (code, text)
}

/// One length-prefixed block of a file stream: `u32 (n+1)`, a code byte, `n` bytes.
pub fn block(code: u8, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + data.len());
    out.extend_from_slice(&(data.len() as u32 + 1).to_be_bytes());
    out.push(code);
    out.extend_from_slice(data);
    out
}

/// A length-prefixed string (a path in a file stream).
pub fn name(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + s.len());
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
    out
}

/// Serialises a message with its u32 big-endian length prefix, as the wire carries it.
pub fn frame(value: &Value) -> Result<Vec<u8>, plist::Error> {
    let mut body = Vec::new();
    value.to_writer_binary(&mut body)?;
    let mut out = (body.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(&body);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arr(items: Vec<Value>) -> Value {
        Value::Array(items)
    }

    #[test]
    fn parses_the_device_requests_of_a_backup() {
        let dl = arr(vec![
            "DLMessageDownloadFiles".into(),
            Value::Array(vec!["U/Status.plist".into()]),
            Value::Dictionary(Dictionary::new()),
            Value::Real(12.5),
        ]);
        assert_eq!(
            parse_request(&dl).unwrap(),
            DeviceRequest::DownloadFiles {
                paths: vec!["U/Status.plist".into()],
                progress: Some(12.5)
            }
        );
        let up = arr(vec![
            "DLMessageUploadFiles".into(),
            Value::Dictionary(Dictionary::new()),
            Value::Real(40.0),
            1000u64.into(),
        ]);
        assert_eq!(
            parse_request(&up).unwrap(),
            DeviceRequest::UploadFiles {
                progress: Some(40.0),
                total_bytes: Some(1000)
            }
        );
        let mut moves = Dictionary::new();
        moves.insert("U/Snapshot/a".into(), "U/a".into());
        let mv = arr(vec![
            "DLMessageMoveFiles".into(),
            Value::Dictionary(moves),
            Value::Dictionary(Dictionary::new()),
            Value::Real(99.0),
        ]);
        assert_eq!(
            parse_request(&mv).unwrap(),
            DeviceRequest::MoveItems {
                moves: vec![("U/Snapshot/a".into(), "U/a".into())],
                progress: Some(99.0)
            }
        );
        assert_eq!(
            parse_request(&arr(vec!["DLContentsOfDirectory".into(), "U".into()])).unwrap(),
            DeviceRequest::ContentsOfDirectory { path: "U".into() }
        );
    }

    #[test]
    fn malformed_requests_say_what_is_wrong() {
        let bad = [
            Value::String("hello".into()),
            arr(vec![]),
            arr(vec!["DLMessageDownloadFiles".into(), "not a list".into()]),
            arr(vec![
                "DLMessageDownloadFiles".into(),
                Value::Array(vec![1u64.into()]),
            ]),
            arr(vec!["DLMessageMoveItems".into(), Value::Array(vec![])]),
            arr(vec!["DLMessageSelfDestruct".into()]),
        ];
        for v in bad {
            let err = parse_request(&v).unwrap_err();
            assert!(!err.detail.is_empty(), "{v:?}");
        }
    }

    #[test]
    fn negative_status_codes_travel_as_unsigned() {
        let v = status_response(-13, Some("Multi status"), None);
        let items = v.as_array().unwrap();
        assert_eq!(items[1].as_unsigned_integer(), Some(18446744073709551603));
        assert_eq!(items[3].as_string(), Some(EMPTY));
    }

    #[test]
    fn outcome_reads_error_codes_in_either_sign_form() {
        let mut d = Dictionary::new();
        d.insert("ErrorCode".into(), 0u64.into());
        assert_eq!(outcome(&d), (0, None));
        d.insert("ErrorCode".into(), 208i64.into());
        d.insert("ErrorDescription".into(), "Device locked".into());
        assert_eq!(outcome(&d), (208, Some("Device locked".into())));
        assert_eq!(outcome(&Dictionary::new()).0, -1);
    }

    #[test]
    fn blocks_and_names_are_length_prefixed() {
        assert_eq!(
            block(CODE_FILE_DATA, b"ab"),
            vec![0, 0, 0, 3, 0x0c, b'a', b'b']
        );
        assert_eq!(block(CODE_SUCCESS, b""), vec![0, 0, 0, 1, 0]);
        assert_eq!(name("U/x"), vec![0, 0, 0, 3, b'U', b'/', b'x']);
        let f = frame(&status_response(0, None, None)).unwrap();
        assert_eq!(
            u32::from_be_bytes([f[0], f[1], f[2], f[3]]) as usize,
            f.len() - 4
        );
    }
}
