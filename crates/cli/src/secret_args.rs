//! Secrets reach `keepsake` from the environment, a file or a prompt, never from its arguments:
//! any process on the computer can read another's command line (`ps`, `/proc/<pid>/cmdline`).
//! Each secret has an environment variable and a `--…-file FILE` flag (its first line; `-`
//! reads standard input); one a command cannot do without is asked for at the terminal. They
//! travel on as [`Secret`]s, which never print.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use keepsake_core::Secret;
use keepsake_i18n::{tr, Messages};
use zeroize::Zeroizing;

/// One kind of secret the CLI takes: where it comes from and how it is named to the person.
pub struct SecretName {
    pub env: &'static str,
    pub flag: &'static str,
    /// The message that names it ("the backup password").
    pub what: &'static str,
}

impl SecretName {
    /// Its name in the person's language.
    fn what(&self, m: &Messages) -> String {
        m.format(self.what, None)
    }
}

pub const STORE_PASSWORD: SecretName = SecretName {
    env: "KEEPSAKE_STORE_PASSWORD",
    flag: "--store-password-file",
    what: "secret-store-password",
};
pub const BACKUP_PASSWORD: SecretName = SecretName {
    env: "KEEPSAKE_BACKUP_PASSWORD",
    flag: "--password-file",
    what: "secret-backup-password",
};
pub const RECOVERY_KEY: SecretName = SecretName {
    env: "KEEPSAKE_RECOVERY_KEY",
    flag: "--recovery-key-file",
    what: "secret-recovery-key",
};
pub const NEW_BACKUP_PASSWORD: SecretName = SecretName {
    env: "KEEPSAKE_NEW_BACKUP_PASSWORD",
    flag: "--new-password-file",
    what: "secret-new-backup-password",
};
pub const NEW_STORE_PASSWORD: SecretName = SecretName {
    env: "KEEPSAKE_NEW_STORE_PASSWORD",
    flag: "--new-password-file",
    what: "secret-new-store-password",
};
pub const NEW_LOCATION_PASSWORD: SecretName = SecretName {
    env: "KEEPSAKE_NEW_STORE_PASSWORD",
    flag: "--new-store-password-file",
    what: "secret-new-location-password",
};

/// The secret from `file` (given as `name.flag`), else from `name.env`; `None` when neither
/// gives one (an empty value counts as none).
pub fn optional(
    m: &Messages,
    name: &SecretName,
    file: Option<&Path>,
) -> anyhow::Result<Option<Secret>> {
    let secret = match file {
        Some(path) => Some(first_line(m, name, path)?),
        None => std::env::var(name.env).ok().map(Secret::new),
    };
    Ok(secret.filter(|s| !s.is_empty()))
}

/// The secret as [`optional`] finds it, else asked for at the terminal (twice when `confirm`:
/// a new password). Without a terminal, the error says where to give it.
pub fn required(
    m: &Messages,
    name: &SecretName,
    file: Option<&Path>,
    confirm: bool,
) -> anyhow::Result<Secret> {
    if let Some(s) = optional(m, name, file)? {
        return Ok(s);
    }
    let what = capitalised(&name.what(m));
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(tr!(
            m,
            "secret-needed",
            secret = what.as_str(),
            env = name.env,
            flag = name.flag
        ));
    }
    let ask = |prompt: String| -> anyhow::Result<Secret> {
        rpassword::prompt_password(format!("{prompt} "))
            .map(Secret::new)
            .with_context(|| tr!(m, "secret-reading-terminal"))
    };
    let first = ask(tr!(m, "secret-prompt", secret = what.as_str()))?;
    if first.is_empty() {
        anyhow::bail!(tr!(m, "secret-empty", secret = what.as_str()));
    }
    if confirm && ask(tr!(m, "secret-again"))? != first {
        anyhow::bail!(tr!(m, "secret-mismatch"));
    }
    Ok(first)
}

