//! HTTP errors: one table ([`ErrorCode`]) gives every error its stable `code` and its status.
//! The body is always `{"error": {"code": "...", "message": "..."}}`. 500s say nothing about
//! the cause to the client; the cause is logged.
//!
//! The engine's rejections (`Rejection::code()`) and the reports' input errors
//! (`ReportError::code()`) name their codes in their own crates; those codes are rows of this
//! table too, so their status is decided here and nowhere else. The response sets at the end
//! (`ReadErrors`, `CommandErrors`, …) document in the OpenAPI document which of these errors
//! each kind of route can give.

use crate::driver::CommandError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use switchboard_core::rejection::Rejection;
use switchboard_reports::ReportError;
use utoipa::openapi::{RefOr, ResponseBuilder};

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $status:ident, $when:literal;)*) => {
        /// Every error the API answers with: its code, its status and when it happens.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The stable code of the error body.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            pub const fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$variant => StatusCode::$status,)*
                }
            }

            /// When it happens, for people (the OpenAPI document and docs/api.md say the same).
            pub const fn when(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $when,)*
                }
            }
        }
    };
}

error_codes! {
    // --- keys and roles
    Unauthorized = "unauthorized", UNAUTHORIZED,
        "no `Authorization` header, not `Bearer <key>`, or an unknown or revoked key";
    KeyExpired = "key_expired", UNAUTHORIZED,
        "the key has expired (`keys create --expires-in`); ask whoever gave it for a new one";
    Forbidden = "forbidden", FORBIDDEN,
        "wrong role, an agent key acting for another agent or on someone else's contact, or a report without Data Download View";
    // --- the request itself
    MalformedJson = "malformed_json", BAD_REQUEST, "the body is not valid JSON";
    InvalidBody = "invalid_body", UNPROCESSABLE_ENTITY,
        "valid JSON of the wrong shape: unknown field, wrong type, missing field, not an object, `queue is required`, \"exactly one of queue or agent\"";
    UnreadableBody = "unreadable_body", BAD_REQUEST,
        "the body could not be read (the connection broke while sending it)";
    UnsupportedMediaType = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE,
        "a JSON body without `Content-Type: application/json`";
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE, "the body is larger than 1 MiB";
    InvalidQuery = "invalid_query", BAD_REQUEST, "a bad query parameter (`?after=abc`, `?location=…`)";
    UnknownLang = "unknown_lang", BAD_REQUEST,
        "`GET /v1/closure-codes?lang=` other than `en` or `hu`";
    IdMismatch = "id_mismatch", UNPROCESSABLE_ENTITY, "the body's `id` differs from the id in the path";
    NotWithAnAgent = "not_with_an_agent", CONFLICT, "an admin acting on a contact that no agent holds";
    InvalidReason = "invalid_reason", UNPROCESSABLE_ENTITY, "refusing with a reason other than `Declined`";
    NotFound = "not_found", NOT_FOUND, "no such endpoint";
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED, "the endpoint does not take that method";
    // --- the server's state
    Overloaded = "overloaded", TOO_MANY_REQUESTS,
        "8192 requests are already waiting for the engine; retry shortly";
    ShuttingDown = "shutting_down", SERVICE_UNAVAILABLE,
        "the server is stopping (also an `error` message on the event stream)";
    StorageUnavailable = "storage_unavailable", SERVICE_UNAVAILABLE,
        "the journal could not be written; the change was **not** applied";
    DomainExists = "domain_exists", CONFLICT, "cluster store only: `POST /v1/domains` of a domain that exists";
    UnknownDomain = "unknown_domain", NOT_FOUND, "cluster store only: `DELETE /v1/domains/{domain}` of a domain that does not exist";
    OwnerLost = "owner_lost", BAD_GATEWAY,
        "cluster store only: the node serving the key's domain stopped while it handled the request, which may or may not have been applied; read before retrying";
    DomainMoving = "domain_moving", SERVICE_UNAVAILABLE,
        "cluster store only: the key's domain is moving to another node (failover, rebalancing) or has no owner yet; nothing was applied; retry after `Retry-After` seconds";
    TooManySubscribers = "too_many_subscribers", TOO_MANY_REQUESTS,
        "the key or its role already holds as many event streams as its budget allows ([Event stream](#event-stream))";
    TooManyConnections = "too_many_connections", SERVICE_UNAVAILABLE,
        "the server holds as many connections as it may; the connection is answered and closed (`Retry-After: 1`)";
    ServerBusy = "server_busy", SERVICE_UNAVAILABLE,
        "1,024 requests are being handled at once (`--max-in-flight`); retry shortly";
    InvalidLastEventId = "invalid_last_event_id", BAD_REQUEST,
        "`Last-Event-ID` is not a sequence number, or it (or `?after=`) is beyond the journal's last entry";
    Internal = "internal", INTERNAL_SERVER_ERROR,
        "an unexpected failure. The cause is only in the server log (this includes report store and export failures).";
    // --- engine rejections (`Rejection::code()` in crates/core/src/rejection.rs)
    InvalidConfig = "invalid_config", UNPROCESSABLE_ENTITY,
        "a queue, agent, station or settings value is invalid (the message names the field)";
    InvalidInput = "invalid_input", UNPROCESSABLE_ENTITY, "an invalid command input (field: message)";
    UnknownDisposition = "unknown_disposition", UNPROCESSABLE_ENTITY, "the queue has no such disposition";
    DispositionRequired = "disposition_required", UNPROCESSABLE_ENTITY, "the queue requires a disposition on complete";
    UnknownReason = "unknown_reason", UNPROCESSABLE_ENTITY, "not an unavailable reason this agent may give";
    UnknownDeclineReason = "unknown_decline_reason", UNPROCESSABLE_ENTITY, "not one of the settings' decline reasons";
    UnknownAgent = "unknown_agent", NOT_FOUND, "no such agent";
    UnknownQueue = "unknown_queue", NOT_FOUND, "no such queue";
    UnknownStation = "unknown_station", NOT_FOUND, "no such station";
    UnknownContact = "unknown_contact", NOT_FOUND, "unknown or closed contact";
    UnknownOffer = "unknown_offer", NOT_FOUND, "unknown or ended offer";
    NotAgentsContact = "not_agents_contact", FORBIDDEN, "the contact is not with this agent";
    LimitExceeded = "limit_exceeded", TOO_MANY_REQUESTS, "a configured limit (`settings.limits`) is reached";
    AgentNotLoggedIn = "agent_not_logged_in", CONFLICT, "the agent is not logged in";
    AgentAlreadyLoggedIn = "agent_already_logged_in", CONFLICT, "the agent is already logged in at a station";
    StationInUse = "station_in_use", CONFLICT, "another agent is logged in at the station";
    InvalidAgentState = "invalid_agent_state", CONFLICT, "the agent cannot do that in its current state";
    AgentNotAvailable = "agent_not_available", CONFLICT, "the agent is not available for a transfer";
    InvalidContactState = "invalid_contact_state", CONFLICT, "the contact cannot do that in its current state";
    CapacityExceeded = "capacity_exceeded", CONFLICT, "the agent lacks the capacity units";
    OfferAlreadyAccepted = "offer_already_accepted", CONFLICT, "the offer is already accepted";
    OfferNotAccepted = "offer_not_accepted", CONFLICT, "the offer is not accepted yet (e.g. `leg_linked` before accept)";
    QueueUnavailable = "queue_unavailable", CONFLICT,
        "the queue takes no contact now (closed, no agents with `reject_when_no_agents`, takes no callbacks, …)";
    InUse = "in_use", CONFLICT, "the queue, agent or station is still in use";
    NotOnDoNotCallList = "not_on_do_not_call_list", NOT_FOUND,
        "removing a number that is not on the do-not-call list";
    ContactNotParked = "contact_not_parked", NOT_FOUND,
        "unparking a contact that has no parked session (never parked, or unparked already)";
    NotConnectionLess = "not_connection_less", CONFLICT,
        "suspending or parking a voice, callback or chat contact (only email and work items)";
    // --- report input errors (`ReportError::code()` in crates/reports/src/lib.rs)
    UnknownReport = "unknown_report", BAD_REQUEST, "not one of the five report names";
    UnknownFormat = "unknown_format", BAD_REQUEST, "not csv, tsv, xml, json or xlsx";
    BadDate = "bad_date", BAD_REQUEST, "`from`/`to` is not a date (or a preset, for `from`)";
    BadTime = "bad_time", BAD_REQUEST, "`start`/`end` is not `HH:MM`";
    UnknownTimeZone = "unknown_time_zone", BAD_REQUEST, "`tz` is not an IANA zone";
    BadRange = "bad_range", BAD_REQUEST, "the date range is invalid (from after to, too long)";
    BadParameter = "bad_parameter", BAD_REQUEST,
        "any other bad parameter (`header`, `append-date`, `lang`, unknown names)";
}

