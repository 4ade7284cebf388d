//! Routing: ordered indexes per queue, so a decision touches only the candidates that can win.
//!
//! Each queue keeps its waiting contacts ordered by priority handling then entrance time, and
//! its eligible agents ordered by the queue's strategy key. An agent sits in a queue's agent
//! index exactly while it could take a contact of that queue now. After every input the
//! engine routes the "dirty" queues (where a contact or an agent became available), always
//! serving the most urgent head contact first, so an agent in several queues gets the
//! longest-waiting (highest-priority) contact among them.

use super::{AgentRt, Engine, Membership, RouteKey};
use crate::config::{QueueConfig, RoutingStrategy, Settings};
use crate::ids::{AgentId, ContactId, QueueId};
use crate::model::{Channel, Presence};

/// How many waiting contacts from the head routing inspects for one whose exclusions
/// (recent refusals) leave an agent free. A contact is passed over only when every free agent
/// of the queue refused it within the re-offer delay, so this bound is reached only after
/// that many such refusals; it caps the work of one decision.
pub(crate) const LOOKAHEAD_CONTACTS: usize = 1024;

impl Engine {
    /// Whether `agent` could take a new contact of `channel` now (ignores queue membership).
    pub(crate) fn can_take(&self, agent: &AgentRt, channel: Channel) -> bool {
        can_take(&self.settings, agent, channel)
    }

    /// The key under which `agent` belongs in `queue`'s index, or `None` if not eligible.
    pub(crate) fn route_key(
        &self,
        agent: &AgentRt,
        membership: &Membership,
        queue: &QueueConfig,
    ) -> Option<RouteKey> {
        route_key(&self.settings, agent, membership, queue)
    }

    /// Bring `agent`'s entries in its queues' indexes in line with its state. Runs after
    /// every event that touches an agent: one agent lookup, one queue lookup per membership.
    pub(crate) fn reindex_agent(&mut self, id: &AgentId) {
        let Engine {
            agents,
            queues,
            settings,
            dirty,
            touched,
            ..
        } = self;
        let Some(agent) = agents.get_mut(id) else {
            return;
        };
        // Every change of an agent passes here: note it for the shown-state check too.
        if !agent.touched {
            agent.touched = true;
            touched.push(id.clone());
        }
        let mut memberships = std::mem::take(&mut agent.memberships);
        for m in &mut memberships {
            let Some(queue) = queues.get_mut(&m.queue) else {
                continue;
            };
            // Compare positions first: most events leave the key as it was, and building a
            // key clones the agent's id (a reference count up and down).
            let desired = route_position(settings, agent, m, &queue.config);
            let indexed = m.indexed.as_ref().map(|k| (k.primary, k.secondary));
            if desired == indexed {
                continue;
            }
            if let Some(old) = m.indexed.take() {
                queue.agents.remove(&old);
            }
            if let Some((primary, secondary)) = desired {
                let new = RouteKey {
                    primary,
                    secondary,
                    agent: agent.config.id.clone(),
                };
                queue.agents.insert(new.clone());
                m.indexed = Some(new);
                if !dirty.contains(&m.queue) {
                    dirty.insert(m.queue.clone());
                }
            }
        }
        agent.memberships = memberships;
    }

    /// Route every dirty queue until no waiting contact can be matched with a free agent.
    pub(crate) fn dispatch(&mut self) {
        while !self.dirty.is_empty() {
            let mut best: Option<(super::WaitKey, QueueId)> = None;
            let queues = &self.queues;
            // Queues without a waiting contact or a free agent leave the dirty set.
            self.dirty.retain(|id| match queues.get(id) {
                Some(q) if !q.agents.is_empty() => match q.waiting.first() {
                    Some(head) => {
                        if best.as_ref().is_none_or(|(k, _)| head < k) {
                            best = Some((*head, id.clone()));
                        }
                        true
                    }
                    None => false,
                },
                _ => false,
            });
            let Some((_, queue)) = best else {
                break;
            };
            if !self.route_once(&queue) {
                self.dirty.remove(&queue);
            }
        }
    }

