//! `com.apple.afc`, the subset hosts use around a backup: the sync lock file
//! (`/com.apple.itunes.lock_sync`: open, lock, unlock, close), file info, directory listings,
//! device info, and small reads and writes on a per-phone in-memory media volume.
//!
//! The codec (`Packet`) is pure; `Volume` is the file system; `run` does the I/O.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use super::{Service, ServiceFuture};
use crate::device::VirtualDevice;
use crate::error::{Error, Result};
use crate::transport::Transport;

pub const SERVICE_NAME: &str = "com.apple.afc";
pub const MAGIC: &[u8; 8] = b"CFA6LPAA";
pub const HEADER_LEN: usize = 40;
/// Hosts read and write in chunks well below this; larger packets are refused unread.
pub const MAX_PACKET: u64 = 8 * 1024 * 1024;
/// Files on the virtual volume stay small: it holds lock files and host-written metadata.
const MAX_FILE: usize = 16 * 1024 * 1024;

/// Operation codes (libimobiledevice's and pymobiledevice3's names).
pub mod op {
    pub const STATUS: u64 = 0x01;
    pub const DATA: u64 = 0x02;
    pub const READ_DIR: u64 = 0x03;
    pub const REMOVE_PATH: u64 = 0x08;
    pub const MAKE_DIR: u64 = 0x09;
    pub const GET_FILE_INFO: u64 = 0x0A;
    pub const GET_DEVINFO: u64 = 0x0B;
    pub const FILE_OPEN: u64 = 0x0D;
    pub const FILE_OPEN_RES: u64 = 0x0E;
    pub const FILE_READ: u64 = 0x0F;
    pub const FILE_WRITE: u64 = 0x10;
    pub const FILE_CLOSE: u64 = 0x14;
    pub const FILE_LOCK: u64 = 0x1B;
}

/// Status codes in a STATUS reply.
pub mod status {
    pub const SUCCESS: u64 = 0;
    pub const OP_HEADER_INVALID: u64 = 2;
    pub const UNKNOWN_PACKET_TYPE: u64 = 6;
    pub const INVALID_ARG: u64 = 7;
    pub const OBJECT_NOT_FOUND: u64 = 8;
    pub const OBJECT_IS_DIR: u64 = 9;
    pub const PERM_DENIED: u64 = 10;
    pub const OBJECT_EXISTS: u64 = 16;
    pub const NO_SPACE_LEFT: u64 = 18;
    pub const OP_WOULD_BLOCK: u64 = 19;
}

/// One AFC packet: 40-byte little-endian header, operation arguments, then data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub operation: u64,
    pub packet_num: u64,
    /// Operation arguments (`this_length - 40` bytes).
    pub args: Vec<u8>,
    /// Payload (`entire_length - this_length` bytes).
    pub data: Vec<u8>,
}

/// The lengths a header announces, checked before anything is read or allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderInfo {
    pub entire_length: u64,
    pub this_length: u64,
    pub packet_num: u64,
    pub operation: u64,
}

impl HeaderInfo {
    pub fn parse(h: &[u8; HEADER_LEN]) -> Result<Self> {
        if &h[..8] != MAGIC {
            return Err(Error::protocol("AFC packet without CFA6LPAA magic"));
        }
        let field = |i: usize| u64::from_le_bytes(h[i..i + 8].try_into().expect("8 bytes"));
        let info = HeaderInfo {
            entire_length: field(8),
            this_length: field(16),
            packet_num: field(24),
            operation: field(32),
        };
        if info.this_length < HEADER_LEN as u64
            || info.this_length > info.entire_length
            || info.entire_length > MAX_PACKET
        {
            return Err(Error::protocol(format!(
                "AFC lengths {} / {} out of bounds",
                info.this_length, info.entire_length
            )));
        }
        Ok(info)
    }
}

