//! A node of a cluster: `switchboard serve --store postgres://… --node-id n1`.
//!
//! Several nodes share one PostgreSQL database holding many routing domains. Each domain has
//! one owner at a time (its lease in `domain_leases`); the owner runs the domain's engine
//! exactly as a single node runs its one engine (the same driver, API, streams), writing
//! through a [`DomainWriter`] whose appends the database fences by the lease's epoch.
//!
//! - **Leases** ([`lease_loop`]): every third of the lease time a node records that it is
//!   alive, renews the leases it holds (a lease it no longer holds — taken after it expired,
//!   or its domain deleted — is dropped at once), takes free or expired leases up to its fair
//!   share (domains ÷ live nodes, rounded up) and, when it holds more than that (a node
//!   joined), gives one up per round. On a graceful stop it gives all of them up.
//! - **Any node answers any request** ([`dispatch`]): the request's key names its domain; the
//!   owner serves it, any other node forwards it to the owner (commands, reads and event
//!   streams alike, streamed both ways). While a domain has no owner (failover), a request
//!   waits up to [`MOVE_WAIT`] for one, then gets 503 `domain_moving` with `Retry-After`.

use crate::auth::hash_secret;
use crate::backend::Backend;
use crate::driver::{self, Driver};
use crate::error::{ApiError, ErrorCode};
use crate::{AppState, InputError, feed, serve, shift};
use axum::body::Body;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_store::postgres::{Cluster, DomainWriter, Held, Lease};

/// How long a request waits for its domain to get an owner before 503 `domain_moving`.
pub const MOVE_WAIT: Duration = Duration::from_secs(3);
/// How long a node trusts what it read about a key's domain or a domain's owner.
const CACHE_FOR: Duration = Duration::from_millis(500);
/// The header a forwarded request carries (the forwarding node's id): a node that receives
/// one and does not own the domain answers 503 instead of forwarding again (no loops).
pub const FORWARDED_BY: &str = "x-switchboard-forwarded-by";
/// The role of the keys that manage domains (`/v1/domains`); they belong to no domain.
pub const CLUSTER_ADMIN: &str = "cluster_admin";

/// `switchboard serve --store postgres://…` options.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    pub store: String,
    pub node_id: String,
    /// The URL other nodes forward requests to (`http://host:port`); the listening address
    /// when not given.
    pub advertise: Option<String>,
    pub listen: SocketAddr,
    /// How long a lease lasts without renewal: a dead node's domains move after this.
    pub lease: Duration,
    pub speed: f64,
    pub streams: feed::StreamLimits,
    pub connections: serve::ConnectionLimits,
    /// Database connections of this node's pool.
    pub pool_size: usize,
    /// Configuration files, each naming its domain (`domain = "…"`): applied whenever this
    /// node takes that domain (only what differs from the domain's state is written).
    pub configs: Vec<std::path::PathBuf>,
}

/// A configuration file of one domain: its name and text.
struct DomainConfig {
    file: String,
    text: String,
}

mod domains;
mod route;

/// A domain this node owns and serves.
struct Owned {
    held: Held,
    state: AppState,
    router: axum::Router,
    /// One clone per request being handled here: closing the domain waits for them.
    in_flight: Arc<()>,
    stop: tokio::sync::watch::Sender<bool>,
    engine_thread: Option<std::thread::JoinHandle<()>>,
}

/// The node: what every request and the lease loop share.
pub struct Node {
    cluster: Cluster,
    id: String,
    advertise: String,
    lease: Duration,
    speed: f64,
    streams: feed::StreamLimits,
    metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    owned: tokio::sync::RwLock<BTreeMap<String, Owned>>,
    /// Key hash → (when read, its domain; `None` inside: a cluster key). Unknown keys are
    /// not kept.
    key_domains: Mutex<BTreeMap<String, (Instant, Option<String>)>>,
    owners: Mutex<BTreeMap<String, (Instant, Option<Lease>)>>,
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        Body,
    >,
    /// Configuration files by domain.
    configs: BTreeMap<String, DomainConfig>,
    /// Domains whose driver ended on its own (fenced, unreadable store): the lease loop drops
    /// them.
    lost: tokio::sync::mpsc::UnboundedSender<(String, i64)>,
}

