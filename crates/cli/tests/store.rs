//! `keepsake store …` as a user runs it: a folder snapshotted, changed, snapshotted again,
//! listed, read back, restored, forgotten, collected and checked, with --json output.

use std::path::Path;
use std::process::Output;

use keepsake_testkit::Cli;

const PASSWORD: &str = "a test password";

fn keepsake(args: &[&str], password: Option<&str>) -> Output {
    let cli = Cli::new(env!("CARGO_BIN_EXE_keepsake"));
    match password {
        Some(p) => cli.env("KEEPSAKE_PASSWORD", p).run(args),
        None => cli.run(args),
    }
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = keepsake(&all, Some(PASSWORD));
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {out:?}"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn write(path: &Path, data: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

fn photo() -> Vec<u8> {
    (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

#[test]
fn store_add_is_incremental_and_everything_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("Keepsake.Backups");
    let phone = tmp.path().join("phone");
    write(&phone.join("Info.plist"), b"<plist>info</plist>");
    write(&phone.join("Library/SMS/sms.db"), &vec![7u8; 50_000]);
    write(&phone.join("DCIM/IMG_0001.HEIC"), &photo());

    let created = json(&["store", "init", "--insecure-test-kdf", s(&repo)]);
    assert_eq!(created["encrypted"], true);

    let first = json(&["store", "add", s(&repo), s(&phone), "--device", "iphone"]);
    assert_eq!(first["snapshot"]["files"], 3);
    assert_eq!(first["files_read"], 3);

    // Nothing changed: nothing read.
    let second = json(&["store", "add", s(&repo), s(&phone), "--device", "iphone"]);
    assert_eq!(second["files_read"], 0);
    assert_eq!(second["files_unchanged"], 3);
    assert_eq!(second["bytes_read"], 0);
    assert_eq!(second["snapshot"]["added_bytes"], 0);

    // One file changed, one removed, one added: only the changed and added ones are read.
    write(&phone.join("Info.plist"), b"<plist>info, changed</plist>");
    std::fs::remove_file(phone.join("DCIM/IMG_0001.HEIC")).unwrap();
    write(&phone.join("notes.txt"), b"new");
    let third = json(&["store", "add", s(&repo), s(&phone), "--device", "iphone"]);
    assert_eq!(third["files_read"], 2);
    assert_eq!(third["files_removed"], 1);
    assert_eq!(third["bytes_read"], 28 + 3);
    let third_id = third["snapshot"]["id"].as_i64().unwrap();
    let first_id = first["snapshot"]["id"].as_i64().unwrap();

    let snaps = json(&["store", "snapshots", s(&repo)]);
    assert_eq!(snaps.as_array().unwrap().len(), 3);
    assert_eq!(snaps[0]["device"], "iphone");

    let files = json(&["store", "ls", s(&repo), &third_id.to_string()]);
    let paths: Vec<&str> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["Info.plist", "Library/SMS/sms.db", "notes.txt"]);

    let out = keepsake(
        &[
            "store",
            "cat",
            s(&repo),
            &first_id.to_string(),
            "Info.plist",
        ],
        Some(PASSWORD),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, b"<plist>info</plist>");

    let target = tmp.path().join("restored");
    let restored = json(&[
        "store",
        "restore",
        s(&repo),
        &first_id.to_string(),
        s(&target),
    ]);
    assert_eq!(restored["files"], 3);
    assert_eq!(
        std::fs::read(target.join("Info.plist")).unwrap(),
        b"<plist>info</plist>"
    );
    assert_eq!(
        std::fs::read(target.join("Library/SMS/sms.db")).unwrap(),
        vec![7u8; 50_000]
    );
    assert_eq!(
        std::fs::read(target.join("DCIM/IMG_0001.HEIC")).unwrap(),
        photo()
    );

    let one = tmp.path().join("one");
    let restored = json(&[
        "store",
        "restore",
        s(&repo),
        &first_id.to_string(),
        s(&one),
        "--path",
        "DCIM",
    ]);
    assert_eq!(restored["files"], 1);
    assert!(one.join("DCIM/IMG_0001.HEIC").exists() && !one.join("Info.plist").exists());

    let stats = json(&["store", "stats", s(&repo)]);
    assert!(
        stats["snapshot_overhead_bytes"].as_u64().unwrap() > 0,
        "{stats}"
    );
    assert_eq!(stats["snapshots"].as_array().unwrap().len(), 3);

    let forgot = json(&["store", "forget", s(&repo), &first_id.to_string()]);
    assert_eq!(forgot["snapshots"], 1);
    let gc = json(&["store", "gc", s(&repo)]);
    assert!(
        gc["bytes_after"].as_u64() <= gc["bytes_before"].as_u64(),
        "{gc}"
    );
    let check = json(&["store", "check", s(&repo)]);
    assert_eq!(
        check["damaged_chunks"].as_array().unwrap().len(),
        0,
        "{check}"
    );
    assert_eq!(
        check["catalog_problems"].as_array().unwrap().len(),
        0,
        "{check}"
    );
}

#[test]
fn store_errors_say_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");

    let out = keepsake(&["store", "init", s(&repo)], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("KEEPSAKE_PASSWORD"),
        "{out:?}"
    );

    let out = keepsake(
        &["store", "init", "--insecure-test-kdf", s(&repo)],
        Some(PASSWORD),
    );
    assert!(out.status.success(), "{out:?}");
    let out = keepsake(&["store", "snapshots", s(&repo)], Some("not it"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("wrong password"),
        "{out:?}"
    );

    let out = keepsake(&["store", "ls", s(&repo), "42"], Some(PASSWORD));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no snapshot 42"),
        "{out:?}"
    );

    let out = keepsake(
        &["store", "snapshots", s(&tmp.path().join("nothing"))],
        None,
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("keepsake store init"),
        "{out:?}"
    );
}

