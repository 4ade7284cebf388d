//! The HTTP API (`/v1`, PRODUCT.md §11). Handlers translate wire requests into engine commands
//! and hand them to the driver; every route is described in the OpenAPI document generated
//! from these functions (`/openapi.json`, browsable at `/docs`).

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::driver::{Actor, Committed};
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use switchboard_core::callback::{CallbackLocation, CompletionStatus};
use switchboard_core::closure::{self, Lang};
use switchboard_core::command::{Command, ConnectorEvent, TransferTarget};
use switchboard_core::config::{AgentConfig, Disposition, QueueConfig, Settings, StationConfig};
use switchboard_core::engine::{AgentView, CallbackMonitorView, CallbackView, QueueView};
use switchboard_core::ids::{AgentId, ContactId, OfferId, QueueId, StationId};
use switchboard_core::model::{AgentState, Channel, SelectableState};
use switchboard_core::time::Timestamp;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub type ApiResult<T> = Result<T, ApiError>;

/// A JSON body whose errors are JSON too: 400 `malformed_json` for bad syntax, 422
/// `invalid_body` for a wrong shape (unknown field, wrong type), 415 without the JSON
/// content type.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        // Syntax first, shape second: serde_json reports some shape errors (a number where a
        // name goes, an array for an object) as syntax errors, and valid JSON of the wrong
        // shape is a 422, not a 400.
        match Json::<serde_json::Value>::from_request(request, state).await {
            Ok(Json(value)) => from_value(value).map(Body),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::bad_request(
                "malformed_json",
                format!("the body is not valid JSON: {}", e.body_text()),
            )),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                e.body_text(),
            )),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body with Content-Type: application/json",
            )),
            Err(other) => Err(body_error(other.status(), other.body_text())),
        }
    }
}

/// A body that could not be read: too large (413 `payload_too_large`) or broken.
fn body_error(status: StatusCode, text: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            status,
            "payload_too_large",
            format!("the body is larger than {} bytes", crate::BODY_LIMIT_BYTES),
        )
    } else {
        ApiError::bad_request("invalid_body", text)
    }
}

/// A JSON body that may be left out (no body, or an empty one, is `None`).
pub struct MaybeBody<T>(pub Option<T>);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for MaybeBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| body_error(e.status(), e.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(MaybeBody(None));
        }
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(value) => from_value(value).map(|value| MaybeBody(Some(value))),
            Err(e) => Err(ApiError::bad_request(
                "malformed_json",
                format!("the body is not valid JSON: {e}"),
            )),
        }
    }
}

/// Query parameters with JSON errors.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequestParts<S>
    for Params<T>
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Params(value))
            .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
    }
}

fn contact_id(text: &str) -> ApiResult<ContactId> {
    number_id(text, 'c')
        .map(ContactId)
        .ok_or_else(|| ApiError::not_found("unknown_contact", format!("no contact {text:?}")))
}

// Names of agents, queues and stations in requests are looked up, never interned: ids are
// interned for the life of the process (see `switchboard_core::ids`), so a request naming
// something that never existed is answered here, as the engine would answer it (404 with the
// same code and message), and leaves nothing behind.

fn named_agent(name: &str) -> ApiResult<AgentId> {
    AgentId::existing(name)
        .ok_or_else(|| ApiError::not_found("unknown_agent", format!("unknown agent {name}")))
}

fn named_queue(name: &str) -> ApiResult<QueueId> {
    QueueId::existing(name)
        .ok_or_else(|| ApiError::not_found("unknown_queue", format!("unknown queue {name}")))
}

fn named_station(name: &str) -> ApiResult<StationId> {
    StationId::existing(name)
        .ok_or_else(|| ApiError::not_found("unknown_station", format!("unknown station {name}")))
}

fn offer_id(text: &str) -> ApiResult<OfferId> {
    number_id(text, 'o')
        .map(OfferId)
        .ok_or_else(|| ApiError::not_found("unknown_offer", format!("no offer {text:?}")))
}

/// `c12` or `12`.
fn number_id(text: &str, prefix: char) -> Option<u64> {
    text.strip_prefix(prefix).unwrap_or(text).parse().ok()
}

/// What a command did, once durable.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Accepted {
    /// Journal sequence numbers of the command's events (none when `last_seq < first_seq`).
    pub first_seq: u64,
    pub last_seq: u64,
    /// The contact the command created, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<u64>,
}

impl From<Committed> for Accepted {
    fn from(c: Committed) -> Self {
        Accepted {
            first_seq: c.first_seq,
            last_seq: c.last_seq,
            contact: c.receipt.contact.map(|c| c.0),
        }
    }
}

async fn run(state: &AppState, principal: &Principal, command: Command) -> ApiResult<Accepted> {
    let actor = match (&principal.role, &principal.agent) {
        (Role::Agent, Some(agent)) => Actor::Agent(agent.clone()),
        _ => Actor::Trusted,
    };
    Ok(state.driver.execute(command, actor).await?.into())
}

