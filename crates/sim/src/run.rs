//! The simulator: a discrete-event driver of the real engine on a virtual clock.
//!
//! Customers arrive (Poisson per queue), wait with a patience, may accept a callback offer;
//! agents accept after a delay, decline, miss offers or meet connector failures; handling
//! and wrap-up take sampled times; callbacks are dialed with sampled outcomes. Every
//! decision about routing, refusals, closure codes and callbacks is the engine's own: this
//! module only plays the customers, the agents and the connector. The same scenario and
//! seed give the same result, byte for byte.

use crate::scenario::{
    DialOutcomes, Dist, HORIZON_MS, SAMPLE_MAX_SECONDS, Scenario, parse_duration_ms,
};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp, LogNormal};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use strum::VariantArray;
use switchboard_core::callback::{CallbackSettings, CompletionStatus, DialOutcome};
use switchboard_core::closure::{Major, Minor};
use switchboard_core::command::ConnectorEvent;
use switchboard_core::config::{AgentConfig, QueueConfig, Settings, StationConfig};
use switchboard_core::model::{
    AgentState, AnsweredBy, Channel, ContactState, DeliveryFailure, SelectableState,
};
use switchboard_core::{
    AgentId, Command, ConnectorRequest, ContactId, Engine, Event, OfferId, Output, QueueId,
    Timestamp,
};

/// Figures of one run (PRODUCT.md §11 `--json`).
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

/// Run options beyond the scenario.
#[derive(Debug, Clone)]
pub struct Options {
    /// Check the engine's invariants every this many steps (0: only at the end).
    pub audit_every: u64,
    /// Called with (arrivals so far, arrivals planned) now and then, for progress bars.
    pub progress_every: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            audit_every: 10_000,
            progress_every: 50_000,
        }
    }
}

/// An agent of the run, by position: agent `a{n}` is number `n - 1`. Scheduled events and
/// tracks name agents this way, so scheduling one clones no `AgentId` (an atomic count).
type AgentIx = u32;

#[derive(Debug, Clone, Copy)]
enum Ev {
    Arrival(u32),
    Accept(OfferId, bool),
    Refuse(OfferId),
    LegFail(OfferId, DeliveryFailure),
    End(AgentIx, ContactId),
    Complete(AgentIx, ContactId),
    Abandon(ContactId),
    Answer(ContactId, AnsweredBy),
    DialOutcome(ContactId, DialOutcome),
    WrongDestination(AgentIx, ContactId),
    Ready(AgentIx),
    OfferCallback(ContactId),
}

/// A scheduled driver event in the heap, held in place: ordered by time, then by scheduling
/// order (`seq`), both packed in one integer so each heap comparison is a single compare.
#[derive(Debug, Clone, Copy)]
struct Due {
    /// `at` (sign bit flipped, so unsigned order is signed order) in the high 64 bits, `seq`
    /// in the low 64.
    key: u128,
    ev: Ev,
}

impl Due {
    fn new(at: i64, seq: u64, ev: Ev) -> Due {
        Due {
            key: due_key(at, seq),
            ev,
        }
    }
}

/// The order of scheduled events: `at` (sign bit flipped, so unsigned order is signed
/// order) in the high 64 bits, `seq` in the low 64.
#[inline]
fn due_key(at: i64, seq: u64) -> u128 {
    (u128::from((at as u64) ^ (1 << 63)) << 64) | u128::from(seq)
}

#[inline]
fn due_at(key: u128) -> i64 {
    (((key >> 64) as u64) ^ (1 << 63)) as i64
}

/// No arrival scheduled (greater than every key).
const NO_ARRIVAL: u128 = u128::MAX;

/// Where the next driver event is.
#[derive(Debug, Clone, Copy)]
enum Next {
    Nothing,
    /// The front of `due_now`.
    Now,
    /// The top of the heap, due then.
    Heap(i64),
    /// This queue's arrival, due then.
    Arrival(i64, usize),
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Due {}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // `seq` is unique, so the key alone orders every pair.
        self.key.cmp(&other.key)
    }
}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// What the driver knows of a contact.
#[derive(Debug, Clone, Copy, Default)]
struct Track {
    queue: u32,
    /// Arrived (or, for a callback, was created) after the warm-up: it counts in the figures.
    counted: bool,
    inbound: bool,
    offered: bool,
    closed: bool,
    arrival: i64,
    first_offer: Option<i64>,
    connected: Option<i64>,
    /// The agent connected to this contact and since when (occupancy), if any; a second
    /// agent at the same time (a transfer in wrap-up) goes to `Simulation::connect_at`.
    busy: Option<(AgentIx, i64)>,
}

impl Track {
    const EMPTY: Track = Track {
        queue: 0,
        counted: false,
        inbound: false,
        offered: false,
        closed: false,
        arrival: 0,
        first_offer: None,
        connected: None,
        busy: None,
    };
}

/// A scenario's `Dist` made ready to sample: what does not depend on the draw (the
/// distribution's parameters, a constant's milliseconds) is computed once, by the same
/// expressions as before, so every sample is the same number from the same draws.
#[derive(Debug, Clone, Copy)]
enum Draw {
    /// No random draw: the milliseconds themselves.
    Fixed(i64),
    Exp(Exp<f64>),
    Uniform {
        a: f64,
        width: f64,
    },
    LogNormal(LogNormal<f64>),
}

/// Seconds to whole milliseconds, as every sample is rounded; clamped to 0 –
/// [`SAMPLE_MAX_SECONDS`] (a NaN is 0).
fn seconds_to_ms(seconds: f64) -> i64 {
    // `as` turns a NaN into 0.
    (seconds * 1000.0)
        .round()
        .clamp(0.0, SAMPLE_MAX_SECONDS * 1000.0) as i64
}

impl Draw {
    fn new(dist: &Dist) -> Draw {
        match *dist {
            Dist::Constant(x) => Draw::Fixed(seconds_to_ms(x)),
            Dist::Exponential(mean) => {
                Exp::new(1.0 / mean).map_or(Draw::Fixed(seconds_to_ms(mean)), Draw::Exp)
            }
            Dist::Uniform([a, b]) => Draw::Uniform { a, width: b - a },
            Dist::Lognormal { mean, sd } => {
                if sd <= 0.0 {
                    Draw::Fixed(seconds_to_ms(mean))
                } else {
                    LogNormal::from_mean_cv(mean, sd / mean)
                        .map_or(Draw::Fixed(seconds_to_ms(mean)), Draw::LogNormal)
                }
            }
        }
    }
}

struct Sampler {
    rng: ChaCha8Rng,
}

