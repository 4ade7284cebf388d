//! The projection tables in PostgreSQL (see `crate::projection` for SQLite, whose tables,
//! columns and rows these are, plus the domain): the same [`Plan`] of each batch, written as
//! PostgreSQL statements.
//!
//! Every table has `domain` as its first column and the first column of its primary key and
//! of every index, and every statement here names one domain, so the tables can be
//! distributed by domain (Citus) without a change of code.
//!
//! A batch's statements are sent together, pipelined on the connection, and their answers
//! awaited together: one round trip per batch, however many tables it writes. The rows of
//! the insert-only tables go in one `INSERT … SELECT … FROM UNNEST(arrays)` per table, the
//! updates in one such statement per kind of update and phase (`updates.rs`).

mod updates;

use crate::Result;
use crate::projection::plan::{Plan, Tracker};
use futures_util::future::try_join_all;
use std::future::Future;
use std::pin::Pin;
use switchboard_core::event::EventRecord;
use tokio_postgres::GenericClient;
use tokio_postgres::types::{ToSql, Type};

/// The projection tables of `crate::projection::SCHEMA` for PostgreSQL, with the domain.
/// Integers are BIGINT; the flags no report prints as a number (`queues.callbacks`,
/// `callbacks.reached`, `callback_attempts.counted`) are BOOLEAN. Text is `COLLATE "C"`:
/// SQLite compares and orders text by its bytes, and a report that orders by a name must
/// give the same order whatever the database's default collation.
///
/// As in SQLite, `refusals`, `closures` and `agent_states` have no time index (their time
/// never decreases with `seq`, so reports find a window as a `seq` range), and `agent_states`
/// no index by agent (the marks stand in for it).
pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS refusals (
    domain     TEXT COLLATE "C" NOT NULL,
    seq        BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    contact    BIGINT NOT NULL,
    agent      TEXT COLLATE "C" NOT NULL,
    full_name  TEXT COLLATE "C" NOT NULL,
    station    TEXT COLLATE "C" NOT NULL,
    reason     TEXT COLLATE "C" NOT NULL,
    cause_code TEXT COLLATE "C",
    PRIMARY KEY (domain, seq)
);

CREATE TABLE IF NOT EXISTS agents (
    domain     TEXT COLLATE "C" NOT NULL,
    id         TEXT COLLATE "C" NOT NULL,
    full_name  TEXT COLLATE "C" NOT NULL,
    team       TEXT COLLATE "C",
    removed_at BIGINT,
    seq        BIGINT NOT NULL,
    PRIMARY KEY (domain, id)
);

CREATE TABLE IF NOT EXISTS agent_states (
    domain   TEXT COLLATE "C" NOT NULL,
    seq      BIGINT NOT NULL,
    agent    TEXT COLLATE "C" NOT NULL,
    state    TEXT COLLATE "C",
    reason   TEXT COLLATE "C",
    station  TEXT COLLATE "C",
    start_at BIGINT NOT NULL,
    PRIMARY KEY (domain, seq)
);
CREATE TABLE IF NOT EXISTS agent_state_marks (
    domain    TEXT COLLATE "C" NOT NULL,
    seq       BIGINT NOT NULL,
    agent     TEXT COLLATE "C" NOT NULL,
    state_seq BIGINT NOT NULL,
    PRIMARY KEY (domain, seq, agent)
);
CREATE OR REPLACE VIEW agent_intervals AS
    SELECT domain, seq, agent, state, reason, station, start_at, end_at FROM (
        SELECT *, lead(start_at) OVER (PARTITION BY domain, agent ORDER BY seq) AS end_at
        FROM agent_states
    ) s WHERE state IS NOT NULL;

CREATE TABLE IF NOT EXISTS queues (
    domain     TEXT COLLATE "C" NOT NULL,
    id         TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C",
    channel    TEXT COLLATE "C" NOT NULL,
    callbacks  BOOLEAN NOT NULL,
    removed_at BIGINT,
    seq        BIGINT NOT NULL,
    PRIMARY KEY (domain, id)
);

CREATE TABLE IF NOT EXISTS dispositions (
    domain   TEXT COLLATE "C" NOT NULL,
    queue    TEXT COLLATE "C" NOT NULL,
    code     TEXT COLLATE "C" NOT NULL,
    label_en TEXT COLLATE "C" NOT NULL,
    label_hu TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (domain, queue, code)
);

