//! A device's offsite copy: after each backup its location's repository is copied to an
//! S3-compatible bucket (only the packs the bucket lacks travel; see `keepsake-offsite` and
//! docs/offsite.md). The bucket's secret is kept in the OS credential store, never in the
//! settings; what happened is in the device's history (the last copy, or what the copy waits
//! for: "waiting for s3://host/bucket"), and the agent tries again, with backoff, until the copy
//! has caught up with the newest backup.

use std::path::Path;
use std::time::Instant;

use keepsake_offsite::{Bucket, Credentials, Limits, Prepared};
use serde::Serialize;

use crate::context::Context;
use crate::error::{CoreError, Result};
use crate::history::{update_history, DeviceHistory, Event, EventKind};
pub use crate::history::{OffsiteReason, OffsiteState, OffsiteWaiting};
use crate::location::{Location, Unlock};
use crate::secrets::{SecretKind, Secrets};
use crate::settings::DeviceSettings;
pub use crate::settings::OffsiteCopy;

/// The access key's secret, kept in the OS credential store under `key@address`.
pub fn remember_secret(copy: &OffsiteCopy, secret: &str) -> Result<()> {
    Secrets.remember(SecretKind::OffsiteSecret, &copy.secret_owner(), secret)
}

pub fn forget_secret(copy: &OffsiteCopy) -> Result<()> {
    Secrets.forget(SecretKind::OffsiteSecret, &copy.secret_owner())
}

fn remembered_secret(copy: &OffsiteCopy) -> Result<String> {
    Secrets
        .recall(SecretKind::OffsiteSecret, &copy.secret_owner())?
        .ok_or_else(|| CoreError::OffsiteNoSecret {
            remote: copy.address.clone(),
        })
}

fn credentials(copy: &OffsiteCopy) -> Result<Credentials> {
    Ok(Credentials::new(&copy.access_key, remembered_secret(copy)?))
}

fn limits(copy: &OffsiteCopy) -> Limits {
    Limits {
        bandwidth: copy.bandwidth_kb.map(|kb| kb.saturating_mul(1024)),
        ..Limits::default()
    }
}

/// How far a copy offsite is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OffsiteProgress {
    pub remote: String,
    pub bytes_sent: u64,
    /// What this copy sends: the packs the remote lacks and the catalog.
    pub bytes_total: u64,
    pub bytes_per_second: f64,
    pub eta_seconds: Option<f64>,
}

/// A finished copy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OffsiteReport {
    pub remote: String,
    pub repository: String,
    pub generation: u64,
    /// The remote already held this very state: nothing was sent.
    pub up_to_date: bool,
    pub packs_sent: u64,
    pub bytes_sent: u64,
    pub seconds: f64,
}

/// The device's offsite state, when it is about the remote it copies to now.
pub fn state_of<'a>(
    device: &DeviceSettings,
    history: &'a DeviceHistory,
) -> Option<&'a OffsiteState> {
    let copy = device.offsite.as_ref()?;
    history.offsite.as_ref().filter(|s| s.remote == copy.name())
}

/// A device's offsite copy as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OffsiteRow {
    pub remote: String,
    pub access_key: String,
    pub bandwidth_kb: Option<u32>,
    pub last_copied: Option<i64>,
    /// The copy does not hold the newest backup yet.
    pub behind: bool,
    /// Why the last attempt failed: the copy waits for it.
    pub waiting: Option<OffsiteWaiting>,
    /// When the agent tries again, while behind (unix seconds; at or before now: at its next
    /// pass).
    pub next_try: Option<i64>,
}

/// The device's offsite copy for the app; `None` when it has none.
pub fn row(device: &DeviceSettings, history: &DeviceHistory) -> Option<OffsiteRow> {
    let copy = device.offsite.as_ref()?;
    let state = state_of(device, history);
    let covers = state.and_then(|s| s.covers);
    let behind = history
        .last_success
        .is_some_and(|b| covers.is_none_or(|c| c < b));
    let next_try = behind.then(|| {
        state.and_then(|s| s.last_attempt).map_or(0, |t| {
            t + crate::history::retry_delay(state.map_or(0, |s| s.failures))
        })
    });
    Some(OffsiteRow {
        remote: copy.name().to_owned(),
        access_key: copy.access_key.clone(),
        bandwidth_kb: copy.bandwidth_kb,
        last_copied: state.and_then(|s| s.last_copied),
        behind,
        waiting: state.and_then(|s| s.waiting.clone()),
        next_try,
    })
}

