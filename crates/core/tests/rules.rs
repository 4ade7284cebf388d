//! Given / when / then tests, one per rule of docs/engine.md, Agent states, and of
//! docs/engine.md, Offers and refusals (offers, refusals, call errors): given a world and
//! some commands, when one more command (or time) comes, then exactly these events — or this
//! rejection.

mod support;

use strum::VariantArray;
use support::Driver;
use switchboard_core::command::{ConnectorEvent, TransferTarget};
use switchboard_core::config::{PolicyState, PresencePolicy};
use switchboard_core::model::{
    AgentStatus, DeliveryFailure, HangupReason, RaisedBy, RefusalPenalty, SelectableState,
};
use switchboard_core::{
    AgentConfig, AgentId, AgentState, Channel, Command, ContactId, ContactState, Event, OfferId,
    QueueConfig, QueueId, RefusalReason, Settings, StationConfig, Timestamp,
};

fn t(seconds: i64) -> Timestamp {
    Timestamp(seconds * 1000)
}

fn id(s: &str) -> AgentId {
    AgentId::new(s)
}

/// Given: voice queue "q" and chat queue "chat"; agents a1, a2 (both queues), stations s1–s3.
fn world(settings: Settings, queue: impl FnOnce(&mut QueueConfig)) -> Driver {
    let mut d = Driver::new(settings);
    let mut q = QueueConfig::new("q", Channel::Voice);
    queue(&mut q);
    d.command(t(0), Command::ConfigureQueue(Box::new(q)))
        .unwrap();
    d.command(
        t(0),
        Command::ConfigureQueue(Box::new(QueueConfig::new("chat", Channel::Chat))),
    )
    .unwrap();
    for s in ["s1", "s2", "s3"] {
        d.command(t(0), Command::ConfigureStation(StationConfig::new(s, "")))
            .unwrap();
    }
    for (a, name) in [("a1", "Anna Kovács"), ("a2", "Béla Nagy")] {
        d.command(
            t(0),
            Command::ConfigureAgent(AgentConfig::new(a, name, &["q", "chat"])),
        )
        .unwrap();
    }
    d
}

fn default_world() -> Driver {
    world(Settings::default(), |_| {})
}

fn login(d: &mut Driver, at: i64, agent: &str, station: &str) {
    d.command(
        t(at),
        Command::Login {
            agent: id(agent),
            station: station.into(),
            state: None,
        },
    )
    .unwrap();
}

/// The agent refuses `offer` at `at` seconds, giving no reason.
fn refuse(d: &mut Driver, at: i64, offer: OfferId) {
    d.command(
        t(at),
        Command::Refuse {
            offer,
            decline_reason: None,
        },
    )
    .unwrap();
}

fn arrive(d: &mut Driver, at: i64, channel: Channel, queue: &str) -> ContactId {
    let before = d.journal.len();
    d.command(
        t(at),
        Command::CreateContact {
            channel,
            queue: QueueId::new(queue),
            from: "+3611".into(),
            priority: 0,
            attributes: Default::default(),
        },
    )
    .unwrap();
    d.journal[before..]
        .iter()
        .find_map(|r| match &r.event {
            Event::ContactArrived { contact, .. } => Some(*contact),
            _ => None,
        })
        .unwrap()
}

fn set(d: &mut Driver, at: i64, agent: &str, state: SelectableState) {
    d.command(
        t(at),
        Command::SetState {
            agent: id(agent),
            state,
            reason: None,
        },
    )
    .unwrap();
}

/// When: `command` at `at`; then: the events it emitted (one Display line each).
fn when(d: &mut Driver, at: i64, command: Command) -> Vec<String> {
    let before = d.journal.len();
    d.command(t(at), command).unwrap();
    d.journal[before..]
        .iter()
        .map(|r| r.event.to_string())
        .collect()
}

fn when_time(d: &mut Driver, at: i64) -> Vec<String> {
    let before = d.journal.len();
    d.advance(t(at));
    d.journal[before..]
        .iter()
        .map(|r| r.event.to_string())
        .collect()
}

fn state(d: &Driver, agent: &str) -> AgentState {
    d.engine.agent_view(&id(agent)).unwrap().state
}

fn offer_of(d: &Driver, agent: &str) -> OfferId {
    d.engine.agent_offer(&id(agent)).expect("an open offer")
}

/// When the agent's open offer times out.
fn deadline_of(d: &Driver, agent: &str) -> Timestamp {
    d.engine.offer_view(offer_of(d, agent)).unwrap().deadline
}

/// Given a1 holding a chat (Busy).
fn busy_with_chat(d: &mut Driver) -> ContactId {
    login(d, 1, "a1", "s1");
    let c = arrive(d, 2, Channel::Chat, "chat");
    let offer = offer_of(d, "a1");
    d.command(t(3), Command::Accept { offer }).unwrap();
    assert_eq!(state(d, "a1"), AgentState::Busy);
    c
}

fn finish(d: &mut Driver, at: i64, agent: &str, contact: ContactId) -> Vec<String> {
    d.command(
        t(at),
        Command::End {
            agent: id(agent),
            contact,
        },
    )
    .unwrap();
    when(
        d,
        at + 1,
        Command::Complete {
            agent: id(agent),
            contact,
            disposition: None,
        },
    )
}

// ----- agent states (docs/engine.md, Agent states) -----

#[test]
fn selectable_and_not_selectable_states() {
    let not_selectable: Vec<AgentState> = AgentState::VARIANTS
        .iter()
        .copied()
        .filter(|s| s.as_selectable().is_none())
        .collect();
    assert_eq!(
        not_selectable,
        vec![AgentState::Offered, AgentState::Busy, AgentState::NoAnswer]
    );
    assert_eq!(AgentState::VARIANTS.len(), 12);
    let pending: Vec<&str> = AgentState::VARIANTS
        .iter()
        .copied()
        .filter(|s| s.is_pending())
        .map(|s| s.as_str())
        .collect();
    assert_eq!(
        pending,
        [
            "Waiting for BackOffice – Administrative",
            "Waiting for Break",
            "Waiting for Handling – Outgoing Interactions",
            "Waiting for Offline"
        ]
    );
}

#[test]
fn idle_agent_moves_to_each_selected_state() {
    let mut d = default_world();
    login(&mut d, 1, "a1", "s1");
    for (i, (sel, shown)) in [
        (SelectableState::Break, AgentState::Break),
        (SelectableState::BackOffice, AgentState::BackOffice),
        (
            SelectableState::OutgoingInteractions,
            AgentState::OutgoingInteractions,
        ),
        (SelectableState::Ready, AgentState::Ready),
        (SelectableState::WaitingForBreak, AgentState::Break),
        (SelectableState::Offline, AgentState::Offline),
    ]
    .into_iter()
    .enumerate()
    {
        set(&mut d, 2 + i as i64, "a1", sel);
        assert_eq!(state(&d, "a1"), shown, "after selecting {sel:?}");
    }
}

#[test]
fn busy_agent_selecting_break_records_pending_and_moves_when_last_contact_closes() {
    let mut d = default_world();
    let c = busy_with_chat(&mut d);
    let then = when(
        &mut d,
        4,
        Command::SetState {
            agent: id("a1"),
            state: SelectableState::Break,
            reason: None,
        },
    );
    assert_eq!(
        then,
        [
            "agent a1 pending Break reason -",
            "agent a1 state Waiting for Break"
        ]
    );
    let then = finish(&mut d, 5, "a1", c);
    assert_eq!(
        then[then.len() - 3..],
        [
            "agent a1 pending cleared".to_string(),
            "agent a1 presence Break reason -".to_string(),
            "agent a1 state Break".to_string()
        ]
    );
}

#[test]
fn a_new_selection_replaces_pending_and_ready_clears_it() {
    let mut d = default_world();
    let c = busy_with_chat(&mut d);
    set(&mut d, 4, "a1", SelectableState::Break);
    set(&mut d, 5, "a1", SelectableState::Offline);
    assert_eq!(state(&d, "a1"), AgentState::WaitingForOffline);
    let then = when(
        &mut d,
        6,
        Command::SetState {
            agent: id("a1"),
            state: SelectableState::Ready,
            reason: None,
        },
    );
    assert_eq!(then, ["agent a1 pending cleared", "agent a1 state Busy"]);
    finish(&mut d, 7, "a1", c);
    assert_eq!(state(&d, "a1"), AgentState::Ready);
}

