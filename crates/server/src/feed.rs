//! The live feed: who receives each committed event and connector request, within which
//! budget.
//!
//! Every subscriber has its own bounded queue. The driver publishes a batch under one lock
//! and hands each item only to the subscribers that want it: events to the everything-
//! subscribers (admin, supervisor, connector, the demo) and, through an index by agent id,
//! to the streams of the agent the event is about; connector requests to the connector-
//! request subscribers. So the cost of an event is proportional to the streams that
//! receive it, not to all open streams: 20,000 agent desktops cost an agent's event what
//! one costs.
//!
//! A subscriber whose queue is full has fallen behind: it is cut off (its queue closes
//! after what it already holds, and it reads [`Ended::Lagged`]) instead of buffering
//! without bound. A [`Subscription`] leaves the feed when it is dropped, so a stream whose
//! client has gone frees its slot at once, whether or not an event ever reaches it.
//!
//! Budgets: streams per key and per role ([`StreamLimits`]), so agent keys cannot use up
//! the slots of the connector (which carries deliver and dial requests) or of supervisors.

use crate::auth::Role;
use crate::driver::Published;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use switchboard_core::ids::AgentId;
use tokio::sync::mpsc;

/// How many streams one key and one role may hold open at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StreamBudget {
    pub per_key: usize,
    pub per_role: usize,
}

/// The stream budget of every role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StreamLimits {
    pub admin: StreamBudget,
    pub supervisor: StreamBudget,
    pub agent: StreamBudget,
    pub connector: StreamBudget,
    /// Messages an everything-stream (admin, supervisor, connector) may fall behind before
    /// it is cut off.
    pub backlog_everything: usize,
    /// Messages an agent's stream may fall behind before it is cut off: an agent's own
    /// events are a few per contact, so a desktop this far behind is not reading.
    pub backlog_agent: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            admin: StreamBudget {
                per_key: 16,
                per_role: 64,
            },
            supervisor: StreamBudget {
                per_key: 16,
                per_role: 2_000,
            },
            // One desktop per agent, a second tab, a reconnect racing the old stream.
            agent: StreamBudget {
                per_key: 4,
                per_role: 50_000,
            },
            connector: StreamBudget {
                per_key: 16,
                per_role: 64,
            },
            backlog_everything: 65_536,
            backlog_agent: 1_024,
        }
    }
}

impl StreamLimits {
    pub fn budget(&self, role: Role) -> StreamBudget {
        match role {
            Role::Admin => self.admin,
            Role::Supervisor => self.supervisor,
            Role::Agent => self.agent,
            Role::Connector => self.connector,
        }
    }
}

/// Who holds a subscription, for its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// An API key of `role`.
    Key { role: Role, key_id: i64 },
    /// The server itself (the demo's simulated people, tests): no budget.
    Internal,
}

/// What a subscription receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every event; connector requests too when `connector_requests`.
    Everything { connector_requests: bool },
    /// The events about this agent.
    Agent(AgentId),
}

/// A budget a new subscription would exceed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverBudget {
    #[error("this key already holds {limit} event streams, the most a key of role {role} may hold")]
    Key { role: &'static str, limit: usize },
    #[error("{limit} {role} event streams are already open, the most for that role")]
    Role { role: &'static str, limit: usize },
}

/// Why a subscription's queue closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It fell more than its backlog behind and was cut off.
    Lagged,
    /// The feed closed: the server is stopping.
    Closed,
}

const OPEN: u8 = 0;
const LAGGED: u8 = 1;

struct Sink {
    tx: mpsc::Sender<Published>,
    ended: Arc<AtomicU8>,
}

#[derive(Default)]
struct Members {
    next_id: u64,
    /// Subscribers of every event, by subscription id.
    everything: HashMap<u64, Sink>,
    /// Subscribers of connector requests (a clone of an `everything` sender).
    connector: HashMap<u64, Sink>,
    /// Each agent's streams: the index that keeps an agent's event from visiting the others.
    by_agent: HashMap<AgentId, Vec<(u64, Sink)>>,
    /// Open subscriptions per key and per role, for the budgets.
    per_key: HashMap<i64, usize>,
    per_role: BTreeMap<Role, usize>,
    open: usize,
    closed: bool,
}

