//! The reports' queries on the cluster store (PostgreSQL): the projection tables of
//! `switchboard_store::postgres::projection`, each query naming one domain (`$1`). The
//! queries are SQLite's (`sqlite.rs`), with the domain in every table's condition and join,
//! and with PostgreSQL's spelling where SQLite's is its own: `DISTINCT ON` instead of a bare
//! column beside `max()`, `count(*) FILTER` instead of a sum of comparisons, NULLs first.

use super::{Columns, Journaled, Param, Query, Source};
use crate::ReportError;
use crate::output::Cell;
use futures_util::TryStreamExt;
use std::pin::pin;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{GenericClient, Row};

/// A client (inside the caller's snapshot) and the domain whose rows are read.
pub(crate) struct Postgres<'c, C> {
    client: &'c C,
    domain: &'c str,
}

impl<'c, C> Postgres<'c, C> {
    pub(crate) fn new(client: &'c C, domain: &'c str) -> Self {
        Postgres { client, domain }
    }
}

impl Columns for Row {
    fn cell(&self, index: usize) -> Result<Cell<'_>, ReportError> {
        let column = &self.columns()[index];
        Ok(match *column.type_() {
            Type::INT8 => self
                .try_get::<_, Option<i64>>(index)?
                .map_or(Cell::Empty, Cell::Int),
            Type::INT4 => self
                .try_get::<_, Option<i32>>(index)?
                .map_or(Cell::Empty, |value| Cell::Int(value.into())),
            Type::BOOL => self
                .try_get::<_, Option<bool>>(index)?
                .map_or(Cell::Empty, |value| Cell::Int(value.into())),
            Type::FLOAT8 => self
                .try_get::<_, Option<f64>>(index)?
                .map_or(Cell::Empty, Cell::Num),
            _ => self
                .try_get::<_, Option<&str>>(index)?
                .map_or(Cell::Empty, Cell::Text),
        })
    }

    fn opt_int(&self, index: usize) -> Result<Option<i64>, ReportError> {
        Ok(self.try_get(index)?)
    }

    fn int(&self, index: usize) -> Result<i64, ReportError> {
        Ok(self.try_get(index)?)
    }
}

/// Each agent's latest row before `seq` `$2`, as `(agent, seq)`.
const LATEST: &str = "
mark AS (SELECT max(seq) AS m FROM agent_state_marks WHERE domain = $1 AND seq <= $2),
latest AS (
    SELECT k.agent, k.state_seq AS seq FROM agent_state_marks k, mark
    WHERE k.domain = $1 AND k.seq = mark.m
    UNION ALL
    SELECT x.agent, x.seq FROM agent_states x, mark
    WHERE x.domain = $1 AND x.seq >= coalesce(mark.m, 0) AND x.seq < $2
),
last AS (SELECT agent, max(seq) AS seq FROM latest GROUP BY agent)";

fn sql(query: Query) -> String {
    match query {
        Query::Refusals => "SELECT contact, agent, full_name, station, reason, at FROM refusals
             WHERE domain = $1 AND seq >= $2 AND seq < $3 ORDER BY seq"
            .into(),
        Query::CompletedCallbacks => {
            "SELECT c.contact, c.queue, c.destination, c.end_state, c.entrance, c.last_attempt_at,
                    c.total_attempts, a.attempt, a.started_at, coalesce(a.agent_name, a.agent), a.state
             FROM callbacks c
             LEFT JOIN callback_attempts a ON a.domain = c.domain AND a.contact = c.contact
             WHERE c.domain = $1 AND c.completed_at >= $2 AND c.completed_at < $3
             ORDER BY c.completed_at, c.contact, a.attempt NULLS FIRST"
                .into()
        }
        Query::CurrentStates => format!(
            "WITH {LATEST} SELECT l.agent, l.seq FROM last l
             JOIN agent_states s ON s.domain = $1 AND s.seq = l.seq WHERE s.state IS NOT NULL"
        ),
        Query::CarriedStates => format!(
            "WITH {LATEST},
                  next AS (SELECT agent, min(seq) AS seq FROM agent_states
                           WHERE domain = $1 AND seq >= $2 AND seq < $3 GROUP BY agent)
             SELECT s.seq, s.agent, a.full_name, a.team, s.start_at, n.start_at, s.state, s.reason
             FROM last JOIN agent_states s ON s.domain = $1 AND s.seq = last.seq
             JOIN agents a ON a.domain = $1 AND a.id = s.agent
             LEFT JOIN next x ON x.agent = s.agent
             LEFT JOIN agent_states n ON n.domain = $1 AND n.seq = x.seq
             WHERE s.state IS NOT NULL
             ORDER BY a.id"
        ),
        Query::BeganStates => {
            "SELECT w.seq, w.agent, a.full_name, a.team, w.start_at, w.next_at, w.state, w.reason
             FROM (SELECT seq, agent, state, reason, start_at,
                          lead(start_at) OVER (PARTITION BY agent ORDER BY seq) AS next_at
                   FROM agent_states WHERE domain = $1 AND seq >= $2 AND seq < $3) w
             LEFT JOIN agents a ON a.domain = $1 AND a.id = w.agent
             WHERE w.state IS NOT NULL
             ORDER BY w.seq"
                .into()
        }
        Query::NextStart => "SELECT start_at FROM agent_states
             WHERE domain = $1 AND seq >= $2 AND agent = $3 ORDER BY seq LIMIT 1"
            .into(),
        Query::Closures => {
            "SELECT c.contact, c.channel, c.queue, c.agent, c.entrance, c.at, c.major, c.minor,
                    c.disposition, d.label_en, d.label_hu
             FROM closures c LEFT JOIN dispositions d
                 ON d.domain = c.domain AND d.queue = c.queue AND d.code = c.disposition
             WHERE c.domain = $1 AND c.seq >= $2 AND c.seq < $3
             ORDER BY c.seq"
                .into()
        }
        Query::MonitorQueues => "SELECT id FROM queues
             WHERE domain = $1 AND callbacks AND removed_at IS NULL
             UNION SELECT DISTINCT queue FROM callbacks WHERE domain = $1"
            .into(),
        Query::MonitorCompleted => {
            "SELECT queue, count(*) FILTER (WHERE end_state <> 'Purged'),
                    count(*) FILTER (WHERE end_state <> 'Purged' AND reached),
                    count(*) FILTER (WHERE end_state = 'Purged')
             FROM callbacks WHERE domain = $1 AND completed_at >= $2 AND completed_at < $3
             GROUP BY queue"
                .into()
        }
        Query::MonitorAttempts => {
            "SELECT c.queue, sum(a.ended_at - a.dial_started)::bigint, count(*)
             FROM callback_attempts a JOIN callbacks c ON c.domain = a.domain AND c.contact = a.contact
             WHERE a.domain = $1 AND a.ended_at >= $2 AND a.ended_at < $3
               AND a.dial_started IS NOT NULL
             GROUP BY c.queue"
                .into()
        }
        Query::MonitorStatus => "SELECT status FROM callback_status
             WHERE domain = $1 AND queue = $2 AND at < $3
             ORDER BY at DESC, seq DESC LIMIT 1"
            .into(),
        Query::MonitorWaiting => "SELECT count(*) FROM callbacks c
             WHERE c.domain = $1 AND c.queue = $2 AND c.created_at < $3
               AND (c.completed_at IS NULL OR c.completed_at >= $3)
               AND NOT EXISTS (SELECT 1 FROM callback_attempts a
                               WHERE a.domain = $1 AND a.contact = c.contact
                               AND a.started_at < $3 AND (a.ended_at IS NULL OR a.ended_at >= $3))"
            .into(),
    }
}

