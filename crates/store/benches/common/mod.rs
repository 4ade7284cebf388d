//! What the durable-throughput benchmarks share (`durable.rs` for SQLite, `durable_pg.rs` for
//! PostgreSQL): the workload — a contact centre played against the real engine on a virtual
//! clock, every event and command kept — the journal row as the stores serialize it, and the
//! statistics of the tables. Included by each bench as `mod common;`.

#![allow(dead_code)] // each bench uses its own part of it

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use switchboard_core::command::ConnectorEvent;
use switchboard_core::config::{Disposition, QueueConfig, StationConfig};
use switchboard_core::model::{DeliveryFailure, SelectableState};
use switchboard_core::{
    AgentConfig, AgentId, Channel, Command, ContactId, Engine, Event, EventRecord, OfferId, Output,
    QueueId, Timestamp,
};

pub const AGENTS: usize = 100;
/// Contacts generated in all.
pub const CONTACTS: usize = 24_000;
/// Contacts whose events belong to the untimed prefix (with the configuration and logins).
pub const WARMUP_CONTACTS: usize = 2_000;
/// Events per transaction in the untimed prefix.
pub const WARMUP_BATCH: usize = 512;
/// 2026-03-02 08:00:00 UTC.
pub const START_MS: i64 = 1_772_438_400_000;

// ------------------------------------------------------------------------------ workload

/// SplitMix64: a tiny deterministic generator (the workload must be the same in every run).
pub struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn exp_ms(&mut self, mean_s: f64) -> i64 {
        (-mean_s * (1.0 - self.unit()).ln() * 1000.0) as i64 + 1
    }
    fn uniform_ms(&mut self, low_s: f64, high_s: f64) -> i64 {
        ((low_s + (high_s - low_s) * self.unit()) * 1000.0) as i64 + 1
    }
}

/// Something the simulated people or connector will do at a time.
enum Action {
    Arrival,
    Accept(OfferId),
    Refuse(OfferId),
    LegFailed(OfferId),
    LegLinked(OfferId),
    Abandon(ContactId),
    End(AgentId, ContactId),
    Complete(AgentId, ContactId, bool),
    SetState(AgentId, SelectableState),
}

/// The commands the engine accepted, with their times and the events each produced.
pub struct Workload {
    pub commands: Vec<(Timestamp, Command)>,
    /// Events of each command (same index as `commands`).
    pub events: Vec<Vec<EventRecord>>,
    /// Commands `..warmup` are the untimed prefix.
    pub warmup: usize,
}

/// The simulated people and connector: an agenda of timed actions.
struct Agenda {
    rng: Rng,
    queue: BinaryHeap<Reverse<(i64, u64)>>,
    actions: BTreeMap<u64, Action>,
    next_action: u64,
    /// Contacts that reached an agent (they are not abandoned any more).
    connected: BTreeSet<ContactId>,
    voice: BTreeSet<ContactId>,
}

impl Agenda {
    fn schedule(&mut self, at: i64, action: Action) {
        self.queue.push(Reverse((at, self.next_action)));
        self.actions.insert(self.next_action, action);
        self.next_action += 1;
    }

    /// Runs `command`; if the engine accepts it, keeps it with its events and reacts to them.
    fn exec(&mut self, now: i64, command: Command, engine: &mut Engine, workload: &mut Workload) {
        let at = Timestamp(now);
        let is_voice_arrival = matches!(
            command,
            Command::CreateContact {
                channel: Channel::Voice,
                ..
            }
        );
        let kept = command.clone();
        let Ok(receipt) = engine.handle_command(at, command) else {
            return; // not part of the workload
        };
        if is_voice_arrival {
            let contact = receipt.contact.expect("a new contact");
            self.voice.insert(contact);
            let patience = self.rng.exp_ms(300.0);
            self.schedule(now + patience, Action::Abandon(contact));
        }
        let mut events = Vec::new();
        while let Some(output) = engine.poll_output() {
            let Output::Event(record) = output else {
                continue;
            };
            self.react(now, &record.event);
            events.push(record);
        }
        workload.commands.push((at, kept));
        workload.events.push(events);
    }

