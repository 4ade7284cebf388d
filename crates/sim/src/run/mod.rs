//! The simulator: a discrete-event driver of the real engine on a virtual clock.
//!
//! Customers arrive (Poisson per queue), wait with a patience, may accept a callback offer;
//! agents accept after a delay, decline, miss offers or meet connector failures; handling
//! and wrap-up take sampled times; callbacks are dialed with sampled outcomes. Every
//! decision about routing, refusals, closure codes and callbacks is the engine's own: this
//! module only plays the customers, the agents and the connector. The same scenario and
//! seed give the same result, byte for byte.

mod agenda;
mod outcome;
#[cfg(test)]
mod tests;
mod tracks;

pub use outcome::{AuditFailure, Figures, Outcome, RunError};

use crate::people::{
    DialReply, OfferReply, People, RING_MS, Sampler, dial_cause, picks_up_the_phone,
};
use crate::scenario::{HORIZON_MS, Scenario, parse_duration_ms};
use agenda::{Agenda, Ev};
use std::collections::{BTreeMap, VecDeque};
use switchboard_core::callback::{CallbackSettings, CompletionStatus};
use switchboard_core::closure::{Major, Minor};
use switchboard_core::command::ConnectorEvent;
use switchboard_core::config::{AgentConfig, QueueConfig, Settings, StationConfig};
use switchboard_core::model::{AgentState, AnsweredBy, Channel, ContactState, SelectableState};
use switchboard_core::{
    Command, ConnectorRequest, ContactId, Engine, Event, OfferId, Output, QueueId, Timestamp,
};
use tracks::{AgentNumbers, Tracks};

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

/// Per-queue counters (the queue's people are `Simulation::people.queues`, same order).
#[derive(Default)]
struct QueueRun {
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
    /// The customers, agents and connector the scenario describes.
    people: People,
    service_level_ms: i64,
    /// The caller's number of every simulated contact, shared by them all.
    caller: std::sync::Arc<str>,
    /// What the people will do, and when.
    agenda: Agenda,
    /// Commands sent with `command` (to know whether reacting made new outputs).
    commands: u64,
    now: i64,
    start: i64,
    tracks: Tracks,
    /// Arrivals after the warm-up (`stop.contacts` counts these).
    arrivals: u64,
    arrivals_max: u64,
    arrivals_until: i64,
    /// When the warm-up ends (`start` without one) and how many contacts arrived in it.
    warm_end: i64,
    warm_up_arrivals: u64,
    /// Agent time connected to contacts after `warm_end`.
    busy_ms: i128,
    agents: AgentNumbers,
    refusals: BTreeMap<String, u64>,
    options: Options,
    audits: u64,
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
            queues.push(QueueRun::default());
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
        let people = People::new(&scenario);
        let agenda = Agenda::new(queues.len());
        let mut sim = Simulation {
            engine,
            sampler: Sampler::new(seed),
            service_level_ms: (scenario.service_level_seconds * 1000.0) as i64,
            scenario,
            queues,
            queue_index,
            people,
            agenda,
            commands: 0,
            now: start,
            start,
            caller: "+36000".into(),
            tracks: Tracks::new(),
            arrivals: 0,
            arrivals_max,
            arrivals_until,
            warm_end,
            warm_up_arrivals: 0,
            busy_ms: 0,
            agents: AgentNumbers::new(agent_ids),
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
        self.agenda.push(self.now, at, ev);
    }

