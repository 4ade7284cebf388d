//! A batch's updates (the rows of `agents`, `queues`, `dispositions`, `callbacks` and
//! `callback_attempts`, which later entries change) as a few `UNNEST` statements instead of
//! one statement each: every statement costs the server a parse, a plan and a reply, which
//! for a batch of hundreds of callback events was most of its time.
//!
//! Updates must keep their journal order only where they touch the same row (or read it:
//! an attempt's end reads its start and its callback). So the batch is cut into phases in
//! which no key (an agent, a queue, a contact's callback and attempts) comes twice; within a
//! phase every statement touches rows no other one does, and each kind of update is one
//! statement. Phases follow each other in order; most batches are one phase.

use super::Params;
use crate::projection::plan::Update;
use std::collections::{BTreeMap, HashSet};
use tokio_postgres::types::{ToSql, Type};

/// What an update's rows are keyed by: updates with the same key stay in order.
#[derive(PartialEq, Eq, Hash)]
enum Key<'a> {
    Agent(&'a str),
    Queue(&'a str),
    Contact(i64),
}

fn key<'a>(update: &Update<'a>) -> Key<'a> {
    match *update {
        Update::AgentConfigured { id, .. }
        | Update::AgentSeen { id, .. }
        | Update::AgentRemoved { id, .. } => Key::Agent(id),
        Update::QueueConfigured { id, .. } | Update::QueueRemoved { id, .. } => Key::Queue(id),
        Update::CallbackCreated { contact, .. }
        | Update::AttemptStarted { contact, .. }
        | Update::AttemptEnded { contact, .. }
        | Update::CallbackCompleted { contact, .. } => Key::Contact(contact),
    }
}

/// The updates of a batch, phase by phase.
pub(super) struct Phases<'a>(Vec<Phase<'a>>);

impl<'a> Phases<'a> {
    pub(super) fn of(updates: &'a [Update<'a>]) -> Self {
        let mut phases = Vec::new();
        let mut phase = Phase::default();
        let mut keys = HashSet::new();
        for update in updates {
            let key = key(update);
            if keys.contains(&key) {
                phases.push(std::mem::take(&mut phase));
                keys.clear();
            }
            keys.insert(key);
            phase.push(update);
        }
        if !keys.is_empty() {
            phases.push(phase);
        }
        Phases(phases)
    }

    /// The statements of every phase, in order.
    pub(super) fn statements<'s>(
        &'s self,
        domain: &'s &str,
        out: &mut Vec<(&'static str, Params<'s>)>,
    ) {
        for phase in &self.0 {
            phase.statements(domain, out);
        }
    }
}

/// The updates of one phase, a column array per column of each kind.
#[derive(Default)]
struct Phase<'a> {
    agents: AgentColumns<'a>,
    seen: SeenColumns<'a>,
    agents_removed: RemovedColumns<'a>,
    queues: QueueColumns<'a>,
    dispositions: DispositionColumns<'a>,
    queues_removed: RemovedColumns<'a>,
    created: CreatedColumns<'a>,
    started: StartedColumns<'a>,
    ended: EndedColumns<'a>,
    completed: CompletedColumns<'a>,
}

#[derive(Default)]
struct AgentColumns<'a> {
    id: Vec<&'a str>,
    full_name: Vec<&'a str>,
    team: Vec<Option<&'a str>>,
    seq: Vec<i64>,
}

#[derive(Default)]
struct SeenColumns<'a> {
    id: Vec<&'a str>,
    seq: Vec<i64>,
}

#[derive(Default)]
struct RemovedColumns<'a> {
    id: Vec<&'a str>,
    at: Vec<i64>,
    seq: Vec<i64>,
}

#[derive(Default)]
struct QueueColumns<'a> {
    id: Vec<&'a str>,
    name: Vec<Option<&'a str>>,
    channel: Vec<&'a str>,
    callbacks: Vec<bool>,
    seq: Vec<i64>,
}

#[derive(Default)]
struct DispositionColumns<'a> {
    queue: Vec<&'a str>,
    code: Vec<&'a str>,
    label_en: Vec<&'a str>,
    label_hu: Vec<&'a str>,
}

#[derive(Default)]
struct CreatedColumns<'a> {
    contact: Vec<i64>,
    queue: Vec<&'a str>,
    destination: Vec<&'a str>,
    at: Vec<i64>,
    entrance: Vec<i64>,
    seq: Vec<i64>,
}

#[derive(Default)]
struct StartedColumns<'a> {
    contact: Vec<i64>,
    attempt: Vec<i64>,
    at: Vec<i64>,
    agent: Vec<&'a str>,
    seq: Vec<i64>,
}

