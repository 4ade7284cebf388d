//! What a batch of journal entries writes to the projection tables, as plain values: the one
//! place that maps events to rows and decides the marks, shared by the SQLite writer
//! ([`super::Projector`]) and the PostgreSQL one (`crate::postgres::projection::PgProjector`),
//! so that the two stores cannot come to hold different rows for the same journal. A writer
//! only turns a [`Plan`] into statements of its dialect.

use super::{MARK_ROWS, MARK_ROWS_PER_AGENT};
use std::collections::{BTreeMap, BTreeSet};
use switchboard_core::config::Disposition;
use switchboard_core::event::{Event, EventRecord};

/// An `agent_states` row: the start of a state, or (`state` None) the agent's removal.
#[derive(Debug)]
pub(crate) struct StateRow<'a> {
    pub seq: i64,
    pub agent: &'a str,
    pub state: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub station: Option<&'a str>,
    pub start_at: i64,
}

/// An `agent_state_marks` row.
#[derive(Debug)]
pub(crate) struct MarkRow {
    pub seq: i64,
    pub agent: String,
    pub state_seq: i64,
}

/// A `closures` row.
#[derive(Debug)]
pub(crate) struct ClosureRow<'a> {
    pub seq: i64,
    pub at: i64,
    pub contact: i64,
    pub channel: &'a str,
    pub queue: &'a str,
    pub agent: Option<&'a str>,
    pub arrived: i64,
    pub entrance: i64,
    pub major: i64,
    pub minor: i64,
    pub disposition: Option<&'a str>,
}

/// A `refusals` row.
#[derive(Debug)]
pub(crate) struct RefusalRow<'a> {
    pub seq: i64,
    pub at: i64,
    pub contact: i64,
    pub agent: &'a str,
    pub full_name: &'a str,
    pub station: &'a str,
    pub reason: &'a str,
    pub cause_code: Option<&'a str>,
}

/// A `callback_status` row.
#[derive(Debug)]
pub(crate) struct StatusRow<'a> {
    pub seq: i64,
    pub queue: &'a str,
    pub at: i64,
    pub status: &'a str,
}

