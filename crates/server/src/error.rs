//! HTTP errors: one table maps every error to a stable `code` and a status. The body is
//! always `{"error": {"code": "...", "message": "..."}}`. 500s say nothing about the cause to
//! the client; the cause is logged.

use crate::driver::CommandError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use switchboard_core::rejection::Rejection;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

/// The error body.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable (see docs/api.md for the list).
    pub code: String,
    /// For people; may change between versions.
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// An unexpected failure: logged with its cause, opaque to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }
}

/// The status for each engine rejection.
pub fn rejection_status(rejection: &Rejection) -> StatusCode {
    use Rejection::*;
    match rejection {
        InvalidConfig(_)
        | InvalidInput { .. }
        | UnknownDisposition { .. }
        | DispositionRequired(_)
        | UnknownReason { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        UnknownAgent(_) | UnknownQueue(_) | UnknownStation(_) | UnknownContact(_)
        | UnknownOffer(_) => StatusCode::NOT_FOUND,
        NotAgentsContact { .. } => StatusCode::FORBIDDEN,
        LimitExceeded { .. } => StatusCode::TOO_MANY_REQUESTS,
        AgentNotLoggedIn(_)
        | AgentAlreadyLoggedIn { .. }
        | StationInUse { .. }
        | InvalidAgentState { .. }
        | AgentNotAvailable(_)
        | InvalidContactState { .. }
        | CapacityExceeded { .. }
        | OfferAlreadyAccepted(_)
        | OfferNotAccepted(_)
        | QueueUnavailable { .. }
        | InUse { .. } => StatusCode::CONFLICT,
    }
}

impl From<Rejection> for ApiError {
    fn from(rejection: Rejection) -> Self {
        ApiError::new(
            rejection_status(&rejection),
            rejection.code(),
            rejection.to_string(),
        )
    }
}

impl From<CommandError> for ApiError {
    fn from(error: CommandError) -> Self {
        match error {
            CommandError::Rejected(rejection) => rejection.into(),
            CommandError::Forbidden(message) => ApiError::forbidden(message),
            CommandError::Overloaded => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "overloaded",
                error.to_string(),
            ),
            CommandError::ShuttingDown => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                error.to_string(),
            ),
            CommandError::Storage(cause) => {
                tracing::error!(%cause, "storage failure");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
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
                code: self.code.to_string(),
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
