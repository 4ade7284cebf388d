//! Switchboard's server: `switchboard serve` (and, through `switchboard-demo`, `switchboard demo`).
//!
//! - `driver`: the one thread that owns the engine; group commit to the store; acknowledges
//!   a command only after its events are durable; publishes them.
//! - `api`: the HTTP API (axum), one module per resource; `events`: the SSE stream;
//!   `reports`: the data downloads.
//! - `auth`: API keys; `roles`: typed keys (extractors) per role; `extract`: JSON bodies,
//!   query parameters and path ids with JSON errors; `names`: names from requests, looked up
//!   and never interned; `error`: the error table (stable codes, statuses, response sets).
//! - `wire`: schemas of the event stream's messages.
//! - `doc`: the OpenAPI document (what the derives cannot say is finished there).
//! - `config`: the TOML configuration file; `shift`: supervisor counters per queue.
//!
//! Only this crate knows HTTP and the JSON wire types; the engine (`switchboard-core`) stays
//! pure and the store (`switchboard-store`) knows nothing of HTTP.

pub mod api;
pub mod auth;
pub mod backend;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod doc;
pub mod driver;
pub mod error;
pub mod events;
pub mod extract;
pub mod feed;
pub mod names;
pub mod reports;
pub mod roles;
pub mod serve;
pub mod shift;
pub mod web;
pub(crate) mod wire;

use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    pub driver: driver::Driver,
    pub keys: Arc<auth::Keys>,
    /// Where the domain's journal and report tables are read from.
    pub backend: backend::Backend,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    pub shift: Arc<shift::Shifts>,
    /// Turns true when the server stops: open event streams end with `shutting_down`.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// The engine's clock, and how much faster than real time it runs (`--speed`): pages
    /// count down offers and wrap-ups on this clock, not the browser's.
    pub clock: Arc<dyn clock::Clock>,
    pub speed: f64,
    /// The domain's lease epoch on a cluster node (`None` on a single node): every
    /// `connector_request` carries it, so a connector can ignore a deposed owner's requests.
    pub epoch: Option<i64>,
}

/// The OpenAPI 3.1 document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    doc::routes().1
}

/// The whole HTTP application.
pub fn app(state: AppState) -> axum::Router {
    let (router, api) = doc::routes();
    let api = Arc::new(api);
    let docs = api.clone();
    router
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let api = api.clone();
                async move { axum::Json((*api).clone()) }
            }),
        )
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/docs").url("/docs/openapi.json", (*docs).clone()),
        )
        .route("/", axum::routing::get(index))
        .merge(web::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn(extract::read_body_first))
        .with_state(state)
}

/// Largest request body accepted (larger: 413 `payload_too_large`).
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

pub(crate) async fn method_not_allowed() -> error::ApiError {
    error::ApiError::new(
        error::ErrorCode::MethodNotAllowed,
        "this endpoint does not take that method; see /docs",
    )
}

async fn not_found() -> error::ApiError {
    error::ApiError::new(error::ErrorCode::NotFound, "no such endpoint; see /docs")
}

pub(crate) async fn index() -> axum::response::Html<&'static str> {
    axum::response::Html(include_str!("../assets/index.html"))
}

/// Folds the histograms' raw samples into their summaries. The recorder keeps every sample
/// until this runs (or `/metrics` is read), so without it a server nobody scrapes would grow
/// by two samples a commit for good.
async fn metrics_upkeep(
    handle: metrics_exporter_prometheus::PrometheusHandle,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => handle.run_upkeep(),
            _ = stopping.wait_for(|stop| *stop) => return,
        }
    }
}

/// `switchboard serve` options.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub config: Option<PathBuf>,
    pub data: PathBuf,
    pub listen: SocketAddr,
    /// Clock speed (1 = real time; the demo runs faster).
    pub speed: f64,
    pub durability: switchboard_store::Durability,
    /// Event stream budgets per key and role, and how far a stream may fall behind.
    pub streams: feed::StreamLimits,
    /// Connections, requests in flight and time-outs.
    pub connections: serve::ConnectionLimits,
}

