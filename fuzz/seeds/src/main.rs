//! Writes the fuzz targets' seed corpora, `fuzz/corpus/<target>/<name>`, from real bytes: the
//! project's own encoders, and a backup, a restore and a password change between the host's
//! mobilebackup2 client and the virtual iPhone (the device's side of each conversation recorded
//! as it reached the host). Seeds are overwritten by name; other files (crash inputs kept as
//! regression seeds) are left alone.
//!
//! `cd fuzz && cargo run --release -p keepsake-fuzz-seeds` (optionally with the corpus folder).

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use keepsake_device::{DirFolder, Mobilebackup2, RestoreOptions};
use keepsake_devicelink::{self as dl, DeviceMessage, HostMessage, StatusResponse};
use keepsake_emulator::services::mobilebackup2::MobileBackup2;
use keepsake_emulator::services::{Service, ServiceRegistry};
use keepsake_emulator::state_dir::StateDir;
use keepsake_emulator::transport::Transport;
use keepsake_emulator::{DeviceProfile, TrustPrompt, VirtualDevice};
use keepsake_mobilesync::{
    BackupPlist, EntryKind, InfoPlist, KdfParams, Keybag, ManifestDb, ManifestEntry, ManifestPlist,
    MbFile, StatusPlist, MODE_DIRECTORY, MODE_FILE, MODE_SYMLINK,
};
use keepsake_store::{fuzzing, InitOptions, KeySource, NewSlot, Repository, SlotKind};
use plist::{Dictionary, Value};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Key derivation as cheap as a keybag allows: seeds exercise parsing, not PBKDF2.
const CHEAP: KdfParams = KdfParams {
    iterations: 10,
    dp_iterations: 10,
};

/// At most this much of a recorded full backup is kept as a seed.
const SEED_LIMIT: usize = 64 << 10;

struct Corpus(PathBuf);

impl Corpus {
    fn put(&self, target: &str, name: &str, bytes: &[u8]) {
        let dir = self.0.join(target);
        std::fs::create_dir_all(&dir).expect("creating the corpus folder");
        std::fs::write(dir.join(name), bytes).expect("writing a seed");
    }
}

/// `db` with at most `per_kind` rows of each kind (flags) and 512-byte pages: a seed of a few
/// KB, not tens, so that libFuzzer's inputs stay small and fast (a database of 4 KiB pages ran
/// at 800 executions a second; this at about 6,000).
fn small_db(db: &[u8], per_kind: usize) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("keepsake-seed-{}.db", std::process::id()));
    std::fs::write(&path, db).expect("writing a database");
    {
        let conn = rusqlite::Connection::open(&path).expect("opening it");
        conn.execute_batch(&format!(
            "DELETE FROM Files WHERE rowid NOT IN (
                SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY flags ORDER BY rowid) AS n FROM Files)
                WHERE n <= {per_kind});
             PRAGMA journal_mode = DELETE; PRAGMA page_size = 512; VACUUM;"
        ))
        .expect("shrinking it");
    }
    let bytes = std::fs::read(&path).expect("reading it back");
    let _ = std::fs::remove_file(&path);
    bytes
}

fn binary(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    value.to_writer_binary(&mut out).expect("a plist encodes");
    out
}

fn xml(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    value.to_writer_xml(&mut out).expect("a plist encodes");
    out
}

/// The host's connection to the device, recording every byte the host reads.
#[derive(Debug)]
struct Recorder {
    inner: tokio::io::DuplexStream,
    read: Arc<Mutex<Vec<u8>>>,
}

impl AsyncRead for Recorder {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let mut read = self.read.lock().expect("the recording");
            read.extend_from_slice(&buf.filled()[before..]);
        }
        polled
    }
}

