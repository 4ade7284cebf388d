//! Routing decision cost at two sizes (docs/benchmarks.md, Routing decision cost: "an offer decision at 10,000 agents and
//! 100,000 queued contacts costs at most 2× what it costs at 100 agents").
//!
//! Every fixture is built once (untimed) and then driven in a steady state, so the sizes stay
//! constant however many iterations criterion asks for:
//!
//! * all agents but (at most) one probe are Busy with one voice contact each;
//! * the queues hold exactly the target number of waiting contacts;
//! * no timer is pending between iterations (offers are accepted or refused at once).
//!
//! Benchmarks (group / size):
//!
//! * `cycle_1q`, `cycle_20q` — one offer decision inside a full steady-state cycle: the agent
//!   busy longest ends its contact and completes wrap-up; the engine routes the most urgent
//!   waiting contact to it (exactly one offer, checked); the agent accepts, the connector links
//!   the leg; a new contact arrives at the tail of the queue the offered contact came from.
//!   Five commands, every output drained. `1q`: one voice queue; `20q`: each agent serves 3 of
//!   20 voice queues and the waiting contacts are spread evenly over the queues.
//! * `ready_offer_1q` — the decision alone: a probe agent in No Answer selects Ready and the
//!   engine offers it the head contact within that command. Only that `handle_command` is
//!   timed; draining the output and refusing the offer (which requeues the contact at its old
//!   place and puts the probe back in No Answer) happen untimed.
//! * `idle_agents_1q` — the opposite regime, agent surplus: every agent idle and Ready, no
//!   contact waiting; a contact arrives and is offered to the longest-idle agent (exactly one
//!   offer, checked), who accepts, is linked, ends and completes. Five commands. Sizes: 100 and
//!   10,000 agents (no waiting contacts: with free agents none can wait).
//!
//! Sizes: `small` = 100 agents / 100 waiting contacts; `large` = 10,000 agents / 100,000
//! waiting contacts. After criterion's own report, a summary prints the mean time per
//! iteration of each benchmark at both sizes and the ratio large/small.
//!
//! Run: `cargo bench -p switchboard-core --bench routing`
//! (quick: `cargo bench -p switchboard-core --bench routing -- --warm-up-time 1 --measurement-time 3`).

use criterion::{BenchmarkId, Criterion};
use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};
use switchboard_core::config::{QueueConfig, StationConfig};
use switchboard_core::model::SelectableState;
use switchboard_core::{
    AgentConfig, AgentId, AgentState, Channel, Command, ConnectorEvent, ContactId, Engine, Event,
    EventRecord, OfferId, Output, QueueId, Settings, Timestamp,
};

/// One benchmark size.
#[derive(Debug, Clone, Copy)]
struct Size {
    label: &'static str,
    agents: usize,
    waiting: usize,
}

const SIZES: [Size; 2] = [
    Size {
        label: "small",
        agents: 100,
        waiting: 100,
    },
    Size {
        label: "large",
        agents: 10_000,
        waiting: 100_000,
    },
];

/// How agents are spread over queues.
#[derive(Debug, Clone, Copy)]
struct Layout {
    queues: usize,
    queues_per_agent: usize,
}

const ONE_QUEUE: Layout = Layout {
    queues: 1,
    queues_per_agent: 1,
};

const TWENTY_QUEUES: Layout = Layout {
    queues: 20,
    queues_per_agent: 3,
};

/// What state the fixture holds between iterations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every agent Busy, the queues filled to `Size::waiting`.
    Backlog,
    /// As `Backlog`, but one agent (the probe) idle in No Answer.
    BacklogWithProbe,
    /// Every agent idle and Ready, no contact waiting (agent surplus).
    Idle,
}

