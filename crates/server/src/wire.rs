//! Schemas of the event stream's messages (`GET /v1/events`), for the OpenAPI document. The
//! stream writes them with `serde_json::json!`; these types say what that JSON holds.

use crate::error::ErrorBody;
use switchboard_core::event::Event;
use switchboard_core::output::ConnectorRequest;
use switchboard_core::time::Timestamp;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// The data of a journal message: an engine event with its journal position and time.
#[derive(ToSchema)]
#[allow(dead_code)] // written by `events::sse_event` as JSON
pub struct JournalMessage {
    /// The journal sequence number (also the message's `id`).
    seq: u64,
    at: Timestamp,
    event: Event,
}

/// The data of a `connector_request` message: the request, and on a cluster node the
/// domain's lease epoch.
#[derive(serde::Serialize)]
pub struct ConnectorMessage<'a> {
    #[serde(flatten)]
    pub request: &'a ConnectorRequest,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epoch: Option<i64>,
}

/// One Server-Sent Events message: a journal event (`id` = its sequence number, `event` =
/// its type), a `connector_request` (connector and admin keys), or an `error` that ends the
/// stream (`lagged`, `journal_unreadable`, `shutting_down`).
pub struct StreamMessage;

impl PartialSchema for StreamMessage {
    fn schema() -> RefOr<Schema> {
        let data = OneOfBuilder::new()
            .item(Ref::from_schema_name("JournalMessage"))
            .item(
                utoipa::openapi::schema::AllOfBuilder::new()
                    .item(Ref::from_schema_name("ConnectorRequest"))
                    .item(
                        ObjectBuilder::new().schema_type(Type::Object).property(
                            "epoch",
                            ObjectBuilder::new()
                                .schema_type(Type::Integer)
                                .minimum(Some(1))
                                .description(Some(
                                    "Cluster store only: the lease epoch of the node that sent it. \
                                     A connector ignores requests of an epoch lower than the \
                                     highest it has seen for the domain (a deposed owner's).",
                                )),
                        ),
                    ),
            )
            .item(Ref::from_schema_name("ErrorBody"));
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "One message of the stream, as an SSE parser reads it: `id`, `event`, `data`.",
            ))
            .property(
                "id",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^[0-9]+$"))
                    .description(Some(
                        "The journal sequence number; none on `connector_request` and `error`.",
                    )),
            )
            .property(
                "event",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some(
                        "The engine event's `type` (`contact_arrived`, …), `connector_request` or `error`.",
                    )),
            )
            .property(
                "data",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .content_media_type("application/json")
                    .content_schema(Some(Schema::OneOf(data.build()))),
            )
            .required("event")
            .required("data")
            .into()
    }
}

impl ToSchema for StreamMessage {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push(("JournalMessage".into(), JournalMessage::schema()));
        JournalMessage::schemas(schemas);
        schemas.push(("ConnectorRequest".into(), ConnectorRequest::schema()));
        ConnectorRequest::schemas(schemas);
        schemas.push(("ErrorBody".into(), ErrorBody::schema()));
        ErrorBody::schemas(schemas);
    }
}
