//! What a virtual iPhone keeps for its backups: the content on it (a generated phone and the
//! days it has lived), whether backups are encrypted and with which keybag, the passcode
//! prompt iOS 16.1+ shows before a backup, and the [`Fault`] a test wants its backups to show.
//!
//! State on disk, under `devices/<UDID>/backup/`: `phone.plist` (seed, size, days lived),
//! `encryption.plist` (the keybag and the password-derived key that unwraps it: the device's
//! keystore, so a restarted phone encrypts with the same class keys without the password), and
//! after a restore the restored content (module `restored`), which replaces the generated one.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use keepsake_mobilesync::{BackupEncryption, KdfParams, Keybag};
use keepsake_phone_content::{DayOfUse, Identity, Phone, PhoneSpec};
use plist::{Dictionary, Value};
use tokio::sync::{broadcast, Notify};

use crate::restored::{self, Staging};
use crate::state_dir;

/// Failures of the backup state (content generation, keybag, its files).
#[derive(Debug, thiserror::Error)]
pub enum BackupStateError {
    #[error("generating the phone's content: {0}")]
    Content(#[from] keepsake_phone_content::Error),
    #[error("backup format: {0}")]
    Format(#[from] keepsake_mobilesync::Error),
    #[error(transparent)]
    Emulator(#[from] crate::Error),
    #[error("{0} is malformed")]
    Malformed(&'static str),
}

pub type Result<T, E = BackupStateError> = std::result::Result<T, E>;

/// How the iOS 16.1+ "enter your passcode" step behaves for Backup and ChangePassword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasscodePrompt {
    /// The user types the passcode this long after the prompt appears; `None`: only when
    /// [`DeviceBackup::enter_passcode`] is called.
    pub enter_after: Option<Duration>,
    /// Real devices give up after about three minutes with error 208 "Device locked".
    pub timeout: Duration,
}

impl Default for PasscodePrompt {
    fn default() -> Self {
        PasscodePrompt {
            enter_after: None,
            timeout: Duration::from_secs(180),
        }
    }
}

/// What the device posts while the passcode prompt is on screen (the notifications
/// `com.apple.LocalAuthentication.ui.presented` / `.dismissed` relay these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasscodeEvent {
    Presented,
    Dismissed,
}

pub const PASSCODE_PRESENTED: &str = "com.apple.LocalAuthentication.ui.presented";
pub const PASSCODE_DISMISSED: &str = "com.apple.LocalAuthentication.ui.dismissed";

impl PasscodeEvent {
    pub fn notification(self) -> &'static str {
        match self {
            PasscodeEvent::Presented => PASSCODE_PRESENTED,
            PasscodeEvent::Dismissed => PASSCODE_DISMISSED,
        }
    }
}

/// What the device found in the files a host sent back in its last Restore.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoreReport {
    /// Regular files the backup's Manifest.db lists.
    pub files: usize,
    /// Plaintext bytes received.
    pub bytes: u64,
    /// Files whose bytes equal the phone's current content.
    pub matching: usize,
    /// Files the phone has with other content (changed since the backup, or tampered with).
    pub differing: Vec<(String, String)>,
    /// Files the phone no longer has.
    pub not_on_phone: Vec<(String, String)>,
    /// Files the host could not send.
    pub missing: Vec<(String, String)>,
    /// Files that did not decrypt or whose length is not the recorded `Size`.
    pub corrupt: Vec<(String, String)>,
}