#[test]
fn waiting_for_offline_logs_out_when_work_ends() {
    let mut d = default_world();
    let c = busy_with_chat(&mut d);
    set(&mut d, 4, "a1", SelectableState::Offline);
    let then = finish(&mut d, 5, "a1", c);
    assert!(
        then.contains(&"agent a1 logged out".to_string()),
        "{then:?}"
    );
    assert_eq!(state(&d, "a1"), AgentState::Offline);
    let view = d.engine.agent_view(&id("a1")).unwrap();
    assert_eq!(view.station, None, "the station is free again");
    login(&mut d, 10, "a2", "s1");
}

#[test]
fn last_contact_closing_without_pending_returns_to_ready() {
    let mut d = default_world();
    let c = busy_with_chat(&mut d);
    let then = finish(&mut d, 5, "a1", c);
    assert_eq!(then.last().unwrap(), "agent a1 state Ready");
}

#[test]
fn non_ready_selection_while_offered_withdraws_the_offer_as_declined() {
    let mut d = default_world();
    login(&mut d, 1, "a1", "s1");
    let c = arrive(&mut d, 2, Channel::Voice, "q");
    let later = arrive(&mut d, 3, Channel::Voice, "q");
    let then = when(
        &mut d,
        4,
        Command::SetState {
            agent: id("a1"),
            state: SelectableState::BackOffice,
            reason: None,
        },
    );
    assert_eq!(
        then,
        [
            "refusal o1 c1 by a1 (Anna Kovács) at s1 reason \"Declined\" cause - excluded until 34s",
            "contact c1 queued in q entrance 2s",
            "agent a1 presence BackOffice reason -",
            "agent a1 state BackOffice – Administrative",
        ]
    );
    // The contact is back at its original place: still ahead of the later arrival.
    login(&mut d, 5, "a2", "s2");
    assert_eq!(
        d.engine.offer_view(offer_of(&d, "a2")).unwrap().contact,
        c,
        "{later} must not overtake {c}"
    );
}

#[test]
fn selecting_ready_while_offered_keeps_the_offer() {
    let mut d = default_world();
    login(&mut d, 1, "a1", "s1");
    arrive(&mut d, 2, Channel::Voice, "q");
    assert!(
        when(
            &mut d,
            3,
            Command::SetState {
                agent: id("a1"),
                state: SelectableState::Ready,
                reason: None
            }
        )
        .is_empty()
    );
    assert_eq!(state(&d, "a1"), AgentState::Offered);
}

#[test]
fn unavailable_reasons_only_with_break_or_backoffice_and_only_configured_ones() {
    let settings = Settings {
        unavailable_reasons: vec!["Lunch".into()],
        ..Settings::default()
    };
    let mut d = world(settings, |_| {});
    login(&mut d, 1, "a1", "s1");
    let set_reason = |d: &mut Driver, state, reason: &str| {
        d.command(
            t(2),
            Command::SetState {
                agent: id("a1"),
                state,
                reason: Some(reason.into()),
            },
        )
    };
    assert_eq!(
        set_reason(&mut d, SelectableState::Break, "Nap")
            .unwrap_err()
            .code(),
        "unknown_reason"
    );
    assert_eq!(
        set_reason(&mut d, SelectableState::Ready, "Lunch")
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    set_reason(&mut d, SelectableState::Break, "Lunch").unwrap();
    let view = d.engine.agent_view(&id("a1")).unwrap();
    assert_eq!(
        (view.state, view.reason.as_deref()),
        (AgentState::Break, Some("Lunch"))
    );
}

#[test]
fn capacity_voice_is_exclusive_and_chat_costs_34() {
    let mut d = default_world();
    busy_with_chat(&mut d);
    assert_eq!(d.engine.agent_view(&id("a1")).unwrap().used_units, 34);
    arrive(&mut d, 4, Channel::Voice, "q");
    assert_eq!(
        d.engine.agent_offer(&id("a1")),
        None,
        "voice needs a free agent"
    );
    arrive(&mut d, 5, Channel::Chat, "chat");
    assert!(
        d.engine.agent_offer(&id("a1")).is_some(),
        "a second chat fits"
    );
    assert_eq!(
        state(&d, "a1"),
        AgentState::Busy,
        "Busy stays Busy while offered"
    );
}

#[test]
fn login_needs_a_known_free_station_and_one_station_per_agent() {
    let mut d = default_world();
    let login_at = |d: &mut Driver, agent: &str, station: &str| {
        d.command(
            t(1),
            Command::Login {
                agent: id(agent),
                station: station.into(),
                state: None,
            },
        )
    };
    assert_eq!(
        login_at(&mut d, "a1", "nope").unwrap_err().code(),
        "unknown_station"
    );
    login_at(&mut d, "a1", "s1").unwrap();
    assert_eq!(
        login_at(&mut d, "a1", "s2").unwrap_err().code(),
        "agent_already_logged_in"
    );
    assert_eq!(
        login_at(&mut d, "a2", "s1").unwrap_err().code(),
        "station_in_use"
    );
    assert_eq!(
        d.command(
            t(2),
            Command::SetState {
                agent: id("a2"),
                state: SelectableState::Ready,
                reason: None
            }
        )
        .unwrap_err()
        .code(),
        "agent_not_logged_in"
    );
}

// ----- offers and refusals (docs/engine.md, Offers and refusals) -----

#[test]
fn reason_table_spellings_raisers_and_penalties() {
    let table: Vec<(&str, RaisedBy, RefusalPenalty)> = RefusalReason::VARIANTS
        .iter()
        .copied()
        .map(|r| (r.as_str(), r.raised_by(), r.penalty()))
        .collect();
    use RaisedBy::*;
    use RefusalPenalty as P;
    assert_eq!(
        table,
        [
            ("Declined", Agent, P::Decline),
            ("NoAnswer", Engine, P::PushTimeout),
            ("AgentLinkTimeout", Engine, P::PushTimeout),
            ("ContactAlreadyRouted", Engine, P::None),
            ("Bad Number", Connector, P::AgentError),
            ("Busy", Connector, P::AgentError),
            ("Error", Connector, P::None),
            ("Invalid Call Leg", Connector, P::AgentError),
            ("LinkFailed", Connector, P::AgentError),
            ("Dropped", Connector, P::AgentError),
            ("NA", Connector, P::None),
            ("0", Connector, P::None),
        ]
    );
    for &f in DeliveryFailure::VARIANTS {
        assert_eq!(f.reason().raised_by(), Connector);
    }
    // Serialized names are the report spellings.
    for &r in RefusalReason::VARIANTS {
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            format!("\"{}\"", r.as_str())
        );
    }
}

#[test]
fn offer_timeout_defaults_to_45s_queue_and_station_override() {
    let mut d = default_world();
    login(&mut d, 1, "a1", "s1");
    arrive(&mut d, 2, Channel::Voice, "q");
    assert_eq!(
        d.engine.offer_view(offer_of(&d, "a1")).unwrap().deadline,
        t(47)
    );
    let mut d = world(Settings::default(), |q| q.offer_timeout_ms = Some(20_000));
    login(&mut d, 1, "a1", "s1");
    arrive(&mut d, 2, Channel::Voice, "q");
    assert_eq!(
        d.engine.offer_view(offer_of(&d, "a1")).unwrap().deadline,
        t(22)
    );
    let mut station = StationConfig::new("s1", "");
    station.offer_timeout_ms = Some(60_000);
    d.command(t(3), Command::ConfigureStation(station)).unwrap();
    login(&mut d, 4, "a2", "s2");
    set(&mut d, 5, "a1", SelectableState::Offline);
    login(&mut d, 6, "a1", "s1");
    arrive(&mut d, 7, Channel::Voice, "q");
    assert_eq!(
        d.engine.offer_view(offer_of(&d, "a1")).unwrap().deadline,
        t(67)
    );
}

