//! Switchboard's embedded store (SQLite in WAL mode), one file `switchboard.db` in the data
//! directory.
//!
//! - `journal`: every engine event, in order, numbered by `seq` — the source of truth. Rows are
//!   only ever appended; the engine's state is the replay of the journal.
//! - `snapshots`: an engine state at some `seq`, so a restart replays only what came after.
//! - projection tables (`projection.rs`): the rows the reports and the monitor read, written in
//!   the same transaction as the journal rows they come from, so they are never behind or
//!   ahead of it. They can be rebuilt from the journal at any time.
//! - `api_keys`: hashed API keys with their role.
//!
//! A batch of events is appended in one transaction ([`Store::append`]): the server commits a
//! group of commands at once and acknowledges them only after it returns.

mod keys;
mod migrate;
pub mod postgres;
pub mod projection;
mod rows;

pub use keys::{KeyRecord, NewKey};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::{Path, PathBuf};
use switchboard_core::event::EventRecord;
use switchboard_core::time::Timestamp;

/// The database file inside a data directory.
pub const DB_FILE: &str = "switchboard.db";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: no Switchboard data here (no {DB_FILE}); start `switchboard serve --data DIR` or `switchboard sim --data DIR` first", path = .0.display())]
    Missing(PathBuf),
    #[error(
        "the data was written by a newer Switchboard (schema version {found}; this one reads up to {supported}): upgrade Switchboard"
    )]
    UnsupportedVersion { found: i64, supported: i64 },
    #[error("journal entry {seq} is unreadable: {message}")]
    Corrupt { seq: u64, message: String },
    #[error(
        "the journal numbered entry {expected} as {found}: it holds rows this store did not write (another writer?)"
    )]
    Numbering { expected: u64, found: i64 },
    #[error("journal entries must not go back in time: entry at {at} after {last}")]
    TimeWentBack { at: Timestamp, last: Timestamp },
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// The database cannot be reached now (connection pool timed out, bad address).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// This node no longer holds the domain's lease at the epoch it writes with: another node
    /// took the domain. Nothing was written; the node must drop the domain.
    #[error("domain {domain}: this node's lease (epoch {epoch}) was taken over by another node")]
    Fenced { domain: String, epoch: i64 },
}

impl StoreError {
    /// Whether the same request may succeed if retried shortly (possibly at another node).
    pub fn is_retriable(&self) -> bool {
        matches!(
            self,
            StoreError::Fenced { .. } | StoreError::Unavailable(_) | StoreError::Postgres(_)
        )
    }
}

/// What the engine's driver writes through: one domain's journal, snapshots and contact index.
/// The embedded [`Store`] is one; [`postgres::DomainWriter`] (one domain of a cluster, fenced
/// by its lease) is the other. The contract both keep is tested in `tests/contract.rs`.
pub trait Journal: Send {
    /// Sequence number of the last journal entry (0: empty journal).
    fn last_seq(&self) -> u64;
    /// Appends `records` in one transaction; the sequence number of the first. Entries are
    /// numbered consecutively; nothing is written when it fails.
    fn append(&mut self, records: &[EventRecord]) -> Result<u64>;
    /// The newest snapshot written in `format`, if any.
    fn latest_snapshot(&self, format: u32) -> Result<Option<Snapshot>>;
    /// Saves an engine state that includes every entry up to `snapshot.seq`.
    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<()>;
    /// Calls `visit` with every entry after `after` (up to `limit`), in order, without holding
    /// them all in memory.
    fn for_each_entry(
        &self,
        after: u64,
        limit: Option<usize>,
        visit: &mut dyn FnMut(JournalEntry) -> Result<()>,
    ) -> Result<()>;
    /// The last journal entry the contact index covers.
    fn contact_index_upto(&self) -> Result<u64>;
    /// Indexes the next at most `max_entries` entries by contact; how many are left.
    fn index_contacts(&mut self, max_entries: usize) -> Result<u64>;
}

