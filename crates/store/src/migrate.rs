//! Schema versions. The version lives in SQLite's `user_version`; each step moves one version
//! up inside one transaction. A database from a newer Switchboard is refused, never touched.

use crate::{Result, StoreError, projection};
use rusqlite::Connection;

/// The core tables of version 1; the projection tables come from `projection::SCHEMA`.
pub(crate) const CORE_V1: &str = "
CREATE TABLE journal (
    seq     INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    kind    TEXT    NOT NULL,
    contact INTEGER,
    agent   TEXT,
    payload TEXT    NOT NULL
);
CREATE TABLE snapshots (
    seq    INTEGER PRIMARY KEY,
    format INTEGER NOT NULL,
    state  BLOB    NOT NULL
);
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE api_keys (
    id            INTEGER PRIMARY KEY,
    hash          TEXT    NOT NULL UNIQUE,
    label         TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    agent         TEXT,
    data_download INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER
);
";

/// Version 5: a key may expire.
pub(crate) const KEY_EXPIRY: &str = "ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;";

/// Version 4: the journal's entries about each contact, for a contact's timeline without a
/// scan. Filled after the commits, in batches, by the server when it is idle
/// (`Store::index_contacts`), not in the append's transaction: an index written by every
/// append cost 15–30 % of durable throughput (docs/benchmarks.md). `meta.contact_index_upto`
/// is the last journal entry it covers; a timeline reads the few entries after it from the
/// journal itself.
pub(crate) const CONTACT_ENTRIES: &str = "
CREATE TABLE IF NOT EXISTS contact_entries (
    contact INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (contact, seq)
) WITHOUT ROWID;";

/// The newest schema version this build knows.
///
/// - 1: the journal, snapshots, meta, API keys and the first projection tables.
/// - 2: `agent_states` without its index by agent (reports find a state's end in the scan
///   of their window), and `agent_state_marks` records every agent's state now and then.
///   The projections are derived data: the migration drops them, creates them anew and
///   rebuilds them from the journal.
/// - 3: an index of the journal by contact, for a contact's timeline (written by every
///   append).
/// - 4: that index replaced by `contact_entries`, filled after the commits.
/// - 5: `api_keys.expires_at`, when a key stops working (null: never).
pub const SCHEMA_VERSION: i64 = 5;

fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Refuses a database newer than this build, and one not yet created.
pub fn check_version(conn: &Connection) -> Result<()> {
    let found = version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::UnsupportedVersion {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found < SCHEMA_VERSION {
        // An older schema is migrated by whoever opens it for writing (the server, the
        // simulator); readers never change the file.
        return Err(StoreError::UnsupportedVersion {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Brings the database up to [`SCHEMA_VERSION`].
pub fn migrate(conn: &Connection) -> Result<()> {
    let found = version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::UnsupportedVersion {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found < 1 {
        // A new database gets the newest projection tables at once.
        conn.execute_batch(&format!(
            "BEGIN; {CORE_V1} {KEY_EXPIRY} {CONTACT_ENTRIES} {} \
             PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;",
            projection::SCHEMA
        ))?;
        return Ok(());
    }
    if found < 2 {
        conn.execute_batch("BEGIN")?;
        let step = (|| -> Result<()> {
            conn.execute_batch(projection::DROP_V1)?;
            conn.execute_batch(projection::SCHEMA)?;
            projection::rebuild(conn)?;
            conn.execute_batch("PRAGMA user_version = 2")?;
            Ok(())
        })();
        match step {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(error) => {
                conn.execute_batch("ROLLBACK")?;
                return Err(error);
            }
        }
    }
    if found < 4 {
        // The table starts empty (`contact_index_upto` absent: 0); the server fills it.
        conn.execute_batch(&format!(
            "BEGIN; DROP INDEX IF EXISTS journal_contact; {CONTACT_ENTRIES} \
             DELETE FROM meta WHERE key = 'contact_index_upto'; PRAGMA user_version = 4; COMMIT;"
        ))?;
    }
    if found < 5 {
        conn.execute_batch(&format!(
            "BEGIN; {KEY_EXPIRY} PRAGMA user_version = 5; COMMIT;"
        ))?;
    }
    Ok(())
}
