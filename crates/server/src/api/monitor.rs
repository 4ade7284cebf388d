//! The supervisor's monitor (docs/api.md, "Supervisor monitor"): every agent, every queue with its
//! shift counters and callback columns, every open contact.

use super::ApiResult;
use crate::AppState;
use crate::error::{ApiError, ErrorCode, ReadErrors, SearchErrors};
use crate::extract::Params;
use crate::roles::SupervisorKey;
use crate::shift::ShiftFigures;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use switchboard_core::config::QueueThresholds;
use switchboard_core::engine::{
    AgentView, CallbackMonitorView, ContactView, QueueView, SessionView,
};
use switchboard_core::ids::AgentId;
use switchboard_core::model::{AgentState, QueueClosure};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(monitor_agents))
        .routes(routes!(monitor_queues))
        .routes(routes!(monitor_contacts))
        .routes(routes!(monitor_sessions))
}

/// An agent's row: its live view, availability and time in state.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentRow {
    #[serde(flatten)]
    agent: AgentView,
    availability: Availability,
    /// Seconds in the current state.
    seconds_in_state: i64,
}

/// The monitor's availability column (docs/api.md, "Supervisor monitor").
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub enum Availability {
    Available,
    Unavailable,
    #[serde(rename = "Mode Pending")]
    ModePending,
}

fn availability(state: AgentState) -> Availability {
    match state {
        AgentState::Ready | AgentState::Offered | AgentState::Busy => Availability::Available,
        AgentState::WaitingForBackOffice
        | AgentState::WaitingForBreak
        | AgentState::WaitingForOutgoingInteractions
        | AgentState::WaitingForOffline => Availability::ModePending,
        _ => Availability::Unavailable,
    }
}

/// The most ids one `ids` filter may name: a page asks for what changed, in chunks.
pub const MAX_IDS: usize = 1000;

/// The `ids` filter of a list route, split at commas (empty items name nothing and are
/// dropped): at most [`MAX_IDS`] items.
pub fn id_list(ids: &str) -> Result<Vec<&str>, ApiError> {
    let count = ids.split(',').count();
    if count > MAX_IDS {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            format!("ids names {count} ids; at most {MAX_IDS}"),
        ));
    }
    Ok(ids.split(',').filter(|id| !id.is_empty()).collect())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AgentQuery {
    /// Only these agents (comma-separated ids, at most 1,000): the rows a page reads again
    /// after the event stream named them. An id that names no agent finds no row, so a page
    /// drops the rows it asked for and did not get.
    #[param(pattern = "^[^,]*(,[^,]*){0,999}$")]
    ids: Option<String>,
}

/// Every agent (or the agents `ids` names): state (with reason), availability, time in
/// state, station, contacts.
#[utoipa::path(get, path = "/v1/monitor/agents", tag = "supervisor", params(AgentQuery),
    responses((status = 200, body = Vec<AgentRow>), SearchErrors))]
async fn monitor_agents(
    State(state): State<AppState>,
    _key: SupervisorKey,
    Params(query): Params<AgentQuery>,
) -> ApiResult<Json<Vec<AgentRow>>> {
    // Names that were never interned name no agent (and are not interned: see `names`).
    let only: Option<Vec<AgentId>> = match query.ids.as_deref() {
        None => None,
        Some(ids) => Some(
            id_list(ids)?
                .into_iter()
                .filter_map(AgentId::existing)
                .collect(),
        ),
    };
    let rows = state
        .driver
        .read(move |e| {
            let now = e.now();
            let row = |agent: switchboard_core::engine::AgentView| AgentRow {
                availability: availability(agent.state),
                seconds_in_state: (now.0 - agent.since.0).max(0) / 1000,
                agent,
            };
            match only {
                None => e.agent_views().map(row).collect::<Vec<_>>(),
                Some(ids) => ids
                    .iter()
                    .filter_map(|id| e.agent_view(id))
                    .map(row)
                    .collect(),
            }
        })
        .await?;
    Ok(Json(rows))
}