/// A long-lived engine in steady state plus the bookkeeping a driver would keep.
struct Fixture {
    engine: Engine,
    /// Virtual clock in ms; every command advances it by 1 ms.
    clock: i64,
    queues: Vec<QueueId>,
    /// Busy agents with the contact they hold, in the order they took it: the front ends next.
    busy: VecDeque<(AgentId, ContactId)>,
    /// The queue (index into `queues`) of every contact, by contact id.
    contact_queue: Vec<u8>,
    /// Offers seen while draining the last command's output: (offer, contact, agent).
    offers: Vec<(OfferId, ContactId, AgentId)>,
    /// An idle agent kept in No Answer, for `ready_offer`.
    probe: Option<AgentId>,
    /// `Idle` mode: the Ready agents, longest idle first.
    idle: VecDeque<AgentId>,
    /// Open contacts in steady state: one per busy agent plus the waiting ones.
    open_contacts: usize,
    from: std::sync::Arc<str>,
}

impl Fixture {
    /// Configure and log in; unless `Idle`, make every agent (but the probe) Busy, then fill
    /// the queues. Untimed.
    fn build(size: Size, layout: Layout, mode: Mode) -> Fixture {
        let with_probe = mode == Mode::BacklogWithProbe;
        let mut settings = Settings::default();
        // `ready_offer` offers the same head contact again and again: lift the hop limit and
        // keep refusals from excluding the probe (no exclusion, no re-offer timer).
        settings.limits.offers_per_contact_max = u32::MAX;
        settings.limits.contacts_per_queue_max = settings
            .limits
            .contacts_per_queue_max
            .max(size.waiting as u32 + 1);
        settings.limits.contacts_open_max = settings
            .limits
            .contacts_open_max
            .max((size.agents + size.waiting) as u32 + 1);
        settings.reoffer_delay_ms = 0;
        let mut f = Fixture {
            engine: Engine::new(settings),
            clock: 0,
            queues: (0..layout.queues)
                .map(|i| QueueId::new(&format!("q{i:02}")))
                .collect(),
            busy: VecDeque::with_capacity(size.agents),
            contact_queue: vec![u8::MAX], // contact ids start at 1
            offers: Vec::new(),
            probe: None,
            idle: VecDeque::new(),
            open_contacts: 0,
            from: "+36201234567".into(),
        };
        for q in f.queues.clone() {
            f.cmd(Command::ConfigureQueue(Box::new(QueueConfig::new(
                q.as_str(),
                Channel::Voice,
            ))));
        }
        let mut first_queue = Vec::with_capacity(size.agents);
        let mut index: BTreeMap<AgentId, usize> = BTreeMap::new();
        let agents: Vec<AgentId> = (0..size.agents)
            .map(|i| AgentId::new(&format!("a{i:05}")))
            .collect();
        for (i, agent) in agents.iter().enumerate() {
            // Agent i serves queues i, i+7, i+13 (mod 20): every queue gets the same share.
            let spread = [0, 7, 13, 3, 11, 17];
            let qs: Vec<String> = spread[..layout.queues_per_agent]
                .iter()
                .map(|k| f.queues[(i + k) % layout.queues].to_string())
                .collect();
            let qs: Vec<&str> = qs.iter().map(String::as_str).collect();
            first_queue.push((i % layout.queues) as u8);
            let station = format!("s{i:05}");
            f.cmd(Command::ConfigureStation(StationConfig::new(
                &station,
                &format!("+3610{i:07}"),
            )));
            f.cmd(Command::ConfigureAgent(AgentConfig::new(
                agent.as_str(),
                &format!("Agent {i}"),
                &qs,
            )));
            index.insert(agent.clone(), i);
        }
        let probe = with_probe.then(|| agents[0].clone());
        for (i, agent) in agents.iter().enumerate() {
            let state = (Some(agent) == probe.as_ref()).then_some(SelectableState::Break);
            f.cmd(Command::Login {
                agent: agent.clone(),
                station: format!("s{i:05}").as_str().into(),
                state,
            });
        }
        assert!(f.offers.is_empty());
        if mode == Mode::Idle {
            // Everyone Ready since login; longest idle = earliest login.
            f.idle = agents.into();
            if let Err(e) = f.engine.check_invariants() {
                panic!("invariants after setup: {e}");
            }
            f.check_steady();
            return f;
        }

        // Phase A: one contact per free agent, in a queue it serves, so it is offered at once
        // (to the longest-idle free member of that queue); accept and link every offer.
        let mut is_busy = vec![false; size.agents];
        for i in 0..size.agents {
            if is_busy[i] || Some(&agents[i]) == probe.as_ref() {
                continue;
            }
            f.arrive(first_queue[i]);
            assert_eq!(
                f.offers.len(),
                1,
                "a contact for a free agent was not offered"
            );
            let (offer, contact, agent) = f.offers.pop().expect("one offer");
            f.cmd(Command::Accept { offer });
            f.cmd(Command::Connector(ConnectorEvent::LegLinked { offer }));
            is_busy[index[&agent]] = true;
            f.busy.push_back((agent, contact));
        }
        let busy_agents = size.agents - usize::from(with_probe);
        assert_eq!(f.busy.len(), busy_agents);

        // Phase B: everyone is busy, so every new contact waits. Spread evenly over the queues.
        for k in 0..size.waiting {
            f.arrive((k % layout.queues) as u8);
            assert!(f.offers.is_empty(), "a contact was offered while filling");
        }

        // The probe: Ready, offered the head contact, refuses, lands in No Answer.
        if let Some(probe) = &probe {
            f.probe = Some(probe.clone());
            let offer = f.ready_probe();
            f.refuse(offer);
            let view = f.engine.agent_view(probe).expect("probe");
            assert_eq!(view.state, AgentState::NoAnswer);
        }

        f.open_contacts = busy_agents + size.waiting;
        let waiting: usize = f.queues.iter().map(|q| queue_len(&f.engine, q)).sum();
        assert_eq!(waiting, size.waiting);
        if let Err(e) = f.engine.check_invariants() {
            panic!("invariants after setup: {e}");
        }
        f.check_steady();
        f
    }

