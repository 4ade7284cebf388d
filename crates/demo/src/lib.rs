//! `switchboard demo`: the demo configuration (`assets/demo.toml`), fresh API keys, and
//! simulated live traffic played against the running server in real time (scaled by the
//! clock speed).
//!
//! The traffic is one task, the *director*, that plays the simulated people of
//! `assets/people.toml` — the simulator's model of them (`switchboard_sim::people`), the same
//! customers, agents and telephony connector that `switchboard sim` plays on a virtual clock
//! — over the server's command path, and adds what a live demo shows beyond the simulator:
//! - the **customers**: Poisson arrivals per queue, patience (then `abandon`), callbacks
//!   chosen while waiting (the model); callbacks requested on the web site
//!   (`create_callback`), chat visitors and callers hanging up;
//! - the **agents**: accept, refuse or miss an offer after a delay, handle and wrap up for
//!   sampled times (the model); on the desktop or by picking up the phone (the connector's
//!   `leg_linked` is then the accept), hold, transfer, wrap up with a disposition, take
//!   breaks with reasons, go outbound now and then, set completion statuses on callback
//!   attempts, log in and come back;
//! - the **telephony connector**: it reads the connector requests of the live feed
//!   (`deliver`, `cancel_delivery`, `dial`, `stop_dial`) and answers with connector events:
//!   `leg_failed` and the dial outcomes of the model (`answered` live or by a machine,
//!   `dial_outcome` busy or invalid number…) with the cause a SIP connector sends,
//!   `leg_linked` after a desktop accept, `dial_failed`, `hangup`.
//!
//! Every action is a [`Command`](switchboard_core::Command) through
//! [`Driver::execute`](switchboard_server::driver::Driver::execute) with the actor a real
//! caller would have (an agent acts as `Actor::Agent`, customers and the connector as
//! `Actor::Trusted`), so it is journaled and published exactly like real traffic. The
//! director decides nothing the engine decides: it only reacts to events and connector
//! requests. A rejected command (an offer that timed out a moment earlier, say) is normal
//! and logged at debug level. A watchdog looks at the engine now and then and gets agents
//! and contacts going again if the director lost track of them (a lagging feed).

mod director;

use director::Director;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;
use switchboard_core::ids::AgentId;
use switchboard_server::auth::{self, Role};
use switchboard_server::config::{ConfigFile, KeyEntry};
use switchboard_server::driver::{Actor, CommandError, Driver};
use tokio::sync::watch;

/// The demo's people: a simulator scenario whose queues and behaviour the traffic plays.
pub const PEOPLE: &str = include_str!("../assets/people.toml");

/// The demo configuration file.
pub const CONFIG: &str = include_str!("../assets/demo.toml");

/// Applies the demo configuration to a running server: what differs from its store, as
/// configuration commands (so they are journaled like changes made through the API). The
/// keys of the file are not stored here: [`switchboard_server::start`] stores them when it is given the
/// file as its configuration, and [`create_keys`] makes fresh ones.
pub async fn configure(driver: &Driver) -> anyhow::Result<()> {
    let changes = driver
        .read(|engine| {
            ConfigFile::parse("demo.toml", CONFIG, engine).map(|config| config.changes(engine))
        })
        .await??;
    for command in changes {
        driver
            .execute(command, Actor::Trusted)
            .await
            .map_err(|e| anyhow::anyhow!("demo configuration: {e}"))?;
    }
    Ok(())
}

/// An API key made for the demo; `secret` is shown once.
#[derive(Debug, Clone)]
pub struct DemoKey {
    pub role: Role,
    pub agent: Option<AgentId>,
    pub data_download: bool,
    pub label: String,
    pub secret: String,
}

/// The demo configuration without its `[[keys]]` (they are the last tables of the file), for
/// a demo whose keys come from [`create_keys`] instead.
pub fn config_without_keys() -> &'static str {
    match CONFIG
        .find("\n# Demo API keys")
        .or_else(|| CONFIG.find("\n[[keys]]"))
    {
        Some(cut) => &CONFIG[..=cut],
        None => CONFIG,
    }
}

