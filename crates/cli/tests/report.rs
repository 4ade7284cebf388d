//! Black-box tests of `switchboard report` (docs/reports.md): the real binary over a store
//! written through `switchboard_store`, its output files, stderr and exit status; and the
//! refusal report against the simulator's own count.

use std::path::Path;
use std::process::{Command, Output};

use switchboard_core::event::{Event, EventRecord};
use switchboard_core::ids::{AgentId, ContactId, StationId};
use switchboard_core::model::RefusalReason;
use switchboard_core::time::Timestamp;
use switchboard_store::{Durability, Store};

fn switchboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .output()
        .expect("the switchboard binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 errors")
}

fn at(text: &str) -> Timestamp {
    Timestamp(text.parse::<jiff::Timestamp>().unwrap().as_millisecond())
}

/// A store with three refusals: two on 2026-10-24 and one on the 25th in Budapest time (the
/// night the clocks go back: 03:00 CEST → 02:00 CET).
fn store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
    let refusal = |time: &str, contact: u64, reason: RefusalReason| EventRecord {
        at: at(time),
        event: Event::OfferRefused {
            offer: None,
            contact: ContactId(contact),
            agent: AgentId::new("a7"),
            agent_full_name: "Kovács, Anna".into(),
            station: StationId::new("st-1"),
            reason,
            cause_code: None,
            excluded_until: Timestamp(0),
            decline_reason: None,
        },
    };
    store
        .append(&[
            refusal("2026-10-24T08:00:00Z", 1, RefusalReason::NoAnswer),
            refusal("2026-10-24T23:59:00Z", 2, RefusalReason::Busy),
            // 02:30 CEST, then the same wall-clock time again an hour later in CET.
            refusal("2026-10-25T00:30:00Z", 3, RefusalReason::Declined),
            refusal("2026-10-25T01:30:00Z", 4, RefusalReason::ZeroCauseCode),
        ])
        .unwrap();
    dir
}

fn data(dir: &Path) -> String {
    dir.display().to_string()
}

/// `switchboard report <name> --data <dir> <options>`, which must succeed.
fn report(dir: &Path, name: &str, options: &[&str]) -> Output {
    let mut args = vec!["report", name, "--data"];
    let data = data(dir);
    args.push(&data);
    args.extend(options);
    let output = switchboard(&args);
    assert!(
        output.status.success(),
        "{name} {options:?}: {}",
        stderr(&output)
    );
    output
}

#[test]
fn agent_refusal_csv_on_stdout() {
    let dir = store();
    let output = report(
        dir.path(),
        "agent-refusal",
        &[
            "--from",
            "2026-10-24",
            "--to",
            "2026-10-25",
            "--tz",
            "Europe/Budapest",
        ],
    );
    assert_eq!(
        stdout(&output),
        "Contact_ID,Agent_No,FullName,Station_ID,Reason,Refuse_Time\r\n\
         1,a7,\"Kovács, Anna\",st-1,NoAnswer,10/24/2026 10:00\r\n\
         2,a7,\"Kovács, Anna\",st-1,Busy,10/25/2026 01:59\r\n\
         3,a7,\"Kovács, Anna\",st-1,Declined,10/25/2026 02:30\r\n\
         4,a7,\"Kovács, Anna\",st-1,0,10/25/2026 02:30\r\n"
    );
}

#[test]
fn time_window_and_no_header() {
    let dir = store();
    // 01:00–03:00 local on the 25th is three hours long that night.
    let output = report(
        dir.path(),
        "agent-refusal",
        &[
            "--from",
            "2026-10-25",
            "--start",
            "01:00",
            "--end",
            "03:00",
            "--tz",
            "Europe/Budapest",
            "--no-header",
            "--format",
            "tsv",
        ],
    );
    assert_eq!(stdout(&output).lines().count(), 3, "{}", stdout(&output));
}

#[test]
fn every_report_in_every_format() {
    let dir = store();
    let out = tempfile::tempdir().unwrap();
    for name in [
        "agent-refusal",
        "completed-callbacks",
        "agent-state-log",
        "contact-closure",
        "callback-monitor",
    ] {
        for format in ["csv", "tsv", "xml", "json", "xlsx"] {
            let file = out.path().join(format!("{name}.{format}"));
            let output = report(
                dir.path(),
                name,
                &[
                    "--from",
                    "2026-10-24",
                    "--format",
                    format,
                    "--out",
                    &file.display().to_string(),
                ],
            );
            assert!(output.stdout.is_empty());
            let bytes = std::fs::read(&file).unwrap();
            match format {
                "json" => {
                    let rows: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                    assert!(rows.is_array());
                }
                "xlsx" => {
                    use calamine::Reader;
                    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
                    let range = workbook.worksheet_range(name).unwrap();
                    assert!(range.height() >= 1);
                }
                _ => assert!(!bytes.is_empty()),
            }
        }
    }
}

