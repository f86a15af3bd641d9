//! Keepsake's own small files (settings, history, host id, pins): read whole, written whole and
//! atomically, changed under an OS lock so that the app, its agent and the CLI never lose each
//! other's edits.

use std::fs::File;
use std::path::Path;

use crate::error::{CoreError, Result};

/// Writes `bytes` to `path` so that a crash or a power cut leaves either the old file or the
/// new one, never half, and the new one once this returned (see `keepsake_store::durable`).
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().expect("settings files live in a folder");
    let io = |source| CoreError::Io {
        path: path.to_owned(),
        source,
    };
    keepsake_store::durable::create_dir_all(dir).map_err(io)?;
    keepsake_store::durable::write_atomically(path, bytes).map_err(io)
}

/// Reads a JSON settings or state file; a missing file is the defaults, a damaged one an error
/// that leaves the file as it is.
pub(crate) fn read_json<T: Default + serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| CoreError::CorruptSettings {
            path: path.to_owned(),
            detail: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(source) => Err(CoreError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// An exclusive OS lock on `<config>/<name>`, released on drop (or when the process dies).
pub(crate) fn lock_config(config_dir: &Path, name: &str) -> Result<File> {
    let path = config_dir.join(name);
    let io = |source| CoreError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(config_dir).map_err(io)?;
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io)?;
    file.lock().map_err(io)?;
    Ok(file)
}
