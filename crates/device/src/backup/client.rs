//! The mobilebackup2 client: the DeviceLink and protocol handshakes, the operations a host asks
//! for (Backup, Restore, ChangePassword), and serving the device's requests against a folder.

use crate::Step;
use std::io::{self, Read};

use idevice::{IdeviceError, ReadWrite};
use keepsake_devicelink::{self as dl, status, Block, DeviceMessage, HostMessage, StatusResponse};
use plist::{Dictionary, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::folder::{checked_file_path, checked_path, is_plain_udid, BackupFolder, NoFiles};
use crate::error::{DeviceError, Result};
use crate::usbmux::{Attachment, PairRecord, Usbmuxd};

const SERVICE: &str = "com.apple.mobilebackup2";

/// What the backup reports while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum BackupEvent {
    /// The device's overall progress (0–100) and what this host has received so far.
    Progress {
        percent: f64,
        bytes_received: u64,
        files_received: u64,
    },
}

/// How a restore asks the device to apply the backup.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// The backup's password, when it is encrypted.
    pub password: Option<String>,
    /// Restore system files (settings, accounts) too, not only app data.
    pub system_files: bool,
    /// Let the device restart when it is done (real devices apply a restore on restart).
    pub reboot: bool,
    /// The UDID of the device the backup was made of, when it is another one (a new phone set
    /// up from the old one's backup): the folder is `<source>/...`, and the device is told so
    /// (`SourceIdentifier`), as Finder does. `None`: the device's own backup.
    pub source: Option<String>,
}

/// How the backup ended, when the device says it succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub files_received: u64,
    pub bytes_received: u64,
    pub files_removed: u64,
    /// Files the device started to send and then could not (it reported an error mid-file):
    /// their previous versions, if any, are kept. Paths as the device named them.
    pub files_failed: Vec<String>,
}

/// How long a device may stay silent before the operation is given up. A phone preparing its
/// backup (or waiting for its passcode, iOS 16.1+) sends nothing for minutes; once files flow it
/// never pauses for long. A phone out of Wi-Fi range, frozen, or behind a link that died
/// without closing would otherwise hold the operation (and the device's job) for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SilenceLimits {
    /// Before the first file data: the device prepares, or waits for its passcode.
    pub preparing: std::time::Duration,
    /// Once file data has come: between two reads or writes.
    pub transferring: std::time::Duration,
}

impl Default for SilenceLimits {
    fn default() -> Self {
        SilenceLimits {
            preparing: std::time::Duration::from_secs(15 * 60),
            transferring: std::time::Duration::from_secs(60),
        }
    }
}

/// An open mobilebackup2 connection, after the DeviceLink handshake and Hello.
pub struct Mobilebackup2 {
    /// The service connection (TLS to a device), read and written directly: file data is read
    /// into the folder's own buffers.
    socket: Box<dyn ReadWrite>,
    silence: SilenceLimits,
    /// File data has come: the shorter silence limit applies.
    data_seen: bool,
    udid: String,
    /// The device whose backup folder the operation reads or writes (`<folder_udid>/...`): the
    /// device itself, except while restoring another device's backup onto it.
    folder_udid: String,
}

impl Mobilebackup2 {
    /// Starts a lockdown session with the pair record, the service (with the escrow bag, which
    /// real devices demand for backups), its TLS, and the DeviceLink and protocol handshakes.
    pub async fn open(usbmuxd: &Usbmuxd, device: &Attachment, record: &PairRecord) -> Result<Self> {
        let socket = usbmuxd
            .start_service(device, record, SERVICE, true, Step::StartingBackupService)
            .await?
            .get_socket()
            .ok_or_else(|| DeviceError::Malformed {
                device: device.udid.clone(),
                what: Step::StartingBackupService,
                detail: "the service connection is already closed".into(),
            })?;
        let mut mb = Mobilebackup2 {
            socket,
            silence: SilenceLimits::default(),
            data_seen: false,
            udid: device.udid.clone(),
            folder_udid: device.udid.clone(),
        };
        mb.handshake().await?;
        Ok(mb)
    }

