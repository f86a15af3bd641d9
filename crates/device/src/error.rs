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
    #[error("{device}: the device answered {what} with something Keepsake cannot read: {detail}")]
    Malformed {
        device: String,
        what: &'static str,
        detail: String,
    },
}

pub type Result<T> = std::result::Result<T, DeviceError>;