impl Packet {
    pub fn encode(&self) -> Vec<u8> {
        let this_length = (HEADER_LEN + self.args.len()) as u64;
        let entire_length = this_length + self.data.len() as u64;
        let mut out = Vec::with_capacity(entire_length as usize);
        out.extend_from_slice(MAGIC);
        for v in [entire_length, this_length, self.packet_num, self.operation] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&self.args);
        out.extend_from_slice(&self.data);
        out
    }

    fn status(packet_num: u64, code: u64) -> Self {
        Packet {
            operation: op::STATUS,
            packet_num,
            args: code.to_le_bytes().to_vec(),
            data: Vec::new(),
        }
    }

    fn data(packet_num: u64, data: Vec<u8>) -> Self {
        Packet {
            operation: op::DATA,
            packet_num,
            args: Vec::new(),
            data,
        }
    }

    fn u64_arg(&self, index: usize) -> Option<u64> {
        self.args
            .get(index * 8..index * 8 + 8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    /// The NUL-terminated path starting at byte `offset` of the arguments.
    fn path_arg(&self, offset: usize) -> Option<String> {
        let raw = self.args.get(offset..)?;
        let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
        String::from_utf8(raw[..end].to_vec()).ok()
    }
}

/// `key\0value\0...`, the encoding of file and device info.
fn key_values(pairs: &[(&str, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in pairs {
        out.extend_from_slice(k.as_bytes());
        out.push(0);
        out.extend_from_slice(v.as_bytes());
        out.push(0);
    }
    out
}

/// Resolves `.` and `..` and keeps the result inside the volume, as AFC's jail does.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

fn parent(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => path[..i].to_owned(),
    }
}

enum Node {
    Dir,
    File(Vec<u8>),
}

/// One phone's media volume, shared by all its AFC connections.
pub struct Volume {
    nodes: BTreeMap<String, Node>,
    /// Exclusive locks: path → (connection, handle).
    locks: HashMap<String, (u64, u64)>,
}

/// Seconds since 1970 in nanoseconds, as AFC reports times.
const MTIME_NS: u64 = 1_700_000_000_000_000_000;

impl Volume {
    /// The folders a phone's media volume has, and the sync lock file.
    fn new() -> Self {
        let mut nodes = BTreeMap::new();
        for dir in [
            "/",
            "/Books",
            "/DCIM",
            "/Downloads",
            "/PhotoData",
            "/Photos",
            "/Recordings",
            "/iTunes_Control",
            "/iTunes_Control/iTunes",
        ] {
            nodes.insert(dir.to_owned(), Node::Dir);
        }
        nodes.insert(
            "/com.apple.itunes.lock_sync".to_owned(),
            Node::File(Vec::new()),
        );
        Volume {
            nodes,
            locks: HashMap::new(),
        }
    }

    fn info(&self, path: &str) -> Option<Vec<u8>> {
        let (size, kind) = match self.nodes.get(path)? {
            Node::Dir => (0, "S_IFDIR"),
            Node::File(b) => (b.len(), "S_IFREG"),
        };
        Some(key_values(&[
            ("st_size", size.to_string()),
            ("st_blocks", size.div_ceil(512).to_string()),
            ("st_nlink", "1".into()),
            ("st_ifmt", kind.into()),
            ("st_mtime", MTIME_NS.to_string()),
            ("st_birthtime", MTIME_NS.to_string()),
        ]))
    }

    fn list(&self, path: &str) -> Option<Vec<u8>> {
        if !matches!(self.nodes.get(path)?, Node::Dir) {
            return None;
        }
        let prefix = if path == "/" {
            "/".to_owned()
        } else {
            format!("{path}/")
        };
        let mut out = b".\0..\0".to_vec();
        for name in self
            .nodes
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
        {
            out.extend_from_slice(name.as_bytes());
            out.push(0);
        }
        Some(out)
    }
}

struct OpenFile {
    path: String,
    position: usize,
    writable: bool,
}

/// The AFC service; volumes are per phone and live as long as the emulator.
#[derive(Default)]
pub struct Afc {
    volumes: Mutex<HashMap<String, Arc<Mutex<Volume>>>>,
    connections: std::sync::atomic::AtomicU64,
}

impl Afc {
    fn volume(&self, udid: &str) -> Arc<Mutex<Volume>> {
        let mut volumes = self.volumes.lock().unwrap_or_else(|e| e.into_inner());
        volumes
            .entry(udid.to_owned())
            .or_insert_with(|| Arc::new(Mutex::new(Volume::new())))
            .clone()
    }
}

impl Service for Afc {
    fn name(&self) -> &'static str {
        SERVICE_NAME
    }

    fn serve(self: Arc<Self>, device: Arc<VirtualDevice>, transport: Transport) -> ServiceFuture {
        let volume = self.volume(device.udid());
        let connection = self
            .connections
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Box::pin(run(device, volume, connection, transport))
    }
}

async fn run(
    device: Arc<VirtualDevice>,
    volume: Arc<Mutex<Volume>>,
    connection: u64,
    mut link: Transport,
) -> Result<()> {
    let mut files: HashMap<u64, OpenFile> = HashMap::new();
    let mut next_handle = 1u64;
    let result = async {
        loop {
            let mut raw = [0u8; HEADER_LEN];
            if !link.read_exact_or_eof(&mut raw).await? {
                return Ok(());
            }
            let info = HeaderInfo::parse(&raw)?;
            let mut args = vec![0u8; (info.this_length as usize) - HEADER_LEN];
            link.read_exact(&mut args).await?;
            let mut data = vec![0u8; (info.entire_length - info.this_length) as usize];
            link.read_exact(&mut data).await?;
            let request = Packet {
                operation: info.operation,
                packet_num: info.packet_num,
                args,
                data,
            };
            let reply = {
                let mut v = volume.lock().unwrap_or_else(|e| e.into_inner());
                handle(
                    &device,
                    &mut v,
                    connection,
                    &mut files,
                    &mut next_handle,
                    &request,
                )
            };
            link.write_all(&reply.encode()).await?;
        }
    }
    .await;
    // A host that disappears releases its locks, as closing its descriptors would.
    volume
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .locks
        .retain(|_, (c, _)| *c != connection);
    result
}

fn handle(
    device: &VirtualDevice,
    v: &mut Volume,
    connection: u64,
    files: &mut HashMap<u64, OpenFile>,
    next_handle: &mut u64,
    p: &Packet,
) -> Packet {
    let n = p.packet_num;
    let status = |code| Packet::status(n, code);
    match p.operation {
        op::GET_FILE_INFO => match p
            .path_arg(0)
            .map(|s| normalize(&s))
            .and_then(|path| v.info(&path))
        {
            Some(info) => Packet::data(n, info),
            None => status(status::OBJECT_NOT_FOUND),
        },
        op::READ_DIR => match p
            .path_arg(0)
            .map(|s| normalize(&s))
            .and_then(|path| v.list(&path))
        {
            Some(list) => Packet::data(n, list),
            None => status(status::OBJECT_NOT_FOUND),
        },
        op::GET_DEVINFO => Packet::data(
            n,
            key_values(&[
                ("Model", device.profile.product_type.clone()),
                ("FSTotalBytes", "128000000000".into()),
                ("FSFreeBytes", "61000000000".into()),
                ("FSBlockSize", "4096".into()),
            ]),
        ),
        op::MAKE_DIR => {
            let Some(path) = p.path_arg(0).map(|s| normalize(&s)) else {
                return status(status::INVALID_ARG);
            };
            match (v.nodes.get(&path), v.nodes.get(&parent(&path))) {
                (Some(Node::Dir), _) => status(status::SUCCESS),
                (Some(Node::File(_)), _) => status(status::OBJECT_EXISTS),
                (None, Some(Node::Dir)) => {
                    v.nodes.insert(path, Node::Dir);
                    status(status::SUCCESS)
                }
                (None, _) => status(status::OBJECT_NOT_FOUND),
            }
        }
        op::REMOVE_PATH => {
            let Some(path) = p.path_arg(0).map(|s| normalize(&s)) else {
                return status(status::INVALID_ARG);
            };
            if path == "/" {
                return status(status::PERM_DENIED);
            }
            let has_children = v.nodes.keys().any(|k| k.starts_with(&format!("{path}/")));
            match v.nodes.get(&path) {
                None => status(status::OBJECT_NOT_FOUND),
                Some(Node::Dir) if has_children => status(status::INVALID_ARG),
                Some(_) => {
                    v.nodes.remove(&path);
                    status(status::SUCCESS)
                }
            }
        }
        op::FILE_OPEN => {
            let (Some(mode), Some(path)) = (p.u64_arg(0), p.path_arg(8).map(|s| normalize(&s)))
            else {
                return status(status::INVALID_ARG);
            };
            // Modes 1 r, 2 r+, 3 w, 4 w+, 5 a, 6 a+: which create, which truncate, which write.
            let (creates, truncates, writable) = match mode {
                1 => (false, false, false),
                2 => (false, false, true),
                3 | 4 => (true, true, true),
                5 | 6 => (true, false, true),
                _ => return status(status::INVALID_ARG),
            };
            let parent_is_dir = matches!(v.nodes.get(&parent(&path)), Some(Node::Dir));
            match v.nodes.get_mut(&path) {
                Some(Node::Dir) => return status(status::OBJECT_IS_DIR),
                Some(Node::File(bytes)) => {
                    if truncates {
                        bytes.clear();
                    }
                }
                None if creates && parent_is_dir => {
                    v.nodes.insert(path.clone(), Node::File(Vec::new()));
                }
                None => return status(status::OBJECT_NOT_FOUND),
            }
            let position = if matches!(mode, 5 | 6) {
                match v.nodes.get(&path) {
                    Some(Node::File(b)) => b.len(),
                    _ => 0,
                }
            } else {
                0
            };
            let handle = *next_handle;
            *next_handle += 1;
            files.insert(
                handle,
                OpenFile {
                    path,
                    position,
                    writable,
                },
            );
            Packet {
                operation: op::FILE_OPEN_RES,
                packet_num: n,
                args: handle.to_le_bytes().to_vec(),
                data: Vec::new(),
            }
        }
        op::FILE_CLOSE => match p.u64_arg(0).and_then(|h| files.remove(&h).map(|f| (h, f))) {
            Some((h, f)) => {
                if v.locks.get(&f.path) == Some(&(connection, h)) {
                    v.locks.remove(&f.path);
                }
                status(status::SUCCESS)
            }
            None => status(status::INVALID_ARG),
        },
        op::FILE_LOCK => {
            let (Some(h), Some(operation)) = (p.u64_arg(0), p.u64_arg(1)) else {
                return status(status::INVALID_ARG);
            };
            let Some(f) = files.get(&h) else {
                return status(status::INVALID_ARG);
            };
            // flock(2) values: 2 exclusive, 8 unlock, with 4 = non-blocking.
            match operation & !4 {
                2 => match v.locks.get(&f.path) {
                    Some(holder) if *holder != (connection, h) => status(status::OP_WOULD_BLOCK),
                    _ => {
                        v.locks.insert(f.path.clone(), (connection, h));
                        status(status::SUCCESS)
                    }
                },
                8 => {
                    if v.locks.get(&f.path) == Some(&(connection, h)) {
                        v.locks.remove(&f.path);
                    }
                    status(status::SUCCESS)
                }
                _ => status(status::INVALID_ARG),
            }
        }
        op::FILE_READ => {
            let (Some(h), Some(len)) = (p.u64_arg(0), p.u64_arg(1)) else {
                return status(status::INVALID_ARG);
            };
            let Some(f) = files.get_mut(&h) else {
                return status(status::INVALID_ARG);
            };
            let Some(Node::File(bytes)) = v.nodes.get(&f.path) else {
                return status(status::OBJECT_NOT_FOUND);
            };
            let start = f.position.min(bytes.len());
            let end = start
                .saturating_add(len.min(MAX_PACKET) as usize)
                .min(bytes.len());
            f.position = end;
            Packet::data(n, bytes[start..end].to_vec())
        }
        op::FILE_WRITE => {
            let Some(h) = p.u64_arg(0) else {
                return status(status::INVALID_ARG);
            };
            let Some(f) = files.get_mut(&h).filter(|f| f.writable) else {
                return status(status::INVALID_ARG);
            };
            let Some(Node::File(bytes)) = v.nodes.get_mut(&f.path) else {
                return status(status::OBJECT_NOT_FOUND);
            };
            let end = f.position + p.data.len();
            if end > MAX_FILE {
                return status(status::NO_SPACE_LEFT);
            }
            if bytes.len() < end {
                bytes.resize(end, 0);
            }
            bytes[f.position..end].copy_from_slice(&p.data);
            f.position = end;
            status(status::SUCCESS)
        }
        other => {
            tracing::info!(
                operation = other,
                "AFC operation the virtual iPhone does not implement"
            );
            status(status::UNKNOWN_PACKET_TYPE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_bounds_are_checked() {
        let p = Packet {
            operation: op::FILE_OPEN,
            packet_num: 3,
            args: vec![1, 2],
            data: vec![9; 5],
        };
        let bytes = p.encode();
        let info = HeaderInfo::parse(bytes[..HEADER_LEN].try_into().unwrap()).unwrap();
        assert_eq!(
            (
                info.entire_length,
                info.this_length,
                info.packet_num,
                info.operation
            ),
            (47, 42, 3, op::FILE_OPEN)
        );
        let mut bad = bytes.clone();
        bad[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(HeaderInfo::parse(bad[..HEADER_LEN].try_into().unwrap()).is_err());
        let mut bad = bytes;
        bad[0] = b'X';
        assert!(HeaderInfo::parse(bad[..HEADER_LEN].try_into().unwrap()).is_err());
    }

    #[test]
    fn paths_stay_inside_the_volume() {
        assert_eq!(normalize("../../etc/passwd"), "/etc/passwd");
        assert_eq!(
            normalize("/iTunes_Control/./iTunes/"),
            "/iTunes_Control/iTunes"
        );
        assert_eq!(normalize(""), "/");
    }

    #[test]
    fn listing_shows_direct_children_only() {
        let v = Volume::new();
        let list = v.list("/iTunes_Control").unwrap();
        assert_eq!(list, b".\0..\0iTunes\0");
        assert!(v.list("/com.apple.itunes.lock_sync").is_none());
    }
}
