//! The agent over simulated days with the virtual iPhone: a day of use per day, the agent's
//! passes on an injected clock, real backups into a real repository. Needs the OS credential
//! store (a new repository's key is kept there): run through scripts/with-keyring.sh.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

use keepsake_core::agent::{DeviceTurn, Reachable, Turn};
use keepsake_core::cleaning::{answer_cleaning, CleaningOutcome};
use keepsake_core::cleaning::{DeviceSnapshots, Repositories, SnapshotStore};
use keepsake_core::history::history;
use keepsake_core::{
    after_backup, back_up, settings, Agent, BackupOptions, BackupRunner, Clock, LiveRunner,
    Location, ManualClock,
};
use keepsake_emulator::backup_state::Fault;
use keepsake_emulator::{Config, VirtualIphone};

const DAY: i64 = 86_400;
const HOUR: i64 = 3600;
const DAYS: i64 = 60;
/// 2026-03-01 00:00 UTC.
const START: i64 = 1_772_323_200;

/// Real backups; each new snapshot is remembered with the simulated time it was made at.
struct Runner<'a> {
    live: LiveRunner,
    clock: ManualClock,
    made_at: &'a RefCell<BTreeMap<i64, i64>>,
    backups: RefCell<Vec<i64>>,
}

impl BackupRunner for Runner<'_> {
    async fn reachable(&self) -> Vec<Reachable> {
        self.live.reachable().await
    }

    async fn back_up(&self, udid: &str, location: &Path) -> keepsake_core::Result<()> {
        self.backups.borrow_mut().push(self.clock.now());
        let report = back_up(
            &self.live.ctx,
            Some(udid),
            &BackupOptions::new(location),
            |_| {},
        )
        .await?;
        self.made_at
            .borrow_mut()
            .insert(report.snapshot.id, self.clock.now());
        Ok(())
    }
}

/// The real repositories, with snapshot times as the simulation made them (the store stamps
/// them with the real time, seconds apart).
struct Shifted<'a> {
    real: Repositories,
    made_at: &'a RefCell<BTreeMap<i64, i64>>,
    deleted: RefCell<Vec<(i64, i64)>>,
}

