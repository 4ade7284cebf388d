//! `switchboard report NAME --data DIR [report options] [--out FILE]`: a data-download report
//! (docs/reports.md) from a store, written row by row to standard output or a
//! file. The flags are the HTTP API's query parameters (`switchboard_reports::ReportRequest`
//! parses both), so both accept the same values and reject the same mistakes.

use crate::sim_cmd::InputError;
use anyhow::Context;
use clap::Args;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use switchboard_core::time::Timestamp;
use switchboard_reports::{Format, ReportError, ReportRequest, write_report};
use switchboard_store::{Store, StoreError};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The report: agent-refusal, completed-callbacks, agent-state-log, contact-closure or
    /// callback-monitor.
    #[arg(value_name = "NAME")]
    name: String,
    /// The data directory (the store written by `serve` or `sim --data`).
    #[arg(long, value_name = "DIR", default_value = "./switchboard-data")]
    data: PathBuf,
    /// A cluster's PostgreSQL database (`serve --store`) instead of --data; needs --domain.
    #[arg(long, value_name = "URL", requires = "domain")]
    store: Option<String>,
    /// The routing domain whose report it is (with --store).
    #[arg(long, value_name = "NAME", requires = "store")]
    domain: Option<String>,
    /// First day (YYYY-MM-DD), or a preset: today, yesterday, last-7-days, last-30-days,
    /// previous-week, previous-month, month-to-date. Default: today.
    #[arg(long, value_name = "DATE|PRESET")]
    from: Option<String>,
    /// Last day, included (YYYY-MM-DD). Default: the same as --from.
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// A date-range preset (the same names as --from takes).
    #[arg(long, value_name = "PRESET")]
    preset: Option<String>,
    /// Start of the time window on each day (HH:MM, default 00:00).
    #[arg(long, value_name = "HH:MM")]
    start: Option<String>,
    /// End of the time window on each day (HH:MM, default 24:00); at or before --start it
    /// is on the next day.
    #[arg(long, value_name = "HH:MM")]
    end: Option<String>,
    /// IANA time zone of the dates, windows and shown times (default UTC).
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
    /// csv, tsv, xml, json or xlsx (xlsx needs --out).
    #[arg(long, value_name = "FORMAT", default_value = "csv")]
    format: String,
    /// Language of closure-code and disposition names: en or hu.
    #[arg(long, value_name = "LANG", default_value = "en")]
    lang: String,
    /// Leave out the field names (CSV, TSV, XLSX).
    #[arg(long)]
    no_header: bool,
    /// Add -YYYYMMDD (today in --tz) to the --out file name, before its extension.
    #[arg(long)]
    append_date: bool,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

fn input(error: ReportError) -> anyhow::Error {
    if error.is_input() {
        InputError(error.cli_message()).into()
    } else {
        anyhow::Error::new(error)
    }
}

pub fn report(args: &ReportArgs) -> anyhow::Result<()> {
    let mut pairs: Vec<(&str, &str)> = vec![("format", &args.format), ("lang", &args.lang)];
    for (name, value) in [
        ("from", &args.from),
        ("to", &args.to),
        ("preset", &args.preset),
        ("start", &args.start),
        ("end", &args.end),
        ("tz", &args.tz),
    ] {
        if let Some(value) = value {
            pairs.push((name, value));
        }
    }
    if args.no_header {
        pairs.push(("header", "false"));
    }
    if args.append_date {
        pairs.push(("append-date", "true"));
    }
    let request = ReportRequest::from_pairs(&args.name, pairs).map_err(input)?;
    if args.out.is_none() {
        if request.format == Format::Xlsx {
            return Err(InputError(
                "--format xlsx needs --out FILE (a workbook is not written to standard output)"
                    .to_owned(),
            )
            .into());
        }
        if request.append_date {
            return Err(InputError("--append-date needs --out FILE".to_owned()).into());
        }
    }
    let store = match (&args.store, &args.domain) {
        (Some(url), Some(domain)) => ReportStore::postgres(url, domain)?,
        _ => ReportStore::Sqlite(
            Store::open_existing(&args.data).map_err(|error| match error {
                StoreError::Missing(_) => InputError(format!("--data {error}")).into(),
                other => anyhow::Error::new(other),
            })?,
            args.data.display().to_string(),
        ),
    };
    let now = Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    );
    // Bad windows are input errors too; find them before creating any file.
    request.windows(now).map_err(input)?;
    match &args.out {
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
            let rows = store.write(&request, now, &mut out).map_err(input)?;
            out.flush()?;
            note_if_outside(&store, &request, now, rows)?;
        }
        Some(file) => {
            let path = request.dated_path(file, now);
            let dir = match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
                _ => PathBuf::from("."),
            };
            // Written next to the target and renamed when complete: a failed run leaves no
            // half-written report behind.
            let mut builder = tempfile::Builder::new();
            #[cfg(unix)]
            {
                // An ordinary file (the umask applies), not tempfile's private 0600.
                use std::os::unix::fs::PermissionsExt;
                builder.permissions(std::fs::Permissions::from_mode(0o666));
            }
            let mut temporary = builder
                .tempfile_in(&dir)
                .map_err(|e| InputError(format!("--out {}: {e}", path.display())))?;
            let rows = {
                let mut out = BufWriter::with_capacity(64 * 1024, temporary.as_file_mut());
                let rows = store.write(&request, now, &mut out).map_err(input)?;
                out.flush()
                    .with_context(|| format!("while writing {}", path.display()))?;
                rows
            };
            temporary
                .persist(&path)
                .with_context(|| format!("while writing {}", path.display()))?;
            note_if_outside(&store, &request, now, rows)?;
        }
    }
    Ok(())
}

