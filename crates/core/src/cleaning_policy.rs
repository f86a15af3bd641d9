//! The cleaning policy, as a pure function: given a device's snapshots, their space and its
//! settings, which snapshots go, and whether to ask first. No I/O: `cleaning` gathers the facts
//! from a repository and carries the decision out.
//!
//! - Snapshots off: only the newest backup (and pinned snapshots) are kept, without asking.
//! - Automatic deletion: while the snapshot overhead (stored bytes only older snapshots hold)
//!   is over half the newest backup's stored size, the oldest snapshots go, except pinned ones
//!   and ones younger than the retention age. With "ask first" that is a [`CleaningRequest`].
//! - Automatic deletion off: nothing is ever suggested.

use serde::{Deserialize, Serialize};

use crate::settings::{DeviceSettings, RetentionAge};

/// One snapshot of the device, as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotFacts {
    pub id: i64,
    /// Unix seconds.
    pub time: i64,
    /// Logical size.
    pub bytes: u64,
    /// Stored bytes deleting this snapshot alone would free.
    pub frees_bytes: u64,
    pub pinned: bool,
}

/// The device's space in its repository, in stored bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Space {
    /// What the newest backup takes: "the original".
    pub newest_bytes: u64,
    /// What only older snapshots hold: "snapshot overhead".
    pub overhead_bytes: u64,
}

impl Space {
    /// How much overhead automatic deletion tolerates: half the newest backup.
    pub fn budget_bytes(&self) -> u64 {
        self.newest_bytes / 2
    }
}

/// The settings the policy follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleaningPolicy {
    pub snapshots: bool,
    pub auto_delete: bool,
    pub retention: RetentionAge,
    pub ask_first: bool,
}

impl From<&DeviceSettings> for CleaningPolicy {
    fn from(d: &DeviceSettings) -> Self {
        CleaningPolicy {
            snapshots: d.snapshots,
            auto_delete: d.auto_delete,
            retention: d.retention,
            ask_first: d.ask_first,
        }
    }
}

/// Why snapshots would be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CleaningReason {
    /// Snapshots are off: only the newest backup is kept.
    SnapshotsOff,
    /// Older snapshots take more than half the newest backup's size.
    OverBudget,
}

/// Snapshots the policy would delete, what that frees, and why: what "ask me first" shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleaningRequest {
    pub reason: CleaningReason,
    /// Oldest first.
    pub snapshots: Vec<SnapshotFacts>,
    /// At least this much is freed: each snapshot's own share, summed (data shared only among
    /// the deleted ones frees more).
    pub frees_bytes: u64,
    pub overhead_bytes: u64,
    pub budget_bytes: u64,
}

impl CleaningRequest {
    pub fn ids(&self) -> Vec<i64> {
        self.snapshots.iter().map(|s| s.id).collect()
    }
}

/// What the policy says to do now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action", content = "cleaning")]
pub enum Decision {
    /// Nothing to delete (or nothing that may be deleted).
    Keep,
    /// Delete these now.
    Delete(CleaningRequest),
    /// Ask the person whether to delete these.
    Ask(CleaningRequest),
}

