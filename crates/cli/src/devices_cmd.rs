//! `keepsake devices [--watch]`: the iPhones and iPads in reach, once or as they come and go.

use std::io::Write;

use clap::Args;
use keepsake_core::{Context, DeviceChange, DeviceOverview, DeviceSummary};

use crate::emit;

#[derive(Debug, Args)]
pub struct DevicesArgs {
    /// Keep running and print devices as they connect, change and disconnect (Ctrl-C stops).
    /// With --json, one JSON object per line.
    #[arg(long)]
    watch: bool,
    /// How long to listen for devices announcing themselves on Wi-Fi, in seconds (0: only
    /// devices on a cable).
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    wifi: f64,
}

pub fn run(ctx: &Context, args: &DevicesArgs, json: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    if args.watch {
        return runtime.block_on(watch(ctx, json));
    }
    let wifi = (args.wifi > 0.0).then(|| std::time::Duration::from_secs_f64(args.wifi.min(60.0)));
    let overview = runtime.block_on(keepsake_core::device_overview(ctx, wifi));
    tracing::info!(count = overview.devices.len(), "devices listed");
    emit(json, &overview, |out| print_overview(out, &overview))?;
    match overview.usbmuxd_problem {
        // The list cannot be trusted without usbmuxd: say so through the exit code too.
        Some(problem) => anyhow::bail!("{problem}"),
        None => Ok(()),
    }
}

fn print_overview(out: &mut dyn Write, overview: &DeviceOverview) -> std::io::Result<()> {
    if overview.devices.is_empty() && overview.usbmuxd_problem.is_none() {
        writeln!(
            out,
            "No iPhone or iPad found. Connect one with a cable, unlock it and tap Trust."
        )?;
    }
    for d in &overview.devices {
        writeln!(out, "{}", line(d))?;
    }
    Ok(())
}

fn line(d: &DeviceSummary) -> String {
    let via: Vec<&str> = d
        .connections
        .iter()
        .map(|c| match c {
            keepsake_core::Connection::Usb => "USB",
            keepsake_core::Connection::Wifi => "Wi-Fi",
        })
        .collect();
    let mut s = format!(
        "{}  {}  {} iOS {}  {}",
        d.udid,
        d.name,
        d.model,
        d.ios_version,
        via.join("+")
    );
    if let Some(advice) = &d.advice {
        s.push_str("\n    ");
        s.push_str(advice);
    }
    s
}

async fn watch(ctx: &Context, json: bool) -> anyhow::Result<()> {
    let mut changes = keepsake_core::watch_devices(ctx).await?;
    let stdout = std::io::stdout();
    while let Some(change) = changes.recv().await {
        let mut out = stdout.lock();
        if json {
            serde_json::to_writer(&mut out, &change)?;
            writeln!(out)?;
        } else {
            match &change {
                DeviceChange::Appeared(d) => writeln!(out, "+ {}", line(d))?,
                DeviceChange::Changed(d) => writeln!(out, "~ {}", line(d))?,
                DeviceChange::Gone(d) => writeln!(out, "- {}  {} disconnected", d.udid, d.name)?,
                DeviceChange::UsbmuxdLost(_) => {}
            }
        }
        out.flush()?;
        if let DeviceChange::UsbmuxdLost(why) = change {
            anyhow::bail!("{why}");
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct PairArgs {
    /// The device's UDID or name; may be left out when only one device is connected.
    device: Option<String>,
}

/// `keepsake pair [DEVICE]`: make the device trust this computer.
pub fn pair(ctx: &Context, args: &PairArgs, json: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut last = None;
    let paired = runtime.block_on(keepsake_core::pair(
        ctx,
        args.device.as_deref(),
        |step, name| {
            if last == Some(step) {
                return;
            }
            last = Some(step);
            // stderr, so --json output stays clean; shown at once, while the device waits
            match step {
                keepsake_core::PairStep::WaitingForTrust => {
                    eprintln!("Waiting for you to tap Trust on {name}…")
                }
                keepsake_core::PairStep::WaitingForUnlock => {
                    eprintln!("{name} is locked: unlock it with its passcode…")
                }
            }
        },
    ))?;
    emit(json, &paired, |out| {
        if paired.newly_paired {
            writeln!(
                out,
                "{} ({}) now trusts this computer.",
                paired.name, paired.udid
            )
        } else {
            writeln!(
                out,
                "{} ({}) already trusts this computer.",
                paired.name, paired.udid
            )
        }
    })
}
