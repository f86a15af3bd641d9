//! What the device sends the host: its side of the version exchange, the requests it makes of
//! the host's backup folder during an operation, and the `Response` that ends the operation.
//!
//! Element positions are exactly those both reference clients index (libimobiledevice 1.3.0
//! ignores an UploadFiles with fewer than 4 items, and reads index 3 as the byte total).

use plist::{Dictionary, Value};

use crate::error::Result;
use crate::fields::{
    describe, empty_dict, name_and_items, real_or_placeholder, signed, string_or_placeholder,
    strings, unsigned_or_placeholder, Items,
};
use crate::names::*;
use crate::status;

/// A message from the device. Progress is the device's overall percentage, absent when it
/// does not say.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceMessage {
    /// `[name, major, minor]`: the first message on the connection.
    VersionExchange {
        major: u64,
        minor: u64,
    },
    /// The device is ready for requests, after the version exchange.
    DeviceReady,
    /// The end of an operation (`MessageName: Response`, see [`DeviceMessage::response`]) and
    /// the answer to Hello.
    ProcessMessage(Dictionary),
    /// Asks the host for files of its backup folder; the host answers with a raw stream.
    DownloadFiles {
        paths: Vec<String>,
        progress: Option<f64>,
    },
    /// Announces a raw stream of files for the host to store.
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
    /// Renames, `(from, to)`; the sources are distinct (they travel as dictionary keys).
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
    Ping {
        message: String,
    },
    Disconnect {
        reason: Option<String>,
    },
    /// Any other DL array, by name: the host decides whether it can ignore it.
    Other(String),
}

impl DeviceMessage {
    pub fn parse(value: &Value) -> Result<DeviceMessage> {
        let (name, items) = name_and_items(value)?;
        let at = Items { name, items };
        Ok(match name {
            VERSION_EXCHANGE => DeviceMessage::VersionExchange {
                major: at.unsigned(1)?,
                minor: at.optional_unsigned(2).unwrap_or(0),
            },
            DEVICE_READY => DeviceMessage::DeviceReady,
            PROCESS_MESSAGE => DeviceMessage::ProcessMessage(at.dictionary(1)?.clone()),
            DOWNLOAD_FILES => DeviceMessage::DownloadFiles {
                paths: at.strings(1)?,
                progress: at.optional_real(3),
            },
            UPLOAD_FILES => DeviceMessage::UploadFiles {
                progress: at.optional_real(2),
                total_bytes: at.optional_unsigned(3),
            },
            GET_FREE_DISK_SPACE => DeviceMessage::GetFreeDiskSpace,
            PURGE_DISK_SPACE => DeviceMessage::PurgeDiskSpace {
                bytes: at.optional_unsigned(1),
            },
            CONTENTS_OF_DIRECTORY => DeviceMessage::ContentsOfDirectory {
                path: at.string(1)?,
            },
            CREATE_DIRECTORY => DeviceMessage::CreateDirectory {
                path: at.string(1)?,
            },
            MOVE_ITEMS | MOVE_FILES => {
                let moves = at
                    .dictionary(1)?
                    .iter()
                    .map(|(from, to)| match to {
                        Value::String(to) => Ok((from.clone(), to.clone())),
                        other => Err(crate::Error::malformed(
                            name,
                            format!("destination of {from} is {}", describe(other)),
                        )),
                    })
                    .collect::<Result<Vec<_>>>()?;
                DeviceMessage::MoveItems {
                    moves,
                    progress: at.optional_real(3),
                }
            }
            REMOVE_ITEMS | REMOVE_FILES => DeviceMessage::RemoveItems {
                paths: at.strings(1)?,
                progress: at.optional_real(3),
            },
            COPY_ITEM => DeviceMessage::CopyItem {
                from: at.string(1)?,
                to: at.string(2)?,
            },
            PING => DeviceMessage::Ping {
                message: at.optional_string(1).unwrap_or_default(),
            },
            DISCONNECT => DeviceMessage::Disconnect {
                reason: at.optional_string(1),
            },
            other => DeviceMessage::Other(other.to_owned()),
        })
    }

