//! The host's side of mobilebackup2, whole: the bytes are everything a device sends over the
//! service's connection (DeviceLink handshake, Hello's answer, then its requests:
//! DLMessageUploadFiles with the raw file stream, DownloadFiles, MoveItems, CopyItem,
//! RemoveItems, CreateDirectory, ContentsOfDirectory, GetFreeDiskSpace, ProcessMessage, ...),
//! served by the same client a backup uses against a folder in memory. The first byte picks the
//! operation: a backup, a restore (the folder holds a few files to download) or ChangePassword.
//!
//! Invariants: every path the device names reaches the folder only as a relative path inside the
//! device's own folder, made of plain components; a finished backup never counts more bytes than
//! the device sent.

#![no_main]

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use keepsake_device::{BackupFolder, Mobilebackup2, RestoreOptions};
use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

const UDID: &str = "00008110-000A1B2C3D4E5F60";

/// The device's side of the connection: reads give the fuzzed bytes then end, writes vanish.
#[derive(Debug)]
struct Device {
    bytes: Vec<u8>,
    at: usize,
}

impl AsyncRead for Device {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = buf.remaining().min(self.bytes.len() - self.at);
        let at = self.at;
        buf.put_slice(&self.bytes[at..at + n]);
        self.at += n;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Device {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The one gate's promise: relative, inside `<UDID>/`, plain components only.
fn inside(path: &Path) -> &Path {
    let mut components = path.components();
    assert_eq!(
        components.next(),
        Some(Component::Normal(UDID.as_ref())),
        "{path:?} is not inside the device's folder"
    );
    assert!(
        components.all(|c| matches!(c, Component::Normal(_))),
        "{path:?} is not a plain path"
    );
    path
}

/// A backup folder in memory.
#[derive(Default)]
struct Folder {
    files: BTreeMap<PathBuf, Vec<u8>>,
    writing: Option<(PathBuf, Vec<u8>)>,
}

impl BackupFolder for Folder {
    fn open(&mut self, path: &Path) -> io::Result<Option<Box<dyn Read + Send + '_>>> {
        Ok(self
            .files
            .get(inside(path))
            .map(|b| Box::new(b.as_slice()) as Box<dyn Read + Send>))
    }
    fn create(&mut self, path: &Path) -> io::Result<()> {
        self.writing = Some((inside(path).to_owned(), Vec::new()));
        Ok(())
    }
    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let (_, bytes) = self.writing.as_mut().expect("write after create");
        bytes.extend_from_slice(data);
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        let (path, bytes) = self.writing.take().expect("finish after create");
        self.files.insert(path, bytes);
        Ok(())
    }
    fn abort(&mut self) -> io::Result<()> {
        self.writing.take().expect("abort after create");
        Ok(())
    }
    fn create_dir(&mut self, path: &Path) -> io::Result<()> {
        inside(path);
        Ok(())
    }
    fn list(&mut self, path: &Path) -> io::Result<Vec<(String, bool, u64, i64)>> {
        let dir = inside(path);
        Ok(self
            .files
            .iter()
            .filter(|(p, _)| p.parent() == Some(dir))
            .map(|(p, b)| {
                let name = p.file_name().expect("a file name").to_string_lossy();
                (name.into_owned(), false, b.len() as u64, 0)
            })
            .collect())
    }
    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        let bytes = self
            .files
            .remove(inside(from))
            .ok_or(io::ErrorKind::NotFound)?;
        self.files.insert(inside(to).to_owned(), bytes);
        Ok(())
    }
    fn remove(&mut self, path: &Path) -> io::Result<()> {
        let path = inside(path);
        self.files.retain(|p, _| !p.starts_with(path));
        Ok(())
    }
    fn copy(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        let bytes = self
            .files
            .get(inside(from))
            .cloned()
            .ok_or(io::ErrorKind::NotFound)?;
        self.files.insert(inside(to).to_owned(), bytes);
        Ok(())
    }
    fn free_space(&mut self) -> io::Result<u64> {
        Ok(1 << 40)
    }
}

/// What a restore offers the device: a backup's top-level files.
fn restorable() -> Folder {
    let mut folder = Folder::default();
    for (name, bytes) in [
        (
            "Manifest.plist",
            &b"<plist version=\"1.0\"><dict/></plist>"[..],
        ),
        ("Status.plist", b"bplist00"),
        ("Manifest.db", b"SQLite format 3\0"),
        ("0a/0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", &[7; 40_000]),
    ] {
        folder
            .files
            .insert(Path::new(UDID).join(name), bytes.to_vec());
    }
    folder
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a tokio runtime")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&operation, sent)) = data.split_first() else {
        return;
    };
    let device = Device {
        bytes: sent.to_vec(),
        at: 0,
    };
    runtime().block_on(async {
        let Ok(mut client) = Mobilebackup2::over_stream(device, UDID).await else {
            return;
        };
        match operation % 3 {
            0 => {
                let mut folder = Folder::default();
                if let Ok(summary) = client.backup(&mut folder, false, |_| {}).await {
                    assert!(summary.bytes_received <= sent.len() as u64);
                }
            }
            1 => {
                let mut folder = restorable();
                let _ = client
                    .restore(&mut folder, &RestoreOptions::default(), |_| {})
                    .await;
            }
            _ => {
                let _ = client.change_password(Some("old"), Some("new")).await;
            }
        }
    });
});
