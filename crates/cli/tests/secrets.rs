//! Secrets nowhere: every `keepsake` command that takes a password or a key runs at `-vvv` with
//! `RUST_LOG=trace`, and no password or key may appear in what it prints (but for the two
//! commands whose job is to show the recovery key), in its settings folder or at the location.
//! Passwords come from the environment or a file, never from the command line. Run through
//! scripts/with-keyring.sh (scripts/test.sh does).

use std::path::Path;

use keepsake_emulator::{Config, VirtualIphone};
use keepsake_testkit::{require_secret_service, Cli};

const BACKUP_1: &str = "first-backup-pw-5b1e";
const BACKUP_2: &str = "second-backup-pw-c07d";
const STORE_1: &str = "store-pw-of-my-own-91aa";
const STORE_2: &str = "another-store-pw-3f2c";

/// Every file under `dir` whose bytes contain `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    hits.push(p.display().to_string());
                }
            }
        }
    }
    hits
}

struct Run<'a> {
    cli: Cli,
    secrets: Vec<&'a str>,
    ran: usize,
}

impl Run<'_> {
    /// Runs `args` at the most verbose, with `env`; it must succeed, and print none of the
    /// secrets (`shows` is one it is meant to print).
    fn ok(&mut self, args: &[&str], env: &[(&str, &str)], shows: Option<&str>) -> String {
        let mut cli = self.cli.clone().env("RUST_LOG", "trace");
        for (k, v) in env {
            cli = cli.env(k, v);
        }
        let mut all = vec!["-vvv"];
        all.extend_from_slice(args);
        let out = cli.run(&all);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "keepsake {args:?} failed: {stderr}");
        assert!(
            stderr.contains("TRACE") || stderr.contains("DEBUG"),
            "logs were on: {args:?}"
        );
        for s in &self.secrets {
            assert!(!stderr.contains(s), "keepsake {args:?} logged a secret");
            if Some(*s) != shows {
                assert!(!stdout.contains(s), "keepsake {args:?} printed a secret");
            }
        }
        self.ran += 1;
        stdout
    }
}