/// Whether the device's offsite copy is behind its newest backup and may be tried at `now`
/// (after a failure, the agent's backoff applies).
pub fn due(device: &DeviceSettings, history: &DeviceHistory, now: i64) -> bool {
    let (Some(_), Some(backed_up)) = (&device.offsite, history.last_success) else {
        return false;
    };
    match state_of(device, history) {
        None => true,
        Some(s) => {
            let behind = s.covers.is_none_or(|c| c < backed_up);
            let after = s
                .last_attempt
                .map_or(i64::MIN, |t| t + crate::history::retry_delay(s.failures));
            behind && now >= after
        }
    }
}

/// Sends the repository at `location` to the device's offsite copy; records nothing (see
/// [`copy_offsite`]). Only the packs the remote lacks travel; a cut copy resumes.
pub async fn send(
    ctx: &Context,
    device: &DeviceSettings,
    location: &Path,
    unlock: &Unlock,
    mut on_progress: impl FnMut(OffsiteProgress) + Send,
) -> Result<OffsiteReport> {
    let Some(copy) = &device.offsite else {
        return Err(CoreError::Store(keepsake_i18n::say(
            "core-offsite-none",
            &[("device", &device.display_name())],
        )));
    };
    let remote = copy.remote()?;
    let credentials = credentials(copy)?;
    let location = Location::new(location);
    if !location.is_present() {
        return Err(CoreError::LocationMissing {
            location: location.root().to_owned(),
        });
    }
    let prepared = {
        let repo = location.open_with(unlock)?;
        Prepared::new(&repo)?
    };
    let bucket = Bucket::connect(&remote, &credentials, limits(copy))?;
    let name = copy.name().to_owned();
    let started = Instant::now();
    tracing::info!(
        device = device.display_name(),
        remote = name,
        "copying offsite"
    );
    let pushed = keepsake_offsite::push(&bucket, &prepared, ctx.now(), &mut |p| {
        let seconds = started.elapsed().as_secs_f64();
        let rate = if seconds > 0.0 {
            p.bytes_sent as f64 / seconds
        } else {
            0.0
        };
        let left = p.bytes_total.saturating_sub(p.bytes_sent);
        on_progress(OffsiteProgress {
            remote: name.clone(),
            bytes_sent: p.bytes_sent,
            bytes_total: p.bytes_total,
            bytes_per_second: rate,
            eta_seconds: (rate > 0.0).then(|| left as f64 / rate),
        });
    })
    .await?;
    Ok(OffsiteReport {
        remote: name,
        repository: prepared.repository_id().to_owned(),
        generation: pushed.generation,
        up_to_date: pushed.up_to_date,
        packs_sent: pushed.packs_sent,
        bytes_sent: pushed.bytes_sent,
        seconds: pushed.seconds,
    })
}

/// Records how a copy of `device` to its offsite remote went, at `now`, covering the backup
/// made at `covers`. A failure is an event only when the reason is new (an unreachable remote
/// tried every few hours is one line in the history, then the copy that caught up).
pub fn record_offsite(
    ctx: &Context,
    device: &DeviceSettings,
    covers: Option<i64>,
    result: &Result<OffsiteReport>,
) -> Result<()> {
    let Some(copy) = &device.offsite else {
        return Ok(());
    };
    let now = ctx.now();
    update_history(ctx.dirs(), |h| {
        let d = h.devices.entry(device.udid.clone()).or_default();
        let state = d
            .offsite
            .take()
            .filter(|s| s.remote == copy.name())
            .unwrap_or_else(|| OffsiteState {
                remote: copy.name().to_owned(),
                ..OffsiteState::default()
            });
        let mut state = state;
        state.last_attempt = Some(now);
        let event = match result {
            Ok(report) => {
                state.last_copied = Some(now);
                state.covers = covers.or(state.covers);
                state.generation = Some(report.generation);
                state.failures = 0;
                state.waiting = None;
                (!report.up_to_date).then(|| EventKind::CopiedOffsite {
                    remote: report.remote.clone(),
                    bytes_sent: report.bytes_sent,
                })
            }
            Err(e) => {
                let reason = OffsiteReason::of(e);
                state.failures += 1;
                let new = state.waiting.as_ref().is_none_or(|w| w.reason != reason);
                state.waiting = Some(OffsiteWaiting {
                    reason,
                    error: e.to_string(),
                });
                new.then(|| EventKind::OffsiteFailed {
                    remote: copy.name().to_owned(),
                    reason,
                    error: e.to_string(),
                })
            }
        };
        d.offsite = Some(state);
        if let Some(what) = event {
            d.push(Event { at: now, what });
        }
    })
}

