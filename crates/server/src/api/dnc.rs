//! The do-not-call list (issue 13) for admin and supervisor keys: list, add, remove and
//! import (CSV). The list is engine state: every change is a command, journaled like any
//! other; numbers are compared in the normal form of `switchboard_core::dnc`.

use super::{Accepted, ApiResult, run};
use crate::AppState;
use crate::error::{
    ApiError, DncAddErrors, DncImportErrors, DncRemoveErrors, ErrorCode, SearchErrors,
};
use crate::extract::{Body, Params, PathId};
use crate::roles::SupervisorKey;
use axum::Json;
use axum::extract::{FromRequest, Request, State};
use serde::{Deserialize, Serialize};
use switchboard_core::command::Command;
use switchboard_core::dnc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Numbers per page at most (and by default).
const PAGE_MAX: usize = 10_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(remove))
        .routes(routes!(import))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    /// Numbers after this one (normal form; the `next` of the previous page).
    after: Option<String>,
    /// Numbers per page, 1–10000 (default 10000).
    #[param(minimum = 1, maximum = 10000)]
    limit: Option<usize>,
}

/// A page of the do-not-call list, in order of the normal form.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DncPage {
    /// Numbers in their normal form (`+3612345678`; digits only without a country code).
    pub numbers: Vec<String>,
    /// Where the next page starts (`?after=`), if there are more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Numbers on the list.
    pub count: u64,
    /// The limit `settings.limits.do_not_call_max`.
    pub max: u64,
}

/// The do-not-call list, a page at a time.
#[utoipa::path(get, path = "/v1/do-not-call", tag = "do-not-call", params(PageQuery),
    responses((status = 200, body = DncPage), SearchErrors))]
async fn list(
    State(state): State<AppState>,
    _key: SupervisorKey,
    Params(query): Params<PageQuery>,
) -> ApiResult<Json<DncPage>> {
    let limit = match query.limit {
        None => PAGE_MAX,
        Some(n) if (1..=PAGE_MAX).contains(&n) => n,
        Some(n) => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("limit {n}: must be 1–{PAGE_MAX}"),
            ));
        }
    };
    let after = query.after;
    let page = state
        .driver
        .read(move |e| {
            let mut numbers = e.do_not_call_page(after.as_deref(), limit + 1);
            let next = (numbers.len() > limit).then(|| {
                numbers.truncate(limit);
                numbers.last().cloned().unwrap_or_default()
            });
            DncPage {
                numbers,
                next,
                count: e.do_not_call_len() as u64,
                max: u64::from(e.settings().limits.do_not_call_max),
            }
        })
        .await?;
    Ok(Json(page))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DncAddRequest {
    /// Numbers as written (`+36 1 234-5678`, `0036 1 2345678`, `06 1 2345678`); all are
    /// added or none. Numbers already on the list are skipped.
    #[schema(max_items = 10000, value_type = Vec<switchboard_core::schema::PhoneNumber>)]
    pub numbers: Vec<String>,
}

/// Put numbers on the do-not-call list. Open callbacks to them that no agent holds close
/// (58, 0).
#[utoipa::path(post, path = "/v1/do-not-call", tag = "do-not-call", request_body = DncAddRequest,
    responses((status = 200, body = Accepted), DncAddErrors))]
async fn add(
    State(state): State<AppState>,
    SupervisorKey(principal): SupervisorKey,
    Body(body): Body<DncAddRequest>,
) -> ApiResult<Json<Accepted>> {
    if body.numbers.len() > PAGE_MAX {
        return Err(ApiError::invalid_body(format!(
            "at most {PAGE_MAX} numbers per request; use /v1/do-not-call/import for more"
        )));
    }
    let command = Command::AddDoNotCall {
        numbers: body.numbers,
    };
    Ok(Json(run(&state, &principal, command).await?))
}

/// `{number}` of `/v1/do-not-call/{number}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // documents the path; the handler reads it with `extract::PathId`
struct NumberPath {
    /// The number in any spelling of its normal form (`+3612345678`, `0036 1 234 5678`).
    #[param(value_type = switchboard_core::schema::PhoneNumber)]
    number: String,
}

/// Take a number off the do-not-call list.
#[utoipa::path(delete, path = "/v1/do-not-call/{number}", tag = "do-not-call",
    params(NumberPath), responses((status = 200, body = Accepted), DncRemoveErrors))]
async fn remove(
    State(state): State<AppState>,
    SupervisorKey(principal): SupervisorKey,
    PathId(number): PathId,
) -> ApiResult<Json<Accepted>> {
    Ok(Json(
        run(&state, &principal, Command::RemoveDoNotCall { number }).await?,
    ))
}

/// A CSV body: one number per line in the first field.
struct CsvBody;

impl utoipa::PartialSchema for CsvBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        // Text whose lines are checked one by one (a bad line is 422 `invalid_input`): no
        // schema states that, so the contract test allows 422 here.
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "One number per line in the first field (`,`, `;` or tab end it); empty lines, \
                 `#` lines and a header line (`number`, `phone`, `phone_number`, `destination`) \
                 are skipped.",
            ))
            .examples(["number\n+36 1 234 5678\n0036 30 123 4567\n"])
            .into()
    }
}

impl ToSchema for CsvBody {}

/// Import numbers (CSV, `Content-Type: text/csv` or `text/plain`): all are added or none; bad
/// lines are refused with 422 `invalid_input` naming each line (`line 3: …`).
#[utoipa::path(post, path = "/v1/do-not-call/import", tag = "do-not-call",
    request_body(content = CsvBody, content_type = "text/csv"),
    responses((status = 200, body = Accepted), DncImportErrors))]
async fn import(
    State(state): State<AppState>,
    SupervisorKey(principal): SupervisorKey,
    request: Request,
) -> ApiResult<Json<Accepted>> {
    let text_type = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "text/csv" || v == "text/plain");
    if !text_type {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the list with Content-Type: text/csv",
        ));
    }
    let bytes = axum::body::Bytes::from_request(request, &state)
        .await
        .map_err(|e| crate::extract::unreadable(e.status(), e.body_text()))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| ApiError::invalid_body(format!("the body is not UTF-8: {e}")))?;
    let numbers = dnc::parse_import(text).map_err(|bad| {
        let lines: Vec<String> = bad
            .iter()
            .take(20)
            .map(|b| format!("line {}: {}", b.line, b.message))
            .collect();
        let more = if bad.len() > 20 {
            format!("; {} more bad lines", bad.len() - 20)
        } else {
            String::new()
        };
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("{}{more}", lines.join("; ")),
        )
    })?;
    Ok(Json(
        run(&state, &principal, Command::AddDoNotCall { numbers }).await?,
    ))
}
