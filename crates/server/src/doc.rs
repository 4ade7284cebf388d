//! The OpenAPI document: the `#[utoipa::path]` routes of `api`, `events` and `reports`, and
//! a last pass over the generated document for what the derives cannot say:
//!
//! - integer widths: utoipa writes `u8`…`u64` as formats (`uint8`, …) that JSON Schema
//!   validators and fuzzers ignore; the pass turns each into the bounds it implies, so a
//!   client never sends a `u8` field 300, and a fuzzer knows 2^32 is out of range for a `u32`;
//! - the enums whose variants refuse unknown fields (serde's `deny_unknown_fields` on an
//!   enum, which utoipa only carries to structs, and externally tagged variants);
//! - links from the operations that create a thing to those that read and act on it, for
//!   clients and for the stateful phase of schemathesis.

use crate::{AppState, api, error, events, reports};
use serde_json::{Value, json};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard API",
        description = "Contact-center routing: configuration, agents, the telephony connector, supervisors, reports and the live event stream. Every request needs `Authorization: Bearer <key>` (except /healthz and /metrics); errors are `{\"error\": {\"code\", \"message\"}}` with a stable code. See docs/api.md."
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(error::ErrorBody)),
    tags(
        (name = "configuration", description = "Queues, agents, stations, dispositions, settings (admin; supervisors read)"),
        (name = "agent", description = "What an agent does (agent keys act for their own agent)"),
        (name = "connector", description = "What the telephony connector reports (docs/connector.md)"),
        (name = "supervisor", description = "Monitor and callback management"),
        (name = "callbacks", description = "Callbacks (§8)"),
        (name = "reports", description = "Data downloads (Data Download View permission)"),
        (name = "events", description = "Live event stream (SSE)"),
        (name = "health", description = "Health and metrics (no key)"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Every documented route (the API, the event stream, the reports) and the finished document.
pub fn routes() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, api) = utoipa_axum::router::OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(api::router())
        .routes(utoipa_axum::routes!(events::events))
        .merge(reports::router())
        .split_for_parts();
    (router, finish(api))
}

/// The enum schemas whose object variants accept no other fields: `deny_unknown_fields`
/// enums, and externally tagged ones (the variant's object has exactly its one key).
const CLOSED_VARIANTS: &[&str] = &["ConnectorEvent", "TransferTo", "CompletionStatus"];

/// Links: (operation, status, link name, target operation, parameter → runtime expression).
/// None from `create_contact`: a contact for a queue that does not exist is created closed
/// (38, 14), so nothing can be done with it afterwards.
const LINKS: &[(&str, &str, &str, &str, &[(&str, &str)])] = &[
    (
        "create_callback",
        "200",
        "SendCallbackToQueue",
        "send_to_queue",
        &[("id", "$response.body#/contact")],
    ),
    (
        "create_callback",
        "200",
        "PurgeCallback",
        "purge",
        &[("id", "$response.body#/contact")],
    ),
    (
        "put_queue",
        "200",
        "GetQueue",
        "get_queue",
        &[("id", "$request.path.id")],
    ),
    (
        "put_queue",
        "200",
        "GetDispositions",
        "get_dispositions",
        &[("id", "$request.path.id")],
    ),
    (
        "put_queue",
        "200",
        "StopCallbacks",
        "stop_callbacks",
        &[("id", "$request.path.id")],
    ),
    (
        "put_queue",
        "200",
        "DeleteQueue",
        "delete_queue",
        &[("id", "$request.path.id")],
    ),
    (
        "put_agent",
        "200",
        "GetAgent",
        "get_agent",
        &[("id", "$request.path.id")],
    ),
    (
        "put_agent",
        "200",
        "AgentStatus",
        "agent_status",
        &[("id", "$request.path.id")],
    ),
    (
        "put_agent",
        "200",
        "DeleteAgent",
        "delete_agent",
        &[("id", "$request.path.id")],
    ),
    (
        "put_station",
        "200",
        "GetStation",
        "get_station",
        &[("id", "$request.path.id")],
    ),
    (
        "put_station",
        "200",
        "DeleteStation",
        "delete_station",
        &[("id", "$request.path.id")],
    ),
];

/// The generated document with what the derives cannot say added (see the module doc).
fn finish(api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = serde_json::to_value(&api).expect("the OpenAPI document serializes");
    bound_integers(&mut doc);
    for name in CLOSED_VARIANTS {
        if let Some(Value::Array(variants)) =
            doc.pointer_mut(&format!("/components/schemas/{name}/oneOf"))
        {
            for variant in variants {
                if variant.get("type") == Some(&json!("object")) {
                    variant["additionalProperties"] = json!(false);
                }
            }
        }
    }
    add_links(&mut doc);
    serde_json::from_value(doc).expect("the finished OpenAPI document deserializes")
}

/// Replaces integer formats by the bounds of their width (keeping tighter bounds).
fn bound_integers(value: &mut Value) {
    match value {
        Value::Object(object) => {
            let bounds = match object.get("format").and_then(Value::as_str) {
                Some("int8") => Some((i8::MIN as i128, i8::MAX as i128)),
                Some("int16") => Some((i16::MIN as i128, i16::MAX as i128)),
                Some("int32") => Some((i32::MIN as i128, i32::MAX as i128)),
                Some("int64") => Some((i64::MIN as i128, i64::MAX as i128)),
                Some("uint8") => Some((0, u8::MAX as i128)),
                Some("uint16") => Some((0, u16::MAX as i128)),
                Some("uint32") => Some((0, u32::MAX as i128)),
                Some("uint64") => Some((0, u64::MAX as i128)),
                _ => None,
            };
            if let Some((low, high)) = bounds {
                if !object.contains_key("minimum") {
                    object.insert("minimum".into(), number(low));
                }
                if !object.contains_key("maximum") {
                    object.insert("maximum".into(), number(high));
                }
                // A format JSON Schema knows, where one fits the width; none otherwise.
                let format = if low >= i32::MIN as i128 && high <= i32::MAX as i128 {
                    Some("int32")
                } else if high <= i64::MAX as i128 {
                    Some("int64")
                } else {
                    None
                };
                match format {
                    Some(format) => object.insert("format".into(), json!(format)),
                    None => object.remove("format"),
                };
            }
            object.values_mut().for_each(bound_integers);
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

fn number(n: i128) -> Value {
    if n < 0 {
        json!(n as i64)
    } else {
        json!(n as u64)
    }
}

fn add_links(doc: &mut Value) {
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
    {
        let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let id = id.to_string();
        for (_, status, name, target, parameters) in LINKS.iter().filter(|link| link.0 == id) {
            let parameters: serde_json::Map<String, Value> = parameters
                .iter()
                .map(|(param, expression)| (param.to_string(), json!(expression)))
                .collect();
            if let Some(response) = operation.pointer_mut(&format!("/responses/{status}")) {
                response["links"][*name] = json!({
                    "operationId": target,
                    "parameters": parameters,
                });
            }
        }
    }
}
