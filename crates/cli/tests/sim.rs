//! Black-box tests of `switchboard sim`: the real binary over the example scenarios and over
//! broken ones, its stdout, stderr and exit status (docs/simulation.md).
//!
//! Every run here is short (a debug build simulates tens of thousands of contacts per
//! second); `examples/mmc-100.toml` (a million contacts) is run with its `stop.contacts` cut
//! down.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// The refusal reasons of docs/engine.md, "Offers and refusals", spelled exactly so.
const REASONS: [&str; 12] = [
    "Declined",
    "NoAnswer",
    "AgentLinkTimeout",
    "ContactAlreadyRouted",
    "Bad Number",
    "Busy",
    "Error",
    "Invalid Call Leg",
    "LinkFailed",
    "Dropped",
    "NA",
    "0",
];

/// Fields of every figure set, overall and per queue (docs/simulation.md, "`--json`").
const FIGURES: [&str; 15] = [
    "contacts",
    "answered",
    "abandoned",
    "refusals",
    "refusals_by_reason",
    "p_wait",
    "asa_seconds",
    "service_level",
    "abandon_rate",
    "occupancy",
    "callbacks_created",
    "callbacks_completed",
    "callbacks_reached",
    "callback_attempts",
    "other_closures",
];

/// Fields of the run as a whole (docs/simulation.md, "`--json`").
const RUN: [&str; 4] = [
    "simulated_seconds",
    "wall_seconds",
    "contacts_per_second",
    "per_queue",
];

/// Largest `stop.contacts` run here; bigger examples are cut down to it.
const CONTACTS_MAX: u64 = 5_000;

fn switchboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .output()
        .expect("the switchboard binary runs")
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn example(name: &str) -> String {
    examples_dir().join(name).display().to_string()
}

