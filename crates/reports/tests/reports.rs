//! Each report on a small hand-built journal (exact rows as snapshots), every format parsed
//! back by an independent reader, and time windows across midnight and the Budapest DST
//! changes.

mod common;

use common::{at, journal};
use std::collections::BTreeMap;
use switchboard_reports::{ReportError, ReportRequest, write_report};
use switchboard_store::{Durability, Store};

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
    let records = journal();
    // In two batches, as a server would commit them.
    store.append(&records[..12]).unwrap();
    store.append(&records[12..]).unwrap();
    Fixture { _dir: dir, store }
}

/// Two days later: nothing is still in the future.
const NOW: &str = "2026-03-31T12:00:00Z";

fn run(fixture: &Fixture, name: &str, pairs: &[(&str, &str)]) -> Result<Vec<u8>, ReportError> {
    let request = ReportRequest::from_pairs(name, pairs.iter().copied())?;
    let mut out = Vec::new();
    write_report(fixture.store.connection(), &request, at(NOW), &mut out)?;
    Ok(out)
}

fn text(fixture: &Fixture, name: &str, pairs: &[(&str, &str)]) -> String {
    String::from_utf8(run(fixture, name, pairs).unwrap()).unwrap()
}

const BOTH_DAYS: [(&str, &str); 3] = [
    ("from", "2026-03-28"),
    ("to", "2026-03-29"),
    ("tz", "Europe/Budapest"),
];

#[test]
fn agent_refusal_in_budapest_time_across_the_dst_change() {
    let f = fixture();
    insta::assert_snapshot!(text(&f, "agent-refusal", &BOTH_DAYS));
}

#[test]
fn agent_refusal_window_across_midnight() {
    let f = fixture();
    // 22:00 on the 28th (CET) to 06:00 on the 29th (CEST): seven hours.
    let rows = text(
        &f,
        "agent-refusal",
        &[
            ("from", "2026-03-28"),
            ("start", "22:00"),
            ("end", "06:00"),
            ("tz", "Europe/Budapest"),
            ("format", "tsv"),
            ("no-header", "true"),
        ],
    );
    insta::assert_snapshot!(rows);
    // In UTC the same refusals fall on both dates.
    let utc = text(&f, "agent-refusal", &[("from", "2026-03-28")]);
    assert_eq!(utc.lines().count(), 1 + 2);
}

#[test]
fn completed_callbacks_one_row_per_attempt_aborted_included() {
    let f = fixture();
    insta::assert_snapshot!(text(&f, "completed-callbacks", &BOTH_DAYS));
    // Only the callback completed on the 29th.
    let sunday = text(
        &f,
        "completed-callbacks",
        &[
            ("from", "2026-03-29"),
            ("tz", "Europe/Budapest"),
            ("no-header", "1"),
        ],
    );
    assert_eq!(sunday.lines().count(), 3);
    assert!(sunday.lines().all(|l| l.starts_with("10,")));
}

#[test]
fn agent_state_log_clips_intervals_to_the_window() {
    let f = fixture();
    // Saturday in Budapest: 2026-03-27T23:00Z to 2026-03-28T23:00Z.
    insta::assert_snapshot!(text(
        &f,
        "agent-state-log",
        &[("from", "2026-03-28"), ("tz", "Europe/Budapest")]
    ));
    // Sunday has 23 hours: the intervals carried in from Saturday plus those that begin.
    insta::assert_snapshot!(
        "agent_state_log_sunday",
        text(
            &f,
            "agent-state-log",
            &[("from", "2026-03-29"), ("tz", "Europe/Budapest")]
        )
    );
}

#[test]
fn contact_closure_names_in_both_languages() {
    let f = fixture();
    insta::assert_snapshot!(text(&f, "contact-closure", &BOTH_DAYS));
    let mut hu = BOTH_DAYS.to_vec();
    hu.push(("lang", "hu"));
    insta::assert_snapshot!("contact_closure_hu", text(&f, "contact-closure", &hu));
}

