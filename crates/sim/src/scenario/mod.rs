//! The simulator's scenario file (docs/simulation.md, "Scenario reference"): TOML with
//! queues, agents, behaviour and a stop rule. Every error names the file, the line and the
//! key.

use crate::toml_lines::Lines;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use strum::VariantArray;
use switchboard_core::callback::{
    ATTEMPTS_BEFORE_FAILURE_MAX, CallbackSettings, DialOutcome, RECALL_INTERVALS_MAX,
};
use switchboard_core::model::{Channel, DeliveryFailure};

/// A random duration or quantity in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Dist {
    Constant(f64),
    Exponential(f64),
    Uniform([f64; 2]),
    Lognormal { mean: f64, sd: f64 },
}

impl Dist {
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Constant(x) | Dist::Exponential(x) => x,
            Dist::Uniform([a, b]) => (a + b) / 2.0,
            Dist::Lognormal { mean, .. } => mean,
        }
    }

    /// Whether the parameters are in range ([`SECONDS_MAX`] for every one).
    fn check(&self) -> Result<(), String> {
        let ok = |x: f64| (0.0..=SECONDS_MAX).contains(&x);
        let positive = |x: f64| ok(x) && x > 0.0;
        match *self {
            Dist::Constant(x) if ok(x) => Ok(()),
            Dist::Exponential(m) if positive(m) => Ok(()),
            Dist::Uniform([a, b]) if ok(a) && ok(b) && a <= b => Ok(()),
            Dist::Lognormal { mean, sd } if positive(mean) && ok(sd) => Ok(()),
            Dist::Constant(x) => Err(format!("{x}: a constant is 0–{SECONDS_MAX} s (7 days)")),
            Dist::Exponential(m) => Err(format!(
                "{m}: an exponential mean is above 0 and at most {SECONDS_MAX} s (7 days)"
            )),
            Dist::Uniform([a, b]) => Err(format!(
                "[{a}, {b}]: uniform needs 0 ≤ a ≤ b ≤ {SECONDS_MAX} s (7 days)"
            )),
            Dist::Lognormal { mean, sd } => Err(format!(
                "mean {mean}, sd {sd}: a lognormal mean is above 0 and at most {SECONDS_MAX} s, its sd 0–{SECONDS_MAX} s (7 days)"
            )),
        }
    }
}

/// The largest value of any duration parameter, in seconds: 7 days. A contact center's
/// handle times, patience, wrap-up, accept delays and waits are minutes to days.
pub const SECONDS_MAX: f64 = 604_800.0;
/// A sampled duration is clamped to at most this many seconds (30 days): exponential and
/// lognormal samples have no upper bound, and a clamp keeps every sum on the virtual clock
/// far from overflowing. With parameters of at most 7 days, a clamped sample is rare (an
/// exponential with the largest mean passes it once in about 70 draws; with a mean of an
/// hour, never in practice).
pub const SAMPLE_MAX_SECONDS: f64 = 2_592_000.0;
/// The largest `arrivals_per_hour` of one queue (about 280 a second).
pub const ARRIVALS_PER_HOUR_MAX: f64 = 1_000_000.0;
/// The most arrivals a run may generate (`stop.contacts`).
pub const CONTACTS_MAX: u64 = 1_000_000_000;
/// The longest `stop.duration`, and the longest time `stop.contacts` may take to arrive at
/// the scenario's rates: 366 days.
pub const ARRIVAL_SPAN_MAX_MS: u64 = 366 * 86_400_000;
/// The longest `stop.warm_up`: 7 days.
pub const WARM_UP_MAX_MS: u64 = 7 * 86_400_000;
/// The most agents of a scenario, all groups together.
pub const AGENTS_MAX: u64 = 100_000;
/// The longest a run may last on the virtual clock, from `start` to the last contact
/// closed: 10 years (3,660 days). A run that would go on longer (an overloaded queue whose
/// customers never abandon) stops with an error blaming the scenario.
pub const HORIZON_MS: i64 = 3_660 * 86_400_000;
/// The years `start` may be in (the clock and every date shown stay far from the limits of
/// `i64` milliseconds and of the calendar).
pub const START_YEARS: std::ops::RangeInclusive<i16> = 1970..=2999;
/// The engine's longest callback interval (recall intervals, duration for no answer), in
/// seconds: 30 days.
pub const CALLBACK_SECONDS_MAX: f64 = (switchboard_core::config::DURATION_MAX_MS / 1000) as f64;

fn zero() -> Dist {
    Dist::Constant(0.0)
}

