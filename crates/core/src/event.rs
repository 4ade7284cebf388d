//! Events: every state change of the engine, with its time. They are the journal (replaying
//! them rebuilds the state without re-running a decision) and the feed for reports and the
//! live monitor.

use crate::callback::{
    AttemptState, CallbackEnd, CallbackOrigin, CallbackStatus, CompletionStatus, DialOutcome,
};
use crate::closure::{ClosureCode, Minor};
use crate::config::{AgentConfig, QueueConfig, Settings, StationConfig};
use crate::ids::{AgentId, ContactId, OfferId, QueueId, StationId};
use crate::model::{
    AgentState, AnsweredBy, Channel, ContactState, Direction, Presence, QueueClosure,
    QueueEmergency, RefusalReason, SelectableState,
};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An event and when it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub at: Timestamp,
    pub event: Event,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    test,
    derive(strum::EnumDiscriminants),
    strum_discriminants(name(EventKind), derive(strum::VariantArray))
)]
#[serde(rename_all = "snake_case", tag = "type")]
#[derive(strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Event {
    SettingsConfigured {
        settings: Box<Settings>,
    },
    QueueConfigured {
        queue: Box<QueueConfig>,
    },
    QueueRemoved {
        queue: QueueId,
    },
    /// The queue opened or closed to arrivals, or what keeps it so changed. `closure` is
    /// what arrivals meet now: `emergency` while an emergency is set (with its message and
    /// setter), else what the queue's schedule says. `next_check`: when the schedule is next
    /// looked at (none in an emergency or without a schedule).
    QueueClosureChanged {
        queue: QueueId,
        closure: Option<QueueClosure>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        emergency: Option<QueueEmergency>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_check: Option<Timestamp>,
    },
    AgentConfigured {
        agent: Box<AgentConfig>,
    },
    AgentRemoved {
        agent: AgentId,
    },
    StationConfigured {
        station: StationConfig,
    },
    StationRemoved {
        station: StationId,
    },

    AgentLoggedIn {
        agent: AgentId,
        station: StationId,
    },
    AgentLoggedOut {
        agent: AgentId,
        /// Set by a supervisor (`force_state`): who, as the server names the key. Absent when
        /// the agent (or the engine) did it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
    /// The agent's base state (what it returns to) changed.
    AgentPresenceChanged {
        agent: AgentId,
        presence: Presence,
        reason: Option<String>,
        /// Set by a supervisor (`force_state`): who, as the server names the key. Absent when
        /// the agent (or the engine) did it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
    /// A "Waiting for X" was recorded (`Some`) or cleared (`None`).
    AgentPendingChanged {
        agent: AgentId,
        pending: Option<Presence>,
        reason: Option<String>,
        /// Set by a supervisor (`force_state`): who, as the server names the key. Absent when
        /// the agent (or the engine) did it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
    /// A supervisor (or admin) set the agent's state, or logged it out (`offline`), with the
    /// unavailable `reason` if any: the change follows as if the agent had picked it (a
    /// pending "Waiting for X" while the agent works), its events carrying `by`.
    AgentStateForced {
        agent: AgentId,
        state: SelectableState,
        reason: Option<String>,
        by: String,
    },
    /// The agent stayed unavailable (Break or BackOffice, with `reason`) from `since` for its
    /// unavailable time-out: the engine logs it out (the logout's events follow, and its
    /// Offline state carries the reason "Unavailable time-out").
    AgentUnavailableTimedOut {
        agent: AgentId,
        state: AgentState,
        reason: Option<String>,
        since: Timestamp,
    },
    /// The state shown to supervisors changed (derived from the events before it).
    AgentStateChanged {
        agent: AgentId,
        state: AgentState,
        reason: Option<String>,
        station: Option<StationId>,
    },

    ContactArrived {
        contact: ContactId,
        channel: Channel,
        direction: Direction,
        queue: QueueId,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        from: std::sync::Arc<str>,
        priority: u16,
        attributes: BTreeMap<String, String>,
    },
    /// The contact waits in `queue`; `entrance` orders it (kept across refusals).
    ContactQueued {
        contact: ContactId,
        queue: QueueId,
        entrance: Timestamp,
    },
    OfferCreated {
        offer: OfferId,
        contact: ContactId,
        agent: AgentId,
        station: StationId,
        deadline: Timestamp,
    },
    /// The agent accepted; for voice the connector must link the leg by `link_deadline`.
    OfferAccepted {
        offer: OfferId,
        link_deadline: Option<Timestamp>,
    },
    /// One refusal record (docs/engine.md, "Offers and refusals"). `offer` is `None` when a call
    /// error ends a contact the agent already held (the offer was consumed at connect).
    OfferRefused {
        offer: Option<OfferId>,
        contact: ContactId,
        agent: AgentId,
        agent_full_name: String,
        station: StationId,
        reason: RefusalReason,
        cause_code: Option<String>,
        /// The refusing agent is kept from this contact until then.
        excluded_until: Timestamp,
        /// A `Declined` refusal's reason, picked by the agent from the settings'
        /// `decline_reasons`. Absent otherwise, and then not serialized, so journals written
        /// before it keep their shape.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decline_reason: Option<String>,
    },
    /// A refusing agent's time away from this contact is over: it may be offered again.
    ExclusionEnded {
        contact: ContactId,
        agent: AgentId,
    },
    /// The offer ended without a refusal: the customer left (`code` none), or the reserved
    /// agent became unavailable (`code` (36 FAILED_NO_RESOURCE, 1 MINOR_NORESOURCE):
    /// docs/engine.md, "Closure codes").
    OfferRescinded {
        offer: OfferId,
        contact: ContactId,
        agent: AgentId,
        code: Option<ClosureCode>,
    },
    /// The contact is now with the agent in `state` (Preview, Dialing or Handling).
    ContactConnected {
        contact: ContactId,
        agent: AgentId,
        offer: Option<OfferId>,
        state: ContactState,
        units: u8,
    },
    /// Hold, resume, consult, conference, dial start, answer.
    ContactStateChanged {
        contact: ContactId,
        agent: AgentId,
        state: ContactState,
        answered_by: Option<AnsweredBy>,
    },
    /// The agent's part ended and wrap-up began. `detached`: the contact itself moved on
    /// (transfer), so completing this wrap-up does not close it.
    WrapUpStarted {
        contact: ContactId,
        agent: AgentId,
        deadline: Option<Timestamp>,
        detached: bool,
    },
    WrapUpCompleted {
        contact: ContactId,
        agent: AgentId,
        disposition: Option<String>,
        timed_out: bool,
    },
    /// The agent's part ended without wrap-up (call error).
    ContactReleased {
        contact: ContactId,
        agent: AgentId,
    },
    /// Connection-less media: the agent suspended the contact after one phase (it closes
    /// (50, 0) next). Its session waits for the customer's next message on `thread` (the
    /// thread key: see `Engine::thread_key`).
    ContactSuspended {
        contact: ContactId,
        agent: AgentId,
        thread: String,
    },
    /// The customer's next message on a suspended session's thread arrived as `contact`:
    /// the session (named by the suspended contact) ends and `contact` is routed.
    SessionResumed {
        suspended: ContactId,
        contact: ContactId,
    },
    /// The agent parked the contact (it closes (61, 0) next); its session stays parked,
    /// out of routing, until unparked.
    ContactParked {
        contact: ContactId,
        agent: AgentId,
    },
    /// A new contact of a parked session's customer is held in that session (it closes
    /// (62, 0) next) and is queued again, as a new contact, when the session is unparked.
    ContactHeld {
        contact: ContactId,
        parked: ContactId,
    },
    /// The parked session of `contact` left the Parked state (`agent`: who unparked it;
    /// `None`: a supervisor). The contacts queued again follow, as new contacts:
    /// `requeued` pairs each closed contact (the parked one, then the held ones) with the
    /// new contact that carries it on.
    SessionUnparked {
        contact: ContactId,
        agent: Option<AgentId>,
        requeued: Vec<(ContactId, ContactId)>,
    },
    /// A callback exists: Pending until `due` (or queued at once when due and Active).
    /// `from_contact`: the contact an agent scheduled it from (that one closes (51, 0)).
    CallbackCreated {
        contact: ContactId,
        queue: QueueId,
        destination: String,
        origin: CallbackOrigin,
        due: Timestamp,
        reserved: Option<(AgentId, Timestamp)>,
        expires: Option<Timestamp>,
        entrance: Timestamp,
        from_contact: Option<ContactId>,
    },
    /// Back to Pending until `due` (recall interval, requested reschedule, aborted by the
    /// schedule), optionally reserved for an agent until the second time.
    CallbackPending {
        contact: ContactId,
        due: Timestamp,
        reserved: Option<(AgentId, Timestamp)>,
    },
    /// An attempt began (the agent accepted); `no_answer_deadline` when dialing started.
    AttemptStarted {
        contact: ContactId,
        attempt: u32,
        agent: AgentId,
        no_answer_deadline: Option<Timestamp>,
    },
    /// The dial of an attempt shown in Preview started.
    AttemptDialing {
        contact: ContactId,
        no_answer_deadline: Timestamp,
    },
    /// The connector said how a dial ended (the raw cause is kept here, in the journal).
    DialOutcomeReported {
        contact: ContactId,
        agent: AgentId,
        outcome: DialOutcome,
        cause_code: Option<String>,
    },
    CompletionStatusSet {
        contact: ContactId,
        status: CompletionStatus,
        /// Set by the engine (No Answer after Duration For No Answer, Cancel on a cancel).
        automatic: bool,
    },
    /// One attempt row of the completed-callbacks report.
    AttemptEnded {
        contact: ContactId,
        attempt: u32,
        agent: Option<AgentId>,
        agent_full_name: Option<String>,
        state: AttemptState,
        minor: Minor,
        counted: bool,
        dial_started: Option<Timestamp>,
    },
    CallbackExpired {
        contact: ContactId,
    },
    /// The reservation for an agent ended: anyone may take the callback.
    ReservationEnded {
        contact: ContactId,
    },
    /// The callback ended (followed by its ContactClosed).
    CallbackCompleted {
        contact: ContactId,
        queue: QueueId,
        destination: String,
        end: CallbackEnd,
        entrance: Timestamp,
        attempts: u32,
        reached: bool,
    },
    /// CLBK Stat changed (or the next schedule check moved).
    CallbackStatusChanged {
        queue: QueueId,
        status: CallbackStatus,
        next_check: Option<Timestamp>,
    },
    /// The supervisor counters of a queue restart.
    ShiftStarted {
        queue: QueueId,
        since: Timestamp,
        next: Option<Timestamp>,
    },
    /// Numbers (normal form, not listed before) joined the do-not-call list.
    DoNotCallAdded {
        numbers: Vec<String>,
    },
    /// A number (normal form) left the do-not-call list.
    DoNotCallRemoved {
        number: String,
    },
    /// The one closed record of a contact.
    ContactClosed {
        contact: ContactId,
        code: ClosureCode,
        disposition: Option<String>,
        agent: Option<AgentId>,
        queue: QueueId,
        channel: Channel,
        arrived: Timestamp,
        entrance: Timestamp,
    },
}

impl Event {
    /// The event's type name as it appears in JSON (`"type"`), the journal and SSE: serde's
    /// tag and strum's name follow the same snake-case rule (`event/tests.rs` checks every
    /// variant).
    pub fn kind(&self) -> &'static str {
        self.into()
    }

    /// The contact an event concerns, if any: an open one, or the one it closes.
    /// (`session_unparked` names a contact closed before; the arrivals after it concern the
    /// new ones.)
    pub fn contact(&self) -> Option<ContactId> {
        match self {
            Event::ContactArrived { contact, .. }
            | Event::ContactQueued { contact, .. }
            | Event::OfferCreated { contact, .. }
            | Event::OfferRefused { contact, .. }
            | Event::OfferRescinded { contact, .. }
            | Event::ExclusionEnded { contact, .. }
            | Event::ContactConnected { contact, .. }
            | Event::ContactStateChanged { contact, .. }
            | Event::WrapUpStarted { contact, .. }
            | Event::WrapUpCompleted { contact, .. }
            | Event::ContactReleased { contact, .. }
            | Event::ContactSuspended { contact, .. }
            | Event::SessionResumed { contact, .. }
            | Event::ContactParked { contact, .. }
            | Event::ContactHeld { contact, .. }
            | Event::ContactClosed { contact, .. }
            | Event::CallbackCreated { contact, .. }
            | Event::CallbackPending { contact, .. }
            | Event::AttemptStarted { contact, .. }
            | Event::AttemptDialing { contact, .. }
            | Event::DialOutcomeReported { contact, .. }
            | Event::CompletionStatusSet { contact, .. }
            | Event::AttemptEnded { contact, .. }
            | Event::CallbackExpired { contact }
            | Event::ReservationEnded { contact }
            | Event::CallbackCompleted { contact, .. } => Some(*contact),
            _ => None,
        }
    }

    /// The agent an event concerns, for per-agent event streams.
    pub fn agent(&self) -> Option<&AgentId> {
        match self {
            Event::AgentConfigured { agent } => Some(&agent.id),
            Event::AgentRemoved { agent }
            | Event::AgentLoggedIn { agent, .. }
            | Event::AgentLoggedOut { agent, .. }
            | Event::AgentPresenceChanged { agent, .. }
            | Event::AgentPendingChanged { agent, .. }
            | Event::AgentStateForced { agent, .. }
            | Event::AgentUnavailableTimedOut { agent, .. }
            | Event::AgentStateChanged { agent, .. }
            | Event::OfferCreated { agent, .. }
            | Event::OfferRefused { agent, .. }
            | Event::OfferRescinded { agent, .. }
            | Event::ExclusionEnded { agent, .. }
            | Event::ContactConnected { agent, .. }
            | Event::ContactStateChanged { agent, .. }
            | Event::WrapUpStarted { agent, .. }
            | Event::WrapUpCompleted { agent, .. }
            | Event::ContactReleased { agent, .. }
            | Event::ContactSuspended { agent, .. }
            | Event::ContactParked { agent, .. } => Some(agent),
            Event::SessionUnparked { agent, .. } => agent.as_ref(),
            Event::AttemptStarted { agent, .. } | Event::DialOutcomeReported { agent, .. } => {
                Some(agent)
            }
            Event::AttemptEnded { agent, .. } => agent.as_ref(),
            Event::ContactClosed { agent, .. } => agent.as_ref(),
            _ => None,
        }
    }
}

/// " by <who>" for a change a supervisor made, else nothing (the traces of agents' own
/// changes stay as they were).
fn by_supervisor(by: &Option<String>) -> String {
    by.as_ref()
        .map(|by| format!(" by {by}"))
        .unwrap_or_default()
}

fn opt<T: std::fmt::Display>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map_or_else(|| "-".to_string(), |v| v.to_string())
}

