//! The exporters. A report hands them one row at a time as [`Cell`]s borrowed from the SQLite
//! row being read; nothing is collected, so memory stays flat however many rows there are.

use crate::ReportError;
use crate::request::Format;
use jiff::tz::TimeZone;
use std::io::Write;

/// One value of a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell<'a> {
    Text(&'a str),
    Int(i64),
    /// Shown with at most two decimals.
    Num(f64),
    /// A time (ms since the epoch), shown as `YYYY-MM-DD HH:MM:SS` in the report's zone.
    Time(i64),
    /// A time shown as `MM/DD/YYYY HH:MM` (24 h): CXone's Refuse_Time.
    Minute(i64),
    Empty,
}

/// Local times in the report's zone, with the last offset cached: rows come in time order,
/// so consecutive rows nearly always share it.
pub(crate) struct Clock {
    tz: TimeZone,
    /// The UTC minute the cached offset is for.
    minute: i64,
    offset_ms: i64,
}

impl Clock {
    pub(crate) fn new(tz: TimeZone) -> Self {
        Clock {
            tz,
            minute: i64::MIN,
            offset_ms: 0,
        }
    }

    /// Milliseconds since 1970-01-01T00:00 local time.
    pub(crate) fn local_ms(&mut self, utc_ms: i64) -> i64 {
        let minute = utc_ms.div_euclid(60_000);
        if minute != self.minute {
            let at = crate::request::to_jiff(switchboard_core::time::Timestamp(minute * 60_000));
            self.offset_ms = i64::from(self.tz.to_offset(at).seconds()) * 1000;
            self.minute = minute;
        }
        utc_ms + self.offset_ms
    }

    /// The local time as an Excel serial date (days since 1899-12-30).
    pub(crate) fn excel(&mut self, utc_ms: i64) -> f64 {
        self.local_ms(utc_ms) as f64 / 86_400_000.0 + 25_569.0
    }

    /// `YYYY-MM-DD HH:MM:SS` into `buf`.
    pub(crate) fn write_time<'b>(&mut self, utc_ms: i64, buf: &'b mut [u8; 19]) -> &'b [u8] {
        let (y, mo, d, h, mi, s) = civil(self.local_ms(utc_ms));
        digits(&mut buf[0..4], y);
        buf[4] = b'-';
        digits(&mut buf[5..7], mo);
        buf[7] = b'-';
        digits(&mut buf[8..10], d);
        buf[10] = b' ';
        digits(&mut buf[11..13], h);
        buf[13] = b':';
        digits(&mut buf[14..16], mi);
        buf[16] = b':';
        digits(&mut buf[17..19], s);
        &buf[..19]
    }

    /// `MM/DD/YYYY HH:MM` into `buf`.
    pub(crate) fn write_minute<'b>(&mut self, utc_ms: i64, buf: &'b mut [u8; 19]) -> &'b [u8] {
        let (y, mo, d, h, mi, _) = civil(self.local_ms(utc_ms));
        digits(&mut buf[0..2], mo);
        buf[2] = b'/';
        digits(&mut buf[3..5], d);
        buf[5] = b'/';
        digits(&mut buf[6..10], y);
        buf[10] = b' ';
        digits(&mut buf[11..13], h);
        buf[13] = b':';
        digits(&mut buf[14..16], mi);
        &buf[..16]
    }
}

