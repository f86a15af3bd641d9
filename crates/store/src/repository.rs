//! Creating and opening a repository folder: config, key, catalog, locks and pack backend.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use keepsake_i18n::say;
use rusqlite::Connection;

use crate::backend::{Backend, LocalBackend, PackLayout};
use crate::config::{
    ChunkingParams, EncryptionConfig, RepoConfig, CONFIG_FILE, FORMAT_NAME, FORMAT_VERSION,
};
use crate::credential::{self, CredentialError};
use crate::crypto::{Crypto, DataCipher, KdfParams, KeySource, KeyStorage, MasterKey};
use crate::error::{Error, Result};
use crate::keys::{unlock, wrap_slot, Unlocked};

/// How to create a repository.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// [`KeySource::None`] stores in clear; a password encrypts (the default a caller should offer).
    pub key: KeySource,
    /// Argon2id cost for a password key.
    pub kdf: KdfParams,
    pub chunking: ChunkingParams,
    /// What an encrypted repository seals its data with: [`DataCipher::Aes256Gcm`] unless a
    /// test or a benchmark asks for the cipher of older repositories.
    pub cipher: DataCipher,
}

impl InitOptions {
    /// An encrypted repository with the recommended settings.
    pub fn encrypted(password: impl Into<String>) -> InitOptions {
        InitOptions {
            key: KeySource::password(password),
            kdf: KdfParams::recommended(),
            chunking: ChunkingParams::default(),
            cipher: Default::default(),
        }
    }

    /// A repository stored in clear.
    pub fn unencrypted() -> InitOptions {
        InitOptions {
            key: KeySource::None,
            kdf: KdfParams::recommended(),
            chunking: ChunkingParams::default(),
            cipher: Default::default(),
        }
    }
}

/// An open repository. Holds a shared lock for its lifetime; writing takes the writer lock.
pub struct Repository {
    pub(crate) root: PathBuf,
    pub(crate) config: RepoConfig,
    pub(crate) crypto: Crypto,
    pub(crate) conn: Connection,
    pub(crate) backend: Arc<dyn Backend>,
    /// Held (shared) for the handle's lifetime; gc turns it exclusive before deleting packs.
    pub(crate) readers_lock: File,
    /// The master key, when it is wrapped in the config: key slots are made from it.
    pub(crate) master: Option<MasterKey>,
    pub(crate) unlocked: Unlocked,
}

impl std::fmt::Debug for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repository")
            .field("root", &self.root)
            .field("encrypted", &self.crypto.is_encrypted())
            .finish_non_exhaustive()
    }
}

impl Repository {
    /// Whether `path` holds a repository (its config is there; whether it opens is another
    /// question). Looking never creates anything.
    pub fn exists(path: &Path) -> bool {
        path.join(CONFIG_FILE).is_file()
    }

    /// Creates a repository in `path` (created if missing, refused if it already holds one).
    pub fn init(path: &Path, options: &InitOptions) -> Result<Repository> {
        Self::init_with_id(path, options, &Self::new_id())
    }

    /// A new repository's id (what its key is remembered under in a credential store).
    pub fn new_id() -> String {
        crate::crypto::random_hex(16)
    }