// ---------------------------------------------------------------- health, codes

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    /// Sequence number of the last committed journal entry.
    pub last_seq: u64,
    pub subscribers: usize,
}

/// Liveness: the driver answers and the journal position.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    let last_seq = state
        .driver
        .read(|_| ())
        .await
        .map(|_| state.driver.last_seq())?;
    Ok(Json(Health {
        status: "ok".into(),
        last_seq,
        subscribers: state.driver.subscribers(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
struct LangQuery {
    /// `en` (default) or `hu`.
    lang: Option<String>,
}

/// The closure-code catalog (§7): 22 major and 25 minor codes.
#[utoipa::path(get, path = "/v1/closure-codes", tag = "configuration", params(LangQuery),
    responses((status = 200, description = "rows: kind, code, name, description"), (status = 400, body = ErrorBody)))]
async fn closure_codes(
    _principal: Principal,
    Params(query): Params<LangQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let lang: Lang = query
        .lang
        .as_deref()
        .unwrap_or("en")
        .parse()
        .map_err(|_| ApiError::bad_request("unknown_lang", "lang must be en or hu"))?;
    let rows: Vec<_> = closure::catalog(lang).collect();
    Ok(Json(
        serde_json::to_value(rows).map_err(ApiError::internal)?,
    ))
}

// ---------------------------------------------------------------- configuration

fn admin(principal: &Principal) -> ApiResult<()> {
    principal.require(&[Role::Admin])
}

fn reader(principal: &Principal) -> ApiResult<()> {
    principal.require(&[Role::Admin, Role::Supervisor])
}

fn same_id(path: &str, body: &str, what: &str) -> ApiResult<()> {
    if path == body {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "id_mismatch",
            format!("the body's id {body:?} is not the {what} in the path ({path:?})"),
        ))
    }
}

/// The engine settings (offer time-outs per channel, capacity units, limits…).
#[utoipa::path(get, path = "/v1/settings", tag = "configuration",
    responses((status = 200, body = Object)))]
async fn get_settings(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Settings>> {
    reader(&principal)?;
    Ok(Json(state.driver.read(|e| e.settings().clone()).await?))
}

/// Replace the engine settings.
#[utoipa::path(put, path = "/v1/settings", tag = "configuration", request_body = Object,
    responses((status = 200, body = Accepted), (status = 422, body = ErrorBody)))]
async fn put_settings(
    State(state): State<AppState>,
    principal: Principal,
    Body(settings): Body<Settings>,
) -> ApiResult<Json<Accepted>> {
    admin(&principal)?;
    Ok(Json(
        run(&state, &principal, Command::ConfigureSettings(settings)).await?,
    ))
}

/// Every queue's configuration.
#[utoipa::path(get, path = "/v1/queues", tag = "configuration", responses((status = 200, body = [Object])))]
async fn list_queues(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Vec<QueueConfig>>> {
    reader(&principal)?;
    Ok(Json(
        state
            .driver
            .read(|e| e.queue_configs().cloned().collect())
            .await?,
    ))
}

/// One queue's configuration.
#[utoipa::path(get, path = "/v1/queues/{id}", tag = "configuration",
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn get_queue(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<QueueConfig>> {
    reader(&principal)?;
    find_queue(&state, &id).await.map(Json)
}

async fn find_queue(state: &AppState, id: &str) -> ApiResult<QueueConfig> {
    let not_found = || ApiError::not_found("unknown_queue", format!("no queue {id:?}"));
    let wanted = QueueId::existing(id).ok_or_else(not_found)?;
    state
        .driver
        .read(move |e| e.queue_configs().find(|q| q.id == wanted).cloned())
        .await?
        .ok_or_else(not_found)
}

/// Create or replace a queue (channel, routing strategy, priorities, time-outs, limits,
/// dispositions, callbacks).
#[utoipa::path(put, path = "/v1/queues/{id}", tag = "configuration", request_body = Object,
    responses((status = 200, body = Accepted), (status = 422, body = ErrorBody)))]
async fn put_queue(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Body(mut queue): Body<serde_json::Value>,
) -> ApiResult<Json<Accepted>> {
    admin(&principal)?;
    fill_id(&mut queue, &id, "queue")?;
    let queue: QueueConfig = from_value(queue)?;
    Ok(Json(
        run(&state, &principal, Command::ConfigureQueue(queue)).await?,
    ))
}

/// The path names the item; the body may repeat the id (it must match) or leave it out.
fn fill_id(body: &mut serde_json::Value, id: &str, what: &str) -> ApiResult<()> {
    let object = body.as_object_mut().ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "the body must be a JSON object",
        )
    })?;
    match object.get("id") {
        Some(serde_json::Value::String(given)) => same_id(id, given, what)?,
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "id must be a string",
            ));
        }
        None => {
            object.insert("id".into(), serde_json::Value::String(id.to_string()));
        }
    }
    Ok(())
}

