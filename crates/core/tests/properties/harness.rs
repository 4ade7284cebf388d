//! The harness: drives the engine like the real drivers (due timers in deadline order,
//! then the input, outputs drained), keeps the journal and the reproduction, replays,
//! and runs the cooperative phase of the liveness property.

use proptest::test_runner::TestCaseError;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use switchboard_core::callback::{CallbackEnd, CallbackLocation, CallbackStatus, CompletionStatus};
use switchboard_core::engine::AgentView;
use switchboard_core::model::{AnsweredBy, HangupReason, SelectableState};
use switchboard_core::{
    AgentId, AgentState, Command, ConnectorEvent, ContactId, ContactState, Engine, Event,
    EventRecord, OfferId, Output, QueueId, Receipt, Rejection, Settings, StationId, Timestamp,
};

use crate::{actions::*, oracle::*, targeting::*, world::*};

pub struct Harness {
    pub engine: Engine,
    /// A copy rebuilt from the journal half-way, driven alongside from then on.
    pub shadow: Option<Engine>,
    pub now: i64,
    /// The latest input time so far: the engine's clock.
    pub clock: Timestamp,
    pub journal: Vec<EventRecord>,
    pub trace: Vec<String>,
    pub arrived: BTreeSet<ContactId>,
    pub arrived_events: u64,
    pub closed: BTreeMap<ContactId, u32>,
    pub closed_events: u64,
    pub offers: BTreeSet<OfferId>,
    pub refusals: u64,
    pub refusals_by_reason: BTreeMap<String, u64>,
    /// Wrap-ups of contacts that moved on (transfer): they may end after the contact closed.
    pub detached: BTreeSet<(ContactId, AgentId)>,
    /// The input whose outputs are being drained; `None`: timers.
    pub input: Option<Command>,
    /// Each agent's shown state and reason per its AgentStateChanged events.
    pub shown: BTreeMap<AgentId, (AgentState, Option<String>)>,
    /// Refusing agents kept from a contact (per OfferRefused) until ExclusionEnded,
    /// a connect or the close.
    pub excluded: BTreeMap<(ContactId, AgentId), Timestamp>,
    /// Every callback created, per the events.
    pub callbacks: BTreeMap<ContactId, CallbackLog>,
    /// Callbacks completed by the input being drained, awaiting their ContactClosed.
    pub completing: BTreeMap<ContactId, CallbackEnd>,
    /// A counted attempt just ended: the callback must now be recalled at this time
    /// (docs/callbacks.md, Attempts: Recall Intervals), or complete (`None`: as Failed, the
    /// limit is reached).
    pub after_counted: Option<(ContactId, Option<Timestamp>)>,
    /// A Callback Requested attempt just ended: the callback must now be Pending until the
    /// requested time, reserved for the requested agent (if any) until the fallback.
    pub after_requested: Option<(ContactId, Timestamp, Option<AgentId>)>,
    /// Contacts an agent scheduled a callback from.
    pub scheduled_from: BTreeSet<ContactId>,
    /// Queues that take callbacks, per their QueueConfigured events.
    pub callback_queues: BTreeMap<QueueId, QueueLog>,
    /// Queues whose callbacks left Active during the input being drained.
    pub left_active: BTreeSet<QueueId>,
    /// Each contact's entrance per its latest ContactQueued or CallbackCreated.
    pub entrances: BTreeMap<ContactId, Timestamp>,
}

