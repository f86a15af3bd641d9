//! A broken or hostile virtual iPhone backed up the way products do it: `keepsake_core::back_up`
//! into a real location's snapshot store (issue 17 item 5). Every name, path, size and plist the
//! device sends is untrusted. For each case the backup must end with an error that names the
//! device and what it sent; nothing may be written outside the location (a decoy tree beside it
//! is walked before and after); nothing may be served to the device that it could not ask for
//! legitimately (the virtual iPhone keeps every byte the host answered); no snapshot may be
//! committed; the earlier snapshot stays whole (`check` passes, its files as they were); and the
//! device's job is released (the next attempt claims it, the last one backs up normally).
//!
//! Absurd sizes are measured, not only refused: this binary counts every heap allocation (a
//! `#[global_allocator]` around the system one) and the case runs alone in a child process of
//! this binary, so the peak it reports is the backup's and nobody else's.
//!
//! Needs the OS credential store: run through scripts/with-keyring.sh.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use keepsake_core::{back_up, DeviceJob};
use keepsake_emulator::backup_state::Fault;
use keepsake_store::commands::{check, list, restore};
use keepsake_testkit::{require_secret_service, Bench};
use plist::{Dictionary, Value};

/// The system allocator, counting the bytes live now and the most there have been.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, new_size) };
        if !q.is_null() {
            if new_size >= layout.size() {
                let grown = new_size - layout.size();
                let now = LIVE.fetch_add(grown, Ordering::Relaxed) + grown;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Heap bytes the process held at most while `run` ran, beyond what it held when it began.
async fn peak_during<T>(run: impl std::future::Future<Output = T>) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = run.await;
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

/// What the device claims, against what the host may hold meanwhile.
const MEMORY_BUDGET: usize = 64 << 20;

/// Content the decoys hold; the device must never be sent it, nor change it.
const DECOY: &[u8] = b"the person's own file, outside the backup location\n";

/// A bench whose phones are small (a backup takes a fraction of a second), with a decoy tree
/// beside the location: `<dir>/decoy/victim`, `<dir>/escape` and `<dir>/disk/escape` stand
/// where the traversals point.
struct Hostile {
    bench: Bench,
    udid: String,
    /// The device's name as the host knows it.
    name: String,
    /// The snapshot made before the hostile attempts, and its files; `kept`: all of this
    /// device's snapshots then.
    first: i64,
    kept: Vec<i64>,
    first_files: Vec<(String, u64, usize)>,
    first_status: Vec<u8>,
    /// Everything outside the repository and the phone's own state, by path.
    tree: BTreeMap<PathBuf, Vec<u8>>,
}

fn small_bench(phones: usize) -> Bench {
    let mut bench = Bench::with(phones, |config| {
        for d in &mut config.devices {
            d.backup.content.target_bytes = 1 << 20;
        }
    });
    // A host that answered a hostile request and waits for more fails here in seconds (with
    // a message the checks reject), not in minutes.
    bench.options.silence = keepsake_device::SilenceLimits {
        preparing: Duration::from_secs(30),
        transferring: Duration::from_secs(10),
    };
    bench
}

impl Hostile {
    /// Backs up every phone of `bench` normally once (the last one being the device under
    /// test), then lays out the decoys.
    async fn start(bench: Bench) -> Hostile {
        require_secret_service();
        let devices = bench.phone.devices();
        let mut first = None;
        for d in devices.iter().rev() {
            let report = back_up(&bench.ctx, Some(d.udid()), &bench.options, |_| {})
                .await
                .expect("a normal backup");
            first = Some(report);
        }
        let first = first.expect("one phone at least");
        let dir = bench.dir.path();
        std::fs::create_dir_all(dir.join("decoy")).unwrap();
        for decoy in ["decoy/victim", "escape", "disk/escape"] {
            std::fs::write(dir.join(decoy), DECOY).unwrap();
        }
        let repo = bench.location().open(None).unwrap();
        let first_files = files_of(&repo, first.snapshot.id);
        let mut first_status = Vec::new();
        restore::cat(&repo, first.snapshot.id, "Status.plist", &mut first_status).unwrap();
        drop(repo);
        let tree = tree_outside_repository(dir);
        Hostile {
            kept: vec![first.snapshot.id],
            udid: first.udid.clone(),
            name: first.device.clone(),
            first: first.snapshot.id,
            first_files,
            first_status,
            tree,
            bench,
        }
    }

    fn dir(&self) -> &Path {
        self.bench.dir.path()
    }

    fn repository(&self) -> PathBuf {
        self.bench.location().repository_path()
    }

    /// One backup with `fault` on, checked to fail saying each of `says`, then every
    /// invariant. Returns the error's text.
    async fn refused(&self, case: &str, fault: Fault, says: &[&str]) -> String {
        self.refused_within(case, fault, says).await.0
    }

    /// The same, with the heap the backup took at its peak (see [`peak_during`]).
    async fn refused_within(&self, case: &str, fault: Fault, says: &[&str]) -> (String, usize) {
        let device = self.bench.device(0);
        assert_eq!(device.udid(), self.udid);
        device.backup().set_fault(Some(fault));
        let (result, peak) = peak_during(back_up(
            &self.bench.ctx,
            Some(&self.udid),
            &self.bench.options,
            |_| {},
        ))
        .await;
        device.backup().set_fault(None);
        let text = match result {
            Ok(report) => panic!("{case}: the hostile backup succeeded: {report:?}"),
            Err(e) => e.to_string(),
        };
        assert!(
            text.contains(&self.udid) || text.contains(&self.name),
            "{case}: the device is not named in: {text}"
        );
        for phrase in says {
            assert!(text.contains(phrase), "{case}: {phrase:?} not in: {text}");
        }
        self.assert_untouched(case);
        (text, peak)
    }

    /// Nothing outside the repository changed, the earlier snapshot is all there is of this
    /// device and is as it was, and the device's job is free.
    fn assert_untouched(&self, case: &str) {
        let now = tree_outside_repository(self.dir());
        let added: Vec<_> = now.keys().filter(|p| !self.tree.contains_key(*p)).collect();
        assert!(
            added.is_empty(),
            "{case}: written outside the location: {added:?}"
        );
        for (path, bytes) in &self.tree {
            assert_eq!(
                now.get(path),
                Some(bytes),
                "{case}: {path:?} changed or went"
            );
        }
        let stray = names_below(&self.repository(), &["escape", "victim", "stolen"]);
        assert!(stray.is_empty(), "{case}: in the repository: {stray:?}");

        let repo = self.bench.location().open(None).unwrap();
        let mine: Vec<i64> = list::snapshots(&repo)
            .unwrap()
            .into_iter()
            .filter(|s| s.device == self.udid)
            .map(|s| s.id)
            .collect();
        assert_eq!(mine, self.kept, "{case}: a snapshot was committed");
        assert_eq!(
            files_of(&repo, self.first),
            self.first_files,
            "{case}: the earlier snapshot's files changed"
        );
        let mut status = Vec::new();
        restore::cat(&repo, self.first, "Status.plist", &mut status).unwrap();
        assert_eq!(status, self.first_status, "{case}: Status.plist changed");
        drop(repo);

        let job = DeviceJob::claim(self.bench.ctx.dirs(), &self.udid, &self.name);
        assert!(job.is_ok(), "{case}: the device's job is still held");
    }

    /// The end of every test: the whole repository checks out, and a normal backup succeeds.
    async fn finish(self) {
        let repo = self.bench.location().open(None).unwrap();
        let report = check::check(&repo, &mut |_| {}).unwrap();
        assert!(
            report.catalog_problems.is_empty()
                && report.pack_problems.is_empty()
                && report.damaged_chunks.is_empty(),
            "{report:?}"
        );
        drop(repo);
        let after = back_up(
            &self.bench.ctx,
            Some(&self.udid),
            &self.bench.options,
            |_| {},
        )
        .await
        .expect("a normal backup after the hostile ones");
        assert!(after.snapshot.id > self.first);
        self.bench.phone.stop();
    }

    /// The bytes the host sent back to the device's hostile request: nothing at all.
    async fn assert_nothing_served(&self, case: &str) {
        let device = self.bench.device(0);
        let wait = tokio::time::timeout(Duration::from_secs(30), device.backup().hostile_reply());
        let reply = wait
            .await
            .unwrap_or_else(|_| panic!("{case}: the device made no hostile request"));
        assert!(
            !contains(&reply, DECOY),
            "{case}: the host sent a decoy's bytes"
        );
        assert!(
            reply.is_empty(),
            "{case}: the host answered {} bytes: {:?}",
            reply.len(),
            String::from_utf8_lossy(&reply[..reply.len().min(200)])
        );
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn files_of(repo: &keepsake_store::Repository, snapshot: i64) -> Vec<(String, u64, usize)> {
    list::files(repo, snapshot)
        .unwrap()
        .into_iter()
        .map(|f| (f.path, f.size, f.chunks))
        .collect()
}

/// Every file below `root` but the repository's and the phone's own, with its content.
fn tree_outside_repository(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let skip = [
        root.join("phone"),
        root.join("disk").join(keepsake_core::BACKUPS_FOLDER),
    ];
    let mut out = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if skip.contains(&path) {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                pending.push(path);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    out
}

/// Every path below `root` whose file name starts with one of `names`.
fn names_below(root: &Path, names: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            }
            if names.iter().any(|n| name.starts_with(n)) {
                found.push(entry.path());
            }
        }
    }
    found
}

/// A DeviceLink message as the device would frame it: a binary plist array.
fn message(items: Vec<Value>) -> Vec<u8> {
    let mut out = Vec::new();
    Value::Array(items).to_writer_binary(&mut out).unwrap();
    out
}

fn strings(paths: &[&str]) -> Value {
    Value::Array(paths.iter().map(|p| Value::from(*p)).collect())
}

fn moves(pairs: &[(&str, &str)]) -> Value {
    let mut d = Dictionary::new();
    for (from, to) in pairs {
        d.insert((*from).into(), (*to).into());
    }
    Value::Dictionary(d)
}

/// The device sends `body` as a DeviceLink message once its first files are in.
fn hostile(body: Vec<u8>) -> Fault {
    Fault::Request(body.into())
}

/// `DLMessageDownloadFiles` and its kin: `[name, items, empty dict, progress]`.
fn request(name: &str, items: Value) -> Fault {
    hostile(message(vec![
        name.into(),
        items,
        Value::Dictionary(Dictionary::new()),
        Value::Real(10.0),
    ]))
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_under_hostile_names_are_refused_and_nothing_escapes() {
    let h = Hostile::start(small_bench(1)).await;
    let u = h.udid.clone();
    let victim = h.dir().join("decoy/victim").display().to_string();
    let long = format!("{u}/{}", "a/".repeat(2100));
    let long_says = format!("file name of {} bytes", long.len());
    let cases: Vec<(&str, Fault, Vec<String>)> = vec![
        (
            "climbing from the root",
            Fault::UploadNamed("../escape".into()),
            vec!["\"../escape\"".into()],
        ),
        (
            "climbing out of the device's folder",
            Fault::PathTraversal,
            vec![format!("\"{u}/../../escape\""), "climbs out".into()],
        ),
        (
            "an absolute path",
            Fault::UploadNamed(victim.clone()),
            vec![
                format!("{victim:?}"),
                "not inside the device's folder".into(),
            ],
        ),
        (
            "`..` deep under the device's folder",
            Fault::UploadNamed(format!("{u}/ab/../../../decoy/victim")),
            vec!["climbs out".into()],
        ),
        (
            "a NUL in the name",
            Fault::UploadNamed(format!("{u}/ab/x\0/../../../escape")),
            vec!["contains NUL".into()],
        ),
        (
            "a name longer than DeviceLink allows",
            Fault::UploadNamed(long),
            vec![long_says],
        ),
        (
            "another device's folder",
            Fault::ForeignDevice,
            vec!["not inside the device's folder".into()],
        ),
        (
            "the device's folder itself as a file",
            Fault::UploadNamed(u.clone()),
            vec![
                format!("{u:?}"),
                "is the device's folder, not a file in it".into(),
            ],
        ),
        (
            "backslashes",
            Fault::UploadNamed(format!("{u}\\..\\..\\escape")),
            vec!["forbidden characters".into()],
        ),
        (
            "Keepsake's own record of the snapshot",
            Fault::UploadNamed(format!("{u}/.keepsake/forms")),
            vec!["Keepsake's own record".into()],
        ),
    ];
    for (case, fault, says) in cases {
        let says: Vec<&str> = says.iter().map(String::as_str).collect();
        h.refused(case, fault, &says).await;
    }
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn moves_copies_removes_and_downloads_outside_the_backup_are_refused() {
    // A second phone with its own snapshot in the same location: its files are not this one's.
    let h = Hostile::start(small_bench(2)).await;
    let u = h.udid.clone();
    let other = h.bench.device(1).udid().to_owned();
    let victim = h.dir().join("decoy/victim").display().to_string();
    let store_file = std::fs::read_dir(h.repository())
        .unwrap()
        .map(|e| e.unwrap())
        .find(|e| e.file_type().unwrap().is_file())
        .expect("a file in the repository")
        .file_name()
        .to_string_lossy()
        .into_owned();
    let store_abs = h.repository().join(&store_file).display().to_string();
    let store_rel = format!("{u}/../../disk/Keepsake.Backups/{store_file}");
    let up = format!("{u}/../../decoy/victim");
    let escape = format!("{u}/../../escape-moved");
    let status = format!("{u}/Status.plist");
    let manifest = format!("{u}/Manifest.plist");
    let others = format!("{other}/Manifest.plist");
    let stolen = format!("{u}/stolen");

    let move_cases: Vec<(&str, Fault, String)> = vec![
        (
            "MoveItems to a traversal",
            request("DLMessageMoveItems", moves(&[(&status, &escape)])),
            escape.clone(),
        ),
        (
            "MoveFiles from a traversal",
            request("DLMessageMoveFiles", moves(&[(&up, &stolen)])),
            up.clone(),
        ),
        (
            "MoveItems from an absolute path",
            request("DLMessageMoveItems", moves(&[(&victim, &stolen)])),
            victim.clone(),
        ),
        (
            "MoveItems of another device's file",
            request("DLMessageMoveItems", moves(&[(&others, &stolen)])),
            others.clone(),
        ),
        (
            "MoveItems onto the device's folder",
            request("DLMessageMoveItems", moves(&[(&status, &u)])),
            u.clone(),
        ),
        (
            "CopyItem from a traversal",
            hostile(message(vec![
                "DLMessageCopyItem".into(),
                up.as_str().into(),
                stolen.as_str().into(),
                Value::Dictionary(Dictionary::new()),
            ])),
            up.clone(),
        ),
        (
            "CopyItem to an absolute path",
            hostile(message(vec![
                "DLMessageCopyItem".into(),
                manifest.as_str().into(),
                h.dir().join("escape-copied").display().to_string().into(),
                Value::Dictionary(Dictionary::new()),
            ])),
            h.dir().join("escape-copied").display().to_string(),
        ),
        (
            "RemoveItems of a traversal",
            request("DLMessageRemoveItems", strings(&[&up])),
            up.clone(),
        ),
        (
            "RemoveFiles of an absolute path",
            request("DLMessageRemoveFiles", strings(&[&victim])),
            victim.clone(),
        ),
        (
            "RemoveItems of another device's folder",
            request("DLMessageRemoveItems", strings(&[&other])),
            other.clone(),
        ),
        (
            "RemoveItems of the store's own file",
            request("DLMessageRemoveItems", strings(&[&store_rel])),
            store_rel.clone(),
        ),
        (
            "CreateDirectory outside",
            hostile(message(vec![
                "DLMessageCreateDirectory".into(),
                escape.as_str().into(),
            ])),
            escape.clone(),
        ),
        (
            "ContentsOfDirectory of the host's folders",
            hostile(message(vec![
                "DLContentsOfDirectory".into(),
                format!("{u}/../..").into(),
            ])),
            format!("{u}/../.."),
        ),
    ];
    for (case, fault, path) in move_cases {
        h.refused(case, fault, &[&format!("{path:?}")]).await;
        h.assert_nothing_served(case).await;
    }

    let downloads: Vec<(&str, Vec<String>)> = vec![
        ("a traversal", vec![up.clone()]),
        ("an absolute path", vec![victim.clone()]),
        (
            "another device's files",
            vec![others.clone(), format!("{other}/Status.plist")],
        ),
        ("the store's own files, relative", vec![store_rel.clone()]),
        ("the store's own files, absolute", vec![store_abs.clone()]),
        // a legitimate path first: nothing of it may go out either once the batch is hostile
        (
            "a legitimate file, then an outside one",
            vec![status.clone(), up.clone()],
        ),
    ];
    for (case, paths) in downloads {
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        // the first path outside is the one named; the legitimate one is never sent
        let last = format!("{:?}", paths.iter().find(|p| **p != status).unwrap());
        h.refused(
            case,
            request("DLMessageDownloadFiles", strings(&refs)),
            &[&last],
        )
        .await;
        h.assert_nothing_served(case).await;
    }
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_plists_are_refused_and_no_snapshot_is_made_of_them() {
    let h = Hostile::start(small_bench(1)).await;
    let wrong_status = {
        let mut d = Dictionary::new();
        d.insert("SnapshotState".into(), Value::Integer(5.into()));
        d.insert("UUID".into(), Value::Boolean(true));
        let mut out = Vec::new();
        Value::Dictionary(d).to_writer_binary(&mut out).unwrap();
        out
    };
    let unfinished_status = {
        let mut d = Dictionary::new();
        d.insert("SnapshotState".into(), "new".into());
        d.insert("UUID".into(), "0F1E2D3C".into());
        d.insert("IsFullBackup".into(), false.into());
        d.insert("Version".into(), "3.3".into());
        d.insert("BackupState".into(), "new".into());
        d.insert(
            "Date".into(),
            Value::Date(std::time::SystemTime::now().into()),
        );
        let mut out = Vec::new();
        Value::Dictionary(d).to_writer_xml(&mut out).unwrap();
        out
    };
    let array_manifest = {
        let mut out = Vec::new();
        Value::Array(vec![1.into()])
            .to_writer_binary(&mut out)
            .unwrap();
        out
    };
    let wrong_manifest = {
        let mut d = Dictionary::new();
        d.insert("IsEncrypted".into(), "yes".into());
        d.insert("Lockdown".into(), Value::Integer(1.into()));
        let mut out = Vec::new();
        Value::Dictionary(d).to_writer_xml(&mut out).unwrap();
        out
    };
    let final_cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "Status.plist not a plist",
            "Status.plist",
            b"not a plist at all".to_vec(),
        ),
        ("Status.plist of wrong types", "Status.plist", wrong_status),
        (
            "Status.plist not finished",
            "Status.plist",
            unfinished_status,
        ),
        (
            "Manifest.plist not a plist",
            "Manifest.plist",
            b"bplist00\xff\xff".to_vec(),
        ),
        ("Manifest.plist an array", "Manifest.plist", array_manifest),
        (
            "Manifest.plist of wrong types",
            "Manifest.plist",
            wrong_manifest,
        ),
        (
            "Info.plist not a plist",
            "Info.plist",
            b"<?xml version=".to_vec(),
        ),
    ];
    for (case, name, bytes) in final_cases {
        let fault = Fault::FinalFile {
            name: name.into(),
            bytes,
        };
        h.refused(
            case,
            fault,
            &[&format!("sent a {name}"), "nothing was saved"],
        )
        .await;
    }

    let message_cases: Vec<(&str, Fault, &str)> = vec![
        (
            "a message that is not a plist",
            Fault::InvalidPlist,
            "a message",
        ),
        (
            "a message that is a dictionary",
            hostile({
                let mut out = Vec::new();
                Value::Dictionary(Dictionary::new())
                    .to_writer_binary(&mut out)
                    .unwrap();
                out
            }),
            "a request",
        ),
        (
            "DownloadFiles of numbers",
            hostile(message(vec![
                "DLMessageDownloadFiles".into(),
                Value::Array(vec![1.into(), 2.into()]),
            ])),
            "DLMessageDownloadFiles",
        ),
        (
            "MoveItems to a number",
            request(
                "DLMessageMoveItems",
                Value::Dictionary(Dictionary::from_iter([(
                    format!("{}/Status.plist", h.udid),
                    Value::Integer(3.into()),
                )])),
            ),
            "DLMessageMoveItems",
        ),
        (
            "XML cut short",
            hostile(
                b"<?xml version=\"1.0\"?><plist><array><string>DLMessageDownloadFiles".to_vec(),
            ),
            "a message",
        ),
    ];
    for (case, fault, says) in message_cases {
        h.refused(case, fault, &["something Keepsake cannot read", says])
            .await;
    }
    h.finish().await;
}

/// A binary plist `[name, [path × count]]` in which every path is one shared string object:
/// a few bytes on the wire per item, a whole string each once parsed.
fn shared_items(name: &str, path: &str, count: usize) -> Vec<u8> {
    // objects: 0 the message, 1 its name, 2 the items, 3 the path; one-byte references
    let mut objects: Vec<Vec<u8>> = Vec::new();
    let array = |refs: &[u8], count: usize| {
        let mut o = Vec::new();
        if count < 15 {
            o.push(0xa0 | count as u8);
        } else {
            o.push(0xaf);
            o.push(0x13); // an 8-byte integer length follows
            o.extend_from_slice(&(count as u64).to_be_bytes());
        }
        o.extend_from_slice(refs);
        o
    };
    let ascii = |s: &str| {
        let mut o = Vec::new();
        if s.len() < 15 {
            o.push(0x50 | s.len() as u8);
        } else {
            o.push(0x5f);
            o.push(0x11);
            o.extend_from_slice(&(s.len() as u16).to_be_bytes());
        }
        o.extend_from_slice(s.as_bytes());
        o
    };
    objects.push(array(&[1, 2], 2));
    objects.push(ascii(name));
    objects.push(array(&vec![3u8; count], count));
    objects.push(ascii(path));
    let mut out = b"bplist00".to_vec();
    let mut offsets = Vec::new();
    for o in &objects {
        offsets.push(out.len() as u64);
        out.extend_from_slice(o);
    }
    let table = out.len() as u64;
    for o in &offsets {
        out.extend_from_slice(&o.to_be_bytes());
    }
    out.extend_from_slice(&[0; 6]);
    out.push(8); // offset size
    out.push(1); // reference size
    out.extend_from_slice(&(objects.len() as u64).to_be_bytes());
    out.extend_from_slice(&0u64.to_be_bytes());
    out.extend_from_slice(&table.to_be_bytes());
    out
}

#[test]
fn absurd_sizes_cost_the_host_little_memory() {
    // Alone in a child of this binary: the allocation counter then sees only this backup.
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args(["absurd_sizes_child", "--exact", "--ignored", "--nocapture"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("absurd sizes: done"),
        "the child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "run by absurd_sizes_cost_the_host_little_memory, alone in its process"]
async fn absurd_sizes_child() {
    let h = Hostile::start(small_bench(1)).await;
    let u = h.udid.clone();
    let (normal, normal_peak) = peak_during(back_up(
        &h.bench.ctx,
        Some(&u),
        &{
            let mut o = h.bench.options.clone();
            o.full = true;
            o
        },
        |_| {},
    ))
    .await;
    let normal = normal.expect("a normal full backup");
    println!(
        "a normal full backup ({} bytes received): peak {} KiB",
        normal.bytes_received,
        normal_peak >> 10
    );
    // That snapshot is the one the hostile attempts must leave alone.
    let h = Hostile::start_from(h, normal.snapshot.id).await;

    let path = format!("{u}/ab/abababababababababababababababababababab");
    let cases: Vec<(&str, Fault, Vec<String>)> = vec![
        (
            "a message claiming 4 GiB",
            Fault::AbsurdMessage,
            vec![format!("length {} is out of bounds", 0xFFFF_FFF0u32)],
        ),
        (
            "a block claiming 4 GiB",
            Fault::AbsurdBlock,
            vec![format!("a block of {} bytes", 0xFFFF_FFF0u32)],
        ),
        (
            "a file claiming 4 TiB, 160 MiB of it sent in 8 MiB blocks",
            Fault::HugeFile {
                claimed: 4 << 40,
                sent: 160 << 20,
            },
            vec!["connection to the device was lost while receiving a file".into()],
        ),
        (
            "RemoveItems of 16 million paths",
            hostile(shared_items(
                "DLMessageRemoveItems",
                &path,
                16 * 1024 * 1024 - 200,
            )),
            vec!["items".into()],
        ),
        (
            "DownloadFiles of a million paths",
            hostile(shared_items("DLMessageDownloadFiles", &path, 1 << 20)),
            vec!["items".into()],
        ),
    ];
    for (case, fault, says) in cases {
        let says: Vec<&str> = says.iter().map(String::as_str).collect();
        let (text, peak) = h.refused_within(case, fault, &says).await;
        println!("{case}: peak {} KiB; {text}", peak >> 10);
        assert!(
            peak < MEMORY_BUDGET,
            "{case}: the host held {} MiB at its peak",
            peak >> 20
        );
    }
    h.finish().await;
    println!("absurd sizes: done");
}

impl Hostile {
    /// The same bench, with `snapshot` (made since) as the one to keep intact.
    async fn start_from(h: Hostile, snapshot: i64) -> Hostile {
        let repo = h.bench.location().open(None).unwrap();
        let first_files = files_of(&repo, snapshot);
        let mut first_status = Vec::new();
        restore::cat(&repo, snapshot, "Status.plist", &mut first_status).unwrap();
        drop(repo);
        let tree = tree_outside_repository(h.dir());
        let mut kept = h.kept.clone();
        kept.push(snapshot);
        Hostile {
            kept,
            first: snapshot,
            first_files,
            first_status,
            tree,
            ..h
        }
    }
}

#[test]
fn the_shared_items_plist_is_what_it_claims() {
    // The attack plist itself parses as the message it stands for, at a size a test can hold.
    let bytes = shared_items("DLMessageRemoveItems", "U/ab/cd", 1000);
    let value = Value::from_reader(std::io::Cursor::new(&bytes)).unwrap();
    let items = value.as_array().unwrap();
    assert_eq!(items[0].as_string(), Some("DLMessageRemoveItems"));
    let paths = items[1].as_array().unwrap();
    assert_eq!(paths.len(), 1000);
    assert!(paths.iter().all(|p| p.as_string() == Some("U/ab/cd")));
    assert!(bytes.len() < 1200, "{} bytes", bytes.len());
}