CREATE TABLE IF NOT EXISTS closures (
    domain      TEXT COLLATE "C" NOT NULL,
    seq         BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    contact     BIGINT NOT NULL,
    channel     TEXT COLLATE "C" NOT NULL,
    queue       TEXT COLLATE "C" NOT NULL,
    agent       TEXT COLLATE "C",
    arrived     BIGINT NOT NULL,
    entrance    BIGINT NOT NULL,
    major       BIGINT NOT NULL,
    minor       BIGINT NOT NULL,
    disposition TEXT COLLATE "C",
    PRIMARY KEY (domain, seq)
);

CREATE TABLE IF NOT EXISTS callbacks (
    domain           TEXT COLLATE "C" NOT NULL,
    contact          BIGINT NOT NULL,
    queue            TEXT COLLATE "C" NOT NULL,
    destination      TEXT COLLATE "C" NOT NULL,
    created_at       BIGINT NOT NULL,
    entrance         BIGINT NOT NULL,
    total_attempts   BIGINT NOT NULL DEFAULT 0,
    last_attempt_at  BIGINT,
    completed_at     BIGINT,
    end_state        TEXT COLLATE "C",
    counted_attempts BIGINT,
    reached          BOOLEAN,
    seq              BIGINT NOT NULL,
    PRIMARY KEY (domain, contact)
);
CREATE INDEX IF NOT EXISTS callbacks_completed ON callbacks (domain, completed_at);
CREATE INDEX IF NOT EXISTS callbacks_queue ON callbacks (domain, queue, created_at);

CREATE TABLE IF NOT EXISTS callback_attempts (
    domain       TEXT COLLATE "C" NOT NULL,
    contact      BIGINT NOT NULL,
    attempt      BIGINT NOT NULL,
    started_at   BIGINT NOT NULL,
    ended_at     BIGINT,
    agent        TEXT COLLATE "C",
    agent_name   TEXT COLLATE "C",
    state        TEXT COLLATE "C",
    minor        BIGINT,
    counted      BOOLEAN,
    dial_started BIGINT,
    seq          BIGINT NOT NULL,
    PRIMARY KEY (domain, contact, attempt)
);
CREATE INDEX IF NOT EXISTS callback_attempts_ended ON callback_attempts (domain, ended_at);

CREATE TABLE IF NOT EXISTS callback_status (
    domain TEXT COLLATE "C" NOT NULL,
    seq    BIGINT NOT NULL,
    queue  TEXT COLLATE "C" NOT NULL,
    at     BIGINT NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (domain, seq)
);
CREATE INDEX IF NOT EXISTS callback_status_queue ON callback_status (domain, queue, at);
"#;

/// The projection tables, for [`reset`] and the cluster store's domain deletion.
pub const TABLES: &[&str] = &[
    "refusals",
    "agents",
    "agent_states",
    "agent_state_marks",
    "queues",
    "dispositions",
    "closures",
    "callbacks",
    "callback_attempts",
    "callback_status",
];

/// `crate::projection::STATES_AT` in domain `$1`: the state each agent was in just before
/// journal entry `$2`, as `(agent, seq)` of the agent's latest `agent_states` row before it,
/// for the agents whose latest row is a state (not a removal).
pub const STATES_AT: &str = "
WITH mark AS (SELECT max(seq) AS m FROM agent_state_marks WHERE domain = $1 AND seq <= $2),
     latest AS (
         SELECT k.agent, k.state_seq AS seq, false AS removed
         FROM agent_state_marks k, mark WHERE k.domain = $1 AND k.seq = mark.m
         UNION ALL
         SELECT s.agent, s.seq, s.state IS NULL
         FROM agent_states s, mark
         WHERE s.domain = $1 AND s.seq >= coalesce(mark.m, 0) AND s.seq < $2
     ),
     last AS (SELECT DISTINCT ON (agent) agent, seq, removed FROM latest ORDER BY agent, seq DESC)
SELECT agent, seq FROM last WHERE NOT removed ORDER BY agent";

/// Deletes domain `domain`'s rows of every projection table (to rebuild them from its
/// journal, or with the domain).
pub async fn reset(client: &impl GenericClient, domain: &str) -> Result<()> {
    let statements: Vec<String> = TABLES
        .iter()
        .map(|table| format!("DELETE FROM {table} WHERE domain = $1"))
        .collect();
    let params = [(&domain as &(dyn ToSql + Sync), Type::TEXT)];
    try_join_all(
        statements
            .iter()
            .map(|sql| client.execute_typed(sql, &params)),
    )
    .await?;
    Ok(())
}

