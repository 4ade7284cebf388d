//! The cluster store: the same data as the embedded SQLite store, in PostgreSQL, for many
//! routing domains at once, and the leases that say which node owns each domain.
//!
//! - Every domain table has the domain as the first column of its primary key, and every
//!   query of domain data names one domain, so the schema can be distributed by domain (Citus:
//!   `domain` as the distribution column, `domains`, `domain_leases`, `nodes` and `api_keys`
//!   as reference tables) without a change of code.
//! - **The fence is the database**: a domain's journal is appended by [`DomainWriter`], whose
//!   transaction first locks the domain's lease row and checks that its epoch is still the
//!   writer's. A node that lost the lease (its process stopped past the lease, say, and another
//!   node took the domain, raising the epoch) gets [`StoreError::Fenced`] and writes nothing.
//!   A new owner's lease update waits for an append under way (the row lock), so an append
//!   either commits before the epoch moves or is refused after.
//! - Lease times are the database's clock (`now()`), never a node's, so nodes with skewed
//!   clocks agree on who holds what.

pub mod projection;

use crate::{JournalEntry, KeyRecord, NewKey, Result, Snapshot, StoreError};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::time::Duration;
use switchboard_core::event::EventRecord;
use switchboard_core::time::Timestamp;
use tokio_postgres::{NoTls, Row};

/// The version of the cluster schema this build writes (`cluster_schema.version`).
pub const CLUSTER_SCHEMA_VERSION: i64 = 1;

/// The cluster tables (the projection tables come from [`projection::SCHEMA`]).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS cluster_schema (version BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS domains (
    domain     TEXT   PRIMARY KEY,
    created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS domain_leases (
    domain     TEXT        PRIMARY KEY REFERENCES domains ON DELETE CASCADE,
    owner      TEXT,
    advertise  TEXT,
    epoch      BIGINT      NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ NOT NULL DEFAULT '-infinity'
);
CREATE TABLE IF NOT EXISTS nodes (
    node      TEXT        PRIMARY KEY,
    advertise TEXT        NOT NULL,
    seen_at   TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS journal (
    domain  TEXT   NOT NULL,
    seq     BIGINT NOT NULL,
    at      BIGINT NOT NULL,
    kind    TEXT   NOT NULL,
    contact BIGINT,
    agent   TEXT,
    payload TEXT   NOT NULL,
    epoch   BIGINT NOT NULL,
    PRIMARY KEY (domain, seq)
);
CREATE TABLE IF NOT EXISTS snapshots (
    domain TEXT   NOT NULL,
    seq    BIGINT NOT NULL,
    format BIGINT NOT NULL,
    state  BYTEA  NOT NULL,
    PRIMARY KEY (domain, seq)
);
CREATE TABLE IF NOT EXISTS meta (
    domain TEXT NOT NULL,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (domain, key)
);
CREATE TABLE IF NOT EXISTS contact_entries (
    domain  TEXT   NOT NULL,
    contact BIGINT NOT NULL,
    seq     BIGINT NOT NULL,
    PRIMARY KEY (domain, contact, seq)
);
CREATE TABLE IF NOT EXISTS api_keys (
    id            BIGSERIAL PRIMARY KEY,
    domain        TEXT      REFERENCES domains ON DELETE CASCADE,
    hash          TEXT      NOT NULL UNIQUE,
    label         TEXT      NOT NULL,
    role          TEXT      NOT NULL,
    agent         TEXT,
    data_download BOOLEAN   NOT NULL,
    created_at    BIGINT    NOT NULL,
    revoked_at    BIGINT,
    expires_at    BIGINT
);
CREATE INDEX IF NOT EXISTS api_keys_domain ON api_keys (domain, id);
";

/// A key of the database-wide advisory lock that serializes schema creation.
const MIGRATION_LOCK: i64 = 0x5357_4254_4348; // "SWBTCH"

/// The domain a single-node install has, and the name a cluster gives its first domain.
pub const DEFAULT_DOMAIN: &str = "default";

/// Whether `name` may name a domain: 1–63 of `a-z`, `0-9`, `-`, `_`, starting with a letter
/// (it appears in URLs, logs and file names).
pub fn valid_domain_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && name.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// A domain as the cluster sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRecord {
    pub domain: String,
    pub created_at: i64,
    /// The node holding its lease, if the lease is live.
    pub owner: Option<String>,
    pub advertise: Option<String>,
    pub epoch: i64,
}

