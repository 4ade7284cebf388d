//! decide

pub(crate) mod agent;
pub(crate) mod arrival;
pub(crate) mod attempt;
pub(crate) mod callback;
pub(crate) mod checks;
pub(crate) mod config;
pub(crate) mod connector;
pub(crate) mod contact;
pub(crate) mod dnc;
pub(crate) mod offer;
pub(crate) mod queue;
pub(crate) mod session;

use crate::command::Command;
use crate::engine::decide::checks::invalid_state;
use crate::engine::decide::offer::{AfterRefusal, AgentAfter};
use crate::engine::{Engine, Receipt};
use crate::event::Event;
use crate::model::{ContactState, RefusalReason, SelectableState};
use crate::rejection::Rejection;

impl Engine {
    pub(crate) fn decide(&mut self, command: Command) -> Result<Receipt, Rejection> {
        match command {
            Command::ConfigureSettings(settings) => {
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
            }
            Command::ConfigureQueue(queue) => {
                queue.validate(&self.settings.limits)?;
                match self.queues.get(&queue.id) {
                    Some(existing) => {
                        if existing.config.channel != queue.channel
                            && let Some((id, _)) =
                                self.contacts.iter().find(|(_, c)| c.queue == queue.id)
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
            }
            Command::RemoveQueue { queue } => {
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
            }
            Command::ConfigureAgent(agent) => {
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
            }
            Command::RemoveAgent { agent } => {
                let rt = self.agent(&agent)?;
                if rt.station.is_some() {
                    return Err(Rejection::InUse {
                        what: format!("agent {agent}"),
                        detail: "is logged in".into(),
                    });
                }
                self.emit(Event::AgentRemoved { agent });
            }
            Command::ConfigureStation(station) => {
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
            }
            Command::RemoveStation { station } => {
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
            }
            Command::SetQueueEmergency { queue, emergency } => {
                self.set_queue_emergency(queue, emergency)?
            }
            Command::Login {
                agent,
                station,
                state,
            } => self.login(agent, station, state)?,
            Command::Logout { agent } => {
                self.set_state(agent, SelectableState::Offline, None, None)?;
            }
            Command::SetState {
                agent,
                state,
                reason,
            } => self.set_state(agent, state, reason, None)?,
            Command::ForceState {
                agent,
                state,
                reason,
                by,
            } => self.force_state(agent, state, reason, by)?,
            Command::Accept { offer } => self.accept(offer, false)?,
            Command::Refuse { offer } => {
                let o = self.offer_rt(offer)?;
                if o.accepted {
                    return Err(Rejection::OfferAlreadyAccepted(offer));
                }
                self.refuse(
                    offer,
                    RefusalReason::Declined,
                    None,
                    AgentAfter::Policy,
                    AfterRefusal::Requeue,
                );
            }
            Command::Hold { agent, contact } => {
                self.change_call_state(agent, contact, "hold", ContactState::OnHold)?
            }
            Command::Resume { agent, contact } => {
                self.change_call_state(agent, contact, "resume", ContactState::Handling)?
            }
            Command::Consult { agent, contact } => {
                self.change_call_state(agent, contact, "consult", ContactState::Consulting)?
            }
            Command::Conference { agent, contact } => {
                self.change_call_state(agent, contact, "conference", ContactState::InConference)?
            }
            Command::StartDial { agent, contact } => {
                let state = self.assignment_state(&agent, contact)?;
                if state != ContactState::Preview {
                    return Err(invalid_state(contact, state, "start a dial"));
                }
                self.start_dial(&agent, contact);
                self.attempt_dialing(contact);
            }
            Command::End { agent, contact } => {
                let state = self.assignment_state(&agent, contact)?;
                if !(state.is_conversation()
                    || matches!(state, ContactState::Preview | ContactState::Dialing))
                {
                    return Err(invalid_state(contact, state, "end"));
                }
                self.cancel_by_default(contact, state);
                self.start_wrap_up(&agent, contact, false);
            }
            Command::Complete {
                agent,
                contact,
                disposition,
            } => self.complete(agent, contact, disposition)?,
            Command::Transfer {
                agent,
                contact,
                target,
            } => self.transfer(agent, contact, target)?,
            Command::Suspend {
                agent,
                contact,
                disposition,
            } => self.suspend(agent, contact, disposition)?,
            Command::Park { agent, contact } => self.park(agent, contact)?,
            Command::Unpark { contact, agent } => {
                let first = self.unpark(contact, agent)?;
                return Ok(self.receipt(first));
            }
            Command::Dial {
                agent,
                destination,
                queue,
            } => return self.dial(agent, destination, queue),
            Command::CreateContact {
                channel,
                queue,
                from,
                priority,
                attributes,
            } => return self.create_contact(channel, queue, from, priority, attributes),
            Command::Abandon { contact } => {
                self.contact_rt(contact)?;
                self.reject_unless_callback_with_agent(contact, "abandon")?;
                if let Some(callback) = self.customer_ended(contact, true) {
                    return Ok(self.receipt(callback));
                }
            }
            Command::Connector(event) => {
                if let Some(callback) = self.connector(event)? {
                    return Ok(self.receipt(callback));
                }
            }
            Command::CreateCallback {
                queue,
                destination,
                due,
                window_end,
                agent,
            } => {
                let contact = self.create_callback(
                    crate::callback::CallbackOrigin::Api,
                    queue,
                    destination,
                    due,
                    window_end,
                    agent,
                    None,
                    None,
                )?;
                return Ok(self.receipt(contact));
            }
            Command::ChooseCallback {
                contact,
                destination,
            } => {
                let contact = self.choose_callback(contact, destination)?;
                return Ok(self.receipt(contact));
            }
            Command::ScheduleCallback {
                agent,
                contact,
                destination,
                queue,
                due,
                window_end,
                reserve,
            } => {
                let contact = self.schedule_callback(
                    agent,
                    contact,
                    destination,
                    queue,
                    due,
                    window_end,
                    reserve,
                )?;
                return Ok(self.receipt(contact));
            }
            Command::SetCompletion {
                agent,
                contact,
                status,
            } => self.set_completion(agent, contact, status)?,
            Command::SendCallbackToQueue { contact } => self.send_callback_to_queue(contact)?,
            Command::PurgeCallback { contact } => self.purge_callback(contact)?,
            Command::StopCallbacks { queue } => self.stop_callbacks(queue)?,
            Command::StartCallbacks { queue } => self.start_callbacks(queue)?,
            Command::AddDoNotCall { numbers } => self.add_do_not_call(&numbers)?,
            Command::RemoveDoNotCall { number } => self.remove_do_not_call(&number)?,
        }
        Ok(Receipt::default())
    }
}