/// Misbehaviour on demand: what mobilebackup2 does wrong, so that hosts can be tested against a
/// slow, broken or hostile device. It applies to every request after Hello (Backup, Restore,
/// Info, List, ChangePassword) unless a variant says otherwise, and stays until cleared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Backup only: the connection closes after this many bytes of file data were sent
    /// (mid-block if need be), as when the cable is pulled.
    DropAfterBytes(u64),
    /// Backup only: after this many bytes of file data (mid-block if need be) the device sends
    /// nothing more and never closes, as a phone that walked out of Wi-Fi range or froze; it
    /// lets go only when the host closes the connection.
    StallAfterBytes(u64),
    /// The request ends with this `ErrorCode` and description instead of 0. A Backup sends its
    /// files first, then not the final Manifest and Status, as on a device that failed; the
    /// other requests do their work (Restore receives every file) and then fail.
    ErrorCode(u64, String),
    /// Backup only: the first upload carries a file named `<UDID>/../../escape`.
    PathTraversal,
    /// Backup only: the first upload carries a file named under another device's folder.
    ForeignDevice,
    /// Backup only: the first uploaded file's first block claims 0xFFFF_FFF0 bytes; then the
    /// device hangs up.
    AbsurdBlock,
    /// The first DeviceLink message of the request claims 0xFFFF_FFF0 bytes; then the device
    /// hangs up.
    AbsurdMessage,
    /// The first DeviceLink message of the request is a well-framed body that is not a plist
    /// (a binary plist cut short); then the device hangs up.
    InvalidPlist,
    /// Backup only: the first uploaded file stops after its first block with an error block
    /// (`ERROR_REMOTE`, as when a file changes or vanishes while the device reads it); the
    /// backup goes on with the other files and succeeds.
    UnreadableFile,
    /// Everything the service sends is paced to this many bytes per second (USB 2 gives about
    /// 35_000_000 in practice); the request itself succeeds. For progress, throughput and
    /// timeout tests.
    BandwidthCap(u64),
    /// Backup only: the first upload batch ends, after its genuine files, with a well-formed
    /// file under this backup-relative name exactly as given (`../`, absolute, NUL, thousands of
    /// characters: spell the device's UDID out where it belongs).
    UploadNamed(String),
    /// Backup only: once the first upload batch is answered, the device sends this DeviceLink
    /// message body (any bytes; the device frames them with their length: a MoveItems,
    /// CopyItem, RemoveItems or DownloadFiles naming paths outside its folder, a plist of the
    /// wrong shape, a message of millions of items), keeps every byte the host sends back until
    /// it closes ([`DeviceBackup::hostile_reply`]) and hangs up.
    Request(std::sync::Arc<[u8]>),
    /// Backup only: the first upload announces `claimed` bytes in all, then its first file
    /// streams `sent` bytes of data in the largest blocks DeviceLink allows and the device
    /// hangs up mid-file. The host must stream it, never gather or pre-allocate it.
    HugeFile { claimed: u64, sent: u64 },
    /// Backup only, encrypted: a file changed since the last backup gets a fresh key, as a
    /// device that re-creates a file instead of writing it in place does (the host cannot
    /// decrypt it with the key it had).
    FreshKeys,
    /// Backup only, encrypted: a changed file is encrypted with the key it had, but its
    /// Manifest.db row lists a fresh key: a broken device whose backup no reader can decrypt.
    ListsOtherKeys,
    /// Backup only, encrypted: the Manifest.db row of every changed file carries a wrapped key
    /// that no class key unwraps (damaged).
    DamagedKeyRows,
    /// Backup only: the last upload carries these bytes as `<UDID>/<name>` (`Status.plist`,
    /// `Manifest.plist`, `Info.plist`) in place of the genuine file, or besides the genuine
    /// ones; the device then reports success.
    FinalFile { name: String, bytes: Vec<u8> },
}

/// The most of the host's reply [`Fault::Request`] keeps.
pub const MAX_HOSTILE_REPLY: usize = 1 << 20;

/// USB 2.0 High Speed as iPhones achieve it in practice: a cap for [`Fault::BandwidthCap`].
pub const USB2_BYTES_PER_SECOND: u64 = 35_000_000;

