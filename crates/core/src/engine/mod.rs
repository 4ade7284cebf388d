//! The engine: one pure state machine driven by commands and the passing of time.
//!
//! Shape (after quinn-proto and esrs): `handle_command(now, cmd)` and `handle_timeout(now)` are
//! the inputs; `poll_output()` drains events and connector requests; `poll_timeout()` is the
//! next deadline. Every state change goes through [`Engine::apply`] — the *evolve* step — so
//! that [`Engine::replay`] rebuilds the same state from the journal without re-deciding.
//!
//! Decisions (the *decide* step, in `decide.rs` and `routing.rs`) read the state, validate,
//! and then `emit` events, each applied at once so later decisions of the same command see it.
//! A rejected command emits nothing.

mod apply;
mod callbacks;
mod decide;
mod desktop;
mod dnc;
mod hours;
mod invariants;
mod routing;
mod sessions;
mod store;
mod views;

pub use desktop::{AttemptView, Colleague, DesktopContact, DesktopOffer, DesktopView};
pub use sessions::{SessionState, SessionView};
pub use views::{
    AgentView, CallbackMonitorView, CallbackView, ContactView, EngineStats, OfferView, QueueView,
};

use crate::callback::{
    AttemptState, CallbackCounters, CallbackOrigin, CallbackSettings, CallbackStatus,
    CompletionStatus,
};
use crate::command::Command;
use crate::config::{AgentConfig, QueueConfig, Settings, StationConfig};
use crate::event::{Event, EventRecord};
use crate::ids::{AgentId, ContactId, OfferId, QueueId, StationId};
use crate::model::{
    AgentState, AnsweredBy, Channel, ContactState, Direction, Presence, QueueClosure,
};
use crate::output::{ConnectorRequest, Output};
use crate::rejection::Rejection;
use crate::schedule::Schedule;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
pub(crate) use store::NamedId;
use store::{AgentMap, IdMap, SeqMap, VecMap, VecSet};

/// What a successful command created, for drivers that answer with ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Receipt {
    pub contact: Option<ContactId>,
    /// The created contact closed at once with this code (a callback or dial to a number on
    /// the do-not-call list: (58, 0)).
    pub closed: Option<crate::closure::ClosureCode>,
    /// The created contact closed because its queue is closed: why, and the emergency (its
    /// message), so the connector can play the right announcement.
    pub queue_closed: Option<(QueueClosure, Option<crate::model::QueueEmergency>)>,
}

/// Orders agents of a queue for routing: smallest first wins.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct RouteKey {
    pub primary: i64,
    pub secondary: i64,
    pub agent: AgentId,
}

/// Orders waiting contacts of a queue: smallest first is offered first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct WaitKey {
    pub primary: i64,
    pub secondary: i64,
    pub contact: ContactId,
}

/// Deadlines. Every timer stands for live state (an open offer, a wrap-up, a waiting contact,
/// an exclusion) and firing it emits events that remove it, so a replayed engine holds
/// exactly the timers of the original. Firing one early or twice does nothing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum Timer {
    /// An offer rang too long: NoAnswer.
    Offer(OfferId),
    /// An accepted voice offer's leg did not link: AgentLinkTimeout.
    Link(OfferId),
    /// Wrap-up time limit: closes with 59.
    WrapUp(ContactId, AgentId),
    /// Queue time limit: closes with 38/19.
    QueueLimit(ContactId),
    /// A refusing agent's exclusion from a contact ends: route again.
    Reoffer(ContactId, AgentId),
    /// A Pending callback is due (only while its queue's callbacks are Active).
    CallbackDue(ContactId),
    /// Duration For No Answer of the current attempt's dial.
    NoAnswer(ContactId),
    /// A callback's expiry (max age or window end).
    CallbackExpiry(ContactId),
    /// A callback's reservation for an agent ends.
    Reservation(ContactId),
    /// The queue's callback schedule may change status.
    CallbackSchedule(QueueId),
    /// The queue's supervisor counters restart.
    Shift(QueueId),
    /// The agent has been unavailable (Break, BackOffice) for its unavailable time-out.
    Unavailable(AgentId),
    /// The queue's own schedule may open or close it to arrivals.
    QueueHours(QueueId),
}

