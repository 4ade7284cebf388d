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
mod reader;
mod writer;

pub use reader::DomainReader;
pub use writer::DomainWriter;

use crate::{JournalEntry, KeyRecord, NewKey, Result, StoreError};
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

pub(crate) fn pg(error: deadpool_postgres::PoolError) -> StoreError {
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
pub(crate) async fn insert_key(
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

pub(crate) const KEY_COLUMNS: &str =
    "id, label, role, agent, data_download, created_at, revoked_at, expires_at";

pub(crate) fn key_record(row: &Row, first: usize) -> KeyRecord {
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
pub(crate) fn journal_entry(row: &Row) -> Result<JournalEntry> {
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
