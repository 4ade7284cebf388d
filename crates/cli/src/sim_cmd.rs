//! `switchboard sim`: run a scenario on the real engine with a virtual clock.

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use switchboard_sim::run::{Figures, Options, Outcome, RunError, Simulation};
use switchboard_sim::scenario::Scenario;
use switchboard_sim::swarm;

#[derive(Debug, Args)]
pub struct SimArgs {
    /// The scenario file (TOML; see docs/simulation.md).
    scenario: PathBuf,
    /// Seed of the random generator (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Run N short runs with random seeds (from --seed) and randomised behaviour and
    /// faults; report the first seed that breaks an invariant or leaves a contact open.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    swarm: Option<u64>,
    /// Write the run's journal and report tables into this new data directory, as the
    /// server would, so `switchboard report … --data DIR` runs on the simulated days.
    #[arg(long, value_name = "DIR", conflicts_with = "swarm")]
    data: Option<PathBuf>,
}

/// Events appended to the store per transaction.
const JOURNAL_BATCH: usize = 8192;

/// Appends the simulation's events to a store in batches; remembers the first failure.
struct JournalWriter {
    store: switchboard_store::Store,
    batch: Vec<switchboard_core::event::EventRecord>,
    failure: Option<switchboard_store::StoreError>,
}

impl JournalWriter {
    fn push(&mut self, record: &switchboard_core::event::EventRecord) {
        if self.failure.is_some() {
            return;
        }
        self.batch.push(record.clone());
        if self.batch.len() >= JOURNAL_BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.failure.is_none()
            && !self.batch.is_empty()
            && let Err(error) = self.store.append(&self.batch)
        {
            self.failure = Some(error);
        }
        self.batch.clear();
    }
}

/// Bad input: one line, exit status 2.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