impl ErrorCode {
    /// The row for a code named elsewhere (the engine's and the reports' codes).
    pub fn from_code(code: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.as_str() == code)
    }
}

/// The codes of `error` messages on the event stream, which has already answered 200.
/// `shutting_down` is the same code as [`ErrorCode::ShuttingDown`]'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum StreamErrorCode {
    /// The subscriber fell behind and was cut off.
    Lagged,
    /// The journal could not be read while catching up.
    JournalUnreadable,
    /// The server is stopping.
    ShuttingDown,
    /// The stream's key was revoked while it was open: the code a request with it gets, as
    /// a revoked key is as unknown as any other.
    #[strum(serialize = "unauthorized")]
    KeyRevoked,
    /// The stream's key expired while it was open.
    KeyExpired,
}

impl StreamErrorCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// An error answer: a row of the table and a message for people.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

/// The error body.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    /// Stable, machine-readable (docs/api.md lists them).
    #[schema(value_type = ErrorCodeName)]
    pub code: String,
    /// For people; may change between versions.
    pub message: String,
}

/// The schema of `error.code`: every code of the table.
pub struct ErrorCodeName;

impl utoipa::PartialSchema for ErrorCodeName {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .description(Some("The stable error code (docs/api.md, Error codes)."))
            .into()
    }
}

