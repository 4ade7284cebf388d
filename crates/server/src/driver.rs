//! The driver: one thread owns the engine and the store's write connection.
//!
//! Loop: wait for a request or the engine's next deadline; take every request already waiting
//! (up to [`MAX_BATCH`]); feed the due timers and the commands to the engine with `now` from
//! the clock; append all their events to the journal in ONE transaction; only then answer the
//! callers and publish the events (with their journal sequence numbers) and connector
//! requests. So a command is acknowledged only when its events are durable, and commits are
//! grouped under load. Reads (monitor views) run after the commit, on committed state.
//!
//! If the append fails, the engine has run ahead of the journal: every command of the batch
//! gets a storage error and the engine is rebuilt from the journal.

use crate::clock::Clock;
use crate::feed::{Audience, Feed, Holder, Subscription};
use crate::shift::Shifts;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::time::{Duration, Instant};
use switchboard_core::command::Command;
use switchboard_core::engine::{Engine, Receipt};
use switchboard_core::event::EventRecord;
use switchboard_core::ids::AgentId;
use switchboard_core::output::{ConnectorRequest, Output};
use switchboard_core::rejection::Rejection;
use switchboard_core::time::Timestamp;
use switchboard_store::{Journal, JournalEntry, StoreError};
use tokio::sync::oneshot;

/// Most requests taken into one commit.
pub const MAX_BATCH: usize = 512;
/// Requests waiting for the driver before callers get `overloaded` (HTTP 429).
pub const QUEUE_CAPACITY: usize = 8192;

/// Who sends a command, for the ownership check an agent key needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Admin, supervisor, connector, or the server itself.
    Trusted,
    /// An agent key: may act only as this agent.
    Agent(AgentId),
}

/// A command's events are in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub receipt: Receipt,
    /// Journal sequence numbers of the command's events (`first..=last`; empty when
    /// `last < first`).
    pub first_seq: u64,
    pub last_seq: u64,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CommandError {
    #[error("{0}")]
    Rejected(Rejection),
    #[error("{0}")]
    Forbidden(String),
    #[error("the store could not save the change: {0}")]
    Storage(String),
    #[error("too many requests waiting; retry shortly")]
    Overloaded,
    #[error("the server is shutting down")]
    ShuttingDown,
    /// The domain's lease passed to another node while the command waited: nothing was
    /// applied; the same request, sent again, reaches the new owner.
    #[error("the domain moved to another node; nothing was applied, retry")]
    Moved,
}

type ReadFn = Box<dyn FnOnce(&Engine) + Send>;

enum Request {
    Command {
        command: Box<Command>,
        actor: Actor,
        reply: oneshot::Sender<Result<Committed, CommandError>>,
    },
    Read(ReadFn),
    Shutdown(oneshot::Sender<()>),
}

/// What subscribers of the live stream receive, in commit order.
#[derive(Debug, Clone)]
pub enum Published {
    Event(Arc<JournalEntry>),
    /// A request to the connector; not journaled (it follows from the events before it).
    Connector(Arc<ConnectorRequest>),
}

/// Figures the driver keeps for `/metrics` and `/healthz`.
#[derive(Debug, Default)]
pub struct DriverStats {
    pub last_seq: std::sync::atomic::AtomicU64,
}

/// The handle the HTTP layer uses. Cheap to clone.
#[derive(Clone)]
pub struct Driver {
    requests: SyncSender<Request>,
    feed: Arc<Feed>,
    stats: Arc<DriverStats>,
}

impl Driver {
    /// Starts the engine thread on `engine`, which the caller loaded from `store`
    /// ([`load_engine`]: the latest snapshot, then the journal after it). Nothing is fired
    /// here: timers that fell due while the server was down fire on the thread's first turn,
    /// or ahead of the first command (the engine fires what is due before deciding).
    pub fn start(
        store: Box<dyn Journal>,
        engine: Engine,
        shifts: Arc<Shifts>,
        clock: Arc<dyn Clock>,
        feed: Arc<Feed>,
    ) -> anyhow::Result<(Driver, std::thread::JoinHandle<()>)> {
        Self::start_owned(store, engine, shifts, clock, feed, None)
    }

