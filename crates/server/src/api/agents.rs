//! What an agent does (docs/engine.md, "Agent states" and "Offers and refusals"): log in and
//! out, select a state, dial out, accept or refuse an offer; and its live status. Agent keys
//! act for their own agent only.

use super::{Accepted, AgentPath, ApiResult, OfferPath, run};
use crate::AppState;
use crate::error::{ApiError, CommandErrors, CommandWithBodyErrors, ErrorCode, ReadOneErrors};
use crate::extract::{Body, MaybeBody, PathId};
use crate::names::{named_queue, named_station, offer_id};
use crate::roles::{ActsForAgent, AgentKey, SeesAgent};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_core::command::Command;
use switchboard_core::engine::AgentView;
use switchboard_core::ids::{AgentId, QueueId, StationId};
use switchboard_core::model::SelectableState;
use switchboard_core::schema::Text;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(set_state))
        .routes(routes!(dial))
        .routes(routes!(agent_status))
        .routes(routes!(accept))
        .routes(routes!(refuse))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The station to log in at (one agent per station).
    #[schema(value_type = StationId)]
    pub station: String,
    /// The state to start in (default: the settings' `login_state`); not an offline one.
    #[serde(default)]
    pub state: Option<SelectableState>,
}

/// Log an agent in at a station.
#[utoipa::path(post, path = "/v1/agents/{id}/login", tag = "agent", params(AgentPath),
    request_body = LoginRequest, responses((status = 200, body = Accepted), CommandWithBodyErrors))]
async fn login(
    State(state): State<AppState>,
    ActsForAgent { principal, agent }: ActsForAgent,
    Body(body): Body<LoginRequest>,
) -> ApiResult<Json<Accepted>> {
    let command = Command::Login {
        agent,
        station: named_station(&body.station)?,
        state: body.state,
    };
    Ok(Json(run(&state, &principal, command).await?))
}

/// Log an agent out (at once, or after its contacts: "Waiting for Offline").
#[utoipa::path(post, path = "/v1/agents/{id}/logout", tag = "agent", params(AgentPath),
    responses((status = 200, body = Accepted), CommandErrors))]
async fn logout(
    State(state): State<AppState>,
    ActsForAgent { principal, agent }: ActsForAgent,
) -> ApiResult<Json<Accepted>> {
    Ok(Json(
        run(&state, &principal, Command::Logout { agent }).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateRequest {
    /// The state to select (docs/engine.md, "Agent states"); a `waiting_for_…` state takes
    /// effect after the current contacts.
    pub state: SelectableState,
    /// An unavailable reason configured for the agent (with `break` or `back_office` only).
    #[serde(default)]
    #[schema(value_type = Option<Text>)]
    pub reason: Option<String>,
}

/// Select an agent state (docs/engine.md, "Agent states").
#[utoipa::path(post, path = "/v1/agents/{id}/state", tag = "agent", params(AgentPath),
    request_body = StateRequest, responses((status = 200, body = Accepted), CommandWithBodyErrors))]
async fn set_state(
    State(state): State<AppState>,
    ActsForAgent { principal, agent }: ActsForAgent,
    Body(body): Body<StateRequest>,
) -> ApiResult<Json<Accepted>> {
    let command = Command::SetState {
        agent,
        state: body.state,
        reason: body.reason,
    };
    Ok(Json(run(&state, &principal, command).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DialRequest {
    /// The number to dial.
    #[schema(value_type = Text)]
    pub destination: String,
    /// The voice queue whose wrap-up and dispositions apply (default: the agent's first voice
    /// queue).
    #[serde(default)]
    #[schema(value_type = Option<QueueId>)]
    pub queue: Option<String>,
}

/// An outbound contact (Dialing → Handling); the agent must be in Handling – Outgoing.
#[utoipa::path(post, path = "/v1/agents/{id}/dial", tag = "agent", params(AgentPath),
    request_body = DialRequest, responses((status = 200, body = Accepted), CommandWithBodyErrors))]
async fn dial(
    State(state): State<AppState>,
    ActsForAgent { principal, agent }: ActsForAgent,
    Body(body): Body<DialRequest>,
) -> ApiResult<Json<Accepted>> {
    let command = Command::Dial {
        agent,
        destination: body.destination,
        queue: body.queue.as_deref().map(named_queue).transpose()?,
    };
    Ok(Json(run(&state, &principal, command).await?))
}

/// An agent's live status: state, reason, station, offer, contacts.
#[utoipa::path(get, path = "/v1/agents/{id}/status", tag = "agent", params(AgentPath),
    responses((status = 200, body = AgentView), ReadOneErrors))]
async fn agent_status(
    State(state): State<AppState>,
    SeesAgent { id, .. }: SeesAgent,
) -> ApiResult<Json<AgentView>> {
    let not_found = || ApiError::new(ErrorCode::UnknownAgent, format!("no agent {id:?}"));
    let agent = AgentId::existing(&id).ok_or_else(not_found)?;
    state
        .driver
        .read(move |e| e.agent_view(&agent))
        .await?
        .map(Json)
        .ok_or_else(not_found)
}

/// Accept an offer. For voice, the connector then links the leg.
#[utoipa::path(post, path = "/v1/offers/{id}/accept", tag = "agent", params(OfferPath),
    responses((status = 200, body = Accepted), CommandErrors))]
async fn accept(
    State(state): State<AppState>,
    AgentKey(principal): AgentKey,
    PathId(id): PathId,
) -> ApiResult<Json<Accepted>> {
    let offer = offer_id(&id)?;
    Ok(Json(
        run(&state, &principal, Command::Accept { offer }).await?,
    ))
}

/// The one refusal reason an agent gives; the other reasons (docs/engine.md, "Offers and
/// refusals") are raised by the engine (time-outs) or the connector (leg failures).
#[derive(ToSchema)]
#[allow(dead_code)] // the schema of `RefuseRequest::reason`
enum AgentRefusal {
    Declined,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseRequest {
    /// `Declined`, the default.
    #[serde(default)]
    #[schema(value_type = Option<AgentRefusal>)]
    pub reason: Option<String>,
    /// The agent's reason for declining: one of the settings' `decline_reasons` (422
    /// `unknown_decline_reason` otherwise). Optional: a refusal asks for no reason.
    #[serde(default)]
    #[schema(value_type = Option<Text>)]
    pub decline_reason: Option<String>,
}

/// Refuse an offer: one refusal record with reason Declined; the contact goes back to its
/// place in the queue.
#[utoipa::path(post, path = "/v1/offers/{id}/refuse", tag = "agent", params(OfferPath),
    request_body(content = Option<RefuseRequest>, description = "optional"),
    responses((status = 200, body = Accepted), CommandWithBodyErrors))]
async fn refuse(
    State(state): State<AppState>,
    AgentKey(principal): AgentKey,
    PathId(id): PathId,
    MaybeBody(body): MaybeBody<RefuseRequest>,
) -> ApiResult<Json<Accepted>> {
    let offer = offer_id(&id)?;
    let RefuseRequest {
        reason,
        decline_reason,
    } = body.unwrap_or_default();
    if let Some(reason) = reason
        && reason != "Declined"
    {
        return Err(ApiError::new(
            ErrorCode::InvalidReason,
            format!(
                "an agent refuses with Declined; {reason:?} is raised by the engine or the connector"
            ),
        ));
    }
    Ok(Json(
        run(
            &state,
            &principal,
            Command::Refuse {
                offer,
                decline_reason,
            },
        )
        .await?,
    ))
}