impl utoipa::ToSchema for ErrorCodeName {
    fn name() -> std::borrow::Cow<'static, str> {
        "ErrorCode".into()
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    /// A body of the wrong shape (422 `invalid_body`).
    pub fn invalid_body(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidBody, message)
    }

    /// An unexpected failure: logged with its cause, opaque to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(ErrorCode::Internal, "internal error; see the server log")
    }
}

impl From<Rejection> for ApiError {
    fn from(rejection: Rejection) -> Self {
        match ErrorCode::from_code(rejection.code()) {
            Some(code) => ApiError::new(code, rejection.to_string()),
            // Caught by `every_rejection_code_is_in_the_table`.
            None => ApiError::internal(format!("rejection code {} has no row", rejection.code())),
        }
    }
}

impl From<ReportError> for ApiError {
    /// Input errors keep their code; the store's and the output's failures are internal.
    fn from(error: ReportError) -> Self {
        match ErrorCode::from_code(error.code()) {
            Some(code) if error.is_input() => ApiError::new(code, error.to_string()),
            _ => ApiError::internal(error),
        }
    }
}

impl From<CommandError> for ApiError {
    fn from(error: CommandError) -> Self {
        match error {
            CommandError::Rejected(rejection) => rejection.into(),
            CommandError::Forbidden(message) => ApiError::forbidden(message),
            CommandError::Overloaded => ApiError::new(ErrorCode::Overloaded, error.to_string()),
            CommandError::ShuttingDown => ApiError::new(ErrorCode::ShuttingDown, error.to_string()),
            CommandError::Moved => ApiError::new(ErrorCode::DomainMoving, error.to_string()),
            CommandError::Storage(cause) => {
                tracing::error!(%cause, "storage failure");
                ApiError::new(
                    ErrorCode::StorageUnavailable,
                    "the change could not be saved; it was not applied",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str().to_string(),
                message: self.message,
            },
        };
        let mut response = (self.code.status(), Json(body)).into_response();
        if self.code.status() == axum::http::StatusCode::SERVICE_UNAVAILABLE {
            // Every 503 is worth retrying shortly (stopping, storage, a domain moving).
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}

// ---------------------------------------------------------------- response sets

/// The errors of finding the caller's key.
const KEY: &[ErrorCode] = &[ErrorCode::Unauthorized, ErrorCode::KeyExpired];
/// The errors of a key of the wrong role.
const ROLE: &[ErrorCode] = &[ErrorCode::Forbidden];
/// The errors of asking the engine thread anything.
const ENGINE_BUSY: &[ErrorCode] = &[
    ErrorCode::Overloaded,
    ErrorCode::ShuttingDown,
    ErrorCode::DomainMoving,
];
/// The errors of reading a JSON body (`extract::Body`).
const JSON_BODY: &[ErrorCode] = &[
    ErrorCode::MalformedJson,
    ErrorCode::InvalidBody,
    ErrorCode::UnreadableBody,
    ErrorCode::UnsupportedMediaType,
    ErrorCode::PayloadTooLarge,
];
/// The names a path or a body may give that do not exist.
const UNKNOWN_NAMES: &[ErrorCode] = &[
    ErrorCode::UnknownAgent,
    ErrorCode::UnknownQueue,
    ErrorCode::UnknownStation,
    ErrorCode::UnknownContact,
    ErrorCode::UnknownOffer,
];
/// What the engine may answer to a command, besides unknown names.
const ENGINE_REFUSALS: &[ErrorCode] = &[
    ErrorCode::StorageUnavailable,
    ErrorCode::InvalidConfig,
    ErrorCode::InvalidInput,
    ErrorCode::UnknownDisposition,
    ErrorCode::DispositionRequired,
    ErrorCode::UnknownReason,
    ErrorCode::UnknownDeclineReason,
    ErrorCode::NotAgentsContact,
    ErrorCode::LimitExceeded,
    ErrorCode::AgentNotLoggedIn,
    ErrorCode::AgentAlreadyLoggedIn,
    ErrorCode::StationInUse,
    ErrorCode::InvalidAgentState,
    ErrorCode::AgentNotAvailable,
    ErrorCode::InvalidContactState,
    ErrorCode::CapacityExceeded,
    ErrorCode::OfferAlreadyAccepted,
    ErrorCode::OfferNotAccepted,
    ErrorCode::QueueUnavailable,
    ErrorCode::InUse,
    ErrorCode::NotWithAnAgent,
];
/// What the engine may answer to numbers put on the do-not-call list.
const DNC_REFUSALS: &[ErrorCode] = &[
    ErrorCode::StorageUnavailable,
    ErrorCode::InvalidInput,
    ErrorCode::LimitExceeded,
];
const REPORT_INPUT: &[ErrorCode] = &[
    ErrorCode::UnknownReport,
    ErrorCode::UnknownFormat,
    ErrorCode::BadDate,
    ErrorCode::BadTime,
    ErrorCode::UnknownTimeZone,
    ErrorCode::BadRange,
    ErrorCode::BadParameter,
    ErrorCode::Internal,
];

/// One response per status that `codes` use, each with the error body and the codes it may
/// carry in its description.
pub fn error_responses(
    codes: &[ErrorCode],
) -> BTreeMap<String, RefOr<utoipa::openapi::response::Response>> {
    let mut by_status: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
    for code in codes {
        let same = by_status.entry(code.status().as_u16()).or_default();
        if !same.contains(code) {
            same.push(*code);
        }
    }
    by_status
        .into_iter()
        .map(|(status, codes)| {
            let description = codes
                .iter()
                .map(|c| format!("`{}`: {}", c.as_str(), c.when()))
                .collect::<Vec<_>>()
                .join("; ");
            let response = ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    utoipa::openapi::ContentBuilder::new()
                        .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                            "ErrorBody",
                        ))))
                        .build(),
                )
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}

