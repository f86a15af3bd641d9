//! An encrypted device's backups kept decrypted in the store (issue 18): what is exported is,
//! byte for byte, what the device sent, day after day and across a password change; and a day
//! costs about what it costs an unencrypted twin of the phone. Needs the OS credential store:
//! run through scripts/with-keyring.sh, as scripts/test.sh does.

use std::collections::BTreeMap;
use std::path::Path;

use keepsake_core::apple_form::{Forms, RESERVED_DIR};
use keepsake_core::interchange::export;
use keepsake_core::{back_up, BackupOptions, Location, Secret, Unlock};
use keepsake_store::commands::list;
use keepsake_testkit::{require_secret_service, Bench};
use sha2::{Digest, Sha256};

const PASSWORD: &str = "correct horse";
const NEW_PASSWORD: &str = "battery staple";

/// Every file below `root`, by its path relative to `root`, and its SHA-256.
fn digests(root: &Path) -> BTreeMap<String, [u8; 32]> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, Sha256::digest(std::fs::read(&path).unwrap()).into());
            }
        }
    }
    out
}

/// Snapshot `snapshot` of the bench's location exported into a folder of its own (`tag`), as
/// file digests.
fn exported(
    bench: &Bench,
    snapshot: i64,
    password: Option<&str>,
    tag: &str,
) -> BTreeMap<String, [u8; 32]> {
    let out = bench.dir.path().join(format!("export-{tag}-{snapshot}"));
    export(
        &bench.location(),
        &Unlock::new(),
        snapshot,
        &out,
        password,
        &mut |_, _| {},
    )
    .unwrap_or_else(|e| panic!("{tag}: snapshot {snapshot}: {e}"));
    let got = digests(&out);
    std::fs::remove_dir_all(&out).unwrap();
    got
}

/// Two phones with the same content and the same days of use, one encrypted, each backed up
/// into a location of its own.
struct Twins {
    bench: Bench,
    plain: BackupOptions,
    encrypted: BackupOptions,
}

impl Twins {
    fn start() -> Twins {
        let bench = Bench::with(2, |config| {
            let content = config.devices[0].backup.content.clone();
            for d in &mut config.devices {
                d.backup.content = content.clone();
                d.backup.content.target_bytes = 8 << 20;
            }
        });
        let mut plain = bench.options.clone();
        plain.location = Some(bench.dir.path().join("plain-disk"));
        std::fs::create_dir_all(plain.location.as_ref().unwrap()).unwrap();
        let mut encrypted = bench.options.clone();
        encrypted.backup_password = Some(Secret::new(PASSWORD));
        bench
            .device(1)
            .backup()
            .enable_encryption(PASSWORD)
            .unwrap();
        bench.device(1).backup().record_uploads();
        Twins {
            bench,
            plain,
            encrypted,
        }
    }