/// The backup side of a device profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupOptions {
    /// The phone's content on day 0.
    pub content: PhoneSpec,
    /// Key-derivation cost of keybags the device makes; tests use tiny counts.
    pub kdf: KdfParams,
    /// `Some`: the device asks for its passcode before a backup (iOS 16.1+ behaviour).
    pub passcode: Option<PasscodePrompt>,
    /// `Some`: the next backups misbehave this way (see [`Fault`]).
    pub fault: Option<Fault>,
}

impl BackupOptions {
    /// Distinct content per catalog phone; small, so a test's first backup takes a second.
    pub fn catalog(i: usize) -> Self {
        BackupOptions {
            content: PhoneSpec {
                seed: i as u64 + 1,
                target_bytes: 4 << 20,
            },
            kdf: KdfParams::DEVICE,
            passcode: None,
            fault: None,
        }
    }
}

/// The device keystore's wrapping: its secret is random, so no stretching is needed.
const KEYSTORE_KDF: KdfParams = KdfParams {
    iterations: 1,
    dp_iterations: 1,
};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The phone's content, and which restore it came from (`None`: generated).
struct Content {
    phone: Phone,
    restored: Option<String>,
    /// The days on which the person deleted a share of the camera roll, and the share (%).
    clearings: Vec<(u32, u8)>,
}

/// One device's backup state.
pub struct DeviceBackup {
    options: Mutex<BackupOptions>,
    dir: PathBuf,
    phone: Mutex<Option<Content>>,
    encryption: Mutex<Option<BackupEncryption>>,
    last_restore: Mutex<Option<RestoreReport>>,
    hostile_reply: Mutex<Option<Vec<u8>>>,
    hostile_replied: Notify,
    passcode_entered: Notify,
    passcode_events: broadcast::Sender<PasscodeEvent>,
    /// SHA-256 of every file uploaded since recording was turned on, by backup path (the
    /// bytes exactly as they went on the wire): what a test compares an export with.
    uploads: Mutex<Option<BTreeMap<String, [u8; 32]>>>,
}

