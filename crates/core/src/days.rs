//! The person's days: automatic backups happen once a *local* day (the time zone the computer is
//! set to, across daylight-saving changes), optionally within a window of the day ("at night,
//! 20:00–06:00"). A window that crosses midnight makes the backup day run from its start to its
//! next start, so a night is one day: a backup at 23:00 and another at 01:00 are the same
//! night's. A manual backup counts for the day it falls in.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde::{Deserialize, Serialize};

/// A time window of the day for automatic backups, in local minutes since midnight; `end` before
/// `start` crosses midnight. Written `HH:MM-HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupWindow {
    pub start: u16,
    pub end: u16,
}

impl BackupWindow {
    /// The window the app offers: 20:00–06:00.
    pub const NIGHT: BackupWindow = BackupWindow {
        start: 20 * 60,
        end: 6 * 60,
    };

    fn contains(self, minute: u16) -> bool {
        if self.start < self.end {
            (self.start..self.end).contains(&minute)
        } else {
            minute >= self.start || minute < self.end
        }
    }
}

impl BackupWindow {
    /// Its start and end as `HH:MM`.
    pub fn times(self) -> (String, String) {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        (hm(self.start), hm(self.end))
    }
}

impl fmt::Display for BackupWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (start, end) = self.times();
        write!(f, "{start}-{end}")
    }
}

impl FromStr for BackupWindow {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a window like 20:00-06:00");
        let minute = |t: &str| -> Option<u16> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60).then_some(h * 60 + m)
        };
        let (a, b) = s.split_once(['-', '–']).ok_or_else(bad)?;
        let w = BackupWindow {
            start: minute(a).ok_or_else(bad)?,
            end: minute(b).ok_or_else(bad)?,
        };
        if w.start == w.end {
            return Err(format!("{s:?} is an empty window"));
        }
        Ok(w)
    }
}

impl Serialize for BackupWindow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for BackupWindow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The days of one person: their time zone and a device's backup window.
#[derive(Debug, Clone)]
pub struct Days<'a> {
    pub tz: &'a TimeZone,
    pub window: Option<BackupWindow>,
}

fn epoch() -> Date {
    Date::constant(1970, 1, 1)
}

impl Days<'_> {
    /// Minutes after local midnight at which a backup day starts.
    fn day_starts_at(&self) -> i64 {
        self.window.map_or(0, |w| i64::from(w.start))
    }

    fn zoned(&self, t: i64) -> jiff::ZonedDateTime {
        Timestamp::from_second(t)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned_datetime(self.tz.clone())
    }

    /// The backup day `t` (unix seconds) falls in, numbered from 1970-01-01.
    pub fn day_of(&self, t: i64) -> i64 {
        let local = self.zoned(t).datetime();
        let shifted = local
            .checked_sub(Span::new().minutes(self.day_starts_at()))
            .unwrap_or(local);
        // a date difference is a span of whole days
        i64::from((shifted.date() - epoch()).get_days())
    }

    /// When backup day `day` starts (unix seconds): its local midnight, or its window's start;
    /// a start that daylight saving skips moves forward by the gap (02:30 on a day that jumps
    /// from 02:00 to 03:00 is 03:30), as calendars do.
    pub fn start_of(&self, day: i64) -> i64 {
        let date = epoch()
            .checked_add(Span::new().days(day))
            .unwrap_or(epoch());
        let m = self.day_starts_at();
        let time = Time::new((m / 60) as i8, (m % 60) as i8, 0, 0).unwrap_or(Time::midnight());
        date.to_datetime(time)
            .to_zoned_datetime(self.tz.clone())
            .map(|z| z.timestamp().as_second())
            .unwrap_or_else(|_| day * 86_400)
    }

    /// Whether `t` is inside the backup window (always, without one).
    pub fn in_window(&self, t: i64) -> bool {
        let Some(w) = self.window else {
            return true;
        };
        let local = self.zoned(t);
        let minute = local.hour() as u16 * 60 + local.minute() as u16;
        w.contains(minute)
    }

    /// The first moment at or after `t` inside the window.
    pub fn next_open(&self, t: i64) -> i64 {
        if self.in_window(t) {
            return t;
        }
        // outside the window means before its start on the current backup day
        let day = self.day_of(t);
        let start = self.start_of(day);
        if start > t {
            start
        } else {
            self.start_of(day + 1)
        }
    }
}

