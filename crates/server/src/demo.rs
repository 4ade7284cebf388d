//! `switchboard demo`: the demo configuration (`assets/demo.toml`), fresh API keys, and
//! simulated live traffic played against the running server in real time (scaled by the
//! clock speed).
//!
//! The traffic is one task, the *director*, that plays three parts:
//! - the **customers**: Poisson arrivals per queue, patience (then `abandon`), callbacks
//!   chosen while waiting, callbacks requested on the web site (`create_callback`);
//! - the **agents**: log in, go Ready, accept an offer after a delay (on the desktop, or by
//!   picking up the phone — the connector's `leg_linked` is then the accept), sometimes
//!   refuse or miss it, hold, end, wrap up with a disposition, take breaks with reasons, go
//!   outbound now and then, set completion statuses on callback attempts;
//! - the **telephony connector**: it reads the connector requests of the live feed
//!   (`deliver`, `cancel_delivery`, `dial`, `stop_dial`) and answers with connector events
//!   (`leg_linked`, sometimes `leg_failed` with a reason and a cause code, `answered` live or
//!   by a machine, `dial_outcome` busy or invalid number, `dial_failed`, `hangup`).
//!
//! Every action is a [`Command`] through [`Driver::execute`] with the actor a real caller
//! would have (an agent acts as [`Actor::Agent`], customers and the connector as
//! [`Actor::Trusted`]), so it is journaled and published exactly like real traffic. The
//! director decides nothing the engine decides: it only reacts to events and connector
//! requests. A rejected command (an offer that timed out a moment earlier, say) is normal
//! and logged at debug level. A watchdog looks at the engine now and then and gets agents and
//! contacts going again if the director lost track of them (a lagging feed).

use crate::auth::{self, Role};
use crate::config::{ConfigFile, KeyEntry};
use crate::driver::{Actor, CommandError, Driver, Published};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp, LogNormal};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::path::Path;
use std::time::Duration;
use switchboard_core::callback::{CompletionStatus, DialOutcome};
use switchboard_core::command::{Command, ConnectorEvent, TransferTarget};
use switchboard_core::ids::{AgentId, ContactId, OfferId, QueueId, StationId};
use switchboard_core::model::{
    AgentState, AgentStatus, AnsweredBy, Channel, ContactState, DeliveryFailure, Direction,
    EndedBy, HangupReason, SelectableState,
};
use switchboard_core::output::ConnectorRequest;
use switchboard_core::{Event, Timestamp};
use tokio::sync::watch;
use tokio::time::Instant;

/// The demo configuration file.
pub const CONFIG: &str = include_str!("../assets/demo.toml");

/// Applies the demo configuration to a running server: what differs from its store, as
/// configuration commands (so they are journaled like changes made through the API). The
/// keys of the file are not stored here: [`crate::start`] stores them when it is given the
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

// ------------------------------------------------------------------ traffic profiles

/// Customers of one inbound queue.
struct Profile {
    queue: &'static str,
    channel: Channel,
    arrivals_per_hour: f64,
    /// Handle time: lognormal mean and standard deviation, seconds.
    handle: (f64, f64),
    /// Mean patience (exponential), seconds.
    patience: f64,
    /// Customers still waiting after this many seconds are offered a callback, and take
    /// it with this probability.
    callback_offer: Option<(f64, f64)>,
}

const PROFILES: [Profile; 3] = [
    Profile {
        queue: "sales",
        channel: Channel::Voice,
        arrivals_per_hour: 80.0,
        handle: (90.0, 45.0),
        patience: 100.0,
        callback_offer: None,
    },
    Profile {
        queue: "support",
        channel: Channel::Voice,
        arrivals_per_hour: 110.0,
        handle: (120.0, 60.0),
        patience: 200.0,
        callback_offer: Some((40.0, 0.4)),
    },
    Profile {
        queue: "chat",
        channel: Channel::Chat,
        arrivals_per_hour: 60.0,
        handle: (150.0, 70.0),
        patience: 240.0,
        callback_offer: None,
    },
];

/// The queue web-site callback requests go to, and how many come per hour.
const WEB_CALLBACK_QUEUE: &str = "web-callback";
const WEB_CALLBACKS_PER_HOUR: f64 = 30.0;
/// The queue sales calls are transferred to now and then.
const TRANSFER_QUEUE: &str = "support";
/// More open contacts than this and no new customers arrive until some close.
const OPEN_CONTACTS_MAX: usize = 2_000;

/// Cause codes a connector might pass along (SIP responses here).
const RING_FAILURES: [(DeliveryFailure, Option<&str>); 6] = [
    (DeliveryFailure::Busy, Some("486")),
    (DeliveryFailure::BadNumber, Some("404")),
    (DeliveryFailure::InvalidCallLeg, Some("481")),
    (DeliveryFailure::Error, Some("500")),
    (DeliveryFailure::NotApplicable, None),
    (DeliveryFailure::ZeroCauseCode, Some("0")),
];
const LINK_FAILURES: [(DeliveryFailure, Option<&str>); 2] = [
    (DeliveryFailure::LinkFailed, Some("503")),
    (DeliveryFailure::Dropped, Some("487")),
];

// ------------------------------------------------------------------ director state

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Waiting,
    Offered,
    WithAgent,
    Wrapping,
}

#[derive(Debug, Clone)]
struct ContactInfo {
    queue: QueueId,
    channel: Channel,
    outbound: bool,
    from: String,
    agent: Option<AgentId>,
    phase: Phase,
    /// Planned actions about this contact not yet run.
    pending: u32,
    /// Left for the engine to finish (a wrap-up left to its time limit).
    left_to_engine: bool,
    /// Watchdog passes that found nothing planned.
    idle_passes: u8,
    /// The rest of the call is planned already (a wrong number found on answer).
    scripted: bool,
}

#[derive(Debug, Clone)]
struct OfferInfo {
    agent: AgentId,
    channel: Channel,
    /// The agent accepted on the desktop: the connector links the leg.
    desktop_accept: bool,
}

