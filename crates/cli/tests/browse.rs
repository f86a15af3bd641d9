//! `keepsake browse|extract|diff|export|import|restore` against the virtual iPhone. The store's
//! key goes to the OS credential store: run through scripts/with-keyring.sh.

use std::path::Path;
use std::process::Output;

use keepsake_emulator::{Config, VirtualIphone};
use keepsake_testkit::{require_secret_service, Cli};

fn keepsake(phone: &VirtualIphone, home: &Path, location: &Path, args: &[&str]) -> Output {
    let out = Cli::new(env!("CARGO_BIN_EXE_keepsake"))
        .home(home)
        .phone(phone)
        .env("KEEPSAKE_LOCATION", location)
        .run(args);
    assert!(
        out.status.success(),
        "keepsake {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_snapshot_is_browsed_extracted_compared_exported_imported_and_restored() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("phone"), 1);
    config.devices[0].backup.content.target_bytes = 3 << 20;
    let phone = VirtualIphone::start(config).unwrap();
    let device = phone.devices()[0].clone();
    let udid = device.udid().to_owned();
    let location = dir.path().join("disk");
    std::fs::create_dir_all(&location).unwrap();
    let run = |args: &[&str]| keepsake(&phone, dir.path(), &location, args);

    let day0 = device.backup().phone().unwrap();
    let first = json(&run(&["backup", "--yes", "--json"]))["snapshot"]["id"]
        .as_i64()
        .unwrap();
    device.backup().live_one_day().unwrap();
    let second = json(&run(&["backup", "--yes", "--json"]))["snapshot"]["id"]
        .as_i64()
        .unwrap();
    let (first_s, second_s) = (first.to_string(), second.to_string());

    let domains = json(&run(&["browse", &first_s, "--json"]));
    assert!(
        domains
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["domain"] == "CameraRollDomain" && d["files"].as_u64().unwrap() > 0),
        "{domains:#}"
    );
    // apps by the names the phone gave them, with the domain to browse each by
    let listing = String::from_utf8(run(&["browse", &first_s]).stdout).unwrap();
    assert!(
        listing.contains("  Acme Notes (AppDomain-com.acme.notes)\n"),
        "{listing}"
    );
    let text =
        String::from_utf8(run(&["browse", &first_s, "HomeDomain", "Library/SMS"]).stdout).unwrap();
    assert!(text.contains("sms.db"), "{text}");
    let found = json(&run(&["browse", &first_s, "--search", "sms.db", "--json"]));
    assert_eq!(found[0]["path"], "Library/SMS/sms.db", "{found:#}");

    let out = dir.path().join("out");
    run(&[
        "extract",
        &first_s,
        "HomeDomain",
        "Library/SMS/sms.db",
        "--to",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(out.join("HomeDomain/Library/SMS/sms.db")).unwrap(),
        day0.file("HomeDomain", "Library/SMS/sms.db")
            .unwrap()
            .read_all()
    );

    let changes = json(&run(&["diff", &first_s, &second_s, "--json"]));
    let home = changes
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["domain"] == "HomeDomain")
        .unwrap_or_else(|| panic!("{changes:#}"));
    assert!(home["changed"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("Library/SMS/sms.db")));

    let exported = dir.path().join("exported");
    run(&["export", &second_s, exported.to_str().unwrap()]);
    assert!(exported.join(&udid).join("Manifest.db").is_file());
    let imported = json(&run(&[
        "import",
        exported.join(&udid).to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(imported["udid"], udid.as_str());
    // Its small files are stored again (they share chunks, which are not deduplicated file by
    // file); nothing larger is.
    let added = imported["snapshot"]["added_bytes"].as_u64().unwrap();
    let total = imported["snapshot"]["bytes"].as_u64().unwrap();
    assert!(
        added < total / 100,
        "the same backup again costs next to nothing: {imported:#}"
    );

    let restored = json(&run(&["restore", &second_s, "--json"]));
    assert_eq!(restored["udid"], udid.as_str());
    let report = device.backup().last_restore().unwrap();
    assert!(report.files > 0);
    assert_eq!(report.matching, report.files, "{report:?}");
    phone.stop();
}
