//! `keepsake agent`: backs up every device with automatic backups on, once a day when it is in
//! reach, and applies each device's cleaning policy after its backup.

use std::io::Write;

use clap::Args;
use keepsake_core::agent::{DeviceTurn, Turn};
use keepsake_core::cleaning::{CleaningOutcome, Repositories};
use keepsake_core::{human_bytes, Agent, Context, LiveRunner};

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
                for t in turns.iter().filter(|t| args.once || eventful(&t.turn)) {
                    writeln!(out, "{}", line(t))?;
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

fn line(t: &DeviceTurn) -> String {
    let what = match &t.turn {
        Turn::AutoBackupOff => "automatic backups are off".to_owned(),
        Turn::NotConfirmed => format!(
            "waiting for its settings to be confirmed (`keepsake settings {} --confirm`)",
            t.udid
        ),
        Turn::NotDue => "already backed up today".to_owned(),
        Turn::OutsideWindow { opens } => format!(
            "outside its backup window; it opens at {}",
            utc_time(*opens)
        ),
        Turn::BackingOff { until } => {
            format!("last attempt failed; next try at {}", utc_time(*until))
        }
        Turn::NotReachable => "not in reach".to_owned(),
        Turn::NoLocation => "no backup location (`keepsake locations add <folder>`)".to_owned(),
        Turn::LocationMissing { location } => format!(
            "waiting for its location {} (an unplugged disk?)",
            location.display()
        ),
        Turn::AlreadyRunning => "a backup of it is already running".to_owned(),
        Turn::BackedUp { cleaning } => match cleaning {
            CleaningOutcome::Kept => "backed up".to_owned(),
            CleaningOutcome::Deleted {
                snapshots,
                freed_bytes,
            } => format!(
                "backed up; {} old snapshot(s) deleted, {} freed",
                snapshots.len(),
                human_bytes(*freed_bytes)
            ),
            CleaningOutcome::Asked { request, .. } => format!(
                "backed up; asks to delete {} old snapshot(s) to free {} (`keepsake clean`)",
                request.snapshots.len(),
                human_bytes(request.frees_bytes)
            ),
        },
        Turn::CleaningFailed { error } => format!("backed up, but cleaning failed: {error}"),
        Turn::Failed { error } => format!("backup failed: {error}"),
    };
    format!("{}: {what}", t.name)
}
