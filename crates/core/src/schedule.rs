//! Weekly open hours and holidays in a queue's IANA time zone (docs/callbacks.md,
//! "Schedule and CLBK Stat"), evaluated on
//! timestamps with jiff and its bundled time-zone database (no file is read), so daylight-
//! saving changes are handled by the calendar, not by the engine.

use crate::config::ConfigError;
use crate::time::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How far ahead a schedule is searched for its next change (a year and a week).
const SEARCH_DAYS: i32 = 372;
/// Most weekly open-hours entries and holidays one schedule may list.
pub const OPEN_HOURS_MAX: usize = 100;
pub const HOLIDAYS_MAX: usize = 1_000;

/// A schedule as configured: the same three fields (and meaning) as a queue's callback
/// settings, so a queue's own hours are written exactly like its callback hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScheduleSettings {
    /// IANA zone of the open hours and holidays.
    #[cfg_attr(feature = "openapi", schema(example = "Europe/Budapest"))]
    pub time_zone: String,
    /// Weekly open hours, e.g. "Mon-Fri 08:00-18:00"; empty: always open (but on holidays).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub open_hours: Vec<String>,
    /// Closed dates, "YYYY-MM-DD".
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::schema::Date>, max_items = 1_000))]
    pub holidays: Vec<String>,
}

impl ScheduleSettings {
    /// Validate and parse; errors name the field under `field`.
    pub fn compile(&self, field: &str) -> Result<Schedule, ConfigError> {
        Schedule::compile(field, &self.time_zone, &self.open_hours, &self.holidays)
    }
}

/// A parsed schedule. `open_hours` empty means always open (holidays still close).
#[derive(Debug, Clone)]
pub struct Schedule {
    tz: TimeZone,
    /// Open intervals per weekday (Monday = 0), local times, `end` may be 24:00 (`None`).
    weekly: [Vec<(Time, Option<Time>)>; 7],
    always_open: bool,
    holidays: BTreeSet<Date>,
}

impl Default for Schedule {
    /// Always open, in UTC (a placeholder until a real schedule is compiled).
    fn default() -> Self {
        Schedule {
            tz: TimeZone::UTC,
            weekly: Default::default(),
            always_open: true,
            holidays: BTreeSet::new(),
        }
    }
}

/// Parse an IANA time zone name ("Europe/Budapest", "UTC").
pub fn time_zone(field: &str, name: &str) -> Result<TimeZone, ConfigError> {
    TimeZone::get(name).map_err(|_| {
        ConfigError::new(
            field,
            format!("{name:?} is not an IANA time zone (e.g. \"Europe/Budapest\")"),
        )
    })
}

/// Parse a local time of day "HH:MM".
pub fn time_of_day(field: &str, text: &str) -> Result<Time, ConfigError> {
    parse_hhmm(text)
        .and_then(|t| t)
        .ok_or_else(|| ConfigError::new(field, format!("{text:?} is not a time HH:MM")))
}

/// `Some(Some(t))` for a time, `Some(None)` for "24:00", `None` if malformed.
fn parse_hhmm(text: &str) -> Option<Option<Time>> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: i8 = h.parse().ok()?;
    let m: i8 = m.parse().ok()?;
    if h == 24 && m == 0 {
        return Some(None);
    }
    Time::new(h, m, 0, 0).ok().map(Some)
}

fn weekday(text: &str) -> Option<usize> {
    Some(match text.trim().to_ascii_lowercase().as_str() {
        "mon" => 0,
        "tue" => 1,
        "wed" => 2,
        "thu" => 3,
        "fri" => 4,
        "sat" => 5,
        "sun" => 6,
        _ => return None,
    })
}

