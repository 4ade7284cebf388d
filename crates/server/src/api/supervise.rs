//! A supervisor (or admin) sets an agent's state or logs the agent out (docs/api.md, "Supervisor
//! monitor"). The engine records it as its own event (`agent_state_forced`, naming the key), and
//! the agent gets it as it would its own selection: at once, or as "Waiting for X" (Mode Pending)
//! while it works. The state then shows who set it, in the monitor and the agent-state log.

use super::{Accepted, AgentPath, ApiResult, run, setter_with_key};
use crate::AppState;
use crate::error::{CommandErrors, CommandWithBodyErrors};
use crate::extract::{Body, PathId};
use crate::names::named_agent;
use crate::roles::SupervisorKey;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_core::command::Command;
use switchboard_core::model::SelectableState;
use switchboard_core::schema::Text;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(force_state))
        .routes(routes!(force_logout))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForceStateRequest {
    /// The state to set (docs/engine.md, "Agent states"); `offline` logs the agent out.
    pub state: SelectableState,
    /// An unavailable reason configured for the agent (with `break` or `back_office` only).
    #[serde(default)]
    #[schema(value_type = Option<Text>)]
    pub reason: Option<String>,
}

/// Set an agent's state as a supervisor: at once, or pending until its contacts are done.
#[utoipa::path(post, path = "/v1/agents/{id}/force-state", tag = "supervisor", params(AgentPath),
    request_body = ForceStateRequest, responses((status = 200, body = Accepted), CommandWithBodyErrors))]
async fn force_state(
    State(state): State<AppState>,
    SupervisorKey(principal): SupervisorKey,
    PathId(id): PathId,
    Body(body): Body<ForceStateRequest>,
) -> ApiResult<Json<Accepted>> {
    let command = Command::ForceState {
        agent: named_agent(&id)?,
        state: body.state,
        reason: body.reason,
        by: setter_with_key(&principal),
    };
    Ok(Json(run(&state, &principal, command).await?))
}

/// Log an agent out as a supervisor: at once, or Waiting for Offline until its contacts are
/// done. An agent already offline stays so (nothing is recorded).
#[utoipa::path(post, path = "/v1/agents/{id}/force-logout", tag = "supervisor", params(AgentPath),
    responses((status = 200, body = Accepted), CommandErrors))]
async fn force_logout(
    State(state): State<AppState>,
    SupervisorKey(principal): SupervisorKey,
    PathId(id): PathId,
) -> ApiResult<Json<Accepted>> {
    let command = Command::ForceState {
        agent: named_agent(&id)?,
        state: SelectableState::Offline,
        reason: None,
        by: setter_with_key(&principal),
    };
    Ok(Json(run(&state, &principal, command).await?))
}
