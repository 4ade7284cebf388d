//! The `switchboard` binary: the command-line front of the Switchboard
//! contact-center routing engine (README.md, docs/api.md, docs/simulation.md).
//!
//! Each subcommand is one variant of [`Command`] and one function here; the
//! work itself lives in the library crates. Exit status: 0 on success (and when
//! stdout is closed early, e.g. piped to `head`), 2 on a usage error, which is
//! reported on one line of stderr, and 1 on any other error, also one line. A
//! usage error found after parsing (inputs valid one by one but not together) is
//! returned as a [`clap::Error`] and reported like one found while parsing.

mod cluster_cmd;
mod demo_cmd;
mod dnc_cmd;
mod emergency_cmd;
mod report_cmd;
mod server_cmd;
mod sim_cmd;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use strum::VariantArray;
use switchboard_core::closure::{self, CatalogRow, Lang};
use switchboard_sim::erlang::{self, ErlangError, Figures, Input, ModelKind, Traffic};

/// Switchboard: a contact-center routing and disposition engine.
#[derive(Debug, Parser)]
// A bare `switchboard` is a usage error (one line, exit 2), not the help text.
#[command(name = "switchboard", version, arg_required_else_help = false)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the closure-code catalog: the 22 major and 25 minor technical codes.
    Codes(CodesArgs),
    /// Erlang C (no patience) and Erlang A (exponential patience) figures for one
    /// queue: P(wait), ASA, service level, abandonment, occupancy; and the fewest
    /// agents meeting a target service level.
    Erlang(ErlangArgs),
    /// Run a scenario on the real engine with a virtual clock (see docs/simulation.md).
    Sim(sim_cmd::SimArgs),
    /// Run the server: HTTP API, live event stream, embedded store (see docs/api.md).
    Serve(server_cmd::ServeArgs),
    /// Export a report (data download) from a data directory (see docs/reports.md).
    Report(report_cmd::ReportArgs),
    /// Make, list and revoke API keys.
    Keys(server_cmd::KeysArgs),
    /// A cluster's routing domains (`serve --store postgres://…`): create, list, delete.
    Domains(cluster_cmd::DomainsArgs),
    /// Print the HTTP API's OpenAPI 3.1 document (what `/openapi.json` serves), e.g. to
    /// generate a client without starting a server.
    Openapi,
    /// The do-not-call list: add, remove, list, import (CSV); with or without a server.
    Dnc(dnc_cmd::DncArgs),
    /// A queue's emergency closure: set, clear, show; with or without a server.
    Emergency(emergency_cmd::EmergencyArgs),
    /// Copy the store while it is in use (SQLite online backup).
    Backup(server_cmd::BackupArgs),
    /// Run the server with a demo configuration and simulated live traffic.
    Demo(demo_cmd::DemoArgs),
}

#[derive(Debug, Args)]
struct CodesArgs {
    /// Language of the Name column: internal (major) and report (minor) names
    /// in `en`, Hungarian names in `hu`.
    #[arg(
        long,
        default_value = "en",
        value_parser = PossibleValuesParser::new(Lang::VARIANTS.iter().map(|l| l.as_str()))
            .try_map(|value| value.parse::<Lang>()),
    )]
    lang: Lang,

    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    format: TableFormat,
}

#[derive(Debug, Args)]
struct ErlangArgs {
    /// Calls arriving per hour (a Poisson process).
    #[arg(long, value_name = "R", value_parser = positive_number, allow_negative_numbers = true)]
    arrivals_per_hour: f64,

    /// Mean handle time of a call, in seconds (exponentially distributed).
    #[arg(long, value_name = "S", value_parser = positive_number, allow_negative_numbers = true)]
    handle_seconds: f64,

