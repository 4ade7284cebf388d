//! The simulator's scenario file (PRODUCT.md §11): TOML with queues, agents, behaviour and
//! a stop rule. Every error names the file, the line and the key.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
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

    fn check(&self) -> Result<(), String> {
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        match *self {
            Dist::Constant(x) if ok(x) => Ok(()),
            Dist::Exponential(m) if ok(m) && m > 0.0 => Ok(()),
            Dist::Uniform([a, b]) if ok(a) && ok(b) && a <= b => Ok(()),
            Dist::Lognormal { mean, sd } if ok(mean) && mean > 0.0 && ok(sd) => Ok(()),
            Dist::Uniform(_) => Err("uniform needs 0 ≤ a ≤ b".into()),
            _ => Err(
                "needs a finite, non-negative value (exponential and lognormal means > 0)".into(),
            ),
        }
    }
}

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
}

impl Default for DialOutcomes {
    fn default() -> Self {
        DialOutcomes {
            live: 1.0,
            machine: 0.0,
            no_answer: 0.0,
            wrong_destination: 0.0,
        }
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

/// Parse "8h", "90m", "3600s", "1h30m", "500ms" into milliseconds.
pub fn parse_duration_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        let unit = match c {
            'd' => 86_400_000,
            'h' => 3_600_000,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                1
            }
            'm' => 60_000,
            's' => 1_000,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
        any = true;
    }
    (any && digits.is_empty()).then_some(total)
}

