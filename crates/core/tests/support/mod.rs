//! Test driver: runs the engine on a virtual clock the way the server and simulator do
//! (fire every due timer, then the command), checks invariants after every step, and renders
//! a readable trace of events and connector requests.

#![allow(dead_code)]

use serde::Deserialize;
use std::fmt::Write as _;
use switchboard_core::{
    AgentConfig, Command, Engine, Event, EventRecord, Output, QueueConfig, Rejection, Settings,
    StationConfig, Timestamp,
};

/// Parse "90s", "1m30s", "500ms", "2h", "1h2m3s" or "0" into milliseconds, with jiff's
/// friendly duration format. A bare "0" has no unit, which jiff refuses, so it is read here.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(0);
    }
    let duration: jiff::SignedDuration = jiff::fmt::friendly::SpanParser::new()
        .parse_duration(text)
        .map_err(|e| format!("bad duration {text:?}: {e}"))?;
    i64::try_from(duration.as_millis()).map_err(|_| format!("duration {text:?} is too long"))
}

/// A driven engine with its trace.
pub struct Driver {
    pub engine: Engine,
    pub trace: String,
    pub journal: Vec<EventRecord>,
    pub show_config: bool,
}

impl Driver {
    pub fn new(settings: Settings) -> Self {
        Driver {
            engine: Engine::new(settings),
            trace: String::new(),
            journal: Vec::new(),
            show_config: false,
        }
    }

    /// Fire timers due up to `until`, in deadline order, each at its own time.
    pub fn advance(&mut self, until: Timestamp) {
        while let Some(deadline) = self.engine.poll_timeout() {
            if deadline > until {
                break;
            }
            self.engine.handle_timeout(deadline);
            self.drain();
            self.check();
        }
    }

    pub fn command(&mut self, at: Timestamp, command: Command) -> Result<(), Rejection> {
        self.advance(at);
        let result = self.engine.handle_command(at, command);
        if let Err(rejection) = &result {
            let _ = writeln!(
                self.trace,
                "{:>8} ! rejected {}: {rejection}",
                at.to_string(),
                rejection.code()
            );
        }
        self.drain();
        self.check();
        result.map(|_| ())
    }

    pub fn drain(&mut self) {
        while let Some(output) = self.engine.poll_output() {
            match output {
                Output::Event(record) => {
                    let config = matches!(
                        record.event,
                        Event::SettingsConfigured { .. }
                            | Event::QueueConfigured { .. }
                            | Event::AgentConfigured { .. }
                            | Event::StationConfigured { .. }
                    );
                    if self.show_config || !config {
                        let _ = writeln!(
                            self.trace,
                            "{:>8}   {}",
                            record.at.to_string(),
                            record.event
                        );
                    }
                    self.journal.push(record);
                }
                Output::Connector(request) => {
                    let _ = writeln!(self.trace, "{:>8}   {}", "", request);
                }
            }
        }
    }

    pub fn check(&self) {
        if let Err(e) = self.engine.check_invariants() {
            panic!("invariant violated: {e}\ntrace so far:\n{}", self.trace);
        }
    }

    /// Replaying the journal into a fresh engine must give the same state.
    pub fn check_replay(&self) {
        let mut replayed = Engine::new(Settings::default());
        replayed.replay(&self.journal);
        replayed
            .check_invariants()
            .unwrap_or_else(|e| panic!("replayed engine breaks an invariant: {e}"));
        assert_eq!(
            replayed.dump(),
            self.engine.dump(),
            "replay diverged from the live engine"
        );
    }
}

/// A scenario file: configuration plus timed steps.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub description: String,
    /// Absolute start ("2026-03-27T17:30:00+01:00[Europe/Budapest]"); step times count from
    /// it, and the trace shows times in its zone. Default: the Unix epoch, times as seconds.
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub settings: Option<Settings>,
    #[serde(default)]
    pub queues: Vec<QueueConfig>,
    #[serde(default)]
    pub stations: Vec<StationConfig>,
    #[serde(default)]
    pub agents: Vec<AgentConfig>,
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// One step: at a time, optionally a command, optionally the rejection code it must get.
#[derive(Debug, Deserialize)]
pub struct Step {
    pub at: String,
    #[serde(default)]
    pub expect: Option<String>,
    #[serde(flatten)]
    pub command: Option<Command>,
}

