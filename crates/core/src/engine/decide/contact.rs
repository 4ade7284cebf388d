//! Decisions on a contact in an agent's hands: call states (hold, consult, conference), the
//! dial of a preview, end and wrap-up, completion with its disposition, transfer, the
//! customer leaving, and `close`, the one way a contact closes (docs/engine.md, Contact states
//! and Closure codes).

use crate::closure::{ClosureCode, Major, Minor};
use crate::command::TransferTarget;
use crate::engine::decide::checks::{code, invalid_state};
use crate::engine::{Engine, Place};
use crate::event::Event;
use crate::ids::{AgentId, ContactId};
use crate::model::{Channel, ContactState, Direction};
use crate::output::ConnectorRequest;
use crate::rejection::Rejection;

impl Engine {
    /// The agent starts the dial of a callback or outbound contact shown in Preview.
    pub(crate) fn dial_from_preview(
        &mut self,
        agent: AgentId,
        contact: ContactId,
    ) -> Result<(), Rejection> {
        let state = self.assignment_state(&agent, contact)?;
        if state != ContactState::Preview {
            return Err(invalid_state(contact, state, "start a dial"));
        }
        self.start_dial(&agent, contact);
        self.attempt_dialing(contact);
        Ok(())
    }

    /// The agent ends the conversation (or a callback's preview or dial): Wrap Up.
    pub(crate) fn end(&mut self, agent: AgentId, contact: ContactId) -> Result<(), Rejection> {
        let state = self.assignment_state(&agent, contact)?;
        if !(state.is_conversation()
            || matches!(state, ContactState::Preview | ContactState::Dialing))
        {
            return Err(invalid_state(contact, state, "end"));
        }
        self.cancel_by_default(contact, state);
        self.start_wrap_up(&agent, contact, false);
        Ok(())
    }

    /// The customer left; `Some`: the callback their drop was rescheduled as.
    pub(crate) fn abandon(&mut self, contact: ContactId) -> Result<Option<ContactId>, Rejection> {
        self.contact_rt(contact)?;
        self.reject_unless_callback_with_agent(contact, "abandon")?;
        Ok(self.customer_ended(contact, true))
    }

    pub(crate) fn change_call_state(
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

    pub(crate) fn start_dial(&mut self, agent: &AgentId, contact: ContactId) {
        self.emit(Event::ContactStateChanged {
            contact,
            agent: agent.clone(),
            state: ContactState::Dialing,
            answered_by: None,
        });
        self.request_dial(agent, contact);
    }

    pub(crate) fn request_dial(&mut self, agent: &AgentId, contact: ContactId) {
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

    pub(crate) fn complete(
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
                // The agent scheduled a callback from this contact (51, 0: docs/engine.md, Closure codes).
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

    pub(crate) fn transfer(
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

    /// The contact ended: abandon while waiting or offered, wrap-up when talking. `by_customer`:
    /// the customer ended it (an abandon, a hang-up `ended_by: customer`), so the queue may
    /// reschedule the drop as a callback (49): then the callback it created.
    #[must_use]
    pub(crate) fn customer_ended(
        &mut self,
        contact: ContactId,
        by_customer: bool,
    ) -> Option<ContactId> {
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
    pub(crate) fn reject_unless_callback_with_agent(
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
        debug_assert!(
            self.contacts.get(&contact).is_none()
                && self.offers.iter().all(|(_, o)| o.contact != contact),
            "contact {contact} closed with an open offer"
        );
        if let Some(agent) = holder {
            self.after_work(&agent);
        }
    }
}