#[derive(Debug, Clone)]
struct AgentInfo {
    station: StationId,
    state: AgentState,
    /// A Ready (or login) is planned.
    recovery_planned: bool,
    /// Outbound calls still to make in the current outbound session.
    outbound_calls: u32,
    /// Serves the sales queue (goes outbound now and then).
    sales: bool,
}

#[derive(Debug, Clone, Copy)]
enum Pickup {
    /// Accept on the desktop (`accept`); for voice the connector then links the leg.
    Desktop,
    /// Answer the ringing phone: the connector's `leg_linked` is the accept.
    Phone,
}

#[derive(Debug, Clone, Copy)]
enum Finish {
    AgentEnds,
    CustomerHangsUp,
    /// `hangup` with reason `error`.
    CallError {
        close: bool,
        status: Option<AgentStatus>,
        cause: &'static str,
    },
    TransferToQueue,
}

#[derive(Debug, Clone)]
enum Action {
    Arrival(usize),
    WebCallback,
    Abandon(ContactId),
    ChooseCallback(ContactId),
    Answer(OfferId, Pickup),
    Refuse(OfferId),
    LinkLeg(OfferId),
    LegFail(OfferId, DeliveryFailure, Option<&'static str>),
    Hold(ContactId),
    Resume(ContactId),
    Finish(ContactId, Finish),
    Complete(ContactId, bool),
    StartDial(ContactId),
    Answered(ContactId, AnsweredBy),
    DialFailed(ContactId),
    /// The connector reports how the dial ended, with the SIP status it would carry.
    DialOutcome(ContactId, DialOutcome, &'static str),
    CustomerMissed(ContactId),
    SetCompletion(ContactId, Completion),
    Ready(AgentId),
    TakeBreak(AgentId),
    OutboundDial(AgentId),
    Login(AgentId),
    Watchdog,
}

#[derive(Debug, Clone, Copy)]
enum Completion {
    Handled,
    AnsweringMachine,
    WrongDestination,
    /// Callback Requested, due this many minutes from now.
    Requested(i64),
}

struct Timer {
    at: Instant,
    seq: u64,
    action: Action,
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timer {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

struct Director {
    driver: Driver,
    rng: ChaCha8Rng,
    speed: f64,
    timers: BinaryHeap<Reverse<Timer>>,
    seq: u64,
    contacts: BTreeMap<ContactId, ContactInfo>,
    offers: BTreeMap<OfferId, OfferInfo>,
    agents: BTreeMap<AgentId, AgentInfo>,
    /// Disposition codes per queue.
    dispositions: BTreeMap<QueueId, Vec<String>>,
    /// Queues with a wrap-up time limit (a forgotten wrap-up ends by itself there).
    wrap_limited: Vec<QueueId>,
    /// Queues that take callbacks.
    callback_queues: Vec<QueueId>,
    /// Queue ids of [`PROFILES`] that exist in the configuration.
    profiles: Vec<usize>,
    /// Agents left to people ([`people`]): never acted for.
    people: BTreeSet<AgentId>,
}

impl Director {
    async fn new(driver: Driver, speed: f64, seed: u64) -> anyhow::Result<Director> {
        let (queues, agents, stations, states) = driver
            .read(|engine| {
                (
                    engine.queue_configs().cloned().collect::<Vec<_>>(),
                    engine.agent_configs().cloned().collect::<Vec<_>>(),
                    engine
                        .station_configs()
                        .map(|s| s.id.clone())
                        .collect::<Vec<_>>(),
                    engine
                        .agent_views()
                        .map(|v| (v.id, v.state))
                        .collect::<BTreeMap<_, _>>(),
                )
            })
            .await?;
        let dispositions = queues
            .iter()
            .map(|q| {
                (
                    q.id.clone(),
                    q.dispositions.iter().map(|d| d.code.clone()).collect(),
                )
            })
            .collect();
        let wrap_limited = queues
            .iter()
            .filter(|q| q.wrap_up_limit_ms.is_some())
            .map(|q| q.id.clone())
            .collect();
        let callback_queues = queues
            .iter()
            .filter(|q| q.callbacks.is_some())
            .map(|q| q.id.clone())
            .collect();
        let profiles = PROFILES
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                queues
                    .iter()
                    .any(|q| q.id.as_str() == p.queue && q.channel == p.channel)
            })
            .map(|(i, _)| i)
            .collect();
        // One station per agent, in id order.
        let agents = agents
            .into_iter()
            .zip(stations)
            .map(|(agent, station)| {
                let sales = agent.queues.iter().any(|s| s.queue.as_str() == "sales");
                (
                    agent.id.clone(),
                    AgentInfo {
                        station,
                        state: states
                            .get(&agent.id)
                            .copied()
                            .unwrap_or(AgentState::Offline),
                        recovery_planned: false,
                        outbound_calls: 0,
                        sales,
                    },
                )
            })
            .collect();
        Ok(Director {
            driver,
            rng: ChaCha8Rng::seed_from_u64(seed),
            speed,
            timers: BinaryHeap::new(),
            seq: 0,
            contacts: BTreeMap::new(),
            offers: BTreeMap::new(),
            agents,
            dispositions,
            wrap_limited,
            callback_queues,
            profiles,
            people: people(),
        })
    }

    async fn run(
        mut self,
        mut feed: crate::feed::Subscription,
        mut stopped: watch::Receiver<bool>,
    ) {
        self.begin();
        loop {
            let next = self
                .timers
                .peek()
                .map(|Reverse(t)| t.at)
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                _ = async { stopped.wait_for(|stop| *stop).await.map(|_| ()) } => break,
                message = feed.recv() => match message {
                    Ok(Published::Event(entry)) => self.on_event(&entry.record.event),
                    Ok(Published::Connector(request)) => self.on_request(&request),
                    Err(crate::feed::Ended::Lagged) => {
                        tracing::warn!("demo traffic fell behind the live feed; the watchdog catches up");
                        feed = self.driver.subscribe();
                    }
                    Err(crate::feed::Ended::Closed) => break,
                },
                _ = tokio::time::sleep_until(next) => {
                    while let Some(Reverse(timer)) = self.timers.peek() {
                        if timer.at > Instant::now() {
                            break;
                        }
                        let Some(Reverse(timer)) = self.timers.pop() else { break };
                        self.fire(timer.action).await;
                    }
                }
            }
        }
        tracing::info!("demo traffic stopped");
    }

    // ------------------------------------------------------------ randomness and time

    fn u01(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.u01()
    }

    fn exp(&mut self, mean: f64) -> f64 {
        Exp::new(1.0 / mean)
            .map(|d| d.sample(&mut self.rng))
            .unwrap_or(mean)
    }

    fn lognormal(&mut self, mean: f64, sd: f64) -> f64 {
        let sigma2 = (1.0 + (sd * sd) / (mean * mean)).ln();
        LogNormal::new(mean.ln() - sigma2 / 2.0, sigma2.sqrt())
            .map(|d| d.sample(&mut self.rng))
            .unwrap_or(mean)
    }

    /// Plans `action` in `seconds` of simulated time.
    fn after(&mut self, seconds: f64, action: Action) {
        if let Some(contact) = action_contact(&action)
            && let Some(c) = self.contacts.get_mut(&contact)
        {
            c.pending += 1;
            c.idle_passes = 0;
        }
        let real = Duration::from_secs_f64((seconds.max(0.0) / self.speed).min(86_400.0));
        self.seq += 1;
        self.timers.push(Reverse(Timer {
            at: Instant::now() + real,
            seq: self.seq,
            action,
        }));
    }

    fn phone_number(&mut self) -> String {
        let n = self.rng.random_range(1_000_000..10_000_000u32);
        let prefix = ["+3620", "+3630", "+3670", "+361"][self.rng.random_range(0..4usize)];
        format!("{prefix}{n}")
    }

    // ------------------------------------------------------------ commands

    /// Runs commands in order on a task of their own, so the director never waits for a
    /// commit. A rejection is normal traffic (the offer timed out a moment earlier…).
    fn send(&self, commands: Vec<(Command, Actor)>) {
        let driver = self.driver.clone();
        tokio::spawn(async move {
            for (command, actor) in commands {
                execute(&driver, command, actor).await;
            }
        });
    }

    fn send_one(&self, command: Command, actor: Actor) {
        self.send(vec![(command, actor)]);
    }

    // ------------------------------------------------------------ start

    fn begin(&mut self) {
        let ids: Vec<AgentId> = self.agents.keys().cloned().collect();
        for (i, agent) in ids.into_iter().enumerate() {
            if self.people.contains(&agent) {
                continue;
            }
            // Everyone logs in within the first couple of seconds.
            let at = 0.1 * i as f64;
            self.after(at, Action::Login(agent.clone()));
            let first_break = 60.0 + self.exp(480.0);
            self.after(first_break, Action::TakeBreak(agent));
        }
        for i in self.profiles.clone() {
            let first = self.uniform(1.0, 4.0);
            self.after(first, Action::Arrival(i));
        }
        if self
            .callback_queues
            .iter()
            .any(|q| q.as_str() == WEB_CALLBACK_QUEUE)
        {
            let first = self.uniform(3.0, 8.0);
            self.after(first, Action::WebCallback);
        }
        self.after(15.0, Action::Watchdog);
    }

    // ------------------------------------------------------------ the feed

    fn on_event(&mut self, event: &Event) {
        match event {
            Event::ContactArrived {
                contact,
                channel,
                direction,
                queue,
                from,
                ..
            } => {
                self.contacts.insert(
                    *contact,
                    ContactInfo {
                        queue: queue.clone(),
                        channel: *channel,
                        outbound: *direction == Direction::Outbound,
                        from: from.to_string(),
                        agent: None,
                        phase: Phase::Waiting,
                        pending: 0,
                        left_to_engine: false,
                        idle_passes: 0,
                        scripted: false,
                    },
                );
                if *direction == Direction::Inbound
                    && let Some(i) = PROFILES.iter().position(|p| p.queue == queue.as_str())
                {
                    let patience = self.exp(PROFILES[i].patience);
                    self.after(patience, Action::Abandon(*contact));
                    if let Some((after, p)) = PROFILES[i].callback_offer
                        && self.u01() < p
                    {
                        self.after(after, Action::ChooseCallback(*contact));
                    }
                }
            }
            Event::ContactQueued { contact, .. } => {
                if let Some(c) = self.contacts.get_mut(contact) {
                    c.phase = Phase::Waiting;
                    c.agent = None;
                }
            }
            Event::OfferCreated { contact, .. } => {
                if let Some(c) = self.contacts.get_mut(contact) {
                    c.phase = Phase::Offered;
                }
            }
            Event::OfferAccepted {
                offer,
                link_deadline: Some(_),
            } => self.connector_links(*offer),
            Event::OfferRefused {
                offer: Some(offer), ..
            } => {
                self.offers.remove(offer);
            }
            Event::OfferRescinded { offer, .. } => {
                self.offers.remove(offer);
            }
            Event::ContactConnected {
                contact,
                agent,
                offer,
                state,
                ..
            } => {
                if let Some(offer) = offer {
                    self.offers.remove(offer);
                }
                if let Some(c) = self.contacts.get_mut(contact) {
                    c.agent = Some(agent.clone());
                    c.phase = Phase::WithAgent;
                }
                match state {
                    ContactState::Handling => self.plan_conversation(*contact),
                    ContactState::Preview => {
                        let look = self.uniform(3.0, 8.0);
                        self.after(look, Action::StartDial(*contact));
                    }
                    _ => {}
                }
            }
            Event::ContactStateChanged {
                contact,
                state: ContactState::Handling,
                answered_by: Some(by),
                ..
            } => self.plan_answered(*contact, *by),
            Event::WrapUpStarted {
                contact,
                agent,
                detached,
                ..
            } => {
                if *detached {
                    // A transferred contact: the transferring agent only wraps up.
                    let wrap = self.uniform(3.0, 10.0);
                    self.send_later_complete(*contact, agent.clone(), wrap);
                    return;
                }
                let Some(c) = self.contacts.get_mut(contact) else {
                    return;
                };
                c.phase = Phase::Wrapping;
                let limited = self.wrap_limited.contains(&c.queue);
                if limited && self.u01() < 0.03 {
                    // The agent forgets to finish: the queue's wrap-up limit ends it (59).
                    if let Some(c) = self.contacts.get_mut(contact) {
                        c.left_to_engine = true;
                    }
                    return;
                }
                let wrap = self.uniform(4.0, 20.0);
                let schedule = self.u01() < 0.04;
                self.after(wrap, Action::Complete(*contact, schedule));
            }
            Event::ContactClosed { contact, .. } => {
                self.contacts.remove(contact);
            }
            Event::AgentStateChanged { agent, state, .. } => self.on_agent_state(agent, *state),
            _ => {}
        }
    }

    fn on_agent_state(&mut self, agent: &AgentId, state: AgentState) {
        if self.people.contains(agent) {
            return;
        }
        let Some(info) = self.agents.get_mut(agent) else {
            return;
        };
        info.state = state;
        match state {
            AgentState::NoAnswer if !info.recovery_planned => {
                // The agent notices the missed offer and makes itself Ready again.
                info.recovery_planned = true;
                let delay = self.uniform(3.0, 10.0);
                self.after(delay, Action::Ready(agent.clone()));
            }
            AgentState::Break | AgentState::BackOffice if !info.recovery_planned => {
                info.recovery_planned = true;
                let length = self.uniform(45.0, 240.0);
                self.after(length, Action::Ready(agent.clone()));
            }
            AgentState::OutgoingInteractions => {
                if info.outbound_calls > 0 {
                    info.outbound_calls -= 1;
                    let delay = self.uniform(3.0, 8.0);
                    self.after(delay, Action::OutboundDial(agent.clone()));
                } else if !info.recovery_planned {
                    info.recovery_planned = true;
                    let delay = self.uniform(2.0, 5.0);
                    self.after(delay, Action::Ready(agent.clone()));
                }
            }
            AgentState::Offline if !info.recovery_planned => {
                // Logged out by the presence policy or a lost session: back after a while.
                info.recovery_planned = true;
                let delay = self.uniform(10.0, 30.0);
                self.after(delay, Action::Login(agent.clone()));
            }
            _ => {}
        }
    }

    /// A voice offer the agent accepted on the desktop: the connector bridges the agent leg.
    fn connector_links(&mut self, offer: OfferId) {
        let Some(info) = self.offers.get(&offer) else {
            return;
        };
        if info.channel != Channel::Voice || !info.desktop_accept {
            return;
        }
        let r = self.u01();
        let delay = self.uniform(0.3, 1.5);
        if r < 0.025 {
            let (reason, cause) = LINK_FAILURES[self.rng.random_range(0..LINK_FAILURES.len())];
            self.after(delay, Action::LegFail(offer, reason, cause));
        } else if r < 0.03 {
            // The PBX never reports: after 60 s the engine records AgentLinkTimeout.
        } else {
            self.after(delay, Action::LinkLeg(offer));
        }
    }

    fn on_request(&mut self, request: &ConnectorRequest) {
        match request {
            ConnectorRequest::Deliver {
                offer,
                channel,
                agent,
                ..
            } => self.on_deliver(*offer, *channel, agent.clone()),
            ConnectorRequest::CancelDelivery { offer, .. } => {
                self.offers.remove(offer);
            }
            ConnectorRequest::Dial { contact, .. } => self.on_dial(*contact),
            ConnectorRequest::StopDial { .. } => {
                // Duration For No Answer passed: the engine set No Answer and the agent is
                // in wrap-up; the planned wrap-up completes it.
            }
        }
    }

    fn on_deliver(&mut self, offer: OfferId, channel: Channel, agent: AgentId) {
        let person = self.people.contains(&agent);
        self.offers.insert(
            offer,
            OfferInfo {
                agent,
                channel,
                // A person accepts on the desktop; the connector then links the voice leg.
                desktop_accept: person,
            },
        );
        if person {
            return;
        }
        let r = self.u01();
        if channel == Channel::Voice && r < 0.02 {
            // The station cannot be rung: busy, bad number, a dropped leg…
            let (reason, cause) = RING_FAILURES[self.rng.random_range(0..RING_FAILURES.len())];
            let delay = self.uniform(0.3, 1.5);
            self.after(delay, Action::LegFail(offer, reason, cause));
        } else if r < 0.06 {
            let delay = self.uniform(2.0, 6.0);
            self.after(delay, Action::Refuse(offer));
        } else if r < 0.09 {
            // The agent misses it: the offer times out (NoAnswer).
        } else {
            let delay = self.uniform(1.5, 6.0);
            let pickup = if channel == Channel::Voice && self.u01() < 0.5 {
                Pickup::Phone
            } else {
                Pickup::Desktop
            };
            self.after(delay, Action::Answer(offer, pickup));
        }
    }

    /// The connector dials a callback or outbound call.
    fn on_dial(&mut self, contact: ContactId) {
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        let callback = c.channel == Channel::Callback;
        let ring = self.uniform(3.0, 12.0);
        let r = self.u01();
        if callback {
            if r < 0.58 {
                self.after(ring, Action::Answered(contact, AnsweredBy::Live));
            } else if r < 0.73 {
                self.after(ring, Action::Answered(contact, AnsweredBy::Machine));
            } else if r < 0.85 {
                // Nobody answers: Duration For No Answer ends the attempt (No Answer).
            } else if r < 0.87 {
                self.after(
                    ring / 3.0,
                    Action::DialOutcome(contact, DialOutcome::Busy, "486"),
                );
            } else if r < 0.88 {
                // The default policy ends the callback: (33, 9).
                self.after(
                    ring / 3.0,
                    Action::DialOutcome(contact, DialOutcome::InvalidNumber, "404"),
                );
            } else if r < 0.90 {
                self.after(ring / 3.0, Action::DialFailed(contact));
            } else if r < 0.95 {
                // The customer rejects the call: a No Answer attempt (MissedCallStatus).
                self.after(ring, Action::CustomerMissed(contact));
            } else {
                if let Some(c) = self.contacts.get_mut(&contact) {
                    c.scripted = true;
                }
                self.after(ring, Action::Answered(contact, AnsweredBy::Live));
                let talk = ring + self.uniform(5.0, 12.0);
                self.after(
                    talk,
                    Action::SetCompletion(contact, Completion::WrongDestination),
                );
                self.after(talk + 1.0, Action::Finish(contact, Finish::AgentEnds));
            }
        } else if r < 0.75 {
            self.after(ring, Action::Answered(contact, AnsweredBy::Live));
        } else if r < 0.9 {
            // Nobody answers; the agent gives up.
            self.after(25.0, Action::Finish(contact, Finish::AgentEnds));
        } else if r < 0.95 {
            // The line is busy: the contact closes (33, 3).
            self.after(
                ring / 3.0,
                Action::DialOutcome(contact, DialOutcome::Busy, "486"),
            );
        } else {
            self.after(ring / 3.0, Action::DialFailed(contact));
        }
    }

    /// An inbound conversation began: plan holds and its end.
    fn plan_conversation(&mut self, contact: ContactId) {
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        let (queue, channel) = (c.queue.clone(), c.channel);
        let (mean, sd) = PROFILES
            .iter()
            .find(|p| p.queue == queue.as_str())
            .map_or((90.0, 40.0), |p| p.handle);
        let mut talk = self.lognormal(mean, sd).clamp(10.0, 1_800.0);
        if channel == Channel::Voice && self.u01() < 0.15 {
            let at = talk * self.uniform(0.3, 0.6);
            let hold = self.uniform(10.0, 30.0);
            self.after(at, Action::Hold(contact));
            self.after(at + hold, Action::Resume(contact));
            talk += hold;
        }
        let r = self.u01();
        let finish = match channel {
            Channel::Voice if r < 0.015 => {
                if self.u01() < 0.5 {
                    Finish::CallError {
                        close: true,
                        status: None,
                        cause: "503",
                    }
                } else {
                    Finish::CallError {
                        close: false,
                        status: Some(AgentStatus::FailedConnectCustomer),
                        cause: "408",
                    }
                }
            }
            Channel::Voice if r < 0.05 && queue.as_str() == "sales" => Finish::TransferToQueue,
            Channel::Voice if r < 0.5 => Finish::CustomerHangsUp,
            Channel::Chat if r < 0.3 => Finish::CustomerHangsUp,
            _ => Finish::AgentEnds,
        };
        self.after(talk, Action::Finish(contact, finish));
    }

    /// A callback or outbound dial was answered.
    fn plan_answered(&mut self, contact: ContactId, by: AnsweredBy) {
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        if c.scripted {
            return;
        }
        let callback = c.channel == Channel::Callback;
        match by {
            AnsweredBy::Machine => {
                let talk = self.uniform(3.0, 8.0);
                if callback {
                    self.after(
                        talk,
                        Action::SetCompletion(contact, Completion::AnsweringMachine),
                    );
                }
                self.after(talk + 0.5, Action::Finish(contact, Finish::AgentEnds));
            }
            AnsweredBy::Live => {
                let talk = self.lognormal(80.0, 40.0).clamp(10.0, 1_200.0);
                if callback {
                    let completion = if self.u01() < 0.08 {
                        Completion::Requested(self.rng.random_range(10..40))
                    } else {
                        Completion::Handled
                    };
                    self.after(talk, Action::SetCompletion(contact, completion));
                }
                let finish = if self.u01() < 0.4 {
                    Finish::CustomerHangsUp
                } else {
                    Finish::AgentEnds
                };
                self.after(talk + 0.5, Action::Finish(contact, finish));
            }
        }
    }

    fn send_later_complete(&mut self, contact: ContactId, agent: AgentId, seconds: f64) {
        if self.people.contains(&agent) {
            return;
        }
        // Detached wrap-ups are not tracked as the contact's: complete them directly.
        let driver = self.driver.clone();
        let real = Duration::from_secs_f64(seconds / self.speed);
        tokio::spawn(async move {
            tokio::time::sleep(real).await;
            let command = Command::Complete {
                agent: agent.clone(),
                contact,
                disposition: None,
            };
            execute(&driver, command, Actor::Agent(agent)).await;
        });
    }

    // ------------------------------------------------------------ planned actions

    async fn fire(&mut self, action: Action) {
        if let Some(contact) = action_contact(&action)
            && let Some(c) = self.contacts.get_mut(&contact)
        {
            c.pending = c.pending.saturating_sub(1);
        }
        if self.acts_for_a_person(&action) {
            return;
        }
        match action {
            Action::Arrival(i) => self.arrival(i),
            Action::WebCallback => {
                let gap = self.exp(3600.0 / WEB_CALLBACKS_PER_HOUR);
                self.after(gap, Action::WebCallback);
                if self.contacts.len() < OPEN_CONTACTS_MAX {
                    let destination = self.phone_number();
                    self.send_one(
                        Command::CreateCallback {
                            queue: QueueId::new(WEB_CALLBACK_QUEUE),
                            destination,
                            due: None,
                            window_end: None,
                            agent: None,
                        },
                        Actor::Trusted,
                    );
                }
            }
            Action::Abandon(contact) => {
                let waiting = self.contacts.get(&contact).is_some_and(|c| {
                    !c.outbound && matches!(c.phase, Phase::Waiting | Phase::Offered)
                });
                if waiting {
                    self.send_one(Command::Abandon { contact }, Actor::Trusted);
                }
            }
            Action::ChooseCallback(contact) => {
                if self
                    .contacts
                    .get(&contact)
                    .is_some_and(|c| c.phase == Phase::Waiting)
                {
                    self.send_one(
                        Command::ChooseCallback {
                            contact,
                            destination: None,
                        },
                        Actor::Trusted,
                    );
                }
            }
            Action::Answer(offer, pickup) => {
                let Some(info) = self.offers.get_mut(&offer) else {
                    return;
                };
                let agent = info.agent.clone();
                let command = match pickup {
                    Pickup::Phone => (
                        Command::Connector(ConnectorEvent::LegLinked { offer }),
                        Actor::Trusted,
                    ),
                    Pickup::Desktop => {
                        info.desktop_accept = true;
                        (Command::Accept { offer }, Actor::Agent(agent))
                    }
                };
                self.send(vec![command]);
            }
            Action::Refuse(offer) => {
                if let Some(info) = self.offers.get(&offer) {
                    let agent = info.agent.clone();
                    self.send_one(Command::Refuse { offer }, Actor::Agent(agent));
                }
            }
            Action::LinkLeg(offer) => {
                if self.offers.contains_key(&offer) {
                    self.send_one(
                        Command::Connector(ConnectorEvent::LegLinked { offer }),
                        Actor::Trusted,
                    );
                }
            }
            Action::LegFail(offer, reason, cause) => {
                if self.offers.contains_key(&offer) {
                    self.send_one(
                        Command::Connector(ConnectorEvent::LegFailed {
                            offer,
                            reason,
                            cause_code: cause.map(str::to_string),
                        }),
                        Actor::Trusted,
                    );
                }
            }
            Action::Hold(contact) => {
                if let Some(agent) = self.holder(contact) {
                    self.send_one(
                        Command::Hold {
                            agent: agent.clone(),
                            contact,
                        },
                        Actor::Agent(agent),
                    );
                }
            }
            Action::Resume(contact) => {
                if let Some(agent) = self.holder(contact) {
                    self.send_one(
                        Command::Resume {
                            agent: agent.clone(),
                            contact,
                        },
                        Actor::Agent(agent),
                    );
                }
            }
            Action::Finish(contact, finish) => self.finish(contact, finish),
            Action::Complete(contact, schedule) => self.complete(contact, schedule).await,
            Action::StartDial(contact) => {
                if let Some(agent) = self.holder(contact) {
                    self.send_one(
                        Command::StartDial {
                            agent: agent.clone(),
                            contact,
                        },
                        Actor::Agent(agent),
                    );
                }
            }
            Action::Answered(contact, by) => {
                if self.holder(contact).is_some() {
                    self.send_one(
                        Command::Connector(ConnectorEvent::Answered { contact, by }),
                        Actor::Trusted,
                    );
                }
            }
            Action::DialFailed(contact) => {
                if self.holder(contact).is_some() {
                    self.send_one(
                        Command::Connector(ConnectorEvent::DialFailed {
                            contact,
                            cause_code: Some("503".into()),
                        }),
                        Actor::Trusted,
                    );
                }
            }
            Action::DialOutcome(contact, outcome, cause) => {
                if self.holder(contact).is_some() {
                    self.send_one(
                        Command::Connector(ConnectorEvent::DialOutcome {
                            contact,
                            outcome,
                            cause_code: Some(cause.into()),
                        }),
                        Actor::Trusted,
                    );
                }
            }
            Action::CustomerMissed(contact) => {
                if self.holder(contact).is_some() {
                    self.send_one(
                        Command::Connector(ConnectorEvent::Hangup {
                            contact,
                            reason: HangupReason::Error,
                            close_call_on_error: false,
                            agent_status: Some(AgentStatus::MissedCallStatus),
                            cause_code: Some("603".into()),
                            ended_by: None,
                        }),
                        Actor::Trusted,
                    );
                }
            }
            Action::SetCompletion(contact, completion) => {
                self.set_completion(contact, completion).await
            }
            Action::Ready(agent) => {
                if let Some(info) = self.agents.get_mut(&agent) {
                    info.recovery_planned = false;
                }
                self.send_one(
                    Command::SetState {
                        agent: agent.clone(),
                        state: SelectableState::Ready,
                        reason: None,
                    },
                    Actor::Agent(agent),
                );
            }
            Action::TakeBreak(agent) => self.take_break(agent),
            Action::OutboundDial(agent) => {
                let destination = self.phone_number();
                self.send_one(
                    Command::Dial {
                        agent: agent.clone(),
                        destination,
                        queue: Some(QueueId::new("sales")),
                    },
                    Actor::Agent(agent),
                );
            }
            Action::Login(agent) => {
                let Some(info) = self.agents.get_mut(&agent) else {
                    return;
                };
                info.recovery_planned = false;
                let station = info.station.clone();
                self.send_one(
                    Command::Login {
                        agent: agent.clone(),
                        station,
                        state: Some(SelectableState::Ready),
                    },
                    Actor::Agent(agent),
                );
            }
            Action::Watchdog => self.watchdog().await,
        }
    }

    /// Whether `action` is something an agent does, for an agent left to a person: the
    /// customers' and the connector's actions go on for everyone.
    fn acts_for_a_person(&self, action: &Action) -> bool {
        let person = |agent: Option<AgentId>| agent.is_some_and(|a| self.people.contains(&a));
        match action {
            Action::Answer(offer, _) | Action::Refuse(offer) => {
                person(self.offers.get(offer).map(|o| o.agent.clone()))
            }
            Action::Hold(contact)
            | Action::Resume(contact)
            | Action::Complete(contact, _)
            | Action::StartDial(contact)
            | Action::SetCompletion(contact, _)
            | Action::Finish(contact, Finish::AgentEnds | Finish::TransferToQueue) => {
                person(self.holder(*contact))
            }
            Action::Ready(agent)
            | Action::TakeBreak(agent)
            | Action::OutboundDial(agent)
            | Action::Login(agent) => self.people.contains(agent),
            Action::Arrival(_)
            | Action::WebCallback
            | Action::Abandon(_)
            | Action::ChooseCallback(_)
            | Action::LinkLeg(_)
            | Action::LegFail(..)
            | Action::Finish(..)
            | Action::Answered(..)
            | Action::DialFailed(_)
            | Action::DialOutcome(..)
            | Action::CustomerMissed(_)
            | Action::Watchdog => false,
        }
    }

    fn holder(&self, contact: ContactId) -> Option<AgentId> {
        self.contacts
            .get(&contact)
            .filter(|c| c.phase == Phase::WithAgent)
            .and_then(|c| c.agent.clone())
    }

    fn arrival(&mut self, i: usize) {
        let profile = &PROFILES[i];
        let gap = self.exp(3600.0 / profile.arrivals_per_hour);
        self.after(gap, Action::Arrival(i));
        if self.contacts.len() >= OPEN_CONTACTS_MAX {
            return;
        }
        let from = match profile.channel {
            Channel::Chat => format!(
                "visitor-{}@example.com",
                self.rng.random_range(1000..100_000u32)
            ),
            _ => self.phone_number(),
        };
        let priority = if self.u01() < 0.1 { 5 } else { 0 };
        let mut attributes = BTreeMap::new();
        let language = if self.u01() < 0.8 { "hu" } else { "en" };
        attributes.insert("language".to_string(), language.to_string());
        self.send_one(
            Command::CreateContact {
                channel: profile.channel,
                queue: QueueId::new(profile.queue),
                from: from.into(),
                priority,
                attributes,
            },
            Actor::Trusted,
        );
    }

    fn finish(&mut self, contact: ContactId, finish: Finish) {
        let Some(agent) = self.holder(contact) else {
            return;
        };
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        let chat = c.channel == Channel::Chat;
        let command = match finish {
            Finish::AgentEnds => {
                return self.send_one(
                    Command::End {
                        agent: agent.clone(),
                        contact,
                    },
                    Actor::Agent(agent),
                );
            }
            Finish::TransferToQueue => {
                return self.send_one(
                    Command::Transfer {
                        agent: agent.clone(),
                        contact,
                        target: TransferTarget::Queue(QueueId::new(TRANSFER_QUEUE)),
                    },
                    Actor::Agent(agent),
                );
            }
            // The chat visitor closes the chat window.
            Finish::CustomerHangsUp if chat => Command::Abandon { contact },
            Finish::CustomerHangsUp => Command::Connector(ConnectorEvent::Hangup {
                contact,
                reason: HangupReason::Ended,
                close_call_on_error: false,
                agent_status: None,
                cause_code: Some("16".into()),
                ended_by: Some(EndedBy::Customer),
            }),
            Finish::CallError {
                close,
                status,
                cause,
            } => Command::Connector(ConnectorEvent::Hangup {
                contact,
                reason: HangupReason::Error,
                close_call_on_error: close,
                agent_status: status,
                cause_code: Some(cause.into()),
                ended_by: None,
            }),
        };
        self.send_one(command, Actor::Trusted);
    }

    async fn complete(&mut self, contact: ContactId, schedule: bool) {
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        if c.phase != Phase::Wrapping {
            return;
        }
        let Some(agent) = c.agent.clone() else {
            return;
        };
        let (queue, from, channel) = (c.queue.clone(), c.from.clone(), c.channel);
        let codes = self.dispositions.get(&queue).cloned().unwrap_or_default();
        let disposition = if !codes.is_empty() && self.u01() < 0.9 {
            Some(codes[self.rng.random_range(0..codes.len())].clone())
        } else {
            None
        };
        let mut commands = Vec::new();
        // Now and then an agent promises the caller a callback (closes the call 51/0).
        if schedule && channel == Channel::Voice && self.callback_queues.contains(&queue) {
            let minutes = self.rng.random_range(5..30i64);
            if let Ok(now) = self.driver.read(|e| e.now()).await {
                let reserve = self.u01() < 0.5;
                commands.push((
                    Command::ScheduleCallback {
                        agent: agent.clone(),
                        contact: Some(contact),
                        destination: from,
                        queue: None,
                        due: Timestamp(now.0 + minutes * 60_000),
                        window_end: None,
                        reserve,
                    },
                    Actor::Agent(agent.clone()),
                ));
            }
        }
        commands.push((
            Command::Complete {
                agent: agent.clone(),
                contact,
                disposition,
            },
            Actor::Agent(agent),
        ));
        self.send(commands);
    }

    async fn set_completion(&mut self, contact: ContactId, completion: Completion) {
        let Some(agent) = self.holder(contact) else {
            return;
        };
        let status = match completion {
            Completion::Handled => CompletionStatus::Handled,
            Completion::AnsweringMachine => CompletionStatus::AnsweringMachine,
            Completion::WrongDestination => CompletionStatus::WrongDestination,
            Completion::Requested(minutes) => {
                let Ok(now) = self.driver.read(|e| e.now()).await else {
                    return;
                };
                let mine = self.u01() < 0.5;
                CompletionStatus::CallbackRequested {
                    due: Timestamp(now.0 + minutes * 60_000),
                    agent: mine.then(|| agent.clone()),
                }
            }
        };
        self.send_one(
            Command::SetCompletion {
                agent: agent.clone(),
                contact,
                status,
            },
            Actor::Agent(agent),
        );
    }

    fn take_break(&mut self, agent: AgentId) {
        let next = 60.0 + self.exp(600.0);
        let Some(info) = self.agents.get(&agent) else {
            return;
        };
        match info.state {
            AgentState::Ready | AgentState::Busy => {}
            AgentState::Offered => {
                // Not in the middle of an offer: try again shortly.
                self.after(15.0, Action::TakeBreak(agent));
                return;
            }
            _ => {
                self.after(next, Action::TakeBreak(agent));
                return;
            }
        }
        let sales = info.sales;
        let r = self.u01();
        let (state, reason) = if sales && r < 0.15 {
            if let Some(info) = self.agents.get_mut(&agent) {
                info.outbound_calls = self.rng.random_range(1..3);
            }
            (SelectableState::OutgoingInteractions, None)
        } else if r < 0.45 {
            (SelectableState::Break, Some("Coffee"))
        } else if r < 0.55 {
            (SelectableState::Break, Some("Lunch"))
        } else if r < 0.7 {
            (SelectableState::Break, None)
        } else if r < 0.8 {
            (SelectableState::BackOffice, Some("Training"))
        } else if r < 0.9 {
            (SelectableState::BackOffice, Some("Email follow-up"))
        } else {
            (SelectableState::BackOffice, Some("Team meeting"))
        };
        // While busy this records "Waiting for X" (Mode Pending) until the work ends.
        self.send_one(
            Command::SetState {
                agent: agent.clone(),
                state,
                reason: reason.map(str::to_string),
            },
            Actor::Agent(agent.clone()),
        );
        self.after(next + 240.0, Action::TakeBreak(agent));
    }

    /// Looks at the engine and gets going what the director lost track of.
    async fn watchdog(&mut self) {
        self.after(30.0, Action::Watchdog);
        let tracked: Vec<ContactId> = self.contacts.keys().copied().collect();
        let Ok((views, open)) = self
            .driver
            .read(move |engine| {
                let views: Vec<_> = engine.agent_views().collect();
                let open: Vec<ContactId> = tracked
                    .into_iter()
                    .filter(|c| engine.contact_view(*c).is_some())
                    .collect();
                (views, open)
            })
            .await
        else {
            return;
        };
        self.contacts.retain(|id, _| open.binary_search(id).is_ok());
        let mut plans = Vec::new();
        for view in views {
            if self.people.contains(&view.id) {
                continue;
            }
            let Some(info) = self.agents.get_mut(&view.id) else {
                continue;
            };
            info.state = view.state;
            let stuck = matches!(
                view.state,
                AgentState::Offline
                    | AgentState::NoAnswer
                    | AgentState::Break
                    | AgentState::BackOffice
            ) || (view.state == AgentState::OutgoingInteractions
                && view.contacts.is_empty()
                && info.outbound_calls == 0);
            if stuck && !info.recovery_planned {
                info.recovery_planned = true;
                let action = if view.state == AgentState::Offline {
                    Action::Login(view.id.clone())
                } else {
                    Action::Ready(view.id.clone())
                };
                plans.push((5.0, action));
            }
            for (contact, state) in view.contacts {
                let info = self.contacts.entry(contact).or_insert_with(|| ContactInfo {
                    queue: QueueId::new(""),
                    channel: Channel::Voice,
                    outbound: false,
                    from: String::new(),
                    agent: Some(view.id.clone()),
                    phase: Phase::WithAgent,
                    pending: 0,
                    left_to_engine: false,
                    idle_passes: 0,
                    scripted: false,
                });
                if info.pending > 0 || info.left_to_engine {
                    continue;
                }
                info.agent = Some(view.id.clone());
                let action = match state {
                    ContactState::WrapUp => {
                        info.phase = Phase::Wrapping;
                        Action::Complete(contact, false)
                    }
                    ContactState::Preview => {
                        info.phase = Phase::WithAgent;
                        Action::StartDial(contact)
                    }
                    // A callback dial ends by the engine's Duration For No Answer.
                    ContactState::Dialing if info.channel == Channel::Callback => continue,
                    ContactState::Dialing
                    | ContactState::Handling
                    | ContactState::OnHold
                    | ContactState::Consulting
                    | ContactState::InConference => {
                        info.phase = Phase::WithAgent;
                        Action::Finish(contact, Finish::AgentEnds)
                    }
                    ContactState::Queued | ContactState::Offered | ContactState::Closed => {
                        continue;
                    }
                };
                // Nothing planned twice in a row: act.
                info.idle_passes += 1;
                if info.idle_passes >= 2 {
                    plans.push((1.0, action));
                }
            }
        }
        for (delay, action) in plans {
            self.after(delay, action);
        }
    }
}

/// The contact an action is about (for its count of planned actions).
fn action_contact(action: &Action) -> Option<ContactId> {
    match action {
        Action::Abandon(c)
        | Action::ChooseCallback(c)
        | Action::Hold(c)
        | Action::Resume(c)
        | Action::Finish(c, _)
        | Action::Complete(c, _)
        | Action::StartDial(c)
        | Action::Answered(c, _)
        | Action::DialFailed(c)
        | Action::DialOutcome(c, ..)
        | Action::CustomerMissed(c)
        | Action::SetCompletion(c, _) => Some(*c),
        _ => None,
    }
}

async fn execute(driver: &Driver, command: Command, actor: Actor) {
    let what = command_name(&command);
    match driver.execute(command, actor).await {
        Ok(_) => {}
        Err(CommandError::Rejected(rejection)) => {
            tracing::debug!(command = what, code = rejection.code(), %rejection, "demo: command rejected");
        }
        Err(error) => {
            tracing::debug!(command = what, %error, "demo: command not run");
        }
    }
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Login { .. } => "login",
        Command::SetState { .. } => "set_state",
        Command::Accept { .. } => "accept",
        Command::Refuse { .. } => "refuse",
        Command::Hold { .. } => "hold",
        Command::Resume { .. } => "resume",
        Command::StartDial { .. } => "start_dial",
        Command::End { .. } => "end",
        Command::Complete { .. } => "complete",
        Command::Transfer { .. } => "transfer",
        Command::Dial { .. } => "dial",
        Command::CreateContact { .. } => "create_contact",
        Command::Abandon { .. } => "abandon",
        Command::Connector(ConnectorEvent::LegLinked { .. }) => "leg_linked",
        Command::Connector(ConnectorEvent::LegFailed { .. }) => "leg_failed",
        Command::Connector(ConnectorEvent::Answered { .. }) => "answered",
        Command::Connector(ConnectorEvent::DialFailed { .. }) => "dial_failed",
        Command::Connector(ConnectorEvent::DialOutcome { .. }) => "dial_outcome",
        Command::Connector(ConnectorEvent::Hangup { .. }) => "hangup",
        Command::CreateCallback { .. } => "create_callback",
        Command::ChooseCallback { .. } => "choose_callback",
        Command::ScheduleCallback { .. } => "schedule_callback",
        Command::SetCompletion { .. } => "set_completion",
        _ => "other",
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
        for profile in &PROFILES {
            assert!(
                config
                    .queues
                    .iter()
                    .any(|q| q.id.as_str() == profile.queue && q.channel == profile.channel),
                "{}",
                profile.queue
            );
        }
        assert!(
            config
                .queues
                .iter()
                .any(|q| q.id.as_str() == WEB_CALLBACK_QUEUE && q.callbacks.is_some())
        );
        for queue in &config.queues {
            for d in &queue.dispositions {
                assert!(!d.label_en.is_empty() && !d.label_hu.is_empty());
            }
        }
    }
}
