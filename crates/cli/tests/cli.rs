//! The `keepsake` binary as a user runs it: help, JSON output, exit codes.

use std::process::Output;

use keepsake_testkit::Cli;

/// Nothing listens there: commands that need usbmuxd must say so, not hang or list nothing.
const DEAD_USBMUXD: &str = "127.0.0.1:9";

fn keepsake(args: &[&str]) -> Output {
    Cli::new(env!("CARGO_BIN_EXE_keepsake"))
        .env("USBMUXD_SOCKET_ADDRESS", DEAD_USBMUXD)
        .run(args)
}

#[test]
fn every_subcommand_has_help_that_lists_exit_codes() {
    for sub in [
        &["--help"][..],
        &["info", "--help"],
        &["devices", "--help"],
        &["pair", "--help"],
    ] {
        let out = keepsake(sub);
        assert!(out.status.success(), "{sub:?}: {out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Usage: keepsake"), "{sub:?}: {text}");
        assert!(text.contains("Exit codes:"), "{sub:?}: {text}");
    }
}

#[test]
fn info_json_reports_name_and_version() {
    let out = keepsake(&["--json", "info"]);
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["name"], "Keepsake");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn unknown_subcommand_exits_with_usage_code_2() {
    let out = keepsake(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("frobnicate"));
}

#[test]
fn verbose_logs_go_to_stderr_not_stdout() {
    let out = keepsake(&["-vv", "--json", "info"]);
    assert!(out.status.success(), "{out:?}");
    // stdout stays pure JSON even with logging turned up
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("keepsake starting"),
        "{out:?}"
    );
}

#[test]
fn devices_without_usbmuxd_fails_and_says_what_to_do() {
    let out = keepsake(&["devices"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot reach usbmuxd at 127.0.0.1:9"), "{err}");
    assert!(err.contains("Is usbmuxd installed and running?"), "{err}");
}

/// `keepsake` speaks the language of the OS's locale: French for `LANG=fr_FR.UTF-8`, English for
/// `LANG=en_US.UTF-8`, both for what a command with a Context prints (`locations`) and for an
/// error of a command without one (`store init`).
#[test]
#[cfg_attr(
    not(all(unix, not(target_vendor = "apple"))),
    ignore = "sys-locale reads the language from the OS's settings there, not from LANG"
)]
fn the_locale_chooses_the_language_it_speaks() {
    let home = tempfile::tempdir().unwrap();
    let disks = home.path().join("disks");
    std::fs::create_dir_all(&disks).unwrap();
    let run = |lang: &str, args: &[&str]| {
        let mut cmd = Cli::new(env!("CARGO_BIN_EXE_keepsake"))
            .home(home.path())
            .env("USBMUXD_SOCKET_ADDRESS", DEAD_USBMUXD)
            .env("KEEPSAKE_DISK_ROOTS", &disks)
            .command(args);
        for var in ["LANGUAGE", "LC_ALL", "LC_MESSAGES"] {
            cmd.env_remove(var);
        }
        cmd.env("LANG", lang).output().expect("keepsake runs")
    };
    let repo = home.path().join("repo");
    let repo = repo.to_str().unwrap();

    let out = run("fr_FR.UTF-8", &["locations"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Aucun emplacement pour l'instant : ajoutez un dossier ou un disque avec \
         `keepsake locations add <chemin>`.\n"
    );
    let out = run("fr_FR.UTF-8", &["store", "init", repo]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "keepsake: un nouveau dépôt est chiffré : définissez KEEPSAKE_PASSWORD ou passez \
             --password-file (ou --no-encryption)"
        ),
        "{out:?}"
    );

    let out = run("en_US.UTF-8", &["locations"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "No locations yet: add a folder or a disk with `keepsake locations add <path>`.\n"
    );
    let out = run("en_US.UTF-8", &["store", "init", repo]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "keepsake: a new repository is encrypted: set KEEPSAKE_PASSWORD or pass \
             --password-file (or --no-encryption)"
        ),
        "{out:?}"
    );
}
