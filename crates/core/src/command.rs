//! Inputs to the engine: commands from admins, agents, supervisors and the connector.

use crate::callback::{CompletionStatus, DialOutcome};
use crate::config::{AgentConfig, QueueConfig, Settings, StationConfig};
use crate::ids::{AgentId, ContactId, OfferId, QueueId, StationId};
use crate::model::{
    AgentStatus, AnsweredBy, Channel, DeliveryFailure, EndedBy, HangupReason, QueueEmergency,
    SelectableState,
};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything that can happen to the engine from outside, except the passing of time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    // --- configuration (admin) ---
    ConfigureSettings(Settings),
    /// Boxed: a queue's configuration is by far the largest command.
    ConfigureQueue(Box<QueueConfig>),
    RemoveQueue {
        queue: QueueId,
    },
    ConfigureAgent(AgentConfig),
    RemoveAgent {
        agent: AgentId,
    },
    ConfigureStation(StationConfig),
    RemoveStation {
        station: StationId,
    },
    /// Close a queue to new arrivals in an emergency (closure 38, 24), whatever its schedule
    /// says, or end the emergency (`None`): the queue is then open or closed as its schedule
    /// says (38, 15 outside its hours, 38, 23 on a holiday).
    SetQueueEmergency {
        queue: QueueId,
        emergency: Option<QueueEmergency>,
    },

    // --- agent ---
    Login {
        agent: AgentId,
        station: StationId,
        #[serde(default)]
        state: Option<SelectableState>,
    },
    Logout {
        agent: AgentId,
    },
    SetState {
        agent: AgentId,
        state: SelectableState,
        #[serde(default)]
        reason: Option<String>,
    },
    /// A supervisor (or admin) sets an agent's state, or logs it out (`offline`): done as the
    /// agent's own selection would be (a pending "Waiting for X" while the agent works) and
    /// recorded with who did it (`AgentStateForced`, and `by` on the change's events).
    ForceState {
        agent: AgentId,
        state: SelectableState,
        /// The unavailable reason, for Break and BackOffice.
        #[serde(default)]
        reason: Option<String>,
        /// Who: the supervisor's key as the server names it, e.g. `key 2 (night desk)`.
        by: String,
    },
    Accept {
        offer: OfferId,
    },
    /// The agent refuses an offer: a refusal with reason `Declined`, and the agent's own
    /// reason when the settings list decline reasons (docs/engine.md, "Offers and refusals").
    Refuse {
        offer: OfferId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decline_reason: Option<String>,
    },
    Hold {
        agent: AgentId,
        contact: ContactId,
    },
    Resume {
        agent: AgentId,
        contact: ContactId,
    },
    Consult {
        agent: AgentId,
        contact: ContactId,
    },
    Conference {
        agent: AgentId,
        contact: ContactId,
    },
    /// Start the dial of a callback or outbound contact shown in Preview.
    StartDial {
        agent: AgentId,
        contact: ContactId,
    },
    /// The agent ends the conversation: the contact goes to Wrap Up.
    End {
        agent: AgentId,
        contact: ContactId,
    },
    /// The agent finishes wrap-up, optionally with a disposition; the contact closes.
    Complete {
        agent: AgentId,
        contact: ContactId,
        #[serde(default)]
        disposition: Option<String>,
    },
    Transfer {
        agent: AgentId,
        contact: ContactId,
        target: TransferTarget,
    },
    /// Connection-less media (email, work item): the agent ends this phase and the contact
    /// closes (50, 0) — from Handling, or from Wrap Up instead of `complete` (with its
    /// disposition). The thread waits for the customer's next message (a suspended session).
    Suspend {
        agent: AgentId,
        contact: ContactId,
        #[serde(default)]
        disposition: Option<String>,
    },
    /// Connection-less media: the agent puts the contact aside; it closes (61, 0) and its
    /// session stays parked, out of routing, until `unpark`. New email and work-item contacts
    /// of the same customer are held (62, 0) meanwhile.
    Park {
        agent: AgentId,
        contact: ContactId,
    },
    /// An agent or supervisor takes a parked session (named by the parked contact) back to
    /// routing: the parked contact and the ones held meanwhile are queued again as new
    /// contacts. `agent`: who unparked it, for the record (`None`: a supervisor).
    Unpark {
        contact: ContactId,
        #[serde(default)]
        agent: Option<AgentId>,
    },
    /// An agent in Handling – Outgoing Interactions dials an outbound contact.
    Dial {
        agent: AgentId,
        destination: String,
        /// The queue whose wrap-up and dispositions apply; default the agent's first queue.
        #[serde(default)]
        queue: Option<QueueId>,
    },

    // --- connector ---
    /// A customer contact arrives for a queue.
    CreateContact {
        channel: Channel,
        queue: QueueId,
        /// The caller's number (shared: the contact's state and its events keep it).
        from: std::sync::Arc<str>,
        #[serde(default)]
        priority: u16,
        #[serde(default)]
        attributes: BTreeMap<String, String>,
    },
    /// The customer hung up / left (same as a hang-up with reason `ended` for waiting contacts).
    Abandon {
        contact: ContactId,
    },
    Connector(ConnectorEvent),

    // --- callbacks (docs/callbacks.md) ---
    /// A callback created through the API: Pending until `due` (default now).
    CreateCallback {
        queue: QueueId,
        destination: String,
        #[serde(default)]
        due: Option<Timestamp>,
        /// The callback expires (57) if not done by then.
        #[serde(default)]
        window_end: Option<Timestamp>,
        /// Reserved for this agent until the queue's fallback delay passes.
        #[serde(default)]
        agent: Option<AgentId>,
    },
    /// A queued customer chooses a callback: the call closes (51, 22) and the callback keeps
    /// the call's place in the queue.
    ChooseCallback {
        contact: ContactId,
        #[serde(default)]
        destination: Option<String>,
    },
    /// An agent schedules a callback, from a contact it holds or from the callback panel.
    ScheduleCallback {
        agent: AgentId,
        #[serde(default)]
        contact: Option<ContactId>,
        destination: String,
        /// Default: the contact's queue, else the agent's first queue that takes callbacks.
        #[serde(default)]
        queue: Option<QueueId>,
        due: Timestamp,
        #[serde(default)]
        window_end: Option<Timestamp>,
        /// Reserve the callback for this agent (falls back to anyone after the queue's delay).
        #[serde(default)]
        reserve: bool,
    },
    /// The agent sets (or changes) the completion status of the current attempt.
    SetCompletion {
        agent: AgentId,
        contact: ContactId,
        status: CompletionStatus,
    },
    /// Supervisor: a Pending callback goes to the queue now.
    SendCallbackToQueue {
        contact: ContactId,
    },
    /// Supervisor: a Pending or queued callback completes as purged (32).
    PurgeCallback {
        contact: ContactId,
    },
    /// Supervisor: stop a queue's callbacks (CLBK Stat Stopped).
    StopCallbacks {
        queue: QueueId,
    },
    StartCallbacks {
        queue: QueueId,
    },

    // --- the do-not-call list (admin, supervisor) ---
    /// Put numbers on the do-not-call list (one or a whole import: all or none). Numbers are
    /// compared in their normal form (`dnc::normalize`); numbers already listed are skipped.
    /// Open callbacks to them that no agent holds close (58, 0).
    AddDoNotCall {
        numbers: Vec<String>,
    },
    /// Take a number off the do-not-call list.
    RemoveDoNotCall {
        number: String,
    },
}

