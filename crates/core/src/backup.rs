//! One backup of one device, start to finish: find and pair it, open its location's snapshot
//! repository, run mobilebackup2 into a virtual backup folder over the store, and commit the new
//! snapshot only when the device reports success.

use std::path::{Path, PathBuf};
use std::time::Instant;

use keepsake_device::{
    ensure_paired, pairing::TRUST_PROMPT_TIMEOUT, BackupEvent, DeviceList, Mobilebackup2, PairStep,
    Usbmuxd,
};
use keepsake_store::{InitOptions, KdfParams, KeySource, RepoConfig, Repository, SnapshotInfo};
use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::pairing::choose;
use crate::secrets::{SecretKind, Secrets};
use crate::settings::AppDirs;
use crate::store_folder::StoreFolder;

/// The folder a location keeps its snapshots in, at the location's root.
pub const BACKUPS_FOLDER: &str = "Keepsake.Backups";

/// What to back up, and where.
#[derive(Debug, Clone)]
pub struct BackupOptions {
    /// A folder or a disk's root; the repository lives in `<location>/Keepsake.Backups`.
    pub location: PathBuf,
    /// Ask the device for everything, not only what changed.
    pub full: bool,
    /// The repository's password. Without one, a new repository gets a random key kept in the
    /// OS credential store, and an existing one is opened with the key remembered there.
    pub store_password: Option<String>,
}

/// What a running backup reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum BackupProgress {
    WaitingForTrust {
        device: String,
    },
    WaitingForUnlock {
        device: String,
    },
    Started {
        device: String,
        udid: String,
    },
    /// The device asks for its passcode: "Enter your passcode on <device>".
    EnterPasscode {
        device: String,
    },
    /// The passcode prompt went away (entered, or given up on).
    PasscodeDone {
        device: String,
    },
    Transferring {
        percent: f64,
        bytes_received: u64,
        files_received: u64,
    },
    Saving,
}

/// A finished backup.
#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    pub udid: String,
    pub device: String,
    pub repository: PathBuf,
    pub snapshot: SnapshotInfo,
    pub files_received: u64,
    pub bytes_received: u64,
    pub files_removed: u64,
    pub seconds: f64,
}

