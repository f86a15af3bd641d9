//! The crate's error type: every failure a caller of the emulator (a test, the demo binary) can see.

use std::io;

/// What went wrong inside the virtual iPhone.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    #[error("malformed message: {0}")]
    Protocol(String),
    #[error("plist: {0}")]
    Plist(#[from] plist::Error),
    #[error("tls: {0}")]
    Tls(#[from] rustls::Error),
    #[error("device key: {0}")]
    Key(String),
    #[error("no virtual device with UDID {0}")]
    UnknownDevice(String),
    #[error("state directory {path}: {source}")]
    State {
        path: std::path::PathBuf,
        source: io::Error,
    },
}

impl Error {
    pub(crate) fn protocol(msg: impl Into<String>) -> Self {
        Error::Protocol(msg.into())
    }
}

/// A DeviceLink message or raw stream the host got wrong.
impl From<keepsake_devicelink::Error> for Error {
    fn from(e: keepsake_devicelink::Error) -> Self {
        Error::Protocol(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