/// Writes `value` as zero-padded decimal digits filling `out` (years outside 0–9999 are
/// clamped; the store never holds them).
fn digits(out: &mut [u8], value: i64) {
    let mut value = value.clamp(0, 10_i64.pow(out.len() as u32) - 1);
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// (year, month, day, hour, minute, second) of a local ms count (Howard Hinnant's
/// days-to-civil algorithm).
fn civil(local_ms: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = local_ms.div_euclid(86_400_000);
    let ms = local_ms.rem_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    let secs = ms / 1000;
    (y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
}

/// A number with at most two decimals and no trailing zeros: `12`, `12.5`, `33.33`.
pub(crate) fn format_num(value: f64, out: &mut String) {
    use std::fmt::Write as _;
    out.clear();
    let _ = write!(out, "{:.2}", value);
    if out.contains('.') {
        while out.ends_with('0') {
            out.pop();
        }
        if out.ends_with('.') {
            out.pop();
        }
    }
    if out == "-0" {
        out.clear();
        out.push('0');
    }
}

/// Where rows go.
pub(crate) trait Sink {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ReportError>;
    /// Ends the output (closing elements, saving the workbook) and writes what is left.
    fn finish(self) -> Result<(), ReportError>
    where
        Self: Sized;
}

/// Makes the sink for `format`, writing the header (or the opening of the document). It is
/// generic over the writer, not boxed, so that it is `Send` when the writer is: the
/// PostgreSQL report holds it across awaits.
pub(crate) fn sink<'w, W: Write + ?Sized>(
    format: Format,
    report: &'static str,
    columns: &'static [&'static str],
    header: bool,
    tz: TimeZone,
    out: &'w mut W,
) -> Result<Sinks<'w, W>, ReportError> {
    let clock = Clock::new(tz);
    Ok(match format {
        Format::Csv => {
            Sinks::Delimited(Box::new(Delimited::new(b',', columns, header, clock, out)?))
        }
        Format::Tsv => Sinks::Delimited(Box::new(Delimited::new(
            b'\t', columns, header, clock, out,
        )?)),
        Format::Xml => Sinks::Xml(Xml::new(report, columns, clock, out)?),
        Format::Json => Sinks::Json(Json::new(columns, clock, out)?),
        Format::Xlsx => Sinks::Xlsx(Box::new(Xlsx::new(report, columns, header, clock, out)?)),
    })
}

/// The sink of each format.
pub(crate) enum Sinks<'w, W: Write + ?Sized> {
    Delimited(Box<Delimited<'w, W>>),
    Xml(Xml<'w, W>),
    Json(Json<'w, W>),
    Xlsx(Box<Xlsx<'w, W>>),
}

impl<W: Write + ?Sized> Sink for Sinks<'_, W> {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ReportError> {
        match self {
            Sinks::Delimited(sink) => sink.row(cells),
            Sinks::Xml(sink) => sink.row(cells),
            Sinks::Json(sink) => sink.row(cells),
            Sinks::Xlsx(sink) => sink.row(cells),
        }
    }

    fn finish(self) -> Result<(), ReportError> {
        match self {
            Sinks::Delimited(sink) => (*sink).finish(),
            Sinks::Xml(sink) => sink.finish(),
            Sinks::Json(sink) => sink.finish(),
            Sinks::Xlsx(sink) => (*sink).finish(),
        }
    }
}

/// CSV and TSV: RFC 4180 quoting (fields with the delimiter, a quote or a line break are
/// quoted, quotes doubled), CRLF line ends.
pub(crate) struct Delimited<'w, W: Write + ?Sized> {
    writer: csv::Writer<&'w mut W>,
    clock: Clock,
    number: String,
}

impl<'w, W: Write + ?Sized> Delimited<'w, W> {
    fn new(
        delimiter: u8,
        columns: &'static [&'static str],
        header: bool,
        clock: Clock,
        out: &'w mut W,
    ) -> Result<Self, ReportError> {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .buffer_capacity(64 * 1024)
            .from_writer(out);
        if header {
            writer.write_record(columns).map_err(csv_error)?;
        }
        Ok(Delimited {
            writer,
            clock,
            number: String::new(),
        })
    }
}

fn csv_error(error: csv::Error) -> ReportError {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => ReportError::Io(error),
        other => ReportError::Io(std::io::Error::other(format!("{other:?}"))),
    }
}

