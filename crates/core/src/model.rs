//! The vocabulary of the engine: channels, agent states and contact states (docs/engine.md,
//! "Agent states" and "Contact states"), refusal reasons and connector statuses (docs/engine.md,
//! "Offers and refusals"). Exact spellings live here and nowhere else.

use serde::{Deserialize, Serialize};
use std::fmt;
use strum::{EnumString, IntoStaticStr, VariantArray};

/// The media of a contact. Each channel costs capacity units out of 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Channel {
    Voice,
    Callback,
    Chat,
    Email,
    WorkItem,
}

impl Channel {
    /// The wire name (`voice`, `work_item`, …), as serde spells it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Voice and callback occupy the agent alone, whatever the configured units say.
    pub fn is_exclusive(self) -> bool {
        matches!(self, Channel::Voice | Channel::Callback)
    }

    /// Channels whose delivery needs a telephony leg confirmed by the connector.
    pub fn needs_leg(self) -> bool {
        matches!(self, Channel::Voice)
    }

    /// Default capacity units (docs/engine.md, "Configuration": the settings' `capacity_units`).
    pub fn default_units(self) -> u8 {
        match self {
            Channel::Voice | Channel::Callback => 100,
            Channel::Email => 50,
            Channel::Chat => 34,
            Channel::WorkItem => 25,
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The reason shown with Offline after the engine logged an agent out for staying
/// unavailable too long (settings' unavailable time-out).
pub const UNAVAILABLE_TIMEOUT_REASON: &str = "Unavailable time-out";

/// The twelve agent states (seed 003; docs/engine.md, "Agent states"), as shown to supervisors
/// and in reports.
// `as_str()` is the name as the seed spells it (`"BackOffice – Administrative"`); the wire
// name is serde's snake case (`"back_office"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, VariantArray)]
pub enum AgentState {
    Offline,
    Ready,
    Break,
    #[strum(serialize = "BackOffice – Administrative")]
    BackOffice,
    #[strum(serialize = "Handling – Outgoing Interactions")]
    OutgoingInteractions,
    Offered,
    Busy,
    #[strum(serialize = "No Answer")]
    NoAnswer,
    #[strum(serialize = "Waiting for BackOffice – Administrative")]
    WaitingForBackOffice,
    #[strum(serialize = "Waiting for Break")]
    WaitingForBreak,
    #[strum(serialize = "Waiting for Handling – Outgoing Interactions")]
    WaitingForOutgoingInteractions,
    #[strum(serialize = "Waiting for Offline")]
    WaitingForOffline,
}

impl AgentState {
    /// Break or BackOffice – Administrative: the states the unavailable time-out counts
    /// (the ones an unavailable reason goes with).
    pub fn is_unavailable(self) -> bool {
        matches!(self, AgentState::Break | AgentState::BackOffice)
    }

    /// The name as the seed spells it, shown to supervisors and in reports.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The state as a selection, if the agent may pick it (docs/engine.md, "Agent states":
    /// selectable by the agent).
    pub fn as_selectable(self) -> Option<SelectableState> {
        Some(match self {
            AgentState::Offline => SelectableState::Offline,
            AgentState::Ready => SelectableState::Ready,
            AgentState::Break => SelectableState::Break,
            AgentState::BackOffice => SelectableState::BackOffice,
            AgentState::OutgoingInteractions => SelectableState::OutgoingInteractions,
            AgentState::WaitingForBackOffice => SelectableState::WaitingForBackOffice,
            AgentState::WaitingForBreak => SelectableState::WaitingForBreak,
            AgentState::WaitingForOutgoingInteractions => {
                SelectableState::WaitingForOutgoingInteractions
            }
            AgentState::WaitingForOffline => SelectableState::WaitingForOffline,
            AgentState::Offered | AgentState::Busy | AgentState::NoAnswer => return None,
        })
    }

    /// "Mode Pending" in the supervisor monitor.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            AgentState::WaitingForBackOffice
                | AgentState::WaitingForBreak
                | AgentState::WaitingForOutgoingInteractions
                | AgentState::WaitingForOffline
        )
    }
}

impl fmt::Display for AgentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The states an agent may select (docs/engine.md, "Agent states"). Selecting a "Waiting for X"
/// while not busy is the same as selecting X.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SelectableState {
    Offline,
    Ready,
    Break,
    BackOffice,
    OutgoingInteractions,
    WaitingForBackOffice,
    WaitingForBreak,
    WaitingForOutgoingInteractions,
    WaitingForOffline,
}