impl Journal for Store {
    fn last_seq(&self) -> u64 {
        Store::last_seq(self)
    }
    fn append(&mut self, records: &[EventRecord]) -> Result<u64> {
        Store::append(self, records)
    }
    fn latest_snapshot(&self, format: u32) -> Result<Option<Snapshot>> {
        Store::latest_snapshot(self, format)
    }
    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<()> {
        Store::save_snapshot(self, snapshot)
    }
    fn for_each_entry(
        &self,
        after: u64,
        limit: Option<usize>,
        visit: &mut dyn FnMut(JournalEntry) -> Result<()>,
    ) -> Result<()> {
        Store::for_each_entry(self, after, limit, visit)
    }
    fn contact_index_upto(&self) -> Result<u64> {
        Store::contact_index_upto(self)
    }
    fn index_contacts(&mut self, max_entries: usize) -> Result<u64> {
        Store::index_contacts(self, max_entries)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// fsync on every commit (`synchronous = FULL`): an acknowledged command survives a
    /// power cut. The server's setting.
    #[default]
    Full,
    /// WAL fsync at checkpoints only (`synchronous = NORMAL`): survives the process being
    /// killed, not a power cut. For simulations and tests.
    Normal,
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    pub seq: u64,
    pub record: EventRecord,
}

/// A saved engine state.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The state includes every journal entry up to and including this one.
    pub seq: u64,
    /// Version of the encoding of `state`, so an old snapshot is skipped, not misread.
    pub format: u32,
    pub state: Vec<u8>,
}

/// The `meta` key of the last journal entry `contact_entries` covers.
const CONTACT_INDEX_UPTO: &str = "contact_index_upto";

pub struct Store {
    conn: Connection,
    path: PathBuf,
    last_seq: u64,
    last_at: Timestamp,
    projector: projection::Projector,
    /// The payloads of the batch being appended (kept to reuse the allocation).
    payloads: Payloads,
}

/// JSON payloads of a batch: one text, and each entry's index and byte range in it.
#[derive(Default)]
struct Payloads {
    text: Vec<u8>,
    ends: Vec<(usize, usize, usize)>,
}

impl Payloads {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }
}

/// The multi-row INSERT of journal rows. The `seq` is left to SQLite: a new row's rowid is
/// the largest one plus one, which is the next `seq` (the journal has no gaps), and SQLite
/// then finds the row's place from the right edge instead of searching the table for it.
/// `append` checks that the last row got the number it expected.
fn journal_insert() -> &'static rows::MultiInsert {
    static INSERT: std::sync::OnceLock<rows::MultiInsert> = std::sync::OnceLock::new();
    INSERT.get_or_init(|| rows::MultiInsert::new("journal (at, kind, contact, agent, payload)", 5))
}

/// The pragmas of every store connection: WAL, `synchronous` by `durability`, foreign keys,
/// a busy timeout. Public so the durable-throughput benchmark's raw SQLite baseline uses
/// exactly the same settings.
pub fn configure_connection(conn: &Connection, durability: Durability) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(
        None,
        "synchronous",
        match durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        },
    )?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