#[test]
fn agent_refusal_timeout_per_channel_beats_queue_and_yields_to_station() {
    // Given: queue q rings 20 s, the settings' chat default is 45 s; a1's profile sets
    // 90 s for voice and 120 s for chat, a2 has no override.
    let mut d = world(Settings::default(), |q| q.offer_timeout_ms = Some(20_000));
    let mut a1 = AgentConfig::new("a1", "Anna Kovács", &["q", "chat"]);
    a1.offer_timeout_ms.insert(Channel::Voice, 90_000);
    a1.offer_timeout_ms.insert(Channel::Chat, 120_000);
    d.command(t(0), Command::ConfigureAgent(a1)).unwrap();
    login(&mut d, 1, "a1", "s1");
    // The agent's voice value beats the queue's 20 s.
    arrive(&mut d, 2, Channel::Voice, "q");
    assert_eq!(deadline_of(&d, "a1"), t(92));
    // Another channel takes the agent's value for that channel, not its voice value.
    login(&mut d, 4, "a2", "s2");
    set(&mut d, 5, "a2", SelectableState::Break);
    let before = d.journal.len();
    arrive(&mut d, 6, Channel::Chat, "chat");
    assert!(d.journal[before..].iter().all(|r| !matches!(
        &r.event,
        Event::OfferCreated { agent, .. } if agent.as_str() == "a1"
    )));
    // (a1's voice offer is still open: the chat waits.) a2, without an override, gets the
    // settings' chat default.
    set(&mut d, 7, "a2", SelectableState::Ready);
    assert_eq!(deadline_of(&d, "a2"), t(52));
    // A station's own time-out still wins over the agent's.
    let mut d = world(Settings::default(), |_| {});
    let mut a1 = AgentConfig::new("a1", "Anna Kovács", &["q", "chat"]);
    a1.offer_timeout_ms.insert(Channel::Chat, 120_000);
    d.command(t(0), Command::ConfigureAgent(a1)).unwrap();
    login(&mut d, 1, "a1", "s1");
    arrive(&mut d, 2, Channel::Chat, "chat");
    assert_eq!(deadline_of(&d, "a1"), t(122));
    let mut station = StationConfig::new("s1", "");
    station.offer_timeout_ms = Some(30_000);
    d.command(t(3), Command::ConfigureStation(station)).unwrap();
    d.command(
        t(4),
        Command::Refuse {
            offer: offer_of(&d, "a1"),
            decline_reason: None,
        },
    )
    .unwrap();
    set(&mut d, 5, "a1", SelectableState::Ready);
    // The refused chat is excluded from a1 for the re-offer delay; a new one comes.
    arrive(&mut d, 6, Channel::Chat, "chat");
    assert_eq!(deadline_of(&d, "a1"), t(36));
}

#[test]
fn offer_time_out_is_no_answer_and_agent_goes_to_no_answer() {
    let mut d = default_world();
    login(&mut d, 1, "a1", "s1");
    arrive(&mut d, 2, Channel::Voice, "q");
    assert!(when_time(&mut d, 46).is_empty());
    let then = when_time(&mut d, 47);
    assert_eq!(
        then,
        [
            "refusal o1 c1 by a1 (Anna Kovács) at s1 reason \"NoAnswer\" cause - excluded until 77s",
            "agent a1 presence NoAnswer reason -",
            "contact c1 queued in q entrance 2s",
            "agent a1 state No Answer"
        ]
    );
    // No Answer lasts until the agent picks a state.
    assert!(
        when_time(&mut d, 500)
            .iter()
            .all(|e| !e.contains("a1 state"))
    );
    assert_eq!(state(&d, "a1"), AgentState::NoAnswer);
}

#[test]
fn agent_link_timeout_60s_after_accept_without_leg_linked() {
    let mut d = default_world();
    login(&mut d, 1, "a1", "s1");
    arrive(&mut d, 2, Channel::Voice, "q");
    let offer = offer_of(&d, "a1");
    assert_eq!(
        when(&mut d, 10, Command::Accept { offer }),
        ["offer o1 accepted link deadline 70s"]
    );
    assert!(when_time(&mut d, 69).is_empty(), "the ring timeout is off");
    let then = when_time(&mut d, 70);
    assert!(then[0].contains("reason \"AgentLinkTimeout\""), "{then:?}");
}