impl Sampler {
    fn u01(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// A sample in milliseconds.
    #[inline]
    fn ms(&mut self, draw: &Draw) -> i64 {
        let seconds = match *draw {
            Draw::Fixed(ms) => return ms,
            Draw::Exp(d) => d.sample(&mut self.rng),
            Draw::Uniform { a, width } => a + width * self.u01(),
            Draw::LogNormal(d) => d.sample(&mut self.rng),
        };
        seconds_to_ms(seconds)
    }
}

/// Per-queue run state and counters.
struct QueueRun {
    id: QueueId,
    channel: Channel,
    arrival: Option<Exp<f64>>,
    handle: Draw,
    patience: Option<Draw>,
    wrap: Draw,
    takes_callbacks: bool,
    figures: Figures,
    waits_answered_ms: i128,
    answered_in_sl: u64,
    waited: u64,
}

/// The scenario's behaviour of agents, connector and customers, made ready for the run
/// loop (no map walks or string compares per offer).
struct Play {
    accept: Draw,
    decline_probability: f64,
    no_answer_probability: f64,
    /// `behaviour.connector_failures` in the map's order, the reason looked up once.
    connector_failures: Vec<(f64, DeliveryFailure)>,
    service_level_ms: i64,
    /// `offer_after_wait_seconds` in ms, when customers are offered callbacks.
    callback_offer_after_ms: Option<i64>,
    callback_accept_probability: f64,
    dial_outcomes: DialOutcomes,
}

impl Play {
    fn new(scenario: &Scenario) -> Play {
        let b = &scenario.behaviour;
        Play {
            accept: Draw::new(&b.accept_seconds),
            decline_probability: b.decline_probability,
            no_answer_probability: b.no_answer_probability,
            connector_failures: b
                .connector_failures
                .iter()
                .map(|(reason, p)| {
                    let failure = DeliveryFailure::VARIANTS
                        .iter()
                        .copied()
                        .find(|f| f.reason().as_str() == reason)
                        .unwrap_or(DeliveryFailure::Error);
                    (*p, failure)
                })
                .collect(),
            service_level_ms: (scenario.service_level_seconds * 1000.0) as i64,
            callback_offer_after_ms: b
                .callbacks
                .as_ref()
                .map(|cb| (cb.offer_after_wait_seconds * 1000.0) as i64),
            callback_accept_probability: b.callbacks.as_ref().map_or(0.0, |c| c.accept_probability),
            dial_outcomes: b
                .callbacks
                .as_ref()
                .map(|c| c.dial_outcomes.clone())
                .unwrap_or_default(),
        }
    }
}

/// Receives every engine event of a run, in order.
pub type JournalSink = Box<dyn FnMut(&switchboard_core::event::EventRecord)>;

pub struct Simulation {
    engine: Engine,
    sampler: Sampler,
    scenario: Scenario,
    queues: Vec<QueueRun>,
    queue_index: BTreeMap<QueueId, usize>,
    agents: u64,
    play: Play,
    /// The caller's number of every simulated contact, shared by them all.
    caller: std::sync::Arc<str>,
    /// Driver events due later than `now`, arrivals aside.
    heap: BinaryHeap<Reverse<Due>>,
    /// Each queue's next arrival (at most one is scheduled at a time), by its key in the
    /// heap's order, or `NO_ARRIVAL`: kept out of the heap, which holds the rest.
    arrival_due: Vec<u128>,
    /// Driver events scheduled for `now` itself (an instant accept, no wrap-up), in
    /// scheduling order: they come after every event of the heap due at `now` (scheduled
    /// earlier, before the clock reached `now`), so no heap is needed to order them.
    due_now: VecDeque<Ev>,
    seq: u64,
    /// Commands sent with `command` (to know whether reacting made new outputs).
    commands: u64,
    now: i64,
    start: i64,
    /// The tracks of contacts `tracks_base..`: the oldest leave once closed, so memory
    /// follows the open contacts, not the run's length (a million-contact run kept 64 MB
    /// of tracks, and growing them cost a twentieth of its time in page faults and copies).
    tracks: VecDeque<Track>,
    tracks_base: u64,
    /// What `track_mut` hands out for a contact whose track has left (closed long ago).
    track_gone: Track,
    /// Arrivals after the warm-up (`stop.contacts` counts these).
    arrivals: u64,
    arrivals_max: u64,
    arrivals_until: i64,
    /// When the warm-up ends (`start` without one) and how many contacts arrived in it.
    warm_end: i64,
    warm_up_arrivals: u64,
    /// Agent time connected to contacts after `warm_end`.
    busy_ms: i128,
    connect_at: BTreeMap<(ContactId, AgentIx), i64>,
    /// The engine's own id of each agent (`AgentIx` order): clones share its text, which
    /// the engine finds with one hash probe.
    agent_ids: Vec<AgentId>,
    /// Agents the engine named that are not `a{n}` of this run (none expected).
    agent_other: BTreeMap<AgentId, AgentIx>,
    refusals: BTreeMap<String, u64>,
    options: Options,
    audits: u64,
    /// When arrivals stopped (the liveness clock starts then).
    /// Once arrivals have stopped: the contacts closed so far and when that count last grew.
    drain_since: Option<(u64, i64)>,
    /// Events of the setup (configuration), kept until a journal is attached.
    setup_events: Vec<switchboard_core::event::EventRecord>,
    /// Where every engine event goes, in order (`switchboard sim --data`).
    journal: Option<JournalSink>,
}

const STATION_PREFIX: &str = "st";

impl Simulation {
    /// Sends every engine event of the run, from the configuration on, to `journal` in
    /// order: what the server would append to its journal.
    pub fn journal_to(&mut self, mut journal: JournalSink) {
        for record in self.setup_events.drain(..) {
            journal(&record);
        }
        self.journal = Some(journal);
    }

