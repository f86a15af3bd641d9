use idevice::IdeviceError;

/// What went wrong talking to a device or to usbmuxd, phrased for the person at the computer.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(
        "cannot reach usbmuxd at {addr}: {source}. Is usbmuxd installed and running? \
         (Debian/Ubuntu: `sudo apt install usbmuxd`; it starts when an iPhone is plugged in.)"
    )]
    UsbmuxdUnreachable {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("USBMUXD_SOCKET_ADDRESS={value:?} is not an address: use HOST:PORT or UNIX:/path")]
    BadUsbmuxdAddress { value: String },
    #[error("usbmuxd at {addr} failed to {what}: {source}")]
    Usbmuxd {
        addr: String,
        what: &'static str,
        #[source]
        source: IdeviceError,
    },
    #[error("{device}: {what} failed: {source}")]
    Protocol {
        device: String,
        what: &'static str,
        #[source]
        source: IdeviceError,
    },
    /// The device sent nothing (or took nothing) for longer than the silence limit: out of
    /// Wi-Fi range, frozen, or a link that died without closing.
    #[error(
        "{device} stopped answering while {what}: nothing came for {seconds} s. Keep it close to the computer (on Wi-Fi) or check its cable, unlock it, and try again."
    )]
    Silent {
        device: String,
        what: &'static str,
        seconds: u64,
    },
    /// The connection went away mid-operation: cable pulled, device locked or restarted.
    #[error(
        "{device}: the connection to the device was lost while {what} ({source}). Check the cable, keep the device unlocked, and try again."
    )]
    ConnectionLost {
        device: String,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{device}: no answer to {what} within {seconds} s; unplug and reconnect it, then unlock it"
    )]
    Timeout {
        device: String,
        what: &'static str,
        seconds: u64,
    },
    #[error(
        "{device} refused to trust this computer. Unplug it, plug it in again, unlock it and tap Trust."
    )]
    TrustRefused { device: String },
    #[error("{device}: nobody answered the Trust prompt within {seconds} s. Unlock it, tap Trust, then try again.")]
    TrustTimeout { device: String, seconds: u64 },
    #[error("{device}: the backup failed: {}", explain_backup_error(*code, detail))]
    BackupFailed {
        device: String,
        code: i64,
        detail: String,
    },
    #[error("{device}: writing {path} to the backup failed: {source}")]
    Folder {
        device: String,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "this is not {device}: whatever answered at its address could not prove it is the \
         device paired with this computer (its certificate or key is another's). Nothing was \
         sent to it or saved from it. Connect the device with a cable to check it is yours."
    )]
    NotTheDevice { device: String },
    #[error("{device}: the device answered {what} with something Keepsake cannot read: {detail}")]
    Malformed {
        device: String,
        what: &'static str,
        detail: String,
    },
}

pub type Result<T> = std::result::Result<T, DeviceError>;

/// What a mobilebackup2 error code means for the person, and what they can do.
pub fn explain_backup_error(code: i64, detail: &str) -> String {
    match code {
        105 => format!("there is not enough free space where the backup is stored ({detail}). Free some space or choose another location."),
        207 => format!("the backup password is wrong ({detail}). Enter the password set for this device's backups."),
        208 => format!(
            "the device is locked or its passcode was not entered in time ({detail}). Unlock it, enter the passcode when it asks, and try again."
        ),
        _ => format!("the device reported error {code}: {detail}. Try again; if it keeps failing, restart the device."),
    }
}