/// One queue an agent serves, and where the agent stands in that queue's routing index.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Membership {
    pub queue: QueueId,
    pub proficiency: u8,
    /// Round-robin: the engine-wide offer sequence number of this agent's last offer here.
    pub last_offer_seq: u64,
    /// The key under which the agent sits in the queue's index, if eligible now.
    pub indexed: Option<RouteKey>,
}

/// An agent's part in one contact, from connect to the end of wrap-up.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Assignment {
    pub channel: Channel,
    pub units: u8,
    /// Preview, Dialing, Handling, On Hold, Consulting, In Conference or Wrap Up.
    pub state: ContactState,
    pub since: Timestamp,
    /// The contact moved on (transfer) while this agent wraps up.
    pub detached: bool,
    pub wrap_up_deadline: Option<Timestamp>,
    pub queue: QueueId,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AgentRt {
    pub config: AgentConfig,
    /// Logged in at this station; `None`: Offline.
    pub station: Option<StationId>,
    /// The base state the agent chose (or the policy imposed); what it returns to.
    pub presence: Presence,
    pub reason: Option<String>,
    /// "Waiting for X": applied when the last contact ends.
    pub pending: Option<(Presence, Option<String>)>,
    /// At most one open offer per agent.
    pub offer: Option<OfferId>,
    pub assignments: VecMap<ContactId, Assignment>,
    /// Sum of the assignments' units; never above 100.
    pub used_units: u16,
    /// Last time the agent became Ready or took or finished a contact (longest-idle key).
    pub last_work_at: Timestamp,
    pub shown: AgentState,
    pub shown_reason: Option<String>,
    pub shown_since: Timestamp,
    /// When the unavailable time-out logs the agent out (its `Timer::Unavailable`), while it
    /// is shown unavailable and a time-out applies. Derived in `apply`, so a replay and an
    /// old snapshot (without it: the settings had no time-out) agree.
    #[serde(default)]
    pub unavailable_deadline: Option<Timestamp>,
    /// Why the engine logged the agent out (shown with Offline) until it logs in again.
    #[serde(default)]
    pub logout_reason: Option<String>,
    /// The supervisor who set the current presence (`by` of its event); none when the agent
    /// (or the engine) did.
    #[serde(default)]
    pub presence_by: Option<String>,
    /// The supervisor who set the pending state.
    #[serde(default)]
    pub pending_by: Option<String>,
    pub memberships: Vec<Membership>,
    /// Listed in `Engine::touched` (its shown state is looked at after the input).
    pub touched: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct QueueRt {
    pub config: QueueConfig,
    /// Contacts waiting, by priority handling then entrance time.
    pub waiting: BTreeSet<WaitKey>,
    /// The same contacts by entrance time alone: the longest wait without a scan.
    pub by_entrance: BTreeSet<(Timestamp, ContactId)>,
    /// Agents who could take a contact of this queue now, best first.
    pub agents: BTreeSet<RouteKey>,
    /// Agents configured for this queue.
    pub members: BTreeSet<AgentId>,
    /// Members logged in (any state).
    pub staffed: u32,
    pub closure: Option<QueueClosure>,
    /// Since when `closure` holds (the last change from open to closed, between reasons, or
    /// back); not older snapshots' (they held no schedule): then the Unix epoch.
    #[serde(default)]
    pub closure_since: Timestamp,
    /// The emergency that closes the queue, if set (then `closure` is `Emergency`).
    #[serde(default)]
    pub emergency: Option<crate::model::QueueEmergency>,
    /// The queue's own schedule, compiled from `config.schedule`.
    #[serde(skip)]
    pub hours: Option<Schedule>,
    /// When the schedule is next looked at (its `Timer::QueueHours`).
    #[serde(default)]
    pub hours_check: Option<Timestamp>,
    /// The callback process, if the queue takes callbacks.
    pub callbacks: Option<QueueCallbacks>,
}

/// A queue's callback process state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct QueueCallbacks {
    pub settings: CallbackSettings,
    #[serde(skip)]
    pub schedule: Schedule,
    #[serde(skip)]
    pub shift_time: jiff::civil::Time,
    /// CLBK Stat.
    pub status: CallbackStatus,
    /// When the schedule is next looked at (none while Stopped or never changing).
    pub next_check: Option<Timestamp>,
    pub shift_since: Timestamp,
    pub next_shift: Option<Timestamp>,
    /// Pending callbacks of this queue by due time.
    pub pending: BTreeSet<(Timestamp, ContactId)>,
    /// Callbacks Pending or waiting in the queue ("Clbk To Be Proc").
    pub to_be_processed: u64,
    pub counters: CallbackCounters,
}

