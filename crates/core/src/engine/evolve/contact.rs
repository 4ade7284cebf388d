//! Evolve of contact events: arrival, queueing, connect, call states, wrap-up, release and
//! close; the queues' waiting indexes follow.

use crate::config::PriorityHandling;
use crate::engine::evolve::{invariant, not_this_family};
use crate::engine::tables::AgentMap;
use crate::engine::{AgentRt, Assignment, ContactRt, Engine, Place, Timer, WaitKey};
use crate::event::Event;
use crate::ids::{AgentId, ContactId, QueueId};
use crate::model::{Channel, ContactState};
use crate::time::Timestamp;

/// An event names an open contact: decide looked it up before emitting.
const CONTACT: &str = "a contact event's contact is open";
/// An event names the agent holding the contact (its assignment).
const ASSIGNMENT: &str = "a contact event's agent holds the contact";

/// The waiting-order key of a contact under a queue's priority handling.
#[must_use]
pub(crate) fn wait_key(
    handling: PriorityHandling,
    priority: u16,
    entrance: Timestamp,
    contact: ContactId,
) -> WaitKey {
    let (primary, secondary) = match handling {
        PriorityHandling::Strict => (-i64::from(priority), entrance.millis()),
        PriorityHandling::Fifo => (0, entrance.millis()),
        PriorityHandling::WeightedAge { ms_per_level } => (
            0,
            entrance
                .millis()
                .saturating_sub(i64::from(priority).saturating_mul(ms_per_level as i64)),
        ),
    };
    WaitKey {
        primary,
        secondary,
        contact,
    }
}

impl Engine {
    pub(super) fn evolve_contact(&mut self, at: Timestamp, event: &Event) {
        match event {
            Event::ContactArrived {
                contact,
                channel,
                direction,
                queue,
                from,
                priority,
                attributes,
            } => {
                debug_assert!(
                    self.contacts.get(contact).is_none(),
                    "contact {contact} arrives twice"
                );
                self.next_contact = self.next_contact.max(contact.0 + 1);
                self.stats.contacts_arrived += 1;
                self.contacts.insert(
                    *contact,
                    ContactRt {
                        channel: *channel,
                        direction: *direction,
                        queue: queue.clone(),
                        from: from.clone(),
                        priority: *priority,
                        attributes: attributes.clone(),
                        arrived: at,
                        entrance: at,
                        place: Place::New,
                        wait_key: None,
                        queue_deadline: None,
                        offers_made: 0,
                        exclusions: Vec::new(),
                        wrapping_up: Vec::new(),
                        last_agent: None,
                        answered_by: None,
                        callback_scheduled: false,
                        connected_at: None,
                    },
                );
            }
            Event::ContactQueued {
                contact,
                queue,
                entrance,
            } => self.apply_contact_queued(*contact, queue, *entrance),
            Event::ContactConnected {
                contact,
                agent,
                offer,
                state,
                units,
            } => {
                // `None`: an outbound dial, connected without an offer.
                if let Some(offer) = offer {
                    self.remove_offer(*offer);
                }
                self.unqueue(*contact);
                let c = invariant(self.contacts.get_mut(contact), CONTACT);
                c.place = Place::Agent(agent.clone());
                c.last_agent = Some(agent.clone());
                c.connected_at = Some(at);
                // Taken: earlier refusals no longer keep anyone from it.
                for (agent, until) in c.exclusions.drain(..) {
                    self.timers
                        .remove(&(until, Timer::Reoffer(*contact, agent)));
                }
                let (queue, channel) = (c.queue.clone(), c.channel);
                let rt = invariant(
                    self.agents.get_mut(agent),
                    "a connected agent is configured",
                );
                let earlier = rt.assignments.insert(
                    *contact,
                    Assignment {
                        channel,
                        units: *units,
                        state: *state,
                        since: at,
                        detached: false,
                        wrap_up_deadline: None,
                        queue,
                    },
                );
                debug_assert!(
                    earlier.is_none(),
                    "agent {agent} connects with contact {contact} twice"
                );
                rt.used_units += u16::from(*units);
                debug_assert!(
                    rt.used_units <= crate::config::CAPACITY_UNITS,
                    "agent {agent} above its capacity: {} units",
                    rt.used_units
                );
                rt.last_work_at = at;
                self.stats.contacts_connected += 1;
                self.agent_changed(agent);
            }
            Event::ContactStateChanged {
                contact,
                agent,
                state,
                answered_by,
            } => {
                let a = assignment_mut(&mut self.agents, agent, *contact);
                a.state = *state;
                a.since = at;
                if let Some(by) = answered_by {
                    let c = invariant(self.contacts.get_mut(contact), CONTACT);
                    c.answered_by = Some(*by);
                    // Not every answered contact is a callback (an outbound dial is not).
                    if let Some(cb) = self.callbacks.get_mut(contact) {
                        if *by == crate::model::AnsweredBy::Live {
                            cb.reached = true;
                        }
                        if let Some(attempt) = cb.current.as_mut() {
                            attempt.answered = Some(*by);
                            if let Some(deadline) = attempt.no_answer_deadline.take() {
                                self.timers.remove(&(deadline, Timer::NoAnswer(*contact)));
                            }
                        }
                    }
                }
            }
            Event::WrapUpStarted {
                contact,
                agent,
                deadline,
                detached,
            } => {
                let a = assignment_mut(&mut self.agents, agent, *contact);
                debug_assert!(
                    a.state != ContactState::WrapUp,
                    "contact {contact} starts wrap-up twice"
                );
                a.state = ContactState::WrapUp;
                a.since = at;
                a.detached = *detached;
                a.wrap_up_deadline = *deadline;
                if let Some(deadline) = deadline {
                    self.timers
                        .insert((*deadline, Timer::WrapUp(*contact, agent.clone())));
                }
                if *detached {
                    let c = invariant(self.contacts.get_mut(contact), CONTACT);
                    c.wrapping_up.push(agent.clone());
                }
                // The dial (if any) is over: Duration For No Answer no longer applies.
                self.stop_no_answer_timer(*contact);
                self.agent_changed(agent);
            }
            Event::WrapUpCompleted { contact, agent, .. }
            | Event::ContactReleased { contact, agent } => {
                let rt = invariant(
                    self.agents.get_mut(agent),
                    "a releasing agent is configured",
                );
                let a = invariant(rt.assignments.remove(contact), ASSIGNMENT);
                rt.used_units = invariant(
                    rt.used_units.checked_sub(u16::from(a.units)),
                    "an agent's used units are the sum of its assignments'",
                );
                rt.last_work_at = at;
                if let Some(deadline) = a.wrap_up_deadline {
                    self.timers
                        .remove(&(deadline, Timer::WrapUp(*contact, agent.clone())));
                }
                // A transferred contact may have closed meanwhile, with its new agent.
                if a.detached
                    && let Some(c) = self.contacts.get_mut(contact)
                {
                    // The agent may take this contact again: let routing look.
                    c.wrapping_up.retain(|x| x != agent);
                    if c.place == Place::Queued {
                        self.dirty.insert(c.queue.clone());
                    }
                }
                self.agent_changed(agent);
            }
            Event::ContactClosed { contact, .. } => {
                self.unqueue(*contact);
                let c = invariant(self.contacts.get_mut(contact), CONTACT);
                for (agent, until) in c.exclusions.drain(..) {
                    self.timers
                        .remove(&(until, Timer::Reoffer(*contact, agent)));
                }
                self.contacts.discard(contact);
                self.stats.contacts_closed += 1;
            }
            _ => not_this_family("contact", event),
        }
    }

