//! A mobilebackup2 backup from the host's side: open the service, ask for a backup, and serve the
//! device's DeviceLink requests against a [`BackupFolder`] until it reports the result.
//!
//! The folder is a trait so that the backup can land straight in the snapshot store (no copy of
//! the backup on disk) or, for interchange and tests, in a plain Finder-layout directory.
//! Everything the device sends is untrusted: sizes are bounded, and paths must stay inside the
//! device's own folder.

use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use idevice::{Idevice, IdeviceError};
use keepsake_devicelink::{self as dl, status, Block, DeviceMessage, HostMessage, StatusResponse};
use plist::{Dictionary, Value};

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

/// Where a backup's files go: a folder laid out as Finder's `<root>/<UDID>/...`, real or virtual.
/// Paths are relative to the root and already validated (no `..`, no absolute paths).
pub trait BackupFolder: Send {
    /// A file's content, or `None` when it does not exist.
    fn open(&mut self, path: &Path) -> io::Result<Option<Box<dyn Read + Send + '_>>>;
    /// Starts (or replaces) a file; its data follows through `write`, then `finish`.
    fn create(&mut self, path: &Path) -> io::Result<()>;
    fn write(&mut self, data: &[u8]) -> io::Result<()>;
    fn finish(&mut self) -> io::Result<()>;
    /// Drops the file being written (the device could not send all of it): whatever the folder
    /// held at that path before stays as it was.
    fn abort(&mut self) -> io::Result<()>;
    fn create_dir(&mut self, path: &Path) -> io::Result<()>;
    /// Entries of a directory: (name, is_dir, size, mtime Unix seconds).
    fn list(&mut self, path: &Path) -> io::Result<Vec<(String, bool, u64, i64)>>;
    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes a file or a whole directory; a missing path is not an error.
    fn remove(&mut self, path: &Path) -> io::Result<()>;
    fn copy(&mut self, from: &Path, to: &Path) -> io::Result<()>;
    /// Bytes free where the backup is stored.
    fn free_space(&mut self) -> io::Result<u64>;
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

/// Checks a path the device names: relative, inside `<udid>/`, no `.`/`..`, bounded. This is the
/// one gate between the device and the host's files.
pub fn checked_path(udid: &str, raw: &str) -> Result<PathBuf> {
    let refuse = |why: &str| DeviceError::Malformed {
        device: udid.to_owned(),
        what: "a file path",
        detail: format!("{raw:?} {why}; nothing was written outside the device's folder"),
    };
    if raw.is_empty()
        || raw.len() > dl::MAX_NAME_LEN as usize
        || raw.contains('\0')
        || raw.contains('\\')
    {
        return Err(refuse("is empty, too long or has forbidden characters"));
    }
    let path = Path::new(raw);
    let mut components = path.components();
    match components.next() {
        Some(Component::Normal(first)) if first == udid => {}
        _ => return Err(refuse("is not inside the device's folder")),
    }
    if !components.all(|c| matches!(c, Component::Normal(_)))
        || raw
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(refuse("climbs out of its folder or is not a plain path"));
    }
    Ok(path.to_path_buf())
}

/// Whether the device encrypts its backups (lockdownd's `com.apple.mobile.backup` `WillEncrypt`).
pub async fn will_encrypt(
    usbmuxd: &Usbmuxd,
    device: &Attachment,
    record: &PairRecord,
) -> Result<bool> {
    let mut lockdown = usbmuxd.session(device, record).await?;
    let value = lockdown
        .get_value(Some("WillEncrypt"), Some("com.apple.mobile.backup"))
        .await
        .map_err(|source| DeviceError::Protocol {
            device: device.udid.clone(),
            what: "reading WillEncrypt",
            source,
        })?;
    Ok(matches!(value, Value::Boolean(true)))
}

/// How many bytes of user data the device holds (lockdownd's `com.apple.disk_usage`: data
/// capacity minus what is available): an upper bound for what a first backup stores. `None`
/// when the device does not say.
pub async fn data_in_use(
    usbmuxd: &Usbmuxd,
    device: &Attachment,
    record: &PairRecord,
) -> Result<Option<u64>> {
    let mut lockdown = usbmuxd.session(device, record).await?;
    let value = lockdown
        .get_value(None, Some("com.apple.disk_usage"))
        .await
        .map_err(|source| DeviceError::Protocol {
            device: device.udid.clone(),
            what: "reading the disk usage",
            source,
        })?;
    let number = |k: &str| {
        value
            .as_dictionary()
            .and_then(|d| d.get(k))
            .and_then(Value::as_unsigned_integer)
    };
    Ok(
        match (
            number("TotalDataCapacity"),
            number("TotalDataAvailable").or_else(|| number("AmountDataAvailable")),
        ) {
            (Some(total), Some(free)) => Some(total.saturating_sub(free)),
            _ => None,
        },
    )
}