impl Harness {
    pub fn new(world: &World) -> Result<Self, String> {
        let mut h = Harness {
            engine: Engine::new(Settings::default()),
            shadow: None,
            now: 0,
            clock: Timestamp::ZERO,
            journal: Vec::new(),
            trace: Vec::new(),
            arrived: BTreeSet::new(),
            arrived_events: 0,
            closed: BTreeMap::new(),
            closed_events: 0,
            offers: BTreeSet::new(),
            refusals: 0,
            refusals_by_reason: BTreeMap::new(),
            detached: BTreeSet::new(),
            input: None,
            shown: BTreeMap::new(),
            excluded: BTreeMap::new(),
            callbacks: BTreeMap::new(),
            completing: BTreeMap::new(),
            after_counted: None,
            after_requested: None,
            scheduled_from: BTreeSet::new(),
            callback_queues: BTreeMap::new(),
            left_active: BTreeSet::new(),
            entrances: BTreeMap::new(),
        };
        h.now = world.start;
        for command in world.configuration() {
            if let Err(r) = h.command(command)? {
                return Err(format!("world setup rejected: {r}"));
            }
        }
        Ok(h)
    }

    /// Fail with the message and the reproduction so far.
    pub fn failure(&self, message: &str) -> TestCaseError {
        let mut text =
            format!("{message}\n--- reproduction (time in ms; inputs, results, events) ---\n");
        for line in &self.trace {
            text.push_str(line);
            text.push('\n');
        }
        TestCaseError::fail(text)
    }

    /// Move the clock to `t`, firing due timers in deadline order, each at its own time.
    pub fn advance(&mut self, t: i64) -> Check {
        let until = Timestamp(t);
        // Firings at one deadline: each must end its timer, so the next deadline is later.
        let mut fired = (Timestamp::ZERO, 0);
        while let Some(d) = self.engine.poll_timeout()
            && d <= until
        {
            fired = if fired.0 == d {
                (d, fired.1 + 1)
            } else {
                (d, 1)
            };
            if fired.1 > 100 {
                return Err(format!(
                    "timers keep coming due at {d}: handle_timeout loops"
                ));
            }
            if let Some(shadow) = &self.shadow
                && shadow.poll_timeout() != Some(d)
            {
                return Err(format!(
                    "replayed copy's next timeout {:?} != live {d}",
                    shadow.poll_timeout()
                ));
            }
            self.trace.push(format!("{:>9} (timers due)", d.millis()));
            self.input = None;
            if let Err(p) = catch_unwind(AssertUnwindSafe(|| self.engine.handle_timeout(d))) {
                return Err(format!(
                    "engine panicked in handle_timeout({d}): {}",
                    panic_message(&*p)
                ));
            }
            if let Some(shadow) = &mut self.shadow {
                shadow.handle_timeout(d);
            }
            // Every timer stands for live state and firing it emits the events that end it:
            // one that fires silently stays in a replayed engine.
            if self.engine.pending_outputs() == 0 {
                return Err(format!(
                    "the timer due at {d} fired and emitted nothing: it was stale"
                ));
            }
            self.drain(d)?;
            self.check()?;
        }
        self.now = t;
        Ok(())
    }

    /// A driver tick with nothing due: "calling handle_timeout early is harmless".
    pub fn tick(&mut self) -> Check {
        let at = Timestamp(self.now);
        self.input = None;
        self.engine.handle_timeout(at);
        if let Some(shadow) = &mut self.shadow {
            shadow.handle_timeout(at);
        }
        if self.engine.pending_outputs() != 0 {
            return Err(format!(
                "handle_timeout({at}) with nothing due emitted {} output(s)",
                self.engine.pending_outputs()
            ));
        }
        self.drain(at)?;
        self.check()
    }

