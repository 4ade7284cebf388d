//! `Event::kind()` is the serde tag of every variant: one sample per variant, and a check
//! that no variant lacks a sample (`EventKind` is derived from `Event`, so a new variant
//! fails here until it has one).

use super::*;
use crate::closure::Major;
use strum::VariantArray;

fn samples() -> Vec<Event> {
    let q = || QueueId::new("q");
    let a = || AgentId::new("a");
    let s = || StationId::new("s");
    let c = ContactId(1);
    let o = OfferId(1);
    let t = Timestamp(0);
    let code = ClosureCode::new(Major(1), Minor::DEFAULT);
    vec![
        Event::SettingsConfigured {
            settings: Box::new(Settings::default()),
        },
        Event::QueueConfigured {
            queue: Box::new(QueueConfig::new("q", Channel::Voice)),
        },
        Event::QueueRemoved { queue: q() },
        Event::QueueClosureChanged {
            queue: q(),
            closure: Some(QueueClosure::Schedule),
            emergency: None,
            next_check: Some(t),
        },
        Event::AgentConfigured {
            agent: Box::new(AgentConfig::new("a", "A", &["q"])),
        },
        Event::AgentRemoved { agent: a() },
        Event::StationConfigured {
            station: StationConfig::new("s", "100"),
        },
        Event::StationRemoved { station: s() },
        Event::AgentLoggedIn {
            agent: a(),
            station: s(),
        },
        Event::AgentLoggedOut {
            agent: a(),
            by: None,
        },
        Event::AgentPresenceChanged {
            agent: a(),
            presence: Presence::Ready,
            reason: None,
            by: None,
        },
        Event::AgentPendingChanged {
            agent: a(),
            pending: None,
            reason: None,
            by: None,
        },
        Event::AgentStateForced {
            agent: a(),
            state: SelectableState::Ready,
            reason: None,
            by: "admin".to_owned(),
        },
        Event::AgentUnavailableTimedOut {
            agent: a(),
            state: AgentState::Break,
            reason: None,
            since: t,
        },
        Event::AgentStateChanged {
            agent: a(),
            state: AgentState::Ready,
            reason: None,
            station: None,
        },
        Event::ContactArrived {
            contact: c,
            channel: Channel::Voice,
            direction: Direction::Inbound,
            queue: q(),
            from: "+3611".into(),
            priority: 0,
            attributes: BTreeMap::new(),
        },
        Event::ContactQueued {
            contact: c,
            queue: q(),
            entrance: t,
        },
        Event::OfferCreated {
            offer: o,
            contact: c,
            agent: a(),
            station: s(),
            deadline: t,
        },
        Event::OfferAccepted {
            offer: o,
            link_deadline: None,
        },
        Event::OfferRefused {
            offer: Some(o),
            contact: c,
            agent: a(),
            agent_full_name: "A".to_owned(),
            station: s(),
            reason: RefusalReason::Declined,
            cause_code: None,
            excluded_until: t,
            decline_reason: Some("Wrong skill".to_owned()),
        },
        Event::ExclusionEnded {
            contact: c,
            agent: a(),
        },
        Event::OfferRescinded {
            offer: o,
            contact: c,
            agent: a(),
            code: None,
        },
        Event::ContactConnected {
            contact: c,
            agent: a(),
            offer: Some(o),
            state: ContactState::Handling,
            units: 100,
        },
        Event::ContactStateChanged {
            contact: c,
            agent: a(),
            state: ContactState::OnHold,
            answered_by: Some(AnsweredBy::Live),
        },
        Event::WrapUpStarted {
            contact: c,
            agent: a(),
            deadline: None,
            detached: false,
        },
        Event::WrapUpCompleted {
            contact: c,
            agent: a(),
            disposition: None,
            timed_out: false,
        },
        Event::ContactReleased {
            contact: c,
            agent: a(),
        },
        Event::ContactSuspended {
            contact: c,
            agent: a(),
            thread: "t".to_owned(),
        },
        Event::SessionResumed {
            suspended: c,
            contact: ContactId(2),
        },
        Event::ContactParked {
            contact: c,
            agent: a(),
        },
        Event::ContactHeld {
            contact: ContactId(2),
            parked: c,
        },
        Event::SessionUnparked {
            contact: c,
            agent: None,
            requeued: vec![(c, ContactId(2))],
        },
        Event::CallbackCreated {
            contact: c,
            queue: q(),
            destination: "+3611".to_owned(),
            origin: CallbackOrigin::Api,
            due: t,
            reserved: None,
            expires: None,
            entrance: t,
            from_contact: None,
        },
        Event::CallbackPending {
            contact: c,
            due: t,
            reserved: Some((a(), t)),
        },
        Event::AttemptStarted {
            contact: c,
            attempt: 1,
            agent: a(),
            no_answer_deadline: None,
        },
        Event::AttemptDialing {
            contact: c,
            no_answer_deadline: t,
        },
        Event::DialOutcomeReported {
            contact: c,
            agent: a(),
            outcome: DialOutcome::Busy,
            cause_code: None,
        },
        Event::CompletionStatusSet {
            contact: c,
            status: CompletionStatus::Handled,
            automatic: false,
        },
        Event::AttemptEnded {
            contact: c,
            attempt: 1,
            agent: None,
            agent_full_name: None,
            state: AttemptState::Handled,
            minor: Minor::DEFAULT,
            counted: false,
            dial_started: None,
        },
        Event::CallbackExpired { contact: c },
        Event::ReservationEnded { contact: c },
        Event::CallbackCompleted {
            contact: c,
            queue: q(),
            destination: "+3611".to_owned(),
            end: CallbackEnd::Handled,
            entrance: t,
            attempts: 1,
            reached: true,
        },
        Event::CallbackStatusChanged {
            queue: q(),
            status: CallbackStatus::Active,
            next_check: None,
        },
        Event::ShiftStarted {
            queue: q(),
            since: t,
            next: None,
        },
        Event::DoNotCallAdded {
            numbers: vec!["+3611".to_owned()],
        },
        Event::DoNotCallRemoved {
            number: "+3611".to_owned(),
        },
        Event::ContactClosed {
            contact: c,
            code,
            disposition: None,
            agent: None,
            queue: q(),
            channel: Channel::Voice,
            arrived: t,
            entrance: t,
        },
    ]
}

#[test]
fn kind_matches_the_serde_tag_of_every_variant() {
    let samples = samples();
    for kind in EventKind::VARIANTS {
        assert!(
            samples.iter().any(|event| EventKind::from(event) == *kind),
            "no sample of {kind:?}"
        );
    }
    for event in &samples {
        let json = serde_json::to_value(event).unwrap();
        assert_eq!(json["type"], event.kind(), "{event:?}");
    }
}
