//! The one place core reads the process environment: [`context`] builds the [`Context`] the
//! CLI's `main` and the app's setup hand to everything else. Nothing else in core may read a
//! variable (`tests/module_graph.rs` checks it), so tests build contexts of their own.
//!
//! - the settings folder: the OS's config folder for Keepsake (`$XDG_CONFIG_HOME/keepsake`);
//! - `USBMUXD_SOCKET_ADDRESS` (`HOST:PORT`, `UNIX:/path` or a path, as libimobiledevice reads
//!   it), else this system's usbmuxd;
//! - `KEEPSAKE_NOW` (unix seconds): Keepsake's clock starts at that time and runs on, for demos
//!   and tests that make snapshots dated days ago;
//! - `HOSTNAME`, else `/etc/hostname`: the name devices show for this computer;
//! - `KEEPSAKE_DISK_ROOTS` (a path list, `:`-separated on unix), else where this system mounts
//!   disks for `USER` ([`keepsake_device::platform::Os::disk_roots`]): where locations that
//!   moved and disks holding backups are looked for;
//! - `TZ`, else the system's time zone (`/etc/localtime`): where the person's days turn;
//! - the OS's language (`LC_ALL`, `LC_MESSAGES`, `LANG` on unix): the language Keepsake speaks.

use keepsake_device::platform::Os;
use keepsake_device::Usbmuxd;

use crate::clock::{parse_start, StartedClock, SystemClock};
use crate::context::Context;
use crate::dirs::AppDirs;
use crate::error::Result;

/// The context of this process, from its environment.
pub fn context() -> Result<Context> {
    let dirs = AppDirs::of_this_user()?;
    let usbmuxd = match std::env::var("USBMUXD_SOCKET_ADDRESS") {
        Ok(value) if !value.is_empty() => Usbmuxd::parse(&value)?,
        _ => Usbmuxd::system()?,
    };
    let host_name = std::env::var("HOSTNAME")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .unwrap_or_default();
    let ctx = match std::env::var("KEEPSAKE_NOW") {
        Ok(value) => match parse_start(&value) {
            Some(start) => {
                tracing::warn!(KEEPSAKE_NOW = start, "the clock is set by KEEPSAKE_NOW");
                Context::new(dirs, usbmuxd, StartedClock::new(start))
            }
            None => {
                tracing::warn!(
                    value,
                    "KEEPSAKE_NOW is not unix seconds; using the computer's clock"
                );
                Context::new(dirs, usbmuxd, SystemClock)
            }
        },
        Err(_) => Context::new(dirs, usbmuxd, SystemClock),
    };
    let disk_roots = match std::env::var_os("KEEPSAKE_DISK_ROOTS") {
        Some(list) if !list.is_empty() => std::env::split_paths(&list).collect(),
        _ => {
            let user = std::env::var("USER")
                .or_else(|_| std::env::var("LOGNAME"))
                .ok();
            Os::current().disk_roots(user.as_deref())
        }
    };
    let time_zone = jiff::tz::TimeZone::try_system().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the system's time zone is unknown; days are UTC days");
        jiff::tz::TimeZone::UTC
    });
    let language = sys_locale::get_locale()
        .map(|l| keepsake_i18n::Language::from_locale(&l))
        .unwrap_or_default();
    // what is said far from a context (an error's text) is said in it too
    keepsake_i18n::set_process_language(language);
    Ok(ctx
        .with_language(language)
        .with_host_name(host_name)
        .with_disk_roots(disk_roots)
        .with_time_zone(time_zone))
}