/// A queue's row: its live view, the longest wait, the shift counters and the callback
/// columns (queues that take callbacks).
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueRow {
    #[serde(flatten)]
    queue: QueueView,
    /// Open or closed to arriving contacts, and why (the `closure` column for people).
    status: QueueStatus,
    /// Seconds the oldest waiting contact has waited.
    longest_wait_seconds: Option<i64>,
    #[serde(flatten)]
    shift: ShiftFigures,
    callbacks: Option<CallbackMonitorView>,
    /// The queue's alert levels (its configuration's `thresholds`): the longest wait is
    /// over `longest_wait_seconds`, the service level under `service_level_percent`, or more
    /// than `waiting` contacts wait. The console flags a crossed one as time passes.
    thresholds: Option<QueueThresholds>,
}

/// The monitor's queue status column: whether arriving contacts are taken.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub enum QueueStatus {
    Open,
    /// Outside the queue's open hours (arrivals close 38, 15).
    #[serde(rename = "Closed (schedule)")]
    ClosedSchedule,
    /// A holiday of the queue's schedule (38, 23).
    #[serde(rename = "Closed (holiday)")]
    ClosedHoliday,
    /// An emergency set by a supervisor or admin (38, 24).
    #[serde(rename = "Closed (emergency)")]
    ClosedEmergency,
}

fn queue_status(closure: Option<QueueClosure>) -> QueueStatus {
    match closure {
        None => QueueStatus::Open,
        Some(QueueClosure::Schedule) => QueueStatus::ClosedSchedule,
        Some(QueueClosure::Holiday) => QueueStatus::ClosedHoliday,
        Some(QueueClosure::Emergency) => QueueStatus::ClosedEmergency,
    }
}

/// Every queue: open or closed (and why, with the emergency's message and setter), waiting,
/// longest wait, agents, shift counters and callback columns.
#[utoipa::path(get, path = "/v1/monitor/queues", tag = "supervisor",
    responses((status = 200, body = Vec<QueueRow>), ReadErrors))]
async fn monitor_queues(
    State(state): State<AppState>,
    _key: SupervisorKey,
) -> ApiResult<Json<Vec<QueueRow>>> {
    let (now, views) = state
        .driver
        .read(|e| {
            let views: Vec<_> = e
                .queue_views()
                .map(|q| {
                    let callbacks = e.callback_monitor(&q.id);
                    let thresholds = e
                        .queue_configs()
                        .find(|c| c.id == q.id)
                        .and_then(|c| c.thresholds.clone());
                    (q, callbacks, thresholds)
                })
                .collect();
            (e.now(), views)
        })
        .await?;
    let rows = views
        .into_iter()
        .map(|(queue, callbacks, thresholds)| QueueRow {
            status: queue_status(queue.closure),
            longest_wait_seconds: queue.oldest_entrance.map(|t| (now.0 - t.0).max(0) / 1000),
            shift: state.shift.figures(&queue.id),
            queue,
            callbacks,
            thresholds,
        })
        .collect();
    Ok(Json(rows))
}

/// Every open contact.
#[utoipa::path(get, path = "/v1/monitor/contacts", tag = "supervisor",
    responses((status = 200, body = Vec<ContactView>), ReadErrors))]
async fn monitor_contacts(
    State(state): State<AppState>,
    _key: SupervisorKey,
) -> ApiResult<Json<Vec<ContactView>>> {
    let views = state
        .driver
        .read(|e| e.contact_views().collect::<Vec<_>>())
        .await?;
    Ok(Json(views))
}

/// Every suspended and parked session (the contacts closed (50, 0) or (61, 0) whose
/// customer's session waits), with the contacts held in each parked one.
#[utoipa::path(get, path = "/v1/monitor/sessions", tag = "supervisor",
    responses((status = 200, body = Vec<SessionView>), ReadErrors))]
async fn monitor_sessions(
    State(state): State<AppState>,
    _key: SupervisorKey,
) -> ApiResult<Json<Vec<SessionView>>> {
    let views = state.driver.read(|e| e.session_views()).await?;
    Ok(Json(views))
}