    /// [`Self::start`] for one domain of a cluster: when the domain is lost — the store says
    /// another node took its lease ([`StoreError::Fenced`]) or the engine cannot be reloaded
    /// after a failed append — the thread answers what it holds with [`CommandError::Moved`],
    /// calls `lost` with the reason and ends (a single node exits instead: nobody else could
    /// serve its data).
    pub fn start_owned(
        mut store: Box<dyn Journal>,
        engine: Engine,
        shifts: Arc<Shifts>,
        clock: Arc<dyn Clock>,
        feed: Arc<Feed>,
        lost: Option<Box<dyn FnOnce(String) + Send>>,
    ) -> anyhow::Result<(Driver, std::thread::JoinHandle<()>)> {
        let snapshot_seq = store
            .latest_snapshot(SNAPSHOT_FORMAT)?
            .map_or(0, |snapshot| snapshot.seq);
        let (requests, inbox) = std::sync::mpsc::sync_channel(QUEUE_CAPACITY);
        let stats = Arc::new(DriverStats::default());
        stats
            .last_seq
            .store(store.last_seq(), std::sync::atomic::Ordering::Relaxed);
        let driver = Driver {
            requests,
            feed: feed.clone(),
            stats: stats.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("engine".into())
            .spawn(move || {
                let mut state = Loop {
                    engine,
                    store: &mut *store,
                    lost,
                    lost_reason: None,
                    clock,
                    feed,
                    stats,
                    shifts,
                    snapshot_seq,
                    events: Vec::new(),
                    outputs: Vec::new(),
                    contacts_indexed: 0,
                    index_retry_after: 0,
                };
                state.contacts_indexed = state.store.contact_index_upto().unwrap_or(0);
                state.run(inbox);
                // Every stream ends with `shutting_down` once it has sent what it holds.
                state.feed.close();
                if let (Some(lost), Some(reason)) = (state.lost.take(), state.lost_reason.take()) {
                    lost(reason);
                }
            })?;
        Ok((driver, thread))
    }

    /// Runs `command`, answering once its events are durable.
    pub async fn execute(&self, command: Command, actor: Actor) -> Result<Committed, CommandError> {
        self.submit(command, actor)?.await
    }

    /// Puts `command` in the driver's inbox now (commands run in the order they are
    /// submitted) and returns the wait for its answer.
    pub fn submit(
        &self,
        command: Command,
        actor: Actor,
    ) -> Result<impl Future<Output = Result<Committed, CommandError>> + use<>, CommandError> {
        let (reply, answer) = oneshot::channel();
        self.send(Request::Command {
            command: Box::new(command),
            actor,
            reply,
        })?;
        Ok(async move { answer.await.map_err(|_| CommandError::ShuttingDown)? })
    }

    /// Runs `read` on the engine's committed state.
    pub async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Engine) -> T + Send + 'static,
    ) -> Result<T, CommandError> {
        let (reply, answer) = oneshot::channel();
        self.send(Request::Read(Box::new(move |engine| {
            let _ = reply.send(read(engine));
        })))?;
        answer.await.map_err(|_| CommandError::ShuttingDown)
    }

    /// Finishes the requests already taken, commits, and stops the driver thread.
    pub async fn shutdown(&self) {
        let (reply, done) = oneshot::channel();
        if self.requests.send(Request::Shutdown(reply)).is_ok() {
            let _ = done.await;
        }
    }

    fn send(&self, request: Request) -> Result<(), CommandError> {
        self.requests
            .try_send(request)
            .map_err(|error| match error {
                TrySendError::Full(_) => CommandError::Overloaded,
                TrySendError::Disconnected(_) => CommandError::ShuttingDown,
            })
    }

    /// The server's own subscription to everything committed from now on, connector
    /// requests included (the demo's simulated people; tests). It has no budget.
    pub fn subscribe(&self) -> Subscription {
        self.feed
            .subscribe(
                Holder::Internal,
                Audience::Everything {
                    connector_requests: true,
                },
            )
            .expect("the server's own subscriptions have no budget")
    }

    /// The live feed, for the event streams.
    pub fn feed(&self) -> &Arc<Feed> {
        &self.feed
    }

    /// Open event subscriptions.
    pub fn subscribers(&self) -> usize {
        self.feed.subscribers()
    }

    /// Sequence number of the last committed journal entry.
    pub fn last_seq(&self) -> u64 {
        self.stats
            .last_seq
            .load(std::sync::atomic::Ordering::Acquire)
    }
}