/// A callback's process state (the contact itself holds place, queue and entrance).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CallbackRt {
    pub destination: String,
    pub origin: CallbackOrigin,
    pub due: Timestamp,
    pub reserved: Option<(AgentId, Timestamp)>,
    pub expires: Option<Timestamp>,
    pub expired: bool,
    /// Counted attempts (the dial outcomes: Answering Machine, No Answer, Busy, Fax, …).
    pub attempts: u32,
    /// Number of the latest attempt of any kind (Aborted and Cancel included).
    pub attempt_no: u32,
    pub last_state: Option<AttemptState>,
    pub last_attempt_at: Option<Timestamp>,
    /// The connector's raw cause of the last attempt's dial outcome, if it gave one. Absent
    /// from snapshots written before dial outcomes (serde default: none then).
    #[serde(default)]
    pub last_cause_code: Option<String>,
    pub current: Option<AttemptRt>,
    /// A live customer answered at least one attempt.
    pub reached: bool,
}

/// The attempt in progress: from accept to the end of wrap-up.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AttemptRt {
    pub no: u32,
    pub agent: AgentId,
    pub dial_started: Option<Timestamp>,
    pub no_answer_deadline: Option<Timestamp>,
    pub status: Option<CompletionStatus>,
    /// No Answer was set by the engine: Cancel is no longer an option.
    pub automatic_no_answer: bool,
    pub answered: Option<AnsweredBy>,
    /// The raw cause of the connector's `dial_outcome` for this attempt.
    #[serde(default)]
    pub cause_code: Option<String>,
}

/// The open offers of a contact: nearly always one, so kept inline (no allocation per offer).
pub(crate) type OfferList = smallvec::SmallVec<[OfferId; 2]>;

