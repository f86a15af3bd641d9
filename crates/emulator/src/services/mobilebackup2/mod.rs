//! `com.apple.mobilebackup2`, the device side: the service entry, the DeviceLink handshake and
//! Hello, and the session that dispatches each request a host makes (Backup, Restore, Info, List,
//! ChangePassword) to its module, ending every request with a `Response`.
//!
//! Everything the host sends is untrusted: names, sizes and plists are bounded and checked
//! before use.

use std::sync::Arc;

use keepsake_devicelink::{self as devicelink, DeviceMessage, HostMessage, StatusResponse};
use keepsake_mobilesync::{BackupPlist, MAX_PLIST_LEN};
use plist::{Dictionary, Value};

use super::{Service, ServiceFuture};
use crate::backup_state::{BackupStateError, DeviceBackup, Fault, PasscodeEvent};
use crate::device::VirtualDevice;
use crate::error::{Error, Result};
use crate::transport::Transport;

mod backup;
mod info;
mod password;
mod restore;
mod streaming;

pub use password::BACKUP_DOMAIN_CHANGED;

pub const SERVICE_NAME: &str = "com.apple.mobilebackup2";

/// MBErrorDomain codes real devices answer with.
pub mod error_code {
    /// No common protocol version, unknown request, malformed request.
    pub const GENERIC: u64 = 1;
    /// ENOENT: the host has no backup for Info/List.
    pub const NO_SUCH_FILE: u64 = 4;
    pub const INSUFFICIENT_SPACE: u64 = 105;
    pub const BACKUP_PROPERTIES: u64 = 205;
    pub const INVALID_PASSWORD: u64 = 207;
    pub const DEVICE_LOCKED: u64 = 208;
}

/// Protocol versions the device speaks, best last.
const PROTOCOL_VERSIONS: [f64; 2] = [2.0, 2.1];
/// Files per DLMessageUploadFiles batch, and bytes: the host answers each batch.
const BATCH_FILES: usize = 256;
const BATCH_BYTES: u64 = 8 * 1024 * 1024;
/// The length prefix [`Fault::AbsurdBlock`] and [`Fault::AbsurdMessage`] send: 4 GiB less a bit.
const ABSURD_LEN: u32 = 0xFFFF_FFF0;

/// The service registered with lockdownd.
#[derive(Debug, Default)]
pub struct MobileBackup2;

impl Service for MobileBackup2 {
    fn name(&self) -> &'static str {
        SERVICE_NAME
    }

    fn requires_escrow_bag(&self) -> bool {
        true
    }

    fn serve(self: Arc<Self>, device: Arc<VirtualDevice>, transport: Transport) -> ServiceFuture {
        Box::pin(async move {
            let udid = device.udid().to_owned();
            let result = Session::new(device, transport).run().await;
            match &result {
                Ok(()) => tracing::debug!(%udid, "mobilebackup2 connection closed"),
                Err(e) => tracing::warn!(%udid, error = %e, "mobilebackup2 connection failed"),
            }
            result
        })
    }
}

/// Failures that end a request with an error `Response` instead of closing the connection.
#[derive(Debug)]
struct Refusal {
    code: u64,
    description: String,
}

impl Refusal {
    fn new(code: u64, description: impl Into<String>) -> Self {
        Refusal {
            code,
            description: description.into(),
        }
    }
}

/// What an operation ends with: a refusal the host is told about, a broken connection, or a
/// connection the device closes on purpose (a [`Fault`]).
enum Failure {
    Refused(Refusal),
    Fatal(Error),
    Hangup(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Fatal(e)
    }
}

impl From<BackupStateError> for Failure {
    fn from(e: BackupStateError) -> Self {
        match e {
            BackupStateError::Emulator(e) => Failure::Fatal(e),
            other => Failure::Fatal(internal(other)),
        }
    }
}

impl From<keepsake_mobilesync::Error> for Failure {
    fn from(e: keepsake_mobilesync::Error) -> Self {
        Failure::Fatal(internal(e))
    }
}

fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Io(std::io::Error::other(e))
}

type Outcome<T = ()> = std::result::Result<T, Failure>;

/// The payload of a successful operation's `Response`.
#[derive(Default)]
struct Done {
    content: Option<String>,
}

/// One host connection to the service.
struct Session {
    device: Arc<VirtualDevice>,
    link: Transport,
    /// The fault of the request in progress, if any.
    fault: Option<Fault>,
    /// File data bytes uploaded in the Backup in progress.
    file_bytes_sent: u64,
}

impl Session {
    fn new(device: Arc<VirtualDevice>, link: Transport) -> Self {
        Session {
            device,
            link,
            fault: None,
            file_bytes_sent: 0,
        }
    }

    fn backup(&self) -> &DeviceBackup {
        self.device.backup()
    }