impl std::fmt::Display for Event {
    /// One compact line per event, for traces, logs and test snapshots.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::SettingsConfigured { .. } => write!(f, "settings configured"),
            Event::QueueConfigured { queue } => {
                write!(f, "queue {} configured ({})", queue.id, queue.channel)
            }
            Event::QueueRemoved { queue } => write!(f, "queue {queue} removed"),
            Event::QueueClosureChanged {
                queue,
                closure,
                emergency,
                next_check,
            } => {
                match closure {
                    Some(c) => write!(f, "queue {queue} closed ({c:?})")?,
                    None => write!(f, "queue {queue} open")?,
                }
                if let Some(e) = emergency {
                    write!(
                        f,
                        " by {} message {}",
                        opt(&e.set_by),
                        e.message
                            .as_deref()
                            .map_or("-".into(), |m| format!("{m:?}"))
                    )?;
                }
                match next_check {
                    Some(at) => write!(f, " next check {at}"),
                    None => Ok(()),
                }
            }
            Event::AgentConfigured { agent } => write!(f, "agent {} configured", agent.id),
            Event::AgentRemoved { agent } => write!(f, "agent {agent} removed"),
            Event::StationConfigured { station } => write!(f, "station {} configured", station.id),
            Event::StationRemoved { station } => write!(f, "station {station} removed"),
            Event::AgentLoggedIn { agent, station } => {
                write!(f, "agent {agent} logged in at {station}")
            }
            Event::AgentLoggedOut { agent, by } => {
                write!(f, "agent {agent} logged out{}", by_supervisor(by))
            }
            Event::AgentPresenceChanged {
                agent,
                presence,
                reason,
                by,
            } => write!(
                f,
                "agent {agent} presence {presence:?} reason {}{}",
                opt(reason),
                by_supervisor(by)
            ),
            Event::AgentPendingChanged {
                agent,
                pending,
                reason,
                by,
            } => match pending {
                Some(p) => write!(
                    f,
                    "agent {agent} pending {p:?} reason {}{}",
                    opt(reason),
                    by_supervisor(by)
                ),
                None => write!(f, "agent {agent} pending cleared"),
            },
            Event::AgentStateForced {
                agent,
                state,
                reason,
                by,
            } => write!(
                f,
                "supervisor {by} sets agent {agent} to {state:?} reason {}",
                opt(reason)
            ),
            Event::AgentUnavailableTimedOut {
                agent,
                state,
                reason,
                since,
            } => write!(
                f,
                "agent {agent} unavailable too long: {state} reason {} since {since}",
                opt(reason)
            ),
            Event::AgentStateChanged {
                agent,
                state,
                reason,
                ..
            } => match reason {
                Some(r) => write!(f, "agent {agent} state {state} ({r})"),
                None => write!(f, "agent {agent} state {state}"),
            },
            Event::ContactArrived {
                contact,
                channel,
                direction,
                queue,
                from,
                priority,
                ..
            } => write!(
                f,
                "contact {contact} arrived {channel} {direction:?} for {queue} from {from} priority {priority}"
            ),
            Event::ContactQueued {
                contact,
                queue,
                entrance,
            } => write!(f, "contact {contact} queued in {queue} entrance {entrance}"),
            Event::OfferCreated {
                offer,
                contact,
                agent,
                station,
                deadline,
            } => write!(
                f,
                "offer {offer} created {contact} -> {agent} at {station} deadline {deadline}"
            ),
            Event::OfferAccepted {
                offer,
                link_deadline,
            } => write!(
                f,
                "offer {offer} accepted link deadline {}",
                opt(link_deadline)
            ),
            Event::OfferRefused {
                offer,
                contact,
                agent,
                agent_full_name,
                station,
                reason,
                cause_code,
                excluded_until,
                decline_reason,
            } => {
                write!(
                    f,
                    "refusal {} {contact} by {agent} ({agent_full_name}) at {station} reason {reason:?} cause {} excluded until {excluded_until}",
                    opt(offer),
                    opt(cause_code),
                    reason = reason.as_str()
                )?;
                match decline_reason {
                    Some(why) => write!(f, " because {why:?}"),
                    None => Ok(()),
                }
            }
            Event::OfferRescinded {
                offer,
                contact,
                agent,
                code,
            } => match code {
                Some(code) => write!(
                    f,
                    "offer {offer} rescinded {contact} from {agent} ({}, {})",
                    code.major.0, code.minor.0
                ),
                None => write!(f, "offer {offer} rescinded {contact} from {agent}"),
            },
            Event::ExclusionEnded { contact, agent } => {
                write!(f, "contact {contact} may be offered to {agent} again")
            }
            Event::ContactConnected {
                contact,
                agent,
                state,
                units,
                ..
            } => write!(f, "contact {contact} {state} with {agent} units {units}"),
            Event::ContactStateChanged {
                contact,
                agent,
                state,
                answered_by,
            } => match answered_by {
                Some(by) => write!(f, "contact {contact} {state} with {agent} answered {by:?}"),
                None => write!(f, "contact {contact} {state} with {agent}"),
            },
            Event::WrapUpStarted {
                contact,
                agent,
                deadline,
                detached,
            } => write!(
                f,
                "contact {contact} Wrap Up with {agent} deadline {}{}",
                opt(deadline),
                if *detached { " (transferred)" } else { "" }
            ),
            Event::WrapUpCompleted {
                contact,
                agent,
                disposition,
                timed_out,
            } => write!(
                f,
                "wrap-up of {contact} by {agent} done disposition {}{}",
                opt(disposition),
                if *timed_out { " (time limit)" } else { "" }
            ),
            Event::ContactReleased { contact, agent } => {
                write!(f, "contact {contact} released by {agent}")
            }
            Event::ContactSuspended {
                contact,
                agent,
                thread,
            } => write!(
                f,
                "contact {contact} suspended by {agent}, waiting on {thread}"
            ),
            Event::SessionResumed { suspended, contact } => {
                write!(f, "suspended session {suspended} resumed by {contact}")
            }
            Event::ContactParked { contact, agent } => {
                write!(f, "contact {contact} parked by {agent}")
            }
            Event::ContactHeld { contact, parked } => {
                write!(f, "contact {contact} held in parked session {parked}")
            }
            Event::SessionUnparked {
                contact,
                agent,
                requeued,
            } => {
                match agent {
                    Some(agent) => write!(f, "parked session {contact} unparked by {agent}:")?,
                    None => write!(f, "parked session {contact} unparked by a supervisor:")?,
                }
                for (old, new) in requeued {
                    write!(f, " {old} -> {new}")?;
                }
                Ok(())
            }
            Event::CallbackCreated {
                contact,
                queue,
                destination,
                origin,
                due,
                reserved,
                expires,
                entrance,
                ..
            } => write!(
                f,
                "callback {contact} created ({origin:?}) for {queue} to {destination} due {due} entrance {entrance} reserved {} expires {}",
                reserved
                    .as_ref()
                    .map_or("-".to_string(), |(a, until)| format!("{a} until {until}")),
                opt(expires)
            ),
            Event::CallbackPending {
                contact,
                due,
                reserved,
            } => write!(
                f,
                "callback {contact} Pending until {due} reserved {}",
                reserved
                    .as_ref()
                    .map_or("-".to_string(), |(a, until)| format!("{a} until {until}"))
            ),
            Event::AttemptStarted {
                contact,
                attempt,
                agent,
                no_answer_deadline,
            } => write!(
                f,
                "callback {contact} attempt {attempt} by {agent} no-answer deadline {}",
                opt(no_answer_deadline)
            ),
            Event::AttemptDialing {
                contact,
                no_answer_deadline,
            } => write!(
                f,
                "callback {contact} dialing, no-answer deadline {no_answer_deadline}"
            ),
            Event::DialOutcomeReported {
                contact,
                agent,
                outcome,
                cause_code,
            } => write!(
                f,
                "contact {contact} dial by {agent} ended {} cause {}",
                outcome.as_str(),
                opt(cause_code)
            ),
            Event::CompletionStatusSet {
                contact,
                status,
                automatic,
            } => write!(
                f,
                "callback {contact} completion {status:?}{}",
                if *automatic { " (automatic)" } else { "" }
            ),
            Event::AttemptEnded {
                contact,
                attempt,
                agent,
                state,
                minor,
                counted,
                ..
            } => write!(
                f,
                "callback {contact} attempt {attempt} by {} ended {} minor {}{}",
                opt(agent),
                state.as_str(),
                minor.0,
                if *counted { " (counted)" } else { "" }
            ),
            Event::CallbackExpired { contact } => write!(f, "callback {contact} expired"),
            Event::ReservationEnded { contact } => {
                write!(f, "callback {contact} reservation ended")
            }
            Event::CallbackCompleted {
                contact,
                end,
                attempts,
                reached,
                ..
            } => write!(
                f,
                "callback {contact} completed {} after {attempts} counted attempts{}",
                end.as_str(),
                if *reached { ", reached" } else { "" }
            ),
            Event::CallbackStatusChanged {
                queue,
                status,
                next_check,
            } => write!(
                f,
                "queue {queue} callbacks {} next check {}",
                status.as_str(),
                opt(next_check)
            ),
            Event::ShiftStarted { queue, since, next } => {
                write!(f, "queue {queue} shift since {since} next {}", opt(next))
            }
            Event::DoNotCallAdded { numbers } => {
                write!(f, "do-not-call added {}", numbers.join(" "))
            }
            Event::DoNotCallRemoved { number } => write!(f, "do-not-call removed {number}"),
            Event::ContactClosed {
                contact,
                code,
                disposition,
                agent,
                queue,
                ..
            } => {
                let major = code.major.info().map_or("?", |m| m.internal_name);
                let minor = code.minor.info().map_or("?", |m| m.internal_name);
                write!(
                    f,
                    "contact {contact} closed ({} {major}, {} {minor}) in {queue} agent {} disposition {}",
                    code.major.0,
                    code.minor.0,
                    opt(agent),
                    opt(disposition)
                )
            }
        }
    }
}

#[cfg(test)]
mod tests;
