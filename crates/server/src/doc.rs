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
        (name = "callbacks", description = "Callbacks (docs/callbacks.md)"),
        (name = "do-not-call", description = "The do-not-call list (admin, supervisor): numbers never dialed"),
        (name = "reports", description = "Data downloads (Data Download View permission)"),
        (name = "events", description = "Live event stream (SSE)"),
        (name = "health", description = "Health and metrics (no key)"),
        (name = "session", description = "Who a key is, and the engine's clock"),
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

/// A link from the response of one operation to another operation it makes possible.
struct Link {
    from: &'static str,
    status: &'static str,
    name: &'static str,
    to: &'static str,
    /// The target's `id` parameter, as a runtime expression.
    id: &'static str,
}

/// None from `create_contact`: a contact for a queue that does not exist is created closed
/// (38, 14), so nothing can be done with it afterwards.
const LINKS: &[Link] = &[
    Link {
        from: "create_callback",
        status: "200",
        name: "SendCallbackToQueue",
        to: "send_to_queue",
        id: "$response.body#/contact",
    },
    Link {
        from: "create_callback",
        status: "200",
        name: "PurgeCallback",
        to: "purge",
        id: "$response.body#/contact",
    },
    Link {
        from: "put_queue",
        status: "200",
        name: "GetQueue",
        to: "get_queue",
        id: "$request.path.id",
    },
    Link {
        from: "put_queue",
        status: "200",
        name: "GetDispositions",
        to: "get_dispositions",
        id: "$request.path.id",
    },
    Link {
        from: "put_queue",
        status: "200",
        name: "StopCallbacks",
        to: "stop_callbacks",
        id: "$request.path.id",
    },
    Link {
        from: "put_queue",
        status: "200",
        name: "DeleteQueue",
        to: "delete_queue",
        id: "$request.path.id",
    },
    Link {
        from: "put_agent",
        status: "200",
        name: "GetAgent",
        to: "get_agent",
        id: "$request.path.id",
    },
    Link {
        from: "put_agent",
        status: "200",
        name: "AgentStatus",
        to: "agent_status",
        id: "$request.path.id",
    },
    Link {
        from: "put_agent",
        status: "200",
        name: "DeleteAgent",
        to: "delete_agent",
        id: "$request.path.id",
    },
    Link {
        from: "put_station",
        status: "200",
        name: "GetStation",
        to: "get_station",
        id: "$request.path.id",
    },
    Link {
        from: "put_station",
        status: "200",
        name: "DeleteStation",
        to: "delete_station",
        id: "$request.path.id",
    },
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

/// Replaces integer formats by the bounds of their width (keeping tighter bounds). utoipa
/// spells the unsigned ones `u-int8`…`u-int64`.
fn bound_integers(value: &mut Value) {
    match value {
        Value::Object(object) => {
            let bounds = match object.get("format").and_then(Value::as_str) {
                Some("int8") => Some((i8::MIN as i128, i8::MAX as i128)),
                Some("int16") => Some((i16::MIN as i128, i16::MAX as i128)),
                Some("int32") => Some((i32::MIN as i128, i32::MAX as i128)),
                Some("int64") => Some((i64::MIN as i128, i64::MAX as i128)),
                Some("uint8" | "u-int8") => Some((0, u8::MAX as i128)),
                Some("uint16" | "u-int16") => Some((0, u16::MAX as i128)),
                Some("uint32" | "u-int32") => Some((0, u32::MAX as i128)),
                Some("uint64" | "u-int64") => Some((0, u64::MAX as i128)),
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
        for link in LINKS.iter().filter(|link| link.from == id) {
            if let Some(response) = operation.pointer_mut(&format!("/responses/{}", link.status)) {
                response["links"][link.name] = json!({
                    "operationId": link.to,
                    "parameters": {"id": link.id},
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> Value {
        serde_json::to_value(routes().1).expect("serializes")
    }

    /// Calls `visit(path, schema)` for every schema object below `value`.
    fn each_object<'v>(value: &'v Value, path: &str, visit: &mut impl FnMut(&str, &'v Value)) {
        match value {
            Value::Object(fields) => {
                visit(path, value);
                for (key, child) in fields {
                    each_object(child, &format!("{path}/{key}"), visit);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    each_object(child, &format!("{path}/{i}"), visit);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let mut dangling = Vec::new();
        each_object(&doc, "", &mut |path, object| {
            if let Some(target) = object.get("$ref").and_then(Value::as_str) {
                let pointer = target.trim_start_matches('#');
                if doc.pointer(pointer).is_none() {
                    dangling.push(format!("{path} → {target}"));
                }
            }
        });
        assert!(dangling.is_empty(), "dangling references: {dangling:#?}");
    }

    /// What openapi-typescript turns into `unknown` or `Record<string, never>`: an object
    /// schema without properties and without a typed `additionalProperties` (free-form maps
    /// such as `attributes` say what their values are), or a schema that says nothing.
    fn bare_objects(doc: &Value) -> Vec<String> {
        let mut bare = Vec::new();
        each_object(doc, "", &mut |path, object| {
            let is_schema_slot = path.ends_with("/schema")
                || path.contains("/components/schemas/") && path.matches('/').count() == 3;
            let says_nothing = object.as_object().is_some_and(|o| {
                o.keys()
                    .all(|k| matches!(k.as_str(), "description" | "default" | "example"))
            });
            let typed_values = object
                .get("additionalProperties")
                .is_some_and(|extra| extra.is_object());
            let has_properties = object
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| !p.is_empty());
            if (is_schema_slot && says_nothing)
                || (object.get("type") == Some(&json!("object"))
                    && !has_properties
                    && !typed_values)
            {
                bare.push(path.to_string());
            }
        });
        bare
    }

    #[test]
    fn no_schema_is_a_bare_object() {
        let bare = bare_objects(&document());
        assert!(bare.is_empty(), "bare objects in the document: {bare:#?}");
        // What the check finds: what the document had before it was the contract.
        let before = json!({"components": {"schemas": {"Typed": {"type": "object",
            "properties": {"attributes": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
            "paths": {"/v1/queues": {"put": {"requestBody": {"content": {"application/json": {
                "schema": {"type": "object"}}}}, "responses": {"200": {"content": {
                "application/json": {"schema": {}}}}}}}}});
        assert_eq!(
            bare_objects(&before),
            [
                "/paths//v1/queues/put/requestBody/content/application/json/schema",
                "/paths//v1/queues/put/responses/200/content/application/json/schema",
            ]
        );
    }

    #[test]
    fn every_request_body_and_json_success_is_a_named_schema() {
        let doc = document();
        let names_a_schema = |schema: &Value| {
            let text = schema.to_string();
            text.contains("#/components/schemas/")
        };
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("operation") {
                let at = format!("{method} {path}");
                if let Some(body) = operation.get("requestBody") {
                    // JSON, or CSV for the do-not-call import.
                    let content = body["content"].as_object().expect("content");
                    assert!(!content.is_empty(), "{at}: request body without content");
                    for (kind, media) in content {
                        let schema = &media["schema"];
                        assert!(names_a_schema(schema), "{at}: {kind} request body {schema}");
                    }
                }
                let responses = operation["responses"].as_object().expect("responses");
                let success = responses
                    .iter()
                    .find(|(status, _)| status.starts_with('2'))
                    .unwrap_or_else(|| panic!("{at}: no success response"));
                if let Some(schema) = success.1.pointer("/content/application~1json/schema") {
                    assert!(names_a_schema(schema), "{at}: success body {schema}");
                }
                for (status, response) in responses.iter().filter(|(s, _)| !s.starts_with('2')) {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(
                        schema, "#/components/schemas/ErrorBody",
                        "{at}: {status} without the error body"
                    );
                }
            }
        }
    }

    #[test]
    fn keys_are_documented_where_they_are_needed() {
        let doc = document();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("operation") {
                let at = format!("{method} {path}");
                let public = operation.get("security") == Some(&json!([{}]));
                let unauthorized = operation["responses"].get("401").is_some();
                match path.as_str() {
                    "/healthz" | "/metrics" => assert!(public && !unauthorized, "{at}"),
                    _ => assert!(!public && unauthorized, "{at}: 401 undocumented"),
                }
            }
        }
    }

    #[test]
    fn query_parameters_are_in_the_query() {
        let doc = document();
        for (path, name) in [
            ("/v1/events", "after"),
            ("/v1/callbacks", "queue"),
            ("/v1/callbacks", "location"),
            ("/v1/closure-codes", "lang"),
            ("/v1/reports/{name}", "from"),
            ("/v1/reports/{name}", "append-date"),
        ] {
            let parameters = doc["paths"][path]["get"]["parameters"]
                .as_array()
                .unwrap_or_else(|| panic!("{path}: no parameters"));
            let parameter = parameters
                .iter()
                .find(|p| p["name"] == name)
                .unwrap_or_else(|| panic!("{path}: no {name}"));
            assert_eq!(parameter["in"], "query", "{path} {name}");
            assert_eq!(parameter["required"], false, "{path} {name}");
        }
        let lang = &doc["paths"]["/v1/closure-codes"]["get"]["parameters"][0]["schema"];
        assert_eq!(lang["enum"], json!(["en", "hu"]), "{lang}");
    }

    #[test]
    fn every_link_reaches_an_operation() {
        let doc = document();
        let mut operations = Vec::new();
        let mut targets = Vec::new();
        each_object(&doc["paths"], "", &mut |_, object| {
            if let Some(id) = object.get("operationId").and_then(Value::as_str) {
                if object.get("responses").is_some() {
                    operations.push(id.to_string());
                } else {
                    targets.push(id.to_string());
                }
            }
        });
        assert_eq!(targets.len(), LINKS.len(), "every link is in the document");
        for target in targets {
            assert!(operations.contains(&target), "no operation {target}");
        }
    }

    #[test]
    fn integer_formats_become_bounds() {
        let mut schema = json!({"properties": {
            "small": {"type": "integer", "format": "u-int8", "minimum": 1},
            "big": {"type": "integer", "format": "u-int64"},
        }});
        bound_integers(&mut schema);
        assert_eq!(
            schema["properties"]["small"],
            json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": 255})
        );
        assert_eq!(
            schema["properties"]["big"],
            json!({"type": "integer", "minimum": 0, "maximum": u64::MAX})
        );
    }

    /// docs/api.md lists every error code with its status, as the table in `error.rs` says.
    #[test]
    fn every_error_code_is_in_the_api_docs() {
        let docs =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md"))
                .expect("docs/api.md");
        for code in error::ErrorCode::ALL {
            let row = format!("| `{}` | {} |", code.as_str(), code.status().as_u16());
            assert!(docs.contains(&row), "docs/api.md has no row {row}");
        }
        for &code in <error::StreamErrorCode as strum::VariantArray>::VARIANTS {
            assert!(
                docs.contains(&format!("`{}`", code.as_str())),
                "docs/api.md does not name {}",
                code.as_str()
            );
        }
    }
}