    fn schedule_arrival(&mut self, q: usize) {
        let Some(gap) = self.people.arrival_gap_ms(q, &mut self.sampler) else {
            return;
        };
        let at = self.now + gap;
        if at < self.arrivals_until {
            self.agenda.push_arrival(self.now, at, q);
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
            let next = self.agenda.next_due(self.now);
            let next_event = next.at(self.now);
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
            } else if let Some(ev) = self.agenda.take(next) {
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
                let queue = self.people.queues[q].id.clone();
                let channel = self.people.queues[q].channel;
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
                self.tracks.release();
                let t = self.tracks.get_mut(contact);
                t.queue = q as u32;
                t.arrival = now;
                t.inbound = true;
                t.counted = counted;
                if counted {
                    self.queues[q].figures.contacts += 1;
                }
                if let Some(wait) = self.people.patience_ms(q, &mut self.sampler) {
                    self.push(now + wait, Ev::Abandon(contact));
                }
                if let Some(after) = self.people.callback_offer_after_ms(q) {
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
                self.command(Command::Refuse {
                    offer,
                    decline_reason: None,
                });
            }
            Ev::LegFail(offer, reason) => {
                self.command(Command::Connector(ConnectorEvent::LegFailed {
                    offer,
                    reason,
                    cause_code: None,
                }));
            }
            Ev::End(agent, contact) => {
                let agent = self.agents.id(agent);
                self.command(Command::End { agent, contact });
            }
            Ev::Complete(agent, contact) => {
                let agent = self.agents.id(agent);
                self.command(Command::Complete {
                    agent,
                    contact,
                    disposition: None,
                });
            }
            Ev::Abandon(contact) => {
                let t = self.tracks.get(contact);
                if !t.closed && t.connected.is_none() {
                    self.command(Command::Abandon { contact });
                }
            }
            Ev::Answer(contact, live) => {
                let by = if live {
                    AnsweredBy::Live
                } else {
                    AnsweredBy::Machine
                };
                self.command(Command::Connector(ConnectorEvent::Answered { contact, by }));
            }
            Ev::DialOutcome(contact, outcome) => {
                self.command(Command::Connector(ConnectorEvent::DialOutcome {
                    contact,
                    outcome,
                    cause_code: dial_cause(outcome).map(str::to_string),
                }));
            }
            Ev::WrongDestination(agent, contact) => {
                let agent = self.agents.id(agent);
                self.command(Command::SetCompletion {
                    agent,
                    contact,
                    status: CompletionStatus::WrongDestination,
                });
            }
            Ev::Ready(agent) => {
                let agent = self.agents.id(agent);
                self.command(Command::SetState {
                    agent,
                    state: SelectableState::Ready,
                    reason: None,
                });
            }
            Ev::OfferCallback(contact) => {
                let t = self.tracks.get(contact);
                let waiting = !t.closed && t.connected.is_none() && !t.offered;
                if waiting && self.people.takes_callback(&mut self.sampler) {
                    self.command(Command::ChooseCallback {
                        contact,
                        destination: None,
                    });
                }
            }
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
        let t = self.tracks.get_mut(contact);
        t.offered = true;
        if t.first_offer.is_none() {
            t.first_offer = Some(now);
        }
        match self.people.offer_reply(&mut self.sampler) {
            OfferReply::Refuse { after_ms } => self.push(now + after_ms, Ev::Refuse(offer)),
            OfferReply::Miss => {} // the offer times out in the engine
            OfferReply::LegFail { after_ms, failure } => {
                self.push(now + after_ms, Ev::LegFail(offer, failure));
            }
            OfferReply::Accept { after_ms } => {
                let phone = picks_up_the_phone(channel);
                self.push(now + after_ms, Ev::Accept(offer, phone));
            }
        }
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
                let ix = self.agents.ix(agent);
                self.tracks.connect_begin(contact, ix, now);
                let t = self.tracks.get_mut(contact);
                let first = t.connected.is_none();
                t.connected.get_or_insert(now);
                let (q, inbound, arrival) = (t.queue as usize, t.inbound, t.arrival);
                if inbound && first && t.counted {
                    let sl_ms = self.service_level_ms;
                    let run = &mut self.queues[q];
                    run.figures.answered += 1;
                    run.waits_answered_ms += i128::from(now - arrival);
                    if now - arrival <= sl_ms {
                        run.answered_in_sl += 1;
                    }
                }
                match state {
                    ContactState::Handling => {
                        let ms = self.people.handle_ms(q, &mut self.sampler);
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
                let q = self.tracks.get(contact).queue as usize;
                let ms = self.people.answered_ms(q, by, &mut self.sampler);
                let ix = self.agents.ix(agent);
                self.push(now + ms, Ev::End(ix, contact));
            }
            Event::WrapUpStarted {
                contact,
                ref agent,
                detached: false,
                ..
            } => {
                let q = self.tracks.get(contact).queue as usize;
                let ms = self.people.wrap_ms(q, &mut self.sampler);
                let ix = self.agents.ix(agent);
                self.push(now + ms, Ev::Complete(ix, contact));
            }
            Event::WrapUpCompleted {
                contact, ref agent, ..
            }
            | Event::ContactReleased { contact, ref agent } => {
                let ix = self.agents.ix(agent);
                if let Some(at) = self.tracks.connect_end(contact, ix) {
                    self.busy_ms += i128::from((now - at.max(self.warm_end)).max(0));
                }
            }
            Event::AgentStateChanged {
                ref agent,
                state: AgentState::NoAnswer,
                ..
            } => {
                let ix = self.agents.ix(agent);
                self.push(now, Ev::Ready(ix));
            }
            Event::OfferRefused {
                reason, contact, ..
            } => {
                if !self.tracks.get(contact).counted {
                    self.tracks.get_mut(contact).offered = false;
                    return;
                }
                *self
                    .refusals
                    .entry(reason.as_str().to_string())
                    .or_insert(0) += 1;
                let q = self.tracks.get(contact).queue as usize;
                self.queues[q].figures.refusals += 1;
                *self.queues[q]
                    .figures
                    .refusals_by_reason
                    .entry(reason.as_str().to_string())
                    .or_insert(0) += 1;
                self.tracks.get_mut(contact).offered = false;
            }
            Event::OfferRescinded { contact, .. } | Event::ContactQueued { contact, .. } => {
                self.tracks.get_mut(contact).offered = false;
            }
            Event::CallbackCreated {
                contact, ref queue, ..
            } => {
                let q = self.queue_of(queue);
                let counted = now >= self.warm_end;
                let t = self.tracks.get_mut(contact);
                t.queue = q as u32;
                t.arrival = now;
                t.counted = counted;
                if counted {
                    self.queues[q].figures.callbacks_created += 1;
                }
            }
            Event::AttemptEnded { contact, .. } => {
                let t = *self.tracks.get(contact);
                if t.counted {
                    self.queues[t.queue as usize].figures.callback_attempts += 1;
                }
            }
            Event::CallbackCompleted {
                contact, reached, ..
            } => {
                let t = self.tracks.get(contact);
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
                let t = self.tracks.get_mut(contact);
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
        let rung = self.now + RING_MS;
        match self.people.dial_reply(&mut self.sampler) {
            DialReply::Answered(by) => {
                self.push(rung, Ev::Answer(contact, by == AnsweredBy::Live));
            }
            // Nothing: the engine sets No Answer when Duration For No Answer passes.
            DialReply::NoAnswer => {}
            DialReply::Reported(outcome) => self.push(rung, Ev::DialOutcome(contact, outcome)),
            DialReply::WrongDestination => {
                self.push(rung, Ev::Answer(contact, true));
                self.push(rung + 1, Ev::WrongDestination(agent, contact));
            }
        }
    }
}