    /// Run one command at the current time; `Err` is a failed check, `Ok(Err)` a rejection.
    pub fn command(&mut self, command: Command) -> Result<Result<Receipt, Rejection>, String> {
        // Like the real driver, fire what is due first (the engine would fire it itself at the
        // start of the command, and then a rejection would follow the timers' output).
        self.advance(self.now)?;
        let at = Timestamp(self.now);
        let pending_before = self.engine.pending_outputs();
        let dump_before = self.engine.dump();
        let line = format!("{:>9} {command:?}", self.now);
        // Commands come in as JSON (HTTP API, scenario files): they must read back the same.
        let json = serde_json::to_string(&command).map_err(|e| e.to_string())?;
        let back: Result<Command, _> = serde_json::from_str(&json);
        if back.as_ref().ok() != Some(&command) {
            return Err(format!("command does not survive JSON: {json} -> {back:?}"));
        }
        self.input = Some(command.clone());
        let result = match catch_unwind(AssertUnwindSafe(|| {
            self.engine.handle_command(at, command.clone())
        })) {
            Ok(result) => result,
            Err(p) => {
                self.trace.push(format!("{line} -> PANIC"));
                return Err(format!(
                    "engine panicked in handle_command: {}",
                    panic_message(&*p)
                ));
            }
        };
        match &result {
            Ok(_) => self.trace.push(format!("{line} -> ok")),
            Err(r) => self
                .trace
                .push(format!("{line} -> rejected {}: {r}", r.code())),
        }
        if let Some(shadow) = &mut self.shadow {
            let shadow_result = shadow.handle_command(at, command.clone());
            if shadow_result != result {
                return Err(format!(
                    "replayed copy answered {shadow_result:?}, live {result:?}"
                ));
            }
        }
        if let Err(r) = &result {
            if self.engine.pending_outputs() != pending_before {
                return Err(format!(
                    "rejected command ({}) emitted {} output(s)",
                    r.code(),
                    self.engine.pending_outputs() - pending_before
                ));
            }
            if without_clock(&self.engine.dump()) != without_clock(&dump_before) {
                return Err(format!("rejected command ({}) changed the state", r.code()));
            }
        }
        let arrivals = self.drain(at)?;
        if let Ok(receipt) = &result {
            let creates = matches!(
                command,
                Command::CreateContact { .. }
                    | Command::Dial { .. }
                    | Command::CreateCallback { .. }
                    | Command::ChooseCallback { .. }
                    | Command::ScheduleCallback { .. }
                    | Command::Unpark { .. }
            );
            // Issue 13: a customer's drop may be rescheduled as a callback, which it names.
            let drops = matches!(
                command,
                Command::Abandon { .. }
                    | Command::Connector(ConnectorEvent::Hangup {
                        reason: HangupReason::Ended,
                        ..
                    })
            );
            match receipt.contact {
                Some(c) if (creates || drops) && arrivals.first() == Some(&c) => {}
                None if !creates && arrivals.is_empty() => {}
                other => {
                    return Err(format!(
                        "receipt names {other:?} but the command's arrivals are {arrivals:?}"
                    ));
                }
            }
        }
        self.check()?;
        Ok(result)
    }

    /// Drain outputs of an input at `at`, checking each; returns the contacts that arrived.
    pub fn drain(&mut self, at: Timestamp) -> Result<Vec<ContactId>, String> {
        // Time never goes back: an input dated earlier (an overdue timer) happens now.
        self.clock = self.clock.max(at);
        if self.engine.now() != self.clock {
            return Err(format!(
                "engine clock {} after an input at {at}, expected {}",
                self.engine.now(),
                self.clock
            ));
        }
        let mut outputs = Vec::new();
        while let Some(output) = self.engine.poll_output() {
            outputs.push(output);
        }
        if let Some(shadow) = &mut self.shadow {
            let mut shadow_outputs = Vec::new();
            while let Some(output) = shadow.poll_output() {
                shadow_outputs.push(output);
            }
            if shadow_outputs != outputs {
                return Err(format!(
                    "replayed copy emitted\n{shadow_outputs:#?}\nlive engine emitted\n{outputs:#?}"
                ));
            }
        }
        let mut arrivals = Vec::new();
        for output in outputs {
            match output {
                Output::Event(record) => {
                    self.trace.push(format!("{:>9}   {}", "", record.event));
                    if record.at != self.clock {
                        return Err(format!(
                            "event at {} from an input at {at} (clock {}): {}",
                            record.at, self.clock, record.event
                        ));
                    }
                    if let Event::ContactArrived { contact, .. } = &record.event {
                        arrivals.push(*contact);
                    }
                    // The journal is stored as JSON: every record must read back the same.
                    let json = serde_json::to_string(&record).map_err(|e| e.to_string())?;
                    let back: Result<EventRecord, _> = serde_json::from_str(&json);
                    if back.as_ref().ok() != Some(&record) {
                        return Err(format!("event does not survive JSON: {json} -> {back:?}"));
                    }
                    self.observe(&record.event)?;
                    self.journal.push(record);
                }
                Output::Connector(request) => {
                    self.trace.push(format!("{:>9}   {request}", ""));
                    self.observe_request(&request)?;
                }
            }
        }
        self.left_active.clear();
        if let Some((contact, end)) = self.completing.pop_first() {
            return Err(format!(
                "callback {contact} completed {} without its ContactClosed",
                end.as_str()
            ));
        }
        if let Some((contact, due, _)) = self.after_requested.take() {
            return Err(format!(
                "callback {contact}: Callback Requested for {due}, but it was not rescheduled"
            ));
        }
        if let Some((contact, due)) = self.after_counted.take() {
            return Err(format!(
                "callback {contact}: a counted attempt ended, but it was neither recalled ({due:?}) nor completed"
            ));
        }
        Ok(arrivals)
    }

