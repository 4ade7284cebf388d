//! Projection tables: the rows reports and the monitor read, derived from journal entries and
//! written in the same transaction as them. Each table keeps the `seq` of the entry that made
//! (or last changed) the row. They hold nothing the journal does not: `reset` drops them and
//! `Store::rebuild_projections` refills them.
//!
//! | table | one row per | from |
//! | --- | --- | --- |
//! | `refusals` | refusal | `OfferRefused` |
//! | `agents` | agent ever configured (or seen changing state) | `AgentConfigured`, `AgentRemoved` |
//! | `agent_states` | start of an agent state (`state` NULL: the agent was removed); a state ends at the agent's next start (the view `agent_intervals` gives each state with its `end_at`, NULL while current) | `AgentStateChanged`, `AgentRemoved` |
//! | `agent_state_marks` | agent in a state at a mark (a mark every [`MARK_ROWS`] state rows or more): the `seq` of that state's row | `AgentStateChanged`, `AgentRemoved` |
//! | `queues` | queue ever configured | `QueueConfigured`, `QueueRemoved` |
//! | `dispositions` | disposition of a queue (current labels) | `QueueConfigured` |
//! | `closures` | closed contact | `ContactClosed` |
//! | `callbacks` | callback, completion columns NULL while open | `CallbackCreated`, `AttemptEnded`, `CallbackCompleted` |
//! | `callback_attempts` | callback attempt, `ended_at` NULL while under way | `AttemptStarted`, `AttemptEnded` |
//! | `callback_status` | change of a queue's CLBK Stat | `CallbackStatusChanged` |
//!
//! Times are milliseconds since the Unix epoch (UTC), as in the journal. Names (states,
//! reasons, end states) are stored as the reports spell them, so a report is a plain scan.

use crate::Result;
use crate::rows::MultiInsert;
use rusqlite::{Connection, OptionalExtension, params};
use std::sync::OnceLock;
use switchboard_core::event::EventRecord;

#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub(crate) mod plan;
use plan::{Tracker, Update};

/// The projection tables of schema version 2. `refusals`, `closures` and `agent_states` have
/// no time index: their time never decreases with `seq` (the store refuses events that go
/// back in time), so reports find a time window as a `seq` range.
///
/// `agent_states` has no index at all, so a state change writes one row at the table's right
/// edge and nothing else (an index by agent has one insertion point per agent: every state
/// change dirtied an index page of its own, most of what a commit wrote). A state ends at the
/// agent's next start: a report finds it in the same scan of its window (`lead()` over the
/// agent's rows), and knows which states are still current from the marks. Every
/// [`MARK_ROWS`] state rows or more, `agent_state_marks` records each agent's current state,
/// so "the state each agent was in before `seq` S" is the mark at or before S plus the rows
/// between them ([`STATES_AT`]). The view `agent_intervals` computes every end over the whole
/// table: for inspection and tests, not for reports.
pub const SCHEMA: &str = "
CREATE TABLE refusals (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    contact    INTEGER NOT NULL,
    agent      TEXT    NOT NULL,
    full_name  TEXT    NOT NULL,
    station    TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    cause_code TEXT
);

CREATE TABLE agents (
    id         TEXT    PRIMARY KEY,
    full_name  TEXT    NOT NULL,
    team       TEXT,
    removed_at INTEGER,
    seq        INTEGER NOT NULL
);

CREATE TABLE agent_states (
    seq      INTEGER PRIMARY KEY,
    agent    TEXT    NOT NULL,
    state    TEXT,
    reason   TEXT,
    station  TEXT,
    start_at INTEGER NOT NULL
);
CREATE TABLE agent_state_marks (
    seq       INTEGER NOT NULL,
    agent     TEXT    NOT NULL,
    state_seq INTEGER NOT NULL,
    PRIMARY KEY (seq, agent)
) WITHOUT ROWID;
CREATE VIEW agent_intervals AS
    SELECT seq, agent, state, reason, station, start_at, end_at FROM (
        SELECT *, lead(start_at) OVER (PARTITION BY agent ORDER BY seq) AS end_at
        FROM agent_states
    ) WHERE state IS NOT NULL;

