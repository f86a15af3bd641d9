//! `keepsake`: every Keepsake feature from the command line, headless and scriptable.
//!
//! Each subcommand is a thin layer over `keepsake-core`: parse, call, print. Human output goes to
//! stdout, logs to stderr (`-v`, or `RUST_LOG`), and `--json` prints one JSON document on stdout.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use keepsake_i18n::{Language, Messages};
use serde::Serialize;
use tracing_subscriber::EnvFilter;

mod agent_cmd;
mod backup_cmd;
mod browse_cmd;
mod clean_cmd;
mod devices_cmd;
mod emulator_cmd;
mod encryption_cmd;
mod history_cmd;
mod move_cmd;
mod offsite_cmd;
mod pins_cmd;
mod secret_args;
mod settings_cmd;
mod store_cmd;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the operation failed (the message on stderr says what happened and what to do)
  2  the command line was not understood (see --help)";

/// Back up iPhones and iPads into deduplicated, Time-Machine-style snapshots.
#[derive(Debug, Parser)]
#[command(name = "keepsake", version, after_help = EXIT_CODES)]
struct Cli {
    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,

    /// More log detail on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show this build of Keepsake.
    #[command(after_help = EXIT_CODES)]
    Info,
    /// List the iPhones and iPads Keepsake can see (USB and Wi-Fi).
    #[command(after_help = EXIT_CODES)]
    Devices(devices_cmd::DevicesArgs),
    /// Make a device trust this computer (it shows "Trust This Computer?": tap Trust).
    #[command(after_help = EXIT_CODES)]
    Pair(devices_cmd::PairArgs),
    /// Back up a device into a location's snapshots (incremental: only what changed travels).
    #[command(after_help = EXIT_CODES)]
    Backup(backup_cmd::BackupArgs),
    /// Show a location's snapshots along time, with their sizes and what each one cost.
    #[command(after_help = EXIT_CODES, visible_alias = "snapshots")]
    Timeline(backup_cmd::TimelineArgs),
    /// A snapshot as the phone's files: domains and apps with sizes, folders, --search.
    #[command(after_help = EXIT_CODES)]
    Browse(browse_cmd::BrowseArgs),
    /// Copy files or folders out of a snapshot, decrypted.
    #[command(after_help = EXIT_CODES)]
    Extract(browse_cmd::ExtractArgs),
    /// What changed between two snapshots, per domain and app.
    #[command(after_help = EXIT_CODES)]
    Diff(browse_cmd::DiffArgs),
    /// Write a snapshot as a Finder/iTunes backup folder.
    #[command(after_help = EXIT_CODES)]
    Export(browse_cmd::ExportArgs),
    /// Keep an encrypted device's snapshots taken without its backup password decrypted in the
    /// store (sealed by its own encryption), so they cost what unencrypted ones do; exports
    /// stay byte for byte what the device sent.
    #[command(after_help = EXIT_CODES)]
    Convert(browse_cmd::ConvertArgs),
    /// Take a Finder/iTunes (or idevicebackup2) backup folder in as a snapshot.
    #[command(after_help = EXIT_CODES)]
    Import(browse_cmd::ImportArgs),
    /// Put a snapshot back onto its device (mobilebackup2 Restore).
    #[command(after_help = EXIT_CODES)]
    Restore(browse_cmd::RestoreArgs),
    /// Read every snapshot at a location back and check it (nothing is changed); the result
    /// goes into the history of each device backed up there. Exit code 1 when damage is found.
    #[command(after_help = EXIT_CODES)]
    Verify(browse_cmd::VerifyArgs),
    /// The device's own backup encryption: status, on, off, change (passwords from the
    /// environment, a file or a prompt).
    #[command(after_help = EXIT_CODES)]
    Encryption(encryption_cmd::EncryptionArgs),
    /// Work with a snapshot repository folder: init, add, snapshots, ls, cat, restore, forget, gc, check, stats.
    #[command(after_help = EXIT_CODES)]
    Store(store_cmd::StoreArgs),
    /// A repository's copy on an S3-compatible bucket: push, list, snapshots, restore, gc.
    #[command(after_help = EXIT_CODES)]
    Offsite(offsite_cmd::OffsiteArgs),
    /// A device's backup settings (location, snapshots, deletion, schedule); --confirm accepts them.
    #[command(after_help = EXIT_CODES)]
    Settings(settings_cmd::SettingsArgs),
    /// The places backups go, with their free space: list, add, remove, default.
    #[command(after_help = EXIT_CODES)]
    Locations(settings_cmd::LocationsArgs),
    /// Old snapshots the cleaning policy would delete and what that frees; --yes deletes them.
    #[command(after_help = EXIT_CODES)]
    Clean(clean_cmd::CleanArgs),
    /// Move a device's snapshots to another location (copied, verified, then the old deleted).
    #[command(after_help = EXIT_CODES)]
    Move(move_cmd::MoveArgs),
    /// What happened to each device's backups, newest first: backups, failures, and the days a
    /// device was due and could not be backed up, with why.
    #[command(after_help = EXIT_CODES)]
    History(history_cmd::HistoryArgs),
    /// Keep a snapshot forever: automatic deletion never removes a pinned snapshot.
    #[command(after_help = EXIT_CODES)]
    Pin(pins_cmd::PinArgs),
    /// Let a pinned snapshot go (automatic deletion may remove it again).
    #[command(after_help = EXIT_CODES)]
    Unpin(pins_cmd::UnpinArgs),
    /// Write a note on a snapshot ("before the iOS update"), or clear it; the timeline shows it.
    #[command(after_help = EXIT_CODES)]
    Note(pins_cmd::NoteArgs),
    /// Back up every device with automatic backups on, once a day when in reach (--once: one pass).
    #[command(after_help = EXIT_CODES)]
    Agent(agent_cmd::AgentArgs),
    /// Run virtual iPhones (usbmuxd, lockdownd, Wi-Fi, backups) until Ctrl-C, for trying Keepsake.
    #[command(after_help = EXIT_CODES)]
    Emulator(emulator_cmd::EmulatorArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    tracing::debug!(command = ?cli.command, "keepsake starting");
    // The person's language, for what commands without a Context print, and for errors.
    let messages = Messages::new(Language::from_locale(
        &sys_locale::get_locale().unwrap_or_default(),
    ));
    match run(&cli, &messages) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::debug!(error = ?err, "command failed");
            eprintln!("keepsake: {err:#}");
            if let Some(hint) = secret_args::hint(&messages, &err) {
                eprintln!("{hint}");
            }
            ExitCode::from(1)
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn run(cli: &Cli, messages: &Messages) -> anyhow::Result<()> {
    // Built once, from this process's environment, for the commands that need one.
    let ctx = || keepsake_core::environment::context();
    let json = cli.json;
    match &cli.command {
        Command::Store(args) => store_cmd::run(messages, args, json),
        Command::Offsite(args) => offsite_cmd::run(messages, args, json),
        Command::Info => {
            let info = keepsake_core::app_info();
            emit(json, &info, |out| {
                writeln!(out, "{} {}", info.name, info.version)
            })
        }
        Command::Devices(args) => devices_cmd::run(&ctx()?, args, json),
        Command::Pair(args) => devices_cmd::pair(&ctx()?, args, json),
        Command::Backup(args) => backup_cmd::backup(&ctx()?, args, json),
        Command::Timeline(args) => backup_cmd::timeline(&ctx()?, args, json),
        Command::Browse(args) => browse_cmd::browse(&ctx()?, args, json),
        Command::Extract(args) => browse_cmd::extract(&ctx()?, args, json),
        Command::Diff(args) => browse_cmd::diff_cmd(&ctx()?, args, json),
        Command::Export(args) => browse_cmd::export(&ctx()?, args, json),
        Command::Import(args) => browse_cmd::import(&ctx()?, args, json),
        Command::Convert(args) => browse_cmd::convert(&ctx()?, args, json),
        Command::Restore(args) => browse_cmd::restore(&ctx()?, args, json),
        Command::Verify(args) => browse_cmd::verify(&ctx()?, args, json),
        Command::Encryption(args) => encryption_cmd::run(&ctx()?, args, json),
        Command::Emulator(args) => emulator_cmd::run(args),
        Command::Settings(args) => settings_cmd::settings(&ctx()?, args, json),
        Command::Locations(args) => settings_cmd::locations(&ctx()?, args, json),
        Command::Clean(args) => clean_cmd::clean(&ctx()?, args, json),
        Command::Agent(args) => agent_cmd::run(&ctx()?, args, json),
        Command::Move(args) => move_cmd::run(&ctx()?, args, json),
        Command::History(args) => history_cmd::run(&ctx()?, args, json),
        Command::Pin(args) => pins_cmd::pin(&ctx()?, args, json),
        Command::Unpin(args) => pins_cmd::unpin(&ctx()?, args, json),
        Command::Note(args) => pins_cmd::note(&ctx()?, args, json),
    }
}

/// `x` with one decimal, as the person's language writes it: "4.2", "4,2".
pub(crate) fn decimal(m: &Messages, x: f64) -> String {
    let text = format!("{x:.1}");
    match m.language() {
        Language::English => text,
        Language::French => text.replace('.', ","),
    }
}

/// Prints `value` as JSON with `--json`, otherwise through the human formatter.
fn emit<T: Serialize>(
    json: bool,
    value: &T,
    human: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        serde_json::to_writer_pretty(&mut out, value)?;
        writeln!(out)?;
    } else {
        human(&mut out)?;
    }
    Ok(())
}
