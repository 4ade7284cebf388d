//! The HTTP API (`/v1`, docs/api.md), one module per resource. Handlers translate wire
//! requests into engine commands and hand them to the driver; every route is described in the
//! OpenAPI document generated from these functions (`/openapi.json`, browsable at `/docs`).
//!
//! Who may call a route is in its signature (the typed keys of `roles`), what it may answer
//! is in its `responses(…)`: the success body and one response set of `error`.
//!
//! - `health`: `/healthz`, `/metrics`.
//! - `config`: settings, queues, dispositions, agents, stations, the closure-code catalog.
//! - `agents`: what an agent does (login, state, dial, offers) and its live status.
//! - `contacts`: what an agent does with a contact, and a contact's view.
//! - `callbacks`: callbacks (docs/callbacks.md) for agents and supervisors.
//! - `connector`: what the telephony connector reports.
//! - `monitor`: the supervisor's monitor.
//! - `dnc`: the do-not-call list.
//! - `history`: a contact's timeline from the journal (through its index by contact).
//! - `desktop`: an agent's desktop in one read.
//! - `supervise`: a supervisor sets an agent's state or logs it out.
//! - `session`: who a key is and the engine's clock (what a page asks first).
//! - `emergency`: a queue's emergency switch.

mod agents;
mod callbacks;
mod config;
mod connector;
mod contacts;
mod desktop;
mod dnc;
mod emergency;
pub mod health;
mod history;
mod monitor;
mod session;
mod supervise;

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::driver::{Actor, Committed};
use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use switchboard_core::command::Command;
use switchboard_core::ids::{AgentId, QueueId, StationId};
use switchboard_core::model::QueueClosure;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

pub type ApiResult<T> = Result<T, ApiError>;

/// Who made a change, as journaled events name a supervisor's or admin's key: "label
/// (role)", or "key N (role)" for a key without a label, cut to the engine's text limit.
fn setter(principal: &Principal) -> String {
    key_name(principal, false)
}

/// [`setter`] with the key's id when it has a label: "night desk (supervisor, key 2)" (the
/// events of a supervisor's change to an agent name the key: docs/api.md, "Supervisor monitor").
fn setter_with_key(principal: &Principal) -> String {
    key_name(principal, true)
}

fn key_name(principal: &Principal, with_id: bool) -> String {
    let role = principal.role.as_str();
    let id = principal.key_id;
    let suffix = if with_id {
        format!(" ({role}, key {id})")
    } else {
        format!(" ({role})")
    };
    let room = switchboard_core::config::TEXT_MAX_CHARS.saturating_sub(suffix.chars().count());
    let label: String = principal
        .label
        .chars()
        .filter(|c| !c.is_control())
        .take(room)
        .collect();
    if label.trim().is_empty() {
        format!("key {id} ({role})")
    } else {
        format!("{label}{suffix}")
    }
}

/// What a command did, once durable.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Accepted {
    /// Journal sequence number of the command's first event (none when `last_seq < first_seq`).
    pub first_seq: u64,
    /// Journal sequence number of its last event.
    pub last_seq: u64,
    /// The contact the command created, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<u64>,
    /// The created contact closed at once, and why (a callback or dial to a number on the
    /// do-not-call list closes (58, 0); a call to a closed queue (38, …)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<ClosedAtOnce>,
}

/// The closure of a contact that closed as it was created.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClosedAtOnce {
    #[schema(minimum = 0, maximum = 65535)]
    pub major: u16,
    #[schema(minimum = 0, maximum = 65535)]
    pub minor: u16,
    /// The major code's internal name (`OK_ON_BLACKLIST`).
    pub name: String,
    /// Why, for people.
    pub why: String,
    /// The contact's queue is closed (38, 15 / 23 / 24): by its schedule, a holiday or an
    /// emergency, so the connector can play the matching announcement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<QueueClosure>,
    /// The emergency's message, if the queue is closed by one that has a message.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<switchboard_core::schema::Text>)]
    pub message: Option<String>,
}

impl From<switchboard_core::ClosureCode> for ClosedAtOnce {
    fn from(code: switchboard_core::ClosureCode) -> Self {
        let info = code.major.info();
        let why = if code.major == switchboard_core::Major::OK_ON_BLACKLIST {
            "the destination is on the do-not-call list".to_string()
        } else {
            info.map_or_else(String::new, |m| m.description.to_string())
        };
        ClosedAtOnce {
            major: code.major.0,
            minor: code.minor.0,
            name: info.map_or("?", |m| m.internal_name).to_string(),
            why,
            reason: None,
            message: None,
        }
    }
}

impl From<Committed> for Accepted {
    fn from(c: Committed) -> Self {
        Accepted {
            first_seq: c.first_seq,
            last_seq: c.last_seq,
            contact: c.receipt.contact.map(|c| c.0),
            closed: c.receipt.closed.map(|code| {
                let mut closed = ClosedAtOnce::from(code);
                if let Some((reason, emergency)) = c.receipt.queue_closed {
                    closed.reason = Some(reason);
                    closed.message = emergency.and_then(|e| e.message);
                }
                closed
            }),
        }
    }
}

/// Runs `command` for `principal` (an agent key acts as its agent) until it is durable.
async fn run(state: &AppState, principal: &Principal, command: Command) -> ApiResult<Accepted> {
    let actor = match (&principal.role, &principal.agent) {
        (Role::Agent, Some(agent)) => Actor::Agent(agent.clone()),
        _ => Actor::Trusted,
    };
    Ok(state.driver.execute(command, actor).await?.into())
}

/// `{id}` of `/v1/agents/{id}…`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // documents the path; handlers read it with `extract::PathId`
struct AgentPath {
    #[param(value_type = AgentId, inline)]
    id: String,
}

/// `{id}` of `/v1/queues/{id}…`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct QueuePath {
    #[param(value_type = QueueId, inline)]
    id: String,
}

/// `{id}` of `/v1/stations/{id}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct StationPath {
    #[param(value_type = StationId, inline)]
    id: String,
}

/// `{id}` of `/v1/contacts/{id}…` and `/v1/callbacks/{id}…`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct ContactPath {
    #[param(value_type = ContactRef, inline)]
    id: String,
}

/// `{id}` of `/v1/offers/{id}…`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct OfferPath {
    #[param(value_type = OfferRef, inline)]
    id: String,
}

/// A number in a path, optionally after its one-letter prefix.
fn number_ref(
    prefix: char,
    description: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^{prefix}?[0-9]{{1,19}}$")))
        .description(Some(description))
        .examples([format!("{prefix}12")])
        .into()
}

/// A contact in a path: its number, optionally after `c` (`12` or `c12`).
struct ContactRef;

impl utoipa::PartialSchema for ContactRef {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        number_ref(
            'c',
            "A contact: its number, optionally after `c` (`12` or `c12`).",
        )
    }
}

impl ToSchema for ContactRef {}

/// An offer in a path: its number, optionally after `o` (`7` or `o7`).
struct OfferRef;

impl utoipa::PartialSchema for OfferRef {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        number_ref(
            'o',
            "An offer: its number, optionally after `o` (`7` or `o7`).",
        )
    }
}

impl ToSchema for OfferRef {}

/// All `/v1` routes but the event stream and the reports, with their OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(health::router())
        .merge(config::router())
        .merge(agents::router())
        .merge(contacts::router())
        .merge(callbacks::router())
        .merge(connector::router())
        .merge(monitor::router())
        .merge(dnc::router())
        .merge(history::router())
        .merge(session::router())
        .merge(supervise::router())
        .merge(desktop::router())
        .merge(emergency::router())
}