    /// Creates a repository with the id `id` (from [`Repository::new_id`]): a caller that keeps
    /// its key elsewhere (a credential store) can put it there first, so that no crash leaves a
    /// repository whose key was never kept.
    pub fn init_with_id(path: &Path, options: &InitOptions, id: &str) -> Result<Repository> {
        if !(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(Error::InvalidInput(say(
                "store-invalid-repository-id",
                &[("id", &format!("{id:?}"))],
            )));
        }
        if Self::exists(path) {
            return Err(Error::AlreadyExists {
                repo: path.to_path_buf(),
            });
        }
        options.chunking.validate().map_err(|reason| {
            Error::InvalidInput(say("store-invalid-chunking", &[("reason", &reason)]))
        })?;
        crate::durable::create_dir_all(path)
            .map_err(Error::io(path, "store-action-creating-repository"))?;
        let id = id.to_owned();
        let mut opened_by = None;
        let (encryption, master) = match &options.key {
            KeySource::None => (None, None),
            KeySource::Slots(new) => {
                if new.is_empty() {
                    return Err(Error::InvalidInput(say("store-invalid-no-slots", &[])));
                }
                let master = MasterKey::random();
                let slots = new
                    .iter()
                    .map(|n| wrap_slot(&master, n.kind.clone(), &n.secret, n.kdf.clone(), &id))
                    .collect::<Result<Vec<_>>>()?;
                opened_by = slots.first().cloned();
                let slots_seal = Some(crate::keys::slots_seal(&master, &slots, &id));
                (
                    Some(EncryptionConfig {
                        cipher: options.cipher.name().into(),
                        key: KeyStorage::Slots { slots },
                        slots_seal,
                    }),
                    Some(master),
                )
            }
            KeySource::Password(password) => {
                let master = MasterKey::random();
                let wrapped_key = master
                    .wrap(password, &options.kdf, &id)
                    .map_err(Error::InvalidInput)?;
                let key = KeyStorage::Password {
                    kdf: options.kdf.clone(),
                    wrapped_key,
                };
                (
                    Some(EncryptionConfig {
                        cipher: options.cipher.name().into(),
                        key,
                        slots_seal: None,
                    }),
                    Some(master),
                )
            }
            KeySource::Keyring { service, account } => {
                let master = MasterKey::random();
                credential::store_new(service, account, &master)
                    .map_err(|e| credential_error(path, service, account, e))?;
                let key = KeyStorage::Keyring {
                    service: service.clone(),
                    account: account.clone(),
                    key_check: master.check_value(&id),
                };
                (
                    Some(EncryptionConfig {
                        cipher: options.cipher.name().into(),
                        key,
                        slots_seal: None,
                    }),
                    Some(master),
                )
            }
        };
        LocalBackend::create_layout(path)?;
        drop(crate::catalog::open(path, true)?);
        let config = RepoConfig {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            id,
            chunking: options.chunking.clone(),
            encryption,
        };
        // The config goes last: its presence is what makes the folder a repository, so an
        // interrupted init leaves a folder `init` can simply be run on again.
        config.store(path)?;
        tracing::info!(repo = %path.display(), encrypted = master.is_some(), "repository created");
        let crypto = master
            .as_ref()
            .map_or_else(Crypto::clear, |m| Crypto::keyed_with(m, options.cipher));
        // A credential-store key is not wrapped in the config: no slots are made from it.
        let master = master.filter(|_| !matches!(options.key, KeySource::Keyring { .. }));
        Repository::assemble(path, config, crypto, master, Unlocked { slot: opened_by })
    }

    /// Opens an existing repository with its key.
    pub fn open(path: &Path, key: &KeySource) -> Result<Repository> {
        let config = RepoConfig::load(path)?;
        crate::catalog::prefetch(path);
        let mut master_kept = None;
        let mut opened_by = None;
        let cipher = config
            .encryption
            .as_ref()
            .and_then(|e| DataCipher::from_name(&e.cipher))
            .unwrap_or_default();
        let crypto = match (&config.encryption, key) {
            (None, _) => Crypto::clear(),
            (Some(enc), _) if DataCipher::from_name(&enc.cipher).is_none() => {
                return Err(Error::BadConfig {
                    repo: path.to_path_buf(),
                    reason: say(
                        "store-reason-unknown-cipher",
                        &[("cipher", &format!("{:?}", enc.cipher))],
                    ),
                })
            }
            (Some(enc), key) => match (&enc.key, key) {
                (
                    KeyStorage::Password { .. } | KeyStorage::Slots { .. },
                    KeySource::Password(secret),
                ) => {
                    let slots = crate::keys::slots_in(&enc.key);
                    let (master, slot) = unlock(&slots, secret, &config.id)
                        .map_err(|reason| Error::BadConfig {
                            repo: path.to_path_buf(),
                            reason,
                        })?
                        .ok_or_else(|| Error::WrongPassword {
                            repo: path.to_path_buf(),
                        })?;
                    tracing::debug!(repo = %path.display(), slot = slot.id, "opened by key slot");
                    let crypto = Crypto::keyed_with(&master, cipher);
                    master_kept = Some(master);
                    opened_by = Some(slot);
                    crypto
                }
                (KeyStorage::Slots { .. }, _) => {
                    return Err(Error::KeyRequired {
                        repo: path.to_path_buf(),
                        expected: "store-expected-password-or-recovery-key",
                    })
                }
                (KeyStorage::Password { .. }, _) => {
                    return Err(Error::KeyRequired {
                        repo: path.to_path_buf(),
                        expected: "store-expected-password",
                    })
                }
                (
                    KeyStorage::Keyring {
                        service,
                        account,
                        key_check,
                    },
                    KeySource::Keyring { .. },
                ) => {
                    let master = credential::load(service, account)
                        .map_err(|e| credential_error(path, service, account, e))?;
                    if master.check_value(&config.id) != *key_check {
                        return Err(Error::WrongKey {
                            repo: path.to_path_buf(),
                            service: service.clone(),
                            account: account.clone(),
                        });
                    }
                    Crypto::keyed_with(&master, cipher)
                }
                (KeyStorage::Keyring { .. }, _) => {
                    return Err(Error::KeyRequired {
                        repo: path.to_path_buf(),
                        expected: "store-expected-keyring",
                    })
                }
            },
        };
        Repository::assemble(
            path,
            config,
            crypto,
            master_kept,
            Unlocked { slot: opened_by },
        )
    }

