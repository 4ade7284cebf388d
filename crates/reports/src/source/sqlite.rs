//! The reports' queries on the embedded store (SQLite): `switchboard_store::projection`.

use super::{Columns, Journaled, Param, Query, Source};
use crate::ReportError;
use crate::output::Cell;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, Row, ToSql};

/// A store's connection, inside the caller's read transaction.
pub(crate) struct Sqlite<'c> {
    conn: &'c Connection,
}

impl<'c> Sqlite<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Self {
        Sqlite { conn }
    }
}

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Param::Int(value) => ToSqlOutput::Borrowed(ValueRef::Integer(value)),
            Param::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
        })
    }
}

impl Columns for Row<'_> {
    fn cell(&self, index: usize) -> Result<Cell<'_>, ReportError> {
        Ok(match self.get_ref(index)? {
            ValueRef::Null | ValueRef::Blob(_) => Cell::Empty,
            ValueRef::Integer(value) => Cell::Int(value),
            ValueRef::Real(value) => Cell::Num(value),
            ValueRef::Text(text) => Cell::Text(
                std::str::from_utf8(text)
                    .map_err(|e| ReportError::Store(rusqlite::Error::Utf8Error(index, e)))?,
            ),
        })
    }

    fn opt_int(&self, index: usize) -> Result<Option<i64>, ReportError> {
        Ok(self.get(index)?)
    }

    fn int(&self, index: usize) -> Result<i64, ReportError> {
        Ok(self.get(index)?)
    }
}

/// Each agent's latest row before `seq` `?1` (the mark at or before it, then the rows
/// between), as `(agent, seq)`.
const LATEST: &str = "
mark AS (SELECT max(seq) AS m FROM agent_state_marks WHERE seq <= ?1),
latest AS (
    SELECT k.agent, k.state_seq AS seq FROM agent_state_marks k, mark WHERE k.seq = mark.m
    UNION ALL
    SELECT x.agent, x.seq FROM agent_states x, mark
    WHERE x.seq >= coalesce(mark.m, 0) AND x.seq < ?1
),
last AS (SELECT agent, max(seq) AS seq FROM latest GROUP BY agent)";