/// Applies the policy to one device's snapshots (any order) at time `now` (unix seconds).
pub fn decide(
    policy: &CleaningPolicy,
    snapshots: &[SnapshotFacts],
    space: Space,
    now: i64,
) -> Decision {
    let mut by_age: Vec<&SnapshotFacts> = snapshots.iter().collect();
    by_age.sort_by_key(|s| (s.time, s.id));
    let Some((_newest, older)) = by_age.split_last() else {
        return Decision::Keep;
    };
    let request = |reason, doomed: Vec<SnapshotFacts>| CleaningRequest {
        reason,
        frees_bytes: doomed.iter().map(|s| s.frees_bytes).sum(),
        snapshots: doomed,
        overhead_bytes: space.overhead_bytes,
        budget_bytes: space.budget_bytes(),
    };
    if !policy.snapshots {
        let doomed: Vec<SnapshotFacts> = older
            .iter()
            .filter(|s| !s.pinned)
            .map(|s| (*s).clone())
            .collect();
        if doomed.is_empty() {
            return Decision::Keep;
        }
        // The person chose to keep no history: that is not a cleaning to ask about.
        return Decision::Delete(request(CleaningReason::SnapshotsOff, doomed));
    }
    if !policy.auto_delete || space.overhead_bytes <= space.budget_bytes() {
        return Decision::Keep;
    }
    let youngest_deletable = now - policy.retention.seconds();
    let mut overhead = space.overhead_bytes;
    let mut doomed = Vec::new();
    for s in older {
        if overhead <= space.budget_bytes() {
            break;
        }
        if s.pinned {
            continue;
        }
        if s.time > youngest_deletable {
            break; // every later one is younger still
        }
        overhead = overhead.saturating_sub(s.frees_bytes);
        doomed.push((*s).clone());
    }
    if doomed.is_empty() {
        return Decision::Keep;
    }
    let request = request(CleaningReason::OverBudget, doomed);
    if policy.ask_first {
        Decision::Ask(request)
    } else {
        Decision::Delete(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: u64 = 1_000_000_000;
    const DAY: i64 = 86_400;
    const NOW: i64 = 1_800_000_000;

    fn policy(
        snapshots: bool,
        auto_delete: bool,
        retention: RetentionAge,
        ask_first: bool,
    ) -> CleaningPolicy {
        CleaningPolicy {
            snapshots,
            auto_delete,
            retention,
            ask_first,
        }
    }

    /// Snapshots `days_ago` old, each freeing `frees` GB; the last one is the newest.
    fn history(rows: &[(i64, u64, bool)]) -> Vec<SnapshotFacts> {
        rows.iter()
            .enumerate()
            .map(|(i, &(days_ago, frees, pinned))| SnapshotFacts {
                id: i as i64 + 1,
                time: NOW - days_ago * DAY,
                bytes: 20 * GB,
                frees_bytes: frees * GB,
                pinned,
            })
            .collect()
    }

    fn ids(d: &Decision) -> (&'static str, Vec<i64>) {
        match d {
            Decision::Keep => ("keep", vec![]),
            Decision::Delete(r) => ("delete", r.ids()),
            Decision::Ask(r) => ("ask", r.ids()),
        }
    }

    #[test]
    fn the_policy_table() {
        use RetentionAge::*;
        let space = |newest: u64, overhead: u64| Space {
            newest_bytes: newest * GB,
            overhead_bytes: overhead * GB,
        };
        // (what, policy, snapshots (days ago, frees GB, pinned), space, expected)
        #[allow(clippy::type_complexity)]
        let table: Vec<(
            &str,
            CleaningPolicy,
            Vec<(i64, u64, bool)>,
            Space,
            (&str, Vec<i64>),
        )> =
            vec![
            (
                "the seed's example: 20 GB backup, 10 GB budget, 16 GB overhead: the two oldest go",
                policy(true, true, OneMonth, false),
                vec![(90, 4, false), (60, 3, false), (40, 5, false), (7, 4, false), (0, 0, false)],
                space(20, 16),
                ("delete", vec![1, 2]),
            ),
            (
                "a 1-month retention blocks deleting a week-old snapshot even over budget",
                policy(true, true, OneMonth, false),
                vec![(7, 12, false), (0, 0, false)],
                space(20, 12),
                ("keep", vec![]),
            ),
            (
                "a 1-week retention lets the week-old one go",
                policy(true, true, OneWeek, false),
                vec![(7, 12, false), (0, 0, false)],
                space(20, 12),
                ("delete", vec![1]),
            ),
            (
                "retention stops at the first young snapshot: the older ones still go",
                policy(true, true, OneMonth, false),
                vec![(45, 2, false), (10, 9, false), (0, 0, false)],
                space(20, 14),
                ("delete", vec![1]),
            ),
            (
                "within budget nothing goes",
                policy(true, true, OneWeek, false),
                vec![(90, 4, false), (60, 6, false), (0, 0, false)],
                space(20, 10),
                ("keep", vec![]),
            ),
            (
                "a pinned snapshot is never deleted: the next oldest goes instead",
                policy(true, true, OneMonth, false),
                vec![(300, 8, true), (60, 3, false), (0, 0, false)],
                space(20, 11),
                ("delete", vec![2]),
            ),
            (
                "ask first: a request instead of deleting",
                policy(true, true, OneMonth, true),
                vec![(90, 4, false), (60, 3, false), (40, 5, false), (7, 4, false), (0, 0, false)],
                space(20, 16),
                ("ask", vec![1, 2]),
            ),
            (
                "automatic deletion off: never suggested, however far over budget",
                policy(true, false, OneWeek, false),
                vec![(300, 40, false), (0, 0, false)],
                space(20, 40),
                ("keep", vec![]),
            ),
            (
                "snapshots off: all but the newest go at once, without asking, pins kept",
                policy(false, false, OneYear, true),
                vec![(3, 1, false), (2, 1, true), (1, 1, false), (0, 0, false)],
                space(20, 3),
                ("delete", vec![1, 3]),
            ),
            (
                "snapshots off with one backup: nothing to do",
                policy(false, true, OneMonth, true),
                vec![(0, 0, false)],
                space(20, 0),
                ("keep", vec![]),
            ),
            (
                "the newest backup is never deleted even when it alone is old",
                policy(true, true, OneWeek, false),
                vec![(90, 0, false)],
                space(20, 30),
                ("keep", vec![]),
            ),
            (
                "no snapshots: nothing to do",
                policy(true, true, OneWeek, false),
                vec![],
                space(0, 0),
                ("keep", vec![]),
            ),
        ];
        for (what, policy, rows, space, expected) in table {
            let decision = decide(&policy, &history(&rows), space, NOW);
            let (action, ids_) = ids(&decision);
            assert_eq!((action, ids_), (expected.0, expected.1), "{what}");
        }
    }

    #[test]
    fn a_cleaning_request_says_what_it_frees_against_the_budget() {
        let policy = policy(true, true, RetentionAge::OneMonth, true);
        let mut snaps = history(&[(90, 4, false), (60, 3, false), (7, 4, false), (0, 0, false)]);
        snaps.reverse(); // order of the input does not matter
        let Decision::Ask(request) = decide(
            &policy,
            &snaps,
            Space {
                newest_bytes: 20 * GB,
                overhead_bytes: 16 * GB,
            },
            NOW,
        ) else {
            panic!("expected a request")
        };
        assert_eq!(request.reason, CleaningReason::OverBudget);
        assert_eq!(request.ids(), vec![1, 2]);
        assert_eq!(request.frees_bytes, 7 * GB);
        assert_eq!(request.budget_bytes, 10 * GB);
        assert_eq!(request.overhead_bytes, 16 * GB);
    }
}