    /// Offer one waiting contact of `queue` (the first, from the head, that some free agent may
    /// take) to up to fan-out agents. Returns false when nothing could be matched.
    fn route_once(&mut self, queue: &QueueId) -> bool {
        let Some(q) = self.queues.get(queue) else {
            return false;
        };
        let fan_out = usize::from(q.config.fan_out.max(1));
        let max_offers = q
            .config
            .max_offers
            .unwrap_or(self.settings.limits.offers_per_contact_max);
        let mut chosen: Option<ContactId> = None;
        let mut agents = std::mem::take(&mut self.scratch_agents);
        agents.clear();
        for key in q.waiting.iter().take(LOOKAHEAD_CONTACTS) {
            let Some(contact) = self.contacts.get(&key.contact) else {
                continue;
            };
            let hops_left = max_offers.saturating_sub(contact.offers_made).max(1) as usize;
            let wanted = fan_out.min(hops_left);
            // An exclusion lasts until its ExclusionEnded event, which its timer emits; an agent
            // wrapping this contact up after a transfer is kept from it until that ends.
            let excluded = |agent: &AgentId| {
                contact.exclusions.iter().any(|(a, _)| a == agent)
                    || contact.wrapping_up.contains(agent)
            };
            match self.reserved_for(key.contact) {
                // A reserved callback goes only to its agent, if that agent is free here.
                Some(agent) => {
                    let free = self.agents.get(agent).is_some_and(|a| {
                        a.memberships
                            .iter()
                            .any(|m| &m.queue == queue && m.indexed.is_some())
                    });
                    if free && !excluded(agent) {
                        agents.push(agent.clone());
                    }
                }
                // Skips are bounded by the contact's exclusions and wrap-ups.
                None => agents.extend(
                    q.agents
                        .iter()
                        .filter(|k| !excluded(&k.agent))
                        .take(wanted)
                        .map(|k| k.agent.clone()),
                ),
            }
            if !agents.is_empty() {
                chosen = Some(key.contact);
                break;
            }
        }
        let matched = chosen.is_some();
        if let Some(contact) = chosen {
            for agent in &agents {
                self.make_offer(contact, agent);
            }
        }
        agents.clear();
        self.scratch_agents = agents;
        matched
    }
}

/// Whether `agent` could take a new contact of `channel` now (ignores queue membership).
fn can_take(settings: &Settings, agent: &AgentRt, channel: Channel) -> bool {
    if agent.station.is_none()
        || agent.presence != Presence::Ready
        || agent.pending.is_some()
        || agent.offer.is_some()
    {
        return false;
    }
    if agent.assignments.is_empty() {
        return true;
    }
    if channel.is_exclusive() || agent.assignments.values().any(|a| a.channel.is_exclusive()) {
        return false;
    }
    agent.used_units + u16::from(agent.units_for(settings, channel))
        <= crate::config::CAPACITY_UNITS
}

/// The strategy key of `agent` in a queue, or `None` if it cannot take a contact there now.
fn route_key(
    settings: &Settings,
    agent: &AgentRt,
    membership: &Membership,
    queue: &QueueConfig,
) -> Option<RouteKey> {
    let (primary, secondary) = route_position(settings, agent, membership, queue)?;
    Some(RouteKey {
        primary,
        secondary,
        agent: agent.config.id.clone(),
    })
}

/// The `(primary, secondary)` part of [`route_key`]: the agent's id completes the key (an
/// agent's id never changes, so equal positions mean equal keys).
fn route_position(
    settings: &Settings,
    agent: &AgentRt,
    membership: &Membership,
    queue: &QueueConfig,
) -> Option<(i64, i64)> {
    if !can_take(settings, agent, queue.channel) {
        return None;
    }
    let idle = agent.last_work_at.millis();
    Some(match queue.strategy {
        RoutingStrategy::LongestIdle => (idle, 0),
        RoutingStrategy::RoundRobin => (membership.last_offer_seq as i64, idle),
        RoutingStrategy::FewestContacts => (agent.assignments.len() as i64, idle),
        RoutingStrategy::HighestProficiencyFirst => (-i64::from(membership.proficiency), idle),
    })
}