/// `YYYY-MM-DD HH:MM` of unix time `t` in `tz`, and the zone's abbreviation: how the CLI
/// writes a moment in the person's day.
pub fn local_time(tz: &TimeZone, t: i64) -> String {
    match jiff::Timestamp::from_second(t) {
        Ok(ts) => ts
            .to_zoned_datetime(tz.clone())
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string(),
        Err(_) => format!("{t} (not a date)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-29 00:00 UTC: Europe's spring change is at 01:00 UTC that day.
    const SPRING: i64 = 1_774_742_400;

    fn paris() -> TimeZone {
        TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap()
    }

    fn tokyo() -> TimeZone {
        TimeZone::fixed(jiff::tz::offset(9))
    }

    fn local(tz: &TimeZone, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> i64 {
        jiff::civil::date(y, mo, d)
            .at(h, mi, 0, 0)
            .to_zoned_datetime(tz.clone())
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn a_day_turns_at_local_midnight_not_utc() {
        let tz = tokyo();
        let days = Days {
            tz: &tz,
            window: None,
        };
        // 08:00 and 23:00 in Tokyo are one day, though UTC's day turns at 09:00 there
        let morning = local(&tz, 2026, 5, 4, 8, 0);
        let night = local(&tz, 2026, 5, 4, 23, 0);
        assert_eq!(days.day_of(morning), days.day_of(night));
        assert_ne!(morning.div_euclid(86_400), night.div_euclid(86_400));
        assert_eq!(
            days.start_of(days.day_of(night)),
            local(&tz, 2026, 5, 4, 0, 0)
        );
        assert_eq!(
            days.day_of(local(&tz, 2026, 5, 5, 0, 0)),
            days.day_of(night) + 1
        );
    }

    #[test]
    fn days_are_dst_safe() {
        let tz = paris();
        let days = Days {
            tz: &tz,
            window: None,
        };
        let day = days.day_of(SPRING + 12 * 3600);
        // the day of the spring change is 23 hours long, the next 24
        assert_eq!(days.start_of(day + 1) - days.start_of(day), 23 * 3600);
        assert_eq!(days.start_of(day + 2) - days.start_of(day + 1), 24 * 3600);
        // a 02:30 window start that the change skips moves forward by the gap: 03:30 CEST
        let w = Days {
            tz: &tz,
            window: Some("02:30-05:00".parse().unwrap()),
        };
        let start = w.start_of(day);
        assert_eq!(start, local(&tz, 2026, 3, 29, 3, 30));
        assert!(w.in_window(start));
    }

    #[test]
    fn a_night_window_is_one_backup_day_across_midnight() {
        let tz = paris();
        let night = Days {
            tz: &tz,
            window: Some(BackupWindow::NIGHT),
        };
        let at_23 = local(&tz, 2026, 6, 10, 23, 0);
        let at_01 = local(&tz, 2026, 6, 11, 1, 0);
        let at_07 = local(&tz, 2026, 6, 11, 7, 0);
        assert_eq!(night.day_of(at_23), night.day_of(at_01));
        assert!(night.in_window(at_23) && night.in_window(at_01));
        assert!(!night.in_window(at_07));
        assert_eq!(night.next_open(at_07), local(&tz, 2026, 6, 11, 20, 0));
        assert_eq!(night.next_open(at_01), at_01);
        assert_eq!(
            night.start_of(night.day_of(at_07) + 1),
            local(&tz, 2026, 6, 11, 20, 0)
        );
        // a daytime window
        let lunch = Days {
            tz: &tz,
            window: Some("12:00-14:00".parse().unwrap()),
        };
        let at_11 = local(&tz, 2026, 6, 11, 11, 0);
        assert_eq!(lunch.next_open(at_11), local(&tz, 2026, 6, 11, 12, 0));
        assert_eq!(
            lunch.next_open(local(&tz, 2026, 6, 11, 15, 0)),
            local(&tz, 2026, 6, 12, 12, 0)
        );
    }

    #[test]
    fn windows_read_and_write_as_hh_mm() {
        let w: BackupWindow = "20:00-06:00".parse().unwrap();
        assert_eq!(w, BackupWindow::NIGHT);
        assert_eq!(w.to_string(), "20:00-06:00");
        assert_eq!(
            "8:30–9:15".parse::<BackupWindow>().unwrap().to_string(),
            "08:30-09:15"
        );
        for bad in [
            "",
            "20:00",
            "25:00-06:00",
            "20:60-06:00",
            "06:00-06:00",
            "a-b",
        ] {
            assert!(bad.parse::<BackupWindow>().is_err(), "{bad:?}");
        }
        let json = serde_json::to_string(&Some(w)).unwrap();
        assert_eq!(json, "\"20:00-06:00\"");
        assert_eq!(
            serde_json::from_str::<Option<BackupWindow>>(&json).unwrap(),
            Some(w)
        );
    }
}