    /// The bytes the newest snapshot of `options`' location added.
    fn added(options: &BackupOptions) -> (i64, u64) {
        let repo = Location::new(options.location.as_ref().unwrap())
            .open(None)
            .unwrap();
        let newest = list::snapshots(&repo).unwrap().pop().unwrap();
        (newest.id, newest.added_bytes)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_encrypted_device_kept_decrypted_exports_what_it_sent_and_costs_what_plain_does() {
    require_secret_service();
    let twins = Twins::start();
    let bench = &twins.bench;
    let (plain_udid, udid) = (
        bench.device(0).udid().to_owned(),
        bench.device(1).udid().to_owned(),
    );
    let mut sent: BTreeMap<String, [u8; 32]> = BTreeMap::new();
    let mut password = PASSWORD;
    let mut options = twins.encrypted.clone();
    let mut table = Vec::new();
    for day in 0..4 {
        if day > 0 {
            bench.device(0).backup().live_one_day().unwrap();
            bench.device(1).backup().live_one_day().unwrap();
        }
        if day == 2 {
            // the password changes on the phone (as `keepsake encryption` changes it)
            let device = bench.device(1);
            let mut enc = device.backup().encryption().unwrap();
            enc.change_password(NEW_PASSWORD, device.backup().options().kdf)
                .unwrap();
            device.backup().set_encryption(Some(enc)).unwrap();
            password = NEW_PASSWORD;
            options.backup_password = Some(Secret::new(NEW_PASSWORD));
        }
        back_up(&bench.ctx, Some(&plain_udid), &twins.plain, |_| {})
            .await
            .unwrap();
        let report = back_up(&bench.ctx, Some(&udid), &options, |_| {})
            .await
            .unwrap_or_else(|e| panic!("day {day}: {e}"));
        let uploads = bench.device(1).backup().take_uploads();
        assert!(!uploads.is_empty(), "day {day}: the phone sent files");
        sent.extend(uploads.clone());

        // kept decrypted: the record lists files, Manifest.db among them
        let repo = bench.location().open(None).unwrap();
        let forms = Forms::load(&repo, report.snapshot.id).unwrap();
        assert!(
            forms.is_exact("Manifest.db") && forms.len() > 10,
            "day {day}: {} files kept decrypted",
            forms.len()
        );
        drop(repo);

        // the export is what the phone sent, file for file, and nothing of Keepsake's own
        let out = bench.dir.path().join(format!("export-{day}"));
        let exported = export(
            &bench.location(),
            &Unlock::new(),
            report.snapshot.id,
            &out,
            Some(password),
            &mut |_, _| {},
        )
        .unwrap_or_else(|e| panic!("day {day}: {e}"));
        let got = digests(&out);
        assert!(!got.keys().any(|p| p.contains(RESERVED_DIR)), "day {day}");
        for (path, digest) in &uploads {
            assert_eq!(
                got.get(path),
                Some(digest),
                "day {day}: {path} is not what the phone sent"
            );
        }
        let mut compared = 0;
        for (path, digest) in &got {
            if path.ends_with("/Info.plist") {
                continue; // the host's own
            }
            let expected = sent
                .get(path)
                .unwrap_or_else(|| panic!("day {day}: {path} was never sent"));
            assert_eq!(
                digest, expected,
                "day {day}: {path} differs from what was sent"
            );
            compared += 1;
        }
        assert!(compared as u64 + 1 >= exported.files, "day {day}");

        // and it opens with the password, every file of the phone as it is today
        keepsake_testkit::backup_matches(
            &out.join(&udid),
            &bench.device(1).backup().phone().unwrap(),
            Some(password),
        )
        .unwrap_or_else(|e| panic!("day {day}: {e}"));

        let (_, plain_added) = Twins::added(&twins.plain);
        let (_, encrypted_added) = Twins::added(&options);
        table.push((day, plain_added, encrypted_added));
    }
    eprintln!("day  unencrypted  encrypted  ratio (bytes the snapshot added)");
    for (day, plain, encrypted) in &table {
        eprintln!(
            "{day:>3}  {plain:>11}  {encrypted:>9}  {:.3}",
            *encrypted as f64 / *plain as f64
        );
    }
    for (day, plain, encrypted) in &table {
        let limit = if *day == 0 { 1.05 } else { 1.2 };
        assert!(
            (*encrypted as f64) <= limit * *plain as f64,
            "day {day}: encrypted added {encrypted} bytes, unencrypted {plain}"
        );
    }
    twins.bench.phone.stop();
}

const IPHONE_BACKUP_DECRYPT: &str = include_str!("../../../tests/interop/iphone_backup_decrypt.py");
const IOSBACKUP: &str = include_str!("../../../tests/interop/iosbackup.py");

/// Third-party readers open an exported snapshot that was kept decrypted in the store: every
/// file they are asked for is the phone's (a database changed on the second day among them).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Python with iphone_backup_decrypt and iOSbackup: set KEEPSAKE_INTEROP_PYTHON"]
async fn third_party_readers_open_an_exported_snapshot_kept_decrypted() {
    use sha1::Sha1;
    require_secret_service();
    let python = std::env::var("KEEPSAKE_INTEROP_PYTHON")
        .expect("KEEPSAKE_INTEROP_PYTHON must name a python with the readers installed");
    let bench = Bench::start();
    let device = bench.device(0);
    device.backup().enable_encryption(PASSWORD).unwrap();
    let mut options = bench.options.clone();
    options.backup_password = Some(Secret::new(PASSWORD));
    back_up(&bench.ctx, None, &options, |_| {}).await.unwrap();
    let day0 = device.backup().phone().unwrap();
    device.backup().live_one_day().unwrap();
    let report = back_up(&bench.ctx, None, &options, |_| {}).await.unwrap();
    let phone = device.backup().phone().unwrap();
    let repo = bench.location().open(None).unwrap();
    let forms = Forms::load(&repo, report.snapshot.id).unwrap();
    drop(repo);
    let out = bench.dir.path().join("export");
    export(
        &bench.location(),
        &Unlock::new(),
        report.snapshot.id,
        &out,
        None,
        &mut |_, _| {},
    )
    .unwrap();

    // Files with a relative path no other domain has (iOSbackup looks files up by it alone):
    // every one changed since the first day, and a few that did not.
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for f in phone.backup_files(true) {
        *count.entry(f.key.path.as_str()).or_default() += 1;
    }
    let unchanged = |f: &keepsake_phone_content::FileEntry| {
        day0.backup_files(true)
            .any(|g| g.key == f.key && g.mtime == f.mtime && g.size() == f.size())
    };
    let mut wanted = Vec::new();
    let mut kept = 0;
    for f in phone.backup_files(true) {
        if count[f.key.path.as_str()] != 1 || f.key.path.contains('"') {
            continue;
        }
        if !unchanged(f) || kept < 10 {
            kept += usize::from(unchanged(f));
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut f.reader(), &mut data).unwrap();
            let digest: String = Sha1::digest(&data)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            wanted.push((f.key.domain.clone(), f.key.path.clone(), digest));
        }
    }
    let changed = wanted.len() - kept;
    assert!(
        changed > 0 && kept > 0,
        "{changed} changed, {kept} unchanged"
    );
    assert!(forms.len() > 10, "the snapshot keeps files decrypted");
    let list = format!(
        "[{}]",
        wanted
            .iter()
            .map(|(d, p, _)| format!("[\"{d}\", \"{p}\"]"))
            .collect::<Vec<_>>()
            .join(",")
    );
    for (name, script, wrong) in [
        (
            "iphone_backup_decrypt",
            IPHONE_BACKUP_DECRYPT,
            "IncorrectPassphraseError",
        ),
        ("iOSbackup", IOSBACKUP, "Exception"),
    ] {
        let output = std::process::Command::new(&python)
            .args(["-c", script])
            .arg(out.join(device.udid()))
            .arg(PASSWORD)
            .arg(&list)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{name} failed: {}\n{stdout}",
            String::from_utf8_lossy(&output.stderr)
        );
        let last = stdout.lines().last().unwrap_or_default();
        assert!(
            last.contains(&format!("\"wrong_password\": \"{wrong}\"")),
            "{name}: {last}"
        );
        for (domain, path, digest) in &wanted {
            assert!(
                last.contains(&format!("\"{domain}/{path}\": \"{digest}\"")),
                "{name}: {domain}/{path} differs: {last}"
            );
        }
        eprintln!(
            "{name}: {} files read ({changed} changed on day 1)",
            wanted.len()
        );
    }
    bench.phone.stop();
}

