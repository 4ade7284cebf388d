//! Names of agents, queues and stations, and numbers of contacts and offers, as requests give
//! them in paths and bodies.
//!
//! Names are looked up, never interned: ids are interned for the life of the process (see
//! `switchboard_core::ids`), so a request naming something that never existed is answered
//! here, as the engine would answer it (404 with the same code and message), and leaves
//! nothing behind.

use crate::error::{ApiError, ErrorCode};
use switchboard_core::ids::{AgentId, ContactId, OfferId, QueueId, StationId};

pub fn named_agent(name: &str) -> Result<AgentId, ApiError> {
    AgentId::existing(name)
        .ok_or_else(|| ApiError::new(ErrorCode::UnknownAgent, format!("unknown agent {name}")))
}

pub fn named_queue(name: &str) -> Result<QueueId, ApiError> {
    QueueId::existing(name)
        .ok_or_else(|| ApiError::new(ErrorCode::UnknownQueue, format!("unknown queue {name}")))
}

pub fn named_station(name: &str) -> Result<StationId, ApiError> {
    StationId::existing(name)
        .ok_or_else(|| ApiError::new(ErrorCode::UnknownStation, format!("unknown station {name}")))
}

/// `c12` or `12`.
pub fn contact_id(text: &str) -> Result<ContactId, ApiError> {
    number_id(text, 'c')
        .map(ContactId)
        .ok_or_else(|| ApiError::new(ErrorCode::UnknownContact, format!("no contact {text:?}")))
}

/// `o12` or `12`.
pub fn offer_id(text: &str) -> Result<OfferId, ApiError> {
    number_id(text, 'o')
        .map(OfferId)
        .ok_or_else(|| ApiError::new(ErrorCode::UnknownOffer, format!("no offer {text:?}")))
}

fn number_id(text: &str, prefix: char) -> Option<u64> {
    text.strip_prefix(prefix).unwrap_or(text).parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::rejection::Rejection;

    #[test]
    fn names_from_requests_are_looked_up_never_interned() {
        // Unique texts: the id registry is global to the test process.
        for name in ["api-test-ghost-agent", "api-test-ghost-queue"] {
            let error = named_agent(name).unwrap_err();
            assert_eq!(error.code, ErrorCode::UnknownAgent);
            assert_eq!(error.status(), axum::http::StatusCode::NOT_FOUND);
            assert_eq!(error.message, format!("unknown agent {name}"));
            assert_eq!(named_queue(name).unwrap_err().code, ErrorCode::UnknownQueue);
            assert_eq!(
                named_station(name).unwrap_err().code,
                ErrorCode::UnknownStation
            );
            assert!(AgentId::existing(name).is_none(), "{name} was interned");
        }
        // The engine's own answer for an unknown agent reads the same.
        let engine_said = ApiError::from(Rejection::UnknownAgent(AgentId::new("api-test-a1")));
        let said_here = named_agent("api-test-a1-missing").unwrap_err();
        assert_eq!(engine_said.code, said_here.code);
        assert_eq!(engine_said.message, "unknown agent api-test-a1");
        // A name that exists resolves to the one interned id.
        let known = AgentId::new("api-test-known");
        assert_eq!(named_agent("api-test-known").unwrap(), known);
    }

    #[test]
    fn contacts_and_offers_are_numbers_with_an_optional_prefix() {
        assert_eq!(contact_id("c12").unwrap(), ContactId(12));
        assert_eq!(contact_id("12").unwrap(), ContactId(12));
        assert_eq!(offer_id("o7").unwrap(), OfferId(7));
        assert_eq!(
            contact_id("o7").unwrap_err().code,
            ErrorCode::UnknownContact
        );
        assert_eq!(offer_id("x").unwrap_err().code, ErrorCode::UnknownOffer);
    }
}
