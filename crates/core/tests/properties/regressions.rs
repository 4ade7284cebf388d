//! Found by the properties: the shortest sequences the properties shrank to (or that
//! their failures pointed at), replayed through the same harness and checks. Each fails
//! while its bug is there.
//!
//! A regression proves it reaches the situation it pins: every input says whether it must
//! be accepted or refused (with which rejection code), and the test then asserts the state
//! the bug was about. A sequence that silently stopped short (an offer that is no longer
//! made, a command refused for another reason) fails instead of passing vacuously.

use std::collections::BTreeMap;
use switchboard_core::callback::{CallbackEnd, CallbackSettings, CallbackStatus, CompletionStatus};
use switchboard_core::config::{PolicyState, PresencePolicy};
use switchboard_core::engine::AgentView;
use switchboard_core::model::{AgentStatus, AnsweredBy, HangupReason};
use switchboard_core::{
    AgentId, AgentState, Channel, Command, ConnectorEvent, ContactId, ContactState, Event, OfferId,
    QueueConfig, QueueId, Settings, StationId, Timestamp, TransferTarget,
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

/// One input of a script: at a time (ms), a command and what it must get.
pub struct Input {
    pub at: i64,
    pub command: Command,
    /// `None`: accepted; `Some(code)`: refused with this rejection code.
    pub refused: Option<&'static str>,
}

/// An input that must be accepted.
pub fn ok(at: i64, command: Command) -> Input {
    Input {
        at,
        command,
        refused: None,
    }
}

/// An input that must be refused with `code`.
pub fn refused(at: i64, command: Command, code: &'static str) -> Input {
    Input {
        at,
        command,
        refused: Some(code),
    }
}

/// Run `script` with every check, each input getting what it expects; then the replay
/// check. Returns the harness, whose engine the test asserts the pinned state on.
pub fn scripted(world: &World, script: Vec<Input>) -> Harness {
    let mut h = Harness::new(world).unwrap_or_else(|e| panic!("{e}"));
    for input in script {
        let step = h.advance(input.at).and_then(|()| {
            let result = h.command(input.command)?;
            match (input.refused, result) {
                (None, Ok(_)) => Ok(()),
                (Some(code), Err(r)) if r.code() == code => Ok(()),
                (expected, got) => Err(format!(
                    "input at {} ms: expected {}, got {got:?}",
                    input.at,
                    expected.map_or("accepted".to_string(), |c| format!("refused {c}"))
                )),
            }
        });
        if let Err(message) = step {
            panic!("{}", h.failure(&message));
        }
    }
    if let Err(message) = h.advance(h.now).and_then(|()| h.replayed().map(|_| ())) {
        panic!("{}", h.failure(&message));
    }
    h
}

pub fn a(i: usize) -> AgentId {
    AgentId::new(&format!("a{i}"))
}

/// The agent's view; it exists in every world here.
pub fn agent(h: &Harness, i: usize) -> AgentView {
    h.engine.agent_view(&a(i)).expect("a configured agent")
}

/// The state of an open contact.
pub fn contact_state(h: &Harness, contact: u64) -> ContactState {
    h.engine
        .contact_view(ContactId(contact))
        .unwrap_or_else(|| panic!("contact c{contact} is not open"))
        .state
}

/// How the journal says a callback completed, if it did.
pub fn callback_end(h: &Harness, contact: u64) -> Option<CallbackEnd> {
    h.journal.iter().find_map(|r| match &r.event {
        Event::CallbackCompleted {
            contact: c, end, ..
        } if *c == ContactId(contact) => Some(*end),
        _ => None,
    })
}

pub fn q0() -> QueueId {
    QueueId::new("q0")
}

pub fn chat_arrives() -> Command {
    Command::CreateContact {
        channel: Channel::Chat,
        queue: q0(),
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

/// a0 ends the conversation (the contact goes to Wrap Up).
pub fn end(contact: ContactId) -> Command {
    Command::End {
        agent: a(0),
        contact,
    }
}

/// a0 completes the wrap-up, without a disposition.
pub fn complete(contact: ContactId) -> Command {
    Command::Complete {
        agent: a(0),
        contact,
        disposition: None,
    }
}

/// a0 sets the completion status of the attempt on `contact`.
pub fn set_completion(contact: ContactId, status: CompletionStatus) -> Command {
    Command::SetCompletion {
        agent: a(0),
        contact,
        status,
    }
}

/// a0 logs in, `arrival` (a chat, a callback: c1) comes at 1 s and a0 accepts it (o1) at
/// 2 s; then `rest`.
pub fn a0_takes_then(arrival: Command, rest: Vec<Input>) -> Vec<Input> {
    let mut script = vec![ok(0, login(0)), ok(1_000, arrival), ok(2_000, accept(1))];
    script.extend(rest);
    script
}

pub fn agent_error_logs_out() -> Option<PresencePolicy> {
    Some(PresencePolicy {
        state_on_agent_error: PolicyState::Offline,
        ..PresencePolicy::default()
    })
}

/// A chat transferred to a queue the agent serves is offered straight back to that agent,
/// who still wraps it up (detached); accepting overwrites the wrap-up's assignment: the
/// agent's used units count both (68) while its assignments hold one (34).
#[test]
fn transferred_chat_is_not_offered_back_to_the_agent_wrapping_it_up() {
    let h = scripted(
        &small_world(Channel::Chat, None, 1),
        a0_takes_then(
            chat_arrives(),
            vec![
                ok(
                    3_000,
                    Command::Transfer {
                        agent: a(0),
                        contact: ContactId(1),
                        target: TransferTarget::Queue(q0()),
                    },
                ),
                // The bug offered it back as o2; no offer is made while a0 wraps it up.
                refused(4_000, accept(2), "unknown_offer"),
            ],
        ),
    );
    let a0 = agent(&h, 0);
    assert_eq!((a0.offer, a0.used_units), (None, 34), "{a0:?}");
    assert_eq!(contact_state(&h, 1), ContactState::Queued);
}

/// Units are checked when an offer is made but charged when it is accepted: raising the
/// settings' chat units in between puts a Busy agent over 100 (34 + 100).
#[test]
fn accepting_never_takes_an_agent_over_100_units() {
    let mut settings = Settings::default();
    settings.capacity_units.insert(Channel::Chat, 100);
    let h = scripted(
        &small_world(Channel::Chat, None, 1),
        a0_takes_then(
            chat_arrives(),
            vec![
                ok(3_000, chat_arrives()),
                ok(4_000, Command::ConfigureSettings(settings)),
                refused(5_000, accept(2), "capacity_exceeded"),
            ],
        ),
    );
    let a0 = agent(&h, 0);
    assert_eq!((a0.offer, a0.used_units), (Some(OfferId(2)), 34), "{a0:?}");
    assert_eq!(a0.contacts, vec![(ContactId(1), ContactState::Handling)]);
}

/// A call error (with an agent status) on the agent's only contact applies the presence
/// policy; `state_on_agent_error = offline` logs the agent out while its offer of another
/// chat is still open: an offline agent holding an offer.
#[test]
fn policy_logout_after_a_call_error_withdraws_the_open_offer() {
    let h = scripted(
        &small_world(Channel::Chat, agent_error_logs_out(), 1),
        a0_takes_then(
            chat_arrives(),
            vec![ok(3_000, chat_arrives()), ok(4_000, call_error_by_agent(1))],
        ),
    );
    let a0 = agent(&h, 0);
    assert_eq!((a0.state, a0.offer), (AgentState::Offline, None), "{a0:?}");
    assert_eq!(contact_state(&h, 2), ContactState::Queued);
}

/// The same with a second contact still open: the policy records "Waiting for Offline" while
/// the offer stays open, and when the last contact completes the agent logs out holding it
/// (45e9ffc removed that withdrawal as unreachable). Chats cost 25 units here, so the agent
/// holding two is offered a third.
#[test]
fn pending_logout_from_the_policy_withdraws_the_open_offer() {
    let mut world = small_world(Channel::Chat, agent_error_logs_out(), 1);
    world.settings.capacity_units.insert(Channel::Chat, 25);
    let h = scripted(
        &world,
        a0_takes_then(
            chat_arrives(),
            vec![
                ok(3_000, chat_arrives()),
                ok(4_000, accept(2)),
                ok(5_000, chat_arrives()),
                ok(6_000, call_error_by_agent(1)),
                ok(7_000, end(ContactId(2))),
                ok(8_000, complete(ContactId(2))),
            ],
        ),
    );
    let a0 = agent(&h, 0);
    assert_eq!((a0.state, a0.offer), (AgentState::Offline, None), "{a0:?}");
    assert_eq!(contact_state(&h, 3), ContactState::Queued);
}

/// The same through a transfer to an agent: a0 hands the chat to a1, a1 hands it back to
/// a0, who is still wrapping it up; the transfer is accepted and so is the offer.
#[test]
fn chat_is_not_transferred_to_an_agent_still_wrapping_it_up() {
    let transfer = |from: usize, to: usize| Command::Transfer {
        agent: a(from),
        contact: ContactId(1),
        target: TransferTarget::Agent(a(to)),
    };
    let h = scripted(
        &small_world(Channel::Chat, None, 2),
        vec![
            ok(0, login(0)),
            ok(0, login(1)),
            ok(1_000, chat_arrives()),
            ok(2_000, accept(1)),
            ok(3_000, transfer(0, 1)),
            ok(4_000, accept(2)),
            refused(5_000, transfer(1, 0), "agent_not_available"),
            refused(6_000, accept(3), "unknown_offer"),
        ],
    );
    assert_eq!(
        agent(&h, 0).contacts,
        vec![(ContactId(1), ContactState::WrapUp)]
    );
    assert_eq!(
        agent(&h, 1).contacts,
        vec![(ContactId(1), ContactState::Handling)]
    );
}

// ----- callbacks (docs/callbacks.md) -----

/// `small_world` whose queue takes callbacks with these settings.
pub fn callback_world(channel: Channel, callbacks: CallbackSettings, agents: usize) -> World {
    let mut world = small_world(channel, None, agents);
    world.queues[0].callbacks = Some(callbacks);
    world
}

pub fn without_callbacks(channel: Channel) -> Command {
    Command::ConfigureQueue(Box::new(QueueConfig::new("q0", channel)))
}

/// A queue's callback process arms timers (schedule, shift) in `world`: the state the two
/// regressions below start from.
fn assert_callback_timers(world: &World) {
    let h = scripted(world, vec![]);
    assert!(h.engine.callback_monitor(&q0()).is_some());
    assert!(h.engine.poll_timeout().is_some(), "no callback timer armed");
}

/// Reconfiguring a queue to take no callbacks drops its callback state but keeps its shift
/// (and schedule) timers: `check_invariants` reports a stale `Shift` timer, and the engine's
/// next timeout is one at which nothing happens.
#[test]
fn a_queue_that_stops_taking_callbacks_keeps_no_callback_timers() {
    let callbacks = CallbackSettings {
        open_hours: vec!["Mon-Fri 08:00-18:00".into()],
        ..CallbackSettings::default()
    };
    let world = callback_world(Channel::Voice, callbacks, 1);
    assert_callback_timers(&world);
    let h = scripted(&world, vec![ok(1_000, without_callbacks(Channel::Voice))]);
    assert!(h.engine.callback_monitor(&q0()).is_none());
    assert_eq!(h.engine.poll_timeout(), None);
}

/// The same when the queue is removed.
#[test]
fn a_removed_callback_queue_keeps_no_timers() {
    let world = callback_world(Channel::Callback, CallbackSettings::default(), 0);
    assert_callback_timers(&world);
    let h = scripted(
        &world,
        vec![ok(1_000, Command::RemoveQueue { queue: q0() })],
    );
    assert!(h.engine.queue_view(&q0()).is_none());
    assert_eq!(h.engine.poll_timeout(), None);
}

pub fn voice_arrives() -> Command {
    Command::CreateContact {
        channel: Channel::Voice,
        queue: q0(),
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
fn choosing_a_callback_is_refused_before_the_call_closes() {
    let mut tight = Settings::default();
    tight.limits.contacts_open_max = 1;
    let choose = Command::ChooseCallback {
        contact: ContactId(1),
        destination: None,
    };
    let h = scripted(
        &callback_world(Channel::Voice, CallbackSettings::default(), 0),
        vec![
            ok(1_000, voice_arrives()),
            ok(2_000, voice_arrives()),
            ok(3_000, Command::ConfigureSettings(tight)),
            refused(4_000, choose, "limit_exceeded"),
        ],
    );
    // The call still waits and no callback was made from it.
    assert_eq!(contact_state(&h, 1), ContactState::Queued);
    assert_eq!(h.engine.open_contacts(), 2);
    assert!(h.engine.callback_view(ContactId(1)).is_none());
}

pub fn create_callback() -> Command {
    Command::CreateCallback {
        queue: q0(),
        destination: "+3612".into(),
        due: None,
        window_end: None,
        agent: None,
    }
}

pub fn accept_and_fail_the_dial(at: i64, offer: u64, contact: u64) -> Vec<Input> {
    vec![
        ok(at, accept(offer)),
        ok(
            at + 1_000,
            Command::Connector(ConnectorEvent::DialFailed {
                contact: ContactId(contact),
                cause_code: None,
            }),
        ),
        ok(at + 2_000, complete(ContactId(contact))),
    ]
}

/// Reconfiguring a queue may lower Attempts Before Failure below the counted attempts of an
/// open callback: the change is accepted and the callback is then over the limit (2 of 1),
/// which `check_invariants` (and issue 3: "attempts never exceed the limit") forbids.
/// Lowering it to exactly the count does the same one attempt later (the next counted
/// attempt makes 2 of 1 before the callback fails). The engine refuses such a change while
/// the callback is open.
#[test]
fn lowering_attempts_before_failure_never_leaves_a_callback_over_the_limit() {
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
    let mut script = vec![ok(0, login(0)), ok(1_000, create_callback())];
    script.extend(accept_and_fail_the_dial(2_000, 1, 1));
    script.extend(accept_and_fail_the_dial(6_000, 2, 1));
    script.push(refused(
        8_500,
        Command::ConfigureQueue(Box::new(lowered)),
        "in_use",
    ));
    let h = scripted(&world, script);
    // Two counted attempts were made, and the callback waits for its recall under the
    // limit it was made with.
    let view = h.engine.callback_view(ContactId(1)).expect("open callback");
    assert_eq!(view.attempts, 2, "{view:?}");
    let limit = h.engine.queue_configs().find_map(|q| q.callbacks.as_ref());
    assert_eq!(limit.map(|c| c.attempts_before_failure), Some(3));
}

/// On 25 October 2026 Budapest's clocks go back at 03:00 CEST to 02:00 CET, so the local
/// hour 02:00–03:00 happens twice. `Schedule::is_open` says a "Sun 02:00-02:30" window is
/// open both times (00:00–00:30 and 01:00–01:30 UTC), but `Schedule::next_change` resolves
/// each candidate local time to its first occurrence only, so the second opening is never
/// scheduled: at 01:05 UTC the queue's callbacks are still Off Schedule HRS while its
/// schedule is open (and due callbacks wait until next Sunday).
#[test]
fn callbacks_open_in_the_repeated_hour_of_the_autumn_dst_change() {
    let callbacks = CallbackSettings {
        time_zone: "Europe/Budapest".into(),
        open_hours: vec!["Sun 02:00-02:30".into()],
        ..CallbackSettings::default()
    };
    let mut world = callback_world(Channel::Callback, callbacks, 0);
    // Sunday 25 October 2026, 00:45 UTC = 02:45 CEST, between the two openings.
    let sunday = AUTUMN_2026_MS + 24 * HOUR_MS;
    world.start = sunday + 45 * 60_000;
    let h = scripted(
        &world,
        vec![ok(
            sunday + 65 * 60_000,
            Command::StartCallbacks { queue: q0() },
        )],
    );
    let monitor = h.engine.callback_monitor(&q0()).expect("callback queue");
    assert_eq!(monitor.status, CallbackStatus::Active);
}

/// A completion status set while the callback is in Preview, then `StartDial` arms the
/// No Answer timer (`AttemptDialing`), then `End`: the status is already set, so no
/// `CompletionStatusSet` stops the timer. It fires at the deadline and does nothing (the
/// contact is in Wrap Up): the live engine drops it silently while a replayed engine, which
/// sees no event ending it, keeps it — the replay diverges (`next timeout`).
#[test]
fn a_dial_started_with_its_status_set_leaves_no_timer_behind() {
    let mut world = callback_world(Channel::Callback, CallbackSettings::default(), 1);
    world.queues[0].preview = true;
    let contact = ContactId(1);
    let h = scripted(
        &world,
        a0_takes_then(
            create_callback(),
            vec![
                ok(3_000, set_completion(contact, CompletionStatus::Handled)),
                ok(
                    4_000,
                    Command::StartDial {
                        agent: a(0),
                        contact,
                    },
                ),
                ok(5_000, end(contact)),
                // Past the No Answer deadline (64 s).
                ok(70_000, Command::StartCallbacks { queue: q0() }),
            ],
        ),
    );
    assert!(
        h.journal
            .iter()
            .any(|r| matches!(r.event, Event::AttemptDialing { contact: c, .. } if c == contact)),
        "the dial never started"
    );
    assert_eq!(agent(&h, 0).contacts, vec![(contact, ContactState::WrapUp)]);
}

/// The engine restarts the shift on reconfiguration only when the *next* shift start moves.
/// Across the 25-hour day of the autumn DST change, "20:15 Europe/Budapest" and "19:15 UTC"
/// share the next start (19:15 UTC on 25 October) but not the last one (18:15 vs 19:15 UTC
/// on the 24th): switching from one to the other keeps `shift_since` at 18:15 UTC, so the
/// monitor counts an hour that the configured shift says belongs to the previous shift.
#[test]
fn a_new_shift_start_restarts_the_shift_when_the_last_start_moves() {
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
    let saturday_at = |minutes: i64| Timestamp(AUTUMN_2026_MS + minutes * 60_000);
    let before = scripted(&world, vec![]);
    let monitor = before
        .engine
        .callback_monitor(&q0())
        .expect("callback queue");
    assert_eq!(monitor.shift_since, saturday_at(18 * 60 + 15));
    let h = scripted(
        &world,
        vec![ok(
            world.start + 1_000,
            Command::ConfigureQueue(Box::new(utc)),
        )],
    );
    let monitor = h.engine.callback_monitor(&q0()).expect("callback queue");
    assert_eq!(monitor.shift_since, saturday_at(19 * 60 + 15));
}

/// A callback's expiry (max age) passes while it is offered (not yet accepted): the engine
/// only marks it expired, as it would an attempt in progress. When the agent then refuses,
/// the callback goes back to the queue (HandlingByBusinessProcess) and is offered again
/// although it has expired; an expired callback completes with 57 OK_CALLBACK_TIMEOUT (only
/// an attempt already under way may finish first: docs/callbacks.md).
#[test]
fn a_callback_expiring_while_offered_does_not_return_to_the_queue() {
    let callbacks = CallbackSettings {
        max_age_ms: Some(60_000),
        ..CallbackSettings::default()
    };
    let mut world = callback_world(Channel::Callback, callbacks, 1);
    world.queues[0].offer_timeout_ms = Some(120_000);
    let h = scripted(
        &world,
        vec![
            ok(0, login(0)),
            ok(1_000, create_callback()),
            // Expires at 61 s while offered; the agent declines at 70 s.
            ok(
                70_000,
                Command::Refuse {
                    offer: OfferId(1),
                    decline_reason: None,
                },
            ),
        ],
    );
    assert_eq!(callback_end(&h, 1), Some(CallbackEnd::Expired));
    assert_eq!(agent(&h, 0).offer, None);
}

/// The same through Callback Requested: the callback expires (max age) during an attempt,
/// and the agent reschedules it. Answering Machine, No Answer and Cancel check the expiry
/// when the wrap-up ends and complete the callback Expired (57); Callback Requested does
/// not, so the expired callback goes back to Pending until the requested time, and then to
/// the queue.
#[test]
fn an_expired_callback_is_not_rescheduled() {
    let callbacks = CallbackSettings {
        max_age_ms: Some(60_000),
        ..CallbackSettings::default()
    };
    let world = callback_world(Channel::Callback, callbacks, 1);
    let contact = ContactId(1);
    let requested = CompletionStatus::CallbackRequested {
        due: Timestamp(300_000),
        agent: None,
    };
    let h = scripted(
        &world,
        a0_takes_then(
            create_callback(),
            vec![
                ok(
                    3_000,
                    Command::Connector(ConnectorEvent::Answered {
                        contact,
                        by: AnsweredBy::Live,
                    }),
                ),
                ok(4_000, set_completion(contact, requested)),
                // Expired at 61 s, during the attempt.
                ok(70_000, end(contact)),
                ok(71_000, complete(contact)),
            ],
        ),
    );
    assert_eq!(callback_end(&h, 1), Some(CallbackEnd::Expired));
    assert!(h.engine.callback_view(contact).is_none());
}