/// Without the password the backup is kept as sent and says what it costs; the next one, with
/// the password, decrypts on top of it (the previous versions' keys from the snapshot kept as
/// sent), and both export as the phone sent them.
#[tokio::test(flavor = "multi_thread")]
async fn without_the_password_a_backup_is_kept_as_sent_and_the_next_one_decrypts() {
    require_secret_service();
    let bench = Bench::start();
    let device = bench.device(0);
    device.backup().enable_encryption(PASSWORD).unwrap();
    device.backup().record_uploads();
    let mut sent = BTreeMap::new();
    let first = back_up(&bench.ctx, None, &bench.options, |_| {})
        .await
        .unwrap();
    assert_eq!(
        first.kept_as_sent.as_deref(),
        Some("the backup password is not at hand")
    );
    sent.extend(device.backup().take_uploads());
    device.backup().live_one_day().unwrap();
    let mut options = bench.options.clone();
    options.backup_password = Some(Secret::new(PASSWORD));
    let second = back_up(&bench.ctx, None, &options, |_| {}).await.unwrap();
    assert_eq!(second.kept_as_sent, None);
    let uploads = device.backup().take_uploads();
    sent.extend(uploads.clone());

    let repo = bench.location().open(None).unwrap();
    assert!(Forms::load(&repo, first.snapshot.id).unwrap().is_empty());
    let forms = Forms::load(&repo, second.snapshot.id).unwrap();
    drop(repo);
    // files changed since the first day were decrypted with the keys they had then
    let changed_kept_decrypted = uploads
        .keys()
        .filter(|p| {
            let inner = p.split_once('/').unwrap().1;
            forms.is_exact(inner)
        })
        .count();
    assert!(changed_kept_decrypted > 0, "{forms:?}");
    for (snapshot, password) in [
        (first.snapshot.id, None),
        (second.snapshot.id, Some(PASSWORD)),
    ] {
        for (path, digest) in exported(&bench, snapshot, password, "day") {
            if path.ends_with("/Info.plist") {
                continue;
            }
            if snapshot == second.snapshot.id || !uploads.contains_key(&path) {
                assert_eq!(
                    sent.get(&path),
                    Some(&digest),
                    "snapshot {snapshot}: {path}"
                );
            }
        }
    }
    bench.phone.stop();
}