/// The live feed. Shared by the driver (publishes) and the HTTP layer (subscribes).
pub struct Feed {
    members: Mutex<Members>,
    limits: StreamLimits,
}

impl Feed {
    pub fn new(limits: StreamLimits) -> Arc<Feed> {
        Arc::new(Feed {
            members: Mutex::new(Members::default()),
            limits,
        })
    }

    pub fn limits(&self) -> &StreamLimits {
        &self.limits
    }

    /// Open subscriptions (every holder).
    pub fn subscribers(&self) -> usize {
        self.lock().open
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Members> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters more than losing the feed, so a poisoned lock is taken as it is.
        self.members.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new subscription, if the holder's budgets allow it. It receives what is published
    /// after this call.
    pub fn subscribe(
        self: &Arc<Self>,
        holder: Holder,
        audience: Audience,
    ) -> Result<Subscription, OverBudget> {
        let backlog = match audience {
            Audience::Everything { .. } => self.limits.backlog_everything,
            Audience::Agent(_) => self.limits.backlog_agent,
        };
        let mut members = self.lock();
        if let Holder::Key { role, key_id } = holder {
            let budget = self.limits.budget(role);
            let held = members.per_key.get(&key_id).copied().unwrap_or(0);
            if held >= budget.per_key {
                return Err(OverBudget::Key {
                    role: role.as_str(),
                    limit: budget.per_key,
                });
            }
            let open = members.per_role.get(&role).copied().unwrap_or(0);
            if open >= budget.per_role {
                return Err(OverBudget::Role {
                    role: role.as_str(),
                    limit: budget.per_role,
                });
            }
            *members.per_key.entry(key_id).or_default() += 1;
            *members.per_role.entry(role).or_default() += 1;
        }
        let (tx, rx) = mpsc::channel(backlog.max(1));
        let ended = Arc::new(AtomicU8::new(OPEN));
        let id = members.next_id;
        members.next_id += 1;
        members.open += 1;
        if members.closed {
            // The server is stopping: the subscription ends at once.
            drop(tx);
        } else {
            let sink = |tx: &mpsc::Sender<Published>| Sink {
                tx: tx.clone(),
                ended: ended.clone(),
            };
            match &audience {
                Audience::Everything { connector_requests } => {
                    if *connector_requests {
                        members.connector.insert(id, sink(&tx));
                    }
                    members.everything.insert(id, sink(&tx));
                }
                Audience::Agent(agent) => {
                    members
                        .by_agent
                        .entry(agent.clone())
                        .or_default()
                        .push((id, sink(&tx)));
                }
            }
        }
        Ok(Subscription {
            id,
            rx,
            ended,
            holder,
            audience,
            feed: self.clone(),
        })
    }

    /// Hands each item to the subscribers that want it, in order. A subscriber whose
    /// backlog is full is cut off.
    pub fn publish(&self, items: &[Published]) {
        let mut members = self.lock();
        let mut dropped: Vec<u64> = Vec::new();
        let mut dropped_agents: Vec<(AgentId, u64)> = Vec::new();
        for item in items {
            match item {
                Published::Event(entry) => {
                    for (id, sink) in &members.everything {
                        if !deliver(sink, item) {
                            dropped.push(*id);
                        }
                    }
                    if let Some(agent) = entry.record.event.agent()
                        && let Some(sinks) = members.by_agent.get(agent)
                    {
                        for (id, sink) in sinks {
                            if !deliver(sink, item) {
                                dropped_agents.push((agent.clone(), *id));
                            }
                        }
                    }
                }
                Published::Connector(_) => {
                    for (id, sink) in &members.connector {
                        if !deliver(sink, item) {
                            dropped.push(*id);
                        }
                    }
                }
            }
            if !dropped.is_empty() || !dropped_agents.is_empty() {
                // Cut off at once, so the rest of the batch is not offered to them.
                for id in dropped.drain(..) {
                    members.everything.remove(&id);
                    members.connector.remove(&id);
                }
                for (agent, id) in dropped_agents.drain(..) {
                    remove_agent_sink(&mut members.by_agent, &agent, id);
                }
            }
        }
    }

    /// Ends every subscription (after what each already holds): the server is stopping.
    pub fn close(&self) {
        let mut members = self.lock();
        members.closed = true;
        members.everything.clear();
        members.connector.clear();
        members.by_agent.clear();
    }

    fn leave(&self, id: u64, holder: Holder, audience: &Audience) {
        let mut members = self.lock();
        match audience {
            Audience::Everything { .. } => {
                members.everything.remove(&id);
                members.connector.remove(&id);
            }
            Audience::Agent(agent) => remove_agent_sink(&mut members.by_agent, agent, id),
        }
        if let Holder::Key { role, key_id } = holder {
            if let Some(held) = members.per_key.get_mut(&key_id) {
                *held -= 1;
                if *held == 0 {
                    members.per_key.remove(&key_id);
                }
            }
            if let Some(open) = members.per_role.get_mut(&role) {
                *open -= 1;
            }
        }
        members.open -= 1;
    }
}

/// False when the subscriber is gone or fell behind (then it is marked lagged).
fn deliver(sink: &Sink, item: &Published) -> bool {
    match sink.tx.try_send(item.clone()) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            sink.ended.store(LAGGED, Ordering::Release);
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

fn remove_agent_sink(by_agent: &mut HashMap<AgentId, Vec<(u64, Sink)>>, agent: &AgentId, id: u64) {
    if let Some(sinks) = by_agent.get_mut(agent) {
        sinks.retain(|(sink_id, _)| *sink_id != id);
        if sinks.is_empty() {
            by_agent.remove(agent);
        }
    }
}

/// One subscriber's end of the feed. Dropping it leaves the feed and frees its budget.
pub struct Subscription {
    id: u64,
    rx: mpsc::Receiver<Published>,
    ended: Arc<AtomicU8>,
    holder: Holder,
    audience: Audience,
    feed: Arc<Feed>,
}

impl Subscription {
    /// The next item, or why the subscription ended.
    pub async fn recv(&mut self) -> Result<Published, Ended> {
        match self.rx.recv().await {
            Some(item) => Ok(item),
            None => Err(self.why_ended()),
        }
    }

    /// The next item if one is waiting.
    pub fn try_recv(&mut self) -> Option<Result<Published, Ended>> {
        match self.rx.try_recv() {
            Ok(item) => Some(Ok(item)),
            Err(mpsc::error::TryRecvError::Empty) => None,
            Err(mpsc::error::TryRecvError::Disconnected) => Some(Err(self.why_ended())),
        }
    }

    fn why_ended(&self) -> Ended {
        if self.ended.load(Ordering::Acquire) == LAGGED {
            Ended::Lagged
        } else {
            Ended::Closed
        }
    }

    pub fn audience(&self) -> &Audience {
        &self.audience
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.feed.leave(self.id, self.holder, &self.audience);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::event::{Event, EventRecord};
    use switchboard_core::time::Timestamp;
    use switchboard_store::JournalEntry;

    fn logout(seq: u64, agent: &str) -> Published {
        Published::Event(Arc::new(JournalEntry {
            seq,
            record: EventRecord {
                at: Timestamp(0),
                event: Event::AgentLoggedOut {
                    agent: AgentId::new(agent),
                    by: None,
                },
            },
        }))
    }

    fn seq(item: Result<Published, Ended>) -> u64 {
        match item {
            Ok(Published::Event(entry)) => entry.seq,
            other => panic!("expected an event, got {:?}", other.map(|_| ())),
        }
    }

    fn key(role: Role, key_id: i64) -> Holder {
        Holder::Key { role, key_id }
    }

    #[test]
    fn an_agents_events_reach_only_that_agents_streams_and_everything_streams() {
        let feed = Feed::new(StreamLimits::default());
        let mut mine = feed
            .subscribe(
                key(Role::Agent, 1),
                Audience::Agent(AgentId::new("feed-a1")),
            )
            .unwrap();
        let mut other = feed
            .subscribe(
                key(Role::Agent, 2),
                Audience::Agent(AgentId::new("feed-a2")),
            )
            .unwrap();
        let mut all = feed
            .subscribe(
                key(Role::Supervisor, 3),
                Audience::Everything {
                    connector_requests: false,
                },
            )
            .unwrap();
        feed.publish(&[logout(1, "feed-a1"), logout(2, "feed-a2")]);
        assert_eq!(seq(mine.try_recv().unwrap()), 1);
        assert!(mine.try_recv().is_none());
        assert_eq!(seq(other.try_recv().unwrap()), 2);
        assert_eq!(seq(all.try_recv().unwrap()), 1);
        assert_eq!(seq(all.try_recv().unwrap()), 2);
    }

    #[test]
    fn a_dropped_subscription_frees_its_slot_at_once() {
        let limits = StreamLimits {
            agent: StreamBudget {
                per_key: 2,
                per_role: 3,
            },
            ..StreamLimits::default()
        };
        let feed = Feed::new(limits);
        let agent = || Audience::Agent(AgentId::new("feed-b1"));
        let first = feed.subscribe(key(Role::Agent, 1), agent()).unwrap();
        let _second = feed.subscribe(key(Role::Agent, 1), agent()).unwrap();
        assert_eq!(
            feed.subscribe(key(Role::Agent, 1), agent()).err(),
            Some(OverBudget::Key {
                role: "agent",
                limit: 2
            })
        );
        let _third = feed.subscribe(key(Role::Agent, 2), agent()).unwrap();
        assert_eq!(
            feed.subscribe(key(Role::Agent, 3), agent()).err(),
            Some(OverBudget::Role {
                role: "agent",
                limit: 3
            })
        );
        // Other roles have their own budget.
        let connector = feed
            .subscribe(
                key(Role::Connector, 9),
                Audience::Everything {
                    connector_requests: true,
                },
            )
            .unwrap();
        assert_eq!(feed.subscribers(), 4);
        drop(first);
        assert_eq!(feed.subscribers(), 3);
        feed.subscribe(key(Role::Agent, 1), agent()).unwrap();
        drop(connector);
        assert_eq!(feed.lock().connector.len(), 0);
        assert_eq!(feed.lock().by_agent[&AgentId::new("feed-b1")].len(), 2);
    }

    #[test]
    fn a_subscriber_that_falls_behind_is_cut_off_after_what_it_holds() {
        let limits = StreamLimits {
            backlog_agent: 2,
            ..StreamLimits::default()
        };
        let feed = Feed::new(limits);
        let mut slow = feed
            .subscribe(Holder::Internal, Audience::Agent(AgentId::new("feed-c1")))
            .unwrap();
        feed.publish(&[
            logout(1, "feed-c1"),
            logout(2, "feed-c1"),
            logout(3, "feed-c1"),
            logout(4, "feed-c1"),
        ]);
        assert_eq!(seq(slow.try_recv().unwrap()), 1);
        assert_eq!(seq(slow.try_recv().unwrap()), 2);
        assert_eq!(slow.try_recv().unwrap().err(), Some(Ended::Lagged));
        assert!(feed.lock().by_agent.is_empty());
        // It still counts until it is dropped (its stream is still sending the error).
        assert_eq!(feed.subscribers(), 1);
        drop(slow);
        assert_eq!(feed.subscribers(), 0);
    }

    #[test]
    fn closing_the_feed_ends_every_subscription() {
        let feed = Feed::new(StreamLimits::default());
        let mut sub = feed
            .subscribe(
                Holder::Internal,
                Audience::Everything {
                    connector_requests: true,
                },
            )
            .unwrap();
        feed.publish(&[logout(1, "feed-d1")]);
        feed.close();
        assert_eq!(seq(sub.try_recv().unwrap()), 1);
        assert_eq!(sub.try_recv().unwrap().err(), Some(Ended::Closed));
        let mut late = feed
            .subscribe(Holder::Internal, Audience::Agent(AgentId::new("feed-d1")))
            .unwrap();
        assert_eq!(late.try_recv().unwrap().err(), Some(Ended::Closed));
    }
}