    /// The same client over any byte stream, after the same handshakes as [`Mobilebackup2::open`]
    /// but without usbmuxd, lockdownd or TLS: what the fuzz targets drive with arbitrary device
    /// bytes. `udid` is the device it stands for. Not for products: a real device is reached
    /// through `open`.
    #[doc(hidden)]
    pub async fn over_stream<S>(stream: S, udid: &str) -> Result<Self>
    where
        S: tokio::io::AsyncRead
            + tokio::io::AsyncWrite
            + Unpin
            + Send
            + Sync
            + std::fmt::Debug
            + 'static,
    {
        let mut mb = Mobilebackup2 {
            socket: Box::new(stream),
            silence: SilenceLimits::default(),
            data_seen: false,
            udid: udid.to_owned(),
            folder_udid: udid.to_owned(),
        };
        mb.handshake().await?;
        Ok(mb)
    }

    async fn handshake(&mut self) -> Result<()> {
        let first = self.receive().await?;
        match DeviceMessage::parse(&first) {
            Ok(DeviceMessage::VersionExchange { major, .. }) if major > dl::VERSION_MAJOR => {
                return Err(self.malformed(
                    Step::Handshake,
                    format!("version {major} is newer than Keepsake knows"),
                ));
            }
            Ok(DeviceMessage::VersionExchange { .. }) => {}
            _ => return Err(self.malformed(Step::Handshake, dl::describe(&first))),
        }
        self.send(&HostMessage::VersionsOk {
            major: dl::VERSION_MAJOR,
        })
        .await?;
        let ready = self.receive().await?;
        if DeviceMessage::parse(&ready) != Ok(DeviceMessage::DeviceReady) {
            return Err(self.malformed(Step::Handshake, dl::describe(&ready)));
        }
        let mut hello = Dictionary::new();
        hello.insert("MessageName".into(), "Hello".into());
        hello.insert(
            "SupportedProtocolVersions".into(),
            Value::Array(vec![Value::Real(2.0), Value::Real(2.1)]),
        );
        self.send(&HostMessage::ProcessMessage(hello)).await?;
        let reply = self.receive().await?;
        match DeviceMessage::parse(&reply) {
            Ok(DeviceMessage::ProcessMessage(d)) if dl::outcome(&d).0 == status::OK => Ok(()),
            Ok(DeviceMessage::ProcessMessage(d)) => {
                let (code, text) = dl::outcome(&d);
                Err(self.malformed(
                    Step::Request("Hello"),
                    format!("error {code}: {}", text.unwrap_or_default()),
                ))
            }
            Ok(other) => {
                Err(self.malformed(Step::Request("Hello"), format!("answered {}", other.name())))
            }
            Err(e) => Err(self.malformed(Step::Request("Hello"), e.to_string())),
        }
    }

    fn malformed(&self, what: Step, detail: String) -> DeviceError {
        DeviceError::Malformed {
            device: self.udid.clone(),
            what,
            detail,
        }
    }