impl<W: Write + ?Sized> Sink for Delimited<'_, W> {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ReportError> {
        let mut buf = [0u8; 19];
        let mut int = itoa::Buffer::new();
        for cell in cells {
            let field: &[u8] = match *cell {
                Cell::Text(text) => text.as_bytes(),
                Cell::Int(value) => int.format(value).as_bytes(),
                Cell::Num(value) => {
                    format_num(value, &mut self.number);
                    self.number.as_bytes()
                }
                Cell::Time(at) => self.clock.write_time(at, &mut buf),
                Cell::Minute(at) => self.clock.write_minute(at, &mut buf),
                Cell::Empty => b"",
            };
            self.writer.write_field(field).map_err(csv_error)?;
        }
        self.writer.write_record(None::<&[u8]>).map_err(csv_error)?;
        Ok(())
    }

    fn finish(mut self) -> Result<(), ReportError> {
        self.writer.flush()?;
        Ok(())
    }
}

/// XML: `<report name="…">` with one `<row>` per row and one element per column, named as the
/// column. Characters XML 1.0 does not allow become U+FFFD.
pub(crate) struct Xml<'w, W: Write + ?Sized> {
    out: std::io::BufWriter<&'w mut W>,
    columns: &'static [&'static str],
    clock: Clock,
    number: String,
}

impl<'w, W: Write + ?Sized> Xml<'w, W> {
    fn new(
        report: &'static str,
        columns: &'static [&'static str],
        clock: Clock,
        out: &'w mut W,
    ) -> Result<Self, ReportError> {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
        write!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<report name=\"{report}\">\n"
        )?;
        Ok(Xml {
            out,
            columns,
            clock,
            number: String::new(),
        })
    }
}

fn write_xml_text(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let replacement: &[u8] = match c {
            '&' => b"&amp;",
            '<' => b"&lt;",
            '>' => b"&gt;",
            '\t' | '\n' | '\r' => continue,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => "\u{FFFD}".as_bytes(),
            _ => continue,
        };
        out.write_all(&text.as_bytes()[start..i])?;
        out.write_all(replacement)?;
        start = i + c.len_utf8();
    }
    out.write_all(&text.as_bytes()[start..])
}

impl<W: Write + ?Sized> Sink for Xml<'_, W> {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ReportError> {
        let mut buf = [0u8; 19];
        let mut int = itoa::Buffer::new();
        self.out.write_all(b"<row>")?;
        for (column, cell) in self.columns.iter().zip(cells) {
            let field: &[u8] = match *cell {
                Cell::Empty => {
                    write!(self.out, "<{column}/>")?;
                    continue;
                }
                Cell::Text(text) => {
                    write!(self.out, "<{column}>")?;
                    write_xml_text(&mut self.out, text)?;
                    write!(self.out, "</{column}>")?;
                    continue;
                }
                Cell::Int(value) => int.format(value).as_bytes(),
                Cell::Num(value) => {
                    format_num(value, &mut self.number);
                    self.number.as_bytes()
                }
                Cell::Time(at) => self.clock.write_time(at, &mut buf),
                Cell::Minute(at) => self.clock.write_minute(at, &mut buf),
            };
            write!(self.out, "<{column}>")?;
            self.out.write_all(field)?;
            write!(self.out, "</{column}>")?;
        }
        self.out.write_all(b"</row>\n")?;
        Ok(())
    }

    fn finish(mut self) -> Result<(), ReportError> {
        self.out.write_all(b"</report>\n")?;
        self.out.flush()?;
        Ok(())
    }
}

/// JSON: an array of objects keyed by column name, one object per line. Numbers are JSON
/// numbers, times strings, empty values `null`.
pub(crate) struct Json<'w, W: Write + ?Sized> {
    out: std::io::BufWriter<&'w mut W>,
    columns: &'static [&'static str],
    clock: Clock,
    number: String,
    first: bool,
}

impl<'w, W: Write + ?Sized> Json<'w, W> {
    fn new(
        columns: &'static [&'static str],
        clock: Clock,
        out: &'w mut W,
    ) -> Result<Self, ReportError> {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
        out.write_all(b"[")?;
        Ok(Json {
            out,
            columns,
            clock,
            number: String::new(),
            first: true,
        })
    }
}