/// Version of the snapshot encoding (the engine's state as serde JSON plus the shift
/// counters); a snapshot of another version is ignored and the journal replayed in full.
/// 2: the engine holds the do-not-call list. A build that predates it would read a version-2
/// snapshot without the list (serde skips the field) and dial listed numbers; with the
/// version bumped it ignores the snapshot instead.
/// 3: the engine holds suspended and parked sessions (with the contacts held in them) and the
/// dial outcomes' cause codes, which a version-2 build would silently drop.
pub const SNAPSHOT_FORMAT: u32 = 3;
/// A snapshot is written after this many journal entries since the last one.
pub const SNAPSHOT_EVERY: u64 = 100_000;

/// The engine (and the shift counters) as the journal leaves them: the latest snapshot, then
/// the entries after it. A snapshot that cannot be read is skipped (full replay).
pub fn load_engine(store: &dyn Journal, shifts: &Shifts) -> anyhow::Result<Engine> {
    let mut engine = Engine::default();
    let mut after = 0;
    if let Some(snapshot) = store.latest_snapshot(SNAPSHOT_FORMAT)? {
        match restore(&snapshot.state, shifts) {
            Ok(restored) => {
                engine = restored;
                after = snapshot.seq;
            }
            Err(error) => {
                tracing::warn!(%error, seq = snapshot.seq, "snapshot unreadable; replaying the whole journal");
            }
        }
    }
    let mut batch = Vec::with_capacity(4096);
    store.for_each_entry(after, None, &mut |entry| {
        shifts.apply(&entry.record);
        batch.push(entry.record);
        if batch.len() == batch.capacity() {
            engine.replay(batch.iter());
            batch.clear();
        }
        Ok(())
    })?;
    engine.replay(batch.iter());
    Ok(engine)
}

fn restore(state: &[u8], shifts: &Shifts) -> anyhow::Result<Engine> {
    #[derive(serde::Deserialize)]
    struct Parts {
        engine: serde_json::Value,
        shifts: serde_json::Value,
    }
    let parts: Parts = serde_json::from_slice(state)?;
    let engine = Engine::from_snapshot(parts.engine)?;
    shifts.load_json(parts.shifts)?;
    Ok(engine)
}

/// Writes a snapshot of `engine` (which must hold exactly the journal up to `seq`).
pub fn save_snapshot(
    store: &mut dyn Journal,
    engine: &Engine,
    shifts: &Shifts,
    seq: u64,
) -> anyhow::Result<()> {
    anyhow::ensure!(engine.snapshot_ready(), "outputs not drained");
    let state = serde_json::to_vec(&serde_json::json!({
        "engine": engine,
        "shifts": shifts.to_json(),
    }))?;
    store.save_snapshot(&switchboard_store::Snapshot {
        seq,
        format: SNAPSHOT_FORMAT,
        state,
    })?;
    Ok(())
}