impl Store {
    /// Opens the store in `dir`, creating the directory and the database if needed, and
    /// migrating an older schema.
    pub fn open(dir: &Path, durability: Durability) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(DB_FILE);
        let conn = Connection::open(&path)?;
        Self::setup(conn, path, durability, true)
    }

    /// Opens an existing store for reading (reports, backup): never creates or migrates.
    pub fn open_existing(dir: &Path) -> Result<Self> {
        let path = dir.join(DB_FILE);
        if !path.is_file() {
            return Err(StoreError::Missing(dir.to_path_buf()));
        }
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        Self::setup(conn, path, Durability::Normal, false)
    }

    fn setup(
        conn: Connection,
        path: PathBuf,
        durability: Durability,
        create: bool,
    ) -> Result<Self> {
        configure_connection(&conn, durability)?;
        // The multi-row INSERTs (a few sizes for each of four tables) and the rest.
        conn.set_prepared_statement_cache_capacity(64);
        if create {
            migrate::migrate(&conn)?;
        } else {
            migrate::check_version(&conn)?;
        }
        let (last_seq, last_at) = conn
            .query_row(
                "SELECT seq, at FROM journal ORDER BY seq DESC LIMIT 1",
                [],
                |row| Ok((row.get::<_, i64>(0)? as u64, Timestamp(row.get(1)?))),
            )
            .optional()?
            .unwrap_or((0, Timestamp(i64::MIN)));
        let projector = projection::Projector::load(&conn)?;
        Ok(Store {
            conn,
            path,
            last_seq,
            last_at,
            projector,
            payloads: Payloads::default(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The read connection, for report queries.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Sequence number of the last journal entry (0: empty journal).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// When the journal's first and last entries about a contact or an agent happened (ms
    /// since the epoch), the span reports can cover; `None` when there is none.
    /// (Configuration entries are left out: a simulated journal's engine settings are
    /// stamped at the epoch, whatever the simulated date.)
    pub fn journal_span(&self) -> Result<Option<(i64, i64)>> {
        let at = |order: &str| -> Result<Option<i64>> {
            let sql = format!(
                "SELECT at FROM journal WHERE contact IS NOT NULL OR agent IS NOT NULL \
                 ORDER BY seq {order} LIMIT 1"
            );
            Ok(self.conn.query_row(&sql, [], |row| row.get(0)).optional()?)
        };
        Ok(at("ASC")?.zip(at("DESC")?))
    }

    /// Appends `records` to the journal and the projections in one transaction. Returns the
    /// sequence number of the first appended entry (entries are numbered consecutively).
    /// Nothing is written when it fails.
    pub fn append(&mut self, records: &[EventRecord]) -> Result<u64> {
        let first = self.last_seq + 1;
        if records.is_empty() {
            return Ok(first);
        }
        let last_at = check_times(self.last_at, records)?;
        let tx = self.conn.transaction()?;
        let payloads = &mut self.payloads;
        let projector = &mut self.projector;
        let outcome = (|| -> Result<()> {
            payloads.clear();
            for record in records {
                let start = payloads.text.len();
                serde_json::to_writer(&mut payloads.text, &record.event)
                    .expect("engine events always serialize");
                payloads
                    .ends
                    .push((payloads.ends.len(), start, payloads.text.len()));
            }
            let text = std::str::from_utf8(&payloads.text).expect("serde_json writes UTF-8");
            journal_insert().run(&tx, &payloads.ends, |s, p, &(index, start, end)| {
                let record = &records[index];
                s.raw_bind_parameter(p + 1, record.at.0)?;
                s.raw_bind_parameter(p + 2, record.event.kind())?;
                s.raw_bind_parameter(p + 3, record.event.contact().map(|c| c.0 as i64))?;
                s.raw_bind_parameter(p + 4, record.event.agent().map(|a| a.as_str()))?;
                s.raw_bind_parameter(p + 5, &text[start..end])
            })?;
            let last = first + records.len() as u64 - 1;
            if tx.last_insert_rowid() != last as i64 {
                return Err(StoreError::Numbering {
                    expected: last,
                    found: tx.last_insert_rowid(),
                });
            }
            projector.apply(&tx, first, records)
        })();
        match outcome {
            Ok(()) => {
                tx.commit()?;
                self.last_seq = first + records.len() as u64 - 1;
                self.last_at = last_at;
                self.projector.committed();
                Ok(first)
            }
            Err(error) => {
                drop(tx); // rolls back
                self.projector = projection::Projector::load(&self.conn)?;
                Err(error)
            }
        }
    }

    /// Journal entries after `after`, at most `limit` of them, in order.
    pub fn read_journal(&self, after: u64, limit: usize) -> Result<Vec<JournalEntry>> {
        let mut entries = Vec::new();
        self.for_each_entry(after, Some(limit), |entry| {
            entries.push(entry);
            Ok(())
        })?;
        Ok(entries)
    }

    /// The journal entries about `contact` (those whose event names it), in order, at most
    /// `limit`: through `contact_entries` up to what it covers, then the journal's few
    /// entries after that (the server indexes them when it is idle), never a whole scan.
    pub fn contact_history(&self, contact: u64, limit: usize) -> Result<Vec<JournalEntry>> {
        let upto = self.contact_index_upto()?;
        let mut statement = self.conn.prepare_cached(
            "SELECT j.seq, j.at, j.payload FROM contact_entries c JOIN journal j ON j.seq = c.seq
             WHERE c.contact = ?1 ORDER BY c.seq LIMIT ?2",
        )?;
        let mut rows = statement.query(params![contact as i64, limit as i64])?;
        let mut entries = Vec::new();
        while let Some(row) = rows.next()? {
            entries.push(journal_entry(row)?);
        }
        if entries.len() < limit {
            let mut tail = self.conn.prepare_cached(
                "SELECT seq, at, payload FROM journal WHERE seq > ?1 AND contact = ?2
                 ORDER BY seq LIMIT ?3",
            )?;
            let left = (limit - entries.len()) as i64;
            let mut rows = tail.query(params![upto as i64, contact as i64, left])?;
            while let Some(row) = rows.next()? {
                entries.push(journal_entry(row)?);
            }
        }
        Ok(entries)
    }

    /// The last journal entry `contact_entries` covers.
    pub fn contact_index_upto(&self) -> Result<u64> {
        Ok(self
            .meta(CONTACT_INDEX_UPTO)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Indexes the next at most `max_entries` journal entries by contact, in one transaction;
    /// returns how many entries are left to index. The server calls it when no request
    /// waits, so the append (and the acknowledgement it gates) never pays for the index.
    pub fn index_contacts(&mut self, max_entries: usize) -> Result<u64> {
        let upto = self.contact_index_upto()?;
        if upto >= self.last_seq {
            return Ok(0);
        }
        let tx = self.conn.transaction()?;
        let mut pairs: Vec<(i64, i64)> = Vec::new();
        let mut last = upto as i64;
        {
            let mut statement = tx.prepare_cached(
                "SELECT seq, contact FROM journal WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let mut rows = statement.query(params![upto as i64, max_entries as i64])?;
            while let Some(row) = rows.next()? {
                let seq: i64 = row.get(0)?;
                last = seq;
                if let Some(contact) = row.get::<_, Option<i64>>(1)? {
                    pairs.push((contact, seq));
                }
            }
        }
        // In key order: each insert lands next to the previous one in the table's B-tree.
        pairs.sort_unstable();
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO contact_entries (contact, seq) VALUES (?1, ?2)",
            )?;
            for (contact, seq) in pairs {
                insert.execute(params![contact, seq])?;
            }
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![CONTACT_INDEX_UPTO, last.to_string()],
        )?;
        tx.commit()?;
        Ok(self.last_seq.saturating_sub(last as u64))
    }

    /// Calls `visit` with every journal entry after `after` (up to `limit`), in order, without
    /// holding them all in memory.
    pub fn for_each_entry(
        &self,
        after: u64,
        limit: Option<usize>,
        mut visit: impl FnMut(JournalEntry) -> Result<()>,
    ) -> Result<()> {
        let mut statement = self.conn.prepare_cached(
            "SELECT seq, at, payload FROM journal WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let limit = limit.map_or(-1, |l| l as i64);
        let mut rows = statement.query(params![after as i64, limit])?;
        while let Some(row) = rows.next()? {
            visit(journal_entry(row)?)?;
        }
        Ok(())
    }

    /// Saves an engine state that includes every entry up to `seq`; keeps the two newest.
    pub fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO snapshots (seq, format, state) VALUES (?1, ?2, ?3)",
            params![snapshot.seq as i64, snapshot.format, snapshot.state],
        )?;
        tx.execute(
            "DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT 2)",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The newest snapshot written in `format`, if any.
    pub fn latest_snapshot(&self, format: u32) -> Result<Option<Snapshot>> {
        Ok(self
            .conn
            .query_row(
                "SELECT seq, format, state FROM snapshots WHERE format = ?1 ORDER BY seq DESC LIMIT 1",
                params![format],
                |row| {
                    Ok(Snapshot {
                        seq: row.get::<_, i64>(0)? as u64,
                        format: row.get(1)?,
                        state: row.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Copies the database to `out` while it is in use (SQLite's online backup).
    pub fn backup(&self, out: &Path) -> Result<()> {
        let mut target = Connection::open(out)?;
        let backup = rusqlite::backup::Backup::new(&self.conn, &mut target)?;
        backup.run_to_completion(1024, std::time::Duration::from_millis(0), None)?;
        Ok(())
    }

    /// Drops and rebuilds every projection table from the journal.
    pub fn rebuild_projections(&mut self) -> Result<()> {
        let tx = self.conn.transaction()?;
        let mut projector = projection::rebuild(&tx)?;
        tx.commit()?;
        projector.committed();
        self.projector = projector;
        Ok(())
    }

    /// A value from the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}

/// The time of the last of `records`, after checking that none goes back in time from
/// `last_at` or from the one before it (both stores refuse such a batch whole).
pub(crate) fn check_times(last_at: Timestamp, records: &[EventRecord]) -> Result<Timestamp> {
    let mut last_at = last_at;
    for record in records {
        if record.at < last_at {
            return Err(StoreError::TimeWentBack {
                at: record.at,
                last: last_at,
            });
        }
        last_at = record.at;
    }
    Ok(last_at)
}

/// A journal row read as `seq, at, payload`.
pub(crate) fn journal_entry(row: &rusqlite::Row<'_>) -> Result<JournalEntry> {
    let seq = row.get::<_, i64>(0)? as u64;
    let at = Timestamp(row.get(1)?);
    let corrupt = |message: String| StoreError::Corrupt { seq, message };
    let payload = row
        .get_ref(2)?
        .as_str()
        .map_err(|e| corrupt(e.to_string()))?;
    let event = serde_json::from_str(payload).map_err(|e| corrupt(e.to_string()))?;
    Ok(JournalEntry {
        seq,
        record: EventRecord { at, event },
    })
}

#[cfg(test)]
mod tests;