fn twenty() -> f64 {
    20.0
}

fn voice() -> Channel {
    Channel::Voice
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub seed: u64,
    /// "2026-03-02T08:00:00+01:00[Europe/Budapest]"; default the Unix epoch.
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default = "twenty")]
    pub service_level_seconds: f64,
    pub stop: Stop,
    pub queues: Vec<QueueSpec>,
    pub agents: Vec<AgentGroup>,
    #[serde(default)]
    pub behaviour: Behaviour,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stop {
    /// Arrivals to generate; the run ends when all are closed.
    #[serde(default)]
    pub contacts: Option<u64>,
    /// Or: simulated time during which arrivals are generated ("8h", "90m", "3600s").
    #[serde(default)]
    pub duration: Option<String>,
    /// Simulated time before the measured part ("30m"): the centre fills up from empty while
    /// contacts arrive, and neither those contacts nor agent time in it count in any figure.
    /// `contacts` and `duration` count from its end.
    #[serde(default)]
    pub warm_up: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    pub id: String,
    #[serde(default = "voice")]
    pub channel: Channel,
    pub arrivals_per_hour: f64,
    pub handle_seconds: Dist,
    /// Omitted: customers never abandon.
    #[serde(default)]
    pub patience_seconds: Option<Dist>,
    #[serde(default = "zero")]
    pub wrap_up_seconds: Dist,
    #[serde(default)]
    pub offer_timeout_seconds: Option<f64>,
    #[serde(default)]
    pub callbacks: Option<CallbackSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackSpec {
    #[serde(default)]
    pub attempts_before_failure: Option<u32>,
    #[serde(default)]
    pub recall_intervals_seconds: Option<Vec<f64>>,
    #[serde(default)]
    pub duration_for_no_answer_seconds: Option<f64>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub open_hours: Vec<String>,
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Dial outcomes that end a callback at once (the engine's default: invalid_number, sit).
    #[serde(default)]
    pub end_callback_on: Option<Vec<DialOutcome>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentGroup {
    pub count: u32,
    pub queues: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    #[serde(default = "zero")]
    pub accept_seconds: Dist,
    #[serde(default)]
    pub decline_probability: f64,
    #[serde(default)]
    pub no_answer_probability: f64,
    /// Refusal reason (connector-raised, exact spelling) → probability per offer.
    #[serde(default)]
    pub connector_failures: BTreeMap<String, f64>,
    #[serde(default)]
    pub callbacks: Option<CallbackBehaviour>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            accept_seconds: zero(),
            decline_probability: 0.0,
            no_answer_probability: 0.0,
            connector_failures: BTreeMap::new(),
            callbacks: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackBehaviour {
    /// Customers still waiting this long are offered a callback.
    pub offer_after_wait_seconds: f64,
    /// The share of them who take it (they leave the queue).
    pub accept_probability: f64,
    #[serde(default)]
    pub dial_outcomes: DialOutcomes,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialOutcomes {
    #[serde(default)]
    pub live: f64,
    #[serde(default)]
    pub machine: f64,
    #[serde(default)]
    pub no_answer: f64,
    #[serde(default)]
    pub wrong_destination: f64,
    /// The connector's `dial_outcome` reasons (issue 13): the dial ends with that outcome.
    #[serde(default)]
    pub busy: f64,
    #[serde(default)]
    pub fax: f64,
    #[serde(default)]
    pub modem: f64,
    #[serde(default)]
    pub sit: f64,
    #[serde(default)]
    pub invalid_number: f64,
    #[serde(default)]
    pub wrong_party: f64,
}

impl Default for DialOutcomes {
    fn default() -> Self {
        DialOutcomes {
            live: 1.0,
            machine: 0.0,
            no_answer: 0.0,
            wrong_destination: 0.0,
            busy: 0.0,
            fax: 0.0,
            modem: 0.0,
            sit: 0.0,
            invalid_number: 0.0,
            wrong_party: 0.0,
        }
    }
}

impl DialOutcomes {
    /// The connector-reported outcomes with their probabilities, in key order.
    pub fn reported(&self) -> [(f64, DialOutcome); 6] {
        [
            (self.busy, DialOutcome::Busy),
            (self.fax, DialOutcome::Fax),
            (self.modem, DialOutcome::Modem),
            (self.sit, DialOutcome::Sit),
            (self.invalid_number, DialOutcome::InvalidNumber),
            (self.wrong_party, DialOutcome::WrongParty),
        ]
    }
}

/// A scenario error: file, line (1-based, when known), key and message.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    pub file: String,
    pub line: Option<usize>,
    pub key: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}: {}", self.file, self.key, self.message),
            None => write!(f, "{}: {}: {}", self.file, self.key, self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// Parse a duration in jiff's friendly format ("8h", "90m", "3600s", "1h30m", "500ms",
/// "2d", "1.5h", "2 hours 30 minutes") into whole milliseconds. `None` when the text is not a
/// duration, is negative, or has weeks, months or years (their length depends on the date; a
/// day is 24 hours here).
pub fn parse_duration_ms(text: &str) -> Option<u64> {
    let span: jiff::Span = text.trim().parse().ok()?;
    if span.is_negative() || span.get_weeks() != 0 {
        return None;
    }
    let ms = span
        .total((
            jiff::Unit::Millisecond,
            jiff::SpanRelativeTo::days_are_24_hours(),
        ))
        .ok()?;
    // Within u64 by far: a span's largest unit here is days, at most about 7.3 million.
    Some(ms.round() as u64)
}

impl Scenario {
    /// Parse and validate a scenario; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            let message = e.message().trim().to_string();
            // The key is what stands before `=` on the offending line.
            let key = line
                .and_then(|n| text.lines().nth(n - 1))
                .and_then(|l| l.split_once('='))
                .map(|(k, _)| k.trim().trim_matches('"').to_string())
                .filter(|k| !k.is_empty() && !k.starts_with('['))
                .unwrap_or_else(|| "-".into());
            ScenarioError {
                file: file.to_string(),
                line,
                key,
                message,
            }
        })?;
        scenario.validate(file, text)?;
        Ok(scenario)
    }

    fn validate(&self, file: &str, text: &str) -> Result<(), ScenarioError> {
        let lines = Lines::new(text);
        // `key` is the path of the field (`queues[1].arrivals_per_hour`); its line is the
        // field's own, or its table's when the field is left to its default.
        let err = |key: &str, message: String| ScenarioError {
            file: file.to_string(),
            line: lines.line_of(key),
            key: key.to_string(),
            message,
        };
        let range = |key: &str, x: f64, min: f64, max: f64, unit: &str| {
            if (min..=max).contains(&x) {
                Ok(())
            } else {
                Err(err(key, format!("{x}: must be {min}–{max}{unit}")))
            }
        };
        if self.stop.contacts.is_none() && self.stop.duration.is_none() {
            return Err(err(
                "stop.contacts",
                "set stop.contacts or stop.duration".into(),
            ));
        }
        // (key, text, shortest, longest and how to say it, an example)
        let durations = [
            (
                "stop.duration",
                &self.stop.duration,
                1,
                ARRIVAL_SPAN_MAX_MS,
                "366 days (\"366d\")",
                "\"8h\" or \"90m\"",
            ),
            (
                "stop.warm_up",
                &self.stop.warm_up,
                0,
                WARM_UP_MAX_MS,
                "7 days (\"7d\")",
                "\"30m\" or \"0s\"",
            ),
        ];
        for (key, text, min, max, longest, example) in durations {
            let Some(text) = text else { continue };
            match parse_duration_ms(text) {
                Some(ms) if ms < min || ms > max => {
                    let message = if ms < min {
                        "must not be zero".to_string()
                    } else {
                        format!("must be at most {longest}")
                    };
                    return Err(err(key, format!("{text:?}: {message}")));
                }
                Some(_) => {}
                None => {
                    return Err(err(
                        key,
                        format!("{text:?} is not a duration like {example}"),
                    ));
                }
            }
        }
        if let Some(n) = self.stop.contacts
            && !(1..=CONTACTS_MAX).contains(&n)
        {
            return Err(err(
                "stop.contacts",
                format!("{n}: must be 1–{CONTACTS_MAX}"),
            ));
        }
        range(
            "service_level_seconds",
            self.service_level_seconds,
            0.0,
            SECONDS_MAX,
            " s (7 days)",
        )?;
        if let Some(start) = &self.start {
            let zoned = start.parse::<jiff::Zoned>().map_err(|_| {
                err(
                    "start",
                    format!(
                        "{start:?}: expected e.g. \"2026-03-02T08:00:00+01:00[Europe/Budapest]\""
                    ),
                )
            })?;
            if !START_YEARS.contains(&zoned.year()) {
                return Err(err(
                    "start",
                    format!(
                        "{start:?}: must be in the years {}–{}",
                        START_YEARS.start(),
                        START_YEARS.end()
                    ),
                ));
            }
        }
        if self.queues.is_empty() {
            return Err(err("queues", "at least one [[queues]] is needed".into()));
        }
        for (i, q) in self.queues.iter().enumerate() {
            let key = |name: &str| format!("queues[{i}].{name}");
            if self.queues[..i].iter().any(|p| p.id == q.id) {
                return Err(err(&key("id"), format!("{:?} is defined twice", q.id)));
            }
            // The engine's rules for a queue (its id above all), named by the file's index.
            let limits = switchboard_core::config::Limits::default();
            if let Err(e) =
                switchboard_core::config::QueueConfig::new(&q.id, q.channel).validate(&limits)
            {
                let rest = e.field.rsplit_once(']').map_or("", |(_, rest)| rest);
                return Err(err(&format!("queues[{i}]{rest}"), e.message));
            }
            range(
                &key("arrivals_per_hour"),
                q.arrivals_per_hour,
                0.0,
                ARRIVALS_PER_HOUR_MAX,
                "",
            )?;
            for (name, dist) in [
                ("handle_seconds", Some(&q.handle_seconds)),
                ("patience_seconds", q.patience_seconds.as_ref()),
                ("wrap_up_seconds", Some(&q.wrap_up_seconds)),
            ] {
                if let Some(dist) = dist
                    && let Err(message) = dist.check()
                {
                    return Err(err(&key(name), message));
                }
            }
            if let Some(t) = q.offer_timeout_seconds {
                range(&key("offer_timeout_seconds"), t, 15.0, 300.0, " s")?;
            }
            if let Some(cb) = &q.callbacks {
                if !matches!(q.channel, Channel::Voice | Channel::Callback) {
                    return Err(err(
                        &key("callbacks"),
                        "only voice and callback queues take callbacks".into(),
                    ));
                }
                self.check_callbacks(i, cb, &err)?;
            }
        }
        let rate: f64 = self.queues.iter().map(|q| q.arrivals_per_hour).sum();
        if rate == 0.0 {
            return Err(err(
                "queues[0].arrivals_per_hour",
                "every queue has arrivals_per_hour = 0: nothing would arrive".into(),
            ));
        }
        if let (Some(n), None) = (self.stop.contacts, &self.stop.duration) {
            let days = n as f64 / rate / 24.0;
            if days * 86_400_000.0 > ARRIVAL_SPAN_MAX_MS as f64 {
                return Err(err(
                    "stop.contacts",
                    format!(
                        "{n} contacts at {rate} arrivals per hour take about {days:.0} days to arrive; \
                         at most 366 days (set fewer contacts, more arrivals or a stop.duration)"
                    ),
                ));
            }
        }
        if self.agents.is_empty() {
            return Err(err(
                "agents",
                "at least one [[agents]] group is needed".into(),
            ));
        }
        let mut agents = 0u64;
        for (i, g) in self.agents.iter().enumerate() {
            agents += u64::from(g.count);
            if g.count == 0 || u64::from(g.count) > AGENTS_MAX || agents > AGENTS_MAX {
                return Err(err(
                    &format!("agents[{i}].count"),
                    format!(
                        "{}: must be 1–{AGENTS_MAX}, and all groups together at most {AGENTS_MAX}",
                        g.count
                    ),
                ));
            }
            if g.queues.is_empty() {
                return Err(err(
                    &format!("agents[{i}].queues"),
                    "a group serves at least one queue (agents serving none would only dilute occupancy)".into(),
                ));
            }
            for (n, q) in g.queues.iter().enumerate() {
                if !self.queues.iter().any(|s| &s.id == q) {
                    return Err(err(
                        &format!("agents[{i}].queues[{n}]"),
                        format!("unknown queue {q:?}"),
                    ));
                }
                if g.queues[..n].contains(q) {
                    return Err(err(
                        &format!("agents[{i}].queues[{n}]"),
                        format!("{q:?} is listed twice"),
                    ));
                }
            }
        }
        for (i, q) in self.queues.iter().enumerate() {
            if !self.agents.iter().any(|g| g.queues.contains(&q.id)) {
                return Err(err(
                    &format!("queues[{i}].id"),
                    format!(
                        "no [[agents]] group serves queue {:?}: its contacts could never close",
                        q.id
                    ),
                ));
            }
        }
        let b = &self.behaviour;
        if let Err(message) = b.accept_seconds.check() {
            return Err(err("behaviour.accept_seconds", message));
        }
        let probability = |key: &str, p: f64| {
            if (0.0..=1.0).contains(&p) {
                Ok(())
            } else {
                Err(err(key, format!("{p}: a probability is 0–1")))
            }
        };
        let mut total = 0.0;
        for (key, p) in [
            ("behaviour.decline_probability", b.decline_probability),
            ("behaviour.no_answer_probability", b.no_answer_probability),
        ] {
            probability(key, p)?;
            total += p;
        }
        for (reason, p) in &b.connector_failures {
            if !DeliveryFailure::VARIANTS
                .iter()
                .any(|f| f.reason().as_str() == reason)
            {
                return Err(err(
                    "behaviour.connector_failures",
                    format!(
                        "{reason:?} is not a connector refusal reason (Bad Number, Busy, Error, Invalid Call Leg, LinkFailed, Dropped, NA, 0)"
                    ),
                ));
            }
            if !(0.0..=1.0).contains(p) {
                return Err(err(
                    "behaviour.connector_failures",
                    format!("{reason}: {p}: a probability is 0–1"),
                ));
            }
            total += p;
        }
        if total > 1.0 + 1e-9 {
            return Err(err(
                "behaviour.decline_probability",
                format!("decline, no answer and connector failures add up to {total}, more than 1"),
            ));
        }
        if let Some(cb) = &b.callbacks {
            range(
                "behaviour.callbacks.offer_after_wait_seconds",
                cb.offer_after_wait_seconds,
                0.0,
                SECONDS_MAX,
                " s (7 days)",
            )?;
            probability(
                "behaviour.callbacks.accept_probability",
                cb.accept_probability,
            )?;
            let o = &cb.dial_outcomes;
            let mut parts = vec![o.live, o.machine, o.no_answer, o.wrong_destination];
            parts.extend(o.reported().iter().map(|(p, _)| *p));
            if parts.iter().any(|p| !(0.0..=1.0).contains(p))
                || (parts.iter().sum::<f64>() - 1.0).abs() > 1e-9
            {
                return Err(err(
                    "behaviour.callbacks.dial_outcomes",
                    format!(
                        "live, machine, no_answer, wrong_destination, busy, fax, modem, sit, invalid_number and wrong_party must be probabilities adding up to 1 (they add up to {})",
                        parts.iter().sum::<f64>()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `[queues.callbacks]` of queue `i`: the numbers in range here, the schedule (time
    /// zone, open hours, holidays) as the engine checks it, so each error has its line.
    fn check_callbacks(
        &self,
        i: usize,
        cb: &CallbackSpec,
        err: &dyn Fn(&str, String) -> ScenarioError,
    ) -> Result<(), ScenarioError> {
        let key = |name: &str| format!("queues[{i}].callbacks.{name}");
        if let Some(n) = cb.attempts_before_failure
            && !(1..=ATTEMPTS_BEFORE_FAILURE_MAX).contains(&n)
        {
            return Err(err(
                &key("attempts_before_failure"),
                format!("{n}: must be 1–{ATTEMPTS_BEFORE_FAILURE_MAX}"),
            ));
        }
        if let Some(intervals) = &cb.recall_intervals_seconds {
            if intervals.is_empty() || intervals.len() > RECALL_INTERVALS_MAX {
                return Err(err(
                    &key("recall_intervals_seconds"),
                    format!("needs 1–{RECALL_INTERVALS_MAX} values"),
                ));
            }
            for (n, s) in intervals.iter().enumerate() {
                if !(0.0..=CALLBACK_SECONDS_MAX).contains(s) {
                    return Err(err(
                        &key(&format!("recall_intervals_seconds[{n}]")),
                        format!("{s}: must be 0–{CALLBACK_SECONDS_MAX} s (30 days)"),
                    ));
                }
            }
        }
        if let Some(s) = cb.duration_for_no_answer_seconds
            && !(5.0..=CALLBACK_SECONDS_MAX).contains(&s)
        {
            return Err(err(
                &key("duration_for_no_answer_seconds"),
                format!("{s}: must be 5–{CALLBACK_SECONDS_MAX} s (30 days)"),
            ));
        }
        let schedule = CallbackSettings {
            time_zone: cb.time_zone.clone().unwrap_or_else(|| "UTC".into()),
            open_hours: cb.open_hours.clone(),
            holidays: cb.holidays.clone(),
            end_callback_on: cb
                .end_callback_on
                .clone()
                .unwrap_or_else(|| CallbackSettings::default().end_callback_on),
            ..CallbackSettings::default()
        };
        schedule
            .compile(&format!("queues[{i}].callbacks"))
            .map(|_| ())
            .map_err(|e| err(&e.field, e.message))
    }
}

#[cfg(test)]
mod tests;