/// Where an open contact is. Exactly one of these at the end of every command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Place {
    /// Transient inside a command: arrived, not yet queued or closed.
    New,
    /// A callback not in the queue yet (due later, recall interval, off schedule, stopped).
    Pending,
    Queued,
    /// Offered to these agents (several with dynamic delivery; one, inline, without).
    Offered(OfferList),
    /// With this agent (Preview, Dialing, Handling, …, Wrap Up).
    Agent(AgentId),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ContactRt {
    pub channel: Channel,
    pub direction: Direction,
    pub queue: QueueId,
    pub from: std::sync::Arc<str>,
    pub priority: u16,
    pub attributes: BTreeMap<String, String>,
    pub arrived: Timestamp,
    /// Orders the contact in its queue; kept when an offer fails (original place).
    pub entrance: Timestamp,
    pub place: Place,
    pub wait_key: Option<WaitKey>,
    pub queue_deadline: Option<Timestamp>,
    /// Offers made so far (hops).
    pub offers_made: u32,
    /// Agents who refused, and until when they are kept from this contact.
    pub exclusions: Vec<(AgentId, Timestamp)>,
    /// Agents still wrapping up this contact after transferring it: never offered it back
    /// until that wrap-up ends.
    pub wrapping_up: Vec<AgentId>,
    pub last_agent: Option<AgentId>,
    pub answered_by: Option<AnsweredBy>,
    /// An agent scheduled a callback from this contact: it closes (51, 0).
    pub callback_scheduled: bool,
    /// When an agent connected with it (the conversation began): a customer hang-up within
    /// the queue's `dropped_within_ms` of this counts as a drop. Absent in older snapshots.
    #[serde(default)]
    pub connected_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OfferRt {
    pub contact: ContactId,
    pub agent: AgentId,
    pub station: StationId,
    pub created: Timestamp,
    pub deadline: Timestamp,
    pub accepted: bool,
    pub link_deadline: Option<Timestamp>,
}

/// The routing engine. See the module docs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Engine {
    pub(crate) settings: Settings,
    pub(crate) queues: IdMap<QueueId, QueueRt>,
    pub(crate) agents: AgentMap<AgentRt>,
    pub(crate) stations: IdMap<StationId, StationConfig>,
    /// Station → the agent logged in there.
    pub(crate) station_users: BTreeMap<StationId, AgentId>,
    pub(crate) contacts: SeqMap<ContactId, ContactRt>,
    pub(crate) offers: SeqMap<OfferId, OfferRt>,
    /// Open callbacks (a subset of `contacts`).
    pub(crate) callbacks: BTreeMap<ContactId, CallbackRt>,
    /// The do-not-call list: numbers in their normal form (`dnc::normalize`), at most
    /// `settings.limits.do_not_call_max`. Nothing is dialed to a number on it.
    #[serde(default)]
    pub(crate) do_not_call: BTreeSet<String>,
    /// Suspended sessions (50), by the contact that was suspended: each waits for the
    /// customer's next message on its thread. At most one per thread key.
    #[serde(default)]
    pub(crate) suspended: BTreeMap<ContactId, sessions::SuspendedRt>,
    /// Thread key → the suspended session waiting on it (the same entries as `suspended`).
    #[serde(default)]
    pub(crate) suspended_threads: BTreeMap<String, ContactId>,
    /// Parked sessions (61), by the contact that was parked, with the contacts held in each.
    #[serde(default)]
    pub(crate) parked: BTreeMap<ContactId, sessions::ParkedRt>,
    /// (customer `from`, parked contact): finds a customer's parked sessions without a scan.
    #[serde(default)]
    pub(crate) parked_customers: BTreeSet<(std::sync::Arc<str>, ContactId)>,
    /// Contacts held in parked sessions, all sessions together (for the limit).
    #[serde(default)]
    pub(crate) held_contacts: usize,
    pub(crate) timers: BTreeSet<(Timestamp, Timer)>,
    pub(crate) next_contact: u64,
    pub(crate) next_offer: u64,
    pub(crate) offer_seq: u64,
    /// The latest time seen; inputs with an earlier time are treated as happening now.
    pub(crate) now: Timestamp,
    pub(crate) stats: EngineStats,
    /// Queues where a contact or an agent became available: routing looks at these.
    #[serde(skip)]
    pub(crate) dirty: VecSet<QueueId>,
    /// Agents whose shown state may have changed, in the order first touched (each once: the
    /// agent's `touched` flag).
    #[serde(skip)]
    pub(crate) touched: Vec<AgentId>,
    #[serde(skip)]
    pub(crate) outputs: VecDeque<Output>,
    /// Routing's buffer for the agents chosen for one contact (kept between decisions).
    #[serde(skip)]
    pub(crate) scratch_agents: Vec<AgentId>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(Settings::default())
    }
}

impl Engine {
    /// An empty engine with these settings.
    pub fn new(settings: Settings) -> Self {
        let mut engine = Engine {
            settings: Settings::default(),
            queues: IdMap::new(),
            agents: AgentMap::new(),
            stations: IdMap::new(),
            station_users: BTreeMap::new(),
            contacts: SeqMap::new(),
            offers: SeqMap::new(),
            callbacks: BTreeMap::new(),
            do_not_call: BTreeSet::new(),
            suspended: BTreeMap::new(),
            suspended_threads: BTreeMap::new(),
            parked: BTreeMap::new(),
            parked_customers: BTreeSet::new(),
            held_contacts: 0,
            timers: BTreeSet::new(),
            next_contact: 1,
            next_offer: 1,
            offer_seq: 0,
            now: Timestamp::ZERO,
            stats: EngineStats::default(),
            dirty: VecSet::new(),
            touched: Vec::new(),
            outputs: VecDeque::new(),
            scratch_agents: Vec::new(),
        };
        if settings != Settings::default() {
            // Non-default settings travel as the first output event, so the journal a driver
            // writes replays into `Engine::default()` alike.
            engine.emit(Event::SettingsConfigured {
                settings: Box::new(settings),
            });
        }
        engine
    }

    // ----- inputs -----

