//! Outputs of the engine: events (to journal and publish) and requests to the connector.

use crate::event::EventRecord;
use crate::ids::{AgentId, ContactId, OfferId, StationId};
use crate::model::Channel;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    Event(EventRecord),
    Connector(ConnectorRequest),
}

/// What Switchboard asks the telephony connector to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ConnectorRequest {
    /// Ring `station` (at `number`) with `contact`; answer with LegLinked / LegFailed.
    Deliver {
        offer: OfferId,
        contact: ContactId,
        channel: Channel,
        agent: AgentId,
        station: StationId,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        number: std::sync::Arc<str>,
    },
    /// Stop ringing: the offer ended on Switchboard's side.
    CancelDelivery {
        offer: OfferId,
        contact: ContactId,
        station: StationId,
    },
    /// Stop dialing: Duration For No Answer passed.
    StopDial {
        contact: ContactId,
        station: StationId,
    },
    /// Dial `destination` for an outbound or callback contact and bridge it to `station`.
    Dial {
        contact: ContactId,
        agent: AgentId,
        station: StationId,
        destination: String,
    },
}

impl std::fmt::Display for ConnectorRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectorRequest::Deliver {
                offer,
                contact,
                station,
                number,
                ..
            } => write!(
                f,
                "connector: deliver {offer} {contact} to {station} ({number})"
            ),
            ConnectorRequest::CancelDelivery {
                offer,
                contact,
                station,
            } => write!(f, "connector: cancel {offer} {contact} at {station}"),
            ConnectorRequest::StopDial { contact, station } => {
                write!(f, "connector: stop dialing {contact} at {station}")
            }
            ConnectorRequest::Dial {
                contact,
                station,
                destination,
                ..
            } => write!(
                f,
                "connector: dial {destination} for {contact} from {station}"
            ),
        }
    }
}
