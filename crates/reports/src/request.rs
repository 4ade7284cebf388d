//! What a report run asks for: the report, the date range (dates or a preset), the time of day
//! window, the time zone, the format, the language and the file options. Parsed from query
//! parameters (`ReportRequest::from_pairs`), which the CLI builds from its flags, so both
//! accept exactly the same values and give the same errors.

use crate::ReportError;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use std::fmt;
use std::str::FromStr;
use strum::{IntoStaticStr, VariantArray};
use switchboard_core::closure::Lang;
use switchboard_core::time::Timestamp;

/// The five reports of docs/reports.md, "The reports".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum ReportName {
    AgentRefusal,
    CompletedCallbacks,
    AgentStateLog,
    ContactClosure,
    CallbackMonitor,
}

impl ReportName {
    /// The report's name: `agent-refusal`, `completed-callbacks`, …
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The report's columns, exactly as docs/reports.md names them, in order.
    pub const fn columns(self) -> &'static [&'static str] {
        match self {
            ReportName::AgentRefusal => &[
                "Contact_ID",
                "Agent_No",
                "FullName",
                "Station_ID",
                "Reason",
                "Refuse_Time",
            ],
            ReportName::CompletedCallbacks => &[
                "Callback_ID",
                "Queue",
                "Destination",
                "End_State",
                "Entrance_Time",
                "Last_Attempt_Time",
                "Total_Attempts",
                "Attempt_No",
                "Attempt_Time",
                "Agent_Name",
                "Attempt_State",
            ],
            ReportName::AgentStateLog => &[
                "Agent_No",
                "Agent_Name",
                "Team",
                "Start_Time",
                "End_Time",
                "State",
                "Reason",
                "Duration_Seconds",
            ],
            ReportName::ContactClosure => &[
                "Contact_ID",
                "Channel",
                "Queue",
                "Agent_No",
                "Entrance_Time",
                "Close_Time",
                "Major_Code",
                "Major_Name",
                "Minor_Code",
                "Minor_Name",
                "Disposition",
                "Outcome",
            ],
            ReportName::CallbackMonitor => &[
                "Queue",
                "CLBK_Stat",
                "Proc",
                "Clbk_To_Be_Proc",
                "Clbk_Avg_Time",
                "Clbk_Purged",
                "Pct_Clbk_Reached",
                "Pct_Clbk_Fail",
            ],
        }
    }
}

impl fmt::Display for ReportName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportName {
    type Err = ReportError;

    fn from_str(text: &str) -> Result<Self, ReportError> {
        ReportName::VARIANTS
            .iter()
            .copied()
            .find(|name| name.as_str() == text)
            .ok_or_else(|| ReportError::UnknownReport(text.to_owned()))
    }
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum Format {
    Csv,
    Tsv,
    Xml,
    Json,
    Xlsx,
}

impl Format {
    /// The option value, also the file extension.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The HTTP `Content-Type`.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Tsv => "text/tab-separated-values; charset=utf-8",
            Format::Xml => "application/xml; charset=utf-8",
            Format::Json => "application/json",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

impl FromStr for Format {
    type Err = ReportError;

    fn from_str(text: &str) -> Result<Self, ReportError> {
        Format::VARIANTS
            .iter()
            .copied()
            .find(|format| format.as_str() == text)
            .ok_or_else(|| ReportError::UnknownFormat(text.to_owned()))
    }
}

/// Date-range presets (CXone's data-download presets), evaluated on today's date in the
/// request's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum Preset {
    /// Today.
    Today,
    /// Yesterday.
    Yesterday,
    /// The seven days before today (today excluded).
    #[strum(serialize = "last-7-days")]
    Last7Days,
    /// The thirty days before today (today excluded).
    #[strum(serialize = "last-30-days")]
    Last30Days,
    /// Monday to Sunday of the week before this one.
    PreviousWeek,
    /// The whole previous calendar month.
    PreviousMonth,
    /// The first of this month to today.
    MonthToDate,
}

impl Preset {
    /// The option value: `today`, `last-7-days`, …
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(text: &str) -> Option<Preset> {
        Preset::VARIANTS
            .iter()
            .copied()
            .find(|p| p.as_str() == text)
    }