    /// Replay the journal into a fresh engine; it must match the live one.
    pub fn replayed(&self) -> Result<Engine, String> {
        let mut replayed = Engine::new(Settings::default());
        catch_unwind(AssertUnwindSafe(|| replayed.replay(&self.journal)))
            .map_err(|p| format!("replay panicked: {}", panic_message(&*p)))?;
        replayed
            .check_invariants()
            .map_err(|v| format!("replayed engine breaks an invariant: {v}"))?;
        if replayed.pending_outputs() != 0 {
            return Err("replay emitted output".into());
        }
        // The journal carries the clock only through event times: an input that emitted
        // nothing moved the live clock alone. A restarted driver feeds the time it is now.
        if without_clock(&replayed.dump()) != without_clock(&self.engine.dump()) {
            return Err(format!(
                "replay diverged:\n--- replayed ---\n{}--- live ---\n{}",
                replayed.dump(),
                self.engine.dump()
            ));
        }
        replayed.handle_timeout(self.engine.now());
        if replayed.pending_outputs() != 0 {
            return Err("the replayed engine had due timers the live one had fired".into());
        }
        let same = replayed.dump() == self.engine.dump()
            && replayed.agent_views().eq(self.engine.agent_views())
            && replayed.contact_views().eq(self.engine.contact_views())
            && replayed.queue_views().eq(self.engine.queue_views())
            && replayed.stats() == self.engine.stats()
            && replayed.callback_views(None, None) == self.engine.callback_views(None, None)
            && self
                .engine
                .queue_views()
                .all(|q| replayed.callback_monitor(&q.id) == self.engine.callback_monitor(&q.id))
            && replayed.poll_timeout() == self.engine.poll_timeout()
            && self
                .arrived
                .iter()
                .all(|c| replayed.exclusions(*c) == self.engine.exclusions(*c));
        if !same {
            return Err(format!(
                "replay diverged (views, stats, exclusions or timers):\n--- replayed ---\n{}--- live ---\n{}",
                replayed.dump(),
                self.engine.dump()
            ));
        }
        Ok(replayed)
    }

