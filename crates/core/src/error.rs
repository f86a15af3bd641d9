use std::path::PathBuf;

/// What went wrong in the application, phrased for the person using it.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Device(#[from] keepsake_device::DeviceError),
    #[error("{}", say("error-no-home-directory", &[]))]
    NoHomeDirectory,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", say("error-corrupt-settings", &[("path", &.path.display()), ("detail", &.detail)]))]
    CorruptSettings { path: PathBuf, detail: String },
    #[error("{}", say("error-encode", &[("error", &.0)]))]
    Encode(#[from] serde_json::Error),
    #[error("{}", say("error-credential-store", &[("error", &.0)]))]
    CredentialStore(String),
    #[error("{0}")]
    Store(String),
    #[error("{}", say("error-location-missing", &[("location", &.location.display())]))]
    LocationMissing { location: PathBuf },
    #[error("{}", say("error-no-backups", &[("location", &.location.display())]))]
    NoBackups { location: PathBuf },
    #[error("{}", say("error-store-locked", &[("repository", &.repository.display())]))]
    StoreLocked { repository: PathBuf },
    #[error("{}", say("error-wrong-store-secret", &[("repository", &.repository.display())]))]
    WrongStoreSecret { repository: PathBuf },
    #[error("{}", say("error-needs-store-password", &[("location", &.location.display())]))]
    NeedsStorePassword { location: PathBuf },
    #[error("{}", say("error-already-backing-up", &[("device", &.device)]))]
    AlreadyBackingUp { device: String },
    #[error("{}", say("error-cancelled", &[("device", &.device)]))]
    Cancelled { device: String },
    #[error("{}", say("error-not-enough-space", &[("location", &.location.display()), ("device", &.device), ("free", &.free), ("needed", &.needed)]))]
    NotEnoughSpace {
        device: String,
        location: PathBuf,
        free: String,
        needed: String,
    },
    #[error("{}", say("error-no-device", &[]))]
    NoDevice,
    #[error("{}", say("error-no-such-device", &[("wanted", &format!("{:?}", .wanted)), ("available", &.available)]))]
    NoSuchDevice { wanted: String, available: String },
    #[error("{}", say("error-which-device", &[("available", &.available)]))]
    WhichDevice { available: String },
    #[error("{}", say("error-backup-locked", &[("device", &.device)]))]
    BackupLocked { device: String },
    #[error("{}", say("error-wrong-backup-password", &[("device", &.device)]))]
    WrongBackupPassword { device: String },
    #[error("{}", say("error-not-a-backup", &[("snapshot", &.snapshot), ("detail", &.detail)]))]
    NotABackup { snapshot: i64, detail: String },
    #[error("{}", say("error-not-in-snapshot", &[("what", &.what), ("snapshot", &.snapshot)]))]
    NotInSnapshot { what: String, snapshot: i64 },
    #[error("{}", say("error-not-a-backup-folder", &[("folder", &.folder.display()), ("detail", &.detail)]))]
    NotABackupFolder { folder: PathBuf, detail: String },
    #[error("{}", say("error-export-target-not-empty", &[("folder", &.folder.display())]))]
    ExportTargetNotEmpty { folder: PathBuf },
    #[error("{}", say("error-settings-not-confirmed", &[("device", &.device), ("udid", &.udid)]))]
    SettingsNotConfirmed { device: String, udid: String },
    #[error("{}", say("error-location-in-use", &[("location", &.location.display()), ("devices", &.devices)]))]
    LocationInUse { location: PathBuf, devices: String },
    #[error("{}", say("error-unknown-location", &[("location", &.location.display())]))]
    UnknownLocation { location: PathBuf },
    #[error("{}", say("error-no-location", &[("device", &.device)]))]
    NoLocation { device: String },
    #[error("{}", say("error-snapshot-pinned", &[("snapshot", &.snapshot)]))]
    SnapshotPinned { snapshot: i64 },
    #[error("{}", say("error-restore-onto-another", &[("snapshot", &.snapshot), ("from", &.from), ("onto", &.onto)]))]
    RestoreOntoAnother {
        snapshot: i64,
        from: String,
        onto: String,
    },
    #[error("{}", say("error-no-such-snapshot", &[("snapshot", &.snapshot), ("repository", &.repository.display())]))]
    NoSuchSnapshot { snapshot: i64, repository: PathBuf },
    #[error(transparent)]
    Offsite(#[from] keepsake_offsite::Error),
    #[error("{}", say("error-offsite-no-secret", &[("remote", &.remote)]))]
    OffsiteNoSecret { remote: String },
}

pub type Result<T> = std::result::Result<T, CoreError>;

// Messages in the process's language: the OS's, which [`crate::environment::context`] sets
// (English until then, as in tests).
use keepsake_i18n::say;

/// The store's errors are already phrased for people (what happened, what to do).
impl From<keepsake_store::Error> for CoreError {
    fn from(e: keepsake_store::Error) -> Self {
        CoreError::Store(e.to_string())
    }
}