/// Replace string values "@<duration>" anywhere in a step by `start` + duration in ms, so
/// scenario files can write absolute times (due, window_end) relative to their start.
fn resolve_offsets(value: &mut toml::Value, start: i64) {
    match value {
        toml::Value::String(text) if text.starts_with('@') => {
            let ms = parse_duration(&text[1..]).unwrap_or_else(|e| panic!("{e}"));
            *value = toml::Value::Integer(start + ms);
        }
        toml::Value::Table(table) => table
            .iter_mut()
            .for_each(|(_, v)| resolve_offsets(v, start)),
        toml::Value::Array(items) => items.iter_mut().for_each(|v| resolve_offsets(v, start)),
        _ => {}
    }
}

/// With an absolute start, show every "<seconds>s" token of the trace as a local time.
fn localize(trace: &str, zone: &jiff::tz::TimeZone) -> String {
    let mut out = String::new();
    for line in trace.lines() {
        let words: Vec<String> = line
            .split(' ')
            .map(|w| {
                let core = w.trim_end_matches([',', ')']);
                let rest = &w[core.len()..];
                let Some(num) = core.strip_suffix('s') else {
                    return w.to_string();
                };
                let ms = match num.split_once('.') {
                    Some((a, b)) => a
                        .parse::<i64>()
                        .ok()
                        .zip(b.parse::<i64>().ok())
                        .map(|(a, b)| a * 1000 + b),
                    None => num.parse::<i64>().ok().map(|a| a * 1000),
                };
                match ms.filter(|ms| *ms > 1_000_000_000_000) {
                    Some(ms) => {
                        let ts = jiff::Timestamp::from_millisecond(ms).unwrap();
                        format!(
                            "{}{rest}",
                            ts.to_zoned(zone.clone()).strftime("%a %d %b %H:%M:%S%z")
                        )
                    }
                    None => w.to_string(),
                }
            })
            .collect();
        out.push_str(&words.join(" "));
        out.push('\n');
    }
    out
}

/// Run a scenario; returns the trace followed by the final state dump.
pub fn run_scenario(text: &str) -> String {
    let mut raw: toml::Value = toml::from_str(text).unwrap_or_else(|e| panic!("bad scenario: {e}"));
    let start: Option<jiff::Zoned> = raw
        .get("start")
        .and_then(|v| v.as_str())
        .map(|s| s.parse().unwrap_or_else(|e| panic!("bad start {s:?}: {e}")));
    let start_ms = start.as_ref().map_or(0, |z| z.timestamp().as_millisecond());
    if let Some(steps) = raw.get_mut("steps").and_then(|s| s.as_array_mut()) {
        steps.iter_mut().for_each(|v| resolve_offsets(v, start_ms));
    }
    let scenario: Scenario = raw
        .try_into()
        .unwrap_or_else(|e| panic!("bad scenario: {e}"));
    let mut driver = Driver::new(Settings::default());
    let zero = Timestamp(start_ms);
    if let Some(settings) = scenario.settings {
        driver
            .command(zero, Command::ConfigureSettings(settings))
            .expect("settings");
    }
    for q in scenario.queues {
        driver
            .command(zero, Command::ConfigureQueue(Box::new(q)))
            .expect("queue");
    }
    for s in scenario.stations {
        driver
            .command(zero, Command::ConfigureStation(s))
            .expect("station");
    }
    for a in scenario.agents {
        driver
            .command(zero, Command::ConfigureAgent(a))
            .expect("agent");
    }
    let mut out = String::new();
    if !scenario.description.is_empty() {
        let _ = writeln!(out, "# {}\n", scenario.description.trim());
    }
    for (i, step) in scenario.steps.into_iter().enumerate() {
        let at = Timestamp(
            start_ms + parse_duration(&step.at).unwrap_or_else(|e| panic!("step {i}: {e}")),
        );
        match step.command {
            Some(command) => {
                let result = driver.command(at, command);
                match (&step.expect, result) {
                    (None, Ok(())) => {}
                    (Some(code), Err(r)) if r.code() == code => {}
                    (expect, result) => panic!(
                        "step {i} at {at}: expected {expect:?}, got {result:?}\n{}",
                        driver.trace
                    ),
                }
            }
            None => driver.advance(at),
        }
    }
    driver.check_replay();
    let body = format!("{}\n--- state ---\n{}", driver.trace, driver.engine.dump());
    match &start {
        Some(zoned) => out.push_str(&localize(&body, zoned.time_zone())),
        None => out.push_str(&body),
    }
    out
}
