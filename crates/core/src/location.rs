//! A backup location: a folder or a disk's root, holding Keepsake's snapshot repository in its
//! `Keepsake.Backups` folder. Looking at a location never creates anything there: a repository
//! is made only on purpose ([`Location::create`], or the first backup's
//! [`Location::open_or_create`]).

use std::path::{Path, PathBuf};

use keepsake_store::{InitOptions, KdfParams, KeySource, RepoConfig, Repository, SnapshotInfo};

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

    /// Opens the location's repository with `password`, else the key this computer remembers.
    /// A location without one is [`CoreError::NoBackups`] (or missing, for an absent folder):
    /// nothing is created.
    pub fn open(&self, password: Option<&str>) -> Result<Repository> {
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
        let key = key_for(&path, password)?;
        Repository::open(&path, &key).map_err(CoreError::from)
    }

    /// Opens the repository if there is one, else `None`: for views of what a location holds.
    pub fn open_if_any(&self, password: Option<&str>) -> Result<Option<Repository>> {
        if !self.has_repository() {
            return Ok(None);
        }
        self.open(password).map(Some)
    }

    /// Creates the location's repository: encrypted with `password`, or with a random key kept
    /// in the OS credential store. Refused where one exists or the folder is not there.
    pub fn create(&self, password: Option<&str>) -> Result<Repository> {
        if !self.is_present() {
            return Err(CoreError::LocationMissing {
                location: self.root.clone(),
            });
        }
        let path = self.repository_path();
        match password {
            Some(p) => Repository::init(&path, &InitOptions::encrypted(p)).map_err(CoreError::from),
            None => {
                // A random 256-bit secret needs no stretching, so the KDF is kept cheap.
                let secret = random_secret();
                let mut options = InitOptions::encrypted(secret.clone());
                options.kdf = KdfParams::insecure_for_tests();
                let repo = Repository::init(&path, &options)?;
                Secrets.remember(SecretKind::StoreKey, &repo.config().id, &secret)?;
                Ok(repo)
            }
        }
    }

    /// What a backup does: opens the repository, creating it the first time.
    pub fn open_or_create(&self, password: Option<&str>) -> Result<Repository> {
        if self.has_repository() {
            self.open(password)
        } else {
            self.create(password)
        }
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

fn key_for(repo: &Path, password: Option<&str>) -> Result<KeySource> {
    let config = RepoConfig::load(repo).map_err(|e| CoreError::Store(e.to_string()))?;
    if config.encryption.is_none() {
        return Ok(KeySource::None);
    }
    match password {
        Some(p) => Ok(KeySource::password(p)),
        None => match Secrets.recall(SecretKind::StoreKey, &config.id)? {
            Some(secret) => Ok(KeySource::password(secret)),
            None => Err(CoreError::StoreLocked {
                repository: repo.to_path_buf(),
            }),
        },
    }
}

fn random_secret() -> String {
    use std::fmt::Write;
    rand::random::<[u8; 32]>()
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
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
        assert!(location.open_if_any(None).unwrap().is_none());
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
            gone.create(Some("pw")).unwrap_err(),
            CoreError::LocationMissing { .. }
        ));
        assert!(!gone.root().exists());
    }

    #[test]
    fn a_repository_made_on_purpose_opens_with_its_password_and_is_not_made_twice() {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::new(dir.path());
        location.create(Some("correct horse")).unwrap();
        assert!(location.has_repository());
        location.open(Some("correct horse")).unwrap();
        assert!(location.open(Some("wrong")).is_err());
        assert!(location.create(Some("correct horse")).is_err());
        location.open_or_create(Some("correct horse")).unwrap();
    }
}