/// Declares a response set: a unit type whose `IntoResponses` documents the errors of the
/// listed groups, for `responses(…)` of `#[utoipa::path]`.
macro_rules! error_set {
    ($($(#[$doc:meta])* $name:ident = [$($group:expr),* $(,)?];)*) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl utoipa::IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::response::Response>> {
                    error_responses(&[$($group),*].concat())
                }
            }
        )*
    };
}

error_set! {
    /// `/healthz`: only the engine thread can fail it.
    HealthErrors = [ENGINE_BUSY];
    /// A read any valid key may make, with nothing else to refuse.
    KeyErrors = [KEY];
    /// A read any key may make, with query parameters (the closure codes).
    CatalogErrors = [KEY, &[ErrorCode::InvalidQuery, ErrorCode::UnknownLang]];
    /// A read of a list for some roles.
    ReadErrors = [KEY, ROLE, ENGINE_BUSY];
    /// A search with query parameters for some roles.
    SearchErrors = [KEY, ROLE, ENGINE_BUSY, &[ErrorCode::InvalidQuery]];
    /// A read of one named thing for some roles.
    ReadOneErrors = [KEY, ROLE, ENGINE_BUSY, UNKNOWN_NAMES];
    /// A command without a body: what the engine may refuse.
    CommandErrors = [KEY, ROLE, ENGINE_BUSY, UNKNOWN_NAMES, ENGINE_REFUSALS];
    /// A command with a JSON body.
    CommandWithBodyErrors = [KEY, ROLE, ENGINE_BUSY, UNKNOWN_NAMES, ENGINE_REFUSALS, JSON_BODY,
        &[ErrorCode::InvalidReason]];
    /// A configuration write: a JSON body whose id must match the path's.
    ConfigWriteErrors = [KEY, ROLE, ENGINE_BUSY, UNKNOWN_NAMES, ENGINE_REFUSALS, JSON_BODY,
        &[ErrorCode::IdMismatch]];
    /// A contact's history, read from the store.
    HistoryErrors = [KEY, ROLE, &[ErrorCode::UnknownContact, ErrorCode::Internal]];
    /// The event stream.
    StreamErrors = [KEY, &[ErrorCode::InvalidQuery, ErrorCode::InvalidLastEventId,
        ErrorCode::TooManySubscribers]];
    /// A report download.
    ReportErrors = [KEY, ROLE, ENGINE_BUSY, REPORT_INPUT];
    /// Numbers put on the do-not-call list (a JSON body).
    DncAddErrors = [KEY, ROLE, ENGINE_BUSY, JSON_BODY, DNC_REFUSALS];
    /// A do-not-call import (a CSV body): bad lines are `invalid_input` naming each line.
    DncImportErrors = [KEY, ROLE, ENGINE_BUSY, DNC_REFUSALS, &[ErrorCode::InvalidBody,
        ErrorCode::UnreadableBody, ErrorCode::UnsupportedMediaType, ErrorCode::PayloadTooLarge]];
    /// An agent's suspend (an optional JSON body): only for email and work items.
    SuspendErrors = [KEY, ROLE, ENGINE_BUSY, UNKNOWN_NAMES, ENGINE_REFUSALS, JSON_BODY,
        &[ErrorCode::NotConnectionLess]];
    /// An agent's park: only for email and work items.
    ParkErrors = [KEY, ROLE, ENGINE_BUSY, UNKNOWN_NAMES, ENGINE_REFUSALS,
        &[ErrorCode::NotConnectionLess]];
    /// Unparking a parked session (named by its parked contact).
    UnparkErrors = [KEY, ROLE, ENGINE_BUSY, UNKNOWN_NAMES, ENGINE_REFUSALS,
        &[ErrorCode::ContactNotParked]];
    /// A number taken off the do-not-call list.
    DncRemoveErrors = [KEY, ROLE, ENGINE_BUSY, &[ErrorCode::StorageUnavailable,
        ErrorCode::InvalidInput, ErrorCode::NotOnDoNotCallList, ErrorCode::NotFound]];
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::config::ConfigError;
    use switchboard_core::ids::{AgentId, ContactId, OfferId, QueueId, StationId};
    use switchboard_core::model::{AgentState, ContactState};

    #[test]
    fn codes_are_unique() {
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            assert!(
                !ErrorCode::ALL[..i]
                    .iter()
                    .any(|c| c.as_str() == code.as_str()),
                "{} twice",
                code.as_str()
            );
        }
        // The stream's code for a stopping server is the HTTP one.
        assert_eq!(
            StreamErrorCode::ShuttingDown.as_str(),
            ErrorCode::ShuttingDown.as_str()
        );
    }

    #[test]
    fn every_rejection_code_is_in_the_table() {
        let (agent, queue, station) = (
            AgentId::new("error-test-a"),
            QueueId::new("error-test-q"),
            StationId::new("error-test-s"),
        );
        let text = String::from("x");
        let rejections = [
            Rejection::InvalidConfig(ConfigError::new("f", "m")),
            Rejection::UnknownAgent(agent.clone()),
            Rejection::UnknownQueue(queue.clone()),
            Rejection::UnknownStation(station.clone()),
            Rejection::UnknownContact(ContactId(1)),
            Rejection::UnknownOffer(OfferId(1)),
            Rejection::UnknownDisposition {
                queue: queue.clone(),
                disposition: text.clone(),
            },
            Rejection::DispositionRequired(queue.clone()),
            Rejection::UnknownReason {
                agent: agent.clone(),
                reason: text.clone(),
            },
            Rejection::UnknownDeclineReason {
                reason: text.clone(),
            },
            Rejection::AgentNotLoggedIn(agent.clone()),
            Rejection::AgentAlreadyLoggedIn {
                agent: agent.clone(),
                station: station.clone(),
            },
            Rejection::StationInUse {
                station,
                agent: agent.clone(),
            },
            Rejection::InvalidAgentState {
                agent: agent.clone(),
                state: AgentState::Ready,
            },
            Rejection::AgentNotAvailable(agent.clone()),
            Rejection::InvalidContactState {
                contact: ContactId(1),
                state: ContactState::Queued,
                action: text.clone(),
            },
            Rejection::NotAgentsContact {
                agent: agent.clone(),
                contact: ContactId(1),
            },
            Rejection::CapacityExceeded {
                agent,
                used: 1,
                units: 1,
            },
            Rejection::OfferAlreadyAccepted(OfferId(1)),
            Rejection::OfferNotAccepted(OfferId(1)),
            Rejection::QueueUnavailable {
                queue,
                why: text.clone(),
            },
            Rejection::InUse {
                what: text.clone(),
                detail: text.clone(),
            },
            Rejection::LimitExceeded {
                limit: text.clone(),
                max: 1,
            },
            Rejection::InvalidInput {
                field: text.clone(),
                message: text,
            },
            Rejection::NotParked(ContactId(1)),
            Rejection::NotConnectionLess {
                contact: ContactId(1),
                channel: switchboard_core::model::Channel::Voice,
                action: "parked".into(),
            },
        ];
        for rejection in rejections {
            let code = rejection.code();
            let error = ApiError::from(rejection);
            assert_eq!(error.code.as_str(), code);
            assert!(error.status().is_client_error(), "{code}");
        }
    }

    #[test]
    fn report_input_errors_keep_their_code_and_the_rest_are_internal() {
        let input = ReportError::UnknownFormat("pdf".into());
        assert_eq!(ApiError::from(input).code, ErrorCode::UnknownFormat);
        let output = ReportError::Xlsx("disk full".into());
        assert_eq!(ApiError::from(output).code, ErrorCode::Internal);
    }

    #[test]
    fn response_sets_group_codes_by_status() {
        use utoipa::IntoResponses;
        let responses = CommandWithBodyErrors::responses();
        let statuses: Vec<&str> = responses.keys().map(String::as_str).collect();
        assert_eq!(
            statuses,
            [
                "400", "401", "403", "404", "409", "413", "415", "422", "429", "503"
            ]
        );
        let RefOr::T(conflict) = &responses["409"] else {
            panic!("inline response")
        };
        assert!(conflict.description.contains("`station_in_use`"));
    }
}