struct Loop<'a> {
    engine: Engine,
    store: &'a mut dyn Journal,
    /// Called when a cluster domain is lost (`Driver::start_owned`); `None` on a single node.
    lost: Option<Box<dyn FnOnce(String) + Send>>,
    /// Why the domain was lost: the loop ends.
    lost_reason: Option<String>,
    clock: Arc<dyn Clock>,
    feed: Arc<Feed>,
    stats: Arc<DriverStats>,
    shifts: Arc<Shifts>,
    /// Journal position of the newest snapshot.
    snapshot_seq: u64,
    /// Events of the batch being built, in order.
    events: Vec<EventRecord>,
    /// Everything the engine put out in the batch, in order (events as indexes into `events`).
    outputs: Vec<Pending>,
    /// The last journal entry the contact index (`contact_entries`) covers.
    contacts_indexed: u64,
    /// After a failed indexing step: no new try before the journal reaches this entry.
    index_retry_after: u64,
}

/// Journal entries one step of the contact index takes (a few milliseconds).
const CONTACT_INDEX_STEP: usize = 4_096;
/// How far the contact index may fall behind under load before the driver indexes between
/// batches anyway: it bounds the journal tail a contact's timeline reads.
const CONTACT_INDEX_LAG_MAX: u64 = 100_000;

enum Pending {
    Event,
    Connector(ConnectorRequest),
}

struct Waiting {
    reply: oneshot::Sender<Result<Committed, CommandError>>,
    result: Result<Receipt, CommandError>,
    /// Index range into `events`.
    events: std::ops::Range<usize>,
}