impl<W: Write + ?Sized> Sink for Json<'_, W> {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ReportError> {
        let mut buf = [0u8; 19];
        let mut int = itoa::Buffer::new();
        self.out
            .write_all(if self.first { b"\n{" } else { b",\n{" })?;
        self.first = false;
        for (i, (column, cell)) in self.columns.iter().zip(cells).enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            write!(self.out, "\"{column}\":")?;
            match *cell {
                Cell::Text(text) => {
                    serde_json::to_writer(&mut self.out, text).map_err(std::io::Error::from)?
                }
                Cell::Int(value) => self.out.write_all(int.format(value).as_bytes())?,
                Cell::Num(value) if value.is_finite() => {
                    format_num(value, &mut self.number);
                    self.out.write_all(self.number.as_bytes())?
                }
                Cell::Num(_) | Cell::Empty => self.out.write_all(b"null")?,
                Cell::Time(at) => {
                    self.out.write_all(b"\"")?;
                    let text = self.clock.write_time(at, &mut buf);
                    self.out.write_all(text)?;
                    self.out.write_all(b"\"")?;
                }
                Cell::Minute(at) => {
                    self.out.write_all(b"\"")?;
                    let text = self.clock.write_minute(at, &mut buf);
                    self.out.write_all(text)?;
                    self.out.write_all(b"\"")?;
                }
            }
        }
        self.out.write_all(b"}")?;
        Ok(())
    }

    fn finish(mut self) -> Result<(), ReportError> {
        self.out
            .write_all(if self.first { b"]\n" } else { b"\n]\n" })?;
        self.out.flush()?;
        Ok(())
    }
}

/// Excel's row limit per sheet; a longer report continues on further sheets.
pub(crate) const XLSX_ROWS_MAX: u32 = 1_048_576;

/// XLSX with rust_xlsxwriter in constant-memory mode (each row goes to a temporary file as it
/// is written): real dates and numbers, the header row frozen. The workbook is saved to a
/// temporary file and then copied to the output.
pub(crate) struct Xlsx<'w, W: Write + ?Sized> {
    out: &'w mut W,
    workbook: rust_xlsxwriter::Workbook,
    report: &'static str,
    columns: &'static [&'static str],
    header: bool,
    clock: Clock,
    time_format: rust_xlsxwriter::Format,
    minute_format: rust_xlsxwriter::Format,
    bold: rust_xlsxwriter::Format,
    sheet: usize,
    next_row: u32,
}

fn xlsx_error(error: rust_xlsxwriter::XlsxError) -> ReportError {
    ReportError::Xlsx(error.to_string())
}

impl<'w, W: Write + ?Sized> Xlsx<'w, W> {
    fn new(
        report: &'static str,
        columns: &'static [&'static str],
        header: bool,
        clock: Clock,
        out: &'w mut W,
    ) -> Result<Self, ReportError> {
        let mut xlsx = Xlsx {
            out,
            workbook: rust_xlsxwriter::Workbook::new(),
            report,
            columns,
            header,
            clock,
            time_format: rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            minute_format: rust_xlsxwriter::Format::new().set_num_format("mm/dd/yyyy hh:mm"),
            bold: rust_xlsxwriter::Format::new().set_bold(),
            sheet: 0,
            next_row: 0,
        };
        xlsx.add_sheet()?;
        Ok(xlsx)
    }

    fn add_sheet(&mut self) -> Result<(), ReportError> {
        let number = self.workbook.worksheets().len() + 1;
        let name = if number == 1 {
            self.report.to_owned()
        } else {
            format!("{} ({number})", self.report)
        };
        let sheet = self
            .workbook
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_error)?;
        sheet.set_name(name).map_err(xlsx_error)?;
        self.next_row = 0;
        if self.header {
            for (col, column) in self.columns.iter().enumerate() {
                let width = if column.ends_with("_Time") {
                    20.0
                } else {
                    14.0
                };
                sheet
                    .set_column_width(col as u16, width)
                    .map_err(xlsx_error)?;
                sheet
                    .write_string_with_format(0, col as u16, *column, &self.bold)
                    .map_err(xlsx_error)?;
            }
            sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
            self.next_row = 1;
        }
        self.sheet = number - 1;
        Ok(())
    }
}