CREATE TABLE queues (
    id         TEXT    PRIMARY KEY,
    name       TEXT,
    channel    TEXT    NOT NULL,
    callbacks  INTEGER NOT NULL,
    removed_at INTEGER,
    seq        INTEGER NOT NULL
);

CREATE TABLE dispositions (
    queue    TEXT NOT NULL,
    code     TEXT NOT NULL,
    label_en TEXT NOT NULL,
    label_hu TEXT NOT NULL,
    PRIMARY KEY (queue, code)
);

CREATE TABLE closures (
    seq         INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    contact     INTEGER NOT NULL,
    channel     TEXT    NOT NULL,
    queue       TEXT    NOT NULL,
    agent       TEXT,
    arrived     INTEGER NOT NULL,
    entrance    INTEGER NOT NULL,
    major       INTEGER NOT NULL,
    minor       INTEGER NOT NULL,
    disposition TEXT
);

CREATE TABLE callbacks (
    contact          INTEGER PRIMARY KEY,
    queue            TEXT    NOT NULL,
    destination      TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    entrance         INTEGER NOT NULL,
    total_attempts   INTEGER NOT NULL DEFAULT 0,
    last_attempt_at  INTEGER,
    completed_at     INTEGER,
    end_state        TEXT,
    counted_attempts INTEGER,
    reached          INTEGER,
    seq              INTEGER NOT NULL
);
CREATE INDEX callbacks_completed ON callbacks (completed_at);
CREATE INDEX callbacks_queue ON callbacks (queue, created_at);

CREATE TABLE callback_attempts (
    contact      INTEGER NOT NULL,
    attempt      INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER,
    agent        TEXT,
    agent_name   TEXT,
    state        TEXT,
    minor        INTEGER,
    counted      INTEGER,
    dial_started INTEGER,
    seq          INTEGER NOT NULL,
    PRIMARY KEY (contact, attempt)
);
CREATE INDEX callback_attempts_ended ON callback_attempts (ended_at);

CREATE TABLE callback_status (
    seq    INTEGER PRIMARY KEY,
    queue  TEXT    NOT NULL,
    at     INTEGER NOT NULL,
    status TEXT    NOT NULL
);
CREATE INDEX callback_status_queue ON callback_status (queue, at);
";

/// The projection objects of schema version 1 (its `agent_states` had an index by agent),
/// dropped by the migration to version 2, which recreates them from [`SCHEMA`]
/// and rebuilds their rows from the journal.
pub(crate) const DROP_V1: &str = "
DROP VIEW agent_intervals;
DROP TABLE refusals; DROP TABLE agents; DROP TABLE agent_states; DROP TABLE queues;
DROP TABLE dispositions; DROP TABLE closures; DROP TABLE callbacks;
DROP TABLE callback_attempts; DROP TABLE callback_status;
";

/// A mark is written before the state row that follows at least this many rows since the
/// previous mark, and at least [`MARK_ROWS_PER_AGENT`] per agent in a state (so a mark's rows
/// are at most an eighth of the state rows, with any number of agents).
pub const MARK_ROWS: usize = 1024;
pub const MARK_ROWS_PER_AGENT: usize = 8;

/// The state each agent was in just before journal entry `?1`: `(agent, seq)` of the agent's
/// latest `agent_states` row before `?1`, for the agents whose latest row is a state (not a
/// removal). The mark at or before `?1` plus the rows between them: a bounded scan.
pub const STATES_AT: &str = "
WITH mark AS (SELECT max(seq) AS m FROM agent_state_marks WHERE seq <= ?1),
     latest AS (
         SELECT k.agent, k.state_seq AS seq, 0 AS removed
         FROM agent_state_marks k, mark WHERE k.seq = mark.m
         UNION ALL
         SELECT s.agent, s.seq, s.state IS NULL
         FROM agent_states s, mark WHERE s.seq >= coalesce(mark.m, 0) AND s.seq < ?1
     ),
     last AS (SELECT agent, max(seq) AS seq, removed FROM latest GROUP BY agent)
SELECT agent, seq FROM last WHERE NOT removed ORDER BY agent";

/// Empties every projection table.
pub(crate) fn reset(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM refusals; DELETE FROM agents; DELETE FROM agent_states;
         DELETE FROM agent_state_marks; DELETE FROM queues; DELETE FROM dispositions;
         DELETE FROM closures; DELETE FROM callbacks; DELETE FROM callback_attempts;
         DELETE FROM callback_status;",
    )?;
    Ok(())
}

