//! The simulator against queueing theory: with FIFO queues, longest-idle routing, instant
//! accept and no refusals it must reproduce Erlang C (no patience) and Erlang A
//! (exponential patience). Several seeds; the tolerance is from their spread, not a guess.

use switchboard_sim::erlang;
use switchboard_sim::run::{Options, Simulation};
use switchboard_sim::scenario::Scenario;

fn scenario(
    rate_per_hour: f64,
    handle: f64,
    agents: u32,
    patience: Option<f64>,
    contacts: u64,
) -> Scenario {
    let patience = patience.map_or(String::new(), |p| {
        format!("patience_seconds = {{ exponential = {p} }}")
    });
    let text = format!(
        r#"
name = "validation"
service_level_seconds = 20
[stop]
contacts = {contacts}
[[queues]]
id = "q"
arrivals_per_hour = {rate_per_hour}
handle_seconds = {{ exponential = {handle} }}
{patience}
[[agents]]
count = {agents}
queues = ["q"]
"#
    );
    Scenario::parse("validation.toml", &text).unwrap()
}

/// Reads one figure of a run.
type Getter = fn(&switchboard_sim::run::Figures) -> f64;

/// Runs `seeds` simulations and checks each figure against theory within four standard
/// errors of the seeds' mean (plus a floor of 0.5 % of the value for numerical noise).
fn validate(
    label: &str,
    rate_per_hour: f64,
    handle: f64,
    agents: u32,
    patience: Option<f64>,
    contacts: u64,
    seeds: u64,
) {
    let theory = erlang::Model::new(rate_per_hour / 3600.0, handle, agents, patience)
        .unwrap()
        .figures(20.0)
        .unwrap();
    let runs: Vec<_> = (1..=seeds)
        .map(|seed| {
            Simulation::new(
                scenario(rate_per_hour, handle, agents, patience, contacts),
                Some(seed),
                Options::default(),
            )
            .unwrap()
            .run(|_, _| {})
            .unwrap_or_else(|e| panic!("{label} seed {seed}: {e}"))
            .overall
        })
        .collect();
    let checks: [(&str, Getter, f64); 5] = [
        ("p_wait", |f| f.p_wait, theory.p_wait),
        (
            "asa_seconds",
            |f| f.asa_seconds,
            theory.asa_seconds.unwrap(),
        ),
        ("service_level", |f| f.service_level, theory.service_level),
        ("abandon_rate", |f| f.abandon_rate, theory.abandon_rate),
        ("occupancy", |f| f.occupancy, theory.occupancy),
    ];
    let mut report = String::new();
    let mut failed = false;
    for (name, get, expected) in checks {
        let xs: Vec<f64> = runs.iter().map(get).collect();
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let se = (var / n).sqrt();
        let tolerance = 4.0 * se + 0.005 * expected.abs();
        let ok = (mean - expected).abs() <= tolerance;
        failed |= !ok;
        report.push_str(&format!(
            "{label} {name}: simulated {mean:.5} ± {se:.5} (se), theory {expected:.5}, tolerance {tolerance:.5} {}\n",
            if ok { "ok" } else { "FAIL" }
        ));
    }
    println!("{report}");
    assert!(!failed, "{report}");
}

#[test]
fn erlang_c_100_agents_at_90_percent() {
    validate("M/M/100", 1080.0, 300.0, 100, None, 100_000, 6);
}

#[test]
fn erlang_c_few_agents() {
    validate("M/M/5", 48.0, 300.0, 5, None, 30_000, 6);
}

#[test]
fn erlang_a_100_agents_overloaded_with_patience() {
    validate("M/M/100+M", 1200.0, 300.0, 100, Some(180.0), 100_000, 6);
}

#[test]
fn erlang_a_few_agents() {
    validate("M/M/4+M", 60.0, 240.0, 4, Some(120.0), 30_000, 6);
}
