//! The configuration (admin writes, supervisors read): settings, queues and their
//! dispositions, agents, stations; and the closure-code catalog any key may read.

use super::{Accepted, AgentPath, ApiResult, QueuePath, StationPath, run};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{
    ApiError, CatalogErrors, CommandErrors, ConfigWriteErrors, ErrorCode, ReadErrors, ReadOneErrors,
};
use crate::extract::{Body, ListBody, Params, PathId, from_value};
use crate::names::{named_agent, named_queue, named_station};
use crate::roles::{AdminKey, SeesAgent, StaffKey, SupervisorKey};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_core::Engine;
use switchboard_core::closure::{self, CatalogRow, Lang};
use switchboard_core::command::Command;
use switchboard_core::config::{AgentConfig, Disposition, QueueConfig, Settings, StationConfig};
use switchboard_core::ids::{AgentId, QueueId, StationId};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{IntoParams, PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(closure_codes))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_queues))
        .routes(routes!(get_queue, put_queue, delete_queue))
        .routes(routes!(get_dispositions, put_dispositions))
        .routes(routes!(list_agents))
        .routes(routes!(get_agent, put_agent, delete_agent))
        .routes(routes!(list_stations))
        .routes(routes!(get_station, put_station, delete_station))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct LangQuery {
    /// The language of the names (default `en`).
    #[param(value_type = Option<Lang>, inline)]
    lang: Option<String>,
}

/// The closure-code catalog (docs/engine.md, "Closure codes"): 22 major and 25 minor codes.
#[utoipa::path(get, path = "/v1/closure-codes", tag = "configuration", params(LangQuery),
    responses((status = 200, body = Vec<CatalogRow>), CatalogErrors))]
async fn closure_codes(
    _key: Principal,
    Params(query): Params<LangQuery>,
) -> ApiResult<Json<Vec<CatalogRow>>> {
    let lang: Lang = query
        .lang
        .as_deref()
        .unwrap_or("en")
        .parse()
        .map_err(|_| ApiError::new(ErrorCode::UnknownLang, "lang must be en or hu"))?;
    Ok(Json(closure::catalog(lang).collect()))
}

/// The engine settings (offer time-outs per channel, capacity units, limits…).
#[utoipa::path(get, path = "/v1/settings", tag = "configuration",
    responses((status = 200, body = Settings), ReadErrors))]
async fn get_settings(
    State(state): State<AppState>,
    _key: SupervisorKey,
) -> ApiResult<Json<Settings>> {
    Ok(Json(state.driver.read(|e| e.settings().clone()).await?))
}

/// Replace the engine settings (fields left out take their defaults).
#[utoipa::path(put, path = "/v1/settings", tag = "configuration", request_body = Settings,
    responses((status = 200, body = Accepted), ConfigWriteErrors))]
async fn put_settings(
    State(state): State<AppState>,
    AdminKey(principal): AdminKey,
    Body(value): Body<serde_json::Value>,
) -> ApiResult<Json<Accepted>> {
    // serde reads a struct from an array too (`"limits": []` as all defaults); the document
    // says these are objects, so anything else is refused.
    for field in ["limits", "presence_policy"] {
        if value.get(field).is_some_and(|v| !v.is_object()) {
            return Err(ApiError::invalid_body(format!(
                "{field}: must be an object"
            )));
        }
    }
    let settings: Settings = crate::extract::from_value(value)?;
    Ok(Json(
        run(&state, &principal, Command::ConfigureSettings(settings)).await?,
    ))
}