    /// Set the engine up for `scenario`. `Err`: the engine refused part of it (a queue id or
    /// callback setting the scenario parser could not judge), naming the field.
    pub fn new(
        scenario: Scenario,
        seed: Option<u64>,
        options: Options,
    ) -> Result<Simulation, String> {
        let seed = seed.unwrap_or(scenario.seed);
        let start = scenario
            .start
            .as_ref()
            .and_then(|s| s.parse::<jiff::Zoned>().ok())
            .map_or(0, |z| z.timestamp().as_millisecond());
        let total_agents: u64 = scenario.agents.iter().map(|g| u64::from(g.count)).sum();
        let mut settings = Settings::default();
        settings.limits.agents_max = settings.limits.agents_max.max(total_agents as u32 + 1);
        settings.limits.stations_max = settings.limits.stations_max.max(total_agents as u32 + 1);
        settings.limits.contacts_open_max = u32::MAX / 2;
        settings.limits.contacts_per_queue_max = u32::MAX / 2;
        let mut engine = Engine::new(settings);
        let mut queues = Vec::new();
        let mut queue_index = BTreeMap::new();
        let at = Timestamp(start);
        for (i, q) in scenario.queues.iter().enumerate() {
            let mut config = QueueConfig::new(&q.id, q.channel);
            config.offer_timeout_ms = q.offer_timeout_seconds.map(|s| (s * 1000.0) as u64);
            if let Some(cb) = &q.callbacks {
                let d = CallbackSettings::default();
                config.callbacks = Some(CallbackSettings {
                    attempts_before_failure: cb
                        .attempts_before_failure
                        .unwrap_or(d.attempts_before_failure),
                    recall_intervals_ms: cb
                        .recall_intervals_seconds
                        .as_ref()
                        .map_or(d.recall_intervals_ms.clone(), |v| {
                            v.iter().map(|s| (s * 1000.0) as u64).collect()
                        }),
                    duration_for_no_answer_ms: cb
                        .duration_for_no_answer_seconds
                        .map_or(d.duration_for_no_answer_ms, |s| (s * 1000.0) as u64),
                    time_zone: cb.time_zone.clone().unwrap_or(d.time_zone.clone()),
                    open_hours: cb.open_hours.clone(),
                    holidays: cb.holidays.clone(),
                    end_callback_on: cb
                        .end_callback_on
                        .clone()
                        .unwrap_or(d.end_callback_on.clone()),
                    ..d
                });
            }
            engine
                .handle_command(at, Command::ConfigureQueue(Box::new(config)))
                .map_err(|r| format!("queues[{i}]: {r}"))?;
            queue_index.insert(QueueId::new(&q.id), i);
            queues.push(QueueRun {
                id: QueueId::new(&q.id),
                channel: q.channel,
                arrival: (q.arrivals_per_hour > 0.0)
                    .then(|| Exp::new(q.arrivals_per_hour / 3_600_000.0).ok())
                    .flatten(),
                handle: Draw::new(&q.handle_seconds),
                patience: q.patience_seconds.as_ref().map(Draw::new),
                wrap: Draw::new(&q.wrap_up_seconds),
                takes_callbacks: q.callbacks.is_some(),
                figures: Figures::default(),
                waits_answered_ms: 0,
                answered_in_sl: 0,
                waited: 0,
            });
        }
        let mut n = 0u64;
        let mut agent_ids = Vec::new();
        for group in &scenario.agents {
            let queue_names: Vec<&str> = group.queues.iter().map(String::as_str).collect();
            for _ in 0..group.count {
                n += 1;
                let id = format!("a{n}");
                let station = format!("{STATION_PREFIX}{n}");
                let agent_error = |r: switchboard_core::Rejection| format!("agents[{n}]: {r}");
                engine
                    .handle_command(
                        at,
                        Command::ConfigureStation(StationConfig::new(&station, &format!("+{n}"))),
                    )
                    .map_err(agent_error)?;
                let config = AgentConfig::new(&id, &format!("Agent {n}"), &queue_names);
                let agent = config.id.clone();
                engine
                    .handle_command(at, Command::ConfigureAgent(config))
                    .map_err(agent_error)?;
                agent_ids.push(agent.clone());
                engine
                    .handle_command(
                        at,
                        Command::Login {
                            agent,
                            station: station.as_str().into(),
                            state: None,
                        },
                    )
                    .map_err(agent_error)?;
            }
        }
        let mut setup_events = Vec::new();
        while let Some(output) = engine.poll_output() {
            if let Output::Event(record) = output {
                setup_events.push(record);
            }
        }
        let warm_end = start
            + scenario
                .stop
                .warm_up
                .as_deref()
                .and_then(parse_duration_ms)
                .map_or(0, |w| w as i64);
        let arrivals_until = scenario
            .stop
            .duration
            .as_deref()
            .and_then(parse_duration_ms)
            .map_or(i64::MAX, |d| warm_end + d as i64);
        let arrivals_max = scenario.stop.contacts.unwrap_or(u64::MAX);
        let play = Play::new(&scenario);
        let queues_len = queues.len();
        let mut sim = Simulation {
            engine,
            sampler: Sampler {
                rng: ChaCha8Rng::seed_from_u64(seed),
            },
            scenario,
            queues,
            queue_index,
            agents: n,
            play,
            heap: BinaryHeap::new(),
            arrival_due: vec![NO_ARRIVAL; queues_len],
            due_now: VecDeque::new(),
            seq: 0,
            commands: 0,
            now: start,
            start,
            caller: "+36000".into(),
            tracks: VecDeque::new(),
            tracks_base: 1, // contacts are numbered from 1
            track_gone: Track::default(),
            arrivals: 0,
            arrivals_max,
            arrivals_until,
            warm_end,
            warm_up_arrivals: 0,
            busy_ms: 0,
            connect_at: BTreeMap::new(),
            agent_ids,
            agent_other: BTreeMap::new(),
            refusals: BTreeMap::new(),
            options,
            audits: 0,
            drain_since: None,
            setup_events,
            journal: None,
        };
        sim.scenario.seed = seed;
        for q in 0..sim.queues.len() {
            sim.schedule_arrival(q);
        }
        Ok(sim)
    }

    /// Schedule `ev` at `at` (never before `now`).
    #[inline]
    fn push(&mut self, at: i64, ev: Ev) {
        self.seq += 1;
        if at == self.now {
            self.due_now.push_back(ev);
        } else {
            self.heap.push(Reverse(Due::new(at, self.seq, ev)));
        }
    }

    /// Schedule queue `q`'s next arrival at `at`.
    fn push_arrival(&mut self, at: i64, q: usize) {
        if at == self.now {
            self.push(at, Ev::Arrival(q as u32));
        } else {
            self.seq += 1;
            debug_assert_eq!(self.arrival_due[q], NO_ARRIVAL);
            self.arrival_due[q] = due_key(at, self.seq);
        }
    }

    /// The earliest scheduled arrival: its key and queue (`NO_ARRIVAL` if none).
    #[inline]
    fn first_arrival(&self) -> (u128, usize) {
        let mut first = (NO_ARRIVAL, 0);
        for (q, &key) in self.arrival_due.iter().enumerate() {
            if key < first.0 {
                first = (key, q);
            }
        }
        first
    }

    /// Where the next driver event is, in (time, scheduling order).
    #[inline]
    fn next_due(&self) -> Next {
        let heap = self.heap.peek().map_or(u128::MAX, |Reverse(due)| due.key);
        let (arrival, q) = self.first_arrival();
        let key = heap.min(arrival);
        if !self.due_now.is_empty() && (key == u128::MAX || due_at(key) > self.now) {
            Next::Now
        } else if key == u128::MAX {
            Next::Nothing
        } else if arrival < heap {
            Next::Arrival(due_at(arrival), q)
        } else {
            Next::Heap(due_at(heap))
        }
    }

