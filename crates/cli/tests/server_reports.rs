//! Black-box tests of `GET /v1/reports/{name}`: every report in every format over HTTP with
//! the right Content-Type and Content-Disposition, the Data Download View permission, and
//! bad options as 400s with the report error codes.

mod support;

use support::*;

/// A report downloaded with the supervisor key (which has Data Download View).
fn download(server: &Server, query: &str) -> Reply {
    let client = server.unpooled();
    client.get(&format!("/v1/reports/{query}"), Some(SUPERVISOR))
}

const REPORTS: [(&str, &str); 5] = [
    ("agent-refusal", "Contact_ID"),
    ("completed-callbacks", "Callback_ID"),
    ("agent-state-log", "Agent_No"),
    ("contact-closure", "Contact_ID"),
    ("callback-monitor", "Queue"),
];

#[test]
fn every_report_downloads_in_every_format_with_its_file_name() {
    let mut site = Site::new(&example_config());
    let server = site.start(1);
    // One refusal and one closed contact to report on.
    server
        .post(
            "/v1/agents/a1/login",
            "a1-secret",
            Some(r#"{"station":"s1","state":"ready"}"#),
        )
        .ok();
    let contact = server.create_contact("voice", "sales", "+3620");
    let offer = server.wait_offer("a1", ADMIN);
    server
        .post(&format!("/v1/offers/{offer}/refuse"), "a1-secret", None)
        .ok();
    server
        .post(&format!("/v1/contacts/{contact}/abandon"), CONNECTOR, None)
        .ok();

    for (name, first_column) in REPORTS {
        for (format, content_type) in [
            ("csv", "text/csv"),
            ("tsv", "text/tab-separated-values"),
            ("xml", "application/xml"),
            ("json", "application/json"),
            (
                "xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        ] {
            let reply = download(
                &server,
                &format!("{name}?format={format}&tz=Europe/Budapest"),
            );
            assert_eq!(reply.status, 200, "{name} {format}: {reply:?}");
            assert!(
                reply.content_type.starts_with(content_type),
                "{name} {format}: {reply:?}"
            );
            assert_eq!(
                reply.content_disposition,
                format!("attachment; filename=\"{name}.{format}\"")
            );
            let (body, text) = (&reply.body, &reply.text);
            match format {
                "csv" | "tsv" => {
                    let separator = if format == "csv" { ',' } else { '\t' };
                    let header = text.lines().next().unwrap_or_default();
                    assert!(
                        header.starts_with(&format!("{first_column}{separator}")),
                        "{name} {format}: {header}"
                    );
                }
                "json" => {
                    let rows: serde_json::Value = serde_json::from_slice(body).unwrap();
                    assert!(rows.is_array(), "{name}: {rows}");
                }
                "xml" => {
                    assert!(text.starts_with("<?xml"), "{name}: {text}");
                    assert!(text.contains(&format!("<report name=\"{name}\"")), "{text}");
                }
                _ => assert!(body.starts_with(b"PK"), "{name}: an XLSX is a zip file"),
            }
        }
    }

    // The default format is CSV with a header; the refusal is the one row of the report.
    let reply = download(&server, "agent-refusal");
    assert!(reply.content_type.starts_with("text/csv"), "{reply:?}");
    assert!(
        reply.text.lines().next().unwrap().contains("Reason"),
        "{reply:?}"
    );
    let text = download(&server, "agent-refusal?format=csv&header=false").text;
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert!(
        rows[0].starts_with(&format!("{contact},a1,Anna Kovács,s1,Declined,")),
        "{text}"
    );

    // append-date puts today's date in the file name.
    let disposition = download(&server, "contact-closure?append-date=true").content_disposition;
    let date = disposition
        .trim_start_matches("attachment; filename=\"contact-closure-")
        .trim_end_matches(".csv\"");
    assert!(
        date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()),
        "{disposition}"
    );
}

#[test]
fn bad_report_options_are_400s_and_reports_need_data_download() {
    let mut site = Site::new(&example_config());
    let server = site.start(1);
    for (query, code) in [
        ("nope", "unknown_report"),
        ("agent-refusal?format=pdf", "unknown_format"),
        ("agent-refusal?from=2026-11-20&to=2026-11-01", "bad_range"),
        ("agent-refusal?tz=Mars/Olympus", "unknown_time_zone"),
        ("agent-refusal?start=25:00", "bad_time"),
        ("agent-refusal?from=yesterdayish", "bad_date"),
        ("agent-refusal?colour=blue", "bad_parameter"),
    ] {
        server
            .get(&format!("/v1/reports/{query}"), Some(SUPERVISOR))
            .assert_error(400, code);
    }
    server
        .get("/v1/reports/agent-refusal", Some(CONNECTOR))
        .assert_error(403, "forbidden");
    server
        .get("/v1/reports/agent-refusal", None)
        .assert_error(401, "unauthorized");
}