    /// Decide and apply one command at time `now`. On `Err` nothing changed and nothing was
    /// emitted.
    pub fn handle_command(
        &mut self,
        now: Timestamp,
        command: Command,
    ) -> Result<Receipt, Rejection> {
        self.advance(now);
        // What fell due before this command happens first, whatever the driver did: a late
        // accept finds its offer already timed out.
        self.fire_due_timers();
        let outputs_before = self.outputs.len();
        let result = self.decide(command);
        if result.is_err() {
            debug_assert_eq!(
                self.outputs.len(),
                outputs_before,
                "a rejected command emitted output"
            );
        }
        self.finish();
        result
    }

    /// Fire every timer due at `now`. Calling it early or twice is harmless.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        self.advance(now);
        self.fire_due_timers();
        self.finish();
    }

    /// Fire due timers in deadline order, routing after each: a contact that a timed-out offer
    /// sends back to the queue meets a free agent before its own queue time limit is checked.
    fn fire_due_timers(&mut self) {
        while let Some((at, timer)) = self.timers.first().cloned() {
            if at > self.now {
                break;
            }
            self.fire(timer.clone());
            self.timers.remove(&(at, timer));
            self.dispatch();
        }
    }

    // ----- outputs -----

    /// The next deadline at which `handle_timeout` has work.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.timers.first().map(|(at, _)| *at)
    }

    /// The next event or connector request, in order.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Move every waiting output, in order, to the end of `into`: the same outputs as
    /// calling `poll_output` until it returns `None`, without moving them one at a time.
    /// With an empty `into` this is a swap of buffers, so a driver that clears its buffer
    /// after use keeps both allocations.
    pub fn drain_outputs_into(&mut self, into: &mut VecDeque<Output>) {
        if into.is_empty() {
            std::mem::swap(&mut self.outputs, into);
        } else {
            into.append(&mut self.outputs);
        }
    }

    /// Outputs waiting to be drained.
    pub fn pending_outputs(&self) -> usize {
        self.outputs.len()
    }

    // ----- snapshots -----

    /// Whether the engine can be snapshotted now: every output has been drained (a snapshot
    /// holds state, not undelivered outputs). Serialize the engine itself (`Engine:
    /// Serialize`) with any serde format and read it back with [`Engine::from_snapshot`].
    pub fn snapshot_ready(&self) -> bool {
        self.outputs.is_empty()
    }

    /// An engine read back from a snapshot: the same state, timers and counters as the one
    /// serialized; what is derived from configuration (compiled schedules) is rebuilt.
    pub fn from_snapshot<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Engine, D::Error> {
        let mut engine = Engine::deserialize(deserializer)?;
        let ids: Vec<QueueId> = engine.queues.keys().cloned().collect();
        for id in ids {
            engine.compile_queue_hours(&id);
            let Some(queue) = engine.queues.get_mut(&id) else {
                continue;
            };
            if let Some(cb) = &mut queue.callbacks {
                let (schedule, shift_time) = cb
                    .settings
                    .compile(&format!("queues[{id}].callbacks"))
                    .map_err(serde::de::Error::custom)?;
                cb.schedule = schedule;
                cb.shift_time = shift_time;
            }
        }
        Ok(engine)
    }

    // ----- replay -----

    /// Rebuild state from journaled events, without deciding anything or emitting output.
    pub fn replay<'a>(&mut self, records: impl IntoIterator<Item = &'a EventRecord>) {
        for record in records {
            self.now = self.now.max(record.at);
            self.apply(record);
        }
        self.dirty.clear();
        for agent in std::mem::take(&mut self.touched) {
            if let Some(rt) = self.agents.get_mut(&agent) {
                rt.touched = false;
            }
        }
    }

    // ----- internals shared by decide and routing -----

    fn advance(&mut self, now: Timestamp) {
        // Time never goes back inside the engine: a late input counts as happening now.
        if now > self.now {
            self.now = now;
        }
    }

    pub(crate) fn emit(&mut self, event: Event) {
        let record = EventRecord {
            at: self.now,
            event,
        };
        self.apply(&record);
        self.outputs.push_back(Output::Event(record));
    }

    pub(crate) fn request(&mut self, request: ConnectorRequest) {
        self.outputs.push_back(Output::Connector(request));
    }

    /// After every input: route what became routable, then publish changed agent states.
    fn finish(&mut self) {
        self.dispatch();
        let mut touched = std::mem::take(&mut self.touched);
        for agent in touched.drain(..) {
            let Some(rt) = self.agents.get_mut(&agent) else {
                continue;
            };
            rt.touched = false;
            let shown = rt.derived_state();
            let reason = rt.derived_reason();
            if shown != rt.shown || reason != rt.shown_reason {
                let station = rt.station.clone();
                self.emit(Event::AgentStateChanged {
                    agent,
                    state: shown,
                    reason,
                    station,
                });
            }
        }
        // Keep the buffer (publishing a state touches no agent).
        if self.touched.is_empty() {
            self.touched = touched;
        }
    }

    pub(crate) fn queue_config(&self, queue: &QueueId) -> Option<&QueueConfig> {
        self.queues.get(queue).map(|q| &q.config)
    }

    /// Capacity units `channel` costs `agent`.
    pub(crate) fn units_for(&self, agent: &AgentRt, channel: Channel) -> u8 {
        agent.units_for(&self.settings, channel)
    }

    pub(crate) fn reoffer_delay_ms(&self, queue: &QueueId) -> u64 {
        self.queue_config(queue)
            .and_then(|q| q.reoffer_delay_ms)
            .unwrap_or(self.settings.reoffer_delay_ms)
    }

    pub(crate) fn contact_state(&self, id: ContactId) -> Option<ContactState> {
        let contact = self.contacts.get(&id)?;
        Some(match &contact.place {
            Place::New | Place::Queued | Place::Pending => ContactState::Queued,
            Place::Offered(_) => ContactState::Offered,
            Place::Agent(agent) => self
                .agents
                .get(agent)
                .and_then(|a| a.assignments.get(&id))
                .map(|a| a.state)
                .unwrap_or(ContactState::Handling),
        })
    }
}

