//! The engine's runtime records: agents (`AgentRt`, their memberships and assignments),
//! queues (`QueueRt`, their callback process), contacts (`ContactRt`, where each one is:
//! `Place`), offers, callbacks and their attempts, suspended and parked sessions; and the
//! routing keys. Evolve changes them; everything else reads them.

use crate::callback::CallbackCounters;
use crate::callback::{
    AttemptState, CallbackOrigin, CallbackSettings, CallbackStatus, CompletionStatus,
};
use crate::config::{AgentConfig, QueueConfig, Settings};
use crate::engine::tables::VecMap;
use crate::ids::{AgentId, ContactId, OfferId, QueueId, StationId};
use crate::model::{
    AgentState, AnsweredBy, Channel, ContactState, Direction, Presence, QueueClosure,
};
use crate::schedule::Schedule;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

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

impl AgentRt {
    /// The state shown for this agent (docs/engine.md, Agent states), derived from presence, offers, contacts and pending.
    #[must_use]
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
    #[must_use]
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
    #[must_use]
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
pub(crate) fn set_by(reason: Option<String>, by: &Option<String>) -> Option<String> {
    match (reason, by) {
        (reason, None) => reason,
        (Some(reason), Some(by)) => Some(format!("{reason} (set by {by})")),
        (None, Some(by)) => Some(format!("set by {by}")),
    }
}

/// A suspended session: the contact `suspended` closed (50, 0) and the thread waits for the
/// customer's next message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SuspendedRt {
    pub queue: QueueId,
    pub channel: Channel,
    pub from: Arc<str>,
    /// The agent who suspended it.
    pub agent: AgentId,
    pub since: Timestamp,
    /// The thread key (`Engine::thread_key`); `Engine::suspended_threads` maps it back.
    pub thread: String,
}

/// A parked session: the contact closed (61, 0); what it takes to queue it again, and the
/// contacts of the same customer held (62, 0) meanwhile.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ParkedRt {
    pub queue: QueueId,
    pub channel: Channel,
    pub from: Arc<str>,
    pub priority: u16,
    pub attributes: BTreeMap<String, String>,
    /// The agent who parked it.
    pub agent: AgentId,
    pub since: Timestamp,
    /// Held contacts in arrival order; queued again after the parked one on unpark.
    pub held: Vec<HeldRt>,
}

/// A contact held in a parked session (closed (62, 0)): what it takes to queue it again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct HeldRt {
    pub contact: ContactId,
    pub queue: QueueId,
    pub channel: Channel,
    pub priority: u16,
    pub attributes: BTreeMap<String, String>,
    pub arrived: Timestamp,
}
