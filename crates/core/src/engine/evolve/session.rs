//! Evolve of session events: suspended (50) and parked (61) sessions, contacts held in a
//! parked session (62), resume and unpark (docs/engine.md, Sessions: suspend and park).

use crate::engine::evolve::{invariant, not_this_family};
use crate::engine::{Engine, HeldRt, ParkedRt, SuspendedRt};
use crate::event::Event;
use crate::time::Timestamp;

/// The contact a session event names is open until its `ContactClosed`, which follows.
const CONTACT: &str = "a session event's contact is open";

impl Engine {
    pub(super) fn evolve_session(&mut self, at: Timestamp, event: &Event) {
        match event {
            Event::ContactSuspended {
                contact,
                agent,
                thread,
            } => {
                let c = invariant(self.contacts.get(contact), CONTACT);
                let session = SuspendedRt {
                    queue: c.queue.clone(),
                    channel: c.channel,
                    from: c.from.clone(),
                    agent: agent.clone(),
                    since: at,
                    thread: thread.clone(),
                };
                // One session per thread: a later suspend of the same thread replaces it.
                if let Some(old) = self.suspended_threads.insert(thread.clone(), *contact) {
                    self.suspended.remove(&old);
                }
                self.suspended.insert(*contact, session);
            }
            Event::SessionResumed { suspended, .. } => {
                let session = invariant(
                    self.suspended.remove(suspended),
                    "a resumed session is suspended",
                );
                self.suspended_threads.remove(&session.thread);
            }
            Event::ContactParked { contact, agent } => {
                let c = invariant(self.contacts.get(contact), CONTACT);
                let session = ParkedRt {
                    queue: c.queue.clone(),
                    channel: c.channel,
                    from: c.from.clone(),
                    priority: c.priority,
                    attributes: c.attributes.clone(),
                    agent: agent.clone(),
                    since: at,
                    held: Vec::new(),
                };
                self.parked_customers.insert((c.from.clone(), *contact));
                self.parked.insert(*contact, session);
            }
            Event::ContactHeld { contact, parked } => {
                let c = invariant(self.contacts.get(contact), CONTACT);
                let held = HeldRt {
                    contact: *contact,
                    queue: c.queue.clone(),
                    channel: c.channel,
                    priority: c.priority,
                    attributes: c.attributes.clone(),
                    arrived: c.arrived,
                };
                let session = invariant(
                    self.parked.get_mut(parked),
                    "a contact is held in a parked session",
                );
                session.held.push(held);
                self.held_contacts += 1;
            }
            Event::SessionUnparked { contact, .. } => {
                let session =
                    invariant(self.parked.remove(contact), "an unparked session is parked");
                self.parked_customers.remove(&(session.from, *contact));
                self.held_contacts -= session.held.len();
            }
            _ => not_this_family("session", event),
        }
    }
}