const REBUILD_BATCH: usize = 512;

/// Empties the projection tables and fills them from the journal (inside the caller's
/// transaction); returns the projector that wrote them.
pub(crate) fn rebuild(conn: &Connection) -> Result<Projector> {
    reset(conn)?;
    let mut projector = Projector::load(conn)?;
    let mut statement = conn.prepare("SELECT seq, at, payload FROM journal ORDER BY seq")?;
    let mut rows = statement.query([])?;
    // Batches of consecutive entries, as `Store::append` writes them.
    let (mut first, mut batch) = (0, Vec::with_capacity(REBUILD_BATCH));
    while let Some(row) = rows.next()? {
        let entry = crate::journal_entry(row)?;
        if batch.len() == REBUILD_BATCH || first + batch.len() as u64 != entry.seq {
            projector.apply(conn, first, &batch)?;
            batch.clear();
        }
        if batch.is_empty() {
            first = entry.seq;
        }
        batch.push(entry.record);
    }
    projector.apply(conn, first, &batch)?;
    Ok(projector)
}

/// Turns journal entries into projection rows: the [`plan`] of each batch (shared with the
/// PostgreSQL store), written as SQLite statements. Its memory between entries ([`Tracker`])
/// is loaded from the tables by `load`; `committed` is called after each successful
/// transaction, and after a failed one the store loads a fresh projector.
#[derive(Debug, Default)]
pub(crate) struct Projector {
    tracker: Tracker,
}

/// The multi-row INSERTs of the insert-only tables.
struct Inserts {
    states: MultiInsert,
    marks: MultiInsert,
    closures: MultiInsert,
    refusals: MultiInsert,
    statuses: MultiInsert,
}

fn inserts() -> &'static Inserts {
    static INSERTS: OnceLock<Inserts> = OnceLock::new();
    INSERTS.get_or_init(|| Inserts {
        states: MultiInsert::new(
            "agent_states (seq, agent, state, reason, station, start_at)",
            6,
        ),
        marks: MultiInsert::new("agent_state_marks (seq, agent, state_seq)", 3),
        closures: MultiInsert::new(
            "closures (seq, at, contact, channel, queue, agent, arrived, entrance,
                 major, minor, disposition)",
            11,
        ),
        refusals: MultiInsert::new(
            "refusals (seq, at, contact, agent, full_name, station, reason, cause_code)",
            8,
        ),
        statuses: MultiInsert::new("callback_status (seq, queue, at, status)", 4),
    })
}