    /// The first and last day of the preset, given today.
    pub fn dates(self, today: Date) -> (Date, Date) {
        let day = |n: i64| {
            today
                .checked_sub(jiff::Span::new().days(n))
                .unwrap_or(today)
        };
        match self {
            Preset::Today => (today, today),
            Preset::Yesterday => (day(1), day(1)),
            Preset::Last7Days => (day(7), day(1)),
            Preset::Last30Days => (day(30), day(1)),
            Preset::PreviousWeek => {
                let monday = day(i64::from(today.weekday().to_monday_zero_offset()) + 7);
                let sunday = monday
                    .checked_add(jiff::Span::new().days(6))
                    .unwrap_or(monday);
                (monday, sunday)
            }
            Preset::PreviousMonth => {
                let first_this = today.first_of_month();
                let last_prev = first_this.yesterday().unwrap_or(first_this);
                (last_prev.first_of_month(), last_prev)
            }
            Preset::MonthToDate => (today.first_of_month(), today),
        }
    }
}

/// The date range of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// From the first to the last date, both included.
    Dates {
        from: Date,
        to: Date,
    },
    Preset(Preset),
}

/// Longest date range, in days: the report computes one window per day.
pub const RANGE_DAYS_MAX: i64 = 3_660;

/// A time of day in minutes since midnight; 1440 is 24:00 (only as an end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay(pub u16);

impl TimeOfDay {
    fn parse(param: &'static str, text: &str) -> Result<Self, ReportError> {
        let bad = || ReportError::BadTime {
            param,
            value: text.to_owned(),
        };
        let bytes = text.as_bytes();
        if bytes.len() != 5 || bytes[2] != b':' {
            return Err(bad());
        }
        let digits = |a: u8, b: u8| -> Option<u16> {
            (a.is_ascii_digit() && b.is_ascii_digit())
                .then(|| u16::from(a - b'0') * 10 + u16::from(b - b'0'))
        };
        let (Some(hours), Some(minutes)) = (digits(bytes[0], bytes[1]), digits(bytes[3], bytes[4]))
        else {
            return Err(bad());
        };
        if minutes > 59 || hours > 24 || (hours == 24 && (minutes != 0 || param == "start")) {
            return Err(bad());
        }
        Ok(TimeOfDay(hours * 60 + minutes))
    }

    fn on(self, date: Date) -> Option<DateTime> {
        let date = if self.0 == 1440 {
            date.tomorrow().ok()?
        } else {
            date
        };
        let minutes = self.0 % 1440;
        Some(date.to_datetime(Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).ok()?))
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// One report run.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub name: ReportName,
    pub range: Range,
    /// Start of the daily window (default 00:00).
    pub start: TimeOfDay,
    /// End of the daily window (default 24:00); at or before `start` it is on the next day.
    pub end: TimeOfDay,
    /// IANA name of `time_zone` (default `UTC`).
    pub time_zone_name: String,
    pub time_zone: TimeZone,
    pub format: Format,
    pub lang: Lang,
    /// Include the field names (CSV, TSV and XLSX; JSON and XML always name fields).
    pub header: bool,
    /// Add `-YYYYMMDD` (today in the time zone) to the file name.
    pub append_date: bool,
}

/// The parameter names `from_pairs` accepts (the CLI flags without `--`).
pub const PARAMETERS: [&str; 11] = [
    "from",
    "to",
    "preset",
    "start",
    "end",
    "tz",
    "format",
    "lang",
    "header",
    "append-date",
    "no-header",
];

impl ReportRequest {
    /// A request for `name` with every default: today, the whole day, UTC, CSV, `en`, with
    /// the header.
    pub fn new(name: ReportName) -> Self {
        ReportRequest {
            name,
            range: Range::Preset(Preset::Today),
            start: TimeOfDay(0),
            end: TimeOfDay(1440),
            time_zone_name: "UTC".to_owned(),
            time_zone: TimeZone::UTC,
            format: Format::Csv,
            lang: Lang::En,
            header: true,
            append_date: false,
        }
    }