    fn assemble(
        path: &Path,
        config: RepoConfig,
        crypto: Crypto,
        master: Option<MasterKey>,
        unlocked: Unlocked,
    ) -> Result<Repository> {
        let readers_lock = crate::lock::reader(path)?;
        let mut conn = crate::catalog::open(path, false)?;
        crate::catalog::seal_paths_again(&mut conn, &crypto, path)?;
        crate::catalog::seal_rows(&mut conn, &crypto, path)?;
        crate::catalog::add_marks(&mut conn, path)?;
        let layout = PackLayout::for_version(config.version);
        Ok(Repository {
            root: path.to_path_buf(),
            config,
            crypto,
            conn,
            backend: Arc::new(LocalBackend::with_layout(path, layout)),
            readers_lock,
            master,
            unlocked,
        })
    }

    /// The repository folder.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Whether data and names are encrypted at rest.
    pub fn is_encrypted(&self) -> bool {
        self.crypto.is_encrypted()
    }

    /// The configuration recorded in the folder.
    pub fn config(&self) -> &RepoConfig {
        &self.config
    }
}

fn credential_error(repo: &Path, service: &str, account: &str, e: CredentialError) -> Error {
    match e {
        CredentialError::Missing => Error::KeyNotFound {
            repo: repo.to_path_buf(),
            service: service.to_string(),
            account: account.to_string(),
        },
        CredentialError::Occupied => Error::CredentialTaken {
            service: service.to_string(),
            account: account.to_string(),
        },
        CredentialError::Unavailable(reason) => Error::CredentialStore {
            repo: repo.to_path_buf(),
            reason,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::backup::FileMeta;
    use crate::commands::list;

    fn options() -> InitOptions {
        InitOptions {
            key: KeySource::password("pw"),
            kdf: KdfParams::insecure_for_tests(),
            chunking: crate::config::ChunkingParams::default(),
            cipher: Default::default(),
        }
    }

    /// A catalog as version 1 wrote it: paths sealed with a random nonce and a tag, no `part`
    /// column. Opening it with the key brings it to the current version, paths intact and 40
    /// bytes shorter each.
    #[test]
    fn a_version_1_catalog_with_old_sealed_paths_is_upgraded_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let paths = [
            "Library/SMS/sms.db",
            "Media/DCIM/100APPLE/IMG_0001.HEIC",
            "a",
        ];
        let snapshot = {
            let repo = Repository::init(dir.path(), &options()).unwrap();
            let mut w = repo.begin_snapshot("phone").unwrap();
            for (i, p) in paths.iter().enumerate() {
                let data = vec![i as u8; 1 << 20];
                w.put_bytes(p, FileMeta::default(), &data).unwrap();
            }
            let snap = w.commit().unwrap();
            // Back to version 1 by hand.
            let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = repo
                .conn
                .prepare("SELECT id, path_key, path FROM entries")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert_eq!(rows.len(), paths.len());
            for (id, key, sealed) in rows {
                let path = repo.crypto.open_path(&key, &sealed).unwrap();
                assert_eq!(sealed.len(), path.len());
                let old = repo.crypto.seal_name("path", &path);
                repo.conn
                    .execute("UPDATE entries SET path = ?2 WHERE id = ?1", (id, old))
                    .unwrap();
            }
            repo.conn
                .execute_batch(
                    "ALTER TABLE entries DROP COLUMN part; ALTER TABLE entries DROP COLUMN seal;
                     ALTER TABLE snapshots DROP COLUMN seal; PRAGMA user_version = 1;",
                )
                .unwrap();
            snap.id
        };
        // A damaged name does not stop the upgrade: it is left as it was, and the others open.
        {
            let conn = Connection::open(dir.path().join(crate::catalog::CATALOG_FILE)).unwrap();
            conn.execute(
                "INSERT INTO entries(device, path_key, path, size, mode, mtime_ns, inode, content, from_seq, to_seq)
                 SELECT device, randomblob(16), randomblob(60), 0, 0, 0, 0, x'', from_seq, from_seq
                 FROM entries LIMIT 1",
                [],
            )
            .unwrap();
        }

        let repo = Repository::open(dir.path(), &KeySource::password("pw")).unwrap();
        let version: u32 = repo
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, crate::catalog::SCHEMA_VERSION);
        let mut listed: Vec<String> = list::files(&repo, snapshot)
            .unwrap()
            .into_iter()
            .map(|f| f.path)
            .collect();
        listed.sort();
        let mut expected: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
        expected.sort();
        assert_eq!(listed, expected);
        let total: i64 = repo
            .conn
            .query_row(
                "SELECT SUM(length(path)) FROM entries WHERE size > 0",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let damaged: i64 = repo
            .conn
            .query_row("SELECT length(path) FROM entries WHERE size = 0", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(damaged, 60, "left as it was");
        assert_eq!(total as usize, paths.iter().map(|p| p.len()).sum::<usize>());
        // Lookups by path and content still work after the upgrade.
        let mut out = Vec::new();
        crate::commands::restore::cat(&repo, snapshot, "a", &mut out).unwrap();
        assert_eq!(out, vec![2u8; 1 << 20]);
    }
}
