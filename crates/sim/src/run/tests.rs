use super::*;
use crate::scenario::Scenario;
use switchboard_core::AgentId;

fn simulation(agents: u32) -> Simulation {
    let text = format!(
        "name = \"t\"\n[stop]\ncontacts = 1\n[[queues]]\nid = \"q\"\n\
         arrivals_per_hour = 60\nhandle_seconds = {{ constant = 1 }}\n\
         [[agents]]\ncount = {agents}\nqueues = [\"q\"]\n"
    );
    let scenario = Scenario::parse("t.toml", &text).unwrap();
    Simulation::new(scenario, Some(1), Options::default()).unwrap()
}

/// The JSON of a run without the wall-clock fields.
fn figures(text: &str) -> serde_json::Value {
    let scenario = Scenario::parse("w.toml", text).unwrap();
    let outcome = Simulation::new(scenario, Some(7), Options::default())
        .unwrap()
        .run(|_, _| {})
        .unwrap();
    let mut json = serde_json::to_value(&outcome).unwrap();
    let map = json.as_object_mut().unwrap();
    map.remove("wall_seconds");
    map.remove("contacts_per_second");
    json
}

const BUSY: &str = "name = \"w\"\n[stop]\ncontacts = 400\n\
    [[queues]]\nid = \"q\"\narrivals_per_hour = 900\n\
    handle_seconds = { exponential = 20 }\npatience_seconds = { exponential = 60 }\n\
    [[agents]]\ncount = 5\nqueues = [\"q\"]\n";

#[test]
fn a_warm_up_is_simulated_but_not_counted() {
    let plain = figures(BUSY);
    // A zero warm-up is no warm-up, to the last digit.
    let zero = figures(&BUSY.replace("contacts = 400", "contacts = 400\nwarm_up = \"0s\""));
    assert_eq!(plain, zero);
    assert!(plain.get("warm_up_contacts").is_none(), "{plain}");

    let warm = figures(&BUSY.replace("contacts = 400", "contacts = 400\nwarm_up = \"1h\""));
    // stop.contacts counts the measured contacts; about 900 arrived in the warm-up hour.
    assert_eq!(warm["contacts"], 400, "{warm}");
    let before = warm["warm_up_contacts"].as_u64().unwrap();
    assert!((750..1050).contains(&before), "{warm}");
    assert_eq!(warm["warm_up_seconds"], 3600.0);
    // Every counted contact is accounted for, once.
    let sum = ["answered", "abandoned", "other_closures"]
        .iter()
        .map(|k| warm[k].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(sum, 400, "{warm}");
    assert_eq!(warm["per_queue"]["q"]["contacts"], 400);
    // Occupancy is agent time after the warm-up over agent time after it: a share.
    let occupancy = warm["occupancy"].as_f64().unwrap();
    assert!(occupancy > 0.0 && occupancy <= 1.0, "{warm}");
    // The simulated time covers the warm-up too.
    assert!(warm["simulated_seconds"].as_f64().unwrap() > 3600.0);
}

#[test]
fn a_warm_up_moves_the_stop_by_duration_too() {
    let text = BUSY.replace("contacts = 400", "duration = \"30m\"\nwarm_up = \"30m\"");
    let warm = figures(&text);
    let counted = warm["contacts"].as_u64().unwrap();
    let before = warm["warm_up_contacts"].as_u64().unwrap();
    // 900 an hour: about 450 in each half hour.
    assert!((350..550).contains(&counted), "{warm}");
    assert!((350..550).contains(&before), "{warm}");
}

#[test]
fn agents_are_numbered_from_their_ids_and_others_after_them() {
    let mut sim = simulation(12);
    for n in 1..=12u32 {
        let ix = sim.agents.ix(&AgentId::new(&format!("a{n}")));
        assert_eq!(ix, n - 1);
        // The command's id is the one the agent was configured with.
        assert_eq!(sim.agents.id(ix).as_str(), format!("a{n}"));
    }
    // Not a{n} of this run: numbered after the run's agents, once each.
    let others = ["a13", "a0", "a01", "b1", "a", "a1x", "a99999999999"];
    for (i, text) in others.iter().enumerate() {
        let ix = sim.agents.ix(&AgentId::new(text));
        assert_eq!(ix, 12 + i as u32, "{text}");
        assert_eq!(sim.agents.ix(&AgentId::new(text)), ix, "{text}");
        assert_eq!(sim.agents.id(ix).as_str(), *text);
    }
    // The run's own agents still map to themselves.
    assert_eq!(sim.agents.ix(&AgentId::new("a12")), 11);
}

/// A queue drained for more than 400 simulated days after the last arrival is slow,
/// not stuck: it keeps closing contacts. It used to fail the liveness audit.
#[test]
fn a_long_drain_that_keeps_closing_contacts_is_not_a_liveness_failure() {
    let text = "name = \"d\"\n[stop]\ncontacts = 600\n[[queues]]\nid = \"q\"\n\
                arrivals_per_hour = 1000000\nhandle_seconds = { constant = 86400 }\n\
                [[agents]]\ncount = 1\nqueues = [\"q\"]\n";
    let outcome = figures(text);
    assert_eq!(outcome["answered"], 600, "{outcome}");
    assert!(outcome["simulated_seconds"].as_f64().unwrap() > 590.0 * 86_400.0);
}

/// A run that would pass 10 simulated years stops with an error that blames the scenario.
#[test]
fn a_run_past_the_horizon_is_the_scenarios_fault() {
    let text = "name = \"h\"\n[stop]\ncontacts = 600\n[[queues]]\nid = \"q\"\n\
                arrivals_per_hour = 1000000\nhandle_seconds = { constant = 604800 }\n\
                [[agents]]\ncount = 1\nqueues = [\"q\"]\n";
    let scenario = Scenario::parse("h.toml", text).unwrap();
    let error = Simulation::new(scenario, None, Options::default())
        .unwrap()
        .run(|_, _| {})
        .unwrap_err();
    assert!(
        matches!(&error, RunError::Horizon(m) if m.contains("10 simulated years")),
        "{error}"
    );
}

#[test]
fn the_simulated_range_is_shown_in_the_zone_of_start() {
    let text = BUSY.replace(
        "[stop]",
        "start = \"2026-03-29T01:30:00+01:00[Europe/Budapest]\"\n[stop]",
    );
    let outcome = figures(&text);
    assert_eq!(
        outcome["simulated_from"],
        "2026-03-29T01:30:00+01:00[Europe/Budapest]"
    );
    let to: jiff::Zoned = outcome["simulated_to"].as_str().unwrap().parse().unwrap();
    let from: jiff::Zoned = "2026-03-29T01:30:00+01:00[Europe/Budapest]"
        .parse()
        .unwrap();
    let seconds = outcome["simulated_seconds"].as_f64().unwrap();
    assert_eq!(
        to.timestamp().as_millisecond() - from.timestamp().as_millisecond(),
        (seconds * 1000.0).round() as i64
    );
    assert_eq!(to.time_zone().iana_name(), Some("Europe/Budapest"));
    // Without a start: UTC from the Unix epoch.
    let plain = figures(BUSY);
    assert_eq!(plain["simulated_from"], "1970-01-01T00:00:00+00:00[UTC]");
}
