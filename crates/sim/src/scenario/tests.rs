use super::*;

const GOOD: &str = r#"
name = "t"
seed = 1
[stop]
contacts = 10

[[queues]]
id = "sales"
arrivals_per_hour = 100
handle_seconds = { exponential = 300 }
patience_seconds = { exponential = 180 }

[[agents]]
count = 5
queues = ["sales"]

[behaviour]
decline_probability = 0.1
connector_failures = { "Busy" = 0.05 }
"#;

#[test]
fn a_good_scenario_parses() {
    let s = Scenario::parse("good.toml", GOOD).unwrap();
    assert_eq!(s.queues[0].handle_seconds, Dist::Exponential(300.0));
    assert_eq!(s.behaviour.connector_failures["Busy"], 0.05);
}

#[test]
fn errors_name_file_line_and_key() {
    let unknown = GOOD.replace("seed = 1", "seed = 1\ncolour = \"red\"");
    let e = Scenario::parse("s.toml", &unknown).unwrap_err();
    assert_eq!((e.line, e.key.as_str()), (Some(4), "colour"), "{e}");
    let wrong_type = GOOD.replace("count = 5", "count = \"five\"");
    let e = Scenario::parse("s.toml", &wrong_type).unwrap_err();
    assert_eq!((e.line, e.key.as_str()), (Some(14), "count"), "{e}");
    let negative = GOOD.replace("arrivals_per_hour = 100", "arrivals_per_hour = -3");
    let e = Scenario::parse("s.toml", &negative).unwrap_err();
    assert_eq!(
        (e.line, e.key.as_str()),
        (Some(9), "queues[0].arrivals_per_hour"),
        "{e}"
    );
    let over = GOOD.replace("decline_probability = 0.1", "decline_probability = 0.99");
    let e = Scenario::parse("s.toml", &over).unwrap_err();
    assert_eq!(e.key, "behaviour.decline_probability", "{e}");
    assert_eq!(e.line, Some(18), "{e}");
    assert!(e.message.contains("more than 1"), "{e}");
    let reason = GOOD.replace("\"Busy\"", "\"Grumpy\"");
    let e = Scenario::parse("s.toml", &reason).unwrap_err();
    assert_eq!(e.key, "behaviour.connector_failures", "{e}");
    assert!(e.to_string().starts_with("s.toml:"), "{e}");
    let warm_up = GOOD.replace("contacts = 10", "contacts = 10\nwarm_up = \"half an hour\"");
    let e = Scenario::parse("s.toml", &warm_up).unwrap_err();
    assert_eq!((e.line, e.key.as_str()), (Some(6), "stop.warm_up"), "{e}");
    let fine = GOOD.replace("contacts = 10", "contacts = 10\nwarm_up = \"30m\"");
    let s = Scenario::parse("s.toml", &fine).unwrap();
    assert_eq!(s.stop.warm_up.as_deref(), Some("30m"));
}

/// Every duration and rate has a range; a value outside it names its own line, its key
/// and the range.
#[test]
fn values_out_of_range_name_line_key_and_range() {
    // (what to replace, by what, line, key, a piece of the message)
    let cases: &[(&str, &str, usize, &str, &str)] = &[
        (
            "{ exponential = 300 }",
            "{ constant = 1e10 }",
            10,
            "queues[0].handle_seconds",
            "0–604800 s",
        ),
        (
            "{ exponential = 300 }",
            "{ exponential = 9.3e15 }",
            10,
            "queues[0].handle_seconds",
            "at most 604800 s",
        ),
        (
            "{ exponential = 300 }",
            "{ uniform = [1, 700000] }",
            10,
            "queues[0].handle_seconds",
            "b ≤ 604800",
        ),
        (
            "{ exponential = 300 }",
            "{ lognormal = { mean = 60, sd = 1e9 } }",
            10,
            "queues[0].handle_seconds",
            "sd 0–604800",
        ),
        (
            "{ exponential = 180 }",
            "{ exponential = nan }",
            11,
            "queues[0].patience_seconds",
            "above 0",
        ),
        (
            "arrivals_per_hour = 100",
            "arrivals_per_hour = 2e6",
            9,
            "queues[0].arrivals_per_hour",
            "0–1000000",
        ),
        (
            "arrivals_per_hour = 100",
            "arrivals_per_hour = 0",
            9,
            "queues[0].arrivals_per_hour",
            "nothing would arrive",
        ),
        (
            "contacts = 10",
            "contacts = 2_000_000_000",
            5,
            "stop.contacts",
            "1–1000000000",
        ),
        (
            "contacts = 10",
            "contacts = 1_000_000",
            5,
            "stop.contacts",
            "about 417 days",
        ),
        (
            "contacts = 10",
            "duration = \"367d\"",
            5,
            "stop.duration",
            "at most 366 days",
        ),
        (
            "contacts = 10",
            "contacts = 10\nwarm_up = \"8d\"",
            6,
            "stop.warm_up",
            "at most 7 days",
        ),
        (
            "seed = 1",
            "seed = 1\nservice_level_seconds = 1e9",
            4,
            "service_level_seconds",
            "0–604800",
        ),
        (
            "seed = 1",
            "seed = 1\nstart = \"3000-01-01T00:00:00Z[UTC]\"",
            4,
            "start",
            "1970–2999",
        ),
        (
            "seed = 1",
            "seed = 1\nstart = \"1900-01-01T00:00:00Z[UTC]\"",
            4,
            "start",
            "1970–2999",
        ),
        (
            "count = 5",
            "count = 100000\nqueues = [\"sales\"]\n[[agents]]\ncount = 1",
            17,
            "agents[1].count",
            "together at most 100000",
        ),
        (
            "decline_probability = 0.1",
            "decline_probability = 0.1\naccept_seconds = { constant = -1 }",
            19,
            "behaviour.accept_seconds",
            "0–604800",
        ),
    ];
    for (from, to, line, key, piece) in cases {
        assert!(GOOD.contains(from), "{from}");
        let text = GOOD.replacen(from, to, 1);
        let e = Scenario::parse("s.toml", &text).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(*line), *key), "{to}: {e}");
        assert!(e.message.contains(piece), "{to}: {e} lacks {piece:?}");
    }
}

