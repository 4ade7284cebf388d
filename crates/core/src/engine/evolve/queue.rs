//! queue

use crate::engine::evolve::contact::wait_key;
use crate::engine::{Engine, QueueRt, Timer, WaitKey};
use crate::ids::{AgentId, QueueId};
use crate::model::{QueueClosure, QueueEmergency};
use crate::time::Timestamp;
use std::collections::BTreeSet;

impl Engine {
    pub(crate) fn apply_queue_configured(&mut self, config: &crate::config::QueueConfig) {
        let id = config.id.clone();
        match self.queues.get_mut(&id) {
            Some(q) => {
                let rekey = q.config.priority_handling != config.priority_handling;
                q.config = config.clone();
                if rekey {
                    let old: Vec<WaitKey> = std::mem::take(&mut q.waiting).into_iter().collect();
                    for key in old {
                        if let Some(c) = self.contacts.get_mut(&key.contact) {
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

    /// `QueueConfigured`: compile the queue's schedule (a derived value, rebuilt from the
    /// configuration after a snapshot too).
    pub(crate) fn compile_queue_hours(&mut self, queue: &QueueId) {
        if let Some(q) = self.queues.get_mut(queue) {
            // decide validated it; an invalid journal entry leaves the queue without hours.
            q.hours = q
                .config
                .schedule
                .as_ref()
                .and_then(|s| s.compile(&format!("queues[{queue}].schedule")).ok());
        }
    }

    pub(crate) fn apply_queue_closure(
        &mut self,
        at: Timestamp,
        queue: &QueueId,
        closure: Option<QueueClosure>,
        emergency: &Option<QueueEmergency>,
        next_check: Option<Timestamp>,
    ) {
        let Some(q) = self.queues.get_mut(queue) else {
            return;
        };
        if q.closure != closure {
            q.closure_since = at;
        }
        q.closure = closure;
        q.emergency = emergency.clone();
        if let Some(old) = q.hours_check.take() {
            self.timers.remove(&(old, Timer::QueueHours(queue.clone())));
        }
        q.hours_check = next_check;
        if let Some(next) = next_check {
            self.timers.insert((next, Timer::QueueHours(queue.clone())));
        }
    }

    /// `QueueRemoved`: its hours timer goes with it.
    pub(crate) fn drop_queue_hours_timer(&mut self, queue: &QueueId, check: Option<Timestamp>) {
        if let Some(at) = check {
            self.timers.remove(&(at, Timer::QueueHours(queue.clone())));
        }
    }
}