    async fn send(&mut self, message: &DeviceMessage) -> Result<()> {
        tracing::trace!(message = message.name(), "mobilebackup2 →");
        self.link.write_binary(&message.to_value()).await
    }

    async fn receive(&mut self) -> Result<Option<HostMessage>> {
        match self.link.read_plist(devicelink::MAX_MESSAGE_LEN).await? {
            Some(value) => Ok(Some(HostMessage::parse(&value)?)),
            None => Ok(None),
        }
    }

    /// The host's status response to the request just sent.
    async fn status(&mut self) -> Result<StatusResponse> {
        match self.receive().await? {
            Some(HostMessage::StatusResponse(s)) => Ok(s),
            Some(other) => Err(Error::protocol(format!(
                "expected DLMessageStatusResponse, got {other:?}"
            ))),
            None => Err(Error::protocol("host closed during a DeviceLink request")),
        }
    }

    async fn request(&mut self, message: &DeviceMessage) -> Result<StatusResponse> {
        self.send(message).await?;
        let status = self.status().await?;
        if !status.is_ok() {
            tracing::debug!(
                message = message.name(),
                code = status.code,
                description = ?status.description,
                "host answered with an error status"
            );
        }
        Ok(status)
    }

    async fn run(mut self) -> Result<()> {
        self.send(&DeviceMessage::VersionExchange {
            major: devicelink::VERSION_MAJOR,
            minor: devicelink::VERSION_MINOR,
        })
        .await?;
        match self.receive().await? {
            Some(HostMessage::VersionsOk { .. }) => {}
            Some(other) => {
                return Err(Error::protocol(format!(
                    "expected DLVersionsOk, got {other:?}"
                )))
            }
            None => return Ok(()),
        }
        self.send(&DeviceMessage::DeviceReady).await?;
        loop {
            let request = match self.receive().await? {
                None | Some(HostMessage::Disconnect { .. }) => return Ok(()),
                Some(HostMessage::ProcessMessage(request)) => request,
                Some(other) => {
                    tracing::warn!(?other, "unexpected DeviceLink message outside a request");
                    continue;
                }
            };
            let name = request
                .get("MessageName")
                .and_then(Value::as_string)
                .unwrap_or_default()
                .to_owned();
            tracing::info!(udid = self.device.udid(), request = %name, "mobilebackup2 request");
            if name == "Hello" {
                let reply = hello(&request);
                self.send(&reply).await?;
                continue;
            }
            let outcome = self.request_with_fault(&name, &request).await;
            let reply = match outcome {
                Ok(done) => {
                    let mut reply = DeviceMessage::response(0, None);
                    if let (DeviceMessage::ProcessMessage(d), Some(content)) =
                        (&mut reply, done.content)
                    {
                        d.insert("Content".into(), content.into());
                    }
                    reply
                }
                Err(Failure::Refused(r)) => {
                    tracing::info!(code = r.code, description = %r.description, "request refused");
                    DeviceMessage::response(r.code, Some(&r.description))
                }
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Hangup(why)) => {
                    tracing::info!(udid = self.device.udid(), %why, "fault: the device hangs up");
                    return Ok(());
                }
            };
            self.send(&reply).await?;
        }
    }

    /// One request, misbehaving as the device's [`Fault`] says.
    async fn request_with_fault(&mut self, name: &str, request: &Dictionary) -> Outcome<Done> {
        self.fault = self.backup().options().fault;
        self.file_bytes_sent = 0;
        let cap = match self.fault {
            Some(Fault::BandwidthCap(b)) => Some(b),
            _ => None,
        };
        self.link.set_bandwidth(cap);
        let outcome = match self.fault {
            Some(Fault::AbsurdMessage) => {
                self.link.write_all(&ABSURD_LEN.to_be_bytes()).await?;
                Err(Failure::Hangup(format!(
                    "a DeviceLink message of {ABSURD_LEN:#x} bytes was announced"
                )))
            }
            Some(Fault::InvalidPlist) => {
                // A binary plist's magic and then nothing a parser can use.
                let body = b"bplist00\xd1\x01\x02\x5f\x10\xff";
                let mut frame = (body.len() as u32).to_be_bytes().to_vec();
                frame.extend_from_slice(body);
                self.link.write_all(&frame).await?;
                Err(Failure::Hangup(
                    "a DeviceLink message that is not a plist was sent".into(),
                ))
            }
            _ => self.dispatch(name, request).await,
        };
        let fault = self.fault.take();
        self.link.set_bandwidth(None);
        match (outcome, fault) {
            // Backup ends with the code itself, before its final files.
            (Ok(_), Some(Fault::ErrorCode(code, description))) if name != "Backup" => {
                Err(Failure::Refused(Refusal::new(code, description)))
            }
            (outcome, _) => outcome,
        }
    }

    async fn dispatch(&mut self, name: &str, request: &Dictionary) -> Outcome<Done> {
        match name {
            "Backup" => self.backup_run(request).await,
            "Restore" => self.restore(request).await,
            "Info" => self.info(request).await,
            "List" => self.list(request).await,
            "ChangePassword" => self.change_password(request).await,
            other => Err(Failure::Refused(Refusal::new(
                error_code::GENERIC,
                format!("Unsupported request {other:?}"),
            ))),
        }
    }

    /// The iOS 16.1+ passcode step, when the device has it turned on.
    async fn passcode(&mut self) -> Outcome {
        // Only the device is held across the wait: the session's transport is not `Sync`.
        let device = self.device.clone();
        let Some(prompt) = device.backup().options().passcode else {
            return Ok(());
        };
        let post = |e: PasscodeEvent| device.post_notification(e.notification());
        if device.backup().ask_passcode(prompt, post).await {
            Ok(())
        } else {
            Err(Failure::Refused(Refusal::new(
                error_code::DEVICE_LOCKED,
                "Device locked (MBErrorDomain/208)",
            )))
        }
    }
}