#[test]
fn refusal_record_carries_agent_name_station_and_cause_code() {
    let mut d = default_world();
    login(&mut d, 1, "a1", "s2");
    arrive(&mut d, 2, Channel::Voice, "q");
    let offer = offer_of(&d, "a1");
    d.command(
        t(3),
        Command::Connector(ConnectorEvent::LegFailed {
            offer,
            reason: DeliveryFailure::BadNumber,
            cause_code: Some("404".into()),
        }),
    )
    .unwrap();
    let record = d
        .journal
        .iter()
        .find_map(|r| match &r.event {
            Event::OfferRefused {
                offer,
                contact,
                agent,
                agent_full_name,
                station,
                reason,
                cause_code,
                ..
            } => Some((
                r.at,
                *offer,
                *contact,
                agent.to_string(),
                agent_full_name.clone(),
                station.to_string(),
                *reason,
                cause_code.clone(),
            )),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        record,
        (
            t(3),
            Some(OfferId(1)),
            ContactId(1),
            "a1".into(),
            "Anna Kovács".into(),
            "s2".into(),
            RefusalReason::BadNumber,
            Some("404".into())
        )
    );
}

#[test]
fn reoffer_rule_prefers_other_agents_and_waits_out_the_delay() {
    let settings = Settings {
        presence_policy: PresencePolicy {
            state_on_decline: PolicyState::Unchanged,
            ..PresencePolicy::default()
        },
        ..Settings::default()
    };
    let mut d = world(settings, |q| q.reoffer_delay_ms = Some(10_000));
    login(&mut d, 1, "a1", "s1");
    let c = arrive(&mut d, 2, Channel::Voice, "q");
    let offer = offer_of(&d, "a1");
    // a1 refuses and stays Ready (policy unchanged) but is not offered c1 again…
    refuse(&mut d, 3, offer);
    assert_eq!(state(&d, "a1"), AgentState::Ready);
    assert_eq!(d.engine.exclusions(c), vec![id("a1")]);
    // …another eligible agent gets it…
    login(&mut d, 4, "a2", "s2");
    let o2 = offer_of(&d, "a2");
    refuse(&mut d, 5, o2);
    // …and once both have refused, it waits until a1's delay passes (13 s).
    assert_eq!(d.engine.agent_offer(&id("a1")), None);
    let then = when_time(&mut d, 13);
    assert_eq!(
        then,
        [
            "contact c1 may be offered to a1 again",
            "offer o3 created c1 -> a1 at s1 deadline 58s",
            "agent a1 state Offered"
        ]
    );
}

#[test]
fn presence_policy_per_queue_overrides_the_global_default() {
    let settings = Settings {
        presence_policy: PresencePolicy {
            state_on_decline: PolicyState::Break,
            state_on_push_timeout: PolicyState::Offline,
            state_on_agent_error: PolicyState::BackOffice,
        },
        ..Settings::default()
    };
    let mut d = world(settings, |q| {
        q.presence_policy = Some(PresencePolicy {
            state_on_decline: PolicyState::Unchanged,
            state_on_push_timeout: PolicyState::Offline,
            state_on_agent_error: PolicyState::BackOffice,
        })
    });
    login(&mut d, 1, "a1", "s1");
    // chat queue uses the global policy: Declined → Break.
    arrive(&mut d, 2, Channel::Chat, "chat");
    let offer = offer_of(&d, "a1");
    refuse(&mut d, 3, offer);
    assert_eq!(state(&d, "a1"), AgentState::Break);
    // voice queue overrides: Declined → unchanged.
    set(&mut d, 4, "a1", SelectableState::Ready);
    d.command(
        t(4),
        Command::Abandon {
            contact: ContactId(1),
        },
    )
    .unwrap();
    let voice = arrive(&mut d, 5, Channel::Voice, "q");
    let offer = offer_of(&d, "a1");
    refuse(&mut d, 6, offer);
    assert_eq!(state(&d, "a1"), AgentState::Ready);
    // push time-out → Offline (logged out).
    login(&mut d, 7, "a2", "s2");
    let _ = offer_of(&d, "a2");
    d.advance(t(52));
    assert_eq!(state(&d, "a2"), AgentState::Offline);
    d.command(t(53), Command::Abandon { contact: voice })
        .unwrap();
    // agent error → BackOffice.
    arrive(&mut d, 80, Channel::Voice, "q");
    let offer = offer_of(&d, "a1");
    d.command(
        t(81),
        Command::Connector(ConnectorEvent::LegFailed {
            offer,
            reason: DeliveryFailure::Dropped,
            cause_code: None,
        }),
    )
    .unwrap();
    assert_eq!(state(&d, "a1"), AgentState::BackOffice);
}

#[test]
fn busy_agent_refusing_a_further_offer_gets_the_policy_state_as_pending() {
    let mut d = default_world();
    let c = busy_with_chat(&mut d);
    arrive(&mut d, 4, Channel::Chat, "chat");
    d.advance(t(60));
    // state_on_push_timeout = No Answer: shown once the current chat ends.
    assert_eq!(state(&d, "a1"), AgentState::Busy);
    finish(&mut d, 61, "a1", c);
    assert_eq!(state(&d, "a1"), AgentState::NoAnswer);
}

#[test]
fn fan_out_losers_get_contact_already_routed_without_penalty() {
    let mut d = world(Settings::default(), |q| q.fan_out = 2);
    login(&mut d, 1, "a1", "s1");
    login(&mut d, 1, "a2", "s2");
    arrive(&mut d, 2, Channel::Voice, "q");
    let o1 = offer_of(&d, "a1");
    let o2 = offer_of(&d, "a2");
    let then = when(&mut d, 3, Command::Accept { offer: o2 });
    assert_eq!(
        then,
        [
            "refusal o1 c1 by a1 (Anna Kovács) at s1 reason \"ContactAlreadyRouted\" cause - excluded until 3s",
            "offer o2 accepted link deadline 63s",
            "agent a1 state Ready"
        ]
    );
    assert_eq!(
        d.command(t(3), Command::Accept { offer: o1 })
            .unwrap_err()
            .code(),
        "unknown_offer"
    );
    assert_eq!(
        d.command(t(3), Command::Accept { offer: o2 })
            .unwrap_err()
            .code(),
        "offer_already_accepted"
    );
}

#[test]
fn hangup_agent_status_maps_to_refusals() {
    let cases = [
        (
            AgentStatus::MissedCallAgent,
            Some("NoAnswer"),
            AgentState::NoAnswer,
        ),
        (
            AgentStatus::DeclinedByAgent,
            Some("Declined"),
            AgentState::NoAnswer,
        ),
        (
            AgentStatus::FailedConnectAgent,
            Some("LinkFailed"),
            AgentState::NoAnswer,
        ),
        (
            AgentStatus::FailedConnectCustomer,
            Some("Error"),
            AgentState::Ready,
        ),
        (AgentStatus::MissedCallStatus, None, AgentState::Ready),
    ];
    for (status, reason, after) in cases {
        for close in [false, true] {
            let mut d = default_world();
            login(&mut d, 1, "a1", "s1");
            let c = arrive(&mut d, 2, Channel::Voice, "q");
            let then = when(
                &mut d,
                3,
                Command::Connector(ConnectorEvent::Hangup {
                    contact: c,
                    reason: HangupReason::Error,
                    close_call_on_error: close,
                    agent_status: Some(status),
                    cause_code: None,
                    ended_by: None,
                }),
            );
            let refusals: Vec<&String> = then.iter().filter(|e| e.starts_with("refusal")).collect();
            match reason {
                Some(r) => {
                    assert_eq!(refusals.len(), 1, "{status:?}: {then:?}");
                    assert!(refusals[0].contains(&format!("reason \"{r}\"")), "{then:?}");
                }
                None => assert!(refusals.is_empty(), "{status:?}: {then:?}"),
            }
            let view = d.engine.contact_view(c);
            if close {
                assert!(view.is_none(), "{status:?} close: {then:?}");
                assert!(
                    then.iter().any(|e| e.contains("closed (52 OK_ERROR, 0")),
                    "{then:?}"
                );
            } else {
                // Kept open in the "new" state: back in the queue (re-offered only after the
                // re-offer delay, since the only agent refused it — unless it was not a refusal).
                let state = view.expect("still open").state;
                assert!(
                    matches!(state, ContactState::Queued | ContactState::Offered),
                    "{status:?}: {state:?}"
                );
            }
            let shown = state(&d, "a1");
            if after == AgentState::Ready && !close && reason.is_none() {
                // MissedCallStatus kept open: not a refusal, so a1 is offered it again at once.
                assert_eq!(shown, AgentState::Offered, "{status:?}");
            } else if after == AgentState::Ready {
                assert!(
                    matches!(shown, AgentState::Ready | AgentState::Offered),
                    "{status:?}: {shown:?}"
                );
            } else {
                assert_eq!(shown, after, "{status:?}");
            }
        }
    }
}

#[test]
fn hangup_ended_moves_a_talking_contact_to_wrap_up() {
    let mut d = default_world();
    login(&mut d, 1, "a1", "s1");
    let c = arrive(&mut d, 2, Channel::Voice, "q");
    let offer = offer_of(&d, "a1");
    d.command(
        t(3),
        Command::Connector(ConnectorEvent::LegLinked { offer }),
    )
    .unwrap();
    let then = when(
        &mut d,
        9,
        Command::Connector(ConnectorEvent::Hangup {
            contact: c,
            reason: HangupReason::Ended,
            close_call_on_error: false,
            agent_status: None,
            cause_code: None,
            ended_by: None,
        }),
    );
    assert_eq!(then, ["contact c1 Wrap Up with a1 deadline -"]);
}

#[test]
fn refusal_never_loses_a_contact_and_transfer_keeps_its_id() {
    let mut d = default_world();
    login(&mut d, 1, "a1", "s1");
    let c = arrive(&mut d, 2, Channel::Voice, "q");
    for at in [3, 40, 80] {
        let offer = offer_of(&d, "a1");
        refuse(&mut d, at, offer);
        assert!(d.engine.contact_view(c).is_some());
        set(&mut d, at + 1, "a1", SelectableState::Ready);
        d.advance(t(at + 31));
    }
    login(&mut d, 120, "a2", "s2");
    let offer = offer_of(&d, "a1");
    d.command(
        t(121),
        Command::Connector(ConnectorEvent::LegLinked { offer }),
    )
    .unwrap();
    d.command(
        t(122),
        Command::Transfer {
            agent: id("a1"),
            contact: c,
            target: TransferTarget::Agent(id("a2")),
        },
    )
    .unwrap();
    assert_eq!(d.engine.offer_view(offer_of(&d, "a2")).unwrap().contact, c);
}

// ----- limits -----

#[test]
fn limits_are_named_rejections_not_growth() {
    let mut settings = Settings::default();
    settings.limits.agents_max = 2;
    settings.limits.contacts_per_queue_max = 2;
    settings.limits.contacts_open_max = 3;
    settings.limits.queues_max = 2;
    let mut d = world(settings, |_| {});
    let code = |r: Result<(), switchboard_core::Rejection>| match r {
        Err(switchboard_core::Rejection::LimitExceeded { limit, .. }) => limit,
        other => panic!("expected limit_exceeded, got {other:?}"),
    };
    assert_eq!(
        code(d.command(
            t(1),
            Command::ConfigureAgent(AgentConfig::new("a3", "Third", &[]))
        )),
        "agents_max"
    );
    assert_eq!(
        code(d.command(
            t(1),
            Command::ConfigureQueue(Box::new(QueueConfig::new("third", Channel::Email)))
        )),
        "queues_max"
    );
    arrive(&mut d, 2, Channel::Voice, "q");
    arrive(&mut d, 3, Channel::Voice, "q");
    let third = d.command(
        t(4),
        Command::CreateContact {
            channel: Channel::Voice,
            queue: QueueId::new("q"),
            from: "+36".into(),
            priority: 0,
            attributes: Default::default(),
        },
    );
    assert_eq!(code(third), "contacts_per_queue_max");
    arrive(&mut d, 5, Channel::Chat, "chat");
    let fourth = d.command(
        t(6),
        Command::CreateContact {
            channel: Channel::Chat,
            queue: QueueId::new("chat"),
            from: "+36".into(),
            priority: 0,
            attributes: Default::default(),
        },
    );
    assert_eq!(code(fourth), "contacts_open_max");
    assert_eq!(
        d.engine.open_contacts(),
        3,
        "rejected contacts left no trace"
    );
}

#[test]
fn bad_input_is_rejected_with_the_field_named() {
    let mut d = default_world();
    let bad_from = d.command(
        t(1),
        Command::CreateContact {
            channel: Channel::Voice,
            queue: QueueId::new("q"),
            from: "line\nbreak".into(),
            priority: 0,
            attributes: Default::default(),
        },
    );
    assert!(
        matches!(&bad_from, Err(switchboard_core::Rejection::InvalidInput { field, .. }) if field == "from"),
        "{bad_from:?}"
    );
    let bad_priority = d.command(
        t(1),
        Command::CreateContact {
            channel: Channel::Voice,
            queue: QueueId::new("q"),
            from: "+36".into(),
            priority: 1001,
            attributes: Default::default(),
        },
    );
    assert_eq!(bad_priority.unwrap_err().code(), "invalid_input");
    let mut q = QueueConfig::new("q", Channel::Voice);
    q.offer_timeout_ms = Some(301_000);
    match d.command(t(1), Command::ConfigureQueue(Box::new(q))) {
        Err(switchboard_core::Rejection::InvalidConfig(e)) => {
            assert_eq!(e.field, "queues[q].offer_timeout_ms")
        }
        other => panic!("{other:?}"),
    }
    let mut a = AgentConfig::new("a9", "Nine", &["missing"]);
    a.team = Some("Blue".into());
    match d.command(t(1), Command::ConfigureAgent(a)) {
        Err(switchboard_core::Rejection::InvalidConfig(e)) => {
            assert_eq!(e.field, "agents[a9].queues[0].queue")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.engine.open_contacts(), 0);
}

// ----- found in review -----

#[test]
fn a_timed_out_offer_meets_a_free_agent_before_the_queue_time_limit() {
    let mut d = world(Settings::default(), |q| q.max_wait_ms = Some(60_000));
    login(&mut d, 1, "a1", "s1");
    set(&mut d, 1, "a1", SelectableState::Break);
    let c = arrive(&mut d, 2, Channel::Voice, "q");
    set(&mut d, 50, "a1", SelectableState::Ready);
    login(&mut d, 60, "a2", "s2");
    d.advance(t(100));
    // a1's offer timed out at 95 s, past the 62 s limit; a2 was free, so a2 gets it.
    assert_eq!(d.engine.offer_view(offer_of(&d, "a2")).unwrap().contact, c);
}

#[test]
fn an_accept_after_the_deadline_finds_the_offer_timed_out_whatever_the_driver_did() {
    let mut d = default_world();
    login(&mut d, 1, "a1", "s1");
    arrive(&mut d, 2, Channel::Voice, "q");
    let offer = offer_of(&d, "a1");
    // No handle_timeout in between: the engine fires the 47 s deadline itself first.
    let late = d.engine.handle_command(t(200), Command::Accept { offer });
    assert_eq!(late.unwrap_err().code(), "unknown_offer");
    d.drain();
    assert_eq!(state(&d, "a1"), AgentState::NoAnswer);
}

#[test]
fn the_policy_does_not_replace_the_agents_own_pending_selection() {
    let settings = Settings {
        presence_policy: PresencePolicy {
            state_on_push_timeout: PolicyState::Break,
            ..PresencePolicy::default()
        },
        ..Settings::default()
    };
    let mut d = world(settings, |_| {});
    let c = busy_with_chat(&mut d);
    arrive(&mut d, 4, Channel::Chat, "chat");
    set(&mut d, 5, "a1", SelectableState::Ready); // keeps the second offer
    d.command(
        t(6),
        Command::SetState {
            agent: id("a1"),
            state: SelectableState::Offline,
            reason: None,
        },
    )
    .unwrap();
    assert_eq!(state(&d, "a1"), AgentState::WaitingForOffline);
    // A call error with MissedCallAgent on the held chat: NoAnswer → policy Break, but the
    // agent asked for Offline and logs out.
    d.command(
        t(7),
        Command::Connector(ConnectorEvent::Hangup {
            contact: c,
            reason: HangupReason::Error,
            close_call_on_error: true,
            agent_status: Some(AgentStatus::MissedCallAgent),
            cause_code: None,
            ended_by: None,
        }),
    )
    .unwrap();
    assert_eq!(state(&d, "a1"), AgentState::Offline);
}

#[test]
fn an_offer_withdrawn_from_an_unavailable_agent_records_no_resource_and_is_no_hop() {
    let settings = Settings {
        presence_policy: PresencePolicy {
            state_on_agent_error: PolicyState::Offline,
            ..PresencePolicy::default()
        },
        ..Settings::default()
    };
    let mut d = world(settings, |_| {});
    d.command(
        t(0),
        Command::ConfigureQueue(Box::new({
            let mut q = QueueConfig::new("chat", Channel::Chat);
            q.max_offers = Some(1);
            q
        })),
    )
    .unwrap();
    let c1 = busy_with_chat(&mut d);
    let c2 = arrive(&mut d, 4, Channel::Chat, "chat");
    let then = when(
        &mut d,
        5,
        Command::Connector(ConnectorEvent::Hangup {
            contact: c1,
            reason: HangupReason::Error,
            close_call_on_error: true,
            agent_status: Some(AgentStatus::FailedConnectAgent),
            cause_code: None,
            ended_by: None,
        }),
    );
    assert!(
        then.contains(&"offer o2 rescinded c2 from a1 (36, 1)".to_string()),
        "{then:?}"
    );
    let view = d
        .engine
        .contact_view(c2)
        .expect("c2 is not closed by the hop limit");
    assert_eq!(view.state, ContactState::Queued);
}

#[test]
fn a_transfer_into_a_closed_or_full_queue_is_refused_and_the_agent_keeps_the_contact() {
    let mut d = default_world();
    let mut other = QueueConfig::new("other", Channel::Chat);
    other.max_queue_size = Some(0);
    d.command(t(0), Command::ConfigureQueue(Box::new(other)))
        .unwrap();
    let c = busy_with_chat(&mut d);
    let transfer = |d: &mut Driver, at| {
        d.command(
            t(at),
            Command::Transfer {
                agent: id("a1"),
                contact: c,
                target: TransferTarget::Queue(QueueId::new("other")),
            },
        )
    };
    assert_eq!(transfer(&mut d, 4).unwrap_err().code(), "queue_unavailable");
    d.command(
        t(5),
        Command::SetQueueEmergency {
            queue: QueueId::new("other"),
            emergency: Some(switchboard_core::model::QueueEmergency {
                message: None,
                set_by: None,
            }),
        },
    )
    .unwrap();
    assert_eq!(transfer(&mut d, 6).unwrap_err().code(), "queue_unavailable");
    assert_eq!(
        d.engine.contact_view(c).unwrap().state,
        ContactState::Handling
    );
}

#[test]
fn outbound_dials_need_a_voice_queue_and_an_unanswered_dial_closes_33_6() {
    let mut d = default_world();
    d.command(
        t(1),
        Command::Login {
            agent: id("a1"),
            station: "s1".into(),
            state: Some(SelectableState::OutgoingInteractions),
        },
    )
    .unwrap();
    let dial = |d: &mut Driver, queue: Option<&str>| {
        d.engine.handle_command(
            t(2),
            Command::Dial {
                agent: id("a1"),
                destination: "+3620".into(),
                queue: queue.map(QueueId::new),
            },
        )
    };
    assert_eq!(
        dial(&mut d, Some("chat")).unwrap_err().code(),
        "invalid_input"
    );
    let contact = dial(&mut d, None).unwrap().contact.unwrap();
    d.drain();
    d.command(
        t(30),
        Command::End {
            agent: id("a1"),
            contact,
        },
    )
    .unwrap();
    let then = when(
        &mut d,
        31,
        Command::Complete {
            agent: id("a1"),
            contact,
            disposition: None,
        },
    );
    assert!(
        then.iter()
            .any(|e| e.contains("closed (33 FAILED_DESTINATION, 6 MINOR_NOANSWER)")),
        "{then:?}"
    );
}

// ----- callbacks (docs/callbacks.md) -----

fn callback_world() -> Driver {
    world(Settings::default(), |q| {
        q.callbacks = Some(switchboard_core::callback::CallbackSettings {
            max_age_ms: Some(600_000),
            ..Default::default()
        })
    })
}

fn new_callback(d: &mut Driver, at: i64, due: Option<i64>) -> ContactId {
    d.engine
        .handle_command(
            t(at),
            Command::CreateCallback {
                queue: QueueId::new("q"),
                destination: "+3630".into(),
                due: due.map(t),
                window_end: None,
                agent: None,
            },
        )
        .map(|r| {
            d.drain();
            r.contact.unwrap()
        })
        .unwrap()
}

#[test]
fn callbacks_need_a_voice_or_callback_queue_with_callbacks() {
    let mut d = default_world();
    let mut chat = QueueConfig::new("chat", Channel::Chat);
    chat.callbacks = Some(Default::default());
    match d.command(t(1), Command::ConfigureQueue(Box::new(chat))) {
        Err(switchboard_core::Rejection::InvalidConfig(e)) => {
            assert_eq!(e.field, "queues[chat].callbacks")
        }
        other => panic!("{other:?}"),
    }
    let no_callbacks = d.engine.handle_command(
        t(2),
        Command::CreateCallback {
            queue: QueueId::new("q"),
            destination: "+36".into(),
            due: None,
            window_end: None,
            agent: None,
        },
    );
    assert_eq!(no_callbacks.unwrap_err().code(), "queue_unavailable");
}

#[test]
fn a_callback_expiring_while_with_an_agent_finishes_its_attempt_then_expires() {
    let mut d = callback_world();
    login(&mut d, 1, "a1", "s1");
    let c = new_callback(&mut d, 2, None);
    let offer = offer_of(&d, "a1");
    d.command(t(3), Command::Accept { offer }).unwrap();
    // Answered by a machine; max age (10 min) passes during the attempt: it finishes normally.
    d.command(
        t(50),
        Command::Connector(ConnectorEvent::Answered {
            contact: c,
            by: switchboard_core::model::AnsweredBy::Machine,
        }),
    )
    .unwrap();
    let expired = when_time(&mut d, 602);
    assert_eq!(expired, ["callback c1 expired"]);
    assert!(d.engine.callback_view(c).is_some());
    d.command(
        t(610),
        Command::End {
            agent: id("a1"),
            contact: c,
        },
    )
    .unwrap();
    let then = when(
        &mut d,
        611,
        Command::Complete {
            agent: id("a1"),
            contact: c,
            disposition: None,
        },
    );
    // Answering Machine would recall it; expired, it completes (57, 0) instead.
    assert!(
        then.iter()
            .any(|e| e.contains("closed (57 OK_CALLBACK_TIMEOUT, 0")),
        "{then:?}"
    );
}

#[test]
fn completion_status_rules() {
    let mut d = callback_world();
    login(&mut d, 1, "a1", "s1");
    let c = new_callback(&mut d, 2, None);
    let set = |d: &mut Driver, at, status| {
        d.command(
            t(at),
            Command::SetCompletion {
                agent: id("a1"),
                contact: c,
                status,
            },
        )
    };
    use switchboard_core::callback::CompletionStatus as S;
    // Not yet accepted: a2 or a1 hold no attempt.
    assert_eq!(
        set(&mut d, 3, S::Handled).unwrap_err().code(),
        "not_agents_contact"
    );
    let offer = offer_of(&d, "a1");
    d.command(t(4), Command::Accept { offer }).unwrap();
    set(&mut d, 5, S::Cancel).unwrap(); // allowed while dialing
    let past = S::CallbackRequested {
        due: t(1),
        agent: None,
    };
    assert_eq!(set(&mut d, 6, past).unwrap_err().code(), "invalid_input");
    d.command(
        t(7),
        Command::Connector(ConnectorEvent::Answered {
            contact: c,
            by: switchboard_core::model::AnsweredBy::Live,
        }),
    )
    .unwrap();
    assert_eq!(
        set(&mut d, 8, S::Cancel).unwrap_err().code(),
        "invalid_contact_state"
    );
    set(&mut d, 9, S::Handled).unwrap();
    // A plain call has no attempt to set a status on.
    let call = arrive(&mut d, 10, Channel::Voice, "q");
    login(&mut d, 11, "a2", "s2");
    let o = offer_of(&d, "a2");
    d.command(
        t(12),
        Command::Connector(ConnectorEvent::LegLinked { offer: o }),
    )
    .unwrap();
    assert_eq!(
        d.command(
            t(13),
            Command::SetCompletion {
                agent: id("a2"),
                contact: call,
                status: S::Handled
            }
        )
        .unwrap_err()
        .code(),
        "invalid_contact_state"
    );
}

#[test]
fn a_queue_keeps_its_callbacks_settings_while_callbacks_are_open() {
    let mut d = callback_world();
    new_callback(&mut d, 1, Some(100));
    let plain = QueueConfig::new("q", Channel::Voice);
    assert_eq!(
        d.command(t(2), Command::ConfigureQueue(Box::new(plain)))
            .unwrap_err()
            .code(),
        "in_use"
    );
}

#[test]
fn callback_counters_follow_the_shift() {
    let mut d = callback_world();
    login(&mut d, 1, "a1", "s1");
    let c = new_callback(&mut d, 2, None);
    let pending = new_callback(&mut d, 3, Some(400));
    let monitor = |d: &Driver| d.engine.callback_monitor(&QueueId::new("q")).unwrap();
    assert_eq!(monitor(&d).to_be_processed, 1, "c2 Pending; c1 offered");
    let offer = offer_of(&d, "a1");
    d.command(t(4), Command::Accept { offer }).unwrap();
    d.command(
        t(14),
        Command::Connector(ConnectorEvent::Answered {
            contact: c,
            by: switchboard_core::model::AnsweredBy::Live,
        }),
    )
    .unwrap();
    d.command(
        t(20),
        Command::End {
            agent: id("a1"),
            contact: c,
        },
    )
    .unwrap();
    d.command(
        t(24),
        Command::Complete {
            agent: id("a1"),
            contact: c,
            disposition: None,
        },
    )
    .unwrap();
    d.command(t(30), Command::PurgeCallback { contact: pending })
        .unwrap();
    let m = monitor(&d);
    assert_eq!(
        (m.processed, m.purged, m.to_be_processed, m.avg_handle_ms),
        (1, 1, 0, Some(20_000))
    );
    assert_eq!((m.pct_reached, m.pct_fail), (Some(100.0), Some(0.0)));
    // Midnight UTC (default shift start) restarts the counters.
    d.advance(t(86_400));
    let m = monitor(&d);
    assert_eq!((m.processed, m.purged, m.shift_since), (0, 0, t(86_400)));
}

// ----- unavailable time-out (issue 13, item 6) -----

const MINUTE: i64 = 60;

/// Given the default world with reasons Lunch and Coffee and `settings` applied.
fn unavailable_world(settings: impl FnOnce(&mut Settings)) -> Driver {
    let mut s = Settings {
        unavailable_reasons: vec!["Lunch".into(), "Coffee".into()],
        ..Settings::default()
    };
    settings(&mut s);
    world(s, |_| {})
}

fn set_with_reason(d: &mut Driver, at: i64, agent: &str, state: SelectableState, reason: &str) {
    d.command(
        t(at),
        Command::SetState {
            agent: id(agent),
            state,
            reason: Some(reason.into()),
        },
    )
    .unwrap();
}

#[test]
fn unavailable_too_long_is_logged_out_as_its_own_event_with_its_reason() {
    let mut d = unavailable_world(|s| s.unavailable_timeout_ms = Some(30 * 60_000));
    login(&mut d, 1, "a1", "s1");
    set_with_reason(&mut d, 2, "a1", SelectableState::Break, "Coffee");
    assert!(when_time(&mut d, 2 + 30 * MINUTE - 1).is_empty());
    assert_eq!(
        when_time(&mut d, 2 + 30 * MINUTE),
        [
            "agent a1 unavailable too long: Break reason Coffee since 2s",
            "agent a1 logged out",
            "agent a1 state Offline (Unavailable time-out)",
        ]
    );
    // The reason lasts until the next login.
    assert_eq!(
        when(
            &mut d,
            4000,
            Command::Login {
                agent: id("a1"),
                station: "s1".into(),
                state: None,
            }
        ),
        [
            "agent a1 logged in at s1",
            "agent a1 presence Ready reason -",
            "agent a1 state Ready",
        ]
    );
}

#[test]
fn unavailable_time_out_is_off_by_default_and_counts_only_break_and_back_office() {
    // Off by default: 12 hours of Break and nothing happens.
    let mut d = unavailable_world(|_| {});
    login(&mut d, 1, "a1", "s1");
    set(&mut d, 2, "a1", SelectableState::Break);
    assert!(when_time(&mut d, 2 + 721 * MINUTE).is_empty());
    assert_eq!(state(&d, "a1"), AgentState::Break);
    // On: Outgoing Interactions and No Answer are not unavailable states.
    let mut d = unavailable_world(|s| s.unavailable_timeout_ms = Some(30 * 60_000));
    login(&mut d, 1, "a1", "s1");
    set(&mut d, 2, "a1", SelectableState::OutgoingInteractions);
    login(&mut d, 3, "a2", "s2");
    let chat = arrive(&mut d, 4, Channel::Chat, "chat");
    when_time(&mut d, 4 + 45);
    assert_eq!(state(&d, "a2"), AgentState::NoAnswer);
    d.command(t(50), Command::Abandon { contact: chat })
        .unwrap();
    when_time(&mut d, 200);
    assert!(when_time(&mut d, 2 + 60 * MINUTE).is_empty());
    // BackOffice counts like Break; leaving it stops the clock, coming back restarts it.
    set(&mut d, 4000, "a1", SelectableState::BackOffice);
    set(&mut d, 4000 + 29 * MINUTE, "a1", SelectableState::Ready);
    set(
        &mut d,
        4000 + 29 * MINUTE,
        "a1",
        SelectableState::BackOffice,
    );
    assert!(when_time(&mut d, 4000 + 30 * MINUTE).is_empty());
    assert_eq!(
        when_time(&mut d, 4000 + 59 * MINUTE)[0],
        format!(
            "agent a1 unavailable too long: BackOffice – Administrative reason - since {}s",
            4000 + 29 * MINUTE
        )
    );
}

#[test]
fn unavailable_time_out_per_reason_replaces_the_global_one() {
    let mut d = unavailable_world(|s| {
        s.unavailable_timeout_by_reason_ms
            .insert("Lunch".into(), 60 * 60_000);
    });
    login(&mut d, 1, "a1", "s1");
    login(&mut d, 1, "a2", "s2");
    // Only Lunch has one (the global one is off).
    set_with_reason(&mut d, 2, "a1", SelectableState::Break, "Lunch");
    set_with_reason(&mut d, 2, "a2", SelectableState::Break, "Coffee");
    assert!(when_time(&mut d, 2 + 60 * MINUTE - 1).is_empty());
    let events = when_time(&mut d, 2 + 60 * MINUTE);
    assert_eq!(
        events[0],
        "agent a1 unavailable too long: Break reason Lunch since 2s"
    );
    assert_eq!(state(&d, "a1"), AgentState::Offline);
    assert!(when_time(&mut d, 2 + 721 * MINUTE).is_empty());
    assert_eq!(state(&d, "a2"), AgentState::Break);
    // Another reason is another state shown: the clock starts again with its time-out.
    set_with_reason(&mut d, 50_000, "a2", SelectableState::Break, "Lunch");
    assert!(when_time(&mut d, 50_000 + 60 * MINUTE - 1).is_empty());
    assert_eq!(state(&d, "a2"), AgentState::Break);
    when_time(&mut d, 50_000 + 60 * MINUTE);
    assert_eq!(state(&d, "a2"), AgentState::Offline);
}

#[test]
fn waiting_for_break_does_not_count_until_the_agent_shows_break() {
    let mut d = unavailable_world(|s| s.unavailable_timeout_ms = Some(30 * 60_000));
    let chat = busy_with_chat(&mut d);
    set(&mut d, 4, "a1", SelectableState::Break);
    assert_eq!(state(&d, "a1"), AgentState::WaitingForBreak);
    assert!(when_time(&mut d, 4 + 60 * MINUTE).is_empty());
    finish(&mut d, 4000, "a1", chat);
    assert_eq!(state(&d, "a1"), AgentState::Break);
    assert!(when_time(&mut d, 4001 + 30 * MINUTE - 1).is_empty());
    assert_eq!(
        when_time(&mut d, 4001 + 30 * MINUTE)[1],
        "agent a1 logged out"
    );
}

#[test]
fn settings_changes_rearm_the_unavailable_time_out_from_when_the_state_began() {
    let mut d = unavailable_world(|_| {});
    login(&mut d, 1, "a1", "s1");
    login(&mut d, 1, "a2", "s2");
    set(&mut d, 2, "a1", SelectableState::Break);
    // Turned on after 40 minutes of Break: a1 is over it already and goes at once.
    let mut on = d.engine.settings().clone();
    on.unavailable_timeout_ms = Some(30 * 60_000);
    d.command(t(2 + 40 * MINUTE), Command::ConfigureSettings(on.clone()))
        .unwrap();
    assert_eq!(
        when_time(&mut d, 2 + 40 * MINUTE)[0],
        "agent a1 unavailable too long: Break reason - since 2s"
    );
    // Turned off while a2 is in Break: no logout.
    set(&mut d, 5000, "a2", SelectableState::Break);
    let mut off = on;
    off.unavailable_timeout_ms = None;
    d.command(t(5001), Command::ConfigureSettings(off)).unwrap();
    assert!(when_time(&mut d, 5000 + 721 * MINUTE).is_empty());
    assert_eq!(state(&d, "a2"), AgentState::Break);
}

#[test]
fn a_snapshot_from_before_the_unavailable_time_out_still_loads() {
    let mut d = unavailable_world(|_| {});
    login(&mut d, 1, "a1", "s1");
    set(&mut d, 2, "a1", SelectableState::Break);
    // An engine snapshot as the previous version wrote it: no agent has the new fields.
    let mut json = serde_json::to_value(&d.engine).unwrap();
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("unavailable_deadline");
                map.remove("logout_reason");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut json);
    assert!(!json.to_string().contains("unavailable_deadline"));
    let engine = switchboard_core::Engine::from_snapshot(json).unwrap();
    assert_eq!(engine.dump(), d.engine.dump());
    assert_eq!(engine.check_invariants(), Ok(()));
}

// ----- the do-not-call list (issue 13) -----

fn add_dnc(d: &mut Driver, at: i64, numbers: &[&str]) -> Result<(), switchboard_core::Rejection> {
    d.command(
        t(at),
        Command::AddDoNotCall {
            numbers: numbers.iter().map(|n| n.to_string()).collect(),
        },
    )
}

#[test]
fn creating_a_callback_to_a_listed_number_answers_with_its_closure_58() {
    let mut d = callback_world();
    add_dnc(&mut d, 1, &["00 36 30"]).unwrap();
    let receipt = d
        .engine
        .handle_command(
            t(2),
            Command::CreateCallback {
                queue: QueueId::new("q"),
                destination: "+36-30".into(),
                due: None,
                window_end: None,
                agent: None,
            },
        )
        .unwrap();
    d.drain();
    let code = receipt.closed.expect("closed at once");
    assert_eq!((code.major.0, code.minor.0), (58, 0));
    let contact = receipt.contact.unwrap();
    assert!(d.engine.contact_view(contact).is_none());
    // Another number is created and stays open.
    d.command(
        t(3),
        Command::RemoveDoNotCall {
            number: "+3630".into(),
        },
    )
    .unwrap();
    let open = new_callback(&mut d, 4, None);
    assert!(d.engine.contact_view(open).is_some());
}

#[test]
fn an_offered_callback_whose_number_is_listed_is_withdrawn_and_closes_58() {
    let mut d = callback_world();
    login(&mut d, 1, "a1", "s1");
    let c = new_callback(&mut d, 2, None);
    let offer = offer_of(&d, "a1");
    let before = d.journal.len();
    add_dnc(&mut d, 3, &["+3630"]).unwrap();
    let events: Vec<&Event> = d.journal[before..].iter().map(|r| &r.event).collect();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::OfferRescinded { offer: o, .. } if *o == offer))
    );
    assert!(events.iter().any(|e| matches!(e,
        Event::ContactClosed { contact, code, .. } if *contact == c && code.major.0 == 58)));
    assert_eq!(
        d.engine.agent_view(&id("a1")).unwrap().state,
        AgentState::Ready
    );
    d.check_replay();
}

