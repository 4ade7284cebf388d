//! `/v1/contacts/{id}/history`: a contact's whole story from the journal — arrival, offers
//! and their outcomes, refusals with reason and raw cause, holds, transfers, callback
//! attempts, wrap-up, closure — for the supervisor's timeline ("why was this contact refused,
//! and by whom"). Read through the contact index (`contact_entries`, which the driver fills
//! after its commits) and the journal's few newer entries, never a scan, on a blocking thread
//! with its own read connection, like the event stream's catch-up.

use super::{ApiResult, ContactPath};
use crate::AppState;
use crate::error::{ApiError, ErrorCode, HistoryErrors};
use crate::extract::PathId;
use crate::names::contact_id;
use crate::roles::SupervisorKey;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use switchboard_core::event::Event;
use switchboard_core::time::Timestamp;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The most entries one answer holds; a contact's story is far shorter (the hop limit and the
/// callback attempts bound it), so `truncated` is for the pathological case only.
pub const HISTORY_MAX: usize = 5_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(history))
}

/// A contact's journal entries, in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactHistory {
    pub contact: u64,
    pub entries: Vec<HistoryEntry>,
    /// More entries exist than 5,000; these are the first.
    pub truncated: bool,
}

/// One journal entry about the contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// The journal sequence number.
    pub seq: u64,
    pub at: Timestamp,
    pub event: Event,
}

/// A contact's timeline: every journal entry that names it, open or closed.
#[utoipa::path(get, path = "/v1/contacts/{id}/history", tag = "supervisor", params(ContactPath),
    responses((status = 200, body = ContactHistory), HistoryErrors))]
async fn history(
    State(state): State<AppState>,
    _key: SupervisorKey,
    PathId(id): PathId,
) -> ApiResult<Json<ContactHistory>> {
    let contact = contact_id(&id)?.0;
    let entries = state
        .backend
        .contact_history(contact, HISTORY_MAX + 1)
        .await
        .map_err(|error| {
            ApiError::internal(format!("reading contact {contact}'s history: {error}"))
        })?;
    if entries.is_empty() {
        return Err(ApiError::new(
            ErrorCode::UnknownContact,
            format!("no contact {id:?} in the journal"),
        ));
    }
    let truncated = entries.len() > HISTORY_MAX;
    Ok(Json(ContactHistory {
        contact,
        truncated,
        entries: entries
            .into_iter()
            .take(HISTORY_MAX)
            .map(|e| HistoryEntry {
                seq: e.seq,
                at: e.record.at,
                event: e.record.event,
            })
            .collect(),
    }))
}
