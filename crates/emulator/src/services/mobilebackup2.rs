//! `com.apple.mobilebackup2`, the device side: DeviceLink handshake, Hello, and the operations a
//! host requests (Backup, Restore, Info, List, ChangePassword), each driving the host's folder through
//! DeviceLink requests and ending with a `Response`.
//!
//! Backups are incremental the way BackupAgent2's are: the device downloads the host's previous
//! Status.plist, Manifest.plist and Manifest.db, uploads only the files that differ from them,
//! removes the ones that are gone, then uploads the new Manifest.db, Manifest.plist and
//! Status.plist (`SnapshotState: finished`). Everything the host sends is untrusted: names,
//! sizes and plists are bounded and checked before use.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::sync::Arc;

use keepsake_devicelink::{
    self as devicelink, parse_block_header, parse_name, parse_name_len, Block, DeviceMessage,
    HostMessage, StatusResponse,
};
use keepsake_mobilesync::{
    blob_path, decrypt_file, decrypt_manifest_db, encrypt_file, encrypt_manifest_db, file_id,
    BackupEncryption, BackupPlist, EntryKind, Lockdown, ManifestDb, ManifestEntry, ManifestPlist,
    MbFile, StatusPlist, MAX_PLIST_LEN, MODE_DIRECTORY,
};
use keepsake_phone_content::{FileEntry, Phone};
use plist::{Dictionary, Value};

use super::{Service, ServiceFuture};
use crate::backup_state::{BackupStateError, DeviceBackup, Fault, PasscodeEvent, RestoreReport};
use crate::device::VirtualDevice;
use crate::error::{Error, Result};
use crate::transport::Transport;

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