fn weekday_index(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

impl Schedule {
    /// [`Schedule::parse`] within the limits of [`OPEN_HOURS_MAX`] entries and
    /// [`HOLIDAYS_MAX`] holidays: what every configured schedule (a queue's hours, its
    /// callbacks') goes through.
    pub fn compile(
        field: &str,
        time_zone_name: &str,
        open_hours: &[String],
        holidays: &[String],
    ) -> Result<Schedule, ConfigError> {
        if holidays.len() > HOLIDAYS_MAX || open_hours.len() > OPEN_HOURS_MAX {
            return Err(ConfigError::new(
                field.to_string(),
                "at most 100 open-hours entries and 1,000 holidays",
            ));
        }
        Schedule::parse(field, time_zone_name, open_hours, holidays)
    }

    /// Parse `open_hours` entries like "Mon-Fri 08:00-18:00", "Sat,Sun 10:00-14:00" and
    /// holiday dates "2026-12-25". Errors name the field and the entry.
    pub fn parse(
        field: &str,
        time_zone_name: &str,
        open_hours: &[String],
        holidays: &[String],
    ) -> Result<Schedule, ConfigError> {
        let tz = time_zone(&format!("{field}.time_zone"), time_zone_name)?;
        let mut weekly: [Vec<(Time, Option<Time>)>; 7] = Default::default();
        for (i, entry) in open_hours.iter().enumerate() {
            let at = format!("{field}.open_hours[{i}]");
            let bad = || {
                ConfigError::new(
                    &at,
                    format!(
                        "{entry:?}: expected e.g. \"Mon-Fri 08:00-18:00\" or \"Sat 09:00-13:00\""
                    ),
                )
            };
            let (days, hours) = entry.trim().split_once(' ').ok_or_else(bad)?;
            let (start, end) = hours.trim().split_once('-').ok_or_else(bad)?;
            let start = parse_hhmm(start).flatten().ok_or_else(bad)?;
            let end = parse_hhmm(end).ok_or_else(bad)?;
            if let Some(end) = end
                && end <= start
            {
                return Err(ConfigError::new(
                    &at,
                    format!(
                        "{entry:?}: the end must be after the start (overnight hours are two entries)"
                    ),
                ));
            }
            for part in days.split(',') {
                let (first, last) = match part.split_once('-') {
                    Some((a, b)) => (weekday(a).ok_or_else(bad)?, weekday(b).ok_or_else(bad)?),
                    None => {
                        let d = weekday(part).ok_or_else(bad)?;
                        (d, d)
                    }
                };
                if last < first {
                    return Err(bad());
                }
                for day in &mut weekly[first..=last] {
                    day.push((start, end));
                }
            }
        }
        for day in &mut weekly {
            day.sort();
        }
        let mut dates = BTreeSet::new();
        for (i, text) in holidays.iter().enumerate() {
            let date: Date = text.trim().parse().map_err(|_| {
                ConfigError::new(
                    format!("{field}.holidays[{i}]"),
                    format!("{text:?} is not a date YYYY-MM-DD"),
                )
            })?;
            dates.insert(date);
        }
        Ok(Schedule {
            tz,
            weekly,
            always_open: open_hours.is_empty(),
            holidays: dates,
        })
    }

    /// Whether the schedule is open at `at`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let Ok(ts) = jiff::Timestamp::from_millisecond(at.millis()) else {
            return false;
        };
        let local = ts.to_zoned(self.tz.clone());
        let date = local.date();
        if self.holidays.contains(&date) {
            return false;
        }
        if self.always_open {
            return true;
        }
        let time = local.time();
        self.weekly[weekday_index(date.weekday())]
            .iter()
            .any(|(start, end)| time >= *start && end.is_none_or(|end| time < end))
    }

    /// Whether `at` falls on a holiday (its local date is listed).
    pub fn is_holiday(&self, at: Timestamp) -> bool {
        jiff::Timestamp::from_millisecond(at.millis())
            .is_ok_and(|ts| self.holidays.contains(&ts.to_zoned(self.tz.clone()).date()))
    }

    /// When to look again at a schedule whose state does not change within the searched
    /// year after `at` (`next_change_of` is `None`) but which lists a holiday after that
    /// year: a year on, so the holiday is not missed by a process that runs that long.
    pub fn recheck_after(&self, at: Timestamp) -> Option<Timestamp> {
        let ts = jiff::Timestamp::from_millisecond(at.millis()).ok()?;
        let date = ts.to_zoned(self.tz.clone()).date();
        let horizon = date.checked_add(jiff::Span::new().days(365)).ok()?;
        self.holidays
            .range(horizon..)
            .next()
            .map(|_| at.plus_ms(365 * 24 * 3_600_000))
    }

    /// The first instant after `at` at which `is_open` changes, if any within a year.
    pub fn next_change(&self, at: Timestamp) -> Option<Timestamp> {
        self.next_change_of(at, Schedule::is_open)
    }

    /// The first instant after `at` at which `state` (a function of the schedule's open hours
    /// and holidays, such as "open, closed or holiday") changes, if any within a year. Such a
    /// state changes only at a local midnight or at the start or end of open hours.
    pub fn next_change_of<T: PartialEq>(
        &self,
        at: Timestamp,
        state: impl Fn(&Schedule, Timestamp) -> T,
    ) -> Option<Timestamp> {
        let open = state(self, at);
        let ts = jiff::Timestamp::from_millisecond(at.millis()).ok()?;
        let start_date = ts.to_zoned(self.tz.clone()).date();
        // Candidate boundaries: each day's midnight and each interval's start and end.
        for offset in 0..SEARCH_DAYS {
            let date = start_date
                .checked_add(jiff::Span::new().days(offset))
                .ok()?;
            let mut candidates: Vec<Timestamp> = Vec::new();
            candidates.extend(self.local_all(date, Time::midnight()));
            if let Ok(next_day) = date.tomorrow() {
                candidates.extend(self.local_all(next_day, Time::midnight()));
            }
            for (s, e) in &self.weekly[weekday_index(date.weekday())] {
                candidates.extend(self.local_all(date, *s));
                match e {
                    Some(e) => candidates.extend(self.local_all(date, *e)),
                    None => {
                        candidates.extend(self.local_all(date.tomorrow().ok()?, Time::midnight()))
                    }
                }
            }
            candidates.sort();
            for c in candidates {
                if c > at && state(self, c) != open {
                    return Some(c);
                }
            }
        }
        None
    }

    /// The latest instant at or before `at` when the local clock showed `time` (a daily
    /// event such as a shift start).
    pub fn last_daily(&self, at: Timestamp, time: Time) -> Option<Timestamp> {
        let ts = jiff::Timestamp::from_millisecond(at.millis()).ok()?;
        let date = ts.to_zoned(self.tz.clone()).date();
        let today = self.local(date, time)?;
        if today <= at {
            Some(today)
        } else {
            self.local(date.yesterday().ok()?, time)
        }
    }

    /// The first instant after `at` when the local clock shows `time`.
    pub fn next_daily(&self, at: Timestamp, time: Time) -> Option<Timestamp> {
        let ts = jiff::Timestamp::from_millisecond(at.millis()).ok()?;
        let date = ts.to_zoned(self.tz.clone()).date();
        let today = self.local(date, time)?;
        if today > at {
            Some(today)
        } else {
            self.local(date.tomorrow().ok()?, time)
        }
    }

    /// Every instant showing this local date and time: two in the hour repeated when clocks go
    /// back, one otherwise (a time skipped when they go forward maps to just after the gap).
    fn local_all(&self, date: Date, time: Time) -> Vec<Timestamp> {
        let ambiguous = self.tz.to_ambiguous_zoned(date.to_datetime(time));
        let mut out = Vec::with_capacity(2);
        for zoned in [ambiguous.clone().earlier(), ambiguous.later()]
            .into_iter()
            .flatten()
        {
            let at = Timestamp(zoned.timestamp().as_millisecond());
            if !out.contains(&at) {
                out.push(at);
            }
        }
        out
    }

    /// A local date and time as an instant; a time skipped by a DST gap moves forward.
    fn local(&self, date: Date, time: Time) -> Option<Timestamp> {
        let zoned = date.to_datetime(time).to_zoned(self.tz.clone()).ok()?;
        Some(Timestamp(zoned.timestamp().as_millisecond()))
    }

    /// `at` shown in the schedule's time zone, for messages and tests.
    pub fn show(&self, at: Timestamp) -> String {
        jiff::Timestamp::from_millisecond(at.millis())
            .map(|ts| ts.to_zoned(self.tz.clone()).to_string())
            .unwrap_or_else(|_| at.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        let z: jiff::Zoned = text.parse().unwrap();
        Timestamp(z.timestamp().as_millisecond())
    }

    fn budapest() -> Schedule {
        Schedule::parse(
            "queues[q].callbacks",
            "Europe/Budapest",
            &["Mon-Fri 08:00-18:00".into(), "Sat 09:00-13:00".into()],
            &["2026-12-25".into()],
        )
        .unwrap()
    }

    #[test]
    fn open_hours_and_holidays() {
        let s = budapest();
        assert!(s.is_open(at("2026-03-02T08:00:00+01:00[Europe/Budapest]"))); // Monday
        assert!(!s.is_open(at("2026-03-02T07:59:59+01:00[Europe/Budapest]")));
        assert!(!s.is_open(at("2026-03-02T18:00:00+01:00[Europe/Budapest]")));
        assert!(s.is_open(at("2026-03-07T12:59:00+01:00[Europe/Budapest]"))); // Saturday
        assert!(!s.is_open(at("2026-03-08T12:00:00+01:00[Europe/Budapest]"))); // Sunday
        assert!(!s.is_open(at("2026-12-25T10:00:00+01:00[Europe/Budapest]"))); // Friday, holiday
    }

    #[test]
    fn next_change_crosses_the_spring_dst_change() {
        let s = budapest();
        // Saturday 28 March 2026 13:00 CET closes; next opening Monday 30 March 08:00 CEST.
        let sat = at("2026-03-28T12:00:00+01:00[Europe/Budapest]");
        let close = s.next_change(sat).unwrap();
        assert_eq!(s.show(close), "2026-03-28T13:00:00+01:00[Europe/Budapest]");
        let open = s.next_change(close).unwrap();
        assert_eq!(s.show(open), "2026-03-30T08:00:00+02:00[Europe/Budapest]");
        // 43 h of wall-clock time: the lost hour of the DST change is not counted twice.
        assert_eq!(open.since(close), (24 + 19 - 1) * 3_600_000);
    }

    #[test]
    fn next_change_crosses_the_autumn_dst_change() {
        let s = budapest();
        let sat = at("2026-10-24T13:00:00+02:00[Europe/Budapest]");
        let open = s.next_change(sat).unwrap();
        assert_eq!(s.show(open), "2026-10-26T08:00:00+01:00[Europe/Budapest]");
        assert_eq!(open.since(sat), (24 + 19 + 1) * 3_600_000);
    }

    #[test]
    fn always_open_changes_only_on_holidays() {
        let s = Schedule::parse("x", "UTC", &[], &["2026-01-01".into()]).unwrap();
        let t = at("2025-12-31T12:00:00+00:00[UTC]");
        assert!(s.is_open(t));
        let c = s.next_change(t).unwrap();
        assert_eq!(s.show(c), "2026-01-01T00:00:00+00:00[UTC]");
        assert_eq!(
            s.show(s.next_change(c).unwrap()),
            "2026-01-02T00:00:00+00:00[UTC]"
        );
        let none = Schedule::parse("x", "UTC", &[], &[]).unwrap();
        assert_eq!(none.next_change(t), None);
    }

    #[test]
    fn a_holiday_beyond_the_searched_year_is_looked_at_again_a_year_on() {
        let s = Schedule::parse("x", "UTC", &[], &["2028-01-01".into()]).unwrap();
        let t = at("2026-06-01T12:00:00+00:00[UTC]");
        assert_eq!(s.next_change(t), None);
        let again = s.recheck_after(t).unwrap();
        assert_eq!(s.show(again), "2027-06-01T12:00:00+00:00[UTC]");
        assert_eq!(
            s.show(s.next_change(again).unwrap()),
            "2028-01-01T00:00:00+00:00[UTC]"
        );
        // Nothing to look for: no re-check.
        let near = Schedule::parse("x", "UTC", &[], &["2026-07-01".into()]).unwrap();
        assert_eq!(near.recheck_after(t), None);
    }

    #[test]
    fn daily_times_follow_local_clock() {
        let s = budapest();
        let six = time_of_day("f", "06:00").unwrap();
        let t = at("2026-03-29T05:00:00+02:00[Europe/Budapest]");
        assert_eq!(
            s.show(s.last_daily(t, six).unwrap()),
            "2026-03-28T06:00:00+01:00[Europe/Budapest]"
        );
        assert_eq!(
            s.show(s.next_daily(t, six).unwrap()),
            "2026-03-29T06:00:00+02:00[Europe/Budapest]"
        );
    }

    #[test]
    fn bad_entries_name_the_field() {
        let e = Schedule::parse("q", "Mars/Olympus", &[], &[]).unwrap_err();
        assert_eq!(e.field, "q.time_zone");
        let e = Schedule::parse("q", "UTC", &["Mon-Fri 8-18".into()], &[]).unwrap_err();
        assert_eq!(e.field, "q.open_hours[0]");
        let e = Schedule::parse("q", "UTC", &["Mon 18:00-08:00".into()], &[]).unwrap_err();
        assert_eq!(e.field, "q.open_hours[0]");
        let e = Schedule::parse("q", "UTC", &["Xyz 08:00-09:00".into()], &[]).unwrap_err();
        assert_eq!(e.field, "q.open_hours[0]");
        let e = Schedule::parse("q", "UTC", &[], &["2026-13-01".into()]).unwrap_err();
        assert_eq!(e.field, "q.holidays[0]");
        assert!(Schedule::parse("q", "UTC", &["Sun 00:00-24:00".into()], &[]).is_ok());
    }
}