    fn tick(&mut self) -> Timestamp {
        self.clock += 1;
        let now = Timestamp::from_millis(self.clock);
        // A driver fires due timers before the next input. In steady state none is pending
        // (check_steady asserts it), so this is one look at an empty timer set.
        if self.engine.poll_timeout().is_some_and(|at| at <= now) {
            self.engine.handle_timeout(now);
        }
        now
    }

    /// One command at the next millisecond; its output drained into `offers`.
    fn cmd(&mut self, command: Command) -> Option<ContactId> {
        let now = self.tick();
        let receipt = match self.engine.handle_command(now, command) {
            Ok(r) => r,
            Err(e) => panic!("command rejected: {e:?}"),
        };
        self.drain();
        receipt.contact
    }

    /// Drain every output (a driver would journal and publish them); keep the offers made.
    fn drain(&mut self) {
        self.offers.clear();
        while let Some(output) = self.engine.poll_output() {
            if let Output::Event(EventRecord {
                event:
                    Event::OfferCreated {
                        offer,
                        contact,
                        agent,
                        ..
                    },
                ..
            }) = output
            {
                self.offers.push((offer, contact, agent));
            }
        }
    }

    /// A new voice contact arrives at the tail of queue `q`.
    fn arrive(&mut self, q: u8) -> ContactId {
        let command = Command::CreateContact {
            channel: Channel::Voice,
            queue: self.queues[usize::from(q)].clone(),
            from: self.from.clone(),
            priority: 0,
            attributes: BTreeMap::new(),
        };
        let contact = self.cmd(command).expect("a contact id");
        assert_eq!(contact.0 as usize, self.contact_queue.len());
        self.contact_queue.push(q);
        contact
    }

    /// The single offer the last command made, which must go to `agent`.
    fn the_offer(&mut self, agent: &AgentId) -> (OfferId, ContactId) {
        match self.offers.as_slice() {
            [(offer, contact, to)] if to == agent => (*offer, *contact),
            other => panic!("expected one offer to {agent}, got {other:?}"),
        }
    }

    /// The measured steady-state cycle: complete → decide (one offer) → accept+link → arrive.
    /// Not inlined, so a profiler can select it (`--toggle-collect='*Fixture*cycle*'`).
    #[inline(never)]
    fn cycle(&mut self) {
        let (agent, contact) = self.busy.pop_front().expect("a busy agent");
        self.cmd(Command::End {
            agent: agent.clone(),
            contact,
        });
        self.cmd(Command::Complete {
            agent: agent.clone(),
            contact,
            disposition: None,
        });
        let (offer, next) = self.the_offer(&agent);
        self.cmd(Command::Accept { offer });
        self.cmd(Command::Connector(ConnectorEvent::LegLinked { offer }));
        let q = self.contact_queue[next.0 as usize];
        self.arrive(q);
        self.busy.push_back((agent, next));
    }

