//! Black-box tests of `GET /v1/reports/{name}`: every report in every format over HTTP with
//! the right Content-Type and Content-Disposition, the Data Download View permission, and
//! bad options as 400s with the report error codes.

mod support;

use support::*;

fn example_config() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/config/server.toml"
    );
    std::fs::read_to_string(path).expect("examples/config/server.toml")
}

/// GET with the supervisor key: (status, content type, content disposition, body).
fn download(server: &Server, query: &str) -> (u16, String, String, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(DEADLINE))
        .build()
        .into();
    let mut response = agent
        .get(format!("http://{}/v1/reports/{query}", server.addr))
        .header("Authorization", format!("Bearer {SUPERVISOR}"))
        .call()
        .expect("an HTTP answer");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .expect("the body");
    (response.status().as_u16(), content_type, disposition, body)
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
    let offer = poll(|| {
        let status = server.get("/v1/agents/a1/status", Some(ADMIN)).ok();
        status["offer"].as_u64()
    });
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
            let (status, got_type, disposition, body) = download(
                &server,
                &format!("{name}?format={format}&tz=Europe/Budapest"),
            );
            assert_eq!(
                status,
                200,
                "{name} {format}: {}",
                String::from_utf8_lossy(&body)
            );
            assert!(
                got_type.starts_with(content_type),
                "{name} {format}: {got_type}"
            );
            assert_eq!(
                disposition,
                format!("attachment; filename=\"{name}.{format}\"")
            );
            match format {
                "csv" | "tsv" => {
                    let text = String::from_utf8(body).unwrap();
                    let separator = if format == "csv" { ',' } else { '\t' };
                    let header = text.lines().next().unwrap_or_default();
                    assert!(
                        header.starts_with(&format!("{first_column}{separator}")),
                        "{name} {format}: {header}"
                    );
                }
                "json" => {
                    let rows: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    assert!(rows.is_array(), "{name}: {rows}");
                }
                "xml" => {
                    let text = String::from_utf8(body).unwrap();
                    assert!(text.starts_with("<?xml"), "{name}: {text}");
                    assert!(text.contains(&format!("<report name=\"{name}\"")), "{text}");
                }
                _ => assert!(body.starts_with(b"PK"), "{name}: an XLSX is a zip file"),
            }
        }
    }

    // The refusal is the one row of the refusal report.
    let (_, _, _, body) = download(&server, "agent-refusal?format=csv&header=false");
    let text = String::from_utf8(body).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert!(
        rows[0].starts_with(&format!("{contact},a1,Anna Kovács,s1,Declined,")),
        "{text}"
    );

    // append-date puts today's date in the file name.
    let (_, _, disposition, _) = download(&server, "contact-closure?append-date=true");
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

/// Polls `probe` until it gives a value (within the harness deadline).
fn poll<T>(mut probe: impl FnMut() -> Option<T>) -> T {
    let started = std::time::Instant::now();
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "nothing came within the deadline"
        );
        std::thread::yield_now();
    }
}