    /// Run the random steps; at step `shadow_at` (if any) start the replayed copy.
    pub fn run(&mut self, steps: &[Step], shadow_at: Option<usize>) -> Check {
        for (i, step) in steps.iter().enumerate() {
            if shadow_at == Some(i) {
                self.advance(self.now)?;
                // The copy is the replayed engine passed through a snapshot (serialized and
                // read back), so both restart paths must match and keep matching.
                self.shadow = Some(through_snapshot(self.replayed()?)?);
                self.trace.push(format!(
                    "{:>9} (journal replayed into a copy, snapshotted and restored)",
                    self.now
                ));
            }
            self.advance(self.now + step.dt_ms as i64)?;
            if let Action::Advance = step.action {
                self.tick()?;
            }
            if let Action::Work { k, choice } = step.action {
                match work(&self.engine, k, choice) {
                    Some(command) => {
                        let _ = self.command(command)?;
                    }
                    None => self.tick()?,
                }
            }
            if let Action::Run(command, live) = &step.action {
                let mut command = command.clone();
                rebase(&mut command, Timestamp(self.now));
                if let Some(live) = live {
                    retarget(&mut command, *live, &self.engine);
                }
                let _ = self.command(command)?; // rejections are expected
            }
        }
        // Fire what is due now, so the live engine holds no overdue timer.
        self.advance(self.now)?;
        Ok(())
    }

    /// Every agent logs in, goes Ready and does what it can with its offers and contacts
    /// (accepts, links, dials, has dials answered live, sets callbacks Handled, ends and
    /// completes), stopped callbacks start again, and time passes — jumping to the next
    /// timer while nothing else can happen, for up to a week. Every contact must close, but
    /// for those no agent can take and callbacks waiting for time (see [`Harness::left_open`]).
    pub fn cooperate(&mut self, world: &World) -> Check {
        self.trace.push("--- cooperative phase ---".into());
        let mut restore = world.configuration();
        restore.extend(world.queues.iter().map(|q| Command::SetQueueEmergency {
            queue: q.id.clone(),
            emergency: None,
        }));
        let horizon = self.now + 7 * 24 * HOUR_MS;
        for _round in 0..3_000 {
            // Put the configuration back (after admin steps); an agent with work or a queue
            // whose channel changed while contacts wait refuses: try again next round.
            let mut left = Vec::new();
            for command in restore {
                if self.command(command.clone())?.is_err() {
                    left.push(command);
                }
            }
            restore = left;
            let stopped: Vec<QueueId> = self
                .engine
                .queue_views()
                .filter(|q| {
                    self.engine
                        .callback_monitor(&q.id)
                        .is_some_and(|m| m.status == CallbackStatus::Stopped)
                })
                .map(|q| q.id)
                .collect();
            for queue in stopped {
                if let Err(r) = self.command(Command::StartCallbacks { queue })? {
                    return Err(format!("cooperative start_callbacks rejected: {r}"));
                }
            }
            self.everyone_ready()?;
            for _ in 0..1_000 {
                // Timers due now first, so the next action is chosen on the state it meets.
                self.advance(self.now)?;
                let Some(command) = self.next_cooperative_action() else {
                    break;
                };
                match self.command(command.clone())? {
                    Ok(_) => {}
                    Err(Rejection::DispositionRequired(queue)) => {
                        let code = self
                            .engine
                            .queue_configs()
                            .find(|q| q.id == queue)
                            .and_then(|q| q.dispositions.first())
                            .map(|d| d.code.clone());
                        let Command::Complete { agent, contact, .. } = command else {
                            return Err("disposition required by a non-complete".into());
                        };
                        if let Err(r) = self.command(Command::Complete {
                            agent,
                            contact,
                            disposition: code,
                        })? {
                            return Err(format!("cooperative complete rejected: {r}"));
                        }
                    }
                    // Capacity settings changed while the offer rang: it no longer fits, so
                    // the agent refuses it (the accept was rightly rejected).
                    Err(Rejection::CapacityExceeded { .. }) => {
                        let Command::Accept { offer } = command else {
                            return Err("capacity_exceeded for a non-accept".into());
                        };
                        if let Err(r) = self.command(Command::Refuse {
                            offer,
                            decline_reason: None,
                        })? {
                            return Err(format!("cooperative refuse rejected: {r}"));
                        }
                    }
                    Err(r) => {
                        return Err(format!(
                            "cooperative command {command:?} rejected: {r}\n{}",
                            self.explain()
                        ));
                    }
                }
            }
            let idle = self
                .engine
                .agent_views()
                .all(|a| a.offer.is_none() && a.contacts.is_empty());
            let mut next = self.now + 5_000;
            if idle {
                let left = self.left_open();
                let unservable = |why: &Option<LeftOpen>| *why == Some(LeftOpen::Unservable);
                if restore.is_empty() && left.iter().all(|(_, why)| unservable(why)) {
                    return Ok(());
                }
                // Nothing to do until a timer fires (a configuration may wait for callbacks
                // to complete): jump to it, within the horizon.
                match self.engine.poll_timeout() {
                    Some(t) if t.millis() <= horizon => next = next.max(t.millis()),
                    // The configuration is put back next round, now that agents are idle.
                    _ if !restore.is_empty() => {}
                    _ => {
                        if restore.is_empty() && left.iter().all(|(_, why)| why.is_some()) {
                            return Ok(());
                        }
                        return Err(format!(
                            "cooperative agents left contacts open, nothing more is due within a week (restore left: {restore:?}):\n{}",
                            self.explain()
                        ));
                    }
                }
            }
            self.advance(next)?;
        }
        Err(format!(
            "cooperative agents still busy after 3,000 rounds (restore left: {restore:?}):\n{}",
            self.explain()
        ))
    }