/// The PostgreSQL projector of one domain's journal: the rows the SQLite store's projector
/// writes, in the same tables, with the domain.
#[derive(Debug, Default)]
pub struct PgProjector {
    tracker: Tracker,
}

/// A statement's future.
type Pending<'a> = Pin<Box<dyn Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>>;

/// What the projector writes through: statements prepared once per connection where the
/// caller has a statement cache (a pooled connection's transaction), so PostgreSQL parses and
/// plans each of the projection's statements once per connection instead of at every commit.
pub trait Prepared: Sync {
    /// The prepared statement of `sql` with parameters of `types` (from the cache if any).
    fn prepared<'a>(
        &'a self,
        sql: &'a str,
        types: &'a [Type],
    ) -> Pin<
        Box<
            dyn Future<Output = Result<tokio_postgres::Statement, tokio_postgres::Error>>
                + Send
                + 'a,
        >,
    >;
    /// Runs a prepared statement; sent when first polled.
    fn run<'a>(
        &'a self,
        statement: &'a tokio_postgres::Statement,
        params: &'a [&'a (dyn ToSql + Sync)],
    ) -> Pending<'a>;
}

impl Prepared for deadpool_postgres::Transaction<'_> {
    fn prepared<'a>(
        &'a self,
        sql: &'a str,
        types: &'a [Type],
    ) -> Pin<
        Box<
            dyn Future<Output = Result<tokio_postgres::Statement, tokio_postgres::Error>>
                + Send
                + 'a,
        >,
    > {
        Box::pin(self.prepare_typed_cached(sql, types))
    }
    fn run<'a>(
        &'a self,
        statement: &'a tokio_postgres::Statement,
        params: &'a [&'a (dyn ToSql + Sync)],
    ) -> Pending<'a> {
        Box::pin(tokio_postgres::Transaction::execute(
            self, statement, params,
        ))
    }
}

/// Without a cache (tests, tools): prepared at every call.
impl Prepared for tokio_postgres::Transaction<'_> {
    fn prepared<'a>(
        &'a self,
        sql: &'a str,
        types: &'a [Type],
    ) -> Pin<
        Box<
            dyn Future<Output = Result<tokio_postgres::Statement, tokio_postgres::Error>>
                + Send
                + 'a,
        >,
    > {
        Box::pin(self.prepare_typed(sql, types))
    }
    fn run<'a>(
        &'a self,
        statement: &'a tokio_postgres::Statement,
        params: &'a [&'a (dyn ToSql + Sync)],
    ) -> Pending<'a> {
        Box::pin(self.execute(statement, params))
    }
}

/// A statement's parameters with their types: typed statements are parsed with the
/// parameters in one message, with no round trip of their own to prepare them.
type Params<'a> = Vec<(&'a (dyn ToSql + Sync), Type)>;

