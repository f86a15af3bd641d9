//! A backup location: a folder or a disk's root, holding Keepsake's snapshot repository in its
//! `Keepsake.Backups` folder. Looking at a location never creates anything there: a repository
//! is made only on purpose ([`Location::create`], or the first backup's
//! [`Location::open_or_create`]).

use std::path::{Path, PathBuf};

use keepsake_store::keys::new_recovery_key;
use keepsake_store::{
    InitOptions, KeySource, NewSlot, RepoConfig, Repository, SlotKind, SnapshotInfo,
};
use zeroize::Zeroizing;

use crate::error::{CoreError, Result};
use crate::secrets::{SecretKind, Secrets};

/// The folder a location keeps its snapshots in, at the location's root.
pub const BACKUPS_FOLDER: &str = "Keepsake.Backups";

/// A place backups go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    root: PathBuf,
}

impl Location {
    /// The location at `path`: the folder that holds `Keepsake.Backups`, so naming that folder
    /// itself means its parent and a disk picked either way is the same location.
    pub fn new(path: impl AsRef<Path>) -> Self {
        Location {
            root: root_of(path.as_ref()),
        }
    }

    /// The folder or disk root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/Keepsake.Backups`, where the repository is (or would be).
    pub fn repository_path(&self) -> PathBuf {
        self.root.join(BACKUPS_FOLDER)
    }

    /// Whether the location's folder is there (an unplugged disk's is not).
    pub fn is_present(&self) -> bool {
        self.root.is_dir()
    }

    /// Whether the location holds a repository, as the store judges it.
    pub fn has_repository(&self) -> bool {
        Repository::exists(&self.repository_path())
    }

    /// The id of the repository the location holds (read from its config, which is not
    /// encrypted), `None` when it holds none or the config cannot be read. A location is known by
    /// it: a disk mounted at another path holds the same id.
    pub fn repository_id(&self) -> Option<String> {
        if !self.has_repository() {
            return None;
        }
        RepoConfig::load(&self.repository_path()).ok().map(|c| c.id)
    }

    /// Opens the location's repository with the key this computer remembers, else `password`.
    /// A location without one is [`CoreError::NoBackups`] (or missing, for an absent folder):
    /// nothing is created.
    pub fn open(&self, password: Option<&str>) -> Result<Repository> {
        self.open_with(&Unlock::new().with(password))
    }