    /// The open contacts, each with why it may stay open after the cooperative phase
    /// (`None`: it may not).
    pub fn left_open(&self) -> Vec<(ContactId, Option<LeftOpen>)> {
        let e = &self.engine;
        let served = |queue: &QueueId| {
            e.agent_configs()
                .any(|a| a.queues.iter().any(|s| &s.queue == queue))
        };
        e.contact_views()
            .map(|c| {
                let why = match e.callback_view(c.id) {
                    // Waiting in a queue nobody serves (a queue an admin step added).
                    None if c.state == ContactState::Queued && !served(&c.queue) => {
                        Some(LeftOpen::Unservable)
                    }
                    None => None,
                    Some(v) if v.location.to_be_processed() && !served(&v.queue) => {
                        Some(LeftOpen::Unservable)
                    }
                    Some(v) => match e.callback_monitor(&v.queue).map(|m| m.status) {
                        Some(CallbackStatus::OffScheduleHrs) => Some(LeftOpen::OffSchedule),
                        Some(CallbackStatus::Stopped) => Some(LeftOpen::Stopped),
                        _ if v.location == CallbackLocation::Pending && v.due > e.now() => {
                            Some(LeftOpen::PendingUntil(v.due))
                        }
                        _ => None,
                    },
                };
                (c.id, why)
            })
            .collect()
    }

    pub fn everyone_ready(&mut self) -> Check {
        let agents: Vec<AgentView> = self.engine.agent_views().collect();
        for a in agents {
            let command = if a.station.is_none() {
                let used: BTreeSet<StationId> = self
                    .engine
                    .agent_views()
                    .filter_map(|v| v.station)
                    .collect();
                let Some(station) = self
                    .engine
                    .station_configs()
                    .map(|s| s.id.clone())
                    .find(|s| !used.contains(s))
                else {
                    return Err(format!("no free station for {}", a.id));
                };
                Command::Login {
                    agent: a.id.clone(),
                    station,
                    state: Some(SelectableState::Ready),
                }
            } else if matches!(
                a.state,
                AgentState::Ready | AgentState::Busy | AgentState::Offered
            ) {
                continue;
            } else {
                Command::SetState {
                    agent: a.id.clone(),
                    state: SelectableState::Ready,
                    reason: None,
                }
            };
            if let Err(r) = self.command(command.clone())? {
                return Err(format!("cooperative {command:?} rejected: {r}"));
            }
        }
        Ok(())
    }