/// A wrong password given for the backup does not stop it: the files are kept as sent, the
/// report says why, and the export is what the phone sent.
#[tokio::test(flavor = "multi_thread")]
async fn with_a_wrong_password_the_backup_is_kept_as_sent_and_says_so() {
    require_secret_service();
    let bench = Bench::start();
    let device = bench.device(0);
    device.backup().enable_encryption(PASSWORD).unwrap();
    device.backup().record_uploads();
    let mut options = bench.options.clone();
    options.backup_password = Some(Secret::new("not the password"));
    let report = back_up(&bench.ctx, None, &options, |_| {}).await.unwrap();
    assert_eq!(
        report.kept_as_sent.as_deref(),
        Some("the backup password did not open it")
    );
    let sent = device.backup().take_uploads();
    let repo = bench.location().open(None).unwrap();
    assert!(Forms::load(&repo, report.snapshot.id).unwrap().is_empty());
    drop(repo);
    let out = bench.dir.path().join("export");
    export(
        &bench.location(),
        &Unlock::new(),
        report.snapshot.id,
        &out,
        None,
        &mut |_, _| {},
    )
    .unwrap();
    let got = digests(&out);
    for (path, digest) in &sent {
        assert_eq!(got.get(path), Some(digest), "{path}");
    }
    bench.phone.stop();
}

/// Every snapshot of the bench's location exported, as file digests (the host's own Info.plist
/// left out), with `password` for those that need it.
fn exports(
    bench: &Bench,
    password: Option<&str>,
    tag: &str,
) -> BTreeMap<i64, BTreeMap<String, [u8; 32]>> {
    let repo = bench.location().open(None).unwrap();
    let ids: Vec<i64> = list::snapshots(&repo)
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    drop(repo);
    ids.into_iter()
        .map(|id| {
            let mut got = exported(bench, id, password, tag);
            got.retain(|p, _| !p.ends_with("/Info.plist"));
            (id, got)
        })
        .collect()
}

