//! Interoperability with independent readers: the encrypted folders we write must open in
//! `iphone_backup_decrypt` (strict PKCS#7, iteration-count and MBFile size limits) and
//! `iOSbackup` (truncates to `Size`, needs the Lockdown keys and every MBFile field), both PyPI.
//!
//! Run with a Python that has both installed:
//! `python3 -m venv /tmp/ibd && /tmp/ibd/bin/pip install iphone-backup-decrypt==0.11.2 iOSbackup==0.9.925`
//! `KEEPSAKE_INTEROP_PYTHON=/tmp/ibd/bin/python cargo test -p keepsake-mobilesync --test interop -- --ignored`

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use keepsake_mobilesync::{
    BackupEncryption, BackupWriter, InfoPlist, KdfParams, Lockdown, ManifestPlist, MbFile,
    StatusPlist, MODE_DIRECTORY, MODE_FILE,
};
use sha1::{Digest, Sha1};

const IPHONE_BACKUP_DECRYPT: &str = r#"
import json, sys, hashlib
from iphone_backup_decrypt import EncryptedBackup
backup_dir, password, wanted = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
try:
    EncryptedBackup(backup_directory=backup_dir, passphrase="not the password").test_decryption()
    wrong = "accepted"
except Exception as e:
    wrong = type(e).__name__
backup = EncryptedBackup(backup_directory=backup_dir, passphrase=password)
backup.test_decryption()
out = {}
for domain, path in wanted:
    data = backup.extract_file_as_bytes(path, domain_like=domain)
    out[domain + "/" + path] = hashlib.sha1(data).hexdigest()
print(json.dumps({"wrong_password": wrong, "files": out}))
"#;

const IOSBACKUP: &str = r#"
import json, sys, hashlib, os, tempfile
from iOSbackup import iOSbackup
backup_dir, password, wanted = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
root, udid = os.path.split(backup_dir)
try:
    iOSbackup(udid=udid, cleartextpassword="not the password", backuproot=root)
    wrong = "accepted"
except Exception as e:
    wrong = type(e).__name__
backup = iOSbackup(udid=udid, cleartextpassword=password, backuproot=root)
out = {}
with tempfile.TemporaryDirectory() as target:
    for i, (domain, path) in enumerate(wanted):
        info = backup.getFileDecryptedCopy(relativePath=path, targetFolder=target, targetName=str(i))
        with open(info["decryptedFilePath"], "rb") as f:
            out[domain + "/" + path] = hashlib.sha1(f.read()).hexdigest()
    # Walks directories too: fails on any MBFile without Size or the time fields.
    backup.getFolderDecryptedCopy(relativePath="Library", targetFolder=os.path.join(target, "tree"))
print(json.dumps({"wrong_password": wrong, "files": out}))
"#;

const UDID: &str = "00008030-001A2B3C4D5E6F70";

fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes an encrypted backup to `<dir>/<UDID>`; returns (domain, path) → SHA-1 of contents.
fn write_backup(dir: &Path) -> BTreeMap<(String, String), String> {
    // Real-device ITER; a smaller DPIC keeps the test quick (readers accept any count ≤ 20M).
    let params = KdfParams {
        iterations: 10_000,
        dp_iterations: 20_000,
    };
    let encryption = BackupEncryption::generate("interop pw", params).unwrap();
    let mut writer = BackupWriter::create(dir.join(UDID), Some(encryption)).unwrap();
    writer.add_directory(
        "HomeDomain",
        MbFile {
            relative_path: "Library".into(),
            mode: MODE_DIRECTORY,
            ..MbFile::default()
        },
    );
    let files: Vec<(&str, &str, u32, Vec<u8>)> = vec![
        ("HomeDomain", "Library/SMS/sms.db", 3, vec![0x53; 8192]),
        ("HomeDomain", "Library/Notes/one.txt", 1, b"x".to_vec()),
        (
            "CameraRollDomain",
            "Media/DCIM/100APPLE/IMG_0001.JPG",
            3,
            (0..200_003u32).map(|i| (i % 251) as u8).collect(),
        ),
        (
            "AppDomain-com.example.app",
            "Documents/seventeen",
            2,
            vec![9; 17],
        ),
        ("KeychainDomain", "keychain-backup.plist", 4, vec![1; 15]),
    ];
    let mut expected = BTreeMap::new();
    for (domain, path, class, contents) in &files {
        let meta = MbFile {
            relative_path: (*path).into(),
            mode: MODE_FILE,
            protection_class: *class,
            ..MbFile::default()
        };
        writer.add_file(domain, meta, contents.as_slice()).unwrap();
        expected.insert((domain.to_string(), path.to_string()), sha1_hex(contents));
    }
    let manifest = ManifestPlist::new(Lockdown {
        device_name: "Interop iPhone".into(),
        product_type: "iPhone15,2".into(),
        product_version: "17.0".into(),
        serial_number: "F2LINTEROP".into(),
        unique_device_id: UDID.into(),
        build_version: "21A329".into(),
        other: Default::default(),
    });
    let status = StatusPlist::finished("01234567-89AB-CDEF-0123-456789ABCDEF", true);
    let info = InfoPlist::for_device(&manifest.lockdown, "5E0C1A2B-HOST");
    writer.finish(manifest, &status, &info).unwrap();

    expected
}

/// Runs `script` on a fresh backup and checks every file's digest and the wrong-password case.
fn check_reader(script: &str, wrong_password_error: &str) {
    let python = std::env::var("KEEPSAKE_INTEROP_PYTHON")
        .expect("KEEPSAKE_INTEROP_PYTHON must name a python with the readers installed");
    let dir = tempfile::tempdir().unwrap();
    let expected = write_backup(dir.path());
    let wanted = format!(
        "[{}]",
        expected
            .keys()
            .map(|(d, p)| format!("[\"{d}\", \"{p}\"]"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let output = Command::new(python)
        .args(["-c", script])
        .arg(dir.path().join(UDID))
        .arg("interop pw")
        .arg(wanted)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "reader failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    // One JSON line; checked by substring to avoid a JSON dependency for one test.
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.contains(&format!("\"wrong_password\": \"{wrong_password_error}\"")),
        "{last}"
    );
    assert!(
        !stdout.contains("INFO: decrypted"),
        "the reader saw a size mismatch: {stdout}"
    );
    for ((domain, path), digest) in expected {
        assert!(
            last.contains(&format!("\"{domain}/{path}\": \"{digest}\"")),
            "{domain}/{path} differs: {last}"
        );
    }
}

#[test]
#[ignore = "needs Python with iphone_backup_decrypt: set KEEPSAKE_INTEROP_PYTHON"]
fn iphone_backup_decrypt_reads_our_encrypted_backup() {
    check_reader(IPHONE_BACKUP_DECRYPT, "IncorrectPassphraseError");
}

#[test]
#[ignore = "needs Python with iOSbackup: set KEEPSAKE_INTEROP_PYTHON"]
fn iosbackup_reads_our_encrypted_backup() {
    // iOSbackup has no typed error: a wrong password fails its own AES unwrap check.
    check_reader(IOSBACKUP, "Exception");
}