/// A scratch file in a directory of its own (tests run in parallel), removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, text: &str) -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("switchboard-sim-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let path = dir.join(name);
        std::fs::write(&path, text).expect("a scratch file");
        Scratch(path)
    }

    fn path(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Every scenario under `examples/`, as (file name, runnable path, scratch copy if any):
/// scenarios with more than [`CONTACTS_MAX`] contacts run from a cut-down copy.
fn examples() -> Vec<(String, String, Option<Scratch>)> {
    let mut names: Vec<String> = std::fs::read_dir(examples_dir())
        .expect("examples/ is readable")
        .map(|entry| entry.expect("a directory entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(
        names.iter().any(|n| n == "support-day.toml")
            && names.iter().any(|n| n == "swarm-small.toml"),
        "{names:?}"
    );
    names
        .into_iter()
        .map(|name| {
            let path = example(&name);
            let text = std::fs::read_to_string(&path).expect("the example is readable");
            let mut cut = false;
            let lines: Vec<String> = text
                .lines()
                .map(|line| {
                    let value = line
                        .strip_prefix("contacts = ")
                        .and_then(|v| v.split('#').next())
                        .and_then(|v| v.trim().replace('_', "").parse::<u64>().ok());
                    match value {
                        Some(n) if n > CONTACTS_MAX => {
                            cut = true;
                            format!("contacts = {CONTACTS_MAX}")
                        }
                        _ => line.to_string(),
                    }
                })
                .collect();
            if cut {
                let scratch = Scratch::new(&name, &(lines.join("\n") + "\n"));
                (name, scratch.path(), Some(scratch))
            } else {
                (name, path, None)
            }
        })
        .collect()
}

/// `switchboard sim ARGS`, which must succeed silently on stderr; its stdout.
fn sim(args: &[&str]) -> String {
    let mut all = vec!["sim"];
    all.extend_from_slice(args);
    let output = switchboard(&all);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{all:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "{all:?} wrote to stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

/// `switchboard sim FILE --json [--seed N]`: the text and the parsed object.
fn sim_json(file: &str, seed: Option<u64>) -> (String, Value) {
    let seed = seed.map(|s| s.to_string());
    let mut args = vec![file, "--json"];
    if let Some(seed) = &seed {
        args.extend(["--seed", seed.as_str()]);
    }
    let text = sim(&args);
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert!(value.is_object(), "{text}");
    (text, value)
}

/// The `--json` text without the two fields that depend on the wall clock.
fn without_wall_clock(text: &str) -> String {
    text.lines()
        .filter(|line| {
            let key = line.trim_start();
            !key.starts_with("\"wall_seconds\":") && !key.starts_with("\"contacts_per_second\":")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn count(figures: &Value, key: &str) -> u64 {
    figures[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a count in {figures}"))
}

fn number(figures: &Value, key: &str) -> f64 {
    figures[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {figures}"))
}

/// One figure set (overall or one queue): every field, the right types, the identities.
fn check_figures(what: &str, f: &Value) {
    for key in FIGURES {
        assert!(f.get(key).is_some(), "{what}: no {key} in {f}");
    }
    let contacts = count(f, "contacts");
    let (answered, abandoned, other) = (
        count(f, "answered"),
        count(f, "abandoned"),
        count(f, "other_closures"),
    );
    assert_eq!(
        answered + abandoned + other,
        contacts,
        "{what}: answered + abandoned + other_closures ≠ contacts"
    );
    let by_reason = f["refusals_by_reason"]
        .as_object()
        .unwrap_or_else(|| panic!("{what}: refusals_by_reason is not an object"));
    let mut sum = 0;
    for (reason, n) in by_reason {
        assert!(
            REASONS.contains(&reason.as_str()),
            "{what}: reason {reason:?}"
        );
        sum += n.as_u64().expect("a count");
    }
    assert_eq!(sum, count(f, "refusals"), "{what}: refusals ≠ Σ by reason");
    for key in ["p_wait", "service_level", "abandon_rate"] {
        let x = number(f, key);
        assert!((0.0..=1.0).contains(&x), "{what}: {key} = {x}");
    }
    let denominator = contacts.max(1) as f64;
    assert!(
        (number(f, "abandon_rate") - abandoned as f64 / denominator).abs() < 1e-12,
        "{what}: abandon_rate"
    );
    assert!(
        number(f, "service_level") <= answered as f64 / denominator + 1e-12,
        "{what}: service_level above the answered share"
    );
    assert!(number(f, "asa_seconds") >= 0.0, "{what}: asa_seconds");
    assert!(number(f, "occupancy") >= 0.0, "{what}: occupancy");
    let created = count(f, "callbacks_created");
    let completed = count(f, "callbacks_completed");
    let reached = count(f, "callbacks_reached");
    // Liveness: the run ends only when every contact, callbacks included, is closed.
    assert_eq!(completed, created, "{what}: a callback never completed");
    assert!(reached <= completed, "{what}: callbacks_reached");
    assert!(
        count(f, "callback_attempts") >= completed,
        "{what}: callback_attempts"
    );
}

/// A whole `--json` object: run fields, the overall figures, each queue's, and the sums.
fn check_outcome(what: &str, o: &Value) {
    for key in RUN {
        assert!(o.get(key).is_some(), "{what}: no {key}");
    }
    for key in ["simulated_seconds", "wall_seconds", "contacts_per_second"] {
        assert!(number(o, key) >= 0.0, "{what}: {key}");
    }
    check_figures(what, o);
    let per_queue = o["per_queue"].as_object().expect("per_queue is an object");
    assert!(!per_queue.is_empty(), "{what}: per_queue is empty");
    for (queue, f) in per_queue {
        check_figures(&format!("{what}, queue {queue}"), f);
    }
    for key in [
        "contacts",
        "answered",
        "abandoned",
        "refusals",
        "other_closures",
        "callbacks_created",
        "callbacks_completed",
        "callbacks_reached",
        "callback_attempts",
    ] {
        let sum: u64 = per_queue.values().map(|f| count(f, key)).sum();
        assert_eq!(sum, count(o, key), "{what}: Σ per_queue {key}");
    }
}

#[test]
fn every_example_runs_as_a_table_and_as_json() {
    for (name, path, _scratch) in examples() {
        let table = sim(&[&path]);
        assert!(table.starts_with("scenario \""), "{name}: {table}");
        for column in [
            "contacts",
            "answered",
            "abandoned",
            "P(wait)",
            "ASA s",
            "SL",
        ] {
            assert!(table.contains(column), "{name}: no {column} in {table}");
        }
        assert!(table.contains("all queues"), "{name}: {table}");
        assert!(table.contains("occupancy"), "{name}: {table}");
        let (_, json) = sim_json(&path, None);
        check_outcome(&name, &json);
        for queue in json["per_queue"].as_object().expect("per_queue").keys() {
            assert!(table.contains(queue.as_str()), "{name}: no row for {queue}");
        }
        assert!(count(&json, "contacts") > 0, "{name}: no contacts");
    }
}

#[test]
fn support_day_exercises_every_part_of_the_model() {
    let (_, o) = sim_json(&example("support-day.toml"), None);
    check_outcome("support-day", &o);
    let per_queue = o["per_queue"].as_object().expect("per_queue");
    let mut queues: Vec<&str> = per_queue.keys().map(String::as_str).collect();
    queues.sort_unstable();
    assert_eq!(queues, ["chat", "sales", "service"]);
    assert!(count(&o, "abandoned") > 0, "patience: nobody abandoned");
    // Behaviour: declines, missed offers and each configured connector failure, under its
    // exact name (docs/engine.md, "Offers and refusals"); each is expected dozens of times
    // over a day of offers.
    let by_reason = &o["refusals_by_reason"];
    for reason in ["Declined", "NoAnswer", "Busy", "LinkFailed", "Dropped"] {
        assert!(
            by_reason[reason].as_u64().unwrap_or(0) > 0,
            "no {reason} refusal: {by_reason}"
        );
    }
    // Callbacks are created, dialed and completed in the service queue only.
    let service = &per_queue["service"];
    assert!(
        count(service, "callbacks_created") > 0,
        "no callback: {service}"
    );
    assert!(
        count(service, "callback_attempts") > 0,
        "no callback attempt"
    );
    assert!(
        count(service, "callbacks_reached") > 0,
        "no callback reached"
    );
    for queue in ["sales", "chat"] {
        assert_eq!(count(&per_queue[queue], "callbacks_created"), 0, "{queue}");
    }
    // Arrivals stop after 9 simulated hours; the run goes on until everything is closed.
    assert!(number(&o, "simulated_seconds") >= 9.0 * 3600.0 * 0.99);
    assert_eq!(o["name"], "support-day");
    assert_eq!(o["seed"], 2026);
}

#[test]
fn the_same_seed_gives_the_same_output_and_another_seed_does_not() {
    let file = example("support-day.toml");
    let (first, a) = sim_json(&file, Some(7));
    let (second, _) = sim_json(&file, Some(7));
    assert_eq!(a["seed"], 7);
    assert_eq!(
        without_wall_clock(&first),
        without_wall_clock(&second),
        "same scenario, same seed, different output"
    );
    assert_ne!(
        without_wall_clock(&first).len(),
        first.trim_end().len(),
        "the wall-clock lines were not found"
    );
    let (other, _) = sim_json(&file, Some(8));
    assert_ne!(
        without_wall_clock(&first),
        without_wall_clock(&other),
        "seeds 7 and 8 gave the same output"
    );
    // Without --seed the scenario's own seed is used.
    let (default, d) = sim_json(&file, None);
    let (explicit, _) = sim_json(&file, Some(2026));
    assert_eq!(d["seed"], 2026);
    assert_eq!(without_wall_clock(&default), without_wall_clock(&explicit));
}

#[test]
fn a_swarm_of_200_runs_passes_on_the_small_world() {
    let out = sim(&["--swarm", "200", &example("swarm-small.toml")]);
    assert!(out.starts_with("swarm: 200 runs (seeds 1–200)"), "{out}");
    assert!(out.contains("every invariant held"), "{out}");
    // The command a failing seed prints, `sim --swarm 1 --seed S FILE`, runs that seed alone.
    let out = sim(&[
        "--swarm",
        "1",
        "--seed",
        "137",
        &example("swarm-small.toml"),
    ]);
    assert!(out.starts_with("swarm: 1 runs (seeds 137–137)"), "{out}");
    // The last seeds there are: all of them run, and the range is said right.
    let out = sim(&[
        "--swarm",
        "2",
        "--seed",
        "18446744073709551614",
        &example("swarm-small.toml"),
    ]);
    assert!(
        out.starts_with("swarm: 2 runs (seeds 18446744073709551614–18446744073709551615)"),
        "{out}"
    );
}

/// Seeds past 2⁶⁴−1 used to be dropped silently (a shorter swarm than asked, and an overflow
/// in the summary): now bad input.
#[test]
fn a_swarm_past_the_last_seed_is_bad_input() {
    let output = switchboard(&[
        "sim",
        "--swarm",
        "3",
        "--seed",
        "18446744073709551615",
        &example("swarm-small.toml"),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("give --seed at most 18446744073709551613"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

// ----- bad input: exit status 2 and one line on stderr naming the file, line and key -----

/// A broken copy of `examples/swarm-small.toml`: `from` (a whole line) replaced by `to`.
fn broken(name: &str, from: &str, to: &str) -> Scratch {
    let text = std::fs::read_to_string(example("swarm-small.toml")).expect("the example");
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|line| *line == from)
        .unwrap_or_else(|| panic!("no line {from:?} in swarm-small.toml"));
    let mut out: Vec<&str> = lines[..at].to_vec();
    out.extend(to.lines());
    out.extend(&lines[at + 1..]);
    Scratch::new(name, &(out.join("\n") + "\n"))
}

/// The 1-based line of `scratch` that starts with `prefix`.
fn line_of(scratch: &Scratch, prefix: &str) -> usize {
    let text = std::fs::read_to_string(&scratch.0).expect("the scratch file");
    text.lines()
        .position(|line| line.starts_with(prefix))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("no line starting {prefix:?}"))
}

/// `switchboard sim FILE` that must fail as bad input; its one stderr line.
fn bad_input(file: &str) -> String {
    let output = switchboard(&["sim", file]);
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    assert_eq!(output.status.code(), Some(2), "{file}: {stderr}");
    assert!(output.stdout.is_empty(), "{file} wrote to stdout");
    assert_eq!(stderr.lines().count(), 1, "{file}: not one line: {stderr}");
    assert!(stderr.ends_with('\n'), "{stderr:?}");
    assert!(
        stderr.contains(file),
        "the message does not name {file}: {stderr}"
    );
    stderr
}

/// The broken scenarios of the tests below, each with the line prefix and key it must name.
fn broken_scenarios() -> Vec<(Scratch, &'static str, &'static str)> {
    vec![
        (
            broken("unknown-key.toml", "seed = 1", "seed = 1\ncolour = \"red\""),
            "colour",
            "colour",
        ),
        (
            broken("wrong-type.toml", "count = 3", "count = \"three\""),
            "count = \"three\"",
            "count",
        ),
        (
            broken(
                "negative-rate.toml",
                "arrivals_per_hour = 35",
                "arrivals_per_hour = -35",
            ),
            "arrivals_per_hour = -35",
            "arrivals_per_hour",
        ),
        (
            broken(
                "over-one.toml",
                "decline_probability = 0.05",
                "decline_probability = 0.95",
            ),
            "decline_probability",
            "decline_probability",
        ),
        (
            broken(
                "dial-over-one.toml",
                "dial_outcomes = { live = 0.5, machine = 0.2, no_answer = 0.2, wrong_destination = 0.1 }",
                "dial_outcomes = { live = 0.9, machine = 0.2, no_answer = 0.2, wrong_destination = 0.1 }",
            ),
            "dial_outcomes",
            "dial_outcomes",
        ),
        (
            broken(
                "dial-new-over-one.toml",
                "dial_outcomes = { live = 0.5, machine = 0.2, no_answer = 0.2, wrong_destination = 0.1 }",
                "dial_outcomes = { live = 0.5, machine = 0.2, no_answer = 0.2, wrong_destination = 0.1, sit = 0.2 }",
            ),
            "dial_outcomes",
            "dial_outcomes",
        ),
        (
            broken(
                "end-on-live.toml",
                r#"open_hours = ["Mon-Fri 08:00-18:00"]"#,
                "open_hours = [\"Mon-Fri 08:00-18:00\"]\nend_callback_on = [\"busy\", \"live\"]",
            ),
            "end_callback_on",
            "queues[1].callbacks.end_callback_on[1]",
        ),
        (
            broken(
                "warm-up.toml",
                "contacts = 150",
                "contacts = 150\nwarm_up = \"an hour\"",
            ),
            "warm_up",
            "warm_up",
        ),
    ]
}

/// `stop.warm_up`: the table says how many contacts arrived in it, `--json` has
/// `warm_up_seconds` and `warm_up_contacts`, and `stop.contacts` counts after it.
#[test]
fn a_warm_up_shows_in_the_table_and_the_json() {
    let scratch = broken(
        "warm-up-ok.toml",
        "contacts = 150",
        "contacts = 150\nwarm_up = \"1h\"",
    );
    let table = sim(&[&scratch.path(), "--seed", "3"]);
    let line = table
        .lines()
        .find(|l| l.starts_with("warm-up 3600 s: "))
        .unwrap_or_else(|| panic!("no warm-up line:\n{table}"));
    let output = switchboard(&["sim", &scratch.path(), "--seed", "3", "--json"]);
    assert!(output.status.success());
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["warm_up_seconds"], 3600.0);
    assert_eq!(count(&json, "contacts"), 150);
    let before = count(&json, "warm_up_contacts");
    // swarm-small: 75 arrivals an hour in all.
    assert!((40..120).contains(&before), "{json}");
    assert!(
        line.contains(&format!(": {before} contacts arrived in it")),
        "{line}"
    );
    check_outcome("warm-up", &json);
}

/// Exit status 2 and one line naming the file, for every broken scenario and for files
/// that cannot be read. (The stricter per-case tests below also want the line and the key.)
#[test]
fn bad_scenarios_exit_2_with_one_line_naming_the_file() {
    for (scratch, _, _) in broken_scenarios() {
        bad_input(&scratch.path());
    }
    let missing = std::env::temp_dir()
        .join(format!(
            "switchboard-sim-test-{}-nothere.toml",
            std::process::id()
        ))
        .display()
        .to_string();
    let line = bad_input(&missing);
    assert!(line.contains("cannot read"), "{line}");
    let dir = std::env::temp_dir().display().to_string();
    bad_input(&dir);
}

/// The strict check: `FILE:LINE:` and the key, on the one line.
fn assert_names_line_and_key(case: &str) {
    let (scratch, prefix, key) = broken_scenarios()
        .into_iter()
        .find(|(s, _, _)| s.0.file_name().is_some_and(|n| n == case))
        .expect("a known case");
    let line = bad_input(&scratch.path());
    let at = format!("{}:{}:", scratch.path(), line_of(&scratch, prefix));
    assert!(line.contains(&at), "{case}: no {at} in {line}");
    let after = &line[line.find(&at).map_or(0, |i| i + at.len())..];
    assert!(
        after.contains(key),
        "{case}: the key {key} is not named: {line}"
    );
}

#[test]
fn an_unknown_key_names_file_line_and_key() {
    assert_names_line_and_key("unknown-key.toml");
}

#[test]
fn a_negative_rate_names_file_line_and_key() {
    assert_names_line_and_key("negative-rate.toml");
}

#[test]
fn a_wrong_type_names_file_line_and_key() {
    assert_names_line_and_key("wrong-type.toml");
}

#[test]
fn probabilities_over_one_name_file_line_and_key() {
    assert_names_line_and_key("over-one.toml");
}

#[test]
fn dial_outcomes_over_one_name_file_line_and_key() {
    assert_names_line_and_key("dial-over-one.toml");
}

#[test]
fn new_dial_outcomes_over_one_name_file_line_and_key() {
    assert_names_line_and_key("dial-new-over-one.toml");
}

#[test]
fn a_live_answer_in_end_callback_on_names_file_line_and_key() {
    assert_names_line_and_key("end-on-live.toml");
}

#[test]
fn settings_the_engine_refuses_are_bad_input_too() {
    // Open hours the engine cannot parse: exit 2 naming the field, not a silent empty run.
    let hours = broken(
        "bad-hours.toml",
        r#"open_hours = ["Mon-Fri 08:00-18:00"]"#,
        r#"open_hours = ["Mon-Fry 08:00-18:00"]"#,
    );
    let line = bad_input(&hours.path());
    assert!(line.contains("open_hours[0]"), "{line}");
    // An id the engine does not accept.
    let id = broken("bad-id.toml", r#"id = "orders""#, r#"id = "my orders""#);
    let line = bad_input(&id.path());
    assert!(line.contains("id"), "{line}");
    // --swarm needs at least one run.
    let zero = switchboard(&["sim", "--swarm", "0", &example("swarm-small.toml")]);
    assert_eq!(zero.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&zero.stderr).lines().count(), 1);
}

/// `switchboard report NAME --data DIR` over March 2026 (the simulated days of the
/// examples), without the header: the CSV rows.
fn march_report(name: &str, data: &str) -> String {
    let report = switchboard(&[
        "report",
        name,
        "--data",
        data,
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--no-header",
    ]);
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    String::from_utf8(report.stdout).unwrap()
}

/// `--data DIR` journals the run like the server: the reports then count what the
/// simulator counted, and a directory that already holds a journal is refused.
#[test]
fn sim_data_feeds_the_reports_with_the_same_counts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let scenario = example("support-day.toml");
    let out = switchboard(&["sim", &scenario, "--seed", "3", "--data", data, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    let refusals = count(&outcome, "refusals");
    assert!(refusals > 0, "the support day refuses some offers");

    let rows = march_report("agent-refusal", data).lines().count() as u64;
    assert_eq!(rows, refusals);

    let again = switchboard(&["sim", &scenario, "--data", data]);
    assert_eq!(again.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already holds a journal"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1);
}

/// The connector's dial outcomes (issue 13) in a simulated day: a scenario whose callback
/// dials end busy, fax, modem, SIT, invalid number or wrong party journals them; the
/// completed-callbacks report on the simulated days shows each state, and the default policy
/// ends a callback at its SIT or invalid number (Failed, no attempt after it).
#[test]
fn simulated_dial_outcomes_show_in_the_completed_callbacks_report() {
    let text = std::fs::read_to_string(example("swarm-small.toml")).expect("the example");
    let text = text
        .replace(
            "dial_outcomes = { live = 0.5, machine = 0.2, no_answer = 0.2, wrong_destination = 0.1 }",
            "dial_outcomes = { live = 0.1, no_answer = 0.1, busy = 0.2, fax = 0.1, modem = 0.1, sit = 0.1, invalid_number = 0.1, wrong_party = 0.2 }",
        )
        .replace("contacts = 150", "contacts = 400")
        .replace("accept_probability = 0.5", "accept_probability = 0.9");
    assert!(text.contains("busy = 0.2") && text.contains("contacts = 400"));
    let scenario = Scratch::new("dial-outcomes.toml", &text);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let out = switchboard(&["sim", &scenario.path(), "--data", data]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = march_report("completed-callbacks", data);
    // Callback_ID, …, End_State (3), …, Total_Attempts (6), Attempt_No (7), …, Attempt_State.
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    for state in [
        "Busy",
        "Fax",
        "Modem",
        "Sit Tone",
        "Invalid Number",
        "Wrong Party",
    ] {
        assert!(
            rows.iter().any(|r| r.last() == Some(&state)),
            "no {state} attempt in\n{csv}"
        );
    }
    for row in rows
        .iter()
        .filter(|r| matches!(r.last(), Some(&"Sit Tone" | &"Invalid Number")))
    {
        assert_eq!(row[3], "Failed", "{row:?}");
        assert_eq!(
            row[6], row[7],
            "an attempt after the one that ended it: {row:?}"
        );
    }
}

/// Every duration and rate has a range (docs/simulation.md). `handle_seconds = 1e10` used
/// to end in "audit failed: liveness" (exit 1, blaming the engine) and 9.3e15 in wrong
/// figures with exit 0; now both are bad input naming the line, the key and the range.
#[test]
fn durations_and_rates_out_of_range_name_file_line_key_and_range() {
    let handle = "handle_seconds = { exponential = 240 }";
    let cases = [
        (
            "handle-1e10.toml",
            handle,
            "handle_seconds = { constant = 1e10 }",
            "queues[0].handle_seconds",
            "0–604800 s",
        ),
        (
            "handle-9e15.toml",
            handle,
            "handle_seconds = { constant = 9.3e15 }",
            "queues[0].handle_seconds",
            "0–604800 s",
        ),
        (
            "exp-1e10.toml",
            handle,
            "handle_seconds = { exponential = 1e10 }",
            "queues[0].handle_seconds",
            "at most 604800 s",
        ),
        (
            "patience.toml",
            "patience_seconds = { exponential = 120 }",
            "patience_seconds = { lognormal = { mean = 60, sd = 1e12 } }",
            "queues[0].patience_seconds",
            "sd 0–604800",
        ),
        (
            "wrap-up.toml",
            "wrap_up_seconds = { constant = 10 }",
            "wrap_up_seconds = { constant = 1e9 }",
            "queues[1].wrap_up_seconds",
            "0–604800",
        ),
        (
            "rate.toml",
            "arrivals_per_hour = 35",
            "arrivals_per_hour = 1e7",
            "queues[1].arrivals_per_hour",
            "0–1000000",
        ),
        (
            "accept.toml",
            "accept_seconds = { uniform = [0, 5] }",
            "accept_seconds = { uniform = [0, 1e7] }",
            "behaviour.accept_seconds",
            "604800",
        ),
        (
            "recall.toml",
            "recall_intervals_seconds = [120, 600]",
            "recall_intervals_seconds = [120, -600]",
            "queues[1].callbacks.recall_intervals_seconds[1]",
            "0–2592000 s",
        ),
        (
            "offer-after.toml",
            "offer_after_wait_seconds = 30",
            "offer_after_wait_seconds = 1e12",
            "behaviour.callbacks.offer_after_wait_seconds",
            "0–604800",
        ),
        (
            "duration.toml",
            "contacts = 150",
            "duration = \"400d\"",
            "stop.duration",
            "366 days",
        ),
        (
            "warm-up-long.toml",
            "contacts = 150",
            "contacts = 150\nwarm_up = \"30d\"",
            "stop.warm_up",
            "7 days",
        ),
        (
            "too-many.toml",
            "contacts = 150",
            "contacts = 100_000_000",
            "stop.contacts",
            "366 days",
        ),
        (
            "sl.toml",
            "service_level_seconds = 20",
            "service_level_seconds = -1",
            "service_level_seconds",
            "0–604800",
        ),
    ];
    for (name, from, to, key, range) in cases {
        let scratch = broken(name, from, to);
        let line = bad_input(&scratch.path());
        let changed = to.lines().last().unwrap();
        let at = format!("{}:{}: {key}: ", scratch.path(), line_of(&scratch, changed));
        assert!(line.contains(&at), "{name}: no {at:?} in {line}");
        assert!(line.contains(range), "{name}: no range {range:?} in {line}");
    }
}

/// A scenario whose agents cannot close its contacts within 10 simulated years (one agent,
/// a week a call, no patience) is bad input too, not an engine failure.
#[test]
fn a_run_past_ten_simulated_years_is_bad_input() {
    let scratch = Scratch::new(
        "overloaded.toml",
        "name = \"o\"\n[stop]\ncontacts = 600\n[[queues]]\nid = \"q\"\n\
         arrivals_per_hour = 1000\nhandle_seconds = { constant = 604800 }\n\
         [[agents]]\ncount = 1\nqueues = [\"q\"]\n",
    );
    let line = bad_input(&scratch.path());
    assert!(line.contains("10 simulated years"), "{line}");
}
