//! Each report on a small hand-built journal (exact rows as snapshots), every format parsed
//! back by an independent reader, and time windows across midnight and the Budapest DST
//! changes.

use std::collections::BTreeMap;
use switchboard_core::callback::{AttemptState, CallbackEnd, CallbackOrigin, CallbackSettings};
use switchboard_core::closure::{ClosureCode, Major, Minor};
use switchboard_core::config::{AgentConfig, Disposition, QueueConfig};
use switchboard_core::event::{Event, EventRecord};
use switchboard_core::ids::{AgentId, ContactId, QueueId, StationId};
use switchboard_core::model::{AgentState, Channel, RefusalReason};
use switchboard_core::time::Timestamp;
use switchboard_reports::{ReportError, ReportRequest, write_report};
use switchboard_store::{Durability, Store};

fn at(text: &str) -> Timestamp {
    Timestamp(text.parse::<jiff::Timestamp>().unwrap().as_millisecond())
}

fn agent(id: &str) -> AgentId {
    AgentId::new(id)
}

fn refusal(contact: u64, by: &str, name: &str, reason: RefusalReason) -> Event {
    Event::OfferRefused {
        offer: None,
        contact: ContactId(contact),
        agent: agent(by),
        agent_full_name: name.into(),
        station: StationId::new(if by == "ann" { "s1" } else { "s2" }),
        reason,
        cause_code: None,
        excluded_until: Timestamp(0),
        decline_reason: None,
    }
}

fn state(who: &str, state: AgentState, reason: Option<&str>) -> Event {
    Event::AgentStateChanged {
        agent: agent(who),
        state,
        reason: reason.map(Into::into),
        station: Some(StationId::new("s1")),
    }
}

fn closed(
    contact: u64,
    code: (u16, u16),
    agent_id: Option<&str>,
    queue: &str,
    channel: Channel,
    disposition: Option<&str>,
    entrance: &str,
) -> Event {
    Event::ContactClosed {
        contact: ContactId(contact),
        code: ClosureCode::new(Major(code.0), Minor(code.1)),
        disposition: disposition.map(Into::into),
        agent: agent_id.map(agent),
        queue: QueueId::new(queue),
        channel,
        arrived: at(entrance),
        entrance: at(entrance),
    }
}

fn created(contact: u64, entrance: &str) -> Event {
    Event::CallbackCreated {
        contact: ContactId(contact),
        queue: QueueId::new("service"),
        destination: format!("+36 1 555 {contact:04}"),
        origin: CallbackOrigin::Api,
        due: at(entrance),
        reserved: None,
        expires: None,
        entrance: at(entrance),
        from_contact: None,
    }
}

fn attempt_ended(
    contact: u64,
    attempt: u32,
    by: Option<(&str, &str)>,
    state: AttemptState,
    dial_started: Option<&str>,
) -> Event {
    Event::AttemptEnded {
        contact: ContactId(contact),
        attempt,
        agent: by.map(|(id, _)| agent(id)),
        agent_full_name: by.map(|(_, name)| name.into()),
        state,
        minor: state.minor(),
        counted: state.is_counted(),
        dial_started: dial_started.map(at),
    }
}

fn status(status: switchboard_core::callback::CallbackStatus) -> Event {
    Event::CallbackStatusChanged {
        queue: QueueId::new("service"),
        status,
        next_check: None,
    }
}