/// A started server.
pub struct Running {
    pub addr: SocketAddr,
    /// `serve.lock` in the data directory, locked while the server runs.
    _serving: std::fs::File,
    pub state: AppState,
    /// The bounds in force (the connection cap lowered to the open-file limit).
    pub connections: serve::ConnectionLimits,
    server: tokio::task::JoinHandle<()>,
    engine_thread: std::thread::JoinHandle<()>,
    stop: tokio::sync::watch::Sender<bool>,
}

/// The file in the data directory a running server holds locked (`File::try_lock`): one
/// server per data directory, and tools (`switchboard dnc`) know whether one runs.
pub const LOCK_FILE: &str = "serve.lock";
/// The file in the data directory with the running server's address.
pub const ADDR_FILE: &str = "serve.addr";

/// Locks the data directory for this server; refused while another server runs on it.
fn lock_data_dir(data: &std::path::Path) -> anyhow::Result<std::fs::File> {
    std::fs::create_dir_all(data).map_err(|e| InputError(format!("{}: {e}", data.display())))?;
    let path = data.join(LOCK_FILE);
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(InputError(format!(
            "{}: another switchboard serve uses this data directory",
            data.display()
        ))
        .into()),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(InputError(format!("{}: {e}", path.display())).into())
        }
    }
}

/// A bad configuration or data directory: exit status 2, not 1.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// A key of the configuration file that was revoked (`switchboard keys revoke`) stays
/// revoked: storing it again would quietly bring back a key someone took away, so the file
/// and the store disagree and the server does not start until the file is fixed.
fn refuse_revoked_keys(
    store: &switchboard_store::Store,
    config: &config::ConfigFile,
    file: &str,
    text: &str,
) -> anyhow::Result<()> {
    let lines = switchboard_sim::toml_lines::Lines::new(text);
    for (index, key) in config.keys.iter().enumerate() {
        let hash = match (&key.secret, &key.sha256) {
            (Some(secret), _) => auth::hash_secret(secret),
            (None, Some(hash)) => hash.to_lowercase(),
            (None, None) => continue,
        };
        if let Some(id) = store.revoked_key(&hash)? {
            let field = format!("keys[{index}]");
            let at = lines
                .line_of(&field)
                .map_or_else(|| file.to_string(), |line| format!("{file}:{line}"));
            return Err(InputError(format!(
                "{at}: {field}: this key was revoked (key {id}, `switchboard keys revoke`); remove it from the file or give it a new secret"
            ))
            .into());
        }
    }
    Ok(())
}