fn from_value<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> ApiResult<T> {
    serde_json::from_value(value).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            e.to_string(),
        )
    })
}

/// Remove a queue (refused while contacts or agents use it).
#[utoipa::path(delete, path = "/v1/queues/{id}", tag = "configuration",
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_queue(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Accepted>> {
    admin(&principal)?;
    Ok(Json(
        run(
            &state,
            &principal,
            Command::RemoveQueue {
                queue: named_queue(&id)?,
            },
        )
        .await?,
    ))
}

/// A queue's dispositions (wrap-up outcomes).
#[utoipa::path(get, path = "/v1/queues/{id}/dispositions", tag = "configuration",
    responses((status = 200, body = [Object]), (status = 404, body = ErrorBody)))]
async fn get_dispositions(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Disposition>>> {
    principal.require(&[Role::Admin, Role::Supervisor, Role::Agent])?;
    Ok(Json(find_queue(&state, &id).await?.dispositions))
}

/// Replace a queue's dispositions.
#[utoipa::path(put, path = "/v1/queues/{id}/dispositions", tag = "configuration", request_body = [Object],
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_dispositions(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Body(dispositions): Body<Vec<Disposition>>,
) -> ApiResult<Json<Accepted>> {
    admin(&principal)?;
    let mut queue = find_queue(&state, &id).await?;
    queue.dispositions = dispositions;
    Ok(Json(
        run(&state, &principal, Command::ConfigureQueue(queue)).await?,
    ))
}

/// Every agent's configuration.
#[utoipa::path(get, path = "/v1/agents", tag = "configuration", responses((status = 200, body = [Object])))]
async fn list_agents(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Vec<AgentConfig>>> {
    reader(&principal)?;
    Ok(Json(
        state
            .driver
            .read(|e| e.agent_configs().cloned().collect())
            .await?,
    ))
}

/// One agent's configuration (name, team, queues with proficiency, capacity, reasons).
#[utoipa::path(get, path = "/v1/agents/{id}", tag = "configuration",
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn get_agent(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<AgentConfig>> {
    if principal.role != Role::Supervisor {
        principal.require_agent_named(&id)?;
    }
    let not_found = || ApiError::not_found("unknown_agent", format!("no agent {id:?}"));
    let agent = AgentId::existing(&id).ok_or_else(not_found)?;
    state
        .driver
        .read(move |e| e.agent_configs().find(|a| a.id == agent).cloned())
        .await?
        .map(Json)
        .ok_or_else(not_found)
}

/// Create or replace an agent.
#[utoipa::path(put, path = "/v1/agents/{id}", tag = "configuration", request_body = Object,
    responses((status = 200, body = Accepted), (status = 422, body = ErrorBody)))]
async fn put_agent(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Body(mut agent): Body<serde_json::Value>,
) -> ApiResult<Json<Accepted>> {
    admin(&principal)?;
    fill_id(&mut agent, &id, "agent")?;
    let agent: AgentConfig = from_value(agent)?;
    Ok(Json(
        run(&state, &principal, Command::ConfigureAgent(agent)).await?,
    ))
}

/// Remove an agent (refused while logged in).
#[utoipa::path(delete, path = "/v1/agents/{id}", tag = "configuration",
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_agent(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Accepted>> {
    admin(&principal)?;
    Ok(Json(
        run(
            &state,
            &principal,
            Command::RemoveAgent {
                agent: named_agent(&id)?,
            },
        )
        .await?,
    ))
}

/// Every station.
#[utoipa::path(get, path = "/v1/stations", tag = "configuration", responses((status = 200, body = [Object])))]
async fn list_stations(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Vec<StationConfig>>> {
    reader(&principal)?;
    Ok(Json(
        state
            .driver
            .read(|e| e.station_configs().cloned().collect())
            .await?,
    ))
}

/// One station (phone number, offer time-out override).
#[utoipa::path(get, path = "/v1/stations/{id}", tag = "configuration",
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn get_station(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<StationConfig>> {
    reader(&principal)?;
    let not_found = || ApiError::not_found("unknown_station", format!("no station {id:?}"));
    let wanted = StationId::existing(&id).ok_or_else(not_found)?;
    state
        .driver
        .read(move |e| e.station_configs().find(|s| s.id == wanted).cloned())
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("unknown_station", format!("no station {id:?}")))
}

/// Create or replace a station.
#[utoipa::path(put, path = "/v1/stations/{id}", tag = "configuration", request_body = Object,
    responses((status = 200, body = Accepted), (status = 422, body = ErrorBody)))]
async fn put_station(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Body(mut station): Body<serde_json::Value>,
) -> ApiResult<Json<Accepted>> {
    admin(&principal)?;
    fill_id(&mut station, &id, "station")?;
    let station: StationConfig = from_value(station)?;
    Ok(Json(
        run(&state, &principal, Command::ConfigureStation(station)).await?,
    ))
}

/// Remove a station (refused while an agent is logged in at it).
#[utoipa::path(delete, path = "/v1/stations/{id}", tag = "configuration",
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_station(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Accepted>> {
    admin(&principal)?;
    Ok(Json(
        run(
            &state,
            &principal,
            Command::RemoveStation {
                station: named_station(&id)?,
            },
        )
        .await?,
    ))
}

// ---------------------------------------------------------------- agent

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub station: String,
    /// The state to start in (default: the configured login state).
    #[schema(value_type = Option<String>, example = "ready")]
    #[serde(default)]
    pub state: Option<SelectableState>,
}

/// Log an agent in at a station.
#[utoipa::path(post, path = "/v1/agents/{id}/login", tag = "agent", request_body = LoginRequest,
    responses((status = 200, body = Accepted), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Body(body): Body<LoginRequest>,
) -> ApiResult<Json<Accepted>> {
    principal.require_agent_named(&id)?;
    let agent = named_agent(&id)?;
    let command = Command::Login {
        agent,
        station: named_station(&body.station)?,
        state: body.state,
    };
    Ok(Json(run(&state, &principal, command).await?))
}

/// Log an agent out (at once, or after its contacts: "Waiting for Offline").
#[utoipa::path(post, path = "/v1/agents/{id}/logout", tag = "agent",
    responses((status = 200, body = Accepted), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Accepted>> {
    principal.require_agent_named(&id)?;
    let agent = named_agent(&id)?;
    Ok(Json(
        run(&state, &principal, Command::Logout { agent }).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateRequest {
    /// offline, ready, break, back_office, outgoing_interactions, waiting_for_…
    #[schema(value_type = String, example = "break")]
    pub state: SelectableState,
    /// An unavailable reason configured for the agent.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Select an agent state (§4).
#[utoipa::path(post, path = "/v1/agents/{id}/state", tag = "agent", request_body = StateRequest,
    responses((status = 200, body = Accepted), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn set_state(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Body(body): Body<StateRequest>,
) -> ApiResult<Json<Accepted>> {
    principal.require_agent_named(&id)?;
    let agent = named_agent(&id)?;
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
    pub destination: String,
    /// The queue whose wrap-up and dispositions apply (default: the agent's first queue).
    #[serde(default)]
    pub queue: Option<String>,
}

/// An outbound contact (Dialing → Handling); the agent must be in Handling – Outgoing.
#[utoipa::path(post, path = "/v1/agents/{id}/dial", tag = "agent", request_body = DialRequest,
    responses((status = 200, body = Accepted), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn dial(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Body(body): Body<DialRequest>,
) -> ApiResult<Json<Accepted>> {
    principal.require_agent_named(&id)?;
    let agent = named_agent(&id)?;
    let command = Command::Dial {
        agent,
        destination: body.destination,
        queue: body.queue.as_deref().map(named_queue).transpose()?,
    };
    Ok(Json(run(&state, &principal, command).await?))
}

/// An agent's live status: state, reason, station, offer, contacts.
#[utoipa::path(get, path = "/v1/agents/{id}/status", tag = "agent",
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn agent_status(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<AgentView>> {
    if principal.role != Role::Supervisor {
        principal.require_agent_named(&id)?;
    }
    let not_found = || ApiError::not_found("unknown_agent", format!("no agent {id:?}"));
    let agent = AgentId::existing(&id).ok_or_else(not_found)?;
    state
        .driver
        .read(move |e| e.agent_view(&agent))
        .await?
        .map(Json)
        .ok_or_else(not_found)
}

/// Accept an offer. For voice, the connector then links the leg.
#[utoipa::path(post, path = "/v1/offers/{id}/accept", tag = "agent",
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn accept(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Accepted>> {
    principal.require(&[Role::Admin, Role::Agent])?;
    let offer = offer_id(&id)?;
    Ok(Json(
        run(&state, &principal, Command::Accept { offer }).await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseRequest {
    /// Agents refuse with `Declined` (the default); the other reasons of §6 are raised by
    /// the engine (time-outs) or the connector (leg failures).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Refuse an offer: one refusal record with reason Declined; the contact goes back to its
/// place in the queue.
#[utoipa::path(post, path = "/v1/offers/{id}/refuse", tag = "agent", request_body(content = RefuseRequest, description = "optional"),
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn refuse(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    MaybeBody(body): MaybeBody<RefuseRequest>,
) -> ApiResult<Json<Accepted>> {
    principal.require(&[Role::Admin, Role::Agent])?;
    let offer = offer_id(&id)?;
    if let Some(RefuseRequest {
        reason: Some(reason),
    }) = &body
        && reason != "Declined"
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_reason",
            format!(
                "an agent refuses with Declined; {reason:?} is raised by the engine or the connector"
            ),
        ));
    }
    Ok(Json(
        run(&state, &principal, Command::Refuse { offer }).await?,
    ))
}

/// The agent acting on a contact: an agent key acts as its agent; an admin acts as the
/// agent holding the contact.
async fn acting_agent(
    state: &AppState,
    principal: &Principal,
    contact: ContactId,
) -> ApiResult<AgentId> {
    principal.require(&[Role::Admin, Role::Agent])?;
    if let Some(agent) = &principal.agent {
        return Ok(agent.clone());
    }
    state
        .driver
        .read(move |e| e.contact_view(contact).map(|c| c.agent))
        .await?
        .ok_or_else(|| {
            ApiError::not_found("unknown_contact", format!("no open contact {contact}"))
        })?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "not_with_an_agent",
                format!("contact {contact} is not with an agent"),
            )
        })
}

macro_rules! contact_action {
    ($name:ident, $path:literal, $variant:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "agent",
            responses((status = 200, body = Accepted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
        async fn $name(
            State(state): State<AppState>,
            principal: Principal,
            Path(id): Path<String>,
        ) -> ApiResult<Json<Accepted>> {
            let contact = contact_id(&id)?;
            let agent = acting_agent(&state, &principal, contact).await?;
            Ok(Json(run(&state, &principal, Command::$variant { agent, contact }).await?))
        }
    };
}

contact_action!(
    hold,
    "/v1/contacts/{id}/hold",
    Hold,
    "Put the customer on hold."
);
contact_action!(
    resume,
    "/v1/contacts/{id}/resume",
    Resume,
    "Take the customer off hold (or back from a consult)."
);
contact_action!(
    consult,
    "/v1/contacts/{id}/consult",
    Consult,
    "Consult another party while the customer holds."
);
contact_action!(
    conference,
    "/v1/contacts/{id}/conference",
    Conference,
    "Join the consulted party and the customer."
);
contact_action!(
    end,
    "/v1/contacts/{id}/end",
    End,
    "End the conversation: the agent's part goes to Wrap Up."
);
contact_action!(
    start_dial,
    "/v1/contacts/{id}/dial",
    StartDial,
    "Start the dial of a callback or outbound contact shown in Preview."
);

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    /// One of the queue's dispositions (required when the queue says so).
    #[serde(default)]
    pub disposition: Option<String>,
}

/// Finish wrap-up, optionally with a disposition: the contact closes (48, 0).
#[utoipa::path(post, path = "/v1/contacts/{id}/complete", tag = "agent", request_body(content = CompleteRequest, description = "optional"),
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn complete(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    MaybeBody(body): MaybeBody<CompleteRequest>,
) -> ApiResult<Json<Accepted>> {
    let contact = contact_id(&id)?;
    let agent = acting_agent(&state, &principal, contact).await?;
    let disposition = body.and_then(|b| b.disposition);
    Ok(Json(
        run(
            &state,
            &principal,
            Command::Complete {
                agent,
                contact,
                disposition,
            },
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// Transfer to this queue…
    #[serde(default)]
    pub queue: Option<String>,
    /// …or to this agent (exactly one of the two).
    #[serde(default)]
    pub agent: Option<String>,
}

/// Transfer the contact to a queue or an agent; it keeps its id.
#[utoipa::path(post, path = "/v1/contacts/{id}/transfer", tag = "agent", request_body = TransferRequest,
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn transfer(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Body(body): Body<TransferRequest>,
) -> ApiResult<Json<Accepted>> {
    let contact = contact_id(&id)?;
    let target = match (body.queue, body.agent) {
        (Some(queue), None) => TransferTarget::Queue(named_queue(&queue)?),
        (None, Some(agent)) => TransferTarget::Agent(named_agent(&agent)?),
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "give exactly one of queue or agent",
            ));
        }
    };
    let agent = acting_agent(&state, &principal, contact).await?;
    Ok(Json(
        run(
            &state,
            &principal,
            Command::Transfer {
                agent,
                contact,
                target,
            },
        )
        .await?,
    ))
}

/// An open contact: channel, queue, state, offers, agent.
#[utoipa::path(get, path = "/v1/contacts/{id}", tag = "supervisor",
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn get_contact(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let contact = contact_id(&id)?;
    let view = state
        .driver
        .read(move |e| e.contact_view(contact))
        .await?
        .ok_or_else(|| {
            ApiError::not_found("unknown_contact", format!("no open contact {contact}"))
        })?;
    if principal.role == Role::Agent && view.agent != principal.agent {
        return Err(ApiError::forbidden("an agent sees only its own contacts"));
    }
    Ok(Json(view).into_response())
}

// ---------------------------------------------------------------- callbacks

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackRequest {
    /// The number to call back.
    pub destination: String,
    /// Default: the contact's queue, else (agents) the agent's first queue taking callbacks.
    #[serde(default)]
    pub queue: Option<String>,
    /// When it goes to the queue (ms since the Unix epoch; default now).
    #[serde(default)]
    pub due: Option<i64>,
    /// It expires (57) if not done by then (ms since the epoch).
    #[serde(default)]
    pub window_end: Option<i64>,
    /// Admin/supervisor/connector: reserve it for this agent. Agents: ignored (use `reserve`).
    #[serde(default)]
    pub agent: Option<String>,
    /// Agents: schedule it from this contact they hold (that contact closes (51, 0)).
    #[serde(default)]
    pub contact: Option<u64>,
    /// Agents: reserve it for themselves.
    #[serde(default)]
    pub reserve: bool,
}

/// Create a callback (§8). With an agent key this is the agent scheduling one.
#[utoipa::path(post, path = "/v1/callbacks", tag = "callbacks", request_body = CallbackRequest,
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_callback(
    State(state): State<AppState>,
    principal: Principal,
    Body(body): Body<CallbackRequest>,
) -> ApiResult<Json<Accepted>> {
    let command = match (&principal.role, &principal.agent) {
        (Role::Agent, Some(agent)) => {
            let due = match body.due {
                Some(due) => Timestamp(due),
                None => state.driver.read(|e| e.now()).await?,
            };
            Command::ScheduleCallback {
                agent: agent.clone(),
                contact: body.contact.map(ContactId),
                destination: body.destination,
                queue: body.queue.as_deref().map(named_queue).transpose()?,
                due,
                window_end: body.window_end.map(Timestamp),
                reserve: body.reserve,
            }
        }
        _ => {
            let queue = body.queue.ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_body",
                    "queue is required",
                )
            })?;
            Command::CreateCallback {
                queue: named_queue(&queue)?,
                destination: body.destination,
                due: body.due.map(Timestamp),
                window_end: body.window_end.map(Timestamp),
                agent: body.agent.as_deref().map(named_agent).transpose()?,
            }
        }
    };
    Ok(Json(run(&state, &principal, command).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletionRequest {
    /// live, answering_machine, no_answer, wrong_destination, requested_reschedule, cancel,
    /// … (§8)
    #[schema(value_type = Object)]
    pub status: CompletionStatus,
}

/// Set the completion status of the current attempt of a callback.
#[utoipa::path(post, path = "/v1/callbacks/{id}/completion", tag = "callbacks", request_body = CompletionRequest,
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn set_completion(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Body(body): Body<CompletionRequest>,
) -> ApiResult<Json<Accepted>> {
    let contact = contact_id(&id)?;
    let agent = acting_agent(&state, &principal, contact).await?;
    Ok(Json(
        run(
            &state,
            &principal,
            Command::SetCompletion {
                agent,
                contact,
                status: body.status,
            },
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
struct CallbackQuery {
    /// Only this queue's callbacks.
    queue: Option<String>,
    /// Pending, HandlingByBusinessProcess, HandlingByAgent.
    location: Option<String>,
}

/// Callback search: open callbacks with destination, due time, attempts and location.
#[utoipa::path(get, path = "/v1/callbacks", tag = "supervisor", params(CallbackQuery),
    responses((status = 200, body = [Object]), (status = 400, body = ErrorBody)))]
async fn list_callbacks(
    State(state): State<AppState>,
    principal: Principal,
    Params(query): Params<CallbackQuery>,
) -> ApiResult<Response> {
    reader(&principal)?;
    let location = match query.location.as_deref() {
        None => None,
        Some(name) => Some(
            [
                CallbackLocation::Pending,
                CallbackLocation::HandlingByBusinessProcess,
                CallbackLocation::HandlingByAgent,
                CallbackLocation::Completed,
            ]
            .into_iter()
            .find(|l| l.name() == name)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_query",
                    "location must be Pending, HandlingByBusinessProcess or HandlingByAgent",
                )
            })?,
        ),
    };
    // A queue that never existed has no callbacks (and is not interned: see `named_agent`).
    let queue = match query.queue.as_deref().map(QueueId::existing) {
        Some(None) => return Ok(Json(Vec::<CallbackView>::new()).into_response()),
        Some(Some(queue)) => Some(queue),
        None => None,
    };
    let views = state
        .driver
        .read(move |e| e.callback_views(queue.as_ref(), location))
        .await?;
    Ok(Json(views).into_response())
}

macro_rules! supervisor_action {
    ($name:ident, $path:literal, $make:expr, $id:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "supervisor",
            responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
        async fn $name(
            State(state): State<AppState>,
            principal: Principal,
            Path($id): Path<String>,
        ) -> ApiResult<Json<Accepted>> {
            reader(&principal)?;
            let command: ApiResult<Command> = $make;
            Ok(Json(run(&state, &principal, command?).await?))
        }
    };
}

supervisor_action!(
    send_to_queue,
    "/v1/callbacks/{id}/send-to-queue",
    contact_id(&id).map(|contact| Command::SendCallbackToQueue { contact }),
    id,
    "A Pending callback goes to its queue now."
);
supervisor_action!(
    purge,
    "/v1/callbacks/{id}/purge",
    contact_id(&id).map(|contact| Command::PurgeCallback { contact }),
    id,
    "A Pending or queued callback completes as purged (32)."
);
supervisor_action!(
    stop_callbacks,
    "/v1/queues/{id}/callbacks/stop",
    named_queue(&id).map(|queue| Command::StopCallbacks { queue }),
    id,
    "Stop the queue's callbacks (CLBK Stat Stopped)."
);
supervisor_action!(
    start_callbacks,
    "/v1/queues/{id}/callbacks/start",
    named_queue(&id).map(|queue| Command::StartCallbacks { queue }),
    id,
    "Start the queue's callbacks again (Active, or Off Schedule HRS outside its hours)."
);

// ---------------------------------------------------------------- connector

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// voice, callback, chat, email, work_item
    #[schema(value_type = String, example = "voice")]
    pub channel: Channel,
    pub queue: String,
    /// The customer's address (caller number, e-mail…).
    pub from: String,
    /// Higher is more urgent (default 0).
    #[serde(default)]
    pub priority: u16,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// A customer contact arrives for a queue. Answers with its id.
#[utoipa::path(post, path = "/v1/contacts", tag = "connector", request_body = ContactRequest,
    responses((status = 201, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn create_contact(
    State(state): State<AppState>,
    principal: Principal,
    Body(body): Body<ContactRequest>,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    principal.require(&[Role::Admin, Role::Connector])?;
    let command = Command::CreateContact {
        channel: body.channel,
        // A queue that does not exist is still a contact, closed (38, 14) as §7 says, so its
        // name is interned: bounded by the contacts the connector creates, each journaled.
        queue: QueueId::new(&body.queue),
        from: body.from.into(),
        priority: body.priority,
        attributes: body.attributes,
    };
    Ok((
        StatusCode::CREATED,
        Json(run(&state, &principal, command).await?),
    ))
}

/// The customer left (hung up while waiting or ringing).
#[utoipa::path(post, path = "/v1/contacts/{id}/abandon", tag = "connector",
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn abandon(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Accepted>> {
    principal.require(&[Role::Admin, Role::Connector])?;
    let contact = contact_id(&id)?;
    Ok(Json(
        run(&state, &principal, Command::Abandon { contact }).await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChooseCallbackRequest {
    /// The number to call back (default: the caller's number).
    #[serde(default)]
    pub destination: Option<String>,
}

/// A waiting caller chooses a callback: the call closes (51, 22) and the callback keeps its
/// place.
#[utoipa::path(post, path = "/v1/contacts/{id}/callback", tag = "connector", request_body(content = ChooseCallbackRequest, description = "optional"),
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn choose_callback(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    MaybeBody(body): MaybeBody<ChooseCallbackRequest>,
) -> ApiResult<Json<Accepted>> {
    principal.require(&[Role::Admin, Role::Connector])?;
    let contact = contact_id(&id)?;
    let destination = body.and_then(|b| b.destination);
    Ok(Json(
        run(
            &state,
            &principal,
            Command::ChooseCallback {
                contact,
                destination,
            },
        )
        .await?,
    ))
}

/// What the telephony connector reports: `leg_linked`, `leg_failed` (reason, cause code),
/// `answered` (live / machine), `dial_failed`, `hangup` (§6). See docs/connector.md.
#[utoipa::path(post, path = "/v1/connector/events", tag = "connector", request_body = Object,
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn connector_event(
    State(state): State<AppState>,
    principal: Principal,
    Body(event): Body<ConnectorEvent>,
) -> ApiResult<Json<Accepted>> {
    principal.require(&[Role::Admin, Role::Connector])?;
    Ok(Json(
        run(&state, &principal, Command::Connector(event)).await?,
    ))
}

// ---------------------------------------------------------------- monitor

#[derive(Debug, Serialize)]
struct AgentRow {
    #[serde(flatten)]
    agent: AgentView,
    /// Available, Unavailable or Mode Pending (§9).
    availability: &'static str,
    /// Seconds in the current state.
    seconds_in_state: i64,
}

fn availability(state: AgentState) -> &'static str {
    match state {
        AgentState::Ready | AgentState::Offered | AgentState::Busy => "Available",
        AgentState::WaitingForBackOffice
        | AgentState::WaitingForBreak
        | AgentState::WaitingForOutgoingInteractions
        | AgentState::WaitingForOffline => "Mode Pending",
        _ => "Unavailable",
    }
}

/// Every agent: state (with reason), availability, time in state, station, contacts.
#[utoipa::path(get, path = "/v1/monitor/agents", tag = "supervisor", responses((status = 200, body = [Object])))]
async fn monitor_agents(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Response> {
    reader(&principal)?;
    let rows = state
        .driver
        .read(|e| {
            let now = e.now();
            e.agent_views()
                .map(|agent| AgentRow {
                    availability: availability(agent.state),
                    seconds_in_state: (now.0 - agent.since.0).max(0) / 1000,
                    agent,
                })
                .collect::<Vec<_>>()
        })
        .await?;
    Ok(Json(rows).into_response())
}

#[derive(Debug, Serialize)]
struct QueueRow {
    #[serde(flatten)]
    queue: QueueView,
    /// Seconds the oldest waiting contact has waited.
    longest_wait_seconds: Option<i64>,
    #[serde(flatten)]
    shift: crate::shift::ShiftFigures,
    callbacks: Option<CallbackMonitorView>,
}

/// Every queue: waiting, longest wait, agents, shift counters and callback columns.
#[utoipa::path(get, path = "/v1/monitor/queues", tag = "supervisor", responses((status = 200, body = [Object])))]
async fn monitor_queues(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Response> {
    reader(&principal)?;
    let (now, views) = state
        .driver
        .read(|e| {
            let views: Vec<_> = e
                .queue_views()
                .map(|q| {
                    let callbacks = e.callback_monitor(&q.id);
                    (q, callbacks)
                })
                .collect();
            (e.now(), views)
        })
        .await?;
    let rows: Vec<QueueRow> = views
        .into_iter()
        .map(|(queue, callbacks)| QueueRow {
            longest_wait_seconds: queue.oldest_entrance.map(|t| (now.0 - t.0).max(0) / 1000),
            shift: state.shift.figures(&queue.id),
            queue,
            callbacks,
        })
        .collect();
    Ok(Json(rows).into_response())
}

/// Every open contact.
#[utoipa::path(get, path = "/v1/monitor/contacts", tag = "supervisor", responses((status = 200, body = [Object])))]
async fn monitor_contacts(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Response> {
    reader(&principal)?;
    let views = state
        .driver
        .read(|e| e.contact_views().collect::<Vec<_>>())
        .await?;
    Ok(Json(views).into_response())
}

/// All routes with their OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(closure_codes))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_queues))
        .routes(routes!(get_queue, put_queue, delete_queue))
        .routes(routes!(get_dispositions, put_dispositions))
        .routes(routes!(list_agents))
        .routes(routes!(get_agent, put_agent, delete_agent))
        .routes(routes!(list_stations))
        .routes(routes!(get_station, put_station, delete_station))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(set_state))
        .routes(routes!(dial))
        .routes(routes!(agent_status))
        .routes(routes!(accept))
        .routes(routes!(refuse))
        .routes(routes!(hold))
        .routes(routes!(resume))
        .routes(routes!(consult))
        .routes(routes!(conference))
        .routes(routes!(end))
        .routes(routes!(start_dial))
        .routes(routes!(complete))
        .routes(routes!(transfer))
        .routes(routes!(get_contact))
        .routes(routes!(create_callback, list_callbacks))
        .routes(routes!(set_completion))
        .routes(routes!(send_to_queue))
        .routes(routes!(purge))
        .routes(routes!(stop_callbacks))
        .routes(routes!(start_callbacks))
        .routes(routes!(create_contact))
        .routes(routes!(abandon))
        .routes(routes!(choose_callback))
        .routes(routes!(connector_event))
        .routes(routes!(monitor_agents))
        .routes(routes!(monitor_queues))
        .routes(routes!(monitor_contacts))
        .routes(routes!(crate::events::events))
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
            assert_eq!(
                (error.status, error.code),
                (StatusCode::NOT_FOUND, "unknown_agent")
            );
            assert_eq!(error.message, format!("unknown agent {name}"));
            let error = named_queue(name).unwrap_err();
            assert_eq!(error.code, "unknown_queue");
            let error = named_station(name).unwrap_err();
            assert_eq!(error.code, "unknown_station");
            assert!(AgentId::existing(name).is_none(), "{name} was interned");
        }
        // The engine's own answer for an unknown agent reads the same.
        let engine_said = ApiError::from(Rejection::UnknownAgent(AgentId::new("api-test-a1")));
        let said_here = named_agent("api-test-a1-missing").unwrap_err();
        assert_eq!(
            (engine_said.status, engine_said.code),
            (said_here.status, said_here.code)
        );
        assert_eq!(engine_said.message, "unknown agent api-test-a1");
        // A name that exists resolves to the one interned id.
        let known = AgentId::new("api-test-known");
        assert_eq!(named_agent("api-test-known").unwrap(), known);
    }

    #[test]
    fn an_agent_key_acts_only_for_its_agent_whatever_the_name() {
        let principal = Principal {
            key_id: 1,
            role: Role::Agent,
            agent: Some(AgentId::new("api-test-me")),
            data_download: false,
        };
        assert!(principal.require_agent_named("api-test-me").is_ok());
        let error = principal
            .require_agent_named("api-test-not-me")
            .unwrap_err();
        assert_eq!(error.code, "forbidden");
        assert!(AgentId::existing("api-test-not-me").is_none());
    }
}