impl Projector {
    pub(crate) fn load(conn: &Connection) -> Result<Self> {
        let mut tracker = Tracker::default();
        let mut statement = conn.prepare("SELECT id FROM agents")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            tracker.agents.insert(row.get(0)?);
        }
        let mut statement = conn.prepare(STATES_AT)?;
        let mut rows = statement.query([i64::MAX])?;
        while let Some(row) = rows.next()? {
            tracker.current.insert(row.get(0)?, row.get(1)?);
        }
        let since_mark: i64 = conn.query_row(
            "SELECT count(*) FROM agent_states
             WHERE seq >= coalesce((SELECT max(seq) FROM agent_state_marks), 0)",
            [],
            |row| row.get(0),
        )?;
        tracker.since_mark = since_mark as usize;
        Ok(Projector { tracker })
    }

    /// Writes the projection rows of `records`, numbered from `first`: the updates one
    /// statement each, in journal order, then the rows of each insert-only table a few
    /// statements at a time ([`MultiInsert`]).
    pub(crate) fn apply(
        &mut self,
        conn: &Connection,
        first: u64,
        records: &[EventRecord],
    ) -> Result<()> {
        let plan = self.tracker.plan(first, records);
        for update in &plan.updates {
            write_update(conn, update)?;
        }
        let inserts = inserts();
        inserts.states.run(conn, &plan.states, |s, p, row| {
            s.raw_bind_parameter(p + 1, row.seq)?;
            s.raw_bind_parameter(p + 2, row.agent)?;
            s.raw_bind_parameter(p + 3, row.state)?;
            s.raw_bind_parameter(p + 4, row.reason)?;
            s.raw_bind_parameter(p + 5, row.station)?;
            s.raw_bind_parameter(p + 6, row.start_at)
        })?;
        inserts.marks.run(conn, &plan.marks, |s, p, row| {
            s.raw_bind_parameter(p + 1, row.seq)?;
            s.raw_bind_parameter(p + 2, &row.agent)?;
            s.raw_bind_parameter(p + 3, row.state_seq)
        })?;
        inserts.closures.run(conn, &plan.closures, |s, p, row| {
            s.raw_bind_parameter(p + 1, row.seq)?;
            s.raw_bind_parameter(p + 2, row.at)?;
            s.raw_bind_parameter(p + 3, row.contact)?;
            s.raw_bind_parameter(p + 4, row.channel)?;
            s.raw_bind_parameter(p + 5, row.queue)?;
            s.raw_bind_parameter(p + 6, row.agent)?;
            s.raw_bind_parameter(p + 7, row.arrived)?;
            s.raw_bind_parameter(p + 8, row.entrance)?;
            s.raw_bind_parameter(p + 9, row.major)?;
            s.raw_bind_parameter(p + 10, row.minor)?;
            s.raw_bind_parameter(p + 11, row.disposition)
        })?;
        inserts.refusals.run(conn, &plan.refusals, |s, p, row| {
            s.raw_bind_parameter(p + 1, row.seq)?;
            s.raw_bind_parameter(p + 2, row.at)?;
            s.raw_bind_parameter(p + 3, row.contact)?;
            s.raw_bind_parameter(p + 4, row.agent)?;
            s.raw_bind_parameter(p + 5, row.full_name)?;
            s.raw_bind_parameter(p + 6, row.station)?;
            s.raw_bind_parameter(p + 7, row.reason)?;
            s.raw_bind_parameter(p + 8, row.cause_code)
        })?;
        inserts.statuses.run(conn, &plan.statuses, |s, p, row| {
            s.raw_bind_parameter(p + 1, row.seq)?;
            s.raw_bind_parameter(p + 2, row.queue)?;
            s.raw_bind_parameter(p + 3, row.at)?;
            s.raw_bind_parameter(p + 4, row.status)
        })?;
        Ok(())
    }

    pub(crate) fn committed(&mut self) {}
}

