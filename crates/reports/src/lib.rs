//! Switchboard's data-download reports (docs/reports.md): `agent-refusal`,
//! `completed-callbacks`, `agent-state-log`, `contact-closure` and `callback-monitor`.
//!
//! A report reads the store's projection tables (`switchboard_store::projection`), never the
//! journal's JSON: each is one indexed scan per time window, and every row goes straight to
//! the exporter (CSV, TSV, XML, JSON or XLSX) as it is read, so memory stays flat for any
//! number of rows. The CLI (`switchboard report`) and the HTTP API (`GET /v1/reports/{name}`)
//! both build a [`ReportRequest`] from the same parameters and call [`write_report`] (the
//! embedded store, SQLite) or [`write_report_pg`] (one domain of the cluster store,
//! PostgreSQL): the same reports, byte for byte, over either.
//!
//! - `request.rs`: [`ReportName`], [`Format`], [`Preset`], [`ReportRequest`] (parameter
//!   parsing, date ranges and daily time windows in an IANA zone, file names).
//! - `reports.rs`: the five reports, written once over a `source::Source`.
//! - `source/`: the stores' SQL and rows (`sqlite.rs`, `postgres.rs`).
//! - `output.rs`: the streaming exporters and the local-time formatting.

mod output;
mod reports;
mod request;
mod source;

pub use request::{
    Format, PARAMETERS, Preset, RANGE_DAYS_MAX, Range, ReportName, ReportRequest, TimeOfDay,
};

use output::Sink;
use std::io::Write;
use strum::VariantArray;
use switchboard_core::time::Timestamp;

/// Why a report could not be produced. Input errors ([`ReportError::is_input`]) are the
/// caller's (HTTP 400, exit status 2); the rest are the store's or the output's.
#[derive(Debug, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum ReportError {
    #[error("unknown report {0:?}: expected one of {names}", names = report_names())]
    UnknownReport(String),
    #[error("unknown format {0:?}: expected one of csv, tsv, xml, json, xlsx")]
    UnknownFormat(String),
    #[error("invalid {param} {value:?}: expected a date YYYY-MM-DD{}", if *param == "from" { format!(" or a preset ({})", preset_names()) } else { String::new() })]
    BadDate { param: &'static str, value: String },
    #[error(
        "invalid {param} {value:?}: expected a time of day HH:MM (00:00–23:59; 24:00 as an end)"
    )]
    BadTime { param: &'static str, value: String },
    #[error("unknown time zone {0:?}: expected an IANA name such as Europe/Budapest or UTC")]
    UnknownTimeZone(String),
    #[error("invalid date range: {0}")]
    BadRange(String),
    #[error("invalid {param}: {message}")]
    BadParameter { param: String, message: String },
    #[error("reading the store: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("reading the PostgreSQL store: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("writing the report: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the XLSX workbook: {0}")]
    #[strum(serialize = "export")]
    Xlsx(String),
}

fn report_names() -> String {
    ReportName::VARIANTS
        .iter()
        .map(|name| name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The presets, for messages: `today, yesterday, …`.
pub(crate) fn preset_names() -> String {
    Preset::VARIANTS
        .iter()
        .map(|preset| preset.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl ReportError {
    /// A stable code for the HTTP API's `{error: {code, message}}`: the variant's name in
    /// snake case (`Xlsx` is `export`).
    pub fn code(&self) -> &'static str {
        self.into()
    }

    /// The caller's mistake: HTTP 400, exit status 2.
    pub fn is_input(&self) -> bool {
        !matches!(
            self,
            ReportError::Store(_)
                | ReportError::Postgres(_)
                | ReportError::Io(_)
                | ReportError::Xlsx(_)
        )
    }

    /// The message with parameters named as command-line flags (`--from` instead of `from`).
    pub fn cli_message(&self) -> String {
        let message = self.to_string();
        let param = match self {
            ReportError::BadDate { param, .. } | ReportError::BadTime { param, .. } => {
                param.to_string()
            }
            ReportError::BadParameter { param, .. } => param.clone(),
            _ => return message,
        };
        message.replacen(
            &format!("invalid {param}"),
            &format!("invalid --{param}"),
            1,
        )
    }
}

/// The sink of `request`'s format, its header written.
fn sink<'w, W: Write + ?Sized>(
    request: &ReportRequest,
    out: &'w mut W,
) -> Result<output::Sinks<'w, W>, ReportError> {
    output::sink(
        request.format,
        request.name.as_str(),
        request.name.columns(),
        request.header,
        request.time_zone.clone(),
        out,
    )
}

/// Writes the report `request` asks for to `out`, reading `conn` (a store's connection) in
/// one read transaction, row by row. `now` resolves presets and ends intervals still open.
/// Returns the number of data rows. XLSX is assembled in a temporary file and then copied.
pub fn write_report(
    conn: &rusqlite::Connection,
    request: &ReportRequest,
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<u64, ReportError> {
    let windows = request.windows(now)?;
    // One snapshot for every query of the report (WAL readers do not block writers).
    let transaction = if conn.is_autocommit() {
        Some(conn.unchecked_transaction()?)
    } else {
        None
    };
    let mut sink = sink(request, out)?;
    let mut store = source::sqlite::Sqlite::new(conn);
    let rows = source::ready(reports::run(
        &mut store, request, &windows, now.0, &mut sink,
    ))?;
    sink.finish()?;
    drop(transaction); // read only: rolling back changes nothing
    Ok(rows)
}

/// [`write_report`] over routing domain `domain` of the cluster store (PostgreSQL): the same
/// bytes for the same journal. Every query of the report runs in one read-only REPEATABLE
/// READ transaction begun on `client` (one snapshot, as SQLite's read transaction gives),
/// and rows stream from the server to `out` as they are read.
///
/// `out` is written synchronously between awaits; the future is `Send` when `out` is, so it
/// can be spawned. A pooled connection (`deadpool_postgres::Object`) derefs to the client.
pub async fn write_report_pg<W: Write + ?Sized>(
    client: &mut tokio_postgres::Client,
    domain: &str,
    request: &ReportRequest,
    now: Timestamp,
    out: &mut W,
) -> Result<u64, ReportError> {
    // Bad input is refused before a transaction is begun (`write_report_pg_in` computes the
    // windows again: a few thousand at most, cheap).
    request.windows(now)?;
    let transaction = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let rows = write_report_pg_in(&transaction, domain, request, now, out).await?;
    // Read only: committing ends the snapshot and changes nothing.
    transaction.commit().await?;
    Ok(rows)
}

/// [`write_report_pg`] inside the caller's transaction (or on a bare connection): the
/// report's queries see one snapshot only if `client` is a REPEATABLE READ (or SERIALIZABLE)
/// transaction, which is the caller's to begin.
pub async fn write_report_pg_in<W: Write + ?Sized>(
    client: &(impl tokio_postgres::GenericClient + Sync),
    domain: &str,
    request: &ReportRequest,
    now: Timestamp,
    out: &mut W,
) -> Result<u64, ReportError> {
    let windows = request.windows(now)?;
    let mut sink = sink(request, out)?;
    let mut store = source::postgres::Postgres::new(client, domain);
    let rows = reports::run(&mut store, request, &windows, now.0, &mut sink).await?;
    sink.finish()?;
    Ok(rows)
}
