//! The five reports: one SQL scan of a projection table per time window, each row handed to
//! the sink as it is read.

use crate::ReportError;
use crate::output::{Cell, Sink};
use crate::request::{ReportName, ReportRequest};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row, params};
use std::collections::BTreeMap;
use switchboard_core::closure::{self, Lang};

/// Runs the report over `windows`, returns the number of rows.
pub(crate) fn run(
    conn: &Connection,
    request: &ReportRequest,
    windows: &[(i64, i64)],
    now: i64,
    sink: &mut dyn Sink,
) -> Result<u64, ReportError> {
    match request.name {
        ReportName::AgentRefusal => agent_refusal(conn, windows, sink),
        ReportName::CompletedCallbacks => completed_callbacks(conn, windows, sink),
        ReportName::AgentStateLog => agent_state_log(conn, windows, now, sink),
        ReportName::ContactClosure => contact_closure(conn, request.lang, windows, sink),
        ReportName::CallbackMonitor => callback_monitor(conn, windows, now, sink),
    }
}

/// The column as a cell: text, a number or empty.
fn value<'r>(row: &'r Row<'_>, index: usize) -> Result<Cell<'r>, ReportError> {
    Ok(match row.get_ref(index)? {
        ValueRef::Null | ValueRef::Blob(_) => Cell::Empty,
        ValueRef::Integer(value) => Cell::Int(value),
        ValueRef::Real(value) => Cell::Num(value),
        ValueRef::Text(text) => Cell::Text(
            std::str::from_utf8(text)
                .map_err(|e| ReportError::Store(rusqlite::Error::Utf8Error(index, e)))?,
        ),
    })
}

