//! The command that runs virtual iPhones until interrupted, shared by the `keepsake-virtual-iphone`
//! binary and `keepsake emulator`: its flags, and a run that prints what clients need on stdout
//! (the `USBMUXD_SOCKET_ADDRESS=` line first, then one `# <UDID>  <name>  ...` line per phone).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::backup_state::{Fault, PasscodePrompt};
use crate::error::{Error, Result};
use crate::{Config, TrustPrompt, VirtualIphone, Wifi};

/// The flags of the command.
#[derive(Debug, Clone, clap::Args)]
pub struct EmulatorArgs {
    /// How many phones to plug in.
    #[arg(long, default_value_t = 1)]
    pub devices: usize,
    /// Keys, pairings, pair records, encryption and days of use; reuse it to get the same phones
    /// back.
    #[arg(long, default_value = "virtual-iphone-state")]
    pub state_dir: PathBuf,
    /// Loopback address for usbmuxd (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Also serve usbmuxd on this unix socket.
    #[arg(long)]
    pub unix_socket: Option<PathBuf>,
    /// How the trust dialog answers Pair requests.
    #[arg(long, value_enum, default_value_t = Trust::Accept)]
    pub trust: Trust,
    /// About how much each phone's backup holds on its first day: 4MiB, 512MiB, 2GiB, 1.5GB...
    #[arg(long, default_value = "4MiB", value_parser = parse_size)]
    pub size: u64,
    /// The content's seed: the same seed and size give the same phone, byte for byte. Phone `i`
    /// (from 0) gets seed + i.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Turn backup encryption on with this password when a phone does not encrypt yet (as
    /// `idevicebackup2 encryption on` would); remembered in the state dir.
    #[arg(long, value_name = "PASSWORD")]
    pub encrypted: Option<String>,
    /// Ask for the passcode before each backup (iOS 16.1+), typed in after this many seconds.
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "5")]
    pub passcode: Option<u64>,
    /// Cap what the phones send at this many bytes per second (35MB is USB 2 in practice).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub bandwidth: Option<u64>,
    /// Live this many days of use (photos taken and deleted, messages, an app installed and one
    /// removed) before serving; remembered in the state dir, so each run moves further on.
    #[arg(long, default_value_t = 0)]
    pub live_days: u32,
    /// On the last of those days (one more day without --live-days), the user also deletes
    /// this share of the camera roll, in percent: a backup should warn before letting them go.
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub clear_photos: Option<u8>,
    /// Be on Wi-Fi: lockdownd on a loopback TCP port per phone, announced over mDNS once a host
    /// turns its Wi-Fi connections on (the default).
    #[arg(long, overrides_with = "no_wifi")]
    pub wifi: bool,
    /// USB only.
    #[arg(long, overrides_with = "wifi")]
    pub no_wifi: bool,
    /// usbmuxd also lists each phone on Wi-Fi as a Network device, as Apple's usbmuxd does on
    /// macOS (so that `idevicebackup2 -n` backs up over Wi-Fi).
    #[arg(long)]
    pub usbmuxd_lists_wifi: bool,
    /// Show the real Wi-Fi MAC on the network instead of a private address of its own (iOS's
    /// "Private Wi-Fi Address" turned off).
    #[arg(long)]
    pub no_private_wifi_address: bool,
    /// Announce without TXT records (no identifier, no auth tags), as iOS before them did.
    #[arg(long)]
    pub no_auth_tags: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Trust {
    Accept,
    Refuse,
    Wait,
}

/// `2GiB`, `512MiB`, `35MB`, `1.5 GB`, `4096`: binary (KiB, MiB, GiB, TiB) or decimal (kB, MB,
/// GB, TB) units, bytes without one.
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size like 2GiB or 512MiB"))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (use KiB, MiB, GiB, MB...)"
            ))
        }
    };
    Ok((number * scale as f64).round() as u64)
}

impl EmulatorArgs {
    /// The emulator's configuration these flags describe.
    pub fn config(&self) -> Config {
        let mut config = Config::new(&self.state_dir, self.devices);
        for (i, d) in config.devices.iter_mut().enumerate() {
            d.backup.content.seed = self.seed + i as u64;
            d.backup.content.target_bytes = self.size;
            d.backup.passcode = self.passcode.map(|secs| PasscodePrompt {
                enter_after: Some(Duration::from_secs(secs)),
                ..PasscodePrompt::default()
            });
            d.backup.fault = self.bandwidth.map(Fault::BandwidthCap);
            d.private_wifi_address = !self.no_private_wifi_address;
            d.auth_tags = !self.no_auth_tags;
        }
        config.listen = self.listen;
        config.unix_socket = self.unix_socket.clone();
        config.trust_prompt = match self.trust {
            Trust::Accept => TrustPrompt::Accept,
            Trust::Refuse => TrustPrompt::Refuse,
            Trust::Wait => TrustPrompt::Wait,
        };
        config.wifi = if self.no_wifi {
            Wifi::Off
        } else {
            Wifi::Advertised
        };
        config.usbmuxd_lists_wifi = self.usbmuxd_lists_wifi;
        config
    }
}

