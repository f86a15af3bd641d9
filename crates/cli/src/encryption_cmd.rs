//! `keepsake encryption status|on|off|change [DEVICE]`: the device's own backup encryption.

use clap::{Args, Subcommand};
use keepsake_core::{EncryptionChange, EncryptionState};

use crate::emit;

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
    /// The current backup password.
    #[arg(
        long = "password",
        env = "KEEPSAKE_BACKUP_PASSWORD",
        hide_env_values = true
    )]
    password: String,
}

#[derive(Debug, Args)]
struct NewPassword {
    /// The new backup password. Without it the backups cannot be read: keep it safe.
    #[arg(
        long = "new-password",
        env = "KEEPSAKE_NEW_BACKUP_PASSWORD",
        hide_env_values = true
    )]
    new_password: String,
    /// Remember the password in this computer's credential store, so snapshots can be browsed
    /// without typing it.
    #[arg(long)]
    remember: bool,
}

pub fn run(ctx: &keepsake_core::Context, args: &EncryptionArgs, json: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let state = runtime.block_on(async {
        let (target, change, remember) = match &args.action {
            Action::Status(t) => {
                return keepsake_core::encryption_status(ctx, t.device.as_deref()).await
            }
            Action::On { target, new } => (
                target,
                EncryptionChange::On {
                    new: new.new_password.clone(),
                },
                new.remember,
            ),
            Action::Off { target, old } => (
                target,
                EncryptionChange::Off {
                    old: old.password.clone(),
                },
                false,
            ),
            Action::Change { target, old, new } => (
                target,
                EncryptionChange::Change {
                    old: old.password.clone(),
                    new: new.new_password.clone(),
                },
                new.remember,
            ),
        };
        keepsake_core::change_encryption(ctx, target.device.as_deref(), &change, remember).await
    })?;
    emit(json, &state, |out| print(out, &state))
}

fn print(out: &mut dyn std::io::Write, s: &EncryptionState) -> std::io::Result<()> {
    if s.encrypted {
        writeln!(
            out,
            "{} encrypts its backups{}.",
            s.device,
            if s.password_remembered {
                "; this computer remembers the password"
            } else {
                ". Without its password the snapshots cannot be browsed"
            }
        )
    } else {
        writeln!(out, "{} does not encrypt its backups.", s.device)
    }
}