impl SnapshotStore for Shifted<'_> {
    fn snapshots(&self, location: &Path, udid: &str) -> keepsake_core::Result<DeviceSnapshots> {
        let mut facts = self.real.snapshots(location, udid)?;
        for s in &mut facts.snapshots {
            s.time = self.made_at.borrow()[&s.id];
        }
        facts.snapshots.sort_by_key(|s| s.time);
        Ok(facts)
    }

    fn delete(&self, location: &Path, ids: &[i64]) -> keepsake_core::Result<()> {
        for id in ids {
            self.deleted
                .borrow_mut()
                .push((*id, self.made_at.borrow()[id]));
        }
        self.real.delete(location, ids)
    }

    fn reclaim(&self, location: &Path) -> keepsake_core::Result<u64> {
        self.real.reclaim(location)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sixty_days_of_the_agent_with_the_virtual_iphone() {
    keepsake_testkit::require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path().join("phone"), 1)).unwrap();
    let clock = ManualClock::new(START);
    let ctx = keepsake_testkit::context_at(&phone, dir.path().join("config"), clock.clone());
    let dirs = ctx.dirs().clone();
    let device = phone.devices()[0].clone();
    let udid = device.udid().to_owned();
    let location = dir.path().join("disk");
    std::fs::create_dir_all(&location).unwrap();
    settings::add_location(&dirs, &location).unwrap();
    keepsake_core::pair(&ctx, Some(&udid), |_, _| {})
        .await
        .unwrap();

    let made_at = RefCell::new(BTreeMap::new());
    let agent = Agent {
        ctx: &ctx,
        runner: Runner {
            live: LiveRunner {
                wifi: None,
                ..LiveRunner::new(&ctx)
            },
            clock: clock.clone(),
            made_at: &made_at,
            backups: RefCell::new(vec![]),
        },
        store: Shifted {
            real: Repositories::default(),
            made_at: &made_at,
            deleted: RefCell::new(vec![]),
        },
    };
    let turn = |turns: Vec<DeviceTurn>| turns[0].turn.clone();

    // first seen: added to the settings, unconfirmed, not backed up
    assert_eq!(turn(agent.pass().await.unwrap()), Turn::NotConfirmed);
    settings::update(&dirs, |s| {
        let d = s.device_mut(&udid, "", "");
        d.retention = keepsake_core::RetentionAge::OneWeek;
        d.ask_first = false;
        d.confirmed = true;
        Ok(())
    })
    .unwrap();

    let (unplugged_day, failing_day, manual_day) = (4, 6, 9);
    // from day 30 the person wants to be asked; on day 40 they answer yes
    let (ask_from, answer_day) = (30, 40);
    let mut deleted_when_asking_began = 0;
    for day in 0..DAYS {
        if day == ask_from {
            settings::update(&dirs, |s| {
                s.device_mut(&udid, "", "").ask_first = true;
                Ok(())
            })
            .unwrap();
            deleted_when_asking_began = agent.store.deleted.borrow().len();
        }
        if day == answer_day {
            assert_eq!(
                agent.store.deleted.borrow().len(),
                deleted_when_asking_began,
                "nothing deleted while asking"
            );
            let pending = history(&dirs).unwrap().devices[&udid]
                .pending_cleaning
                .clone();
            let pending = pending.expect("a cleaning request waits for an answer");
            assert!(!pending.request.snapshots.is_empty());
            let out = answer_cleaning(&dirs, &agent.store, &udid, true)
                .unwrap()
                .unwrap();
            assert!(matches!(out, CleaningOutcome::Deleted { .. }), "{out:?}");
            assert!(agent.store.deleted.borrow().len() > deleted_when_asking_began);
            settings::update(&dirs, |s| {
                s.device_mut(&udid, "", "").ask_first = false;
                Ok(())
            })
            .unwrap();
        }
        if day > 0 {
            device.backup().live_one_day().unwrap();
        }
        if day == unplugged_day {
            phone.detach(&udid).unwrap();
        }
        if day == unplugged_day + 1 {
            phone.attach(&udid).unwrap();
        }
        if day == failing_day {
            device.backup().set_fault(Some(Fault::DropAfterBytes(1000)));
        }
        for hour in [0, 1, 2] {
            clock.set(START + day * DAY + hour * HOUR);
            if day == manual_day && hour == 0 {
                // `keepsake backup` just after midnight counts as the day's backup
                let report = back_up(&ctx, None, &BackupOptions::new(&location), |_| {}).await;
                made_at
                    .borrow_mut()
                    .insert(report.as_ref().unwrap().snapshot.id, clock.now());
                let own = settings::load(&dirs).unwrap().devices[&udid].clone();
                after_backup(&ctx, &agent.store, &own, &location, &report).unwrap();
            }
            let t = turn(agent.pass().await.unwrap());
            match (day, hour) {
                (d, _) if d == unplugged_day => assert_eq!(t, Turn::NotReachable),
                (d, _) if d == manual_day => assert_eq!(t, Turn::NotDue),
                (d, 0) if d == failing_day => {
                    assert!(matches!(t, Turn::Failed { .. }), "{t:?}");
                    device.backup().set_fault(None);
                }
                // ten minutes after the failure, the 01:00 pass tries again and succeeds
                (d, 1) if d == failing_day => {
                    assert!(matches!(t, Turn::BackedUp { .. }), "{t:?}")
                }
                (_, 0) => assert!(matches!(t, Turn::BackedUp { .. }), "day {day}: {t:?}"),
                _ => assert_eq!(t, Turn::NotDue, "day {day} {hour}:00"),
            }
        }
    }

    // one backup attempt a day (two on the failing day), none while unplugged or after the
    // manual one
    let days: Vec<i64> = agent
        .runner
        .backups
        .borrow()
        .iter()
        .map(|t| (t - START) / DAY)
        .collect();
    let expected: Vec<i64> = (0..DAYS)
        .filter(|d| *d != unplugged_day && *d != manual_day)
        .flat_map(|d| {
            if d == failing_day {
                vec![d, d]
            } else {
                vec![d]
            }
        })
        .collect();
    assert_eq!(days, expected);
    assert_eq!(history(&dirs).unwrap().devices[&udid].failures, 0);

    // retention: nothing younger than a week was deleted; the budget holds unless only young
    // snapshots hold the overhead
    let now = clock.now();
    for (id, made) in agent.store.deleted.borrow().iter() {
        assert!(
            now - made >= 7 * DAY,
            "snapshot {id} deleted at {} days",
            (now - made) / DAY
        );
    }
    let facts = agent.store.snapshots(&location, &udid).unwrap();
    let (_, older) = facts.snapshots.split_last().unwrap();
    assert!(
        facts.space.overhead_bytes <= facts.space.budget_bytes()
            || older.iter().all(|s| now - s.time < 7 * DAY + 2 * HOUR),
        "{facts:?}"
    );
    eprintln!(
        "kept {} snapshots, deleted {}: {:?}",
        facts.snapshots.len(),
        agent.store.deleted.borrow().len(),
        facts.space
    );

    // every kept snapshot is intact, and the newest is the phone
    let repo = Location::new(&location).open(None).unwrap();
    let report = keepsake_store::commands::check::check(&repo, &mut |_| {}).unwrap();
    assert!(report.catalog_problems.is_empty(), "{report:?}");
    assert!(report.damaged_chunks.is_empty(), "{report:?}");
    let out = dir.path().join("restored");
    let newest = facts.snapshots.last().unwrap().id;
    keepsake_store::commands::restore::restore(&repo, newest, &out, None, &mut |_, _| {}).unwrap();
    let phone_now = device.backup().phone().unwrap();
    keepsake_testkit::backup_matches(&out, &phone_now, None).unwrap();
    phone.stop();
}