#[test]
fn append_date_puts_today_in_the_file_name() {
    let dir = store();
    let out = tempfile::tempdir().unwrap();
    report(
        dir.path(),
        "agent-refusal",
        &[
            "--from",
            "2026-10-24",
            "--append-date",
            "--out",
            &out.path().join("refusals.csv").display().to_string(),
        ],
    );
    let names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let name = &names[0];
    assert!(
        name.starts_with("refusals-") && name.ends_with(".csv"),
        "{name}"
    );
    let date = &name["refusals-".len()..name.len() - 4];
    assert!(
        date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()),
        "{name}"
    );
}

#[test]
fn bad_input_is_one_line_and_exit_status_2() {
    let dir = store();
    let data = data(dir.path());
    let cases: &[(&[&str], &str)] = &[
        (
            &["report", "agent-refusals", "--data", &data],
            "unknown report \"agent-refusals\"",
        ),
        (
            &[
                "report",
                "agent-refusal",
                "--data",
                &data,
                "--format",
                "pdf",
            ],
            "unknown format \"pdf\"",
        ),
        (
            &[
                "report",
                "agent-refusal",
                "--data",
                &data,
                "--from",
                "2026-10-25",
                "--to",
                "2026-10-24",
            ],
            "invalid date range: from 2026-10-25 is after to 2026-10-24",
        ),
        (
            &[
                "report",
                "agent-refusal",
                "--data",
                &data,
                "--tz",
                "Europe/Budapset",
            ],
            "unknown time zone \"Europe/Budapset\"",
        ),
        (
            &[
                "report",
                "agent-refusal",
                "--data",
                &data,
                "--start",
                "9:00",
            ],
            "invalid --start \"9:00\"",
        ),
        (
            &["report", "agent-refusal", "--data", &data, "--end", "25:00"],
            "invalid --end \"25:00\"",
        ),
        (
            &[
                "report",
                "agent-refusal",
                "--data",
                &data,
                "--from",
                "2026-02-30",
            ],
            "invalid --from \"2026-02-30\"",
        ),
        (
            &["report", "agent-refusal", "--data", &data, "--lang", "de"],
            "invalid --lang",
        ),
        (
            &[
                "report",
                "agent-refusal",
                "--data",
                &data,
                "--format",
                "xlsx",
            ],
            "--format xlsx needs --out FILE",
        ),
        (
            &["report", "agent-refusal", "--data", &data, "--append-date"],
            "--append-date needs --out FILE",
        ),
        (
            &[
                "report",
                "agent-refusal",
                "--data",
                "/nonexistent/switchboard",
            ],
            "no Switchboard data here",
        ),
        (
            &[
                "report",
                "agent-refusal",
                "--data",
                &data,
                "--colour",
                "red",
            ],
            "--colour",
        ),
    ];
    for (args, expected) in cases {
        let output = switchboard(args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert_eq!(message.lines().count(), 1, "{args:?}: {message}");
        assert!(
            message.starts_with("switchboard: error: "),
            "{args:?}: {message}"
        );
        assert!(message.contains(expected), "{args:?}: {message}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn help_lists_the_options() {
    let output = switchboard(&["report", "--help"]);
    assert!(output.status.success());
    let help = stdout(&output);
    for flag in [
        "--data",
        "--from",
        "--to",
        "--preset",
        "--start",
        "--end",
        "--tz",
        "--format",
        "--lang",
        "--no-header",
        "--append-date",
        "--out",
    ] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
}

/// The refusal report of a simulated day has exactly as many rows as the simulator counted
/// refusals.
#[test]
fn refusal_count_agrees_with_a_simulated_day() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(dir.path());
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/support-day.toml");
    let output = switchboard(&[
        "sim",
        &scenario.display().to_string(),
        "--seed",
        "1",
        "--data",
        &data,
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let figures: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let refusals = figures["refusals"].as_u64().expect("refusals in --json");
    assert!(refusals > 0, "the example day has refusals");
    // The day is 2026-03-02 in Budapest; the run ends when the last contact closes.
    let output = switchboard(&[
        "report",
        "agent-refusal",
        "--data",
        &data,
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-03",
        "--tz",
        "Europe/Budapest",
        "--no-header",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count() as u64, refusals);
    // The other reports agree with the simulator's figures too.
    let report = |name: &str| {
        let output = switchboard(&[
            "report",
            name,
            "--data",
            &data,
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-03",
            "--tz",
            "Europe/Budapest",
            "--no-header",
        ]);
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        stdout(&output)
    };
    let figure = |key: &str| figures[key].as_u64().unwrap_or_else(|| panic!("{key}"));
    let callbacks = report("completed-callbacks");
    let ids: std::collections::BTreeSet<&str> = callbacks
        .lines()
        .map(|line| line.split(',').next().unwrap())
        .collect();
    assert_eq!(ids.len() as u64, figure("callbacks_completed"));
    assert_eq!(
        callbacks.lines().count() as u64,
        figure("callback_attempts")
    );
    // Every arrival and every callback closes exactly once.
    assert_eq!(
        report("contact-closure").lines().count() as u64,
        figure("contacts") + figure("callbacks_created")
    );
}