fn time(row: &Row<'_>, index: usize) -> Result<Cell<'static>, ReportError> {
    Ok(match row.get::<_, Option<i64>>(index)? {
        Some(at) => Cell::Time(at),
        None => Cell::Empty,
    })
}

/// The journal-ordered tables (`refusals`, `closures`, `agent_states`) are written in `seq`
/// order and the store refuses events that go back in time, so their time column never
/// decreases with `seq`: a time window is a `seq` range, found by binary search on the
/// primary key. This spares the store a time index per table on every write.
/// Returns the first `seq` whose row's `column` is at or after `at` (one past the last row
/// when there is none).
fn first_seq_at(conn: &Connection, table: &str, column: &str, at: i64) -> Result<i64, ReportError> {
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

/// The `seq` range `[first, last)` of the rows of `table` whose `column` lies in
/// `[start, end)`.
fn seq_range(
    conn: &Connection,
    table: &str,
    column: &str,
    start: i64,
    end: i64,
) -> Result<(i64, i64), ReportError> {
    Ok((
        first_seq_at(conn, table, column, start)?,
        first_seq_at(conn, table, column, end)?,
    ))
}

fn agent_refusal(
    conn: &Connection,
    windows: &[(i64, i64)],
    sink: &mut dyn Sink,
) -> Result<u64, ReportError> {
    let mut statement = conn.prepare_cached(
        "SELECT contact, agent, full_name, station, reason, at FROM refusals
         WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
    )?;
    let mut count = 0;
    for &(start, end) in windows {
        let (first, last) = seq_range(conn, "refusals", "at", start, end)?;
        let mut rows = statement.query(params![first, last])?;
        while let Some(row) = rows.next()? {
            sink.row(&[
                value(row, 0)?,
                value(row, 1)?,
                value(row, 2)?,
                value(row, 3)?,
                value(row, 4)?,
                Cell::Minute(row.get(5)?),
            ])?;
            count += 1;
        }
    }
    Ok(count)
}

fn completed_callbacks(
    conn: &Connection,
    windows: &[(i64, i64)],
    sink: &mut dyn Sink,
) -> Result<u64, ReportError> {
    let mut statement = conn.prepare_cached(
        "SELECT c.contact, c.queue, c.destination, c.end_state, c.entrance, c.last_attempt_at,
                c.total_attempts, a.attempt, a.started_at, coalesce(a.agent_name, a.agent), a.state
         FROM callbacks c LEFT JOIN callback_attempts a ON a.contact = c.contact
         WHERE c.completed_at >= ?1 AND c.completed_at < ?2
         ORDER BY c.completed_at, c.contact, a.attempt",
    )?;
    let mut count = 0;
    for &(start, end) in windows {
        let mut rows = statement.query(params![start, end])?;
        while let Some(row) = rows.next()? {
            sink.row(&[
                value(row, 0)?,
                value(row, 1)?,
                value(row, 2)?,
                value(row, 3)?,
                time(row, 4)?,
                time(row, 5)?,
                value(row, 6)?,
                value(row, 7)?,
                time(row, 8)?,
                value(row, 9)?,
                value(row, 10)?,
            ])?;
            count += 1;
        }
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

/// The state each agent was in when a window opened (`?1`: its first `seq`, `?2`: one past
/// its last), with the start of the agent's first row in the window (its end, if there).
fn carried_sql() -> String {
    format!(
        "WITH {LATEST},
              next AS (SELECT agent, min(seq) AS seq FROM agent_states
                       WHERE seq >= ?1 AND seq < ?2 GROUP BY agent)
         SELECT s.seq, s.agent, a.full_name, a.team, s.start_at, n.start_at, s.state, s.reason
         FROM last JOIN agent_states s ON s.seq = last.seq JOIN agents a ON a.id = s.agent
         LEFT JOIN next x ON x.agent = s.agent LEFT JOIN agent_states n ON n.seq = x.seq
         WHERE s.state IS NOT NULL
         ORDER BY a.id"
    )
}

/// The states that began in a window (`?1`: its first `seq`, `?2`: one past its last), each
/// with the start of the agent's next row in the window (its end, if there).
const BEGAN: &str = "
SELECT w.seq, w.agent, a.full_name, a.team, w.start_at, w.next_at, w.state, w.reason
FROM (SELECT seq, agent, state, reason, start_at,
             lead(start_at) OVER (PARTITION BY agent ORDER BY seq) AS next_at
      FROM agent_states WHERE seq >= ?1 AND seq < ?2) w
LEFT JOIN agents a ON a.id = w.agent
WHERE w.state IS NOT NULL
ORDER BY w.seq";

fn agent_state_log(
    conn: &Connection,
    windows: &[(i64, i64)],
    now: i64,
    sink: &mut dyn Sink,
) -> Result<u64, ReportError> {
    // The agents' current states: (agent, seq of its row).
    let current: BTreeMap<String, i64> = conn
        .prepare_cached(&format!(
            "WITH {LATEST} SELECT l.agent, l.seq FROM last l
             JOIN agent_states s ON s.seq = l.seq WHERE s.state IS NOT NULL"
        ))?
        .query_map([i64::MAX], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut carried = conn.prepare_cached(&carried_sql())?;
    let mut began = conn.prepare_cached(BEGAN)?;
    let mut next_start = conn.prepare_cached(
        "SELECT start_at FROM agent_states WHERE seq >= ?1 AND agent = ?2 ORDER BY seq LIMIT 1",
    )?;
    let mut count = 0;
    for &(window_start, window_end) in windows {
        let (first, last) = seq_range(conn, "agent_states", "start_at", window_start, window_end)?;
        // The state each agent was in when the window opened, then every state that began in
        // it.
        for (statement, is_carried) in [(&mut carried, true), (&mut began, false)] {
            let mut rows = statement.query([first, last])?;
            while let Some(row) = rows.next()? {
                let seq: i64 = row.get(0)?;
                let start_at: i64 = row.get(4)?;
                let is_current = || -> Result<bool, ReportError> {
                    Ok(match value(row, 1)? {
                        Cell::Text(agent) => current.get(agent) == Some(&seq),
                        _ => false,
                    })
                };
                let end_at: Option<i64> = match row.get(5)? {
                    Some(next) => Some(next),
                    None if is_current()? => None,
                    // It ends at or after the window's end (exactly when, only an empty window
                    // needs to know).
                    None if window_end > window_start => Some(window_end),
                    None => {
                        let agent: String = row.get(1)?;
                        Some(next_start.query_row(params![last, agent], |r| r.get(0))?)
                    }
                };
                if is_carried && end_at.is_some_and(|end| end <= window_start) {
                    continue; // ended as the window opened
                }
                // Clipped to the window; a current interval ends now.
                let start = start_at.max(window_start);
                let end = end_at.unwrap_or(now.max(start_at)).min(window_end);
                if end < start {
                    continue; // still current, and the window lies after now
                }
                sink.row(&[
                    value(row, 1)?,
                    value(row, 2)?,
                    value(row, 3)?,
                    Cell::Time(start),
                    Cell::Time(end),
                    value(row, 6)?,
                    value(row, 7)?,
                    Cell::Num((end - start) as f64 / 1000.0),
                ])?;
                count += 1;
            }
        }
    }
    Ok(count)
}

fn contact_closure(
    conn: &Connection,
    lang: Lang,
    windows: &[(i64, i64)],
    sink: &mut dyn Sink,
) -> Result<u64, ReportError> {
    let mut statement = conn.prepare_cached(
        "SELECT c.contact, c.channel, c.queue, c.agent, c.entrance, c.at, c.major, c.minor,
                c.disposition, d.label_en, d.label_hu
         FROM closures c LEFT JOIN dispositions d ON d.queue = c.queue AND d.code = c.disposition
         WHERE c.seq >= ?1 AND c.seq < ?2
         ORDER BY c.seq",
    )?;
    let mut count = 0;
    for &(start, end) in windows {
        let (first, last) = seq_range(conn, "closures", "at", start, end)?;
        let mut rows = statement.query(params![first, last])?;
        while let Some(row) = rows.next()? {
            let major: i64 = row.get(6)?;
            let minor: i64 = row.get(7)?;
            let major_info = u16::try_from(major).ok().and_then(closure::major);
            let minor_info = u16::try_from(minor).ok().and_then(closure::minor);
            let label = match lang {
                Lang::En => 9,
                Lang::Hu => 10,
            };
            let disposition = match value(row, label)? {
                Cell::Empty => value(row, 8)?,
                label => label,
            };
            sink.row(&[
                value(row, 0)?,
                value(row, 1)?,
                value(row, 2)?,
                value(row, 3)?,
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
        }
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

fn callback_monitor(
    conn: &Connection,
    windows: &[(i64, i64)],
    now: i64,
    sink: &mut dyn Sink,
) -> Result<u64, ReportError> {
    let mut queues: BTreeMap<String, Monitor> = BTreeMap::new();
    {
        let mut statement = conn.prepare_cached(
            "SELECT id FROM queues WHERE callbacks = 1 AND removed_at IS NULL
             UNION SELECT DISTINCT queue FROM callbacks",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            queues.insert(row.get(0)?, Monitor::default());
        }
    }
    let mut completed = conn.prepare_cached(
        "SELECT queue, sum(end_state <> 'Purged'), sum(end_state <> 'Purged' AND reached),
                sum(end_state = 'Purged')
         FROM callbacks WHERE completed_at >= ?1 AND completed_at < ?2 GROUP BY queue",
    )?;
    let mut attempts = conn.prepare_cached(
        "SELECT c.queue, sum(a.ended_at - a.dial_started), count(*)
         FROM callback_attempts a JOIN callbacks c ON c.contact = a.contact
         WHERE a.ended_at >= ?1 AND a.ended_at < ?2 AND a.dial_started IS NOT NULL
         GROUP BY c.queue",
    )?;
    for &(start, end) in windows {
        let mut rows = completed.query(params![start, end])?;
        while let Some(row) = rows.next()? {
            let m = queues.entry(row.get(0)?).or_default();
            m.processed += row.get::<_, i64>(1)?;
            m.reached += row.get::<_, i64>(2)?;
            m.purged += row.get::<_, i64>(3)?;
        }
        let mut rows = attempts.query(params![start, end])?;
        while let Some(row) = rows.next()? {
            let m = queues.entry(row.get(0)?).or_default();
            m.handle_ms += row.get::<_, i64>(1)?;
            m.handled += row.get::<_, i64>(2)?;
        }
    }
    // CLBK Stat and Clbk To Be Proc are states: taken at the end of the range (or now).
    let at = windows.last().map_or(now, |w| w.1.min(now));
    let mut status = conn.prepare_cached(
        "SELECT status FROM callback_status WHERE queue = ?1 AND at < ?2
         ORDER BY at DESC, seq DESC LIMIT 1",
    )?;
    let mut waiting = conn.prepare_cached(
        "SELECT count(*) FROM callbacks c
         WHERE c.queue = ?1 AND c.created_at < ?2 AND (c.completed_at IS NULL OR c.completed_at >= ?2)
           AND NOT EXISTS (SELECT 1 FROM callback_attempts a WHERE a.contact = c.contact
                           AND a.started_at < ?2 AND (a.ended_at IS NULL OR a.ended_at >= ?2))",
    )?;
    let mut count = 0;
    for (queue, m) in &queues {
        let mut rows = status.query(params![queue, at])?;
        let row = rows.next()?;
        let stat = match row {
            Some(row) => value(row, 0)?,
            None => Cell::Empty,
        };
        let to_be_processed: i64 = waiting.query_row(params![queue, at], |row| row.get(0))?;
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
            stat,
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
    use super::{Cell, ReportError, Sink, agent_state_log, seq_range, value};
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
        fn finish(self: Box<Self>) -> Result<(), ReportError> {
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
            let (first, last) =
                seq_range(conn, "agent_states", "start_at", window_start, window_end).unwrap();
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
                        value(row, 0).unwrap(),
                        value(row, 1).unwrap(),
                        value(row, 2).unwrap(),
                        Cell::Time(start),
                        Cell::Time(end),
                        value(row, 5).unwrap(),
                        value(row, 6).unwrap(),
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
                agent_state_log(conn, &[window], now, &mut sink).unwrap();
                let expected = by_search(conn, &[window], now);
                cases += usize::from(!expected.is_empty());
                assert_eq!(sink.0, expected, "window {window:?}, now {now}");
            }
        }
        assert!(cases > 80, "{cases}");
    }
}