/// `GET` of every item of a kind, and `PUT` (create or replace) and `DELETE` of one: queues,
/// agents and stations are configured alike. (Reading one item differs: an agent may read
/// itself.)
macro_rules! config_kind {
    (
        $what:literal, $list_path:literal, $item_path:literal, $Params:ident,
        $Config:ty, $Body:ident, $configs:ident, $Configure:ident,
        $Remove:ident { $field:ident } = $named:ident;
        $(#[$list_doc:meta])* list $list:ident;
        $(#[$put_doc:meta])* put $put:ident;
        $(#[$delete_doc:meta])* delete $delete:ident;
    ) => {
        $(#[$list_doc])*
        #[utoipa::path(get, path = $list_path, tag = "configuration",
            responses((status = 200, body = Vec<$Config>), ReadErrors))]
        async fn $list(
            State(state): State<AppState>,
            _key: SupervisorKey,
        ) -> ApiResult<Json<Vec<$Config>>> {
            Ok(Json(state.driver.read(|e| e.$configs().cloned().collect()).await?))
        }

        $(#[$put_doc])*
        #[utoipa::path(put, path = $item_path, tag = "configuration", params($Params),
            request_body = $Body,
            responses((status = 200, body = Accepted), ConfigWriteErrors))]
        async fn $put(
            State(state): State<AppState>,
            AdminKey(principal): AdminKey,
            PathId(id): PathId,
            Body(body): Body<serde_json::Value>,
        ) -> ApiResult<Json<Accepted>> {
            replace(&state, &principal, &id, body, $what, Command::$Configure).await
        }

        $(#[$delete_doc])*
        #[utoipa::path(delete, path = $item_path, tag = "configuration", params($Params),
            responses((status = 200, body = Accepted), CommandErrors))]
        async fn $delete(
            State(state): State<AppState>,
            AdminKey(principal): AdminKey,
            PathId(id): PathId,
        ) -> ApiResult<Json<Accepted>> {
            let $field = $named(&id)?;
            Ok(Json(run(&state, &principal, Command::$Remove { $field }).await?))
        }
    };
}

config_kind! {
    "queue", "/v1/queues", "/v1/queues/{id}", QueuePath,
    QueueConfig, QueueConfigBody, queue_configs, ConfigureQueue,
    RemoveQueue { queue } = named_queue;
    /// Every queue's configuration.
    list list_queues;
    /// Create or replace a queue (channel, routing strategy, priorities, time-outs, limits,
    /// dispositions, callbacks).
    put put_queue;
    /// Remove a queue (refused while contacts or agents use it).
    delete delete_queue;
}

config_kind! {
    "agent", "/v1/agents", "/v1/agents/{id}", AgentPath,
    AgentConfig, AgentConfigBody, agent_configs, ConfigureAgent,
    RemoveAgent { agent } = named_agent;
    /// Every agent's configuration.
    list list_agents;
    /// Create or replace an agent.
    put put_agent;
    /// Remove an agent (refused while logged in).
    delete delete_agent;
}

config_kind! {
    "station", "/v1/stations", "/v1/stations/{id}", StationPath,
    StationConfig, StationConfigBody, station_configs, ConfigureStation,
    RemoveStation { station } = named_station;
    /// Every station.
    list list_stations;
    /// Create or replace a station.
    put put_station;
    /// Remove a station (refused while an agent is logged in at it).
    delete delete_station;
}

/// One queue's configuration.
#[utoipa::path(get, path = "/v1/queues/{id}", tag = "configuration", params(QueuePath),
    responses((status = 200, body = QueueConfig), ReadOneErrors))]
async fn get_queue(
    State(state): State<AppState>,
    _key: SupervisorKey,
    PathId(id): PathId,
) -> ApiResult<Json<QueueConfig>> {
    find_queue(&state, &id).await.map(Json)
}

async fn find_queue(state: &AppState, id: &str) -> ApiResult<QueueConfig> {
    find_config(
        state,
        id,
        ErrorCode::UnknownQueue,
        "queue",
        QueueId::existing,
        |e, q| e.queue_configs().find(|c| &c.id == q).cloned(),
    )
    .await
}

/// The configuration of the `what` named `id`, as `find` reads it from the engine; 404
/// `code` when there is none (a name never configured is not looked for).
async fn find_config<Id: Send + 'static, T: Send + 'static>(
    state: &AppState,
    id: &str,
    code: ErrorCode,
    what: &str,
    existing: fn(&str) -> Option<Id>,
    find: fn(&Engine, &Id) -> Option<T>,
) -> ApiResult<T> {
    let not_found = || ApiError::new(code, format!("no {what} {id:?}"));
    let wanted = existing(id).ok_or_else(not_found)?;
    state
        .driver
        .read(move |e| find(e, &wanted))
        .await?
        .ok_or_else(not_found)
}

/// A queue's dispositions (wrap-up outcomes).
#[utoipa::path(get, path = "/v1/queues/{id}/dispositions", tag = "configuration",
    params(QueuePath), responses((status = 200, body = Vec<Disposition>), ReadOneErrors))]
async fn get_dispositions(
    State(state): State<AppState>,
    _key: StaffKey,
    PathId(id): PathId,
) -> ApiResult<Json<Vec<Disposition>>> {
    Ok(Json(find_queue(&state, &id).await?.dispositions))
}

/// Replace a queue's dispositions.
#[utoipa::path(put, path = "/v1/queues/{id}/dispositions", tag = "configuration",
    params(QueuePath), request_body = Vec<Disposition>,
    responses((status = 200, body = Accepted), ConfigWriteErrors))]