impl Loop<'_> {
    fn run(&mut self, inbox: Receiver<Request>) {
        let mut shutdown: Option<oneshot::Sender<()>> = None;
        loop {
            // Idle work, never in a request's way: with no request waiting and no timer due,
            // one step of the contact index, then look at the inbox again.
            let due = self
                .engine
                .poll_timeout()
                .is_some_and(|deadline| self.clock.until(deadline).is_zero());
            let waiting = match inbox.try_recv() {
                Ok(request) => Some(request),
                Err(TryRecvError::Disconnected) => break,
                Err(TryRecvError::Empty) => None,
            };
            if waiting.is_none() && !due && self.index_contacts_step() {
                continue;
            }
            let first = match waiting {
                Some(request) => Some(request),
                None => match self.engine.poll_timeout() {
                    Some(deadline) => {
                        let wait = self.clock.until(deadline);
                        if wait.is_zero() {
                            None
                        } else {
                            match inbox.recv_timeout(wait) {
                                Ok(request) => Some(request),
                                Err(RecvTimeoutError::Timeout) => None,
                                Err(RecvTimeoutError::Disconnected) => break,
                            }
                        }
                    }
                    None => match inbox.recv() {
                        Ok(request) => Some(request),
                        Err(_) => break,
                    },
                },
            };
            let mut requests: Vec<Request> = first.into_iter().collect();
            while requests.len() < MAX_BATCH {
                match inbox.try_recv() {
                    Ok(request) => requests.push(request),
                    Err(_) => break,
                }
            }
            self.batch(requests, &mut shutdown);
            if self.lost_reason.is_some() {
                // Whatever still waits in the inbox is answered `Moved` as the inbox drops.
                while let Ok(request) = inbox.try_recv() {
                    if let Request::Command { reply, .. } = request {
                        let _ = reply.send(Err(CommandError::Moved));
                    }
                }
                return;
            }
            // Under sustained load the driver is never idle: keep the index's lag bounded.
            if self.store.last_seq() > self.contacts_indexed + CONTACT_INDEX_LAG_MAX {
                self.index_contacts_step();
            }
            if shutdown.is_some() || self.store.last_seq() >= self.snapshot_seq + SNAPSHOT_EVERY {
                self.snapshot();
            }
            if let Some(done) = shutdown.take() {
                let _ = done.send(());
                return;
            }
        }
    }

    /// One step of the contact index, if it is behind; whether it did one.
    fn index_contacts_step(&mut self) -> bool {
        let last = self.store.last_seq();
        if self.contacts_indexed >= last || last < self.index_retry_after {
            return false;
        }
        match self.store.index_contacts(CONTACT_INDEX_STEP) {
            Ok(left) => {
                self.contacts_indexed = last - left;
                true
            }
            Err(error) => {
                // The timeline still reads the unindexed entries from the journal's tail.
                tracing::warn!(%error, "indexing the journal by contact failed; retrying later");
                self.index_retry_after = last + CONTACT_INDEX_STEP as u64;
                false
            }
        }
    }

    /// A snapshot of the committed state, so the next start replays only what follows.
    fn snapshot(&mut self) {
        let seq = self.store.last_seq();
        if seq == self.snapshot_seq {
            return;
        }
        match save_snapshot(self.store, &self.engine, &self.shifts, seq) {
            Ok(()) => self.snapshot_seq = seq,
            Err(error) => {
                tracing::warn!(%error, "snapshot failed; the journal still has everything")
            }
        }
    }

    fn now(&self) -> Timestamp {
        // The clock may step back (NTP) or start behind the journal; engine time does not.
        self.clock.now().max(self.engine.now())
    }

    fn batch(&mut self, requests: Vec<Request>, shutdown: &mut Option<oneshot::Sender<()>>) {
        let started = Instant::now();
        self.events.clear();
        self.outputs.clear();
        let now = self.now();
        self.engine.handle_timeout(now);
        self.drain();
        let mut waiting = Vec::new();
        let mut reads = Vec::new();
        for request in requests {
            match request {
                Request::Command {
                    command,
                    actor,
                    reply,
                } => {
                    let start = self.events.len();
                    let result = match self.check_actor(&command, &actor) {
                        Err(error) => Err(error),
                        Ok(()) => {
                            let now = self.now();
                            self.engine
                                .handle_command(now, *command)
                                .map_err(CommandError::Rejected)
                        }
                    };
                    self.drain();
                    waiting.push(Waiting {
                        reply,
                        result,
                        events: start..self.events.len(),
                    });
                }
                Request::Read(read) => reads.push(read),
                Request::Shutdown(done) => *shutdown = Some(done),
            }
        }
        let committed = if self.events.is_empty() {
            Ok(self.store.last_seq() + 1)
        } else {
            let commit_started = Instant::now();
            let result = self.store.append(&self.events);
            metrics::counter!("switchboard_commits_total").increment(1);
            metrics::histogram!("switchboard_commit_seconds")
                .record(commit_started.elapsed().as_secs_f64());
            result
        };
        match committed {
            Ok(first_seq) => {
                self.stats
                    .last_seq
                    .store(self.store.last_seq(), std::sync::atomic::Ordering::Release);
                metrics::counter!("switchboard_events_total").increment(self.events.len() as u64);
                self.publish(first_seq);
                for waiting in waiting {
                    let answer = waiting.result.map(|receipt| Committed {
                        receipt,
                        first_seq: first_seq + waiting.events.start as u64,
                        last_seq: first_seq + waiting.events.end as u64 - 1,
                    });
                    let _ = waiting.reply.send(answer);
                }
            }
            Err(error) => {
                let fenced = matches!(error, StoreError::Fenced { .. });
                let message = error.to_string();
                for waiting in waiting {
                    let answer = match waiting.result {
                        Ok(_) if fenced => Err(CommandError::Moved),
                        Ok(_) => Err(CommandError::Storage(message.clone())),
                        Err(rejected) => Err(rejected),
                    };
                    let _ = waiting.reply.send(answer);
                }
                if fenced {
                    tracing::warn!(%error, "another node took the domain; dropping it");
                    self.lost_reason = Some(message);
                    return;
                }
                tracing::error!(%error, "journal append failed; reloading the engine from the journal");
                match load_engine(self.store, &Shifts::default()) {
                    Ok(engine) => self.engine = engine,
                    Err(error) if self.lost.is_some() => {
                        tracing::error!(%error, "cannot reload the domain's engine; dropping it");
                        self.lost_reason = Some(error.to_string());
                        return;
                    }
                    Err(error) => {
                        tracing::error!(%error, "cannot reload the engine; stopping");
                        std::process::exit(1);
                    }
                }
            }
        }
        for read in reads {
            read(&self.engine);
        }
        metrics::gauge!("switchboard_contacts_open").set(self.engine.open_contacts() as f64);
        let queued: usize = self.engine.queue_views().map(|q| q.waiting).sum();
        metrics::gauge!("switchboard_contacts_queued").set(queued as f64);
        metrics::histogram!("switchboard_batch_seconds").record(started.elapsed().as_secs_f64());
    }

    fn drain(&mut self) {
        while let Some(output) = self.engine.poll_output() {
            match output {
                Output::Event(record) => {
                    count_event(&record);
                    self.events.push(record);
                    self.outputs.push(Pending::Event);
                }
                Output::Connector(request) => self.outputs.push(Pending::Connector(request)),
            }
        }
    }

    fn publish(&mut self, first_seq: u64) {
        let mut next_event = 0usize;
        let mut items = Vec::with_capacity(self.outputs.len());
        for pending in self.outputs.drain(..) {
            let item = match pending {
                Pending::Event => {
                    let record = self.events[next_event].clone();
                    self.shifts.apply(&record);
                    let seq = first_seq + next_event as u64;
                    next_event += 1;
                    Published::Event(Arc::new(JournalEntry { seq, record }))
                }
                Pending::Connector(request) => Published::Connector(Arc::new(request)),
            };
            items.push(item);
        }
        // No subscribers is fine: the journal has the events.
        self.feed.publish(&items);
    }

    /// An agent key may act only as its own agent (`Command::agent`), and only in an agent's
    /// commands.
    fn check_actor(&self, command: &Command, actor: &Actor) -> Result<(), CommandError> {
        let Actor::Agent(me) = actor else {
            return Ok(());
        };
        let acting_as = match command {
            // They name an offer: its agent acts.
            Command::Accept { offer } | Command::Refuse { offer, .. } => {
                match self.engine.offer_view(*offer) {
                    Some(view) => Some(view.agent),
                    // Unknown offers are the engine's to reject.
                    None => return Ok(()),
                }
            }
            // An agent may create a callback reserved for no one, or for itself.
            Command::CreateCallback { .. } => command.agent().cloned(),
            // Otherwise an agent's command names the agent; one that names none is not an
            // agent's to give (an unpark by no one is a supervisor's).
            _ => match command.agent() {
                Some(agent) => Some(agent.clone()),
                None => {
                    return Err(CommandError::Forbidden(
                        "an agent key cannot do this".to_string(),
                    ));
                }
            },
        };
        match acting_as {
            Some(agent) if agent == *me => Ok(()),
            Some(agent) => Err(CommandError::Forbidden(format!(
                "this key acts as agent {me}, not {agent}"
            ))),
            None => Ok(()),
        }
    }
}

fn count_event(record: &EventRecord) {
    use switchboard_core::event::Event;
    match &record.event {
        Event::OfferCreated { .. } => metrics::counter!("switchboard_offers_total").increment(1),
        Event::OfferRefused { reason, .. } => {
            metrics::counter!("switchboard_refusals_total", "reason" => reason.as_str())
                .increment(1)
        }
        Event::ContactArrived { .. } => {
            metrics::counter!("switchboard_contacts_arrived_total").increment(1)
        }
        Event::ContactClosed { .. } => {
            metrics::counter!("switchboard_contacts_closed_total").increment(1)
        }
        _ => {}
    }
}

/// How long until `deadline` on this clock, zero if it passed.
pub(crate) fn wait_until(now: Timestamp, deadline: Timestamp, speed: f64) -> Duration {
    let ms = (deadline.0 - now.0).max(0) as f64 / speed;
    Duration::from_secs_f64(ms / 1000.0)
}