impl AsyncWrite for Recorder {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A connection to the device's mobilebackup2 service, and what the host reads from it.
async fn connect(device: &Arc<VirtualDevice>) -> (Mobilebackup2, Arc<Mutex<Vec<u8>>>) {
    let (host_side, device_side) = tokio::io::duplex(256 * 1024);
    tokio::spawn(
        Arc::new(MobileBackup2).serve(Arc::clone(device), Transport::plain(Box::new(device_side))),
    );
    let read = Arc::new(Mutex::new(Vec::new()));
    let recorder = Recorder {
        inner: host_side,
        read: Arc::clone(&read),
    };
    let client = Mobilebackup2::over_stream(recorder, device.udid())
        .await
        .expect("the DeviceLink handshake");
    (client, read)
}

fn recorded(operation: u8, read: &Mutex<Vec<u8>>) -> Vec<u8> {
    let read = read.lock().expect("the recording");
    [&[operation][..], &read].concat()
}

/// Backups, a restore and a password change with a small virtual iPhone; returns the backup
/// folders written (plain, then encrypted).
async fn conversations(corpus: &Corpus, work: &Path) -> Vec<PathBuf> {
    let state = StateDir::open(work.join("state")).expect("the emulator's state folder");
    let mut folders = Vec::new();
    for (i, encrypted) in [(0, false), (1, true)] {
        let mut profile = DeviceProfile::catalog(i);
        profile.backup.content.target_bytes = 24 << 10;
        profile.backup.kdf = CHEAP;
        let device = Arc::new(
            VirtualDevice::open(
                profile,
                i as u32 + 1,
                &state,
                Arc::new(ServiceRegistry::backup_services()),
                TrustPrompt::Accept,
            )
            .expect("a virtual iPhone"),
        );
        let udid = device.udid().to_owned();
        let identity = binary(&Value::Dictionary(device.root_values()));
        corpus.put(
            "device_identity",
            &format!("getvalue-{i}.bplist"),
            &identity,
        );
        let root = work.join(format!("backups-{i}"));
        std::fs::create_dir_all(root.join(&udid)).expect("the backup folder");
        let mut folder = DirFolder::new(&root);
        if encrypted {
            let (mut client, read) = connect(&device).await;
            client
                .change_password(None, Some("seed"))
                .await
                .expect("encryption turned on");
            corpus.put("mobilebackup2_host", "change-password", &recorded(2, &read));
        }
        for (n, full) in [true, false].into_iter().enumerate() {
            let (mut client, read) = connect(&device).await;
            client
                .backup(&mut folder, full, |_| {})
                .await
                .expect("a backup of the virtual iPhone");
            let name = format!("backup-{i}-{}", ["full", "incremental"][n]);
            let mut bytes = recorded(0, &read);
            // A full backup sends the whole phone (about 1 MB): its first 64 KiB are seed
            // enough, and keep the corpus small; an incremental one (about 100 KB) is kept whole.
            if full {
                bytes.truncate(SEED_LIMIT);
            }
            corpus.put("mobilebackup2_host", &name, &bytes);
            if !encrypted && full {
                // The start of the message stream alone, for the framing target (its inputs
                // are at most 4 KiB).
                corpus.put("devicelink_framing", "device-backup", &bytes[1..4097]);
            }
        }
        if !encrypted {
            let (mut client, read) = connect(&device).await;
            client
                .restore(&mut folder, &RestoreOptions::default(), |_| {})
                .await
                .expect("a restore onto the virtual iPhone");
            corpus.put("mobilebackup2_host", "restore", &recorded(1, &read));
        }
        folders.push(root.join(udid));
    }
    folders
}

/// The Finder folders' plists, Manifest.db and MBFile records, and keybags, as the device wrote
/// them.
fn from_backups(corpus: &Corpus, folders: &[PathBuf]) {
    for (i, folder) in folders.iter().enumerate() {
        for name in ["Manifest.plist", "Status.plist", "Info.plist"] {
            if let Ok(bytes) = std::fs::read(folder.join(name)) {
                corpus.put("finder_plists", &format!("{i}-{name}"), &bytes);
            }
        }
        let backup = keepsake_mobilesync::BackupFolder::open(folder).expect("a backup folder");
        if let Ok(keybag) = backup.manifest.keybag() {
            corpus.put("keybag", &format!("device-{i}"), &keybag.to_bytes());
        }
        let Ok(db_bytes) = std::fs::read(folder.join("Manifest.db")) else {
            continue;
        };
        if db_bytes.starts_with(keepsake_mobilesync::SQLITE_MAGIC) {
            corpus.put("manifest_db", "device-backup-small.db", &small_db(&db_bytes, 3));
            let db = backup.manifest_db(None).expect("the device's Manifest.db");
            let entries = db.entries().expect("its entries");
            for kind in [EntryKind::File, EntryKind::Directory, EntryKind::Symlink] {
                if let Some(e) = entries.iter().find(|e| e.kind == kind) {
                    let name = format!("device-{kind:?}").to_lowercase();
                    corpus.put("mbfile", &name, &e.file.encode().expect("an MBFile"));
                }
            }
        }
    }
}

fn devicelink(corpus: &Corpus) {
    let mut process = Dictionary::new();
    process.insert("MessageName".into(), "Response".into());
    process.insert("ErrorCode".into(), 0u64.into());
    let device = [
        DeviceMessage::VersionExchange {
            major: dl::VERSION_MAJOR,
            minor: dl::VERSION_MINOR,
        },
        DeviceMessage::DeviceReady,
        DeviceMessage::ProcessMessage(process.clone()),
        DeviceMessage::DownloadFiles {
            paths: vec!["UDID/Manifest.plist".into(), "UDID/Status.plist".into()],
            progress: Some(12.5),
        },
        DeviceMessage::UploadFiles {
            progress: None,
            total_bytes: Some(1 << 20),
        },
        DeviceMessage::GetFreeDiskSpace,
        DeviceMessage::PurgeDiskSpace { bytes: Some(4096) },
        DeviceMessage::ContentsOfDirectory {
            path: "UDID/00".into(),
        },
        DeviceMessage::CreateDirectory {
            path: "UDID/ab".into(),
        },
        DeviceMessage::MoveItems {
            moves: vec![(
                "UDID/Snapshot/Manifest.db".into(),
                "UDID/Manifest.db".into(),
            )],
            progress: Some(99.0),
        },
        DeviceMessage::RemoveItems {
            paths: vec!["UDID/Snapshot".into()],
            progress: None,
        },
        DeviceMessage::CopyItem {
            from: "UDID/Manifest.db".into(),
            to: "UDID/Manifest.db.bak".into(),
        },
        DeviceMessage::Ping {
            message: "ping".into(),
        },
        DeviceMessage::Disconnect {
            reason: Some("___EmptyParameterString___".into()),
        },
    ];
    for (i, message) in device.iter().enumerate() {
        let value = message.to_value();
        let name = message.name().trim_start_matches("DLMessage").to_owned();
        corpus.put(
            "devicelink_messages",
            &format!("device-{i:02}-{name}"),
            &binary(&value),
        );
        let framed = dl::encode_message(&value).expect("a message frames");
        corpus.put(
            "devicelink_framing",
            &format!("message-{i:02}-{name}"),
            &framed,
        );
    }
    let host = [
        HostMessage::VersionsOk {
            major: dl::VERSION_MAJOR,
        },
        HostMessage::ProcessMessage(process),
        HostMessage::StatusResponse(StatusResponse::ok(Some(Value::Integer(1024.into())))),
        HostMessage::StatusResponse(StatusResponse::error(
            dl::status::NO_SUCH_FILE,
            "No such file",
        )),
    ];
    for (i, message) in host.iter().enumerate() {
        corpus.put(
            "devicelink_messages",
            &format!("host-{i}.xml"),
            &xml(&message.to_value()),
        );
    }
    // An UploadFiles batch: a complete file, one the device could not finish, the batch's end.
    let mut stream = dl::encode_file_names("/var/mobile/Library/a.db", "UDID/0a/0a1b");
    stream.extend(dl::encode_data_block(b"SQLite format 3\0"));
    stream.extend(dl::encode_data_block(&[0x42; 300]));
    stream.extend(dl::FILE_END);
    stream.extend(dl::encode_file_names("/var/mobile/b", "UDID/0b/0b2c"));
    stream.extend(dl::encode_data_block(b"partial"));
    stream.extend(dl::encode_error_block(true, "the file changed"));
    stream.extend(dl::BATCH_END);
    corpus.put("devicelink_framing", "upload-stream", &stream);
}

fn mobilesync(corpus: &Corpus) {
    let (keybag, keys) = Keybag::generate("seed", CHEAP).expect("a keybag");
    corpus.put("keybag", "generated", &keybag.to_bytes());
    let file = MbFile {
        relative_path: "Library/SMS/sms.db".into(),
        size: Some(4096),
        mode: MODE_FILE | 0o644,
        last_modified: 1_700_000_000,
        last_status_change: 1_700_000_001,
        birth: 1_600_000_000,
        inode: 42,
        user_id: 501,
        group_id: 501,
        protection_class: 3,
        flags: 0,
        encryption_key: Some(keys.new_file_key(3).expect("a file key").1),
        digest: Some(vec![9; 20]),
        extended_attributes: Some(binary(&Value::Dictionary(Dictionary::new()))),
        target: None,
    };
    let directory = MbFile {
        relative_path: "Library/SMS".into(),
        mode: MODE_DIRECTORY,
        size: Some(0),
        ..MbFile::default()
    };
    let link = MbFile {
        relative_path: "Library/link".into(),
        mode: MODE_SYMLINK,
        target: Some("SMS/sms.db".into()),
        ..MbFile::default()
    };
    for (name, f) in [
        ("file", &file),
        ("directory", &directory),
        ("symlink", &link),
    ] {
        corpus.put("mbfile", name, &f.encode().expect("an MBFile"));
    }
    let mut db = ManifestDb::new().expect("a Manifest.db");
    let entries = [
        ManifestEntry::new("HomeDomain", EntryKind::File, file),
        ManifestEntry::new("HomeDomain", EntryKind::Directory, directory),
        ManifestEntry::new("HomeDomain", EntryKind::Symlink, link),
    ];
    db.insert(&entries).expect("entries");
    db.set_property("salt", b"1234").expect("a property");
    corpus.put(
        "manifest_db",
        "written-small.db",
        &small_db(&db.to_bytes().expect("its bytes"), 3),
    );
    let lockdown = keepsake_mobilesync::Lockdown {
        unique_device_id: "00008110-000A1B2C3D4E5F60".into(),
        device_name: "Ada's iPhone".into(),
        product_type: "iPhone14,5".into(),
        product_version: "17.5.1".into(),
        ..Default::default()
    };
    let info = InfoPlist::for_device(&lockdown, "GUID");
    corpus.put(
        "finder_plists",
        "info.xml",
        &info.to_xml().expect("Info.plist"),
    );
    let mut manifest = ManifestPlist::new(lockdown);
    manifest.is_encrypted = true;
    manifest.backup_key_bag = Some(keybag.to_bytes().into());
    manifest.manifest_key = Some(vec![3; 44].into());
    corpus.put(
        "finder_plists",
        "manifest.xml",
        &manifest.to_xml().expect("Manifest.plist"),
    );
    let status = StatusPlist::finished("UUID", true);
    corpus.put(
        "finder_plists",
        "status.bplist",
        &status.to_binary().expect("Status.plist"),
    );
}

fn store(corpus: &Corpus, work: &Path) {
    let cheap = keepsake_store::KdfParams::insecure_for_tests();
    let options = [
        ("clear", KeySource::None),
        ("password", KeySource::password("seed")),
        (
            "slots",
            KeySource::Slots(vec![
                NewSlot::new(SlotKind::Password, "seed"),
                NewSlot::new(SlotKind::RecoveryKey, "recovery"),
            ]),
        ),
    ];
    for (name, key) in options {
        let path = work.join(format!("repo-{name}"));
        let options = InitOptions {
            key,
            kdf: cheap.clone(),
            ..InitOptions::unencrypted()
        };
        drop(Repository::init(&path, &options).expect("a repository"));
        let config = std::fs::read(path.join("keepsake-repo.json")).expect("its config");
        corpus.put("store_config", name, &config);
    }
    let text = vec![b'k'; 5000];
    let chunks: [&[u8]; 3] = [b"a small chunk", &text, &[0x9c; 64]];
    for (mode, encrypted) in [(0u8, false), (1, true)] {
        let pack = fuzzing::write_pack(&chunks, encrypted).expect("a pack");
        let name = ["clear-pack", "encrypted-pack"][mode as usize];
        corpus.put("store_pack", name, &[&[mode][..], &pack].concat());
        if !encrypted {
            let (_, read) = fuzzing::read_pack(&pack, false);
            for (i, chunk) in read.expect("its index").iter().enumerate() {
                let start = chunk.offset as usize;
                let blob = &pack[start..start + chunk.stored_len as usize];
                let seed = [&[2u8][..], &chunk.raw_len.to_le_bytes(), &chunk.id, blob].concat();
                corpus.put("store_pack", &format!("blob-{i}"), &seed);
            }
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus"));
    let corpus = Corpus(out);
    let work = std::env::temp_dir().join(format!("keepsake-fuzz-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("a work folder");
    devicelink(&corpus);
    mobilesync(&corpus);
    store(&corpus, &work);
    let folders = conversations(&corpus, &work).await;
    from_backups(&corpus, &folders);
    std::fs::remove_dir_all(&work).expect("removing the work folder");
    println!("seeds written to {}", corpus.0.display());
}