    pub fn name(&self) -> &str {
        match self {
            DeviceMessage::VersionExchange { .. } => VERSION_EXCHANGE,
            DeviceMessage::DeviceReady => DEVICE_READY,
            DeviceMessage::ProcessMessage(_) => PROCESS_MESSAGE,
            DeviceMessage::DownloadFiles { .. } => DOWNLOAD_FILES,
            DeviceMessage::UploadFiles { .. } => UPLOAD_FILES,
            DeviceMessage::GetFreeDiskSpace => GET_FREE_DISK_SPACE,
            DeviceMessage::PurgeDiskSpace { .. } => PURGE_DISK_SPACE,
            DeviceMessage::ContentsOfDirectory { .. } => CONTENTS_OF_DIRECTORY,
            DeviceMessage::CreateDirectory { .. } => CREATE_DIRECTORY,
            DeviceMessage::MoveItems { .. } => MOVE_ITEMS,
            DeviceMessage::RemoveItems { .. } => REMOVE_ITEMS,
            DeviceMessage::CopyItem { .. } => COPY_ITEM,
            DeviceMessage::Ping { .. } => PING,
            DeviceMessage::Disconnect { .. } => DISCONNECT,
            DeviceMessage::Other(name) => name,
        }
    }

    /// The plist array as sent; an absent optional item is the empty-parameter placeholder.
    pub fn to_value(&self) -> Value {
        let mut items = vec![Value::String(self.name().into())];
        match self {
            DeviceMessage::VersionExchange { major, minor } => {
                items.push((*major).into());
                items.push((*minor).into());
            }
            DeviceMessage::DeviceReady
            | DeviceMessage::GetFreeDiskSpace
            | DeviceMessage::Other(_) => {}
            DeviceMessage::ProcessMessage(dict) => items.push(Value::Dictionary(dict.clone())),
            DeviceMessage::DownloadFiles { paths, progress }
            | DeviceMessage::RemoveItems { paths, progress } => {
                items.push(strings(paths));
                items.push(empty_dict());
                items.push(real_or_placeholder(*progress));
            }
            DeviceMessage::UploadFiles {
                progress,
                total_bytes,
            } => {
                items.push(empty_dict());
                items.push(real_or_placeholder(*progress));
                items.push(unsigned_or_placeholder(*total_bytes));
            }
            DeviceMessage::PurgeDiskSpace { bytes } => items.push(unsigned_or_placeholder(*bytes)),
            DeviceMessage::CreateDirectory { path }
            | DeviceMessage::ContentsOfDirectory { path } => {
                items.push(Value::String(path.clone()));
            }
            DeviceMessage::MoveItems { moves, progress } => {
                let map: Dictionary = moves
                    .iter()
                    .map(|(from, to)| (from.clone(), Value::String(to.clone())))
                    .collect();
                items.push(Value::Dictionary(map));
                items.push(empty_dict());
                items.push(real_or_placeholder(*progress));
            }
            DeviceMessage::CopyItem { from, to } => {
                items.push(Value::String(from.clone()));
                items.push(Value::String(to.clone()));
            }
            DeviceMessage::Ping { message } => items.push(message.as_str().into()),
            DeviceMessage::Disconnect { reason } => {
                items.push(string_or_placeholder(reason.as_deref()))
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

/// The `ErrorCode` of an operation's `Response` ([`status::UNSPECIFIED`] when it has none) and
/// what the device said about it.
pub fn outcome(response: &Dictionary) -> (i64, Option<String>) {
    let code = response
        .get("ErrorCode")
        .and_then(signed)
        .unwrap_or(status::UNSPECIFIED);
    let text = response
        .get("ErrorDescription")
        .and_then(Value::as_string)
        .map(str::to_owned);
    (code, text)
}
