//! Where Keepsake keeps its own files (the OS's app config dir), and this computer's identity
//! towards devices.

use std::path::{Path, PathBuf};

use keepsake_device::Host;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};

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
    pub fn from_env() -> Result<Self> {
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

    /// This computer as devices know it. The host id is made once and kept: a new one would make
    /// every device ask to trust the computer again.
    pub fn host(&self) -> Result<Host> {
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
        let host_name = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| {
                std::fs::read_to_string("/etc/hostname")
                    .ok()
                    .map(|s| s.trim().to_owned())
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Keepsake".to_owned());
        Ok(Host { host_id, host_name })
    }
}

/// Writes `bytes` to `path` so that a crash leaves either the old file or the new one, never half.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().expect("settings files live in a folder");
    let io = |source| CoreError::Io {
        path: path.to_owned(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_id_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(dir.path().join("keepsake"));
        let first = dirs.host().unwrap();
        assert_eq!(first.host_id.len(), 36);
        assert_eq!(dirs.host().unwrap().host_id, first.host_id);
        assert_eq!(
            AppDirs::at(dir.path().join("keepsake"))
                .host()
                .unwrap()
                .host_id,
            first.host_id
        );
    }

    #[test]
    fn a_damaged_host_file_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("host.json"), b"{not json").unwrap();
        let err = AppDirs::at(dir.path()).host().unwrap_err();
        assert!(err.to_string().contains("host.json"), "{err}");
        assert_eq!(
            std::fs::read(dir.path().join("host.json")).unwrap(),
            b"{not json"
        );
    }
}
