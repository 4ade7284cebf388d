//! `GET /v1/reports/{name}`: the data downloads of §10, with the same options as
//! `switchboard report` as query parameters. Needs the Data Download View permission.
//!
//! The report is written on a blocking thread, row by row, into a bounded channel that feeds
//! the response body, so memory stays flat however many rows there are. Bad options are
//! found before the first byte (400 with the report error's code); a store failure after
//! streaming began can only cut the body short (and is logged).

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ErrorBody};
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::io::Write;
use switchboard_reports::{ReportError, ReportRequest, write_report};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(report))
}

fn report_error(error: ReportError) -> ApiError {
    if error.is_input() {
        ApiError::bad_request(error.code(), error.to_string())
    } else {
        ApiError::internal(error)
    }
}

/// A report as a file download: agent-refusal, completed-callbacks, agent-state-log,
/// contact-closure or callback-monitor. Query parameters: from, to (YYYY-MM-DD or a preset:
/// today, yesterday, last-7-days, last-30-days, previous-week, previous-month,
/// month-to-date), start, end (HH:MM each day), tz (IANA), format (csv, tsv, xml, json,
/// xlsx), lang (en, hu), header (true/false), append-date (true/false). See docs/reports.md.
#[utoipa::path(get, path = "/v1/reports/{name}", tag = "reports",
    params(("name" = String, Path, description = "agent-refusal, completed-callbacks, agent-state-log, contact-closure, callback-monitor")),
    responses((status = 200, description = "the file, with Content-Type and Content-Disposition"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn report(
    State(state): State<AppState>,
    principal: Principal,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    principal.require_data_download()?;
    let query = query.unwrap_or_default();
    let pairs: Vec<(String, String)> = form_urlencoded_pairs(&query);
    let request =
        ReportRequest::from_pairs(&name, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(report_error)?;
    let now = state.driver.read(|engine| engine.now()).await?;
    // Check the range now, while a clean 400 is still possible.
    request.windows(now).map_err(report_error)?;
    let file_name = request.file_name(now);
    let content_type = request.content_type();

    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    let data_dir = state.data_dir.clone();
    tokio::task::spawn_blocking(move || {
        let mut out = ChannelWriter {
            tx: tx.clone(),
            buffer: Vec::with_capacity(CHUNK),
        };
        let result = switchboard_store::Store::open_existing(&data_dir)
            .map_err(|e| e.to_string())
            .and_then(|store| {
                write_report(store.connection(), &request, now, &mut out).map_err(|e| e.to_string())
            })
            .and_then(|_| out.flush().map_err(|e| e.to_string()));
        if let Err(error) = result {
            tracing::error!(%error, "report export failed after streaming began");
            let _ = tx.blocking_send(Err(std::io::Error::other(error)));
        }
    });
    let mut response = Body::from_stream(ReceiverStream::new(rx)).into_response();
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

const CHUNK: usize = 64 * 1024;

/// Writes into the response body in 64 KiB chunks, waiting when the client reads slowly.
struct ChannelWriter {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

/// `a=1&b=x%20y` → pairs, decoded (`+` is a space).
fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_are_decoded() {
        assert_eq!(
            form_urlencoded_pairs("tz=Europe%2FBudapest&from=last-7-days&x=a+b&bad=%zz&end=%4"),
            vec![
                ("tz".into(), "Europe/Budapest".into()),
                ("from".into(), "last-7-days".into()),
                ("x".into(), "a b".into()),
                ("bad".into(), "%zz".into()),
                ("end".into(), "%4".into()),
            ]
        );
    }
}
