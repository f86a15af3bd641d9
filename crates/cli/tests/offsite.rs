//! `keepsake offsite` against a real S3-compatible cluster: a repository pushed, listed and
//! restored from the bucket into a new folder; refused keys named as such.

use keepsake_testkit::{noise, Cli, S3Cluster};

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_repository_goes_offsite_and_comes_back_on_another_computer() {
    let cluster = S3Cluster::start();
    cluster.create_bucket("cli-offsite");
    let address = format!(
        "s3+http://{}/cli-offsite/home",
        cluster.endpoint().trim_start_matches("http://")
    );
    let dir = tempfile::tempdir().unwrap();
    let (repo, photos) = (dir.path().join("repo"), dir.path().join("DCIM"));
    std::fs::create_dir_all(&photos).unwrap();
    std::fs::write(photos.join("IMG_0001.HEIC"), noise(5, 300_000)).unwrap();
    std::fs::write(photos.join("IMG_0002.HEIC"), noise(6, 200_000)).unwrap();
    let (access, secret) = cluster.admin();
    let cli = Cli::new(env!("CARGO_BIN_EXE_keepsake"))
        .home(dir.path())
        .env("KEEPSAKE_PASSWORD", "a long passphrase")
        .env("KEEPSAKE_S3_ACCESS_KEY", access)
        .env("KEEPSAKE_S3_SECRET", secret);
    cli.json(&["store", "init", s(&repo), "--insecure-test-kdf"]);
    cli.json(&["store", "add", s(&repo), s(&photos), "--device", "U1"]);

    let pushed = cli.json(&["offsite", "push", s(&repo), "--to", &address]);
    assert_eq!(pushed["generation"], 1, "{pushed}");
    assert!(pushed["bytes_sent"].as_u64().unwrap() > 500_000, "{pushed}");
    let again = cli.json(&["offsite", "push", s(&repo), "--to", &address]);
    assert_eq!(again["up_to_date"], true, "{again}");

    let listed = cli.json(&["offsite", "list", &address]);
    let copies = listed.as_array().unwrap();
    assert_eq!(copies.len(), 1, "{listed}");
    assert_eq!(copies[0]["snapshots"], 1);
    let id = copies[0]["repository"].as_str().unwrap().to_owned();

    // another computer: another home, nothing but the address, the keys and the password
    let elsewhere = tempfile::tempdir().unwrap();
    let cli = Cli::new(env!("CARGO_BIN_EXE_keepsake"))
        .home(elsewhere.path())
        .env("KEEPSAKE_PASSWORD", "a long passphrase")
        .env("KEEPSAKE_S3_ACCESS_KEY", access)
        .env("KEEPSAKE_S3_SECRET", secret);
    let snapshots = cli.json(&["offsite", "snapshots", &address, &id]);
    let snapshot = snapshots[0]["id"].as_i64().unwrap();
    let target = elsewhere.path().join("restored");
    let restored = cli.json(&[
        "offsite",
        "restore",
        &address,
        &id,
        &snapshot.to_string(),
        s(&target),
    ]);
    assert_eq!(restored["files"], 2, "{restored}");
    for name in ["IMG_0001.HEIC", "IMG_0002.HEIC"] {
        assert_eq!(
            std::fs::read(target.join(name)).unwrap(),
            std::fs::read(photos.join(name)).unwrap(),
            "{name}"
        );
    }

    // the wrong secret is said to be refused, and is never printed
    let wrong = cli
        .clone()
        .env(
            "KEEPSAKE_S3_SECRET",
            "not-the-secret-0000000000000000000000000",
        )
        .run(&["offsite", "list", &address]);
    assert!(!wrong.status.success());
    let said = String::from_utf8_lossy(&wrong.stderr);
    assert!(said.contains("refused the keys"), "{said}");
    assert!(!said.contains("not-the-secret"), "{said}");
}
