//! Evolve of configuration events: settings, queues, agents, stations.

use crate::engine::evolve::{invariant, not_this_family, wait_key};
use crate::engine::{AgentRt, Engine, Membership, QueueRt, Timer, WaitKey};
use crate::event::Event;
use crate::ids::AgentId;
use crate::model::{AgentState, Presence};
use crate::time::Timestamp;
use std::collections::BTreeSet;

/// An agent's queues are configured: `configure_agent` checks them and `remove_queue` waits
/// until no agent serves the queue.
const MEMBER_QUEUE: &str = "an agent's queue is configured";

impl Engine {
    pub(super) fn evolve_config(&mut self, at: Timestamp, event: &Event) {
        match event {
            Event::SettingsConfigured { settings } => {
                self.settings = (**settings).clone();
                let ids: Vec<AgentId> = self.agents.keys().cloned().collect();
                for id in ids {
                    self.reindex_agent(&id);
                    self.arm_unavailable(&id);
                }
            }
            Event::QueueConfigured { queue } => self.apply_queue_configured(queue),
            Event::QueueRemoved { queue } => {
                let removed = self
                    .queues
                    .remove(queue)
                    .expect("invariant: a removed queue was configured");
                debug_assert!(
                    removed.members.is_empty() && removed.waiting.is_empty(),
                    "a queue is removed only when no agent serves it and no contact waits in it"
                );
                self.drop_queue_hours_timer(queue, removed.hours_check);
                if let Some(cb) = removed.callbacks {
                    self.drop_queue_callback_timers(queue, &cb);
                }
                self.dirty.remove(queue);
            }
            Event::AgentConfigured { agent } => self.apply_agent_configured(at, agent),
            Event::AgentRemoved { agent } => {
                let rt = self
                    .agents
                    .remove(agent)
                    .expect("invariant: a removed agent was configured");
                debug_assert!(
                    rt.station.is_none() && rt.offer.is_none() && rt.assignments.is_empty(),
                    "an agent is removed only when logged out"
                );
                if let Some(deadline) = rt.unavailable_deadline {
                    self.timers
                        .remove(&(deadline, Timer::Unavailable(agent.clone())));
                }
                for m in rt.memberships {
                    let q = invariant(self.queues.get_mut(&m.queue), MEMBER_QUEUE);
                    q.members.remove(agent);
                    if let Some(key) = m.indexed {
                        q.agents.remove(&key);
                    }
                }
            }
            Event::StationConfigured { station } => {
                self.stations.insert(station.id.clone(), station.clone());
            }
            Event::StationRemoved { station } => {
                debug_assert!(
                    !self.station_users.contains_key(station),
                    "a station is removed only while no agent is logged in at it"
                );
                self.stations.remove(station);
            }
            _ => not_this_family("config", event),
        }
    }

    pub(crate) fn apply_queue_configured(&mut self, config: &crate::config::QueueConfig) {
        let id = config.id.clone();
        match self.queues.get_mut(&id) {
            Some(q) => {
                let rekey = q.config.priority_handling != config.priority_handling;
                q.config = config.clone();
                if rekey {
                    let old: Vec<WaitKey> = std::mem::take(&mut q.waiting).into_iter().collect();
                    for key in old {
                        let c = self
                            .contacts
                            .get_mut(&key.contact)
                            .expect("invariant: a waiting contact is open");
                        let new = wait_key(
                            config.priority_handling,
                            c.priority,
                            c.entrance,
                            key.contact,
                        );
                        c.wait_key = Some(new);
                        q.waiting.insert(new);
                    }
                }
                let members: Vec<AgentId> = q.members.iter().cloned().collect();
                for agent in members {
                    self.reindex_agent(&agent);
                }
            }
            None => {
                // Agents may have been configured for this queue before it existed.
                let members: BTreeSet<AgentId> = self
                    .agents
                    .iter()
                    .filter(|(_, a)| a.memberships.iter().any(|m| m.queue == id))
                    .map(|(k, _)| k.clone())
                    .collect();
                let staffed = members
                    .iter()
                    .filter(|a| self.agents[*a].station.is_some())
                    .count() as u32;
                self.queues.insert(
                    id.clone(),
                    QueueRt {
                        config: config.clone(),
                        waiting: BTreeSet::new(),
                        by_entrance: BTreeSet::new(),
                        agents: BTreeSet::new(),
                        members: members.clone(),
                        staffed,
                        closure: None,
                        closure_since: Timestamp::ZERO,
                        emergency: None,
                        hours: None,
                        hours_check: None,
                        callbacks: None,
                    },
                );
                for agent in members {
                    self.reindex_agent(&agent);
                }
            }
        }
        self.configure_queue_callbacks(&id);
        self.compile_queue_hours(&id);
        self.dirty.insert(id);
    }

    pub(crate) fn apply_agent_configured(
        &mut self,
        at: Timestamp,
        config: &crate::config::AgentConfig,
    ) {
        let id = config.id.clone();
        let old = self.agents.remove(&id);
        let (mut rt, old_memberships) = match old {
            Some(mut rt) => {
                let memberships = std::mem::take(&mut rt.memberships);
                rt.config = config.clone();
                (rt, memberships)
            }
            None => (
                AgentRt {
                    config: config.clone(),
                    station: None,
                    presence: Presence::Offline,
                    reason: None,
                    pending: None,
                    offer: None,
                    assignments: crate::engine::VecMap::new(),
                    used_units: 0,
                    last_work_at: at,
                    shown: AgentState::Offline,
                    shown_reason: None,
                    shown_since: at,
                    unavailable_deadline: None,
                    logout_reason: None,
                    presence_by: None,
                    pending_by: None,
                    memberships: Vec::new(),
                    touched: false,
                },
                Vec::new(),
            ),
        };
        let logged_in = rt.station.is_some();
        for m in &old_memberships {
            let q = invariant(self.queues.get_mut(&m.queue), MEMBER_QUEUE);
            q.members.remove(&id);
            if let Some(key) = &m.indexed {
                q.agents.remove(key);
            }
            if logged_in {
                q.staffed = q.staffed.saturating_sub(1);
            }
        }
        rt.memberships = config
            .queues
            .iter()
            .map(|skill| Membership {
                queue: skill.queue.clone(),
                proficiency: skill.proficiency,
                last_offer_seq: old_memberships
                    .iter()
                    .find(|m| m.queue == skill.queue)
                    .map_or(0, |m| m.last_offer_seq),
                indexed: None,
            })
            .collect();
        for m in &rt.memberships {
            let q = invariant(self.queues.get_mut(&m.queue), MEMBER_QUEUE);
            q.members.insert(id.clone());
            if logged_in {
                q.staffed += 1;
            }
        }
        self.agents.insert(id.clone(), rt);
        self.agent_changed(&id);
    }
}
