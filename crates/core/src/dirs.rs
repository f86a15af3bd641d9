//! Where Keepsake keeps its own files (the OS's app config dir), and this computer's identity
//! towards devices.

use std::path::{Path, PathBuf};

use keepsake_device::Host;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::settings_files::write_atomically;

/// The app's config folder: `$XDG_CONFIG_HOME/keepsake` on Linux, the platform's equivalent
/// elsewhere.
#[derive(Debug, Clone)]
pub struct AppDirs {
    config: PathBuf,
}

#[derive(Debug, Serialize, Deserialize)]
struct HostFile {
    host_id: String,
}

impl AppDirs {
    /// The OS's config folder for Keepsake, for the person running this process (read from
    /// the environment: only [`crate::environment`] calls it).
    pub fn of_this_user() -> Result<Self> {
        let dirs = directories::ProjectDirs::from("app", "Keepsake", "keepsake")
            .ok_or(CoreError::NoHomeDirectory)?;
        Ok(Self::at(dirs.config_dir()))
    }

    pub fn at(config: impl Into<PathBuf>) -> Self {
        AppDirs {
            config: config.into(),
        }
    }

    pub fn config_dir(&self) -> &Path {
        &self.config
    }

    /// This computer as devices know it, under `host_name`. The host id is made once and kept:
    /// a new one would make every device ask to trust the computer again.
    pub fn host(&self, host_name: &str) -> Result<Host> {
        let path = self.config.join("host.json");
        let host_id = match std::fs::read(&path) {
            Ok(bytes) => {
                let file: HostFile =
                    serde_json::from_slice(&bytes).map_err(|e| CoreError::CorruptSettings {
                        path: path.clone(),
                        detail: e.to_string(),
                    })?;
                file.host_id
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let host_id = uuid::Uuid::new_v4().to_string().to_uppercase();
                write_atomically(
                    &path,
                    &serde_json::to_vec_pretty(&HostFile {
                        host_id: host_id.clone(),
                    })?,
                )?;
                host_id
            }
            Err(source) => return Err(CoreError::Io { path, source }),
        };
        Ok(Host {
            host_id,
            host_name: host_name.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_id_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(dir.path().join("keepsake"));
        let first = dirs.host("h").unwrap();
        assert_eq!(first.host_id.len(), 36);
        assert_eq!(dirs.host("h").unwrap().host_id, first.host_id);
        assert_eq!(
            AppDirs::at(dir.path().join("keepsake"))
                .host("h")
                .unwrap()
                .host_id,
            first.host_id
        );
    }

    #[test]
    fn a_damaged_host_file_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("host.json"), b"{not json").unwrap();
        let err = AppDirs::at(dir.path()).host("h").unwrap_err();
        assert!(err.to_string().contains("host.json"), "{err}");
        assert_eq!(
            std::fs::read(dir.path().join("host.json")).unwrap(),
            b"{not json"
        );
    }
}
