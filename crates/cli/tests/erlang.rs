//! Black-box tests of `switchboard erlang`: the real binary, its stdout, stderr
//! and exit status.

mod offline;

use offline::{bad_input, succeed};
use serde_json::Value;

/// Runs `switchboard erlang ARGS` that must succeed and returns its stdout.
fn erlang(args: &[&str]) -> String {
    succeed("erlang", args)
}

/// `switchboard erlang ARGS --json`, parsed.
fn erlang_json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let text = erlang(&all);
    let value: Value = serde_json::from_str(&text).expect("one JSON object");
    assert!(value.is_object(), "{text}");
    value
}

fn number(value: &Value, key: &str) -> f64 {
    value[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {value}"))
}

fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} vs {expected} (tolerance {tolerance})"
    );
}

/// A usage error: exit status 2, nothing on stdout, exactly one line on stderr.
fn assert_usage_error(args: &[&str]) -> String {
    let stderr = bad_input("erlang", args);
    assert!(
        stderr.starts_with("switchboard: error: "),
        "{args:?}: {stderr:?}"
    );
    stderr
}

/// The worked example of callcentrehelper.com's "Erlang C formula – made simple"
/// (also pyworkforce's README): 100 calls per 30 minutes, 180 s handle time,
/// 14 agents → P(wait) 0.1741319335950498, service level in 20 s
/// 0.8883500191794669, occupancy 10/14.
#[test]
fn json_gives_the_published_erlang_c_figures() {
    let value = erlang_json(&[
        "--arrivals-per-hour",
        "200",
        "--handle-seconds",
        "180",
        "--agents",
        "14",
    ]);
    assert_eq!(value["model"], "erlang_c");
    assert_eq!(value["agents"], 14);
    assert_eq!(value["stable"], true);
    assert_eq!(value["patience_seconds"], Value::Null);
    assert_close(number(&value, "service_level_seconds"), 20.0, 0.0, "T");
    assert_close(number(&value, "offered_erlangs"), 10.0, 1e-12, "a");
    assert_close(
        number(&value, "p_wait"),
        0.1741319335950498,
        1e-12,
        "P(wait)",
    );
    assert_close(
        number(&value, "service_level"),
        0.8883500191794669,
        1e-12,
        "service level",
    );
    assert_close(number(&value, "occupancy"), 10.0 / 14.0, 1e-12, "occupancy");
    assert_close(
        number(&value, "asa_seconds"),
        0.1741319335950498 * 180.0 / 4.0,
        1e-9,
        "ASA",
    );
    assert_eq!(number(&value, "abandon_rate"), 0.0);
    assert_close(
        number(&value, "expected_queue_length"),
        0.1741319335950498 * 10.0 / 4.0,
        1e-12,
        "Lq",
    );
    assert!(value.get("staffing").is_none());
}

/// pyworkforce's ErlangA regression figures for the same traffic with a 5-minute
/// mean patience and 14 agents (its "average speed of answer" is the mean wait
/// of all arrivals, in minutes).
#[test]
fn json_gives_the_published_erlang_a_figures() {
    let value = erlang_json(&[
        "--arrivals-per-hour",
        "200",
        "--handle-seconds",
        "180",
        "--agents",
        "14",
        "--patience-seconds",
        "300",
    ]);
    assert_eq!(value["model"], "erlang_a");
    assert_close(number(&value, "p_wait"), 0.14526, 5e-6, "P(wait)");
    assert_close(
        number(&value, "abandon_rate"),
        0.013984,
        5e-7,
        "abandonment",
    );
    assert_close(number(&value, "occupancy"), 0.704297, 5e-7, "occupancy");
    assert_close(
        number(&value, "mean_wait_seconds") / 60.0,
        0.069919,
        5e-7,
        "mean wait",
    );
    assert_close(
        number(&value, "service_level"),
        0.916792,
        5e-7,
        "service level",
    );
    assert!(number(&value, "asa_seconds") > 0.0);
    assert_close(
        number(&value, "mean_wait_seconds") * 200.0 / 3600.0,
        number(&value, "expected_queue_length"),
        1e-12,
        "Little's law",
    );
}

