//! `switchboard serve`, `keys`, `backup` (and the shared parts of `demo`).

use crate::sim_cmd::InputError;
use anyhow::Context;
use clap::{Args, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use switchboard_server::auth::{self, Role};
use switchboard_server::serve::ConnectionLimits;
use switchboard_server::{ServeOptions, shutdown_signal};
use switchboard_store::{Durability, Store};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Configuration file (TOML): settings, queues, agents, stations, keys. See docs/api.md.
    /// With --store, once per domain (each file names its domain).
    #[arg(long, value_name = "FILE")]
    config: Vec<PathBuf>,
    /// Data directory (the embedded store); created if missing.
    #[arg(long, value_name = "DIR", default_value = "./switchboard-data")]
    data: PathBuf,
    /// Address to listen on (port 0: any free port, printed at start).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Run the engine's clock N times faster than real time (tests and demos only: offer
    /// time-outs, wrap-up limits and recall intervals all shrink).
    #[arg(long, value_name = "N", default_value_t = 1.0, value_parser = parse_speed, hide = true)]
    speed: f64,
    /// Open connections at most, event streams included (lowered to the open-file limit
    /// less 256); one more is answered 503 too_many_connections and closed.
    #[arg(long, value_name = "N", default_value_t = ConnectionLimits::default().max_connections as u32,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_connections: u32,
    /// Requests handled at once at most; one more is answered 503 server_busy.
    #[arg(long, value_name = "N", default_value_t = ConnectionLimits::default().max_in_flight as u32,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_in_flight: u32,
    /// Run as a node of a cluster over this PostgreSQL database (`postgres://user@host/db`)
    /// instead of the embedded store in --data: many routing domains, each served by one node
    /// at a time (see docs/operations.md).
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    /// This node's name in the cluster (with --store): unique among the nodes.
    #[arg(long, value_name = "NAME", requires = "store")]
    node_id: Option<String>,
    /// The URL other nodes forward requests to (with --store); default: http:// and the
    /// listening address.
    #[arg(long, value_name = "URL", requires = "store")]
    advertise: Option<String>,
    /// How long a domain's lease lasts without renewal (with --store), in milliseconds: a
    /// node that dies loses its domains after this. Renewed every third of it.
    #[arg(long, value_name = "MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(300..=600_000))]
    lease_ms: u64,
    /// Database connections this node keeps (with --store).
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(2..=1000))]
    pool_size: u32,
}

pub fn parse_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(speed) if speed > 0.0 && speed <= 10_000.0 => Ok(speed),
        _ => Err(format!(
            "{text:?}: the speed must be a number above 0 and at most 10000"
        )),
    }
}

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    action: KeysAction,
}

#[derive(Debug, Subcommand)]
enum KeysAction {
    /// Make a new API key and print it (once: only its hash is stored).
    Create {
        /// admin, supervisor, agent or connector; with --store also cluster-admin (a key
        /// of no domain that manages domains: /v1/domains).
        #[arg(long, value_parser = parse_key_role)]
        role: KeyRole,
        /// The agent an agent key acts as.
        #[arg(long, value_name = "ID")]
        agent: Option<String>,
        /// Grant the Data Download View permission (reports); admin keys always have it.
        #[arg(long)]
        data_download: bool,
        /// A note to tell keys apart.
        #[arg(long, default_value = "")]
        label: String,
        /// The key stops working this long after now: `8h`, `30 days`, `1 week 2 days`.
        #[arg(long, value_name = "DURATION", value_parser = parse_expires_in, conflicts_with = "expires_at")]
        expires_in: Option<jiff::SignedDuration>,
        /// The key stops working at this time (RFC 3339: `2027-01-01T00:00:00Z`).
        #[arg(long, value_name = "TIME")]
        expires_at: Option<jiff::Timestamp>,
        #[arg(long, value_name = "DIR", default_value = "./switchboard-data")]
        data: PathBuf,
        #[command(flatten)]
        cluster: ClusterKeyArgs,
    },
    /// List keys (never their secrets).
    List {
        #[arg(long, value_name = "DIR", default_value = "./switchboard-data")]
        data: PathBuf,
        #[command(flatten)]
        cluster: ClusterKeyArgs,
    },
    /// Revoke a key by its id.
    Revoke {
        id: i64,
        #[arg(long, value_name = "DIR", default_value = "./switchboard-data")]
        data: PathBuf,
        #[command(flatten)]
        cluster: ClusterKeyArgs,
    },
}

/// Keys of a cluster (instead of a data directory).
#[derive(Debug, Args)]
pub struct ClusterKeyArgs {
    /// The cluster's PostgreSQL database (`serve --store`) instead of --data.
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    /// The routing domain the key belongs to (with --store; every key but a cluster-admin
    /// key belongs to one).
    #[arg(long, value_name = "NAME", requires = "store")]
    domain: Option<String>,
}

