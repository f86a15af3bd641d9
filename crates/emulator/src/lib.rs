//! The virtual iPhone: the device side of usbmuxd, lockdownd (with TLS) and device services,
//! faithful enough that third-party clients (libimobiledevice's tools) work against it.
//!
//! It is for tests and the demo; it is not a host-side client. Protocol code is split into pure
//! codecs (`usbmux::codec`, `lockdown::codec`, `frame`) and the servers that do I/O.
//!
//! ```no_run
//! use keepsake_emulator::{Config, VirtualIphone};
//! let phone = VirtualIphone::start(Config::new("/tmp/phone-state", 2)).unwrap();
//! println!("USBMUXD_SOCKET_ADDRESS={}", phone.usbmuxd_socket_address());
//! phone.stop();
//! ```

pub mod backup_state;
pub mod command;
pub mod device;
pub mod error;
pub mod frame;
pub mod lockdown;
mod restored;
pub mod services;
pub mod state_dir;
mod tls;
pub mod transport;
pub mod usbmux;
pub mod wifi;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use device::{DeviceProfile, TrustPrompt, VirtualDevice};
pub use error::{Error, Result};
use services::ServiceRegistry;
use state_dir::StateDir;
use usbmux::server::Usbmuxd;
pub use wifi::Wifi;

/// How to start the emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// Keys, pairings and pair records live here, so a restart is the same phone.
    pub state_dir: PathBuf,
    pub devices: Vec<DeviceProfile>,
    /// Loopback TCP address for usbmuxd; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Also serve usbmuxd on this unix socket (`USBMUXD_SOCKET_ADDRESS=UNIX:<path>`).
    pub unix_socket: Option<PathBuf>,
    /// How every device's trust dialog answers at start.
    pub trust_prompt: TrustPrompt,
    /// Whether the devices are also on Wi-Fi (lockdownd on loopback TCP, mDNS adverts).
    pub wifi: Wifi,
    /// usbmuxd also lists the devices on Wi-Fi as `Network` devices, as Apple's daemon does on
    /// macOS (and AMDS on Windows); Linux's usbmuxd does not, hence off by default.
    pub usbmuxd_lists_wifi: bool,
}