#[test]
fn staffing_without_agents_gives_only_the_staffing() {
    let value = erlang_json(&[
        "--arrivals-per-hour",
        "200",
        "--handle-seconds",
        "180",
        "--target-service-level",
        "0.8",
    ]);
    assert!(value.get("p_wait").is_none(), "{value}");
    assert!(value.get("agents").is_none(), "{value}");
    let staffing = &value["staffing"];
    assert_eq!(staffing["agents"], 14);
    assert_close(number(staffing, "target_service_level"), 0.8, 0.0, "target");
    assert_close(
        number(staffing, "service_level"),
        0.8883500191794669,
        1e-12,
        "service level at 14",
    );
}

#[test]
fn staffing_is_the_fewest_agents_meeting_the_target() {
    // a = 24 Erlangs: 29 agents give 84.0 % within 20 s, 28 give 76.1 %.
    let value = erlang_json(&[
        "--arrivals-per-hour",
        "360",
        "--handle-seconds",
        "240",
        "--target-service-level",
        "0.8",
        "--agents",
        "28",
    ]);
    assert_close(number(&value, "service_level"), 0.7613, 5e-5, "SL(28)");
    assert_eq!(value["staffing"]["agents"], 29);
    assert_close(
        number(&value["staffing"], "service_level"),
        0.8403,
        5e-5,
        "SL(29)",
    );

    // With patience the same target needs no more agents.
    let value = erlang_json(&[
        "--arrivals-per-hour",
        "360",
        "--handle-seconds",
        "240",
        "--patience-seconds",
        "120",
        "--target-service-level",
        "0.8",
    ]);
    let with_patience = value["staffing"]["agents"].as_u64().unwrap();
    assert!((25..=29).contains(&with_patience), "{value}");
}

#[test]
fn staffing_a_thousand_erlangs() {
    for patience in [None, Some("180")] {
        let mut args = vec![
            "--arrivals-per-hour",
            "15000",
            "--handle-seconds",
            "240",
            "--target-service-level",
            "0.8",
        ];
        if let Some(patience) = patience {
            args.extend(["--patience-seconds", patience]);
        }
        let value = erlang_json(&args);
        assert_close(number(&value, "offered_erlangs"), 1000.0, 1e-9, "a");
        let agents = value["staffing"]["agents"].as_u64().unwrap();
        assert!((800..1_100).contains(&agents), "{patience:?}: {agents}");
        assert!(number(&value["staffing"], "service_level") >= 0.8);

        // One agent fewer falls short.
        let fewer = (agents - 1).to_string();
        let mut args = args[..4].to_vec();
        args.extend(["--agents", &fewer]);
        if let Some(patience) = patience {
            args.extend(["--patience-seconds", patience]);
        }
        let value = erlang_json(&args);
        assert!(
            value["stable"] == false || number(&value, "service_level") < 0.8,
            "{value}"
        );
    }
}

#[test]
fn the_table_is_aligned_and_readable() {
    let text = erlang(&[
        "--arrivals-per-hour",
        "200",
        "--handle-seconds",
        "180",
        "--agents",
        "14",
        "--target-service-level",
        "0.8",
    ]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "model                    Erlang C (callers never hang up)"
    );
    for expected in [
        "offered load             10.000 Erlangs",
        "agents                   14",
        "P(wait)                  17.41 %",
        "ASA                      7.84 s",
        "service level            88.84 % within 20 s",
        "abandonment              0.00 %",
        "occupancy                71.43 %",
        "staffing for             80.00 % within 20 s",
        "agents needed            14",
    ] {
        assert!(lines.contains(&expected), "no {expected:?} in\n{text}");
    }
    // Every value starts in the same column.
    for line in lines.iter().filter(|line| !line.is_empty()) {
        assert!(line.len() > 25, "{line:?}");
        assert_eq!(&line[24..25], " ", "{line:?}");
        assert_ne!(&line[25..26], " ", "{line:?}");
    }
    assert!(!text.contains(" \n"), "trailing spaces");

    let text = erlang(&[
        "--arrivals-per-hour",
        "200",
        "--handle-seconds",
        "180",
        "--agents",
        "12",
        "--patience-seconds",
        "300",
    ]);
    assert!(
        text.starts_with("model                    Erlang A (exponential patience, mean 300 s)\n")
    );
    assert!(text.contains("\nabandonment              "), "{text}");
}

