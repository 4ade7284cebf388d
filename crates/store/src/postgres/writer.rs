//! The owner's writer of one domain: the fenced `Journal` the engine's driver appends through.

use super::reader::CONTACT_INDEX_UPTO;
use super::{Cluster, DomainReader, projection};
use crate::{JournalEntry, Result, Snapshot, StoreError};
use switchboard_core::event::EventRecord;
use switchboard_core::time::Timestamp;
use tokio_postgres::types::Type;

/// The fence: in the caller's transaction, locks `domain`'s lease row until the commit and
/// checks that `node` still holds it at `epoch` (a new owner's lease update waits for the lock,
/// so an append commits before the epoch moves or is refused after).
async fn fence(
    tx: &tokio_postgres::Transaction<'_>,
    domain: &str,
    node: &str,
    epoch: i64,
) -> Result<()> {
    // Typed, so it is sent in one message with no separate prepare round trip: pipelined
    // statements then run in the order they were sent.
    let holds = tx
        .query_typed(
            "SELECT 1 FROM domain_leases WHERE domain = $1 AND owner = $2 AND epoch = $3
             FOR SHARE",
            &[
                (&domain, Type::TEXT),
                (&node, Type::TEXT),
                (&epoch, Type::INT8),
            ],
        )
        .await?;
    if holds.is_empty() {
        Err(StoreError::Fenced {
            domain: domain.to_string(),
            epoch,
        })
    } else {
        Ok(())
    }
}

/// The writer of one domain, held by the node that owns its lease at `epoch`: the
/// [`crate::Journal`] the engine's driver thread appends through. Its methods block on the
/// runtime `runtime` (call them from a thread outside it: the driver's).
pub struct DomainWriter {
    reader: DomainReader,
    node: String,
    epoch: i64,
    runtime: tokio::runtime::Handle,
    last_seq: u64,
    last_at: Timestamp,
    projector: projection::PgProjector,
}

impl DomainWriter {
    /// Opens the writer of `domain` for `node` at `epoch` (the lease it acquired).
    pub async fn open(
        cluster: &Cluster,
        domain: &str,
        node: &str,
        epoch: i64,
        runtime: tokio::runtime::Handle,
    ) -> Result<DomainWriter> {
        let reader = cluster.domain(domain);
        let (last_seq, last_at) = reader.last().await?;
        let projector = {
            let client = reader.client().await?;
            projection::PgProjector::load(&**client, domain).await?
        };
        Ok(DomainWriter {
            reader,
            node: node.to_string(),
            epoch,
            runtime,
            last_seq,
            last_at,
            projector,
        })
    }

    pub fn reader(&self) -> &DomainReader {
        &self.reader
    }

    pub fn epoch(&self) -> i64 {
        self.epoch
    }

    async fn append_async(&mut self, records: &[EventRecord]) -> Result<u64> {
        let first = self.last_seq + 1;
        if records.is_empty() {
            return Ok(first);
        }
        let last_at = crate::check_times(self.last_at, records)?;
        let domain = self.reader.domain.as_str();
        let mut client = self.reader.client().await?;
        let tx = client.transaction().await?;
        let mut seqs = Vec::with_capacity(records.len());
        let mut ats = Vec::with_capacity(records.len());
        let mut kinds = Vec::with_capacity(records.len());
        let mut contacts = Vec::with_capacity(records.len());
        let mut agents = Vec::with_capacity(records.len());
        let mut payloads = Vec::with_capacity(records.len());
        for (index, record) in records.iter().enumerate() {
            seqs.push((first + index as u64) as i64);
            ats.push(record.at.0);
            kinds.push(record.event.kind());
            contacts.push(record.event.contact().map(|c| c.0 as i64));
            agents.push(record.event.agent().map(|a| a.as_str()));
            payloads.push(
                serde_json::to_string(&record.event).expect("engine events always serialize"),
            );
        }
        let journal = async {
            let inserted = tx
                .execute_typed(
                    "INSERT INTO journal (domain, seq, at, kind, contact, agent, payload, epoch)
                     SELECT $1, s, a, k, c, g, p, $2
                     FROM UNNEST($3, $4, $5, $6, $7, $8) AS t(s, a, k, c, g, p)",
                    &[
                        (&domain, Type::TEXT),
                        (&self.epoch, Type::INT8),
                        (&seqs, Type::INT8_ARRAY),
                        (&ats, Type::INT8_ARRAY),
                        (&kinds, Type::TEXT_ARRAY),
                        (&contacts, Type::INT8_ARRAY),
                        (&agents, Type::TEXT_ARRAY),
                        (&payloads, Type::TEXT_ARRAY),
                    ],
                )
                .await?;
            debug_assert_eq!(inserted as usize, records.len());
            Ok(())
        };
        // The fence, the journal rows and the projection rows go out together, one round trip
        // (PostgreSQL runs them in order in the transaction): if the fence finds another
        // epoch, the rows already sent are rolled back with the transaction, never committed.
        // All three run to the end (`join!`, which polls in a rotating order, not `try_join!`,
        // which would return whichever error it saw first): a deposed writer's rows collide
        // with the new owner's, and the answer must be the fence's, not the collision's.
        let (fenced, journal, projected) = tokio::join!(
            fence(&tx, domain, &self.node, self.epoch),
            journal,
            self.projector.apply(&tx, domain, first, records),
        );
        let written = fenced.and(journal).and(projected);
        let committed = match written {
            Ok(_) => tx.commit().await.map_err(StoreError::from),
            Err(error) => {
                drop(tx);
                Err(error)
            }
        };
        if let Err(error) = committed {
            // The projector may hold rows of the batch that was not committed.
            self.reload_projector().await?;
            // A deposed writer's rows may collide with the new owner's before the fence's
            // answer is read: whatever failed, a lost lease is what the caller must hear.
            if !matches!(error, StoreError::Fenced { .. }) && !self.holds_lease().await? {
                return Err(StoreError::Fenced {
                    domain: self.reader.domain.clone(),
                    epoch: self.epoch,
                });
            }
            return Err(error);
        }
        self.last_seq = first + records.len() as u64 - 1;
        self.last_at = last_at;
        Ok(first)
    }