    fn react(&mut self, now: i64, event: &Event) {
        match event {
            Event::OfferCreated { offer, .. } => {
                let r = self.rng.unit();
                if r < 0.06 {
                    let at = now + self.rng.uniform_ms(2.0, 8.0);
                    self.schedule(at, Action::Refuse(*offer));
                } else if r < 0.09 {
                    let at = now + self.rng.uniform_ms(1.0, 3.0);
                    self.schedule(at, Action::LegFailed(*offer));
                } else if r < 0.11 {
                    // Nobody answers: the engine's offer timer refuses with NoAnswer.
                } else {
                    let at = now + self.rng.uniform_ms(1.0, 6.0);
                    self.schedule(at, Action::Accept(*offer));
                }
            }
            Event::OfferAccepted {
                offer,
                link_deadline: Some(_),
            } => {
                let at = now + self.rng.uniform_ms(0.3, 1.5);
                self.schedule(at, Action::LegLinked(*offer));
            }
            Event::OfferRefused { agent, .. } => {
                let at = now + self.rng.uniform_ms(5.0, 30.0);
                self.schedule(at, Action::SetState(agent.clone(), SelectableState::Ready));
            }
            Event::ContactConnected { contact, agent, .. } => {
                self.connected.insert(*contact);
                let mean = if self.voice.contains(contact) {
                    180.0
                } else {
                    240.0
                };
                let at = now + self.rng.exp_ms(mean);
                self.schedule(at, Action::End(agent.clone(), *contact));
            }
            Event::WrapUpStarted {
                contact,
                agent,
                detached: false,
                ..
            } => {
                let at = now + self.rng.uniform_ms(5.0, 40.0);
                let sale = self.rng.unit() < 0.3;
                self.schedule(at, Action::Complete(agent.clone(), *contact, sale));
            }
            Event::WrapUpCompleted { agent, .. } if self.rng.unit() < 0.03 => {
                let at = now + self.rng.uniform_ms(1.0, 5.0);
                self.schedule(at, Action::SetState(agent.clone(), SelectableState::Break));
                let back = at + self.rng.uniform_ms(300.0, 900.0);
                self.schedule(
                    back,
                    Action::SetState(agent.clone(), SelectableState::Ready),
                );
            }
            _ => {}
        }
    }
}

pub fn generate() -> Workload {
    let mut engine = Engine::default();
    let mut agenda = Agenda {
        rng: Rng(42),
        queue: BinaryHeap::new(),
        actions: BTreeMap::new(),
        next_action: 0,
        connected: BTreeSet::new(),
        voice: BTreeSet::new(),
    };
    let mut workload = Workload {
        commands: Vec::new(),
        events: Vec::new(),
        warmup: 0,
    };
    let mut now = START_MS;
    let mut setup = Vec::new();
    let dispositions = vec![
        disposition("sale", "Sale", "Eladás", true),
        disposition("no-sale", "No sale", "Nincs eladás", false),
        disposition("info", "Information", "Információ", false),
    ];
    for (id, channel) in [("sales", Channel::Voice), ("support", Channel::Chat)] {
        let mut queue = QueueConfig::new(id, channel);
        queue.name = Some(format!("{id} queue"));
        queue.dispositions = dispositions.clone();
        queue.wrap_up_limit_ms = Some(120_000);
        setup.push(Command::ConfigureQueue(Box::new(queue)));
    }
    for i in 0..AGENTS {
        setup.push(Command::ConfigureStation(StationConfig::new(
            &format!("st-{i:03}"),
            &format!("+3612{i:05}"),
        )));
        let mut agent = AgentConfig::new(
            &format!("agent-{i:03}"),
            &format!("Agent Number {i}"),
            &["sales", "support"],
        );
        agent.team = Some(format!("team-{}", i % 5));
        setup.push(Command::ConfigureAgent(agent));
    }
    for i in 0..AGENTS {
        setup.push(Command::Login {
            agent: AgentId::new(&format!("agent-{i:03}")),
            station: format!("st-{i:03}").as_str().into(),
            state: None,
        });
    }
    for command in setup {
        now += 10;
        agenda.exec(now, command, &mut engine, &mut workload);
    }
    agenda.schedule(now + 1_000, Action::Arrival);
    // 100 agents, about 200 s per contact (handle + wrap-up): ~0.5 contacts/s at full load.
    let arrivals_per_second = 0.47;
    let mut arrivals = 0usize;
    while let Some(Reverse((at, id))) = agenda.queue.pop() {
        now = at.max(now);
        let action = agenda.actions.remove(&id).expect("scheduled action");
        let command = match action {
            Action::Arrival => {
                arrivals += 1;
                if arrivals == WARMUP_CONTACTS {
                    workload.warmup = workload.commands.len();
                }
                if arrivals < CONTACTS {
                    let next = now + agenda.rng.exp_ms(1.0 / arrivals_per_second);
                    agenda.schedule(next, Action::Arrival);
                }
                let chat = agenda.rng.unit() < 0.2;
                let mut attributes = BTreeMap::new();
                attributes.insert("language".to_string(), "hu".to_string());
                Command::CreateContact {
                    channel: if chat { Channel::Chat } else { Channel::Voice },
                    queue: QueueId::new(if chat { "support" } else { "sales" }),
                    from: format!("+3630{:07}", agenda.rng.next_u64() % 10_000_000).into(),
                    priority: 0,
                    attributes,
                }
            }
            Action::Accept(offer) => Command::Accept { offer },
            Action::Refuse(offer) => Command::Refuse {
                offer,
                decline_reason: None,
            },
            Action::LegFailed(offer) => Command::Connector(ConnectorEvent::LegFailed {
                offer,
                reason: DeliveryFailure::Busy,
                cause_code: Some("17".to_string()),
            }),
            Action::LegLinked(offer) => Command::Connector(ConnectorEvent::LegLinked { offer }),
            Action::Abandon(contact) => {
                if agenda.connected.contains(&contact) {
                    continue;
                }
                Command::Abandon { contact }
            }
            Action::End(agent, contact) => Command::End { agent, contact },
            Action::Complete(agent, contact, sale) => Command::Complete {
                agent,
                contact,
                disposition: Some(if sale { "sale" } else { "no-sale" }.to_string()),
            },
            Action::SetState(agent, state) => Command::SetState {
                agent,
                state,
                reason: None,
            },
        };
        agenda.exec(now, command, &mut engine, &mut workload);
    }
    assert!(workload.warmup > 0);
    workload
}

