//! What a run reports: its figures, overall and per queue, and why a run failed.

use super::Simulation;
use serde::Serialize;
use std::collections::BTreeMap;

/// Figures of one run (docs/simulation.md, "Output": `--json`).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Figures {
    pub contacts: u64,
    pub answered: u64,
    pub abandoned: u64,
    pub refusals: u64,
    pub refusals_by_reason: BTreeMap<String, u64>,
    pub p_wait: f64,
    pub asa_seconds: f64,
    pub service_level: f64,
    pub abandon_rate: f64,
    pub occupancy: f64,
    pub callbacks_created: u64,
    pub callbacks_completed: u64,
    pub callbacks_reached: u64,
    pub callback_attempts: u64,
    /// Contacts that ended otherwise (a callback chosen, queue limits, errors).
    pub other_closures: u64,
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

fn is_zero_f64(x: &f64) -> bool {
    *x == 0.0
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub name: String,
    pub seed: u64,
    #[serde(flatten)]
    pub overall: Figures,
    pub simulated_seconds: f64,
    /// The first and the last simulated instant (the scenario's `start`, the last event
    /// handled), in the time zone of `start` (UTC without one), e.g.
    /// `2026-03-02T08:00:00+01:00[Europe/Budapest]`: the dates a report on the run's
    /// `--data` covers.
    pub simulated_from: String,
    pub simulated_to: String,
    /// The warm-up (`stop.warm_up`) and the contacts that arrived in it, which no figure
    /// counts; absent without a warm-up.
    #[serde(skip_serializing_if = "is_zero_f64")]
    pub warm_up_seconds: f64,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub warm_up_contacts: u64,
    pub wall_seconds: f64,
    /// Every simulated arrival (warm-up included) ÷ wall seconds.
    pub contacts_per_second: f64,
    pub per_queue: BTreeMap<String, Figures>,
    /// Engine invariant checks run during the run.
    pub audits: u64,
}

/// Why a run failed its audit.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditFailure {
    pub message: String,
}

impl std::fmt::Display for AuditFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Why a run ended without figures.
#[derive(Debug, Clone, PartialEq)]
pub enum RunError {
    /// The engine broke an invariant or left a contact open: a bug in the engine.
    Audit(AuditFailure),
    /// The virtual clock would pass [`HORIZON_MS`] after `start`: the scenario's fault (its
    /// agents cannot close its contacts within 10 simulated years).
    Horizon(String),
}

impl From<AuditFailure> for RunError {
    fn from(failure: AuditFailure) -> Self {
        RunError::Audit(failure)
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Audit(failure) => write!(f, "audit failed: {failure}"),
            RunError::Horizon(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for RunError {}

impl Simulation {
    /// Milliseconds on the virtual clock as a zoned date-time in the time zone of `start`.
    fn zoned(&self, ms: i64) -> String {
        let zone = self
            .scenario
            .start
            .as_ref()
            .and_then(|s| s.parse::<jiff::Zoned>().ok())
            .map_or(jiff::tz::TimeZone::UTC, |z| z.time_zone().clone());
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.to_zoned(zone).to_string())
            .unwrap_or_default()
    }

    pub(super) fn outcome(&self, wall_seconds: f64) -> Outcome {
        let simulated_ms = (self.now - self.start).max(1);
        let measured_ms = (self.now - self.warm_end).max(1);
        let mut per_queue = BTreeMap::new();
        let mut overall = Figures::default();
        let mut waits: i128 = 0;
        let mut in_sl = 0u64;
        let mut waited = 0u64;
        for (q, people) in self.queues.iter().zip(&self.people.queues) {
            let mut f = q.figures.clone();
            finish(&mut f, q.waits_answered_ms, q.answered_in_sl, q.waited);
            per_queue.insert(people.id.to_string(), f);
            let g = &q.figures;
            overall.contacts += g.contacts;
            overall.answered += g.answered;
            overall.abandoned += g.abandoned;
            overall.refusals += g.refusals;
            overall.other_closures += g.other_closures;
            overall.callbacks_created += g.callbacks_created;
            overall.callbacks_completed += g.callbacks_completed;
            overall.callbacks_reached += g.callbacks_reached;
            overall.callback_attempts += g.callback_attempts;
            waits += q.waits_answered_ms;
            in_sl += q.answered_in_sl;
            waited += q.waited;
        }
        overall.refusals_by_reason = self.refusals.clone();
        finish(&mut overall, waits, in_sl, waited);
        overall.occupancy =
            self.busy_ms as f64 / (self.agents.configured().max(1) as f64 * measured_ms as f64);
        for f in per_queue.values_mut() {
            f.occupancy = overall.occupancy;
        }
        Outcome {
            name: self.scenario.name.clone(),
            seed: self.scenario.seed,
            overall,
            simulated_seconds: simulated_ms as f64 / 1000.0,
            simulated_from: self.zoned(self.start),
            simulated_to: self.zoned(self.now),
            warm_up_seconds: (self.warm_end - self.start) as f64 / 1000.0,
            warm_up_contacts: self.warm_up_arrivals,
            wall_seconds,
            contacts_per_second: (self.arrivals + self.warm_up_arrivals) as f64
                / wall_seconds.max(1e-9),
            per_queue,
            audits: self.audits,
        }
    }
}

fn finish(f: &mut Figures, waits_ms: i128, in_sl: u64, waited: u64) {
    let arrivals = f.contacts.max(1) as f64;
    f.p_wait = waited as f64 / arrivals;
    f.asa_seconds = if f.answered > 0 {
        waits_ms as f64 / 1000.0 / f.answered as f64
    } else {
        0.0
    };
    f.service_level = in_sl as f64 / arrivals;
    f.abandon_rate = f.abandoned as f64 / arrivals;
}
