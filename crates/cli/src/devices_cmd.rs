//! `keepsake devices [--watch]`: the iPhones and iPads in reach, once or as they come and go.

use std::io::Write;

use clap::Args;
use keepsake_core::{Context, DeviceChange, DeviceOverview, DeviceSummary};
use keepsake_i18n::{tr, Messages};

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
    emit(json, &overview, |out| {
        print_overview(ctx.messages(), out, &overview)
    })?;
    match overview.usbmuxd_problem {
        // The list cannot be trusted without usbmuxd: say so through the exit code too.
        Some(problem) => anyhow::bail!("{problem}"),
        None => Ok(()),
    }
}

fn print_overview(
    m: &Messages,
    out: &mut dyn Write,
    overview: &DeviceOverview,
) -> std::io::Result<()> {
    if overview.devices.is_empty() && overview.usbmuxd_problem.is_none() {
        writeln!(out, "{}", tr!(m, "devices-none"))?;
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
                DeviceChange::Gone(d) => {
                    let gone = tr!(
                        ctx.messages(),
                        "devices-gone",
                        udid = d.udid.as_str(),
                        device = d.name.as_str()
                    );
                    writeln!(out, "- {gone}")?
                }
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
    let m = ctx.messages();
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
                    eprintln!("{}", tr!(m, "pair-waiting-for-trust", device = name))
                }
                keepsake_core::PairStep::WaitingForUnlock => {
                    eprintln!("{}", tr!(m, "pair-waiting-for-unlock", device = name))
                }
            }
        },
    ))?;
    emit(json, &paired, |out| {
        let id = if paired.newly_paired {
            "pair-newly-paired"
        } else {
            "pair-already-paired"
        };
        writeln!(
            out,
            "{}",
            tr!(
                m,
                id,
                device = paired.name.as_str(),
                udid = paired.udid.as_str()
            )
        )
    })
}
