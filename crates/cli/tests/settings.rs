//! `keepsake settings`, `locations`, `clean` and `agent` as a user runs them. The agent test backs
//! up the virtual iPhone into a new store whose key goes to the OS credential store: run it
//! through scripts/with-keyring.sh (scripts/test.sh does).

use std::path::Path;
use std::process::Output;

use keepsake_testkit::Cli;

/// Runs keepsake with its config in `home` and no usbmuxd to reach (unless `usbmuxd` says).
fn keepsake_at(home: &Path, usbmuxd: &str, args: &[&str]) -> Output {
    Cli::new(env!("CARGO_BIN_EXE_keepsake"))
        .home(home)
        .env("USBMUXD_SOCKET_ADDRESS", usbmuxd)
        .run(args)
}

fn keepsake(home: &Path, args: &[&str]) -> Output {
    keepsake_at(home, "127.0.0.1:9", args)
}

fn json(out: Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const UDID: &str = "00008110-000A1B2C3D4E5F60";

/// A repository at `<disk>/Keepsake.Backups` holding three snapshots of UDID (a file added each
/// day), made with `keepsake store`; returns the repository folder.
fn three_snapshots(h: &Path, disk: &Path) -> std::path::PathBuf {
    let repo = disk.join("Keepsake.Backups");
    json(keepsake(
        h,
        &["--json", "store", "init", s(&repo), "--no-encryption"],
    ));
    let phone = h.join("phone");
    std::fs::create_dir_all(&phone).unwrap();
    for day in 0..3u8 {
        std::fs::write(phone.join(format!("day{day}")), vec![day; 5000]).unwrap();
        json(keepsake(
            h,
            &[
                "--json",
                "store",
                "add",
                s(&repo),
                s(&phone),
                "--device",
                UDID,
            ],
        ));
    }
    repo
}

#[test]
fn locations_are_added_listed_with_free_space_and_a_missing_one_is_said_to_be_missing() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let disk = h.join("Backup Disk");
    let stick = h.join("USB Stick");
    std::fs::create_dir_all(&disk).unwrap();
    std::fs::create_dir_all(&stick).unwrap();

    let out = keepsake(h, &["locations"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("No locations yet"));
    json(keepsake(h, &["--json", "locations", "add", s(&disk)]));
    let list = json(keepsake(h, &["--json", "locations", "add", s(&stick)]));
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["path"], s(&disk));
    assert_eq!(list[0]["is_default"], true, "the first one is the default");
    assert!(list[0]["free_bytes"].as_u64().unwrap() > 0);

    std::fs::remove_dir(&stick).unwrap(); // unplugged
    let out = keepsake(h, &["locations"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("* ") && text.contains("free of"), "{text}");
    assert!(
        text.contains("USB Stick  missing (an unplugged disk?)"),
        "{text}"
    );

    let list = json(keepsake(h, &["--json", "locations", "default", s(&stick)]));
    assert_eq!(list[1]["is_default"], true);
    assert_eq!(list[1]["present"], false);
    let list = json(keepsake(h, &["--json", "locations", "remove", s(&disk)]));
    assert_eq!(list.as_array().unwrap().len(), 1);

    let out = keepsake(h, &["locations", "add", s(&h.join("nowhere"))]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not there"));
}

#[test]
fn settings_are_shown_changed_and_confirmed() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let disk = h.join("Disk");
    std::fs::create_dir_all(&disk).unwrap();

    let d = json(keepsake(h, &["--json", "settings", UDID]));
    assert_eq!(d["udid"], UDID);
    assert_eq!(d["retention"], "1m");
    assert_eq!(d["ask_first"], true);
    assert_eq!(d["auto_backup"], true);
    assert_eq!(d["confirmed"], false);
    assert_eq!(d["effective_location"], serde_json::Value::Null);

    let d = json(keepsake(
        h,
        &[
            "--json",
            "settings",
            UDID,
            "--location",
            s(&disk),
            "--retention",
            "3m",
            "--ask-first",
            "off",
            "--snapshots",
            "on",
            "--auto-backup",
            "off",
            "--schedule",
            "weekly",
            "--confirm",
        ],
    ));
    assert_eq!(d["retention"], "3m");
    assert_eq!(d["ask_first"], false);
    assert_eq!(d["auto_backup"], false);
    assert_eq!(d["schedule"], "weekly");
    assert_eq!(d["confirmed"], true);
    assert_eq!(d["location"], s(&disk));
    assert_eq!(d["location_present"], true);

    let out = keepsake(h, &["settings"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Default location:"), "{text}");
    assert!(
        text.contains(
            "Automatic deletion: on, keeping every snapshot at least 3 months, without asking"
        ),
        "{text}"
    );
    assert!(text.contains("Settings:           confirmed"), "{text}");

    // a time of day for automatic backups, in local time; `any` lifts it
    let d = json(keepsake(
        h,
        &[
            "--json",
            "settings",
            UDID,
            "--auto-backup",
            "on",
            "--window",
            "20:00-06:00",
        ],
    ));
    assert_eq!(d["window"], "20:00-06:00");
    let text = String::from_utf8_lossy(&keepsake(h, &["settings", UDID]).stdout).into_owned();
    assert!(
        text.contains("Automatic backups:  weekly, between 20:00 and 06:00 (local time)"),
        "{text}"
    );
    let d = json(keepsake(
        h,
        &["--json", "settings", UDID, "--window", "any"],
    ));
    assert_eq!(d["window"], serde_json::Value::Null);

    // flags without a device, or values that are not settings, are usage errors
    for bad in [
        &["settings", "--retention", "1w"][..],
        &["settings", UDID, "--retention", "5d"],
        &["settings", UDID, "--snapshots", "maybe"],
        &["settings", UDID, "--window", "25:00-06:00"],
    ] {
        let out = keepsake(h, bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {out:?}");
    }
    let out = keepsake(h, &["settings", "Nobody's iPhone"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no device matches"));

    // a damaged settings file is reported and left for the person to look at
    let file = h.join("config/keepsake/settings.json");
    std::fs::write(&file, b"{garbage").unwrap();
    let out = keepsake(h, &["settings"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is damaged"));
    assert_eq!(std::fs::read(&file).unwrap(), b"{garbage");
}

#[test]
fn clean_shows_what_the_policy_would_delete_and_yes_deletes_it() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let disk = h.join("Disk");
    let repo = three_snapshots(h, &disk);
    json(keepsake(
        h,
        &[
            "--json",
            "settings",
            UDID,
            "--location",
            s(&disk),
            "--confirm",
        ],
    ));

    // snapshots on: the three are young and small, nothing to delete
    let views = json(keepsake(h, &["--json", "clean"]));
    assert_eq!(views[0]["decision"]["action"], "keep");
    let out = keepsake(h, &["clean"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Nothing to delete."));

    // snapshots off: all but the newest go, except a pinned one; shown first, deleted with --yes
    json(keepsake(
        h,
        &["--json", "settings", UDID, "--snapshots", "off"],
    ));
    let pin = json(keepsake(
        h,
        &[
            "--json",
            "pin",
            "1",
            "--location",
            s(&disk),
            "--note",
            "before iOS 19",
        ],
    ));
    assert_eq!(pin["note"], "before iOS 19");
    // The pin lives in the catalog (the clean below must spare snapshot 1), no file beside it.
    assert!(!repo.join("keepsake-pins.json").exists());
    let note = json(keepsake(
        h,
        &[
            "--json",
            "note",
            "2",
            "the day after",
            "--location",
            s(&disk),
        ],
    ));
    assert_eq!(note["note"], "the day after");
    // A snapshot that is not there, or a device nobody knows, is an error that says so.
    let out = keepsake(h, &["note", "99", "x", "--location", s(&disk)]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("99"),
        "{out:?}"
    );
    let out = keepsake(h, &["history", "no such phone"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no such phone"),
        "{out:?}"
    );
    let out = keepsake(h, &["timeline", "--location", s(&disk)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("kept forever  \"before iOS 19\"") && text.contains("\"the day after\""),
        "{text}"
    );
    let views = json(keepsake(h, &["--json", "clean"]));
    assert_eq!(views[0]["decision"]["action"], "delete");
    let doomed = &views[0]["decision"]["cleaning"]["snapshots"];
    assert_eq!(doomed.as_array().unwrap().len(), 1);
    assert_eq!(doomed[0]["id"], 2);
    assert_eq!(views[0]["done"], serde_json::Value::Null);
    let out = keepsake(h, &["clean"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("would delete") && text.contains("keepsake clean --yes"),
        "{text}"
    );
    let count = || {
        json(keepsake(h, &["--json", "store", "snapshots", s(&repo)]))
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["seq"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(count(), vec![1, 2, 3]);

    let views = json(keepsake(
        h,
        &["--json", "clean", "--yes", "--location", s(&disk)],
    ));
    assert_eq!(views[0]["done"]["outcome"], "deleted");
    assert_eq!(
        count(),
        vec![1, 3],
        "the pinned one and the newest are kept"
    );

    let unpin = json(keepsake(
        h,
        &["--json", "unpin", "1", "--location", s(&disk)],
    ));
    assert_eq!(unpin["was_pinned"], true);
    json(keepsake(h, &["--json", "clean", "--yes"]));
    assert_eq!(count(), vec![3]);
    let out = keepsake(h, &["store", "check", s(&repo)]);
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn the_agent_waits_for_confirmed_settings_then_backs_up_once_a_day() {
    keepsake_testkit::require_secret_service();
    use keepsake_emulator::{Config, VirtualIphone};
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let mut config = Config::new(h.join("phone"), 1);
    config.wifi = keepsake_emulator::Wifi::Off;
    let phone = VirtualIphone::start(config).unwrap();
    let mux = phone.usbmuxd_socket_address();
    let udid = phone.devices()[0].udid().to_owned();
    let disk = h.join("Disk");
    std::fs::create_dir_all(&disk).unwrap();
    let run = |args: &[&str]| keepsake_at(h, &mux, args);

    // the phone is found by its UDID among the connected devices, its name and model kept
    let d = json(run(&["--json", "settings", &udid, "--location", s(&disk)]));
    assert!(!d["name"].as_str().unwrap().is_empty(), "{d}");
    let turn = |v: &serde_json::Value| v[0]["turn"].as_str().unwrap().to_owned();
    let pass = json(run(&["--json", "agent", "--once"]));
    assert_eq!(turn(&pass), "not_confirmed");
    assert!(
        !disk.join("Keepsake.Backups").exists(),
        "nothing backed up unconfirmed"
    );

    json(run(&["--json", "settings", &udid, "--confirm"]));
    let pass = json(run(&["--json", "agent", "--once"]));
    assert_eq!(
        turn(&pass),
        "not_reachable",
        "the agent does not pair: {pass}"
    );
    json(run(&["--json", "pair", &udid]));
    let pass = json(run(&["--json", "agent", "--once"]));
    assert_eq!(turn(&pass), "backed_up", "{pass}");
    assert_eq!(pass[0]["cleaning"]["outcome"], "kept");
    let pass = json(run(&["--json", "agent", "--once"]));
    assert_eq!(turn(&pass), "not_due", "once a day");

    let out = run(&["settings", &udid]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Last backup:        20"), "{text}");
    phone.stop();
}

#[test]
fn the_new_subcommands_have_help_that_lists_exit_codes() {
    let home = tempfile::tempdir().unwrap();
    for sub in [
        "settings",
        "locations",
        "clean",
        "agent",
        "pin",
        "unpin",
        "move",
    ] {
        let out = keepsake(home.path(), &[sub, "--help"]);
        assert!(out.status.success(), "{sub}: {out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Exit codes:"), "{sub}: {text}");
    }
}

#[test]
fn move_copies_a_devices_snapshots_verifies_them_then_deletes_the_old_ones() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let (old, new) = (h.join("Old Disk"), h.join("New Disk"));
    let old_repo = three_snapshots(h, &old);
    let new_repo = new.join("Keepsake.Backups");
    json(keepsake(
        h,
        &["--json", "store", "init", s(&new_repo), "--no-encryption"],
    ));
    json(keepsake(
        h,
        &["--json", "settings", UDID, "--location", s(&old)],
    ));

    let report = json(keepsake(h, &["--json", "move", UDID, s(&new)]));
    assert_eq!(report["snapshots"].as_array().unwrap().len(), 3);
    assert_eq!(report["kept_old"], false);
    let count = |repo: &Path| {
        json(keepsake(h, &["--json", "store", "snapshots", s(repo)]))
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count(&new_repo), 3);
    assert_eq!(count(&old_repo), 0);
    let d = json(keepsake(h, &["--json", "settings", UDID]));
    assert_eq!(d["location"], s(&new));
    assert!(keepsake(h, &["store", "check", s(&new_repo)])
        .status
        .success());

    // a second move onto a location that already holds its history is refused
    json(keepsake(
        h,
        &["--json", "settings", UDID, "--location", s(&old)],
    ));
    let out = keepsake(h, &["move", UDID, s(&new)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds snapshots"));
    assert_eq!(count(&new_repo), 3);
}

#[test]
fn a_pending_cleaning_request_is_shown_and_answered_no_or_yes() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let disk = h.join("Disk");
    let repo = three_snapshots(h, &disk);
    json(keepsake(
        h,
        &[
            "--json",
            "settings",
            UDID,
            "--location",
            s(&disk),
            "--confirm",
        ],
    ));
    // what the agent leaves after a backup when it must ask first
    let ask = || {
        let history = serde_json::json!({"devices": {UDID: {"pending_cleaning": {
            "location": s(&disk),
            "asked_at": 1_800_000_000,
            "request": {
                "reason": "over_budget",
                "snapshots": [{"id": 1, "time": 1, "bytes": 5000, "frees_bytes": 5000, "pinned": false}],
                "frees_bytes": 5000, "overhead_bytes": 15000, "budget_bytes": 7500
            }
        }}}});
        std::fs::write(
            h.join("config/keepsake/backups.json"),
            serde_json::to_vec(&history).unwrap(),
        )
        .unwrap();
    };
    let count = || {
        json(keepsake(h, &["--json", "store", "snapshots", s(&repo)]))
            .as_array()
            .unwrap()
            .len()
    };

    ask();
    let out = keepsake(h, &["clean"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Waiting for your answer"), "{text}");
    assert!(text.contains("--decline"), "{text}");
    let views = json(keepsake(h, &["--json", "clean", "--decline"]));
    assert_eq!(views[0]["pending"]["snapshots"][0]["id"], 1);
    assert_eq!(views[0]["done"]["outcome"], "kept");
    assert_eq!(count(), 3);
    let views = json(keepsake(h, &["--json", "clean"]));
    assert_eq!(views[0]["pending"], serde_json::Value::Null, "answered");

    ask();
    let views = json(keepsake(h, &["--json", "clean", "--yes"]));
    assert_eq!(views[0]["done"]["outcome"], "deleted");
    assert_eq!(views[0]["done"]["snapshots"], serde_json::json!([1]));
    assert_eq!(count(), 2);
    let out = keepsake(h, &["clean", "--yes", "--decline"]);
    assert_eq!(out.status.code(), Some(2));
}