/// An open mobilebackup2 connection, after the DeviceLink handshake and Hello.
pub struct Mobilebackup2 {
    idevice: Idevice,
    udid: String,
}

impl Mobilebackup2 {
    /// Starts a lockdown session with the pair record, the service (with the escrow bag, which
    /// real devices demand for backups), its TLS, and the DeviceLink and protocol handshakes.
    pub async fn open(usbmuxd: &Usbmuxd, device: &Attachment, record: &PairRecord) -> Result<Self> {
        let idevice = usbmuxd
            .start_service(device, record, SERVICE, true, "starting mobilebackup2")
            .await?;
        let mut mb = Mobilebackup2 {
            idevice,
            udid: device.udid.clone(),
        };
        mb.handshake().await?;
        Ok(mb)
    }

    async fn handshake(&mut self) -> Result<()> {
        let first = self.receive().await?;
        match DeviceMessage::parse(&first) {
            Ok(DeviceMessage::VersionExchange { major, .. }) if major > dl::VERSION_MAJOR => {
                return Err(self.malformed(
                    "the DeviceLink handshake",
                    format!("version {major} is newer than Keepsake knows"),
                ));
            }
            Ok(DeviceMessage::VersionExchange { .. }) => {}
            _ => return Err(self.malformed("the DeviceLink handshake", format!("{first:?}"))),
        }
        self.send(&HostMessage::VersionsOk {
            major: dl::VERSION_MAJOR,
        })
        .await?;
        let ready = self.receive().await?;
        if DeviceMessage::parse(&ready) != Ok(DeviceMessage::DeviceReady) {
            return Err(self.malformed("the DeviceLink handshake", format!("{ready:?}")));
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
                    "Hello",
                    format!("error {code}: {}", text.unwrap_or_default()),
                ))
            }
            other => Err(self.malformed("Hello", format!("{other:?}"))),
        }
    }

    fn malformed(&self, what: &'static str, detail: String) -> DeviceError {
        DeviceError::Malformed {
            device: self.udid.clone(),
            what,
            detail,
        }
    }

    fn io(&self, what: &'static str) -> impl Fn(IdeviceError) -> DeviceError + '_ {
        move |source| match source {
            IdeviceError::Socket(e) if connection_lost(&e) => DeviceError::ConnectionLost {
                device: self.udid.clone(),
                what,
                source: e,
            },
            source => DeviceError::Protocol {
                device: self.udid.clone(),
                what,
                source,
            },
        }
    }

    async fn send(&mut self, message: &HostMessage) -> Result<()> {
        let bytes = dl::encode_message(&message.to_value())
            .map_err(|e| self.malformed("encoding a message", e.to_string()))?;
        self.idevice
            .send_raw(&bytes)
            .await
            .map_err(self.io("sending"))
    }

    /// Exactly `n` bytes from the device (none for 0), `what` naming the step if it fails.
    async fn read_exact(&mut self, n: usize, what: &'static str) -> Result<Vec<u8>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        self.idevice.read_raw(n).await.map_err(self.io(what))
    }

    async fn read_array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        let bytes = self.read_exact(N, what).await?;
        bytes.try_into().map_err(|b: Vec<u8>| {
            self.malformed(what, format!("{} bytes where {N} were read", b.len()))
        })
    }

    async fn receive(&mut self) -> Result<Value> {
        let prefix = self.read_array("receiving").await?;
        let len = dl::parse_message_len(prefix)
            .map_err(|e| self.malformed("a message", e.to_string()))?;
        let body = self.read_exact(len, "receiving").await?;
        dl::decode_message(&body).map_err(|e| self.malformed("a message", e.to_string()))
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
        self.send(&self.request("Restore", extra)).await?;
        self.serve(folder, on_event).await
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
        d.insert("SourceIdentifier".into(), self.udid.as_str().into());
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
                .map_err(|e| self.malformed("a request", e.to_string()))?;
            tracing::trace!(udid = self.udid, ?request, "device request");
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
                    let path = checked_path(&self.udid, &path)?;
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
                    let path = checked_path(&self.udid, &path)?;
                    let r = folder.create_dir(&path);
                    self.reply(r).await?;
                }
                DeviceMessage::MoveItems { moves, progress } => {
                    percent = progress.unwrap_or(percent);
                    let mut result = Ok(());
                    for (from, to) in moves {
                        let (from, to) = (
                            checked_path(&self.udid, &from)?,
                            checked_path(&self.udid, &to)?,
                        );
                        result = result.and_then(|()| folder.rename(&from, &to));
                    }
                    self.reply(result).await?;
                }
                DeviceMessage::RemoveItems { paths, progress } => {
                    percent = progress.unwrap_or(percent);
                    let mut result = Ok(());
                    for p in paths {
                        let p = checked_path(&self.udid, &p)?;
                        summary.files_removed += 1;
                        result = result.and_then(|()| folder.remove(&p));
                    }
                    self.reply(result).await?;
                }
                DeviceMessage::CopyItem { from, to } => {
                    let (from, to) = (
                        checked_path(&self.udid, &from)?,
                        checked_path(&self.udid, &to)?,
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
                        "a request",
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
        for raw in paths {
            let path = checked_path(&self.udid, raw)?;
            self.idevice
                .send_raw(&dl::encode_name(raw))
                .await
                .map_err(self.io("sending a file"))?;
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
                                self.idevice
                                    .send_raw(&block)
                                    .await
                                    .map_err(self.io("sending a file"))?;
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
                None => self.idevice.send_raw(&dl::FILE_END).await,
                Some(e) => {
                    let text = e.to_string();
                    errors.insert(
                        raw.clone(),
                        StatusResponse::file_error(errno_code(&e), &text),
                    );
                    self.idevice
                        .send_raw(&dl::encode_error_block(false, &text))
                        .await
                }
            }
            .map_err(self.io("sending a file"))?;
        }
        self.idevice
            .send_raw(&dl::BATCH_END)
            .await
            .map_err(self.io("sending a file"))?;
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
        let step = "receiving a file";
        loop {
            // The on-device path first (only informational), then the backup-relative name.
            let prefix = self.read_array(step).await?;
            let Some(device_name_len) = dl::parse_name_len(prefix)
                .map_err(|e| self.malformed("UploadFiles", e.to_string()))?
            else {
                break;
            };
            self.read_exact(device_name_len, step).await?;
            let prefix = self.read_array(step).await?;
            let len = dl::parse_name_len(prefix)
                .map_err(|e| self.malformed("UploadFiles", e.to_string()))?
                .ok_or_else(|| self.malformed("UploadFiles", "an empty file name".into()))?;
            let raw = self.read_exact(len, step).await?;
            let raw =
                dl::parse_name(&raw).map_err(|e| self.malformed("UploadFiles", e.to_string()))?;
            let path = checked_path(&self.udid, &raw)?;
            let udid = self.udid.clone();
            let local = |e: io::Error| DeviceError::Folder {
                device: udid.clone(),
                path: raw.clone(),
                source: e,
            };
            folder.create(&path).map_err(local)?;
            let mut complete = true;
            loop {
                let header = self.read_array(step).await?;
                let block = dl::parse_block_header(header)
                    .map_err(|e| self.malformed("UploadFiles", format!("{e} in {raw}")))?;
                match block {
                    Block::Data(n) => {
                        let data = self.read_exact(n, step).await?;
                        folder.write(&data).map_err(local)?;
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
                            "UploadFiles",
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

/// The folder of an operation that touches no backup files (ChangePassword): every request
/// fails, as it would on an empty, read-only folder.
struct NoFiles;

impl BackupFolder for NoFiles {
    fn open(&mut self, _: &Path) -> io::Result<Option<Box<dyn Read + Send + '_>>> {
        Ok(None)
    }
    fn create(&mut self, _: &Path) -> io::Result<()> {
        Err(io::ErrorKind::PermissionDenied.into())
    }
    fn write(&mut self, _: &[u8]) -> io::Result<()> {
        Err(io::ErrorKind::PermissionDenied.into())
    }
    fn finish(&mut self) -> io::Result<()> {
        Err(io::ErrorKind::PermissionDenied.into())
    }
    fn abort(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn create_dir(&mut self, _: &Path) -> io::Result<()> {
        Err(io::ErrorKind::PermissionDenied.into())
    }
    fn list(&mut self, _: &Path) -> io::Result<Vec<(String, bool, u64, i64)>> {
        Ok(Vec::new())
    }
    fn rename(&mut self, _: &Path, _: &Path) -> io::Result<()> {
        Err(io::ErrorKind::PermissionDenied.into())
    }
    fn remove(&mut self, _: &Path) -> io::Result<()> {
        Ok(())
    }
    fn copy(&mut self, _: &Path, _: &Path) -> io::Result<()> {
        Err(io::ErrorKind::PermissionDenied.into())
    }
    fn free_space(&mut self) -> io::Result<u64> {
        Ok(0)
    }
}

/// A plain folder in Finder's layout (`<root>/<UDID>/…`): what `idevicebackup2` writes, and what
/// an export produces.
pub struct DirFolder {
    root: PathBuf,
    writing: Option<(PathBuf, std::fs::File)>,
}

impl DirFolder {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirFolder {
            root: root.into(),
            writing: None,
        }
    }
}

impl Drop for DirFolder {
    /// A file cut short (the device went away mid-file) leaves no partial file behind.
    fn drop(&mut self) {
        if let Some((full, file)) = self.writing.take() {
            drop(file);
            let _ = std::fs::remove_file(full.with_extension("keepsake-partial"));
        }
    }
}

impl BackupFolder for DirFolder {
    fn open(&mut self, path: &Path) -> io::Result<Option<Box<dyn Read + Send + '_>>> {
        match std::fs::File::open(self.root.join(path)) {
            Ok(f) => Ok(Some(Box::new(f))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn create(&mut self, path: &Path) -> io::Result<()> {
        let full = self.root.join(path);
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = full.with_extension("keepsake-partial");
        self.writing = Some((full, std::fs::File::create(&tmp)?));
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        use std::io::Write;
        match &mut self.writing {
            Some((_, f)) => f.write_all(data),
            None => Err(io::Error::other("no file is being written")),
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        let (full, file) = self
            .writing
            .take()
            .ok_or_else(|| io::Error::other("no file is being written"))?;
        file.sync_all()?;
        std::fs::rename(full.with_extension("keepsake-partial"), &full)
    }

    fn abort(&mut self) -> io::Result<()> {
        match self.writing.take() {
            Some((full, file)) => {
                drop(file);
                std::fs::remove_file(full.with_extension("keepsake-partial"))
            }
            None => Ok(()),
        }
    }

    fn create_dir(&mut self, path: &Path) -> io::Result<()> {
        std::fs::create_dir_all(self.root.join(path))
    }

    fn list(&mut self, path: &Path) -> io::Result<Vec<(String, bool, u64, i64)>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.root.join(path))? {
            let entry = entry?;
            let meta = entry.metadata()?;
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs() as i64);
            out.push((
                entry.file_name().to_string_lossy().into_owned(),
                meta.is_dir(),
                meta.len(),
                mtime,
            ));
        }
        Ok(out)
    }

    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        let to = self.root.join(to);
        if to.is_dir() {
            std::fs::remove_dir_all(&to)?;
        }
        std::fs::rename(self.root.join(from), to)
    }

    fn remove(&mut self, path: &Path) -> io::Result<()> {
        let full = self.root.join(path);
        let r = if full.is_dir() {
            std::fs::remove_dir_all(&full)
        } else {
            std::fs::remove_file(&full)
        };
        match r {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn copy(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::copy(self.root.join(from), self.root.join(to)).map(|_| ())
    }

    fn free_space(&mut self) -> io::Result<u64> {
        fs4::available_space(&self.root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: &str = "00008110-000A1B2C3D4E5F60";

    #[test]
    fn device_paths_must_stay_inside_the_device_folder() {
        assert_eq!(
            checked_path(U, &format!("{U}/Status.plist")).unwrap(),
            Path::new(U).join("Status.plist")
        );
        assert!(checked_path(
            U,
            &format!("{U}/3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28")
        )
        .is_ok());
        assert!(checked_path(U, U).is_ok());
        for bad in [
            "/etc/passwd".to_owned(),
            format!("{U}/../../etc/passwd"),
            format!("{U}/./x"),
            format!("{U}//x"),
            "OTHER-DEVICE/Status.plist".to_owned(),
            "..".to_owned(),
            String::new(),
            format!("{U}/a\0b"),
            format!("{U}/a\\..\\b"),
            format!("{U}/{}", "x".repeat(5000)),
        ] {
            let err = checked_path(U, &bad).unwrap_err();
            assert!(
                err.to_string().contains("nothing was written outside"),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn dir_folder_writes_atomically_and_lists() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = DirFolder::new(dir.path());
        let p = Path::new(U).join("ab/abcdef");
        f.create(&p).unwrap();
        f.write(b"hello ").unwrap();
        assert!(!dir.path().join(&p).exists(), "visible only when finished");
        f.write(b"world").unwrap();
        f.finish().unwrap();
        assert_eq!(std::fs::read(dir.path().join(&p)).unwrap(), b"hello world");
        let listing = f.list(&Path::new(U).join("ab")).unwrap();
        assert_eq!(
            listing,
            vec![("abcdef".to_owned(), false, 11, listing[0].3)]
        );
        f.remove(&p).unwrap();
        f.remove(&p).unwrap();
        assert!(f.open(&p).unwrap().is_none());
    }

    #[test]
    fn an_aborted_file_leaves_the_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = DirFolder::new(dir.path());
        let p = Path::new(U).join("ab/abcdef");
        f.create(&p).unwrap();
        f.write(b"yesterday").unwrap();
        f.finish().unwrap();
        f.create(&p).unwrap();
        f.write(b"half of tod").unwrap();
        f.abort().unwrap();
        assert_eq!(std::fs::read(dir.path().join(&p)).unwrap(), b"yesterday");
        let names: Vec<_> = f.list(&Path::new(U).join("ab")).unwrap();
        assert_eq!(names.len(), 1, "no partial file is left: {names:?}");
    }
}
