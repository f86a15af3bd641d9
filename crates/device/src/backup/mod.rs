//! A mobilebackup2 backup from the host's side: open the service, ask for a backup, and serve the
//! device's DeviceLink requests against a [`BackupFolder`] until it reports the result.
//!
//! The folder is a trait so that the backup can land straight in the snapshot store (no copy of
//! the backup on disk) or, for interchange and tests, in a plain Finder-layout directory.
//! Everything the device sends is untrusted: sizes are bounded, and paths must stay inside the
//! device's own folder.

mod client;
mod folder;
mod queries;

pub use client::{BackupEvent, BackupSummary, Mobilebackup2, RestoreOptions, SilenceLimits};
pub use folder::{checked_file_path, checked_path, is_plain_udid, BackupFolder, DirFolder};
/// The bounds a plist from the device must keep before anything parses it.
pub use keepsake_devicelink::check_plist_bounds;
pub use queries::{data_in_use, will_encrypt};
