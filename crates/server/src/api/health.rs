//! `/healthz` and `/metrics`: for load balancers and Prometheus, so they need no key.

use super::ApiResult;
use crate::AppState;
use crate::error::HealthErrors;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(metrics_text))
}

/// Liveness of the server.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Health {
    /// Always `ok` when the engine thread answered.
    pub status: HealthStatus,
    /// Sequence number of the last committed journal entry (on a cluster node: the sum over
    /// the domains it serves).
    pub last_seq: u64,
    /// Event streams open now.
    pub subscribers: usize,
    /// Cluster store only: this node's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// Cluster store only: the domains this node serves now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
}

/// Liveness: the engine thread answers; the journal position. Needs no key.
#[utoipa::path(get, path = "/healthz", tag = "health", security(()),
    responses((status = 200, body = Health), HealthErrors))]
async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    let last_seq = state
        .driver
        .read(|_| ())
        .await
        .map(|_| state.driver.last_seq())?;
    Ok(Json(Health {
        status: HealthStatus::Ok,
        last_seq,
        subscribers: state.driver.subscribers(),
        node: None,
        domains: None,
    }))
}

/// Prometheus metrics in the text exposition format (docs/api.md lists them). Needs no key.
#[utoipa::path(get, path = "/metrics", tag = "health", security(()),
    responses((status = 200, description = "Prometheus text format 0.0.4", body = String,
        content_type = "text/plain")))]
async fn metrics_text(State(state): State<AppState>) -> String {
    metrics::gauge!("switchboard_subscribers").set(state.driver.subscribers() as f64);
    state
        .metrics
        .as_ref()
        .map(|h| h.render())
        .unwrap_or_default()
}