    /// The next thing a cooperative agent or connector does, if any.
    pub fn next_cooperative_action(&self) -> Option<Command> {
        let e = &self.engine;
        if let Some(o) = live_offers(e).first() {
            return Some(if o.accepted {
                Command::Connector(ConnectorEvent::LegLinked { offer: o.id })
            } else {
                Command::Accept { offer: o.id }
            });
        }
        e.agent_views().find_map(|a| {
            a.contacts.first().map(|&(contact, state)| {
                let agent = a.id.clone();
                // A callback attempt in conversation: Handled, unless already so.
                let unhandled = self.callbacks.get(&contact).is_some_and(|log| {
                    log.end.is_none() && log.status != Some(CompletionStatus::Handled)
                });
                let dial = Command::StartDial {
                    agent: agent.clone(),
                    contact,
                };
                match state {
                    ContactState::Preview => dial,
                    ContactState::Dialing => Command::Connector(ConnectorEvent::Answered {
                        contact,
                        by: AnsweredBy::Live,
                    }),
                    ContactState::WrapUp => Command::Complete {
                        agent,
                        contact,
                        disposition: None,
                    },
                    _ if unhandled => Command::SetCompletion {
                        agent,
                        contact,
                        status: CompletionStatus::Handled,
                    },
                    _ => Command::End { agent, contact },
                }
            })
        })
    }

    /// What is left open and why, for a liveness failure.
    pub fn explain(&self) -> String {
        let e = &self.engine;
        let mut text = String::new();
        for (c, why) in self.left_open() {
            let why = match why {
                None => "may NOT stay open".to_string(),
                Some(LeftOpen::Unservable) => "allowed: no agent serves its queue".to_string(),
                Some(LeftOpen::OffSchedule) => {
                    "allowed: its queue's callbacks are Off Schedule HRS".to_string()
                }
                Some(LeftOpen::Stopped) => "allowed: its queue's callbacks are Stopped".to_string(),
                Some(LeftOpen::PendingUntil(due)) => {
                    format!("allowed: Pending until {due}, after the end ({})", e.now())
                }
            };
            text.push_str(&format!("left open {c}: {why}\n"));
        }
        for v in e.callback_views(None, None) {
            text.push_str(&format!(
                "callback {} in {} {} due {} attempts {} reserved {:?} agent {:?} expires {:?}\n",
                v.id,
                v.queue,
                v.location.as_str(),
                v.due,
                v.attempts,
                v.reserved_for,
                v.agent,
                v.expires
            ));
        }
        for c in e.contact_views() {
            text.push_str(&format!(
                "open {} {} {:?} in {} {} offers {:?} agent {:?} offers made {} excluded {:?}\n",
                c.id,
                c.channel,
                c.direction,
                c.queue,
                c.state,
                c.offers,
                c.agent,
                c.offers_made,
                e.exclusions(c.id)
            ));
        }
        text.push_str(&e.dump());
        text
    }
}

/// Why an open contact may outlast the cooperative phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftOpen {
    /// No agent serves its queue.
    Unservable,
    /// A callback whose queue's callbacks are off schedule.
    OffSchedule,
    /// A callback whose queue's callbacks are stopped.
    Stopped,
    /// A callback Pending until after the end.
    PendingUntil(Timestamp),
}

/// An engine serialized as a snapshot (JSON) and read back: it must dump the same.
pub fn through_snapshot(engine: Engine) -> Result<Engine, String> {
    if !engine.snapshot_ready() {
        return Err("snapshot of an engine with undrained outputs".into());
    }
    let json = serde_json::to_string(&engine).map_err(|e| format!("snapshot: {e}"))?;
    let mut reader = serde_json::Deserializer::from_str(&json);
    let restored = Engine::from_snapshot(&mut reader).map_err(|e| format!("restore: {e}"))?;
    restored
        .check_invariants()
        .map_err(|v| format!("restored engine breaks an invariant: {v}"))?;
    if restored.dump() != engine.dump() || restored.poll_timeout() != engine.poll_timeout() {
        return Err(format!(
            "snapshot diverged:\n--- restored ---\n{}--- original ---\n{}",
            restored.dump(),
            engine.dump()
        ));
    }
    Ok(restored)
}