/// The `seq` range of `[$2, $3)` in a journal-ordered table of domain `$1`, as `(bound,
/// first seq at or after it)`: SQLite's binary search over the primary key (`sqlite.rs`,
/// `first_seq_at`), step for step, run by the server in one recursive query instead of a
/// round trip per step.
fn seq_range_sql(table: Journaled) -> String {
    let (table, column) = table.table();
    format!(
        "WITH RECURSIVE
             top AS (SELECT coalesce(max(seq), -1) + 1 AS high FROM {table} WHERE domain = $1),
             search (bound, low, high) AS (
                 SELECT b.bound, 0::bigint, top.high
                 FROM top, (VALUES ($2::bigint), ($3::bigint)) AS b (bound)
                 UNION ALL
                 SELECT s.bound,
                        CASE WHEN p.value < s.bound THEN m.middle + 1 ELSE s.low END,
                        CASE WHEN p.value < s.bound THEN s.high ELSE m.middle END
                 FROM search s
                 CROSS JOIN LATERAL (SELECT s.low + (s.high - s.low) / 2 AS middle) m
                 LEFT JOIN LATERAL (SELECT {column} AS value FROM {table}
                                    WHERE domain = $1 AND seq >= m.middle
                                    ORDER BY seq LIMIT 1) p ON true
                 WHERE s.low < s.high)
         SELECT bound, low FROM search WHERE low >= high"
    )
}

impl<C: GenericClient + Sync> Postgres<'_, C> {
    async fn stream<F>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        mut each: F,
    ) -> Result<(), ReportError>
    where
        F: FnMut(&Row) -> Result<(), ReportError>,
    {
        let mut typed: Vec<(&(dyn ToSql + Sync), Type)> = vec![(&self.domain, Type::TEXT)];
        for param in params {
            typed.push(match param {
                Param::Int(value) => (value, Type::INT8),
                Param::Text(text) => (text, Type::TEXT),
            });
        }
        // Typed: parsed, bound and run in one round trip; rows arrive as they are read.
        let rows = self.client.query_typed_raw(sql, typed).await?;
        let mut rows = pin!(rows);
        while let Some(row) = rows.try_next().await? {
            each(&row)?;
        }
        Ok(())
    }
}

impl<C: GenericClient + Sync> Source for Postgres<'_, C> {
    async fn each<F>(
        &mut self,
        query: Query,
        params: &[Param<'_>],
        mut each: F,
    ) -> Result<(), ReportError>
    where
        F: FnMut(&dyn Columns) -> Result<(), ReportError>,
    {
        self.stream(&sql(query), params, |row| each(row)).await
    }

    async fn seq_range(
        &mut self,
        table: Journaled,
        start: i64,
        end: i64,
    ) -> Result<(i64, i64), ReportError> {
        let (mut first, mut last) = (None, None);
        self.stream(
            &seq_range_sql(table),
            &[Param::Int(start), Param::Int(end)],
            |row| {
                let (bound, seq): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
                if bound == start {
                    first = Some(seq);
                }
                if bound == end {
                    last = Some(seq);
                }
                Ok(())
            },
        )
        .await?;
        first.zip(last).ok_or_else(|| {
            ReportError::Io(std::io::Error::other(
                "the seq range search returned no bound",
            ))
        })
    }
}