    /// Number of agents (1 to 100000). Optional with --target-service-level.
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u32).range(1..=i64::from(erlang::MAX_AGENTS)),
        allow_negative_numbers = true,
        required_unless_present = "target_service_level"
    )]
    agents: Option<u32>,

    /// Mean patience of a waiting caller, in seconds (exponentially distributed):
    /// Erlang A. Without it, callers never hang up: Erlang C.
    #[arg(long, value_name = "P", value_parser = positive_number, allow_negative_numbers = true)]
    patience_seconds: Option<f64>,

    /// The service level counts calls answered within this many seconds.
    #[arg(
        long,
        value_name = "T",
        default_value_t = 20.0,
        value_parser = non_negative_number,
        allow_negative_numbers = true
    )]
    service_level_seconds: f64,

    /// Also find the fewest agents whose service level is at least this share of
    /// the calls (0.8 for 80 %).
    #[arg(long, value_name = "X", value_parser = share, allow_negative_numbers = true)]
    target_service_level: Option<f64>,

    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// How a table is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TableFormat {
    /// Comma-separated, RFC 4180 quoting, with a header line.
    Csv,
    /// Tab-separated, with a header line.
    Tsv,
    /// A pretty-printed JSON array of objects keyed by column name.
    Json,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    let result = match cli.command {
        Command::Codes(args) => codes(&args),
        Command::Erlang(args) => erlang(&args),
        Command::Sim(args) => sim_cmd::sim(&args),
        Command::Serve(args) => server_cmd::serve(&args),
        Command::Report(args) => report_cmd::report(&args),
        Command::Keys(args) => server_cmd::keys(&args),
        Command::Domains(args) => cluster_cmd::domains(&args),
        Command::Openapi => openapi(),
        Command::Dnc(args) => dnc_cmd::dnc(&args),
        Command::Emergency(args) => emergency_cmd::emergency(&args),
        Command::Backup(args) => server_cmd::backup(&args),
        Command::Demo(args) => demo_cmd::demo(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`switchboard codes | head`): nothing left to do.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => match error.downcast_ref::<clap::Error>() {
            Some(usage) => usage_error(usage),
            None if error.downcast_ref::<sim_cmd::InputError>().is_some() => {
                eprintln!("switchboard: error: {error}");
                ExitCode::from(2)
            }
            None => {
                eprintln!("switchboard: error: {error:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// `switchboard openapi`: the OpenAPI document on stdout, pretty-printed, ending in a newline.
fn openapi() -> anyhow::Result<()> {
    let document = serde_json::to_string_pretty(&switchboard_server::openapi())
        .context("while writing the OpenAPI document")?;
    let mut out = io::stdout().lock();
    writeln!(out, "{document}").context("while writing the OpenAPI document")?;
    Ok(())
}

/// `switchboard codes`: the closure-code catalog on stdout.
fn codes(args: &CodesArgs) -> anyhow::Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    write_table(&mut out, args.format, closure::catalog(args.lang))
        .context("while writing the closure-code catalog")?;
    out.flush()
        .context("while writing the closure-code catalog")?;
    Ok(())
}

/// `switchboard erlang`: the figures for `--agents`, the staffing for
/// `--target-service-level`, or both, as a table or one JSON object.
fn erlang(args: &ErlangArgs) -> anyhow::Result<()> {
    let threshold = args.service_level_seconds;
    let traffic = Traffic::new(
        args.arrivals_per_hour / 3600.0,
        args.handle_seconds,
        args.patience_seconds,
    )
    .map_err(erlang_usage)?;
    let figures = match args.agents {
        Some(agents) => Some(
            traffic
                .with_agents(agents)
                .and_then(|model| model.figures(threshold))
                .map_err(erlang_usage)?,
        ),
        None => None,
    };
    // (target, the fewest agents meeting it and their figures)
    let staffing = match args.target_service_level {
        Some(target) => {
            let agents = erlang::staff_for(target, threshold, &traffic).map_err(erlang_usage)?;
            let figures = match agents {
                Some(agents) => Some(
                    traffic
                        .with_agents(agents)
                        .and_then(|model| model.figures(threshold))
                        .map_err(erlang_usage)?,
                ),
                None => None,
            };
            Some((target, figures))
        }
        None => None,
    };

    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.json {
        let mut report = serde_json::json!({
            "model": traffic.kind(),
            "arrivals_per_hour": args.arrivals_per_hour,
            "handle_seconds": args.handle_seconds,
            "patience_seconds": args.patience_seconds,
            "service_level_seconds": threshold,
            "offered_erlangs": traffic.offered_erlangs(),
        });
        if let Some(figures) = &figures {
            merge(&mut report, serde_json::to_value(figures)?);
        }
        if let Some((target, found)) = &staffing {
            let mut staffing = serde_json::json!({
                "target_service_level": target,
                "agents": null,
            });
            if let Some(found) = found {
                merge(&mut staffing, serde_json::to_value(found)?);
            }
            report["staffing"] = staffing;
        }
        serde_json::to_writer_pretty(&mut out, &report).context("while writing the figures")?;
        writeln!(out).context("while writing the figures")?;
    } else {
        const WIDTH: usize = 24;
        let model = match args.patience_seconds {
            None => format!("{} (callers never hang up)", ModelKind::ErlangC),
            Some(patience) => format!(
                "{} (exponential patience, mean {patience} s)",
                ModelKind::ErlangA
            ),
        };
        let mut text = String::new();
        let mut line = |label: &str, value: String| {
            text.push_str(format!("{label:<WIDTH$} {value}").trim_end());
            text.push('\n');
        };
        line("model", model);
        line("arrivals per hour", args.arrivals_per_hour.to_string());
        line("handle time", format!("{} s", args.handle_seconds));
        line(
            "offered load",
            format!("{:.3} Erlangs", traffic.offered_erlangs()),
        );
        let figure_lines = |line: &mut dyn FnMut(&str, String), agents: &str, figures: &Figures| {
            line(agents, figures.agents.to_string());
            if !figures.stable {
                line(
                    "queue",
                    format!(
                        "unstable: offered load {:.3} >= {} agents",
                        figures.offered_erlangs, figures.agents
                    ),
                );
            }
            line("P(wait)", percent(figures.p_wait));
            line("ASA", seconds(figures.asa_seconds));
            line(
                "service level",
                format!(
                    "{} within {} s",
                    percent(figures.service_level),
                    figures.service_level_seconds
                ),
            );
            line("abandonment", percent(figures.abandon_rate));
            line("occupancy", percent(figures.occupancy));
            line(
                "expected queue length",
                figures
                    .expected_queue_length
                    .map_or_else(|| "unbounded".to_owned(), |length| format!("{length:.3}")),
            );
            line("mean wait (all calls)", seconds(figures.mean_wait_seconds));
        };
        if let Some(figures) = &figures {
            figure_lines(&mut line, "agents", figures);
        }
        if let Some((target, found)) = &staffing {
            line("", String::new());
            line(
                "staffing for",
                format!("{} within {threshold} s", percent(*target)),
            );
            match found {
                Some(found) => figure_lines(&mut line, "agents needed", found),
                None => line(
                    "agents needed",
                    format!("none up to {} meets it", erlang::MAX_AGENTS),
                ),
            }
        }
        out.write_all(text.as_bytes())
            .context("while writing the figures")?;
    }
    out.flush().context("while writing the figures")?;
    Ok(())
}

/// Adds the keys of the JSON object `from` to the JSON object `into`.
fn merge(into: &mut serde_json::Value, from: serde_json::Value) {
    if let (Some(into), serde_json::Value::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
}

fn percent(share: f64) -> String {
    format!("{:.2} %", share * 100.0)
}

fn seconds(value: Option<f64>) -> String {
    value.map_or_else(|| "unbounded".to_owned(), |value| format!("{value:.2} s"))
}

/// An Erlang input error as a usage error naming the flag.
fn erlang_usage(error: ErlangError) -> anyhow::Error {
    let flag = |input: Input| match input {
        Input::ArrivalsPerSecond => "--arrivals-per-hour",
        Input::HandleSeconds => "--handle-seconds",
        Input::Agents => "--agents",
        Input::PatienceSeconds => "--patience-seconds",
        Input::ServiceLevelSeconds => "--service-level-seconds",
        Input::TargetServiceLevel => "--target-service-level",
    };
    let message = match &error {
        ErlangError::Invalid { input, .. } => {
            format!("invalid value for '{}': {error}", flag(*input))
        }
        ErlangError::OfferedLoad(_) => {
            format!("invalid values for '--arrivals-per-hour' and '--handle-seconds': {error}")
        }
        ErlangError::QueueTooLong => format!(
            "'--patience-seconds' is too long for this load: the Erlang A queue would need more than {} places",
            erlang::MAX_QUEUE_PLACES
        ),
    };
    Cli::command()
        .error(ErrorKind::ValueValidation, message)
        .into()
}

/// A finite number greater than 0.
fn positive_number(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(number) if number.is_normal() && number > 0.0 => Ok(number),
        _ => Err("must be a finite number greater than 0".to_owned()),
    }
}

/// A finite number, 0 or more.
fn non_negative_number(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        // `+ 0.0` turns -0 into 0.
        Ok(number) if number.is_finite() && number >= 0.0 => Ok(number + 0.0),
        _ => Err("must be a finite number, 0 or more".to_owned()),
    }
}

/// A share strictly between 0 and 1.
fn share(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(number) if number > 0.0 && number < 1.0 => Ok(number),
        _ => Err("must be a number greater than 0 and less than 1 (0.8 for 80 %)".to_owned()),
    }
}

/// Writes `rows` in `format`; the header (or JSON keys) comes from the rows'
/// serialized field names.
fn write_table(
    out: &mut impl Write,
    format: TableFormat,
    rows: impl Iterator<Item = CatalogRow>,
) -> anyhow::Result<()> {
    match format {
        TableFormat::Csv => write_delimited(out, b',', rows),
        TableFormat::Tsv => write_delimited(out, b'\t', rows),
        TableFormat::Json => {
            let rows: Vec<CatalogRow> = rows.collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
            Ok(())
        }
    }
}

fn write_delimited(
    out: &mut impl Write,
    delimiter: u8,
    rows: impl Iterator<Item = CatalogRow>,
) -> anyhow::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(out);
    for row in rows {
        writer.serialize(row)?;
    }
    writer.flush()?;
    Ok(())
}