/// A change to a table whose rows are updated (not only inserted), applied in journal order
/// because later ones read or overwrite what earlier ones wrote. `seq` and `at` are the
/// entry's.
#[derive(Debug)]
pub(crate) enum Update<'a> {
    /// `agents`: insert, or replace the columns of an existing row and clear `removed_at`.
    AgentConfigured {
        seq: i64,
        id: &'a str,
        full_name: &'a str,
        team: Option<&'a str>,
    },
    /// `agents`: an agent seen changing state without being configured in this journal (it
    /// began after): a row named by its id, unless it has one.
    AgentSeen { seq: i64, id: &'a str },
    /// `agents`: `removed_at` set.
    AgentRemoved { seq: i64, at: i64, id: &'a str },
    /// `queues`: insert or replace (clearing `removed_at`); its `dispositions` replaced by
    /// these (a code listed twice: the last one).
    QueueConfigured {
        seq: i64,
        id: &'a str,
        name: Option<&'a str>,
        channel: &'a str,
        callbacks: bool,
        dispositions: &'a [Disposition],
    },
    /// `queues`: `removed_at` set.
    QueueRemoved { seq: i64, at: i64, id: &'a str },
    /// `callbacks`: a new row (an existing one is replaced whole: completion columns cleared).
    CallbackCreated {
        seq: i64,
        at: i64,
        contact: i64,
        queue: &'a str,
        destination: &'a str,
        entrance: i64,
    },
    /// `callback_attempts`: a new row (an existing one replaced whole).
    AttemptStarted {
        seq: i64,
        at: i64,
        contact: i64,
        attempt: i64,
        agent: &'a str,
    },
    /// `callback_attempts`: the attempt's end (an attempt that never started, Aborted,
    /// starts and ends at `at`); then the callback's `total_attempts` and `last_attempt_at`
    /// (the attempt's start) unless it already counts a later attempt.
    AttemptEnded {
        seq: i64,
        at: i64,
        contact: i64,
        attempt: i64,
        agent: Option<&'a str>,
        agent_name: Option<&'a str>,
        state: &'a str,
        minor: i64,
        counted: bool,
        dial_started: Option<i64>,
    },
    /// `callbacks`: the completion columns (a callback created before this journal began
    /// gets its row now, created at `at`).
    CallbackCompleted {
        seq: i64,
        at: i64,
        contact: i64,
        queue: &'a str,
        destination: &'a str,
        entrance: i64,
        end_state: &'a str,
        attempts: i64,
        reached: bool,
    },
}

/// The rows one batch writes: the updates in journal order, then the rows of the insert-only
/// tables, which a writer inserts a table at a time (in any order: no two share a table).
#[derive(Debug, Default)]
pub(crate) struct Plan<'a> {
    pub updates: Vec<Update<'a>>,
    pub states: Vec<StateRow<'a>>,
    pub marks: Vec<MarkRow>,
    pub closures: Vec<ClosureRow<'a>>,
    pub refusals: Vec<RefusalRow<'a>>,
    pub statuses: Vec<StatusRow<'a>>,
}

/// What a projector remembers between entries, loaded from the tables when it starts (each
/// store with its own queries), so the marks come out the same however the journal was cut
/// into batches and restarts.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    /// Agents with a row in `agents`.
    pub agents: BTreeSet<String>,
    /// Each agent whose latest `agent_states` row is a state (not a removal): that row's
    /// `seq` (what a mark records).
    pub current: BTreeMap<String, i64>,
    /// `agent_states` rows since the latest mark (all of them before the first mark).
    pub since_mark: usize,
}