    /// Take the driver event `next` names (from `next_due`, nothing scheduled since).
    #[inline]
    fn take_due(&mut self, next: Next) -> Option<Ev> {
        match next {
            Next::Nothing => None,
            Next::Now => self.due_now.pop_front(),
            Next::Heap(_) => self.heap.pop().map(|Reverse(due)| due.ev),
            Next::Arrival(_, q) => {
                self.arrival_due[q] = NO_ARRIVAL;
                Some(Ev::Arrival(q as u32))
            }
        }
    }

    fn schedule_arrival(&mut self, q: usize) {
        let Some(exp) = self.queues[q].arrival else {
            return;
        };
        // Clamped so that `now + gap` cannot overflow; a gap that long ends the run at the
        // horizon anyway.
        let gap = exp
            .sample(&mut self.sampler.rng)
            .round()
            .min(HORIZON_MS as f64) as i64;
        let at = self.now + gap.max(0);
        if at < self.arrivals_until {
            self.push_arrival(at, q);
        }
    }

    fn command(&mut self, command: Command) -> bool {
        self.commands += 1;
        self.engine
            .handle_command(Timestamp(self.now), command)
            .is_ok()
    }

    /// Run to the end: all arrivals generated and every contact closed.
    pub fn run(mut self, mut progress: impl FnMut(u64, u64)) -> Result<Outcome, RunError> {
        let wall = std::time::Instant::now();
        let mut batch = VecDeque::new();
        // Steps until the next audit and progress report (0: never).
        let mut audit_in = self.options.audit_every;
        let mut progress_in = self.options.progress_every;
        loop {
            let next = self.next_due();
            let next_event = match next {
                Next::Nothing => None,
                Next::Now => Some(self.now),
                Next::Heap(at) | Next::Arrival(at, _) => Some(at),
            };
            let next_timer = self.engine.poll_timeout().map(|t| t.0);
            let timer_first = match (next_event, next_timer) {
                (None, None) => break,
                (Some(e), Some(t)) => t <= e,
                (None, Some(_)) => true,
                (Some(_), None) => false,
            };
            if timer_first {
                let at = next_timer.unwrap_or(self.now);
                if next_event.is_none() && self.engine.open_contacts() == 0 {
                    break; // only schedule and shift timers remain
                }
                self.now = self.now.max(at);
                self.engine.handle_timeout(Timestamp(self.now));
            } else if let Some(ev) = self.take_due(next) {
                if let Some(at) = next_event {
                    self.now = self.now.max(at);
                }
                self.handle(ev);
            }
            self.drain(&mut batch);
            if audit_in > 0 {
                audit_in -= 1;
                if audit_in == 0 {
                    audit_in = self.options.audit_every;
                    self.audit()?;
                }
            }
            if progress_in > 0 {
                progress_in -= 1;
                if progress_in == 0 {
                    progress_in = self.options.progress_every;
                    progress(self.arrivals, self.arrivals_max);
                }
            }
            if self.now - self.start > HORIZON_MS {
                return Err(RunError::Horizon(format!(
                    "the run reached 10 simulated years with {} contacts still open: the scenario's agents cannot serve its contacts (add agents, patience or fewer contacts)",
                    self.engine.open_contacts()
                )));
            }
            // Liveness: once arrivals have stopped, contacts must keep closing: 400 simulated
            // days without one closing is more than any sampled time (30 days at most) or
            // callback interval can explain.
            if let Some((closed, since)) = self.drain_since {
                let now_closed = self.engine.stats().contacts_closed;
                if now_closed != closed {
                    self.drain_since = Some((now_closed, self.now));
                } else if self.now - since > 400 * 86_400_000 {
                    return Err(AuditFailure {
                        message: format!(
                            "liveness: {} contacts still open and none closed in 400 simulated days",
                            self.engine.open_contacts()
                        ),
                    }
                    .into());
                }
            } else if self.arrivals >= self.arrivals_max || self.now >= self.arrivals_until {
                self.drain_since = Some((self.engine.stats().contacts_closed, self.now));
            }
        }
        self.audit()?;
        let open = self.engine.open_contacts();
        if open > 0 {
            return Err(AuditFailure {
                message: format!("liveness: {open} contacts never closed"),
            }
            .into());
        }
        let stats = self.engine.stats().clone();
        if stats.contacts_arrived != stats.contacts_closed {
            return Err(AuditFailure {
                message: format!(
                    "liveness: {} arrived, {} closed",
                    stats.contacts_arrived, stats.contacts_closed
                ),
            }
            .into());
        }
        Ok(self.outcome(wall.elapsed().as_secs_f64()))
    }

    fn audit(&mut self) -> Result<(), AuditFailure> {
        self.audits += 1;
        self.engine.check_invariants().map_err(|e| AuditFailure {
            message: format!("invariant at {}: {e}", Timestamp(self.now)),
        })
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::Arrival(q) => {
                let q = q as usize;
                let counted = self.now >= self.warm_end;
                if counted {
                    if self.arrivals >= self.arrivals_max {
                        return;
                    }
                    self.arrivals += 1;
                } else {
                    self.warm_up_arrivals += 1;
                }
                self.schedule_arrival(q);
                let queue = self.queues[q].id.clone();
                let channel = self.queues[q].channel;
                let receipt = self.engine.handle_command(
                    Timestamp(self.now),
                    Command::CreateContact {
                        channel,
                        queue,
                        from: self.caller.clone(),
                        priority: 0,
                        attributes: BTreeMap::new(),
                    },
                );
                let Ok(receipt) = receipt else {
                    return;
                };
                let Some(contact) = receipt.contact else {
                    return;
                };
                let now = self.now;
                // Tracks leave here, not at their ContactClosed: every output of the step
                // that closed a contact has been read by now.
                self.release_tracks();
                let t = self.track_mut(contact);
                t.queue = q as u32;
                t.arrival = now;
                t.inbound = true;
                t.counted = counted;
                if counted {
                    self.queues[q].figures.contacts += 1;
                }
                if let Some(patience) = self.queues[q].patience {
                    let wait = self.sampler.ms(&patience);
                    self.push(now + wait, Ev::Abandon(contact));
                }
                if self.queues[q].takes_callbacks
                    && let Some(after) = self.play.callback_offer_after_ms
                {
                    self.push(now + after, Ev::OfferCallback(contact));
                }
            }
            Ev::Accept(offer, link) => {
                // A voice offer: the connector's leg-linked report is the agent's answer.
                let command = if link {
                    Command::Connector(ConnectorEvent::LegLinked { offer })
                } else {
                    Command::Accept { offer }
                };
                self.command(command);
            }
            Ev::Refuse(offer) => {
                self.command(Command::Refuse { offer });
            }
            Ev::LegFail(offer, reason) => {
                self.command(Command::Connector(ConnectorEvent::LegFailed {
                    offer,
                    reason,
                    cause_code: None,
                }));
            }
            Ev::End(agent, contact) => {
                let agent = self.agent_id(agent);
                self.command(Command::End { agent, contact });
            }
            Ev::Complete(agent, contact) => {
                let agent = self.agent_id(agent);
                self.command(Command::Complete {
                    agent,
                    contact,
                    disposition: None,
                });
            }
            Ev::Abandon(contact) => {
                let t = self.track(contact);
                if !t.closed && t.connected.is_none() {
                    self.command(Command::Abandon { contact });
                }
            }
            Ev::Answer(contact, by) => {
                self.command(Command::Connector(ConnectorEvent::Answered { contact, by }));
            }
            Ev::DialOutcome(contact, outcome) => {
                // The cause a SIP connector would send with it (docs/connector.md's table).
                let cause = match outcome {
                    DialOutcome::Busy => Some("486"),
                    DialOutcome::InvalidNumber => Some("404"),
                    DialOutcome::NoAnswer => Some("480"),
                    _ => None,
                };
                self.command(Command::Connector(ConnectorEvent::DialOutcome {
                    contact,
                    outcome,
                    cause_code: cause.map(str::to_string),
                }));
            }
            Ev::WrongDestination(agent, contact) => {
                let agent = self.agent_id(agent);
                self.command(Command::SetCompletion {
                    agent,
                    contact,
                    status: CompletionStatus::WrongDestination,
                });
            }
            Ev::Ready(agent) => {
                let agent = self.agent_id(agent);
                self.command(Command::SetState {
                    agent,
                    state: SelectableState::Ready,
                    reason: None,
                });
            }
            Ev::OfferCallback(contact) => {
                let t = self.track(contact);
                let waiting = !t.closed && t.connected.is_none() && !t.offered;
                let p = self.play.callback_accept_probability;
                if waiting && self.sampler.u01() < p {
                    self.command(Command::ChooseCallback {
                        contact,
                        destination: None,
                    });
                }
            }
        }
    }