#[test]
fn an_unstable_queue_is_reported_not_nan() {
    let args = [
        "--arrivals-per-hour",
        "200",
        "--handle-seconds",
        "180",
        "--agents",
        "10",
    ];
    let value = erlang_json(&args);
    assert_eq!(value["stable"], false);
    assert_eq!(number(&value, "p_wait"), 1.0);
    assert_eq!(number(&value, "service_level"), 0.0);
    assert_eq!(value["asa_seconds"], Value::Null);
    assert_eq!(value["expected_queue_length"], Value::Null);
    let text = erlang(&args);
    assert!(
        text.contains("queue                    unstable: offered load 10.000 >= 10 agents\n"),
        "{text}"
    );
    assert!(
        text.contains("ASA                      unbounded\n"),
        "{text}"
    );
    assert!(!text.to_lowercase().contains("nan"), "{text}");

    // With patience the same queue is stable.
    let mut args = args.to_vec();
    args.extend(["--patience-seconds", "300"]);
    let value = erlang_json(&args);
    assert_eq!(value["stable"], true);
    assert!(number(&value, "abandon_rate") > 0.0);
}

#[test]
fn the_service_level_threshold_can_be_set() {
    let base = ["--arrivals-per-hour", "360", "--handle-seconds", "240"];
    let at = |seconds: &str| {
        let mut args = base.to_vec();
        args.extend(["--agents", "27", "--service-level-seconds", seconds]);
        erlang_json(&args)
    };
    let zero = at("0");
    assert_close(
        number(&zero, "service_level"),
        1.0 - number(&zero, "p_wait"),
        1e-15,
        "T = 0",
    );
    assert!(number(&at("60"), "service_level") > number(&at("20"), "service_level"));
}

#[test]
fn bad_inputs_are_one_line_usage_errors_naming_the_flag() {
    // (the arguments, split at spaces; what the error names)
    let cases = [
        (
            "--arrivals-per-hour -5 --handle-seconds 180 --agents 3",
            "'--arrivals-per-hour <R>'",
        ),
        (
            "--arrivals-per-hour=-5 --handle-seconds 180 --agents 3",
            "'--arrivals-per-hour <R>'",
        ),
        (
            "--arrivals-per-hour 200 --handle-seconds 0 --agents 3",
            "'--handle-seconds <S>'",
        ),
        (
            "--arrivals-per-hour 200 --handle-seconds abc --agents 3",
            "'--handle-seconds <S>'",
        ),
        (
            "--arrivals-per-hour 200 --handle-seconds 180 --agents 0",
            "'--agents <N>'",
        ),
        (
            "--arrivals-per-hour 200 --handle-seconds 180 --agents -1",
            "'--agents <N>'",
        ),
        (
            "--arrivals-per-hour 200 --handle-seconds 180 --agents 100001",
            "'--agents <N>'",
        ),
        (
            "--arrivals-per-hour 200 --handle-seconds 180 --agents 3 --patience-seconds 0",
            "'--patience-seconds <P>'",
        ),
        (
            "--arrivals-per-hour 200 --handle-seconds 180 --agents 3 --service-level-seconds -1",
            "'--service-level-seconds <T>'",
        ),
        (
            "--arrivals-per-hour 200 --handle-seconds 180 --target-service-level 80",
            "'--target-service-level <X>'",
        ),
        (
            "--arrivals-per-hour 200 --handle-seconds 180 --target-service-level 1",
            "'--target-service-level <X>'",
        ),
        (
            "--arrivals-per-hour 200 --handle-seconds 180 --agents 3 --bogus",
            "'--bogus'",
        ),
        (
            "--arrivals-per-hour 200 --handle-seconds 180",
            "--agents <N>",
        ),
        ("--handle-seconds 180 --agents 3", "--arrivals-per-hour <R>"),
        (
            "--arrivals-per-hour 1e300 --handle-seconds 1e300 --agents 3",
            "'--arrivals-per-hour' and '--handle-seconds'",
        ),
        (
            "--arrivals-per-hour 36000 --handle-seconds 240 --agents 10 --patience-seconds 1e9",
            "'--patience-seconds'",
        ),
    ];
    for (line, flag) in cases {
        let args: Vec<&str> = line.split(' ').collect();
        let stderr = assert_usage_error(&args);
        assert!(stderr.contains(flag), "{args:?}: {stderr:?}");
    }
    let base = ["--arrivals-per-hour", "200", "--handle-seconds", "180"];
    assert_eq!(
        assert_usage_error(&[&base[..], &["--agents", "0"]].concat()),
        "switchboard: error: invalid value '0' for '--agents <N>': 0 is not in 1..=100000\n"
    );
    assert_eq!(
        assert_usage_error(&base),
        "switchboard: error: the following required arguments were not provided: --agents <N>\n"
    );
}
