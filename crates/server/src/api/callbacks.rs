//! Callbacks (docs/callbacks.md): created by the API or scheduled by agents, their completion
//! statuses, and the supervisor's search and management.

use super::contacts::acting_agent;
use super::{Accepted, ApiResult, ContactPath, QueuePath, run};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, CommandErrors, CommandWithBodyErrors, ErrorCode, SearchErrors};
use crate::extract::{Body, Params, PathId};
use crate::names::{contact_id, named_agent, named_queue};
use crate::roles::{AgentKey, SupervisorKey};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use strum::VariantArray;
use switchboard_core::callback::{CallbackLocation, CompletionStatus};
use switchboard_core::command::Command;
use switchboard_core::engine::CallbackView;
use switchboard_core::ids::{AgentId, ContactId, QueueId};
use switchboard_core::schema::Text;
use switchboard_core::time::Timestamp;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_callback, list_callbacks))
        .routes(routes!(set_completion))
        .routes(routes!(send_to_queue))
        .routes(routes!(purge))
        .routes(routes!(stop_callbacks))
        .routes(routes!(start_callbacks))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackRequest {
    /// The number to call back.
    #[schema(value_type = Text)]
    pub destination: String,
    /// Required for admin, supervisor and connector keys. Agents: default the contact's queue,
    /// else the agent's first queue taking callbacks.
    #[serde(default)]
    #[schema(value_type = Option<QueueId>)]
    pub queue: Option<String>,
    /// When it goes to the queue (default now); at most a year ahead.
    #[serde(default)]
    #[schema(value_type = Option<Timestamp>)]
    pub due: Option<i64>,
    /// It expires (57) if not done by then; after `due`.
    #[serde(default)]
    #[schema(value_type = Option<Timestamp>)]
    pub window_end: Option<i64>,
    /// Admin/supervisor/connector: reserve it for this agent (who serves the queue). Agents:
    /// ignored (use `reserve`).
    #[serde(default)]
    #[schema(value_type = Option<AgentId>)]
    pub agent: Option<String>,
    /// Agents: schedule it from this contact they hold (that contact closes (51, 0)).
    #[serde(default)]
    #[schema(value_type = Option<ContactId>)]
    pub contact: Option<u64>,
    /// Agents: reserve it for themselves.
    #[serde(default)]
    pub reserve: bool,
}

/// Create a callback (docs/callbacks.md, "Creation"). With an agent key this is the agent
/// scheduling one.
#[utoipa::path(post, path = "/v1/callbacks", tag = "callbacks", request_body = CallbackRequest,
    responses((status = 200, body = Accepted), CommandWithBodyErrors))]
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
            let queue = body
                .queue
                .ok_or_else(|| ApiError::invalid_body("queue is required"))?;
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
    /// The outcome of the current attempt (docs/callbacks.md, "Attempts").
    pub status: CompletionStatus,
}

/// Set the completion status of the current attempt of a callback.
#[utoipa::path(post, path = "/v1/callbacks/{id}/completion", tag = "callbacks",
    params(ContactPath), request_body = CompletionRequest,
    responses((status = 200, body = Accepted), CommandWithBodyErrors))]
async fn set_completion(
    State(state): State<AppState>,
    AgentKey(principal): AgentKey,
    PathId(id): PathId,
    Body(body): Body<CompletionRequest>,
) -> ApiResult<Json<Accepted>> {
    let contact = contact_id(&id)?;
    let agent = acting_agent(&state, &principal, contact).await?;
    let command = Command::SetCompletion {
        agent,
        contact,
        status: body.status,
    };
    Ok(Json(run(&state, &principal, command).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CallbackQuery {
    /// Only this queue's callbacks (a name that names no queue finds none).
    queue: Option<String>,
    /// Only callbacks in this location.
    #[param(value_type = Option<CallbackLocation>, inline)]
    location: Option<String>,
    /// Only these callbacks (comma-separated contact ids, at most 1,000): the rows a page
    /// reads again after the event stream named them. A callback that is closed (or never
    /// was), or an item that is not a contact id, finds no row.
    #[param(pattern = "^[^,]*(,[^,]*){0,999}$")]
    ids: Option<String>,
}

/// Callback search: open callbacks with destination, due time, attempts and location.
#[utoipa::path(get, path = "/v1/callbacks", tag = "supervisor", params(CallbackQuery),
    responses((status = 200, body = Vec<CallbackView>), SearchErrors))]
async fn list_callbacks(
    State(state): State<AppState>,
    _key: SupervisorKey,
    Params(query): Params<CallbackQuery>,
) -> ApiResult<Json<Vec<CallbackView>>> {
    let location = match query.location.as_deref() {
        None => None,
        Some(name) => Some(
            CallbackLocation::VARIANTS
                .iter()
                .copied()
                .find(|l| l.as_str() == name)
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidQuery,
                        "location must be Pending, HandlingByBusinessProcess or HandlingByAgent",
                    )
                })?,
        ),
    };
    // A queue that never existed has no callbacks (and is not interned: see `names`).
    let queue = match query.queue.as_deref().map(QueueId::existing) {
        Some(None) => return Ok(Json(Vec::new())),
        Some(Some(queue)) => Some(queue),
        None => None,
    };
    let only: Option<Vec<ContactId>> = match query.ids.as_deref() {
        None => None,
        Some(ids) => Some(
            super::monitor::id_list(ids)?
                .into_iter()
                .filter_map(|id| id.parse().ok().map(ContactId))
                .collect(),
        ),
    };
    let views = state
        .driver
        .read(move |e| match only {
            None => e.callback_views(queue.as_ref(), location),
            Some(ids) => ids
                .into_iter()
                .filter_map(|id| e.callback_view(id))
                .filter(|v| queue.as_ref().is_none_or(|q| &v.queue == q))
                .filter(|v| location.is_none_or(|l| v.location == l))
                .collect(),
        })
        .await?;
    Ok(Json(views))
}

macro_rules! supervisor_action {
    ($name:ident, $path:literal, $params:ident, $make:expr, $id:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "supervisor", params($params),
                                    responses((status = 200, body = Accepted), CommandErrors))]
        async fn $name(
            State(state): State<AppState>,
            SupervisorKey(principal): SupervisorKey,
            PathId($id): PathId,
        ) -> ApiResult<Json<Accepted>> {
            let command: ApiResult<Command> = $make;
            Ok(Json(run(&state, &principal, command?).await?))
        }
    };
}

supervisor_action!(
    send_to_queue,
    "/v1/callbacks/{id}/send-to-queue",
    ContactPath,
    contact_id(&id).map(|contact| Command::SendCallbackToQueue { contact }),
    id,
    "A Pending callback goes to its queue now."
);
supervisor_action!(
    purge,
    "/v1/callbacks/{id}/purge",
    ContactPath,
    contact_id(&id).map(|contact| Command::PurgeCallback { contact }),
    id,
    "A Pending or queued callback completes as purged (32)."
);
supervisor_action!(
    stop_callbacks,
    "/v1/queues/{id}/callbacks/stop",
    QueuePath,
    named_queue(&id).map(|queue| Command::StopCallbacks { queue }),
    id,
    "Stop the queue's callbacks (CLBK Stat Stopped)."
);
supervisor_action!(
    start_callbacks,
    "/v1/queues/{id}/callbacks/start",
    QueuePath,
    named_queue(&id).map(|queue| Command::StartCallbacks { queue }),
    id,
    "Start the queue's callbacks again (Active, or Off Schedule HRS outside its hours)."
);
