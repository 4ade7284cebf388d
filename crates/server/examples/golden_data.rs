//! Writes the golden data directory of `crates/server/tests/golden/` (see the README there).
//! It was run ONCE; its output is committed and must never be regenerated: the golden test
//! loads those bytes forever, so a change of the journal's or the snapshot's format shows up
//! as a failing test and needs a migration, not new fixtures.
//!
//! Usage: `cargo run -p switchboard-server --example golden_data -- <new dir>`; it writes
//! `<dir>/switchboard.db` and `<dir>/state.txt`.
//!
//! What it writes, the way the server would:
//! 1. the simulator plays `scenario.toml` (half an hour of voice with callbacks and chat) on
//!    the real engine; its events are appended in batches, as the driver commits them;
//! 2. half-way, a snapshot of the engine replayed up to there (`driver::save_snapshot`, the
//!    server's own function), so loading the directory reads a snapshot and a journal tail;
//! 3. then a scripted tail on the engine for what the simulator does not play (email
//!    sessions parked, held, unparked, suspended and resumed; callbacks created, previewed,
//!    dialed, set, expired, reserved; forced and pending states; the do-not-call list; a
//!    queue emergency; removals);
//! 4. `state.txt`: the loaded engine's dump and the shift counters, what the test compares.

use std::path::{Path, PathBuf};
use switchboard_core::callback::{CallbackSettings, CompletionStatus, DialOutcome};
use switchboard_core::model::{AnsweredBy, QueueEmergency, SelectableState};
use switchboard_core::{
    AgentConfig, AgentId, Channel, Command, ConnectorEvent, ContactId, Engine, EventRecord,
    OfferId, Output, QueueConfig, QueueId, Receipt, StationConfig, StationId, Timestamp,
};
use switchboard_server::driver::{self, SNAPSHOT_FORMAT};
use switchboard_server::shift::Shifts;
use switchboard_sim::run::{Options, Simulation};
use switchboard_sim::scenario::Scenario;
use switchboard_store::{Durability, Store};

/// Events per append, about what the driver commits at a time under light load.
const BATCH: usize = 16;

fn main() {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .expect("usage: golden_data <new dir>")
        .into();
    assert!(!dir.join("switchboard.db").exists(), "give a new directory");
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/scenario.toml");
    let text = std::fs::read_to_string(&here).expect("scenario.toml");
    let scenario = Scenario::parse("scenario.toml", &text).expect("scenario");
    let mut simulation = Simulation::new(scenario, None, Options::default()).expect("sim");
    let records = std::rc::Rc::new(std::cell::RefCell::new(Vec::<EventRecord>::new()));
    let sink = records.clone();
    simulation.journal_to(Box::new(move |record| {
        sink.borrow_mut().push(record.clone())
    }));
    simulation.run(|_, _| {}).expect("simulation");
    let records = records.take();

    let mut store = Store::open(&dir, Durability::Full).expect("store");
    let shifts = Shifts::default();
    let half = records.len() / 2 / BATCH * BATCH;
    for chunk in records.chunks(BATCH) {
        append(&mut store, &shifts, chunk);
        if store.last_seq() == half as u64 {
            let mut engine = Engine::default();
            engine.replay(&records[..half]);
            driver::save_snapshot(&mut store, &engine, &shifts, half as u64).expect("snapshot");
        }
    }

    let mut engine = Engine::default();
    engine.replay(&records);
    let mut tail = Tail {
        now: engine.now().0 + 60_000,
        engine,
        store: &mut store,
        shifts: &shifts,
    };
    tail.run();

    let loaded = Shifts::default();
    let engine = driver::load_engine(&store, &loaded).expect("load");
    let snapshot = store.latest_snapshot(SNAPSHOT_FORMAT).unwrap().unwrap();
    let state = format!(
        "snapshot at {} of {} entries\n{}--- shifts ---\n{}\n",
        snapshot.seq,
        store.last_seq(),
        engine.dump(),
        serde_json::to_string_pretty(&loaded.to_json()).unwrap()
    );
    store.connection().execute_batch("VACUUM").expect("vacuum");
    drop(store);
    std::fs::write(dir.join("state.txt"), state).expect("state.txt");
}

fn append(store: &mut Store, shifts: &Shifts, records: &[EventRecord]) {
    store.append(records).expect("append");
    records.iter().for_each(|r| shifts.apply(r));
}

/// The scripted tail: the live engine after the simulated traffic, one command at a time.
struct Tail<'a> {
    engine: Engine,
    store: &'a mut Store,
    shifts: &'a Shifts,
    now: i64,
}

fn a(id: &str) -> AgentId {
    AgentId::new(id)
}

fn q(id: &str) -> QueueId {
    QueueId::new(id)
}