/// Reports a command-line parsing failure. `--help` and `--version` also arrive
/// here: they are printed as clap renders them, with exit status 0. Real usage
/// errors become one line on stderr and exit status 2.
fn usage_error(error: &clap::Error) -> ExitCode {
    if !error.use_stderr() {
        // Nothing useful to do if stdout is already closed.
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    eprintln!("switchboard: error: {}", one_line(error));
    ExitCode::from(2)
}

/// The first line of clap's message without its `error: ` prefix, followed by
/// the list of possible values or subcommands when clap gives one (for a bad
/// `--lang`, a missing subcommand), or by the missing arguments when the first
/// line ends in a colon ("the following required arguments were not provided:").
fn one_line(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let mut lines = rendered.lines();
    let first = lines.next().unwrap_or_default();
    let mut message = first.strip_prefix("error: ").unwrap_or(first).to_owned();
    if message.ends_with(':') {
        let listed: Vec<&str> = lines
            .clone()
            .take_while(|line| line.starts_with(' '))
            .map(str::trim)
            .collect();
        message.push(' ');
        message.push_str(&listed.join(", "));
    }
    if let Some(values) = lines
        .map(str::trim)
        .find(|line| line.starts_with("[possible values:") || line.starts_with("[subcommands:"))
    {
        message.push(' ');
        message.push_str(values);
    }
    message
}

/// Whether the error comes from writing to a closed pipe, at any depth and
/// whichever writer (`csv`, `serde_json`, `std::io`) reported it.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        let kind = if let Some(io_error) = cause.downcast_ref::<io::Error>() {
            Some(io_error.kind())
        } else if let Some(csv_error) = cause.downcast_ref::<csv::Error>() {
            match csv_error.kind() {
                csv::ErrorKind::Io(io_error) => Some(io_error.kind()),
                _ => None,
            }
        } else if let Some(json_error) = cause.downcast_ref::<serde_json::Error>() {
            json_error.io_error_kind()
        } else {
            None
        };
        kind == Some(io::ErrorKind::BrokenPipe)
    })
}