fn sql(query: Query) -> String {
    match query {
        Query::Refusals => "SELECT contact, agent, full_name, station, reason, at FROM refusals
             WHERE seq >= ?1 AND seq < ?2 ORDER BY seq"
            .into(),
        Query::CompletedCallbacks => {
            "SELECT c.contact, c.queue, c.destination, c.end_state, c.entrance, c.last_attempt_at,
                    c.total_attempts, a.attempt, a.started_at, coalesce(a.agent_name, a.agent), a.state
             FROM callbacks c LEFT JOIN callback_attempts a ON a.contact = c.contact
             WHERE c.completed_at >= ?1 AND c.completed_at < ?2
             ORDER BY c.completed_at, c.contact, a.attempt"
                .into()
        }
        Query::CurrentStates => format!(
            "WITH {LATEST} SELECT l.agent, l.seq FROM last l
             JOIN agent_states s ON s.seq = l.seq WHERE s.state IS NOT NULL"
        ),
        Query::CarriedStates => format!(
            "WITH {LATEST},
                  next AS (SELECT agent, min(seq) AS seq FROM agent_states
                           WHERE seq >= ?1 AND seq < ?2 GROUP BY agent)
             SELECT s.seq, s.agent, a.full_name, a.team, s.start_at, n.start_at, s.state, s.reason
             FROM last JOIN agent_states s ON s.seq = last.seq JOIN agents a ON a.id = s.agent
             LEFT JOIN next x ON x.agent = s.agent LEFT JOIN agent_states n ON n.seq = x.seq
             WHERE s.state IS NOT NULL
             ORDER BY a.id"
        ),
        Query::BeganStates => {
            "SELECT w.seq, w.agent, a.full_name, a.team, w.start_at, w.next_at, w.state, w.reason
             FROM (SELECT seq, agent, state, reason, start_at,
                          lead(start_at) OVER (PARTITION BY agent ORDER BY seq) AS next_at
                   FROM agent_states WHERE seq >= ?1 AND seq < ?2) w
             LEFT JOIN agents a ON a.id = w.agent
             WHERE w.state IS NOT NULL
             ORDER BY w.seq"
                .into()
        }
        Query::NextStart => "SELECT start_at FROM agent_states WHERE seq >= ?1 AND agent = ?2
             ORDER BY seq LIMIT 1"
            .into(),
        Query::Closures => {
            "SELECT c.contact, c.channel, c.queue, c.agent, c.entrance, c.at, c.major, c.minor,
                    c.disposition, d.label_en, d.label_hu
             FROM closures c LEFT JOIN dispositions d ON d.queue = c.queue AND d.code = c.disposition
             WHERE c.seq >= ?1 AND c.seq < ?2
             ORDER BY c.seq"
                .into()
        }
        Query::MonitorQueues => "SELECT id FROM queues WHERE callbacks = 1 AND removed_at IS NULL
             UNION SELECT DISTINCT queue FROM callbacks"
            .into(),
        Query::MonitorCompleted => {
            "SELECT queue, sum(end_state <> 'Purged'), sum(end_state <> 'Purged' AND reached),
                    sum(end_state = 'Purged')
             FROM callbacks WHERE completed_at >= ?1 AND completed_at < ?2 GROUP BY queue"
                .into()
        }
        Query::MonitorAttempts => "SELECT c.queue, sum(a.ended_at - a.dial_started), count(*)
             FROM callback_attempts a JOIN callbacks c ON c.contact = a.contact
             WHERE a.ended_at >= ?1 AND a.ended_at < ?2 AND a.dial_started IS NOT NULL
             GROUP BY c.queue"
            .into(),
        Query::MonitorStatus => "SELECT status FROM callback_status WHERE queue = ?1 AND at < ?2
             ORDER BY at DESC, seq DESC LIMIT 1"
            .into(),
        Query::MonitorWaiting => "SELECT count(*) FROM callbacks c
             WHERE c.queue = ?1 AND c.created_at < ?2
               AND (c.completed_at IS NULL OR c.completed_at >= ?2)
               AND NOT EXISTS (SELECT 1 FROM callback_attempts a WHERE a.contact = c.contact
                               AND a.started_at < ?2 AND (a.ended_at IS NULL OR a.ended_at >= ?2))"
            .into(),
    }
}

impl Sqlite<'_> {
    /// The first `seq` whose row's time is at or after `at` (one past the last row when there
    /// is none), by binary search on the primary key: this spares the store a time index per
    /// table on every write.
    pub(crate) fn first_seq_at(&self, table: Journaled, at: i64) -> Result<i64, ReportError> {
        let (table, column) = table.table();
        let conn = self.conn;
        let max: Option<i64> = conn
            .prepare_cached(&format!("SELECT max(seq) FROM {table}"))?
            .query_row([], |row| row.get(0))?;
        let Some(max) = max else { return Ok(0) };
        let mut probe = conn.prepare_cached(&format!(
            "SELECT {column} FROM {table} WHERE seq >= ?1 ORDER BY seq LIMIT 1"
        ))?;
        // The answer lies in [low, high]: rows at or after it are at or after `at`.
        let (mut low, mut high) = (0i64, max + 1);
        while low < high {
            let middle = low + (high - low) / 2;
            let first: Option<i64> = match probe.query_row([middle], |row| row.get(0)) {
                Ok(value) => Some(value),
                Err(rusqlite::Error::QueryReturnedNoRows) => None,
                Err(error) => return Err(error.into()),
            };
            match first {
                Some(value) if value < at => low = middle + 1,
                _ => high = middle,
            }
        }
        Ok(low)
    }
}

impl Source for Sqlite<'_> {
    async fn each<F>(
        &mut self,
        query: Query,
        params: &[Param<'_>],
        mut each: F,
    ) -> Result<(), ReportError>
    where
        F: FnMut(&dyn Columns) -> Result<(), ReportError>,
    {
        let mut statement = self.conn.prepare_cached(&sql(query))?;
        let mut rows = statement.query(rusqlite::params_from_iter(params))?;
        while let Some(row) = rows.next()? {
            each(row)?;
        }
        Ok(())
    }

    async fn seq_range(
        &mut self,
        table: Journaled,
        start: i64,
        end: i64,
    ) -> Result<(i64, i64), ReportError> {
        Ok((
            self.first_seq_at(table, start)?,
            self.first_seq_at(table, end)?,
        ))
    }
}
