//! The steps of a case: how far the clock moves, and the command (of every kind) or the
//! agent's next move of its work that follows. Commands aim at literal ids here and are
//! retargeted at something live when the step runs (`targeting`).

use proptest::prelude::*;
use proptest::strategy::Union;
use std::collections::BTreeMap;
use strum::VariantArray;
use switchboard_core::callback::{CompletionStatus, DialOutcome};
use switchboard_core::model::{
    AgentStatus, AnsweredBy, DeliveryFailure, EndedBy, HangupReason, QueueEmergency,
    SelectableState,
};
use switchboard_core::{
    AgentId, Channel, Command, ConnectorEvent, ContactId, OfferId, QueueId, StationId, Timestamp,
    TransferTarget,
};

use crate::world::*;

pub const SELECTABLE: [SelectableState; 9] = [
    SelectableState::Offline,
    SelectableState::Ready,
    SelectableState::Break,
    SelectableState::BackOffice,
    SelectableState::OutgoingInteractions,
    SelectableState::WaitingForBackOffice,
    SelectableState::WaitingForBreak,
    SelectableState::WaitingForOutgoingInteractions,
    SelectableState::WaitingForOffline,
];

pub const AGENT_STATUSES: [AgentStatus; 5] = [
    AgentStatus::MissedCallAgent,
    AgentStatus::DeclinedByAgent,
    AgentStatus::FailedConnectAgent,
    AgentStatus::FailedConnectCustomer,
    AgentStatus::MissedCallStatus,
];

/// Aim a command at something live when the step runs: the k-th (mod count) live offer,
/// open contact, agent or agent assignment, preferring those in a state the command suits.
#[derive(Debug, Clone, Copy)]
pub enum Live {
    /// An offline agent at a free station (Login).
    Login(usize),
    /// A logged-in agent (SetState, Logout, Dial).
    Agent(usize),
    Offer(usize),
    Contact(usize),
    Holding(usize),
    /// An open callback (send to queue, purge).
    Callback(usize),
    /// A queue that takes callbacks.
    CallbackQueue(usize),
    /// A parked session (unpark).
    Parked(usize),
}

// Test-only values, built once per step: boxing the command would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Action {
    /// Only let time pass (due timers fire).
    Advance,
    Run(Command, Option<Live>),
    /// The k-th agent (mod count) moves its work on, `choice` picking how (see [`work`]).
    Work {
        k: usize,
        choice: u8,
    },
}

#[derive(Debug, Clone)]
pub struct Step {
    /// How far the clock moves before the action, in ms.
    pub dt_ms: u64,
    pub action: Action,
}

pub fn dt() -> impl Strategy<Value = u64> {
    prop_oneof![
        50 => 0u64..=1_000,
        30 => 1_000u64..=10_000,
        10 => 10_000u64..=70_000,
        // Now and then hours pass: callback schedules and shifts flip.
        1 => 600_000u64..=26 * 3_600_000,
    ]
}

/// A time relative to the step's clock (commands are rebased when they run): mostly soon,
/// sometimes just past (rejected where the past is not allowed), hours or days ahead, or
/// more than a year ahead (rejected).
pub fn later() -> BoxedStrategy<i64> {
    prop_oneof![
        2 => -5_000i64..=0,
        10 => 1i64..=120_000,
        2 => 120_000i64..=2 * HOUR_MS,
        1 => 24 * HOUR_MS..=72 * HOUR_MS,
        1 => Just(400 * 24 * HOUR_MS),
    ]
    .boxed()
}

pub fn window_end() -> BoxedStrategy<Option<Timestamp>> {
    prop::option::weighted(0.25, (-10_000i64..=4 * HOUR_MS).prop_map(Timestamp)).boxed()
}

pub fn completion_status(n: usize) -> BoxedStrategy<CompletionStatus> {
    prop_oneof![
        3 => Just(CompletionStatus::Handled),
        2 => Just(CompletionStatus::AnsweringMachine),
        2 => Just(CompletionStatus::NoAnswer),
        2 => Just(CompletionStatus::Cancel),
        1 => Just(CompletionStatus::WrongDestination),
        2 => prop::sample::select(vec![
            CompletionStatus::Busy,
            CompletionStatus::Fax,
            CompletionStatus::Modem,
            CompletionStatus::Sit,
            CompletionStatus::InvalidNumber,
            CompletionStatus::WrongParty,
        ]),
        2 => (later(), prop::option::weighted(0.4, agent_id(n))).prop_map(|(due, agent)| {
            CompletionStatus::CallbackRequested {
                due: Timestamp(due),
                agent,
            }
        }),
    ]
    .boxed()
}