#[test]
fn no_password_or_key_reaches_the_output_the_logs_the_settings_or_the_location() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path().join("phone"), 1)).unwrap();
    let udid = phone.devices()[0].udid().to_owned();
    let location = dir.path().join("Disk");
    let moved_to = dir.path().join("Other disk");
    std::fs::create_dir_all(&location).unwrap();
    std::fs::create_dir_all(&moved_to).unwrap();
    let loc = location.to_str().unwrap();
    let repo = location.join("Keepsake.Backups");
    let password_file = dir.path().join("backup password.txt");
    std::fs::write(&password_file, format!("{BACKUP_1}\n")).unwrap();
    let pw_file = password_file.to_str().unwrap();
    let out_dir = dir.path().join("out");

    let cli = Cli::new(env!("CARGO_BIN_EXE_keepsake"))
        .home(dir.path())
        .phone(&phone);
    let mut run = Run {
        cli,
        secrets: vec![BACKUP_1, BACKUP_2, STORE_1, STORE_2],
        ran: 0,
    };
    let new_backup = ("KEEPSAKE_NEW_BACKUP_PASSWORD", BACKUP_1);
    run.ok(&["encryption", "on", "--remember"], &[new_backup], None);
    let store = ("KEEPSAKE_STORE_PASSWORD", STORE_1);
    let first = run.ok(
        &["backup", "--yes", "--location", loc, "--json"],
        &[store],
        None,
    );
    let key: serde_json::Value = serde_json::from_str(&first).unwrap();
    let key = key["recovery_key"]
        .as_str()
        .expect("set up: a key")
        .to_owned();
    // from here on the recovery key is a secret too, but where it is meant to be shown
    run.secrets.push(Box::leak(key.clone().into_boxed_str()));
    // A disk set up before its first backup, with a password of its own: its recovery key is
    // shown once, and a second set-up changes nothing.
    let spare = dir.path().join("Spare disk");
    std::fs::create_dir_all(&spare).unwrap();
    let spare = spare.to_str().unwrap();
    let set_up = run.ok(
        &["locations", "set-up", spare, "--json"],
        &[("KEEPSAKE_STORE_PASSWORD", STORE_2)],
        None,
    );
    let set_up: serde_json::Value = serde_json::from_str(&set_up).unwrap();
    let spare_key = set_up["recovery_key"]
        .as_str()
        .expect("a new key")
        .to_owned();
    assert_ne!(spare_key, key);
    run.secrets.push(Box::leak(spare_key.into_boxed_str()));
    let again = run.ok(&["locations", "set-up", spare, "--json"], &[], None);
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert!(again["recovery_key"].is_null(), "{again}");
    let slots = run.ok(&["locations", "keys", spare, "--json"], &[], None);
    assert!(
        slots.contains("password"),
        "its password opens it too: {slots}"
    );
    run.ok(&["backup", "--yes", "--location", loc], &[store], None);
    let backup = ("KEEPSAKE_BACKUP_PASSWORD", BACKUP_1);
    let recovery = ("KEEPSAKE_RECOVERY_KEY", key.as_str());
    run.ok(&["timeline", "--location", loc], &[backup], None);
    run.ok(&["timeline", "--location", loc], &[recovery], None);
    run.ok(&["browse", "1", "--location", loc], &[store, backup], None);
    run.ok(
        &[
            "diff",
            "1",
            "2",
            "--location",
            loc,
            "--password-file",
            pw_file,
        ],
        &[],
        None,
    );
    run.ok(
        &[
            "extract",
            "2",
            "HomeDomain",
            "--to",
            out_dir.join("x").to_str().unwrap(),
            "--location",
            loc,
        ],
        &[backup],
        None,
    );
    run.ok(
        &[
            "export",
            "2",
            out_dir.join("finder").to_str().unwrap(),
            "--location",
            loc,
        ],
        &[backup, store],
        None,
    );
    run.ok(
        &[
            "restore",
            "2",
            "--device",
            &udid,
            "--yes",
            "--location",
            loc,
        ],
        &[backup],
        None,
    );
    run.ok(
        &["locations", "add-password", loc],
        &[store, ("KEEPSAKE_NEW_STORE_PASSWORD", STORE_2)],
        None,
    );
    run.ok(
        &["locations", "keys", loc],
        &[("KEEPSAKE_STORE_PASSWORD", STORE_2)],
        None,
    );
    run.ok(
        &["locations", "recovery-key", loc],
        &[store],
        Some(key.as_str()),
    );
    run.ok(&["pin", "1", "--location", loc], &[store], None);
    run.ok(&["clean", "--location", loc], &[store], None);
    run.ok(
        &["store", "check", repo.to_str().unwrap()],
        &[("KEEPSAKE_PASSWORD", STORE_1)],
        None,
    );
    // the device's own location, for `move`
    run.ok(&["locations", "add", loc], &[], None);
    run.ok(
        &["move", &udid, moved_to.to_str().unwrap()],
        &[store, ("KEEPSAKE_NEW_STORE_PASSWORD", STORE_2)],
        None,
    );
    let change = [
        ("KEEPSAKE_BACKUP_PASSWORD", BACKUP_1),
        ("KEEPSAKE_NEW_BACKUP_PASSWORD", BACKUP_2),
    ];
    run.ok(&["encryption", "change", "--remember"], &change, None);
    run.ok(
        &["encryption", "off"],
        &[("KEEPSAKE_BACKUP_PASSWORD", BACKUP_2)],
        None,
    );
    eprintln!("{} commands ran at -vvv, RUST_LOG=trace", run.ran);

    for place in [
        dir.path().join("config"),
        location.clone(),
        moved_to.clone(),
        out_dir.clone(),
    ] {
        for s in &run.secrets {
            let hits = files_holding(&place, s);
            assert!(hits.is_empty(), "a secret is kept in clear in {hits:?}");
        }
    }
    phone.stop();
}