/// A started node.
pub struct RunningNode {
    pub addr: SocketAddr,
    pub node: Arc<Node>,
    pub connections: serve::ConnectionLimits,
    server: tokio::task::JoinHandle<()>,
    leases: tokio::task::JoinHandle<()>,
    /// Ends the lease loop (first, on a graceful stop).
    leases_stop: tokio::sync::watch::Sender<bool>,
    /// Ends the HTTP server (last).
    stop: tokio::sync::watch::Sender<bool>,
}

/// Connects to the database, starts the lease loop and serves.
pub async fn start(options: ClusterOptions) -> anyhow::Result<RunningNode> {
    if !switchboard_store::postgres::valid_domain_name(&options.node_id) {
        return Err(InputError(format!(
            "--node-id {:?}: 1–63 of a-z, 0-9, - and _, starting with a letter",
            options.node_id
        ))
        .into());
    }
    let cluster = Cluster::connect(&options.store, options.pool_size)
        .await
        .map_err(|e| InputError(format!("--store: {e}")))?;
    let configs = read_configs(&cluster, &options.configs).await?;
    let listener = serve::listen(options.listen)
        .map_err(|e| InputError(format!("cannot listen on {}: {e}", options.listen)))?;
    let addr = listener.local_addr()?;
    let advertise = options
        .advertise
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .ok();
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let (lost, lost_rx) = tokio::sync::mpsc::unbounded_channel();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build_http();
    let node = Arc::new(Node {
        cluster,
        id: options.node_id.clone(),
        advertise,
        lease: options.lease,
        speed: options.speed,
        streams: options.streams,
        metrics,
        owned: tokio::sync::RwLock::new(BTreeMap::new()),
        configs,
        key_domains: Mutex::new(BTreeMap::new()),
        owners: Mutex::new(BTreeMap::new()),
        client,
        lost,
    });
    // The first round before serving: a lone node starts with its domains.
    node.round().await;
    let (leases_stop, leases_stopping) = tokio::sync::watch::channel(false);
    let changes = match node.cluster.lease_changes().await {
        Ok(changes) => Some(changes),
        Err(error) => {
            tracing::warn!(%error, "cannot listen for lease changes; relying on the lease rounds");
            None
        }
    };
    let leases = tokio::spawn(lease_loop(node.clone(), lost_rx, changes, leases_stopping));
    let connections = options
        .connections
        .within_open_files(serve::raise_open_file_limit());
    let app = serve::limit_requests(route::router(node.clone()), &connections);
    let server = tokio::spawn(serve::serve(
        listener,
        app,
        connections,
        stopping,
        Duration::from_secs(5),
    ));
    Ok(RunningNode {
        addr,
        node,
        connections,
        server,
        leases,
        leases_stop,
        stop,
    })
}

impl RunningNode {
    /// Stops serving, commits and closes every owned domain and gives its lease up, so other
    /// nodes take the domains at once instead of after the lease time.
    ///
    /// The order keeps every request answered: the node leaves the cluster (the others stop
    /// counting it and are told at once), then hands its domains over one by one while it
    /// still serves HTTP — a request for a domain it gave up is forwarded to the new owner —
    /// and only a second after that (when no node's cached owner names it any more) stops
    /// accepting connections.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.leases_stop.send(true);
        let _ = self.leases.await;
        let _ = self.node.cluster.leave(&self.node.id).await;
        let domains: Vec<String> = self.node.owned.read().await.keys().cloned().collect();
        for domain in domains {
            self.node.close(&domain, true).await;
        }
        // Other nodes may have read this node as an owner up to CACHE_FOR ago: they get
        // `not owner` answers (and look again) until their reads are fresh, instead of a
        // connection closing under a request they forwarded.
        tokio::time::sleep(2 * CACHE_FOR).await;
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.server).await;
        Ok(())
    }
}

