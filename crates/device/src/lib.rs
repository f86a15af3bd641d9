//! The host side of an iPhone or iPad: finding devices (usbmuxd, the USB bus, Wi-Fi), reading who
//! they are, pairing records, and later the lockdownd sessions and mobilebackup2 exchanges of a
//! backup.
//!
//! The protocol clients come from the `idevice` crate, pinned to an exact version and never
//! exposed: callers see only this crate's types, so an idevice upgrade stays inside here.

pub mod apps;
pub mod backup;
mod error;
pub mod identity;
pub mod list;
pub mod notifications;
pub mod pairing;
pub mod platform;
mod session;
pub mod usb;
pub mod usbmux;
pub mod wifi;

pub use backup::{
    data_in_use, is_plain_udid, will_encrypt, BackupEvent, BackupFolder, BackupSummary, DirFolder,
    Mobilebackup2, RestoreOptions, SilenceLimits,
};
pub use error::{explain_backup_error, DeviceError, Result, Step};
pub use identity::DeviceIdentity;
pub use list::{DeviceList, DeviceState, SeenDevice};
pub use pairing::{ensure_paired, Host, PairStep};
pub use platform::{Os, UsbmuxdAddress};
pub use usbmux::{Attachment, Link, MuxEvent, PairRecord, Usbmuxd};
