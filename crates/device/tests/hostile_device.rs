//! A broken or hostile virtual iPhone against the host's backup loop (issue 5 item 7: every path,
//! size and name the device sends is untrusted). Each fault must end the backup with a clear
//! `DeviceError` that names the device, write nothing outside the target folder, and never make
//! the host allocate what the device claims.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use keepsake_device::{DeviceError, DirFolder, Step, Usbmuxd};
use keepsake_emulator::backup_state::Fault;
use keepsake_emulator::{Config, VirtualIphone};

/// What one backup against a device with `fault` left behind.
struct Attempt {
    /// Holds the phone's state, the target folder and everything a traversal could reach.
    dir: tempfile::TempDir,
    /// The folder the backup was asked to write into (`<dir>/target`).
    target: PathBuf,
    udid: String,
    result: keepsake_device::Result<keepsake_device::BackupSummary>,
}

async fn back_up_with(fault: Option<Fault>) -> Attempt {
    back_up_making(|_, _| fault).await.0
}

/// The same with the fault `make` builds from the device's UDID and the walked folder, and
/// what the device received back from a [`Fault::Request`].
async fn back_up_making(
    make: impl FnOnce(&str, &Path) -> Option<Fault>,
) -> (Attempt, Option<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path().join("phone"), 1)).unwrap();
    let mux = Usbmuxd::parse(&phone.usbmuxd_socket_address()).unwrap();
    let udid = phone.devices()[0].udid().to_owned();
    let device = phone.device(&udid).unwrap();
    let fault = make(&udid, dir.path());
    let asked_something = matches!(fault, Some(Fault::Request(_)));
    device.backup().set_fault(fault);
    // `<target>/<UDID>/../../escape` is `<dir>/escape`: inside the walked tree.
    let target = dir.path().join("target");
    std::fs::create_dir_all(&target).unwrap();

    let mut mb = common::open_mobilebackup2(&mux, &udid).await;
    let result = mb.backup(&mut DirFolder::new(&target), false, |_| {}).await;
    // The host hangs up on a device it gave up on.
    drop(mb);
    let reply = if asked_something {
        let wait = tokio::time::timeout(Duration::from_secs(30), device.backup().hostile_reply());
        Some(wait.await.expect("the device made its hostile request"))
    } else {
        None
    };
    phone.stop();
    let attempt = Attempt {
        dir,
        target,
        udid,
        result,
    };
    (attempt, reply)
}

/// Every file below `root` whose name starts with `name`.
fn files_named(root: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                pending.push(path.clone());
            }
            if entry.file_name().to_string_lossy().starts_with(name) {
                found.push(path);
            }
        }
    }
    found
}

/// The failure, checked to name the device and to say each of `says`, with nothing escaped
/// anywhere near the target and no finished-looking backup left.
fn refused<'a>(attempt: &'a Attempt, says: &[&str]) -> &'a DeviceError {
    let err = match &attempt.result {
        Ok(summary) => panic!("the hostile backup succeeded: {summary:?}"),
        Err(e) => e,
    };
    let text = err.to_string();
    for phrase in std::iter::once(attempt.udid.as_str()).chain(says.iter().copied()) {
        assert!(text.contains(phrase), "{phrase:?} not in: {text}");
    }
    let escaped = files_named(attempt.dir.path(), "escape");
    assert!(escaped.is_empty(), "written by the device: {escaped:?}");
    let status = attempt.target.join(&attempt.udid).join("Status.plist");
    assert!(!status.exists(), "a failed backup must not look finished");
    err
}