/// Makes fresh (random) demo keys in the store under `data` (created if missing): one admin,
/// one supervisor with Data Download View, one connector, and agent keys for a01 and a05.
/// For a demo reachable by others, instead of the fixed secrets of [`keys`]. A live key with
/// one of those well-known secrets (from an earlier demo on the same data directory) is
/// revoked, so that only the fresh keys open this demo.
pub fn create_keys(data: &Path) -> anyhow::Result<Vec<DemoKey>> {
    let store = switchboard_store::Store::open(data, switchboard_store::Durability::Full)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    for fixed in keys().into_iter().filter_map(|k| k.secret) {
        if let Some(record) = store.find_key(&auth::hash_secret(&fixed))? {
            store.revoke_key(record.id, now)?;
        }
    }
    let wanted = [
        (Role::Admin, None, true, "demo admin"),
        (Role::Supervisor, None, true, "demo supervisor"),
        (Role::Connector, None, false, "demo connector"),
        (Role::Agent, Some("a01"), false, "demo agent a01"),
        (Role::Agent, Some("a05"), false, "demo agent a05"),
    ];
    let mut keys = Vec::new();
    for (role, agent, data_download, label) in wanted {
        let secret = auth::generate_secret()?;
        let agent = agent.map(AgentId::new);
        auth::store_key(
            &store,
            &secret,
            role,
            agent.as_ref(),
            data_download,
            label,
            now,
            None,
        )?;
        keys.push(DemoKey {
            role,
            agent,
            data_download: data_download || role == Role::Admin,
            label: label.to_string(),
            secret,
        });
    }
    Ok(keys)
}

/// The agents left to people: those with a demo key (a01 and a05). The traffic never acts for
/// them (no login, accept, hold, wrap-up…); it still plays their customers and the connector,
/// so a person on the agent desktop gets offers, linked legs and answered dials.
pub fn people() -> BTreeSet<AgentId> {
    keys()
        .into_iter()
        .filter_map(|k| k.agent.map(|a| AgentId::new(&a)))
        .collect()
}

/// The station a person's desktop uses: the traffic gives agent *n* (in id order) the *n*th
/// station of the configuration.
pub fn station_of(agent: &AgentId) -> Option<String> {
    let config = toml::from_str::<ConfigFile>(CONFIG).ok()?;
    let mut agents: Vec<&AgentId> = config.agents.iter().map(|a| &a.id).collect();
    agents.sort();
    let index = agents.iter().position(|a| *a == agent)?;
    let mut stations: Vec<String> = config
        .stations
        .iter()
        .map(|s| s.id.as_str().to_string())
        .collect();
    stations.sort();
    stations.into_iter().nth(index)
}

/// The demo's API keys, as written in `assets/demo.toml` (fixed, well-known secrets).
pub fn keys() -> Vec<KeyEntry> {
    toml::from_str::<ConfigFile>(CONFIG)
        .map(|config| config.keys)
        .unwrap_or_default()
}

/// The secret of the demo key with this role (the first one; for agents, of this agent).
pub fn key_secret(role: Role, agent: Option<&str>) -> Option<String> {
    keys()
        .into_iter()
        .find(|k| {
            k.role.parse::<Role>().ok() == Some(role)
                && (agent.is_none() || k.agent.as_deref() == agent)
        })
        .and_then(|k| k.secret)
}

/// Starts the demo traffic on the current tokio runtime and returns its task, which ends
/// when the engine shuts down (checked every half second of real time).
/// [`Traffic::start`] gives a handle that can also stop it.
pub fn spawn_traffic(driver: Driver, speed: f64, seed: u64) -> tokio::task::JoinHandle<()> {
    let traffic = Traffic::start(driver.clone(), TrafficOptions { speed, seed });
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            if let Err(CommandError::ShuttingDown) = driver.read(|_| ()).await {
                break;
            }
        }
        traffic.stop().await;
    })
}

/// How the simulated traffic runs.
#[derive(Debug, Clone)]
pub struct TrafficOptions {
    /// The server's clock speed: every simulated delay is divided by it.
    pub speed: f64,
    pub seed: u64,
}

