//! What Keepsake's test binaries share: the virtual iPhone with a settings folder, a location and
//! a [`Context`] pointing at it ([`Bench`]), the `keepsake` command with its environment
//! ([`Cli`]), the check that a backup is the phone ([`backup_matches`]), the Secret Service
//! requirement, and the re-run of a test inside a small tmpfs ([`in_small_tmpfs`]).
//!
//! A dev-dependency only: nothing here is shipped, and nothing here decides anything the
//! product does.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use keepsake_core::{AppDirs, BackupOptions, Clock, Context, Location, SystemClock};
use keepsake_device::Usbmuxd;
use keepsake_emulator::{Config, VirtualDevice, VirtualIphone};

pub mod faults;
mod repo_files;
mod s3;
mod verify;
pub mod vfs;

pub use repo_files::{daily_snapshots, noise, packs_in_catalog, packs_on_disk, small_chunking};
pub use s3::{CuttingProxy, S3Cluster};
pub use verify::backup_matches;

/// Fails the test at once, saying how to run it, when there is no Secret Service (the tests
/// that keep keys or passwords in the OS credential store meet the real thing, never a mock).
pub fn require_secret_service() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs a Secret Service: run it through scripts/with-keyring.sh (scripts/test.sh does)"
    );
}

/// Restores snapshot `snapshot` of `location` into `out` (a new folder) and checks that it is a
/// finished backup of `udid`, with the host's Info.plist, holding the files of `phone`, file for
/// file; panics naming what differs.
pub fn assert_snapshot_is_the_phone(
    location: &Location,
    udid: &str,
    snapshot: i64,
    phone: &keepsake_phone_content::Phone,
    out: &Path,
) {
    let repo = location
        .open(None)
        .expect("the location's repository opens");
    keepsake_store::commands::restore::restore(&repo, snapshot, out, None, &mut |_, _| {})
        .expect("the snapshot restores");
    let folder = keepsake_mobilesync::BackupFolder::open(out).expect("a backup folder");
    assert_eq!(
        folder.status.as_ref().map(|s| s.snapshot_state.as_str()),
        Some("finished")
    );
    assert_eq!(
        folder
            .info
            .as_ref()
            .and_then(|i| i.target_identifier.as_deref()),
        Some(udid),
        "Info.plist written by the host"
    );
    if let Err(e) = backup_matches(out, phone, None) {
        panic!("snapshot {snapshot}: {e}");
    }
}

/// A context reaching devices through `phone`'s usbmuxd, with its settings in `config`.
pub fn context_for(phone: &VirtualIphone, config: impl Into<PathBuf>) -> Context {
    context_at(phone, config, SystemClock)
}

/// The same, telling time by `clock` (a [`keepsake_core::ManualClock`] to live days in seconds).
pub fn context_at(
    phone: &VirtualIphone,
    config: impl Into<PathBuf>,
    clock: impl Clock + 'static,
) -> Context {
    let usbmuxd = Usbmuxd::parse(&phone.usbmuxd_socket_address())
        .expect("the virtual iPhone's usbmuxd address parses");
    Context::new(AppDirs::at(config), usbmuxd, clock)
}

/// A virtual iPhone, a settings folder and an empty backup location (a folder standing for a
/// disk), in one temporary folder, and the context that ties them together.
pub struct Bench {
    /// Holds everything; removed when the bench goes.
    pub dir: tempfile::TempDir,
    pub phone: VirtualIphone,
    pub ctx: Context,
    /// The location's folder (`<dir>/disk`); its repository is `<dir>/disk/Keepsake.Backups`.
    pub location: PathBuf,
    /// An incremental backup into `location`, as `keepsake backup --location` makes.
    pub options: BackupOptions,
}

impl Bench {
    /// One phone with the catalog's first identity.
    pub fn start() -> Bench {
        Self::with(1, |_| {})
    }

    /// A catalog of `count` phones, `configure`d before they start.
    pub fn with(count: usize, configure: impl FnOnce(&mut Config)) -> Bench {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut config = Config::new(dir.path().join("phone"), count);
        configure(&mut config);
        let phone = VirtualIphone::start(config).expect("the virtual iPhone starts");
        let ctx = context_for(&phone, dir.path().join("config"));
        let location = dir.path().join("disk");
        std::fs::create_dir_all(&location).expect("the location's folder");
        Bench {
            options: BackupOptions::new(&location),
            location,
            ctx,
            phone,
            dir,
        }
    }