/// Snapshots taken without the password, across a password change, are converted once the
/// (new) password is given: each exports exactly as before, opens without the password from
/// then on, and the location shrinks; a wrong password changes nothing; converting again finds
/// nothing to do, and the next backup builds on the converted snapshots.
#[tokio::test(flavor = "multi_thread")]
async fn snapshots_kept_as_sent_are_converted_in_place_and_export_as_before() {
    require_secret_service();
    let bench = Bench::start();
    let device = bench.device(0);
    let udid = device.udid().to_owned();
    device.backup().enable_encryption(PASSWORD).unwrap();
    device.backup().record_uploads();
    let mut sent = BTreeMap::new();
    let mut days = Vec::new();
    for day in 0..3 {
        if day > 0 {
            device.backup().live_one_day().unwrap();
        }
        if day == 2 {
            let mut enc = device.backup().encryption().unwrap();
            enc.change_password(NEW_PASSWORD, device.backup().options().kdf)
                .unwrap();
            device.backup().set_encryption(Some(enc)).unwrap();
        }
        let report = back_up(&bench.ctx, None, &bench.options, |_| {})
            .await
            .unwrap();
        assert!(report.kept_as_sent.is_some(), "day {day}");
        let uploads = device.backup().take_uploads();
        sent.extend(uploads.clone());
        days.push((report.snapshot.id, uploads));
    }
    let before = exports(&bench, None, "before");
    for (snapshot, uploads) in &days {
        for (path, digest) in uploads {
            assert_eq!(
                before[snapshot].get(path),
                Some(digest),
                "{path} of snapshot {snapshot} before converting"
            );
        }
    }

    let kept_as_sent = || -> Vec<Option<bool>> {
        keepsake_core::timeline::timeline_at(&bench.location(), &Unlock::new(), &udid)
            .unwrap()
            .iter()
            .map(|e| e.kept_as_sent)
            .collect()
    };
    assert_eq!(kept_as_sent(), [Some(true); 3]);
    let repo = bench.location().open(None).unwrap();
    let err = keepsake_core::converting::convert(&repo, &udid, Some("not it"), &mut |_, _| {})
        .unwrap_err();
    assert!(
        matches!(err, keepsake_core::CoreError::WrongBackupPassword { .. }),
        "{err}"
    );
    let mut seen = Vec::new();
    let report =
        keepsake_core::converting::convert(&repo, &udid, Some(NEW_PASSWORD), &mut |d, t| {
            seen.push((d, t))
        })
        .unwrap();
    eprintln!("{report:#?}");
    assert_eq!((report.snapshots, report.snapshots_opened), (3, 3));
    assert!(report.versions_converted > 10, "{report:#?}");
    assert!(
        report.stored_after < report.stored_before,
        "the location did not shrink: {report:#?}"
    );
    let &(done, total) = seen.last().unwrap();
    assert_eq!(
        (done, total),
        (report.bytes_converted, report.bytes_converted)
    );
    for s in list::snapshots(&repo).unwrap() {
        let forms = Forms::load(&repo, s.id).unwrap();
        assert!(
            forms.is_exact("Manifest.db") && forms.len() > 10,
            "snapshot {}: {} kept decrypted",
            s.id,
            forms.len()
        );
    }
    let checked = keepsake_store::commands::check::check(&repo, &mut |_| {}).unwrap();
    assert!(checked.is_ok(), "{checked:#?}");
    drop(repo);

    assert_eq!(kept_as_sent(), [Some(false); 3]);
    // the same bytes, and no password needed any more (none is remembered)
    assert!(keepsake_core::Secrets
        .recall(keepsake_core::SecretKind::BackupPassword, &udid)
        .unwrap()
        .is_none());
    let after = exports(&bench, None, "after");
    assert_eq!(before, after);

    // nothing more to do
    let repo = bench.location().open(None).unwrap();
    let again =
        keepsake_core::converting::convert(&repo, &udid, Some(NEW_PASSWORD), &mut |_, _| {})
            .unwrap();
    assert_eq!(again.versions_converted, 0, "{again:#?}");
    drop(repo);

    // the next backup, with the password, builds on the converted snapshots
    device.backup().live_one_day().unwrap();
    let mut options = bench.options.clone();
    options.backup_password = Some(Secret::new(NEW_PASSWORD));
    let next = back_up(&bench.ctx, None, &options, |_| {}).await.unwrap();
    assert_eq!(next.kept_as_sent, None);
    sent.extend(device.backup().take_uploads());
    let last = exports(&bench, None, "next");
    for (path, digest) in &last[&next.snapshot.id] {
        assert_eq!(sent.get(path), Some(digest), "{path} after the next backup");
    }
    bench.phone.stop();
}

/// A day of use on an encrypted phone backed up with its password, the second backup made with
/// `fault`: its report (or error), what the phone sent that day, and the snapshots before it.
async fn second_day_with(
    fault: keepsake_emulator::backup_state::Fault,
) -> (
    Bench,
    Result<keepsake_core::BackupReport, keepsake_core::CoreError>,
    BTreeMap<String, [u8; 32]>,
    usize,
) {
    let bench = Bench::start();
    let device = bench.device(0);
    device.backup().enable_encryption(PASSWORD).unwrap();
    device.backup().record_uploads();
    let mut options = bench.options.clone();
    options.backup_password = Some(Secret::new(PASSWORD));
    back_up(&bench.ctx, None, &options, |_| {}).await.unwrap();
    device.backup().take_uploads();
    device.backup().live_one_day().unwrap();
    device.backup().set_fault(Some(fault));
    let result = back_up(&bench.ctx, None, &options, |_| {}).await;
    device.backup().set_fault(None);
    let sent = device.backup().take_uploads();
    let repo = bench.location().open(None).unwrap();
    let snapshots = list::snapshots(&repo).unwrap().len();
    drop(repo);
    (bench, result, sent, snapshots)
}

