//! `GET /v1/reports/{name}`: the data downloads of docs/reports.md, with the same options as
//! `switchboard report` as query parameters. Needs the Data Download View permission.
//!
//! The report is written on a blocking thread, row by row, into a bounded channel that feeds
//! the response body, so memory stays flat however many rows there are. Bad options are
//! found before the first byte (400 with the report error's code); a store failure after
//! streaming began can only cut the body short (and is logged).

use crate::AppState;
use crate::error::ApiError;
use crate::error::ReportErrors;
use crate::extract::PathId;
use crate::roles::DataDownloadKey;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::io::Write;
use strum::VariantArray;
use switchboard_reports::{Format, Preset, ReportName, ReportRequest, write_report};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(report))
}

/// The report options, as `switchboard report` takes them (docs/reports.md). Read by
/// `ReportRequest::from_pairs` from the raw query, which also refuses unknown and repeated
/// parameters; this type documents them (`report_options_are_the_parameters_parsed` keeps
/// the two lists equal).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ReportOptions {
    /// The first day (YYYY-MM-DD), or a preset; default `today`.
    #[param(schema_with = date_or_preset)]
    from: Option<String>,
    /// The last day (YYYY-MM-DD, default `from`); only with a date `from`. At most 3,660 days.
    #[param(value_type = Option<switchboard_core::schema::Date>, inline)]
    to: Option<String>,
    /// A date-range preset (instead of `from`/`to`).
    #[param(schema_with = presets)]
    preset: Option<String>,
    /// Start of the time window each day (HH:MM, default 00:00).
    #[param(value_type = Option<switchboard_core::schema::TimeOfDay>, inline)]
    start: Option<String>,
    /// End of the time window each day (HH:MM or 24:00, default 24:00); at or before the
    /// start, the window ends the next day.
    #[param(pattern = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")]
    end: Option<String>,
    /// IANA time zone of dates, times and the file (default UTC).
    #[param(example = "Europe/Budapest")]
    tz: Option<String>,
    /// The file format (default csv).
    #[param(schema_with = formats)]
    format: Option<String>,
    /// The language of closure-code names (default en).
    #[param(value_type = Option<switchboard_core::closure::Lang>, inline)]
    lang: Option<String>,
    /// Field names in the first row (CSV, TSV, XLSX; default true).
    header: Option<bool>,
    /// `true` is `header=false`.
    #[param(rename = "no-header")]
    no_header: Option<bool>,
    /// Add `-YYYYMMDD` (today in `tz`) to the file name.
    #[param(rename = "append-date")]
    append_date: Option<bool>,
}

/// The report of the path.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct ReportPath {
    /// One of the five reports of docs/reports.md, "The reports".
    #[param(schema_with = report_names)]
    name: String,
}

fn names_schema(names: impl IntoIterator<Item = &'static str>, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names))
        .description(Some(description))
}

fn report_names() -> ObjectBuilder {
    names_schema(
        ReportName::VARIANTS.iter().map(|n| n.as_str()),
        "A report name.",
    )
}

fn formats() -> ObjectBuilder {
    names_schema(
        Format::VARIANTS.iter().map(|f| f.as_str()),
        "A file format.",
    )
}

fn presets() -> ObjectBuilder {
    names_schema(
        Preset::VARIANTS.iter().map(|p| p.as_str()),
        "A date-range preset.",
    )
}

fn date_or_preset() -> OneOfBuilder {
    OneOfBuilder::new()
        .item(<switchboard_core::schema::Date as utoipa::PartialSchema>::schema())
        .item(presets())
}

/// A row of a JSON report: its columns (docs/reports.md), each a string, a number or null.
struct ReportRow;

impl utoipa::PartialSchema for ReportRow {
    fn schema() -> RefOr<Schema> {
        let cell = OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::String))
            .item(ObjectBuilder::new().schema_type(Type::Number))
            .item(ObjectBuilder::new().schema_type(Type::Null));
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(RefOr::T(Schema::OneOf(cell.build()))))
            .description(Some(
                "One row: column name (e.g. `Contact_ID`) → value; times are local-time strings, empty cells null.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for ReportRow {}

/// The body of an XLSX report.
struct Workbook;

impl utoipa::PartialSchema for Workbook {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::Custom("binary".into())))
            .into()
    }
}