    /// Take a contact out of its queue's waiting index (if it is there).
    pub(crate) fn unqueue(&mut self, contact: ContactId) {
        let c = invariant(self.contacts.get_mut(&contact), CONTACT);
        if let Some(key) = c.wait_key.take() {
            let q = invariant(
                self.queues.get_mut(&c.queue),
                "a waiting contact's queue is configured",
            );
            q.waiting.remove(&key);
            q.by_entrance.remove(&(c.entrance, contact));
        }
        if let Some(deadline) = c.queue_deadline.take() {
            self.timers.remove(&(deadline, Timer::QueueLimit(contact)));
        }
    }

    fn apply_contact_queued(&mut self, contact: ContactId, queue: &QueueId, entrance: Timestamp) {
        self.unqueue(contact);
        self.remove_pending(contact);
        let q = invariant(
            self.queues.get_mut(queue),
            "a contact is queued in a configured queue",
        );
        let c = invariant(self.contacts.get_mut(&contact), CONTACT);
        c.queue = queue.clone();
        c.entrance = entrance;
        c.place = Place::Queued;
        let key = wait_key(q.config.priority_handling, c.priority, entrance, contact);
        q.waiting.insert(key);
        q.by_entrance.insert((entrance, contact));
        c.wait_key = Some(key);
        // Callbacks follow the callback process, not the queue's time limit for calls.
        if let Some(max_wait) = q
            .config
            .max_wait_ms
            .filter(|_| c.channel != Channel::Callback)
        {
            let deadline = entrance.plus_ms(max_wait);
            c.queue_deadline = Some(deadline);
            self.timers.insert((deadline, Timer::QueueLimit(contact)));
        }
        debug_assert_eq!(
            q.waiting.len(),
            q.by_entrance.len(),
            "a queue's two waiting indexes hold the same contacts"
        );
        self.dirty.insert(queue.clone());
    }
}

/// The assignment of the agent holding a contact an event names (decide looked it up).
#[track_caller]
fn assignment_mut<'a>(
    agents: &'a mut AgentMap<AgentRt>,
    agent: &AgentId,
    contact: ContactId,
) -> &'a mut Assignment {
    invariant(
        agents
            .get_mut(agent)
            .and_then(|rt| rt.assignments.get_mut(&contact)),
        ASSIGNMENT,
    )
}
