//! Projection tables: the rows reports and the monitor read, derived from journal entries and
//! written in the same transaction as them. Each table keeps the `seq` of the entry that made
//! (or last changed) the row. They hold nothing the journal does not: `reset` drops them and
//! `Store::rebuild_projections` refills them.

use crate::Result;
use rusqlite::{Connection, params};
use switchboard_core::event::{Event, EventRecord};

/// The projection tables (part of schema version 1).
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
CREATE INDEX refusals_at ON refusals (at);
";

/// Empties every projection table.
pub(crate) fn reset(conn: &Connection) -> Result<()> {
    conn.execute_batch("DELETE FROM refusals;")?;
    Ok(())
}

/// Turns journal entries into projection rows. It may keep state between entries (loaded
/// from the tables by `load`); `committed` is called after each successful transaction, and
/// after a failed one the store loads a fresh projector.
#[derive(Debug, Default)]
pub(crate) struct Projector {}

impl Projector {
    pub(crate) fn load(_conn: &Connection) -> Result<Self> {
        Ok(Projector {})
    }

    pub(crate) fn apply(
        &mut self,
        conn: &Connection,
        seq: u64,
        record: &EventRecord,
    ) -> Result<()> {
        if let Event::OfferRefused {
            contact,
            agent,
            agent_full_name,
            station,
            reason,
            cause_code,
            ..
        } = &record.event
        {
            conn.prepare_cached(
                "INSERT INTO refusals (seq, at, contact, agent, full_name, station, reason, cause_code)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                seq as i64,
                record.at.0,
                contact.0 as i64,
                agent.as_str(),
                agent_full_name,
                station.as_str(),
                reason.to_string(),
                cause_code,
            ])?;
        }
        Ok(())
    }

    pub(crate) fn committed(&mut self) {}
}
