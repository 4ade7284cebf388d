//! Found by the properties: the shortest sequences the properties shrank to (or that
//! their failures pointed at), replayed through the same harness and checks. Each fails
//! while its bug is there.

use proptest::test_runner::TestCaseError;
use std::collections::BTreeMap;
use switchboard_core::callback::{CallbackSettings, CompletionStatus};
use switchboard_core::config::{PolicyState, PresencePolicy};
use switchboard_core::model::{AgentStatus, AnsweredBy, HangupReason};
use switchboard_core::{
    AgentId, Channel, Command, ConnectorEvent, ContactId, OfferId, QueueConfig, QueueId, Settings,
    StationId, Timestamp, TransferTarget,
};

use crate::{harness::*, world::*};

/// One queue `q0` of `channel` served by agents a0.. (stations s0..s{agents}).
pub fn small_world(channel: Channel, policy: Option<PresencePolicy>, agents: usize) -> World {
    let mut queue = QueueConfig::new("q0", channel);
    queue.presence_policy = policy;
    World {
        start: 0,
        settings: Settings::default(),
        queues: vec![queue],
        stations: (0..=agents).map(|i| station_config(i, None)).collect(),
        agents: (0..agents).map(|i| agent_config(i, &[0], &[5])).collect(),
    }
}

/// Run `script` (time in ms, command) with every check; then the replay check.
pub fn scripted(world: &World, script: Vec<(i64, Command)>) -> Result<(), TestCaseError> {
    let mut h = Harness::new(world).map_err(TestCaseError::fail)?;
    // A pinned bug is always exercised.
    for (at, command) in script {
        let step = h.advance(at).and_then(|()| h.command(command).map(|_| ()));
        if let Err(message) = step {
            return Err(h.failure(&message));
        }
    }
    if let Err(message) = h.advance(h.now).and_then(|()| h.replayed().map(|_| ())) {
        return Err(h.failure(&message));
    }
    Ok(())
}

pub fn a(i: usize) -> AgentId {
    AgentId::new(&format!("a{i}"))
}

pub fn chat_arrives() -> Command {
    Command::CreateContact {
        channel: Channel::Chat,
        queue: QueueId::new("q0"),
        from: "web:visitor".into(),
        priority: 0,
        attributes: BTreeMap::new(),
    }
}

pub fn login(i: usize) -> Command {
    Command::Login {
        agent: a(i),
        station: StationId::new(&format!("s{i}")),
        state: None,
    }
}

pub fn accept(offer: u64) -> Command {
    Command::Accept {
        offer: OfferId(offer),
    }
}

pub fn call_error_by_agent(contact: u64) -> Command {
    Command::Connector(ConnectorEvent::Hangup {
        contact: ContactId(contact),
        reason: HangupReason::Error,
        close_call_on_error: true,
        agent_status: Some(AgentStatus::FailedConnectAgent),
        cause_code: None,
        ended_by: None,
    })
}

pub fn agent_error_logs_out() -> Option<PresencePolicy> {
    Some(PresencePolicy {
        state_on_agent_error: PolicyState::Offline,
        ..PresencePolicy::default()
    })
}