async fn put_dispositions(
    State(state): State<AppState>,
    AdminKey(principal): AdminKey,
    PathId(id): PathId,
    ListBody(dispositions): ListBody<Disposition>,
) -> ApiResult<Json<Accepted>> {
    let mut queue = find_queue(&state, &id).await?;
    queue.dispositions = dispositions;
    Ok(Json(
        run(&state, &principal, Command::ConfigureQueue(Box::new(queue))).await?,
    ))
}

/// One agent's configuration (name, team, queues with proficiency, capacity, reasons).
#[utoipa::path(get, path = "/v1/agents/{id}", tag = "configuration", params(AgentPath),
    responses((status = 200, body = AgentConfig), ReadOneErrors))]
async fn get_agent(
    State(state): State<AppState>,
    SeesAgent { id, .. }: SeesAgent,
) -> ApiResult<Json<AgentConfig>> {
    find_config(
        &state,
        &id,
        ErrorCode::UnknownAgent,
        "agent",
        AgentId::existing,
        |e, a| e.agent_configs().find(|c| &c.id == a).cloned(),
    )
    .await
    .map(Json)
}

/// One station (phone number, offer time-out override).
#[utoipa::path(get, path = "/v1/stations/{id}", tag = "configuration", params(StationPath),
    responses((status = 200, body = StationConfig), ReadOneErrors))]
async fn get_station(
    State(state): State<AppState>,
    _key: SupervisorKey,
    PathId(id): PathId,
) -> ApiResult<Json<StationConfig>> {
    find_config(
        &state,
        &id,
        ErrorCode::UnknownStation,
        "station",
        StationId::existing,
        |e, s| e.station_configs().find(|c| &c.id == s).cloned(),
    )
    .await
    .map(Json)
}

/// Creates or replaces the configuration item `id` from `body` (a `T` whose id is the
/// path's).
async fn replace<T: serde::de::DeserializeOwned>(
    state: &AppState,
    principal: &Principal,
    id: &str,
    mut body: serde_json::Value,
    what: &str,
    command: fn(T) -> Command,
) -> ApiResult<Json<Accepted>> {
    fill_id(&mut body, id, what)?;
    let config: T = from_value(body)?;
    Ok(Json(run(state, principal, command(config)).await?))
}

/// The path names the item; the body may repeat the id (it must match) or leave it out.
fn fill_id(body: &mut serde_json::Value, id: &str, what: &str) -> ApiResult<()> {
    let object = body
        .as_object_mut()
        .ok_or_else(|| ApiError::invalid_body("the body must be a JSON object"))?;
    match object.get("id") {
        Some(serde_json::Value::String(given)) if given == id => {}
        Some(serde_json::Value::String(given)) => {
            return Err(ApiError::new(
                ErrorCode::IdMismatch,
                format!("the body's id {given:?} is not the {what} in the path ({id:?})"),
            ));
        }
        Some(_) => return Err(ApiError::invalid_body("id must be a string")),
        None => {
            object.insert("id".into(), serde_json::Value::String(id.to_string()));
        }
    }
    Ok(())
}

/// `schema` of a configuration without its `id`, which the path of a `PUT` gives. (The body
/// may still repeat the id; it must then match.)
fn without_id(schema: RefOr<Schema>) -> RefOr<Schema> {
    match schema {
        RefOr::T(Schema::Object(mut object)) => {
            object.properties.remove("id");
            object.required.retain(|field| field != "id");
            object.description = Some(format!(
                "{} The path gives the id: the body may leave `id` out, or repeat it \
                 (422 `id_mismatch` if it differs).",
                object.description.unwrap_or_default()
            ));
            RefOr::T(Schema::Object(object))
        }
        other => other,
    }
}

/// Declares the body of `PUT /v1/{queues,agents,stations}/{id}`: the configuration without
/// its `id`.
macro_rules! replacement {
    ($($(#[$doc:meta])* $name:ident = $config:ty;)*) => {
        $(
            $(#[$doc])*
            struct $name;

            impl PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    without_id(<$config as PartialSchema>::schema())
                }
            }

            impl ToSchema for $name {
                fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                    <$config as ToSchema>::schemas(schemas);
                }
            }
        )*
    };
}

replacement! {
    /// A queue's configuration without its id.
    QueueConfigBody = QueueConfig;
    /// An agent's configuration without its id.
    AgentConfigBody = AgentConfig;
    /// A station without its id.
    StationConfigBody = StationConfig;
}