impl PgProjector {
    /// The projector of `domain` as its tables stand (what it remembers between entries:
    /// the agents with a row, each agent's current state, the rows since the latest mark).
    pub async fn load(client: &impl GenericClient, domain: &str) -> Result<Self> {
        let domain_param = [(&domain as &(dyn ToSql + Sync), Type::TEXT)];
        let states_param = [
            (&domain as &(dyn ToSql + Sync), Type::TEXT),
            (&i64::MAX, Type::INT8),
        ];
        let (agents, current, since_mark) = tokio::try_join!(
            client.query_typed("SELECT id FROM agents WHERE domain = $1", &domain_param),
            client.query_typed(STATES_AT, &states_param),
            client.query_typed_one(
                "SELECT count(*) FROM agent_states WHERE domain = $1 AND seq >= coalesce(
                     (SELECT max(seq) FROM agent_state_marks WHERE domain = $1), 0)",
                &domain_param,
            ),
        )?;
        let mut tracker = Tracker::default();
        for row in agents {
            tracker.agents.insert(row.try_get(0)?);
        }
        for row in current {
            tracker.current.insert(row.try_get(0)?, row.try_get(1)?);
        }
        tracker.since_mark = since_mark.try_get::<_, i64>(0)? as usize;
        Ok(PgProjector { tracker })
    }

    /// Writes the projection rows of `records` (domain `domain`'s journal entries numbered
    /// from `first`), in the caller's transaction: every statement is sent before the first
    /// answer is awaited, so a caller that awaits this together with its own statements
    /// (`try_join!`) pays one round trip for both. After a failure, the transaction must be
    /// rolled back and the projector loaded again.
    pub async fn apply(
        &mut self,
        client: &impl Prepared,
        domain: &str,
        first: u64,
        records: &[EventRecord],
    ) -> Result<()> {
        let plan = self.tracker.plan(first, records);
        let columns = Columns::of(&plan);
        let updates = updates::Phases::of(&plan.updates);
        let mut statements: Vec<(&str, Params<'_>)> = Vec::new();
        updates.statements(&domain, &mut statements);
        columns.statements(&domain, &mut statements);
        // Prepared once per connection (a cached statement costs no round trip here).
        let mut prepared = Vec::with_capacity(statements.len());
        let mut values: Vec<Vec<&(dyn ToSql + Sync)>> = Vec::with_capacity(statements.len());
        for (sql, params) in &statements {
            let types: Vec<Type> = params.iter().map(|(_, kind)| kind.clone()).collect();
            prepared.push(client.prepared(sql, &types).await?);
            values.push(params.iter().map(|(value, _)| *value).collect());
        }
        // Each statement is sent when its future is first polled, and `try_join_all` first
        // polls them in order: the server runs them in this order (updates in journal order,
        // a phase's dispositions deleted before they are inserted), in one round trip.
        let pending: Vec<Pending<'_>> = prepared
            .iter()
            .zip(&values)
            .map(|(statement, values)| client.run(statement, values))
            .collect();
        try_join_all(pending).await?;
        Ok(())
    }
}

/// The rows of a plan's insert-only tables, a column at a time (arrays for `UNNEST`).
#[derive(Default)]
struct Columns<'a> {
    states: StateColumns<'a>,
    marks: MarkColumns<'a>,
    closures: ClosureColumns<'a>,
    refusals: RefusalColumns<'a>,
    statuses: StatusColumns<'a>,
}

#[derive(Default)]
struct StateColumns<'a> {
    seq: Vec<i64>,
    agent: Vec<&'a str>,
    state: Vec<Option<&'a str>>,
    reason: Vec<Option<&'a str>>,
    station: Vec<Option<&'a str>>,
    start_at: Vec<i64>,
}

#[derive(Default)]
struct MarkColumns<'a> {
    seq: Vec<i64>,
    agent: Vec<&'a str>,
    state_seq: Vec<i64>,
}

#[derive(Default)]
struct ClosureColumns<'a> {
    seq: Vec<i64>,
    at: Vec<i64>,
    contact: Vec<i64>,
    channel: Vec<&'a str>,
    queue: Vec<&'a str>,
    agent: Vec<Option<&'a str>>,
    arrived: Vec<i64>,
    entrance: Vec<i64>,
    major: Vec<i64>,
    minor: Vec<i64>,
    disposition: Vec<Option<&'a str>>,
}

#[derive(Default)]
struct RefusalColumns<'a> {
    seq: Vec<i64>,
    at: Vec<i64>,
    contact: Vec<i64>,
    agent: Vec<&'a str>,
    full_name: Vec<&'a str>,
    station: Vec<&'a str>,
    reason: Vec<&'a str>,
    cause_code: Vec<Option<&'a str>>,
}

#[derive(Default)]
struct StatusColumns<'a> {
    seq: Vec<i64>,
    queue: Vec<&'a str>,
    at: Vec<i64>,
    status: Vec<&'a str>,
}

const INT8S: Type = Type::INT8_ARRAY;
const TEXTS: Type = Type::TEXT_ARRAY;

