//! `keepsake encryption status|on|off|change [DEVICE]`: the device's own backup encryption.

use clap::{Args, Subcommand};
use keepsake_core::{EncryptionChange, EncryptionState, Secret};
use keepsake_i18n::{tr, Messages};

use crate::{emit, secret_args};

#[derive(Debug, Args)]
pub struct EncryptionArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Whether the device encrypts its backups, and whether this computer remembers the password.
    Status(Target),
    /// Turn encryption on with a new password (the device may ask for its passcode).
    On {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        new: NewPassword,
    },
    /// Turn encryption off (needs the current password).
    Off {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        old: OldPassword,
    },
    /// Change the password (needs the current one).
    Change {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        old: OldPassword,
        #[command(flatten)]
        new: NewPassword,
    },
}

#[derive(Debug, Args)]
struct Target {
    /// The device's UDID or name; may be left out when only one device is connected.
    device: Option<String>,
}

#[derive(Debug, Args)]
struct OldPassword {
    /// Read the current backup password from FILE's first line (`-`: standard input); else
    /// $KEEPSAKE_BACKUP_PASSWORD; else it is asked for at the terminal.
    #[arg(long = "password-file", value_name = "FILE")]
    password: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
struct NewPassword {
    /// Read the new backup password from FILE's first line (`-`: standard input); else
    /// $KEEPSAKE_NEW_BACKUP_PASSWORD; else it is asked for, twice, at the terminal. Without it
    /// the backups cannot be read: keep it safe.
    #[arg(long = "new-password-file", value_name = "FILE")]
    new_password: Option<std::path::PathBuf>,
    /// Remember the password in this computer's credential store, so snapshots can be browsed
    /// without typing it.
    #[arg(long)]
    remember: bool,
}

impl OldPassword {
    fn get(&self, m: &Messages) -> anyhow::Result<Secret> {
        secret_args::required(
            m,
            &secret_args::BACKUP_PASSWORD,
            self.password.as_deref(),
            false,
        )
    }
}

impl NewPassword {
    fn get(&self, m: &Messages) -> anyhow::Result<Secret> {
        secret_args::required(
            m,
            &secret_args::NEW_BACKUP_PASSWORD,
            self.new_password.as_deref(),
            true,
        )
    }
}

pub fn run(ctx: &keepsake_core::Context, args: &EncryptionArgs, json: bool) -> anyhow::Result<()> {
    let m = ctx.messages();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // the passwords first (asked for at the terminal when not given), then the device
    let (target, change, remember) = match &args.action {
        Action::Status(t) => {
            let state =
                runtime.block_on(keepsake_core::encryption_status(ctx, t.device.as_deref()))?;
            return emit(json, &state, |out| print(m, out, &state));
        }
        Action::On { target, new } => (
            target,
            EncryptionChange::On { new: new.get(m)? },
            new.remember,
        ),
        Action::Off { target, old } => (target, EncryptionChange::Off { old: old.get(m)? }, false),
        Action::Change { target, old, new } => (
            target,
            EncryptionChange::Change {
                old: old.get(m)?,
                new: new.get(m)?,
            },
            new.remember,
        ),
    };
    let state = runtime.block_on(keepsake_core::change_encryption(
        ctx,
        target.device.as_deref(),
        &change,
        remember,
    ))?;
    emit(json, &state, |out| print(m, out, &state))
}

fn print(m: &Messages, out: &mut dyn std::io::Write, s: &EncryptionState) -> std::io::Result<()> {
    let id = match (s.encrypted, s.password_remembered) {
        (true, true) => "encryption-on-remembered",
        (true, false) => "encryption-on",
        (false, _) => "encryption-off",
    };
    writeln!(out, "{}", tr!(m, id, device = s.device.as_str()))
}