impl Config {
    /// `count` distinct phones from the catalog, usbmuxd on a free loopback port.
    pub fn new(state_dir: impl Into<PathBuf>, count: usize) -> Self {
        Config {
            state_dir: state_dir.into(),
            devices: (0..count).map(DeviceProfile::catalog).collect(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            unix_socket: None,
            trust_prompt: TrustPrompt::Accept,
            wifi: Wifi::Off,
            usbmuxd_lists_wifi: false,
        }
    }

    /// Gives every phone identifiers of its own (the end of its UDID and serial number, and of
    /// its Wi-Fi MAC), different in every emulator started: phones of emulators running at the
    /// same time (parallel tests) then never answer to each other's names on the network, as two
    /// real phones never do. The catalog's phones are otherwise the same in every emulator.
    pub fn with_unique_identities(mut self) -> Self {
        static STARTED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let run = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        for (i, d) in self.devices.iter_mut().enumerate() {
            // 24 bits: the process, this emulator in it, the phone in it, and the clock
            let tag = (std::process::id().wrapping_mul(2_654_435_761)
                ^ run.wrapping_mul(40_503)
                ^ (i as u32).wrapping_mul(977)
                ^ nanos)
                & 0x00FF_FFFF;
            let keep = d.udid.len().saturating_sub(6);
            d.udid = format!("{}{tag:06X}", &d.udid[..keep]);
            let keep = d.serial_number.len().saturating_sub(6);
            d.serial_number = format!("{}{tag:06X}", &d.serial_number[..keep]);
            let keep = d.wifi_address.len().saturating_sub(8);
            d.wifi_address = format!(
                "{}{:02x}:{:02x}:{:02x}",
                &d.wifi_address[..keep],
                tag >> 16,
                (tag >> 8) & 0xFF,
                tag & 0xFF
            );
        }
        self
    }
}

/// A running emulator: its own tokio runtime, usbmuxd listeners and devices.
pub struct VirtualIphone {
    runtime: Option<tokio::runtime::Runtime>,
    usbmuxd: Arc<Usbmuxd>,
    address: SocketAddr,
    unix_socket: Option<PathBuf>,
    advertiser: Option<wifi::Advertiser>,
}

impl VirtualIphone {
    /// Starts the devices and the usbmuxd listeners. Callable from sync code or inside another
    /// runtime: the emulator runs on its own threads.
    pub fn start(config: Config) -> Result<Self> {
        let state = StateDir::open(&config.state_dir)?;
        let registry = Arc::new(ServiceRegistry::backup_services());
        // RSA key generation dominates a first start; one thread per phone.
        let devices = std::thread::scope(|scope| {
            let handles: Vec<_> = config
                .devices
                .iter()
                .enumerate()
                .map(|(i, profile)| {
                    let (state, registry) = (&state, registry.clone());
                    scope.spawn(move || {
                        VirtualDevice::open(
                            profile.clone(),
                            i as u32 + 1,
                            state,
                            registry,
                            config.trust_prompt,
                        )
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .map_err(|_| Error::Key("key generation panicked".into()))?
                })
                .collect::<Result<Vec<_>>>()
        })?;
        let mut seen = std::collections::HashSet::new();
        if let Some(d) = devices.iter().find(|d| !seen.insert(d.udid().to_owned())) {
            return Err(Error::protocol(format!(
                "two devices share UDID {}",
                d.udid()
            )));
        }
        let usbmuxd = Arc::new(Usbmuxd::new(
            state,
            devices.into_iter().map(Arc::new).collect(),
            config.usbmuxd_lists_wifi,
        )?);

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("virtual-iphone")
            .enable_all()
            .build()?;
        let std_listener = std::net::TcpListener::bind(config.listen)?;
        std_listener.set_nonblocking(true)?;
        let address = std_listener.local_addr()?;
        let _guard = runtime.enter();
        let tcp = tokio::net::TcpListener::from_std(std_listener)?;
        runtime.spawn(accept_tcp(tcp, usbmuxd.clone()));
        if let Some(path) = &config.unix_socket {
            // A socket file left by a previous run would make bind fail.
            let _ = std::fs::remove_file(path);
            let unix = tokio::net::UnixListener::bind(path)?;
            runtime.spawn(accept_unix(unix, usbmuxd.clone()));
        }
        let mut advertiser = None;
        if config.wifi != Wifi::Off {
            for device in usbmuxd.devices() {
                device.set_wifi_address(wifi::listen(device.clone())?);
            }
            if config.wifi == Wifi::Advertised {
                advertiser = Some(wifi::Advertiser::start(&usbmuxd.devices())?);
            }
        }
        tracing::info!(%address, devices = usbmuxd.devices().len(), "virtual iPhone started");
        Ok(VirtualIphone {
            runtime: Some(runtime),
            usbmuxd,
            address,
            unix_socket: config.unix_socket,
            advertiser,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The value for `USBMUXD_SOCKET_ADDRESS`, the form every client accepts.
    pub fn usbmuxd_socket_address(&self) -> String {
        self.address.to_string()
    }

    pub fn unix_socket(&self) -> Option<&Path> {
        self.unix_socket.as_deref()
    }

    pub fn devices(&self) -> Vec<Arc<VirtualDevice>> {
        self.usbmuxd.devices()
    }

    pub fn device(&self, udid: &str) -> Result<Arc<VirtualDevice>> {
        self.devices()
            .into_iter()
            .find(|d| d.udid() == udid)
            .ok_or_else(|| Error::UnknownDevice(udid.to_owned()))
    }

    /// Sets how the trust dialog of one device answers from now on.
    pub fn set_trust_prompt(&self, udid: &str, prompt: TrustPrompt) -> Result<()> {
        self.device(udid)?.set_trust_prompt(prompt);
        Ok(())
    }

    /// Plugs a device back in (Attached event to listeners).
    pub fn attach(&self, udid: &str) -> Result<()> {
        self.usbmuxd.set_attached(udid, true)
    }

    /// Unplugs a device (Detached event; it leaves ListDevices).
    pub fn detach(&self, udid: &str) -> Result<()> {
        self.usbmuxd.set_attached(udid, false)
    }

    /// Stops every listener and connection.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(advertiser) = self.advertiser.take() {
            advertiser.stop();
        }
        if let Some(runtime) = self.runtime.take() {
            // Not a blocking shutdown: stop may be called from inside another runtime.
            runtime.shutdown_background();
            if let Some(path) = &self.unix_socket {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

impl Drop for VirtualIphone {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn accept_tcp(listener: tokio::net::TcpListener, usbmuxd: Arc<Usbmuxd>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(usbmuxd.clone().serve_client(Box::new(stream)));
            }
            Err(e) => tracing::warn!(error = %e, "usbmuxd accept failed"),
        }
    }
}

async fn accept_unix(listener: tokio::net::UnixListener, usbmuxd: Arc<Usbmuxd>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(usbmuxd.clone().serve_client(Box::new(stream)));
            }
            Err(e) => tracing::warn!(error = %e, "usbmuxd accept failed"),
        }
    }
}
