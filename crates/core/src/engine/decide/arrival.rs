//! Decisions on arrivals: a customer's contact (`create_contact`), an agent's outbound dial,
//! and what a queue says to a new contact (`arrival_refusal`: closed, full, no agent; docs/
//! engine.md, Closure codes and Queue hours). The arrival step itself, shared with unpark, is
//! `arrive` in `decide/session.rs`.

use crate::closure::{ClosureCode, Major, Minor};
use crate::config::{check_id, check_text};
use crate::engine::decide::checks::{check_destination, code};
use crate::engine::{Engine, Receipt};
use crate::event::Event;
use crate::ids::{AgentId, ContactId, QueueId};
use crate::model::{Channel, ContactState, Direction, Presence};
use crate::rejection::Rejection;
use std::collections::BTreeMap;

impl Engine {
    pub(crate) fn create_contact(
        &mut self,
        channel: Channel,
        queue: QueueId,
        from: std::sync::Arc<str>,
        priority: u16,
        attributes: BTreeMap<String, String>,
    ) -> Result<Receipt, Rejection> {
        check_destination("from", &from)?;
        check_id("queue", queue.as_str()).map_err(Rejection::from)?;
        if channel == Channel::Callback {
            return Err(Rejection::InvalidInput {
                field: "channel".into(),
                message: "callbacks are created with create_callback".into(),
            });
        }
        if priority > crate::config::PRIORITY_MAX {
            return Err(Rejection::InvalidInput {
                field: "priority".into(),
                message: format!("{priority}: must be 0–{}", crate::config::PRIORITY_MAX),
            });
        }
        let max_attributes = self.settings.limits.attributes_per_contact_max;
        if attributes.len() > max_attributes as usize {
            return Err(Rejection::limit(
                "attributes_per_contact_max",
                max_attributes,
            ));
        }
        for (key, value) in &attributes {
            check_text(&format!("attributes.{key}"), key, false)?;
            check_text(&format!("attributes.{key}"), value, true)?;
        }
        self.check_open_contacts()?;
        let refusal = self.arrival_refusal(channel, &queue)?;
        // A customer's email or work item waits while a session of theirs is parked (62);
        // not when its queue does not exist or takes another channel.
        let misrouted = refusal.is_some_and(|r| r.minor == Minor::NOCAMPAIGN);
        let hold = (!misrouted)
            .then(|| self.parked_session_of(&from, channel))
            .flatten();
        if hold.is_some() {
            self.check_session_room_for_hold()?;
        }
        // Closed by its queue's hours or emergency: the connector hears why (its announcement).
        let queue_closed = self
            .queues
            .get(&queue)
            .filter(|q| q.config.channel == channel && hold.is_none())
            .and_then(|q| Some((q.closure?, q.emergency.clone())));
        let contact = self.arrive(channel, queue, from, priority, attributes, refusal, hold);
        let mut receipt = self.receipt(contact);
        if receipt.closed.is_some() {
            receipt.queue_closed = queue_closed;
        }
        Ok(receipt)
    }

    pub(crate) fn dial(
        &mut self,
        agent: AgentId,
        destination: String,
        queue: Option<QueueId>,
    ) -> Result<Receipt, Rejection> {
        check_destination("destination", &destination)?;
        let rt = self.agent(&agent)?;
        if rt.station.is_none() {
            return Err(Rejection::AgentNotLoggedIn(agent));
        }
        let shown = rt.derived_state();
        if rt.presence != Presence::OutgoingInteractions
            || rt.pending.is_some()
            || rt.offer.is_some()
            || rt.is_busy()
        {
            return Err(Rejection::InvalidAgentState {
                agent,
                state: shown,
            });
        }
        let voice_queue = |q: &QueueId| {
            self.queue_config(q)
                .is_some_and(|c| c.channel == Channel::Voice)
        };
        let queue = match queue {
            Some(q) => {
                if !self.queues.contains_key(&q) {
                    return Err(Rejection::UnknownQueue(q));
                }
                if !voice_queue(&q) {
                    return Err(Rejection::InvalidInput {
                        field: "queue".into(),
                        message: format!("queue {q} is not a voice queue"),
                    });
                }
                q
            }
            None => match rt.config.queues.iter().find(|s| voice_queue(&s.queue)) {
                Some(skill) => skill.queue.clone(),
                None => {
                    return Err(Rejection::InvalidInput {
                        field: "queue".into(),
                        message: format!("agent {agent} serves no voice queue to dial for"),
                    });
                }
            },
        };
        self.check_open_contacts()?;
        let units = self.units_for(rt, Channel::Voice);
        let listed = self.is_do_not_call(&destination);
        let contact = ContactId(self.next_contact);
        self.emit(Event::ContactArrived {
            contact,
            channel: Channel::Voice,
            direction: Direction::Outbound,
            queue,
            from: destination.into(),
            priority: 0,
            attributes: BTreeMap::new(),
        });
        if listed {
            // The number is on the do-not-call list: recorded, closed (58, 0), not dialed;
            // the agent stays as it was.
            self.close(contact, crate::engine::decide::dnc::ON_LIST, None);
            return Ok(self.receipt(contact));
        }
        self.emit(Event::ContactConnected {
            contact,
            agent: agent.clone(),
            offer: None,
            state: ContactState::Dialing,
            units,
        });
        self.request_dial(&agent, contact);
        Ok(self.receipt(contact))
    }

    /// Which closure, if the queue cannot take a new contact of `channel` (docs/engine.md,
    /// Closure codes)? A queue at
    /// the engine's limit of waiting contacts refuses the command instead.
    pub(crate) fn arrival_refusal(
        &self,
        channel: Channel,
        queue: &QueueId,
    ) -> Result<Option<ClosureCode>, Rejection> {
        Ok(match self.queues.get(queue) {
            None => Some(code(Major::FAILED_ROUTE_INBOUND, Minor::NOCAMPAIGN)),
            Some(q) if q.config.channel != channel => {
                Some(code(Major::FAILED_ROUTE_INBOUND, Minor::NOCAMPAIGN))
            }
            Some(q) => match q.closure {
                Some(closure) => Some(crate::engine::hours::closure_code(closure)),
                None if q.config.reject_when_no_agents && q.staffed == 0 => {
                    Some(code(Major::FAILED_ROUTE_INBOUND, Minor::NOAGENT))
                }
                None if q
                    .config
                    .max_queue_size
                    .is_some_and(|max| q.waiting.len() >= max as usize) =>
                {
                    Some(code(Major::FAILED_ROUTE_INBOUND, Minor::QUEUESIZELIM))
                }
                None => {
                    let max = self.settings.limits.contacts_per_queue_max;
                    if q.waiting.len() >= max as usize {
                        return Err(Rejection::limit("contacts_per_queue_max", max));
                    }
                    None
                }
            },
        })
    }
}