impl std::fmt::Debug for DeviceBackup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceBackup")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl DeviceBackup {
    /// Loads the state kept in `dir` (created on first change). The phone itself is generated
    /// on first use: most tests never back up.
    pub fn open(dir: PathBuf, options: BackupOptions) -> Result<DeviceBackup> {
        let encryption = load_encryption(&dir.join("encryption.plist"))?;
        Ok(DeviceBackup {
            options: Mutex::new(options),
            dir,
            phone: Mutex::new(None),
            encryption: Mutex::new(encryption),
            last_restore: Mutex::new(None),
            hostile_reply: Mutex::new(None),
            hostile_replied: Notify::new(),
            passcode_entered: Notify::new(),
            passcode_events: broadcast::channel(16).0,
            uploads: Mutex::new(None),
        })
    }

    pub fn options(&self) -> BackupOptions {
        lock(&self.options).clone()
    }

    pub fn set_passcode(&self, prompt: Option<PasscodePrompt>) {
        lock(&self.options).passcode = prompt;
    }

    /// Starts (or restarts) recording the digest of every uploaded file.
    pub fn record_uploads(&self) {
        *lock(&self.uploads) = Some(BTreeMap::new());
    }

    /// The digests recorded since [`record_uploads`](Self::record_uploads) (or the last
    /// take), by backup path; recording goes on.
    pub fn take_uploads(&self) -> BTreeMap<String, [u8; 32]> {
        lock(&self.uploads)
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    pub(crate) fn recording_uploads(&self) -> bool {
        lock(&self.uploads).is_some()
    }

    pub(crate) fn uploaded(&self, path: &str, digest: [u8; 32]) {
        if let Some(map) = lock(&self.uploads).as_mut() {
            map.insert(path.to_owned(), digest);
        }
    }

    /// Makes the following backups misbehave (`None`: behave again).
    pub fn set_fault(&self, fault: Option<Fault>) {
        lock(&self.options).fault = fault;
    }

    fn phone_guard(&self) -> Result<MutexGuard<'_, Option<Content>>> {
        let mut guard = lock(&self.phone);
        if guard.is_none() {
            let spec = self.options().content;
            let (mut phone, restored) = match restored::load(&self.dir)? {
                Some((name, files)) => (restored_phone(&spec, files), Some(name)),
                None => (Phone::generate(spec.clone())?, None),
            };
            let (days, clearings) = match state_dir::read_optional(&self.dir.join("phone.plist"))? {
                Some(bytes) => read_days(&bytes, &spec, restored.as_deref())?,
                None => (0, Vec::new()),
            };
            // Days of use are deterministic, so replaying them restores the same content.
            for day in 1..=days {
                match clearings.iter().find(|(d, _)| *d == day) {
                    Some(&(_, percent)) => phone.live_one_day_clearing_photos(percent)?,
                    None => phone.live_one_day()?,
                };
            }
            *guard = Some(Content {
                phone,
                restored,
                clearings,
            });
        }
        Ok(guard)
    }

    /// The phone as it is now (a cheap copy: file bodies are shared, regenerated or on disk).
    pub fn phone(&self) -> Result<Phone> {
        Ok(self
            .phone_guard()?
            .as_ref()
            .expect("loaded above")
            .phone
            .clone())
    }

    /// The user uses the phone for a day; remembered across restarts.
    pub fn live_one_day(&self) -> Result<DayOfUse> {
        let mut guard = self.phone_guard()?;
        let content = guard.as_mut().expect("loaded above");
        let day = content.phone.live_one_day()?;
        self.write_days(content)?;
        Ok(day)
    }

    /// A day of use on which the user deletes `percent` % of the camera roll as well;
    /// remembered across restarts.
    pub fn live_one_day_clearing_photos(&self, percent: u8) -> Result<DayOfUse> {
        let mut guard = self.phone_guard()?;
        let content = guard.as_mut().expect("loaded above");
        let day = content.phone.live_one_day_clearing_photos(percent)?;
        content
            .clearings
            .push((content.phone.day(), percent.min(100)));
        self.write_days(content)?;
        Ok(day)
    }

    fn write_days(&self, content: &Content) -> Result<()> {
        let phone = &content.phone;
        let mut d = Dictionary::new();
        d.insert("Seed".into(), phone.spec.seed.into());
        d.insert("TargetBytes".into(), phone.spec.target_bytes.into());
        d.insert("Day".into(), u64::from(phone.day()).into());
        if !content.clearings.is_empty() {
            let clearings = content
                .clearings
                .iter()
                .map(|&(day, percent)| {
                    let mut c = Dictionary::new();
                    c.insert("Day".into(), u64::from(day).into());
                    c.insert("Percent".into(), u64::from(percent).into());
                    Value::Dictionary(c)
                })
                .collect();
            d.insert("PhotoClearings".into(), Value::Array(clearings));
        }
        if let Some(name) = &content.restored {
            d.insert("Restored".into(), name.clone().into());
        }
        let mut out = Vec::new();
        plist::to_writer_xml(&mut out, &Value::Dictionary(d)).map_err(crate::Error::from)?;
        state_dir::write_atomic(&self.dir.join("phone.plist"), &out)?;
        Ok(())
    }

    /// Where a Restore puts the files it receives until [`DeviceBackup::finish_restore`].
    pub(crate) fn begin_restore(&self) -> Result<Staging> {
        Staging::new(&self.dir)
    }

    /// The phone's content becomes the staged files, on day 0, and stays so across restarts;
    /// the previous restored content is deleted.
    pub(crate) fn finish_restore(&self, staging: Staging) -> Result<()> {
        let mut guard = self.phone_guard()?;
        let (name, files) = staging.commit(&self.dir)?;
        let content = Content {
            phone: restored_phone(&self.options().content, files),
            restored: Some(name),
            clearings: Vec::new(),
        };
        // After the pointer: a crash in between finds days of another content and starts at 0.
        self.write_days(&content)?;
        restored::remove_others(&self.dir, content.restored.as_deref());
        *guard = Some(content);
        Ok(())
    }

    /// `com.apple.mobile.backup` `WillEncrypt`.
    pub fn will_encrypt(&self) -> bool {
        lock(&self.encryption).is_some()
    }

    pub fn encryption(&self) -> Option<BackupEncryption> {
        lock(&self.encryption).clone()
    }

    /// Turns encryption on with a fresh keybag, as `ChangePassword {NewPassword}` does. Slow
    /// with real iteration counts: call off the async threads.
    pub fn enable_encryption(&self, password: &str) -> Result<()> {
        let kdf = self.options().kdf;
        let enc = BackupEncryption::generate(password, kdf)?;
        self.set_encryption(Some(enc))
    }

    /// Replaces the encryption state and stores it.
    pub fn set_encryption(&self, encryption: Option<BackupEncryption>) -> Result<()> {
        let path = self.dir.join("encryption.plist");
        match &encryption {
            Some(enc) => {
                let mut d = Dictionary::new();
                d.insert("BackupKeyBag".into(), Value::Data(enc.keybag.to_bytes()));
                // A real device keeps the class keys in its keystore under a hardware key. Here
                // the same class keys are wrapped under a random device secret at minimal KDF
                // cost, so a restart unlocks them without the user's password or its cost.
                let secret = hex(&state_dir::random_bytes(16));
                let mut keystore = enc.keybag.clone();
                keystore.set_password(&enc.keys, &secret, KEYSTORE_KDF)?;
                d.insert("DeviceKeystore".into(), Value::Data(keystore.to_bytes()));
                d.insert("DeviceSecret".into(), secret.into());
                let mut out = Vec::new();
                plist::to_writer_xml(&mut out, &Value::Dictionary(d))
                    .map_err(crate::Error::from)?;
                state_dir::write_atomic(&path, &out)?;
            }
            None => {
                state_dir::remove_optional(&path)?;
            }
        }
        *lock(&self.encryption) = encryption;
        Ok(())
    }

    /// What the last Restore received, if the device has been restored since it started.
    pub fn last_restore(&self) -> Option<RestoreReport> {
        lock(&self.last_restore).clone()
    }

    pub(crate) fn set_last_restore(&self, report: RestoreReport) {
        *lock(&self.last_restore) = Some(report);
    }

    /// Every byte the host sent back to a [`Fault::Request`] before it closed (at most
    /// [`MAX_HOSTILE_REPLY`]), taken: waits until the device has made the request and seen the
    /// host close (which may come a moment after the host's operation returned).
    pub async fn hostile_reply(&self) -> Vec<u8> {
        loop {
            let recorded = self.hostile_replied.notified();
            tokio::pin!(recorded);
            recorded.as_mut().enable();
            if let Some(reply) = lock(&self.hostile_reply).take() {
                return reply;
            }
            recorded.await;
        }
    }

    pub(crate) fn set_hostile_reply(&self, bytes: Vec<u8>) {
        *lock(&self.hostile_reply) = Some(bytes);
        self.hostile_replied.notify_waiters();
    }

    /// The user typed the passcode on the device.
    pub fn enter_passcode(&self) {
        self.passcode_entered.notify_waiters();
    }

    /// Prompts shown and dismissed, for the notification proxy and tests.
    pub fn passcode_events(&self) -> broadcast::Receiver<PasscodeEvent> {
        self.passcode_events.subscribe()
    }

    /// Shows the passcode prompt and waits for the passcode. `false`: nobody typed it in time.
    /// `post` announces each event the way the device does, as a Darwin notification.
    pub(crate) async fn ask_passcode(
        &self,
        prompt: PasscodePrompt,
        post: impl Fn(PasscodeEvent),
    ) -> bool {
        let entered = self.passcode_entered.notified();
        tokio::pin!(entered);
        // Registered before the prompt is announced, so a passcode typed on seeing it counts.
        entered.as_mut().enable();
        post(PasscodeEvent::Presented);
        let _ = self.passcode_events.send(PasscodeEvent::Presented);
        tracing::info!("passcode prompt shown on the device");
        let auto = async {
            match prompt.enter_after {
                Some(after) => tokio::time::sleep(after).await,
                None => std::future::pending().await,
            }
        };
        let ok = tokio::select! {
            _ = &mut entered => true,
            _ = auto => true,
            _ = tokio::time::sleep(prompt.timeout) => false,
        };
        post(PasscodeEvent::Dismissed);
        let _ = self.passcode_events.send(PasscodeEvent::Dismissed);
        ok
    }
}