/// Starts the phones as the flags say, prints where to find them, and serves them until Ctrl-C
/// or SIGTERM.
pub fn run(args: &EmulatorArgs) -> Result<()> {
    let phone = start(args)?;
    // stdout carries only what a script needs: the variable line, then one line per device.
    println!("USBMUXD_SOCKET_ADDRESS={}", phone.usbmuxd_socket_address());
    if let Some(path) = phone.unix_socket() {
        println!("# or USBMUXD_SOCKET_ADDRESS=UNIX:{}", path.display());
    }
    for d in phone.devices() {
        let p = &d.profile;
        let wifi = match d.wifi_address() {
            Some(a) if d.network_mac() != p.wifi_address => format!(
                "  Wi-Fi {} (private address {}) at {a}",
                p.wifi_address,
                d.network_mac()
            ),
            Some(a) => format!("  Wi-Fi {} at {a}", p.wifi_address),
            None => String::new(),
        };
        println!(
            "# {}  {}  {} iOS {}{wifi}",
            p.udid, p.name, p.product_type, p.product_version
        );
    }
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(interrupted())?;
    phone.stop();
    Ok(())
}

/// The phones started, encrypted and aged as the flags say.
pub fn start(args: &EmulatorArgs) -> Result<VirtualIphone> {
    let config = args.config();
    let phone = match VirtualIphone::start(config.clone()) {
        Err(e) if config.wifi == Wifi::Advertised => {
            // A machine without a usable multicast socket still gets lockdownd on TCP.
            tracing::warn!(error = %e, "mDNS unavailable: Wi-Fi lockdownd is not advertised");
            VirtualIphone::start(Config {
                wifi: Wifi::Unadvertised,
                ..config
            })?
        }
        other => other?,
    };
    let state = |e: crate::backup_state::BackupStateError| Error::Io(std::io::Error::other(e));
    for d in phone.devices() {
        // Generated now rather than on the first backup, so that a backup's time is the backup's.
        let content = d.backup().phone().map_err(state)?;
        tracing::info!(udid = d.udid(), day = content.day(), "content ready");
        if let Some(password) = &args.encrypted {
            if d.backup().will_encrypt() {
                tracing::info!(
                    udid = d.udid(),
                    "backups already encrypted; the password stays as it was"
                );
            } else {
                d.backup().enable_encryption(password).map_err(state)?;
                tracing::info!(udid = d.udid(), "backup encryption turned on");
            }
        }
        let days = match args.clear_photos {
            Some(_) => args.live_days.max(1),
            None => args.live_days,
        };
        for n in 1..=days {
            let day = match args.clear_photos {
                Some(percent) if n == days => {
                    tracing::info!(udid = d.udid(), percent, "the camera roll is cleared");
                    d.backup().live_one_day_clearing_photos(percent)
                }
                _ => d.backup().live_one_day(),
            }
            .map_err(state)?;
            tracing::info!(
                udid = d.udid(),
                added = day.added.len(),
                changed = day.changed.len(),
                removed = day.removed.len(),
                "a day of use"
            );
        }
    }
    Ok(phone)
}

async fn interrupted() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: EmulatorArgs,
    }

    fn parse(flags: &[&str]) -> EmulatorArgs {
        Cli::try_parse_from(std::iter::once("x").chain(flags.iter().copied()))
            .unwrap()
            .args
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("35MB"), Ok(35_000_000));
        assert_eq!(parse_size("1.5 GiB"), Ok(3 << 29));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("2 parsecs").is_err());
        assert!(parse_size("GiB").is_err());
    }

    #[test]
    fn flags_become_the_configuration() {
        let config = parse(&[
            "--size",
            "2GiB",
            "--seed",
            "7",
            "--devices",
            "2",
            "--passcode",
            "--bandwidth",
            "35MB",
        ])
        .config();
        assert_eq!(config.wifi, Wifi::Advertised, "Wi-Fi is on by default");
        let d = &config.devices[1].backup;
        assert_eq!((d.content.seed, d.content.target_bytes), (8, 2 << 30));
        assert_eq!(
            d.passcode.unwrap().enter_after,
            Some(Duration::from_secs(5))
        );
        assert_eq!(d.fault, Some(Fault::BandwidthCap(35_000_000)));
        assert!(!config.usbmuxd_lists_wifi, "as Linux's usbmuxd");

        let plain = parse(&["--passcode", "30", "--no-wifi"]).config();
        assert_eq!(plain.wifi, Wifi::Off);
        let d = &plain.devices[0].backup;
        assert_eq!(d.content.seed, 1);
        assert_eq!(
            d.passcode.unwrap().enter_after,
            Some(Duration::from_secs(30))
        );
        assert_eq!(d.fault, None);
        assert_eq!(
            parse(&["--no-wifi", "--wifi"]).config().wifi,
            Wifi::Advertised
        );
    }
}
