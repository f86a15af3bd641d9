use std::path::PathBuf;

/// What went wrong in the application, phrased for the person using it.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Device(#[from] keepsake_device::DeviceError),
    #[error("no home directory: Keepsake needs one for its settings (set HOME)")]
    NoHomeDirectory,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is damaged ({detail}); move it aside and Keepsake will start afresh")]
    CorruptSettings { path: PathBuf, detail: String },
    #[error("encoding settings: {0}")]
    Encode(#[from] serde_json::Error),
    #[error(
        "the OS credential store is not available ({0}), so Keepsake cannot remember passwords; \
         it will ask for them instead. On Linux a Secret Service (GNOME Keyring or KWallet) must be running and unlocked."
    )]
    CredentialStore(String),
    #[error("{0}")]
    Store(String),
    #[error("the backup location {location} is not there (an unplugged disk?). Connect it, or choose another location.")]
    LocationMissing { location: PathBuf },
    #[error(
        "{location} holds no Keepsake backups (no Keepsake.Backups folder there): back a device \
         up to it first, or choose the location that has its backups"
    )]
    NoBackups { location: PathBuf },
    #[error(
        "{repository} is encrypted and this computer does not remember its key: open it with \
         the backup password of a device backed up there, its recovery key or the snapshots' \
         password"
    )]
    StoreLocked { repository: PathBuf },
    #[error(
        "none of the passwords or keys given opens {repository}: it takes the backup password of \
         a device backed up there, the recovery key shown when the location was set up, or the \
         snapshots' password. Nothing was changed."
    )]
    WrongStoreSecret { repository: PathBuf },
    #[error(
        "{location}: this computer has no credential store (Secret Service) to keep the \
         snapshots' key in, so new backups there need a password to reopen them: give the \
         snapshots' password"
    )]
    NeedsStorePassword { location: PathBuf },
    #[error(
        "{device} is already being backed up (by this or another Keepsake window or agent); \
         wait for that backup to finish, or cancel it"
    )]
    AlreadyBackingUp { device: String },
    #[error(
        "the backup of {device} was cancelled; nothing was saved and the earlier snapshots are \
         as they were. The next backup reuses what was already stored."
    )]
    Cancelled { device: String },
    #[error(
        "not enough free space at {location} to back up {device}: {free} free, about {needed} \
         needed. Free some space there, or choose another backup location."
    )]
    NotEnoughSpace {
        device: String,
        location: PathBuf,
        free: String,
        needed: String,
    },
    #[error("no iPhone or iPad found. Connect one with a cable and unlock it.")]
    NoDevice,
    #[error("no device matches {wanted:?}; connected: {available}")]
    NoSuchDevice { wanted: String, available: String },
    #[error("several devices are connected ({available}): say which one (UDID or name)")]
    WhichDevice { available: String },
    #[error(
        "the backups of {device} are encrypted by the device and this computer does not know \
         their password, so they cannot be browsed or restored. Give the backup password; \
         if it is lost, these snapshots cannot be opened by anyone."
    )]
    BackupLocked { device: String },
    #[error("wrong backup password for {device}'s snapshots: try again")]
    WrongBackupPassword { device: String },
    #[error("snapshot {snapshot} does not hold a readable device backup: {detail}")]
    NotABackup { snapshot: i64, detail: String },
    #[error("{what} is not in snapshot {snapshot}")]
    NotInSnapshot { what: String, snapshot: i64 },
    #[error("{folder} is not a complete device backup ({detail}); nothing was imported")]
    NotABackupFolder { folder: PathBuf, detail: String },
    #[error("{folder} already holds files: export into an empty folder")]
    ExportTargetNotEmpty { folder: PathBuf },
    #[error(
        "{device} has not been backed up before: review its backup settings with \
         `keepsake settings {udid}` and confirm them with `keepsake settings {udid} --confirm`"
    )]
    SettingsNotConfirmed { device: String, udid: String },
    #[error("{location} is where {devices} back up: give them another location first")]
    LocationInUse { location: PathBuf, devices: String },
    #[error("{location} is not one of Keepsake's locations (see `keepsake locations`)")]
    UnknownLocation { location: PathBuf },
    #[error(
        "{device} has no backup location: add one with `keepsake locations add <folder>` \
         or give it one with `keepsake settings <device> --location <folder>`"
    )]
    NoLocation { device: String },
    #[error("snapshot {snapshot} is pinned: unpin it before deleting it")]
    SnapshotPinned { snapshot: i64 },
    #[error(
        "snapshot {snapshot} is a backup of {from}; restoring it onto {onto} replaces \
         everything on {onto} with it (its apps, data and settings; {onto} keeps its own \
         identity). Confirm to go ahead (`keepsake restore {snapshot} --device … --yes`)."
    )]
    RestoreOntoAnother {
        snapshot: i64,
        from: String,
        onto: String,
    },
    #[error("no snapshot {snapshot} in {repository}")]
    NoSuchSnapshot { snapshot: i64, repository: PathBuf },
}

pub type Result<T> = std::result::Result<T, CoreError>;

/// The store's errors are already phrased for people (what happened, what to do).
impl From<keepsake_store::Error> for CoreError {
    fn from(e: keepsake_store::Error) -> Self {
        CoreError::Store(e.to_string())
    }
}
