//! One domain's data, read by any node of the cluster.

use super::{KEY_COLUMNS, insert_key, journal_entry, key_record, pg};
use crate::{JournalEntry, KeyRecord, NewKey, Result, Snapshot};
use deadpool_postgres::Pool;
use switchboard_core::time::Timestamp;

/// One domain's data, read by any node.
#[derive(Clone)]
pub struct DomainReader {
    pub(crate) pool: Pool,
    pub(crate) domain: String,
}

/// The `meta` key of the last journal entry `contact_entries` covers.
pub(crate) const CONTACT_INDEX_UPTO: &str = "contact_index_upto";

impl DomainReader {
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// A client of the pool, for a caller's own queries (reports).
    pub async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(pg)
    }

    /// Sequence number of the last journal entry (0: empty journal) and its time.
    pub async fn last(&self) -> Result<(u64, Timestamp)> {
        let client = self.pool.get().await.map_err(pg)?;
        let row = client
            .query_opt(
                "SELECT seq, at FROM journal WHERE domain = $1 ORDER BY seq DESC LIMIT 1",
                &[&self.domain],
            )
            .await?;
        Ok(row.map_or((0, Timestamp(i64::MIN)), |row| {
            (row.get::<_, i64>(0) as u64, Timestamp(row.get(1)))
        }))
    }

    /// Journal entries after `after`, at most `limit` of them, in order.
    pub async fn read_journal(&self, after: u64, limit: usize) -> Result<Vec<JournalEntry>> {
        let client = self.pool.get().await.map_err(pg)?;
        let rows = client
            .query(
                "SELECT seq, at, payload FROM journal WHERE domain = $1 AND seq > $2
                 ORDER BY seq LIMIT $3",
                &[&self.domain, &(after as i64), &(limit as i64)],
            )
            .await?;
        rows.iter().map(journal_entry).collect()
    }

    /// The journal entries about `contact`, in order, at most `limit` (as
    /// `Store::contact_history`: the index, then the journal's tail after it).
    pub async fn contact_history(&self, contact: u64, limit: usize) -> Result<Vec<JournalEntry>> {
        let client = self.pool.get().await.map_err(pg)?;
        let upto = self.contact_index_upto_with(&client).await?;
        let rows = client
            .query(
                "SELECT j.seq, j.at, j.payload FROM contact_entries c
                 JOIN journal j ON j.domain = c.domain AND j.seq = c.seq
                 WHERE c.domain = $1 AND c.contact = $2 ORDER BY c.seq LIMIT $3",
                &[&self.domain, &(contact as i64), &(limit as i64)],
            )
            .await?;
        let mut entries: Vec<JournalEntry> =
            rows.iter().map(journal_entry).collect::<Result<_>>()?;
        if entries.len() < limit {
            let rows = client
                .query(
                    "SELECT seq, at, payload FROM journal
                     WHERE domain = $1 AND seq > $2 AND contact = $3 ORDER BY seq LIMIT $4",
                    &[
                        &self.domain,
                        &(upto as i64),
                        &(contact as i64),
                        &((limit - entries.len()) as i64),
                    ],
                )
                .await?;
            for row in &rows {
                entries.push(journal_entry(row)?);
            }
        }
        Ok(entries)
    }

    pub(crate) async fn contact_index_upto_with(
        &self,
        client: &deadpool_postgres::Object,
    ) -> Result<u64> {
        Ok(client
            .query_opt(
                "SELECT value FROM meta WHERE domain = $1 AND key = $2",
                &[&self.domain, &CONTACT_INDEX_UPTO],
            )
            .await?
            .and_then(|row| row.get::<_, String>(0).parse().ok())
            .unwrap_or(0))
    }

    /// The newest snapshot written in `format`, if any.
    pub async fn latest_snapshot(&self, format: u32) -> Result<Option<Snapshot>> {
        let client = self.pool.get().await.map_err(pg)?;
        let row = client
            .query_opt(
                "SELECT seq, format, state FROM snapshots WHERE domain = $1 AND format = $2
                 ORDER BY seq DESC LIMIT 1",
                &[&self.domain, &(format as i64)],
            )
            .await?;
        Ok(row.map(|row| Snapshot {
            seq: row.get::<_, i64>(0) as u64,
            format: row.get::<_, i64>(1) as u32,
            state: row.get(2),
        }))
    }

    /// When the journal's first and last entries about a contact or an agent happened.
    pub async fn journal_span(&self) -> Result<Option<(i64, i64)>> {
        let client = self.pool.get().await.map_err(pg)?;
        let mut ends = Vec::new();
        for order in ["ASC", "DESC"] {
            let row = client
                .query_opt(
                    &format!(
                        "SELECT at FROM journal WHERE domain = $1
                         AND (contact IS NOT NULL OR agent IS NOT NULL) ORDER BY seq {order} LIMIT 1"
                    ),
                    &[&self.domain],
                )
                .await?;
            ends.push(row.map(|row| row.get::<_, i64>(0)));
        }
        Ok(ends[0].zip(ends[1]))
    }

    /// The domain's keys (live and revoked), oldest first.
    pub async fn keys(&self) -> Result<Vec<KeyRecord>> {
        let client = self.pool.get().await.map_err(pg)?;
        let rows = client
            .query(
                &format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE domain = $1 ORDER BY id"),
                &[&self.domain],
            )
            .await?;
        Ok(rows.iter().map(|row| key_record(row, 0)).collect())
    }

    /// The domain's revocation mark (as `Store::revocation_mark`).
    pub async fn revocation_mark(&self) -> Result<(i64, i64)> {
        let client = self.pool.get().await.map_err(pg)?;
        let row = client
            .query_one(
                "SELECT count(*), coalesce(max(revoked_at), 0) FROM api_keys
                 WHERE domain = $1 AND revoked_at IS NOT NULL",
                &[&self.domain],
            )
            .await?;
        Ok((row.get(0), row.get(1)))
    }

    /// The domain's live key with this hash.
    pub async fn find_key(&self, hash: &str) -> Result<Option<KeyRecord>> {
        let client = self.pool.get().await.map_err(pg)?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {KEY_COLUMNS} FROM api_keys
                     WHERE domain = $1 AND hash = $2 AND revoked_at IS NULL"
                ),
                &[&self.domain, &hash],
            )
            .await?;
        Ok(row.map(|row| key_record(&row, 0)))
    }

    /// The id of a revoked key of this domain with this hash.
    pub async fn revoked_key(&self, hash: &str) -> Result<Option<i64>> {
        let client = self.pool.get().await.map_err(pg)?;
        let row = client
            .query_opt(
                "SELECT id FROM api_keys WHERE domain = $1 AND hash = $2 AND revoked_at IS NOT NULL",
                &[&self.domain, &hash],
            )
            .await?;
        Ok(row.map(|row| row.get(0)))
    }

    /// Revokes one of the domain's keys; false when it has no live key with that id.
    pub async fn revoke_key(&self, id: i64, at: i64) -> Result<bool> {
        let client = self.pool.get().await.map_err(pg)?;
        Ok(client
            .execute(
                "UPDATE api_keys SET revoked_at = $3 WHERE domain = $1 AND id = $2 AND revoked_at IS NULL",
                &[&self.domain, &id, &at],
            )
            .await?
            == 1)
    }

    /// Stores a key of this domain (as [`Cluster::insert_key`]).
    pub async fn insert_key(&self, key: &NewKey) -> Result<i64> {
        let client = self.pool.get().await.map_err(pg)?;
        insert_key(&client, Some(&self.domain), key).await
    }
}
