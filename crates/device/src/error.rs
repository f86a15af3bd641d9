use idevice::IdeviceError;
use keepsake_i18n::say;

/// What went wrong talking to a device or to usbmuxd, phrased for the person at the computer.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("{}", say("device-usbmuxd-unreachable", &[("addr", .addr), ("source", .source)]))]
    UsbmuxdUnreachable {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", say("device-bad-usbmuxd-address", &[("value", &format!("{:?}", .value))]))]
    BadUsbmuxdAddress { value: String },
    #[error("{}", say("device-usbmuxd-failed", &[("addr", .addr), ("what", .what), ("source", .source)]))]
    Usbmuxd {
        addr: String,
        what: Step,
        #[source]
        source: IdeviceError,
    },
    #[error("{}", say("device-protocol", &[("device", .device), ("what", .what), ("source", .source)]))]
    Protocol {
        device: String,
        what: Step,
        #[source]
        source: IdeviceError,
    },
    /// The device sent nothing (or took nothing) for longer than the silence limit: out of
    /// Wi-Fi range, frozen, or a link that died without closing.
    #[error("{}", say("device-silent", &[("device", .device), ("what", .what), ("seconds", .seconds)]))]
    Silent {
        device: String,
        what: Step,
        seconds: u64,
    },
    /// The connection went away mid-operation: cable pulled, device locked or restarted.
    #[error("{}", say("device-connection-lost", &[("device", .device), ("what", .what), ("source", .source)]))]
    ConnectionLost {
        device: String,
        what: Step,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", say("device-timeout", &[("device", .device), ("what", .what), ("seconds", .seconds)]))]
    Timeout {
        device: String,
        what: Step,
        seconds: u64,
    },
    #[error("{}", say("device-trust-refused", &[("device", .device)]))]
    TrustRefused { device: String },
    #[error("{}", say("device-trust-timeout", &[("device", .device), ("seconds", .seconds)]))]
    TrustTimeout { device: String, seconds: u64 },
    #[error("{}", say("device-backup-failed", &[("device", .device), ("why", &explain_backup_error(*.code, .detail))]))]
    BackupFailed {
        device: String,
        code: i64,
        detail: String,
    },
    #[error("{}", say("device-folder", &[("device", .device), ("path", .path), ("source", .source)]))]
    Folder {
        device: String,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", say("device-not-the-device", &[("device", .device)]))]
    NotTheDevice { device: String },
    #[error("{}", say("device-malformed", &[("device", .device), ("what", .what), ("detail", .detail)]))]
    Malformed {
        device: String,
        what: Step,
        detail: String,
    },
}

pub type Result<T> = std::result::Result<T, DeviceError>;

/// What a mobilebackup2 error code means for the person, and what they can do.
pub fn explain_backup_error(code: i64, detail: &str) -> String {
    let id = match code {
        105 => "device-backup-error-space",
        207 => "device-backup-error-password",
        208 => "device-backup-error-locked",
        _ => "device-backup-error-other",
    };
    say(id, &[("code", &code), ("detail", &detail)])
}

/// The step a device error names ("while receiving a file"), told in the process's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A request by its name in the protocol (`GetValue`, `UploadFiles`): the same in every
    /// language.
    Request(&'static str),
    // usbmuxd's, completing "failed to …"
    Connect,
    ListDevices,
    ListenForDevices,
    ReadPairRecord,
    EncodePairRecord,
    SavePairRecord,
    ReadBuid,
    // the device's
    ConnectingToService,
    ConnectingToLockdownd,
    ConnectingOverWifi,
    StartingSession,
    Pairing,
    ObservingNotifications,
    StartingNotificationProxy,
    WifiAnnouncement,
    WifiSetting,
    TurningOnWifi,
    ReadingWillEncrypt,
    ReadingDiskUsage,
    StartingBackupService,
    Handshake,
    EncodingMessage,
    Sending,
    Receiving,
    SendingFile,
    ReceivingFile,
    Message,
    DeviceRequest,
    FilePath,
    SourceDevice,
    ListingApps,
    ReadingIcons,
}

impl Step {
    /// Every step but [`Step::Request`], for the catalogs' test.
    pub const NAMED: [Step; 32] = [
        Step::Connect,
        Step::ListDevices,
        Step::ListenForDevices,
        Step::ReadPairRecord,
        Step::EncodePairRecord,
        Step::SavePairRecord,
        Step::ReadBuid,
        Step::ConnectingToService,
        Step::ConnectingToLockdownd,
        Step::ConnectingOverWifi,
        Step::StartingSession,
        Step::Pairing,
        Step::ObservingNotifications,
        Step::StartingNotificationProxy,
        Step::WifiAnnouncement,
        Step::WifiSetting,
        Step::TurningOnWifi,
        Step::ReadingWillEncrypt,
        Step::ReadingDiskUsage,
        Step::StartingBackupService,
        Step::Handshake,
        Step::EncodingMessage,
        Step::Sending,
        Step::Receiving,
        Step::SendingFile,
        Step::ReceivingFile,
        Step::Message,
        Step::DeviceRequest,
        Step::FilePath,
        Step::SourceDevice,
        Step::ListingApps,
        Step::ReadingIcons,
    ];

    /// The step's message id; a request has none.
    fn id(self) -> Option<&'static str> {
        Some(match self {
            Step::Request(_) => return None,
            Step::Connect => "device-step-connect",
            Step::ListDevices => "device-step-list-devices",
            Step::ListenForDevices => "device-step-listen-for-devices",
            Step::ReadPairRecord => "device-step-read-pair-record",
            Step::EncodePairRecord => "device-step-encode-pair-record",
            Step::SavePairRecord => "device-step-save-pair-record",
            Step::ReadBuid => "device-step-read-buid",
            Step::ConnectingToService => "device-step-connecting-to-service",
            Step::ConnectingToLockdownd => "device-step-connecting-to-lockdownd",
            Step::ConnectingOverWifi => "device-step-connecting-over-wifi",
            Step::StartingSession => "device-step-starting-session",
            Step::Pairing => "device-step-pairing",
            Step::ObservingNotifications => "device-step-observing-notifications",
            Step::StartingNotificationProxy => "device-step-starting-notification-proxy",
            Step::WifiAnnouncement => "device-step-wifi-announcement",
            Step::WifiSetting => "device-step-wifi-setting",
            Step::TurningOnWifi => "device-step-turning-on-wifi",
            Step::ReadingWillEncrypt => "device-step-reading-will-encrypt",
            Step::ReadingDiskUsage => "device-step-reading-disk-usage",
            Step::StartingBackupService => "device-step-starting-backup-service",
            Step::Handshake => "device-step-handshake",
            Step::EncodingMessage => "device-step-encoding-message",
            Step::Sending => "device-step-sending",
            Step::Receiving => "device-step-receiving",
            Step::SendingFile => "device-step-sending-file",
            Step::ReceivingFile => "device-step-receiving-file",
            Step::Message => "device-step-message",
            Step::DeviceRequest => "device-step-request",
            Step::FilePath => "device-step-file-path",
            Step::SourceDevice => "device-step-source-device",
            Step::ListingApps => "device-step-listing-apps",
            Step::ReadingIcons => "device-step-reading-icons",
        })
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Request(name) => f.write_str(name),
            _ => f.write_str(&say(self.id().unwrap_or_default(), &[])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepsake_i18n::{Language, Messages};

    #[test]
    fn every_step_has_its_words_in_every_language() {
        for language in Language::ALL {
            let messages = Messages::new(language);
            for step in Step::NAMED {
                let id = step.id().expect("a named step");
                assert!(messages.has(id), "{language:?} lacks {id} ({step:?})");
            }
        }
        assert_eq!(Step::Request("GetValue").to_string(), "GetValue");
    }
}