/// Generated times are relative to the clock; make them absolute at `now`.
pub fn rebase(command: &mut Command, now: Timestamp) {
    let shift = |t: &mut Timestamp| *t = Timestamp(t.millis().saturating_add(now.millis()));
    match command {
        Command::CreateCallback {
            due, window_end, ..
        } => {
            due.iter_mut().for_each(shift);
            window_end.iter_mut().for_each(shift);
        }
        Command::ScheduleCallback {
            due, window_end, ..
        } => {
            shift(due);
            window_end.iter_mut().for_each(shift);
        }
        Command::SetCompletion {
            status: CompletionStatus::CallbackRequested { due, .. },
            ..
        } => shift(due),
        _ => {}
    }
}

pub fn agent_id(n: usize) -> BoxedStrategy<AgentId> {
    prop_oneof![
        19 => (0..n).prop_map(|i| AgentId::new(&format!("a{i}"))),
        1 => Just(AgentId::new("ghost")),
    ]
    .boxed()
}

pub fn queue_id(m: usize) -> BoxedStrategy<QueueId> {
    prop_oneof![
        19 => (0..m).prop_map(|i| QueueId::new(&format!("q{i}"))),
        1 => Just(QueueId::new("nowhere")),
    ]
    .boxed()
}

pub fn station_id(s: usize) -> BoxedStrategy<StationId> {
    prop_oneof![
        19 => (0..s).prop_map(|i| StationId::new(&format!("s{i}"))),
        1 => Just(StationId::new("nowhere")),
    ]
    .boxed()
}

pub fn offer_lit() -> BoxedStrategy<OfferId> {
    (1u64..40).prop_map(OfferId).boxed()
}

pub fn contact_lit() -> BoxedStrategy<ContactId> {
    (1u64..30).prop_map(ContactId).boxed()
}

/// Any selectable state, Ready most often (agents that never return to Ready see no work).
pub fn selectable() -> impl Strategy<Value = SelectableState> {
    prop_oneof![
        3 => Just(SelectableState::Ready),
        2 => prop::sample::select(SELECTABLE.to_vec()),
    ]
}

pub fn cause() -> impl Strategy<Value = Option<String>> {
    prop::sample::select(vec![None, Some("486".to_string()), Some(String::new())])
}

pub fn reason() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        12 => Just(None),
        2 => Just(Some("Lunch".to_string())),
        1 => Just(Some("Training".to_string())),
        1 => Just(Some("Bogus".to_string())),
    ]
}

/// A command with a 75 % chance of being aimed at something live.
pub fn aimed(
    command: impl Strategy<Value = Command> + 'static,
    live: fn(usize) -> Live,
) -> BoxedStrategy<Action> {
    (command, prop::option::weighted(0.75, 0..64usize))
        .prop_map(move |(c, k)| Action::Run(c, k.map(live)))
        .boxed()
}

/// A weighted arm: a command on one target drawn by `target`, aimed at something live.
pub fn on<T: std::fmt::Debug + 'static>(
    weight: u32,
    target: impl Strategy<Value = T> + 'static,
    command: fn(T) -> Command,
    live: fn(usize) -> Live,
) -> (u32, BoxedStrategy<Action>) {
    (weight, aimed(target.prop_map(command), live))
}

pub fn plain(command: impl Strategy<Value = Command> + 'static) -> BoxedStrategy<Action> {
    command.prop_map(|c| Action::Run(c, None)).boxed()
}

