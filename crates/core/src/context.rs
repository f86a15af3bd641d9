//! What core needs from the world it runs in, handed to it once: the settings folder, the
//! usbmuxd to reach devices through, the clock and the time zone, this computer's name and
//! where disks mount. The CLI's `main` and
//! the app's setup build one (from the process environment, [`crate::environment`]); tests build
//! their own, so nothing in core reads an environment variable and tests need no global lock.

use std::path::PathBuf;
use std::sync::Arc;

use keepsake_device::{Host, Usbmuxd};

use crate::clock::Clock;
use crate::dirs::AppDirs;
use crate::error::Result;

/// The settings folder, usbmuxd, the clock and the host name, for every core operation.
#[derive(Debug, Clone)]
pub struct Context {
    dirs: AppDirs,
    usbmuxd: Usbmuxd,
    clock: Arc<dyn Clock>,
    host_name: String,
    disk_roots: Vec<PathBuf>,
    time_zone: jiff::tz::TimeZone,
    messages: Arc<keepsake_i18n::Messages>,
}

impl Context {
    /// A context over `dirs`, reaching devices through `usbmuxd` and telling time by `clock`.
    /// The host name devices show for this computer is "Keepsake" until [`Self::with_host_name`].
    pub fn new(dirs: AppDirs, usbmuxd: Usbmuxd, clock: impl Clock + 'static) -> Self {
        Context {
            dirs,
            usbmuxd,
            clock: Arc::new(clock),
            host_name: "Keepsake".to_owned(),
            disk_roots: Vec::new(),
            time_zone: jiff::tz::TimeZone::UTC,
            messages: Arc::new(keepsake_i18n::Messages::new(Default::default())),
        }
    }

    /// The time zone the person's days turn in (automatic backups happen once a local day).
    /// UTC until given.
    pub fn with_time_zone(mut self, tz: jiff::tz::TimeZone) -> Self {
        self.time_zone = tz;
        self
    }

    pub fn time_zone(&self) -> &jiff::tz::TimeZone {
        &self.time_zone
    }

    /// The language Keepsake speaks to the person (notifications, the CLI). English until given.
    pub fn with_language(mut self, language: keepsake_i18n::Language) -> Self {
        self.messages = Arc::new(keepsake_i18n::Messages::new(language));
        self
    }

    /// The person's language's messages.
    pub fn messages(&self) -> &keepsake_i18n::Messages {
        &self.messages
    }

    /// The name a device shows for this computer ("Trust this computer?", Finder's lists).
    pub fn with_host_name(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        if !name.trim().is_empty() {
            self.host_name = name.trim().to_owned();
        }
        self
    }

    /// The folders disks are mounted in (`/media/<user>`, `/Volumes`…), where locations that
    /// moved and disks holding backups are looked for. None until given.
    pub fn with_disk_roots(mut self, roots: Vec<PathBuf>) -> Self {
        self.disk_roots = roots;
        self
    }

    pub fn disk_roots(&self) -> &[PathBuf] {
        &self.disk_roots
    }

    pub fn dirs(&self) -> &AppDirs {
        &self.dirs
    }

    pub fn usbmuxd(&self) -> &Usbmuxd {
        &self.usbmuxd
    }

    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// Unix seconds now, by this context's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The name devices show for this computer.
    pub fn host_name(&self) -> &str {
        &self.host_name
    }

    /// What to open a location with when this computer does not remember its key: the secrets
    /// are added by the caller; this computer's slot is named after it.
    pub fn unlock(&self) -> crate::location::Unlock {
        crate::location::Unlock::new().computer(&self.host_name)
    }

    /// This computer as devices know it (its host id is made once and kept in the settings).
    pub fn host(&self) -> Result<Host> {
        self.dirs.host(&self.host_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn a_context_tells_its_own_time_and_names_the_computer() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(1_000);
        let ctx = Context::new(
            AppDirs::at(dir.path()),
            Usbmuxd::parse("127.0.0.1:1").unwrap(),
            clock.clone(),
        );
        assert_eq!(ctx.now(), 1_000);
        clock.advance(5);
        assert_eq!(ctx.now(), 1_005);
        assert_eq!(ctx.host().unwrap().host_name, "Keepsake");
        let named = ctx.with_host_name(" ada-laptop\n");
        assert_eq!(named.host().unwrap().host_name, "ada-laptop");
        assert_eq!(
            named.with_host_name("  ").host().unwrap().host_name,
            "ada-laptop"
        );
    }
}