/// Answer to Hello: the best version both sides speak, or error 1.
fn hello(request: &Dictionary) -> DeviceMessage {
    let offered: Vec<f64> = request
        .get("SupportedProtocolVersions")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_real).collect())
        .unwrap_or_default();
    let common = PROTOCOL_VERSIONS
        .iter()
        .rev()
        .find(|v| offered.iter().any(|o| (o - *v).abs() < 1e-9));
    match common {
        Some(&version) => {
            let mut reply = DeviceMessage::response(0, None);
            if let DeviceMessage::ProcessMessage(d) = &mut reply {
                d.insert("ProtocolVersion".into(), Value::Real(version));
            }
            reply
        }
        None => DeviceMessage::response(error_code::GENERIC, Some("No common protocol version")),
    }
}

/// A backup folder name from the host: one path component of UDID characters, nothing else.
fn source_identifier(request: &Dictionary, own: &str) -> Outcome<String> {
    let source = request
        .get("SourceIdentifier")
        .and_then(Value::as_string)
        .unwrap_or(own);
    let ok = !source.is_empty()
        && source.len() <= 64
        && source
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(source.to_owned())
    } else {
        Err(Failure::Refused(Refusal::new(
            error_code::GENERIC,
            "Invalid SourceIdentifier",
        )))
    }
}

fn parse_plist<T: BackupPlist>(bytes: &[u8]) -> Option<T> {
    if bytes.len() > MAX_PLIST_LEN {
        return None;
    }
    match T::from_bytes(bytes) {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::info!(file = T::FILE_NAME, error = %e, "host's previous plist unreadable");
            None
        }
    }
}

fn percent(done: u64, total: u64) -> f64 {
    (done as f64 * 100.0 / total as f64).min(100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(v: &[f64]) -> Dictionary {
        let mut d = Dictionary::new();
        d.insert("MessageName".into(), "Hello".into());
        d.insert(
            "SupportedProtocolVersions".into(),
            Value::Array(v.iter().map(|x| Value::Real(*x)).collect()),
        );
        d
    }

    #[test]
    fn hello_picks_the_best_common_version_as_a_real() {
        let DeviceMessage::ProcessMessage(d) = hello(&versions(&[2.0, 2.1])) else {
            panic!()
        };
        assert_eq!(d["ErrorCode"].as_unsigned_integer(), Some(0));
        assert_eq!(d["ProtocolVersion"], Value::Real(2.1));
        let DeviceMessage::ProcessMessage(d) = hello(&versions(&[2.0])) else {
            panic!()
        };
        assert_eq!(d["ProtocolVersion"], Value::Real(2.0));
        let DeviceMessage::ProcessMessage(d) = hello(&versions(&[3.0])) else {
            panic!()
        };
        assert_eq!(d["ErrorCode"].as_unsigned_integer(), Some(1));
        assert!(!d.contains_key("ProtocolVersion"));
    }

    #[test]
    fn source_identifiers_cannot_escape_the_backup_folder() {
        for bad in ["../etc", "a/b", "", "x\0", &"A".repeat(65)] {
            let mut d = Dictionary::new();
            d.insert("SourceIdentifier".into(), bad.into());
            assert!(source_identifier(&d, "OWN").is_err(), "{bad:?}");
        }
        assert_eq!(
            source_identifier(&Dictionary::new(), "00008120-001A").ok(),
            Some("00008120-001A".to_owned())
        );
    }

    #[test]
    fn progress_is_a_bounded_percentage() {
        assert_eq!(percent(0, 10), 0.0);
        assert_eq!(percent(5, 10), 50.0);
        assert_eq!(percent(20, 10), 100.0);
    }
}
