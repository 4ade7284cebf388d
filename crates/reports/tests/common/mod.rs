//! The hand-built journal of the report tests (`reports.rs`), also read through PostgreSQL
//! (`postgres.rs`).

use switchboard_core::callback::{AttemptState, CallbackEnd, CallbackOrigin, CallbackSettings};
use switchboard_core::closure::{ClosureCode, Major, Minor};
use switchboard_core::config::{AgentConfig, Disposition, QueueConfig};
use switchboard_core::event::{Event, EventRecord};
use switchboard_core::ids::{AgentId, ContactId, QueueId, StationId};
use switchboard_core::model::{AgentState, Channel, RefusalReason};
use switchboard_core::time::Timestamp;

pub fn at(text: &str) -> Timestamp {
    Timestamp(text.parse::<jiff::Timestamp>().unwrap().as_millisecond())
}

fn agent(id: &str) -> AgentId {
    AgentId::new(id)
}

fn refusal(contact: u64, by: &str, name: &str, reason: RefusalReason) -> Event {
    Event::OfferRefused {
        offer: None,
        contact: ContactId(contact),
        agent: agent(by),
        agent_full_name: name.into(),
        station: StationId::new(if by == "ann" { "s1" } else { "s2" }),
        reason,
        cause_code: None,
        excluded_until: Timestamp(0),
        decline_reason: None,
    }
}

fn state(who: &str, state: AgentState, reason: Option<&str>) -> Event {
    Event::AgentStateChanged {
        agent: agent(who),
        state,
        reason: reason.map(Into::into),
        station: Some(StationId::new("s1")),
    }
}

fn closed(
    contact: u64,
    code: (u16, u16),
    agent_id: Option<&str>,
    queue: &str,
    channel: Channel,
    disposition: Option<&str>,
    entrance: &str,
) -> Event {
    Event::ContactClosed {
        contact: ContactId(contact),
        code: ClosureCode::new(Major(code.0), Minor(code.1)),
        disposition: disposition.map(Into::into),
        agent: agent_id.map(agent),
        queue: QueueId::new(queue),
        channel,
        arrived: at(entrance),
        entrance: at(entrance),
    }
}

fn created(contact: u64, entrance: &str) -> Event {
    Event::CallbackCreated {
        contact: ContactId(contact),
        queue: QueueId::new("service"),
        destination: format!("+36 1 555 {contact:04}"),
        origin: CallbackOrigin::Api,
        due: at(entrance),
        reserved: None,
        expires: None,
        entrance: at(entrance),
        from_contact: None,
    }
}

fn attempt_ended(
    contact: u64,
    attempt: u32,
    by: Option<(&str, &str)>,
    state: AttemptState,
    dial_started: Option<&str>,
) -> Event {
    Event::AttemptEnded {
        contact: ContactId(contact),
        attempt,
        agent: by.map(|(id, _)| agent(id)),
        agent_full_name: by.map(|(_, name)| name.into()),
        state,
        minor: state.minor(),
        counted: state.is_counted(),
        dial_started: dial_started.map(at),
    }
}

fn status(status: switchboard_core::callback::CallbackStatus) -> Event {
    Event::CallbackStatusChanged {
        queue: QueueId::new("service"),
        status,
        next_check: None,
    }
}

