//! `/v1/session`: what a page asks first — whether its key is valid, what it may do, and the
//! engine's clock, so that countdowns follow the engine (which may run faster than real time
//! in the demo) rather than the browser's clock.

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::KeyErrors;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(session))
}

/// The caller's key and the engine's clock.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// The key's id (as `switchboard keys list` shows it).
    pub key_id: i64,
    pub role: Role,
    /// For an agent key: the one agent it acts as.
    #[schema(value_type = Option<String>)]
    pub agent: Option<String>,
    /// Whether the key has the Data Download View permission (reports).
    pub data_download: bool,
    /// The engine's time now, in milliseconds since the Unix epoch.
    pub now_ms: i64,
    /// How many engine milliseconds pass per real millisecond (1 but in the demo's `--speed`).
    pub speed: f64,
    /// The journal's last sequence number: a page that reads its data after this answer and
    /// opens the event stream with `Last-Event-ID: last_seq` misses nothing in between.
    pub last_seq: u64,
}

/// Who this key is and the engine's time. Any valid key.
#[utoipa::path(get, path = "/v1/session", tag = "session",
    responses((status = 200, body = Session), KeyErrors))]
async fn session(State(state): State<AppState>, principal: Principal) -> Json<Session> {
    Json(Session {
        key_id: principal.key_id,
        role: principal.role,
        agent: principal.agent.map(|a| a.as_str().to_string()),
        data_download: principal.data_download,
        now_ms: state.clock.now().0,
        speed: state.speed,
        last_seq: state.driver.last_seq(),
    })
}