    /// `agent` connected to `contact` at `now` (replacing an earlier start of the same pair).
    fn connect_begin(&mut self, contact: ContactId, agent: AgentIx, now: i64) {
        let key = (contact, agent);
        if !self.connect_at.is_empty()
            && let Some(at) = self.connect_at.get_mut(&key)
        {
            *at = now;
            return;
        }
        let t = self.track_mut(contact);
        match &mut t.busy {
            Some((a, at)) if *a == agent => *at = now,
            Some(_) => {
                self.connect_at.insert(key, now);
            }
            None => t.busy = Some((agent, now)),
        }
    }

    /// The start of `agent`'s connection to `contact`, forgotten now.
    fn connect_end(&mut self, contact: ContactId, agent: AgentIx) -> Option<i64> {
        if let Some(i) = self.track_index(contact)
            && let Some(t) = self.tracks.get_mut(i)
            && t.busy.is_some_and(|(a, _)| a == agent)
        {
            return t.busy.take().map(|(_, at)| at);
        }
        if self.connect_at.is_empty() {
            return None;
        }
        self.connect_at.remove(&(contact, agent))
    }

    /// The number of an agent the engine names: `a{n}` is `n - 1` (the ids this run
    /// configured), read from the text without a lookup.
    #[inline]
    fn agent_ix(&mut self, agent: &AgentId) -> AgentIx {
        let text = agent.as_str().as_bytes();
        if let [b'a', first @ b'1'..=b'9', rest @ ..] = text
            && rest.len() < 9
        {
            let mut n = u64::from(first - b'0');
            let mut digits = true;
            for &c in rest {
                digits &= c.is_ascii_digit();
                n = n * 10 + u64::from(c.wrapping_sub(b'0'));
            }
            if digits && n <= self.agents {
                return (n - 1) as AgentIx;
            }
        }
        self.agent_other_ix(agent)
    }

    /// An agent this run did not configure as `a{n}`: numbered after them, on first sight.
    #[cold]
    fn agent_other_ix(&mut self, agent: &AgentId) -> AgentIx {
        if let Some(&ix) = self.agent_other.get(agent) {
            return ix;
        }
        let ix = AgentIx::try_from(self.agent_ids.len()).expect("fewer than 2^32 agents");
        self.agent_ids.push(agent.clone());
        self.agent_other.insert(agent.clone(), ix);
        ix
    }

    /// The engine's id of agent `ix` (a clone sharing its text).
    #[inline]
    fn agent_id(&self, ix: AgentIx) -> AgentId {
        self.agent_ids[ix as usize].clone()
    }

    /// Where `contact`'s track is in `tracks` (if it has not left).
    #[inline]
    fn track_index(&self, contact: ContactId) -> Option<usize> {
        contact.0.checked_sub(self.tracks_base).map(|i| i as usize)
    }

    fn track(&self, contact: ContactId) -> &Track {
        static EMPTY: Track = Track::EMPTY;
        // A track that left belonged to a closed contact.
        static GONE: Track = Track {
            closed: true,
            ..Track::EMPTY
        };
        match self.track_index(contact) {
            None => &GONE,
            Some(i) => self.tracks.get(i).unwrap_or(&EMPTY),
        }
    }

    #[inline]
    fn track_mut(&mut self, contact: ContactId) -> &mut Track {
        let Some(i) = self.track_index(contact) else {
            self.track_gone = Track {
                closed: true,
                ..Track::EMPTY
            };
            return &mut self.track_gone;
        };
        if self.tracks.len() <= i {
            self.tracks.resize(i + 1, Track::default());
        }
        &mut self.tracks[i]
    }

    /// Let the tracks of the oldest contacts go, once they are closed.
    fn release_tracks(&mut self) {
        while self.tracks.front().is_some_and(|t| t.closed) {
            self.tracks.pop_front();
            self.tracks_base += 1;
        }
    }

    fn queue_of(&self, queue: &QueueId) -> usize {
        self.queue_index.get(queue).copied().unwrap_or(0)
    }

    /// React to what the engine did: play the agents and the connector.
    ///
    /// Outputs are taken in batches (a buffer swap with `batch`, empty on entry and on
    /// return, so both buffers are reused) and read in place; outputs of commands sent while
    /// reacting come in the next batch, so the order is that of `poll_output`.
    fn drain(&mut self, batch: &mut VecDeque<Output>) {
        loop {
            self.engine.drain_outputs_into(batch);
            if batch.is_empty() {
                break;
            }
            let commands = self.commands;
            for output in &*batch {
                match output {
                    Output::Connector(ConnectorRequest::Deliver {
                        offer,
                        contact,
                        channel,
                        ..
                    }) => self.on_offer(*offer, *contact, *channel),
                    Output::Connector(_) => {}
                    Output::Event(record) => {
                        if let Some(journal) = &mut self.journal {
                            journal(record);
                        }
                        self.on_event(&record.event)
                    }
                }
            }
            batch.clear();
            if self.commands == commands {
                break; // no command sent while reacting: the engine has no new outputs
            }
        }
    }

