//! The simulator: a discrete-event driver of the real engine on a virtual clock.
//!
//! Customers arrive (Poisson per queue), wait with a patience, may accept a callback offer;
//! agents accept after a delay, decline, miss offers or meet connector failures; handling
//! and wrap-up take sampled times; callbacks are dialed with sampled outcomes. Every
//! decision about routing, refusals, closure codes and callbacks is the engine's own: this
//! module only plays the customers, the agents and the connector. The same scenario and
//! seed give the same result, byte for byte.

use crate::scenario::{Dist, Scenario, parse_duration_ms};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp, LogNormal};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use switchboard_core::callback::{CallbackSettings, CompletionStatus};
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

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub name: String,
    pub seed: u64,
    #[serde(flatten)]
    pub overall: Figures,
    pub simulated_seconds: f64,
    pub wall_seconds: f64,
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

#[derive(Debug, Clone)]
enum Ev {
    Arrival(usize),
    Accept(OfferId, bool),
    Refuse(OfferId),
    LegFail(OfferId, DeliveryFailure),
    End(AgentId, ContactId),
    Complete(AgentId, ContactId),
    Abandon(ContactId),
    Answer(ContactId, AnsweredBy),
    WrongDestination(AgentId, ContactId),
    Ready(AgentId),
    OfferCallback(ContactId),
}

/// A scheduled driver event in the heap: ordered by time, then by scheduling order (`seq`),
/// both packed in one integer so each heap comparison is a single compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Due {
    /// `at` (sign bit flipped, so unsigned order is signed order) in the high 64 bits, `seq`
    /// in the low 64.
    key: u128,
    slot: u32,
}

impl Due {
    fn new(at: i64, seq: u64, slot: usize) -> Due {
        let at = (at as u64) ^ (1 << 63);
        Due {
            key: (u128::from(at) << 64) | u128::from(seq),
            slot: u32::try_from(slot).expect("fewer than 2^32 pending driver events"),
        }
    }

    fn at(&self) -> i64 {
        (((self.key >> 64) as u64) ^ (1 << 63)) as i64
    }
}

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
#[derive(Debug, Clone, Default)]
struct Track {
    queue: usize,
    arrival: i64,
    inbound: bool,
    offered: bool,
    first_offer: Option<i64>,
    connected: Option<i64>,
    closed: bool,
    /// The agent connected to this contact and since when (occupancy), if any; a second
    /// agent at the same time (a transfer in wrap-up) goes to `Simulation::connect_at`.
    busy: Option<(AgentId, i64)>,
}

struct Sampler {
    rng: ChaCha8Rng,
}

