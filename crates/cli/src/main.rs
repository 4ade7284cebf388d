//! The `switchboard` binary: the command-line front of the Switchboard
//! contact-center routing engine (PRODUCT.md §11).
//!
//! Each subcommand is one variant of [`Command`] and one function here; the
//! work itself lives in the library crates. Exit status: 0 on success (and when
//! stdout is closed early, e.g. piped to `head`), 2 on a usage error, which is
//! reported on one line of stderr, and 1 on any other error, also one line.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use switchboard_core::closure::{self, CatalogRow, Lang};

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
}

#[derive(Debug, Args)]
struct CodesArgs {
    /// Language of the Name column: internal (major) and report (minor) names
    /// in `en`, Hungarian names in `hu`.
    #[arg(
        long,
        default_value = "en",
        value_parser = PossibleValuesParser::new(Lang::ALL.map(Lang::as_str))
            .try_map(|value| value.parse::<Lang>()),
    )]
    lang: Lang,

    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    format: TableFormat,
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`switchboard codes | head`): nothing left to do.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("switchboard: error: {error:#}");
            ExitCode::FAILURE
        }
    }
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
/// `--lang`, a missing subcommand).
fn one_line(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let mut lines = rendered.lines();
    let first = lines.next().unwrap_or_default();
    let mut message = first.strip_prefix("error: ").unwrap_or(first).to_owned();
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
