//! The five reports, written once for both stores ([`Source`]): one scan of a projection
//! table per time window, each row handed to the sink as it is read.

use crate::ReportError;
use crate::output::{Cell, Sink};
use crate::request::{ReportName, ReportRequest};
use crate::source::{Columns, Journaled, OwnedRow, Param, Query, Source};
use std::collections::BTreeMap;
use switchboard_core::closure::{self, Lang};

/// Runs the report over `windows`, returns the number of rows.
pub(crate) async fn run<S: Source, K: Sink + ?Sized>(
    db: &mut S,
    request: &ReportRequest,
    windows: &[(i64, i64)],
    now: i64,
    sink: &mut K,
) -> Result<u64, ReportError> {
    match request.name {
        ReportName::AgentRefusal => agent_refusal(db, windows, sink).await,
        ReportName::CompletedCallbacks => completed_callbacks(db, windows, sink).await,
        ReportName::AgentStateLog => agent_state_log(db, windows, now, sink).await,
        ReportName::ContactClosure => contact_closure(db, request.lang, windows, sink).await,
        ReportName::CallbackMonitor => callback_monitor(db, windows, now, sink).await,
    }
}

/// A time column as a cell (empty when NULL).
fn time(row: &dyn Columns, index: usize) -> Result<Cell<'static>, ReportError> {
    Ok(row.opt_int(index)?.map_or(Cell::Empty, Cell::Time))
}

async fn agent_refusal<S: Source, K: Sink + ?Sized>(
    db: &mut S,
    windows: &[(i64, i64)],
    sink: &mut K,
) -> Result<u64, ReportError> {
    let mut count = 0;
    for &(start, end) in windows {
        let (first, last) = db.seq_range(Journaled::Refusals, start, end).await?;
        db.each(
            Query::Refusals,
            &[Param::Int(first), Param::Int(last)],
            |row| {
                sink.row(&[
                    row.cell(0)?,
                    row.cell(1)?,
                    row.cell(2)?,
                    row.cell(3)?,
                    row.cell(4)?,
                    Cell::Minute(row.int(5)?),
                ])?;
                count += 1;
                Ok(())
            },
        )
        .await?;
    }
    Ok(count)
}

async fn completed_callbacks<S: Source, K: Sink + ?Sized>(
    db: &mut S,
    windows: &[(i64, i64)],
    sink: &mut K,
) -> Result<u64, ReportError> {
    let mut count = 0;
    for &(start, end) in windows {
        let params = [Param::Int(start), Param::Int(end)];
        db.each(Query::CompletedCallbacks, &params, |row| {
            sink.row(&[
                row.cell(0)?,
                row.cell(1)?,
                row.cell(2)?,
                row.cell(3)?,
                time(row, 4)?,
                time(row, 5)?,
                row.cell(6)?,
                row.cell(7)?,
                time(row, 8)?,
                row.cell(9)?,
                row.cell(10)?,
            ])?;
            count += 1;
            Ok(())
        })
        .await?;
    }
    Ok(count)
}

// `agent_states` holds state *starts* (a removal is a start with no state); a state ends at
// the agent's next start. The store keeps no index by agent (it would cost a page per state
// change), so the end is found in the scan of the window (`lead()` over each agent's rows),
// the state each agent was in when the window opened from the latest mark before it
// (`agent_state_marks`: every agent's state then) plus the rows between them, and whether a
// state is still current from the latest mark plus the rows after it. A state whose end is
// not in the window and that is not current ends at or after the window's end.

/// The columns of [`Query::CarriedStates`] and [`Query::BeganStates`].
const STATE_COLUMNS: usize = 8;

/// A window of the agent-state log and what its rows are judged by.
struct StateWindow<'a> {
    start: i64,
    end: i64,
    now: i64,
    /// Each agent's current state: the `seq` of its row.
    current: &'a BTreeMap<String, i64>,
}