impl Sampler {
    fn u01(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// A sample in milliseconds.
    fn ms(&mut self, dist: &Dist) -> i64 {
        let seconds = match *dist {
            Dist::Constant(x) => x,
            Dist::Exponential(mean) => Exp::new(1.0 / mean)
                .map(|d| d.sample(&mut self.rng))
                .unwrap_or(mean),
            Dist::Uniform([a, b]) => a + (b - a) * self.u01(),
            Dist::Lognormal { mean, sd } => {
                if sd <= 0.0 {
                    mean
                } else {
                    LogNormal::from_mean_cv(mean, sd / mean)
                        .map(|d| d.sample(&mut self.rng))
                        .unwrap_or(mean)
                }
            }
        };
        (seconds * 1000.0).round().max(0.0) as i64
    }
}

/// Per-queue run state and counters.
struct QueueRun {
    id: QueueId,
    channel: Channel,
    arrival: Option<Exp<f64>>,
    handle: Dist,
    patience: Option<Dist>,
    wrap: Dist,
    takes_callbacks: bool,
    figures: Figures,
    waits_answered_ms: i128,
    answered_in_sl: u64,
    waited: u64,
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
    heap: BinaryHeap<Reverse<Due>>,
    events: Vec<Option<Ev>>,
    free_slots: Vec<usize>,
    seq: u64,
    now: i64,
    start: i64,
    tracks: Vec<Track>,
    arrivals: u64,
    arrivals_max: u64,
    arrivals_until: i64,
    busy_ms: i128,
    connect_at: BTreeMap<(ContactId, AgentId), i64>,
    refusals: BTreeMap<String, u64>,
    options: Options,
    audits: u64,
    steps: u64,
    /// When arrivals stopped (the liveness clock starts then).
    drain_since: Option<i64>,
    /// Engine outputs being reacted to (kept to reuse its buffer).
    outputs: VecDeque<Output>,
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
                    ..d
                });
            }
            engine
                .handle_command(at, Command::ConfigureQueue(config))
                .map_err(|r| format!("queues[{i}]: {r}"))?;
            queue_index.insert(QueueId::new(&q.id), i);
            queues.push(QueueRun {
                id: QueueId::new(&q.id),
                channel: q.channel,
                arrival: (q.arrivals_per_hour > 0.0)
                    .then(|| Exp::new(q.arrivals_per_hour / 3_600_000.0).ok())
                    .flatten(),
                handle: q.handle_seconds,
                patience: q.patience_seconds,
                wrap: q.wrap_up_seconds,
                takes_callbacks: q.callbacks.is_some(),
                figures: Figures::default(),
                waits_answered_ms: 0,
                answered_in_sl: 0,
                waited: 0,
            });
        }
        let mut n = 0u64;
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
                engine
                    .handle_command(
                        at,
                        Command::ConfigureAgent(AgentConfig::new(
                            &id,
                            &format!("Agent {n}"),
                            &queue_names,
                        )),
                    )
                    .map_err(agent_error)?;
                engine
                    .handle_command(
                        at,
                        Command::Login {
                            agent: AgentId::new(&id),
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
        let arrivals_until = scenario
            .stop
            .duration
            .as_deref()
            .and_then(parse_duration_ms)
            .map_or(i64::MAX, |d| start + d as i64);
        let arrivals_max = scenario.stop.contacts.unwrap_or(u64::MAX);
        let mut sim = Simulation {
            engine,
            sampler: Sampler {
                rng: ChaCha8Rng::seed_from_u64(seed),
            },
            scenario,
            queues,
            queue_index,
            agents: n,
            heap: BinaryHeap::new(),
            events: Vec::new(),
            free_slots: Vec::new(),
            seq: 0,
            now: start,
            start,
            tracks: vec![Track::default()],
            arrivals: 0,
            arrivals_max,
            arrivals_until,
            busy_ms: 0,
            connect_at: BTreeMap::new(),
            refusals: BTreeMap::new(),
            options,
            audits: 0,
            steps: 0,
            drain_since: None,
            outputs: VecDeque::new(),
            setup_events,
            journal: None,
        };
        sim.scenario.seed = seed;
        for q in 0..sim.queues.len() {
            sim.schedule_arrival(q);
        }
        Ok(sim)
    }

    fn push(&mut self, at: i64, ev: Ev) {
        self.seq += 1;
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.events[slot] = Some(ev);
                slot
            }
            None => {
                self.events.push(Some(ev));
                self.events.len() - 1
            }
        };
        self.heap.push(Reverse(Due::new(at, self.seq, slot)));
    }

    fn schedule_arrival(&mut self, q: usize) {
        let Some(exp) = self.queues[q].arrival else {
            return;
        };
        let gap = exp.sample(&mut self.sampler.rng).round() as i64;
        let at = self.now + gap.max(0);
        if at < self.arrivals_until {
            self.push(at, Ev::Arrival(q));
        }
    }

    fn command(&mut self, command: Command) -> bool {
        self.engine
            .handle_command(Timestamp(self.now), command)
            .is_ok()
    }

    /// Run to the end: all arrivals generated and every contact closed.
    pub fn run(mut self, mut progress: impl FnMut(u64, u64)) -> Result<Outcome, AuditFailure> {
        let wall = std::time::Instant::now();
        loop {
            let next_event = self.heap.peek().map(|Reverse(due)| due.at());
            let next_timer = self.engine.poll_timeout().map(|t| t.0);
            let timer_first = match (next_event, next_timer) {
                (None, None) => break,
                (Some(e), Some(t)) => t <= e,
                (None, Some(_)) => true,
                (Some(_), None) => false,
            };
            if timer_first {
                let at = next_timer.unwrap_or(self.now);
                if self.heap.is_empty() && self.engine.open_contacts() == 0 {
                    break; // only schedule and shift timers remain
                }
                self.now = self.now.max(at);
                self.engine.handle_timeout(Timestamp(self.now));
            } else if let Some(Reverse(due)) = self.heap.pop() {
                let (at, slot) = (due.at(), due.slot as usize);
                self.now = self.now.max(at);
                if let Some(ev) = self.events[slot].take() {
                    self.free_slots.push(slot);
                    self.handle(ev);
                }
            }
            self.drain();
            self.steps += 1;
            if self.options.audit_every > 0 && self.steps.is_multiple_of(self.options.audit_every) {
                self.audit()?;
            }
            if self.options.progress_every > 0
                && self.steps.is_multiple_of(self.options.progress_every)
            {
                progress(self.arrivals, self.arrivals_max);
            }
            // Liveness: once arrivals have stopped, every contact must close within 400 days.
            let arrivals_over =
                self.arrivals >= self.arrivals_max || self.now >= self.arrivals_until;
            if arrivals_over && self.drain_since.is_none() {
                self.drain_since = Some(self.now);
            }
            if self
                .drain_since
                .is_some_and(|since| self.now - since > 400 * 86_400_000)
            {
                return Err(AuditFailure {
                    message: format!(
                        "liveness: {} contacts still open 400 simulated days after the last arrival",
                        self.engine.open_contacts()
                    ),
                });
            }
        }
        self.audit()?;
        let open = self.engine.open_contacts();
        if open > 0 {
            return Err(AuditFailure {
                message: format!("liveness: {open} contacts never closed"),
            });
        }
        let stats = self.engine.stats().clone();
        if stats.contacts_arrived != stats.contacts_closed {
            return Err(AuditFailure {
                message: format!(
                    "liveness: {} arrived, {} closed",
                    stats.contacts_arrived, stats.contacts_closed
                ),
            });
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
                if self.arrivals >= self.arrivals_max {
                    return;
                }
                self.arrivals += 1;
                self.schedule_arrival(q);
                let queue = self.queues[q].id.clone();
                let channel = self.queues[q].channel;
                let receipt = self.engine.handle_command(
                    Timestamp(self.now),
                    Command::CreateContact {
                        channel,
                        queue,
                        from: "+36000".into(),
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
                self.track_mut(contact).queue = q;
                self.track_mut(contact).arrival = self.now;
                self.track_mut(contact).inbound = true;
                self.queues[q].figures.contacts += 1;
                if let Some(patience) = self.queues[q].patience {
                    let wait = self.sampler.ms(&patience);
                    self.push(self.now + wait, Ev::Abandon(contact));
                }
                if self.queues[q].takes_callbacks
                    && let Some(cb) = &self.scenario.behaviour.callbacks
                {
                    let after = (cb.offer_after_wait_seconds * 1000.0) as i64;
                    self.push(self.now + after, Ev::OfferCallback(contact));
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
                self.command(Command::End { agent, contact });
            }
            Ev::Complete(agent, contact) => {
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
            Ev::WrongDestination(agent, contact) => {
                self.command(Command::SetCompletion {
                    agent,
                    contact,
                    status: CompletionStatus::WrongDestination,
                });
            }
            Ev::Ready(agent) => {
                self.command(Command::SetState {
                    agent,
                    state: SelectableState::Ready,
                    reason: None,
                });
            }
            Ev::OfferCallback(contact) => {
                let t = self.track(contact);
                let waiting = !t.closed && t.connected.is_none() && !t.offered;
                let p = self
                    .scenario
                    .behaviour
                    .callbacks
                    .as_ref()
                    .map_or(0.0, |c| c.accept_probability);
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
    fn connect_begin(&mut self, contact: ContactId, agent: &AgentId, now: i64) {
        let key = (contact, agent.clone());
        if let Some(at) = self.connect_at.get_mut(&key) {
            *at = now;
            return;
        }
        let t = self.track_mut(contact);
        match &mut t.busy {
            Some((a, at)) if a == agent => *at = now,
            Some(_) => {
                self.connect_at.insert(key, now);
            }
            None => t.busy = Some((key.1, now)),
        }
    }

    /// The start of `agent`'s connection to `contact`, forgotten now.
    fn connect_end(&mut self, contact: ContactId, agent: &AgentId) -> Option<i64> {
        let i = contact.0 as usize;
        if let Some(t) = self.tracks.get_mut(i)
            && t.busy.as_ref().is_some_and(|(a, _)| a == agent)
        {
            return t.busy.take().map(|(_, at)| at);
        }
        if self.connect_at.is_empty() {
            return None;
        }
        self.connect_at.remove(&(contact, agent.clone()))
    }

    fn track(&self, contact: ContactId) -> &Track {
        static EMPTY: std::sync::OnceLock<Track> = std::sync::OnceLock::new();
        self.tracks
            .get(contact.0 as usize)
            .unwrap_or_else(|| EMPTY.get_or_init(Track::default))
    }

    fn track_mut(&mut self, contact: ContactId) -> &mut Track {
        let i = contact.0 as usize;
        if self.tracks.len() <= i {
            self.tracks.resize(i + 1, Track::default());
        }
        &mut self.tracks[i]
    }

    fn queue_of(&self, queue: &QueueId) -> usize {
        self.queue_index.get(queue).copied().unwrap_or(0)
    }

    /// React to what the engine did: play the agents and the connector.
    fn drain(&mut self) {
        // Outputs are taken in batches (a buffer swap) and read in place; outputs of commands
        // sent while reacting come in the next batch, so the order is that of `poll_output`.
        let mut batch = std::mem::take(&mut self.outputs);
        loop {
            self.engine.drain_outputs_into(&mut batch);
            if batch.is_empty() {
                break;
            }
            for output in &batch {
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
        }
        self.outputs = batch;
    }

    fn on_offer(&mut self, offer: OfferId, contact: ContactId, channel: Channel) {
        let now = self.now;
        let t = self.track_mut(contact);
        t.offered = true;
        if t.first_offer.is_none() {
            t.first_offer = Some(now);
        }
        let b = &self.scenario.behaviour;
        let delay = self.sampler.ms(&b.accept_seconds.clone());
        let r = self.sampler.u01();
        let b = &self.scenario.behaviour;
        let mut edge = b.decline_probability;
        if r < edge {
            self.push(now + delay, Ev::Refuse(offer));
            return;
        }
        edge += b.no_answer_probability;
        if r < edge {
            return; // the offer times out in the engine
        }
        for (reason, p) in &b.connector_failures {
            edge += p;
            if r < edge {
                let failure = DeliveryFailure::ALL
                    .into_iter()
                    .find(|f| f.reason().as_str() == reason)
                    .unwrap_or(DeliveryFailure::Error);
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
                self.connect_begin(contact, agent, now);
                let t = self.track_mut(contact);
                let first = t.connected.is_none();
                t.connected.get_or_insert(now);
                let (q, inbound, arrival) = (t.queue, t.inbound, t.arrival);
                if inbound && first {
                    let sl_ms = (self.scenario.service_level_seconds * 1000.0) as i64;
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
                        self.push(now + ms, Ev::End(agent.clone(), contact));
                    }
                    ContactState::Dialing => self.dial_outcome(agent.clone(), contact),
                    ContactState::Preview => {
                        self.command(Command::StartDial {
                            agent: agent.clone(),
                            contact,
                        });
                        self.dial_outcome(agent.clone(), contact);
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
                let q = self.track(contact).queue;
                let ms = match by {
                    AnsweredBy::Live => {
                        let handle = self.queues[q].handle;
                        self.sampler.ms(&handle)
                    }
                    AnsweredBy::Machine => 20_000,
                };
                self.push(now + ms, Ev::End(agent.clone(), contact));
            }
            Event::WrapUpStarted {
                contact,
                ref agent,
                detached: false,
                ..
            } => {
                let q = self.track(contact).queue;
                let wrap = self.queues[q].wrap;
                let ms = self.sampler.ms(&wrap);
                self.push(now + ms, Ev::Complete(agent.clone(), contact));
            }
            Event::WrapUpCompleted {
                contact, ref agent, ..
            }
            | Event::ContactReleased { contact, ref agent } => {
                if let Some(at) = self.connect_end(contact, agent) {
                    self.busy_ms += i128::from(now - at);
                }
            }
            Event::AgentStateChanged {
                ref agent,
                state: AgentState::NoAnswer,
                ..
            } => self.push(now, Ev::Ready(agent.clone())),
            Event::OfferRefused {
                reason, contact, ..
            } => {
                *self
                    .refusals
                    .entry(reason.as_str().to_string())
                    .or_insert(0) += 1;
                let q = self.track(contact).queue;
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
                let t = self.track_mut(contact);
                t.queue = q;
                t.arrival = now;
                self.queues[q].figures.callbacks_created += 1;
            }
            Event::AttemptEnded { contact, state, .. } => {
                let _ = state;
                let q = self.track(contact).queue;
                self.queues[q].figures.callback_attempts += 1;
            }
            Event::CallbackCompleted {
                contact, reached, ..
            } => {
                let q = self.track(contact).queue;
                self.queues[q].figures.callbacks_completed += 1;
                if reached {
                    self.queues[q].figures.callbacks_reached += 1;
                }
            }
            Event::ContactClosed { contact, code, .. } => {
                let t = self.track_mut(contact);
                t.closed = true;
                let (q, inbound, waited) = (t.queue, t.inbound, t.first_offer != Some(t.arrival));
                if inbound {
                    let run = &mut self.queues[q];
                    if waited {
                        run.waited += 1;
                    }
                    let abandoned = (code.major == Major::FAILED_NO_ROUTEREQ
                        && code.minor == Minor::ABANDONED)
                        || code.major == Major::FAILED_ABANDONED_AT_AGENT;
                    if abandoned {
                        run.figures.abandoned += 1;
                    } else if t_connected_none(&self.tracks, contact) {
                        run.figures.other_closures += 1;
                    }
                }
            }
            _ => {}
        }
    }

    /// A callback dial: the customer answers live, a machine answers, nobody answers (the
    /// engine's Duration For No Answer ends it) or it is the wrong number.
    fn dial_outcome(&mut self, agent: AgentId, contact: ContactId) {
        let outcomes = self
            .scenario
            .behaviour
            .callbacks
            .as_ref()
            .map(|c| c.dial_outcomes.clone())
            .unwrap_or_default();
        let r = self.sampler.u01();
        let ring = 5_000;
        if r < outcomes.live {
            self.push(self.now + ring, Ev::Answer(contact, AnsweredBy::Live));
        } else if r < outcomes.live + outcomes.machine {
            self.push(self.now + ring, Ev::Answer(contact, AnsweredBy::Machine));
        } else if r < outcomes.live + outcomes.machine + outcomes.no_answer {
            // Nothing: the engine sets No Answer when Duration For No Answer passes.
        } else {
            self.push(self.now + ring, Ev::Answer(contact, AnsweredBy::Live));
            self.push(self.now + ring + 1, Ev::WrongDestination(agent, contact));
        }
    }

    fn outcome(&self, wall_seconds: f64) -> Outcome {
        let simulated_ms = (self.now - self.start).max(1);
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
        overall.occupancy = self.busy_ms as f64 / (self.agents.max(1) as f64 * simulated_ms as f64);
        for f in per_queue.values_mut() {
            f.occupancy = overall.occupancy;
        }
        Outcome {
            name: self.scenario.name.clone(),
            seed: self.scenario.seed,
            overall,
            simulated_seconds: simulated_ms as f64 / 1000.0,
            wall_seconds,
            contacts_per_second: self.arrivals as f64 / wall_seconds.max(1e-9),
            per_queue,
            audits: self.audits,
        }
    }
}

fn t_connected_none(tracks: &[Track], contact: ContactId) -> bool {
    tracks
        .get(contact.0 as usize)
        .is_none_or(|t| t.connected.is_none())
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