#[test]
fn the_list_is_bounded_settings_cannot_shrink_below_it_and_bad_numbers_add_nothing() {
    let mut settings = Settings::default();
    settings.limits.do_not_call_max = 2;
    let mut d = world(settings.clone(), |_| {});
    // All or none: one bad number rejects the whole import.
    let bad = add_dnc(&mut d, 1, &["+3611", "12a"]).unwrap_err();
    assert_eq!(bad.code(), "invalid_input");
    assert_eq!(d.engine.do_not_call_len(), 0);
    add_dnc(&mut d, 2, &["+3611", "+3612"]).unwrap();
    // Already listed numbers do not count again.
    add_dnc(&mut d, 3, &["0036 11"]).unwrap();
    assert_eq!(
        add_dnc(&mut d, 4, &["+3613"]).unwrap_err().code(),
        "limit_exceeded"
    );
    settings.limits.do_not_call_max = 1;
    assert_eq!(
        d.command(t(5), Command::ConfigureSettings(settings))
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert!(d.engine.is_do_not_call("+36 11"));
    assert!(!d.engine.is_do_not_call("sip:+3611@pbx"));
}

#[test]
fn the_list_survives_replay_and_snapshots() {
    let mut d = default_world();
    add_dnc(&mut d, 1, &["+3611", "06 30 123"]).unwrap();
    d.command(
        t(2),
        Command::RemoveDoNotCall {
            number: "+3611".into(),
        },
    )
    .unwrap();
    d.check_replay();
    let json = serde_json::to_string(&d.engine).unwrap();
    let restored =
        switchboard_core::Engine::from_snapshot(&mut serde_json::Deserializer::from_str(&json))
            .unwrap();
    let numbers: Vec<&str> = restored.do_not_call_numbers().collect();
    assert_eq!(numbers, ["0630123"]);
    assert_eq!(restored.dump(), d.engine.dump());
}

// ----- queue hours, holidays and emergency (issue 13, item 1) -----

/// Queue "q" open Thursdays 00:00–01:00 UTC (the clock starts on Thursday 1 January 1970),
/// with Friday 2 January a holiday.
fn hours_world(when_closed: switchboard_core::config::WhenClosed) -> Driver {
    world(Settings::default(), |q| {
        q.schedule = Some(Box::new(switchboard_core::schedule::ScheduleSettings {
            time_zone: "UTC".into(),
            open_hours: vec!["Thu 00:00-01:00".into()],
            holidays: vec!["1970-01-02".into()],
        }));
        q.when_closed = when_closed;
    })
}

/// Creates a voice contact in "q" and returns what the creation answered.
fn create(d: &mut Driver, at: i64) -> switchboard_core::Receipt {
    d.advance(t(at));
    let receipt = d
        .engine
        .handle_command(
            t(at),
            Command::CreateContact {
                channel: Channel::Voice,
                queue: QueueId::new("q"),
                from: "+3611".into(),
                priority: 0,
                attributes: Default::default(),
            },
        )
        .unwrap();
    d.drain();
    d.check();
    receipt
}

#[test]
fn the_creation_receipt_says_why_a_closed_queue_closed_the_contact() {
    use switchboard_core::model::{QueueClosure, QueueEmergency};
    let mut d = hours_world(Default::default());
    let open = create(&mut d, 10);
    assert_eq!((open.closed, open.queue_closed), (None, None));
    let after_hours = create(&mut d, 3_700);
    assert_eq!(after_hours.closed.map(|c| c.minor.0), Some(15));
    assert_eq!(
        after_hours.queue_closed,
        Some((QueueClosure::Schedule, None))
    );
    let holiday = create(&mut d, 86_400 + 60);
    assert_eq!(holiday.closed.map(|c| c.minor.0), Some(23));
    assert_eq!(holiday.queue_closed, Some((QueueClosure::Holiday, None)));
    let emergency = QueueEmergency {
        message: Some("Power cut".into()),
        set_by: Some("ops (supervisor)".into()),
    };
    d.command(
        t(86_500),
        Command::SetQueueEmergency {
            queue: QueueId::new("q"),
            emergency: Some(emergency.clone()),
        },
    )
    .unwrap();
    let closed = create(&mut d, 86_600);
    assert_eq!(
        closed.closed.map(|c| (c.major.0, c.minor.0)),
        Some((38, 24))
    );
    assert_eq!(
        closed.queue_closed,
        Some((QueueClosure::Emergency, Some(emergency)))
    );
    // A contact closed for another reason (no such queue) names no queue closure.
    d.advance(t(86_700));
    let unknown = d
        .engine
        .handle_command(
            t(86_700),
            Command::CreateContact {
                channel: Channel::Voice,
                queue: QueueId::new("nowhere"),
                from: "+3611".into(),
                priority: 0,
                attributes: Default::default(),
            },
        )
        .unwrap();
    d.drain();
    assert_eq!(unknown.closed.map(|c| c.minor.0), Some(14));
    assert_eq!(unknown.queue_closed, None);
    // The first contact waited through it all (keep-waiting).
    assert_eq!(
        d.engine.contact_view(open.contact.unwrap()).unwrap().state,
        ContactState::Queued
    );
    d.check_replay();
}

#[test]
fn queue_hours_survive_snapshots_and_their_timers_fire_after_a_restore() {
    use switchboard_core::model::QueueClosure;
    let mut d = hours_world(switchboard_core::config::WhenClosed::CloseWaiting);
    let waiting = create(&mut d, 10).contact.unwrap();
    let json = serde_json::to_string(&d.engine).unwrap();
    let mut restored =
        switchboard_core::Engine::from_snapshot(&mut serde_json::Deserializer::from_str(&json))
            .unwrap();
    assert_eq!(restored.dump(), d.engine.dump());
    // 01:00: the restored engine's schedule closes the queue and the waiting contact.
    restored.handle_timeout(t(3_600));
    d.advance(t(3_600));
    assert_eq!(restored.dump(), d.engine.dump());
    assert!(d.engine.contact_view(waiting).is_none());
    let view = d.engine.queue_view(&QueueId::new("q")).unwrap();
    assert_eq!(view.closure, Some(QueueClosure::Schedule));
    assert_eq!(view.closed_since, Some(t(3_600)));
    assert_eq!(view.next_change, Some(t(86_400)));
    // A snapshot of the version before queue hours (no such fields) still loads.
    let mut old = serde_json::to_value(&d.engine).unwrap();
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for field in ["closure_since", "emergency", "hours_check"] {
                    map.remove(field);
                }
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut old);
    let old = switchboard_core::Engine::from_snapshot(old).unwrap();
    assert_eq!(
        old.queue_view(&QueueId::new("q")).unwrap().closure,
        Some(QueueClosure::Schedule)
    );
}

