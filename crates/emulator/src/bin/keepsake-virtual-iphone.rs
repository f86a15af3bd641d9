//! Runs virtual iPhones until interrupted and prints the usbmuxd address to point clients at
//! (the same command as `keepsake emulator`).

use clap::Parser;
use keepsake_emulator::command::{self, EmulatorArgs};

#[derive(Parser)]
#[command(about = "Virtual iPhones behind a usbmuxd socket and on Wi-Fi, for tests and the demo")]
struct Cli {
    #[command(flatten)]
    args: EmulatorArgs,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    command::run(&Cli::parse().args)?;
    Ok(())
}
