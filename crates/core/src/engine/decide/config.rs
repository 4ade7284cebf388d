//! Decisions on configuration commands: settings, queues, agents, stations. Each validates
//! against the limits and what is open now, then emits its one event.

use crate::config::{AgentConfig, QueueConfig, Settings, StationConfig};
use crate::engine::Engine;
use crate::event::Event;
use crate::ids::{AgentId, QueueId, StationId};
use crate::rejection::Rejection;

impl Engine {
    /// Settings configured: limits may not fall below what is configured now.
    pub(crate) fn configure_settings(&mut self, settings: Settings) -> Result<(), Rejection> {
        settings.validate()?;
        let l = &settings.limits;
        if self.agents.len() > l.agents_max as usize
            || self.queues.len() > l.queues_max as usize
            || self.stations.len() > l.stations_max as usize
            || self.do_not_call.len() > l.do_not_call_max as usize
        {
            return Err(Rejection::InvalidInput {
                field: "settings.limits".into(),
                message: "lower than what is configured now".into(),
            });
        }
        self.emit(Event::SettingsConfigured {
            settings: Box::new(settings),
        });
        Ok(())
    }

    /// A queue is created or changed: its channel stays while contacts are open in it, and its callback settings must fit the open callbacks.
    pub(crate) fn configure_queue(&mut self, queue: Box<QueueConfig>) -> Result<(), Rejection> {
        queue.validate(&self.settings.limits)?;
        match self.queues.get(&queue.id) {
            Some(existing) => {
                if existing.config.channel != queue.channel
                    && let Some((id, _)) = self.contacts.iter().find(|(_, c)| c.queue == queue.id)
                {
                    return Err(Rejection::InUse {
                        what: format!("queue {}", queue.id),
                        detail: format!(
                            "cannot change the channel while contact {id} is open in it"
                        ),
                    });
                }
            }
            None => {
                if self.queues.len() >= self.settings.limits.queues_max as usize {
                    return Err(Rejection::limit(
                        "queues_max",
                        self.settings.limits.queues_max,
                    ));
                }
            }
        }
        if queue.callbacks.is_none()
            && let Some((id, _)) = self
                .callbacks
                .iter()
                .find(|(id, _)| self.contacts.get(id).is_some_and(|c| c.queue == queue.id))
        {
            return Err(Rejection::InUse {
                what: format!("queue {}", queue.id),
                detail: format!("callback {id} is open in it; purge or finish it first"),
            });
        }
        if let Some(settings) = &queue.callbacks
            && let Some((id, cb)) = self.callbacks.iter().find(|(id, cb)| {
                cb.attempts >= settings.attempts_before_failure
                    && self.contacts.get(id).is_some_and(|c| c.queue == queue.id)
            })
        {
            return Err(Rejection::InUse {
                what: format!("queue {}", queue.id),
                detail: format!(
                    "callback {id} has {} counted attempts; attempts_before_failure must stay above that",
                    cb.attempts
                ),
            });
        }
        let id = queue.id.clone();
        let first_time = self.queues.get(&id).is_none_or(|q| q.callbacks.is_none());
        self.emit(Event::QueueConfigured { queue });
        self.after_queue_configured(&id, first_time);
        self.after_queue_hours_configured(&id);
        Ok(())
    }

    /// A queue is removed once no agent serves it and no contact is open in it.
    pub(crate) fn remove_queue(&mut self, queue: QueueId) -> Result<(), Rejection> {
        let q = self
            .queues
            .get(&queue)
            .ok_or_else(|| Rejection::UnknownQueue(queue.clone()))?;
        if let Some(agent) = q.members.first() {
            return Err(Rejection::InUse {
                what: format!("queue {queue}"),
                detail: format!("agent {agent} serves it"),
            });
        }
        if let Some((id, _)) = self.contacts.iter().find(|(_, c)| c.queue == queue) {
            return Err(Rejection::InUse {
                what: format!("queue {queue}"),
                detail: format!("contact {id} is open in it"),
            });
        }
        self.emit(Event::QueueRemoved { queue });
        Ok(())
    }

    /// An agent is created or changed while it has no offer and no contact.
    pub(crate) fn configure_agent(&mut self, agent: AgentConfig) -> Result<(), Rejection> {
        agent.validate(&self.settings.limits)?;
        for (i, skill) in agent.queues.iter().enumerate() {
            if !self.queues.contains_key(&skill.queue) {
                return Err(Rejection::InvalidConfig(crate::config::ConfigError::new(
                    format!("agents[{}].queues[{i}].queue", agent.id),
                    format!("unknown queue {}", skill.queue),
                )));
            }
        }
        if !self.agents.contains_key(&agent.id)
            && self.agents.len() >= self.settings.limits.agents_max as usize
        {
            return Err(Rejection::limit(
                "agents_max",
                self.settings.limits.agents_max,
            ));
        }
        if let Some(rt) = self.agents.get(&agent.id)
            && (rt.offer.is_some() || rt.is_busy())
        {
            return Err(Rejection::InUse {
                what: format!("agent {}", agent.id),
                detail: "has an offer or contacts; reconfigure when idle".into(),
            });
        }
        self.emit(Event::AgentConfigured {
            agent: Box::new(agent),
        });
        Ok(())
    }

    /// An agent is removed once logged out.
    pub(crate) fn remove_agent(&mut self, agent: AgentId) -> Result<(), Rejection> {
        let rt = self.agent(&agent)?;
        if rt.station.is_some() {
            return Err(Rejection::InUse {
                what: format!("agent {agent}"),
                detail: "is logged in".into(),
            });
        }
        self.emit(Event::AgentRemoved { agent });
        Ok(())
    }

    /// A station is created or changed.
    pub(crate) fn configure_station(&mut self, station: StationConfig) -> Result<(), Rejection> {
        station.validate()?;
        if !self.stations.contains_key(&station.id)
            && self.stations.len() >= self.settings.limits.stations_max as usize
        {
            return Err(Rejection::limit(
                "stations_max",
                self.settings.limits.stations_max,
            ));
        }
        self.emit(Event::StationConfigured { station });
        Ok(())
    }

    /// A station is removed while no agent is logged in at it.
    pub(crate) fn remove_station(&mut self, station: StationId) -> Result<(), Rejection> {
        if !self.stations.contains_key(&station) {
            return Err(Rejection::UnknownStation(station));
        }
        if let Some(agent) = self.station_users.get(&station) {
            return Err(Rejection::StationInUse {
                station,
                agent: agent.clone(),
            });
        }
        self.emit(Event::StationRemoved { station });
        Ok(())
    }
}