fn disposition(code: &str, en: &str, hu: &str, success: bool) -> Disposition {
    Disposition {
        code: code.to_string(),
        label_en: en.to_string(),
        label_hu: hu.to_string(),
        success,
        callback: false,
        no_interest: false,
        do_not_call: false,
    }
}

// ------------------------------------------------------------------------------ rows

/// A journal row, serialized as `Store::append` (and `DomainWriter::append`) writes it.
pub struct Row {
    pub seq: i64,
    pub at: i64,
    pub kind: &'static str,
    pub contact: Option<i64>,
    pub agent: Option<String>,
    pub payload: String,
}

pub fn row(seq: i64, record: &EventRecord) -> Row {
    Row {
        seq,
        at: record.at.0,
        kind: record.event.kind(),
        contact: record.event.contact().map(|c| c.0 as i64),
        agent: record.event.agent().map(|a| a.as_str().to_owned()),
        payload: serde_json::to_string(&record.event).expect("serialize"),
    }
}

/// `median (min–max)` of per-round ratios, the median in bold.
pub fn ratio_cell(values: &[f64]) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(0.0, f64::max);
    format!("**{:.2}** ({min:.2}–{max:.2})", median(values))
}

pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The workload laid out for the benches: every event in order with its journal row, the
/// commands with how many events each made, and where the untimed prefix ends.
pub struct Flat {
    pub commands: Vec<(Timestamp, Command)>,
    /// Events of each command, in order (same index as `commands`).
    pub per_command: Vec<usize>,
    /// Commands `..warmup_commands` are the untimed prefix.
    pub warmup_commands: usize,
    pub events: Vec<EventRecord>,
    /// `events` as journal rows, numbered from 1.
    pub rows: Vec<Row>,
    /// Events `..prefix_len` are the untimed prefix.
    pub prefix_len: usize,
}

/// Generates the workload (`generate`) and lays it out.
pub fn flat_workload() -> Flat {
    let workload = generate();
    let prefix_len: usize = workload.events[..workload.warmup]
        .iter()
        .map(Vec::len)
        .sum();
    let per_command: Vec<usize> = workload.events.iter().map(Vec::len).collect();
    let events: Vec<EventRecord> = workload.events.into_iter().flatten().collect();
    let rows: Vec<Row> = events
        .iter()
        .enumerate()
        .map(|(i, record)| row(i as i64 + 1, record))
        .collect();
    Flat {
        commands: workload.commands,
        per_command,
        warmup_commands: workload.warmup,
        events,
        rows,
        prefix_len,
    }
}
