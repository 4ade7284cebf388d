//! Where a report's rows come from: the embedded store (SQLite) or the cluster store
//! (PostgreSQL, one routing domain). The reports (`reports.rs`) are written once, against
//! [`Source`]; each store gives the SQL of every [`Query`] in its dialect and reads its rows
//! as [`Columns`]. Only the SQL and the row access differ between the stores.
//!
//! The reports are `async` because PostgreSQL's client is; SQLite's queries never wait, and
//! [`ready`] runs a report over SQLite on the caller's thread with no runtime.

use crate::ReportError;
use crate::output::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

pub(crate) mod postgres;
pub(crate) mod sqlite;

/// A result row, read by column index.
pub(crate) trait Columns {
    /// The value as a cell: text, a number or empty (NULL).
    fn cell(&self, index: usize) -> Result<Cell<'_>, ReportError>;
    /// An integer that may be NULL.
    fn opt_int(&self, index: usize) -> Result<Option<i64>, ReportError>;

    /// An integer that is never NULL.
    fn int(&self, index: usize) -> Result<i64, ReportError> {
        self.opt_int(index)?.ok_or_else(|| {
            ReportError::Io(std::io::Error::other(format!(
                "column {index} of a report query is NULL"
            )))
        })
    }
}

/// A query parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    Int(i64),
    Text(&'a str),
}

/// The tables whose time never decreases with `seq` (the store refuses events that go back
/// in time), so a time window is a `seq` range (they have no time index).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Journaled {
    Refusals,
    Closures,
    AgentStates,
}

impl Journaled {
    /// The table and its time column.
    pub(crate) fn table(self) -> (&'static str, &'static str) {
        match self {
            Journaled::Refusals => ("refusals", "at"),
            Journaled::Closures => ("closures", "at"),
            Journaled::AgentStates => ("agent_states", "start_at"),
        }
    }
}

/// The report queries. Parameters are numbered alike in both dialects: SQLite's `?1` is
/// PostgreSQL's `$2` (its `$1` is the domain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Query {
    /// `(contact, agent, full_name, station, reason, at)` of the refusals with `seq` in
    /// `[?1, ?2)`.
    Refusals,
    /// A row per attempt of each callback completed in `[?1, ?2)`.
    CompletedCallbacks,
    /// Each agent's current state before `seq` `?1`: `(agent, seq)`.
    CurrentStates,
    /// The state each agent was in when a window opened (`?1`: its first `seq`, `?2`: one past
    /// its last): `(seq, agent, full_name, team, start_at, next_at, state, reason)`.
    CarriedStates,
    /// The states that began in a window, same columns.
    BeganStates,
    /// The start of agent `?2`'s first row at or after `seq` `?1`.
    NextStart,
    /// The closures with `seq` in `[?1, ?2)`, with their disposition's labels.
    Closures,
    /// The queues the callback monitor lists.
    MonitorQueues,
    /// Per queue: callbacks completed in `[?1, ?2)` (not purged, of them reached, purged).
    MonitorCompleted,
    /// Per queue: the handle time and number of dialled attempts ended in `[?1, ?2)`.
    MonitorAttempts,
    /// Queue `?1`'s CLBK Stat before `?2`.
    MonitorStatus,
    /// Queue `?1`'s callbacks waiting at `?2`.
    MonitorWaiting,
}

/// A store the reports read, inside one snapshot.
pub(crate) trait Source {
    /// Calls `each` with every row of `query`, in order, as it is read.
    async fn each<F>(
        &mut self,
        query: Query,
        params: &[Param<'_>],
        each: F,
    ) -> Result<(), ReportError>
    where
        F: FnMut(&dyn Columns) -> Result<(), ReportError>;

    /// The `seq` range `[first, last)` of the rows of `table` whose time lies in
    /// `[start, end)`.
    async fn seq_range(
        &mut self,
        table: Journaled,
        start: i64,
        end: i64,
    ) -> Result<(i64, i64), ReportError>;
}

/// The output of a future that never waits (a report over SQLite), on this thread.
pub(crate) fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("SQLite queries complete without waiting"),
    }
}

/// A row read once and kept (the few a report must hold while it queries again).
#[derive(Debug, Clone)]
pub(crate) struct OwnedRow(Vec<Value>);

#[derive(Debug, Clone)]
enum Value {
    Null,
    Int(i64),
    Num(f64),
    Text(String),
}

impl OwnedRow {
    /// The first `columns` columns of `row`.
    pub(crate) fn of(row: &dyn Columns, columns: usize) -> Result<Self, ReportError> {
        (0..columns)
            .map(|index| {
                Ok(match row.cell(index)? {
                    Cell::Text(text) => Value::Text(text.to_owned()),
                    Cell::Int(value) | Cell::Time(value) | Cell::Minute(value) => Value::Int(value),
                    Cell::Num(value) => Value::Num(value),
                    Cell::Empty => Value::Null,
                })
            })
            .collect::<Result<_, _>>()
            .map(OwnedRow)
    }
}

impl Columns for OwnedRow {
    fn cell(&self, index: usize) -> Result<Cell<'_>, ReportError> {
        Ok(match &self.0[index] {
            Value::Null => Cell::Empty,
            Value::Int(value) => Cell::Int(*value),
            Value::Num(value) => Cell::Num(*value),
            Value::Text(text) => Cell::Text(text),
        })
    }

    fn opt_int(&self, index: usize) -> Result<Option<i64>, ReportError> {
        match &self.0[index] {
            Value::Null => Ok(None),
            Value::Int(value) => Ok(Some(*value)),
            other => Err(ReportError::Io(std::io::Error::other(format!(
                "column {index} of a report query is {other:?}, not an integer"
            )))),
        }
    }
}