    fn on_offer(&mut self, offer: OfferId, contact: ContactId, channel: Channel) {
        let now = self.now;
        let t = self.track_mut(contact);
        t.offered = true;
        if t.first_offer.is_none() {
            t.first_offer = Some(now);
        }
        let delay = self.sampler.ms(&self.play.accept);
        let r = self.sampler.u01();
        let play = &self.play;
        let mut edge = play.decline_probability;
        if r < edge {
            self.push(now + delay, Ev::Refuse(offer));
            return;
        }
        edge += play.no_answer_probability;
        if r < edge {
            return; // the offer times out in the engine
        }
        for &(p, failure) in &play.connector_failures {
            edge += p;
            if r < edge {
                self.push(now + delay, Ev::LegFail(offer, failure));
                return;
            }
        }
        self.push(now + delay, Ev::Accept(offer, channel == Channel::Voice));
    }

    fn on_event(&mut self, event: &Event) {
        let now = self.now;
        match *event {
            Event::ContactConnected {
                contact,
                ref agent,
                state,
                ..
            } => {
                let ix = self.agent_ix(agent);
                self.connect_begin(contact, ix, now);
                let t = self.track_mut(contact);
                let first = t.connected.is_none();
                t.connected.get_or_insert(now);
                let (q, inbound, arrival) = (t.queue as usize, t.inbound, t.arrival);
                if inbound && first && t.counted {
                    let sl_ms = self.play.service_level_ms;
                    let run = &mut self.queues[q];
                    run.figures.answered += 1;
                    run.waits_answered_ms += i128::from(now - arrival);
                    if now - arrival <= sl_ms {
                        run.answered_in_sl += 1;
                    }
                }
                match state {
                    ContactState::Handling => {
                        let handle = self.queues[q].handle;
                        let ms = self.sampler.ms(&handle);
                        self.push(now + ms, Ev::End(ix, contact));
                    }
                    ContactState::Dialing => self.dial_outcome(ix, contact),
                    ContactState::Preview => {
                        self.command(Command::StartDial {
                            agent: agent.clone(),
                            contact,
                        });
                        self.dial_outcome(ix, contact);
                    }
                    _ => {}
                }
            }
            Event::ContactStateChanged {
                contact,
                ref agent,
                state: ContactState::Handling,
                answered_by: Some(by),
            } => {
                let q = self.track(contact).queue as usize;
                let ms = match by {
                    AnsweredBy::Live => {
                        let handle = self.queues[q].handle;
                        self.sampler.ms(&handle)
                    }
                    AnsweredBy::Machine => 20_000,
                };
                let ix = self.agent_ix(agent);
                self.push(now + ms, Ev::End(ix, contact));
            }
            Event::WrapUpStarted {
                contact,
                ref agent,
                detached: false,
                ..
            } => {
                let q = self.track(contact).queue as usize;
                let wrap = self.queues[q].wrap;
                let ms = self.sampler.ms(&wrap);
                let ix = self.agent_ix(agent);
                self.push(now + ms, Ev::Complete(ix, contact));
            }
            Event::WrapUpCompleted {
                contact, ref agent, ..
            }
            | Event::ContactReleased { contact, ref agent } => {
                let ix = self.agent_ix(agent);
                if let Some(at) = self.connect_end(contact, ix) {
                    self.busy_ms += i128::from((now - at.max(self.warm_end)).max(0));
                }
            }
            Event::AgentStateChanged {
                ref agent,
                state: AgentState::NoAnswer,
                ..
            } => {
                let ix = self.agent_ix(agent);
                self.push(now, Ev::Ready(ix));
            }
            Event::OfferRefused {
                reason, contact, ..
            } => {
                if !self.track(contact).counted {
                    self.track_mut(contact).offered = false;
                    return;
                }
                *self
                    .refusals
                    .entry(reason.as_str().to_string())
                    .or_insert(0) += 1;
                let q = self.track(contact).queue as usize;
                self.queues[q].figures.refusals += 1;
                *self.queues[q]
                    .figures
                    .refusals_by_reason
                    .entry(reason.as_str().to_string())
                    .or_insert(0) += 1;
                self.track_mut(contact).offered = false;
            }
            Event::OfferRescinded { contact, .. } | Event::ContactQueued { contact, .. } => {
                self.track_mut(contact).offered = false;
            }
            Event::CallbackCreated {
                contact, ref queue, ..
            } => {
                let q = self.queue_of(queue);
                let counted = now >= self.warm_end;
                let t = self.track_mut(contact);
                t.queue = q as u32;
                t.arrival = now;
                t.counted = counted;
                if counted {
                    self.queues[q].figures.callbacks_created += 1;
                }
            }
            Event::AttemptEnded { contact, .. } => {
                let t = *self.track(contact);
                if t.counted {
                    self.queues[t.queue as usize].figures.callback_attempts += 1;
                }
            }
            Event::CallbackCompleted {
                contact, reached, ..
            } => {
                let t = self.track(contact);
                if !t.counted {
                    return;
                }
                let q = t.queue as usize;
                self.queues[q].figures.callbacks_completed += 1;
                if reached {
                    self.queues[q].figures.callbacks_reached += 1;
                }
            }
            Event::ContactClosed { contact, code, .. } => {
                let t = self.track_mut(contact);
                t.closed = true;
                let (q, inbound, waited, never_connected) = (
                    t.queue as usize,
                    t.inbound,
                    t.first_offer != Some(t.arrival),
                    t.connected.is_none(),
                );
                if inbound && t.counted {
                    let run = &mut self.queues[q];
                    if waited {
                        run.waited += 1;
                    }
                    let abandoned = (code.major == Major::FAILED_NO_ROUTEREQ
                        && code.minor == Minor::ABANDONED)
                        || code.major == Major::FAILED_ABANDONED_AT_AGENT;
                    if abandoned {
                        run.figures.abandoned += 1;
                    } else if never_connected {
                        run.figures.other_closures += 1;
                    }
                }
            }
            _ => {}
        }
    }