impl SelectableState {
    /// What the selection asks for, once current work allows it.
    pub fn target(self) -> Presence {
        match self {
            SelectableState::Offline | SelectableState::WaitingForOffline => Presence::Offline,
            SelectableState::Ready => Presence::Ready,
            SelectableState::Break | SelectableState::WaitingForBreak => Presence::Break,
            SelectableState::BackOffice | SelectableState::WaitingForBackOffice => {
                Presence::BackOffice
            }
            SelectableState::OutgoingInteractions
            | SelectableState::WaitingForOutgoingInteractions => Presence::OutgoingInteractions,
        }
    }
}

/// The agent's own chosen (or imposed) base state, which routing reads and which the agent
/// returns to; the shown [`AgentState`] is derived from it plus offers, contacts and pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Offline,
    Ready,
    Break,
    BackOffice,
    OutgoingInteractions,
    NoAnswer,
}

impl Presence {
    pub fn shown(self) -> AgentState {
        match self {
            Presence::Offline => AgentState::Offline,
            Presence::Ready => AgentState::Ready,
            Presence::Break => AgentState::Break,
            Presence::BackOffice => AgentState::BackOffice,
            Presence::OutgoingInteractions => AgentState::OutgoingInteractions,
            Presence::NoAnswer => AgentState::NoAnswer,
        }
    }

    /// The "Waiting for X" state of a pending presence, if there is one.
    pub fn waiting_for(self) -> Option<AgentState> {
        match self {
            Presence::Offline => Some(AgentState::WaitingForOffline),
            Presence::Break => Some(AgentState::WaitingForBreak),
            Presence::BackOffice => Some(AgentState::WaitingForBackOffice),
            Presence::OutgoingInteractions => Some(AgentState::WaitingForOutgoingInteractions),
            Presence::Ready | Presence::NoAnswer => None,
        }
    }

    /// Whether an unavailable reason (e.g. "Lunch") may qualify this presence.
    pub fn takes_reason(self) -> bool {
        matches!(self, Presence::Break | Presence::BackOffice)
    }
}

/// The ten contact states (seed 003; docs/engine.md, "Contact states").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, VariantArray)]
#[strum(serialize_all = "title_case")]
pub enum ContactState {
    Queued,
    Offered,
    Preview,
    Dialing,
    Handling,
    OnHold,
    Consulting,
    InConference,
    WrapUp,
    Closed,
}

impl ContactState {
    /// The name as the seed spells it (`"On Hold"`); the wire name is serde's (`"on_hold"`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// A conversation is live with the customer (hold, consult and conference included).
    pub fn is_conversation(self) -> bool {
        matches!(
            self,
            ContactState::Handling
                | ContactState::OnHold
                | ContactState::Consulting
                | ContactState::InConference
        )
    }
}

impl fmt::Display for ContactState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Inbound contacts arrive from customers; outbound ones are dialed by an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// The twelve refusal reasons (docs/engine.md, "Offers and refusals"), spelled exactly as the
/// Agent Refusal report prints them.
// `as_str()`, `parse` and serde spell them alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(IntoStaticStr, EnumString, VariantArray)]
pub enum RefusalReason {
    Declined,
    NoAnswer,
    AgentLinkTimeout,
    ContactAlreadyRouted,
    #[serde(rename = "Bad Number")]
    #[strum(serialize = "Bad Number")]
    BadNumber,
    Busy,
    Error,
    #[serde(rename = "Invalid Call Leg")]
    #[strum(serialize = "Invalid Call Leg")]
    InvalidCallLeg,
    LinkFailed,
    Dropped,
    #[serde(rename = "NA")]
    #[strum(serialize = "NA")]
    NotApplicable,
    #[serde(rename = "0")]
    #[strum(serialize = "0")]
    ZeroCauseCode,
}

/// Who may raise a refusal reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RaisedBy {
    Agent,
    Engine,
    Connector,
}

/// Which entry of the presence policy decides the agent's state after a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalPenalty {
    /// `state_on_decline`
    Decline,
    /// `state_on_push_timeout`
    PushTimeout,
    /// `state_on_agent_error`
    AgentError,
    /// The agent is not at fault: state unchanged.
    None,
}

impl RefusalReason {
    /// The exact spelling of the report's Reason column.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The reason a Reason column names.
    pub fn parse(text: &str) -> Option<RefusalReason> {
        text.parse().ok()
    }

    pub fn raised_by(self) -> RaisedBy {
        match self {
            RefusalReason::Declined => RaisedBy::Agent,
            RefusalReason::NoAnswer
            | RefusalReason::AgentLinkTimeout
            | RefusalReason::ContactAlreadyRouted => RaisedBy::Engine,
            _ => RaisedBy::Connector,
        }
    }

