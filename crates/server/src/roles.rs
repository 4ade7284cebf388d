//! Typed keys: extractors that admit a request only with a key of the right role, so a
//! handler's signature says who may call it. Each fails with 401 `unauthorized` (no valid
//! key) or 403 `forbidden` (a key of another role, or an agent key for another agent), before
//! the body is read.

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::ApiError;
use crate::extract::PathId;
use crate::names::named_agent;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use switchboard_core::ids::AgentId;

macro_rules! role_key {
    ($($(#[$doc:meta])* $name:ident: $($role:ident)|+;)*) => {
        $(
            $(#[$doc])*
            pub struct $name(pub Principal);

            impl FromRequestParts<AppState> for $name {
                type Rejection = ApiError;

                async fn from_request_parts(
                    parts: &mut Parts,
                    state: &AppState,
                ) -> Result<Self, ApiError> {
                    let principal = Principal::from_request_parts(parts, state).await?;
                    principal.require(&[$(Role::$role),+])?;
                    Ok($name(principal))
                }
            }
        )*
    };
}

role_key! {
    /// An admin key: writes the configuration.
    AdminKey: Admin;
    /// An admin or supervisor key: reads the configuration, the monitor and the callbacks,
    /// and manages callbacks.
    SupervisorKey: Admin | Supervisor;
    /// An admin or connector key: what the telephony connector reports.
    ConnectorKey: Admin | Connector;
    /// An admin or agent key: acts on offers and contacts (an agent key as its own agent).
    AgentKey: Admin | Agent;
    /// Any key but the connector's: reads a queue's dispositions.
    StaffKey: Admin | Supervisor | Agent;
}

/// A key with the Data Download View permission (reports).
pub struct DataDownloadKey(pub Principal);

impl FromRequestParts<AppState> for DataDownloadKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = Principal::from_request_parts(parts, state).await?;
        principal.require_data_download()?;
        Ok(DataDownloadKey(principal))
    }
}

/// A key that acts for the agent of the path (`/v1/agents/{id}/…`): an admin key, or that
/// agent's own key. The agent must exist (404 `unknown_agent`).
pub struct ActsForAgent {
    pub principal: Principal,
    pub agent: AgentId,
}

impl FromRequestParts<AppState> for ActsForAgent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = Principal::from_request_parts(parts, state).await?;
        let PathId(id) = PathId::from_request_parts(parts, state).await?;
        principal.require_agent_named(&id)?;
        Ok(ActsForAgent {
            agent: named_agent(&id)?,
            principal,
        })
    }
}

/// A key that may see the agent of the path: an admin or supervisor key, or that agent's
/// own key. Gives the path's id as written; the handler answers 404 for an unknown one.
pub struct SeesAgent {
    pub principal: Principal,
    pub id: String,
}

impl FromRequestParts<AppState> for SeesAgent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = Principal::from_request_parts(parts, state).await?;
        let PathId(id) = PathId::from_request_parts(parts, state).await?;
        if principal.role != Role::Supervisor {
            principal.require_agent_named(&id)?;
        }
        Ok(SeesAgent { principal, id })
    }
}