impl Command {
    /// The agent a command acts as, for checking an agent's key against it (beside
    /// [`crate::event::Event::agent`]): the agent named by an agent's own action (login, state,
    /// a contact it holds, a dial, a callback it schedules or completes, an unpark), and the
    /// agent a created callback is reserved for. `None` for everything else: configuration
    /// and supervisor commands (`force_state` and `remove_agent` act *on* an agent, not as
    /// it), connector reports, an unpark by no agent, and `accept` / `refuse`, which name an
    /// offer whose agent only the engine knows.
    #[must_use]
    pub fn agent(&self) -> Option<&AgentId> {
        match self {
            Command::Login { agent, .. }
            | Command::Logout { agent }
            | Command::SetState { agent, .. }
            | Command::Hold { agent, .. }
            | Command::Resume { agent, .. }
            | Command::Consult { agent, .. }
            | Command::Conference { agent, .. }
            | Command::StartDial { agent, .. }
            | Command::End { agent, .. }
            | Command::Complete { agent, .. }
            | Command::Suspend { agent, .. }
            | Command::Park { agent, .. }
            | Command::Transfer { agent, .. }
            | Command::Dial { agent, .. }
            | Command::ScheduleCallback { agent, .. }
            | Command::SetCompletion { agent, .. } => Some(agent),
            Command::CreateCallback { agent, .. } | Command::Unpark { agent, .. } => agent.as_ref(),
            Command::ConfigureSettings(_)
            | Command::ConfigureQueue(_)
            | Command::RemoveQueue { .. }
            | Command::ConfigureAgent(_)
            | Command::RemoveAgent { .. }
            | Command::ConfigureStation(_)
            | Command::RemoveStation { .. }
            | Command::SetQueueEmergency { .. }
            | Command::ForceState { .. }
            | Command::Accept { .. }
            | Command::Refuse { .. }
            | Command::CreateContact { .. }
            | Command::Abandon { .. }
            | Command::Connector(_)
            | Command::ChooseCallback { .. }
            | Command::SendCallbackToQueue { .. }
            | Command::PurgeCallback { .. }
            | Command::StopCallbacks { .. }
            | Command::StartCallbacks { .. }
            | Command::AddDoNotCall { .. }
            | Command::RemoveDoNotCall { .. } => None,
        }
    }
}