#[test]
fn callback_monitor_per_queue() {
    let f = fixture();
    insta::assert_snapshot!(text(&f, "callback-monitor", &BOTH_DAYS));
    // At the end of Saturday: off schedule, two callbacks waiting, one purged, none done.
    insta::assert_snapshot!(
        "callback_monitor_saturday",
        text(
            &f,
            "callback-monitor",
            &[("from", "2026-03-28"), ("tz", "Europe/Budapest")]
        )
    );
}

#[test]
fn an_empty_range_has_only_the_header() {
    let f = fixture();
    for name in [
        "agent-refusal",
        "completed-callbacks",
        "agent-state-log",
        "contact-closure",
    ] {
        let out = text(&f, name, &[("from", "2020-01-01")]);
        assert_eq!(out.lines().count(), 1, "{name}: {out}");
    }
    assert_eq!(
        text(
            &f,
            "agent-refusal",
            &[("from", "2020-01-01"), ("format", "json")]
        ),
        "[]\n"
    );
}

/// Every report in every format reads back to the same table of strings.
#[test]
fn every_format_reads_back_to_the_same_rows() {
    let f = fixture();
    for name in [
        "agent-refusal",
        "completed-callbacks",
        "agent-state-log",
        "contact-closure",
        "callback-monitor",
    ] {
        let with = |format: &str| {
            let mut pairs = BOTH_DAYS.to_vec();
            pairs.push(("format", format));
            run(&f, name, &pairs).unwrap()
        };
        let csv_rows = read_delimited(&with("csv"), b',');
        assert!(csv_rows.len() > 1, "{name}");
        let columns = csv_rows[0].clone();
        assert_eq!(read_delimited(&with("tsv"), b'\t'), csv_rows, "{name} tsv");
        assert_eq!(read_json(&with("json"), &columns), csv_rows, "{name} json");
        assert_eq!(
            read_xml(&with("xml"), name, &columns),
            csv_rows,
            "{name} xml"
        );
        assert_eq!(read_xlsx(&with("xlsx"), name), csv_rows, "{name} xlsx");
    }
}

fn read_delimited(bytes: &[u8], delimiter: u8) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_reader(bytes);
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn read_json(bytes: &[u8], columns: &[String]) -> Vec<Vec<String>> {
    let rows: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_slice(bytes).unwrap();
    let mut table = vec![columns.to_vec()];
    for row in rows {
        assert_eq!(row.keys().collect::<Vec<_>>().len(), columns.len());
        table.push(
            columns
                .iter()
                .map(|c| match &row[c] {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
        );
    }
    table
}

fn read_xml(bytes: &[u8], name: &str, columns: &[String]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let document = roxmltree::Document::parse(text).unwrap();
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "report");
    assert_eq!(root.attribute("name"), Some(name));
    let mut table = vec![columns.to_vec()];
    for row in root.children().filter(|n| n.is_element()) {
        assert_eq!(row.tag_name().name(), "row");
        let cells: Vec<_> = row.children().filter(|n| n.is_element()).collect();
        assert_eq!(
            cells
                .iter()
                .map(|c| c.tag_name().name())
                .collect::<Vec<_>>(),
            columns
        );
        table.push(
            cells
                .iter()
                .map(|c| c.text().unwrap_or("").to_owned())
                .collect(),
        );
    }
    table
}

/// The XLSX cells as the text formats show them: numbers as numbers, dates formatted back.
fn read_xlsx(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    use calamine::{Data, Reader};
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(workbook.sheet_names(), [name]);
    let range = workbook.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(f) => {
                        let mut s = String::new();
                        format_2(*f, &mut s);
                        s
                    }
                    Data::Int(i) => i.to_string(),
                    Data::DateTime(dt) => {
                        let serial = dt.as_f64();
                        let ms = ((serial - 25_569.0) * 86_400_000.0).round() as i64;
                        let local = jiff::Timestamp::from_millisecond(ms)
                            .unwrap()
                            .to_zoned(jiff::tz::TimeZone::UTC)
                            .datetime();
                        if name == "agent-refusal" {
                            local.strftime("%m/%d/%Y %H:%M").to_string()
                        } else {
                            local.strftime("%Y-%m-%d %H:%M:%S").to_string()
                        }
                    }
                    other => panic!("unexpected cell {other:?}"),
                })
                .collect()
        })
        .collect()
}