    /// The agent-surplus cycle: a contact arrives and is offered to the longest-idle agent
    /// (exactly one offer, checked) → accept+link → end → complete (the agent is Ready again,
    /// now the most recently idle). Not inlined (profiling).
    #[inline(never)]
    fn idle_cycle(&mut self) {
        let agent = self.idle.pop_front().expect("an idle agent");
        let contact = self.arrive(0);
        let (offer, offered) = self.the_offer(&agent);
        debug_assert_eq!(offered, contact);
        self.cmd(Command::Accept { offer });
        self.cmd(Command::Connector(ConnectorEvent::LegLinked { offer }));
        self.cmd(Command::End {
            agent: agent.clone(),
            contact,
        });
        self.cmd(Command::Complete {
            agent: agent.clone(),
            contact,
            disposition: None,
        });
        self.idle.push_back(agent);
    }

    /// The probe selects Ready; returns the offer it got.
    fn ready_probe(&mut self) -> OfferId {
        let probe = self.probe.clone().expect("a probe");
        self.cmd(Command::SetState {
            agent: probe.clone(),
            state: SelectableState::Ready,
            reason: None,
        });
        self.the_offer(&probe).0
    }

    /// Like `ready_probe`, but only the `handle_command` is timed. Not inlined (profiling).
    #[inline(never)]
    fn ready_probe_timed(&mut self) -> (OfferId, Duration) {
        let probe = self.probe.clone().expect("a probe");
        let now = self.tick();
        let command = Command::SetState {
            agent: probe.clone(),
            state: SelectableState::Ready,
            reason: None,
        };
        let start = stopwatch();
        let result = self.engine.handle_command(now, command);
        let elapsed = start.elapsed();
        if let Err(e) = result {
            panic!("ready rejected: {e:?}");
        }
        self.drain();
        (self.the_offer(&probe).0, elapsed)
    }

    fn refuse(&mut self, offer: OfferId) {
        self.cmd(Command::Refuse {
            offer,
            decline_reason: None,
        });
        assert!(self.offers.is_empty(), "a refusal led to another offer");
    }

    /// Sizes are what they were at setup and nothing can fire: called around timed runs.
    fn check_steady(&self) {
        assert_eq!(self.engine.open_contacts(), self.open_contacts);
        assert_eq!(
            self.busy.len() + usize::from(self.probe.is_some()) + self.idle.len(),
            self.engine.agent_configs().count()
        );
        assert_eq!(self.engine.poll_timeout(), None, "a timer is pending");
        assert_eq!(self.engine.pending_outputs(), 0);
    }
}

/// The wall clock of the harness. The core never reads a clock (clippy.toml forbids it there);
/// a benchmark has to, to time the engine from outside.
#[allow(clippy::disallowed_methods)]
fn stopwatch() -> Instant {
    Instant::now()
}

/// Waiting contacts of a queue (setup only: the view scans the queue).
fn queue_len(engine: &Engine, queue: &QueueId) -> usize {
    engine.queue_view(queue).map_or(0, |v| v.waiting)
}

/// Time and iterations criterion ran per benchmark, for the ratio summary.
#[derive(Default)]
struct Tally {
    /// (group, size) → (total time, iterations)
    runs: BTreeMap<(String, &'static str), (Duration, u64)>,
}

impl Tally {
    fn add(&mut self, group: &str, size: &'static str, time: Duration, iters: u64) {
        let entry = self
            .runs
            .entry((group.to_string(), size))
            .or_insert((Duration::ZERO, 0));
        entry.0 += time;
        entry.1 += iters;
    }

    fn mean_ns(&self, group: &str, size: &'static str) -> Option<f64> {
        let (time, iters) = self.runs.get(&(group.to_string(), size))?;
        (*iters > 0).then(|| time.as_nanos() as f64 / *iters as f64)
    }