/// A key's role: one of a domain's, or the cluster's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    Domain(Role),
    ClusterAdmin,
}

fn parse_key_role(text: &str) -> Result<KeyRole, String> {
    if text == "cluster-admin" || text == switchboard_server::cluster::CLUSTER_ADMIN {
        return Ok(KeyRole::ClusterAdmin);
    }
    text.parse()
        .map(KeyRole::Domain)
        .map_err(|e: String| format!("{e}; with --store also cluster-admin"))
}

/// A positive length of time; days and weeks are 24 hours and 7 days long.
fn parse_expires_in(text: &str) -> Result<jiff::SignedDuration, String> {
    let span: jiff::Span = text
        .parse()
        .map_err(|e| format!("{text:?} is not a duration such as 8h or 30 days: {e}"))?;
    let duration = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map_err(|e| format!("{text:?}: {e} (months and years have no fixed length)"))?;
    if duration.is_positive() {
        Ok(duration)
    } else {
        Err(format!("{text:?} is not after now"))
    }
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Data directory to copy (may be in use by a running server).
    #[arg(long, value_name = "DIR", default_value = "./switchboard-data")]
    data: PathBuf,
    /// The copy: a complete SQLite database file.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("while starting the async runtime")
}

fn input(error: impl std::fmt::Display) -> anyhow::Error {
    InputError(error.to_string()).into()
}

/// Starts the server and runs it until Ctrl-C or SIGTERM.
pub fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    init_logging();
    if let Some(store) = &args.store {
        return serve_node(args, store);
    }
    if args.config.len() > 1 {
        return Err(input(
            "--config: a single node takes one configuration file (several, one per domain, with --store)",
        ));
    }
    let options = ServeOptions {
        config: args.config.first().cloned(),
        data: args.data.clone(),
        listen: args.listen,
        speed: args.speed,
        durability: Durability::Full,
        streams: Default::default(),
        connections: ConnectionLimits {
            max_connections: args.max_connections as usize,
            max_in_flight: args.max_in_flight as usize,
            ..ConnectionLimits::default()
        },
    };
    runtime()?.block_on(async {
        let running = start(options).await?;
        let stop = shutdown_signal().context("while installing the signal handlers")?;
        println!("switchboard: listening on http://{}", running.addr);
        println!("switchboard: API docs at http://{}/docs", running.addr);
        println!(
            "switchboard: at most {} connections, {} requests at once",
            running.connections.max_connections, running.connections.max_in_flight
        );
        stop.await;
        eprintln!("switchboard: shutting down");
        running.shutdown().await
    })
}

/// `serve --store postgres://…`: one node of a cluster.
fn serve_node(args: &ServeArgs, store: &str) -> anyhow::Result<()> {
    let Some(node_id) = args.node_id.clone() else {
        return Err(input(
            "--store needs --node-id NAME (unique among the cluster's nodes)",
        ));
    };
    let options = switchboard_server::cluster::ClusterOptions {
        store: store.to_string(),
        node_id,
        advertise: args.advertise.clone(),
        listen: args.listen,
        lease: std::time::Duration::from_millis(args.lease_ms),
        speed: args.speed,
        streams: Default::default(),
        connections: ConnectionLimits {
            max_connections: args.max_connections as usize,
            max_in_flight: args.max_in_flight as usize,
            ..ConnectionLimits::default()
        },
        pool_size: args.pool_size as usize,
        configs: args.config.clone(),
    };
    runtime()?.block_on(async {
        let running =
            switchboard_server::cluster::start(options)
                .await
                .map_err(
                    |error| match error.downcast::<switchboard_server::InputError>() {
                        Ok(input_error) => input(input_error),
                        Err(other) => other,
                    },
                )?;
        let stop = shutdown_signal().context("while installing the signal handlers")?;
        println!("switchboard: listening on http://{}", running.addr);
        println!(
            "switchboard: node {} of the cluster; API docs at http://{}/docs",
            running.node.id(),
            running.addr
        );
        stop.await;
        eprintln!("switchboard: shutting down; giving the domains up");
        running.shutdown().await
    })
}

pub async fn start(options: ServeOptions) -> anyhow::Result<switchboard_server::Running> {
    switchboard_server::start(options).await.map_err(|error| {
        match error.downcast::<switchboard_server::InputError>() {
            Ok(input_error) => input(input_error),
            Err(other) => other,
        }
    })
}

pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