/// Posted when the `com.apple.mobile.backup` lockdown domain (WillEncrypt) changes.
pub const BACKUP_DOMAIN_CHANGED: &str = "com.apple.mobile.backup.domain_changed";
/// Protocol versions the device speaks, best last.
const PROTOCOL_VERSIONS: [f64; 2] = [2.0, 2.1];
/// One download request may bring at most this much (a 2 GiB phone's Manifest.db is a few MB;
/// restore batches are 8 MiB): the device holds it in memory.
const MAX_DOWNLOAD: u64 = 256 * 1024 * 1024;
/// Files per DLMessageUploadFiles batch, and bytes: the host answers each batch.
const BATCH_FILES: usize = 256;
const BATCH_BYTES: u64 = 8 * 1024 * 1024;
/// Headroom the device wants beyond what it will upload.
const SPACE_MARGIN: u64 = 128 * 1024 * 1024;
/// The length prefix [`Fault::AbsurdBlock`] and [`Fault::AbsurdMessage`] send: 4 GiB less a bit.
const ABSURD_LEN: u32 = 0xFFFF_FFF0;
/// The other device [`Fault::ForeignDevice`] writes into.
const FOREIGN_UDID: &str = "00008101-000F0E1D2C3B4A59";

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

    /// `DLMessageDownloadFiles`: the files the host had, by requested path. Missing ones are
    /// absent from the map (the host reports them in a multi-status).
    async fn download(
        &mut self,
        paths: &[String],
        progress: f64,
    ) -> Result<BTreeMap<String, Vec<u8>>> {
        self.send(&DeviceMessage::DownloadFiles {
            paths: paths.to_vec(),
            progress: Some(progress),
        })
        .await?;
        let mut files = BTreeMap::new();
        let mut received = 0u64;
        loop {
            let mut prefix = [0u8; 4];
            self.link.read_exact(&mut prefix).await?;
            let Some(len) = parse_name_len(prefix)? else {
                break;
            };
            let mut name = vec![0u8; len];
            self.link.read_exact(&mut name).await?;
            let name = parse_name(&name)?;
            if !paths.contains(&name) || files.contains_key(&name) {
                return Err(Error::protocol(format!(
                    "host sent {name:?}, which was not requested"
                )));
            }
            let mut body = Vec::new();
            let complete = loop {
                let mut header = [0u8; 5];
                self.link.read_exact(&mut header).await?;
                match parse_block_header(header)? {
                    Block::Data(n) => {
                        received += n as u64;
                        if received > MAX_DOWNLOAD {
                            return Err(Error::protocol(format!(
                                "host sent more than {MAX_DOWNLOAD} bytes for one request"
                            )));
                        }
                        let start = body.len();
                        body.resize(start + n, 0);
                        self.link.read_exact(&mut body[start..]).await?;
                    }
                    Block::Success => break true,
                    Block::Error { len, .. } => {
                        let mut message = vec![0u8; len];
                        self.link.read_exact(&mut message).await?;
                        tracing::debug!(
                            name,
                            error = %String::from_utf8_lossy(&message),
                            "host could not send a file"
                        );
                        break false;
                    }
                }
            };
            if complete {
                files.insert(name, body);
            }
        }
        let status = self.status().await?;
        if !status.is_ok() && status.code != devicelink::status::MULTI_STATUS {
            tracing::debug!(code = status.code, "download answered with an error status");
        }
        Ok(files)
    }

    /// One `DLMessageUploadFiles` batch, then the host's status. The Backup's fault, if any,
    /// bends the stream here.
    async fn upload(&mut self, mut batch: Vec<Upload>, progress: f64, total: u64) -> Outcome {
        let udid = self.device.udid().to_owned();
        let hostile = match self.fault.take() {
            Some(Fault::PathTraversal) => Some(format!("{udid}/../../escape")),
            Some(Fault::ForeignDevice) => Some(format!("{FOREIGN_UDID}/escape")),
            other => {
                self.fault = other;
                None
            }
        };
        if let Some(name) = hostile {
            // Once per backup, ahead of the genuine files: a well-formed file, hostile name.
            tracing::info!(%udid, name, "fault: uploading a file outside the device's folder");
            batch.insert(
                0,
                Upload {
                    device_path: "/var/mobile/escape".into(),
                    backup_path: name,
                    body: Box::new(std::io::Cursor::new(b"written outside\n".to_vec())),
                },
            );
        }
        self.send(&DeviceMessage::UploadFiles {
            progress: Some(progress),
            total_bytes: Some(total),
        })
        .await?;
        let mut buf = vec![0u8; devicelink::UPLOAD_BLOCK];
        for item in batch {
            self.link
                .write_all(&devicelink::encode_file_names(
                    &item.device_path,
                    &item.backup_path,
                ))
                .await?;
            if self.fault == Some(Fault::AbsurdBlock) {
                let mut header = ABSURD_LEN.to_be_bytes().to_vec();
                header.push(devicelink::code::FILE_DATA);
                self.link.write_all(&header).await?;
                return Err(Failure::Hangup(format!(
                    "a block of {ABSURD_LEN:#x} bytes was announced"
                )));
            }
            let mut reader = item.body;
            let mut unreadable = false;
            loop {
                let n = read_full(&mut reader, &mut buf)?;
                if n == 0 {
                    break;
                }
                if unreadable {
                    tracing::info!(%udid, file = item.backup_path, "fault: the file could not be read to its end");
                    self.fault = None;
                    self.link
                        .write_all(&devicelink::encode_error_block(
                            true,
                            "Operation not permitted",
                        ))
                        .await?;
                    break;
                }
                unreadable = self.fault == Some(Fault::UnreadableFile);
                let block = devicelink::encode_data_block(&buf[..n]);
                if let Some(Fault::DropAfterBytes(limit)) = self.fault {
                    let left = limit.saturating_sub(self.file_bytes_sent);
                    if n as u64 > left {
                        // The header and as much data as allowed: the cable goes mid-block.
                        let cut = 5 + left as usize;
                        self.link.write_all(&block[..cut]).await?;
                        return Err(Failure::Hangup(format!(
                            "connection dropped after {limit} bytes of file data"
                        )));
                    }
                }
                self.link.write_all(&block).await?;
                self.file_bytes_sent += n as u64;
            }
            if !unreadable || self.fault.is_some() {
                self.link.write_all(&devicelink::FILE_END).await?;
            }
        }
        self.link.write_all(&devicelink::BATCH_END).await?;
        let status = self.status().await?;
        if !status.is_ok() {
            return Err(Failure::Fatal(Error::protocol(format!(
                "host failed to store uploaded files: {} {:?}",
                status.code, status.description
            ))));
        }
        Ok(())
    }

    async fn backup_run(&mut self, request: &Dictionary) -> Outcome<Done> {
        let force_full = request
            .get("Options")
            .and_then(Value::as_dictionary)
            .and_then(|o| o.get("ForceFullBackup"))
            .and_then(Value::as_boolean)
            .unwrap_or(false);
        self.passcode().await?;
        if let Some(fault) = &self.fault {
            tracing::info!(udid = self.device.udid(), ?fault, "backup with a fault");
        }
        let udid = self.device.udid().to_owned();
        let phone = self.backup().phone()?;
        let encryption = self.backup().encryption();
        let previous = if force_full {
            None
        } else {
            self.previous_backup(&udid, encryption.as_ref()).await?
        };
        let plan = Plan::new(&phone, encryption.is_some(), previous.as_ref());
        tracing::info!(
            udid,
            full = previous.is_none(),
            upload = plan.uploads.len(),
            unchanged = plan.unchanged.len(),
            remove = plan.removed.len(),
            bytes = plan.upload_bytes,
            "backup plan"
        );

        let free = self.request(&DeviceMessage::GetFreeDiskSpace).await?;
        let free_bytes = free.payload.as_ref().and_then(Value::as_unsigned_integer);
        if let Some(free_bytes) = free_bytes.filter(|_| free.is_ok()) {
            let needed = plan.upload_bytes + SPACE_MARGIN;
            if free_bytes < needed {
                return Err(Failure::Refused(Refusal::new(
                    error_code::INSUFFICIENT_SPACE,
                    format!(
                        "Insufficient free disk space on drive to backup: {needed} bytes needed, {free_bytes} available"
                    ),
                )));
            }
        }

        // The host writes blobs into `<UDID>/<xx>/`; it needs the folders first.
        let buckets: BTreeSet<String> = plan
            .uploads
            .iter()
            .map(|f| file_id(&f.key.domain, &f.key.path)[..2].to_owned())
            .collect();
        for bucket in buckets {
            let status = self
                .request(&DeviceMessage::CreateDirectory {
                    path: format!("{udid}/{bucket}"),
                })
                .await?;
            // EEXIST is fine: the bucket is there from an earlier backup.
            if !status.is_ok() && status.code != devicelink::status::EXISTS {
                return Err(Failure::Fatal(Error::protocol(format!(
                    "host could not create {udid}/{bucket}: {}",
                    status.code
                ))));
            }
        }

        let mut entries: Vec<ManifestEntry> = plan.unchanged.clone();
        let mut done_bytes = 0u64;
        let total = plan.upload_bytes.max(1);
        let mut batch = Vec::new();
        let mut batch_bytes = 0u64;
        let mut batch_start = 0u64;
        for file in &plan.uploads {
            let (upload, entry) = upload_of(&udid, file, encryption.as_ref())?;
            entries.push(entry);
            batch_bytes += file.size();
            batch.push(upload);
            if batch.len() >= BATCH_FILES || batch_bytes >= BATCH_BYTES {
                let progress = percent(batch_start, total);
                done_bytes += batch_bytes;
                self.upload(std::mem::take(&mut batch), progress, plan.upload_bytes)
                    .await?;
                batch_start = done_bytes;
                batch_bytes = 0;
            }
        }
        if !batch.is_empty() {
            let progress = percent(batch_start, total);
            self.upload(batch, progress, plan.upload_bytes).await?;
        }

        if !plan.removed.is_empty() {
            let paths: Vec<String> = plan
                .removed
                .iter()
                .map(|id| format!("{udid}/{}/{id}", &id[..2]))
                .collect();
            let status = self
                .request(&DeviceMessage::RemoveItems {
                    paths,
                    progress: Some(100.0),
                })
                .await?;
            if !status.is_ok() && status.code != devicelink::status::NO_SUCH_FILE {
                tracing::warn!(code = status.code, "host could not remove stale files");
            }
        }

        if let Some(Fault::ErrorCode(code, description)) = &self.fault {
            return Err(Failure::Refused(Refusal::new(*code, description.clone())));
        }

        let uuid = previous
            .as_ref()
            .map(|p| p.status.uuid.clone())
            .filter(|u| !u.is_empty())
            .unwrap_or_else(crate::state::random_uuid);
        let finals = self.final_files(
            &udid,
            &phone,
            entries,
            encryption.as_ref(),
            uuid,
            previous.is_none(),
        )?;
        self.upload(finals, 100.0, 0).await?;
        Ok(Done::default())
    }

    /// The host's previous backup of this device, if it is complete and readable with the
    /// device's current keys; `None` makes the backup full.
    async fn previous_backup(
        &mut self,
        udid: &str,
        encryption: Option<&BackupEncryption>,
    ) -> Result<Option<Previous>> {
        let status_path = format!("{udid}/Status.plist");
        let got = self
            .download(std::slice::from_ref(&status_path), 0.0)
            .await?;
        let Some(status) = got
            .get(&status_path)
            .and_then(|b| parse_plist::<StatusPlist>(b))
        else {
            return Ok(None);
        };
        if !status.is_finished() {
            tracing::info!("previous backup was interrupted: full backup");
            return Ok(None);
        }
        let names = [
            format!("{udid}/Manifest.plist"),
            format!("{udid}/Manifest.db"),
        ];
        let mut got = self.download(&names, 0.0).await?;
        let (Some(manifest), Some(db)) = (got.remove(&names[0]), got.remove(&names[1])) else {
            return Ok(None);
        };
        let Some(manifest) = parse_plist::<ManifestPlist>(&manifest) else {
            return Ok(None);
        };
        let db = match (manifest.is_encrypted, encryption) {
            (false, None) => ManifestDb::from_bytes(&db).ok(),
            (true, Some(enc)) => {
                let same_keybag = manifest
                    .keybag()
                    .ok()
                    .is_some_and(|kb| kb.uuid == enc.keybag.uuid);
                match manifest.manifest_key() {
                    Ok(Some(key)) if same_keybag => decrypt_manifest_db(&enc.keys, &key, &db).ok(),
                    _ => None,
                }
            }
            // Encryption was turned on or off since: every file must be sent again.
            _ => None,
        };
        let Some(db) = db else {
            tracing::info!("previous Manifest.db unusable: full backup");
            return Ok(None);
        };
        let entries = match db.entries() {
            Ok(e) => e,
            Err(e) => {
                tracing::info!(error = %e, "previous Manifest.db unreadable: full backup");
                return Ok(None);
            }
        };
        Ok(Some(Previous { status, entries }))
    }

    /// Manifest.db, Manifest.plist and Status.plist of the snapshot just made.
    fn final_files(
        &self,
        udid: &str,
        phone: &Phone,
        entries: Vec<ManifestEntry>,
        encryption: Option<&BackupEncryption>,
        uuid: String,
        full: bool,
    ) -> Outcome<Vec<Upload>> {
        let mut db = ManifestDb::new()?;
        db.insert(&entries)?;
        db.insert(&directories_of(&entries))?;
        let p = &self.device.profile;
        let mut manifest = ManifestPlist::new(Lockdown {
            build_version: p.build_version.clone(),
            device_name: p.name.clone(),
            product_type: p.product_type.clone(),
            product_version: p.product_version.clone(),
            serial_number: p.serial_number.clone(),
            unique_device_id: p.udid.clone(),
            other: Dictionary::new(),
        });
        manifest.system_domains_version = Some("24.0".into());
        manifest.was_passcode_set = true;
        for app in phone.apps() {
            let mut d = Dictionary::new();
            d.insert("CFBundleIdentifier".into(), app.bundle_id.into());
            d.insert("CFBundleVersion".into(), app.version.into());
            d.insert("ContainerContentClass".into(), "Data/Application".into());
            manifest
                .applications
                .insert(app.bundle_id.into(), Value::Dictionary(d));
        }
        let db_bytes = match encryption {
            Some(enc) => {
                let (key, ciphertext) = encrypt_manifest_db(&enc.keys, &mut db)?;
                manifest.is_encrypted = true;
                manifest.manifest_key = Some(key.to_bytes().to_vec().into());
                manifest.backup_key_bag = Some(enc.keybag.to_bytes().into());
                ciphertext
            }
            None => db.to_bytes()?,
        };
        let status = StatusPlist::finished(uuid, full);
        let item = |name: &str, bytes: Vec<u8>| Upload {
            device_path: format!("/var/mobile/Library/Backup/{name}"),
            backup_path: format!("{udid}/{name}"),
            body: Box::new(std::io::Cursor::new(bytes)),
        };
        Ok(vec![
            item("Manifest.db", db_bytes),
            item("Manifest.plist", manifest.to_binary()?),
            item("Status.plist", status.to_binary()?),
        ])
    }

    /// Restore: the device downloads the host's backup, every file of it, and checks what it
    /// receives against the snapshot's Manifest.db and against the phone's own content (the
    /// result is [`DeviceBackup::last_restore`]). Every file must arrive intact for success.
    async fn restore(&mut self, request: &Dictionary) -> Outcome<Done> {
        let source = source_identifier(request, self.device.udid())?;
        let options = request.get("Options").and_then(Value::as_dictionary);
        let password = options
            .and_then(|o| o.get("Password"))
            .or_else(|| request.get("Password"))
            .and_then(Value::as_string)
            .map(str::to_owned);
        self.passcode().await?;
        let snapshot = self.host_snapshot(&source, true).await?;
        let properties = || {
            Failure::Refused(Refusal::new(
                error_code::BACKUP_PROPERTIES,
                "Error reading backup properties",
            ))
        };
        let (Some(status), Some(manifest), Some(db)) =
            (snapshot.status, snapshot.manifest, snapshot.db.as_deref())
        else {
            return Err(properties());
        };
        if !status.is_finished() {
            return Err(properties());
        }
        let keys = if manifest.is_encrypted {
            let Some(password) = password else {
                return Err(Failure::Refused(Refusal::new(
                    error_code::INVALID_PASSWORD,
                    "Invalid password (MBErrorDomain/207)",
                )));
            };
            let keybag = manifest.keybag().map_err(|_| properties())?;
            // Key derivation: seconds at real counts, so off the I/O threads.
            let unlocked = tokio::task::spawn_blocking(move || keybag.unlock(&password))
                .await
                .map_err(|e| Failure::Fatal(internal(e)))?;
            match unlocked {
                Ok(keys) => Some(keys),
                Err(keepsake_mobilesync::Error::WrongPassword) => {
                    return Err(Failure::Refused(Refusal::new(
                        error_code::INVALID_PASSWORD,
                        "Invalid password (MBErrorDomain/207)",
                    )))
                }
                Err(_) => return Err(properties()),
            }
        } else {
            None
        };
        let db = match &keys {
            Some(keys) => {
                let key = manifest
                    .manifest_key()
                    .ok()
                    .flatten()
                    .ok_or_else(properties)?;
                decrypt_manifest_db(keys, &key, db).map_err(|_| properties())?
            }
            None => ManifestDb::from_bytes(db).map_err(|_| properties())?,
        };
        let files: Vec<ManifestEntry> = db
            .entries()
            .map_err(|_| properties())?
            .into_iter()
            .filter(|e| e.kind == EntryKind::File)
            .collect();
        let phone = self.backup().phone()?;
        let mut report = RestoreReport {
            files: files.len(),
            ..RestoreReport::default()
        };
        let total: u64 = files.iter().filter_map(|e| e.file.size).sum::<u64>().max(1);
        let mut done = 0u64;
        let mut start = 0;
        while start < files.len() {
            // Batches bounded in count and bytes: the device holds one batch in memory.
            let mut end = start;
            let mut batch_bytes = 0u64;
            while end < files.len() && end - start < BATCH_FILES && batch_bytes < BATCH_BYTES {
                batch_bytes += files[end].file.size.unwrap_or(0);
                end += 1;
            }
            let batch = &files[start..end];
            let paths: Vec<String> = batch
                .iter()
                .map(|e| format!("{source}/{}/{}", &e.file_id[..2], e.file_id))
                .collect();
            let mut got = self.download(&paths, percent(done, total)).await?;
            for (entry, path) in batch.iter().zip(&paths) {
                let key = (entry.domain.clone(), entry.relative_path.clone());
                let Some(blob) = got.remove(path) else {
                    report.missing.push(key);
                    continue;
                };
                let plain = match &keys {
                    Some(keys) => {
                        let mut out = Vec::new();
                        let read = decrypt_file(keys, &entry.file, std::io::Cursor::new(blob))
                            .map(|mut r| r.read_to_end(&mut out));
                        match read {
                            Ok(Ok(_)) => out,
                            _ => {
                                report.corrupt.push(key);
                                continue;
                            }
                        }
                    }
                    None => blob,
                };
                if entry.file.size != Some(plain.len() as u64) {
                    report.corrupt.push(key);
                    continue;
                }
                report.bytes += plain.len() as u64;
                done += plain.len() as u64;
                match phone.file(&entry.domain, &entry.relative_path) {
                    Some(f) if f.size() == plain.len() as u64 && f.read_all() == plain => {
                        report.matching += 1
                    }
                    Some(_) => report.differing.push(key),
                    None => report.not_on_phone.push(key),
                }
            }
            start = end;
        }
        tracing::info!(
            udid = self.device.udid(),
            files = report.files,
            matching = report.matching,
            differing = report.differing.len(),
            missing = report.missing.len(),
            corrupt = report.corrupt.len(),
            "restore received"
        );
        let intact = report.missing.is_empty() && report.corrupt.is_empty();
        self.backup().set_last_restore(report);
        if intact {
            Ok(Done::default())
        } else {
            Err(properties())
        }
    }

    /// The plists (and Manifest.db when `with_db`) of the host's backup in folder `source`;
    /// what is missing or unreadable is `None`.
    async fn host_snapshot(&mut self, source: &str, with_db: bool) -> Result<HostSnapshot> {
        let mut names = vec![
            format!("{source}/Status.plist"),
            format!("{source}/Manifest.plist"),
        ];
        if with_db {
            names.push(format!("{source}/Manifest.db"));
        }
        let mut got = self.download(&names, 0.0).await?;
        Ok(HostSnapshot {
            status: got.get(&names[0]).and_then(|b| parse_plist(b)),
            manifest: got.get(&names[1]).and_then(|b| parse_plist(b)),
            db: names.get(2).and_then(|n| got.remove(n)),
        })
    }

    /// Info: a summary of the host's last backup of this device.
    async fn info(&mut self, request: &Dictionary) -> Outcome<Done> {
        let source = source_identifier(request, self.device.udid())?;
        let snapshot = self.host_snapshot(&source, false).await?;
        let (Some(manifest), Some(status)) = (snapshot.manifest, snapshot.status) else {
            return Err(Failure::Refused(Refusal::new(
                error_code::NO_SUCH_FILE,
                "No backup found",
            )));
        };
        let l = &manifest.lockdown;
        let content = format!(
            "Device Name: {}\nProduct Type: {}\nProduct Version: {}\nBuild Version: {}\nSerial Number: {}\nUnique Identifier: {}\nBackup UUID: {}\nSnapshot State: {}\nFull Backup: {}\nEncrypted: {}\n",
            l.device_name,
            l.product_type,
            l.product_version,
            l.build_version,
            l.serial_number,
            l.unique_device_id,
            status.uuid,
            status.snapshot_state,
            status.is_full_backup,
            manifest.is_encrypted,
        );
        Ok(Done {
            content: Some(content),
        })
    }

    /// List: the files of the host's last backup, as CSV.
    async fn list(&mut self, request: &Dictionary) -> Outcome<Done> {
        let source = source_identifier(request, self.device.udid())?;
        let snapshot = self.host_snapshot(&source, true).await?;
        let (Some(manifest), Some(db)) = (snapshot.manifest, snapshot.db.as_deref()) else {
            return Err(Failure::Refused(Refusal::new(
                error_code::NO_SUCH_FILE,
                "No backup found",
            )));
        };
        let db = if manifest.is_encrypted {
            let enc = self.backup().encryption();
            match (enc, manifest.manifest_key()) {
                (Some(enc), Ok(Some(key))) => decrypt_manifest_db(&enc.keys, &key, db).ok(),
                _ => None,
            }
        } else {
            ManifestDb::from_bytes(db).ok()
        };
        let Some(db) = db else {
            return Err(Failure::Refused(Refusal::new(
                error_code::BACKUP_PROPERTIES,
                "Error reading backup properties",
            )));
        };
        let mut content =
            String::from("\"FileID\",\"Domain\",\"RelativePath\",\"Flags\",\"Size\"\n");
        for e in db.entries()? {
            content.push_str(&format!(
                "\"{}\",\"{}\",\"{}\",{},{}\n",
                e.file_id,
                csv_escape(&e.domain),
                csv_escape(&e.relative_path),
                e.kind.flags(),
                e.file.size.unwrap_or(0)
            ));
        }
        Ok(Done {
            content: Some(content),
        })
    }

    /// ChangePassword: NewPassword alone turns encryption on, OldPassword alone turns it off,
    /// both change the password. A wrong old password is error 207, as on real devices.
    async fn change_password(&mut self, request: &Dictionary) -> Outcome<Done> {
        let text = |k: &str| {
            request
                .get(k)
                .and_then(Value::as_string)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let (old, new) = (text("OldPassword"), text("NewPassword"));
        if old.is_none() && new.is_none() {
            return Err(Failure::Refused(Refusal::new(
                error_code::GENERIC,
                "ChangePassword needs OldPassword or NewPassword",
            )));
        }
        self.passcode().await?;
        let device = self.device.clone();
        // Key derivation costs seconds at real iteration counts: keep it off the I/O threads.
        let outcome = tokio::task::spawn_blocking(move || -> Outcome<Done> {
            let backup = device.backup();
            let current = backup.encryption();
            let invalid = || {
                Failure::Refused(Refusal::new(
                    error_code::INVALID_PASSWORD,
                    "Invalid password (MBErrorDomain/207)",
                ))
            };
            match (current, old, new) {
                (None, None, Some(new)) => backup.enable_encryption(&new)?,
                (None, Some(_), _) | (Some(_), None, _) => return Err(invalid()),
                (None, None, None) => unreachable!("checked above"),
                (Some(mut enc), Some(old), new) => {
                    if !password_matches(&enc, &old)? {
                        return Err(invalid());
                    }
                    match new {
                        Some(new) => {
                            enc.change_password(&new, backup.options().kdf)?;
                            backup.set_encryption(Some(enc))?;
                        }
                        None => backup.set_encryption(None)?,
                    }
                }
            }
            Ok(Done::default())
        })
        .await
        .map_err(|e| Failure::Fatal(internal(e)))?;
        if outcome.is_ok() {
            // Hosts observe this to learn that WillEncrypt changed.
            self.device.post_notification(BACKUP_DOMAIN_CHANGED);
            tracing::info!(
                udid = self.device.udid(),
                encrypted = self.backup().will_encrypt(),
                "backup password changed"
            );
        }
        outcome
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

/// Whether `password` unlocks the keybag to the class keys the device holds.
fn password_matches(enc: &BackupEncryption, password: &str) -> Outcome<bool> {
    match enc.keybag.unlock(password) {
        Ok(keys) => Ok(keys == enc.keys),
        Err(keepsake_mobilesync::Error::WrongPassword) => Ok(false),
        Err(e) => Err(e.into()),
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

fn csv_escape(s: &str) -> String {
    s.replace('"', "\"\"")
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

/// Fills `buf` as far as the reader allows; fewer bytes only at the end.
fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = reader.read(&mut buf[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// What the host holds of one backup, as downloaded.
struct HostSnapshot {
    status: Option<StatusPlist>,
    manifest: Option<ManifestPlist>,
    db: Option<Vec<u8>>,
}

/// The host's previous snapshot.
struct Previous {
    status: StatusPlist,
    entries: Vec<ManifestEntry>,
}

/// What a backup sends, keeps and removes.
struct Plan<'a> {
    uploads: Vec<&'a FileEntry>,
    /// Entries of the previous Manifest.db kept as they were (encryption keys included).
    unchanged: Vec<ManifestEntry>,
    /// File IDs whose blobs the host must delete.
    removed: Vec<String>,
    upload_bytes: u64,
}

impl<'a> Plan<'a> {
    fn new(phone: &'a Phone, encrypted: bool, previous: Option<&Previous>) -> Plan<'a> {
        let mut before: BTreeMap<&str, &ManifestEntry> = previous
            .map(|p| p.entries.iter().map(|e| (e.file_id.as_str(), e)).collect())
            .unwrap_or_default();
        let mut plan = Plan {
            uploads: Vec::new(),
            unchanged: Vec::new(),
            removed: Vec::new(),
            upload_bytes: 0,
        };
        for file in phone.backup_files(encrypted) {
            let id = file_id(&file.key.domain, &file.key.path);
            let old = before.remove(id.as_str());
            let same = old.is_some_and(|e| {
                e.kind == EntryKind::File
                    && e.domain == file.key.domain
                    && e.relative_path == file.key.path
                    && e.file.size == Some(file.size())
                    && e.file.last_modified == file.mtime
                    && e.file.mode == file.mode
                    && e.file.protection_class == u32::from(file.protection_class)
                    && e.file.encryption_key.is_some() == encrypted
            });
            match old {
                Some(e) if same => plan.unchanged.push(e.clone()),
                _ => {
                    plan.upload_bytes += file.size();
                    plan.uploads.push(file);
                }
            }
        }
        plan.removed = before
            .into_values()
            .filter(|e| e.kind == EntryKind::File)
            .map(|e| e.file_id.clone())
            .collect();
        plan
    }
}

/// One file of an upload batch.
struct Upload {
    device_path: String,
    backup_path: String,
    body: Box<dyn Read + Send>,
}

/// The stream to upload for `file` (encrypted with a fresh key when the backup is) and its
/// Manifest.db row. `Size` is the plaintext size, which the generator knows up front.
fn upload_of(
    udid: &str,
    file: &FileEntry,
    encryption: Option<&BackupEncryption>,
) -> Outcome<(Upload, ManifestEntry)> {
    let id = file_id(&file.key.domain, &file.key.path);
    let blob = blob_path(&id)?;
    let mut mb = MbFile {
        relative_path: file.key.path.clone(),
        size: Some(file.size()),
        mode: file.mode,
        last_modified: file.mtime,
        last_status_change: file.mtime,
        birth: file.mtime,
        inode: inode_of(&id),
        user_id: 501,
        group_id: 501,
        protection_class: u32::from(file.protection_class),
        ..MbFile::default()
    };
    let body: Box<dyn Read + Send> = match encryption {
        Some(enc) => {
            let (key, reader) = encrypt_file(&enc.keys, mb.protection_class, file.reader())?;
            mb.encryption_key = Some(key);
            Box::new(reader)
        }
        None => file.reader(),
    };
    let upload = Upload {
        device_path: format!("/var/mobile/{}", file.key.path),
        backup_path: format!("{udid}/{}", blob.to_string_lossy()),
        body,
    };
    Ok((
        upload,
        ManifestEntry::new(file.key.domain.clone(), EntryKind::File, mb),
    ))
}

/// The directory rows real Manifest.dbs carry besides files: every domain's root (relative
/// path "") and every folder above a file, dated by their newest file.
fn directories_of(files: &[ManifestEntry]) -> Vec<ManifestEntry> {
    let mut dirs: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for f in files {
        let mut path = f.relative_path.as_str();
        loop {
            path = path.rsplit_once('/').map_or("", |(parent, _)| parent);
            let newest = dirs.entry((f.domain.as_str(), path)).or_insert(i64::MIN);
            *newest = (*newest).max(f.file.last_modified);
            if path.is_empty() {
                break;
            }
        }
    }
    dirs.into_iter()
        .map(|((domain, path), mtime)| {
            let id = file_id(domain, path);
            let dir = MbFile {
                relative_path: path.to_owned(),
                size: Some(0),
                mode: MODE_DIRECTORY,
                last_modified: mtime,
                last_status_change: mtime,
                birth: mtime,
                inode: inode_of(&id),
                user_id: 501,
                group_id: 501,
                ..MbFile::default()
            };
            ManifestEntry::new(domain, EntryKind::Directory, dir)
        })
        .collect()
}

/// A stable inode number per file, as a real filesystem would keep across backups.
fn inode_of(file_id: &str) -> u64 {
    u64::from_str_radix(&file_id[..12], 16).unwrap_or(0)
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
    fn every_folder_above_a_file_and_each_domain_root_get_a_directory_row() {
        let file = |domain: &str, path: &str, mtime: i64| {
            let mb = MbFile {
                relative_path: path.into(),
                last_modified: mtime,
                ..MbFile::default()
            };
            ManifestEntry::new(domain, EntryKind::File, mb)
        };
        let dirs = directories_of(&[
            file("HomeDomain", "Library/SMS/sms.db", 5),
            file("HomeDomain", "Library/Preferences/a.plist", 9),
            file("CameraRollDomain", "x.heic", 1),
        ]);
        let rows: Vec<(&str, &str, i64)> = dirs
            .iter()
            .map(|d| {
                (
                    d.domain.as_str(),
                    d.relative_path.as_str(),
                    d.file.last_modified,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("CameraRollDomain", "", 1),
                ("HomeDomain", "", 9),
                ("HomeDomain", "Library", 9),
                ("HomeDomain", "Library/Preferences", 9),
                ("HomeDomain", "Library/SMS", 5),
            ]
        );
        assert!(dirs
            .iter()
            .all(|d| d.kind == EntryKind::Directory && d.file.mode == MODE_DIRECTORY));
    }

    #[test]
    fn progress_is_a_bounded_percentage() {
        assert_eq!(percent(0, 10), 0.0);
        assert_eq!(percent(5, 10), 50.0);
        assert_eq!(percent(20, 10), 100.0);
    }
}