#[test]
fn store_check_exits_1_and_names_the_damaged_file() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let phone = tmp.path().join("phone");
    write(
        &phone.join("photo.jpg"),
        &(0..100_000u32)
            .map(|i| (i * 13 % 253) as u8)
            .collect::<Vec<_>>(),
    );
    assert!(
        keepsake(&["store", "init", "--no-encryption", s(&repo)], None)
            .status
            .success()
    );
    assert!(keepsake(&["store", "add", s(&repo), s(&phone)], None)
        .status
        .success());
    // Truncate every pack.
    for sub in std::fs::read_dir(repo.join("packs")).unwrap() {
        for f in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            let len = std::fs::metadata(&p).unwrap().len();
            std::fs::OpenOptions::new()
                .write(true)
                .open(&p)
                .unwrap()
                .set_len(len / 2)
                .unwrap();
        }
    }
    let out = keepsake(&["store", "check", s(&repo)], None);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("cannot restore photo.jpg"), "{text}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is damaged"),
        "{out:?}"
    );
}

/// `init --keyring`: a random key in the OS credential store (the test runs under
/// scripts/with-keyring.sh, a real GNOME Keyring), nothing to type afterwards, and a password
/// is not a way in.
#[test]
fn a_keyring_repository_opens_without_a_password_and_not_with_one() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("Keepsake.Backups");
    let phone = tmp.path().join("phone");
    write(&phone.join("Library/SMS/sms.db"), &vec![7u8; 50_000]);

    let out = keepsake(&["--json", "store", "init", "--keyring", s(&repo)], None);
    assert!(
        out.status.success(),
        "init --keyring: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = std::fs::read_to_string(repo.join("keepsake-repo.json")).unwrap();
    assert!(config.contains("keepsake-store"), "{config}");
    let added = keepsake(&["--json", "store", "add", s(&repo), s(&phone)], None);
    assert!(
        added.status.success(),
        "add: {}",
        String::from_utf8_lossy(&added.stderr)
    );
    let listed = keepsake(&["--json", "store", "snapshots", s(&repo)], None);
    assert!(listed.status.success());
    let snapshots: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(snapshots.as_array().unwrap().len(), 1);
    // a password does not open a repository whose key is in the credential store
    let wrong = keepsake(&["store", "snapshots", s(&repo)], Some("guess"));
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        !String::from_utf8_lossy(&wrong.stderr).is_empty(),
        "the refusal is explained"
    );
}