/// The line where `key` is set inside the `index`-th `[[table]]` (or `[table]`, or the top
/// level when `table` is empty), for error messages.
fn locate(text: &str, table: &str, index: usize, key: &str) -> Option<usize> {
    let mut current = String::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut current_index = 0;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix("[[").and_then(|h| h.split(']').next()) {
            current = h.trim().to_string();
            let count = seen.entry(current.clone()).or_insert(0);
            current_index = *count;
            *count += 1;
            continue;
        }
        if let Some(h) = t.strip_prefix('[').and_then(|h| h.split(']').next()) {
            current = h.trim().to_string();
            current_index = 0;
            continue;
        }
        let in_table = if table.is_empty() {
            current.is_empty()
        } else {
            (current == table || current.starts_with(&format!("{table}.")))
                && current_index == index
        };
        let key_here = t.split('=').next().map(str::trim) == Some(key)
            || t.contains(&format!("{key} =")) && current != table && current.starts_with(table);
        if in_table && key_here {
            return Some(n + 1);
        }
    }
    None
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
        let err = |table: &str, index: usize, key: &str, message: String| ScenarioError {
            file: file.to_string(),
            line: locate(text, table, index, key),
            key: match table {
                "" => key.to_string(),
                "queues" | "agents" => format!("{table}[{index}].{key}"),
                _ => format!("{table}.{key}"),
            },
            message,
        };
        if self.stop.contacts.is_none() && self.stop.duration.is_none() {
            return Err(err(
                "stop",
                0,
                "contacts",
                "set stop.contacts or stop.duration".into(),
            ));
        }
        if let Some(d) = &self.stop.duration
            && parse_duration_ms(d).is_none_or(|ms| ms == 0)
        {
            return Err(err(
                "stop",
                0,
                "duration",
                format!("{d:?} is not a duration like \"8h\" or \"90m\""),
            ));
        }
        if let Some(w) = &self.stop.warm_up
            && parse_duration_ms(w).is_none()
        {
            return Err(err(
                "stop",
                0,
                "warm_up",
                format!("{w:?} is not a duration like \"30m\" or \"0s\""),
            ));
        }
        if self.stop.contacts == Some(0) {
            return Err(err("stop", 0, "contacts", "must be at least 1".into()));
        }
        if !(self.service_level_seconds.is_finite() && self.service_level_seconds >= 0.0) {
            return Err(err("", 0, "service_level_seconds", "must be ≥ 0".into()));
        }
        if let Some(start) = &self.start
            && start.parse::<jiff::Zoned>().is_err()
        {
            return Err(err(
                "",
                0,
                "start",
                format!("{start:?}: expected e.g. \"2026-03-02T08:00:00+01:00[Europe/Budapest]\""),
            ));
        }
        if self.queues.is_empty() {
            return Err(err(
                "",
                0,
                "queues",
                "at least one [[queues]] is needed".into(),
            ));
        }
        for (i, q) in self.queues.iter().enumerate() {
            if self.queues[..i].iter().any(|p| p.id == q.id) {
                return Err(err(
                    "queues",
                    i,
                    "id",
                    format!("{:?} is defined twice", q.id),
                ));
            }
            if !(q.arrivals_per_hour.is_finite() && q.arrivals_per_hour >= 0.0) {
                return Err(err(
                    "queues",
                    i,
                    "arrivals_per_hour",
                    format!("{}: must be ≥ 0", q.arrivals_per_hour),
                ));
            }
            for (key, dist) in [
                ("handle_seconds", Some(&q.handle_seconds)),
                ("patience_seconds", q.patience_seconds.as_ref()),
                ("wrap_up_seconds", Some(&q.wrap_up_seconds)),
            ] {
                if let Some(dist) = dist
                    && let Err(message) = dist.check()
                {
                    return Err(err("queues", i, key, message));
                }
            }
            if let Some(t) = q.offer_timeout_seconds
                && !(15.0..=300.0).contains(&t)
            {
                return Err(err(
                    "queues",
                    i,
                    "offer_timeout_seconds",
                    format!("{t}: must be 15–300"),
                ));
            }
            if q.callbacks.is_some() && !matches!(q.channel, Channel::Voice | Channel::Callback) {
                return Err(err(
                    "queues",
                    i,
                    "callbacks",
                    "only voice and callback queues take callbacks".into(),
                ));
            }
        }
        if self.agents.is_empty() {
            return Err(err(
                "",
                0,
                "agents",
                "at least one [[agents]] group is needed".into(),
            ));
        }
        for (i, g) in self.agents.iter().enumerate() {
            if g.count == 0 || g.count > 100_000 {
                return Err(err(
                    "agents",
                    i,
                    "count",
                    format!("{}: must be 1–100000", g.count),
                ));
            }
            for q in &g.queues {
                if !self.queues.iter().any(|s| &s.id == q) {
                    return Err(err("agents", i, "queues", format!("unknown queue {q:?}")));
                }
            }
        }
        for (i, q) in self.queues.iter().enumerate() {
            if !self.agents.iter().any(|g| g.queues.contains(&q.id)) {
                return Err(err(
                    "queues",
                    i,
                    "id",
                    format!(
                        "no [[agents]] group serves queue {:?}: its contacts could never close",
                        q.id
                    ),
                ));
            }
        }
        let b = &self.behaviour;
        if let Err(message) = b.accept_seconds.check() {
            return Err(err("behaviour", 0, "accept_seconds", message));
        }
        let mut total = 0.0;
        for (key, p) in [
            ("decline_probability", b.decline_probability),
            ("no_answer_probability", b.no_answer_probability),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(err(
                    "behaviour",
                    0,
                    key,
                    format!("{p}: a probability is 0–1"),
                ));
            }
            total += p;
        }
        for (reason, p) in &b.connector_failures {
            if !DeliveryFailure::ALL
                .iter()
                .any(|f| f.reason().as_str() == reason)
            {
                return Err(err(
                    "behaviour",
                    0,
                    "connector_failures",
                    format!(
                        "{reason:?} is not a connector refusal reason (Bad Number, Busy, Error, Invalid Call Leg, LinkFailed, Dropped, NA, 0)"
                    ),
                ));
            }
            if !(0.0..=1.0).contains(p) {
                return Err(err(
                    "behaviour",
                    0,
                    "connector_failures",
                    format!("{reason}: {p}: a probability is 0–1"),
                ));
            }
            total += p;
        }
        if total > 1.0 + 1e-9 {
            return Err(err(
                "behaviour",
                0,
                "decline_probability",
                format!("decline, no answer and connector failures add up to {total}, more than 1"),
            ));
        }
        if let Some(cb) = &b.callbacks {
            if !(cb.offer_after_wait_seconds.is_finite() && cb.offer_after_wait_seconds >= 0.0) {
                return Err(err(
                    "behaviour.callbacks",
                    0,
                    "offer_after_wait_seconds",
                    "must be ≥ 0".into(),
                ));
            }
            if !(0.0..=1.0).contains(&cb.accept_probability) {
                return Err(err(
                    "behaviour.callbacks",
                    0,
                    "accept_probability",
                    "a probability is 0–1".into(),
                ));
            }
            let o = &cb.dial_outcomes;
            let parts = [o.live, o.machine, o.no_answer, o.wrong_destination];
            if parts.iter().any(|p| !(0.0..=1.0).contains(p))
                || (parts.iter().sum::<f64>() - 1.0).abs() > 1e-9
            {
                return Err(err(
                    "behaviour.callbacks",
                    0,
                    "dial_outcomes",
                    format!(
                        "live, machine, no_answer and wrong_destination must be probabilities adding up to 1 (they add up to {})",
                        parts.iter().sum::<f64>()
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "t"
seed = 1
[stop]
contacts = 10

[[queues]]
id = "sales"
arrivals_per_hour = 100
handle_seconds = { exponential = 300 }
patience_seconds = { exponential = 180 }

[[agents]]
count = 5
queues = ["sales"]

[behaviour]
decline_probability = 0.1
connector_failures = { "Busy" = 0.05 }
"#;

    #[test]
    fn a_good_scenario_parses() {
        let s = Scenario::parse("good.toml", GOOD).unwrap();
        assert_eq!(s.queues[0].handle_seconds, Dist::Exponential(300.0));
        assert_eq!(s.behaviour.connector_failures["Busy"], 0.05);
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let unknown = GOOD.replace("seed = 1", "seed = 1\ncolour = \"red\"");
        let e = Scenario::parse("s.toml", &unknown).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(4), "colour"), "{e}");
        let wrong_type = GOOD.replace("count = 5", "count = \"five\"");
        let e = Scenario::parse("s.toml", &wrong_type).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(14), "count"), "{e}");
        let negative = GOOD.replace("arrivals_per_hour = 100", "arrivals_per_hour = -3");
        let e = Scenario::parse("s.toml", &negative).unwrap_err();
        assert_eq!(
            (e.line, e.key.as_str()),
            (Some(9), "queues[0].arrivals_per_hour"),
            "{e}"
        );
        let over = GOOD.replace("decline_probability = 0.1", "decline_probability = 0.99");
        let e = Scenario::parse("s.toml", &over).unwrap_err();
        assert_eq!(e.key, "behaviour.decline_probability", "{e}");
        assert_eq!(e.line, Some(18), "{e}");
        assert!(e.message.contains("more than 1"), "{e}");
        let reason = GOOD.replace("\"Busy\"", "\"Grumpy\"");
        let e = Scenario::parse("s.toml", &reason).unwrap_err();
        assert_eq!(e.key, "behaviour.connector_failures", "{e}");
        assert!(e.to_string().starts_with("s.toml:"), "{e}");
        let warm_up = GOOD.replace("contacts = 10", "contacts = 10\nwarm_up = \"half an hour\"");
        let e = Scenario::parse("s.toml", &warm_up).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(6), "stop.warm_up"), "{e}");
        let fine = GOOD.replace("contacts = 10", "contacts = 10\nwarm_up = \"30m\"");
        let s = Scenario::parse("s.toml", &fine).unwrap();
        assert_eq!(s.stop.warm_up.as_deref(), Some("30m"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("8h"), Some(28_800_000));
        assert_eq!(parse_duration_ms("1h30m"), Some(5_400_000));
        assert_eq!(parse_duration_ms("250ms"), Some(250));
        assert_eq!(parse_duration_ms("8"), None);
        assert_eq!(parse_duration_ms("xh"), None);
    }
}