/// Two days around the start of daylight-saving time in Budapest (2026-03-29 02:00 CET →
/// 03:00 CEST, i.e. 01:00 UTC).
pub fn journal() -> Vec<EventRecord> {
    use switchboard_core::callback::CallbackStatus::*;
    let mut sales = QueueConfig::new("sales", Channel::Voice);
    sales.dispositions = vec![Disposition {
        code: "sale".into(),
        label_en: "Sale".into(),
        label_hu: "Eladás".into(),
        success: true,
        callback: false,
        no_interest: false,
        do_not_call: false,
    }];
    let mut service = QueueConfig::new("service", Channel::Callback);
    service.callbacks = Some(CallbackSettings::default());
    let mut ann = AgentConfig::new("ann", "Ann Lee", &["sales", "service"]);
    ann.team = Some("Blue".into());
    let bob = AgentConfig::new("bob", "Bob \"The Builder\", Jr.", &["sales"]);
    let events: Vec<(&str, Event)> = vec![
        (
            "2026-03-28T07:00:00Z",
            Event::QueueConfigured {
                queue: Box::new(sales),
            },
        ),
        (
            "2026-03-28T07:00:00Z",
            Event::QueueConfigured {
                queue: Box::new(service),
            },
        ),
        ("2026-03-28T07:00:00Z", status(Active)),
        (
            "2026-03-28T07:00:00Z",
            Event::AgentConfigured {
                agent: Box::new(ann),
            },
        ),
        (
            "2026-03-28T07:00:00Z",
            Event::AgentConfigured {
                agent: Box::new(bob),
            },
        ),
        (
            "2026-03-28T07:00:00Z",
            state("ann", AgentState::Ready, None),
        ),
        (
            "2026-03-28T07:30:00Z",
            state("bob", AgentState::Ready, None),
        ),
        (
            "2026-03-28T08:15:30Z",
            refusal(1, "ann", "Ann Lee", RefusalReason::NoAnswer),
        ),
        (
            "2026-03-28T08:15:30Z",
            state("ann", AgentState::NoAnswer, None),
        ),
        (
            "2026-03-28T08:20:00Z",
            state("ann", AgentState::Ready, None),
        ),
        (
            "2026-03-28T08:30:00Z",
            closed(
                1,
                (48, 0),
                Some("ann"),
                "sales",
                Channel::Voice,
                Some("sale"),
                "2026-03-28T08:10:00Z",
            ),
        ),
        ("2026-03-28T09:00:00Z", created(10, "2026-03-28T09:00:00Z")),
        (
            "2026-03-28T09:05:00Z",
            Event::AttemptStarted {
                contact: ContactId(10),
                attempt: 1,
                agent: agent("bob"),
                no_answer_deadline: None,
            },
        ),
        (
            "2026-03-28T09:06:10Z",
            attempt_ended(
                10,
                1,
                Some(("bob", "Bob \"The Builder\", Jr.")),
                AttemptState::NoAnswer,
                Some("2026-03-28T09:05:10Z"),
            ),
        ),
        ("2026-03-28T10:00:00Z", created(11, "2026-03-28T10:00:00Z")),
        (
            "2026-03-28T12:00:00Z",
            Event::CallbackCompleted {
                contact: ContactId(11),
                queue: QueueId::new("service"),
                destination: "+36 1 555 0011".into(),
                end: CallbackEnd::Purged,
                entrance: at("2026-03-28T10:00:00Z"),
                attempts: 0,
                reached: false,
            },
        ),
        (
            "2026-03-28T12:00:00Z",
            closed(
                11,
                (32, 0),
                None,
                "service",
                Channel::Callback,
                None,
                "2026-03-28T10:00:00Z",
            ),
        ),
        ("2026-03-28T18:00:00Z", status(OffScheduleHrs)),
        (
            "2026-03-28T18:00:00Z",
            attempt_ended(10, 2, None, AttemptState::Aborted, None),
        ),
        (
            "2026-03-28T21:30:00Z",
            refusal(
                2,
                "bob",
                "Bob \"The Builder\", Jr.",
                RefusalReason::BadNumber,
            ),
        ),
        (
            "2026-03-28T21:45:00Z",
            closed(
                2,
                (40, 12),
                None,
                "sales",
                Channel::Voice,
                None,
                "2026-03-28T21:29:00Z",
            ),
        ),
        (
            "2026-03-28T22:30:00Z",
            state("ann", AgentState::Break, Some("Coffee")),
        ),
        (
            "2026-03-29T00:10:00Z",
            state("ann", AgentState::Ready, None),
        ),
        (
            "2026-03-29T00:30:00Z",
            refusal(3, "ann", "Ann Lee", RefusalReason::Declined),
        ),
        (
            "2026-03-29T01:30:00Z",
            refusal(
                4,
                "bob",
                "Bob \"The Builder\", Jr.",
                RefusalReason::InvalidCallLeg,
            ),
        ),
        ("2026-03-29T06:00:00Z", created(12, "2026-03-29T06:00:00Z")),
        ("2026-03-29T07:00:00Z", status(Active)),
        (
            "2026-03-29T07:10:00Z",
            Event::AttemptStarted {
                contact: ContactId(10),
                attempt: 3,
                agent: agent("ann"),
                no_answer_deadline: None,
            },
        ),
        (
            "2026-03-29T07:15:00Z",
            attempt_ended(
                10,
                3,
                Some(("ann", "Ann Lee")),
                AttemptState::Handled,
                Some("2026-03-29T07:10:05Z"),
            ),
        ),
        (
            "2026-03-29T07:15:00Z",
            Event::CallbackCompleted {
                contact: ContactId(10),
                queue: QueueId::new("service"),
                destination: "+36 1 555 0010".into(),
                end: CallbackEnd::Handled,
                entrance: at("2026-03-28T09:00:00Z"),
                attempts: 1,
                reached: true,
            },
        ),
        (
            "2026-03-29T07:15:00Z",
            closed(
                10,
                (48, 0),
                Some("ann"),
                "service",
                Channel::Callback,
                None,
                "2026-03-28T09:00:00Z",
            ),
        ),
        (
            "2026-03-29T08:00:00Z",
            state("bob", AgentState::Offline, None),
        ),
    ];
    events
        .into_iter()
        .map(|(time, event)| EventRecord {
            at: at(time),
            event,
        })
        .collect()
}