impl Tracker {
    /// The rows of `records`, numbered from `first`. The tracker moves on as if they were
    /// written: after a failed write, the caller loads a fresh one.
    pub(crate) fn plan<'a>(&mut self, first: u64, records: &'a [EventRecord]) -> Plan<'a> {
        let mut plan = Plan::default();
        for (index, record) in records.iter().enumerate() {
            self.plan_one(&mut plan, (first + index as u64) as i64, record);
        }
        plan
    }

    /// Before an `agent_states` row at `seq`: a mark (each agent's current state) when
    /// enough rows came since the previous one. A mark with no agent in a state would have no
    /// rows: none is written then.
    fn mark(&mut self, plan: &mut Plan<'_>, seq: i64) {
        let due = MARK_ROWS.max(MARK_ROWS_PER_AGENT * self.current.len());
        if self.since_mark >= due && !self.current.is_empty() {
            plan.marks
                .extend(self.current.iter().map(|(agent, &state_seq)| MarkRow {
                    seq,
                    agent: agent.clone(),
                    state_seq,
                }));
            self.since_mark = 0;
        }
        self.since_mark += 1;
    }

    fn plan_one<'a>(&mut self, plan: &mut Plan<'a>, seq: i64, record: &'a EventRecord) {
        let at = record.at.0;
        match &record.event {
            Event::OfferRefused {
                contact,
                agent,
                agent_full_name,
                station,
                reason,
                cause_code,
                ..
            } => plan.refusals.push(RefusalRow {
                seq,
                at,
                contact: contact.0 as i64,
                agent: agent.as_str(),
                full_name: agent_full_name,
                station: station.as_str(),
                reason: reason.as_str(),
                cause_code: cause_code.as_deref(),
            }),
            Event::AgentConfigured { agent } => {
                plan.updates.push(Update::AgentConfigured {
                    seq,
                    id: agent.id.as_str(),
                    full_name: &agent.full_name,
                    team: agent.team.as_deref(),
                });
                self.agents.insert(agent.id.as_str().to_owned());
            }
            Event::AgentRemoved { agent } => {
                let id = agent.as_str();
                plan.updates.push(Update::AgentRemoved { seq, at, id });
                // Ends the agent's current interval (a start with no state).
                self.mark(plan, seq);
                self.current.remove(id);
                plan.states.push(StateRow {
                    seq,
                    agent: id,
                    state: None,
                    reason: None,
                    station: None,
                    start_at: at,
                });
            }
            Event::AgentStateChanged {
                agent,
                state,
                reason,
                station,
            } => {
                let id = agent.as_str();
                if !self.agents.contains(id) {
                    plan.updates.push(Update::AgentSeen { seq, id });
                    self.agents.insert(id.to_owned());
                }
                self.mark(plan, seq);
                match self.current.get_mut(id) {
                    Some(current) => *current = seq,
                    None => {
                        self.current.insert(id.to_owned(), seq);
                    }
                }
                plan.states.push(StateRow {
                    seq,
                    agent: id,
                    state: Some(state.as_str()),
                    reason: reason.as_deref(),
                    station: station.as_ref().map(|s| s.as_str()),
                    start_at: at,
                });
            }
            Event::QueueConfigured { queue } => plan.updates.push(Update::QueueConfigured {
                seq,
                id: queue.id.as_str(),
                name: queue.name.as_deref(),
                channel: queue.channel.as_str(),
                callbacks: queue.callbacks.is_some(),
                dispositions: &queue.dispositions,
            }),
            Event::QueueRemoved { queue } => plan.updates.push(Update::QueueRemoved {
                seq,
                at,
                id: queue.as_str(),
            }),
            Event::ContactClosed {
                contact,
                code,
                disposition,
                agent,
                queue,
                channel,
                arrived,
                entrance,
            } => plan.closures.push(ClosureRow {
                seq,
                at,
                contact: contact.0 as i64,
                channel: channel.as_str(),
                queue: queue.as_str(),
                agent: agent.as_ref().map(|a| a.as_str()),
                arrived: arrived.0,
                entrance: entrance.0,
                major: code.major.0.into(),
                minor: code.minor.0.into(),
                disposition: disposition.as_deref(),
            }),
            Event::CallbackCreated {
                contact,
                queue,
                destination,
                entrance,
                ..
            } => plan.updates.push(Update::CallbackCreated {
                seq,
                at,
                contact: contact.0 as i64,
                queue: queue.as_str(),
                destination,
                entrance: entrance.0,
            }),
            Event::AttemptStarted {
                contact,
                attempt,
                agent,
                ..
            } => plan.updates.push(Update::AttemptStarted {
                seq,
                at,
                contact: contact.0 as i64,
                attempt: (*attempt).into(),
                agent: agent.as_str(),
            }),
            Event::AttemptEnded {
                contact,
                attempt,
                agent,
                agent_full_name,
                state,
                minor,
                counted,
                dial_started,
            } => plan.updates.push(Update::AttemptEnded {
                seq,
                at,
                contact: contact.0 as i64,
                attempt: (*attempt).into(),
                agent: agent.as_ref().map(|a| a.as_str()),
                agent_name: agent_full_name.as_deref(),
                state: state.as_str(),
                minor: minor.0.into(),
                counted: *counted,
                dial_started: dial_started.map(|t| t.0),
            }),
            Event::CallbackCompleted {
                contact,
                queue,
                destination,
                end,
                entrance,
                attempts,
                reached,
            } => plan.updates.push(Update::CallbackCompleted {
                seq,
                at,
                contact: contact.0 as i64,
                queue: queue.as_str(),
                destination,
                entrance: entrance.0,
                end_state: end.as_str(),
                attempts: (*attempts).into(),
                reached: *reached,
            }),
            Event::CallbackStatusChanged { queue, status, .. } => plan.statuses.push(StatusRow {
                seq,
                queue: queue.as_str(),
                at,
                status: status.as_str(),
            }),
            _ => {}
        }
    }
}