    fn io(&self, what: Step) -> impl Fn(io::Error) -> DeviceError + '_ {
        move |e| {
            if connection_lost(&e) {
                DeviceError::ConnectionLost {
                    device: self.udid.clone(),
                    what,
                    source: e,
                }
            } else {
                DeviceError::Protocol {
                    device: self.udid.clone(),
                    what,
                    source: IdeviceError::Socket(e),
                }
            }
        }
    }

    /// The silence limits of this connection (the defaults until set).
    pub fn with_silence_limits(mut self, limits: SilenceLimits) -> Self {
        self.silence = limits;
        self
    }

    fn silence_limit(&self) -> std::time::Duration {
        if self.data_seen {
            self.silence.transferring
        } else {
            self.silence.preparing
        }
    }

    fn silent(&self, what: Step) -> DeviceError {
        let seconds = self.silence_limit().as_secs();
        tracing::warn!(device = self.udid, what = ?what, seconds, "the device went silent");
        DeviceError::Silent {
            device: self.udid.clone(),
            what,
            seconds,
        }
    }

    async fn send(&mut self, message: &HostMessage) -> Result<()> {
        let bytes = dl::encode_message(&message.to_value())
            .map_err(|e| self.malformed(Step::EncodingMessage, e.to_string()))?;
        self.send_bytes(&bytes, Step::Sending).await
    }

    /// Sends `bytes`; a device that takes nothing for the silence limit is [`DeviceError::Silent`].
    async fn send_bytes(&mut self, bytes: &[u8], what: Step) -> Result<()> {
        let limit = self.silence_limit();
        let socket = &mut self.socket;
        let sent = async move {
            socket.write_all(bytes).await?;
            socket.flush().await
        };
        match tokio::time::timeout(limit, sent).await {
            Ok(sent) => sent.map_err(self.io(what)),
            Err(_) => Err(self.silent(what)),
        }
    }

    /// Exactly `n` bytes from the device (none for 0), `what` naming the step if it fails; a
    /// device that sends nothing for the silence limit is [`DeviceError::Silent`].
    async fn read_exact(&mut self, n: usize, what: Step) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.read_into(&mut bytes, n, what).await?;
        Ok(bytes)
    }

    /// [`Self::read_exact`] into `buf` (emptied first; its memory is reused).
    async fn read_into(&mut self, buf: &mut Vec<u8>, n: usize, what: Step) -> Result<()> {
        buf.clear();
        if n == 0 {
            return Ok(());
        }
        buf.resize(n, 0);
        let limit = self.silence_limit();
        match tokio::time::timeout(limit, self.socket.read_exact(buf)).await {
            Ok(read) => read.map(drop).map_err(self.io(what)),
            Err(_) => Err(self.silent(what)),
        }
    }

    async fn read_array<const N: usize>(&mut self, what: Step) -> Result<[u8; N]> {
        let bytes = self.read_exact(N, what).await?;
        bytes.try_into().map_err(|b: Vec<u8>| {
            self.malformed(what, format!("{} bytes where {N} were read", b.len()))
        })
    }

    async fn receive(&mut self) -> Result<Value> {
        let prefix = self.read_array(Step::Receiving).await?;
        let len = dl::parse_message_len(prefix)
            .map_err(|e| self.malformed(Step::Message, e.to_string()))?;
        let body = self.read_exact(len, Step::Receiving).await?;
        dl::decode_message(&body).map_err(|e| self.malformed(Step::Message, e.to_string()))
    }

    async fn status(&mut self, status: StatusResponse) -> Result<()> {
        self.send(&HostMessage::StatusResponse(status)).await
    }

    /// Runs a backup into `folder`. `full` asks the device to send everything even if the folder
    /// holds a previous backup. Only a device-reported success returns `Ok`.
    pub async fn backup(
        &mut self,
        folder: &mut dyn BackupFolder,
        full: bool,
        on_event: impl FnMut(BackupEvent) + Send,
    ) -> Result<BackupSummary> {
        let mut options = Dictionary::new();
        options.insert("ForceFullBackup".into(), full.into());
        let mut extra = Dictionary::new();
        extra.insert("Options".into(), Value::Dictionary(options));
        self.send(&self.request("Backup", extra)).await?;
        self.serve(folder, on_event).await
    }

    /// Restores the backup in `folder` (`<root>/<UDID>/…`, Finder's layout) onto the device:
    /// the device downloads what it needs and applies it. `password` is the backup's, when it is
    /// encrypted. Only a device-reported success returns `Ok`.
    pub async fn restore(
        &mut self,
        folder: &mut dyn BackupFolder,
        options: &RestoreOptions,
        on_event: impl FnMut(BackupEvent) + Send,
    ) -> Result<BackupSummary> {
        let mut opts = Dictionary::new();
        opts.insert("RestoreShouldReboot".into(), options.reboot.into());
        opts.insert("RestoreDontCopyBackup".into(), true.into());
        opts.insert("RestorePreserveSettings".into(), true.into());
        opts.insert("RestoreSystemFiles".into(), options.system_files.into());
        opts.insert("RemoveItemsNotRestored".into(), false.into());
        if let Some(p) = &options.password {
            opts.insert("Password".into(), p.as_str().into());
        }
        let mut extra = Dictionary::new();
        extra.insert("Options".into(), Value::Dictionary(opts));
        let source = options.source.clone().unwrap_or_else(|| self.udid.clone());
        if !is_plain_udid(&source) {
            return Err(self.malformed(Step::SourceDevice, format!("{source:?} is not a UDID")));
        }
        self.folder_udid = source;
        let request = self.request("Restore", extra);
        let result = match self.send(&request).await {
            Ok(()) => self.serve(folder, on_event).await,
            Err(e) => Err(e),
        };
        self.folder_udid = self.udid.clone();
        result
    }

    /// Turns the device's backup encryption on (`new` only), off (`old` only) or changes its
    /// password (both). The device may ask for its passcode first. A wrong `old` is error 207.
    pub async fn change_password(&mut self, old: Option<&str>, new: Option<&str>) -> Result<()> {
        let mut extra = Dictionary::new();
        if let Some(old) = old {
            extra.insert("OldPassword".into(), old.into());
        }
        if let Some(new) = new {
            extra.insert("NewPassword".into(), new.into());
        }
        self.send(&self.request("ChangePassword", extra)).await?;
        self.serve(&mut NoFiles, |_| {}).await.map(|_| ())
    }

    /// The request that starts an operation; `extra` holds its own keys (`Options`,
    /// `OldPassword`, …).
    fn request(&self, name: &str, extra: Dictionary) -> HostMessage {
        let mut d = extra;
        d.insert("MessageName".into(), name.into());
        d.insert("TargetIdentifier".into(), self.udid.as_str().into());
        d.insert("SourceIdentifier".into(), self.folder_udid.as_str().into());
        HostMessage::ProcessMessage(d)
    }

    /// Serves the device's requests against `folder` until it reports the operation's result.
    async fn serve(
        &mut self,
        folder: &mut dyn BackupFolder,
        mut on_event: impl FnMut(BackupEvent) + Send,
    ) -> Result<BackupSummary> {
        let mut summary = BackupSummary {
            files_received: 0,
            bytes_received: 0,
            files_removed: 0,
            files_failed: Vec::new(),
        };
        let mut percent = 0.0;
        loop {
            let message = self.receive().await?;
            let request = DeviceMessage::parse(&message)
                .map_err(|e| self.malformed(Step::DeviceRequest, e.to_string()))?;
            // The request's name only: a device's plist is never `Debug`-printed (see `dl::describe`).
            tracing::trace!(udid = self.udid, request = request.name(), "device request");
            match request {
                DeviceMessage::DownloadFiles { paths, progress } => {
                    percent = progress.unwrap_or(percent);
                    self.send_files(folder, &paths).await?;
                }
                DeviceMessage::UploadFiles { progress, .. } => {
                    percent = progress.unwrap_or(percent);
                    self.receive_files(folder, &mut summary, percent, &mut on_event)
                        .await?;
                }
                DeviceMessage::GetFreeDiskSpace => {
                    let free = folder.free_space().unwrap_or(0);
                    self.status(StatusResponse::ok(Some(Value::Integer(free.into()))))
                        .await?;
                }
                DeviceMessage::PurgeDiskSpace { .. } => {
                    // Nothing here can be purged on the device's behalf; it then decides (usually 105).
                    self.status(StatusResponse {
                        payload: Some(Value::Dictionary(Dictionary::new())),
                        ..StatusResponse::error(status::UNSPECIFIED, "Operation not supported")
                    })
                    .await?;
                }
                DeviceMessage::ContentsOfDirectory { path } => {
                    let path = checked_path(&self.folder_udid, &path)?;
                    let mut listing = Dictionary::new();
                    for (name, is_dir, size, mtime) in folder.list(&path).unwrap_or_default() {
                        let mut e = Dictionary::new();
                        e.insert(
                            "DLFileType".into(),
                            if is_dir {
                                "DLFileTypeDirectory"
                            } else {
                                "DLFileTypeRegular"
                            }
                            .into(),
                        );
                        e.insert("DLFileSize".into(), size.into());
                        e.insert(
                            "DLFileModificationDate".into(),
                            Value::Date(unix_date(mtime)),
                        );
                        listing.insert(name, Value::Dictionary(e));
                    }
                    self.status(StatusResponse::ok(Some(Value::Dictionary(listing))))
                        .await?;
                }
                DeviceMessage::CreateDirectory { path } => {
                    let path = checked_path(&self.folder_udid, &path)?;
                    let r = folder.create_dir(&path);
                    self.reply(r).await?;
                }
                DeviceMessage::MoveItems { moves, progress } => {
                    percent = progress.unwrap_or(percent);
                    // All checked before any is done: a hostile batch changes nothing.
                    let moves = moves
                        .iter()
                        .map(|(from, to)| {
                            Ok((
                                checked_file_path(&self.folder_udid, from)?,
                                checked_file_path(&self.folder_udid, to)?,
                            ))
                        })
                        .collect::<Result<Vec<_>>>()?;
                    let mut result = Ok(());
                    for (from, to) in moves {
                        result = result.and_then(|()| folder.rename(&from, &to));
                    }
                    self.reply(result).await?;
                }
                DeviceMessage::RemoveItems { paths, progress } => {
                    percent = progress.unwrap_or(percent);
                    let paths = paths
                        .iter()
                        .map(|p| checked_path(&self.folder_udid, p))
                        .collect::<Result<Vec<_>>>()?;
                    let mut result = Ok(());
                    for p in paths {
                        summary.files_removed += 1;
                        result = result.and_then(|()| folder.remove(&p));
                    }
                    self.reply(result).await?;
                }
                DeviceMessage::CopyItem { from, to } => {
                    let (from, to) = (
                        checked_file_path(&self.folder_udid, &from)?,
                        checked_file_path(&self.folder_udid, &to)?,
                    );
                    let r = folder.copy(&from, &to);
                    self.reply(r).await?;
                }
                DeviceMessage::ProcessMessage(result) => {
                    let (code, text) = dl::outcome(&result);
                    if code == status::OK {
                        on_event(BackupEvent::Progress {
                            percent: 100.0,
                            bytes_received: summary.bytes_received,
                            files_received: summary.files_received,
                        });
                        return Ok(summary);
                    }
                    return Err(DeviceError::BackupFailed {
                        device: self.udid.clone(),
                        code,
                        detail: text.unwrap_or_else(|| "no description".into()),
                    });
                }
                DeviceMessage::Disconnect { .. } => {
                    return Err(DeviceError::BackupFailed {
                        device: self.udid.clone(),
                        code: status::UNSPECIFIED,
                        detail: "the device ended the session before reporting a result".into(),
                    })
                }
                other @ (DeviceMessage::VersionExchange { .. }
                | DeviceMessage::DeviceReady
                | DeviceMessage::Ping { .. }
                | DeviceMessage::Other(_)) => {
                    return Err(self.malformed(
                        Step::DeviceRequest,
                        format!("unexpected message {:?}", other.name()),
                    ))
                }
            }
        }
    }

    async fn reply(&mut self, result: io::Result<()>) -> Result<()> {
        match result {
            Ok(()) => self.status(StatusResponse::ok(None)).await,
            Err(e) => {
                self.status(StatusResponse::error(errno_code(&e), e.to_string()))
                    .await
            }
        }
    }

    /// DownloadFiles: each file as name + 32 KiB blocks + end code, then `u32 0` and a status
    /// (multi-status for the ones that are missing).
    async fn send_files(&mut self, folder: &mut dyn BackupFolder, paths: &[String]) -> Result<()> {
        let mut errors = Dictionary::new();
        // Every path is checked before a byte goes out: a batch that names one outside the
        // device's folder gets nothing, not even its legitimate files.
        let checked = paths
            .iter()
            .map(|raw| checked_file_path(&self.folder_udid, raw))
            .collect::<Result<Vec<_>>>()?;
        for (raw, path) in paths.iter().zip(checked) {
            self.data_seen = true;
            self.send_bytes(&dl::encode_name(raw), Step::SendingFile)
                .await?;
            let opened = folder.open(&path);
            let mut failure = None;
            match opened {
                Ok(Some(mut reader)) => {
                    let mut buf = vec![0u8; dl::UPLOAD_BLOCK];
                    loop {
                        match reader.read(&mut buf) {
                            Ok(0) => break,
                            Ok(n) => {
                                let block = dl::encode_data_block(&buf[..n]);
                                self.send_bytes(&block, Step::SendingFile).await?;
                            }
                            Err(e) => {
                                failure = Some(e);
                                break;
                            }
                        }
                    }
                }
                Ok(None) => failure = Some(io::Error::from(io::ErrorKind::NotFound)),
                Err(e) => failure = Some(e),
            }
            match failure {
                None => self.send_bytes(&dl::FILE_END, Step::SendingFile).await?,
                Some(e) => {
                    let text = e.to_string();
                    errors.insert(
                        raw.clone(),
                        StatusResponse::file_error(errno_code(&e), &text),
                    );
                    self.send_bytes(&dl::encode_error_block(false, &text), Step::SendingFile)
                        .await?;
                }
            }
        }
        self.send_bytes(&dl::BATCH_END, Step::SendingFile).await?;
        if errors.is_empty() {
            self.status(StatusResponse::ok(None)).await
        } else {
            self.status(StatusResponse::multi_status(errors)).await
        }
    }

    /// UploadFiles: files until a zero-length name, each streamed into the folder as it arrives.
    async fn receive_files(
        &mut self,
        folder: &mut dyn BackupFolder,
        summary: &mut BackupSummary,
        percent: f64,
        on_event: &mut (dyn FnMut(BackupEvent) + Send),
    ) -> Result<()> {
        let step = Step::ReceivingFile;
        loop {
            // The on-device path first (only informational), then the backup-relative name.
            let prefix = self.read_array(step).await?;
            let Some(device_name_len) = dl::parse_name_len(prefix)
                .map_err(|e| self.malformed(Step::Request("UploadFiles"), e.to_string()))?
            else {
                break;
            };
            // Only a hint (the folder may keep media as sent): never a path on this host.
            let device_path = self.read_exact(device_name_len, step).await?;
            let device_path = String::from_utf8_lossy(&device_path).into_owned();
            let prefix = self.read_array(step).await?;
            let len = dl::parse_name_len(prefix)
                .map_err(|e| self.malformed(Step::Request("UploadFiles"), e.to_string()))?
                .ok_or_else(|| {
                    self.malformed(Step::Request("UploadFiles"), "an empty file name".into())
                })?;
            let raw = self.read_exact(len, step).await?;
            let raw = dl::parse_name(&raw)
                .map_err(|e| self.malformed(Step::Request("UploadFiles"), e.to_string()))?;
            let path = checked_file_path(&self.folder_udid, &raw)?;
            let udid = self.udid.clone();
            let local = |e: io::Error| DeviceError::Folder {
                device: udid.clone(),
                path: raw.clone(),
                source: e,
            };
            folder.create_from(&path, &device_path).map_err(local)?;
            let mut complete = true;
            loop {
                let header = self.read_array(step).await?;
                let block = dl::parse_block_header(header).map_err(|e| {
                    self.malformed(Step::Request("UploadFiles"), format!("{e} in {raw}"))
                })?;
                match block {
                    Block::Data(n) => {
                        self.data_seen = true;
                        let mut data = folder.block_buffer();
                        self.read_into(&mut data, n, step).await?;
                        folder.write_owned(data).map_err(local)?;
                        summary.bytes_received += n as u64;
                    }
                    Block::Success => break,
                    Block::Error { remote: true, len } => {
                        let message = self.read_exact(len, step).await?;
                        tracing::warn!(udid = self.udid, file = raw, message = %String::from_utf8_lossy(&message), "the device could not send a file; its previous version is kept");
                        complete = false;
                        break;
                    }
                    // The host's own error code: a device never sends it.
                    Block::Error { remote: false, .. } => {
                        return Err(self.malformed(
                            Step::Request("UploadFiles"),
                            format!("block code {:#x} in {raw}", dl::code::ERROR_LOCAL),
                        ))
                    }
                }
            }
            if !complete {
                folder.abort().map_err(local)?;
                summary.files_failed.push(raw);
                continue;
            }
            folder.finish().map_err(local)?;
            summary.files_received += 1;
            on_event(BackupEvent::Progress {
                percent,
                bytes_received: summary.bytes_received,
                files_received: summary.files_received,
            });
        }
        self.status(StatusResponse::ok(None)).await
    }
}

/// DeviceLink's code for an I/O error on the host, as both reference clients map errno.
fn errno_code(e: &io::Error) -> i64 {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => status::NO_SUCH_FILE,
        AlreadyExists => status::EXISTS,
        NotADirectory => status::NOT_A_DIRECTORY,
        IsADirectory => status::IS_A_DIRECTORY,
        StorageFull => status::NO_SPACE,
        _ => match e.raw_os_error() {
            Some(5) => status::IO,            // EIO
            Some(40) => status::SYMLINK_LOOP, // ELOOP
            _ => status::UNSPECIFIED,
        },
    }
}

/// Whether an I/O error means the device is gone rather than something else failing.
fn connection_lost(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

fn unix_date(secs: i64) -> plist::Date {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0) as u64);
    plist::Date::from(t)
}