/// One update of a [`Plan`] as SQLite statements.
fn write_update(conn: &Connection, update: &Update<'_>) -> Result<()> {
    match *update {
        Update::AgentConfigured {
            seq,
            id,
            full_name,
            team,
        } => {
            conn.prepare_cached(
                "INSERT INTO agents (id, full_name, team, removed_at, seq) VALUES (?1, ?2, ?3, NULL, ?4)
                 ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name,
                     team = excluded.team, removed_at = NULL, seq = excluded.seq",
            )?
            .execute(params![id, full_name, team, seq])?;
        }
        Update::AgentSeen { seq, id } => {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO agents (id, full_name, team, removed_at, seq)
                 VALUES (?1, ?1, NULL, NULL, ?2)",
            )?
            .execute(params![id, seq])?;
        }
        Update::AgentRemoved { seq, at, id } => {
            conn.prepare_cached("UPDATE agents SET removed_at = ?2, seq = ?3 WHERE id = ?1")?
                .execute(params![id, at, seq])?;
        }
        Update::QueueConfigured {
            seq,
            id,
            name,
            channel,
            callbacks,
            dispositions,
        } => {
            conn.prepare_cached(
                "INSERT INTO queues (id, name, channel, callbacks, removed_at, seq)
                 VALUES (?1, ?2, ?3, ?4, NULL, ?5)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, channel = excluded.channel,
                     callbacks = excluded.callbacks, removed_at = NULL, seq = excluded.seq",
            )?
            .execute(params![id, name, channel, callbacks, seq])?;
            conn.prepare_cached("DELETE FROM dispositions WHERE queue = ?1")?
                .execute([id])?;
            let mut insert = conn.prepare_cached(
                "INSERT OR REPLACE INTO dispositions (queue, code, label_en, label_hu)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for disposition in dispositions {
                insert.execute(params![
                    id,
                    disposition.code,
                    disposition.label_en,
                    disposition.label_hu
                ])?;
            }
        }
        Update::QueueRemoved { seq, at, id } => {
            conn.prepare_cached("UPDATE queues SET removed_at = ?2, seq = ?3 WHERE id = ?1")?
                .execute(params![id, at, seq])?;
        }
        Update::CallbackCreated {
            seq,
            at,
            contact,
            queue,
            destination,
            entrance,
        } => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO callbacks (contact, queue, destination, created_at, entrance, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![contact, queue, destination, at, entrance, seq])?;
        }
        Update::AttemptStarted {
            seq,
            at,
            contact,
            attempt,
            agent,
        } => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO callback_attempts (contact, attempt, started_at, agent, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![contact, attempt, at, agent, seq])?;
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
            conn.prepare_cached(
                "INSERT INTO callback_attempts
                     (contact, attempt, started_at, ended_at, agent, agent_name, state, minor, counted, dial_started, seq)
                 VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (contact, attempt) DO UPDATE SET ended_at = excluded.ended_at,
                     agent = excluded.agent, agent_name = excluded.agent_name,
                     state = excluded.state, minor = excluded.minor, counted = excluded.counted,
                     dial_started = excluded.dial_started, seq = excluded.seq",
            )?
            .execute(params![
                contact,
                attempt,
                at,
                agent,
                agent_name,
                state,
                minor,
                counted,
                dial_started,
                seq
            ])?;
            let started: Option<i64> = conn
                .prepare_cached(
                    "SELECT started_at FROM callback_attempts WHERE contact = ?1 AND attempt = ?2",
                )?
                .query_row(params![contact, attempt], |row| row.get(0))
                .optional()?;
            conn.prepare_cached(
                "UPDATE callbacks SET total_attempts = ?2, last_attempt_at = ?3, seq = ?4
                 WHERE contact = ?1 AND total_attempts <= ?2",
            )?
            .execute(params![contact, attempt, started.unwrap_or(at), seq])?;
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
            conn.prepare_cached(
                "INSERT INTO callbacks (contact, queue, destination, created_at, entrance, completed_at,
                     end_state, counted_attempts, reached, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?6, ?7, ?8, ?9)
                 ON CONFLICT (contact) DO UPDATE SET queue = excluded.queue,
                     destination = excluded.destination, entrance = excluded.entrance,
                     completed_at = excluded.completed_at, end_state = excluded.end_state,
                     counted_attempts = excluded.counted_attempts, reached = excluded.reached,
                     seq = excluded.seq",
            )?
            .execute(params![
                contact,
                queue,
                destination,
                at,
                entrance,
                end_state,
                attempts,
                reached,
                seq
            ])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{MARK_ROWS, STATES_AT};
    use crate::{Durability, Store};
    use std::collections::BTreeMap;
    use switchboard_core::event::{Event, EventRecord};
    use switchboard_core::ids::{AgentId, ContactId};
    use switchboard_core::model::AgentState;
    use switchboard_core::time::Timestamp;

    fn state(at: i64, state: AgentState) -> EventRecord {
        EventRecord {
            at: Timestamp(at),
            event: Event::AgentStateChanged {
                agent: AgentId::new("ann"),
                state,
                reason: None,
                station: None,
            },
        }
    }

    fn intervals(store: &Store) -> Vec<(i64, String, i64, Option<i64>)> {
        let mut statement = store
            .connection()
            .prepare("SELECT seq, state, start_at, end_at FROM agent_intervals ORDER BY seq")
            .unwrap();
        statement
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// A journal of many state changes and removals of a few agents, with a stretch of 2,000
    /// entries without any.
    fn busy_journal() -> Vec<EventRecord> {
        let states = [AgentState::Ready, AgentState::Break, AgentState::Offline];
        let mut seed = 7u64;
        let mut records = Vec::new();
        for i in 0..(8 * MARK_ROWS + 800) {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = (seed >> 33) as usize;
            let agent = AgentId::new(&format!("a{}", r % 10));
            let event =
                if (3 * MARK_ROWS + 100..5 * MARK_ROWS + 300).contains(&i) || r.is_multiple_of(4) {
                    Event::CallbackExpired {
                        contact: ContactId(i as u64),
                    }
                } else if r % 37 == 1 {
                    Event::AgentRemoved { agent }
                } else {
                    Event::AgentStateChanged {
                        agent,
                        state: states[(r >> 8) % 3],
                        reason: None,
                        station: None,
                    }
                };
            records.push(EventRecord {
                at: Timestamp(1_000 * i as i64),
                event,
            });
        }
        records
    }

    fn table(store: &Store, sql: &str) -> Vec<(i64, String, Option<i64>)> {
        let mut statement = store.connection().prepare(sql).unwrap();
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// Every row's `end_at` is the agent's next start, and [`STATES_AT`] (a mark plus the rows
    /// after it) gives each agent's latest state before any `seq`, as a walk of the whole
    /// journal does; after restarts, and after a rebuild, which writes the same rows.
    #[test]
    fn marks_give_each_agents_state_at_any_entry() {
        let records = busy_journal();
        let dir = tempfile::tempdir().unwrap();
        for part in records.chunks(3_000) {
            let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
            for batch in part.chunks(37) {
                store.append(batch).unwrap();
            }
        }
        let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
        // The journal walked from the start.
        let mut expected_ends = Vec::new();
        let mut latest: BTreeMap<String, (i64, bool)> = BTreeMap::new();
        let mut at_each = vec![BTreeMap::new()];
        for (index, record) in records.iter().enumerate() {
            let seq = index as i64 + 1;
            let (agent, removal) = match &record.event {
                Event::AgentStateChanged { agent, .. } => (agent.as_str(), false),
                Event::AgentRemoved { agent } => (agent.as_str(), true),
                _ => ("", false),
            };
            if !agent.is_empty()
                && let Some((previous, false)) = latest.insert(agent.to_owned(), (seq, removal))
            {
                expected_ends.push((previous, record.at.0));
            }
            let states: BTreeMap<String, i64> = latest
                .iter()
                .filter(|(_, (_, removal))| !removal)
                .map(|(agent, (seq, _))| (agent.clone(), *seq))
                .collect();
            at_each.push(states);
        }
        let marks: i64 = store
            .connection()
            .query_row(
                "SELECT count(DISTINCT seq) FROM agent_state_marks",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(marks >= 3, "{marks} marks");
        let mut statement = store.connection().prepare(STATES_AT).unwrap();
        for first in 1..=records.len() as i64 + 1 {
            let found: BTreeMap<String, i64> = statement
                .query_map([first], |row| Ok((row.get(0)?, row.get(1)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            // Entry `first` is not yet included: the states after `first - 1` entries.
            assert_eq!(found, at_each[first as usize - 1], "before {first}");
        }
        drop(statement);
        let ends = store
            .connection()
            .prepare(
                "SELECT seq, end_at FROM agent_intervals WHERE end_at IS NOT NULL ORDER BY seq",
            )
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<Vec<(i64, i64)>, _>>()
            .unwrap();
        expected_ends.sort();
        assert_eq!(ends, expected_ends);
        let rows = "SELECT seq, agent, start_at FROM agent_states ORDER BY seq";
        let mark_rows = "SELECT seq, agent, state_seq FROM agent_state_marks ORDER BY seq, agent";
        let (before, before_marks) = (table(&store, rows), table(&store, mark_rows));
        store.rebuild_projections().unwrap();
        assert_eq!(table(&store, rows), before);
        assert_eq!(table(&store, mark_rows), before_marks);
    }

    /// The open interval survives a restart (the projector reloads it) and a rebuild from
    /// the journal gives the same rows.
    #[test]
    fn state_intervals_close_across_restarts_and_rebuild_identically() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
            store.append(&[state(1_000, AgentState::Ready)]).unwrap();
        }
        let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
        store
            .append(&[
                state(5_000, AgentState::Break),
                state(9_000, AgentState::Ready),
            ])
            .unwrap();
        let expected = vec![
            (1, "Ready".to_owned(), 1_000, Some(5_000)),
            (2, "Break".to_owned(), 5_000, Some(9_000)),
            (3, "Ready".to_owned(), 9_000, None),
        ];
        assert_eq!(intervals(&store), expected);
        // An agent first seen changing state gets an `agents` row named by its id.
        let name: String = store
            .connection()
            .query_row("SELECT full_name FROM agents WHERE id = 'ann'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(name, "ann");
        store.rebuild_projections().unwrap();
        assert_eq!(intervals(&store), expected);
        store.append(&[state(12_000, AgentState::Offline)]).unwrap();
        assert_eq!(intervals(&store)[2].3, Some(12_000));
    }
}