/// Copies the device's location to its offsite remote, if it has one, and records how it went:
/// what follows a backup made with the device's settings. `None` when it has no offsite copy.
pub async fn copy_offsite(
    ctx: &Context,
    device: &DeviceSettings,
    location: &Path,
    unlock: &Unlock,
    on_progress: impl FnMut(OffsiteProgress) + Send,
) -> Result<Option<OffsiteReport>> {
    if device.offsite.is_none() {
        return Ok(None);
    }
    let covers = crate::history::history(ctx.dirs())?
        .devices
        .get(&device.udid)
        .and_then(|h| h.last_success);
    let result = send(ctx, device, location, unlock, on_progress).await;
    if let Err(e) = &result {
        tracing::warn!(device = device.display_name(), error = %e, "no offsite copy");
    }
    record_offsite(ctx, device, covers, &result)?;
    result.map(Some)
}

/// What follows a backup of `udid` into `location` made with the device's settings: its
/// offsite copy, when it has one and `location` is the device's own (a backup sent elsewhere
/// with `--location` is not the device's copy). `None` when there is nothing to copy.
pub async fn copy_after_backup(
    ctx: &Context,
    udid: &str,
    location: &Path,
    unlock: &Unlock,
    on_progress: impl FnMut(OffsiteProgress) + Send,
) -> Result<Option<OffsiteReport>> {
    let settings = crate::settings::load(ctx.dirs())?;
    let Some(device) = settings.device(udid).filter(|d| d.offsite.is_some()) else {
        return Ok(None);
    };
    let own = settings
        .location_of(device)
        .is_some_and(|l| same_place(&l, location));
    if !own {
        tracing::info!(
            device = device.display_name(),
            "not the device's own location: no offsite copy"
        );
        return Ok(None);
    }
    copy_offsite(ctx, device, location, unlock, on_progress).await
}

fn same_place(a: &Path, b: &Path) -> bool {
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    real(a) == real(b)
}

/// Whether `copy` answers with `secret`: its bucket is listed, so refused keys, a server out
/// of reach or a bucket that is not there are said when the copy is set, not at its first run.
pub async fn check(copy: &OffsiteCopy, secret: &str) -> Result<()> {
    let limits = Limits {
        attempts: 2,
        ..limits(copy)
    };
    let bucket = Bucket::connect(
        &copy.remote()?,
        &Credentials::new(&copy.access_key, secret),
        limits,
    )?;
    keepsake_offsite::repositories(&bucket).await?;
    Ok(())
}

/// Sets the device's offsite copy to `address` with `access_key`, once the remote answers:
/// with `secret`, or (`None`) with the one this computer remembers for that key and address.
pub async fn configure(
    ctx: &Context,
    udid: &str,
    address: &str,
    access_key: &str,
    secret: Option<&str>,
    bandwidth_kb: Option<u32>,
) -> Result<DeviceSettings> {
    let copy = OffsiteCopy::new(address, access_key, bandwidth_kb)?;
    let remembered: zeroize::Zeroizing<String>;
    let secret = match secret {
        Some(s) => s,
        None => {
            remembered = zeroize::Zeroizing::new(remembered_secret(&copy)?);
            remembered.as_str()
        }
    };
    check(&copy, secret).await?;
    set_offsite(ctx, udid, Some(copy), Some(secret))
}

