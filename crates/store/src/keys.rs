//! API keys, stored as SHA-256 hashes of the secret (the secret itself is shown once, at
//! creation, and never stored).

use crate::{Result, Store};
use rusqlite::{OptionalExtension, params};

/// A key to store: `hash` is the hex SHA-256 of the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    pub hash: String,
    pub label: String,
    /// admin, supervisor, agent or connector.
    pub role: String,
    /// For the agent role: the one agent it acts as.
    pub agent: Option<String>,
    /// The Data Download View permission (reports).
    pub data_download: bool,
    pub created_at: i64,
    /// When the key stops working (ms since the Unix epoch); `None`: never.
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub id: i64,
    pub label: String,
    pub role: String,
    pub agent: Option<String>,
    pub data_download: bool,
    pub created_at: i64,
    pub revoked: bool,
    /// When the key stops working (ms since the Unix epoch); `None`: never.
    pub expires_at: Option<i64>,
}

fn record(row: &rusqlite::Row<'_>) -> rusqlite::Result<KeyRecord> {
    Ok(KeyRecord {
        id: row.get(0)?,
        label: row.get(1)?,
        role: row.get(2)?,
        agent: row.get(3)?,
        data_download: row.get(4)?,
        created_at: row.get(5)?,
        revoked: row.get::<_, Option<i64>>(6)?.is_some(),
        expires_at: row.get(7)?,
    })
}

const COLUMNS: &str = "id, label, role, agent, data_download, created_at, revoked_at, expires_at";

impl Store {
    /// Stores a key; a key with the same hash is replaced (same secret, new role).
    pub fn insert_key(&self, key: &NewKey) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO api_keys (hash, label, role, agent, data_download, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (hash) DO UPDATE SET label = excluded.label, role = excluded.role,
                agent = excluded.agent, data_download = excluded.data_download, revoked_at = NULL,
                expires_at = excluded.expires_at",
            params![
                key.hash,
                key.label,
                key.role,
                key.agent,
                key.data_download,
                key.created_at,
                key.expires_at
            ],
        )?;
        Ok(self.conn.query_row(
            "SELECT id FROM api_keys WHERE hash = ?1",
            [&key.hash],
            |row| row.get(0),
        )?)
    }

    /// The live (not revoked) key with this hash.
    pub fn find_key(&self, hash: &str) -> Result<Option<KeyRecord>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM api_keys WHERE hash = ?1 AND revoked_at IS NULL"),
                [hash],
                record,
            )
            .optional()?)
    }

    /// The id of a revoked key with this hash, if there is one.
    pub fn revoked_key(&self, hash: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM api_keys WHERE hash = ?1 AND revoked_at IS NOT NULL",
                [hash],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Every key (live and revoked), oldest first.
    pub fn keys(&self) -> Result<Vec<KeyRecord>> {
        let mut statement = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM api_keys ORDER BY id"))?;
        let rows = statement.query_map([], record)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A mark that changes whenever a key is revoked (or a revoked one made live again): the
    /// number of revoked keys and the latest revocation time. Cheap to read often, so open
    /// event streams look their own key up only after it moved.
    pub fn revocation_mark(&self) -> Result<(i64, i64)> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*), COALESCE(MAX(revoked_at), 0) FROM api_keys WHERE revoked_at IS NOT NULL",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?)
    }

    /// Revokes a key; false when there is no live key with that id.
    pub fn revoke_key(&self, id: i64, at: i64) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, at],
        )? == 1)
    }
}