impl utoipa::ToSchema for Workbook {}

/// A report as a file download (docs/reports.md), streamed row by row. The time window is taken
/// each day of the date range in `tz`. See docs/reports.md for the columns of each report.
#[utoipa::path(get, path = "/v1/reports/{name}", tag = "reports", params(ReportPath, ReportOptions),
    responses((status = 200, description = "The file, with `Content-Disposition: attachment; filename=…`",
        headers(("Content-Disposition" = String, description = "attachment; filename=\"<report>[-YYYYMMDD].<format>\"")),
        content(
            (String = "text/csv"),
            (String = "text/tab-separated-values"),
            (String = "application/xml"),
            (Vec<ReportRow> = "application/json"),
            (Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        ReportErrors))]
async fn report(
    State(state): State<AppState>,
    _key: DataDownloadKey,
    PathId(name): PathId,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = query.unwrap_or_default();
    let pairs: Vec<(String, String)> = form_urlencoded_pairs(&query);
    let request =
        ReportRequest::from_pairs(&name, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let now = state.driver.read(|engine| engine.now()).await?;
    // Check the range now, while a clean 400 is still possible.
    request.windows(now)?;
    let file_name = request.file_name(now);
    let content_type = request.content_type();

    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    match state.backend.clone() {
        crate::backend::Backend::Sqlite(data_dir) => {
            tokio::task::spawn_blocking(move || {
                let mut out = ChannelWriter::new(tx.clone(), false);
                let result = switchboard_store::Store::open_existing(&data_dir)
                    .map_err(|e| e.to_string())
                    .and_then(|store| {
                        write_report(store.connection(), &request, now, &mut out)
                            .map_err(|e| e.to_string())
                    })
                    .and_then(|_| out.flush().map_err(|e| e.to_string()));
                if let Err(error) = result {
                    tracing::error!(%error, "report export failed after streaming began");
                    let _ = tx.blocking_send(Err(std::io::Error::other(error)));
                }
            });
        }
        crate::backend::Backend::Postgres(reader) => {
            tokio::spawn(async move {
                let mut out = ChannelWriter::new(tx.clone(), true);
                let result = async {
                    let mut client = reader.client().await.map_err(|e| e.to_string())?;
                    switchboard_reports::write_report_pg(
                        &mut client,
                        reader.domain(),
                        &request,
                        now,
                        &mut out,
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                    out.flush().map_err(|e| e.to_string())
                }
                .await;
                if let Err(error) = result {
                    tracing::error!(%error, "report export failed after streaming began");
                    let _ = tx.send(Err(std::io::Error::other(error))).await;
                }
            });
        }
    }
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
    /// Written from an async task (a PostgreSQL report): a full channel is waited for in
    /// `block_in_place`, which lets the runtime move the task's other work elsewhere.
    in_runtime: bool,
}

impl ChannelWriter {
    fn new(tx: mpsc::Sender<Result<Bytes, std::io::Error>>, in_runtime: bool) -> Self {
        ChannelWriter {
            tx,
            buffer: Vec::with_capacity(CHUNK),
            in_runtime,
        }
    }
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
        let send = || self.tx.blocking_send(Ok(chunk));
        let sent = if self.in_runtime {
            tokio::task::block_in_place(send)
        } else {
            send()
        };
        sent.map_err(|_| {
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
    fn report_options_are_the_parameters_parsed() {
        use utoipa::IntoParams;
        let mut documented: Vec<String> = ReportOptions::into_params(|| None)
            .into_iter()
            .map(|p| p.name)
            .collect();
        let mut parsed: Vec<String> = switchboard_reports::PARAMETERS
            .iter()
            .map(|p| p.to_string())
            .collect();
        documented.sort();
        parsed.sort();
        assert_eq!(documented, parsed);
    }

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
