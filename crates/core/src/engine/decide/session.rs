//! Decisions on sessions that outlive a contact (issue 13, item 4): a call the customer
//! dropped and the engine rescheduled as a callback (49), and the connection-less media's
//! suspended (50) and parked (61, 62) sessions.
//!
//! The closure catalog's major codes close a *task* and say what becomes of the customer's
//! *session*: 50 "Session state was changed to SUSPEND", 61/62 "Parked". Switchboard routes
//! tasks (contacts); the messages themselves live in the connector's mail or ticket system.
//! So a suspend or a park closes the contact with its code, and the engine keeps the session
//! — what it needs to route the thread again — until the customer writes again (suspended)
//! or someone unparks it (parked). Sessions count against `limits.contacts_open_max`, held
//! contacts included, so they cannot grow without bound.
//!
//! The rules: docs/engine.md, Sessions: suspend and park, and Customer disconnect (49).

use crate::callback::CallbackOrigin;
use crate::closure::{ClosureCode, Major, Minor};
use crate::engine::lookup::connection_less;
use crate::engine::{Engine, Place};
use crate::event::Event;
use crate::ids::{AgentId, ContactId, QueueId};
use crate::model::{Channel, ContactState, Direction};
use crate::rejection::Rejection;
use std::collections::BTreeMap;
use std::sync::Arc;

impl Engine {
    /// Room for `more` suspended or parked sessions or held contacts.
    pub(crate) fn check_session_room(&self, more: usize) -> Result<(), Rejection> {
        let max = self.settings.limits.contacts_open_max;
        let used = self.suspended.len() + self.parked.len() + self.held_contacts;
        if used + more > max as usize {
            return Err(Rejection::limit("contacts_open_max", max));
        }
        Ok(())
    }

    /// Room to hold one more contact in a parked session.
    pub(crate) fn check_session_room_for_hold(&self) -> Result<(), Rejection> {
        self.check_session_room(1)
    }

    /// The parked session (the oldest, if several) that holds new `channel` contacts from
    /// `from`: only connection-less media wait; a call or chat cannot be held.
    #[must_use]
    pub(crate) fn parked_session_of(&self, from: &Arc<str>, channel: Channel) -> Option<ContactId> {
        if !connection_less(channel) || self.parked.is_empty() {
            return None;
        }
        self.parked_customers
            .range((from.clone(), ContactId(0))..)
            .next()
            .filter(|(f, _)| f == from)
            .map(|(_, contact)| *contact)
    }

    /// A contact arrives (its checks passed): held in a parked session, closed with
    /// `refusal`, or queued — resuming the suspended session of its thread.
    #[allow(clippy::too_many_arguments)]
    #[must_use]
    pub(crate) fn arrive(
        &mut self,
        channel: Channel,
        queue: QueueId,
        from: Arc<str>,
        priority: u16,
        attributes: BTreeMap<String, String>,
        refusal: Option<ClosureCode>,
        hold: Option<ContactId>,
    ) -> ContactId {
        let contact = ContactId(self.next_contact);
        let thread = connection_less(channel).then(|| Self::thread_key(&queue, &from, &attributes));
        self.emit(Event::ContactArrived {
            contact,
            channel,
            direction: Direction::Inbound,
            queue: queue.clone(),
            from,
            priority,
            attributes,
        });
        if let Some(parked) = hold {
            // Distribution of the customer's new contacts waits for the unpark (62).
            self.emit(Event::ContactHeld { contact, parked });
            self.close(
                contact,
                ClosureCode::new(Major::ROUTE_SESSION_PARKED, Minor::DEFAULT),
                None,
            );
            return contact;
        }
        if let Some(closure) = refusal {
            self.close(contact, closure, None);
            return contact;
        }
        if let Some(suspended) = thread.and_then(|t| self.suspended_threads.get(&t).copied()) {
            self.emit(Event::SessionResumed { suspended, contact });
        }
        let now = self.now;
        self.emit(Event::ContactQueued {
            contact,
            queue,
            entrance: now,
        });
        contact
    }

    /// The disposition checks of `complete`, for a suspend.
    pub(crate) fn check_disposition(
        &self,
        queue: &QueueId,
        disposition: &Option<String>,
    ) -> Result<(), Rejection> {
        match (disposition, self.queue_config(queue)) {
            (Some(code), Some(q)) if q.disposition(code).is_some() => Ok(()),
            (Some(code), _) => Err(Rejection::UnknownDisposition {
                queue: queue.clone(),
                disposition: code.clone(),
            }),
            (None, Some(q)) if q.disposition_required => {
                Err(Rejection::DispositionRequired(queue.clone()))
            }
            (None, _) => Ok(()),
        }
    }

