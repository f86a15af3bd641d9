//! Runs virtual iPhones until interrupted and prints the usbmuxd address to point clients at.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use keepsake_emulator::{Config, TrustPrompt, VirtualIphone};

#[derive(Parser)]
#[command(about = "Virtual iPhones behind a usbmuxd socket, for tests and the demo")]
struct Args {
    /// How many phones to plug in.
    #[arg(long, default_value_t = 1)]
    devices: usize,
    /// Keys, pairings and pair records; reuse it to get the same phones back.
    #[arg(long, default_value = "virtual-iphone-state")]
    state_dir: PathBuf,
    /// Loopback address for usbmuxd (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: std::net::SocketAddr,
    /// Also serve usbmuxd on this unix socket.
    #[arg(long)]
    unix_socket: Option<PathBuf>,
    /// How the trust dialog answers Pair requests.
    #[arg(long, value_enum, default_value_t = Trust::Accept)]
    trust: Trust,
    /// About how much each phone's backup holds on its first day, in MiB.
    #[arg(long, default_value_t = 4)]
    content_mib: u64,
    /// Live this many days of use (photos taken and deleted, messages, an app installed and one
    /// removed) before serving; remembered in the state dir, so each run moves further on.
    #[arg(long, default_value_t = 0)]
    live_days: u32,
}

#[derive(Clone, Copy, ValueEnum)]
enum Trust {
    Accept,
    Refuse,
    Wait,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut config = Config::new(args.state_dir, args.devices);
    for d in &mut config.devices {
        d.backup.content.target_bytes = args.content_mib << 20;
    }
    config.listen = args.listen;
    config.unix_socket = args.unix_socket;
    config.trust_prompt = match args.trust {
        Trust::Accept => TrustPrompt::Accept,
        Trust::Refuse => TrustPrompt::Refuse,
        Trust::Wait => TrustPrompt::Wait,
    };
    let phone = VirtualIphone::start(config)?;
    for d in phone.devices() {
        for _ in 0..args.live_days {
            let day = d.backup().live_one_day()?;
            tracing::info!(
                udid = d.profile.udid,
                added = day.added.len(),
                changed = day.changed.len(),
                removed = day.removed.len(),
                "a day of use"
            );
        }
    }
    // stdout carries only what a script needs: the variable line, then one line per device.
    println!("USBMUXD_SOCKET_ADDRESS={}", phone.usbmuxd_socket_address());
    if let Some(path) = phone.unix_socket() {
        println!("# or USBMUXD_SOCKET_ADDRESS=UNIX:{}", path.display());
    }
    for d in phone.devices() {
        let p = &d.profile;
        println!(
            "# {}  {}  {} iOS {}",
            p.udid, p.name, p.product_type, p.product_version
        );
    }
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(tokio::signal::ctrl_c())?;
    phone.stop();
    Ok(())
}