pub fn action(ctx: &Ctx) -> BoxedStrategy<Action> {
    let (n, m, s) = (ctx.agents, ctx.queues, ctx.stations);
    let agent = move || agent_id(n);
    let queue = move || queue_id(m);
    let station = move || station_id(s);
    let holding = move || (agent_id(n), contact_lit());
    // An agent's command on a contact it holds, aimed at a live assignment.
    let held = move |weight: u32, command: fn((AgentId, ContactId)) -> Command| {
        on(weight, holding(), command, Live::Holding)
    };
    let channels = ctx.channels.clone();
    let admin_channels = ctx.channels.clone();

    let mut arms: Vec<(u32, BoxedStrategy<Action>)> = vec![
        (6, Just(Action::Advance).boxed()),
        (
            20,
            (0..64usize, any::<u8>())
                .prop_map(|(k, choice)| Action::Work { k, choice })
                .boxed(),
        ),
        on(
            5,
            (
                agent(),
                station(),
                prop::option::weighted(0.5, selectable()),
            ),
            |(agent, station, state)| Command::Login {
                agent,
                station,
                state,
            },
            Live::Login,
        ),
        on(1, agent(), |agent| Command::Logout { agent }, Live::Agent),
        on(
            8,
            (agent(), selectable(), reason()),
            |(agent, state, reason)| Command::SetState {
                agent,
                state,
                reason,
            },
            Live::Agent,
        ),
        on(
            2,
            (agent(), selectable(), reason()),
            |(agent, state, reason)| Command::ForceState {
                agent,
                state,
                reason,
                by: "night desk (supervisor, key 2)".into(),
            },
            Live::Agent,
        ),
        on(
            14,
            offer_lit(),
            |offer| Command::Accept { offer },
            Live::Offer,
        ),
        on(
            3,
            offer_lit(),
            |offer| Command::Refuse {
                offer,
                decline_reason: None,
            },
            Live::Offer,
        ),
        held(2, |(agent, contact)| Command::Hold { agent, contact }),
        held(2, |(agent, contact)| Command::Resume { agent, contact }),
        held(2, |(agent, contact)| Command::Consult { agent, contact }),
        held(2, |(agent, contact)| Command::Conference { agent, contact }),
        held(2, |(agent, contact)| Command::StartDial { agent, contact }),
        held(6, |(agent, contact)| Command::End { agent, contact }),
        on(
            2,
            (
                holding(),
                prop_oneof![
                    3 => Just(None),
                    1 => Just(Some("sale".to_string())),
                    1 => Just(Some("bogus".to_string())),
                ],
            ),
            |((agent, contact), disposition)| Command::Suspend {
                agent,
                contact,
                disposition,
            },
            Live::Holding,
        ),
        held(2, |(agent, contact)| Command::Park { agent, contact }),
        on(
            2,
            (contact_lit(), prop::option::weighted(0.5, agent())),
            |(contact, agent)| Command::Unpark { contact, agent },
            Live::Parked,
        ),
        on(
            6,
            (
                holding(),
                prop_oneof![
                    4 => Just(None),
                    2 => Just(Some("sale".to_string())),
                    1 => Just(Some("no_thanks".to_string())),
                    1 => Just(Some("call_later".to_string())),
                    1 => Just(Some("bogus".to_string())),
                ],
            ),
            |((agent, contact), disposition)| Command::Complete {
                agent,
                contact,
                disposition,
            },
            Live::Holding,
        ),
        on(
            3,
            (
                holding(),
                prop_oneof![
                    queue().prop_map(TransferTarget::Queue),
                    agent().prop_map(TransferTarget::Agent),
                ],
            ),
            |((agent, contact), target)| Command::Transfer {
                agent,
                contact,
                target,
            },
            Live::Holding,
        ),
        on(
            3,
            (
                agent(),
                prop::sample::select(vec!["+3615550", "+36 1 555 0101", ""]),
                prop::option::weighted(0.3, queue()),
            ),
            |(agent, destination, queue)| Command::Dial {
                agent,
                destination: destination.to_string(),
                queue,
            },
            Live::Agent,
        ),
        (
            12,
            plain(
                (
                    0..m,
                    prop::bool::weighted(0.1),
                    any_channel(),
                    prop::bool::weighted(0.05),
                    prop_oneof![10 => Just(0u16), 10 => 0u16..=1000, 1 => Just(1001u16)],
                    prop_oneof![
                        9 => prop::sample::select(vec!["+3611", "web:visitor"]),
                        1 => Just(""),
                    ],
                    prop::option::weighted(0.2, prop::sample::select(vec!["vip", "lang"])),
                )
                    .prop_map(
                        move |(q, mismatch, other, unknown, priority, from, attribute)| {
                            let channel = if mismatch { other } else { channels[q] };
                            let queue = if unknown {
                                QueueId::new("nowhere")
                            } else {
                                QueueId::new(&format!("q{q}"))
                            };
                            Command::CreateContact {
                                channel,
                                queue,
                                from: (*from).into(),
                                priority,
                                attributes: attribute
                                    .map(|k| BTreeMap::from([(k.to_string(), "1".to_string())]))
                                    .unwrap_or_default(),
                            }
                        },
                    ),
            ),
        ),
        on(
            1,
            contact_lit(),
            |contact| Command::Abandon { contact },
            Live::Contact,
        ),
        on(
            8,
            offer_lit(),
            |offer| Command::Connector(ConnectorEvent::LegLinked { offer }),
            Live::Offer,
        ),
        on(
            2,
            (
                offer_lit(),
                prop::sample::select(DeliveryFailure::VARIANTS.to_vec()),
                cause(),
            ),
            |(offer, reason, cause_code)| {
                Command::Connector(ConnectorEvent::LegFailed {
                    offer,
                    reason,
                    cause_code,
                })
            },
            Live::Offer,
        ),
        on(
            4,
            (
                contact_lit(),
                prop::sample::select(vec![AnsweredBy::Live, AnsweredBy::Machine]),
            ),
            |(contact, by)| Command::Connector(ConnectorEvent::Answered { contact, by }),
            Live::Contact,
        ),
        on(
            2,
            (contact_lit(), cause()),
            |(contact, cause_code)| {
                Command::Connector(ConnectorEvent::DialFailed {
                    contact,
                    cause_code,
                })
            },
            Live::Contact,
        ),
        on(
            3,
            (
                contact_lit(),
                prop::sample::select(DialOutcome::VARIANTS.to_vec()),
                cause(),
            ),
            |(contact, outcome, cause_code)| {
                Command::Connector(ConnectorEvent::DialOutcome {
                    contact,
                    outcome,
                    cause_code,
                })
            },
            Live::Contact,
        ),
        on(
            3,
            (
                contact_lit(),
                prop::sample::select(vec![HangupReason::Ended, HangupReason::Error]),
                any::<bool>(),
                prop::option::weighted(0.7, prop::sample::select(AGENT_STATUSES.to_vec())),
                cause(),
                prop::option::weighted(
                    0.6,
                    prop::sample::select(vec![EndedBy::Customer, EndedBy::Agent]),
                ),
            ),
            |(contact, reason, close_call_on_error, agent_status, cause_code, ended_by)| {
                Command::Connector(ConnectorEvent::Hangup {
                    contact,
                    reason,
                    close_call_on_error,
                    agent_status,
                    cause_code,
                    ended_by,
                })
            },
            Live::Contact,
        ),
        // --- callbacks (docs/callbacks.md) ---
        on(
            6,
            (
                queue(),
                prop_oneof![
                    9 => prop::sample::select(vec!["+3612", "+36 1 555 0102"]),
                    1 => Just(""),
                ],
                prop::option::weighted(0.5, later().prop_map(Timestamp)),
                window_end(),
                prop::option::weighted(0.25, agent()),
            ),
            |(queue, destination, due, window_end, agent)| Command::CreateCallback {
                queue,
                destination: destination.to_string(),
                due,
                window_end,
                agent,
            },
            Live::CallbackQueue,
        ),
        on(
            2,
            (
                contact_lit(),
                prop::option::weighted(0.3, Just("+3613".to_string())),
            ),
            |(contact, destination)| Command::ChooseCallback {
                contact,
                destination,
            },
            Live::Contact,
        ),
        on(
            2,
            (
                holding(),
                prop::option::weighted(0.2, queue()),
                later(),
                window_end(),
                any::<bool>(),
            ),
            |((agent, contact), queue, due, window_end, reserve)| Command::ScheduleCallback {
                agent,
                contact: Some(contact),
                destination: "+3614".to_string(),
                queue,
                due: Timestamp(due),
                window_end,
                reserve,
            },
            Live::Holding,
        ),
        on(
            1,
            (
                agent(),
                prop::option::weighted(0.3, queue()),
                later(),
                any::<bool>(),
            ),
            |(agent, queue, due, reserve)| Command::ScheduleCallback {
                agent,
                contact: None,
                destination: "+3615".to_string(),
                queue,
                due: Timestamp(due),
                window_end: None,
                reserve,
            },
            Live::Agent,
        ),
        on(
            7,
            (holding(), completion_status(n)),
            |((agent, contact), status)| Command::SetCompletion {
                agent,
                contact,
                status,
            },
            Live::Holding,
        ),
        on(
            2,
            contact_lit(),
            |contact| Command::SendCallbackToQueue { contact },
            Live::Callback,
        ),
        on(
            1,
            contact_lit(),
            |contact| Command::PurgeCallback { contact },
            Live::Callback,
        ),
        on(
            1,
            queue(),
            |queue| Command::StopCallbacks { queue },
            Live::CallbackQueue,
        ),
        on(
            2,
            queue(),
            |queue| Command::StartCallbacks { queue },
            Live::CallbackQueue,
        ),
        // --- the do-not-call list (issue 13): the callbacks' and dials' numbers ---
        (
            1,
            plain(
                prop::sample::subsequence(
                    vec!["+3612", "0036 1 555 0102", "+36 1 555 0101", "x"],
                    1..=2,
                )
                .prop_map(|numbers| Command::AddDoNotCall {
                    numbers: numbers.into_iter().map(String::from).collect(),
                }),
            ),
        ),
        (
            1,
            plain(
                prop::sample::select(vec!["+36 12", "+3615550102", "+3615550101"]).prop_map(
                    |number| Command::RemoveDoNotCall {
                        number: number.to_string(),
                    },
                ),
            ),
        ),
    ];
    if ctx.admin {
        let admin: Vec<(u32, BoxedStrategy<Action>)> = vec![
            (
                2,
                plain(
                    (
                        queue(),
                        prop::option::of(prop::option::of(prop::sample::select(vec![
                            "Flood",
                            "Power cut: we call you back",
                        ]))),
                    )
                        .prop_map(|(queue, emergency)| {
                            Command::SetQueueEmergency {
                                queue,
                                emergency: emergency.map(|message| QueueEmergency {
                                    message: message.map(str::to_string),
                                    set_by: Some("props (admin)".into()),
                                }),
                            }
                        }),
                ),
            ),
            (
                1,
                plain(settings(true).prop_map(Command::ConfigureSettings)),
            ),
            (
                1,
                plain((0..=m).prop_flat_map(move |j| {
                    // Reconfigure q{j} (mostly keeping its channel) or add a new queue q{m}.
                    let channel: BoxedStrategy<Channel> = match admin_channels.get(j) {
                        Some(c) => prop_oneof![4 => Just(*c), 1 => channel()].boxed(),
                        None => channel().boxed(),
                    };
                    queue_config(format!("q{j}"), channel)
                        .prop_map(|q| Command::ConfigureQueue(Box::new(q)))
                })),
            ),
            (
                1,
                plain(queue().prop_map(|queue| Command::RemoveQueue { queue })),
            ),
            (
                1,
                plain(
                    (
                        0..=n,
                        prop::collection::vec(0..=m, 0..=2),
                        prop::collection::vec(1u8..=10, 2),
                    )
                        .prop_map(|(i, mut qs, prof)| {
                            qs.dedup();
                            Command::ConfigureAgent(agent_config(i, &qs, &prof))
                        }),
                ),
            ),
            (
                1,
                plain(agent().prop_map(|agent| Command::RemoveAgent { agent })),
            ),
            (
                1,
                plain(
                    (0..=s, prop::option::weighted(0.5, 15_000u64..=60_000))
                        .prop_map(|(i, t)| Command::ConfigureStation(station_config(i, t))),
                ),
            ),
            (
                1,
                plain(station().prop_map(|station| Command::RemoveStation { station })),
            ),
        ];
        arms.extend(admin);
    }
    Union::new_weighted(arms).boxed()
}

pub fn steps(ctx: &Ctx) -> impl Strategy<Value = Vec<Step>> + use<> {
    prop::collection::vec(
        (dt(), action(ctx)).prop_map(|(dt_ms, action)| Step { dt_ms, action }),
        50..=300,
    )
}

pub fn case(admin: bool) -> impl Strategy<Value = (World, Vec<Step>)> {
    world().prop_flat_map(move |w| {
        let ctx = w.ctx(admin);
        (Just(w), steps(&ctx))
    })
}
