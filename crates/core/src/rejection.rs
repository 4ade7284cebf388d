//! Why a command was refused. Expected operating errors, never panics; each has a stable code.

use crate::config::ConfigError;
use crate::ids::{AgentId, ContactId, OfferId, QueueId, StationId};
use crate::model::{AgentState, ContactState};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "code")]
#[derive(strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Rejection {
    #[error("invalid configuration: {0}")]
    InvalidConfig(ConfigError),
    #[error("unknown agent {0}")]
    UnknownAgent(AgentId),
    #[error("unknown queue {0}")]
    UnknownQueue(QueueId),
    #[error("unknown station {0}")]
    UnknownStation(StationId),
    #[error("unknown or closed contact {0}")]
    UnknownContact(ContactId),
    #[error("unknown or ended offer {0}")]
    UnknownOffer(OfferId),
    #[error("queue {queue} has no disposition {disposition:?}")]
    UnknownDisposition { queue: QueueId, disposition: String },
    #[error("queue {0} requires a disposition")]
    DispositionRequired(QueueId),
    #[error("{reason:?} is not an unavailable reason agent {agent} may give")]
    UnknownReason { agent: AgentId, reason: String },
    #[error("{reason:?} is not one of the settings' decline reasons")]
    UnknownDeclineReason { reason: String },
    #[error("agent {0} is not logged in")]
    AgentNotLoggedIn(AgentId),
    #[error("agent {agent} is already logged in at station {station}")]
    AgentAlreadyLoggedIn { agent: AgentId, station: StationId },
    #[error("station {station} is in use by agent {agent}")]
    StationInUse { station: StationId, agent: AgentId },
    #[error("agent {agent} cannot do that in state {state}")]
    InvalidAgentState { agent: AgentId, state: AgentState },
    #[error("agent {0} is not available for a transfer")]
    AgentNotAvailable(AgentId),
    #[error("contact {contact} is {state}: cannot {action}")]
    InvalidContactState {
        contact: ContactId,
        state: ContactState,
        action: String,
    },
    #[error("contact {contact} is not with agent {agent}")]
    NotAgentsContact { agent: AgentId, contact: ContactId },
    #[error("agent {agent} has {used} capacity units in use; this contact needs {units} more")]
    CapacityExceeded {
        agent: AgentId,
        used: u16,
        units: u16,
    },
    #[error("offer {0} is already accepted")]
    OfferAlreadyAccepted(OfferId),
    #[error("offer {0} is not accepted yet")]
    OfferNotAccepted(OfferId),
    #[error("queue {queue} takes no contact now: {why}")]
    QueueUnavailable { queue: QueueId, why: String },
    #[error("{what} is still in use: {detail}")]
    InUse { what: String, detail: String },
    #[error("limit {limit} = {max} reached")]
    LimitExceeded { limit: String, max: u64 },
    #[error("invalid input: {field}: {message}")]
    InvalidInput { field: String, message: String },
    #[error("{0} is not on the do-not-call list")]
    NotOnDoNotCallList(String),
    #[error("contact {0} has no parked session")]
    #[strum(serialize = "contact_not_parked")]
    NotParked(ContactId),
    #[error("contact {contact} is {channel}: only email and work-item contacts can be {action}")]
    NotConnectionLess {
        contact: ContactId,
        channel: crate::model::Channel,
        action: String,
    },
}

impl Rejection {
    /// A stable machine-readable code, e.g. for HTTP error bodies: the variant's name in
    /// snake case (one exception: `contact_not_parked`).
    pub fn code(&self) -> &'static str {
        self.into()
    }

    pub(crate) fn limit(limit: &str, max: impl Into<u64>) -> Self {
        Rejection::LimitExceeded {
            limit: limit.to_string(),
            max: max.into(),
        }
    }
}

impl From<ConfigError> for Rejection {
    fn from(e: ConfigError) -> Self {
        Rejection::InvalidConfig(e)
    }
}
