//! `/v1/agents/{id}/desktop`: everything an agent's desktop shows, in one consistent read
//! (the agent, its offer with the contact offered, the contacts it holds with their timers
//! and dispositions, the callback attempt in progress, its reserved callbacks). A page reads
//! it again when the agent's event stream says something changed.

use super::{AgentPath, ApiResult};
use crate::AppState;
use crate::error::{ApiError, ErrorCode, ReadOneErrors};
use crate::roles::SeesAgent;
use axum::Json;
use axum::extract::State;
use switchboard_core::engine::DesktopView;
use switchboard_core::ids::AgentId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(desktop))
}

/// An agent's desktop: state, offer, contacts with their timers, callbacks.
#[utoipa::path(get, path = "/v1/agents/{id}/desktop", tag = "agent", params(AgentPath),
    responses((status = 200, body = DesktopView), ReadOneErrors))]
async fn desktop(
    State(state): State<AppState>,
    SeesAgent { id, .. }: SeesAgent,
) -> ApiResult<Json<DesktopView>> {
    let not_found = || ApiError::new(ErrorCode::UnknownAgent, format!("no agent {id:?}"));
    let agent = AgentId::existing(&id).ok_or_else(not_found)?;
    state
        .driver
        .read(move |e| e.desktop_view(&agent))
        .await?
        .map(Json)
        .ok_or_else(not_found)
}