/// The files `snapshot` exports, by digest, against what the phone sent.
fn exports_as_sent(bench: &Bench, snapshot: i64, sent: &BTreeMap<String, [u8; 32]>) {
    let got = exported(bench, snapshot, None, "as-sent");
    for (path, digest) in sent {
        assert_eq!(
            got.get(path),
            Some(digest),
            "{path} is not what the phone sent"
        );
    }
}

/// A phone that gives changed files fresh keys: the host's guesses (the keys they had) do not
/// open them, so they are set aside and decrypted with their new keys; the export is exact.
#[tokio::test(flavor = "multi_thread")]
async fn files_given_fresh_keys_are_decrypted_with_them_and_export_as_sent() {
    require_secret_service();
    let (bench, result, sent, _) =
        second_day_with(keepsake_emulator::backup_state::Fault::FreshKeys).await;
    let report = result.unwrap();
    assert_eq!(report.kept_as_sent, None);
    let repo = bench.location().open(None).unwrap();
    let forms = Forms::load(&repo, report.snapshot.id).unwrap();
    drop(repo);
    let decrypted = sent
        .keys()
        .filter(|p| forms.is_exact(p.split_once('/').unwrap().1))
        .count();
    assert!(
        decrypted > 3,
        "{decrypted} of {} changed files kept decrypted",
        sent.len()
    );
    exports_as_sent(&bench, report.snapshot.id, &sent);
    bench.phone.stop();
}

/// A phone whose Manifest.db lists other keys than those its changed files were encrypted
/// with: the backup is refused, naming the phone, and nothing is saved.
#[tokio::test(flavor = "multi_thread")]
async fn a_phone_listing_other_keys_than_it_used_is_refused_and_nothing_is_saved() {
    require_secret_service();
    let (bench, result, _, snapshots) =
        second_day_with(keepsake_emulator::backup_state::Fault::ListsOtherKeys).await;
    let err = result.unwrap_err().to_string();
    assert!(
        err.contains(bench.device(0).udid())
            && err.contains("new key")
            && err.contains("back up again"),
        "{err}"
    );
    assert_eq!(snapshots, 1, "the faulty backup saved nothing");
    bench.phone.stop();
}

/// A phone whose Manifest.db rows carry keys no class key unwraps: the backup still succeeds;
/// files it had to set aside are kept as sent (export gives them back as the phone sent them),
/// files decrypted with their earlier keys are left out (no reader could open them).
#[tokio::test(flavor = "multi_thread")]
async fn damaged_key_rows_do_not_stop_the_backup_and_what_is_kept_exports_as_sent() {
    require_secret_service();
    let (bench, result, sent, snapshots) =
        second_day_with(keepsake_emulator::backup_state::Fault::DamagedKeyRows).await;
    let report = result.unwrap();
    assert_eq!(snapshots, 2);
    let repo = bench.location().open(None).unwrap();
    let forms = Forms::load(&repo, report.snapshot.id).unwrap();
    let files: Vec<String> = list::files(&repo, report.snapshot.id)
        .unwrap()
        .into_iter()
        .map(|f| f.path)
        .collect();
    drop(repo);
    let mut kept = BTreeMap::new();
    for (path, digest) in &sent {
        let inner = path.split_once('/').unwrap().1;
        assert!(
            !(forms.is_exact(inner) && inner != "Manifest.db"),
            "{inner}: its key does not open, yet it is kept decrypted"
        );
        if files.iter().any(|f| f == inner) {
            kept.insert(path.clone(), *digest);
        }
    }
    assert!(
        kept.len() > 3,
        "{} of {} sent files kept",
        kept.len(),
        sent.len()
    );
    exports_as_sent(&bench, report.snapshot.id, &kept);
    bench.phone.stop();
}