fn format_2(value: f64, out: &mut String) {
    *out = format!("{value:.2}");
    if out.contains('.') {
        while out.ends_with('0') {
            out.pop();
        }
        if out.ends_with('.') {
            out.pop();
        }
    }
}

#[test]
fn xlsx_has_real_dates_numbers_and_a_frozen_header() {
    let f = fixture();
    let mut pairs = BOTH_DAYS.to_vec();
    pairs.push(("format", "xlsx"));
    let bytes = run(&f, "agent-refusal", &pairs).unwrap();
    use calamine::{Data, Reader};
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let range = workbook.worksheet_range("agent-refusal").unwrap();
    assert_eq!(range.get((1, 0)), Some(&Data::Float(1.0)));
    assert!(matches!(range.get((1, 5)), Some(Data::DateTime(_))));
    // The sheet's XML freezes the first row.
    let mut archive = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    archive.retain(|c| !c.is_whitespace());
    assert!(archive.contains("state=\"frozen\""), "{archive}");
    assert!(archive.contains("ySplit=\"1\""), "{archive}");
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    // calamine re-exports no zip API; a stored XLSX entry is deflated, so read it with the
    // zip crate calamine itself depends on, through its own reader.
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn no_header_and_file_names() {
    let f = fixture();
    let out = text(
        &f,
        "agent-refusal",
        &[("from", "2026-03-28"), ("header", "false")],
    );
    assert!(out.starts_with("1,ann,Ann Lee,s1,NoAnswer,03/28/2026 08:15\r\n"));
    let request = ReportRequest::from_pairs(
        "contact-closure",
        [
            ("format", "xlsx"),
            ("append-date", "true"),
            ("tz", "Europe/Budapest"),
        ],
    )
    .unwrap();
    assert_eq!(
        request.file_name(at("2026-03-29T22:30:00Z")),
        "contact-closure-20260330.xlsx"
    );
    assert_eq!(
        request.content_type(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
}

#[test]
fn presets_resolve_against_now_in_the_zone() {
    let f = fixture();
    let request = ReportRequest::from_pairs(
        "agent-refusal",
        [("preset", "yesterday"), ("tz", "Europe/Budapest")],
    )
    .unwrap();
    let mut out = Vec::new();
    // Monday 2026-03-30 00:30 in Budapest: yesterday is Sunday the 29th (CEST).
    let rows = write_report(
        f.store.connection(),
        &request,
        at("2026-03-29T22:30:00Z"),
        &mut out,
    )
    .unwrap();
    assert_eq!(rows, 2);
}

#[test]
fn state_intervals_still_open_end_now() {
    let f = fixture();
    let request = ReportRequest::from_pairs(
        "agent-state-log",
        [("from", "2026-03-29"), ("format", "json")],
    )
    .unwrap();
    let mut out = Vec::new();
    write_report(
        f.store.connection(),
        &request,
        at("2026-03-29T09:00:00Z"),
        &mut out,
    )
    .unwrap();
    let rows: Vec<BTreeMap<String, serde_json::Value>> = serde_json::from_slice(&out).unwrap();
    let last_ann = rows.iter().rev().find(|r| r["Agent_No"] == "ann").unwrap();
    assert_eq!(last_ann["State"], "Ready");
    assert_eq!(last_ann["End_Time"], "2026-03-29 09:00:00");
    assert_eq!(last_ann["Duration_Seconds"], serde_json::json!(31800));
}