    /// Parses the report name and the query parameters (`from`, `to`, `preset`, `start`,
    /// `end`, `tz`, `format`, `lang`, `header`, `append-date`). `from` may also be a preset
    /// name. Unknown or repeated parameters are errors.
    pub fn from_pairs<'a>(
        name: &str,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<ReportRequest, ReportError> {
        let mut request = ReportRequest::new(name.parse()?);
        let mut seen: Vec<&'a str> = Vec::new();
        let (mut from, mut to, mut preset) = (None, None, None);
        for (key, value) in pairs {
            let key_name = PARAMETERS
                .into_iter()
                .find(|p| *p == key || p.replace('-', "_") == key)
                .ok_or_else(|| ReportError::BadParameter {
                    param: key.to_owned(),
                    message: format!("unknown parameter; known: {}", PARAMETERS[..10].join(", ")),
                })?;
            if seen.contains(&key_name) {
                return Err(ReportError::BadParameter {
                    param: key_name.to_owned(),
                    message: "given more than once".to_owned(),
                });
            }
            seen.push(key_name);
            match key_name {
                "from" => from = Some(value),
                "to" => to = Some(value),
                "preset" => preset = Some(value),
                "start" => request.start = TimeOfDay::parse("start", value)?,
                "end" => request.end = TimeOfDay::parse("end", value)?,
                "tz" => {
                    request.time_zone = TimeZone::get(value)
                        .map_err(|_| ReportError::UnknownTimeZone(value.to_owned()))?;
                    request.time_zone_name = value.to_owned();
                }
                "format" => request.format = value.parse()?,
                "lang" => {
                    request.lang = value.parse().map_err(|_| ReportError::BadParameter {
                        param: "lang".to_owned(),
                        message: format!("{value:?}: expected en or hu"),
                    })?
                }
                "header" => request.header = parse_bool("header", value)?,
                "no-header" => request.header = !parse_bool("no-header", value)?,
                "append-date" => request.append_date = parse_bool("append-date", value)?,
                _ => unreachable!("every parameter is handled"),
            }
        }
        if seen.contains(&"header") && seen.contains(&"no-header") {
            return Err(ReportError::BadParameter {
                param: "no-header".to_owned(),
                message: "give header or no-header, not both".to_owned(),
            });
        }
        request.range = match (preset, from, to) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(ReportError::BadRange(
                    "give a preset or from/to, not both".to_owned(),
                ));
            }
            (Some(p), None, None) => {
                Range::Preset(Preset::parse(p).ok_or_else(|| ReportError::BadParameter {
                    param: "preset".to_owned(),
                    message: format!("{p:?}: expected one of {}", crate::preset_names()),
                })?)
            }
            (None, None, None) => Range::Preset(Preset::Today),
            (None, None, Some(_)) => {
                return Err(ReportError::BadRange("to needs from".to_owned()));
            }
            (None, Some(f), to) => match Preset::parse(f) {
                Some(p) if to.is_none() => Range::Preset(p),
                Some(_) => {
                    return Err(ReportError::BadRange(format!(
                        "from {f:?} is a preset: it takes no to"
                    )));
                }
                None => {
                    let from = parse_date("from", f)?;
                    let to = match to {
                        Some(t) => parse_date("to", t)?,
                        None => from,
                    };
                    if from > to {
                        return Err(ReportError::BadRange(format!(
                            "from {from} is after to {to}"
                        )));
                    }
                    let days = (to - from).get_days() as i64 + 1;
                    if days > RANGE_DAYS_MAX {
                        return Err(ReportError::BadRange(format!(
                            "{from} to {to} is {days} days: at most {RANGE_DAYS_MAX}"
                        )));
                    }
                    Range::Dates { from, to }
                }
            },
        };
        Ok(request)
    }

    /// Today in the request's time zone.
    pub fn today(&self, now: Timestamp) -> Date {
        self.time_zone.to_datetime(to_jiff(now)).date()
    }

    /// The first and last date of the range.
    pub fn dates(&self, now: Timestamp) -> (Date, Date) {
        match self.range {
            Range::Dates { from, to } => (from, to),
            Range::Preset(preset) => preset.dates(self.today(now)),
        }
    }

    /// The time windows the report covers, as `[start, end)` in ms since the epoch: one per
    /// day of the range from `start` to `end` local time (an end at or before the start is on
    /// the next day), adjacent windows merged. Local times that do not exist (a DST gap) move
    /// forward by the gap; repeated ones (a DST fold) take the first.
    pub fn windows(&self, now: Timestamp) -> Result<Vec<(i64, i64)>, ReportError> {
        let (from, to) = self.dates(now);
        let mut windows: Vec<(i64, i64)> = Vec::new();
        let mut day = from;
        loop {
            let start = self.start.on(day);
            let end_day = if self.end <= self.start {
                day.tomorrow().ok()
            } else {
                Some(day)
            };
            let end = end_day.and_then(|d| self.end.on(d));
            let (Some(start), Some(end)) = (start, end) else {
                return Err(ReportError::BadRange(format!(
                    "{from} to {to} is out of the supported dates"
                )));
            };
            let start = self.instant(start)?;
            let end = self.instant(end)?;
            match windows.last_mut() {
                Some(last) if last.1 == start => last.1 = end,
                _ => windows.push((start, end)),
            }
            if day >= to {
                break;
            }
            day = day.tomorrow().map_err(|_| {
                ReportError::BadRange(format!("{from} to {to} is out of the supported dates"))
            })?;
        }
        Ok(windows)
    }

    fn instant(&self, local: DateTime) -> Result<i64, ReportError> {
        self.time_zone
            .to_zoned(local)
            .map(|z| z.timestamp().as_millisecond())
            .map_err(|_| ReportError::BadRange(format!("{local} is out of the supported dates")))
    }

    /// The file name: `agent-refusal.csv`, or `agent-refusal-20261121.csv` with
    /// `append-date` (today in the request's time zone).
    pub fn file_name(&self, now: Timestamp) -> String {
        let stem = self.name.as_str();
        let extension = self.format.as_str();
        if self.append_date {
            format!("{stem}-{}.{extension}", self.today(now).strftime("%Y%m%d"))
        } else {
            format!("{stem}.{extension}")
        }
    }

    /// `file` with `-YYYYMMDD` before its extension when `append-date` is on.
    pub fn dated_path(&self, file: &std::path::Path, now: Timestamp) -> std::path::PathBuf {
        if !self.append_date {
            return file.to_path_buf();
        }
        let date = self.today(now).strftime("%Y%m%d").to_string();
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = match file.extension() {
            Some(ext) => format!("{stem}-{date}.{}", ext.to_string_lossy()),
            None => format!("{stem}-{date}"),
        };
        file.with_file_name(name)
    }

    /// The HTTP `Content-Type` of the format.
    pub fn content_type(&self) -> &'static str {
        self.format.content_type()
    }
}