/// Opens (creating it the first time) the repository of `location`.
pub fn open_repository(location: &Path, password: Option<&str>) -> Result<Repository> {
    let path = location.join(BACKUPS_FOLDER);
    let store_err = |e: keepsake_store::Error| CoreError::Store(e.to_string());
    if !path.join("keepsake-repo.json").exists() {
        if !location.is_dir() {
            return Err(CoreError::LocationMissing {
                location: location.to_path_buf(),
            });
        }
        let options = match password {
            Some(p) => InitOptions::encrypted(p),
            None => {
                // A random 256-bit secret needs no stretching, so the KDF is kept cheap.
                let secret = random_secret();
                let mut options = InitOptions::encrypted(secret.clone());
                options.kdf = KdfParams::insecure_for_tests();
                let repo = Repository::init(&path, &options).map_err(store_err)?;
                Secrets.remember(SecretKind::StoreKey, &repo.config().id, &secret)?;
                return Ok(repo);
            }
        };
        return Repository::init(&path, &options).map_err(store_err);
    }
    let key = key_for(&path, password)?;
    Repository::open(&path, &key).map_err(store_err)
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

/// Backs up the device `wanted` names (UDID or name; may be omitted with one device connected).
pub async fn back_up(
    dirs: &AppDirs,
    wanted: Option<&str>,
    options: &BackupOptions,
    mut on_progress: impl FnMut(BackupProgress) + Send,
) -> Result<BackupReport> {
    let started = Instant::now();
    let mux = Usbmuxd::from_env()?;
    let list = DeviceList::scan(&mux).await?;
    let (device, name) = choose(&mux, &list, wanted).await?;
    let host = dirs.host()?;
    ensure_paired(&mux, &device, &host, TRUST_PROMPT_TIMEOUT, |step| {
        on_progress(match step {
            PairStep::WaitingForTrust => BackupProgress::WaitingForTrust {
                device: name.clone(),
            },
            PairStep::WaitingForUnlock => BackupProgress::WaitingForUnlock {
                device: name.clone(),
            },
        })
    })
    .await?;
    let record = mux.pair_record(&device.udid).await?.ok_or_else(|| {
        CoreError::Store(format!(
            "{name}: the pair record vanished; run `keepsake pair`"
        ))
    })?;

    // Fails fast (wrong key, another backup writing) before the device starts sending.
    let repo_path = options.location.join(BACKUPS_FOLDER);
    drop(open_repository(
        &options.location,
        options.store_password.as_deref(),
    )?);
    let key = key_for(&repo_path, options.store_password.as_deref())?;
    let mut folder = StoreFolder::begin(&repo_path, key, &device.udid)
        .map_err(|e| CoreError::Store(e.to_string()))?;

    // Info.plist is the host's part of a Finder backup; written first, like idevicebackup2 does.
    if let Some(id) = list.identity(&device.udid) {
        let lockdown = keepsake_mobilesync::Lockdown {
            build_version: id.build_version.clone(),
            device_name: id.name.clone(),
            product_type: id.product_type.clone(),
            product_version: id.product_version.clone(),
            serial_number: id.serial_number.clone().unwrap_or_default(),
            unique_device_id: id.udid.clone(),
            ..Default::default()
        };
        let info =
            keepsake_mobilesync::InfoPlist::for_device(&lockdown, host.host_id.replace('-', ""));
        let bytes = keepsake_mobilesync::BackupPlist::to_xml(&info)
            .map_err(|e| CoreError::Store(e.to_string()))?;
        folder
            .put_bytes(&Path::new(&device.udid).join("Info.plist"), &bytes)
            .map_err(|e| CoreError::Store(format!("{name}: writing Info.plist: {e}")))?;
    }

    on_progress(BackupProgress::Started {
        device: name.clone(),
        udid: device.udid.clone(),
    });
    let name_of_device = name.clone();
    // The passcode prompt is announced on another connection while the backup one waits.
    let mut notices = match keepsake_device::notifications::observe(
        &mux,
        &device,
        &record,
        &[
            keepsake_device::notifications::PASSCODE_PRESENTED,
            keepsake_device::notifications::PASSCODE_DISMISSED,
        ],
    )
    .await
    {
        Ok(rx) => Some(rx),
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch for the passcode prompt; the backup goes on");
            None
        }
    };
    let mut mb = Mobilebackup2::open(&mux, &device, &record).await?;
    let (progress_tx, mut progress_rx) = tokio::sync::mpsc::unbounded_channel();
    let summary = {
        let run = mb.backup(&mut folder, options.full, move |e| match e {
            BackupEvent::Progress {
                percent,
                bytes_received,
                files_received,
            } => {
                let _ = progress_tx.send(BackupProgress::Transferring {
                    percent,
                    bytes_received,
                    files_received,
                });
            }
        });
        tokio::pin!(run);
        loop {
            tokio::select! {
                result = &mut run => break result?,
                Some(p) = progress_rx.recv() => on_progress(p),
                Some(name) = async { match notices.as_mut() { Some(rx) => rx.recv().await, None => std::future::pending().await } } => {
                    if name == keepsake_device::notifications::PASSCODE_PRESENTED {
                        on_progress(BackupProgress::EnterPasscode { device: name_of_device.clone() });
                    } else {
                        on_progress(BackupProgress::PasscodeDone { device: name_of_device.clone() });
                    }
                }
            }
        }
    };
    while let Ok(p) = progress_rx.try_recv() {
        on_progress(p);
    }
    on_progress(BackupProgress::Saving);
    let snapshot = folder
        .commit()
        .map_err(|e| CoreError::Store(format!("{name}: saving the snapshot failed: {e}")))?;
    tracing::info!(
        udid = device.udid,
        snapshot = snapshot.id,
        "backup committed"
    );
    Ok(BackupReport {
        udid: device.udid,
        device: name,
        repository: repo_path,
        snapshot,
        files_received: summary.files_received,
        bytes_received: summary.bytes_received,
        files_removed: summary.files_removed,
        seconds: started.elapsed().as_secs_f64(),
    })
}
