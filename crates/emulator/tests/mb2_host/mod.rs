//! A host for mobilebackup2 tests: drives the service over an in-memory pipe and keeps a backup
//! folder the way idevicebackup2 does (its DL loop: download, upload, mkdir, remove, free space),
//! recording every device request so tests can assert on what crossed the wire.

#![allow(dead_code)]

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use keepsake_devicelink::{self as devicelink, parse_block_header, parse_name_len, Block};
use keepsake_emulator::services::mobilebackup2::MobileBackup2;
use keepsake_emulator::services::{Service, ServiceRegistry};
use keepsake_emulator::state_dir::StateDir;
use keepsake_emulator::transport::Transport;
use keepsake_emulator::{DeviceProfile, TrustPrompt, VirtualDevice};
use keepsake_mobilesync::KdfParams;
use keepsake_phone_content::Phone;
use plist::{Dictionary, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

/// Tiny key-derivation cost: tests exercise the keybag logic, not PBKDF2's speed.
pub const TEST_KDF: KdfParams = KdfParams {
    iterations: 10,
    dp_iterations: 10,
};

/// A device profile with a small phone and cheap keybags.
pub fn profile(i: usize) -> DeviceProfile {
    let mut p = DeviceProfile::catalog(i);
    p.backup.content.target_bytes = 2 << 20;
    p.backup.kdf = TEST_KDF;
    p
}

/// Opens (or reopens: same state dir, same phone) a virtual device.
pub fn open_device(state: &Path, profile: DeviceProfile) -> Arc<VirtualDevice> {
    let state = StateDir::open(state).unwrap();
    Arc::new(
        VirtualDevice::open(
            profile,
            1,
            &state,
            Arc::new(ServiceRegistry::backup_services()),
            TrustPrompt::Accept,
        )
        .unwrap(),
    )
}

/// A device in a fresh temporary state dir, its UDID, and a backup root holding `<UDID>/` as
/// idevicebackup2 creates it before asking for a backup.
pub fn setup(profile: DeviceProfile) -> (tempfile::TempDir, Arc<VirtualDevice>, String, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let device = open_device(&dir.path().join("state"), profile);
    let udid = device.udid().to_owned();
    let root = dir.path().join("backups");
    std::fs::create_dir_all(root.join(&udid)).unwrap();
    (dir, device, udid, root)
}

/// One device request the host saw, as the raw plist array.
#[derive(Debug, Clone)]
pub struct Seen {
    pub name: String,
    pub message: Vec<Value>,
    /// For uploads: the backup-relative names and their byte counts.
    pub files: Vec<(String, u64)>,
}

pub struct Host {
    io: DuplexStream,
    pub root: PathBuf,
    pub seen: Vec<Seen>,
    pub free_space: u64,
    pub task: tokio::task::JoinHandle<keepsake_emulator::Result<()>>,
}

impl Host {
    /// Connects to the device's mobilebackup2 service and completes the DeviceLink handshake.
    pub async fn connect(device: Arc<VirtualDevice>, root: &Path) -> Host {
        let (host_side, device_side) = tokio::io::duplex(256 * 1024);
        let task = tokio::spawn(
            Arc::new(MobileBackup2).serve(device, Transport::plain(Box::new(device_side))),
        );
        let mut host = Host {
            io: host_side,
            root: root.to_owned(),
            seen: Vec::new(),
            free_space: 500 << 30,
            task,
        };
        let v = host.recv_array().await;
        assert_eq!(v[0].as_string(), Some("DLMessageVersionExchange"));
        assert_eq!(v[1].as_unsigned_integer(), Some(400));
        assert_eq!(v[2].as_unsigned_integer(), Some(0));
        host.send(Value::Array(vec![
            "DLMessageVersionExchange".into(),
            "DLVersionsOk".into(),
            400u64.into(),
        ]))
        .await;
        let v = host.recv_array().await;
        assert_eq!(v, vec![Value::from("DLMessageDeviceReady")]);
        host
    }

    pub async fn send(&mut self, v: Value) {
        let mut body = Vec::new();
        plist::to_writer_binary(&mut body, &v).unwrap();
        self.io
            .write_all(&(body.len() as u32).to_be_bytes())
            .await
            .unwrap();
        self.io.write_all(&body).await.unwrap();
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.io.write_all(bytes).await.unwrap();
    }

    /// The body of the device's next length-prefixed message, unparsed.
    pub async fn recv_frame(&mut self) -> Vec<u8> {
        let mut len = [0u8; 4];
        self.io.read_exact(&mut len).await.unwrap();
        let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
        self.io.read_exact(&mut body).await.unwrap();
        body
    }

    pub async fn recv_array(&mut self) -> Vec<Value> {
        let body = self.recv_frame().await;
        Value::from_reader(std::io::Cursor::new(body))
            .unwrap()
            .into_array()
            .expect("DeviceLink messages are arrays")
    }

    pub async fn read_exact(&mut self, n: usize) -> Vec<u8> {
        let mut buf = vec![0u8; n];
        self.io.read_exact(&mut buf).await.unwrap();
        buf
    }

    pub async fn process(&mut self, request: Dictionary) {
        self.send(Value::Array(vec![
            "DLMessageProcessMessage".into(),
            Value::Dictionary(request),
        ]))
        .await;
    }

    /// Sends Hello and returns the device's answer.
    pub async fn hello(&mut self, versions: &[f64]) -> Dictionary {
        let mut d = Dictionary::new();
        d.insert("MessageName".into(), "Hello".into());
        d.insert(
            "SupportedProtocolVersions".into(),
            Value::Array(versions.iter().map(|v| Value::Real(*v)).collect()),
        );
        self.process(d).await;
        let v = self.recv_array().await;
        assert_eq!(v[0].as_string(), Some("DLMessageProcessMessage"));
        v[1].as_dictionary().unwrap().clone()
    }

    async fn status(&mut self, code: i64, description: Option<&str>, payload: Value) {
        // Negative codes as uint64 two's complement, the way both real clients send them.
        self.send(Value::Array(vec![
            "DLMessageStatusResponse".into(),
            Value::Integer((code as u64).into()),
            description.unwrap_or(devicelink::EMPTY_PARAMETER).into(),
            payload,
        ]))
        .await;
    }

    /// A backup-relative path from the device, refused if it could leave the folder.
    fn local(&self, name: &str) -> PathBuf {
        let p = Path::new(name);
        assert!(
            p.components().all(|c| matches!(c, Component::Normal(_))),
            "device sent an unsafe path {name:?}"
        );
        self.root.join(p)
    }

    /// Sends a request (`MessageName` and friends) and runs the DL loop until the device's
    /// final `Response`, which it returns.
    pub async fn request(&mut self, request: Dictionary) -> Dictionary {
        self.process(request).await;
        loop {
            let v = self.recv_array().await;
            let name = v[0].as_string().unwrap().to_owned();
            let mut seen = Seen {
                name: name.clone(),
                message: v.clone(),
                files: Vec::new(),
            };
            match name.as_str() {
                "DLMessageProcessMessage" => {
                    self.seen.push(seen);
                    return v[1].as_dictionary().unwrap().clone();
                }
                "DLMessageDownloadFiles" => {
                    let mut errors = Dictionary::new();
                    for p in v[1].as_array().unwrap() {
                        let name = p.as_string().unwrap().to_owned();
                        self.send_raw(&(name.len() as u32).to_be_bytes()).await;
                        self.send_raw(name.as_bytes()).await;
                        match std::fs::read(self.local(&name)) {
                            Ok(bytes) => {
                                for chunk in bytes.chunks(devicelink::UPLOAD_BLOCK) {
                                    self.send_raw(&devicelink::encode_data_block(chunk)).await;
                                }
                                self.send_raw(&devicelink::FILE_END).await;
                            }
                            Err(_) => {
                                let msg = "No such file or directory";
                                self.send_raw(&devicelink::encode_error_block(false, msg))
                                    .await;
                                let mut e = Dictionary::new();
                                e.insert(
                                    "DLFileErrorCode".into(),
                                    Value::Integer((-6i64 as u64).into()),
                                );
                                e.insert("DLFileErrorString".into(), msg.into());
                                errors.insert(name, Value::Dictionary(e));
                            }
                        }
                    }
                    self.send_raw(&devicelink::BATCH_END).await;
                    if errors.is_empty() {
                        self.status(0, None, Value::Dictionary(Dictionary::new()))
                            .await;
                    } else {
                        self.status(-13, Some("Multi status"), Value::Dictionary(errors))
                            .await;
                    }
                }
                "DLMessageUploadFiles" => {
                    loop {
                        let len = self.read_exact(4).await;
                        let Some(n) = parse_name_len(len.try_into().unwrap()).unwrap() else {
                            break;
                        };
                        let _device_path = self.read_exact(n).await;
                        let len = self.read_exact(4).await;
                        let n = parse_name_len(len.try_into().unwrap()).unwrap().unwrap();
                        let name = String::from_utf8(self.read_exact(n).await).unwrap();
                        let mut body = Vec::new();
                        loop {
                            let h = self.read_exact(5).await;
                            match parse_block_header(h.try_into().unwrap()).unwrap() {
                                Block::Data(n) => {
                                    assert!(n <= devicelink::UPLOAD_BLOCK, "block of {n} bytes");
                                    body.extend(self.read_exact(n).await);
                                }
                                Block::Success => break,
                                Block::Error { len, .. } => {
                                    panic!("device error {:?}", self.read_exact(len).await)
                                }
                            }
                        }
                        let path = self.local(&name);
                        std::fs::write(&path, &body)
                            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                        seen.files.push((name, body.len() as u64));
                    }
                    self.status(0, None, Value::Dictionary(Dictionary::new()))
                        .await;
                }
                "DLMessageCreateDirectory" => {
                    std::fs::create_dir_all(self.local(v[1].as_string().unwrap())).unwrap();
                    self.status(0, None, Value::Dictionary(Dictionary::new()))
                        .await;
                }
                "DLMessageRemoveItems" => {
                    for p in v[1].as_array().unwrap() {
                        let path = self.local(p.as_string().unwrap());
                        let _ = std::fs::remove_file(&path);
                    }
                    self.status(0, None, Value::Dictionary(Dictionary::new()))
                        .await;
                }
                "DLMessageGetFreeDiskSpace" => {
                    let free = self.free_space;
                    self.status(0, None, free.into()).await;
                }
                other => panic!("unexpected device message {other}: {v:?}"),
            }
            self.seen.push(seen);
        }
    }

    /// Ends the session the way libimobiledevice does, and returns how the service ended.
    pub async fn disconnect(mut self) -> keepsake_emulator::Result<()> {
        self.send(Value::Array(vec![
            "DLMessageDisconnect".into(),
            devicelink::EMPTY_PARAMETER.into(),
        ]))
        .await;
        self.task.await.unwrap()
    }

    pub fn seen(&self, name: &str) -> Vec<&Seen> {
        self.seen.iter().filter(|s| s.name == name).collect()
    }
}

/// The folder holds exactly the phone's backup, byte for byte (see `keepsake_emulator::verify`).
pub fn assert_backup_matches(folder: &Path, phone: &Phone, password: Option<&str>) {
    if let Err(e) = keepsake_testkit::backup_matches(folder, phone, password) {
        panic!("{}: {e}", folder.display());
    }
}

pub fn request(name: &str, udid: &str, extra: &[(&str, Value)]) -> Dictionary {
    let mut d = Dictionary::new();
    d.insert("MessageName".into(), name.into());
    d.insert("TargetIdentifier".into(), udid.into());
    d.insert("SourceIdentifier".into(), udid.into());
    for (k, v) in extra {
        d.insert((*k).into(), v.clone());
    }
    d
}

pub fn error_code(response: &Dictionary) -> u64 {
    response
        .get("ErrorCode")
        .and_then(Value::as_unsigned_integer)
        .expect("ErrorCode is an integer")
}