/// Opens the store, loads the engine and the configuration, binds the listener and starts
/// serving. Returns once the server accepts connections.
pub async fn start(options: ServeOptions) -> anyhow::Result<Running> {
    // Before the store is touched: a second server must not migrate or write it.
    let serving = lock_data_dir(&options.data)?;
    let store = switchboard_store::Store::open(&options.data, options.durability)
        .map_err(|e| InputError(format!("{}: {e}", options.data.display())))?;
    let shifts = Arc::new(shift::Shifts::default());
    let engine = driver::load_engine(&store, &shifts).context("while replaying the journal")?;
    let config = match &options.config {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
            let file = path.display().to_string();
            let parsed = config::ConfigFile::parse(&file, &text, &engine)
                .map_err(|e| InputError(e.to_string()))?;
            if let Some(domain) = parsed.domain.as_deref()
                && domain != switchboard_store::postgres::DEFAULT_DOMAIN
            {
                let at = switchboard_sim::toml_lines::Lines::new(&text)
                    .line_of("domain")
                    .map_or_else(|| file.clone(), |line| format!("{file}:{line}"));
                return Err(InputError(format!(
                    "{at}: domain: {domain:?}: a single node serves only the domain \"default\"; \
                     other domains need the cluster store (serve --store postgres://…)"
                ))
                .into());
            }
            Some((parsed, file, text))
        }
    };
    if let Some((config, file, text)) = &config {
        refuse_revoked_keys(&store, config, file, text)?;
        let now = clock::SystemClock::new(1.0);
        use clock::Clock as _;
        // One transaction for all the file's keys: one commit each would take minutes for
        // a centre with 20,000 agent keys.
        let keys_written = store.connection().unchecked_transaction()?;
        for key in &config.keys {
            let role: auth::Role = key.role.parse().map_err(InputError)?;
            let agent = key
                .agent
                .as_deref()
                .map(switchboard_core::ids::AgentId::new);
            let label = key
                .label
                .clone()
                .unwrap_or_else(|| format!("config: {}", role.as_str()));
            let expires_at = key.expires_at_ms();
            match (&key.secret, &key.sha256) {
                (Some(secret), _) => {
                    auth::store_key(
                        &store,
                        secret,
                        role,
                        agent.as_ref(),
                        key.data_download,
                        &label,
                        now.now().0,
                        expires_at,
                    )?;
                }
                (None, Some(hash)) => {
                    store.insert_key(&switchboard_store::NewKey {
                        hash: hash.to_lowercase(),
                        label,
                        role: role.as_str().into(),
                        agent: key.agent.clone(),
                        data_download: key.data_download || role == auth::Role::Admin,
                        created_at: now.now().0,
                        expires_at,
                    })?;
                }
                (None, None) => unreachable!("checked by ConfigFile::parse"),
            }
        }
        keys_written.commit()?;
    }
    let changes = config
        .as_ref()
        .map(|(c, _, _)| c.changes(&engine))
        .unwrap_or_default();
    let keys = Arc::new(auth::Keys::new(switchboard_store::Store::open_existing(
        &options.data,
    )?));
    let clock: Arc<dyn clock::Clock> =
        Arc::new(clock::SystemClock::new(options.speed).not_before(engine.now()));
    let (driver, engine_thread) = driver::Driver::start(
        Box::new(store),
        engine,
        shifts.clone(),
        clock.clone(),
        feed::Feed::new(options.streams),
    )?;
    // In order, but many at a time, so that they are committed in groups (the driver takes
    // its inbox in order): one commit per item would take minutes for 20,000 agents.
    for chunk in changes.chunks(1024) {
        let configuration = |e: driver::CommandError| InputError(format!("configuration: {e}"));
        let answers = chunk
            .iter()
            .map(|command| driver.submit(command.clone(), driver::Actor::Trusted))
            .collect::<Result<Vec<_>, _>>()
            .map_err(configuration)?;
        for result in futures_util::future::join_all(answers).await {
            result.map_err(configuration)?;
        }
    }
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .ok();
    let (stop, stopping) = tokio::sync::watch::channel(false);
    if let Some(handle) = metrics.clone() {
        tokio::spawn(metrics_upkeep(handle, stopping.clone()));
    }
    let state = AppState {
        stopping: stopping.clone(),
        driver,
        keys,
        backend: backend::Backend::Sqlite(options.data.clone()),
        metrics,
        shift: shifts,
        clock,
        speed: options.speed,
        epoch: None,
    };
    let listener = serve::listen(options.listen)
        .map_err(|e| InputError(format!("cannot listen on {}: {e}", options.listen)))?;
    let addr = listener.local_addr()?;
    // Where `switchboard dnc` finds this server (it holds `serve.lock` while it runs).
    std::fs::write(options.data.join(ADDR_FILE), addr.to_string())
        .with_context(|| format!("while writing {}", options.data.join(ADDR_FILE).display()))?;
    // Replaying a long journal and checking a large configuration (on a copy of the engine)
    // leave much freed memory behind: hand it back before serving.
    serve::trim_heap();
    let connections = options
        .connections
        .within_open_files(serve::raise_open_file_limit());
    let app = serve::limit_requests(app(state.clone()), &connections);
    let server = tokio::spawn(serve::serve(
        listener,
        app,
        connections,
        stopping,
        std::time::Duration::from_secs(5),
    ));
    Ok(Running {
        addr,
        _serving: serving,
        state,
        connections,
        server,
        engine_thread,
        stop,
    })
}

impl Running {
    /// Stops accepting, lets in-flight requests finish, commits and stops the engine thread.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        // Open event streams would hold the graceful shutdown forever: give requests a moment.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), self.server).await;
        self.state.driver.shutdown().await;
        let _ = tokio::task::spawn_blocking(move || self.engine_thread.join()).await;
        Ok(())
    }
}

/// A future that resolves on Ctrl-C or SIGTERM. The handlers are installed when this is
/// called, not when the future is first polled, so a signal that arrives right after the
/// server announces itself stops it gracefully instead of killing it with the default action.
/// Call it inside the runtime, before printing the address.
pub fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => {},
                _ = interrupt.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