impl Tail<'_> {
    /// Let `seconds` pass, firing due timers each at its own time, then run `command`, which
    /// must be accepted; commits what it emitted.
    fn run_after(&mut self, seconds: i64, command: Command) -> Receipt {
        self.wait(seconds);
        let receipt = self
            .engine
            .handle_command(Timestamp(self.now), command.clone())
            .unwrap_or_else(|r| panic!("{command:?} refused: {r}"));
        self.commit();
        receipt
    }

    fn wait(&mut self, seconds: i64) {
        let until = self.now + seconds * 1_000;
        while let Some(at) = self.engine.poll_timeout().filter(|at| at.0 <= until) {
            self.engine.handle_timeout(at);
            self.commit();
        }
        self.now = until;
    }

    fn commit(&mut self) {
        let mut events = Vec::new();
        while let Some(output) = self.engine.poll_output() {
            if let Output::Event(record) = output {
                events.push(record);
            }
        }
        append(self.store, self.shifts, &events);
    }

    fn offer_of(&self, agent: &str) -> OfferId {
        self.engine
            .agent_offer(&a(agent))
            .unwrap_or_else(|| panic!("{agent} has no offer"))
    }

    /// b1 ends the conversation on `contact` after `seconds` and completes the wrap-up 5 s
    /// later, without a disposition.
    fn b1_ends_and_completes(&mut self, contact: ContactId, seconds: i64) {
        let end = Command::End {
            agent: a("b1"),
            contact,
        };
        self.run_after(seconds, end);
        let complete = Command::Complete {
            agent: a("b1"),
            contact,
            disposition: None,
        };
        self.run_after(5, complete);
    }

    fn run(&mut self) {
        let mail = QueueConfig::new("mail", Channel::Email);
        let mut calls = QueueConfig::new("calls", Channel::Callback);
        calls.preview = true;
        calls.callbacks = Some(CallbackSettings {
            max_age_ms: Some(600_000),
            reserved_fallback_ms: 120_000,
            ..CallbackSettings::default()
        });
        let config = [
            Command::ConfigureQueue(Box::new(mail)),
            Command::ConfigureQueue(Box::new(calls)),
            Command::ConfigureQueue(Box::new(QueueConfig::new("direct", Channel::Voice))),
            Command::ConfigureStation(StationConfig::new("g1", "+3619001")),
            Command::ConfigureStation(StationConfig::new("g2", "+3619002")),
            Command::ConfigureAgent(AgentConfig::new(
                "b1",
                "Bea Kiss",
                &["mail", "calls", "direct"],
            )),
            Command::ConfigureAgent(AgentConfig::new("b2", "Bálint Nagy", &["calls"])),
        ];
        for command in config {
            self.run_after(0, command);
        }
        let login = |agent: &str, station: &str| Command::Login {
            agent: a(agent),
            station: StationId::new(station),
            state: Some(SelectableState::Ready),
        };
        // Break ends in a time-out after 30 minutes.
        let mut settings = self.engine.settings().clone();
        settings.unavailable_timeout_ms = Some(30 * 60_000);
        self.run_after(0, Command::ConfigureSettings(settings));
        self.run_after(1, login("b1", "g1"));

        // A voice call accepted, linked, ended and completed.
        let call = Command::CreateContact {
            channel: Channel::Voice,
            queue: q("direct"),
            from: "+36201234567".into(),
            priority: 0,
            attributes: Default::default(),
        };
        let call = self.run_after(1, call).contact.unwrap();
        let offer = self.offer_of("b1");
        self.run_after(2, Command::Accept { offer });
        self.run_after(1, Command::Connector(ConnectorEvent::LegLinked { offer }));
        self.b1_ends_and_completes(call, 60);

        // An email session: accepted, parked; the customer writes again (held); unparked,
        // accepted again and suspended; the customer's next message resumes it.
        let email = || Command::CreateContact {
            channel: Channel::Email,
            queue: q("mail"),
            from: "mailto:anna@example.com".into(),
            priority: 0,
            attributes: Default::default(),
        };
        let first = self.run_after(1, email()).contact.unwrap();
        let offer = self.offer_of("b1");
        self.run_after(2, Command::Accept { offer });
        self.run_after(
            30,
            Command::Park {
                agent: a("b1"),
                contact: first,
            },
        );
        self.run_after(5, email());
        let again = self
            .run_after(
                5,
                Command::Unpark {
                    contact: first,
                    agent: Some(a("b1")),
                },
            )
            .contact
            .unwrap();
        let offer = self.offer_of("b1");
        self.run_after(2, Command::Accept { offer });
        self.run_after(
            20,
            Command::Suspend {
                agent: a("b1"),
                contact: again,
                disposition: None,
            },
        );
        self.wait(5);
        // Every contact the unpark queued (the parked one and the one held) is worked off.
        while let Some(offer) = self.engine.agent_offer(&a("b1")) {
            let contact = self.engine.offer_view(offer).unwrap().contact;
            self.run_after(1, Command::Accept { offer });
            self.run_after(
                10,
                Command::Suspend {
                    agent: a("b1"),
                    contact,
                    disposition: None,
                },
            );
        }
        self.run_after(60, email());
        let offer = self.offer_of("b1");
        let resumed = self.engine.offer_view(offer).unwrap().contact;
        self.run_after(2, Command::Accept { offer });
        self.b1_ends_and_completes(resumed, 10);

        // A callback previewed, its status set, dialed, answered by a machine.
        let callback = Command::CreateCallback {
            queue: q("calls"),
            destination: "+36301234567".into(),
            due: None,
            window_end: None,
            agent: None,
        };
        let cb = self.run_after(5, callback).contact.unwrap();
        let offer = self.offer_of("b1");
        self.run_after(2, Command::Accept { offer });
        self.run_after(
            3,
            Command::StartDial {
                agent: a("b1"),
                contact: cb,
            },
        );
        let outcome = ConnectorEvent::DialOutcome {
            contact: cb,
            outcome: DialOutcome::AnsweringMachine,
            cause_code: Some("200".into()),
        };
        self.run_after(8, Command::Connector(outcome));
        let status = CompletionStatus::AnsweringMachine;
        self.run_after(
            5,
            Command::SetCompletion {
                agent: a("b1"),
                contact: cb,
                status,
            },
        );
        self.b1_ends_and_completes(cb, 5);

        // A callback due later (Pending), reserved for b2 who is not there (the reservation
        // ends), and one left to expire.
        let later = Command::CreateCallback {
            queue: q("calls"),
            destination: "+36301112222".into(),
            due: Some(Timestamp(self.now + 300_000)),
            window_end: None,
            agent: Some(a("b2")),
        };
        self.run_after(1, later);
        self.run_after(
            1,
            Command::SetState {
                agent: a("b1"),
                state: SelectableState::Break,
                reason: None,
            },
        );
        let expiring = Command::CreateCallback {
            queue: q("calls"),
            destination: "+36303334444".into(),
            due: None,
            window_end: Some(Timestamp(self.now + 120_000)),
            agent: None,
        };
        self.run_after(1, expiring);
        // The expiring callback expires; b1's Break times out.
        self.wait(31 * 60);

        // The time-out logged b1 out. Back in Break; a supervisor forces b1 Ready and,
        // while b1 is on an outbound call, Offline (pending until the call completes).
        let force = |state| Command::ForceState {
            agent: a("b1"),
            state,
            reason: None,
            by: "key 2 (golden desk)".into(),
        };
        let login_on_break = Command::Login {
            agent: a("b1"),
            station: StationId::new("g1"),
            state: Some(SelectableState::Break),
        };
        self.run_after(1, login_on_break);
        self.run_after(1, force(SelectableState::Ready));
        let dial = Command::Dial {
            agent: a("b1"),
            destination: "+36305556666".into(),
            queue: Some(q("direct")),
        };
        self.run_after(
            1,
            Command::SetState {
                agent: a("b1"),
                state: SelectableState::OutgoingInteractions,
                reason: None,
            },
        );
        let out = self.run_after(1, dial).contact.unwrap();
        let answered = ConnectorEvent::Answered {
            contact: out,
            by: AnsweredBy::Live,
        };
        self.run_after(4, Command::Connector(answered));
        self.run_after(1, force(SelectableState::Offline));
        self.b1_ends_and_completes(out, 30);

        // The do-not-call list, an emergency on the mail queue, and removals.
        let numbers = vec!["+36307778888".into(), "+36309990000".into()];
        self.run_after(1, Command::AddDoNotCall { numbers });
        self.run_after(
            1,
            Command::RemoveDoNotCall {
                number: "+36307778888".into(),
            },
        );
        let emergency = QueueEmergency {
            message: Some("Closed for the golden test".into()),
            set_by: Some("golden (admin)".into()),
        };
        self.run_after(
            1,
            Command::SetQueueEmergency {
                queue: q("mail"),
                emergency: Some(emergency),
            },
        );
        self.run_after(
            1,
            Command::SetQueueEmergency {
                queue: q("mail"),
                emergency: None,
            },
        );
        // The mail queue goes; the reserved callback comes due and its reservation ends; b2
        // and its station go.
        let b1 = AgentConfig::new("b1", "Bea Kiss", &["calls", "direct"]);
        self.run_after(1, Command::ConfigureAgent(b1));
        self.run_after(1, Command::RemoveQueue { queue: q("mail") });
        self.wait(3_600);
        self.run_after(1, Command::RemoveAgent { agent: a("b2") });
        self.run_after(
            1,
            Command::RemoveStation {
                station: StationId::new("g2"),
            },
        );
    }
}