/// Two days around the start of daylight-saving time in Budapest (2026-03-29 02:00 CET →
/// 03:00 CEST, i.e. 01:00 UTC).
fn journal() -> Vec<EventRecord> {
    use switchboard_core::callback::CallbackStatus::*;
    let mut sales = QueueConfig::new("sales", Channel::Voice);
    sales.dispositions = vec![Disposition {
        code: "sale".into(),
        label_en: "Sale".into(),
        label_hu: "Eladás".into(),
        success: true,
        callback: false,
        no_interest: false,
        do_not_call: false,
    }];
    let mut service = QueueConfig::new("service", Channel::Callback);
    service.callbacks = Some(CallbackSettings::default());
    let mut ann = AgentConfig::new("ann", "Ann Lee", &["sales", "service"]);
    ann.team = Some("Blue".into());
    let bob = AgentConfig::new("bob", "Bob \"The Builder\", Jr.", &["sales"]);
    let events: Vec<(&str, Event)> = vec![
        (
            "2026-03-28T07:00:00Z",
            Event::QueueConfigured {
                queue: Box::new(sales),
            },
        ),
        (
            "2026-03-28T07:00:00Z",
            Event::QueueConfigured {
                queue: Box::new(service),
            },
        ),
        ("2026-03-28T07:00:00Z", status(Active)),
        (
            "2026-03-28T07:00:00Z",
            Event::AgentConfigured {
                agent: Box::new(ann),
            },
        ),
        (
            "2026-03-28T07:00:00Z",
            Event::AgentConfigured {
                agent: Box::new(bob),
            },
        ),
        (
            "2026-03-28T07:00:00Z",
            state("ann", AgentState::Ready, None),
        ),
        (
            "2026-03-28T07:30:00Z",
            state("bob", AgentState::Ready, None),
        ),
        (
            "2026-03-28T08:15:30Z",
            refusal(1, "ann", "Ann Lee", RefusalReason::NoAnswer),
        ),
        (
            "2026-03-28T08:15:30Z",
            state("ann", AgentState::NoAnswer, None),
        ),
        (
            "2026-03-28T08:20:00Z",
            state("ann", AgentState::Ready, None),
        ),
        (
            "2026-03-28T08:30:00Z",
            closed(
                1,
                (48, 0),
                Some("ann"),
                "sales",
                Channel::Voice,
                Some("sale"),
                "2026-03-28T08:10:00Z",
            ),
        ),
        ("2026-03-28T09:00:00Z", created(10, "2026-03-28T09:00:00Z")),
        (
            "2026-03-28T09:05:00Z",
            Event::AttemptStarted {
                contact: ContactId(10),
                attempt: 1,
                agent: agent("bob"),
                no_answer_deadline: None,
            },
        ),
        (
            "2026-03-28T09:06:10Z",
            attempt_ended(
                10,
                1,
                Some(("bob", "Bob \"The Builder\", Jr.")),
                AttemptState::NoAnswer,
                Some("2026-03-28T09:05:10Z"),
            ),
        ),
        ("2026-03-28T10:00:00Z", created(11, "2026-03-28T10:00:00Z")),
        (
            "2026-03-28T12:00:00Z",
            Event::CallbackCompleted {
                contact: ContactId(11),
                queue: QueueId::new("service"),
                destination: "+36 1 555 0011".into(),
                end: CallbackEnd::Purged,
                entrance: at("2026-03-28T10:00:00Z"),
                attempts: 0,
                reached: false,
            },
        ),
        (
            "2026-03-28T12:00:00Z",
            closed(
                11,
                (32, 0),
                None,
                "service",
                Channel::Callback,
                None,
                "2026-03-28T10:00:00Z",
            ),
        ),
        ("2026-03-28T18:00:00Z", status(OffScheduleHrs)),
        (
            "2026-03-28T18:00:00Z",
            attempt_ended(10, 2, None, AttemptState::Aborted, None),
        ),
        (
            "2026-03-28T21:30:00Z",
            refusal(
                2,
                "bob",
                "Bob \"The Builder\", Jr.",
                RefusalReason::BadNumber,
            ),
        ),
        (
            "2026-03-28T21:45:00Z",
            closed(
                2,
                (40, 12),
                None,
                "sales",
                Channel::Voice,
                None,
                "2026-03-28T21:29:00Z",
            ),
        ),
        (
            "2026-03-28T22:30:00Z",
            state("ann", AgentState::Break, Some("Coffee")),
        ),
        (
            "2026-03-29T00:10:00Z",
            state("ann", AgentState::Ready, None),
        ),
        (
            "2026-03-29T00:30:00Z",
            refusal(3, "ann", "Ann Lee", RefusalReason::Declined),
        ),
        (
            "2026-03-29T01:30:00Z",
            refusal(
                4,
                "bob",
                "Bob \"The Builder\", Jr.",
                RefusalReason::InvalidCallLeg,
            ),
        ),
        ("2026-03-29T06:00:00Z", created(12, "2026-03-29T06:00:00Z")),
        ("2026-03-29T07:00:00Z", status(Active)),
        (
            "2026-03-29T07:10:00Z",
            Event::AttemptStarted {
                contact: ContactId(10),
                attempt: 3,
                agent: agent("ann"),
                no_answer_deadline: None,
            },
        ),
        (
            "2026-03-29T07:15:00Z",
            attempt_ended(
                10,
                3,
                Some(("ann", "Ann Lee")),
                AttemptState::Handled,
                Some("2026-03-29T07:10:05Z"),
            ),
        ),
        (
            "2026-03-29T07:15:00Z",
            Event::CallbackCompleted {
                contact: ContactId(10),
                queue: QueueId::new("service"),
                destination: "+36 1 555 0010".into(),
                end: CallbackEnd::Handled,
                entrance: at("2026-03-28T09:00:00Z"),
                attempts: 1,
                reached: true,
            },
        ),
        (
            "2026-03-29T07:15:00Z",
            closed(
                10,
                (48, 0),
                Some("ann"),
                "service",
                Channel::Callback,
                None,
                "2026-03-28T09:00:00Z",
            ),
        ),
        (
            "2026-03-29T08:00:00Z",
            state("bob", AgentState::Offline, None),
        ),
    ];
    events
        .into_iter()
        .map(|(time, event)| EventRecord {
            at: at(time),
            event,
        })
        .collect()
}

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
