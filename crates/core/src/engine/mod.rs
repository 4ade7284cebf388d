//! The engine: one pure state machine driven by commands and the passing of time.
//!
//! Shape (after quinn-proto and esrs): `handle_command(now, cmd)` and `handle_timeout(now)` are
//! the inputs; `poll_output()` drains events and connector requests; `poll_timeout()` is the
//! next deadline. Every state change goes through `Engine::apply` (the *evolve* step), so
//! that [`Engine::replay`] rebuilds the same state from the journal without re-deciding.
//! A decision `emit`s events one at a time and each is applied at once, so later steps of the
//! same decision see its effect. A rejected command emits nothing.
//!
//! # One axis: the engine is split by step
//!
//! - `decide/`: one file per command family (config, queue, dnc, agent, offer, contact,
//!   arrival, connector, callback, attempt, session). Reads state, validates, rejects before
//!   its first `emit`, then emits events; it changes state only through `emit`.
//!   `decide/mod.rs` is the dispatch: one call per command, no rule of its own.
//! - `evolve/`: one file per event family (config, queue, dnc, agent, offer, contact,
//!   callback, session). Applies one already-decided event; cannot reject, never decides,
//!   never emits. A record the event names that is missing is a bug: it panics naming the
//!   invariant. `evolve/mod.rs` is the dispatch over `Event`.
//! - `timers.rs`: the `Timer` kinds and their firing, a decision the clock starts.
//!   `routing.rs`: the routing indexes and `dispatch`, the decision made after every input.
//! - Read side, never mutating: `views.rs`, `desktop.rs`, `invariants.rs` (the auditor),
//!   `lookup.rs` (queries decide and evolve share). Data and pure helpers: `state.rs` (the
//!   runtime records), `tables.rs` (their maps), `hours.rs` (calendar arithmetic).
//! - A new feature puts its command's function in `decide/<family>.rs`, its event's arm in
//!   `evolve/<family>.rs`, one dispatch line in each `mod.rs`, any timer in `timers.rs`; a
//!   step that several families share lives in the family it belongs to.

mod decide;
mod desktop;
mod evolve;
mod hours;
mod invariants;
mod lookup;
mod routing;
mod state;
mod tables;
mod timers;
mod views;

pub use desktop::{AttemptView, Colleague, DesktopContact, DesktopOffer, DesktopView};
pub use views::{
    AgentView, CallbackMonitorView, CallbackView, ContactView, EngineStats, OfferView, QueueView,
    SessionState, SessionView,
};

pub(crate) use state::{
    AgentRt, Assignment, AttemptRt, CallbackRt, ContactRt, HeldRt, Membership, OfferRt, ParkedRt,
    Place, QueueCallbacks, QueueRt, RouteKey, SuspendedRt, WaitKey,
};
pub(crate) use tables::NamedId;
pub(crate) use timers::Timer;

use crate::command::Command;
use crate::config::{Settings, StationConfig};
use crate::event::{Event, EventRecord};
use crate::ids::{AgentId, ContactId, OfferId, QueueId, StationId};
use crate::model::QueueClosure;
use crate::output::{ConnectorRequest, Output};
use crate::rejection::Rejection;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use tables::{AgentMap, IdMap, SeqMap, VecMap, VecSet};

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
    pub(crate) suspended: BTreeMap<ContactId, SuspendedRt>,
    /// Thread key → the suspended session waiting on it (the same entries as `suspended`).
    #[serde(default)]
    pub(crate) suspended_threads: BTreeMap<String, ContactId>,
    /// Parked sessions (61), by the contact that was parked, with the contacts held in each.
    #[serde(default)]
    pub(crate) parked: BTreeMap<ContactId, ParkedRt>,
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
        self.debug_assert_settled();
        result
    }

    /// Fire every timer due at `now`. Calling it early or twice is harmless.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        self.advance(now);
        self.fire_due_timers();
        self.finish();
        self.debug_assert_settled();
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
            let queue = engine.queues.get_mut(&id).expect("a queue of the snapshot");
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
            // A later event of the journal may have removed an agent it touched.
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
        let outputs = self.outputs.len();
        self.apply(&record);
        debug_assert_eq!(self.outputs.len(), outputs, "evolve emitted output");
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
            // An agent touched earlier in the input may have been removed since.
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

    /// The postcondition of every input: routing has looked at every queue that became
    /// routable, and every agent whose shown state may have changed has been looked at.
    fn debug_assert_settled(&self) {
        debug_assert!(
            self.dirty.is_empty(),
            "routing left a queue unlooked at after an input"
        );
        debug_assert!(
            self.touched.is_empty(),
            "an agent's shown state was left unpublished after an input"
        );
    }
}