/// The device keeps its own identity: only the content is the backup's.
fn restored_phone(spec: &PhoneSpec, files: Vec<keepsake_phone_content::FileEntry>) -> Phone {
    Phone::from_files(spec.clone(), Identity::from_seed(spec.seed), files)
}

/// The days of use phone.plist records, and the days among them that cleared photos (with
/// the share cleared).
fn read_days(
    bytes: &[u8],
    spec: &PhoneSpec,
    restored: Option<&str>,
) -> Result<(u32, Vec<(u32, u8)>)> {
    let value = Value::from_reader(std::io::Cursor::new(bytes)).map_err(crate::Error::from)?;
    let d = value
        .as_dictionary()
        .ok_or(BackupStateError::Malformed("phone.plist"))?;
    let int = |k: &str| d.get(k).and_then(Value::as_unsigned_integer);
    let same_restore = d.get("Restored").and_then(Value::as_string) == restored;
    if !same_restore
        || int("Seed") != Some(spec.seed)
        || int("TargetBytes") != Some(spec.target_bytes)
    {
        // Another phone's history: start this one afresh rather than replay the wrong days.
        tracing::warn!("phone.plist belongs to other content; starting at day 0");
        return Ok((0, Vec::new()));
    }
    let malformed = || BackupStateError::Malformed("phone.plist");
    let days = int("Day").ok_or_else(malformed)?;
    let days = u32::try_from(days).map_err(|_| malformed())?;
    let mut clearings = Vec::new();
    for c in d
        .get("PhotoClearings")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
    {
        let c = c.as_dictionary().ok_or_else(malformed)?;
        let field = |k: &str| c.get(k).and_then(Value::as_unsigned_integer);
        let day = field("Day").and_then(|d| u32::try_from(d).ok());
        let percent = field("Percent").and_then(|p| u8::try_from(p).ok());
        match (day, percent) {
            (Some(day), Some(percent)) if day <= days && percent <= 100 => {
                clearings.push((day, percent))
            }
            _ => return Err(malformed()),
        }
    }
    Ok((days, clearings))
}

fn load_encryption(path: &std::path::Path) -> Result<Option<BackupEncryption>> {
    let Some(bytes) = state_dir::read_optional(path)? else {
        return Ok(None);
    };
    let value = Value::from_reader(std::io::Cursor::new(bytes)).map_err(crate::Error::from)?;
    let d = value
        .as_dictionary()
        .ok_or(BackupStateError::Malformed("encryption.plist"))?;
    let data = |k: &str| d.get(k).and_then(Value::as_data);
    let keybag = Keybag::parse(
        data("BackupKeyBag").ok_or(BackupStateError::Malformed("encryption.plist"))?,
    )?;
    let keystore = Keybag::parse(
        data("DeviceKeystore").ok_or(BackupStateError::Malformed("encryption.plist"))?,
    )?;
    let secret = d
        .get("DeviceSecret")
        .and_then(Value::as_string)
        .ok_or(BackupStateError::Malformed("encryption.plist"))?;
    let keys = keystore.unlock(secret)?;
    Ok(Some(BackupEncryption { keybag, keys }))
}
