//! The decide step: validate a command against the state, then emit its events. Every check
//! that can reject comes before the first `emit`, so a rejected command changes nothing.

use super::{Engine, Place, Receipt, Timer};
use crate::closure::{ClosureCode, Major, Minor};
use crate::command::{Command, ConnectorEvent, TransferTarget};
use crate::config::{check_id, check_text};
use crate::event::Event;
use crate::ids::{AgentId, ContactId, OfferId, QueueId, StationId};
use crate::model::{
    AgentStatus, Channel, ContactState, Direction, EndedBy, HangupReason, Presence, RefusalPenalty,
    RefusalReason, SelectableState,
};
use crate::output::ConnectorRequest;
use crate::rejection::Rejection;
use std::collections::BTreeMap;

/// What happens to a contact after one of its offers is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterRefusal {
    /// Back to its place in the queue if no other offer is open.
    Requeue,
    /// The caller decides (closes it, or it is still with someone).
    Nothing,
}

/// How the refusing agent's state is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AgentAfter {
    /// The queue's presence policy for the reason.
    Policy,
    /// The agent's own selection follows; leave the state to it.
    Untouched,
}

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

    // ----- lookups that reject -----

    pub(crate) fn agent(&self, id: &AgentId) -> Result<&super::AgentRt, Rejection> {
        self.agents
            .get(id)
            .ok_or_else(|| Rejection::UnknownAgent(id.clone()))
    }

    fn offer_rt(&self, id: OfferId) -> Result<&super::OfferRt, Rejection> {
        self.offers.get(&id).ok_or(Rejection::UnknownOffer(id))
    }

    fn contact_rt(&self, id: ContactId) -> Result<&super::ContactRt, Rejection> {
        self.contacts.get(&id).ok_or(Rejection::UnknownContact(id))
    }

    /// The state of `contact` in `agent`'s hands; rejects if the agent does not hold it.
    fn assignment_state(
        &self,
        agent: &AgentId,
        contact: ContactId,
    ) -> Result<ContactState, Rejection> {
        let rt = self.agent(agent)?;
        match rt.assignments.get(&contact) {
            Some(a) => Ok(a.state),
            None => {
                self.contact_rt(contact)?;
                Err(Rejection::NotAgentsContact {
                    agent: agent.clone(),
                    contact,
                })
            }
        }
    }

    // ----- agent state -----

    fn login(
        &mut self,
        agent: AgentId,
        station: StationId,
        state: Option<SelectableState>,
    ) -> Result<(), Rejection> {
        let rt = self.agent(&agent)?;
        if let Some(current) = &rt.station {
            return Err(Rejection::AgentAlreadyLoggedIn {
                agent: agent.clone(),
                station: current.clone(),
            });
        }
        if !self.stations.contains_key(&station) {
            return Err(Rejection::UnknownStation(station));
        }
        if let Some(other) = self.station_users.get(&station) {
            return Err(Rejection::StationInUse {
                station,
                agent: other.clone(),
            });
        }
        let presence = match state {
            None => self.settings.login_state.presence(),
            Some(s) if s.target() == Presence::Offline => {
                return Err(Rejection::InvalidInput {
                    field: "state".into(),
                    message: "a login cannot start Offline".into(),
                });
            }
            Some(s) => s.target(),
        };
        self.emit(Event::AgentLoggedIn {
            agent: agent.clone(),
            station,
        });
        self.emit(Event::AgentPresenceChanged {
            agent,
            presence,
            reason: None,
            by: None,
        });
        Ok(())
    }

    /// The agent's own selection (`by` none) or a supervisor's (`by`: who, carried by the
    /// change's events so the state shows who set it).
    fn set_state(
        &mut self,
        agent: AgentId,
        state: SelectableState,
        reason: Option<String>,
        by: Option<String>,
    ) -> Result<(), Rejection> {
        let rt = self.agent(&agent)?;
        let target = state.target();
        if rt.station.is_none() {
            if target == Presence::Offline {
                return Ok(()); // already offline: nothing to do
            }
            return Err(Rejection::AgentNotLoggedIn(agent));
        }
        self.check_reason(&agent, target, reason.as_deref())?;
        let rt = self.agent(&agent)?;
        let busy = rt.is_busy();
        let offer = rt.offer;
        let pending = rt.pending.clone();
        let presence = rt.presence;
        let current_reason = rt.reason.clone();

        // Picking anything but Ready while an offer is open withdraws it (§4): a Declined
        // refusal; the agent's own selection decides its state, not the policy.
        if target != Presence::Ready
            && let Some(offer) = offer
        {
            self.refuse(
                offer,
                RefusalReason::Declined,
                None,
                AgentAfter::Untouched,
                AfterRefusal::Requeue,
            );
        }
        if busy {
            if target == Presence::Ready {
                if pending.is_some() {
                    self.emit(Event::AgentPendingChanged {
                        agent: agent.clone(),
                        pending: None,
                        reason: None,
                        by: by.clone(),
                    });
                }
                if presence != Presence::Ready {
                    self.emit(Event::AgentPresenceChanged {
                        agent,
                        presence: Presence::Ready,
                        reason: None,
                        by: by.clone(),
                    });
                }
            } else if pending != Some((target, reason.clone())) {
                self.emit(Event::AgentPendingChanged {
                    agent,
                    pending: Some(target),
                    reason,
                    by: by.clone(),
                });
            }
        } else if target == Presence::Offline {
            self.emit(Event::AgentLoggedOut { agent, by });
        } else if presence != target || current_reason != reason {
            self.emit(Event::AgentPresenceChanged {
                agent,
                presence: target,
                reason,
                by: by.clone(),
            });
        }
        Ok(())
    }

    /// An unavailable reason fits the state and is one of the agent's (its own list, else the
    /// settings').
    fn check_reason(
        &self,
        agent: &AgentId,
        target: Presence,
        reason: Option<&str>,
    ) -> Result<(), Rejection> {
        let Some(reason) = reason else {
            return Ok(());
        };
        if !target.takes_reason() {
            return Err(Rejection::InvalidInput {
                field: "reason".into(),
                message: format!("{} takes no unavailable reason", target.shown()),
            });
        }
        let rt = self.agent(agent)?;
        let allowed = if rt.config.unavailable_reasons.is_empty() {
            &self.settings.unavailable_reasons
        } else {
            &rt.config.unavailable_reasons
        };
        if !allowed.iter().any(|r| r == reason) {
            return Err(Rejection::UnknownReason {
                agent: agent.clone(),
                reason: reason.to_string(),
            });
        }
        Ok(())
    }

    /// A supervisor (or admin) sets the agent's state: recorded first, then done as the
    /// agent's own selection would be, its events carrying `by`. An offline agent cannot be
    /// set to a state (it has no station); logging it out changes nothing and records nothing.
    fn force_state(
        &mut self,
        agent: AgentId,
        state: SelectableState,
        reason: Option<String>,
        by: String,
    ) -> Result<(), Rejection> {
        check_text("by", &by, false).map_err(Rejection::from)?;
        let rt = self.agent(&agent)?;
        if rt.station.is_none() {
            if state.target() == Presence::Offline {
                return Ok(());
            }
            return Err(Rejection::AgentNotLoggedIn(agent));
        }
        self.check_reason(&agent, state.target(), reason.as_deref())?;
        self.emit(Event::AgentStateForced {
            agent: agent.clone(),
            state,
            reason: reason.clone(),
            by: by.clone(),
        });
        self.set_state(agent, state, reason, Some(by))
    }

    /// The last contact ended: move to the pending state, or stay (Ready returns to Ready).
    pub(crate) fn after_work(&mut self, agent: &AgentId) {
        let Some(rt) = self.agents.get(agent) else {
            return;
        };
        if rt.is_busy() {
            return;
        }
        if let Some((pending, reason)) = rt.pending.clone() {
            // A state a supervisor set stays theirs when it starts.
            let by = rt.pending_by.clone();
            self.emit(Event::AgentPendingChanged {
                agent: agent.clone(),
                pending: None,
                reason: None,
                by: None,
            });
            if pending == Presence::Offline {
                self.rescind_agent_offer(agent);
                self.emit(Event::AgentLoggedOut {
                    agent: agent.clone(),
                    by,
                });
            } else {
                self.emit(Event::AgentPresenceChanged {
                    agent: agent.clone(),
                    presence: pending,
                    reason,
                    by,
                });
            }
        }
    }

    /// The presence policy after a refusal (§6).
    fn apply_policy(&mut self, agent: &AgentId, reason: RefusalReason, queue: &QueueId) {
        let policy = self
            .queue_config(queue)
            .and_then(|q| q.presence_policy)
            .unwrap_or(self.settings.presence_policy);
        let state = match reason.penalty() {
            RefusalPenalty::Decline => policy.state_on_decline,
            RefusalPenalty::PushTimeout => policy.state_on_push_timeout,
            RefusalPenalty::AgentError => policy.state_on_agent_error,
            RefusalPenalty::None => return,
        };
        let Some(target) = state.presence() else {
            return;
        };
        if self.agents.get(agent).is_none_or(|a| a.station.is_none()) {
            return;
        }
        // Like an agent's own non-Ready selection, the policy's withdraws a further open offer
        // (a busy agent may hold one): the agent is not at fault, so it is rescinded.
        if target != Presence::Ready {
            self.rescind_agent_offer(agent);
        }
        let Some(rt) = self.agents.get(agent) else {
            return;
        };
        if rt.is_busy() {
            match target.waiting_for() {
                // The agent's own "Waiting for X" stands: only its own selection replaces it.
                Some(_) if rt.pending.is_some() => {}
                Some(_) => {
                    self.emit(Event::AgentPendingChanged {
                        agent: agent.clone(),
                        pending: Some(target),
                        reason: None,
                        by: None,
                    });
                }
                None if rt.presence != target => {
                    // No Answer (or Ready) while other contacts are open: shown once they end.
                    self.emit(Event::AgentPresenceChanged {
                        agent: agent.clone(),
                        presence: target,
                        reason: None,
                        by: None,
                    });
                }
                None => {}
            }
        } else if target == Presence::Offline {
            self.logout(agent);
        } else if rt.presence != target {
            self.emit(Event::AgentPresenceChanged {
                agent: agent.clone(),
                presence: target,
                reason: None,
                by: None,
            });
        }
    }

    /// Log the agent out, first rescinding an open offer (its contact goes back to its place).
    fn logout(&mut self, agent: &AgentId) {
        self.rescind_agent_offer(agent);
        self.emit(Event::AgentLoggedOut {
            agent: agent.clone(),
            by: None,
        });
    }

    /// End the agent's open offer without a refusal (the agent was moved away by the engine).
    fn rescind_agent_offer(&mut self, agent: &AgentId) {
        let Some(offer) = self.agents.get(agent).and_then(|a| a.offer) else {
            return;
        };
        let Some(o) = self.offers.get(&offer) else {
            return;
        };
        let contact = o.contact;
        let station = o.station.clone();
        self.emit(Event::OfferRescinded {
            offer,
            contact,
            agent: agent.clone(),
            code: Some(code(Major::FAILED_NO_RESOURCE, Minor::NORESOURCE)),
        });
        self.request(ConnectorRequest::CancelDelivery {
            offer,
            contact,
            station,
        });
        // Not a refusal: the hop limit does not apply.
        if matches!(self.contacts.get(&contact).map(|c| &c.place), Some(Place::Offered(o)) if o.is_empty())
        {
            self.requeue_at_place(contact);
        }
    }

    // ----- offers -----

    /// Create one offer of `contact` to `agent` (routing and transfers call this).
    pub(crate) fn make_offer(&mut self, contact: ContactId, agent: &AgentId) {
        let Some(rt) = self.agents.get(agent) else {
            return;
        };
        let Some(station) = rt.station.clone() else {
            return;
        };
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        let channel = c.channel;
        let station_cfg = self.stations.get(&station);
        // Precedence: station > agent (per channel) > queue > the settings' channel default.
        let timeout = station_cfg
            .and_then(|s| s.offer_timeout_ms)
            .or_else(|| rt.config.offer_timeout_for(channel))
            .or_else(|| self.queue_config(&c.queue).and_then(|q| q.offer_timeout_ms))
            .unwrap_or_else(|| self.settings.offer_timeout_for(channel));
        let number = station_cfg.map(|s| s.number.clone()).unwrap_or_default();
        let offer = OfferId(self.next_offer);
        self.emit(Event::OfferCreated {
            offer,
            contact,
            agent: agent.clone(),
            station: station.clone(),
            deadline: self.now.plus_ms(timeout),
        });
        self.request(ConnectorRequest::Deliver {
            offer,
            contact,
            channel,
            agent: agent.clone(),
            station,
            number,
        });
    }

    /// The agent takes the offer. `linked`: the connector reported the leg linked, which
    /// counts as the accept for voice.
    fn accept(&mut self, offer: OfferId, linked: bool) -> Result<(), Rejection> {
        let o = self.offer_rt(offer)?;
        if o.accepted && !linked {
            return Err(Rejection::OfferAlreadyAccepted(offer));
        }
        let contact = o.contact;
        let agent = o.agent.clone();
        let already_accepted = o.accepted;
        let c = self.contact_rt(contact)?;
        let channel = c.channel;
        let queue = c.queue.clone();
        // Capacity was checked when the offer was made; settings may have changed since.
        if let Some(rt) = self.agents.get(&agent) {
            let units = u16::from(self.units_for(rt, channel));
            let exclusive_clash = rt.is_busy()
                && (channel.is_exclusive()
                    || rt.assignments.values().any(|a| a.channel.is_exclusive()));
            if exclusive_clash || rt.used_units + units > crate::config::CAPACITY_UNITS {
                return Err(Rejection::CapacityExceeded {
                    agent,
                    used: rt.used_units,
                    units,
                });
            }
        }
        // First accept wins: the other offers of a fanned-out contact end now.
        if let Place::Offered(others) = &c.place {
            let losers: Vec<OfferId> = others.iter().copied().filter(|x| *x != offer).collect();
            for loser in losers {
                self.refuse(
                    loser,
                    RefusalReason::ContactAlreadyRouted,
                    None,
                    AgentAfter::Policy,
                    AfterRefusal::Nothing,
                );
            }
        }
        if channel.needs_leg() && !linked {
            if !already_accepted {
                let link = self.now.plus_ms(self.settings.agent_link_timeout_ms);
                self.emit(Event::OfferAccepted {
                    offer,
                    link_deadline: Some(link),
                });
            }
            return Ok(());
        }
        let state = match channel {
            Channel::Callback => {
                if self.queue_config(&queue).is_some_and(|q| q.preview) {
                    ContactState::Preview
                } else {
                    ContactState::Dialing
                }
            }
            _ => ContactState::Handling,
        };
        let units = self
            .agents
            .get(&agent)
            .map_or(100, |rt| self.units_for(rt, channel));
        self.emit(Event::ContactConnected {
            contact,
            agent: agent.clone(),
            offer: Some(offer),
            state,
            units,
        });
        if state == ContactState::Dialing {
            self.request_dial(&agent, contact);
        }
        self.start_attempt(contact, &agent, state == ContactState::Dialing);
        Ok(())
    }

    /// One refusal: the record, the cancel request, the agent's state, the contact's return.
    pub(crate) fn refuse(
        &mut self,
        offer: OfferId,
        reason: RefusalReason,
        cause_code: Option<String>,
        agent_after: AgentAfter,
        after: AfterRefusal,
    ) {
        let Some(o) = self.offers.get(&offer) else {
            return;
        };
        let contact = o.contact;
        let agent = o.agent.clone();
        let station = o.station.clone();
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        let queue = c.queue.clone();
        let excluded_until = if reason == RefusalReason::ContactAlreadyRouted {
            self.now
        } else {
            self.now.plus_ms(self.reoffer_delay_ms(&queue))
        };
        let agent_full_name = self
            .agents
            .get(&agent)
            .map(|a| a.config.full_name.clone())
            .unwrap_or_default();
        self.emit(Event::OfferRefused {
            offer: Some(offer),
            contact,
            agent: agent.clone(),
            agent_full_name,
            station: station.clone(),
            reason,
            cause_code,
            excluded_until,
        });
        if reason.raised_by() != crate::model::RaisedBy::Connector {
            self.request(ConnectorRequest::CancelDelivery {
                offer,
                contact,
                station,
            });
        }
        if agent_after == AgentAfter::Policy {
            self.apply_policy(&agent, reason, &queue);
        }
        if after == AfterRefusal::Requeue {
            self.requeue_if_unoffered(contact);
        }
    }

    /// After a failed offer: if no other offer is open, back to the original place in the queue,
    /// or closed when the hop limit is reached.
    fn requeue_if_unoffered(&mut self, contact: ContactId) {
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        if !matches!(&c.place, Place::Offered(offers) if offers.is_empty()) {
            return;
        }
        self.requeue(contact);
    }

    fn requeue(&mut self, contact: ContactId) {
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        let max_offers = self
            .queue_config(&c.queue)
            .and_then(|q| q.max_offers)
            .unwrap_or(self.settings.limits.offers_per_contact_max);
        if c.offers_made >= max_offers {
            self.close(
                contact,
                ClosureCode::new(Major::FAILED_ROUTE_INBOUND, Minor::REDIRECTLIM),
                None,
            );
            return;
        }
        self.requeue_at_place(contact);
    }

    /// Back to the contact's original place in its queue.
    fn requeue_at_place(&mut self, contact: ContactId) {
        if self.callbacks.contains_key(&contact) {
            // Through Pending: a queue whose callbacks are not Active keeps it there.
            self.callback_back_to_queue(contact);
            return;
        }
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        if !self.queues.contains_key(&c.queue) {
            self.close(contact, code(Major::FAILED_UNKNOWN, Minor::DEFAULT), None);
            return;
        }
        let queue = c.queue.clone();
        let entrance = c.entrance;
        self.emit(Event::ContactQueued {
            contact,
            queue,
            entrance,
        });
    }

    fn rescind_offers(&mut self, contact: ContactId) {
        let offers = match self.contacts.get(&contact).map(|c| &c.place) {
            Some(Place::Offered(offers)) => offers.clone(),
            _ => return,
        };
        for offer in offers {
            let Some(o) = self.offers.get(&offer) else {
                continue;
            };
            let agent = o.agent.clone();
            let station = o.station.clone();
            self.emit(Event::OfferRescinded {
                offer,
                contact,
                agent,
                code: None,
            });
            self.request(ConnectorRequest::CancelDelivery {
                offer,
                contact,
                station,
            });
        }
    }

    // ----- contacts with agents -----

    fn change_call_state(
        &mut self,
        agent: AgentId,
        contact: ContactId,
        action: &str,
        to: ContactState,
    ) -> Result<(), Rejection> {
        let state = self.assignment_state(&agent, contact)?;
        let channel = self.contacts.get(&contact).map(|c| c.channel);
        let allowed = match to {
            ContactState::OnHold => state == ContactState::Handling,
            ContactState::Handling => matches!(
                state,
                ContactState::OnHold | ContactState::Consulting | ContactState::InConference
            ),
            ContactState::Consulting => {
                matches!(state, ContactState::Handling | ContactState::OnHold)
            }
            ContactState::InConference => {
                matches!(state, ContactState::Handling | ContactState::Consulting)
            }
            _ => false,
        };
        let voice_like = channel.is_some_and(Channel::is_exclusive);
        if !allowed || (!voice_like && to != ContactState::Handling) {
            return Err(invalid_state(contact, state, action));
        }
        self.emit(Event::ContactStateChanged {
            contact,
            agent,
            state: to,
            answered_by: None,
        });
        Ok(())
    }

    fn start_dial(&mut self, agent: &AgentId, contact: ContactId) {
        self.emit(Event::ContactStateChanged {
            contact,
            agent: agent.clone(),
            state: ContactState::Dialing,
            answered_by: None,
        });
        self.request_dial(agent, contact);
    }

    fn request_dial(&mut self, agent: &AgentId, contact: ContactId) {
        let station = self.agents.get(agent).and_then(|a| a.station.clone());
        let destination = self.contacts.get(&contact).map(|c| c.from.to_string());
        if let (Some(station), Some(destination)) = (station, destination) {
            self.request(ConnectorRequest::Dial {
                contact,
                agent: agent.clone(),
                station,
                destination,
            });
        }
    }

    pub(crate) fn start_wrap_up(&mut self, agent: &AgentId, contact: ContactId, detached: bool) {
        let queue = self
            .agents
            .get(agent)
            .and_then(|a| a.assignments.get(&contact))
            .map(|a| a.queue.clone());
        let deadline = queue
            .as_ref()
            .and_then(|q| self.queue_config(q))
            .and_then(|q| q.wrap_up_limit_ms)
            .map(|ms| self.now.plus_ms(ms));
        self.emit(Event::WrapUpStarted {
            contact,
            agent: agent.clone(),
            deadline,
            detached,
        });
    }

    fn complete(
        &mut self,
        agent: AgentId,
        contact: ContactId,
        disposition: Option<String>,
    ) -> Result<(), Rejection> {
        let rt = self.agent(&agent)?;
        let Some(a) = rt.assignments.get(&contact) else {
            self.contact_rt(contact)?;
            return Err(Rejection::NotAgentsContact { agent, contact });
        };
        if a.state != ContactState::WrapUp {
            return Err(invalid_state(contact, a.state, "complete wrap-up"));
        }
        let detached = a.detached;
        let queue = a.queue.clone();
        let config = self.queue_config(&queue);
        let mut no_interest = false;
        let mut do_not_call = false;
        match (&disposition, config) {
            (Some(code), Some(q)) => match q.disposition(code) {
                Some(d) => {
                    no_interest = d.no_interest;
                    do_not_call = d.do_not_call;
                }
                None => {
                    return Err(Rejection::UnknownDisposition {
                        queue,
                        disposition: code.clone(),
                    });
                }
            },
            (Some(code), None) => {
                return Err(Rejection::UnknownDisposition {
                    queue,
                    disposition: code.clone(),
                });
            }
            (None, Some(q)) if q.disposition_required => {
                return Err(Rejection::DispositionRequired(queue));
            }
            (None, _) => {}
        }
        // A do-not-call disposition lists the contact's number (a callback's destination,
        // the caller of an inbound contact, the dialed number of an outbound one) — unless
        // it is no phone number or already listed. A full list refuses the completion.
        let listing: Option<String> = if do_not_call {
            self.contacts
                .get(&contact)
                .map(|c| {
                    self.callbacks
                        .get(&contact)
                        .map_or_else(|| c.from.to_string(), |cb| cb.destination.clone())
                })
                .and_then(|number| crate::dnc::normalize(&number).ok())
                .filter(|n| !self.do_not_call.contains(n))
        } else {
            None
        };
        if listing.is_some() {
            self.check_do_not_call_room(1)?;
        }
        if !detached && self.callbacks.contains_key(&contact) {
            self.finish_attempt(&agent, contact, disposition, no_interest, false);
            self.list_numbers(listing.into_iter().collect());
            return Ok(());
        }
        self.emit(Event::WrapUpCompleted {
            contact,
            agent: agent.clone(),
            disposition: disposition.clone(),
            timed_out: false,
        });
        if !detached {
            let scheduled = self
                .contacts
                .get(&contact)
                .is_some_and(|c| c.callback_scheduled);
            let unanswered_dial = self.contacts.get(&contact).is_some_and(|c| {
                (c.direction == Direction::Outbound || c.channel == Channel::Callback)
                    && c.answered_by.is_none()
            });
            let closure = if scheduled && !no_interest {
                // The agent scheduled a callback from this contact (§7: agent rescheduled).
                code(Major::OK_CALLBACK, Minor::DEFAULT)
            } else if unanswered_dial {
                // The dial ended before anyone answered: the remote party was not reached.
                code(Major::FAILED_DESTINATION, Minor::NOANSWER)
            } else if no_interest {
                code(Major::OK_NO_INTEREST, Minor::DEFAULT)
            } else {
                code(Major::OK_CLOSE, Minor::DEFAULT)
            };
            self.close(contact, closure, disposition);
        }
        self.after_work(&agent);
        self.list_numbers(listing.into_iter().collect());
        Ok(())
    }

    fn transfer(
        &mut self,
        agent: AgentId,
        contact: ContactId,
        target: TransferTarget,
    ) -> Result<(), Rejection> {
        let state = self.assignment_state(&agent, contact)?;
        if !state.is_conversation() {
            return Err(invalid_state(contact, state, "transfer"));
        }
        if self.callbacks.contains_key(&contact) {
            // An attempt belongs to its queue's callback process; reschedule it instead.
            return Err(invalid_state(contact, state, "transfer a callback"));
        }
        let channel = self.contact_rt(contact)?.channel;
        match target {
            TransferTarget::Queue(queue) => {
                let q = self
                    .queues
                    .get(&queue)
                    .ok_or_else(|| Rejection::UnknownQueue(queue.clone()))?;
                if q.config.channel != channel {
                    return Err(Rejection::InvalidInput {
                        field: "target.queue".into(),
                        message: format!(
                            "queue {queue} takes {} contacts, this one is {channel}",
                            q.config.channel
                        ),
                    });
                }
                let max = self.settings.limits.contacts_per_queue_max;
                if q.waiting.len() >= max as usize {
                    return Err(Rejection::limit("contacts_per_queue_max", max));
                }
                // The checks an arrival meets; the agent keeps the contact and may pick another.
                let unavailable = match q.closure {
                    Some(closure) => Some(format!("it is closed ({closure:?})")),
                    None if q.config.reject_when_no_agents && q.staffed == 0 => {
                        Some("no agent is logged in".to_string())
                    }
                    None if q
                        .config
                        .max_queue_size
                        .is_some_and(|max| q.waiting.len() >= max as usize) =>
                    {
                        Some("it is full".to_string())
                    }
                    None => None,
                };
                if let Some(why) = unavailable {
                    return Err(Rejection::QueueUnavailable { queue, why });
                }
                self.start_wrap_up(&agent, contact, true);
                let now = self.now;
                self.emit(Event::ContactQueued {
                    contact,
                    queue,
                    entrance: now,
                });
            }
            TransferTarget::Agent(target) => {
                let rt = self.agent(&target)?;
                if target == agent
                    || rt.assignments.contains_key(&contact)
                    || !self.can_take(rt, channel)
                {
                    return Err(Rejection::AgentNotAvailable(target));
                }
                self.start_wrap_up(&agent, contact, true);
                self.make_offer(contact, &target);
            }
        }
        self.after_work(&agent);
        Ok(())
    }

    fn dial(
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
            self.close(contact, super::dnc::ON_LIST, None);
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

    // ----- arrivals and endings -----

    fn check_open_contacts(&self) -> Result<(), Rejection> {
        let max = self.settings.limits.contacts_open_max;
        if self.contacts.len() >= max as usize {
            return Err(Rejection::limit("contacts_open_max", max));
        }
        Ok(())
    }

    fn create_contact(
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

    /// Which closure, if the queue cannot take a new contact of `channel` (§7)? A queue at
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
                Some(closure) => Some(super::hours::closure_code(closure)),
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

    /// The contact ended: abandon while waiting or offered, wrap-up when talking. `by_customer`:
    /// the customer ended it (an abandon, a hang-up `ended_by: customer`), so the queue may
    /// reschedule the drop as a callback (49): then the callback it created.
    fn customer_ended(&mut self, contact: ContactId, by_customer: bool) -> Option<ContactId> {
        if by_customer && let Some((minor, after_ms)) = self.drop_reschedule(contact) {
            return self.reschedule_dropped(contact, minor, after_ms);
        }
        let c = self.contacts.get(&contact)?;
        match c.place.clone() {
            // A callback waits for us, not the customer (rejected before; kept for safety).
            Place::Pending => {}
            Place::New | Place::Queued => self.close(
                contact,
                code(Major::FAILED_NO_ROUTEREQ, Minor::ABANDONED),
                None,
            ),
            Place::Offered(_) => {
                self.rescind_offers(contact);
                self.close(
                    contact,
                    code(Major::FAILED_ABANDONED_AT_AGENT, Minor::DEFAULT),
                    None,
                );
            }
            Place::Agent(agent) => {
                let state = self
                    .agents
                    .get(&agent)
                    .and_then(|a| a.assignments.get(&contact))
                    .map(|a| a.state);
                if state == Some(ContactState::Dialing) && self.callbacks.contains_key(&contact) {
                    // The dial ended unanswered: a No Answer attempt.
                    self.no_answer(contact, &agent);
                } else if state.is_some_and(|s| s != ContactState::WrapUp) {
                    self.start_wrap_up(&agent, contact, false);
                }
            }
        }
        None
    }

    /// Customers abandon calls, not callbacks: only a callback an agent holds may end.
    fn reject_unless_callback_with_agent(
        &self,
        contact: ContactId,
        action: &str,
    ) -> Result<(), Rejection> {
        if self.callbacks.contains_key(&contact)
            && !matches!(
                self.contacts.get(&contact).map(|c| &c.place),
                Some(Place::Agent(_))
            )
        {
            let state = self.contact_state(contact).unwrap_or(ContactState::Queued);
            return Err(invalid_state(
                contact,
                state,
                &format!("{action} a callback no agent has"),
            ));
        }
        Ok(())
    }

    /// Close a contact with its one closure code. Releases an agent still holding it.
    pub(crate) fn close(
        &mut self,
        contact: ContactId,
        code: ClosureCode,
        disposition: Option<String>,
    ) {
        if self.callbacks.contains_key(&contact) {
            // Every callback closes through its completion record.
            let end = Self::callback_end_for(code);
            self.close_callback(contact, end, code, disposition);
            return;
        }
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        let holder = match &c.place {
            Place::Agent(agent) => Some(agent.clone()),
            _ => None,
        };
        if let Place::Offered(_) = &c.place {
            self.rescind_offers(contact);
        }
        if let Some(agent) = &holder
            && self
                .agents
                .get(agent)
                .is_some_and(|a| a.assignments.contains_key(&contact))
        {
            self.emit(Event::ContactReleased {
                contact,
                agent: agent.clone(),
            });
        }
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        let event = Event::ContactClosed {
            contact,
            code,
            disposition,
            agent: c.last_agent.clone(),
            queue: c.queue.clone(),
            channel: c.channel,
            arrived: c.arrived,
            entrance: c.entrance,
        };
        self.emit(event);
        if let Some(agent) = holder {
            self.after_work(&agent);
        }
    }

    // ----- connector -----

    /// A connector report; `Some`: the callback a customer's drop was rescheduled as.
    fn connector(&mut self, event: ConnectorEvent) -> Result<Option<ContactId>, Rejection> {
        match event {
            ConnectorEvent::LegLinked { offer } => {
                self.accept(offer, true)?;
            }
            ConnectorEvent::LegFailed {
                offer,
                reason,
                cause_code,
            } => {
                self.offer_rt(offer)?;
                check_cause(&cause_code)?;
                self.refuse(
                    offer,
                    reason.reason(),
                    cause_code,
                    AgentAfter::Policy,
                    AfterRefusal::Requeue,
                );
            }
            ConnectorEvent::Answered { contact, by } => {
                let (agent, state) = self.holder_state(contact)?;
                if state != ContactState::Dialing {
                    return Err(invalid_state(contact, state, "answer"));
                }
                self.emit(Event::ContactStateChanged {
                    contact,
                    agent,
                    state: ContactState::Handling,
                    answered_by: Some(by),
                });
            }
            ConnectorEvent::DialFailed {
                contact,
                cause_code,
            } => {
                check_cause(&cause_code)?;
                let (agent, state) = self.holder_state(contact)?;
                if state != ContactState::Dialing {
                    return Err(invalid_state(contact, state, "fail a dial"));
                }
                if self.callbacks.contains_key(&contact) {
                    // A callback tries again: the attempt counts as No Answer.
                    self.no_answer(contact, &agent);
                } else {
                    self.close(contact, code(Major::FAILED_MAKECALL, Minor::DEFAULT), None);
                }
            }
            ConnectorEvent::DialOutcome {
                contact,
                outcome,
                cause_code,
            } => {
                check_cause(&cause_code)?;
                let (agent, state) = self.holder_state(contact)?;
                if state != ContactState::Dialing {
                    return Err(invalid_state(contact, state, "report a dial outcome"));
                }
                self.emit(Event::DialOutcomeReported {
                    contact,
                    agent: agent.clone(),
                    outcome,
                    cause_code,
                });
                match (outcome.answered(), outcome.completion()) {
                    (Some(by), _) => self.emit(Event::ContactStateChanged {
                        contact,
                        agent,
                        state: ContactState::Handling,
                        answered_by: Some(by),
                    }),
                    (None, Some(status)) if self.callbacks.contains_key(&contact) => {
                        self.dial_ended(contact, &agent, status);
                    }
                    // An outbound contact has no attempts to retry: the dial reached no one,
                    // so it closes as a destination that cannot be reached, with the minor.
                    (None, _) => self.close(
                        contact,
                        code(Major::FAILED_DESTINATION, outcome.attempt_state().minor()),
                        None,
                    ),
                }
            }
            ConnectorEvent::Hangup {
                contact,
                reason,
                close_call_on_error,
                agent_status,
                cause_code,
                ended_by,
            } => {
                self.contact_rt(contact)?;
                check_cause(&cause_code)?;
                self.reject_unless_callback_with_agent(contact, "hang up")?;
                match reason {
                    HangupReason::Ended => {
                        return Ok(
                            self.customer_ended(contact, ended_by == Some(EndedBy::Customer))
                        );
                    }
                    HangupReason::Error => {
                        self.call_error(contact, close_call_on_error, agent_status, cause_code)
                    }
                }
            }
        }
        Ok(None)
    }

    /// The agent holding `contact` (not in wrap-up of a transfer) and its state there.
    fn holder_state(&self, contact: ContactId) -> Result<(AgentId, ContactState), Rejection> {
        let c = self.contact_rt(contact)?;
        match &c.place {
            Place::Agent(agent) => {
                let state = self
                    .agents
                    .get(agent)
                    .and_then(|a| a.assignments.get(&contact))
                    .map_or(ContactState::Handling, |a| a.state);
                Ok((agent.clone(), state))
            }
            Place::Offered(_) => Err(invalid_state(contact, ContactState::Offered, "do that")),
            Place::New | Place::Queued | Place::Pending => {
                Err(invalid_state(contact, ContactState::Queued, "do that"))
            }
        }
    }

    /// A hang-up with reason `error` (seed 002, §6).
    fn call_error(
        &mut self,
        contact: ContactId,
        close_call_on_error: bool,
        agent_status: Option<AgentStatus>,
        cause_code: Option<String>,
    ) {
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        // No status: the delivery failed for network reasons (Error, no penalty).
        let refusal = match agent_status {
            Some(status) => status.refusal(),
            None => Some(RefusalReason::Error),
        };
        match c.place.clone() {
            Place::Offered(offers) => {
                match refusal {
                    Some(reason) => {
                        for offer in offers {
                            self.refuse(
                                offer,
                                reason,
                                cause_code.clone(),
                                AgentAfter::Policy,
                                AfterRefusal::Nothing,
                            );
                        }
                    }
                    None => self.rescind_offers(contact),
                }
                self.after_call_error(contact, close_call_on_error);
            }
            Place::Agent(agent) => {
                let queue = c.queue.clone();
                let state = self
                    .agents
                    .get(&agent)
                    .and_then(|a| a.assignments.get(&contact))
                    .map(|a| a.state);
                if state == Some(ContactState::WrapUp) {
                    // The conversation is over already; the error changes nothing.
                    return;
                }
                if agent_status == Some(AgentStatus::MissedCallStatus)
                    && self.callbacks.contains_key(&contact)
                {
                    // The customer missed the callback: a No Answer attempt (§6).
                    self.no_answer(contact, &agent);
                    return;
                }
                // The agent took this contact: only an explicit agent status makes it a refusal.
                let refusal = agent_status.and_then(AgentStatus::refusal);
                if let Some(reason) = refusal {
                    self.record_agent_refusal(contact, &agent, reason, cause_code, &queue);
                }
                self.attempt_error(contact);
                self.emit(Event::ContactReleased {
                    contact,
                    agent: agent.clone(),
                });
                if let Some(reason) = refusal {
                    self.apply_policy(&agent, reason, &queue);
                }
                self.after_call_error(contact, close_call_on_error);
                self.after_work(&agent);
            }
            Place::New | Place::Queued | Place::Pending => {
                if close_call_on_error {
                    self.close(contact, code(Major::OK_ERROR, Minor::DEFAULT), None);
                }
            }
        }
    }

    fn after_call_error(&mut self, contact: ContactId, close_call_on_error: bool) {
        if close_call_on_error {
            self.close(contact, code(Major::OK_ERROR, Minor::DEFAULT), None);
        } else if let Some(c) = self.contacts.get(&contact) {
            // Keep the conversation open in the "new" state: back to its place in the queue.
            // An outbound contact has no queue to wait in: it closes as an error instead.
            if c.direction == Direction::Outbound && !self.callbacks.contains_key(&contact) {
                self.close(contact, code(Major::OK_ERROR, Minor::DEFAULT), None);
            } else {
                self.requeue(contact);
            }
        }
    }

    /// A refusal record for an agent who held the contact past its offer (call error after
    /// connect): there is no open offer any more, so the record names none.
    fn record_agent_refusal(
        &mut self,
        contact: ContactId,
        agent: &AgentId,
        reason: RefusalReason,
        cause_code: Option<String>,
        queue: &QueueId,
    ) {
        let Some(rt) = self.agents.get(agent) else {
            return;
        };
        let station = rt.station.clone().unwrap_or_else(|| StationId::new(""));
        let agent_full_name = rt.config.full_name.clone();
        let excluded_until = self.now.plus_ms(self.reoffer_delay_ms(queue));
        self.emit(Event::OfferRefused {
            offer: None,
            contact,
            agent: agent.clone(),
            agent_full_name,
            station,
            reason,
            cause_code,
            excluded_until,
        });
    }

    // ----- timers -----

    pub(crate) fn fire(&mut self, timer: Timer) {
        match timer {
            Timer::Offer(offer) => {
                if self.offers.get(&offer).is_some_and(|o| !o.accepted) {
                    self.refuse(
                        offer,
                        RefusalReason::NoAnswer,
                        None,
                        AgentAfter::Policy,
                        AfterRefusal::Requeue,
                    );
                }
            }
            Timer::Link(offer) => {
                if self.offers.get(&offer).is_some_and(|o| o.accepted) {
                    self.refuse(
                        offer,
                        RefusalReason::AgentLinkTimeout,
                        None,
                        AgentAfter::Policy,
                        AfterRefusal::Requeue,
                    );
                }
            }
            Timer::WrapUp(contact, agent) => {
                let detached = self
                    .agents
                    .get(&agent)
                    .and_then(|a| a.assignments.get(&contact))
                    .filter(|a| a.state == ContactState::WrapUp)
                    .map(|a| a.detached);
                if detached == Some(false) && self.callbacks.contains_key(&contact) {
                    self.finish_attempt(&agent, contact, None, false, true);
                } else if let Some(detached) = detached {
                    self.emit(Event::WrapUpCompleted {
                        contact,
                        agent: agent.clone(),
                        disposition: None,
                        timed_out: true,
                    });
                    if !detached {
                        self.close(
                            contact,
                            code(Major::OK_WRAPUP_TIMEOUT, Minor::DEFAULT),
                            None,
                        );
                    }
                    self.after_work(&agent);
                }
            }
            Timer::QueueLimit(contact) => {
                if self
                    .contacts
                    .get(&contact)
                    .is_some_and(|c| c.place == Place::Queued)
                {
                    self.close(
                        contact,
                        code(Major::FAILED_ROUTE_INBOUND, Minor::QUEUETIMELIM),
                        None,
                    );
                }
            }
            Timer::Reoffer(contact, agent) => {
                let ended = self.contacts.get(&contact).is_some_and(|c| {
                    c.exclusions
                        .iter()
                        .any(|(a, until)| *a == agent && *until <= self.now)
                });
                if ended {
                    self.emit(Event::ExclusionEnded { contact, agent });
                }
            }
            Timer::Unavailable(agent) => {
                let due = self.agents.get(&agent).and_then(|rt| {
                    let unavailable = rt.shown.is_unavailable();
                    (unavailable
                        && rt.station.is_some()
                        && rt.unavailable_deadline.is_some_and(|d| d <= self.now))
                    .then(|| (rt.shown, rt.shown_reason.clone(), rt.shown_since))
                });
                if let Some((state, reason, since)) = due {
                    self.emit(Event::AgentUnavailableTimedOut {
                        agent: agent.clone(),
                        state,
                        reason,
                        since,
                    });
                    self.logout(&agent);
                }
            }
            Timer::CallbackDue(_)
            | Timer::NoAnswer(_)
            | Timer::CallbackExpiry(_)
            | Timer::Reservation(_)
            | Timer::CallbackSchedule(_)
            | Timer::Shift(_) => self.fire_callback_timer(&timer),
            Timer::QueueHours(queue) => self.fire_queue_hours(&queue),
        }
    }
}

fn code(major: Major, minor: Minor) -> ClosureCode {
    ClosureCode::new(major, minor)
}

fn invalid_state(contact: ContactId, state: ContactState, action: &str) -> Rejection {
    Rejection::InvalidContactState {
        contact,
        state,
        action: action.to_string(),
    }
}

fn check_destination(field: &str, text: &str) -> Result<(), Rejection> {
    check_text(field, text, false).map_err(|e| Rejection::InvalidInput {
        field: e.field,
        message: e.message,
    })
}

fn check_cause(cause: &Option<String>) -> Result<(), Rejection> {
    match cause {
        Some(c) => check_text("cause_code", c, true).map_err(|e| Rejection::InvalidInput {
            field: e.field,
            message: e.message,
        }),
        None => Ok(()),
    }
}