    /// The agent's own, not transferred, connection-less contact, and its state.
    pub(crate) fn own_connection_less(
        &self,
        agent: &AgentId,
        contact: ContactId,
        action: &str,
    ) -> Result<(ContactState, QueueId), Rejection> {
        let rt = self.agent(agent)?;
        let Some(a) = rt.assignments.get(&contact) else {
            self.contacts
                .get(&contact)
                .ok_or(Rejection::UnknownContact(contact))?;
            return Err(Rejection::NotAgentsContact {
                agent: agent.clone(),
                contact,
            });
        };
        if !connection_less(a.channel) {
            return Err(Rejection::NotConnectionLess {
                contact,
                channel: a.channel,
                action: action.to_string(),
            });
        }
        if a.detached {
            // After a transfer the contact is someone else's: only its wrap-up is left here.
            return Err(Rejection::InvalidContactState {
                contact,
                state: a.state,
                action: format!("be {action} by an agent who transferred it"),
            });
        }
        Ok((a.state, a.queue.clone()))
    }

    /// The agent suspends a connection-less contact after one phase: from Handling, or from
    /// Wrap Up in place of `complete`. It closes (50, 0) with the disposition, the agent
    /// moves straight on, and the thread waits for the customer's next message.
    pub(crate) fn suspend(
        &mut self,
        agent: AgentId,
        contact: ContactId,
        disposition: Option<String>,
    ) -> Result<(), Rejection> {
        let (state, queue) = self.own_connection_less(&agent, contact, "suspended")?;
        if !(state == ContactState::Handling || state == ContactState::WrapUp) {
            return Err(Rejection::InvalidContactState {
                contact,
                state,
                action: "suspend".into(),
            });
        }
        self.check_disposition(&queue, &disposition)?;
        self.check_session_room(1)?;
        let Some(c) = self.contacts.get(&contact) else {
            return Err(Rejection::UnknownContact(contact));
        };
        let thread = Self::thread_key(&c.queue, &c.from, &c.attributes);
        if state == ContactState::WrapUp {
            self.emit(Event::WrapUpCompleted {
                contact,
                agent: agent.clone(),
                disposition: disposition.clone(),
                timed_out: false,
            });
        }
        self.emit(Event::ContactSuspended {
            contact,
            agent: agent.clone(),
            thread,
        });
        self.close(
            contact,
            ClosureCode::new(Major::OK_SUSPEND, Minor::DEFAULT),
            disposition,
        );
        self.after_work(&agent);
        Ok(())
    }

    /// The agent parks a connection-less contact it is handling: it closes (61, 0), the agent
    /// moves straight on, and the session stays out of routing until unparked.
    pub(crate) fn park(&mut self, agent: AgentId, contact: ContactId) -> Result<(), Rejection> {
        let (state, _) = self.own_connection_less(&agent, contact, "parked")?;
        if state != ContactState::Handling {
            return Err(Rejection::InvalidContactState {
                contact,
                state,
                action: "park".into(),
            });
        }
        self.check_session_room(1)?;
        self.emit(Event::ContactParked {
            contact,
            agent: agent.clone(),
        });
        self.close(
            contact,
            ClosureCode::new(Major::OK_PARKED, Minor::DEFAULT),
            None,
        );
        self.after_work(&agent);
        Ok(())
    }