pub fn sim(args: &SimArgs) -> anyhow::Result<()> {
    let file = args.scenario.display().to_string();
    let text = std::fs::read_to_string(&args.scenario)
        .map_err(|e| InputError(format!("{file}: cannot read: {e}")))?;
    let scenario = Scenario::parse(&file, &text).map_err(|e| InputError(e.to_string()))?;
    if let Some(n) = args.swarm {
        return run_swarm(&file, &scenario, args.seed.unwrap_or(scenario.seed), n);
    }
    let planned = scenario.stop.contacts.unwrap_or(0);
    let bar = (!args.json && std::io::stderr().is_terminal() && planned >= 50_000).then(|| {
        let bar = ProgressBar::new(planned);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} contacts {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let mut simulation = Simulation::new(scenario, args.seed, Options::default())
        .map_err(|e| InputError(format!("{file}: {e}")))?;
    let journal = match &args.data {
        None => None,
        Some(dir) => {
            let store = switchboard_store::Store::open(dir, switchboard_store::Durability::Normal)
                .map_err(|e| InputError(format!("{}: {e}", dir.display())))?;
            if store.last_seq() > 0 {
                return Err(InputError(format!(
                    "{}: already holds a journal ({} entries); give a new directory",
                    dir.display(),
                    store.last_seq()
                ))
                .into());
            }
            let writer = std::rc::Rc::new(std::cell::RefCell::new(JournalWriter {
                store,
                batch: Vec::with_capacity(JOURNAL_BATCH),
                failure: None,
            }));
            let sink = writer.clone();
            simulation.journal_to(Box::new(move |record| sink.borrow_mut().push(record)));
            Some(writer)
        }
    };
    let outcome = simulation
        .run(|done, _| {
            if let Some(bar) = &bar {
                bar.set_position(done);
            }
        })
        .map_err(|e| match e {
            // The scenario asks for more than 10 simulated years: bad input, exit 2.
            RunError::Horizon(message) => InputError(format!("{file}: {message}")).into(),
            // The engine's fault: exit 1.
            RunError::Audit(_) => anyhow::anyhow!("{e}"),
        })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(writer) = journal {
        let mut writer = writer.borrow_mut();
        writer.flush();
        if let Some(error) = writer.failure.take() {
            return Err(anyhow::anyhow!(error).context("while writing the journal"));
        }
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &outcome).context("while writing the result")?;
        writeln!(out)?;
    } else {
        write_table(&mut out, &outcome)?;
    }
    out.flush()?;
    Ok(())
}

fn run_swarm(file: &str, base: &Scenario, first: u64, n: u64) -> anyhow::Result<()> {
    let mut contacts = 0u64;
    // Seeds first..=first+n-1: past u64::MAX the run would silently be shorter than asked.
    let Some(last) = first.checked_add(n - 1) else {
        return Err(InputError(format!(
            "--seed {first} --swarm {n}: the seeds would pass {}; give --seed at most {}",
            u64::MAX,
            u64::MAX - (n - 1)
        ))
        .into());
    };
    for seed in first..=last {
        let variant = swarm::variant(base, seed);
        let options = Options {
            audit_every: 1,
            progress_every: 0,
        };
        let simulation = Simulation::new(variant, None, options)
            .map_err(|e| InputError(format!("{file}: {e}")))?;
        match simulation.run(|_, _| {}) {
            Ok(outcome) => contacts += outcome.overall.contacts,
            Err(error) => {
                let failure = match &error {
                    RunError::Audit(failure) => failure.to_string(),
                    RunError::Horizon(message) => message.clone(),
                };
                eprintln!("switchboard: swarm seed {seed} failed: {failure}");
                eprintln!("reproduce: switchboard sim --swarm 1 --seed {seed} {file}");
                anyhow::bail!("swarm failed at seed {seed}");
            }
        }
    }
    println!(
        "swarm: {n} runs (seeds {first}–{}), {contacts} contacts, every invariant held after every step and every contact closed",
        last
    );
    Ok(())
}

fn write_table(out: &mut impl Write, o: &Outcome) -> std::io::Result<()> {
    writeln!(out, "scenario {:?}, seed {}", o.name, o.seed)?;
    writeln!(
        out,
        "simulated {:.0} s in {:.2} s of wall time: {:.0} contacts per second\n",
        o.simulated_seconds, o.wall_seconds, o.contacts_per_second
    )?;
    if let (Ok(from), Ok(to)) = (
        o.simulated_from.parse::<jiff::Zoned>(),
        o.simulated_to.parse::<jiff::Zoned>(),
    ) {
        let zone = from.time_zone().iana_name().unwrap_or("UTC");
        writeln!(
            out,
            "simulated time {} to {} {zone}\nreports on it (with --data): --from {} --to {} --tz {zone}\n",
            from.strftime("%Y-%m-%d %H:%M:%S"),
            to.strftime("%Y-%m-%d %H:%M:%S"),
            from.date(),
            to.date(),
        )?;
    }
    if o.warm_up_seconds > 0.0 {
        writeln!(
            out,
            "warm-up {:.0} s: {} contacts arrived in it and are not counted below\n",
            o.warm_up_seconds, o.warm_up_contacts
        )?;
    }
    let mut rows: Vec<(&str, &Figures)> = vec![("all queues", &o.overall)];
    rows.extend(o.per_queue.iter().map(|(k, v)| (k.as_str(), v)));
    writeln!(
        out,
        "{:<14} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "queue",
        "contacts",
        "answered",
        "abandoned",
        "P(wait)",
        "ASA s",
        "SL",
        "aband.",
        "refusals"
    )?;
    for (name, f) in &rows {
        writeln!(
            out,
            "{:<14} {:>9} {:>9} {:>9} {:>7.2}% {:>8.1} {:>7.2}% {:>7.2}% {:>9}",
            name,
            f.contacts,
            f.answered,
            f.abandoned,
            f.p_wait * 100.0,
            f.asa_seconds,
            f.service_level * 100.0,
            f.abandon_rate * 100.0,
            f.refusals
        )?;
    }
    writeln!(out, "\noccupancy {:.2}%", o.overall.occupancy * 100.0)?;
    if !o.overall.refusals_by_reason.is_empty() {
        writeln!(out, "refusals by reason:")?;
        for (reason, n) in &o.overall.refusals_by_reason {
            writeln!(out, "  {reason:<22} {n}")?;
        }
    }
    if o.overall.callbacks_created > 0 {
        writeln!(
            out,
            "callbacks: {} created, {} completed, {} reached, {} attempts",
            o.overall.callbacks_created,
            o.overall.callbacks_completed,
            o.overall.callbacks_reached,
            o.overall.callback_attempts
        )?;
    }
    Ok(())
}