fn first_line(m: &Messages, name: &SecretName, path: &Path) -> anyhow::Result<Secret> {
    let mut line = Zeroizing::new(String::new());
    let read = if path == Path::new("-") {
        std::io::stdin().lock().read_line(&mut line)
    } else {
        std::fs::File::open(path).and_then(|f| std::io::BufReader::new(f).read_line(&mut line))
    };
    read.with_context(|| {
        tr!(
            m,
            "secret-reading-file",
            secret = name.what(m),
            path = path.display().to_string(),
            flag = name.flag
        )
    })?;
    Ok(Secret::new(line.trim_end_matches(['\r', '\n'])))
}

fn capitalised(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `unlock` with every secret of `given` that is there (its file, else its variable).
pub fn unlock_with(
    m: &Messages,
    mut unlock: keepsake_core::Unlock,
    given: &[(&SecretName, Option<&Path>)],
) -> anyhow::Result<keepsake_core::Unlock> {
    for (name, file) in given {
        if let Some(s) = optional(m, name, *file)? {
            unlock = unlock.with(Some(s.expose()));
        }
    }
    Ok(unlock)
}

/// Where the command line takes the secret an error asks for, said after the error.
pub fn hint(m: &Messages, err: &anyhow::Error) -> Option<String> {
    use keepsake_core::CoreError;
    let names: &[&SecretName] = match err.downcast_ref::<CoreError>()? {
        CoreError::StoreLocked { .. } | CoreError::WrongStoreSecret { .. } => {
            &[&BACKUP_PASSWORD, &RECOVERY_KEY, &STORE_PASSWORD]
        }
        CoreError::NeedsStorePassword { .. } => &[&STORE_PASSWORD],
        CoreError::BackupLocked { .. } => &[&BACKUP_PASSWORD],
        _ => return None,
    };
    let ways: Vec<String> = names
        .iter()
        .map(|n| {
            tr!(
                m,
                "secret-hint-way",
                secret = n.what(m),
                env = n.env,
                flag = n.flag
            )
        })
        .collect();
    let ways = ways.join(&tr!(m, "secret-hint-separator"));
    Some(format!("  {}", tr!(m, "secret-hint", ways = ways)))
}

/// The secrets that open a location on a computer that does not remember its key.
#[derive(Debug, clap::Args)]
pub struct OpeningSecrets {
    /// Read the snapshot store's password from FILE's first line (`-`: standard input); else
    /// $KEEPSAKE_STORE_PASSWORD (default: the key kept in this computer's credential store).
    #[arg(long = "store-password-file", value_name = "FILE")]
    store_password: Option<PathBuf>,
    /// Read the backup password of a device backed up there from FILE; else
    /// $KEEPSAKE_BACKUP_PASSWORD (default: the remembered one). It opens encrypted backups, and
    /// the snapshots on a computer that does not remember their key.
    #[arg(long = "password-file", value_name = "FILE")]
    password: Option<PathBuf>,
    /// Read the location's recovery key from FILE; else $KEEPSAKE_RECOVERY_KEY: on a computer that
    /// does not remember the snapshots' key (shown when the location was set up; `keepsake
    /// locations recovery-key` shows it again).
    #[arg(long = "recovery-key-file", value_name = "FILE")]
    recovery_key: Option<PathBuf>,
}

impl OpeningSecrets {
    /// What opens the location when this computer does not remember its key.
    pub fn unlock(&self, ctx: &keepsake_core::Context) -> anyhow::Result<keepsake_core::Unlock> {
        unlock_with(
            ctx.messages(),
            ctx.unlock(),
            &[
                (&STORE_PASSWORD, self.store_password.as_deref()),
                (&RECOVERY_KEY, self.recovery_key.as_deref()),
                (&BACKUP_PASSWORD, self.password.as_deref()),
            ],
        )
    }

    /// The backup password given, for an encrypted snapshot.
    pub fn backup_password(&self, m: &Messages) -> anyhow::Result<Option<Secret>> {
        optional(m, &BACKUP_PASSWORD, self.password.as_deref())
    }
}