/// Where a transfer sends the contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferTarget {
    Queue(QueueId),
    Agent(AgentId),
}

/// What the telephony connector reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "type", deny_unknown_fields)]
pub enum ConnectorEvent {
    /// The agent leg of an accepted voice offer is linked to the customer: Handling starts.
    LegLinked { offer: OfferId },
    /// Delivering an offer failed; `reason` is a connector-raised refusal reason.
    LegFailed {
        offer: OfferId,
        reason: DeliveryFailure,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::OptionalText>))]
        cause_code: Option<String>,
    },
    /// An outbound or callback dial was answered.
    Answered { contact: ContactId, by: AnsweredBy },
    /// An outbound or callback dial could not be started (closure 35).
    DialFailed {
        contact: ContactId,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::OptionalText>))]
        cause_code: Option<String>,
    },
    /// How an outbound or callback dial ended, with the connector's raw cause (the SIP status
    /// or Q.850 cause as text; docs/connector.md maps them). `live` and `answering_machine`
    /// connect the call as `answered` does; every other outcome ends the dial: a callback
    /// attempt records it (its state and minor code), an outbound contact closes with
    /// (33 FAILED_DESTINATION, the outcome's minor).
    DialOutcome {
        contact: ContactId,
        outcome: DialOutcome,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::OptionalText>))]
        cause_code: Option<String>,
    },
    /// The Salesforce-style hang-up of seed 002.
    Hangup {
        contact: ContactId,
        reason: HangupReason,
        #[serde(default)]
        close_call_on_error: bool,
        #[serde(default)]
        agent_status: Option<AgentStatus>,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::OptionalText>))]
        cause_code: Option<String>,
        /// Which side ended the call (`ended` only); absent: unknown.
        #[serde(default)]
        ended_by: Option<EndedBy>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_is_who_the_command_acts_as_not_whom_it_acts_on() {
        let a = AgentId::new("a1");
        let own = Command::SetState {
            agent: a.clone(),
            state: SelectableState::Ready,
            reason: None,
        };
        assert_eq!(own.agent(), Some(&a));
        let forced = Command::ForceState {
            agent: a.clone(),
            state: SelectableState::Ready,
            reason: None,
            by: "key 2".into(),
        };
        assert_eq!(forced.agent(), None);
        assert_eq!(Command::RemoveAgent { agent: a.clone() }.agent(), None);
        let unpark = |agent| Command::Unpark {
            contact: ContactId(1),
            agent,
        };
        assert_eq!(unpark(Some(a.clone())).agent(), Some(&a));
        assert_eq!(unpark(None).agent(), None);
    }
}