/// Reads and checks the configuration files (each must name its domain, which must exist, and
/// no two may name the same one) and stores their keys in their domains.
async fn read_configs(
    cluster: &Cluster,
    paths: &[std::path::PathBuf],
) -> anyhow::Result<BTreeMap<String, DomainConfig>> {
    let mut configs = BTreeMap::new();
    for path in paths {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| InputError(format!("{file}: {e}")))?;
        // Checked against an empty engine here; applied against the domain's own state
        // when a node takes it.
        let parsed = crate::config::ConfigFile::parse(
            &file,
            &text,
            &switchboard_core::engine::Engine::default(),
        )
        .map_err(|e| InputError(e.to_string()))?;
        let Some(domain) = parsed.domain.clone() else {
            return Err(InputError(format!(
                "{file}: domain: missing; on a cluster node every configuration file names its domain (domain = \"…\")"
            ))
            .into());
        };
        if !cluster.domain_exists(&domain).await? {
            return Err(InputError(format!(
                "{file}: domain: no domain {domain:?} (switchboard domains create {domain})"
            ))
            .into());
        }
        let reader = cluster.domain(&domain);
        for (index, key) in parsed.keys.iter().enumerate() {
            let role: crate::auth::Role = key.role.parse().map_err(InputError)?;
            let hash = match (&key.secret, &key.sha256) {
                (Some(secret), _) => hash_secret(secret),
                (None, Some(hash)) => hash.to_lowercase(),
                (None, None) => unreachable!("checked by ConfigFile::parse"),
            };
            if let Some(id) = reader.revoked_key(&hash).await? {
                return Err(InputError(format!(
                    "{file}: keys[{index}]: this key was revoked (key {id}); remove it from the file or give it a new secret"
                ))
                .into());
            }
            reader
                .insert_key(&switchboard_store::NewKey {
                    hash,
                    label: key
                        .label
                        .clone()
                        .unwrap_or_else(|| format!("config: {}", role.as_str())),
                    role: role.as_str().into(),
                    agent: key.agent.clone(),
                    data_download: key.data_download || role == crate::auth::Role::Admin,
                    created_at: crate::clock::wall_ms(),
                    expires_at: key.expires_at_ms(),
                })
                .await?;
        }
        if let Some(other) = configs.insert(
            domain.clone(),
            DomainConfig {
                file: file.clone(),
                text,
            },
        ) {
            return Err(InputError(format!(
                "{file}: domain: {domain:?} is configured by {} already",
                other.file
            ))
            .into());
        }
    }
    Ok(configs)
}

/// Renews, takes and gives up leases every third of the lease time until the node stops.
async fn lease_loop(
    node: Arc<Node>,
    mut lost: tokio::sync::mpsc::UnboundedReceiver<(String, i64)>,
    mut changes: Option<switchboard_store::postgres::LeaseChanges>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(node.lease / 3);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let change = async {
            match &mut changes {
                Some(listening) => listening.changes.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tick.tick() => node.round().await,
            notice = change => match notice {
                // Another node gave a lease up or left, or a domain was created: take what
                // is free now, not a third of a lease later.
                Some(_) => node.round().await,
                None => {
                    tracing::warn!("the lease-change listener stopped; relying on the lease rounds");
                    changes = None;
                }
            },
            Some((domain, epoch)) = lost.recv() => {
                let current = node.owned.read().await.get(&domain).map(|o| o.held.epoch);
                if current == Some(epoch) {
                    node.close(&domain, false).await;
                }
            }
            _ = async { let _ = stopping.wait_for(|stop| *stop).await; } => return,
        }
    }
}

impl Node {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The domains this node serves now.
    pub async fn owned(&self) -> Vec<Held> {
        self.owned
            .read()
            .await
            .values()
            .map(|o| o.held.clone())
            .collect()
    }