/// The error's variant and the step it names, to compare in one line.
fn kind(err: &DeviceError) -> (&'static str, Option<Step>) {
    match err {
        DeviceError::Malformed { what, .. } => ("Malformed", Some(*what)),
        DeviceError::ConnectionLost { what, .. } => ("ConnectionLost", Some(*what)),
        DeviceError::BackupFailed { .. } => ("BackupFailed", None),
        other => panic!("unexpected error: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_path_traversal_name_is_refused_and_nothing_escapes() {
    let attempt = back_up_with(Some(Fault::PathTraversal)).await;
    let err = refused(&attempt, &["../../escape", "climbs out of its folder"]);
    assert_eq!(kind(err), ("Malformed", Some(Step::FilePath)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_under_another_device_is_refused() {
    let attempt = back_up_with(Some(Fault::ForeignDevice)).await;
    let err = refused(&attempt, &["is not inside the device's folder"]);
    assert_eq!(kind(err), ("Malformed", Some(Step::FilePath)));
    // the only folder in the target is the device's own
    let folders: Vec<_> = std::fs::read_dir(&attempt.target)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        folders.iter().all(|f| *f == attempt.udid),
        "{folders:?} in the target"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_absurd_block_length_is_an_error_not_an_allocation() {
    let attempt = back_up_with(Some(Fault::AbsurdBlock)).await;
    let size = format!("a block of {} bytes", 0xFFFF_FFF0u32);
    let err = refused(&attempt, &[&size]);
    assert_eq!(kind(err), ("Malformed", Some(Step::Request("UploadFiles"))));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_absurd_message_length_is_an_error_not_an_allocation() {
    let attempt = back_up_with(Some(Fault::AbsurdMessage)).await;
    let size = format!("length {} is out of bounds", 0xFFFF_FFF0u32);
    let err = refused(&attempt, &[&size]);
    assert_eq!(kind(err), ("Malformed", Some(Step::Message)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_dropped_mid_file_is_a_clear_error() {
    let attempt = back_up_with(Some(Fault::DropAfterBytes(1 << 20))).await;
    let err = refused(
        &attempt,
        &["the connection to the device was lost while receiving a file"],
    );
    assert_eq!(kind(err), ("ConnectionLost", Some(Step::ReceivingFile)));
    // the files before the drop arrived; the one cut short left nothing behind
    let files: Vec<_> = files_named(&attempt.target.join(&attempt.udid), "")
        .into_iter()
        .filter(|p| p.is_file())
        .collect();
    assert!(!files.is_empty(), "nothing arrived before the drop");
    let partial: Vec<_> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "keepsake-partial"))
        .collect();
    assert!(partial.is_empty(), "left behind: {partial:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_side_error_code_is_reported_in_words() {
    let fault = Fault::ErrorCode(
        105,
        "Insufficient free disk space on drive to backup".into(),
    );
    let attempt = back_up_with(Some(fault)).await;
    let err = refused(
        &attempt,
        &["not enough free space", "Insufficient free disk space"],
    );
    assert!(
        matches!(err, DeviceError::BackupFailed { code: 105, .. }),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_fault_the_same_backup_succeeds() {
    // The control: the walk and the checks above pass only because of the faults.
    let attempt = back_up_with(None).await;
    let summary = attempt.result.as_ref().expect("a clean backup");
    assert!(summary.files_received > 0);
    assert!(attempt
        .target
        .join(&attempt.udid)
        .join("Status.plist")
        .is_file());
    assert!(files_named(attempt.dir.path(), "escape").is_empty());
}

/// A DeviceLink message as the device frames it: a binary plist array.
fn message(items: Vec<plist::Value>) -> Fault {
    let mut out = Vec::new();
    plist::Value::Array(items)
        .to_writer_binary(&mut out)
        .unwrap();
    Fault::Request(out.into())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_named_as_the_device_folder_itself_is_refused_and_leaves_nothing() {
    let (attempt, _) = back_up_making(|udid, _| Some(Fault::UploadNamed(udid.to_owned()))).await;
    let err = refused(&attempt, &["is the device's folder, not a file in it"]);
    assert_eq!(kind(err), ("Malformed", Some(Step::FilePath)));
    // a plain folder would have started `<target>/<UDID>.keepsake-partial` beside it
    let beside: Vec<_> = std::fs::read_dir(&attempt.target)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| *f != attempt.udid)
        .collect();
    assert!(beside.is_empty(), "{beside:?} in the target");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_absolute_upload_name_is_refused() {
    let (attempt, _) =
        back_up_making(|_, dir| Some(Fault::UploadNamed(dir.join("escape").display().to_string())))
            .await;
    let err = refused(&attempt, &["is not inside the device's folder"]);
    assert_eq!(kind(err), ("Malformed", Some(Step::FilePath)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_move_out_of_the_folder_is_refused_and_nothing_moves() {
    let (attempt, reply) = back_up_making(|udid, _| {
        let mut moves = plist::Dictionary::new();
        moves.insert(
            format!("{udid}/Status.plist"),
            format!("{udid}/../../escape").into(),
        );
        Some(message(vec![
            "DLMessageMoveItems".into(),
            plist::Value::Dictionary(moves),
        ]))
    })
    .await;
    let err = refused(&attempt, &["climbs out of its folder"]);
    assert_eq!(kind(err), ("Malformed", Some(Step::FilePath)));
    assert_eq!(reply, Some(Vec::new()), "the host answered the move");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_download_outside_the_folder_sends_the_device_nothing() {
    let (attempt, reply) = back_up_making(|udid, dir| {
        std::fs::write(dir.join("decoy-file"), b"not the device's").unwrap();
        Some(message(vec![
            "DLMessageDownloadFiles".into(),
            plist::Value::Array(vec![
                format!("{udid}/Manifest.db").into(),
                format!("{udid}/../../decoy-file").into(),
            ]),
        ]))
    })
    .await;
    let err = refused(&attempt, &["climbs out of its folder"]);
    assert_eq!(kind(err), ("Malformed", Some(Step::FilePath)));
    // not even the legitimate Manifest.db of a batch that also names a file outside
    assert_eq!(
        reply,
        Some(Vec::new()),
        "the host sent the device something"
    );
    assert_eq!(
        std::fs::read(attempt.dir.path().join("decoy-file")).unwrap(),
        b"not the device's"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_of_millions_of_shared_items_is_refused_before_it_is_parsed() {
    // `[name, [s × 2^22]]` where every slot is one reference to the same string.
    let count: u64 = 1 << 22;
    let mut body = b"bplist00".to_vec();
    let mut offsets = vec![body.len() as u64];
    body.extend_from_slice(&[0xa2, 1, 2]);
    offsets.push(body.len() as u64);
    body.extend_from_slice(b"\x5f\x10\x14DLMessageRemoveItems");
    offsets.push(body.len() as u64);
    body.extend_from_slice(&[0xaf, 0x13]);
    body.extend_from_slice(&count.to_be_bytes());
    body.extend(std::iter::repeat_n(3u8, count as usize));
    offsets.push(body.len() as u64);
    body.extend_from_slice(b"\x55a/b/c");
    let table = body.len() as u64;
    for o in &offsets {
        body.extend_from_slice(&o.to_be_bytes());
    }
    body.extend_from_slice(&[0, 0, 0, 0, 0, 0, 8, 1]);
    body.extend_from_slice(&(offsets.len() as u64).to_be_bytes());
    body.extend_from_slice(&0u64.to_be_bytes());
    body.extend_from_slice(&table.to_be_bytes());
    let (attempt, _) = back_up_making(|_, _| Some(Fault::Request(body.into()))).await;
    let err = refused(&attempt, &[&format!("a plist of at least {count} items")]);
    assert_eq!(kind(err), ("Malformed", Some(Step::Message)));
}
