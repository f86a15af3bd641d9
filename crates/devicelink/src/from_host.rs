//! What the host (the computer keeping the backup) sends the device: its side of the version
//! exchange, requests, and the status answering each device request.

use plist::{Dictionary, Value};

use crate::error::{Error, Result};
use crate::fields::{name_and_items, placeholder, string_or_placeholder, Items};
use crate::names::*;
use crate::status;

/// A message from the host.
#[derive(Debug, Clone, PartialEq)]
pub enum HostMessage {
    /// `["DLMessageVersionExchange", "DLVersionsOk", major]`: the host accepts the device's
    /// version.
    VersionsOk { major: u64 },
    /// `["DLMessageProcessMessage", {MessageName, ...}]`: a request (Hello, Backup, ...).
    ProcessMessage(Dictionary),
    /// `["DLMessageStatusResponse", code, description, payload]`: the answer to a device request.
    StatusResponse(StatusResponse),
    /// `["DLMessagePing", message]`.
    Ping { message: String },
    /// `["DLMessageDisconnect", reason]`.
    Disconnect { reason: Option<String> },
    /// Any other DL array: kept so the device can log it and carry on.
    Other(String),
}

/// The host's answer to one device request.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusResponse {
    /// [`status::OK`] or a negative code from [`status`].
    pub code: i64,
    pub description: Option<String>,
    /// What the request asked for (free space, a listing, per-file errors); on the wire `None`
    /// is the empty-parameter placeholder.
    pub payload: Option<Value>,
}

impl StatusResponse {
    pub fn ok(payload: Option<Value>) -> Self {
        StatusResponse {
            code: status::OK,
            description: None,
            payload,
        }
    }

    pub fn error(code: i64, description: impl Into<String>) -> Self {
        StatusResponse {
            code,
            description: Some(description.into()),
            payload: None,
        }
    }

    /// Some files of a request failed: `errors` maps each path to its
    /// `{DLFileErrorCode, DLFileErrorString}`.
    pub fn multi_status(errors: Dictionary) -> Self {
        StatusResponse {
            code: status::MULTI_STATUS,
            description: Some("Multi status".into()),
            payload: Some(Value::Dictionary(errors)),
        }
    }

    /// One entry of a multi-status payload.
    pub fn file_error(code: i64, description: &str) -> Value {
        let mut entry = Dictionary::new();
        entry.insert("DLFileErrorCode".into(), Value::Integer(code.into()));
        entry.insert("DLFileErrorString".into(), description.into());
        Value::Dictionary(entry)
    }

    pub fn is_ok(&self) -> bool {
        self.code == status::OK
    }
}

impl HostMessage {
    pub fn parse(value: &Value) -> Result<HostMessage> {
        let (name, items) = name_and_items(value)?;
        let at = Items { name, items };
        Ok(match name {
            VERSION_EXCHANGE => {
                let answer = at.string(1)?;
                if answer != VERSIONS_OK {
                    return Err(Error::malformed(
                        name,
                        format!("the host refused the DeviceLink version ({answer:?})"),
                    ));
                }
                HostMessage::VersionsOk {
                    major: at.unsigned(2)?,
                }
            }
            PROCESS_MESSAGE => HostMessage::ProcessMessage(at.dictionary(1)?.clone()),
            STATUS_RESPONSE => HostMessage::StatusResponse(StatusResponse {
                code: at.signed(1)?,
                description: at.optional_string(2),
                payload: items.get(3).filter(|v| **v != placeholder()).cloned(),
            }),
            PING => HostMessage::Ping {
                message: at.optional_string(1).unwrap_or_default(),
            },
            DISCONNECT => HostMessage::Disconnect {
                reason: at.optional_string(1),
            },
            other => HostMessage::Other(other.to_owned()),
        })
    }

    pub fn name(&self) -> &str {
        match self {
            HostMessage::VersionsOk { .. } => VERSION_EXCHANGE,
            HostMessage::ProcessMessage(_) => PROCESS_MESSAGE,
            HostMessage::StatusResponse(_) => STATUS_RESPONSE,
            HostMessage::Ping { .. } => PING,
            HostMessage::Disconnect { .. } => DISCONNECT,
            HostMessage::Other(name) => name,
        }
    }

    /// The plist array as sent. Negative status codes go out as their two's-complement u64, as
    /// both reference clients send them.
    pub fn to_value(&self) -> Value {
        let mut items = vec![Value::String(self.name().into())];
        match self {
            HostMessage::VersionsOk { major } => {
                items.push(VERSIONS_OK.into());
                items.push((*major).into());
            }
            HostMessage::ProcessMessage(d) => items.push(Value::Dictionary(d.clone())),
            HostMessage::StatusResponse(s) => {
                items.push(Value::Integer((s.code as u64).into()));
                items.push(string_or_placeholder(s.description.as_deref()));
                items.push(s.payload.clone().unwrap_or_else(placeholder));
            }
            HostMessage::Ping { message } => items.push(message.as_str().into()),
            HostMessage::Disconnect { reason } => {
                items.push(string_or_placeholder(reason.as_deref()))
            }
            HostMessage::Other(_) => {}
        }
        Value::Array(items)
    }
}