#[derive(Default)]
struct EndedColumns<'a> {
    contact: Vec<i64>,
    attempt: Vec<i64>,
    at: Vec<i64>,
    agent: Vec<Option<&'a str>>,
    agent_name: Vec<Option<&'a str>>,
    state: Vec<&'a str>,
    minor: Vec<i64>,
    counted: Vec<bool>,
    dial_started: Vec<Option<i64>>,
    seq: Vec<i64>,
}

#[derive(Default)]
struct CompletedColumns<'a> {
    contact: Vec<i64>,
    queue: Vec<&'a str>,
    destination: Vec<&'a str>,
    at: Vec<i64>,
    entrance: Vec<i64>,
    end_state: Vec<&'a str>,
    attempts: Vec<i64>,
    reached: Vec<bool>,
    seq: Vec<i64>,
}

const INT8S: Type = Type::INT8_ARRAY;
const TEXTS: Type = Type::TEXT_ARRAY;
const BOOLS: Type = Type::BOOL_ARRAY;

impl<'a> Phase<'a> {
    fn push(&mut self, update: &'a Update<'a>) {
        match *update {
            Update::AgentConfigured {
                seq,
                id,
                full_name,
                team,
            } => {
                let a = &mut self.agents;
                a.id.push(id);
                a.full_name.push(full_name);
                a.team.push(team);
                a.seq.push(seq);
            }
            Update::AgentSeen { seq, id } => {
                self.seen.id.push(id);
                self.seen.seq.push(seq);
            }
            Update::AgentRemoved { seq, at, id } => {
                let r = &mut self.agents_removed;
                r.id.push(id);
                r.at.push(at);
                r.seq.push(seq);
            }
            Update::QueueConfigured {
                seq,
                id,
                name,
                channel,
                callbacks,
                dispositions,
            } => {
                let q = &mut self.queues;
                q.id.push(id);
                q.name.push(name);
                q.channel.push(channel);
                q.callbacks.push(callbacks);
                q.seq.push(seq);
                // A code listed twice keeps its last labels, as SQLite's `INSERT OR REPLACE`
                // does (and one statement may not write a row twice).
                let last: BTreeMap<&str, _> =
                    dispositions.iter().map(|d| (d.code.as_str(), d)).collect();
                let d = &mut self.dispositions;
                for (code, disposition) in last {
                    d.queue.push(id);
                    d.code.push(code);
                    d.label_en.push(&disposition.label_en);
                    d.label_hu.push(&disposition.label_hu);
                }
            }
            Update::QueueRemoved { seq, at, id } => {
                let r = &mut self.queues_removed;
                r.id.push(id);
                r.at.push(at);
                r.seq.push(seq);
            }
            Update::CallbackCreated {
                seq,
                at,
                contact,
                queue,
                destination,
                entrance,
            } => {
                let c = &mut self.created;
                c.contact.push(contact);
                c.queue.push(queue);
                c.destination.push(destination);
                c.at.push(at);
                c.entrance.push(entrance);
                c.seq.push(seq);
            }
            Update::AttemptStarted {
                seq,
                at,
                contact,
                attempt,
                agent,
            } => {
                let s = &mut self.started;
                s.contact.push(contact);
                s.attempt.push(attempt);
                s.at.push(at);
                s.agent.push(agent);
                s.seq.push(seq);
            }
            Update::AttemptEnded {
                seq,
                at,
                contact,
                attempt,
                agent,
                agent_name,
                state,
                minor,
                counted,
                dial_started,
            } => {
                let e = &mut self.ended;
                e.contact.push(contact);
                e.attempt.push(attempt);
                e.at.push(at);
                e.agent.push(agent);
                e.agent_name.push(agent_name);
                e.state.push(state);
                e.minor.push(minor);
                e.counted.push(counted);
                e.dial_started.push(dial_started);
                e.seq.push(seq);
            }
            Update::CallbackCompleted {
                seq,
                at,
                contact,
                queue,
                destination,
                entrance,
                end_state,
                attempts,
                reached,
            } => {
                let c = &mut self.completed;
                c.contact.push(contact);
                c.queue.push(queue);
                c.destination.push(destination);
                c.at.push(at);
                c.entrance.push(entrance);
                c.end_state.push(end_state);
                c.attempts.push(attempts);
                c.reached.push(reached);
                c.seq.push(seq);
            }
        }
    }