    /// An agent (serving the session's queue) or a supervisor unparks a session: the parked
    /// contact and then the held ones arrive again as new contacts of their queues.
    pub(crate) fn unpark(
        &mut self,
        contact: ContactId,
        agent: Option<AgentId>,
    ) -> Result<ContactId, Rejection> {
        let session = self
            .parked
            .get(&contact)
            .ok_or(Rejection::NotParked(contact))?;
        if let Some(agent) = &agent {
            let rt = self.agent(agent)?;
            if !rt.config.queues.iter().any(|s| s.queue == session.queue) {
                return Err(Rejection::InvalidInput {
                    field: "agent".into(),
                    message: format!("agent {agent} does not serve queue {}", session.queue),
                });
            }
        }
        // Every arrival is checked before the first event, so an unpark is all or nothing.
        let arrivals: Vec<(Channel, QueueId, u16, BTreeMap<String, String>)> = std::iter::once((
            session.channel,
            session.queue.clone(),
            session.priority,
            session.attributes.clone(),
        ))
        .chain(
            session
                .held
                .iter()
                .map(|h| (h.channel, h.queue.clone(), h.priority, h.attributes.clone())),
        )
        .collect();
        let from = session.from.clone();
        let open_max = self.settings.limits.contacts_open_max;
        if self.contacts.len() + arrivals.len() > open_max as usize {
            return Err(Rejection::limit("contacts_open_max", open_max));
        }
        let mut per_queue: BTreeMap<&QueueId, usize> = BTreeMap::new();
        for (_, queue, _, attributes) in &arrivals {
            *per_queue.entry(queue).or_default() += 1;
            let max = self.settings.limits.attributes_per_contact_max;
            if attributes.len() > max as usize {
                return Err(Rejection::limit("attributes_per_contact_max", max));
            }
        }
        let waiting_max = self.settings.limits.contacts_per_queue_max;
        for (queue, n) in per_queue {
            if self
                .queues
                .get(queue)
                .is_some_and(|q| q.waiting.len() + n > waiting_max as usize)
            {
                return Err(Rejection::limit("contacts_per_queue_max", waiting_max));
            }
        }
        // Each arrival takes the next contact id, in this order.
        let requeued: Vec<(ContactId, ContactId)> = std::iter::once(contact)
            .chain(session.held.iter().map(|h| h.contact))
            .zip(self.next_contact..)
            .map(|(old, new)| (old, ContactId(new)))
            .collect();
        let first = requeued[0].1;
        let expected: Vec<ContactId> = requeued.iter().map(|(_, new)| *new).collect();
        self.emit(Event::SessionUnparked {
            contact,
            agent,
            requeued,
        });
        for ((channel, queue, priority, attributes), expected) in arrivals.into_iter().zip(expected)
        {
            // The per-queue room was checked above for all of them together.
            let refusal = self
                .arrival_refusal(channel, &queue)
                .unwrap_or(Some(ClosureCode::new(
                    Major::FAILED_ROUTE_INBOUND,
                    Minor::QUEUESIZELIM,
                )));
            // Another parked session of the same customer (another thread) holds it again.
            let hold = self.parked_session_of(&from, channel);
            let id = self.arrive(
                channel,
                queue,
                from.clone(),
                priority,
                attributes,
                refusal,
                hold,
            );
            debug_assert_eq!(id, expected, "the event named the new contacts");
        }
        Ok(first)
    }

    /// The customer dropped `contact`: the minor code and the delay of its callback, if its
    /// queue reschedules drops and the drop came before its handling completed — while
    /// queued (12 ABANDONED), offered or connecting (0), or within the queue's
    /// `dropped_within_ms` of the conversation's start (0).
    #[must_use]
    pub(crate) fn drop_reschedule(&self, contact: ContactId) -> Option<(Minor, u64)> {
        let c = self.contacts.get(&contact)?;
        if c.channel != Channel::Voice
            || c.direction != Direction::Inbound
            || self.callbacks.contains_key(&contact)
        {
            return None;
        }
        let q = self.queues.get(&c.queue)?;
        let after_ms = q.config.reschedule_dropped_ms?;
        // The callback must fit the queue's callback process; if not, the drop closes as ever.
        let to_be_processed = q.callbacks.as_ref()?.to_be_processed;
        if to_be_processed >= u64::from(self.settings.limits.contacts_per_queue_max) {
            return None;
        }
        // The callback takes the slot the dropped contact frees, and only if that slot is
        // under the open-contact limit: the limit may have been lowered below the number of
        // contacts already open (settings change at any time), as `create_callback` checks.
        if self.contacts.len() > self.settings.limits.contacts_open_max as usize {
            return None;
        }
        let minor = match &c.place {
            Place::New | Place::Queued => Minor::ABANDONED,
            Place::Offered(_) => Minor::DEFAULT,
            Place::Agent(agent) => {
                let state = self
                    .agents
                    .get(agent)
                    .and_then(|a| a.assignments.get(&contact))
                    .map(|a| a.state)?;
                let within_ms = q.config.dropped_within_ms?;
                let since = c.connected_at?;
                if !state.is_conversation() || self.now > since.plus_ms(within_ms) {
                    return None;
                }
                Minor::DEFAULT
            }
            Place::Pending => return None,
        };
        Some((minor, after_ms))
    }

    /// Close a dropped call (49, minor) and reschedule it: a callback to the caller's number
    /// in the same queue, due `after_ms` from now (the do-not-call list and the queue's
    /// callback schedule apply as to any callback). Returns the callback.
    #[must_use]
    pub(crate) fn reschedule_dropped(
        &mut self,
        contact: ContactId,
        minor: Minor,
        after_ms: u64,
    ) -> Option<ContactId> {
        let c = self.contacts.get(&contact)?;
        let queue = c.queue.clone();
        let destination = c.from.to_string();
        // Closing first releases the agent (no wrap-up: the call was cut off) and frees the
        // open-contact slot the callback takes.
        self.close(contact, ClosureCode::new(Major::OK_DISCONNECT, minor), None);
        let due = self.now.plus_ms(after_ms);
        let created = self.create_callback(
            CallbackOrigin::Dropped,
            queue,
            destination,
            Some(due),
            None,
            None,
            None,
            None,
        );
        // drop_reschedule checked what create_callback checks (a valid number, the queue's
        // callback process and its room, a due time within a year).
        debug_assert!(created.is_ok(), "{created:?}");
        created.ok()
    }
}
