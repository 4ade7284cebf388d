//! A queue's emergency switch (issue 13, item 1) for admin and supervisor keys: set it (with
//! an optional message for callers) and clear it. While set, arrivals close (38, 24) whatever
//! the queue's schedule says; clearing it returns the queue to its schedule at once. Who set
//! it (the key's label and role) is recorded in the journaled event.

use super::{Accepted, ApiResult, QueuePath, run, setter};
use crate::AppState;
use crate::error::{CommandErrors, CommandWithBodyErrors};
use crate::extract::{MaybeBody, PathId};
use crate::names::named_queue;
use crate::roles::SupervisorKey;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_core::command::Command;
use switchboard_core::model::QueueEmergency;
use switchboard_core::schema::Text;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(set_emergency, clear_emergency))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmergencyRequest {
    /// What callers and supervisors are told (the connector plays the announcement it maps
    /// to); at most 200 characters, no control characters.
    #[serde(default)]
    #[schema(value_type = Option<Text>)]
    pub message: Option<String>,
}

/// Close the queue to arriving contacts in an emergency: they close (38, 24) and the creation
/// response carries the message. Contacts waiting stay or close (38, 24) as the queue's
/// `when_closed` says. Setting it again replaces the message and setter.
#[utoipa::path(put, path = "/v1/queues/{id}/emergency", tag = "supervisor", params(QueuePath),
    request_body(content = Option<EmergencyRequest>, description = "optional"),
    responses((status = 200, body = Accepted), CommandWithBodyErrors))]
async fn set_emergency(
    State(state): State<AppState>,
    SupervisorKey(principal): SupervisorKey,
    PathId(id): PathId,
    MaybeBody(body): MaybeBody<EmergencyRequest>,
) -> ApiResult<Json<Accepted>> {
    let command = Command::SetQueueEmergency {
        queue: named_queue(&id)?,
        emergency: Some(QueueEmergency {
            message: body.and_then(|b| b.message),
            set_by: Some(setter(&principal)),
        }),
    };
    Ok(Json(run(&state, &principal, command).await?))
}

/// End the queue's emergency: it is open or closed as its schedule says now. Clearing a
/// queue without an emergency changes nothing.
#[utoipa::path(delete, path = "/v1/queues/{id}/emergency", tag = "supervisor", params(QueuePath),
    responses((status = 200, body = Accepted), CommandErrors))]
async fn clear_emergency(
    State(state): State<AppState>,
    SupervisorKey(principal): SupervisorKey,
    PathId(id): PathId,
) -> ApiResult<Json<Accepted>> {
    let command = Command::SetQueueEmergency {
        queue: named_queue(&id)?,
        emergency: None,
    };
    Ok(Json(run(&state, &principal, command).await?))
}