    /// Whether the lease row still names this writer at its epoch (outside any transaction).
    async fn holds_lease(&self) -> Result<bool> {
        let client = self.reader.client().await?;
        Ok(client
            .query_opt(
                "SELECT 1 FROM domain_leases WHERE domain = $1 AND owner = $2 AND epoch = $3",
                &[&self.reader.domain, &self.node, &self.epoch],
            )
            .await?
            .is_some())
    }

    async fn reload_projector(&mut self) -> Result<()> {
        let client = self.reader.client().await?;
        self.projector = projection::PgProjector::load(&**client, &self.reader.domain).await?;
        Ok(())
    }

    async fn save_snapshot_async(&self, snapshot: &Snapshot) -> Result<()> {
        let domain = self.reader.domain.as_str();
        let mut client = self.reader.client().await?;
        let tx = client.transaction().await?;
        fence(&tx, domain, &self.node, self.epoch).await?;
        tx.execute(
            "INSERT INTO snapshots (domain, seq, format, state) VALUES ($1, $2, $3, $4)
             ON CONFLICT (domain, seq) DO UPDATE SET format = excluded.format, state = excluded.state",
            &[&domain, &(snapshot.seq as i64), &(snapshot.format as i64), &snapshot.state],
        )
        .await?;
        tx.execute(
            "DELETE FROM snapshots WHERE domain = $1 AND seq NOT IN
                (SELECT seq FROM snapshots WHERE domain = $1 ORDER BY seq DESC LIMIT 2)",
            &[&domain],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn index_contacts_async(&self, max_entries: usize) -> Result<u64> {
        let domain = self.reader.domain.as_str();
        let mut client = self.reader.client().await?;
        let upto = self.reader.contact_index_upto_with(&client).await?;
        if upto >= self.last_seq {
            return Ok(0);
        }
        let tx = client.transaction().await?;
        let last: Option<i64> = tx
            .query_one(
                "WITH batch AS (SELECT seq, contact FROM journal WHERE domain = $1 AND seq > $2
                                ORDER BY seq LIMIT $3),
                      added AS (INSERT INTO contact_entries (domain, contact, seq)
                                SELECT $1, contact, seq FROM batch WHERE contact IS NOT NULL
                                ON CONFLICT DO NOTHING)
                 SELECT max(seq) FROM batch",
                &[&domain, &(upto as i64), &(max_entries as i64)],
            )
            .await?
            .get(0);
        let last = last.unwrap_or(upto as i64);
        tx.execute(
            "INSERT INTO meta (domain, key, value) VALUES ($1, $2, $3)
             ON CONFLICT (domain, key) DO UPDATE SET value = excluded.value",
            &[&domain, &CONTACT_INDEX_UPTO, &last.to_string()],
        )
        .await?;
        tx.commit().await?;
        Ok(self.last_seq.saturating_sub(last as u64))
    }
}

impl crate::Journal for DomainWriter {
    fn last_seq(&self) -> u64 {
        self.last_seq
    }

    fn append(&mut self, records: &[EventRecord]) -> Result<u64> {
        let runtime = self.runtime.clone();
        runtime.block_on(self.append_async(records))
    }

    fn latest_snapshot(&self, format: u32) -> Result<Option<Snapshot>> {
        self.runtime.block_on(self.reader.latest_snapshot(format))
    }

    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<()> {
        self.runtime.block_on(self.save_snapshot_async(snapshot))
    }

    fn for_each_entry(
        &self,
        after: u64,
        limit: Option<usize>,
        visit: &mut dyn FnMut(JournalEntry) -> Result<()>,
    ) -> Result<()> {
        // Pages of entries, so a long journal is never held in memory at once.
        const PAGE: usize = 4096;
        let mut after = after;
        let mut left = limit.unwrap_or(usize::MAX);
        while left > 0 {
            let page = self
                .runtime
                .block_on(self.reader.read_journal(after, PAGE.min(left)))?;
            let done = page.len() < PAGE.min(left);
            for entry in page {
                after = entry.seq;
                left -= 1;
                visit(entry)?;
            }
            if done {
                break;
            }
        }
        Ok(())
    }

    fn contact_index_upto(&self) -> Result<u64> {
        self.runtime.block_on(async {
            let client = self.reader.client().await?;
            self.reader.contact_index_upto_with(&client).await
        })
    }

    fn index_contacts(&mut self, max_entries: usize) -> Result<u64> {
        self.runtime
            .block_on(self.index_contacts_async(max_entries))
    }
}
