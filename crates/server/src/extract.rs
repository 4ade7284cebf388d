//! Extractors whose failures are JSON error bodies with codes from the table (`error.rs`),
//! instead of axum's plain-text rejections: a JSON object body ([`Body`]), a list
//! ([`ListBody`]), an optional object ([`MaybeBody`]), query parameters ([`Params`]) and the `{id}` of a path ([`PathId`]).

use crate::error::{ApiError, ErrorCode};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;

/// A JSON object body whose errors are JSON too: 400 `malformed_json` for bad syntax, 422
/// `invalid_body` for a wrong shape (not an object, unknown field, wrong type), 415 without
/// the JSON content type, 413 over the size limit.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        json_value(request, state)
            .await
            .and_then(object)
            .and_then(from_value)
            .map(Body)
    }
}

/// A JSON array body (a list of items), with the errors of [`Body`].
pub struct ListBody<T>(pub Vec<T>);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ListBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let value = json_value(request, state).await?;
        if !value.is_array() {
            return Err(ApiError::invalid_body("the body must be a JSON array"));
        }
        from_value(value).map(ListBody)
    }
}

/// The body's JSON, or the error that says why there is none.
async fn json_value<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<serde_json::Value, ApiError> {
    // Syntax first, shape second: serde_json reports some shape errors (a number where a
    // name goes, an array for an object) as syntax errors, and valid JSON of the wrong
    // shape is a 422, not a 400.
    match Json::<serde_json::Value>::from_request(request, state).await {
        Ok(Json(value)) => Ok(value),
        Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::new(
            ErrorCode::MalformedJson,
            format!("the body is not valid JSON: {}", e.body_text()),
        )),
        Err(JsonRejection::JsonDataError(e)) => Err(ApiError::invalid_body(e.body_text())),
        Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the body with Content-Type: application/json",
        )),
        Err(other) => Err(unreadable(other.status(), other.body_text())),
    }
}

/// `value` if it is an object: serde would read a struct from an array too (`[]` as every
/// field's default), which no body of this API is.
fn object(value: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    if value.is_object() {
        Ok(value)
    } else {
        Err(ApiError::invalid_body("the body must be a JSON object"))
    }
}

/// A body that could not be read: too large (413 `payload_too_large`) or broken.
pub(crate) fn unreadable(status: StatusCode, text: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the body is larger than {} bytes", crate::BODY_LIMIT_BYTES),
        )
    } else {
        ApiError::new(ErrorCode::UnreadableBody, text)
    }
}

/// A JSON body that may be left out (no body, an empty one or `null` is `None`).
pub struct MaybeBody<T>(pub Option<T>);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for MaybeBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| unreadable(e.status(), e.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(MaybeBody(None));
        }
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            // `null` is no body too, as the document's optional body says.
            Ok(serde_json::Value::Null) => Ok(MaybeBody(None)),
            Ok(value) => object(value)
                .and_then(from_value)
                .map(|value| MaybeBody(Some(value))),
            Err(e) => Err(ApiError::new(
                ErrorCode::MalformedJson,
                format!("the body is not valid JSON: {e}"),
            )),
        }
    }
}

/// `value` as a `T`, or 422 `invalid_body` naming what is wrong.
pub fn from_value<T: serde::de::DeserializeOwned>(
    mut value: serde_json::Value,
) -> Result<T, ApiError> {
    integral_numbers(&mut value);
    serde_json::from_value(value).map_err(|e| ApiError::invalid_body(e.to_string()))
}

/// Writes `45000.0` as `45000`: JSON (and JSON Schema's `integer`) has one kind of number,
/// and a client or its JSON library may write a whole number with a fraction part, which
/// serde would refuse for an integer field. Only exact whole numbers within ±2^53 change.
fn integral_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) if number.is_f64() => {
            let Some(float) = number.as_f64() else { return };
            const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
            if float.fract() == 0.0 && float.abs() <= EXACT {
                *value = Value::from(float as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// Query parameters with JSON errors (400 `invalid_query`).
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Params(value))
            .map_err(|e| ApiError::new(ErrorCode::InvalidQuery, e.body_text()))
    }
}

/// The `{id}` of the path as written (percent-decoded). An id that is not UTF-8 names
/// nothing that can exist: 404 `not_found`.
pub struct PathId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| PathId(id))
            .map_err(|e| ApiError::new(ErrorCode::NotFound, e.body_text()))
    }
}

/// Bodies at most this long (by their `Content-Length`) are read before routing.
pub const READ_FIRST_BYTES: u64 = 64 * 1024;

/// Middleware: reads a small request body (a `Content-Length` of at most
/// [`READ_FIRST_BYTES`]) before routing. A request refused before its handler reads the body
/// (401 without a key, 403 for the wrong role, 404 for an unknown name) would otherwise leave
/// the body unread in the connection, which then cannot be kept alive: a client that reused
/// it got a reset instead of its next answer. Larger bodies (up to
/// [`crate::BODY_LIMIT_BYTES`]) are read by the handler after the role check, so a client
/// without a key cannot make the server hold a megabyte per request; a refusal then closes
/// the connection.
pub async fn read_body_first(
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use http_body_util::BodyExt;
    let small = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
        .is_some_and(|length| length <= READ_FIRST_BYTES);
    if !small {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match http_body_util::Limited::new(body, crate::BODY_LIMIT_BYTES)
        .collect()
        .await
    {
        Ok(collected) => {
            let body = axum::body::Body::from(collected.to_bytes());
            next.run(Request::from_parts(parts, body)).await
        }
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            unreadable(StatusCode::PAYLOAD_TOO_LARGE, String::new()).into_response()
        }
        Err(error) => unreadable(StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    }
}
