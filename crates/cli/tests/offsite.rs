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

/// Every file under `dir` that holds `needle`.
fn files_holding(dir: &std::path::Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle))
            {
                found.push(p);
            }
        }
    }
    found
}

/// A device's offsite copy, set with `keepsake settings`: each backup is followed by its copy;
/// with the remote out of reach the backup is saved and the copy waits (in the settings and
/// the history), and the agent sends it once the remote is back.
#[test]
fn each_backup_goes_offsite_and_an_unreachable_remote_is_waited_for() {
    use keepsake_emulator::{Config, VirtualIphone};
    keepsake_testkit::require_secret_service();
    let cluster = S3Cluster::start();
    cluster.create_bucket("device-offsite");
    let proxy = keepsake_testkit::CuttingProxy::start(cluster.port());
    let address = format!(
        "s3+http://{}/device-offsite/ada",
        proxy.endpoint().trim_start_matches("http://")
    );
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let disk = dir.path().join("Backup Disk");
    std::fs::create_dir_all(&disk).unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path().join("phone"), 1)).unwrap();
    let udid = phone.devices()[0].udid().to_owned();
    let (access, secret) = cluster.admin();
    let cli = Cli::new(env!("CARGO_BIN_EXE_keepsake"))
        .home(&home)
        .phone(&phone)
        .env("KEEPSAKE_S3_SECRET", secret);

    let set = cli.json(&[
        "settings",
        &udid,
        "--location",
        s(&disk),
        "--auto-backup",
        "off",
        "--confirm",
        "--offsite",
        &address,
        "--offsite-access-key",
        access,
    ]);
    assert_eq!(set["offsite"]["address"], address.as_str(), "{set}");
    assert!(
        files_holding(&home, secret.as_bytes()).is_empty(),
        "the secret is kept in the credential store only"
    );

    let first = cli.json(&["backup"]);
    let copied = &first["offsite"]["copied"];
    assert!(copied["bytes_sent"].as_u64().unwrap() > 10_000, "{first}");
    assert_eq!(copied["generation"], 1, "{first}");
    let id = copied["repository"].as_str().unwrap().to_owned();

    // the remote goes away: the backup is saved, its copy waits
    proxy.set_down(true);
    let out = cli.run(&["--json", "backup"]);
    assert!(out.status.success(), "{out:?}");
    let second: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(second["snapshot"]["seq"], 2, "{second}");
    let error = second["offsite"]["error"].as_str().unwrap();
    assert!(
        error.contains("waiting for") && error.contains(&address),
        "{error}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("saved, but not its copy offsite"),
        "{out:?}"
    );
    let shown = cli.json(&["settings", &udid]);
    let state = &shown["history"]["offsite"];
    assert_eq!(state["waiting"]["reason"], "unreachable", "{shown}");
    assert_eq!(state["generation"], 1, "{shown}");
    let text = cli.run(&["settings", &udid]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Offsite copy:") && text.contains("waiting"),
        "{text}"
    );
    let events = cli.json(&["history"]);
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["offsite_failed", "backed_up", "copied_offsite", "backed_up"],
        "{events}"
    );

    // back, and past the first retry's wait: the agent (no backup due) catches the copy up
    proxy.set_down(false);
    let later = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let passes = cli
        .clone()
        .env("KEEPSAKE_NOW", later.to_string())
        .json(&["agent", "--once"]);
    let turn = &passes.as_array().unwrap()[0];
    assert_eq!(turn["turn"], "auto_backup_off", "{passes}");
    assert_eq!(turn["offsite"]["state"], "copied", "{passes}");
    assert_eq!(turn["offsite"]["report"]["generation"], 2, "{passes}");
    let remote = cli.clone().env("KEEPSAKE_S3_ACCESS_KEY", access).json(&[
        "offsite",
        "snapshots",
        &address,
        &id,
    ]);
    assert_eq!(remote.as_array().unwrap().len(), 2, "{remote}");
    let shown = cli.json(&["settings", &udid]);
    assert_eq!(
        shown["history"]["offsite"]["waiting"],
        serde_json::Value::Null,
        "{shown}"
    );

    // a second pass sends nothing: the copy holds the newest backup
    let passes = cli
        .clone()
        .env("KEEPSAKE_NOW", (later + 60).to_string())
        .json(&["agent", "--once"]);
    assert_eq!(passes[0].get("offsite"), None, "{passes}");

    // off: the settings forget the copy and this computer its secret
    let off = cli.json(&["settings", &udid, "--offsite", "off"]);
    assert_eq!(off.get("offsite"), None, "{off}");
    phone.stop();
}