impl<'a> Columns<'a> {
    fn of(plan: &'a Plan<'a>) -> Self {
        let mut c = Columns::default();
        for row in &plan.states {
            c.states.seq.push(row.seq);
            c.states.agent.push(row.agent);
            c.states.state.push(row.state);
            c.states.reason.push(row.reason);
            c.states.station.push(row.station);
            c.states.start_at.push(row.start_at);
        }
        for row in &plan.marks {
            c.marks.seq.push(row.seq);
            c.marks.agent.push(&row.agent);
            c.marks.state_seq.push(row.state_seq);
        }
        for row in &plan.closures {
            let k = &mut c.closures;
            k.seq.push(row.seq);
            k.at.push(row.at);
            k.contact.push(row.contact);
            k.channel.push(row.channel);
            k.queue.push(row.queue);
            k.agent.push(row.agent);
            k.arrived.push(row.arrived);
            k.entrance.push(row.entrance);
            k.major.push(row.major);
            k.minor.push(row.minor);
            k.disposition.push(row.disposition);
        }
        for row in &plan.refusals {
            let r = &mut c.refusals;
            r.seq.push(row.seq);
            r.at.push(row.at);
            r.contact.push(row.contact);
            r.agent.push(row.agent);
            r.full_name.push(row.full_name);
            r.station.push(row.station);
            r.reason.push(row.reason);
            r.cause_code.push(row.cause_code);
        }
        for row in &plan.statuses {
            c.statuses.seq.push(row.seq);
            c.statuses.queue.push(row.queue);
            c.statuses.at.push(row.at);
            c.statuses.status.push(row.status);
        }
        c
    }

    /// One `INSERT … SELECT $1, * FROM UNNEST(…)` per table with rows.
    fn statements<'s>(&'s self, domain: &'s &str, out: &mut Vec<(&'static str, Params<'s>)>) {
        let domain = (domain as &(dyn ToSql + Sync), Type::TEXT);
        let s = &self.states;
        if !s.seq.is_empty() {
            out.push((
                "INSERT INTO agent_states (domain, seq, agent, state, reason, station, start_at)
                 SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[],
                     $6::text[], $7::bigint[])",
                vec![
                    domain.clone(),
                    (&s.seq, INT8S),
                    (&s.agent, TEXTS),
                    (&s.state, TEXTS),
                    (&s.reason, TEXTS),
                    (&s.station, TEXTS),
                    (&s.start_at, INT8S),
                ],
            ));
        }
        let m = &self.marks;
        if !m.seq.is_empty() {
            out.push((
                "INSERT INTO agent_state_marks (domain, seq, agent, state_seq)
                 SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::bigint[])",
                vec![
                    domain.clone(),
                    (&m.seq, INT8S),
                    (&m.agent, TEXTS),
                    (&m.state_seq, INT8S),
                ],
            ));
        }
        let k = &self.closures;
        if !k.seq.is_empty() {
            out.push((
                "INSERT INTO closures (domain, seq, at, contact, channel, queue, agent, arrived,
                     entrance, major, minor, disposition)
                 SELECT $1, * FROM UNNEST($2::bigint[], $3::bigint[], $4::bigint[], $5::text[],
                     $6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[],
                     $11::bigint[], $12::text[])",
                vec![
                    domain.clone(),
                    (&k.seq, INT8S),
                    (&k.at, INT8S),
                    (&k.contact, INT8S),
                    (&k.channel, TEXTS),
                    (&k.queue, TEXTS),
                    (&k.agent, TEXTS),
                    (&k.arrived, INT8S),
                    (&k.entrance, INT8S),
                    (&k.major, INT8S),
                    (&k.minor, INT8S),
                    (&k.disposition, TEXTS),
                ],
            ));
        }
        let r = &self.refusals;
        if !r.seq.is_empty() {
            out.push((
                "INSERT INTO refusals (domain, seq, at, contact, agent, full_name, station, reason,
                     cause_code)
                 SELECT $1, * FROM UNNEST($2::bigint[], $3::bigint[], $4::bigint[], $5::text[],
                     $6::text[], $7::text[], $8::text[], $9::text[])",
                vec![
                    domain.clone(),
                    (&r.seq, INT8S),
                    (&r.at, INT8S),
                    (&r.contact, INT8S),
                    (&r.agent, TEXTS),
                    (&r.full_name, TEXTS),
                    (&r.station, TEXTS),
                    (&r.reason, TEXTS),
                    (&r.cause_code, TEXTS),
                ],
            ));
        }
        let t = &self.statuses;
        if !t.seq.is_empty() {
            out.push((
                "INSERT INTO callback_status (domain, seq, queue, at, status)
                 SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::bigint[], $5::text[])",
                vec![
                    domain,
                    (&t.seq, INT8S),
                    (&t.queue, TEXTS),
                    (&t.at, INT8S),
                    (&t.status, TEXTS),
                ],
            ));
        }
    }
}

#[cfg(test)]
mod tests;