    /// Opens the location's repository with the key this computer remembers, else with the
    /// first of `unlock`'s secrets that opens one of its key slots (the backup password of a
    /// device backed up there, the recovery key, the snapshots' password). Opened with a secret,
    /// it is remembered: this computer gets a slot of its own in the credential store, when
    /// there is one. A repository made before recovery keys gets one now.
    pub fn open_with(&self, unlock: &Unlock) -> Result<Repository> {
        if !self.has_repository() {
            if !self.is_present() {
                return Err(CoreError::LocationMissing {
                    location: self.root.clone(),
                });
            }
            return Err(CoreError::NoBackups {
                location: self.root.clone(),
            });
        }
        let path = self.repository_path();
        let config = RepoConfig::load(&path).map_err(|e| CoreError::Store(e.to_string()))?;
        if config.encryption.is_none() {
            return Repository::open(&path, &KeySource::None).map_err(CoreError::from);
        }
        let remembered = Secrets
            .recall(SecretKind::StoreKey, &config.id)
            .ok()
            .flatten();
        if let Some(secret) = &remembered {
            match Repository::open(&path, &KeySource::password(secret.as_str())) {
                Ok(mut repo) => {
                    self.keep_a_recovery_key(&mut repo);
                    return Ok(repo);
                }
                // this computer's slot was removed: the secrets given may still open it
                Err(keepsake_store::Error::WrongPassword { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        for secret in &unlock.secrets {
            match Repository::open(&path, &KeySource::password(secret.as_str())) {
                Ok(mut repo) => {
                    tracing::info!(
                        location = %self.root.display(),
                        slot = ?repo.unlocked_by().map(|s| &s.kind),
                        "opened with a secret given"
                    );
                    self.remember_this_computer(&mut repo, unlock);
                    self.keep_a_recovery_key(&mut repo);
                    return Ok(repo);
                }
                Err(keepsake_store::Error::WrongPassword { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        if unlock.secrets.is_empty() {
            Err(CoreError::StoreLocked { repository: path })
        } else {
            Err(CoreError::WrongStoreSecret { repository: path })
        }
    }

    /// Opens the repository if there is one, else `None`: for views of what a location holds.
    pub fn open_if_any(&self, unlock: &Unlock) -> Result<Option<Repository>> {
        if !self.has_repository() {
            return Ok(None);
        }
        self.open_with(unlock).map(Some)
    }

    /// Creates the location's repository, encrypted, with its key slots: this computer's (a
    /// random key kept in the OS credential store), a new recovery key (returned, to be shown to
    /// the person once: it opens the snapshots on any computer), and `password` when given.
    /// Without a credential store a password is required: a repository nothing here could
    /// reopen is never made. Refused where one exists or the folder is not there.
    pub fn create(
        &self,
        computer: &str,
        password: Option<&str>,
    ) -> Result<(Repository, Zeroizing<String>)> {
        if !self.is_present() {
            return Err(CoreError::LocationMissing {
                location: self.root.clone(),
            });
        }
        let keeps_secrets = Secrets.available();
        if !keeps_secrets && password.is_none() {
            return Err(CoreError::NeedsStorePassword {
                location: self.root.clone(),
            });
        }
        let recovery = new_recovery_key();
        let computer_secret = random_secret();
        let mut slots = vec![NewSlot::new(SlotKind::RecoveryKey, recovery.as_str())];
        if keeps_secrets {
            slots.insert(
                0,
                NewSlot::new(
                    SlotKind::Computer {
                        name: computer.to_owned(),
                    },
                    computer_secret.as_str(),
                ),
            );
        }
        if let Some(p) = password {
            slots.push(NewSlot::new(SlotKind::Password, p));
        }
        let options = InitOptions {
            key: KeySource::Slots(slots),
            ..InitOptions::encrypted("")
        };
        // The key is kept before the repository exists: a crash in between leaves a key that
        // opens nothing, never a repository this computer cannot open.
        let id = Repository::new_id();
        if keeps_secrets {
            if let Err(e) = Secrets.remember(SecretKind::StoreKey, &id, &computer_secret) {
                tracing::warn!(error = %e, "this computer will ask for the recovery key or password");
            }
        }
        match Repository::init_with_id(&self.repository_path(), &options, &id) {
            Ok(repo) => Ok((repo, recovery)),
            Err(e) => {
                // Forgotten only if no repository came of it (a config written before the
                // failure makes one, which this key opens).
                if keeps_secrets && !Repository::exists(&self.repository_path()) {
                    let _ = Secrets.forget(SecretKind::StoreKey, &id);
                }
                Err(e.into())
            }
        }
    }

    /// What a backup does: opens the repository (with `unlock` when this computer does not
    /// remember its key), creating it the first time with `password` as one of its slots (then
    /// with the recovery key to show).
    pub fn open_or_create(
        &self,
        computer: &str,
        unlock: &Unlock,
        password: Option<&str>,
    ) -> Result<(Repository, Option<Zeroizing<String>>)> {
        if self.has_repository() {
            self.open_with(&unlock.clone().with(password))
                .map(|r| (r, None))
        } else {
            self.create(computer, password).map(|(r, k)| (r, Some(k)))
        }
    }

    /// Gives this computer a slot of its own (a random key kept in the credential store), so
    /// that it opens the repository without asking again. Best effort: without a credential
    /// store it keeps asking.
    fn remember_this_computer(&self, repo: &mut Repository, unlock: &Unlock) {
        if !Secrets.available() {
            return;
        }
        let secret = random_secret();
        let name = unlock
            .computer
            .clone()
            .unwrap_or_else(|| "this computer".to_owned());
        let added = repo
            .add_key_slot(
                SlotKind::Computer { name },
                &secret,
                keepsake_store::keys::kdf_for(&SlotKind::Computer {
                    name: String::new(),
                }),
            )
            .map_err(CoreError::from)
            .and_then(|_| Secrets.remember(SecretKind::StoreKey, &repo.config().id, &secret));
        if let Err(e) = added {
            tracing::warn!(error = %e, location = %self.root.display(), "this computer will ask again");
        }
    }

    /// A repository made before recovery keys gets one the first time it is opened with its
    /// key (`keepsake locations recovery-key` shows it).
    fn keep_a_recovery_key(&self, repo: &mut Repository) {
        let has_one = repo
            .key_slots()
            .iter()
            .any(|s| s.kind == SlotKind::RecoveryKey);
        if has_one || !repo.is_encrypted() {
            return;
        }
        let key = new_recovery_key();
        match repo.add_key_slot(
            SlotKind::RecoveryKey,
            &key,
            keepsake_store::keys::kdf_for(&SlotKind::RecoveryKey),
        ) {
            Ok(_) => tracing::info!(
                location = %self.root.display(),
                "a recovery key was made; `keepsake locations recovery-key` shows it"
            ),
            Err(e) => tracing::warn!(error = %e, "no recovery key was added"),
        }
    }
}

/// The secrets to try on a location this computer does not remember the key of, in order.
#[derive(Clone, Default)]
pub struct Unlock {
    secrets: Vec<Zeroizing<String>>,
    /// The name this computer's own slot gets when a secret opens the repository.
    computer: Option<String>,
}

impl Unlock {
    pub fn new() -> Self {
        Unlock::default()
    }

    /// Names this computer's slot (the host name devices know it by).
    pub fn computer(mut self, name: &str) -> Self {
        self.computer = Some(name.to_owned());
        self
    }

    /// Also tries `secret` (a backup password, the recovery key, the snapshots' password), when
    /// given and not empty.
    pub fn with(mut self, secret: Option<&str>) -> Self {
        if let Some(s) = secret.filter(|s| !s.is_empty()) {
            self.secrets.push(Zeroizing::new(s.to_owned()));
        }
        self
    }
}

impl std::fmt::Debug for Unlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Unlock({} secrets)", self.secrets.len())
    }
}

/// The location root `path` names (see [`Location::new`]).
pub fn root_of(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match path.file_name() {
        Some(name) if name == BACKUPS_FOLDER => {
            path.parent().map_or(path.clone(), Path::to_path_buf)
        }
        _ => path,
    }
}

/// Snapshot `id` of an open repository, or a clear error naming the repository.
pub fn find_snapshot(repo: &Repository, id: i64) -> Result<SnapshotInfo> {
    keepsake_store::commands::list::snapshots(repo)
        .map_err(|e| CoreError::Store(e.to_string()))?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| CoreError::NoSuchSnapshot {
            snapshot: id,
            repository: repo.path().to_path_buf(),
        })
}

fn random_secret() -> Zeroizing<String> {
    use std::fmt::Write;
    let secret = rand::random::<[u8; 32]>()
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
    Zeroizing::new(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_is_the_folder_that_holds_keepsake_backups() {
        let dir = tempfile::tempdir().unwrap();
        let disk = dir.path().join("disk");
        assert_eq!(Location::new(&disk).root(), disk);
        assert_eq!(Location::new(disk.join(BACKUPS_FOLDER)).root(), disk);
        assert_eq!(
            Location::new(&disk).repository_path(),
            disk.join(BACKUPS_FOLDER)
        );
    }

    #[test]
    fn looking_at_an_empty_location_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::new(dir.path());
        assert!(!location.has_repository());
        assert!(location.open_if_any(&Unlock::new()).unwrap().is_none());
        let err = location.open(None).unwrap_err();
        assert!(matches!(err, CoreError::NoBackups { .. }), "{err:?}");
        assert!(err.to_string().contains("no Keepsake backups"), "{err}");
        assert!(!location.repository_path().exists(), "nothing was created");
        let gone = Location::new(dir.path().join("unplugged"));
        assert!(matches!(
            gone.open(None).unwrap_err(),
            CoreError::LocationMissing { .. }
        ));
        assert!(matches!(
            gone.create("test computer", Some("pw")).unwrap_err(),
            CoreError::LocationMissing { .. }
        ));
        assert!(!gone.root().exists());
    }

    #[test]
    fn a_repository_made_on_purpose_opens_with_any_of_its_secrets_and_is_not_made_twice() {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::new(dir.path());
        let (repo, recovery) = location
            .create("test computer", Some("correct horse"))
            .unwrap();
        let id = repo.config().id.clone();
        assert_eq!(
            repo.recovery_key().unwrap().unwrap().as_str(),
            recovery.as_str()
        );
        drop(repo);
        assert!(location.has_repository());
        assert!(location.create("test computer", Some("x")).is_err());
        // as a computer that does not remember the key sees it
        let _ = Secrets.forget(SecretKind::StoreKey, &id);
        assert!(matches!(
            location.open(None).unwrap_err(),
            CoreError::StoreLocked { .. }
        ));
        let config = std::fs::read(location.repository_path().join("keepsake-repo.json")).unwrap();
        assert!(matches!(
            location.open(Some("wrong")).unwrap_err(),
            CoreError::WrongStoreSecret { .. }
        ));
        assert_eq!(
            std::fs::read(location.repository_path().join("keepsake-repo.json")).unwrap(),
            config,
            "a wrong secret changes nothing"
        );
        for secret in [recovery.as_str(), "correct horse"] {
            let _ = Secrets.forget(SecretKind::StoreKey, &id);
            location.open(Some(secret)).unwrap();
        }
        let _ = Secrets.forget(SecretKind::StoreKey, &id);
    }
}