    /// A callback dial: the customer answers live, a machine answers, nobody answers (the
    /// engine's Duration For No Answer ends it), the connector reports another outcome
    /// (busy, fax, modem, SIT, invalid number, wrong party) or it is the wrong number.
    fn dial_outcome(&mut self, agent: AgentIx, contact: ContactId) {
        let outcomes = &self.play.dial_outcomes;
        let (live, machine, no_answer) = (outcomes.live, outcomes.machine, outcomes.no_answer);
        let r = self.sampler.u01();
        let ring = 5_000;
        // The reported outcomes share the interval after no_answer, in key order.
        let mut upto = live + machine + no_answer;
        let mut reported = None;
        for (p, outcome) in outcomes.reported() {
            if r >= upto && r < upto + p {
                reported = Some(outcome);
                break;
            }
            upto += p;
        }
        if r < live {
            self.push(self.now + ring, Ev::Answer(contact, AnsweredBy::Live));
        } else if r < live + machine {
            self.push(self.now + ring, Ev::Answer(contact, AnsweredBy::Machine));
        } else if r < live + machine + no_answer {
            // Nothing: the engine sets No Answer when Duration For No Answer passes.
        } else if let Some(outcome) = reported {
            self.push(self.now + ring, Ev::DialOutcome(contact, outcome));
        } else {
            self.push(self.now + ring, Ev::Answer(contact, AnsweredBy::Live));
            self.push(self.now + ring + 1, Ev::WrongDestination(agent, contact));
        }
    }

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