/// Where the report is read: a data directory, or one domain of a cluster's database.
enum ReportStore {
    /// The store, and the directory as the user named it.
    Sqlite(Store, String),
    Postgres {
        runtime: tokio::runtime::Runtime,
        reader: switchboard_store::postgres::DomainReader,
    },
}

impl ReportStore {
    fn postgres(url: &str, domain: &str) -> anyhow::Result<ReportStore> {
        let runtime = crate::server_cmd::runtime()?;
        let reader = runtime.block_on(async {
            let cluster = switchboard_store::postgres::Cluster::connect(url, 2)
                .await
                .map_err(|e| InputError(format!("--store: {e}")))?;
            if !cluster.domain_exists(domain).await? {
                return Err(InputError(format!("--domain {domain}: no such domain")).into());
            }
            anyhow::Ok(cluster.domain(domain))
        })?;
        Ok(ReportStore::Postgres { runtime, reader })
    }

    fn write(
        &self,
        request: &ReportRequest,
        now: Timestamp,
        out: &mut dyn Write,
    ) -> Result<u64, ReportError> {
        match self {
            ReportStore::Sqlite(store, _) => write_report(store.connection(), request, now, out),
            ReportStore::Postgres { runtime, reader } => runtime.block_on(async {
                let mut client = reader.client().await.map_err(|error| match error {
                    StoreError::Postgres(error) => ReportError::Postgres(error),
                    other => ReportError::Io(std::io::Error::other(other.to_string())),
                })?;
                switchboard_reports::write_report_pg(
                    &mut client,
                    reader.domain(),
                    request,
                    now,
                    out,
                )
                .await
            }),
        }
    }

    fn journal_span(&self) -> anyhow::Result<Option<(i64, i64)>> {
        Ok(match self {
            ReportStore::Sqlite(store, _) => store.journal_span()?,
            ReportStore::Postgres { runtime, reader } => runtime.block_on(reader.journal_span())?,
        })
    }

    /// How the note names the data.
    fn describe(&self) -> String {
        match self {
            ReportStore::Sqlite(_, dir) => dir.clone(),
            ReportStore::Postgres { reader, .. } => format!("domain {}", reader.domain()),
        }
    }
}

/// An empty report whose dates miss every day the data covers (a preset such as
/// `last-7-days` on a simulated day of another year) is easy to take for "nothing
/// happened": say so on stderr, with the data's own dates. The report itself stays as it is
/// (empty, exit status 0): an empty range is a valid question.
fn note_if_outside(
    store: &ReportStore,
    request: &ReportRequest,
    now: Timestamp,
    rows: u64,
) -> anyhow::Result<()> {
    if rows > 0 {
        return Ok(());
    }
    let Some((first, last)) = store.journal_span()? else {
        return Ok(());
    };
    let date = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms).map(|t| t.to_zoned(request.time_zone.clone()).date())
    };
    let (Ok(first), Ok(last)) = (date(first), date(last)) else {
        return Ok(());
    };
    let (from, to) = request.dates(now);
    if to < first || from > last {
        eprintln!(
            "switchboard: note: no rows: the report covers {from} to {to}, but the data in {} runs from {first} to {last} ({}); try --from {first} --to {last}",
            store.describe(),
            request.time_zone_name,
        );
    }
    Ok(())
}