    /// One round of the lease loop.
    async fn round(self: &Arc<Self>) {
        let live = match self
            .cluster
            .heartbeat(&self.id, &self.advertise, self.lease)
            .await
        {
            Ok(live) => live,
            Err(error) => {
                tracing::warn!(%error, "cannot reach the database to renew leases");
                return;
            }
        };
        if !self.renew().await {
            return;
        }
        let Ok(domains) = self.cluster.domain_count().await else {
            return;
        };
        let nodes = live.len().max(1) as u64;
        let share = domains.div_ceil(nodes) as usize;
        let holding = self.owned.read().await.len();
        if holding < share {
            match self
                .cluster
                .acquire(&self.id, &self.advertise, self.lease, share - holding)
                .await
            {
                Ok(taken) => {
                    for held in taken {
                        if let Err(error) = self.open(held.clone()).await {
                            tracing::error!(%error, domain = %held.domain, "cannot open the domain; giving it up");
                            let _ = self.cluster.release(&self.id, &held).await;
                        }
                        // Loading a long journal may take a while: renew what this node
                        // holds after each domain, so no lease runs out meanwhile.
                        self.renew().await;
                    }
                }
                Err(error) => tracing::warn!(%error, "taking leases failed"),
            }
        } else if holding > share && nodes > 1 {
            // A node joined: give one domain up per round, so domains move one at a time.
            let last = self.owned.read().await.keys().next_back().cloned();
            if let Some(domain) = last {
                tracing::info!(%domain, "rebalancing: giving the domain up");
                self.close(&domain, true).await;
            }
        }
    }

    /// Renews the leases this node holds and drops the domains whose lease it lost; false
    /// when the database could not be asked.
    async fn renew(&self) -> bool {
        let held = self.owned().await;
        match self.cluster.renew(&self.id, &held, self.lease).await {
            Ok(kept) => {
                for gone in held.iter().filter(|h| !kept.contains(h)) {
                    tracing::warn!(domain = %gone.domain, epoch = gone.epoch, "lease lost; dropping the domain");
                    self.close(&gone.domain, false).await;
                }
                true
            }
            Err(error) => {
                tracing::warn!(%error, "lease renewal failed; trying again next round");
                false
            }
        }
    }