pub fn keys(args: &KeysArgs) -> anyhow::Result<()> {
    if let KeysAction::Create { cluster, .. }
    | KeysAction::List { cluster, .. }
    | KeysAction::Revoke { cluster, .. } = &args.action
        && let Some(store) = &cluster.store
    {
        return crate::cluster_cmd::keys(&args.action_view(), store, cluster.domain.as_deref());
    }
    match &args.action {
        KeysAction::Create {
            role,
            agent,
            data_download,
            label,
            expires_in,
            expires_at,
            data,
            cluster: _,
        } => {
            let KeyRole::Domain(role) = role else {
                return Err(input(
                    "--role cluster-admin needs --store (a cluster's database)",
                ));
            };
            let now = now_ms();
            let expires_at = key_expiry(now, expires_in, expires_at);
            let store = Store::open(data, Durability::Full).map_err(input)?;
            if let Some(name) = agent {
                require_agent(&store, data, name)?;
            }
            let agent = agent.as_deref().map(switchboard_core::ids::AgentId::new);
            let secret = auth::generate_secret()?;
            let id = auth::store_key(
                &store,
                &secret,
                *role,
                agent.as_ref(),
                *data_download,
                label,
                now,
                expires_at,
            )
            .map_err(input)?;
            let until = expires_at.map_or(String::new(), |at| {
                format!(", working until {}", switchboard_server::clock::rfc3339(at))
            });
            eprintln!(
                "switchboard: key {id} ({}) created{until}; it is shown only now:",
                role.as_str()
            );
            println!("{secret}");
            Ok(())
        }
        KeysAction::List { data, .. } => {
            let store = Store::open_existing(data).map_err(input)?;
            print_keys(&store.keys()?);
            Ok(())
        }
        KeysAction::Revoke { id, data, .. } => {
            let store = Store::open_existing(data).map_err(input)?;
            if store.revoke_key(*id, now_ms())? {
                eprintln!("switchboard: key {id} revoked");
                Ok(())
            } else {
                Err(input(format!("no live key with id {id}")))
            }
        }
    }
}

/// An agent key acts as its agent, so the agent must exist: in the engine as the journal
/// leaves it (the same replay `serve` starts from, so a running server and a stopped one
/// give the same answer). A key for an unknown id would otherwise wait in the store to act
/// as whoever is later given that id.
fn require_agent(store: &Store, data: &std::path::Path, name: &str) -> anyhow::Result<()> {
    let shifts = switchboard_server::shift::Shifts::default();
    let engine = switchboard_server::driver::load_engine(store, &shifts)
        .context("while replaying the journal")?;
    if engine.agent_configs().any(|a| a.id.as_str() == name) {
        return Ok(());
    }
    Err(input(format!(
        "--agent {name:?}: no such agent in {}; configure it first (configuration file or PUT /v1/agents/{name})",
        data.display()
    )))
}

pub fn backup(args: &BackupArgs) -> anyhow::Result<()> {
    let store = Store::open_existing(&args.data).map_err(input)?;
    if args.out.exists() {
        return Err(input(format!(
            "{}: already exists; the backup will not overwrite a file",
            args.out.display()
        )));
    }
    store
        .backup(&args.out)
        .with_context(|| format!("while writing {}", args.out.display()))?;
    eprintln!(
        "switchboard: {} entries backed up to {}",
        store.last_seq(),
        args.out.display()
    );
    Ok(())
}

/// `keys list`'s table (never a secret).
pub fn print_keys(keys: &[switchboard_store::KeyRecord]) {
    println!("id\trole\tagent\tdata_download\trevoked\texpires\tlabel");
    for key in keys {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            key.id,
            key.role,
            key.agent.as_deref().unwrap_or("-"),
            key.data_download,
            key.revoked,
            key.expires_at
                .map_or("-".to_string(), switchboard_server::clock::rfc3339),
            key.label
        );
    }
}

/// When a key made now stops working: `--expires-in` from now, or `--expires-at`.
fn key_expiry(
    now: i64,
    expires_in: &Option<jiff::SignedDuration>,
    expires_at: &Option<jiff::Timestamp>,
) -> Option<i64> {
    match (expires_in, expires_at) {
        (Some(after), _) => Some(now.saturating_add(after.as_millis() as i64)),
        (None, Some(at)) => Some(at.as_millisecond()),
        (None, None) => None,
    }
}

/// What `keys` was asked, for the cluster's key commands.
pub enum KeysView<'a> {
    Create {
        role: KeyRole,
        agent: Option<&'a str>,
        data_download: bool,
        label: &'a str,
        expires_at: Option<i64>,
    },
    List,
    Revoke(i64),
}

impl KeysArgs {
    fn action_view(&self) -> KeysView<'_> {
        match &self.action {
            KeysAction::Create {
                role,
                agent,
                data_download,
                label,
                expires_in,
                expires_at,
                ..
            } => KeysView::Create {
                role: *role,
                agent: agent.as_deref(),
                data_download: *data_download,
                label,
                expires_at: key_expiry(now_ms(), expires_in, expires_at),
            },
            KeysAction::List { .. } => KeysView::List,
            KeysAction::Revoke { id, .. } => KeysView::Revoke(*id),
        }
    }
}
