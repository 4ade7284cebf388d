//! What the telephony connector reports (docs/connector.md): arrivals, abandons, a caller's
//! choice of a callback, and the leg and dial events of docs/connector.md.

use super::{Accepted, ApiResult, ContactPath, run};
use crate::AppState;
use crate::error::{CommandErrors, CommandWithBodyErrors};
use crate::extract::{Body, MaybeBody, PathId};
use crate::names::contact_id;
use crate::roles::ConnectorKey;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::BTreeMap;
use switchboard_core::command::{Command, ConnectorEvent};
use switchboard_core::ids::QueueId;
use switchboard_core::model::Channel;
use switchboard_core::schema::{OptionalText, Text};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_contact))
        .routes(routes!(abandon))
        .routes(routes!(choose_callback))
        .routes(routes!(connector_event))
}

/// The channels a contact arrives on (callbacks are made with `POST /v1/callbacks`).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // the schema of `ContactRequest::channel`
enum ArrivalChannel {
    Voice,
    Chat,
    Email,
    WorkItem,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// The channel (not `callback`: see `POST /v1/callbacks`).
    #[schema(value_type = ArrivalChannel)]
    pub channel: Channel,
    /// The queue; a queue that does not exist closes the contact at once (38, 14).
    #[schema(value_type = QueueId)]
    pub queue: String,
    /// The customer's address (caller number, e-mail…).
    #[schema(value_type = Text)]
    pub from: String,
    /// Higher is more urgent (default 0).
    #[serde(default)]
    #[schema(maximum = 1000)]
    pub priority: u16,
    /// Free-form data for the agent's desktop: name → value (at most
    /// `limits.attributes_per_contact_max`, 64 by default).
    #[serde(default)]
    #[schema(value_type = BTreeMap<Text, OptionalText>)]
    pub attributes: BTreeMap<String, String>,
}

/// A customer contact arrives for a queue. Answers with its id.
#[utoipa::path(post, path = "/v1/contacts", tag = "connector", request_body = ContactRequest,
    responses((status = 201, body = Accepted), CommandWithBodyErrors))]
async fn create_contact(
    State(state): State<AppState>,
    ConnectorKey(principal): ConnectorKey,
    Body(body): Body<ContactRequest>,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    let command = Command::CreateContact {
        channel: body.channel,
        // A queue that does not exist is still a contact, closed (38, 14) as docs/engine.md,
        // "Closure codes" says, so its name is interned: bounded by the contacts the connector
        // creates, each journaled.
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
#[utoipa::path(post, path = "/v1/contacts/{id}/abandon", tag = "connector", params(ContactPath),
    responses((status = 200, body = Accepted), CommandErrors))]
async fn abandon(
    State(state): State<AppState>,
    ConnectorKey(principal): ConnectorKey,
    PathId(id): PathId,
) -> ApiResult<Json<Accepted>> {
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
    #[schema(value_type = Option<Text>)]
    pub destination: Option<String>,
}

/// A waiting caller chooses a callback: the call closes (51, 22) and the callback keeps its
/// place.
#[utoipa::path(post, path = "/v1/contacts/{id}/callback", tag = "connector",
    params(ContactPath), request_body(content = Option<ChooseCallbackRequest>, description = "optional"),
    responses((status = 200, body = Accepted), CommandWithBodyErrors))]
async fn choose_callback(
    State(state): State<AppState>,
    ConnectorKey(principal): ConnectorKey,
    PathId(id): PathId,
    MaybeBody(body): MaybeBody<ChooseCallbackRequest>,
) -> ApiResult<Json<Accepted>> {
    let contact = contact_id(&id)?;
    let destination = body.and_then(|b| b.destination);
    let command = Command::ChooseCallback {
        contact,
        destination,
    };
    Ok(Json(run(&state, &principal, command).await?))
}

/// What the telephony connector reports: `leg_linked`, `leg_failed` (reason, cause code),
/// `answered` (live / machine), `dial_failed`, `dial_outcome` (busy, fax, SIT, … with the
/// raw cause), `hangup`. See docs/connector.md, "Connector events".
#[utoipa::path(post, path = "/v1/connector/events", tag = "connector",
    request_body = ConnectorEvent, responses((status = 200, body = Accepted), CommandWithBodyErrors))]
async fn connector_event(
    State(state): State<AppState>,
    ConnectorKey(principal): ConnectorKey,
    Body(event): Body<ConnectorEvent>,
) -> ApiResult<Json<Accepted>> {
    Ok(Json(
        run(&state, &principal, Command::Connector(event)).await?,
    ))
}