    fn print(&self) {
        let mut groups: Vec<&str> = self.runs.keys().map(|(g, _)| g.as_str()).collect();
        groups.dedup();
        if groups.is_empty() {
            return;
        }
        println!();
        println!(
            "routing decision cost: mean per iteration over every timed run (warm-up included)"
        );
        println!(
            "{:<16} {:>12} {:>12} {:>8}",
            "benchmark", "small", "large", "ratio"
        );
        for group in groups {
            let small = self.mean_ns(group, "small");
            let large = self.mean_ns(group, "large");
            let show =
                |ns: Option<f64>| ns.map_or("-".to_string(), |ns| format!("{:.2} µs", ns / 1e3));
            let ratio = match (small, large) {
                (Some(s), Some(l)) => format!("{:.2}×", l / s),
                _ => "-".to_string(),
            };
            println!(
                "{group:<16} {:>12} {:>12} {ratio:>8}",
                show(small),
                show(large)
            );
        }
        println!("target (docs/benchmarks.md, Routing decision cost): large/small ≤ 2×");
    }
}

fn bench_cycle(c: &mut Criterion, tally: &mut Tally, group_name: &str, layout: Layout) {
    let mut group = c.benchmark_group(format!("routing/{group_name}"));
    for size in SIZES {
        let mut fixture: Option<Fixture> = None;
        group.bench_function(BenchmarkId::from_parameter(size.label), |b| {
            let f = fixture.get_or_insert_with(|| Fixture::build(size, layout, Mode::Backlog));
            b.iter_custom(|iters| {
                let offers_before = f.engine.stats().offers_created;
                let start = stopwatch();
                for _ in 0..iters {
                    f.cycle();
                }
                let elapsed = start.elapsed();
                assert_eq!(f.engine.stats().offers_created - offers_before, iters);
                f.check_steady();
                tally.add(group_name, size.label, elapsed, iters);
                elapsed
            });
        });
    }
    group.finish();
}

fn bench_ready_offer(c: &mut Criterion, tally: &mut Tally) {
    let group_name = "ready_offer_1q";
    let mut group = c.benchmark_group(format!("routing/{group_name}"));
    for size in SIZES {
        let mut fixture: Option<Fixture> = None;
        group.bench_function(BenchmarkId::from_parameter(size.label), |b| {
            let f = fixture
                .get_or_insert_with(|| Fixture::build(size, ONE_QUEUE, Mode::BacklogWithProbe));
            b.iter_custom(|iters| {
                let offers_before = f.engine.stats().offers_created;
                let mut elapsed = Duration::ZERO;
                for _ in 0..iters {
                    let (offer, took) = f.ready_probe_timed();
                    elapsed += took;
                    f.refuse(offer);
                }
                assert_eq!(f.engine.stats().offers_created - offers_before, iters);
                f.check_steady();
                tally.add(group_name, size.label, elapsed, iters);
                elapsed
            });
        });
    }
    group.finish();
}

fn bench_idle(c: &mut Criterion, tally: &mut Tally) {
    let group_name = "idle_agents_1q";
    let mut group = c.benchmark_group(format!("routing/{group_name}"));
    for size in SIZES {
        let size = Size { waiting: 0, ..size };
        let mut fixture: Option<Fixture> = None;
        group.bench_function(BenchmarkId::from_parameter(size.label), |b| {
            let f = fixture.get_or_insert_with(|| Fixture::build(size, ONE_QUEUE, Mode::Idle));
            b.iter_custom(|iters| {
                let offers_before = f.engine.stats().offers_created;
                let start = stopwatch();
                for _ in 0..iters {
                    f.idle_cycle();
                }
                let elapsed = start.elapsed();
                assert_eq!(f.engine.stats().offers_created - offers_before, iters);
                f.check_steady();
                tally.add(group_name, size.label, elapsed, iters);
                elapsed
            });
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let mut tally = Tally::default();
    bench_cycle(&mut c, &mut tally, "cycle_1q", ONE_QUEUE);
    bench_cycle(&mut c, &mut tally, "cycle_20q", TWENTY_QUEUES);
    bench_ready_offer(&mut c, &mut tally);
    bench_idle(&mut c, &mut tally);
    c.final_summary();
    // Criterion's own rule: without `--bench`, or with `--test`, each routine ran once.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test") {
        tally.print();
    }
}