    /// One statement per kind of update the phase has, as `crate::projection`'s SQLite
    /// writer runs each (`INSERT OR REPLACE` is an upsert that sets every other column to its
    /// default).
    fn statements<'s>(&'s self, domain: &'s &str, out: &mut Vec<(&'static str, Params<'s>)>) {
        let d = (domain as &(dyn ToSql + Sync), Type::TEXT);
        let a = &self.agents;
        if !a.id.is_empty() {
            out.push((
                "INSERT INTO agents (domain, id, full_name, team, removed_at, seq)
                 SELECT $1, u.id, u.full_name, u.team, NULL, u.seq
                 FROM UNNEST($2::text[], $3::text[], $4::text[], $5::bigint[])
                     AS u (id, full_name, team, seq)
                 ON CONFLICT (domain, id) DO UPDATE SET full_name = excluded.full_name,
                     team = excluded.team, removed_at = NULL, seq = excluded.seq",
                vec![
                    d.clone(),
                    (&a.id, TEXTS),
                    (&a.full_name, TEXTS),
                    (&a.team, TEXTS),
                    (&a.seq, INT8S),
                ],
            ));
        }
        let s = &self.seen;
        if !s.id.is_empty() {
            // Named by its id; an agent with a row keeps it (SQLite's `INSERT OR IGNORE`).
            out.push((
                "INSERT INTO agents (domain, id, full_name, team, removed_at, seq)
                 SELECT $1, u.id, u.id, NULL, NULL, u.seq
                 FROM UNNEST($2::text[], $3::bigint[]) AS u (id, seq)
                 ON CONFLICT DO NOTHING",
                vec![d.clone(), (&s.id, TEXTS), (&s.seq, INT8S)],
            ));
        }
        let r = &self.agents_removed;
        if !r.id.is_empty() {
            out.push((
                "UPDATE agents a SET removed_at = u.at, seq = u.seq
                 FROM UNNEST($2::text[], $3::bigint[], $4::bigint[]) AS u (id, at, seq)
                 WHERE a.domain = $1 AND a.id = u.id",
                vec![d.clone(), (&r.id, TEXTS), (&r.at, INT8S), (&r.seq, INT8S)],
            ));
        }
        let q = &self.queues;
        if !q.id.is_empty() {
            out.push((
                "INSERT INTO queues (domain, id, name, channel, callbacks, removed_at, seq)
                 SELECT $1, u.id, u.name, u.channel, u.callbacks, NULL, u.seq
                 FROM UNNEST($2::text[], $3::text[], $4::text[], $5::boolean[], $6::bigint[])
                     AS u (id, name, channel, callbacks, seq)
                 ON CONFLICT (domain, id) DO UPDATE SET name = excluded.name,
                     channel = excluded.channel, callbacks = excluded.callbacks,
                     removed_at = NULL, seq = excluded.seq",
                vec![
                    d.clone(),
                    (&q.id, TEXTS),
                    (&q.name, TEXTS),
                    (&q.channel, TEXTS),
                    (&q.callbacks, BOOLS),
                    (&q.seq, INT8S),
                ],
            ));
            // The queues' dispositions replaced (sent before the inserts: pipelined
            // statements run in order).
            out.push((
                "DELETE FROM dispositions WHERE domain = $1 AND queue = ANY($2::text[])",
                vec![d.clone(), (&q.id, TEXTS)],
            ));
        }
        let p = &self.dispositions;
        if !p.queue.is_empty() {
            out.push((
                "INSERT INTO dispositions (domain, queue, code, label_en, label_hu)
                 SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[])",
                vec![
                    d.clone(),
                    (&p.queue, TEXTS),
                    (&p.code, TEXTS),
                    (&p.label_en, TEXTS),
                    (&p.label_hu, TEXTS),
                ],
            ));
        }
        let r = &self.queues_removed;
        if !r.id.is_empty() {
            out.push((
                "UPDATE queues q SET removed_at = u.at, seq = u.seq
                 FROM UNNEST($2::text[], $3::bigint[], $4::bigint[]) AS u (id, at, seq)
                 WHERE q.domain = $1 AND q.id = u.id",
                vec![d.clone(), (&r.id, TEXTS), (&r.at, INT8S), (&r.seq, INT8S)],
            ));
        }
        let c = &self.created;
        if !c.contact.is_empty() {
            out.push((
                "INSERT INTO callbacks (domain, contact, queue, destination, created_at, entrance,
                     seq)
                 SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::bigint[],
                     $6::bigint[], $7::bigint[])
                 ON CONFLICT (domain, contact) DO UPDATE SET queue = excluded.queue,
                     destination = excluded.destination, created_at = excluded.created_at,
                     entrance = excluded.entrance, total_attempts = 0, last_attempt_at = NULL,
                     completed_at = NULL, end_state = NULL, counted_attempts = NULL,
                     reached = NULL, seq = excluded.seq",
                vec![
                    d.clone(),
                    (&c.contact, INT8S),
                    (&c.queue, TEXTS),
                    (&c.destination, TEXTS),
                    (&c.at, INT8S),
                    (&c.entrance, INT8S),
                    (&c.seq, INT8S),
                ],
            ));
        }
        let s = &self.started;
        if !s.contact.is_empty() {
            out.push((
                "INSERT INTO callback_attempts (domain, contact, attempt, started_at, agent, seq)
                 SELECT $1, * FROM UNNEST($2::bigint[], $3::bigint[], $4::bigint[], $5::text[],
                     $6::bigint[])
                 ON CONFLICT (domain, contact, attempt) DO UPDATE SET
                     started_at = excluded.started_at, ended_at = NULL, agent = excluded.agent,
                     agent_name = NULL, state = NULL, minor = NULL, counted = NULL,
                     dial_started = NULL, seq = excluded.seq",
                vec![
                    d.clone(),
                    (&s.contact, INT8S),
                    (&s.attempt, INT8S),
                    (&s.at, INT8S),
                    (&s.agent, TEXTS),
                    (&s.seq, INT8S),
                ],
            ));
        }
        let e = &self.ended;
        if !e.contact.is_empty() {
            out.push((
                // The upsert returns each attempt's start (its own, or the end for one that
                // never started), which its callback's row takes as its last attempt's unless
                // it already counts a later attempt.
                "WITH attempt AS (
                     INSERT INTO callback_attempts (domain, contact, attempt, started_at,
                         ended_at, agent, agent_name, state, minor, counted, dial_started, seq)
                     SELECT $1, u.contact, u.attempt, u.at, u.at, u.agent, u.agent_name, u.state,
                         u.minor, u.counted, u.dial_started, u.seq
                     FROM UNNEST($2::bigint[], $3::bigint[], $4::bigint[], $5::text[],
                         $6::text[], $7::text[], $8::bigint[], $9::boolean[], $10::bigint[],
                         $11::bigint[])
                         AS u (contact, attempt, at, agent, agent_name, state, minor, counted,
                               dial_started, seq)
                     ON CONFLICT (domain, contact, attempt) DO UPDATE SET
                         ended_at = excluded.ended_at, agent = excluded.agent,
                         agent_name = excluded.agent_name, state = excluded.state,
                         minor = excluded.minor, counted = excluded.counted,
                         dial_started = excluded.dial_started, seq = excluded.seq
                     RETURNING contact, attempt, started_at, seq)
                 UPDATE callbacks c SET total_attempts = a.attempt,
                     last_attempt_at = a.started_at, seq = a.seq
                 FROM attempt a
                 WHERE c.domain = $1 AND c.contact = a.contact AND c.total_attempts <= a.attempt",
                vec![
                    d.clone(),
                    (&e.contact, INT8S),
                    (&e.attempt, INT8S),
                    (&e.at, INT8S),
                    (&e.agent, TEXTS),
                    (&e.agent_name, TEXTS),
                    (&e.state, TEXTS),
                    (&e.minor, INT8S),
                    (&e.counted, BOOLS),
                    (&e.dial_started, INT8S),
                    (&e.seq, INT8S),
                ],
            ));
        }
        let c = &self.completed;
        if !c.contact.is_empty() {
            // A callback created before this journal began gets its row now.
            out.push((
                "INSERT INTO callbacks (domain, contact, queue, destination, created_at, entrance,
                     completed_at, end_state, counted_attempts, reached, seq)
                 SELECT $1, u.contact, u.queue, u.destination, u.at, u.entrance, u.at,
                     u.end_state, u.attempts, u.reached, u.seq
                 FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
                     $7::text[], $8::bigint[], $9::boolean[], $10::bigint[])
                     AS u (contact, queue, destination, at, entrance, end_state, attempts,
                           reached, seq)
                 ON CONFLICT (domain, contact) DO UPDATE SET queue = excluded.queue,
                     destination = excluded.destination, entrance = excluded.entrance,
                     completed_at = excluded.completed_at, end_state = excluded.end_state,
                     counted_attempts = excluded.counted_attempts, reached = excluded.reached,
                     seq = excluded.seq",
                vec![
                    d,
                    (&c.contact, INT8S),
                    (&c.queue, TEXTS),
                    (&c.destination, TEXTS),
                    (&c.at, INT8S),
                    (&c.entrance, INT8S),
                    (&c.end_state, TEXTS),
                    (&c.attempts, INT8S),
                    (&c.reached, BOOLS),
                    (&c.seq, INT8S),
                ],
            ));
        }
    }
}