#[test]
fn a_schedule_is_validated_with_the_callbacks_rules() {
    let mut d = default_world();
    let mut q = QueueConfig::new("x", Channel::Voice);
    q.schedule = Some(Box::new(switchboard_core::schedule::ScheduleSettings {
        time_zone: "Mars/Olympus".into(),
        open_hours: vec![],
        holidays: vec![],
    }));
    let err = d
        .command(t(1), Command::ConfigureQueue(Box::new(q.clone())))
        .unwrap_err();
    assert_eq!(err.code(), "invalid_config");
    assert!(
        err.to_string().contains("queues[x].schedule.time_zone"),
        "{err}"
    );
    q.schedule = Some(Box::new(switchboard_core::schedule::ScheduleSettings {
        time_zone: "UTC".into(),
        open_hours: vec!["Mon-Fri 18:00-08:00".into()],
        holidays: vec![],
    }));
    let err = d
        .command(t(1), Command::ConfigureQueue(Box::new(q)))
        .unwrap_err();
    assert!(
        err.to_string().contains("queues[x].schedule.open_hours[0]"),
        "{err}"
    );
}

#[test]
fn a_holiday_more_than_a_year_ahead_still_closes_the_queue() {
    use switchboard_core::model::QueueClosure;
    let mut d = world(Settings::default(), |q| {
        q.schedule = Some(Box::new(switchboard_core::schedule::ScheduleSettings {
            time_zone: "UTC".into(),
            open_hours: vec![],
            holidays: vec!["1971-02-10".into()], // day 405 after the start
        }));
    });
    let q = QueueId::new("q");
    assert_eq!(
        d.engine.queue_view(&q).unwrap().next_change,
        Some(t(365 * 86_400))
    );
    d.advance(t(404 * 86_400));
    assert_eq!(d.engine.queue_view(&q).unwrap().closure, None);
    d.advance(t(405 * 86_400));
    assert_eq!(
        d.engine.queue_view(&q).unwrap().closure,
        Some(QueueClosure::Holiday)
    );
    d.check_replay();
}