    fn outcome(&self, wall_seconds: f64) -> Outcome {
        let simulated_ms = (self.now - self.start).max(1);
        let measured_ms = (self.now - self.warm_end).max(1);
        let mut per_queue = BTreeMap::new();
        let mut overall = Figures::default();
        let mut waits: i128 = 0;
        let mut in_sl = 0u64;
        let mut waited = 0u64;
        for q in &self.queues {
            let mut f = q.figures.clone();
            finish(&mut f, q.waits_answered_ms, q.answered_in_sl, q.waited);
            per_queue.insert(q.id.to_string(), f);
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
        overall.occupancy = self.busy_ms as f64 / (self.agents.max(1) as f64 * measured_ms as f64);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn simulation(agents: u32) -> Simulation {
        let text = format!(
            "name = \"t\"\n[stop]\ncontacts = 1\n[[queues]]\nid = \"q\"\n\
             arrivals_per_hour = 60\nhandle_seconds = {{ constant = 1 }}\n\
             [[agents]]\ncount = {agents}\nqueues = [\"q\"]\n"
        );
        let scenario = Scenario::parse("t.toml", &text).unwrap();
        Simulation::new(scenario, Some(1), Options::default()).unwrap()
    }

    /// The JSON of a run without the wall-clock fields.
    fn figures(text: &str) -> serde_json::Value {
        let scenario = Scenario::parse("w.toml", text).unwrap();
        let outcome = Simulation::new(scenario, Some(7), Options::default())
            .unwrap()
            .run(|_, _| {})
            .unwrap();
        let mut json = serde_json::to_value(&outcome).unwrap();
        let map = json.as_object_mut().unwrap();
        map.remove("wall_seconds");
        map.remove("contacts_per_second");
        json
    }

    const BUSY: &str = "name = \"w\"\n[stop]\ncontacts = 400\n\
        [[queues]]\nid = \"q\"\narrivals_per_hour = 900\n\
        handle_seconds = { exponential = 20 }\npatience_seconds = { exponential = 60 }\n\
        [[agents]]\ncount = 5\nqueues = [\"q\"]\n";

    #[test]
    fn a_warm_up_is_simulated_but_not_counted() {
        let plain = figures(BUSY);
        // A zero warm-up is no warm-up, to the last digit.
        let zero = figures(&BUSY.replace("contacts = 400", "contacts = 400\nwarm_up = \"0s\""));
        assert_eq!(plain, zero);
        assert!(plain.get("warm_up_contacts").is_none(), "{plain}");

        let warm = figures(&BUSY.replace("contacts = 400", "contacts = 400\nwarm_up = \"1h\""));
        // stop.contacts counts the measured contacts; about 900 arrived in the warm-up hour.
        assert_eq!(warm["contacts"], 400, "{warm}");
        let before = warm["warm_up_contacts"].as_u64().unwrap();
        assert!((750..1050).contains(&before), "{warm}");
        assert_eq!(warm["warm_up_seconds"], 3600.0);
        // Every counted contact is accounted for, once.
        let sum = ["answered", "abandoned", "other_closures"]
            .iter()
            .map(|k| warm[k].as_u64().unwrap())
            .sum::<u64>();
        assert_eq!(sum, 400, "{warm}");
        assert_eq!(warm["per_queue"]["q"]["contacts"], 400);
        // Occupancy is agent time after the warm-up over agent time after it: a share.
        let occupancy = warm["occupancy"].as_f64().unwrap();
        assert!(occupancy > 0.0 && occupancy <= 1.0, "{warm}");
        // The simulated time covers the warm-up too.
        assert!(warm["simulated_seconds"].as_f64().unwrap() > 3600.0);
    }

    #[test]
    fn a_warm_up_moves_the_stop_by_duration_too() {
        let text = BUSY.replace("contacts = 400", "duration = \"30m\"\nwarm_up = \"30m\"");
        let warm = figures(&text);
        let counted = warm["contacts"].as_u64().unwrap();
        let before = warm["warm_up_contacts"].as_u64().unwrap();
        // 900 an hour: about 450 in each half hour.
        assert!((350..550).contains(&counted), "{warm}");
        assert!((350..550).contains(&before), "{warm}");
    }

    #[test]
    fn agents_are_numbered_from_their_ids_and_others_after_them() {
        let mut sim = simulation(12);
        for n in 1..=12u32 {
            let ix = sim.agent_ix(&AgentId::new(&format!("a{n}")));
            assert_eq!(ix, n - 1);
            // The command's id is the one the agent was configured with.
            assert_eq!(sim.agent_id(ix).as_str(), format!("a{n}"));
        }
        // Not a{n} of this run: numbered after the run's agents, once each.
        let others = ["a13", "a0", "a01", "b1", "a", "a1x", "a99999999999"];
        for (i, text) in others.iter().enumerate() {
            let ix = sim.agent_ix(&AgentId::new(text));
            assert_eq!(ix, 12 + i as u32, "{text}");
            assert_eq!(sim.agent_ix(&AgentId::new(text)), ix, "{text}");
            assert_eq!(sim.agent_id(ix).as_str(), *text);
        }
        // The run's own agents still map to themselves.
        assert_eq!(sim.agent_ix(&AgentId::new("a12")), 11);
    }

    /// Unbounded distributions are clamped to 30 days a sample, so no sum on the clock can
    /// overflow; the largest parameters the parser takes still give their mean's order.
    #[test]
    fn samples_are_clamped_to_thirty_days() {
        let max_ms = (SAMPLE_MAX_SECONDS * 1000.0) as i64;
        let mut sampler = Sampler {
            rng: ChaCha8Rng::seed_from_u64(3),
        };
        for dist in [
            Dist::Exponential(crate::scenario::SECONDS_MAX),
            Dist::Lognormal {
                mean: crate::scenario::SECONDS_MAX,
                sd: crate::scenario::SECONDS_MAX,
            },
        ] {
            let draw = Draw::new(&dist);
            let samples: Vec<i64> = (0..20_000).map(|_| sampler.ms(&draw)).collect();
            assert!(samples.iter().all(|&ms| (0..=max_ms).contains(&ms)));
            assert!(samples.contains(&max_ms), "{dist:?}: some are clamped");
        }
        // Out-of-range values never reach a draw, but a clamp holds for them too.
        assert_eq!(seconds_to_ms(1e300), max_ms);
        assert_eq!(seconds_to_ms(f64::INFINITY), max_ms);
        assert_eq!(seconds_to_ms(f64::NAN), 0);
    }

    /// A queue drained for more than 400 simulated days after the last arrival is slow,
    /// not stuck: it keeps closing contacts. It used to fail the liveness audit.
    #[test]
    fn a_long_drain_that_keeps_closing_contacts_is_not_a_liveness_failure() {
        let text = "name = \"d\"\n[stop]\ncontacts = 600\n[[queues]]\nid = \"q\"\n\
                    arrivals_per_hour = 1000000\nhandle_seconds = { constant = 86400 }\n\
                    [[agents]]\ncount = 1\nqueues = [\"q\"]\n";
        let outcome = figures(text);
        assert_eq!(outcome["answered"], 600, "{outcome}");
        assert!(outcome["simulated_seconds"].as_f64().unwrap() > 590.0 * 86_400.0);
    }

    /// A run that would pass 10 simulated years stops with an error that blames the scenario.
    #[test]
    fn a_run_past_the_horizon_is_the_scenarios_fault() {
        let text = "name = \"h\"\n[stop]\ncontacts = 600\n[[queues]]\nid = \"q\"\n\
                    arrivals_per_hour = 1000000\nhandle_seconds = { constant = 604800 }\n\
                    [[agents]]\ncount = 1\nqueues = [\"q\"]\n";
        let scenario = Scenario::parse("h.toml", text).unwrap();
        let error = Simulation::new(scenario, None, Options::default())
            .unwrap()
            .run(|_, _| {})
            .unwrap_err();
        assert!(
            matches!(&error, RunError::Horizon(m) if m.contains("10 simulated years")),
            "{error}"
        );
    }

    #[test]
    fn the_simulated_range_is_shown_in_the_zone_of_start() {
        let text = BUSY.replace(
            "[stop]",
            "start = \"2026-03-29T01:30:00+01:00[Europe/Budapest]\"\n[stop]",
        );
        let outcome = figures(&text);
        assert_eq!(
            outcome["simulated_from"],
            "2026-03-29T01:30:00+01:00[Europe/Budapest]"
        );
        let to: jiff::Zoned = outcome["simulated_to"].as_str().unwrap().parse().unwrap();
        let from: jiff::Zoned = "2026-03-29T01:30:00+01:00[Europe/Budapest]"
            .parse()
            .unwrap();
        let seconds = outcome["simulated_seconds"].as_f64().unwrap();
        assert_eq!(
            to.timestamp().as_millisecond() - from.timestamp().as_millisecond(),
            (seconds * 1000.0).round() as i64
        );
        assert_eq!(to.time_zone().iana_name(), Some("Europe/Budapest"));
        // Without a start: UTC from the Unix epoch.
        let plain = figures(BUSY);
        assert_eq!(plain["simulated_from"], "1970-01-01T00:00:00+00:00[UTC]");
    }

    #[test]
    fn draws_are_the_samples_of_the_distributions() {
        // The prepared draw gives what sampling the distribution directly gives, draw for
        // draw (same generator state, same numbers).
        let dists = [
            Dist::Constant(2.5),
            Dist::Constant(-1.0),
            Dist::Exponential(300.0),
            Dist::Exponential(0.0),
            Dist::Uniform([1.0, 4.0]),
            Dist::Lognormal {
                mean: 240.0,
                sd: 120.0,
            },
            Dist::Lognormal { mean: 5.0, sd: 0.0 },
        ];
        for dist in dists {
            let mut a = ChaCha8Rng::seed_from_u64(7);
            let mut b = Sampler {
                rng: ChaCha8Rng::seed_from_u64(7),
            };
            let draw = Draw::new(&dist);
            for _ in 0..1000 {
                let seconds = match dist {
                    Dist::Constant(x) => x,
                    Dist::Exponential(mean) => Exp::new(1.0 / mean)
                        .map(|d| d.sample(&mut a))
                        .unwrap_or(mean),
                    Dist::Uniform([lo, hi]) => lo + (hi - lo) * a.random::<f64>(),
                    Dist::Lognormal { mean, sd } => {
                        if sd <= 0.0 {
                            mean
                        } else {
                            LogNormal::from_mean_cv(mean, sd / mean)
                                .map(|d| d.sample(&mut a))
                                .unwrap_or(mean)
                        }
                    }
                };
                let expected = (seconds * 1000.0).round().max(0.0) as i64;
                assert_eq!(b.ms(&draw), expected, "{dist:?}");
            }
        }
    }

    #[test]
    fn driver_events_come_in_time_then_scheduling_order() {
        // Events due now (a FIFO), arrivals (beside the heap) and the heap together give
        // the order of one (time, seq) sort, as one heap did.
        let mut sim = simulation(1);
        sim.heap.clear();
        sim.due_now.clear();
        sim.arrival_due.fill(NO_ARRIVAL);
        let mut expected: BTreeMap<(i64, u64), Option<u64>> = BTreeMap::new();
        let mut arrival_pending = false;
        let mut x: u64 = 12345;
        let mut next_id = 0u64;
        let mut popped = 0;
        for _ in 0..20_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = x >> 33;
            let delay = [0, 0, 0, 1, 5, 100][(r % 6) as usize];
            if r % 7 < 4 {
                let at = sim.now + delay;
                if r.is_multiple_of(5) && !arrival_pending {
                    sim.push_arrival(at, 0);
                    arrival_pending = true;
                    expected.insert((at, sim.seq), None);
                } else {
                    next_id += 1;
                    sim.push(at, Ev::Abandon(ContactId(next_id)));
                    expected.insert((at, sim.seq), Some(next_id));
                }
            } else {
                let next = sim.next_due();
                let at = match next {
                    Next::Nothing => {
                        assert!(expected.is_empty());
                        continue;
                    }
                    Next::Now => sim.now,
                    Next::Heap(at) | Next::Arrival(at, _) => at,
                };
                let ((want_at, _), want) = expected.pop_first().unwrap();
                assert_eq!(at, want_at);
                sim.now = sim.now.max(at);
                match (sim.take_due(next), want) {
                    (Some(Ev::Abandon(c)), Some(id)) => assert_eq!(c.0, id),
                    (Some(Ev::Arrival(0)), None) => arrival_pending = false,
                    (got, want) => panic!("got {got:?}, want {want:?}"),
                }
                popped += 1;
            }
        }
        assert!(popped > 5_000);
    }
}