/// Sets (or with `None` removes) the device's offsite copy. A `secret` given is remembered in
/// the credential store for that remote and access key; removing a copy forgets its secret.
pub fn set_offsite(
    ctx: &Context,
    udid: &str,
    copy: Option<OffsiteCopy>,
    secret: Option<&str>,
) -> Result<DeviceSettings> {
    if let (Some(c), Some(s)) = (&copy, secret) {
        remember_secret(c, s)?;
    }
    let (device, old) = crate::settings::update(ctx.dirs(), |s| {
        let device = s
            .devices
            .get_mut(udid)
            .ok_or_else(|| CoreError::NoSuchDevice {
                wanted: udid.to_owned(),
                available: String::new(),
            })?;
        let old = std::mem::replace(&mut device.offsite, copy.clone());
        Ok((device.clone(), old))
    })?;
    if let Some(old) = old.filter(|o| {
        copy.as_ref()
            .is_none_or(|c| c.secret_owner() != o.secret_owner())
    }) {
        let shared = crate::settings::load(ctx.dirs())?
            .devices
            .values()
            .any(|d| {
                d.offsite
                    .as_ref()
                    .is_some_and(|c| c.secret_owner() == old.secret_owner())
            });
        if !shared {
            if let Err(e) = forget_secret(&old) {
                tracing::warn!(error = %e, "the old remote's secret was not forgotten");
            }
        }
    }
    Ok(device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::dirs::AppDirs;

    fn device_with_copy() -> DeviceSettings {
        let mut d = DeviceSettings::new("U1", "Ada's iPhone", "iPhone14,2");
        d.offsite =
            Some(OffsiteCopy::new("s3+http://127.0.0.1:9/bucket/ada/", "AK", None).unwrap());
        d
    }

    #[test]
    fn an_address_is_kept_in_one_spelling() {
        let c = OffsiteCopy::new(" s3://host.example/my-backups/ada/ ", " AKIA ", Some(0)).unwrap();
        assert_eq!(c.address, "s3://host.example/my-backups/ada");
        assert_eq!(c.access_key, "AKIA");
        assert_eq!(c.bandwidth_kb, None);
        assert!(OffsiteCopy::new("http://host/b", "AK", None).is_err());
        assert!(OffsiteCopy::new("s3://host/bucket", "A K", None).is_err());
        assert!(OffsiteCopy::new("s3://host/bucket", "", None).is_err());
    }

    #[test]
    fn a_copy_is_due_after_each_new_backup_and_backs_off_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(1_000_000);
        let ctx = Context::new(
            AppDirs::at(dir.path()),
            keepsake_device::Usbmuxd::parse("127.0.0.1:1").unwrap(),
            clock.clone(),
        );
        let device = device_with_copy();
        let history = |ctx: &Context| {
            crate::history::history(ctx.dirs())
                .unwrap()
                .devices
                .remove("U1")
                .unwrap_or_default()
        };
        assert!(!due(&device, &history(&ctx), ctx.now()), "no backup yet");
        crate::history::record_backup(ctx.dirs(), "U1", ctx.now(), &Ok(())).unwrap();
        assert!(due(&device, &history(&ctx), ctx.now()));
        let mut without = device.clone();
        without.offsite = None;
        assert!(!due(&without, &history(&ctx), ctx.now()));

        // unreachable twice: one event, the backoff grows
        let unreachable = || -> Result<OffsiteReport> {
            Err(CoreError::Offsite(keepsake_offsite::Error::Unreachable {
                remote: "s3+http://127.0.0.1:9/bucket/ada".into(),
                detail: "connection refused".into(),
            }))
        };
        let covers = history(&ctx).last_success;
        record_offsite(&ctx, &device, covers, &unreachable()).unwrap();
        assert!(!due(&device, &history(&ctx), ctx.now()));
        clock.advance(crate::history::RETRY_FIRST);
        assert!(due(&device, &history(&ctx), ctx.now()));
        record_offsite(&ctx, &device, covers, &unreachable()).unwrap();
        clock.advance(crate::history::RETRY_FIRST);
        assert!(
            !due(&device, &history(&ctx), ctx.now()),
            "the second wait is longer"
        );
        let h = history(&ctx);
        let state = state_of(&device, &h).unwrap();
        assert_eq!(state.failures, 2);
        assert_eq!(
            state.waiting.as_ref().unwrap().reason,
            OffsiteReason::Unreachable
        );
        let failed = h
            .events
            .iter()
            .filter(|e| matches!(e.what, EventKind::OffsiteFailed { .. }))
            .count();
        assert_eq!(failed, 1, "{:?}", h.events);

        // it comes back: copied, not due until the next backup
        clock.advance(3 * crate::history::RETRY_FIRST);
        let report = OffsiteReport {
            remote: device.offsite.as_ref().unwrap().address.clone(),
            repository: "R".into(),
            generation: 1,
            up_to_date: false,
            packs_sent: 2,
            bytes_sent: 10,
            seconds: 1.0,
        };
        record_offsite(&ctx, &device, covers, &Ok(report)).unwrap();
        let h = history(&ctx);
        let state = state_of(&device, &h).unwrap();
        assert_eq!((state.failures, state.waiting.clone()), (0, None));
        assert_eq!(state.last_copied, Some(ctx.now()));
        assert!(!due(&device, &h, ctx.now()));
        assert!(matches!(
            h.events.last().unwrap().what,
            EventKind::CopiedOffsite { bytes_sent: 10, .. }
        ));
        clock.advance(60);
        crate::history::record_backup(ctx.dirs(), "U1", ctx.now(), &Ok(())).unwrap();
        assert!(due(&device, &history(&ctx), ctx.now()));

        // another remote starts over
        let mut moved = device.clone();
        moved.offsite = Some(OffsiteCopy::new("s3://elsewhere/bucket", "AK", None).unwrap());
        assert!(state_of(&moved, &history(&ctx)).is_none());
        assert!(due(&moved, &history(&ctx), ctx.now()));
    }
}