/// Agent groups serving no queue, or one queue twice, and queue ids the engine refuses
/// are named with their lines (they were accepted silently, or refused by the engine
/// without a line).
#[test]
fn groups_and_ids_name_their_lines() {
    let cases: &[(&str, &str, usize, &str, &str)] = &[
        (
            "queues = [\"sales\"]",
            "queues = []",
            15,
            "agents[0].queues",
            "at least one queue",
        ),
        (
            "queues = [\"sales\"]",
            "queues = [\"sales\", \"sales\"]",
            15,
            "agents[0].queues[1]",
            "listed twice",
        ),
        (
            "id = \"sales\"",
            "id = \"my sales\"",
            8,
            "queues[0].id",
            "only letters",
        ),
    ];
    for (from, to, line, key, piece) in cases {
        let text = GOOD.replacen(from, to, 1);
        let e = Scenario::parse("s.toml", &text).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(*line), *key), "{to}: {e}");
        assert!(e.message.contains(piece), "{to}: {e} lacks {piece:?}");
    }
}

const CALLBACKS: &str = r#"
[queues.callbacks]
attempts_before_failure = 3
recall_intervals_seconds = [300, 900]
duration_for_no_answer_seconds = 60
time_zone = "Europe/Budapest"
open_hours = ["Mon-Fri 08:00-18:00"]
holidays = ["2026-12-25"]
"#;

/// Callback settings are checked at parse time, with their lines; before, they reached
/// the engine as `(s * 1000.0) as u64` (a negative interval was 0 ms) and its errors had
/// no line.
#[test]
fn callback_settings_name_their_lines() {
    let with = GOOD.replace(
        "patience_seconds = { exponential = 180 }\n",
        &format!("patience_seconds = {{ exponential = 180 }}\n{CALLBACKS}"),
    );
    Scenario::parse("s.toml", &with).unwrap();
    let cases: &[(&str, &str, usize, &str)] = &[
        (
            "attempts_before_failure = 3",
            "attempts_before_failure = 0",
            14,
            "queues[0].callbacks.attempts_before_failure",
        ),
        (
            "[300, 900]",
            "[300, -900]",
            15,
            "queues[0].callbacks.recall_intervals_seconds[1]",
        ),
        (
            "[300, 900]",
            "[300, 3e6]",
            15,
            "queues[0].callbacks.recall_intervals_seconds[1]",
        ),
        (
            "[300, 900]",
            "[]",
            15,
            "queues[0].callbacks.recall_intervals_seconds",
        ),
        (
            "duration_for_no_answer_seconds = 60",
            "duration_for_no_answer_seconds = 1",
            16,
            "queues[0].callbacks.duration_for_no_answer_seconds",
        ),
        (
            "\"Europe/Budapest\"",
            "\"Europe/Budapset\"",
            17,
            "queues[0].callbacks.time_zone",
        ),
        (
            "Mon-Fri 08:00-18:00",
            "Mon-Fri 18:00-08:00",
            18,
            "queues[0].callbacks.open_hours[0]",
        ),
        (
            "2026-12-25",
            "2026-12-32",
            19,
            "queues[0].callbacks.holidays[0]",
        ),
    ];
    for (from, to, line, key) in cases {
        let text = with.replacen(from, to, 1);
        let e = Scenario::parse("s.toml", &text).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(*line), *key), "{to}: {e}");
    }
}

#[test]
fn durations() {
    assert_eq!(parse_duration_ms("8h"), Some(28_800_000));
    assert_eq!(parse_duration_ms("1h30m"), Some(5_400_000));
    assert_eq!(parse_duration_ms("250ms"), Some(250));
    assert_eq!(parse_duration_ms("3600s"), Some(3_600_000));
    assert_eq!(parse_duration_ms("2d"), Some(172_800_000));
    assert_eq!(parse_duration_ms(" 1.5h "), Some(5_400_000));
    assert_eq!(parse_duration_ms("2 hours 30 minutes"), Some(9_000_000));
    assert_eq!(parse_duration_ms("0s"), Some(0));
    assert_eq!(parse_duration_ms("8"), None);
    assert_eq!(parse_duration_ms("xh"), None);
    assert_eq!(parse_duration_ms(""), None);
    assert_eq!(parse_duration_ms("-1h"), None);
    // Weeks, months and years have no fixed length in milliseconds here.
    assert_eq!(parse_duration_ms("1w"), None);
    assert_eq!(parse_duration_ms("1mo"), None);
    assert_eq!(parse_duration_ms("1y"), None);
}

/// A duration the parser does not take names its file, line and field, and says what a
/// duration looks like.
#[test]
fn a_bad_duration_names_file_line_field_and_an_example() {
    for bad in ["\"8\"", "\"-1h\"", "\"1 week\"", "\"soon\""] {
        let text = GOOD.replace("contacts = 10", &format!("duration = {bad}"));
        let e = Scenario::parse("d.toml", &text).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(5), "stop.duration"), "{e}");
        assert!(
            e.to_string().starts_with("d.toml:5: stop.duration: "),
            "{e}"
        );
        assert!(
            e.message
                .contains("is not a duration like \"8h\" or \"90m\""),
            "{e}"
        );
    }
}
