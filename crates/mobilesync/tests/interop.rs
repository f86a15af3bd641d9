//! Interoperability with an independent reader: the encrypted folders we write must open in
//! `iphone_backup_decrypt` (PyPI), which validates PKCS#7 padding, iteration-count limits and
//! MBFile blob sizes the way the notes describe.
//!
//! Run with a Python that has it installed:
//! `python3 -m venv /tmp/ibd && /tmp/ibd/bin/pip install iphone-backup-decrypt==0.11.2`
//! `KEEPSAKE_IBD_PYTHON=/tmp/ibd/bin/python cargo test -p keepsake-mobilesync --test interop -- --ignored`

use std::collections::BTreeMap;
use std::process::Command;

use keepsake_mobilesync::{
    BackupEncryption, BackupWriter, InfoPlist, KdfParams, Lockdown, ManifestPlist, MbFile,
    StatusPlist, MODE_DIRECTORY, MODE_FILE,
};
use sha1::{Digest, Sha1};

const SCRIPT: &str = r#"
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

fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
#[ignore = "needs Python with iphone_backup_decrypt: set KEEPSAKE_IBD_PYTHON"]
fn iphone_backup_decrypt_reads_our_encrypted_backup() {
    let python = std::env::var("KEEPSAKE_IBD_PYTHON")
        .expect("KEEPSAKE_IBD_PYTHON must name a python with iphone_backup_decrypt");
    let dir = tempfile::tempdir().unwrap();
    // Real-device ITER; a smaller DPIC keeps the test quick (readers accept any count ≤ 20M).
    let params = KdfParams {
        iterations: 10_000,
        dp_iterations: 20_000,
    };
    let encryption = BackupEncryption::generate("interop pw", params).unwrap();
    let mut writer = BackupWriter::create(dir.path(), Some(encryption)).unwrap();
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
        expected.insert(format!("{domain}/{path}"), sha1_hex(contents));
    }
    let manifest = ManifestPlist::new(Lockdown {
        product_version: "17.0".into(),
        ..Lockdown::default()
    });
    let status = StatusPlist::finished("01234567-89AB-CDEF-0123-456789ABCDEF", true);
    writer
        .finish(manifest, &status, &InfoPlist::default())
        .unwrap();

    let wanted: Vec<(&str, &str)> = files.iter().map(|(d, p, _, _)| (*d, *p)).collect();
    let wanted = format!(
        "[{}]",
        wanted
            .iter()
            .map(|(d, p)| format!("[\"{d}\", \"{p}\"]"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let output = Command::new(python)
        .args(["-c", SCRIPT])
        .arg(dir.path())
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
        last.contains("\"wrong_password\": \"IncorrectPassphraseError\""),
        "{last}"
    );
    assert!(
        !stdout.contains("INFO: decrypted"),
        "the reader saw a size mismatch: {stdout}"
    );
    for (name, digest) in expected {
        assert!(
            last.contains(&format!("\"{name}\": \"{digest}\"")),
            "{name} differs: {last}"
        );
    }
}
