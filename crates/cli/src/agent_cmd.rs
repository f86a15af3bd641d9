//! `keepsake agent`: backs up every device with automatic backups on, once a day when it is in
//! reach, and applies each device's cleaning policy after its backup.

use std::io::Write;

use clap::Args;
use keepsake_core::agent::{DeviceTurn, OffsiteTurn, Turn};
use keepsake_core::cleaning::{CleaningOutcome, Repositories};
use keepsake_core::{Agent, Context, LiveRunner};
use keepsake_i18n::{tr, Messages};

use crate::store_cmd::utc_time;

#[derive(Debug, Args)]
pub struct AgentArgs {
    /// Look at every device once, back up those that are due, and exit.
    #[arg(long)]
    once: bool,
    /// Seconds between two looks at the devices.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    every: u64,
}

pub fn run(ctx: &Context, args: &AgentArgs, json: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let runner = LiveRunner::new(ctx);
    // Ctrl-C stops the agent; a backup in progress is cancelled, committing nothing.
    let stop = runner.cancel.clone();
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
    let stop = runner.cancel.clone();
    let agent = Agent {
        ctx,
        runner,
        store: Repositories::default(),
    };
    runtime.block_on(async {
        loop {
            let turns = match agent.pass().await {
                Ok(turns) => turns,
                Err(e) if args.once => return Err(e.into()),
                // A long-running agent says what is wrong and tries again next time.
                Err(e) => {
                    eprintln!("keepsake agent: {e}");
                    vec![]
                }
            };
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            if json {
                // one JSON document per pass, one per line, so a long-running agent can be followed
                serde_json::to_writer(&mut out, &turns)?;
                writeln!(out)?;
            } else {
                for t in turns
                    .iter()
                    .filter(|t| args.once || eventful(&t.turn) || t.offsite.is_some())
                {
                    writeln!(out, "{}", line(ctx.messages(), t))?;
                }
            }
            out.flush()?;
            drop(out);
            if args.once || stop.is_cancelled() {
                return Ok(());
            }
            tokio::select! {
                () = tokio::time::sleep(std::time::Duration::from_secs(args.every.max(1))) => {}
                () = stop.cancelled() => return Ok(()),
            }
        }
    })
}

/// Worth a line in a long-running agent's output: something happened.
fn eventful(turn: &Turn) -> bool {
    matches!(
        turn,
        Turn::BackedUp { .. }
            | Turn::Failed { .. }
            | Turn::CleaningFailed { .. }
            | Turn::LocationMissing { .. }
    )
}

fn line(m: &Messages, t: &DeviceTurn) -> String {
    let what = match &t.turn {
        Turn::AutoBackupOff => tr!(m, "agent-auto-backup-off"),
        Turn::NotConfirmed => tr!(m, "agent-not-confirmed", udid = t.udid.as_str()),
        Turn::NotDue => tr!(m, "agent-not-due"),
        Turn::OutsideWindow { opens } => tr!(m, "agent-outside-window", time = utc_time(*opens)),
        Turn::BackingOff { until } => tr!(m, "agent-backing-off", time = utc_time(*until)),
        Turn::NotReachable => tr!(m, "agent-not-reachable"),
        Turn::NoLocation => tr!(m, "agent-no-location"),
        Turn::LocationMissing { location } => tr!(
            m,
            "agent-location-missing",
            location = location.display().to_string()
        ),
        Turn::AlreadyRunning => tr!(m, "agent-already-running"),
        Turn::BackedUp { cleaning } => match cleaning {
            CleaningOutcome::Kept => tr!(m, "agent-backed-up"),
            CleaningOutcome::Deleted {
                snapshots,
                freed_bytes,
            } => tr!(
                m,
                "agent-backed-up-cleaned",
                count = snapshots.len(),
                size = m.bytes(*freed_bytes)
            ),
            CleaningOutcome::Asked { request, .. } => tr!(
                m,
                "agent-backed-up-asks",
                count = request.snapshots.len(),
                size = m.bytes(request.frees_bytes)
            ),
        },
        Turn::CleaningFailed { error } => {
            tr!(m, "agent-cleaning-failed", error = error.to_string())
        }
        Turn::Failed { error } => tr!(m, "agent-failed", error = error.to_string()),
    };
    let what = match &t.offsite {
        None => what,
        Some(OffsiteTurn::Copied { report }) => tr!(
            m,
            "agent-offsite-copied",
            what = what,
            remote = report.remote.as_str(),
            size = m.bytes(report.bytes_sent)
        ),
        Some(OffsiteTurn::Waiting { error, .. }) => tr!(
            m,
            "agent-offsite-waiting",
            what = what,
            error = error.as_str()
        ),
    };
    tr!(m, "agent-line", device = t.name.as_str(), what = what)
}
