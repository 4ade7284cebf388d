//! Events: every state change of the engine, with its time. They are the journal (replaying
//! them rebuilds the state without re-running a decision) and the feed for reports and the
//! live monitor.

use crate::closure::ClosureCode;
use crate::config::{AgentConfig, QueueConfig, Settings, StationConfig};
use crate::ids::{AgentId, ContactId, OfferId, QueueId, StationId};
use crate::model::{
    AgentState, AnsweredBy, Channel, ContactState, Direction, Presence, QueueClosure, RefusalReason,
};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An event and when it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub at: Timestamp,
    pub event: Event,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Event {
    SettingsConfigured {
        settings: Box<Settings>,
    },
    QueueConfigured {
        queue: Box<QueueConfig>,
    },
    QueueRemoved {
        queue: QueueId,
    },
    QueueClosureChanged {
        queue: QueueId,
        closure: Option<QueueClosure>,
    },
    AgentConfigured {
        agent: Box<AgentConfig>,
    },
    AgentRemoved {
        agent: AgentId,
    },
    StationConfigured {
        station: StationConfig,
    },
    StationRemoved {
        station: StationId,
    },

    AgentLoggedIn {
        agent: AgentId,
        station: StationId,
    },
    AgentLoggedOut {
        agent: AgentId,
    },
    /// The agent's base state (what it returns to) changed.
    AgentPresenceChanged {
        agent: AgentId,
        presence: Presence,
        reason: Option<String>,
    },
    /// A "Waiting for X" was recorded (`Some`) or cleared (`None`).
    AgentPendingChanged {
        agent: AgentId,
        pending: Option<Presence>,
        reason: Option<String>,
    },
    /// The state shown to supervisors changed (derived from the events before it).
    AgentStateChanged {
        agent: AgentId,
        state: AgentState,
        reason: Option<String>,
        station: Option<StationId>,
    },

    ContactArrived {
        contact: ContactId,
        channel: Channel,
        direction: Direction,
        queue: QueueId,
        from: String,
        priority: u16,
        attributes: BTreeMap<String, String>,
    },
    /// The contact waits in `queue`; `entrance` orders it (kept across refusals).
    ContactQueued {
        contact: ContactId,
        queue: QueueId,
        entrance: Timestamp,
    },
    OfferCreated {
        offer: OfferId,
        contact: ContactId,
        agent: AgentId,
        station: StationId,
        deadline: Timestamp,
    },
    /// The agent accepted; for voice the connector must link the leg by `link_deadline`.
    OfferAccepted {
        offer: OfferId,
        link_deadline: Option<Timestamp>,
    },
    /// One refusal record (§6). `offer` is `None` when a call error ends a contact the agent
    /// already held (the offer was consumed at connect).
    OfferRefused {
        offer: Option<OfferId>,
        contact: ContactId,
        agent: AgentId,
        agent_full_name: String,
        station: StationId,
        reason: RefusalReason,
        cause_code: Option<String>,
        /// The refusing agent is kept from this contact until then.
        excluded_until: Timestamp,
    },
    /// The offer ended without a refusal (the customer left).
    OfferRescinded {
        offer: OfferId,
        contact: ContactId,
        agent: AgentId,
    },
    /// The contact is now with the agent in `state` (Preview, Dialing or Handling).
    ContactConnected {
        contact: ContactId,
        agent: AgentId,
        offer: Option<OfferId>,
        state: ContactState,
        units: u8,
    },
    /// Hold, resume, consult, conference, dial start, answer.
    ContactStateChanged {
        contact: ContactId,
        agent: AgentId,
        state: ContactState,
        answered_by: Option<AnsweredBy>,
    },
    /// The agent's part ended and wrap-up began. `detached`: the contact itself moved on
    /// (transfer), so completing this wrap-up does not close it.
    WrapUpStarted {
        contact: ContactId,
        agent: AgentId,
        deadline: Option<Timestamp>,
        detached: bool,
    },
    WrapUpCompleted {
        contact: ContactId,
        agent: AgentId,
        disposition: Option<String>,
        timed_out: bool,
    },
    /// The agent's part ended without wrap-up (call error).
    ContactReleased {
        contact: ContactId,
        agent: AgentId,
    },
    /// The one closed record of a contact.
    ContactClosed {
        contact: ContactId,
        code: ClosureCode,
        disposition: Option<String>,
        agent: Option<AgentId>,
        queue: QueueId,
        channel: Channel,
        arrived: Timestamp,
        entrance: Timestamp,
    },
}

impl Event {
    /// The agent an event concerns, for per-agent event streams.
    pub fn agent(&self) -> Option<&AgentId> {
        match self {
            Event::AgentConfigured { agent } => Some(&agent.id),
            Event::AgentRemoved { agent }
            | Event::AgentLoggedIn { agent, .. }
            | Event::AgentLoggedOut { agent }
            | Event::AgentPresenceChanged { agent, .. }
            | Event::AgentPendingChanged { agent, .. }
            | Event::AgentStateChanged { agent, .. }
            | Event::OfferCreated { agent, .. }
            | Event::OfferRefused { agent, .. }
            | Event::OfferRescinded { agent, .. }
            | Event::ContactConnected { agent, .. }
            | Event::ContactStateChanged { agent, .. }
            | Event::WrapUpStarted { agent, .. }
            | Event::WrapUpCompleted { agent, .. }
            | Event::ContactReleased { agent, .. } => Some(agent),
            Event::ContactClosed { agent, .. } => agent.as_ref(),
            _ => None,
        }
    }
}