pub(crate) fn to_jiff(at: Timestamp) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(at.0).unwrap_or(if at.0 < 0 {
        jiff::Timestamp::MIN
    } else {
        jiff::Timestamp::MAX
    })
}

fn parse_bool(param: &'static str, value: &str) -> Result<bool, ReportError> {
    match value {
        "true" | "1" | "yes" | "" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ReportError::BadParameter {
            param: param.to_owned(),
            message: format!("{value:?}: expected true or false"),
        }),
    }
}

fn parse_date(param: &'static str, value: &str) -> Result<Date, ReportError> {
    let bad = || ReportError::BadDate {
        param,
        value: value.to_owned(),
    };
    let bytes = value.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(bad());
    }
    value.parse::<Date>().map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(pairs: &[(&str, &str)]) -> Result<ReportRequest, ReportError> {
        ReportRequest::from_pairs("agent-refusal", pairs.iter().copied())
    }

    fn ms(text: &str) -> i64 {
        text.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn presets_follow_the_calendar() {
        let today: Date = "2026-11-21".parse().unwrap(); // a Saturday
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(Preset::Today.dates(today), (today, today));
        assert_eq!(
            Preset::Yesterday.dates(today),
            (d("2026-11-20"), d("2026-11-20"))
        );
        assert_eq!(
            Preset::Last7Days.dates(today),
            (d("2026-11-14"), d("2026-11-20"))
        );
        assert_eq!(
            Preset::Last30Days.dates(today),
            (d("2026-10-22"), d("2026-11-20"))
        );
        assert_eq!(
            Preset::PreviousWeek.dates(today),
            (d("2026-11-09"), d("2026-11-15"))
        );
        assert_eq!(
            Preset::PreviousWeek.dates(d("2026-11-16")),
            (d("2026-11-09"), d("2026-11-15"))
        );
        assert_eq!(
            Preset::PreviousMonth.dates(d("2026-03-31")),
            (d("2026-02-01"), d("2026-02-28"))
        );
        assert_eq!(Preset::MonthToDate.dates(today), (d("2026-11-01"), today));
    }

    #[test]
    fn today_is_taken_in_the_time_zone() {
        // 23:30 UTC on the 21st is already the 22nd in Budapest.
        let now = Timestamp(ms("2026-11-21T23:30:00Z"));
        let utc = request(&[]).unwrap();
        let budapest = request(&[("tz", "Europe/Budapest")]).unwrap();
        assert_eq!(utc.today(now).to_string(), "2026-11-21");
        assert_eq!(budapest.today(now).to_string(), "2026-11-22");
        assert_eq!(
            budapest.windows(now).unwrap(),
            [(ms("2026-11-21T23:00:00Z"), ms("2026-11-22T23:00:00Z"))]
        );
        assert_eq!(budapest.file_name(now), "agent-refusal.csv");
        let dated = request(&[("tz", "Europe/Budapest"), ("append-date", "true")]).unwrap();
        assert_eq!(dated.file_name(now), "agent-refusal-20261122.csv");
        assert_eq!(
            dated.dated_path(std::path::Path::new("out/r.csv"), now),
            std::path::Path::new("out/r-20261122.csv")
        );
    }

    #[test]
    fn windows_per_day_across_midnight_and_dst() {
        let now = Timestamp(0);
        // 22:00–06:00 each day: ends the next morning.
        let night = request(&[
            ("from", "2026-03-28"),
            ("to", "2026-03-29"),
            ("start", "22:00"),
            ("end", "06:00"),
            ("tz", "Europe/Budapest"),
        ])
        .unwrap();
        assert_eq!(
            night.windows(now).unwrap(),
            [
                // CET (+01:00) until 02:00 on the 29th, then CEST (+02:00).
                (ms("2026-03-28T21:00:00Z"), ms("2026-03-29T04:00:00Z")),
                (ms("2026-03-29T20:00:00Z"), ms("2026-03-30T04:00:00Z")),
            ]
        );
        // Whole days merge into one window; the 29th of March has 23 hours, the 25th of
        // October 25.
        let spring = request(&[("from", "2026-03-29"), ("tz", "Europe/Budapest")]).unwrap();
        let w = spring.windows(now).unwrap();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].1 - w[0].0, 23 * 3_600_000);
        let autumn = request(&[
            ("from", "2026-10-24"),
            ("to", "2026-10-25"),
            ("tz", "Europe/Budapest"),
        ])
        .unwrap();
        let w = autumn.windows(now).unwrap();
        assert_eq!(
            w,
            [(ms("2026-10-23T22:00:00Z"), ms("2026-10-25T23:00:00Z"))]
        );
        // 02:30 does not exist on the 29th of March: it moves to 03:30 CEST.
        let gap = request(&[
            ("from", "2026-03-29"),
            ("start", "02:30"),
            ("end", "04:00"),
            ("tz", "Europe/Budapest"),
        ])
        .unwrap();
        assert_eq!(
            gap.windows(now).unwrap(),
            [(ms("2026-03-29T01:30:00Z"), ms("2026-03-29T02:00:00Z"))]
        );
    }

    #[test]
    fn bad_input_is_named() {
        let code = |pairs: &[(&str, &str)]| request(pairs).unwrap_err().code();
        assert_eq!(
            ReportRequest::from_pairs("nope", []).unwrap_err().code(),
            "unknown_report"
        );
        assert_eq!(code(&[("format", "pdf")]), "unknown_format");
        assert_eq!(
            code(&[("from", "2026-03-02"), ("to", "2026-03-01")]),
            "bad_range"
        );
        assert_eq!(code(&[("tz", "Mars/Olympus")]), "unknown_time_zone");
        assert_eq!(code(&[("start", "8:00")]), "bad_time");
        assert_eq!(code(&[("end", "24:01")]), "bad_time");
        assert_eq!(code(&[("start", "24:00")]), "bad_time");
        assert_eq!(code(&[("from", "2026-02-30")]), "bad_date");
        assert_eq!(code(&[("from", "03/02/2026")]), "bad_date");
        assert_eq!(code(&[("colour", "red")]), "bad_parameter");
        assert_eq!(code(&[("lang", "de")]), "bad_parameter");
        assert_eq!(code(&[("header", "maybe")]), "bad_parameter");
        assert_eq!(code(&[("to", "2026-03-01")]), "bad_range");
        assert_eq!(
            code(&[("preset", "today"), ("from", "2026-03-01")]),
            "bad_range"
        );
        assert_eq!(code(&[("preset", "fortnight")]), "bad_parameter");
        assert_eq!(
            code(&[("from", "today"), ("to", "2026-03-01")]),
            "bad_range"
        );
        assert_eq!(code(&[("tz", "UTC"), ("tz", "UTC")]), "bad_parameter");
        assert_eq!(
            code(&[("from", "2000-01-01"), ("to", "2026-01-01")]),
            "bad_range"
        );
        let error = request(&[("start", "25:00")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid start \"25:00\": expected a time of day HH:MM (00:00–23:59; 24:00 as an end)"
        );
        assert_eq!(
            error.cli_message(),
            "invalid --start \"25:00\": expected a time of day HH:MM (00:00–23:59; 24:00 as an end)"
        );
    }

    #[test]
    fn from_may_be_a_preset() {
        let r = request(&[("from", "yesterday")]).unwrap();
        assert_eq!(r.range, Range::Preset(Preset::Yesterday));
        let r = request(&[("preset", "previous-month"), ("append_date", "1")]).unwrap();
        assert_eq!(r.range, Range::Preset(Preset::PreviousMonth));
        assert!(r.append_date);
    }
}