    /// Loads a domain whose lease this node just took and starts serving it.
    async fn open(self: &Arc<Self>, held: Held) -> anyhow::Result<()> {
        let started = Instant::now();
        let runtime = tokio::runtime::Handle::current();
        let writer =
            DomainWriter::open(&self.cluster, &held.domain, &self.id, held.epoch, runtime).await?;
        let reader = writer.reader().clone();
        let shifts = Arc::new(shift::Shifts::default());
        let loading = shifts.clone();
        // The replay blocks on the database: off the async threads.
        let (engine, writer) = tokio::task::spawn_blocking(move || {
            driver::load_engine(&writer, &loading).map(|engine| (engine, writer))
        })
        .await??;
        let clock: Arc<dyn crate::clock::Clock> =
            Arc::new(crate::clock::SystemClock::new(self.speed).not_before(engine.now()));
        let lost = self.lost.clone();
        let (domain, epoch) = (held.domain.clone(), held.epoch);
        let streams = self.streams;
        let (thread_shifts, thread_clock) = (shifts.clone(), clock.clone());
        // The driver reads the latest snapshot's position as it starts: off the async threads.
        let (driver, engine_thread) = tokio::task::spawn_blocking(move || {
            Driver::start_owned(
                Box::new(writer),
                engine,
                thread_shifts,
                thread_clock,
                feed::Feed::new(streams),
                Some(Box::new(move |_reason| {
                    let _ = lost.send((domain, epoch));
                })),
            )
        })
        .await??;
        if let Some(config) = self.configs.get(&held.domain) {
            // What the file changes in the domain as it is now, in order, many at a time.
            let changes = driver
                .read({
                    let (file, text) = (config.file.clone(), config.text.clone());
                    move |engine| {
                        crate::config::ConfigFile::parse(&file, &text, engine)
                            .map(|parsed| parsed.changes(engine))
                    }
                })
                .await?;
            match changes {
                Ok(changes) => {
                    for chunk in changes.chunks(1024) {
                        let answers = chunk
                            .iter()
                            .map(|command| driver.submit(command.clone(), driver::Actor::Trusted))
                            .collect::<Result<Vec<_>, _>>()?;
                        for answer in futures_util::future::join_all(answers).await {
                            if let Err(error) = answer {
                                tracing::error!(%error, domain = %held.domain, file = %config.file, "a configuration change was refused");
                            }
                        }
                    }
                }
                Err(error) => {
                    tracing::error!(%error, domain = %held.domain, "the configuration file does not fit the domain's state; serving without it")
                }
            }
        }
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let state = AppState {
            driver,
            keys: Arc::new(crate::auth::Keys::postgres(reader.clone())),
            backend: Backend::Postgres(reader),
            metrics: self.metrics.clone(),
            shift: shifts,
            stopping,
            clock,
            speed: self.speed,
            epoch: Some(held.epoch),
        };
        let router = crate::app(state.clone());
        tracing::info!(domain = %held.domain, epoch = held.epoch, ms = started.elapsed().as_millis() as u64, "serving the domain");
        self.owned.write().await.insert(
            held.domain.clone(),
            Owned {
                held,
                state,
                router,
                in_flight: Arc::new(()),
                stop,
                engine_thread: Some(engine_thread),
            },
        );
        Ok(())
    }

    /// Stops serving `domain`: its streams end, its engine thread commits what it holds and
    /// stops; with `release`, the lease is given up for another node to take at once.
    async fn close(&self, domain: &str, release: bool) {
        let Some(mut owned) = self.owned.write().await.remove(domain) else {
            return;
        };
        // Streams end; requests already inside get their answers before the engine stops.
        let _ = owned.stop.send(true);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Arc::strong_count(&owned.in_flight) > 1 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        owned.state.driver.shutdown().await;
        if let Some(thread) = owned.engine_thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        if release {
            let _ = self.cluster.release(&self.id, &owned.held).await;
        }
        self.owners.lock().expect("owners").remove(domain);
    }

    /// The domain of the key with this hash; `Some(None)` for a cluster key, `None` when no
    /// live key has it.
    async fn key_domain(&self, hash: &str) -> Result<Option<Option<String>>, ApiError> {
        if let Some((read, domain)) = self.key_domains.lock().expect("keys").get(hash)
            && read.elapsed() < CACHE_FOR
        {
            return Ok(Some(domain.clone()));
        }
        let found = self
            .cluster
            .find_key(hash)
            .await
            .map_err(|e| ApiError::new(ErrorCode::StorageUnavailable, e.to_string()))?;
        let mut cache = self.key_domains.lock().expect("keys");
        if cache.len() > crate::auth::KEY_CACHE_ENTRIES {
            cache.clear();
        }
        Ok(match found {
            Some((domain, _)) => {
                cache.insert(hash.to_string(), (Instant::now(), domain.clone()));
                Some(domain)
            }
            None => {
                cache.remove(hash);
                None
            }
        })
    }

    /// The domain's live owner, as the database said at most [`CACHE_FOR`] ago.
    async fn owner(&self, domain: &str, fresh: bool) -> Option<Lease> {
        if !fresh
            && let Some((read, lease)) = self.owners.lock().expect("owners").get(domain)
            && read.elapsed() < CACHE_FOR
        {
            return lease.clone();
        }
        let lease = self.cluster.owner(domain).await.ok().flatten();
        self.owners
            .lock()
            .expect("owners")
            .insert(domain.to_string(), (Instant::now(), lease.clone()));
        lease
    }
}