pub fn check(result: Result<(), TestCaseError>) {
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A chat transferred to a queue the agent serves is offered straight back to that agent,
/// who still wraps it up (detached); accepting overwrites the wrap-up's assignment: the
/// agent's used units count both (68) while its assignments hold one (34).
#[test]
pub fn transferred_chat_is_not_offered_back_to_the_agent_wrapping_it_up() {
    check(scripted(
        &small_world(Channel::Chat, None, 1),
        vec![
            (0, login(0)),
            (1_000, chat_arrives()),
            (2_000, accept(1)),
            (
                3_000,
                Command::Transfer {
                    agent: a(0),
                    contact: ContactId(1),
                    target: TransferTarget::Queue(QueueId::new("q0")),
                },
            ),
            (4_000, accept(2)),
        ],
    ));
}

/// Units are checked when an offer is made but charged when it is accepted: raising the
/// settings' chat units in between puts a Busy agent over 100 (34 + 100).
#[test]
pub fn accepting_never_takes_an_agent_over_100_units() {
    let mut settings = Settings::default();
    settings.capacity_units.insert(Channel::Chat, 100);
    check(scripted(
        &small_world(Channel::Chat, None, 1),
        vec![
            (0, login(0)),
            (1_000, chat_arrives()),
            (2_000, accept(1)),
            (3_000, chat_arrives()),
            (4_000, Command::ConfigureSettings(settings)),
            (5_000, accept(2)),
        ],
    ));
}

/// A call error (with an agent status) on the agent's only contact applies the presence
/// policy; `state_on_agent_error = offline` logs the agent out while its offer of another
/// chat is still open: an offline agent holding an offer.
#[test]
pub fn policy_logout_after_a_call_error_withdraws_the_open_offer() {
    check(scripted(
        &small_world(Channel::Chat, agent_error_logs_out(), 1),
        vec![
            (0, login(0)),
            (1_000, chat_arrives()),
            (2_000, accept(1)),
            (3_000, chat_arrives()),
            (4_000, call_error_by_agent(1)),
        ],
    ));
}

/// The same with a second contact still open: the policy records "Waiting for Offline" while
/// the offer stays open, and when the last contact completes the agent logs out holding it
/// (45e9ffc removed that withdrawal as unreachable). Chats cost 25 units here, so the agent
/// holding two is offered a third.
#[test]
pub fn pending_logout_from_the_policy_withdraws_the_open_offer() {
    let mut world = small_world(Channel::Chat, agent_error_logs_out(), 1);
    world.settings.capacity_units.insert(Channel::Chat, 25);
    check(scripted(
        &world,
        vec![
            (0, login(0)),
            (1_000, chat_arrives()),
            (2_000, accept(1)),
            (3_000, chat_arrives()),
            (4_000, accept(2)),
            (5_000, chat_arrives()),
            (6_000, call_error_by_agent(1)),
            (
                7_000,
                Command::End {
                    agent: a(0),
                    contact: ContactId(2),
                },
            ),
            (
                8_000,
                Command::Complete {
                    agent: a(0),
                    contact: ContactId(2),
                    disposition: None,
                },
            ),
        ],
    ));
}

/// The same through a transfer to an agent: a0 hands the chat to a1, a1 hands it back to
/// a0, who is still wrapping it up; the transfer is accepted and so is the offer.
#[test]
pub fn chat_is_not_transferred_to_an_agent_still_wrapping_it_up() {
    let transfer = |from: usize, to: usize| Command::Transfer {
        agent: a(from),
        contact: ContactId(1),
        target: TransferTarget::Agent(a(to)),
    };
    check(scripted(
        &small_world(Channel::Chat, None, 2),
        vec![
            (0, login(0)),
            (0, login(1)),
            (1_000, chat_arrives()),
            (2_000, accept(1)),
            (3_000, transfer(0, 1)),
            (4_000, accept(2)),
            (5_000, transfer(1, 0)),
            (6_000, accept(3)),
        ],
    ));
}

// ----- callbacks (§8) -----

/// `small_world` whose queue takes callbacks with these settings.
pub fn callback_world(channel: Channel, callbacks: CallbackSettings, agents: usize) -> World {
    let mut world = small_world(channel, None, agents);
    world.queues[0].callbacks = Some(callbacks);
    world
}

pub fn without_callbacks(channel: Channel) -> Command {
    Command::ConfigureQueue(Box::new(QueueConfig::new("q0", channel)))
}

/// Reconfiguring a queue to take no callbacks drops its callback state but keeps its shift
/// (and schedule) timers: `check_invariants` reports a stale `Shift` timer, and the engine's
/// next timeout is one at which nothing happens.
#[test]
pub fn a_queue_that_stops_taking_callbacks_keeps_no_callback_timers() {
    let callbacks = CallbackSettings {
        open_hours: vec!["Mon-Fri 08:00-18:00".into()],
        ..CallbackSettings::default()
    };
    check(scripted(
        &callback_world(Channel::Voice, callbacks, 1),
        vec![(1_000, without_callbacks(Channel::Voice))],
    ));
}

/// The same when the queue is removed.
#[test]
pub fn a_removed_callback_queue_keeps_no_timers() {
    check(scripted(
        &callback_world(Channel::Callback, CallbackSettings::default(), 0),
        vec![(
            1_000,
            Command::RemoveQueue {
                queue: QueueId::new("q0"),
            },
        )],
    ));
}

pub fn voice_arrives() -> Command {
    Command::CreateContact {
        channel: Channel::Voice,
        queue: QueueId::new("q0"),
        from: "+3611".into(),
        priority: 0,
        attributes: BTreeMap::new(),
    }
}

/// `ChooseCallback` closes the call (51, 22) before `create_callback` checks
/// `contacts_open_max`, counting on the close to free the slot the callback takes. When the
/// settings lowered the limit below the contacts already open, one freed slot is not enough:
/// the callback is refused after the call closed. Debug builds panic ("checked before
/// closing the call"); release builds reject the command after emitting the close — the
/// customer is lost and a rejection changed the state.
#[test]
pub fn choosing_a_callback_is_refused_before_the_call_closes() {
    let mut tight = Settings::default();
    tight.limits.contacts_open_max = 1;
    check(scripted(
        &callback_world(Channel::Voice, CallbackSettings::default(), 0),
        vec![
            (1_000, voice_arrives()),
            (2_000, voice_arrives()),
            (3_000, Command::ConfigureSettings(tight)),
            (
                4_000,
                Command::ChooseCallback {
                    contact: ContactId(1),
                    destination: None,
                },
            ),
        ],
    ));
}

pub fn accept_and_fail_the_dial(at: i64, offer: u64, contact: u64) -> Vec<(i64, Command)> {
    vec![
        (at, accept(offer)),
        (
            at + 1_000,
            Command::Connector(ConnectorEvent::DialFailed {
                contact: ContactId(contact),
                cause_code: None,
            }),
        ),
        (
            at + 2_000,
            Command::Complete {
                agent: a(0),
                contact: ContactId(contact),
                disposition: None,
            },
        ),
    ]
}

/// Reconfiguring a queue may lower Attempts Before Failure below the counted attempts of an
/// open callback: the change is accepted and the callback is then over the limit (2 of 1),
/// which `check_invariants` (and issue 3: "attempts never exceed the limit") forbids.
/// Lowering it to exactly the count does the same one attempt later (the next counted
/// attempt makes 2 of 1 before the callback fails). The engine should refuse such a change
/// while the callback is open, or fail the callback when the limit is reached.
#[test]
pub fn lowering_attempts_before_failure_never_leaves_a_callback_over_the_limit() {
    let callbacks = CallbackSettings {
        recall_intervals_ms: vec![1_000],
        ..CallbackSettings::default()
    };
    let world = callback_world(Channel::Callback, callbacks.clone(), 1);
    let mut lowered = world.queues[0].clone();
    lowered.callbacks = Some(CallbackSettings {
        attempts_before_failure: 1,
        ..callbacks
    });
    let mut script = vec![
        (0, login(0)),
        (
            1_000,
            Command::CreateCallback {
                queue: QueueId::new("q0"),
                destination: "+3612".into(),
                due: None,
                window_end: None,
                agent: None,
            },
        ),
    ];
    script.extend(accept_and_fail_the_dial(2_000, 1, 1));
    script.extend(accept_and_fail_the_dial(6_000, 2, 1));
    script.push((8_500, Command::ConfigureQueue(Box::new(lowered))));
    check(scripted(&world, script));
}

/// On 25 October 2026 Budapest's clocks go back at 03:00 CEST to 02:00 CET, so the local
/// hour 02:00–03:00 happens twice. `Schedule::is_open` says a "Sun 02:00-02:30" window is
/// open both times (00:00–00:30 and 01:00–01:30 UTC), but `Schedule::next_change` resolves
/// each candidate local time to its first occurrence only, so the second opening is never
/// scheduled: at 01:05 UTC the queue's callbacks are still Off Schedule HRS while its
/// schedule is open (and due callbacks wait until next Sunday).
#[test]
pub fn callbacks_open_in_the_repeated_hour_of_the_autumn_dst_change() {
    let callbacks = CallbackSettings {
        time_zone: "Europe/Budapest".into(),
        open_hours: vec!["Sun 02:00-02:30".into()],
        ..CallbackSettings::default()
    };
    let mut world = callback_world(Channel::Callback, callbacks, 0);
    // Sunday 25 October 2026, 00:45 UTC = 02:45 CEST, between the two openings.
    let sunday = AUTUMN_2026_MS + 24 * HOUR_MS;
    world.start = sunday + 45 * 60_000;
    let start_callbacks = || Command::StartCallbacks {
        queue: QueueId::new("q0"),
    };
    check(scripted(
        &world,
        vec![(sunday + 65 * 60_000, start_callbacks())],
    ));
}

/// A completion status set while the callback is in Preview, then `StartDial` arms the
/// No Answer timer (`AttemptDialing`), then `End`: the status is already set, so no
/// `CompletionStatusSet` stops the timer. It fires at the deadline and does nothing (the
/// contact is in Wrap Up): the live engine drops it silently while a replayed engine, which
/// sees no event ending it, keeps it — the replay diverges (`next timeout`).
#[test]
pub fn a_dial_started_with_its_status_set_leaves_no_timer_behind() {
    let mut world = callback_world(Channel::Callback, CallbackSettings::default(), 1);
    world.queues[0].preview = true;
    let (agent, contact) = (a(0), ContactId(1));
    check(scripted(
        &world,
        vec![
            (0, login(0)),
            (
                1_000,
                Command::CreateCallback {
                    queue: QueueId::new("q0"),
                    destination: "+3612".into(),
                    due: None,
                    window_end: None,
                    agent: None,
                },
            ),
            (2_000, accept(1)),
            (
                3_000,
                Command::SetCompletion {
                    agent: agent.clone(),
                    contact,
                    status: CompletionStatus::Handled,
                },
            ),
            (
                4_000,
                Command::StartDial {
                    agent: agent.clone(),
                    contact,
                },
            ),
            (5_000, Command::End { agent, contact }),
            // Past the No Answer deadline (64 s).
            (
                70_000,
                Command::StartCallbacks {
                    queue: QueueId::new("q0"),
                },
            ),
        ],
    ));
}

/// The engine restarts the shift on reconfiguration only when the *next* shift start moves.
/// Across the 25-hour day of the autumn DST change, "20:15 Europe/Budapest" and "19:15 UTC"
/// share the next start (19:15 UTC on 25 October) but not the last one (18:15 vs 19:15 UTC
/// on the 24th): switching from one to the other keeps `shift_since` at 18:15 UTC, so the
/// monitor counts an hour that the configured shift says belongs to the previous shift.
#[test]
pub fn a_new_shift_start_restarts_the_shift_when_the_last_start_moves() {
    let callbacks = CallbackSettings {
        time_zone: "Europe/Budapest".into(),
        shift_start: "20:15".into(),
        ..CallbackSettings::default()
    };
    let mut world = callback_world(Channel::Callback, callbacks, 0);
    // Sunday 25 October 2026, 00:00 UTC.
    world.start = AUTUMN_2026_MS + 24 * HOUR_MS;
    let mut utc = world.queues[0].clone();
    utc.callbacks = Some(CallbackSettings {
        shift_start: "19:15".into(),
        ..CallbackSettings::default()
    });
    check(scripted(
        &world,
        vec![(world.start + 1_000, Command::ConfigureQueue(Box::new(utc)))],
    ));
}

/// A callback's expiry (max age) passes while it is offered (not yet accepted): the engine
/// only marks it expired, as it would an attempt in progress. When the agent then refuses,
/// the callback goes back to the queue (HandlingByBusinessProcess) and is offered again
/// although it has expired; §8 says an expired callback completes with 57 OK_CALLBACK_TIMEOUT
/// (only an attempt already under way may finish first).
#[test]
pub fn a_callback_expiring_while_offered_does_not_return_to_the_queue() {
    let callbacks = CallbackSettings {
        max_age_ms: Some(60_000),
        ..CallbackSettings::default()
    };
    let mut world = callback_world(Channel::Callback, callbacks, 1);
    world.queues[0].offer_timeout_ms = Some(120_000);
    check(scripted(
        &world,
        vec![
            (0, login(0)),
            (
                1_000,
                Command::CreateCallback {
                    queue: QueueId::new("q0"),
                    destination: "+3612".into(),
                    due: None,
                    window_end: None,
                    agent: None,
                },
            ),
            // Expires at 61 s while offered; the agent declines at 70 s.
            (70_000, Command::Refuse { offer: OfferId(1) }),
        ],
    ));
}

/// The same through Callback Requested: the callback expires (max age) during an attempt,
/// and the agent reschedules it. Answering Machine, No Answer and Cancel check the expiry
/// when the wrap-up ends and complete the callback Expired (57); Callback Requested does
/// not, so the expired callback goes back to Pending until the requested time, and then to
/// the queue.
#[test]
pub fn an_expired_callback_is_not_rescheduled() {
    let callbacks = CallbackSettings {
        max_age_ms: Some(60_000),
        ..CallbackSettings::default()
    };
    let world = callback_world(Channel::Callback, callbacks, 1);
    let (agent, contact) = (a(0), ContactId(1));
    check(scripted(
        &world,
        vec![
            (0, login(0)),
            (
                1_000,
                Command::CreateCallback {
                    queue: QueueId::new("q0"),
                    destination: "+3612".into(),
                    due: None,
                    window_end: None,
                    agent: None,
                },
            ),
            (2_000, accept(1)),
            (
                3_000,
                Command::Connector(ConnectorEvent::Answered {
                    contact,
                    by: AnsweredBy::Live,
                }),
            ),
            (
                4_000,
                Command::SetCompletion {
                    agent: agent.clone(),
                    contact,
                    status: CompletionStatus::CallbackRequested {
                        due: Timestamp(300_000),
                        agent: None,
                    },
                },
            ),
            // Expired at 61 s, during the attempt.
            (
                70_000,
                Command::End {
                    agent: agent.clone(),
                    contact,
                },
            ),
            (
                71_000,
                Command::Complete {
                    agent,
                    contact,
                    disposition: None,
                },
            ),
        ],
    ));
}
