//! One backup per device at a time, across every Keepsake process on this computer (the app,
//! its agent, the CLI): a job holds an OS advisory lock on a per-device file, which the OS drops
//! when the process ends however it ends, so a crash never leaves a stale lock behind.

use std::fs::{File, TryLockError};
use std::path::PathBuf;

use crate::dirs::AppDirs;
use crate::error::{CoreError, Result};

pub use tokio_util::sync::CancellationToken as Cancel;

/// Held while a device is being backed up (or its encryption changed); released on drop.
#[derive(Debug)]
pub struct DeviceJob {
    _file: File,
    path: PathBuf,
}

impl DeviceJob {
    /// Claims `udid` for this job, or says that another backup of `device` is running.
    pub fn claim(dirs: &AppDirs, udid: &str, device: &str) -> Result<DeviceJob> {
        let dir = dirs.config_dir().join("jobs");
        std::fs::create_dir_all(&dir).map_err(|source| CoreError::Io {
            path: dir.clone(),
            source,
        })?;
        let path = dir.join(format!("{}.lock", sanitize(udid)));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| CoreError::Io {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(DeviceJob { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(CoreError::AlreadyBackingUp {
                device: device.to_owned(),
            }),
            Err(TryLockError::Error(source)) => Err(CoreError::Io { path, source }),
        }
    }

    pub fn lock_path(&self) -> &std::path::Path {
        &self.path
    }
}

/// UDIDs are hex and dashes; anything else (a hostile name) cannot reach outside the folder.
fn sanitize(udid: &str) -> String {
    udid.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_job_on_the_same_device_is_refused_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(dir.path());
        let first = DeviceJob::claim(&dirs, "00008110-AAAA", "Ada's iPhone").unwrap();
        let err = DeviceJob::claim(&dirs, "00008110-AAAA", "Ada's iPhone").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Ada's iPhone is already being backed up (by this or another Keepsake window or \
             agent); wait for that backup to finish, or cancel it"
        );
        let other = DeviceJob::claim(&dirs, "00008110-BBBB", "Bob's iPad").unwrap();
        drop(first);
        DeviceJob::claim(&dirs, "00008110-AAAA", "Ada's iPhone").unwrap();
        drop(other);
    }

    #[test]
    fn a_hostile_udid_stays_in_the_jobs_folder() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs::at(dir.path());
        let job = DeviceJob::claim(&dirs, "../../etc/x", "x").unwrap();
        assert!(job.lock_path().starts_with(dir.path().join("jobs")));
    }
}