impl AgentRt {
    /// The §4 state shown for this agent, derived from presence, offers, contacts and pending.
    pub(crate) fn derived_state(&self) -> AgentState {
        if self.station.is_none() {
            return AgentState::Offline;
        }
        if !self.assignments.is_empty() {
            if let Some((pending, _)) = &self.pending
                && let Some(waiting) = pending.waiting_for()
            {
                return waiting;
            }
            if self.presence == Presence::OutgoingInteractions {
                return AgentState::OutgoingInteractions;
            }
            return AgentState::Busy;
        }
        if self.offer.is_some() {
            return AgentState::Offered;
        }
        self.presence.shown()
    }

    /// The reason shown with the state (and kept in the agent-state log): the unavailable
    /// reason, why the engine logged the agent out, and who set the state if a supervisor did.
    pub(crate) fn derived_reason(&self) -> Option<String> {
        match self.derived_state() {
            AgentState::Break | AgentState::BackOffice => {
                set_by(self.reason.clone(), &self.presence_by)
            }
            AgentState::Ready | AgentState::OutgoingInteractions => set_by(None, &self.presence_by),
            AgentState::Offline => self.logout_reason.clone(),
            s if s.is_pending() => set_by(
                self.pending.as_ref().and_then(|(_, r)| r.clone()),
                &self.pending_by,
            ),
            _ => None,
        }
    }

    /// Capacity units `channel` costs this agent: its own override, else the settings'.
    pub(crate) fn units_for(&self, settings: &Settings, channel: Channel) -> u8 {
        self.config
            .capacity
            .get(&channel)
            .copied()
            .unwrap_or_else(|| settings.units_for(channel))
    }

    pub(crate) fn is_busy(&self) -> bool {
        !self.assignments.is_empty()
    }
}

/// A reason with who set the state, `by` naming a supervisor's key with its role: "Lunch
/// (set by night desk (supervisor))", or "set by night desk (supervisor)" alone.
fn set_by(reason: Option<String>, by: &Option<String>) -> Option<String> {
    match (reason, by) {
        (reason, None) => reason,
        (Some(reason), Some(by)) => Some(format!("{reason} (set by {by})")),
        (None, Some(by)) => Some(format!("set by {by}")),
    }
}