    pub fn penalty(self) -> RefusalPenalty {
        match self {
            RefusalReason::Declined => RefusalPenalty::Decline,
            RefusalReason::NoAnswer | RefusalReason::AgentLinkTimeout => {
                RefusalPenalty::PushTimeout
            }
            RefusalReason::BadNumber
            | RefusalReason::Busy
            | RefusalReason::InvalidCallLeg
            | RefusalReason::LinkFailed
            | RefusalReason::Dropped => RefusalPenalty::AgentError,
            RefusalReason::ContactAlreadyRouted
            | RefusalReason::Error
            | RefusalReason::NotApplicable
            | RefusalReason::ZeroCauseCode => RefusalPenalty::None,
        }
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Failure reasons a connector may report for a delivery (the connector-raised refusal reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(VariantArray)]
pub enum DeliveryFailure {
    #[serde(rename = "Bad Number")]
    BadNumber,
    Busy,
    Error,
    #[serde(rename = "Invalid Call Leg")]
    InvalidCallLeg,
    LinkFailed,
    Dropped,
    #[serde(rename = "NA")]
    NotApplicable,
    #[serde(rename = "0")]
    ZeroCauseCode,
}

impl DeliveryFailure {
    pub fn reason(self) -> RefusalReason {
        match self {
            DeliveryFailure::BadNumber => RefusalReason::BadNumber,
            DeliveryFailure::Busy => RefusalReason::Busy,
            DeliveryFailure::Error => RefusalReason::Error,
            DeliveryFailure::InvalidCallLeg => RefusalReason::InvalidCallLeg,
            DeliveryFailure::LinkFailed => RefusalReason::LinkFailed,
            DeliveryFailure::Dropped => RefusalReason::Dropped,
            DeliveryFailure::NotApplicable => RefusalReason::NotApplicable,
            DeliveryFailure::ZeroCauseCode => RefusalReason::ZeroCauseCode,
        }
    }
}

/// `reason` of a connector hang-up (seed 002).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HangupReason {
    Ended,
    Error,
}

/// `ended_by` of a connector hang-up: which side ended the call. Only a hang-up the customer
/// ended can reschedule a dropped call as a callback (49, the queue's
/// `reschedule_dropped_ms`); without it the side is unknown and nothing is rescheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    Customer,
    Agent,
}

/// `agent_status` of a connector hang-up (seed 002), mapped onto refusals as docs/engine.md,
/// "Connector hang-ups" says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AgentStatus {
    MissedCallAgent,
    DeclinedByAgent,
    FailedConnectAgent,
    FailedConnectCustomer,
    MissedCallStatus,
}

impl AgentStatus {
    /// The refusal this status records against the agent; `None` for MissedCallStatus (the
    /// customer, not the agent, missed the call).
    pub fn refusal(self) -> Option<RefusalReason> {
        match self {
            AgentStatus::MissedCallAgent => Some(RefusalReason::NoAnswer),
            AgentStatus::DeclinedByAgent => Some(RefusalReason::Declined),
            AgentStatus::FailedConnectAgent => Some(RefusalReason::LinkFailed),
            AgentStatus::FailedConnectCustomer => Some(RefusalReason::Error),
            AgentStatus::MissedCallStatus => None,
        }
    }
}

/// How a live or machine answer of an outbound dial was detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AnsweredBy {
    Live,
    Machine,
}

/// Why a queue refuses new contacts (closure minor 15 / 23 / 24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QueueClosure {
    Schedule,
    Holiday,
    Emergency,
}

/// A queue's emergency closure: who closed it and what the connector may announce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QueueEmergency {
    /// For callers and supervisors ("Flooding in the building: we call you back tomorrow").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::Text>))]
    pub message: Option<String>,
    /// Who set it: the API key's label and role ("night-desk (supervisor)").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::Text>))]
    pub set_by: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spellings the derives give, pinned: reports, traces and the monitor print them.
    #[test]
    fn names_are_the_seeds_spellings() {
        let agent_states: Vec<&str> = AgentState::VARIANTS.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            agent_states,
            [
                "Offline",
                "Ready",
                "Break",
                "BackOffice – Administrative",
                "Handling – Outgoing Interactions",
                "Offered",
                "Busy",
                "No Answer",
                "Waiting for BackOffice – Administrative",
                "Waiting for Break",
                "Waiting for Handling – Outgoing Interactions",
                "Waiting for Offline",
            ]
        );
        let contact_states: Vec<&str> = ContactState::VARIANTS.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            contact_states,
            [
                "Queued",
                "Offered",
                "Preview",
                "Dialing",
                "Handling",
                "On Hold",
                "Consulting",
                "In Conference",
                "Wrap Up",
                "Closed",
            ]
        );
        for channel in Channel::VARIANTS {
            assert_eq!(serde_json::to_value(channel).unwrap(), channel.as_str());
        }
    }
}