/// Who owns a domain now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub owner: String,
    pub advertise: String,
    pub epoch: i64,
}

/// A lease this node holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Held {
    pub domain: String,
    pub epoch: i64,
}

/// The whole database: domains, leases, nodes, keys. Cheap to clone (a pool).
#[derive(Clone)]
pub struct Cluster {
    pool: Pool,
    config: tokio_postgres::Config,
}

/// The channel of `NOTIFY` messages about leases: a lease given up, a node gone, a domain
/// created. Nodes listening run a lease round at once instead of at their next tick.
const LEASE_CHANNEL: &str = "switchboard_leases";

/// Notices of lease changes ([`Cluster::lease_changes`]); ends when its connection breaks.
pub struct LeaseChanges {
    pub changes: tokio::sync::mpsc::UnboundedReceiver<String>,
    _client: tokio_postgres::Client,
}

fn pg(error: deadpool_postgres::PoolError) -> StoreError {
    match error {
        deadpool_postgres::PoolError::Backend(error) => StoreError::Postgres(error),
        other => StoreError::Unavailable(other.to_string()),
    }
}

impl Cluster {
    /// Connects (a pool of at most `max_connections`) and creates or checks the schema.
    pub async fn connect(url: &str, max_connections: usize) -> Result<Cluster> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| StoreError::Unavailable(format!("{url}: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections)
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(10)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let cluster = Cluster { pool, config };
        cluster.migrate().await?;
        Ok(cluster)
    }

    async fn migrate(&self) -> Result<()> {
        let mut client = self.pool.get().await.map_err(pg)?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(SCHEMA).await?;
        tx.batch_execute(projection::SCHEMA).await?;
        let found: Option<i64> = tx
            .query_opt("SELECT max(version) FROM cluster_schema", &[])
            .await?
            .and_then(|row| row.get(0));
        match found {
            Some(found) if found > CLUSTER_SCHEMA_VERSION => {
                return Err(StoreError::UnsupportedVersion {
                    found,
                    supported: CLUSTER_SCHEMA_VERSION,
                });
            }
            Some(_) => {}
            None => {
                tx.execute(
                    "INSERT INTO cluster_schema (version) VALUES ($1)",
                    &[&CLUSTER_SCHEMA_VERSION],
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Listens for lease changes on a connection of its own (outside the pool).
    pub async fn lease_changes(&self) -> Result<LeaseChanges> {
        use futures_util::StreamExt;
        let (client, mut connection) = self.config.connect(NoTls).await?;
        let (sender, changes) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(Ok(message)) = messages.next().await {
                if let tokio_postgres::AsyncMessage::Notification(notice) = message
                    && sender.send(notice.payload().to_string()).is_err()
                {
                    break;
                }
            }
        });
        client
            .batch_execute(&format!("LISTEN {LEASE_CHANNEL}"))
            .await?;
        Ok(LeaseChanges {
            changes,
            _client: client,
        })
    }

    /// Tells the listening nodes that leases changed (`what` says how, for the logs).
    async fn notify(&self, client: &deadpool_postgres::Object, what: &str) -> Result<()> {
        client
            .execute("SELECT pg_notify($1, $2)", &[&LEASE_CHANNEL, &what])
            .await?;
        Ok(())
    }

    /// Creates a domain (with a free lease); false when it exists already.
    pub async fn create_domain(&self, domain: &str, now_ms: i64) -> Result<bool> {
        let mut client = self.pool.get().await.map_err(pg)?;
        let tx = client.transaction().await?;
        let created = tx
            .execute(
                "INSERT INTO domains (domain, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&domain, &now_ms],
            )
            .await?
            == 1;
        if created {
            tx.execute("INSERT INTO domain_leases (domain) VALUES ($1)", &[&domain])
                .await?;
        }
        tx.commit().await?;
        if created {
            self.notify(&client, &format!("created {domain}")).await?;
        }
        Ok(created)
    }

    /// Deletes a domain and all its data; false when there is none. Its owner notices at its
    /// next renewal (the lease row is gone) and drops it.
    pub async fn delete_domain(&self, domain: &str) -> Result<bool> {
        let mut client = self.pool.get().await.map_err(pg)?;
        let tx = client.transaction().await?;
        // The lease row first, locked: an append under way finishes before, none after.
        let found = tx
            .execute("DELETE FROM domains WHERE domain = $1", &[&domain])
            .await?
            == 1;
        for table in ["journal", "snapshots", "meta", "contact_entries"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE domain = $1"),
                &[&domain],
            )
            .await?;
        }
        projection::reset(&*tx, domain).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Every domain, by name, with its live owner.
    pub async fn domains(&self) -> Result<Vec<DomainRecord>> {
        let client = self.pool.get().await.map_err(pg)?;
        let rows = client
            .query(
                "SELECT d.domain, d.created_at, l.owner, l.advertise, l.epoch
                 FROM domains d JOIN domain_leases l USING (domain)
                 WHERE l.expires_at > now() OR l.owner IS NULL
                 UNION ALL
                 SELECT d.domain, d.created_at, NULL, NULL, l.epoch
                 FROM domains d JOIN domain_leases l USING (domain)
                 WHERE l.expires_at <= now() AND l.owner IS NOT NULL
                 ORDER BY 1",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| DomainRecord {
                domain: row.get(0),
                created_at: row.get(1),
                owner: row.get(2),
                advertise: row.get(3),
                epoch: row.get(4),
            })
            .collect())
    }

    /// Whether the domain exists.
    pub async fn domain_exists(&self, domain: &str) -> Result<bool> {
        let client = self.pool.get().await.map_err(pg)?;
        Ok(client
            .query_opt("SELECT 1 FROM domains WHERE domain = $1", &[&domain])
            .await?
            .is_some())
    }

    /// The live owner of `domain`; `None` while nobody holds its lease.
    pub async fn owner(&self, domain: &str) -> Result<Option<Lease>> {
        let client = self.pool.get().await.map_err(pg)?;
        let row = client
            .query_opt(
                "SELECT owner, advertise, epoch FROM domain_leases
                 WHERE domain = $1 AND owner IS NOT NULL AND expires_at > now()",
                &[&domain],
            )
            .await?;
        Ok(row.map(|row| Lease {
            owner: row.get(0),
            advertise: row.get(1),
            epoch: row.get(2),
        }))
    }

    /// Records that `node` is alive (at `advertise`); the live nodes (seen within `lease`),
    /// by name, this one included.
    pub async fn heartbeat(
        &self,
        node: &str,
        advertise: &str,
        lease: Duration,
    ) -> Result<Vec<String>> {
        let client = self.pool.get().await.map_err(pg)?;
        client
            .execute(
                "INSERT INTO nodes (node, advertise, seen_at) VALUES ($1, $2, now())
                 ON CONFLICT (node) DO UPDATE SET advertise = excluded.advertise, seen_at = now()",
                &[&node, &advertise],
            )
            .await?;
        let rows = client
            .query(
                "SELECT node FROM nodes WHERE seen_at > now() - make_interval(secs => $1)
                 ORDER BY node",
                &[&lease.as_secs_f64()],
            )
            .await?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// Marks `node` gone (a graceful stop), so the others rebalance without waiting.
    pub async fn leave(&self, node: &str) -> Result<()> {
        let client = self.pool.get().await.map_err(pg)?;
        client
            .execute("DELETE FROM nodes WHERE node = $1", &[&node])
            .await?;
        self.notify(&client, &format!("left {node}")).await
    }

    /// The number of domains.
    pub async fn domain_count(&self) -> Result<u64> {
        let client = self.pool.get().await.map_err(pg)?;
        let count: i64 = client
            .query_one("SELECT count(*) FROM domains", &[])
            .await?
            .get(0);
        Ok(count as u64)
    }

    /// Takes up to `limit` domains whose lease is free or expired, raising each one's epoch:
    /// from then on the previous owner's appends are refused. Domains held by nobody come
    /// first, then those expired longest ago.
    pub async fn acquire(
        &self,
        node: &str,
        advertise: &str,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<Held>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let client = self.pool.get().await.map_err(pg)?;
        let rows = client
            .query(
                "UPDATE domain_leases l
                 SET owner = $1, advertise = $2, epoch = l.epoch + 1,
                     expires_at = now() + make_interval(secs => $3)
                 FROM (SELECT domain FROM domain_leases
                       WHERE owner IS NULL OR expires_at <= now()
                       ORDER BY owner IS NOT NULL, expires_at, domain
                       LIMIT $4 FOR UPDATE SKIP LOCKED) free
                 WHERE l.domain = free.domain
                 RETURNING l.domain, l.epoch",
                &[&node, &advertise, &lease.as_secs_f64(), &(limit as i64)],
            )
            .await?;
        let mut held: Vec<Held> = rows
            .iter()
            .map(|row| Held {
                domain: row.get(0),
                epoch: row.get(1),
            })
            .collect();
        held.sort();
        Ok(held)
    }

    /// Extends the leases `node` holds at the epochs in `held`; returns those it still holds.
    /// A lease that expired but was not taken is renewed (nobody else wrote meanwhile: the
    /// epoch is the same); one whose epoch moved, or whose domain was deleted, is not.
    pub async fn renew(&self, node: &str, held: &[Held], lease: Duration) -> Result<Vec<Held>> {
        if held.is_empty() {
            return Ok(Vec::new());
        }
        let domains: Vec<&str> = held.iter().map(|h| h.domain.as_str()).collect();
        let epochs: Vec<i64> = held.iter().map(|h| h.epoch).collect();
        let client = self.pool.get().await.map_err(pg)?;
        let rows = client
            .query(
                "UPDATE domain_leases l SET expires_at = now() + make_interval(secs => $2)
                 FROM UNNEST($3::text[], $4::bigint[]) AS h(domain, epoch)
                 WHERE l.domain = h.domain AND l.epoch = h.epoch AND l.owner = $1
                 RETURNING l.domain, l.epoch",
                &[&node, &lease.as_secs_f64(), &domains, &epochs],
            )
            .await?;
        let mut kept: Vec<Held> = rows
            .iter()
            .map(|row| Held {
                domain: row.get(0),
                epoch: row.get(1),
            })
            .collect();
        kept.sort();
        Ok(kept)
    }

    /// Gives a lease up (graceful stop, rebalancing): free at once for another node.
    pub async fn release(&self, node: &str, held: &Held) -> Result<bool> {
        let client = self.pool.get().await.map_err(pg)?;
        let released = client
            .execute(
                "UPDATE domain_leases SET owner = NULL, advertise = NULL, expires_at = '-infinity'
                 WHERE domain = $1 AND owner = $2 AND epoch = $3",
                &[&held.domain, &node, &held.epoch],
            )
            .await?
            == 1;
        if released {
            self.notify(&client, &format!("released {}", held.domain))
                .await?;
        }
        Ok(released)
    }

    /// One domain's data, for reading (any node may read; only the owner writes).
    pub fn domain(&self, domain: &str) -> DomainReader {
        DomainReader {
            pool: self.pool.clone(),
            domain: domain.to_string(),
        }
    }

    /// The live (not revoked) key with this hash, and its domain (`None`: a cluster key).
    pub async fn find_key(&self, hash: &str) -> Result<Option<(Option<String>, KeyRecord)>> {
        let client = self.pool.get().await.map_err(pg)?;
        let row = client
            .query_opt(
                &format!("SELECT domain, {KEY_COLUMNS} FROM api_keys WHERE hash = $1 AND revoked_at IS NULL"),
                &[&hash],
            )
            .await?;
        Ok(row.map(|row| (row.get(0), key_record(&row, 1))))
    }

    /// Stores a key of `domain` (`None`: a cluster key); a key with the same hash is replaced
    /// (same secret, new role or domain). Its id.
    pub async fn insert_key(&self, domain: Option<&str>, key: &NewKey) -> Result<i64> {
        let client = self.pool.get().await.map_err(pg)?;
        insert_key(&client, domain, key).await
    }
}

/// Stores a key of `domain` (`None`: a cluster key); a key with the same hash is replaced.
async fn insert_key(
    client: &deadpool_postgres::Object,
    domain: Option<&str>,
    key: &NewKey,
) -> Result<i64> {
    let row = client
        .query_one(
            "INSERT INTO api_keys (domain, hash, label, role, agent, data_download, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (hash) DO UPDATE SET domain = excluded.domain, label = excluded.label,
                role = excluded.role, agent = excluded.agent,
                data_download = excluded.data_download, revoked_at = NULL,
                expires_at = excluded.expires_at
             RETURNING id",
            &[
                &domain,
                &key.hash,
                &key.label,
                &key.role,
                &key.agent,
                &key.data_download,
                &key.created_at,
                &key.expires_at,
            ],
        )
        .await?;
    Ok(row.get(0))
}

const KEY_COLUMNS: &str =
    "id, label, role, agent, data_download, created_at, revoked_at, expires_at";

fn key_record(row: &Row, first: usize) -> KeyRecord {
    KeyRecord {
        id: row.get(first),
        label: row.get(first + 1),
        role: row.get(first + 2),
        agent: row.get(first + 3),
        data_download: row.get(first + 4),
        created_at: row.get(first + 5),
        revoked: row.get::<_, Option<i64>>(first + 6).is_some(),
        expires_at: row.get(first + 7),
    }
}

/// A journal row read as `seq, at, payload`.
fn journal_entry(row: &Row) -> Result<JournalEntry> {
    let seq = row.get::<_, i64>(0) as u64;
    let at = Timestamp(row.get(1));
    let payload: &str = row.get(2);
    let event = serde_json::from_str(payload).map_err(|e| StoreError::Corrupt {
        seq,
        message: e.to_string(),
    })?;
    Ok(JournalEntry {
        seq,
        record: EventRecord { at, event },
    })
}

/// One domain's data, read by any node.
#[derive(Clone)]
pub struct DomainReader {
    pool: Pool,
    domain: String,
}

/// The `meta` key of the last journal entry `contact_entries` covers.
const CONTACT_INDEX_UPTO: &str = "contact_index_upto";

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

    async fn contact_index_upto_with(&self, client: &deadpool_postgres::Object) -> Result<u64> {
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

/// The fence: in the caller's transaction, locks `domain`'s lease row until the commit and
/// checks that `node` still holds it at `epoch` (a new owner's lease update waits for the lock,
/// so an append commits before the epoch moves or is refused after).
async fn fence(
    tx: &tokio_postgres::Transaction<'_>,
    domain: &str,
    node: &str,
    epoch: i64,
) -> Result<()> {
    let holds = tx
        .query_opt(
            "SELECT 1 FROM domain_leases WHERE domain = $1 AND owner = $2 AND epoch = $3
             FOR SHARE",
            &[&domain, &node, &epoch],
        )
        .await?;
    match holds {
        Some(_) => Ok(()),
        None => Err(StoreError::Fenced {
            domain: domain.to_string(),
            epoch,
        }),
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
                .execute(
                    "INSERT INTO journal (domain, seq, at, kind, contact, agent, payload, epoch)
                     SELECT $1, s, a, k, c, g, p, $2
                     FROM UNNEST($3::bigint[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::text[])
                          AS t(s, a, k, c, g, p)",
                    &[&domain, &self.epoch, &seqs, &ats, &kinds, &contacts, &agents, &payloads],
                )
                .await?;
            debug_assert_eq!(inserted as usize, records.len());
            Ok(())
        };
        // The fence, the journal rows and the projection rows go out together, one round trip
        // (PostgreSQL runs them in order in the transaction): if the fence finds another
        // epoch, the rows already sent are rolled back with the transaction, never committed.
        let written = tokio::try_join!(
            fence(&tx, domain, &self.node, self.epoch),
            journal,
            self.projector.apply(&*tx, domain, first, records),
        );
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
            return Err(error);
        }
        self.last_seq = first + records.len() as u64 - 1;
        self.last_at = last_at;
        Ok(first)
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
