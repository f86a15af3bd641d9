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