impl<W: Write + ?Sized> Sink for Xlsx<'_, W> {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ReportError> {
        if self.next_row >= XLSX_ROWS_MAX {
            self.add_sheet()?;
        }
        let row = self.next_row;
        let sheet = self
            .workbook
            .worksheet_from_index(self.sheet)
            .map_err(xlsx_error)?;
        for (col, cell) in cells.iter().enumerate() {
            let col = col as u16;
            match *cell {
                Cell::Text(text) => {
                    sheet.write_string(row, col, text).map_err(xlsx_error)?;
                }
                Cell::Int(value) => {
                    sheet
                        .write_number(row, col, value as f64)
                        .map_err(xlsx_error)?;
                }
                Cell::Num(value) => {
                    sheet.write_number(row, col, value).map_err(xlsx_error)?;
                }
                Cell::Time(at) => {
                    sheet
                        .write_number_with_format(row, col, self.clock.excel(at), &self.time_format)
                        .map_err(xlsx_error)?;
                }
                Cell::Minute(at) => {
                    sheet
                        .write_number_with_format(
                            row,
                            col,
                            self.clock.excel(at),
                            &self.minute_format,
                        )
                        .map_err(xlsx_error)?;
                }
                Cell::Empty => {}
            }
        }
        self.next_row += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<(), ReportError> {
        let file = tempfile::tempfile()?;
        let mut writer = std::io::BufWriter::new(file);
        self.workbook
            .save_to_writer(&mut writer)
            .map_err(xlsx_error)?;
        let mut file = writer
            .into_inner()
            .map_err(|e| ReportError::Io(e.into_error()))?;
        use std::io::Seek;
        file.seek(std::io::SeekFrom::Start(0))?;
        std::io::copy(&mut file, self.out)?;
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_matches_jiff() {
        let tz = TimeZone::get("Europe/Budapest").unwrap();
        let mut clock = Clock::new(tz.clone());
        for ms in [
            0_i64,
            1_774_746_000_000, // 2026-03-29T01:00:00Z, CET → CEST
            1_774_745_999_999,
            1_792_886_400_000, // 2026-10-25T01:00:00Z, CEST → CET
            951_782_400_000,   // 2000-02-29
            4_102_444_799_000, // 2099-12-31T23:59:59Z
            -86_400_000,
        ] {
            let mut buf = [0u8; 19];
            let ours = std::str::from_utf8(clock.write_time(ms, &mut buf))
                .unwrap()
                .to_owned();
            let ts = jiff::Timestamp::from_millisecond(ms).unwrap();
            let theirs = tz.to_datetime(ts).strftime("%Y-%m-%d %H:%M:%S").to_string();
            assert_eq!(ours, theirs, "{ms}");
            let minute = std::str::from_utf8(clock.write_minute(ms, &mut buf))
                .unwrap()
                .to_owned();
            assert_eq!(
                minute,
                tz.to_datetime(ts).strftime("%m/%d/%Y %H:%M").to_string()
            );
        }
    }

    #[test]
    fn numbers_have_at_most_two_decimals() {
        let mut s = String::new();
        for (value, text) in [
            (12.0, "12"),
            (12.5, "12.5"),
            (100.0 / 3.0, "33.33"),
            (-0.001, "0"),
            (0.0, "0"),
        ] {
            format_num(value, &mut s);
            assert_eq!(s, text);
        }
    }

    #[test]
    fn xml_text_is_escaped() {
        let mut out = Vec::new();
        write_xml_text(&mut out, "a<b & \"c\"\u{1}\td").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a&lt;b &amp; \"c\"\u{FFFD}\td"
        );
    }
}