    /// The `index`-th virtual device.
    pub fn device(&self, index: usize) -> Arc<VirtualDevice> {
        self.phone.devices()[index].clone()
    }

    /// The location as core sees it.
    pub fn location(&self) -> Location {
        Location::new(&self.location)
    }
}

/// The `keepsake` command line, run with a settings folder of its own (`XDG_CONFIG_HOME`) and,
/// when given, a virtual iPhone's usbmuxd; nothing of the person's own environment leaks in
/// (no password variables, no location).
#[derive(Debug, Clone)]
pub struct Cli {
    exe: PathBuf,
    env: Vec<(String, String)>,
}

impl Cli {
    /// `exe` is the binary (`env!("CARGO_BIN_EXE_keepsake")` in the CLI's tests).
    pub fn new(exe: impl Into<PathBuf>) -> Cli {
        Cli {
            exe: exe.into(),
            env: vec![],
        }
    }

    /// Settings under `<home>/config`.
    pub fn home(self, home: &Path) -> Cli {
        self.env("XDG_CONFIG_HOME", home.join("config"))
    }

    /// Devices through `phone`'s usbmuxd.
    pub fn phone(self, phone: &VirtualIphone) -> Cli {
        self.env("USBMUXD_SOCKET_ADDRESS", phone.usbmuxd_socket_address())
    }

    /// Another variable for the command's environment.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Cli {
        self.env.push((
            key.to_owned(),
            value.as_ref().to_string_lossy().into_owned(),
        ));
        self
    }

    /// The command, ready to run with `args`.
    pub fn command<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new(&self.exe);
        cmd.args(args);
        for var in [
            "RUST_LOG",
            "KEEPSAKE_PASSWORD",
            "KEEPSAKE_STORE_PASSWORD",
            "KEEPSAKE_NEW_STORE_PASSWORD",
            "KEEPSAKE_BACKUP_PASSWORD",
            "KEEPSAKE_NEW_BACKUP_PASSWORD",
            "KEEPSAKE_RECOVERY_KEY",
            "KEEPSAKE_DISK_ROOTS",
            "KEEPSAKE_LOCATION",
            "KEEPSAKE_NOW",
            "KEEPSAKE_S3_ACCESS_KEY",
            "KEEPSAKE_S3_SECRET",
        ] {
            cmd.env_remove(var);
        }
        // The tests read English, whatever the language of the machine running them.
        cmd.env_remove("LANGUAGE").env("LC_ALL", "C");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `args` to the end.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Output {
        self.command(args).output().expect("keepsake runs")
    }

    /// Runs `args` with `--json`, which must succeed, and parses what it printed.
    pub fn json<S: AsRef<OsStr>>(&self, args: &[S]) -> serde_json::Value {
        let mut all: Vec<&OsStr> = args.iter().map(AsRef::as_ref).collect();
        all.push(OsStr::new("--json"));
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "keepsake {:?} failed: {}",
            all,
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "keepsake {:?} printed no JSON ({e}): {}",
                all,
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

/// Runs the ignored test `child` of this test binary again inside a private mount namespace
/// with a `size` tmpfs (`"160m"`) mounted on a new folder, whose path the child finds in `var`;
/// a small disk that fills up for real, gone when the child ends, whatever happens. Returns the
/// child's standard output once it printed `done` and succeeded; panics with its output
/// otherwise. Needs `unshare -m` (root), as CI has.
pub fn in_small_tmpfs(child: &str, var: &str, size: &str, done: &str) -> String {
    let can_mount = Command::new("unshare")
        .args(["-m", "--propagation", "private", "true"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        can_mount,
        "this test mounts a small tmpfs in a private mount namespace: it needs `unshare -m` (root)"
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let exe = std::env::current_exe().expect("the test binary's path");
    let script = format!(
        "mount -t tmpfs -o size={size} tmpfs '{dir}' && exec '{exe}' {child} --exact --ignored --nocapture",
        dir = dir.path().display(),
        exe = exe.display()
    );
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .env(var, dir.path())
        .output()
        .expect("unshare runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && stdout.contains(done),
        "{child} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}