impl StateWindow<'_> {
    /// A window with no length: a state's end beyond it must be looked up.
    fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// Whether the row's state is its agent's current one.
    fn is_current(&self, row: &dyn Columns) -> Result<bool, ReportError> {
        let seq = row.int(0)?;
        Ok(match row.cell(1)? {
            Cell::Text(agent) => self.current.get(agent) == Some(&seq),
            _ => false,
        })
    }

    /// Whether the row's end is neither in the window nor implied by it: an empty window's
    /// state that is not current ends at its agent's next start, which must be looked up.
    fn needs_next_start(&self, row: &dyn Columns) -> Result<bool, ReportError> {
        Ok(self.is_empty() && row.opt_int(5)?.is_none() && !self.is_current(row)?)
    }

    /// The row's interval, clipped to the window, to `sink`; `next_start` is its agent's next
    /// start when [`needs_next_start`](Self::needs_next_start). Returns the rows written.
    fn interval<K: Sink + ?Sized>(
        &self,
        row: &dyn Columns,
        carried: bool,
        next_start: Option<i64>,
        sink: &mut K,
    ) -> Result<u64, ReportError> {
        let start_at = row.int(4)?;
        let end_at: Option<i64> = match row.opt_int(5)? {
            Some(next) => Some(next),
            None if self.is_current(row)? => None,
            // It ends at or after the window's end (exactly when, only an empty window needs
            // to know).
            None if !self.is_empty() => Some(self.end),
            None => Some(next_start.unwrap_or(self.end)),
        };
        if carried && end_at.is_some_and(|end| end <= self.start) {
            return Ok(0); // ended as the window opened
        }
        // Clipped to the window; a current interval ends now.
        let start = start_at.max(self.start);
        let end = end_at.unwrap_or(self.now.max(start_at)).min(self.end);
        if end < start {
            return Ok(0); // still current, and the window lies after now
        }
        sink.row(&[
            row.cell(1)?,
            row.cell(2)?,
            row.cell(3)?,
            Cell::Time(start),
            Cell::Time(end),
            row.cell(6)?,
            row.cell(7)?,
            Cell::Num((end - start) as f64 / 1000.0),
        ])?;
        Ok(1)
    }
}

pub(crate) async fn agent_state_log<S: Source, K: Sink + ?Sized>(
    db: &mut S,
    windows: &[(i64, i64)],
    now: i64,
    sink: &mut K,
) -> Result<u64, ReportError> {
    // The agents' current states: (agent, seq of its row).
    let mut current: BTreeMap<String, i64> = BTreeMap::new();
    db.each(Query::CurrentStates, &[Param::Int(i64::MAX)], |row| {
        if let Cell::Text(agent) = row.cell(0)? {
            current.insert(agent.to_owned(), row.int(1)?);
        }
        Ok(())
    })
    .await?;
    let mut count = 0;
    for &(start, end) in windows {
        let window = StateWindow {
            start,
            end,
            now,
            current: &current,
        };
        let (first, last) = db.seq_range(Journaled::AgentStates, start, end).await?;
        let range = [Param::Int(first), Param::Int(last)];
        // The state each agent was in when the window opened (at most one row per agent,
        // kept: one may need another query, which cannot run while these rows stream)…
        let mut carried = Vec::new();
        db.each(Query::CarriedStates, &range, |row| {
            carried.push(OwnedRow::of(row, STATE_COLUMNS)?);
            Ok(())
        })
        .await?;
        for row in &carried {
            let mut next_start = None;
            if window.needs_next_start(row)? {
                let agent = match row.cell(1)? {
                    Cell::Text(agent) => agent,
                    _ => "",
                };
                db.each(
                    Query::NextStart,
                    &[Param::Int(last), Param::Text(agent)],
                    |next| {
                        next_start = Some(next.int(0)?);
                        Ok(())
                    },
                )
                .await?;
            }
            count += window.interval(row, true, next_start, sink)?;
        }
        // …then every state that began in it (none in an empty window, so no lookups).
        db.each(Query::BeganStates, &range, |row| {
            count += window.interval(row, false, None, sink)?;
            Ok(())
        })
        .await?;
    }
    Ok(count)
}

async fn contact_closure<S: Source, K: Sink + ?Sized>(
    db: &mut S,
    lang: Lang,
    windows: &[(i64, i64)],
    sink: &mut K,
) -> Result<u64, ReportError> {
    let mut count = 0;
    for &(start, end) in windows {
        let (first, last) = db.seq_range(Journaled::Closures, start, end).await?;
        db.each(
            Query::Closures,
            &[Param::Int(first), Param::Int(last)],
            |row| {
                let major = row.int(6)?;
                let minor = row.int(7)?;
                let major_info = u16::try_from(major).ok().and_then(closure::major);
                let minor_info = u16::try_from(minor).ok().and_then(closure::minor);
                let label = match lang {
                    Lang::En => 9,
                    Lang::Hu => 10,
                };
                let disposition = match row.cell(label)? {
                    Cell::Empty => row.cell(8)?,
                    label => label,
                };
                sink.row(&[
                    row.cell(0)?,
                    row.cell(1)?,
                    row.cell(2)?,
                    row.cell(3)?,
                    time(row, 4)?,
                    time(row, 5)?,
                    Cell::Int(major),
                    major_info.map_or(Cell::Empty, |m| Cell::Text(m.name(lang))),
                    Cell::Int(minor),
                    minor_info.map_or(Cell::Empty, |m| Cell::Text(m.name(lang))),
                    disposition,
                    major_info.map_or(Cell::Empty, |m| Cell::Text(m.outcome.as_str())),
                ])?;
                count += 1;
                Ok(())
            },
        )
        .await?;
    }
    Ok(count)
}