/// The running traffic; stop it before shutting the server down.
pub struct Traffic {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Traffic {
    /// Starts the director on the current tokio runtime. Call after [`configure`].
    pub fn start(driver: Driver, options: TrafficOptions) -> Traffic {
        let feed = driver.subscribe();
        let (stop, stopped) = watch::channel(false);
        let speed = if options.speed.is_finite() && options.speed > 0.0 {
            options.speed
        } else {
            1.0
        };
        let task = tokio::spawn(async move {
            let director = match Director::new(driver, speed, options.seed).await {
                Ok(director) => director,
                Err(error) => {
                    tracing::warn!(%error, "demo traffic could not start");
                    return;
                }
            };
            director.run(feed, stopped).await;
        });
        Traffic { stop, task }
    }

    /// Stops the traffic and waits for the director to finish.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_without_keys_is_the_same_but_the_keys() {
        let engine = switchboard_core::Engine::default();
        let full = ConfigFile::parse("demo.toml", CONFIG, &engine).expect("demo.toml");
        let keyless =
            ConfigFile::parse("demo.toml", config_without_keys(), &engine).expect("keyless");
        assert_eq!(full.keys.len(), 5);
        assert!(keyless.keys.is_empty());
        assert_eq!(
            format!("{:?}", full.changes(&engine)),
            format!("{:?}", keyless.changes(&engine))
        );
    }

    #[test]
    fn fresh_keys_replace_the_well_known_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = switchboard_store::Store::open(dir.path(), switchboard_store::Durability::Full)
            .unwrap();
        // An earlier demo on this directory stored the fixed secrets.
        for key in keys() {
            let role: Role = key.role.parse().unwrap();
            let agent = key.agent.as_deref().map(AgentId::new);
            let secret = key.secret.unwrap();
            auth::store_key(&store, &secret, role, agent.as_ref(), false, "old", 0, None).unwrap();
        }
        drop(store);
        let fresh = create_keys(dir.path()).unwrap();
        assert_eq!(fresh.len(), 5);
        let store = switchboard_store::Store::open_existing(dir.path()).unwrap();
        for key in keys() {
            let hash = auth::hash_secret(&key.secret.unwrap());
            assert!(
                store.find_key(&hash).unwrap().is_none(),
                "{} still live",
                key.role
            );
        }
        for key in &fresh {
            assert!(!key.secret.starts_with("demo-"));
            let found = store.find_key(&auth::hash_secret(&key.secret)).unwrap();
            assert_eq!(found.map(|r| r.role), Some(key.role.as_str().to_string()));
        }
    }

    #[test]
    fn the_demo_configuration_is_valid() {
        let engine = switchboard_core::Engine::default();
        let config = ConfigFile::parse("demo.toml", CONFIG, &engine).expect("demo.toml");
        assert_eq!(config.agents.len(), 12);
        assert_eq!(config.stations.len(), 12);
        // The people play the demo's own queues, each with its channel.
        let people = director::scenario().expect("people.toml");
        for queue in &people.queues {
            assert!(
                config
                    .queues
                    .iter()
                    .any(|q| q.id.as_str() == queue.id && q.channel == queue.channel),
                "{}",
                queue.id
            );
        }
        assert!(
            config
                .queues
                .iter()
                .any(|q| q.id.as_str() == director::WEB_CALLBACK_QUEUE && q.callbacks.is_some())
        );
        for queue in &config.queues {
            for d in &queue.dispositions {
                assert!(!d.label_en.is_empty() && !d.label_hu.is_empty());
            }
        }
    }

    /// The demo's people are a scenario the simulator runs too: the same model, on a
    /// virtual clock, closes every contact it brings.
    #[test]
    fn the_simulator_plays_the_demos_people() {
        let mut scenario = director::scenario().expect("people.toml");
        scenario.stop.duration = None;
        scenario.stop.contacts = Some(300);
        let outcome = switchboard_sim::run::Simulation::new(scenario, None, Default::default())
            .expect("the engine takes the scenario")
            .run(|_, _| {})
            .expect("a clean run");
        assert_eq!(outcome.overall.contacts, 300);
        assert!(outcome.overall.answered > 150, "{outcome:?}");
        assert!(outcome.overall.refusals > 0, "{outcome:?}");
    }
}