#[derive(Debug, Default)]
struct Monitor {
    processed: i64,
    reached: i64,
    purged: i64,
    handle_ms: i64,
    handled: i64,
}

/// The queue a monitor query's row is about (its first column).
fn queue_of<'m>(
    queues: &'m mut BTreeMap<String, Monitor>,
    row: &dyn Columns,
) -> Result<&'m mut Monitor, ReportError> {
    let queue = match row.cell(0)? {
        Cell::Text(queue) => queue.to_owned(),
        _ => String::new(),
    };
    Ok(queues.entry(queue).or_default())
}

async fn callback_monitor<S: Source, K: Sink + ?Sized>(
    db: &mut S,
    windows: &[(i64, i64)],
    now: i64,
    sink: &mut K,
) -> Result<u64, ReportError> {
    let mut queues: BTreeMap<String, Monitor> = BTreeMap::new();
    db.each(Query::MonitorQueues, &[], |row| {
        queue_of(&mut queues, row)?;
        Ok(())
    })
    .await?;
    for &(start, end) in windows {
        let params = [Param::Int(start), Param::Int(end)];
        db.each(Query::MonitorCompleted, &params, |row| {
            let m = queue_of(&mut queues, row)?;
            m.processed += row.int(1)?;
            m.reached += row.int(2)?;
            m.purged += row.int(3)?;
            Ok(())
        })
        .await?;
        db.each(Query::MonitorAttempts, &params, |row| {
            let m = queue_of(&mut queues, row)?;
            m.handle_ms += row.int(1)?;
            m.handled += row.int(2)?;
            Ok(())
        })
        .await?;
    }
    // CLBK Stat and Clbk To Be Proc are states: taken at the end of the range (or now).
    let at = windows.last().map_or(now, |w| w.1.min(now));
    let mut count = 0;
    for (queue, m) in &queues {
        let params = [Param::Text(queue), Param::Int(at)];
        let mut stat: Option<String> = None;
        db.each(Query::MonitorStatus, &params, |row| {
            if let Cell::Text(text) = row.cell(0)? {
                stat = Some(text.to_owned());
            }
            Ok(())
        })
        .await?;
        let mut to_be_processed = 0;
        db.each(Query::MonitorWaiting, &params, |row| {
            to_be_processed = row.int(0)?;
            Ok(())
        })
        .await?;
        let (reached, fail) = if m.processed > 0 {
            let reached = m.reached as f64 * 100.0 / m.processed as f64;
            (Cell::Num(reached), Cell::Num(100.0 - reached))
        } else {
            (Cell::Empty, Cell::Empty)
        };
        let average = if m.handled > 0 {
            Cell::Num(m.handle_ms as f64 / m.handled as f64 / 1000.0)
        } else {
            Cell::Empty
        };
        sink.row(&[
            Cell::Text(queue),
            stat.as_deref().map_or(Cell::Empty, Cell::Text),
            Cell::Int(m.processed),
            Cell::Int(to_be_processed),
            average,
            Cell::Int(m.purged),
            reached,
            fail,
        ])?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::{Cell, Journaled, ReportError, Sink, agent_state_log};
    use crate::source::sqlite::Sqlite;
    use crate::source::{Columns, ready};
    use rusqlite::Connection;
    use switchboard_core::event::{Event, EventRecord};
    use switchboard_core::ids::{AgentId, ContactId};
    use switchboard_core::model::AgentState;
    use switchboard_core::time::Timestamp;
    use switchboard_store::{Durability, Store};

    /// Rows as text.
    #[derive(Default)]
    struct Rows(Vec<String>);

    impl Sink for Rows {
        fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ReportError> {
            let cells: Vec<String> = cells
                .iter()
                .map(|cell| match cell {
                    Cell::Text(text) => format!("{text:?}"),
                    Cell::Int(n) | Cell::Time(n) | Cell::Minute(n) => n.to_string(),
                    Cell::Num(x) => x.to_string(),
                    Cell::Empty => "-".to_owned(),
                })
                .collect();
            self.0.push(cells.join(" "));
            Ok(())
        }
        fn finish(self) -> Result<(), ReportError> {
            Ok(())
        }
    }

    /// The agent-state-log as schema version 1 computed it: each interval's end from the
    /// `agent_intervals` view, the carried intervals by a search of each agent's rows.
    fn by_search(conn: &Connection, windows: &[(i64, i64)], now: i64) -> Vec<String> {
        let mut sink = Rows::default();
        let mut carried = conn
            .prepare(
                "SELECT s.agent, a.full_name, a.team, s.start_at, s.end_at, s.state, s.reason
                 FROM agents a JOIN agent_intervals s ON s.seq = (
                     SELECT x.seq FROM agent_states x WHERE x.agent = a.id AND x.seq < ?1
                     ORDER BY x.seq DESC LIMIT 1)
                 WHERE s.end_at IS NULL OR s.end_at > ?2
                 ORDER BY a.id",
            )
            .unwrap();
        let mut began = conn
            .prepare(
                "SELECT s.agent, a.full_name, a.team, s.start_at, s.end_at, s.state, s.reason
                 FROM agent_intervals s LEFT JOIN agents a ON a.id = s.agent
                 WHERE s.seq >= ?1 AND s.seq < ?2
                 ORDER BY s.seq",
            )
            .unwrap();
        for &(window_start, window_end) in windows {
            let store = Sqlite::new(conn);
            let first = store
                .first_seq_at(Journaled::AgentStates, window_start)
                .unwrap();
            let last = store
                .first_seq_at(Journaled::AgentStates, window_end)
                .unwrap();
            for (statement, parameters) in [
                (&mut carried, [first, window_start]),
                (&mut began, [first, last]),
            ] {
                let mut rows = statement.query(parameters).unwrap();
                while let Some(row) = rows.next().unwrap() {
                    let start_at: i64 = row.get(3).unwrap();
                    let end_at: Option<i64> = row.get(4).unwrap();
                    let start = start_at.max(window_start);
                    let end = end_at.unwrap_or(now.max(start_at)).min(window_end);
                    if end < start {
                        continue;
                    }
                    let cells = [
                        row.cell(0).unwrap(),
                        row.cell(1).unwrap(),
                        row.cell(2).unwrap(),
                        Cell::Time(start),
                        Cell::Time(end),
                        row.cell(5).unwrap(),
                        row.cell(6).unwrap(),
                        Cell::Num((end - start) as f64 / 1000.0),
                    ];
                    sink.row(&cells).unwrap();
                }
            }
        }
        sink.0
    }

    /// Over a journal spanning several marks, with removals, the report finds the carried
    /// intervals through the marks and each end in the window's scan exactly as a search of
    /// each agent's rows does: windows of every size, some past the journal's end (current
    /// states end now) and one empty.
    #[test]
    fn agent_state_log_through_marks_matches_a_search_by_agent() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
        let mut records = Vec::new();
        for i in 0..5_000u64 {
            let agent = AgentId::new(&format!("agent-{}", (i * 7 + i / 13) % 12));
            let event = match i % 9 {
                0 | 4 => Event::CallbackExpired {
                    contact: ContactId(i),
                },
                8 if i % 45 == 8 => Event::AgentRemoved { agent },
                n => Event::AgentStateChanged {
                    agent,
                    state: [AgentState::Ready, AgentState::Break][n as usize % 2],
                    reason: (n == 3).then(|| "lunch".to_owned()),
                    station: None,
                },
            };
            records.push(EventRecord {
                at: Timestamp(500 * i as i64),
                event,
            });
        }
        for batch in records.chunks(500) {
            store.append(batch).unwrap();
        }
        let conn = store.connection();
        let mut windows = vec![(1_000_000, 1_000_000)];
        for start in (0..2_600_000).step_by(113_001) {
            for length in [1, 700, 5_000, 60_000, 1_000_000] {
                windows.push((start, start + length));
            }
        }
        let mut cases = 0;
        for &window in &windows {
            for now in [2_000_000, 2_700_000] {
                let mut sink = Rows::default();
                ready(agent_state_log(
                    &mut Sqlite::new(conn),
                    &[window],
                    now,
                    &mut sink,
                ))
                .unwrap();
                let expected = by_search(conn, &[window], now);
                cases += usize::from(!expected.is_empty());
                assert_eq!(sink.0, expected, "window {window:?}, now {now}");
            }
        }
        assert!(cases > 80, "{cases}");
    }
}
